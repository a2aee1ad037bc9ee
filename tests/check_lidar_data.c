/* SPDX-License-Identifier: MIT */
/* SimIPU's data: the frustum crop, the bilinear resize and BGR
 * normalisation, the "lidar" pipeline (views, inverse map, folded
 * projection, image, determinism, evaluation transform, refusals), the
 * kitti-object source (split files, frames skipped with a count) and the
 * kitti-odometry layout `geocl synth` writes through the same pipeline. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/data.h>
#include <geocl/fileio.h>
#include <geocl/image.h>
#include <geocl/kitti.h>
#include <geocl/log.h>
#include <geocl/synth.h>

#include "testutil.h"

/* The test camera: 64x32 pixels, focal 40, principal point at the centre,
 * KITTI's axes (LiDAR x forward = camera z). */
#define CAM_W 64
#define CAM_H 32
static const double test_l2i[16] = {32, -40, 0, 0, 16, 0, -40, 0, 1, 0, 0, 0, 0, 0, 0, 1};

static void write_calib(const char *path, int with_tr, double cx, double cy) {
  geocl_kitti_calib c = {.layout = GEOCL_CALIB_OBJECT};
  for (int i = 0; i < 4; i++) {
    double p[12] = {40, 0, cx, 0, 0, 40, cy, 0, 0, 0, 1, 0};
    memcpy(c.P[i], p, sizeof p);
  }
  c.R0_rect[0] = c.R0_rect[4] = c.R0_rect[8] = 1;
  double tr[12] = {0, -1, 0, 0, 0, 0, -1, 0, 1, 0, 0, 0};
  memcpy(c.Tr_velo_to_cam, tr, sizeof tr);
  c.Tr_imu_to_velo[0] = c.Tr_imu_to_velo[5] = c.Tr_imu_to_velo[10] = 1;
  ck_assert_ok(geocl_kitti_calib_write(path, &c));
  if (!with_tr) { /* drop the Tr_velo_to_cam line */
    char *text;
    size_t size;
    ck_assert_ok(geocl_file_read_all(path, 1 << 16, &text, &size));
    char *line = strstr(text, "Tr_velo_to_cam"), *end = strchr(line, '\n');
    memmove(line, end + 1, strlen(end + 1) + 1);
    ck_assert_ok(geocl_file_write_atomic(path, text, strlen(text)));
    free(text);
  }
}

/* n points: most in front of the camera and in the range box, some behind
 * it, above the box or outside the view; reflectance i/n. */
static float *make_points(int n, float x_shift) {
  float *p = malloc(sizeof(float) * 4 * (size_t)n);
  for (int i = 0; i < n; i++) {
    float t = (float)i / n;
    p[4 * i] = 3.0f + 50.0f * fmodf(t * 7.31f, 1.0f) + x_shift;
    p[4 * i + 1] = (fmodf(t * 13.7f, 1.0f) - 0.5f) * 0.9f * p[4 * i];
    p[4 * i + 2] = (fmodf(t * 3.3f, 1.0f) - 0.5f) * 0.6f * p[4 * i];
    p[4 * i + 3] = t;
    if (i % 11 == 0) p[4 * i] = -p[4 * i]; /* behind */
    if (i % 13 == 0) p[4 * i + 2] = 1.5f;  /* above the box */
  }
  return p;
}

/* An RGB image whose red grows to the right and green downwards. */
static void make_image(geocl_image *img, int w, int h) {
  ck_assert_ok(geocl_image_alloc(img, w, h, 3, GEOCL_SAMPLE_U8));
  uint8_t *p = img->data;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++, p += 3) {
      p[0] = (uint8_t)(255 * x / (w - 1));
      p[1] = (uint8_t)(255 * y / (h - 1));
      p[2] = 77;
    }
}

static void apply4(const double *m, const float *p, double out[3]) {
  for (int r = 0; r < 3; r++) out[r] = m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3];
}

START_TEST(frustum_crop) {
  float p[] = {10, 0, 0, 0.5f,    /* centre of the image */
               10, 8, 0, 0.1f,    /* u = 32 − 40·8/10 = 0: the left edge, kept */
               10, 8.1f, 0, 0.1f, /* just outside */
               -10, 0, 0, 0.2f,   /* behind */
               101, 0, 0, 0.3f,   /* beyond 100 m */
               10, 0, -4, 0.4f};  /* v = 16 + 16 = 32: the bottom edge, kept */
  ck_assert_int_eq(geocl_points_fov_filter(p, 6, test_l2i, CAM_W, CAM_H, p), 3);
  ck_assert_float_eq(p[4], 10);
  ck_assert_float_eq(p[5], 8);
  ck_assert_float_eq(p[10], -4);
  ck_assert_float_eq(p[11], 0.4f);
}
END_TEST

START_TEST(bilinear_resize_and_bgr_normalisation) {
  /* 2x1 → 4x1: half-pixel centres give 0.25/0.75 blends, clamped at the borders */
  geocl_image in, out;
  ck_assert_ok(geocl_image_alloc(&in, 2, 1, 3, GEOCL_SAMPLE_U8));
  uint8_t *p = in.data;
  p[0] = 0, p[3] = 200;
  ck_assert_ok(geocl_image_resize_bilinear(&in, 4, 1, &out));
  const uint8_t *o = out.data;
  ck_assert_int_eq(o[0], 0);
  ck_assert_int_eq(o[3], 50);
  ck_assert_int_eq(o[6], 150);
  ck_assert_int_eq(o[9], 200);
  geocl_image_free(&out);
  /* 4x1 → 2x1 takes the mean of each pair's middle: (0 + 100)/2 = 50, (150 + 250)/2 */
  geocl_image_free(&in);
  ck_assert_ok(geocl_image_alloc(&in, 4, 1, 3, GEOCL_SAMPLE_U8));
  p = in.data;
  p[0] = 0, p[3] = 100, p[6] = 150, p[9] = 250;
  ck_assert_ok(geocl_image_resize_bilinear(&in, 2, 1, &out));
  ck_assert_int_eq(((uint8_t *)out.data)[0], 50);
  ck_assert_int_eq(((uint8_t *)out.data)[3], 200);
  geocl_image_free(&out);
  /* the same size is the identity */
  geocl_image_free(&in);
  make_image(&in, 9, 5);
  ck_assert_ok(geocl_image_resize_bilinear(&in, 9, 5, &out));
  ck_assert_int_eq(memcmp(in.data, out.data, 9 * 5 * 3), 0);
  geocl_image_free(&out);
  /* BGR planes minus the mean, zeros beyond the image */
  float *planes = malloc(sizeof(float) * 3 * 8 * 16);
  ck_assert_ok(geocl_bgr_mean_normalize(&in, 16, 8, planes));
  const uint8_t *px = (const uint8_t *)in.data + (2 * 9 + 3) * 3; /* (x 3, y 2) */
  ck_assert_float_eq(planes[0 * 128 + 2 * 16 + 3], px[2] - 103.530f);
  ck_assert_float_eq(planes[1 * 128 + 2 * 16 + 3], px[1] - 116.280f);
  ck_assert_float_eq(planes[2 * 128 + 2 * 16 + 3], px[0] - 123.675f);
  ck_assert_float_eq(planes[2 * 128 + 7 * 16 + 15], 0.0f);
  ck_assert_float_eq(planes[0 * 128 + 2 * 16 + 9], 0.0f);
  ck_assert_int_eq(geocl_bgr_mean_normalize(&in, 8, 8, planes), GEOCL_E_SHAPE);
  free(planes);
  geocl_image_free(&in);
}
END_TEST

/* One sample through the lidar pipeline. */
typedef struct lidar_sample {
  geocl_field_layout f[GEOCL_BATCH_MAX_FIELDS];
  int n;
  float *data[GEOCL_BATCH_MAX_FIELDS];
  geocl_sample_info info;
} lidar_sample;

#define N_POINTS 300

static geocl_data_spec test_spec(bool augment) {
  return (geocl_data_spec){.height = 64, .width = 96, .points = N_POINTS, .resize_long = {48, 96},
                           .resize_short = {24, 48}, .augment = augment};
}

static geocl_status run_pipeline(const geocl_data_spec *spec, const geocl_raw_sample *raw, int64_t position,
                                 lidar_sample *s) {
  const geocl_pipeline_type *p;
  ck_assert_ok(geocl_pipeline_find("lidar", &p));
  ck_assert_ok(p->layout(spec, s->f, &s->n));
  for (int i = 0; i < s->n; i++) {
    size_t n = 1;
    for (int d = 0; d < s->f[i].ndim; d++) n *= (size_t)s->f[i].shape[d];
    s->data[i] = calloc(n, sizeof(float));
  }
  geocl_sample_key key = {.seed = 5, .epoch = 2, .position = position};
  memset(&s->info, 0, sizeof s->info);
  return p->make(spec, raw, &key, (void *const *)s->data, &s->info);
}

static void free_sample(lidar_sample *s) {
  for (int i = 0; i < s->n; i++) free(s->data[i]);
}

static void make_raw(geocl_raw_sample *raw, int n, float x_shift) {
  memset(raw, 0, sizeof *raw);
  make_image(&raw->image1, CAM_W, CAM_H);
  raw->points = make_points(n, x_shift);
  raw->n_points = n;
  memcpy(raw->lidar2img, test_l2i, sizeof test_l2i);
  raw->has = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_POINTS | 1u << GEOCL_FIELD_LIDAR2IMG;
  snprintf(raw->name, sizeof raw->name, "test frame");
}

START_TEST(lidar_pipeline_views_and_projection) {
  geocl_raw_sample raw;
  make_raw(&raw, 2000, 0);
  /* the points a sample may hold: in view and in the box */
  float *kept = malloc(sizeof(float) * 4 * 2000);
  int64_t n_kept = geocl_points_fov_filter(raw.points, 2000, test_l2i, CAM_W, CAM_H, kept);
  n_kept = geocl_points_range_filter(kept, n_kept, kept);
  ck_assert_int_gt(n_kept, N_POINTS);
  geocl_data_spec spec = test_spec(true);
  int flips = 0;
  for (int64_t pos = 0; pos < 6; pos++) {
    lidar_sample s;
    ck_assert_ok(run_pipeline(&spec, &raw, pos, &s));
    ck_assert_int_eq(s.n, 6);
    ck_assert_str_eq(s.f[0].name, "points_a");
    ck_assert_str_eq(s.f[4].name, "image");
    const float *a = s.data[0], *b = s.data[1], *img = s.data[4], *size = s.data[5];
    double b_to_a[16], l2i[16];
    for (int i = 0; i < 16; i++) b_to_a[i] = s.data[2][i], l2i[i] = s.data[3][i];
    int h = (int)size[0], w = (int)size[1];
    /* keep-ratio resize within the ranges: the long side ≤ 96, the short ≤ 48 */
    ck_assert_int_le(w, 96);
    ck_assert_int_le(h, 48);
    ck_assert_int_ge(w, 48);
    ck_assert(fabs((double)w / CAM_W - (double)h / CAM_H) < 1.0 / CAM_H);
    flips += s.info.flipped;
    /* A: distinct points of the filtered cloud, each used once (no replacement) */
    char *used = calloc((size_t)n_kept, 1);
    for (int i = 0; i < N_POINTS; i++) {
      int64_t j = 0;
      while (j < n_kept && memcmp(a + 4 * i, kept + 4 * j, 16)) j++;
      ck_assert_int_lt(j, n_kept);
      ck_assert(!used[j]);
      used[j] = 1;
    }
    /* B mapped back with b_to_a: the same points in another order, reflectance untouched */
    int displaced = 0;
    for (int i = 0; i < N_POINTS; i++) {
      double x[3];
      apply4(b_to_a, b + 4 * i, x);
      int j = 0;
      while (j < N_POINTS && !(fabs(x[0] - a[4 * j]) < 1e-4 && fabs(x[1] - a[4 * j + 1]) < 1e-4 &&
                               fabs(x[2] - a[4 * j + 2]) < 1e-4 && b[4 * i + 3] == a[4 * j + 3]))
        j++;
      ck_assert_msg(j < N_POINTS, "point %d of view B has no partner in A", i);
      displaced += j != i;
    }
    ck_assert_int_gt(displaced, N_POINTS / 2); /* independent shuffles */
    /* lidar2img: the raw projection scaled by the realised ratios, mirrored when flipped; inside the image */
    for (int i = 0; i < N_POINTS; i++) {
      double q[3], r[3];
      apply4(l2i, a + 4 * i, q);
      apply4(test_l2i, a + 4 * i, r);
      double u = r[0] / r[2] * w / CAM_W, v = r[1] / r[2] * h / CAM_H;
      if (s.info.flipped) u = w - u;
      ck_assert(fabs(q[0] / q[2] - u) < 1e-3 && fabs(q[1] / q[2] - v) < 1e-3);
      ck_assert(u >= -1e-3 && u <= w + 1e-3 && v >= -1e-3 && v <= h + 1e-3);
    }
    /* the image: red (plane 2) grows to the right, or to the left when flipped; zeros beyond */
    const float *red = img + 2 * 64 * 96;
    ck_assert(s.info.flipped ? red[0] > red[w - 1] : red[0] < red[w - 1]);
    ck_assert_float_eq(img[2 * 64 * 96 + 0], red[0]);
    ck_assert_float_eq(img[(64 - 1) * 96 + 95], 0.0f);
    ck_assert_float_eq(img[h * 96 + 0], 0.0f);
    ck_assert_float_eq(img[0], 77 - 103.530f); /* blue is constant */
    /* the same key gives the same sample */
    lidar_sample again;
    ck_assert_ok(run_pipeline(&spec, &raw, pos, &again));
    for (int f = 0; f < 6; f++) {
      size_t n = 1;
      for (int d = 0; d < s.f[f].ndim; d++) n *= (size_t)s.f[f].shape[d];
      ck_assert_int_eq(memcmp(s.data[f], again.data[f], n * sizeof(float)), 0);
    }
    free_sample(&again);
    free(used);
    free_sample(&s);
  }
  ck_assert_int_gt(flips, 0);
  ck_assert_int_lt(flips, 6);
  free(kept);
  geocl_raw_sample_free(&raw);
}
END_TEST

START_TEST(lidar_pipeline_without_augmentation) {
  geocl_raw_sample raw;
  make_raw(&raw, 2000, 0);
  geocl_data_spec spec = test_spec(false);
  lidar_sample s;
  ck_assert_ok(run_pipeline(&spec, &raw, 3, &s));
  ck_assert_int_eq(memcmp(s.data[0], s.data[1], sizeof(float) * 4 * N_POINTS), 0);
  for (int i = 0; i < 16; i++) ck_assert_float_eq(s.data[2][i], i % 5 == 0 ? 1.0f : 0.0f);
  ck_assert_float_eq(s.data[5][0], 48); /* the largest scale: min(96/64, 48/32) = 1.5 */
  ck_assert_float_eq(s.data[5][1], 96);
  ck_assert(!s.info.flipped);
  free_sample(&s);
  geocl_raw_sample_free(&raw);
}
END_TEST

START_TEST(lidar_pipeline_refusals) {
  geocl_raw_sample raw;
  geocl_data_spec spec = test_spec(true);
  lidar_sample s;
  /* a calibration that sends every point outside the image */
  make_raw(&raw, 500, 0);
  raw.lidar2img[3] = 1e6;
  ck_assert_int_eq(run_pipeline(&spec, &raw, 0, &s), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "projects into the 64x32 image"));
  free_sample(&s);
  geocl_raw_sample_free(&raw);
  /* in view, but all beyond the range box (x > 70.4) */
  make_raw(&raw, 500, 71);
  ck_assert_int_eq(run_pipeline(&spec, &raw, 0, &s), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "range filter"));
  free_sample(&s);
  geocl_raw_sample_free(&raw);
  /* an input that a resized image cannot fit; sizes not multiples of 32 */
  make_raw(&raw, 500, 0);
  spec.augment = false; /* the largest scale: 96 wide */
  spec.width = 64;
  ck_assert_int_eq(run_pipeline(&spec, &raw, 0, &s), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "does not fit the task's 64x64 input"));
  free_sample(&s);
  const geocl_pipeline_type *p;
  geocl_field_layout f[GEOCL_BATCH_MAX_FIELDS];
  int n;
  ck_assert_ok(geocl_pipeline_find("lidar", &p));
  spec.width = 100;
  ck_assert_int_eq(p->layout(&spec, f, &n), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "multiples of 32"));
  geocl_raw_sample_free(&raw);
}
END_TEST

/* ---- kitti-object ---- */

static char last_warning[2048];
static void keep_warning(geocl_log_level level, const char *message, void *user) {
  (void)user;
  if (level == GEOCL_LOG_WARN) snprintf(last_warning, sizeof last_warning, "%s", message);
}

/* Frame id of root/training: image w x h, calibration centred for the test camera. */
static void write_frame(const char *root, int id, int w, int h, int with_tr, int velodyne_bytes, float x_shift) {
  char path[4200];
  geocl_image img;
  make_image(&img, w, h);
  snprintf(path, sizeof path, "%s/training/image_2/%06d.png", root, id);
  ck_assert_ok(geocl_image_write_png(path, &img));
  geocl_image_free(&img);
  snprintf(path, sizeof path, "%s/training/calib/%06d.txt", root, id);
  write_calib(path, with_tr, CAM_W / 2.0, CAM_H / 2.0);
  snprintf(path, sizeof path, "%s/training/velodyne/%06d.bin", root, id);
  float *p = make_points(1000, x_shift);
  if (velodyne_bytes) ck_assert_ok(geocl_file_write_atomic(path, p, (size_t)velodyne_bytes));
  else ck_assert_ok(geocl_velodyne_write(path, p, 1000));
  free(p);
}

static void make_object_dir(char *root, size_t size) {
  snprintf(root, size, "%s/kitti-object", test_tmpdir());
  char path[4200];
  const char *subs[] = {"training/image_2", "training/calib", "training/velodyne", "ImageSets"};
  for (int i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", root, subs[i]);
    ck_assert_ok(geocl_mkdir_p(path));
  }
  for (int id = 0; id < 3; id++) write_frame(root, id, CAM_W, CAM_H, 1, 0, 0);
  write_frame(root, 3, CAM_W, CAM_H, 1, 1000, 0);     /* velodyne of 1000 bytes */
  write_frame(root, 4, CAM_W, CAM_H, 0, 0, 0);        /* calibration without Tr_velo_to_cam */
  write_frame(root, 5, 3 * CAM_W, CAM_H, 1, 0, 0);    /* an image three times as wide */
  write_frame(root, 6, CAM_W, CAM_H, 1, 0, 80);       /* every point beyond the range box */
}

START_TEST(kitti_object_source) {
  char root[4096], path[4200];
  make_object_dir(root, sizeof root);
  geocl_source_opts so;
  geocl_source_opts_default(&so);
  geocl_data_source *src;
  /* every frame of training/: three are skipped, with a count and the first reason */
  geocl_log_set_sink(keep_warning, NULL);
  last_warning[0] = 0;
  ck_assert_ok(geocl_data_source_open(root, &so, &src));
  geocl_log_set_sink(NULL, NULL);
  ck_assert_str_eq(geocl_data_source_type_name(src), "kitti-object");
  ck_assert_int_eq(geocl_data_source_size(src), 4);
  ck_assert_ptr_nonnull(strstr(last_warning, "skipped 3 of 7 frames"));
  ck_assert_ptr_nonnull(strstr(last_warning, "000003.bin: 1000 bytes is not a multiple of 16"));
  geocl_data_source_close(src);
  /* what each refusal says */
  snprintf(path, sizeof path, "%s/ImageSets/val.txt", root);
  const char *cases[][2] = {{"4\n", "000004.txt: neither 'Tr'"}, {"5\n", "000005.png: a 192x32 image does not fit"}};
  for (int i = 0; i < 2; i++) {
    ck_assert_ok(geocl_file_write_atomic(path, cases[i][0], strlen(cases[i][0])));
    char spec[4300];
    snprintf(spec, sizeof spec, "kitti-object:%s", path);
    ck_assert_int_eq(geocl_data_source_open(spec, &so, &src), GEOCL_E_FORMAT);
    ck_assert_msg(strstr(geocl_last_error(), cases[i][1]), "%s", geocl_last_error());
  }
  /* ImageSets/train.txt chooses the frames */
  snprintf(path, sizeof path, "%s/ImageSets/train.txt", root);
  ck_assert_ok(geocl_file_write_atomic(path, "000001\n000006\n", 14));
  ck_assert_ok(geocl_data_source_open(root, &so, &src));
  ck_assert_int_eq(geocl_data_source_size(src), 2);
  ck_assert_ok(geocl_data_source_check(src, "task simipu",
                                       1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_POINTS | 1u << GEOCL_FIELD_LIDAR2IMG));
  /* through the loader: frame 1 makes a sample, frame 6 stops the stream naming it */
  geocl_loader_config lc;
  geocl_loader_config_default(&lc);
  lc.source = src;
  lc.pipeline = "lidar";
  lc.spec = test_spec(true);
  lc.batch_size = 1;
  lc.shuffle = false;
  geocl_loader *l;
  ck_assert_ok(geocl_loader_open(&lc, &l));
  const geocl_host_batch *b;
  ck_assert_ok(geocl_loader_next(l, &b));
  ck_assert_ptr_nonnull(strstr(b->info[0].name, "frame 000001"));
  ck_assert_int_eq(geocl_loader_next(l, &b), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "frame 000006"));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "range filter"));
  geocl_loader_close(l);
  geocl_data_source_close(src);
  remove(path);
}
END_TEST

START_TEST(synth_odometry_through_the_lidar_pipeline) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/lidar-synth", test_tmpdir());
  geocl_synth_options so;
  geocl_synth_options_default(&so);
  so.out_dir = dir;
  so.sequences = 2; /* a room and a street */
  so.frames = 2;
  so.width = 128;
  so.height = 40;
  so.overwrite = 1;
  geocl_synth_summary sum;
  ck_assert_ok(geocl_synth_write(&so, &sum));
  geocl_source_opts o;
  geocl_source_opts_default(&o);
  o.needs = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_POINTS | 1u << GEOCL_FIELD_LIDAR2IMG;
  geocl_data_source *src;
  ck_assert_ok(geocl_data_source_open(dir, &o, &src));
  ck_assert_ok(geocl_data_source_check(src, "task simipu", o.needs));
  geocl_loader_config lc;
  geocl_loader_config_default(&lc);
  lc.source = src;
  lc.pipeline = "lidar";
  lc.spec = (geocl_data_spec){.height = 64, .width = 160, .points = 1024, .resize_long = {96, 160},
                              .resize_short = {30, 50}, .augment = true};
  lc.batch_size = 2;
  geocl_loader *l;
  ck_assert_ok(geocl_loader_open(&lc, &l));
  for (int k = 0; k < 2; k++) {
    const geocl_host_batch *b;
    ck_assert_ok(geocl_loader_next(l, &b));
    for (int s = 0; s < 2; s++) {
      const float *a = (const float *)b->data[0] + s * 1024 * 4, *m = (const float *)b->data[3] + 16 * s;
      const float *size = (const float *)b->data[5] + 2 * s;
      double l2i[16];
      for (int i = 0; i < 16; i++) l2i[i] = m[i];
      for (int i = 0; i < 1024; i++) { /* every point of view A lands in the resized image */
        double q[3];
        apply4(l2i, a + 4 * i, q);
        ck_assert(q[2] > 0.001);
        ck_assert(q[0] / q[2] > -1e-3 && q[0] / q[2] < size[1] + 1e-3);
        ck_assert(q[1] / q[2] > -1e-3 && q[1] / q[2] < size[0] + 1e-3);
      }
    }
  }
  geocl_loader_close(l);
  geocl_data_source_close(src);
}
END_TEST

int main(void) {
  Suite *s = suite_create("lidar_data");
  TCase *t = tcase_create("lidar_data");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, frustum_crop);
  tcase_add_test(t, bilinear_resize_and_bgr_normalisation);
  tcase_add_test(t, lidar_pipeline_views_and_projection);
  tcase_add_test(t, lidar_pipeline_without_augmentation);
  tcase_add_test(t, lidar_pipeline_refusals);
  tcase_add_test(t, kitti_object_source);
  tcase_add_test(t, synth_odometry_through_the_lidar_pipeline);
  suite_add_tcase(s, t);
  return test_run_suite(s);
}
