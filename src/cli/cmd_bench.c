/* SPDX-License-Identifier: MIT */
/* geocl bench: timings of GEMM, attention, InfoNCE, whole training steps and
 * the point-cloud ops of PointNet++ / SimIPU. */
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/assignment.h>
#include <geocl/optim.h>
#include <geocl/train.h>
#include <geocl/timing.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl bench gemm      --m M --n N --k K [--batch B] [--ta] [--tb] [--keep-b]\n"
          "       geocl bench attention --batch B --n N [--nk NK] --heads H --head-dim D [--rope] [--unfused]\n"
          "       geocl bench infonce   --m M --dim D [--tau T]\n"
          "       geocl bench step      [--task croco] [--model PRESET] [--batch B] [--recompute] [key=value ...]\n"
          "       geocl bench resnet    [--depth 18|34|50|101|152] [--batch B] [--size HxW]\n"
          "       geocl bench fps       --points N --samples M [--batch B] [--features C]\n"
          "       geocl bench ballquery --points N --centres M [--batch B] [--features C]\n"
          "       geocl bench mlp       --rows R --in C --out D\n"
          "       geocl bench assignment --n N [--random]\n"
          "       (all:) [--repeat R] [--warmup W] [--device SPEC] [--seed S] [--profile] [--json]\n"
          "\n"
          "Time an operation on a device: W untimed runs (kernel builds, caches), then R\n"
          "timed ones, each waited for; prints the median and the spread (min, max).\n"
          "  gemm       C = A·B (row-major, A m×k, B k×n, ta/tb transpose), batch products;\n"
          "             GFLOP/s = 2·m·n·k·batch / median time; --keep-b: B is a weight an\n"
          "             earlier product already packed (geocl tune --list's 'B kept'): geocl's\n"
          "             kernel packs it in the warm-up only (batch 1)\n"
          "  attention  forward and forward+backward of multi-head attention, q [B,N,C],\n"
          "             k, v [B,NK,C], C = heads·head-dim; fused kernels unless --unfused\n"
          "  infonce    forward+backward of the InfoNCE loss of q, k [M, D]\n"
          "  step       whole training steps: forward, backward, AdamW; random images of\n"
          "             the size the model trains at (the preset's or img_size=); pairs/s =\n"
          "             batch / median step time; heads (stereo, flow, depth, depth-resnet)\n"
          "             get made-up dense targets, every pixel valid;\n"
          "             peak_bytes is the device memory high-water mark of a step's tensors,\n"
          "             backend_bytes what the backend holds for itself besides (GEMM\n"
          "             packing scratch, kept weight panels: GEOCL_PACK_CACHE);\n"
          "             useful work: the GEMMs' 2·m·n·k, convolutions' and attention's\n"
          "             FLOPs (gflop_per_step, gflops = it / median); with --profile\n"
          "             also the step's time in GEMM (packing included), attention,\n"
          "             other kernels and on the host (no kernel running); with\n"
          "             --recompute, transformer blocks run again in backward instead of\n"
          "             keeping their activations (geocl pretrain --recompute)\n"
          "             without --model, the official constructor's defaults (CroCo base)\n"
          "  resnet     whole training steps of torchvision's resnet<depth> (default 50):\n"
          "             forward, mean cross-entropy over 1000 classes of random labels,\n"
          "             backward, SGD with momentum 0.9 and weight decay 1e-4; random\n"
          "             images of --size (default 224x224); images_per_s = batch / median\n"
          "             step time; peak_bytes as for step\n"
          "  fps        farthest-point sampling of M of N points per sample, uniform in\n"
          "             SimIPU's range box [0, 70.4) x [-40, 40) x [-3, 1) m; with --features,\n"
          "             F-FPS over [xyz, C features]\n"
          "  ballquery  SimIPU's first set abstraction without its MLPs: the dilated ball\n"
          "             query of M centres (FPS picks) over N such points, rings [0, 0.2),\n"
          "             [0.2, 0.4), [0.4, 0.8) m with 32, 32, 64 samples, then grouping of\n"
          "             the C point features (default 1: reflectance) per ring; ball_query_s\n"
          "             alone and median_s for both.  A uniform cloud is a slow case: few\n"
          "             neighbourhoods fill up early, so most scans visit every point\n"
          "  mlp        a shared point MLP layer (1x1 convolution) on grouped rows, channels\n"
          "             last: geocl_linear [R, C] -> [R, D] with bias, forward and\n"
          "             forward+backward, against the bare GEMMs of the same sizes (x·Wᵀ;\n"
          "             and dy·W, dyᵀ·x); the percentages are GEMM time / layer time\n"
          "  assignment linear assignment (host) of N keypoints picked by FPS from one\n"
          "             uniform cloud of 16N points and from a shuffled copy, Euclidean\n"
          "             costs (SimIPU's pairing); --random: N independent uniform points\n"
          "             each side (a harder case)\n"
          "  --profile  also print the device time per kernel (OpenCL)\n"
          "  --json     print one JSON object\n"
          "Defaults: --repeat 10 --warmup 2 (step, resnet: --repeat 5 --warmup 2 --batch 8).\n");
}

typedef struct bench_opts {
  int64_t m, n, k, batch, nq, nk, heads, head_dim, dim, depth, height, width;
  int64_t points, samples, centres, features, rows, in, out;
  bool ta, tb, keep_b, rope, unfused, profile, json, random, recompute;
  double tau;
  int repeat, warmup;
  const char *device, *task, *model;
  uint64_t seed;
} bench_opts;

typedef struct timing {
  double median, min, max;
} timing;

/* Run fn warmup + repeat times, timing the repeats to completion. */
typedef geocl_status (*bench_fn)(geocl_ctx *ctx, void *arg);
static geocl_status measure(geocl_ctx *ctx, const bench_opts *o, bench_fn fn, void *arg, timing *t) {
  double *s = calloc((size_t)o->repeat, sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_status st = GEOCL_OK;
  for (int i = 0; st == GEOCL_OK && i < o->warmup + o->repeat; i++) {
    if (o->profile && i == o->warmup) geocl_ctx_profile_start(ctx);
    double t0 = geocl_clock_s();
    geocl_scope scope = geocl_scope_begin(ctx);
    st = fn(ctx, arg);
    if (st == GEOCL_OK) st = geocl_ctx_sync(ctx);
    geocl_scope_end(ctx, scope);
    if (i >= o->warmup) s[i - o->warmup] = geocl_clock_s() - t0;
  }
  t->median = geocl_median(s, o->repeat);
  t->min = s[0];
  t->max = s[o->repeat - 1];
  free(s);
  return st;
}

#define PROFILE_SHOWN 32   /* kernels listed */
#define PROFILE_KERNELS 512 /* kernels summed */

/* Where a run's time goes: GEMMs with their packing, fused attention, the
 * other (mostly memory-bound) kernels, and the host: the part of the
 * measured time no kernel covers (launches, transfers' waits, host code). */
static void print_shares(FILE *out, const geocl_kernel_time *k, int n, int repeat, double total) {
  double gemm = 0, attention = 0, other = 0;
  for (int i = 0; i < n; i++) {
    double s = k[i].seconds / repeat;
    if (strstr(k[i].name, "gemm")) gemm += s;
    else if (!strncmp(k[i].name, "attn_", 5)) attention += s;
    else other += s;
  }
  double host = total - gemm - attention - other;
  fprintf(out, "time per run: GEMM (packing included) %.1f%%, attention %.1f%%, other kernels %.1f%%, host %.1f%%\n",
          100 * gemm / total, 100 * attention / total, 100 * other / total, 100 * (host > 0 ? host : 0) / total);
}

static void print_profile(geocl_ctx *ctx, const bench_opts *o, double total) {
  if (!o->profile) return;
  geocl_kernel_time *k = calloc(PROFILE_KERNELS, sizeof *k);
  int n = 0;
  if (!k || geocl_ctx_profile_stop(ctx, k, PROFILE_KERNELS, &n) != GEOCL_OK) {
    fprintf(stderr, "geocl bench: --profile: %s\n", k ? geocl_last_error() : "out of memory");
    free(k);
    return;
  }
  FILE *out = o->json ? stderr : stdout;
  double sum = 0;
  for (int i = 0; i < n; i++) sum += k[i].seconds;
  fprintf(out, "device time per run by kernel (of %.2f ms measured per run):\n", total * 1e3);
  for (int i = 0; i < n && i < PROFILE_SHOWN; i++)
    fprintf(out, "  %-28s %8.2f ms %5.1f%%  %6.1f calls\n", k[i].name, k[i].seconds / o->repeat * 1e3,
            100 * k[i].seconds / (sum > 0 ? sum : 1), (double)k[i].calls / o->repeat);
  if (n > PROFILE_SHOWN) fprintf(out, "  (%d more kernels)\n", n - PROFILE_SHOWN);
  print_shares(out, k, n, o->repeat, total);
  free(k);
}

static geocl_tensor *random_tensor(geocl_ctx *ctx, int ndim, const int64_t *shape, float scale) {
  int64_t n = 1;
  for (int i = 0; i < ndim; i++) n *= shape[i];
  float *h = malloc(sizeof(float) * (size_t)(n ? n : 1));
  if (!h) return NULL;
  geocl_rng_normal(geocl_ctx_rng(ctx), h, (size_t)n, 0.0f, scale);
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_F32, ndim, shape, h);
  free(h);
  if (t) geocl_tensor_persist(t);
  return t;
}

/* ---- gemm ---- */

typedef struct gemm_arg {
  geocl_gemm_args g;
} gemm_arg;

static geocl_status run_gemm(geocl_ctx *ctx, void *arg) {
  geocl_backend *be = geocl_ctx_backend(ctx);
  return be->ops->gemm(be, &((gemm_arg *)arg)->g);
}

static geocl_status bench_gemm(geocl_ctx *ctx, const bench_opts *o) {
  int64_t m = o->m, n = o->n, k = o->k, b = o->batch ? o->batch : 1;
  geocl_tensor *A = random_tensor(ctx, GEOCL_SHAPE(b, m, k), 1), *B = random_tensor(ctx, GEOCL_SHAPE(b, k, n), 1);
  geocl_tensor *C = random_tensor(ctx, GEOCL_SHAPE(b, m, n), 1);
  if (!A || !B || !C) return geocl_last_status();
  gemm_arg a = {{.trans_a = o->ta, .trans_b = o->tb, .m = m, .n = n, .k = k, .batch = b, .alpha = 1, .beta = 0,
                 .a = geocl_tensor_bref(A), .lda = o->ta ? m : k, .stride_a = m * k, .b = geocl_tensor_bref(B),
                 .ldb = o->tb ? k : n, .stride_b = k * n, .c = geocl_tensor_bref(C), .ldc = n, .stride_c = m * n}};
  /* B's contents never change here: any tag that no storage version reaches
   * (they count up from 1) names them */
  if (o->keep_b) a.g.b_tag = UINT64_MAX;
  timing t;
  geocl_status st = measure(ctx, o, run_gemm, &a, &t);
  if (st != GEOCL_OK) return st;
  double gflops = 2.0 * (double)(m * n) * (double)(k * b) / t.median * 1e-9;
  if (o->json)
    printf("{\"bench\": \"gemm\", \"m\": %lld, \"n\": %lld, \"k\": %lld, \"batch\": %lld, \"ta\": %d, \"tb\": %d, "
           "\"keep_b\": %d, \"median_s\": %.6g, \"min_s\": %.6g, \"max_s\": %.6g, \"gflops\": %.4g, "
           "\"device\": \"%s\"}\n",
           (long long)m, (long long)n, (long long)k, (long long)b, o->ta, o->tb, o->keep_b, t.median, t.min, t.max,
           gflops, geocl_ctx_device(ctx)->name);
  else
    printf("gemm %lldx%lldx%lld%s%s%s batch %lld: median %.3f ms (min %.3f, max %.3f): %.1f GFLOP/s\n", (long long)m,
           (long long)n, (long long)k, o->ta ? " Aᵀ" : "", o->tb ? " Bᵀ" : "", o->keep_b ? " (B kept)" : "",
           (long long)b, t.median * 1e3, t.min * 1e3, t.max * 1e3, gflops);
  print_profile(ctx, o, t.median);
  return GEOCL_OK;
}

/* ---- attention ---- */

typedef struct attn_arg {
  geocl_tensor *q, *k, *v, *dout, *pos_q, *pos_k;
  geocl_attn_opts opts;
  bool backward;
} attn_arg;

static geocl_status run_attention(geocl_ctx *ctx, void *arg) {
  attn_arg *a = arg;
  geocl_tensor *o = geocl_attention(a->q, a->k, a->v, &a->opts);
  if (!o) return geocl_last_status();
  return a->backward ? geocl_backward_from(o, a->dout) : GEOCL_OK;
}

static geocl_tensor *positions(geocl_ctx *ctx, int64_t b, int64_t n) {
  int32_t *h = malloc(sizeof(int32_t) * (size_t)(b * n * 2));
  if (!h) return NULL;
  for (int64_t i = 0; i < b * n; i++) {
    h[2 * i] = (int32_t)((i % n) / 14);
    h[2 * i + 1] = (int32_t)((i % n) % 14);
  }
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(b, n, 2), h);
  free(h);
  if (t) geocl_tensor_persist(t);
  return t;
}

static geocl_status bench_attention(geocl_ctx *ctx, const bench_opts *o) {
  int64_t b = o->batch ? o->batch : 1, nq = o->nq, nk = o->nk ? o->nk : o->nq, c = o->heads * o->head_dim;
  attn_arg a = {.q = random_tensor(ctx, GEOCL_SHAPE(b, nq, c), 1), .k = random_tensor(ctx, GEOCL_SHAPE(b, nk, c), 1),
                .v = random_tensor(ctx, GEOCL_SHAPE(b, nk, c), 1), .dout = random_tensor(ctx, GEOCL_SHAPE(b, nq, c), 1),
                .opts = {.heads = (int)o->heads, .unfused = o->unfused}};
  if (!a.q || !a.k || !a.v || !a.dout) return geocl_last_status();
  if (o->rope) {
    a.opts.rope_base = 100;
    a.opts.qpos = positions(ctx, b, nq);
    a.opts.kpos = positions(ctx, b, nk);
  }
  geocl_set_requires_grad(a.q, true);
  geocl_set_requires_grad(a.k, true);
  geocl_set_requires_grad(a.v, true);
  timing fwd, both;
  bool was = geocl_set_grad_enabled(ctx, false);
  geocl_status st = measure(ctx, o, run_attention, &a, &fwd);
  geocl_set_grad_enabled(ctx, was);
  if (o->profile) print_profile(ctx, o, fwd.median);
  a.backward = true;
  if (st == GEOCL_OK) st = measure(ctx, o, run_attention, &a, &both);
  if (st != GEOCL_OK) return st;
  if (o->json)
    printf("{\"bench\": \"attention\", \"batch\": %lld, \"nq\": %lld, \"nk\": %lld, \"heads\": %lld, \"head_dim\": %lld, "
           "\"rope\": %d, \"fused\": %d, \"forward_s\": %.6g, \"forward_backward_s\": %.6g, \"min_s\": %.6g, "
           "\"max_s\": %.6g, \"device\": \"%s\"}\n",
           (long long)b, (long long)nq, (long long)nk, (long long)o->heads, (long long)o->head_dim, o->rope,
           !o->unfused, fwd.median, both.median, both.min, both.max, geocl_ctx_device(ctx)->name);
  else
    printf("attention B=%lld Nq=%lld Nk=%lld heads=%lld head_dim=%lld%s %s: forward %.3f ms, forward+backward %.3f ms "
           "(min %.3f, max %.3f)\n",
           (long long)b, (long long)nq, (long long)nk, (long long)o->heads, (long long)o->head_dim,
           o->rope ? " RoPE" : "", o->unfused ? "unfused" : "fused", fwd.median * 1e3, both.median * 1e3,
           both.min * 1e3, both.max * 1e3);
  print_profile(ctx, o, both.median);
  return GEOCL_OK;
}

/* ---- infonce ---- */

typedef struct infonce_arg {
  geocl_tensor *q, *k;
  float tau;
} infonce_arg;

static geocl_status run_infonce(geocl_ctx *ctx, void *arg) {
  infonce_arg *a = arg;
  return geocl_backward(geocl_infonce(geocl_l2_normalize(a->q, 1e-12f), geocl_l2_normalize(a->k, 1e-12f), a->tau));
}

static geocl_status bench_infonce(geocl_ctx *ctx, const bench_opts *o) {
  infonce_arg a = {random_tensor(ctx, GEOCL_SHAPE(o->m, o->dim), 1), random_tensor(ctx, GEOCL_SHAPE(o->m, o->dim), 1),
                   (float)o->tau};
  if (!a.q || !a.k) return geocl_last_status();
  geocl_set_requires_grad(a.q, true);
  geocl_set_requires_grad(a.k, true);
  timing t;
  geocl_status st = measure(ctx, o, run_infonce, &a, &t);
  if (st != GEOCL_OK) return st;
  if (o->json)
    printf("{\"bench\": \"infonce\", \"m\": %lld, \"dim\": %lld, \"median_s\": %.6g, \"min_s\": %.6g, \"max_s\": %.6g, "
           "\"device\": \"%s\"}\n",
           (long long)o->m, (long long)o->dim, t.median, t.min, t.max, geocl_ctx_device(ctx)->name);
  else
    printf("infonce M=%lld D=%lld forward+backward: median %.3f ms (min %.3f, max %.3f)\n", (long long)o->m,
           (long long)o->dim, t.median * 1e3, t.min * 1e3, t.max * 1e3);
  print_profile(ctx, o, t.median);
  return GEOCL_OK;
}

/* ---- training step ---- */

/* The memory figures of a step measured from `before` (the model in place)
 * to `after`, as JSON fields or as text. */
static void memory_figures(const geocl_mem_stats *before, const geocl_mem_stats *after, bool json, char *out,
                           size_t size) {
  size_t activations = after->peak_bytes - before->current_bytes;
  if (json)
    snprintf(out, size, "\"peak_bytes\": %zu, \"model_bytes\": %zu, \"activation_bytes\": %zu, \"backend_bytes\": %zu",
             after->peak_bytes, before->current_bytes, activations, after->backend_bytes);
  else
    snprintf(out, size,
             "peak device memory %.1f MiB (%.1f MiB parameters, gradients and optimizer state, %.1f MiB "
             "activations), and %.1f MiB the backend holds for itself",
             (double)after->peak_bytes / (1 << 20), (double)before->current_bytes / (1 << 20),
             (double)activations / (1 << 20), (double)after->backend_bytes / (1 << 20));
}

static geocl_status run_step(geocl_ctx *ctx, void *arg) { return cli_step_run(ctx, arg); }

static geocl_status bench_step(geocl_ctx *ctx, const bench_opts *o, int n_args, const char *const *args) {
  int64_t B = o->batch ? o->batch : 8;
  cli_step a;
  geocl_set_recompute(ctx, o->recompute);
  geocl_status st = cli_step_create(ctx, o->task, o->model, B, o->seed, n_args, args, &a);
  if (st != GEOCL_OK) return st;
  int64_t h = a.shape[2], w = a.shape[3];
  geocl_mem_stats before, after;
  timing t;
  geocl_ctx_mem_stats(ctx, &before);
  geocl_ctx_reset_peak(ctx);
  double work = geocl_ctx_flops(ctx);
  st = measure(ctx, o, run_step, &a, &t);
  geocl_ctx_mem_stats(ctx, &after);
  if (st == GEOCL_OK && o->recompute && geocl_ctx_checkpoints(ctx) == 0)
    fprintf(stderr, "geocl bench: --recompute changes nothing for %s: it has no transformer blocks to run again\n",
            o->task);
  if (st == GEOCL_OK) {
    double pps = (double)B / t.median;
    double gflop = (geocl_ctx_flops(ctx) - work) / (o->warmup + o->repeat) * 1e-9; /* every run the same */
    const char *unit = a.lidar.n ? "samples" : "pairs";
    char memory[320];
    memory_figures(&before, &after, o->json, memory, sizeof memory);
    if (o->json)
      printf("{\"bench\": \"step\", \"task\": \"%s\", \"batch\": %lld, \"img_size\": [%lld, %lld], \"%s_per_s\": %.4g, "
             "\"step_median_s\": %.6g, \"step_min_s\": %.6g, \"step_max_s\": %.6g, %s, \"gflop_per_step\": %.6g, "
             "\"gflops\": %.4g, \"recompute\": %s, \"device\": \"%s\"}\n",
             o->task, (long long)B, (long long)h, (long long)w, unit, pps, t.median, t.min, t.max, memory, gflop,
             gflop / t.median, o->recompute ? "true" : "false", geocl_ctx_device(ctx)->name);
    else
      printf("step %s batch %lld %lldx%lld: %.2f %s/s; step median %.1f ms (min %.1f, max %.1f); %s\n", o->task,
             (long long)B, (long long)h, (long long)w, pps, unit, t.median * 1e3, t.min * 1e3, t.max * 1e3, memory);
    if (!o->json)
      printf("useful work: %.2f GFLOP a step (GEMMs, convolutions and attention: geocl_ctx_flops), %.1f GFLOP/s at "
             "the median\n", gflop, gflop / t.median);
    print_profile(ctx, o, t.median);
  }
  cli_step_free(&a);
  return st;
}

/* ---- resnet training step ---- */

static geocl_status run_resnet(geocl_ctx *ctx, void *arg) { return cli_resnet_run(ctx, arg); }

static geocl_status bench_resnet(geocl_ctx *ctx, const bench_opts *o) {
  int64_t B = o->batch ? o->batch : 8, h = o->height ? o->height : 224, w = o->width ? o->width : 224;
  int depth = o->depth ? (int)o->depth : 50;
  cli_resnet a;
  geocl_status st = cli_resnet_create(ctx, depth, B, h, w, o->seed, &a);
  if (st != GEOCL_OK) return st;
  geocl_mem_stats before, after;
  timing t;
  geocl_ctx_mem_stats(ctx, &before);
  geocl_ctx_reset_peak(ctx);
  st = measure(ctx, o, run_resnet, &a, &t);
  geocl_ctx_mem_stats(ctx, &after);
  if (st == GEOCL_OK) {
    double ips = (double)B / t.median;
    char memory[320];
    memory_figures(&before, &after, o->json, memory, sizeof memory);
    if (o->json)
      printf("{\"bench\": \"resnet\", \"depth\": %d, \"batch\": %lld, \"size\": [%lld, %lld], \"images_per_s\": %.4g, "
             "\"step_median_s\": %.6g, \"step_min_s\": %.6g, \"step_max_s\": %.6g, %s, \"device\": \"%s\"}\n",
             depth, (long long)B, (long long)h, (long long)w, ips, t.median, t.min, t.max, memory,
             geocl_ctx_device(ctx)->name);
    else
      printf("resnet%d batch %lld %lldx%lld: %.2f images/s; step median %.1f ms (min %.1f, max %.1f); %s\n", depth,
             (long long)B, (long long)h, (long long)w, ips, t.median * 1e3, t.min * 1e3, t.max * 1e3, memory);
    print_profile(ctx, o, t.median);
  }
  cli_resnet_free(&a);
  return st;
}

/* ---- point clouds ---- */

/* [B, N, 3 + C]: points uniform in SimIPU's range box (KITTI after its range
 * filter), then C features uniform in [0, 1) (reflectance-like). */
static geocl_tensor *random_cloud(geocl_ctx *ctx, int64_t b, int64_t n, int64_t c) {
  int64_t d = 3 + c;
  float *h = malloc(sizeof(float) * (size_t)(b * n * d > 0 ? b * n * d : 1));
  if (!h) return NULL;
  geocl_rng_uniform(geocl_ctx_rng(ctx), h, (size_t)(b * n * d));
  static const float lo[3] = {0, -40, -3}, size[3] = {70.4f, 80, 4};
  for (int64_t i = 0; i < b * n; i++)
    for (int k = 0; k < 3; k++) h[i * d + k] = lo[k] + size[k] * h[i * d + k];
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(b, n, d), h);
  free(h);
  if (t) geocl_tensor_persist(t);
  return t;
}

typedef struct fps_arg {
  geocl_tensor *x;
  int64_t m;
} fps_arg;

static geocl_status run_fps(geocl_ctx *ctx, void *arg) {
  fps_arg *a = arg;
  return geocl_farthest_point_sample(a->x, a->m) ? GEOCL_OK : geocl_last_status();
}

static geocl_status bench_fps(geocl_ctx *ctx, const bench_opts *o) {
  int64_t b = o->batch ? o->batch : 1;
  fps_arg a = {random_cloud(ctx, b, o->points, o->features), o->samples};
  if (!a.x) return geocl_last_status();
  timing t;
  geocl_status st = measure(ctx, o, run_fps, &a, &t);
  if (st != GEOCL_OK) return st;
  if (o->json)
    printf("{\"bench\": \"fps\", \"batch\": %lld, \"points\": %lld, \"samples\": %lld, \"dims\": %lld, "
           "\"median_s\": %.6g, \"min_s\": %.6g, \"max_s\": %.6g, \"device\": \"%s\"}\n",
           (long long)b, (long long)o->points, (long long)o->samples, (long long)(3 + o->features), t.median, t.min,
           t.max, geocl_ctx_device(ctx)->name);
  else
    printf("fps %lld of %lld points (%lld dims) batch %lld: median %.3f ms (min %.3f, max %.3f)\n",
           (long long)o->samples, (long long)o->points, (long long)(3 + o->features), (long long)b, t.median * 1e3,
           t.min * 1e3, t.max * 1e3);
  print_profile(ctx, o, t.median);
  return GEOCL_OK;
}

/* SimIPU's first set abstraction (mmdet3d PointNet2SAMSG, dilated groups) */
static const geocl_ball_ring sa1_rings[3] = {{0, 0.2f, 32}, {0.2f, 0.4f, 32}, {0.4f, 0.8f, 64}};

typedef struct ball_arg {
  geocl_tensor *xyz, *features, *centres;
  bool group;
} ball_arg;

static geocl_status run_ballquery(geocl_ctx *ctx, void *arg) {
  ball_arg *a = arg;
  geocl_tensor *idx = geocl_ball_query(a->xyz, a->centres, 3, sa1_rings);
  for (int r = 0, o = 0; a->group && idx && r < 3; o += sa1_rings[r++].nsample)
    if (!geocl_group_points(a->features, geocl_narrow(idx, 2, o, sa1_rings[r].nsample))) return geocl_last_status();
  return idx ? GEOCL_OK : geocl_last_status();
}

static geocl_status bench_ballquery(geocl_ctx *ctx, const bench_opts *o) {
  int64_t b = o->batch ? o->batch : 1, c = o->features ? o->features : 1;
  geocl_tensor *cloud = random_cloud(ctx, b, o->points, c);
  ball_arg a = {.xyz = geocl_contiguous(geocl_narrow(cloud, 2, 0, 3)),
                .features = geocl_contiguous(geocl_narrow(cloud, 2, 3, c))};
  a.centres = a.xyz ? geocl_group_points(a.xyz, geocl_farthest_point_sample(a.xyz, o->centres)) : NULL;
  geocl_tensor_free(cloud);
  if (!a.centres || !a.features) return geocl_last_status();
  geocl_tensor_persist(a.xyz);
  geocl_tensor_persist(a.features);
  geocl_tensor_persist(a.centres);
  timing query, both;
  geocl_status st = measure(ctx, o, run_ballquery, &a, &query);
  a.group = true;
  if (st == GEOCL_OK) st = measure(ctx, o, run_ballquery, &a, &both);
  if (st != GEOCL_OK) return st;
  if (o->json)
    printf("{\"bench\": \"ballquery\", \"batch\": %lld, \"points\": %lld, \"centres\": %lld, \"features\": %lld, "
           "\"ball_query_s\": %.6g, \"median_s\": %.6g, \"min_s\": %.6g, \"max_s\": %.6g, \"device\": \"%s\"}\n",
           (long long)b, (long long)o->points, (long long)o->centres, (long long)c, query.median, both.median,
           both.min, both.max, geocl_ctx_device(ctx)->name);
  else
    printf("ball query of %lld centres in %lld points (rings 0.2/0.4/0.8 m, 32/32/64 samples) batch %lld: %.3f ms; "
           "with grouping of %lld features: median %.3f ms (min %.3f, max %.3f)\n",
           (long long)o->centres, (long long)o->points, (long long)b, query.median * 1e3, (long long)c,
           both.median * 1e3, both.min * 1e3, both.max * 1e3);
  print_profile(ctx, o, both.median);
  return GEOCL_OK;
}

typedef struct mlp_arg {
  geocl_tensor *x, *W, *bias, *dy;
  bool backward;
  gemm_arg products[3]; /* the layer's GEMMs, bare: y = x·Wᵀ, dx = dy·W, dW = dyᵀ·x */
  int n_products;
} mlp_arg;

static geocl_status run_mlp(geocl_ctx *ctx, void *arg) {
  mlp_arg *a = arg;
  geocl_tensor *y = geocl_linear(a->x, a->W, a->bias);
  if (!y) return geocl_last_status();
  return a->backward ? geocl_backward_from(y, a->dy) : GEOCL_OK;
}

static geocl_status run_products(geocl_ctx *ctx, void *arg) {
  mlp_arg *a = arg;
  geocl_status st = GEOCL_OK;
  for (int i = 0; st == GEOCL_OK && i < a->n_products; i++) st = run_gemm(ctx, &a->products[i]);
  return st;
}

static geocl_status bench_mlp(geocl_ctx *ctx, const bench_opts *o) {
  int64_t r = o->rows, c = o->in, d = o->out;
  mlp_arg a = {.x = random_tensor(ctx, GEOCL_SHAPE(r, c), 1), .W = random_tensor(ctx, GEOCL_SHAPE(d, c), 1),
               .bias = random_tensor(ctx, GEOCL_SHAPE(d), 1), .dy = random_tensor(ctx, GEOCL_SHAPE(r, d), 1)};
  geocl_tensor *y = random_tensor(ctx, GEOCL_SHAPE(r, d), 1), *dx = random_tensor(ctx, GEOCL_SHAPE(r, c), 1);
  geocl_tensor *dW = random_tensor(ctx, GEOCL_SHAPE(d, c), 1);
  if (!a.x || !a.W || !a.bias || !a.dy || !y || !dx || !dW) return geocl_last_status();
  geocl_bref x = geocl_tensor_bref(a.x), W = geocl_tensor_bref(a.W), dy = geocl_tensor_bref(a.dy);
  a.products[0] = (gemm_arg){{.trans_b = 1, .m = r, .n = d, .k = c, .batch = 1, .alpha = 1, .a = x, .lda = c, .b = W,
                              .ldb = c, .c = geocl_tensor_bref(y), .ldc = d}};
  a.products[1] = (gemm_arg){{.m = r, .n = c, .k = d, .batch = 1, .alpha = 1, .a = dy, .lda = d, .b = W, .ldb = c,
                              .c = geocl_tensor_bref(dx), .ldc = c}};
  a.products[2] = (gemm_arg){{.trans_a = 1, .m = d, .n = c, .k = r, .batch = 1, .alpha = 1, .a = dy, .lda = d, .b = x,
                              .ldb = c, .c = geocl_tensor_bref(dW), .ldc = c}};
  timing gf, gb, tf, tb;
  a.n_products = 1;
  geocl_status st = measure(ctx, o, run_products, &a, &gf);
  a.n_products = 3;
  if (st == GEOCL_OK) st = measure(ctx, o, run_products, &a, &gb);
  bool was = geocl_set_grad_enabled(ctx, false);
  if (st == GEOCL_OK) st = measure(ctx, o, run_mlp, &a, &tf);
  geocl_set_grad_enabled(ctx, was);
  geocl_set_requires_grad(a.x, true);
  geocl_set_requires_grad(a.W, true);
  geocl_set_requires_grad(a.bias, true);
  a.backward = true;
  if (st == GEOCL_OK) st = measure(ctx, o, run_mlp, &a, &tb);
  if (st != GEOCL_OK) return st;
  double flop = 2.0 * (double)r * (double)c * (double)d;
  if (o->json)
    printf("{\"bench\": \"mlp\", \"rows\": %lld, \"in\": %lld, \"out\": %lld, \"gemm_s\": %.6g, "
           "\"gemms_s\": %.6g, \"forward_s\": %.6g, \"forward_backward_s\": %.6g, \"forward_gflops\": %.4g, "
           "\"forward_backward_gflops\": %.4g, \"device\": \"%s\"}\n",
           (long long)r, (long long)c, (long long)d, gf.median, gb.median, tf.median, tb.median,
           flop / tf.median * 1e-9, 3 * flop / tb.median * 1e-9, geocl_ctx_device(ctx)->name);
  else
    printf("mlp [%lld, %lld] -> %lld: forward %.3f ms (%.1f GFLOP/s), its GEMM alone %.3f ms: %.0f%%; "
           "forward+backward %.3f ms (%.1f GFLOP/s), its three GEMMs alone %.3f ms: %.0f%%\n",
           (long long)r, (long long)c, (long long)d, tf.median * 1e3, flop / tf.median * 1e-9, gf.median * 1e3,
           100 * gf.median / tf.median, tb.median * 1e3, 3 * flop / tb.median * 1e-9, gb.median * 1e3,
           100 * gb.median / tb.median);
  print_profile(ctx, o, tb.median);
  return GEOCL_OK;
}

typedef struct assign_arg {
  const float *cost;
  int64_t n;
  int32_t *match;
  double total;
} assign_arg;

static geocl_status run_assignment(geocl_ctx *ctx, void *arg) {
  assign_arg *a = arg;
  return geocl_linear_assignment(a->cost, a->n, a->match, &a->total);
}

/* Keypoints [2][n][3] on the host: FPS picks from one cloud of 16n points and
 * from a shuffled copy of it, or (random) independent uniform points. */
static geocl_status keypoints(geocl_ctx *ctx, int64_t n, bool random, float *out) {
  int64_t big = random ? n : 16 * n;
  geocl_tensor *cloud = random_cloud(ctx, 2, big, 0);
  if (!cloud) return geocl_last_status();
  float *h = malloc(sizeof(float) * (size_t)(2 * big * 3));
  int32_t *perm = malloc(sizeof(int32_t) * (size_t)big);
  geocl_status st = h && perm ? geocl_to_host(cloud, h, sizeof(float) * (size_t)(2 * big * 3))
                              : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  if (st == GEOCL_OK && !random) { /* the second sample: the first one's points, shuffled */
    geocl_rng_permutation(geocl_ctx_rng(ctx), perm, (size_t)big);
    for (int64_t i = 0; i < big; i++)
      for (int k = 0; k < 3; k++) h[(big + i) * 3 + k] = h[perm[i] * 3 + k];
    geocl_tensor *both = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(2, big, 3), h);
    geocl_tensor *picks = both ? geocl_group_points(both, geocl_farthest_point_sample(both, n)) : NULL;
    st = picks ? geocl_to_host(picks, out, sizeof(float) * (size_t)(2 * n * 3)) : geocl_last_status();
  } else if (st == GEOCL_OK) {
    memcpy(out, h, sizeof(float) * (size_t)(2 * n * 3));
  }
  free(h);
  free(perm);
  geocl_tensor_free(cloud);
  return st;
}

static geocl_status bench_assignment(geocl_ctx *ctx, const bench_opts *o) {
  int64_t n = o->n;
  float *kp = malloc(sizeof(float) * (size_t)(2 * n * 3)), *cost = malloc(sizeof(float) * (size_t)(n * n));
  assign_arg a = {cost, n, malloc(sizeof(int32_t) * (size_t)n), 0};
  geocl_status st = kp && cost && a.match
                        ? keypoints(ctx, n, o->random, kp)
                        : geocl_set_error(GEOCL_E_NOMEM, "out of memory for %lld keypoints", (long long)n);
  for (int64_t i = 0; st == GEOCL_OK && i < n; i++)
    for (int64_t j = 0; j < n; j++) {
      const float *p = kp + i * 3, *q = kp + (n + j) * 3;
      float dx = p[0] - q[0], dy = p[1] - q[1], dz = p[2] - q[2];
      cost[i * n + j] = sqrtf(dx * dx + dy * dy + dz * dz);
    }
  timing t;
  if (st == GEOCL_OK) st = measure(ctx, o, run_assignment, &a, &t);
  if (st == GEOCL_OK) {
    if (o->json)
      printf("{\"bench\": \"assignment\", \"n\": %lld, \"random\": %d, \"median_s\": %.6g, \"min_s\": %.6g, "
             "\"max_s\": %.6g, \"mean_cost\": %.6g}\n",
             (long long)n, o->random, t.median, t.min, t.max, a.total / (double)n);
    else
      printf("assignment %lldx%lld (%s): median %.3f ms (min %.3f, max %.3f); mean matched distance %.3f m\n",
             (long long)n, (long long)n, o->random ? "independent uniform points" : "FPS picks of one cloud",
             t.median * 1e3, t.min * 1e3, t.max * 1e3, a.total / (double)n);
  }
  free(kp);
  free(cost);
  free(a.match);
  return st;
}

static int run(int argc, char **argv) {
  enum { M = 256, N, K, BATCH, NK, HEADS, HDIM, DIM, TA, TB, KEEP_B, ROPE, UNFUSED, TAU, REPEAT, WARMUP, DEVICE, TASK,
         MODEL, SEED, PROFILE, JSON, DEPTH, SIZE, POINTS, SAMPLES, CENTRES, FEATURES, ROWS, IN, OUT, RANDOM, RECOMPUTE };
  static const struct option opts[] = {
      {"m", required_argument, 0, M},         {"n", required_argument, 0, N},         {"k", required_argument, 0, K},
      {"batch", required_argument, 0, BATCH}, {"nk", required_argument, 0, NK},       {"heads", required_argument, 0, HEADS},
      {"head-dim", required_argument, 0, HDIM}, {"dim", required_argument, 0, DIM},  {"ta", no_argument, 0, TA},
      {"tb", no_argument, 0, TB},             {"keep-b", no_argument, 0, KEEP_B},     {"rope", no_argument, 0, ROPE},
      {"unfused", no_argument, 0, UNFUSED},
      {"tau", required_argument, 0, TAU},     {"repeat", required_argument, 0, REPEAT},
      {"warmup", required_argument, 0, WARMUP}, {"device", required_argument, 0, DEVICE},
      {"task", required_argument, 0, TASK},   {"model", required_argument, 0, MODEL}, {"seed", required_argument, 0, SEED},
      {"profile", no_argument, 0, PROFILE},   {"json", no_argument, 0, JSON},         {"depth", required_argument, 0, DEPTH},
      {"size", required_argument, 0, SIZE},
      {"points", required_argument, 0, POINTS}, {"samples", required_argument, 0, SAMPLES},
      {"centres", required_argument, 0, CENTRES}, {"features", required_argument, 0, FEATURES},
      {"rows", required_argument, 0, ROWS},   {"in", required_argument, 0, IN},       {"out", required_argument, 0, OUT},
      {"random", no_argument, 0, RANDOM},     {"recompute", no_argument, 0, RECOMPUTE},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_USAGE : CLI_OK;
  }
  const char *what = argv[1];
  bool step = !strcmp(what, "step"), resnet = !strcmp(what, "resnet");
  bench_opts o = {.repeat = step || resnet ? 5 : 10, .warmup = 2, .tau = 0.07, .task = "croco"};
  int c;
  int64_t v;
  optind = 2;
  while ((c = cli_getopt("bench", argc, argv, "h", opts, NULL)) != -1) {
    int64_t *target = NULL;
    switch (c) {
    case M: target = &o.m; break;
    case N: target = &o.nq; break;
    case K: target = &o.k; break;
    case BATCH: target = &o.batch; break;
    case NK: target = &o.nk; break;
    case HEADS: target = &o.heads; break;
    case HDIM: target = &o.head_dim; break;
    case DIM: target = &o.dim; break;
    case DEPTH: target = &o.depth; break;
    case SIZE:
      if (cli_parse_size("bench", "--size", optarg, &o.height, &o.width)) return CLI_USAGE;
      break;
    case TA: o.ta = true; break;
    case TB: o.tb = true; break;
    case KEEP_B: o.keep_b = true; break;
    case ROPE: o.rope = true; break;
    case UNFUSED: o.unfused = true; break;
    case TAU:
      if (cli_parse_number("bench", "--tau", optarg, 1e-6, 1e6, &o.tau)) return CLI_USAGE;
      break;
    case REPEAT:
    case WARMUP:
      if (cli_parse_int("bench", c == REPEAT ? "--repeat" : "--warmup", optarg, 0, INT_MAX, &v)) return CLI_USAGE;
      *(c == REPEAT ? &o.repeat : &o.warmup) = (int)v;
      break;
    case DEVICE: o.device = optarg; break;
    case TASK: o.task = optarg; break;
    case MODEL: o.model = optarg; break;
    case SEED:
      if (cli_parse_u64("bench", "--seed", optarg, &o.seed)) return CLI_USAGE;
      break;
    case PROFILE: o.profile = true; break;
    case RECOMPUTE: o.recompute = true; break;
    case JSON: o.json = true; break;
    case POINTS: target = &o.points; break;
    case SAMPLES: target = &o.samples; break;
    case CENTRES: target = &o.centres; break;
    case FEATURES: target = &o.features; break;
    case ROWS: target = &o.rows; break;
    case IN: target = &o.in; break;
    case OUT: target = &o.out; break;
    case RANDOM: o.random = true; break;
    case 'h': help(stdout); return CLI_OK;
    default: return CLI_USAGE;
    }
    char name[32];
    snprintf(name, sizeof name, "--%s", opts[c - M].name);
    if (target && cli_parse_int("bench", name, optarg, 0, INT_MAX, target)) return CLI_USAGE;
  }
  o.n = o.nq;
  if (o.repeat < 1) {
    cli_error("bench", "--repeat must be at least 1");
    return CLI_USAGE;
  }
  bool known = !strcmp(what, "gemm") || !strcmp(what, "attention") || !strcmp(what, "infonce") || step || resnet ||
               !strcmp(what, "fps") || !strcmp(what, "ballquery") || !strcmp(what, "mlp") || !strcmp(what, "assignment");
  if (!known) {
    cli_error("bench", "no benchmark '%s' (gemm, attention, infonce, step, resnet, fps, ballquery, mlp, assignment)", what);
    return CLI_USAGE;
  }
  if (resnet && o.depth && o.depth != 18 && o.depth != 34 && o.depth != 50 && o.depth != 101 && o.depth != 152) {
    cli_error("bench", "--depth %lld: expected 18, 34, 50, 101 or 152", (long long)o.depth);
    return CLI_USAGE;
  }
  if ((!strcmp(what, "gemm") && (!o.m || !o.n || !o.k)) || (!strcmp(what, "attention") && (!o.nq || !o.heads || !o.head_dim)) ||
      (!strcmp(what, "infonce") && (!o.m || !o.dim)) || (!strcmp(what, "fps") && (!o.points || !o.samples)) ||
      (!strcmp(what, "ballquery") && (!o.points || !o.centres)) || (!strcmp(what, "mlp") && (!o.rows || !o.in || !o.out)) ||
      (!strcmp(what, "assignment") && !o.n)) {
    cli_error("bench", "%s needs all its sizes, each at least 1 (see geocl bench --help)", what);
    return CLI_USAGE;
  }
  if (!step && o.recompute) {
    cli_error("bench", "--recompute is for 'bench step' (its transformer blocks), not '%s'", what);
    return CLI_USAGE;
  }
  if (o.keep_b && (strcmp(what, "gemm") || o.batch > 1)) {
    cli_error("bench", "--keep-b is for 'bench gemm' of one product (a weight's panels are kept whole), not '%s'%s",
              what, strcmp(what, "gemm") ? "" : " with --batch above 1");
    return CLI_USAGE;
  }
  if (!step && optind < argc) {
    cli_error("bench", "unexpected argument '%s'", argv[optind]);
    return CLI_USAGE;
  }
  geocl_ctx *ctx;
  geocl_ctx_opts co = {.device = o.device, .seed = o.seed};
  if (geocl_ctx_create(&co, &ctx) != GEOCL_OK) return cli_fail("bench");
  geocl_status st = !strcmp(what, "gemm")         ? bench_gemm(ctx, &o)
                    : !strcmp(what, "attention")  ? bench_attention(ctx, &o)
                    : !strcmp(what, "infonce")    ? bench_infonce(ctx, &o)
                    : resnet                      ? bench_resnet(ctx, &o)
                    : !strcmp(what, "fps")        ? bench_fps(ctx, &o)
                    : !strcmp(what, "ballquery")  ? bench_ballquery(ctx, &o)
                    : !strcmp(what, "mlp")        ? bench_mlp(ctx, &o)
                    : !strcmp(what, "assignment") ? bench_assignment(ctx, &o)
                    : resnet                      ? bench_resnet(ctx, &o)
                                                  : bench_step(ctx, &o, argc - optind, (const char *const *)argv + optind);
  int rc = st == GEOCL_OK ? CLI_OK : cli_fail("bench");
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_bench = {"bench", "time GEMM, attention, InfoNCE, training steps (CroCo, ResNet) or point-cloud ops on a device",
                               run, help};
