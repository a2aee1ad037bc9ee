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

#include "io/fileio.h"
#include "train_internal.h"

#define RUN_FORMAT "geocl-run-1"

typedef enum field_type { FIELD_I64, FIELD_INT, FIELD_U64, FIELD_F64 } field_type;

typedef struct train_field {
  const char *option; /* command-line name; in config.json train.<option with '_' for '-'> */
  field_type type;
  int64_t min, max;   /* integer types */
  double lo, hi;      /* FIELD_F64: lo <= x < hi when hi_open, else lo <= x <= hi */
  bool hi_open;
  bool recorded;      /* kept in config.json */
  size_t offset;
} train_field;

#define I64(name, lo, rec, member) {name, FIELD_I64, lo, INT64_MAX, 0, 0, false, rec, offsetof(geocl_train_opts, member)}
#define INT(name, lo, member) {name, FIELD_INT, lo, INT_MAX, 0, 0, false, true, offsetof(geocl_train_opts, member)}
#define F64(name, hi, open, rec, member) {name, FIELD_F64, 0, 0, 0, hi, open, rec, offsetof(geocl_train_opts, member)}

static const train_field fields[] = {
    I64("synthetic-pairs", 1, true, synthetic_pairs),
    I64("steps", 0, true, steps),
    F64("epochs", DBL_MAX, false, false, epochs),
    INT("batch", 1, batch),
    F64("lr", DBL_MAX, false, true, lr),
    F64("blr", DBL_MAX, false, false, blr),
    F64("min-lr", DBL_MAX, false, true, min_lr),
    I64("warmup", -1, true, warmup),
    F64("weight-decay", DBL_MAX, false, true, weight_decay),
    F64("beta1", 1, true, true, beta1),
    F64("beta2", 1, true, true, beta2),
    F64("clip-grad", DBL_MAX, false, true, clip_grad),
    {"seed", FIELD_U64, 0, 0, 0, 0, false, true, offsetof(geocl_train_opts, seed)},
    I64("stop-at", 0, false, stop_at),
    I64("log-every", 1, true, log_every),
    I64("save-every", 1, true, save_every),
    INT("keep", 0, keep),
    I64("recon-every", -1, true, recon_every),
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
    if (f->hi == DBL_MAX) snprintf(buf, size, "a finite number >= %g", f->lo);
    else snprintf(buf, size, "a number from %g to %g%s", f->lo, f->hi, f->hi_open ? " (exclusive)" : "");
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
    ok = ok && !errno && !*end && v >= f->lo && (f->hi_open ? v < f->hi : v <= f->hi);
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
  for (size_t i = 0; i < N_FIELDS; i++) {
    const train_field *f = &fields[i];
    if (!f->recorded) continue;
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

geocl_status train_config_read(const char *dir, geocl_train_opts *o, char **model_config_json, void **storage) {
  char *path = train_path(dir, "config.json"), *text = NULL;
  size_t size;
  geocl_status st = path ? geocl_text_read_all(path, 1 << 20, &text, &size) : geocl_last_status();
  if (st != GEOCL_OK) {
    free(path);
    return st;
  }
  json_object *root = parse_json(text, size), *v, *train, *mc;
  free(text);
  if (!root || !get(root, "format", json_type_string, &v) || strcmp(json_object_get_string(v), RUN_FORMAT) ||
      !get(root, "task", json_type_string, &v) || !get(root, "model_config", json_type_object, &mc) ||
      !get(root, "train", json_type_object, &train)) {
    json_object_put(root);
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: not a geocl run configuration (format %s)", path, RUN_FORMAT);
    free(path);
    return st;
  }
  o->task = json_object_get_string(v);
  o->model = get(root, "model", json_type_string, &v) ? json_object_get_string(v) : NULL;
  o->init = get(root, "init", json_type_string, &v) ? json_object_get_string(v) : NULL;
  if (!get(train, "data", json_type_string, &v))
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: train.data is missing or not a string", path);
  else
    o->data = json_object_get_string(v);
  for (size_t i = 0; st == GEOCL_OK && i < N_FIELDS; i++)
    if (fields[i].recorded) st = read_field(train, &fields[i], path, o);
  free(path);
  if (st == GEOCL_OK && !(*model_config_json = strdup(json_object_to_json_string_ext(mc, JSON_C_TO_STRING_PLAIN))))
    st = geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s/config.json", dir);
  if (st != GEOCL_OK) {
    json_object_put(root);
    return st;
  }
  *storage = root;
  return GEOCL_OK;
}

void train_config_free(void *storage) {
  if (storage) json_object_put(storage);
}
