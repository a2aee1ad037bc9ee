/* SPDX-License-Identifier: MIT */
/* Launchers for cl/elementwise.cl. */
#include "ocl.h"
#include "strided.h"

/* Contiguous operands: one vector of dev->vec_width elements per work-item. */
static geocl_status binary_contiguous(ocl_backend *ob, geocl_binop op, int64_t n, geocl_bref a, geocl_bref b,
                                      geocl_bref out) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "elementwise", "binary_contiguous", &k);
  if (st != GEOCL_OK) return st;
  cl_int cop = op;
  cl_ulong nn = (cl_ulong)n, ao = a.off, bo = b.off, oo = out.off;
  cl_mem am = ocl_mem(a), bm = ocl_mem(b), om = ocl_mem(out);
  st = ocl_args(k->kernel, 8, OCL_ARG(cop), OCL_ARG(nn), OCL_ARG(am), OCL_ARG(ao), OCL_ARG(bm), OCL_ARG(bo),
                OCL_ARG(om), OCL_ARG(oo));
  return st != GEOCL_OK ? st : ocl_launch_vectors(ob, k, (size_t)n);
}

geocl_status ocl_binary(geocl_backend *be, geocl_binop op, int ndim, const int64_t *shape, geocl_bref a,
                        const int64_t *as, geocl_bref b, const int64_t *bs, geocl_bref out) {
  ocl_backend *ob = ocl_of(be);
  int64_t os[8];
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    os[i] = s;
    s *= shape[i];
  }
  ocl_strided_desc d;
  ocl_strided_build(&d, ndim, shape, as, bs, os);
  if (d.n == 0) return GEOCL_OK;
  if (d.ndim == 1 && d.s0[0] == 1 && d.s1[0] == 1 && d.s2[0] == 1) return binary_contiguous(ob, op, d.n, a, b, out);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "elementwise", "binary_strided", &k);
  if (st != GEOCL_OK) return st;
  cl_int cop = op;
  cl_mem am = ocl_mem(a), bm = ocl_mem(b), om = ocl_mem(out);
  cl_ulong ao = a.off, bo = b.off, oo = out.off;
  st = ocl_args(k->kernel, 8, OCL_ARG(cop), OCL_ARG(am), OCL_ARG(ao), OCL_ARG(bm), OCL_ARG(bo), OCL_ARG(om),
                OCL_ARG(oo), OCL_ARG(d));
  return st != GEOCL_OK ? st : ocl_launch_strided(ob, k, &d);
}

geocl_status ocl_unary(geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "elementwise", "unary", &k);
  if (st != GEOCL_OK) return st;
  cl_int cop = op;
  cl_ulong nn = (cl_ulong)n, xo = x.off, yo = y.off;
  cl_float a = alpha;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y);
  st = ocl_args(k->kernel, 7, OCL_ARG(cop), OCL_ARG(nn), OCL_ARG(a), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym),
                OCL_ARG(yo));
  return st != GEOCL_OK ? st : ocl_launch_vectors(ob, k, (size_t)n);
}

geocl_status ocl_unary_backward(geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y,
                                geocl_bref dy, geocl_bref dx) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "elementwise", "unary_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_int cop = op;
  cl_ulong nn = (cl_ulong)n, xo = x.off, yo = y.off, dyo = dy.off, dxo = dx.off;
  cl_float a = alpha;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y), dym = ocl_mem(dy), dxm = ocl_mem(dx);
  st = ocl_args(k->kernel, 11, OCL_ARG(cop), OCL_ARG(nn), OCL_ARG(a), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym),
                OCL_ARG(yo), OCL_ARG(dym), OCL_ARG(dyo), OCL_ARG(dxm), OCL_ARG(dxo));
  return st != GEOCL_OK ? st : ocl_launch_vectors(ob, k, (size_t)n);
}
