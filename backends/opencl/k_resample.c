/* SPDX-License-Identifier: MIT */
/* Launchers for cl/resample.cl: work-items (vector of inner, index along the
 * axis, outer), or, where inner is shorter than a vector, (index along the
 * axis, outer × inner) one element each. */
#include "ocl.h"

static geocl_status launch(ocl_backend *ob, bool backward, geocl_resample_mode mode, int align, int64_t outer,
                           int64_t lin, int64_t lout, int64_t inner, geocl_bref in, geocl_bref out, int64_t along) {
  size_t vw = ob->dev->defaults.vec_width;
  bool scalar = (size_t)inner < vw;
  static const char *const names[2][2] = {{"resample", "resample_backward"},
                                           {"resample_scalar", "resample_scalar_backward"}};
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "resample", names[scalar][backward], &k);
  if (st != GEOCL_OK) return st;
  cl_int m = mode, a = align;
  cl_long o = outer, li = lin, lo = lout, n = inner;
  cl_mem im = ocl_mem(in), om = ocl_mem(out);
  cl_ulong io = in.off, oo = out.off;
  st = ocl_args(k->kernel, 10, OCL_ARG(m), OCL_ARG(a), OCL_ARG(o), OCL_ARG(li), OCL_ARG(lo), OCL_ARG(n), OCL_ARG(im),
                OCL_ARG(io), OCL_ARG(om), OCL_ARG(oo));
  if (st != GEOCL_OK) return st;
  if (scalar) {
    size_t lanes = 1;
    while (lanes < (size_t)along && lanes < k->wg) lanes *= 2;
    size_t local[2] = {lanes, k->wg / lanes}, global[2] = {(size_t)along, (size_t)(outer * inner)};
    return ocl_launch(ob, k, 2, global, local);
  }
  size_t per = ((size_t)inner + vw - 1) / vw, lanes = 1;
  while (lanes < per && lanes < k->wg) lanes *= 2;
  size_t local[3] = {lanes, k->wg / lanes, 1}, global[3] = {per, (size_t)along, (size_t)outer};
  return ocl_launch(ob, k, 3, global, local);
}

geocl_status ocl_resample(geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer, int64_t lin,
                          int64_t lout, int64_t inner, geocl_bref x, geocl_bref y) {
  return launch(ocl_of(be), false, mode, align_corners, outer, lin, lout, inner, x, y, lout);
}

geocl_status ocl_resample_backward(geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer,
                                   int64_t lin, int64_t lout, int64_t inner, geocl_bref dy, geocl_bref dx) {
  return launch(ocl_of(be), true, mode, align_corners, outer, lin, lout, inner, dy, dx, lin);
}
