/* SPDX-License-Identifier: MIT */
/* Golden tests of the stereo, flow and depth heads: small binocular and
 * encoder-only CroCo models with the DPT head (RoPE and cosine, with and
 * without norm_y, official and given hooks) against the raw output, the
 * prediction, the loss and every parameter gradient of a PyTorch reference
 * written from the spec (tests/gen/dpt_ref.py, fixtures from
 * tests/gen/gen_dpt_fixtures.py, checked against the official code); and the
 * criteria alone against it.  On the reference backend, and on OpenCL when
 * there is a device. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/model.h>
#include <geocl/safetensors.h>

#include "golden.h"
#include "testutil.h"

/* Relative L2 error against float64: measured ≤ 4e-7 (outputs) and ≤ 3e-6
 * (gradients) on both backends. */
#define OUTPUT_TOL 1e-5
#define GRAD_TOL 1e-4
#define ZERO_NORM 1e-6 /* refinenet4.resConfUnit1 is never used: its gradient is 0 */

static const char *fixtures[] = {"stereo-rope", "flow-cosine", "depth-rope"};

static const char *fixture_path(const char *name, const char *file) {
  static char buf[4096];
  const char *dir = getenv("GEOCL_FIXTURES");
  snprintf(buf, sizeof buf, "%s/dense/%s%s%s", dir ? dir : "tests/fixtures", name, *file ? "/" : "", file);
  return buf;
}

/* The target with unknown (non-finite) values as the data gives it: 0, and valid 0. */
static void add_target(geocl_ctx *ctx, geocl_st_file *in, const char *field, geocl_batch *b) {
  size_t n;
  float *t = test_st_read_f32(in, "target", &n);
  const geocl_st_info *info = geocl_st_find(in, "target");
  int64_t B = info->shape[0], C = info->shape[1], plane = info->shape[2] * info->shape[3];
  float *valid = malloc(sizeof(float) * (size_t)(B * plane));
  for (int64_t i = 0; i < B * plane; i++) valid[i] = 1;
  for (int64_t i = 0; i < B; i++)
    for (int64_t c = 0; c < C; c++)
      for (int64_t p = 0; p < plane; p++) {
        float *v = &t[(i * C + c) * plane + p];
        if (!isfinite(*v)) {
          *v = 0;
          valid[i * plane + p] = 0;
        }
      }
  ck_assert_ok(geocl_batch_set(b, field, geocl_from_host(ctx, GEOCL_F32, info->ndim, info->shape, t)));
  ck_assert_ok(geocl_batch_set(b, "valid", geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(B, 1, info->shape[2],
                                                                                     info->shape[3]), valid)));
  free(t);
  free(valid);
}

static void golden(geocl_ctx *ctx, const char *fixture) {
  geocl_st_file *in, *out, *grads;
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "inputs.safetensors"), &in));
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "outputs.safetensors"), &out));
  ck_assert_ok(geocl_st_open(fixture_path(fixture, "grads.safetensors"), &grads));
  const char *task = geocl_st_meta(in, "task");
  geocl_model_opts mo = {.task = task, .config_json = geocl_st_meta(in, "config"),
                         .backbone_config_json = geocl_st_meta(in, "croco_kwargs")};
  geocl_model *m;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  geocl_params *p = geocl_model_params(m);
  golden_set_weights(p, geocl_st_meta(in, "init"));
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_batch b = {.training = true};
  ck_assert_ok(geocl_batch_set(&b, "image1", test_st_upload(ctx, in, "image1")));
  if (geocl_st_find(in, "image2")) ck_assert_ok(geocl_batch_set(&b, "image2", test_st_upload(ctx, in, "image2")));
  b.size = geocl_dim(geocl_batch_get(&b, "image1"), 0);
  add_target(ctx, in, !strcmp(task, "stereo") ? "disparity" : task, &b);
  geocl_outputs o;
  ck_assert_ok(geocl_model_forward(m, &b, &o));
  ck_assert_ok(geocl_backward(geocl_outputs_get(&o, "loss")));
  char what[128];
  snprintf(what, sizeof what, "%s on %s", fixture, geocl_ctx_backend_name(ctx));
  double worst_output = 0, worst_grad = 0;
  static const char *names[] = {"loss", "pred", "prediction"};
  for (int i = 0; i < 3; i++) {
    double e = golden_compare(what, geocl_outputs_get(&o, names[i]), out, names[i], OUTPUT_TOL, 0);
    worst_output = e > worst_output ? e : worst_output;
  }
  static const char *buffers[] = {"enc_pos_embed", "dec_pos_embed"};
  for (int i = 0; i < 2; i++) /* the cosine tables geocl computes */
    if (geocl_st_find(in, buffers[i])) golden_compare(what, geocl_params_find(p, buffers[i]), in, buffers[i], 1e-7, 0);
  ck_assert_ok(geocl_params_finish_grads(p));
  int checked = 0;
  for (int i = 0; i < geocl_params_count(p); i++) {
    if (geocl_params_is_buffer(p, i)) continue;
    double e = golden_compare(what, geocl_grad(geocl_params_get(p, i)), grads, geocl_params_name(p, i), GRAD_TOL,
                              ZERO_NORM);
    worst_grad = e > worst_grad ? e : worst_grad;
    checked++;
  }
  printf("%-28s worst relative L2 error: outputs %.2e, gradients %.2e\n", what, worst_output, worst_grad);
  ck_assert_int_eq(checked, geocl_st_count(grads)); /* every gradient, and the model has no more */
  geocl_scope_end(ctx, s);
  geocl_model_free(m);
  geocl_st_close(in);
  geocl_st_close(out);
  geocl_st_close(grads);
}

/* The criteria alone: each case's loss and its gradient with respect to the raw output. */
static void criteria(geocl_ctx *ctx) {
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(fixture_path("criteria.safetensors", ""), &f));
  json_object *cases = json_tokener_parse(geocl_st_meta(f, "cases"));
  ck_assert_ptr_nonnull(cases);
  double worst = 0;
  int n = 0;
  json_object_object_foreach(cases, key, idx) {
    geocl_scope s = geocl_scope_begin(ctx);
    bool flow = !strncmp(key, "flow:", 5);
    int nc = flow ? 2 : 1;
    geocl_criterion c;
    ck_assert_ok(geocl_criterion_parse(strchr(key, ':') + 1, &c));
    geocl_tensor *out = test_st_upload(ctx, f, "out");
    geocl_set_requires_grad(out, true);
    size_t count;
    float *gt = test_st_read_f32(f, flow ? "flow" : "disparity", &count);
    float valid[2 * 64];
    for (int i = 0; i < 2; i++)
      for (int px = 0; px < 64; px++) valid[i * 64 + px] = isfinite(gt[i * nc * 64 + px]) ? 1.0f : 0.0f;
    for (size_t i = 0; i < count; i++) gt[i] = isfinite(gt[i]) ? gt[i] : 0.0f;
    geocl_tensor *g = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(2, nc, 8, 8), gt);
    geocl_tensor *v = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(2, 1, 8, 8), valid);
    geocl_tensor *conf = geocl_criterion_with_conf(&c) ? geocl_narrow(out, 1, nc, 1) : NULL;
    geocl_tensor *loss = geocl_criterion_loss(&c, geocl_narrow(out, 1, 0, nc), conf, g, v);
    ck_assert_ok(geocl_backward(loss));
    char name[32];
    snprintf(name, sizeof name, "loss%d", json_object_get_int(idx));
    double e = golden_compare(key, loss, f, name, OUTPUT_TOL, 0);
    snprintf(name, sizeof name, "grad%d", json_object_get_int(idx));
    double eg = golden_compare(key, geocl_grad(out), f, name, GRAD_TOL, 0);
    worst = fmax(worst, fmax(e, eg));
    free(gt);
    geocl_scope_end(ctx, s);
    n++;
  }
  printf("criteria on %s: %d cases, worst relative L2 error %.2e\n", geocl_ctx_backend_name(ctx), n, worst);
  ck_assert_int_eq(n, 12);
  json_object_put(cases);
  geocl_st_close(f);
}

START_TEST(golden_reference) {
  geocl_ctx *ctx = test_ref_ctx();
  golden(ctx, fixtures[_i]);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(golden_opencl) {
  geocl_ctx *ctx = test_ocl_ctx();
  golden(ctx, fixtures[_i]);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(criteria_reference) {
  geocl_ctx *ctx = test_ref_ctx();
  criteria(ctx);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(criteria_opencl) {
  geocl_ctx *ctx = test_ocl_ctx();
  criteria(ctx);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(criterion_text) {
  geocl_criterion c;
  ck_assert_ok(geocl_criterion_parse("LaplacianLossBounded2()", &c));
  ck_assert(c.kind == GEOCL_CRITERION_LAPLACIAN_BOUNDED2 && c.a == 3 && c.b == 3 && c.max_gtnorm == 0);
  ck_assert_ok(geocl_criterion_parse(" LaplacianLossBounded(max_gtnorm=None, a=0.5, b = 2.) ", &c));
  ck_assert(c.kind == GEOCL_CRITERION_LAPLACIAN_BOUNDED && c.a == 0.5 && c.b == 2 && c.max_gtnorm == 0);
  ck_assert_ok(geocl_criterion_parse("LaplacianLossBounded", &c));
  ck_assert(c.a == 0.25 && c.b == 4 && c.max_gtnorm == 10000);
  ck_assert_ok(geocl_criterion_parse("L1Loss()", &c));
  ck_assert(!geocl_criterion_with_conf(&c));
  static const char *const bad[] = {"L2Loss()", "LaplacianLoss(a=1)", "LaplacianLossBounded(a=4, b=1)",
                                    "LaplacianLossBounded2(a=x)", "L1Loss() extra", "L1Loss(max_gtnorm=1"};
  for (int i = 0; i < 6; i++) {
    ck_assert_int_eq(geocl_criterion_parse(bad[i], &c), GEOCL_E_INVALID);
    ck_assert_ptr_nonnull(strstr(geocl_last_error(), bad[i]));
  }
}
END_TEST

/* The depth losses on known answers: g = ln d̂ − ln d = 1, 0, −1 gives
 * l1log 2/3 and silog √(var + 0.15·mean²) = √1 (unbiased variance); g = 1
 * everywhere gives 1 and √0.15; the unknown pixel (gt 0) counts nowhere. */
START_TEST(depth_loss_known_answers) {
  geocl_ctx *ctx = test_ref_ctx();
  const float e = (float)M_E;
  const float gt[4] = {1, 2, 4, 0}, valid[4] = {1, 1, 1, 0};
  const float pred[2][4] = {{e, 2, 4 / e, 5}, {e, 2 * e, 4 * e, 0.5f}};
  const double want[2][2] = {{2.0 / 3, 1}, {1, sqrt(0.15)}}; /* l1log, silog */
  for (int k = 0; k < 2; k++) {
    geocl_scope s = geocl_scope_begin(ctx);
    geocl_tensor *p = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, 2, 2), pred[k]);
    geocl_tensor *g = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, 2, 2), gt);
    geocl_tensor *v = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, 2, 2), valid);
    float got[2];
    ck_assert_ok(geocl_to_host(geocl_depth_loss_apply(GEOCL_DEPTH_LOSS_L1LOG, p, g, v), &got[0], sizeof(float)));
    ck_assert_ok(geocl_to_host(geocl_depth_loss_apply(GEOCL_DEPTH_LOSS_SILOG, p, g, v), &got[1], sizeof(float)));
    for (int i = 0; i < 2; i++) ck_assert_double_eq_tol(got[i], want[k][i], 1e-6);
    geocl_scope_end(ctx, s);
  }
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("dense_heads");
  TCase *tc = tcase_create("golden");
  tcase_set_timeout(tc, 120);
  int n = (int)(sizeof fixtures / sizeof *fixtures);
  tcase_add_test(tc, criterion_text);
  tcase_add_test(tc, depth_loss_known_answers);
  tcase_add_test(tc, criteria_reference);
  tcase_add_loop_test(tc, golden_reference, 0, n);
  if (test_have_opencl()) {
    tcase_add_test(tc, criteria_opencl);
    tcase_add_loop_test(tc, golden_opencl, 0, n);
  }
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
