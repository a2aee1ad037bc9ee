/* SPDX-License-Identifier: MIT */
/* A model: a plugin (task), its configuration, its parameters and state.
 *
 * The configuration is built from the plugin's option defaults, then a
 * preset, then a given JSON configuration, then the configuration recorded in
 * a weights file, then key=value arguments; the parameters are initialised as the original implementation
 * does, or loaded (strictly, by name) from the weights file.  Checkpoints
 * record the task under the metadata key "model" and the configuration as
 * JSON under "config"; files converted from official CroCo checkpoints carry
 * "croco_kwargs" instead, which is read the same way for task croco. */
#ifndef GEOCL_MODEL_H
#define GEOCL_MODEL_H

#include <geocl/config.h>
#include <geocl/params.h>
#include <geocl/plugin.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_model_opts {
  const char *task;          /* plugin name; NULL: the one the weights file records */
  const char *preset;        /* NULL: none */
  const char *config_json;   /* a JSON object of options (e.g. a run's saved config), or NULL */
  const char *weights;       /* safetensors to load, or NULL */
  const char *const *args;   /* key=value options, applied last */
  int n_args;
  uint64_t init_seed;        /* initialisation when there is no weights file */
} geocl_model_opts;

typedef struct geocl_model geocl_model;

geocl_status geocl_model_create(geocl_ctx *ctx, const geocl_model_opts *opts, geocl_model **out);
void geocl_model_free(geocl_model *m);

const geocl_plugin *geocl_model_plugin(const geocl_model *m);
const geocl_config *geocl_model_config(const geocl_model *m);
geocl_params *geocl_model_params(const geocl_model *m);

geocl_status geocl_model_forward(geocl_model *m, const geocl_batch *batch, geocl_outputs *out);
/* The plugin's picture of a forward pass ([B, 3, H, W'] in [0, 1] before
 * clamping), or NULL with E_UNSUPPORTED when it has none. */
geocl_tensor *geocl_model_visualize(geocl_model *m, const geocl_batch *batch, const geocl_outputs *out);
/* Save the parameters with "model" and "config" metadata plus extra entries. */
geocl_status geocl_model_save(const geocl_model *m, const char *path, int n_meta, const geocl_st_kv *meta);

/* Read the task and configuration a weights file records (malloc'd strings,
 * NULL when absent). */
geocl_status geocl_weights_info(const char *path, char **task, char **config_json);

#ifdef __cplusplus
}
#endif
#endif
