/* SPDX-License-Identifier: MIT */
/* croco and mae as backbones of downstream heads, as the official downstream
 * models use them (naver/croco models/croco_downstream.py): images encoded
 * without masking; the encoder returns every block's output with enc_norm on
 * the last only; the binocular model decodes image 1's tokens against image
 * 2's, returning every decoder block's output with dec_norm on the last
 * only. */
#include <stdio.h>
#include <string.h>

#include "mim.h"

geocl_status mim_input_size(void *state, geocl_input_size *size) {
  const mim_model *m = state;
  size->height = m->cfg.img_h;
  size->width = m->cfg.img_w;
  size->points = 0;
  return GEOCL_OK;
}

geocl_status mim_backbone_create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params,
                                 const geocl_backbone_req *req, const char *task, bool cross, void **state) {
  if (req->binocular && !cross)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "%s has no cross-attention decoder: it can serve only as an encoder "
                                                "(a binocular head needs croco)", task);
  mim_model *m;
  geocl_status st = mim_create(ctx, cfg, params, task, cross, req->binocular ? MIM_BINOCULAR : MIM_ENCODER, &m);
  if (st == GEOCL_OK) *state = m;
  return st;
}

geocl_status mim_backbone_info(void *state, geocl_backbone_info *info) {
  const mim_model *m = state;
  const mim_config *c = &m->cfg;
  memset(info, 0, sizeof *info);
  int64_t n = c->enc_depth + (m->role == MIM_BINOCULAR ? c->dec_depth : 0);
  if (n > GEOCL_BACKBONE_MAX_BLOCKS)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "%s: %lld blocks, more than a backbone may list (%d)", m->task,
                           (long long)n, GEOCL_BACKBONE_MAX_BLOCKS);
  for (int64_t i = 0; i < c->enc_depth; i++) {
    snprintf(info->block[info->n_blocks], sizeof info->block[0], "enc.%d", (int)i);
    info->dim[info->n_blocks++] = c->enc_dim;
  }
  for (int64_t i = 0; m->role == MIM_BINOCULAR && i < c->dec_depth; i++) {
    snprintf(info->block[info->n_blocks], sizeof info->block[0], "dec.%d", (int)i);
    info->dim[info->n_blocks++] = c->dec_dim;
  }
  info->enc_depth = (int)c->enc_depth;
  info->dec_depth = m->role == MIM_BINOCULAR ? (int)c->dec_depth : 0;
  info->height = c->img_h;
  info->width = c->img_w;
  info->patch = c->patch;
  return GEOCL_OK;
}

static const char *hooked(const geocl_backbone_req *req, const char *name) {
  for (int i = 0; i < req->n_hooks; i++)
    if (!strcmp(req->hooks[i], name)) return req->hooks[i];
  return NULL;
}

/* Encoder blocks on all tokens; the hooked outputs (image-1 rows: the first
 * b1 of the batch) go to features.  Returns the normalised last output. */
static geocl_tensor *encode(mim_model *m, geocl_tensor *x, geocl_tensor *pos, int64_t b1,
                            const geocl_backbone_req *req, geocl_outputs *features) {
  const mim_config *c = &m->cfg;
  geocl_vit_rope rope = {c->rope_base, pos};
  for (int64_t i = 0; x && i < c->enc_depth; i++) {
    x = geocl_vit_block_apply(&m->enc_blocks[i], x, &rope);
    if (i == c->enc_depth - 1) x = geocl_layernorm_layer_apply(&m->enc_norm, x, GEOCL_VIT_LN_EPS);
    char name[32];
    snprintf(name, sizeof name, "enc.%d", (int)i);
    const char *hook = hooked(req, name);
    if (hook && geocl_outputs_add(features, hook, geocl_narrow(x, 0, 0, b1)) != GEOCL_OK) return NULL;
  }
  return c->enc_depth ? x : geocl_layernorm_layer_apply(&m->enc_norm, x, GEOCL_VIT_LN_EPS);
}

static geocl_status decode(mim_model *m, geocl_tensor *enc1, geocl_tensor *enc2, geocl_tensor *pos,
                           const geocl_backbone_req *req, geocl_outputs *features) {
  const mim_config *c = &m->cfg;
  geocl_tensor *f1 = mim_decoder_memory(m, enc1), *f2 = mim_decoder_memory(m, enc2);
  geocl_vit_rope rope = {c->rope_base, pos};
  for (int64_t i = 0; f1 && i < c->dec_depth; i++) {
    f1 = geocl_vit_dec_block_apply(&m->dec_cross[i], f1, f2, &rope, &rope);
    if (i == c->dec_depth - 1) f1 = geocl_layernorm_layer_apply(&m->dec_norm, f1, GEOCL_VIT_LN_EPS);
    char name[32];
    snprintf(name, sizeof name, "dec.%d", (int)i);
    const char *hook = hooked(req, name);
    if (hook && f1) {
      geocl_status st = geocl_outputs_add(features, hook, f1);
      if (st != GEOCL_OK) return st;
    }
  }
  return f1 ? GEOCL_OK : geocl_last_status();
}

geocl_status mim_backbone_forward(void *state, const geocl_batch *b, const geocl_backbone_req *req,
                                  geocl_outputs *features) {
  mim_model *m = state;
  geocl_status st = mim_bind(m);
  if (st != GEOCL_OK) return st;
  geocl_tensor *img1 = geocl_batch_require(b, m->task, "image1");
  geocl_tensor *img2 = m->role == MIM_BINOCULAR ? geocl_batch_require(b, m->task, "image2") : NULL;
  if (!img1 || (m->role == MIM_BINOCULAR && !img2)) return geocl_last_status();
  int64_t B = b->size;
  /* both images through the encoder as one batch (the official code does the same) */
  geocl_tensor *imgs = img2 ? geocl_concat(2, (geocl_tensor *[]){img1, img2}, 0) : img1;
  geocl_tensor *pos = m->cfg.rope_base > 0 ? mim_grid_positions(m, img2 ? 2 * B : B) : NULL;
  geocl_tensor *enc = encode(m, mim_embed(m, imgs), pos, B, req, features);
  if (!enc) return geocl_last_status();
  if (m->role != MIM_BINOCULAR) return GEOCL_OK;
  geocl_tensor *pos1 = pos ? geocl_narrow(pos, 0, 0, B) : NULL;
  return decode(m, geocl_narrow(enc, 0, 0, B), geocl_narrow(enc, 0, B, B), pos1, req, features);
}
