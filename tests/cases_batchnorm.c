/* SPDX-License-Identifier: MIT */
/* Op cases: batchnorm_stats and batchnorm, in training mode (statistics of
 * the batch, gradients through them) and eval mode (given statistics). */
#include "op_harness.h"

/* Training mode: x[, gamma, beta[, residual]]; ip[0]: ReLU fused; fp[0]: eps */
static geocl_tensor *run_train(geocl_tensor *const *in, const op_case *c) {
  geocl_tensor *stats = geocl_batchnorm_stats(in[0]);
  int64_t ch = geocl_dim(in[0], 1);
  geocl_tensor *mean = geocl_reshape(geocl_narrow(stats, 0, 0, 1), GEOCL_SHAPE(ch));
  geocl_tensor *var = geocl_reshape(geocl_narrow(stats, 0, 1, 1), GEOCL_SHAPE(ch));
  return geocl_batchnorm(in[0], mean, var, c->n_in > 1 ? in[1] : NULL, c->n_in > 2 ? in[2] : NULL,
                         c->n_in > 3 ? in[3] : NULL, c->fp[0], c->ip[0]);
}

/* Eval mode: x, mean, var (positive), gamma, beta[, residual], all differentiated */
static geocl_tensor *run_eval(geocl_tensor *const *in, const op_case *c) {
  return geocl_batchnorm(in[0], in[1], in[2], in[3], in[4], c->n_in > 5 ? in[5] : NULL, c->fp[0], c->ip[0]);
}

static geocl_tensor *run_stats(geocl_tensor *const *in, const op_case *c) { return geocl_batchnorm_stats(in[0]); }

#define U IN_UNIFORM, -1, 1, 0, true
#define X IN_UNIFORM, -2, 2, 0, true
#define POS IN_UNIFORM, 0.5f, 2, 0, true
#define TOL 1e-6, 1e-6
#define GRAD 1e-2, 2e-3
/* x [shape...] with ch channels.  With the ReLU, γ and β get no numerical
 * gradient (nor a backend comparison of theirs): a step of either moves every
 * output of the channel, and those within a step of 0 cross the kink; a step
 * small enough that none does drowns the derivative in float32 rounding.
 * PyTorch checks them with the ReLU (check_kat's train_2d_resnet_relu). */
#define TRAIN(name, ch, relu, eps, ndim, ...)                                                                         \
  {"batchnorm/" name, 3, {{ndim, {__VA_ARGS__}, X}, {1, {ch}, IN_UNIFORM, -1, 1, 0, !relu},                          \
                          {1, {ch}, IN_UNIFORM, -1, 1, 0, !relu}},                                                    \
   run_train, {relu}, {eps}, TOL, 1e-3, 2e-3}

const op_case cases_batchnorm[] = {
    TRAIN("train_2d", 5, 0, 1e-5f, 4, 3, 5, 7, 9),
    TRAIN("train_2d_relu", 5, 1, 1e-5f, 4, 3, 5, 7, 9),
    TRAIN("train_1d", 13, 0, 1e-5f, 2, 37, 13),
    TRAIN("train_1d_relu_eps1e-3", 20, 1, 1e-3f, 2, 64, 20),
    TRAIN("train_3d_input", 6, 0, 1e-3f, 3, 4, 6, 11),
    TRAIN("train_batch1", 3, 0, 1e-5f, 4, 1, 3, 5, 4),
    /* a residual block's end: bn, + shortcut, ReLU */
    {"batchnorm/train_residual_relu", 4,
     {{4, {2, 6, 5, 7}, X}, {1, {6}, IN_UNIFORM, -1, 1, 0, false}, {1, {6}, IN_UNIFORM, -1, 1, 0, false},
      {4, {2, 6, 5, 7}, X}},
     run_train, {1}, {1e-5f}, TOL, 1e-3, 2e-3},
    {"batchnorm/eval_residual", 6,
     {{4, {2, 5, 6, 7}, X}, {1, {5}, U}, {1, {5}, POS}, {1, {5}, U}, {1, {5}, U}, {4, {2, 5, 6, 7}, X}}, run_eval, {0},
     {1e-5f}, TOL, GRAD},
    {"batchnorm/train_no_affine", 1, {{4, {2, 4, 6, 5}, X}}, run_train, {0}, {1e-5f}, TOL, 1e-3, 2e-3},
    /* values around 100 with a standard deviation of 0.58: float32 rounds the
     * mean by up to 3.8e-6, 6.6e-6 of a standard deviation, and every
     * normalised value with it (PyTorch's float32 result too) */
    {"batchnorm/train_offset_mean", 3, {{4, {2, 3, 6, 7}, IN_UNIFORM, 99, 101, 0, true}, {1, {3}, U}, {1, {3}, U}},
     run_train, {0}, {1e-5f}, 1e-5, 3e-5, 0, 0},
    {"batchnorm/eval", 5, {{4, {2, 5, 6, 7}, X}, {1, {5}, U}, {1, {5}, POS}, {1, {5}, U}, {1, {5}, U}}, run_eval, {0},
     {1e-5f}, TOL, GRAD},
    {"batchnorm/eval_1d_relu", 5, {{2, {33, 19}, X}, {1, {19}, U}, {1, {19}, POS}, {1, {19}, U}, {1, {19}, U}},
     run_eval, {1}, {1e-3f}, TOL, 1e-3, 2e-3},
    {"batchnorm/stats_2d", 1, {{4, {3, 7, 5, 6}, X}}, run_stats, {0}, {0}, TOL, GRAD},
    {"batchnorm/stats_1d", 1, {{2, {50, 9}, X}}, run_stats, {0}, {0}, TOL, GRAD},
    {NULL},
};
