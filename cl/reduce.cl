/* SPDX-License-Identifier: MIT */
/* Reductions. */

/* Kept dims (one work-item per output, y contiguous over them) and reduced
 * dims (looped), each with x strides; built by backends/opencl/k_reduce.c. */
typedef struct {
  long kn, rn, nk, nr;
  long kshape[6], kstride[6];
  long rshape[6], rstride[6];
} reduce_desc;

inline long dims_offset(long i, long n, const long *shape, const long *stride) {
  long o = 0;
  for (int k = (int)n - 1; k >= 0; k--) {
    long q = i / shape[k];
    o += (i - q * shape[k]) * stride[k];
    i = q;
  }
  return o;
}

/* y[o] = alpha · Σ_r x[...], compensated (Kahan) float summation */
__kernel void sum_strided(__global const float *x, ulong xoff, __global float *y, ulong yoff, DESC_ARG(reduce_desc, d),
                          float alpha) {
  DESC_OPEN(reduce_desc, d);
  long o = get_global_id(0);
  if (o >= d.nk) return;
  __global const float *p = x + xoff + dims_offset(o, d.kn, d.kshape, d.kstride);
  float s = 0.0f, c = 0.0f;
  if (d.rn == 1) {
    long st = d.rstride[0];
    for (long r = 0; r < d.nr; r++) {
      float t = p[r * st] - c, u = s + t;
      c = (u - s) - t;
      s = u;
    }
  } else {
    for (long r = 0; r < d.nr; r++) {
      float t = p[dims_offset(r, d.rn, d.rshape, d.rstride)] - c, u = s + t;
      c = (u - s) - t;
      s = u;
    }
  }
  y[yoff + o] = alpha * s;
}

/* y[c] = alpha · Σ_r x[r·rs + c] for c < cols: the column sums of a matrix
 * (bias gradients), compensated, one work-group per vector of columns (see
 * wg_reduce_sum_v).  Launched exactly (no bounds guard before the barriers). */
__kernel __attribute__((reqd_work_group_size(ROW_WG, 1, 1))) void sum_columns(__global const float *x, ulong xoff,
                                                                              long rows, long cols, long rs,
                                                                              __global float *y, ulong yoff,
                                                                              float alpha) {
  __local vfloat buf[ROW_WG];
  long g = get_group_id(0);
  vfloat s = 0.0f, c = 0.0f;
  for (long r = get_local_id(0); r < rows; r += ROW_WG) kahan_add_v(&s, &c, load_fv(x + xoff + r * rs, g, cols));
  s = wg_reduce_sum_v(buf, s - c);
  if (get_local_id(0) == 0) store_fv(alpha * s, y + yoff, g, cols);
}

/* x [outer, len, inner]: y[o,i] = max_l x[o,l,i], arg = first index of the max (NaN wins) */
__kernel void max_axis(long outer, long len, long inner, __global const float *x, ulong xoff, __global float *y,
                       ulong yoff, __global int *arg, ulong argoff) {
  long g = get_global_id(0);
  if (g >= outer * inner) return;
  long o = g / inner, i = g - o * inner;
  __global const float *p = x + xoff + o * len * inner + i;
  long best = 0;
  float bv = p[0];
  for (long l = 1; l < len; l++) {
    float v = p[l * inner];
    if (v > bv || (isnan(v) && !isnan(bv))) {
      bv = v;
      best = l;
    }
  }
  y[yoff + g] = bv;
  arg[argoff + g] = (int)best;
}

/* max_axis for inner ≥ VWIDTH: one work-item per vector of VWIDTH of the
 * inner elements (CPUs compare a whole vector at a time) */
__kernel void max_axis_v(long outer, long len, long inner, __global const float *x, ulong xoff, __global float *y,
                         ulong yoff, __global int *arg, ulong argoff) {
  long nv = (inner + VWIDTH - 1) / VWIDTH, g = get_global_id(0);
  if (g >= outer * nv) return;
  long o = g / nv, i = g - o * nv;
  __global const float *p = x + xoff + o * len * inner;
  vfloat bv = load_fv(p, i, inner);
  vint best = 0;
  for (long l = 1; l < len; l++) {
    vfloat v = load_fv(p + l * inner, i, inner);
    vint take = isgreater(v, bv) | (isnan(v) & ~isnan(bv));
    bv = select(bv, v, take);
    best = select(best, (vint)((int)l), take);
  }
  store_fv(bv, y + yoff + o * inner, i, inner);
  store_v(as_vuint(best), (__global uint *)arg + argoff + o * inner, i, inner);
}

__kernel void max_axis_backward(long outer, long len, long inner, __global const int *arg, ulong argoff,
                                __global const float *dy, ulong dyoff, __global float *dx, ulong dxoff) {
  long g = get_global_id(0);
  if (g >= outer * len * inner) return;
  long i = g % inner, l = (g / inner) % len, o = g / (inner * len);
  long k = o * inner + i;
  dx[dxoff + g] = arg[argoff + k] == l ? dy[dyoff + k] : 0.0f;
}

/* max_axis_backward for inner ≥ VWIDTH: one work-item per vector */
__kernel void max_axis_backward_v(long outer, long len, long inner, __global const int *arg, ulong argoff,
                                  __global const float *dy, ulong dyoff, __global float *dx, ulong dxoff) {
  long nv = (inner + VWIDTH - 1) / VWIDTH, g = get_global_id(0);
  if (g >= outer * len * nv) return;
  long i = g % nv, l = (g / nv) % len, o = g / (nv * len);
  vint a = as_vint(load_v((__global const uint *)arg + argoff + o * inner, i, inner));
  vfloat d = load_fv(dy + dyoff + o * inner, i, inner);
  store_fv(select((vfloat)0.0f, d, a == (vint)((int)l)), dx + dxoff + (o * len + l) * inner, i, inner);
}
