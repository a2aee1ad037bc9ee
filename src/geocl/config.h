/* SPDX-License-Identifier: MIT */
/* Typed key=value configuration of a task (model and loss options).
 *
 * A plugin declares its options (official constructor names, e.g.
 * enc_embed_dim) with a type, default and help text, and named presets.  The
 * host builds a config from the defaults, then a preset, then a checkpoint's
 * recorded config, then the user's key=value arguments, validating each. */
#ifndef GEOCL_CONFIG_H
#define GEOCL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_option_type {
  GEOCL_OPTION_INT,
  GEOCL_OPTION_FLOAT,
  GEOCL_OPTION_BOOL,   /* true/false, 1/0 */
  GEOCL_OPTION_STRING,
  GEOCL_OPTION_SIZE    /* "224" (square) or "224x320" (height x width); JSON 224 or [224, 320] */
} geocl_option_type;

typedef struct geocl_option {
  const char *key; /* NULL ends a list */
  geocl_option_type type;
  const char *default_value;
  const char *help;
} geocl_option;

typedef struct geocl_preset {
  const char *name; /* NULL ends a list */
  const char *summary;
  const char *settings; /* space-separated key=value pairs over the defaults */
  /* Base learning rate for training runs of this preset (lr = blr·batch/256);
   * 0: the trainer's default, CroCo's 1.5e-4.  Short CPU runs need more. */
  double blr;
} geocl_preset;

typedef struct geocl_config geocl_config;

geocl_config *geocl_config_new(const char *owner, const geocl_option *options);
void geocl_config_free(geocl_config *cfg);
/* Set one option from text; errors name the option, the value and what was expected. */
geocl_status geocl_config_set(geocl_config *cfg, const char *key, const char *value);
/* "key=value" */
geocl_status geocl_config_set_arg(geocl_config *cfg, const char *arg);
/* Apply a preset by name (error lists the presets). */
geocl_status geocl_config_apply_preset(geocl_config *cfg, const geocl_preset *presets, const char *name);
/* Apply a JSON object of constructor arguments (as recorded in checkpoints). */
geocl_status geocl_config_apply_json(geocl_config *cfg, const char *json);
/* The whole config as a JSON object (malloc'd). */
char *geocl_config_to_json(const geocl_config *cfg);

int64_t geocl_config_int(const geocl_config *cfg, const char *key);
double geocl_config_float(const geocl_config *cfg, const char *key);
bool geocl_config_bool(const geocl_config *cfg, const char *key);
const char *geocl_config_str(const geocl_config *cfg, const char *key);
/* SIZE options: height and width. */
void geocl_config_size(const geocl_config *cfg, const char *key, int64_t *height, int64_t *width);
/* Was the option set explicitly (preset, checkpoint or user) rather than defaulted? */
bool geocl_config_is_set(const geocl_config *cfg, const char *key);

#ifdef __cplusplus
}
#endif
#endif
