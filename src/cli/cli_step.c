/* SPDX-License-Identifier: MIT */
/* One training step of a model on random images (with made-up targets for
 * downstream heads; for tasks of the lidar pipeline, made-up frames): what
 * geocl bench step times and geocl tune records. */
#include <stdlib.h>
#include <string.h>

#include <geocl/train.h>

#include "cli.h"

/* The dense targets of downstream heads, made up so that their losses run:
 * values in [lo, hi), every pixel valid.  They mean nothing; the step's work
 * does not depend on them. */
static const struct {
  geocl_field field;
  int channels;
  float lo, hi;
} made_up_targets[] = {
    {GEOCL_FIELD_DEPTH, 1, 1.0f, 20.0f},
    {GEOCL_FIELD_DISPARITY, 1, 1.0f, 32.0f},
    {GEOCL_FIELD_FLOW, 2, -8.0f, 8.0f},
    {GEOCL_FIELD_VALID, 1, 1.0f, 1.0f},
};

static geocl_status make_up_targets(geocl_ctx *ctx, const char *task, const geocl_data_spec *spec, int64_t batch,
                                    cli_fields *out) {
  geocl_fields made = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_MASK;
  for (size_t t = 0; t < sizeof made_up_targets / sizeof *made_up_targets; t++) {
    if (!(spec->fields & 1u << made_up_targets[t].field)) continue;
    made |= 1u << made_up_targets[t].field;
    geocl_field_layout *l = &out->layout[out->n];
    *l = (geocl_field_layout){.name = geocl_field_name(made_up_targets[t].field), .dtype = GEOCL_F32, .ndim = 3,
                              .shape = {made_up_targets[t].channels, spec->height, spec->width}};
    size_t n = (size_t)(batch * l->shape[0] * l->shape[1] * l->shape[2]);
    float *v = malloc(n * sizeof *v);
    if (!v) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    out->data[out->n++] = v;
    geocl_rng_uniform(geocl_ctx_rng(ctx), v, n);
    for (size_t i = 0; i < n; i++) v[i] = made_up_targets[t].lo + (made_up_targets[t].hi - made_up_targets[t].lo) * v[i];
  }
  geocl_fields missing = spec->fields & ~made;
  for (int f = 0; f < GEOCL_FIELD_COUNT; f++)
    if (missing & 1u << f)
      return geocl_set_error(GEOCL_E_INVALID, "task '%s' needs field '%s', which a step on made-up data cannot give",
                             task, geocl_field_name((geocl_field)f));
  return GEOCL_OK;
}

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
  st = make_up_targets(ctx, task, &spec, batch, &s->targets);
  if (st != GEOCL_OK) cli_step_free(s);
  return st;
}

geocl_status cli_step_run(geocl_ctx *ctx, cli_step *s) {
  geocl_batch b = s->batch; /* uploaded each step, as the trainer does */
  geocl_status st = s->lidar.n ? cli_fields_upload(ctx, &s->lidar, &b)
                               : geocl_batch_set(&b, "image1", geocl_from_host(ctx, GEOCL_F32, 4, s->shape, s->host1));
  if (st == GEOCL_OK && s->host2) st = geocl_batch_set(&b, "image2", geocl_from_host(ctx, GEOCL_F32, 4, s->shape, s->host2));
  if (st == GEOCL_OK) st = cli_fields_upload(ctx, &s->targets, &b);
  if (st != GEOCL_OK) return st;
  geocl_params_zero_grad(geocl_model_params(s->model));
  geocl_outputs out;
  st = geocl_model_forward(s->model, &b, &out);
  geocl_tensor *loss = st == GEOCL_OK ? geocl_outputs_get(&out, "loss") : NULL;
  if (st == GEOCL_OK && !loss)
    st = geocl_set_error(GEOCL_E_STATE, "task %s returned no loss (it does not train)", geocl_model_plugin(s->model)->name);
  if (st == GEOCL_OK) st = geocl_backward(loss);
  if (st == GEOCL_OK) st = geocl_optim_step(s->optim);
  float value;
  if (st == GEOCL_OK) st = geocl_item(loss, &value);
  return st;
}

void cli_step_free(cli_step *s) {
  free(s->host1);
  free(s->host2);
  cli_fields_free(&s->lidar);
  cli_fields_free(&s->targets);
  geocl_optim_free(s->optim);
  geocl_model_free(s->model);
  memset(s, 0, sizeof *s);
}
