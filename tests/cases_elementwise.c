/* SPDX-License-Identifier: MIT */
/* Op cases: elementwise. */
#include <math.h>

#include "op_harness.h"

static geocl_tensor *run_binary(geocl_tensor *const *in, const op_case *c) {
  switch (c->ip[0]) {
  case 0: return geocl_add(in[0], in[1]);
  case 1: return geocl_sub(in[0], in[1]);
  case 2: return geocl_mul(in[0], in[1]);
  default: return geocl_div(in[0], in[1]);
  }
}

static geocl_tensor *run_unary(geocl_tensor *const *in, const op_case *c) {
  switch (c->ip[0]) {
  case 0: return geocl_scale(in[0], c->fp[0]);
  case 1: return geocl_add_scalar(in[0], c->fp[0]);
  case 2: return geocl_exp(in[0]);
  case 3: return geocl_log(in[0]);
  case 4: return geocl_sqrt(in[0]);
  case 5: return geocl_gelu(in[0]);
  case 6: return geocl_relu(in[0]);
  case 7: return geocl_square(in[0]);
  case 8: return geocl_abs(in[0]);
  case 9: return geocl_sigmoid(in[0]);
  case 10: return geocl_tanh(in[0]);
  case 11: return geocl_softplus(in[0], c->fp[0]);
  default: return geocl_clamp(in[0], c->fp[0], c->fp[1]);
  }
}

/* a unary op on a transposed (non-contiguous) view */
static geocl_tensor *run_unary_on_view(geocl_tensor *const *in, const op_case *c) {
  return geocl_gelu(geocl_transpose(in[0], 0, 1));
}

#define U(lo, hi) IN_UNIFORM, lo, hi, 0, true
#define TOL 1e-6, 1e-6
#define GRAD 1e-2, 2e-3

const op_case cases_elementwise[] = {
    {"elementwise/add_same", 2, {{2, {7, 13}, U(-1, 1)}, {2, {7, 13}, U(-1, 1)}}, run_binary, {0}, {0}, TOL, GRAD},
    {"elementwise/add_bcast_row", 2, {{3, {2, 7, 13}, U(-1, 1)}, {1, {13}, U(-1, 1)}}, run_binary, {0}, {0}, TOL, GRAD},
    {"elementwise/sub_bcast_both", 2, {{3, {2, 1, 13}, U(-1, 1)}, {3, {1, 7, 1}, U(-1, 1)}}, run_binary, {1}, {0},
     TOL, GRAD},
    {"elementwise/mul_bcast_col", 2, {{2, {197, 32}, U(-2, 2)}, {2, {197, 1}, U(-2, 2)}}, run_binary, {2}, {0}, TOL,
     GRAD},
    {"elementwise/div", 2, {{2, {7, 13}, U(-1, 1)}, {2, {7, 13}, U(0.5, 2)}}, run_binary, {3}, {0}, TOL, GRAD},
    {"elementwise/div_bcast_scalar", 2, {{2, {13, 7}, U(-1, 1)}, {0, {0}, U(0.5, 2)}}, run_binary, {3}, {0}, TOL, GRAD},
    {"elementwise/scale", 1, {{3, {3, 7, 13}, U(-1, 1)}}, run_unary, {0}, {-0.75f}, TOL, GRAD},
    {"elementwise/add_scalar", 1, {{1, {197}, U(-1, 1)}}, run_unary, {1}, {2.5f}, TOL, GRAD},
    {"elementwise/exp", 1, {{2, {7, 13}, U(-3, 3)}}, run_unary, {2}, {0}, 2e-6, 2e-6, GRAD},
    {"elementwise/log", 1, {{2, {7, 13}, U(0.1f, 4)}}, run_unary, {3}, {0}, 2e-6, 2e-6, 1e-3, 2e-3},
    {"elementwise/sqrt", 1, {{2, {7, 13}, U(0.1f, 4)}}, run_unary, {4}, {0}, TOL, 1e-3, 2e-3},
    {"elementwise/gelu", 1, {{2, {13, 64}, U(-4, 4)}}, run_unary, {5}, {0}, 2e-6, 2e-6, GRAD},
    {"elementwise/relu", 1, {{2, {7, 13}, IN_NONZERO, -1, 1, 0, true}}, run_unary, {6}, {0}, TOL, GRAD},
    {"elementwise/square", 1, {{2, {7, 13}, U(-2, 2)}}, run_unary, {7}, {0}, TOL, GRAD},
    {"elementwise/abs", 1, {{2, {7, 13}, IN_NONZERO, -1, 1, 0, true}}, run_unary, {8}, {0}, TOL, GRAD},
    {"elementwise/sigmoid", 1, {{2, {7, 13}, U(-6, 6)}}, run_unary, {9}, {0}, 2e-6, 2e-6, GRAD},
    {"elementwise/tanh", 1, {{2, {7, 13}, U(-3, 3)}}, run_unary, {10}, {0}, 2e-6, 2e-6, GRAD},
    {"elementwise/softplus", 1, {{2, {7, 13}, U(-5, 5)}}, run_unary, {11}, {1.0f}, 2e-6, 2e-6, GRAD},
    /* beta·x > 20 (the linear branch) for x > 10 */
    {"elementwise/softplus_beta2", 1, {{2, {13, 7}, U(-15, 15)}}, run_unary, {11}, {2.0f}, 2e-6, 2e-6, 1e-3, 2e-3},
    {"elementwise/clamp", 1, {{2, {7, 13}, U(-2, 2)}}, run_unary, {12}, {-0.5f, 0.7f}, TOL, 1e-3, 2e-3},
    {"elementwise/clamp_min_only", 1, {{2, {7, 13}, U(-2, 2)}}, run_unary, {12}, {-0.3f, INFINITY}, TOL, 1e-3, 2e-3},
    {"elementwise/gelu_view", 1, {{2, {13, 7}, U(-3, 3)}}, run_unary_on_view, {0}, {0}, 2e-6, 2e-6, GRAD},
    {NULL},
};
