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
