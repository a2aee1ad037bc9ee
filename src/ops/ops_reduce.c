/* SPDX-License-Identifier: MIT */
/* Reductions: sum, mean, max over one dimension, over everything, and
 * sum_to (the inverse of broadcasting). */
#include <string.h>

#include "ops_internal.h"

/* out = alpha · Σ over the dims flagged in `reduce` of x; out is contiguous
 * over the remaining dims and gets the shape (ndim, shape). */
static geocl_tensor *reduce_sum(const char *name, geocl_tensor *x, const bool *reduce, float alpha, int ndim,
                                const int64_t *shape) {
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, sum, name)) return NULL;
  int64_t ks[GEOCL_MAX_DIMS], kx[GEOCL_MAX_DIMS], rs[GEOCL_MAX_DIMS], rx[GEOCL_MAX_DIMS];
  int kn = 0, rn = 0;
  for (int i = 0; i < x->ndim; i++) {
    if (reduce[i]) {
      rs[rn] = x->shape[i];
      rx[rn++] = x->stride[i];
    } else {
      ks[kn] = x->shape[i];
      kx[kn++] = x->stride[i];
    }
  }
  geocl_tensor *out = ops_new(ctx, ndim, shape);
  if (!out) return NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(out) > 0)
    st = ctx->be->ops->sum(ctx->be, kn, ks, kx, rn, rs, rx, alpha, geocl_tensor_bref(x), geocl_tensor_bref(out));
  return ops_done(out, st);
}

/* Gradient of a reduction: dout broadcast back over x's shape, times scale. */
static geocl_status broadcast_back(geocl_node *n, geocl_tensor *dout, float scale) {
  geocl_tensor *x = n->in[0];
  int64_t kshape[GEOCL_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) kshape[i] = n->p.i[i] ? 1 : x->shape[i];
  geocl_tensor *g = geocl_expand(geocl_reshape(dout, x->ndim, kshape), x->ndim, x->shape);
  if (scale != 1.0f) g = geocl_scale(g, scale);
  return geocl_accumulate_grad(x, g);
}

static geocl_status sum_backward(geocl_node *n, geocl_tensor *dout) { return broadcast_back(n, dout, n->pf[0]); }

/* Sum over the flagged dims with the given output shape, recorded on the tape. */
static geocl_tensor *sum_recorded(const char *name, geocl_tensor *x, const bool *reduce, float alpha, int ndim,
                                  const int64_t *shape) {
  geocl_tensor *out = reduce_sum(name, x, reduce, alpha, ndim, shape);
  if (!out) return NULL;
  geocl_node *node = geocl_record(out, name, sum_backward, 1, &x);
  if (node) {
    for (int i = 0; i < x->ndim; i++) node->p.i[i] = reduce[i];
    node->pf[0] = alpha;
  }
  return out;
}

static geocl_tensor *sum_dim(const char *name, geocl_tensor *x, int dim, bool keepdim, bool mean) {
  OPS_REQUIRE(x);
  if (!ops_check_dtype(name, "x", x, GEOCL_F32)) return NULL;
  int d = ops_dim(name, x, dim);
  if (d < 0) return NULL;
  bool reduce[GEOCL_MAX_DIMS] = {false};
  reduce[d] = true;
  int64_t shape[GEOCL_MAX_DIMS];
  int ndim = 0;
  for (int i = 0; i < x->ndim; i++)
    if (i != d) shape[ndim++] = x->shape[i];
    else if (keepdim) shape[ndim++] = 1;
  float alpha = mean ? (x->shape[d] ? 1.0f / (float)x->shape[d] : 0.0f) : 1.0f;
  return sum_recorded(name, x, reduce, alpha, ndim, shape);
}

geocl_tensor *geocl_sum(geocl_tensor *x, int dim, bool keepdim) { return sum_dim("sum", x, dim, keepdim, false); }
geocl_tensor *geocl_mean(geocl_tensor *x, int dim, bool keepdim) { return sum_dim("mean", x, dim, keepdim, true); }

static geocl_tensor *sum_everything(const char *name, geocl_tensor *x, bool mean) {
  OPS_REQUIRE(x);
  if (!ops_check_dtype(name, "x", x, GEOCL_F32)) return NULL;
  bool reduce[GEOCL_MAX_DIMS];
  for (int i = 0; i < GEOCL_MAX_DIMS; i++) reduce[i] = true;
  int64_t n = geocl_numel(x);
  float alpha = mean ? (n ? 1.0f / (float)n : 0.0f) : 1.0f;
  return sum_recorded(name, x, reduce, alpha, 0, NULL);
}

geocl_tensor *geocl_sum_all(geocl_tensor *x) { return sum_everything("sum_all", x, false); }
geocl_tensor *geocl_mean_all(geocl_tensor *x) { return sum_everything("mean_all", x, true); }

/* ---- sum_to ---- */

static geocl_status sum_to_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0];
  return geocl_accumulate_grad(x, geocl_expand(dout, x->ndim, x->shape));
}

geocl_tensor *geocl_sum_to(geocl_tensor *x, int ndim, const int64_t *shape) {
  OPS_REQUIRE(x);
  bool ok = ndim <= x->ndim;
  bool reduce[GEOCL_MAX_DIMS] = {false}, any = false;
  for (int i = 0; ok && i < x->ndim; i++) {
    int it = i - (x->ndim - ndim);
    int64_t want = it >= 0 ? shape[it] : 1;
    if (want == x->shape[i]) continue;
    ok = want == 1;
    reduce[i] = any = true;
  }
  if (!ok) {
    char a[96], b[96];
    geocl_set_error(GEOCL_E_SHAPE, "sum_to: %s does not broadcast to %s", ops_shape_str(ndim, shape, b, sizeof b),
                    geocl_shape_str(x, a, sizeof a));
    return NULL;
  }
  if (!any) return geocl_reshape(x, ndim, shape);
  geocl_tensor *out = reduce_sum("sum_to", x, reduce, 1.0f, ndim, shape);
  if (out) geocl_record(out, "sum_to", sum_to_backward, 1, &x);
  return out;
}

/* ---- max ---- */

static geocl_status max_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *arg = n->saved[0];
  geocl_ctx *ctx = x->ctx;
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!dx) return geocl_last_status();
  geocl_status st = ctx->be->ops->max_axis_backward(ctx->be, n->p.i[0], n->p.i[1], n->p.i[2], geocl_tensor_bref(arg),
                                                    geocl_tensor_bref(dy), geocl_tensor_bref(dx));
  return st != GEOCL_OK ? st : geocl_accumulate_grad(x, dx);
}

geocl_tensor *geocl_max(geocl_tensor *x, int dim, bool keepdim) {
  OPS_REQUIRE(x);
  if (!ops_check_dtype("max", "x", x, GEOCL_F32)) return NULL;
  int d = ops_dim("max", x, dim);
  if (d < 0) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, max_axis, "max") || !OPS_KERNEL(ctx, max_axis_backward, "max")) return NULL;
  if (x->shape[d] == 0) {
    geocl_set_error(GEOCL_E_SHAPE, "max: dimension %d has size 0", d);
    return NULL;
  }
  geocl_tensor *xc = ops_contiguous(x);
  if (!xc) return NULL;
  int64_t outer = 1, inner = 1, len = x->shape[d];
  for (int i = 0; i < d; i++) outer *= x->shape[i];
  for (int i = d + 1; i < x->ndim; i++) inner *= x->shape[i];
  int64_t shape[GEOCL_MAX_DIMS];
  int ndim = 0;
  for (int i = 0; i < x->ndim; i++)
    if (i != d) shape[ndim++] = x->shape[i];
    else if (keepdim) shape[ndim++] = 1;
  geocl_tensor *out = ops_new(ctx, ndim, shape);
  geocl_tensor *arg = out ? geocl_empty(ctx, GEOCL_I32, ndim, shape) : NULL;
  if (!arg) return ops_fail(out);
  geocl_status st = GEOCL_OK;
  if (outer * inner > 0)
    st = ctx->be->ops->max_axis(ctx->be, outer, len, inner, geocl_tensor_bref(xc), geocl_tensor_bref(out),
                                geocl_tensor_bref(arg));
  if (st != GEOCL_OK) {
    geocl_tensor_free(arg);
    return ops_fail(out);
  }
  geocl_node *node = geocl_record(out, "max", max_backward, 1, &xc);
  if (node) {
    node->p.i[0] = outer;
    node->p.i[1] = len;
    node->p.i[2] = inner;
    geocl_node_save(node, arg);
  }
  geocl_tensor_free(arg); /* the node keeps its own reference */
  return out;
}
