/* SPDX-License-Identifier: MIT */
/* Softmax and log-softmax over the last dimension. */
#include "ops_internal.h"

static geocl_status softmax_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *y = n->out;
  geocl_ctx *ctx = x->ctx;
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!dx) return geocl_last_status();
  int64_t cols = x->ndim ? x->shape[x->ndim - 1] : 1, rows = cols ? geocl_numel(x) / cols : 0;
  geocl_status st = ctx->be->ops->softmax_backward(ctx->be, rows, cols, (int)n->p.i[0], geocl_tensor_bref(y),
                                                   geocl_tensor_bref(dy), geocl_tensor_bref(dx));
  return st != GEOCL_OK ? st : geocl_accumulate_grad(x, dx);
}

static geocl_tensor *softmax(geocl_tensor *x, int log) {
  OPS_REQUIRE(x);
  const char *name = log ? "log_softmax" : "softmax";
  if (!ops_check_dtype(name, "x", x, GEOCL_F32)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, softmax, name) || !OPS_KERNEL(ctx, softmax_backward, name)) return NULL;
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *y = xc ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!y) return NULL;
  int64_t cols = x->ndim ? x->shape[x->ndim - 1] : 1, rows = cols ? geocl_numel(x) / cols : 0;
  geocl_status st = GEOCL_OK;
  if (rows * cols > 0)
    st = ctx->be->ops->softmax(ctx->be, rows, cols, log, geocl_tensor_bref(xc), geocl_tensor_bref(y));
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_node *node = geocl_record(y, name, softmax_backward, 1, &xc);
  if (node) node->p.i[0] = log;
  return y;
}

geocl_tensor *geocl_softmax(geocl_tensor *x) { return softmax(x, 0); }
geocl_tensor *geocl_log_softmax(geocl_tensor *x) { return softmax(x, 1); }
