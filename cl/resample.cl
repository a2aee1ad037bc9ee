/* SPDX-License-Identifier: MIT */
/* Resampling along one axis: x [outer, lin, inner] → y [outer, lout, inner].
 * Coordinates as PyTorch computes them for float tensors (in float); the
 * backward is a gather: each input index sums the taps of the outputs that
 * read it, found by scanning the few outputs around its mapped position. */

#define MODE_NEAREST 0
#define MODE_LINEAR 1
#define MODE_CUBIC 2

/* Taps of output o: indices at[] and weights w[]; returns their count. */
inline int resample_taps(int mode, int align, long lin, long lout, long o, long *at, float *w) {
  if (mode == MODE_NEAREST) {
    float s = (float)lin / (float)lout;
    at[0] = min((long)floor((float)o * s), lin - 1);
    w[0] = 1.0f;
    return 1;
  }
  float s = align ? (lout > 1 ? (float)(lin - 1) / (float)(lout - 1) : 0.0f) : (float)lin / (float)lout;
  float src = align ? s * (float)o : s * ((float)o + 0.5f) - 0.5f;
  if (mode == MODE_LINEAR) {
    src = fmax(src, 0.0f);
    long i = (long)src;
    float l1 = fmin(fmax(src - (float)i, 0.0f), 1.0f);
    at[0] = i;
    at[1] = i < lin - 1 ? i + 1 : i;
    w[0] = 1.0f - l1;
    w[1] = l1;
    return 2;
  }
  long i = (long)floor(src);
  float t = src - (float)i, A = -0.75f, u = t + 1.0f, v = 1.0f - t, z = 2.0f - t;
  w[0] = ((A * u - 5.0f * A) * u + 8.0f * A) * u - 4.0f * A;
  w[1] = ((A + 2.0f) * t - (A + 3.0f)) * t * t + 1.0f;
  w[2] = ((A + 2.0f) * v - (A + 3.0f)) * v * v + 1.0f;
  w[3] = ((A * z - 5.0f * A) * z + 8.0f * A) * z - 4.0f * A;
  for (int k = 0; k < 4; k++) at[k] = clamp(i - 1 + k, 0L, lin - 1);
  return 4;
}

/* work-item (vector of inner, output index, outer) */
__kernel void resample(int mode, int align, long outer, long lin, long lout, long inner, __global const float *x,
                       ulong xoff, __global float *y, ulong yoff) {
  long v = get_global_id(0), o = get_global_id(1), b = get_global_id(2);
  if (v * VWIDTH >= inner || o >= lout || b >= outer) return;
  long at[4];
  float w[4];
  int n = resample_taps(mode, align, lin, lout, o, at, w);
  vfloat acc = 0.0f;
  for (int t = 0; t < n; t++) acc += w[t] * load_fv(x + xoff + (b * lin + at[t]) * inner, v, inner);
  store_fv(acc, y + yoff + (b * lout + o) * inner, v, inner);
}

/* First output whose taps may reach input i: outputs map monotonically to
 * source positions, whose taps lie at most 'reach' past them (nearest 0,
 * linear 1, cubic 2); one output earlier than the exact bound, against
 * rounding (the scan skips outputs that read nothing). */
inline long first_reader(int mode, int align, long lin, long lout, long i) {
  float s = align ? (lin > 1 ? (float)(lout - 1) / (float)(lin - 1) : 0.0f) : (float)lout / (float)lin;
  long reach = mode == MODE_CUBIC ? 2 : mode == MODE_LINEAR ? 1 : 0;
  long o = (long)floor((float)(i - reach) * s) - 1;
  return max(o, 0L);
}

/* The weight output o gives input i (0: none); *past when no later output
 * reads i (the lowest tap moves right with o). */
inline float tap_weight(int mode, int align, long lin, long lout, long o, long i, bool *past) {
  long at[4];
  float w[4];
  int n = resample_taps(mode, align, lin, lout, o, at, w);
  *past = at[0] > i;
  float wi = 0.0f;
  for (int t = 0; t < n; t++) wi += at[t] == i ? w[t] : 0.0f;
  return wi;
}

/* work-item (vector of inner, input index, outer): dx = Σ over outputs and their taps at i */
__kernel void resample_backward(int mode, int align, long outer, long lin, long lout, long inner,
                                __global const float *dy, ulong dyoff, __global float *dx, ulong dxoff) {
  long v = get_global_id(0), i = get_global_id(1), b = get_global_id(2);
  if (v * VWIDTH >= inner || i >= lin || b >= outer) return;
  vfloat acc = 0.0f;
  bool past = false;
  for (long o = first_reader(mode, align, lin, lout, i); o < lout && !past; o++) {
    float wi = tap_weight(mode, align, lin, lout, o, i, &past);
    if (wi != 0.0f) acc += wi * load_fv(dy + dyoff + (b * lout + o) * inner, v, inner);
  }
  store_fv(acc, dx + dxoff + (b * lin + i) * inner, v, inner);
}

/* The same with one element per work-item, for inner shorter than a vector
 * (the last axis: inner = 1), where a vector per element would be mostly
 * empty lanes.  Work-item (index along the axis, outer × inner): neighbours
 * along the axis are neighbouring work-items, which a CPU compiler runs as
 * the lanes of one vector. */
__kernel void resample_scalar(int mode, int align, long outer, long lin, long lout, long inner,
                              __global const float *x, ulong xoff, __global float *y, ulong yoff) {
  long o = get_global_id(0), e = get_global_id(1), b = e / inner, j = e - b * inner;
  if (o >= lout || b >= outer) return;
  long at[4];
  float w[4];
  int n = resample_taps(mode, align, lin, lout, o, at, w);
  float acc = 0.0f;
  for (int t = 0; t < n; t++) acc += w[t] * x[xoff + (b * lin + at[t]) * inner + j];
  y[yoff + (b * lout + o) * inner + j] = acc;
}

__kernel void resample_scalar_backward(int mode, int align, long outer, long lin, long lout, long inner,
                                       __global const float *dy, ulong dyoff, __global float *dx, ulong dxoff) {
  long i = get_global_id(0), e = get_global_id(1), b = e / inner, j = e - b * inner;
  if (i >= lin || b >= outer) return;
  float acc = 0.0f;
  bool past = false;
  for (long o = first_reader(mode, align, lin, lout, i); o < lout && !past; o++) {
    float wi = tap_weight(mode, align, lin, lout, o, i, &past);
    if (wi != 0.0f) acc += wi * dy[dyoff + (b * lout + o) * inner + j];
  }
  dx[dxoff + (b * lin + i) * inner + j] = acc;
}
