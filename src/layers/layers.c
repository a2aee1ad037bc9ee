/* SPDX-License-Identifier: MIT */
/* Generic layers: linear and LayerNorm layers, initialisers, names. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <geocl/layers.h>

const char *geocl_layer_name(char *buf, size_t size, const char *prefix, const char *name) {
  snprintf(buf, size, "%s.%s", prefix, name);
  return buf;
}

/* ---- declaration ---- */

geocl_status geocl_linear_layer_declare(geocl_params *p, const char *prefix, int64_t in, int64_t out) {
  char n[160];
  geocl_status st = geocl_params_add(p, geocl_layer_name(n, sizeof n, prefix, "weight"), GEOCL_SHAPE(out, in), GEOCL_PARAM_DECAY);
  if (st == GEOCL_OK) st = geocl_params_add(p, geocl_layer_name(n, sizeof n, prefix, "bias"), GEOCL_SHAPE(out), GEOCL_PARAM_NO_DECAY);
  return st;
}

geocl_status geocl_layernorm_layer_declare(geocl_params *p, const char *prefix, int64_t dim) {
  char n[160];
  geocl_status st = geocl_params_add(p, geocl_layer_name(n, sizeof n, prefix, "weight"), GEOCL_SHAPE(dim), GEOCL_PARAM_NO_DECAY);
  if (st == GEOCL_OK) st = geocl_params_add(p, geocl_layer_name(n, sizeof n, prefix, "bias"), GEOCL_SHAPE(dim), GEOCL_PARAM_NO_DECAY);
  return st;
}

/* ---- binding ---- */

static geocl_status bind_pair(geocl_params *p, const char *prefix, geocl_tensor **w, geocl_tensor **b) {
  char n[160];
  *w = geocl_params_find(p, geocl_layer_name(n, sizeof n, prefix, "weight"));
  *b = geocl_params_find(p, geocl_layer_name(n, sizeof n, prefix, "bias"));
  return (*w && *b) ? GEOCL_OK : geocl_last_status();
}

geocl_status geocl_linear_layer_bind(geocl_params *p, const char *prefix, geocl_linear_layer *l) {
  return bind_pair(p, prefix, &l->weight, &l->bias);
}

geocl_status geocl_layernorm_layer_bind(geocl_params *p, const char *prefix, geocl_layernorm_layer *nm) {
  return bind_pair(p, prefix, &nm->weight, &nm->bias);
}

/* ---- initialisation ---- */

static geocl_status fill_from_host(geocl_tensor *t, float *host) {
  geocl_status st = geocl_copy_from_host(t, host, (size_t)geocl_numel(t) * 4);
  free(host);
  return st;
}

geocl_status geocl_init_uniform(geocl_tensor *t, geocl_rng *rng, float bound) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory initialising %s", geocl_tensor_name(t));
  geocl_rng_uniform(rng, h, n);
  for (size_t i = 0; i < n; i++) h[i] = bound * (2.0f * h[i] - 1.0f);
  return fill_from_host(t, h);
}

geocl_status geocl_init_normal(geocl_tensor *t, geocl_rng *rng, float mean, float std) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory initialising %s", geocl_tensor_name(t));
  geocl_rng_normal(rng, h, n, mean, std);
  return fill_from_host(t, h);
}

geocl_status geocl_init_const(geocl_tensor *t, float value) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory initialising %s", geocl_tensor_name(t));
  for (size_t i = 0; i < n; i++) h[i] = value;
  return fill_from_host(t, h);
}

geocl_status geocl_linear_layer_init(const geocl_linear_layer *l, geocl_rng *rng) {
  /* torch.nn.init.xavier_uniform_: U(±√(6/(fan_in + fan_out))) */
  double fan = (double)geocl_dim(l->weight, 0) + (double)geocl_dim(l->weight, 1);
  geocl_status st = geocl_init_uniform(l->weight, rng, (float)sqrt(6.0 / fan));
  return st == GEOCL_OK ? geocl_init_const(l->bias, 0.0f) : st;
}

geocl_status geocl_layernorm_layer_init(const geocl_layernorm_layer *n) {
  if (!n->weight) return GEOCL_OK;
  geocl_status st = geocl_init_const(n->weight, 1.0f);
  return st == GEOCL_OK ? geocl_init_const(n->bias, 0.0f) : st;
}

/* ---- forward ---- */

geocl_tensor *geocl_linear_layer_apply(const geocl_linear_layer *l, geocl_tensor *x) { return geocl_linear(x, l->weight, l->bias); }

geocl_tensor *geocl_layernorm_layer_apply(const geocl_layernorm_layer *n, geocl_tensor *x, float eps) {
  return n->weight ? geocl_layernorm(x, n->weight, n->bias, eps) : x;
}
