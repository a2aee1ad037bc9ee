/* SPDX-License-Identifier: MIT */
/* Point-cloud ops against plain implementations of their definitions
 * (mmdet3d's samplers as SimIPU runs them), with exact index equality on the
 * reference and, when there is one, the OpenCL backend: farthest-point
 * sampling (coordinates and [xyz, features] spaces; duplicate points, ties on
 * a lattice, clouds larger than local memory) and the dilated ball query
 * (ring edges hit exactly, empty rings, centres that are not points).  Plus
 * the set abstraction's samplers (SimIPU's FS and ranged F-FPS/D-FPS stages)
 * and grouping per ring, grouping's backward with repeated indices (exact
 * sums, the same bits on every run), the max over neighbours with its ties,
 * the messages for bad input, and linear assignment against brute force and
 * an optimality certificate. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h" /* the pool's guard-violation counter */
#include "testutil.h"

static int32_t *download_i32(const geocl_tensor *t) {
  ck_assert_nonnull_geocl(t);
  size_t n = (size_t)geocl_numel(t);
  int32_t *h = malloc(n * sizeof *h + 4);
  ck_assert_ok(geocl_to_host(t, h, n * sizeof *h));
  return h;
}

static void assert_same_indices(const int32_t *got, const int32_t *want, size_t n, const char *what, geocl_ctx *ctx) {
  for (size_t i = 0; i < n; i++)
    ck_assert_msg(got[i] == want[i], "%s on %s: index %zu is %d, the definition gives %d", what,
                  geocl_ctx_backend_name(ctx), i, got[i], want[i]);
}

/* ---- farthest-point sampling: the definition, on rows [n, d] ---- */

static float sq_dist(const float *a, const float *b, int d) {
  float s = 0.0f;
  for (int c = 0; c < d; c++) {
    float t = a[c] - b[c];
    float sq = t * t;
    s = s + sq;
  }
  return s;
}

static void plain_fps(const float *x, int n, int d, int m, int32_t *out) {
  float *dmin = malloc(sizeof(float) * (size_t)n);
  for (int k = 0; k < n; k++) dmin[k] = 1e10f;
  out[0] = 0;
  for (int j = 1; j < m; j++) {
    int best = 0;
    for (int k = 0; k < n; k++) {
      dmin[k] = fminf(dmin[k], sq_dist(x + (size_t)k * d, x + (size_t)out[j - 1] * d, d));
      if (dmin[k] > dmin[best]) best = k;
    }
    out[j] = best;
  }
  free(dmin);
}

enum { UNIFORM, DUPLICATES, LATTICE, SAME };

/* n points of d coordinates: uniform in [-10, 10); half copies of the other
 * half (in random places); on the integer lattice of [0, 9]^d in random order
 * (ties everywhere); or all at one point. */
static float *make_cloud(int kind, int n, int d, unsigned seed) {
  float *x = malloc(sizeof(float) * (size_t)n * d);
  geocl_rng r;
  geocl_rng_init(&r, seed);
  test_fill_uniform(x, (size_t)n * d, seed, -10, 10);
  for (int k = 0; k < n; k++)
    for (int c = 0; c < d; c++) {
      float *v = x + (size_t)k * d + c;
      if (kind == LATTICE) *v = (float)geocl_rng_below(&r, 10);
      if (kind == SAME) *v = 1.5f;
    }
  if (kind == DUPLICATES)
    for (int k = 0; k < n / 2; k++) {
      int to = (int)geocl_rng_below(&r, (uint32_t)n), from = (int)geocl_rng_below(&r, (uint32_t)n);
      memcpy(x + (size_t)to * d, x + (size_t)from * d, sizeof(float) * (size_t)d);
    }
  return x;
}

typedef struct fps_case {
  const char *name;
  int kind, batch, n, d, m;
} fps_case;

static const fps_case fps_cases[] = {
    {"uniform", UNIFORM, 2, 1237, 3, 300},
    {"duplicates, more picks than distinct points", DUPLICATES, 1, 203, 3, 180},
    {"lattice", LATTICE, 3, 1000, 3, 400},
    {"one point", SAME, 1, 100, 3, 10},
    {"features (F-FPS)", DUPLICATES, 2, 531, 35, 200},
    {"lattice features", LATTICE, 1, 701, 6, 300},
    {"fewer points than a vector", UNIFORM, 2, 5, 3, 7},
    {"larger than local memory", UNIFORM, 1, 70001, 8, 40},
};

START_TEST(fps_matches_definition) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  for (size_t t = 0; t < sizeof fps_cases / sizeof *fps_cases; t++) {
    const fps_case *c = &fps_cases[t];
    geocl_scope s = geocl_scope_begin(ctx);
    float *x = malloc(sizeof(float) * (size_t)c->batch * c->n * c->d);
    int32_t *want = malloc(sizeof(int32_t) * (size_t)c->batch * c->m);
    for (int b = 0; b < c->batch; b++) {
      float *one = make_cloud(c->kind, c->n, c->d, 100u * (unsigned)t + (unsigned)b);
      memcpy(x + (size_t)b * c->n * c->d, one, sizeof(float) * (size_t)c->n * c->d);
      plain_fps(one, c->n, c->d, c->m, want + (size_t)b * c->m);
      free(one);
    }
    geocl_tensor *cloud = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(c->batch, c->n, c->d), x);
    geocl_tensor *idx = geocl_farthest_point_sample(cloud, c->m);
    ck_assert_nonnull_geocl(idx);
    ck_assert_int_eq(geocl_dim(idx, 0), c->batch);
    ck_assert_int_eq(geocl_dim(idx, 1), c->m);
    int32_t *got = download_i32(idx);
    assert_same_indices(got, want, (size_t)c->batch * c->m, c->name, ctx);
    free(got);
    free(want);
    free(x);
    geocl_scope_end(ctx, s);
  }
  ck_assert_int_eq(ctx->pool.guard_violations, 0);
  geocl_ctx_free(ctx);
}
END_TEST

/* F-FPS over a view: features narrowed from a wider tensor, as SA3 samples the
 * first 512 of SA2's 2048 points. */
START_TEST(fps_of_a_view) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  enum { N = 300, D = 5, M = 64, FIRST = 120 };
  float *x = make_cloud(DUPLICATES, N, D, 7);
  int32_t want[M];
  plain_fps(x, FIRST, D, M, want);
  geocl_tensor *all = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(1, N, D), x);
  int32_t *got = download_i32(geocl_farthest_point_sample(geocl_narrow(all, 1, 0, FIRST), M));
  assert_same_indices(got, want, M, "fps of a narrowed view", ctx);
  free(got);
  free(x);
  geocl_ctx_free(ctx);
}
END_TEST

/* ---- dilated ball query: the definition ---- */

/* xyz rows [n, 3], one centre; ring r fills out[o_r ...] */
static void plain_ball_query(const float *xyz, int n, const float *c, int rings, const geocl_ball_ring *ring,
                             int32_t *out) {
  int o = 0;
  for (int r = 0; r < rings; r++) {
    int32_t *slot = out + o, count = 0;
    float lo2 = ring[r].r_lo * ring[r].r_lo, hi2 = ring[r].r_hi * ring[r].r_hi;
    for (int s = 0; s < ring[r].nsample; s++) slot[s] = 0;
    for (int k = 0; k < n && count < ring[r].nsample; k++) {
      float d2 = sq_dist(c, xyz + 3 * (size_t)k, 3);
      if (d2 == 0.0f || (d2 >= lo2 && d2 < hi2)) {
        if (count == 0)
          for (int s = 0; s < ring[r].nsample; s++) slot[s] = k;
        slot[count++] = k;
      }
    }
    o += ring[r].nsample;
  }
}

/* Points at x = 0, 0.1, …, 0.9 on a line; centre 0; ring [0.1, 0.3) takes the
 * centre (d² = 0), 0.1 (d² = lo² exactly) and 0.2, not 0.3 (d² = hi²), and
 * repeats the first hit; ring [2, 3) has only the centre; the centre (5, 0, 0)
 * has no hit (zeros). */
START_TEST(ball_query_known_answer) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  float xyz[10 * 3] = {0}, centres[2 * 3] = {0, 0, 0, 5, 0, 0};
  for (int k = 0; k < 10; k++) xyz[3 * k] = 0.1f * (float)k;
  geocl_ball_ring rings[2] = {{0.1f, 0.3f, 4}, {2, 3, 2}};
  geocl_tensor *idx = geocl_ball_query(test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(1, 10, 3), xyz),
                                       test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(1, 2, 3), centres), 2, rings);
  ck_assert_nonnull_geocl(idx);
  ck_assert_int_eq(geocl_dim(idx, 2), 6);
  int32_t *got = download_i32(idx), want[12] = {0, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0};
  assert_same_indices(got, want, 12, "ball_query on a line", ctx);
  free(got);
  geocl_ctx_free(ctx);
}
END_TEST

typedef struct ball_case {
  const char *name;
  int kind, batch, n, m;
  float scale; /* coordinates × scale */
  int rings;
  geocl_ball_ring ring[4];
} ball_case;

static const ball_case ball_cases[] = {
    /* SA1's dilated rings over a dense cloud */
    {"dilated rings", UNIFORM, 2, 2003, 301, 0.05f, 3, {{0, 0.2f, 8}, {0.2f, 0.4f, 16}, {0.4f, 0.8f, 32}}},
    /* duplicates: d² = 0 away from the centre too; overlapping balls */
    {"duplicates, overlapping balls", DUPLICATES, 1, 999, 120, 0.03f, 2, {{0, 0.3f, 5}, {0, 0.6f, 40}}},
    /* lattice step 0.125: distances on ring edges exactly */
    {"lattice, edges hit", LATTICE, 2, 1000, 200, 0.125f, 4, {{0, 0.125f, 3}, {0.125f, 0.25f, 9}, {0.25f, 0.5f, 27},
                                                             {0.5f, 1.0f, 64}}},
    {"fewer points than a block", UNIFORM, 1, 7, 5, 0.1f, 1, {{0, 0.9f, 4}}},
};

START_TEST(ball_query_matches_definition) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  for (size_t t = 0; t < sizeof ball_cases / sizeof *ball_cases; t++) {
    const ball_case *c = &ball_cases[t];
    geocl_scope s = geocl_scope_begin(ctx);
    int total = 0;
    for (int r = 0; r < c->rings; r++) total += c->ring[r].nsample;
    float *xyz = malloc(sizeof(float) * (size_t)c->batch * c->n * 3);
    float *cen = malloc(sizeof(float) * (size_t)c->batch * c->m * 3);
    int32_t *want = malloc(sizeof(int32_t) * (size_t)c->batch * c->m * total);
    geocl_rng r;
    geocl_rng_init(&r, 40 + (unsigned)t);
    for (int b = 0; b < c->batch; b++) {
      float *one = make_cloud(c->kind, c->n, 3, 200u * (unsigned)t + (unsigned)b), *x = xyz + (size_t)b * c->n * 3;
      for (int k = 0; k < 3 * c->n; k++) x[k] = one[k] * c->scale;
      for (int j = 0; j < c->m; j++) { /* most centres are points, some lie between them */
        float *cj = cen + ((size_t)b * c->m + j) * 3;
        const float *p = x + 3 * (size_t)geocl_rng_below(&r, (uint32_t)c->n);
        for (int d = 0; d < 3; d++) cj[d] = j % 5 == 4 ? p[d] + 0.37f * c->scale : p[d];
        plain_ball_query(x, c->n, cj, c->rings, c->ring, want + ((size_t)b * c->m + j) * total);
      }
      free(one);
    }
    geocl_tensor *points = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(c->batch, c->n, 3), xyz);
    geocl_tensor *centres = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(c->batch, c->m, 3), cen);
    geocl_tensor *idx = geocl_ball_query(points, centres, c->rings, c->ring);
    ck_assert_nonnull_geocl(idx);
    ck_assert_int_eq(geocl_dim(idx, 2), total);
    int32_t *got = download_i32(idx);
    assert_same_indices(got, want, (size_t)c->batch * c->m * total, c->name, ctx);
    free(got);
    free(want);
    free(cen);
    free(xyz);
    geocl_scope_end(ctx, s);
  }
  ck_assert_int_eq(ctx->pool.guard_violations, 0);
  geocl_ctx_free(ctx);
}
END_TEST

/* ---- set abstraction: centres and neighbourhoods ---- */

/* SimIPU's samplers at a small scale: SA2's FS (F-FPS picks, then D-FPS
 * picks, over all points) and SA3's F-FPS over the first points and D-FPS
 * over the rest (indices into the whole cloud). */
START_TEST(pointnet2_sample_stages) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  enum { N = 400, C = 6, M = 50, FIRST = 120 };
  float *xyz = make_cloud(DUPLICATES, N, 3, 11), *feat = make_cloud(UNIFORM, N, C, 12), joint[N * (3 + C)];
  for (int k = 0; k < N; k++) {
    memcpy(joint + k * (3 + C), xyz + 3 * k, 3 * sizeof(float));
    memcpy(joint + k * (3 + C) + 3, feat + C * k, C * sizeof(float));
  }
  geocl_tensor *x = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(1, N, 3), xyz);
  geocl_tensor *f = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(1, N, C), feat);
  int32_t want[2 * M];
  /* SA2: FS */
  plain_fps(joint, N, 3 + C, M, want);
  plain_fps(xyz, N, 3, M, want + M);
  geocl_fps_stage fs = {GEOCL_FPS_FS, M, -1};
  int32_t *got = download_i32(geocl_pointnet2_sample(x, f, 1, &fs));
  assert_same_indices(got, want, 2 * M, "FS sampling", ctx);
  free(got);
  /* SA3: F-FPS over [0, FIRST), D-FPS over [FIRST, N) */
  plain_fps(joint, FIRST, 3 + C, M, want);
  plain_fps(xyz + 3 * FIRST, N - FIRST, 3, M, want + M);
  for (int j = M; j < 2 * M; j++) want[j] += FIRST;
  geocl_fps_stage sa3[2] = {{GEOCL_FPS_F, M, FIRST}, {GEOCL_FPS_D, M, -1}};
  got = download_i32(geocl_pointnet2_sample(x, f, 2, sa3));
  assert_same_indices(got, want, 2 * M, "F-FPS then D-FPS over ranges", ctx);
  free(got);
  geocl_fps_stage too_many = {GEOCL_FPS_D, M, N + 1};
  ck_assert_ptr_null(geocl_pointnet2_sample(x, f, 1, &too_many));
  ck_assert_msg(strstr(geocl_last_error(), "[0, 401)"), "%s", geocl_last_error());
  ck_assert_ptr_null(geocl_pointnet2_sample(x, NULL, 1, &fs));
  ck_assert_msg(strstr(geocl_last_error(), "no features"), "%s", geocl_last_error());
  free(xyz);
  free(feat);
  geocl_ctx_free(ctx);
}
END_TEST

/* Neighbourhoods with use_xyz: [xyz − centre, features] of the ball query's
 * slots, ring by ring. */
START_TEST(pointnet2_group_rings) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  enum { N = 300, C = 4, M = 17, T = 3 + 8 };
  float *xyz = make_cloud(UNIFORM, N, 3, 21), *feat = make_cloud(UNIFORM, N, C, 22);
  for (int k = 0; k < 3 * N; k++) xyz[k] *= 0.05f;
  geocl_ball_ring rings[2] = {{0, 0.3f, 3}, {0.3f, 0.6f, 8}};
  geocl_tensor *x = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(1, N, 3), xyz);
  geocl_tensor *f = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(1, N, C), feat);
  geocl_tensor *centres = geocl_group_points(x, geocl_farthest_point_sample(x, M)), *out[2];
  ck_assert_ok(geocl_pointnet2_group(x, f, centres, 2, rings, true, out));
  float *cen = test_download(centres);
  for (int r = 0, o = 0; r < 2; o += rings[r++].nsample) {
    ck_assert_int_eq(geocl_dim(out[r], 2), rings[r].nsample);
    ck_assert_int_eq(geocl_dim(out[r], 3), 3 + C);
    float *got = test_download(out[r]);
    for (int j = 0; j < M; j++) {
      int32_t slots[T];
      plain_ball_query(xyz, N, cen + 3 * j, 2, rings, slots);
      for (int s = 0; s < rings[r].nsample; s++) {
        const float *g = got + ((size_t)j * rings[r].nsample + s) * (3 + C);
        int p = slots[o + s];
        for (int d = 0; d < 3; d++) ck_assert_float_eq(g[d], xyz[3 * p + d] - cen[3 * j + d]);
        for (int c = 0; c < C; c++) ck_assert_float_eq(g[3 + c], feat[C * p + c]);
      }
    }
    free(got);
  }
  free(cen);
  free(xyz);
  free(feat);
  geocl_ctx_free(ctx);
}
END_TEST

/* ---- grouping ---- */

/* group_points of x [B, N, C] at idx [B, M, K] with many repeats: the forward
 * is a gather, the backward sums the repeated rows (checked against double
 * sums) and gives the same bits on every run. */
START_TEST(group_points_sums_repeats) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  enum { B = 2, N = 37, C = 19, M = 53, K = 16 };
  float x[B * N * C], dy[B * M * K * C];
  int32_t idx[B * M * K];
  test_fill_uniform(x, B * N * C, 1, -1, 1);
  test_fill_uniform(dy, B * M * K * C, 2, -1, 1);
  geocl_rng r;
  geocl_rng_init(&r, 3);
  for (int i = 0; i < B * M * K; i++) idx[i] = i % 7 == 0 ? 5 : (int32_t)geocl_rng_below(&r, N / 3); /* row 5 often */
  double want[B * N * C] = {0};
  for (int b = 0; b < B; b++)
    for (int e = 0; e < M * K; e++)
      for (int c = 0; c < C; c++) want[(b * N + idx[b * M * K + e]) * C + c] += dy[(b * M * K + e) * C + c];
  float *first = NULL;
  for (int run = 0; run < 2; run++) {
    geocl_scope s = geocl_scope_begin(ctx);
    geocl_tensor *xt = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, N, C), x);
    geocl_set_requires_grad(xt, true);
    geocl_tensor *y = geocl_group_points(xt, test_upload(ctx, GEOCL_I32, GEOCL_SHAPE(B, M, K), idx));
    ck_assert_nonnull_geocl(y);
    float *yh = test_download(y);
    for (int i = 0; i < B * M * K; i++)
      for (int c = 0; c < C; c++) ck_assert_float_eq(yh[i * C + c], x[((i / (M * K)) * N + idx[i]) * C + c]);
    ck_assert_ok(geocl_backward_from(y, test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, M, K, C), dy)));
    float *g = test_download(geocl_grad(xt));
    for (int i = 0; i < B * N * C; i++)
      ck_assert_msg(fabs(g[i] - want[i]) <= 1e-6 * (1 + fabs(want[i])), "dx[%d] = %.9g, want %.9g", i, g[i], want[i]);
    if (first)
      ck_assert_msg(!memcmp(first, g, sizeof x), "group_points backward differs between two runs on %s",
                    geocl_ctx_backend_name(ctx));
    else
      first = g, g = NULL;
    free(g);
    free(yh);
    geocl_scope_end(ctx, s);
  }
  free(first);
  geocl_ctx_free(ctx);
}
END_TEST

/* PointNet++ pooling: the max over the neighbours of grouped features, whose
 * padded slots repeat a point, with features on a coarse grid (exact ties,
 * within and between points): the value and, through the backward of both
 * ops, the gradient to the first maximum of each (centre, channel), added up
 * per source point. */
START_TEST(max_over_neighbours_of_groups) {
  geocl_ctx *ctx = test_backend_ctx(_i, "check_points");
  if (!ctx) return;
  enum { B = 2, N = 23, C = 37, M = 11, K = 9 };
  float x[B * N * C], dy[B * M * C], want_y[B * M * C];
  double want_dx[B * N * C] = {0};
  int32_t idx[B * M * K];
  test_fill_uniform(x, B * N * C, 5, -1, 1);
  for (int i = 0; i < B * N * C; i++) x[i] = floorf(4 * x[i]) / 4; /* different points tie too */
  test_fill_uniform(dy, B * M * C, 6, -1, 1);
  geocl_rng r;
  geocl_rng_init(&r, 7);
  for (int i = 0; i < B * M * K; i++) idx[i] = i % K >= 5 ? idx[i - i % K] : (int32_t)geocl_rng_below(&r, N);
  for (int b = 0; b < B; b++)
    for (int m = 0; m < M; m++)
      for (int c = 0; c < C; c++) {
        int first = idx[(b * M + m) * K];
        for (int k = 1; k < K; k++) {
          int p = idx[(b * M + m) * K + k];
          if (x[(b * N + p) * C + c] > x[(b * N + first) * C + c]) first = p;
        }
        want_y[(b * M + m) * C + c] = x[(b * N + first) * C + c];
        want_dx[(b * N + first) * C + c] += dy[(b * M + m) * C + c];
      }
  geocl_tensor *xt = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, N, C), x);
  geocl_set_requires_grad(xt, true);
  geocl_tensor *y = geocl_max(geocl_group_points(xt, test_upload(ctx, GEOCL_I32, GEOCL_SHAPE(B, M, K), idx)), 2, false);
  ck_assert_nonnull_geocl(y);
  float *yh = test_download(y);
  ck_assert_msg(!memcmp(yh, want_y, sizeof want_y), "max over neighbours differs on %s", geocl_ctx_backend_name(ctx));
  ck_assert_ok(geocl_backward_from(y, test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, M, C), dy)));
  float *g = test_download(geocl_grad(xt));
  for (int i = 0; i < B * N * C; i++)
    ck_assert_msg(fabs(g[i] - want_dx[i]) <= 1e-6 * (1 + fabs(want_dx[i])), "dx[%d] = %.9g, want %.9g on %s", i, g[i],
                  want_dx[i], geocl_ctx_backend_name(ctx));
  free(g);
  free(yh);
  geocl_ctx_free(ctx);
}
END_TEST

#define EXPECT_ERROR(expr, ...)                                                                        \
  do {                                                                                                 \
    ck_assert_msg((expr) == NULL, "%s succeeded", #expr);                                              \
    const char *parts_[] = {__VA_ARGS__};                                                              \
    for (size_t i_ = 0; i_ < sizeof parts_ / sizeof *parts_; i_++)                                     \
      ck_assert_msg(strstr(geocl_last_error(), parts_[i_]), "%s: message '%s' lacks '%s'", #expr,       \
                    geocl_last_error(), parts_[i_]);                                                   \
  } while (0)

START_TEST(bad_input_messages) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_tensor *xyz = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 10, 3));
  geocl_tensor *x4 = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 10, 4));
  geocl_tensor *cen = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 4, 3));
  geocl_ball_ring good = {0, 1, 4}, bad = {0.5f, 0.5f, 4}, none = {0, 1, 0};
  EXPECT_ERROR(geocl_farthest_point_sample(geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 10)), 3),
               "farthest_point_sample", "[2, 10]", "[B, N, D]");
  EXPECT_ERROR(geocl_farthest_point_sample(xyz, 0), "farthest_point_sample", "0 samples", "[2, 10, 3]");
  EXPECT_ERROR(geocl_farthest_point_sample(geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(2, 4, 5)), 2),
               "farthest_point_sample", "must be f32, not i32");
  EXPECT_ERROR(geocl_ball_query(x4, cen, 1, &good), "ball_query", "xyz [2, 10, 4]", "[B, N, 3]");
  EXPECT_ERROR(geocl_ball_query(xyz, geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(3, 4, 3)), 1, &good), "ball_query",
               "centres [3, 4, 3]");
  EXPECT_ERROR(geocl_ball_query(xyz, cen, 1, &bad), "ball_query", "ring 0 [0.5, 0.5)", "r_lo < r_hi");
  EXPECT_ERROR(geocl_ball_query(xyz, cen, 1, &none), "ball_query", "0 samples");
  EXPECT_ERROR(geocl_ball_query(xyz, cen, 9, &good), "ball_query", "9 rings");
  EXPECT_ERROR(geocl_group_points(xyz, cen), "group_points", "idx", "must be i32");
  EXPECT_ERROR(geocl_group_points(xyz, geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(3, 4))), "group_points",
               "x [2, 10, 3]", "idx [3, 4]");
  EXPECT_ERROR(geocl_group_points(xyz, geocl_zeros(ctx, GEOCL_I32, GEOCL_SHAPE(2, 4, 5, 1, 1, 1))), "group_points",
               "[2, 4, 5, 1, 1, 1]");
  geocl_tensor *fmap = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(2, 8, 5, 6));
  EXPECT_ERROR(geocl_grid_sample_points(fmap, xyz), "grid_sample_points", "grid [2, 10, 3]", "[B, P, 2]");
  EXPECT_ERROR(geocl_grid_sample_points(xyz, cen), "grid_sample_points", "feature map [2, 10, 3]");
  /* out-of-range neighbour indices: the reference backend says which */
  int32_t big[2 * 4 * 5] = {0};
  big[7] = 10;
  EXPECT_ERROR(geocl_group_points(xyz, geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(2, 4, 5), big)), "index 10",
               "outside the 10 rows");
  geocl_ctx_free(ctx);
}
END_TEST

/* ---- linear assignment ---- */

/* The cheapest permutation by enumeration (n ≤ 8). */
static double brute_force(const float *cost, int n) {
  int perm[8], c[8] = {0};
  for (int i = 0; i < n; i++) perm[i] = i;
  double best = INFINITY;
  for (int i = 0;;) { /* Heap's algorithm */
    double s = 0;
    for (int r = 0; r < n; r++) s += cost[r * n + perm[r]];
    if (s < best) best = s;
    while (i < n && c[i] >= i) c[i++] = 0;
    if (i >= n) break;
    int j = i % 2 ? c[i] : 0, t = perm[j];
    perm[j] = perm[i];
    perm[i] = t;
    c[i]++;
    i = 0;
  }
  return best;
}

static void assert_permutation(const int32_t *p, int n) {
  char *seen = calloc((size_t)n, 1);
  for (int i = 0; i < n; i++) {
    ck_assert_msg(p[i] >= 0 && p[i] < n && !seen[p[i]], "row %d: column %d repeats or is out of range", i, p[i]);
    seen[p[i]] = 1;
  }
  free(seen);
}

/* Costs: uniform, small integers (ties), or with rows and columns repeated. */
static float *make_costs(int n, int kind, unsigned seed) {
  float *c = malloc(sizeof(float) * (size_t)n * n);
  geocl_rng r;
  geocl_rng_init(&r, seed);
  test_fill_uniform(c, (size_t)n * n, seed, 0, 100);
  for (int i = 0; i < n * n; i++) {
    if (kind == 1) c[i] = (float)geocl_rng_below(&r, 4);
    if (kind == 2) c[i] = c[(i / n) / 2 * 2 * n + (i % n) / 3 * 3]; /* rows in pairs, columns in threes */
  }
  return c;
}

START_TEST(assignment_matches_brute_force) {
  for (int n = 1; n <= 8; n++)
    for (int kind = 0; kind < 3; kind++)
      for (unsigned seed = 0; seed < 6; seed++) {
        float *c = make_costs(n, kind, 1000u * (unsigned)n + 10u * (unsigned)kind + seed);
        int32_t p[8];
        double total;
        ck_assert_ok(geocl_linear_assignment(c, n, p, &total));
        assert_permutation(p, n);
        double want = brute_force(c, n), sum = 0;
        for (int i = 0; i < n; i++) sum += c[i * n + p[i]];
        ck_assert_msg(fabs(total - want) <= 1e-9 * (1 + want) && sum == total,
                      "n = %d kind %d seed %u: total %.17g, brute force %.17g", n, kind, seed, total, want);
        free(c);
      }
}
END_TEST

/* An assignment is optimal iff exchanging along no cycle makes it cheaper:
 * no negative cycle among the columns with edge j → j' of weight
 * c[row(j), j'] − c[row(j), j] (Bellman–Ford from all columns at once). */
static bool no_negative_cycle(const float *c, int n, const int32_t *col_of_row) {
  int32_t *row = malloc(sizeof(int32_t) * (size_t)n);
  double *dist = calloc((size_t)n, sizeof *dist);
  for (int i = 0; i < n; i++) row[col_of_row[i]] = i;
  bool changed = true;
  for (int round = 0; round < n && changed; round++) {
    changed = false;
    for (int j = 0; j < n; j++) {
      const float *cr = c + (size_t)row[j] * n;
      for (int k = 0; k < n; k++) {
        double d = dist[j] + (double)cr[k] - (double)cr[j];
        if (d < dist[k] - 1e-9) {
          dist[k] = d;
          changed = true;
        }
      }
    }
  }
  free(row);
  free(dist);
  return !changed;
}

START_TEST(assignment_is_optimal) {
  static const int sizes[] = {31, 100, 257};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++)
    for (int kind = 0; kind < 3; kind++) {
      int n = sizes[s];
      float *c = make_costs(n, kind, 77u + (unsigned)s * 3u + (unsigned)kind);
      int32_t *p = malloc(sizeof(int32_t) * (size_t)n);
      ck_assert_ok(geocl_linear_assignment(c, n, p, NULL));
      assert_permutation(p, n);
      ck_assert_msg(no_negative_cycle(c, n, p), "n = %d kind %d: a cheaper exchange exists", n, kind);
      free(p);
      free(c);
    }
}
END_TEST

START_TEST(assignment_bad_input) {
  float c[4] = {1, 2, NAN, 4};
  int32_t p[2];
  ck_assert_int_eq(geocl_linear_assignment(c, 2, p, NULL), GEOCL_E_INVALID);
  ck_assert_msg(strstr(geocl_last_error(), "cost[1, 0]") && strstr(geocl_last_error(), "not finite"), "%s",
                geocl_last_error());
  ck_assert_int_eq(geocl_linear_assignment(c, -1, p, NULL), GEOCL_E_INVALID);
  double total = -1;
  ck_assert_ok(geocl_linear_assignment(NULL, 0, NULL, &total));
  ck_assert(total == 0);
}
END_TEST

int main(void) {
  setenv("GEOCL_POOL_GUARD", "1", 1);
  Suite *s = suite_create("points");
  TCase *tc = tcase_create("definitions");
  tcase_set_timeout(tc, 120);
  tcase_add_loop_test(tc, fps_matches_definition, 0, 2);
  tcase_add_loop_test(tc, fps_of_a_view, 0, 2);
  tcase_add_loop_test(tc, ball_query_known_answer, 0, 2);
  tcase_add_loop_test(tc, ball_query_matches_definition, 0, 2);
  tcase_add_loop_test(tc, pointnet2_sample_stages, 0, 2);
  tcase_add_loop_test(tc, pointnet2_group_rings, 0, 2);
  tcase_add_loop_test(tc, group_points_sums_repeats, 0, 2);
  tcase_add_loop_test(tc, max_over_neighbours_of_groups, 0, 2);
  tcase_add_test(tc, bad_input_messages);
  tcase_add_test(tc, assignment_matches_brute_force);
  tcase_add_test(tc, assignment_is_optimal);
  tcase_add_test(tc, assignment_bad_input);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
