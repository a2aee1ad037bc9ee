/* SPDX-License-Identifier: MIT */
/* The layers library's ResNet-18 and ResNet-50 against torchvision's
 * (tests/fixtures/resnet.safetensors, tests/gen/gen_resnet_fixture.py):
 * parameter names, shapes and order as torchvision's state_dict; with the
 * same Philox-drawn weights and input, C5 in eval mode, then C2–C5 in training
 * mode, the input gradient, every parameter's gradient norm and the running
 * statistics after one update, against float64 PyTorch.  Runs on the reference
 * backend and, when there is one, the OpenCL backend.  Also: the layers'
 * option checks, and a checkpoint with torch's int64 num_batches_tracked. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/resnet.h>
#include <geocl/safetensors.h>

#include "testutil.h"

/* Each quantity's bound on the relative L2 error against float64 is
 * F32_FACTOR times what float32 PyTorch itself gets there (the fixture's
 * "<m>.f32.<name>"; from 4e-9 to 1e-2, the loosest in ResNet-50's input
 * gradient), and at least FLOOR. */
#define F32_FACTOR 4.0
#define FLOOR 2e-6
enum { OUT, GRAD, STAT }; /* kinds, for the summary */

enum { REF, OCL, N_BACKENDS };
static geocl_ctx *ctxs[N_BACKENDS];
static const char *const backend_names[N_BACKENDS] = {"reference", "OpenCL"};
static const char *const models[] = {"r18", "r50"};
static geocl_st_file *fixture;
static double worst[N_BACKENDS][3];

static const char *meta(const char *model, const char *key) {
  char full[128];
  snprintf(full, sizeof full, "%s%s%s", model ? model : "", model ? "." : "", key);
  const char *v = geocl_st_meta(fixture, full);
  ck_assert_msg(v != NULL, "fixture has no metadata %s", full);
  return v;
}

static float *want(const char *model, const char *name, size_t *n) {
  char key[160];
  snprintf(key, sizeof key, "%s/%s", model, name);
  const geocl_st_info *t = geocl_st_find(fixture, key);
  ck_assert_msg(t != NULL, "fixture has no tensor %s", key);
  *n = (size_t)geocl_st_numel(t);
  float *v = malloc(*n * sizeof *v + 4);
  ck_assert_ok(geocl_st_read_f32(fixture, t, v, *n));
  return v;
}

static void compare(int be, const char *model, const char *what, const float *got, size_t n_got, const char *name,
                    int kind) {
  char key[160];
  snprintf(key, sizeof key, "f32.%s", name);
  double tol = F32_FACTOR * atof(meta(model, key));
  if (tol < FLOOR) tol = FLOOR;
  size_t n;
  float *ref = want(model, name, &n);
  ck_assert_msg(n == n_got, "%s %s: %zu values, fixture %zu", model, what, n_got, n);
  double e = test_rel_l2(got, ref, n);
  if (getenv("GEOCL_TEST_VERBOSE")) printf("%s %-22s on %-9s %.2e (bound %.0e)\n", model, what, backend_names[be], e, tol);
  if (!(e <= worst[be][kind])) worst[be][kind] = e;
  ck_assert_msg(e <= tol, "%s %s on %s: relative L2 error %.3g > %.3g", model, what, backend_names[be], e, tol);
  free(ref);
}

static void compare_tensor(int be, const char *model, geocl_tensor *t, const char *name, int kind) {
  ck_assert_nonnull_geocl(t);
  float *v = test_download(t);
  compare(be, model, name, v, (size_t)geocl_numel(t), name, kind);
  free(v);
}

static double norm_of(const geocl_tensor *t) {
  float *v = test_download(t);
  double s = 0;
  for (int64_t i = 0; i < geocl_numel(t); i++) s += (double)v[i] * v[i];
  free(v);
  return sqrt(s);
}

/* lo + (hi − lo)·u in float32, as the generator computes it */
static geocl_tensor *draw(geocl_ctx *ctx, geocl_rng *rng, int ndim, const int64_t *shape, double lo, double hi) {
  size_t n = 1;
  for (int i = 0; i < ndim; i++) n *= (size_t)shape[i];
  float *h = malloc(n * sizeof *h + 4);
  geocl_rng_uniform(rng, h, n);
  float l = (float)lo, span = (float)(hi - lo);
  for (size_t i = 0; i < n; i++) h[i] = l + span * h[i];
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_F32, ndim, shape, h);
  free(h);
  ck_assert_nonnull_geocl(t);
  return t;
}

/* Every state_dict entry from the weight stream, in order. */
static void fill_weights(geocl_params *p, geocl_rng *rng) {
  for (int i = 0; i < geocl_params_count(p); i++) {
    const char *name = geocl_params_name(p, i);
    geocl_tensor *t = geocl_params_get(p, i);
    const char *kind = strrchr(name, '.') + 1;
    if (!strcmp(kind, "num_batches_tracked")) continue;
    double lo, hi;
    if (geocl_ndim(t) == 4) {
      hi = 1.0 / sqrt((double)(geocl_numel(t) / geocl_dim(t, 0)));
      lo = -hi;
    } else {
      lo = !strcmp(kind, "weight") ? 0.5 : !strcmp(kind, "running_var") ? 0.5 : -0.5;
      hi = !strcmp(kind, "weight") ? 1.5 : !strcmp(kind, "running_var") ? 2.0 : 0.5;
    }
    geocl_tensor *v = draw(geocl_tensor_ctx(t), rng, geocl_ndim(t), geocl_shape(t), lo, hi);
    float *h = test_download(v);
    ck_assert_ok(geocl_copy_from_host(t, h, (size_t)geocl_numel(t) * 4));
    free(h);
  }
}

/* names and shapes, in order, as torchvision's state_dict */
static void check_layout(const geocl_params *p, const char *model) {
  char *names = strdup(meta(model, "names")), *shapes = strdup(meta(model, "shapes"));
  char *sn = NULL, *ss = NULL, *n = strtok_r(names, ",", &sn), *s = strtok_r(shapes, ",", &ss);
  int i = 0;
  for (; n; n = strtok_r(NULL, ",", &sn), s = strtok_r(NULL, ",", &ss), i++) {
    ck_assert_msg(i < geocl_params_count(p), "%s: geocl has %d entries, torchvision more (next: %s)", model, i, n);
    ck_assert_msg(!strcmp(geocl_params_name(p, i), n), "%s entry %d: geocl '%s', torchvision '%s'", model, i,
                  geocl_params_name(p, i), n);
    char got[64] = "scalar";
    const geocl_tensor *t = geocl_params_get(p, i);
    for (int d = 0; d < geocl_ndim(t); d++)
      snprintf(got + (d ? strlen(got) : 0), sizeof got - (d ? strlen(got) : 0), "%s%lld", d ? "x" : "",
               (long long)geocl_dim(t, d));
    ck_assert_msg(s && !strcmp(got, s), "%s %s: shape %s, torchvision %s", model, n, got, s ? s : "none");
  }
  ck_assert_msg(i == geocl_params_count(p), "%s: geocl has %d entries, torchvision %d", model, geocl_params_count(p), i);
  free(names);
  free(shapes);
}

/* Compare C5: image 0 at position (0, 0), and the L2 norm of every channel. */
static void compare_c5(int be, const char *model, geocl_tensor *c5, const char *name) {
  geocl_tensor *corner = geocl_narrow(geocl_narrow(geocl_narrow(c5, 0, 0, 1), 2, 0, 1), 3, 0, 1);
  compare_tensor(be, model, geocl_contiguous(corner), name, OUT);
  geocl_tensor *sq = geocl_square(c5);
  char norms[64];
  snprintf(norms, sizeof norms, "%s_norms", name);
  compare_tensor(be, model, geocl_sqrt(geocl_sum(geocl_sum(geocl_sum(sq, 3, false), 2, false), 0, false)), norms, OUT);
}

/* _i: backend × model */
START_TEST(against_torchvision) {
  int be = _i / 2;
  const char *model = models[_i % 2];
  geocl_ctx *ctx = ctxs[be];
  if (!ctx) return;
  geocl_resnet_config cfg = {.depth = atoi(meta(model, "depth"))};
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  ck_assert_ok(geocl_resnet_declare(p, "", &cfg));
  ck_assert_ok(geocl_params_finalize(p));
  check_layout(p, model);
  geocl_resnet r;
  ck_assert_ok(geocl_resnet_bind(p, "", &cfg, &r));
  geocl_rng wr, xr, dr;
  geocl_rng_init(&wr, (uint64_t)atoll(meta(NULL, "weight_seed")));
  geocl_rng_init(&xr, (uint64_t)atoll(meta(NULL, "input_seed")));
  geocl_rng_init(&dr, (uint64_t)atoll(meta(NULL, "dout_seed")));
  fill_weights(p, &wr);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *x = draw(ctx, &xr, GEOCL_SHAPE(2, 3, 64, 40), -1, 1), *out[4];
  bool was = geocl_set_grad_enabled(ctx, false);
  ck_assert_ok(geocl_resnet_apply(&r, x, false, out));
  compare_c5(be, model, out[3], "c5_eval");
  geocl_set_grad_enabled(ctx, was);
  geocl_set_requires_grad(x, true);
  ck_assert_ok(geocl_resnet_apply(&r, x, true, out));
  bool was_on = geocl_set_grad_enabled(ctx, false);
  compare_c5(be, model, out[3], "c5");
  geocl_set_grad_enabled(ctx, was_on);
  float norms[4];
  geocl_tensor *loss = NULL;
  for (int k = 0; k < 4; k++) {
    norms[k] = (float)norm_of(out[k]);
    geocl_tensor *d = draw(ctx, &dr, geocl_ndim(out[k]), geocl_shape(out[k]), -1, 1);
    geocl_tensor *term = geocl_sum_all(geocl_mul(out[k], d));
    loss = loss ? geocl_add(loss, term) : term;
  }
  compare(be, model, "out_norms", norms, 4, "out_norms", OUT);
  ck_assert_ok(geocl_backward(loss));
  compare_tensor(be, model, geocl_sum(geocl_grad(x), 3, false), "dx_rows", GRAD);
  float dxn = (float)norm_of(geocl_grad(x));
  compare(be, model, "dx_norm", &dxn, 1, "dx_norm", GRAD);
  /* gradient norms of the parameters; running statistics of every batch norm */
  int n = geocl_params_count(p), ng = 0, nb = 0;
  float *gn = malloc(sizeof *gn * (size_t)n), *rm = malloc(sizeof *rm * (size_t)n), *rv = malloc(sizeof *rv * (size_t)n);
  for (int i = 0; i < n; i++) {
    const char *name = geocl_params_name(p, i);
    if (!geocl_params_is_buffer(p, i)) gn[ng++] = (float)norm_of(geocl_grad(geocl_params_get(p, i)));
    else if (strstr(name, "running_mean")) rm[nb] = (float)norm_of(geocl_params_get(p, i));
    else if (strstr(name, "running_var")) rv[nb++] = (float)norm_of(geocl_params_get(p, i));
  }
  compare(be, model, "grad_norms", gn, (size_t)ng, "grad_norms", GRAD);
  compare(be, model, "running_mean_norms", rm, (size_t)nb, "running_mean_norms", STAT);
  compare(be, model, "running_var_norms", rv, (size_t)nb, "running_var_norms", STAT);
  free(gn);
  free(rm);
  free(rv);
  char name[96];
  const char *last = meta(model, "last_bn");
  compare_tensor(be, model, geocl_grad(geocl_params_find(p, "bn1.weight")), "bn1.weight.grad", GRAD);
  compare_tensor(be, model, geocl_grad(geocl_params_find(p, "bn1.bias")), "bn1.bias.grad", GRAD);
  snprintf(name, sizeof name, "%s.weight", last);
  geocl_tensor *g = geocl_grad(geocl_params_find(p, name));
  snprintf(name, sizeof name, "%s.weight.grad", last);
  compare_tensor(be, model, g, name, GRAD);
  compare_tensor(be, model, geocl_params_find(p, "bn1.running_mean"), "bn1.running_mean", STAT);
  compare_tensor(be, model, geocl_params_find(p, "bn1.running_var"), "bn1.running_var", STAT);
  float count;
  ck_assert_ok(geocl_item(geocl_params_find(p, "bn1.num_batches_tracked"), &count));
  ck_assert_msg(count == 1.0f, "bn1.num_batches_tracked %g after one training step", count);
  geocl_scope_end(ctx, s);
  geocl_resnet_release(&r);
  geocl_params_free(p);
}
END_TEST

/* norm_eval (mmdet's): training uses the running statistics and leaves them as they are. */
START_TEST(norm_eval) {
  geocl_ctx *ctx = ctxs[REF];
  geocl_resnet_config cfg = {.depth = 18, .norm_eval = true};
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  ck_assert_ok(geocl_resnet_declare(p, "", &cfg));
  ck_assert_ok(geocl_params_finalize(p));
  geocl_resnet r;
  ck_assert_ok(geocl_resnet_bind(p, "", &cfg, &r));
  geocl_rng wr;
  geocl_rng_init(&wr, 5);
  fill_weights(p, &wr);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *x = draw(ctx, &wr, GEOCL_SHAPE(2, 3, 32, 32), -1, 1), *eval[4], *train[4];
  float *before = test_download(geocl_params_find(p, "layer2.0.bn1.running_var"));
  ck_assert_ok(geocl_resnet_apply(&r, x, false, eval));
  ck_assert_ok(geocl_resnet_apply(&r, x, true, train));
  float *a = test_download(eval[3]), *b = test_download(train[3]), *after = test_download(geocl_params_find(p, "layer2.0.bn1.running_var"));
  ck_assert_msg(memcmp(a, b, sizeof(float) * (size_t)geocl_numel(eval[3])) == 0, "norm_eval: training output differs");
  ck_assert_msg(memcmp(before, after, sizeof(float) * 128) == 0, "norm_eval: running statistics changed");
  free(a);
  free(b);
  free(before);
  free(after);
  geocl_scope_end(ctx, s);
  geocl_resnet_release(&r);
  geocl_params_free(p);
}
END_TEST

/* Options the layers refuse, with a message naming them. */
START_TEST(bad_options) {
  geocl_ctx *ctx = ctxs[REF];
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  geocl_resnet_config cfg = {.depth = 42};
  ck_assert_int_eq(geocl_resnet_declare(p, "", &cfg), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "depth 42"));
  ck_assert_int_eq(geocl_conv2d_layer_declare(p, "c", 6, 4, 3, 3, 4, false), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "conv2d layer c"));
  ck_assert_ok(geocl_batchnorm_layer_declare(p, "bn", 4));
  ck_assert_ok(geocl_params_finalize(p));
  geocl_batchnorm_layer bn;
  ck_assert_int_eq(geocl_batchnorm_layer_bind(p, "bn", 1e-5f, 1.5f, &bn), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "momentum"));
  ck_assert_int_eq(geocl_batchnorm_layer_bind(p, "other", 1e-5f, 0.1f, &bn), GEOCL_E_NOT_FOUND);
  geocl_params_free(p);
}
END_TEST

/* torchvision checkpoints store num_batches_tracked as int64: it loads converted. */
START_TEST(int64_batch_count) {
  geocl_ctx *ctx = ctxs[REF];
  char path[4096];
  snprintf(path, sizeof path, "%s/bn_i64.safetensors", test_tmpdir());
  geocl_st_writer *w = geocl_st_writer_new();
  ck_assert_ptr_nonnull(w);
  float v[3] = {1.5f, -2, 0.25f};
  int64_t count = 7;
  static const char *const names[4] = {"bn.weight", "bn.bias", "bn.running_mean", "bn.running_var"};
  for (int i = 0; i < 4; i++) ck_assert_ok(geocl_st_writer_add(w, names[i], GEOCL_ST_F32, 1, (int64_t[]){3}, v));
  ck_assert_ok(geocl_st_writer_add(w, "bn.num_batches_tracked", GEOCL_ST_I64, 0, NULL, &count));
  ck_assert_ok(geocl_st_writer_write(w, path));
  geocl_st_writer_free(w);
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  ck_assert_ok(geocl_batchnorm_layer_declare(p, "bn", 3));
  ck_assert_ok(geocl_params_finalize(p));
  ck_assert_ok(geocl_params_load(p, path));
  float got;
  ck_assert_ok(geocl_item(geocl_params_find(p, "bn.num_batches_tracked"), &got));
  ck_assert_msg(got == 7.0f, "num_batches_tracked loaded as %g", got);
  geocl_params_free(p);
}
END_TEST

int main(void) {
  char path[4096];
  const char *dir = getenv("GEOCL_FIXTURES");
  snprintf(path, sizeof path, "%s/resnet.safetensors", dir ? dir : "tests/fixtures");
  if (geocl_st_open(path, &fixture) != GEOCL_OK) {
    fprintf(stderr, "%s\n", geocl_last_error());
    return 1;
  }
  ctxs[REF] = test_ref_ctx();
  ctxs[OCL] = test_have_opencl() ? test_ocl_ctx() : NULL;
  Suite *s = suite_create("resnet");
  TCase *tc = tcase_create("resnet");
  tcase_set_timeout(tc, 300);
  tcase_add_loop_test(tc, against_torchvision, 0, 2 * N_BACKENDS);
  tcase_add_test(tc, norm_eval);
  tcase_add_test(tc, bad_options);
  tcase_add_test(tc, int64_batch_count);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  printf("worst relative L2 error against torchvision (float64): outputs / gradients / running statistics\n");
  for (int be = 0; be < N_BACKENDS; be++)
    if (ctxs[be])
      printf("  %-9s %.2e / %.2e / %.2e\n", backend_names[be], worst[be][0], worst[be][1], worst[be][2]);
    else
      printf("  %-9s not run (no device)\n", backend_names[be]);
  for (int be = 0; be < N_BACKENDS; be++)
    if (ctxs[be]) geocl_ctx_free(ctxs[be]);
  geocl_st_close(fixture);
  return rc;
}
