/* SPDX-License-Identifier: MIT */
/* The pipeline registry: built-ins ("pair", "dense", "lidar") and registered ones. */

#include <geocl/data.h>

#include "data/pipelines.h"
#include "data/registry.h"

static const void *const builtin_pipelines[] = {&pipeline_pair, &pipeline_dense, &pipeline_lidar, NULL};
static registry pipelines = {PTHREAD_MUTEX_INITIALIZER, "pipeline", builtin_pipelines, {NULL}, 0};

geocl_status geocl_pipeline_register(const geocl_pipeline_type *t) {
  if (!t || !t->name || !t->layout || !t->make)
    return geocl_set_error(GEOCL_E_INVALID, "pipeline %s: name, layout and make are required",
                           t && t->name ? t->name : "(unnamed)");
  return registry_add(&pipelines, t);
}

geocl_status geocl_pipeline_find(const char *name, const geocl_pipeline_type **out) {
  char list[512];
  *out = registry_find(&pipelines, name, list, sizeof list);
  return *out ? GEOCL_OK : geocl_set_error(GEOCL_E_NOT_FOUND, "unknown data pipeline '%s' (known: %s)", name, list);
}
