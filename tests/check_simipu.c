/* SPDX-License-Identifier: MIT */
/* SimIPU golden test: a small configuration (ResNet-18, 256 points, SA
 * 64/32/16) on three samples in two contrastive groups, with images of
 * different padded sizes, against tests/gen/simipu_ref.py in float64
 * (fixture from tests/gen/gen_simipu_fixtures.py): every sampler pick and
 * the matching exactly, the losses and accuracies, the keypoints, and the
 * gradients (the image encoder's convolutions by their norms), on the
 * reference backend and on OpenCL when there is one.  Also: the recipe's
 * optimizer routing, and refusals of malformed batches. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/model.h>
#include <geocl/safetensors.h>
#include <geocl/train.h>

#include "testutil.h"

/* Bounds: float32 against the float64 reference.  Losses and accuracies
 * 1e-5 relative (measured ≤ 2.5e-6 on both backends), keypoints exact (they
 * are input points).  Each gradient (relative L2; the image encoder's
 * convolutions by their norms) within max(1e-3, 4 × its spread), the spread
 * being PyTorch's float32 step against the float64 one (spread/<name> in the
 * fixture): the bound.  Small batch-norm batches make some gradients
 * ill-conditioned (the ResNet's layer1 batch norms: float32 PyTorch itself is
 * 1e-3 off); see the printout. */
#define LOSS_TOL 1e-5
#define GRAD_TOL 1e-3
#define SPREAD_FACTOR 4
#define ZERO_TOL 1e-4

static const char *fixture(void) {
  static char buf[4096];
  const char *dir = getenv("GEOCL_FIXTURES");
  snprintf(buf, sizeof buf, "%s/simipu/step.safetensors", dir ? dir : "tests/fixtures");
  return buf;
}

static uint64_t fnv1a64(const char *s) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 0x100000001B3ull;
  return h;
}

static bool ends_with(const char *s, const char *tail) {
  size_t a = strlen(s), b = strlen(tail);
  return a >= b && !strcmp(s + a - b, tail);
}

/* The fixture's weights (gen_simipu_fixtures.py, recipe_value). */
static void set_weights(geocl_model *m) {
  geocl_params *p = geocl_model_params(m);
  for (int i = 0; i < geocl_params_count(p); i++) {
    const char *name = geocl_params_name(p, i);
    geocl_tensor *t = geocl_params_get(p, i);
    size_t n = (size_t)geocl_numel(t);
    float *v = malloc(n * sizeof *v + 4);
    geocl_rng r;
    geocl_rng_init(&r, fnv1a64(name));
    geocl_rng_uniform(&r, v, n);
    bool one_d = geocl_ndim(t) == 1;
    double fan_in = geocl_ndim(t) > 1 ? (double)n / (double)geocl_dim(t, 0) : 1;
    for (size_t k = 0; k < n; k++) {
      double u = v[k];
      v[k] = ends_with(name, "running_mean") || ends_with(name, "num_batches_tracked") ? 0.0f
             : ends_with(name, "running_var")                                         ? 1.0f
             : one_d && ends_with(name, "weight")                                     ? (float)(1 + (u - 0.5) / 2)
             : one_d                                                                  ? (float)((u - 0.5) / 5)
                                                                                      : (float)((2 * u - 1) * sqrt(3.0 / fan_in));
    }
    ck_assert_ok(geocl_copy_from_host(t, v, n * sizeof *v));
    free(v);
  }
}

/* The image field: each rgbI as fed, B, G, R minus the mean, zero-padded. */
static geocl_tensor *image_field(geocl_ctx *ctx, geocl_st_file *f, int64_t B, int64_t h, int64_t w) {
  float *planes = calloc((size_t)(B * 3 * h * w), sizeof(float));
  for (int64_t b = 0; b < B; b++) {
    char name[32];
    snprintf(name, sizeof name, "rgb%lld", (long long)b);
    const geocl_st_info *t = geocl_st_find(f, name);
    ck_assert_msg(t && t->ndim == 3 && t->shape[2] == 3, "fixture %s", name);
    geocl_image img;
    ck_assert_ok(geocl_image_alloc(&img, (int)t->shape[1], (int)t->shape[0], 3, GEOCL_SAMPLE_U8));
    size_t n = (size_t)geocl_st_numel(t);
    float *v = malloc(n * sizeof *v);
    ck_assert_ok(geocl_st_read_f32(f, t, v, n));
    for (size_t i = 0; i < n; i++) ((uint8_t *)img.data)[i] = (uint8_t)v[i];
    ck_assert_ok(geocl_bgr_mean_normalize(&img, (int)w, (int)h, planes + (size_t)(b * 3 * h * w)));
    free(v);
    geocl_image_free(&img);
  }
  geocl_tensor *x = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(B, 3, h, w), planes);
  free(planes);
  return x;
}

static double compare(const char *what, const geocl_tensor *t, geocl_st_file *ref, const char *name, double tol) {
  size_t n;
  float *want = test_st_read_f32(ref, name, &n);
  ck_assert_msg(t != NULL, "%s: no %s", what, name);
  ck_assert_msg((size_t)geocl_numel(t) == n, "%s %s: %lld elements, fixture has %zu", what, name,
                (long long)geocl_numel(t), n);
  float *got = test_download(t);
  double e = test_rel_l2(got, want, n);
  if (getenv("SIMIPU_VERBOSE") && e > 1e-5) printf("  %s %s %.2e\n", what, name, e);
  ck_assert_msg(e <= tol, "%s %s: relative L2 error %.3g > %.3g", what, name, e, tol);
  free(got);
  free(want);
  return e;
}

static int32_t *download_i32(const geocl_tensor *t) {
  int32_t *v = malloc(sizeof(int32_t) * (size_t)geocl_numel(t) + 4);
  ck_assert_ok(geocl_to_host(t, v, sizeof(int32_t) * (size_t)geocl_numel(t)));
  return v;
}

static void compare_indices(const char *what, const geocl_tensor *t, geocl_st_file *ref, const char *name) {
  size_t n;
  float *want = test_st_read_f32(ref, name, &n);
  ck_assert_msg(t && geocl_tensor_dtype(t) == GEOCL_I32 && (size_t)geocl_numel(t) == n, "%s %s: shape or type",
                what, name);
  int32_t *got = download_i32(t);
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(got[i] == (int32_t)want[i], "%s %s[%zu]: %d, reference %d", what, name, i, got[i], (int)want[i]);
  free(got);
  free(want);
}

static int compare_pairs(const void *a, const void *b) { return memcmp(a, b, 6 * sizeof(float)); }

/* Per sample, the (A keypoint, matched B keypoint) pairs as a set: repeated
 * keypoints (a point picked twice) may swap partners at no cost. */
static void compare_matching(const char *what, const geocl_outputs *o, geocl_st_file *ref) {
  size_t n, nk;
  float *want = test_st_read_f32(ref, "match", &n), *kp_a = test_st_read_f32(ref, "kp_a", &nk);
  float *kp_b = test_st_read_f32(ref, "kp_b", &nk);
  int32_t *got = download_i32(geocl_outputs_get(o, "match"));
  int64_t K = geocl_dim(geocl_outputs_get(o, "match"), 1), B = (int64_t)n / K;
  float *p = malloc(sizeof(float) * 12 * (size_t)K);
  for (int64_t b = 0; b < B; b++) {
    for (int64_t i = 0; i < K; i++)
      for (int side = 0; side < 2; side++) {
        int64_t j = side ? (int64_t)want[b * K + i] : got[b * K + i];
        memcpy(p + (side * K + i) * 6, kp_a + (b * K + i) * 3, 3 * sizeof(float));
        memcpy(p + (side * K + i) * 6 + 3, kp_b + (b * K + j) * 3, 3 * sizeof(float));
      }
    qsort(p, (size_t)K, 6 * sizeof(float), compare_pairs);
    qsort(p + 6 * K, (size_t)K, 6 * sizeof(float), compare_pairs);
    ck_assert_msg(!memcmp(p, p + 6 * K, 6 * sizeof(float) * (size_t)K), "%s: the matching of sample %lld differs",
                  what, (long long)b);
  }
  free(p);
  free(got);
  free(want);
  free(kp_a);
  free(kp_b);
}

static double norm_of(geocl_st_file *f, const char *key) {
  size_t n;
  float *v = test_st_read_f32(f, key, &n);
  double s = 0;
  for (size_t i = 0; i < n; i++) s += (double)v[i] * v[i];
  free(v);
  return sqrt(s);
}

/* For a bias whose reference gradient vanishes (a batch norm removes its
 * effect), the bound on its float32 gradient's norm (rounding noise):
 * ZERO_TOL times the layer's weight gradient norm; else 0. */
static double structural_zero(geocl_st_file *f, const char *name) {
  char key[256], wkey[256];
  snprintf(key, sizeof key, "grad/%s", name);
  size_t len = strlen(name);
  if (len < 5 || strcmp(name + len - 5, ".bias") || !geocl_st_find(f, key)) return 0;
  snprintf(wkey, sizeof wkey, "grad/%.*sweight", (int)(len - 4), name);
  double w = geocl_st_find(f, wkey) ? norm_of(f, wkey) : 0;
  return w > 0 && norm_of(f, key) < 1e-9 * w ? ZERO_TOL * w : 0;
}

static geocl_model *fixture_model(geocl_ctx *ctx, geocl_st_file *f) {
  geocl_model_opts mo = {.task = "simipu", .config_json = geocl_st_meta(f, "config")};
  geocl_model *m;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  set_weights(m);
  return m;
}

static void fixture_batch(geocl_ctx *ctx, geocl_st_file *f, geocl_batch *b) {
  memset(b, 0, sizeof *b);
  static const char *fields[] = {"points_a", "points_b", "b_to_a", "lidar2img", "image_size"};
  for (int i = 0; i < 5; i++) ck_assert_ok(geocl_batch_set(b, fields[i], test_st_upload(ctx, f, fields[i])));
  b->size = geocl_dim(geocl_batch_get(b, "points_a"), 0);
  ck_assert_ok(geocl_batch_set(b, "image", image_field(ctx, f, b->size, 64, 96)));
  b->training = true;
}

static void golden(geocl_ctx *ctx) {
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(fixture(), &f));
  geocl_model *m = fixture_model(ctx, f);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_batch b;
  fixture_batch(ctx, f, &b);
  geocl_outputs o;
  ck_assert_ok(geocl_model_forward(m, &b, &o));
  ck_assert_ok(geocl_backward(geocl_outputs_get(&o, "loss")));
  const char *what = geocl_ctx_backend_name(ctx);
  /* decisions: exactly (the matching up to swaps of repeated keypoints) */
  static const char *picks[] = {"sa1_idx_a", "sa2_idx_a", "sa3_idx_a", "sa1_idx_b", "sa2_idx_b", "sa3_idx_b"};
  for (int i = 0; i < 6; i++) compare_indices(what, geocl_outputs_get(&o, picks[i]), f, picks[i]);
  compare(what, geocl_outputs_get(&o, "kp_a"), f, "kp_a", 0);
  compare(what, geocl_outputs_get(&o, "kp_b"), f, "kp_b", 0);
  compare_matching(what, &o, f);
  double worst_loss = 0, worst_grad = 0;
  static const char *losses[] = {"loss", "loss_intra", "loss_inter", "intro_acc_top1", "intro_acc_top5",
                                 "cross_acc_top1", "cross_acc_top5"};
  for (int i = 0; i < 7; i++)
    worst_loss = fmax(worst_loss, compare(what, geocl_outputs_get(&o, losses[i]), f, losses[i], LOSS_TOL));
  geocl_params *p = geocl_model_params(m);
  ck_assert_ok(geocl_params_finish_grads(p));
  int checked = 0;
  for (int i = 0; i < geocl_params_count(p); i++) {
    if (geocl_params_is_buffer(p, i) || geocl_params_is_frozen(p, i)) continue;
    char key[256];
    const char *name = geocl_params_name(p, i);
    geocl_tensor *g = geocl_grad(geocl_params_get(p, i));
    snprintf(key, sizeof key, "spread/%s", name);
    double tol = fmax(GRAD_TOL, SPREAD_FACTOR * norm_of(f, key));
    snprintf(key, sizeof key, "grad/%s", name);
    double zero_bound = structural_zero(f, name);
    if (zero_bound > 0) { /* a bias a batch norm follows: zero in exact arithmetic */
      float *got = test_download(g);
      double norm = 0;
      for (int64_t k = 0; k < geocl_numel(g); k++) norm += (double)got[k] * got[k];
      ck_assert_msg(sqrt(norm) <= zero_bound, "%s %s: gradient norm %.3g, zero in exact arithmetic (bound %.3g)",
                    what, name, sqrt(norm), zero_bound);
      free(got);
    } else if (geocl_st_find(f, key)) {
      worst_grad = fmax(worst_grad, compare(what, g, f, key, tol) / tol);
    } else {
      snprintf(key, sizeof key, "gradnorm/%s", name);
      size_t n;
      float *want = test_st_read_f32(f, key, &n), *got = test_download(g);
      double norm = 0;
      for (int64_t k = 0; k < geocl_numel(g); k++) norm += (double)got[k] * got[k];
      double e = fabs(sqrt(norm) - want[0]) / want[0];
      ck_assert_msg(e <= tol, "%s %s: gradient norm %.6g, reference %.6g", what, name, sqrt(norm), want[0]);
      worst_grad = fmax(worst_grad, e / tol);
      free(want);
      free(got);
    }
    checked++;
  }
  /* every gradient of the fixture has a trained parameter: mlp_cross_points is frozen */
  int in_fixture = 0;
  for (int i = 0; i < geocl_st_count(f); i++)
    in_fixture += !strncmp(geocl_st_at(f, i)->name, "grad/", 5) || !strncmp(geocl_st_at(f, i)->name, "gradnorm/", 9);
  ck_assert_int_eq(checked, in_fixture);
  printf("simipu on %-10s worst relative error: losses and accuracies %.2e; gradients at %.2f of their bound "
         "(%d tensors)\n",
         what,
         worst_loss, worst_grad, checked);
  geocl_scope_end(ctx, s);
  geocl_model_free(m);
  geocl_st_close(f);
}

START_TEST(golden_reference) {
  geocl_ctx *ctx = test_ref_ctx();
  golden(ctx);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(golden_opencl) {
  geocl_ctx *ctx = test_ocl_ctx();
  golden(ctx);
  geocl_ctx_free(ctx);
}
END_TEST

/* The hybrid optimiser: AdamW (1e-3, β 0.95/0.99, wd 0.01) for pts_backbone,
 * SGD (0.03, momentum 0.9, wd 1e-4 on every parameter) for the image side and
 * the heads; mlp_cross_points never trained. */
START_TEST(recipe_routes_by_name) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(fixture(), &f));
  geocl_model *m = fixture_model(ctx, f);
  geocl_train_opts to;
  geocl_train_opts_default(&to);
  to.task = "simipu";
  geocl_optim *opt;
  ck_assert_ok(geocl_train_optimizer(m, &to, &opt));
  geocl_params *p = geocl_model_params(m);
  int seen[3] = {0};
  for (int i = 0; i < geocl_params_count(p); i++) {
    if (geocl_params_is_buffer(p, i)) continue;
    const char *name = geocl_params_name(p, i);
    if (!strncmp(name, "mlp_cross_points.", 17)) {
      ck_assert_msg(geocl_params_is_frozen(p, i), "%s is trained", name);
      seen[2]++;
      continue;
    }
    const geocl_optim_group *g = geocl_optim_group_settings(opt, geocl_params_group(p, i));
    if (!strncmp(name, "pts_backbone.", 13)) {
      ck_assert_msg(g->kind == GEOCL_OPTIM_ADAMW && g->lr == 1e-3 && g->beta1 == 0.95 && g->beta2 == 0.99 &&
                        g->weight_decay == 0.01, "%s: not the point encoder's AdamW", name);
      seen[0]++;
    } else {
      ck_assert_msg(g->kind == GEOCL_OPTIM_SGD && g->lr == 0.03 && g->momentum == 0.9 && g->weight_decay == 1e-4 &&
                        !g->nesterov && g->dampening == 0, "%s: not SGD 0.03/0.9/1e-4", name);
      seen[1]++;
    }
  }
  ck_assert(seen[0] > 0 && seen[1] > 0 && seen[2] == 12); /* 3 linear layers and 3 batch norms */
  const geocl_recipe *r = geocl_plugin_recipe(geocl_model_plugin(m));
  ck_assert_int_eq(r->schedule, GEOCL_LR_EXPONENTIAL);
  ck_assert(r->gamma == 0.99);
  geocl_optim_free(opt);
  geocl_model_free(m);
  geocl_st_close(f);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(refuses_malformed_batches) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(fixture(), &f));
  geocl_model *m = fixture_model(ctx, f);
  geocl_batch b;
  geocl_outputs o;
  fixture_batch(ctx, f, &b);
  b.n = 5; /* without the image */
  ck_assert_int_eq(geocl_model_forward(m, &b, &o), GEOCL_E_INVALID);
  ck_assert_str_eq(geocl_last_error(), "simipu: the batch has no field 'image'");
  fixture_batch(ctx, f, &b);
  ck_assert_ok(geocl_batch_set(&b, "image_size", geocl_full(ctx, 100, GEOCL_SHAPE(3, 2))));
  ck_assert_int_eq(geocl_model_forward(m, &b, &o), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "does not fit the 96x64 input"));
  fixture_batch(ctx, f, &b);
  ck_assert_ok(geocl_batch_set(&b, "points_b", geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(3, 256, 3))));
  ck_assert_int_eq(geocl_model_forward(m, &b, &o), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "points_a and points_b must both be [3, N, 4]"));
  geocl_model_free(m);
  geocl_st_close(f);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("simipu");
  TCase *tc = tcase_create("simipu");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, golden_reference);
  if (test_have_opencl()) tcase_add_test(tc, golden_opencl);
  tcase_add_test(tc, recipe_routes_by_name);
  tcase_add_test(tc, refuses_malformed_batches);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
