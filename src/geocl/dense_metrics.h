/* SPDX-License-Identifier: MIT */
/* Metrics of the dense downstream tasks, accumulated image by image on the
 * host into a geocl_metrics (sums and counts) and turned into the reported
 * values by geocl_dense_metrics_report.  Ground truth that is unknown has
 * valid = 0 (NULL valid: every pixel is known).
 *
 * Stereo and flow follow naver/croco stereoflow/criterion.py's per-data-set
 * metrics (StereoDatasetMetrics, FlowDatasetMetrics): pixels pooled over the
 * data set.
 *   stereo  avgerr (mean |d̂ − d|, the official L1err), rmse (√ of the mean
 *           squared error), bad@0.5, bad@1, bad@2, bad@3 (% of pixels with
 *           |d̂ − d| > t)
 *   flow    EPE (mean ‖f̂ − f‖₂), L1 (mean |û − u| + |v̂ − v|), bad@0.5, bad@1,
 *           bad@3, bad@5 (% with EPE > t), s0-10, s10-40, s40+ (EPE of the
 *           pixels whose true speed ‖f‖ is in [0, 10), [10, 40), [40, ∞))
 * Depth follows the depth toolbox SimIPU is evaluated with
 * (zhyever/Monocular-Depth-Estimation-Toolbox, depth/core/evaluation): per
 * image over the pixels with min_depth < d < max_depth inside the crop, the
 * prediction clipped to [min_depth, max_depth], then averaged over images:
 *   depth   abs_rel, sq_rel, rmse, rmse_log, silog (100·√(mean g² − (mean g)²),
 *           g = log d̂ − log d), log10, delta1, delta2, delta3 (share of
 *           max(d̂/d, d/d̂) < 1.25, 1.25², 1.25³). */
#ifndef GEOCL_DENSE_METRICS_H
#define GEOCL_DENSE_METRICS_H

#include <stddef.h>

#include <geocl/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_dense_task { GEOCL_DENSE_NONE = 0, GEOCL_DENSE_STEREO, GEOCL_DENSE_FLOW, GEOCL_DENSE_DEPTH } geocl_dense_task;

/* The dense task a plugin solves, by the target it trains on: disparity
 * (stereo), flow, or depth; NONE for others. */
geocl_dense_task geocl_dense_task_of(const geocl_plugin *p);

/* Add one image of n pixels: pred, gt, valid are n floats (flow: u plane then v plane, 2n). */
geocl_status geocl_stereo_metrics_add(geocl_metrics *acc, const float *pred, const float *gt, const float *valid,
                                      size_t n);
geocl_status geocl_flow_metrics_add(geocl_metrics *acc, const float *pred, const float *gt, const float *valid,
                                    size_t n);

/* The usual evaluation regions of KITTI depth: rows [0.40810811·H, 0.99189189·H) ×
 * columns [0.03594771·W, 0.96405229·W) (Garg), rows [0.3324324·H, 0.91351351·H) (Eigen). */
typedef enum geocl_depth_crop { GEOCL_DEPTH_CROP_NONE = 0, GEOCL_DEPTH_CROP_GARG, GEOCL_DEPTH_CROP_EIGEN } geocl_depth_crop;
typedef struct geocl_depth_eval {
  double min_depth, max_depth; /* default 1e-3, 80 (KITTI) */
  geocl_depth_crop crop;
} geocl_depth_eval;
void geocl_depth_eval_default(geocl_depth_eval *e);
/* One width×height image; an image without a known pixel in range adds nothing. */
geocl_status geocl_depth_metrics_add(geocl_metrics *acc, const float *pred, const float *gt, const float *valid,
                                     int width, int height, const geocl_depth_eval *e);

/* The reported values of acc, in a fixed order (the order above). */
geocl_status geocl_dense_metrics_report(geocl_dense_task task, const geocl_metrics *acc, geocl_metrics *report);

#ifdef __cplusplus
}
#endif
#endif
