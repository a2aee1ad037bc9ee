/* SPDX-License-Identifier: MIT */
/* Building programs from the embedded kernel sources (or from
 * $GEOCL_KERNEL_DIR) and from sources callers give (custom ops), the on-disk
 * binary cache, kernels with their limits, and launches within them. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

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

/* How messages name a program: cl/<name>.cl, or a caller's name for its source. */
static void program_label(const ocl_program *p, char *out, size_t size) {
  if (p->given) snprintf(out, size, "%s", p->name);
  else snprintf(out, size, "cl/%s.cl", p->name);
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

/* Build (or load from the cache) src as the program `label` on the device
 * with ROW_WG = row_wg; lock held. */
static geocl_status build_program(ocl_device *dev, const char *label, const char *src, size_t row_wg,
                                  const char *extra, cl_program *out) {
  char options[sizeof dev->build_options + sizeof((ocl_program *)0)->extra + 32];
  snprintf(options, sizeof options, "%s -DROW_WG=%zu %s", dev->build_options, row_wg, extra);
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
  geocl_debug("%s built from source (%s)", label, options);
  if (key[0]) ocl_bincache_store(dev, prog, key);
  *out = prog;
  return GEOCL_OK;
}

/* The most work-items the device allows every kernel of prog that requires
 * its work-group size (0: none requires one). */
static size_t required_wg_limit(ocl_device *dev, cl_program prog) {
  cl_uint n = 0;
  if (clCreateKernelsInProgram(prog, 0, NULL, &n) != CL_SUCCESS || n == 0) return 0;
  cl_kernel *ks = calloc(n, sizeof *ks);
  size_t limit = 0;
  if (ks && clCreateKernelsInProgram(prog, n, ks, NULL) == CL_SUCCESS)
    for (cl_uint i = 0; i < n; i++) {
      size_t reqd[3] = {0, 0, 0}, max = 0;
      clGetKernelWorkGroupInfo(ks[i], dev->id, CL_KERNEL_COMPILE_WORK_GROUP_SIZE, sizeof reqd, reqd, NULL);
      clGetKernelWorkGroupInfo(ks[i], dev->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof max, &max, NULL);
      if (reqd[0] && (!limit || max < limit)) limit = max;
      clReleaseKernel(ks[i]);
    }
  free(ks);
  return limit;
}

/* Build p (its name, given and extra set) from src with the device's ROW_WG,
 * halving it (for this and later programs) until every row kernel allows its
 * work-groups: a device may allow some kernels fewer work-items than others. */
static geocl_status build_fitting(ocl_device *dev, const char *src, ocl_program *p) {
  char label[128];
  program_label(p, label, sizeof label);
  geocl_status st;
  for (;;) {
    size_t row_wg = dev->row_wg;
    st = build_program(dev, label, src, row_wg, p->extra, &p->program);
    if (st != GEOCL_OK) break;
    size_t limit = required_wg_limit(dev, p->program);
    if (!limit || limit >= row_wg) {
      p->row_wg = row_wg;
      break;
    }
    clReleaseProgram(p->program);
    p->program = NULL;
    if (row_wg == 1) {
      st = geocl_set_error(GEOCL_E_DEVICE, "%s allows the row kernels of %s no work-items", dev->info.name,
                           label);
      break;
    }
    while (dev->row_wg > 1 && dev->row_wg > limit) dev->row_wg /= 2;
    geocl_debug("%s: %s allows its row kernels %zu work-items; ROW_WG %zu from now on", label, dev->info.name,
                limit, dev->row_wg);
  }
  return st;
}

/* The program `name` built once per device: cl/<name>.cl, or the caller's
 * source when given is non-NULL. */
static geocl_status program_get(ocl_device *dev, const char *name, const char *given, const char *extra,
                                const ocl_program **out) {
  if (strlen(name) >= sizeof((ocl_program *)0)->name)
    return geocl_set_error(GEOCL_E_INVALID, "program name %.80s... too long", name);
  if (strlen(extra) >= sizeof((ocl_program *)0)->extra)
    return geocl_set_error(GEOCL_E_INVALID, "build options for program %s too long: %s", name, extra);
  pthread_mutex_lock(&dev->lock);
  geocl_status st = GEOCL_OK;
  ocl_program *p = dev->programs;
  while (p && (strcmp(p->name, name) || strcmp(p->extra, extra) || p->given != (given != NULL))) p = p->next;
  if (!p) {
    p = calloc(1, sizeof *p);
    char *src = given || !p ? NULL : program_source(name);
    if (!p) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    else if (!given && !src) st = geocl_last_status();
    if (st == GEOCL_OK) {
      snprintf(p->name, sizeof p->name, "%s", name);
      snprintf(p->extra, sizeof p->extra, "%s", extra);
      p->given = given != NULL;
      st = build_fitting(dev, given ? given : src, p);
    }
    free(src);
    if (st == GEOCL_OK) {
      p->next = dev->programs;
      dev->programs = p;
    } else {
      free(p);
      p = NULL;
    }
  }
  if (p) *out = p;
  pthread_mutex_unlock(&dev->lock);
  return st;
}

geocl_status ocl_program_get(ocl_device *dev, const char *name, const char *extra, const ocl_program **out) {
  return program_get(dev, name, NULL, extra, out);
}

geocl_status ocl_program_from_source(ocl_device *dev, const char *name, const char *source, const ocl_program **out) {
  return program_get(dev, name, source, "", out);
}

geocl_status ocl_kernel_slot_init(ocl_backend *ob, const ocl_program *p, const char *kernel, ocl_kernel_slot *slot) {
  ocl_device *dev = ob->dev;
  cl_int err;
  char label[128];
  program_label(p, label, sizeof label);
  cl_kernel k = clCreateKernel(p->program, kernel, &err);
  if (err != CL_SUCCESS) {
    char what[224];
    snprintf(what, sizeof what, "kernel '%s' of %s", kernel, label);
    return ocl_fail(err, what);
  }
  size_t max_wg = 0, multiple = 1;
  cl_ulong local = 0;
  clGetKernelWorkGroupInfo(k, dev->id, CL_KERNEL_WORK_GROUP_SIZE, sizeof max_wg, &max_wg, NULL);
  clGetKernelWorkGroupInfo(k, dev->id, CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE, sizeof multiple, &multiple, NULL);
  clGetKernelWorkGroupInfo(k, dev->id, CL_KERNEL_LOCAL_MEM_SIZE, sizeof local, &local, NULL);
  if (local > dev->info.local_mem_bytes) {
    clReleaseKernel(k);
    return geocl_set_error(GEOCL_E_DEVICE, "kernel '%s' of %s needs %llu bytes of local memory; %s has %llu",
                           kernel, label, (unsigned long long)local, dev->info.name,
                           (unsigned long long)dev->info.local_mem_bytes);
  }
  if (max_wg == 0) max_wg = 1;
  size_t wg = max_wg < dev->defaults.launch_wg ? max_wg : dev->defaults.launch_wg;
  if (multiple == 0 || multiple > wg) multiple = 1;
  wg = wg / multiple * multiple; /* whole multiples of the preferred size */
  *slot = (ocl_kernel_slot){.name = kernel, .kernel = k, .max_wg = max_wg, .wg = wg, .multiple = multiple,
                            .row_wg = p->row_wg, .local_bytes = (size_t)local};
  geocl_debug("kernel %s on %s: work-groups up to %zu (launched with %zu, multiple %zu, ROW_WG %zu), %zu bytes of "
              "local memory",
              kernel, dev->info.name, max_wg, wg, multiple, p->row_wg, slot->local_bytes);
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
  const ocl_program *prog = NULL;
  geocl_status st = ocl_program_get(ob->dev, program, "", &prog);
  if (st == GEOCL_OK) st = ocl_kernel_slot_init(ob, prog, kernel, &ob->kernels[ob->n_kernels]);
  if (st == GEOCL_OK) *out = &ob->kernels[ob->n_kernels++];
  return st;
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

geocl_status ocl_local_arg(ocl_backend *ob, ocl_kernel_slot *k, cl_uint arg, size_t bytes, size_t other) {
  uint64_t have = ob->dev->info.local_mem_bytes, need = (uint64_t)k->local_bytes + bytes + other;
  if (need > have)
    return geocl_set_error(GEOCL_E_DEVICE, "kernel '%s' needs %llu bytes of local memory; %s has %llu", k->name,
                           (unsigned long long)need, ob->dev->info.name, (unsigned long long)have);
  cl_int err = clSetKernelArg(k->kernel, arg, bytes, NULL);
  return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, k->name);
}

/* Whether local fits what the device allows the kernel; sets the error if not. */
static bool fits(const ocl_backend *ob, const ocl_kernel_slot *k, cl_uint dims, const size_t *local) {
  size_t items = 1;
  bool ok = true;
  for (cl_uint d = 0; d < dims; d++) {
    items *= local[d];
    ok = ok && local[d] >= 1 && local[d] <= ob->dev->max_item[d];
  }
  if (ok && items <= k->max_wg) return true;
  char shape[64] = "";
  for (cl_uint d = 0; d < dims; d++)
    snprintf(shape + strlen(shape), sizeof shape - strlen(shape), "%s%zu", d ? "x" : "", local[d]);
  geocl_set_error(GEOCL_E_DEVICE, "kernel '%s': work-groups of %s exceed what %s allows it (%zu work-items, "
                  "%zux%zux%zu per dimension)",
                  k->name, shape, ob->dev->info.name, k->max_wg, ob->dev->max_item[0], ob->dev->max_item[1],
                  ob->dev->max_item[2]);
  return false;
}

geocl_status ocl_launch(ocl_backend *ob, ocl_kernel_slot *k, cl_uint dims, const size_t *global, const size_t *local) {
  size_t g[3];
  for (cl_uint d = 0; d < dims; d++) {
    if (global[d] == 0) return GEOCL_OK;
    /* round up to the work-group size; kernels guard the tail */
    g[d] = local ? (global[d] + local[d] - 1) / local[d] * local[d] : global[d];
  }
  if (local && !fits(ob, k, dims, local)) return geocl_last_status();
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
  size_t vw = ob->dev->defaults.vec_width;
  return ocl_launch_1d(ob, k, (n + vw - 1) / vw);
}
