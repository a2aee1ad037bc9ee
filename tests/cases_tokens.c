/* SPDX-License-Identifier: MIT */
/* Op cases: patchify, unpatchify, patch_embed, gather_rows, scatter_rows. */
#include "op_harness.h"

/* ip[0]: patch size p */
static geocl_tensor *run_patchify(geocl_tensor *const *in, const op_case *c) {
  return geocl_patchify(in[0], (int)c->ip[0]);
}
/* ip: p, h, w */
static geocl_tensor *run_unpatchify(geocl_tensor *const *in, const op_case *c) {
  return geocl_unpatchify(in[0], (int)c->ip[0], (int)c->ip[1], (int)c->ip[2]);
}
/* in: img, weight, bias (n_in = 3); ip[0]: p */
static geocl_tensor *run_patch_embed(geocl_tensor *const *in, const op_case *c) {
  return geocl_patch_embed(in[0], in[1], c->n_in > 2 ? in[2] : NULL, (int)c->ip[0]);
}
static geocl_tensor *run_gather_rows(geocl_tensor *const *in, const op_case *c) {
  return geocl_gather_rows(in[0], in[1]);
}
static geocl_tensor *run_scatter_rows(geocl_tensor *const *in, const op_case *c) {
  return geocl_scatter_rows(in[0], in[1], in[2]);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define IDX(n) IN_INDEX, 0, 0, n, false
#define GRAD 1e-2, 2e-3
#define IMG {4, {2, 3, 32, 48}, U}

const op_case cases_tokens[] = {
    {"patchify/p16", 1, {IMG}, run_patchify, {16}, {0}, 0, 0, GRAD},
    {"patchify/p8", 1, {IMG}, run_patchify, {8}, {0}, 0, 0, GRAD},
    {"unpatchify/p16", 1, {{3, {2, 6, 768}, U}}, run_unpatchify, {16, 2, 3}, {0}, 0, 0, GRAD},
    {"unpatchify/p8", 1, {{3, {2, 24, 192}, U}}, run_unpatchify, {8, 4, 6}, {0}, 0, 0, GRAD},
    /* 768-term dot products (float GEMM on OpenCL, double on the reference) */
    {"patch_embed/bias", 3, {IMG, {4, {24, 3, 16, 16}, U}, {1, {24}, U}}, run_patch_embed, {16}, {0}, 3e-6, 3e-6,
     GRAD},
    {"patch_embed/no_bias", 2, {IMG, {4, {24, 3, 16, 16}, U}}, run_patch_embed, {16}, {0}, 3e-6, 3e-6, GRAD},
    {"gather_rows/basic", 2, {{3, {2, 13, 7}, U}, {2, {2, 5}, IDX(13)}}, run_gather_rows, {0}, {0}, 0, 0, GRAD},
    {"gather_rows/all_rows", 2, {{3, {1, 13, 7}, U}, {2, {1, 13}, IDX(13)}}, run_gather_rows, {0}, {0}, 0, 0, GRAD},
    {"scatter_rows/basic", 3, {{3, {2, 13, 7}, U}, {2, {2, 5}, IDX(13)}, {3, {2, 5, 7}, U}}, run_scatter_rows, {0},
     {0}, 0, 0, GRAD},
    {"scatter_rows/all_rows", 3, {{3, {1, 13, 7}, U}, {2, {1, 13}, IDX(13)}, {3, {1, 13, 7}, U}}, run_scatter_rows,
     {0}, {0}, 0, 0, GRAD},
    {NULL},
};
