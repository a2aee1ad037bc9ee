/* SPDX-License-Identifier: MIT */
/* Op cases: shapes and views.  The gradient checks exercise each view's
 * backward mapping; the comparison exercises the strided copy kernels. */
#include "op_harness.h"

static geocl_tensor *run_reshape_perm(geocl_tensor *const *in, const op_case *c) {
  /* permute, then reshape a non-contiguous view (forces a copy), then square
   * so the gradient depends on the values */
  geocl_tensor *p = geocl_permute(in[0], (int[]){1, 2, 0});
  return geocl_square(geocl_reshape(p, 2, (int64_t[]){-1, 2}));
}
static geocl_tensor *run_narrow(geocl_tensor *const *in, const op_case *c) {
  return geocl_mul(geocl_narrow(in[0], 1, 3, 7), geocl_narrow(in[0], 1, 5, 7));
}
static geocl_tensor *run_expand(geocl_tensor *const *in, const op_case *c) {
  return geocl_mul(geocl_expand(in[0], 3, (int64_t[]){4, 7, 13}), in[1]);
}
static geocl_tensor *run_concat(geocl_tensor *const *in, const op_case *c) {
  return geocl_square(geocl_concat(3, in, (int)c->ip[0]));
}
static geocl_tensor *run_used_twice(geocl_tensor *const *in, const op_case *c) {
  /* a tensor used by two ops: gradients must add up */
  return geocl_add(geocl_mul(in[0], in[0]), geocl_exp(in[0]));
}
static geocl_tensor *run_detach(geocl_tensor *const *in, const op_case *c) {
  return geocl_mul(in[0], geocl_detach(in[1]));
}

#define U IN_UNIFORM, -1, 1, 0, true
#define TOL 0, 1e-6
#define GRAD 1e-2, 2e-3

const op_case cases_shape[] = {
    {"shape/reshape_permute", 1, {{3, {2, 7, 13}, U}}, run_reshape_perm, {0}, {0}, TOL, GRAD},
    {"shape/narrow_overlap", 1, {{2, {5, 13}, U}}, run_narrow, {0}, {0}, TOL, GRAD},
    {"shape/expand", 2, {{2, {1, 13}, U}, {3, {4, 7, 13}, U}}, run_expand, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"shape/concat_mid", 3, {{3, {2, 3, 5}, U}, {3, {2, 1, 5}, U}, {3, {2, 4, 5}, U}}, run_concat, {1}, {0}, TOL, GRAD},
    {"shape/concat_last", 3, {{2, {3, 5}, U}, {2, {3, 2}, U}, {2, {3, 7}, U}}, run_concat, {-1}, {0}, TOL, GRAD},
    {"shape/used_twice", 1, {{2, {7, 13}, U}}, run_used_twice, {0}, {0}, 2e-6, 2e-6, GRAD},
    {"shape/detach", 2, {{2, {7, 13}, U}, {2, {7, 13}, IN_UNIFORM, -1, 1, 0, false}}, run_detach, {0}, {0}, TOL, GRAD},
    {NULL},
};
