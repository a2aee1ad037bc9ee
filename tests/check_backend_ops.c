/* SPDX-License-Identifier: MIT */
/* Every op of every case table, forward and backward, on the OpenCL backend
 * against the reference backend (geocl_op_check_backends), with seeded
 * random inputs and a memory guard behind every buffer.  Exits 77 without an
 * OpenCL device. */
#include <stdio.h>
#include <stdlib.h>

#include "op_harness.h"

static geocl_ctx *ocl, *ref;
static const op_case **cases;
static harness_worst worst; /* forward, backward */

START_TEST(one_case) {
  geocl_op_check_result r;
  geocl_status st = geocl_op_check_backends(cases[_i], ocl, ref, &r);
  ck_assert_msg(st == GEOCL_OK, "%s", geocl_last_error());
  harness_note_worst(&worst, cases[_i]->name, r.fwd_err, r.bwd_err);
}
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
  for (int i = 0; i < worst.n; i++)
    printf("  %-16s forward %.2e  backward %.2e\n", worst.f[i].family, worst.f[i].err[0], worst.f[i].err[1]);
  free(cases);
  geocl_ctx_free(ocl);
  geocl_ctx_free(ref);
  return rc;
}
