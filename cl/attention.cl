/* SPDX-License-Identifier: MIT */
/* Multi-head attention softmax(scale·q·kᵀ)·v with optional 2D RoPE on q and
 * k, fused: no Nq×Nk matrix is written.  Each work-item owns ATTN_ROWS
 * queries (forward, dq) or keys (dk, dv) of one (batch, head); the work-group
 * walks the other side in tiles of TILE rows that it loads together into
 * local memory, rotating them there.  The forward keeps a running max and sum
 * (online softmax) and saves the log-sum-exp; the backward recomputes the
 * probabilities from it.  No atomics: every output has one writer.
 *
 * Arithmetic runs on vectors of VWIDTH floats (common.cl): scores along a
 * tile's rows, accumulators along the head dimension.  So that whole vectors
 * fit, local tiles pad their rows to LDR = ⌈dh⌉ floats and transposed tiles
 * their columns to LDT = ⌈TILE⌉, ⌈·⌉ rounding up to a multiple of VWIDTH:
 * lanes past dh or past a tile's last row are computed but never used.
 * RoPE's sines and cosines are computed VWIDTH angles at a time (a scalar
 * sincos does not vectorise on CPU devices), as tiles are loaded and once per
 * work-item for its own row.
 *
 * The launcher (backends/opencl/k_attention.c) picks the work-group size and
 * TILE ≤ MAX_TILE from the device's limits and passes the tiles as __local
 * arguments of ⌈TILE⌉·⌈dh⌉ floats.  Kernels with barriers run every
 * work-item to the end: items past the last row work on a copy of the last
 * row and write nothing. */

#define MAX_HEAD_DIM 128
#define MAX_TILE 64
/* Rows (queries, or keys) per work-item: 1 unless the backend says more
 * (-DATTN_ROWS, the device's defaults); each loaded tile vector then serves
 * that many rows, which a CPU's registers hold. */
#ifndef ATTN_ROWS
#define ATTN_ROWS 1
#endif
#define ROUND_VW(n) (((n) + VWIDTH - 1) / VWIDTH * VWIDTH)

/* Operands of attn_desc's offset and stride arrays. */
#define OP_Q 0
#define OP_K 1
#define OP_V 2
#define OP_O 3
#define OP_DO 4
#define OP_DQ 5
#define OP_DK 6
#define OP_DV 7

/* Layout of one call: element offsets and (batch, token, head) strides of
 * each [batch, n, heads, dh] operand; lse [batch, heads, nq], positions
 * [batch, n, 2].  64-bit fields only (host mirror in k_attention.c). */
typedef struct {
  long nq, nk, heads, dh, tile;
  long lse_off, qpos_off, kpos_off;
  long off[8], sb[8], st[8], sh[8];
} attn_desc;

/* ---- vectors ---- */

inline float max_lanes(vfloat x) {
  float t[VWIDTH], m = -INFINITY;
  vstore_v(x, 0, t);
  for (int j = 0; j < VWIDTH; j++) m = fmax(m, t[j]);
  return m;
}

/* ---- 2D RoPE ---- */

/* θ_j = 1/base^(j/Q), as CroCo's RoPE2D computes it */
inline float rope_theta(float base, int j, int q) { return 1.0f / powr(base, (float)j / (float)q); }

/* (u, v) rotated by φ, or by −φ when sign is −1 */
inline float2 rope_pair(float u, float v, float phi, float sign) {
  float c, s = sign * sincos(phi, &c);
  return (float2)(u * c - v * s, v * c + u * s);
}

/* θ table of the work-group, zero up to a whole vector (before the first
 * barrier) */
inline void rope_thetas(__local float *theta, float base, int dh) {
  int q = dh / 4;
  for (int j = get_local_id(0); j < ROUND_VW(q); j += get_local_size(0))
    theta[j] = j < q ? rope_theta(base, j, q) : 0.0f;
}

/* c[j], s[j] = cos, sin of p·θ_j for j < Q (rounded up to a whole vector) */
inline void rope_angles(float *c, float *s, float p, __local const float *theta, int q) {
  for (int jv = 0; jv < ROUND_VW(q) / VWIDTH; jv++) {
    vfloat cv, sv = sincos(p * vload_v(jv, theta), &cv);
    vstore_v(cv, jv, c);
    vstore_v(sv, jv, s);
  }
}

/* Rotate a head vector in private memory at pos (y, x): pairs (j, j+Q) of the
 * first half by y·θ_j, of the second half by x·θ_j; by −θ when sign is −1. */
inline void rope_private(float *x, int dh, __global const int *pos, __local const float *theta, float sign) {
  int q = dh / 4;
  float c[MAX_HEAD_DIM / 4], s[MAX_HEAD_DIM / 4];
  for (int axis = 0; axis < 2; axis++) {
    rope_angles(c, s, (float)pos[axis], theta, q);
    for (int j = 0; j < q; j++) {
      int e = axis * 2 * q + j;
      float u = x[e], v = x[e + q], sj = sign * s[j];
      x[e] = u * c[j] - v * sj;
      x[e + q] = v * c[j] + u * sj;
    }
  }
}

/* y (contiguous [batch, n, heads, dh]) = x rotated at pos, by −θ when sign
 * is −1; one work-item per rotated pair. */
__kernel void rope(long batch, long n, long heads, long dh, float base, float sign, __global const float *x,
                   ulong xoff, long sb, long st, long sh, __global const int *pos, ulong posoff, __global float *y,
                   ulong yoff) {
  long i = get_global_id(0), q = dh / 4;
  if (i >= batch * n * heads * 2 * q) return;
  long r = i % (2 * q), head = i / (2 * q); /* head: (b·n + t)·heads + h */
  long h = head % heads, bt = head / heads, t = bt % n, b = bt / n;
  long axis = r / q, j = r % q, e = axis * 2 * q + j;
  __global const float *xs = x + xoff + b * sb + t * st + h * sh;
  float phi = (float)pos[posoff + 2 * bt + axis] * rope_theta(base, (int)j, (int)q);
  float2 rot = rope_pair(xs[e], xs[e + q], phi, sign);
  __global float *yd = y + yoff + head * dh;
  yd[e] = rot.x;
  yd[e + q] = rot.y;
}

/* ---- tiles ---- */

/* Row t of head h in batch b of an operand */
#define ROW(d, p, o, b, t, h) ((p) + (d)->off[o] + (b) * (d)->sb[o] + (t) * (d)->st[o] + (h) * (d)->sh[o])

/* Lanes [0, count) of x into rows (from element e of row t) and/or
 * transposed into cols (element e of row t at e·LDT + t); rows or cols may
 * be 0. */
inline void put(__local float *rows, __local float *cols, int dh, int tile, int t, int e, vfloat x, int count) {
  float lane[VWIDTH];
  vstore_v(x, 0, lane);
  if (rows && count == VWIDTH) vstore_v(x, 0, rows + t * ROUND_VW(dh) + e);
  else if (rows)
    for (int j = 0; j < count; j++) rows[t * ROUND_VW(dh) + e + j] = lane[j];
  if (cols)
    for (int j = 0; j < count; j++) cols[(e + j) * ROUND_VW(tile) + t] = lane[j];
}

/* Rows [r0, r0 + n) of operand o into local memory (see put), rotated by
 * RoPE when rope (pos: positions of row r0); shared by the work-group, which
 * must pass a barrier before reading them.  Without RoPE one step moves a
 * vector of a row; with it, the first and the second elements of a vector of
 * pairs. */
inline void load_tile(__local float *rows, __local float *cols, const attn_desc *d, int o, __global const float *p,
                      long b, long r0, int n, long h, bool rope, __global const int *pos, __local const float *theta) {
  int dh = (int)d->dh, tile = (int)d->tile, l = get_local_id(0), ls = get_local_size(0);
  __global const float *src = ROW(d, p, o, b, r0, h);
  if (!rope) {
    int per_row = ROUND_VW(dh) / VWIDTH;
    for (int i = l; i < n * per_row; i += ls) {
      int t = i / per_row, c = i - t * per_row;
      put(rows, cols, dh, tile, t, c * VWIDTH, load_fv(src + t * d->st[o], c, dh), VWIDTH);
    }
  } else {
    int q = dh / 4, qv = ROUND_VW(q) / VWIDTH;
    for (int i = l; i < n * 2 * qv; i += ls) {
      int t = i / (2 * qv), axis = i / qv % 2, jv = i % qv, e = axis * 2 * q + jv * VWIDTH;
      int count = min(VWIDTH, q - jv * VWIDTH);
      __global const float *row = src + t * d->st[o] + axis * 2 * q;
      vfloat u = load_fv(row, jv, q), v = load_fv(row + q, jv, q);
      vfloat c, s = sincos((float)pos[2 * t + axis] * vload_v(jv, theta), &c);
      put(rows, cols, dh, tile, t, e, u * c - v * s, count);
      put(rows, cols, dh, tile, t, e + q, v * c + u * s, count);
    }
  }
}

/* For the work-item's ATTN_ROWS rows r and whole vectors v < nv:
 * out[r·out_ld + v] = (add ? out[r·out_ld + v] : 0) + Σ_{k<K} coef[r·coef_ld + k]·tile[k·ld + v]
 * (v counting vectors), four vectors at a time (independent sums hide the
 * latency of the additions; each loaded vector serves every row), then one
 * by one.  Each lane sums in the order of k, whatever ATTN_ROWS is.
 * Scores are dots(): coef the rows' head vectors, tile a transposed tile;
 * outputs accumulate(): coef the rows' weights, tile a tile of rows. */
inline void madd_rows(float *out, int out_ld, const float *coef, int coef_ld, __local const float *tile, int ld, int K,
                      int nv, bool add) {
  int v = 0;
  for (; v + 4 <= nv; v += 4) {
    vfloat a[ATTN_ROWS][4];
#pragma unroll
    for (int r = 0; r < ATTN_ROWS; r++)
      for (int j = 0; j < 4; j++) a[r][j] = add ? vload_v(v + j, out + r * out_ld) : 0.0f;
    for (int k = 0; k < K; k++) {
      __local const float *t = tile + k * ld + v * VWIDTH;
      vfloat t0 = vload_v(0, t), t1 = vload_v(1, t), t2 = vload_v(2, t), t3 = vload_v(3, t);
#pragma unroll
      for (int r = 0; r < ATTN_ROWS; r++) {
        float f = coef[r * coef_ld + k];
        a[r][0] += f * t0;
        a[r][1] += f * t1;
        a[r][2] += f * t2;
        a[r][3] += f * t3;
      }
    }
#pragma unroll
    for (int r = 0; r < ATTN_ROWS; r++)
      for (int j = 0; j < 4; j++) vstore_v(a[r][j], v + j, out + r * out_ld);
  }
  for (; v < nv; v++) {
    vfloat a[ATTN_ROWS];
#pragma unroll
    for (int r = 0; r < ATTN_ROWS; r++) a[r] = add ? vload_v(v, out + r * out_ld) : 0.0f;
    for (int k = 0; k < K; k++) {
      vfloat t = vload_v(v, tile + k * ld);
#pragma unroll
      for (int r = 0; r < ATTN_ROWS; r++) a[r] += coef[r * coef_ld + k] * t;
    }
#pragma unroll
    for (int r = 0; r < ATTN_ROWS; r++) vstore_v(a[r], v, out + r * out_ld);
  }
}

/* s[r][t] = Σ_e x[r][e]·cols[e·LDT + t] for t < n */
#define dots(s, x, cols, tile, n, dh) \
  madd_rows(&(s)[0][0], MAX_TILE, &(x)[0][0], MAX_HEAD_DIM, cols, ROUND_VW(tile), dh, ((n) + VWIDTH - 1) / VWIDTH, false)
/* acc[r][e] += Σ_{t<n} w[r][t]·rows[t·LDR + e] for e < LDR */
#define accumulate(acc, w, rows, n, dh) \
  madd_rows(&(acc)[0][0], MAX_HEAD_DIM, &(w)[0][0], MAX_TILE, rows, ROUND_VW(dh), n, ROUND_VW(dh) / VWIDTH, true)

inline void scale_vector(float *x, float f, int dh) {
  for (int ev = 0; ev < ROUND_VW(dh) / VWIDTH; ev++) vstore_v(f * vload_v(ev, x), ev, x);
}

inline float dot_global(__global const float *a, __global const float *b, int n) {
  float s = 0.0f;
  for (int e = 0; e < n; e++) s += a[e] * b[e];
  return s;
}

/* A head vector from global memory into private x, zero up to ⌈dh⌉ */
inline void load_private(float *x, __global const float *src, int dh) {
  for (int e = 0; e < ROUND_VW(dh); e++) x[e] = e < dh ? src[e] : 0.0f;
}

/* ---- forward: ATTN_ROWS queries per work-item; key tile kc (transposed), values vr (rows) ---- */

__kernel void attn_fwd(DESC_ARG(attn_desc, d), float scale, float base, __global const float *q, __global const float *k,
                       __global const float *v, __global float *o, __global float *lse, __global const int *qpos,
                       __global const int *kpos, __local float *kc, __local float *vr) {
  DESC_OPEN(attn_desc, d);
  __local float theta[MAX_HEAD_DIM / 4];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, i0 = get_global_id(0) * ATTN_ROWS;
  int dh = (int)d.dh, tile = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float qi[ATTN_ROWS][MAX_HEAD_DIM], acc[ATTN_ROWS][MAX_HEAD_DIM], s[ATTN_ROWS][MAX_TILE], m[ATTN_ROWS];
  vfloat lv[ATTN_ROWS]; /* the running sums, lane-wise */
  for (int r = 0; r < ATTN_ROWS; r++) {
    long ic = min(i0 + r, d.nq - 1);
    load_private(qi[r], ROW(&d, q, OP_Q, b, ic, h), dh);
    for (int e = 0; e < ROUND_VW(dh); e++) acc[r][e] = 0.0f;
    if (rope) rope_private(qi[r], dh, qpos + d.qpos_off + 2 * (b * d.nq + ic), theta, 1.0f);
    scale_vector(qi[r], scale, dh);
    m[r] = -INFINITY;
    lv[r] = 0.0f;
  }
  for (long k0 = 0; k0 < d.nk; k0 += d.tile) {
    int n = (int)min(d.tile, d.nk - k0), nv = (n + VWIDTH - 1) / VWIDTH;
    __global const int *pos = kpos + d.kpos_off + 2 * (b * d.nk + k0);
    load_tile(0, kc, &d, OP_K, k, b, k0, n, h, rope, pos, theta);
    load_tile(vr, 0, &d, OP_V, v, b, k0, n, h, false, pos, theta);
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(s, qi, kc, tile, n, dh);
    for (int r = 0; r < ATTN_ROWS; r++) {
      for (int t = n; t < nv * VWIDTH; t++) s[r][t] = -INFINITY; /* lanes past the tile */
      vfloat mv = m[r];
      for (int tv = 0; tv < nv; tv++) mv = fmax(mv, vload_v(tv, s[r]));
      float mt = max_lanes(mv);
      float corr = exp(m[r] - mt); /* 0 on the first tile */
      lv[r] *= corr;
      scale_vector(acc[r], corr, dh);
      for (int tv = 0; tv < nv; tv++) {
        vfloat p = exp(vload_v(tv, s[r]) - mt);
        lv[r] += p;
        vstore_v(p, tv, s[r]);
      }
      m[r] = mt;
    }
    accumulate(acc, s, vr, n, dh);
    barrier(CLK_LOCAL_MEM_FENCE); /* the next tile overwrites kc, vr */
  }
  for (int r = 0; r < ATTN_ROWS && i0 + r < d.nq; r++) {
    float l = sum_lanes(lv[r]);
    __global float *orow = ROW(&d, o, OP_O, b, i0 + r, h);
    for (int e = 0; e < dh; e++) orow[e] = acc[r][e] / l;
    lse[d.lse_off + (b * d.heads + h) * d.nq + i0 + r] = m[r] + log(l);
  }
}

/* ---- backward ----
 * With P = exp(scale·q̃·k̃ᵀ − lse) and D_i = dO_i·O_i:
 * dS = P∘(dO·vᵀ − D), dq̃ = scale·dS·k̃, dk̃ = scale·dSᵀ·q̃, dv = Pᵀ·dO;
 * dq and dk are dq̃ and dk̃ rotated back. */

/* dq: ATTN_ROWS queries per work-item; key tiles kr (rows) and kc
 * (transposed), value tile vc (transposed) */
__kernel void attn_bwd_dq(DESC_ARG(attn_desc, d), float scale, float base, __global const float *q, __global const float *k,
                          __global const float *v, __global const float *o, __global const float *lse,
                          __global const int *qpos, __global const int *kpos, __global const float *dout,
                          __global float *dq, __local float *kr, __local float *kc, __local float *vc) {
  DESC_OPEN(attn_desc, d);
  __local float theta[MAX_HEAD_DIM / 4];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, i0 = get_global_id(0) * ATTN_ROWS;
  int dh = (int)d.dh, tile = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float qi[ATTN_ROWS][MAX_HEAD_DIM], doi[ATTN_ROWS][MAX_HEAD_DIM], acc[ATTN_ROWS][MAX_HEAD_DIM];
  float s[ATTN_ROWS][MAX_TILE], dp[ATTN_ROWS][MAX_TILE], D[ATTN_ROWS], lse_i[ATTN_ROWS];
  for (int r = 0; r < ATTN_ROWS; r++) {
    long ic = min(i0 + r, d.nq - 1);
    __global const float *qrow = ROW(&d, q, OP_Q, b, ic, h), *dorow = ROW(&d, dout, OP_DO, b, ic, h);
    load_private(qi[r], qrow, dh);
    load_private(doi[r], dorow, dh);
    for (int e = 0; e < ROUND_VW(dh); e++) acc[r][e] = 0.0f;
    D[r] = dot_global(dorow, ROW(&d, o, OP_O, b, ic, h), dh);
    lse_i[r] = lse[d.lse_off + (b * d.heads + h) * d.nq + ic];
    if (rope) rope_private(qi[r], dh, qpos + d.qpos_off + 2 * (b * d.nq + ic), theta, 1.0f);
    scale_vector(qi[r], scale, dh);
  }
  for (long k0 = 0; k0 < d.nk; k0 += d.tile) {
    int n = (int)min(d.tile, d.nk - k0);
    __global const int *pos = kpos + d.kpos_off + 2 * (b * d.nk + k0);
    load_tile(kr, kc, &d, OP_K, k, b, k0, n, h, rope, pos, theta);
    load_tile(0, vc, &d, OP_V, v, b, k0, n, h, false, pos, theta);
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(s, qi, kc, tile, n, dh);
    dots(dp, doi, vc, tile, n, dh);
    for (int r = 0; r < ATTN_ROWS; r++)
      for (int tv = 0; tv < (n + VWIDTH - 1) / VWIDTH; tv++) /* dS */
        vstore_v(exp(vload_v(tv, s[r]) - lse_i[r]) * (vload_v(tv, dp[r]) - D[r]), tv, s[r]);
    accumulate(acc, s, kr, n, dh);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int r = 0; r < ATTN_ROWS && i0 + r < d.nq; r++) {
    scale_vector(acc[r], scale, dh);
    if (rope) rope_private(acc[r], dh, qpos + d.qpos_off + 2 * (b * d.nq + i0 + r), theta, -1.0f);
    __global float *row = ROW(&d, dq, OP_DQ, b, i0 + r, h);
    for (int e = 0; e < dh; e++) row[e] = acc[r][e];
  }
}

/* dk, dv: ATTN_ROWS keys per work-item; query tiles qr, qc and dout tiles
 * gr, gc (rows and transposed), with the queries' lse and D */
__kernel void attn_bwd_dkv(DESC_ARG(attn_desc, d), float scale, float base, __global const float *q, __global const float *k,
                           __global const float *v, __global const float *o, __global const float *lse,
                           __global const int *qpos, __global const int *kpos, __global const float *dout,
                           __global float *dk, __global float *dv, __local float *qr, __local float *qc,
                           __local float *gr, __local float *gc) {
  DESC_OPEN(attn_desc, d);
  __local float theta[MAX_HEAD_DIM / 4], lse_t[MAX_TILE], D_t[MAX_TILE];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, j0 = get_global_id(0) * ATTN_ROWS;
  int dh = (int)d.dh, tile = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float kj[ATTN_ROWS][MAX_HEAD_DIM], vj[ATTN_ROWS][MAX_HEAD_DIM], dkj[ATTN_ROWS][MAX_HEAD_DIM];
  float dvj[ATTN_ROWS][MAX_HEAD_DIM], p[ATTN_ROWS][MAX_TILE], ds[ATTN_ROWS][MAX_TILE];
  for (int r = 0; r < ATTN_ROWS; r++) {
    long jc = min(j0 + r, d.nk - 1);
    load_private(kj[r], ROW(&d, k, OP_K, b, jc, h), dh);
    load_private(vj[r], ROW(&d, v, OP_V, b, jc, h), dh);
    for (int e = 0; e < ROUND_VW(dh); e++) dkj[r][e] = dvj[r][e] = 0.0f;
    if (rope) rope_private(kj[r], dh, kpos + d.kpos_off + 2 * (b * d.nk + jc), theta, 1.0f);
    scale_vector(kj[r], scale, dh);
  }
  __global const float *lse_bh = lse + d.lse_off + (b * d.heads + h) * d.nq;
  for (long i0 = 0; i0 < d.nq; i0 += d.tile) {
    int n = (int)min(d.tile, d.nq - i0);
    __global const int *pos = qpos + d.qpos_off + 2 * (b * d.nq + i0);
    load_tile(qr, qc, &d, OP_Q, q, b, i0, n, h, rope, pos, theta);
    load_tile(gr, gc, &d, OP_DO, dout, b, i0, n, h, false, pos, theta);
    for (int t = get_local_id(0); t < n; t += get_local_size(0)) {
      lse_t[t] = lse_bh[i0 + t];
      D_t[t] = dot_global(ROW(&d, dout, OP_DO, b, i0 + t, h), ROW(&d, o, OP_O, b, i0 + t, h), dh);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(p, kj, qc, tile, n, dh);
    dots(ds, vj, gc, tile, n, dh);
    for (int r = 0; r < ATTN_ROWS; r++)
      for (int tv = 0; tv < (n + VWIDTH - 1) / VWIDTH; tv++) {
        vfloat pv = exp(vload_v(tv, p[r]) - vload_v(tv, lse_t));
        vstore_v(pv, tv, p[r]);
        vstore_v(pv * (vload_v(tv, ds[r]) - vload_v(tv, D_t)), tv, ds[r]);
      }
    accumulate(dvj, p, gr, n, dh);
    accumulate(dkj, ds, qr, n, dh);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int r = 0; r < ATTN_ROWS && j0 + r < d.nk; r++) {
    scale_vector(dkj[r], scale, dh);
    if (rope) rope_private(dkj[r], dh, kpos + d.kpos_off + 2 * (b * d.nk + j0 + r), theta, -1.0f);
    __global float *kd = ROW(&d, dk, OP_DK, b, j0 + r, h), *vd = ROW(&d, dv, OP_DV, b, j0 + r, h);
    for (int e = 0; e < dh; e++) {
      kd[e] = dkj[r][e];
      vd[e] = dvj[r][e];
    }
  }
}
