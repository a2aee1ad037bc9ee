/* SPDX-License-Identifier: MIT */
/* Launchers for cl/softmax.cl: one work-group of ROW_WG work-items per row. */
#include "ocl.h"

geocl_status ocl_softmax(geocl_backend *be, int64_t rows, int64_t cols, int log, geocl_bref x, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "softmax", "softmax_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long r = rows, c = cols;
  cl_int lg = log;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y);
  cl_ulong xo = x.off, yo = y.off;
  st = ocl_args(k->kernel, 7, OCL_ARG(r), OCL_ARG(c), OCL_ARG(lg), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym), OCL_ARG(yo));
  size_t local = k->row_wg, global = (size_t)rows * local;
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 1, &global, &local);
}

geocl_status ocl_softmax_backward(geocl_backend *be, int64_t rows, int64_t cols, int log, geocl_bref y, geocl_bref dy,
                                  geocl_bref dx) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "softmax", "softmax_rows_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long r = rows, c = cols;
  cl_int lg = log;
  cl_mem ym = ocl_mem(y), dym = ocl_mem(dy), dxm = ocl_mem(dx);
  cl_ulong yo = y.off, dyo = dy.off, dxo = dx.off;
  st = ocl_args(k->kernel, 9, OCL_ARG(r), OCL_ARG(c), OCL_ARG(lg), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(dym),
                OCL_ARG(dyo), OCL_ARG(dxm), OCL_ARG(dxo));
  size_t local = k->row_wg, global = (size_t)rows * local;
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 1, &global, &local);
}
