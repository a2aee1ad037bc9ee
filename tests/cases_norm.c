/* SPDX-License-Identifier: MIT */
/* Op cases: layernorm, l2_normalize. */
#include "op_harness.h"

/* in: x, then gamma (n_in ≥ 2) and beta (n_in = 3); ip[0]: x is given as
 * [B, C, N] and transposed to [B, N, C] (a non-contiguous input); fp[0]: eps */
static geocl_tensor *run_layernorm(geocl_tensor *const *in, const op_case *c) {
  geocl_tensor *x = c->ip[0] ? geocl_transpose(in[0], 1, 2) : in[0];
  return geocl_layernorm(x, c->n_in > 1 ? in[1] : NULL, c->n_in > 2 ? in[2] : NULL, c->fp[0]);
}
/* fp[0]: eps; fp[1]: scale applied to x first (0: none) */
static geocl_tensor *run_l2_normalize(geocl_tensor *const *in, const op_case *c) {
  return geocl_l2_normalize(c->fp[1] ? geocl_scale(in[0], c->fp[1]) : in[0], c->fp[0]);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define X IN_UNIFORM, -2, 2, 0, true
#define GRAD 1e-2, 2e-3
#define LN(name, cols, eps)                                                                                         \
  {"layernorm/" name, 3, {{3, {7, 13, cols}, X}, {1, {cols}, U}, {1, {cols}, U}}, run_layernorm, {0}, {eps}, 1e-6, \
   1e-6, GRAD}

const op_case cases_norm[] = {
    LN("c13", 13, 1e-6f),
    LN("c64", 64, 1e-6f),
    LN("c197_eps1e-5", 197, 1e-5f),
    LN("c768", 768, 1e-6f),
    {"layernorm/no_affine", 1, {{3, {7, 13, 64}, X}}, run_layernorm, {0}, {1e-6f}, 1e-6, 1e-6, GRAD},
    {"layernorm/gamma_only", 2, {{2, {13, 197}, X}, {1, {197}, U}}, run_layernorm, {0}, {1e-5f}, 1e-6, 1e-6, GRAD},
    {"layernorm/transposed", 3, {{3, {2, 64, 13}, X}, {1, {64}, U}, {1, {64}, U}}, run_layernorm, {1}, {1e-6f}, 1e-6,
     1e-6, GRAD},
    /* variance 3e-5, so eps = 1e-5 changes the result by a seventh */
    {"layernorm/small_variance", 3, {{3, {7, 13, 64}, IN_UNIFORM, -0.01f, 0.01f, 0, true}, {1, {64}, U}, {1, {64}, U}},
     run_layernorm, {0}, {1e-5f}, 1e-6, 1e-6, 1e-4, 2e-3},
    {"l2_normalize/c13", 1, {{3, {7, 13, 13}, X}}, run_l2_normalize, {0}, {1e-12f}, 1e-6, 1e-6, GRAD},
    {"l2_normalize/c197", 1, {{3, {7, 13, 197}, X}}, run_l2_normalize, {0}, {1e-6f}, 1e-6, 1e-6, GRAD},
    /* norms around 2e-6 < eps: the clamp is active, y = x / eps */
    {"l2_normalize/below_eps", 1, {{2, {7, 13}, U}}, run_l2_normalize, {0}, {1e-5f, 1e-6f}, 1e-6, 1e-6, GRAD},
    {NULL},
};
