/* SPDX-License-Identifier: MIT */
/* Table-driven op tests.  Each op family lists cases in tests/cases_<family>.c;
 * check_backend_ops runs every case on the OpenCL and reference backends and
 * compares outputs and input gradients, check_gradients compares the
 * reference backend's gradients with central differences.  Both go through
 * the installed harness, geocl/op-check.h (which plugins use for their custom
 * ops); this header gives its types the short names the tables use.  See
 * docs/adding-an-op.md. */
#ifndef GEOCL_OP_HARNESS_H
#define GEOCL_OP_HARNESS_H

#include <geocl/op-check.h>

#include "testutil.h"

typedef geocl_op_case op_case;
typedef geocl_op_input op_input;
#define IN_UNIFORM GEOCL_OP_UNIFORM
#define IN_NONZERO GEOCL_OP_NONZERO
#define IN_MASK GEOCL_OP_MASK
#define IN_INT GEOCL_OP_INT
#define IN_INDEX GEOCL_OP_INDEX

/* NULL-terminated list of the case tables (tests/op_cases.c). */
extern const op_case *const op_case_tables[];

/* All cases of all tables in one array (malloc'd); returns the count. */
int harness_all_cases(const op_case ***cases);

/* The worst errors per family (a case name up to its '/'), for a suite's summary. */
typedef struct harness_worst {
  int n;
  struct {
    char family[32];
    double err[2];
  } f[64];
} harness_worst;
void harness_note_worst(harness_worst *w, const char *case_name, double e0, double e1);

/* Check shorthands for the geocl/op-check.h pieces: they fail the test on error. */
void *harness_make_input(const op_case *c, int i, unsigned seed);
void harness_upload(geocl_ctx *ctx, const op_case *c, void *const *host, geocl_tensor **out);
#define harness_scaled_err geocl_op_scaled_err

#endif
