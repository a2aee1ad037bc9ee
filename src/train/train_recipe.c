/* SPDX-License-Identifier: MIT */
/* The recipe of a run: the task's defaults resolved against the user's
 * options, parameter rules from --freeze / --lr-mult, the optimizer over the
 * model's groups and the learning-rate schedule. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/model.h>

#include "train_internal.h"

#define DEFAULT_STEPS 200

static double preset_blr(const geocl_plugin *p, const char *preset) {
  for (const geocl_preset *s = p->presets; preset && s && s->name; s++)
    if (!strcmp(s->name, preset) && s->blr > 0) return s->blr;
  return 0;
}

geocl_status train_resolve_recipe(const geocl_plugin *p, geocl_train_opts *o, int64_t batches_per_epoch) {
  const geocl_recipe *r = geocl_plugin_recipe(p);
  if (o->steps == 0 && o->epochs > 0) {
    double steps = ceil(o->epochs * (double)batches_per_epoch / o->accum_iter); /* accum_iter batches a step */
    if (!(steps < 0x1p63))
      return geocl_set_error(GEOCL_E_INVALID, "--epochs %g: %g epochs of %lld batches do not fit in 2^63 steps",
                             o->epochs, o->epochs, (long long)batches_per_epoch);
    o->steps = (int64_t)steps;
  }
  if (o->steps == 0) o->steps = DEFAULT_STEPS;
  if (o->blr == 0) o->blr = preset_blr(p, o->model);
  if (o->blr == 0) o->blr = r->blr;
  /* the effective batch, as naver/croco pretrain.py: batch_size * accum_iter * world_size */
  if (o->lr == 0) o->lr = o->blr > 0 ? o->blr * o->batch * o->accum_iter / 256.0 : r->optim.lr;
  if (o->warmup < 0) o->warmup = r->schedule == GEOCL_LR_WARMUP_COSINE ? (int64_t)(o->steps * r->warmup) : 0;
  if (o->weight_decay < 0) o->weight_decay = r->optim.weight_decay;
  if (o->beta1 < 0) o->beta1 = r->optim.beta1;
  if (o->beta2 < 0) o->beta2 = r->optim.beta2;
  if (o->recon_every == 0) o->recon_every = o->save_every;
  if (o->val_every == 0) o->val_every = o->save_every;
  return GEOCL_OK;
}

geocl_status train_rules(const geocl_train_opts *o, geocl_param_rule **rules, int *n) {
  *n = 0;
  *rules = calloc((size_t)(o->n_freeze + o->n_lr_mult + 1), sizeof **rules);
  if (!*rules) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = 0; i < o->n_freeze; i++) (*rules)[(*n)++] = (geocl_param_rule){.match = o->freeze[i], .frozen = true};
  for (int i = 0; i < o->n_lr_mult; i++) {
    const char *eq = strrchr(o->lr_mult[i], '=');
    char *end = NULL;
    double m = eq ? strtod(eq + 1, &end) : 0;
    if (!eq || end == eq + 1 || *end || !(m > 0) || isinf(m)) {
      free(*rules);
      *rules = NULL;
      return geocl_set_error(GEOCL_E_INVALID, "--lr-mult %s: expected PREFIX=MULTIPLIER with a positive multiplier",
                             o->lr_mult[i]);
    }
    /* the prefix is the text before '=': o->lr_mult[i] outlives the rules, so keep a copy */
    char *prefix = strndup(o->lr_mult[i], (size_t)(eq - o->lr_mult[i]));
    if (!prefix) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    (*rules)[(*n)++] = (geocl_param_rule){.match = prefix, .lr_mult = m};
  }
  return GEOCL_OK;
}

void train_rules_free(geocl_param_rule *rules, int n) {
  for (int i = 0; rules && i < n; i++)
    if (!rules[i].frozen) free((char *)rules[i].match);
  free(rules);
}

/* Group g's settings: a rule's own optimizer (its lr scaled like the run's
 * against the recipe's), else the recipe's with the run's overrides. */
static geocl_optim_group group_settings(const geocl_recipe *r, const geocl_model_group *mg, const geocl_train_opts *o) {
  geocl_optim_group g;
  if (mg->optim) {
    g = *mg->optim;
    double recipe_lr = r->optim.lr > 0 ? r->optim.lr : o->lr;
    g.lr = mg->optim->lr * (o->lr / recipe_lr);
  } else {
    g = r->optim;
    g.lr = o->lr;
    g.weight_decay = o->weight_decay;
    if (g.kind == GEOCL_OPTIM_ADAMW) {
      g.beta1 = o->beta1;
      g.beta2 = o->beta2;
    }
  }
  g.lr *= mg->lr_mult;
  if (!mg->decay) g.weight_decay = 0;
  return g;
}

geocl_status geocl_train_optimizer(geocl_model *model, const geocl_train_opts *o, geocl_optim **out) {
  geocl_params *p = geocl_model_params(model);
  const geocl_recipe *r = geocl_plugin_recipe(geocl_model_plugin(model));
  int n = geocl_params_group_count(p);
  if (n < 1)
    return geocl_set_error(GEOCL_E_INVALID, "task %s: nothing to train (every parameter is frozen)",
                           geocl_model_plugin(model)->name);
  geocl_optim_group *g = calloc((size_t)n, sizeof *g);
  if (!g) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_train_opts resolved = *o;
  if (resolved.lr == 0) resolved.lr = r->optim.lr;
  if (resolved.weight_decay < 0) resolved.weight_decay = r->optim.weight_decay;
  if (resolved.beta1 < 0) resolved.beta1 = r->optim.beta1;
  if (resolved.beta2 < 0) resolved.beta2 = r->optim.beta2;
  for (int i = 0; i < n; i++) g[i] = group_settings(r, geocl_model_group_get(model, i), &resolved);
  geocl_optim_opts oo = {.max_grad_norm = o->clip_grad};
  geocl_status st = geocl_optim_new(p, n, g, &oo, out);
  free(g);
  return st;
}

geocl_lr_schedule train_schedule(const geocl_plugin *p, const geocl_train_opts *o) {
  const geocl_recipe *r = geocl_plugin_recipe(p);
  if (r->schedule == GEOCL_LR_WARMUP_COSINE) /* over steps, as CroCo's per-iteration schedule */
    return (geocl_lr_schedule){.kind = GEOCL_LR_WARMUP_COSINE, .warmup_epochs = (double)o->warmup,
                               .epochs = (double)o->steps, .min_lr = o->min_lr};
  return (geocl_lr_schedule){.kind = r->schedule, .gamma = r->gamma, .step_epochs = r->step_epochs};
}

double train_lr_at(const geocl_lr_schedule *s, double lr, int64_t step, double steps_per_epoch) {
  double t = s->kind == GEOCL_LR_WARMUP_COSINE ? (double)step : (double)step / steps_per_epoch;
  return geocl_lr_at(s, lr, t);
}
