/* SPDX-License-Identifier: MIT */
/* Row gather / scatter by i32 index, one work-item per element.  Indices
 * outside [0, rows) are skipped so nothing is read or written out of bounds:
 * gather writes a zero row for them, scatter leaves the destination alone
 * (the reference backend reports them as errors). */

/* y[b,k,:] = x[b, idx[b,k], :] */
__kernel void gather_rows(long batch, long nsrc, long nidx, long cols, __global const float *x, ulong xoff,
                          __global const int *idx, ulong ioff, __global float *y, ulong yoff) {
  long g = get_global_id(0);
  if (g >= batch * nidx * cols) return;
  long bk = g / cols, c = g - bk * cols, b = bk / nidx;
  int i = idx[ioff + bk];
  y[yoff + g] = i >= 0 && i < nsrc ? x[xoff + (b * nsrc + i) * cols + c] : 0.0f;
}

/* y[b, idx[b,k], :] (+)= x[b,k,:]; indices distinct within a batch row, so no
 * two work-items write the same element */
__kernel void scatter_rows(long batch, long ndst, long nidx, long cols, __global const float *x, ulong xoff,
                           __global const int *idx, ulong ioff, __global float *y, ulong yoff, int accumulate) {
  long g = get_global_id(0);
  if (g >= batch * nidx * cols) return;
  long bk = g / cols, c = g - bk * cols, b = bk / nidx;
  int i = idx[ioff + bk];
  if (i < 0 || i >= ndst) return;
  __global float *d = y + yoff + (b * ndst + i) * cols + c;
  *d = accumulate ? *d + x[xoff + g] : x[xoff + g];
}
