/* SPDX-License-Identifier: MIT */
/* Vision-transformer building blocks shared by the croco and mae plugins,
 * named and computed as the official CroCo code (models/blocks.py):
 * pre-norm blocks, LayerNorm eps 1e-6, exact GELU, qkv packed [q|k|v] with
 * contiguous heads, optional 2D RoPE in every attention. */
#ifndef GEOCL_PLUGIN_VIT_H
#define GEOCL_PLUGIN_VIT_H

#include <geocl/geocl.h>
#include <geocl/params.h>

#define VIT_LN_EPS 1e-6f

/* Optimizer groups, CroCo's rule: 1-D tensors and biases are not decayed. */
enum { VIT_GROUP_DECAY = 0, VIT_GROUP_NO_DECAY = 1 };

/* Positions and RoPE settings shared by the attentions of one forward pass. */
typedef struct vit_rope {
  float base;        /* 0: no RoPE */
  geocl_tensor *pos; /* i32 [B, N, 2] (row, col) of the tokens */
} vit_rope;

typedef struct vit_linear {
  geocl_tensor *weight, *bias;
} vit_linear;

typedef struct vit_norm {
  geocl_tensor *weight, *bias;
} vit_norm;

/* Self-attention block (models/blocks.py Block): norm1, attn.qkv, attn.proj,
 * norm2, mlp.fc1, mlp.fc2. */
typedef struct vit_block {
  vit_norm norm1, norm2;
  vit_linear qkv, proj, fc1, fc2;
  int heads;
} vit_block;

/* Decoder block with cross-attention (models/blocks.py DecoderBlock). */
typedef struct vit_dec_block {
  vit_norm norm1, norm2, norm3, norm_y; /* norm_y.weight NULL when norm_im2_in_dec is off */
  vit_linear qkv, proj;                 /* self-attention */
  vit_linear projq, projk, projv, cproj; /* cross-attention */
  vit_linear fc1, fc2;
  int heads;
} vit_dec_block;

/* --- declaring parameters (before geocl_params_finalize) --- */
geocl_status vit_declare_linear(geocl_params *p, const char *prefix, int64_t in, int64_t out);
geocl_status vit_declare_norm(geocl_params *p, const char *prefix, int64_t dim);
geocl_status vit_declare_block(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden);
geocl_status vit_declare_dec_block(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden, bool norm_y);

/* --- binding the declared names to tensors (after finalize) --- */
geocl_status vit_bind_linear(geocl_params *p, const char *prefix, vit_linear *l);
geocl_status vit_bind_norm(geocl_params *p, const char *prefix, vit_norm *n);
geocl_status vit_bind_block(geocl_params *p, const char *prefix, int heads, vit_block *b);
geocl_status vit_bind_dec_block(geocl_params *p, const char *prefix, int heads, bool norm_y, vit_dec_block *b);

/* --- initialisation as the official code: xavier-uniform linears with zero
 * bias, LayerNorm γ = 1, β = 0 --- */
geocl_status vit_init_linear(const vit_linear *l, geocl_rng *rng);
geocl_status vit_init_norm(const vit_norm *n);
geocl_status vit_init_block(const vit_block *b, geocl_rng *rng);
geocl_status vit_init_dec_block(const vit_dec_block *b, geocl_rng *rng);
/* Fill t with U(−bound, bound) / N(mean, std) / a constant from the host. */
geocl_status vit_fill_uniform(geocl_tensor *t, geocl_rng *rng, float bound);
geocl_status vit_fill_normal(geocl_tensor *t, geocl_rng *rng, float mean, float std);
geocl_status vit_fill_const(geocl_tensor *t, float value);

/* --- forward --- */
geocl_tensor *vit_linear_apply(const vit_linear *l, geocl_tensor *x);
geocl_tensor *vit_norm_apply(const vit_norm *n, geocl_tensor *x);
geocl_tensor *vit_block_apply(const vit_block *b, geocl_tensor *x, const vit_rope *rope);
/* x: image-1 stream, y: memory (image-2 tokens; each block applies its own norm_y). */
geocl_tensor *vit_dec_block_apply(const vit_dec_block *b, geocl_tensor *x, geocl_tensor *y, const vit_rope *xrope,
                                  const vit_rope *yrope);

/* "prefix.name" into buf. */
const char *vit_name(char *buf, size_t size, const char *prefix, const char *name);

#endif
