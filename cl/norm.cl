/* SPDX-License-Identifier: MIT */
/* LayerNorm over rows.  The forward and the dx backward run a work-group of
 * (lanes, rows per group) work-items: each row has `lanes` work-items
 * (dimension 0, a power of two the launcher takes from the device: one on
 * CPUs, which walk a row in vectors) striding over its vectors of columns.
 * Rows past the last one compute on a copy of it and write nothing (no
 * early return before a barrier: PoCL 3.1 crashes on it).  dγ/dβ are column
 * sums over the rows, one work-group per vector of columns (common.cl's
 * wg_reduce_sum_v): no atomics, the same result on every run.  gamma, beta,
 * dgamma and dbeta may be NULL (absent affine part / gradient not wanted). */

/* The sum of v over the lanes of this work-item's row, to all of them; buf
 * holds a float per work-item. */
inline float row_sum(__local float *buf, float v) {
  int l = get_local_id(0), lanes = get_local_size(0);
  __local float *b = buf + get_local_id(1) * lanes;
  b[l] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int w = lanes / 2; w > 0; w >>= 1) {
    if (l < w) b[l] += b[l + w];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float r = b[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}

/* Vector c of an optional per-column parameter, or `absent` */
inline vfloat column_param(__global const float *p, ulong off, long c, long cols, float absent) {
  return p ? load_fv(p + off, c, cols) : (vfloat)absent;
}

__kernel void layernorm_rows(long rows, long cols, float eps, __global const float *x, ulong xoff,
                             __global const float *gamma, ulong goff, __global const float *beta, ulong boff,
                             __global float *y, ulong yoff, __global float *mean, ulong moff, __global float *rstd,
                             ulong roff, __local float *buf) {
  long r = get_global_id(1), nv = (cols + VWIDTH - 1) / VWIDTH;
  int l = get_local_id(0), lanes = get_local_size(0);
  __global const float *xr = x + xoff + min(r, rows - 1) * cols;
  /* the mean compensated (Kahan): its error shifts every output, and a
   * work-item may sum a whole row of a mean far from zero */
  vfloat s = 0.0f, e = 0.0f;
  for (long c = l; c < nv; c += lanes) kahan_add_v(&s, &e, load_fv(xr, c, cols));
  float mu = row_sum(buf, sum_lanes(s - e)) / (float)cols;
  vfloat v = 0.0f;
  for (long c = l; c < nv; c += lanes) {
    vfloat d = (load_fv(xr, c, cols) - mu) * tail_mask(c, cols);
    v += d * d;
  }
  float rs = rsqrt(row_sum(buf, sum_lanes(v)) / (float)cols + eps);
  if (r < rows) {
    for (long c = l; c < nv; c += lanes) {
      vfloat h = (load_fv(xr, c, cols) - mu) * rs;
      h = h * column_param(gamma, goff, c, cols, 1.0f) + column_param(beta, boff, c, cols, 0.0f);
      store_fv(h, y + yoff + r * cols, c, cols);
    }
    if (l == 0) {
      mean[moff + r] = mu;
      rstd[roff + r] = rs;
    }
  }
}

/* dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with x̂ = (x − μ)·rstd, g = dy·γ */
__kernel void layernorm_rows_backward(long rows, long cols, __global const float *x, ulong xoff,
                                      __global const float *gamma, ulong goff, __global const float *mean, ulong moff,
                                      __global const float *rstd, ulong roff, __global const float *dy, ulong dyoff,
                                      __global float *dx, ulong dxoff, __local float *buf) {
  long r = get_global_id(1), rc = min(r, rows - 1), nv = (cols + VWIDTH - 1) / VWIDTH;
  int l = get_local_id(0), lanes = get_local_size(0);
  __global const float *xr = x + xoff + rc * cols, *gr = dy + dyoff + rc * cols;
  float mu = mean[moff + rc], rs = rstd[roff + rc];
  vfloat sg = 0.0f, sgh = 0.0f; /* the tail's lanes add zeros: dy reads 0 there */
  for (long c = l; c < nv; c += lanes) {
    vfloat g = load_fv(gr, c, cols) * column_param(gamma, goff, c, cols, 1.0f);
    sg += g;
    sgh += g * (load_fv(xr, c, cols) - mu) * rs;
  }
  float mg = row_sum(buf, sum_lanes(sg)) / (float)cols;
  float mgh = row_sum(buf, sum_lanes(sgh)) / (float)cols;
  if (r < rows)
    for (long c = l; c < nv; c += lanes) {
      vfloat g = load_fv(gr, c, cols) * column_param(gamma, goff, c, cols, 1.0f);
      store_fv(rs * (g - mg - (load_fv(xr, c, cols) - mu) * rs * mgh), dx + dxoff + r * cols, c, cols);
    }
}

/* dγ[c] = Σ_r dy[r,c]·x̂[r,c], dβ[c] = Σ_r dy[r,c], compensated; launched
 * exactly */
__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void layernorm_affine_backward(
    long rows, long cols, __global const float *x, ulong xoff, __global const float *mean, ulong moff,
    __global const float *rstd, ulong roff, __global const float *dy, ulong dyoff, __global float *dgamma,
    ulong dgoff, __global float *dbeta, ulong dboff) {
  __local vfloat buf[ROW_WG];
  long g = get_group_id(0);
  vfloat sg = 0.0f, cg = 0.0f, sb = 0.0f, cb = 0.0f;
  for (long r = get_local_id(0); r < rows; r += ROW_WG) {
    vfloat d = load_fv(dy + dyoff + r * cols, g, cols);
    kahan_add_v(&sg, &cg, d * (load_fv(x + xoff + r * cols, g, cols) - mean[moff + r]) * rstd[roff + r]);
    kahan_add_v(&sb, &cb, d);
  }
  sg = wg_reduce_sum_v(buf, sg - cg);
  sb = wg_reduce_sum_v(buf, sb - cb);
  if (get_local_id(0) == 0 && dgamma) store_fv(sg, dgamma + dgoff, g, cols);
  if (get_local_id(0) == 0 && dbeta) store_fv(sb, dbeta + dboff, g, cols);
}

/* ---- batch norm over x [outer, C, inner], per channel ----
 * Reductions over a channel's outer·inner values: with inner > 1 ("planes")
 * a channel is walked like a LayerNorm row (lanes of a work-group, dimension
 * 1 the channel), each lane taking vectors of its planes in turn; with inner =
 * 1 (a [rows, C] matrix, "columns") a work-group of ROW_WG sums a vector of
 * channels over the rows, like the column sums.  Both compensate their sums
 * and combine them in a fixed order.  Elementwise kernels run one vector per
 * work-item along the contiguous run (a plane, or a row of channels). */

/* g = dy, or dy where y > 0 when the ReLU was fused (y may be NULL otherwise) */
inline vfloat relu_grad(__global const float *dy, __global const float *y, long v, long len, int relu) {
  vfloat d = load_fv(dy, v, len);
  return relu ? select((vfloat)0.0f, d, load_fv(y, v, len) > 0.0f) : d;
}

/* mean and biased variance, two passes over the channel */
__kernel void bn_stats_planes(long outer, long c, long inner, __global const float *x, ulong xoff,
                              __global float *mean, ulong moff, __global float *var, ulong voff, __local float *buf) {
  long ch = get_global_id(1), cc = min(ch, c - 1), nv = (inner + VWIDTH - 1) / VWIDTH;
  int l = get_local_id(0), lanes = get_local_size(0);
  __global const float *base = x + xoff + cc * inner;
  vfloat s = 0.0f, k = 0.0f;
  for (long i = l; i < outer * nv; i += lanes) {
    long o = i / nv;
    kahan_add_v(&s, &k, load_fv(base + o * c * inner, i - o * nv, inner));
  }
  float m = (float)(outer * inner), mu = row_sum(buf, sum_lanes(s - k)) / m;
  s = k = 0.0f;
  for (long i = l; i < outer * nv; i += lanes) {
    long o = i / nv, v = i - o * nv;
    vfloat d = (load_fv(base + o * c * inner, v, inner) - mu) * tail_mask(v, inner);
    kahan_add_v(&s, &k, d * d);
  }
  float q = row_sum(buf, sum_lanes(s - k)) / m;
  if (ch < c && l == 0) {
    mean[moff + ch] = mu;
    var[voff + ch] = q;
  }
}

/* launched exactly: a work-group per vector of channels */
__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void bn_stats_columns(
    long rows, long c, __global const float *x, ulong xoff, __global float *mean, ulong moff, __global float *var,
    ulong voff) {
  __local vfloat buf[ROW_WG];
  long g = get_group_id(0);
  vfloat s = 0.0f, k = 0.0f;
  for (long r = get_local_id(0); r < rows; r += ROW_WG) kahan_add_v(&s, &k, load_fv(x + xoff + r * c, g, c));
  vfloat mu = wg_reduce_sum_v(buf, s - k) / (float)rows;
  s = k = 0.0f;
  for (long r = get_local_id(0); r < rows; r += ROW_WG) {
    vfloat d = load_fv(x + xoff + r * c, g, c) - mu;
    kahan_add_v(&s, &k, d * d);
  }
  vfloat q = wg_reduce_sum_v(buf, s - k) / (float)rows;
  if (get_local_id(0) == 0) {
    store_fv(mu, mean + moff, g, c);
    store_fv(q, var + voff, g, c);
  }
}

/* Σg and Σg·(x − mean) per channel, then dγ, dβ, dmean, dvar (each if non-NULL) */
inline void bn_grads_out(long ch, float sg, float sgx, float eps, __global const float *var, ulong voff,
                         __global const float *gamma, ulong goff, __global float *dgamma, ulong dgoff,
                         __global float *dbeta, ulong dboff, __global float *dmean, ulong dmoff, __global float *dvar,
                         ulong dvoff) {
  float r = rsqrt(var[voff + ch] + eps), gm = gamma ? gamma[goff + ch] : 1.0f;
  if (dgamma) dgamma[dgoff + ch] = r * sgx;
  if (dbeta) dbeta[dboff + ch] = sg;
  if (dmean) dmean[dmoff + ch] = -gm * r * sg;
  if (dvar) dvar[dvoff + ch] = -0.5f * gm * r * r * r * sgx;
}

__kernel void bn_backward_reduce_planes(long outer, long c, long inner, float eps, int relu, __global const float *x,
                                        ulong xoff, __global const float *mean, ulong moff, __global const float *var,
                                        ulong voff, __global const float *gamma, ulong goff, __global const float *y,
                                        ulong yoff, __global const float *dy, ulong dyoff, __global float *dgamma,
                                        ulong dgoff, __global float *dbeta, ulong dboff, __global float *dmean,
                                        ulong dmoff, __global float *dvar, ulong dvoff, __local float *buf) {
  long ch = get_global_id(1), cc = min(ch, c - 1), nv = (inner + VWIDTH - 1) / VWIDTH;
  int l = get_local_id(0), lanes = get_local_size(0);
  float mu = mean[moff + cc];
  vfloat sg = 0.0f, kg = 0.0f, sx = 0.0f, kx = 0.0f; /* tail lanes add zeros: dy reads 0 there */
  for (long i = l; i < outer * nv; i += lanes) {
    long o = i / nv, v = i - o * nv, at = (o * c + cc) * inner;
    vfloat g = relu_grad(dy + dyoff + at, y ? y + yoff + at : y, v, inner, relu);
    kahan_add_v(&sg, &kg, g);
    kahan_add_v(&sx, &kx, g * (load_fv(x + xoff + at, v, inner) - mu));
  }
  float tg = row_sum(buf, sum_lanes(sg - kg)), tx = row_sum(buf, sum_lanes(sx - kx));
  if (ch < c && l == 0)
    bn_grads_out(ch, tg, tx, eps, var, voff, gamma, goff, dgamma, dgoff, dbeta, dboff, dmean, dmoff, dvar, dvoff);
}

__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void bn_backward_reduce_columns(
    long rows, long c, float eps, int relu, __global const float *x, ulong xoff, __global const float *mean,
    ulong moff, __global const float *var, ulong voff, __global const float *gamma, ulong goff,
    __global const float *y, ulong yoff, __global const float *dy, ulong dyoff, __global float *dgamma, ulong dgoff,
    __global float *dbeta, ulong dboff, __global float *dmean, ulong dmoff, __global float *dvar, ulong dvoff) {
  __local vfloat buf[ROW_WG];
  long g = get_group_id(0);
  vfloat mu = load_fv(mean + moff, g, c), sg = 0.0f, kg = 0.0f, sx = 0.0f, kx = 0.0f;
  for (long r = get_local_id(0); r < rows; r += ROW_WG) {
    vfloat d = relu_grad(dy + dyoff + r * c, y ? y + yoff + r * c : y, g, c, relu);
    kahan_add_v(&sg, &kg, d);
    kahan_add_v(&sx, &kx, d * (load_fv(x + xoff + r * c, g, c) - mu));
  }
  float tg[VWIDTH], tx[VWIDTH];
  vstore_v(wg_reduce_sum_v(buf, sg - kg), 0, tg);
  vstore_v(wg_reduce_sum_v(buf, sx - kx), 0, tx);
  if (get_local_id(0) == 0)
    for (int j = 0; j < VWIDTH && g * VWIDTH + j < c; j++)
      bn_grads_out(g * VWIDTH + j, tg[j], tx[j], eps, var, voff, gamma, goff, dgamma, dgoff, dbeta, dboff, dmean,
                   dmoff, dvar, dvoff);
}

/* Per-channel factors of vector v of run `row`: a scalar channel for planes
 * (inner > 1), a vector of channels for columns (inner = 1). */
inline vfloat channel_vec(__global const float *p, ulong off, long row, long v, long c, long inner, float absent) {
  if (!p) return (vfloat)absent;
  return inner > 1 ? (vfloat)p[off + row % c] : load_fv(p + off, v, c);
}

/* Work-item (vector v, run row) of the elementwise kernels: runs are planes of
 * inner values (outer·c of them), or rows of c channels (outer of them). */
#define BN_RUN(outer, c, inner, len, row, v) \
  long len = inner > 1 ? inner : c, v = get_global_id(0), row = get_global_id(1); \
  if (v * VWIDTH >= len || row >= (inner > 1 ? outer * c : outer)) return;

__kernel void bn_apply(long outer, long c, long inner, float eps, int relu, __global const float *x, ulong xoff,
                       __global const float *mean, ulong moff, __global const float *var, ulong voff,
                       __global const float *gamma, ulong goff, __global const float *beta, ulong boff,
                       __global const float *res, ulong roff, __global float *y, ulong yoff) {
  BN_RUN(outer, c, inner, len, row, v)
  vfloat r = rsqrt(channel_vec(var, voff, row, v, c, inner, 0.0f) + eps);
  vfloat h = (load_fv(x + xoff + row * len, v, len) - channel_vec(mean, moff, row, v, c, inner, 0.0f)) * r;
  h = h * channel_vec(gamma, goff, row, v, c, inner, 1.0f) + channel_vec(beta, boff, row, v, c, inner, 0.0f);
  if (res) h += load_fv(res + roff + row * len, v, len);
  if (relu) h = select((vfloat)0.0f, h, h > 0.0f);
  store_fv(h, y + yoff + row * len, v, len);
}

/* dx = g·γ/√(var + eps) and dres = g, each if non-NULL */
__kernel void bn_backward_dx(long outer, long c, long inner, float eps, int relu, __global const float *var,
                             ulong voff, __global const float *gamma, ulong goff, __global const float *y, ulong yoff,
                             __global const float *dy, ulong dyoff, __global float *dx, ulong dxoff,
                             __global float *dres, ulong droff) {
  BN_RUN(outer, c, inner, len, row, v)
  vfloat k = channel_vec(gamma, goff, row, v, c, inner, 1.0f) * rsqrt(channel_vec(var, voff, row, v, c, inner, 0.0f) + eps);
  vfloat g = relu_grad(dy + dyoff + row * len, y ? y + yoff + row * len : y, v, len, relu);
  if (dx) store_fv(g * k, dx + dxoff + row * len, v, len);
  if (dres) store_fv(g, dres + droff + row * len, v, len);
}

/* dx (+)= dmean/M + dvar·2(x − mean)/M */
__kernel void bn_stats_backward(long outer, long c, long inner, __global const float *x, ulong xoff,
                                __global const float *mean, ulong moff, __global const float *dmean, ulong dmoff,
                                __global const float *dvar, ulong dvoff, __global float *dx, ulong dxoff,
                                int accumulate) {
  BN_RUN(outer, c, inner, len, row, v)
  float m = (float)(outer * inner);
  vfloat d = channel_vec(dmean, dmoff, row, v, c, inner, 0.0f) / m +
             channel_vec(dvar, dvoff, row, v, c, inner, 0.0f) * 2.0f / m *
                 (load_fv(x + xoff + row * len, v, len) - channel_vec(mean, moff, row, v, c, inner, 0.0f));
  __global float *out = dx + dxoff + row * len;
  if (accumulate) d += load_fv(out, v, len);
  store_fv(d, out, v, len);
}

/* one work-item per channel; the first also counts the batch */
__kernel void bn_update_running(long c, float momentum, float unbias, __global const float *mean, ulong moff,
                                __global const float *var, ulong voff, __global float *rmean, ulong rmoff,
                                __global float *rvar, ulong rvoff, __global float *count, ulong coff) {
  long ch = get_global_id(0);
  if (ch >= c) return;
  rmean[rmoff + ch] = (1.0f - momentum) * rmean[rmoff + ch] + momentum * mean[moff + ch];
  rvar[rvoff + ch] = (1.0f - momentum) * rvar[rvoff + ch] + momentum * (var[voff + ch] * unbias);
  if (count && ch == 0) count[coff] += 1.0f;
}
