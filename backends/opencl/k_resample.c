/* SPDX-License-Identifier: MIT */
/* Launchers for cl/resample.cl: work-items (vector of inner, index along the
 * axis, outer). */
#include "ocl.h"

static geocl_status launch(ocl_backend *ob, const char *name, geocl_resample_mode mode, int align, int64_t outer,
                           int64_t lin, int64_t lout, int64_t inner, geocl_bref in, geocl_bref out, int64_t along) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "resample", name, &k);
  if (st != GEOCL_OK) return st;
  cl_int m = mode, a = align;
  cl_long o = outer, li = lin, lo = lout, n = inner;
  cl_mem im = ocl_mem(in), om = ocl_mem(out);
  cl_ulong io = in.off, oo = out.off;
  st = ocl_args(k->kernel, 10, OCL_ARG(m), OCL_ARG(a), OCL_ARG(o), OCL_ARG(li), OCL_ARG(lo), OCL_ARG(n), OCL_ARG(im),
                OCL_ARG(io), OCL_ARG(om), OCL_ARG(oo));
  if (st != GEOCL_OK) return st;
  size_t vw = ob->dev->defaults.vec_width, per = ((size_t)inner + vw - 1) / vw, lanes = 1;
  while (lanes < per && lanes < k->wg) lanes *= 2;
  size_t local[3] = {lanes, k->wg / lanes, 1}, global[3] = {per, (size_t)along, (size_t)outer};
  return ocl_launch(ob, k, 3, global, local);
}

geocl_status ocl_resample(geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer, int64_t lin,
                          int64_t lout, int64_t inner, geocl_bref x, geocl_bref y) {
  return launch(ocl_of(be), "resample", mode, align_corners, outer, lin, lout, inner, x, y, lout);
}

geocl_status ocl_resample_backward(geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer,
                                   int64_t lin, int64_t lout, int64_t inner, geocl_bref dy, geocl_bref dx) {
  return launch(ocl_of(be), "resample_backward", mode, align_corners, outer, lin, lout, inner, dy, dx, lin);
}
