/* SPDX-License-Identifier: MIT */
/* Vision-transformer blocks (layers library, see geocl/layers.h for the
 * declare / bind / init / apply pattern), named and computed as the official
 * CroCo code (naver/croco models/blocks.py): pre-norm blocks, LayerNorm eps
 * 1e-6, exact GELU, qkv packed [q|k|v] with contiguous heads, optional 2D RoPE
 * in every attention; and the position tables of models/pos_embed.py. */
#ifndef GEOCL_VIT_H
#define GEOCL_VIT_H

#include <stdbool.h>

#include <geocl/layers.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOCL_VIT_LN_EPS 1e-6f

/* Positions and RoPE settings shared by the attentions of one forward pass. */
typedef struct geocl_vit_rope {
  float base;        /* 0: no RoPE */
  geocl_tensor *pos; /* i32 [B, N, 2] (row, col) of the tokens */
} geocl_vit_rope;

/* Self-attention block (models/blocks.py Block): norm1, attn.qkv, attn.proj,
 * norm2, mlp.fc1, mlp.fc2. */
typedef struct geocl_vit_block {
  geocl_layernorm_layer norm1, norm2;
  geocl_linear_layer qkv, proj, fc1, fc2;
  int heads;
} geocl_vit_block;

/* Decoder block with cross-attention (models/blocks.py DecoderBlock). */
typedef struct geocl_vit_dec_block {
  geocl_layernorm_layer norm1, norm2, norm3, norm_y; /* norm_y.weight NULL when norm_im2_in_dec is off */
  geocl_linear_layer qkv, proj;                 /* self-attention */
  geocl_linear_layer projq, projk, projv, cproj; /* cross-attention */
  geocl_linear_layer fc1, fc2;
  int heads;
} geocl_vit_dec_block;

/* --- declaring parameters (before geocl_params_finalize) --- */
geocl_status geocl_vit_block_declare(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden);
geocl_status geocl_vit_dec_block_declare(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden, bool norm_y);

/* --- binding the declared names to tensors (after finalize) --- */
geocl_status geocl_vit_block_bind(geocl_params *p, const char *prefix, int heads, geocl_vit_block *b);
geocl_status geocl_vit_dec_block_bind(geocl_params *p, const char *prefix, int heads, bool norm_y, geocl_vit_dec_block *b);

/* --- initialisation as the official code: xavier-uniform linears with zero
 * bias, LayerNorm γ = 1, β = 0 --- */
geocl_status geocl_vit_block_init(const geocl_vit_block *b, geocl_rng *rng);
geocl_status geocl_vit_dec_block_init(const geocl_vit_dec_block *b, geocl_rng *rng);

/* --- forward --- */
geocl_tensor *geocl_vit_block_apply(const geocl_vit_block *b, geocl_tensor *x, const geocl_vit_rope *rope);
/* x: image-1 stream, y: memory (image-2 tokens; each block applies its own norm_y). */
geocl_tensor *geocl_vit_dec_block_apply(const geocl_vit_dec_block *b, geocl_tensor *x, geocl_tensor *y, const geocl_vit_rope *xrope,
                                  const geocl_vit_rope *yrope);

/* --- position tables (host) --- */
/* CroCo v1 2D sin-cos embedding [h·w, dim] (dim % 4 == 0):
 * [sin x, cos x, sin y, cos y] with ω_k = 10000^(−k/(dim/4)). */
void geocl_sincos_pos_embed_2d(float *out, int h, int w, int dim);
/* Patch grid positions [h·w, 2] = (row, col), row-major. */
void geocl_grid_positions(int32_t *out, int h, int w);

#ifdef __cplusplus
}
#endif
#endif
