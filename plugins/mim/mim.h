/* SPDX-License-Identifier: MIT */
/* Masked image modelling shared by the croco and mae plugins: configuration,
 * the ViT encoder with CroCo's patch embedding and position encodings, the
 * decoder's embedding/mask-token/prediction-head parts, masking, the
 * normalised-pixel loss and the reconstruction picture (official CroCo
 * semantics, naver/croco models/croco.py). */
#ifndef GEOCL_PLUGIN_MIM_H
#define GEOCL_PLUGIN_MIM_H

#include <geocl/geocl.h>
#include <geocl/plugin.h>

#include <geocl/vit.h>

/* Options common to both plugins (CroCoNet constructor names). */
#define MIM_COMMON_OPTIONS                                                                                    \
  {"img_size", GEOCL_OPTION_SIZE, "224", "input image size: 224 or HxW (multiples of patch_size)"},          \
      {"patch_size", GEOCL_OPTION_INT, "16", "patch side in pixels"},                                         \
      {"mask_ratio", GEOCL_OPTION_FLOAT, "0.9", "share of image-1 patches masked (floor(ratio·N) of them)"},  \
      {"enc_embed_dim", GEOCL_OPTION_INT, "768", "encoder width"},                                            \
      {"enc_depth", GEOCL_OPTION_INT, "12", "encoder blocks"},                                                \
      {"enc_num_heads", GEOCL_OPTION_INT, "12", "encoder attention heads"},                                   \
      {"dec_embed_dim", GEOCL_OPTION_INT, "512", "decoder width"},                                            \
      {"dec_depth", GEOCL_OPTION_INT, "8", "decoder blocks"},                                                 \
      {"dec_num_heads", GEOCL_OPTION_INT, "16", "decoder attention heads"},                                   \
      {"mlp_ratio", GEOCL_OPTION_FLOAT, "4", "MLP hidden size = int(dim·mlp_ratio)"},                         \
      {"pos_embed", GEOCL_OPTION_STRING, "cosine", "cosine (2D sin-cos, CroCo v1) or RoPE<base>, base >= 1 (e.g. RoPE100)"}, \
      {"freq_loss_weight", GEOCL_OPTION_FLOAT, "0", "weight of a frequency-domain loss on masked patches (0: off)"}, \
      {"freq_loss_norm", GEOCL_OPTION_INT, "2", "1: L1 on spectrum magnitudes, 2: L2"}

typedef struct mim_config {
  int64_t img_h, img_w, patch, grid_h, grid_w, n_tokens, num_mask;
  int64_t enc_dim, enc_depth, enc_heads, dec_dim, dec_depth, dec_heads, enc_hidden, dec_hidden;
  double mask_ratio;
  float rope_base; /* 0 with cosine */
  bool norm_im2_in_dec;
  float freq_loss_weight;
  int freq_loss_norm;
} mim_config;

/* Read and validate the options (errors name the task and the option). */
geocl_status mim_config_read(const char *task, const geocl_config *cfg, mim_config *c);

/* What a model is built for: pre-training (every part), or a backbone of a
 * downstream head (naver/croco models/croco_downstream.py: no mask token, no
 * prediction head; the decoder only for the binocular model). */
typedef enum mim_role { MIM_PRETRAIN, MIM_ENCODER, MIM_BINOCULAR } mim_role;

typedef struct mim_model {
  const char *task;
  mim_config cfg;
  geocl_ctx *ctx;
  geocl_params *params;
  mim_role role;
  bool cross; /* decoder blocks cross-attend to image 2 (croco), or not (mae) */
  bool bound;
  /* encoder */
  geocl_tensor *mask_token, *enc_pos, *dec_pos, *pe_weight, *pe_bias;
  geocl_vit_block *enc_blocks;
  geocl_layernorm_layer enc_norm;
  /* decoder */
  geocl_linear_layer decoder_embed, prediction_head;
  geocl_layernorm_layer dec_norm;
  geocl_vit_dec_block *dec_cross; /* when cross */
  geocl_vit_block *dec_self;      /* otherwise */
  /* grid positions [B, N, 2] for the current batch size (RoPE) */
  geocl_tensor *grid_pos;
  int64_t grid_pos_batch;
} mim_model;

/* One forward pass's masking: per sample, the visible token indices (sorted)
 * and the mask, 1 = masked. */
typedef struct mim_masking {
  geocl_tensor *visible;     /* i32 [B, Nv] */
  geocl_tensor *visible_pos; /* i32 [B, Nv, 2] (RoPE) */
  geocl_tensor *mask;        /* f32 [B, N] */
} mim_masking;

/* Read the configuration and declare the parameters of role in the
 * official state-dict order (plugin create).  cross: croco's decoder, else
 * mae's. */
geocl_status mim_create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, const char *task, bool cross,
                        mim_role role, mim_model **out);
/* Bind the parameter tensors after finalize (idempotent; forward and
 * init_weights call it). */
geocl_status mim_bind(mim_model *m);
/* Official initialisation (plugin init_weights). */
geocl_status mim_init(mim_model *m, geocl_rng *rng);
void mim_free(mim_model *m);

/* Masks: from batch->mask when given (every sample must mask the same count),
 * else floor(mask_ratio·N) uniformly chosen patches per sample drawn from rng. */
geocl_status mim_masking_make(mim_model *m, const geocl_batch *b, geocl_rng *rng, mim_masking *out);
/* Patch embedding plus (cosine) positions of a full image: [B, N, D]. */
geocl_tensor *mim_embed(mim_model *m, geocl_tensor *img);
/* Encoder blocks and enc_norm on tokens x at positions pos ([B, n, 2] or NULL). */
geocl_tensor *mim_encode(mim_model *m, geocl_tensor *x, geocl_tensor *pos);
/* Two inputs through the encoder a block at a time, x1 first in each: the
 * results, and the order of every weight's gradient contributions, of
 * mim_encode(x1) then mim_encode(x2), with each block's weights used by both
 * back to back (the GEMM keeps their packed panels for the second). */
void mim_encode_pair(mim_model *m, geocl_tensor *x1, geocl_tensor *pos1, geocl_tensor *x2, geocl_tensor *pos2,
                     geocl_tensor **out1, geocl_tensor **out2);
/* Grid positions [B, N, 2] for batch size B (cached). */
geocl_tensor *mim_grid_positions(mim_model *m, int64_t batch);
/* decoder_embed of the visible encoder output, placed among mask tokens, plus
 * (cosine) positions: [B, N, d]. */
geocl_tensor *mim_decoder_input(mim_model *m, geocl_tensor *enc_visible, const mim_masking *mk);
/* Image-2 memory for the decoder: decoder_embed (+ cosine positions). */
geocl_tensor *mim_decoder_memory(mim_model *m, geocl_tensor *enc_full);
/* The decoder blocks on x, cross-attending to memory y when the model has
 * cross-attention (y NULL otherwise). */
geocl_tensor *mim_decode(mim_model *m, geocl_tensor *x, geocl_tensor *y, const geocl_vit_rope *rope);
/* dec_norm and prediction_head; fills out with pred, target, mask, loss, dec. */
geocl_status mim_predict_and_loss(mim_model *m, geocl_tensor *dec, geocl_tensor *img1, const mim_masking *mk,
                                  geocl_outputs *out);
/* Plugin glue shared by croco and mae: input size, and the backbone entries
 * (blocks "enc.i" and, binocular, "dec.j"; the last of each normalised, as
 * the official downstream models return them). */
geocl_status mim_input_size(void *state, geocl_input_size *size);
geocl_status mim_backbone_create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params,
                                 const geocl_backbone_req *req, const char *task, bool cross, void **state);
geocl_status mim_backbone_info(void *state, geocl_backbone_info *info);
geocl_status mim_backbone_forward(void *state, const geocl_batch *b, const geocl_backbone_req *req,
                                  geocl_outputs *features);

/* [B, 3, S + H, k·W] picture in the official demo's order (naver/croco
 * demo.py): [reference (image 2, CroCo),] masked input, reconstruction,
 * original, under a caption strip naming each panel (geocl_picture_labels). */
geocl_tensor *mim_visualize(mim_model *m, const geocl_batch *b, const geocl_outputs *out);

#endif
