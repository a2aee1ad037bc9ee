/* SPDX-License-Identifier: MIT */
/* The run directory: creating it, checkpoint positions, metrics, retention. */
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geocl/safetensors.h>
#include <geocl/fileio.h>

#include "train_internal.h"

const char *train_path(char *buf, size_t size, const char *dir, const char *name) {
  snprintf(buf, size, "%s/%s", dir, name);
  return buf;
}

geocl_status train_make_run_dir(const char *dir) {
  geocl_status st = geocl_mkdir_p(dir);
  if (st != GEOCL_OK) return st;
  char path[4200];
  if (access(train_path(path, sizeof path, dir, "config.json"), F_OK) == 0)
    return geocl_set_error(GEOCL_E_INVALID, "%s already holds a run (config.json); continue it with --resume %s, or "
                                            "choose another --out", dir, dir);
  return GEOCL_OK;
}

static bool meta_int(const geocl_st_file *f, const char *key, int64_t *out) {
  const char *v = geocl_st_meta(f, key);
  char *end;
  if (!v) return false;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || *end || end == v) return false;
  *out = x;
  return true;
}

geocl_status train_position_read(const char *model_path, train_position *pos) {
  geocl_st_file *f;
  geocl_status st = geocl_st_open(model_path, &f);
  if (st != GEOCL_OK) return st;
  int64_t seed, counter;
  bool ok = meta_int(f, "step", &pos->step) && meta_int(f, "data_epoch", &pos->data.epoch) &&
            meta_int(f, "data_index", &pos->data.index) && meta_int(f, "rng_seed", &seed) &&
            meta_int(f, "rng_counter", &counter);
  geocl_st_close(f);
  if (!ok)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: not a training checkpoint (metadata step, data_epoch, data_index, "
                                           "rng_seed, rng_counter missing)", model_path);
  pos->rng_seed = (uint64_t)seed;
  pos->rng_counter = (uint64_t)counter;
  return GEOCL_OK;
}

geocl_status train_metrics_append(const char *dir, const char *line) {
  char path[4200];
  FILE *f = fopen(train_path(path, sizeof path, dir, "metrics.jsonl"), "a");
  if (!f) return geocl_set_error(GEOCL_E_IO, "%s: cannot append: %s", path, strerror(errno));
  bool ok = fputs(line, f) >= 0 && fputc('\n', f) != EOF;
  ok = (fclose(f) == 0) && ok;
  return ok ? GEOCL_OK : geocl_set_error(GEOCL_E_IO, "%s: write failed: %s", path, strerror(errno));
}

geocl_status train_metrics_truncate(const char *dir, int64_t step) {
  char path[4200];
  train_path(path, sizeof path, dir, "metrics.jsonl");
  FILE *f = fopen(path, "r");
  if (!f) return GEOCL_OK; /* nothing logged yet */
  char *kept = NULL, line[4096];
  size_t used = 0;
  while (fgets(line, sizeof line, f)) {
    long long s;
    if (sscanf(line, "{\"step\": %lld", &s) == 1 && s > step) continue;
    size_t n = strlen(line);
    char *grown = realloc(kept, used + n + 1);
    if (!grown) {
      free(kept);
      fclose(f);
      return geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
    }
    kept = grown;
    memcpy(kept + used, line, n);
    used += n;
  }
  fclose(f);
  geocl_status st = geocl_file_write_atomic(path, kept ? kept : "", used);
  free(kept);
  return st;
}

static int cmp_step(const void *a, const void *b) {
  long long x = *(const long long *)a, y = *(const long long *)b;
  return (x > y) - (x < y);
}

void train_prune_steps(const char *dir, int keep) {
  DIR *d = opendir(dir);
  if (!d) return;
  long long steps[4096];
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)) && n < 4096) {
    long long s;
    char tail[32];
    if (sscanf(e->d_name, "step-%lld.%31s", &s, tail) == 2 && !strcmp(tail, "safetensors")) steps[n++] = s;
  }
  closedir(d);
  qsort(steps, (size_t)n, sizeof *steps, cmp_step);
  for (int i = 0; i < n - keep; i++) {
    char name[64], path[4200];
    snprintf(name, sizeof name, "step-%lld.safetensors", steps[i]);
    unlink(train_path(path, sizeof path, dir, name));
  }
}
