/* SPDX-License-Identifier: MIT */
/* Reference convolution and pooling kernels over NCHW windows: im2col, its
 * adjoint col2im, and max pooling. */
#include <math.h>
#include <stdlib.h>

#include "ref.h"

/* Input row/column of window tap (ky, kx) at output (oy, ox); false in the padding. */
static int tap(const geocl_window2d *g, int64_t oy, int64_t ox, int64_t ky, int64_t kx, int64_t *r, int64_t *s) {
  *r = oy * g->sh - g->ph + ky * g->dh;
  *s = ox * g->sw - g->pw + kx * g->dw;
  return *r >= 0 && *r < g->h && *s >= 0 && *s < g->w;
}

geocl_status ref_im2col(geocl_backend *be, const geocl_window2d *g, geocl_bref x, geocl_bref col) {
  const float *X = REF_F32(x);
  float *C = REF_F32(col);
  int64_t cols = g->n * g->oh * g->ow;
  for (int64_t ci = 0; ci < g->c; ci++)
    for (int64_t ky = 0; ky < g->kh; ky++)
      for (int64_t kx = 0; kx < g->kw; kx++) {
        float *row = C + ((ci * g->kh + ky) * g->kw + kx) * cols;
        for (int64_t b = 0; b < g->n; b++)
          for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++) {
              int64_t r, s;
              *row++ = tap(g, oy, ox, ky, kx, &r, &s) ? X[((b * g->c + ci) * g->h + r) * g->w + s] : 0.0f;
            }
      }
  return GEOCL_OK;
}

geocl_status ref_col2im(geocl_backend *be, const geocl_window2d *g, geocl_bref col, geocl_bref x) {
  const float *C = REF_F32(col);
  float *X = REF_F32(x);
  int64_t cols = g->n * g->oh * g->ow, plane = g->h * g->w;
  for (int64_t b = 0; b < g->n; b++)
    for (int64_t ci = 0; ci < g->c; ci++) {
      /* accumulate the plane in double, scattering from each tap */
      double *acc = calloc((size_t)(plane ? plane : 1), sizeof *acc);
      if (!acc) return geocl_set_error(GEOCL_E_NOMEM, "col2im: out of host memory");
      for (int64_t ky = 0; ky < g->kh; ky++)
        for (int64_t kx = 0; kx < g->kw; kx++) {
          const float *row = C + ((ci * g->kh + ky) * g->kw + kx) * cols + b * g->oh * g->ow;
          for (int64_t oy = 0; oy < g->oh; oy++)
            for (int64_t ox = 0; ox < g->ow; ox++) {
              int64_t r, s;
              if (tap(g, oy, ox, ky, kx, &r, &s)) acc[r * g->w + s] += row[oy * g->ow + ox];
            }
        }
      float *out = X + (b * g->c + ci) * plane;
      for (int64_t i = 0; i < plane; i++) out[i] = (float)acc[i];
      free(acc);
    }
  return GEOCL_OK;
}

geocl_status ref_max_pool2d(geocl_backend *be, const geocl_window2d *g, geocl_bref x, geocl_bref y, geocl_bref arg) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  int32_t *A = REF_I32(arg);
  for (int64_t p = 0; p < g->n * g->c; p++) {
    const float *in = X + p * g->h * g->w;
    for (int64_t oy = 0; oy < g->oh; oy++)
      for (int64_t ox = 0; ox < g->ow; ox++) {
        float best = -INFINITY;
        int64_t at = -1;
        for (int64_t ky = 0; ky < g->kh; ky++)
          for (int64_t kx = 0; kx < g->kw; kx++) {
            int64_t r, s;
            if (!tap(g, oy, ox, ky, kx, &r, &s)) continue;
            float v = in[r * g->w + s];
            if (at < 0 || v > best || (isnan(v) && !isnan(best))) {
              best = v;
              at = r * g->w + s;
            }
          }
        int64_t o = (p * g->oh + oy) * g->ow + ox;
        Y[o] = best;
        A[o] = (int32_t)at;
      }
  }
  return GEOCL_OK;
}

geocl_status ref_max_pool2d_backward(geocl_backend *be, const geocl_window2d *g, geocl_bref arg, geocl_bref dy,
                                     geocl_bref dx) {
  const int32_t *A = REF_I32(arg);
  const float *DY = REF_F32(dy);
  float *DX = REF_F32(dx);
  int64_t plane = g->h * g->w, out = g->oh * g->ow;
  for (int64_t p = 0; p < g->n * g->c; p++) {
    double *acc = calloc((size_t)(plane ? plane : 1), sizeof *acc);
    if (!acc) return geocl_set_error(GEOCL_E_NOMEM, "max_pool2d backward: out of host memory");
    for (int64_t o = 0; o < out; o++)
      if (A[p * out + o] >= 0) acc[A[p * out + o]] += DY[p * out + o];
    for (int64_t i = 0; i < plane; i++) DX[p * plane + i] = (float)acc[i];
    free(acc);
  }
  return GEOCL_OK;
}
