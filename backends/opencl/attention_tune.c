/* SPDX-License-Identifier: MIT */
/* The attention tuner: each kernel (forward, dq, dk-dv) is tuned on its own,
 * the tile first, at the untuned work-group limit, then the work-group limit
 * at the fastest tile; as for the GEMM, other limits are kept only when
 * OCL_TUNE_MARGIN faster, in the stage and again in a confirming run.  What
 * it finds goes to the device's table (attention_table.c) and cache file
 * (tune_cache.c). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "attention.h"
#include "tune.h"
#include "tune_cache.h"

#define MAX_CANDIDATES 16

typedef struct bench {
  const geocl_attn_args *a;
  int kernel, n;
  ocl_attn_params limit[MAX_CANDIDATES], run[MAX_CANDIDATES]; /* as asked, as launched */
  double median[MAX_CANDIDATES];
} bench;

static geocl_status run_candidate(ocl_backend *ob, void *user, int i) {
  const bench *b = user;
  return ocl_attn_launch(ob, b->kernel, b->a, &b->limit[i]);
}

static void name_candidate(void *user, int i, char *buf, size_t size) {
  const bench *b = user;
  snprintf(buf, size, "attention %s tile=%d block=%d", ocl_attn_kernel_names[b->kernel], b->limit[i].tile,
           b->limit[i].block);
}

/* Add limits p unless a listed candidate launches the same way. */
static geocl_status add(ocl_backend *ob, bench *b, ocl_attn_params p) {
  ocl_attn_params run;
  geocl_status st = ocl_attn_effective(ob, b->kernel, b->a, &p, &run);
  for (int i = 0; st == GEOCL_OK && i < b->n; i++)
    if (b->run[i].tile == run.tile && b->run[i].block == run.block) return GEOCL_OK;
  if (st == GEOCL_OK && b->n < MAX_CANDIDATES) {
    b->limit[b->n] = p;
    b->run[b->n++] = run;
  }
  return st;
}

/* Time the candidates; the index of the fastest that beats candidate 0 (the
 * untuned limits) by the margin, else 0. */
static geocl_status stage(ocl_backend *ob, bench *b, int repeat, int *best) {
  ocl_tune_candidates c = {run_candidate, name_candidate, b};
  geocl_status st = ocl_tune_round_robin(ob, &c, b->n, repeat, b->median);
  if (st == GEOCL_OK && b->median[0] < 0) st = geocl_last_status(); /* the untuned launch fails too */
  *best = 0;
  for (int i = 1; st == GEOCL_OK && i < b->n; i++)
    if (b->median[i] >= 0 && b->median[i] < b->median[*best] && b->median[i] < OCL_TUNE_MARGIN * b->median[0])
      *best = i;
  return st;
}

static geocl_status tune_kernel(ocl_backend *ob, const geocl_attn_args *a, int kernel, int repeat, bool quick,
                                ocl_attn_params *chosen, double *untuned_s, double *tuned_s, int *candidates) {
  static const int tiles[] = {16, 32, 48}, quick_tiles[] = {32};
  bench b = {.a = a, .kernel = kernel};
  ocl_attn_params untuned = ocl_attn_untuned(ob->dev);
  ocl_kernel_slot *k;
  geocl_status st = ocl_attn_kernel(ob, kernel, &k);
  if (st == GEOCL_OK) st = add(ob, &b, untuned);
  for (int i = 0; st == GEOCL_OK && i < (quick ? 1 : 3); i++)
    st = add(ob, &b, (ocl_attn_params){quick ? quick_tiles[i] : tiles[i], untuned.block});
  int best = 0;
  if (st == GEOCL_OK) st = stage(ob, &b, repeat, &best);
  if (st != GEOCL_OK) return st;
  *candidates = b.n;
  /* the work-group limit: whole multiples of the kernel's preferred size
   * (doubling; with quick the two largest below the untuned limit) */
  ocl_attn_params base = b.limit[best];
  b.n = 1;
  if (best) add(ob, &b, base);
  size_t most = k->max_wg < (size_t)untuned.block ? k->max_wg : (size_t)untuned.block, blocks[16];
  int nb = 0;
  for (size_t w = k->multiple; w && w < most && nb < 16; w *= 2) blocks[nb++] = w;
  for (int i = quick && nb > 2 ? nb - 2 : 0; st == GEOCL_OK && i < nb; i++)
    st = add(ob, &b, (ocl_attn_params){base.tile, (int)blocks[i]});
  if (st == GEOCL_OK && b.n > 1) {
    *candidates += b.n - 1;
    st = stage(ob, &b, repeat, &best);
  }
  if (st != GEOCL_OK) return st;
  *chosen = b.limit[best];
  *untuned_s = *tuned_s = b.median[0];
  if (best == 0) return GEOCL_OK;
  /* confirm: the untuned limits and the best, twice as many rounds */
  b.limit[1] = b.limit[best];
  b.n = 2;
  ocl_tune_candidates c = {run_candidate, name_candidate, &b};
  st = ocl_tune_round_robin(ob, &c, 2, 2 * repeat, b.median);
  if (st != GEOCL_OK) return st;
  *untuned_s = *tuned_s = b.median[0];
  if (b.median[0] >= 0 && b.median[1] >= 0 && b.median[1] < OCL_TUNE_MARGIN * b.median[0])
    *tuned_s = b.median[1];
  else
    *chosen = untuned;
  return GEOCL_OK;
}

/* Random contiguous operands of shape s, grid positions for RoPE, and the
 * forward run once so that lse is right for the backward kernels. */
static geocl_status operands(ocl_backend *ob, const geocl_attn_shape *s, geocl_attn_args *a, cl_mem *mem) {
  size_t nq = (size_t)(s->batch * s->nq * s->heads * s->head_dim), nk = (size_t)(s->batch * s->nk * s->heads * s->head_dim);
  size_t sizes[] = {nq, nk, nk, nq, (size_t)(s->batch * s->heads * s->nq), nq, nq, nk, nk};
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < 9 && st == GEOCL_OK; i++) st = ocl_tune_random_buffer(ob, sizes[i], &mem[i]);
  int64_t qs[3] = {s->nq * s->heads * s->head_dim, s->heads * s->head_dim, s->head_dim};
  int64_t ks[3] = {s->nk * s->heads * s->head_dim, s->heads * s->head_dim, s->head_dim};
  *a = (geocl_attn_args){.batch = s->batch, .heads = s->heads, .nq = s->nq, .nk = s->nk, .head_dim = s->head_dim,
                         .scale = 1.0f / sqrtf((float)s->head_dim), .rope_base = s->rope ? 100.0f : 0.0f,
                         .q = {mem[0], 0}, .k = {mem[1], 0}, .v = {mem[2], 0}, .o = {mem[3], 0}, .lse = {mem[4], 0},
                         .dout = {mem[5], 0}, .dq = {mem[6], 0}, .dk = {mem[7], 0}, .dv = {mem[8], 0},
                         .q_sb = qs[0], .q_st = qs[1], .q_sh = qs[2], .o_sb = qs[0], .o_st = qs[1], .o_sh = qs[2],
                         .do_sb = qs[0], .do_st = qs[1], .do_sh = qs[2], .dq_sb = qs[0], .dq_st = qs[1], .dq_sh = qs[2],
                         .k_sb = ks[0], .k_st = ks[1], .k_sh = ks[2], .v_sb = ks[0], .v_st = ks[1], .v_sh = ks[2],
                         .dk_sb = ks[0], .dk_st = ks[1], .dk_sh = ks[2], .dv_sb = ks[0], .dv_st = ks[1], .dv_sh = ks[2]};
  if (st == GEOCL_OK && s->rope) { /* positions on a grid 16 wide, (y, x) per token */
    int64_t n = s->nq > s->nk ? s->nq : s->nk;
    int32_t *pos = malloc(sizeof *pos * (size_t)(2 * s->batch * n));
    st = pos ? ocl_alloc(&ob->base, sizeof *pos * (size_t)(2 * s->batch * n), (void **)&mem[9])
             : geocl_set_error(GEOCL_E_NOMEM, "out of memory tuning attention");
    for (int64_t i = 0; pos && i < s->batch * n; i++) {
      pos[2 * i] = (int32_t)(i % n / 16);
      pos[2 * i + 1] = (int32_t)(i % n % 16);
    }
    if (st == GEOCL_OK) st = ocl_upload(&ob->base, mem[9], 0, pos, sizeof *pos * (size_t)(2 * s->batch * n));
    free(pos);
    a->qpos = a->kpos = (geocl_bref){mem[9], 0};
  }
  ocl_attn_params untuned = ocl_attn_untuned(ob->dev);
  return st == GEOCL_OK ? ocl_attn_launch(ob, OCL_ATTN_FWD, a, &untuned) : st;
}

geocl_status ocl_tune_attention(geocl_backend *be, const geocl_attn_shape *s, int repeat, int quick,
                                geocl_attn_tuned *out) {
  ocl_backend *ob = ocl_of(be);
  memset(out, 0, sizeof *out);
  if (s->batch < 1 || s->nq < 1 || s->nk < 1 || s->heads < 1 || s->head_dim < 1 || repeat < 1)
    return geocl_set_error(GEOCL_E_INVALID,
                           "tune attention: batch %lld, %lldx%lld tokens, %lld heads of %lld (repeat %d) is not tunable",
                           (long long)s->batch, (long long)s->nq, (long long)s->nk, (long long)s->heads,
                           (long long)s->head_dim, repeat);
  geocl_attn_args a;
  cl_mem mem[10] = {0};
  geocl_status st = operands(ob, s, &a, mem);
  ocl_attn_params chosen[OCL_ATTN_KERNELS];
  for (int k = 0; k < OCL_ATTN_KERNELS && st == GEOCL_OK; k++) {
    int n = 0;
    st = tune_kernel(ob, &a, k, repeat, quick, &chosen[k], &out->untuned_s[k], &out->tuned_s[k], &n);
    out->candidates += n;
    snprintf(out->kernel[k], sizeof out->kernel[k], "%s", ocl_attn_kernel_names[k]);
    ocl_attn_params untuned = ocl_attn_untuned(ob->dev);
    if (chosen[k].tile == untuned.tile && chosen[k].block == untuned.block)
      snprintf(out->choice[k], sizeof out->choice[k], "default");
    else
      snprintf(out->choice[k], sizeof out->choice[k], "tile=%d block=%d", chosen[k].tile, chosen[k].block);
  }
  out->kernels = OCL_ATTN_KERNELS;
  for (int i = 0; i < 10; i++)
    if (mem[i]) ocl_free(&ob->base, mem[i]);
  if (st != GEOCL_OK) return st;
  pthread_mutex_lock(&ob->dev->lock);
  for (int k = 0; k < OCL_ATTN_KERNELS && st == GEOCL_OK; k++) st = ocl_attn_table_put(ob->dev, k, s, &chosen[k]);
  if (st == GEOCL_OK) st = ocl_tune_cache_write(ob->dev, out->cache_file, sizeof out->cache_file);
  pthread_mutex_unlock(&ob->dev->lock);
  return st;
}
