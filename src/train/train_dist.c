/* SPDX-License-Identifier: MIT */
/* The trainer's part of data-parallel training (geocl/dist.h): which device
 * a rank takes, and the agreement of all ranks after each step, so that a
 * rank that fails or is interrupted stops the whole job at the same step
 * instead of leaving the others waiting. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/context.h>
#include <geocl/dist.h>

#include "train_internal.h"

const char *train_dist_device(const char *spec, char *buf, size_t size) {
  if (geocl_dist_size() == 1 || (spec && *spec) || getenv("GEOCL_DEVICE")) return spec;
  geocl_device_entry *e;
  int n;
  char *notes;
  if (geocl_list_devices(&e, &n, &notes) != GEOCL_OK) return spec;
  /* the kind the single-process default takes: GPUs if any, else OpenCL devices, else the reference */
  int gpus = 0, others = 0;
  for (int i = 0; i < n; i++) {
    if (e[i].index < 0) continue;
    gpus += e[i].info.is_gpu;
    others++;
  }
  int want = geocl_dist_local_rank() % (gpus ? gpus : others ? others : 1), k = 0;
  snprintf(buf, size, "reference");
  for (int i = 0; i < n && (gpus || others); i++) {
    if (e[i].index < 0 || (gpus && !e[i].info.is_gpu)) continue;
    if (k++ == want) snprintf(buf, size, "%d", e[i].index);
  }
  geocl_device_list_free(e, notes);
  return buf;
}

geocl_status train_agree(geocl_status st, bool stop, float *loss, bool *stop_all) {
  int size = geocl_dist_size(), rank = geocl_dist_rank();
  double flags[2] = {st != GEOCL_OK ? rank + 1 : 0, stop};
  double sum = loss ? *loss : 0;
  geocl_status ds = geocl_dist_allreduce_host(flags, 2, GEOCL_DIST_MAX);
  if (ds == GEOCL_OK && loss && flags[0] == 0) ds = geocl_dist_allreduce_host(&sum, 1, GEOCL_DIST_SUM);
  if (ds != GEOCL_OK) return ds;
  if (stop_all) *stop_all = flags[1] != 0;
  if (st != GEOCL_OK) return st; /* this rank's own error */
  if (flags[0] != 0)
    return geocl_set_error(GEOCL_E_STATE, "stopping: rank %d of %d failed (its message says why)", (int)flags[0] - 1,
                           size);
  if (loss) *loss = (float)(sum / size);
  return GEOCL_OK;
}
