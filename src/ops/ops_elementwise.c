/* SPDX-License-Identifier: MIT */
/* Elementwise ops: broadcasting binary ops and unary functions. */
#include <math.h>

#include "ops_internal.h"

/* ---- binary ---- */

static const char *binop_name[GEOCL_BIN_COUNT] = {"add", "sub", "mul", "div"};

static geocl_tensor *binary(geocl_binop op, geocl_tensor *a, geocl_tensor *b);

/* g reduced to t's shape (undoing broadcasting) and accumulated into t. */
static geocl_status accumulate_reduced(geocl_tensor *t, geocl_tensor *g) {
  if (!t->requires_grad) return GEOCL_OK;
  return geocl_accumulate_grad(t, geocl_sum_to(g, t->ndim, t->shape));
}

static geocl_status binary_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *a = n->in[0], *b = n->in[1];
  geocl_status st = GEOCL_OK;
  switch ((geocl_binop)n->p.i[0]) {
  case GEOCL_BIN_ADD:
    st = accumulate_reduced(a, dout);
    if (st == GEOCL_OK) st = accumulate_reduced(b, dout);
    break;
  case GEOCL_BIN_SUB:
    st = accumulate_reduced(a, dout);
    if (st == GEOCL_OK && b->requires_grad) st = accumulate_reduced(b, geocl_scale(dout, -1.0f));
    break;
  case GEOCL_BIN_MUL:
    if (a->requires_grad) st = accumulate_reduced(a, geocl_mul(dout, b));
    if (st == GEOCL_OK && b->requires_grad) st = accumulate_reduced(b, geocl_mul(dout, a));
    break;
  case GEOCL_BIN_DIV:
    if (a->requires_grad) st = accumulate_reduced(a, geocl_div(dout, b));
    /* d(a/b)/db = −a/b² */
    if (st == GEOCL_OK && b->requires_grad)
      st = accumulate_reduced(b, geocl_scale(geocl_div(geocl_mul(dout, a), geocl_square(b)), -1.0f));
    break;
  default:
    st = geocl_set_error(GEOCL_E_STATE, "binary backward: unknown op");
  }
  return st;
}

static geocl_tensor *binary(geocl_binop op, geocl_tensor *a, geocl_tensor *b) {
  OPS_REQUIRE(a, b);
  const char *name = binop_name[op];
  if (!ops_same_ctx(name, a, b) || !ops_check_dtype(name, "a", a, GEOCL_F32) || !ops_check_dtype(name, "b", b, GEOCL_F32))
    return NULL;
  geocl_ctx *ctx = a->ctx;
  if (!OPS_KERNEL(ctx, binary, name)) return NULL;
  int ndim;
  int64_t shape[GEOCL_MAX_DIMS], as[GEOCL_MAX_DIMS], bs[GEOCL_MAX_DIMS];
  if (!ops_broadcast_shape(name, a, b, &ndim, shape)) return NULL;
  ops_broadcast_strides(a, ndim, shape, as);
  ops_broadcast_strides(b, ndim, shape, bs);
  geocl_tensor *out = ops_new(ctx, ndim, shape);
  if (!out) return NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(out) > 0)
    st = ctx->be->ops->binary(ctx->be, op, ndim, shape, geocl_tensor_bref(a), as, geocl_tensor_bref(b), bs,
                              geocl_tensor_bref(out));
  if (st != GEOCL_OK) return ops_fail(out);
  geocl_node *node = geocl_record(out, name, binary_backward, 2, (geocl_tensor *[]){a, b});
  if (node) node->p.i[0] = op;
  return out;
}

geocl_tensor *geocl_add(geocl_tensor *a, geocl_tensor *b) { return binary(GEOCL_BIN_ADD, a, b); }
geocl_tensor *geocl_sub(geocl_tensor *a, geocl_tensor *b) { return binary(GEOCL_BIN_SUB, a, b); }
geocl_tensor *geocl_mul(geocl_tensor *a, geocl_tensor *b) { return binary(GEOCL_BIN_MUL, a, b); }
geocl_tensor *geocl_div(geocl_tensor *a, geocl_tensor *b) { return binary(GEOCL_BIN_DIV, a, b); }

/* ---- unary ---- */

static const char *unop_name[GEOCL_UN_COUNT] = {"scale", "add_scalar", "exp",     "log",      "sqrt",     "gelu",
                                                "relu",  "square",     "abs",     "sigmoid",  "tanh",     "softplus",
                                                "clamp_min", "clamp_max"};

static geocl_status unary_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *y = n->out;
  geocl_ctx *ctx = x->ctx;
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!dx) return geocl_last_status();
  geocl_status st = ctx->be->ops->unary_backward(ctx->be, (geocl_unop)n->p.i[0], geocl_numel(x), n->pf[0],
                                                 geocl_tensor_bref(x), geocl_tensor_bref(y), geocl_tensor_bref(dy),
                                                 geocl_tensor_bref(dx));
  return st != GEOCL_OK ? st : geocl_accumulate_grad(x, dx);
}

static geocl_tensor *unary(geocl_unop op, geocl_tensor *x, float alpha) {
  OPS_REQUIRE(x);
  const char *name = unop_name[op];
  if (!ops_check_dtype(name, "x", x, GEOCL_F32)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, unary, name) || !OPS_KERNEL(ctx, unary_backward, name)) return NULL;
  /* the kernels need a contiguous input; backward reads the same tensor */
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *out = xc ? ops_new(ctx, x->ndim, x->shape) : NULL;
  if (!out) return NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(out) > 0)
    st = ctx->be->ops->unary(ctx->be, op, geocl_numel(out), alpha, geocl_tensor_bref(xc), geocl_tensor_bref(out));
  if (st != GEOCL_OK) return ops_fail(out);
  geocl_node *node = geocl_record(out, name, unary_backward, 1, &xc);
  if (node) {
    node->p.i[0] = op;
    node->pf[0] = alpha;
  }
  return out;
}

geocl_tensor *geocl_scale(geocl_tensor *x, float s) { return unary(GEOCL_UN_SCALE, x, s); }
geocl_tensor *geocl_add_scalar(geocl_tensor *x, float s) { return unary(GEOCL_UN_ADDS, x, s); }
geocl_tensor *geocl_exp(geocl_tensor *x) { return unary(GEOCL_UN_EXP, x, 0); }
geocl_tensor *geocl_log(geocl_tensor *x) { return unary(GEOCL_UN_LOG, x, 0); }
geocl_tensor *geocl_sqrt(geocl_tensor *x) { return unary(GEOCL_UN_SQRT, x, 0); }
geocl_tensor *geocl_gelu(geocl_tensor *x) { return unary(GEOCL_UN_GELU, x, 0); }
geocl_tensor *geocl_relu(geocl_tensor *x) { return unary(GEOCL_UN_RELU, x, 0); }
geocl_tensor *geocl_square(geocl_tensor *x) { return unary(GEOCL_UN_SQUARE, x, 0); }
geocl_tensor *geocl_abs(geocl_tensor *x) { return unary(GEOCL_UN_ABS, x, 0); }
geocl_tensor *geocl_sigmoid(geocl_tensor *x) { return unary(GEOCL_UN_SIGMOID, x, 0); }
geocl_tensor *geocl_tanh(geocl_tensor *x) { return unary(GEOCL_UN_TANH, x, 0); }

geocl_tensor *geocl_softplus(geocl_tensor *x, float beta) {
  if (!(beta > 0)) {
    geocl_set_error(GEOCL_E_INVALID, "softplus: beta %g must be positive", beta);
    return NULL;
  }
  return unary(GEOCL_UN_SOFTPLUS, x, beta);
}

geocl_tensor *geocl_clamp(geocl_tensor *x, float lo, float hi) {
  if (!(lo <= hi)) {
    geocl_set_error(GEOCL_E_INVALID, "clamp: the lower bound %g is above the upper bound %g", lo, hi);
    return NULL;
  }
  geocl_tensor *y = lo > -INFINITY ? unary(GEOCL_UN_CLAMP_MIN, x, lo) : x;
  return hi < INFINITY ? unary(GEOCL_UN_CLAMP_MAX, y, hi) : y;
}
