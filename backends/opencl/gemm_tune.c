/* SPDX-License-Identifier: MIT */
/* The GEMM tuner's per-shape stages: CLBlast against geocl's kernel with
 * parameters found by a coordinate search, the result kept in the device's
 * table (gemm_table.c) and its cache file (tune_cache.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gemm.h"
#include "tune.h"
#include "tune_cache.h"

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
  st = ocl_gemm_table_put(ob->dev, &key, &best);
  if (st == GEOCL_OK) st = ocl_tune_cache_write(ob->dev, out->cache_file, sizeof out->cache_file);
  pthread_mutex_unlock(&ob->dev->lock);
  return st;
}
