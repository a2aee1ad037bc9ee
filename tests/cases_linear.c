/* SPDX-License-Identifier: MIT */
/* Op cases: matmul, linear, softmax. */
#include "op_harness.h"

static geocl_tensor *run_matmul(geocl_tensor *const *in, const op_case *c) {
  return geocl_matmul_ex(in[0], in[1], c->ip[0], c->ip[1], c->fp[0]);
}
static geocl_tensor *run_linear(geocl_tensor *const *in, const op_case *c) {
  return geocl_linear(in[0], in[1], c->n_in > 2 ? in[2] : NULL);
}
/* q·kᵀ of per-head views of a packed [B, N, 3C] tensor, as attention uses it */
static geocl_tensor *run_matmul_views(geocl_tensor *const *in, const op_case *c) {
  geocl_tensor *q = geocl_narrow(in[0], 2, 0, 8), *k = geocl_narrow(in[0], 2, 8, 8);
  return geocl_matmul_ex(q, k, false, true, 0.25f);
}
static geocl_tensor *run_softmax(geocl_tensor *const *in, const op_case *c) {
  return c->ip[0] ? geocl_log_softmax(in[0]) : geocl_softmax(in[0]);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define GRAD 1e-2, 2e-3

const op_case cases_linear[] = {
    {"matmul/plain", 2, {{2, {7, 13}, U}, {2, {13, 5}, U}}, run_matmul, {0, 0}, {1}, 1e-6, 1e-6, GRAD},
    {"matmul/ta", 2, {{2, {13, 7}, U}, {2, {13, 5}, U}}, run_matmul, {1, 0}, {1}, 1e-6, 1e-6, GRAD},
    {"matmul/tb_alpha", 2, {{2, {7, 13}, U}, {2, {5, 13}, U}}, run_matmul, {0, 1}, {0.5f}, 1e-6, 1e-6, GRAD},
    {"matmul/batched_tatb", 2, {{3, {3, 13, 7}, U}, {3, {3, 5, 13}, U}}, run_matmul, {1, 1}, {1}, 1e-6, 1e-6, GRAD},
    {"matmul/shared_b", 2, {{4, {2, 3, 7, 13}, U}, {2, {13, 5}, U}}, run_matmul, {0, 0}, {1}, 1e-6, 1e-6, GRAD},
    {"matmul/shared_a_ta", 2, {{2, {13, 7}, U}, {3, {3, 13, 5}, U}}, run_matmul, {1, 0}, {1}, 1e-6, 1e-6, GRAD},
    {"matmul/head_views", 1, {{3, {2, 13, 24}, U}}, run_matmul_views, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"linear/bias", 3, {{3, {2, 13, 32}, U}, {2, {24, 32}, U}, {1, {24}, U}}, run_linear, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"linear/no_bias", 2, {{2, {197, 64}, U}, {2, {7, 64}, U}}, run_linear, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"softmax/rows", 1, {{2, {7, 13}, IN_UNIFORM, -3, 3, 0, true}}, run_softmax, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"softmax/long_rows", 1, {{3, {2, 3, 197}, IN_UNIFORM, -5, 5, 0, true}}, run_softmax, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"softmax/log", 1, {{2, {13, 70}, IN_UNIFORM, -3, 3, 0, true}}, run_softmax, {1}, {0}, 1e-6, 1e-6, GRAD},
    {NULL},
};
