/* SPDX-License-Identifier: MIT */
/* The inputs of an op check (geocl/op-check.h): seeded host data per case
 * and input, uploaded as tensors; and the scaled error the checks compare. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/op-check.h>

#include "ops_internal.h"

static int64_t input_numel(const geocl_op_input *in) { return geocl_shape_numel(in->ndim, in->shape); }

/* Distinct values in [0, range) along the last dimension. */
static bool fill_index(const geocl_op_input *in, geocl_rng *r, int32_t *q, int64_t n) {
  int64_t kdim = in->ndim ? in->shape[in->ndim - 1] : 1, rows = kdim ? n / kdim : 0;
  int32_t *perm = malloc((size_t)(in->range > 0 ? in->range : 1) * sizeof *perm);
  if (!perm) return false;
  for (int64_t row = 0; row < rows; row++) {
    geocl_rng_permutation(r, perm, (size_t)in->range);
    memcpy(q + row * kdim, perm, (size_t)kdim * sizeof *q);
  }
  free(perm);
  return true;
}

void *geocl_op_case_input(const geocl_op_case *c, int i, unsigned seed) {
  const geocl_op_input *in = &c->in[i];
  int64_t n = input_numel(in);
  geocl_rng r;
  geocl_rng_init(&r, seed * 7919u + (unsigned)i);
  void *buf = malloc((size_t)(n > 0 ? n : 1) * 4);
  if (!buf) {
    geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory for input %d", c->name, i);
    return NULL;
  }
  float *f = buf;
  int32_t *q = buf;
  switch (in->kind) {
  case GEOCL_OP_UNIFORM:
    geocl_rng_uniform(&r, f, (size_t)n);
    for (int64_t k = 0; k < n; k++) f[k] = in->lo + (in->hi - in->lo) * f[k];
    break;
  case GEOCL_OP_NONZERO:
    geocl_rng_uniform(&r, f, (size_t)n);
    for (int64_t k = 0; k < n; k++) {
      float v = in->lo + (in->hi - in->lo) * f[k];
      if (fabsf(v) < 0.1f) v = v < 0 ? v - 0.1f : v + 0.1f;
      f[k] = v;
    }
    break;
  case GEOCL_OP_MASK:
    geocl_rng_uniform(&r, f, (size_t)n);
    for (int64_t k = 0; k < n; k++) f[k] = f[k] < 0.5f ? 1.0f : 0.0f;
    if (n > 0) f[0] = 1.0f;
    break;
  case GEOCL_OP_INT:
    for (int64_t k = 0; k < n; k++) q[k] = (int32_t)geocl_rng_below(&r, (uint32_t)in->range);
    break;
  case GEOCL_OP_INDEX:
    if (!fill_index(in, &r, q, n)) {
      free(buf);
      geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory for input %d", c->name, i);
      return NULL;
    }
    break;
  }
  return buf;
}

geocl_status geocl_op_case_upload(geocl_ctx *ctx, const geocl_op_case *c, void *const *host, geocl_tensor **out) {
  for (int i = 0; i < c->n_in; i++) {
    const geocl_op_input *in = &c->in[i];
    geocl_dtype dt = (in->kind == GEOCL_OP_INT || in->kind == GEOCL_OP_INDEX) ? GEOCL_I32 : GEOCL_F32;
    out[i] = geocl_from_host(ctx, dt, in->ndim, in->shape, host[i]);
    if (!out[i]) {
      geocl_error_prefix("%s: uploading input %d", c->name, i);
      return geocl_last_status();
    }
    geocl_set_requires_grad(out[i], in->grad);
  }
  return GEOCL_OK;
}

double geocl_op_scaled_err(const float *a, const float *b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    if (isnan(a[i]) != isnan(b[i]) || isfinite(a[i]) != isfinite(b[i])) return INFINITY;
    if (!isfinite(b[i])) continue;
    double d = fabs((double)a[i] - (double)b[i]);
    if (d > num) num = d;
    if (fabs((double)b[i]) > den) den = fabs((double)b[i]);
  }
  if (den == 0) return num;
  return num / den;
}
