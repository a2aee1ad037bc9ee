/* SPDX-License-Identifier: MIT */
/* CroCo and MAE golden tests: small configurations (cosine and RoPE100, a
 * non-square image, 2 encoder and 2 decoder blocks) against outputs, loss and
 * every parameter gradient of a PyTorch re-implementation of naver/croco
 * (tests/gen/croco_ref.py, fixtures from tests/gen/gen_croco_fixtures.py,
 * checked against the official code), on the reference backend and on the
 * OpenCL backend when there is one.  Weights are regenerated from the
 * recipe in tests/fixtures/croco/README.md. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/model.h>
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

static void golden(geocl_ctx *ctx, const char *fixture) {
  geocl_st_file *in, *out, *grads;
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "inputs.safetensors"), &in));
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "outputs.safetensors"), &out));
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "grads.safetensors"), &grads));
  geocl_model_opts mo = {.task = geocl_st_meta(in, "task"), .config_json = geocl_st_meta(in, "croco_kwargs")};
  geocl_model *m;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  golden_set_weights(geocl_model_params(m), geocl_st_meta(in, "init"));
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_batch b = {0};
  ck_assert_ok(geocl_batch_set(&b, "image1", test_st_upload(ctx, in, "image1")));
  ck_assert_ok(geocl_batch_set(&b, "mask", test_st_upload(ctx, in, "mask")));
  b.size = geocl_dim(geocl_batch_get(&b, "image1"), 0);
  if (geocl_st_find(in, "image2")) ck_assert_ok(geocl_batch_set(&b, "image2", test_st_upload(ctx, in, "image2")));
  geocl_outputs o;
  ck_assert_ok(geocl_model_forward(m, &b, &o));
  ck_assert_ok(geocl_backward(geocl_outputs_get(&o, "loss")));
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

int main(void) {
  Suite *s = suite_create("croco");
  TCase *tc = tcase_create("golden");
  int n = (int)(sizeof fixtures / sizeof *fixtures);
  tcase_add_loop_test(tc, golden_reference, 0, n);
  if (test_have_opencl()) tcase_add_loop_test(tc, golden_opencl, 0, n);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
