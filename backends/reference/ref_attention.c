/* SPDX-License-Identifier: MIT */
/* Reference multi-head attention and 2D RoPE (double accumulation).
 *
 * Each query's softmax takes two passes over the keys: the log-sum-exp, then
 * the output.  The backward recomputes the probabilities from the saved
 * log-sum-exp, one pass per query for dq and one per key for dk and dv.
 * Head vectors are rotated as they are read, so nothing is allocated. */
#include <math.h>
#include <stdbool.h>

#include "ref.h"

/* Longest head vector kept on the stack. */
#define MAX_HEAD_DIM 128

/* One [batch, n, heads, head_dim] array addressed by element strides. */
typedef struct operand {
  float *p;
  int64_t sb, st, sh;
  const int32_t *pos; /* [batch, n, 2] (y, x) when RoPE rotates this operand, else NULL */
  int64_t n;
} operand;

typedef struct attn {
  int64_t dh;
  float theta[MAX_HEAD_DIM / 4];
} attn;

/* θ_j = 1/base^(j/Q) in float, as CroCo's RoPE2D computes it. */
static void rope_thetas(float base, int64_t dh, float *theta) {
  int64_t q = dh / 4;
  for (int64_t j = 0; j < q; j++) theta[j] = (float)(1.0 / pow(base, (double)((float)j / (float)q)));
}

/* Rotate a head vector in place: pairs (j, j+Q) of the first half by y·θ_j,
 * of the second half by x·θ_j; sign −1 rotates back. */
static void rope_rotate(double *x, int64_t dh, const int32_t *pos, const float *theta, int sign) {
  int64_t q = dh / 4;
  for (int half = 0; half < 2; half++)
    for (int64_t j = 0; j < q; j++) {
      float phi = (float)pos[half] * theta[j];
      double c = cos(phi), s = sign * sin(phi);
      double *u = x + half * 2 * q + j, *v = u + q, u0 = *u;
      *u = u0 * c - *v * s;
      *v = *v * c + u0 * s;
    }
}

static float *at(const operand *x, int64_t b, int64_t t, int64_t h) { return x->p + b * x->sb + t * x->st + h * x->sh; }

/* Head vector (b, t, h) of x as doubles, rotated when x has positions. */
static void load(const attn *c, const operand *x, int64_t b, int64_t t, int64_t h, double *dst) {
  const float *src = at(x, b, t, h);
  for (int64_t e = 0; e < c->dh; e++) dst[e] = src[e];
  if (x->pos) rope_rotate(dst, c->dh, x->pos + (b * x->n + t) * 2, c->theta, 1);
}

/* Write a head vector, rotating it back first when x has positions (the
 * gradient with respect to the unrotated input). */
static void store(const attn *c, const operand *x, int64_t b, int64_t t, int64_t h, double *src) {
  if (x->pos) rope_rotate(src, c->dh, x->pos + (b * x->n + t) * 2, c->theta, -1);
  float *dst = at(x, b, t, h);
  for (int64_t e = 0; e < c->dh; e++) dst[e] = (float)src[e];
}

static double dot(const double *a, const double *b, int64_t n) {
  double s = 0;
  for (int64_t e = 0; e < n; e++) s += a[e] * b[e];
  return s;
}

static void axpy(double *y, double a, const double *x, int64_t n) {
  for (int64_t e = 0; e < n; e++) y[e] += a * x[e];
}

static bool setup(attn *c, const char *op, int64_t dh, float base) {
  if (dh > MAX_HEAD_DIM) {
    geocl_set_error(GEOCL_E_UNSUPPORTED, "%s: head_dim %lld exceeds the reference backend's limit %d", op,
                    (long long)dh, MAX_HEAD_DIM);
    return false;
  }
  c->dh = dh;
  if (base > 0) rope_thetas(base, dh, c->theta);
  return true;
}

#define OPERAND(a, x, pos, n) {REF_F32(a->x), a->x##_sb, a->x##_st, a->x##_sh, pos, n}

geocl_status ref_attention(geocl_backend *be, const geocl_attn_args *a) {
  attn c;
  if (!setup(&c, "attention", a->head_dim, a->rope_base)) return GEOCL_E_UNSUPPORTED;
  bool rope = a->rope_base > 0;
  operand q = OPERAND(a, q, rope ? REF_I32(a->qpos) : NULL, a->nq);
  operand k = OPERAND(a, k, rope ? REF_I32(a->kpos) : NULL, a->nk);
  operand v = OPERAND(a, v, NULL, a->nk), o = OPERAND(a, o, NULL, a->nq);
  float *lse = REF_F32(a->lse);
  double qi[MAX_HEAD_DIM], kj[MAX_HEAD_DIM], vj[MAX_HEAD_DIM], acc[MAX_HEAD_DIM];
  for (int64_t b = 0; b < a->batch; b++)
    for (int64_t h = 0; h < a->heads; h++)
      for (int64_t i = 0; i < a->nq; i++) {
        load(&c, &q, b, i, h, qi);
        double m = -INFINITY, l = 0;
        for (int64_t j = 0; j < a->nk; j++) {
          load(&c, &k, b, j, h, kj);
          double s = a->scale * dot(qi, kj, c.dh);
          if (s > m) {
            l = l * exp(m - s) + 1;
            m = s;
          } else l += exp(s - m);
        }
        double lse_i = m + log(l);
        for (int64_t e = 0; e < c.dh; e++) acc[e] = 0;
        for (int64_t j = 0; j < a->nk; j++) {
          load(&c, &k, b, j, h, kj);
          load(&c, &v, b, j, h, vj);
          axpy(acc, exp(a->scale * dot(qi, kj, c.dh) - lse_i), vj, c.dh);
        }
        store(&c, &o, b, i, h, acc);
        lse[(b * a->heads + h) * a->nq + i] = (float)lse_i;
      }
  return GEOCL_OK;
}

/* With P = softmax(S), S = scale·q̃·k̃ᵀ and D_i = Σ_e dO·O:
 * dS = P∘(dO·vᵀ − D), dq̃ = scale·dS·k̃, dk̃ = scale·dSᵀ·q̃, dv = Pᵀ·dO;
 * dq and dk are dq̃ and dk̃ rotated back. */
geocl_status ref_attention_backward(geocl_backend *be, const geocl_attn_args *a) {
  attn c;
  if (!setup(&c, "attention", a->head_dim, a->rope_base)) return GEOCL_E_UNSUPPORTED;
  bool rope = a->rope_base > 0;
  const int32_t *qpos = rope ? REF_I32(a->qpos) : NULL, *kpos = rope ? REF_I32(a->kpos) : NULL;
  operand q = OPERAND(a, q, qpos, a->nq), dq = OPERAND(a, dq, qpos, a->nq);
  operand k = OPERAND(a, k, kpos, a->nk), dk = OPERAND(a, dk, kpos, a->nk);
  operand v = OPERAND(a, v, NULL, a->nk), dv = OPERAND(a, dv, NULL, a->nk);
  operand o = OPERAND(a, o, NULL, a->nq), dout = {REF_F32(a->dout), a->do_sb, a->do_st, a->do_sh, NULL, a->nq};
  const float *lse = REF_F32(a->lse);
  double qi[MAX_HEAD_DIM], kj[MAX_HEAD_DIM], vj[MAX_HEAD_DIM], oi[MAX_HEAD_DIM], doi[MAX_HEAD_DIM];
  double acc[MAX_HEAD_DIM], acc2[MAX_HEAD_DIM];
  for (int64_t b = 0; b < a->batch; b++)
    for (int64_t h = 0; h < a->heads; h++) {
      const float *lse_bh = lse + (b * a->heads + h) * a->nq;
      for (int64_t i = 0; i < a->nq; i++) { /* dq */
        load(&c, &q, b, i, h, qi);
        load(&c, &dout, b, i, h, doi);
        load(&c, &o, b, i, h, oi);
        double D = dot(doi, oi, c.dh);
        for (int64_t e = 0; e < c.dh; e++) acc[e] = 0;
        for (int64_t j = 0; j < a->nk; j++) {
          load(&c, &k, b, j, h, kj);
          load(&c, &v, b, j, h, vj);
          double p = exp(a->scale * dot(qi, kj, c.dh) - lse_bh[i]);
          axpy(acc, a->scale * p * (dot(doi, vj, c.dh) - D), kj, c.dh);
        }
        store(&c, &dq, b, i, h, acc);
      }
      for (int64_t j = 0; j < a->nk; j++) { /* dk (acc), dv (acc2) */
        load(&c, &k, b, j, h, kj);
        load(&c, &v, b, j, h, vj);
        for (int64_t e = 0; e < c.dh; e++) acc[e] = acc2[e] = 0;
        for (int64_t i = 0; i < a->nq; i++) {
          load(&c, &q, b, i, h, qi);
          load(&c, &dout, b, i, h, doi);
          load(&c, &o, b, i, h, oi);
          double p = exp(a->scale * dot(qi, kj, c.dh) - lse_bh[i]);
          axpy(acc2, p, doi, c.dh);
          axpy(acc, a->scale * p * (dot(doi, vj, c.dh) - dot(doi, oi, c.dh)), qi, c.dh);
        }
        store(&c, &dk, b, j, h, acc);
        store(&c, &dv, b, j, h, acc2);
      }
    }
  return GEOCL_OK;
}

geocl_status ref_rope(geocl_backend *be, int64_t batch, int64_t n, int64_t heads, int64_t head_dim, float base,
                      int inverse, geocl_bref x, int64_t sb, int64_t st, int64_t sh, geocl_bref pos, geocl_bref y) {
  attn c;
  if (!setup(&c, "rope2d", head_dim, base)) return GEOCL_E_UNSUPPORTED;
  operand xo = {REF_F32(x), sb, st, sh, NULL, n}, yo = {REF_F32(y), n * heads * head_dim, heads * head_dim, head_dim,
                                                        NULL, n};
  const int32_t *P = REF_I32(pos);
  double t[MAX_HEAD_DIM];
  for (int64_t b = 0; b < batch; b++)
    for (int64_t i = 0; i < n; i++)
      for (int64_t h = 0; h < heads; h++) {
        load(&c, &xo, b, i, h, t);
        rope_rotate(t, head_dim, P + (b * n + i) * 2, c.theta, inverse ? -1 : 1);
        store(&c, &yo, b, i, h, t);
      }
  return GEOCL_OK;
}
