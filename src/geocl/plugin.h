/* SPDX-License-Identifier: MIT */
/* Plugins: pretext tasks (croco, mae, simipu, ...) and downstream heads
 * (stereo, flow, depth, ...), loaded from $GEOCL_PLUGIN_PATH and
 * $(pkglibdir)/plugins.
 *
 * A plugin is a shared object linked against libgeocl that exports
 *
 *     const geocl_plugin *geocl_plugin_entry(void);
 *
 * returning a static descriptor whose first two fields are the ABI number it
 * was built with (GEOCL_PLUGIN_ABI) and its name.  Everything a plugin needs
 * comes from libgeocl's public API (ops, layers, params, config, data), never
 * from the executable that loads it.  docs/writing-a-plugin.md walks through
 * a pretext task and a head. */
#ifndef GEOCL_PLUGIN_H
#define GEOCL_PLUGIN_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/backbone.h>
#include <geocl/batch.h>
#include <geocl/config.h>
#include <geocl/context.h>
#include <geocl/optim.h>
#include <geocl/rng.h>
#include <geocl/schedule.h>
#include <geocl/tensor.h>
#include <geocl/version.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_params geocl_params;

typedef enum geocl_plugin_kind { GEOCL_PLUGIN_PRETEXT = 1, GEOCL_PLUGIN_HEAD = 2 } geocl_plugin_kind;

/* ---- outputs and metrics ---- */

/* Named results of a forward pass; "loss" (one element) is required for
 * training.  Outputs added as metrics (one element each) are reported: the
 * trainer writes them to metrics.jsonl and the progress line. */
#define GEOCL_MAX_OUTPUTS 32
typedef struct geocl_outputs {
  int n;
  const char *names[GEOCL_MAX_OUTPUTS];
  geocl_tensor *tensors[GEOCL_MAX_OUTPUTS];
  bool metric[GEOCL_MAX_OUTPUTS];
} geocl_outputs;

geocl_status geocl_outputs_add(geocl_outputs *out, const char *name, geocl_tensor *t);
/* A one-element output reported as a metric (e.g. "acc_top1"). */
geocl_status geocl_outputs_add_metric(geocl_outputs *out, const char *name, geocl_tensor *t);
geocl_tensor *geocl_outputs_get(const geocl_outputs *out, const char *name);

/* Accumulated evaluation metrics: named sums and counts; a metric's value is
 * sum/count unless the plugin's eval_report says otherwise. */
#define GEOCL_MAX_METRICS 48
typedef struct geocl_metrics {
  int n;
  char names[GEOCL_MAX_METRICS][40];
  double sum[GEOCL_MAX_METRICS], count[GEOCL_MAX_METRICS];
} geocl_metrics;

/* Add sum and count to metric `name` (created at 0/0). */
geocl_status geocl_metrics_add(geocl_metrics *m, const char *name, double sum, double count);
/* sum/count of `name` (NaN when absent or never counted). */
double geocl_metrics_value(const geocl_metrics *m, const char *name);
/* Set `name` to a final value (count 1): for eval_report. */
geocl_status geocl_metrics_set(geocl_metrics *m, const char *name, double value);

/* ---- what a task asks of its data ---- */

typedef struct geocl_input_size {
  int64_t height, width; /* of the image fields (0: no images) */
  int64_t points;        /* LiDAR points per sample (0: none) */
  /* Pipelines that resize before padding to height x width (the "lidar"
   * pipeline): the long and the short side's targets are drawn from these
   * [min, max] ranges (mmdet's Resize, keep_ratio, multiscale_mode "range");
   * all 0: no resize. */
  int64_t resize_long[2], resize_short[2];
} geocl_input_size;

/* ---- training recipe ---- */

/* A parameter rule: parameters whose names start with `match` ("" matches
 * every one; the first matching rule wins) are frozen, or trained with a
 * learning-rate multiplier and/or their own optimizer settings. */
typedef struct geocl_param_rule {
  const char *match;              /* NULL ends a list */
  bool frozen;                    /* no gradient, no update (still loaded and saved) */
  double lr_mult;                 /* 0 means 1 */
  const geocl_optim_group *optim; /* NULL: the recipe's; else these (lr absolute, scaled like the recipe's) */
} geocl_param_rule;

/* The recipe a task trains with unless the user says otherwise (the
 * official one where the task has one). */
typedef struct geocl_recipe {
  geocl_optim_group optim; /* default group settings; lr is absolute unless blr > 0 */
  double blr;              /* > 0: lr = blr·batch/256 (MAE/CroCo's rule) */
  bool decay_all;          /* weight decay on every parameter (else not on GEOCL_PARAM_NO_DECAY ones) */
  geocl_lr_kind schedule;  /* GEOCL_LR_WARMUP_COSINE (over steps), _EXPONENTIAL or _STEP (per epoch) */
  double warmup;           /* WARMUP_COSINE: warm-up as a fraction of the run */
  double gamma;            /* EXPONENTIAL, STEP */
  int step_epochs;         /* STEP */
  const geocl_param_rule *rules; /* NULL or a list ended by match NULL */
} geocl_recipe;

/* CroCo's recipe (naver/croco pretrain.py): AdamW β (0.9, 0.95), weight
 * decay 0.05 (not on biases and norms), blr 1.5e-4, 5% warm-up, cosine. */
extern const geocl_recipe geocl_recipe_croco;

/* ---- the descriptor ---- */

typedef struct geocl_plugin {
  uint32_t abi; /* GEOCL_PLUGIN_ABI */
  const char *name;
  geocl_plugin_kind kind;
  const char *summary;
  const geocl_option *options; /* constructor options, NULL-terminated */
  const geocl_preset *presets; /* NULL-terminated */
  /* The preset a new training run starts from when none is named (option
   * defaults are the original constructor's, which a checkpoint's recorded
   * config is applied over). */
  const char *default_preset;

  /* Data.  The batch fields forward reads in training (targets included)
   * and in inference, NULL-terminated (geocl/batch.h names); the pipeline
   * that makes them (geocl/data.h; NULL: "pair"); and the input size, from
   * the model's configuration. */
  const char *const *train_fields;
  const char *const *infer_fields;
  const char *pipeline;
  geocl_status (*input_size)(void *state, geocl_input_size *size);

  /* Training recipe (NULL: geocl_recipe_croco). */
  const geocl_recipe *recipe;
  /* The metadata key under which files converted from the original
   * implementation's checkpoints keep its constructor arguments (croco:
   * "croco_kwargs"); such files are recognised as this plugin's. */
  const char *official_config_key;

  /* Heads: the plugin whose network this head sits on (it must provide
   * as_backbone).  NULL for pretext tasks. */
  const char *backbone;

  /* Build the model for cfg: declare its parameters in params (the host
   * finalises them afterwards) and return the plugin's state.  A head gets
   * its backbone (NULL otherwise): it sets backbone options, builds it with
   * geocl_backbone_build, then declares its own parameters. */
  geocl_status (*create)(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *backbone,
                         void **state);
  /* Initialise the parameters as the original implementation does (a head
   * initialises its backbone with geocl_backbone_init). */
  geocl_status (*init_weights)(void *state, geocl_rng *rng);
  /* Forward pass on a batch, recording the tape when gradients are wanted.
   * batch->training says whether this is a training step. */
  geocl_status (*forward)(void *state, const geocl_batch *batch, geocl_outputs *out);
  /* Optional: a picture of a forward pass, [B, 3, H, W'] with values in [0, 1]. */
  geocl_tensor *(*visualize)(void *state, const geocl_batch *batch, const geocl_outputs *out);

  /* Optional: evaluation.  evaluate adds a batch's metrics (from a forward
   * pass in eval mode) to acc; eval_report (optional) turns the sums into
   * the reported values (e.g. RMSE = √mean), else each is sum/count. */
  geocl_status (*evaluate)(void *state, const geocl_batch *batch, const geocl_outputs *out, geocl_metrics *acc);
  geocl_status (*eval_report)(void *state, const geocl_metrics *acc, geocl_metrics *report);

  /* Optional: host-side state beyond parameters and buffers, saved in
   * checkpoints (a malloc'd JSON text) so that resumed runs are exact. */
  char *(*save_state)(void *state);
  geocl_status (*load_state)(void *state, const char *json);

  /* Optional: serve as a backbone for heads. */
  const geocl_backbone_ops *as_backbone;

  void (*destroy)(void *state);
} geocl_plugin;

#define GEOCL_PLUGIN_ENTRY "geocl_plugin_entry"

/* The plugin named `name` (E_NOT_FOUND lists those available). */
geocl_status geocl_plugin_find(const char *name, const geocl_plugin **out);
/* Every loaded plugin, and notes on skipped files ("" if none); do not free. */
void geocl_plugin_list(const geocl_plugin *const **plugins, int *count, const char **notes);
/* A config holding the plugin's option defaults. */
geocl_config *geocl_plugin_config(const geocl_plugin *p);
/* The plugin's recipe, or geocl_recipe_croco. */
const geocl_recipe *geocl_plugin_recipe(const geocl_plugin *p);

#ifdef __cplusplus
}
#endif
#endif
