/* SPDX-License-Identifier: MIT */
/* Image, KITTI and pair-listing readers and writers, on the small files in
 * tests/fixtures/data (written by make_fixtures.py there, whose pixel formulas
 * are repeated here), including corrupt and truncated input. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <geocl/image.h>
#include <geocl/kitti.h>
#include <geocl/pairs.h>
#include <geocl/fileio.h>

#include "testutil.h"

static const char *fixture(const char *name) {
  static char path[4096];
  const char *dir = getenv("GEOCL_FIXTURES");
  snprintf(path, sizeof path, "%s/data/%s", dir && *dir ? dir : "tests/fixtures", name);
  return path;
}

static const char *tmp_path(const char *name) {
  static char path[4096];
  snprintf(path, sizeof path, "%s/%s", test_tmpdir(), name);
  return path;
}

static int pattern8(int x, int y, int c) { return (x * 37 + y * 91 + c * 53) % 256; }
static int pattern16(int x, int y, int c) { return (x * 4099 + y * 3341 + c * 999) % 65536; }

static void read_fixture(const char *name, geocl_image *img) {
  geocl_status st = geocl_image_read(fixture(name), img);
  ck_assert_msg(st == GEOCL_OK, "%s: %s", name, geocl_last_error());
}

static void check_pattern(const char *name, int w, int h, int channels, geocl_sample_type type) {
  geocl_image img;
  read_fixture(name, &img);
  ck_assert_int_eq(img.width, w);
  ck_assert_int_eq(img.height, h);
  ck_assert_int_eq(img.channels, channels);
  ck_assert_int_eq(img.type, type);
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < channels; c++) {
        size_t i = ((size_t)y * w + x) * channels + c;
        int got = type == GEOCL_SAMPLE_U8 ? ((uint8_t *)img.data)[i] : ((uint16_t *)img.data)[i];
        int want = type == GEOCL_SAMPLE_U8 ? pattern8(x, y, c) : pattern16(x, y, c);
        ck_assert_msg(got == want, "%s (%d,%d,%d): %d, expected %d", name, x, y, c, got, want);
      }
  geocl_image_free(&img);
}

START_TEST(png_color_types_and_depths) {
  check_pattern("gray8.png", 5, 3, 1, GEOCL_SAMPLE_U8);
  check_pattern("gray16.png", 4, 3, 1, GEOCL_SAMPLE_U16);
  check_pattern("graya8.png", 3, 2, 2, GEOCL_SAMPLE_U8);
  check_pattern("rgb8.png", 7, 5, 3, GEOCL_SAMPLE_U8); /* rows use all five filter types */
  check_pattern("rgba8.png", 3, 2, 4, GEOCL_SAMPLE_U8);
  check_pattern("rgb16.png", 3, 3, 3, GEOCL_SAMPLE_U16);
  check_pattern("rgb8_interlaced.png", 9, 7, 3, GEOCL_SAMPLE_U8);
}
END_TEST

START_TEST(png_low_bit_depth_and_palette) {
  geocl_image img;
  read_fixture("gray1.png", &img);
  ck_assert_int_eq(img.channels, 1);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 10; x++) ck_assert_int_eq(((uint8_t *)img.data)[y * 10 + x], (x + 2 * y) % 3 == 0 ? 255 : 0);
  geocl_image_free(&img);

  static const uint8_t palette[4][3] = {{10, 20, 30}, {200, 100, 50}, {0, 255, 0}, {255, 255, 255}};
  for (int with_trns = 0; with_trns < 2; with_trns++) {
    read_fixture(with_trns ? "palette_trns.png" : "palette.png", &img);
    int ch = with_trns ? 4 : 3;
    ck_assert_int_eq(img.channels, ch);
    ck_assert_int_eq(img.type, GEOCL_SAMPLE_U8);
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 6; x++) {
        const uint8_t *p = (uint8_t *)img.data + (y * 6 + x) * ch;
        int index = (x + y) % 4;
        for (int c = 0; c < 3; c++) ck_assert_int_eq(p[c], palette[index][c]);
        if (with_trns) ck_assert_int_eq(p[3], index == 0 ? 255 : index == 1 ? 128 : 255);
      }
    geocl_image_free(&img);
  }
}
END_TEST

START_TEST(jpeg_rgb_and_gray) {
  /* all quantisers are 1, so the decoded pixels are within rounding of the source */
  geocl_image img;
  read_fixture("rgb.jpg", &img);
  ck_assert_int_eq(img.width, 13);
  ck_assert_int_eq(img.height, 10);
  ck_assert_int_eq(img.channels, 3);
  int worst = 0;
  for (int y = 0; y < 10; y++)
    for (int x = 0; x < 13; x++) {
      const uint8_t *p = (uint8_t *)img.data + (y * 13 + x) * 3;
      int want[3] = {20 + 15 * x, 30 + 20 * y, 200 - 10 * x - 5 * y};
      for (int c = 0; c < 3; c++) worst = abs(p[c] - want[c]) > worst ? abs(p[c] - want[c]) : worst;
    }
  ck_assert_int_le(worst, 4);
  geocl_image_free(&img);

  read_fixture("gray.jpg", &img);
  ck_assert_int_eq(img.channels, 1);
  worst = 0;
  for (int y = 0; y < 8; y++)
    for (int x = 0; x < 9; x++) {
      int d = abs(((uint8_t *)img.data)[y * 9 + x] - (10 + 20 * x + 5 * y));
      worst = d > worst ? d : worst;
    }
  ck_assert_int_le(worst, 2);
  geocl_image_free(&img);
}
END_TEST

static void expect_error(geocl_status st, geocl_status want, const char *name, const char *reason) {
  ck_assert_msg(st == want, "%s: status %s, expected %s (%s)", name, geocl_status_name(st), geocl_status_name(want),
                geocl_last_error());
  ck_assert_msg(strstr(geocl_last_error(), name) != NULL, "message does not name %s: %s", name, geocl_last_error());
  if (reason)
    ck_assert_msg(strstr(geocl_last_error(), reason) != NULL, "message lacks '%s': %s", reason, geocl_last_error());
  ck_assert_msg(strchr(geocl_last_error(), '\n') == NULL, "message is not one line");
}

START_TEST(corrupt_files_give_clear_errors) {
  geocl_image img;
  const char *name;
  name = fixture("corrupt_crc.png");
  expect_error(geocl_image_read(name, &img), GEOCL_E_FORMAT, name, "corrupt PNG");
  ck_assert_ptr_null(img.data);
  name = fixture("truncated.png");
  expect_error(geocl_image_read(name, &img), GEOCL_E_FORMAT, name, "truncated");
  name = fixture("truncated.jpg");
  expect_error(geocl_image_read(name, &img), GEOCL_E_FORMAT, name, "Premature end");
  name = fixture("not_an_image.png");
  expect_error(geocl_image_read(name, &img), GEOCL_E_FORMAT, name, "not a PNG or JPEG");
  name = fixture("no_such_file.png");
  expect_error(geocl_image_read(name, &img), GEOCL_E_IO, name, "cannot open");
}
END_TEST

/* Largest resident set so far, in bytes. */
static long max_rss_bytes(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss * 1024L;
}

/* Damage the codecs would only warn about is an error; a size beyond the
 * pixel budget, or other than the caller needs, is refused from the header
 * before any pixel is decoded; a FIFO is refused, not waited on. */
START_TEST(hostile_images_refused) {
  geocl_image img;
  const char *name = fixture("idat_twice.png");
  expect_error(geocl_image_read(name, &img), GEOCL_E_FORMAT, name, "Too much image data");
  name = fixture("sof9.jpg");
  expect_error(geocl_image_read(name, &img), GEOCL_E_FORMAT, name, "Corrupt JPEG data");
  long rss = max_rss_bytes();
  name = fixture("huge_gray.png");
  expect_error(geocl_image_read(name, &img), GEOCL_E_FORMAT, name, "32768x32768 image has more than the 67108864");
  ck_assert_ptr_null(img.data);
  ck_assert_msg(max_rss_bytes() - rss < (64L << 20), "refusing a 1-Gpixel header grew the process by %ld MB",
                (max_rss_bytes() - rss) >> 20);
  expect_error(geocl_image_read_sized(name, 64, 32, "the model's img_size", &img), GEOCL_E_SHAPE, name,
               "is 32768x32768 (WxH) but the model's img_size is 64x32");
  name = fixture("rgb8.png");
  expect_error(geocl_image_read_sized(name, 5, 7, "the crop", &img), GEOCL_E_SHAPE, name,
               "is 7x5 (WxH) but the crop is 5x7");
  ck_assert_ok(geocl_image_read_sized(name, 7, 5, "the crop", &img));
  geocl_image_free(&img);
  name = tmp_path("fifo.png");
  unlink(name);
  ck_assert_int_eq(mkfifo(name, 0644), 0);
  alarm(20); /* a blocking open would hang: fail instead */
  expect_error(geocl_image_read(name, &img), GEOCL_E_IO, name, "not a regular file");
  alarm(0);
  unlink(name);
}
END_TEST

/* Decode bytes that may be damaged: never crash; an error names the file and is one line. */
static geocl_status decode_damaged(const unsigned char *bytes, size_t size, geocl_image *img) {
  geocl_status st = geocl_image_decode(bytes, size, "damaged.img", img);
  if (st != GEOCL_OK) {
    ck_assert_ptr_null(img->data);
    ck_assert_msg(strncmp(geocl_last_error(), "damaged.img: ", 13) == 0, "bad message: %s", geocl_last_error());
    ck_assert_ptr_null(strchr(geocl_last_error(), '\n'));
  }
  return st;
}

static void read_bytes(const char *name, unsigned char **bytes, size_t *size) {
  ck_assert_ok(geocl_file_read_all(fixture(name), 1 << 20, (char **)bytes, size));
}

START_TEST(every_truncation_is_an_error) {
  static const char *const names[] = {"rgb8.png",         "rgb16.png", "rgb8_interlaced.png",
                                      "palette_trns.png", "rgb.jpg",   "gray.jpg"};
  for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
    unsigned char *bytes;
    size_t size;
    read_bytes(names[f], &bytes, &size);
    for (size_t cut = 0; cut < size; cut++) {
      geocl_image img;
      unsigned char *copy = malloc(cut + 1); /* exact size, so reading past the end is caught by sanitizers */
      memcpy(copy, bytes, cut);
      geocl_status st = decode_damaged(copy, cut, &img);
      ck_assert_msg(st == GEOCL_E_FORMAT, "%s cut at %zu of %zu decoded (%s)", names[f], cut, size,
                    geocl_status_name(st));
      free(copy);
    }
    free(bytes);
  }
}
END_TEST

START_TEST(byte_flips_never_crash) {
  static const char *const names[] = {"rgb8.png", "palette_trns.png", "gray16.png", "rgb.jpg", "gray.jpg"};
  static const unsigned char masks[] = {0xff, 0x01, 0x80};
  for (size_t f = 0; f < sizeof names / sizeof names[0]; f++) {
    unsigned char *bytes;
    size_t size;
    read_bytes(names[f], &bytes, &size);
    geocl_image good;
    ck_assert_ok(geocl_image_decode(bytes, size, names[f], &good));
    int is_png = strstr(names[f], ".png") != NULL, failures = 0;
    for (size_t i = 0; i < size; i++)
      for (size_t m = 0; m < sizeof masks; m++) {
        bytes[i] ^= masks[m];
        geocl_image img;
        if (decode_damaged(bytes, size, &img) == GEOCL_OK) {
          /* CRCs guard every critical PNG chunk: a flip that decodes was in ancillary data,
           * which can only drop the alpha a tRNS chunk adds */
          if (is_png) {
            geocl_image a, b;
            ck_assert_ok(geocl_image_to_rgb8(&img, &a));
            ck_assert_ok(geocl_image_to_rgb8(&good, &b));
            ck_assert_msg(a.width == b.width && a.height == b.height &&
                              !memcmp(a.data, b.data, (size_t)a.width * a.height * 3),
                          "%s: flip at %zu changed pixels without an error", names[f], i);
            geocl_image_free(&a);
            geocl_image_free(&b);
          }
          geocl_image_free(&img);
        } else {
          failures++;
        }
        bytes[i] ^= masks[m];
      }
    ck_assert_int_gt(failures, 0);
    geocl_image_free(&good);
    free(bytes);
  }
}
END_TEST

START_TEST(png_writer_round_trip_and_determinism) {
  static const struct {
    int channels;
    geocl_sample_type type;
  } kinds[] = {
      {3, GEOCL_SAMPLE_U8}, {1, GEOCL_SAMPLE_U16}, {3, GEOCL_SAMPLE_U16}, {1, GEOCL_SAMPLE_U8}, {4, GEOCL_SAMPLE_U8}};
  for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
    geocl_image img, back;
    ck_assert_ok(geocl_image_alloc(&img, 13, 7, kinds[k].channels, kinds[k].type));
    size_t n = 13 * 7 * (size_t)kinds[k].channels;
    for (size_t i = 0; i < n; i++) {
      if (kinds[k].type == GEOCL_SAMPLE_U8)
        ((uint8_t *)img.data)[i] = (uint8_t)(i * 29 + 7);
      else
        ((uint16_t *)img.data)[i] = (uint16_t)(i * 7919 + 3);
    }
    const char *path = tmp_path("roundtrip.png");
    ck_assert_ok(geocl_image_write_png(path, &img));
    char *first, *second;
    size_t first_size, second_size;
    ck_assert_ok(geocl_file_read_all(path, 1 << 20, &first, &first_size));
    ck_assert_ok(geocl_image_write_png(path, &img));
    ck_assert_ok(geocl_file_read_all(path, 1 << 20, &second, &second_size));
    ck_assert_msg(first_size == second_size && !memcmp(first, second, first_size), "PNG bytes differ between writes");
    ck_assert_ok(geocl_image_read(path, &back));
    ck_assert_int_eq(back.channels, img.channels);
    ck_assert_int_eq(back.type, img.type);
    ck_assert(!memcmp(back.data, img.data, n * geocl_sample_size(img.type)));
    free(first);
    free(second);
    geocl_image_free(&back);
    geocl_image_free(&img);
  }
  /* no temporary files are left beside the result */
  DIR *d = opendir(test_tmpdir());
  ck_assert_ptr_nonnull(d);
  struct dirent *e;
  while ((e = readdir(d))) ck_assert_msg(strstr(e->d_name, "roundtrip.png.tmp") == NULL, "left %s", e->d_name);
  closedir(d);
  /* an unwritable place is an I/O error naming the file */
  geocl_image img;
  ck_assert_ok(geocl_image_alloc(&img, 2, 2, 3, GEOCL_SAMPLE_U8));
  expect_error(geocl_image_write_png("/nonexistent-dir/x.png", &img), GEOCL_E_IO, "/nonexistent-dir/x.png", NULL);
  img.type = GEOCL_SAMPLE_F32;
  expect_error(geocl_image_write_png(tmp_path("f.png"), &img), GEOCL_E_INVALID, "f.png", NULL);
  geocl_image_free(&img);
}
END_TEST

START_TEST(rgb8_conversion) {
  geocl_image img, rgb;
  read_fixture("gray16.png", &img);
  ck_assert_ok(geocl_image_to_rgb8(&img, &rgb));
  ck_assert_int_eq(rgb.channels, 3);
  for (int i = 0; i < 12; i++) {
    int want = (int)((pattern16(i % 4, i / 4, 0) * 255u + 32767u) / 65535u);
    for (int c = 0; c < 3; c++) ck_assert_int_eq(((uint8_t *)rgb.data)[3 * i + c], want);
  }
  geocl_image_free(&rgb);
  geocl_image_free(&img);
  read_fixture("rgba8.png", &img);
  ck_assert_ok(geocl_image_to_rgb8(&img, &rgb));
  for (int i = 0; i < 6; i++)
    for (int c = 0; c < 3; c++) ck_assert_int_eq(((uint8_t *)rgb.data)[3 * i + c], pattern8(i % 3, i / 3, c));
  geocl_image_free(&rgb);
  geocl_image_free(&img);
}
END_TEST

/* --- KITTI --- */

START_TEST(kitti_depth) {
  geocl_image d;
  ck_assert_ok(geocl_kitti_depth_read(fixture("kitti_depth.png"), &d));
  ck_assert_int_eq(d.type, GEOCL_SAMPLE_F32);
  ck_assert_int_eq(d.width, 6);
  ck_assert_int_eq(d.height, 4);
  const float *z = d.data;
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 6; x++) {
      float want = (x + y) % 5 == 0 ? 0.0f : (float)(256 * (x + 1) + 64 * y + 3) / 256.0f;
      ck_assert_float_eq(z[y * 6 + x], want);
    }
  /* write and read back: 1/256 m steps, invalid and out-of-range values */
  float in[6] = {1.0f, 0.0f, -2.0f, NAN, 300.0f, 12.3456f};
  const char *path = tmp_path("depth.png");
  ck_assert_ok(geocl_kitti_depth_write(path, in, 3, 2));
  geocl_image back;
  ck_assert_ok(geocl_kitti_depth_read(path, &back));
  const float *b = back.data;
  ck_assert_float_eq(b[0], 1.0f);
  ck_assert_float_eq(b[1], 0.0f);
  ck_assert_float_eq(b[2], 0.0f);
  ck_assert_float_eq(b[3], 0.0f);
  ck_assert_float_eq(b[4], 65535.0f / 256.0f);
  ck_assert_float_eq_tol(b[5], 12.3456f, 1.0f / 512.0f);
  geocl_image_free(&back);
  geocl_image_free(&d);
  const char *name = fixture("rgb8.png");
  expect_error(geocl_kitti_depth_read(name, &d), GEOCL_E_FORMAT, name, "16-bit gray");
}
END_TEST

START_TEST(kitti_flow) {
  geocl_image f;
  ck_assert_ok(geocl_kitti_flow_read(fixture("kitti_flow.png"), &f));
  ck_assert_int_eq(f.channels, 3);
  const float *p = f.data;
  for (int y = 0; y < 4; y++)
    for (int x = 0; x < 5; x++) {
      const float *q = p + 3 * (y * 5 + x);
      int valid = x * y % 3 != 1;
      ck_assert_float_eq(q[2], (float)valid);
      ck_assert_float_eq(q[0], valid ? (64.0f * (x - 2) + 16.0f * y) / 64.0f : 0.0f);
      ck_assert_float_eq(q[1], valid ? (-32.0f * x + 8.0f * y) / 64.0f : 0.0f);
    }
  float in[12] = {1.5f, -2.25f, 1.0f, 0.01f, 0.02f, 0.0f, 600.0f, -600.0f, 1.0f, 3.3f, -7.7f, 1.0f};
  const char *path = tmp_path("flow.png");
  ck_assert_ok(geocl_kitti_flow_write(path, in, 2, 2));
  geocl_image back;
  ck_assert_ok(geocl_kitti_flow_read(path, &back));
  const float *b = back.data;
  ck_assert_float_eq(b[0], 1.5f);
  ck_assert_float_eq(b[1], -2.25f);
  ck_assert_float_eq(b[5], 0.0f);                      /* invalid */
  ck_assert_float_eq(b[6], 65535.0f / 64.0f - 512.0f); /* clamped */
  ck_assert_float_eq(b[7], -512.0f);
  ck_assert_float_eq_tol(b[9], 3.3f, 1.0f / 128.0f);
  ck_assert_float_eq_tol(b[10], -7.7f, 1.0f / 128.0f);
  geocl_image_free(&back);
  geocl_image_free(&f);
  const char *name = fixture("kitti_depth.png");
  expect_error(geocl_kitti_flow_read(name, &f), GEOCL_E_FORMAT, name, "16-bit RGB");
}
END_TEST

START_TEST(velodyne) {
  static const float want[5][4] = {{1.5f, -2.25f, 0.5f, 0.25f},
                                   {10.0f, 0.0f, -1.75f, 1.0f},
                                   {-3.0f, 4.5f, 2.0f, 0.0f},
                                   {0.125f, 0.0625f, -0.5f, 0.5f},
                                   {70.0f, -39.5f, 0.75f, 0.875f}};
  float *pts;
  int64_t n;
  ck_assert_ok(geocl_velodyne_read(fixture("velodyne.bin"), &pts, &n));
  ck_assert_int_eq(n, 5);
  ck_assert(!memcmp(pts, want, sizeof want));
  const char *path = tmp_path("sweep.bin");
  ck_assert_ok(geocl_velodyne_write(path, pts, 3));
  free(pts);
  ck_assert_ok(geocl_velodyne_read(path, &pts, &n));
  ck_assert_int_eq(n, 3);
  ck_assert(!memcmp(pts, want, 3 * sizeof want[0]));
  free(pts);
  const char *name = fixture("velodyne_truncated.bin");
  expect_error(geocl_velodyne_read(name, &pts, &n), GEOCL_E_FORMAT, name, "16-byte points");
  ck_assert_ptr_null(pts);
}
END_TEST

START_TEST(calib_layouts) {
  geocl_kitti_calib c, back;
  ck_assert_ok(geocl_kitti_calib_read(fixture("calib_object.txt"), &c));
  ck_assert_int_eq(c.layout, GEOCL_CALIB_OBJECT);
  ck_assert_double_eq(c.P[2][0], 698.52);
  ck_assert_double_eq(c.P[2][3], 46.09832);
  ck_assert_double_eq(c.R0_rect[1], -1.013459e-02);
  ck_assert_double_eq(c.Tr_velo_to_cam[10], 2.799994e-03);
  ck_assert_double_eq(c.Tr_imu_to_velo[3], -8.087e-01);
  /* lidar_to_image = P2 R0 Tr against a direct evaluation on one point */
  double m[12], x[4] = {12.5, -3.0, 0.7, 1.0}, cam[3], rect[3], img[3];
  geocl_kitti_lidar_to_image(&c, m);
  for (int i = 0; i < 3; i++)
    cam[i] = c.Tr_velo_to_cam[4 * i] * x[0] + c.Tr_velo_to_cam[4 * i + 1] * x[1] + c.Tr_velo_to_cam[4 * i + 2] * x[2] +
             c.Tr_velo_to_cam[4 * i + 3];
  for (int i = 0; i < 3; i++)
    rect[i] = c.R0_rect[3 * i] * cam[0] + c.R0_rect[3 * i + 1] * cam[1] + c.R0_rect[3 * i + 2] * cam[2];
  for (int i = 0; i < 3; i++)
    img[i] = c.P[2][4 * i] * rect[0] + c.P[2][4 * i + 1] * rect[1] + c.P[2][4 * i + 2] * rect[2] + c.P[2][4 * i + 3];
  for (int i = 0; i < 3; i++)
    ck_assert_double_eq_tol(m[4 * i] * x[0] + m[4 * i + 1] * x[1] + m[4 * i + 2] * x[2] + m[4 * i + 3], img[i], 1e-9);
  const char *path = tmp_path("calib.txt");
  ck_assert_ok(geocl_kitti_calib_write(path, &c));
  ck_assert_ok(geocl_kitti_calib_read(path, &back));
  ck_assert(!memcmp(&c, &back, sizeof c));

  ck_assert_ok(geocl_kitti_calib_read(fixture("calib_odometry.txt"), &c));
  ck_assert_int_eq(c.layout, GEOCL_CALIB_ODOMETRY);
  ck_assert_double_eq(c.P[0][0], 712.5);
  ck_assert_double_eq(c.Tr_velo_to_cam[0], -8.102796702331e-03);
  ck_assert_double_eq(c.R0_rect[0], 1.0);
  ck_assert_double_eq(c.R0_rect[1], 0.0);
  ck_assert_double_eq(c.R0_rect[8], 1.0);
  ck_assert_ok(geocl_kitti_calib_write(path, &c));
  ck_assert_ok(geocl_kitti_calib_read(path, &back));
  ck_assert(!memcmp(&c, &back, sizeof c));

  const char *name = fixture("calib_bad.txt");
  expect_error(geocl_kitti_calib_read(name, &c), GEOCL_E_FORMAT, name, "line 3: P2 has 11 numbers, expected 12");
  name = fixture("poses.txt");
  expect_error(geocl_kitti_calib_read(name, &c), GEOCL_E_FORMAT, name, "expected 'KEY: numbers'");
  /* a NUL byte would end the text early: the rest was silently ignored */
  unsigned char *bytes;
  size_t size;
  read_bytes("calib_odometry.txt", &bytes, &size);
  bytes[100] = '\0';
  name = tmp_path("calib_nul.txt");
  FILE *f = fopen(name, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(bytes, 1, size, f), size);
  fclose(f);
  free(bytes);
  expect_error(geocl_kitti_calib_read(name, &c), GEOCL_E_FORMAT, name, "a NUL byte at offset 100: not a text file");
}
END_TEST

START_TEST(poses) {
  double *p;
  int64_t n;
  ck_assert_ok(geocl_kitti_poses_read(fixture("poses.txt"), &p, &n));
  ck_assert_int_eq(n, 3);
  ck_assert_double_eq(p[0], 1.0);
  ck_assert_double_eq(p[12 + 11], 8.587e-01);
  ck_assert_double_eq(p[24 + 1], -2.204197e-03);
  const char *path = tmp_path("poses.txt");
  ck_assert_ok(geocl_kitti_poses_write(path, p, n));
  double *back;
  int64_t m;
  ck_assert_ok(geocl_kitti_poses_read(path, &back, &m));
  ck_assert_int_eq(m, 3);
  ck_assert(!memcmp(p, back, 36 * sizeof *p));
  free(back);
  free(p);
  const char *name = fixture("poses_bad.txt");
  expect_error(geocl_kitti_poses_read(name, &p, &n), GEOCL_E_FORMAT, name, "line 2: pose: 'x2' is not a finite number");
}
END_TEST

/* --- pair listings --- */

START_TEST(pair_listings) {
  geocl_pair_list l;
  ck_assert_ok(geocl_pairs_read_habitat(fixture("pairs.txt"), "/root", &l));
  ck_assert_int_eq(l.count, 3);
  ck_assert_str_eq(l.first[0], "/root/scene_a/00000000_1.jpeg");
  ck_assert_str_eq(l.second[1], "/root/scene_b/00000007_2.jpeg");
  ck_assert_str_eq(l.second[2], "/root/scene_b/00000009_2.jpeg");
  geocl_pair_list_free(&l);

  ck_assert_ok(geocl_pairs_read_listing(fixture("listing.txt"), "crops", &l));
  ck_assert_int_eq(l.count, 2);
  ck_assert_str_eq(l.first[0], "crops/0a/1b/00001_1.jpg");
  ck_assert_str_eq(l.second[0], "crops/0a/1b/00001_2.jpg");
  ck_assert_str_eq(l.second[1], "crops/0a/2c/00002_2.jpg");
  geocl_pair_list_free(&l);

  /* a directory: pairs.txt wins over listing.txt */
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/data", getenv("GEOCL_FIXTURES"));
  ck_assert_ok(geocl_pairs_read_dir(dir, &l));
  ck_assert_int_eq(l.count, 3);
  geocl_pair_list_free(&l);

  const char *name = fixture("pairs_bad.txt");
  expect_error(geocl_pairs_read_habitat(name, ".", &l), GEOCL_E_FORMAT, name, "line 2: expected two paths");
  ck_assert_int_eq(l.count, 0);
  name = fixture("not_an_image.png"); /* one token per line */
  expect_error(geocl_pairs_read_habitat(name, ".", &l), GEOCL_E_FORMAT, name, "line 1");
  expect_error(geocl_pairs_read_dir(test_tmpdir(), &l), GEOCL_E_NOT_FOUND, test_tmpdir(),
               "no pairs.txt or listing.txt");
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("data_readers");
  TCase *t = tcase_create("images");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, png_color_types_and_depths);
  tcase_add_test(t, png_low_bit_depth_and_palette);
  tcase_add_test(t, hostile_images_refused);
  tcase_add_test(t, jpeg_rgb_and_gray);
  tcase_add_test(t, corrupt_files_give_clear_errors);
  tcase_add_test(t, every_truncation_is_an_error);
  tcase_add_test(t, byte_flips_never_crash);
  tcase_add_test(t, png_writer_round_trip_and_determinism);
  tcase_add_test(t, rgb8_conversion);
  suite_add_tcase(s, t);
  t = tcase_create("kitti");
  tcase_add_test(t, kitti_depth);
  tcase_add_test(t, kitti_flow);
  tcase_add_test(t, velodyne);
  tcase_add_test(t, calib_layouts);
  tcase_add_test(t, poses);
  suite_add_tcase(s, t);
  t = tcase_create("pairs");
  tcase_add_test(t, pair_listings);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return test_run_suite(suite()); }
