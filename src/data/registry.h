/* SPDX-License-Identifier: MIT */
/* A small registry of named descriptors (data sources, pipelines): built-in
 * ones first, then those registered at run time, each name once. */
#ifndef GEOCL_DATA_REGISTRY_H
#define GEOCL_DATA_REGISTRY_H

#include <pthread.h>

#include <geocl/status.h>

#define REGISTRY_MAX 32

typedef struct registry {
  pthread_mutex_t lock;
  const char *what; /* "data source type", "pipeline": for messages */
  const void *const *builtins; /* NULL-terminated */
  const void *items[REGISTRY_MAX];
  int n;
} registry;

/* Every descriptor starts with its name. */
#define REGISTRY_NAME(item) (*(const char *const *)(item))

/* Add item (again: harmless; another with its name: an error). */
geocl_status registry_add(registry *r, const void *item);
/* The items, built-ins first (valid until the next registry_add). */
void registry_items(registry *r, const void *const **items, int *count);
/* The item named `name`, or NULL; list gets the names, comma-separated. */
const void *registry_find(registry *r, const char *name, char *list, size_t size);

#endif
