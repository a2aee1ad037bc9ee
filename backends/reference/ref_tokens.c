/* SPDX-License-Identifier: MIT */
/* Reference gather / scatter of rows by i32 index.  An index outside the
 * row range is an error naming the op and the index (checked before any
 * write, so the output is untouched). */
#include <string.h>

#include "ref.h"

static geocl_status check_indices(const char *op, int64_t batch, int64_t nidx, const int32_t *idx, int64_t nrows) {
  for (int64_t b = 0; b < batch; b++)
    for (int64_t k = 0; k < nidx; k++) {
      int32_t i = idx[b * nidx + k];
      if (i < 0 || i >= nrows)
        return geocl_set_error(GEOCL_E_INVALID, "%s: index %d at idx[%lld, %lld] is outside the %lld rows [0, %lld)",
                               op, (int)i, (long long)b, (long long)k, (long long)nrows, (long long)nrows);
    }
  return GEOCL_OK;
}

geocl_status ref_gather_rows(geocl_backend *be, int64_t batch, int64_t nsrc, int64_t nidx, int64_t cols, geocl_bref x,
                             geocl_bref idx, geocl_bref y) {
  const int32_t *I = REF_I32(idx);
  geocl_status st = check_indices("gather_rows", batch, nidx, I, nsrc);
  if (st != GEOCL_OK) return st;
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  for (int64_t b = 0; b < batch; b++)
    for (int64_t k = 0; k < nidx; k++)
      memcpy(Y + (b * nidx + k) * cols, X + (b * nsrc + I[b * nidx + k]) * cols, (size_t)cols * sizeof *Y);
  return GEOCL_OK;
}

geocl_status ref_scatter_rows(geocl_backend *be, int64_t batch, int64_t ndst, int64_t nidx, int64_t cols, geocl_bref x,
                              geocl_bref idx, geocl_bref y, int accumulate) {
  const int32_t *I = REF_I32(idx);
  geocl_status st = check_indices("scatter_rows", batch, nidx, I, ndst);
  if (st != GEOCL_OK) return st;
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  for (int64_t b = 0; b < batch; b++)
    for (int64_t k = 0; k < nidx; k++) {
      const float *src = X + (b * nidx + k) * cols;
      float *dst = Y + (b * ndst + I[b * nidx + k]) * cols;
      for (int64_t c = 0; c < cols; c++) dst[c] = accumulate ? dst[c] + src[c] : src[c];
    }
  return GEOCL_OK;
}
