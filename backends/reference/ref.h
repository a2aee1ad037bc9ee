/* SPDX-License-Identifier: MIT */
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

/* One kernel function per entry of geocl/backend-kernels.h, ref_<name>, in
 * ref_<family>.c (ref_data.c, ref_gemm.c, ref_elementwise.c, ...). */
#define REF_KERNEL_DECL(name, params) geocl_status ref_##name params;
GEOCL_BACKEND_KERNELS(REF_KERNEL_DECL)
#undef REF_KERNEL_DECL

#endif
