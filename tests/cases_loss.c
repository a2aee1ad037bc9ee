/* SPDX-License-Identifier: MIT */
/* Op cases: normpix, row_mse, masked_mean, cross_entropy, infonce. */
#include "op_harness.h"

static geocl_tensor *run_normpix(geocl_tensor *const *in, const op_case *c) { return geocl_normpix(in[0], c->fp[0]); }
/* normpix of a transposed view that requires a gradient: the result must be a
 * constant (no tape node, not even for the copy) */
static geocl_tensor *run_normpix_view(geocl_tensor *const *in, const op_case *c) {
  return geocl_normpix(geocl_transpose(in[0], 0, 1), c->fp[0]);
}
static geocl_tensor *run_row_mse(geocl_tensor *const *in, const op_case *c) { return geocl_row_mse(in[0], in[1]); }
static geocl_tensor *run_masked_mean(geocl_tensor *const *in, const op_case *c) {
  return geocl_masked_mean(in[0], in[1]);
}
static geocl_tensor *run_cross_entropy(geocl_tensor *const *in, const op_case *c) {
  return geocl_cross_entropy(in[0], in[1]);
}
static geocl_tensor *run_cross_entropy_transposed(geocl_tensor *const *in, const op_case *c) {
  return geocl_cross_entropy(geocl_transpose(in[0], 0, 1), in[1]);
}
static geocl_tensor *run_infonce(geocl_tensor *const *in, const op_case *c) {
  return geocl_infonce(in[0], in[1], c->fp[0]);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define CONST IN_UNIFORM, -1, 1, 0, false
#define LOGITS IN_UNIFORM, -3, 3, 0, true
#define GRAD 1e-2, 2e-3

const op_case cases_loss[] = {
    /* CroCo's patch targets: rows of 768 (16×16×3), and short rows */
    {"loss/normpix_768", 1, {{3, {2, 13, 768}, IN_UNIFORM, 0, 1, 0, false}}, run_normpix, {0}, {1e-6f}, 1e-6, 0, 0, 0},
    {"loss/normpix_13", 1, {{2, {7, 13}, IN_UNIFORM, -2, 3, 0, false}}, run_normpix, {0}, {1e-6f}, 1e-6, 0, 0, 0},
    {"loss/normpix_view", 1, {{2, {13, 7}, U}}, run_normpix_view, {0}, {1e-6f}, 1e-6, 0, 0, 0},
    {"loss/row_mse", 2, {{3, {2, 13, 768}, U}, {3, {2, 13, 768}, U}}, run_row_mse, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"loss/row_mse_const_target", 2, {{2, {7, 13}, U}, {2, {7, 13}, CONST}}, run_row_mse, {0}, {0}, 1e-6, 1e-6,
     GRAD},
    {"loss/masked_mean", 2, {{2, {2, 13}, U}, {2, {2, 13}, IN_MASK, 0, 0, 0, false}}, run_masked_mean, {0}, {0}, 1e-6,
     1e-6, GRAD},
    {"loss/cross_entropy", 2, {{2, {7, 13}, LOGITS}, {1, {7}, IN_INT, 0, 0, 13, false}}, run_cross_entropy, {0}, {0},
     1e-6, 1e-6, GRAD},
    {"loss/cross_entropy_197", 2, {{2, {13, 197}, LOGITS}, {1, {13}, IN_INT, 0, 0, 197, false}}, run_cross_entropy,
     {0}, {0}, 1e-6, 1e-6, GRAD},
    {"loss/cross_entropy_transposed", 2, {{2, {13, 7}, LOGITS}, {1, {7}, IN_INT, 0, 0, 13, false}},
     run_cross_entropy_transposed, {0}, {0}, 1e-6, 1e-6, GRAD},
    {"loss/infonce_7", 2, {{2, {7, 13}, U}, {2, {7, 13}, U}}, run_infonce, {0}, {0.5f}, 1e-6, 1e-6, GRAD},
    /* Logits L = q·k/τ carry a few ulps of |L| from the GEMM, which the softmax
     * in the gradient turns into relative errors of ~|L|·2⁻²³.  The loss, a
     * mean of ~log M rounded to float, quantises central differences: a wider
     * step (3e-2 at τ = 0.3) keeps that noise below 1e-3. */
    {"loss/infonce_197", 2, {{2, {197, 16}, U}, {2, {197, 16}, U}}, run_infonce, {0}, {0.3f}, 1e-6, 3e-6, 3e-2,
     2e-3},
    /* SimIPU's size and temperature (|L| up to ~30); too big for central differences */
    {"loss/infonce_4096", 2, {{2, {4096, 16}, U}, {2, {4096, 16}, U}}, run_infonce, {0}, {0.07f}, 1e-6, 1e-5, 0, 0},
    {NULL},
};
