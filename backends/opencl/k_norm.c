/* Launchers for cl/norm.cl: row kernels with one work-group of dev->row_wg per
 * row, and a column kernel for dgamma/dbeta. */
#include "ocl.h"

geocl_status ocl_layernorm(geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref gamma,
                           geocl_bref beta, geocl_bref y, geocl_bref mean, geocl_bref rstd) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "layernorm_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long c = cols;
  cl_float e = eps;
  cl_mem xm = ocl_mem(x), gm = ocl_mem(gamma), bm = ocl_mem(beta), ym = ocl_mem(y), mm = ocl_mem(mean),
         rm = ocl_mem(rstd);
  cl_ulong xo = x.off, go = gamma.off, bo = beta.off, yo = y.off, mo = mean.off, ro = rstd.off;
  st = ocl_args(k->kernel, 14, OCL_ARG(c), OCL_ARG(e), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(gm), OCL_ARG(go), OCL_ARG(bm),
                OCL_ARG(bo), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(mm), OCL_ARG(mo), OCL_ARG(rm), OCL_ARG(ro));
  size_t local = ob->dev->row_wg, global = (size_t)rows * local;
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 1, &global, &local);
}

static geocl_status dx_rows(ocl_backend *ob, int64_t rows, int64_t cols, geocl_bref x, geocl_bref gamma,
                            geocl_bref mean, geocl_bref rstd, geocl_bref dy, geocl_bref dx) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "layernorm_rows_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long c = cols;
  cl_mem xm = ocl_mem(x), gm = ocl_mem(gamma), mm = ocl_mem(mean), rm = ocl_mem(rstd), dym = ocl_mem(dy),
         dxm = ocl_mem(dx);
  cl_ulong xo = x.off, go = gamma.off, mo = mean.off, ro = rstd.off, dyo = dy.off, dxo = dx.off;
  st = ocl_args(k->kernel, 13, OCL_ARG(c), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(gm), OCL_ARG(go), OCL_ARG(mm), OCL_ARG(mo),
                OCL_ARG(rm), OCL_ARG(ro), OCL_ARG(dym), OCL_ARG(dyo), OCL_ARG(dxm), OCL_ARG(dxo));
  size_t local = ob->dev->row_wg, global = (size_t)rows * local;
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 1, &global, &local);
}

static geocl_status affine_columns(ocl_backend *ob, int64_t rows, int64_t cols, geocl_bref x, geocl_bref mean,
                                   geocl_bref rstd, geocl_bref dy, geocl_bref dgamma, geocl_bref dbeta) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "layernorm_affine_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long r = rows, c = cols;
  cl_mem xm = ocl_mem(x), mm = ocl_mem(mean), rm = ocl_mem(rstd), dym = ocl_mem(dy), dgm = ocl_mem(dgamma),
         dbm = ocl_mem(dbeta);
  cl_ulong xo = x.off, mo = mean.off, ro = rstd.off, dyo = dy.off, dgo = dgamma.off, dbo = dbeta.off;
  st = ocl_args(k->kernel, 14, OCL_ARG(r), OCL_ARG(c), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(mm), OCL_ARG(mo), OCL_ARG(rm),
                OCL_ARG(ro), OCL_ARG(dym), OCL_ARG(dyo), OCL_ARG(dgm), OCL_ARG(dgo), OCL_ARG(dbm), OCL_ARG(dbo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)cols);
}

geocl_status ocl_layernorm_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref x, geocl_bref gamma,
                                    geocl_bref mean, geocl_bref rstd, geocl_bref dy, geocl_bref dx, geocl_bref dgamma,
                                    geocl_bref dbeta) {
  ocl_backend *ob = ocl_of(be);
  geocl_status st = dx_rows(ob, rows, cols, x, gamma, mean, rstd, dy, dx);
  if (st == GEOCL_OK && (dgamma.mem || dbeta.mem))
    st = affine_columns(ob, rows, cols, x, mean, rstd, dy, dgamma, dbeta);
  return st;
}
