/* SPDX-License-Identifier: MIT */
/* Launchers for cl/loss.cl: row kernels get one work-group of ROW_WG work-items
 * per row, elementwise backward kernels one work-item per element. */
#include "ocl.h"

static geocl_status launch_rows(ocl_backend *ob, ocl_kernel_slot *k, int64_t rows) {
  size_t local = k->row_wg, global = (size_t)rows * local;
  return ocl_launch(ob, k, 1, &global, &local);
}

geocl_status ocl_row_mse(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, geocl_bref target,
                         geocl_bref loss) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "loss", "row_mse_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long c = cols;
  cl_mem pm = ocl_mem(pred), tm = ocl_mem(target), lm = ocl_mem(loss);
  cl_ulong po = pred.off, to = target.off, lo = loss.off;
  st = ocl_args(k->kernel, 7, OCL_ARG(c), OCL_ARG(pm), OCL_ARG(po), OCL_ARG(tm), OCL_ARG(to), OCL_ARG(lm),
                OCL_ARG(lo));
  return st != GEOCL_OK ? st : launch_rows(ob, k, rows);
}

geocl_status ocl_row_mse_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, geocl_bref target,
                                  geocl_bref dloss, geocl_bref dpred) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "loss", "row_mse_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long n = rows * cols, c = cols;
  cl_mem pm = ocl_mem(pred), tm = ocl_mem(target), dlm = ocl_mem(dloss), dpm = ocl_mem(dpred);
  cl_ulong po = pred.off, to = target.off, dlo = dloss.off, dpo = dpred.off;
  st = ocl_args(k->kernel, 10, OCL_ARG(n), OCL_ARG(c), OCL_ARG(pm), OCL_ARG(po), OCL_ARG(tm), OCL_ARG(to),
                OCL_ARG(dlm), OCL_ARG(dlo), OCL_ARG(dpm), OCL_ARG(dpo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)n);
}

geocl_status ocl_normpix(geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "loss", "normpix_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long c = cols;
  cl_float e = eps;
  cl_mem xm = ocl_mem(x), ym = ocl_mem(y);
  cl_ulong xo = x.off, yo = y.off;
  st = ocl_args(k->kernel, 6, OCL_ARG(c), OCL_ARG(e), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym), OCL_ARG(yo));
  return st != GEOCL_OK ? st : launch_rows(ob, k, rows);
}

geocl_status ocl_cross_entropy(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits, geocl_bref labels,
                               geocl_bref loss, geocl_bref lse) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "loss", "cross_entropy_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long c = cols;
  cl_mem xm = ocl_mem(logits), ym = ocl_mem(labels), lm = ocl_mem(loss), sm = ocl_mem(lse);
  cl_ulong xo = logits.off, yo = labels.off, lo = loss.off, so = lse.off;
  st = ocl_args(k->kernel, 9, OCL_ARG(c), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(lm),
                OCL_ARG(lo), OCL_ARG(sm), OCL_ARG(so));
  return st != GEOCL_OK ? st : launch_rows(ob, k, rows);
}

geocl_status ocl_cross_entropy_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits,
                                        geocl_bref labels, geocl_bref lse, geocl_bref dloss, geocl_bref dlogits) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "loss", "cross_entropy_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long n = rows * cols, c = cols;
  cl_mem xm = ocl_mem(logits), ym = ocl_mem(labels), sm = ocl_mem(lse), dlm = ocl_mem(dloss),
         dxm = ocl_mem(dlogits);
  cl_ulong xo = logits.off, yo = labels.off, so = lse.off, dlo = dloss.off, dxo = dlogits.off;
  st = ocl_args(k->kernel, 12, OCL_ARG(n), OCL_ARG(c), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(ym), OCL_ARG(yo),
                OCL_ARG(sm), OCL_ARG(so), OCL_ARG(dlm), OCL_ARG(dlo), OCL_ARG(dxm), OCL_ARG(dxo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)n);
}
