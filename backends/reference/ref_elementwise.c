/* SPDX-License-Identifier: MIT */
/* Reference elementwise kernels (computed in double, rounded once). */
#include <math.h>

#include "ref.h"

static double apply_binary(geocl_binop op, double a, double b) {
  switch (op) {
  case GEOCL_BIN_ADD: return a + b;
  case GEOCL_BIN_SUB: return a - b;
  case GEOCL_BIN_MUL: return a * b;
  case GEOCL_BIN_DIV: return a / b;
  default: return NAN;
  }
}

geocl_status ref_binary(geocl_backend *be, geocl_binop op, int ndim, const int64_t *shape, geocl_bref a,
                        const int64_t *as, geocl_bref b, const int64_t *bs, geocl_bref out) {
  for (int d = 0; d < ndim; d++)
    if (shape[d] == 0) return GEOCL_OK;
  const float *A = REF_F32(a), *B = REF_F32(b);
  float *O = REF_F32(out);
  int64_t idx[8] = {0}, i = 0;
  do {
    O[i++] = (float)apply_binary(op, A[ref_offset(ndim, idx, as)], B[ref_offset(ndim, idx, bs)]);
  } while (ref_next_index(ndim, shape, idx));
  return GEOCL_OK;
}

/* Φ(x) and φ(x) of the standard normal */
static double normal_cdf(double x) { return 0.5 * (1.0 + erf(x / sqrt(2.0))); }
static double normal_pdf(double x) { return exp(-0.5 * x * x) / sqrt(2.0 * M_PI); }

static double apply_unary(geocl_unop op, double x, double alpha) {
  switch (op) {
  case GEOCL_UN_SCALE: return alpha * x;
  case GEOCL_UN_ADDS: return x + alpha;
  case GEOCL_UN_EXP: return exp(x);
  case GEOCL_UN_LOG: return log(x);
  case GEOCL_UN_SQRT: return sqrt(x);
  case GEOCL_UN_GELU: return x * normal_cdf(x);
  case GEOCL_UN_RELU: return x > 0 ? x : 0;
  case GEOCL_UN_SQUARE: return x * x;
  case GEOCL_UN_ABS: return fabs(x);
  case GEOCL_UN_SIGMOID: return 1 / (1 + exp(-x));
  case GEOCL_UN_TANH: return tanh(x);
  case GEOCL_UN_SOFTPLUS: return alpha * x > 20 ? x : log1p(exp(alpha * x)) / alpha;
  case GEOCL_UN_CLAMP_MIN: return x < alpha ? alpha : x;
  case GEOCL_UN_CLAMP_MAX: return x > alpha ? alpha : x;
  default: return NAN;
  }
}

/* derivative f'(x), given y = f(x) */
static double derivative(geocl_unop op, double x, double y, double alpha) {
  switch (op) {
  case GEOCL_UN_SCALE: return alpha;
  case GEOCL_UN_ADDS: return 1;
  case GEOCL_UN_EXP: return y;
  case GEOCL_UN_LOG: return 1 / x;
  case GEOCL_UN_SQRT: return 0.5 / y;
  case GEOCL_UN_GELU: return normal_cdf(x) + x * normal_pdf(x);
  case GEOCL_UN_RELU: return x > 0 ? 1 : 0;
  case GEOCL_UN_SQUARE: return 2 * x;
  case GEOCL_UN_ABS: return x > 0 ? 1 : (x < 0 ? -1 : 0);
  case GEOCL_UN_SIGMOID: return y * (1 - y);
  case GEOCL_UN_TANH: return 1 - y * y;
  case GEOCL_UN_SOFTPLUS: return alpha * x > 20 ? 1 : 1 / (1 + exp(-alpha * x));
  case GEOCL_UN_CLAMP_MIN: return x >= alpha ? 1 : 0;
  case GEOCL_UN_CLAMP_MAX: return x <= alpha ? 1 : 0;
  default: return NAN;
  }
}

geocl_status ref_unary(geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  for (int64_t i = 0; i < n; i++) Y[i] = (float)apply_unary(op, X[i], alpha);
  return GEOCL_OK;
}

geocl_status ref_unary_backward(geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y,
                                geocl_bref dy, geocl_bref dx) {
  const float *X = REF_F32(x), *Y = REF_F32(y), *DY = REF_F32(dy);
  float *DX = REF_F32(dx);
  for (int64_t i = 0; i < n; i++) DX[i] = (float)((double)DY[i] * derivative(op, X[i], Y[i], alpha));
  return GEOCL_OK;
}
