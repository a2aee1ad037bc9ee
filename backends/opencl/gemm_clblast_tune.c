/* SPDX-License-Identifier: MIT */
/* The CLBlast stage of the GEMM tuner: device-wide parameters of CLBlast's
 * Xgemm kernel (gemm_clblast.c), timed on the largest shapes of a step
 * before the per-shape stages (gemm_tune.c) compare CLBlast, as tuned here,
 * with geocl's kernel.
 *
 * CLBlast 1.5.3's C API can override its parameters but neither read nor
 * restore the database values (RetrieveParameters is C++ only).  So what
 * CLBlast runs now (the database's values, or those of the cache file) is
 * timed first, before any override, and the candidates after it; the
 * confirming run times the best candidate again against that first time.
 * Last, the kept candidate is applied, else the cached parameters again, else
 * (nothing to restore) the fastest candidate stays applied for the rest of
 * this process: the per-shape stages then time CLBlast with it, no more than
 * the margin faster than the database's values (if no candidate ran, the last
 * one that failed stays).  Later processes use the database again, as the
 * cache then has no clblast-xgemm line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/timing.h>

#include "gemm.h"
#include "tune.h"
#include "tune_cache.h"

/* shapes timed: the ones with most work (the caller sorts them) */
#define MAX_SHAPES 3
/* Below XGEMM_MIN_INDIRECT_SIZE³ CLBlast runs its direct kernel; the
 * smallest value of that in 1.5.3's database is 64, so smaller shapes are
 * left out (a step of only such shapes skips this stage). */
#define MIN_XGEMM_SIZE 64

/* Seconds of one round: one call of each shape, weighted by its calls. */
static geocl_status time_round(ocl_backend *ob, const geocl_gemm_args *g, const uint64_t *calls, int n, double *s) {
  static const ocl_gemm_choice clblast = {.impl = OCL_GEMM_CLBLAST};
  *s = 0;
  for (int i = 0; i < n; i++) {
    double t0 = geocl_clock_s();
    geocl_status st = ocl_gemm_run(ob, &clblast, &g[i]);
    if (st == GEOCL_OK) st = ocl_sync(&ob->base);
    if (st != GEOCL_OK) return st;
    *s += (geocl_clock_s() - t0) * (double)calls[i];
  }
  return GEOCL_OK;
}

/* Median seconds of `repeat` rounds after an untimed one (which compiles)
 * with p applied (NULL: as CLBlast is now); < 0 when p cannot run. */
static geocl_status time_params(ocl_backend *ob, const ocl_xgemm_params *p, const geocl_gemm_args *g,
                                const uint64_t *calls, int n, int repeat, double *median) {
  double *runs = malloc(sizeof *runs * (size_t)repeat);
  if (!runs) return geocl_set_error(GEOCL_E_NOMEM, "out of memory tuning CLBlast");
  geocl_status st = p ? ocl_xgemm_apply(ob->dev, p) : GEOCL_OK;
  double warm;
  if (st == GEOCL_OK) st = time_round(ob, g, calls, n, &warm);
  for (int r = 0; r < repeat && st == GEOCL_OK; r++) st = time_round(ob, g, calls, n, &runs[r]);
  *median = st == GEOCL_OK ? geocl_median(runs, repeat) : -1;
  free(runs);
  if (st != GEOCL_OK && p) {
    char text[192];
    ocl_xgemm_format(p, text, sizeof text);
    geocl_debug("CLBlast tuning: %s cannot run here: %s", text, geocl_last_error());
    st = GEOCL_OK;
  }
  return st;
}

static geocl_status tune(ocl_backend *ob, const geocl_gemm_args *g, const uint64_t *calls, int n, int repeat,
                         bool quick, geocl_gemm_device_tuned *out) {
  ocl_xgemm_params cand[OCL_XGEMM_MAX_CANDIDATES], cur;
  bool has_cur = ocl_gemm_xgemm_current(ob->dev, &cur);
  if (has_cur)
    ocl_xgemm_format(&cur, out->before, sizeof out->before);
  else
    snprintf(out->before, sizeof out->before, "CLBlast's database values");
  geocl_status st = time_params(ob, NULL, g, calls, n, 2 * repeat, &out->before_s);
  if (st != GEOCL_OK) return st;
  int nc = ocl_xgemm_candidates(ob->dev, quick, cand, OCL_XGEMM_MAX_CANDIDATES), best = -1;
  out->best_s = -1;
  for (int i = 0; i < nc && st == GEOCL_OK; i++) {
    double t;
    st = time_params(ob, &cand[i], g, calls, n, repeat, &t);
    out->candidates++;
    if (t >= 0 && (best < 0 || t < out->best_s)) {
      best = i;
      out->best_s = t;
    }
  }
  if (st == GEOCL_OK && best < 0 && has_cur) st = ocl_xgemm_apply(ob->dev, &cur);
  if (st != GEOCL_OK || best < 0) return st;
  ocl_xgemm_format(&cand[best], out->best, sizeof out->best);
  double confirm = -1;
  if (out->best_s < OCL_TUNE_MARGIN * out->before_s)
    st = time_params(ob, &cand[best], g, calls, n, 2 * repeat, &confirm);
  if (st != GEOCL_OK) return st;
  out->kept = confirm >= 0 && confirm < OCL_TUNE_MARGIN * out->before_s;
  if (out->kept) {
    out->best_s = confirm;
    pthread_mutex_lock(&ob->dev->lock);
    ocl_gemm_table_set_xgemm(ob->dev, &cand[best]);
    st = ocl_tune_cache_write(ob->dev, out->cache_file, sizeof out->cache_file);
    pthread_mutex_unlock(&ob->dev->lock);
    return st;
  }
  return ocl_xgemm_apply(ob->dev, has_cur ? &cur : &cand[best]);
}

geocl_status ocl_tune_gemm_device(geocl_backend *be, const geocl_gemm_shape *shapes, const uint64_t *calls, int n,
                                  int repeat, int quick, geocl_gemm_device_tuned *out) {
  ocl_backend *ob = ocl_of(be);
  memset(out, 0, sizeof *out);
  if (n < 1 || repeat < 1)
    return geocl_set_error(GEOCL_E_INVALID, "tune CLBlast: %d shapes (repeat %d) are nothing to tune", n, repeat);
  geocl_gemm_args g[MAX_SHAPES];
  uint64_t weight[MAX_SHAPES];
  geocl_status st = GEOCL_OK;
  int made = 0;
  for (int i = 0; i < n && made < (quick ? 1 : MAX_SHAPES) && st == GEOCL_OK; i++) {
    const geocl_gemm_shape *s = &shapes[i];
    if (s->m * s->n * s->k < MIN_XGEMM_SIZE * MIN_XGEMM_SIZE * MIN_XGEMM_SIZE) continue;
    weight[made] = calls[i];
    st = ocl_gemm_tune_operands(ob, s, &g[made++]);
  }
  out->shapes = made;
  if (st == GEOCL_OK && made > 0) st = tune(ob, g, weight, made, repeat, quick, out);
  for (int i = 0; i < made; i++) ocl_gemm_tune_operands_free(ob, &g[i]);
  return st;
}
