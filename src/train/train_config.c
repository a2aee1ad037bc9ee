/* SPDX-License-Identifier: MIT */
/* config.json: everything a run needs to be rebuilt or resumed. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/version.h>
#include <geocl/fileio.h>

#include "train_internal.h"

#define RUN_FORMAT "geocl-run-1"

static void add_str(json_object *o, const char *key, const char *v) {
  json_object_object_add(o, key, v ? json_object_new_string(v) : NULL);
}

static json_object *str_array(const char *const *v, int n) {
  json_object *a = json_object_new_array();
  for (int i = 0; i < n; i++) json_object_array_add(a, json_object_new_string(v[i]));
  return a;
}

/* A configuration as a JSON object (NULL when out of memory). */
static json_object *config_object(const geocl_config *cfg) {
  char *text = geocl_config_to_json(cfg);
  json_object *o = text ? json_tokener_parse(text) : NULL;
  free(text);
  return o;
}

geocl_status train_config_write(const char *dir, const geocl_train_opts *o, const geocl_model *m) {
  const geocl_backbone *bb = geocl_model_backbone(m);
  json_object *model_config = config_object(geocl_model_config(m));
  json_object *backbone_config = bb ? config_object(geocl_backbone_config(bb)) : NULL;
  if (!model_config || (bb && !backbone_config)) {
    json_object_put(model_config);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory writing %s/config.json", dir);
  }
  json_object *root = json_object_new_object(), *train = json_object_new_object();
  add_str(root, "format", RUN_FORMAT);
  add_str(root, "geocl_version", GEOCL_VERSION);
  add_str(root, "task", o->task);
  add_str(root, "model", o->model);
  json_object_object_add(root, "model_config", model_config);
  if (backbone_config) json_object_object_add(root, "backbone_config", backbone_config);
  add_str(root, "init", o->init);
  add_str(root, "backbone_preset", o->backbone_preset);
  json_object_object_add(root, "init_map", str_array(o->init_map, o->n_init_map));
  json_object_object_add(root, "init_partial", json_object_new_boolean(o->init_partial));
  json_object_object_add(root, "freeze", str_array(o->freeze, o->n_freeze));
  json_object_object_add(root, "lr_mult", str_array(o->lr_mult, o->n_lr_mult));
  add_str(train, "data", o->data);
  json_object_object_add(train, "synthetic_pairs", json_object_new_int64(o->synthetic_pairs));
  json_object_object_add(train, "workers", json_object_new_int(o->workers));
  add_str(train, "val_data", o->val_data);
  json_object_object_add(train, "val_every", json_object_new_int64(o->val_every));
  json_object_object_add(train, "val_batches", json_object_new_int64(o->val_batches));
  json_object_object_add(train, "steps", json_object_new_int64(o->steps));
  json_object_object_add(train, "batch", json_object_new_int(o->batch));
  json_object_object_add(train, "lr", json_object_new_double(o->lr));
  json_object_object_add(train, "min_lr", json_object_new_double(o->min_lr));
  json_object_object_add(train, "warmup", json_object_new_int64(o->warmup));
  json_object_object_add(train, "weight_decay", json_object_new_double(o->weight_decay));
  json_object_object_add(train, "beta1", json_object_new_double(o->beta1));
  json_object_object_add(train, "beta2", json_object_new_double(o->beta2));
  json_object_object_add(train, "clip_grad", json_object_new_double(o->clip_grad));
  json_object_object_add(train, "seed", json_object_new_uint64(o->seed));
  json_object_object_add(train, "log_every", json_object_new_int64(o->log_every));
  json_object_object_add(train, "save_every", json_object_new_int64(o->save_every));
  json_object_object_add(train, "keep", json_object_new_int(o->keep));
  json_object_object_add(train, "recon_every", json_object_new_int64(o->recon_every));
  json_object_object_add(root, "train", train);
  const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
  char path[4200];
  snprintf(path, sizeof path, "%s/config.json", dir);
  geocl_status st = geocl_file_write_atomic(path, text, strlen(text));
  json_object_put(root);
  return st;
}

static bool get(json_object *o, const char *key, json_type type, json_object **v) {
  return json_object_object_get_ex(o, key, v) && json_object_is_type(*v, type);
}

/* What train_config_read hands out lives here. */
typedef struct config_storage {
  json_object *root;
  char *model_config, *backbone_config;
  const char **arrays; /* init_map, freeze, lr_mult, one after the other */
} config_storage;

void train_config_free(void *storage) {
  config_storage *s = storage;
  if (!s) return;
  json_object_put(s->root);
  free(s->model_config);
  free(s->backbone_config);
  free(s->arrays);
  free(s);
}

/* Optional string arrays of the root: filled into *slot, pointing into root. */
static geocl_status read_arrays(const char *path, config_storage *s, geocl_train_opts *o) {
  static const char *const keys[3] = {"init_map", "freeze", "lr_mult"};
  json_object *a[3] = {NULL, NULL, NULL};
  size_t total = 0;
  for (int k = 0; k < 3; k++) {
    if (!json_object_object_get_ex(s->root, keys[k], &a[k]) || !a[k]) continue;
    if (!json_object_is_type(a[k], json_type_array))
      return geocl_set_error(GEOCL_E_FORMAT, "%s: %s is not an array", path, keys[k]);
    total += json_object_array_length(a[k]);
  }
  if (!(s->arrays = calloc(total + 1, sizeof *s->arrays))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  const char **next = s->arrays;
  const char *const **lists[3] = {&o->init_map, &o->freeze, &o->lr_mult};
  int *counts[3] = {&o->n_init_map, &o->n_freeze, &o->n_lr_mult};
  for (int k = 0; k < 3; k++) {
    *lists[k] = next;
    *counts[k] = 0;
    for (size_t i = 0; a[k] && i < json_object_array_length(a[k]); i++) {
      json_object *v = json_object_array_get_idx(a[k], i);
      if (!json_object_is_type(v, json_type_string))
        return geocl_set_error(GEOCL_E_FORMAT, "%s: %s[%zu] is not a string", path, keys[k], i);
      *next++ = json_object_get_string(v);
      (*counts[k])++;
    }
  }
  return GEOCL_OK;
}

static const char *opt_str(json_object *o, const char *key) {
  json_object *v;
  return get(o, key, json_type_string, &v) ? json_object_get_string(v) : NULL;
}

static geocl_status read_train(const char *path, json_object *train, geocl_train_opts *o) {
  struct {
    const char *key;
    json_type type;
  } need[] = {{"data", json_type_string},          {"synthetic_pairs", json_type_int}, {"steps", json_type_int},
              {"batch", json_type_int},            {"lr", json_type_double},           {"min_lr", json_type_double},
              {"warmup", json_type_int},           {"weight_decay", json_type_double}, {"beta1", json_type_double},
              {"beta2", json_type_double},         {"clip_grad", json_type_double},    {"seed", json_type_int},
              {"log_every", json_type_int},        {"save_every", json_type_int},      {"keep", json_type_int},
              {"recon_every", json_type_int}};
  for (size_t i = 0; i < sizeof need / sizeof *need; i++) {
    json_object *x;
    /* integers serialise without a decimal point: accept them as doubles too */
    bool ok = json_object_object_get_ex(train, need[i].key, &x) &&
              (json_object_is_type(x, need[i].type) ||
               (need[i].type == json_type_double && json_object_is_type(x, json_type_int)));
    if (!ok) return geocl_set_error(GEOCL_E_FORMAT, "%s: train.%s is missing or of the wrong type", path, need[i].key);
  }
  json_object *v;
#define FIELD(k) (json_object_object_get_ex(train, k, &v), v)
  o->data = json_object_get_string(FIELD("data"));
  o->synthetic_pairs = json_object_get_int64(FIELD("synthetic_pairs"));
  o->steps = json_object_get_int64(FIELD("steps"));
  o->batch = json_object_get_int(FIELD("batch"));
  o->lr = json_object_get_double(FIELD("lr"));
  o->min_lr = json_object_get_double(FIELD("min_lr"));
  o->warmup = json_object_get_int64(FIELD("warmup"));
  o->weight_decay = json_object_get_double(FIELD("weight_decay"));
  o->beta1 = json_object_get_double(FIELD("beta1"));
  o->beta2 = json_object_get_double(FIELD("beta2"));
  o->clip_grad = json_object_get_double(FIELD("clip_grad"));
  o->seed = json_object_get_uint64(FIELD("seed"));
  o->log_every = json_object_get_int64(FIELD("log_every"));
  o->save_every = json_object_get_int64(FIELD("save_every"));
  o->keep = json_object_get_int(FIELD("keep"));
  o->recon_every = json_object_get_int64(FIELD("recon_every"));
#undef FIELD
  /* added after the first runs were written: optional */
  o->val_data = opt_str(train, "val_data");
  if (get(train, "val_every", json_type_int, &v)) o->val_every = json_object_get_int64(v);
  if (get(train, "val_batches", json_type_int, &v)) o->val_batches = json_object_get_int64(v);
  if (get(train, "workers", json_type_int, &v)) o->workers = json_object_get_int(v);
  return GEOCL_OK;
}

geocl_status train_config_read(const char *dir, geocl_train_opts *o, const char **model_config,
                               const char **backbone_config, void **storage) {
  char path[4200], *text;
  size_t size;
  *storage = NULL;
  snprintf(path, sizeof path, "%s/config.json", dir);
  geocl_status st = geocl_file_read_all(path, 1 << 20, &text, &size);
  if (st != GEOCL_OK) return st;
  config_storage *s = calloc(1, sizeof *s);
  if (!s) {
    free(text);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  *storage = s;
  s->root = json_tokener_parse(text);
  free(text);
  json_object *v, *train, *mc, *bc = NULL;
  if (!s->root || !get(s->root, "format", json_type_string, &v) || strcmp(json_object_get_string(v), RUN_FORMAT) ||
      !get(s->root, "task", json_type_string, &v) || !get(s->root, "model_config", json_type_object, &mc) ||
      !get(s->root, "train", json_type_object, &train))
    return geocl_set_error(GEOCL_E_FORMAT, "%s: not a geocl run configuration (format %s)", path, RUN_FORMAT);
  o->task = json_object_get_string(v);
  o->model = opt_str(s->root, "model");
  o->init = opt_str(s->root, "init");
  o->backbone_preset = opt_str(s->root, "backbone_preset");
  o->init_partial = get(s->root, "init_partial", json_type_boolean, &v) && json_object_get_boolean(v);
  st = read_arrays(path, s, o);
  if (st == GEOCL_OK) st = read_train(path, train, o);
  if (st != GEOCL_OK) return st;
  s->model_config = strdup(json_object_to_json_string_ext(mc, JSON_C_TO_STRING_PLAIN));
  if (get(s->root, "backbone_config", json_type_object, &bc))
    s->backbone_config = strdup(json_object_to_json_string_ext(bc, JSON_C_TO_STRING_PLAIN));
  if (!s->model_config || (bc && !s->backbone_config)) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  *model_config = s->model_config;
  *backbone_config = s->backbone_config;
  return GEOCL_OK;
}
