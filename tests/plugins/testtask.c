/* SPDX-License-Identifier: MIT */
/* Test-only pretext plugin: loss = scale · mean(image1 · image2).  Proves a
 * plugin is found, configured and run through the public API alone. */
#include <geocl/geocl.h>
#include <geocl/plugin.h>
#include <stdlib.h>

typedef struct state {
  float scale;
} state;

static const geocl_option options[] = {
    {"scale", GEOCL_OPTION_FLOAT, "1.0", "multiplies the loss"},
    {"img_size", GEOCL_OPTION_SIZE, "8", "input height x width"},
    {"depth", GEOCL_OPTION_INT, "2", "unused"},
    {"flag", GEOCL_OPTION_BOOL, "false", "unused"},
    {"name", GEOCL_OPTION_STRING, "x", "unused"},
    {NULL},
};

static const geocl_preset presets[] = {
    {"half", "scale 0.5", "scale=0.5 depth=3", 0},
    {"broken", "a preset with a bad value", "depth=deep", 0},
    {NULL},
};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *backbone,
                           void **out) {
  state *s = malloc(sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "testtask: out of memory");
  s->scale = (float)geocl_config_float(cfg, "scale");
  *out = s;
  return GEOCL_OK;
}

static geocl_status init_weights(void *st, geocl_rng *rng) { return GEOCL_OK; }

static geocl_status forward(void *st, const geocl_batch *b, geocl_outputs *out) {
  state *s = st;
  geocl_tensor *x = geocl_mul(geocl_batch_require(b, "testtask", "image1"), geocl_batch_require(b, "testtask", "image2"));
  return geocl_outputs_add(out, "loss", geocl_scale(geocl_mean_all(x), s->scale));
}

static const char *const fields[] = {"image1", "image2", NULL};

static void destroy(void *st) { free(st); }

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "testtask",
    .kind = GEOCL_PLUGIN_PRETEXT,
    .summary = "test plugin",
    .train_fields = fields,
    .infer_fields = fields,
    .options = options,
    .presets = presets,
    .default_preset = "half",
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
