/* SPDX-License-Identifier: MIT */
/* Tuned launch limits of the fused attention kernels per device (the most
 * rows per local tile and work-items per work-group, attention.h) and their
 * lookup, and their lines in the tuning cache (tune_cache.c reads and writes
 * the file).
 *
 * A shape missing from the table takes the limits of the nearest tuned shape
 * of its class (same kernel, head_dim and RoPE, nq and nk within the same
 * power of two), else the untuned ones. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "tune_cache.h"

const char *const ocl_attn_kernel_names[OCL_ATTN_KERNELS] = {"fwd", "dq", "dkv"};

typedef struct attn_entry {
  geocl_attn_shape shape;
  int kernel;
  ocl_attn_params p;
} attn_entry;

struct ocl_attn_table {
  attn_entry *e;
  int n, cap;
};

bool ocl_attn_params_parse(const char *text, ocl_attn_params *p) {
  int tile, block, used = 0;
  if (sscanf(text, " tile=%d block=%d %n", &tile, &block, &used) != 2 || used == 0 || text[used] || tile < 1 ||
      tile > OCL_ATTN_MAX_TILE || block < 1)
    return false;
  *p = (ocl_attn_params){tile, block};
  return true;
}

static geocl_status table_put(ocl_device *dev, const attn_entry *x) {
  if (!dev->attn_table && !(dev->attn_table = calloc(1, sizeof *dev->attn_table)))
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory for the attention tuning table");
  struct ocl_attn_table *t = dev->attn_table;
  for (int i = 0; i < t->n; i++)
    if (t->e[i].kernel == x->kernel && !memcmp(&t->e[i].shape, &x->shape, sizeof x->shape)) {
      t->e[i].p = x->p;
      return GEOCL_OK;
    }
  if (t->n == t->cap) {
    int cap = t->cap ? 2 * t->cap : 16;
    attn_entry *e = realloc(t->e, sizeof *e * (size_t)cap);
    if (!e) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for the attention tuning table");
    t->e = e;
    t->cap = cap;
  }
  t->e[t->n++] = *x;
  return GEOCL_OK;
}

void ocl_attn_table_read(ocl_device *dev, const char *path, const char *text) {
  char name[8];
  long long b, nq, nk, h, d;
  int rope, used = 0;
  attn_entry x = {.kernel = -1};
  if (sscanf(text, "%7s %lld %lld %lld %lld %lld %d %n", name, &b, &nq, &nk, &h, &d, &rope, &used) == 7 && used > 0)
    for (int k = 0; k < OCL_ATTN_KERNELS; k++)
      if (!strcmp(name, ocl_attn_kernel_names[k])) x.kernel = k;
  if (x.kernel < 0 || b < 1 || nq < 1 || nk < 1 || h < 1 || d < 1 || (rope != 0 && rope != 1) ||
      !ocl_attn_params_parse(text + used, &x.p)) {
    geocl_warn("tuning cache %s: attention line ignored: '%s'", path, text);
    return;
  }
  x.shape = (geocl_attn_shape){b, nq, nk, h, d, rope};
  if (table_put(dev, &x) != GEOCL_OK) geocl_warn("tuning cache %s: %s", path, geocl_last_error());
}

geocl_status ocl_attn_table_put(ocl_device *dev, int kernel, const geocl_attn_shape *s, const ocl_attn_params *p) {
  return table_put(dev, &(attn_entry){*s, kernel, *p});
}

void ocl_attn_table_free(ocl_device *dev) {
  if (dev->attn_table) free(dev->attn_table->e);
  free(dev->attn_table);
  dev->attn_table = NULL;
}

size_t ocl_attn_table_format(const ocl_device *dev, const char *key, char *buf, size_t cap) {
  size_t len = 0;
  for (int i = 0; dev->attn_table && i < dev->attn_table->n; i++) {
    const attn_entry *x = &dev->attn_table->e[i];
    const geocl_attn_shape *s = &x->shape;
    len += (size_t)snprintf(buf ? buf + len : NULL, len < cap ? cap - len : 0,
                            "%s%s %lld %lld %lld %lld %lld %d tile=%d block=%d\n", key,
                            ocl_attn_kernel_names[x->kernel], (long long)s->batch, (long long)s->nq, (long long)s->nk,
                            (long long)s->heads, (long long)s->head_dim, s->rope, x->p.tile, x->p.block);
  }
  return len;
}

static bool same_class(const attn_entry *x, int kernel, const geocl_attn_shape *s) {
  return x->kernel == kernel && x->shape.head_dim == s->head_dim && x->shape.rope == s->rope &&
         ocl_tune_bucket(x->shape.nq) == ocl_tune_bucket(s->nq) && ocl_tune_bucket(x->shape.nk) == ocl_tune_bucket(s->nk);
}

bool ocl_attn_tuned(ocl_device *dev, int kernel, const geocl_attn_shape *s, ocl_attn_params *out) {
  pthread_mutex_lock(&dev->lock);
  const struct ocl_attn_table *t = dev->attn_table;
  const attn_entry *best = NULL;
  double best_d = 0;
  for (int i = 0; t && i < t->n; i++)
    if (same_class(&t->e[i], kernel, s)) {
      const geocl_attn_shape *x = &t->e[i].shape;
      double d = ocl_tune_ratio(x->nq, s->nq) * ocl_tune_ratio(x->nk, s->nk) *
                 ocl_tune_ratio(x->batch * x->heads, s->batch * s->heads);
      if (!best || d < best_d) {
        best = &t->e[i];
        best_d = d;
      }
    }
  if (best) *out = best->p;
  pthread_mutex_unlock(&dev->lock);
  return best != NULL;
}
