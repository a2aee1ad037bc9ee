/* SPDX-License-Identifier: MIT */
/* Golden tests against PyTorch fixtures (tests/gen): weights drawn by a
 * fixture's recipe, and comparisons by relative L2 error (fixture tensors are
 * read with testutil.h's test_st_read_f32 and test_st_upload). */
#ifndef GEOCL_TESTS_GOLDEN_H
#define GEOCL_TESTS_GOLDEN_H

#include <geocl/geocl.h>
#include <geocl/safetensors.h>

/* Parameters from the recipe JSON recorded in a fixture: parameter k of the
 * list from the stream seed + k, c + a·(2u − 1) (tests/fixtures/croco/README.md). */
void golden_set_weights(geocl_params *p, const char *init_json);
/* ‖t − ref[name]‖ / ‖ref[name]‖, failing the test above tol; a reference
 * whose norm is below zero_norm (zero in exact arithmetic) is compared by
 * the norm of t instead, and 0 returned. */
double golden_compare(const char *what, const geocl_tensor *t, geocl_st_file *ref, const char *name, double tol,
                      double zero_norm);

#endif
