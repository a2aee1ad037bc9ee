/* SPDX-License-Identifier: MIT */
/* Losses: CroCo's normalised-pixel target and row-wise MSE, masked means,
 * cross-entropy (fused log-sum-exp) and SimIPU's InfoNCE. */
#include <stdlib.h>

#include "ops_internal.h"

/* t seen as rows of its last dimension; false (E_SHAPE) when t has no
 * dimension or its rows have fewer than min_cols entries. */
static bool as_rows(const char *op, const char *arg, const geocl_tensor *t, int64_t min_cols, int64_t *rows,
                    int64_t *cols) {
  if (t->ndim < 1 || t->shape[t->ndim - 1] < min_cols) {
    char s[96];
    geocl_set_error(GEOCL_E_SHAPE, "%s: %s%s%s %s needs a last dimension of at least %lld", op, arg,
                    t->name[0] ? " " : "", t->name, geocl_shape_str(t, s, sizeof s), (long long)min_cols);
    return false;
  }
  *cols = t->shape[t->ndim - 1];
  *rows = geocl_numel(t) / *cols;
  return true;
}

/* ---- normpix ---- */

geocl_tensor *geocl_normpix(geocl_tensor *x, float eps) {
  OPS_REQUIRE(x);
  const char *op = "normpix";
  int64_t rows, cols;
  if (!ops_check_dtype(op, "x", x, GEOCL_F32) || !as_rows(op, "x", x, 2, &rows, &cols)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, normpix, op)) return NULL;
  /* a constant target: detached first so a copy is not recorded either */
  geocl_tensor *xc = ops_contiguous(geocl_detach(x));
  geocl_tensor *y = xc ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!y) return NULL;
  geocl_status st = GEOCL_OK;
  if (rows > 0) st = ctx->be->ops->normpix(ctx->be, rows, cols, eps, geocl_tensor_bref(xc), geocl_tensor_bref(y));
  return ops_done(y, st);
}

/* ---- row_mse ---- */

static geocl_status row_mse_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *pred = n->in[0], *target = n->in[1];
  geocl_ctx *ctx = pred->ctx;
  int64_t cols = pred->shape[pred->ndim - 1], rows = geocl_numel(pred) / cols;
  geocl_tensor *dloss = ops_contiguous(dout);
  geocl_tensor *dpred = dloss ? ops_new(ctx, pred->ndim, pred->shape) : NULL;
  if (!dpred) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (rows > 0)
    st = ctx->be->ops->row_mse_backward(ctx->be, rows, cols, geocl_tensor_bref(pred), geocl_tensor_bref(target),
                                        geocl_tensor_bref(dloss), geocl_tensor_bref(dpred));
  /* target first: accumulating into pred may take dpred over */
  if (st == GEOCL_OK && target->requires_grad) st = geocl_accumulate_grad(target, geocl_scale(dpred, -1.0f));
  if (st == GEOCL_OK) st = geocl_accumulate_grad(pred, dpred);
  return st;
}

geocl_tensor *geocl_row_mse(geocl_tensor *pred, geocl_tensor *target) {
  OPS_REQUIRE(pred, target);
  const char *op = "row_mse";
  int64_t rows, cols;
  if (!ops_same_ctx(op, pred, target) || !ops_check_dtype(op, "pred", pred, GEOCL_F32) ||
      !ops_check_dtype(op, "target", target, GEOCL_F32) || !as_rows(op, "pred", pred, 1, &rows, &cols) ||
      !ops_check_shape(op, "target", target, pred->ndim, pred->shape))
    return NULL;
  geocl_ctx *ctx = pred->ctx;
  if (!OPS_KERNEL(ctx, row_mse, op) || !OPS_KERNEL(ctx, row_mse_backward, op)) return NULL;
  geocl_tensor *pc = ops_contiguous(pred);
  geocl_tensor *tc = pc ? ops_contiguous(target) : NULL;
  geocl_tensor *loss = tc ? ops_new(ctx, pred->ndim - 1, pred->shape) : NULL;
  if (!loss) return NULL;
  geocl_status st = GEOCL_OK;
  if (rows > 0)
    st = ctx->be->ops->row_mse(ctx->be, rows, cols, geocl_tensor_bref(pc), geocl_tensor_bref(tc),
                               geocl_tensor_bref(loss));
  if (st != GEOCL_OK) return ops_fail(loss);
  geocl_record(loss, op, row_mse_backward, 2, (geocl_tensor *[]){pc, tc});
  return loss;
}

/* ---- masked_mean ---- */

geocl_tensor *geocl_masked_mean(geocl_tensor *values, geocl_tensor *mask) {
  OPS_REQUIRE(values, mask);
  if (!ops_check_shape("masked_mean", "mask", mask, values->ndim, values->shape)) return NULL;
  return geocl_div(geocl_sum_all(geocl_mul(values, mask)), geocl_sum_all(mask));
}

/* ---- cross_entropy ---- */

static geocl_status cross_entropy_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *logits = n->in[0], *labels = n->saved[0], *lse = n->saved[1];
  geocl_ctx *ctx = logits->ctx;
  int64_t rows = logits->shape[0], cols = logits->shape[1];
  geocl_tensor *dloss = ops_contiguous(dout);
  geocl_tensor *dlogits = dloss ? ops_new(ctx, 2, logits->shape) : NULL;
  if (!dlogits) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (rows > 0)
    st = ctx->be->ops->cross_entropy_backward(ctx->be, rows, cols, geocl_tensor_bref(logits), geocl_tensor_bref(labels),
                                              geocl_tensor_bref(lse), geocl_tensor_bref(dloss),
                                              geocl_tensor_bref(dlogits));
  return st != GEOCL_OK ? st : geocl_accumulate_grad(logits, dlogits);
}

geocl_tensor *geocl_cross_entropy(geocl_tensor *logits, geocl_tensor *labels) {
  OPS_REQUIRE(logits, labels);
  const char *op = "cross_entropy";
  if (!ops_same_ctx(op, logits, labels) || !ops_check_dtype(op, "logits", logits, GEOCL_F32) ||
      !ops_check_dtype(op, "labels", labels, GEOCL_I32))
    return NULL;
  char sl[96], sy[96];
  if (logits->ndim != 2 || logits->shape[1] < 1 || labels->ndim != 1 || labels->shape[0] != logits->shape[0]) {
    geocl_set_error(GEOCL_E_SHAPE, "cross_entropy: logits %s and labels %s do not fit ([R, C] and [R], C ≥ 1)",
                    geocl_shape_str(logits, sl, sizeof sl), geocl_shape_str(labels, sy, sizeof sy));
    return NULL;
  }
  geocl_ctx *ctx = logits->ctx;
  if (!OPS_KERNEL(ctx, cross_entropy, op) || !OPS_KERNEL(ctx, cross_entropy_backward, op)) return NULL;
  int64_t rows = logits->shape[0], cols = logits->shape[1];
  geocl_tensor *lc = ops_contiguous(logits);
  geocl_tensor *yc = lc ? ops_contiguous(labels) : NULL;
  geocl_tensor *loss = yc ? ops_new(ctx, 1, &rows) : NULL;
  geocl_tensor *lse = loss ? ops_new(ctx, 1, &rows) : NULL;
  if (!lse) return ops_fail(loss);
  geocl_status st = GEOCL_OK;
  if (rows > 0)
    st = ctx->be->ops->cross_entropy(ctx->be, rows, cols, geocl_tensor_bref(lc), geocl_tensor_bref(yc),
                                     geocl_tensor_bref(loss), geocl_tensor_bref(lse));
  if (st != GEOCL_OK) {
    geocl_tensor_free(lse);
    return ops_fail(loss);
  }
  geocl_node *node = geocl_record(loss, op, cross_entropy_backward, 1, &lc);
  if (node) {
    geocl_node_save(node, yc);
    geocl_node_save(node, lse);
  }
  geocl_tensor_free(lse); /* the node keeps its own reference */
  return loss;
}

/* ---- infonce ---- */

geocl_tensor *geocl_infonce(geocl_tensor *q, geocl_tensor *k, float tau) {
  OPS_REQUIRE(q, k);
  char sq[96], sk[96];
  if (q->ndim != 2 || k->ndim != 2 || q->shape[0] != k->shape[0] || q->shape[1] != k->shape[1]) {
    geocl_set_error(GEOCL_E_SHAPE, "infonce: q %s and k %s must both be [M, D]", geocl_shape_str(q, sq, sizeof sq),
                    geocl_shape_str(k, sk, sizeof sk));
    return NULL;
  }
  if (!(tau > 0.0f)) {
    geocl_set_error(GEOCL_E_INVALID, "infonce: temperature %g must be positive", (double)tau);
    return NULL;
  }
  /* row r's positive is column r */
  int64_t m = q->shape[0];
  int32_t *diag = malloc((size_t)(m ? m : 1) * sizeof *diag);
  if (!diag) {
    geocl_set_error(GEOCL_E_NOMEM, "infonce: out of host memory for %lld labels", (long long)m);
    return NULL;
  }
  for (int64_t r = 0; r < m; r++) diag[r] = (int32_t)r;
  geocl_tensor *labels = geocl_from_host(q->ctx, GEOCL_I32, 1, &m, diag);
  free(diag);
  geocl_tensor *logits = labels ? geocl_matmul_ex(q, k, false, true, 1.0f / tau) : NULL;
  geocl_tensor *rows = geocl_cross_entropy(logits, labels);
  geocl_tensor *loss = geocl_mean_all(rows);
  /* the tape keeps what backward needs; the M×M logits need not wait for the scope's end */
  geocl_tensor_free(rows);
  geocl_tensor_free(logits);
  geocl_tensor_free(labels);
  return loss;
}
