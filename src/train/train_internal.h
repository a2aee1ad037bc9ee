/* SPDX-License-Identifier: MIT */
/* Pieces of the training driver (src/train/train*.c). */
#ifndef GEOCL_TRAIN_INTERNAL_H
#define GEOCL_TRAIN_INTERNAL_H

#include <geocl/data.h>
#include <geocl/model.h>
#include <geocl/schedule.h>
#include <geocl/train.h>

/* What a checkpoint records beside the weights (metadata of last.safetensors). */
typedef struct train_position {
  int64_t step;
  geocl_data_position data; /* the next batch */
  uint64_t rng_seed, rng_counter;
} train_position;

/* train_config.c: config.json of a run, with the model's and (heads) the
 * backbone's configuration */
geocl_status train_config_write(const char *dir, const geocl_train_opts *o, const geocl_model *m);
/* Read config.json into o and the configurations (strings point into
 * *storage, freed with train_config_free; backbone_config NULL for a task
 * without a backbone). */
geocl_status train_config_read(const char *dir, geocl_train_opts *o, const char **model_config,
                               const char **backbone_config, void **storage);
void train_config_free(void *storage);

/* train_recipe.c */
/* Fill what o leaves to the task's recipe (steps, lr, warm-up, decay, betas,
 * picture and validation intervals). */
void train_resolve_recipe(const geocl_plugin *p, geocl_train_opts *o, int64_t batches_per_epoch);
/* Parameter rules of --freeze and --lr-mult (free with train_rules_free). */
geocl_status train_rules(const geocl_train_opts *o, geocl_param_rule **rules, int *n);
void train_rules_free(geocl_param_rule *rules, int n);
geocl_lr_schedule train_schedule(const geocl_plugin *p, const geocl_train_opts *o);
/* The lr of a group whose base is lr before step (warm-up/cosine counts
 * steps, the per-epoch schedules epochs). */
double train_lr_at(const geocl_lr_schedule *s, double lr, int64_t step, int64_t batches_per_epoch);

/* train_dist.c: data-parallel training */
/* The device of this rank: spec as given, else (with several ranks and no
 * $GEOCL_DEVICE) the node-local rank's device among the kind a single
 * process would take (GPUs, else OpenCL devices), written to buf. */
const char *train_dist_device(const char *spec, char *buf, size_t size);
/* Every rank reports its status and stop request; when one failed, every
 * rank returns an error (its own, or one naming the failed rank); stop_all
 * is set when any rank asks to stop; *loss (may be NULL) becomes the mean
 * over the ranks.  One process: returns st. */
geocl_status train_agree(geocl_status st, bool stop, float *loss, bool *stop_all);

/* train_files.c: run directory, checkpoints, metrics */
geocl_status train_make_run_dir(const char *dir);
/* path of a file in the run directory */
const char *train_path(char *buf, size_t size, const char *dir, const char *name);
geocl_status train_position_read(const char *model_path, train_position *pos);
/* Drop metrics lines after `step` (from a run killed after its last checkpoint). */
geocl_status train_metrics_truncate(const char *dir, int64_t step);
geocl_status train_metrics_append(const char *dir, const char *line);
/* Keep the newest `keep` step-N.safetensors files. */
void train_prune_steps(const char *dir, int keep);

#endif
