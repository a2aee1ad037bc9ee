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
 * backbone's configuration (its numbers checked as the command line checks
 * options) */
geocl_status train_config_write(const char *dir, const geocl_train_opts *o, const geocl_model *m);
/* Read config.json into o and the configurations (strings point into
 * *storage, freed with train_config_free; backbone_config NULL for a task
 * without a backbone). */
geocl_status train_config_read(const char *dir, geocl_train_opts *o, const char **model_config,
                               const char **backbone_config, void **storage);
void train_config_free(void *storage);

/* train_recipe.c */
/* Fill what o leaves to the task's recipe (steps, lr, warm-up, decay, betas,
 * picture and validation intervals); refused when --epochs does not fit in
 * 2^63 steps. */
geocl_status train_resolve_recipe(const geocl_plugin *p, geocl_train_opts *o, int64_t batches_per_epoch);
/* Parameter rules of --freeze and --lr-mult (free with train_rules_free). */
geocl_status train_rules(const geocl_train_opts *o, geocl_param_rule **rules, int *n);
void train_rules_free(geocl_param_rule *rules, int n);
geocl_lr_schedule train_schedule(const geocl_plugin *p, const geocl_train_opts *o);
/* The lr of a group whose base is lr before step (warm-up/cosine counts
 * steps, the per-epoch schedules epochs). */
double train_lr_at(const geocl_lr_schedule *s, double lr, int64_t step, double steps_per_epoch);

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

/* train_files.c: the run directory, checkpoints, metrics */
/* dir/name, malloc'd (NULL with the error set when out of memory) */
char *train_path(const char *dir, const char *name);
/* Create and lock (train_lock) the directory of a new run; refused when it
 * holds a run already. */
geocl_status train_make_run_dir(const char *dir, int *lock);
/* What a new run wrote before it failed without a checkpoint (config.json,
 * metrics.jsonl, pictures, optimizer state, temporary files), and dir itself
 * when the run created it and it is left empty. */
void train_remove_failed_start(const char *dir, bool created);
/* Hold the run directory for this process until train_unlock (refused while
 * another process holds it). */
geocl_status train_lock(const char *dir, int *fd);
void train_unlock(int fd);
/* What a killed run left: temporary files, the files of checkpoints after
 * `step` (the committed one) that were never committed, and what the commit
 * of `step` would have pruned (keep: step files kept); step -1: temporary
 * files only. */
void train_remove_stale(const char *dir, int64_t step, int keep);
/* The committed checkpoint's position; *found is false when the run stopped
 * before its first checkpoint. */
geocl_status train_position_read(const char *dir, train_position *pos, bool *found);
/* Save and commit the checkpoint of step pos->step (see train_files.c);
 * keep: step-N.safetensors files kept. */
geocl_status train_checkpoint_save(const char *dir, const geocl_model *model, const struct geocl_optim *optim,
                                   const train_position *pos, int keep);
/* The optimizer state committed with step. */
geocl_status train_optim_load(const char *dir, struct geocl_optim *optim, int64_t step);
/* Drop metrics lines after `step` (from a run killed after its last checkpoint). */
geocl_status train_metrics_truncate(const char *dir, int64_t step);
geocl_status train_metrics_append(const char *dir, const char *line);

#endif
