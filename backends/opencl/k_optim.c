/* SPDX-License-Identifier: MIT */
/* Launchers for cl/optim.cl. */
#include <math.h>

#include "ocl.h"

/* The gradient scale argument: a NULL buffer means 1. */
typedef struct scale_arg {
  cl_mem mem;
  cl_ulong off;
  cl_int present;
} scale_arg;

static scale_arg scale_of(geocl_bref s) { return (scale_arg){ocl_mem(s), s.off, s.mem != NULL}; }

geocl_status ocl_adamw(geocl_backend *be, const geocl_adamw_args *a) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "optim", "adamw_step", &k);
  if (st != GEOCL_OK) return st;
  cl_long n = a->n;
  cl_mem pm = ocl_mem(a->param), gm = ocl_mem(a->grad), mm = ocl_mem(a->m), vm = ocl_mem(a->v);
  cl_ulong po = a->param.off, go = a->grad.off, mo = a->m.off, vo = a->v.off;
  scale_arg s = scale_of(a->grad_scale);
  /* constants rounded once from double, as PyTorch computes them in Python */
  cl_float decay = (float)(1.0 - (double)a->lr * a->weight_decay), b1 = a->beta1, b2 = a->beta2,
           omb1 = (float)(1.0 - a->beta1), omb2 = (float)(1.0 - a->beta2), eps = a->eps,
           step_size = (float)((double)a->lr / a->bias_correction1), bc2_sqrt = (float)sqrt(a->bias_correction2);
  st = ocl_args(k->kernel, 20, OCL_ARG(n), OCL_ARG(pm), OCL_ARG(po), OCL_ARG(gm), OCL_ARG(go), OCL_ARG(mm),
                OCL_ARG(mo), OCL_ARG(vm), OCL_ARG(vo), OCL_ARG(s.mem), OCL_ARG(s.off), OCL_ARG(s.present),
                OCL_ARG(decay), OCL_ARG(b1), OCL_ARG(omb1), OCL_ARG(b2), OCL_ARG(omb2), OCL_ARG(eps),
                OCL_ARG(step_size), OCL_ARG(bc2_sqrt));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)n);
}

geocl_status ocl_sgd(geocl_backend *be, const geocl_sgd_args *a) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "optim", "sgd_step", &k);
  if (st != GEOCL_OK) return st;
  cl_long n = a->n;
  cl_mem pm = ocl_mem(a->param), gm = ocl_mem(a->grad), bm = ocl_mem(a->buf);
  cl_ulong po = a->param.off, go = a->grad.off, bo = a->buf.off;
  scale_arg s = scale_of(a->grad_scale);
  cl_float lr = a->lr, mom = a->momentum, omd = (float)(1.0 - a->dampening), wd = a->weight_decay;
  cl_int nesterov = a->nesterov, first = a->first_step;
  st = ocl_args(k->kernel, 16, OCL_ARG(n), OCL_ARG(pm), OCL_ARG(po), OCL_ARG(gm), OCL_ARG(go), OCL_ARG(bm),
                OCL_ARG(bo), OCL_ARG(s.mem), OCL_ARG(s.off), OCL_ARG(s.present), OCL_ARG(lr), OCL_ARG(mom),
                OCL_ARG(omd), OCL_ARG(wd), OCL_ARG(nesterov), OCL_ARG(first));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)n);
}

geocl_status ocl_clip_coef(geocl_backend *be, float max_norm, geocl_bref sumsq, geocl_bref out) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "optim", "clip_coef", &k);
  if (st != GEOCL_OK) return st;
  cl_float mn = max_norm;
  cl_mem sm = ocl_mem(sumsq), om = ocl_mem(out);
  cl_ulong so = sumsq.off, oo = out.off;
  st = ocl_args(k->kernel, 5, OCL_ARG(mn), OCL_ARG(sm), OCL_ARG(so), OCL_ARG(om), OCL_ARG(oo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, 1);
}
