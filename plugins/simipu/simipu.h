/* SPDX-License-Identifier: MIT */
/* The simipu plugin's model: SimIPU's pre-training network (zhyever/SimIPU,
 * project_cl/configs/simipu/simipu_kitti.py with
 * project_cl/decorator/inter_intro_decorator_moco_better.py, moco off). */
#ifndef SIMIPU_H
#define SIMIPU_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/geocl.h>
#include <geocl/pointnet2.h>

#define SIMIPU_SA 3     /* set abstraction layers */
#define SIMIPU_SCALES 3 /* rings per layer */
#define SIMIPU_MLP 3    /* 1×1 layers per ring */

/* The configuration, parsed from the options. */
typedef struct simipu_config {
  int img_depth;
  int64_t num_points;
  int64_t img_h, img_w;               /* the input canvas (multiples of 32) */
  int64_t scale_long[2], scale_short[2]; /* resize ranges (img_scale) */
  int64_t sa_points[SIMIPU_SA];       /* SA1 D-FPS; SA2 FS (each); SA3 F- and D-FPS (each) */
  int64_t sa3_fps_range;
  float radii[SIMIPU_SA][SIMIPU_SCALES];
  int samples[SIMIPU_SA][SIMIPU_SCALES];
  int64_t channels[SIMIPU_SA][SIMIPU_SCALES][SIMIPU_MLP];
  int64_t aggregation[SIMIPU_SA];
  int64_t intro_hidden, intro_out, img_hidden, img_out, pts_hidden, pts_out;
  float T;
  int group_size;
  bool pad_norm; /* sample_norm "pad": each image's own padded size (the code); else the batch's */
  bool img_conv1x1;
} simipu_config;

geocl_status simipu_config_parse(const geocl_config *cfg, simipu_config *c);
/* Keypoints per sample (what SA3 outputs). */
int64_t simipu_keypoints(const simipu_config *c);
/* C5 channels of the image encoder. */
int64_t simipu_img_channels(const simipu_config *c);

/* ---- PointNet++ SA-MSG (mmdet3d PointNet2SAMSG, use_xyz off) ---- */

typedef struct simipu_sa_mlp {
  geocl_tensor *weight[SIMIPU_MLP]; /* [out, in, 1, 1] */
  geocl_tensor *bias[SIMIPU_MLP];
  geocl_batchnorm_layer bn[SIMIPU_MLP];
} simipu_sa_mlp;

typedef struct simipu_pointnet {
  simipu_sa_mlp mlp[SIMIPU_SA][SIMIPU_SCALES];
  geocl_tensor *agg_weight[SIMIPU_SA]; /* [out, in, 1] */
  geocl_tensor *agg_bias[SIMIPU_SA];
  geocl_batchnorm_layer agg_bn[SIMIPU_SA];
} simipu_pointnet;

/* What one pass gives: keypoints [B, K, 3], features [B, K, C] (channels
 * last) and each layer's picks (i32 [B, m], into that layer's input). */
typedef struct simipu_points_out {
  geocl_tensor *xyz, *features;
  geocl_tensor *picks[SIMIPU_SA];
} simipu_points_out;

geocl_status simipu_pointnet_declare(geocl_params *p, const simipu_config *c);
geocl_status simipu_pointnet_bind(geocl_params *p, const simipu_config *c, simipu_pointnet *n);
geocl_status simipu_pointnet_init(const simipu_pointnet *n, const simipu_config *c, geocl_rng *rng);
/* points [B, N, 4] (x, y, z, reflectance); train-mode batch norm when training. */
geocl_status simipu_pointnet_apply(const simipu_pointnet *n, const simipu_config *c, geocl_tensor *points,
                                   bool training, simipu_points_out *out);

/* ---- projection heads (a "SimSiam projection MLP": 3 × Linear + BN1d) ---- */

typedef struct simipu_head {
  geocl_linear_layer fc[3];
  geocl_batchnorm_layer bn[3];
} simipu_head;

geocl_status simipu_head_declare(geocl_params *p, const char *prefix, int64_t in, int64_t hidden, int64_t out);
geocl_status simipu_head_bind(geocl_params *p, const char *prefix, simipu_head *h);
geocl_status simipu_head_init(const simipu_head *h, geocl_rng *rng);
/* x [M, in] → [M, out]: BN over the M rows (train mode when training), ReLU after the first two. */
geocl_tensor *simipu_head_apply(const simipu_head *h, geocl_tensor *x, bool training);

/* ---- the run's curves for the picture ---- */

#define SIMIPU_PENDING 64   /* metric tensors kept on the device before one download */
#define SIMIPU_HISTORY 2048 /* points kept (halved when full) */

typedef struct simipu_history {
  geocl_tensor *pending[SIMIPU_PENDING]; /* [3]: intra, inter, intra top-1 */
  int64_t pending_step[SIMIPU_PENDING];
  int n_pending;
  float values[SIMIPU_HISTORY][4]; /* step, intra, inter, top-1 */
  int n;
} simipu_history;

/* ---- the model ---- */

typedef struct simipu_model {
  geocl_ctx *ctx;
  geocl_params *params;
  simipu_config cfg;
  bool backbone_only; /* the image encoder alone, under a downstream head (backbone.c) */
  bool bound;
  geocl_resnet img;
  simipu_pointnet pts;
  simipu_head intro, cross_img, cross_pts;
  simipu_history history;
} simipu_model;

/* The image encoder's configuration: SimIPU's batch norm (eps 1e-3,
 * momentum 0.01) in pre-training, PyTorch's under a downstream head. */
geocl_resnet_config simipu_resnet_config(const simipu_model *m);
/* Bind what create declared (once). */
geocl_status simipu_bind(simipu_model *m);

/* ---- as a backbone (backbone.c): the image encoder's stem and four stages ---- */

#define SIMIPU_BACKBONE_BLOCKS 5
extern const geocl_backbone_ops simipu_backbone_ops;

/* Keep a training step's losses and top-1 accuracy for the curves (no wait
 * for the device until SIMIPU_PENDING steps have gathered). */
geocl_status simipu_history_record(simipu_model *m, int64_t step, geocl_tensor *intra, geocl_tensor *inter,
                                   geocl_tensor *top1);
/* Every recorded point as [n][4] (step, intra, inter, top-1). */
float *simipu_history_values(simipu_model *m, int *n);
void simipu_history_free(simipu_model *m);

/* Host-side matching of one sample: keypoints of view B mapped into A's
 * frame with b_to_a, then the exact assignment on Euclidean distances. */
geocl_status simipu_match(const float *kp_a, const float *kp_b, const float b_to_a[16], int64_t k, int32_t *match,
                          double *cost);
/* Grid-sample coordinates of keypoints kp [K, 3] projected by lidar2img
 * (§5.7 of the official point_sample): u, v over max(depth, 1e-5),
 * normalised by pad_w × pad_h to [−1, 1]. */
void simipu_sample_grid(const float *kp, int64_t k, const float lidar2img[16], double pad_w, double pad_h,
                        float *grid);

/* The picture of a forward pass (picture.c). */
geocl_tensor *simipu_visualize(void *state, const geocl_batch *b, const geocl_outputs *out);

#endif
