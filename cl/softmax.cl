/* SPDX-License-Identifier: MIT */
/* Softmax / log-softmax over rows: one work-group per row, WG_SIZE threads
 * (ROW_WG, a power of two the backend derives from the device's limits)
 * striding over the columns and reducing in local memory. */

#define WG_SIZE ROW_WG

/* The launch has exactly one work-group per row.  No early return before a
 * barrier: PoCL 3.1 crashes on it even when the whole group returns. */

__kernel __attribute__((reqd_work_group_size(WG_SIZE, 1, 1))) void softmax_rows(
    long rows, long cols, int log_out, __global const float *x, ulong xoff, __global float *y, ulong yoff) {
  __local float buf[WG_SIZE];
  long r = get_group_id(0);
  int l = get_local_id(0);
  __global const float *xr = x + xoff + r * cols;
  __global float *yr = y + yoff + r * cols;
  float m = -INFINITY;
  for (long c = l; c < cols; c += WG_SIZE) m = fmax(m, xr[c]);
  m = wg_reduce_max(buf, m);
  float s = 0.0f;
  for (long c = l; c < cols; c += WG_SIZE) s += exp(xr[c] - m);
  s = wg_reduce_sum(buf, s);
  float lse = m + log(s);
  for (long c = l; c < cols; c += WG_SIZE) yr[c] = log_out ? xr[c] - lse : exp(xr[c] - lse);
}

__kernel __attribute__((reqd_work_group_size(WG_SIZE, 1, 1))) void softmax_rows_backward(
    long rows, long cols, int log_out, __global const float *y, ulong yoff, __global const float *dy, ulong dyoff,
    __global float *dx, ulong dxoff) {
  __local float buf[WG_SIZE];
  long r = get_group_id(0);
  int l = get_local_id(0);
  __global const float *yr = y + yoff + r * cols, *g = dy + dyoff + r * cols;
  __global float *d = dx + dxoff + r * cols;
  float s = 0.0f;
  for (long c = l; c < cols; c += WG_SIZE) s += log_out ? g[c] : g[c] * yr[c];
  s = wg_reduce_sum(buf, s);
  for (long c = l; c < cols; c += WG_SIZE) d[c] = log_out ? g[c] - exp(yr[c]) * s : yr[c] * (g[c] - s);
}
