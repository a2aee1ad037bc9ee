/* SPDX-License-Identifier: MIT */
/* Vision-transformer blocks: parameter declaration, binding, initialisation
 * and forward, as the official CroCo code computes them. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "vit.h"

const char *vit_name(char *buf, size_t size, const char *prefix, const char *name) {
  snprintf(buf, size, "%s.%s", prefix, name);
  return buf;
}

/* ---- declaration ---- */

geocl_status vit_declare_linear(geocl_params *p, const char *prefix, int64_t in, int64_t out) {
  char n[160];
  geocl_status st = geocl_params_add(p, vit_name(n, sizeof n, prefix, "weight"), GEOCL_SHAPE(out, in), VIT_GROUP_DECAY);
  if (st == GEOCL_OK) st = geocl_params_add(p, vit_name(n, sizeof n, prefix, "bias"), GEOCL_SHAPE(out), VIT_GROUP_NO_DECAY);
  return st;
}

geocl_status vit_declare_norm(geocl_params *p, const char *prefix, int64_t dim) {
  char n[160];
  geocl_status st = geocl_params_add(p, vit_name(n, sizeof n, prefix, "weight"), GEOCL_SHAPE(dim), VIT_GROUP_NO_DECAY);
  if (st == GEOCL_OK) st = geocl_params_add(p, vit_name(n, sizeof n, prefix, "bias"), GEOCL_SHAPE(dim), VIT_GROUP_NO_DECAY);
  return st;
}

/* Declaration in state-dict order; names relative to the block prefix. */
geocl_status vit_declare_block(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden) {
  char n[160];
  geocl_status st = vit_declare_norm(p, vit_name(n, sizeof n, prefix, "norm1"), dim);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "attn.qkv"), dim, 3 * dim);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "attn.proj"), dim, dim);
  if (st == GEOCL_OK) st = vit_declare_norm(p, vit_name(n, sizeof n, prefix, "norm2"), dim);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc1"), dim, hidden);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc2"), hidden, dim);
  return st;
}

geocl_status vit_declare_dec_block(geocl_params *p, const char *prefix, int64_t dim, int64_t hidden, bool norm_y) {
  static const char *const cross[] = {"cross_attn.projq", "cross_attn.projk", "cross_attn.projv", "cross_attn.proj"};
  char n[160];
  geocl_status st = vit_declare_norm(p, vit_name(n, sizeof n, prefix, "norm1"), dim);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "attn.qkv"), dim, 3 * dim);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "attn.proj"), dim, dim);
  for (int i = 0; i < 4 && st == GEOCL_OK; i++) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, cross[i]), dim, dim);
  if (st == GEOCL_OK) st = vit_declare_norm(p, vit_name(n, sizeof n, prefix, "norm2"), dim);
  if (st == GEOCL_OK) st = vit_declare_norm(p, vit_name(n, sizeof n, prefix, "norm3"), dim);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc1"), dim, hidden);
  if (st == GEOCL_OK) st = vit_declare_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc2"), hidden, dim);
  if (st == GEOCL_OK && norm_y) st = vit_declare_norm(p, vit_name(n, sizeof n, prefix, "norm_y"), dim);
  return st;
}

/* ---- binding ---- */

static geocl_status bind_pair(geocl_params *p, const char *prefix, geocl_tensor **w, geocl_tensor **b) {
  char n[160];
  *w = geocl_params_find(p, vit_name(n, sizeof n, prefix, "weight"));
  *b = geocl_params_find(p, vit_name(n, sizeof n, prefix, "bias"));
  return (*w && *b) ? GEOCL_OK : geocl_last_status();
}

geocl_status vit_bind_linear(geocl_params *p, const char *prefix, vit_linear *l) {
  return bind_pair(p, prefix, &l->weight, &l->bias);
}

geocl_status vit_bind_norm(geocl_params *p, const char *prefix, vit_norm *nm) {
  return bind_pair(p, prefix, &nm->weight, &nm->bias);
}

geocl_status vit_bind_block(geocl_params *p, const char *prefix, int heads, vit_block *b) {
  char n[160];
  b->heads = heads;
  geocl_status st = vit_bind_norm(p, vit_name(n, sizeof n, prefix, "norm1"), &b->norm1);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "attn.qkv"), &b->qkv);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "attn.proj"), &b->proj);
  if (st == GEOCL_OK) st = vit_bind_norm(p, vit_name(n, sizeof n, prefix, "norm2"), &b->norm2);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc1"), &b->fc1);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc2"), &b->fc2);
  return st;
}

geocl_status vit_bind_dec_block(geocl_params *p, const char *prefix, int heads, bool norm_y, vit_dec_block *b) {
  char n[160];
  b->heads = heads;
  geocl_status st = vit_bind_norm(p, vit_name(n, sizeof n, prefix, "norm1"), &b->norm1);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "attn.qkv"), &b->qkv);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "attn.proj"), &b->proj);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "cross_attn.projq"), &b->projq);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "cross_attn.projk"), &b->projk);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "cross_attn.projv"), &b->projv);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "cross_attn.proj"), &b->cproj);
  if (st == GEOCL_OK) st = vit_bind_norm(p, vit_name(n, sizeof n, prefix, "norm2"), &b->norm2);
  if (st == GEOCL_OK) st = vit_bind_norm(p, vit_name(n, sizeof n, prefix, "norm3"), &b->norm3);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc1"), &b->fc1);
  if (st == GEOCL_OK) st = vit_bind_linear(p, vit_name(n, sizeof n, prefix, "mlp.fc2"), &b->fc2);
  if (st == GEOCL_OK && norm_y) st = vit_bind_norm(p, vit_name(n, sizeof n, prefix, "norm_y"), &b->norm_y);
  if (!norm_y) b->norm_y.weight = b->norm_y.bias = NULL;
  return st;
}

/* ---- initialisation ---- */

static geocl_status fill_from_host(geocl_tensor *t, float *host) {
  geocl_status st = geocl_copy_from_host(t, host, (size_t)geocl_numel(t) * 4);
  free(host);
  return st;
}

geocl_status vit_fill_uniform(geocl_tensor *t, geocl_rng *rng, float bound) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory initialising %s", geocl_tensor_name(t));
  geocl_rng_uniform(rng, h, n);
  for (size_t i = 0; i < n; i++) h[i] = bound * (2.0f * h[i] - 1.0f);
  return fill_from_host(t, h);
}

geocl_status vit_fill_normal(geocl_tensor *t, geocl_rng *rng, float mean, float std) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory initialising %s", geocl_tensor_name(t));
  geocl_rng_normal(rng, h, n, mean, std);
  return fill_from_host(t, h);
}

geocl_status vit_fill_const(geocl_tensor *t, float value) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "out of memory initialising %s", geocl_tensor_name(t));
  for (size_t i = 0; i < n; i++) h[i] = value;
  return fill_from_host(t, h);
}

geocl_status vit_init_linear(const vit_linear *l, geocl_rng *rng) {
  /* torch.nn.init.xavier_uniform_: U(±√(6/(fan_in + fan_out))) */
  double fan = (double)geocl_dim(l->weight, 0) + (double)geocl_dim(l->weight, 1);
  geocl_status st = vit_fill_uniform(l->weight, rng, (float)sqrt(6.0 / fan));
  return st == GEOCL_OK ? vit_fill_const(l->bias, 0.0f) : st;
}

geocl_status vit_init_norm(const vit_norm *n) {
  if (!n->weight) return GEOCL_OK;
  geocl_status st = vit_fill_const(n->weight, 1.0f);
  return st == GEOCL_OK ? vit_fill_const(n->bias, 0.0f) : st;
}

geocl_status vit_init_block(const vit_block *b, geocl_rng *rng) {
  const vit_linear *lin[] = {&b->qkv, &b->proj, &b->fc1, &b->fc2};
  geocl_status st = vit_init_norm(&b->norm1);
  if (st == GEOCL_OK) st = vit_init_norm(&b->norm2);
  for (int i = 0; i < 4 && st == GEOCL_OK; i++) st = vit_init_linear(lin[i], rng);
  return st;
}

geocl_status vit_init_dec_block(const vit_dec_block *b, geocl_rng *rng) {
  const vit_linear *lin[] = {&b->qkv, &b->proj, &b->projq, &b->projk, &b->projv, &b->cproj, &b->fc1, &b->fc2};
  const vit_norm *nrm[] = {&b->norm1, &b->norm2, &b->norm3, &b->norm_y};
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < 4 && st == GEOCL_OK; i++) st = vit_init_norm(nrm[i]);
  for (int i = 0; i < 8 && st == GEOCL_OK; i++) st = vit_init_linear(lin[i], rng);
  return st;
}

/* ---- forward ---- */

geocl_tensor *vit_linear_apply(const vit_linear *l, geocl_tensor *x) { return geocl_linear(x, l->weight, l->bias); }

geocl_tensor *vit_norm_apply(const vit_norm *n, geocl_tensor *x) {
  return n->weight ? geocl_layernorm(x, n->weight, n->bias, VIT_LN_EPS) : x;
}

static geocl_attn_opts attn_opts(int heads, const vit_rope *q, const vit_rope *k) {
  geocl_attn_opts o = {.heads = heads};
  if (q && q->base > 0) {
    o.rope_base = q->base;
    o.qpos = q->pos;
    o.kpos = k->pos;
  }
  return o;
}

/* Self-attention on packed qkv: [q|k|v] along the channels. */
static geocl_tensor *self_attention(const vit_linear *qkv, const vit_linear *proj, int heads, geocl_tensor *x,
                                    const vit_rope *rope) {
  geocl_tensor *t = vit_linear_apply(qkv, x);
  if (!t) return NULL;
  int64_t c = geocl_dim(x, -1);
  geocl_attn_opts o = attn_opts(heads, rope, rope);
  geocl_tensor *a = geocl_attention(geocl_narrow(t, -1, 0, c), geocl_narrow(t, -1, c, c), geocl_narrow(t, -1, 2 * c, c), &o);
  return vit_linear_apply(proj, a);
}

static geocl_tensor *mlp(const vit_linear *fc1, const vit_linear *fc2, geocl_tensor *x) {
  return vit_linear_apply(fc2, geocl_gelu(vit_linear_apply(fc1, x)));
}

geocl_tensor *vit_block_apply(const vit_block *b, geocl_tensor *x, const vit_rope *rope) {
  x = geocl_add(x, self_attention(&b->qkv, &b->proj, b->heads, vit_norm_apply(&b->norm1, x), rope));
  return geocl_add(x, mlp(&b->fc1, &b->fc2, vit_norm_apply(&b->norm2, x)));
}

geocl_tensor *vit_dec_block_apply(const vit_dec_block *b, geocl_tensor *x, geocl_tensor *y, const vit_rope *xrope,
                                  const vit_rope *yrope) {
  x = geocl_add(x, self_attention(&b->qkv, &b->proj, b->heads, vit_norm_apply(&b->norm1, x), xrope));
  geocl_tensor *yn = vit_norm_apply(&b->norm_y, y);
  geocl_tensor *q = vit_linear_apply(&b->projq, vit_norm_apply(&b->norm2, x));
  geocl_attn_opts o = attn_opts(b->heads, xrope, yrope);
  geocl_tensor *c = geocl_attention(q, vit_linear_apply(&b->projk, yn), vit_linear_apply(&b->projv, yn), &o);
  x = geocl_add(x, vit_linear_apply(&b->cproj, c));
  return geocl_add(x, mlp(&b->fc1, &b->fc2, vit_norm_apply(&b->norm3, x)));
}
