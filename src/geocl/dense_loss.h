/* SPDX-License-Identifier: MIT */
/* Losses of the dense downstream heads (layers library): composed of ops,
 * so they run on the tape on every backend.  Maps are [B, C, H, W]; valid is
 * [B, 1, H, W] with 1 where the ground truth is known (unknown targets hold
 * finite values, e.g. 0).  Each loss is one mean over the valid pixels of the
 * batch.
 *
 * Stereo and flow (naver/croco stereoflow/criterion.py), r = Σ_c |gt_c − pred_c|:
 *   L1Loss                  mean of |gt − pred| over valid elements
 *   LaplacianLoss           r·e^(−c) + c
 *   LaplacianLossBounded    s = (b − a)·σ(c) + a; r/s + log s   (a 0.25, b 4, max_gtnorm 10000)
 *   LaplacianLossBounded2   c' = 2a·(σ(c/b) − ½); r·e^(−c') + c'   (a = b = 3)
 * with c the raw confidence channel; with max_gtnorm, pixels whose ground
 * truth norm (disparity, or ‖(u, v)‖) is not below it are left out.  The
 * constant log 2 is omitted, as upstream.
 *
 * Depth, g = log d̂ − log d:
 *   silog   √(var(g) + 0.15·mean(g)²), the unbiased variance (the depth
 *           toolbox's SigLoss, zhyever/Monocular-Depth-Estimation-Toolbox)
 *   l1log   mean |g| */
#ifndef GEOCL_DENSE_LOSS_H
#define GEOCL_DENSE_LOSS_H

#include <stdbool.h>

#include <geocl/ops.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_criterion_kind {
  GEOCL_CRITERION_L1,
  GEOCL_CRITERION_LAPLACIAN,
  GEOCL_CRITERION_LAPLACIAN_BOUNDED,
  GEOCL_CRITERION_LAPLACIAN_BOUNDED2
} geocl_criterion_kind;

typedef struct geocl_criterion {
  geocl_criterion_kind kind;
  double a, b;       /* the bounded losses' parameters */
  double max_gtnorm; /* 0: none */
} geocl_criterion;

/* Parse the official criterion text ("LaplacianLossBounded2()",
 * "LaplacianLossBounded(max_gtnorm=10000., a=0.25, b=4.)", "L1Loss()"; the
 * parentheses may be left out), with the official defaults for arguments not
 * given.  Errors quote the text. */
geocl_status geocl_criterion_parse(const char *text, geocl_criterion *out);
/* Does the criterion read a confidence channel? */
bool geocl_criterion_with_conf(const geocl_criterion *c);
/* The loss of pred [B, C, H, W] (and conf [B, 1, H, W] when with_conf) against gt
 * [B, C, H, W] where valid. */
geocl_tensor *geocl_criterion_loss(const geocl_criterion *c, geocl_tensor *pred, geocl_tensor *conf, geocl_tensor *gt,
                                   geocl_tensor *valid);

typedef enum geocl_depth_loss { GEOCL_DEPTH_LOSS_SILOG, GEOCL_DEPTH_LOSS_L1LOG } geocl_depth_loss;

/* The depth loss of pred (positive) against gt where valid, both [B, 1, H, W]. */
geocl_tensor *geocl_depth_loss_apply(geocl_depth_loss kind, geocl_tensor *pred, geocl_tensor *gt, geocl_tensor *valid);

#ifdef __cplusplus
}
#endif
#endif
