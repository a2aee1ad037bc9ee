/* SPDX-License-Identifier: MIT */
/* Op cases: conv2d, conv_transpose2d, max_pool2d, global_avg_pool2d. */
#include "op_harness.h"

/* ip: stride (rows, columns), padding (rows, columns), dilation (both),
 * groups, output padding (both); in: x, weight[, bias] */
static geocl_conv2d_opts conv_opts(const op_case *c) {
  return (geocl_conv2d_opts){.stride = {c->ip[0], c->ip[1]}, .padding = {c->ip[2], c->ip[3]},
                             .dilation = {c->ip[4], c->ip[4]}, .groups = c->ip[5],
                             .output_padding = {c->ip[6], c->ip[6]}};
}

static geocl_tensor *run_conv2d(geocl_tensor *const *in, const op_case *c) {
  geocl_conv2d_opts o = conv_opts(c);
  return geocl_conv2d(in[0], in[1], c->n_in > 2 ? in[2] : NULL, &o);
}

/* the input given as [N, C, W, H] and transposed: a non-contiguous x */
static geocl_tensor *run_conv2d_view(geocl_tensor *const *in, const op_case *c) {
  geocl_conv2d_opts o = conv_opts(c);
  return geocl_conv2d(geocl_transpose(in[0], 2, 3), in[1], c->n_in > 2 ? in[2] : NULL, &o);
}

static geocl_tensor *run_conv_transpose2d(geocl_tensor *const *in, const op_case *c) {
  geocl_conv2d_opts o = conv_opts(c);
  return geocl_conv_transpose2d(in[0], in[1], c->n_in > 2 ? in[2] : NULL, &o);
}

/* ip: kernel (rows, columns), stride (both), padding (both), dilation (both),
 * ceil mode; ip[6]: ReLU first (ties at 0) */
static geocl_tensor *run_max_pool2d(geocl_tensor *const *in, const op_case *c) {
  geocl_pool2d_opts o = {.kernel = {c->ip[0], c->ip[1]}, .stride = {c->ip[2], c->ip[2]}, .padding = {c->ip[3], c->ip[3]},
                         .dilation = {c->ip[4], c->ip[4]}, .ceil_mode = c->ip[5]};
  return geocl_max_pool2d(c->ip[6] ? geocl_relu(in[0]) : in[0], &o);
}

static geocl_tensor *run_global_avg_pool2d(geocl_tensor *const *in, const op_case *c) {
  return geocl_global_avg_pool2d(in[0]);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define TOL 1e-6, 1e-6
#define GRAD 1e-2, 2e-3
#define X(...) {4, {__VA_ARGS__}, U}
#define B(n) {1, {n}, U}

const op_case cases_conv[] = {
    {"conv2d/3x3_pad1_bias", 3, {X(2, 3, 9, 11), X(5, 3, 3, 3), B(5)}, run_conv2d, {1, 1, 1, 1, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/3x3_stride2_pad1", 2, {X(2, 4, 13, 7), X(6, 4, 3, 3)}, run_conv2d, {2, 2, 1, 1, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/3x3_batch1_bias", 3, {X(1, 3, 8, 7), X(4, 3, 3, 3), B(4)}, run_conv2d, {1, 1, 1, 1, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/1x1_batch1_bias", 3, {X(1, 13, 7, 9), X(11, 13, 1, 1), B(11)}, run_conv2d, {1, 1, 0, 0, 1, 1}, {0}, TOL,
     GRAD},
    {"conv2d/1x1_batch3", 2, {X(3, 13, 5, 7), X(6, 13, 1, 1)}, run_conv2d, {1, 1, 0, 0, 1, 1}, {0}, TOL, GRAD},
    /* dW = dy · colsᵀ (most others: dWᵀ = cols · dyᵀ): fewer column rows than
     * output channels, or many weights over few pixels */
    {"conv2d/3x3_few_pixels", 2, {X(2, 4, 3, 3), X(20, 4, 3, 3)}, run_conv2d, {1, 1, 1, 1, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/1x1_widening", 2, {X(2, 3, 6, 7), X(7, 3, 1, 1)}, run_conv2d, {1, 1, 0, 0, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/1x1_stride2", 2, {X(2, 8, 9, 9), X(5, 8, 1, 1)}, run_conv2d, {2, 2, 0, 0, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/7x7_stride2_pad3", 2, {X(2, 3, 17, 15), X(4, 3, 7, 7)}, run_conv2d, {2, 2, 3, 3, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/dilation2", 3, {X(2, 3, 11, 13), X(4, 3, 3, 3), B(4)}, run_conv2d, {1, 1, 2, 2, 2, 1}, {0}, TOL, GRAD},
    {"conv2d/rect_asymmetric", 2, {X(1, 2, 10, 9), X(3, 2, 2, 5)}, run_conv2d, {2, 1, 0, 2, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/groups2", 2, {X(2, 6, 7, 7), X(4, 3, 3, 3)}, run_conv2d, {1, 1, 1, 1, 1, 2}, {0}, TOL, GRAD},
    {"conv2d/depthwise", 3, {X(2, 5, 8, 9), X(5, 1, 3, 3), B(5)}, run_conv2d, {1, 1, 1, 1, 1, 5}, {0}, TOL, GRAD},
    {"conv2d/transposed_input", 2, {X(2, 3, 7, 6), X(4, 3, 3, 3)}, run_conv2d_view, {1, 1, 1, 1, 1, 1}, {0}, TOL, GRAD},
    /* 272 output pixels per image: one GEMM per image */
    {"conv2d/per_image_3x3_bias", 3, {X(2, 3, 17, 16), X(4, 3, 3, 3), B(4)}, run_conv2d, {1, 1, 1, 1, 1, 1}, {0}, TOL,
     GRAD},
    {"conv2d/per_image_1x1", 2, {X(3, 5, 16, 17), X(6, 5, 1, 1)}, run_conv2d, {1, 1, 0, 0, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/per_image_stride2", 2, {X(2, 4, 33, 32), X(3, 4, 3, 3)}, run_conv2d, {2, 2, 1, 1, 1, 1}, {0}, TOL, GRAD},
    {"conv2d/wide_k100", 2, {X(2, 25, 6, 5), X(7, 25, 2, 2)}, run_conv2d, {1, 1, 0, 0, 1, 1}, {0}, TOL, GRAD},
    {"conv_transpose2d/k2s2_bias", 3, {X(2, 6, 5, 7), X(6, 4, 2, 2), B(4)}, run_conv_transpose2d, {2, 2, 0, 0, 1, 1},
     {0}, TOL, GRAD},
    {"conv_transpose2d/k4s4_batch1", 2, {X(1, 5, 3, 4), X(5, 3, 4, 4)}, run_conv_transpose2d, {4, 4, 0, 0, 1, 1}, {0},
     TOL, GRAD},
    {"conv_transpose2d/k3s2p1_outpad1", 3, {X(2, 4, 5, 6), X(4, 3, 3, 3), B(3)}, run_conv_transpose2d,
     {2, 2, 1, 1, 1, 1, 1}, {0}, TOL, GRAD},
    {"conv_transpose2d/k1_widening", 2, {X(2, 3, 4, 5), X(3, 8, 1, 1)}, run_conv_transpose2d, {1, 1, 0, 0, 1, 1}, {0},
     TOL, GRAD},
    {"conv_transpose2d/k1_batch1", 2, {X(1, 7, 5, 6), X(7, 4, 1, 1)}, run_conv_transpose2d, {1, 1, 0, 0, 1, 1}, {0},
     TOL, GRAD},
    {"conv_transpose2d/groups2_dilation2", 2, {X(2, 4, 5, 5), X(4, 3, 3, 3)}, run_conv_transpose2d,
     {1, 1, 1, 1, 2, 2}, {0}, TOL, GRAD},
    /* max pooling: gradient steps smaller than the gaps between window values */
    {"max_pool2d/3x3_stride2_pad1", 1, {X(2, 3, 13, 11)}, run_max_pool2d, {3, 3, 2, 1, 1, 0}, {0}, TOL, 1e-4, 2e-3},
    {"max_pool2d/2x2", 1, {X(2, 3, 8, 9)}, run_max_pool2d, {2, 2, 2, 0, 1, 0}, {0}, TOL, 1e-4, 2e-3},
    {"max_pool2d/3x2_stride1_overlap", 1, {X(1, 2, 7, 6)}, run_max_pool2d, {3, 2, 1, 1, 1, 0}, {0}, TOL, 1e-4, 2e-3},
    {"max_pool2d/ceil_dilation2", 1, {X(1, 2, 10, 11)}, run_max_pool2d, {3, 3, 2, 1, 2, 1}, {0}, TOL, 1e-4, 2e-3},
    /* ReLU first: windows of zeros, the gradient to the first of the ties
     * (compared across backends; no numerical gradient at the ties) */
    {"max_pool2d/ties", 1, {X(2, 3, 9, 9)}, run_max_pool2d, {3, 3, 2, 1, 1, 0, 1}, {0}, TOL, 0, 0},
    {"global_avg_pool2d/plain", 1, {X(2, 5, 7, 9)}, run_global_avg_pool2d, {0}, {0}, TOL, GRAD},
    {NULL},
};
