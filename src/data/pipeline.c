/* SPDX-License-Identifier: MIT */
/* The pipeline registry: built-ins ("pair", "dense", "lidar") and registered ones. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <geocl/data.h>

#include "data/pipelines.h"

#define MAX_PIPELINES 32

static struct {
  pthread_mutex_t lock;
  const geocl_pipeline_type *types[MAX_PIPELINES];
  int n;
} registry = {PTHREAD_MUTEX_INITIALIZER, {NULL}, 0};

static void add_builtins_locked(void) {
  if (registry.n) return;
  registry.types[registry.n++] = &pipeline_pair;
  registry.types[registry.n++] = &pipeline_dense;
  registry.types[registry.n++] = &pipeline_lidar;
}

geocl_status geocl_pipeline_register(const geocl_pipeline_type *t) {
  if (!t || !t->name || !t->layout || !t->make)
    return geocl_set_error(GEOCL_E_INVALID, "pipeline %s: name, layout and make are required",
                           t && t->name ? t->name : "(unnamed)");
  pthread_mutex_lock(&registry.lock);
  add_builtins_locked();
  geocl_status st = GEOCL_OK;
  bool known = false;
  for (int i = 0; i < registry.n && st == GEOCL_OK; i++) {
    if (registry.types[i] == t) known = true;
    else if (!strcmp(registry.types[i]->name, t->name))
      st = geocl_set_error(GEOCL_E_INVALID, "pipeline %s exists already", t->name);
  }
  if (st == GEOCL_OK && !known) {
    if (registry.n == MAX_PIPELINES) st = geocl_set_error(GEOCL_E_INVALID, "too many pipelines (%d)", MAX_PIPELINES);
    else registry.types[registry.n++] = t;
  }
  pthread_mutex_unlock(&registry.lock);
  return st;
}

geocl_status geocl_pipeline_find(const char *name, const geocl_pipeline_type **out) {
  char list[512] = "";
  pthread_mutex_lock(&registry.lock);
  add_builtins_locked();
  *out = NULL;
  for (int i = 0; i < registry.n; i++) {
    if (!strcmp(registry.types[i]->name, name)) *out = registry.types[i];
    size_t used = strlen(list);
    snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", registry.types[i]->name);
  }
  pthread_mutex_unlock(&registry.lock);
  return *out ? GEOCL_OK : geocl_set_error(GEOCL_E_NOT_FOUND, "unknown data pipeline '%s' (known: %s)", name, list);
}
