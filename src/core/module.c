/* SPDX-License-Identifier: MIT */
/* Module discovery: dlopen every *.so in the search path and keep those whose
 * entry symbol returns a descriptor with the expected ABI. */
#include <dirent.h>
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/log.h>

#include "module.h"

void geocl_notes_append(char **notes, const char *fmt, ...) {
  char line[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  size_t old = *notes ? strlen(*notes) : 0;
  char *n = realloc(*notes, old + strlen(line) + 2);
  if (!n) return;
  if (old) n[old++] = '\n';
  strcpy(n + old, line);
  *notes = n;
}

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Sorted list of *.so paths in dir (malloc'd strings). */
static int list_so_files(const char *dir, char ***out) {
  DIR *d = opendir(dir);
  *out = NULL;
  if (!d) return 0;
  int n = 0, cap = 0;
  char **paths = NULL;
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t len = strlen(e->d_name);
    if (len < 4 || strcmp(e->d_name + len - 3, ".so") != 0) continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 8;
      char **p = realloc(paths, sizeof *paths * (size_t)cap);
      if (!p) break;
      paths = p;
    }
    size_t sz = strlen(dir) + len + 2;
    paths[n] = malloc(sz);
    if (!paths[n]) break;
    snprintf(paths[n], sz, "%s/%s", dir, e->d_name);
    n++;
  }
  closedir(d);
  qsort(paths, (size_t)n, sizeof *paths, cmp_str);
  *out = paths;
  return n;
}

static void try_load(const char *kind, const char *path, const char *symbol, uint32_t abi, geocl_loaded_module **mods,
                     int *count, char **notes) {
  void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!h) {
    geocl_notes_append(notes, "skipped %s module %s: %s", kind, path, dlerror());
    return;
  }
  void *sym = dlsym(h, symbol);
  if (!sym) {
    geocl_notes_append(notes, "skipped %s module %s: it does not export %s (not a geocl %s module)", kind, path,
                       symbol, kind);
    dlclose(h);
    return;
  }
  const geocl_module_header *(*entry)(void) = (const geocl_module_header *(*)(void))sym;
  const geocl_module_header *desc = entry();
  if (!desc || !desc->name) {
    geocl_notes_append(notes, "skipped %s module %s: %s returned no descriptor", kind, path, symbol);
    dlclose(h);
    return;
  }
  if (desc->abi != abi) {
    geocl_notes_append(notes, "skipped %s module %s: built for %s ABI %u, this geocl needs ABI %u (rebuild it)",
                       kind, path, kind, desc->abi, abi);
    dlclose(h);
    return;
  }
  for (int i = 0; i < *count; i++)
    if (!strcmp((*mods)[i].desc->name, desc->name)) {
      geocl_debug("skipped %s module %s: '%s' already loaded from %s", kind, path, desc->name, (*mods)[i].path);
      dlclose(h);
      return;
    }
  geocl_loaded_module *m = realloc(*mods, sizeof **mods * (size_t)(*count + 1));
  if (!m) {
    dlclose(h);
    return;
  }
  *mods = m;
  m[*count].path = strdup(path);
  m[*count].desc = desc;
  (*count)++;
  geocl_debug("loaded %s module '%s' from %s", kind, desc->name, path);
}

static void scan_dir(const char *kind, const char *dir, const char *symbol, uint32_t abi, geocl_loaded_module **mods,
                     int *count, char **notes) {
  char **paths;
  int n = list_so_files(dir, &paths);
  geocl_debug("scanning %s for %s modules: %d file(s)", dir, kind, n);
  for (int i = 0; i < n; i++) {
    try_load(kind, paths[i], symbol, abi, mods, count, notes);
    free(paths[i]);
  }
  free(paths);
}

geocl_status geocl_modules_scan(const char *kind, const char *env_var, const char *default_dir, const char *symbol,
                                uint32_t abi, geocl_loaded_module **mods, int *count, char **notes) {
  *mods = NULL;
  *count = 0;
  const char *env = getenv(env_var);
  if (env && *env) {
    char *copy = strdup(env);
    if (!copy) return geocl_set_error(GEOCL_E_NOMEM, "out of memory reading $%s", env_var);
    char *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir; dir = strtok_r(NULL, ":", &save))
      scan_dir(kind, dir, symbol, abi, mods, count, notes);
    free(copy);
  }
  if (default_dir && *default_dir) scan_dir(kind, default_dir, symbol, abi, mods, count, notes);
  if (*count == 0) /* say where, so that a user can tell a wrong path from a missing build */
    geocl_notes_append(notes, "no %s modules found; searched $%s (%s) and %s", kind, env_var,
                       env && *env ? env : "not set", default_dir && *default_dir ? default_dir : "no install directory");
  return GEOCL_OK;
}
