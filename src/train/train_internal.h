/* SPDX-License-Identifier: MIT */
/* Pieces of the training driver (src/train/train*.c). */
#ifndef GEOCL_TRAIN_INTERNAL_H
#define GEOCL_TRAIN_INTERNAL_H

#include <geocl/train.h>
#include <geocl/pair_loader.h>

/* What a checkpoint records beside the weights (metadata of last.safetensors). */
typedef struct train_position {
  int64_t step;
  geocl_data_position data; /* the next batch */
  uint64_t rng_seed, rng_counter;
} train_position;

/* train_config.c: config.json of a run (its numbers checked as the command
 * line checks options) */
geocl_status train_config_write(const char *dir, const geocl_train_opts *o, const char *model_config_json);
/* Read config.json into o (strings point into *storage, freed by the caller)
 * and the model configuration (malloc'd). */
geocl_status train_config_read(const char *dir, geocl_train_opts *o, char **model_config_json, void **storage);
void train_config_free(void *storage);

/* train_files.c: the run directory, checkpoints, metrics */
/* dir/name, malloc'd (NULL with the error set when out of memory) */
char *train_path(const char *dir, const char *name);
/* Create and lock (train_lock) the directory of a new run; refused when it
 * holds a run already. */
geocl_status train_make_run_dir(const char *dir, int *lock);
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
struct geocl_model;
struct geocl_optim;
geocl_status train_checkpoint_save(const char *dir, const struct geocl_model *model, const struct geocl_optim *optim,
                                   const train_position *pos, int keep);
/* The optimizer state committed with step. */
geocl_status train_optim_load(const char *dir, struct geocl_optim *optim, int64_t step);
/* Drop metrics lines after `step` (from a run killed after its last checkpoint). */
geocl_status train_metrics_truncate(const char *dir, int64_t step);
geocl_status train_metrics_append(const char *dir, const char *line);

#endif
