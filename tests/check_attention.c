/* SPDX-License-Identifier: MIT */
/* Attention known answers: the fused kernels against the unfused path (GEMM +
 * softmax, differentiated by autograd) on the reference and OpenCL backends;
 * the sin-cos table and the RoPE rotation against values worked out by hand
 * from naver/croco models/pos_embed.py (get_2d_sincos_pos_embed, RoPE2D);
 * RoPE's relative-position property; errors for bad input.  The OpenCL parts are skipped (with a note) without a device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/vit.h>

#include "op_harness.h"

extern const op_case cases_attention[];

/* Fused vs unfused, max|a−b|/max|b| over the output and each gradient: both
 * round differently (float GEMM, softmax and probabilities in between). */
#define FUSED_TOL_REF 1e-6
#define FUSED_TOL_OCL 4e-6

static geocl_ctx *ctxs[2]; /* reference, OpenCL (NULL without a device) */
static const op_case *attn_cases[32];
static int n_attn_cases;
static double worst[2];

typedef struct result {
  size_t n;
  float *y, *g[6];
} result;

/* Output of case c (fused or not) and the input gradients after backward
 * from a fixed random dout. */
static result run(geocl_ctx *ctx, const op_case *c, bool unfused, void *const *host) {
  op_case u = *c;
  u.ip[2] = unfused;
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *in[6];
  harness_upload(ctx, c, host, in);
  geocl_tensor *out = c->run(in, &u);
  ck_assert_msg(out != NULL, "%s on %s: %s", c->name, geocl_ctx_backend_name(ctx), geocl_last_error());
  result r = {.n = (size_t)geocl_numel(out), .y = test_download(out)};
  float *dout = malloc(r.n * 4);
  test_fill_uniform(dout, r.n, 99, -1, 1);
  geocl_tensor *d = geocl_from_host(ctx, GEOCL_F32, geocl_ndim(out), geocl_shape(out), dout);
  ck_assert_msg(geocl_backward_from(out, d) == GEOCL_OK, "%s backward: %s", c->name, geocl_last_error());
  for (int i = 0; i < c->n_in; i++) r.g[i] = c->in[i].grad ? test_download(geocl_grad(in[i])) : NULL;
  free(dout);
  geocl_scope_end(ctx, s);
  return r;
}

static void free_result(result *r) {
  free(r->y);
  for (int i = 0; i < 6; i++) free(r->g[i]);
}

/* _i = case·2 + backend */
START_TEST(fused_vs_unfused) {
  const op_case *c = attn_cases[_i / 2];
  int be = _i % 2;
  geocl_ctx *ctx = ctxs[be];
  if (!ctx) return;
  double tol = be ? FUSED_TOL_OCL : FUSED_TOL_REF;
  void *host[6];
  for (int i = 0; i < c->n_in; i++) host[i] = harness_make_input(c, i, 555);
  result f = run(ctx, c, false, host), u = run(ctx, c, true, host);
  ck_assert_uint_eq(f.n, u.n);
  double e = harness_scaled_err(f.y, u.y, f.n);
  ck_assert_msg(e <= tol, "%s on %s: fused vs unfused forward error %.3g > %.3g", c->name,
                geocl_ctx_backend_name(ctx), e, tol);
  for (int i = 0; i < c->n_in; i++) {
    if (!f.g[i]) continue;
    size_t n = 1;
    for (int d = 0; d < c->in[i].ndim; d++) n *= (size_t)c->in[i].shape[d];
    double eg = harness_scaled_err(f.g[i], u.g[i], n);
    ck_assert_msg(eg <= tol, "%s on %s: fused vs unfused gradient of input %d: error %.3g > %.3g", c->name,
                  geocl_ctx_backend_name(ctx), i, eg, tol);
    if (eg > e) e = eg;
  }
  if (e > worst[be]) worst[be] = e;
  free_result(&f);
  free_result(&u);
  for (int i = 0; i < c->n_in; i++) free(host[i]);
}
END_TEST

/* Launch limits other than the untuned ones (GEOCL_ATTENTION: smaller tiles,
 * tiles and work-groups of no preferred size) give the reference backend's
 * results, forward and backward.  _i = case·3 + limits */
START_TEST(forced_limits_match_reference) {
  static const char *const limits[] = {"tile=16 block=32", "tile=48 block=64", "tile=5 block=7"};
  const op_case *c = attn_cases[_i / 3];
  if (!ctxs[1]) return;
  void *host[6];
  for (int i = 0; i < c->n_in; i++) host[i] = harness_make_input(c, i, 555);
  result r = run(ctxs[0], c, false, host);
  setenv("GEOCL_ATTENTION", limits[_i % 3], 1);
  result f = run(ctxs[1], c, false, host);
  unsetenv("GEOCL_ATTENTION");
  double e = harness_scaled_err(f.y, r.y, f.n);
  ck_assert_msg(e <= FUSED_TOL_OCL, "%s with %s: forward error %.3g vs the reference", c->name, limits[_i % 3], e);
  for (int i = 0; i < c->n_in; i++) {
    if (!f.g[i]) continue;
    size_t n = 1;
    for (int d = 0; d < c->in[i].ndim; d++) n *= (size_t)c->in[i].shape[d];
    double eg = harness_scaled_err(f.g[i], r.g[i], n);
    ck_assert_msg(eg <= FUSED_TOL_OCL, "%s with %s: gradient of input %d: error %.3g vs the reference", c->name,
                  limits[_i % 3], i, eg);
  }
  free_result(&f);
  free_result(&r);
  for (int i = 0; i < c->n_in; i++) free(host[i]);
}
END_TEST

/* get_2d_sincos_pos_embed for h = 2, w = 3, dim 8: Q = 2, ω = (1, 0.01); rows (i, j) = (1, 2) and (0, 1):
 * [sin jω, cos jω, sin iω, cos iω]. */
START_TEST(sincos_known_values) {
  float t[6 * 8];
  geocl_sincos_pos_embed_2d(t, 2, 3, 8);
  const float row5[8] = {0.909297427f, 0.0199986667f, -0.416146837f, 0.999800007f,
                         0.841470985f, 0.00999983333f, 0.540302306f, 0.99995f};
  const float row1[8] = {0.841470985f, 0.00999983333f, 0.540302306f, 0.99995f, 0, 0, 1, 1};
  for (int e = 0; e < 8; e++) {
    ck_assert_msg(fabsf(t[5 * 8 + e] - row5[e]) <= 1e-7f, "row 5, channel %d: %.9g, expected %.9g", e, t[40 + e],
                  row5[e]);
    ck_assert_msg(fabsf(t[1 * 8 + e] - row1[e]) <= 1e-7f, "row 1, channel %d: %.9g, expected %.9g", e, t[8 + e],
                  row1[e]);
  }
  t[0] = 42;
  geocl_sincos_pos_embed_2d(t, 2, 3, 6);
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "dim 6"));
  ck_assert_float_eq(t[0], 42);
}
END_TEST

START_TEST(grid_positions) {
  int32_t p[12];
  geocl_grid_positions(p, 2, 3);
  const int32_t want[12] = {0, 0, 0, 1, 0, 2, 1, 0, 1, 1, 1, 2};
  for (int i = 0; i < 12; i++) ck_assert_int_eq(p[i], want[i]);
}
END_TEST

/* RoPE2D with head_dim 8 (Q = 2, θ = (1, 0.1), base 100), two heads A, B and two
 * tokens at (y, x) = (2, 3) and (5, 1): pairs (0,2), (1,3) turn by y·θ_j,
 * pairs (4,6), (5,7) by x·θ_j; u' = u cos φ − v sin φ, v' = v cos φ + u sin φ. */
START_TEST(rope_known_values) {
  geocl_ctx *ctx = ctxs[_i];
  if (!ctx) return;
  const float A[8] = {1, 2, 3, 4, 5, 6, 7, 8}, B[8] = {-1, 0.5f, 2, -3, 0.25f, 1.5f, -2, 4};
  float x[32];
  memcpy(x, A, sizeof A);
  memcpy(x + 8, B, sizeof B);
  memcpy(x + 16, B, sizeof B);
  memcpy(x + 24, A, sizeof A);
  const int32_t pos[4] = {2, 3, 5, 1};
  const float want[32] = {
      -3.14403912f, 1.16545583f, -0.33914308f, 4.31760497f, -5.93780254f, 3.36785728f, -6.22434744f, 9.41581315f,
      -1.40244802f, 1.08604128f, -1.74159110f, -2.84086507f, 0.03474189f, 0.25092391f, 2.01526500f, 4.26462627f,
      1.63418636f,  1.87706790f, 1.52624865f,  -2.39303492f, 1.81801755f, 1.09317258f, -0.87023687f, 4.12976679f,
      3.16043501f,  -0.16253703f, -0.10793772f, 4.46918132f, -3.18878536f, 5.17135766f, 7.98947107f, 8.55903382f};
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *xt = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 2, 16), x);
  geocl_tensor *pt = geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(1, 2, 2), pos);
  geocl_set_requires_grad(xt, true);
  geocl_tensor *y = geocl_rope2d(xt, 2, pt, 100);
  ck_assert_nonnull_geocl(y);
  float *got = test_download(y);
  double e = harness_scaled_err(got, want, 32);
  ck_assert_msg(e <= 1e-6, "rope2d on %s: error %.3g against the hand-computed rotation", geocl_ctx_backend_name(ctx),
                e);
  /* backward is the inverse rotation: the gradient of Σ y·y/2 is Rᵀ·y = x */
  ck_assert_ok(geocl_backward_from(y, geocl_detach(y)));
  float *g = test_download(geocl_grad(xt));
  e = harness_scaled_err(g, x, 32);
  ck_assert_msg(e <= 1e-6, "rope2d backward on %s: Rᵀ·R·x differs from x by %.3g", geocl_ctx_backend_name(ctx), e);
  free(got);
  free(g);
  geocl_scope_end(ctx, s);
}
END_TEST

/* RoPE makes scores depend on position differences only: shifting every
 * query and key position by (3, 5) leaves the attention output unchanged. */
START_TEST(rope_relative_positions) {
  geocl_ctx *ctx = ctxs[_i];
  if (!ctx) return;
  enum { N = 9, C = 64 };
  float x[3 * N * C];
  int32_t pos[N * 2], shifted[N * 2];
  test_fill_uniform(x, 3 * N * C, 7, -1, 1);
  for (int i = 0; i < N; i++) {
    pos[2 * i] = (i * 5) % 7;
    pos[2 * i + 1] = (i * 3) % 8;
    shifted[2 * i] = pos[2 * i] + 3;
    shifted[2 * i + 1] = pos[2 * i + 1] + 5;
  }
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *qkv = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, N, 3 * C), x);
  geocl_tensor *q = geocl_narrow(qkv, 2, 0, C), *k = geocl_narrow(qkv, 2, C, C), *v = geocl_narrow(qkv, 2, 2 * C, C);
  geocl_tensor *p0 = geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(1, N, 2), pos);
  geocl_tensor *p1 = geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(1, N, 2), shifted);
  geocl_attn_opts o = {.heads = 2, .rope_base = 100, .qpos = p0, .kpos = p0};
  float *a = test_download(geocl_attention(q, k, v, &o));
  o.qpos = o.kpos = p1;
  float *b = test_download(geocl_attention(q, k, v, &o));
  double e = harness_scaled_err(a, b, N * C);
  ck_assert_msg(e <= 1e-5, "attention on %s: shifting all positions changed the output by %.3g",
                geocl_ctx_backend_name(ctx), e);
  /* and the rotation matters: q's positions alone shifted do change it */
  o.kpos = p0;
  float *c = test_download(geocl_attention(q, k, v, &o));
  ck_assert_msg(harness_scaled_err(a, c, N * C) > 1e-2, "attention on %s ignores the RoPE positions",
                geocl_ctx_backend_name(ctx));
  free(a);
  free(b);
  free(c);
  geocl_scope_end(ctx, s);
}
END_TEST

/* geocl_ctx_flops: a linear layer's GEMMs count 2·m·n·k each; a fused
 * attention counts what the unfused path's GEMMs do, forward (q·kᵀ, p·v) and
 * backward (four products). */
START_TEST(flops_counted) {
  geocl_ctx *ctx = ctxs[0];
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *x = geocl_full(ctx, 0.5f, GEOCL_SHAPE(3, 4)), *w = geocl_full(ctx, 0.5f, GEOCL_SHAPE(5, 4));
  geocl_set_requires_grad(x, true);
  geocl_set_requires_grad(w, true);
  double before = geocl_ctx_flops(ctx);
  geocl_tensor *y = geocl_linear(x, w, NULL);
  ck_assert_double_eq(geocl_ctx_flops(ctx) - before, 2.0 * 3 * 4 * 5);
  ck_assert_int_eq(geocl_backward(geocl_mean_all(y)), GEOCL_OK);
  ck_assert_double_eq(geocl_ctx_flops(ctx) - before, 3 * 2.0 * 3 * 4 * 5); /* and dx, dW */
  double fused[2], unfused[2];
  for (int u = 0; u < 2; u++) {
    geocl_tensor *q = geocl_full(ctx, 0.5f, GEOCL_SHAPE(2, 5, 16)), *k = geocl_full(ctx, 0.5f, GEOCL_SHAPE(2, 7, 16));
    geocl_set_requires_grad(q, true);
    geocl_set_requires_grad(k, true);
    geocl_attn_opts o = {.heads = 2, .unfused = u};
    double *f = u ? unfused : fused, start = geocl_ctx_flops(ctx);
    geocl_tensor *a = geocl_attention(q, k, k, &o);
    ck_assert_nonnull_geocl(a);
    f[0] = geocl_ctx_flops(ctx) - start;
    ck_assert_int_eq(geocl_backward(geocl_mean_all(a)), GEOCL_OK);
    f[1] = geocl_ctx_flops(ctx) - start - f[0];
  }
  ck_assert_double_eq(fused[0], 4.0 * 2 * 5 * 7 * 16);
  ck_assert_double_eq(fused[1], 2 * fused[0]);
  ck_assert_double_eq(unfused[0], fused[0]);
  ck_assert_double_eq(unfused[1], fused[1]);
  geocl_scope_end(ctx, s);
}
END_TEST

static void expect_error(const geocl_tensor *t, geocl_status st, const char *what, const char *detail) {
  ck_assert_msg(t == NULL, "%s: accepted", what);
  ck_assert_msg(geocl_last_status() == st, "%s: status %s (%s)", what, geocl_status_name(geocl_last_status()),
                geocl_last_error());
  ck_assert_msg(strstr(geocl_last_error(), detail), "%s: message '%s' does not mention '%s'", what,
                geocl_last_error(), detail);
}

START_TEST(bad_input) {
  geocl_ctx *ctx = ctxs[_i];
  if (!ctx) return;
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *q = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 7, 64));
  geocl_tensor *k = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 5, 64));
  geocl_tensor *pos7 = geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(2, 7, 2));
  geocl_tensor *pos5 = geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(2, 5, 2));
  geocl_tensor *pos_wide = geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(2, 7, 3));
  geocl_tensor *pos_f32 = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 7, 2));
  geocl_attn_opts o = {.heads = 5};
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_SHAPE, "5 heads",
               "attention: 5 heads do not divide the 64 channels of q [2, 7, 64]");
  o.heads = 0;
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_SHAPE, "0 heads", "0 heads");
  expect_error(geocl_attention(q, k, k, NULL), GEOCL_E_INVALID, "no options", "attention: options missing");
  o = (geocl_attn_opts){.heads = 2};
  expect_error(geocl_attention(q, q, k, &o), GEOCL_E_SHAPE, "v unlike k", "v [2, 5, 64]");
  geocl_tensor *k_narrow = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 5, 32));
  expect_error(geocl_attention(q, k_narrow, k_narrow, &o), GEOCL_E_SHAPE, "C differs", "k [2, 5, 32]");
  expect_error(geocl_attention(geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(7, 64)), k, k, &o), GEOCL_E_SHAPE,
               "q 2-D", "q [7, 64]");
  expect_error(geocl_attention(pos7, k, k, &o), GEOCL_E_SHAPE, "q i32", "attention: q must be f32, not i32");
  o.heads = 8; /* head_dim 8 */
  o.rope_base = 100;
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_INVALID, "no positions",
               "attention: RoPE needs qpos, i32 [2, 7, 2]");
  o.qpos = pos7;
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_INVALID, "no kpos", "kpos, i32 [2, 5, 2]");
  o.kpos = pos7;
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_SHAPE, "kpos for q",
               "attention: kpos has shape [2, 7, 2], expected [2, 5, 2]");
  o.kpos = pos5;
  o.qpos = pos_wide;
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_SHAPE, "qpos [2,7,3]", "qpos has shape [2, 7, 3]");
  o.qpos = pos_f32;
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_SHAPE, "qpos f32", "attention: qpos must be i32, not f32");
  o.qpos = pos7;
  o.heads = 32; /* head_dim 2 */
  expect_error(geocl_attention(q, k, k, &o), GEOCL_E_SHAPE, "RoPE head_dim 2", "head_dim divisible by 4");
  o.heads = 8;
  ck_assert_nonnull_geocl(geocl_attention(q, k, k, &o));
  /* the fused kernels keep a head vector of at most 128 in private memory */
  geocl_tensor *wide = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(1, 3, 256));
  o = (geocl_attn_opts){.heads = 1};
  expect_error(geocl_attention(wide, wide, wide, &o), GEOCL_E_UNSUPPORTED, "head_dim 256", "head_dim 256");
  o.unfused = true;
  ck_assert_nonnull_geocl(geocl_attention(wide, wide, wide, &o));
  expect_error(geocl_rope2d(q, 2, pos7, 0), GEOCL_E_SHAPE, "rope2d base 0", "rope2d");
  expect_error(geocl_rope2d(q, 2, pos5, 100), GEOCL_E_SHAPE, "rope2d pos", "rope2d: pos has shape [2, 5, 2]");
  expect_error(geocl_rope2d(q, 3, pos7, 100), GEOCL_E_SHAPE, "rope2d heads", "rope2d: 3 heads");
  geocl_scope_end(ctx, s);
}
END_TEST

START_TEST(bad_forced_limits) {
  if (!ctxs[1]) return;
  geocl_scope s = geocl_scope_begin(ctxs[1]);
  geocl_tensor *q = geocl_zeros(ctxs[1], GEOCL_F32, GEOCL_SHAPE(2, 7, 64));
  geocl_attn_opts o = {.heads = 2};
  setenv("GEOCL_ATTENTION", "tile=99 block=8", 1);
  expect_error(geocl_attention(q, q, q, &o), GEOCL_E_INVALID, "tile 99", "GEOCL_ATTENTION='tile=99 block=8'");
  unsetenv("GEOCL_ATTENTION");
  geocl_scope_end(ctxs[1], s);
}
END_TEST

int main(void) {
  ctxs[0] = test_ref_ctx();
  ctxs[1] = test_have_opencl() ? test_ocl_ctx() : NULL;
  for (const op_case *c = cases_attention; c->name; c++)
    if (!strncmp(c->name, "attention/", 10) && n_attn_cases < 32) attn_cases[n_attn_cases++] = c;
  Suite *s = suite_create("attention");
  TCase *tc = tcase_create("attention");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, fused_vs_unfused, 0, 2 * n_attn_cases);
  tcase_add_loop_test(tc, forced_limits_match_reference, 0, 3 * n_attn_cases);
  tcase_add_test(tc, sincos_known_values);
  tcase_add_test(tc, grid_positions);
  tcase_add_loop_test(tc, rope_known_values, 0, 2);
  tcase_add_loop_test(tc, rope_relative_positions, 0, 2);
  tcase_add_loop_test(tc, bad_input, 0, 2);
  tcase_add_test(tc, bad_forced_limits);
  tcase_add_test(tc, flops_counted);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  printf("fused vs unfused attention, worst scaled error over output and gradients: reference %.2e", worst[0]);
  if (ctxs[1]) printf(", OpenCL %.2e\n", worst[1]);
  else printf(" (no OpenCL device: OpenCL parts skipped)\n");
  geocl_ctx_free(ctxs[0]);
  if (ctxs[1]) geocl_ctx_free(ctxs[1]);
  return rc;
}
