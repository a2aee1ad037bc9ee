/* SPDX-License-Identifier: MIT */
/* PointNet++ set abstraction as mmdet3d builds it (PointNet2SAMSG with
 * PointSAModuleMSG, the point encoder of 3DSSD and of SimIPU): which points
 * become centres and what each centre's neighbourhoods hold.  These two steps
 * decide which points pair up in SimIPU, so they follow mmdet3d exactly
 * (mmdet3d/ops/furthest_point_sample/points_sampler.py,
 * mmdet3d/ops/pointnet_modules/point_sa_module.py,
 * mmdet3d/ops/group_points/group_points.py).  Features are channels last,
 * [B, N, C], so a scale's shared MLP is geocl_linear on the grouped rows;
 * its layers (1×1 convolutions with batch norm and ReLU), the max over the
 * neighbours (geocl_max over dim 2), the concatenation of the scales and the
 * aggregation layer compose with the op set. */
#ifndef GEOCL_POINTNET2_H
#define GEOCL_POINTNET2_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/ops.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_fps_mode {
  GEOCL_FPS_D,  /* D-FPS: farthest points in coordinates */
  GEOCL_FPS_F,  /* F-FPS: in [xyz, features] */
  GEOCL_FPS_FS  /* both, F-FPS picks then D-FPS picks: 2·samples centres */
} geocl_fps_mode;

/* One sampler of a set abstraction: `samples` picks among the next `count`
 * points (-1: all the rest). */
typedef struct geocl_fps_stage {
  geocl_fps_mode mode;
  int64_t samples, count;
} geocl_fps_stage;

/* Centres of a set abstraction: i32 [B, M] indices into xyz [B, N, 3], the
 * stages' picks concatenated; stage s samples the points after those of the
 * stages before (mmdet3d's fps_mod_list with fps_sample_range_list).  F-FPS
 * needs features [B, N, C] (else NULL).  Picks may repeat across stages.
 * SimIPU: SA1 {D, 4096, -1}; SA2 {FS, 1024, -1} (2048 centres); SA3
 * {F, 512, 512}, {D, 512, -1}: F-FPS over SA2's first 512 points (its first
 * F-FPS picks, reordered) and D-FPS over the 1536 after them. */
geocl_tensor *geocl_pointnet2_sample(geocl_tensor *xyz, geocl_tensor *features, int stages,
                                     const geocl_fps_stage *stage);

/* Neighbourhoods of the centres [B, M, 3] for each ring of a dilated ball
 * query (geocl_ball_query): out[r] = [B, M, nsample_r, D], D = 3 + C with
 * use_xyz (the coordinates relative to the centre, then the features, as
 * mmdet3d's QueryAndGroup concatenates them), else C.  features may be NULL
 * with use_xyz.  Gradients flow to features (and to xyz with use_xyz). */
geocl_status geocl_pointnet2_group(geocl_tensor *xyz, geocl_tensor *features, geocl_tensor *centres, int rings,
                                   const geocl_ball_ring *ring, bool use_xyz, geocl_tensor **out);

#ifdef __cplusplus
}
#endif
#endif
