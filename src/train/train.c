/* SPDX-License-Identifier: MIT */
/* The training loop: data → forward → backward → optimizer step, with
 * progress, metrics, validation, checkpoints, pictures and exact resume. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geocl/geocl.h>

#include "train_internal.h"

void geocl_train_opts_default(geocl_train_opts *o) {
  memset(o, 0, sizeof *o);
  o->data = "synthetic";
  o->synthetic_pairs = 10000;
  o->workers = 1;
  o->batch = 8;
  o->accum_iter = 1;
  o->warmup = -1;
  o->weight_decay = -1;
  o->beta1 = -1;
  o->beta2 = -1;
  o->save_every = 100;
  o->keep = 3;
}

#define DEFAULT_LOG_EVERY 10

typedef struct run {
  geocl_train_opts o; /* resolved: steps, lr, warmup set */
  const geocl_train_hooks *h;
  const char *dir; /* opts->out or opts->resume */
  int lock;        /* held on dir (rank 0) */
  geocl_ctx *ctx;
  geocl_model *model;
  geocl_optim *optim;
  geocl_data_source *source, *val_source;
  geocl_loader *loader;
  geocl_lr_schedule schedule;
  int64_t step;             /* steps done */
  geocl_data_position next; /* of the next batch */
  geocl_data_position pending; /* after the batches of the step being made */
  bool created_dir;            /* a new run made its directory */
  bool started;                /* a new run holds its directory */
  bool checkpointed;           /* a checkpoint of this run exists */
  double val_loss;             /* of the last validation, NaN before the first */
  int64_t batches_per_epoch;
  geocl_param_rule *rules;
  int n_rules;
  bool has_best; /* best.safetensors holds the lowest first validation metric so far */
  double best;
  int rank, ranks; /* data-parallel: this process and how many there are */
  double comm_s;   /* time in gradient all-reduces */
} run;

/* Rank 0 alone writes files and speaks. */
static bool leader(const run *r) { return r->rank == 0; }

static void note(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const run *r, const char *fmt, ...) {
  if (!r->h || !r->h->on_note || !leader(r)) return;
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  r->h->on_note(msg, r->h->user);
}

/* ---- setup ---- */

/* The best validation so far, from best.safetensors: unless it is from a
 * step after the one resumed (an interrupted run's), which a run going on
 * from here may not have seen. */
static void read_best(run *r) {
  char *path = train_path(r->dir, "best.safetensors");
  geocl_st_file *f;
  geocl_status st = path ? geocl_st_open(path, &f) : geocl_last_status();
  free(path);
  if (st != GEOCL_OK) {
    geocl_clear_error();
    return;
  }
  const char *step = geocl_st_meta(f, "step"), *value = geocl_st_meta(f, "best_value");
  if (step && value && strtoll(step, NULL, 10) <= r->step) {
    r->best = strtod(value, NULL);
    r->has_best = true;
  }
  geocl_st_close(f);
}

/* option: what an error names besides the source ("--val-data"), or NULL */
static geocl_status open_source(const run *r, const char *spec, const char *option, geocl_data_source **out) {
  geocl_data_spec ds;
  geocl_status st = geocl_model_data_spec(r->model, true, &ds, NULL);
  if (st != GEOCL_OK) return st;
  geocl_source_opts so;
  geocl_source_opts_default(&so);
  so.needs = ds.fields;
  so.seed = r->o.seed;
  so.synthetic_pairs = r->o.synthetic_pairs;
  /* render a little larger than the input, so crops still move (cheap to render) */
  so.synthetic_width = (int)((ds.width * 9 / 8 + 7) / 8 * 8);
  so.synthetic_height = (int)((ds.height * 9 / 8 + 7) / 8 * 8);
  st = geocl_data_source_open(spec, &so, out);
  char who[96];
  snprintf(who, sizeof who, "task %s", geocl_model_plugin(r->model)->name);
  if (st == GEOCL_OK) st = geocl_data_source_check(*out, who, ds.fields);
  if (st != GEOCL_OK && option) geocl_error_prefix("%s", option);
  return st;
}

/* A loader over source: training (shuffled, augmented, from r->next) or
 * validation (in order, not augmented, from the start). */
static geocl_status open_loader(const run *r, geocl_data_source *source, bool training, geocl_loader **out) {
  geocl_loader_config lc;
  geocl_loader_config_default(&lc);
  geocl_status st = geocl_model_data_spec(r->model, true, &lc.spec, &lc.pipeline);
  lc.spec.augment = training;
  lc.source = source;
  lc.batch_size = r->o.batch;
  lc.seed = r->o.seed;
  lc.shuffle = training;
  lc.workers = r->o.workers;
  if (training) {
    lc.start = r->next;
    lc.shard = r->rank; /* each rank makes its part of every global batch */
    lc.shards = r->ranks;
  }
  return st == GEOCL_OK ? geocl_loader_open(&lc, out) : st;
}

/* --val-fraction f: the last ceil(f·n) of the n samples are held out (the
 * end of a listing is the part least like the rest: later frames, other
 * sequences); the training source keeps the others. */
static geocl_status hold_out(run *r) {
  int64_t n = geocl_data_source_size(r->source), held = (int64_t)ceil(r->o.val_fraction * (double)n);
  if (held >= n)
    return geocl_set_error(GEOCL_E_INVALID, "--val-fraction %g of the %lld samples of %s leaves none to train on",
                           r->o.val_fraction, (long long)n, r->o.data);
  geocl_status st = open_source(r, r->o.data, "--val-fraction", &r->val_source);
  if (st == GEOCL_OK) st = geocl_data_source_restrict(r->val_source, n - held, held);
  if (st == GEOCL_OK) st = geocl_data_source_restrict(r->source, 0, n - held);
  return st;
}

static geocl_status open_data(run *r) {
  geocl_status st = open_source(r, r->o.data, NULL, &r->source);
  if (st == GEOCL_OK && r->o.val_fraction > 0) st = hold_out(r);
  if (st == GEOCL_OK) st = open_loader(r, r->source, true, &r->loader);
  if (st == GEOCL_OK && r->o.val_data) st = open_source(r, r->o.val_data, "--val-data", &r->val_source);
  if (st != GEOCL_OK) return st;
  r->batches_per_epoch = geocl_loader_batches_per_epoch(r->loader);
  return GEOCL_OK;
}

static geocl_status create_model(run *r, const char *weights, const char *config, const char *backbone_config) {
  const geocl_train_opts *o = &r->o;
  const geocl_plugin *p;
  geocl_status st = geocl_plugin_find(o->task, &p);
  if (st != GEOCL_OK) return st;
  bool head = p->kind == GEOCL_PLUGIN_HEAD;
  st = train_rules(o, &r->rules, &r->n_rules);
  if (st != GEOCL_OK) return st;
  geocl_model_opts mo = {.task = o->task, .args = o->args, .n_args = o->n_args, .init_seed = o->seed,
                         .rules = r->rules, .n_rules = r->n_rules};
  mo.config_json = config; /* resuming: the run's recorded configurations */
  mo.backbone_config_json = backbone_config;
  if (weights) { /* resuming from a checkpoint */
    mo.weights = weights;
  } else { /* a new run, or one resumed before its first checkpoint */
    mo.preset = o->model;
    mo.weights = head ? NULL : o->init; /* a pretext task starts from whole weights */
    mo.init = head ? o->init : NULL;
    mo.backbone_preset = o->backbone_preset;
    mo.init_map = o->init_map;
    mo.n_init_map = o->n_init_map;
    mo.init_partial = o->init_partial;
  }
  return geocl_model_create(r->ctx, &mo, &r->model);
}

static void note_init(const run *r) {
  const geocl_load_report *rep = geocl_model_load_report(r->model);
  if (!r->o.init || !geocl_model_backbone(r->model)) return;
  char resampled[96] = "";
  if (rep->resampled)
    snprintf(resampled, sizeof resampled, " (%d position table%s resampled to the model's grid)", rep->resampled,
             rep->resampled == 1 ? "" : "s");
  note(r, "init %s: %d tensors loaded%s, %d in the file unused%s%s%s, %d kept at initialisation%s%s%s", r->o.init,
       rep->loaded, resampled, rep->skipped, rep->skipped ? " (" : "", rep->skipped_names, rep->skipped ? ")" : "",
       rep->kept, rep->kept ? " (" : "", rep->kept_names, rep->kept ? ")" : "");
}

static geocl_status setup_new(run *r) {
  geocl_train_opts *o = &r->o;
  if (o->log_every == 0) o->log_every = DEFAULT_LOG_EVERY;
  geocl_status st = geocl_train_opts_check(o);
  if (st != GEOCL_OK) return st;
  if (o->batch % r->ranks)
    return geocl_set_error(GEOCL_E_INVALID, "--batch %d (the global batch) does not divide by the %d processes", o->batch,
                           r->ranks);
  if (!o->out || !*o->out) return geocl_set_error(GEOCL_E_INVALID, "no run directory (--out)");
  if (!o->task) return geocl_set_error(GEOCL_E_INVALID, "no task to train");
  const geocl_plugin *p;
  st = geocl_plugin_find(o->task, &p);
  if (st != GEOCL_OK) return st;
  if (!o->model && (!o->init || p->kind == GEOCL_PLUGIN_HEAD)) o->model = p->default_preset;
  st = create_model(r, NULL, NULL, NULL);
  if (st == GEOCL_OK) st = open_data(r);
  if (st != GEOCL_OK) return st;
  st = train_resolve_recipe(p, o, r->batches_per_epoch);
  if (st == GEOCL_OK) st = geocl_train_opts_check(o);
  if (st == GEOCL_OK) st = geocl_train_optimizer(r->model, o, &r->optim);
  if (st != GEOCL_OK) return st;
  r->dir = o->out;
  if (!leader(r)) return GEOCL_OK;
  r->created_dir = access(r->dir, F_OK) != 0;
  st = train_make_run_dir(r->dir, &r->lock);
  r->started = st == GEOCL_OK; /* else the directory is not this run's to clean up */
  if (st == GEOCL_OK) st = train_config_write(r->dir, o, r->model);
  return st;
}

static geocl_status setup_resume(run *r, void **storage) {
  r->dir = r->o.resume;
  geocl_status st = leader(r) ? train_lock(r->dir, &r->lock) : GEOCL_OK;
  if (st != GEOCL_OK) return st;
  int64_t extend = r->o.steps; /* the run's new length, or 0 */
  geocl_train_opts saved;
  geocl_train_opts_default(&saved);
  const char *model_config, *backbone_config;
  st = train_config_read(r->dir, &saved, &model_config, &backbone_config, storage);
  if (st != GEOCL_OK) return st;
  /* the run's own settings, except where to run, when to stop and what to print */
  saved.device = r->o.device;
  saved.stop_at = r->o.stop_at;
  saved.resume = r->o.resume;
  saved.out = r->dir;
  if (r->o.log_every) saved.log_every = r->o.log_every;
  if (r->o.recon_every) saved.recon_every = r->o.recon_every;
  r->o = saved;
  st = geocl_train_opts_check(&r->o);
  if (st != GEOCL_OK) return st;
  /* a run killed before its first checkpoint starts again from the beginning */
  train_position pos = {.rng_seed = r->o.seed};
  bool found;
  st = train_position_read(r->dir, &pos, &found);
  if (st != GEOCL_OK) return st;
  if (leader(r)) train_remove_stale(r->dir, pos.step, r->o.keep);
  char *last = found ? train_path(r->dir, "last.safetensors") : NULL;
  if (found && !last) return geocl_last_status();
  st = create_model(r, last, model_config, backbone_config);
  free(last);
  if (st != GEOCL_OK) return st;
  r->step = pos.step;
  r->next = pos.data;
  if (extend && extend < r->step)
    return geocl_set_error(GEOCL_E_INVALID, "--steps %lld: %s is at step %lld already (a run is extended, never cut)",
                           (long long)extend, r->dir, (long long)r->step);
  if (extend && extend != r->o.steps) {
    note(r, "extending the run from %lld to %lld steps (warm-up %lld steps as before, the schedule now ends at step "
            "%lld)", (long long)r->o.steps, (long long)extend, (long long)r->o.warmup, (long long)extend);
    r->o.steps = extend;
    if (leader(r)) st = train_config_write(r->dir, &r->o, r->model);
    if (st != GEOCL_OK) return st;
  }
  geocl_rng *rng = geocl_ctx_rng(r->ctx);
  rng->seed = pos.rng_seed;
  rng->counter = pos.rng_counter;
  st = open_data(r);
  if (st == GEOCL_OK) st = geocl_train_optimizer(r->model, &r->o, &r->optim);
  if (st == GEOCL_OK && r->o.batch % r->ranks)
    st = geocl_set_error(GEOCL_E_INVALID, "the run's batch of %d does not divide by the %d processes", r->o.batch,
                         r->ranks);
  if (st == GEOCL_OK && found) st = train_optim_load(r->dir, r->optim, r->step);
  if (st == GEOCL_OK && leader(r)) st = train_metrics_truncate(r->dir, r->step);
  if (st == GEOCL_OK) read_best(r);
  return st;
}

/* ---- checkpoints ---- */

static geocl_status save_checkpoint(run *r) {
  const geocl_rng *rng = geocl_ctx_rng(r->ctx);
  train_position pos = {.step = r->step, .data = r->next, .rng_seed = rng->seed, .rng_counter = rng->counter};
  geocl_status st = train_checkpoint_save(r->dir, r->model, r->optim, &pos, r->o.keep);
  r->checkpointed |= st == GEOCL_OK;
  if (st == GEOCL_OK) note(r, "step %lld: checkpoint %s/last.safetensors", (long long)r->step, r->dir);
  return st;
}

/* The picture of step `step` (its first sample): recon-<step><suffix>.png. */
static geocl_status save_picture(run *r, int64_t step, const char *suffix, const geocl_batch *b,
                                 const geocl_outputs *out) {
  bool was = geocl_set_grad_enabled(r->ctx, false);
  geocl_tensor *pic = geocl_model_visualize(r->model, b, out);
  geocl_set_grad_enabled(r->ctx, was);
  if (!pic) return geocl_last_status() == GEOCL_E_UNSUPPORTED ? GEOCL_OK : geocl_last_status();
  char name[64];
  snprintf(name, sizeof name, "recon-%lld%s.png", (long long)step, suffix);
  char *path = train_path(r->dir, name);
  geocl_status st = path ? geocl_write_picture_png(geocl_narrow(pic, 0, 0, 1), path) : geocl_last_status();
  if (st == GEOCL_OK) note(r, "step %lld: picture %s", (long long)step, path);
  free(path);
  return st;
}

/* ---- validation ---- */

/* A run's last picture when it has validation data: of the first validation
 * sample as validation sees it (not augmented), recon-<step>-val.png. */
static geocl_status save_validation_picture(run *r) {
  geocl_loader *l = NULL;
  const geocl_host_batch *hb;
  geocl_batch b;
  geocl_outputs out;
  bool was = geocl_set_grad_enabled(r->ctx, false);
  geocl_scope scope = geocl_scope_begin(r->ctx);
  geocl_status st = open_loader(r, r->val_source, false, &l);
  if (st == GEOCL_OK) st = geocl_loader_next(l, &hb);
  if (st == GEOCL_OK) st = geocl_batch_upload(r->ctx, hb, false, 0, &b);
  if (st == GEOCL_OK) st = geocl_model_forward(r->model, &b, &out);
  if (st == GEOCL_OK) st = save_picture(r, r->step, "-val", &b, &out);
  geocl_loader_close(l);
  geocl_scope_end(r->ctx, scope);
  geocl_set_grad_enabled(r->ctx, was);
  return st;
}

/* best.safetensors: the model of the lowest first validation metric (the
 * task's main error: avgerr, EPE, abs_rel; else the loss). */
static geocl_status save_best(run *r, const char *metric, double value) {
  char step[32], v[40];
  snprintf(step, sizeof step, "%lld", (long long)r->step);
  snprintf(v, sizeof v, "%.17g", value);
  geocl_st_kv meta[] = {{"step", step}, {"best_metric", metric}, {"best_value", v}};
  char *path = train_path(r->dir, "best.safetensors");
  geocl_status st = path ? geocl_model_save(r->model, path, 3, meta) : geocl_last_status();
  if (st == GEOCL_OK) {
    r->best = value;
    r->has_best = true;
    note(r, "step %lld: best %s so far (%.4g), %s", (long long)r->step, metric, value, path);
  }
  free(path);
  return st;
}

static geocl_status validate(run *r) {
  geocl_loader *l = NULL;
  geocl_metrics m;
  geocl_status st = open_loader(r, r->val_source, false, &l);
  if (st == GEOCL_OK) st = geocl_model_evaluate(r->model, l, r->o.val_batches, &m);
  geocl_loader_close(l);
  if (st == GEOCL_OK && m.n == 0) return GEOCL_OK; /* no loss and no metrics: nothing to report */
  if (st != GEOCL_OK) {
    geocl_error_prefix("validation at step %lld", (long long)r->step);
    return st;
  }
  char line[2048], shown[1024];
  int used = snprintf(line, sizeof line, "{\"step\": %lld, \"val\": {", (long long)r->step);
  int shown_used = 0;
  for (int i = 0; i < m.n; i++) {
    double v = m.count[i] > 0 ? m.sum[i] / m.count[i] : NAN;
    used += snprintf(line + used, sizeof line - (size_t)used, "%s\"%s\": %.9g", i ? ", " : "", m.names[i],
                     isfinite(v) ? v : 0);
    shown_used += snprintf(shown + shown_used, sizeof shown - (size_t)shown_used, "  %s %.4g", m.names[i], v);
    if (!strcmp(m.names[i], "loss")) r->val_loss = v;
    if (used >= (int)sizeof line - 64 || shown_used >= (int)sizeof shown - 64) break;
  }
  snprintf(line + used, sizeof line - (size_t)used, "}}");
  note(r, "step %lld: validation%s", (long long)r->step, shown);
  st = train_metrics_append(r->dir, line);
  double first = m.count[0] > 0 ? m.sum[0] / m.count[0] : NAN;
  if (st == GEOCL_OK && isfinite(first) && (!r->has_best || first < r->best)) st = save_best(r, m.names[0], first);
  return st;
}

/* ---- the loop ---- */

/* Optimizer steps in an epoch of the data: accum_iter batches make one. */
static double steps_per_epoch(const run *r) { return (double)r->batches_per_epoch / r->o.accum_iter; }

/* The metrics a forward pass reported (read from the device: logged steps
 * only), averaged over the ranks. */
static geocl_status read_metrics(const geocl_outputs *out, geocl_train_progress *p, int ranks) {
  double v[GEOCL_TRAIN_MAX_METRICS];
  p->n_metrics = 0;
  for (int i = 0; i < out->n && p->n_metrics < GEOCL_TRAIN_MAX_METRICS; i++) {
    if (!out->metric[i]) continue;
    geocl_status st = geocl_item(out->tensors[i], &p->metrics[p->n_metrics]);
    if (st != GEOCL_OK) return st;
    v[p->n_metrics] = p->metrics[p->n_metrics];
    p->metric_names[p->n_metrics++] = out->names[i];
  }
  geocl_status st = geocl_dist_allreduce_host(v, p->n_metrics, GEOCL_DIST_SUM);
  for (int i = 0; st == GEOCL_OK && i < p->n_metrics; i++) p->metrics[i] = (float)(v[i] / ranks);
  return st;
}

/* Forward and backward of one batch of step r->step + 1 on this rank's
 * shard: the gradient of loss · scale added to the parameters' (the first
 * backward after geocl_params_zero_grad overwrites them); the loss read back. */
static geocl_status forward_backward(run *r, const geocl_host_batch *hb, float scale, geocl_batch *b,
                                     geocl_outputs *out, float *loss_value) {
  geocl_status st = geocl_batch_upload(r->ctx, hb, true, r->step, b);
  if (st != GEOCL_OK) return st;
  st = geocl_model_forward(r->model, b, out);
  geocl_tensor *loss = st == GEOCL_OK ? geocl_outputs_get(out, "loss") : NULL;
  if (st == GEOCL_OK && !loss)
    st = geocl_set_error(GEOCL_E_STATE, "task %s returned no loss", geocl_model_plugin(r->model)->name);
  if (st == GEOCL_OK) st = geocl_backward(scale == 1.0f ? loss : geocl_scale(loss, scale));
  if (st == GEOCL_OK) st = geocl_item(loss, loss_value);
  return st;
}

/* The gradient of step r->step + 1: accum_iter batches from the loader, each
 * loss / accum_iter back-propagated into the same gradients (naver/croco
 * pretrain.py's accumulation); *loss the batches' mean loss.  All but the
 * last batch free their tensors at once: b and out are the last one's. */
static geocl_status accumulate(run *r, geocl_batch *b, geocl_outputs *out, float *loss) {
  int n = r->o.accum_iter;
  double sum = 0;
  geocl_status st = GEOCL_OK;
  geocl_params_zero_grad(geocl_model_params(r->model));
  for (int k = 0; st == GEOCL_OK && k < n; k++) {
    const geocl_host_batch *hb;
    float value = 0;
    st = geocl_loader_next(r->loader, &hb);
    geocl_scope scope = k < n - 1 ? geocl_scope_begin(r->ctx) : 0;
    if (st == GEOCL_OK) st = forward_backward(r, hb, 1.0f / (float)n, b, out, &value);
    if (k < n - 1) geocl_scope_end(r->ctx, scope);
    if (st == GEOCL_OK) r->pending = hb->next;
    sum += value;
  }
  *loss = (float)(sum / n);
  return st;
}

/* Step number r->step + 1: every rank computes the gradient of its shard,
 * the ranks agree (status, stop request, mean loss), sum their gradients,
 * and apply the same update. */
static geocl_status one_step(run *r, bool picture, bool logged, bool stop, bool *stop_all, geocl_train_progress *p) {
  geocl_batch b;
  geocl_outputs out;
  geocl_status st = accumulate(r, &b, &out, &p->loss);
  st = train_agree(st, stop, &p->loss, stop_all); /* the other ranks wait for this step, failed or not */
  if (st != GEOCL_OK) return st;
  if (!isfinite(p->loss))
    return geocl_set_error(GEOCL_E_NUMERIC, "the loss is %s at step %lld", isnan(p->loss) ? "NaN" : "infinite",
                           (long long)r->step + 1);
  geocl_params *params = geocl_model_params(r->model);
  if (r->ranks > 1) {
    double t0 = geocl_clock_s();
    st = geocl_params_finish_grads(params);
    if (st == GEOCL_OK) st = geocl_dist_allreduce(geocl_params_grads(params), 1.0f / (float)r->ranks, 0);
    r->comm_s += geocl_clock_s() - t0; /* includes waiting for the gradients and the slowest rank */
  }
  for (int g = 0; st == GEOCL_OK && g < geocl_optim_group_count(r->optim); g++)
    geocl_optim_set_lr(r->optim, g,
                       train_lr_at(&r->schedule, geocl_optim_base_lr(r->optim, g), r->step, steps_per_epoch(r)));
  if (st == GEOCL_OK) st = geocl_optim_step(r->optim);
  if (st == GEOCL_OK && logged) st = read_metrics(&out, p, r->ranks);
  if (st == GEOCL_OK && picture && leader(r)) st = save_picture(r, r->step + 1, "", &b, &out);
  return st;
}

static geocl_status log_metrics(run *r, const geocl_train_progress *p) {
  char line[1024];
  int used = snprintf(line, sizeof line,
                      "{\"step\": %lld, \"epoch\": %.6f, \"loss\": %.9g, \"lr\": %.9g, \"pairs_per_s\": %.4g, "
                      "\"time_s\": %.3f",
                      (long long)p->step, p->epoch, p->loss, p->lr, p->pairs_per_s, p->elapsed_s);
  for (int i = 0; i < p->n_metrics; i++)
    used += snprintf(line + used, sizeof line - (size_t)used, ", \"%s\": %.9g", p->metric_names[i],
                     isfinite(p->metrics[i]) ? p->metrics[i] : 0);
  snprintf(line + used, sizeof line - (size_t)used, "}");
  return train_metrics_append(r->dir, line);
}

static geocl_status loop(run *r, geocl_train_summary *sum) {
  const geocl_train_opts *o = &r->o;
  int64_t end = o->stop_at > 0 && o->stop_at < o->steps ? o->stop_at : o->steps;
  double start = geocl_clock_s(), interval_start = start, after_first = 0;
  int64_t interval_steps = 0, first_step = r->step;
  bool saved = true;
  geocl_status st = GEOCL_OK;
  while (r->step < end) {
    int64_t step = r->step + 1;
    /* a picture every recon_every steps and at the end of every run */
    bool picture = o->recon_every > 0 && (step % o->recon_every == 0 || step == end);
    bool logged = step % o->log_every == 0 || step == end;
    geocl_train_progress p = {.step = step, .steps = o->steps};
    p.lr = train_lr_at(&r->schedule, geocl_optim_base_lr(r->optim, 0), r->step, steps_per_epoch(r));
    bool stop = r->h && r->h->stop && *r->h->stop, stop_all = false;
    geocl_scope scope = geocl_scope_begin(r->ctx);
    st = one_step(r, picture, logged, stop, &stop_all, &p);
    geocl_scope_end(r->ctx, scope);
    if (st != GEOCL_OK) break;
    r->step = step;
    r->next = r->pending;
    saved = false;
    interval_steps++;
    double t = geocl_clock_s();
    if (r->step == first_step + 1) { /* the first step builds kernels: leave it out of the speed */
      after_first = t;
      interval_start = t;
      interval_steps = 0;
      if (o->recompute && geocl_ctx_checkpoints(r->ctx) == 0)
        note(r, "--recompute changes nothing here: this model has no transformer blocks to run again in backward");
    }
    if (sum->steps_done == 0) sum->first_loss = p.loss;
    sum->last_loss = p.loss;
    sum->steps_done++;
    double done_since = r->step - first_step - 1;
    p.epoch = (double)r->step / steps_per_epoch(r);
    p.pairs_per_s = interval_steps > 0 ? (double)(interval_steps * o->batch * o->accum_iter) / (t - interval_start) : 0;
    p.elapsed_s = t - start;
    p.eta_s = done_since > 0 ? (t - after_first) / done_since * (double)(end - r->step) : 0;
    if (logged) {
      if (leader(r)) st = log_metrics(r, &p);
      interval_start = t;
      interval_steps = 0;
    }
    if (!isnan(r->val_loss) && p.n_metrics < GEOCL_TRAIN_MAX_METRICS) { /* shown, not logged again */
      p.metric_names[p.n_metrics] = "val_loss";
      p.metrics[p.n_metrics++] = (float)r->val_loss;
    }
    if (r->h && r->h->on_step && leader(r)) r->h->on_step(&p, logged, r->h->user);
    if (st == GEOCL_OK && r->val_source && leader(r) && (r->step % o->val_every == 0 || r->step == end))
      st = validate(r);
    if (st == GEOCL_OK && r->val_source && leader(r) && o->recon_every > 0 && r->step == end)
      st = save_validation_picture(r);
    if (st == GEOCL_OK && (r->step % o->save_every == 0 || r->step == end)) {
      if (leader(r)) st = save_checkpoint(r);
      saved = true;
    }
    st = train_agree(st, false, NULL, NULL); /* a failed write on rank 0 stops every rank */
    if (st != GEOCL_OK) break;
    if (stop_all) {
      sum->interrupted = true;
      break;
    }
  }
  if (st == GEOCL_OK && !saved && leader(r)) st = save_checkpoint(r);
  double t = geocl_clock_s();
  sum->elapsed_s = t - start;
  int64_t timed = sum->steps_done - 1;
  sum->pairs_per_s =
      timed > 0 && after_first > 0 ? (double)(timed * o->batch * o->accum_iter) / (t - after_first) : 0;
  return st;
}

geocl_status geocl_train_run(const geocl_train_opts *opts, const geocl_train_hooks *hooks,
                             geocl_train_summary *sum) {
  memset(sum, 0, sizeof *sum);
  run r = {.o = *opts, .h = hooks, .lock = -1, .val_loss = NAN, .rank = geocl_dist_rank(),
           .ranks = geocl_dist_size()};
  void *storage = NULL;
  char device[32];
  geocl_ctx_opts co = {.device = train_dist_device(opts->device, device, sizeof device), .seed = opts->seed};
  geocl_status st = geocl_ctx_create(&co, &r.ctx);
  if (st == GEOCL_OK) geocl_set_recompute(r.ctx, opts->recompute);
  if (st == GEOCL_OK) st = opts->resume ? setup_resume(&r, &storage) : setup_new(&r);
  st = train_agree(st, false, NULL, NULL); /* every rank is ready, or none starts */
  if (st == GEOCL_OK) {
    r.schedule = train_schedule(geocl_model_plugin(r.model), &r.o);
    sum->run_dir = r.dir;
    char accum[64] = "";
    if (r.o.accum_iter > 1) snprintf(accum, sizeof accum, " (%d batches of %d)", r.o.accum_iter, r.o.batch);
    note(&r, "%s %s run in %s on %s (%s): %lld steps of %lld samples%s, lr %.3g",
         opts->resume ? "resuming" : "starting", r.o.task, r.dir, geocl_ctx_device(r.ctx)->name,
         geocl_ctx_backend_name(r.ctx), (long long)r.o.steps, (long long)r.o.batch * r.o.accum_iter, accum, r.o.lr);
    if (r.ranks > 1) note(&r, "data-parallel over %d processes: %d samples each per step", r.ranks, r.o.batch / r.ranks);
    if (r.o.val_fraction > 0)
      note(&r, "validation: the last %lld samples of %s, training: the other %lld (--val-fraction %g)",
           (long long)geocl_data_source_size(r.val_source), r.o.data, (long long)geocl_data_source_size(r.source),
           r.o.val_fraction);
    if (opts->resume && r.step >= r.o.steps)
      note(&r, "the run has made all its %lld steps: nothing to do (--resume %s --steps N extends it)",
           (long long)r.o.steps, r.dir);
    else if (opts->resume) note(&r, "continuing after step %lld", (long long)r.step);
    else note_init(&r);
    geocl_ctx_reset_peak(r.ctx);
    st = loop(&r, sum);
    sum->step = r.step;
    sum->steps = r.o.steps;
    geocl_mem_stats ms;
    geocl_ctx_mem_stats(r.ctx, &ms);
    sum->peak_device_bytes = ms.peak_bytes;
    sum->ranks = r.ranks;
    sum->comm_s = r.comm_s;
    if (st != GEOCL_OK) geocl_error_prefix("%s", r.dir);
  }
  /* a new run that failed before its first checkpoint leaves nothing behind: the same --out works again */
  if (st != GEOCL_OK && r.started && !r.checkpointed && leader(&r)) train_remove_failed_start(r.dir, r.created_dir);
  train_unlock(r.lock);
  geocl_loader_close(r.loader);
  geocl_data_source_close(r.source);
  geocl_data_source_close(r.val_source);
  geocl_optim_free(r.optim);
  geocl_model_free(r.model);
  geocl_ctx_free(r.ctx);
  train_config_free(storage);
  train_rules_free(r.rules, r.n_rules);
  return st;
}
