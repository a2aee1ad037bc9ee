/* SPDX-License-Identifier: MIT */
/* Launchers for cl/reduce.cl. */
#include <string.h>

#include "ocl.h"

typedef struct reduce_desc {
  cl_long kn, rn, nk, nr;
  cl_long kshape[6], kstride[6];
  cl_long rshape[6], rstride[6];
} reduce_desc;

/* Copy dims, dropping size-1 ones and merging neighbours that are contiguous
 * with each other; returns the number of dims kept and their product. */
static cl_long pack_dims(int n, const int64_t *shape, const int64_t *stride, cl_long *oshape, cl_long *ostride,
                         cl_long *count) {
  int k = 0;
  *count = 1;
  for (int i = 0; i < n; i++) {
    *count *= shape[i];
    if (shape[i] == 1) continue;
    if (k > 0 && ostride[k - 1] == stride[i] * shape[i]) {
      oshape[k - 1] *= shape[i];
      ostride[k - 1] = stride[i];
      continue;
    }
    oshape[k] = shape[i];
    ostride[k] = stride[i];
    k++;
  }
  return k;
}

/* y[c] = alpha · Σ_r x[r·rs + c]: one work-group of ROW_WG work-items per vector of columns */
static geocl_status sum_columns(ocl_backend *ob, cl_long rows, cl_long cols, cl_long rs, float alpha, geocl_bref x,
                                geocl_bref y) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "reduce", "sum_columns", &k);
  if (st != GEOCL_OK) return st;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y);
  cl_ulong xo = x.off, yo = y.off;
  cl_float a = alpha;
  st = ocl_args(k->kernel, 8, OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(rows), OCL_ARG(cols), OCL_ARG(rs), OCL_ARG(ym),
                OCL_ARG(yo), OCL_ARG(a));
  size_t vw = ob->dev->defaults.vec_width, local = k->row_wg, global = ((size_t)cols + vw - 1) / vw * local;
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 1, &global, &local);
}

geocl_status ocl_sum(geocl_backend *be, int kn, const int64_t *kshape, const int64_t *ks, int rn,
                     const int64_t *rshape, const int64_t *rs, float alpha, geocl_bref x, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  reduce_desc d;
  memset(&d, 0, sizeof d);
  /* kept dims are not merged: y's layout follows them exactly, and merging is
   * only valid when x's strides allow it too, which pack_dims checks */
  d.kn = pack_dims(kn, kshape, ks, d.kshape, d.kstride, &d.nk);
  d.rn = pack_dims(rn, rshape, rs, d.rshape, d.rstride, &d.nr);
  if (d.nk == 0) return GEOCL_OK;
  /* one reduced dimension over rows of a contiguous kept one (or of a single element) */
  if (d.rn == 1 && d.kn <= 1 && (d.kn == 0 || d.kstride[0] == 1))
    return sum_columns(ob, d.rshape[0], d.nk, d.rstride[0], alpha, x, y);
  if (d.rn == 0) { /* nothing to sum over: a single term */
    d.rn = 1;
    d.rshape[0] = 1;
    d.rstride[0] = 0;
  }
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "reduce", "sum_strided", &k);
  if (st != GEOCL_OK) return st;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y);
  cl_ulong xo = x.off, yo = y.off;
  cl_float a = alpha;
  st = ocl_args(k->kernel, 6, OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(d), OCL_ARG(a));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)d.nk);
}

geocl_status ocl_max_axis(geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref x, geocl_bref y,
                          geocl_bref arg) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  /* whole vectors of the inner elements per work-item where there are any */
  size_t vw = inner >= (int64_t)ob->dev->defaults.vec_width ? ob->dev->defaults.vec_width : 1;
  geocl_status st = ocl_kernel(ob, "reduce", vw > 1 ? "max_axis_v" : "max_axis", &k);
  if (st != GEOCL_OK) return st;
  cl_long o = outer, l = len, i = inner;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y), am = ocl_mem(arg);
  cl_ulong xo = x.off, yo = y.off, ao = arg.off;
  st = ocl_args(k->kernel, 9, OCL_ARG(o), OCL_ARG(l), OCL_ARG(i), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym), OCL_ARG(yo),
                OCL_ARG(am), OCL_ARG(ao));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)outer * (((size_t)inner + vw - 1) / vw));
}

geocl_status ocl_max_axis_backward(geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref arg,
                                   geocl_bref dy, geocl_bref dx) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  size_t vw = inner >= (int64_t)ob->dev->defaults.vec_width ? ob->dev->defaults.vec_width : 1;
  geocl_status st = ocl_kernel(ob, "reduce", vw > 1 ? "max_axis_backward_v" : "max_axis_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long o = outer, l = len, i = inner;
  cl_mem am = ocl_mem(arg), dym = ocl_mem(dy), dxm = ocl_mem(dx);
  cl_ulong ao = arg.off, dyo = dy.off, dxo = dx.off;
  st = ocl_args(k->kernel, 9, OCL_ARG(o), OCL_ARG(l), OCL_ARG(i), OCL_ARG(am), OCL_ARG(ao), OCL_ARG(dym), OCL_ARG(dyo),
                OCL_ARG(dxm), OCL_ARG(dxo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(outer * len) * (((size_t)inner + vw - 1) / vw));
}
