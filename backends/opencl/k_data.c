/* SPDX-License-Identifier: MIT */
/* Launchers for cl/data.cl: fill, strided copy, random numbers. */
#include "ocl.h"
#include "strided.h"

geocl_status ocl_fill(geocl_backend *be, int64_t n, uint32_t bits, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "data", "fill_u32", &k);
  if (st != GEOCL_OK) return st;
  cl_mem ym = ocl_mem(y);
  cl_ulong off = y.off, nn = (cl_ulong)n;
  cl_uint b = bits;
  st = ocl_args(k->kernel, 4, OCL_ARG(ym), OCL_ARG(off), OCL_ARG(nn), OCL_ARG(b));
  return st != GEOCL_OK ? st : ocl_launch_vectors(ob, k, (size_t)n);
}

/* The copy of an index space of at most two dimensions whose inner one is
 * contiguous on both sides: rows of cols elements at row strides xs (0: one
 * row broadcast) and ys. */
static geocl_status copy_rows(ocl_backend *ob, const ocl_strided_desc *d, geocl_bref x, geocl_bref y, int accumulate) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "data", "copy_rows", &k);
  if (st != GEOCL_OK) return st;
  bool two = d->ndim == 2;
  cl_long rows = two ? d->shape[0] : 1, cols = d->shape[d->ndim - 1], xs = two ? d->s0[0] : 0,
          ys = two ? d->s1[0] : 0;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y);
  cl_ulong xo = x.off, yo = y.off;
  cl_int acc = accumulate;
  st = ocl_args(k->kernel, 9, OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(xs), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(ys),
                OCL_ARG(rows), OCL_ARG(cols), OCL_ARG(acc));
  size_t vw = ob->dev->defaults.vec_width;
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)rows * (((size_t)cols + vw - 1) / vw));
}

geocl_status ocl_copy(geocl_backend *be, int ndim, const int64_t *shape, geocl_bref x, const int64_t *xs,
                      geocl_bref y, const int64_t *ys, int accumulate) {
  ocl_backend *ob = ocl_of(be);
  ocl_strided_desc d;
  ocl_strided_build(&d, ndim, shape, xs, ys, NULL);
  if (d.n == 0) return GEOCL_OK;
  if (!accumulate && d.ndim == 1 && d.s0[0] == 1 && d.s1[0] == 1) {
    cl_int err = clEnqueueCopyBuffer(ob->queue, ocl_mem(x), ocl_mem(y), x.off * 4, y.off * 4, (size_t)d.n * 4, 0,
                                     NULL, ocl_profile_event(ob));
    ocl_profile_record(ob, "copy_buffer");
    return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, "clEnqueueCopyBuffer");
  }
  if (d.ndim <= 2 && d.s0[d.ndim - 1] == 1 && d.s1[d.ndim - 1] == 1) return copy_rows(ob, &d, x, y, accumulate);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "data", "copy_strided", &k);
  if (st != GEOCL_OK) return st;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y);
  cl_ulong xo = x.off, yo = y.off;
  cl_int acc = accumulate;
  st = ocl_args(k->kernel, 6, OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(d), OCL_ARG(acc));
  return st != GEOCL_OK ? st : ocl_launch_strided(ob, k, &d);
}

geocl_status ocl_rand_uniform(geocl_backend *be, int64_t n, uint64_t seed, uint64_t counter, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "data", "rand_uniform", &k);
  if (st != GEOCL_OK) return st;
  cl_mem ym = ocl_mem(y);
  cl_ulong off = y.off, nn = (cl_ulong)n, s = seed, c = counter;
  st = ocl_args(k->kernel, 5, OCL_ARG(ym), OCL_ARG(off), OCL_ARG(nn), OCL_ARG(s), OCL_ARG(c));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(n + 3) / 4);
}
