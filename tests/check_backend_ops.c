/* SPDX-License-Identifier: MIT */
/* Every op of every case table, forward and backward, on the OpenCL backend
 * against the reference backend, with seeded random inputs and a memory
 * guard behind every buffer.  Exits 77 without an OpenCL device. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "op_harness.h"

static geocl_ctx *ocl, *ref;

/* Worst error per case name prefix (the family), printed at the end. */
static struct {
  char family[32];
  double fwd, bwd;
} worst[64];
static int n_worst;

static void record_worst(const char *name, double fwd, double bwd) {
  char fam[32];
  snprintf(fam, sizeof fam, "%.*s", (int)strcspn(name, "/"), name);
  int i;
  for (i = 0; i < n_worst && strcmp(worst[i].family, fam); i++) {
  }
  if (i == n_worst && n_worst < 64) {
    snprintf(worst[n_worst].family, sizeof worst[0].family, "%s", fam);
    n_worst++;
  }
  if (i < n_worst) {
    if (fwd > worst[i].fwd) worst[i].fwd = fwd;
    if (bwd > worst[i].bwd) worst[i].bwd = bwd;
  }
}

/* Forward on one backend; downloads the output and (after backward with
 * dout) every input gradient.  grads[i] is NULL for inputs without one. */
static float *run_case(geocl_ctx *ctx, const op_case *c, void *const *host, const float *dout, size_t *n_out,
                       float **grads) {
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *in[6];
  harness_upload(ctx, c, host, in);
  geocl_tensor *out = c->run(in, c);
  ck_assert_msg(out != NULL, "%s on %s: %s", c->name, geocl_ctx_backend_name(ctx), geocl_last_error());
  size_t n = (size_t)geocl_numel(out);
  float *y = test_download(out);
  *n_out = n;
  for (int i = 0; i < c->n_in; i++) grads[i] = NULL;
  if (dout && geocl_requires_grad(out)) {
    geocl_tensor *d = geocl_from_host(ctx, GEOCL_F32, geocl_ndim(out), geocl_shape(out), dout);
    ck_assert_msg(geocl_backward_from(out, d) == GEOCL_OK, "%s backward on %s: %s", c->name,
                  geocl_ctx_backend_name(ctx), geocl_last_error());
    for (int i = 0; i < c->n_in; i++)
      if (c->in[i].grad) {
        geocl_tensor *g = geocl_grad(in[i]);
        ck_assert_msg(g != NULL, "%s on %s: input %d got no gradient", c->name, geocl_ctx_backend_name(ctx), i);
        grads[i] = test_download(g);
      }
  }
  geocl_scope_end(ctx, s);
  ck_assert_msg(geocl_tape_size(ctx) == 0, "%s: tape not empty after the case", c->name);
  return y;
}

static void check_case(const op_case *c) {
  uint64_t guard_ocl = ocl->pool.guard_violations, guard_ref = ref->pool.guard_violations;
  void *host[6];
  for (int i = 0; i < c->n_in; i++) host[i] = harness_make_input(c, i, 1234);
  size_t n_ref, n_ocl;
  float *g_ref[6], *g_ocl[6];
  /* forward first, to size dout */
  float *y_ref = run_case(ref, c, host, NULL, &n_ref, g_ref);
  float *dout = malloc((n_ref ? n_ref : 1) * 4);
  test_fill_uniform(dout, n_ref, 99, -1, 1);
  free(y_ref);
  y_ref = run_case(ref, c, host, dout, &n_ref, g_ref);
  float *y_ocl = run_case(ocl, c, host, dout, &n_ocl, g_ocl);
  ck_assert_uint_eq(n_ref, n_ocl);
  double fwd = harness_scaled_err(y_ocl, y_ref, n_ref), bwd = 0;
  ck_assert_msg(fwd <= c->fwd_tol, "%s forward: OpenCL vs reference error %.3g > %.3g", c->name, fwd, c->fwd_tol);
  for (int i = 0; i < c->n_in; i++) {
    if (!g_ref[i]) continue;
    size_t n = 1;
    for (int d = 0; d < c->in[i].ndim; d++) n *= (size_t)c->in[i].shape[d];
    double e = harness_scaled_err(g_ocl[i], g_ref[i], n);
    ck_assert_msg(e <= c->bwd_tol, "%s backward, input %d: OpenCL vs reference error %.3g > %.3g", c->name, i, e,
                  c->bwd_tol);
    if (e > bwd) bwd = e;
    free(g_ref[i]);
    free(g_ocl[i]);
  }
  record_worst(c->name, fwd, bwd);
  ck_assert_msg(ocl->pool.guard_violations == guard_ocl, "%s: OpenCL kernel wrote past a buffer end", c->name);
  ck_assert_msg(ref->pool.guard_violations == guard_ref, "%s: reference kernel wrote past a buffer end", c->name);
  free(y_ref);
  free(y_ocl);
  free(dout);
  for (int i = 0; i < c->n_in; i++) free(host[i]);
}

static const op_case **cases;

START_TEST(one_case) { check_case(cases[_i]); }
END_TEST

int main(void) {
  setenv("GEOCL_POOL_GUARD", "1", 1);
  if (!test_have_opencl()) return TEST_SKIP;
  ocl = test_ocl_ctx();
  ref = test_ref_ctx();
  if (!ocl) return 99;
  int n = harness_all_cases(&cases);
  Suite *s = suite_create("backend-ops");
  TCase *tc = tcase_create("compare");
  tcase_add_loop_test(tc, one_case, 0, n);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  printf("backend comparison: %d cases; worst scaled error OpenCL vs reference per family:\n", n);
  for (int i = 0; i < n_worst; i++)
    printf("  %-16s forward %.2e  backward %.2e\n", worst[i].family, worst[i].fwd, worst[i].bwd);
  free(cases);
  geocl_ctx_free(ocl);
  geocl_ctx_free(ref);
  return rc;
}
