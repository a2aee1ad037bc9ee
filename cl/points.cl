/* SPDX-License-Identifier: MIT */
/* Point-cloud kernels: farthest-point sampling, the dilated ball query, the
 * inverted index behind deterministic scatter-adds, and bilinear sampling of
 * feature maps at points.  Distances are rounded in the order written, with
 * no fused multiply-add, so that the indices equal the reference backend's
 * bit for bit (the samplers' definitions are in geocl/backend-kernels.h).
 * Point loops run VWIDTH points at a time from coordinate planes. */
#pragma OPENCL FP_CONTRACT OFF

/* any lane of a comparison's result set (a scalar comparison gives 1, not -1) */
#if VWIDTH == 1
#define ANY(m) ((m) != 0)
#else
#define ANY(m) any(m)
#endif

/* (0, 1, …, VWIDTH−1) + k */
inline vint lane_index(long k) {
  int t[VWIDTH];
  for (int j = 0; j < VWIDTH; j++) t[j] = (int)k + j;
#if VWIDTH == 1
  return t[0];
#else
  return PASTE(vload, VWIDTH)(0, t);
#endif
}

/* (v2, i2) beats (v1, i1): larger value, or the same value at a lower index */
inline bool beats(float v2, int i2, float v1, int i1) { return v2 > v1 || (v2 == v1 && i2 < i1); }

/* ---- farthest-point sampling: one work-group per batch item ---- */

/* One vector of VWIDTH points at k: the squared distances acc to the point
 * `last`, their new running minimum v (stored in D), and the best lane so far
 * (bv, bi; kv holds the lanes' indices).  P is the planes [dims, n], D the
 * running minima [n], in __local or __global memory; s0, s1, s2 are the first
 * coordinates of `last`. */
#define FPS_DIST3(P)                                                    \
  vfloat t0 = vload_v(0, P + k) - (vfloat)(s0);                         \
  vfloat t1 = vload_v(0, P + n + k) - (vfloat)(s1);                     \
  vfloat t2 = vload_v(0, P + 2 * n + k) - (vfloat)(s2);                 \
  vfloat acc = t0 * t0, q1 = t1 * t1, q2 = t2 * t2;                     \
  acc = acc + q1;                                                       \
  acc = acc + q2;
#define FPS_DISTN(P)                                                    \
  vfloat acc = 0.0f;                                                    \
  for (long c = 0; c < dims; c++) {                                     \
    vfloat t = vload_v(0, P + c * n + k) - (vfloat)(P[c * n + last]);   \
    vfloat sq = t * t;                                                  \
    acc = acc + sq;                                                     \
  }
#define FPS_KEEP(D)                                                     \
  vfloat old = vload_v(0, D + k);                                       \
  vfloat v = select(old, acc, isless(acc, old)); /* fmin: old is never NaN */ \
  vstore_v(v, 0, D + k);                                                \
  vint better = isgreater(v, bv);                                       \
  bv = select(bv, v, better);                                           \
  bi = select(bi, kv, better);                                          \
  kv += step;

/* One pick's scan over this work-item's points: whole vectors at k = VWIDTH·l,
 * VWIDTH·(l + L), …, then the points past the last whole vector one per
 * work-item.  Leaves the work-item's best in (sv, si). */
#define FPS_SCAN(P, D)                                                  \
  {                                                                     \
    vfloat bv = -1.0f;                                                  \
    vint bi = 0, kv = lane_index(l * VWIDTH), step = (vint)((int)(L * VWIDTH)); \
    long whole = n / VWIDTH * VWIDTH;                                   \
    if (dims == 3) {                                                    \
      float s0 = P[last], s1 = P[n + last], s2 = P[2 * n + last];       \
      for (long k = l * VWIDTH; k < whole; k += L * VWIDTH) {           \
        FPS_DIST3(P) FPS_KEEP(D)                                        \
      }                                                                 \
    } else {                                                            \
      for (long k = l * VWIDTH; k < whole; k += L * VWIDTH) {           \
        FPS_DISTN(P) FPS_KEEP(D)                                        \
      }                                                                 \
    }                                                                   \
    float tv[VWIDTH];                                                   \
    int ti[VWIDTH];                                                     \
    vstore_v(bv, 0, tv);                                                \
    VSTORE_INT(bi, ti);                                                 \
    for (int j = 0; j < VWIDTH; j++)                                    \
      if (beats(tv[j], ti[j], sv, si)) {                                \
        sv = tv[j];                                                     \
        si = ti[j];                                                     \
      }                                                                 \
    for (long k = whole + l; k < n; k += L) {                           \
      float acc = 0.0f;                                                 \
      for (long c = 0; c < dims; c++) {                                 \
        float t = P[c * n + k] - P[c * n + last];                       \
        float sq = t * t;                                               \
        acc = acc + sq;                                                 \
      }                                                                 \
      float v = fmin(D[k], acc);                                        \
      D[k] = v;                                                         \
      if (beats(v, (int)k, sv, si)) {                                   \
        sv = v;                                                         \
        si = (int)k;                                                    \
      }                                                                 \
    }                                                                   \
  }

#if VWIDTH == 1
#define VSTORE_INT(v, p) ((p)[0] = (v))
#else
#define VSTORE_INT(v, p) PASTE(vstore, VWIDTH)(v, 0, p)
#endif

/* x: planes [batch, dims, n]; dmin [batch, n] scratch; idx [batch, m] (plus
 * base).  A launch makes the picks first ≤ j < end: the first launch (first
 * == 1) starts the minima and idx[0], a later one continues from the minima
 * in dmin and the pick idx[first − 1] (launches split where a driver limits
 * a work-item's loop iterations, docs/opencl-drivers.md).  With cached != 0
 * (one launch only) the planes and the minima live in cache (dims·n + n
 * floats of local memory); bestv/besti hold a value and an index per
 * work-item.  The work-group size L is a power of two. */
__kernel void fps(long n, long dims, long m, long first, long end, int base, __global const float *x, ulong xoff,
                  __global float *dmin, ulong doff, __global int *idx, ulong ioff, int cached, __local float *cache,
                  __local float *bestv, __local int *besti) {
  long b = get_group_id(0), l = get_local_id(0), L = get_local_size(0);
  __global const float *gx = x + xoff + b * dims * n;
  __global float *gd = dmin + doff + b * n;
  __global int *out = idx + ioff + b * m;
  if (cached) {
    for (long i = l; i < dims * n; i += L) cache[i] = gx[i];
    for (long i = l; i < n; i += L) cache[dims * n + i] = 1e10f;
  } else if (first == 1) {
    for (long i = l; i < n; i += L) gd[i] = 1e10f;
  }
  barrier(CLK_LOCAL_MEM_FENCE | CLK_GLOBAL_MEM_FENCE);
  if (l == 0 && m > 0 && first == 1) out[0] = base;
  long last = first == 1 ? 0 : out[first - 1] - base;
  for (long j = first; j < end; j++) {
    float sv = -1.0f;
    int si = 0;
    if (cached) {
      __local const float *P = cache;
      __local float *D = cache + dims * n;
      FPS_SCAN(P, D)
    } else {
      FPS_SCAN(gx, gd)
    }
    bestv[l] = sv;
    besti[l] = si;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (long s = L / 2; s > 0; s >>= 1) {
      if (l < s && beats(bestv[l + s], besti[l + s], bestv[l], besti[l])) {
        bestv[l] = bestv[l + s];
        besti[l] = besti[l + s];
      }
      barrier(CLK_LOCAL_MEM_FENCE);
    }
    last = besti[0];
    if (l == 0) out[j] = base + (int)last;
    barrier(CLK_LOCAL_MEM_FENCE);
  }
}

/* ---- dilated ball query: one work-item per centre ---- */

typedef struct {
  float lo2[8], hi2[8];
  int nsample[8], offset[8], count[8];
  int rings, open;
} ball_state;

/* Offer point k at squared distance d2 to every ring that still has room. */
inline void ball_offer(ball_state *s, __global int *row, float d2, int k) {
  for (int r = 0; r < s->rings; r++) {
    if (s->count[r] == s->nsample[r] || !(d2 == 0.0f || (d2 >= s->lo2[r] && d2 < s->hi2[r]))) continue;
    __global int *slots = row + s->offset[r];
    if (s->count[r] == 0)
      for (int i = 0; i < s->nsample[r]; i++) slots[i] = k;
    slots[s->count[r]++] = k;
    if (s->count[r] == s->nsample[r]) s->open--;
  }
}

/* Offer point k of the planes X, Y, Z to the rings of centre (cx, cy, cz). */
inline void ball_point(ball_state *s, __global int *row, __global const float *X, __global const float *Y,
                       __global const float *Z, float cx, float cy, float cz, long k) {
  float dx = cx - X[k], dy = cy - Y[k], dz = cz - Z[k];
  float sx = dx * dx, sy = dy * dy, sz = dz * dz;
  float d2 = sx + sy;
  d2 = d2 + sz;
  ball_offer(s, row, d2, (int)k);
}

/* xyz: planes [batch, 3, n]; centres [batch, m, 3]; idx [batch, m, total].
 * Ring r: radii lo[r] ≤ d < hi[r] (squared in fp32), nsample[r] slots. */
__kernel void ball_query(long batch, long n, long m, int rings, float8 lo, float8 hi, int8 nsample,
                         __global const float *xyz, ulong xoff, __global const float *centres, ulong coff,
                         __global int *idx, ulong ioff) {
  long g = get_global_id(0);
  if (g >= batch * m) return;
  long b = g / m;
  __global const float *X = xyz + xoff + b * 3 * n, *Y = X + n, *Z = Y + n;
  __global const float *c = centres + coff + g * 3;
  float cx = c[0], cy = c[1], cz = c[2];
  ball_state s;
  float lov[8], hiv[8];
  vstore8(lo, 0, lov);
  vstore8(hi, 0, hiv);
  vstore8(nsample, 0, s.nsample);
  s.rings = rings;
  s.open = 0;
  int total = 0;
  for (int r = 0; r < rings; r++) {
    s.lo2[r] = lov[r] * lov[r];
    s.hi2[r] = hiv[r] * hiv[r];
    s.offset[r] = total;
    s.count[r] = 0;
    total += s.nsample[r];
    if (s.nsample[r] > 0) s.open++;
  }
  float reach2 = 0.0f; /* above every ring's d² (all positive: r_lo < r_hi) */
  for (int r = 0; r < rings; r++) reach2 = fmax(reach2, s.hi2[r]);
  __global int *row = idx + ioff + g * total;
  for (int i = 0; i < total; i++) row[i] = 0;
  /* blocks of 4 vectors, skipped when no point is within reach (one any()
   * per block: CPU compilers reduce a mask slowly), else offered one by one */
  long k = 0;
  for (; k + 4 * VWIDTH <= n && s.open > 0; k += 4 * VWIDTH) {
    vint near = 0;
    for (int v = 0; v < 4; v++) {
      long i = k + v * VWIDTH;
      vfloat dx = cx - vload_v(0, X + i), dy = cy - vload_v(0, Y + i), dz = cz - vload_v(0, Z + i);
      vfloat sx = dx * dx, sy = dy * dy, sz = dz * dz;
      vfloat d2 = sx + sy;
      d2 = d2 + sz;
      near |= d2 < reach2;
    }
    if (!ANY(near)) continue;
    for (long i = k; i < k + 4 * VWIDTH && s.open > 0; i++) ball_point(&s, row, X, Y, Z, cx, cy, cz, i);
  }
  for (; k < n && s.open > 0; k++) ball_point(&s, row, X, Y, Z, cx, cy, cz, k);
}

/* ---- inverted index: for each target r, its sources in increasing order ----
 * Source i has key raw[i] + (i / per_batch)·stride when 0 ≤ raw[i] < limit,
 * else none.  The regions count [range] (zero at first), start [range + 1]
 * and list [e] lie at element offsets of one scratch buffer s. */

inline int invert_key(__global const int *raw, long i, long per_batch, long limit, long stride) {
  int v = raw[i];
  return v >= 0 && v < limit ? (int)(v + i / per_batch * stride) : -1;
}

__kernel void invert_count(long e, long per_batch, long limit, long stride, __global const int *raw, ulong roff,
                           __global int *s, ulong count) {
  long i = get_global_id(0);
  if (i >= e) return;
  int key = invert_key(raw + roff, i, per_batch, limit, stride);
  if (key >= 0) atomic_inc(s + count + key);
}

/* One work-group: start = the exclusive prefix sum of count (start[range] =
 * the total), count reset to 0 for invert_fill.  sums holds L ints. */
__kernel void invert_scan(long range, __global int *s, ulong count_off, ulong start_off, __local int *sums) {
  __global int *count = s + count_off, *start = s + start_off;
  long l = get_local_id(0), L = get_local_size(0), chunk = (range + L - 1) / L;
  long lo = min(l * chunk, range), hi = min(lo + chunk, range);
  int sum = 0;
  for (long r = lo; r < hi; r++) sum += count[r];
  sums[l] = sum;
  barrier(CLK_LOCAL_MEM_FENCE);
  if (l == 0) {
    int run = 0;
    for (long i = 0; i < L; i++) {
      int t = sums[i];
      sums[i] = run;
      run += t;
    }
    start[range] = run;
  }
  barrier(CLK_LOCAL_MEM_FENCE);
  int run = sums[l];
  for (long r = lo; r < hi; r++) {
    start[r] = run;
    run += count[r];
    count[r] = 0;
  }
}

__kernel void invert_fill(long e, long per_batch, long limit, long stride, __global const int *raw, ulong roff,
                          __global int *s, ulong count, ulong start, ulong list) {
  long i = get_global_id(0);
  if (i >= e) return;
  int key = invert_key(raw + roff, i, per_batch, limit, stride);
  if (key >= 0) s[list + s[start + key] + atomic_inc(s + count + key)] = (int)i;
}

/* Sort each target's sources (filled in arrival order) increasingly. */
__kernel void invert_sort(long range, __global int *s, ulong start, ulong list_off) {
  long r = get_global_id(0);
  if (r >= range) return;
  __global int *list = s + list_off;
  int lo = s[start + r], hi = s[start + r + 1];
  for (int i = lo + 1; i < hi; i++) {
    int v = list[i], j = i - 1;
    while (j >= lo && list[j] > v) {
      list[j + 1] = list[j];
      j--;
    }
    list[j + 1] = v;
  }
}

/* dx[r, c] = Σ over the sources i of row r of dy[i, c]: rows of [batch·n, cols] */
__kernel void gather_rows_backward(long rows, long cols, __global const int *s, ulong start, ulong list,
                                   __global const float *dy, ulong dyoff, __global float *dx, ulong dxoff) {
  long g = get_global_id(0);
  if (g >= rows * cols) return;
  long r = g / cols, c = g - r * cols;
  float sum = 0.0f;
  for (int j = s[start + r]; j < s[start + r + 1]; j++) sum += dy[dyoff + (long)s[list + j] * cols + c];
  dx[dxoff + g] = sum;
}

/* ---- bilinear sampling at points (grid_sample, align_corners = True) ---- */

/* Pixel coordinates of a sample point, as PyTorch computes them; false for a
 * non-finite point. */
inline bool sample_xy(__global const float *grid, long h, long w, float *ix, float *iy) {
  float gx = grid[0], gy = grid[1];
  if (!isfinite(gx) || !isfinite(gy)) return false;
  *ix = ((gx + 1.0f) / 2.0f) * (float)(w - 1);
  *iy = ((gy + 1.0f) / 2.0f) * (float)(h - 1);
  return true;
}

/* Corner q (bit 0: x + 1, bit 1: y + 1) around (ix, iy): its pixel index, or
 * -1 outside the map; its weight and the weight's derivatives in ix, iy. */
inline long corner(float ix, float iy, long h, long w, int q, float *wt, float *dwx, float *dwy) {
  float x0 = floor(ix), y0 = floor(iy);
  float x = x0 + (float)(q & 1), y = y0 + (float)(q >> 1);
  float wx = q & 1 ? ix - x0 : (x0 + 1.0f) - ix, wy = q >> 1 ? iy - y0 : (y0 + 1.0f) - iy;
  *wt = wx * wy;
  *dwx = q & 1 ? wy : -wy;
  *dwy = q >> 1 ? wx : -wx;
  if (!(x >= 0.0f && x <= (float)(w - 1) && y >= 0.0f && y <= (float)(h - 1))) return -1;
  return (long)y * w + (long)x;
}

/* y[b,p,c]: f [batch, channels, h, w], grid [batch, np, 2] */
__kernel void grid_sample_points(long batch, long channels, long h, long w, long np, __global const float *f,
                                 ulong foff, __global const float *grid, ulong goff, __global float *y, ulong yoff) {
  long g = get_global_id(0);
  if (g >= batch * np * channels) return;
  long bp = g / channels, c = g - bp * channels, b = bp / np;
  float ix, iy, s = 0.0f;
  if (sample_xy(grid + goff + bp * 2, h, w, &ix, &iy)) {
    __global const float *plane = f + foff + (b * channels + c) * h * w;
    for (int q = 0; q < 4; q++) {
      float wt, dwx, dwy;
      long pix = corner(ix, iy, h, w, q, &wt, &dwx, &dwy);
      if (pix >= 0) s += wt * plane[pix];
    }
  }
  y[yoff + g] = s;
}

/* keys[4·(b·np + j) + q] = the pixel b·h·w + y·w + x of corner q of sample j, or -1 */
__kernel void grid_sample_keys(long batch, long h, long w, long np, __global const float *grid, ulong goff,
                               __global int *s, ulong keys) {
  long g = get_global_id(0);
  if (g >= batch * np * 4) return;
  long bp = g / 4, b = bp / np;
  int q = (int)(g - bp * 4);
  float ix, iy, wt, dwx, dwy;
  long pix = sample_xy(grid + goff + bp * 2, h, w, &ix, &iy) ? corner(ix, iy, h, w, q, &wt, &dwx, &dwy) : -1;
  s[keys + g] = pix < 0 ? -1 : (int)(b * h * w + pix);
}

/* df[b,c,pix] = Σ over the samples touching pixel (b, pix) of weight·dy[b,p,c] */
__kernel void grid_sample_points_df(long batch, long channels, long h, long w, long np, __global const float *grid,
                                    ulong goff, __global const int *s, ulong start, ulong list,
                                    __global const float *dy, ulong dyoff, __global float *df, ulong dfoff) {
  long g = get_global_id(0), hw = h * w;
  if (g >= batch * channels * hw) return;
  long bc = g / hw, pix = g - bc * hw, b = bc / channels, c = bc - b * channels, r = b * hw + pix;
  float sum = 0.0f;
  for (int j = s[start + r]; j < s[start + r + 1]; j++) {
    int entry = s[list + j];
    long bp = entry / 4;
    float ix, iy, wt, dwx, dwy;
    sample_xy(grid + goff + bp * 2, h, w, &ix, &iy);
    corner(ix, iy, h, w, entry % 4, &wt, &dwx, &dwy);
    sum += wt * dy[dyoff + bp * channels + c];
  }
  df[dfoff + g] = sum;
}

/* dgrid[b,p,:] = ((w−1)/2·Σ_c dy·∂y/∂ix, (h−1)/2·Σ_c dy·∂y/∂iy) */
__kernel void grid_sample_points_dgrid(long batch, long channels, long h, long w, long np, __global const float *f,
                                       ulong foff, __global const float *grid, ulong goff, __global const float *dy,
                                       ulong dyoff, __global float *dgrid, ulong dgoff) {
  long bp = get_global_id(0);
  if (bp >= batch * np) return;
  long b = bp / np;
  float ix, iy, sx = 0.0f, sy = 0.0f;
  if (sample_xy(grid + goff + bp * 2, h, w, &ix, &iy))
    for (int q = 0; q < 4; q++) {
      float wt, dwx, dwy;
      long pix = corner(ix, iy, h, w, q, &wt, &dwx, &dwy);
      if (pix < 0) continue;
      float acc = 0.0f;
      for (long c = 0; c < channels; c++)
        acc += dy[dyoff + bp * channels + c] * f[foff + (b * channels + c) * h * w + pix];
      sx += dwx * acc;
      sy += dwy * acc;
    }
  dgrid[dgoff + bp * 2] = sx * ((float)(w - 1) / 2.0f);
  dgrid[dgoff + bp * 2 + 1] = sy * ((float)(h - 1) / 2.0f);
}
