/* SPDX-License-Identifier: MIT */
/* The croco pretext plugin: cross-view completion (CroCo v1 and v2).  Image 1
 * is masked; an encoder shared by both views encodes its visible patches and
 * all of image 2; a decoder with cross-attention to image 2 reconstructs the
 * masked patches.  Parameter names, initialisation and loss follow the
 * official code (models/croco.py), so official checkpoints load directly. */
#include "../mim/mim.h"

static const geocl_option options[] = {
    MIM_COMMON_OPTIONS,
    {"norm_im2_in_dec", GEOCL_OPTION_BOOL, "true", "each decoder block normalises the image-2 tokens (norm_y)"},
    {NULL},
};

static const geocl_preset presets[] = {
    {"tiny", "CPU-sized: 128², ViT enc 192/6/3, dec 128/2/4, RoPE100",
     "img_size=128 enc_embed_dim=192 enc_depth=6 enc_num_heads=3 dec_embed_dim=128 dec_depth=2 dec_num_heads=4 "
     "pos_embed=RoPE100", 1e-2},
    {"small", "224², ViT enc 192/12/3, dec 192/4/3, RoPE100",
     "enc_embed_dim=192 enc_depth=12 enc_num_heads=3 dec_embed_dim=192 dec_depth=4 dec_num_heads=3 pos_embed=RoPE100", 0},
    {"base", "CroCo v1 (CroCo.pth): ViT-B enc 768/12/12, dec 512/8/16, cosine", "pos_embed=cosine", 0},
    {"v2-base-small", "CroCo v2 ViT-B/small decoder: 768/12/12, 512/8/16, RoPE100", "pos_embed=RoPE100", 0},
    {"v2-base-base", "CroCo v2 ViT-B/base decoder: 768/12/12, 768/12/12, RoPE100",
     "dec_embed_dim=768 dec_depth=12 dec_num_heads=12 pos_embed=RoPE100", 0},
    {"v2-large-base", "CroCo v2 ViT-L/base decoder: 1024/24/16, 768/12/12, RoPE100",
     "enc_embed_dim=1024 enc_depth=24 enc_num_heads=16 dec_embed_dim=768 dec_depth=12 dec_num_heads=12 "
     "pos_embed=RoPE100", 0},
    {NULL},
};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *backbone,
                           void **out) {
  (void)backbone;
  mim_model *m;
  geocl_status st = mim_create(ctx, cfg, params, "croco", true, MIM_PRETRAIN, &m);
  if (st == GEOCL_OK) *out = m;
  return st;
}

static geocl_status init_weights(void *state, geocl_rng *rng) { return mim_init(state, rng); }

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  mim_model *m = state;
  geocl_status st = mim_bind(m);
  if (st != GEOCL_OK) return st;
  geocl_tensor *image1 = geocl_batch_require(b, "croco", "image1"), *image2 = geocl_batch_require(b, "croco", "image2");
  if (!image1 || !image2) return geocl_last_status();
  mim_masking mk;
  st = mim_masking_make(m, b, geocl_ctx_rng(m->ctx), &mk);
  if (st != GEOCL_OK) return st;
  geocl_tensor *grid = m->cfg.rope_base > 0 ? mim_grid_positions(m, b->size) : NULL;
  /* encoder: visible patches of image 1, all of image 2, same weights */
  geocl_tensor *x1 = geocl_gather_rows(mim_embed(m, image1), mk.visible), *x2 = mim_embed(m, image2);
  geocl_tensor *feat1, *feat2;
  mim_encode_pair(m, x1, mk.visible_pos, x2, grid, &feat1, &feat2);
  /* decoder: image-1 stream with mask tokens, cross-attending to image 2 */
  geocl_vit_rope rope = {m->cfg.rope_base, grid};
  geocl_tensor *dec = mim_decode(m, mim_decoder_input(m, feat1, &mk), mim_decoder_memory(m, feat2), &rope);
  st = mim_predict_and_loss(m, dec, image1, &mk, out);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "feat1", feat1);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "feat2", feat2);
  return st;
}

static void destroy(void *state) { mim_free(state); }

static geocl_tensor *visualize(void *state, const geocl_batch *b, const geocl_outputs *out) {
  return mim_visualize(state, b, out);
}

static geocl_status backbone_create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params,
                                    const geocl_backbone_req *req, void **state) {
  return mim_backbone_create(ctx, cfg, params, req, "croco", true, state);
}

static const geocl_backbone_ops backbone = {
    .create = backbone_create,
    .info = mim_backbone_info,
    .forward = mim_backbone_forward,
};

static const char *const fields[] = {"image1", "image2", NULL};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "croco",
    .kind = GEOCL_PLUGIN_PRETEXT,
    .summary = "CroCo cross-view completion: reconstruct masked image 1 from image 2",
    .options = options,
    .presets = presets,
    .default_preset = "tiny",
    .train_fields = fields,
    .infer_fields = fields,
    .pipeline = "pair",
    .input_size = mim_input_size,
    .official_config_key = "croco_kwargs",
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .visualize = visualize,
    .as_backbone = &backbone,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
