/* SPDX-License-Identifier: MIT */
/* Matrix products on the backend's GEMM: matmul (batched, with transposes)
 * and linear layers. */
#include <string.h>

#include "ops_internal.h"

/* A tensor seen as `batch` matrices of rows × cols, row stride ld, batch
 * stride bs, contiguous along cols. */
typedef struct matview {
  geocl_tensor *t;
  int64_t batch, rows, cols, ld, bs;
} matview;

/* View t ([..., rows, cols]) as batched matrices, copying when its strides do
 * not allow it.  A 2-D tensor has batch 1 and stride 0 (shared). */
static bool as_matrices(geocl_tensor *t, matview *m) {
  int n = t->ndim;
  m->rows = t->shape[n - 2];
  m->cols = t->shape[n - 1];
  m->batch = 1;
  for (int i = 0; i < n - 2; i++) m->batch *= t->shape[i];
  bool ok = t->shape[n - 1] == 1 || t->stride[n - 1] == 1;
  int64_t ld = m->rows > 1 ? t->stride[n - 2] : m->cols;
  ok = ok && ld >= m->cols;
  /* batch dims must collapse into one stride */
  int64_t bs = m->rows * ld;
  bool first = true;
  for (int i = n - 3; ok && i >= 0; i--) {
    if (t->shape[i] == 1) continue;
    if (first) {
      bs = t->stride[i];
      first = false;
    } else ok = t->stride[i] == t->stride[i + 1] * t->shape[i + 1];
  }
  if (!ok) {
    t = geocl_contiguous(t);
    if (!t) return false;
    ld = m->cols;
    bs = m->rows * m->cols;
  }
  m->t = t;
  m->ld = ld;
  m->bs = n == 2 ? 0 : bs;
  return true;
}

/* c = alpha·op(a)·op(b) (+ bias in every row, when given) + beta·c */
static geocl_status gemm_bias(geocl_ctx *ctx, bool ta, bool tb, int64_t m, int64_t n, int64_t k, int64_t batch,
                              float alpha, const matview *a, const matview *b, const geocl_tensor *bias, float beta,
                              geocl_tensor *c) {
  geocl_gemm_args g = {.trans_a = ta, .trans_b = tb, .m = m, .n = n, .k = k, .batch = batch, .alpha = alpha,
                       .beta = beta, .a = geocl_tensor_bref(a->t), .lda = a->ld, .stride_a = a->bs,
                       .b = geocl_tensor_bref(b->t), .ldb = b->ld, .stride_b = b->bs,
                       .b_tag = b->t->storage->versioned ? b->t->storage->version : 0,
                       .bias = bias ? geocl_tensor_bref(bias) : (geocl_bref){NULL, 0},
                       .c = geocl_tensor_bref(c), .ldc = n, .stride_c = m * n};
  if (m == 0 || n == 0 || batch == 0) return GEOCL_OK;
  ctx->flops += 2.0 * (double)m * (double)n * (double)k * (double)batch;
  return ctx->be->ops->gemm(ctx->be, &g);
}

static geocl_status gemm(geocl_ctx *ctx, bool ta, bool tb, int64_t m, int64_t n, int64_t k, int64_t batch,
                         float alpha, const matview *a, const matview *b, float beta, geocl_tensor *c) {
  return gemm_bias(ctx, ta, tb, m, n, k, batch, alpha, a, b, NULL, beta, c);
}

/* ---- matmul ---- */

static geocl_status matmul_backward(geocl_node *n, geocl_tensor *dc) {
  geocl_tensor *a = n->in[0], *b = n->in[1];
  bool ta = n->p.i[0], tb = n->p.i[1];
  float alpha = n->pf[0];
  geocl_status st = GEOCL_OK;
  if (a->requires_grad) {
    geocl_tensor *da = ta ? geocl_matmul_ex(b, dc, tb, true, alpha) : geocl_matmul_ex(dc, b, false, !tb, alpha);
    if (da && a->ndim == 2 && da->ndim > 2) da = geocl_sum_to(da, 2, a->shape); /* a was shared */
    st = geocl_accumulate_grad(a, da);
  }
  if (st == GEOCL_OK && b->requires_grad) {
    geocl_tensor *db = tb ? geocl_matmul_ex(dc, a, true, ta, alpha) : geocl_matmul_ex(a, dc, !ta, false, alpha);
    if (db && b->ndim == 2 && db->ndim > 2) db = geocl_sum_to(db, 2, b->shape); /* b was shared */
    st = geocl_accumulate_grad(b, db);
  }
  return st;
}

geocl_tensor *geocl_matmul_ex(geocl_tensor *a, geocl_tensor *b, bool ta, bool tb, float alpha) {
  OPS_REQUIRE(a, b);
  if (!ops_same_ctx("matmul", a, b) || !ops_check_dtype("matmul", "a", a, GEOCL_F32) ||
      !ops_check_dtype("matmul", "b", b, GEOCL_F32))
    return NULL;
  geocl_ctx *ctx = a->ctx;
  if (!OPS_KERNEL(ctx, gemm, "matmul")) return NULL;
  char sa[96], sb[96];
  if (a->ndim < 2 || b->ndim < 2) {
    geocl_set_error(GEOCL_E_SHAPE, "matmul: operands need at least 2 dimensions, got %s and %s",
                    geocl_shape_str(a, sa, sizeof sa), geocl_shape_str(b, sb, sizeof sb));
    return NULL;
  }
  int64_t m = ta ? a->shape[a->ndim - 1] : a->shape[a->ndim - 2];
  int64_t k = ta ? a->shape[a->ndim - 2] : a->shape[a->ndim - 1];
  int64_t kb = tb ? b->shape[b->ndim - 1] : b->shape[b->ndim - 2];
  int64_t n = tb ? b->shape[b->ndim - 2] : b->shape[b->ndim - 1];
  /* batch dims: equal, or one side 2-D (shared by every batch) */
  const geocl_tensor *batched = a->ndim >= b->ndim ? a : b;
  bool ok = k == kb;
  if (ok && a->ndim > 2 && b->ndim > 2) {
    ok = a->ndim == b->ndim;
    for (int i = 0; ok && i < a->ndim - 2; i++) ok = a->shape[i] == b->shape[i];
  }
  if (!ok) {
    geocl_set_error(GEOCL_E_SHAPE, "matmul: %s%s · %s%s do not fit", geocl_shape_str(a, sa, sizeof sa),
                    ta ? "ᵀ" : "", geocl_shape_str(b, sb, sizeof sb), tb ? "ᵀ" : "");
    return NULL;
  }
  matview va, vb;
  if (!as_matrices(a, &va) || !as_matrices(b, &vb)) return NULL;
  int64_t shape[GEOCL_MAX_DIMS];
  int nd = batched->ndim;
  memcpy(shape, batched->shape, sizeof(int64_t) * (size_t)(nd - 2));
  shape[nd - 2] = m;
  shape[nd - 1] = n;
  geocl_tensor *c = ops_new(ctx, nd, shape);
  if (!c) return NULL;
  int64_t batch = va.batch > vb.batch ? va.batch : vb.batch;
  geocl_status st = gemm(ctx, ta, tb, m, n, k, batch, alpha, &va, &vb, 0.0f, c);
  if (st != GEOCL_OK) return ops_fail(c);
  geocl_node *node = geocl_record(c, "matmul", matmul_backward, 2, (geocl_tensor *[]){a, b});
  if (node) {
    node->p.i[0] = ta;
    node->p.i[1] = tb;
    node->pf[0] = alpha;
  }
  return c;
}

geocl_tensor *geocl_matmul(geocl_tensor *a, geocl_tensor *b) { return geocl_matmul_ex(a, b, false, false, 1.0f); }

/* ---- linear ---- */

/* x [rows, in] (contiguous), W [out, in], dy [rows, out] */
static geocl_status linear_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *W = n->in[1], *bias = n->in[2];
  geocl_ctx *ctx = x->ctx;
  int64_t in = W->shape[1], out = W->shape[0], rows = geocl_numel(x) / (in ? in : 1);
  geocl_tensor *dy = ops_contiguous(dout);
  if (!dy) return geocl_last_status();
  matview vdy = {dy, 1, rows, out, out, 0}, vW = {W, 1, out, in, in, 0}, vx = {x, 1, rows, in, in, 0};
  geocl_status st = GEOCL_OK;
  if (x->requires_grad) { /* dx = dy · W */
    geocl_tensor *dx = ops_new(ctx, x->ndim, x->shape);
    if (!dx) return geocl_last_status();
    st = gemm(ctx, false, false, rows, in, out, 1, 1.0f, &vdy, &vW, 0.0f, dx);
    if (st == GEOCL_OK) st = geocl_accumulate_grad(x, dx);
  }
  if (st == GEOCL_OK && W->requires_grad) { /* dW = dyᵀ · x */
    geocl_tensor *dW = ops_new(ctx, 2, W->shape);
    if (!dW) return geocl_last_status();
    st = gemm(ctx, true, false, out, in, rows, 1, 1.0f, &vdy, &vx, 0.0f, dW);
    if (st == GEOCL_OK) st = geocl_accumulate_grad(W, dW);
  }
  if (st == GEOCL_OK && bias && bias->requires_grad) /* db = Σ_rows dy */
    st = geocl_accumulate_grad(bias, geocl_sum(geocl_reshape(dy, 2, (int64_t[]){rows, out}), 0, false));
  return st;
}

geocl_tensor *geocl_linear(geocl_tensor *x, geocl_tensor *W, geocl_tensor *bias) {
  OPS_REQUIRE(x, W);
  const char *op = "linear";
  if (!ops_check_dtype(op, "x", x, GEOCL_F32) || !ops_check_dtype(op, "weight", W, GEOCL_F32) ||
      !ops_same_ctx(op, x, W) || (bias && !ops_same_ctx(op, x, bias)))
    return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, gemm, op)) return NULL;
  char sx[96], sw[96];
  if (W->ndim != 2 || x->ndim < 1 || x->shape[x->ndim - 1] != W->shape[1]) {
    geocl_set_error(GEOCL_E_SHAPE, "linear: input %s does not fit weight%s%s %s ([out, in])",
                    geocl_shape_str(x, sx, sizeof sx), W->name[0] ? " " : "", W->name, geocl_shape_str(W, sw, sizeof sw));
    return NULL;
  }
  if (bias && !ops_check_shape(op, "bias", bias, 1, (int64_t[]){W->shape[0]})) return NULL;
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *Wc = xc ? ops_contiguous(W) : NULL;
  if (!Wc) return NULL;
  int64_t in = W->shape[1], out = W->shape[0], rows = geocl_numel(x) / (in ? in : 1);
  int64_t shape[GEOCL_MAX_DIMS];
  memcpy(shape, x->shape, sizeof shape);
  shape[x->ndim - 1] = out;
  geocl_tensor *y = ops_new(ctx, x->ndim, shape);
  if (!y) return NULL;
  /* the backend adds the bias to every row; it reads n contiguous floats */
  geocl_tensor *bc = bias ? ops_contiguous(bias) : NULL;
  if (bias && !bc) return ops_fail(y);
  matview vx = {xc, 1, rows, in, in, 0}, vW = {Wc, 1, out, in, in, 0};
  geocl_status st = gemm_bias(ctx, false, true, rows, out, in, 1, 1.0f, &vx, &vW, bc, 0.0f, y);
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_record(y, op, linear_backward, 3, (geocl_tensor *[]){xc, Wc, bias});
  return y;
}
