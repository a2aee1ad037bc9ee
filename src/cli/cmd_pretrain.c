/* SPDX-License-Identifier: MIT */
/* geocl pretrain: the training driver's command line. */
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

static void help(FILE *out) {
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
          "  --init W            start from these weights (their config applies)\n"
          "Data:\n"
          "  --data SRC          'synthetic' (default: rendered on the fly) or a directory with\n"
          "                      pairs.txt or listing.txt (geocl synth writes one)\n"
          "  --synthetic-pairs N pairs in an epoch of the synthetic source (default 10000)\n"
          "Length and recipe (CroCo's: AdamW betas 0.9/0.95, weight decay 0.05 except on\n"
          "biases and norms, warm-up then half-cosine, lr = blr * batch / 256):\n"
          "  --steps N           optimizer steps (default 200)\n"
          "  --epochs E          or epochs of the data (fractions allowed)\n"
          "  --batch B           pairs per step (default 8)\n"
          "  --lr LR             peak learning rate (default blr * batch / 256)\n"
          "  --blr BLR           base learning rate (default: the preset's, e.g. 1e-2 for the\n"
          "                      short CPU runs of 'tiny'; else CroCo's 1.5e-4)\n"
          "  --min-lr LR         final learning rate (default 0)\n"
          "  --warmup N          warm-up steps (default 5%% of the run)\n"
          "  --weight-decay WD   (default 0.05)\n"
          "  --clip-grad NORM    clip the global gradient norm (default: no clipping, as CroCo)\n"
          "  --seed S            weights, data order, augmentation and masks (default 0)\n"
          "Where:\n"
          "  --device SPEC       device index, name part or 'reference' (geocl devices)\n"
          "  --out DIR           run directory (default runs/TASK-PRESET-DATE-TIME); must not\n"
          "                      already hold a run\n"
          "  --resume DIR        continue a run where it stopped, with its own settings\n"
          "                      (only --device, --stop-at, --log-every, --recon-every and\n"
          "                      --quiet may be given with it)\n"
          "  --stop-at STEP      stop and save after this step without changing the schedule\n"
          "Output:\n"
          "  --log-every N       metrics.jsonl line and progress line every N steps (default 10)\n"
          "  --save-every N      checkpoint every N steps (default 100, and at the end)\n"
          "  --keep K            step-N.safetensors checkpoints kept (default 3)\n"
          "  --recon-every N     recon-N.png picture every N steps (default: with each\n"
          "                      checkpoint; 0 never)\n"
          "  --quiet             only errors and the final summary\n"
          "\n"
          "The run directory holds config.json, metrics.jsonl, last.safetensors (model and\n"
          "data/random position) with step-N.optim.safetensors (its optimizer state),\n"
          "step-N.safetensors and recon-N.png.  Files are written atomically, and\n"
          "last.safetensors last: a run killed at any moment resumes from there.\n"
          "Ctrl-C or SIGTERM finishes the step, saves and exits (status 130); a second\n"
          "Ctrl-C, or one before the first step, stops at once, leaving the last\n"
          "checkpoint.  A resumed run gives the same losses as an uninterrupted one on\n"
          "the same device.  A NaN or infinite loss stops the run, keeping the last good\n"
          "checkpoint.\n");
}

static volatile sig_atomic_t stop_flag, stepping;

static void on_signal(int sig) {
  signal(sig, SIG_DFL); /* a second signal ends the process at once */
  if (stepping) stop_flag = sig;
  else raise(sig); /* during start-up there is nothing to save: end now, even inside a blocked call */
}

typedef struct view {
  bool tty, quiet, progress_shown;
} view;

static void fmt_duration(double s, char *buf, size_t size) {
  long t = lrint(s);
  if (t >= 3600) snprintf(buf, size, "%ldh%02ldm", t / 3600, t / 60 % 60);
  else if (t >= 60) snprintf(buf, size, "%ldm%02lds", t / 60, t % 60);
  else snprintf(buf, size, "%lds", t);
}

static void on_step(const geocl_train_progress *p, bool logged, void *user) {
  view *v = user;
  stepping = 1;
  if (v->quiet || (!v->tty && !logged)) return;
  char eta[32], el[32];
  fmt_duration(p->eta_s, eta, sizeof eta);
  fmt_duration(p->elapsed_s, el, sizeof el);
  printf("%sstep %lld/%lld  epoch %.3f  loss %.4f  lr %.3g  %.1f pairs/s  %s elapsed  ETA %s%s",
         v->tty ? "\r\033[K" : "", (long long)p->step, (long long)p->steps, p->epoch, p->loss, p->lr, p->pairs_per_s,
         el, eta, v->tty ? "" : "\n");
  v->progress_shown = v->tty;
  fflush(stdout);
}

static void on_note(const char *msg, void *user) {
  view *v = user;
  if (v->quiet) return;
  printf("%s%s\n", v->progress_shown ? "\r\033[K" : "", msg);
  v->progress_shown = false;
  fflush(stdout);
}

enum {
  OPT_TASK = 256, OPT_MODEL, OPT_INIT, OPT_DATA, OPT_SYN, OPT_STEPS, OPT_EPOCHS, OPT_BATCH, OPT_LR, OPT_BLR,
  OPT_MINLR, OPT_WARMUP, OPT_WD, OPT_CLIP, OPT_SEED, OPT_DEVICE, OPT_OUT, OPT_RESUME, OPT_STOP, OPT_LOG, OPT_SAVE,
  OPT_KEEP, OPT_RECON, OPT_QUIET
};

static int run(int argc, char **argv) {
  static const struct option opts[] = {
      {"task", required_argument, 0, OPT_TASK},       {"model", required_argument, 0, OPT_MODEL},
      {"init", required_argument, 0, OPT_INIT},       {"data", required_argument, 0, OPT_DATA},
      {"synthetic-pairs", required_argument, 0, OPT_SYN}, {"steps", required_argument, 0, OPT_STEPS},
      {"epochs", required_argument, 0, OPT_EPOCHS},   {"batch", required_argument, 0, OPT_BATCH},
      {"lr", required_argument, 0, OPT_LR},           {"blr", required_argument, 0, OPT_BLR},
      {"min-lr", required_argument, 0, OPT_MINLR},    {"warmup", required_argument, 0, OPT_WARMUP},
      {"weight-decay", required_argument, 0, OPT_WD}, {"clip-grad", required_argument, 0, OPT_CLIP},
      {"seed", required_argument, 0, OPT_SEED},       {"device", required_argument, 0, OPT_DEVICE},
      {"out", required_argument, 0, OPT_OUT},         {"resume", required_argument, 0, OPT_RESUME},
      {"stop-at", required_argument, 0, OPT_STOP},    {"log-every", required_argument, 0, OPT_LOG},
      {"save-every", required_argument, 0, OPT_SAVE}, {"keep", required_argument, 0, OPT_KEEP},
      {"recon-every", required_argument, 0, OPT_RECON}, {"quiet", no_argument, 0, OPT_QUIET},
      {"help", no_argument, 0, 'h'},                  {0, 0, 0, 0}};
  geocl_train_opts o;
  geocl_train_opts_default(&o);
  bool want_help = false, quiet = false, train_flags = false;
  int c, bad = 0, index = 0;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, &index)) != -1) {
    train_flags |= c != OPT_DEVICE && c != OPT_RESUME && c != OPT_STOP && c != OPT_LOG && c != OPT_QUIET &&
                   c != OPT_RECON && c != 'h';
    switch (c) {
    case OPT_TASK: o.task = optarg; break;
    case OPT_MODEL: o.model = optarg; break;
    case OPT_INIT: o.init = optarg; break;
    case OPT_DATA: o.data = optarg; break;
    case OPT_DEVICE: o.device = optarg; break;
    case OPT_OUT: o.out = optarg; break;
    case OPT_RESUME: o.resume = optarg; break;
    case OPT_QUIET: quiet = true; break;
    case 'h': want_help = true; break;
    case '?': return CLI_USAGE;
    default: /* the numbers, each parsed into its own type and range by the library */
      if (geocl_train_opts_set(&o, opts[index].name, optarg) != GEOCL_OK) {
        cli_error("pretrain", "%s", geocl_last_error());
        bad = 1;
      } else if (c == OPT_RECON && o.recon_every == 0) {
        o.recon_every = -1; /* "0 never"; the library's 0 means with each checkpoint */
      }
    }
  }
  if (want_help) {
    help(stdout);
    const geocl_plugin *p;
    if (geocl_plugin_find(o.task, &p) == GEOCL_OK) {
      printf("\n");
      cli_print_plugin_options(stdout, p);
    } else {
      printf("\n(task %s: %s)\n", o.task, geocl_last_error());
    }
    return CLI_OK;
  }
  if (bad) return CLI_USAGE;
  if (o.resume && (train_flags || optind < argc)) {
    cli_error("pretrain", "--resume continues a run with its own settings; only --device, --stop-at, --log-every, "
                          "--recon-every and --quiet may be given with it");
    return CLI_USAGE;
  }
  if (o.steps > 0 && o.epochs > 0) {
    cli_error("pretrain", "give --steps or --epochs, not both");
    return CLI_USAGE;
  }
  o.args = (const char *const *)argv + optind;
  o.n_args = argc - optind;
  char *out = NULL;
  if (!o.out && !o.resume) {
    time_t t = time(NULL);
    struct tm tm;
    localtime_r(&t, &tm);
    char stamp[32];
    strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &tm);
    const char *preset = o.model ? o.model : (o.init ? "init" : "tiny");
    size_t n = strlen("runs/--") + strlen(o.task) + strlen(preset) + strlen(stamp) + 1;
    if (!(out = malloc(n))) {
      cli_error("pretrain", "out of memory");
      return CLI_FAIL;
    }
    snprintf(out, n, "runs/%s-%s-%s", o.task, preset, stamp);
    o.out = out;
  }
  view v = {.tty = isatty(STDOUT_FILENO), .quiet = quiet};
  geocl_train_hooks hooks = {.on_step = on_step, .on_note = on_note, .user = &v, .stop = &stop_flag};
  signal(SIGINT, on_signal);
  signal(SIGTERM, on_signal);
  geocl_train_summary s;
  geocl_status st = geocl_train_run(&o, &hooks, &s);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  if (v.progress_shown) printf("\n");
  if (st != GEOCL_OK) {
    free(out);
    return cli_fail("pretrain");
  }
  char el[32];
  fmt_duration(s.elapsed_s, el, sizeof el);
  /* the rate leaves out the first step (kernel builds): none for a one-step run */
  char rate[48] = "no rate after one step";
  if (s.pairs_per_s > 0) snprintf(rate, sizeof rate, "%.2f pairs/s", s.pairs_per_s);
  printf("%s: %lld steps in %s, %s, peak device memory %.1f MiB, loss %.4f -> %.4f\n",
         s.interrupted ? "interrupted" : "done", (long long)s.steps_done, el, rate,
         (double)s.peak_device_bytes / (1 << 20), s.first_loss, s.last_loss);
  printf("checkpoint: %s/last.safetensors%s\n", s.run_dir, s.interrupted ? " (continue with --resume)" : "");
  free(out);
  return s.interrupted ? 128 + SIGINT : CLI_OK;
}

const cli_command cli_pretrain = {"pretrain", "pre-train a model (CroCo on synthetic scenes by default)", run, help};
