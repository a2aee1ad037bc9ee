/* SPDX-License-Identifier: MIT */
/* Learning-rate schedules (see geocl/schedule.h for the formulas). */
#include <math.h>

#include <geocl/schedule.h>

static double warmup_cosine(const geocl_lr_schedule *s, double base, double t) {
  if (t < s->warmup_epochs) return base * t / s->warmup_epochs;
  if (s->epochs <= s->warmup_epochs) return s->min_lr; /* no cosine span left */
  double progress = (t - s->warmup_epochs) / (s->epochs - s->warmup_epochs);
  return s->min_lr + (base - s->min_lr) * 0.5 * (1.0 + cos(M_PI * progress));
}

static int decays(const geocl_lr_schedule *s, double epoch) {
  if (s->n_milestones <= 0) return s->step_epochs > 0 ? (int)(epoch / s->step_epochs) : 0;
  int k = 0;
  for (int i = 0; i < s->n_milestones && i < GEOCL_LR_MAX_MILESTONES; i++) k += s->milestones[i] <= epoch;
  return k;
}

double geocl_lr_at(const geocl_lr_schedule *s, double base_lr, double t) {
  double epoch = floor(t);
  switch (s->kind) {
  case GEOCL_LR_WARMUP_COSINE: return warmup_cosine(s, base_lr, t);
  case GEOCL_LR_STEP: return base_lr * pow(s->gamma, decays(s, epoch));
  case GEOCL_LR_EXPONENTIAL: return base_lr * pow(s->gamma, epoch);
  case GEOCL_LR_CONSTANT: break;
  }
  return base_lr;
}

double geocl_lr_epoch(int64_t epoch, int64_t iter, int64_t iters_per_epoch) {
  return (double)epoch + (iters_per_epoch > 0 ? (double)iter / (double)iters_per_epoch : 0.0);
}
