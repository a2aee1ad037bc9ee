/* SPDX-License-Identifier: MIT */
/* Reference optimiser kernels over flat buffers (double arithmetic, one
 * rounding per stored value): PyTorch's AdamW and SGD, and the gradient
 * clipping coefficient. */
#include <math.h>

#include "ref.h"

static double grad_scale(geocl_bref s) { return s.mem ? (double)*REF_F32(s) : 1.0; }

geocl_status ref_adamw(geocl_backend *be, const geocl_adamw_args *a) {
  float *p = REF_F32(a->param), *m = REF_F32(a->m), *v = REF_F32(a->v);
  const float *g = REF_F32(a->grad);
  double s = grad_scale(a->grad_scale);
  double b1 = a->beta1, b2 = a->beta2;
  double step_size = (double)a->lr / a->bias_correction1, bc2_sqrt = sqrt((double)a->bias_correction2);
  for (int64_t i = 0; i < a->n; i++) {
    double gi = g[i] * s;
    double pi = p[i] * (1.0 - (double)a->lr * a->weight_decay);
    double mi = b1 * m[i] + (1.0 - b1) * gi;
    double vi = b2 * v[i] + (1.0 - b2) * gi * gi;
    m[i] = (float)mi;
    v[i] = (float)vi;
    p[i] = (float)(pi - step_size * mi / (sqrt(vi) / bc2_sqrt + a->eps));
  }
  return GEOCL_OK;
}

geocl_status ref_sgd(geocl_backend *be, const geocl_sgd_args *a) {
  float *p = REF_F32(a->param);
  const float *g = REF_F32(a->grad);
  float *buf = a->momentum != 0 ? REF_F32(a->buf) : NULL;
  double s = grad_scale(a->grad_scale);
  for (int64_t i = 0; i < a->n; i++) {
    double d = g[i] * s + (double)a->weight_decay * p[i];
    if (buf) {
      double b = a->first_step ? d : (double)a->momentum * buf[i] + (1.0 - a->dampening) * d;
      buf[i] = (float)b;
      d = a->nesterov ? d + (double)a->momentum * b : b;
    }
    p[i] = (float)(p[i] - (double)a->lr * d);
  }
  return GEOCL_OK;
}

geocl_status ref_clip_coef(geocl_backend *be, float max_norm, geocl_bref sumsq, geocl_bref out) {
  double c = max_norm / (sqrt((double)*REF_F32(sumsq)) + 1e-6);
  *REF_F32(out) = (float)(c < 1.0 ? c : 1.0);
  return GEOCL_OK;
}
