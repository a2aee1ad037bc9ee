/* SPDX-License-Identifier: MIT */
/* A position-embedding table of a square grid resampled to another grid, as
 * naver/croco models/pos_embed.py interpolate_pos_embed does when a model is
 * built for another image size than its checkpoint: the [s*s, D] table seen
 * as a [1, D, s, s] image, bicubic interpolation (PyTorch's, A = -0.75,
 * align_corners false) to [1, D, h, w], flattened row-major to [h*w, D]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>

#include "optim_internal.h"

bool params_is_pos_embed(const char *name, int file_ndim, const int64_t *file_shape, int ndim, const int64_t *shape,
                         int64_t grid_h, int64_t grid_w) {
  size_t n = strlen(name);
  if (n < 9 || strcmp(name + n - 9, "pos_embed") || file_ndim != 2 || ndim != 2 || grid_h < 1 || grid_w < 1)
    return false;
  int64_t side = (int64_t)llround(sqrt((double)file_shape[0]));
  return side * side == file_shape[0] && file_shape[1] == shape[1] && shape[0] == grid_h * grid_w;
}

geocl_status params_resample_pos_embed(geocl_ctx *ctx, const float *table, int64_t n, int64_t dim, int64_t grid_h,
                                       int64_t grid_w, float *out) {
  int64_t side = (int64_t)llround(sqrt((double)n));
  geocl_scope scope = geocl_scope_begin(ctx);
  bool was = geocl_set_grad_enabled(ctx, false);
  geocl_tensor *x = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(side * side, dim), table);
  x = geocl_reshape(geocl_contiguous(geocl_transpose(x, 0, 1)), GEOCL_SHAPE(1, dim, side, side));
  geocl_tensor *y = geocl_resize2d(x, grid_h, grid_w, GEOCL_RESAMPLE_CUBIC, false);
  y = geocl_contiguous(geocl_transpose(geocl_reshape(y, GEOCL_SHAPE(dim, grid_h * grid_w)), 0, 1));
  geocl_status st = y ? geocl_to_host(y, out, sizeof(float) * (size_t)(grid_h * grid_w * dim)) : geocl_last_status();
  geocl_set_grad_enabled(ctx, was);
  geocl_scope_end(ctx, scope);
  return st;
}
