/* SPDX-License-Identifier: MIT */
/* Known answers for the norm ops, computed on the host in double from their
 * definitions (torch.nn.LayerNorm with biased variance; x / max(‖x‖₂, eps)),
 * on the reference backend and, when one exists, the OpenCL backend.  The
 * backend comparison only checks OpenCL against the reference; this pins the
 * semantics themselves, including l2_normalize's clamp and its finite
 * gradient on an all-zero row. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

enum { ROWS = 5, COLS = 37 };

static void expect_close(const geocl_tensor *t, const float *want, size_t n, double tol, const char *what) {
  ck_assert_nonnull_geocl(t);
  ck_assert_uint_eq((size_t)geocl_numel(t), n);
  float *got = test_download(t);
  double err = test_max_rel_err(got, want, n, 1.0, NULL);
  ck_assert_msg(err <= tol, "%s: error %.3g against the host formula > %.3g", what, err, tol);
  free(got);
}

START_TEST(layernorm_matches_formula) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_norm");
  if (!ctx) return;
  const float eps = 1e-5f;
  float x[ROWS * COLS], gamma[COLS], beta[COLS], want[ROWS * COLS], want_plain[ROWS * COLS];
  test_fill_uniform(x, ROWS * COLS, 11, -3, 1);
  test_fill_uniform(gamma, COLS, 12, 0.5f, 1.5f);
  test_fill_uniform(beta, COLS, 13, -1, 1);
  for (int r = 0; r < ROWS; r++) {
    const float *xr = x + r * COLS;
    double mu = 0, var = 0;
    for (int c = 0; c < COLS; c++) mu += xr[c] / (double)COLS;
    for (int c = 0; c < COLS; c++) var += (xr[c] - mu) * (xr[c] - mu) / COLS; /* biased */
    for (int c = 0; c < COLS; c++) {
      double h = (xr[c] - mu) / sqrt(var + eps);
      want_plain[r * COLS + c] = (float)h;
      want[r * COLS + c] = (float)(h * gamma[c] + beta[c]);
    }
  }
  geocl_tensor *tx = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(ROWS, COLS), x);
  geocl_tensor *tg = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(COLS), gamma);
  geocl_tensor *tb = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(COLS), beta);
  geocl_tensor *y = geocl_layernorm(tx, tg, tb, eps);
  expect_close(y, want, ROWS * COLS, 1e-6, "layernorm");
  expect_close(geocl_layernorm(tx, NULL, NULL, eps), want_plain, ROWS * COLS, 1e-6, "layernorm without affine");
  geocl_ctx_free(ctx);
}
END_TEST

/* Row 0 is all zeros, row 1 has a norm below eps (clamped), the others above. */
START_TEST(l2_normalize_matches_formula) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_norm");
  if (!ctx) return;
  const float eps = 1e-4f;
  float x[ROWS * COLS], want[ROWS * COLS], dx_zero_row[COLS];
  test_fill_uniform(x, ROWS * COLS, 21, -1, 1);
  memset(x, 0, COLS * sizeof *x);
  for (int c = 0; c < COLS; c++) x[COLS + c] *= 1e-6f;
  for (int r = 0; r < ROWS; r++) {
    double s = 0;
    for (int c = 0; c < COLS; c++) s += (double)x[r * COLS + c] * x[r * COLS + c];
    double d = fmax(sqrt(s), eps);
    for (int c = 0; c < COLS; c++) want[r * COLS + c] = (float)(x[r * COLS + c] / d);
  }
  geocl_tensor *tx = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(ROWS, COLS), x);
  geocl_set_requires_grad(tx, true);
  geocl_tensor *y = geocl_l2_normalize(tx, eps);
  expect_close(y, want, ROWS * COLS, 1e-6, "l2_normalize");
  /* d(Σ y)/dx on the zero row: the clamp makes y = x / eps there, so 1/eps */
  ck_assert_ok(geocl_backward(geocl_sum_all(y)));
  float *g = test_download(geocl_grad(tx));
  for (int c = 0; c < COLS; c++) dx_zero_row[c] = 1.0f / eps;
  double err = test_max_rel_err(g, dx_zero_row, COLS, 1.0, NULL);
  ck_assert_msg(err <= 1e-6, "gradient on the all-zero row: error %.3g (first element %g, want %g)", err, g[0],
                dx_zero_row[0]);
  free(g);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("norm");
  TCase *tc = tcase_create("known answers");
  tcase_set_timeout(tc, 60);
  tcase_add_loop_test(tc, layernorm_matches_formula, 0, 2);
  tcase_add_loop_test(tc, l2_normalize_matches_formula, 0, 2);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
