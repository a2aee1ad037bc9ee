/* SPDX-License-Identifier: MIT */
/* Sliding windows over NCHW images: im2col and its adjoint col2im (the
 * columns of a convolution's GEMM), max pooling.  No atomics, and sums in a
 * fixed order: col2im gathers (each input element sums what reads it), max
 * pooling's backward scatters one class of non-overlapping windows at a
 * time. */

/* geocl_window2d (backend-api.h): 64-bit fields only, as on the host */
typedef struct {
  long n, c, h, w;
  long kh, kw, sh, sw, ph, pw, dh, dw;
  long oh, ow;
} window2d;

/* Along one axis, the outputs o whose window spans input index i (kernel
 * k, stride s, padding p, dilation d) run from first_out to last_out; the
 * tap that reads i is t/d for t = i + p − o·s when d divides t (tap_of: −1
 * otherwise).  Two divisions per index instead of one per tap. */
inline long first_out(long i, long k, long s, long p, long d) {
  long t = i + p - (k - 1) * d;
  return t > 0 ? (t + s - 1) / s : 0;
}

inline long last_out(long i, long s, long p, long out) {
  long t = i + p;
  return t < 0 ? -1 : min(t / s, out - 1);
}

inline long tap_of(long i, long o, long s, long p, long d) {
  long t = i + p - o * s;
  return d == 1 ? t : t % d ? -1 : t / d;
}

__constant float lane_index[16] = {0.0f, 1.0f, 2.0f,  3.0f,  4.0f,  5.0f,  6.0f,  7.0f,
                                   8.0f, 9.0f, 10.0f, 11.0f, 12.0f, 13.0f, 14.0f, 15.0f};

#if VWIDTH > 1
/* the even lanes of two vectors side by side: a stride-2 run */
__constant uint even_lanes[16] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
#endif

/* p[at + l] for the lanes l, zero where at + l lies outside the run [lo, hi);
 * p holds size elements.  One vector load (masked at the run's ends) unless
 * the vector would leave the buffer. */
inline vfloat load_run(__global const float *p, long at, long lo, long hi, long size) {
  if (at >= 0 && at + VWIDTH <= size) {
    vfloat v = vload_v(0, p + at);
    if (at >= lo && at + VWIDTH <= hi) return v;
    vfloat i = (float)(at - lo) + vload_v(0, lane_index);
    return select((vfloat)0.0f, v, (i >= 0.0f) & (i < (float)(hi - lo)));
  }
  float e[VWIDTH];
  for (int l = 0; l < VWIDTH; l++) e[l] = at + l >= lo && at + l < hi ? p[at + l] : 0.0f;
  return vload_v(0, e);
}

/* Store the first n lanes of v at p (all of them when n ≥ VWIDTH). */
inline void store_lanes(vfloat v, __global float *p, int n) {
  if (n >= VWIDTH) {
    vstore_v(v, 0, p);
    return;
  }
  float t[VWIDTH];
  vstore_v(v, 0, t);
  for (int l = 0; l < n; l++) p[l] = t[l];
}

/* col [c·kh·kw, n·oh·ow]: work-item (vector of output columns ox, output row
 * (b, oy), tap row r = (ci, ky, kx)).  With stride 1 the vector is a shifted
 * run of the input row: one load, masked where it passes the row's ends;
 * with stride 2 the even lanes of two such loads. */
__kernel void im2col(window2d g, __global const float *x, ulong xoff, __global float *col, ulong coff) {
  long ox = get_global_id(0) * VWIDTH, t = get_global_id(1), r = get_global_id(2);
  if (ox >= g.ow || t >= g.n * g.oh || r >= g.c * g.kh * g.kw) return;
  long kx = r % g.kw, ky = (r / g.kw) % g.kh, ci = r / (g.kw * g.kh), oy = t % g.oh, b = t / g.oh;
  long row = oy * g.sh - g.ph + ky * g.dh, s0 = ox * g.sw - g.pw + kx * g.dw;
  int n = (int)min((long)VWIDTH, g.ow - ox);
  vfloat v = 0.0f;
  if (row >= 0 && row < g.h) {
    long start = ((b * g.c + ci) * g.h + row) * g.w;
    __global const float *in = x + xoff + start;
    long size = g.n * g.c * g.h * g.w;
    if (g.sw == 1) {
      v = load_run(x + xoff, start + s0, start, start + g.w, size);
#if VWIDTH > 1
    } else if (g.sw == 2) {
      v = shuffle2(load_run(x + xoff, start + s0, start, start + g.w, size),
                   load_run(x + xoff, start + s0 + VWIDTH, start, start + g.w, size), vload_v(0, even_lanes));
#endif
    } else {
      float e[VWIDTH];
      for (int l = 0; l < VWIDTH; l++) {
        long s = s0 + l * g.sw;
        e[l] = l < n && s >= 0 && s < g.w ? in[s] : 0.0f;
      }
      v = vload_v(0, e);
    }
  }
  store_lanes(v, col + coff + r * (g.n * g.oh * g.ow) + t * g.ow + ox, n);
}

/* x[b, ci, r, s] = Σ over taps (ky, kx) of the col entry that reads it:
 * work-item (vector of input columns s, input row (b, ci, r)).  With stride
 * 1 a tap's entries for the vector are a run of a col row: one load, masked
 * where it passes the row's ends. */
__kernel void col2im(window2d g, __global const float *col, ulong coff, __global float *x, ulong xoff) {
  long s = get_global_id(0) * VWIDTH, t = get_global_id(1);
  if (s >= g.w || t >= g.n * g.c * g.h) return;
  long r = t % g.h, ci = (t / g.h) % g.c, b = t / (g.h * g.c), cols = g.n * g.oh * g.ow;
  int n = (int)min((long)VWIDTH, g.w - s);
  vfloat acc = 0.0f;
  for (long oy = first_out(r, g.kh, g.sh, g.ph, g.dh), oy_end = last_out(r, g.sh, g.ph, g.oh); oy <= oy_end; oy++) {
    long ky = tap_of(r, oy, g.sh, g.ph, g.dh);
    if (ky < 0) continue;
    long start = (ci * g.kh + ky) * g.kw * cols + (b * g.oh + oy) * g.ow;
    __global const float *rows = col + coff + start;
    if (g.sw == 1) {
      for (long kx = 0; kx < g.kw; kx++, start += cols)
        acc += load_run(col + coff, start + s + g.pw - kx * g.dw, start, start + g.ow, g.c * g.kh * g.kw * cols);
    } else {
      float e[VWIDTH];
      for (int l = 0; l < VWIDTH; l++) {
        long i = s + l;
        float v = 0.0f;
        if (l < n)
          for (long ox = first_out(i, g.kw, g.sw, g.pw, g.dw), ox_end = last_out(i, g.sw, g.pw, g.ow); ox <= ox_end;
               ox++) {
            long kx = tap_of(i, ox, g.sw, g.pw, g.dw);
            if (kx >= 0) v += rows[kx * cols + ox];
          }
        e[l] = v;
      }
      acc += vload_v(0, e);
    }
  }
  store_lanes(acc, x + xoff + t * g.w + s, n);
}

/* work-item (ox, oy, plane); arg = row·w + column of the first maximum (NaN wins) */
__kernel void max_pool2d(window2d g, __global const float *x, ulong xoff, __global float *y, ulong yoff,
                         __global int *arg, ulong aoff) {
  long ox = get_global_id(0), oy = get_global_id(1), p = get_global_id(2);
  if (ox >= g.ow || oy >= g.oh || p >= g.n * g.c) return;
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
  long o = (p * g.oh + oy) * g.ow + ox;
  y[yoff + o] = best;
  arg[aoff + o] = (int)at;
}

/* One class of outputs, (oy, ox) = (py + cy·i, px + cx·j), adds its dy at its
 * arg-max: the launcher picks cy, cx so that the windows of a class do not
 * overlap, so no two work-items touch one element of dx (zeroed first), and
 * running the classes in a fixed order sums in a fixed order. */
__kernel void max_pool2d_scatter(window2d g, long cy, long cx, long py, long px, __global const int *arg, ulong aoff,
                                 __global const float *dy, ulong dyoff, __global float *dx, ulong dxoff) {
  long ox = px + get_global_id(0) * cx, oy = py + get_global_id(1) * cy, p = get_global_id(2);
  if (ox >= g.ow || oy >= g.oh || p >= g.n * g.c) return;
  long o = (p * g.oh + oy) * g.ow + ox;
  int at = arg[aoff + o];
  if (at >= 0) dx[dxoff + p * g.h * g.w + at] += dy[dyoff + o];
}
