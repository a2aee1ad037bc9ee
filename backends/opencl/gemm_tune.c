/* SPDX-License-Identifier: MIT */
/* Tuned GEMM choices per device: the table, its cache file, and the tuner.
 *
 * The table maps shapes (transposes, m, n, k, batch) to a choice: CLBlast or
 * geocl's kernel with its parameters.  A shape missing from it takes the
 * choice of the nearest tuned shape of its class (same transposes, the same
 * power-of-two bucket of m, n and k, batched or not), else the untuned one.
 *
 * The table also holds the device-wide parameters of CLBlast's Xgemm kernel
 * found by the CLBlast stage of the tuner (gemm_clblast_tune.c), if any.
 *
 * Cache: one text file per device, driver and geocl version, named by the
 * SHA-256 of the three, in $GEOCL_TUNE_CACHE (a directory, or "off"), else
 * $XDG_CACHE_HOME/geocl/tune, else ~/.cache/geocl/tune.  Line 1 is FORMAT
 * (FORMAT_V2 and FORMAT_V1 are read too: they have no attention lines, and
 * V1 no clblast-xgemm line), comment lines start with '#', then at most one
 * line of CLBlast's parameters:
 *   clblast-xgemm GEMMK=0 KREG=1 KWG=32 …
 * with all of them as ocl_xgemm_format writes them, and one line per shape:
 *   trans_a trans_b m n k batch choice
 * with choice as ocl_gemm_choice_format writes it, and the tuned tile and
 * work-group sizes of the attention kernels (attention_tune.c), a line per
 * kernel and shape:
 *   attention fwd|dq|dkv batch nq nk heads head_dim rope tile=T block=W
 * (one that does not parse is skipped with a warning).  Read on the device's
 * first GEMM or attention, which applies the clblast-xgemm line before any CLBlast call
 * (one with unknown, missing or invalid parameters is skipped with a
 * warning); rewritten atomically after each tuning stage.  A file that does
 * not parse is ignored (and replaced by the next tuning run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "io/fileio.h"
#include "gemm.h"
#include "core/timing.h"

#define FORMAT "geocl-gemm-tune 3"
#define FORMAT_V2 "geocl-gemm-tune 2"
#define FORMAT_V1 "geocl-gemm-tune 1"
#define XGEMM_KEY "clblast-xgemm "
#define ATTENTION_KEY "attention "

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

static bool cache_file(const ocl_device *dev, char *out, size_t size, char *dir, size_t dir_size) {
  const char *env = getenv("GEOCL_TUNE_CACHE"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (env && !strcmp(env, "off")) return false;
  if (env && *env)
    snprintf(dir, dir_size, "%s", env);
  else if (xdg && *xdg)
    snprintf(dir, dir_size, "%s/geocl/tune", xdg);
  else if (home && *home)
    snprintf(dir, dir_size, "%s/.cache/geocl/tune", home);
  else
    return false;
  ocl_sha256_ctx c;
  ocl_sha256_init(&c);
  const char *fields[] = {dev->info.name, dev->info.driver, GEOCL_VERSION};
  for (int i = 0; i < 3; i++) ocl_sha256_update(&c, fields[i], strlen(fields[i]) + 1);
  unsigned char d[32];
  ocl_sha256_final(&c, d);
  char hex[33];
  for (int i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02x", d[i]);
  return (size_t)snprintf(out, size, "%s/gemm-%s.txt", dir, hex) < size;
}

static geocl_status table_put(struct ocl_gemm_table *t, const geocl_gemm_shape *s, const ocl_gemm_choice *c) {
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

/* The clblast-xgemm line: kept in t to be applied, or skipped with a warning. */
static void xgemm_read(ocl_device *dev, struct ocl_gemm_table *t, const char *path, const char *text) {
  ocl_xgemm_params p;
  char why[160];
  if (!ocl_xgemm_parse(text, &p, why, sizeof why) || !ocl_xgemm_valid(dev, &p, why, sizeof why)) {
    geocl_warn("GEMM tuning cache %s: CLBlast parameters ignored: %s", path, why);
    return;
  }
  t->read_xgemm = true;
  t->xgemm = p;
}

/* Apply the clblast-xgemm line read, if any, to CLBlast. */
static void xgemm_apply(ocl_device *dev, struct ocl_gemm_table *t, const char *path) {
  if (!t->read_xgemm) return;
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

/* Lines that do not parse, or name parameters this device cannot run, are
 * skipped. */
static void table_parse(ocl_device *dev, struct ocl_gemm_table *t, const char *path, char *text) {
  char *save = NULL, *line = strtok_r(text, "\n", &save);
  if (!line || (strcmp(line, FORMAT) && strcmp(line, FORMAT_V2) && strcmp(line, FORMAT_V1))) {
    geocl_warn("GEMM tuning cache %s: not a %s file; ignored", path, FORMAT);
    line = NULL;
  }
  int kept = 0;
  while (line && (line = strtok_r(NULL, "\n", &save))) {
    if (line[0] == '#') continue;
    if (!strncmp(line, XGEMM_KEY, strlen(XGEMM_KEY))) {
      xgemm_read(dev, t, path, line + strlen(XGEMM_KEY));
      continue;
    }
    if (!strncmp(line, ATTENTION_KEY, strlen(ATTENTION_KEY))) {
      ocl_attn_cache_read(dev, path, line + strlen(ATTENTION_KEY));
      continue;
    }
    geocl_gemm_shape s;
    long long m, n, k, b;
    int used = 0;
    ocl_gemm_choice c;
    if (sscanf(line, "%d %d %lld %lld %lld %lld %n", &s.trans_a, &s.trans_b, &m, &n, &k, &b, &used) == 6 && used > 0 &&
        m > 0 && n > 0 && k > 0 && b > 0 && ocl_gemm_choice_parse(line + used, &c) &&
        (c.impl == OCL_GEMM_CLBLAST || ocl_gemm_params_valid(dev, &c.params))) {
      s = (geocl_gemm_shape){s.trans_a != 0, s.trans_b != 0, m, n, k, b};
      if (table_put(t, &s, &c) == GEOCL_OK) kept++;
    } else
      geocl_debug("GEMM tuning cache %s: skipped line '%s'", path, line);
  }
  geocl_debug("GEMM tuning cache %s: %d tuned shapes", path, kept);
}

/* Entries of the cache file. */
static void table_read(ocl_device *dev, struct ocl_gemm_table *t) {
  char path[4096], dir[3500];
  char *text = NULL;
  size_t size;
  if (!cache_file(dev, path, sizeof path, dir, sizeof dir) ||
      geocl_file_read_all(path, (size_t)1 << 20, &text, &size) != GEOCL_OK)
    return;
  table_parse(dev, t, path, text);
  xgemm_apply(dev, t, path);
  free(text);
}

void ocl_tune_cache_parse(ocl_device *dev, const char *path, char *text) {
  if (!dev->gemm_table && !(dev->gemm_table = calloc(1, sizeof *dev->gemm_table))) return;
  table_parse(dev, dev->gemm_table, path, text);
}

void ocl_tune_cache_clear(ocl_device *dev) {
  if (dev->gemm_table) free(dev->gemm_table->e);
  free(dev->gemm_table);
  dev->gemm_table = NULL;
  ocl_attn_table_free(dev);
}

static geocl_status table_write(const ocl_device *dev, const struct ocl_gemm_table *t, char *path, size_t size) {
  char dir[3500];
  path[0] = '\0';
  if (!cache_file(dev, path, size, dir, sizeof dir)) {
    path[0] = '\0';
    return GEOCL_OK;
  }
  size_t attention = ocl_attn_cache_format(dev, ATTENTION_KEY, NULL, 0);
  size_t cap = 768 + (size_t)t->n * 256 + attention + 1, len = 0;
  char *text = malloc(cap);
  if (!text) return geocl_set_error(GEOCL_E_NOMEM, "out of memory writing %s", path);
  len += (size_t)snprintf(text + len, cap - len, "%s\n# %s, driver %s, geocl %s\n# ta tb m n k batch choice\n", FORMAT,
                          dev->info.name, dev->info.driver, GEOCL_VERSION);
  if (t->has_xgemm) {
    char xgemm[192];
    ocl_xgemm_format(&t->xgemm, xgemm, sizeof xgemm);
    len += (size_t)snprintf(text + len, cap - len, "%s%s\n", XGEMM_KEY, xgemm);
  }
  for (int i = 0; i < t->n && len < cap; i++) {
    const geocl_gemm_shape *s = &t->e[i].shape;
    char choice[160];
    ocl_gemm_choice_format(&t->e[i].choice, choice, sizeof choice);
    len += (size_t)snprintf(text + len, cap - len, "%d %d %lld %lld %lld %lld %s\n", s->trans_a, s->trans_b,
                            (long long)s->m, (long long)s->n, (long long)s->k, (long long)s->batch, choice);
  }
  if (len < cap) len += ocl_attn_cache_format(dev, ATTENTION_KEY, text + len, cap - len);
  geocl_status st = geocl_mkdir_p(dir);
  if (st == GEOCL_OK) st = geocl_file_write_atomic(path, text, len);
  free(text);
  return st;
}

/* The device's table, read from the cache on first use; dev->lock held. */
static struct ocl_gemm_table *table_of(ocl_device *dev) {
  if (!dev->gemm_table && (dev->gemm_table = calloc(1, sizeof *dev->gemm_table))) table_read(dev, dev->gemm_table);
  return dev->gemm_table;
}

void ocl_tune_cache_load(ocl_device *dev) { table_of(dev); }

geocl_status ocl_tune_cache_write(ocl_device *dev, char *path, size_t size) {
  struct ocl_gemm_table *t = table_of(dev);
  if (!t) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for the GEMM tuning table");
  return table_write(dev, t, path, size);
}

static bool same_class(const geocl_gemm_shape *a, const geocl_gemm_shape *b) {
  return a->trans_a == b->trans_a && a->trans_b == b->trans_b && ocl_tune_bucket(a->m) == ocl_tune_bucket(b->m) &&
         ocl_tune_bucket(a->n) == ocl_tune_bucket(b->n) && ocl_tune_bucket(a->k) == ocl_tune_bucket(b->k) && (a->batch > 1) == (b->batch > 1);
}

/* how far apart two shapes are: the product of their size ratios */
static double distance(const geocl_gemm_shape *a, const geocl_gemm_shape *b) {
  return ocl_tune_ratio(a->m, b->m) * ocl_tune_ratio(a->n, b->n) * ocl_tune_ratio(a->k, b->k) * ocl_tune_ratio(a->batch, b->batch);
}

bool ocl_gemm_tuned(ocl_device *dev, const geocl_gemm_args *g, ocl_gemm_choice *out) {
  geocl_gemm_shape s = {g->trans_a != 0, g->trans_b != 0, g->m, g->n, g->k, g->batch};
  pthread_mutex_lock(&dev->lock);
  struct ocl_gemm_table *t = table_of(dev);
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
  struct ocl_gemm_table *t = table_of(dev);
  bool has = t && t->has_xgemm;
  if (has) *out = t->xgemm;
  pthread_mutex_unlock(&dev->lock);
  return has;
}

geocl_status ocl_gemm_xgemm_keep(ocl_device *dev, const ocl_xgemm_params *p, char *path, size_t size) {
  pthread_mutex_lock(&dev->lock);
  struct ocl_gemm_table *t = table_of(dev);
  geocl_status st = t ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "out of memory for the GEMM tuning table");
  if (st == GEOCL_OK) {
    t->has_xgemm = true;
    t->xgemm = *p;
    st = table_write(dev, t, path, size);
  }
  pthread_mutex_unlock(&dev->lock);
  return st;
}

/* ---- the tuner ---- */

/* A candidate and its median time per call (< 0: it cannot run here). */
typedef struct timed {
  ocl_gemm_choice choice;
  double median;
} timed;

typedef struct gemm_timing {
  const geocl_gemm_args *args;
  const timed *t;
} gemm_timing;

static geocl_status run_choice(ocl_backend *ob, void *user, int i) {
  const gemm_timing *g = user;
  return ocl_gemm_run(ob, &g->t[i].choice, g->args);
}

static void name_choice(void *user, int i, char *buf, size_t size) {
  const gemm_timing *g = user;
  ocl_gemm_choice_format(&g->t[i].choice, buf, size);
}

/* Median seconds per call of each of t[0 … n-1] (ocl_tune_round_robin). */
static geocl_status time_round_robin(ocl_backend *ob, const geocl_gemm_args *g, int repeat, timed *t, int n) {
  double median[OCL_GEMM_MAX_VARIATIONS + 3];
  gemm_timing user = {g, t};
  ocl_tune_candidates c = {run_choice, name_choice, &user};
  geocl_status st = ocl_tune_round_robin(ob, &c, n, repeat, median);
  for (int i = 0; i < n; i++) t[i].median = median[i];
  return st;
}

/* The fastest geocl kernel among t (NULL if none ran). */
static const timed *fastest_kernel(const timed *t, int n) {
  const timed *best = NULL;
  for (int i = 0; i < n; i++)
    if (t[i].choice.impl == OCL_GEMM_GEOCL && t[i].median >= 0 && (!best || t[i].median < best->median)) best = &t[i];
  return best;
}

/* Time CLBlast and geocl's kernel on g, the kernel's parameters by a
 * coordinate search from its defaults: the micro-tile first (stage 0), then
 * the other parameters around the fastest tile (stage 1).  Every stage also
 * times the untuned choice, and *best is another only when it is faster by
 * OCL_TUNE_MARGIN in the same rounds, and again when the two are timed once more. */
static geocl_status tune_shape(ocl_backend *ob, const geocl_gemm_args *g, int repeat, bool quick, ocl_gemm_choice *best,
                               geocl_gemm_tuned *out) {
  timed t[OCL_GEMM_MAX_VARIATIONS + 3];
  ocl_gemm_params vars[OCL_GEMM_MAX_VARIATIONS];
  ocl_gemm_untuned(ob->dev, &t[0].choice);
  t[1].choice = t[0].choice;
  t[1].choice.impl = t[0].choice.impl == OCL_GEMM_GEOCL ? OCL_GEMM_CLBLAST : OCL_GEMM_GEOCL;
  ocl_gemm_params base = t[0].choice.params;
  int n = 2;
  out->candidates = 0;
  for (int stage = 0; stage < 2; stage++) {
    int nv = ocl_gemm_variations(ob->dev, &base, stage, quick, vars), added = 0;
    for (int i = 0; i < nv; i++) { /* those that behave like one already listed are left out */
      ocl_gemm_choice c = {OCL_GEMM_GEOCL, vars[i]};
      ocl_gemm_params_settle(&c.params, g->trans_a, g->trans_b);
      bool seen = false;
      for (int j = 0; j < n && !seen; j++) {
        ocl_gemm_choice o = t[j].choice;
        ocl_gemm_params_settle(&o.params, g->trans_a, g->trans_b);
        seen = !memcmp(&o, &c, sizeof c);
      }
      if (!seen) t[n + added++].choice = c;
    }
    if (stage > 0 && added == 0) break;
    n += added;
    out->candidates += stage == 0 ? n : added;
    geocl_status st = time_round_robin(ob, g, repeat, t, n);
    if (st == GEOCL_OK && t[0].median < 0) st = geocl_last_status(); /* the untuned GEMM fails too */
    if (st != GEOCL_OK) return st;
    *best = t[0].choice;
    out->untuned_s = out->tuned_s = t[0].median;
    for (int i = 1; i < n; i++)
      if (t[i].median >= 0 && t[i].median < out->tuned_s && t[i].median < OCL_TUNE_MARGIN * out->untuned_s) {
        *best = t[i].choice;
        out->tuned_s = t[i].median;
      }
    /* next stage: the untuned choice, the fastest kernel and variations of
     * it, and the best so far if it is neither */
    const timed *fastest = fastest_kernel(t, n);
    ocl_gemm_choice kernel = fastest ? fastest->choice : t[0].choice;
    base = kernel.params;
    n = 1;
    if (fastest) t[n++].choice = kernel;
    if (memcmp(best, &t[0].choice, sizeof *best) && memcmp(best, &kernel, sizeof *best)) t[n++].choice = *best;
  }
  if (!memcmp(best, &t[0].choice, sizeof *best)) return GEOCL_OK;
  /* confirm: the untuned choice and the best, twice as many rounds */
  t[1].choice = *best;
  geocl_status st = time_round_robin(ob, g, 2 * repeat, t, 2);
  if (st != GEOCL_OK) return st;
  if (t[0].median >= 0 && t[1].median >= 0 && t[1].median < OCL_TUNE_MARGIN * t[0].median) {
    out->untuned_s = t[0].median;
    out->tuned_s = t[1].median;
  } else {
    *best = t[0].choice;
    out->untuned_s = out->tuned_s = t[0].median;
  }
  return GEOCL_OK;
}

geocl_status ocl_gemm_tune_operands(ocl_backend *ob, const geocl_gemm_shape *s, geocl_gemm_args *g) {
  size_t na = (size_t)(s->batch * s->m * s->k), nb = (size_t)(s->batch * s->k * s->n),
         nc = (size_t)(s->batch * s->m * s->n);
  cl_mem a = NULL, b = NULL, c = NULL;
  geocl_status st = ocl_tune_random_buffer(ob, na, &a);
  if (st == GEOCL_OK) st = ocl_tune_random_buffer(ob, nb, &b);
  if (st == GEOCL_OK) st = ocl_tune_random_buffer(ob, nc, &c);
  *g = (geocl_gemm_args){.trans_a = s->trans_a,
                         .trans_b = s->trans_b,
                         .m = s->m,
                         .n = s->n,
                         .k = s->k,
                         .batch = s->batch,
                         .alpha = 1.0f,
                         .beta = 0.0f,
                         .a = {a, 0},
                         .lda = s->trans_a ? s->m : s->k,
                         .stride_a = s->m * s->k,
                         .b = {b, 0},
                         .ldb = s->trans_b ? s->k : s->n,
                         .stride_b = s->k * s->n,
                         .c = {c, 0},
                         .ldc = s->n,
                         .stride_c = s->m * s->n};
  if (st != GEOCL_OK) ocl_gemm_tune_operands_free(ob, g);
  return st;
}

void ocl_gemm_tune_operands_free(ocl_backend *ob, geocl_gemm_args *g) {
  cl_mem m[3] = {ocl_mem(g->a), ocl_mem(g->b), ocl_mem(g->c)};
  for (int i = 0; i < 3; i++)
    if (m[i]) ocl_free(&ob->base, m[i]);
  g->a.mem = g->b.mem = g->c.mem = NULL;
}

geocl_status ocl_tune_gemm(geocl_backend *be, const geocl_gemm_shape *shape, int repeat, int quick,
                           geocl_gemm_tuned *out) {
  ocl_backend *ob = ocl_of(be);
  const geocl_gemm_shape *s = shape;
  memset(out, 0, sizeof *out);
  if (s->m < 1 || s->n < 1 || s->k < 1 || s->batch < 1 || repeat < 1)
    return geocl_set_error(GEOCL_E_INVALID, "tune gemm: shape %lldx%lldx%lld batch %lld (repeat %d) is not tunable",
                           (long long)s->m, (long long)s->n, (long long)s->k, (long long)s->batch, repeat);
  geocl_gemm_args g;
  geocl_status st = ocl_gemm_tune_operands(ob, s, &g);
  ocl_gemm_choice best;
  if (st != GEOCL_OK) return st;
  st = tune_shape(ob, &g, repeat, quick, &best, out);
  ocl_gemm_tune_operands_free(ob, &g);
  if (st != GEOCL_OK) return st;
  ocl_gemm_choice_format(&best, out->variant, sizeof out->variant);
  geocl_gemm_shape key = {s->trans_a != 0, s->trans_b != 0, s->m, s->n, s->k, s->batch};
  pthread_mutex_lock(&ob->dev->lock);
  struct ocl_gemm_table *t = table_of(ob->dev);
  st = t ? table_put(t, &key, &best) : geocl_set_error(GEOCL_E_NOMEM, "out of memory for the GEMM tuning table");
  if (st == GEOCL_OK) st = table_write(ob->dev, t, out->cache_file, sizeof out->cache_file);
  pthread_mutex_unlock(&ob->dev->lock);
  return st;
}
