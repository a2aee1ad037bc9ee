/* SPDX-License-Identifier: MIT */
/* A model: a plugin (task), its configuration, its parameters and state, and,
 * for a head, the backbone it sits on (geocl/backbone.h).
 *
 * The configuration is built from the plugin's option defaults, then a
 * preset, then a given JSON configuration, then the configuration recorded in
 * a weights file, then key=value arguments.  A head's backbone is configured
 * the same way from its own defaults, backbone preset, the configuration
 * recorded in the weights or pre-trained file, and "backbone.KEY=VALUE"
 * arguments.
 *
 * Parameters are initialised as the original implementation does, then
 * loaded: strictly, by name, from a weights file (a checkpoint of this very
 * model), or, for a head, its backbone's tensors from a pre-trained file
 * (init): every backbone tensor must be there (unless init_partial), tensors
 * the model does not have are skipped, and the head keeps its
 * initialisation; the model's load report says what happened.
 *
 * Checkpoints record the task under the metadata key "model", the
 * configuration as JSON under "config", and for heads "backbone" and
 * "backbone_config"; files converted from an original implementation's
 * checkpoints carry its constructor arguments under the key the plugin names
 * (geocl_plugin.official_config_key, e.g. CroCo's "croco_kwargs"), which is
 * read the same way.
 *
 * Optimizer groups: every trainable parameter falls in one group per
 * (parameter rule, decays or not); rules come from the caller (e.g. the
 * trainer's --freeze and --lr-mult) and then the plugin's recipe. */
#ifndef GEOCL_MODEL_H
#define GEOCL_MODEL_H

#include <geocl/config.h>
#include <geocl/data.h>
#include <geocl/params.h>
#include <geocl/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_model_opts {
  const char *task;          /* plugin name; NULL: the one the weights file records */
  const char *preset;        /* NULL: none */
  const char *config_json;   /* a JSON object of options (e.g. a run's saved config), or NULL */
  const char *weights;       /* safetensors of this model to load strictly, or NULL */
  const char *const *args;   /* key=value options, applied last ("backbone.KEY=VALUE" for a head's backbone) */
  int n_args;
  uint64_t init_seed;        /* initialisation (always run: weights and init overwrite it) */
  /* heads */
  const char *init;                 /* pre-trained weights for the backbone, or NULL (random) */
  const char *backbone_preset;      /* the backbone's preset, or NULL */
  const char *backbone_config_json; /* a JSON object of backbone options (a run's saved config), or NULL */
  const char *const *init_map;      /* "FROM=TO": a file tensor FROMxyz is read as TOxyz (prefix renames) */
  int n_init_map;
  bool init_partial;                /* backbone tensors missing from init keep their initialisation */
  /* parameter rules, before the recipe's */
  const geocl_param_rule *rules;
  int n_rules;
} geocl_model_opts;

typedef struct geocl_model geocl_model;

geocl_status geocl_model_create(geocl_ctx *ctx, const geocl_model_opts *opts, geocl_model **out);
void geocl_model_free(geocl_model *m);

const geocl_plugin *geocl_model_plugin(const geocl_model *m);
const geocl_config *geocl_model_config(const geocl_model *m);
geocl_params *geocl_model_params(const geocl_model *m);
/* A head's backbone, or NULL. */
geocl_backbone *geocl_model_backbone(const geocl_model *m);
geocl_ctx *geocl_model_ctx(const geocl_model *m);

/* What loading the pre-trained file (init) did; zeros without one. */const geocl_load_report *geocl_model_load_report(const geocl_model *m);

/* Optimizer group g (0 ≤ g < geocl_params_group_count). */
typedef struct geocl_model_group {
  const char *match;              /* the rule that made it, NULL for none */
  double lr_mult;                 /* 1 unless a rule says */
  const geocl_optim_group *optim; /* a rule's own settings, or NULL (the recipe's) */
  bool decay;                     /* weight decay applies */
} geocl_model_group;
const geocl_model_group *geocl_model_group_get(const geocl_model *m, int g);

/* The data this model takes: input size, fields and pipeline for training
 * (targets included) or inference. */
geocl_status geocl_model_data_spec(const geocl_model *m, bool training, geocl_data_spec *spec, const char **pipeline);

geocl_status geocl_model_forward(geocl_model *m, const geocl_batch *batch, geocl_outputs *out);
/* The plugin's picture of a forward pass ([B, 3, H, W'] in [0, 1] before
 * clamping), or NULL with E_UNSUPPORTED when it has none. */
geocl_tensor *geocl_model_visualize(geocl_model *m, const geocl_batch *batch, const geocl_outputs *out);
/* Forward passes without gradients in eval mode over the loader's batches
 * (max_batches of them, 0: one epoch); report gets the plugin's metrics
 * (E_UNSUPPORTED when it has no evaluate) and "loss", the mean loss when
 * the forward returns one. */
geocl_status geocl_model_evaluate(geocl_model *m, geocl_loader *loader, int64_t max_batches, geocl_metrics *report);

/* Save the parameters with "model", "config" (and a head's "backbone",
 * "backbone_config", the plugin's "plugin_state") metadata plus extra
 * entries. */
geocl_status geocl_model_save(const geocl_model *m, const char *path, int n_meta, const geocl_st_kv *meta);

/* What a weights file records: task, configuration, and for heads the
 * backbone's task and configuration (malloc'd strings, NULL when absent). */
typedef struct geocl_weights_meta {
  char *task, *config_json, *backbone, *backbone_config_json, *plugin_state;
} geocl_weights_meta;
geocl_status geocl_weights_info(const char *path, geocl_weights_meta *meta);
void geocl_weights_meta_free(geocl_weights_meta *meta);

#ifdef __cplusplus
}
#endif
#endif
