/* SPDX-License-Identifier: MIT */
/* 2-D real FFTs through clFFT.
 *
 * clfftSetup runs once per process; clfftTeardown runs when the process
 * exits (this module is never unloaded, and other backend instances may hold
 * plans until then).  Each backend instance bakes one plan per
 * (direction, batch, h, w) on its own queue and keeps it until it is
 * destroyed; plan creation and baking hold a process-wide lock because clFFT's
 * baking is not thread-safe.  clFFT transforms whole cl_mem buffers, so
 * arguments at an element offset go through staging buffers kept per plan.
 * irfft2's input always does: clFFT 2.12's complex-to-real transform treats
 * a non-Hermitian column v = w/2 (w even) unlike the backend definition, so
 * cl/fft.cl writes the spectrum there with its self-conjugate columns made
 * Hermitian, which the definition does not see (and clFFT cannot overwrite
 * the caller's input).
 *
 * Under AddressSanitizer, destroying a baked plan reports a
 * new-delete-type-mismatch inside libclFFT 2.12: FFTPlan's destructor
 * deletes the plan's action (allocated as a derived class in selectAction)
 * through its base class, whose destructor is not virtual.  clfftTeardown
 * destroys the plans left the same way, so no order of calls avoids it; run
 * with ASAN_OPTIONS=new_delete_type_mismatch=0 (docs/fuzzing.md). */
#include <clFFT.h>
#include <stdio.h>
#include <stdlib.h>

#include "ocl.h"

typedef struct ocl_fft_plan {
  int inverse;
  int64_t batch, h, w;
  clfftPlanHandle handle;
  bool created; /* handle is valid */
  cl_mem in, out; /* staging for an input / output at an offset, made on first need */
  struct ocl_fft_plan *next;
} ocl_fft_plan;

static pthread_once_t setup_once = PTHREAD_ONCE_INIT;
static clfftStatus setup_status;
static pthread_mutex_t plan_lock = PTHREAD_MUTEX_INITIALIZER;

/* Registered with atexit after clfftSetup, so it runs before the exit
 * handlers clfftSetup itself registered (which otherwise complain that the
 * resources were not freed).  The module is never unloaded. */
static void teardown(void) { clfftTeardown(); }

static void setup(void) {
  /* filled by hand: clFFT.h's clfftInitSetupData is an inline without an
   * external definition, which C does not always link */
  clfftSetupData data = {clfftVersionMajor, clfftVersionMinor, clfftVersionPatch, 0};
  setup_status = clfftSetup(&data);
  if (setup_status == CLFFT_SUCCESS) atexit(teardown);
}

static geocl_status fft_fail(clfftStatus s, const char *what, int64_t h, int64_t w) {
  char where[160];
  snprintf(where, sizeof where, "%s for a %lldx%lld FFT", what, (long long)h, (long long)w);
  if (s < CLFFT_BUGCHECK) return ocl_fail((cl_int)s, where);
  if (s == CLFFT_NOTIMPLEMENTED)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "%s: size not supported (clFFT lengths factor into 2, 3, 5, 7, 11, 13)",
                           where);
  return geocl_set_error(GEOCL_E_DEVICE, "%s failed: clFFT status %d", where, (int)s);
}

/* Create and bake a plan; plan_lock held. */
static clfftStatus bake(ocl_backend *ob, ocl_fft_plan *p, const char **what) {
  size_t wc = (size_t)p->w / 2 + 1;
  size_t len[2] = {(size_t)p->w, (size_t)p->h}; /* clFFT's first length is the fastest-varying */
  size_t real_strides[2] = {1, (size_t)p->w}, spec_strides[2] = {1, wc};
  size_t real_dist = (size_t)(p->h * p->w), spec_dist = (size_t)p->h * wc;
  clfftStatus s;
  *what = "clfftCreateDefaultPlan";
  if ((s = clfftCreateDefaultPlan(&p->handle, ob->dev->context, CLFFT_2D, len)) != CLFFT_SUCCESS) return s;
  p->created = true;
  *what = "setting up the plan";
  s = clfftSetPlanPrecision(p->handle, CLFFT_SINGLE);
  if (s == CLFFT_SUCCESS) s = clfftSetResultLocation(p->handle, CLFFT_OUTOFPLACE);
  if (s == CLFFT_SUCCESS) s = clfftSetPlanBatchSize(p->handle, (size_t)p->batch);
  if (p->inverse) {
    if (s == CLFFT_SUCCESS) s = clfftSetLayout(p->handle, CLFFT_HERMITIAN_INTERLEAVED, CLFFT_REAL);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanInStride(p->handle, CLFFT_2D, spec_strides);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanOutStride(p->handle, CLFFT_2D, real_strides);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanDistance(p->handle, spec_dist, real_dist);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanScale(p->handle, CLFFT_BACKWARD, 1.0f / (float)(p->h * p->w));
  } else {
    if (s == CLFFT_SUCCESS) s = clfftSetLayout(p->handle, CLFFT_REAL, CLFFT_HERMITIAN_INTERLEAVED);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanInStride(p->handle, CLFFT_2D, real_strides);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanOutStride(p->handle, CLFFT_2D, spec_strides);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanDistance(p->handle, real_dist, spec_dist);
    if (s == CLFFT_SUCCESS) s = clfftSetPlanScale(p->handle, CLFFT_FORWARD, 1.0f);
  }
  if (s != CLFFT_SUCCESS) return s;
  *what = "clfftBakePlan";
  return clfftBakePlan(p->handle, 1, &ob->queue, NULL, NULL);
}

static void plan_free(ocl_fft_plan *p) {
  if (p->created) {
    pthread_mutex_lock(&plan_lock);
    clfftDestroyPlan(&p->handle);
    pthread_mutex_unlock(&plan_lock);
  }
  if (p->in) clReleaseMemObject(p->in);
  if (p->out) clReleaseMemObject(p->out);
  free(p);
}

static geocl_status plan_get(ocl_backend *ob, int inverse, int64_t batch, int64_t h, int64_t w, ocl_fft_plan **out) {
  for (ocl_fft_plan *p = ob->fft_plans; p; p = p->next)
    if (p->inverse == inverse && p->batch == batch && p->h == h && p->w == w) {
      *out = p;
      return GEOCL_OK;
    }
  pthread_once(&setup_once, setup);
  if (setup_status != CLFFT_SUCCESS) return fft_fail(setup_status, "clfftSetup", h, w);
  ocl_fft_plan *p = calloc(1, sizeof *p);
  if (!p) return geocl_set_error(GEOCL_E_NOMEM, "out of host memory for a clFFT plan");
  *p = (ocl_fft_plan){.inverse = inverse, .batch = batch, .h = h, .w = w};
  const char *what = "";
  pthread_mutex_lock(&plan_lock);
  clfftStatus s = bake(ob, p, &what);
  pthread_mutex_unlock(&plan_lock);
  if (s != CLFFT_SUCCESS) {
    geocl_status st = fft_fail(s, what, h, w);
    plan_free(p);
    return st;
  }
  p->next = ob->fft_plans;
  ob->fft_plans = p;
  *out = p;
  return GEOCL_OK;
}

static size_t mem_bytes(cl_mem m) {
  size_t bytes = 0;
  if (m) clGetMemObjectInfo(m, CL_MEM_SIZE, sizeof bytes, &bytes, NULL);
  return bytes;
}

size_t ocl_fft_held_bytes(const ocl_backend *ob) {
  size_t bytes = 0;
  for (const ocl_fft_plan *p = ob->fft_plans; p; p = p->next) bytes += mem_bytes(p->in) + mem_bytes(p->out);
  return bytes;
}

void ocl_fft_release(ocl_backend *ob) {
  while (ob->fft_plans) {
    ocl_fft_plan *p = ob->fft_plans;
    ob->fft_plans = p->next;
    plan_free(p);
  }
}

/* The staging buffer *buf of `bytes`, created on first use. */
static geocl_status staging(ocl_backend *ob, cl_mem *buf, size_t bytes) {
  if (*buf) return GEOCL_OK;
  cl_int err;
  *buf = clCreateBuffer(ob->dev->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
  return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, "clCreateBuffer (FFT staging)");
}

static geocl_status copy(ocl_backend *ob, cl_mem src, size_t src_off, cl_mem dst, size_t dst_off, size_t bytes) {
  cl_int err = clEnqueueCopyBuffer(ob->queue, src, dst, src_off, dst_off, bytes, 0, NULL, NULL);
  return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, "clEnqueueCopyBuffer (FFT staging)");
}

/* Run plan p from src (a whole buffer) to (out, element offset), staging the
 * output when it has an offset. */
static geocl_status transform(ocl_backend *ob, ocl_fft_plan *p, cl_mem src, geocl_bref out, size_t out_elems) {
  cl_mem dst = ocl_mem(out);
  geocl_status st = GEOCL_OK;
  if (out.off) {
    st = staging(ob, &p->out, out_elems * 4);
    dst = p->out;
  }
  if (st != GEOCL_OK) return st;
  clfftStatus s = clfftEnqueueTransform(p->handle, p->inverse ? CLFFT_BACKWARD : CLFFT_FORWARD, 1, &ob->queue, 0,
                                        NULL, ocl_profile_event(ob), &src, &dst, NULL);
  ocl_profile_record(ob, "clfft");
  if (s != CLFFT_SUCCESS) return fft_fail(s, "clfftEnqueueTransform", p->h, p->w);
  return out.off ? copy(ob, p->out, 0, ocl_mem(out), out.off * 4, out_elems * 4) : GEOCL_OK;
}

geocl_status ocl_rfft2(geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref x, geocl_bref X) {
  ocl_backend *ob = ocl_of(be);
  ocl_fft_plan *p;
  geocl_status st = plan_get(ob, 0, batch, h, w, &p);
  if (st != GEOCL_OK) return st;
  size_t n = (size_t)(batch * h * w);
  cl_mem src = ocl_mem(x);
  if (x.off) {
    st = staging(ob, &p->in, n * 4);
    if (st == GEOCL_OK) st = copy(ob, src, x.off * 4, p->in, 0, n * 4);
    if (st != GEOCL_OK) return st;
    src = p->in;
  }
  return transform(ob, p, src, X, (size_t)(batch * h * (w / 2 + 1) * 2));
}

geocl_status ocl_irfft2(geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref X, geocl_bref x) {
  ocl_backend *ob = ocl_of(be);
  ocl_fft_plan *p;
  geocl_status st = plan_get(ob, 1, batch, h, w, &p);
  if (st != GEOCL_OK) return st;
  cl_long n = batch * h * (w / 2 + 1), hh = h, ww = w;
  st = staging(ob, &p->in, (size_t)n * 8);
  ocl_kernel_slot *k;
  if (st == GEOCL_OK) st = ocl_kernel(ob, "fft", "hermitian_edges", &k);
  if (st != GEOCL_OK) return st;
  cl_mem sm = ocl_mem(X);
  cl_ulong so = X.off;
  st = ocl_args(k->kernel, 6, OCL_ARG(n), OCL_ARG(hh), OCL_ARG(ww), OCL_ARG(sm), OCL_ARG(so), OCL_ARG(p->in));
  if (st == GEOCL_OK) st = ocl_launch_1d(ob, k, (size_t)n);
  return st != GEOCL_OK ? st : transform(ob, p, p->in, x, (size_t)(batch * h * w));
}
