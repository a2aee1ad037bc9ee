/* SPDX-License-Identifier: MIT */
/* Checking an op the way geocl checks its own (the test harness behind
 * tests/check_backend_ops and tests/check_gradients, for plugins' custom ops
 * too; the idea of torch.autograd.gradcheck):
 *
 *   - geocl_op_check_backends runs a case on two contexts (an OpenCL device
 *     and the reference backend) with the same seeded inputs and the same
 *     random output gradient, and compares the outputs and every input
 *     gradient;
 *   - geocl_op_check_gradients compares the analytic input gradients on one
 *     context (the reference backend: double accumulation) with central
 *     differences of L = Σ out·dout.
 *
 * Both return GEOCL_OK when the case is within its tolerances, GEOCL_E_CHECK
 * with a message naming the case, the part and the errors when it is not,
 * and the op's own status when it fails to run.  Inputs are deterministic per
 * case, input and check.  Nothing here needs a test framework: a plugin's test
 * program calls these and fails on a status other than GEOCL_OK.  Contexts
 * created while GEOCL_POOL_GUARD=1 is set also catch kernels that write past
 * the end of a buffer.  docs/adding-an-op.md describes how to choose the
 * tolerances. */
#ifndef GEOCL_OP_CHECK_H
#define GEOCL_OP_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <geocl/context.h>
#include <geocl/status.h>
#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOCL_OP_CASE_MAX_IN 6

typedef enum geocl_op_input_kind {
  GEOCL_OP_UNIFORM, /* f32 uniform in [lo, hi) */
  GEOCL_OP_NONZERO, /* f32 uniform in [lo, hi) with |x| ≥ 0.1 (away from kinks at 0) */
  GEOCL_OP_MASK,    /* f32 0/1, roughly half ones, at least one 1 */
  GEOCL_OP_INT,     /* i32 uniform in [0, range) */
  GEOCL_OP_INDEX,   /* i32 [..., K]: distinct values in [0, range) along the last dimension */
} geocl_op_input_kind;

typedef struct geocl_op_input {
  int ndim;
  int64_t shape[GEOCL_MAX_DIMS];
  geocl_op_input_kind kind;
  float lo, hi;
  int64_t range;
  bool grad; /* requires a gradient (f32 only) */
} geocl_op_input;

typedef struct geocl_op_case geocl_op_case;
struct geocl_op_case {
  const char *name; /* "family/case"; NULL ends a table */
  int n_in;
  geocl_op_input in[GEOCL_OP_CASE_MAX_IN];
  /* Run the op under test on the inputs (with ops, custom ops included). */
  geocl_tensor *(*run)(geocl_tensor *const *in, const geocl_op_case *c);
  int64_t ip[8];   /* integer parameters for run */
  float fp[8];     /* float parameters for run */
  double fwd_tol;  /* backends: max |a−b| / max |b| over the output */
  double bwd_tol;  /* the same for every input gradient */
  double grad_eps; /* central-difference step (0: not differentiable, no numerical check) */
  double grad_tol; /* max |numeric − analytic| / max(|analytic|, |numeric|) over the checked elements */
};

/* What a check measured (filled even when it fails). */
typedef struct geocl_op_check_result {
  double fwd_err;  /* backends: scaled error of the output */
  double bwd_err;  /* backends: the worst input gradient's; gradients: the worst input's */
  int worst_input; /* the input of bwd_err, -1 if none */
  bool skipped;    /* gradients: the case has grad_eps 0 */
} geocl_op_check_result;

geocl_status geocl_op_check_backends(const geocl_op_case *c, geocl_ctx *test, geocl_ctx *oracle,
                                     geocl_op_check_result *result);
/* Checks up to 16 evenly spaced elements of each input that wants a gradient. */
geocl_status geocl_op_check_gradients(const geocl_op_case *c, geocl_ctx *ctx, geocl_op_check_result *result);

/* The pieces the checks are made of, for tests of their own. */
/* Host data of input i of case c (float or int32_t as its kind says),
 * deterministic in (seed, i); malloc'd, NULL with E_NOMEM. */
void *geocl_op_case_input(const geocl_op_case *c, int i, unsigned seed);
/* Upload the host inputs as tensors of ctx (in the current scope), each
 * requiring a gradient as the case says. */
geocl_status geocl_op_case_upload(geocl_ctx *ctx, const geocl_op_case *c, void *const *host, geocl_tensor **out);
/* max |a−b| / max |b| over the finite b (the absolute error when b is all
 * zero); infinite where a and b disagree on NaN or infinity. */
double geocl_op_scaled_err(const float *a, const float *b, size_t n);

#ifdef __cplusplus
}
#endif
#endif
