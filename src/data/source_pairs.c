/* SPDX-License-Identifier: MIT */
/* Source "pairs": CroCo image-pair listings (pairs.txt or listing.txt in a
 * directory, geocl/pairs.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/pairs.h>

#include "data/sources.h"

static bool has_file(const char *dir, const char *name) {
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return source_is_file(path);
}

static bool detect(const char *path) { return has_file(path, "pairs.txt") || has_file(path, "listing.txt"); }

static geocl_status open_pairs(const char *path, const geocl_source_opts *o, void **state) {
  (void)o;
  geocl_pair_list *list = calloc(1, sizeof *list);
  if (!list) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_status st = geocl_pairs_read_dir(path, list);
  if (st == GEOCL_OK && list->count > INT32_MAX)
    st = geocl_set_error(GEOCL_E_INVALID, "%s: %lld pairs, more than supported", path, (long long)list->count);
  if (st != GEOCL_OK) {
    geocl_pair_list_free(list);
    free(list);
    return st;
  }
  *state = list;
  return GEOCL_OK;
}

static int64_t size(void *state) { return ((geocl_pair_list *)state)->count; }

static geocl_fields fields(void *state) {
  (void)state;
  return 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2;
}

geocl_status source_read_rgb8(const char *path, geocl_image *out) {
  geocl_image raw;
  geocl_status st = geocl_image_read(path, &raw);
  if (st != GEOCL_OK || (raw.type == GEOCL_SAMPLE_U8 && raw.channels == 3)) {
    *out = raw;
    return st;
  }
  st = geocl_image_to_rgb8(&raw, out);
  geocl_image_free(&raw);
  return st;
}

static geocl_status read_pair(void *state, void **thread, int64_t index, geocl_raw_sample *out) {
  (void)thread;
  const geocl_pair_list *l = state;
  snprintf(out->name, sizeof out->name, "pair %s %s", l->first[index], l->second[index]);
  out->has = fields(state);
  geocl_status st = source_read_rgb8(l->first[index], &out->image1);
  return st == GEOCL_OK ? source_read_rgb8(l->second[index], &out->image2) : st;
}

static void close_pairs(void *state) {
  geocl_pair_list_free(state);
  free(state);
}

const geocl_data_source_type source_pairs = {
    .name = "pairs",
    .summary = "CroCo pair listing: pairs.txt (habitat) or listing.txt in the directory",
    .detect = detect,
    .open = open_pairs,
    .size = size,
    .fields = fields,
    .read = read_pair,
    .close = close_pairs,
};
