/* SPDX-License-Identifier: MIT */
/* One training step of a model on random images (or, for tasks of the
 * lidar pipeline, made-up frames): what geocl bench step times and geocl
 * tune records. */
#include <stdlib.h>
#include <string.h>

#include <geocl/train.h>

#include "cli.h"

geocl_status cli_step_create(geocl_ctx *ctx, const char *task, const char *preset, int64_t batch, uint64_t seed,
                             int n_args, const char *const *args, cli_step *s) {
  memset(s, 0, sizeof *s);
  geocl_train_opts to;
  geocl_train_opts_default(&to);
  to.lr = 1e-4;
  /* the sizes the model trains at: its preset's, the arguments', else the task's defaults */
  geocl_model_opts mo = {.task = task, .preset = preset, .args = args, .n_args = n_args, .init_seed = seed};
  geocl_status st = geocl_model_create(ctx, &mo, &s->model);
  const char *pipeline = st == GEOCL_OK ? geocl_model_plugin(s->model)->pipeline : NULL;
  bool lidar = pipeline && !strcmp(pipeline, "lidar");
  if (st == GEOCL_OK) st = geocl_train_optimizer(s->model, &to, &s->optim);
  if (st != GEOCL_OK) {
    cli_step_free(s);
    return st;
  }
  geocl_data_spec spec;
  st = geocl_model_data_spec(s->model, true, &spec, NULL);
  if (st != GEOCL_OK) {
    cli_step_free(s);
    return st;
  }
  int64_t shape[4] = {batch, 3, spec.height, spec.width};
  memcpy(s->shape, shape, sizeof shape);
  s->batch.size = batch;
  s->batch.training = true;
  if (lidar) {
    st = cli_lidar_batch(&spec, batch, seed, &s->lidar);
    if (st != GEOCL_OK) cli_step_free(s);
    return st;
  }
  size_t n = (size_t)(batch * 3 * spec.height * spec.width);
  bool pair = spec.fields & 1u << GEOCL_FIELD_IMAGE2;
  s->host1 = malloc(n * sizeof(float));
  s->host2 = pair ? malloc(n * sizeof(float)) : NULL;
  if (!s->host1 || (pair && !s->host2)) {
    cli_step_free(s);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  geocl_rng_normal(geocl_ctx_rng(ctx), s->host1, n, 0, 1);
  if (s->host2) geocl_rng_normal(geocl_ctx_rng(ctx), s->host2, n, 0, 1);
  return GEOCL_OK;
}

geocl_status cli_step_run(geocl_ctx *ctx, cli_step *s) {
  geocl_batch b = s->batch; /* uploaded each step, as the trainer does */
  geocl_status st = s->lidar.n ? cli_fields_upload(ctx, &s->lidar, &b)
                               : geocl_batch_set(&b, "image1", geocl_from_host(ctx, GEOCL_F32, 4, s->shape, s->host1));
  if (st == GEOCL_OK && s->host2) st = geocl_batch_set(&b, "image2", geocl_from_host(ctx, GEOCL_F32, 4, s->shape, s->host2));
  if (st != GEOCL_OK) return st;
  geocl_params_zero_grad(geocl_model_params(s->model));
  geocl_outputs out;
  st = geocl_model_forward(s->model, &b, &out);
  if (st == GEOCL_OK) st = geocl_backward(geocl_outputs_get(&out, "loss"));
  if (st == GEOCL_OK) st = geocl_optim_step(s->optim);
  float loss;
  if (st == GEOCL_OK) st = geocl_item(geocl_outputs_get(&out, "loss"), &loss);
  return st;
}

void cli_step_free(cli_step *s) {
  free(s->host1);
  free(s->host2);
  cli_fields_free(&s->lidar);
  geocl_optim_free(s->optim);
  geocl_model_free(s->model);
  memset(s, 0, sizeof *s);
}
