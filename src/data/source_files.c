/* SPDX-License-Identifier: MIT */
/* What the sources know about files: directories, files, numbered names. */
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "data/sources.h"

bool source_is_dir(const char *path) {
  struct stat sb;
  return !stat(path, &sb) && S_ISDIR(sb.st_mode);
}

bool source_is_file(const char *path) {
  struct stat sb;
  return !stat(path, &sb) && S_ISREG(sb.st_mode);
}

static int compare_int(const void *a, const void *b) {
  return (*(const int *)a > *(const int *)b) - (*(const int *)a < *(const int *)b);
}

geocl_status source_list_numbers(const char *dir, const char *suffix, int **out, int *count) {
  *out = NULL;
  *count = 0;
  DIR *d = opendir(dir);
  if (!d) return geocl_set_error(GEOCL_E_IO, "%s: cannot list the directory", dir);
  int cap = 0;
  geocl_status st = GEOCL_OK;
  for (struct dirent *e; st == GEOCL_OK && (e = readdir(d));) {
    char *end;
    long v = strtol(e->d_name, &end, 10);
    if (end == e->d_name || v < 0 || v > 999999 || strcmp(end, suffix)) continue;
    if (*count == cap) {
      cap = cap ? 2 * cap : 256;
      int *grown = realloc(*out, sizeof *grown * (size_t)cap);
      if (!grown) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory listing %s", dir);
      else *out = grown;
    }
    if (st == GEOCL_OK) (*out)[(*count)++] = (int)v;
  }
  closedir(d);
  if (st == GEOCL_OK && *count) qsort(*out, (size_t)*count, sizeof **out, compare_int);
  return st;
}
