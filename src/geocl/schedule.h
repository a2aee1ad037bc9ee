/* SPDX-License-Identifier: MIT */
/* Learning-rate schedules: pure host functions of the (fractional) epoch.
 *
 * - GEOCL_LR_WARMUP_COSINE, CroCo's / MAE's adjust_learning_rate, set before
 *   every iteration with t = epoch + iter/iters_per_epoch:
 *     t < warmup:  lr = base·t/warmup
 *     otherwise:   lr = min_lr + (base − min_lr)·½·(1 + cos(π·(t − warmup)/(epochs − warmup)))
 *   epochs is the cosine horizon (CroCo trains to half of it).
 * - GEOCL_LR_STEP: base·gamma^k with k = ⌊e/step_epochs⌋, or, when
 *   milestones are given, the number of milestones ≤ e (PyTorch's StepLR /
 *   MultiStepLR; mmcv's "step" policy).
 * - GEOCL_LR_EXPONENTIAL: base·gamma^e (SimIPU: gamma 0.99).
 * STEP and EXPONENTIAL change once per epoch: e = ⌊t⌋. */
#ifndef GEOCL_SCHEDULE_H
#define GEOCL_SCHEDULE_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_lr_kind {
  GEOCL_LR_CONSTANT,
  GEOCL_LR_WARMUP_COSINE,
  GEOCL_LR_STEP,
  GEOCL_LR_EXPONENTIAL
} geocl_lr_kind;

#define GEOCL_LR_MAX_MILESTONES 16

typedef struct geocl_lr_schedule {
  geocl_lr_kind kind;
  double warmup_epochs; /* WARMUP_COSINE */
  double epochs;        /* WARMUP_COSINE: the horizon */
  double min_lr;        /* WARMUP_COSINE: absolute floor */
  double gamma;         /* STEP, EXPONENTIAL */
  int step_epochs;      /* STEP without milestones */
  int n_milestones;     /* STEP: decay at these epochs (ascending) instead */
  int milestones[GEOCL_LR_MAX_MILESTONES];
} geocl_lr_schedule;

/* The learning rate at fractional epoch t of a group whose base lr is base_lr. */
double geocl_lr_at(const geocl_lr_schedule *s, double base_lr, double t);
/* CroCo's fractional epoch: epoch + iter/iters_per_epoch. */
double geocl_lr_epoch(int64_t epoch, int64_t iter, int64_t iters_per_epoch);

#ifdef __cplusplus
}
#endif
#endif
