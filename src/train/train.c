/* SPDX-License-Identifier: MIT */
/* The pre-training loop: data → forward → backward → optimizer step, with
 * progress, metrics, checkpoints, pictures and exact resume. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>
#include <geocl/image.h>
#include <geocl/model.h>
#include <geocl/optim.h>
#include <geocl/schedule.h>

#include "core/timing.h"
#include "train_internal.h"

void geocl_train_opts_default(geocl_train_opts *o) {
  memset(o, 0, sizeof *o);
  o->task = "croco";
  o->data = "synthetic";
  o->synthetic_pairs = 10000;
  o->batch = 8;
  o->warmup = -1;
  o->weight_decay = 0.05;
  o->beta1 = 0.9;
  o->beta2 = 0.95;
  o->save_every = 100;
  o->keep = 3;
}

#define DEFAULT_STEPS 200
#define DEFAULT_LOG_EVERY 10
#define DEFAULT_BLR 1.5e-4 /* CroCo's */

typedef struct run {
  geocl_train_opts o; /* resolved: steps, lr, warmup set */
  const geocl_train_hooks *h;
  const char *dir; /* opts->out or opts->resume */
  int lock;        /* held on dir */
  geocl_ctx *ctx;
  geocl_model *model;
  geocl_optim *optim;
  geocl_pair_loader *loader;
  geocl_lr_schedule schedule;
  int64_t step;             /* steps done */
  geocl_data_position next; /* of the next batch */
  int64_t batches_per_epoch;
  int64_t img_h, img_w;
  bool pair;                /* the task uses image 2 */
} run;

static void note(const run *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void note(const run *r, const char *fmt, ...) {
  if (!r->h || !r->h->on_note) return;
  char msg[1200];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  r->h->on_note(msg, r->h->user);
}

/* ---- setup ---- */

static geocl_status open_loader(run *r) {
  geocl_pair_loader_config lc;
  geocl_pair_loader_config_default(&lc);
  lc.source = r->o.data;
  lc.batch_size = r->o.batch;
  lc.crop_width = (int)r->img_w;
  lc.crop_height = (int)r->img_h;
  lc.seed = r->o.seed;
  lc.start = r->next;
  lc.synthetic_pairs = r->o.synthetic_pairs;
  /* render a little larger than the crop, so crops still move (cheap to render) */
  lc.synthetic_width = (int)((r->img_w * 9 / 8 + 7) / 8 * 8);
  lc.synthetic_height = (int)((r->img_h * 9 / 8 + 7) / 8 * 8);
  geocl_status st = geocl_pair_loader_open(&lc, &r->loader);
  if (st != GEOCL_OK) return st;
  r->batches_per_epoch = geocl_pair_loader_batches_per_epoch(r->loader);
  if (r->batches_per_epoch < 1)
    return geocl_set_error(GEOCL_E_INVALID, "data %s has %lld pairs: fewer than one batch of %d", r->o.data,
                           (long long)geocl_pair_loader_pairs(r->loader), r->o.batch);
  return GEOCL_OK;
}

/* CroCo's recipe: AdamW on group 0 (weights, mask token) with weight decay,
 * group 1 (biases, norms) without. */
geocl_status geocl_train_optimizer(geocl_model *model, const geocl_train_opts *o, geocl_optim **out) {
  geocl_params *p = geocl_model_params(model);
  int n = geocl_params_group_count(p);
  if (n < 1 || n > 2)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "task %s uses %d parameter groups; the trainer knows groups 0 (decayed) "
                                                "and 1 (not decayed)", geocl_model_plugin(model)->name, n);
  geocl_optim_group g[2];
  for (int i = 0; i < n; i++) {
    g[i] = geocl_adamw_defaults();
    g[i].lr = o->lr;
    g[i].beta1 = o->beta1;
    g[i].beta2 = o->beta2;
    g[i].eps = 1e-8;
    g[i].weight_decay = i == 0 ? o->weight_decay : 0.0;
  }
  geocl_optim_opts oo = {.max_grad_norm = o->clip_grad};
  return geocl_optim_new(p, n, g, &oo, out);
}

static geocl_status make_optimizer(run *r) { return geocl_train_optimizer(r->model, &r->o, &r->optim); }

static void model_geometry(run *r) {
  const geocl_config *c = geocl_model_config(r->model);
  geocl_config_size(c, "img_size", &r->img_h, &r->img_w);
  r->pair = !strcmp(geocl_model_plugin(r->model)->inputs, "pair");
}

static double preset_blr(const geocl_plugin *p, const char *preset) {
  for (const geocl_preset *s = p->presets; preset && s && s->name; s++)
    if (!strcmp(s->name, preset) && s->blr > 0) return s->blr;
  return DEFAULT_BLR;
}

/* What 0 (or -1) stands for in the options, from the model and the data: the
 * same for a new run and for a resumed run's config.json. */
static geocl_status resolve_defaults(run *r) {
  geocl_train_opts *o = &r->o;
  if (o->steps == 0 && o->epochs > 0) {
    double steps = ceil(o->epochs * (double)r->batches_per_epoch);
    if (!(steps < 0x1p63))
      return geocl_set_error(GEOCL_E_INVALID, "--epochs %g: %g epochs of %lld batches do not fit in 2^63 steps",
                             o->epochs, o->epochs, (long long)r->batches_per_epoch);
    o->steps = (int64_t)steps;
  }
  if (o->steps == 0) o->steps = DEFAULT_STEPS;
  if (o->blr == 0) o->blr = preset_blr(geocl_model_plugin(r->model), o->model);
  if (o->lr == 0) o->lr = o->blr * o->batch / 256.0;
  if (o->warmup < 0) o->warmup = o->steps / 20;
  if (o->recon_every == 0) o->recon_every = o->save_every;
  return geocl_train_opts_check(o);
}

static geocl_status setup_new(run *r) {
  geocl_train_opts *o = &r->o;
  if (o->log_every == 0) o->log_every = DEFAULT_LOG_EVERY;
  geocl_status st = geocl_train_opts_check(o);
  if (st != GEOCL_OK) return st;
  const geocl_plugin *p;
  st = geocl_plugin_find(o->task, &p);
  if (st != GEOCL_OK) return st;
  if (!o->model && !o->init) o->model = p->default_preset;
  geocl_model_opts mo = {.task = o->task, .preset = o->model, .weights = o->init, .args = o->args,
                         .n_args = o->n_args, .init_seed = o->seed};
  st = geocl_model_create(r->ctx, &mo, &r->model);
  if (st != GEOCL_OK) return st;
  model_geometry(r);
  st = open_loader(r);
  if (st == GEOCL_OK) st = resolve_defaults(r);
  if (st == GEOCL_OK) st = make_optimizer(r);
  if (st != GEOCL_OK) return st;
  if (!o->out || !*o->out) return geocl_set_error(GEOCL_E_INVALID, "no run directory (--out)");
  r->dir = o->out;
  st = train_make_run_dir(r->dir, &r->lock);
  if (st != GEOCL_OK) return st;
  char *json = geocl_config_to_json(geocl_model_config(r->model));
  st = json ? train_config_write(r->dir, o, json) : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  free(json);
  return st;
}

/* The model of a resumed run: from its checkpoint, or built as the run
 * began when it stopped before its first checkpoint. */
static geocl_status resume_model(run *r, const char *model_config, bool found) {
  char *last = found ? train_path(r->dir, "last.safetensors") : NULL;
  if (found && !last) return geocl_last_status();
  geocl_model_opts mo = {.task = r->o.task, .config_json = model_config, .weights = last, .init_seed = r->o.seed};
  geocl_status st = geocl_model_create(r->ctx, &mo, &r->model);
  if (st == GEOCL_OK && !found && r->o.init) st = geocl_params_load(geocl_model_params(r->model), r->o.init);
  free(last);
  return st;
}

static geocl_status setup_resume(run *r, void **storage, char **model_config) {
  r->dir = r->o.resume;
  geocl_status st = train_lock(r->dir, &r->lock);
  if (st != GEOCL_OK) return st;
  geocl_train_opts saved;
  geocl_train_opts_default(&saved);
  st = train_config_read(r->dir, &saved, model_config, storage);
  if (st != GEOCL_OK) return st;
  /* the run's own settings, except where to run, when to stop and what to print */
  saved.device = r->o.device;
  saved.stop_at = r->o.stop_at;
  saved.resume = r->o.resume;
  saved.out = r->dir;
  if (r->o.log_every) saved.log_every = r->o.log_every;
  if (r->o.recon_every) saved.recon_every = r->o.recon_every;
  r->o = saved;
  train_position pos = {.rng_seed = r->o.seed};
  bool found;
  st = train_position_read(r->dir, &pos, &found);
  if (st != GEOCL_OK) return st;
  train_remove_stale(r->dir, pos.step, r->o.keep);
  st = resume_model(r, *model_config, found);
  if (st != GEOCL_OK) return st;
  model_geometry(r);
  r->step = pos.step;
  r->next = pos.data;
  geocl_rng *rng = geocl_ctx_rng(r->ctx);
  rng->seed = pos.rng_seed;
  rng->counter = pos.rng_counter;
  st = open_loader(r);
  if (st == GEOCL_OK) st = resolve_defaults(r);
  if (st == GEOCL_OK) st = make_optimizer(r);
  if (st == GEOCL_OK && found) st = train_optim_load(r->dir, r->optim, r->step);
  if (st == GEOCL_OK) st = train_metrics_truncate(r->dir, r->step);
  return st;
}

/* ---- checkpoints ---- */

static geocl_status save_checkpoint(run *r) {
  const geocl_rng *rng = geocl_ctx_rng(r->ctx);
  train_position pos = {.step = r->step, .data = r->next, .rng_seed = rng->seed, .rng_counter = rng->counter};
  geocl_status st = train_checkpoint_save(r->dir, r->model, r->optim, &pos, r->o.keep);
  if (st == GEOCL_OK) note(r, "step %lld: checkpoint %s/last.safetensors", (long long)r->step, r->dir);
  return st;
}

/* The picture of step `step` (its first sample). */
static geocl_status save_picture(run *r, int64_t step, const geocl_batch *b, const geocl_outputs *out) {
  bool was = geocl_set_grad_enabled(r->ctx, false);
  geocl_tensor *pic = geocl_model_visualize(r->model, b, out);
  geocl_set_grad_enabled(r->ctx, was);
  if (!pic) return geocl_last_status() == GEOCL_E_UNSUPPORTED ? GEOCL_OK : geocl_last_status();
  char name[64];
  snprintf(name, sizeof name, "recon-%lld.png", (long long)step);
  char *path = train_path(r->dir, name);
  geocl_status st = path ? geocl_write_picture_png(geocl_narrow(pic, 0, 0, 1), path) : geocl_last_status();
  if (st == GEOCL_OK) note(r, "step %lld: picture %s", (long long)step, path);
  free(path);
  return st;
}

/* ---- the loop ---- */

/* Step number r->step + 1 at learning rate lr. */
static geocl_status one_step(run *r, const geocl_pair_batch *pb, double lr, bool picture, float *loss_out) {
  geocl_ctx *ctx = r->ctx;
  int64_t shape[4] = {pb->batch, 3, pb->height, pb->width};
  geocl_batch b = {.size = pb->batch};
  b.image1 = geocl_from_host(ctx, GEOCL_F32, 4, shape, pb->image1);
  if (r->pair) b.image2 = geocl_from_host(ctx, GEOCL_F32, 4, shape, pb->image2);
  if (!b.image1 || (r->pair && !b.image2)) return geocl_last_status();
  for (int g = 0; g < geocl_optim_group_count(r->optim); g++) geocl_optim_set_lr(r->optim, g, lr);
  geocl_params_zero_grad(geocl_model_params(r->model));
  geocl_outputs out;
  geocl_status st = geocl_model_forward(r->model, &b, &out);
  geocl_tensor *loss = st == GEOCL_OK ? geocl_outputs_get(&out, "loss") : NULL;
  if (st == GEOCL_OK) st = geocl_backward(loss);
  if (st == GEOCL_OK) st = geocl_optim_step(r->optim);
  if (st == GEOCL_OK) st = geocl_item(loss, loss_out);
  if (st == GEOCL_OK && !isfinite(*loss_out))
    st = geocl_set_error(GEOCL_E_NUMERIC, "the loss is %s at step %lld", isnan(*loss_out) ? "NaN" : "infinite",
                         (long long)r->step + 1);
  if (st == GEOCL_OK && picture) st = save_picture(r, r->step + 1, &b, &out);
  return st;
}

static geocl_status log_metrics(run *r, const geocl_train_progress *p) {
  char line[512];
  snprintf(line, sizeof line,
           "{\"step\": %lld, \"epoch\": %.6f, \"loss\": %.9g, \"lr\": %.9g, \"pairs_per_s\": %.4g, \"time_s\": %.3f}",
           (long long)p->step, p->epoch, p->loss, p->lr, p->pairs_per_s, p->elapsed_s);
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
    if (r->h && r->h->stop && *r->h->stop) {
      sum->interrupted = true;
      break;
    }
    const geocl_pair_batch *pb;
    st = geocl_pair_loader_next(r->loader, &pb);
    if (st != GEOCL_OK) break;
    bool picture = o->recon_every > 0 && (r->step + 1) % o->recon_every == 0;
    float loss;
    double lr = geocl_lr_at(&r->schedule, o->lr, (double)r->step);
    geocl_scope scope = geocl_scope_begin(r->ctx);
    st = one_step(r, pb, lr, picture, &loss);
    geocl_scope_end(r->ctx, scope);
    if (st != GEOCL_OK) break;
    r->step++;
    r->next = pb->next;
    saved = false;
    interval_steps++;
    double t = geocl_clock_s();
    if (r->step == first_step + 1) { /* the first step builds kernels: leave it out of the speed */
      after_first = t;
      interval_start = t;
      interval_steps = 0;
    }
    if (sum->steps_done == 0) sum->first_loss = loss;
    sum->last_loss = loss;
    sum->steps_done++;
    bool logged = r->step % o->log_every == 0 || r->step == end;
    double rate = interval_steps > 0 ? (double)(interval_steps * o->batch) / (t - interval_start) : 0;
    double done_since = r->step - first_step - 1;
    geocl_train_progress p = {.step = r->step, .steps = o->steps,
                              .epoch = (double)r->step / (double)r->batches_per_epoch, .loss = loss, .lr = lr,
                              .pairs_per_s = rate, .elapsed_s = t - start,
                              .eta_s = done_since > 0 ? (t - after_first) / done_since * (double)(end - r->step) : 0};
    if (logged) {
      st = log_metrics(r, &p);
      interval_start = t;
      interval_steps = 0;
    }
    if (r->h && r->h->on_step) r->h->on_step(&p, logged, r->h->user);
    if (st == GEOCL_OK && (r->step % o->save_every == 0 || r->step == end)) {
      st = save_checkpoint(r);
      saved = true;
    }
    if (st != GEOCL_OK) break;
  }
  if (st == GEOCL_OK && !saved) st = save_checkpoint(r);
  double t = geocl_clock_s();
  sum->elapsed_s = t - start;
  int64_t timed = sum->steps_done - 1;
  sum->pairs_per_s = timed > 0 && after_first > 0 ? (double)(timed * o->batch) / (t - after_first) : 0;
  return st;
}

geocl_status geocl_train_run(const geocl_train_opts *opts, const geocl_train_hooks *hooks,
                             geocl_train_summary *sum) {
  memset(sum, 0, sizeof *sum);
  run r = {.o = *opts, .h = hooks, .lock = -1};
  void *storage = NULL;
  char *model_config = NULL;
  geocl_ctx_opts co = {.device = opts->device, .seed = opts->seed};
  geocl_status st = geocl_ctx_create(&co, &r.ctx);
  if (st == GEOCL_OK) st = opts->resume ? setup_resume(&r, &storage, &model_config) : setup_new(&r);
  if (st == GEOCL_OK) {
    r.schedule = (geocl_lr_schedule){.kind = GEOCL_LR_WARMUP_COSINE, .warmup_epochs = (double)r.o.warmup,
                                     .epochs = (double)r.o.steps, .min_lr = r.o.min_lr};
    sum->run_dir = r.dir;
    note(&r, "%s %s run in %s on %s (%s): %lld steps of %d pairs, lr %.3g", opts->resume ? "resuming" : "starting",
         r.o.task, r.dir, geocl_ctx_device(r.ctx)->name, geocl_ctx_backend_name(r.ctx), (long long)r.o.steps,
         r.o.batch, r.o.lr);
    if (opts->resume) note(&r, "continuing after step %lld", (long long)r.step);
    geocl_ctx_reset_peak(r.ctx);
    st = loop(&r, sum);
    geocl_mem_stats ms;
    geocl_ctx_mem_stats(r.ctx, &ms);
    sum->peak_device_bytes = ms.peak_bytes;
    if (st != GEOCL_OK) geocl_error_prefix("%s", r.dir);
  }
  train_unlock(r.lock);
  geocl_pair_loader_close(r.loader);
  geocl_optim_free(r.optim);
  geocl_model_free(r.model);
  geocl_ctx_free(r.ctx);
  train_config_free(storage);
  free(model_config);
  return st;
}
