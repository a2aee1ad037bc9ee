/* SPDX-License-Identifier: MIT */
/* Sliding windows over NCHW images: im2col and its adjoint col2im (the
 * columns of a convolution's GEMM), max pooling.  Adjoints are gathers (each
 * input element sums what reads it, in a fixed order): no atomics. */

/* geocl_window2d (backend-api.h): 64-bit fields only, as on the host */
typedef struct {
  long n, c, h, w;
  long kh, kw, sh, sw, ph, pw, dh, dw;
  long oh, ow;
} window2d;

/* The output index along one axis whose window tap k reads input index i,
 * or -1: i = o·s − p + k·d for some 0 ≤ o < out. */
inline long window_out(long i, long k, long s, long p, long d, long out) {
  long t = i + p - k * d;
  if (t < 0 || t % s) return -1;
  t /= s;
  return t < out ? t : -1;
}

/* col [c·kh·kw, n·oh·ow]: work-item (vector j of a row, row r) */
__kernel void im2col(window2d g, __global const float *x, ulong xoff, __global float *col, ulong coff) {
  long cols = g.n * g.oh * g.ow, j = get_global_id(0) * VWIDTH, r = get_global_id(1);
  if (j >= cols || r >= g.c * g.kh * g.kw) return;
  long kx = r % g.kw, ky = (r / g.kw) % g.kh, ci = r / (g.kw * g.kh);
  long ox = j % g.ow, t = j / g.ow, oy = t % g.oh, b = t / g.oh;
  float v[VWIDTH];
  for (int l = 0; l < VWIDTH; l++) {
    long rr = oy * g.sh - g.ph + ky * g.dh, ss = ox * g.sw - g.pw + kx * g.dw;
    v[l] = b < g.n && rr >= 0 && rr < g.h && ss >= 0 && ss < g.w ? x[xoff + ((b * g.c + ci) * g.h + rr) * g.w + ss]
                                                                : 0.0f;
    if (++ox == g.ow) {
      ox = 0;
      if (++oy == g.oh) {
        oy = 0;
        b++;
      }
    }
  }
  __global float *out = col + coff + r * cols + j;
  if (j + VWIDTH <= cols)
    vstore_v(vload_v(0, v), 0, out);
  else
    for (int l = 0; j + l < cols; l++) out[l] = v[l];
}

/* x[b, ci, r, s] = Σ over taps (ky, kx) of the col entry that reads it */
__kernel void col2im(window2d g, __global const float *col, ulong coff, __global float *x, ulong xoff) {
  long i = get_global_id(0);
  if (i >= g.n * g.c * g.h * g.w) return;
  long s = i % g.w, t = i / g.w, r = t % g.h;
  t /= g.h;
  long ci = t % g.c, b = t / g.c, cols = g.n * g.oh * g.ow;
  float acc = 0.0f;
  for (long ky = 0; ky < g.kh; ky++) {
    long oy = window_out(r, ky, g.sh, g.ph, g.dh, g.oh);
    if (oy < 0) continue;
    for (long kx = 0; kx < g.kw; kx++) {
      long ox = window_out(s, kx, g.sw, g.pw, g.dw, g.ow);
      if (ox >= 0) acc += col[coff + ((ci * g.kh + ky) * g.kw + kx) * cols + (b * g.oh + oy) * g.ow + ox];
    }
  }
  x[xoff + i] = acc;
}

/* one work-item per output; arg = row·w + column of the first maximum (NaN wins) */
__kernel void max_pool2d(window2d g, __global const float *x, ulong xoff, __global float *y, ulong yoff,
                         __global int *arg, ulong aoff) {
  long o = get_global_id(0);
  if (o >= g.n * g.c * g.oh * g.ow) return;
  long ox = o % g.ow, t = o / g.ow, oy = t % g.oh, p = t / g.oh;
  __global const float *in = x + xoff + p * g.h * g.w;
  float best = -INFINITY;
  long at = -1;
  for (long ky = 0; ky < g.kh; ky++) {
    long r = oy * g.sh - g.ph + ky * g.dh;
    if (r < 0 || r >= g.h) continue;
    for (long kx = 0; kx < g.kw; kx++) {
      long s = ox * g.sw - g.pw + kx * g.dw;
      if (s < 0 || s >= g.w) continue;
      float v = in[r * g.w + s];
      if (at < 0 || v > best || (isnan(v) && !isnan(best))) {
        best = v;
        at = r * g.w + s;
      }
    }
  }
  y[yoff + o] = best;
  arg[aoff + o] = (int)at;
}

/* dx[b, c, r, s] = Σ of dy over the windows that contain (r, s) and chose it */
__kernel void max_pool2d_backward(window2d g, __global const int *arg, ulong aoff, __global const float *dy,
                                  ulong dyoff, __global float *dx, ulong dxoff) {
  long i = get_global_id(0);
  if (i >= g.n * g.c * g.h * g.w) return;
  long s = i % g.w, t = i / g.w, r = t % g.h, p = t / g.h, plane = p * g.oh * g.ow;
  int me = (int)(r * g.w + s);
  float acc = 0.0f;
  for (long ky = 0; ky < g.kh; ky++) {
    long oy = window_out(r, ky, g.sh, g.ph, g.dh, g.oh);
    if (oy < 0) continue;
    for (long kx = 0; kx < g.kw; kx++) {
      long ox = window_out(s, kx, g.sw, g.pw, g.dw, g.ow);
      long o = plane + oy * g.ow + ox;
      if (ox >= 0 && arg[aoff + o] == me) acc += dy[dyoff + o];
    }
  }
  dx[dxoff + i] = acc;
}
