/* SPDX-License-Identifier: MIT */
/* Models: plugin + configuration + parameters, created fresh or from a
 * weights file. */
#include <stdlib.h>
#include <string.h>

#include <geocl/model.h>

struct geocl_model {
  const geocl_plugin *plugin;
  geocl_config *config;
  geocl_params *params;
  void *state;
};

static char *dup_or_null(const char *s) { return s ? strdup(s) : NULL; }

geocl_status geocl_weights_info(const char *path, char **task, char **config_json) {
  *task = *config_json = NULL;
  geocl_st_file *f;
  geocl_status st = geocl_st_open(path, &f);
  if (st != GEOCL_OK) return st;
  const char *model = geocl_st_meta(f, "model"), *config = geocl_st_meta(f, "config");
  const char *kwargs = geocl_st_meta(f, "croco_kwargs");
  if (!config && kwargs) { /* converted from an official CroCo checkpoint */
    config = kwargs;
    if (!model) model = "croco";
  }
  *task = dup_or_null(model);
  *config_json = dup_or_null(config);
  geocl_st_close(f);
  return GEOCL_OK;
}

void geocl_model_free(geocl_model *m) {
  if (!m) return;
  if (m->state) m->plugin->destroy(m->state);
  geocl_params_free(m->params);
  geocl_config_free(m->config);
  free(m);
}

/* Defaults, preset, recorded config, arguments. */
static geocl_status build_config(geocl_model *m, const geocl_model_opts *o, const char *recorded) {
  m->config = geocl_plugin_config(m->plugin);
  if (!m->config) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (o->preset) st = geocl_config_apply_preset(m->config, m->plugin->presets, o->preset);
  if (st == GEOCL_OK && o->config_json) st = geocl_config_apply_json(m->config, o->config_json);
  if (st == GEOCL_OK && recorded) {
    st = geocl_config_apply_json(m->config, recorded);
    if (st != GEOCL_OK) geocl_error_prefix("%s", o->weights);
  }
  for (int i = 0; st == GEOCL_OK && i < o->n_args; i++) st = geocl_config_set_arg(m->config, o->args[i]);
  return st;
}

geocl_status geocl_model_create(geocl_ctx *ctx, const geocl_model_opts *o, geocl_model **out) {
  *out = NULL;
  char *task = NULL, *recorded = NULL;
  geocl_status st = o->weights ? geocl_weights_info(o->weights, &task, &recorded) : GEOCL_OK;
  if (st != GEOCL_OK) return st;
  const char *name = o->task ? o->task : task;
  geocl_model *m = calloc(1, sizeof *m);
  if (!m) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory creating a model");
  else if (!name)
    st = geocl_set_error(GEOCL_E_INVALID, "%s records no task (metadata 'model'); name one", o->weights);
  else if (o->task && task && strcmp(o->task, task))
    st = geocl_set_error(GEOCL_E_INVALID, "%s holds a '%s' model, not '%s'", o->weights, task, o->task);
  if (st == GEOCL_OK) st = geocl_plugin_find(name, &m->plugin);
  if (st == GEOCL_OK) st = build_config(m, o, recorded);
  if (st == GEOCL_OK) st = geocl_params_new(ctx, &m->params);
  /* the configuration must fit the file's tensors before anything is built */
  geocl_st_file *weights = NULL;
  if (st == GEOCL_OK && o->weights && (st = geocl_st_open(o->weights, &weights)) == GEOCL_OK)
    st = geocl_params_expect_file(m->params, weights);
  if (st == GEOCL_OK) st = m->plugin->create(ctx, m->config, m->params, &m->state);
  if (st == GEOCL_OK) st = geocl_params_finalize(m->params);
  geocl_st_close(weights);
  if (st == GEOCL_OK && o->weights) st = geocl_params_load(m->params, o->weights);
  if (st == GEOCL_OK && !o->weights) {
    geocl_rng rng;
    geocl_rng_init(&rng, o->init_seed);
    st = m->plugin->init_weights(m->state, &rng);
  }
  free(task);
  free(recorded);
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

geocl_status geocl_model_forward(geocl_model *m, const geocl_batch *batch, geocl_outputs *out) {
  memset(out, 0, sizeof *out);
  geocl_status st = m->plugin->forward(m->state, batch, out);
  if (st == GEOCL_OK && !geocl_outputs_get(out, "loss"))
    st = geocl_set_error(GEOCL_E_STATE, "plugin %s returned no loss", m->plugin->name);
  return st;
}

geocl_tensor *geocl_model_visualize(geocl_model *m, const geocl_batch *batch, const geocl_outputs *out) {
  if (!m->plugin->visualize) {
    geocl_set_error(GEOCL_E_UNSUPPORTED, "plugin %s draws no pictures", m->plugin->name);
    return NULL;
  }
  return m->plugin->visualize(m->state, batch, out);
}

geocl_status geocl_model_save(const geocl_model *m, const char *path, int n_meta, const geocl_st_kv *meta) {
  char *json = geocl_config_to_json(m->config);
  if (!json) return geocl_set_error(GEOCL_E_NOMEM, "out of memory saving %s", path);
  geocl_st_kv *all = malloc(sizeof *all * (size_t)(n_meta + 2));
  if (!all) {
    free(json);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory saving %s", path);
  }
  all[0] = (geocl_st_kv){"model", m->plugin->name};
  all[1] = (geocl_st_kv){"config", json};
  if (n_meta) memcpy(all + 2, meta, sizeof *all * (size_t)n_meta);
  geocl_status st = geocl_params_save(m->params, path, n_meta + 2, all);
  free(all);
  free(json);
  return st;
}
