/* SPDX-License-Identifier: MIT */
/* Host side of cl/common.cl's strided_desc. */
#ifndef GEOCL_OCL_STRIDED_H
#define GEOCL_OCL_STRIDED_H

#include <CL/cl_platform.h>
#include <stdint.h>

#include <geocl/status.h>

typedef struct ocl_strided_desc {
  cl_long ndim;
  cl_long n;
  cl_long shape[6];
  cl_long s0[6];
  cl_long s1[6];
  cl_long s2[6];
} ocl_strided_desc;

/* Build a descriptor for an index space with up to three stride sets (s2 may
 * be NULL), dropping size-1 dimensions and merging neighbours that are
 * contiguous with each other in every set. */
void ocl_strided_build(ocl_strided_desc *d, int ndim, const int64_t *shape, const int64_t *s0, const int64_t *s1,
                       const int64_t *s2);

/* Launch a kernel over d as cl/common.cl's strided_run expects: runs of
 * dev->vec_width elements of the last dimension along dimension 0 of the
 * NDRange, the other dimensions along dimension 1. */
struct ocl_backend;
struct ocl_kernel_slot;
geocl_status ocl_launch_strided(struct ocl_backend *ob, struct ocl_kernel_slot *k, const ocl_strided_desc *d);

#endif
