/* SPDX-License-Identifier: MIT */
/* Kernels given as OpenCL C source (custom ops, geocl/custom-op.h): the
 * program built once per device through the program cache, one kernel
 * object per backend instance, launched over n work-items with the
 * arguments (long n, args...). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

/* A kernel of a given source on one backend instance. */
typedef struct ocl_source_kernel {
  char program[64];
  char name[64];
  ocl_kernel_slot slot; /* slot.name points at name */
  cl_uint n_args;       /* as the kernel declares them */
  struct ocl_source_kernel *next;
} given_kernel;

static geocl_status find_kernel(ocl_backend *ob, const geocl_source_kernel *k, given_kernel **out) {
  for (given_kernel *s = ob->source_kernels; s; s = s->next)
    if (!strcmp(s->program, k->program) && !strcmp(s->name, k->kernel)) {
      *out = s;
      return GEOCL_OK;
    }
  if (strlen(k->program) >= sizeof((given_kernel *)0)->program ||
      strlen(k->kernel) >= sizeof((given_kernel *)0)->name)
    return geocl_set_error(GEOCL_E_INVALID, "kernel '%.80s' of %.80s: name too long", k->kernel, k->program);
  const ocl_program *prog;
  geocl_status st = ocl_program_from_source(ob->dev, k->program, k->source, &prog);
  if (st != GEOCL_OK) return st;
  given_kernel *s = calloc(1, sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  snprintf(s->program, sizeof s->program, "%s", k->program);
  snprintf(s->name, sizeof s->name, "%s", k->kernel);
  st = ocl_kernel_slot_init(ob, prog, s->name, &s->slot);
  cl_int err = st == GEOCL_OK ? clGetKernelInfo(s->slot.kernel, CL_KERNEL_NUM_ARGS, sizeof s->n_args, &s->n_args, NULL)
                              : CL_SUCCESS;
  if (st == GEOCL_OK && err != CL_SUCCESS) {
    clReleaseKernel(s->slot.kernel);
    st = ocl_fail(err, "clGetKernelInfo(CL_KERNEL_NUM_ARGS)");
  }
  if (st != GEOCL_OK) {
    free(s);
    return st;
  }
  s->next = ob->source_kernels;
  ob->source_kernels = s;
  *out = s;
  return GEOCL_OK;
}

geocl_status ocl_source_kernel(geocl_backend *be, const geocl_source_kernel *k) {
  ocl_backend *ob = ocl_of(be);
  if (k->work_items < 0)
    return geocl_set_error(GEOCL_E_INVALID, "kernel '%s' of %s: %lld work-items", k->kernel, k->program,
                           (long long)k->work_items);
  given_kernel *s = NULL;
  geocl_status st = find_kernel(ob, k, &s);
  if (st != GEOCL_OK) return st;
  cl_uint n_args = 1;
  for (int i = 0; i < k->n_args; i++) n_args += k->args[i].kind == GEOCL_KARG_BUFFER ? 2 : 1;
  if (n_args != s->n_args)
    return geocl_set_error(GEOCL_E_INVALID, "kernel '%s' of %s declares %u arguments, the launch passes %u", k->kernel,
                           k->program, s->n_args, n_args);
  cl_kernel kern = s->slot.kernel;
  cl_long n = k->work_items;
  cl_int err = clSetKernelArg(kern, 0, sizeof n, &n);
  cl_uint a = 1;
  for (int i = 0; i < k->n_args && err == CL_SUCCESS; i++) {
    const geocl_kernel_arg *arg = &k->args[i];
    if (arg->kind == GEOCL_KARG_BUFFER) {
      cl_mem m = ocl_mem(arg->buf);
      cl_ulong off = arg->buf.off;
      err = clSetKernelArg(kern, a++, sizeof m, &m);
      if (err == CL_SUCCESS) err = clSetKernelArg(kern, a++, sizeof off, &off);
    } else if (arg->kind == GEOCL_KARG_LONG) {
      cl_long l = arg->l;
      err = clSetKernelArg(kern, a++, sizeof l, &l);
    } else {
      cl_float f = arg->f;
      err = clSetKernelArg(kern, a++, sizeof f, &f);
    }
  }
  if (err != CL_SUCCESS) {
    char what[192];
    snprintf(what, sizeof what, "argument %u of kernel '%s' of %s", a - 1, k->kernel, k->program);
    return ocl_fail(err, what);
  }
  return ocl_launch_1d(ob, &s->slot, (size_t)k->work_items);
}

void ocl_source_kernels_release(ocl_backend *ob) {
  while (ob->source_kernels) {
    given_kernel *s = ob->source_kernels;
    ob->source_kernels = s->next;
    clReleaseKernel(s->slot.kernel);
    free(s);
  }
}
