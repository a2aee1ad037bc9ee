/* SPDX-License-Identifier: MIT */
/* The run's curves for the picture: each training step's losses and top-1
 * accuracy, kept as small device tensors and read in batches, so recording
 * never makes a step wait for the device. */
#include <string.h>

#include "simipu.h"

/* Read the pending tensors into the values (halving them when full). */
static geocl_status drain(simipu_history *h) {
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < h->n_pending; i++) {
    float v[3] = {0};
    if (st == GEOCL_OK) st = geocl_to_host(h->pending[i], v, sizeof v);
    geocl_tensor_free(h->pending[i]);
    if (st != GEOCL_OK) continue;
    if (h->n == SIMIPU_HISTORY) {
      for (int j = 0; j < SIMIPU_HISTORY / 2; j++) memcpy(h->values[j], h->values[2 * j], sizeof h->values[0]);
      h->n = SIMIPU_HISTORY / 2;
    }
    float *row = h->values[h->n++];
    row[0] = (float)h->pending_step[i];
    memcpy(row + 1, v, sizeof v);
  }
  h->n_pending = 0;
  return st;
}

geocl_status simipu_history_record(simipu_model *m, int64_t step, geocl_tensor *intra, geocl_tensor *inter,
                                   geocl_tensor *top1) {
  simipu_history *h = &m->history;
  if (h->n_pending == SIMIPU_PENDING) {
    geocl_status st = drain(h);
    if (st != GEOCL_OK) return st;
  }
  bool was = geocl_set_grad_enabled(m->ctx, false);
  geocl_tensor *parts[3] = {geocl_reshape(intra, GEOCL_SHAPE(1)), geocl_reshape(inter, GEOCL_SHAPE(1)),
                            geocl_reshape(top1, GEOCL_SHAPE(1))};
  geocl_tensor *row = geocl_concat(3, parts, 0);
  geocl_set_grad_enabled(m->ctx, was);
  if (!row) return geocl_last_status();
  geocl_tensor_persist(row);
  h->pending[h->n_pending] = row;
  h->pending_step[h->n_pending++] = step;
  return GEOCL_OK;
}

float *simipu_history_values(simipu_model *m, int *n) {
  drain(&m->history); /* a failed read loses those points only */
  *n = m->history.n;
  return &m->history.values[0][0];
}

void simipu_history_free(simipu_model *m) {
  for (int i = 0; i < m->history.n_pending; i++) geocl_tensor_free(m->history.pending[i]);
  m->history.n_pending = 0;
}
