/* SPDX-License-Identifier: MIT */
/* Reference kernels: fill, strided copy, random numbers. */
#include <string.h>

#include <geocl/rng.h>

#include "ref.h"

int ref_next_index(int ndim, const int64_t *shape, int64_t *idx) {
  for (int d = ndim - 1; d >= 0; d--) {
    if (++idx[d] < shape[d]) return 1;
    idx[d] = 0;
  }
  return 0;
}

int64_t ref_offset(int ndim, const int64_t *idx, const int64_t *stride) {
  int64_t o = 0;
  for (int d = 0; d < ndim; d++) o += idx[d] * stride[d];
  return o;
}

geocl_status ref_fill(geocl_backend *be, int64_t n, uint32_t bits, geocl_bref y) {
  uint32_t *p = (uint32_t *)y.mem + y.off;
  for (int64_t i = 0; i < n; i++) p[i] = bits;
  return GEOCL_OK;
}

geocl_status ref_copy(geocl_backend *be, int ndim, const int64_t *shape, geocl_bref x, const int64_t *xs,
                      geocl_bref y, const int64_t *ys, int accumulate) {
  for (int d = 0; d < ndim; d++)
    if (shape[d] == 0) return GEOCL_OK;
  int64_t idx[8] = {0};
  const uint32_t *src = (const uint32_t *)x.mem + x.off;
  uint32_t *dst = (uint32_t *)y.mem + y.off;
  do {
    int64_t xo = ref_offset(ndim, idx, xs), yo = ref_offset(ndim, idx, ys);
    if (accumulate) ((float *)dst)[yo] += ((const float *)src)[xo];
    else dst[yo] = src[xo];
  } while (ref_next_index(ndim, shape, idx));
  return GEOCL_OK;
}

geocl_status ref_rand_uniform(geocl_backend *be, int64_t n, uint64_t seed, uint64_t counter, geocl_bref y) {
  float *p = REF_F32(y);
  uint32_t w[4];
  for (int64_t i = 0; i < n; i++) {
    if (i % 4 == 0) geocl_philox4x32(seed, counter + (uint64_t)(i / 4), w);
    p[i] = geocl_u32_to_unit(w[i % 4]);
  }
  return GEOCL_OK;
}
