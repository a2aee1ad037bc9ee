/* SPDX-License-Identifier: MIT */
/* Op cases: attention (self-attention on views of a packed qkv, cross-attention
 * with Nq ≠ Nk, with and without RoPE) and rope2d.  tests/check_attention.c
 * also runs the attention cases through the unfused path. */
#include "op_harness.h"

/* ip: heads, cross (q and a packed kv instead of a packed qkv), unfused.
 * fp: scale (0: head_dim^-1/2), rope_base (0: no RoPE).
 * Inputs: qkv [B, N, 3C] (+ pos [B, N, 2]), or q [B, Nq, C], kv [B, Nk, 2C]
 * (+ qpos [B, Nq, 2], kpos [B, Nk, 2]). */
static geocl_tensor *run_attention(geocl_tensor *const *in, const op_case *c) {
  geocl_attn_opts o = {.heads = (int)c->ip[0], .scale = c->fp[0], .rope_base = c->fp[1], .unfused = c->ip[2]};
  bool cross = c->ip[1];
  geocl_tensor *kv = in[cross];
  int64_t C = geocl_dim(kv, 2) / (cross ? 2 : 3);
  geocl_tensor *q = cross ? in[0] : geocl_narrow(kv, 2, 0, C);
  geocl_tensor *k = geocl_narrow(kv, 2, cross ? 0 : C, C), *v = geocl_narrow(kv, 2, cross ? C : 2 * C, C);
  if (o.rope_base > 0) {
    o.qpos = in[cross ? 2 : 1];
    o.kpos = in[cross ? 3 : 1];
  }
  return geocl_attention(q, k, v, &o);
}

/* rope2d of channels [C, 2C) of x [B, N, 3C] (a strided view): ip heads, fp base */
static geocl_tensor *run_rope2d(geocl_tensor *const *in, const op_case *c) {
  int64_t C = geocl_dim(in[0], 2) / 3;
  return geocl_rope2d(geocl_narrow(in[0], 2, C, C), (int)c->ip[0], in[1], c->fp[0]);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define POS IN_INT, 0, 0, 14, false
#define GRAD 1e-2, 2e-3
#define NO_GRAD 0, 0 /* too costly for central differences on the reference backend */
/* OpenCL (float, online softmax) against the reference (double) */
#define ATTN_TOL 2e-6, 4e-6
/* float sincos of angles up to 13 rad, θ from powr (16 ulp), against double */
#define ROPE_TOL 2e-6, 2e-6

const op_case cases_attention[] = {
    {"attention/self_n7_h1_d32", 1, {{3, {2, 7, 96}, U}}, run_attention, {1, 0}, {0, 0}, ATTN_TOL, GRAD},
    {"attention/self_n13_h3_d32", 1, {{3, {2, 13, 288}, U}}, run_attention, {3, 0}, {0, 0}, ATTN_TOL, GRAD},
    {"attention/self_n13_h2_d64_rope", 2, {{3, {2, 13, 384}, U}, {3, {2, 13, 2}, POS}}, run_attention, {2, 0},
     {0, 100}, ATTN_TOL, GRAD},
    {"attention/self_n7_h3_d32_rope_scale", 2, {{3, {2, 7, 288}, U}, {3, {2, 7, 2}, POS}}, run_attention, {3, 0},
     {0.3f, 100}, ATTN_TOL, GRAD},
    {"attention/self_n197_h3_d64", 1, {{3, {2, 197, 576}, U}}, run_attention, {3, 0}, {0, 0}, ATTN_TOL, NO_GRAD},
    {"attention/self_n197_h1_d32_rope", 2, {{3, {2, 197, 96}, U}, {3, {2, 197, 2}, POS}}, run_attention, {1, 0},
     {0, 100}, ATTN_TOL, NO_GRAD},
    {"attention/cross_13x7_h2_d32_rope", 4,
     {{3, {2, 13, 64}, U}, {3, {2, 7, 128}, U}, {3, {2, 13, 2}, POS}, {3, {2, 7, 2}, POS}}, run_attention, {2, 1},
     {0, 100}, ATTN_TOL, GRAD},
    {"attention/cross_7x13_h1_d64", 2, {{3, {2, 7, 64}, U}, {3, {2, 13, 128}, U}}, run_attention, {1, 1}, {0, 0},
     ATTN_TOL, GRAD},
    {"attention/cross_20x196_h3_d64_rope", 4,
     {{3, {2, 20, 192}, U}, {3, {2, 196, 384}, U}, {3, {2, 20, 2}, POS}, {3, {2, 196, 2}, POS}}, run_attention,
     {3, 1}, {0, 100}, ATTN_TOL, NO_GRAD},
    /* head dims no vector width divides: partial vectors of pairs and of rows */
    {"attention/self_n13_h2_d20_rope", 2, {{3, {2, 13, 120}, U}, {3, {2, 13, 2}, POS}}, run_attention, {2, 0},
     {0, 100}, ATTN_TOL, GRAD},
    {"attention/cross_13x7_h1_d13", 2, {{3, {2, 13, 13}, U}, {3, {2, 7, 26}, U}}, run_attention, {1, 1}, {0, 0},
     ATTN_TOL, GRAD},
    /* more rows than one work-group takes */
    {"attention/self_n300_h1_d16", 1, {{3, {2, 300, 48}, U}}, run_attention, {1, 0}, {0, 0}, ATTN_TOL, NO_GRAD},
    {"rope2d/n13_h3_d32", 2, {{3, {2, 13, 288}, U}, {3, {2, 13, 2}, POS}}, run_rope2d, {3}, {100}, ROPE_TOL, GRAD},
    {"rope2d/n197_h2_d64", 2, {{3, {2, 197, 384}, U}, {3, {2, 197, 2}, POS}}, run_rope2d, {2}, {100}, ROPE_TOL, GRAD},
    {NULL},
};
