/* SPDX-License-Identifier: MIT */
/* Reference loss kernels: row-wise MSE, CroCo's normalised-pixel target and
 * cross-entropy (double accumulation).  A label outside [0, cols) gives a NaN
 * loss and NaN gradients for its row, on every backend. */
#include <math.h>

#include "ref.h"

geocl_status ref_row_mse(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, geocl_bref target,
                         geocl_bref loss) {
  const float *P = REF_F32(pred), *T = REF_F32(target);
  float *L = REF_F32(loss);
  for (int64_t r = 0; r < rows; r++) {
    double s = 0;
    for (int64_t c = 0; c < cols; c++) {
      double d = (double)P[r * cols + c] - T[r * cols + c];
      s += d * d;
    }
    L[r] = (float)(s / (double)cols);
  }
  return GEOCL_OK;
}

geocl_status ref_row_mse_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, geocl_bref target,
                                  geocl_bref dloss, geocl_bref dpred) {
  const float *P = REF_F32(pred), *T = REF_F32(target), *DL = REF_F32(dloss);
  float *DP = REF_F32(dpred);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < cols; c++) {
      int64_t i = r * cols + c;
      DP[i] = (float)((double)DL[r] * 2.0 * ((double)P[i] - T[i]) / (double)cols);
    }
  return GEOCL_OK;
}

geocl_status ref_normpix(geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref y) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = X + r * cols;
    double mean = 0, ss = 0;
    for (int64_t c = 0; c < cols; c++) mean += xr[c];
    mean /= (double)cols;
    for (int64_t c = 0; c < cols; c++) ss += ((double)xr[c] - mean) * ((double)xr[c] - mean);
    double rstd = 1.0 / sqrt(ss / (double)(cols - 1) + eps);
    for (int64_t c = 0; c < cols; c++) Y[r * cols + c] = (float)(((double)xr[c] - mean) * rstd);
  }
  return GEOCL_OK;
}

geocl_status ref_cross_entropy(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits, geocl_bref labels,
                               geocl_bref loss, geocl_bref lse) {
  const float *X = REF_F32(logits);
  const int32_t *Y = REF_I32(labels);
  float *L = REF_F32(loss), *LSE = REF_F32(lse);
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = X + r * cols;
    double m = -INFINITY, s = 0;
    for (int64_t c = 0; c < cols; c++)
      if (xr[c] > m) m = xr[c];
    for (int64_t c = 0; c < cols; c++) s += exp((double)xr[c] - m);
    double l = m + log(s);
    LSE[r] = (float)l;
    L[r] = Y[r] >= 0 && Y[r] < cols ? (float)(l - xr[Y[r]]) : NAN;
  }
  return GEOCL_OK;
}

geocl_status ref_cross_entropy_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits,
                                        geocl_bref labels, geocl_bref lse, geocl_bref dloss, geocl_bref dlogits) {
  const float *X = REF_F32(logits), *LSE = REF_F32(lse), *DL = REF_F32(dloss);
  const int32_t *Y = REF_I32(labels);
  float *DX = REF_F32(dlogits);
  for (int64_t r = 0; r < rows; r++) {
    int valid = Y[r] >= 0 && Y[r] < cols;
    for (int64_t c = 0; c < cols; c++) {
      double p = exp((double)X[r * cols + c] - LSE[r]);
      DX[r * cols + c] = valid ? (float)((double)DL[r] * (p - (c == Y[r]))) : NAN;
    }
  }
  return GEOCL_OK;
}
