/* SPDX-License-Identifier: MIT */
/* Reference GEMM: row-major, double accumulation. */
#include "ref.h"

geocl_status ref_gemm(geocl_backend *be, const geocl_gemm_args *g) {
  for (int64_t b = 0; b < g->batch; b++) {
    const float *A = REF_F32(g->a) + b * g->stride_a;
    const float *B = REF_F32(g->b) + b * g->stride_b;
    float *C = REF_F32(g->c) + b * g->stride_c;
    const float *bias = g->bias.mem ? REF_F32(g->bias) : NULL;
    for (int64_t i = 0; i < g->m; i++)
      for (int64_t j = 0; j < g->n; j++) {
        double acc = 0.0;
        for (int64_t p = 0; p < g->k; p++) {
          float av = g->trans_a ? A[p * g->lda + i] : A[i * g->lda + p];
          float bv = g->trans_b ? B[j * g->ldb + p] : B[p * g->ldb + j];
          acc += (double)av * (double)bv;
        }
        float *c = &C[i * g->ldc + j];
        /* beta = 0 overwrites, so stale NaNs in C do not leak through */
        *c = (float)(g->alpha * acc + (bias ? (double)bias[j] : 0.0) + (g->beta != 0.0f ? (double)g->beta * *c : 0.0));
      }
  }
  return GEOCL_OK;
}
