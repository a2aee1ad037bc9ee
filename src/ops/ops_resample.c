/* SPDX-License-Identifier: MIT */
/* Resampling of images (torch.nn.functional.interpolate with a size:
 * nearest, bilinear, bicubic): one pass along the columns, then one along
 * the rows, each a recorded op.  The interpolations are separable, so the two
 * passes compute what PyTorch's 2-D kernels compute; an axis whose size does
 * not change is skipped (every mode reproduces the input there). */
#include "ops_internal.h"

static const char *const mode_name[GEOCL_RESAMPLE_COUNT] = {"nearest", "bilinear", "bicubic"};

/* x as [outer, len, inner] around dimension d */
static void split_at(const geocl_tensor *x, int d, int64_t *outer, int64_t *inner) {
  *outer = *inner = 1;
  for (int i = 0; i < d; i++) *outer *= x->shape[i];
  for (int i = d + 1; i < x->ndim; i++) *inner *= x->shape[i];
}

/* p.i: dim, mode, align_corners */
static geocl_status resample_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0];
  geocl_ctx *ctx = x->ctx;
  int d = (int)n->p.i[0];
  int64_t outer, inner;
  split_at(x, d, &outer, &inner);
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!dx) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (geocl_numel(dx) > 0)
    st = ctx->be->ops->resample_backward(ctx->be, (geocl_resample_mode)n->p.i[1], (int)n->p.i[2], outer, x->shape[d],
                                         dout->shape[d], inner, geocl_tensor_bref(dy), geocl_tensor_bref(dx));
  return st != GEOCL_OK ? st : geocl_accumulate_grad(x, dx);
}

/* x resampled to `size` along dimension d */
static geocl_tensor *resample_dim(geocl_tensor *x, int d, int64_t size, geocl_resample_mode mode, bool align) {
  geocl_ctx *ctx = x->ctx;
  geocl_tensor *xc = ops_contiguous(x);
  int64_t shape[GEOCL_MAX_DIMS], outer, inner;
  for (int i = 0; i < x->ndim; i++) shape[i] = x->shape[i];
  shape[d] = size;
  geocl_tensor *y = xc ? ops_new(ctx, x->ndim, shape) : NULL;
  if (!y) return NULL;
  split_at(x, d, &outer, &inner);
  geocl_status st = GEOCL_OK;
  if (geocl_numel(y) > 0)
    st = ctx->be->ops->resample(ctx->be, mode, align, outer, x->shape[d], size, inner, geocl_tensor_bref(xc),
                                geocl_tensor_bref(y));
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_node *n = geocl_record(y, mode_name[mode], resample_backward, 1, &xc);
  if (n) {
    n->p.i[0] = d;
    n->p.i[1] = mode;
    n->p.i[2] = align;
  }
  return y;
}

geocl_tensor *geocl_resize2d(geocl_tensor *x, int64_t height, int64_t width, geocl_resample_mode mode,
                             bool align_corners) {
  OPS_REQUIRE(x);
  const char *op = (unsigned)mode < GEOCL_RESAMPLE_COUNT ? mode_name[mode] : "resize2d";
  if (!ops_check_dtype(op, "x", x, GEOCL_F32)) return NULL;
  char s[96];
  if ((unsigned)mode >= GEOCL_RESAMPLE_COUNT || x->ndim < 2 || height < 1 || width < 1 ||
      x->shape[x->ndim - 2] < 1 || x->shape[x->ndim - 1] < 1) {
    geocl_set_error(GEOCL_E_INVALID, "resize2d: mode %d of %s to %lldx%lld (modes: nearest, bilinear, bicubic; an "
                    "input [..., H, W] of at least one pixel and an output of at least one)", (int)mode,
                    geocl_shape_str(x, s, sizeof s), (long long)height, (long long)width);
    return NULL;
  }
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, resample, op) || !OPS_KERNEL(ctx, resample_backward, op)) return NULL;
  bool align = align_corners && mode != GEOCL_RESAMPLE_NEAREST;
  geocl_tensor *y = x;
  if (width != x->shape[x->ndim - 1]) y = resample_dim(y, x->ndim - 1, width, mode, align);
  if (y && height != x->shape[x->ndim - 2]) y = resample_dim(y, x->ndim - 2, height, mode, align);
  return y == x ? geocl_reshape(x, x->ndim, x->shape) : y;
}

geocl_tensor *geocl_upsample2d(geocl_tensor *x, int64_t factor, geocl_resample_mode mode, bool align_corners) {
  OPS_REQUIRE(x);
  if (factor < 1 || x->ndim < 2) {
    char s[96];
    geocl_set_error(GEOCL_E_INVALID, "upsample2d: factor %lld of %s (a positive factor, an input [..., H, W])",
                    (long long)factor, geocl_shape_str(x, s, sizeof s));
    return NULL;
  }
  return geocl_resize2d(x, factor * x->shape[x->ndim - 2], factor * x->shape[x->ndim - 1], mode, align_corners);
}
