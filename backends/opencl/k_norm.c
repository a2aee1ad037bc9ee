/* SPDX-License-Identifier: MIT */
/* Launchers for cl/norm.cl: row kernels with the device's row_lanes
 * work-items per row and ROW_WG work-items per work-group (at most what the
 * kernel allows), and a column kernel for dgamma/dbeta. */
#include "ocl.h"

/* Launch a row kernel whose last argument (index arg) is its local buffer. */
static geocl_status launch_rows(ocl_backend *ob, ocl_kernel_slot *k, cl_uint arg, int64_t rows) {
  size_t group = k->row_wg, lanes = ob->dev->defaults.row_lanes;
  while (group > 1 && group > k->max_wg) group /= 2;
  while (lanes > group) lanes /= 2;
  size_t per_group = group / lanes;
  geocl_status st = ocl_local_arg(ob, k, arg, lanes * per_group * sizeof(cl_float), 0);
  size_t local[2] = {lanes, per_group}, global[2] = {lanes, (size_t)rows};
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 2, global, local);
}

geocl_status ocl_layernorm(geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref gamma,
                           geocl_bref beta, geocl_bref y, geocl_bref mean, geocl_bref rstd) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "layernorm_rows", &k);
  if (st != GEOCL_OK) return st;
  cl_long r = rows, c = cols;
  cl_float e = eps;
  cl_mem xm = ocl_mem(x), gm = ocl_mem(gamma), bm = ocl_mem(beta), ym = ocl_mem(y), mm = ocl_mem(mean),
         rm = ocl_mem(rstd);
  cl_ulong xo = x.off, go = gamma.off, bo = beta.off, yo = y.off, mo = mean.off, ro = rstd.off;
  st = ocl_args(k->kernel, 15, OCL_ARG(r), OCL_ARG(c), OCL_ARG(e), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(gm), OCL_ARG(go),
                OCL_ARG(bm), OCL_ARG(bo), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(mm), OCL_ARG(mo), OCL_ARG(rm), OCL_ARG(ro));
  return st != GEOCL_OK ? st : launch_rows(ob, k, 15, rows);
}

static geocl_status dx_rows(ocl_backend *ob, int64_t rows, int64_t cols, geocl_bref x, geocl_bref gamma,
                            geocl_bref mean, geocl_bref rstd, geocl_bref dy, geocl_bref dx) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "layernorm_rows_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long r = rows, c = cols;
  cl_mem xm = ocl_mem(x), gm = ocl_mem(gamma), mm = ocl_mem(mean), rm = ocl_mem(rstd), dym = ocl_mem(dy),
         dxm = ocl_mem(dx);
  cl_ulong xo = x.off, go = gamma.off, mo = mean.off, ro = rstd.off, dyo = dy.off, dxo = dx.off;
  st = ocl_args(k->kernel, 14, OCL_ARG(r), OCL_ARG(c), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(gm), OCL_ARG(go), OCL_ARG(mm),
                OCL_ARG(mo), OCL_ARG(rm), OCL_ARG(ro), OCL_ARG(dym), OCL_ARG(dyo), OCL_ARG(dxm), OCL_ARG(dxo));
  return st != GEOCL_OK ? st : launch_rows(ob, k, 14, rows);
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
  size_t vw = ob->dev->defaults.vec_width, local = k->row_wg, global = ((size_t)cols + vw - 1) / vw * local;
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 1, &global, &local);
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
