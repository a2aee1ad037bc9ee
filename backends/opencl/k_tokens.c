/* SPDX-License-Identifier: MIT */
/* Launchers for cl/tokens.cl: one work-item per copied element. */
#include "ocl.h"

geocl_status ocl_gather_rows(geocl_backend *be, int64_t batch, int64_t nsrc, int64_t nidx, int64_t cols, geocl_bref x,
                             geocl_bref idx, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "tokens", "gather_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long b = batch, n = nsrc, ni = nidx, c = cols;
  cl_mem xm = ocl_mem(x), im = ocl_mem(idx), ym = ocl_mem(y);
  cl_ulong xo = x.off, io = idx.off, yo = y.off;
  st = ocl_args(k->kernel, 10, OCL_ARG(b), OCL_ARG(n), OCL_ARG(ni), OCL_ARG(c), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(im),
                OCL_ARG(io), OCL_ARG(ym), OCL_ARG(yo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(batch * nidx * cols));
}

geocl_status ocl_scatter_rows(geocl_backend *be, int64_t batch, int64_t ndst, int64_t nidx, int64_t cols, geocl_bref x,
                              geocl_bref idx, geocl_bref y, int accumulate) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "tokens", "scatter_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long b = batch, n = ndst, ni = nidx, c = cols;
  cl_int acc = accumulate;
  cl_mem xm = ocl_mem(x), im = ocl_mem(idx), ym = ocl_mem(y);
  cl_ulong xo = x.off, io = idx.off, yo = y.off;
  st = ocl_args(k->kernel, 11, OCL_ARG(b), OCL_ARG(n), OCL_ARG(ni), OCL_ARG(c), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(im),
                OCL_ARG(io), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(acc));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(batch * nidx * cols));
}
