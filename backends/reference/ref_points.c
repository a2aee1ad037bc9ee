/* SPDX-License-Identifier: MIT */
/* Reference point-cloud kernels: farthest-point sampling, the dilated ball
 * query, the backward of gathers with repeated indices and bilinear sampling
 * of feature maps at points.  The samplers follow mmdet3d's CUDA kernels
 * (ops/furthest_point_sample, ops/ball_query) with their fp32 distances;
 * the ties their thread reductions break loosely go to the lowest index
 * here.  Scatter-adds go through an inverted index (each target's sources
 * in increasing order), so every backend adds in one fixed order. */
#include <math.h>
#include <string.h>

#include "ref.h"

/* Farthest-point sampling, one batch item at a time. */
geocl_status ref_fps(geocl_backend *be, int64_t batch, int64_t n, int64_t dims, int64_t m, int64_t base, geocl_bref x,
                     geocl_bref dmin, geocl_bref idx) {
  for (int64_t b = 0; b < batch; b++) {
    const float *X = REF_F32(x) + b * dims * n;
    float *D = REF_F32(dmin) + b * n;
    int32_t *I = REF_I32(idx) + b * m;
    for (int64_t k = 0; k < n; k++) D[k] = 1e10f;
    int64_t last = 0;
    if (m > 0) I[0] = (int32_t)base;
    for (int64_t j = 1; j < m; j++) {
      int64_t best = 0;
      float best_d = -1.0f;
      for (int64_t k = 0; k < n; k++) {
        float d = 0.0f;
        for (int64_t c = 0; c < dims; c++) {
          float t = X[c * n + k] - X[c * n + last];
          float sq = t * t;
          d = d + sq;
        }
        float v = fminf(D[k], d);
        D[k] = v;
        if (v > best_d) { /* strictly larger: the lowest index keeps a tie */
          best_d = v;
          best = k;
        }
      }
      I[j] = (int32_t)(base + best);
      last = best;
    }
  }
  return GEOCL_OK;
}

geocl_status ref_ball_query(geocl_backend *be, int64_t batch, int64_t n, int64_t m, int rings, const float *r_lo,
                            const float *r_hi, const int64_t *nsample, geocl_bref xyz, geocl_bref centres,
                            geocl_bref idx) {
  int64_t total = 0, offset[8];
  float lo2[8], hi2[8];
  for (int r = 0; r < rings; r++) {
    offset[r] = total;
    total += nsample[r];
    lo2[r] = r_lo[r] * r_lo[r];
    hi2[r] = r_hi[r] * r_hi[r];
  }
  for (int64_t b = 0; b < batch; b++) {
    const float *X = REF_F32(xyz) + b * 3 * n;
    for (int64_t j = 0; j < m; j++) {
      const float *c = REF_F32(centres) + (b * m + j) * 3;
      int32_t *row = REF_I32(idx) + (b * m + j) * total;
      int64_t count[8] = {0};
      int open = rings;
      memset(row, 0, (size_t)total * sizeof *row);
      for (int64_t k = 0; k < n && open > 0; k++) {
        float dx = c[0] - X[k], dy = c[1] - X[n + k], dz = c[2] - X[2 * n + k];
        float sx = dx * dx, sy = dy * dy, sz = dz * dz;
        float d2 = sx + sy;
        d2 = d2 + sz;
        for (int r = 0; r < rings; r++) {
          if (count[r] == nsample[r] || !(d2 == 0.0f || (d2 >= lo2[r] && d2 < hi2[r]))) continue;
          int32_t *slots = row + offset[r];
          if (count[r] == 0)
            for (int64_t s = 0; s < nsample[r]; s++) slots[s] = (int32_t)k;
          slots[count[r]++] = (int32_t)k;
          if (count[r] == nsample[r]) open--;
        }
      }
    }
  }
  return GEOCL_OK;
}

/* The inverse of keys [e]: list[start[r] … start[r+1]) holds the i with
 * keys[i] == r in increasing order; keys outside [0, range) are left out.
 * count [range] is scratch. */
static void invert_keys(int64_t e, int64_t range, const int32_t *keys, int32_t *count, int32_t *start, int32_t *list) {
  memset(count, 0, (size_t)range * sizeof *count);
  for (int64_t i = 0; i < e; i++)
    if (keys[i] >= 0 && keys[i] < range) count[keys[i]]++;
  start[0] = 0;
  for (int64_t r = 0; r < range; r++) {
    start[r + 1] = start[r] + count[r];
    count[r] = 0;
  }
  for (int64_t i = 0; i < e; i++)
    if (keys[i] >= 0 && keys[i] < range) list[start[keys[i]] + count[keys[i]]++] = (int32_t)i;
}

/* Scratch layout of both scatter kernels: count [range], start [range + 1],
 * list [e], keys [e]. */
typedef struct inverse {
  int32_t *count, *start, *list, *keys;
} inverse;

static inverse inverse_in(geocl_bref scratch, int64_t range, int64_t e) {
  int32_t *s = REF_I32(scratch);
  return (inverse){s, s + range, s + 2 * range + 1, s + 2 * range + 1 + e};
}

geocl_status ref_gather_rows_backward(geocl_backend *be, int64_t batch, int64_t n, int64_t e, int64_t cols,
                                      geocl_bref idx, geocl_bref dy, geocl_bref dx, geocl_bref scratch) {
  const int32_t *I = REF_I32(idx);
  for (int64_t b = 0; b < batch; b++)
    for (int64_t i = 0; i < e; i++)
      if (I[b * e + i] < 0 || I[b * e + i] >= n)
        return geocl_set_error(GEOCL_E_INVALID,
                               "gather_rows backward: index %d at idx[%lld, %lld] is outside the %lld rows [0, %lld)",
                               (int)I[b * e + i], (long long)b, (long long)i, (long long)n, (long long)n);
  inverse v = inverse_in(scratch, batch * n, batch * e);
  for (int64_t b = 0; b < batch; b++)
    for (int64_t i = 0; i < e; i++) v.keys[b * e + i] = (int32_t)(b * n + I[b * e + i]);
  invert_keys(batch * e, batch * n, v.keys, v.count, v.start, v.list);
  const float *DY = REF_F32(dy);
  float *DX = REF_F32(dx);
  for (int64_t r = 0; r < batch * n; r++)
    for (int64_t c = 0; c < cols; c++) {
      double s = 0;
      for (int32_t j = v.start[r]; j < v.start[r + 1]; j++) s += DY[(int64_t)v.list[j] * cols + c];
      DX[r * cols + c] = (float)s;
    }
  return GEOCL_OK;
}

/* The four pixels around a sample point and their bilinear weights; the
 * weight of a pixel outside the map is 0 (its index is then -1).  dwx/dwy:
 * the weights' derivatives in gx and gy. */
typedef struct corners {
  int64_t pix[4];
  double wt[4], dwx[4], dwy[4];
} corners;

static corners sample_corners(float gx, float gy, int64_t h, int64_t w) {
  corners q;
  for (int i = 0; i < 4; i++) {
    q.pix[i] = -1;
    q.wt[i] = q.dwx[i] = q.dwy[i] = 0;
  }
  if (!isfinite(gx) || !isfinite(gy)) return q;
  double sx = (double)(w - 1) / 2, sy = (double)(h - 1) / 2;
  double ix = ((double)gx + 1) * sx, iy = ((double)gy + 1) * sy;
  double x0 = floor(ix), y0 = floor(iy);
  for (int i = 0; i < 4; i++) {
    double xx = x0 + (i & 1), yy = y0 + (i >> 1);
    if (xx < 0 || xx > (double)(w - 1) || yy < 0 || yy > (double)(h - 1)) continue;
    double ax = 1 - fabs(ix - xx), ay = 1 - fabs(iy - yy);
    q.pix[i] = (int64_t)yy * w + (int64_t)xx;
    q.wt[i] = ax * ay;
    q.dwx[i] = (i & 1 ? 1 : -1) * sx * ay;
    q.dwy[i] = (i >> 1 ? 1 : -1) * sy * ax;
  }
  return q;
}

geocl_status ref_grid_sample_points(geocl_backend *be, int64_t batch, int64_t channels, int64_t h, int64_t w,
                                    int64_t p, geocl_bref f, geocl_bref grid, geocl_bref y) {
  const float *F = REF_F32(f), *G = REF_F32(grid);
  float *Y = REF_F32(y);
  for (int64_t b = 0; b < batch; b++)
    for (int64_t j = 0; j < p; j++) {
      corners q = sample_corners(G[(b * p + j) * 2], G[(b * p + j) * 2 + 1], h, w);
      for (int64_t c = 0; c < channels; c++) {
        const float *plane = F + (b * channels + c) * h * w;
        double s = 0;
        for (int i = 0; i < 4; i++)
          if (q.pix[i] >= 0) s += q.wt[i] * plane[q.pix[i]];
        Y[(b * p + j) * channels + c] = (float)s;
      }
    }
  return GEOCL_OK;
}

geocl_status ref_grid_sample_points_backward(geocl_backend *be, int64_t batch, int64_t channels, int64_t h, int64_t w,
                                             int64_t p, geocl_bref f, geocl_bref grid, geocl_bref dy, geocl_bref df,
                                             geocl_bref dgrid, geocl_bref scratch) {
  const float *F = REF_F32(f), *G = REF_F32(grid), *DY = REF_F32(dy);
  if (df.mem) { /* samples by pixel: entry 4·(b·p + j) + corner */
    int64_t hw = h * w, e = 4 * batch * p;
    inverse v = inverse_in(scratch, batch * hw, e);
    for (int64_t b = 0; b < batch; b++)
      for (int64_t j = 0; j < p; j++) {
        corners q = sample_corners(G[(b * p + j) * 2], G[(b * p + j) * 2 + 1], h, w);
        for (int i = 0; i < 4; i++) v.keys[4 * (b * p + j) + i] = q.pix[i] < 0 ? -1 : (int32_t)(b * hw + q.pix[i]);
      }
    invert_keys(e, batch * hw, v.keys, v.count, v.start, v.list);
    float *DF = REF_F32(df);
    for (int64_t b = 0; b < batch; b++)
      for (int64_t c = 0; c < channels; c++)
        for (int64_t pix = 0; pix < hw; pix++) {
          int64_t r = b * hw + pix;
          double s = 0;
          for (int32_t k = v.start[r]; k < v.start[r + 1]; k++) {
            int64_t entry = v.list[k], j = entry / 4 - b * p;
            corners q = sample_corners(G[(b * p + j) * 2], G[(b * p + j) * 2 + 1], h, w);
            s += q.wt[entry % 4] * DY[(b * p + j) * channels + c];
          }
          DF[(b * channels + c) * hw + pix] = (float)s;
        }
  }
  if (dgrid.mem) {
    float *DG = REF_F32(dgrid);
    for (int64_t b = 0; b < batch; b++)
      for (int64_t j = 0; j < p; j++) {
        corners q = sample_corners(G[(b * p + j) * 2], G[(b * p + j) * 2 + 1], h, w);
        double sx = 0, sy = 0;
        for (int64_t c = 0; c < channels; c++) {
          const float *plane = F + (b * channels + c) * h * w;
          double g = DY[(b * p + j) * channels + c];
          for (int i = 0; i < 4; i++)
            if (q.pix[i] >= 0) {
              sx += g * q.dwx[i] * plane[q.pix[i]];
              sy += g * q.dwy[i] * plane[q.pix[i]];
            }
        }
        DG[(b * p + j) * 2] = (float)sx;
        DG[(b * p + j) * 2 + 1] = (float)sy;
      }
  }
  return GEOCL_OK;
}
