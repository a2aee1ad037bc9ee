/* SPDX-License-Identifier: MIT */
/* Test-only stereo-like head for tiled inference: no network, a prediction
 * whose value tells where it came from.  On a crop of img_size it predicts
 *   prediction = x + w·image1[0]   (x: the column within the crop; w: the one
 *                                   parameter, 1 after init)
 *   conf       = conf_scale·y      (y: the row within the crop)
 * so a blend of overlapping tiles can be worked out by hand. */
#include <stdlib.h>

#include <geocl/geocl.h>

typedef struct dense {
  geocl_ctx *ctx;
  geocl_params *params;
  int64_t h, w;
  float conf_scale;
} dense;

static const geocl_option options[] = {
    {"img_size", GEOCL_OPTION_SIZE, "32x48", "crop the model takes"},
    {"conf_scale", GEOCL_OPTION_FLOAT, "0.1", "confidence per row of the crop"},
    {"tile_conf_mode", GEOCL_OPTION_STRING, "conf_expsigmoid_15_3", "how tiles are weighted"},
    {NULL},
};
static const geocl_preset presets[] = {{NULL}};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *bb,
                           void **out) {
  (void)bb;
  dense *d = calloc(1, sizeof *d);
  if (!d) return geocl_set_error(GEOCL_E_NOMEM, "testdense: out of memory");
  *out = d;
  d->ctx = ctx;
  d->params = params;
  geocl_config_size(cfg, "img_size", &d->h, &d->w);
  d->conf_scale = (float)geocl_config_float(cfg, "conf_scale");
  return geocl_params_add(params, "w", GEOCL_SHAPE(1), GEOCL_PARAM_NO_DECAY);
}

static geocl_status init_weights(void *state, geocl_rng *rng) {
  (void)rng;
  dense *d = state;
  return geocl_init_const(geocl_params_find(d->params, "w"), 1.0f);
}

static geocl_status input_size(void *state, geocl_input_size *size) {
  const dense *d = state;
  *size = (geocl_input_size){d->h, d->w, 0};
  return GEOCL_OK;
}

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  dense *d = state;
  geocl_tensor *img = geocl_batch_require(b, "testdense", "image1");
  if (!img) return geocl_last_status();
  size_t n = (size_t)(d->h * d->w);
  float *xs = malloc(n * sizeof *xs), *ys = malloc(n * sizeof *ys);
  if (!xs || !ys) return geocl_set_error(GEOCL_E_NOMEM, "testdense: out of memory");
  for (size_t i = 0; i < n; i++) {
    xs[i] = (float)(i % (size_t)d->w);
    ys[i] = d->conf_scale * (float)(i / (size_t)d->w);
  }
  geocl_tensor *x = geocl_from_host(d->ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, d->h, d->w), xs);
  geocl_tensor *y = geocl_from_host(d->ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, d->h, d->w), ys);
  free(xs);
  free(ys);
  geocl_tensor *red = geocl_narrow(img, 1, 0, 1), *w = geocl_params_find(d->params, "w");
  geocl_tensor *pred = geocl_add(geocl_mul(red, w), x);
  geocl_tensor *conf = geocl_add(geocl_mul(red, geocl_scale(w, 0.0f)), y); /* [B, 1, h, w] */
  geocl_status st = geocl_outputs_add(out, "prediction", pred);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "conf", conf);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "loss", geocl_mean_all(pred));
  return st;
}

static void destroy(void *state) { free(state); }

static const char *const train_fields[] = {"image1", "image2", "disparity", "valid", NULL};
static const char *const infer_fields[] = {"image1", "image2", NULL};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "testdense",
    .kind = GEOCL_PLUGIN_PRETEXT,
    .summary = "test: a dense prediction that tells where it came from",
    .options = options,
    .presets = presets,
    .train_fields = train_fields,
    .infer_fields = infer_fields,
    .pipeline = "dense",
    .input_size = input_size,
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
