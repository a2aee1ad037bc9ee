/* SPDX-License-Identifier: MIT */
/* Fill, strided copy, random numbers. */

/* one vector per work-item */
__kernel void fill_u32(__global uint *y, ulong yoff, ulong n, uint bits) {
  long i = get_global_id(0);
  if (i * VWIDTH < n) store_v((vuint)bits, y + yoff, i, n);
}

/* y[r·ys + c] = x[r·xs + c] (or += for f32 when accumulate) for r < rows,
 * c < cols; xs 0 broadcasts a row.  One vector of a row per work-item. */
__kernel void copy_rows(__global const uint *x, ulong xoff, long xs, __global uint *y, ulong yoff, long ys, long rows,
                        long cols, int accumulate) {
  long i = get_global_id(0), per_row = (cols + VWIDTH - 1) / VWIDTH;
  if (i >= rows * per_row) return;
  long r = i / per_row, c = i - r * per_row;
  __global const uint *xr = x + xoff + r * xs;
  __global uint *yr = y + yoff + r * ys;
  vuint v = load_v(xr, c, cols);
  if (accumulate) v = as_vuint(as_vfloat(load_v(yr, c, cols)) + as_vfloat(v));
  store_v(v, yr, c, cols);
}

/* y[o1] = x[o0] (or += for f32 when accumulate) over a strided index space */
__kernel void copy_strided(__global const uint *x, ulong xoff, __global uint *y, ulong yoff, DESC_ARG(strided_desc, d),
                           int accumulate) {
  DESC_OPEN(strided_desc, d);
  long xo, yo, unused, last = d.ndim - 1;
  int count = strided_run(&d, &xo, &yo, &unused);
  for (int j = 0; j < count; j++) {
    long xi = xoff + xo + j * d.s0[last], yi = yoff + yo + j * d.s1[last];
    if (accumulate) {
      __global float *yf = (__global float *)y;
      yf[yi] += as_float(x[xi]);
    } else {
      y[yi] = x[xi];
    }
  }
}

/* Philox-4x32-10, the same function as src/core/rng.c */
inline uint4 philox4x32(ulong seed, ulong block) {
  uint c0 = (uint)block, c1 = (uint)(block >> 32), c2 = 0, c3 = 0;
  uint k0 = (uint)seed, k1 = (uint)(seed >> 32);
  for (int r = 0; r < 10; r++) {
    uint hi0 = mul_hi(0xD2511F53u, c0), lo0 = 0xD2511F53u * c0;
    uint hi1 = mul_hi(0xCD9E8D57u, c2), lo1 = 0xCD9E8D57u * c2;
    uint n0 = hi1 ^ c1 ^ k0, n2 = hi0 ^ c3 ^ k1;
    c0 = n0;
    c1 = lo1;
    c2 = n2;
    c3 = lo0;
    k0 += 0x9E3779B9u;
    k1 += 0xBB67AE85u;
  }
  return (uint4)(c0, c1, c2, c3);
}

inline float unit_float(uint x) { return (float)(x >> 8) * (1.0f / 16777216.0f); }

/* one work-item per Philox block of four values */
__kernel void rand_uniform(__global float *y, ulong yoff, ulong n, ulong seed, ulong counter) {
  ulong b = get_global_id(0);
  ulong i = b * 4;
  if (i >= n) return;
  uint4 w = philox4x32(seed, counter + b);
  y[yoff + i] = unit_float(w.x);
  if (i + 1 < n) y[yoff + i + 1] = unit_float(w.y);
  if (i + 2 < n) y[yoff + i + 2] = unit_float(w.z);
  if (i + 3 < n) y[yoff + i + 3] = unit_float(w.w);
}

/* C[b, i, j] *= beta (0 writes zeros) for the k = 0 case of GEMM */
__kernel void scale_matrix(__global float *c, ulong coff, long ldc, long stride, long m, long n, long batch,
                           float beta) {
  long idx = get_global_id(0);
  if (idx >= batch * m * n) return;
  long j = idx % n, i = (idx / n) % m, b = idx / (m * n);
  __global float *p = c + coff + b * stride + i * ldc + j;
  *p = beta == 0.0f ? 0.0f : beta * *p;
}
