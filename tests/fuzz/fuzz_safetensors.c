/* SPDX-License-Identifier: MIT */
/* Fuzz target: the safetensors reader and every loader behind it.  The input
 * is a safetensors file: opened, verified against its checksum, every tensor
 * read raw and as f32; then loaded as a checkpoint (a parameter registry
 * declared from its own tensors, and an AdamW state for it), and as model
 * weights with the task and configuration it records (the plugins of this
 * build tree).  Whatever is accepted must be consistent with the header:
 * sizes, offsets inside the data, finite loaded values. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>
#include <geocl/model.h>
#include <geocl/optim.h>
#include <geocl/params.h>
#include <geocl/safetensors.h>

#include "fuzz_util.h"

#define MAX_ELEMENTS (1 << 16) /* a tensor read or declared here */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static geocl_ctx *ctx;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc;
  (void)argv;
  setenv("GEOCL_PLUGIN_PATH", GEOCL_FUZZ_PLUGIN_DIR, 0);
  fuzz_quiet();
  geocl_ctx_opts co = {.device = "reference"};
  if (geocl_ctx_create(&co, &ctx) != GEOCL_OK) {
    fprintf(stderr, "fuzz_safetensors: %s\n", geocl_last_error());
    abort();
  }
  return 0;
}

static void read_tensors(const geocl_st_file *f, uint64_t data_size) {
  for (int i = 0; i < geocl_st_count(f); i++) {
    const geocl_st_info *t = geocl_st_at(f, i);
    if (t->end < t->begin || t->end > data_size || t->ndim < 0 || t->ndim > GEOCL_ST_MAX_DIMS) abort();
    int64_t n = geocl_st_numel(t);
    if (n < 0 || (uint64_t)n * geocl_st_dtype_size(t->dtype) != t->end - t->begin) abort();
    if (n > MAX_ELEMENTS) continue;
    void *raw = malloc(t->end - t->begin + 1);
    float *x = malloc(sizeof(float) * (size_t)n + 1);
    geocl_st_read_raw(f, t, raw, t->end - t->begin);
    geocl_st_read_f32(f, t, x, (size_t)n);
    free(raw);
    free(x);
  }
  for (int i = 0; i < geocl_st_meta_count(f); i++)
    if (!geocl_st_meta_at(f, i).key || !geocl_st_meta_at(f, i).value) abort();
}

/* The parameter a tensor stands for: its name, or what follows an optimizer
 * state's prefix. */
static const char *param_name(const char *name) {
  static const char *const prefixes[] = {"exp_avg/", "exp_avg_sq/", "momentum_buffer/"};
  for (size_t i = 0; i < sizeof prefixes / sizeof *prefixes; i++)
    if (!strncmp(name, prefixes[i], strlen(prefixes[i]))) return name + strlen(prefixes[i]);
  return name;
}

/* A registry of the file's own (small, floating-point) tensors, loaded from
 * it as parameters and as AdamW state. */
static void load_as_checkpoint(const geocl_st_file *f, const char *path) {
  geocl_params *p;
  if (geocl_params_new(ctx, &p) != GEOCL_OK) abort();
  for (int i = 0; i < geocl_st_count(f); i++) {
    const geocl_st_info *t = geocl_st_at(f, i);
    if (t->ndim <= GEOCL_MAX_DIMS && geocl_st_numel(t) <= MAX_ELEMENTS)
      geocl_params_add(p, param_name(t->name), t->ndim, t->shape, i % 2); /* repeated names are refused */
  }
  geocl_scope scope = geocl_scope_begin(ctx);
  if (geocl_params_finalize(p) == GEOCL_OK) {
    int64_t n = geocl_numel(geocl_params_values(p)); /* the flat buffer, padding included */
    if (geocl_params_load(p, path) == GEOCL_OK && n > 0) {
      float *x = malloc(sizeof(float) * (size_t)n);
      if (geocl_to_host(geocl_params_values(p), x, sizeof(float) * (size_t)n) != GEOCL_OK) abort();
      for (int64_t i = 0; i < n; i++)
        if (!isfinite(x[i])) abort();
      free(x);
    }
    if (geocl_params_group_count(p) >= 1) {
      geocl_optim_group g[2] = {geocl_adamw_defaults(), geocl_adamw_defaults()};
      geocl_optim *o;
      if (geocl_optim_new(p, geocl_params_group_count(p), g, NULL, &o) == GEOCL_OK) {
        if (geocl_optim_load(o, path) == GEOCL_OK && geocl_optim_steps(o) < 0) abort();
        geocl_optim_free(o);
      }
    }
  }
  geocl_params_free(p);
  geocl_scope_end(ctx, scope);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_file("in.safetensors", data, size);
  geocl_st_file *f;
  if (geocl_st_open(path, &f) == GEOCL_OK) {
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = hlen << 8 | data[i];
    geocl_st_verify(f);
    read_tensors(f, size - 8 - hlen);
    load_as_checkpoint(f, path);
    geocl_st_close(f);
  }
  geocl_model_opts mo = {.weights = path};
  geocl_model *m;
  if (geocl_model_create(ctx, &mo, &m) == GEOCL_OK) geocl_model_free(m);
  return 0;
}
