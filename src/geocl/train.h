/* SPDX-License-Identifier: MIT */
/* Training: the loop behind `geocl pretrain` and `geocl finetune`, as a
 * library call.  Pre-training a pretext task and fine-tuning a head on a
 * backbone are the same loop: data source → pipeline → loader → forward →
 * backward → optimizer step over the model's parameter groups, with the
 * task's recipe, metrics and optional validation.
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
  const char *task;          /* plugin: a pretext task or a head (required) */
  const char *model;         /* preset (default: the plugin's default preset) */
  const char *const *args;   /* key=value options over the preset ("backbone.KEY=VALUE" for a head's backbone) */
  int n_args;
  const char *init;          /* pretext task: start from these weights instead of a random init;
                              * head: the pre-trained backbone (loaded by name, the head initialised) */
  /* heads */
  const char *backbone_preset;    /* the backbone's preset when there is no init (e.g. scratch runs) */
  const char *const *init_map;    /* "FROM=TO" renames of init's tensor names */
  int n_init_map;
  bool init_partial;              /* backbone tensors init lacks keep their random init */
  /* parameter control: names starting with a prefix */
  const char *const *freeze;      /* frozen prefixes */
  int n_freeze;
  const char *const *lr_mult;     /* "PREFIX=M": learning rate times M */
  int n_lr_mult;
  /* data */
  const char *data;          /* "synthetic" (default), a directory (layout detected) or "FORMAT:DIR" */
  int64_t synthetic_pairs;   /* pairs per epoch of the synthetic source (default 10000) */
  int workers;               /* loader threads (default 1) */
  const char *val_data;      /* held-out data evaluated during training, or NULL */
  double val_fraction;       /* or this share of `data` (its last samples, 0 <= f < 1) held out
                                instead (default 0: none) */
  int64_t val_every;         /* validation every N steps (default: with each checkpoint) */
  int64_t val_batches;       /* batches per validation (default 0: all of val_data) */
  /* length: steps wins over epochs; default 200 steps.  With resume, 0 keeps
   * the run's length and N extends it to N steps: the schedule becomes that
   * of an N-step run (warm-up as recorded, the cosine ending at step N), as
   * the official pretrain.py resumed with more --epochs, and config.json
   * records N. */
  int64_t steps;
  double epochs;
  int batch;                 /* default 8 */
  int accum_iter;            /* batches whose gradients make one optimizer step (default 1), as
                                naver/croco pretrain.py --accum_iter: each batch's loss / accum_iter is
                                back-propagated, the sum stepped; lr = blr * batch * accum_iter / 256 */
  /* recipe: negative (the default) or 0 where noted means the task's recipe */
  double lr;                 /* absolute peak lr; 0: blr·batch/256, or the recipe's lr */
  double blr;                /* base lr; 0: the preset's, else the recipe's */
  double min_lr;             /* default 0 */
  int64_t warmup;            /* warm-up steps (-1: the recipe's share of the run) */
  double weight_decay;       /* -1: the recipe's (CroCo: 0.05, not on biases and norms) */
  double beta1, beta2;       /* -1: the recipe's (CroCo: 0.9, 0.95) */
  double clip_grad;          /* 0 (default): none */
  uint64_t seed;             /* default 0: init, data order, masks */
  /* where */
  const char *device;
  const char *out;           /* run directory (created; must not hold a run already) */
  const char *resume;        /* run directory to continue (everything else comes from it, but
                                device, recompute, stop_at, and log_every and recon_every when not 0) */
  int64_t stop_at;           /* stop (and save) after this step without changing the schedule; 0: at the end */
  bool recompute;            /* transformer blocks run again in backward instead of keeping their
                                activations (geocl_set_recompute): less memory, more time, the
                                same results; not recorded (a resumed run may change it) */
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

#define GEOCL_TRAIN_MAX_METRICS 8

typedef struct geocl_train_progress {
  int64_t step, steps;       /* steps done, planned */
  double epoch;              /* fractional */
  float loss;
  double lr;
  double pairs_per_s;        /* samples per second over the last log interval */
  double elapsed_s, eta_s;
  /* the task's metrics at this step (logged steps only) */
  int n_metrics;
  const char *metric_names[GEOCL_TRAIN_MAX_METRICS];
  float metrics[GEOCL_TRAIN_MAX_METRICS];
} geocl_train_progress;

typedef struct geocl_train_summary {
  int64_t steps_done;
  double elapsed_s;
  double pairs_per_s;        /* over the whole run, excluding the first step (kernel builds) */
  uint64_t peak_device_bytes;
  float first_loss, last_loss;
  bool interrupted;          /* stopped by the stop flag */
  int ranks;                 /* processes of a data-parallel run (1 without) */
  double comm_s;             /* time in gradient all-reduces (this process) */
  const char *run_dir;       /* opts->out or opts->resume (NULL when the run did not start) */
  int64_t step, steps;       /* the step the run stands at, and its length */
} geocl_train_summary;

typedef struct geocl_train_hooks {
  /* after every step (progress) */
  void (*on_step)(const geocl_train_progress *p, bool logged, void *user);
  /* notable events: the run directory, checkpoints, pictures, validation */
  void (*on_note)(const char *message, void *user);
  void *user;
  /* set (e.g. from a signal handler) to stop after the current step and save */
  volatile sig_atomic_t *stop;
} geocl_train_hooks;

geocl_status geocl_train_run(const geocl_train_opts *opts, const geocl_train_hooks *hooks,
                             geocl_train_summary *summary);

/* The optimizer the trainer uses for a model: the plugin's recipe (CroCo's
 * AdamW by default) over the model's parameter groups, at peak lr o->lr
 * (absolute; 0: the recipe's) with o's overrides. */
struct geocl_model;
struct geocl_optim;
geocl_status geocl_train_optimizer(struct geocl_model *model, const geocl_train_opts *o, struct geocl_optim **out);

#ifdef __cplusplus
}
#endif
#endif
