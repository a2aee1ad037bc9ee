/* SPDX-License-Identifier: MIT */
/* Input generation and comparison for the table-driven op tests. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"

static int64_t numel(const op_input *in) {
  int64_t n = 1;
  for (int i = 0; i < in->ndim; i++) n *= in->shape[i];
  return n;
}

void *harness_make_input(const op_case *c, int i, unsigned seed) {
  const op_input *in = &c->in[i];
  int64_t n = numel(in);
  geocl_rng r;
  geocl_rng_init(&r, seed * 7919u + (unsigned)i);
  void *buf = malloc((size_t)(n > 0 ? n : 1) * 4);
  ck_assert_ptr_nonnull(buf);
  float *f = buf;
  int32_t *q = buf;
  switch (in->kind) {
  case IN_UNIFORM:
    geocl_rng_uniform(&r, f, (size_t)n);
    for (int64_t k = 0; k < n; k++) f[k] = in->lo + (in->hi - in->lo) * f[k];
    break;
  case IN_NONZERO:
    geocl_rng_uniform(&r, f, (size_t)n);
    for (int64_t k = 0; k < n; k++) {
      float v = in->lo + (in->hi - in->lo) * f[k];
      if (fabsf(v) < 0.1f) v = v < 0 ? v - 0.1f : v + 0.1f;
      f[k] = v;
    }
    break;
  case IN_MASK:
    geocl_rng_uniform(&r, f, (size_t)n);
    for (int64_t k = 0; k < n; k++) f[k] = f[k] < 0.5f ? 1.0f : 0.0f;
    if (n > 0) f[0] = 1.0f;
    break;
  case IN_INT:
    for (int64_t k = 0; k < n; k++) q[k] = (int32_t)geocl_rng_below(&r, (uint32_t)in->range);
    break;
  case IN_INDEX: {
    int64_t kdim = in->shape[in->ndim - 1], rows = kdim ? n / kdim : 0;
    int32_t *perm = malloc((size_t)in->range * sizeof *perm);
    for (int64_t row = 0; row < rows; row++) {
      geocl_rng_permutation(&r, perm, (size_t)in->range);
      memcpy(q + row * kdim, perm, (size_t)kdim * sizeof *q);
    }
    free(perm);
    break;
  }
  }
  return buf;
}

void harness_upload(geocl_ctx *ctx, const op_case *c, void *const *host, geocl_tensor **out) {
  for (int i = 0; i < c->n_in; i++) {
    const op_input *in = &c->in[i];
    geocl_dtype dt = (in->kind == IN_INT || in->kind == IN_INDEX) ? GEOCL_I32 : GEOCL_F32;
    out[i] = geocl_from_host(ctx, dt, in->ndim, in->shape, host[i]);
    ck_assert_msg(out[i] != NULL, "%s: uploading input %d: %s", c->name, i, geocl_last_error());
    geocl_set_requires_grad(out[i], in->grad);
  }
}

double harness_scaled_err(const float *a, const float *b, size_t n) {
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

int harness_all_cases(const op_case ***cases) {
  int n = 0;
  for (const op_case *const *t = op_case_tables; *t; t++)
    for (const op_case *c = *t; c->name; c++) n++;
  *cases = malloc(sizeof **cases * (size_t)(n ? n : 1));
  n = 0;
  for (const op_case *const *t = op_case_tables; *t; t++)
    for (const op_case *c = *t; c->name; c++) (*cases)[n++] = c;
  return n;
}
