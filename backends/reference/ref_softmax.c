/* SPDX-License-Identifier: MIT */
/* Reference softmax / log-softmax over rows (double accumulation). */
#include <math.h>

#include "ref.h"

geocl_status ref_softmax(geocl_backend *be, int64_t rows, int64_t cols, int log_out, geocl_bref x, geocl_bref y) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  for (int64_t r = 0; r < rows; r++) {
    const float *xr = X + r * cols;
    float *yr = Y + r * cols;
    double m = -INFINITY;
    for (int64_t c = 0; c < cols; c++)
      if (xr[c] > m) m = xr[c];
    double s = 0;
    for (int64_t c = 0; c < cols; c++) s += exp((double)xr[c] - m);
    double lse = m + log(s);
    for (int64_t c = 0; c < cols; c++) yr[c] = (float)(log_out ? xr[c] - lse : exp((double)xr[c] - lse));
  }
  return GEOCL_OK;
}

/* softmax: dx = y·(dy − Σ dy·y); log-softmax: dx = dy − exp(y)·Σ dy */
geocl_status ref_softmax_backward(geocl_backend *be, int64_t rows, int64_t cols, int log_out, geocl_bref y,
                                  geocl_bref dy, geocl_bref dx) {
  const float *Y = REF_F32(y), *DY = REF_F32(dy);
  float *DX = REF_F32(dx);
  for (int64_t r = 0; r < rows; r++) {
    const float *yr = Y + r * cols, *g = DY + r * cols;
    float *d = DX + r * cols;
    double s = 0;
    for (int64_t c = 0; c < cols; c++) s += log_out ? (double)g[c] : (double)g[c] * yr[c];
    for (int64_t c = 0; c < cols; c++)
      d[c] = (float)(log_out ? g[c] - exp((double)yr[c]) * s : yr[c] * ((double)g[c] - s));
  }
  return GEOCL_OK;
}
