/* SPDX-License-Identifier: MIT */
/* Launchers for cl/points.cl.  Farthest-point sampling runs one work-group
 * per batch item through all its picks (a loop of reductions, not one launch
 * per pick), with the cloud in local memory where it fits; CPUs get one
 * work-item per group (row_lanes == 1: a work-item walks the points in
 * vectors), GPUs as many as the kernel allows up to 1024; on a device that
 * limits a work-item's loop iterations (llvmpipe) the picks are split over
 * launches that stay within the limit.  Scatter-adds
 * build an inverted index (count, scan, fill, sort) and then sum each
 * target's sources in increasing order, so results repeat exactly. */
#include "ocl.h"

/* The largest power of two ≤ the work-group size the device allows the
 * kernel and ≤ cap. */
static size_t group_size(const ocl_kernel_slot *k, size_t cap) {
  size_t l = 1;
  while (l * 2 <= cap && l * 2 <= k->max_wg) l *= 2;
  return l;
}

/* Loop iterations one work-item of fps runs per pick, and before its first
 * pick, counted generously: every loop's iterations, the scan's inner loop
 * over the coordinates when dims != 3, the lanes of a vector, the reduction. */
static uint64_t fps_pick_iterations(uint64_t n, uint64_t dims, uint64_t lanes, uint64_t vec) {
  uint64_t per_point = dims == 3 ? 1 : dims + 1, log2 = 0;
  while (((uint64_t)1 << log2) < lanes) log2++;
  return ((n + lanes * vec - 1) / (lanes * vec) + 2) * per_point + vec + log2 + 2;
}

static uint64_t fps_start_iterations(uint64_t n, uint64_t dims, uint64_t lanes, bool cached) {
  return ((cached ? dims + 1 : 1) * n + lanes - 1) / lanes + 2;
}

geocl_status ocl_fps(geocl_backend *be, int64_t batch, int64_t n, int64_t dims, int64_t m, int64_t base, geocl_bref x,
                     geocl_bref dmin, geocl_bref idx) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "points", "fps", &k);
  if (st != GEOCL_OK) return st;
  /* a device that limits loops gets every work-item the kernel allows, so
   * that one pick stays within the limit for as many points as possible */
  uint64_t limit = ob->dev->defaults.loop_limit;
  size_t lanes = ob->dev->defaults.row_lanes == 1 && !limit ? 1 : group_size(k, 1024);
  /* the cloud and its running minima in local memory where they fit, when
   * the device has dedicated local memory or several work-items share a
   * cloud (the GPU shape, which GEOCL_ROW_LANES gives a CPU for testing); a
   * CPU's local memory is ordinary memory, and slower here */
  uint64_t used = k->local_bytes;
  cl_device_local_mem_type type = CL_GLOBAL;
  clGetDeviceInfo(ob->dev->id, CL_DEVICE_LOCAL_MEM_TYPE, sizeof type, &type, NULL);
  uint64_t cloud = (uint64_t)(dims + 1) * (uint64_t)n * sizeof(cl_float), reduce = lanes * 8;
  cl_int cached = (type == CL_LOCAL || lanes > 1) && cloud + reduce + used <= ob->dev->info.local_mem_bytes;
  /* picks per launch: all of them, or as many as keep a work-item's loop
   * iterations within half the device's limit (the margin covers loops the
   * compiler adds); the local-memory cloud lasts one launch only */
  uint64_t per_pick = fps_pick_iterations((uint64_t)n, (uint64_t)dims, lanes, ob->dev->defaults.vec_width);
  int64_t picks = m;
  if (limit) {
    uint64_t budget = limit / 2, start = fps_start_iterations((uint64_t)n, (uint64_t)dims, lanes, cached);
    if (start + per_pick * (uint64_t)(m > 1 ? m - 1 : 0) > budget) {
      cached = 0;
      start = fps_start_iterations((uint64_t)n, (uint64_t)dims, lanes, false);
      if (start + per_pick > budget)
        return geocl_set_error(GEOCL_E_UNSUPPORTED,
                               "farthest_point_sample: %lld points of %lld coordinates need about %llu loop iterations "
                               "per work-item for one pick, more than %s runs in a launch (%llu, docs/opencl-drivers.md)",
                               (long long)n, (long long)dims, (unsigned long long)(start + per_pick),
                               ob->dev->info.name, (unsigned long long)limit);
      picks = (int64_t)((budget - start) / per_pick);
    }
  }
  cl_long nn = n, d = dims, mm = m;
  cl_int bb = (cl_int)base;
  cl_mem xm = ocl_mem(x), dm = ocl_mem(dmin), im = ocl_mem(idx);
  cl_ulong xo = x.off, dof = dmin.off, io = idx.off;
  size_t cache = cached ? (size_t)cloud : sizeof(cl_float), best = lanes * sizeof(cl_float), besti = lanes * sizeof(cl_int);
  st = ocl_local_arg(ob, k, 13, cache, best + besti);
  if (st == GEOCL_OK) st = ocl_local_arg(ob, k, 14, best, cache + besti);
  if (st == GEOCL_OK) st = ocl_local_arg(ob, k, 15, besti, cache + best);
  size_t global = lanes * (size_t)batch;
  cl_long first = 1;
  do {
    cl_long end = first + picks < m ? first + picks : m;
    if (st == GEOCL_OK)
      st = ocl_args(k->kernel, 13, OCL_ARG(nn), OCL_ARG(d), OCL_ARG(mm), OCL_ARG(first), OCL_ARG(end), OCL_ARG(bb),
                    OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(dm), OCL_ARG(dof), OCL_ARG(im), OCL_ARG(io), OCL_ARG(cached));
    if (st == GEOCL_OK) st = ocl_launch(ob, k, 1, &global, &lanes);
    first = end;
  } while (st == GEOCL_OK && first < m);
  return st;
}

geocl_status ocl_ball_query(geocl_backend *be, int64_t batch, int64_t n, int64_t m, int rings, const float *r_lo,
                            const float *r_hi, const int64_t *nsample, geocl_bref xyz, geocl_bref centres,
                            geocl_bref idx) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "points", "ball_query", &k);
  if (st != GEOCL_OK) return st;
  cl_float8 lo = {{0}}, hi = {{0}};
  cl_int8 ns = {{0}};
  for (int r = 0; r < rings; r++) {
    lo.s[r] = r_lo[r];
    hi.s[r] = r_hi[r];
    ns.s[r] = (cl_int)nsample[r];
  }
  cl_long b = batch, nn = n, mm = m;
  cl_int rr = rings;
  cl_mem xm = ocl_mem(xyz), cm = ocl_mem(centres), im = ocl_mem(idx);
  cl_ulong xo = xyz.off, co = centres.off, io = idx.off;
  st = ocl_args(k->kernel, 13, OCL_ARG(b), OCL_ARG(nn), OCL_ARG(mm), OCL_ARG(rr), OCL_ARG(lo), OCL_ARG(hi), OCL_ARG(ns),
                OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(cm), OCL_ARG(co), OCL_ARG(im), OCL_ARG(io));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(batch * m));
}

/* ---- inverted index ---- */

/* Element offsets of the regions of the i32 scratch: count [range], start
 * [range + 1], list [e], keys [e] (the entries' scratch sizes). */
typedef struct inverse {
  cl_mem mem;
  cl_ulong count, start, list, keys;
} inverse;

static inverse inverse_in(geocl_bref scratch, int64_t range, int64_t e) {
  cl_ulong o = scratch.off, r = (cl_ulong)range;
  return (inverse){ocl_mem(scratch), o, o + r, o + 2 * r + 1, o + 2 * r + 1 + (cl_ulong)e};
}

/* Fill v's start and list: source i < e goes to target raw[i] + (i /
 * per_batch)·stride when 0 ≤ raw[i] < limit. */
static geocl_status invert(ocl_backend *ob, const inverse *v, int64_t range, int64_t e, int64_t per_batch,
                           int64_t limit, int64_t stride, cl_mem raw, cl_ulong roff) {
  geocl_status st = ocl_fill(&ob->base, range, 0, (geocl_bref){v->mem, v->count});
  ocl_kernel_slot *count, *scan, *fill, *sort;
  if (st == GEOCL_OK) st = ocl_kernel(ob, "points", "invert_count", &count);
  if (st == GEOCL_OK) st = ocl_kernel(ob, "points", "invert_scan", &scan);
  if (st == GEOCL_OK) st = ocl_kernel(ob, "points", "invert_fill", &fill);
  if (st == GEOCL_OK) st = ocl_kernel(ob, "points", "invert_sort", &sort);
  if (st != GEOCL_OK) return st;
  cl_long ee = e, pb = per_batch, li = limit, sd = stride, rr = range;
  st = ocl_args(count->kernel, 8, OCL_ARG(ee), OCL_ARG(pb), OCL_ARG(li), OCL_ARG(sd), OCL_ARG(raw), OCL_ARG(roff),
                OCL_ARG(v->mem), OCL_ARG(v->count));
  if (st == GEOCL_OK) st = ocl_launch_1d(ob, count, (size_t)e);
  size_t lanes = ob->dev->defaults.row_lanes == 1 ? 1 : group_size(scan, 256);
  if (st == GEOCL_OK)
    st = ocl_args(scan->kernel, 4, OCL_ARG(rr), OCL_ARG(v->mem), OCL_ARG(v->count), OCL_ARG(v->start));
  if (st == GEOCL_OK) st = ocl_local_arg(ob, scan, 4, lanes * sizeof(cl_int), 0);
  if (st == GEOCL_OK) st = ocl_launch(ob, scan, 1, &lanes, &lanes);
  if (st == GEOCL_OK)
    st = ocl_args(fill->kernel, 10, OCL_ARG(ee), OCL_ARG(pb), OCL_ARG(li), OCL_ARG(sd), OCL_ARG(raw), OCL_ARG(roff),
                  OCL_ARG(v->mem), OCL_ARG(v->count), OCL_ARG(v->start), OCL_ARG(v->list));
  if (st == GEOCL_OK) st = ocl_launch_1d(ob, fill, (size_t)e);
  if (st == GEOCL_OK) st = ocl_args(sort->kernel, 4, OCL_ARG(rr), OCL_ARG(v->mem), OCL_ARG(v->start), OCL_ARG(v->list));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, sort, (size_t)range);
}

geocl_status ocl_gather_rows_backward(geocl_backend *be, int64_t batch, int64_t n, int64_t e, int64_t cols,
                                      geocl_bref idx, geocl_bref dy, geocl_bref dx, geocl_bref scratch) {
  ocl_backend *ob = ocl_of(be);
  int64_t rows = batch * n;
  inverse v = inverse_in(scratch, rows, batch * e);
  geocl_status st = invert(ob, &v, rows, batch * e, e, n, n, ocl_mem(idx), idx.off);
  ocl_kernel_slot *k;
  if (st == GEOCL_OK) st = ocl_kernel(ob, "points", "gather_rows_backward", &k);
  if (st != GEOCL_OK) return st;
  cl_long r = rows, c = cols;
  cl_mem dym = ocl_mem(dy), dxm = ocl_mem(dx);
  cl_ulong dyo = dy.off, dxo = dx.off;
  st = ocl_args(k->kernel, 9, OCL_ARG(r), OCL_ARG(c), OCL_ARG(v.mem), OCL_ARG(v.start), OCL_ARG(v.list), OCL_ARG(dym),
                OCL_ARG(dyo), OCL_ARG(dxm), OCL_ARG(dxo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(rows * cols));
}

/* ---- bilinear sampling at points ---- */

geocl_status ocl_grid_sample_points(geocl_backend *be, int64_t batch, int64_t channels, int64_t h, int64_t w,
                                    int64_t p, geocl_bref f, geocl_bref grid, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "points", "grid_sample_points", &k);
  if (st != GEOCL_OK) return st;
  cl_long b = batch, c = channels, hh = h, ww = w, np = p;
  cl_mem fm = ocl_mem(f), gm = ocl_mem(grid), ym = ocl_mem(y);
  cl_ulong fo = f.off, go = grid.off, yo = y.off;
  st = ocl_args(k->kernel, 11, OCL_ARG(b), OCL_ARG(c), OCL_ARG(hh), OCL_ARG(ww), OCL_ARG(np), OCL_ARG(fm), OCL_ARG(fo),
                OCL_ARG(gm), OCL_ARG(go), OCL_ARG(ym), OCL_ARG(yo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(batch * p * channels));
}

static geocl_status grid_df(ocl_backend *ob, int64_t batch, int64_t channels, int64_t h, int64_t w, int64_t p,
                            geocl_bref grid, geocl_bref dy, geocl_bref df, geocl_bref scratch) {
  int64_t range = batch * h * w, e = 4 * batch * p;
  inverse v = inverse_in(scratch, range, e);
  ocl_kernel_slot *keys, *sum;
  geocl_status st = ocl_kernel(ob, "points", "grid_sample_keys", &keys);
  if (st == GEOCL_OK) st = ocl_kernel(ob, "points", "grid_sample_points_df", &sum);
  if (st != GEOCL_OK) return st;
  cl_long b = batch, c = channels, hh = h, ww = w, np = p;
  cl_mem gm = ocl_mem(grid), dym = ocl_mem(dy), dfm = ocl_mem(df);
  cl_ulong go = grid.off, dyo = dy.off, dfo = df.off;
  st = ocl_args(keys->kernel, 8, OCL_ARG(b), OCL_ARG(hh), OCL_ARG(ww), OCL_ARG(np), OCL_ARG(gm), OCL_ARG(go),
                OCL_ARG(v.mem), OCL_ARG(v.keys));
  if (st == GEOCL_OK) st = ocl_launch_1d(ob, keys, (size_t)e);
  if (st == GEOCL_OK) st = invert(ob, &v, range, e, e, range, 0, v.mem, v.keys);
  if (st == GEOCL_OK)
    st = ocl_args(sum->kernel, 14, OCL_ARG(b), OCL_ARG(c), OCL_ARG(hh), OCL_ARG(ww), OCL_ARG(np), OCL_ARG(gm),
                  OCL_ARG(go), OCL_ARG(v.mem), OCL_ARG(v.start), OCL_ARG(v.list), OCL_ARG(dym), OCL_ARG(dyo),
                  OCL_ARG(dfm), OCL_ARG(dfo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, sum, (size_t)(batch * channels * h * w));
}

static geocl_status grid_dgrid(ocl_backend *ob, int64_t batch, int64_t channels, int64_t h, int64_t w, int64_t p,
                               geocl_bref f, geocl_bref grid, geocl_bref dy, geocl_bref dgrid) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "points", "grid_sample_points_dgrid", &k);
  if (st != GEOCL_OK) return st;
  cl_long b = batch, c = channels, hh = h, ww = w, np = p;
  cl_mem fm = ocl_mem(f), gm = ocl_mem(grid), dym = ocl_mem(dy), dgm = ocl_mem(dgrid);
  cl_ulong fo = f.off, go = grid.off, dyo = dy.off, dgo = dgrid.off;
  st = ocl_args(k->kernel, 13, OCL_ARG(b), OCL_ARG(c), OCL_ARG(hh), OCL_ARG(ww), OCL_ARG(np), OCL_ARG(fm), OCL_ARG(fo),
                OCL_ARG(gm), OCL_ARG(go), OCL_ARG(dym), OCL_ARG(dyo), OCL_ARG(dgm), OCL_ARG(dgo));
  return st != GEOCL_OK ? st : ocl_launch_1d(ob, k, (size_t)(batch * p));
}

geocl_status ocl_grid_sample_points_backward(geocl_backend *be, int64_t batch, int64_t channels, int64_t h, int64_t w,
                                             int64_t p, geocl_bref f, geocl_bref grid, geocl_bref dy, geocl_bref df,
                                             geocl_bref dgrid, geocl_bref scratch) {
  ocl_backend *ob = ocl_of(be);
  geocl_status st = GEOCL_OK;
  if (df.mem) st = grid_df(ob, batch, channels, h, w, p, grid, dy, df, scratch);
  if (st == GEOCL_OK && dgrid.mem) st = grid_dgrid(ob, batch, channels, h, w, p, f, grid, dy, dgrid);
  return st;
}
