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

/* train_config.c: config.json of a run */
geocl_status train_config_write(const char *dir, const geocl_train_opts *o, const char *model_config_json);
/* Read config.json into o (strings point into *storage, freed by the caller)
 * and the model configuration (malloc'd). */
geocl_status train_config_read(const char *dir, geocl_train_opts *o, char **model_config_json, void **storage);
void train_config_free(void *storage);

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
