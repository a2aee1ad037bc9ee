/* SPDX-License-Identifier: MIT */
/* Multi-head attention (fused backend kernels, or composed from GEMM and
 * softmax for checking) and 2D RoPE. */
#include <math.h>

#include "ops_internal.h"

/* x itself when its last dimension is contiguous (the kernels take the other
 * strides as they are), else a contiguous copy. */
static geocl_tensor *rows_contiguous(geocl_tensor *x) {
  return x->shape[x->ndim - 1] == 1 || x->stride[x->ndim - 1] == 1 ? x : geocl_contiguous(x);
}

/* head_dim of x [B, N, C] split into `heads`, or 0 with an error. */
static int64_t head_dim_of(const char *op, const char *arg, const geocl_tensor *x, int heads, bool rope) {
  char s[96];
  int64_t c = x->shape[2];
  if (heads <= 0 || c % heads != 0) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: %d heads do not divide the %lld channels of %s %s", op, heads, (long long)c,
                    arg, geocl_shape_str(x, s, sizeof s));
    return 0;
  }
  int64_t dh = c / heads;
  if (rope && dh % 4 != 0) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: RoPE needs a head_dim divisible by 4, %s %s in %d heads has %lld", op, arg,
                    geocl_shape_str(x, s, sizeof s), heads, (long long)dh);
    return 0;
  }
  return dh;
}

/* pos must be i32 [B, N, 2] for x [B, N, C]; returns it contiguous, or NULL
 * with an error. */
static geocl_tensor *positions_for(const char *op, const char *arg, const geocl_tensor *x, geocl_tensor *pos) {
  if (!pos) {
    geocl_set_error(GEOCL_E_INVALID, "%s: RoPE needs %s, i32 [%lld, %lld, 2] (y, x)", op, arg, (long long)x->shape[0],
                    (long long)x->shape[1]);
    return NULL;
  }
  if (!ops_same_ctx(op, x, pos) || !ops_check_dtype(op, arg, pos, GEOCL_I32) ||
      !ops_check_shape(op, arg, pos, 3, (int64_t[]){x->shape[0], x->shape[1], 2}))
    return NULL;
  return ops_contiguous(pos);
}

/* ---- rope2d ---- */

static geocl_tensor *rope_apply(geocl_tensor *x, int64_t heads, geocl_tensor *pos, float base, int inverse) {
  geocl_ctx *ctx = x->ctx;
  geocl_tensor *y = ops_new(ctx, 3, x->shape);
  if (!y) return NULL;
  int64_t dh = x->shape[2] / heads;
  geocl_status st = ctx->be->ops->rope(ctx->be, x->shape[0], x->shape[1], heads, dh, base, inverse,
                                       geocl_tensor_bref(x), x->stride[0], x->stride[1], dh, geocl_tensor_bref(pos),
                                       geocl_tensor_bref(y));
  return ops_done(y, st);
}

/* The rotation is orthogonal: its backward is the inverse rotation. */
static geocl_status rope2d_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *dy = rows_contiguous(dout);
  geocl_tensor *dx = dy ? rope_apply(dy, n->p.i[0], n->saved[0], n->pf[0], 1) : NULL;
  return dx ? geocl_accumulate_grad(x, dx) : geocl_last_status();
}

geocl_tensor *geocl_rope2d(geocl_tensor *x, int heads, geocl_tensor *pos, float base) {
  OPS_REQUIRE(x, pos);
  const char *op = "rope2d";
  char s[96];
  if (!ops_check_dtype(op, "x", x, GEOCL_F32)) return NULL;
  if (x->ndim != 3 || !(base > 0)) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: needs x [B, N, C] and a base > 0, got x %s and base %g", op,
                    geocl_shape_str(x, s, sizeof s), base);
    return NULL;
  }
  if (!head_dim_of(op, "x", x, heads, true)) return NULL;
  geocl_tensor *p = positions_for(op, "pos", x, pos);
  geocl_ctx *ctx = x->ctx;
  if (!p || !OPS_KERNEL(ctx, rope, op)) return NULL;
  geocl_tensor *xr = rows_contiguous(x);
  geocl_tensor *y = xr ? rope_apply(xr, heads, p, base, 0) : NULL;
  if (!y) return NULL;
  geocl_node *n = geocl_record(y, op, rope2d_backward, 1, &xr);
  if (n) {
    n->p.i[0] = heads;
    n->pf[0] = base;
    geocl_node_save(n, p);
  }
  return y;
}

/* ---- attention ---- */

/* What both paths need, validated. */
typedef struct attn_plan {
  geocl_tensor *q, *k, *v, *qpos, *kpos; /* q, k, v with a contiguous last dim; positions NULL without RoPE */
  int64_t heads, head_dim;
  float scale, rope_base;
} attn_plan;

static bool plan_attention(geocl_tensor *q, geocl_tensor *k, geocl_tensor *v, const geocl_attn_opts *o, attn_plan *p) {
  const char *op = "attention";
  if (!o) {
    geocl_set_error(GEOCL_E_INVALID, "%s: options missing", op);
    return false;
  }
  if (!ops_check_dtype(op, "q", q, GEOCL_F32) || !ops_check_dtype(op, "k", k, GEOCL_F32) ||
      !ops_check_dtype(op, "v", v, GEOCL_F32) || !ops_same_ctx(op, q, k) || !ops_same_ctx(op, q, v))
    return false;
  bool fit = q->ndim == 3 && k->ndim == 3 && v->ndim == 3 && k->shape[0] == q->shape[0] &&
             k->shape[2] == q->shape[2] && v->shape[0] == k->shape[0] && v->shape[1] == k->shape[1] &&
             v->shape[2] == k->shape[2] && k->shape[1] > 0;
  if (!fit) {
    char sq[96], sk[96], sv[96];
    geocl_set_error(GEOCL_E_SHAPE, "%s: q %s, k %s, v %s do not fit (q [B, Nq, C], k and v [B, Nk, C], Nk > 0)", op,
                    geocl_shape_str(q, sq, sizeof sq), geocl_shape_str(k, sk, sizeof sk),
                    geocl_shape_str(v, sv, sizeof sv));
    return false;
  }
  bool rope = o->rope_base > 0;
  p->heads = o->heads;
  p->head_dim = head_dim_of(op, "q", q, o->heads, rope);
  if (!p->head_dim) return false;
  p->qpos = p->kpos = NULL;
  if (rope) {
    p->qpos = positions_for(op, "qpos", q, o->qpos);
    p->kpos = p->qpos ? positions_for(op, "kpos", k, o->kpos) : NULL;
    if (!p->kpos) return false;
  }
  p->scale = o->scale != 0 ? o->scale : (float)(1.0 / sqrt((double)p->head_dim));
  p->rope_base = rope ? o->rope_base : 0.0f;
  p->q = rows_contiguous(q);
  p->k = p->q ? rows_contiguous(k) : NULL;
  p->v = p->k ? rows_contiguous(v) : NULL;
  return p->v != NULL;
}

/* x [B, N, C] → [B, heads, N, head_dim], rotated first when pos is given. */
static geocl_tensor *split_heads(geocl_tensor *x, const attn_plan *p, geocl_tensor *pos) {
  int64_t b = x->shape[0], n = x->shape[1];
  if (pos) x = geocl_rope2d(x, (int)p->heads, pos, p->rope_base);
  return geocl_permute(geocl_reshape(x, 4, (int64_t[]){b, n, p->heads, p->head_dim}), (int[]){0, 2, 1, 3});
}

/* softmax(scale·q·kᵀ)·v from differentiable ops: autograd does the backward. */
static geocl_tensor *attention_unfused(const attn_plan *p) {
  geocl_tensor *qh = split_heads(p->q, p, p->qpos), *kh = split_heads(p->k, p, p->kpos);
  geocl_tensor *vh = split_heads(p->v, p, NULL);
  geocl_tensor *oh = geocl_matmul(geocl_softmax(geocl_matmul_ex(qh, kh, false, true, p->scale)), vh);
  return geocl_reshape(geocl_permute(oh, (int[]){0, 2, 1, 3}), 3, p->q->shape);
}

static geocl_attn_args attn_args(const attn_plan *p, geocl_tensor *out, geocl_tensor *lse) {
  int64_t dh = p->head_dim;
  geocl_attn_args a = {.batch = p->q->shape[0], .heads = p->heads, .nq = p->q->shape[1], .nk = p->k->shape[1],
                       .head_dim = dh, .scale = p->scale, .rope_base = p->rope_base,
                       .q = geocl_tensor_bref(p->q), .k = geocl_tensor_bref(p->k), .v = geocl_tensor_bref(p->v),
                       .o = geocl_tensor_bref(out), .lse = geocl_tensor_bref(lse)};
  if (p->qpos) {
    a.qpos = geocl_tensor_bref(p->qpos);
    a.kpos = geocl_tensor_bref(p->kpos);
  }
  int64_t *s[][3] = {{&a.q_sb, &a.q_st, &a.q_sh}, {&a.k_sb, &a.k_st, &a.k_sh}, {&a.v_sb, &a.v_st, &a.v_sh},
                     {&a.o_sb, &a.o_st, &a.o_sh}};
  const geocl_tensor *t[] = {p->q, p->k, p->v, out};
  for (int i = 0; i < 4; i++) {
    *s[i][0] = t[i]->stride[0];
    *s[i][1] = t[i]->stride[1];
    *s[i][2] = dh * t[i]->stride[2];
  }
  return a;
}

/* The useful FLOPs of a fused forward (q·kᵀ and p·v over all heads); the
 * backward's four products are twice that (geocl_ctx_flops). */
static double attention_flops(const attn_plan *p) {
  return 4.0 * (double)p->q->shape[0] * (double)p->q->shape[1] * (double)p->k->shape[1] * (double)p->q->shape[2];
}

static geocl_status attention_backward(geocl_node *n, geocl_tensor *dout) {
  attn_plan p = {.q = n->in[0], .k = n->in[1], .v = n->in[2], .heads = n->p.i[0], .head_dim = n->p.i[1],
                 .scale = n->pf[0], .rope_base = n->pf[1]};
  if (p.rope_base > 0) {
    p.qpos = n->saved[1];
    p.kpos = n->saved[2];
  }
  geocl_ctx *ctx = p.q->ctx;
  geocl_tensor *dO = ops_contiguous(dout);
  geocl_tensor *dq = dO ? ops_new(ctx, 3, p.q->shape) : NULL;
  geocl_tensor *dk = dq ? ops_new(ctx, 3, p.k->shape) : NULL;
  geocl_tensor *dv = dk ? ops_new(ctx, 3, p.v->shape) : NULL;
  if (!dv) return geocl_last_status();
  geocl_attn_args a = attn_args(&p, n->out, n->saved[0]);
  a.dout = geocl_tensor_bref(dO);
  a.dq = geocl_tensor_bref(dq);
  a.dk = geocl_tensor_bref(dk);
  a.dv = geocl_tensor_bref(dv);
  int64_t dh = p.head_dim, c = p.q->shape[2];
  a.do_sb = a.dq_sb = p.q->shape[1] * c;
  a.dk_sb = a.dv_sb = p.k->shape[1] * c;
  a.do_st = a.dq_st = a.dk_st = a.dv_st = c;
  a.do_sh = a.dq_sh = a.dk_sh = a.dv_sh = dh;
  ctx->flops += 2 * attention_flops(&p);
  geocl_status st = ctx->be->ops->attention_backward(ctx->be, &a);
  if (st == GEOCL_OK) st = geocl_accumulate_grad(p.q, dq);
  if (st == GEOCL_OK) st = geocl_accumulate_grad(p.k, dk);
  if (st == GEOCL_OK) st = geocl_accumulate_grad(p.v, dv);
  return st;
}

static geocl_tensor *attention_fused(const attn_plan *p) {
  const char *op = "attention";
  geocl_ctx *ctx = p->q->ctx;
  if (!OPS_KERNEL(ctx, attention, op) || !OPS_KERNEL(ctx, attention_backward, op)) return NULL;
  geocl_tensor *out = ops_new(ctx, 3, p->q->shape);
  geocl_tensor *lse = out ? ops_new(ctx, 3, (int64_t[]){p->q->shape[0], p->heads, p->q->shape[1]}) : NULL;
  if (!lse) return ops_fail(out);
  geocl_attn_args a = attn_args(p, out, lse);
  ctx->flops += attention_flops(p);
  geocl_status st = ctx->be->ops->attention(ctx->be, &a);
  if (st != GEOCL_OK) {
    geocl_tensor_free(lse);
    return ops_fail(out);
  }
  geocl_node *n = geocl_record(out, op, attention_backward, 3, (geocl_tensor *[]){p->q, p->k, p->v});
  if (n) {
    n->p.i[0] = p->heads;
    n->p.i[1] = p->head_dim;
    n->pf[0] = p->scale;
    n->pf[1] = p->rope_base;
    geocl_node_save(n, lse);
    geocl_node_save(n, p->qpos);
    geocl_node_save(n, p->kpos);
  }
  geocl_tensor_free(lse); /* the node keeps its own reference */
  return out;
}

geocl_tensor *geocl_attention(geocl_tensor *q, geocl_tensor *k, geocl_tensor *v, const geocl_attn_opts *o) {
  OPS_REQUIRE(q, k, v);
  attn_plan p;
  if (!plan_attention(q, k, v, o, &p)) return NULL;
  return o->unfused ? attention_unfused(&p) : attention_fused(&p);
}
