/* SPDX-License-Identifier: MIT */
/* AdamW and SGD over the flat parameter buffer: one kernel per group and
 * step, global-norm clipping on the device. */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include <geocl/optim.h>

#include "optim_internal.h"

geocl_optim_group geocl_adamw_defaults(void) {
  return (geocl_optim_group){
      .kind = GEOCL_OPTIM_ADAMW, .lr = 1e-3, .weight_decay = 1e-2, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8};
}

geocl_optim_group geocl_sgd_defaults(double lr) { return (geocl_optim_group){.kind = GEOCL_OPTIM_SGD, .lr = lr}; }

const char *optim_kind_name(geocl_optim_kind k) { return k == GEOCL_OPTIM_ADAMW ? "adamw" : "sgd"; }

geocl_status optim_check_settings(int g, const geocl_optim_group *s) {
  const char *k = optim_kind_name(s->kind);
  if (s->kind != GEOCL_OPTIM_ADAMW && s->kind != GEOCL_OPTIM_SGD)
    return geocl_set_error(GEOCL_E_INVALID, "optim: group %d: unknown kind %d", g, (int)s->kind);
  if (!(s->lr >= 0 && s->lr <= DBL_MAX) || !(s->weight_decay >= 0 && s->weight_decay <= DBL_MAX))
    return geocl_set_error(GEOCL_E_INVALID, "optim: group %d (%s): lr %g and weight_decay %g must be finite and >= 0",
                           g, k, s->lr, s->weight_decay);
  if (s->kind == GEOCL_OPTIM_ADAMW && !(s->beta1 >= 0 && s->beta1 < 1 && s->beta2 >= 0 && s->beta2 < 1 && s->eps >= 0 && s->eps <= DBL_MAX))
    return geocl_set_error(GEOCL_E_INVALID, "optim: group %d (adamw): betas (%g, %g) must lie in [0, 1), eps %g >= 0",
                           g, s->beta1, s->beta2, s->eps);
  if (s->kind == GEOCL_OPTIM_SGD && !(s->momentum >= 0 && s->momentum <= DBL_MAX && s->dampening >= 0 && s->dampening <= 1))
    return geocl_set_error(GEOCL_E_INVALID, "optim: group %d (sgd): momentum %g must be >= 0, dampening %g in [0, 1]",
                           g, s->momentum, s->dampening);
  if (s->kind == GEOCL_OPTIM_SGD && s->nesterov && (s->momentum <= 0 || s->dampening != 0))
    return geocl_set_error(GEOCL_E_INVALID, "optim: group %d (sgd): nesterov needs momentum > 0 and dampening 0", g);
  return GEOCL_OK;
}

/* A zero-filled tensor outside all scopes (NULL on failure). */
static geocl_tensor *persistent_zeros(geocl_ctx *ctx, int ndim, const int64_t *shape) {
  geocl_tensor *t = geocl_zeros(ctx, GEOCL_F32, ndim, shape);
  geocl_tensor_persist(t);
  return t;
}

int optim_state_count(const geocl_optim_group *s, int64_t steps) {
  if (s->kind == GEOCL_OPTIM_ADAMW) return 2;
  return s->momentum != 0 && steps > 0 ? 1 : 0;
}

geocl_status optim_ensure_state(geocl_optim *o, optim_group *gs) {
  bool sgd_momentum = gs->s.kind == GEOCL_OPTIM_SGD && gs->s.momentum != 0;
  if ((gs->s.kind == GEOCL_OPTIM_ADAMW || sgd_momentum) && !gs->m &&
      !(gs->m = persistent_zeros(o->ctx, GEOCL_SHAPE(gs->size))))
    return geocl_last_status();
  if (gs->s.kind == GEOCL_OPTIM_ADAMW && !gs->v && !(gs->v = persistent_zeros(o->ctx, GEOCL_SHAPE(gs->size))))
    return geocl_last_status();
  return GEOCL_OK;
}

static geocl_status setup_norm(geocl_optim *o) {
  int64_t n = geocl_numel(geocl_params_grads(o->params));
  int64_t rows = (n + NORM_COLS - 1) / NORM_COLS;
  o->norm_rows = rows < 1 ? 1 : rows > NORM_MAX_ROWS ? NORM_MAX_ROWS : rows;
  int64_t chunk = o->norm_rows * NORM_COLS;
  o->norm_chunks = (n + chunk - 1) / chunk;
  o->squares = persistent_zeros(o->ctx, GEOCL_SHAPE(chunk));
  o->partials = persistent_zeros(o->ctx, GEOCL_SHAPE(o->norm_chunks * NORM_COLS));
  o->column_sums = persistent_zeros(o->ctx, GEOCL_SHAPE(NORM_COLS));
  o->sumsq = persistent_zeros(o->ctx, 0, NULL);
  o->norm = persistent_zeros(o->ctx, 0, NULL);
  o->coef = persistent_zeros(o->ctx, 0, NULL);
  bool ok = o->squares && o->partials && o->column_sums && o->sumsq && o->norm && o->coef;
  return ok ? GEOCL_OK : geocl_last_status();
}

void geocl_optim_free(geocl_optim *o) {
  if (!o) return;
  for (int g = 0; g < o->n_groups; g++) {
    geocl_tensor_free(o->g[g].m);
    geocl_tensor_free(o->g[g].v);
  }
  geocl_tensor *scratch[] = {o->squares, o->partials, o->column_sums, o->sumsq, o->norm, o->coef};
  for (size_t i = 0; i < sizeof scratch / sizeof *scratch; i++) geocl_tensor_free(scratch[i]);
  free(o->g);
  free(o);
}

geocl_status geocl_optim_new(geocl_params *params, int n_groups, const geocl_optim_group *groups,
                             const geocl_optim_opts *opts, geocl_optim **out) {
  *out = NULL;
  geocl_tensor *values = geocl_params_values(params);
  if (!values) return geocl_set_error(GEOCL_E_STATE, "optim: the parameter registry is not finalized");
  if (n_groups != geocl_params_group_count(params))
    return geocl_set_error(GEOCL_E_INVALID, "optim: %d group settings for %d parameter groups", n_groups,
                           geocl_params_group_count(params));
  for (int g = 0; g < n_groups; g++) {
    geocl_status st = optim_check_settings(g, &groups[g]);
    if (st != GEOCL_OK) return st;
  }
  if (opts && !(opts->max_grad_norm >= 0))
    return geocl_set_error(GEOCL_E_INVALID, "optim: max_grad_norm %g must be >= 0", opts->max_grad_norm);
  geocl_optim *o = calloc(1, sizeof *o);
  if (!o || !(o->g = calloc((size_t)n_groups + 1, sizeof *o->g))) {
    free(o);
    return geocl_set_error(GEOCL_E_NOMEM, "optim: out of memory");
  }
  o->params = params;
  o->ctx = geocl_tensor_ctx(values);
  o->n_groups = n_groups;
  o->max_grad_norm = opts ? opts->max_grad_norm : 0;
  o->norm_on = opts && (opts->max_grad_norm > 0 || opts->track_grad_norm);
  geocl_status st = o->norm_on ? setup_norm(o) : GEOCL_OK;
  for (int g = 0; st == GEOCL_OK && g < n_groups; g++) {
    optim_group *gs = &o->g[g];
    gs->s = groups[g];
    gs->base_lr = groups[g].lr;
    geocl_params_group_span(params, g, &gs->offset, &gs->size);
    st = optim_ensure_state(o, gs);
  }
  if (st != GEOCL_OK) {
    geocl_optim_free(o);
    return st;
  }
  *out = o;
  return GEOCL_OK;
}

/* --- the step --- */

static geocl_bref bref_at(geocl_tensor *t, int64_t offset) {
  geocl_bref r = geocl_tensor_bref(t);
  r.off += (size_t)offset;
  return r;
}

/* sumsq = Σ grad², then norm = √sumsq, all enqueued. */
static geocl_status grad_norm(geocl_optim *o) {
  geocl_backend *be = o->ctx->be;
  geocl_tensor *grads = geocl_params_grads(o->params);
  int64_t n = geocl_numel(grads), chunk = o->norm_rows * NORM_COLS;
  const int64_t cols[1] = {NORM_COLS}, unit[1] = {1};
  geocl_status st = n == 0 ? be->ops->fill(be, 1, 0, geocl_tensor_bref(o->sumsq)) : GEOCL_OK;
  for (int64_t c = 0; st == GEOCL_OK && c < o->norm_chunks; c++) {
    int64_t len = n - c * chunk < chunk ? n - c * chunk : chunk;
    if (len < chunk) st = be->ops->fill(be, chunk - len, 0, bref_at(o->squares, len));
    if (st == GEOCL_OK)
      st = be->ops->unary(be, GEOCL_UN_SQUARE, len, 0, bref_at(grads, c * chunk), geocl_tensor_bref(o->squares));
    if (st == GEOCL_OK)
      st = be->ops->sum(be, 1, cols, unit, 1, &o->norm_rows, cols, 1, geocl_tensor_bref(o->squares),
                        bref_at(o->partials, c * NORM_COLS));
  }
  if (st == GEOCL_OK && n > 0)
    st = be->ops->sum(be, 1, cols, unit, 1, &o->norm_chunks, cols, 1, geocl_tensor_bref(o->partials),
                      geocl_tensor_bref(o->column_sums));
  if (st == GEOCL_OK && n > 0)
    st = be->ops->sum(be, 0, NULL, NULL, 1, cols, unit, 1, geocl_tensor_bref(o->column_sums),
                      geocl_tensor_bref(o->sumsq));
  if (st == GEOCL_OK)
    st = be->ops->unary(be, GEOCL_UN_SQRT, 1, 0, geocl_tensor_bref(o->sumsq), geocl_tensor_bref(o->norm));
  return st;
}

static geocl_status update_group(geocl_optim *o, optim_group *gs, geocl_bref scale) {
  geocl_backend *be = o->ctx->be;
  const geocl_optim_group *s = &gs->s;
  geocl_bref param = bref_at(geocl_params_values(o->params), gs->offset);
  geocl_bref grad = bref_at(geocl_params_grads(o->params), gs->offset);
  if (s->kind == GEOCL_OPTIM_ADAMW) {
    double t = (double)(o->steps + 1);
    geocl_adamw_args a = {.n = gs->size, .param = param, .grad = grad, .m = geocl_tensor_bref(gs->m),
                          .v = geocl_tensor_bref(gs->v), .grad_scale = scale, .lr = (float)s->lr,
                          .beta1 = (float)s->beta1, .beta2 = (float)s->beta2, .eps = (float)s->eps,
                          .weight_decay = (float)s->weight_decay,
                          .bias_correction1 = (float)(1.0 - pow(s->beta1, t)),
                          .bias_correction2 = (float)(1.0 - pow(s->beta2, t))};
    return be->ops->adamw(be, &a);
  }
  geocl_sgd_args a = {.n = gs->size, .param = param, .grad = grad, .grad_scale = scale, .lr = (float)s->lr,
                      .momentum = (float)s->momentum, .dampening = (float)s->dampening,
                      .weight_decay = (float)s->weight_decay, .nesterov = s->nesterov, .first_step = o->steps == 0};
  if (gs->m) a.buf = geocl_tensor_bref(gs->m);
  return be->ops->sgd(be, &a);
}

geocl_status geocl_optim_step(geocl_optim *o) {
  geocl_backend *be = o->ctx->be;
  for (int g = 0; g < o->n_groups; g++) {
    geocl_optim_kind k = o->g[g].s.kind;
    if (k == GEOCL_OPTIM_ADAMW ? !be->ops->adamw : !be->ops->sgd) return geocl_unsupported(o->ctx, optim_kind_name(k));
  }
  if (o->max_grad_norm > 0 && !be->ops->clip_coef) return geocl_unsupported(o->ctx, "clip_coef");
  geocl_status st = geocl_params_finish_grads(o->params);
  if (st == GEOCL_OK && o->norm_on) st = grad_norm(o);
  geocl_bref scale = {NULL, 0};
  if (st == GEOCL_OK && o->max_grad_norm > 0) {
    st = be->ops->clip_coef(be, (float)o->max_grad_norm, geocl_tensor_bref(o->sumsq), geocl_tensor_bref(o->coef));
    scale = geocl_tensor_bref(o->coef);
  }
  /* before the updates, so that a step failing half-way still marks the values changed */
  if (st == GEOCL_OK) geocl_tensor_bump_version(geocl_params_values(o->params));
  for (int g = 0; st == GEOCL_OK && g < o->n_groups; g++)
    if (o->g[g].size > 0) st = update_group(o, &o->g[g], scale);
  if (st != GEOCL_OK) {
    geocl_error_prefix("optimizer step %lld", (long long)(o->steps + 1));
    return st;
  }
  o->steps++;
  return GEOCL_OK;
}

/* --- queries and settings --- */

int64_t geocl_optim_steps(const geocl_optim *o) { return o->steps; }
geocl_tensor *geocl_optim_grad_norm(const geocl_optim *o) { return o->norm_on ? o->norm : NULL; }
int geocl_optim_group_count(const geocl_optim *o) { return o->n_groups; }

const geocl_optim_group *geocl_optim_group_settings(const geocl_optim *o, int g) {
  return g >= 0 && g < o->n_groups ? &o->g[g].s : NULL;
}

double geocl_optim_base_lr(const geocl_optim *o, int g) { return g >= 0 && g < o->n_groups ? o->g[g].base_lr : 0; }

geocl_status geocl_optim_set_lr(geocl_optim *o, int g, double lr) {
  if (g < 0 || g >= o->n_groups)
    return geocl_set_error(GEOCL_E_INVALID, "optim: no group %d (%d groups)", g, o->n_groups);
  if (!(lr >= 0)) return geocl_set_error(GEOCL_E_INVALID, "optim: group %d: lr %g must be >= 0", g, lr);
  o->g[g].s.lr = lr;
  return GEOCL_OK;
}
