/* SPDX-License-Identifier: MIT */
/* Helpers shared by the GEMM and attention tuners (tune.h). */
#include <stdlib.h>

#include <geocl/timing.h>

#include "tune.h"

geocl_status ocl_tune_round_robin(ocl_backend *ob, const ocl_tune_candidates *c, int n, int repeat, double *median) {
  double *runs = malloc(sizeof *runs * (size_t)(n * repeat));
  if (!runs) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for tuning");
  for (int r = -1; r < repeat; r++)
    for (int i = 0; i < n; i++) {
      if (r >= 0 && median[i] < 0) continue;
      double t0 = geocl_clock_s();
      geocl_status st = c->run(ob, c->user, i);
      if (st == GEOCL_OK) st = ocl_sync(&ob->base);
      if (st != GEOCL_OK) {
        char text[160];
        c->name(c->user, i, text, sizeof text);
        geocl_debug("tuning: %s cannot run here: %s", text, geocl_last_error());
        median[i] = -1;
      } else if (r >= 0)
        runs[i * repeat + r] = geocl_clock_s() - t0;
      else
        median[i] = 0;
    }
  for (int i = 0; i < n; i++)
    if (median[i] >= 0) median[i] = geocl_median(runs + i * repeat, repeat);
  free(runs);
  return GEOCL_OK;
}

geocl_status ocl_tune_random_buffer(ocl_backend *ob, size_t n, cl_mem *out) {
  geocl_status st = ocl_alloc(&ob->base, n * sizeof(float), (void **)out);
  if (st == GEOCL_OK) st = ocl_rand_uniform(&ob->base, (int64_t)n, 7, 0, (geocl_bref){*out, 0});
  return st;
}
