/* SPDX-License-Identifier: MIT */
/* Known answers of single ops against PyTorch: attention (plain and CroCo v2's
 * 2D RoPE, self- and cross-attention, fused and unfused paths), LayerNorm,
 * exact GELU, CroCo's masked normalised-pixel MSE, SimIPU's InfoNCE through
 * L2 normalisation and its bilinear sampling of feature maps at points
 * (grid_sample); conv2d, conv_transpose2d, batch norm in training mode
 * (with the running update) and eval mode, resizing (nearest, bilinear and
 * bicubic, both align_corners) and max pooling with ties; forward outputs and
 * input gradients.  The fixtures under
 * tests/fixtures/ops/ hold float32 inputs and what PyTorch computed from them
 * in float64 (tests/gen/gen_op_kats.py), so every bound below measures float32
 * arithmetic against the exact answer.  Runs on the reference backend and, when
 * there is one, on the OpenCL backend. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/safetensors.h>

#include "testutil.h"

/* Bounds on the relative L2 error ‖got − want‖/‖want‖, float32 against the
 * float64 answer; in brackets the worst measured over both backends (PoCL CPU
 * and rusticl on llvmpipe for OpenCL; the reference backend rounds double
 * results once per op). */
#define ATTN_OUT_TOL 1e-6     /* [4.0e-7, 197 keys on OpenCL] */
#define ATTN_GRAD_TOL 1e-6    /* [4.4e-7] */
#define LN_OUT_TOL 5e-7       /* [2.1e-7, rows with mean 3] */
#define LN_GRAD_TOL 5e-7      /* [2.0e-7, dγ] */
#define GELU_OUT_TOL 1e-7     /* [3.3e-8] */
#define GELU_GRAD_TOL 2e-7    /* [5.6e-8] */
#define NORMPIX_TOL 5e-7      /* [1.8e-7] */
#define MSE_LOSS_TOL 3e-7     /* [1.1e-7] */
#define MSE_GRAD_TOL 3e-7     /* [1.4e-7] */
/* [7.1e-8 PoCL, 2.1e-7 llvmpipe] The loss lse − logit subtracts numbers of
 * up to 1/τ ≈ 14, so the ulps of exp and log show relatively more: llvmpipe's
 * log is up to 1.2 ulp off, PoCL's 0.5 (OpenCL allows 3). */
#define INFONCE_LOSS_TOL 4e-7
/* [1.8e-6] The logits (up to 1/τ ≈ 14) are stored in float32, and a row whose
 * positive dominates has a small p_ii − 1 that their rounding perturbs
 * relatively more; PyTorch's own float32 run is 1.1e-6 off. */
#define INFONCE_GRAD_TOL 4e-6
/* Convolutional ops (tests/gen/gen_cnn_kats.py) */
#define CONV_OUT_TOL 5e-7  /* [2.0e-7, sums of up to 147 products on OpenCL] */
#define CONV_GRAD_TOL 5e-7 /* [1.2e-7] */
#define BN_OUT_TOL 3e-7    /* [1.1e-7, the running variance] */
#define BN_GRAD_TOL 3e-7   /* [1.0e-7] */
/* [5.8e-7, bicubic] Source coordinates in float32, as PyTorch computes them
 * for float32 images; the fixture's are float64. */
#define RESIZE_OUT_TOL 1e-6
#define RESIZE_GRAD_TOL 1e-6
#define POOL_GRAD_TOL 1e-7 /* [0] sums of a few values; the outputs are copies (bound 0) */
#define GRID_OUT_TOL 5e-7     /* [2.2e-7] */
#define GRID_GRAD_TOL 5e-7    /* [2.3e-7] */

enum { REF, OCL, N_BACKENDS };
static geocl_ctx *ctxs[N_BACKENDS]; /* OpenCL: NULL without a device */
static const char *const backend_names[N_BACKENDS] = {"reference", "OpenCL"};

enum { ATTN_FUSED, ATTN_UNFUSED, LAYERNORM, GELU, MASKED_MSE, INFONCE, GRID_SAMPLE, CONV2D, CONV_T, BATCHNORM, RESIZE,
       MAX_POOL, N_OPS };
static const char *const op_names[N_OPS] = {
    "attention (fused)", "attention (unfused)", "layernorm", "gelu", "masked normpix MSE", "infonce",
    "grid_sample points", "conv2d", "conv_transpose2d", "batchnorm", "resize", "max_pool2d"};
static bool verbose; /* GEOCL_TEST_VERBOSE=1: print every comparison */
/* Worst errors seen per op and backend: outputs, gradients. */
static double worst[N_OPS][N_BACKENDS][2];

/* One case of a fixture file on one backend. */
typedef struct kat {
  geocl_ctx *ctx;
  geocl_st_file *file;
  int op, backend;
  const char *name; /* case */
} kat;

static geocl_st_file *open_fixture(const char *file) {
  char path[4096];
  const char *dir = getenv("GEOCL_FIXTURES");
  snprintf(path, sizeof path, "%s/ops/%s", dir ? dir : "tests/fixtures", file);
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  return f;
}

static const geocl_st_info *find(const kat *k, const char *tensor) {
  char key[256];
  snprintf(key, sizeof key, "%s/%s", k->name, tensor);
  const geocl_st_info *t = geocl_st_find(k->file, key);
  ck_assert_msg(t != NULL, "%s has no tensor %s", geocl_st_path(k->file), key);
  return t;
}

static bool has(const kat *k, const char *tensor) {
  char key[256];
  snprintf(key, sizeof key, "%s/%s", k->name, tensor);
  return geocl_st_find(k->file, key) != NULL;
}

/* A number from the file's metadata: "<case>.<key>" if present, else "<key>". */
static double meta_num(const kat *k, const char *key) {
  char full[256];
  snprintf(full, sizeof full, "%s.%s", k->name, key);
  const char *v = geocl_st_meta(k->file, full);
  if (!v) v = geocl_st_meta(k->file, key);
  ck_assert_msg(v != NULL, "%s: no metadata %s", geocl_st_path(k->file), full);
  return strtod(v, NULL);
}

/* A "rows,columns" pair from the metadata. */
static void meta_pair(const kat *k, const char *key, int64_t out[2]) {
  char full[256];
  snprintf(full, sizeof full, "%s.%s", k->name, key);
  const char *v = geocl_st_meta(k->file, full);
  long long a, b;
  ck_assert_msg(v && sscanf(v, "%lld,%lld", &a, &b) == 2, "%s: no pair %s", geocl_st_path(k->file), full);
  out[0] = a;
  out[1] = b;
}

/* Upload tensor "<case>/<name>" (F32 or I32, as stored). */
static geocl_tensor *load(const kat *k, const char *tensor, bool requires_grad) {
  const geocl_st_info *t = find(k, tensor);
  size_t n = (size_t)geocl_st_numel(t);
  void *host = malloc(n * 4 + 4);
  bool i32 = t->dtype == GEOCL_ST_I32;
  ck_assert_msg(i32 || t->dtype == GEOCL_ST_F32, "%s: %s is %s", geocl_st_path(k->file), t->name,
                geocl_st_dtype_name(t->dtype));
  ck_assert_ok(geocl_st_read_raw(k->file, t, host, n * 4));
  geocl_tensor *x = geocl_from_host(k->ctx, i32 ? GEOCL_I32 : GEOCL_F32, t->ndim, t->shape, host);
  ck_assert_nonnull_geocl(x);
  free(host);
  if (requires_grad) geocl_set_requires_grad(x, true);
  return x;
}

/* Compare a result with "<case>/<want>" and record the error; tol bounds the
 * relative L2 error. */
static void expect(const kat *k, const geocl_tensor *got, const char *want, double tol, bool is_grad) {
  const char *where = backend_names[k->backend];
  ck_assert_msg(got != NULL, "%s %s/%s on %s: no result: %s", op_names[k->op], k->name, want, where,
                geocl_last_error());
  const geocl_st_info *t = find(k, want);
  ck_assert_msg(geocl_ndim(got) == t->ndim, "%s %s/%s: %d dims, fixture has %d", op_names[k->op], k->name, want,
                geocl_ndim(got), t->ndim);
  for (int d = 0; d < t->ndim; d++)
    ck_assert_msg(geocl_dim(got, d) == t->shape[d], "%s %s/%s: dim %d is %lld, fixture has %lld", op_names[k->op],
                  k->name, want, d, (long long)geocl_dim(got, d), (long long)t->shape[d]);
  size_t n = (size_t)geocl_st_numel(t);
  float *ref = malloc(n * sizeof *ref + 4), *val = test_download(got);
  ck_assert_ok(geocl_st_read_f32(k->file, t, ref, n));
  double e = test_rel_l2(val, ref, n), *w = &worst[k->op][k->backend][is_grad];
  if (verbose) printf("%-20s %-16s %-7s on %-9s %.2e (bound %.0e)\n", op_names[k->op], k->name, want, where, e, tol);
  if (!(e <= *w)) *w = e; /* before the assertion, so a failure shows in the summary (NaN included) */
  ck_assert_msg(e <= tol, "%s %s/%s on %s: relative L2 error %.3g > %.3g", op_names[k->op], k->name, want, where, e,
                tol);
  free(ref);
  free(val);
}

/* Run fn on every case listed in the file's "cases" metadata. */
static void each_case(int op, int backend, const char *file, void (*fn)(const kat *)) {
  geocl_ctx *ctx = ctxs[backend];
  if (!ctx) return; /* reported in main */
  kat k = {.ctx = ctx, .file = open_fixture(file), .op = op, .backend = backend};
  const char *cases = geocl_st_meta(k.file, "cases");
  ck_assert_msg(cases && *cases, "%s: no cases listed", file);
  char *list = strdup(cases), *save = NULL;
  for (char *c = strtok_r(list, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
    k.name = c;
    geocl_scope s = geocl_scope_begin(ctx);
    fn(&k);
    geocl_scope_end(ctx, s);
  }
  free(list);
  geocl_st_close(k.file);
}

/* Self-attention takes q, k, v as slices of a packed qkv [B, N, 3C] (heads
 * contiguous in each), cross-attention separate tensors; RoPE positions (y, x). */
static void attention_case(const kat *k) {
  bool self = has(k, "qkv");
  geocl_attn_opts o = {.heads = (int)meta_num(k, "heads"),
                       .rope_base = (float)meta_num(k, "rope_base"),
                       .unfused = k->op == ATTN_UNFUSED};
  geocl_tensor *q, *key, *v, *leaves[3];
  static const char *const self_grads[] = {"dqkv"}, *const cross_grads[] = {"dq", "dk", "dv"};
  if (self) {
    geocl_tensor *qkv = leaves[0] = load(k, "qkv", true);
    int64_t C = geocl_dim(qkv, 2) / 3;
    q = geocl_narrow(qkv, 2, 0, C);
    key = geocl_narrow(qkv, 2, C, C);
    v = geocl_narrow(qkv, 2, 2 * C, C);
  } else {
    q = leaves[0] = load(k, "q", true);
    key = leaves[1] = load(k, "k", true);
    v = leaves[2] = load(k, "v", true);
  }
  if (o.rope_base > 0) {
    o.qpos = load(k, "qpos", false);
    o.kpos = self ? o.qpos : load(k, "kpos", false);
  }
  geocl_tensor *out = geocl_attention(q, key, v, &o);
  expect(k, out, "out", ATTN_OUT_TOL, false);
  ck_assert_ok(geocl_backward_from(out, load(k, "dout", false)));
  for (int i = 0; i < (self ? 1 : 3); i++)
    expect(k, geocl_grad(leaves[i]), self ? self_grads[i] : cross_grads[i], ATTN_GRAD_TOL, true);
}

static void layernorm_case(const kat *k) {
  geocl_tensor *x = load(k, "x", true), *gamma = load(k, "gamma", true), *beta = load(k, "beta", true);
  geocl_tensor *y = geocl_layernorm(x, gamma, beta, (float)meta_num(k, "eps"));
  expect(k, y, "y", LN_OUT_TOL, false);
  ck_assert_ok(geocl_backward_from(y, load(k, "dout", false)));
  expect(k, geocl_grad(x), "dx", LN_GRAD_TOL, true);
  expect(k, geocl_grad(gamma), "dgamma", LN_GRAD_TOL, true);
  expect(k, geocl_grad(beta), "dbeta", LN_GRAD_TOL, true);
}

static void gelu_case(const kat *k) {
  geocl_tensor *x = load(k, "x", true), *y = geocl_gelu(x);
  expect(k, y, "y", GELU_OUT_TOL, false);
  ck_assert_ok(geocl_backward_from(y, load(k, "dout", false)));
  expect(k, geocl_grad(x), "dx", GELU_GRAD_TOL, true);
}

/* CroCo's loss: masked_mean(row_mse(pred, normpix(target_raw)), mask). */
static void masked_mse_case(const kat *k) {
  geocl_tensor *pred = load(k, "pred", true);
  geocl_tensor *target = geocl_normpix(load(k, "target_raw", false), (float)meta_num(k, "eps"));
  expect(k, target, "target", NORMPIX_TOL, false);
  geocl_tensor *loss = geocl_masked_mean(geocl_row_mse(pred, target), load(k, "mask", false));
  expect(k, loss, "loss", MSE_LOSS_TOL, false);
  ck_assert_ok(geocl_backward(loss));
  expect(k, geocl_grad(pred), "dpred", MSE_GRAD_TOL, true);
}

/* SimIPU's loss on L2-normalised embeddings; gradients through the normalisation. */
static void infonce_case(const kat *k) {
  float eps = (float)meta_num(k, "l2_eps");
  geocl_tensor *q = load(k, "q", true), *key = load(k, "k", true);
  geocl_tensor *loss =
      geocl_infonce(geocl_l2_normalize(q, eps), geocl_l2_normalize(key, eps), (float)meta_num(k, "tau"));
  expect(k, loss, "loss", INFONCE_LOSS_TOL, false);
  ck_assert_ok(geocl_backward(loss));
  expect(k, geocl_grad(q), "dq", INFONCE_GRAD_TOL, true);
  expect(k, geocl_grad(key), "dk", INFONCE_GRAD_TOL, true);
}

/* conv2d and conv_transpose2d with PyTorch's arguments */
static void conv_case(const kat *k) {
  geocl_conv2d_opts o = {.groups = (int64_t)meta_num(k, "groups")};
  meta_pair(k, "stride", o.stride);
  meta_pair(k, "padding", o.padding);
  meta_pair(k, "dilation", o.dilation);
  if (k->op == CONV_T) meta_pair(k, "output_padding", o.output_padding);
  geocl_tensor *x = load(k, "x", true), *w = load(k, "weight", true), *b = has(k, "bias") ? load(k, "bias", true) : NULL;
  geocl_tensor *y = k->op == CONV_T ? geocl_conv_transpose2d(x, w, b, &o) : geocl_conv2d(x, w, b, &o);
  expect(k, y, "y", CONV_OUT_TOL, false);
  ck_assert_ok(geocl_backward_from(y, load(k, "dout", false)));
  expect(k, geocl_grad(x), "dx", CONV_GRAD_TOL, true);
  expect(k, geocl_grad(w), "dweight", CONV_GRAD_TOL, true);
  if (b) expect(k, geocl_grad(b), "dbias", CONV_GRAD_TOL, true);
}

/* Training mode: batch statistics, the running update (torch.nn.BatchNorm's,
 * counting the batch), the normalisation; eval mode: the running statistics. */
static void batchnorm_case(const kat *k) {
  geocl_tensor *x = load(k, "x", true), *w = load(k, "weight", true), *b = load(k, "bias", true);
  geocl_tensor *rm = load(k, "running_mean", false), *rv = load(k, "running_var", false);
  float eps = (float)meta_num(k, "eps");
  bool relu = meta_num(k, "relu") != 0, training = meta_num(k, "training") != 0;
  geocl_tensor *mean = rm, *var = rv;
  if (training) {
    int64_t c = geocl_dim(x, 1), count = geocl_numel(x) / c;
    geocl_tensor *stats = geocl_batchnorm_stats(x), *nbt = geocl_zeros(k->ctx, GEOCL_F32, 1, (int64_t[]){1});
    ck_assert_ok(geocl_batchnorm_update_running(rm, rv, nbt, stats, count, (float)meta_num(k, "momentum")));
    expect(k, rm, "running_mean_after", BN_OUT_TOL, false);
    expect(k, rv, "running_var_after", BN_OUT_TOL, false);
    expect(k, nbt, "num_batches_tracked_after", 0, false);
    mean = geocl_reshape(geocl_narrow(stats, 0, 0, 1), 1, &c);
    var = geocl_reshape(geocl_narrow(stats, 0, 1, 1), 1, &c);
  }
  geocl_tensor *y = geocl_batchnorm(x, mean, var, w, b, NULL, eps, relu);
  expect(k, y, "y", BN_OUT_TOL, false);
  ck_assert_ok(geocl_backward_from(y, load(k, "dout", false)));
  expect(k, geocl_grad(x), "dx", BN_GRAD_TOL, true);
  expect(k, geocl_grad(w), "dweight", BN_GRAD_TOL, true);
  expect(k, geocl_grad(b), "dbias", BN_GRAD_TOL, true);
}

static void resize_case(const kat *k) {
  int64_t size[2];
  meta_pair(k, "size", size);
  char key[256];
  snprintf(key, sizeof key, "%s.mode", k->name);
  const char *mode = geocl_st_meta(k->file, key);
  ck_assert_ptr_nonnull(mode);
  geocl_resample_mode m = !strcmp(mode, "nearest")    ? GEOCL_RESAMPLE_NEAREST
                          : !strcmp(mode, "bilinear") ? GEOCL_RESAMPLE_LINEAR
                                                      : GEOCL_RESAMPLE_CUBIC;
  geocl_tensor *x = load(k, "x", true), *y = geocl_resize2d(x, size[0], size[1], m, meta_num(k, "align_corners") != 0);
  expect(k, y, "y", RESIZE_OUT_TOL, false);
  ck_assert_ok(geocl_backward_from(y, load(k, "dout", false)));
  expect(k, geocl_grad(x), "dx", RESIZE_GRAD_TOL, true);
}

/* x holds ties: the gradient must go to the first maximum as PyTorch's does */
static void max_pool_case(const kat *k) {
  geocl_pool2d_opts o = {.ceil_mode = meta_num(k, "ceil_mode") != 0};
  meta_pair(k, "kernel", o.kernel);
  meta_pair(k, "stride", o.stride);
  meta_pair(k, "padding", o.padding);
  meta_pair(k, "dilation", o.dilation);
  geocl_tensor *x = load(k, "x", true), *y = geocl_max_pool2d(x, &o);
  expect(k, y, "y", 0, false);
  ck_assert_ok(geocl_backward_from(y, load(k, "dout", false)));
  expect(k, geocl_grad(x), "dx", POOL_GRAD_TOL, true);
}

/* Bilinear sampling at points: gradients to the map and to the points. */
static void grid_sample_case(const kat *k) {
  geocl_tensor *f = load(k, "f", true), *grid = load(k, "grid", true);
  geocl_tensor *y = geocl_grid_sample_points(f, grid);
  expect(k, y, "y", GRID_OUT_TOL, false);
  ck_assert_ok(geocl_backward_from(y, load(k, "dout", false)));
  expect(k, geocl_grad(f), "df", GRID_GRAD_TOL, true);
  expect(k, geocl_grad(grid), "dgrid", GRID_GRAD_TOL, true);
}

/* _i: the backend */
START_TEST(attention_fused) {
  each_case(ATTN_FUSED, _i, "attention.safetensors", attention_case);
  each_case(ATTN_FUSED, _i, "attention_n197.safetensors", attention_case);
}
END_TEST

START_TEST(attention_unfused) {
  each_case(ATTN_UNFUSED, _i, "attention.safetensors", attention_case);
  each_case(ATTN_UNFUSED, _i, "attention_n197.safetensors", attention_case);
}
END_TEST

START_TEST(layernorm) { each_case(LAYERNORM, _i, "layernorm.safetensors", layernorm_case); }
END_TEST

START_TEST(gelu) { each_case(GELU, _i, "gelu.safetensors", gelu_case); }
END_TEST

START_TEST(masked_mse) { each_case(MASKED_MSE, _i, "masked_mse.safetensors", masked_mse_case); }
END_TEST

START_TEST(infonce) { each_case(INFONCE, _i, "infonce.safetensors", infonce_case); }
END_TEST

START_TEST(conv2d) { each_case(CONV2D, _i, "conv2d.safetensors", conv_case); }
END_TEST

START_TEST(conv_transpose2d) { each_case(CONV_T, _i, "conv_transpose2d.safetensors", conv_case); }
END_TEST

START_TEST(batchnorm) { each_case(BATCHNORM, _i, "batchnorm.safetensors", batchnorm_case); }
END_TEST

START_TEST(resize) { each_case(RESIZE, _i, "resize.safetensors", resize_case); }
END_TEST

START_TEST(max_pool2d) { each_case(MAX_POOL, _i, "max_pool2d.safetensors", max_pool_case); }
END_TEST

START_TEST(grid_sample) { each_case(GRID_SAMPLE, _i, "grid_sample.safetensors", grid_sample_case); }
END_TEST

static void print_worst(void) {
  printf("worst relative L2 error against PyTorch (float64), outputs / gradients:\n");
  for (int op = 0; op < N_OPS; op++) {
    printf("  %-22s", op_names[op]);
    for (int be = 0; be < N_BACKENDS; be++) {
      if (ctxs[be])
        printf("  %s %.2e / %.2e", backend_names[be], worst[op][be][0], worst[op][be][1]);
      else
        printf("  %s not run (no device)", backend_names[be]);
    }
    printf("\n");
  }
}

int main(void) {
  const char *v = getenv("GEOCL_TEST_VERBOSE");
  verbose = v && *v && strcmp(v, "0");
  ctxs[REF] = test_ref_ctx();
  ctxs[OCL] = test_have_opencl() ? test_ocl_ctx() : NULL;
  Suite *s = suite_create("kat");
  TCase *tc = tcase_create("known answers");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, attention_fused, 0, N_BACKENDS);
  tcase_add_loop_test(tc, attention_unfused, 0, N_BACKENDS);
  tcase_add_loop_test(tc, layernorm, 0, N_BACKENDS);
  tcase_add_loop_test(tc, gelu, 0, N_BACKENDS);
  tcase_add_loop_test(tc, masked_mse, 0, N_BACKENDS);
  tcase_add_loop_test(tc, infonce, 0, N_BACKENDS);
  tcase_add_loop_test(tc, conv2d, 0, N_BACKENDS);
  tcase_add_loop_test(tc, conv_transpose2d, 0, N_BACKENDS);
  tcase_add_loop_test(tc, batchnorm, 0, N_BACKENDS);
  tcase_add_loop_test(tc, resize, 0, N_BACKENDS);
  tcase_add_loop_test(tc, max_pool2d, 0, N_BACKENDS);
  tcase_add_loop_test(tc, grid_sample, 0, N_BACKENDS);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  print_worst();
  for (int be = 0; be < N_BACKENDS; be++)
    if (ctxs[be]) geocl_ctx_free(ctxs[be]);
  return rc;
}
