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

geocl_status train_config_write(const char *dir, const geocl_train_opts *o, const char *model_config_json) {
  json_object *root = json_object_new_object(), *train = json_object_new_object();
  json_object *model_config = json_tokener_parse(model_config_json);
  add_str(root, "format", RUN_FORMAT);
  add_str(root, "geocl_version", GEOCL_VERSION);
  add_str(root, "task", o->task);
  add_str(root, "model", o->model);
  json_object_object_add(root, "model_config", model_config);
  add_str(root, "init", o->init);
  add_str(train, "data", o->data);
  json_object_object_add(train, "synthetic_pairs", json_object_new_int64(o->synthetic_pairs));
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

geocl_status train_config_read(const char *dir, geocl_train_opts *o, char **model_config_json, void **storage) {
  char path[4200], *text;
  size_t size;
  snprintf(path, sizeof path, "%s/config.json", dir);
  geocl_status st = geocl_file_read_all(path, 1 << 20, &text, &size);
  if (st != GEOCL_OK) return st;
  json_object *root = json_tokener_parse(text), *v, *train, *mc;
  free(text);
  if (!root || !get(root, "format", json_type_string, &v) || strcmp(json_object_get_string(v), RUN_FORMAT) ||
      !get(root, "task", json_type_string, &v) || !get(root, "model_config", json_type_object, &mc) ||
      !get(root, "train", json_type_object, &train)) {
    json_object_put(root);
    return geocl_set_error(GEOCL_E_FORMAT, "%s: not a geocl run configuration (format %s)", path, RUN_FORMAT);
  }
  o->task = json_object_get_string(v);
  o->model = get(root, "model", json_type_string, &v) ? json_object_get_string(v) : NULL;
  o->init = get(root, "init", json_type_string, &v) ? json_object_get_string(v) : NULL;
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
    if (!ok) {
      json_object_put(root);
      return geocl_set_error(GEOCL_E_FORMAT, "%s: train.%s is missing or of the wrong type", path, need[i].key);
    }
  }
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
  *model_config_json = strdup(json_object_to_json_string_ext(mc, JSON_C_TO_STRING_PLAIN));
  *storage = root;
  return GEOCL_OK;
}

void train_config_free(void *storage) {
  if (storage) json_object_put(storage);
}
