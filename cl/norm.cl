/* LayerNorm over rows.  The forward and the dx backward run one work-group of
 * ROW_WG work-items per row (launched exactly, so no bounds guard: no early
 * return before a barrier, PoCL 3.1 crashes on it).  dγ/dβ are column sums
 * over the rows, one work-item per column adding the rows in order: no
 * atomics, the same result on every run.  gamma, beta, dgamma and dbeta may be
 * NULL (absent affine part / gradient not wanted). */

__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void layernorm_rows(
    long cols, float eps, __global const float *x, ulong xoff, __global const float *gamma, ulong goff,
    __global const float *beta, ulong boff, __global float *y, ulong yoff, __global float *mean, ulong moff,
    __global float *rstd, ulong roff) {
  __local float buf[ROW_WG];
  long r = get_group_id(0);
  int l = get_local_id(0);
  __global const float *xr = x + xoff + r * cols;
  __global float *yr = y + yoff + r * cols;
  float s = 0.0f;
  for (long c = l; c < cols; c += ROW_WG) s += xr[c];
  float mu = wg_reduce_sum(buf, s) / (float)cols;
  float v = 0.0f;
  for (long c = l; c < cols; c += ROW_WG) {
    float d = xr[c] - mu;
    v += d * d;
  }
  float rs = rsqrt(wg_reduce_sum(buf, v) / (float)cols + eps);
  for (long c = l; c < cols; c += ROW_WG) {
    float h = (xr[c] - mu) * rs;
    yr[c] = h * (gamma ? gamma[goff + c] : 1.0f) + (beta ? beta[boff + c] : 0.0f);
  }
  if (l == 0) {
    mean[moff + r] = mu;
    rstd[roff + r] = rs;
  }
}

/* dx = rstd·(g − mean(g) − x̂·mean(g·x̂)) with x̂ = (x − μ)·rstd, g = dy·γ */
__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void layernorm_rows_backward(
    long cols, __global const float *x, ulong xoff, __global const float *gamma, ulong goff,
    __global const float *mean, ulong moff, __global const float *rstd, ulong roff, __global const float *dy,
    ulong dyoff, __global float *dx, ulong dxoff) {
  __local float buf[ROW_WG];
  long r = get_group_id(0);
  int l = get_local_id(0);
  __global const float *xr = x + xoff + r * cols, *gr = dy + dyoff + r * cols;
  __global float *dr = dx + dxoff + r * cols;
  float mu = mean[moff + r], rs = rstd[roff + r];
  float sg = 0.0f, sgh = 0.0f;
  for (long c = l; c < cols; c += ROW_WG) {
    float g = gr[c] * (gamma ? gamma[goff + c] : 1.0f);
    sg += g;
    sgh += g * (xr[c] - mu) * rs;
  }
  sg = wg_reduce_sum(buf, sg) / (float)cols;
  sgh = wg_reduce_sum(buf, sgh) / (float)cols;
  for (long c = l; c < cols; c += ROW_WG) {
    float g = gr[c] * (gamma ? gamma[goff + c] : 1.0f);
    dr[c] = rs * (g - sg - (xr[c] - mu) * rs * sgh);
  }
}

/* Kahan-compensated s += v */
inline void kahan_add(float *s, float *comp, float v) {
  float t = v - *comp, u = *s + t;
  *comp = (u - *s) - t;
  *s = u;
}

/* dγ[c] = Σ_r dy[r,c]·x̂[r,c], dβ[c] = Σ_r dy[r,c] */
__kernel void layernorm_affine_backward(long rows, long cols, __global const float *x, ulong xoff,
                                        __global const float *mean, ulong moff, __global const float *rstd, ulong roff,
                                        __global const float *dy, ulong dyoff, __global float *dgamma, ulong dgoff,
                                        __global float *dbeta, ulong dboff) {
  long c = get_global_id(0);
  if (c >= cols) return;
  float sg = 0.0f, cg = 0.0f, sb = 0.0f, cb = 0.0f;
  for (long r = 0; r < rows; r++) {
    float g = dy[dyoff + r * cols + c];
    kahan_add(&sg, &cg, g * (x[xoff + r * cols + c] - mean[moff + r]) * rstd[roff + r]);
    kahan_add(&sb, &cb, g);
  }
  if (dgamma) dgamma[dgoff + c] = sg;
  if (dbeta) dbeta[dboff + c] = sb;
}
