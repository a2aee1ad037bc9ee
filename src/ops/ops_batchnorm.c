/* SPDX-License-Identifier: MIT */
/* Batch normalisation over channels (dim 1 of [N, C, ...]) in two ops: the
 * batch statistics, then the normalisation with whichever statistics the
 * caller passes (the batch's, all-reduced ones for synchronised batch norm,
 * or running ones in eval mode); and PyTorch's running-statistics update.
 * Both ops are differentiable, so the gradient flows through the batch mean
 * and variance exactly as in torch.nn.functional.batch_norm. */
#include "ops_internal.h"

/* x [N, C, ...] as [outer, c, inner] */
static bool channels_of(const char *op, const geocl_tensor *x, int64_t *outer, int64_t *c, int64_t *inner) {
  char s[96];
  if (x->ndim < 2) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: input%s%s %s needs a channel dimension ([N, C, ...])", op,
                    x->name[0] ? " " : "", x->name, geocl_shape_str(x, s, sizeof s));
    return false;
  }
  *outer = x->shape[0];
  *c = x->shape[1];
  *inner = 1;
  for (int i = 2; i < x->ndim; i++) *inner *= x->shape[i];
  return true;
}

/* Row r of stats [2, C] as a [C] view. */
static geocl_bref stats_row(const geocl_tensor *stats, int r) {
  geocl_bref b = geocl_tensor_bref(stats);
  b.off += (size_t)(r * stats->stride[0]);
  return b;
}

/* ---- statistics ---- */

static geocl_status stats_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *stats = n->out;
  geocl_ctx *ctx = x->ctx;
  int64_t outer = n->p.i[0], c = n->p.i[1], inner = n->p.i[2];
  geocl_tensor *ds = ops_contiguous(dout);
  if (!ds) return geocl_last_status();
  /* add straight into a gradient backward has started (the normalisation's
   * dx, as a rule): one pass instead of a new tensor and an addition */
  geocl_tensor *into = x->grad && !x->grad_stale && geocl_is_contiguous(x->grad) ? x->grad : NULL;
  geocl_tensor *dx = into ? into : ops_new(ctx, x->ndim, x->shape);
  if (!dx) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (geocl_numel(x) > 0)
    st = ctx->be->ops->batchnorm_stats_backward(ctx->be, outer, c, inner, geocl_tensor_bref(x), stats_row(stats, 0),
                                                stats_row(ds, 0), stats_row(ds, 1), geocl_tensor_bref(dx), into != NULL);
  if (st != GEOCL_OK || into) return st;
  return geocl_accumulate_grad(x, dx);
}

geocl_tensor *geocl_batchnorm_stats(geocl_tensor *x) {
  OPS_REQUIRE(x);
  const char *op = "batchnorm_stats";
  int64_t outer, c, inner;
  if (!ops_check_dtype(op, "x", x, GEOCL_F32) || !channels_of(op, x, &outer, &c, &inner)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, batchnorm_stats, op) || !OPS_KERNEL(ctx, batchnorm_stats_backward, op)) return NULL;
  if (outer * inner < 2) {
    char s[96];
    geocl_set_error(GEOCL_E_SHAPE, "%s: input%s%s %s has %lld value per channel; batch statistics need more than one",
                    op, x->name[0] ? " " : "", x->name, geocl_shape_str(x, s, sizeof s), (long long)(outer * inner));
    return NULL;
  }
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *stats = xc ? ops_new(ctx, GEOCL_SHAPE(2, c)) : NULL;
  if (!stats) return NULL;
  geocl_status st = ctx->be->ops->batchnorm_stats(ctx->be, outer, c, inner, geocl_tensor_bref(xc), stats_row(stats, 0),
                                                  stats_row(stats, 1));
  if (st != GEOCL_OK) return ops_fail(stats);
  geocl_node *n = geocl_record(stats, op, stats_backward, 1, &xc);
  if (n) {
    n->p.i[0] = outer;
    n->p.i[1] = c;
    n->p.i[2] = inner;
  }
  return stats;
}

/* ---- normalisation ---- */

static geocl_bref optional(const geocl_tensor *t) { return t ? geocl_tensor_bref(t) : (geocl_bref){NULL, 0}; }

/* in: x, mean, var, gamma, beta, residual; p.i: outer, c, inner, relu; pf[0]: eps */
static geocl_status batchnorm_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *mean = n->in[1], *var = n->in[2], *gamma = n->in[3], *beta = n->in[4], *res = n->in[5];
  geocl_ctx *ctx = x->ctx;
  geocl_backend *be = ctx->be;
  int64_t outer = n->p.i[0], c = n->p.i[1], inner = n->p.i[2];
  int relu = (int)n->p.i[3];
  float eps = n->pf[0];
  geocl_tensor *dy = ops_contiguous(dout);
  if (!dy) return geocl_last_status();
  geocl_tensor *y = relu ? n->out : NULL;
  bool dg = gamma && gamma->requires_grad, db = beta && beta->requires_grad;
  bool dm = mean->requires_grad, dv = var->requires_grad;
  geocl_status st = GEOCL_OK;
  /* dx, and the residual's gradient g (dy where the output is positive, or dy
   * itself without the ReLU), in one pass */
  bool dr_new = res && res->requires_grad && relu;
  geocl_tensor *dx = x->requires_grad ? ops_new(ctx, x->ndim, x->shape) : NULL;
  geocl_tensor *dr = dr_new ? ops_new(ctx, x->ndim, x->shape) : dy;
  if ((x->requires_grad && !dx) || !dr) return geocl_last_status();
  if ((dx || dr_new) && geocl_numel(x) > 0)
    st = be->ops->batchnorm_backward(be, outer, c, inner, eps, relu, geocl_tensor_bref(var), optional(gamma),
                                     optional(y), geocl_tensor_bref(dy), optional(dx), optional(dr_new ? dr : NULL));
  if (st == GEOCL_OK && res && res->requires_grad) st = geocl_accumulate_grad(res, dr);
  if (st == GEOCL_OK && dx) st = geocl_accumulate_grad(x, dx);
  if (st != GEOCL_OK || !(dg || db || dm || dv)) return st;
  geocl_tensor *sums = ops_new(ctx, GEOCL_SHAPE(4, c)); /* dγ, dβ, dmean, dvar */
  if (!sums) return geocl_last_status();
  geocl_tensor *rows[4];
  for (int r = 0; r < 4; r++) rows[r] = geocl_reshape(geocl_narrow(sums, 0, r, 1), GEOCL_SHAPE(c));
  geocl_bref none = {NULL, 0};
  st = be->ops->batchnorm_backward_reduce(be, outer, c, inner, eps, relu, geocl_tensor_bref(x), geocl_tensor_bref(mean),
                                          geocl_tensor_bref(var), optional(gamma), optional(y), geocl_tensor_bref(dy),
                                          dg ? stats_row(sums, 0) : none, db ? stats_row(sums, 1) : none,
                                          dm ? stats_row(sums, 2) : none, dv ? stats_row(sums, 3) : none);
  if (st == GEOCL_OK && dg) st = geocl_accumulate_grad(gamma, rows[0]);
  if (st == GEOCL_OK && db) st = geocl_accumulate_grad(beta, rows[1]);
  if (st == GEOCL_OK && dm) st = geocl_accumulate_grad(mean, rows[2]);
  if (st == GEOCL_OK && dv) st = geocl_accumulate_grad(var, rows[3]);
  return st;
}

static bool check_channel_vector(const char *op, const char *arg, geocl_tensor *t, const geocl_tensor *x, int64_t c) {
  return ops_same_ctx(op, x, t) && ops_check_dtype(op, arg, t, GEOCL_F32) && ops_check_shape(op, arg, t, 1, &c);
}

geocl_tensor *geocl_batchnorm(geocl_tensor *x, geocl_tensor *mean, geocl_tensor *var, geocl_tensor *gamma,
                              geocl_tensor *beta, geocl_tensor *residual, float eps, bool relu) {
  OPS_REQUIRE(x, mean, var);
  const char *op = "batchnorm";
  int64_t outer, c, inner;
  if (!ops_check_dtype(op, "x", x, GEOCL_F32) || !channels_of(op, x, &outer, &c, &inner) ||
      !check_channel_vector(op, "mean", mean, x, c) || !check_channel_vector(op, "var", var, x, c) ||
      (gamma && !check_channel_vector(op, "weight", gamma, x, c)) ||
      (beta && !check_channel_vector(op, "bias", beta, x, c)) ||
      (residual && (!ops_same_ctx(op, x, residual) || !ops_check_dtype(op, "residual", residual, GEOCL_F32) ||
                    !ops_check_shape(op, "residual", residual, x->ndim, x->shape))))
    return NULL;
  if (!(eps >= 0)) {
    geocl_set_error(GEOCL_E_INVALID, "%s: eps %g must not be negative", op, eps);
    return NULL;
  }
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, batchnorm, op) || !OPS_KERNEL(ctx, batchnorm_backward, op) ||
      !OPS_KERNEL(ctx, batchnorm_backward_reduce, op))
    return NULL;
  geocl_tensor *given[6] = {x, mean, var, gamma, beta, residual}, *in[6];
  for (int i = 0; i < 6; i++)
    if (given[i] && !(in[i] = ops_contiguous(given[i]))) return NULL;
    else if (!given[i]) in[i] = NULL;
  geocl_tensor *y = ops_new(ctx, x->ndim, x->shape);
  if (!y) return NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(y) > 0)
    st = ctx->be->ops->batchnorm(ctx->be, outer, c, inner, eps, relu, geocl_tensor_bref(in[0]),
                                 geocl_tensor_bref(in[1]), geocl_tensor_bref(in[2]), optional(in[3]), optional(in[4]),
                                 optional(in[5]), geocl_tensor_bref(y));
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_node *n = geocl_record(y, op, batchnorm_backward, 6, in);
  if (n) {
    n->p.i[0] = outer;
    n->p.i[1] = c;
    n->p.i[2] = inner;
    n->p.i[3] = relu;
    n->pf[0] = eps;
  }
  return y;
}

/* ---- running statistics ---- */

geocl_status geocl_batchnorm_update_running(geocl_tensor *running_mean, geocl_tensor *running_var,
                                            geocl_tensor *num_batches_tracked, geocl_tensor *stats, int64_t count,
                                            float momentum) {
  const char *op = "batchnorm_update_running";
  if (!running_mean || !running_var || !stats)
    return geocl_set_error(GEOCL_E_INVALID, "%s: missing running statistics or batch statistics (an earlier op "
                           "failed: %s)", op, geocl_last_error());
  int64_t c = running_mean->shape[0];
  if (running_mean->ndim != 1)
    return geocl_set_error(GEOCL_E_SHAPE, "%s: running_mean%s%s must be 1-D [C]", op, running_mean->name[0] ? " " : "",
                           running_mean->name);
  if (!ops_check_shape(op, "running_var", running_var, 1, &c) || !ops_check_shape(op, "stats", stats, GEOCL_SHAPE(2, c)) ||
      !ops_same_ctx(op, running_mean, running_var) || !ops_same_ctx(op, running_mean, stats) ||
      (num_batches_tracked && !ops_same_ctx(op, running_mean, num_batches_tracked)))
    return geocl_last_status();
  if (num_batches_tracked && geocl_numel(num_batches_tracked) != 1)
    return geocl_set_error(GEOCL_E_SHAPE, "%s: num_batches_tracked%s%s must have one element", op,
                           num_batches_tracked->name[0] ? " " : "", num_batches_tracked->name);
  geocl_tensor *const all[] = {running_mean, running_var, stats, num_batches_tracked};
  for (int i = 0; i < 4; i++)
    if (all[i] && (all[i]->dtype != GEOCL_F32 || !geocl_is_contiguous(all[i])))
      return geocl_set_error(GEOCL_E_INVALID, "%s: %s must be contiguous f32", op, all[i]->name[0] ? all[i]->name : "a tensor");
  if (count < 2 || !(momentum >= 0 && momentum <= 1))
    return geocl_set_error(GEOCL_E_INVALID, "%s: count %lld must be at least 2 and momentum %g within [0, 1]", op,
                           (long long)count, momentum);
  geocl_ctx *ctx = running_mean->ctx;
  if (!OPS_KERNEL(ctx, batchnorm_update_running, op)) return geocl_last_status();
  geocl_status st = ctx->be->ops->batchnorm_update_running(
      ctx->be, c, momentum, (float)((double)count / (double)(count - 1)), stats_row(stats, 0), stats_row(stats, 1),
      geocl_tensor_bref(running_mean), geocl_tensor_bref(running_var), optional(num_batches_tracked));
  /* not versioned: the running statistics usually share the parameters'
   * storage (params.h), whose version the tape checks for every weight */
  return st;
}
