/* SPDX-License-Identifier: MIT */
/* Data sources: the registry (built-in layouts first, then registered ones),
 * opening by name or by detection, and the field check a trainer runs before
 * its first step. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/data.h>

#include "data/registry.h"
#include "data/sources.h"

/* Built-ins in detection order: the most specific layouts first (kitti-object,
 * training/calib + image_2 + velodyne, before the benchmarks, which would also
 * take an object tree that holds its right views, image_3). */
static const void *const builtin_sources[] = {&source_synthetic,   &source_kitti_odometry,  &source_kitti_object,
                                              &source_kitti_bench, &source_kitti_bench_noc, &source_kitti_depth,
                                              &source_pairs,       NULL};
static registry sources = {PTHREAD_MUTEX_INITIALIZER, "data source type", builtin_sources, {NULL}, 0};

geocl_status geocl_data_source_register(const geocl_data_source_type *t) {
  if (!t || !t->name || !t->open || !t->size || !t->fields || !t->read || !t->close)
    return geocl_set_error(GEOCL_E_INVALID, "data source type %s: name, open, size, fields, read and close are required",
                           t && t->name ? t->name : "(unnamed)");
  return registry_add(&sources, t);
}

void geocl_data_source_types(const geocl_data_source_type *const **types, int *count) {
  registry_items(&sources, (const void *const **)types, count);
}

void geocl_source_opts_default(geocl_source_opts *o) {
  memset(o, 0, sizeof *o);
  o->synthetic_pairs = 10000;
  o->synthetic_width = o->synthetic_height = 256;
}

void geocl_raw_sample_free(geocl_raw_sample *s) {
  geocl_image_free(&s->image1);
  geocl_image_free(&s->image2);
  geocl_image_free(&s->depth);
  geocl_image_free(&s->disparity);
  geocl_image_free(&s->flow);
  free(s->points);
  memset(s, 0, sizeof *s);
}

struct geocl_data_source {
  const geocl_data_source_type *type;
  void *state;
  char *path;
  int64_t first, count; /* the window of geocl_data_source_restrict; count 0: all of it */
};

/* "TYPE:path" names a type; anything else is a path (or "synthetic"). */
static geocl_status resolve(const char *spec, const geocl_data_source_type **type, const char **path) {
  const char *colon = strchr(spec, ':');
  if (colon && colon > spec) {
    char name[64];
    size_t len = (size_t)(colon - spec);
    if (len < sizeof name) {
      memcpy(name, spec, len);
      name[len] = 0;
      char list[512];
      if ((*type = registry_find(&sources, name, list, sizeof list))) {
        *path = colon + 1;
        return GEOCL_OK;
      }
      if (!strchr(name, '/')) return geocl_set_error(GEOCL_E_NOT_FOUND, "unknown data format '%s' (known: %s)", name, list);
    }
  }
  *path = spec;
  const geocl_data_source_type *const *types;
  int n;
  geocl_data_source_types(&types, &n);
  for (int i = 0; i < n; i++)
    if (types[i]->detect && types[i]->detect(spec)) {
      *type = types[i];
      return GEOCL_OK;
    }
  char list[512];
  registry_find(&sources, "", list, sizeof list);
  return geocl_set_error(GEOCL_E_NOT_FOUND, "%s: not a data set geocl recognises (layouts tried: %s)", spec, list);
}

geocl_status geocl_data_source_open(const char *spec, const geocl_source_opts *opts, geocl_data_source **out) {
  *out = NULL;
  if (!spec || !*spec) return geocl_set_error(GEOCL_E_INVALID, "no data given");
  geocl_source_opts defaults;
  if (!opts) {
    geocl_source_opts_default(&defaults);
    opts = &defaults;
  }
  const geocl_data_source_type *type;
  const char *path;
  geocl_status st = resolve(spec, &type, &path);
  if (st != GEOCL_OK) return st;
  geocl_data_source *s = calloc(1, sizeof *s);
  if (!s || !(s->path = strdup(path))) {
    free(s);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory opening %s", spec);
  }
  s->type = type;
  st = type->open(path, opts, &s->state);
  if (st == GEOCL_OK && type->size(s->state) < 1)
    st = geocl_set_error(GEOCL_E_INVALID, "%s (%s): no samples", path, type->name);
  if (st != GEOCL_OK) {
    if (s->state) type->close(s->state);
    free(s->path);
    free(s);
    return st;
  }
  *out = s;
  return GEOCL_OK;
}

void geocl_data_source_close(geocl_data_source *s) {
  if (!s) return;
  s->type->close(s->state);
  free(s->path);
  free(s);
}

int64_t geocl_data_source_size(const geocl_data_source *s) { return s->count ? s->count : s->type->size(s->state); }

geocl_status geocl_data_source_restrict(geocl_data_source *s, int64_t first, int64_t count) {
  int64_t n = s->type->size(s->state);
  if (count < 1 || first < 0 || first > n - count)
    return geocl_set_error(GEOCL_E_INVALID, "%s: samples %lld to %lld are not within its %lld samples", s->path,
                           (long long)first, (long long)first + count - 1, (long long)n);
  s->first = first;
  s->count = count;
  return GEOCL_OK;
}
geocl_fields geocl_data_source_fields(const geocl_data_source *s) { return s->type->fields(s->state); }
const char *geocl_data_source_type_name(const geocl_data_source *s) { return s->type->name; }
const char *geocl_data_source_path(const geocl_data_source *s) { return s->path; }

geocl_status geocl_data_source_check(const geocl_data_source *s, const char *who, geocl_fields needs) {
  geocl_fields has = geocl_data_source_fields(s), missing = needs & ~has;
  if (!missing) return GEOCL_OK;
  char miss[256], got[256];
  return geocl_set_error(GEOCL_E_INVALID, "%s needs %s; %s at %s provides %s", who,
                         geocl_fields_str(missing, miss, sizeof miss), s->type->name, s->path,
                         geocl_fields_str(has, got, sizeof got));
}

geocl_status source_read(const geocl_data_source *s, void **thread, int64_t index, geocl_raw_sample *out) {
  memset(out, 0, sizeof *out);
  geocl_status st = s->type->read(s->state, thread, s->first + index, out);
  if (st != GEOCL_OK) geocl_raw_sample_free(out);
  return st;
}

geocl_status geocl_data_source_read(const geocl_data_source *s, int64_t index, geocl_raw_sample *out) {
  if (index < 0 || index >= geocl_data_source_size(s)) {
    memset(out, 0, sizeof *out);
    return geocl_set_error(GEOCL_E_INVALID, "%s: sample %lld of %lld", s->path, (long long)index,
                           (long long)geocl_data_source_size(s));
  }
  void *thread = NULL;
  geocl_status st = source_read(s, &thread, index, out);
  source_thread_free(s, thread);
  return st;
}

void source_thread_free(const geocl_data_source *s, void *thread) {
  if (thread && s->type->thread_free) s->type->thread_free(s->state, thread);
}
