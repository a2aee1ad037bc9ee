/* SPDX-License-Identifier: MIT */
/* Reference 2-D real FFTs: separable direct DFTs in double, any size.  Each
 * transform is a 1-D DFT along the rows followed by one along the columns
 * (or the reverse for the inverse), through a double scratch array. */
#include <math.h>
#include <stdlib.h>

#include "ref.h"

/* e^{−2πi·k/n} for k < n: twiddles indexed by (u·m) mod n stay exact. */
static double *twiddles(int64_t n) {
  double *t = malloc(sizeof(double) * 2 * (size_t)n);
  if (!t) return NULL;
  for (int64_t k = 0; k < n; k++) {
    double a = 2.0 * M_PI * (double)k / (double)n;
    t[2 * k] = cos(a);
    t[2 * k + 1] = -sin(a);
  }
  return t;
}

/* Scratch for one image: row twiddles, column twiddles, a complex h × (w/2+1) array. */
typedef struct dft_work {
  double *tw_w, *tw_h, *mid;
} dft_work;

static geocl_status work_alloc(dft_work *d, int64_t h, int64_t w, const char *op) {
  d->tw_w = twiddles(w);
  d->tw_h = twiddles(h);
  d->mid = malloc(sizeof(double) * 2 * (size_t)(h * (w / 2 + 1)));
  if (d->tw_w && d->tw_h && d->mid) return GEOCL_OK;
  free(d->tw_w);
  free(d->tw_h);
  free(d->mid);
  return geocl_set_error(GEOCL_E_NOMEM, "reference %s: out of host memory for a %lldx%lld transform", op,
                         (long long)h, (long long)w);
}

static void work_free(dft_work *d) {
  free(d->tw_w);
  free(d->tw_h);
  free(d->mid);
}

geocl_status ref_rfft2(geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref x, geocl_bref X) {
  int64_t wc = w / 2 + 1;
  dft_work d;
  geocl_status st = work_alloc(&d, h, w, "rfft2");
  if (st != GEOCL_OK) return st;
  for (int64_t b = 0; b < batch; b++) {
    const float *img = REF_F32(x) + b * h * w;
    float *out = REF_F32(X) + b * h * wc * 2;
    /* rows: mid[m,v] = Σ_n x[m,n]·e^{−2πi·vn/w} */
    for (int64_t m = 0; m < h; m++)
      for (int64_t v = 0; v < wc; v++) {
        double re = 0, im = 0;
        for (int64_t n = 0; n < w; n++) {
          const double *t = d.tw_w + 2 * ((v * n) % w);
          re += img[m * w + n] * t[0];
          im += img[m * w + n] * t[1];
        }
        d.mid[2 * (m * wc + v)] = re;
        d.mid[2 * (m * wc + v) + 1] = im;
      }
    /* columns: X[u,v] = Σ_m mid[m,v]·e^{−2πi·um/h} */
    for (int64_t u = 0; u < h; u++)
      for (int64_t v = 0; v < wc; v++) {
        double re = 0, im = 0;
        for (int64_t m = 0; m < h; m++) {
          const double *t = d.tw_h + 2 * ((u * m) % h), *z = d.mid + 2 * (m * wc + v);
          re += z[0] * t[0] - z[1] * t[1];
          im += z[0] * t[1] + z[1] * t[0];
        }
        out[2 * (u * wc + v)] = (float)re;
        out[2 * (u * wc + v) + 1] = (float)im;
      }
  }
  work_free(&d);
  return GEOCL_OK;
}

geocl_status ref_irfft2(geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref X, geocl_bref x) {
  int64_t wc = w / 2 + 1;
  dft_work d;
  geocl_status st = work_alloc(&d, h, w, "irfft2");
  if (st != GEOCL_OK) return st;
  for (int64_t b = 0; b < batch; b++) {
    const float *in = REF_F32(X) + b * h * wc * 2;
    float *img = REF_F32(x) + b * h * w;
    /* columns: mid[m,v] = Σ_u X[u,v]·e^{+2πi·um/h} (conjugated twiddles) */
    for (int64_t m = 0; m < h; m++)
      for (int64_t v = 0; v < wc; v++) {
        double re = 0, im = 0;
        for (int64_t u = 0; u < h; u++) {
          const double *t = d.tw_h + 2 * ((u * m) % h);
          const float *z = in + 2 * (u * wc + v);
          re += z[0] * t[0] + z[1] * t[1];
          im += z[1] * t[0] - z[0] * t[1];
        }
        d.mid[2 * (m * wc + v)] = re;
        d.mid[2 * (m * wc + v) + 1] = im;
      }
    /* rows: x[m,n] = (1/hw)·Σ_v c_v·Re(mid[m,v]·e^{+2πi·vn/w}), c_v = 1 at v = 0
     * and v = w/2 (w even), else 2 */
    for (int64_t m = 0; m < h; m++)
      for (int64_t n = 0; n < w; n++) {
        double s = 0;
        for (int64_t v = 0; v < wc; v++) {
          const double *t = d.tw_w + 2 * ((v * n) % w), *z = d.mid + 2 * (m * wc + v);
          double c = (v == 0 || 2 * v == w) ? 1.0 : 2.0;
          s += c * (z[0] * t[0] + z[1] * t[1]);
        }
        img[m * w + n] = (float)(s / (double)(h * w));
      }
  }
  work_free(&d);
  return GEOCL_OK;
}
