/* The mae pretext plugin: single-view masked image modelling, the baseline
 * CroCo compares against.  Same encoder, positions, masking and loss as
 * croco; the decoder blocks are plain self-attention blocks (no image 2, no
 * cross-attention).  Parameter names follow croco's scheme: dec_blocks.{j}.
 * norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2. */
#include <stdio.h>
#include <stdlib.h>

#include "../vit/mim.h"

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

typedef struct mae {
  mim_model m;
  vit_block *dec_blocks;
} mae;

static void destroy(void *state) {
  mae *s = state;
  if (!s) return;
  mim_release(&s->m);
  free(s->dec_blocks);
  free(s);
}

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, void **out) {
  mae *s = calloc(1, sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "mae: out of memory");
  s->m.task = "mae";
  s->m.ctx = ctx;
  s->m.params = params;
  geocl_status st = mim_config_read("mae", cfg, &s->m.cfg);
  const mim_config *c = &s->m.cfg;
  if (st == GEOCL_OK) st = mim_declare_head(&s->m);
  char n[64];
  for (int64_t i = 0; st == GEOCL_OK && i < c->dec_depth; i++) {
    snprintf(n, sizeof n, "dec_blocks.%lld", (long long)i);
    st = vit_declare_block(params, n, c->dec_dim, c->dec_hidden);
  }
  if (st == GEOCL_OK) st = mim_declare_tail(&s->m);
  if (st != GEOCL_OK) {
    destroy(s);
    return st;
  }
  *out = s;
  return GEOCL_OK;
}

static geocl_status bind(mae *s) {
  if (s->dec_blocks) return GEOCL_OK;
  geocl_status st = mim_bind(&s->m);
  const mim_config *c = &s->m.cfg;
  vit_block *blocks = st == GEOCL_OK ? calloc((size_t)(c->dec_depth ? c->dec_depth : 1), sizeof *blocks) : NULL;
  if (st == GEOCL_OK && !blocks) st = geocl_set_error(GEOCL_E_NOMEM, "mae: out of memory");
  char n[64];
  for (int64_t i = 0; st == GEOCL_OK && i < c->dec_depth; i++) {
    snprintf(n, sizeof n, "dec_blocks.%lld", (long long)i);
    st = vit_bind_block(s->m.params, n, (int)c->dec_heads, &blocks[i]);
  }
  if (st == GEOCL_OK) s->dec_blocks = blocks;
  else free(blocks);
  return st;
}

static geocl_status init_weights(void *state, geocl_rng *rng) {
  mae *s = state;
  geocl_status st = bind(s);
  if (st == GEOCL_OK) st = mim_init(&s->m, rng);
  for (int64_t i = 0; st == GEOCL_OK && i < s->m.cfg.dec_depth; i++) st = vit_init_block(&s->dec_blocks[i], rng);
  return st;
}

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  mae *s = state;
  mim_model *m = &s->m;
  geocl_status st = bind(s);
  if (st != GEOCL_OK) return st;
  if (!b->image1) return geocl_set_error(GEOCL_E_INVALID, "mae: needs image1");
  mim_masking mk;
  st = mim_masking_make(m, b, geocl_ctx_rng(m->ctx), &mk);
  if (st != GEOCL_OK) return st;
  geocl_tensor *grid = m->cfg.rope_base > 0 ? mim_grid_positions(m, b->size) : NULL;
  geocl_tensor *feat1 = mim_encode(m, geocl_gather_rows(mim_embed(m, b->image1), mk.visible), mk.visible_pos);
  geocl_tensor *f = mim_decoder_input(m, feat1, &mk);
  vit_rope rope = {m->cfg.rope_base, grid};
  for (int64_t i = 0; i < m->cfg.dec_depth; i++) f = vit_block_apply(&s->dec_blocks[i], f, &rope);
  st = mim_predict_and_loss(m, f, b->image1, &mk, out);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "feat1", feat1);
  return st;
}

static geocl_tensor *visualize(void *state, const geocl_batch *b, const geocl_outputs *out) {
  geocl_batch single = *b;
  single.image2 = NULL;
  return mim_visualize(&((mae *)state)->m, &single, out);
}

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "mae",
    .kind = GEOCL_PLUGIN_PRETEXT,
    .summary = "MAE masked autoencoding of a single image (the baseline CroCo compares with)",
    .inputs = "image",
    .options = options,
    .presets = presets,
    .default_preset = "tiny",
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .visualize = visualize,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
