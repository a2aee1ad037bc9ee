/* SPDX-License-Identifier: MIT */
/* Pre-training: the loop behind `geocl pretrain`, as a library call.
 *
 * A run lives in a directory: config.json (everything needed to rebuild the
 * run), metrics.jsonl (one line per logged step), last.safetensors (model,
 * with the step, data position and random state in its metadata) and
 * step-N.optim.safetensors (the optimizer state of that step N), periodic
 * step-N.safetensors, and recon-N.png pictures.  Every file is written
 * atomically and last.safetensors last, which commits a checkpoint: a run
 * killed at any moment resumes from its last committed checkpoint (or from
 * the start when it had none), and a resumed run repeats the losses of an
 * uninterrupted one exactly (same device).  One process at a time uses a run
 * directory.  docs/pretrain.md describes the files. */
#ifndef GEOCL_TRAIN_H
#define GEOCL_TRAIN_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_train_opts {
  /* what to train */
  const char *task;          /* plugin (default "croco") */
  const char *model;         /* preset (default: the plugin's default preset) */
  const char *const *args;   /* key=value options over the preset */
  int n_args;
  const char *init;          /* start from these weights instead of a random init */
  /* data */
  const char *data;          /* "synthetic" (default) or a directory with pairs.txt / listing.txt */
  int64_t synthetic_pairs;   /* pairs per epoch of the synthetic source (default 10000) */
  /* length: steps wins over epochs; default 200 steps */
  int64_t steps;
  double epochs;
  int batch;                 /* default 8 */
  /* recipe (CroCo's defaults) */
  double lr;                 /* absolute peak lr; 0: blr·batch/256 */
  double blr;                /* base lr; 0: the preset's (croco tiny: 1e-2), else 1.5e-4 */
  double min_lr;             /* default 0 */
  int64_t warmup;            /* warm-up steps (-1: 5% of the run) */
  double weight_decay;       /* default 0.05, on group 0 (weights); group 1 (biases, norms) gets 0 */
  double beta1, beta2;       /* default 0.9, 0.95 */
  double clip_grad;          /* 0 (default): none */
  uint64_t seed;             /* default 0: init, data order, masks */
  /* where */
  const char *device;
  const char *out;           /* run directory (created; must not hold a run already) */
  const char *resume;        /* run directory to continue (everything else comes from it, but
                                device, stop_at, and log_every and recon_every when not 0) */
  int64_t stop_at;           /* stop (and save) after this step without changing the schedule; 0: at the end */
  /* what to write */
  int64_t log_every;         /* metrics line and printed progress every N steps (0: 10) */
  int64_t save_every;        /* checkpoint every N steps (default 100, and at the end) */
  int keep;                  /* step-N checkpoints kept (default 3; 0 keeps none) */
  int64_t recon_every;       /* picture every N steps (default: with each checkpoint; -1: never) */
} geocl_train_opts;

void geocl_train_opts_default(geocl_train_opts *o);
/* Set a numeric option by its command-line name ("batch", "min-lr", ...)
 * from text, parsed into the field's own type: text that does not parse, or
 * a value outside the option's range (which is also what fits the type), is
 * refused with E_INVALID ("--batch 4294967297: expected a whole number from 1
 * to 2147483647").  A resumed run's config.json goes through the same checks. */
geocl_status geocl_train_opts_set(geocl_train_opts *o, const char *option, const char *text);
/* The same range checks on every numeric field (geocl_train_run makes them
 * once it has filled in the defaults that 0 stands for). */
geocl_status geocl_train_opts_check(const geocl_train_opts *o);

typedef struct geocl_train_progress {
  int64_t step, steps;       /* steps done, planned */
  double epoch;              /* fractional */
  float loss;
  double lr;
  double pairs_per_s;        /* over the last log interval */
  double elapsed_s, eta_s;
} geocl_train_progress;

typedef struct geocl_train_summary {
  int64_t steps_done;
  double elapsed_s;
  double pairs_per_s;        /* over the whole run, excluding the first step (kernel builds) */
  uint64_t peak_device_bytes;
  float first_loss, last_loss;
  bool interrupted;          /* stopped by the stop flag */
  const char *run_dir;       /* opts->out or opts->resume (NULL when the run did not start) */
} geocl_train_summary;

typedef struct geocl_train_hooks {
  /* after every step (progress) */
  void (*on_step)(const geocl_train_progress *p, bool logged, void *user);
  /* notable events: the run directory, checkpoints, pictures */
  void (*on_note)(const char *message, void *user);
  void *user;
  /* set (e.g. from a signal handler) to stop after the current step and save */
  volatile sig_atomic_t *stop;
} geocl_train_hooks;

geocl_status geocl_train_run(const geocl_train_opts *opts, const geocl_train_hooks *hooks,
                             geocl_train_summary *summary);

/* The optimizer the trainer uses for a model (CroCo's AdamW: group 0
 * decayed, group 1 not), at peak lr o->lr. */
struct geocl_model;
struct geocl_optim;
geocl_status geocl_train_optimizer(struct geocl_model *model, const geocl_train_opts *o, struct geocl_optim **out);

#ifdef __cplusplus
}
#endif
#endif
