/* SPDX-License-Identifier: MIT */
/* Finding and loading modules (backends, plugins) from directory lists. */
#ifndef GEOCL_MODULE_H
#define GEOCL_MODULE_H

#include <stdint.h>

#include <geocl/status.h>

/* Every module descriptor starts with these two fields. */
typedef struct geocl_module_header {
  uint32_t abi;
  const char *name;
} geocl_module_header;

typedef struct geocl_loaded_module {
  char *path;
  const geocl_module_header *desc;
} geocl_loaded_module;

/* Scan the directories in $env_var (colon-separated), then default_dir, for
 * *.so files exporting `symbol` (a function returning the descriptor) with
 * the given ABI.  Modules that fail are skipped; each skip appends a line
 * naming the file and the reason to *notes (malloc'd, may be "").  Loaded
 * modules stay loaded for the life of the process. */
geocl_status geocl_modules_scan(const char *kind, const char *env_var, const char *default_dir, const char *symbol,
                                uint32_t abi, geocl_loaded_module **mods, int *count, char **notes);

/* Append a formatted line to a malloc'd notes string. */
void geocl_notes_append(char **notes, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
