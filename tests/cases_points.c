/* SPDX-License-Identifier: MIT */
/* Op cases: group_points (gathers with repeated indices: the backward adds
 * them up) and grid_sample_points (bilinear sampling at points, gradients to
 * the map and to the points).  The samplers (farthest_point_sample,
 * ball_query) return indices: tests/check_points.c compares them exactly. */
#include <stdlib.h>

#include "op_harness.h"

static geocl_tensor *run_group_points(geocl_tensor *const *in, const op_case *c) {
  return geocl_group_points(in[0], in[1]);
}

static geocl_tensor *run_grid_sample(geocl_tensor *const *in, const op_case *c) {
  return geocl_grid_sample_points(in[0], in[1]);
}

/* The points as offsets g ∈ [−1, 1) of up to 0.4 pixel around pixel centres
 * (x + 0.5, y + 0.5) that lie inside the map, so that the central differences
 * of the gradient to the points never cross a pixel edge (where bilinear
 * interpolation has kinks).  in[1]: g [B, P, 2]. */
static geocl_tensor *run_grid_sample_smooth(geocl_tensor *const *in, const op_case *c) {
  geocl_ctx *ctx = geocl_tensor_ctx(in[0]);
  int64_t h = geocl_dim(in[0], 2), w = geocl_dim(in[0], 3), b = geocl_dim(in[1], 0), p = geocl_dim(in[1], 1);
  float *centre = malloc(sizeof(float) * (size_t)(b * p * 2));
  float scale[2] = {0.8f / (float)(w - 1), 0.8f / (float)(h - 1)};
  for (int64_t j = 0; j < b * p; j++) { /* normalised coordinates of pixel centres, spread over the map */
    centre[2 * j] = 2.0f * ((float)((j * 7) % (w - 1)) + 0.5f) / (float)(w - 1) - 1.0f;
    centre[2 * j + 1] = 2.0f * ((float)((j * 5) % (h - 1)) + 0.5f) / (float)(h - 1) - 1.0f;
  }
  geocl_tensor *base = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(b, p, 2), centre);
  geocl_tensor *grid = geocl_add(geocl_mul(in[1], geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(2), scale)), base);
  free(centre);
  return geocl_grid_sample_points(in[0], grid);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define INTS(n) IN_INT, 0, 0, n, false
#define GRAD 1e-2, 2e-3

const op_case cases_points[] = {
    /* indices repeat within and across rows: the backward sums them */
    {"group_points/repeats", 2, {{3, {2, 11, 5}, U}, {3, {2, 7, 6}, INTS(11)}}, run_group_points, {0}, {0}, 0, 1e-6,
     GRAD},
    {"group_points/one_source", 2, {{3, {1, 3, 4}, U}, {3, {1, 9, 8}, INTS(1)}}, run_group_points, {0}, {0}, 0, 1e-6,
     GRAD},
    {"group_points/rows", 2, {{3, {3, 13, 7}, U}, {2, {3, 20}, INTS(13)}}, run_group_points, {0}, {0}, 0, 1e-6, GRAD},
    /* points inside, on the border and outside the map; gradient to the map */
    {"grid_sample_points/map", 2, {{4, {2, 3, 5, 7}, U}, {3, {2, 11, 2}, IN_UNIFORM, -1.3f, 1.3f, 0, false}},
     run_grid_sample, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"grid_sample_points/one_row", 2, {{4, {1, 2, 1, 5}, U}, {3, {1, 6, 2}, IN_UNIFORM, -1.1f, 1.1f, 0, false}},
     run_grid_sample, {0}, {0}, 1e-6, 1e-6, GRAD},
    /* gradients to the map and to the points */
    {"grid_sample_points/points", 2, {{4, {2, 4, 6, 9}, U}, {3, {2, 13, 2}, U}}, run_grid_sample_smooth, {0}, {0}, 1e-6,
     1e-6, GRAD},
    {NULL},
};
