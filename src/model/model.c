/* SPDX-License-Identifier: MIT */
/* Models: plugin + configuration + parameters (+ a head's backbone), created
 * fresh, from a checkpoint of the model, or from a pre-trained backbone. */
#include <stdlib.h>
#include <string.h>

#include <geocl/autograd.h>

#include "model/model_internal.h"

struct geocl_model {
  geocl_ctx *ctx;
  const geocl_plugin *plugin;
  geocl_config *config;
  geocl_params *params;
  void *state;
  geocl_backbone *backbone;
  geocl_load_report report;
  int n_groups;
  geocl_model_group groups[GEOCL_PARAMS_MAX_GROUPS];
  geocl_param_rule *rules; /* the caller's then the recipe's (group.match points into them) */
  int n_rules;
};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

void geocl_weights_meta_free(geocl_weights_meta *m) {
  free(m->task);
  free(m->config_json);
  free(m->backbone);
  free(m->backbone_config_json);
  free(m->plugin_state);
  memset(m, 0, sizeof *m);
}

/* A file converted from an original implementation's checkpoint keeps the
 * constructor arguments under the key its plugin names. */
static void official_config(const geocl_st_file *f, const char **task, const char **config) {
  const geocl_plugin *const *all;
  int n;
  const char *notes;
  geocl_plugin_list(&all, &n, &notes);
  for (int i = 0; i < n && !*config; i++) {
    const char *key = all[i]->official_config_key;
    const char *v = key ? geocl_st_meta(f, key) : NULL;
    if (v && (!*task || !strcmp(*task, all[i]->name))) {
      *config = v;
      *task = all[i]->name;
    }
  }
}

geocl_status geocl_weights_info(const char *path, geocl_weights_meta *m) {
  memset(m, 0, sizeof *m);
  geocl_st_file *f;
  geocl_status st = geocl_st_open(path, &f);
  if (st != GEOCL_OK) return st;
  const char *task = geocl_st_meta(f, "model"), *config = geocl_st_meta(f, "config");
  if (!config) official_config(f, &task, &config);
  m->task = dup_or_null(task);
  m->config_json = dup_or_null(config);
  m->backbone = dup_or_null(geocl_st_meta(f, "backbone"));
  m->backbone_config_json = dup_or_null(geocl_st_meta(f, "backbone_config"));
  m->plugin_state = dup_or_null(geocl_st_meta(f, "plugin_state"));
  geocl_st_close(f);
  return GEOCL_OK;
}

void geocl_model_free(geocl_model *m) {
  if (!m) return;
  if (m->state) m->plugin->destroy(m->state);
  backbone_free(m->backbone);
  geocl_params_free(m->params);
  geocl_config_free(m->config);
  free(m->rules);
  free(m);
}

static bool is_backbone_arg(const char *arg) { return !strncmp(arg, "backbone.", 9); }

/* Defaults, preset, given JSON, recorded config, arguments. */
static geocl_status build_config(geocl_config *cfg, const geocl_preset *presets, const char *preset, const char *json,
                                 const char *recorded, const char *recorded_in, const geocl_model_opts *o,
                                 bool backbone) {
  geocl_status st = GEOCL_OK;
  if (preset) st = geocl_config_apply_preset(cfg, presets, preset);
  if (st == GEOCL_OK && json) st = geocl_config_apply_json(cfg, json);
  if (st == GEOCL_OK && recorded) {
    st = geocl_config_apply_json(cfg, recorded);
    if (st != GEOCL_OK) geocl_error_prefix("%s", recorded_in);
  }
  for (int i = 0; st == GEOCL_OK && i < o->n_args; i++)
    if (is_backbone_arg(o->args[i]) == backbone) st = geocl_config_set_arg(cfg, o->args[i] + (backbone ? 9 : 0));
  return st;
}

/* The backbone's recorded configuration: a head checkpoint's
 * backbone_config, or a pre-trained file's own config when it holds the
 * backbone's task. */
static geocl_status backbone_config(geocl_model *m, const geocl_model_opts *o, const geocl_weights_meta *weights) {
  geocl_weights_meta init = {0};
  const char *recorded = weights->backbone_config_json, *from = o->weights;
  geocl_status st = GEOCL_OK;
  if (!o->weights && o->init) {
    st = geocl_weights_info(o->init, &init);
    from = o->init;
    recorded = init.backbone_config_json;
    if (!recorded && init.task && !strcmp(init.task, m->plugin->backbone)) recorded = init.config_json;
  }
  if (st == GEOCL_OK) {
    /* a backbone built from nothing recorded starts from its plugin's default preset */
    const geocl_plugin *bp = m->backbone->plugin;
    const char *preset = o->backbone_preset;
    if (!preset && !recorded && !o->backbone_config_json) preset = bp->default_preset;
    st = build_config(m->backbone->config, bp->presets, preset, o->backbone_config_json, recorded, from, o, true);
  }
  geocl_weights_meta_free(&init);
  return st;
}

/* Group of each trainable parameter: one per (first matching rule, decays). */
static geocl_status assign_groups(geocl_model *m) {
  const geocl_recipe *recipe = geocl_plugin_recipe(m->plugin);
  int key_rule[GEOCL_PARAMS_MAX_GROUPS];
  bool key_decay[GEOCL_PARAMS_MAX_GROUPS];
  int n_params = geocl_params_count(m->params);
  /* groups in a fixed order: by rule (no rule last), decayed first */
  for (int r = 0; r <= m->n_rules; r++) {
    int rule = r < m->n_rules ? r : -1;
    for (int decay = 1; decay >= 0; decay--) {
      int g = -1;
      for (int i = 0; i < n_params; i++) {
        if (geocl_params_is_buffer(m->params, i)) continue;
        const char *name = geocl_params_name(m->params, i);
        int match = -1;
        for (int k = 0; k < m->n_rules && match < 0; k++)
          if (!strncmp(name, m->rules[k].match, strlen(m->rules[k].match))) match = k;
        bool decays = recipe->decay_all || geocl_params_declared_group(m->params, i) == GEOCL_PARAM_DECAY;
        if (match != rule || decays != (bool)decay) continue;
        if (match >= 0 && m->rules[match].frozen) {
          geocl_status st = geocl_params_freeze(m->params, i);
          if (st != GEOCL_OK) return st;
          continue;
        }
        if (g < 0) {
          if (m->n_groups == GEOCL_PARAMS_MAX_GROUPS)
            return geocl_set_error(GEOCL_E_INVALID, "%s: more than %d parameter groups", m->plugin->name,
                                   GEOCL_PARAMS_MAX_GROUPS);
          g = m->n_groups++;
          key_rule[g] = rule;
          key_decay[g] = decay;
        }
        geocl_status st = geocl_params_set_group(m->params, i, g);
        if (st != GEOCL_OK) return st;
      }
    }
  }
  for (int g = 0; g < m->n_groups; g++) {
    const geocl_param_rule *r = key_rule[g] >= 0 ? &m->rules[key_rule[g]] : NULL;
    m->groups[g] = (geocl_model_group){.match = r ? r->match : NULL,
                                       .lr_mult = r && r->lr_mult > 0 ? r->lr_mult : 1,
                                       .optim = r ? r->optim : NULL,
                                       .decay = key_decay[g]};
  }
  return GEOCL_OK;
}

static geocl_status copy_rules(geocl_model *m, const geocl_model_opts *o) {
  const geocl_param_rule *recipe = geocl_plugin_recipe(m->plugin)->rules;
  int n_recipe = 0;
  while (recipe && recipe[n_recipe].match) n_recipe++;
  m->rules = calloc((size_t)(o->n_rules + n_recipe + 1), sizeof *m->rules);
  if (!m->rules) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = 0; i < o->n_rules; i++) m->rules[m->n_rules++] = o->rules[i];
  for (int i = 0; i < n_recipe; i++) m->rules[m->n_rules++] = recipe[i];
  return GEOCL_OK;
}

/* A head's backbone from a pre-trained file: every backbone tensor must be
 * there (unless init_partial); the rest loads where the file has it. */
static geocl_status load_init(geocl_model *m, const geocl_model_opts *o) {
  int n = geocl_params_count(m->params);
  bool *required = calloc((size_t)n + 1, sizeof *required);
  if (!required) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = m->backbone->first_param; !o->init_partial && i < m->backbone->end_param; i++) required[i] = true;
  geocl_params_load_opts lo = {.map = o->init_map, .n_map = o->n_init_map, .required = required};
  geocl_backbone_info info; /* cosine position tables of another grid are resampled to the backbone's */
  if (geocl_backbone_get_info(m->backbone, &info) == GEOCL_OK && info.patch > 0) {
    lo.pos_grid[0] = info.height / info.patch;
    lo.pos_grid[1] = info.width / info.patch;
  }
  geocl_status st = geocl_params_load_partial(m->params, o->init, &lo, &m->report);
  free(required);
  return st;
}

static geocl_status resolve_task(const geocl_model_opts *o, const geocl_weights_meta *w, const char **name) {
  *name = o->task ? o->task : w->task;
  if (!*name) return geocl_set_error(GEOCL_E_INVALID, "%s records no task (metadata 'model'); name one", o->weights);
  if (o->task && w->task && strcmp(o->task, w->task))
    return geocl_set_error(GEOCL_E_INVALID, "%s holds a '%s' model, not '%s'", o->weights, w->task, o->task);
  return GEOCL_OK;
}

static geocl_status create_backbone(geocl_model *m, const geocl_model_opts *o, const geocl_weights_meta *w) {
  const geocl_plugin *bp;
  if (w->backbone && strcmp(w->backbone, m->plugin->backbone))
    return geocl_set_error(GEOCL_E_INVALID, "%s: a %s head on a %s backbone; the plugin expects %s", o->weights,
                           m->plugin->name, w->backbone, m->plugin->backbone);
  geocl_status st = geocl_plugin_find(m->plugin->backbone, &bp);
  if (st == GEOCL_OK) st = backbone_new(m->ctx, bp, m->params, &m->backbone);
  if (st == GEOCL_OK) st = backbone_config(m, o, w);
  return st;
}

static geocl_status build(geocl_model *m, const geocl_model_opts *o, const geocl_weights_meta *w) {
  geocl_status st = geocl_params_new(m->ctx, &m->params);
  /* the configuration must fit the file's tensors before anything is built */
  geocl_st_file *weights = NULL;
  if (st == GEOCL_OK && o->weights && (st = geocl_st_open(o->weights, &weights)) == GEOCL_OK)
    st = geocl_params_expect_file(m->params, weights);
  if (st == GEOCL_OK) st = copy_rules(m, o);
  if (st == GEOCL_OK && m->plugin->backbone) st = create_backbone(m, o, w);
  else if (st == GEOCL_OK && (o->init || o->backbone_preset))
    st = geocl_set_error(GEOCL_E_INVALID, "task %s is not a head: --init and a backbone preset apply to heads only",
                         m->plugin->name);
  if (st == GEOCL_OK) st = m->plugin->create(m->ctx, m->config, m->params, m->backbone, &m->state);
  if (st == GEOCL_OK && m->backbone && !m->backbone->state)
    st = geocl_set_error(GEOCL_E_STATE, "head %s did not build its backbone", m->plugin->name);
  if (st == GEOCL_OK) st = assign_groups(m);
  if (st == GEOCL_OK) st = geocl_params_finalize(m->params);
  geocl_st_close(weights);
  if (st == GEOCL_OK && o->weights) st = geocl_params_load(m->params, o->weights);
  if (st == GEOCL_OK && !o->weights) {
    geocl_rng rng;
    geocl_rng_init(&rng, o->init_seed);
    st = m->plugin->init_weights(m->state, &rng);
    if (st == GEOCL_OK && o->init) st = load_init(m, o);
  }
  if (st == GEOCL_OK && w->plugin_state && m->plugin->load_state) {
    st = m->plugin->load_state(m->state, w->plugin_state);
    if (st != GEOCL_OK) geocl_error_prefix("%s: plugin state", o->weights);
  }
  return st;
}

geocl_status geocl_model_create(geocl_ctx *ctx, const geocl_model_opts *o, geocl_model **out) {
  *out = NULL;
  geocl_weights_meta w = {0};
  geocl_status st = o->weights ? geocl_weights_info(o->weights, &w) : GEOCL_OK;
  if (st != GEOCL_OK) return st;
  const char *name = NULL;
  geocl_model *m = calloc(1, sizeof *m);
  if (!m) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory creating a model");
  if (st == GEOCL_OK) st = resolve_task(o, &w, &name);
  if (st == GEOCL_OK) {
    m->ctx = ctx;
    st = geocl_plugin_find(name, &m->plugin);
  }
  if (st == GEOCL_OK && !(m->config = geocl_plugin_config(m->plugin))) st = geocl_last_status();
  if (st == GEOCL_OK)
    st = build_config(m->config, m->plugin->presets, o->preset, o->config_json, w.config_json, o->weights, o, false);
  if (st == GEOCL_OK) st = build(m, o, &w);
  geocl_weights_meta_free(&w);
  if (st != GEOCL_OK) {
    geocl_model_free(m);
    return st;
  }
  *out = m;
  return GEOCL_OK;
}

const geocl_plugin *geocl_model_plugin(const geocl_model *m) { return m->plugin; }
const geocl_config *geocl_model_config(const geocl_model *m) { return m->config; }
geocl_params *geocl_model_params(const geocl_model *m) { return m->params; }
geocl_backbone *geocl_model_backbone(const geocl_model *m) { return m->backbone; }
geocl_ctx *geocl_model_ctx(const geocl_model *m) { return m->ctx; }
const geocl_load_report *geocl_model_load_report(const geocl_model *m) { return &m->report; }

const geocl_model_group *geocl_model_group_get(const geocl_model *m, int g) {
  return g >= 0 && g < m->n_groups ? &m->groups[g] : NULL;
}

geocl_status geocl_model_data_spec(const geocl_model *m, bool training, geocl_data_spec *spec, const char **pipeline) {
  memset(spec, 0, sizeof *spec);
  const geocl_plugin *p = m->plugin;
  geocl_input_size size = {0};
  if (!p->input_size) return geocl_set_error(GEOCL_E_UNSUPPORTED, "task %s does not say its input size", p->name);
  geocl_status st = p->input_size(m->state, &size);
  spec->height = size.height;
  spec->width = size.width;
  spec->points = size.points;
  for (int i = 0; i < 2; i++) {
    spec->resize_long[i] = size.resize_long[i];
    spec->resize_short[i] = size.resize_short[i];
  }
  spec->fields = geocl_fields_of(training ? p->train_fields : p->infer_fields);
  spec->augment = training;
  if (pipeline) *pipeline = p->pipeline ? p->pipeline : "pair";
  return st;
}

geocl_status geocl_model_forward(geocl_model *m, const geocl_batch *batch, geocl_outputs *out) {
  memset(out, 0, sizeof *out);
  return m->plugin->forward(m->state, batch, out);
}

geocl_tensor *geocl_model_visualize(geocl_model *m, const geocl_batch *batch, const geocl_outputs *out) {
  if (!m->plugin->visualize) {
    geocl_set_error(GEOCL_E_UNSUPPORTED, "plugin %s draws no pictures", m->plugin->name);
    return NULL;
  }
  return m->plugin->visualize(m->state, batch, out);
}

static geocl_status evaluate_batch(geocl_model *m, const geocl_host_batch *hb, geocl_metrics *acc) {
  geocl_batch b;
  geocl_outputs out;
  geocl_status st = geocl_batch_upload(m->ctx, hb, false, 0, &b);
  if (st == GEOCL_OK) st = geocl_model_forward(m, &b, &out);
  if (st == GEOCL_OK && m->plugin->evaluate) st = m->plugin->evaluate(m->state, &b, &out, acc);
  geocl_tensor *loss = st == GEOCL_OK ? geocl_outputs_get(&out, "loss") : NULL;
  float value;
  if (loss && (st = geocl_item(loss, &value)) == GEOCL_OK) st = geocl_metrics_add(acc, "loss", value * hb->batch, hb->batch);
  return st;
}

geocl_status geocl_model_evaluate(geocl_model *m, geocl_loader *loader, int64_t max_batches, geocl_metrics *report) {
  memset(report, 0, sizeof *report);
  int64_t n = geocl_loader_batches_per_epoch(loader);
  if (max_batches > 0 && max_batches < n) n = max_batches;
  geocl_metrics acc = {0};
  bool was = geocl_set_grad_enabled(m->ctx, false);
  geocl_status st = GEOCL_OK;
  for (int64_t i = 0; i < n && st == GEOCL_OK; i++) {
    const geocl_host_batch *hb;
    st = geocl_loader_next(loader, &hb);
    geocl_scope scope = geocl_scope_begin(m->ctx);
    if (st == GEOCL_OK) st = evaluate_batch(m, hb, &acc);
    geocl_scope_end(m->ctx, scope);
  }
  geocl_set_grad_enabled(m->ctx, was);
  if (st != GEOCL_OK) return st;
  if (m->plugin->eval_report) return m->plugin->eval_report(m->state, &acc, report);
  *report = acc;
  return GEOCL_OK;
}

geocl_status geocl_model_save(const geocl_model *m, const char *path, int n_meta, const geocl_st_kv *meta) {
  char *json = geocl_config_to_json(m->config);
  char *bb_json = m->backbone ? geocl_config_to_json(m->backbone->config) : NULL;
  char *state = m->plugin->save_state ? m->plugin->save_state(m->state) : NULL;
  geocl_st_kv *all = malloc(sizeof *all * (size_t)(n_meta + 5));
  geocl_status st = GEOCL_OK;
  if (!json || !all || (m->backbone && !bb_json) || (m->plugin->save_state && !state))
    st = geocl_set_error(GEOCL_E_NOMEM, "out of memory saving %s", path);
  int n = 0;
  if (st == GEOCL_OK) {
    all[n++] = (geocl_st_kv){"model", m->plugin->name};
    all[n++] = (geocl_st_kv){"config", json};
    if (m->backbone) {
      all[n++] = (geocl_st_kv){"backbone", m->backbone->plugin->name};
      all[n++] = (geocl_st_kv){"backbone_config", bb_json};
    }
    if (state) all[n++] = (geocl_st_kv){"plugin_state", state};
    if (n_meta) memcpy(all + n, meta, sizeof *all * (size_t)n_meta);
    st = geocl_params_save(m->params, path, n + n_meta, all);
  }
  free(all);
  free(json);
  free(bb_json);
  free(state);
  return st;
}
