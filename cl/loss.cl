/* SPDX-License-Identifier: MIT */
/* Losses.  Row kernels run one work-group of ROW_WG work-items per row,
 * striding over the columns and reducing with common.cl's wg_reduce_*; they
 * are launched with exactly one group per row and never return before a
 * barrier (PoCL 3.1 crashes on that).  Elementwise kernels guard the tail.
 * A label outside [0, cols) gives NaN, as in the reference backend. */

/* loss[r] = mean_c (pred[r,c] − target[r,c])² */
__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void row_mse_rows(
    long cols, __global const float *pred, ulong poff, __global const float *target, ulong toff,
    __global float *loss, ulong loff) {
  __local float buf[ROW_WG];
  long r = get_group_id(0);
  int l = get_local_id(0);
  __global const float *p = pred + poff + r * cols, *t = target + toff + r * cols;
  float s = 0.0f;
  for (long c = l; c < cols; c += ROW_WG) {
    float d = p[c] - t[c];
    s += d * d;
  }
  s = wg_reduce_sum(buf, s);
  if (l == 0) loss[loff + r] = s / (float)cols;
}

/* dpred[r,c] = dloss[r]·2·(pred − target)/cols */
__kernel void row_mse_backward(long n, long cols, __global const float *pred, ulong poff,
                               __global const float *target, ulong toff, __global const float *dloss, ulong dloff,
                               __global float *dpred, ulong dpoff) {
  long i = get_global_id(0);
  if (i >= n) return;
  dpred[dpoff + i] = dloss[dloff + i / cols] * 2.0f * (pred[poff + i] - target[toff + i]) / (float)cols;
}

/* y = (x − mean)/√(unbiased var + eps) per row (two passes over the row) */
__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void normpix_rows(
    long cols, float eps, __global const float *x, ulong xoff, __global float *y, ulong yoff) {
  __local float buf[ROW_WG];
  long r = get_group_id(0);
  int l = get_local_id(0);
  __global const float *xr = x + xoff + r * cols;
  __global float *yr = y + yoff + r * cols;
  float s = 0.0f;
  for (long c = l; c < cols; c += ROW_WG) s += xr[c];
  float mean = wg_reduce_sum(buf, s) / (float)cols;
  float ss = 0.0f;
  for (long c = l; c < cols; c += ROW_WG) {
    float d = xr[c] - mean;
    ss += d * d;
  }
  float rstd = 1.0f / sqrt(wg_reduce_sum(buf, ss) / (float)(cols - 1) + eps);
  for (long c = l; c < cols; c += ROW_WG) yr[c] = (xr[c] - mean) * rstd;
}

/* lse[r] = log Σ_c exp(logits[r,c]) (max-shifted); loss[r] = lse[r] − logits[r, label[r]] */
__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void cross_entropy_rows(
    long cols, __global const float *logits, ulong xoff, __global const int *labels, ulong yoff,
    __global float *loss, ulong loff, __global float *lse, ulong lseoff) {
  __local float buf[ROW_WG];
  long r = get_group_id(0);
  int l = get_local_id(0);
  __global const float *xr = logits + xoff + r * cols;
  float m = -INFINITY;
  for (long c = l; c < cols; c += ROW_WG) m = fmax(m, xr[c]);
  m = wg_reduce_max(buf, m);
  float s = 0.0f;
  for (long c = l; c < cols; c += ROW_WG) s += exp(xr[c] - m);
  s = wg_reduce_sum(buf, s);
  if (l == 0) {
    float v = m + log(s);
    int label = labels[yoff + r];
    lse[lseoff + r] = v;
    loss[loff + r] = label >= 0 && label < cols ? v - xr[label] : NAN;
  }
}

/* dlogits[r,c] = dloss[r]·(exp(logits[r,c] − lse[r]) − [c == label[r]]) */
__kernel void cross_entropy_backward(long n, long cols, __global const float *logits, ulong xoff,
                                     __global const int *labels, ulong yoff, __global const float *lse, ulong lseoff,
                                     __global const float *dloss, ulong dloff, __global float *dlogits,
                                     ulong dxoff) {
  long i = get_global_id(0);
  if (i >= n) return;
  long r = i / cols, c = i - r * cols;
  int label = labels[yoff + r];
  float p = exp(logits[xoff + i] - lse[lseoff + r]);
  dlogits[dxoff + i] = label >= 0 && label < cols ? dloss[dloff + r] * (p - (c == label ? 1.0f : 0.0f)) : NAN;
}
