/* SPDX-License-Identifier: MIT */
/* The mae pretext plugin: single-view masked image modelling, the baseline
 * CroCo compares against.  Same encoder, positions, masking and loss as
 * croco; the decoder blocks are plain self-attention blocks (no image 2, no
 * cross-attention).  Parameter names follow croco's scheme: dec_blocks.{j}.
 * norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2. */
#include "../mim/mim.h"

static const geocl_option options[] = {MIM_COMMON_OPTIONS, {NULL}};

static const geocl_preset presets[] = {
    {"tiny", "CPU-sized: 128², ViT enc 192/6/3, dec 128/2/4, RoPE100",
     "img_size=128 enc_embed_dim=192 enc_depth=6 enc_num_heads=3 dec_embed_dim=128 dec_depth=2 dec_num_heads=4 "
     "pos_embed=RoPE100 mask_ratio=0.75", 1e-2},
    {"small", "224², ViT enc 192/12/3, dec 192/4/3, RoPE100",
     "enc_embed_dim=192 enc_depth=12 enc_num_heads=3 dec_embed_dim=192 dec_depth=4 dec_num_heads=3 pos_embed=RoPE100 "
     "mask_ratio=0.75", 0},
    {"base", "ViT-B enc 768/12/12, dec 512/8/16, cosine, mask 0.75 (the MAE recipe)", "pos_embed=cosine mask_ratio=0.75", 0},
    {NULL},
};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *backbone,
                           void **out) {
  (void)backbone;
  mim_model *m;
  geocl_status st = mim_create(ctx, cfg, params, "mae", false, MIM_PRETRAIN, &m);
  if (st == GEOCL_OK) *out = m;
  return st;
}

static geocl_status init_weights(void *state, geocl_rng *rng) { return mim_init(state, rng); }

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  mim_model *m = state;
  geocl_status st = mim_bind(m);
  if (st != GEOCL_OK) return st;
  geocl_tensor *image1 = geocl_batch_require(b, "mae", "image1");
  if (!image1) return geocl_last_status();
  mim_masking mk;
  st = mim_masking_make(m, b, geocl_ctx_rng(m->ctx), &mk);
  if (st != GEOCL_OK) return st;
  geocl_tensor *grid = m->cfg.rope_base > 0 ? mim_grid_positions(m, b->size) : NULL;
  geocl_tensor *feat1 = mim_encode(m, geocl_gather_rows(mim_embed(m, image1), mk.visible), mk.visible_pos);
  geocl_vit_rope rope = {m->cfg.rope_base, grid};
  geocl_tensor *dec = mim_decode(m, mim_decoder_input(m, feat1, &mk), NULL, &rope);
  st = mim_predict_and_loss(m, dec, image1, &mk, out);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "feat1", feat1);
  return st;
}

static void destroy(void *state) { mim_free(state); }

static geocl_tensor *visualize(void *state, const geocl_batch *b, const geocl_outputs *out) {
  return mim_visualize(state, b, out);
}

static geocl_status backbone_create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params,
                                    const geocl_backbone_req *req, void **state) {
  return mim_backbone_create(ctx, cfg, params, req, "mae", false, state);
}

static const geocl_backbone_ops backbone = {
    .create = backbone_create,
    .info = mim_backbone_info,
    .forward = mim_backbone_forward,
};

static const char *const fields[] = {"image1", NULL};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "mae",
    .kind = GEOCL_PLUGIN_PRETEXT,
    .summary = "MAE masked autoencoding of a single image (the baseline CroCo compares with)",
    .options = options,
    .presets = presets,
    .default_preset = "tiny",
    .train_fields = fields,
    .infer_fields = fields,
    .pipeline = "pair",
    .input_size = mim_input_size,
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .visualize = visualize,
    .as_backbone = &backbone,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
