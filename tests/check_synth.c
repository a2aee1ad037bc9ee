/* SPDX-License-Identifier: MIT */
/* The synthetic scene generator, judged only through the files it writes and
 * the public readers: determinism, the layout, flow/depth/pose consistency,
 * LiDAR/depth agreement and the co-visibility of the listed pairs. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <geocl/image.h>
#include <geocl/kitti.h>
#include <geocl/pairs.h>
#include <geocl/synth.h>
#include <geocl/visualize.h>
#include <geocl/fileio.h>

#include "testutil.h"

#define FRAMES 10
#define SEQUENCES 2 /* a room and a street */
#define WIDTH 96
#define HEIGHT 64

static char data_dir[4096];

/* One data set for the whole suite (the consistency tests only read it). */
static void make_data_set(void) {
  if (data_dir[0]) return;
  snprintf(data_dir, sizeof data_dir, "%s/synth-main", test_tmpdir());
  char cmd[4200];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", data_dir);
  ck_assert_int_eq(system(cmd), 0);
  geocl_synth_options o;
  geocl_synth_options_default(&o);
  o.out_dir = data_dir;
  o.sequences = SEQUENCES;
  o.frames = FRAMES;
  o.width = WIDTH;
  o.height = HEIGHT;
  o.seed = 7;
  geocl_synth_summary summary;
  ck_assert_ok(geocl_synth_write(&o, &summary));
  ck_assert_int_eq(summary.frames, SEQUENCES * FRAMES);
  ck_assert_int_gt(summary.pairs, SEQUENCES * (FRAMES - 1) / 2); /* most frames find a partner */
}

static const char *seq_path(int seq, const char *fmt, int a, int b) {
  static char path[4400];
  char name[128];
  snprintf(name, sizeof name, fmt, a, b);
  snprintf(path, sizeof path, "%s/sequences/%02d/%s", data_dir, seq, name);
  return path;
}

/* Everything a sequence's checks need, read back through the public API. */
typedef struct sequence {
  geocl_kitti_calib calib;
  double *poses;
  int64_t n_poses;
  double fx, fy, cx, cy;
} sequence;

static void read_sequence(int seq, sequence *s) {
  ck_assert_ok(geocl_kitti_calib_read(seq_path(seq, "calib.txt", 0, 0), &s->calib));
  ck_assert_int_eq(s->calib.layout, GEOCL_CALIB_ODOMETRY);
  ck_assert_ok(geocl_kitti_poses_read(seq_path(seq, "poses.txt", 0, 0), &s->poses, &s->n_poses));
  ck_assert_int_eq(s->n_poses, FRAMES);
  const double *p2 = s->calib.P[2];
  s->fx = p2[0];
  s->cx = p2[2];
  s->fy = p2[5];
  s->cy = p2[6];
  ck_assert_double_eq(p2[3], 0.0); /* P2 = K [I | 0] */
}

/* m = inverse(b) * a for 3x4 rigid transforms */
static void relative(const double *a, const double *b, double *m) {
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 4; j++) {
      double v = 0.0;
      for (int k = 0; k < 3; k++) v += b[4 * k + i] * (a[4 * k + j] - (j == 3 ? b[4 * k + 3] : 0.0));
      m[4 * i + j] = v;
    }
  }
}

static void apply(const double *m, const double x[3], double y[3]) {
  for (int i = 0; i < 3; i++) y[i] = m[4 * i] * x[0] + m[4 * i + 1] * x[1] + m[4 * i + 2] * x[2] + m[4 * i + 3];
}

/* Depth at a sub-pixel position by bilinear interpolation, 0 when any of the
 * four neighbours is missing or they disagree by more than 2% (an edge). */
static double depth_at(const geocl_image *d, double u, double v) {
  int u0 = (int)floor(u), v0 = (int)floor(v);
  if (u0 < 0 || v0 < 0 || u0 + 1 >= d->width || v0 + 1 >= d->height) return 0.0;
  const float *z = d->data;
  double z00 = z[v0 * d->width + u0], z10 = z[v0 * d->width + u0 + 1];
  double z01 = z[(v0 + 1) * d->width + u0], z11 = z[(v0 + 1) * d->width + u0 + 1];
  double lo = fmin(fmin(z00, z10), fmin(z01, z11)), hi = fmax(fmax(z00, z10), fmax(z01, z11));
  if (lo <= 0.0 || hi > lo * 1.02) return 0.0;
  double a = u - u0, b = v - v0;
  return (z00 * (1 - a) + z10 * a) * (1 - b) + (z01 * (1 - a) + z11 * a) * b;
}

/* Mean absolute RGB difference between pixel (u, v) of a and the bilinear
 * sample of b at (ub, vb). */
static double colour_difference(const geocl_image *a, int u, int v, const geocl_image *b, double ub, double vb) {
  int u0 = (int)floor(ub), v0 = (int)floor(vb);
  if (u0 < 0 || v0 < 0 || u0 + 1 >= b->width || v0 + 1 >= b->height) return 0.0;
  double fu = ub - u0, fv = vb - v0, sum = 0.0;
  const uint8_t *pa = a->data, *pb = b->data;
  for (int c = 0; c < 3; c++) {
    double s = 0.0;
    for (int k = 0; k < 4; k++)
      s += (k % 2 ? fu : 1 - fu) * (k / 2 ? fv : 1 - fv) * pb[((v0 + k / 2) * b->width + u0 + k % 2) * 3 + c];
    sum += fabs(s - pa[(v * a->width + u) * 3 + c]);
  }
  return sum / 3.0;
}

/* Depth at a sub-pixel position interpolated in inverse depth (exact on
 * planes), 0 when a neighbour has none: co-visibility as the generator defines it. */
static double depth_between(const geocl_image *d, double u, double v) {
  int u0 = (int)floor(u), v0 = (int)floor(v);
  if (u0 < 0 || v0 < 0 || u0 + 1 >= d->width || v0 + 1 >= d->height) return 0.0;
  const float *z = d->data;
  double a = u - u0, b = v - v0, inv = 0.0;
  for (int k = 0; k < 4; k++) {
    double zk = z[(v0 + k / 2) * d->width + u0 + k % 2];
    if (zk <= 0.0) return 0.0;
    inv += (k % 2 ? a : 1 - a) * (k / 2 ? b : 1 - b) / zk;
  }
  return 1.0 / inv;
}

START_TEST(same_arguments_same_bytes) {
  make_data_set();
  char again[4096], cmd[8300];
  snprintf(again, sizeof again, "%s/synth-again", test_tmpdir());
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", again);
  ck_assert_int_eq(system(cmd), 0);
  geocl_synth_options o;
  geocl_synth_options_default(&o);
  o.out_dir = again;
  o.sequences = SEQUENCES;
  o.frames = FRAMES;
  o.width = WIDTH;
  o.height = HEIGHT;
  o.seed = 7;
  ck_assert_ok(geocl_synth_write(&o, NULL));
  snprintf(cmd, sizeof cmd, "diff -r -q '%s' '%s'", data_dir, again);
  ck_assert_msg(system(cmd) == 0, "two runs with the same arguments differ");
  /* another seed gives other scenes */
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", again);
  ck_assert_int_eq(system(cmd), 0);
  o.seed = 8;
  o.sequences = 1;
  ck_assert_ok(geocl_synth_write(&o, NULL));
  snprintf(cmd, sizeof cmd, "cmp -s '%s/sequences/00/image_2/000000.png' '%s/sequences/00/image_2/000000.png'",
           data_dir, again);
  ck_assert_msg(system(cmd) != 0, "seeds 7 and 8 gave the same first image");
}
END_TEST

START_TEST(layout_and_formats) {
  make_data_set();
  for (int seq = 0; seq < SEQUENCES; seq++) {
    sequence s;
    read_sequence(seq, &s);
    for (int j = 0; j < 12; j++) ck_assert_double_eq_tol(s.poses[j], (j % 5 == 0) ? 1.0 : 0.0, 1e-9); /* frame 0 */
    for (int f = 0; f < FRAMES; f++) {
      geocl_image img, depth;
      ck_assert_ok(geocl_image_read(seq_path(seq, "image_2/%06d.png", f, 0), &img));
      ck_assert_int_eq(img.width, WIDTH);
      ck_assert_int_eq(img.height, HEIGHT);
      ck_assert_int_eq(img.channels, 3);
      ck_assert_int_eq(img.type, GEOCL_SAMPLE_U8);
      ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", f, 0), &depth));
      int valid = 0;
      for (int i = 0; i < WIDTH * HEIGHT; i++) valid += ((float *)depth.data)[i] > 0.0f;
      ck_assert_int_gt(valid, WIDTH * HEIGHT / 2); /* dense where there is a surface */
      float *pts;
      int64_t n;
      ck_assert_ok(geocl_velodyne_read(seq_path(seq, "velodyne/%06d.bin", f, 0), &pts, &n));
      ck_assert_int_gt(n, 64 * 1000);
      for (int64_t i = 0; i < n; i++) ck_assert(pts[4 * i + 3] >= 0.0f && pts[4 * i + 3] <= 1.0f);
      free(pts);
      geocl_image_free(&img);
      geocl_image_free(&depth);
    }
    free(s.poses);
  }
}
END_TEST

/* depth_color/: 8-bit RGB of the depth's size, black exactly where the depth
 * is unknown, and Turbo of inverse depth normalised over the image: the
 * nearest pixel at Turbo's near end (144, 13, 0: dark red), the farthest at
 * its far end (35, 23, 27), every pixel within 8 levels (the rounding of the 1/256 m
 * depth file) of Turbo at its place between them. */
START_TEST(depth_color_companions) {
  make_data_set();
  int worst = 0;
  for (int seq = 0; seq < SEQUENCES; seq++)
    for (int f = 0; f < FRAMES; f++) {
      geocl_image depth, col;
      ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", f, 0), &depth));
      ck_assert_ok(geocl_image_read(seq_path(seq, "depth_color/%06d.png", f, 0), &col));
      ck_assert_int_eq(col.width, WIDTH);
      ck_assert_int_eq(col.height, HEIGHT);
      ck_assert_int_eq(col.channels, 3);
      ck_assert_int_eq(col.type, GEOCL_SAMPLE_U8);
      const float *z = depth.data;
      const uint8_t *rgb = col.data;
      int near = -1, far = -1;
      for (int i = 0; i < WIDTH * HEIGHT; i++) {
        if (!(z[i] > 0)) continue;
        if (near < 0 || z[i] < z[near]) near = i;
        if (far < 0 || z[i] > z[far]) far = i;
      }
      ck_assert_int_ge(near, 0);
      ck_assert_msg(rgb[3 * near] >= 130 && rgb[3 * near + 1] <= 30 && rgb[3 * near + 2] <= 10,
                    "seq %d frame %d: nearest pixel (%.2f m) is %d %d %d, not dark red", seq, f, z[near],
                    rgb[3 * near], rgb[3 * near + 1], rgb[3 * near + 2]);
      ck_assert_msg(rgb[3 * far] <= 45 && rgb[3 * far + 1] <= 35 && rgb[3 * far + 2] <= 40,
                    "seq %d frame %d: farthest pixel (%.2f m) is %d %d %d, not dark blue", seq, f, z[far],
                    rgb[3 * far], rgb[3 * far + 1], rgb[3 * far + 2]);
      double lo = 1.0 / z[far], hi = 1.0 / z[near];
      for (int i = 0; i < WIDTH * HEIGHT; i++) {
        const uint8_t *p = rgb + 3 * i;
        if (!(z[i] > 0)) {
          ck_assert_msg(!p[0] && !p[1] && !p[2], "seq %d frame %d: unknown pixel %d is not black", seq, f, i);
          continue;
        }
        uint8_t want[3];
        geocl_colormap_rgb(GEOCL_COLORMAP_TURBO, (1.0 / z[i] - lo) / (hi - lo), want);
        for (int c = 0; c < 3; c++) worst = abs(p[c] - want[c]) > worst ? abs(p[c] - want[c]) : worst;
      }
      geocl_image_free(&depth);
      geocl_image_free(&col);
    }
  printf("depth_color: largest difference from Turbo of the file's inverse depth: %d\n", worst);
  ck_assert_int_le(worst, 8);
}
END_TEST

/* Back-project a's pixels with its depth, move them with the poses and
 * project them: that must be the written flow; and where b sees the same
 * surface, coming back from b with b's depth must land on the pixel again. */
START_TEST(flow_depth_pose_consistency) {
  make_data_set();
  geocl_pair_list pairs;
  ck_assert_ok(geocl_pairs_read_dir(data_dir, &pairs));
  double flow_err = 0.0, reproj_err = 0.0, worst_reproj = 0.0, colour_err = 0.0;
  int64_t flow_n = 0, reproj_n = 0;
  int misaligned = 0;
  for (int64_t i = 0; i < pairs.count; i++) {
    int seq, a, b;
    ck_assert_int_eq(sscanf(strstr(pairs.first[i], "sequences/"), "sequences/%d/image_2/%d.png", &seq, &a), 2);
    ck_assert_int_eq(sscanf(strstr(pairs.second[i], "sequences/"), "sequences/%*d/image_2/%d.png", &b), 1);
    sequence s;
    read_sequence(seq, &s);
    geocl_image da, db, flow, ia, ib;
    ck_assert_ok(geocl_image_read(seq_path(seq, "image_2/%06d.png", a, 0), &ia));
    ck_assert_ok(geocl_image_read(seq_path(seq, "image_2/%06d.png", b, 0), &ib));
    ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", a, 0), &da));
    ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", b, 0), &db));
    ck_assert_ok(geocl_kitti_flow_read(seq_path(seq, "flow/%06d_%06d.png", a, b), &flow));
    double b_from_a[12], a_from_b[12];
    relative(s.poses + 12 * a, s.poses + 12 * b, b_from_a);
    relative(s.poses + 12 * b, s.poses + 12 * a, a_from_b);
    const float *za = da.data, *f = flow.data;
    double shifted[5][5] = {{0.0}}; /* colour difference with b sampled (dx, dy) / 4 px off */
    for (int v = 0; v < HEIGHT; v++)
      for (int u = 0; u < WIDTH; u++) {
        int px = v * WIDTH + u;
        if (za[px] <= 0.0f) {
          ck_assert_float_eq(f[3 * px + 2], 0.0f); /* no surface, no flow */
          continue;
        }
        double x[3] = {(u - s.cx) / s.fx * za[px], (v - s.cy) / s.fy * za[px], za[px]}, y[3];
        apply(b_from_a, x, y);
        if (f[3 * px + 2] == 0.0f) continue;
        double ub = s.fx * y[0] / y[2] + s.cx, vb = s.fy * y[1] / y[2] + s.cy;
        flow_err += fabs(u + f[3 * px] - ub) + fabs(v + f[3 * px + 1] - vb);
        flow_n++;
        /* non-occluded: b sees a surface at the predicted depth there */
        double zb = depth_at(&db, ub, vb);
        if (zb <= 0.0 || fabs(zb - y[2]) > 0.01 * y[2] + 0.02) continue;
        double xb[3] = {(ub - s.cx) / s.fx * zb, (vb - s.cy) / s.fy * zb, zb}, back[3];
        apply(a_from_b, xb, back);
        double e = hypot(s.fx * back[0] / back[2] + s.cx - u, s.fy * back[1] / back[2] + s.cy - v);
        reproj_err += e;
        worst_reproj = e > worst_reproj ? e : worst_reproj;
        reproj_n++;
        colour_err += colour_difference(&ia, u, v, &ib, ub, vb);
        for (int dy = -2; dy <= 2; dy++)
          for (int dx = -2; dx <= 2; dx++)
            shifted[dy + 2][dx + 2] += colour_difference(&ia, u, v, &ib, ub + 0.25 * dx, vb + 0.25 * dy);
      }
    /* the images line up best where the geometry says: no shift by half a pixel matches b better */
    int best = 12;
    for (int k = 0; k < 25; k++) best = shifted[k / 5][k % 5] < shifted[best / 5][best % 5] ? k : best;
    misaligned += best / 5 == 0 || best / 5 == 4 || best % 5 == 0 || best % 5 == 4;
    free(s.poses);
    geocl_image_free(&da);
    geocl_image_free(&db);
    geocl_image_free(&flow);
    geocl_image_free(&ia);
    geocl_image_free(&ib);
  }
  ck_assert_int_gt(flow_n, 0);
  ck_assert_int_gt(reproj_n, flow_n / 3);
  printf("flow vs depth+poses: mean |error| %.4f px over %lld pixels; round-trip reprojection: mean %.4f px, "
         "worst %.3f px over %lld non-occluded pixels of %lld pairs; colour difference there %.2f levels; pairs that "
         "match better with b shifted by half a pixel: %d\n",
         flow_err / flow_n / 2, (long long)flow_n, reproj_err / reproj_n, worst_reproj, (long long)reproj_n,
         (long long)pairs.count, colour_err / reproj_n, misaligned);
  ck_assert_double_lt(flow_err / flow_n / 2, 0.05); /* 1/64 px flow and 1/256 m depth quantisation */
  ck_assert_double_lt(reproj_err / reproj_n, 0.5);
  /* shading does not depend on the viewpoint, so a surface point has one colour in both views */
  ck_assert_int_eq(misaligned, 0);
  geocl_pair_list_free(&pairs);
}
END_TEST

/* Is the 4x4 window around pixel (u0 + 1/2, v0 + 1/2) on one plane?  On a
 * plane, inverse depth is affine in (u, v): its second differences along
 * rows and columns vanish (up to the 1/256 m rounding of the depth file). */
static int is_planar(const float *z, int u0, int v0) {
  if (u0 < 1 || v0 < 1 || u0 + 2 >= WIDTH || v0 + 2 >= HEIGHT) return 0;
  double inv[4][4];
  for (int j = 0; j < 4; j++)
    for (int i = 0; i < 4; i++) {
      double d = z[(v0 - 1 + j) * WIDTH + u0 - 1 + i];
      if (d <= 0.0) return 0;
      inv[j][i] = 1.0 / d;
    }
  for (int j = 0; j < 4; j++)
    for (int i = 1; i < 3; i++) {
      if (fabs(inv[j][i - 1] - 2.0 * inv[j][i] + inv[j][i + 1]) > 0.02 * inv[j][i]) return 0;
      if (fabs(inv[i - 1][j] - 2.0 * inv[i][j] + inv[i + 1][j]) > 0.02 * inv[i][j]) return 0;
    }
  return 1;
}

/* Every LiDAR point that projects into the image lands where the depth map
 * holds the point's depth, unless the camera sees something nearer there (the
 * LiDAR sits 27 cm behind the camera, so it sees round some corners).  The
 * depth at the point's sub-pixel position is interpolated in inverse depth,
 * which is exact along planes. */
START_TEST(lidar_agrees_with_depth) {
  make_data_set();
  int64_t inside = 0, agree = 0, occluded = 0, edge = 0, farther = 0;
  for (int seq = 0; seq < SEQUENCES; seq++) {
    sequence s;
    read_sequence(seq, &s);
    double m[12];
    geocl_kitti_lidar_to_image(&s.calib, m);
    for (int fr = 0; fr < FRAMES; fr++) {
      float *pts;
      int64_t n;
      geocl_image depth;
      ck_assert_ok(geocl_velodyne_read(seq_path(seq, "velodyne/%06d.bin", fr, 0), &pts, &n));
      ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", fr, 0), &depth));
      const float *z = depth.data;
      for (int64_t i = 0; i < n; i++) {
        double q[3], x[3] = {pts[4 * i], pts[4 * i + 1], pts[4 * i + 2]};
        apply(m, x, q);
        if (q[2] < 0.1) continue;
        double u = q[0] / q[2], v = q[1] / q[2];
        int u0 = (int)floor(u), v0 = (int)floor(v);
        if (u0 < 0 || v0 < 0 || u0 + 1 >= WIDTH || v0 + 1 >= HEIGHT) continue;
        double a = u - u0, b = v - v0, inv = 0.0, lo = INFINITY, hi = 0.0;
        for (int k = 0; k < 4; k++) {
          double d = z[(v0 + k / 2) * WIDTH + u0 + k % 2];
          lo = d < lo ? d : lo;
          hi = d > hi ? d : hi;
          inv += (k % 2 ? a : 1 - a) * (k / 2 ? b : 1 - b) / (d > 0.0 ? d : 1.0);
        }
        inside++;
        int planar = lo > 0.0 && is_planar(z, u0, v0);
        double camera = lo <= 0.0 ? INFINITY : 1.0 / inv, tol = 0.01 * q[2] + 2.0 / 256.0;
        if (fabs(camera - q[2]) <= tol)
          agree++;
        else if (hi < q[2] - tol)
          occluded++; /* the camera sees something nearer all round */
        else if (!planar)
          edge++; /* a depth edge, the sky, or a curved patch */
        else
          farther++;
      }
      free(pts);
      geocl_image_free(&depth);
    }
    free(s.poses);
  }
  printf("LiDAR points in the image: %lld; depth agrees for %lld (%.2f%%); the camera sees something nearer: %lld; "
         "on a depth edge: %lld; on a plane at another depth: %lld\n",
         (long long)inside, (long long)agree, 100.0 * agree / inside, (long long)occluded, (long long)edge,
         (long long)farther);
  ck_assert_int_gt(inside, 1000);
  ck_assert_double_gt((double)agree / (double)inside, 0.85);
  ck_assert_double_lt((double)farther / (double)(agree + farther), 0.001); /* shapes thinner than a pixel */
}
END_TEST

/* Listed pairs: b sees at least half of a's surface pixels, from >= 0.1 m away. */
START_TEST(listed_pairs_are_covisible) {
  make_data_set();
  geocl_pair_list pairs;
  ck_assert_ok(geocl_pairs_read_dir(data_dir, &pairs));
  double worst = 1.0;
  for (int64_t i = 0; i < pairs.count; i++) {
    int seq, a, b;
    ck_assert_int_eq(sscanf(strstr(pairs.first[i], "sequences/"), "sequences/%d/image_2/%d.png", &seq, &a), 2);
    ck_assert_int_eq(sscanf(strstr(pairs.second[i], "sequences/"), "sequences/%*d/image_2/%d.png", &b), 1);
    ck_assert_int_gt(b, a);
    ck_assert_int_le(b, a + 8);
    struct stat st;
    ck_assert_int_eq(stat(pairs.first[i], &st), 0);
    ck_assert_int_eq(stat(pairs.second[i], &st), 0);
    sequence s;
    read_sequence(seq, &s);
    const double *pa = s.poses + 12 * a, *pb = s.poses + 12 * b;
    ck_assert_double_ge(hypot(hypot(pa[3] - pb[3], pa[7] - pb[7]), pa[11] - pb[11]), 0.1);
    geocl_image da, db;
    ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", a, 0), &da));
    ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", b, 0), &db));
    double m[12];
    relative(pa, pb, m);
    const float *za = da.data;
    int64_t surface = 0, seen = 0;
    for (int v = 0; v < HEIGHT; v++)
      for (int u = 0; u < WIDTH; u++) {
        double z = za[v * WIDTH + u];
        if (z <= 0.0) continue;
        surface++;
        double x[3] = {(u - s.cx) / s.fx * z, (v - s.cy) / s.fy * z, z}, y[3];
        apply(m, x, y);
        if (y[2] <= 1e-3) continue;
        double d = depth_between(&db, s.fx * y[0] / y[2] + s.cx, s.fy * y[1] / y[2] + s.cy);
        if (d > 0.0 && fabs(d - y[2]) <= 0.01 * y[2] + 0.02) seen++;
      }
    double covisibility = (double)seen / (double)surface;
    worst = covisibility < worst ? covisibility : worst;
    free(s.poses);
    geocl_image_free(&da);
    geocl_image_free(&db);
  }
  printf("%lld listed pairs, lowest co-visibility %.3f\n", (long long)pairs.count, worst);
  /* the files hold depth rounded to 1/256 m, so allow a hair below the generator's 0.5 */
  ck_assert_double_ge(worst, 0.49);
  geocl_pair_list_free(&pairs);
}
END_TEST

/* The right camera: calib's P3 says where it is; the left view's disparity
 * file holds f·B/depth (occluded pixels included), 0 where there is no
 * surface or the disparity does not fit the 16-bit file. */
START_TEST(disparity_is_f_baseline_over_depth) {
  make_data_set();
  double worst = 0.0;
  int64_t known = 0, too_large = 0;
  for (int seq = 0; seq < SEQUENCES; seq++) {
    sequence s;
    read_sequence(seq, &s);
    double baseline = (s.calib.P[2][3] - s.calib.P[3][3]) / s.fx;
    ck_assert_double_eq_tol(baseline, 0.54, 1e-9);
    ck_assert_double_eq(s.calib.P[3][0], s.fx); /* same intrinsics */
    for (int f = 0; f < FRAMES; f++) {
      geocl_image depth, disp, right;
      ck_assert_ok(geocl_kitti_depth_read(seq_path(seq, "depth/%06d.png", f, 0), &depth));
      ck_assert_ok(geocl_kitti_disparity_read(seq_path(seq, "disparity/%06d.png", f, 0), &disp));
      ck_assert_ok(geocl_image_read(seq_path(seq, "image_3/%06d.png", f, 0), &right));
      ck_assert_int_eq(right.width, WIDTH);
      ck_assert_int_eq(right.channels, 3);
      const float *z = depth.data, *d = disp.data;
      for (int i = 0; i < WIDTH * HEIGHT; i++) {
        double want = z[i] > 0.0f ? s.fx * baseline / z[i] : 0.0;
        if (want * 256.0 > 65535.0) {
          ck_assert_float_eq(d[i], 0.0f);
          too_large++;
          continue;
        }
        /* both files are rounded: 1/512 px, and 1/512 m of depth is f·B/z²/512 px */
        double e = fabs(d[i] - want), tol = 1.0 / 512 + (z[i] > 0 ? want / z[i] / 512 : 0) + 1e-4;
        ck_assert_msg(e <= tol, "seq %d frame %d pixel %d: disparity %g, f·B/z = %g", seq, f, i, d[i], want);
        worst = e > worst ? e : worst;
        known += d[i] > 0;
      }
      geocl_image_free(&depth);
      geocl_image_free(&disp);
      geocl_image_free(&right);
    }
    free(s.poses);
  }
  printf("disparity vs f·B/depth: worst %.4f px over %lld known pixels; %lld beyond the file's 255.99 px\n", worst,
         (long long)known, (long long)too_large);
  ck_assert_int_gt(known, SEQUENCES * FRAMES * WIDTH * HEIGHT / 2);
}
END_TEST

static int files_equal(const char *a, const char *b) {
  char cmd[9000];
  snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
  return system(cmd) == 0;
}

/* The KITTI 2015 layout of the same scenes: scene n is the n-th listed pair of
 * the odometry layout, file for file; the noc maps are the occ maps where the
 * other view sees the point; the right view shows the left view's surface
 * points at x − disparity. */
START_TEST(kitti2015_layout_matches_the_odometry_one) {
  make_data_set();
  char dir[4096], cmd[4200], a_path[4400], b_path[4400];
  snprintf(dir, sizeof dir, "%s/synth-kitti2015", test_tmpdir());
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
  geocl_synth_options o;
  geocl_synth_options_default(&o);
  o.out_dir = dir;
  o.sequences = SEQUENCES;
  o.frames = FRAMES;
  o.width = WIDTH;
  o.height = HEIGHT;
  o.seed = 7;
  o.layout = GEOCL_SYNTH_KITTI2015;
  geocl_synth_summary sum;
  ck_assert_ok(geocl_synth_write(&o, &sum));
  geocl_pair_list pairs;
  ck_assert_ok(geocl_pairs_read_dir(data_dir, &pairs));
  ck_assert_int_eq(sum.pairs, pairs.count);
  double colour = 0.0, shifted[5] = {0.0};
  int64_t noc_px = 0, occ_px = 0, flow_noc = 0, flow_occ = 0;
  for (int64_t n = 0; n < pairs.count; n++) {
    int seq, a, b;
    ck_assert_int_eq(sscanf(strstr(pairs.first[n], "sequences/"), "sequences/%d/image_2/%d.png", &seq, &a), 2);
    ck_assert_int_eq(sscanf(strstr(pairs.second[n], "sequences/"), "sequences/%*d/image_2/%d.png", &b), 1);
    static const char *const same[][2] = {{"image_2/%06lld_10.png", "image_2/%06d.png"},
                                          {"image_3/%06lld_10.png", "image_3/%06d.png"},
                                          {"image_3/%06lld_11.png", "image_3/%06d.png"},
                                          {"disp_occ_0/%06lld_10.png", "disparity/%06d.png"},
                                          {"flow_occ/%06lld_10.png", "flow/%06d_%06d.png"}};
    for (int k = 0; k < 5; k++) {
      char name[64];
      snprintf(name, sizeof name, same[k][0], (long long)n);
      snprintf(a_path, sizeof a_path, "%s/training/%s", dir, name);
      snprintf(b_path, sizeof b_path, "%s", seq_path(seq, same[k][1], k == 2 ? b : a, b));
      ck_assert_msg(files_equal(a_path, b_path), "%s differs from %s", a_path, b_path);
    }
    geocl_image occ, noc, focc, fnoc, left, right;
    snprintf(a_path, sizeof a_path, "%s/training/disp_occ_0/%06lld_10.png", dir, (long long)n);
    ck_assert_ok(geocl_kitti_disparity_read(a_path, &occ));
    snprintf(a_path, sizeof a_path, "%s/training/disp_noc_0/%06lld_10.png", dir, (long long)n);
    ck_assert_ok(geocl_kitti_disparity_read(a_path, &noc));
    snprintf(a_path, sizeof a_path, "%s/training/flow_occ/%06lld_10.png", dir, (long long)n);
    ck_assert_ok(geocl_kitti_flow_read(a_path, &focc));
    snprintf(a_path, sizeof a_path, "%s/training/flow_noc/%06lld_10.png", dir, (long long)n);
    ck_assert_ok(geocl_kitti_flow_read(a_path, &fnoc));
    snprintf(a_path, sizeof a_path, "%s/training/image_2/%06lld_10.png", dir, (long long)n);
    ck_assert_ok(geocl_image_read(a_path, &left));
    snprintf(a_path, sizeof a_path, "%s/training/image_3/%06lld_10.png", dir, (long long)n);
    ck_assert_ok(geocl_image_read(a_path, &right));
    snprintf(a_path, sizeof a_path, "%s/training/calib/%06lld.txt", dir, (long long)n);
    geocl_kitti_calib calib;
    ck_assert_ok(geocl_kitti_calib_read(a_path, &calib));
    ck_assert_int_eq(calib.layout, GEOCL_CALIB_OBJECT);
    ck_assert_double_eq_tol((calib.P[2][3] - calib.P[3][3]) / calib.P[2][0], 0.54, 1e-9);
    const float *po = occ.data, *pn = noc.data, *fo = focc.data, *fn = fnoc.data;
    for (int v = 0; v < HEIGHT; v++)
      for (int u = 0; u < WIDTH; u++) {
        int i = v * WIDTH + u;
        ck_assert(pn[i] == 0.0f || pn[i] == po[i]);
        ck_assert(fn[3 * i + 2] == 0.0f || (fo[3 * i + 2] == 1.0f && fn[3 * i] == fo[3 * i] && fn[3 * i + 1] == fo[3 * i + 1]));
        occ_px += po[i] > 0;
        noc_px += pn[i] > 0;
        flow_occ += fo[3 * i + 2] > 0;
        flow_noc += fn[3 * i + 2] > 0;
        if (pn[i] <= 0.0f) continue;
        colour += colour_difference(&left, u, v, &right, u - pn[i], v);
        for (int k = 0; k < 5; k++) shifted[k] += colour_difference(&left, u, v, &right, u - pn[i] + 0.25 * (k - 2), v);
      }
    geocl_image_free(&occ);
    geocl_image_free(&noc);
    geocl_image_free(&focc);
    geocl_image_free(&fnoc);
    geocl_image_free(&left);
    geocl_image_free(&right);
  }
  printf("KITTI 2015 layout: %lld scenes; disparity known at %lld pixels, %lld of them seen by the right view; flow "
         "%lld, %lld seen by frame 11; colour difference left/right %.2f levels (shifted by -0.5 .. 0.5 px: %.2f %.2f "
         "%.2f %.2f %.2f)\n",
         (long long)pairs.count, (long long)occ_px, (long long)noc_px, (long long)flow_occ, (long long)flow_noc,
         colour / noc_px, shifted[0] / noc_px, shifted[1] / noc_px, shifted[2] / noc_px, shifted[3] / noc_px,
         shifted[4] / noc_px);
  ck_assert_int_lt(noc_px, occ_px); /* something is occluded */
  ck_assert_int_gt(noc_px, occ_px / 2);
  ck_assert_int_lt(flow_noc, flow_occ);
  for (int k = 0; k < 5; k++) ck_assert_double_ge(shifted[k], shifted[2]); /* the disparity is where the colours match */
  geocl_pair_list_free(&pairs);
}
END_TEST

START_TEST(refuses_to_overwrite_and_checks_options) {
  make_data_set();
  geocl_synth_options o;
  geocl_synth_options_default(&o);
  o.out_dir = data_dir;
  ck_assert_int_eq(geocl_synth_write(&o, NULL), GEOCL_E_STATE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "pairs.txt already exists"));
  o.frames = 1;
  ck_assert_int_eq(geocl_synth_write(&o, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "frames"));
  o.frames = 4;
  o.width = 8;
  ck_assert_int_eq(geocl_synth_write(&o, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "8x256"));
}
END_TEST

START_TEST(on_the_fly_pairs) {
  geocl_synth_renderer *r = geocl_synth_renderer_new(64, 48);
  ck_assert_nonnull_geocl(r);
  uint8_t a1[64 * 48 * 3], b1[64 * 48 * 3], a2[64 * 48 * 3], b2[64 * 48 * 3];
  ck_assert_ok(geocl_synth_pair(r, 3, 5, a1, b1));
  ck_assert_ok(geocl_synth_pair(r, 3, 6, a2, b2)); /* something else in between */
  ck_assert(memcmp(a1, a2, sizeof a1) != 0);
  ck_assert_ok(geocl_synth_pair(r, 3, 5, a2, b2));
  ck_assert(!memcmp(a1, a2, sizeof a1) && !memcmp(b1, b2, sizeof b1)); /* a pure function of (seed, index) */
  ck_assert(memcmp(a1, b1, sizeof a1) != 0);                           /* two different views */
  ck_assert_int_eq(geocl_synth_pair(r, 3, -1, a1, b1), GEOCL_E_INVALID);
  geocl_synth_renderer_free(r);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("synth");
  TCase *t = tcase_create("generator");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, same_arguments_same_bytes);
  tcase_add_test(t, layout_and_formats);
  tcase_add_test(t, depth_color_companions);
  tcase_add_test(t, disparity_is_f_baseline_over_depth);
  tcase_add_test(t, kitti2015_layout_matches_the_odometry_one);
  tcase_add_test(t, flow_depth_pose_consistency);
  tcase_add_test(t, lidar_agrees_with_depth);
  tcase_add_test(t, listed_pairs_are_covisible);
  tcase_add_test(t, refuses_to_overwrite_and_checks_options);
  tcase_add_test(t, on_the_fly_pairs);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return test_run_suite(suite()); }
