/* SPDX-License-Identifier: MIT */
/* Reference reductions (double accumulation). */
#include "ref.h"

geocl_status ref_sum(geocl_backend *be, int kn, const int64_t *kshape, const int64_t *ks, int rn,
                     const int64_t *rshape, const int64_t *rs, float alpha, geocl_bref x, geocl_bref y) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  for (int d = 0; d < kn; d++)
    if (kshape[d] == 0) return GEOCL_OK;
  int64_t rtotal = 1;
  for (int d = 0; d < rn; d++) rtotal *= rshape[d];
  int64_t kidx[8] = {0}, o = 0;
  do {
    int64_t base = ref_offset(kn, kidx, ks);
    double acc = 0;
    if (rtotal > 0) {
      int64_t ridx[8] = {0};
      do acc += X[base + ref_offset(rn, ridx, rs)];
      while (ref_next_index(rn, rshape, ridx));
    }
    Y[o++] = (float)(alpha * acc);
  } while (ref_next_index(kn, kshape, kidx));
  return GEOCL_OK;
}

geocl_status ref_max_axis(geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref x, geocl_bref y,
                          geocl_bref arg) {
  const float *X = REF_F32(x);
  float *Y = REF_F32(y);
  int32_t *A = REF_I32(arg);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++) {
      const float *p = X + o * len * inner + i;
      int64_t best = 0;
      for (int64_t l = 1; l < len; l++)
        if (p[l * inner] > p[best * inner] || (p[l * inner] != p[l * inner] && p[best * inner] == p[best * inner]))
          best = l; /* a NaN wins, as in torch.max */
      Y[o * inner + i] = p[best * inner];
      A[o * inner + i] = (int32_t)best;
    }
  return GEOCL_OK;
}

geocl_status ref_max_axis_backward(geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref arg,
                                   geocl_bref dy, geocl_bref dx) {
  const int32_t *A = REF_I32(arg);
  const float *DY = REF_F32(dy);
  float *DX = REF_F32(dx);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t l = 0; l < len; l++)
      for (int64_t i = 0; i < inner; i++)
        DX[(o * len + l) * inner + i] = A[o * inner + i] == l ? DY[o * inner + i] : 0.0f;
  return GEOCL_OK;
}
