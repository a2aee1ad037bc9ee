/* SPDX-License-Identifier: MIT */
/* Scratch files for the fuzz targets. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geocl/log.h>

#include "fuzz_util.h"

static char dir[4096];

static void remove_dir(void) {
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  if (system(cmd) != 0) fprintf(stderr, "fuzz: cannot remove %s\n", dir);
}

const char *fuzz_dir(void) {
  if (dir[0]) return dir;
  const char *tmp = getenv("TMPDIR");
  snprintf(dir, sizeof dir, "%s/geocl-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (!mkdtemp(dir)) {
    perror("fuzz: mkdtemp");
    abort();
  }
  atexit(remove_dir);
  return dir;
}

const char *fuzz_file(const char *name, const uint8_t *data, size_t size) {
  static char path[4400];
  snprintf(path, sizeof path, "%s/%s", fuzz_dir(), name);
  FILE *f = fopen(path, "wb");
  if (!f || fwrite(data, 1, size, f) != size || fclose(f) != 0) {
    perror(path);
    abort();
  }
  return path;
}

void fuzz_quiet(void) { geocl_log_set_level(GEOCL_LOG_ERROR); }
