/* SPDX-License-Identifier: MIT */
/* Numerical gradients: for every differentiable case, the reference backend's
 * analytic input gradients against central differences of L = Σ out·dout
 * (dout random), on up to 16 elements per input (geocl_op_check_gradients). */
#include <stdio.h>
#include <stdlib.h>

#include "op_harness.h"

static geocl_ctx *ref;
static const op_case **cases;
static harness_worst worst;

START_TEST(one_case) {
  const op_case *c = cases[_i];
  geocl_op_check_result r;
  geocl_status st = geocl_op_check_gradients(c, ref, &r);
  ck_assert_msg(st == GEOCL_OK, "%s", geocl_last_error());
  if (r.skipped) return; /* not differentiable: covered by the comparison only */
  if (getenv("GEOCL_TEST_VERBOSE")) printf("  %-32s %.2e\n", c->name, r.bwd_err);
  harness_note_worst(&worst, c->name, r.bwd_err, 0);
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
  for (int i = 0; i < worst.n; i++) printf("  %-16s %.2e\n", worst.f[i].family, worst.f[i].err[0]);
  free(cases);
  geocl_ctx_free(ref);
  return rc;
}
