/* SPDX-License-Identifier: MIT */
/* Typed task configuration: defaults, presets, checkpoint JSON, key=value. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <geocl/config.h>
#include <geocl/log.h>

typedef struct entry {
  const geocl_option *opt;
  char *value;
  bool is_set;
} entry;

struct geocl_config {
  char *owner;
  entry *entries;
  int n;
};

static entry *find(const geocl_config *cfg, const char *key) {
  for (int i = 0; i < cfg->n; i++)
    if (!strcmp(cfg->entries[i].opt->key, key)) return &cfg->entries[i];
  return NULL;
}

static const char *type_name(geocl_option_type t) {
  switch (t) {
  case GEOCL_OPTION_INT: return "an integer";
  case GEOCL_OPTION_FLOAT: return "a number";
  case GEOCL_OPTION_BOOL: return "true or false";
  case GEOCL_OPTION_STRING: return "a string";
  case GEOCL_OPTION_SIZE: return "a size like 224 or 224x320";
  }
  return "?";
}

static bool parse_int(const char *s, int64_t *out) {
  char *end;
  errno = 0;
  long long v = strtoll(s, &end, 10);
  if (errno || end == s || *end) return false;
  *out = v;
  return true;
}

static bool parse_float(const char *s, double *out) {
  char *end;
  errno = 0;
  double v = strtod(s, &end);
  if (errno || end == s || *end) return false;
  *out = v;
  return true;
}

static bool parse_bool(const char *s, bool *out) {
  if (!strcasecmp(s, "true") || !strcmp(s, "1") || !strcasecmp(s, "yes")) *out = true;
  else if (!strcasecmp(s, "false") || !strcmp(s, "0") || !strcasecmp(s, "no")) *out = false;
  else return false;
  return true;
}

static bool parse_size(const char *s, int64_t *h, int64_t *w) {
  char buf[64];
  snprintf(buf, sizeof buf, "%s", s);
  char *x = strchr(buf, 'x');
  if (!x) x = strchr(buf, 'X');
  if (!x) {
    if (!parse_int(buf, h) || *h <= 0) return false;
    *w = *h;
    return true;
  }
  *x = '\0';
  return parse_int(buf, h) && parse_int(x + 1, w) && *h > 0 && *w > 0;
}

static bool valid(geocl_option_type t, const char *v) {
  int64_t i, j;
  double d;
  bool b;
  switch (t) {
  case GEOCL_OPTION_INT: return parse_int(v, &i);
  case GEOCL_OPTION_FLOAT: return parse_float(v, &d);
  case GEOCL_OPTION_BOOL: return parse_bool(v, &b);
  case GEOCL_OPTION_STRING: return true;
  case GEOCL_OPTION_SIZE: return parse_size(v, &i, &j);
  }
  return false;
}

geocl_config *geocl_config_new(const char *owner, const geocl_option *options) {
  geocl_config *cfg = calloc(1, sizeof *cfg);
  if (!cfg) return NULL;
  cfg->owner = strdup(owner ? owner : "config");
  int n = 0;
  while (options && options[n].key) n++;
  cfg->entries = calloc((size_t)(n ? n : 1), sizeof *cfg->entries);
  if (!cfg->owner || !cfg->entries) {
    geocl_config_free(cfg);
    geocl_set_error(GEOCL_E_NOMEM, "out of memory creating the %s config", owner);
    return NULL;
  }
  for (int i = 0; i < n; i++) {
    cfg->entries[i].opt = &options[i];
    cfg->entries[i].value = strdup(options[i].default_value ? options[i].default_value : "");
    cfg->n++;
  }
  return cfg;
}

void geocl_config_free(geocl_config *cfg) {
  if (!cfg) return;
  for (int i = 0; i < cfg->n; i++) free(cfg->entries[i].value);
  free(cfg->entries);
  free(cfg->owner);
  free(cfg);
}

static geocl_status unknown_key(const geocl_config *cfg, const char *key) {
  char list[768] = "";
  size_t used = 0;
  for (int i = 0; i < cfg->n && used < sizeof list - 1; i++)
    used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", cfg->entries[i].opt->key);
  return geocl_set_error(GEOCL_E_INVALID, "%s has no option '%s' (options: %s)", cfg->owner, key, list);
}

geocl_status geocl_config_set(geocl_config *cfg, const char *key, const char *value) {
  entry *e = find(cfg, key);
  if (!e) return unknown_key(cfg, key);
  if (!valid(e->opt->type, value))
    return geocl_set_error(GEOCL_E_INVALID, "%s option %s=%s: expected %s", cfg->owner, key, value,
                           type_name(e->opt->type));
  char *v = strdup(value);
  if (!v) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  free(e->value);
  e->value = v;
  e->is_set = true;
  return GEOCL_OK;
}

geocl_status geocl_config_set_arg(geocl_config *cfg, const char *arg) {
  const char *eq = strchr(arg, '=');
  if (!eq || eq == arg)
    return geocl_set_error(GEOCL_E_INVALID, "%s: '%s' is not a key=value option", cfg->owner, arg);
  char key[128];
  snprintf(key, sizeof key, "%.*s", (int)(eq - arg), arg);
  return geocl_config_set(cfg, key, eq + 1);
}

geocl_status geocl_config_apply_preset(geocl_config *cfg, const geocl_preset *presets, const char *name) {
  const geocl_preset *p = presets;
  while (p && p->name && strcmp(p->name, name)) p++;
  if (!p || !p->name) {
    char list[512] = "";
    size_t used = 0;
    for (const geocl_preset *q = presets; q && q->name && used < sizeof list - 1; q++)
      used += (size_t)snprintf(list + used, sizeof list - used, "%s%s", q == presets ? "" : ", ", q->name);
    return geocl_set_error(GEOCL_E_INVALID, "%s has no preset '%s' (presets: %s)", cfg->owner, name, list);
  }
  char *copy = strdup(p->settings ? p->settings : "");
  if (!copy) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_status st = GEOCL_OK;
  char *save = NULL;
  for (char *tok = strtok_r(copy, " \t", &save); tok && st == GEOCL_OK; tok = strtok_r(NULL, " \t", &save))
    st = geocl_config_set_arg(cfg, tok);
  free(copy);
  if (st != GEOCL_OK) geocl_error_prefix("preset %s", name);
  return st;
}

/* JSON value of one constructor argument as option text. */
static bool json_to_text(json_object *v, geocl_option_type t, char *out, size_t size) {
  switch (json_object_get_type(v)) {
  case json_type_int: snprintf(out, size, "%lld", (long long)json_object_get_int64(v)); return true;
  case json_type_double: snprintf(out, size, "%.17g", json_object_get_double(v)); return true;
  case json_type_boolean: snprintf(out, size, "%s", json_object_get_boolean(v) ? "true" : "false"); return true;
  case json_type_string: snprintf(out, size, "%s", json_object_get_string(v)); return true;
  case json_type_array:
    if (t == GEOCL_OPTION_SIZE && json_object_array_length(v) == 2) {
      json_object *h = json_object_array_get_idx(v, 0), *w = json_object_array_get_idx(v, 1);
      if (json_object_is_type(h, json_type_int) && json_object_is_type(w, json_type_int)) {
        snprintf(out, size, "%lldx%lld", (long long)json_object_get_int64(h), (long long)json_object_get_int64(w));
        return true;
      }
    }
    return false;
  default: return false;
  }
}

geocl_status geocl_config_apply_json(geocl_config *cfg, const char *json) {
  json_object *root = json_tokener_parse(json);
  if (!root || !json_object_is_type(root, json_type_object)) {
    if (root) json_object_put(root);
    return geocl_set_error(GEOCL_E_FORMAT, "%s: recorded config is not a JSON object", cfg->owner);
  }
  geocl_status st = GEOCL_OK;
  json_object_object_foreach(root, key, val) {
    entry *e = find(cfg, key);
    if (!e) {
      st = unknown_key(cfg, key);
      break;
    }
    char text[256];
    if (!json_to_text(val, e->opt->type, text, sizeof text)) {
      st = geocl_set_error(GEOCL_E_FORMAT, "%s: recorded option %s=%s: expected %s", cfg->owner, key,
                           json_object_to_json_string(val), type_name(e->opt->type));
      break;
    }
    st = geocl_config_set(cfg, key, text);
    if (st != GEOCL_OK) break;
  }
  json_object_put(root);
  return st;
}

char *geocl_config_to_json(const geocl_config *cfg) {
  json_object *root = json_object_new_object();
  for (int i = 0; i < cfg->n; i++) {
    const entry *e = &cfg->entries[i];
    json_object *v = NULL;
    int64_t a = 0, b = 0;
    double d = 0;
    bool t = false;
    switch (e->opt->type) {
    case GEOCL_OPTION_INT: parse_int(e->value, &a); v = json_object_new_int64(a); break;
    case GEOCL_OPTION_FLOAT: parse_float(e->value, &d); v = json_object_new_double(d); break;
    case GEOCL_OPTION_BOOL: parse_bool(e->value, &t); v = json_object_new_boolean(t); break;
    case GEOCL_OPTION_STRING: v = json_object_new_string(e->value); break;
    case GEOCL_OPTION_SIZE:
      parse_size(e->value, &a, &b);
      v = json_object_new_array();
      json_object_array_add(v, json_object_new_int64(a));
      json_object_array_add(v, json_object_new_int64(b));
      break;
    }
    json_object_object_add(root, e->opt->key, v);
  }
  char *s = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN));
  json_object_put(root);
  return s;
}

static const entry *get(const geocl_config *cfg, const char *key, geocl_option_type t) {
  const entry *e = find(cfg, key);
  if (!e || e->opt->type != t) {
    geocl_logf(GEOCL_LOG_ERROR, "%s: no option '%s' of the requested type (a plugin bug)", cfg->owner, key);
    return NULL;
  }
  return e;
}

int64_t geocl_config_int(const geocl_config *cfg, const char *key) {
  const entry *e = get(cfg, key, GEOCL_OPTION_INT);
  int64_t v = 0;
  if (e) parse_int(e->value, &v);
  return v;
}

double geocl_config_float(const geocl_config *cfg, const char *key) {
  const entry *e = get(cfg, key, GEOCL_OPTION_FLOAT);
  double v = 0;
  if (e) parse_float(e->value, &v);
  return v;
}

bool geocl_config_bool(const geocl_config *cfg, const char *key) {
  const entry *e = get(cfg, key, GEOCL_OPTION_BOOL);
  bool v = false;
  if (e) parse_bool(e->value, &v);
  return v;
}

const char *geocl_config_str(const geocl_config *cfg, const char *key) {
  const entry *e = get(cfg, key, GEOCL_OPTION_STRING);
  return e ? e->value : "";
}

void geocl_config_size(const geocl_config *cfg, const char *key, int64_t *height, int64_t *width) {
  const entry *e = get(cfg, key, GEOCL_OPTION_SIZE);
  *height = *width = 0;
  if (e) parse_size(e->value, height, width);
}

bool geocl_config_is_set(const geocl_config *cfg, const char *key) {
  const entry *e = find(cfg, key);
  return e && e->is_set;
}
