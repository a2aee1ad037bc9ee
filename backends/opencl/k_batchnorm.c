/* SPDX-License-Identifier: MIT */
/* Launchers for the batch-norm kernels of cl/norm.cl: per-channel reductions
 * as planes (inner > 1: a work-group of the device's row_lanes work-items
 * per channel) or columns (inner = 1: a work-group of ROW_WG per vector of
 * channels), and elementwise kernels over runs of a plane or of a row. */
#include "ocl.h"

/* A plane reduction whose last argument (index arg) is its local buffer: a
 * work-group per channel (a CPU runs a work-group on one core, and a layer
 * may have only 64 channels: one group of them would leave the other cores
 * idle). */
static geocl_status launch_planes(ocl_backend *ob, ocl_kernel_slot *k, cl_uint arg, int64_t channels) {
  size_t lanes = ob->dev->defaults.row_lanes;
  while (lanes > 1 && lanes > k->max_wg) lanes /= 2;
  geocl_status st = ocl_local_arg(ob, k, arg, lanes * sizeof(cl_float), 0);
  size_t local[2] = {lanes, 1}, global[2] = {lanes, (size_t)channels};
  return st != GEOCL_OK ? st : ocl_launch(ob, k, 2, global, local);
}

static geocl_status launch_columns(ocl_backend *ob, ocl_kernel_slot *k, int64_t channels) {
  size_t vw = ob->dev->defaults.vec_width, local = k->row_wg, global = ((size_t)channels + vw - 1) / vw * local;
  return ocl_launch(ob, k, 1, &global, &local);
}

/* One vector of a run per work-item: runs of `inner` (outer·c of them), or of c (outer). */
static geocl_status launch_runs(ocl_backend *ob, ocl_kernel_slot *k, int64_t outer, int64_t c, int64_t inner) {
  size_t vw = ob->dev->defaults.vec_width, len = (size_t)(inner > 1 ? inner : c), runs = (size_t)(inner > 1 ? outer * c : outer);
  size_t lanes = 1, wg = k->wg;
  size_t per_run = (len + vw - 1) / vw;
  while (lanes < per_run && lanes < wg) lanes *= 2;
  size_t local[2] = {lanes, wg / lanes}, global[2] = {per_run, runs};
  return ocl_launch(ob, k, 2, global, local);
}

geocl_status ocl_batchnorm_stats(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, geocl_bref x,
                                 geocl_bref mean, geocl_bref var) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  bool planes = inner > 1;
  geocl_status st = ocl_kernel(ob, "norm", planes ? "bn_stats_planes" : "bn_stats_columns", &k);
  if (st != GEOCL_OK) return st;
  cl_long o = outer, cc = c, in = inner;
  cl_mem xm = ocl_mem(x), mm = ocl_mem(mean), vm = ocl_mem(var);
  cl_ulong xo = x.off, mo = mean.off, vo = var.off;
  if (planes) {
    st = ocl_args(k->kernel, 9, OCL_ARG(o), OCL_ARG(cc), OCL_ARG(in), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(mm), OCL_ARG(mo),
                  OCL_ARG(vm), OCL_ARG(vo));
    return st != GEOCL_OK ? st : launch_planes(ob, k, 9, c);
  }
  st = ocl_args(k->kernel, 8, OCL_ARG(o), OCL_ARG(cc), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(mm), OCL_ARG(mo), OCL_ARG(vm),
                OCL_ARG(vo));
  return st != GEOCL_OK ? st : launch_columns(ob, k, c);
}

geocl_status ocl_batchnorm_stats_backward(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, geocl_bref x,
                                          geocl_bref mean, geocl_bref dmean, geocl_bref dvar, geocl_bref dx,
                                          int accumulate) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "bn_stats_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long o = outer, cc = c, in = inner;
  cl_int acc = accumulate;
  cl_mem xm = ocl_mem(x), mm = ocl_mem(mean), dmm = ocl_mem(dmean), dvm = ocl_mem(dvar), dxm = ocl_mem(dx);
  cl_ulong xo = x.off, mo = mean.off, dmo = dmean.off, dvo = dvar.off, dxo = dx.off;
  st = ocl_args(k->kernel, 14, OCL_ARG(o), OCL_ARG(cc), OCL_ARG(in), OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(mm), OCL_ARG(mo),
                OCL_ARG(dmm), OCL_ARG(dmo), OCL_ARG(dvm), OCL_ARG(dvo), OCL_ARG(dxm), OCL_ARG(dxo), OCL_ARG(acc));
  return st != GEOCL_OK ? st : launch_runs(ob, k, outer, c, inner);
}

geocl_status ocl_batchnorm(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps, int relu,
                           geocl_bref x, geocl_bref mean, geocl_bref var, geocl_bref gamma, geocl_bref beta,
                           geocl_bref residual, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "bn_apply", &k);
  if (st != GEOCL_OK) return st;
  cl_long o = outer, cc = c, in = inner;
  cl_float e = eps;
  cl_int r = relu;
  cl_mem xm = ocl_mem(x), mm = ocl_mem(mean), vm = ocl_mem(var), gm = ocl_mem(gamma), bm = ocl_mem(beta),
         rm = ocl_mem(residual), ym = ocl_mem(y);
  cl_ulong xo = x.off, mo = mean.off, vo = var.off, go = gamma.off, bo = beta.off, ro = residual.off, yo = y.off;
  st = ocl_args(k->kernel, 19, OCL_ARG(o), OCL_ARG(cc), OCL_ARG(in), OCL_ARG(e), OCL_ARG(r), OCL_ARG(xm), OCL_ARG(xo),
                OCL_ARG(mm), OCL_ARG(mo), OCL_ARG(vm), OCL_ARG(vo), OCL_ARG(gm), OCL_ARG(go), OCL_ARG(bm), OCL_ARG(bo),
                OCL_ARG(rm), OCL_ARG(ro), OCL_ARG(ym), OCL_ARG(yo));
  return st != GEOCL_OK ? st : launch_runs(ob, k, outer, c, inner);
}

geocl_status ocl_batchnorm_backward_reduce(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps,
                                           int relu, geocl_bref x, geocl_bref mean, geocl_bref var, geocl_bref gamma,
                                           geocl_bref y, geocl_bref dy, geocl_bref dgamma, geocl_bref dbeta,
                                           geocl_bref dmean, geocl_bref dvar) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  bool planes = inner > 1;
  geocl_status st = ocl_kernel(ob, "norm", planes ? "bn_backward_reduce_planes" : "bn_backward_reduce_columns", &k);
  if (st != GEOCL_OK) return st;
  cl_long o = outer, cc = c, in = inner;
  cl_float e = eps;
  cl_int r = relu;
  geocl_bref bufs[10] = {x, mean, var, gamma, y, dy, dgamma, dbeta, dmean, dvar};
  /* the scalars, then (buffer, offset) pairs; planes take inner after c */
  cl_uint a = 0;
  cl_int err = clSetKernelArg(k->kernel, a++, sizeof o, &o);
  if (err == CL_SUCCESS) err = clSetKernelArg(k->kernel, a++, sizeof cc, &cc);
  if (err == CL_SUCCESS && planes) err = clSetKernelArg(k->kernel, a++, sizeof in, &in);
  if (err == CL_SUCCESS) err = clSetKernelArg(k->kernel, a++, sizeof e, &e);
  if (err == CL_SUCCESS) err = clSetKernelArg(k->kernel, a++, sizeof r, &r);
  for (int i = 0; i < 10 && err == CL_SUCCESS; i++) {
    cl_mem m = ocl_mem(bufs[i]);
    cl_ulong off = bufs[i].off;
    err = clSetKernelArg(k->kernel, a++, sizeof m, &m);
    if (err == CL_SUCCESS) err = clSetKernelArg(k->kernel, a++, sizeof off, &off);
  }
  if (err != CL_SUCCESS) return ocl_fail(err, k->name);
  return planes ? launch_planes(ob, k, a, c) : launch_columns(ob, k, c);
}

geocl_status ocl_batchnorm_backward(geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps, int relu,
                                    geocl_bref var, geocl_bref gamma, geocl_bref y, geocl_bref dy, geocl_bref dx,
                                    geocl_bref dres) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "bn_backward_dx", &k);
  if (st != GEOCL_OK) return st;
  cl_long o = outer, cc = c, in = inner;
  cl_float e = eps;
  cl_int r = relu;
  cl_mem vm = ocl_mem(var), gm = ocl_mem(gamma), ym = ocl_mem(y), dym = ocl_mem(dy), dxm = ocl_mem(dx),
         drm = ocl_mem(dres);
  cl_ulong vo = var.off, go = gamma.off, yo = y.off, dyo = dy.off, dxo = dx.off, dro = dres.off;
  st = ocl_args(k->kernel, 17, OCL_ARG(o), OCL_ARG(cc), OCL_ARG(in), OCL_ARG(e), OCL_ARG(r), OCL_ARG(vm), OCL_ARG(vo),
                OCL_ARG(gm), OCL_ARG(go), OCL_ARG(ym), OCL_ARG(yo), OCL_ARG(dym), OCL_ARG(dyo), OCL_ARG(dxm),
                OCL_ARG(dxo), OCL_ARG(drm), OCL_ARG(dro));
  return st != GEOCL_OK ? st : launch_runs(ob, k, outer, c, inner);
}

geocl_status ocl_batchnorm_update_running(geocl_backend *be, int64_t c, float momentum, float unbias, geocl_bref mean,
                                          geocl_bref var, geocl_bref running_mean, geocl_bref running_var,
                                          geocl_bref count) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "norm", "bn_update_running", &k);
  if (st != GEOCL_OK) return st;
  cl_long cc = c;
  cl_float m = momentum, u = unbias;
  cl_mem mm = ocl_mem(mean), vm = ocl_mem(var), rmm = ocl_mem(running_mean), rvm = ocl_mem(running_var),
         cm = ocl_mem(count);
  cl_ulong mo = mean.off, vo = var.off, rmo = running_mean.off, rvo = running_var.off, co = count.off;
  st = ocl_args(k->kernel, 13, OCL_ARG(cc), OCL_ARG(m), OCL_ARG(u), OCL_ARG(mm), OCL_ARG(mo), OCL_ARG(vm), OCL_ARG(vo),
                OCL_ARG(rmm), OCL_ARG(rmo), OCL_ARG(rvm), OCL_ARG(rvo), OCL_ARG(cm), OCL_ARG(co));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)c);
}
