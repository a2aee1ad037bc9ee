/* SPDX-License-Identifier: MIT */
/* Multi-head attention softmax(scale·q·kᵀ)·v with optional 2D RoPE on q and
 * k, fused: no Nq×Nk matrix is written.  Each work-item owns one query
 * (forward, dq) or one key (dk, dv) of one (batch, head); the work-group
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

/* s[t] = Σ_e x[e]·cols[e·LDT + t] for t < n, whole vectors: four at a time
 * (independent sums hide the latency of the additions), then one by one */
inline void dots(float *s, const float *x, __local const float *cols, int tile, int n, int dh) {
  int nv = (n + VWIDTH - 1) / VWIDTH, tv = 0;
  for (; tv + 4 <= nv; tv += 4) {
    vfloat a0 = 0.0f, a1 = 0.0f, a2 = 0.0f, a3 = 0.0f;
    for (int e = 0; e < dh; e++) {
      __local const float *c = cols + e * ROUND_VW(tile) + tv * VWIDTH;
      float xe = x[e];
      a0 += xe * vload_v(0, c);
      a1 += xe * vload_v(1, c);
      a2 += xe * vload_v(2, c);
      a3 += xe * vload_v(3, c);
    }
    vstore_v(a0, tv, s);
    vstore_v(a1, tv + 1, s);
    vstore_v(a2, tv + 2, s);
    vstore_v(a3, tv + 3, s);
  }
  for (; tv < nv; tv++) {
    vfloat a = 0.0f;
    for (int e = 0; e < dh; e++) a += x[e] * vload_v(tv, cols + e * ROUND_VW(tile));
    vstore_v(a, tv, s);
  }
}

/* acc[e] += Σ_{t<n} w[t]·rows[t·LDR + e] for e < LDR, four vectors at a
 * time, then one by one */
inline void accumulate(float *acc, const float *w, __local const float *rows, int n, int dh) {
  int nv = ROUND_VW(dh) / VWIDTH, ev = 0;
  for (; ev + 4 <= nv; ev += 4) {
    vfloat a0 = vload_v(ev, acc), a1 = vload_v(ev + 1, acc), a2 = vload_v(ev + 2, acc), a3 = vload_v(ev + 3, acc);
    for (int t = 0; t < n; t++) {
      __local const float *r = rows + t * ROUND_VW(dh) + ev * VWIDTH;
      float wt = w[t];
      a0 += wt * vload_v(0, r);
      a1 += wt * vload_v(1, r);
      a2 += wt * vload_v(2, r);
      a3 += wt * vload_v(3, r);
    }
    vstore_v(a0, ev, acc);
    vstore_v(a1, ev + 1, acc);
    vstore_v(a2, ev + 2, acc);
    vstore_v(a3, ev + 3, acc);
  }
  for (; ev < nv; ev++) {
    vfloat a = vload_v(ev, acc);
    for (int t = 0; t < n; t++) a += w[t] * vload_v(ev, rows + t * ROUND_VW(dh));
    vstore_v(a, ev, acc);
  }
}

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

/* ---- forward: one query per work-item; key tile kc (transposed), values vr (rows) ---- */

__kernel void attn_fwd(DESC_ARG(attn_desc, d), float scale, float base, __global const float *q, __global const float *k,
                       __global const float *v, __global float *o, __global float *lse, __global const int *qpos,
                       __global const int *kpos, __local float *kc, __local float *vr) {
  DESC_OPEN(attn_desc, d);
  __local float theta[MAX_HEAD_DIM / 4];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, i = get_global_id(0);
  long ic = min(i, d.nq - 1);
  int dh = (int)d.dh, tile = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float qi[MAX_HEAD_DIM], acc[MAX_HEAD_DIM], s[MAX_TILE];
  load_private(qi, ROW(&d, q, OP_Q, b, ic, h), dh);
  for (int e = 0; e < ROUND_VW(dh); e++) acc[e] = 0.0f;
  if (rope) rope_private(qi, dh, qpos + d.qpos_off + 2 * (b * d.nq + ic), theta, 1.0f);
  scale_vector(qi, scale, dh);
  float m = -INFINITY;
  vfloat lv = 0.0f; /* the running sum, lane-wise */
  for (long k0 = 0; k0 < d.nk; k0 += d.tile) {
    int n = (int)min(d.tile, d.nk - k0), nv = (n + VWIDTH - 1) / VWIDTH;
    __global const int *pos = kpos + d.kpos_off + 2 * (b * d.nk + k0);
    load_tile(0, kc, &d, OP_K, k, b, k0, n, h, rope, pos, theta);
    load_tile(vr, 0, &d, OP_V, v, b, k0, n, h, false, pos, theta);
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(s, qi, kc, tile, n, dh);
    for (int t = n; t < nv * VWIDTH; t++) s[t] = -INFINITY; /* lanes past the tile */
    vfloat mv = m;
    for (int tv = 0; tv < nv; tv++) mv = fmax(mv, vload_v(tv, s));
    float mt = max_lanes(mv);
    float corr = exp(m - mt); /* 0 on the first tile */
    lv *= corr;
    scale_vector(acc, corr, dh);
    for (int tv = 0; tv < nv; tv++) {
      vfloat p = exp(vload_v(tv, s) - mt);
      lv += p;
      vstore_v(p, tv, s);
    }
    accumulate(acc, s, vr, n, dh);
    m = mt;
    barrier(CLK_LOCAL_MEM_FENCE); /* the next tile overwrites kc, vr */
  }
  if (i < d.nq) {
    float l = sum_lanes(lv);
    __global float *orow = ROW(&d, o, OP_O, b, i, h);
    for (int e = 0; e < dh; e++) orow[e] = acc[e] / l;
    lse[d.lse_off + (b * d.heads + h) * d.nq + i] = m + log(l);
  }
}

/* ---- backward ----
 * With P = exp(scale·q̃·k̃ᵀ − lse) and D_i = dO_i·O_i:
 * dS = P∘(dO·vᵀ − D), dq̃ = scale·dS·k̃, dk̃ = scale·dSᵀ·q̃, dv = Pᵀ·dO;
 * dq and dk are dq̃ and dk̃ rotated back. */

/* dq: one query per work-item; key tiles kr (rows) and kc (transposed),
 * value tile vc (transposed) */
__kernel void attn_bwd_dq(DESC_ARG(attn_desc, d), float scale, float base, __global const float *q, __global const float *k,
                          __global const float *v, __global const float *o, __global const float *lse,
                          __global const int *qpos, __global const int *kpos, __global const float *dout,
                          __global float *dq, __local float *kr, __local float *kc, __local float *vc) {
  DESC_OPEN(attn_desc, d);
  __local float theta[MAX_HEAD_DIM / 4];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, i = get_global_id(0);
  long ic = min(i, d.nq - 1);
  int dh = (int)d.dh, tile = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float qi[MAX_HEAD_DIM], doi[MAX_HEAD_DIM], acc[MAX_HEAD_DIM], s[MAX_TILE], dp[MAX_TILE];
  __global const float *qrow = ROW(&d, q, OP_Q, b, ic, h), *dorow = ROW(&d, dout, OP_DO, b, ic, h);
  load_private(qi, qrow, dh);
  load_private(doi, dorow, dh);
  for (int e = 0; e < ROUND_VW(dh); e++) acc[e] = 0.0f;
  float D = dot_global(dorow, ROW(&d, o, OP_O, b, ic, h), dh);
  float lse_i = lse[d.lse_off + (b * d.heads + h) * d.nq + ic];
  __global const int *pos_i = qpos + d.qpos_off + 2 * (b * d.nq + ic);
  if (rope) rope_private(qi, dh, pos_i, theta, 1.0f);
  scale_vector(qi, scale, dh);
  for (long k0 = 0; k0 < d.nk; k0 += d.tile) {
    int n = (int)min(d.tile, d.nk - k0);
    __global const int *pos = kpos + d.kpos_off + 2 * (b * d.nk + k0);
    load_tile(kr, kc, &d, OP_K, k, b, k0, n, h, rope, pos, theta);
    load_tile(0, vc, &d, OP_V, v, b, k0, n, h, false, pos, theta);
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(s, qi, kc, tile, n, dh);
    dots(dp, doi, vc, tile, n, dh);
    for (int tv = 0; tv < (n + VWIDTH - 1) / VWIDTH; tv++) /* dS */
      vstore_v(exp(vload_v(tv, s) - lse_i) * (vload_v(tv, dp) - D), tv, s);
    accumulate(acc, s, kr, n, dh);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  scale_vector(acc, scale, dh);
  if (rope) rope_private(acc, dh, pos_i, theta, -1.0f);
  if (i < d.nq) {
    __global float *row = ROW(&d, dq, OP_DQ, b, i, h);
    for (int e = 0; e < dh; e++) row[e] = acc[e];
  }
}

/* dk, dv: one key per work-item; query tiles qr, qc and dout tiles gr, gc
 * (rows and transposed), with the queries' lse and D */
__kernel void attn_bwd_dkv(DESC_ARG(attn_desc, d), float scale, float base, __global const float *q, __global const float *k,
                           __global const float *v, __global const float *o, __global const float *lse,
                           __global const int *qpos, __global const int *kpos, __global const float *dout,
                           __global float *dk, __global float *dv, __local float *qr, __local float *qc,
                           __local float *gr, __local float *gc) {
  DESC_OPEN(attn_desc, d);
  __local float theta[MAX_HEAD_DIM / 4], lse_t[MAX_TILE], D_t[MAX_TILE];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, j = get_global_id(0);
  long jc = min(j, d.nk - 1);
  int dh = (int)d.dh, tile = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float kj[MAX_HEAD_DIM], vj[MAX_HEAD_DIM], dkj[MAX_HEAD_DIM], dvj[MAX_HEAD_DIM], p[MAX_TILE], ds[MAX_TILE];
  load_private(kj, ROW(&d, k, OP_K, b, jc, h), dh);
  load_private(vj, ROW(&d, v, OP_V, b, jc, h), dh);
  for (int e = 0; e < ROUND_VW(dh); e++) dkj[e] = dvj[e] = 0.0f;
  __global const int *pos_j = kpos + d.kpos_off + 2 * (b * d.nk + jc);
  if (rope) rope_private(kj, dh, pos_j, theta, 1.0f);
  scale_vector(kj, scale, dh);
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
    for (int tv = 0; tv < (n + VWIDTH - 1) / VWIDTH; tv++) {
      vfloat pv = exp(vload_v(tv, p) - vload_v(tv, lse_t));
      vstore_v(pv, tv, p);
      vstore_v(pv * (vload_v(tv, ds) - vload_v(tv, D_t)), tv, ds);
    }
    accumulate(dvj, p, gr, n, dh);
    accumulate(dkj, ds, qr, n, dh);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  scale_vector(dkj, scale, dh);
  if (rope) rope_private(dkj, dh, pos_j, theta, -1.0f);
  if (j < d.nk) {
    __global float *kd = ROW(&d, dk, OP_DK, b, j, h), *vd = ROW(&d, dv, OP_DV, b, j, h);
    for (int e = 0; e < dh; e++) {
      kd[e] = dkj[e];
      vd[e] = dvj[e];
    }
  }
}
