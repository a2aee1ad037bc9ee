/* SPDX-License-Identifier: MIT */
/* Masked image modelling shared by croco and mae. */
#include <float.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mim.h"

/* CroCo's norm-pix eps (inside the square root of the unbiased variance) */
#define NORMPIX_EPS 1e-6f

/* ---- configuration ---- */

static geocl_status bad(const char *task, const char *what) {
  return geocl_set_error(GEOCL_E_INVALID, "%s: %s", task, what);
}

geocl_status mim_config_read(const char *task, const geocl_config *cfg, mim_config *c) {
  memset(c, 0, sizeof *c);
  char msg[256];
  geocl_config_size(cfg, "img_size", &c->img_h, &c->img_w);
  c->patch = geocl_config_int(cfg, "patch_size");
  c->mask_ratio = geocl_config_float(cfg, "mask_ratio");
  c->enc_dim = geocl_config_int(cfg, "enc_embed_dim");
  c->enc_depth = geocl_config_int(cfg, "enc_depth");
  c->enc_heads = geocl_config_int(cfg, "enc_num_heads");
  c->dec_dim = geocl_config_int(cfg, "dec_embed_dim");
  c->dec_depth = geocl_config_int(cfg, "dec_depth");
  c->dec_heads = geocl_config_int(cfg, "dec_num_heads");
  double mlp = geocl_config_float(cfg, "mlp_ratio");
  double freq_weight = geocl_config_float(cfg, "freq_loss_weight");
  int64_t freq_norm = geocl_config_int(cfg, "freq_loss_norm");
  if (!(freq_weight >= 0 && freq_weight <= FLT_MAX) || (freq_norm != 1 && freq_norm != 2))
    return bad(task, "freq_loss_weight must be a finite number ≥ 0 and freq_loss_norm 1 or 2");
  c->freq_loss_weight = (float)freq_weight;
  c->freq_loss_norm = (int)freq_norm;
  const char *pe = geocl_config_str(cfg, "pos_embed");
  char *end = NULL;
  double base = strncmp(pe, "RoPE", 4) ? 0 : strtod(pe + 4, &end);
  if (!strcmp(pe, "cosine")) c->rope_base = 0;
  else if (end && end != pe + 4 && !*end && base >= 1 && base <= FLT_MAX) c->rope_base = (float)base;
  else {
    snprintf(msg, sizeof msg, "pos_embed=%s: expected cosine or RoPE<base> with a finite base ≥ 1, such as RoPE100", pe);
    return bad(task, msg);
  }
  /* sizes passed on as int (heads, grid), and the patch whose 3·p² is a width */
  const struct {
    const char *key;
    int64_t v, max;
  } sizes[] = {{"img_size", c->img_h, INT_MAX},        {"img_size", c->img_w, INT_MAX},
               {"patch_size", c->patch, 1 << 16},      {"enc_num_heads", c->enc_heads, INT_MAX},
               {"dec_num_heads", c->dec_heads, INT_MAX}};
  for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++)
    if (sizes[i].v > sizes[i].max) {
      snprintf(msg, sizeof msg, "%s=%lld is larger than %lld", sizes[i].key, (long long)sizes[i].v,
               (long long)sizes[i].max);
      return bad(task, msg);
    }
  if (c->patch < 1 || c->img_h % c->patch || c->img_w % c->patch) {
    snprintf(msg, sizeof msg, "img_size=%lldx%lld is not a multiple of patch_size=%lld", (long long)c->img_h,
             (long long)c->img_w, (long long)c->patch);
    return bad(task, msg);
  }
  if (!(c->mask_ratio >= 0 && c->mask_ratio < 1)) return bad(task, "mask_ratio must be in [0, 1)");
  int64_t dims[2] = {c->enc_dim, c->dec_dim}, heads[2] = {c->enc_heads, c->dec_heads};
  const char *side[2] = {"enc", "dec"};
  for (int i = 0; i < 2; i++) {
    if (dims[i] < 1 || heads[i] < 1 || dims[i] % heads[i]) {
      snprintf(msg, sizeof msg, "%s_embed_dim=%lld is not divisible by %s_num_heads=%lld", side[i], (long long)dims[i],
               side[i], (long long)heads[i]);
      return bad(task, msg);
    }
    if (c->rope_base > 0 && (dims[i] / heads[i]) % 4) {
      snprintf(msg, sizeof msg, "RoPE needs a head dimension divisible by 4; %s has %lld", side[i],
               (long long)(dims[i] / heads[i]));
      return bad(task, msg);
    }
    if (c->rope_base == 0 && dims[i] % 4) {
      snprintf(msg, sizeof msg, "the 2D sin-cos embedding needs %s_embed_dim divisible by 4", side[i]);
      return bad(task, msg);
    }
  }
  if (c->enc_depth < 0 || c->dec_depth < 0 || !(mlp > 0)) return bad(task, "depths must be ≥ 0 and mlp_ratio > 0");
  /* hidden sizes as int64: the parameter registry refuses what does not fit */
  double hidden[2] = {(double)c->enc_dim * mlp, (double)c->dec_dim * mlp};
  if (!(hidden[0] < 0x1p62 && hidden[1] < 0x1p62)) return bad(task, "mlp_ratio makes the MLP hidden size overflow");
  c->enc_hidden = (int64_t)hidden[0];
  c->dec_hidden = (int64_t)hidden[1];
  c->grid_h = c->img_h / c->patch;
  c->grid_w = c->img_w / c->patch;
  c->n_tokens = c->grid_h * c->grid_w;
  c->num_mask = (int64_t)(c->mask_ratio * (double)c->n_tokens); /* floor, as int() in the official code */
  if (c->num_mask < 1) {
    snprintf(msg, sizeof msg, "mask_ratio=%g masks no patch of %lld (the loss averages over masked patches)",
             c->mask_ratio, (long long)c->n_tokens);
    return bad(task, msg);
  }
  c->norm_im2_in_dec = true;
  return GEOCL_OK;
}

/* ---- parameters ---- */

static bool has_decoder(const mim_model *m) { return m->role != MIM_ENCODER; }

static geocl_status declare_head(mim_model *m) {
  const mim_config *c = &m->cfg;
  geocl_params *p = m->params;
  char n[64];
  geocl_status st = GEOCL_OK;
  if (m->role == MIM_PRETRAIN) st = geocl_params_add(p, "mask_token", GEOCL_SHAPE(1, 1, c->dec_dim), GEOCL_PARAM_DECAY);
  if (st == GEOCL_OK && c->rope_base == 0) {
    st = geocl_params_add_buffer(p, "enc_pos_embed", GEOCL_SHAPE(c->n_tokens, c->enc_dim));
    if (st == GEOCL_OK && has_decoder(m))
      st = geocl_params_add_buffer(p, "dec_pos_embed", GEOCL_SHAPE(c->n_tokens, c->dec_dim));
  }
  if (st == GEOCL_OK)
    st = geocl_params_add(p, "patch_embed.proj.weight", GEOCL_SHAPE(c->enc_dim, 3, c->patch, c->patch), GEOCL_PARAM_DECAY);
  if (st == GEOCL_OK) st = geocl_params_add(p, "patch_embed.proj.bias", GEOCL_SHAPE(c->enc_dim), GEOCL_PARAM_NO_DECAY);
  for (int64_t i = 0; i < c->enc_depth && st == GEOCL_OK; i++) {
    snprintf(n, sizeof n, "enc_blocks.%lld", (long long)i);
    st = geocl_vit_block_declare(p, n, c->enc_dim, c->enc_hidden);
  }
  if (st == GEOCL_OK) st = geocl_layernorm_layer_declare(p, "enc_norm", c->enc_dim);
  if (st == GEOCL_OK && has_decoder(m)) st = geocl_linear_layer_declare(p, "decoder_embed", c->enc_dim, c->dec_dim);
  return st;
}

static geocl_status declare_decoder(mim_model *m) {
  const mim_config *c = &m->cfg;
  char n[64];
  geocl_status st = GEOCL_OK;
  if (!has_decoder(m)) return GEOCL_OK;
  for (int64_t i = 0; st == GEOCL_OK && i < c->dec_depth; i++) {
    snprintf(n, sizeof n, "dec_blocks.%lld", (long long)i);
    st = m->cross ? geocl_vit_dec_block_declare(m->params, n, c->dec_dim, c->dec_hidden, c->norm_im2_in_dec)
                  : geocl_vit_block_declare(m->params, n, c->dec_dim, c->dec_hidden);
  }
  if (st == GEOCL_OK) st = geocl_layernorm_layer_declare(m->params, "dec_norm", c->dec_dim);
  if (st == GEOCL_OK && m->role == MIM_PRETRAIN)
    st = geocl_linear_layer_declare(m->params, "prediction_head", c->dec_dim, c->patch * c->patch * 3);
  return st;
}

geocl_status mim_create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, const char *task, bool cross,
                        mim_role role, mim_model **out) {
  mim_model *m = calloc(1, sizeof *m);
  if (!m) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", task);
  m->task = task;
  m->ctx = ctx;
  m->params = params;
  m->cross = cross;
  m->role = role;
  geocl_status st = mim_config_read(task, cfg, &m->cfg);
  if (st == GEOCL_OK && cross) m->cfg.norm_im2_in_dec = geocl_config_bool(cfg, "norm_im2_in_dec");
  if (st == GEOCL_OK) st = declare_head(m);
  if (st == GEOCL_OK) st = declare_decoder(m);
  if (st != GEOCL_OK) {
    mim_free(m);
    return st;
  }
  *out = m;
  return GEOCL_OK;
}

static geocl_status bind_decoder(mim_model *m) {
  const mim_config *c = &m->cfg;
  if (!has_decoder(m)) return GEOCL_OK;
  size_t count = (size_t)(c->dec_depth ? c->dec_depth : 1);
  if (m->cross) m->dec_cross = calloc(count, sizeof *m->dec_cross);
  else m->dec_self = calloc(count, sizeof *m->dec_self);
  if (!m->dec_cross && !m->dec_self) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", m->task);
  char n[64];
  geocl_status st = GEOCL_OK;
  for (int64_t i = 0; st == GEOCL_OK && i < c->dec_depth; i++) {
    snprintf(n, sizeof n, "dec_blocks.%lld", (long long)i);
    st = m->cross ? geocl_vit_dec_block_bind(m->params, n, (int)c->dec_heads, c->norm_im2_in_dec, &m->dec_cross[i])
                  : geocl_vit_block_bind(m->params, n, (int)c->dec_heads, &m->dec_self[i]);
  }
  return st;
}

geocl_status mim_bind(mim_model *m) {
  if (m->bound) return GEOCL_OK;
  const mim_config *c = &m->cfg;
  geocl_params *p = m->params;
  m->enc_blocks = calloc((size_t)(c->enc_depth ? c->enc_depth : 1), sizeof *m->enc_blocks);
  if (!m->enc_blocks) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", m->task);
  m->pe_weight = geocl_params_find(p, "patch_embed.proj.weight");
  m->pe_bias = geocl_params_find(p, "patch_embed.proj.bias");
  if (!m->pe_weight || !m->pe_bias) return geocl_last_status();
  if (m->role == MIM_PRETRAIN && !(m->mask_token = geocl_params_find(p, "mask_token"))) return geocl_last_status();
  if (c->rope_base == 0 && !(m->enc_pos = geocl_params_find(p, "enc_pos_embed"))) return geocl_last_status();
  if (c->rope_base == 0 && has_decoder(m) && !(m->dec_pos = geocl_params_find(p, "dec_pos_embed")))
    return geocl_last_status();
  geocl_status st = GEOCL_OK;
  char n[64];
  for (int64_t i = 0; i < c->enc_depth && st == GEOCL_OK; i++) {
    snprintf(n, sizeof n, "enc_blocks.%lld", (long long)i);
    st = geocl_vit_block_bind(p, n, (int)c->enc_heads, &m->enc_blocks[i]);
  }
  if (st == GEOCL_OK) st = geocl_layernorm_layer_bind(p, "enc_norm", &m->enc_norm);
  if (st == GEOCL_OK && has_decoder(m)) st = geocl_linear_layer_bind(p, "decoder_embed", &m->decoder_embed);
  if (st == GEOCL_OK) st = bind_decoder(m);
  if (st == GEOCL_OK && has_decoder(m)) st = geocl_layernorm_layer_bind(p, "dec_norm", &m->dec_norm);
  if (st == GEOCL_OK && m->role == MIM_PRETRAIN) st = geocl_linear_layer_bind(p, "prediction_head", &m->prediction_head);
  m->bound = st == GEOCL_OK;
  return st;
}

static geocl_status fill_sincos(geocl_tensor *t, const mim_config *c, int64_t dim) {
  float *h = malloc(sizeof(float) * (size_t)(c->n_tokens * dim));
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_sincos_pos_embed_2d(h, (int)c->grid_h, (int)c->grid_w, (int)dim);
  geocl_status st = geocl_copy_from_host(t, h, sizeof(float) * (size_t)(c->n_tokens * dim));
  free(h);
  return st;
}

geocl_status mim_init(mim_model *m, geocl_rng *rng) {
  geocl_status st = mim_bind(m);
  if (st != GEOCL_OK) return st;
  const mim_config *c = &m->cfg;
  /* official order: patch embed (xavier on [D, 3p²], torch's default conv
   * bias), mask token N(0, 0.02), then every Linear and LayerNorm */
  double fan_in = 3.0 * (double)(c->patch * c->patch);
  st = geocl_init_uniform(m->pe_weight, rng, (float)sqrt(6.0 / ((double)c->enc_dim + fan_in)));
  if (st == GEOCL_OK) st = geocl_init_uniform(m->pe_bias, rng, (float)(1.0 / sqrt(fan_in)));
  if (st == GEOCL_OK && m->mask_token) st = geocl_init_normal(m->mask_token, rng, 0.0f, 0.02f);
  if (st == GEOCL_OK && m->enc_pos) st = fill_sincos(m->enc_pos, c, c->enc_dim);
  if (st == GEOCL_OK && m->dec_pos) st = fill_sincos(m->dec_pos, c, c->dec_dim);
  for (int64_t i = 0; i < c->enc_depth && st == GEOCL_OK; i++) st = geocl_vit_block_init(&m->enc_blocks[i], rng);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_init(&m->enc_norm);
  if (!has_decoder(m)) return st;
  if (st == GEOCL_OK) st = geocl_linear_layer_init(&m->decoder_embed, rng);
  for (int64_t i = 0; i < c->dec_depth && st == GEOCL_OK; i++)
    st = m->cross ? geocl_vit_dec_block_init(&m->dec_cross[i], rng) : geocl_vit_block_init(&m->dec_self[i], rng);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_init(&m->dec_norm);
  if (st == GEOCL_OK && m->role == MIM_PRETRAIN) st = geocl_linear_layer_init(&m->prediction_head, rng);
  return st;
}

void mim_free(mim_model *m) {
  if (!m) return;
  free(m->enc_blocks);
  free(m->dec_cross);
  free(m->dec_self);
  geocl_tensor_free(m->grid_pos);
  free(m);
}

/* ---- masking ---- */

geocl_tensor *mim_grid_positions(mim_model *m, int64_t batch) {
  if (m->grid_pos && m->grid_pos_batch == batch) return m->grid_pos;
  const mim_config *c = &m->cfg;
  int32_t *h = malloc(sizeof(int32_t) * (size_t)(batch * c->n_tokens * 2));
  if (!h) {
    geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    return NULL;
  }
  for (int64_t b = 0; b < batch; b++) geocl_grid_positions(h + b * c->n_tokens * 2, (int)c->grid_h, (int)c->grid_w);
  geocl_tensor *t = geocl_from_host(m->ctx, GEOCL_I32, GEOCL_SHAPE(batch, c->n_tokens, 2), h);
  free(h);
  if (!t) return NULL;
  geocl_tensor_persist(t);
  geocl_tensor_free(m->grid_pos);
  m->grid_pos = t;
  m->grid_pos_batch = batch;
  return t;
}

/* A permutation drawn from the sample's own stream. */
static void keyed_permutation(const geocl_sample_info *s, int32_t *perm, int64_t n) {
  geocl_keyed_rng r;
  geocl_keyed_init(&r, s->seed, GEOCL_STREAM_MASK, (uint64_t)s->position, (uint32_t)s->epoch);
  geocl_keyed_permutation(&r, perm, (size_t)n);
}

/* Mask of every sample on the host: from the batch's tensor or drawn. */
static geocl_status host_mask(mim_model *m, const geocl_batch *b, geocl_rng *rng, float *mask) {
  const mim_config *c = &m->cfg;
  int64_t n = c->n_tokens;
  geocl_tensor *given = geocl_batch_get(b, "mask");
  if (given) {
    const int64_t *s = geocl_shape(given);
    int nd = geocl_ndim(given);
    if (geocl_tensor_dtype(given) != GEOCL_F32 || geocl_numel(given) != b->size * n ||
        (nd == 2 && (s[0] != b->size || s[1] != n)))
      return geocl_set_error(GEOCL_E_SHAPE, "%s: the mask must be f32 [%lld, %lld] (1 = masked)", m->task,
                             (long long)b->size, (long long)n);
    geocl_status st = geocl_to_host(given, mask, sizeof(float) * (size_t)(b->size * n));
    if (st != GEOCL_OK) return st;
    int64_t first = -1;
    for (int64_t i = 0; i < b->size; i++) {
      int64_t count = 0;
      for (int64_t k = 0; k < n; k++) {
        float v = mask[i * n + k];
        if (v != 0.0f && v != 1.0f)
          return geocl_set_error(GEOCL_E_INVALID, "%s: mask value %g at [%lld, %lld] is not 0 or 1", m->task, v,
                                 (long long)i, (long long)k);
        count += v == 1.0f;
      }
      if (first < 0) first = count;
      else if (count != first)
        return geocl_set_error(GEOCL_E_INVALID, "%s: every sample must mask the same number of patches (%lld vs %lld)",
                               m->task, (long long)first, (long long)count);
      if (count == n) return geocl_set_error(GEOCL_E_INVALID, "%s: the mask hides every patch", m->task);
      if (count == 0)
        return geocl_set_error(GEOCL_E_INVALID, "%s: the mask hides no patch (the loss averages over masked patches)",
                               m->task);
    }
    return GEOCL_OK;
  }
  int32_t *perm = malloc(sizeof(int32_t) * (size_t)n);
  if (!perm) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int64_t i = 0; i < b->size; i++) {
    /* a uniform subset of exactly num_mask patches: keyed by the sample's
     * place in the data stream when the batch comes from a loader (the same
     * mask however batches are split between processes), else from rng */
    if (b->info) keyed_permutation(&b->info[i], perm, n);
    else geocl_rng_permutation(rng, perm, (size_t)n);
    for (int64_t k = 0; k < n; k++) mask[i * n + k] = perm[k] < c->num_mask ? 1.0f : 0.0f;
  }
  free(perm);
  return GEOCL_OK;
}

geocl_status mim_masking_make(mim_model *m, const geocl_batch *b, geocl_rng *rng, mim_masking *out) {
  const mim_config *c = &m->cfg;
  int64_t n = c->n_tokens, B = b->size;
  memset(out, 0, sizeof *out);
  float *mask = malloc(sizeof(float) * (size_t)(B * n));
  int32_t *vis = malloc(sizeof(int32_t) * (size_t)(B * n));
  int32_t *pos = malloc(sizeof(int32_t) * (size_t)(B * n * 2));
  geocl_status st = (mask && vis && pos) ? host_mask(m, b, rng, mask) : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  int64_t nv = 0;
  for (int64_t i = 0; st == GEOCL_OK && i < B; i++) {
    int64_t k = 0;
    for (int64_t t = 0; t < n; t++)
      if (mask[i * n + t] == 0.0f) { /* visible tokens keep raster order */
        vis[i * n + k] = (int32_t)t;
        k++;
      }
    nv = k;
  }
  if (st == GEOCL_OK) {
    /* compact [B, n] rows to [B, nv] and positions (row, col) */
    for (int64_t i = 0; i < B; i++)
      for (int64_t k = 0; k < nv; k++) {
        int32_t t = vis[i * n + k];
        vis[i * nv + k] = t;
        pos[(i * nv + k) * 2] = (int32_t)(t / c->grid_w);
        pos[(i * nv + k) * 2 + 1] = (int32_t)(t % c->grid_w);
      }
    out->mask = geocl_from_host(m->ctx, GEOCL_F32, GEOCL_SHAPE(B, n), mask);
    out->visible = geocl_from_host(m->ctx, GEOCL_I32, GEOCL_SHAPE(B, nv), vis);
    out->visible_pos = geocl_from_host(m->ctx, GEOCL_I32, GEOCL_SHAPE(B, nv, 2), pos);
    if (!out->mask || !out->visible || !out->visible_pos) st = geocl_last_status();
  }
  free(mask);
  free(vis);
  free(pos);
  return st;
}

/* ---- forward pieces ---- */

geocl_tensor *mim_embed(mim_model *m, geocl_tensor *img) {
  const mim_config *c = &m->cfg;
  char s[96];
  if (img && (geocl_ndim(img) != 4 || geocl_dim(img, 1) != 3 || geocl_dim(img, 2) != c->img_h ||
              geocl_dim(img, 3) != c->img_w)) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: image %s does not match img_size %lldx%lld (expected [B, 3, %lld, %lld])",
                    m->task, geocl_shape_str(img, s, sizeof s), (long long)c->img_h, (long long)c->img_w,
                    (long long)c->img_h, (long long)c->img_w);
    return NULL;
  }
  geocl_tensor *x = geocl_patch_embed(img, m->pe_weight, m->pe_bias, (int)c->patch);
  return c->rope_base == 0 ? geocl_add(x, m->enc_pos) : x;
}

geocl_tensor *mim_encode(mim_model *m, geocl_tensor *x, geocl_tensor *pos) {
  geocl_vit_rope rope = {m->cfg.rope_base, pos};
  for (int64_t i = 0; i < m->cfg.enc_depth; i++) x = geocl_vit_block_apply(&m->enc_blocks[i], x, &rope);
  return geocl_layernorm_layer_apply(&m->enc_norm, x, GEOCL_VIT_LN_EPS);
}

void mim_encode_pair(mim_model *m, geocl_tensor *x1, geocl_tensor *pos1, geocl_tensor *x2, geocl_tensor *pos2,
                     geocl_tensor **out1, geocl_tensor **out2) {
  geocl_vit_rope rope1 = {m->cfg.rope_base, pos1}, rope2 = {m->cfg.rope_base, pos2};
  for (int64_t i = 0; i < m->cfg.enc_depth; i++) {
    x1 = geocl_vit_block_apply(&m->enc_blocks[i], x1, &rope1);
    x2 = geocl_vit_block_apply(&m->enc_blocks[i], x2, &rope2);
  }
  *out1 = geocl_layernorm_layer_apply(&m->enc_norm, x1, GEOCL_VIT_LN_EPS);
  *out2 = geocl_layernorm_layer_apply(&m->enc_norm, x2, GEOCL_VIT_LN_EPS);
}

geocl_tensor *mim_decoder_input(mim_model *m, geocl_tensor *enc_visible, const mim_masking *mk) {
  const mim_config *c = &m->cfg;
  geocl_tensor *v = geocl_linear_layer_apply(&m->decoder_embed, enc_visible);
  if (!v) return NULL;
  int64_t B = geocl_dim(v, 0);
  /* every slot starts as the mask token; visible slots take the embedded tokens */
  geocl_tensor *tokens = geocl_expand(m->mask_token, 3, (int64_t[]){B, c->n_tokens, c->dec_dim});
  geocl_tensor *f = geocl_scatter_rows(tokens, mk->visible, v);
  return c->rope_base == 0 ? geocl_add(f, m->dec_pos) : f;
}

geocl_tensor *mim_decoder_memory(mim_model *m, geocl_tensor *enc_full) {
  geocl_tensor *f = geocl_linear_layer_apply(&m->decoder_embed, enc_full);
  return m->cfg.rope_base == 0 ? geocl_add(f, m->dec_pos) : f;
}

geocl_tensor *mim_decode(mim_model *m, geocl_tensor *x, geocl_tensor *y, const geocl_vit_rope *rope) {
  for (int64_t i = 0; i < m->cfg.dec_depth; i++)
    x = m->cross ? geocl_vit_dec_block_apply(&m->dec_cross[i], x, y, rope, rope) : geocl_vit_block_apply(&m->dec_self[i], x, rope);
  return x;
}

/* Optional frequency-domain term on the masked patches: spectra of the
 * predicted and target p×p patch images per channel. */
static geocl_tensor *freq_loss(mim_model *m, geocl_tensor *pred, geocl_tensor *target, const mim_masking *mk) {
  const mim_config *c = &m->cfg;
  int64_t B = geocl_dim(pred, 0), p = c->patch;
  /* masked indices: the rows whose mask is 1, gathered on the device */
  geocl_tensor *sel_p = geocl_mul(pred, geocl_reshape(mk->mask, 3, (int64_t[]){B, c->n_tokens, 1}));
  geocl_tensor *sel_t = geocl_mul(target, geocl_reshape(mk->mask, 3, (int64_t[]){B, c->n_tokens, 1}));
  /* [B, N, p, p, 3] → [B, N, 3, p, p] */
  int perm[5] = {0, 1, 4, 2, 3};
  geocl_tensor *ip = geocl_permute(geocl_reshape(sel_p, 5, (int64_t[]){B, c->n_tokens, p, p, 3}), perm);
  geocl_tensor *it = geocl_permute(geocl_reshape(sel_t, 5, (int64_t[]){B, c->n_tokens, p, p, 3}), perm);
  geocl_tensor *l = geocl_spectral_loss(ip, it, c->freq_loss_norm);
  /* spectral_loss averages over all patches; rescale to the masked ones */
  return geocl_scale(l, (float)c->n_tokens / (float)(c->num_mask ? c->num_mask : 1));
}

geocl_status mim_predict_and_loss(mim_model *m, geocl_tensor *dec, geocl_tensor *img1, const mim_masking *mk,
                                  geocl_outputs *out) {
  geocl_tensor *d = geocl_layernorm_layer_apply(&m->dec_norm, dec, GEOCL_VIT_LN_EPS);
  geocl_tensor *pred = geocl_linear_layer_apply(&m->prediction_head, d);
  geocl_tensor *target = geocl_normpix(geocl_patchify(img1, (int)m->cfg.patch), NORMPIX_EPS);
  geocl_tensor *loss = geocl_masked_mean(geocl_row_mse(pred, target), mk->mask);
  if (loss && m->cfg.freq_loss_weight > 0)
    loss = geocl_add(loss, geocl_scale(freq_loss(m, pred, target, mk), m->cfg.freq_loss_weight));
  geocl_status st = geocl_outputs_add(out, "loss", loss);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "pred", pred);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "target", target);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "mask", mk->mask);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "dec", d);
  return st;
}

/* ---- the reconstruction picture ---- */

/* Undo the ImageNet normalisation of [B, 3, H, W]. */
static geocl_tensor *denormalize(geocl_ctx *ctx, geocl_tensor *img) {
  geocl_tensor *mean = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 3, 1, 1), geocl_imagenet_mean);
  geocl_tensor *std = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 3, 1, 1), geocl_imagenet_std);
  return geocl_add(geocl_mul(img, std), mean);
}

geocl_tensor *mim_visualize(mim_model *m, const geocl_batch *b, const geocl_outputs *out) {
  const mim_config *c = &m->cfg;
  geocl_tensor *pred = geocl_outputs_get(out, "pred"), *mask = geocl_outputs_get(out, "mask");
  if (!pred || !mask) {
    geocl_set_error(GEOCL_E_INVALID, "%s: visualize needs the pred and mask outputs", m->task);
    return NULL;
  }
  bool was = geocl_set_grad_enabled(m->ctx, false);
  int64_t B = b->size, n = c->n_tokens, P = c->patch * c->patch * 3;
  int p = (int)c->patch, gh = (int)c->grid_h, gw = (int)c->grid_w;
  /* predictions back to pixels with each true patch's statistics (unbiased variance) */
  geocl_tensor *image1 = geocl_batch_get(b, "image1"), *image2 = geocl_batch_get(b, "image2");
  geocl_tensor *patches = geocl_patchify(image1, p);
  geocl_tensor *mu = geocl_mean(patches, -1, true);
  geocl_tensor *centered = geocl_sub(patches, mu);
  geocl_tensor *var = geocl_scale(geocl_sum(geocl_square(centered), -1, true), 1.0f / (float)(P - 1));
  geocl_tensor *rec = geocl_add(geocl_mul(pred, geocl_sqrt(geocl_add_scalar(var, NORMPIX_EPS))), mu);
  geocl_tensor *keep = geocl_add_scalar(geocl_scale(geocl_reshape(mask, 3, (int64_t[]){B, n, 1}), -1.0f), 1.0f);
  geocl_tensor *masked = geocl_unpatchify(geocl_mul(patches, keep), p, gh, gw);
  /* masked patches are black in the picture: multiply after denormalising */
  geocl_tensor *keep_img = geocl_unpatchify(geocl_expand(keep, 3, (int64_t[]){B, n, P}), p, gh, gw);
  /* the official demo's order (naver/croco demo.py): reference (CroCo's
   * image 2), masked, decoded, original */
  bool reference = image2 && m->cross;
  const char *all_labels[4] = {"reference", "masked", "decoded", "original"}, *const *labels = all_labels + !reference;
  geocl_tensor *all_panels[4] = {reference ? denormalize(m->ctx, image2) : NULL,
                                 geocl_mul(denormalize(m->ctx, masked), keep_img),
                                 denormalize(m->ctx, geocl_unpatchify(rec, p, gh, gw)), denormalize(m->ctx, image1)};
  int k = 3 + reference;
  geocl_tensor *pic = geocl_picture_labels(geocl_concat(k, all_panels + !reference, 3), k, labels, NULL);
  geocl_set_grad_enabled(m->ctx, was);
  return pic;
}
