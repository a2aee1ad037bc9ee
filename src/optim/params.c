/* SPDX-License-Identifier: MIT */
/* The parameter registry: named views into one flat value buffer and one
 * flat gradient buffer, laid out group by group. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/params.h>

#include "io/checkpoint.h"
#include "ops/ops_internal.h"
#include "optim_internal.h"

typedef struct param_entry {
  char *name;
  int ndim;
  int64_t shape[GEOCL_MAX_DIMS];
  int64_t numel;
  int group;          /* optimizer group; -1: a buffer or frozen */
  int declared_group; /* as declared (the decay class); -1: a buffer */
  bool frozen;
  int64_t offset;
  geocl_tensor *t;
} param_entry;

struct geocl_params {
  geocl_ctx *ctx;
  int n, cap;
  param_entry *e;
  int *slots; /* name hash table: open addressing, entry index + 1, 0 = empty */
  int n_slots; /* a power of two, at least twice n */
  int64_t declared; /* elements of all entries, padding included */
  const geocl_st_file *expected; /* entries must match its tensors (geocl_params_expect_file) */
  int *layout; /* trainable entries in buffer order */
  int n_trainable;
  int n_groups;
  int64_t group_offset[GEOCL_PARAMS_MAX_GROUPS], group_size[GEOCL_PARAMS_MAX_GROUPS];
  int64_t numel; /* trainable elements */
  int64_t total; /* elements of the value buffer */
  geocl_tensor *storage; /* the whole value buffer */
  geocl_tensor *values;  /* its trainable span */
  geocl_tensor *grads;
  bool finalized;
};

static int64_t align_up(int64_t x) { return (x + GEOCL_PARAMS_ALIGN - 1) / GEOCL_PARAMS_ALIGN * GEOCL_PARAMS_ALIGN; }

geocl_status geocl_params_new(geocl_ctx *ctx, geocl_params **out) {
  *out = calloc(1, sizeof **out);
  if (!*out) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for a parameter registry");
  (*out)->ctx = ctx;
  return GEOCL_OK;
}

static void release_tensors(geocl_params *p) {
  for (int i = 0; i < p->n; i++) {
    geocl_tensor_free(p->e[i].t);
    p->e[i].t = NULL;
  }
  geocl_tensor_free(p->values);
  geocl_tensor_free(p->grads);
  geocl_tensor_free(p->storage);
  p->values = p->grads = p->storage = NULL;
}

void geocl_params_free(geocl_params *p) {
  if (!p) return;
  release_tensors(p);
  for (int i = 0; i < p->n; i++) free(p->e[i].name);
  free(p->e);
  free(p->slots);
  free(p->layout);
  free(p);
}

/* FNV-1a */
static uint32_t name_hash(const char *name) {
  uint32_t h = 2166136261u;
  for (const unsigned char *c = (const unsigned char *)name; *c; c++) h = (h ^ *c) * 16777619u;
  return h;
}

/* The slot of `name`: the one holding it, or the empty one where it belongs. */
static int *name_slot(const geocl_params *p, const char *name) {
  uint32_t mask = (uint32_t)p->n_slots - 1;
  for (uint32_t i = name_hash(name) & mask;; i = (i + 1) & mask)
    if (!p->slots[i] || !strcmp(p->e[p->slots[i] - 1].name, name)) return &p->slots[i];
}

/* Room in the hash table for one more name. */
static bool reserve_slot(geocl_params *p) {
  if (2 * (p->n + 1) <= p->n_slots) return true;
  int n_slots = p->n_slots ? 2 * p->n_slots : 128;
  int *old = p->slots, old_n = p->n_slots;
  if (!(p->slots = calloc((size_t)n_slots, sizeof *p->slots))) {
    p->slots = old;
    return false;
  }
  p->n_slots = n_slots;
  for (int i = 0; i < old_n; i++)
    if (old[i]) *name_slot(p, p->e[old[i] - 1].name) = old[i];
  free(old);
  return true;
}

/* With an expected file, a configuration that declares far more entries than
 * the file holds tensors is refused before it runs away; finalize compares
 * the rest (and lists what is missing). */
static geocl_status check_expected(const geocl_params *p, const char *name) {
  if (!p->expected || p->n < 2 * geocl_st_count(p->expected) + 64) return GEOCL_OK;
  return geocl_set_error(GEOCL_E_SHAPE, "%s: does not match the model: it declares over %d entries, the file holds %d "
                                        "tensors ('%s' is one beyond)", geocl_st_path(p->expected), p->n,
                         geocl_st_count(p->expected), name);
}

geocl_status geocl_params_expect_file(geocl_params *p, const geocl_st_file *f) {
  if (p->n > 0) return geocl_set_error(GEOCL_E_STATE, "params: expect_file after entries were declared");
  p->expected = f;
  return GEOCL_OK;
}

static geocl_status add_entry(geocl_params *p, const char *name, int ndim, const int64_t *shape, int group) {
  if (p->finalized)
    return geocl_set_error(GEOCL_E_STATE, "params: cannot add '%s' after finalize", name ? name : "");
  if (!name || !*name) return geocl_set_error(GEOCL_E_INVALID, "params: empty name");
  if (group >= GEOCL_PARAMS_MAX_GROUPS)
    return geocl_set_error(GEOCL_E_INVALID, "params: '%s': group %d outside 0..%d", name, group,
                           GEOCL_PARAMS_MAX_GROUPS - 1);
  if (ndim < 0 || ndim > GEOCL_MAX_DIMS)
    return geocl_set_error(GEOCL_E_SHAPE, "params: '%s': rank %d outside 0..%d", name, ndim, GEOCL_MAX_DIMS);
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0)
      return geocl_set_error(GEOCL_E_SHAPE, "params: '%s': negative size %lld", name, (long long)shape[i]);
  int64_t numel = geocl_shape_numel(ndim, shape);
  char s[160];
  if (numel < 0 || p->declared > GEOCL_MAX_NUMEL - numel - GEOCL_PARAMS_ALIGN)
    return geocl_set_error(GEOCL_E_SHAPE, "params: '%s' %s: the parameters would have more than 2^%d elements", name,
                           ops_shape_str(ndim, shape, s, sizeof s), GEOCL_MAX_NUMEL_LOG2);
  uint64_t device_bytes = p->ctx->be->device.global_mem_bytes;
  if (device_bytes && (uint64_t)(p->declared + numel) > device_bytes / sizeof(float))
    return geocl_set_error(GEOCL_E_DEVICE_NOMEM,
                           "%s%sparams: with '%s' %s the parameters need more than the device's %.1f GiB of memory",
                           p->expected ? geocl_st_path(p->expected) : "", p->expected ? ": " : "", name,
                           ops_shape_str(ndim, shape, s, sizeof s), (double)device_bytes / (1 << 30));
  geocl_status st = check_expected(p, name);
  if (st != GEOCL_OK) return st;
  if (!reserve_slot(p)) return geocl_set_error(GEOCL_E_NOMEM, "params: out of memory adding '%s'", name);
  int *slot = name_slot(p, name);
  if (*slot) return geocl_set_error(GEOCL_E_INVALID, "params: '%s' declared twice", name);
  if (p->n == p->cap) {
    int cap = p->cap ? 2 * p->cap : 64;
    param_entry *e = realloc(p->e, sizeof *e * (size_t)cap);
    if (!e) return geocl_set_error(GEOCL_E_NOMEM, "params: out of memory adding '%s'", name);
    p->e = e;
    p->cap = cap;
  }
  param_entry *e = &p->e[p->n];
  memset(e, 0, sizeof *e);
  if (!(e->name = strdup(name))) return geocl_set_error(GEOCL_E_NOMEM, "params: out of memory adding '%s'", name);
  e->ndim = ndim;
  if (ndim) memcpy(e->shape, shape, sizeof(int64_t) * (size_t)ndim);
  e->numel = numel;
  e->group = e->declared_group = group;
  e->offset = -1;
  *slot = ++p->n;
  p->declared += align_up(numel);
  if (group >= 0) {
    p->n_trainable++;
    p->numel += e->numel;
    if (group >= p->n_groups) p->n_groups = group + 1;
  }
  return GEOCL_OK;
}

geocl_status geocl_params_add(geocl_params *p, const char *name, int ndim, const int64_t *shape, int group) {
  if (group < 0) return geocl_set_error(GEOCL_E_INVALID, "params: '%s': negative group %d", name ? name : "", group);
  return add_entry(p, name, ndim, shape, group);
}

geocl_status geocl_params_add_buffer(geocl_params *p, const char *name, int ndim, const int64_t *shape) {
  return add_entry(p, name, ndim, shape, -1);
}

static param_entry *trainable_before_finalize(geocl_params *p, int i, const char *what) {
  if (p->finalized) {
    geocl_set_error(GEOCL_E_STATE, "params: %s after finalize", what);
    return NULL;
  }
  if (i < 0 || i >= p->n || p->e[i].declared_group < 0) {
    geocl_set_error(GEOCL_E_INVALID, "params: %s: entry %d is not a parameter", what, i);
    return NULL;
  }
  return &p->e[i];
}

/* Group sizes and counts from the entries (after set_group / freeze). */
static void recount(geocl_params *p) {
  p->n_trainable = 0;
  p->numel = 0;
  p->n_groups = 0;
  for (int i = 0; i < p->n; i++)
    if (p->e[i].group >= 0) {
      p->n_trainable++;
      p->numel += p->e[i].numel;
      if (p->e[i].group >= p->n_groups) p->n_groups = p->e[i].group + 1;
    }
}

geocl_status geocl_params_set_group(geocl_params *p, int i, int group) {
  param_entry *e = trainable_before_finalize(p, i, "set_group");
  if (!e) return geocl_last_status();
  if (group < 0 || group >= GEOCL_PARAMS_MAX_GROUPS)
    return geocl_set_error(GEOCL_E_INVALID, "params: '%s': group %d outside 0..%d", e->name, group,
                           GEOCL_PARAMS_MAX_GROUPS - 1);
  e->group = group;
  e->frozen = false;
  recount(p);
  return GEOCL_OK;
}

geocl_status geocl_params_freeze(geocl_params *p, int i) {
  param_entry *e = trainable_before_finalize(p, i, "freeze");
  if (!e) return geocl_last_status();
  e->group = -1;
  e->frozen = true;
  recount(p);
  return GEOCL_OK;
}

int geocl_params_declared_group(const geocl_params *p, int i) { return i >= 0 && i < p->n ? p->e[i].declared_group : -1; }

/* Offsets: group by group in declaration order, then frozen parameters and
 * buffers. */
static void lay_out(geocl_params *p) {
  int64_t cursor = 0;
  int k = 0;
  for (int g = 0; g < p->n_groups; g++) {
    p->group_offset[g] = cursor;
    for (int i = 0; i < p->n; i++)
      if (p->e[i].group == g) {
        p->e[i].offset = cursor;
        cursor = align_up(cursor + p->e[i].numel);
        p->layout[k++] = i;
      }
    p->group_size[g] = cursor - p->group_offset[g];
  }
  for (int i = 0; i < p->n; i++)
    if (p->e[i].group < 0) {
      p->e[i].offset = cursor;
      cursor = align_up(cursor + p->e[i].numel);
    }
  p->total = cursor;
}

static geocl_tensor *flat_view(geocl_tensor *base, int64_t offset, int ndim, const int64_t *shape) {
  int64_t stride[GEOCL_MAX_DIMS];
  geocl_contiguous_strides(ndim, shape, stride);
  return geocl_tensor_view(base, ndim, shape, stride, offset);
}

static geocl_status check_file(const geocl_params *p, const geocl_st_file *f);

geocl_status geocl_params_finalize(geocl_params *p) {
  if (p->finalized) return geocl_set_error(GEOCL_E_STATE, "params: finalize called twice");
  if (p->expected) {
    geocl_status st = check_file(p, p->expected);
    if (st != GEOCL_OK) return st;
  }
  p->layout = malloc(sizeof *p->layout * (size_t)(p->n_trainable + 1));
  if (!p->layout) return geocl_set_error(GEOCL_E_NOMEM, "params: out of memory");
  lay_out(p);
  int64_t span = p->n_groups ? p->group_offset[p->n_groups - 1] + p->group_size[p->n_groups - 1] : 0;
  p->storage = geocl_zeros(p->ctx, GEOCL_F32, GEOCL_SHAPE(p->total));
  p->grads = geocl_zeros(p->ctx, GEOCL_F32, GEOCL_SHAPE(span));
  p->values = p->storage ? flat_view(p->storage, 0, GEOCL_SHAPE(span)) : NULL;
  bool ok = p->storage && p->grads && p->values;
  for (int i = 0; ok && i < p->n; i++) {
    param_entry *e = &p->e[i];
    ok = (e->t = flat_view(p->storage, e->offset, e->ndim, e->shape)) != NULL;
    if (!ok) break;
    geocl_tensor_set_name(e->t, e->name);
    geocl_tensor_persist(e->t);
    if (e->group < 0) continue;
    geocl_tensor *g = flat_view(p->grads, e->offset, e->ndim, e->shape);
    ok = g != NULL;
    if (!ok) break;
    geocl_tensor_disown(g); /* it belongs to the parameter now */
    e->t->grad = g;
    e->t->grad_pinned = true;
    e->t->grad_stale = true;
    e->t->requires_grad = true;
  }
  if (!ok) {
    geocl_status st = geocl_last_status();
    release_tensors(p);
    free(p->layout);
    p->layout = NULL;
    return st ? st : geocl_set_error(GEOCL_E_NOMEM, "params: out of memory");
  }
  /* written by loads and optimizer steps, which bump its version, and by
   * batch norm's running statistics, which do not (ops_batchnorm.c) but
   * are never a GEMM's operand */
  p->storage->storage->versioned = true;
  geocl_tensor_persist(p->storage);
  geocl_tensor_persist(p->grads);
  geocl_tensor_persist(p->values);
  p->finalized = true;
  p->expected = NULL;
  return GEOCL_OK;
}

/* --- queries --- */

int geocl_params_count(const geocl_params *p) { return p->n; }

static const param_entry *entry(const geocl_params *p, int i) { return i >= 0 && i < p->n ? &p->e[i] : NULL; }

const char *geocl_params_name(const geocl_params *p, int i) { return entry(p, i) ? p->e[i].name : NULL; }
geocl_tensor *geocl_params_get(const geocl_params *p, int i) { return entry(p, i) ? p->e[i].t : NULL; }
bool geocl_params_is_buffer(const geocl_params *p, int i) { return entry(p, i) && p->e[i].declared_group < 0; }
bool geocl_params_is_frozen(const geocl_params *p, int i) { return entry(p, i) && p->e[i].frozen; }
int geocl_params_group(const geocl_params *p, int i) { return entry(p, i) ? p->e[i].group : -1; }
int64_t geocl_params_offset(const geocl_params *p, int i) { return entry(p, i) ? p->e[i].offset : -1; }

int geocl_params_index(const geocl_params *p, const char *name) {
  return p->n_slots && name ? *name_slot(p, name) - 1 : -1;
}

geocl_tensor *geocl_params_find(const geocl_params *p, const char *name) {
  int i = geocl_params_index(p, name);
  if (i < 0) {
    geocl_set_error(GEOCL_E_NOT_FOUND, "params: no parameter or buffer named '%s'", name);
    return NULL;
  }
  return p->e[i].t;
}

int geocl_params_group_count(const geocl_params *p) { return p->n_groups; }

void geocl_params_group_span(const geocl_params *p, int g, int64_t *offset, int64_t *size) {
  bool valid = p->finalized && g >= 0 && g < p->n_groups;
  *offset = valid ? p->group_offset[g] : 0;
  *size = valid ? p->group_size[g] : 0;
}

int64_t geocl_params_numel(const geocl_params *p) { return p->numel; }
geocl_tensor *geocl_params_values(const geocl_params *p) { return p->values; }
geocl_tensor *geocl_params_grads(const geocl_params *p) { return p->grads; }

/* --- gradients --- */

void geocl_params_zero_grad(geocl_params *p) {
  for (int i = 0; i < p->n; i++)
    if (p->e[i].group >= 0) geocl_zero_grad(p->e[i].t);
}

geocl_status geocl_params_finish_grads(geocl_params *p) {
  if (!p->finalized) return geocl_set_error(GEOCL_E_STATE, "params: finish_grads before finalize");
  geocl_backend *be = p->ctx->be;
  geocl_bref base = geocl_tensor_bref(p->grads);
  /* one fill per run of neighbouring stale gradients (padding included) */
  for (int k = 0; k < p->n_trainable;) {
    if (!p->e[p->layout[k]].t->grad_stale) {
      k++;
      continue;
    }
    int64_t start = p->e[p->layout[k]].offset, end = start;
    for (; k < p->n_trainable && p->e[p->layout[k]].t->grad_stale; k++) {
      param_entry *e = &p->e[p->layout[k]];
      end = e->offset + e->numel;
      e->t->grad_stale = false;
    }
    if (end > start) {
      geocl_status st = be->ops->fill(be, end - start, 0, (geocl_bref){base.mem, base.off + (size_t)start});
      if (st != GEOCL_OK) return st;
    }
  }
  return GEOCL_OK;
}

/* --- checkpoints --- */

geocl_status geocl_params_save(const geocl_params *p, const char *path, int n_meta, const geocl_st_kv *meta) {
  if (!p->finalized) return geocl_set_error(GEOCL_E_STATE, "params: save before finalize");
  float *host = malloc(sizeof(float) * (size_t)(p->total + 1));
  geocl_st_writer *w = geocl_st_writer_new();
  geocl_status st = host && w ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory saving parameters", path);
  if (st == GEOCL_OK) st = geocl_to_host(p->storage, host, sizeof(float) * (size_t)p->total);
  for (int i = 0; st == GEOCL_OK && i < n_meta; i++) st = geocl_st_writer_set_meta(w, meta[i].key, meta[i].value);
  for (int i = 0; st == GEOCL_OK && i < p->n; i++)
    st = ckpt_check_values(path, p->e[i].name, host + p->e[i].offset, (size_t)p->e[i].numel, false);
  if (st != GEOCL_OK) geocl_error_prefix("not saved");
  for (int i = 0; st == GEOCL_OK && i < p->n; i++)
    st = geocl_st_writer_add(w, p->e[i].name, GEOCL_ST_F32, p->e[i].ndim, p->e[i].shape, host + p->e[i].offset);
  if (st == GEOCL_OK) st = geocl_st_writer_write(w, path);
  geocl_st_writer_free(w);
  free(host);
  return st;
}

/* Every entry present with its shape and a float dtype, nothing else in the file. */
static geocl_status check_file(const geocl_params *p, const geocl_st_file *f) {
  ckpt_tensor *want = malloc(sizeof *want * (size_t)(p->n + 1));
  if (!want) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", geocl_st_path(f));
  /* buffers may be integers: batch norms' num_batches_tracked is int64 in torch */
  for (int i = 0; i < p->n; i++) want[i] = (ckpt_tensor){p->e[i].name, p->e[i].ndim, p->e[i].shape, p->e[i].group < 0};
  geocl_status st = ckpt_check_tensors(f, "the model", p->n, want);
  free(want);
  return st;
}

geocl_status geocl_params_load(geocl_params *p, const char *path) {
  if (!p->finalized) return geocl_set_error(GEOCL_E_STATE, "params: load before finalize");
  geocl_st_file *f;
  geocl_status st = geocl_st_open(path, &f);
  if (st != GEOCL_OK) return st;
  st = check_file(p, f);
  if (st == GEOCL_OK) st = ckpt_verify(f);
  /* stage everything on the host first, so a failed read modifies nothing */
  float *host = NULL;
  if (st == GEOCL_OK && !(host = calloc((size_t)p->total + 1, sizeof(float))))
    st = geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory loading parameters", path);
  for (int i = 0; st == GEOCL_OK && i < p->n; i++) {
    float *x = host + p->e[i].offset;
    st = geocl_st_read_f32(f, geocl_st_find(f, p->e[i].name), x, (size_t)p->e[i].numel);
    if (st == GEOCL_OK) st = ckpt_check_values(path, p->e[i].name, x, (size_t)p->e[i].numel, false);
  }
  if (st == GEOCL_OK) st = geocl_copy_from_host(p->storage, host, sizeof(float) * (size_t)p->total);
  free(host);
  geocl_st_close(f);
  return st;
}

/* The file name of entry i's tensor under the renames ("FROM=TO": entry
 * names starting with TO come from file names starting with FROM). */
static const char *file_name(const geocl_params_load_opts *o, const char *name, char *buf, size_t size) {
  for (int k = 0; o && k < o->n_map; k++) {
    const char *eq = strchr(o->map[k], '=');
    if (!eq) continue;
    size_t to_len = strlen(eq + 1);
    if (!strncmp(name, eq + 1, to_len)) {
      int n = snprintf(buf, size, "%.*s%s", (int)(eq - o->map[k]), o->map[k], name + to_len);
      return n >= 0 && (size_t)n < size ? buf : NULL;
    }
  }
  return name;
}

static void name_list_add(char *list, size_t size, const char *name) {
  size_t used = strlen(list);
  if (used + strlen(name) + 8 < size) snprintf(list + used, size - used, "%s%s", used ? ", " : "", name);
  else if (used + 5 < size && strcmp(list + used - 3, "...")) snprintf(list + used, size - used, ", ...");
}

static bool shape_equal(const geocl_st_info *t, const param_entry *e) {
  if (t->ndim != e->ndim) return false;
  for (int d = 0; d < e->ndim; d++)
    if (t->shape[d] != e->shape[d]) return false;
  return true;
}

geocl_status geocl_params_load_partial(geocl_params *p, const char *path, const geocl_params_load_opts *o,
                                       geocl_load_report *r) {
  geocl_load_report local;
  if (!r) r = &local;
  memset(r, 0, sizeof *r);
  if (!p->finalized) return geocl_set_error(GEOCL_E_STATE, "params: load before finalize");
  geocl_st_file *f;
  geocl_status st = geocl_st_open(path, &f);
  if (st != GEOCL_OK) return st;
  st = ckpt_verify(f);
  float *host = calloc((size_t)p->total + 1, sizeof(float));
  bool *used = calloc((size_t)geocl_st_count(f) + 1, sizeof(bool));
  if (st == GEOCL_OK && (!host || !used)) st = geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory loading parameters", path);
  if (st == GEOCL_OK) st = geocl_to_host(p->storage, host, sizeof(float) * (size_t)p->total);
  int missing = 0;
  char missing_names[256] = "";
  for (int i = 0; st == GEOCL_OK && i < p->n; i++) {
    const param_entry *e = &p->e[i];
    char buf[512];
    const char *fname = file_name(o, e->name, buf, sizeof buf);
    if (!fname) {
      st = geocl_set_error(GEOCL_E_INVALID, "%s: the renamed name of '%s' is longer than %zu bytes", path, e->name,
                           sizeof buf - 1);
      break;
    }
    const geocl_st_info *t = geocl_st_find(f, fname);
    if (!t) {
      geocl_clear_error();
      if (o && o->required && o->required[i]) {
        missing++;
        name_list_add(missing_names, sizeof missing_names, e->name);
      } else {
        r->kept++;
        name_list_add(r->kept_names, sizeof r->kept_names, e->name);
      }
      continue;
    }
    if (!shape_equal(t, e) && o &&
        params_is_pos_embed(e->name, t->ndim, t->shape, e->ndim, e->shape, o->pos_grid[0], o->pos_grid[1])) {
      float *table = malloc(sizeof(float) * (size_t)geocl_st_numel(t) + 1);
      st = table ? geocl_st_read_f32(f, t, table, (size_t)geocl_st_numel(t))
                 : geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
      if (st == GEOCL_OK)
        st = params_resample_pos_embed(p->ctx, table, t->shape[0], t->shape[1], o->pos_grid[0], o->pos_grid[1],
                                       host + e->offset);
      free(table);
      used[t - geocl_st_at(f, 0)] = true;
      r->loaded++;
      r->resampled++;
      continue;
    }
    if (!shape_equal(t, e)) {
      char want[96], got[96];
      ops_shape_str(e->ndim, e->shape, want, sizeof want);
      ops_shape_str(t->ndim, t->shape, got, sizeof got);
      st = geocl_set_error(GEOCL_E_SHAPE, "%s: %s is %s, the model's %s is %s", path, t->name, got, e->name, want);
      break;
    }
    used[t - geocl_st_at(f, 0)] = true;
    st = geocl_st_read_f32(f, t, host + e->offset, (size_t)e->numel);
    if (st == GEOCL_OK) st = ckpt_check_values(path, t->name, host + e->offset, (size_t)e->numel, false);
    r->loaded++;
  }
  if (st == GEOCL_OK && missing)
    st = geocl_set_error(GEOCL_E_SHAPE, "%s lacks %d tensor%s the model needs: %s", path, missing, missing == 1 ? "" : "s",
                         missing_names);
  for (int k = 0; st == GEOCL_OK && k < geocl_st_count(f); k++)
    if (!used[k]) {
      r->skipped++;
      name_list_add(r->skipped_names, sizeof r->skipped_names, geocl_st_at(f, k)->name);
    }
  if (st == GEOCL_OK) st = geocl_copy_from_host(p->storage, host, sizeof(float) * (size_t)p->total);
  free(host);
  free(used);
  geocl_st_close(f);
  return st;
}
