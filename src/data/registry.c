/* SPDX-License-Identifier: MIT */
/* Registries of named descriptors (registry.h). */
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "data/registry.h"

static void add_builtins_locked(registry *r) {
  if (r->n) return;
  for (int i = 0; r->builtins[i] && r->n < REGISTRY_MAX; i++) r->items[r->n++] = r->builtins[i];
}

geocl_status registry_add(registry *r, const void *item) {
  pthread_mutex_lock(&r->lock);
  add_builtins_locked(r);
  geocl_status st = GEOCL_OK;
  bool known = false;
  for (int i = 0; i < r->n && st == GEOCL_OK; i++) {
    if (r->items[i] == item) known = true;
    else if (!strcmp(REGISTRY_NAME(r->items[i]), REGISTRY_NAME(item)))
      st = geocl_set_error(GEOCL_E_INVALID, "%s %s exists already", r->what, REGISTRY_NAME(item));
  }
  if (st == GEOCL_OK && !known) {
    if (r->n == REGISTRY_MAX) st = geocl_set_error(GEOCL_E_INVALID, "too many %ss (%d)", r->what, REGISTRY_MAX);
    else r->items[r->n++] = item;
  }
  pthread_mutex_unlock(&r->lock);
  return st;
}

void registry_items(registry *r, const void *const **items, int *count) {
  pthread_mutex_lock(&r->lock);
  add_builtins_locked(r);
  *items = r->items;
  *count = r->n;
  pthread_mutex_unlock(&r->lock);
}

const void *registry_find(registry *r, const char *name, char *list, size_t size) {
  const void *const *items;
  int n;
  registry_items(r, &items, &n);
  const void *found = NULL;
  if (size) list[0] = 0;
  for (int i = 0; i < n; i++) {
    if (!strcmp(REGISTRY_NAME(items[i]), name)) found = items[i];
    size_t used = strlen(list);
    if (used < size) snprintf(list + used, size - used, "%s%s", i ? ", " : "", REGISTRY_NAME(items[i]));
  }
  return found;
}
