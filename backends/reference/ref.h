/* The reference backend: plain C, one thread, double accumulation.  It is the
 * numerical oracle every other backend is compared with, so each kernel is
 * written for clarity first. */
#ifndef GEOCL_REF_H
#define GEOCL_REF_H

#include <geocl/backend-api.h>

/* Element pointers from a buffer reference. */
#define REF_F32(r) ((float *)(r).mem + (r).off)
#define REF_I32(r) ((int32_t *)(r).mem + (r).off)

/* Iterate an ndim index space; returns 0 after the last index. */
int ref_next_index(int ndim, const int64_t *shape, int64_t *idx);
int64_t ref_offset(int ndim, const int64_t *idx, const int64_t *stride);

/* ref_data.c */
geocl_status ref_fill(geocl_backend *be, int64_t n, uint32_t bits, geocl_bref y);
geocl_status ref_copy(geocl_backend *be, int ndim, const int64_t *shape, geocl_bref x, const int64_t *xs,
                      geocl_bref y, const int64_t *ys, int accumulate);
geocl_status ref_rand_uniform(geocl_backend *be, int64_t n, uint64_t seed, uint64_t counter, geocl_bref y);

/* ref_gemm.c */
geocl_status ref_gemm(geocl_backend *be, const geocl_gemm_args *a);

#endif
