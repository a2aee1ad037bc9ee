/* SPDX-License-Identifier: MIT */
/* The numeric training options and config.json: one table gives each option
 * its type and range, so that the command line, library callers and a run's
 * recorded config.json are checked the same way. */
#include <errno.h>
#include <float.h>
#include <json-c/json.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/version.h>
#include <geocl/fileio.h>

#include "train_internal.h"

#define RUN_FORMAT "geocl-run-1"

typedef enum field_type { FIELD_I64, FIELD_INT, FIELD_U64, FIELD_F64 } field_type;

typedef enum recorded { NOT_RECORDED, RECORDED, RECORDED_OPTIONAL /* added later: older runs lack it */ } recorded;

typedef struct train_field {
  const char *option; /* command-line name; in config.json train.<option with '_' for '-'> */
  field_type type;
  int64_t min, max;   /* integer types */
  double lo, hi;      /* FIELD_F64: lo <= x < hi when hi_open, else lo <= x <= hi */
  bool hi_open;
  bool recipe;        /* FIELD_F64: -1 also allowed, standing for the task's recipe */
  recorded rec;       /* kept in config.json */
  size_t offset;
} train_field;

#define I64(name, lo, rec, member) {name, FIELD_I64, lo, INT64_MAX, 0, 0, false, false, rec, offsetof(geocl_train_opts, member)}
#define INT(name, lo, rec, member) {name, FIELD_INT, lo, INT_MAX, 0, 0, false, false, rec, offsetof(geocl_train_opts, member)}
#define F64(name, hi, open, recipe, rec, member) \
  {name, FIELD_F64, 0, 0, 0, hi, open, recipe, rec, offsetof(geocl_train_opts, member)}

static const train_field fields[] = {
    I64("synthetic-pairs", 1, RECORDED, synthetic_pairs),
    INT("workers", 1, RECORDED_OPTIONAL, workers),
    I64("val-every", 0, RECORDED_OPTIONAL, val_every),
    I64("val-batches", 0, RECORDED_OPTIONAL, val_batches),
    F64("val-fraction", 1, true, false, RECORDED_OPTIONAL, val_fraction),
    I64("steps", 0, RECORDED, steps),
    F64("epochs", DBL_MAX, false, false, NOT_RECORDED, epochs),
    INT("batch", 1, RECORDED, batch),
    INT("accum-iter", 1, RECORDED_OPTIONAL, accum_iter),
    F64("lr", DBL_MAX, false, false, RECORDED, lr),
    F64("blr", DBL_MAX, false, false, NOT_RECORDED, blr),
    F64("min-lr", DBL_MAX, false, false, RECORDED, min_lr),
    I64("warmup", -1, RECORDED, warmup),
    F64("weight-decay", DBL_MAX, false, true, RECORDED, weight_decay),
    F64("beta1", 1, true, true, RECORDED, beta1),
    F64("beta2", 1, true, true, RECORDED, beta2),
    F64("clip-grad", DBL_MAX, false, false, RECORDED, clip_grad),
    {"seed", FIELD_U64, 0, 0, 0, 0, false, false, RECORDED, offsetof(geocl_train_opts, seed)},
    I64("stop-at", 0, NOT_RECORDED, stop_at),
    I64("log-every", 1, RECORDED, log_every),
    I64("save-every", 1, RECORDED, save_every),
    INT("keep", 0, RECORDED, keep),
    I64("recon-every", -1, RECORDED, recon_every),
};
#define N_FIELDS (sizeof fields / sizeof *fields)

static const train_field *find_field(const char *option) {
  for (size_t i = 0; i < N_FIELDS; i++)
    if (!strcmp(fields[i].option, option)) return &fields[i];
  return NULL;
}

/* train.<key> of config.json */
static const char *json_key(const train_field *f, char *buf, size_t size) {
  snprintf(buf, size, "%s", f->option);
  for (char *c = buf; *c; c++)
    if (*c == '-') *c = '_';
  return buf;
}

static void *member(geocl_train_opts *o, const train_field *f) { return (char *)o + f->offset; }
static const void *cmember(const geocl_train_opts *o, const train_field *f) { return (const char *)o + f->offset; }

/* The range of f in words, for errors. */
static const char *range_text(const train_field *f, char *buf, size_t size) {
  switch (f->type) {
  case FIELD_U64: snprintf(buf, size, "a whole number from 0 to %llu", (unsigned long long)UINT64_MAX); break;
  case FIELD_F64:
    if (f->hi == DBL_MAX) snprintf(buf, size, "a finite number >= %g%s", f->lo, f->recipe ? " (or -1: the recipe's)" : "");
    else
      snprintf(buf, size, "a number from %g to %g%s%s", f->lo, f->hi, f->hi_open ? " (exclusive)" : "",
               f->recipe ? " (or -1: the recipe's)" : "");
    break;
  default: snprintf(buf, size, "a whole number from %lld to %lld", (long long)f->min, (long long)f->max); break;
  }
  return buf;
}

/* label: what the value is called in the error, NULL for "--<option>" */
static geocl_status out_of_range(const train_field *f, const char *label, const char *text) {
  char range[96];
  return geocl_set_error(GEOCL_E_INVALID, "%s%s %s: expected %s", label ? "" : "--", label ? label : f->option, text,
                         range_text(f, range, sizeof range));
}

/* Parse text into f's member of o. */
static geocl_status set_field(geocl_train_opts *o, const train_field *f, const char *text, const char *label) {
  char *end;
  errno = 0;
  bool ok = text[0] != '\0';
  switch (f->type) {
  case FIELD_I64:
  case FIELD_INT: {
    long long v = strtoll(text, &end, 10);
    ok = ok && !errno && !*end && v >= f->min && v <= f->max;
    if (ok && f->type == FIELD_INT) *(int *)member(o, f) = (int)v;
    else if (ok) *(int64_t *)member(o, f) = v;
    break;
  }
  case FIELD_U64: {
    unsigned long long v = strtoull(text, &end, 10);
    ok = ok && !errno && !*end && text[strspn(text, " \t")] != '-';
    if (ok) *(uint64_t *)member(o, f) = v;
    break;
  }
  case FIELD_F64: {
    double v = strtod(text, &end);
    ok = ok && !errno && !*end && ((v >= f->lo && (f->hi_open ? v < f->hi : v <= f->hi)) || (f->recipe && v == -1));
    if (ok) *(double *)member(o, f) = v;
    break;
  }
  }
  return ok ? GEOCL_OK : out_of_range(f, label, text);
}

geocl_status geocl_train_opts_set(geocl_train_opts *o, const char *option, const char *text) {
  const train_field *f = find_field(option);
  if (!f) return geocl_set_error(GEOCL_E_INVALID, "no numeric training option '%s'", option);
  return set_field(o, f, text, NULL);
}

/* f's value in o as text (the form set_field reads back exactly). */
static const char *field_text(const geocl_train_opts *o, const train_field *f, char *buf, size_t size) {
  switch (f->type) {
  case FIELD_I64: snprintf(buf, size, "%lld", (long long)*(const int64_t *)cmember(o, f)); break;
  case FIELD_INT: snprintf(buf, size, "%d", *(const int *)cmember(o, f)); break;
  case FIELD_U64: snprintf(buf, size, "%llu", (unsigned long long)*(const uint64_t *)cmember(o, f)); break;
  case FIELD_F64: snprintf(buf, size, "%.17g", *(const double *)cmember(o, f)); break;
  }
  return buf;
}

geocl_status geocl_train_opts_check(const geocl_train_opts *o) {
  if (o->val_data && o->val_fraction > 0)
    return geocl_set_error(GEOCL_E_INVALID, "--val-data %s and --val-fraction %g: give one of them", o->val_data,
                           o->val_fraction);
  geocl_train_opts copy = *o;
  for (size_t i = 0; i < N_FIELDS; i++) {
    char text[64];
    geocl_status st = set_field(&copy, &fields[i], field_text(o, &fields[i], text, sizeof text), NULL);
    if (st != GEOCL_OK) return st;
  }
  return GEOCL_OK;
}

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
  add_str(train, "val_data", o->val_data);
  for (size_t i = 0; i < N_FIELDS; i++) {
    const train_field *f = &fields[i];
    if (f->rec == NOT_RECORDED) continue;
    json_object *v = NULL;
    switch (f->type) {
    case FIELD_I64: v = json_object_new_int64(*(const int64_t *)cmember(o, f)); break;
    case FIELD_INT: v = json_object_new_int(*(const int *)cmember(o, f)); break;
    case FIELD_U64: v = json_object_new_uint64(*(const uint64_t *)cmember(o, f)); break;
    case FIELD_F64: v = json_object_new_double(*(const double *)cmember(o, f)); break;
    }
    char key[32];
    json_object_object_add(train, json_key(f, key, sizeof key), v);
  }
  json_object_object_add(root, "train", train);
  const char *text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
  char *path = train_path(dir, "config.json");
  geocl_status st = path ? geocl_file_write_atomic(path, text, strlen(text)) : geocl_last_status();
  free(path);
  json_object_put(root);
  return st;
}

/* The JSON text's one value, or NULL when it is not valid JSON followed by
 * nothing but whitespace. */
static json_object *parse_json(const char *text, size_t size) {
  json_tokener *tok = json_tokener_new();
  if (!tok) return NULL;
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
  json_object *root = size <= INT_MAX ? json_tokener_parse_ex(tok, text, (int)size) : NULL;
  size_t end = json_tokener_get_parse_end(tok);
  bool ok = root && json_tokener_get_error(tok) == json_tokener_success && end + strspn(text + end, " \t\r\n") == size;
  json_tokener_free(tok);
  if (!ok) json_object_put(root);
  return ok ? root : NULL;
}

static bool get(json_object *o, const char *key, json_type type, json_object **v) {
  return json_object_object_get_ex(o, key, v) && json_object_is_type(*v, type);
}

/* One recorded number: the JSON type its field needs, then its text through
 * the command line's parser. */
static geocl_status read_field(json_object *train, const train_field *f, const char *path, geocl_train_opts *o) {
  char key[32], label[4200];
  json_object *v;
  json_key(f, key, sizeof key);
  bool present = json_object_object_get_ex(train, key, &v);
  if (!present && f->rec == RECORDED_OPTIONAL) return GEOCL_OK;
  bool typed = present && (json_object_is_type(v, json_type_int) ||
                           (f->type == FIELD_F64 && json_object_is_type(v, json_type_double)));
  if (!typed)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: train.%s is %s", path, key,
                           present ? (f->type == FIELD_F64 ? "not a number" : "not a whole number") : "missing");
  snprintf(label, sizeof label, "%s: train.%s", path, key);
  if (set_field(o, f, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN), label) == GEOCL_OK) return GEOCL_OK;
  char msg[sizeof label + 160];
  snprintf(msg, sizeof msg, "%s", geocl_last_error());
  return geocl_set_error(GEOCL_E_FORMAT, "%s", msg);
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
  json_object *v;
  if (!get(train, "data", json_type_string, &v))
    return geocl_set_error(GEOCL_E_FORMAT, "%s: train.data is missing or not a string", path);
  o->data = json_object_get_string(v);
  o->val_data = opt_str(train, "val_data"); /* optional: added after the first runs were written */
  for (size_t i = 0; i < N_FIELDS; i++)
    if (fields[i].rec != NOT_RECORDED) {
      geocl_status st = read_field(train, &fields[i], path, o);
      if (st != GEOCL_OK) return st;
    }
  return GEOCL_OK;
}

geocl_status train_config_read(const char *dir, geocl_train_opts *o, const char **model_config,
                               const char **backbone_config, void **storage) {
  *storage = NULL;
  char *path = train_path(dir, "config.json"), *text = NULL;
  size_t size;
  geocl_status st = path ? geocl_text_read_all(path, 1 << 20, &text, &size) : geocl_last_status();
  config_storage *s = st == GEOCL_OK ? calloc(1, sizeof *s) : NULL;
  if (st == GEOCL_OK && !s) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  if (st != GEOCL_OK) {
    free(text);
    free(path);
    return st;
  }
  *storage = s;
  s->root = parse_json(text, size);
  free(text);
  json_object *v, *train, *mc, *bc = NULL;
  if (!s->root || !get(s->root, "format", json_type_string, &v) || strcmp(json_object_get_string(v), RUN_FORMAT) ||
      !get(s->root, "task", json_type_string, &v) || !get(s->root, "model_config", json_type_object, &mc) ||
      !get(s->root, "train", json_type_object, &train))
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: not a geocl run configuration (format %s)", path, RUN_FORMAT);
  if (st == GEOCL_OK) {
    o->task = json_object_get_string(v);
    o->model = opt_str(s->root, "model");
    o->init = opt_str(s->root, "init");
    o->backbone_preset = opt_str(s->root, "backbone_preset");
    o->init_partial = get(s->root, "init_partial", json_type_boolean, &v) && json_object_get_boolean(v);
    st = read_arrays(path, s, o);
  }
  if (st == GEOCL_OK) st = read_train(path, train, o);
  free(path);
  if (st != GEOCL_OK) return st;
  s->model_config = strdup(json_object_to_json_string_ext(mc, JSON_C_TO_STRING_PLAIN));
  if (get(s->root, "backbone_config", json_type_object, &bc))
    s->backbone_config = strdup(json_object_to_json_string_ext(bc, JSON_C_TO_STRING_PLAIN));
  if (!s->model_config || (bc && !s->backbone_config)) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  *model_config = s->model_config;
  *backbone_config = s->backbone_config;
  return GEOCL_OK;
}
