/* SPDX-License-Identifier: MIT */
/* Vision-transformer blocks: parameter declaration, binding, initialisation
 * and forward, as the official CroCo code computes them. */

#include <geocl/op-api.h>
#include <geocl/vit.h>

/* ---- declaration ---- */

/* Declaration in state-dict order; names relative to the block prefix. */
geocl_status geocl_vit_block_declare(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden) {
  char n[160];
  geocl_status st = geocl_layernorm_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "norm1"), dim);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "attn.qkv"), dim, 3 * dim);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "attn.proj"), dim, dim);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "norm2"), dim);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc1"), dim, hidden);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc2"), hidden, dim);
  return st;
}

geocl_status geocl_vit_dec_block_declare(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden, bool norm_y) {
  static const char *const cross[] = {"cross_attn.projq", "cross_attn.projk", "cross_attn.projv", "cross_attn.proj"};
  char n[160];
  geocl_status st = geocl_layernorm_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "norm1"), dim);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "attn.qkv"), dim, 3 * dim);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "attn.proj"), dim, dim);
  for (int i = 0; i < 4 && st == GEOCL_OK; i++) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, cross[i]), dim, dim);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "norm2"), dim);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "norm3"), dim);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc1"), dim, hidden);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc2"), hidden, dim);
  if (st == GEOCL_OK && norm_y) st = geocl_layernorm_layer_declare(p, geocl_layer_name(n, sizeof n, prefix, "norm_y"), dim);
  return st;
}

/* ---- binding ---- */

geocl_status geocl_vit_block_bind(geocl_params *p, const char *prefix, int heads, geocl_vit_block *b) {
  char n[160];
  b->heads = heads;
  geocl_status st = geocl_layernorm_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "norm1"), &b->norm1);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "attn.qkv"), &b->qkv);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "attn.proj"), &b->proj);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "norm2"), &b->norm2);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc1"), &b->fc1);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc2"), &b->fc2);
  return st;
}

geocl_status geocl_vit_dec_block_bind(geocl_params *p, const char *prefix, int heads, bool norm_y, geocl_vit_dec_block *b) {
  char n[160];
  b->heads = heads;
  geocl_status st = geocl_layernorm_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "norm1"), &b->norm1);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "attn.qkv"), &b->qkv);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "attn.proj"), &b->proj);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "cross_attn.projq"), &b->projq);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "cross_attn.projk"), &b->projk);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "cross_attn.projv"), &b->projv);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "cross_attn.proj"), &b->cproj);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "norm2"), &b->norm2);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "norm3"), &b->norm3);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc1"), &b->fc1);
  if (st == GEOCL_OK) st = geocl_linear_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "mlp.fc2"), &b->fc2);
  if (st == GEOCL_OK && norm_y) st = geocl_layernorm_layer_bind(p, geocl_layer_name(n, sizeof n, prefix, "norm_y"), &b->norm_y);
  if (!norm_y) b->norm_y.weight = b->norm_y.bias = NULL;
  return st;
}

/* ---- initialisation ---- */

geocl_status geocl_vit_block_init(const geocl_vit_block *b, geocl_rng *rng) {
  const geocl_linear_layer *lin[] = {&b->qkv, &b->proj, &b->fc1, &b->fc2};
  geocl_status st = geocl_layernorm_layer_init(&b->norm1);
  if (st == GEOCL_OK) st = geocl_layernorm_layer_init(&b->norm2);
  for (int i = 0; i < 4 && st == GEOCL_OK; i++) st = geocl_linear_layer_init(lin[i], rng);
  return st;
}

geocl_status geocl_vit_dec_block_init(const geocl_vit_dec_block *b, geocl_rng *rng) {
  const geocl_linear_layer *lin[] = {&b->qkv, &b->proj, &b->projq, &b->projk, &b->projv, &b->cproj, &b->fc1, &b->fc2};
  const geocl_layernorm_layer *nrm[] = {&b->norm1, &b->norm2, &b->norm3, &b->norm_y};
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < 4 && st == GEOCL_OK; i++) st = geocl_layernorm_layer_init(nrm[i]);
  for (int i = 0; i < 8 && st == GEOCL_OK; i++) st = geocl_linear_layer_init(lin[i], rng);
  return st;
}

/* ---- forward ---- */

static geocl_attn_opts attn_opts(int heads, const geocl_vit_rope *q, const geocl_vit_rope *k) {
  geocl_attn_opts o = {.heads = heads};
  if (q && q->base > 0) {
    o.rope_base = q->base;
    o.qpos = q->pos;
    o.kpos = k->pos;
  }
  return o;
}

/* Self-attention on packed qkv: [q|k|v] along the channels. */
static geocl_tensor *self_attention(const geocl_linear_layer *qkv, const geocl_linear_layer *proj, int heads, geocl_tensor *x,
                                    const geocl_vit_rope *rope) {
  geocl_tensor *t = geocl_linear_layer_apply(qkv, x);
  if (!t) return NULL;
  int64_t c = geocl_dim(x, -1);
  geocl_attn_opts o = attn_opts(heads, rope, rope);
  geocl_tensor *a = geocl_attention(geocl_narrow(t, -1, 0, c), geocl_narrow(t, -1, c, c), geocl_narrow(t, -1, 2 * c, c), &o);
  return geocl_linear_layer_apply(proj, a);
}

static geocl_tensor *mlp(const geocl_linear_layer *fc1, const geocl_linear_layer *fc2, geocl_tensor *x) {
  return geocl_linear_layer_apply(fc2, geocl_gelu(geocl_linear_layer_apply(fc1, x)));
}

static geocl_tensor *block(const geocl_vit_block *b, geocl_tensor *x, const geocl_vit_rope *rope) {
  x = geocl_add(x, self_attention(&b->qkv, &b->proj, b->heads, geocl_layernorm_layer_apply(&b->norm1, x, GEOCL_VIT_LN_EPS), rope));
  return geocl_add(x, mlp(&b->fc1, &b->fc2, geocl_layernorm_layer_apply(&b->norm2, x, GEOCL_VIT_LN_EPS)));
}

static geocl_tensor *dec_block(const geocl_vit_dec_block *b, geocl_tensor *x, geocl_tensor *y, const geocl_vit_rope *xrope,
                               const geocl_vit_rope *yrope) {
  x = geocl_add(x, self_attention(&b->qkv, &b->proj, b->heads, geocl_layernorm_layer_apply(&b->norm1, x, GEOCL_VIT_LN_EPS), xrope));
  geocl_tensor *yn = geocl_layernorm_layer_apply(&b->norm_y, y, GEOCL_VIT_LN_EPS);
  geocl_tensor *q = geocl_linear_layer_apply(&b->projq, geocl_layernorm_layer_apply(&b->norm2, x, GEOCL_VIT_LN_EPS));
  geocl_attn_opts o = attn_opts(b->heads, xrope, yrope);
  geocl_tensor *c = geocl_attention(q, geocl_linear_layer_apply(&b->projk, yn), geocl_linear_layer_apply(&b->projv, yn), &o);
  x = geocl_add(x, geocl_linear_layer_apply(&b->cproj, c));
  return geocl_add(x, mlp(&b->fc1, &b->fc2, geocl_layernorm_layer_apply(&b->norm3, x, GEOCL_VIT_LN_EPS)));
}

/* ---- recomputed in backward (geocl_set_recompute) ---- */

/* What a block's second run needs besides its tensors: in = {x, y, xpos, ypos}. */
typedef struct block_call {
  const void *block;
  float xbase, ybase;
} block_call;

static geocl_tensor *block_again(const void *fixed, geocl_tensor *const *in) {
  const block_call *c = fixed;
  return block(c->block, in[0], &(geocl_vit_rope){c->xbase, in[2]});
}

static geocl_tensor *dec_block_again(const void *fixed, geocl_tensor *const *in) {
  const block_call *c = fixed;
  return dec_block(c->block, in[0], in[1], &(geocl_vit_rope){c->xbase, in[2]}, &(geocl_vit_rope){c->ybase, in[3]});
}

static bool recomputed(const geocl_tensor *x) { return x && geocl_recompute(geocl_tensor_ctx(x)); }

geocl_tensor *geocl_vit_block_apply(const geocl_vit_block *b, geocl_tensor *x, const geocl_vit_rope *rope) {
  if (!recomputed(x)) return block(b, x, rope);
  block_call c = {b, rope ? rope->base : 0, 0};
  return geocl_checkpoint("vit_block", block_again, &c, sizeof c, 3,
                          (geocl_tensor *[]){x, NULL, rope ? rope->pos : NULL});
}

geocl_tensor *geocl_vit_dec_block_apply(const geocl_vit_dec_block *b, geocl_tensor *x, geocl_tensor *y, const geocl_vit_rope *xrope,
                                  const geocl_vit_rope *yrope) {
  if (!recomputed(x)) return dec_block(b, x, y, xrope, yrope);
  block_call c = {b, xrope ? xrope->base : 0, yrope ? yrope->base : 0};
  return geocl_checkpoint("vit_dec_block", dec_block_again, &c, sizeof c, 4,
                          (geocl_tensor *[]){x, y, xrope ? xrope->pos : NULL, yrope ? yrope->pos : NULL});
}
