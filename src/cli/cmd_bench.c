/* SPDX-License-Identifier: MIT */
/* geocl bench: timings of GEMM, attention, InfoNCE and whole training steps. */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/optim.h>
#include <geocl/train.h>
#include <geocl/timing.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl bench gemm      --m M --n N --k K [--batch B] [--ta] [--tb]\n"
          "       geocl bench attention --batch B --n N [--nk NK] --heads H --head-dim D [--rope] [--unfused]\n"
          "       geocl bench infonce   --m M --dim D [--tau T]\n"
          "       geocl bench step      [--task croco] [--model PRESET] [--batch B] [key=value ...]\n"
          "       geocl bench resnet    [--depth 18|34|50|101|152] [--batch B] [--size HxW]\n"
          "       (all:) [--repeat R] [--warmup W] [--device SPEC] [--seed S] [--profile] [--json]\n"
          "\n"
          "Time an operation on a device: W untimed runs (kernel builds, caches), then R\n"
          "timed ones, each waited for; prints the median and the spread (min, max).\n"
          "  gemm       C = A·B (row-major, A m×k, B k×n, ta/tb transpose), batch products;\n"
          "             GFLOP/s = 2·m·n·k·batch / median time\n"
          "  attention  forward and forward+backward of multi-head attention, q [B,N,C],\n"
          "             k, v [B,NK,C], C = heads·head-dim; fused kernels unless --unfused\n"
          "  infonce    forward+backward of the InfoNCE loss of q, k [M, D]\n"
          "  step       whole training steps: forward, backward, AdamW; images 224x224\n"
          "             unless img_size= says otherwise; pairs/s = batch / median step time;\n"
          "             peak_bytes is the device memory high-water mark of a step;\n"
          "             without --model, the official constructor's defaults (CroCo base)\n"
          "  resnet     whole training steps of torchvision's resnet<depth> (default 50):\n"
          "             forward, mean cross-entropy over 1000 classes of random labels,\n"
          "             backward, SGD with momentum 0.9 and weight decay 1e-4; random\n"
          "             images of --size (default 224x224); images_per_s = batch / median\n"
          "             step time; peak_bytes as for step\n"
          "  --profile  also print the device time per kernel (OpenCL)\n"
          "  --json     print one JSON object\n"
          "Defaults: --repeat 10 --warmup 2 (step, resnet: --repeat 5 --warmup 2 --batch 8).\n");
}

typedef struct bench_opts {
  int64_t m, n, k, batch, nq, nk, heads, head_dim, dim, depth, height, width;
  bool ta, tb, rope, unfused, profile, json;
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

static void print_profile(geocl_ctx *ctx, const bench_opts *o, double total) {
  if (!o->profile) return;
  geocl_kernel_time k[32];
  int n = 0;
  if (geocl_ctx_profile_stop(ctx, k, 32, &n) != GEOCL_OK) {
    fprintf(stderr, "geocl bench: --profile: %s\n", geocl_last_error());
    return;
  }
  FILE *out = o->json ? stderr : stdout;
  double sum = 0;
  for (int i = 0; i < n; i++) sum += k[i].seconds;
  fprintf(out, "device time per run by kernel (of %.2f ms measured per run):\n", total * 1e3);
  for (int i = 0; i < n; i++)
    fprintf(out, "  %-28s %8.2f ms %5.1f%%  %6.1f calls\n", k[i].name, k[i].seconds / o->repeat * 1e3,
            100 * k[i].seconds / (sum > 0 ? sum : 1), (double)k[i].calls / o->repeat);
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
  timing t;
  geocl_status st = measure(ctx, o, run_gemm, &a, &t);
  if (st != GEOCL_OK) return st;
  double gflops = 2.0 * (double)(m * n) * (double)(k * b) / t.median * 1e-9;
  if (o->json)
    printf("{\"bench\": \"gemm\", \"m\": %lld, \"n\": %lld, \"k\": %lld, \"batch\": %lld, \"ta\": %d, \"tb\": %d, "
           "\"median_s\": %.6g, \"min_s\": %.6g, \"max_s\": %.6g, \"gflops\": %.4g, \"device\": \"%s\"}\n",
           (long long)m, (long long)n, (long long)k, (long long)b, o->ta, o->tb, t.median, t.min, t.max, gflops,
           geocl_ctx_device(ctx)->name);
  else
    printf("gemm %lldx%lldx%lld%s%s batch %lld: median %.3f ms (min %.3f, max %.3f): %.1f GFLOP/s\n", (long long)m,
           (long long)n, (long long)k, o->ta ? " Aᵀ" : "", o->tb ? " Bᵀ" : "", (long long)b, t.median * 1e3,
           t.min * 1e3, t.max * 1e3, gflops);
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

static geocl_status run_step(geocl_ctx *ctx, void *arg) { return cli_step_run(ctx, arg); }

static geocl_status bench_step(geocl_ctx *ctx, const bench_opts *o, int n_args, const char *const *args) {
  int64_t B = o->batch ? o->batch : 8;
  cli_step a;
  geocl_status st = cli_step_create(ctx, o->task, o->model, B, o->seed, n_args, args, &a);
  if (st != GEOCL_OK) return st;
  int64_t h = a.shape[2], w = a.shape[3];
  geocl_mem_stats before, after;
  timing t;
  geocl_ctx_mem_stats(ctx, &before);
  geocl_ctx_reset_peak(ctx);
  st = measure(ctx, o, run_step, &a, &t);
  geocl_ctx_mem_stats(ctx, &after);
  if (st == GEOCL_OK) {
    double pps = (double)B / t.median;
    if (o->json)
      printf("{\"bench\": \"step\", \"task\": \"%s\", \"batch\": %lld, \"img_size\": [%lld, %lld], \"pairs_per_s\": %.4g, "
             "\"step_median_s\": %.6g, \"step_min_s\": %.6g, \"step_max_s\": %.6g, \"peak_bytes\": %zu, "
             "\"model_bytes\": %zu, \"activation_bytes\": %zu, \"device\": \"%s\"}\n",
             o->task, (long long)B, (long long)h, (long long)w, pps, t.median, t.min, t.max, after.peak_bytes,
             before.current_bytes, after.peak_bytes - before.current_bytes, geocl_ctx_device(ctx)->name);
    else
      printf("step %s batch %lld %lldx%lld: %.2f pairs/s; step median %.1f ms (min %.1f, max %.1f); peak device memory "
             "%.1f MiB (%.1f MiB parameters, gradients and optimizer state, %.1f MiB activations)\n",
             o->task, (long long)B, (long long)h, (long long)w, pps, t.median * 1e3, t.min * 1e3, t.max * 1e3,
             (double)after.peak_bytes / (1 << 20), (double)before.current_bytes / (1 << 20),
             (double)(after.peak_bytes - before.current_bytes) / (1 << 20));
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
    if (o->json)
      printf("{\"bench\": \"resnet\", \"depth\": %d, \"batch\": %lld, \"size\": [%lld, %lld], \"images_per_s\": %.4g, "
             "\"step_median_s\": %.6g, \"step_min_s\": %.6g, \"step_max_s\": %.6g, \"peak_bytes\": %zu, "
             "\"model_bytes\": %zu, \"activation_bytes\": %zu, \"device\": \"%s\"}\n",
             depth, (long long)B, (long long)h, (long long)w, ips, t.median, t.min, t.max, after.peak_bytes,
             before.current_bytes, after.peak_bytes - before.current_bytes, geocl_ctx_device(ctx)->name);
    else
      printf("resnet%d batch %lld %lldx%lld: %.2f images/s; step median %.1f ms (min %.1f, max %.1f); peak device "
             "memory %.1f MiB (%.1f MiB parameters, gradients and optimizer state, %.1f MiB activations)\n",
             depth, (long long)B, (long long)h, (long long)w, ips, t.median * 1e3, t.min * 1e3, t.max * 1e3,
             (double)after.peak_bytes / (1 << 20), (double)before.current_bytes / (1 << 20),
             (double)(after.peak_bytes - before.current_bytes) / (1 << 20));
    print_profile(ctx, o, t.median);
  }
  cli_resnet_free(&a);
  return st;
}

static int run(int argc, char **argv) {
  enum { M = 256, N, K, BATCH, NK, HEADS, HDIM, DIM, TA, TB, ROPE, UNFUSED, TAU, REPEAT, WARMUP, DEVICE, TASK, MODEL,
         SEED, PROFILE, JSON, DEPTH, SIZE };
  static const struct option opts[] = {
      {"m", required_argument, 0, M},         {"n", required_argument, 0, N},         {"k", required_argument, 0, K},
      {"batch", required_argument, 0, BATCH}, {"nk", required_argument, 0, NK},       {"heads", required_argument, 0, HEADS},
      {"head-dim", required_argument, 0, HDIM}, {"dim", required_argument, 0, DIM},  {"ta", no_argument, 0, TA},
      {"tb", no_argument, 0, TB},             {"rope", no_argument, 0, ROPE},         {"unfused", no_argument, 0, UNFUSED},
      {"tau", required_argument, 0, TAU},     {"repeat", required_argument, 0, REPEAT},
      {"warmup", required_argument, 0, WARMUP}, {"device", required_argument, 0, DEVICE},
      {"task", required_argument, 0, TASK},   {"model", required_argument, 0, MODEL}, {"seed", required_argument, 0, SEED},
      {"profile", no_argument, 0, PROFILE},   {"json", no_argument, 0, JSON},         {"depth", required_argument, 0, DEPTH},
      {"size", required_argument, 0, SIZE},   {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    help(argc < 2 ? stderr : stdout);
    return argc < 2 ? CLI_USAGE : CLI_OK;
  }
  const char *what = argv[1];
  bool step = !strcmp(what, "step"), resnet = !strcmp(what, "resnet");
  bench_opts o = {.repeat = step || resnet ? 5 : 10, .warmup = 2, .tau = 0.07, .task = "croco"};
  int c;
  uint64_t u;
  optind = 2;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
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
    case ROPE: o.rope = true; break;
    case UNFUSED: o.unfused = true; break;
    case TAU: o.tau = atof(optarg); break;
    case REPEAT:
    case WARMUP:
      if (cli_parse_u64("bench", c == REPEAT ? "--repeat" : "--warmup", optarg, &u)) return CLI_USAGE;
      *(c == REPEAT ? &o.repeat : &o.warmup) = (int)u;
      break;
    case DEVICE: o.device = optarg; break;
    case TASK: o.task = optarg; break;
    case MODEL: o.model = optarg; break;
    case SEED:
      if (cli_parse_u64("bench", "--seed", optarg, &o.seed)) return CLI_USAGE;
      break;
    case PROFILE: o.profile = true; break;
    case JSON: o.json = true; break;
    case 'h': help(stdout); return CLI_OK;
    default: return CLI_USAGE;
    }
    if (target && cli_parse_u64("bench", opts[c - M].name, optarg, &u)) return CLI_USAGE;
    if (target) *target = (int64_t)u;
  }
  o.n = o.nq;
  if (o.repeat < 1) {
    cli_error("bench", "--repeat must be at least 1");
    return CLI_USAGE;
  }
  bool known = !strcmp(what, "gemm") || !strcmp(what, "attention") || !strcmp(what, "infonce") || step || resnet;
  if (!known) {
    cli_error("bench", "no benchmark '%s' (gemm, attention, infonce, step, resnet)", what);
    return CLI_USAGE;
  }
  if (resnet && o.depth && o.depth != 18 && o.depth != 34 && o.depth != 50 && o.depth != 101 && o.depth != 152) {
    cli_error("bench", "--depth %lld: expected 18, 34, 50, 101 or 152", (long long)o.depth);
    return CLI_USAGE;
  }
  if ((!strcmp(what, "gemm") && (!o.m || !o.n || !o.k)) || (!strcmp(what, "attention") && (!o.nq || !o.heads || !o.head_dim)) ||
      (!strcmp(what, "infonce") && (!o.m || !o.dim))) {
    cli_error("bench", "%s needs all its sizes, each at least 1 (see geocl bench --help)", what);
    return CLI_USAGE;
  }
  if (!step && optind < argc) {
    cli_error("bench", "unexpected argument '%s'", argv[optind]);
    return CLI_USAGE;
  }
  geocl_ctx *ctx;
  geocl_ctx_opts co = {.device = o.device, .seed = o.seed};
  if (geocl_ctx_create(&co, &ctx) != GEOCL_OK) return cli_fail("bench");
  geocl_status st = !strcmp(what, "gemm")        ? bench_gemm(ctx, &o)
                    : !strcmp(what, "attention") ? bench_attention(ctx, &o)
                    : !strcmp(what, "infonce")   ? bench_infonce(ctx, &o)
                    : resnet                     ? bench_resnet(ctx, &o)
                                                 : bench_step(ctx, &o, argc - optind, (const char *const *)argv + optind);
  int rc = st == GEOCL_OK ? CLI_OK : cli_fail("bench");
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_bench = {"bench", "time GEMM, attention, InfoNCE or training steps (CroCo, ResNet) on a device", run,
                               help};
