/* SPDX-License-Identifier: MIT */
/* Numerical gradients: for every differentiable case, the reference backend's
 * analytic input gradients against central differences of
 * L = Σ out·dout (dout random), evaluated on up to 16 elements per input. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"

#define MAX_CHECKED 16

static geocl_ctx *ref;
static const op_case **cases;
static struct {
  char family[32];
  double err;
} worst[64];
static int n_worst;

/* L = Σ out·dout in double, with the inputs as given (no gradient). */
static double loss_at(const op_case *c, void *const *host, const float *dout, size_t n_out) {
  geocl_scope s = geocl_scope_begin(ref);
  bool was = geocl_set_grad_enabled(ref, false);
  geocl_tensor *in[6];
  harness_upload(ref, c, host, in);
  geocl_tensor *out = c->run(in, c);
  ck_assert_msg(out != NULL, "%s: %s", c->name, geocl_last_error());
  float *y = test_download(out);
  double L = 0;
  for (size_t k = 0; k < n_out; k++) L += (double)y[k] * dout[k];
  free(y);
  geocl_set_grad_enabled(ref, was);
  geocl_scope_end(ref, s);
  return L;
}

START_TEST(one_case) {
  const op_case *c = cases[_i];
  if (c->grad_eps == 0) return; /* not differentiable: covered by the comparison only */
  void *host[6];
  for (int i = 0; i < c->n_in; i++) host[i] = harness_make_input(c, i, 4321);
  /* analytic */
  geocl_scope s = geocl_scope_begin(ref);
  geocl_tensor *in[6];
  harness_upload(ref, c, host, in);
  geocl_tensor *out = c->run(in, c);
  ck_assert_msg(out != NULL, "%s: %s", c->name, geocl_last_error());
  size_t n_out = (size_t)geocl_numel(out);
  float *dout = malloc((n_out ? n_out : 1) * 4);
  test_fill_uniform(dout, n_out, 77, -1, 1);
  geocl_tensor *d = geocl_from_host(ref, GEOCL_F32, geocl_ndim(out), geocl_shape(out), dout);
  ck_assert_msg(geocl_backward_from(out, d) == GEOCL_OK, "%s backward: %s", c->name, geocl_last_error());
  double case_err = 0;
  for (int i = 0; i < c->n_in; i++) {
    if (!c->in[i].grad) continue;
    float *g = test_download(geocl_grad(in[i]));
    size_t n = 1;
    for (int k = 0; k < c->in[i].ndim; k++) n *= (size_t)c->in[i].shape[k];
    size_t step = n > MAX_CHECKED ? n / MAX_CHECKED : 1;
    double num_err = 0, scale = 0;
    float *x = host[i];
    for (size_t k = 0; k < n; k += step) {
      float orig = x[k];
      x[k] = orig + (float)c->grad_eps;
      double lp = loss_at(c, host, dout, n_out);
      x[k] = orig - (float)c->grad_eps;
      double lm = loss_at(c, host, dout, n_out);
      x[k] = orig;
      double h = (double)(orig + (float)c->grad_eps) - (double)(orig - (float)c->grad_eps);
      double numeric = (lp - lm) / h;
      double e = fabs(numeric - g[k]);
      if (e > num_err) num_err = e;
      if (fabs(g[k]) > scale) scale = fabs(g[k]);
      if (fabs(numeric) > scale) scale = fabs(numeric);
    }
    double err = scale > 0 ? num_err / scale : num_err;
    ck_assert_msg(err <= c->grad_tol, "%s input %d: numeric vs analytic gradient error %.3g > %.3g", c->name, i, err,
                  c->grad_tol);
    if (err > case_err) case_err = err;
    free(g);
  }
  geocl_scope_end(ref, s);
  if (getenv("GEOCL_TEST_VERBOSE")) printf("  %-32s %.2e\n", c->name, case_err);
  char fam[32];
  snprintf(fam, sizeof fam, "%.*s", (int)strcspn(c->name, "/"), c->name);
  int w;
  for (w = 0; w < n_worst && strcmp(worst[w].family, fam); w++) {
  }
  if (w == n_worst && n_worst < 64) snprintf(worst[n_worst++].family, sizeof worst[0].family, "%s", fam);
  if (w < n_worst && case_err > worst[w].err) worst[w].err = case_err;
  free(dout);
  for (int i = 0; i < c->n_in; i++) free(host[i]);
}
END_TEST

int main(void) {
  ref = test_ref_ctx();
  int n = harness_all_cases(&cases);
  Suite *s = suite_create("gradients");
  TCase *tc = tcase_create("numerical");
  tcase_add_loop_test(tc, one_case, 0, n);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  printf("numerical gradients: worst scaled error per family (reference backend):\n");
  for (int i = 0; i < n_worst; i++) printf("  %-16s %.2e\n", worst[i].family, worst[i].err);
  free(cases);
  geocl_ctx_free(ref);
  return rc;
}
