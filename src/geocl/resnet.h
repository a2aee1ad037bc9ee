/* SPDX-License-Identifier: MIT */
/* ResNet backbones (He et al., "Deep Residual Learning for Image
 * Recognition", 2016) as torchvision builds them (torchvision/models/resnet.py)
 * and mmdet's ResNet with style 'pytorch' (mmdet/models/backbones/resnet.py):
 * BasicBlock for depths 18 and 34, Bottleneck (expansion 4, the stride on its
 * 3×3 convolution) for 50, 101 and 152; stem conv 7×7/2 (padding 3) – BN –
 * ReLU – max pool 3×3/2 (padding 1); no convolution biases.  apply returns
 * the outputs of the four stages, C2–C5 (strides 4, 8, 16, 32), and no
 * classifier.
 *
 * Names are torchvision's (and mmdet's) under the given prefix: conv1,
 * bn1, layer1.0.conv1, layer1.0.bn1, …, layerN.0.downsample.0 (the 1×1
 * shortcut convolution) and layerN.0.downsample.1 (its batch norm), so a
 * torchvision or SimIPU checkpoint (prefix "img_backbone") loads by name.
 * Declare / bind / init / apply as every layer (geocl/conv.h). */
#ifndef GEOCL_RESNET_H
#define GEOCL_RESNET_H

#include <geocl/conv.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_resnet_config {
  int depth;           /* 18, 34, 50, 101 or 152 */
  int64_t in_channels; /* 0: 3 */
  float bn_eps;        /* 0: PyTorch's 1e-5 (SimIPU: 1e-3) */
  float bn_momentum;   /* 0: PyTorch's 0.1 (SimIPU: 0.01) */
  /* every batch norm in eval mode even when training (mmdet's norm_eval) */
  bool norm_eval;
  /* KAIMING_FAN_OUT is torchvision's init (with BN γ = 1, β = 0);
   * TORCH_DEFAULT what SimIPU's encoder gets (it never calls init_weights) */
  geocl_conv_init init;
} geocl_resnet_config;

/* One residual block: conv1–bn1, conv2–bn2 (and conv3–bn3 in a
 * bottleneck), and the shortcut's downsample convolution and batch norm
 * where the block changes the stride or the width. */
typedef struct geocl_resnet_block {
  geocl_conv2d_layer conv1, conv2, conv3, down_conv;
  geocl_batchnorm_layer bn1, bn2, bn3, down_bn;
  bool bottleneck, downsample;
} geocl_resnet_block;

typedef struct geocl_resnet {
  geocl_resnet_config config;
  geocl_conv2d_layer conv1;
  geocl_batchnorm_layer bn1;
  int blocks[4];                   /* per stage */
  geocl_resnet_block *stage[4];    /* owned: geocl_resnet_release frees them */
  int64_t channels[4];             /* of C2–C5: 64·e … 512·e, e = 1 (basic) or 4 (bottleneck) */
} geocl_resnet;

geocl_status geocl_resnet_declare(geocl_params *p, const char *prefix, const geocl_resnet_config *c);
geocl_status geocl_resnet_bind(geocl_params *p, const char *prefix, const geocl_resnet_config *c, geocl_resnet *r);
void geocl_resnet_release(geocl_resnet *r);
geocl_status geocl_resnet_init(const geocl_resnet *r, geocl_rng *rng);
/* x [N, in_channels, H, W] → out[0..3] = C2 … C5 ([N, channels[i], ⌈H/2^(i+2)⌉, …]).
 * training: batch statistics and running updates in every batch norm
 * (unless norm_eval).  Returns the status; out[] are NULL on failure. */
geocl_status geocl_resnet_apply(const geocl_resnet *r, geocl_tensor *x, bool training, geocl_tensor *out[4]);
/* The same with the stem's output first (after conv1–bn1–ReLU, before the
 * max pool; stride 2, 64 channels): out[0..4] = stem, C2 … C5, mmseg's and
 * the depth toolbox's ResNet with out_indices (0, 1, 2, 3, 4). */
geocl_status geocl_resnet_apply_with_stem(const geocl_resnet *r, geocl_tensor *x, bool training, geocl_tensor *out[5]);

#ifdef __cplusplus
}
#endif
#endif
