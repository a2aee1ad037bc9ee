/* SPDX-License-Identifier: MIT */
/* Reference resampling along one axis: x [outer, lin, inner] → y [outer, lout, inner]. */
#include <math.h>
#include <stdlib.h>

#include "ref.h"

/* The input taps of output o and their weights; returns how many (≤ 4).
 * Coordinates in float, as PyTorch computes them for float tensors. */
static int taps(geocl_resample_mode mode, int align, int64_t lin, int64_t lout, int64_t o, int64_t *at, double *w) {
  if (mode == GEOCL_RESAMPLE_NEAREST) {
    float s = (float)lin / (float)lout;
    int64_t i = (int64_t)floorf((float)o * s);
    at[0] = i < lin - 1 ? i : lin - 1;
    w[0] = 1;
    return 1;
  }
  float s = align ? (lout > 1 ? (float)(lin - 1) / (float)(lout - 1) : 0.0f) : (float)lin / (float)lout;
  float src = align ? s * (float)o : s * ((float)o + 0.5f) - 0.5f;
  if (mode == GEOCL_RESAMPLE_LINEAR) {
    if (src < 0) src = 0;
    int64_t i = (int64_t)src;
    float l1 = fminf(fmaxf(src - (float)i, 0.0f), 1.0f);
    at[0] = i;
    at[1] = i < lin - 1 ? i + 1 : i;
    w[0] = 1.0 - l1;
    w[1] = l1;
    return 2;
  }
  /* cubic convolution, A = −0.75, taps i−1 … i+2 clamped to the input */
  int64_t i = (int64_t)floorf(src);
  double t = (double)(src - (float)i), A = -0.75;
  double u = t + 1, v = 1 - t, z = 2 - t;
  w[0] = ((A * u - 5 * A) * u + 8 * A) * u - 4 * A;
  w[1] = ((A + 2) * t - (A + 3)) * t * t + 1;
  w[2] = ((A + 2) * v - (A + 3)) * v * v + 1;
  w[3] = ((A * z - 5 * A) * z + 8 * A) * z - 4 * A;
  for (int k = 0; k < 4; k++) {
    int64_t j = i - 1 + k;
    at[k] = j < 0 ? 0 : j >= lin ? lin - 1 : j;
  }
  return 4;
}

geocl_status ref_resample(geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer, int64_t lin,
                          int64_t lout, int64_t inner, geocl_bref x, geocl_bref y) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  for (int64_t o = 0; o < lout; o++) {
    int64_t at[4];
    double w[4];
    int n = taps(mode, align_corners, lin, lout, o, at, w);
    for (int64_t b = 0; b < outer; b++)
      for (int64_t k = 0; k < inner; k++) {
        double s = 0;
        for (int t = 0; t < n; t++) s += w[t] * X[(b * lin + at[t]) * inner + k];
        Y[(b * lout + o) * inner + k] = (float)s;
      }
  }
  return GEOCL_OK;
}

geocl_status ref_resample_backward(geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer,
                                   int64_t lin, int64_t lout, int64_t inner, geocl_bref dy, geocl_bref dx) {
  const float *DY = REF_F32(dy);
  float *DX = REF_F32(dx);
  size_t n_in = (size_t)(outer * lin * inner);
  double *acc = calloc(n_in ? n_in : 1, sizeof *acc);
  if (!acc) return geocl_set_error(GEOCL_E_NOMEM, "resample backward: out of host memory");
  for (int64_t o = 0; o < lout; o++) {
    int64_t at[4];
    double w[4];
    int n = taps(mode, align_corners, lin, lout, o, at, w);
    for (int64_t b = 0; b < outer; b++)
      for (int64_t k = 0; k < inner; k++)
        for (int t = 0; t < n; t++) acc[(b * lin + at[t]) * inner + k] += w[t] * DY[(b * lout + o) * inner + k];
  }
  for (size_t i = 0; i < n_in; i++) DX[i] = (float)acc[i];
  free(acc);
  return GEOCL_OK;
}
