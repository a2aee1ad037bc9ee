/* SPDX-License-Identifier: MIT */
/* Tuned GEMM choices per device and their lookup, and their lines in the
 * tuning cache (tune_cache.c reads and writes the file).
 *
 * The table maps shapes (transposes, m, n, k, batch) to a choice: CLBlast or
 * geocl's kernel with its parameters.  A shape missing from it takes the
 * choice of the nearest tuned shape of its class (same transposes, the same
 * power-of-two bucket of m, n and k, batched or not), else the untuned one.
 * It also holds the device-wide parameters of CLBlast's Xgemm kernel found by
 * the CLBlast stage of the tuner (gemm_clblast_tune.c), if any. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "tune_cache.h"

typedef struct tune_entry {
  geocl_gemm_shape shape;
  ocl_gemm_choice choice;
} tune_entry;

struct ocl_gemm_table {
  tune_entry *e;
  int n, cap;
  bool read_xgemm; /* xgemm read from the cache, valid for the device, not applied yet */
  bool has_xgemm;  /* xgemm applied to CLBlast on this device */
  ocl_xgemm_params xgemm;
};

static struct ocl_gemm_table *table_of(ocl_device *dev) {
  if (!dev->gemm_table) dev->gemm_table = calloc(1, sizeof *dev->gemm_table);
  return dev->gemm_table;
}

geocl_status ocl_gemm_table_put(ocl_device *dev, const geocl_gemm_shape *s, const ocl_gemm_choice *c) {
  struct ocl_gemm_table *t = table_of(dev);
  if (!t) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for the GEMM tuning table");
  for (int i = 0; i < t->n; i++)
    if (!memcmp(&t->e[i].shape, s, sizeof *s)) {
      t->e[i].choice = *c;
      return GEOCL_OK;
    }
  if (t->n == t->cap) {
    int cap = t->cap ? 2 * t->cap : 16;
    tune_entry *e = realloc(t->e, sizeof *e * (size_t)cap);
    if (!e) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for the GEMM tuning table");
    t->e = e;
    t->cap = cap;
  }
  t->e[t->n++] = (tune_entry){*s, *c};
  return GEOCL_OK;
}

bool ocl_gemm_table_read(ocl_device *dev, const char *path, const char *line) {
  geocl_gemm_shape s;
  long long m, n, k, b;
  int used = 0;
  ocl_gemm_choice c;
  if (sscanf(line, "%d %d %lld %lld %lld %lld %n", &s.trans_a, &s.trans_b, &m, &n, &k, &b, &used) == 6 && used > 0 &&
      m > 0 && n > 0 && k > 0 && b > 0 && ocl_gemm_choice_parse(line + used, &c) &&
      (c.impl == OCL_GEMM_CLBLAST || ocl_gemm_params_valid(dev, &c.params))) {
    s = (geocl_gemm_shape){s.trans_a != 0, s.trans_b != 0, m, n, k, b};
    return ocl_gemm_table_put(dev, &s, &c) == GEOCL_OK;
  }
  geocl_debug("GEMM tuning cache %s: skipped line '%s'", path, line);
  return false;
}

void ocl_gemm_table_read_xgemm(ocl_device *dev, const char *path, const char *text) {
  ocl_xgemm_params p;
  char why[160];
  struct ocl_gemm_table *t = table_of(dev);
  if (!ocl_xgemm_parse(text, &p, why, sizeof why) || !ocl_xgemm_valid(dev, &p, why, sizeof why))
    geocl_warn("GEMM tuning cache %s: CLBlast parameters ignored: %s", path, why);
  else if (t) {
    t->read_xgemm = true;
    t->xgemm = p;
  }
}

void ocl_gemm_table_apply_xgemm(ocl_device *dev, const char *path) {
  struct ocl_gemm_table *t = dev->gemm_table;
  if (!t || !t->read_xgemm) return;
  t->read_xgemm = false;
  if (ocl_xgemm_apply(dev, &t->xgemm) != GEOCL_OK) {
    geocl_warn("GEMM tuning cache %s: CLBlast parameters ignored: %s", path, geocl_last_error());
    return;
  }
  t->has_xgemm = true;
  char applied[192];
  ocl_xgemm_format(&t->xgemm, applied, sizeof applied);
  geocl_debug("GEMM tuning cache %s: CLBlast Xgemm parameters applied: %s", path, applied);
}

void ocl_gemm_table_set_xgemm(ocl_device *dev, const ocl_xgemm_params *p) {
  struct ocl_gemm_table *t = table_of(dev);
  if (!t) return;
  t->has_xgemm = true;
  t->read_xgemm = false;
  t->xgemm = *p;
}

size_t ocl_gemm_table_format(const ocl_device *dev, const char *xgemm_key, char *buf, size_t cap) {
  const struct ocl_gemm_table *t = dev->gemm_table;
  size_t len = 0;
  if (!t) return 0;
  if (t->has_xgemm) {
    char xgemm[192];
    ocl_xgemm_format(&t->xgemm, xgemm, sizeof xgemm);
    len += (size_t)snprintf(buf ? buf + len : NULL, len < cap ? cap - len : 0, "%s%s\n", xgemm_key, xgemm);
  }
  for (int i = 0; i < t->n; i++) {
    const geocl_gemm_shape *s = &t->e[i].shape;
    char choice[160];
    ocl_gemm_choice_format(&t->e[i].choice, choice, sizeof choice);
    len += (size_t)snprintf(buf ? buf + len : NULL, len < cap ? cap - len : 0, "%d %d %lld %lld %lld %lld %s\n",
                            s->trans_a, s->trans_b, (long long)s->m, (long long)s->n, (long long)s->k,
                            (long long)s->batch, choice);
  }
  return len;
}

void ocl_gemm_table_free(ocl_device *dev) {
  if (dev->gemm_table) free(dev->gemm_table->e);
  free(dev->gemm_table);
  dev->gemm_table = NULL;
}

static bool same_class(const geocl_gemm_shape *a, const geocl_gemm_shape *b) {
  return a->trans_a == b->trans_a && a->trans_b == b->trans_b && ocl_tune_bucket(a->m) == ocl_tune_bucket(b->m) &&
         ocl_tune_bucket(a->n) == ocl_tune_bucket(b->n) && ocl_tune_bucket(a->k) == ocl_tune_bucket(b->k) &&
         (a->batch > 1) == (b->batch > 1);
}

/* how far apart two shapes are: the product of their size ratios */
static double distance(const geocl_gemm_shape *a, const geocl_gemm_shape *b) {
  return ocl_tune_ratio(a->m, b->m) * ocl_tune_ratio(a->n, b->n) * ocl_tune_ratio(a->k, b->k) *
         ocl_tune_ratio(a->batch, b->batch);
}

bool ocl_gemm_tuned(ocl_device *dev, const geocl_gemm_args *g, ocl_gemm_choice *out) {
  geocl_gemm_shape s = {g->trans_a != 0, g->trans_b != 0, g->m, g->n, g->k, g->batch};
  pthread_mutex_lock(&dev->lock);
  const struct ocl_gemm_table *t = dev->gemm_table;
  const tune_entry *best = NULL;
  double best_d = 0;
  for (int i = 0; t && i < t->n; i++)
    if (same_class(&t->e[i].shape, &s)) {
      double d = distance(&t->e[i].shape, &s);
      if (!best || d < best_d) {
        best = &t->e[i];
        best_d = d;
      }
    }
  if (best) *out = best->choice;
  pthread_mutex_unlock(&dev->lock);
  return best != NULL;
}

bool ocl_gemm_xgemm_current(ocl_device *dev, ocl_xgemm_params *out) {
  pthread_mutex_lock(&dev->lock);
  const struct ocl_gemm_table *t = dev->gemm_table;
  bool has = t && t->has_xgemm;
  if (has) *out = t->xgemm;
  pthread_mutex_unlock(&dev->lock);
  return has;
}
