/* SPDX-License-Identifier: MIT */
/* Per-kernel device times from OpenCL events (the queue is created with
 * profiling enabled; events are only requested while profiling). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

static cl_event pending; /* the event of the enqueue in progress (one queue per thread) */

cl_event *ocl_profile_event(ocl_backend *ob) { return ob->profile.on ? &pending : NULL; }

void ocl_profile_record(ocl_backend *ob, const char *name) {
  ocl_profile_log *p = &ob->profile;
  if (!p->on || !pending) return;
  if (p->n == p->cap) {
    int cap = p->cap ? 2 * p->cap : 1024;
    const char **names = realloc(p->names, sizeof *names * (size_t)cap);
    if (names) p->names = names;
    cl_event *events = realloc(p->events, sizeof *events * (size_t)cap);
    if (events) p->events = events;
    if (!names || !events) {
      clReleaseEvent(pending);
      pending = NULL;
      return;
    }
    p->cap = cap;
  }
  p->names[p->n] = name;
  p->events[p->n++] = pending;
  pending = NULL;
}

void ocl_profile_release(ocl_backend *ob) {
  ocl_profile_log *p = &ob->profile;
  for (int i = 0; i < p->n; i++) clReleaseEvent(p->events[i]);
  free(p->names);
  free(p->events);
  memset(p, 0, sizeof *p);
}

static int by_time(const void *a, const void *b) {
  double x = ((const geocl_kernel_time *)a)->seconds, y = ((const geocl_kernel_time *)b)->seconds;
  return (x < y) - (x > y);
}

geocl_status ocl_profile_report(geocl_backend *be, int enable, geocl_kernel_time *out, int max, int *n) {
  ocl_backend *ob = ocl_of(be);
  if (enable) {
    clFinish(ob->queue);
    ocl_profile_release(ob);
    ob->profile.on = true;
    return GEOCL_OK;
  }
  cl_int err = clFinish(ob->queue);
  geocl_kernel_time *t = calloc((size_t)(ob->profile.n ? ob->profile.n : 1), sizeof *t);
  int kinds = 0;
  for (int i = 0; t && err == CL_SUCCESS && i < ob->profile.n; i++) {
    cl_ulong start = 0, end = 0;
    clGetEventProfilingInfo(ob->profile.events[i], CL_PROFILING_COMMAND_START, sizeof start, &start, NULL);
    clGetEventProfilingInfo(ob->profile.events[i], CL_PROFILING_COMMAND_END, sizeof end, &end, NULL);
    int k = 0;
    while (k < kinds && strcmp(t[k].name, ob->profile.names[i])) k++;
    if (k == kinds) snprintf(t[kinds++].name, sizeof t[0].name, "%s", ob->profile.names[i]);
    t[k].calls++;
    t[k].seconds += end > start ? (double)(end - start) * 1e-9 : 0;
  }
  int events = ob->profile.n;
  ocl_profile_release(ob);
  if (!t) return geocl_set_error(GEOCL_E_NOMEM, "out of memory reading the profile");
  double total = 0;
  for (int k = 0; k < kinds; k++) total += t[k].seconds;
  if (err == CL_SUCCESS && events > 0 && total < 1e-8 * events) {
    /* no command takes 10 ns: rusticl 22.3 returns placeholder timestamps */
    free(t);
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "%s reports no kernel times (its profiling timestamps do not advance)",
                           ob->dev->info.name);
  }
  qsort(t, (size_t)kinds, sizeof *t, by_time);
  *n = kinds < max ? kinds : max;
  if (out) memcpy(out, t, sizeof *t * (size_t)*n);
  free(t);
  return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, "clFinish");
}
