/* SPDX-License-Identifier: MIT */
/* Elementwise kernels.  Op numbers follow geocl_binop / geocl_unop. */

#define BIN_ADD 0
#define BIN_SUB 1
#define BIN_MUL 2
#define BIN_DIV 3

#define UN_SCALE 0
#define UN_ADDS 1
#define UN_EXP 2
#define UN_LOG 3
#define UN_SQRT 4
#define UN_GELU 5
#define UN_RELU 6
#define UN_SQUARE 7
#define UN_ABS 8
#define UN_SIGMOID 9
#define UN_TANH 10
#define UN_SOFTPLUS 11
#define UN_CLAMP_MIN 12
#define UN_CLAMP_MAX 13

/* out[o2] = a[o0] op b[o1] over a strided index space (s0: a, s1: b, s2: out) */
__kernel void binary_strided(int op, __global const float *a, ulong aoff, __global const float *b, ulong boff,
                             __global float *out, ulong ooff, DESC_ARG(strided_desc, d)) {
  DESC_OPEN(strided_desc, d);
  long ao, bo, oo, last = d.ndim - 1;
  int count = strided_run(&d, &ao, &bo, &oo);
  for (int j = 0; j < count; j++) {
    float x = a[aoff + ao + j * d.s0[last]], y = b[boff + bo + j * d.s1[last]], r;
    switch (op) {
    case BIN_ADD: r = x + y; break;
    case BIN_SUB: r = x - y; break;
    case BIN_MUL: r = x * y; break;
    default: r = x / y; break;
    }
    out[ooff + oo + j * d.s2[last]] = r;
  }
}

/* out = a op b, all three contiguous: one vector per work-item */
__kernel void binary_contiguous(int op, ulong n, __global const float *a, ulong aoff, __global const float *b,
                                ulong boff, __global float *out, ulong ooff) {
  long i = get_global_id(0);
  if (i * VWIDTH >= n) return;
  vfloat x = load_fv(a + aoff, i, n), y = load_fv(b + boff, i, n), r;
  switch (op) {
  case BIN_ADD: r = x + y; break;
  case BIN_SUB: r = x - y; break;
  case BIN_MUL: r = x * y; break;
  default: r = x / y; break;
  }
  store_fv(r, out + ooff, i, n);
}

inline vfloat normal_cdf(vfloat x) { return 0.5f * (1.0f + erf(x * 0.70710678118654752f)); }
inline vfloat normal_pdf(vfloat x) { return exp(-0.5f * x * x) * 0.39894228040143268f; }

/* One vector per work-item (exact erf GELU is the costly case: see VWIDTH). */
__kernel void unary(int op, ulong n, float alpha, __global const float *x, ulong xoff, __global float *y, ulong yoff) {
  long i = get_global_id(0);
  if (i * VWIDTH >= n) return;
  vfloat v = load_fv(x + xoff, i, n), r;
  switch (op) {
  case UN_SCALE: r = alpha * v; break;
  case UN_ADDS: r = v + alpha; break;
  case UN_EXP: r = exp(v); break;
  case UN_LOG: r = log(v); break;
  case UN_SQRT: r = sqrt(v); break;
  case UN_GELU: r = v * normal_cdf(v); break;
  case UN_RELU: r = select((vfloat)0.0f, v, v > 0.0f); break;
  case UN_SQUARE: r = v * v; break;
  case UN_ABS: r = fabs(v); break;
  case UN_SIGMOID: r = 1.0f / (1.0f + exp(-v)); break;
  case UN_TANH: r = tanh(v); break;
  case UN_SOFTPLUS: r = select(log1p(exp(alpha * v)) / alpha, v, alpha * v > 20.0f); break;
  case UN_CLAMP_MIN: r = select(v, (vfloat)alpha, v < alpha); break; /* NaN stays NaN */
  default: r = select(v, (vfloat)alpha, v > alpha); break;
  }
  store_fv(r, y + yoff, i, n);
}

/* dx = dy · f'(x), y = f(x) */
__kernel void unary_backward(int op, ulong n, float alpha, __global const float *x, ulong xoff,
                             __global const float *y, ulong yoff, __global const float *dy, ulong dyoff,
                             __global float *dx, ulong dxoff) {
  long i = get_global_id(0);
  if (i * VWIDTH >= n) return;
  vfloat v = load_fv(x + xoff, i, n), d;
  switch (op) {
  case UN_SCALE: d = alpha; break;
  case UN_ADDS: d = 1.0f; break;
  case UN_EXP: d = load_fv(y + yoff, i, n); break;
  case UN_LOG: d = 1.0f / v; break;
  case UN_SQRT: d = 0.5f / load_fv(y + yoff, i, n); break;
  case UN_GELU: d = normal_cdf(v) + v * normal_pdf(v); break;
  case UN_RELU: d = select((vfloat)0.0f, (vfloat)1.0f, v > 0.0f); break;
  case UN_SQUARE: d = 2.0f * v; break;
  case UN_ABS: d = select(select((vfloat)0.0f, (vfloat)-1.0f, v < 0.0f), (vfloat)1.0f, v > 0.0f); break;
  case UN_SIGMOID: d = load_fv(y + yoff, i, n) * (1.0f - load_fv(y + yoff, i, n)); break;
  case UN_TANH: d = 1.0f - load_fv(y + yoff, i, n) * load_fv(y + yoff, i, n); break;
  case UN_SOFTPLUS: d = select(1.0f / (1.0f + exp(-alpha * v)), (vfloat)1.0f, alpha * v > 20.0f); break;
  case UN_CLAMP_MIN: d = select((vfloat)0.0f, (vfloat)1.0f, v >= alpha); break;
  default: d = select((vfloat)0.0f, (vfloat)1.0f, v <= alpha); break;
  }
  store_fv(load_fv(dy + dyoff, i, n) * d, dx + dxoff, i, n);
}
