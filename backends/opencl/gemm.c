/* SPDX-License-Identifier: MIT */
/* GEMM: geocl's own kernel (gemm_kernel.c, cl/gemm.cl) or CLBlast, per
 * shape as the device's tuning table says (gemm_table.c, `geocl tune`);
 * untuned, as the device's defaults say (defaults.c): geocl's kernel on CPUs
 * and CLBlast, with its database of tuned parameters for known GPUs,
 * elsewhere.  GEOCL_GEMM=geocl|clblast forces one
 * (read on every call; "geocl tm=… …" as the tuning cache writes it also
 * forces the kernel's parameters: the tests use it).  CLBlast's own kernel
 * parameters may be tuned too, once per device (gemm_clblast.c): the table
 * sets them when it is read, before the first GEMM.
 *
 * CLBlast 1.5.3's SgemmStridedBatched returns wrong results for some shapes
 * when an operand starts at a non-zero offset (e.g. 196x4096x1024 with B at
 * offset 16: relative error 1.4; 5 of 80 random shapes of transformer sizes
 * failed), while its plain Sgemm is right on the same inputs.  Parameters are
 * views into one flat buffer, so offsets are the rule here: every batch item
 * is one Sgemm call.  tests/check_opencl_smoke keeps the failing shapes. */
#include <clblast_c.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"

static geocl_status scale_c(ocl_backend *ob, const geocl_gemm_args *g) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "data", "scale_matrix", &k);
  if (st != GEOCL_OK) return st;
  cl_mem cm = ocl_mem(g->c);
  cl_ulong off = g->c.off;
  cl_long ldc = g->ldc, stride = g->stride_c, m = g->m, n = g->n, batch = g->batch;
  cl_float beta = g->beta;
  st = ocl_args(k->kernel, 8, OCL_ARG(cm), OCL_ARG(off), OCL_ARG(ldc), OCL_ARG(stride), OCL_ARG(m), OCL_ARG(n),
                OCL_ARG(batch), OCL_ARG(beta));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(g->batch * g->m * g->n));
}

/* C = the bias in every row, for products that add one but cannot (k = 0,
 * CLBlast: the product then adds with beta = 1). */
static geocl_status bias_rows(geocl_backend *be, const geocl_gemm_args *g) {
  return ocl_copy(be, 3, (int64_t[]){g->batch, g->m, g->n}, g->bias, (int64_t[]){0, 0, 1}, g->c,
                  (int64_t[]){g->stride_c, g->ldc, 1}, 0);
}

static geocl_status clblast_gemm(ocl_backend *ob, const geocl_gemm_args *args) {
  geocl_gemm_args with_bias = *args;
  const geocl_gemm_args *g = args;
  if (args->bias.mem) {
    geocl_status st = bias_rows(&ob->base, args);
    if (st != GEOCL_OK) return st;
    with_bias.beta = 1.0f;
    with_bias.bias.mem = NULL;
    g = &with_bias;
  }
  CLBlastStatusCode s = CLBlastSuccess;
  for (int64_t i = 0; i < g->batch && s == CLBlastSuccess; i++) {
    s = CLBlastSgemm(CLBlastLayoutRowMajor, g->trans_a ? CLBlastTransposeYes : CLBlastTransposeNo,
                     g->trans_b ? CLBlastTransposeYes : CLBlastTransposeNo, (size_t)g->m, (size_t)g->n, (size_t)g->k,
                     g->alpha, ocl_mem(g->a), g->a.off + (size_t)(i * g->stride_a), (size_t)g->lda, ocl_mem(g->b),
                     g->b.off + (size_t)(i * g->stride_b), (size_t)g->ldb, g->beta, ocl_mem(g->c),
                     g->c.off + (size_t)(i * g->stride_c), (size_t)g->ldc, &ob->queue, ocl_profile_event(ob));
    ocl_profile_record(ob, "clblast_sgemm");
  }
  if (s != CLBlastSuccess) {
    if (s == CLBlastTempBufferAllocFailure || s == CLBlastOpenCLOutOfResources || s == CLBlastOpenCLOutOfHostMemory)
      return geocl_set_error(GEOCL_E_DEVICE_NOMEM, "CLBlast Sgemm %lldx%lldx%lld (batch %lld): status %d",
                             (long long)g->m, (long long)g->n, (long long)g->k, (long long)g->batch, (int)s);
    return geocl_set_error(GEOCL_E_DEVICE, "CLBlast Sgemm %lldx%lldx%lld (batch %lld) failed: status %d",
                           (long long)g->m, (long long)g->n, (long long)g->k, (long long)g->batch, (int)s);
  }
  return GEOCL_OK;
}

void ocl_gemm_untuned(const ocl_device *dev, ocl_gemm_choice *c) {
  c->impl = dev->defaults.gemm_clblast ? OCL_GEMM_CLBLAST : OCL_GEMM_GEOCL;
  ocl_gemm_default_params(dev, &c->params);
}

geocl_status ocl_gemm_run(ocl_backend *ob, const ocl_gemm_choice *c, const geocl_gemm_args *g) {
  return c->impl == OCL_GEMM_CLBLAST ? clblast_gemm(ob, g) : ocl_gemm_kernel(ob, &c->params, g);
}

geocl_status ocl_gemm(geocl_backend *be, const geocl_gemm_args *g) {
  ocl_backend *ob = ocl_of(be);
  if (g->m == 0 || g->n == 0 || g->batch == 0) return GEOCL_OK;
  if (g->bias.mem && g->beta != 0.0f)
    return geocl_set_error(GEOCL_E_INVALID, "GEMM %lldx%lldx%lld: a bias goes only with beta = 0", (long long)g->m,
                           (long long)g->n, (long long)g->k);
  if (g->k == 0) return g->bias.mem ? bias_rows(be, g) : g->beta == 1.0f ? GEOCL_OK : scale_c(ob, g);
  ocl_gemm_choice c;
  if (!ocl_gemm_tuned(ob->dev, g, &c)) ocl_gemm_untuned(ob->dev, &c);
  const char *force = getenv("GEOCL_GEMM");
  if (force && !strcmp(force, "geocl")) {
    if (c.impl != OCL_GEMM_GEOCL) ocl_gemm_untuned(ob->dev, &c);
    c.impl = OCL_GEMM_GEOCL;
  } else if (force && *force && !ocl_gemm_choice_parse(force, &c))
    return geocl_set_error(GEOCL_E_INVALID,
                           "GEOCL_GEMM='%s': expected geocl, clblast or geocl with all its parameters "
                           "(\"geocl tm=6 vw=16 nv=2 ku=4 wg=1x1 panels=1 pack_a=2 pack_b=1 pack_wg=1\")",
                           force);
  return ocl_gemm_run(ob, &c, g);
}
