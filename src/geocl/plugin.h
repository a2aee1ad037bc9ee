/* SPDX-License-Identifier: MIT */
/* Plugins: pretext tasks (croco, mae, simipu, ...) and downstream heads,
 * loaded from $GEOCL_PLUGIN_PATH and $(pkglibdir)/plugins.
 *
 * A plugin is a shared object linked against libgeocl that exports
 *
 *     const geocl_plugin *geocl_plugin_entry(void);
 *
 * returning a static descriptor whose first two fields are the ABI number it
 * was built with (GEOCL_PLUGIN_ABI) and its name.  Everything a plugin needs
 * comes from libgeocl's public API (ops, params, config), never from the
 * executable that loads it.  docs/writing-a-plugin.md walks through one. */
#ifndef GEOCL_PLUGIN_H
#define GEOCL_PLUGIN_H

#include <stdint.h>

#include <geocl/config.h>
#include <geocl/context.h>
#include <geocl/rng.h>
#include <geocl/tensor.h>
#include <geocl/version.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_params geocl_params;

typedef enum geocl_plugin_kind { GEOCL_PLUGIN_PRETEXT = 1, GEOCL_PLUGIN_HEAD = 2 } geocl_plugin_kind;

/* One step's inputs. */
typedef struct geocl_batch {
  int64_t size;
  geocl_tensor *image1; /* [B, 3, H, W], ImageNet-normalised */
  geocl_tensor *image2; /* second view, or NULL for single-image tasks */
  geocl_tensor *mask;   /* optional f32 [B, N], 1 = masked; NULL: the task draws one */
} geocl_batch;

/* Named results of a forward pass; "loss" (one element) is required. */
#define GEOCL_MAX_OUTPUTS 16
typedef struct geocl_outputs {
  int n;
  const char *names[GEOCL_MAX_OUTPUTS];
  geocl_tensor *tensors[GEOCL_MAX_OUTPUTS];
} geocl_outputs;

geocl_status geocl_outputs_add(geocl_outputs *out, const char *name, geocl_tensor *t);
geocl_tensor *geocl_outputs_get(const geocl_outputs *out, const char *name);

typedef struct geocl_plugin {
  uint32_t abi; /* GEOCL_PLUGIN_ABI */
  const char *name;
  geocl_plugin_kind kind;
  const char *summary;
  /* What a batch holds: "pair" (image1 and image2) or "image" (image1 only). */
  const char *inputs;
  const geocl_option *options; /* constructor options, NULL-terminated */
  const geocl_preset *presets; /* NULL-terminated */
  /* The preset a new training run starts from when none is named (option
   * defaults are the original constructor's, which a checkpoint's recorded
   * config is applied over). */
  const char *default_preset;
  /* Build the model for cfg: declare its parameters in params (the host
   * finalises them afterwards) and return the plugin's state. */
  geocl_status (*create)(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, void **state);
  /* Initialise the parameters as the original implementation does. */
  geocl_status (*init_weights)(void *state, geocl_rng *rng);
  /* Forward pass on a batch, recording the tape when gradients are wanted. */
  geocl_status (*forward)(void *state, const geocl_batch *batch, geocl_outputs *out);
  /* Optional: a picture of a forward pass, [B, 3, H, W'] with values in [0, 1]. */
  geocl_tensor *(*visualize)(void *state, const geocl_batch *batch, const geocl_outputs *out);
  void (*destroy)(void *state);
} geocl_plugin;

#define GEOCL_PLUGIN_ENTRY "geocl_plugin_entry"

/* The plugin named `name` (E_NOT_FOUND lists those available). */
geocl_status geocl_plugin_find(const char *name, const geocl_plugin **out);
/* Every loaded plugin, and notes on skipped files ("" if none); do not free. */
void geocl_plugin_list(const geocl_plugin *const **plugins, int *count, const char **notes);
/* A config holding the plugin's option defaults. */
geocl_config *geocl_plugin_config(const geocl_plugin *p);

#ifdef __cplusplus
}
#endif
#endif
