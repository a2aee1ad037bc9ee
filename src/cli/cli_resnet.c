/* SPDX-License-Identifier: MIT */
/* One ImageNet-style training step of a torchvision ResNet on random images:
 * what geocl bench resnet times and geocl tune --resnet records.  The network
 * is torchvision's resnet<depth> (the backbone of geocl/resnet.h, then global
 * average pooling and fc 1000 classes), initialised as torchvision does; the
 * loss is the mean cross-entropy with random labels; SGD with momentum 0.9,
 * lr 0.1 and weight decay 1e-4 on every parameter (torchvision's recipe). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/optim.h>

#include "cli.h"

#define CLASSES 1000

geocl_status cli_resnet_create(geocl_ctx *ctx, int depth, int64_t batch, int64_t height, int64_t width, uint64_t seed,
                               cli_resnet *s) {
  memset(s, 0, sizeof *s);
  geocl_resnet_config cfg = {.depth = depth, .init = GEOCL_CONV_INIT_KAIMING_FAN_OUT};
  geocl_status st = geocl_params_new(ctx, &s->params);
  if (st == GEOCL_OK) st = geocl_resnet_declare(s->params, "", &cfg);
  int64_t feat = depth >= 50 ? 2048 : 512;
  if (st == GEOCL_OK) st = geocl_params_add(s->params, "fc.weight", GEOCL_SHAPE(CLASSES, feat), 0);
  if (st == GEOCL_OK) st = geocl_params_add(s->params, "fc.bias", GEOCL_SHAPE(CLASSES), 1);
  if (st == GEOCL_OK) st = geocl_params_finalize(s->params);
  if (st == GEOCL_OK) st = geocl_resnet_bind(s->params, "", &cfg, &s->net);
  geocl_rng rng;
  geocl_rng_init(&rng, seed);
  if (st == GEOCL_OK) st = geocl_resnet_init(&s->net, &rng);
  /* fc: torch.nn.Linear's default, U(±1/√in) for weight and bias */
  float *h = st == GEOCL_OK ? malloc(sizeof *h * (size_t)(CLASSES * feat)) : NULL;
  if (st == GEOCL_OK && !h) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = 0; st == GEOCL_OK && i < 2; i++) {
    geocl_tensor *t = geocl_params_find(s->params, i ? "fc.bias" : "fc.weight");
    size_t n = (size_t)geocl_numel(t);
    geocl_rng_uniform(&rng, h, n);
    for (size_t k = 0; k < n; k++) h[k] = (float)((2.0 * h[k] - 1.0) / sqrt((double)feat));
    st = geocl_copy_from_host(t, h, n * sizeof *h);
  }
  free(h);
  geocl_optim_group sgd = geocl_sgd_defaults(0.1);
  sgd.momentum = 0.9;
  sgd.weight_decay = 1e-4;
  if (st == GEOCL_OK)
    st = geocl_optim_new(s->params, geocl_params_group_count(s->params), (geocl_optim_group[]){sgd, sgd}, NULL,
                         &s->optim);
  s->shape[0] = batch;
  s->shape[1] = 3;
  s->shape[2] = height;
  s->shape[3] = width;
  size_t n = (size_t)(batch * 3 * height * width);
  if (st == GEOCL_OK && (!(s->images = malloc(n * sizeof(float))) || !(s->labels = malloc((size_t)batch * 4))))
    st = geocl_set_error(GEOCL_E_NOMEM, "out of memory for %lld images of %lldx%lld", (long long)batch,
                         (long long)height, (long long)width);
  if (st != GEOCL_OK) {
    cli_resnet_free(s);
    return st;
  }
  geocl_rng_normal(&rng, s->images, n, 0, 1);
  for (int64_t i = 0; i < batch; i++) s->labels[i] = (int32_t)geocl_rng_below(&rng, CLASSES);
  return GEOCL_OK;
}

geocl_status cli_resnet_run(geocl_ctx *ctx, cli_resnet *s) {
  geocl_tensor *x = geocl_from_host(ctx, GEOCL_F32, 4, s->shape, s->images); /* uploaded each step */
  geocl_tensor *labels = geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(s->shape[0]), s->labels);
  geocl_params_zero_grad(s->params);
  geocl_tensor *c[4];
  geocl_status st = x && labels ? geocl_resnet_apply(&s->net, x, true, c) : geocl_last_status();
  if (st != GEOCL_OK) return st;
  int64_t feat = geocl_dim(c[3], 1);
  geocl_tensor *pooled = geocl_reshape(geocl_global_avg_pool2d(c[3]), GEOCL_SHAPE(s->shape[0], feat));
  geocl_tensor *logits = geocl_linear(pooled, geocl_params_find(s->params, "fc.weight"),
                                      geocl_params_find(s->params, "fc.bias"));
  geocl_tensor *loss = geocl_mean_all(geocl_cross_entropy(logits, labels));
  st = geocl_backward(loss);
  if (st == GEOCL_OK) st = geocl_optim_step(s->optim);
  float value;
  if (st == GEOCL_OK) st = geocl_item(loss, &value);
  return st;
}

void cli_resnet_free(cli_resnet *s) {
  free(s->images);
  free(s->labels);
  geocl_optim_free(s->optim);
  geocl_resnet_release(&s->net);
  geocl_params_free(s->params);
  memset(s, 0, sizeof *s);
}
