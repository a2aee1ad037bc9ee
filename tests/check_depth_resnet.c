/* SPDX-License-Identifier: MIT */
/* The depth-resnet head (plugins/densedepth, on simipu's ResNet encoder):
 * its tensors have the depth toolbox's DenseDepthHead shapes, the output is
 * σ(conv_depth)·max_depth (clamped outside training), forward and backward
 * agree between the reference and OpenCL backends, and the gradients agree
 * with central differences of the loss. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>

#include "testutil.h"

#define B 2
#define H 64
#define W 64
#define MAX_DEPTH 80.0f

/* CPU-sized: ResNet-18 (the simipu tiny preset) and a narrow decoder. */
static const char *const head_args[] = {"up_sample_channels=4,6,8,10,12", "crop=64x64"};

static geocl_model *make_model(geocl_ctx *ctx, const char *weights) {
  geocl_model_opts mo = {.task = "depth-resnet", .args = head_args, .n_args = 2, .backbone_preset = "tiny",
                         .weights = weights, .init_seed = 3};
  geocl_model *m = NULL;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  return m;
}

static void make_batch(geocl_ctx *ctx, geocl_batch *b, bool training) {
  static float img[B * 3 * H * W], depth[B * H * W], valid[B * H * W];
  test_fill_uniform(img, B * 3 * H * W, 11, -1.5f, 1.5f);
  test_fill_uniform(depth, B * H * W, 12, 1.0f, 60.0f);
  test_fill_uniform(valid, B * H * W, 13, 0.0f, 1.0f);
  for (int i = 0; i < B * H * W; i++) { /* a fifth unknown, 0 as KITTI marks it */
    valid[i] = valid[i] < 0.2f ? 0.0f : 1.0f;
    depth[i] *= valid[i];
  }
  memset(b, 0, sizeof *b);
  b->size = B;
  b->training = training;
  ck_assert_ok(geocl_batch_set(b, "image1", test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, 3, H, W), img)));
  ck_assert_ok(geocl_batch_set(b, "depth", test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, 1, H, W), depth)));
  ck_assert_ok(geocl_batch_set(b, "valid", test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, 1, H, W), valid)));
}

static void expect_shape(geocl_model *m, const char *name, int64_t d0, int64_t d1, int64_t d2, int64_t d3) {
  geocl_tensor *t = geocl_params_find(geocl_model_params(m), name);
  ck_assert_msg(t != NULL, "no tensor %s", name);
  const int64_t want[4] = {d0, d1, d2, d3};
  for (int i = 0; i < 4; i++)
    ck_assert_msg(geocl_dim(t, i) == want[i], "%s dim %d: %lld, expected %lld", name, i, (long long)geocl_dim(t, i),
                  (long long)want[i]);
}

/* DenseDepthHead on ResNet-18 (in_channels 64, 64, 128, 256, 512): conv_list.0
 * is 1×1 from C5; UpSample k reads the skip's channels plus the previous
 * width; conv_depth reads the finest width. */
START_TEST(tensors_have_the_toolbox_shapes) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *m = make_model(ctx, NULL);
  expect_shape(m, "head.conv_list.0.conv.weight", 12, 512, 1, 1);
  expect_shape(m, "head.conv_list.1.convA.conv.weight", 10, 256 + 12, 3, 3);
  expect_shape(m, "head.conv_list.1.convB.conv.weight", 10, 10, 3, 3);
  expect_shape(m, "head.conv_list.2.convA.conv.weight", 8, 128 + 10, 3, 3);
  expect_shape(m, "head.conv_list.3.convA.conv.weight", 6, 64 + 8, 3, 3);
  expect_shape(m, "head.conv_list.4.convA.conv.weight", 4, 64 + 6, 3, 3);
  expect_shape(m, "head.conv_depth.weight", 1, 4, 3, 3);
  ck_assert_int_eq(geocl_dim(geocl_params_find(geocl_model_params(m), "head.conv_depth.bias"), 0), 1);
  ck_assert_ptr_nonnull(geocl_params_find(geocl_model_params(m), "img_backbone.layer4.1.bn2.running_var"));
  ck_assert_ptr_null(geocl_params_find(geocl_model_params(m), "mlp_cross_img.layer1.0.weight"));
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

/* conv_depth's weight 0 and bias b: every pixel σ(b)·max_depth; outside
 * training clamped to min_depth from below. */
START_TEST(output_is_sigmoid_times_max_depth) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *m = make_model(ctx, NULL);
  geocl_params *p = geocl_model_params(m);
  float w[4 * 9] = {0}, bias[2] = {0.7f, -30.0f};
  ck_assert_ok(geocl_copy_from_host(geocl_params_find(p, "head.conv_depth.weight"), w, sizeof w));
  for (int k = 0; k < 2; k++) {
    ck_assert_ok(geocl_copy_from_host(geocl_params_find(p, "head.conv_depth.bias"), &bias[k], sizeof(float)));
    geocl_scope s = geocl_scope_begin(ctx);
    geocl_batch b;
    make_batch(ctx, &b, k == 0);
    geocl_outputs o;
    ck_assert_ok(geocl_model_forward(m, &b, &o));
    geocl_tensor *pred = geocl_outputs_get(&o, "prediction");
    ck_assert_int_eq(geocl_numel(pred), B * H * W);
    float *v = test_download(pred);
    double want = k == 0 ? MAX_DEPTH / (1.0 + exp(-0.7)) : 0.001; /* σ(−30)·80 ≈ 7e-12, clamped */
    for (int i = 0; i < B * H * W; i++) ck_assert_double_le(fabs(v[i] - want), 1e-5 * want);
    free(v);
    geocl_scope_end(ctx, s);
  }
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

typedef struct pass {
  float loss;
  float *pred;
  float **grad; /* per trainable tensor, in declaration order */
  int n_grad;
} pass;

static int trainable(geocl_params *p, int i) { return !geocl_params_is_buffer(p, i) && !geocl_params_is_frozen(p, i); }

/* One training forward and backward on the test batch (in the caller's scope). */
static void forward_backward(geocl_model *m, geocl_outputs *o) {
  geocl_params *p = geocl_model_params(m);
  geocl_batch b;
  make_batch(geocl_model_ctx(m), &b, true);
  geocl_params_zero_grad(p);
  ck_assert_ok(geocl_model_forward(m, &b, o));
  ck_assert_ok(geocl_backward(geocl_outputs_get(o, "loss")));
  ck_assert_ok(geocl_params_finish_grads(p));
}

static void run_pass(geocl_model *m, pass *out) {
  geocl_ctx *ctx = geocl_model_ctx(m);
  geocl_params *p = geocl_model_params(m);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_outputs o;
  forward_backward(m, &o);
  ck_assert_ok(geocl_to_host(geocl_outputs_get(&o, "loss"), &out->loss, sizeof(float)));
  out->pred = test_download(geocl_outputs_get(&o, "prediction"));
  out->grad = calloc((size_t)geocl_params_count(p), sizeof *out->grad);
  for (int i = 0; i < geocl_params_count(p); i++)
    if (trainable(p, i)) out->grad[out->n_grad++] = test_download(geocl_grad(geocl_params_get(p, i)));
  geocl_scope_end(ctx, s);
}

static void free_pass(pass *x) {
  free(x->pred);
  for (int i = 0; i < x->n_grad; i++) free(x->grad[i]);
  free(x->grad);
}

/* The reference backend against OpenCL on the same weights: prediction and
 * loss to 1e-4, every gradient to 1e-3 (relative L2). */
START_TEST(backends_agree) {
  geocl_ctx *ref = test_ref_ctx();
  geocl_model *mr = make_model(ref, NULL);
  char path[4200];
  snprintf(path, sizeof path, "%s/depth-resnet-weights.safetensors", test_tmpdir());
  ck_assert_ok(geocl_model_save(mr, path, 0, NULL));
  geocl_ctx *ocl = test_backend_ctx(1, "check_depth_resnet backends_agree");
  if (!ocl) {
    geocl_model_free(mr);
    geocl_ctx_free(ref);
    return;
  }
  geocl_model *mo = make_model(ocl, path);
  pass a = {0}, c = {0};
  run_pass(mr, &a);
  run_pass(mo, &c);
  double e = fabs(a.loss - c.loss) / fabs(a.loss);
  printf("depth-resnet reference vs OpenCL: loss %.7g vs %.7g (%.2g)", a.loss, c.loss, e);
  ck_assert_double_le(e, 1e-4);
  e = test_rel_l2(c.pred, a.pred, B * H * W);
  printf(", prediction %.2g", e);
  ck_assert_double_le(e, 1e-4);
  geocl_params *p = geocl_model_params(mr);
  double worst = 0;
  const char *worst_name = "";
  ck_assert_int_eq(a.n_grad, c.n_grad);
  for (int i = 0, n = 0; i < geocl_params_count(p); i++) {
    if (!trainable(p, i)) continue;
    e = test_rel_l2(c.grad[n], a.grad[n], (size_t)geocl_numel(geocl_params_get(p, i)));
    n++;
    if (e > worst) worst = e, worst_name = geocl_params_name(p, i);
    ck_assert_msg(e <= 1e-3, "gradient of %s: relative L2 %.3g", geocl_params_name(p, i), e);
  }
  printf(", worst gradient %.2g (%s)\n", worst, worst_name);
  free_pass(&a);
  free_pass(&c);
  geocl_model_free(mo);
  geocl_model_free(mr);
  geocl_ctx_free(ocl);
  geocl_ctx_free(ref);
}
END_TEST

static float loss_only(geocl_model *m) {
  geocl_ctx *ctx = geocl_model_ctx(m);
  bool was = geocl_set_grad_enabled(ctx, false);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_batch b;
  make_batch(ctx, &b, true);
  geocl_outputs o;
  ck_assert_ok(geocl_model_forward(m, &b, &o));
  float loss;
  ck_assert_ok(geocl_to_host(geocl_outputs_get(&o, "loss"), &loss, sizeof loss));
  geocl_scope_end(ctx, s);
  geocl_set_grad_enabled(ctx, was);
  return loss;
}

/* Along the gradient, v = ∇L/‖∇L‖ for one tensor, with a step of 1e-5·‖θ‖
 * (larger steps see the curvature: at 1e-3 the decoder's 1×1 is 4% off):
 * (L(θ + εv) − L(θ − εv)) / 2ε must be ‖∇L‖ (a wrong scale, sign or
 * misplaced element gives less or more), for decoder and encoder tensors
 * (batch norm in training mode, the loss through the bilinear resize and
 * SigLoss). */
START_TEST(gradients_match_central_differences) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *m = make_model(ctx, NULL);
  geocl_params *p = geocl_model_params(m);
  static const char *const names[] = {"head.conv_depth.weight", "head.conv_list.4.convA.conv.weight",
                                      "head.conv_list.0.conv.weight", "img_backbone.layer3.0.conv1.weight",
                                      "img_backbone.bn1.weight"};
  for (int k = 0; k < 5; k++) {
    geocl_tensor *t = geocl_params_find(p, names[k]);
    size_t n = (size_t)geocl_numel(t);
    float *theta = test_download(t), *x = malloc(n * sizeof *x);
    geocl_scope s = geocl_scope_begin(ctx);
    geocl_outputs o;
    forward_backward(m, &o);
    float *g = test_download(geocl_grad(t));
    geocl_scope_end(ctx, s);
    double gnorm = 0, tnorm = 0;
    for (size_t i = 0; i < n; i++) gnorm += (double)g[i] * g[i], tnorm += (double)theta[i] * theta[i];
    gnorm = sqrt(gnorm);
    ck_assert_double_gt(gnorm, 0);
    double eps = 1e-5 * sqrt(tnorm), l[2];
    for (int sign = 0; sign < 2; sign++) {
      for (size_t i = 0; i < n; i++) x[i] = (float)(theta[i] + (sign ? -eps : eps) * g[i] / gnorm);
      ck_assert_ok(geocl_copy_from_host(t, x, n * sizeof *x));
      l[sign] = loss_only(m);
    }
    ck_assert_ok(geocl_copy_from_host(t, theta, n * sizeof *theta));
    double numeric = (l[0] - l[1]) / (2.0 * eps), err = fabs(numeric - gnorm) / gnorm;
    printf("%s: ‖∇L‖ %.6g, central difference along it %.6g (relative error %.2g)\n", names[k], gnorm, numeric,
           err);
    ck_assert_msg(err <= 2e-2, "%s: ‖∇L‖ %.6g, central difference %.6g", names[k], gnorm, numeric);
    free(theta);
    free(x);
    free(g);
  }
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("depth_resnet");
  TCase *tc = tcase_create("core");
  tcase_set_timeout(tc, 300);
  tcase_add_test(tc, tensors_have_the_toolbox_shapes);
  tcase_add_test(tc, output_is_sigmoid_times_max_depth);
  tcase_add_test(tc, backends_agree);
  tcase_add_test(tc, gradients_match_central_differences);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
