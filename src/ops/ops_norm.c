/* SPDX-License-Identifier: MIT */
/* Normalisation over the last dimension: LayerNorm (own kernels) and L2
 * normalisation (composed from other ops). */
#include <math.h>

#include "ops_internal.h"

/* Buffer of an optional tensor: mem NULL when absent (the kernels' convention). */
static geocl_bref optional_bref(const geocl_tensor *t) { return t ? geocl_tensor_bref(t) : (geocl_bref){NULL, 0}; }

/* ---- layernorm ---- */

/* in: x (contiguous), gamma, beta (contiguous or NULL); saved: mean, rstd [rows] */
static geocl_status layernorm_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *gamma = n->in[1], *beta = n->in[2];
  geocl_tensor *mean = n->saved[0], *rstd = n->saved[1];
  geocl_ctx *ctx = x->ctx;
  int64_t cols = x->shape[x->ndim - 1], rows = cols ? geocl_numel(x) / cols : 0;
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!dx) return geocl_last_status();
  geocl_tensor *dgamma = NULL, *dbeta = NULL;
  if (geocl_node_needs_grad(n, 1) && !(dgamma = ops_new(ctx, 1, &cols))) return geocl_last_status();
  if (geocl_node_needs_grad(n, 2) && !(dbeta = ops_new(ctx, 1, &cols))) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (cols > 0) /* with rows = 0 the kernel still zeroes dgamma/dbeta */
    st = ctx->be->ops->layernorm_backward(ctx->be, rows, cols, geocl_tensor_bref(x), optional_bref(gamma),
                                          geocl_tensor_bref(mean), geocl_tensor_bref(rstd), geocl_tensor_bref(dy),
                                          geocl_tensor_bref(dx), optional_bref(dgamma), optional_bref(dbeta));
  if (st == GEOCL_OK) st = geocl_accumulate_grad(x, dx);
  if (st == GEOCL_OK && dgamma) st = geocl_accumulate_grad(gamma, dgamma);
  if (st == GEOCL_OK && dbeta) st = geocl_accumulate_grad(beta, dbeta);
  return st;
}

/* gamma or beta: NULL, or f32 [cols] of x's context */
static bool check_affine(const char *arg, const geocl_tensor *x, const geocl_tensor *t, int64_t cols) {
  return !t || (ops_same_ctx("layernorm", x, t) && ops_check_dtype("layernorm", arg, t, GEOCL_F32) &&
                ops_check_shape("layernorm", arg, t, 1, &cols));
}

geocl_tensor *geocl_layernorm(geocl_tensor *x, geocl_tensor *gamma, geocl_tensor *beta, float eps) {
  OPS_REQUIRE(x);
  const char *op = "layernorm";
  if (!ops_check_dtype(op, "x", x, GEOCL_F32)) return NULL;
  if (x->ndim < 1) {
    geocl_set_error(GEOCL_E_SHAPE, "layernorm: x%s%s is a scalar; it needs a last dimension to normalise over",
                    x->name[0] ? " " : "", x->name);
    return NULL;
  }
  if (!(eps >= 0.0f) || isinf(eps)) {
    geocl_set_error(GEOCL_E_INVALID, "layernorm: eps must be finite and >= 0, got %g", eps);
    return NULL;
  }
  int64_t cols = x->shape[x->ndim - 1], rows = cols ? geocl_numel(x) / cols : 0;
  if (!check_affine("gamma", x, gamma, cols) || !check_affine("beta", x, beta, cols)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, layernorm, op) || !OPS_KERNEL(ctx, layernorm_backward, op)) return NULL;
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *gc = gamma ? ops_contiguous(gamma) : NULL, *bc = beta ? ops_contiguous(beta) : NULL;
  if (!xc || (gamma && !gc) || (beta && !bc)) return NULL;
  geocl_tensor *y = ops_new(ctx, x->ndim, x->shape);
  geocl_tensor *mean = y ? ops_new(ctx, 1, &rows) : NULL, *rstd = mean ? ops_new(ctx, 1, &rows) : NULL;
  if (!rstd) {
    geocl_tensor_free(mean);
    return y ? ops_fail(y) : NULL;
  }
  geocl_status st = GEOCL_OK;
  if (rows * cols > 0)
    st = ctx->be->ops->layernorm(ctx->be, rows, cols, eps, geocl_tensor_bref(xc), optional_bref(gc), optional_bref(bc),
                                 geocl_tensor_bref(y), geocl_tensor_bref(mean), geocl_tensor_bref(rstd));
  geocl_node *node = st == GEOCL_OK ? geocl_record(y, op, layernorm_backward, 3, (geocl_tensor *[]){xc, gc, bc}) : NULL;
  if (node) {
    geocl_node_save(node, mean);
    geocl_node_save(node, rstd);
  }
  /* the node (if any) holds its own references to mean and rstd */
  geocl_tensor_free(mean);
  geocl_tensor_free(rstd);
  return ops_done(y, st);
}

/* ---- l2_normalize ---- */

geocl_tensor *geocl_l2_normalize(geocl_tensor *x, float eps) {
  OPS_REQUIRE(x);
  if (!ops_check_dtype("l2_normalize", "x", x, GEOCL_F32)) return NULL;
  if (x->ndim < 1) {
    geocl_set_error(GEOCL_E_SHAPE, "l2_normalize: x%s%s is a scalar; it needs a last dimension to normalise over",
                    x->name[0] ? " " : "", x->name);
    return NULL;
  }
  /* max(‖x‖, eps) = √max(Σx², eps²), and max(s, e) = s + relu(e − s).  Clamping
   * the squared norm keeps the gradient finite for an all-zero row (√ has an
   * infinite slope at 0; there the clamp makes its input eps² instead). */
  geocl_tensor *sumsq = geocl_sum(geocl_square(x), -1, true);
  geocl_tensor *clamp = geocl_relu(geocl_add_scalar(geocl_scale(sumsq, -1.0f), eps * eps));
  return geocl_div(x, geocl_sqrt(geocl_add(sumsq, clamp)));
}
