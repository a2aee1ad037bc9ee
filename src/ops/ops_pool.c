/* SPDX-License-Identifier: MIT */
/* Pooling over NCHW images: max pooling with PyTorch's output sizes (floor
 * or ceil mode) and arg-max backward, global average pooling. */
#include <string.h>

#include "ops_internal.h"

static geocl_status max_pool2d_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *arg = n->saved[0];
  geocl_ctx *ctx = x->ctx;
  geocl_window2d g;
  memcpy(&g, n->p.i, sizeof g);
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? ops_new(ctx, 4, x->shape) : NULL;
  if (!dx) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (geocl_numel(dx) > 0)
    st = ctx->be->ops->max_pool2d_backward(ctx->be, &g, geocl_tensor_bref(arg), geocl_tensor_bref(dy),
                                           geocl_tensor_bref(dx));
  return st != GEOCL_OK ? st : geocl_accumulate_grad(x, dx);
}

/* PyTorch's pooling_output_shape: windows that start in the input or its
 * left padding; ceil mode keeps a last partial window. */
static int64_t pooled_size(int64_t in, int64_t k, int64_t s, int64_t p, int64_t d, bool ceil_mode) {
  int64_t span = in + 2 * p - d * (k - 1) - 1;
  if (span < 0) return 0;
  int64_t out = (span + (ceil_mode ? s - 1 : 0)) / s + 1;
  if (ceil_mode && (out - 1) * s >= in + p) out--;
  return out;
}

geocl_tensor *geocl_max_pool2d(geocl_tensor *x, const geocl_pool2d_opts *o) {
  OPS_REQUIRE(x);
  const char *op = "max_pool2d";
  if (!ops_check_dtype(op, "x", x, GEOCL_F32)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, max_pool2d, op) || !OPS_KERNEL(ctx, max_pool2d_backward, op)) return NULL;
  char sx[96];
  if (x->ndim != 4 || !o) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: input %s must be 4-D [N, C, H, W] and the options given", op,
                    geocl_shape_str(x, sx, sizeof sx));
    return NULL;
  }
  int64_t kh = o->kernel[0], kw = o->kernel[1];
  geocl_window2d g = {x->shape[0], x->shape[1], x->shape[2], x->shape[3], kh, kw,
                      o->stride[0] ? o->stride[0] : kh, o->stride[1] ? o->stride[1] : kw, o->padding[0], o->padding[1],
                      o->dilation[0] ? o->dilation[0] : 1, o->dilation[1] ? o->dilation[1] : 1, 0, 0};
  if (kh < 1 || kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1 || g.ph < 0 || g.pw < 0 || 2 * g.ph > kh ||
      2 * g.pw > kw) {
    geocl_set_error(GEOCL_E_INVALID, "%s: kernel %lldx%lld, stride %lldx%lld and dilation %lldx%lld must be positive, "
                    "padding %lldx%lld at most half the kernel", op, (long long)kh, (long long)kw, (long long)g.sh,
                    (long long)g.sw, (long long)g.dh, (long long)g.dw, (long long)g.ph, (long long)g.pw);
    return NULL;
  }
  g.oh = pooled_size(g.h, kh, g.sh, g.ph, g.dh, o->ceil_mode);
  g.ow = pooled_size(g.w, kw, g.sw, g.pw, g.dw, o->ceil_mode);
  if (g.oh < 1 || g.ow < 1) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: input %s is smaller than the %lldx%lld kernel (dilation %lldx%lld, padding "
                    "%lldx%lld)", op, geocl_shape_str(x, sx, sizeof sx), (long long)kh, (long long)kw, (long long)g.dh,
                    (long long)g.dw, (long long)g.ph, (long long)g.pw);
    return NULL;
  }
  geocl_tensor *xc = ops_contiguous(x);
  int64_t shape[4] = {g.n, g.c, g.oh, g.ow};
  geocl_tensor *y = xc ? ops_new(ctx, 4, shape) : NULL;
  geocl_tensor *arg = y ? geocl_empty(ctx, GEOCL_I32, 4, shape) : NULL;
  if (!arg) return y ? ops_fail(y) : NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(y) > 0)
    st = ctx->be->ops->max_pool2d(ctx->be, &g, geocl_tensor_bref(xc), geocl_tensor_bref(y), geocl_tensor_bref(arg));
  if (st != GEOCL_OK) {
    geocl_tensor_free(arg);
    return ops_fail(y);
  }
  geocl_node *n = geocl_record(y, op, max_pool2d_backward, 1, &xc);
  if (n) {
    memcpy(n->p.i, &g, sizeof g);
    geocl_node_save(n, arg);
  }
  geocl_tensor_free(arg); /* the node keeps it while it needs it */
  return y;
}

geocl_tensor *geocl_global_avg_pool2d(geocl_tensor *x) {
  OPS_REQUIRE(x);
  char sx[96];
  if (x->ndim != 4) {
    geocl_set_error(GEOCL_E_SHAPE, "global_avg_pool2d: input %s must be 4-D [N, C, H, W]",
                    geocl_shape_str(x, sx, sizeof sx));
    return NULL;
  }
  int64_t n = x->shape[0], c = x->shape[1];
  geocl_tensor *m = geocl_mean(geocl_reshape(x, GEOCL_SHAPE(n, c, x->shape[2] * x->shape[3])), 2, false);
  return geocl_reshape(m, GEOCL_SHAPE(n, c, 1, 1));
}
