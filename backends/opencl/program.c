/* SPDX-License-Identifier: MIT */
/* Building programs from the embedded kernel sources (or from
 * $GEOCL_KERNEL_DIR) and from sources callers give (custom ops), the on-disk
 * binary cache, and kernel launches. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"


typedef struct ocl_program {
  char name[64];
  char extra[256]; /* options added to the device's build options */
  bool given;      /* built from a caller's source, not cl/<name>.cl */
  cl_program program;
  struct ocl_program *next;
} ocl_program;

static char *read_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
    free(buf);
    buf = NULL;
  }
  if (buf) buf[n] = '\0';
  fclose(f);
  return buf;
}

/* The source of cl/<name>.cl with cl/common.cl in front (malloc'd). */
static char *program_source(const char *name) {
  const char *dir = getenv("GEOCL_KERNEL_DIR");
  char *common = NULL, *body = NULL;
  if (dir && *dir) {
    char path[4096];
    snprintf(path, sizeof path, "%s/common.cl", dir);
    common = read_file(path);
    snprintf(path, sizeof path, "%s/%s.cl", dir, name);
    body = read_file(path);
    if (!common || !body) {
      geocl_set_error(GEOCL_E_IO, "GEOCL_KERNEL_DIR=%s: cannot read %s", dir, !common ? "common.cl" : path);
      free(common);
      free(body);
      return NULL;
    }
  } else {
    for (int i = 0; i < ocl_n_sources; i++) {
      if (!strcmp(ocl_sources[i].name, "common")) common = strdup(ocl_sources[i].text);
      if (!strcmp(ocl_sources[i].name, name)) body = strdup(ocl_sources[i].text);
    }
    if (!body) {
      free(common);
      geocl_set_error(GEOCL_E_NOT_FOUND, "no kernel source cl/%s.cl was built into this backend", name);
      return NULL;
    }
  }
  size_t lc = common ? strlen(common) : 0, lb = strlen(body);
  char *src = malloc(lc + lb + 32);
  if (src) {
    snprintf(src, lc + lb + 32, "%s\n#line 1\n%s", common ? common : "", body);
  }
  free(common);
  free(body);
  if (!src) geocl_set_error(GEOCL_E_NOMEM, "out of memory reading kernel sources");
  return src;
}

/* How messages name a program: cl/<name>.cl, or the name of a given source. */
static void program_label(const char *name, bool given, char *out, size_t size) {
  if (given) snprintf(out, size, "%s", name);
  else snprintf(out, size, "cl/%s.cl", name);
}

static geocl_status build_failure(ocl_device *dev, cl_program prog, const char *label, cl_int err) {
  size_t size = 0;
  clGetProgramBuildInfo(prog, dev->id, CL_PROGRAM_BUILD_LOG, 0, NULL, &size);
  char *log = malloc(size + 1);
  if (log) {
    log[0] = '\0';
    clGetProgramBuildInfo(prog, dev->id, CL_PROGRAM_BUILD_LOG, size, log, NULL);
    log[size] = '\0';
    geocl_logf(GEOCL_LOG_ERROR, "build log of %s on %s:\n%s", label, dev->info.name, log);
  }
  /* the first line of the log usually names the failing line */
  char first[512] = "";
  if (log) {
    const char *p = log;
    while (*p == '\n' || *p == ' ') p++;
    snprintf(first, sizeof first, "%.*s", (int)strcspn(p, "\n"), p);
  }
  free(log);
  return geocl_set_error(GEOCL_E_BUILD, "compiling %s for %s failed (%s): %s", label, dev->info.name,
                         ocl_error_name(err), first[0] ? first : "no build log");
}

/* Build (or load from the cache) the program from src on the device; lock held. */
static geocl_status build_program(ocl_device *dev, const char *label, const char *src, const char *extra,
                                  cl_program *out) {
  char options[sizeof dev->build_options + sizeof((ocl_program *)0)->extra + 1];
  snprintf(options, sizeof options, "%s %s", dev->build_options, extra);
  char key[65] = "";
  cl_program prog = ocl_bincache_load(dev, src, options, key);
  if (prog) {
    geocl_debug("%s loaded from the program cache (%s)", label, key);
    *out = prog;
    return GEOCL_OK;
  }
  cl_int err;
  const char *srcs[1] = {src};
  prog = clCreateProgramWithSource(dev->context, 1, srcs, NULL, &err);
  if (err != CL_SUCCESS) return ocl_fail(err, "clCreateProgramWithSource");
  err = clBuildProgram(prog, 1, &dev->id, options, NULL, NULL);
  if (err != CL_SUCCESS) {
    geocl_status st = build_failure(dev, prog, label, err);
    clReleaseProgram(prog);
    return st;
  }
  geocl_debug("%s built from source", label);
  if (key[0]) ocl_bincache_store(dev, prog, key);
  *out = prog;
  return GEOCL_OK;
}

/* The program `name` built once per device: cl/<name>.cl, or the caller's
 * source when given is non-NULL. */
static geocl_status program_get(ocl_device *dev, const char *name, const char *given, const char *extra,
                                cl_program *out) {
  char label[128];
  program_label(name, given != NULL, label, sizeof label);
  if (strlen(name) >= sizeof((ocl_program *)0)->name)
    return geocl_set_error(GEOCL_E_INVALID, "program name %s too long", label);
  if (strlen(extra) >= sizeof((ocl_program *)0)->extra)
    return geocl_set_error(GEOCL_E_INVALID, "build options for %s too long: %s", label, extra);
  pthread_mutex_lock(&dev->lock);
  geocl_status st = GEOCL_OK;
  ocl_program *p = dev->programs;
  while (p && (strcmp(p->name, name) || strcmp(p->extra, extra) || p->given != (given != NULL))) p = p->next;
  if (!p) {
    cl_program prog = NULL;
    char *src = given ? NULL : program_source(name);
    st = given || src ? build_program(dev, label, given ? given : src, extra, &prog) : geocl_last_status();
    free(src);
    if (st == GEOCL_OK) {
      p = calloc(1, sizeof *p);
      if (!p) {
        clReleaseProgram(prog);
        st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
      } else {
        snprintf(p->name, sizeof p->name, "%s", name);
        snprintf(p->extra, sizeof p->extra, "%s", extra);
        p->given = given != NULL;
        p->program = prog;
        p->next = dev->programs;
        dev->programs = p;
      }
    }
  }
  if (p) *out = p->program;
  pthread_mutex_unlock(&dev->lock);
  return st;
}

geocl_status ocl_program_get(ocl_device *dev, const char *name, const char *extra, cl_program *out) {
  return program_get(dev, name, NULL, extra, out);
}

geocl_status ocl_program_from_source(ocl_device *dev, const char *name, const char *source, cl_program *out) {
  return program_get(dev, name, source, "", out);
}

geocl_status ocl_kernel_slot_init(ocl_backend *ob, cl_program prog, const char *label, const char *kernel,
                                  ocl_kernel_slot *slot) {
  cl_int err;
  cl_kernel k = clCreateKernel(prog, kernel, &err);
  if (err != CL_SUCCESS) {
    char what[192];
    snprintf(what, sizeof what, "kernel '%s' of %s", kernel, label);
    return ocl_fail(err, what);
  }
  size_t wg = 0;
  clGetKernelWorkGroupInfo(k, ob->dev->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
  if (wg == 0) wg = 1;
  if (wg > 256) wg = 256;
  size_t multiple = 1;
  clGetKernelWorkGroupInfo(k, ob->dev->id, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, sizeof multiple, &multiple,
                           NULL);
  if (multiple == 0 || multiple > wg) multiple = 1;
  slot->name = kernel;
  slot->kernel = k;
  slot->wg = wg;
  slot->multiple = multiple;
  return GEOCL_OK;
}

geocl_status ocl_kernel(ocl_backend *ob, const char *program, const char *kernel, ocl_kernel_slot **out) {
  for (int i = 0; i < ob->n_kernels; i++)
    if (!strcmp(ob->kernels[i].name, kernel)) {
      *out = &ob->kernels[i];
      return GEOCL_OK;
    }
  if (ob->n_kernels == OCL_MAX_KERNELS)
    return geocl_set_error(GEOCL_E_DEVICE, "OpenCL backend: more than %d kernels in use", OCL_MAX_KERNELS);
  cl_program prog = NULL;
  geocl_status st = ocl_program_get(ob->dev, program, "", &prog);
  if (st != GEOCL_OK) return st;
  char label[128];
  program_label(program, false, label, sizeof label);
  st = ocl_kernel_slot_init(ob, prog, label, kernel, &ob->kernels[ob->n_kernels]);
  if (st != GEOCL_OK) return st;
  *out = &ob->kernels[ob->n_kernels++];
  return GEOCL_OK;
}

void ocl_kernels_release(ocl_backend *ob) {
  for (int i = 0; i < ob->n_kernels; i++) clReleaseKernel(ob->kernels[i].kernel);
  ob->n_kernels = 0;
}

geocl_status ocl_args(cl_kernel k, int n, ...) {
  va_list ap;
  va_start(ap, n);
  cl_int err = CL_SUCCESS;
  int i;
  for (i = 0; i < n && err == CL_SUCCESS; i++) {
    size_t size = va_arg(ap, size_t);
    const void *ptr = va_arg(ap, const void *);
    err = clSetKernelArg(k, (cl_uint)i, size, ptr);
  }
  va_end(ap);
  if (err != CL_SUCCESS) {
    char what[64];
    snprintf(what, sizeof what, "clSetKernelArg(%d)", i - 1);
    return ocl_fail(err, what);
  }
  return GEOCL_OK;
}

geocl_status ocl_launch(ocl_backend *ob, ocl_kernel_slot *k, cl_uint dims, const size_t *global, const size_t *local) {
  size_t g[3];
  for (cl_uint d = 0; d < dims; d++) {
    if (global[d] == 0) return GEOCL_OK;
    /* round up to the work-group size; kernels guard the tail */
    g[d] = local ? (global[d] + local[d] - 1) / local[d] * local[d] : global[d];
  }
  cl_int err = clEnqueueNDRangeKernel(ob->queue, k->kernel, dims, NULL, g, local, 0, NULL, ocl_profile_event(ob));
  ocl_profile_record(ob, k->name);
  if (err != CL_SUCCESS) {
    char what[128];
    snprintf(what, sizeof what, "launching kernel '%s'", k->name);
    return ocl_fail(err, what);
  }
  return GEOCL_OK;
}

geocl_status ocl_launch_1d(ocl_backend *ob, ocl_kernel_slot *k, size_t n) {
  size_t local = k->wg;
  return ocl_launch(ob, k, 1, &n, &local);
}

geocl_status ocl_launch_vectors(ocl_backend *ob, ocl_kernel_slot *k, size_t n) {
  size_t vw = ob->dev->vec_width;
  return ocl_launch_1d(ob, k, (n + vw - 1) / vw);
}
