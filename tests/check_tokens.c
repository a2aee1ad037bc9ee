/* SPDX-License-Identifier: MIT */
/* Known answers for the token ops, computed on the host from their
 * definitions: patchify's index mapping, unpatchify ∘ patchify = identity,
 * patch_embed = a direct convolution sum, gather/scatter of rows, and what
 * happens to out-of-range indices — on the reference backend and, when one
 * exists, the OpenCL backend.  Plus the messages for bad shapes and dtypes. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h" /* the pool's guard-violation counter */
#include "testutil.h"

static void assert_shape(const geocl_tensor *t, int ndim, const int64_t *shape) {
  ck_assert_nonnull_geocl(t);
  ck_assert_int_eq(geocl_ndim(t), ndim);
  for (int i = 0; i < ndim; i++) ck_assert_int_eq(geocl_dim(t, i), shape[i]);
}

/* Distinct, exactly representable values 0, 1, 2, ... */
static float *iota(size_t n) {
  float *x = malloc(n * sizeof *x);
  for (size_t i = 0; i < n; i++) x[i] = (float)i;
  return x;
}

/* vec[b][i·w + j][(ky·p + kx)·3 + c] = img[b][c][p·i + ky][p·j + kx] */
START_TEST(patchify_index_mapping) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_tokens");
  if (!ctx) return;
  enum { B = 2, C = 3, H = 4, W = 6, P = 2, h = H / P, w = W / P, N = h * w, D = P * P * C };
  float *img = iota(B * C * H * W), want[B * N * D];
  for (int b = 0; b < B; b++)
    for (int i = 0; i < h; i++)
      for (int j = 0; j < w; j++)
        for (int ky = 0; ky < P; ky++)
          for (int kx = 0; kx < P; kx++)
            for (int c = 0; c < C; c++)
              want[(b * N + i * w + j) * D + (ky * P + kx) * C + c] =
                  img[((b * C + c) * H + P * i + ky) * W + P * j + kx];
  geocl_tensor *x = geocl_patchify(test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, C, H, W), img), P);
  assert_shape(x, GEOCL_SHAPE(B, N, D));
  float *got = test_download(x);
  for (int k = 0; k < B * N * D; k++) ck_assert_msg(got[k] == want[k], "element %d: %g, want %g", k, got[k], want[k]);
  free(got);
  free(img);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(unpatchify_inverts_patchify) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_tokens");
  if (!ctx) return;
  enum { B = 2, H = 32, W = 48, n = B * 3 * H * W };
  float *img = malloc(n * sizeof *img);
  test_fill_uniform(img, n, 5, -1, 1);
  geocl_tensor *t = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, 3, H, W), img);
  const int patch[] = {16, 8};
  for (int k = 0; k < 2; k++) {
    int p = patch[k];
    geocl_tensor *x = geocl_patchify(t, p);
    assert_shape(x, GEOCL_SHAPE(B, (H / p) * (W / p), p * p * 3));
    geocl_tensor *back = geocl_unpatchify(x, p, H / p, W / p);
    assert_shape(back, GEOCL_SHAPE(B, 3, H, W));
    float *got = test_download(back);
    ck_assert_msg(!memcmp(got, img, sizeof(float) * n), "p = %d: unpatchify(patchify(x)) differs from x", p);
    free(got);
  }
  free(img);
  geocl_ctx_free(ctx);
}
END_TEST

/* out[b][i·w + j][d] = bias[d] + Σ_{c,ky,kx} weight[d][c][ky][kx]·img[b][c][p·i + ky][p·j + kx] */
START_TEST(patch_embed_is_a_convolution) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_tokens");
  if (!ctx) return;
  enum { B = 2, C = 3, H = 8, W = 12, P = 4, D = 5, h = H / P, w = W / P, N = h * w };
  float img[B * C * H * W], weight[D * C * P * P], bias[D], want[B * N * D];
  test_fill_uniform(img, B * C * H * W, 1, -1, 1);
  test_fill_uniform(weight, D * C * P * P, 2, -1, 1);
  test_fill_uniform(bias, D, 3, -1, 1);
  geocl_tensor *ti = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, C, H, W), img);
  geocl_tensor *tw = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(D, C, P, P), weight);
  geocl_tensor *tb = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(D), bias);
  for (int with_bias = 0; with_bias < 2; with_bias++) {
    for (int b = 0; b < B; b++)
      for (int i = 0; i < h; i++)
        for (int j = 0; j < w; j++)
          for (int d = 0; d < D; d++) {
            double s = with_bias ? bias[d] : 0;
            for (int c = 0; c < C; c++)
              for (int ky = 0; ky < P; ky++)
                for (int kx = 0; kx < P; kx++)
                  s += (double)weight[((d * C + c) * P + ky) * P + kx] *
                       img[((b * C + c) * H + P * i + ky) * W + P * j + kx];
            want[(b * N + i * w + j) * D + d] = (float)s;
          }
    geocl_tensor *y = geocl_patch_embed(ti, tw, with_bias ? tb : NULL, P);
    assert_shape(y, GEOCL_SHAPE(B, N, D));
    float *got = test_download(y);
    double err = test_max_rel_err(got, want, B * N * D, 1.0, NULL);
    ck_assert_msg(err < 1e-6, "bias %d: patch_embed vs direct convolution error %.3g", with_bias, err);
    free(got);
  }
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(gather_and_scatter_rows) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_tokens");
  if (!ctx) return;
  enum { B = 2, N = 5, C = 3, K = 2 };
  float *x = iota(B * N * C), src[B * K * C], gathered[B * K * C], scattered[B * N * C];
  const int32_t idx[B * K] = {4, 1, 0, 3};
  for (int k = 0; k < B * K * C; k++) src[k] = -1.0f - (float)k;
  memcpy(scattered, x, sizeof scattered);
  for (int b = 0; b < B; b++)
    for (int k = 0; k < K; k++)
      for (int c = 0; c < C; c++) {
        int row = idx[b * K + k];
        gathered[(b * K + k) * C + c] = x[(b * N + row) * C + c];
        scattered[(b * N + row) * C + c] = src[(b * K + k) * C + c];
      }
  geocl_tensor *tx = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, N, C), x);
  geocl_tensor *ti = test_upload(ctx, GEOCL_I32, GEOCL_SHAPE(B, K), idx);
  geocl_tensor *g = geocl_gather_rows(tx, ti);
  assert_shape(g, GEOCL_SHAPE(B, K, C));
  geocl_tensor *s = geocl_scatter_rows(tx, ti, test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, K, C), src));
  assert_shape(s, GEOCL_SHAPE(B, N, C));
  float *got_g = test_download(g), *got_s = test_download(s), *got_x = test_download(tx);
  ck_assert_mem_eq(got_g, gathered, sizeof gathered);
  ck_assert_mem_eq(got_s, scattered, sizeof scattered);
  ck_assert_mem_eq(got_x, x, sizeof scattered); /* scatter_rows does not modify base */
  free(got_g);
  free(got_s);
  free(got_x);
  free(x);
  geocl_ctx_free(ctx);
}
END_TEST

/* The backend entry with accumulate = 1 adds the rows instead of replacing
 * them (the op layer uses it for gather_rows' backward, into zeros). */
START_TEST(scatter_rows_accumulates) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_tokens");
  if (!ctx) return;
  enum { B = 2, N = 5, C = 3, K = 2 };
  float *base = iota(B * N * C), src[B * K * C], want[B * N * C];
  const int32_t idx[B * K] = {3, 0, 2, 4};
  test_fill_uniform(src, B * K * C, 7, -1, 1);
  memcpy(want, base, sizeof want);
  for (int b = 0; b < B; b++)
    for (int k = 0; k < K; k++)
      for (int c = 0; c < C; c++) want[(b * N + idx[b * K + k]) * C + c] += src[(b * K + k) * C + c];
  geocl_tensor *y = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, N, C), base);
  geocl_tensor *x = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, K, C), src);
  geocl_tensor *i = test_upload(ctx, GEOCL_I32, GEOCL_SHAPE(B, K), idx);
  geocl_backend *be = geocl_ctx_backend(ctx);
  ck_assert_ok(
      be->ops->scatter_rows(be, B, N, K, C, geocl_tensor_bref(x), geocl_tensor_bref(i), geocl_tensor_bref(y), 1));
  float *got = test_download(y);
  ck_assert_mem_eq(got, want, sizeof want);
  free(got);
  free(base);
  geocl_ctx_free(ctx);
}
END_TEST

/* The reference backend names the op and the index; OpenCL skips the index
 * (zero row from gather, destination untouched by scatter) and writes
 * nothing outside its output. */
START_TEST(out_of_range_indices) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_tokens");
  if (!ctx) return;
  ck_assert(ctx->pool.guard);
  enum { B = 1, N = 5, C = 3, K = 2 };
  float *x = iota(B * N * C), src[B * K * C];
  const int32_t idx[B * K] = {N, 2};
  for (int k = 0; k < B * K * C; k++) src[k] = -1.0f - (float)k;
  geocl_scope scope = geocl_scope_begin(ctx);
  geocl_tensor *tx = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, N, C), x);
  geocl_tensor *ti = test_upload(ctx, GEOCL_I32, GEOCL_SHAPE(B, K), idx);
  geocl_tensor *g = geocl_gather_rows(tx, ti);
  if (_i == 0) {
    ck_assert_ptr_null(g);
    ck_assert_int_eq(geocl_last_status(), GEOCL_E_INVALID);
    ck_assert_msg(strstr(geocl_last_error(), "gather_rows: index 5"), "message: %s", geocl_last_error());
  }
  geocl_tensor *s = geocl_scatter_rows(tx, ti, test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, K, C), src));
  if (_i == 0) {
    ck_assert_ptr_null(s);
    ck_assert_int_eq(geocl_last_status(), GEOCL_E_INVALID);
    ck_assert_msg(strstr(geocl_last_error(), "scatter_rows: index 5"), "message: %s", geocl_last_error());
  } else {
    ck_assert_nonnull_geocl(g);
    ck_assert_nonnull_geocl(s);
    float *got_g = test_download(g), *got_s = test_download(s);
    for (int c = 0; c < C; c++) {
      ck_assert_float_eq(got_g[c], 0.0f);               /* idx 5: zero row */
      ck_assert_float_eq(got_g[C + c], x[2 * C + c]);   /* idx 2: row 2 */
      ck_assert_float_eq(got_s[2 * C + c], src[C + c]); /* row 2 replaced */
    }
    for (int k = 0; k < N * C; k++)
      if (k / C != 2) ck_assert_float_eq(got_s[k], x[k]); /* all other rows as in base */
    free(got_g);
    free(got_s);
  }
  uint64_t before = ctx->pool.guard_violations;
  geocl_scope_end(ctx, scope); /* releasing the buffers checks their guard zones */
  ck_assert_msg(ctx->pool.guard_violations == before, "a kernel wrote past the end of a buffer");
  free(x);
  geocl_ctx_free(ctx);
}
END_TEST

/* The op returned NULL with E_SHAPE and a message holding every fragment. */
static void expect_error(const geocl_tensor *t, const char *call, const char *const *fragments) {
  ck_assert_msg(t == NULL, "%s succeeded", call);
  ck_assert_msg(geocl_last_status() == GEOCL_E_SHAPE, "%s: status %s (%s)", call,
                geocl_status_name(geocl_last_status()), geocl_last_error());
  for (const char *const *f = fragments; *f; f++)
    ck_assert_msg(strstr(geocl_last_error(), *f), "%s: message '%s' does not mention '%s'", call, geocl_last_error(),
                  *f);
  geocl_clear_error();
}
#define EXPECT_ERROR(call, ...) expect_error((call), #call, (const char *[]){__VA_ARGS__, NULL})

START_TEST(bad_input_messages) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_tensor *img = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 3, 30, 48));
  geocl_tensor *img4 = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 4, 32, 48));
  geocl_tensor *weight = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(24, 3, 8, 8));
  geocl_tensor *x = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 13, 7));
  geocl_tensor *src = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 4, 7));
  geocl_tensor *idx = geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(2, 5));
  EXPECT_ERROR(geocl_patchify(img, 16), "patchify", "[2, 3, 30, 48]", "H = 30", "patch size 16");
  EXPECT_ERROR(geocl_patchify(img4, 16), "patchify", "[2, 4, 32, 48]", "3 channels");
  EXPECT_ERROR(geocl_patch_embed(img, weight, NULL, 8), "patch_embed", "H = 30", "patch size 8");
  EXPECT_ERROR(geocl_patch_embed(img4, weight, NULL, 8), "patch_embed", "weight [24, 3, 8, 8]", "[2, 4, 32, 48]");
  EXPECT_ERROR(geocl_unpatchify(x, 1, 13, 1), "unpatchify", "[2, 13, 7]", "p = 1, h = 13, w = 1");
  EXPECT_ERROR(geocl_gather_rows(x, x), "gather_rows", "idx", "must be i32, not f32");
  EXPECT_ERROR(geocl_gather_rows(x, geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(2, 5, 1))), "gather_rows", "idx [2, 5, 1]",
               "[B, K]");
  EXPECT_ERROR(geocl_gather_rows(x, geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(3, 5))), "gather_rows", "x [2, 13, 7]",
               "idx [3, 5]");
  EXPECT_ERROR(geocl_scatter_rows(x, idx, src), "scatter_rows", "src", "[2, 4, 7]", "expected [2, 5, 7]");
  EXPECT_ERROR(geocl_scatter_rows(x, src, src), "scatter_rows", "idx", "must be i32");
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  setenv("GEOCL_POOL_GUARD", "1", 1);
  Suite *s = suite_create("tokens");
  TCase *tc = tcase_create("known answers");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, patchify_index_mapping, 0, 2);
  tcase_add_loop_test(tc, unpatchify_inverts_patchify, 0, 2);
  tcase_add_loop_test(tc, patch_embed_is_a_convolution, 0, 2);
  tcase_add_loop_test(tc, gather_and_scatter_rows, 0, 2);
  tcase_add_loop_test(tc, scatter_rows_accumulates, 0, 2);
  tcase_add_loop_test(tc, out_of_range_indices, 0, 2);
  tcase_add_test(tc, bad_input_messages);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
