/* SPDX-License-Identifier: MIT */
/* The parameter registry: layout by group, views, gradients (zero_grad marks
 * stale, finish_grads zeroes unreached ones), save/load and strict loading. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "call_counter.h"
#include "testutil.h"

static geocl_ctx *ctx;
static char path[4400];

static void setup(void) {
  ctx = test_ref_ctx();
  geocl_clear_error();
  snprintf(path, sizeof path, "%s/params.safetensors", test_tmpdir());
  unlink(path);
}

static void teardown(void) { geocl_ctx_free(ctx); }

/* A small model: groups interleaved in declaration order, a buffer in the
 * middle, an empty parameter and an empty group (2). */
typedef struct decl {
  const char *name;
  int ndim;
  int64_t shape[3];
  int group; /* -1: buffer */
} decl;

static const decl model[] = {
    {"enc.weight", 2, {7, 13}, 1}, {"enc.bias", 1, {7}, 0},     {"pos_embed", 2, {3, 5}, -1},
    {"mask_token", 3, {1, 1, 5}, 1}, {"norm.weight", 1, {13}, 0}, {"empty", 1, {0}, 3},
    {"head.weight", 2, {2, 3}, 3},
};
#define N_MODEL ((int)(sizeof model / sizeof *model))

static geocl_params *declare(const decl *d, int n) {
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  for (int i = 0; i < n; i++) {
    if (d[i].group < 0) ck_assert_ok(geocl_params_add_buffer(p, d[i].name, d[i].ndim, d[i].shape));
    else ck_assert_ok(geocl_params_add(p, d[i].name, d[i].ndim, d[i].shape, d[i].group));
  }
  ck_assert_ok(geocl_params_finalize(p));
  return p;
}

static int64_t numel_of(const decl *d) {
  int64_t n = 1;
  for (int i = 0; i < d->ndim; i++) n *= d->shape[i];
  return n;
}

/* Give every entry distinct values from seed. */
static void randomize(geocl_params *p, unsigned seed) {
  for (int i = 0; i < geocl_params_count(p); i++) {
    geocl_tensor *t = geocl_params_get(p, i);
    size_t n = (size_t)geocl_numel(t);
    float *x = malloc(n * 4 + 4);
    test_fill_uniform(x, n, seed + (unsigned)i, -2, 2);
    ck_assert_ok(geocl_copy_from_host(t, x, n * 4));
    free(x);
  }
}

START_TEST(layout_by_group) {
  geocl_params *p = declare(model, N_MODEL);
  ck_assert_int_eq(geocl_params_count(p), N_MODEL);
  ck_assert_int_eq(geocl_params_group_count(p), 4);
  ck_assert_int_eq(geocl_params_numel(p), 91 + 7 + 5 + 13 + 0 + 6);
  /* groups in index order, members in declaration order, each aligned */
  const char *order[] = {"enc.bias", "norm.weight", "enc.weight", "mask_token", "empty", "head.weight"};
  int64_t cursor = 0;
  for (int k = 0; k < 6; k++) {
    int i = geocl_params_index(p, order[k]);
    int64_t off = geocl_params_offset(p, i);
    ck_assert_int_eq(off % GEOCL_PARAMS_ALIGN, 0);
    ck_assert_int_ge(off, cursor);
    ck_assert_int_lt(off, cursor + GEOCL_PARAMS_ALIGN);
    cursor = off + numel_of(&model[i]);
  }
  int64_t spans_end = 0;
  for (int g = 0; g < 4; g++) {
    int64_t off, size;
    geocl_params_group_span(p, g, &off, &size);
    ck_assert_int_eq(off, spans_end); /* groups are contiguous and back to back */
    for (int i = 0; i < N_MODEL; i++)
      if (model[i].group == g) {
        ck_assert_int_ge(geocl_params_offset(p, i), off);
        ck_assert_int_le(geocl_params_offset(p, i) + numel_of(&model[i]), off + size);
      }
    spans_end = off + size;
  }
  int64_t off, size;
  geocl_params_group_span(p, 2, &off, &size);
  ck_assert_int_eq(size, 0);
  /* values and gradients cover the trainable spans; the buffer comes after */
  ck_assert_int_eq(geocl_numel(geocl_params_values(p)), spans_end);
  ck_assert_int_eq(geocl_numel(geocl_params_grads(p)), spans_end);
  ck_assert_int_ge(geocl_params_offset(p, geocl_params_index(p, "pos_embed")), spans_end);
  ck_assert(geocl_params_is_buffer(p, 2));
  ck_assert_int_eq(geocl_params_group(p, 2), -1);
  ck_assert(!geocl_params_is_buffer(p, 0));
  geocl_params_free(p);
}
END_TEST

START_TEST(views_share_the_flat_buffers) {
  geocl_params *p = declare(model, N_MODEL);
  geocl_tensor *w = geocl_params_find(p, "enc.weight");
  ck_assert_ptr_nonnull(w);
  ck_assert_str_eq(geocl_tensor_name(w), "enc.weight");
  ck_assert_int_eq(geocl_ndim(w), 2);
  ck_assert_int_eq(geocl_dim(w, 0), 7);
  ck_assert(geocl_requires_grad(w));
  ck_assert(!geocl_requires_grad(geocl_params_find(p, "pos_embed")));
  ck_assert_ptr_eq(geocl_params_get(p, 0), w);
  /* values start at zero; a write through a view shows in the flat buffer */
  float *flat = test_download(geocl_params_values(p));
  for (int64_t i = 0; i < geocl_numel(geocl_params_values(p)); i++) ck_assert_float_eq(flat[i], 0);
  free(flat);
  float x[91];
  test_fill_uniform(x, 91, 3, -1, 1);
  ck_assert_ok(geocl_copy_from_host(w, x, sizeof x));
  flat = test_download(geocl_params_values(p));
  ck_assert_mem_eq(flat + geocl_params_offset(p, 0), x, sizeof x);
  free(flat);
  /* scopes do not free parameters */
  geocl_scope sc = geocl_scope_begin(ctx);
  geocl_tensor *y = geocl_scale(w, 2.0f);
  ck_assert_ptr_nonnull(y);
  geocl_scope_end(ctx, sc);
  float back[91];
  ck_assert_ok(geocl_to_host(w, back, sizeof back));
  ck_assert_mem_eq(back, x, sizeof x);
  geocl_tape_clear(ctx);
  /* lookups and declaration errors */
  ck_assert_ptr_null(geocl_params_find(p, "nope"));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_NOT_FOUND);
  ck_assert_ptr_null(geocl_params_get(p, N_MODEL));
  ck_assert_int_eq(geocl_params_add(p, "late", 1, (int64_t[]){2}, 0), GEOCL_E_STATE);
  ck_assert_int_eq(geocl_params_finalize(p), GEOCL_E_STATE);
  geocl_params_free(p);

  ck_assert_ok(geocl_params_new(ctx, &p));
  ck_assert_ok(geocl_params_add(p, "a", 1, (int64_t[]){2}, 0));
  ck_assert_int_eq(geocl_params_add(p, "a", 1, (int64_t[]){2}, 0), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'a' declared twice"));
  ck_assert_int_eq(geocl_params_add_buffer(p, "a", 1, (int64_t[]){2}), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_params_add(p, "b", 1, (int64_t[]){2}, -1), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_params_add(p, "b", 1, (int64_t[]){2}, GEOCL_PARAMS_MAX_GROUPS), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_params_add(p, "b", 1, (int64_t[]){-2}, 0), GEOCL_E_SHAPE);
  ck_assert_int_eq(geocl_params_add(p, "", 1, (int64_t[]){2}, 0), GEOCL_E_INVALID);
  ck_assert_ptr_null(geocl_params_get(p, 0)); /* no tensors before finalize */
  geocl_params_free(p);
}
END_TEST

/* loss = Σ w·x over the used parameters */
static void backward_through(geocl_params *p, const char *const *names, int n, geocl_tensor *const *xs) {
  geocl_scope sc = geocl_scope_begin(ctx);
  geocl_tensor *loss = NULL;
  for (int i = 0; i < n; i++) {
    geocl_tensor *term = geocl_sum_all(geocl_mul(geocl_params_find(p, names[i]), xs[i]));
    loss = loss ? geocl_add(loss, term) : term;
  }
  ck_assert_ok(geocl_backward(loss));
  geocl_scope_end(ctx, sc);
}

static void expect_grad_region(geocl_params *p, const char *name, const float *want, float factor) {
  int i = geocl_params_index(p, name);
  float *g = test_download(geocl_params_grads(p));
  int64_t n = geocl_numel(geocl_params_get(p, i));
  for (int64_t k = 0; k < n; k++)
    ck_assert_msg(g[geocl_params_offset(p, i) + k] == factor * want[k], "%s grad[%lld] = %g, want %g", name,
                  (long long)k, g[geocl_params_offset(p, i) + k], factor * want[k]);
  free(g);
}

START_TEST(zero_grad_marks_stale_and_finish_zeroes) {
  geocl_params *p = declare(model, N_MODEL);
  float xw[91], xb[7];
  test_fill_uniform(xw, 91, 1, -1, 1);
  test_fill_uniform(xb, 7, 2, -1, 1);
  geocl_tensor *x[2] = {geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(7, 13), xw),
                        geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(7), xb)};
  geocl_tensor_persist(x[0]);
  geocl_tensor_persist(x[1]);
  const char *both[] = {"enc.weight", "enc.bias"};
  geocl_tensor *w = geocl_params_find(p, "enc.weight"), *b = geocl_params_find(p, "enc.bias");
  ck_assert_ptr_null(geocl_grad(w)); /* stale from the start */

  backward_through(p, both, 2, x);
  geocl_tensor *gw = geocl_grad(w);
  ck_assert_ptr_nonnull(gw);
  expect_grad_region(p, "enc.weight", xw, 1); /* the gradient lives in the flat buffer */
  expect_grad_region(p, "enc.bias", xb, 1);
  backward_through(p, both, 2, x); /* no zero_grad: accumulates */
  ck_assert_ptr_eq(geocl_grad(w), gw); /* same view */
  expect_grad_region(p, "enc.weight", xw, 2);

  /* zero_grad touches no device memory at all */
  call_counts *calls = count_backend_calls(ctx);
  geocl_params_zero_grad(p);
  ck_assert_int_eq(calls->fill + calls->copy + calls->upload + calls->download + calls->sync, 0);
  ck_assert_ptr_null(geocl_grad(w));
  ck_assert_ptr_null(geocl_grad(b));

  /* the next backward overwrites; bias is not reached this time */
  backward_through(p, both, 1, x);
  expect_grad_region(p, "enc.weight", xw, 1);
  expect_grad_region(p, "enc.bias", xb, 2); /* stale: the old value is still there */
  ck_assert_ptr_null(geocl_grad(b));
  /* finish_grads zeroes exactly the stale ones: one fill per run of neighbours */
  calls->fill = 0;
  ck_assert_ok(geocl_params_finish_grads(p));
  /* runs in buffer order: enc.bias + norm.weight (group 0); mask_token, empty and head.weight (end of group 1,
   * empty group 2, group 3) */
  ck_assert_int_eq(calls->fill, 2);
  float zeros[91] = {0};
  expect_grad_region(p, "enc.bias", zeros, 1);
  expect_grad_region(p, "norm.weight", zeros, 1);
  expect_grad_region(p, "enc.weight", xw, 1);
  ck_assert_ptr_nonnull(geocl_grad(b));
  calls->fill = 0;
  ck_assert_ok(geocl_params_finish_grads(p)); /* nothing stale any more */
  ck_assert_int_eq(calls->fill, 0);
  geocl_tensor_free(x[0]);
  geocl_tensor_free(x[1]);
  geocl_params_free(p);
}
END_TEST

START_TEST(save_load_round_trip) {
  geocl_params *p = declare(model, N_MODEL);
  randomize(p, 10);
  const geocl_st_kv meta[] = {{"model", "croco"}, {"config", "{\"enc_depth\": 2}"}};
  ck_assert_ok(geocl_params_save(p, path, 2, meta));
  /* the same names in another layout (other groups, other order) load by name */
  decl other[N_MODEL];
  for (int i = 0; i < N_MODEL; i++) {
    other[i] = model[N_MODEL - 1 - i];
    if (other[i].group >= 0) other[i].group = i % 2;
  }
  geocl_params *q = declare(other, N_MODEL);
  ck_assert_ok(geocl_params_load(q, path));
  for (int i = 0; i < N_MODEL; i++) {
    float *a = test_download(geocl_params_get(p, i));
    float *b = test_download(geocl_params_find(q, model[i].name));
    ck_assert_mem_eq(a, b, (size_t)numel_of(&model[i]) * 4);
    free(a);
    free(b);
  }
  /* the file: F32 tensors under the official names, in declaration order, with the metadata */
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_int_eq(geocl_st_count(f), N_MODEL);
  for (int i = 0; i < N_MODEL; i++) {
    ck_assert_str_eq(geocl_st_at(f, i)->name, model[i].name);
    ck_assert_int_eq(geocl_st_at(f, i)->dtype, GEOCL_ST_F32);
  }
  ck_assert_str_eq(geocl_st_meta(f, "model"), "croco");
  ck_assert_str_eq(geocl_st_meta(f, "config"), "{\"enc_depth\": 2}");
  geocl_st_close(f);
  geocl_params_free(q);
  geocl_params_free(p);
}
END_TEST

START_TEST(load_converts_half_precision) {
  geocl_params *p = declare(model, N_MODEL);
  geocl_st_writer *w = geocl_st_writer_new();
  uint16_t *data[N_MODEL];
  for (int i = 0; i < N_MODEL; i++) {
    int64_t n = numel_of(&model[i]);
    data[i] = malloc((size_t)n * 2 + 2);
    for (int64_t k = 0; k < n; k++) data[i][k] = i % 2 ? 0x3f80 + (uint16_t)k : 0x3c00 + (uint16_t)k; /* BF16 / F16 */
    ck_assert_ok(geocl_st_writer_add(w, model[i].name, i % 2 ? GEOCL_ST_BF16 : GEOCL_ST_F16, model[i].ndim,
                                     model[i].shape, data[i]));
  }
  ck_assert_ok(geocl_st_writer_write(w, path));
  geocl_st_writer_free(w);
  ck_assert_ok(geocl_params_load(p, path));
  float *v = test_download(geocl_params_find(p, "enc.bias")); /* index 1: BF16 */
  ck_assert_float_eq(v[0], 1.0f);
  ck_assert_float_eq(v[1], 1.0078125f);
  free(v);
  v = test_download(geocl_params_find(p, "enc.weight")); /* index 0: F16 */
  ck_assert_float_eq(v[0], 1.0f);
  ck_assert_float_eq(v[1], 1.0009765625f);
  free(v);
  for (int i = 0; i < N_MODEL; i++) free(data[i]);
  geocl_params_free(p);
}
END_TEST

/* Write `path` from p's entries with the changes of a broken checkpoint. */
static void write_variant(geocl_params *p, const char *drop1, const char *drop2, const char *reshape,
                          const char *as_int, const char *extra) {
  geocl_st_writer *w = geocl_st_writer_new();
  static float big[256];
  for (int i = 0; i < geocl_params_count(p); i++) {
    const char *name = geocl_params_name(p, i);
    if ((drop1 && !strcmp(name, drop1)) || (drop2 && !strcmp(name, drop2))) continue;
    geocl_tensor *t = geocl_params_get(p, i);
    if (reshape && !strcmp(name, reshape))
      ck_assert_ok(geocl_st_writer_add(w, name, GEOCL_ST_F32, 1, (int64_t[]){4}, big));
    else if (as_int && !strcmp(name, as_int))
      ck_assert_ok(geocl_st_writer_add(w, name, GEOCL_ST_I32, geocl_ndim(t), geocl_shape(t), big));
    else ck_assert_ok(geocl_st_writer_add(w, name, GEOCL_ST_F32, geocl_ndim(t), geocl_shape(t), big));
  }
  if (extra) ck_assert_ok(geocl_st_writer_add(w, extra, GEOCL_ST_F32, 1, (int64_t[]){3}, big));
  ck_assert_ok(geocl_st_writer_write(w, path));
  geocl_st_writer_free(w);
}

static void expect_load_error(geocl_params *p, const float *before, const char *const *parts, int n_parts) {
  geocl_status st = geocl_params_load(p, path);
  ck_assert_msg(st == GEOCL_E_SHAPE, "load gave %s: %s", geocl_status_name(st), geocl_last_error());
  for (int i = 0; i < n_parts; i++)
    ck_assert_msg(strstr(geocl_last_error(), parts[i]), "'%s' lacks '%s'", geocl_last_error(), parts[i]);
  float *after = test_download(geocl_params_values(p));
  ck_assert_mem_eq(after, before, (size_t)geocl_numel(geocl_params_values(p)) * 4);
  free(after);
}

START_TEST(strict_load_names_every_problem) {
  geocl_params *p = declare(model, N_MODEL);
  randomize(p, 20);
  float *before = test_download(geocl_params_values(p));
  write_variant(p, "mask_token", NULL, "norm.weight", "head.weight", "dec.extra");
  const char *all[] = {"params.safetensors: does not match the model: ", "1 missing (mask_token)",
                       "1 unexpected (dec.extra)", "1 with another shape (norm.weight [4] instead of [13])",
                       "1 not floating-point (head.weight I32)"};
  expect_load_error(p, before, all, 5);
  write_variant(p, "mask_token", "enc.bias", NULL, NULL, NULL);
  const char *two[] = {"2 missing (enc.bias, mask_token)"};
  expect_load_error(p, before, two, 1);

  /* many problems: the first few names and the count */
  geocl_params *big;
  ck_assert_ok(geocl_params_new(ctx, &big));
  char name[32];
  for (int i = 0; i < 9; i++) {
    snprintf(name, sizeof name, "blocks.%d.weight", i);
    ck_assert_ok(geocl_params_add(big, name, 1, (int64_t[]){2}, 0));
  }
  ck_assert_ok(geocl_params_finalize(big));
  float *zeros = test_download(geocl_params_values(big));
  const char *many[] = {"9 missing (blocks.0.weight, blocks.1.weight, blocks.2.weight, ...)",
                        "5 unexpected (enc.weight, pos_embed, norm.weight, ...)"};
  expect_load_error(big, zeros, many, 2);
  free(zeros);
  geocl_params_free(big);

  /* a corrupt file (its header length) fails in the reader and modifies nothing either */
  FILE *f = fopen(path, "r+b");
  fseek(f, 7, SEEK_SET);
  fputc(0x7f, f);
  fclose(f);
  ck_assert_int_eq(geocl_params_load(p, path), GEOCL_E_FORMAT);
  float *after = test_download(geocl_params_values(p));
  ck_assert_mem_eq(after, before, (size_t)geocl_numel(geocl_params_values(p)) * 4);
  free(after);
  free(before);
  geocl_params_free(p);
}
END_TEST

/* Many names: every one is found at its index (a hash table now, was a
 * linear scan per declaration), and a repeated one is refused. */
START_TEST(many_names_found_and_duplicates_refused) {
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  enum { N = 20000 };
  char name[64];
  for (int i = 0; i < N; i++) {
    snprintf(name, sizeof name, "blocks.%d.w", i);
    ck_assert_ok(geocl_params_add(p, name, 1, (int64_t[]){1}, 0));
  }
  for (int i = 0; i < N; i += 7) {
    snprintf(name, sizeof name, "blocks.%d.w", i);
    ck_assert_int_eq(geocl_params_index(p, name), i);
  }
  ck_assert_int_eq(geocl_params_index(p, "blocks.20000.w"), -1);
  ck_assert_int_eq(geocl_params_add(p, "blocks.123.w", 1, (int64_t[]){1}, 0), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'blocks.123.w' declared twice"));
  geocl_params_free(p);
}
END_TEST

/* Sizes whose products overflow, and parameters beyond the device's memory,
 * are refused when declared, before anything is allocated. */
START_TEST(oversized_declarations_refused) {
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  ck_assert_int_eq(geocl_params_add(p, "a", 2, (int64_t[]){(int64_t)1 << 40, (int64_t)1 << 40}, 0), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'a' [1099511627776, 1099511627776]"));
  ck_assert_int_eq(geocl_params_add(p, "b", 3, (int64_t[]){(int64_t)1 << 62, 4, 0}, 0), GEOCL_E_SHAPE);
  /* fits 64 bits, not the host (the reference backend's device) */
  ck_assert_int_eq(geocl_params_add_buffer(p, "c", 2, (int64_t[]){(int64_t)1 << 30, (int64_t)1 << 20}),
                   GEOCL_E_DEVICE_NOMEM);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "more than the device's"));
  ck_assert_int_eq(geocl_params_count(p), 0);
  geocl_params_free(p);
}
END_TEST

/* Declaring against a file: a configuration declaring more entries than the
 * file holds stops at the first one beyond (it does not run away), and one
 * that does not match is refused by finalize before allocating. */
START_TEST(declarations_checked_against_the_file) {
  geocl_params *p = declare(model, N_MODEL);
  ck_assert_ok(geocl_params_save(p, path, 0, NULL));
  geocl_params_free(p);
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_ok(geocl_params_new(ctx, &p));
  ck_assert_ok(geocl_params_expect_file(p, f));
  char name[64];
  geocl_status st = GEOCL_OK;
  int declared = 0;
  for (int64_t i = 0; st == GEOCL_OK && i < 100000000; i++, declared++) {
    snprintf(name, sizeof name, "blocks.%lld", (long long)i);
    st = geocl_params_add(p, name, 1, (int64_t[]){4}, 0);
  }
  ck_assert_int_eq(st, GEOCL_E_SHAPE);
  ck_assert_int_eq(declared, 2 * N_MODEL + 64 + 1);
  ck_assert_msg(strstr(geocl_last_error(), path) && strstr(geocl_last_error(), "'blocks.78' is one beyond"), "%s",
                geocl_last_error());
  geocl_params_free(p);
  /* the right names, one of another shape: finalize refuses it, naming it */
  decl wider[N_MODEL];
  memcpy(wider, model, sizeof wider);
  wider[2].shape[0] = 1 << 20;
  ck_assert_ok(geocl_params_new(ctx, &p));
  ck_assert_ok(geocl_params_expect_file(p, f));
  for (int i = 0; i < N_MODEL; i++) {
    if (wider[i].group < 0) ck_assert_ok(geocl_params_add_buffer(p, wider[i].name, wider[i].ndim, wider[i].shape));
    else ck_assert_ok(geocl_params_add(p, wider[i].name, wider[i].ndim, wider[i].shape, wider[i].group));
  }
  ck_assert_int_eq(geocl_params_finalize(p), GEOCL_E_SHAPE);
  ck_assert_msg(strstr(geocl_last_error(), "pos_embed [3, 5] instead of [1048576, 5]"), "%s", geocl_last_error());
  geocl_params_free(p);
  geocl_st_close(f);
}
END_TEST

/* Non-finite values are never saved, nor loaded; a corrupt data section is
 * caught by the checksum unless GEOCL_CHECKSUMS=off. */
START_TEST(non_finite_and_corrupt_values_refused) {
  geocl_params *p = declare(model, N_MODEL);
  randomize(p, 3);
  ck_assert_ok(geocl_params_save(p, path, 0, NULL));
  float x[91];
  geocl_tensor *w = geocl_params_find(p, "enc.weight");
  ck_assert_ok(geocl_to_host(w, x, sizeof x));
  x[40] = NAN;
  ck_assert_ok(geocl_copy_from_host(w, x, sizeof x));
  char other[4500];
  snprintf(other, sizeof other, "%s.nan", path);
  unlink(other);
  ck_assert_int_eq(geocl_params_save(p, other, 0, NULL), GEOCL_E_NUMERIC);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "tensor 'enc.weight' holds NaN at element 40"));
  ck_assert_int_ne(access(other, F_OK), 0); /* nothing written */
  /* a file holding infinity (written directly) does not load, and changes nothing */
  x[40] = INFINITY;
  geocl_st_writer *wr = geocl_st_writer_new();
  float *values[N_MODEL];
  for (int i = 0; i < N_MODEL; i++) {
    values[i] = test_download(geocl_params_get(p, i));
    if (!strcmp(model[i].name, "enc.weight")) memcpy(values[i], x, sizeof x);
    ck_assert_ok(geocl_st_writer_add(wr, model[i].name, GEOCL_ST_F32, model[i].ndim, model[i].shape, values[i]));
  }
  ck_assert_ok(geocl_st_writer_write(wr, other));
  geocl_st_writer_free(wr);
  for (int i = 0; i < N_MODEL; i++) free(values[i]);
  float before[91];
  ck_assert_ok(geocl_to_host(w, before, sizeof before));
  ck_assert_int_eq(geocl_params_load(p, other), GEOCL_E_NUMERIC);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "holds an infinite value at element 40"));
  ck_assert_ok(geocl_to_host(w, x, sizeof x));
  ck_assert_mem_eq(x, before, sizeof x);
  /* one flipped bit in the data of a good file */
  FILE *f = fopen(path, "r+b");
  ck_assert_ptr_nonnull(f);
  ck_assert_int_eq(fseek(f, -3, SEEK_END), 0);
  int c = fgetc(f);
  ck_assert_int_eq(fseek(f, -3, SEEK_END), 0);
  fputc(c ^ 1, f);
  fclose(f);
  ck_assert_int_eq(geocl_params_load(p, path), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "the file is corrupt"));
  setenv("GEOCL_CHECKSUMS", "off", 1);
  ck_assert_ok(geocl_params_load(p, path));
  unsetenv("GEOCL_CHECKSUMS");
  geocl_params_free(p);
  unlink(other);
}
END_TEST

int main(void) {
  Suite *s = suite_create("params");
  TCase *tc = tcase_create("params");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, layout_by_group);
  tcase_add_test(tc, views_share_the_flat_buffers);
  tcase_add_test(tc, zero_grad_marks_stale_and_finish_zeroes);
  tcase_add_test(tc, save_load_round_trip);
  tcase_add_test(tc, load_converts_half_precision);
  tcase_add_test(tc, strict_load_names_every_problem);
  tcase_add_test(tc, many_names_found_and_duplicates_refused);
  tcase_add_test(tc, oversized_declarations_refused);
  tcase_add_test(tc, declarations_checked_against_the_file);
  tcase_add_test(tc, non_finite_and_corrupt_values_refused);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
