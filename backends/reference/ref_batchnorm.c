/* SPDX-License-Identifier: MIT */
/* Reference batch-norm kernels over x [outer, c, inner], per channel. */
#include <math.h>

#include "ref.h"

/* Element (o, i) of channel ch. */
#define AT(p, o, ch, i) ((p)[((o) * c + (ch)) * inner + (i)])

static double param(geocl_bref p, int64_t ch, double absent) { return p.mem ? REF_F32(p)[ch] : absent; }

geocl_status ref_batchnorm_stats(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, geocl_bref x,
                                 geocl_bref mean, geocl_bref var) {
  const float *X = REF_F32(x);
  double m = (double)outer * (double)inner;
  for (int64_t ch = 0; ch < c; ch++) {
    double s = 0, q = 0;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++) s += AT(X, o, ch, i);
    double mu = s / m;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++) q += (AT(X, o, ch, i) - mu) * (AT(X, o, ch, i) - mu);
    REF_F32(mean)[ch] = (float)mu;
    REF_F32(var)[ch] = (float)(q / m);
  }
  return GEOCL_OK;
}

geocl_status ref_batchnorm_stats_backward(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, geocl_bref x,
                                          geocl_bref mean, geocl_bref dmean, geocl_bref dvar, geocl_bref dx,
                                          int accumulate) {
  const float *X = REF_F32(x);
  float *DX = REF_F32(dx);
  double m = (double)outer * (double)inner;
  for (int64_t ch = 0; ch < c; ch++) {
    double mu = REF_F32(mean)[ch], dm = REF_F32(dmean)[ch] / m, dv = 2.0 * REF_F32(dvar)[ch] / m;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++) {
        double d = dm + dv * (AT(X, o, ch, i) - mu);
        AT(DX, o, ch, i) = (float)(accumulate ? AT(DX, o, ch, i) + d : d);
      }
  }
  return GEOCL_OK;
}

geocl_status ref_batchnorm(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps, int relu,
                           geocl_bref x, geocl_bref mean, geocl_bref var, geocl_bref gamma, geocl_bref beta,
                           geocl_bref residual, geocl_bref y) {
  const float *X = REF_F32(x), *R = residual.mem ? REF_F32(residual) : NULL;
  float *Y = REF_F32(y);
  for (int64_t ch = 0; ch < c; ch++) {
    double mu = REF_F32(mean)[ch], r = 1.0 / sqrt((double)REF_F32(var)[ch] + eps);
    double g = param(gamma, ch, 1), b = param(beta, ch, 0);
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++) {
        double v = (AT(X, o, ch, i) - mu) * r * g + b + (R ? AT(R, o, ch, i) : 0);
        AT(Y, o, ch, i) = (float)(relu && !(v > 0) ? 0 : v);
      }
  }
  return GEOCL_OK;
}

/* dy, masked by y > 0 when the ReLU was fused */
static double grad_in(int relu, const float *Y, const float *DY, int64_t at) {
  return relu && !(Y[at] > 0) ? 0 : DY[at];
}

geocl_status ref_batchnorm_backward_reduce(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps,
                                           int relu, geocl_bref x, geocl_bref mean, geocl_bref var, geocl_bref gamma,
                                           geocl_bref y, geocl_bref dy, geocl_bref dgamma, geocl_bref dbeta,
                                           geocl_bref dmean, geocl_bref dvar) {
  const float *X = REF_F32(x), *DY = REF_F32(dy), *Y = relu ? REF_F32(y) : NULL;
  for (int64_t ch = 0; ch < c; ch++) {
    double mu = REF_F32(mean)[ch], r = 1.0 / sqrt((double)REF_F32(var)[ch] + eps), g = param(gamma, ch, 1);
    double sg = 0, sgx = 0;
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++) {
        int64_t at = (o * c + ch) * inner + i;
        double d = grad_in(relu, Y, DY, at);
        sg += d;
        sgx += d * (X[at] - mu);
      }
    if (dgamma.mem) REF_F32(dgamma)[ch] = (float)(r * sgx);
    if (dbeta.mem) REF_F32(dbeta)[ch] = (float)sg;
    if (dmean.mem) REF_F32(dmean)[ch] = (float)(-g * r * sg);
    if (dvar.mem) REF_F32(dvar)[ch] = (float)(-0.5 * g * r * r * r * sgx);
  }
  return GEOCL_OK;
}

geocl_status ref_batchnorm_backward(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps, int relu,
                                    geocl_bref var, geocl_bref gamma, geocl_bref y, geocl_bref dy, geocl_bref dx,
                                    geocl_bref dres) {
  const float *DY = REF_F32(dy), *Y = relu ? REF_F32(y) : NULL;
  float *DX = dx.mem ? REF_F32(dx) : NULL, *DR = dres.mem ? REF_F32(dres) : NULL;
  for (int64_t ch = 0; ch < c; ch++) {
    double k = param(gamma, ch, 1) / sqrt((double)REF_F32(var)[ch] + eps);
    for (int64_t o = 0; o < outer; o++)
      for (int64_t i = 0; i < inner; i++) {
        int64_t at = (o * c + ch) * inner + i;
        double g = grad_in(relu, Y, DY, at);
        if (DX) DX[at] = (float)(g * k);
        if (DR) DR[at] = (float)g;
      }
  }
  return GEOCL_OK;
}

geocl_status ref_batchnorm_update_running(geocl_backend *be, int64_t c, float momentum, float unbias, geocl_bref mean,
                                          geocl_bref var, geocl_bref running_mean, geocl_bref running_var,
                                          geocl_bref count) {
  double m = momentum;
  for (int64_t ch = 0; ch < c; ch++) {
    float *rm = REF_F32(running_mean) + ch, *rv = REF_F32(running_var) + ch;
    *rm = (float)((1 - m) * *rm + m * REF_F32(mean)[ch]);
    *rv = (float)((1 - m) * *rv + m * (double)REF_F32(var)[ch] * unbias);
  }
  if (count.mem) REF_F32(count)[0] += 1.0f;
  return GEOCL_OK;
}
