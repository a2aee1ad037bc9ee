/* SPDX-License-Identifier: MIT */
/* geocl pretrain and geocl finetune: the training driver's command line.
 * Both run the same loop with the same options; finetune trains a head on a
 * (pre-trained) backbone and says so in its defaults and help. */
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <geocl/train.h>

#include "cli.h"

static void help_common(FILE *out) {
  fprintf(out,
          "Data:\n"
          "  --data SRC          'synthetic' (rendered on the fly), a directory (its layout is\n"
          "                      detected: kitti-odometry as geocl synth writes it, or pairs.txt /\n"
          "                      listing.txt), or FORMAT:DIR to name the layout\n"
          "  --synthetic-pairs N pairs in an epoch of the synthetic source (default 10000)\n"
          "  --val-data SRC      held-out data evaluated during training (metrics.jsonl 'val');\n"
          "                      the run's last picture is of its first sample (recon-N-val.png)\n"
          "  --val-fraction F    or hold out the last share F of --data (0 < F < 1) instead\n"
          "  --val-every N       validate every N steps (default: with each checkpoint)\n"
          "  --val-batches N     batches per validation (default: all of it)\n"
          "  --workers N         loader threads (default 1)\n"
          "Length and recipe (defaults: the task's recipe; CroCo's is AdamW betas 0.9/0.95,\n"
          "weight decay 0.05 except on biases and norms, 5%% warm-up then half-cosine,\n"
          "lr = blr * batch * accum-iter / 256 with blr 1.5e-4):\n"
          "  --steps N           optimizer steps (default 200)\n"
          "  --epochs E          or epochs of the data (fractions allowed)\n"
          "  --batch B           samples per batch (default 8)\n"
          "  --accum-iter K      batches whose gradients make one step (default 1), as the\n"
          "                      official pretrain.py: each batch's loss / K back-propagated,\n"
          "                      the sum stepped; the effective batch B*K sets the lr\n"
          "  --lr LR             peak learning rate (default blr * batch * accum-iter / 256, or the recipe's)\n"
          "  --blr BLR           base learning rate (default: the preset's, e.g. 1e-2 for the\n"
          "                      short CPU runs of 'tiny'; else the recipe's)\n"
          "  --min-lr LR         final learning rate (default 0)\n"
          "  --warmup N          warm-up steps (default: the recipe's share of the run)\n"
          "  --weight-decay WD   (default: the recipe's)\n"
          "  --clip-grad NORM    clip the global gradient norm (default: no clipping, as CroCo)\n"
          "  --freeze PREFIX     do not train parameters whose names start with PREFIX\n"
          "                      (repeatable; e.g. --freeze enc_ freezes CroCo's encoder)\n"
          "  --lr-mult PREFIX=M  learning rate times M for those parameters (repeatable)\n"
          "  --seed S            weights, data order, augmentation and masks (default 0)\n"
          "Where:\n"
          "  --device SPEC       device index, name part or 'reference' (geocl devices)\n"
          "  --recompute         keep only each transformer block's input and run the block\n"
          "                      again in backward: less memory for 20-40%% more time (CroCo\n"
          "                      base, batch 8: 3.8 GiB -> 2.2 GiB; docs/performance.md), the\n"
          "                      same results bit for bit (may be given with --resume); ViT\n"
          "                      blocks only: croco, mae and heads on them, not the CNN and\n"
          "                      point-cloud models (simipu, depth-resnet: a note says so)\n"
          "  --out DIR           run directory (default runs/TASK-PRESET-DATE-TIME); must not\n"
          "                      already hold a run\n"
          "  --resume DIR        continue a run where it stopped, with its own settings\n"
          "                      (only --device, --recompute, --stop-at, --log-every,\n"
          "                      --recon-every and --quiet may be given with it)\n"
          "  --resume DIR --steps N\n"
          "                      extend a run to N steps: the schedule becomes that of an\n"
          "                      N-step run (warm-up as recorded, the cosine ending at N)\n"
          "  --stop-at STEP      stop and save after this step without changing the schedule\n"
          "Output:\n"
          "  --log-every N       metrics.jsonl line and progress line every N steps (default 10)\n"
          "  --save-every N      checkpoint every N steps (default 100, and at the end)\n"
          "  --keep K            step-N.safetensors checkpoints kept (default 3)\n"
          "  --recon-every N     picture every N steps and at the end (default: with each\n"
          "                      checkpoint; 0 never)\n"
          "  --quiet             only errors and the final summary\n"
          "\n"
          "The run directory holds config.json, metrics.jsonl, last.safetensors (model and\n"
          "data/random position) with step-N.optim.safetensors (its optimizer state),\n"
          "step-N.safetensors and pictures.  Files are written atomically, and\n"
          "last.safetensors last: a run killed at any moment resumes from there.\n"
          "Ctrl-C or SIGTERM finishes the step, saves and exits (status 130); a second\n"
          "Ctrl-C, or one before the first step, stops at once, leaving the last\n"
          "checkpoint.  A resumed run gives the same losses as an uninterrupted one on\n"
          "the same device.  A NaN or infinite loss stops the run, keeping the last good\n"
          "checkpoint.\n");
}

static void help_pretrain(FILE *out) {
  fprintf(out,
          "Usage: geocl pretrain [options] [key=value ...]\n"
          "\n"
          "Pre-train a model.  With no options: CroCo 'tiny' on built-in synthetic scenes\n"
          "for 200 steps of 8 pairs, which takes under a minute on a 2-core CPU.\n"
          "\n"
          "What to train:\n"
          "  --task NAME         pretext plugin: croco (default), mae, ... (geocl plugins)\n"
          "  --model PRESET      option preset of the task (default: its 'tiny'); see\n"
          "                      geocl pretrain --task NAME --help\n"
          "  key=value           task options over the preset, e.g. enc_depth=8 pos_embed=RoPE100\n"
          "  --init W            start from these weights (their config applies; not with\n"
          "                      --model)\n");
  help_common(out);
}

static void help_finetune(FILE *out) {
  fprintf(out,
          "Usage: geocl finetune --head NAME [--init PRETRAINED] --data SRC [options] [key=value ...]\n"
          "\n"
          "Train a downstream head on a backbone, from a pre-trained checkpoint or from\n"
          "scratch.  The head names its backbone (e.g. croco); the backbone is built from\n"
          "the pre-trained file's configuration (or --backbone-preset), loaded by name, and\n"
          "the head is initialised.  The run reports what was loaded.\n"
          "\n"
          "What to train:\n"
          "  --head NAME         head plugin (geocl plugins)\n"
          "  --model PRESET      option preset of the head (default: its own)\n"
          "  key=value           head options; backbone.KEY=VALUE sets a backbone option\n"
          "  --init W            pre-trained weights (e.g. a geocl pretrain checkpoint or an\n"
          "                      official file converted by tools/convert-croco); every\n"
          "                      backbone tensor must be in it\n"
          "  --backbone-preset P the backbone's preset when there is no --init (scratch runs)\n"
          "  --init-map FROM=TO  read init's tensors named FROM... as TO... (repeatable)\n"
          "  --init-partial      backbone tensors init lacks keep their random init\n");
  help_common(out);
}

static volatile sig_atomic_t stop_flag, stepping;

static void on_signal(int sig) {
  signal(sig, SIG_DFL); /* a second signal ends the process at once */
  if (stepping) stop_flag = sig;
  else raise(sig); /* during start-up there is nothing to save: end now, even inside a blocked call */
}

typedef struct view {
  bool tty, quiet, progress_shown;
  const char *unit;    /* what a sample is: pairs or samples */
  int64_t lines;       /* progress lines printed */
  double last_line_s;  /* elapsed time at the last one */
} view;

/* Without a terminal, a progress line every log step, and on a slow device
 * also the first step's and one at least this often. */
#define PROGRESS_EVERY_S 30.0

static void fmt_duration(double s, char *buf, size_t size) {
  long t = lrint(s);
  if (t >= 3600) snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
  else if (t >= 60) snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
  else snprintf(buf, size, "%lds", t);
}

static void on_step(const geocl_train_progress *p, bool logged, void *user) {
  view *v = user;
  stepping = 1;
  if (v->quiet) return;
  if (!v->tty && !logged && v->lines > 0 && p->elapsed_s - v->last_line_s < PROGRESS_EVERY_S) return;
  char eta[48] = "", el[32], metrics[256] = "", rate[48] = "";
  fmt_duration(p->elapsed_s, el, sizeof el);
  /* speed and ETA leave out the first step (kernel builds): none until they are known */
  if (p->pairs_per_s > 0) snprintf(rate, sizeof rate, "  %.1f %s/s", p->pairs_per_s, v->unit);
  if (p->eta_s > 0 || p->step == p->steps) {
    char d[32];
    fmt_duration(p->eta_s, d, sizeof d);
    snprintf(eta, sizeof eta, "  ETA %s", d);
  }
  for (int i = 0, used = 0; i < p->n_metrics && used < (int)sizeof metrics - 48; i++)
    used += snprintf(metrics + used, sizeof metrics - (size_t)used, "  %s %.4g", p->metric_names[i], p->metrics[i]);
  printf("%sstep %lld/%lld  epoch %.3f  loss %.4f%s  lr %.3g%s  %s elapsed%s%s", v->tty ? "\r\033[K" : "",
         (long long)p->step, (long long)p->steps, p->epoch, p->loss, metrics, p->lr, rate, el, eta,
         v->tty ? "" : "\n");
  v->progress_shown = v->tty;
  v->lines++;
  v->last_line_s = p->elapsed_s;
  fflush(stdout);
}

static void on_note(const char *msg, void *user) {
  view *v = user;
  if (v->quiet) return;
  printf("%s%s\n", v->progress_shown ? "\r\033[K" : "", msg);
  v->progress_shown = false;
  fflush(stdout);
}

static const char *cmd_name; /* "pretrain" or "finetune", for messages */

enum {
  OPT_TASK = 256, OPT_MODEL, OPT_INIT, OPT_DATA, OPT_SYN, OPT_STEPS, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_BLR,
  OPT_MINLR, OPT_WARMUP, OPT_WD, OPT_CLIP, OPT_SEED, OPT_DEVICE, OPT_OUT, OPT_RESUME, OPT_STOP, OPT_LOG, OPT_SAVE,
  OPT_KEEP, OPT_RECON, OPT_QUIET, OPT_VAL, OPT_VAL_FRACTION, OPT_VAL_EVERY, OPT_VAL_BATCHES, OPT_WORKERS, OPT_FREEZE, OPT_LR_MULT,
  OPT_BACKBONE_PRESET, OPT_INIT_MAP, OPT_INIT_PARTIAL, OPT_ACCUM, OPT_RECOMPUTE
};

static const struct option options[] = {
    {"task", required_argument, 0, OPT_TASK},       {"head", required_argument, 0, OPT_TASK},
    {"model", required_argument, 0, OPT_MODEL},     {"init", required_argument, 0, OPT_INIT},
    {"data", required_argument, 0, OPT_DATA},       {"synthetic-pairs", required_argument, 0, OPT_SYN},
    {"steps", required_argument, 0, OPT_STEPS},     {"epochs", required_argument, 0, OPT_EPOCHS},
    {"batch", required_argument, 0, OPT_BATCH},     {"lr", required_argument, 0, OPT_LR},
    {"blr", required_argument, 0, OPT_BLR},         {"min-lr", required_argument, 0, OPT_MINLR},
    {"warmup", required_argument, 0, OPT_WARMUP},   {"weight-decay", required_argument, 0, OPT_WD},
    {"clip-grad", required_argument, 0, OPT_CLIP},  {"seed", required_argument, 0, OPT_SEED},
    {"device", required_argument, 0, OPT_DEVICE},   {"out", required_argument, 0, OPT_OUT},
    {"resume", required_argument, 0, OPT_RESUME},   {"stop-at", required_argument, 0, OPT_STOP},
    {"log-every", required_argument, 0, OPT_LOG},   {"save-every", required_argument, 0, OPT_SAVE},
    {"keep", required_argument, 0, OPT_KEEP},       {"recon-every", required_argument, 0, OPT_RECON},
    {"quiet", no_argument, 0, OPT_QUIET},           {"val-data", required_argument, 0, OPT_VAL},
    {"val-fraction", required_argument, 0, OPT_VAL_FRACTION}, {"val-every", required_argument, 0, OPT_VAL_EVERY}, {"val-batches", required_argument, 0, OPT_VAL_BATCHES},
    {"workers", required_argument, 0, OPT_WORKERS}, {"freeze", required_argument, 0, OPT_FREEZE},
    {"lr-mult", required_argument, 0, OPT_LR_MULT}, {"backbone-preset", required_argument, 0, OPT_BACKBONE_PRESET},
    {"init-map", required_argument, 0, OPT_INIT_MAP}, {"init-partial", no_argument, 0, OPT_INIT_PARTIAL},
    {"accum-iter", required_argument, 0, OPT_ACCUM}, {"recompute", no_argument, 0, OPT_RECOMPUTE},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0}};

/* Options that may come with --resume: where and how to run, when to stop,
 * what to print, and --steps to extend the run. */
static bool resume_option(int c) {
  return c == OPT_DEVICE || c == OPT_RESUME || c == OPT_STOP || c == OPT_LOG || c == OPT_QUIET || c == OPT_RECON ||
         c == OPT_STEPS || c == OPT_RECOMPUTE || c == 'h';
}

/* The lists of repeatable options, with room for every argument. */
typedef struct lists {
  const char **freeze, **lr_mult, **init_map;
} lists;

static int parse(int argc, char **argv, geocl_train_opts *o, lists *l, bool *want_help, bool *quiet) {
  bool train_flags = false;
  int c, bad = 0, index = 0;
  optind = 1;
  while ((c = cli_getopt(cmd_name, argc, argv, "h", options, &index)) != -1) {
    train_flags |= !resume_option(c);
    switch (c) {
    case OPT_TASK: o->task = optarg; break;
    case OPT_MODEL: o->model = optarg; break;
    case OPT_INIT: o->init = optarg; break;
    case OPT_DATA: o->data = optarg; break;
    case OPT_DEVICE: o->device = optarg; break;
    case OPT_OUT: o->out = optarg; break;
    case OPT_RESUME: o->resume = optarg; break;
    case OPT_QUIET: *quiet = true; break;
    case OPT_VAL: o->val_data = optarg; break;
    case OPT_FREEZE: l->freeze[o->n_freeze++] = optarg; break;
    case OPT_LR_MULT: l->lr_mult[o->n_lr_mult++] = optarg; break;
    case OPT_BACKBONE_PRESET: o->backbone_preset = optarg; break;
    case OPT_INIT_MAP: l->init_map[o->n_init_map++] = optarg; break;
    case OPT_INIT_PARTIAL: o->init_partial = true; break;
    case OPT_RECOMPUTE: o->recompute = true; break;
    case 'h': *want_help = true; break;
    case '?': return CLI_USAGE;
    default: /* the numbers, each parsed into its own type and range by the library */
      if (geocl_train_opts_set(o, options[index].name, optarg) != GEOCL_OK) {
        cli_error(cmd_name, "%s", geocl_last_error());
        bad = 1;
      } else if (c == OPT_RECON && o->recon_every == 0) {
        o->recon_every = -1; /* "0 never"; the library's 0 means with each checkpoint */
      } else if (c == OPT_STEPS && o->steps == 0) { /* the library's 0 is "not given" */
        cli_error(cmd_name, "--steps 0: a run makes at least one step");
        bad = 1;
      }
    }
  }
  if (o->val_data && o->val_fraction > 0 && geocl_train_opts_check(o) != GEOCL_OK) { /* names both */
    cli_error(cmd_name, "%s", geocl_last_error());
    bad = 1;
  }
  if (bad) return CLI_USAGE;
  if (*want_help) return CLI_OK;
  if (o->resume && (train_flags || optind < argc)) {
    cli_error(cmd_name, "--resume continues a run with its own settings; only --device, --recompute, --stop-at, "
                        "--log-every, --recon-every, --quiet and --steps (to extend it) may be given with it");
    return CLI_USAGE;
  }
  if (o->steps > 0 && o->epochs > 0) {
    cli_error(cmd_name, "give --steps or --epochs, not both");
    return CLI_USAGE;
  }
  o->freeze = l->freeze;
  o->lr_mult = l->lr_mult;
  o->init_map = l->init_map;
  o->args = (const char *const *)argv + optind;
  o->n_args = argc - optind;
  return CLI_OK;
}

static void print_help(bool finetune, const char *task) {
  (finetune ? help_finetune : help_pretrain)(stdout);
  const geocl_plugin *p;
  if (!task) return;
  if (geocl_plugin_find(task, &p) == GEOCL_OK) {
    printf("\n");
    cli_print_plugin_options(stdout, p);
  } else {
    printf("\n(%s: %s)\n", task, geocl_last_error());
  }
}

/* Samples are pairs for tasks that take two images. */
static const char *sample_unit(const char *task) {
  const geocl_plugin *p;
  if (!task || geocl_plugin_find(task, &p) != GEOCL_OK) return "samples";
  for (const char *const *f = p->train_fields; f && *f; f++)
    if (!strcmp(*f, "image2")) return "pairs";
  return "samples";
}

static int run_train(int argc, char **argv, bool finetune) {
  cmd_name = finetune ? "finetune" : "pretrain";
  geocl_train_opts o;
  geocl_train_opts_default(&o);
  if (!finetune) o.task = "croco"; /* what `geocl pretrain` trains by default */
  bool want_help = false, quiet = false;
  char *out = NULL; /* the default run directory */
  lists l = {calloc((size_t)argc, sizeof(char *)), calloc((size_t)argc, sizeof(char *)),
             calloc((size_t)argc, sizeof(char *))};
  int rc = l.freeze && l.lr_mult && l.init_map ? parse(argc, argv, &o, &l, &want_help, &quiet) : CLI_FAIL;
  if (rc == CLI_OK && want_help) print_help(finetune, o.task);
  if (rc != CLI_OK || want_help) goto done;
  geocl_status ds = geocl_dist_init(); /* a no-op unless started by mpirun */
  if (ds != GEOCL_OK) {
    rc = cli_fail(cmd_name);
    goto done;
  }
  bool leader = geocl_dist_rank() == 0; /* rank 0 alone prints progress and the summary */
  if (finetune && !o.task && !o.resume) {
    cli_error(cmd_name, "name the head to train with --head (geocl plugins lists them)");
    rc = CLI_USAGE;
    goto done;
  }
  if (!finetune && o.init && o.model) { /* a pretext model from --init is the file's: a preset would be dropped */
    cli_error(cmd_name, "--model %s with --init %s: the model is the one the weights file records; give one of them "
                        "(key=value options still apply over --init)", o.model, o.init);
    rc = CLI_USAGE;
    goto done;
  }
  if (!o.resume && (rc = cli_check_model_choice(cmd_name, o.task, o.model, o.n_args, o.args)) != CLI_OK) goto done;
  if (!o.out && !o.resume) {
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    const geocl_plugin *p;
    const char *preset = o.model ? o.model : o.init ? "init" : "default";
    if (!o.model && !o.init && geocl_plugin_find(o.task, &p) == GEOCL_OK && p->default_preset) preset = p->default_preset;
    size_t n = strlen("runs/--") + strlen(o.task) + strlen(preset) + strlen(stamp) + 1;
    if (!(out = malloc(n))) {
      cli_error(cmd_name, "out of memory");
      rc = CLI_FAIL;
      goto done;
    }
    snprintf(out, n, "runs/%s-%s-%s", o.task, preset, stamp);
    o.out = out;
  }
  view v = {.tty = isatty(STDOUT_FILENO), .quiet = quiet || !leader, .unit = sample_unit(o.task)};
  geocl_train_hooks hooks = {.on_step = on_step, .on_note = on_note, .user = &v, .stop = &stop_flag};
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  geocl_train_summary s;
  geocl_status st = geocl_train_run(&o, &hooks, &s);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (v.progress_shown) printf("\n");
  if (st != GEOCL_OK) {
    rc = cli_fail(cmd_name);
    goto done;
  }
  rc = s.interrupted ? 128 + SIGINT : CLI_OK;
  if (!leader) goto done;
  if (s.steps_done == 0 && !s.interrupted) { /* resumed at or after its end (or --stop-at) */
    printf("nothing to do: %s is at step %lld of %lld", s.run_dir, (long long)s.step, (long long)s.steps);
    if (s.step >= s.steps) printf("; extend it with --resume %s --steps N", s.run_dir);
    printf("\n");
    goto done;
  }
  char el[32];
  fmt_duration(s.elapsed_s, el, sizeof el);
  /* the rate leaves out the first step (kernel builds): none for a one-step run */
  char rate[48] = "no rate after one step";
  if (s.pairs_per_s > 0) snprintf(rate, sizeof rate, "%.2f %s/s", s.pairs_per_s, v.unit);
  printf("%s: %lld steps in %s, %s, peak device memory %.1f MiB, loss %.4f -> %.4f\n",
         s.interrupted ? "interrupted" : "done", (long long)s.steps_done, el, rate,
         (double)s.peak_device_bytes / (1 << 20), s.first_loss, s.last_loss);
  printf("checkpoint: %s/last.safetensors%s\n", s.run_dir, s.interrupted ? " (continue with --resume)" : "");
  if (s.ranks > 1)
    printf("data-parallel: %d processes; rank 0 spent %.2f s (%.0f%% of the run) in gradient all-reduces\n", s.ranks,
           s.comm_s, s.elapsed_s > 0 ? 100.0 * s.comm_s / s.elapsed_s : 0.0);
done:
  geocl_dist_finalize();
  free(l.freeze);
  free(l.lr_mult);
  free(l.init_map);
  free(out);
  return rc;
}

static int run_pretrain(int argc, char **argv) { return run_train(argc, argv, false); }
static int run_finetune(int argc, char **argv) { return run_train(argc, argv, true); }

const cli_command cli_pretrain = {"pretrain", "pre-train a model (CroCo on synthetic scenes by default)", run_pretrain,
                                  help_pretrain};
const cli_command cli_finetune = {"finetune", "train a downstream head on a pre-trained backbone", run_finetune,
                                  help_finetune};
