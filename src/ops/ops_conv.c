/* SPDX-License-Identifier: MIT */
/* 2-D convolution and transposed convolution (NCHW, PyTorch's weight layouts
 * and output sizes), through the backend's GEMM.
 *
 * Both run on "columns": col [Cin·kh·kw, N·Ho·Wo] (im2col, backend-kernels.h),
 * one column per output pixel of the whole batch, so that a convolution is
 * one GEMM over the batch (batched over groups): T [Cout, N·Ho·Wo] = W · col,
 * then T is laid out as NCHW (with the bias added in the same pass).  A 1×1
 * convolution with stride 1 and no padding needs no columns: x itself is
 * col.  Backward: dW = dT · colᵀ (the columns recomputed, not kept), dcol =
 * Wᵀ · dT, dx = col2im(dcol).
 *
 * Where every image has enough output pixels (PER_IMAGE_MIN; and one
 * group), the GEMM is batched over the images instead, reading the image's
 * columns and writing its NCHW output in place: no reordering of y or dy,
 * and no columns at all for 1×1 convolutions; dW then sums one GEMM per
 * image.  With fewer pixels the per-image GEMMs would be too narrow to fill
 * their tiles, and the reordering is the cheaper cost.
 *
 * The transposed convolution is the same computation read the other way:
 * col = Wᵀ · x, y = col2im(col); its backward runs im2col on dy.
 *
 * Temporaries (col, T, dT) are freed as soon as the GEMMs that read them are
 * enqueued: the queue is in order, and the pool hands the storage to later
 * work only. */
#include <string.h>

#include "ops_internal.h"

/* Sizes of one (transposed) convolution, kept in the node (p.i). */
typedef struct conv_dims {
  geocl_window2d g; /* the forward convolution's window: for conv2d x → y, for conv_transpose2d y → x */
  int64_t groups;
} conv_dims;

static void save_dims(geocl_node *n, const conv_dims *d) {
  const geocl_window2d *g = &d->g;
  int64_t v[15] = {g->n, g->c, g->h, g->w, g->kh, g->kw, g->sh, g->sw, g->ph, g->pw, g->dh, g->dw, g->oh, g->ow, d->groups};
  memcpy(n->p.i, v, sizeof v);
}

static conv_dims load_dims(const geocl_node *n) {
  const int64_t *v = n->p.i;
  return (conv_dims){{v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13]}, v[14]};
}

/* Output pixels per image from which a convolution runs one GEMM per image;
 * a pointwise one (no columns at all then: the GEMM reads x in place) from
 * fewer.  Measured on ResNet-50's layers (docs/performance.md). */
#define PER_IMAGE_MIN 256
#define PER_IMAGE_MIN_POINTWISE 128

static bool pointwise(const geocl_window2d *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 && g->ph == 0 && g->pw == 0;
}

static bool per_image(const conv_dims *d) {
  int64_t min = pointwise(&d->g) ? PER_IMAGE_MIN_POINTWISE : PER_IMAGE_MIN;
  return d->groups == 1 && d->g.n > 1 && d->g.oh * d->g.ow >= min;
}

/* A pointwise window of one image: its columns [Cin, P] are x itself. */
static bool col_is_input(const geocl_window2d *g) { return g->n == 1 && pointwise(g); }

/* The columns of x under window g (x itself for a pointwise window of one image). */
static geocl_tensor *columns(geocl_ctx *ctx, const geocl_window2d *g, geocl_tensor *x) {
  if (col_is_input(g)) return x;
  geocl_tensor *col = ops_new(ctx, GEOCL_SHAPE(g->c * g->kh * g->kw, g->n * g->oh * g->ow));
  if (!col) return NULL;
  geocl_status st = ctx->be->ops->im2col(ctx->be, g, geocl_tensor_bref(x), geocl_tensor_bref(col));
  return ops_done(col, st);
}

static void free_temp(geocl_tensor *t, const geocl_tensor *keep) {
  if (t && t != keep) geocl_tensor_free(t);
}

/* y [N, C, P] (contiguous) from t [C, N·P], plus bias[c] when given. */
static geocl_status to_nchw(geocl_ctx *ctx, int64_t N, int64_t C, int64_t P, geocl_tensor *t, geocl_tensor *bias,
                            geocl_tensor *y) {
  geocl_backend *be = ctx->be;
  int64_t shape[3] = {N, C, P}, ts[3] = {P, N * P, 1}, ys[3] = {C * P, P, 1};
  if (N * C * P == 0) return GEOCL_OK;
  if (bias)
    return be->ops->binary(be, GEOCL_BIN_ADD, 3, shape, geocl_tensor_bref(t), ts, geocl_tensor_bref(bias),
                           (int64_t[]){0, bias->stride[0], 0}, geocl_tensor_bref(y));
  return be->ops->copy(be, 3, shape, geocl_tensor_bref(t), ts, geocl_tensor_bref(y), ys, 0);
}

/* t [C, N·P] from x [N, C, P] (a view of x when N = 1). */
static geocl_tensor *from_nchw(geocl_ctx *ctx, int64_t N, int64_t C, int64_t P, geocl_tensor *x) {
  if (N == 1) return x;
  geocl_tensor *t = ops_new(ctx, GEOCL_SHAPE(C, N * P));
  if (!t || N * C * P == 0) return t;
  geocl_status st = ctx->be->ops->copy(ctx->be, 3, (int64_t[]){C, N, P}, geocl_tensor_bref(x),
                                       (int64_t[]){P, C * P, 1}, geocl_tensor_bref(t), (int64_t[]){N * P, P, 1}, 0);
  return ops_done(t, st);
}

/* Σ over N and P of dy [N, C, P] → [C]. */
static geocl_tensor *bias_grad(geocl_ctx *ctx, int64_t N, int64_t C, int64_t P, geocl_tensor *dy) {
  geocl_tensor *db = ops_new(ctx, GEOCL_SHAPE(C));
  if (!db) return NULL;
  geocl_status st = GEOCL_OK;
  if (C > 0)
    st = ctx->be->ops->sum(ctx->be, 1, &C, &P, 2, (int64_t[]){N, P}, (int64_t[]){C * P, 1}, 1.0f,
                           geocl_tensor_bref(dy), geocl_tensor_bref(db));
  return ops_done(db, st);
}

/* ---- GEMMs; one per image ---- */

/* The columns of image b: a [K, P] block of x (pointwise) or of col [K, N·P]. */
typedef struct image_cols {
  geocl_tensor *t; /* x or a temporary col */
  int64_t ld, stride;
} image_cols;

static bool image_columns(geocl_ctx *ctx, const geocl_window2d *g, geocl_tensor *x, image_cols *c) {
  int64_t P = g->oh * g->ow;
  if (pointwise(g)) {
    *c = (image_cols){x, P, g->c * P};
    return true;
  }
  *c = (image_cols){columns(ctx, g, x), g->n * P, P};
  return c->t != NULL;
}

static geocl_status gemm(geocl_ctx *ctx, bool ta, bool tb, int64_t m, int64_t n, int64_t k, int64_t batch, geocl_bref a,
                         int64_t lda, int64_t sa, geocl_bref b, int64_t ldb, int64_t sb, geocl_bref c, int64_t ldc,
                         int64_t sc, float beta) {
  geocl_gemm_args ga = {.trans_a = ta, .trans_b = tb, .m = m, .n = n, .k = k, .batch = batch, .alpha = 1.0f,
                        .beta = beta, .a = a, .lda = lda, .stride_a = sa, .b = b, .ldb = ldb, .stride_b = sb,
                        .c = c, .ldc = ldc, .stride_c = sc};
  if (m == 0 || n == 0 || batch == 0) return GEOCL_OK;
  ctx->flops += 2.0 * (double)m * (double)n * (double)k * (double)batch;
  return ctx->be->ops->gemm(ctx->be, &ga);
}

static geocl_bref at(geocl_bref r, int64_t elements) {
  r.off += (size_t)elements;
  return r;
}

/* C_b = op(A_b)·op(B_b) for the groups b: A, B, C contiguous blocks, group b
 * at b·(its block size) */
static geocl_status group_gemm(geocl_ctx *ctx, int64_t groups, bool ta, bool tb, int64_t m, int64_t n, int64_t k,
                               geocl_bref a, geocl_bref b, geocl_bref c, float beta) {
  return gemm(ctx, ta, tb, m, n, k, groups, a, ta ? m : k, m * k, b, tb ? k : n, k * n, c, n, m * n, beta);
}

/* One operand of the weight gradient: calls × groups matrices of rows × k,
 * row stride ld, the call's at call·call_stride, the group's at
 * group·group_stride. */
typedef struct grad_operand {
  geocl_bref at;
  int64_t ld, call_stride, group_stride;
} grad_operand;

/* dW_g = Σ over the calls of dy_g · cols_gᵀ, dW [G, co, K].  The GEMM packs
 * its transposed operand (a strided pass over it) and reads the other in
 * place, so of dW = dy · colsᵀ (packing the columns, K × k per call) and
 * dWᵀ = cols · dyᵀ (packing dy, co × k per call, then transposing dWᵀ once)
 * it takes the one that moves less: the second for a k×k convolution over
 * many pixels (dy much smaller than its columns), the first where the
 * weights are large and the pixels few. */
static geocl_status weight_grad(geocl_ctx *ctx, int64_t G, int64_t co, int64_t K, int64_t k, int64_t calls,
                                const grad_operand *cols, const grad_operand *dy, geocl_tensor *dW) {
  bool transposed = calls * co * k + co * K < calls * K * k;
  geocl_tensor *t = transposed ? ops_new(ctx, GEOCL_SHAPE(G, K, co)) : dW;
  geocl_status st = t ? GEOCL_OK : geocl_last_status();
  const grad_operand *a = transposed ? cols : dy, *b = transposed ? dy : cols;
  int64_t m = transposed ? K : co, n = transposed ? co : K;
  for (int64_t c = 0; st == GEOCL_OK && c < calls; c++)
    st = gemm(ctx, false, true, m, n, k, G, at(a->at, c * a->call_stride), a->ld, a->group_stride,
              at(b->at, c * b->call_stride), b->ld, b->group_stride, geocl_tensor_bref(t), n, m * n, c ? 1.0f : 0.0f);
  if (st == GEOCL_OK && transposed && G * co * K > 0)
    st = ctx->be->ops->copy(ctx->be, 3, (int64_t[]){G, co, K}, geocl_tensor_bref(t), (int64_t[]){K * co, 1, co},
                            geocl_tensor_bref(dW), (int64_t[]){co * K, K, 1}, 0);
  free_temp(t, dW);
  return st;
}

/* y_b = W · cols_b (+ bias) for every image b */
static geocl_status forward_per_image(geocl_ctx *ctx, const geocl_window2d *g, geocl_tensor *x, geocl_tensor *W,
                                      geocl_tensor *bias, geocl_tensor *y) {
  int64_t cout = W->shape[0], K = g->c * g->kh * g->kw, P = g->oh * g->ow;
  image_cols c;
  if (!image_columns(ctx, g, x, &c)) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (bias) /* the bias first, then y += W · cols */
    st = ctx->be->ops->copy(ctx->be, 3, (int64_t[]){g->n, cout, P}, geocl_tensor_bref(bias),
                            (int64_t[]){0, bias->stride[0], 0}, geocl_tensor_bref(y), (int64_t[]){cout * P, P, 1}, 0);
  if (st == GEOCL_OK)
    st = gemm(ctx, false, false, cout, P, K, g->n, geocl_tensor_bref(W), K, 0, geocl_tensor_bref(c.t), c.ld, c.stride,
              geocl_tensor_bref(y), P, cout * P, bias ? 1.0f : 0.0f);
  free_temp(c.t, x);
  return st;
}

/* dW = Σ_b dy_b · cols_bᵀ, one GEMM per image adding to the last */
static geocl_status weight_grad_per_image(geocl_ctx *ctx, const geocl_window2d *g, geocl_tensor *x, geocl_tensor *dy,
                                          geocl_tensor *dW) {
  int64_t cout = dW->shape[0], K = g->c * g->kh * g->kw, P = g->oh * g->ow;
  image_cols c;
  if (!image_columns(ctx, g, x, &c)) return geocl_last_status();
  grad_operand cols = {geocl_tensor_bref(c.t), c.ld, c.stride, 0}, d = {geocl_tensor_bref(dy), P, cout * P, 0};
  geocl_status st = weight_grad(ctx, 1, cout, K, P, g->n, &cols, &d, dW);
  free_temp(c.t, x);
  return st;
}

/* dx: dcols_b = Wᵀ · dy_b for every image (into dx itself when pointwise), then col2im */
static geocl_status input_grad_per_image(geocl_ctx *ctx, const geocl_window2d *g, geocl_tensor *W, geocl_tensor *dy,
                                         geocl_tensor *dx) {
  int64_t cout = W->shape[0], K = g->c * g->kh * g->kw, P = g->oh * g->ow;
  if (pointwise(g))
    return gemm(ctx, true, false, K, P, cout, g->n, geocl_tensor_bref(W), K, 0, geocl_tensor_bref(dy), P, cout * P,
                geocl_tensor_bref(dx), P, K * P, 0.0f);
  geocl_tensor *dcol = ops_new(ctx, GEOCL_SHAPE(K, g->n * P));
  geocl_status st = dcol ? gemm(ctx, true, false, K, P, cout, g->n, geocl_tensor_bref(W), K, 0, geocl_tensor_bref(dy), P,
                                cout * P, geocl_tensor_bref(dcol), g->n * P, P, 0.0f)
                         : geocl_last_status();
  if (st == GEOCL_OK) st = ctx->be->ops->col2im(ctx->be, g, geocl_tensor_bref(dcol), geocl_tensor_bref(dx));
  free_temp(dcol, NULL);
  return st;
}

/* ---- options and shapes ---- */

static int64_t or_one(int64_t v) { return v ? v : 1; }

/* Window of a convolution over x [n, c, h, w] with weight kh×kw; false (error
 * set) when an option is out of range or the output would be empty. */
static bool conv_window(const char *op, const geocl_conv2d_opts *o, int64_t n, int64_t c, int64_t h, int64_t w,
                        int64_t kh, int64_t kw, geocl_window2d *g) {
  geocl_conv2d_opts d = o ? *o : (geocl_conv2d_opts){0};
  *g = (geocl_window2d){n, c, h, w, kh, kw, or_one(d.stride[0]), or_one(d.stride[1]), d.padding[0], d.padding[1],
                        or_one(d.dilation[0]), or_one(d.dilation[1]), 0, 0};
  if (g->sh < 1 || g->sw < 1 || g->dh < 1 || g->dw < 1 || g->ph < 0 || g->pw < 0) {
    geocl_set_error(GEOCL_E_INVALID, "%s: stride %lldx%lld and dilation %lldx%lld must be positive, padding %lldx%lld "
                    "not negative", op, (long long)g->sh, (long long)g->sw, (long long)g->dh, (long long)g->dw,
                    (long long)g->ph, (long long)g->pw);
    return false;
  }
  return true;
}

static bool check_groups(const char *op, int64_t groups, int64_t cin, int64_t cout) {
  if (groups >= 1 && cin % groups == 0 && cout % groups == 0) return true;
  geocl_set_error(GEOCL_E_INVALID, "%s: %lld groups do not divide %lld input and %lld output channels", op,
                  (long long)groups, (long long)cin, (long long)cout);
  return false;
}

static bool check_input(const char *op, geocl_tensor *x, geocl_tensor *W, geocl_tensor *bias) {
  if (!ops_check_dtype(op, "x", x, GEOCL_F32) || !ops_check_dtype(op, "weight", W, GEOCL_F32) ||
      !ops_same_ctx(op, x, W) || (bias && (!ops_same_ctx(op, x, bias) || !ops_check_dtype(op, "bias", bias, GEOCL_F32))))
    return false;
  if (x->ndim == 4 && W->ndim == 4) return true;
  char sx[96], sw[96];
  geocl_set_error(GEOCL_E_SHAPE, "%s: input %s and weight%s%s %s must both be 4-D", op, geocl_shape_str(x, sx, sizeof sx),
                  W->name[0] ? " " : "", W->name, geocl_shape_str(W, sw, sizeof sw));
  return false;
}

static bool kernels_present(geocl_ctx *ctx, const char *op) {
  return OPS_KERNEL(ctx, gemm, op) && OPS_KERNEL(ctx, im2col, op) && OPS_KERNEL(ctx, col2im, op) &&
         OPS_KERNEL(ctx, copy, op) && OPS_KERNEL(ctx, binary, op) && OPS_KERNEL(ctx, sum, op);
}

/* ---- conv2d ---- */

/* T = W · col over the whole batch (batched over groups), then NCHW */
static geocl_status forward_merged(geocl_ctx *ctx, const conv_dims *d, geocl_tensor *x, geocl_tensor *W,
                                   geocl_tensor *bias, geocl_tensor *y) {
  const geocl_window2d *g = &d->g;
  int64_t G = d->groups, cout = W->shape[0], N = g->n, K = g->c / G * g->kh * g->kw, P = g->oh * g->ow;
  geocl_tensor *col = columns(ctx, g, x);
  /* one image: T is y, the bias put there first; else T is a temporary */
  geocl_tensor *t = !col ? NULL : N == 1 ? y : ops_new(ctx, GEOCL_SHAPE(cout, N * P));
  geocl_status st = t ? GEOCL_OK : geocl_last_status();
  if (st == GEOCL_OK && N == 1 && bias)
    st = ctx->be->ops->copy(ctx->be, 2, (int64_t[]){cout, P}, geocl_tensor_bref(bias), (int64_t[]){bias->stride[0], 0},
                            geocl_tensor_bref(y), (int64_t[]){P, 1}, 0);
  if (st == GEOCL_OK)
    st = group_gemm(ctx, G, false, false, cout / G, N * P, K, geocl_tensor_bref(W), geocl_tensor_bref(col),
                    geocl_tensor_bref(t), N == 1 && bias ? 1.0f : 0.0f);
  free_temp(col, x);
  if (st == GEOCL_OK && t != y) st = to_nchw(ctx, N, cout, P, t, bias, y);
  free_temp(t, y);
  return st;
}

/* dW and dx over the whole batch: dT [Cout, N·P] from dy, then dW_b = dT_b · col_bᵀ and
 * dcol_b = W_bᵀ · dT_b per group */
static geocl_status backward_merged(geocl_ctx *ctx, const conv_dims *d, geocl_tensor *x, geocl_tensor *W,
                                    geocl_tensor *dy) {
  const geocl_window2d *g = &d->g;
  int64_t G = d->groups, cout = W->shape[0], K = g->c / G * g->kh * g->kw, P = g->oh * g->ow, NP = g->n * P;
  geocl_tensor *dt = from_nchw(ctx, g->n, cout, P, dy);
  if (!dt) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (W->requires_grad) {
    geocl_tensor *col = columns(ctx, g, x);
    geocl_tensor *dW = col ? ops_new(ctx, 4, W->shape) : NULL;
    grad_operand cols = {col ? geocl_tensor_bref(col) : (geocl_bref){0}, NP, 0, K * NP},
                 dts = {geocl_tensor_bref(dt), NP, 0, cout / G * NP};
    st = dW ? weight_grad(ctx, G, cout / G, K, NP, 1, &cols, &dts, dW) : geocl_last_status();
    free_temp(col, x);
    if (st == GEOCL_OK) st = geocl_accumulate_grad(W, dW);
  }
  if (st == GEOCL_OK && x->requires_grad) {
    geocl_tensor *dx = ops_new(ctx, 4, x->shape);
    geocl_tensor *dcol = !dx ? NULL : col_is_input(g) ? dx : ops_new(ctx, GEOCL_SHAPE(g->c * g->kh * g->kw, NP));
    st = dcol ? group_gemm(ctx, G, true, false, K, NP, cout / G, geocl_tensor_bref(W), geocl_tensor_bref(dt),
                           geocl_tensor_bref(dcol), 0.0f)
              : geocl_last_status();
    if (st == GEOCL_OK && dcol != dx)
      st = ctx->be->ops->col2im(ctx->be, g, geocl_tensor_bref(dcol), geocl_tensor_bref(dx));
    free_temp(dcol, dx);
    if (st == GEOCL_OK) st = geocl_accumulate_grad(x, dx);
  }
  free_temp(dt, dy);
  return st;
}

static geocl_status backward_per_image(geocl_ctx *ctx, const conv_dims *d, geocl_tensor *x, geocl_tensor *W,
                                       geocl_tensor *dy) {
  geocl_status st = GEOCL_OK;
  if (W->requires_grad) {
    geocl_tensor *dW = ops_new(ctx, 4, W->shape);
    st = dW ? weight_grad_per_image(ctx, &d->g, x, dy, dW) : geocl_last_status();
    if (st == GEOCL_OK) st = geocl_accumulate_grad(W, dW);
  }
  if (st == GEOCL_OK && x->requires_grad) {
    geocl_tensor *dx = ops_new(ctx, 4, x->shape);
    st = dx ? input_grad_per_image(ctx, &d->g, W, dy, dx) : geocl_last_status();
    if (st == GEOCL_OK) st = geocl_accumulate_grad(x, dx);
  }
  return st;
}

/* x [N, Cin, H, W], W [Cout, Cin/G, kh, kw] */
static geocl_status conv2d_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *W = n->in[1], *bias = n->in[2];
  geocl_ctx *ctx = x->ctx;
  conv_dims d = load_dims(n);
  geocl_tensor *dy = ops_contiguous(dout);
  if (!dy) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (bias && bias->requires_grad)
    st = geocl_accumulate_grad(bias, bias_grad(ctx, d.g.n, W->shape[0], d.g.oh * d.g.ow, dy));
  if (st == GEOCL_OK) st = per_image(&d) ? backward_per_image(ctx, &d, x, W, dy) : backward_merged(ctx, &d, x, W, dy);
  return st;
}

geocl_tensor *geocl_conv2d(geocl_tensor *x, geocl_tensor *W, geocl_tensor *bias, const geocl_conv2d_opts *o) {
  OPS_REQUIRE(x, W);
  const char *op = "conv2d";
  if (!check_input(op, x, W, bias)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!kernels_present(ctx, op)) return NULL;
  conv_dims d = {.groups = o && o->groups ? o->groups : 1};
  int64_t N = x->shape[0], cin = x->shape[1], cout = W->shape[0];
  if (!check_groups(op, d.groups, cin, cout) ||
      !conv_window(op, o, N, cin, x->shape[2], x->shape[3], W->shape[2], W->shape[3], &d.g))
    return NULL;
  geocl_window2d *g = &d.g;
  char sx[96], sw[96];
  if (W->shape[1] * d.groups != cin) {
    geocl_set_error(GEOCL_E_SHAPE, "conv2d: input %s does not fit weight%s%s %s ([out, in/groups, kh, kw], %lld groups)",
                    geocl_shape_str(x, sx, sizeof sx), W->name[0] ? " " : "", W->name, geocl_shape_str(W, sw, sizeof sw),
                    (long long)d.groups);
    return NULL;
  }
  if (bias && !ops_check_shape(op, "bias", bias, 1, &cout)) return NULL;
  g->oh = (g->h + 2 * g->ph - g->dh * (g->kh - 1) - 1) / g->sh + 1;
  g->ow = (g->w + 2 * g->pw - g->dw * (g->kw - 1) - 1) / g->sw + 1;
  if (g->h + 2 * g->ph < g->dh * (g->kh - 1) + 1 || g->w + 2 * g->pw < g->dw * (g->kw - 1) + 1) {
    geocl_set_error(GEOCL_E_SHAPE, "conv2d: input %s with padding %lldx%lld is smaller than the (dilated) kernel of "
                    "weight %s", geocl_shape_str(x, sx, sizeof sx), (long long)g->ph, (long long)g->pw,
                    geocl_shape_str(W, sw, sizeof sw));
    return NULL;
  }
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *Wc = xc ? ops_contiguous(W) : NULL;
  geocl_tensor *y = Wc ? ops_new(ctx, GEOCL_SHAPE(N, cout, g->oh, g->ow)) : NULL;
  if (!y) return NULL;
  geocl_status st = per_image(&d) ? forward_per_image(ctx, g, xc, Wc, bias, y) : forward_merged(ctx, &d, xc, Wc, bias, y);
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_node *n = geocl_record(y, op, conv2d_backward, 3, (geocl_tensor *[]){xc, Wc, bias});
  if (n) save_dims(n, &d);
  return y;
}

/* ---- conv_transpose2d ---- */

/* x [N, Cin, H, W], W [Cin, Cout/G, kh, kw]; the window maps y → x */
static geocl_status conv_transpose2d_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *W = n->in[1], *bias = n->in[2];
  geocl_ctx *ctx = x->ctx;
  conv_dims d = load_dims(n);
  const geocl_window2d *g = &d.g;
  int64_t G = d.groups, cin = x->shape[1], K = g->c / G * g->kh * g->kw, P = g->oh * g->ow, NP = g->n * P;
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dcol = dy ? columns(ctx, g, dy) : NULL; /* [Cout·kh·kw, N·H·W] */
  if (!dcol) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (bias && bias->requires_grad) st = geocl_accumulate_grad(bias, bias_grad(ctx, g->n, g->c, g->h * g->w, dy));
  if (st == GEOCL_OK && W->requires_grad) { /* dW_b = xt_b · dcol_bᵀ */
    geocl_tensor *xt = from_nchw(ctx, g->n, cin, P, x);
    geocl_tensor *dW = xt ? ops_new(ctx, 4, W->shape) : NULL;
    grad_operand cols = {geocl_tensor_bref(dcol), NP, 0, K * NP},
                 xts = {xt ? geocl_tensor_bref(xt) : (geocl_bref){0}, NP, 0, cin / G * NP};
    st = dW ? weight_grad(ctx, G, cin / G, K, NP, 1, &cols, &xts, dW) : geocl_last_status();
    free_temp(xt, x);
    if (st == GEOCL_OK) st = geocl_accumulate_grad(W, dW);
  }
  if (st == GEOCL_OK && x->requires_grad) { /* dxt_b = W_b · dcol_b, then NCHW */
    geocl_tensor *dx = ops_new(ctx, 4, x->shape);
    geocl_tensor *dxt = !dx ? NULL : g->n == 1 ? dx : ops_new(ctx, GEOCL_SHAPE(cin, NP));
    st = dxt ? group_gemm(ctx, G, false, false, cin / G, NP, K, geocl_tensor_bref(W), geocl_tensor_bref(dcol),
                          geocl_tensor_bref(dxt), 0.0f)
             : geocl_last_status();
    if (st == GEOCL_OK && dxt != dx) st = to_nchw(ctx, g->n, cin, P, dxt, NULL, dx);
    free_temp(dxt, dx);
    if (st == GEOCL_OK) st = geocl_accumulate_grad(x, dx);
  }
  free_temp(dcol, dy);
  return st;
}

geocl_tensor *geocl_conv_transpose2d(geocl_tensor *x, geocl_tensor *W, geocl_tensor *bias, const geocl_conv2d_opts *o) {
  OPS_REQUIRE(x, W);
  const char *op = "conv_transpose2d";
  if (!check_input(op, x, W, bias)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!kernels_present(ctx, op)) return NULL;
  conv_dims d = {.groups = o && o->groups ? o->groups : 1};
  int64_t N = x->shape[0], cin = x->shape[1], H = x->shape[2], Wd = x->shape[3];
  int64_t cout = W->shape[1] * d.groups, kh = W->shape[2], kw = W->shape[3];
  char sx[96], sw[96];
  if (W->shape[0] != cin) {
    geocl_set_error(GEOCL_E_SHAPE, "conv_transpose2d: input %s does not fit weight%s%s %s ([in, out/groups, kh, kw])",
                    geocl_shape_str(x, sx, sizeof sx), W->name[0] ? " " : "", W->name, geocl_shape_str(W, sw, sizeof sw));
    return NULL;
  }
  if (!check_groups(op, d.groups, cin, cout) || !conv_window(op, o, N, cout, 0, 0, kh, kw, &d.g)) return NULL;
  geocl_window2d *g = &d.g;
  int64_t oph = o ? o->output_padding[0] : 0, opw = o ? o->output_padding[1] : 0;
  if (oph < 0 || opw < 0 || (oph >= g->sh && oph >= g->dh) || (opw >= g->sw && opw >= g->dw)) {
    geocl_set_error(GEOCL_E_INVALID, "conv_transpose2d: output padding %lldx%lld must be smaller than the stride or "
                    "the dilation", (long long)oph, (long long)opw);
    return NULL;
  }
  if (bias && !ops_check_shape(op, "bias", bias, 1, &cout)) return NULL;
  /* y's size; the forward convolution of y under g gives x's */
  g->h = (H - 1) * g->sh - 2 * g->ph + g->dh * (kh - 1) + oph + 1;
  g->w = (Wd - 1) * g->sw - 2 * g->pw + g->dw * (kw - 1) + opw + 1;
  g->oh = H;
  g->ow = Wd;
  if (g->h < 1 || g->w < 1) {
    geocl_set_error(GEOCL_E_SHAPE, "conv_transpose2d: input %s with weight %s and padding %lldx%lld gives an empty "
                    "output", geocl_shape_str(x, sx, sizeof sx), geocl_shape_str(W, sw, sizeof sw), (long long)g->ph,
                    (long long)g->pw);
    return NULL;
  }
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *Wc = xc ? ops_contiguous(W) : NULL;
  geocl_tensor *y = Wc ? ops_new(ctx, GEOCL_SHAPE(N, cout, g->h, g->w)) : NULL;
  if (!y) return NULL;
  int64_t G = d.groups, K = cout / G * kh * kw, P = H * Wd;
  geocl_tensor *xt = from_nchw(ctx, N, cin, P, xc);
  /* col_b = W_bᵀ · xt_b; a pointwise window of one image writes y directly */
  geocl_tensor *col = !xt ? NULL : col_is_input(g) ? y : ops_new(ctx, GEOCL_SHAPE(cout * kh * kw, N * P));
  geocl_status st = col ? group_gemm(ctx, G, true, false, K, N * P, cin / G, geocl_tensor_bref(Wc),
                                     geocl_tensor_bref(xt), geocl_tensor_bref(col), 0.0f)
                        : geocl_last_status();
  free_temp(xt, xc);
  if (st == GEOCL_OK && col != y) st = ctx->be->ops->col2im(ctx->be, g, geocl_tensor_bref(col), geocl_tensor_bref(y));
  free_temp(col, y);
  int64_t plane = g->h * g->w, shape[3] = {N, cout, plane}, ys[3] = {cout * plane, plane, 1};
  if (st == GEOCL_OK && bias && N * cout * plane > 0) /* in place: each element reads only itself */
    st = ctx->be->ops->binary(ctx->be, GEOCL_BIN_ADD, 3, shape, geocl_tensor_bref(y), ys, geocl_tensor_bref(bias),
                              (int64_t[]){0, bias->stride[0], 0}, geocl_tensor_bref(y));
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_node *n = geocl_record(y, op, conv_transpose2d_backward, 3, (geocl_tensor *[]){xc, Wc, bias});
  if (n) save_dims(n, &d);
  return y;
}
