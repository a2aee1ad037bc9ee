/* SPDX-License-Identifier: MIT */
/* The DPT head (layers library, see geocl/layers.h for the declare / bind /
 * init / apply pattern): dense prediction from four token maps of a ViT, as
 * CroCo's downstream models use it (naver/croco models/dpt_block.py,
 * DPTOutputAdapter with head_type 'regression'; Ranftl et al., "Vision
 * Transformers for Dense Prediction", 2021).
 *
 * For tokens of a patch-16 grid h×w (token n = i·w + j):
 *   act_k_postprocess   the k-th hooked map [B, C_k, h, w] to layer_dims[k]
 *                       channels at 4×, 2×, 1× and ½× the grid: a 1×1 conv, then
 *                       a transposed conv (kernel = stride = 4, 2), nothing, or
 *                       a 3×3 conv with stride 2
 *   scratch.layerk_rn   3×3 conv to feature_dim, no bias
 *   scratch.refinenetk  fusion from coarse to fine: s = a + RCU1(b) (b the
 *                       finer map; refinenet4 has none), RCU2, bilinear ×2
 *                       with align_corners, a 1×1 out_conv; RCU(z) = z +
 *                       conv2(ReLU(conv1(ReLU(z)))), 3×3 convs with bias
 *   head                3×3 conv to feature_dim/2, bilinear ×2 (align_corners),
 *                       3×3 conv to last_dim, ReLU, 1×1 conv to num_channels
 * giving [B, num_channels, 16h, 16w], no final activation.  h and w must be
 * even.  Tensors are named as the official state dict names them under the
 * given prefix (e.g. "head.dpt"), without its aliases (scratch.layer_rn.*,
 * act_postprocess.*).  Initialisation is PyTorch's default for convolutions,
 * U(±1/√fan_in) for weights and biases (the official head is built after the
 * backbone's initialisation and keeps it). */
#ifndef GEOCL_DPT_H
#define GEOCL_DPT_H

#include <geocl/conv.h>
#include <geocl/layers.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_dpt_config {
  int64_t token_dims[4]; /* channels of the four hooked token maps */
  int64_t layer_dims[4]; /* default 96, 192, 384, 768 */
  int64_t feature_dim;   /* default 256 */
  int64_t last_dim;      /* default 32 */
  int64_t num_channels;  /* outputs per pixel */
} geocl_dpt_config;

/* The official sizes; token_dims and num_channels left 0. */
void geocl_dpt_config_default(geocl_dpt_config *c);

typedef struct geocl_dpt_rcu {
  geocl_conv2d_layer conv1, conv2;
} geocl_dpt_rcu;

typedef struct geocl_dpt {
  geocl_dpt_config cfg;
  geocl_conv2d_layer act_in[4];   /* act_k_postprocess.0, 1×1 */
  geocl_tensor *up_w[2], *up_b[2]; /* act_1/2_postprocess.1, transposed [Cin, Cout, k, k] */
  geocl_conv2d_layer act_down;    /* act_4_postprocess.1, 3×3 stride 2 */
  geocl_conv2d_layer layer_rn[4];
  struct {
    geocl_conv2d_layer out_conv;
    geocl_dpt_rcu rcu1, rcu2;
  } refine[4];
  geocl_conv2d_layer head[3]; /* head.0, head.2, head.4 */
} geocl_dpt;

geocl_status geocl_dpt_declare(geocl_params *p, const char *prefix, const geocl_dpt_config *c);
geocl_status geocl_dpt_bind(geocl_params *p, const char *prefix, const geocl_dpt_config *c, geocl_dpt *d);
geocl_status geocl_dpt_init(const geocl_dpt *d, geocl_rng *rng);
/* tokens: the four hooked maps [B, h·w, C_k]; returns [B, num_channels, 16h, 16w]. */
geocl_tensor *geocl_dpt_apply(const geocl_dpt *d, geocl_tensor *const tokens[4], int64_t h, int64_t w);

#ifdef __cplusplus
}
#endif
#endif
