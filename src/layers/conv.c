/* SPDX-License-Identifier: MIT */
/* Convolution and batch-norm layers (geocl/conv.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <geocl/conv.h>

/* Parameter groups: the ViT blocks' rule (weights decayed, the rest not). */
enum { GROUP_DECAY = 0, GROUP_NO_DECAY = 1 };

/* "prefix.name", or "name" for an empty prefix */
static const char *join(char *buf, size_t size, const char *prefix, const char *name) {
  snprintf(buf, size, "%s%s%s", prefix, *prefix ? "." : "", name);
  return buf;
}

/* t from host values made by fill (n values), through a temporary buffer */
static geocl_status init_host(geocl_tensor *t, void (*fill)(float *, size_t, geocl_rng *, float), geocl_rng *rng,
                              float arg) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * sizeof *h + sizeof *h);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory initialising %s", geocl_tensor_name(t));
  fill(h, n, rng, arg);
  geocl_status st = geocl_copy_from_host(t, h, n * sizeof *h);
  free(h);
  return st;
}

static void fill_const(float *h, size_t n, geocl_rng *rng, float v) {
  for (size_t i = 0; i < n; i++) h[i] = v;
}

static void fill_normal(float *h, size_t n, geocl_rng *rng, float std) { geocl_rng_normal(rng, h, n, 0.0f, std); }

static void fill_uniform(float *h, size_t n, geocl_rng *rng, float bound) {
  geocl_rng_uniform(rng, h, n);
  for (size_t i = 0; i < n; i++) h[i] = bound * (2.0f * h[i] - 1.0f);
}

/* ---- conv2d ---- */

geocl_status geocl_conv2d_layer_declare(geocl_params *p, const char *prefix, int64_t in, int64_t out, int64_t kh,
                                        int64_t kw, int64_t groups, bool bias) {
  char n[192];
  if (groups < 1 || in % groups || out % groups)
    return geocl_set_error(GEOCL_E_INVALID, "conv2d layer %s: %lld groups do not divide %lld input and %lld output "
                           "channels", prefix, (long long)groups, (long long)in, (long long)out);
  geocl_status st = geocl_params_add(p, join(n, sizeof n, prefix, "weight"), GEOCL_SHAPE(out, in / groups, kh, kw),
                                     GROUP_DECAY);
  if (st == GEOCL_OK && bias) st = geocl_params_add(p, join(n, sizeof n, prefix, "bias"), GEOCL_SHAPE(out), GROUP_NO_DECAY);
  return st;
}

geocl_status geocl_conv2d_layer_bind(geocl_params *p, const char *prefix, const geocl_conv2d_opts *opts,
                                     geocl_conv2d_layer *l) {
  char n[192];
  l->weight = geocl_params_find(p, join(n, sizeof n, prefix, "weight"));
  if (!l->weight) return geocl_last_status();
  join(n, sizeof n, prefix, "bias");
  l->bias = geocl_params_index(p, n) >= 0 ? geocl_params_find(p, n) : NULL;
  l->opts = opts ? *opts : (geocl_conv2d_opts){.groups = 1};
  return GEOCL_OK;
}

geocl_status geocl_conv2d_layer_init(const geocl_conv2d_layer *l, geocl_conv_init how, geocl_rng *rng) {
  const int64_t *s = geocl_shape(l->weight);
  double receptive = (double)s[2] * (double)s[3];
  if (how == GEOCL_CONV_INIT_KAIMING_FAN_OUT) {
    geocl_status st = init_host(l->weight, fill_normal, rng, (float)sqrt(2.0 / ((double)s[0] * receptive)));
    return st == GEOCL_OK && l->bias ? init_host(l->bias, fill_const, rng, 0.0f) : st;
  }
  float bound = (float)(1.0 / sqrt((double)s[1] * receptive));
  geocl_status st = init_host(l->weight, fill_uniform, rng, bound);
  return st == GEOCL_OK && l->bias ? init_host(l->bias, fill_uniform, rng, bound) : st;
}

geocl_tensor *geocl_conv2d_layer_apply(const geocl_conv2d_layer *l, geocl_tensor *x) {
  return geocl_conv2d(x, l->weight, l->bias, &l->opts);
}

/* ---- batch norm ---- */

geocl_status geocl_batchnorm_layer_declare(geocl_params *p, const char *prefix, int64_t channels) {
  char n[192];
  geocl_status st = geocl_params_add(p, join(n, sizeof n, prefix, "weight"), GEOCL_SHAPE(channels), GROUP_NO_DECAY);
  if (st == GEOCL_OK) st = geocl_params_add(p, join(n, sizeof n, prefix, "bias"), GEOCL_SHAPE(channels), GROUP_NO_DECAY);
  if (st == GEOCL_OK) st = geocl_params_add_buffer(p, join(n, sizeof n, prefix, "running_mean"), GEOCL_SHAPE(channels));
  if (st == GEOCL_OK) st = geocl_params_add_buffer(p, join(n, sizeof n, prefix, "running_var"), GEOCL_SHAPE(channels));
  if (st == GEOCL_OK) st = geocl_params_add_buffer(p, join(n, sizeof n, prefix, "num_batches_tracked"), 0, NULL);
  return st;
}

geocl_status geocl_batchnorm_layer_bind(geocl_params *p, const char *prefix, float eps, float momentum,
                                        geocl_batchnorm_layer *l) {
  char n[192];
  geocl_tensor **slot[5] = {&l->weight, &l->bias, &l->running_mean, &l->running_var, &l->num_batches_tracked};
  static const char *const names[5] = {"weight", "bias", "running_mean", "running_var", "num_batches_tracked"};
  for (int i = 0; i < 5; i++)
    if (!(*slot[i] = geocl_params_find(p, join(n, sizeof n, prefix, names[i])))) return geocl_last_status();
  if (!(eps >= 0) || !(momentum >= 0 && momentum <= 1))
    return geocl_set_error(GEOCL_E_INVALID, "batch norm layer %s: eps %g must not be negative, momentum %g within "
                           "[0, 1]", prefix, eps, momentum);
  l->eps = eps;
  l->momentum = momentum;
  return GEOCL_OK;
}

geocl_status geocl_batchnorm_layer_init(const geocl_batchnorm_layer *l) {
  geocl_tensor *const t[5] = {l->weight, l->bias, l->running_mean, l->running_var, l->num_batches_tracked};
  static const float value[5] = {1, 0, 0, 1, 0};
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < 5 && st == GEOCL_OK; i++) st = init_host(t[i], fill_const, NULL, value[i]);
  return st;
}

geocl_tensor *geocl_batchnorm_layer_apply(const geocl_batchnorm_layer *l, geocl_tensor *x, geocl_tensor *residual,
                                          bool training, bool relu) {
  if (!x) return NULL;
  if (!training) return geocl_batchnorm(x, l->running_mean, l->running_var, l->weight, l->bias, residual, l->eps, relu);
  geocl_tensor *stats = geocl_batchnorm_stats(x);
  if (!stats) return NULL;
  int64_t c = geocl_dim(stats, 1);
  if (geocl_batchnorm_update_running(l->running_mean, l->running_var, l->num_batches_tracked, stats,
                                     geocl_numel(x) / c, l->momentum) != GEOCL_OK)
    return NULL;
  geocl_tensor *mean = geocl_reshape(geocl_narrow(stats, 0, 0, 1), 1, &c);
  geocl_tensor *var = geocl_reshape(geocl_narrow(stats, 0, 1, 1), 1, &c);
  return geocl_batchnorm(x, mean, var, l->weight, l->bias, residual, l->eps, relu);
}
