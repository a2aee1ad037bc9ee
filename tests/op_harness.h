/* SPDX-License-Identifier: MIT */
/* Table-driven op tests.  Each op family lists cases in tests/cases_<family>.c;
 * check_backend_ops runs every case on the OpenCL and reference backends and
 * compares outputs and input gradients, check_gradients compares the
 * reference backend's gradients with central differences.  See
 * docs/adding-an-op.md. */
#ifndef GEOCL_OP_HARNESS_H
#define GEOCL_OP_HARNESS_H

#include <stdbool.h>

#include "testutil.h"

typedef enum input_kind {
  IN_UNIFORM,   /* f32 uniform in [lo, hi) */
  IN_NONZERO,   /* f32 uniform in [lo, hi) with |x| >= 0.1 (away from kinks at 0) */
  IN_MASK,      /* f32 0/1, roughly half ones, at least one 1 */
  IN_INT,       /* i32 uniform in [0, range) */
  IN_INDEX,     /* i32 [..., K]: distinct values in [0, range) along the last dim */
} input_kind;

typedef struct op_input {
  int ndim;
  int64_t shape[6];
  input_kind kind;
  float lo, hi;
  int64_t range;
  bool grad; /* requires a gradient (f32 only) */
} op_input;

typedef struct op_case op_case;
struct op_case {
  const char *name; /* NULL ends a table */
  int n_in;
  op_input in[6];
  /* Run the op under test on the inputs (ops from <geocl/ops.h>). */
  geocl_tensor *(*run)(geocl_tensor *const *in, const op_case *c);
  int64_t ip[8];      /* integer parameters for run */
  float fp[8];        /* float parameters for run */
  double fwd_tol;     /* OpenCL vs reference: max |a−b| / max |b| over the output */
  double bwd_tol;     /* same, for every input gradient */
  double grad_eps;    /* central-difference step (0: no numerical gradient check) */
  double grad_tol;    /* max |numeric − analytic| / max |analytic| over checked elements */
};

/* NULL-terminated list of the case tables (tests/op_cases.c). */
extern const op_case *const op_case_tables[];

/* All cases of all tables in one array (malloc'd); returns the count. */
int harness_all_cases(const op_case ***cases);

/* Host copy of input i of a case (f32 or i32 data), deterministic per case. */
void *harness_make_input(const op_case *c, int i, unsigned seed);
/* Upload the host inputs to ctx, setting requires_grad as the case says. */
void harness_upload(geocl_ctx *ctx, const op_case *c, void *const *host, geocl_tensor **out);
/* Scaled max error: max |a−b| / max |b| (inf on NaN mismatch or non-finite a). */
double harness_scaled_err(const float *a, const float *b, size_t n);

#endif
