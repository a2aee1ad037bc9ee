/* SPDX-License-Identifier: MIT */
/* Reference LayerNorm over rows (double accumulation). */
#include <math.h>

#include "ref.h"

/* γ and β of column c, or the identity when the affine part is absent. */
static double gamma_at(geocl_bref gamma, int64_t c) { return gamma.mem ? REF_F32(gamma)[c] : 1.0; }
static double beta_at(geocl_bref beta, int64_t c) { return beta.mem ? REF_F32(beta)[c] : 0.0; }

geocl_status ref_layernorm(geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref gamma,
                           geocl_bref beta, geocl_bref y, geocl_bref mean, geocl_bref rstd) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y), *M = REF_F32(mean), *R = REF_F32(rstd);
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = X + r * cols;
    float *yr = Y + r * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; c++) s += xr[c];
    double mu = s / (double)cols, v = 0;
    for (int64_t c = 0; c < cols; c++) v += ((double)xr[c] - mu) * ((double)xr[c] - mu);
    double rs = 1.0 / sqrt(v / (double)cols + eps);
    for (int64_t c = 0; c < cols; c++)
      yr[c] = (float)(((double)xr[c] - mu) * rs * gamma_at(gamma, c) + beta_at(beta, c));
    M[r] = (float)mu;
    R[r] = (float)rs;
  }
  return GEOCL_OK;
}

/* With x̂ = (x − μ)·rstd and g = dy·γ:
 * dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) per row; dγ = Σ_rows dy·x̂; dβ = Σ_rows dy. */
geocl_status ref_layernorm_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref x, geocl_bref gamma,
                                    geocl_bref mean, geocl_bref rstd, geocl_bref dy, geocl_bref dx, geocl_bref dgamma,
                                    geocl_bref dbeta) {
  const float *X = REF_F32(x), *M = REF_F32(mean), *R = REF_F32(rstd), *DY = REF_F32(dy);
  float *DX = REF_F32(dx);
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = X + r * cols, *gr = DY + r * cols;
    float *dr = DX + r * cols;
    double mu = M[r], rs = R[r], sg = 0, sgh = 0;
    for (int64_t c = 0; c < cols; c++) {
      double g = gr[c] * gamma_at(gamma, c);
      sg += g;
      sgh += g * ((double)xr[c] - mu) * rs;
    }
    sg /= (double)cols;
    sgh /= (double)cols;
    for (int64_t c = 0; c < cols; c++)
      dr[c] = (float)(rs * (gr[c] * gamma_at(gamma, c) - sg - ((double)xr[c] - mu) * rs * sgh));
  }
  for (int64_t c = 0; c < cols; c++) {
    double sg = 0, sb = 0;
    for (int64_t r = 0; r < rows; r++) {
      double g = DY[r * cols + c];
      sg += g * ((double)X[r * cols + c] - M[r]) * R[r];
      sb += g;
    }
    if (dgamma.mem) REF_F32(dgamma)[c] = (float)sg;
    if (dbeta.mem) REF_F32(dbeta)[c] = (float)sb;
  }
  return GEOCL_OK;
}
