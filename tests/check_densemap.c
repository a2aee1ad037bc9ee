/* SPDX-License-Identifier: MIT */
/* PFM, Middlebury .flo and KITTI disparity files: the fixtures written by
 * tests/fixtures/data/make_fixtures.py (Python's struct, independent of the
 * readers; its formulas are repeated here), round trips, and malformed or
 * truncated files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/densemap.h>
#include <geocl/kitti.h>

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

static float pfm_value(int x, int y, int c) { return 0.5f * x - 0.25f * y + 10.0f * c - 1.0f; }

static void expect_error(geocl_status st, geocl_status want, const char *path, const char *part) {
  ck_assert_msg(st == want, "%s: %s, expected %s", path, geocl_status_name(st), geocl_status_name(want));
  ck_assert_msg(strstr(geocl_last_error(), path) && strstr(geocl_last_error(), part), "message '%s' lacks '%s'",
                geocl_last_error(), part);
  ck_assert_ptr_null(strchr(geocl_last_error(), '\n'));
}

START_TEST(pfm_fixtures) {
  geocl_image img;
  ck_assert_ok(geocl_pfm_read(fixture("rgb_be.pfm"), &img));
  ck_assert_int_eq(img.width, 3);
  ck_assert_int_eq(img.height, 2);
  ck_assert_int_eq(img.channels, 3);
  ck_assert_int_eq(img.type, GEOCL_SAMPLE_F32);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++)
      for (int c = 0; c < 3; c++) ck_assert_float_eq(((float *)img.data)[(y * 3 + x) * 3 + c], pfm_value(x, y, c));
  geocl_image_free(&img);
  ck_assert_ok(geocl_pfm_read(fixture("gray_le.pfm"), &img));
  ck_assert_int_eq(img.channels, 1);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 4; x++) {
      float v = ((float *)img.data)[y * 4 + x];
      if (x == 1 && y == 2) ck_assert(isinf(v) && v > 0);
      else ck_assert_float_eq(v, pfm_value(x, y, 0));
    }
  geocl_image_free(&img);
}
END_TEST

START_TEST(pfm_round_trip) {
  float data[2 * 5 * 3];
  for (int i = 0; i < 30; i++) data[i] = (float)i * 0.37f - 4.0f;
  data[7] = -INFINITY;
  for (int c = 1; c <= 3; c += 2) {
    const char *path = tmp_path(c == 1 ? "g.pfm" : "c.pfm");
    ck_assert_ok(geocl_pfm_write(path, data, 5, 2, c));
    geocl_image img;
    ck_assert_ok(geocl_pfm_read(path, &img));
    ck_assert_int_eq(img.width, 5);
    ck_assert_int_eq(img.height, 2);
    ck_assert_int_eq(img.channels, c);
    ck_assert_mem_eq(img.data, data, sizeof(float) * 10 * (size_t)c);
    geocl_image_free(&img);
  }
  ck_assert_int_eq(geocl_pfm_write(tmp_path("x.pfm"), data, 5, 2, 2), GEOCL_E_INVALID);
}
END_TEST

START_TEST(pfm_malformed) {
  geocl_image img;
  const char *name = fixture("truncated.pfm");
  expect_error(geocl_pfm_read(name, &img), GEOCL_E_FORMAT, name, "truncated?");
  ck_assert_ptr_null(img.data);
  name = fixture("flow.flo");
  expect_error(geocl_pfm_read(name, &img), GEOCL_E_FORMAT, name, "not a PFM");
  name = fixture("no_such.pfm");
  expect_error(geocl_pfm_read(name, &img), GEOCL_E_IO, name, "");
  static const char *const headers[] = {"PF\n0 2\n-1\n", "Pf\n3 x\n-1\n", "Pf\n3 2\n0\n", "Pf\n3 2\nnan\n", "Pf\n3"};
  static const char *const parts[] = {"size", "size", "scale", "scale", "truncated PFM header"};
  for (int i = 0; i < 5; i++) {
    const char *path = tmp_path("bad.pfm");
    ck_assert_ok(geocl_file_write_atomic(path, headers[i], strlen(headers[i])));
    expect_error(geocl_pfm_read(path, &img), GEOCL_E_FORMAT, path, parts[i]);
  }
  /* every truncation of a good file is an error */
  char *bytes;
  size_t size;
  ck_assert_ok(geocl_file_read_all(fixture("rgb_be.pfm"), 1 << 16, &bytes, &size));
  for (size_t cut = 0; cut < size; cut++) {
    const char *path = tmp_path("cut.pfm");
    ck_assert_ok(geocl_file_write_atomic(path, bytes, cut));
    ck_assert_int_eq(geocl_pfm_read(path, &img), GEOCL_E_FORMAT);
  }
  free(bytes);
}
END_TEST

START_TEST(flo_fixture_and_round_trip) {
  geocl_image f;
  ck_assert_ok(geocl_flo_read(fixture("flow.flo"), &f));
  ck_assert_int_eq(f.width, 3);
  ck_assert_int_eq(f.height, 2);
  ck_assert_int_eq(f.channels, 3);
  for (int y = 0; y < 2; y++)
    for (int x = 0; x < 3; x++) {
      const float *p = (float *)f.data + 3 * (y * 3 + x);
      bool unknown = x == 1 && y == 1;
      ck_assert_float_eq(p[2], unknown ? 0.0f : 1.0f);
      ck_assert_float_eq(p[0], unknown ? 0.0f : x - 1.5f);
      ck_assert_float_eq(p[1], unknown ? 0.0f : 0.25f * y);
    }
  const char *path = tmp_path("back.flo");
  ck_assert_ok(geocl_flo_write(path, f.data, 3, 2));
  char *a, *b;
  size_t na, nb;
  ck_assert_ok(geocl_file_read_all(path, 1 << 16, &a, &na));
  ck_assert_ok(geocl_file_read_all(fixture("flow.flo"), 1 << 16, &b, &nb));
  ck_assert_int_eq(na, nb);
  ck_assert_mem_eq(a, b, na); /* the unknown vector is written as Middlebury's 1e10 */
  free(a);
  free(b);
  geocl_image_free(&f);
}
END_TEST

START_TEST(flo_malformed) {
  geocl_image f;
  const char *name = fixture("gray_le.pfm");
  expect_error(geocl_flo_read(name, &f), GEOCL_E_FORMAT, name, "PIEH");
  char *bytes;
  size_t size;
  ck_assert_ok(geocl_file_read_all(fixture("flow.flo"), 1 << 16, &bytes, &size));
  for (size_t cut = 0; cut < size; cut++) {
    const char *path = tmp_path("cut.flo");
    ck_assert_ok(geocl_file_write_atomic(path, bytes, cut));
    geocl_status st = geocl_flo_read(path, &f);
    ck_assert_int_eq(st, GEOCL_E_FORMAT);
    ck_assert_ptr_null(f.data);
    ck_assert_ptr_nonnull(strstr(geocl_last_error(), path));
  }
  bytes[4] = 0; /* width 0 */
  const char *path = tmp_path("zero.flo");
  ck_assert_ok(geocl_file_write_atomic(path, bytes, size));
  expect_error(geocl_flo_read(path, &f), GEOCL_E_FORMAT, path, "size 0x2");
  free(bytes);
}
END_TEST

START_TEST(kitti_disparity) {
  geocl_image d;
  ck_assert_ok(geocl_kitti_disparity_read(fixture("kitti_disparity.png"), &d));
  ck_assert_int_eq(d.width, 5);
  ck_assert_int_eq(d.height, 3);
  for (int y = 0; y < 3; y++)
    for (int x = 0; x < 5; x++) {
      float want = (x + y) % 4 == 0 ? 0.0f : (float)(256 * 3 * x + 32 * y + 1) / 256.0f;
      ck_assert_float_eq(((float *)d.data)[y * 5 + x], want);
    }
  geocl_image_free(&d);
  /* not representable: unknown (0), never clamped to a wrong disparity */
  float in[6] = {1.5f, 0.0f, -3.0f, NAN, 300.0f, 255.99f};
  const char *path = tmp_path("disp.png");
  ck_assert_ok(geocl_kitti_disparity_write(path, in, 3, 2));
  ck_assert_ok(geocl_kitti_disparity_read(path, &d));
  const float *b = d.data;
  ck_assert_float_eq(b[0], 1.5f);
  ck_assert_float_eq(b[1], 0.0f);
  ck_assert_float_eq(b[2], 0.0f);
  ck_assert_float_eq(b[3], 0.0f);
  ck_assert_float_eq(b[4], 0.0f);
  ck_assert_float_eq_tol(b[5], 255.99f, 1.0f / 512.0f);
  geocl_image_free(&d);
  const char *name = fixture("rgb8.png");
  expect_error(geocl_kitti_disparity_read(name, &d), GEOCL_E_FORMAT, name, "KITTI disparity PNG must be 16-bit gray");
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("densemap");
  TCase *t = tcase_create("files");
  tcase_add_test(t, pfm_fixtures);
  tcase_add_test(t, pfm_round_trip);
  tcase_add_test(t, pfm_malformed);
  tcase_add_test(t, flo_fixture_and_round_trip);
  tcase_add_test(t, flo_malformed);
  tcase_add_test(t, kitti_disparity);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return test_run_suite(suite()); }
