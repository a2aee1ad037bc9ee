/* SPDX-License-Identifier: MIT */
/* geocl tune: autotuning of a device's GEMM for the shapes a model trains
 * with (recorded from one training step), or for one given shape. */
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/timing.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out, "Usage: geocl tune [--task croco] [--model PRESET] [--batch B] [key=value ...]\n"
               "       geocl tune --resnet 18|34|50|101|152 [--batch B] [--size HxW]\n"
               "       geocl tune --m M --n N --k K [--batch B] [--ta] [--tb]\n"
               "       (both:) [--repeat R] [--quick] [--device SPEC] [--seed S]\n"
               "       geocl tune --list [--json] [step options as above]\n"
               "\n"
               "Autotune the device's GEMM (matrix products: linear layers, their gradients, batched\n"
               "matmuls) for the shapes a model trains with, and keep the result for every later run.\n"
               "\n"
               "Without --m/--n/--k, runs one training step of the task (as 'geocl bench step' does:\n"
               "random images of the size the model trains at, default batch 8, options as\n"
               "key=value with the official constructor names) and records the shapes of its GEMM\n"
               "calls.  With --resnet, the step is that of 'geocl bench resnet' (torchvision's resnet\n"
               "of that depth, SGD; default batch 8, --size 224x224): the GEMMs of its convolutions.\n"
               "\n"
               "On OpenCL, CLBlast's own GEMM kernel (Xgemm) is tuned first, once for the device: what\n"
               "it runs now (its database values, or those an earlier run kept) and up to 16 other\n"
               "parameter sets (3 with --quick) are timed on the up to 3 largest shapes (1 with\n"
               "--quick) of at least 64x64x64 (smaller ones run CLBlast's direct kernel, not tuned).\n"
               "Then each shape is timed with every GEMM the device's backend has: CLBlast (so tuned)\n"
               "and geocl's own kernel with a range of micro-tile, vector, unroll, work-group and\n"
               "packing parameters (one untimed run, then R timed ones each; the median counts).\n"
               "In both stages the fastest is kept only if it beats the untuned choice by at least\n"
               "10%%, in the same rounds and again in a confirming run, so that a tuned run does not\n"
               "lose to an untuned one when the load on the machine changes.  (CLBlast cannot return\n"
               "to its database values within a process: if no parameter set is kept, the rest of\n"
               "this run times CLBlast with the fastest one; later runs use the database again.)\n"
               "\n"
               "Then each attention shape of the step (batch, tokens, heads, head size, RoPE) is\n"
               "timed with the fused attention kernels' launch limits, kernel by kernel (forward, dq,\n"
               "dk-dv): most rows per local tile 16, 32, 48 or the default 64 (32 with --quick), then\n"
               "most work-items per work-group, multiples of the kernel's preferred size up to the\n"
               "default 256 (two with --quick); at most 3 rounds each, kept by the same 10%% rule, as\n"
               "lines 'attention fwd|dq|dkv B NQ NK H D ROPE tile=T block=W' (a bad one is ignored\n"
               "with a warning).  An untuned shape uses the nearest tuned one with the same head size\n"
               "and RoPE and token counts within the same power of two, else the defaults.\n"
               "\n"
               "Results are kept per device, driver and geocl version in $GEOCL_TUNE_CACHE (a\n"
               "directory, or 'off' to keep them for this run only), else $XDG_CACHE_HOME/geocl/tune,\n"
               "else ~/.cache/geocl/tune; the backend reads them when it first multiplies on the\n"
               "device.  A shape that was not tuned uses the nearest tuned shape of its class (same\n"
               "transposes, sizes within the same power of two), else the untuned choice.  CLBlast's\n"
               "parameters are one line 'clblast-xgemm GEMMK=0 KREG=1 KWG=32 ...' (all 16), set before\n"
               "its first GEMM; a line with a missing, unknown or invalid one is ignored with a\n"
               "warning.  Tuning a shape again replaces its entry; delete the file to forget them all.\n"
               "\n"
               "  --m/--n/--k  tune C[m,n] = op(A)[m,k]·op(B)[k,n] only (--ta, --tb: transposed)\n"
               "  --repeat R   timed runs per variant (default 5)\n"
               "  --quick      time a few variants only (seconds instead of a minute or two)\n"
               "  --list       tune nothing: print the step's GEMM shapes (most work first) and\n"
               "               attention shapes with their calls per step, and of each GEMM shape the\n"
               "               calls whose B (a weight) an earlier call of the step had packed, which\n"
               "               geocl's kernel does not pack again (GEOCL_PACK_CACHE); --json: one\n"
               "               JSON object per line (tools/bench/compare-pytorch --gemm-shapes reads them)\n"
               "\n"
               "Timings are wall-clock and share the machine with whatever else runs: tune on a quiet\n"
               "machine.  A CroCo step (enc 192/12/3, dec 192/4/3, batch 8) has 24 GEMM shapes, 2 attention\n"
               "shapes and takes one to two minutes on a 2-core CPU through PoCL.\n");
}

typedef struct tune_shape {
  geocl_gemm_shape s;
  uint64_t calls;
  uint64_t kept; /* calls whose B an earlier call had already packed (kept_b) */
} tune_shape;

/* A tagged B (geocl_gemm_args.b_tag) as geocl's GEMM kernel keys its kept
 * packed panels: a later call with the same key packs nothing. */
typedef struct kept_b {
  uint64_t tag;
  void *mem;
  size_t off;
  int trans;
  int64_t n, k, ld;
} kept_b;

typedef struct attn_shape {
  geocl_attn_shape s;
  uint64_t calls, backward_calls;
} attn_shape;

/* Shapes of the GEMM and attention calls made while recording: the context's ops table is
 * replaced by a copy whose gemm and attention entries note the shape, then
 * run it. */
static struct {
  const geocl_backend_ops *real;
  geocl_backend_ops recording;
  tune_shape *shapes;
  int n, cap;
  attn_shape *attn;
  int n_attn, cap_attn;
  kept_b *kept;
  int n_kept, cap_kept;
  bool out_of_memory;
} rec;

/* Room for one more of *n items of `size` bytes in *items (capacity *cap,
 * doubled from `first`); false, with rec.out_of_memory set, when there is none. */
static bool room_for_one(void **items, int n, int *cap, size_t size, int first) {
  if (n < *cap) return true;
  int grown_cap = *cap ? 2 * *cap : first;
  void *grown = realloc(*items, size * (size_t)grown_cap);
  if (!grown) {
    rec.out_of_memory = true;
    return false;
  }
  *items = grown;
  *cap = grown_cap;
  return true;
}

/* Whether an earlier call of the step packed this call's B (a weight used
 * again before the next optimizer step); notes it otherwise.  Only whole,
 * unbatched B are kept (backends/opencl/gemm_kernel.c). */
static bool b_packed_before(const geocl_gemm_args *g) {
  if (!g->b_tag || (g->batch > 1 && g->stride_b != 0)) return false;
  kept_b key = {g->b_tag, g->b.mem, g->b.off, g->trans_b, g->n, g->k, g->ldb};
  for (int i = 0; i < rec.n_kept; i++) {
    const kept_b *e = &rec.kept[i];
    if (e->tag == key.tag && e->mem == key.mem && e->off == key.off && e->trans == key.trans && e->n == key.n &&
        e->k == key.k && e->ld == key.ld)
      return true;
  }
  if (room_for_one((void **)&rec.kept, rec.n_kept, &rec.cap_kept, sizeof key, 64)) rec.kept[rec.n_kept++] = key;
  return false;
}

static geocl_status record_gemm(geocl_backend *be, const geocl_gemm_args *g) {
  geocl_gemm_shape s = {g->trans_a != 0, g->trans_b != 0, g->m, g->n, g->k, g->batch};
  int i = 0;
  while (i < rec.n && memcmp(&rec.shapes[i].s, &s, sizeof s)) i++;
  if (i < rec.n || room_for_one((void **)&rec.shapes, rec.n, &rec.cap, sizeof *rec.shapes, 32)) {
    if (i == rec.n) rec.shapes[rec.n++] = (tune_shape){s, 0, 0};
    rec.shapes[i].calls++;
    if (b_packed_before(g)) rec.shapes[i].kept++;
  }
  return rec.real->gemm(be, g);
}

static attn_shape *attn_entry(const geocl_attn_args *a) {
  geocl_attn_shape s = {a->batch, a->nq, a->nk, a->heads, a->head_dim, a->rope_base > 0};
  int i = 0;
  while (i < rec.n_attn && memcmp(&rec.attn[i].s, &s, sizeof s)) i++;
  if (i == rec.n_attn && !room_for_one((void **)&rec.attn, rec.n_attn, &rec.cap_attn, sizeof *rec.attn, 8))
    return NULL;
  if (i == rec.n_attn) rec.attn[rec.n_attn++] = (attn_shape){s, 0, 0};
  return &rec.attn[i];
}

static geocl_status record_attention(geocl_backend *be, const geocl_attn_args *a) {
  attn_shape *e = attn_entry(a);
  if (e) e->calls++;
  return rec.real->attention(be, a);
}

static geocl_status record_attention_backward(geocl_backend *be, const geocl_attn_args *a) {
  attn_shape *e = attn_entry(a);
  if (e) e->backward_calls++;
  return rec.real->attention_backward(be, a);
}

/* Run one step with the context's GEMM and attention calls noted. */
typedef geocl_status (*step_fn)(geocl_ctx *ctx, void *step);

static geocl_status record(geocl_ctx *ctx, step_fn fn, void *step) {
  geocl_backend *be = geocl_ctx_backend(ctx);
  rec.real = be->ops;
  rec.recording = *be->ops;
  rec.recording.gemm = record_gemm;
  if (rec.real->attention) rec.recording.attention = record_attention;
  if (rec.real->attention_backward) rec.recording.attention_backward = record_attention_backward;
  be->ops = &rec.recording;
  geocl_scope scope = geocl_scope_begin(ctx);
  geocl_status st = fn(ctx, step);
  geocl_scope_end(ctx, scope);
  be->ops = rec.real;
  if (st == GEOCL_OK && rec.out_of_memory) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory recording shapes");
  return st;
}

static geocl_status run_task_step(geocl_ctx *ctx, void *step) { return cli_step_run(ctx, step); }
static geocl_status run_resnet_step(geocl_ctx *ctx, void *step) { return cli_resnet_run(ctx, step); }

static geocl_status record_step(geocl_ctx *ctx, const char *task, const char *model, int64_t batch, uint64_t seed,
                                int n_args, const char *const *args) {
  cli_step step;
  geocl_status st = cli_step_create(ctx, task, model, batch, seed, n_args, args, &step);
  if (st != GEOCL_OK) return st;
  st = record(ctx, run_task_step, &step);
  cli_step_free(&step);
  return st;
}

static geocl_status record_resnet(geocl_ctx *ctx, int depth, int64_t batch, int64_t h, int64_t w, uint64_t seed) {
  cli_resnet step;
  geocl_status st = cli_resnet_create(ctx, depth, batch, h, w, seed, &step);
  if (st != GEOCL_OK) return st;
  st = record(ctx, run_resnet_step, &step);
  cli_resnet_free(&step);
  return st;
}

static double flops(const tune_shape *t) {
  return 2.0 * (double)t->s.m * (double)t->s.n * (double)t->s.k * (double)t->s.batch * (double)t->calls;
}

/* most work first, so an interrupted run has tuned what matters most */
static int by_work(const void *a, const void *b) {
  double x = flops(a), y = flops(b);
  return (x < y) - (x > y);
}

/* printf's %-*s counts bytes: pad text to `width` display columns (UTF-8
 * continuation bytes take none, as in "Aᵀ") */
static void print_padded(const char *text, int width) {
  int cols = 0;
  for (const char *c = text; *c; c++) cols += ((unsigned char)*c & 0xc0) != 0x80;
  printf("%s%*s", text, width > cols ? width - cols : 0, "");
}

/* "392x768x3072 Bᵀ (1)": m x n x k, transposes, batch */
static void gemm_shape_name(const geocl_gemm_shape *s, char *name, size_t size) {
  snprintf(name, size, "%lldx%lldx%lld%s%s (%lld)", (long long)s->m, (long long)s->n, (long long)s->k,
           s->trans_a ? " Aᵀ" : "", s->trans_b ? " Bᵀ" : "", (long long)s->batch);
}

/* "2 196x196 h12 d64 rope": batch, query x key tokens, heads, head size */
static void attn_shape_name(const geocl_attn_shape *s, char *name, size_t size) {
  snprintf(name, size, "%lld %lldx%lld h%lld d%lld%s", (long long)s->batch, (long long)s->nq, (long long)s->nk,
           (long long)s->heads, (long long)s->head_dim, s->rope ? " rope" : "");
}

/* The backend's device-wide stage (on OpenCL: CLBlast's parameters). */
static geocl_status tune_device(geocl_backend *be, int repeat, bool quick) {
  uint64_t *calls = malloc(sizeof *calls * (size_t)rec.n);
  geocl_gemm_shape *shapes = malloc(sizeof *shapes * (size_t)rec.n);
  geocl_status st = calls && shapes ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = 0; st == GEOCL_OK && i < rec.n; i++) {
    shapes[i] = rec.shapes[i].s;
    calls[i] = rec.shapes[i].calls;
  }
  geocl_gemm_device_tuned r;
  if (st == GEOCL_OK) st = be->ops->tune_gemm_device(be, shapes, calls, rec.n, repeat, quick, &r);
  free(calls);
  free(shapes);
  if (st != GEOCL_OK) return st;
  if (r.shapes == 0) {
    printf("CLBlast parameters: not tuned (every shape is below 64x64x64, where CLBlast never runs Xgemm)\n");
    return GEOCL_OK;
  }
  printf("CLBlast parameters (the %d largest shape%s, %d candidates):\n", r.shapes, r.shapes == 1 ? "" : "s",
         r.candidates);
  printf("  before %9.3f ms  %s\n", r.before_s * 1e3, r.before);
  if (r.best_s >= 0)
    printf("  best   %9.3f ms  %s: %s\n", r.best_s * 1e3, r.best,
           r.kept ? "kept" : "not kept (not 10% faster, or not again in the confirming run)");
  else
    printf("  no candidate ran on this device\n");
  fflush(stdout);
  return GEOCL_OK;
}

/* Attention rounds: fewer than the GEMM's, as a call takes longer. */
#define ATTN_MAX_REPEAT 3

/* The attention stage: each recorded shape's kernels; *untuned and *tuned
 * get the step's attention time. */
static geocl_status tune_attention(geocl_backend *be, int repeat, bool quick, double *untuned, double *tuned,
                                   geocl_attn_tuned *r) {
  printf("tuning %d attention shape%s\n", rec.n_attn, rec.n_attn == 1 ? "" : "s");
  printf("  %-28s %6s %6s %12s %12s  %s\n", "batch nq x nk heads dim", "kernel", "calls", "untuned", "tuned", "choice");
  for (int i = 0; i < rec.n_attn; i++) {
    const attn_shape *e = &rec.attn[i];
    geocl_status st = be->ops->tune_attention(be, &e->s, repeat < ATTN_MAX_REPEAT ? repeat : ATTN_MAX_REPEAT, quick, r);
    if (st != GEOCL_OK) return st;
    char name[64];
    attn_shape_name(&e->s, name, sizeof name);
    for (int k = 0; k < r->kernels; k++) {
      uint64_t calls = k == 0 ? e->calls : e->backward_calls;
      printf("  %-28s %6s %6llu %9.3f ms %9.3f ms  %s\n", k == 0 ? name : "", r->kernel[k], (unsigned long long)calls,
             r->untuned_s[k] * 1e3, r->tuned_s[k] * 1e3, r->choice[k]);
      *untuned += r->untuned_s[k] * (double)calls;
      *tuned += r->tuned_s[k] * (double)calls;
    }
    fflush(stdout);
  }
  return GEOCL_OK;
}

/* --list: the recorded shapes, tuning nothing. */
static void list_shapes(const char *what, bool json) {
  qsort(rec.shapes, (size_t)rec.n, sizeof *rec.shapes, by_work);
  if (!json) printf("%d GEMM shape%s of %s (B kept: calls whose B, a weight, an earlier call packed):\n"
                    "  %-24s %6s %6s %10s\n", rec.n, rec.n == 1 ? "" : "s", what, "m x n x k (batch)", "calls",
                    "B kept", "GFLOP");
  for (int i = 0; i < rec.n; i++) {
    const geocl_gemm_shape *s = &rec.shapes[i].s;
    unsigned long long calls = (unsigned long long)rec.shapes[i].calls, kept = (unsigned long long)rec.shapes[i].kept;
    if (json) {
      printf("{\"gemm\": {\"m\": %lld, \"n\": %lld, \"k\": %lld, \"batch\": %lld, \"ta\": %d, \"tb\": %d}, "
             "\"calls\": %llu, \"b_kept\": %llu}\n",
             (long long)s->m, (long long)s->n, (long long)s->k, (long long)s->batch, s->trans_a, s->trans_b, calls,
             kept);
      continue;
    }
    char name[64];
    gemm_shape_name(s, name, sizeof name);
    printf("  ");
    print_padded(name, 24);
    printf(" %6llu %6llu %10.3f\n", calls, kept, flops(&rec.shapes[i]) * 1e-9);
  }
  if (!json) printf("%d attention shape%s:\n  %-28s %6s %9s\n", rec.n_attn, rec.n_attn == 1 ? "" : "s",
                    "batch nq x nk heads dim", "calls", "backward");
  for (int i = 0; i < rec.n_attn; i++) {
    const attn_shape *e = &rec.attn[i];
    if (json)
      printf("{\"attention\": {\"batch\": %lld, \"nq\": %lld, \"nk\": %lld, \"heads\": %lld, \"head_dim\": %lld, "
             "\"rope\": %d}, \"calls\": %llu, \"backward_calls\": %llu}\n",
             (long long)e->s.batch, (long long)e->s.nq, (long long)e->s.nk, (long long)e->s.heads,
             (long long)e->s.head_dim, e->s.rope, (unsigned long long)e->calls, (unsigned long long)e->backward_calls);
    else {
      char name[64];
      attn_shape_name(&e->s, name, sizeof name);
      printf("  %-28s %6llu %9llu\n", name, (unsigned long long)e->calls, (unsigned long long)e->backward_calls);
    }
  }
}

static geocl_status tune_all(geocl_ctx *ctx, const char *what, int repeat, bool quick) {
  geocl_backend *be = geocl_ctx_backend(ctx);
  if (!be->ops->tune_gemm)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "the %s backend has no GEMM tuning", geocl_ctx_backend_name(ctx));
  qsort(rec.shapes, (size_t)rec.n, sizeof *rec.shapes, by_work);
  printf("tuning %d GEMM shape%s of %s on %s\n", rec.n, rec.n == 1 ? "" : "s", what, geocl_ctx_device(ctx)->name);
  double t0 = geocl_clock_s(), untuned = 0, tuned = 0;
  geocl_status st = be->ops->tune_gemm_device && rec.n > 0 ? tune_device(be, repeat, quick) : GEOCL_OK;
  printf("  %-24s %6s %12s %12s  %s\n", "m x n x k (batch)", "calls", "untuned", "tuned", "variant");
  geocl_gemm_tuned r = {0};
  for (int i = 0; st == GEOCL_OK && i < rec.n; i++) {
    const geocl_gemm_shape *s = &rec.shapes[i].s;
    st = be->ops->tune_gemm(be, s, repeat, quick, &r);
    if (st != GEOCL_OK) break;
    char name[64];
    gemm_shape_name(s, name, sizeof name);
    printf("  ");
    print_padded(name, 24);
    printf(" %6llu %9.3f ms %9.3f ms  %s\n", (unsigned long long)rec.shapes[i].calls, r.untuned_s * 1e3,
           r.tuned_s * 1e3, r.variant);
    fflush(stdout);
    untuned += r.untuned_s * (double)rec.shapes[i].calls;
    tuned += r.tuned_s * (double)rec.shapes[i].calls;
  }
  double attn_untuned = 0, attn_tuned = 0;
  geocl_attn_tuned ra = {0};
  bool attention = be->ops->tune_attention && rec.n_attn > 0;
  if (st == GEOCL_OK && attention) st = tune_attention(be, repeat, quick, &attn_untuned, &attn_tuned, &ra);
  if (st != GEOCL_OK) return st;
  printf("GEMM time of %s: %.1f ms untuned, %.1f ms tuned (%d variants per shape)\n", what, untuned * 1e3,
         tuned * 1e3, r.candidates);
  if (attention)
    printf("attention time of %s: %.1f ms untuned, %.1f ms tuned (%d candidates per shape)\n", what,
           attn_untuned * 1e3, attn_tuned * 1e3, ra.candidates);
  printf("tuning took %.0f s\n", geocl_clock_s() - t0);
  const char *file = ra.cache_file[0] ? ra.cache_file : r.cache_file;
  printf("kept in %s\n", file[0] ? file : "memory only (GEOCL_TUNE_CACHE=off)");
  return GEOCL_OK;
}

static int run(int argc, char **argv) {
  enum { M = 256, N, K, BATCH, TA, TB, REPEAT, QUICK, DEVICE, TASK, MODEL, SEED, RESNET, SIZE, LIST, JSON };
  static const struct option opts[] = {{"m", required_argument, 0, M},
                                       {"n", required_argument, 0, N},
                                       {"k", required_argument, 0, K},
                                       {"batch", required_argument, 0, BATCH},
                                       {"ta", no_argument, 0, TA},
                                       {"tb", no_argument, 0, TB},
                                       {"repeat", required_argument, 0, REPEAT},
                                       {"quick", no_argument, 0, QUICK},
                                       {"device", required_argument, 0, DEVICE},
                                       {"task", required_argument, 0, TASK},
                                       {"model", required_argument, 0, MODEL},
                                       {"seed", required_argument, 0, SEED},
                                       {"resnet", required_argument, 0, RESNET},
                                       {"size", required_argument, 0, SIZE},
                                       {"list", no_argument, 0, LIST},
                                       {"json", no_argument, 0, JSON},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  int64_t m = 0, n = 0, k = 0, batch = 0, repeat = 5, resnet = 0;
  uint64_t seed = 0;
  int64_t height = 224, width = 224;
  bool ta = false, tb = false, quick = false, list = false, json = false;
  const char *device = NULL, *task = "croco", *model = NULL;
  int c;
  optind = 1;
  while ((c = cli_getopt("tune", argc, argv, "h", opts, NULL)) != -1) {
    int64_t *target = NULL;
    switch (c) {
    case M: target = &m; break;
    case N: target = &n; break;
    case K: target = &k; break;
    case BATCH: target = &batch; break;
    case REPEAT: target = &repeat; break;
    case SEED:
      if (cli_parse_u64("tune", "--seed", optarg, &seed)) return CLI_USAGE;
      break;
    case RESNET: target = &resnet; break;
    case SIZE:
      if (cli_parse_size("tune", "--size", optarg, &height, &width)) return CLI_USAGE;
      break;
    case TA: ta = true; break;
    case TB: tb = true; break;
    case QUICK: quick = true; break;
    case LIST: list = true; break;
    case JSON: json = true; break;
    case DEVICE: device = optarg; break;
    case TASK: task = optarg; break;
    case MODEL: model = optarg; break;
    case 'h': help(stdout); return CLI_OK;
    default: return CLI_USAGE;
    }
    char name[32];
    snprintf(name, sizeof name, "--%s", opts[c - M].name);
    if (target && cli_parse_int("tune", name, optarg, 0, INT_MAX, target)) return CLI_USAGE;
  }
  bool sized = m || n || k;
  if (sized && (!m || !n || !k)) {
    cli_error("tune", "--m, --n and --k go together, each at least 1");
    return CLI_USAGE;
  }
  if (sized && optind < argc) {
    cli_error("tune", "unexpected argument '%s' (model options need no --m/--n/--k)", argv[optind]);
    return CLI_USAGE;
  }
  bool known_depth = resnet == 18 || resnet == 34 || resnet == 50 || resnet == 101 || resnet == 152;
  if (resnet && (sized || optind < argc || !known_depth)) {
    cli_error("tune", "--resnet takes 18, 34, 50, 101 or 152, and neither --m/--n/--k nor model options");
    return CLI_USAGE;
  }
  if (list && sized) {
    cli_error("tune", "--list records a step's shapes: it takes no --m/--n/--k");
    return CLI_USAGE;
  }
  if (json && !list) {
    cli_error("tune", "--json goes with --list");
    return CLI_USAGE;
  }
  if (repeat < 1 || repeat > 1000) {
    cli_error("tune", "--repeat must be between 1 and 1000");
    return CLI_USAGE;
  }
  geocl_ctx *ctx;
  geocl_ctx_opts co = {.device = device, .seed = seed};
  if (geocl_ctx_create(&co, &ctx) != GEOCL_OK) return cli_fail("tune");
  char what[128];
  geocl_status st = GEOCL_OK;
  if (sized) {
    rec.shapes = malloc(sizeof *rec.shapes);
    if (!rec.shapes)
      st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    else
      rec.shapes[rec.n++] = (tune_shape){{ta, tb, m, n, k, batch ? batch : 1}, 1, 0};
    snprintf(what, sizeof what, "the given shape");
  } else if (resnet) {
    st = record_resnet(ctx, (int)resnet, batch ? (int64_t)batch : 8, height, width, seed);
    snprintf(what, sizeof what, "one resnet%llu step (batch %llu, %lldx%lld)", (unsigned long long)resnet,
             (unsigned long long)(batch ? batch : 8), (long long)height, (long long)width);
  } else {
    st = record_step(ctx, task, model, batch ? batch : 8, seed, argc - optind, (const char *const *)argv + optind);
    snprintf(what, sizeof what, "one %s step (batch %lld)", task, (long long)(batch ? batch : 8));
  }
  if (st == GEOCL_OK && list) list_shapes(what, json);
  else if (st == GEOCL_OK) st = tune_all(ctx, what, (int)repeat, quick);
  int rc = st == GEOCL_OK ? CLI_OK : cli_fail("tune");
  free(rec.shapes);
  free(rec.attn);
  free(rec.kept);
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_tune = {"tune", "autotune the device's GEMM and attention for a model's shapes (kept per device)",
                              run, help};
