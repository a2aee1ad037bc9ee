/* Multi-head attention softmax(scale·q·kᵀ)·v with optional 2D RoPE on q and
 * k, fused: no Nq×Nk matrix is written.  Each work-item owns one query
 * (forward, dq) or one key (dk, dv) of one (batch, head); the work-group
 * walks the other side in tiles of TILE rows that it loads together into
 * local memory, rotating them there.  The forward keeps a running max and sum
 * (online softmax) and saves the log-sum-exp; the backward recomputes the
 * probabilities from it.  No atomics: every output has one writer.
 *
 * The launcher (backends/opencl/k_attention.c) picks the work-group size and
 * TILE ≤ MAX_TILE from the device's limits and passes the tiles as __local
 * arguments.  Kernels with barriers run every work-item to the end: items
 * past the last row work on a copy of the last row and write nothing. */

#define MAX_HEAD_DIM 128
#define MAX_TILE 64

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

/* ---- 2D RoPE ---- */

/* θ_j = 1/base^(j/Q), as CroCo's RoPE2D computes it */
inline float rope_theta(float base, int j, int q) { return 1.0f / powr(base, (float)j / (float)q); }

/* (u, v) rotated by φ, or by −φ when sign is −1 */
inline float2 rope_pair(float u, float v, float phi, float sign) {
  float c, s = sign * sincos(phi, &c);
  return (float2)(u * c - v * s, v * c + u * s);
}

/* Rotate a head vector in private memory at pos (y, x): pairs (j, j+Q) of the
 * first half by y·θ_j, of the second half by x·θ_j (axis 0 and 1 of pos). */
inline void rope_private(float *x, int dh, __global const int *pos, __local const float *theta, float sign) {
  int q = dh / 4;
  for (int axis = 0; axis < 2; axis++)
    for (int j = 0; j < q; j++) {
      int e = axis * 2 * q + j;
      float2 r = rope_pair(x[e], x[e + q], (float)pos[axis] * theta[j], sign);
      x[e] = r.x;
      x[e + q] = r.y;
    }
}

/* θ table of the work-group (before the first barrier) */
inline void rope_thetas(__local float *theta, float base, int dh) {
  for (int j = get_local_id(0); j < dh / 4; j += get_local_size(0)) theta[j] = rope_theta(base, j, dh / 4);
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

/* Element (t, e) of a tile row-major into rows (t·dh + e) and/or transposed
 * into cols (e·ld + t). */
inline void put(__local float *rows, __local float *cols, bool to_rows, bool to_cols, int dh, int ld, int t, int e,
                float x) {
  if (to_rows) rows[t * dh + e] = x;
  if (to_cols) cols[e * ld + t] = x;
}

/* Rows [r0, r0 + n) of operand o into local memory (see put), rotated by RoPE
 * when rope (pos: positions of row r0); shared by the work-group.  Scores
 * read the transposed layout, so that the innermost loops run along
 * contiguous memory without reassociating sums. */
inline void load_tile(__local float *rows, __local float *cols, bool to_rows, bool to_cols, const attn_desc *d, int o,
                      __global const float *p, long b, long r0, int n, long h, bool rope, __global const int *pos,
                      __local const float *theta) {
  int dh = (int)d->dh, ld = (int)d->tile, q = dh / 4;
  __global const float *src = ROW(d, p, o, b, r0, h);
  if (rope) { /* one rotation pair (e, e + Q) per step */
    for (int i = get_local_id(0); i < n * 2 * q; i += get_local_size(0)) {
      int t = i / (2 * q), axis = i % (2 * q) / q, j = i % q, e = axis * 2 * q + j;
      __global const float *row = src + t * d->st[o];
      float2 r = rope_pair(row[e], row[e + q], (float)pos[2 * t + axis] * theta[j], 1.0f);
      put(rows, cols, to_rows, to_cols, dh, ld, t, e, r.x);
      put(rows, cols, to_rows, to_cols, dh, ld, t, e + q, r.y);
    }
  } else {
    for (int i = get_local_id(0); i < n * dh; i += get_local_size(0))
      put(rows, cols, to_rows, to_cols, dh, ld, i / dh, i % dh, src[(i / dh) * d->st[o] + i % dh]);
  }
}

/* s[t] = Σ_e x[e]·cols[e·ld + t] for t < n */
inline void dots(float *s, const float *x, __local const float *cols, int ld, int n, int dh) {
  for (int t = 0; t < n; t++) s[t] = 0.0f;
  for (int e = 0; e < dh; e++) {
    float xe = x[e];
    for (int t = 0; t < n; t++) s[t] += xe * cols[e * ld + t];
  }
}

/* acc[e] += Σ_t w[t]·rows[t·dh + e] */
inline void accumulate(float *acc, const float *w, __local const float *rows, int n, int dh) {
  for (int t = 0; t < n; t++)
    for (int e = 0; e < dh; e++) acc[e] += w[t] * rows[t * dh + e];
}

inline float dot_global(__global const float *a, __global const float *b, int n) {
  float s = 0.0f;
  for (int e = 0; e < n; e++) s += a[e] * b[e];
  return s;
}

/* ---- forward: one query per work-item; key tile kc (transposed), values vr (rows) ---- */

__kernel void attn_fwd(attn_desc d, float scale, float base, __global const float *q, __global const float *k,
                       __global const float *v, __global float *o, __global float *lse, __global const int *qpos,
                       __global const int *kpos, __local float *kc, __local float *vr) {
  __local float theta[MAX_HEAD_DIM / 4];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, i = get_global_id(0);
  long ic = min(i, d.nq - 1);
  int dh = (int)d.dh, ld = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float qi[MAX_HEAD_DIM], acc[MAX_HEAD_DIM], s[MAX_TILE];
  __global const float *qrow = ROW(&d, q, OP_Q, b, ic, h);
  for (int e = 0; e < dh; e++) {
    qi[e] = qrow[e];
    acc[e] = 0.0f;
  }
  if (rope) rope_private(qi, dh, qpos + d.qpos_off + 2 * (b * d.nq + ic), theta, 1.0f);
  for (int e = 0; e < dh; e++) qi[e] *= scale;
  float m = -INFINITY, l = 0.0f;
  for (long k0 = 0; k0 < d.nk; k0 += d.tile) {
    int n = (int)min(d.tile, d.nk - k0);
    __global const int *pos = kpos + d.kpos_off + 2 * (b * d.nk + k0);
    load_tile(0, kc, false, true, &d, OP_K, k, b, k0, n, h, rope, pos, theta);
    load_tile(vr, 0, true, false, &d, OP_V, v, b, k0, n, h, false, pos, theta);
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(s, qi, kc, ld, n, dh);
    float mt = m;
    for (int t = 0; t < n; t++) mt = fmax(mt, s[t]);
    float corr = exp(m - mt); /* 0 on the first tile */
    l *= corr;
    for (int e = 0; e < dh; e++) acc[e] *= corr;
    for (int t = 0; t < n; t++) {
      s[t] = exp(s[t] - mt);
      l += s[t];
    }
    accumulate(acc, s, vr, n, dh);
    m = mt;
    barrier(CLK_LOCAL_MEM_FENCE); /* the next tile overwrites kc, vr */
  }
  if (i < d.nq) {
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
__kernel void attn_bwd_dq(attn_desc d, float scale, float base, __global const float *q, __global const float *k,
                          __global const float *v, __global const float *o, __global const float *lse,
                          __global const int *qpos, __global const int *kpos, __global const float *dout,
                          __global float *dq, __local float *kr, __local float *kc, __local float *vc) {
  __local float theta[MAX_HEAD_DIM / 4];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, i = get_global_id(0);
  long ic = min(i, d.nq - 1);
  int dh = (int)d.dh, ld = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float qi[MAX_HEAD_DIM], doi[MAX_HEAD_DIM], acc[MAX_HEAD_DIM], s[MAX_TILE], dp[MAX_TILE];
  __global const float *qrow = ROW(&d, q, OP_Q, b, ic, h), *dorow = ROW(&d, dout, OP_DO, b, ic, h);
  for (int e = 0; e < dh; e++) {
    qi[e] = qrow[e];
    doi[e] = dorow[e];
    acc[e] = 0.0f;
  }
  float D = dot_global(dorow, ROW(&d, o, OP_O, b, ic, h), dh);
  float lse_i = lse[d.lse_off + (b * d.heads + h) * d.nq + ic];
  __global const int *pos_i = qpos + d.qpos_off + 2 * (b * d.nq + ic);
  if (rope) rope_private(qi, dh, pos_i, theta, 1.0f);
  for (int e = 0; e < dh; e++) qi[e] *= scale;
  for (long k0 = 0; k0 < d.nk; k0 += d.tile) {
    int n = (int)min(d.tile, d.nk - k0);
    __global const int *pos = kpos + d.kpos_off + 2 * (b * d.nk + k0);
    load_tile(kr, kc, true, true, &d, OP_K, k, b, k0, n, h, rope, pos, theta);
    load_tile(0, vc, false, true, &d, OP_V, v, b, k0, n, h, false, pos, theta);
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(s, qi, kc, ld, n, dh);
    dots(dp, doi, vc, ld, n, dh);
    for (int t = 0; t < n; t++) s[t] = exp(s[t] - lse_i) * (dp[t] - D); /* dS */
    accumulate(acc, s, kr, n, dh);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int e = 0; e < dh; e++) acc[e] *= scale;
  if (rope) rope_private(acc, dh, pos_i, theta, -1.0f);
  if (i < d.nq) {
    __global float *row = ROW(&d, dq, OP_DQ, b, i, h);
    for (int e = 0; e < dh; e++) row[e] = acc[e];
  }
}

/* dk, dv: one key per work-item; query tiles qr, qc and dout tiles gr, gc
 * (rows and transposed), with the queries' lse and D */
__kernel void attn_bwd_dkv(attn_desc d, float scale, float base, __global const float *q, __global const float *k,
                           __global const float *v, __global const float *o, __global const float *lse,
                           __global const int *qpos, __global const int *kpos, __global const float *dout,
                           __global float *dk, __global float *dv, __local float *qr, __local float *qc,
                           __local float *gr, __local float *gc) {
  __local float theta[MAX_HEAD_DIM / 4], lse_t[MAX_TILE], D_t[MAX_TILE];
  long b = get_group_id(1) / d.heads, h = get_group_id(1) % d.heads, j = get_global_id(0);
  long jc = min(j, d.nk - 1);
  int dh = (int)d.dh, ld = (int)d.tile;
  bool rope = base > 0.0f;
  if (rope) rope_thetas(theta, base, dh);
  barrier(CLK_LOCAL_MEM_FENCE);
  float kj[MAX_HEAD_DIM], vj[MAX_HEAD_DIM], dkj[MAX_HEAD_DIM], dvj[MAX_HEAD_DIM], p[MAX_TILE], ds[MAX_TILE];
  __global const float *krow = ROW(&d, k, OP_K, b, jc, h), *vrow = ROW(&d, v, OP_V, b, jc, h);
  for (int e = 0; e < dh; e++) {
    kj[e] = krow[e];
    vj[e] = vrow[e];
    dkj[e] = dvj[e] = 0.0f;
  }
  __global const int *pos_j = kpos + d.kpos_off + 2 * (b * d.nk + jc);
  if (rope) rope_private(kj, dh, pos_j, theta, 1.0f);
  for (int e = 0; e < dh; e++) kj[e] *= scale;
  __global const float *lse_bh = lse + d.lse_off + (b * d.heads + h) * d.nq;
  for (long i0 = 0; i0 < d.nq; i0 += d.tile) {
    int n = (int)min(d.tile, d.nq - i0);
    __global const int *pos = qpos + d.qpos_off + 2 * (b * d.nq + i0);
    load_tile(qr, qc, true, true, &d, OP_Q, q, b, i0, n, h, rope, pos, theta);
    load_tile(gr, gc, true, true, &d, OP_DO, dout, b, i0, n, h, false, pos, theta);
    for (int t = get_local_id(0); t < n; t += get_local_size(0)) {
      lse_t[t] = lse_bh[i0 + t];
      D_t[t] = dot_global(ROW(&d, dout, OP_DO, b, i0 + t, h), ROW(&d, o, OP_O, b, i0 + t, h), dh);
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    dots(p, kj, qc, ld, n, dh);
    dots(ds, vj, gc, ld, n, dh);
    for (int t = 0; t < n; t++) {
      p[t] = exp(p[t] - lse_t[t]);
      ds[t] = p[t] * (ds[t] - D_t[t]);
    }
    accumulate(dvj, p, gr, n, dh);
    accumulate(dkj, ds, qr, n, dh);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  for (int e = 0; e < dh; e++) dkj[e] *= scale;
  if (rope) rope_private(dkj, dh, pos_j, theta, -1.0f);
  if (j < d.nk) {
    __global float *kd = ROW(&d, dk, OP_DK, b, j, h), *vd = ROW(&d, dv, OP_DV, b, j, h);
    for (int e = 0; e < dh; e++) {
      kd[e] = dkj[e];
      vd[e] = dvj[e];
    }
  }
}
