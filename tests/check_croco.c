/* SPDX-License-Identifier: MIT */
/* CroCo and MAE golden tests: small configurations (cosine and RoPE100, a
 * non-square image, 2 encoder and 2 decoder blocks) against outputs, loss and
 * every parameter gradient of a PyTorch re-implementation of naver/croco
 * (tests/gen/croco_ref.py, fixtures from tests/gen/gen_croco_fixtures.py,
 * checked against the official code), on the reference backend and on the
 * OpenCL backend when there is one.  Weights are regenerated from the
 * recipe in tests/fixtures/croco/README.md. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/model.h>
#include <geocl/picture.h>
#include <geocl/safetensors.h>

#include "golden.h"
#include "testutil.h"

/* Bounds (relative L2 error ‖a − b‖/‖b‖): float32 against a float64
 * reference over a few blocks.  Measured: ≤ 3e-7 on outputs and ≤ 9e-7 on
 * gradients on both backends; PyTorch's own float32 run is within 3e-7 / 1e-6.
 * A LayerNorm eps of 1e-5 instead of 1e-6 moves pred by about 1e-5. */
#define OUTPUT_TOL 2e-6
#define GRAD_TOL 1e-5
/* Gradients that are zero in exact arithmetic (key biases without RoPE) are
 * compared with an absolute bound on their norm instead. */
#define ZERO_GRAD_NORM 1e-6

static const char *fixtures[] = {"croco-cosine", "croco-rope", "mae-rope"};

static char *fixture_path(const char *name, const char *file) {
  static char buf[4096];
  const char *dir = getenv("GEOCL_FIXTURES");
  snprintf(buf, sizeof buf, "%s/croco/%s/%s", dir ? dir : "tests/fixtures", name, file);
  return buf;
}

/* Worst relative L2 errors of the current fixture, printed after it. */
static double worst_output, worst_grad;

/* The fixture's model with its weights. */
static geocl_model *fixture_model(geocl_ctx *ctx, geocl_st_file *in) {
  geocl_model_opts mo = {.task = geocl_st_meta(in, "task"), .config_json = geocl_st_meta(in, "croco_kwargs")};
  geocl_model *m;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  golden_set_weights(geocl_model_params(m), geocl_st_meta(in, "init"));
  return m;
}

/* The fixture's batch (in the current scope). */
static void fixture_batch(geocl_ctx *ctx, geocl_st_file *in, geocl_batch *b) {
  memset(b, 0, sizeof *b);
  ck_assert_ok(geocl_batch_set(b, "image1", test_st_upload(ctx, in, "image1")));
  ck_assert_ok(geocl_batch_set(b, "mask", test_st_upload(ctx, in, "mask")));
  b->size = geocl_dim(geocl_batch_get(b, "image1"), 0);
  if (geocl_st_find(in, "image2")) ck_assert_ok(geocl_batch_set(b, "image2", test_st_upload(ctx, in, "image2")));
}

/* Forward and backward of the fixture's batch (in the current scope). */
static void fixture_step(geocl_ctx *ctx, geocl_st_file *in, geocl_model *m, geocl_outputs *o) {
  geocl_batch b;
  fixture_batch(ctx, in, &b);
  ck_assert_ok(geocl_model_forward(m, &b, o));
  ck_assert_ok(geocl_backward(geocl_outputs_get(o, "loss")));
}

static void golden(geocl_ctx *ctx, const char *fixture) {
  geocl_st_file *in, *out, *grads;
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "inputs.safetensors"), &in));
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "outputs.safetensors"), &out));
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "grads.safetensors"), &grads));
  geocl_model *m = fixture_model(ctx, in);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_outputs o;
  fixture_step(ctx, in, m, &o);
  char what[128];
  snprintf(what, sizeof what, "%s on %s", fixture, geocl_ctx_backend_name(ctx));
  static const char *names[] = {"loss", "pred", "target", "mask", "feat1", "feat2", "dec"};
  worst_output = worst_grad = 0;
  for (size_t i = 0; i < sizeof names / sizeof *names; i++)
    if (geocl_st_find(out, names[i])) {
      double e = golden_compare(what, geocl_outputs_get(&o, names[i]), out, names[i], OUTPUT_TOL, ZERO_GRAD_NORM);
      if (e > worst_output) worst_output = e;
    }
  geocl_params *p = geocl_model_params(m);
  ck_assert_ok(geocl_params_finish_grads(p));
  int checked = 0;
  for (int i = 0; i < geocl_params_count(p); i++) {
    if (geocl_params_is_buffer(p, i)) continue;
    double e = golden_compare(what, geocl_grad(geocl_params_get(p, i)), grads, geocl_params_name(p, i), GRAD_TOL,
                              ZERO_GRAD_NORM);
    if (e > worst_grad) worst_grad = e;
    checked++;
  }
  printf("%-28s worst relative L2 error: outputs %.2e, gradients %.2e\n", what, worst_output, worst_grad);
  ck_assert_int_eq(checked, geocl_st_count(grads)); /* every gradient of the fixture was compared */
  geocl_scope_end(ctx, s);
  geocl_model_free(m);
  geocl_st_close(in);
  geocl_st_close(out);
  geocl_st_close(grads);
}

START_TEST(golden_reference) {
  geocl_ctx *ctx = test_ref_ctx();
  golden(ctx, fixtures[_i]);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(golden_opencl) {
  geocl_ctx *ctx = test_ocl_ctx();
  if (!ctx) {
    printf("golden_opencl: no OpenCL device, not run\n");
    return;
  }
  golden(ctx, fixtures[_i]);
  geocl_ctx_free(ctx);
}
END_TEST

/* One step of a fixture (forward, backward): its loss then every parameter
 * gradient, in one array of *n floats; *peak is the step's memory
 * high-water mark above what was held before it. */
static float *step_values(geocl_ctx *ctx, const char *fixture, size_t *n, size_t *peak) {
  geocl_st_file *in;
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "inputs.safetensors"), &in));
  geocl_model *m = fixture_model(ctx, in);
  geocl_params *p = geocl_model_params(m);
  geocl_mem_stats before, after;
  geocl_ctx_reset_peak(ctx);
  geocl_ctx_mem_stats(ctx, &before);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_outputs o;
  fixture_step(ctx, in, m, &o);
  ck_assert_uint_eq(geocl_tape_size(ctx), 0); /* the second runs left nothing on the tape */
  ck_assert_ok(geocl_params_finish_grads(p));
  geocl_ctx_mem_stats(ctx, &after);
  *peak = after.peak_bytes - before.current_bytes;
  size_t total = 1;
  for (int i = 0; i < geocl_params_count(p); i++)
    if (!geocl_params_is_buffer(p, i)) total += (size_t)geocl_numel(geocl_params_get(p, i));
  float *v = malloc(total * sizeof *v);
  ck_assert_ok(geocl_item(geocl_outputs_get(&o, "loss"), v));
  size_t at = 1;
  for (int i = 0; i < geocl_params_count(p); i++) {
    if (geocl_params_is_buffer(p, i)) continue;
    geocl_tensor *g = geocl_grad(geocl_params_get(p, i));
    ck_assert_msg(g != NULL, "%s: no gradient for %s", fixture, geocl_params_name(p, i));
    size_t k = (size_t)geocl_numel(g);
    ck_assert_ok(geocl_to_host(g, v + at, k * sizeof *v));
    at += k;
  }
  *n = total;
  geocl_scope_end(ctx, s);
  geocl_model_free(m);
  geocl_st_close(in);
  return v;
}

/* geocl_set_recompute: the transformer blocks run again in backward instead
 * of keeping their insides; the loss and every gradient are the same bit for
 * bit (the same kernels on the same inputs), in less memory. */
START_TEST(recompute_same_gradients) {
  const char *fixture = fixtures[_i / 2];
  geocl_ctx *ctx = test_backend_ctx(_i % 2, "check_croco recompute_same_gradients");
  if (!ctx) return;
  size_t n_kept, n_again, peak_kept, peak_again;
  float *kept = step_values(ctx, fixture, &n_kept, &peak_kept);
  geocl_set_recompute(ctx, true);
  float *again = step_values(ctx, fixture, &n_again, &peak_again);
  ck_assert_uint_eq(n_kept, n_again);
  size_t differ = 0;
  for (size_t i = 0; i < n_kept; i++) differ += memcmp(kept + i, again + i, sizeof *kept) != 0;
  printf("%-12s on %-9s recompute: %zu of %zu values differ; step peak %zu KiB kept, %zu KiB recomputed\n", fixture,
         geocl_ctx_backend_name(ctx), differ, n_kept, peak_kept / 1024, peak_again / 1024);
  ck_assert_uint_eq(differ, 0);
  ck_assert_uint_lt(peak_again, peak_kept);
  free(kept);
  free(again);
  geocl_ctx_free(ctx);
}
END_TEST

/* The reconstruction picture, in the official demo's order (naver/croco
 * demo.py): [reference,] masked, decoded, original, each panel under its
 * caption.  The fixtures' panels are 24 pixels wide: 4 characters of the
 * 5x7 font at scale 1, so the captions are cut to "refe", "mask", "deco",
 * "orig", each 23 pixels wide, at (0, 2) of an 11-row white strip. */
static void picture(geocl_ctx *ctx, const char *fixture) {
  geocl_st_file *in;
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "inputs.safetensors"), &in));
  geocl_model *m = fixture_model(ctx, in);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_batch b;
  fixture_batch(ctx, in, &b);
  geocl_outputs o;
  ck_assert_ok(geocl_model_forward(m, &b, &o));
  geocl_tensor *pic = geocl_model_visualize(m, &b, &o);
  ck_assert_nonnull_geocl(pic);
  geocl_tensor *im1 = geocl_batch_get(&b, "image1"), *im2 = geocl_batch_get(&b, "image2");
  int64_t B = b.size, H = geocl_dim(im1, 2), W = geocl_dim(im1, 3), S = 11, k = im2 ? 4 : 3, p = 4;
  ck_assert_int_eq(geocl_ndim(pic), 4);
  ck_assert_int_eq(geocl_dim(pic, 0), B);
  ck_assert_int_eq(geocl_dim(pic, 2), S + H);
  ck_assert_int_eq(geocl_dim(pic, 3), k * W);
  float *v = test_download(pic), *i1 = test_download(im1), *i2 = im2 ? test_download(im2) : NULL;
  float *mask = test_download(geocl_batch_get(&b, "mask"));
  int64_t PW = k * W, PH = S + H;
  static const char *const captions[4] = {"refe", "mask", "deco", "orig"};
  const char *const *cap = captions + (4 - k);
  int64_t ref = im2 ? 0 : -1, masked = ref + 1, decoded = ref + 2, original = ref + 3;
  for (int64_t n = 0; n < B; n++)
    for (int c = 0; c < 3; c++) {
      const float *pc = v + (n * 3 + c) * PH * PW;
      /* the caption strip: black text on white, the expected captions */
      for (int64_t i = 0; i < k; i++) {
        geocl_image want;
        ck_assert_ok(geocl_image_alloc(&want, (int)W, (int)S, 3, GEOCL_SAMPLE_U8));
        memset(want.data, 255, (size_t)(W * S * 3));
        ck_assert_int_eq(geocl_draw_text(&want, 0, 2, 1, cap[i], (const uint8_t[3]){0, 0, 0}), 23);
        int black = 0;
        for (int64_t y = 0; y < S; y++)
          for (int64_t x = 0; x < W; x++) {
            float got = pc[y * PW + i * W + x], exp = ((uint8_t *)want.data)[(y * W + x) * 3] / 255.0f;
            ck_assert_msg(got == exp, "%s: caption %s at (%lld, %lld) is %g, not %g", fixture, cap[i], (long long)x,
                          (long long)y, got, exp);
            black += got == 0;
          }
        ck_assert_int_gt(black, 20); /* text was drawn */
        geocl_image_free(&want);
      }
      /* the panels: denormalised views; the masked one black where masked */
      double mean = geocl_imagenet_mean[c], std = geocl_imagenet_std[c], decoded_diff = 0;
      for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++) {
          const float *row = pc + (S + y) * PW;
          size_t at = (size_t)(((n * 3 + c) * H + y) * W + x);
          bool hidden = mask[n * (H / p) * (W / p) + (y / p) * (W / p) + x / p] != 0;
          double view1 = i1[at] * std + mean;
          if (im2) ck_assert_double_eq_tol(row[ref * W + x], i2[at] * std + mean, 1e-5);
          ck_assert_double_eq_tol(row[masked * W + x], (hidden ? 0.0 : view1), 1e-5);
          ck_assert_double_eq_tol(row[original * W + x], view1, 1e-5);
          decoded_diff += fabs(row[decoded * W + x] - view1);
        }
      ck_assert_double_gt(decoded_diff, 1e-3); /* the decoded panel is a prediction, not a copy */
    }
  free(v);
  free(i1);
  free(i2);
  free(mask);
  geocl_scope_end(ctx, s);
  geocl_model_free(m);
  geocl_st_close(in);
}

START_TEST(picture_order) {
  geocl_ctx *ctx = test_ref_ctx();
  picture(ctx, fixtures[_i]);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("croco");
  TCase *tc = tcase_create("golden");
  int n = (int)(sizeof fixtures / sizeof *fixtures);
  tcase_add_loop_test(tc, golden_reference, 0, n);
  if (test_have_opencl()) tcase_add_loop_test(tc, golden_opencl, 0, n);
  suite_add_tcase(s, tc);
  TCase *recompute = tcase_create("recompute");
  tcase_add_loop_test(recompute, recompute_same_gradients, 0, 2 * n);
  suite_add_tcase(s, recompute);
  TCase *pictures = tcase_create("picture");
  tcase_add_loop_test(pictures, picture_order, 0, n);
  suite_add_tcase(s, pictures);
  return test_run_suite(s);
}
