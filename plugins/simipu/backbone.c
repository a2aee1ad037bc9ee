/* SPDX-License-Identifier: MIT */
/* simipu as a backbone of downstream heads: its image encoder alone, the
 * ResNet the depth toolbox fine-tunes from a SimIPU checkpoint
 * (zhyever/Monocular-Depth-Estimation-Toolbox configs/_base_/models/densedepth.py:
 * ResNet, style 'pytorch', out_indices (0, 1, 2, 3, 4), BN with PyTorch's
 * eps 1e-5 and momentum 0.1, not frozen).  The tensors keep the pre-training
 * names (img_backbone.*), so `--init` reads a simipu run's checkpoint as it is.
 *
 * Blocks: "stem" (conv1–bn1–ReLU, stride 2), "layer1" … "layer4" (C2–C5,
 * strides 4 … 32).  Features are maps [B, C, h, w], not tokens (patch 0);
 * the encoder takes any image whose sides are multiples of 32. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simipu.h"

static const char *const block_names[SIMIPU_BACKBONE_BLOCKS] = {"stem", "layer1", "layer2", "layer3", "layer4"};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params,
                           const geocl_backbone_req *req, void **state) {
  if (req->binocular)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "simipu serves only as a monocular image encoder (a binocular head "
                                                "needs croco)");
  simipu_model *m = calloc(1, sizeof *m);
  if (!m) return geocl_set_error(GEOCL_E_NOMEM, "simipu: out of memory");
  *state = m;
  m->ctx = ctx;
  m->params = params;
  m->backbone_only = true;
  geocl_status st = simipu_config_parse(cfg, &m->cfg);
  geocl_resnet_config rc = simipu_resnet_config(m);
  if (st == GEOCL_OK) st = geocl_resnet_declare(params, "img_backbone", &rc);
  return st;
}

static geocl_status info(void *state, geocl_backbone_info *out) {
  const simipu_model *m = state;
  memset(out, 0, sizeof *out);
  int64_t c2 = simipu_img_channels(&m->cfg) / 8; /* C5 = 8·C2 for both block kinds */
  const int64_t dims[SIMIPU_BACKBONE_BLOCKS] = {64, c2, 2 * c2, 4 * c2, 8 * c2};
  for (int i = 0; i < SIMIPU_BACKBONE_BLOCKS; i++) {
    snprintf(out->block[i], sizeof out->block[i], "%s", block_names[i]);
    out->dim[i] = dims[i];
  }
  out->n_blocks = SIMIPU_BACKBONE_BLOCKS;
  out->enc_depth = SIMIPU_BACKBONE_BLOCKS;
  return GEOCL_OK; /* height, width, patch 0: any multiple of 32 */
}

static geocl_status forward(void *state, const geocl_batch *b, const geocl_backbone_req *req,
                            geocl_outputs *features) {
  simipu_model *m = state;
  geocl_status st = simipu_bind(m);
  geocl_tensor *img = st == GEOCL_OK ? geocl_batch_require(b, "simipu", "image1") : NULL;
  if (!img) return geocl_last_status();
  int64_t H = geocl_dim(img, 2), W = geocl_dim(img, 3);
  if (H % 32 || W % 32)
    return geocl_set_error(GEOCL_E_INVALID, "simipu: image1 is %lldx%lld; the ResNet encoder needs multiples of 32",
                           (long long)H, (long long)W);
  geocl_tensor *maps[SIMIPU_BACKBONE_BLOCKS];
  st = geocl_resnet_apply_with_stem(&m->img, img, b->training, maps);
  for (int k = 0; k < req->n_hooks && st == GEOCL_OK; k++) {
    int i = 0;
    while (i < SIMIPU_BACKBONE_BLOCKS && strcmp(req->hooks[k], block_names[i])) i++;
    if (i == SIMIPU_BACKBONE_BLOCKS)
      return geocl_set_error(GEOCL_E_INVALID, "simipu: no block %s (blocks: stem, layer1, layer2, layer3, layer4)",
                             req->hooks[k]);
    st = geocl_outputs_add(features, req->hooks[k], maps[i]);
  }
  return st;
}

const geocl_backbone_ops simipu_backbone_ops = {.create = create, .info = info, .forward = forward};
