/* SPDX-License-Identifier: MIT */
/* Source "synthetic": image pairs of the built-in scenes rendered on the fly
 * (geocl_synth_pair), an endless virtual data set of which each epoch uses
 * the first synthetic_pairs samples. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/synth.h>

#include "data/sources.h"

typedef struct synthetic {
  geocl_source_opts o;
} synthetic;

static bool detect(const char *path) { return !strcmp(path, "synthetic"); }

static geocl_status open_synthetic(const char *path, const geocl_source_opts *o, void **state) {
  (void)path;
  if (o->synthetic_pairs < 1 || o->synthetic_width < 16 || o->synthetic_height < 16)
    return geocl_set_error(GEOCL_E_INVALID, "synthetic data: %lld pairs of %dx%d: need at least 1 pair of 16x16",
                           (long long)o->synthetic_pairs, o->synthetic_width, o->synthetic_height);
  synthetic *s = malloc(sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  s->o = *o;
  *state = s;
  return GEOCL_OK;
}

static int64_t size(void *state) { return ((synthetic *)state)->o.synthetic_pairs; }

static geocl_fields fields(void *state) {
  (void)state;
  return 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2;
}

/* The thread's scratch is its renderer. */
static geocl_status read_pair(void *state, void **thread, int64_t index, geocl_raw_sample *out) {
  const synthetic *s = state;
  int w = s->o.synthetic_width, h = s->o.synthetic_height;
  if (!*thread && !(*thread = geocl_synth_renderer_new(w, h))) return geocl_last_status();
  geocl_status st = geocl_image_alloc(&out->image1, w, h, 3, GEOCL_SAMPLE_U8);
  if (st == GEOCL_OK) st = geocl_image_alloc(&out->image2, w, h, 3, GEOCL_SAMPLE_U8);
  if (st == GEOCL_OK) st = geocl_synth_pair(*thread, s->o.seed, index, out->image1.data, out->image2.data);
  out->has = fields(state);
  snprintf(out->name, sizeof out->name, "synthetic pair %lld", (long long)index);
  return st;
}

static void thread_free(void *state, void *thread) {
  (void)state;
  geocl_synth_renderer_free(thread);
}

static void close_synthetic(void *state) { free(state); }

const geocl_data_source_type source_synthetic = {
    .name = "synthetic",
    .summary = "image pairs of built-in rooms and streets, rendered on the fly",
    .detect = detect,
    .open = open_synthetic,
    .size = size,
    .fields = fields,
    .read = read_pair,
    .thread_free = thread_free,
    .close = close_synthetic,
};
