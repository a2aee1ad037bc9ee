/* SPDX-License-Identifier: MIT */
/* geocl pairs' co-visibility estimate against known answers: the same view,
 * a sideways move by half the image at the scene's depth, a view turned
 * away, depth maps with holes. */
#include "../src/cli/covis.h"
#include "testutil.h"

static const double identity[12] = {1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0};
/* 64x48 pixels, fx = fy = 32: the image spans x/z in [-1, 1) */
static const covis_camera cam = {32, 32, 31.5, 23.5, 64, 48};

START_TEST(same_view_sees_everything) {
  ck_assert_double_eq(covis_estimate(&cam, identity, identity, NULL, 10, 8), 1.0);
}
END_TEST

START_TEST(half_image_sideways) {
  /* b 10 m to the right at depth 10: each point moves 32 px left, the left half of a leaves b */
  double b[12] = {1, 0, 0, 10, 0, 1, 0, 0, 0, 0, 1, 0};
  ck_assert_double_eq_tol(covis_estimate(&cam, identity, b, NULL, 10, 8), 0.5, 1e-12);
  ck_assert_double_eq_tol(covis_estimate(&cam, identity, b, NULL, 10, 1), 0.5, 1e-12);
  /* the same move seen from b: the other half */
  ck_assert_double_eq_tol(covis_estimate(&cam, b, identity, NULL, 10, 8), 0.5, 1e-12);
  /* farther points move less: at 20 m a quarter leaves */
  ck_assert_double_eq_tol(covis_estimate(&cam, identity, b, NULL, 20, 1), 0.75, 1e-12);
}
END_TEST

START_TEST(turned_away_sees_nothing) {
  double back[12] = {-1, 0, 0, 0, 0, 1, 0, 0, 0, 0, -1, 0}; /* 180 degrees about y */
  ck_assert_double_eq(covis_estimate(&cam, identity, back, NULL, 10, 8), 0.0);
}
END_TEST

START_TEST(depth_map_holes_left_out) {
  float depth[64 * 48];
  for (int v = 0; v < 48; v++)
    for (int u = 0; u < 64; u++) depth[v * 64 + u] = u < 32 ? 0.0f : 10.0f; /* left half unknown */
  double b[12] = {1, 0, 0, 10, 0, 1, 0, 0, 0, 0, 1, 0};
  /* only the right half counts, and all of it stays in view */
  ck_assert_double_eq(covis_estimate(&cam, identity, b, depth, 99, 1), 1.0);
  for (int i = 0; i < 64 * 48; i++) depth[i] = 0;
  ck_assert_double_eq(covis_estimate(&cam, identity, b, depth, 99, 1), -1.0);
}
END_TEST

int main(void) {
  Suite *s = suite_create("covis");
  TCase *tc = tcase_create("covis");
  tcase_add_test(tc, same_view_sees_everything);
  tcase_add_test(tc, half_image_sideways);
  tcase_add_test(tc, turned_away_sees_nothing);
  tcase_add_test(tc, depth_map_holes_left_out);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
