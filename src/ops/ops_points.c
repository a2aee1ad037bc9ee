/* SPDX-License-Identifier: MIT */
/* Point-cloud ops for PointNet++ set abstraction as mmdet3d runs it (SimIPU's
 * point encoder): farthest-point sampling, the dilated ball query, grouping
 * by neighbour indices, and bilinear sampling of a feature map at points
 * (SimIPU samples C5 at projected LiDAR points with grid_sample).  The
 * samplers' kernels read coordinates as planes [B, D, N], so a run of points
 * is one vector load. */
#include <math.h>

#include "ops_internal.h"

/* x [B, N, D] as planes [B, D, N] (a copy outside the tape) */
static geocl_tensor *planes(geocl_tensor *x) {
  return geocl_contiguous(geocl_permute(geocl_detach(x), (int[]){0, 2, 1}));
}

geocl_tensor *geocl_farthest_point_sample_range(geocl_tensor *x, int64_t begin, int64_t count, int64_t m) {
  OPS_REQUIRE(x);
  const char *op = "farthest_point_sample";
  if (!ops_check_dtype(op, "x", x, GEOCL_F32)) return NULL;
  char s[96];
  if (x->ndim != 3 || x->shape[2] < 1 || x->shape[1] > INT32_MAX) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: points %s must be [B, N, D] with D ≥ 1", op, geocl_shape_str(x, s, sizeof s));
    return NULL;
  }
  if (begin < 0 || count < 1 || begin + count > x->shape[1]) {
    geocl_set_error(GEOCL_E_INVALID, "%s: points [%lld, %lld) of points %s: need a non-empty range within the N points",
                    op, (long long)begin, (long long)(begin + count), geocl_shape_str(x, s, sizeof s));
    return NULL;
  }
  if (m < 1 || m > INT32_MAX) {
    geocl_set_error(GEOCL_E_INVALID, "%s: %lld samples of points %s: the count must lie in [1, 2^31)", op,
                    (long long)m, geocl_shape_str(x, s, sizeof s));
    return NULL;
  }
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, fps, op)) return NULL;
  int64_t b = x->shape[0], d = x->shape[2];
  geocl_tensor *p = planes(geocl_narrow(x, 1, begin, count));
  geocl_tensor *dmin = p ? ops_new(ctx, 2, (int64_t[]){b, count}) : NULL;
  geocl_tensor *idx = dmin ? geocl_empty(ctx, GEOCL_I32, 2, (int64_t[]){b, m}) : NULL;
  geocl_status st = idx ? GEOCL_OK : geocl_last_status();
  if (idx && b > 0)
    st = ctx->be->ops->fps(ctx->be, b, count, d, m, begin, geocl_tensor_bref(p), geocl_tensor_bref(dmin),
                           geocl_tensor_bref(idx));
  geocl_tensor_free(dmin);
  geocl_tensor_free(p);
  return idx ? ops_done(idx, st) : NULL;
}

geocl_tensor *geocl_farthest_point_sample(geocl_tensor *x, int64_t m) {
  OPS_REQUIRE(x);
  return geocl_farthest_point_sample_range(x, 0, x->ndim == 3 ? x->shape[1] : 0, m);
}

/* A ring's radii and sample count are usable; E_INVALID naming it otherwise. */
static bool check_ring(const char *op, int r, const geocl_ball_ring *ring) {
  if (isfinite(ring->r_lo) && isfinite(ring->r_hi) && ring->r_lo >= 0 && ring->r_lo < ring->r_hi &&
      ring->nsample >= 1)
    return true;
  geocl_set_error(GEOCL_E_INVALID, "%s: ring %d [%g, %g) with %d samples: need 0 ≤ r_lo < r_hi and at least 1 sample",
                  op, r, (double)ring->r_lo, (double)ring->r_hi, ring->nsample);
  return false;
}

geocl_tensor *geocl_ball_query(geocl_tensor *xyz, geocl_tensor *centres, int rings, const geocl_ball_ring *ring) {
  OPS_REQUIRE(xyz, centres);
  const char *op = "ball_query";
  if (!ops_same_ctx(op, xyz, centres) || !ops_check_dtype(op, "xyz", xyz, GEOCL_F32) ||
      !ops_check_dtype(op, "centres", centres, GEOCL_F32))
    return NULL;
  char sx[96], sc[96];
  if (xyz->ndim != 3 || xyz->shape[2] != 3 || xyz->shape[1] < 1 || xyz->shape[1] > INT32_MAX || centres->ndim != 3 ||
      centres->shape[2] != 3 || centres->shape[0] != xyz->shape[0]) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: xyz %s and centres %s must be [B, N, 3] (N ≥ 1) and [B, M, 3]", op,
                    geocl_shape_str(xyz, sx, sizeof sx), geocl_shape_str(centres, sc, sizeof sc));
    return NULL;
  }
  if (rings < 1 || rings > 8 || !ring) {
    geocl_set_error(GEOCL_E_INVALID, "%s: %d rings: between 1 and 8 are supported", op, rings);
    return NULL;
  }
  float lo[8], hi[8];
  int64_t ns[8], total = 0;
  for (int r = 0; r < rings; r++) {
    if (!check_ring(op, r, &ring[r])) return NULL;
    lo[r] = ring[r].r_lo;
    hi[r] = ring[r].r_hi;
    ns[r] = ring[r].nsample;
    total += ns[r];
  }
  geocl_ctx *ctx = xyz->ctx;
  if (!OPS_KERNEL(ctx, ball_query, op)) return NULL;
  int64_t b = xyz->shape[0], n = xyz->shape[1], m = centres->shape[1];
  geocl_tensor *p = planes(xyz), *c = p ? ops_contiguous(geocl_detach(centres)) : NULL;
  geocl_tensor *idx = c ? geocl_empty(ctx, GEOCL_I32, 3, (int64_t[]){b, m, total}) : NULL;
  geocl_status st = idx ? GEOCL_OK : geocl_last_status();
  if (idx && b * m > 0)
    st = ctx->be->ops->ball_query(ctx->be, b, n, m, rings, lo, hi, ns, geocl_tensor_bref(p), geocl_tensor_bref(c),
                                  geocl_tensor_bref(idx));
  geocl_tensor_free(p);
  return idx ? ops_done(idx, st) : NULL;
}

/* ---- grouping ---- */

/* in: x [B, N, C] (contiguous), idx (contiguous) */
static geocl_status group_points_backward(geocl_node *node, geocl_tensor *dout) {
  geocl_tensor *x = node->in[0], *idx = node->in[1];
  geocl_ctx *ctx = x->ctx;
  int64_t b = x->shape[0], n = x->shape[1], c = x->shape[2], e = geocl_numel(idx) / (b ? b : 1);
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? ops_new(ctx, 3, x->shape) : NULL;
  geocl_tensor *scratch = dx ? geocl_empty(ctx, GEOCL_I32, 1, (int64_t[]){2 * b * n + 2 * b * e + 1}) : NULL;
  if (!scratch) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  if (geocl_numel(dx) > 0)
    st = ctx->be->ops->gather_rows_backward(ctx->be, b, n, e, c, geocl_tensor_bref(idx), geocl_tensor_bref(dy),
                                            geocl_tensor_bref(dx), geocl_tensor_bref(scratch));
  geocl_tensor_free(scratch);
  return st != GEOCL_OK ? st : geocl_accumulate_grad(x, dx);
}

geocl_tensor *geocl_group_points(geocl_tensor *x, geocl_tensor *idx) {
  OPS_REQUIRE(x, idx);
  const char *op = "group_points";
  if (!ops_same_ctx(op, x, idx) || !ops_check_dtype(op, "x", x, GEOCL_F32) ||
      !ops_check_dtype(op, "idx", idx, GEOCL_I32))
    return NULL;
  /* the backward's inverted index counts rows and positions in i32 */
  if (x->ndim != 3 || idx->ndim < 2 || idx->ndim > GEOCL_MAX_DIMS - 1 || idx->shape[0] != x->shape[0] ||
      x->shape[0] * x->shape[1] > INT32_MAX / 2 || geocl_numel(idx) > INT32_MAX / 2) {
    char sx[96], si[96];
    geocl_set_error(GEOCL_E_SHAPE, "%s: x %s and idx %s do not fit ([B, N, C] and [B, ...])", op,
                    geocl_shape_str(x, sx, sizeof sx), geocl_shape_str(idx, si, sizeof si));
    return NULL;
  }
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, gather_rows, op) || !OPS_KERNEL(ctx, gather_rows_backward, op)) return NULL;
  int64_t b = x->shape[0], n = x->shape[1], c = x->shape[2], e = 1, shape[GEOCL_MAX_DIMS];
  for (int i = 0; i < idx->ndim; i++) shape[i] = idx->shape[i];
  for (int i = 1; i < idx->ndim; i++) e *= idx->shape[i];
  shape[idx->ndim] = c;
  geocl_tensor *xc = ops_contiguous(x), *ic = xc ? ops_contiguous(idx) : NULL;
  geocl_tensor *y = ic ? ops_new(ctx, idx->ndim + 1, shape) : NULL;
  if (!y) return NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(y) > 0)
    st = ctx->be->ops->gather_rows(ctx->be, b, n, e, c, geocl_tensor_bref(xc), geocl_tensor_bref(ic),
                                   geocl_tensor_bref(y));
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_record(y, op, group_points_backward, 2, (geocl_tensor *[]){xc, ic});
  return y;
}

/* ---- bilinear sampling at points ---- */

/* in: f [B, C, H, W], grid [B, P, 2] (both contiguous) */
static geocl_status grid_sample_points_backward(geocl_node *node, geocl_tensor *dout) {
  geocl_tensor *f = node->in[0], *grid = node->in[1];
  geocl_ctx *ctx = f->ctx;
  int64_t b = f->shape[0], c = f->shape[1], h = f->shape[2], w = f->shape[3], p = grid->shape[1];
  bool want_f = f->requires_grad, want_grid = grid->requires_grad;
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *df = dy && want_f ? ops_new(ctx, 4, f->shape) : NULL;
  geocl_tensor *dgrid = dy && want_grid ? ops_new(ctx, 3, grid->shape) : NULL;
  geocl_tensor *scratch =
      want_f && df ? geocl_empty(ctx, GEOCL_I32, 1, (int64_t[]){2 * b * h * w + 8 * b * p + 1}) : NULL;
  if (!dy || (want_f && !scratch) || (want_grid && !dgrid)) return geocl_last_status();
  geocl_bref none = {0};
  geocl_status st = ctx->be->ops->grid_sample_points_backward(
      ctx->be, b, c, h, w, p, geocl_tensor_bref(f), geocl_tensor_bref(grid), geocl_tensor_bref(dy),
      df ? geocl_tensor_bref(df) : none, dgrid ? geocl_tensor_bref(dgrid) : none,
      scratch ? geocl_tensor_bref(scratch) : none);
  geocl_tensor_free(scratch);
  if (st == GEOCL_OK && df) st = geocl_accumulate_grad(f, df);
  if (st == GEOCL_OK && dgrid) st = geocl_accumulate_grad(grid, dgrid);
  return st;
}

geocl_tensor *geocl_grid_sample_points(geocl_tensor *f, geocl_tensor *grid) {
  OPS_REQUIRE(f, grid);
  const char *op = "grid_sample_points";
  if (!ops_same_ctx(op, f, grid) || !ops_check_dtype(op, "feature map", f, GEOCL_F32) ||
      !ops_check_dtype(op, "grid", grid, GEOCL_F32))
    return NULL;
  if (f->ndim != 4 || grid->ndim != 3 || grid->shape[2] != 2 || grid->shape[0] != f->shape[0] ||
      f->shape[2] * f->shape[3] * f->shape[0] > INT32_MAX || grid->shape[0] * grid->shape[1] * 4 > INT32_MAX) {
    char sf[96], sg[96];
    geocl_set_error(GEOCL_E_SHAPE, "%s: feature map %s and grid %s do not fit ([B, C, H, W] and [B, P, 2])", op,
                    geocl_shape_str(f, sf, sizeof sf), geocl_shape_str(grid, sg, sizeof sg));
    return NULL;
  }
  geocl_ctx *ctx = f->ctx;
  if (!OPS_KERNEL(ctx, grid_sample_points, op) || !OPS_KERNEL(ctx, grid_sample_points_backward, op)) return NULL;
  int64_t b = f->shape[0], c = f->shape[1], h = f->shape[2], w = f->shape[3], p = grid->shape[1];
  geocl_tensor *fc = ops_contiguous(f), *gc = fc ? ops_contiguous(grid) : NULL;
  geocl_tensor *y = gc ? ops_new(ctx, 3, (int64_t[]){b, p, c}) : NULL;
  if (!y) return NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(y) > 0)
    st = ctx->be->ops->grid_sample_points(ctx->be, b, c, h, w, p, geocl_tensor_bref(fc), geocl_tensor_bref(gc),
                                          geocl_tensor_bref(y));
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_record(y, op, grid_sample_points_backward, 2, (geocl_tensor *[]){fc, gc});
  return y;
}
