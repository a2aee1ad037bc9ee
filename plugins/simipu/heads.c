/* SPDX-License-Identifier: MIT */
/* SimIPU's projection heads (projection_MLP of the official decorator):
 * layer1 = Linear, BN1d, ReLU; layer2 = Linear, BN1d, ReLU; layer3 = Linear,
 * BN1d (no ReLU).  PyTorch's default init (the model never re-initialises
 * them): weight and bias ~ U(±1/√in), BN γ 1, β 0; BN eps 1e-5, momentum 0.1. */
#include <math.h>
#include <stdio.h>

#include "simipu.h"

static const char *name(char *buf, size_t size, const char *prefix, int layer, int part) {
  snprintf(buf, size, "%s.layer%d.%d", prefix, layer + 1, part);
  return buf;
}

geocl_status simipu_head_declare(geocl_params *p, const char *prefix, int64_t in, int64_t hidden, int64_t out) {
  const int64_t dims[4] = {in, hidden, hidden, out};
  char n[160];
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < 3 && st == GEOCL_OK; i++) {
    st = geocl_linear_layer_declare(p, name(n, sizeof n, prefix, i, 0), dims[i], dims[i + 1]);
    if (st == GEOCL_OK) st = geocl_batchnorm_layer_declare(p, name(n, sizeof n, prefix, i, 1), dims[i + 1]);
  }
  return st;
}

geocl_status simipu_head_bind(geocl_params *p, const char *prefix, simipu_head *h) {
  char n[160];
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < 3 && st == GEOCL_OK; i++) {
    st = geocl_linear_layer_bind(p, name(n, sizeof n, prefix, i, 0), &h->fc[i]);
    if (st == GEOCL_OK) st = geocl_batchnorm_layer_bind(p, name(n, sizeof n, prefix, i, 1), 1e-5f, 0.1f, &h->bn[i]);
  }
  return st;
}

geocl_status simipu_head_init(const simipu_head *h, geocl_rng *rng) {
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < 3 && st == GEOCL_OK; i++) {
    float bound = (float)(1.0 / sqrt((double)geocl_dim(h->fc[i].weight, 1)));
    st = geocl_init_uniform(h->fc[i].weight, rng, bound);
    if (st == GEOCL_OK) st = geocl_init_uniform(h->fc[i].bias, rng, bound);
    if (st == GEOCL_OK) st = geocl_batchnorm_layer_init(&h->bn[i]);
  }
  return st;
}

geocl_tensor *simipu_head_apply(const simipu_head *h, geocl_tensor *x, bool training) {
  for (int i = 0; i < 3 && x; i++)
    x = geocl_batchnorm_layer_apply(&h->bn[i], geocl_linear_layer_apply(&h->fc[i], x), NULL, training, i < 2);
  return x;
}
