/* SPDX-License-Identifier: MIT */
/* The run directory: creating and locking it, checkpoints that commit
 * atomically, metrics, retention, and the clean-up of what a killed run left.
 *
 * A checkpoint of step N is the pair (model, optimizer state of step N):
 *   1. step-N.optim.safetensors  the optimizer state,
 *   2. step-N.safetensors        the model, when --keep asks for step files,
 *   3. last.safetensors          the model, with the step and the data and
 *                                random positions in its metadata: renamed
 *                                into place last, it commits the checkpoint,
 *   4. older step-M.optim.safetensors and surplus step files are removed.
 * Each file is written to a temporary name and renamed.  Whenever the process
 * dies, last.safetensors names a step whose optimizer file exists: files of
 * an uncommitted step are only ever newer, and those of the committed step
 * are removed only after the next commit. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include <geocl/model.h>
#include <geocl/optim.h>
#include <geocl/safetensors.h>
#include <geocl/fileio.h>

#include "train_internal.h"

#define METRICS_MAX_BYTES ((size_t)1 << 31)

char *train_path(const char *dir, const char *name) {
  size_t n = strlen(dir) + strlen(name) + 2;
  char *path = malloc(n);
  if (!path) geocl_set_error(GEOCL_E_NOMEM, "out of memory for a path in %s", dir);
  else snprintf(path, n, "%s/%s", dir, name);
  return path;
}

/* dir/step-<step><suffix> */
static char *step_path(const char *dir, int64_t step, const char *suffix) {
  char name[64];
  snprintf(name, sizeof name, "step-%lld%s", (long long)step, suffix);
  return train_path(dir, name);
}

static bool exists(const char *dir, const char *name) {
  char *path = train_path(dir, name);
  bool yes = path && access(path, F_OK) == 0;
  free(path);
  return yes;
}

geocl_status train_make_run_dir(const char *dir, int *lock) {
  *lock = -1;
  geocl_status st = geocl_mkdir_p(dir);
  if (st == GEOCL_OK) st = train_lock(dir, lock);
  if (st == GEOCL_OK && exists(dir, "config.json"))
    st = geocl_set_error(GEOCL_E_INVALID, "%s already holds a run (config.json); continue it with --resume %s, or "
                                          "choose another --out", dir, dir);
  if (st == GEOCL_OK) train_remove_stale(dir, -1, 0); /* a start killed before config.json existed */
  return st;
}

geocl_status train_lock(const char *dir, int *fd) {
  *fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (*fd < 0) return geocl_set_error(GEOCL_E_IO, "%s: cannot open the run directory: %s", dir, strerror(errno));
  if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    close(*fd);
    *fd = -1;
    return geocl_set_error(GEOCL_E_STATE, "%s: %s", dir,
                           err == EWOULDBLOCK ? "another geocl process is using this run directory"
                                              : "cannot lock the run directory");
  }
  return GEOCL_OK;
}

void train_unlock(int fd) {
  if (fd >= 0) close(fd); /* releases the lock */
}

/* "step-<N><tail>" with N a step number: N, else -1. */
static int64_t step_of(const char *name, const char *tail) {
  long long s;
  int used = -1;
  if (sscanf(name, "step-%lld%n", &s, &used) != 1 || used < 0 || s < 0 || strcmp(name + used, tail)) return -1;
  return s;
}

/* A temporary file of one of the run's files ("<name>.tmp.<pid>" from the
 * safetensors writer, "<name>.tmp-<pid>-<n>" from geocl_file_write_atomic). */
static bool is_temporary(const char *name) {
  static const char *const prefixes[] = {"config.json.tmp", "metrics.jsonl.tmp", "last.safetensors.tmp", "step-",
                                         "recon-"};
  const char *tmp = strstr(name, ".tmp");
  if (!tmp || (tmp[4] != '.' && tmp[4] != '-')) return false;
  for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
    if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) return true;
  return false;
}

/* Remove all but the newest `keep` step files (every one with keep 0) and every
 * optimizer file but step's. */
static void prune(const char *dir, int64_t step, int keep) {
  DIR *d = opendir(dir);
  if (!d) return;
  int64_t *steps = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  while ((e = readdir(d))) {
    int64_t s = step_of(e->d_name, ".safetensors"), o = step_of(e->d_name, ".optim.safetensors");
    if (o >= 0 && o != step) {
      char *path = step_path(dir, o, ".optim.safetensors");
      if (path) unlink(path);
      free(path);
    }
    if (s < 0) continue;
    if (n == cap) {
      int64_t *grown = realloc(steps, (cap = cap ? 2 * cap : 64) * sizeof *steps);
      if (!grown) break; /* keep the rest: only disk space is lost */
      steps = grown;
    }
    steps[n++] = s;
  }
  closedir(d);
  /* unlink all but the `keep` largest */
  for (size_t i = 0; i < n; i++) {
    size_t larger = 0;
    for (size_t j = 0; j < n; j++) larger += steps[j] > steps[i];
    if ((int64_t)larger < keep) continue;
    char *path = step_path(dir, steps[i], ".safetensors");
    if (path) unlink(path);
    free(path);
  }
  free(steps);
}

void train_remove_stale(const char *dir, int64_t step, int keep) {
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *n = e->d_name;
    if (is_temporary(n) || (step >= 0 && step_of(n, ".safetensors") > step)) {
      char *path = train_path(dir, n);
      if (path) unlink(path);
      free(path);
    }
  }
  closedir(d);
  if (step >= 0) prune(dir, step, keep); /* a kill between a commit and its pruning */
}

static bool meta_int(const geocl_st_file *f, const char *key, int64_t *out) {
  const char *v = geocl_st_meta(f, key);
  char *end;
  if (!v) return false;
  errno = 0;
  long long x = strtoll(v, &end, 10);
  if (errno || *end || end == v || x < 0) return false;
  *out = x;
  return true;
}

geocl_status train_position_read(const char *dir, train_position *pos, bool *found) {
  *found = false;
  char *path = train_path(dir, "last.safetensors");
  if (!path) return geocl_last_status();
  if (access(path, F_OK) != 0 && errno == ENOENT) {
    free(path);
    return GEOCL_OK;
  }
  geocl_st_file *f;
  geocl_status st = geocl_st_open(path, &f);
  if (st != GEOCL_OK) {
    free(path);
    return st;
  }
  int64_t seed = 0, counter = 0;
  bool ok = meta_int(f, "step", &pos->step) && meta_int(f, "data_epoch", &pos->data.epoch) &&
            meta_int(f, "data_index", &pos->data.index) && meta_int(f, "rng_seed", &seed) &&
            meta_int(f, "rng_counter", &counter);
  geocl_st_close(f);
  st = ok ? GEOCL_OK
          : geocl_set_error(GEOCL_E_FORMAT, "%s: not a training checkpoint (metadata step, data_epoch, data_index, "
                                            "rng_seed or rng_counter missing or negative)", path);
  free(path);
  pos->rng_seed = (uint64_t)seed;
  pos->rng_counter = (uint64_t)counter;
  *found = ok;
  return st;
}

geocl_status train_checkpoint_save(const char *dir, const geocl_model *model, const geocl_optim *optim,
                                   const train_position *pos, int keep) {
  char v[5][32];
  snprintf(v[0], sizeof v[0], "%lld", (long long)pos->step);
  snprintf(v[1], sizeof v[1], "%lld", (long long)pos->data.epoch);
  snprintf(v[2], sizeof v[2], "%lld", (long long)pos->data.index);
  snprintf(v[3], sizeof v[3], "%llu", (unsigned long long)pos->rng_seed);
  snprintf(v[4], sizeof v[4], "%llu", (unsigned long long)pos->rng_counter);
  geocl_st_kv meta[] = {{"step", v[0]}, {"data_epoch", v[1]}, {"data_index", v[2]}, {"rng_seed", v[3]},
                        {"rng_counter", v[4]}};
  char *optim_path = step_path(dir, pos->step, ".optim.safetensors");
  char *step_file = keep > 0 ? step_path(dir, pos->step, ".safetensors") : NULL;
  char *last = train_path(dir, "last.safetensors");
  geocl_status st = optim_path && last && (keep == 0 || step_file) ? GEOCL_OK : geocl_last_status();
  if (st == GEOCL_OK) st = geocl_optim_save(optim, optim_path);
  if (st == GEOCL_OK && step_file) st = geocl_model_save(model, step_file, 5, meta);
  if (st == GEOCL_OK) st = geocl_model_save(model, last, 5, meta); /* the commit */
  if (st == GEOCL_OK) prune(dir, pos->step, keep);
  free(optim_path);
  free(step_file);
  free(last);
  return st;
}

geocl_status train_optim_load(const char *dir, geocl_optim *optim, int64_t step) {
  char *path = step_path(dir, step, ".optim.safetensors");
  if (!path) return geocl_last_status();
  geocl_status st;
  if (access(path, F_OK) != 0)
    st = geocl_set_error(GEOCL_E_IO, "%s: the optimizer state of the checkpoint (step %lld) is missing: %s", path,
                         (long long)step, strerror(errno));
  else if ((st = geocl_optim_load(optim, path)) == GEOCL_OK && geocl_optim_steps(optim) != step)
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: holds the optimizer state after %lld steps, not %lld", path,
                         (long long)geocl_optim_steps(optim), (long long)step);
  free(path);
  return st;
}

geocl_status train_metrics_append(const char *dir, const char *line) {
  char *path = train_path(dir, "metrics.jsonl");
  if (!path) return geocl_last_status();
  FILE *f = fopen(path, "a");
  geocl_status st = GEOCL_OK;
  if (!f) st = geocl_set_error(GEOCL_E_IO, "%s: cannot append: %s", path, strerror(errno));
  else {
    bool ok = fputs(line, f) >= 0 && fputc('\n', f) != EOF;
    ok = (fclose(f) == 0) && ok;
    if (!ok) st = geocl_set_error(GEOCL_E_IO, "%s: write failed: %s", path, strerror(errno));
  }
  free(path);
  return st;
}

geocl_status train_metrics_truncate(const char *dir, int64_t step) {
  char *path = train_path(dir, "metrics.jsonl"), *text;
  size_t size;
  if (!path) return geocl_last_status();
  if (access(path, F_OK) != 0) { /* nothing logged yet */
    free(path);
    return GEOCL_OK;
  }
  geocl_status st = geocl_file_read_all(path, METRICS_MAX_BYTES, &text, &size);
  if (st != GEOCL_OK) {
    free(path);
    return st;
  }
  /* keep whole lines of steps up to `step`, in place; a line cut short by a
   * kill (no newline) or not written by geocl goes */
  size_t kept = 0;
  for (size_t at = 0; at < size;) {
    char *nl = memchr(text + at, '\n', size - at);
    if (!nl) break;
    size_t len = (size_t)(nl - (text + at)) + 1;
    long long s;
    *nl = '\0';
    bool keep = sscanf(text + at, "{\"step\": %lld", &s) == 1 && s <= step;
    *nl = '\n';
    if (keep) memmove(text + kept, text + at, len);
    kept += keep ? len : 0;
    at += len;
  }
  st = kept == size ? GEOCL_OK : geocl_file_write_atomic(path, text, kept);
  free(text);
  free(path);
  return st;
}

void train_remove_failed_start(const char *dir, bool created) {
  train_remove_stale(dir, -1, 0); /* temporary files */
  DIR *d = opendir(dir);
  if (!d) return;
  struct dirent *e;
  while ((e = readdir(d))) {
    const char *n = e->d_name;
    size_t len = strlen(n);
    bool ours = !strcmp(n, "config.json") || !strcmp(n, "metrics.jsonl") || step_of(n, ".optim.safetensors") >= 0 ||
                (!strncmp(n, "recon-", 6) && len > 4 && !strcmp(n + len - 4, ".png"));
    char *path = ours ? train_path(dir, n) : NULL;
    if (path) unlink(path);
    free(path);
  }
  closedir(d);
  if (created) rmdir(dir); /* fails, as it should, when anything else is in it */
}
