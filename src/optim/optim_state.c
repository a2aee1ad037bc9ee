/* SPDX-License-Identifier: MIT */
/* Saving and loading optimizer state: one safetensors file with a tensor per
 * (state, parameter) named "<state>/<parameter name>" and the step count and
 * group settings in the metadata (docs/checkpoints.md). */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io/checkpoint.h"
#include "optim_internal.h"

#define STATE_FORMAT "geocl-optimizer"
#define STATE_VERSION "1"

/* Group settings stored as numbers, under "group.<g>.<key>". */
static const struct {
  const char *key;
  size_t offset;
  bool adamw, sgd; /* stored for which kinds */
} numeric_settings[] = {
    {"lr", offsetof(geocl_optim_group, lr), true, true},
    {"weight_decay", offsetof(geocl_optim_group, weight_decay), true, true},
    {"beta1", offsetof(geocl_optim_group, beta1), true, false},
    {"beta2", offsetof(geocl_optim_group, beta2), true, false},
    {"eps", offsetof(geocl_optim_group, eps), true, false},
    {"momentum", offsetof(geocl_optim_group, momentum), false, true},
    {"dampening", offsetof(geocl_optim_group, dampening), false, true},
};
#define N_NUMERIC (sizeof numeric_settings / sizeof *numeric_settings)

static bool stored_for(size_t i, geocl_optim_kind k) {
  return k == GEOCL_OPTIM_ADAMW ? numeric_settings[i].adamw : numeric_settings[i].sgd;
}

static double *setting(geocl_optim_group *s, size_t i) { return (double *)((char *)s + numeric_settings[i].offset); }

#define STATE_NAME_SIZE 512

/* "<state>/<parameter>": the file's name of state tensor k (0: m, 1: v) of a
 * parameter in a group of kind `kind`. */
static void state_name(char *out, geocl_optim_kind kind, int k, const char *param) {
  const char *state = kind == GEOCL_OPTIM_SGD ? "momentum_buffer" : k == 0 ? "exp_avg" : "exp_avg_sq";
  snprintf(out, STATE_NAME_SIZE, "%s/%s", state, param);
}

static geocl_tensor *state_tensor(const optim_group *gs, int k) { return k == 0 ? gs->m : gs->v; }

/* --- save --- */

static geocl_status set_meta_f(geocl_st_writer *w, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static geocl_status set_meta_f(geocl_st_writer *w, const char *key, const char *fmt, ...) {
  char value[64];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(value, sizeof value, fmt, ap);
  va_end(ap);
  return geocl_st_writer_set_meta(w, key, value);
}

static geocl_status write_metadata(const geocl_optim *o, geocl_st_writer *w) {
  geocl_status st = geocl_st_writer_set_meta(w, "format", STATE_FORMAT);
  if (st == GEOCL_OK) st = geocl_st_writer_set_meta(w, "format_version", STATE_VERSION);
  if (st == GEOCL_OK) st = set_meta_f(w, "step", "%lld", (long long)o->steps);
  if (st == GEOCL_OK) st = set_meta_f(w, "groups", "%d", o->n_groups);
  char key[64];
  for (int g = 0; st == GEOCL_OK && g < o->n_groups; g++) {
    const optim_group *gs = &o->g[g];
    snprintf(key, sizeof key, "group.%d.kind", g);
    st = geocl_st_writer_set_meta(w, key, optim_kind_name(gs->s.kind));
    snprintf(key, sizeof key, "group.%d.initial_lr", g);
    if (st == GEOCL_OK) st = set_meta_f(w, key, "%.17g", gs->base_lr);
    geocl_optim_group s = gs->s;
    for (size_t i = 0; st == GEOCL_OK && i < N_NUMERIC; i++) {
      if (!stored_for(i, s.kind)) continue;
      snprintf(key, sizeof key, "group.%d.%s", g, numeric_settings[i].key);
      st = set_meta_f(w, key, "%.17g", *setting(&s, i));
    }
    snprintf(key, sizeof key, "group.%d.nesterov", g);
    if (st == GEOCL_OK && gs->s.kind == GEOCL_OPTIM_SGD)
      st = geocl_st_writer_set_meta(w, key, gs->s.nesterov ? "1" : "0");
  }
  return st;
}

geocl_status geocl_optim_save(const geocl_optim *o, const char *path) {
  const geocl_params *p = o->params;
  float **host = calloc((size_t)o->n_groups * 2 + 1, sizeof *host); /* [g][k] */
  geocl_st_writer *w = geocl_st_writer_new();
  geocl_status st = host && w ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
  if (st == GEOCL_OK) st = write_metadata(o, w);
  for (int g = 0; st == GEOCL_OK && g < o->n_groups; g++)
    for (int k = 0; st == GEOCL_OK && k < optim_state_count(&o->g[g].s, o->steps); k++) {
      size_t bytes = sizeof(float) * (size_t)o->g[g].size;
      host[2 * g + k] = malloc(bytes + 1);
      st = host[2 * g + k] ? geocl_to_host(state_tensor(&o->g[g], k), host[2 * g + k], bytes)
                           : geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
    }
  for (int i = 0; st == GEOCL_OK && i < geocl_params_count(p); i++) {
    int g = geocl_params_group(p, i);
    if (g < 0) continue;
    const optim_group *gs = &o->g[g];
    geocl_tensor *t = geocl_params_get(p, i);
    for (int k = 0; st == GEOCL_OK && k < optim_state_count(&gs->s, o->steps); k++) {
      char name[STATE_NAME_SIZE];
      state_name(name, gs->s.kind, k, geocl_params_name(p, i));
      const float *x = host[2 * g + k] + (geocl_params_offset(p, i) - gs->offset);
      st = ckpt_check_values(path, name, x, (size_t)geocl_numel(t), false);
      if (st != GEOCL_OK) geocl_error_prefix("not saved");
      else st = geocl_st_writer_add(w, name, GEOCL_ST_F32, geocl_ndim(t), geocl_shape(t), x);
    }
  }
  if (st == GEOCL_OK) st = geocl_st_writer_write(w, path);
  geocl_st_writer_free(w);
  for (int i = 0; host && i < 2 * o->n_groups; i++) free(host[i]);
  free(host);
  return st;
}

/* --- load --- */

static geocl_status meta_number(const geocl_st_file *f, const char *key, double *out) {
  const char *v = geocl_st_meta(f, key);
  char *end = NULL;
  errno = 0;
  if (v) *out = strtod(v, &end);
  if (!v || end == v || *end || errno)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: metadata '%s' is %s", geocl_st_path(f), key,
                           v ? "not a number" : "missing");
  return GEOCL_OK;
}

/* Step count and group settings from the metadata, checked against o. */
static geocl_status read_metadata(const geocl_optim *o, const geocl_st_file *f, int64_t *steps,
                                  geocl_optim_group *settings, double *base_lr) {
  const char *path = geocl_st_path(f), *format = geocl_st_meta(f, "format");
  const char *version = geocl_st_meta(f, "format_version");
  if (!format || strcmp(format, STATE_FORMAT))
    return geocl_set_error(GEOCL_E_FORMAT, "%s: not a geocl optimizer state file (metadata format is '%s', not '%s')",
                           path, format ? format : "", STATE_FORMAT);
  if (!version || strcmp(version, STATE_VERSION))
    return geocl_set_error(GEOCL_E_FORMAT, "%s: optimizer state format version '%s' (this geocl reads %s)", path,
                           version ? version : "", STATE_VERSION);
  double step, groups;
  geocl_status st = meta_number(f, "step", &step);
  if (st == GEOCL_OK) st = meta_number(f, "groups", &groups);
  if (st != GEOCL_OK) return st;
  if (step < 0 || step != (double)(int64_t)step)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: step %g is not a step count", path, step);
  if (groups != o->n_groups)
    return geocl_set_error(GEOCL_E_SHAPE, "%s: %g parameter groups in the file, %d in this optimizer", path, groups,
                           o->n_groups);
  *steps = (int64_t)step;
  char key[64];
  for (int g = 0; g < o->n_groups; g++) {
    geocl_optim_group *s = &settings[g];
    *s = o->g[g].s;
    snprintf(key, sizeof key, "group.%d.kind", g);
    const char *kind = geocl_st_meta(f, key);
    if (!kind || strcmp(kind, optim_kind_name(s->kind)))
      return geocl_set_error(GEOCL_E_SHAPE, "%s: group %d is '%s' in the file, '%s' in this optimizer", path, g,
                             kind ? kind : "", optim_kind_name(s->kind));
    snprintf(key, sizeof key, "group.%d.initial_lr", g);
    st = meta_number(f, key, &base_lr[g]);
    for (size_t i = 0; st == GEOCL_OK && i < N_NUMERIC; i++) {
      if (!stored_for(i, s->kind)) continue;
      snprintf(key, sizeof key, "group.%d.%s", g, numeric_settings[i].key);
      st = meta_number(f, key, setting(s, i));
    }
    if (st == GEOCL_OK && s->kind == GEOCL_OPTIM_SGD) {
      snprintf(key, sizeof key, "group.%d.nesterov", g);
      double nesterov;
      st = meta_number(f, key, &nesterov);
      s->nesterov = nesterov != 0;
    }
    if (st == GEOCL_OK) st = optim_check_settings(g, s);
    if (st != GEOCL_OK) {
      geocl_error_prefix("%s", path);
      return st;
    }
  }
  return GEOCL_OK;
}

/* The state tensors a file with these settings must hold, with their names
 * (malloc'd into *names, freed by the caller). */
static geocl_status expected_tensors(const geocl_optim *o, const geocl_optim_group *settings, int64_t steps,
                                     ckpt_tensor **want, char **names, int *n) {
  const geocl_params *p = o->params;
  int count = geocl_params_count(p);
  *want = calloc((size_t)count * 2 + 1, sizeof **want);
  *names = malloc((size_t)count * 2 * STATE_NAME_SIZE + 1);
  *n = 0;
  if (!*want || !*names) return geocl_set_error(GEOCL_E_NOMEM, "optim: out of memory loading state");
  for (int i = 0; i < count; i++) {
    int g = geocl_params_group(p, i);
    if (g < 0) continue;
    geocl_tensor *t = geocl_params_get(p, i);
    for (int k = 0; k < optim_state_count(&settings[g], steps); k++) {
      char *name = *names + (size_t)*n * STATE_NAME_SIZE;
      state_name(name, settings[g].kind, k, geocl_params_name(p, i));
      (*want)[(*n)++] = (ckpt_tensor){name, geocl_ndim(t), geocl_shape(t), false};
    }
  }
  return GEOCL_OK;
}

/* Read every expected tensor into host staging buffers [g][k] of the group's size. */
static geocl_status stage(const geocl_optim *o, const geocl_st_file *f, const geocl_optim_group *settings,
                          int64_t steps, float **host) {
  const geocl_params *p = o->params;
  for (int g = 0; g < o->n_groups; g++)
    for (int k = 0; k < optim_state_count(&settings[g], steps); k++)
      if (!(host[2 * g + k] = calloc((size_t)o->g[g].size + 1, sizeof(float))))
        return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", geocl_st_path(f));
  geocl_status st = GEOCL_OK;
  for (int i = 0; st == GEOCL_OK && i < geocl_params_count(p); i++) {
    int g = geocl_params_group(p, i);
    if (g < 0) continue;
    for (int k = 0; st == GEOCL_OK && k < optim_state_count(&settings[g], steps); k++) {
      char name[STATE_NAME_SIZE];
      state_name(name, settings[g].kind, k, geocl_params_name(p, i));
      const geocl_st_info *t = geocl_st_find(f, name);
      float *x = host[2 * g + k] + (geocl_params_offset(p, i) - o->g[g].offset);
      st = geocl_st_read_f32(f, t, x, (size_t)geocl_st_numel(t));
      /* a second moment is a running mean of squares */
      bool squares = settings[g].kind == GEOCL_OPTIM_ADAMW && k == 1;
      if (st == GEOCL_OK) st = ckpt_check_values(geocl_st_path(f), name, x, (size_t)geocl_st_numel(t), squares);
    }
  }
  return st;
}

geocl_status geocl_optim_load(geocl_optim *o, const char *path) {
  geocl_st_file *f;
  geocl_status st = geocl_st_open(path, &f);
  if (st != GEOCL_OK) return st;
  int64_t steps = 0;
  geocl_optim_group *settings = calloc((size_t)o->n_groups + 1, sizeof *settings);
  double *base_lr = calloc((size_t)o->n_groups + 1, sizeof *base_lr);
  float **host = calloc((size_t)o->n_groups * 2 + 1, sizeof *host);
  optim_group *fresh = calloc((size_t)o->n_groups + 1, sizeof *fresh); /* groups with the loaded settings */
  ckpt_tensor *want = NULL;
  char *names = NULL;
  int n_want = 0;
  if (!settings || !base_lr || !host || !fresh) st = geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
  if (st == GEOCL_OK) st = read_metadata(o, f, &steps, settings, base_lr);
  if (st == GEOCL_OK) st = expected_tensors(o, settings, steps, &want, &names, &n_want);
  if (st == GEOCL_OK) st = ckpt_check_tensors(f, "this optimizer", n_want, want);
  if (st == GEOCL_OK) st = ckpt_verify(f);
  if (st == GEOCL_OK) st = stage(o, f, settings, steps, host);
  /* buffers the loaded settings need beyond the current ones (SGD momentum
   * switched on): allocated before anything is modified */
  for (int g = 0; st == GEOCL_OK && g < o->n_groups; g++) {
    fresh[g] = o->g[g];
    fresh[g].s = settings[g];
    st = optim_ensure_state(o, &fresh[g]);
  }
  for (int g = 0; st == GEOCL_OK && g < o->n_groups; g++)
    for (int k = 0; st == GEOCL_OK && k < optim_state_count(&settings[g], steps); k++)
      st = geocl_copy_from_host(state_tensor(&fresh[g], k), host[2 * g + k], sizeof(float) * (size_t)o->g[g].size);
  for (int g = 0; fresh && g < o->n_groups; g++) {
    if (st == GEOCL_OK) {
      o->g[g] = fresh[g];
      o->g[g].base_lr = base_lr[g];
    } else if (fresh[g].m != o->g[g].m) { /* only an SGD momentum buffer can be new */
      geocl_tensor_free(fresh[g].m);
    }
  }
  if (st == GEOCL_OK) o->steps = steps;
  for (int i = 0; host && i < 2 * o->n_groups; i++) free(host[i]);
  free(host);
  free(fresh);
  free(want);
  free(names);
  free(base_lr);
  free(settings);
  geocl_st_close(f);
  return st;
}

bool geocl_optim_state_path(const char *checkpoint, char *out, size_t size) {
  static const char ext[] = ".safetensors";
  size_t n = strlen(checkpoint), e = sizeof ext - 1;
  int stem = n > e && !strcmp(checkpoint + n - e, ext) ? (int)(n - e) : (int)n;
  int written = snprintf(out, size, "%.*s.optim.safetensors", stem, checkpoint);
  return written >= 0 && (size_t)written < size;
}
