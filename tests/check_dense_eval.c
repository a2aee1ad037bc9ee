/* SPDX-License-Identifier: MIT */
/* Evaluation of the dense heads: the metrics (known answers worked out by
 * hand), tile offsets (numpy's linspace and round-half-to-even), tiled
 * inference blended by confidence (on tests/plugins/testdense, whose tiles
 * say where they came from), and the colour pictures. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/dense_metrics.h>
#include <geocl/tiled.h>
#include <geocl/visualize.h>

#include "testutil.h"

static double value(const geocl_metrics *m, const char *name) {
  double v = geocl_metrics_value(m, name);
  ck_assert_msg(!isnan(v), "no metric %s", name);
  return v;
}

START_TEST(stereo_metrics_known_answers) {
  /* errors 0, 1, 2, (unknown), 4, then 0.75 in a second image */
  float pred[5] = {1, 2, 3, 4, 5}, gt[5] = {1, 1, 1, 0, 9}, valid[5] = {1, 1, 1, 0, 1};
  float pred2[1] = {2.25f}, gt2[1] = {1.5f};
  geocl_metrics acc = {0}, r;
  ck_assert_ok(geocl_stereo_metrics_add(&acc, pred, gt, valid, 5));
  ck_assert_ok(geocl_stereo_metrics_add(&acc, pred2, gt2, NULL, 1));
  ck_assert_ok(geocl_dense_metrics_report(GEOCL_DENSE_STEREO, &acc, &r));
  ck_assert_double_eq_tol(value(&r, "avgerr"), 7.75 / 5, 1e-12);
  ck_assert_double_eq_tol(value(&r, "rmse"), sqrt((1 + 4 + 16 + 0.5625) / 5), 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@0.5"), 100.0 * 4 / 5, 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@1"), 100.0 * 2 / 5, 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@2"), 100.0 * 1 / 5, 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@3"), 100.0 * 1 / 5, 1e-12);
  ck_assert_int_eq(r.n, 6);
  ck_assert_str_eq(r.names[0], "avgerr");
}
END_TEST

START_TEST(flow_metrics_known_answers) {
  /* (u, v) planes of 4 pixels; the third unknown */
  float pred[8] = {3, 0, 9, 50, 4, 0, 9, 0}, gt[8] = {0, 0, 0, 45, 0, 1, 0, 0}, valid[4] = {1, 1, 0, 1};
  geocl_metrics acc = {0}, r;
  ck_assert_ok(geocl_flow_metrics_add(&acc, pred, gt, valid, 4));
  ck_assert_ok(geocl_dense_metrics_report(GEOCL_DENSE_FLOW, &acc, &r));
  /* EPEs: 5 (speed 0), 1 (speed 1), 5 (speed 45) */
  ck_assert_double_eq_tol(value(&r, "EPE"), 11.0 / 3, 1e-12);
  ck_assert_double_eq_tol(value(&r, "L1"), (7 + 1 + 5) / 3.0, 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@0.5"), 100.0, 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@1"), 100.0 * 2 / 3, 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@3"), 100.0 * 2 / 3, 1e-12);
  ck_assert_double_eq_tol(value(&r, "bad@5"), 0.0, 1e-12);
  ck_assert_double_eq_tol(value(&r, "s0-10"), 3.0, 1e-12);
  ck_assert(isnan(geocl_metrics_value(&r, "s10-40"))); /* no pixel that fast */
  ck_assert_double_eq_tol(value(&r, "s40+"), 5.0, 1e-12);
}
END_TEST

START_TEST(depth_metrics_known_answers) {
  geocl_depth_eval e;
  geocl_depth_eval_default(&e);
  /* image 1: d = 10, 20, 100 (beyond 80: out), 40 unknown; d̂ = 12.5, 16, 1, 1 */
  float gt[4] = {10, 20, 100, 40}, pred[4] = {12.5f, 16, 1, 1}, valid[4] = {1, 1, 1, 0};
  geocl_metrics acc = {0}, r;
  ck_assert_ok(geocl_depth_metrics_add(&acc, pred, gt, valid, 2, 2, &e));
  /* image 2: one pixel, d = 2, d̂ = 200 → clipped to 80 */
  float gt2[1] = {2}, pred2[1] = {200};
  ck_assert_ok(geocl_depth_metrics_add(&acc, pred2, gt2, NULL, 1, 1, &e));
  ck_assert_ok(geocl_dense_metrics_report(GEOCL_DENSE_DEPTH, &acc, &r));
  double g1 = log(1.25), g2 = log(0.8), g3 = log(40.0);
  double abs_rel = ((0.25 + 0.2) / 2 + 39.0) / 2, sq_rel = ((6.25 / 10 + 16.0 / 20) / 2 + 78.0 * 78 / 2) / 2;
  double rmse = (sqrt((6.25 + 16) / 2) + 78) / 2, rmse_log = (sqrt((g1 * g1 + g2 * g2) / 2) + fabs(g3)) / 2;
  double mean = (g1 + g2) / 2, silog = (100 * sqrt((g1 * g1 + g2 * g2) / 2 - mean * mean) + 0) / 2;
  ck_assert_double_eq_tol(value(&r, "abs_rel"), abs_rel, 1e-9);
  ck_assert_double_eq_tol(value(&r, "sq_rel"), sq_rel, 1e-9);
  ck_assert_double_eq_tol(value(&r, "rmse"), rmse, 1e-9);
  ck_assert_double_eq_tol(value(&r, "rmse_log"), rmse_log, 1e-9);
  ck_assert_double_eq_tol(value(&r, "silog"), silog, 1e-6);
  ck_assert_double_eq_tol(value(&r, "log10"), ((log10(1.25) + log10(1.25)) / 2 + log10(40.0)) / 2, 1e-9);
  ck_assert_double_eq_tol(value(&r, "delta1"), 0.0, 1e-12); /* ratios of exactly 1.25 are not < 1.25 */
  ck_assert_double_eq_tol(value(&r, "delta2"), (1.0 + 0) / 2, 1e-12);
  ck_assert_double_eq_tol(value(&r, "delta3"), (1.0 + 0) / 2, 1e-12);
  /* the Garg crop of a 100×50 image keeps rows 20..48 and columns 3..95 */
  float *big = malloc(100 * 50 * sizeof *big), *bp = malloc(100 * 50 * sizeof *bp);
  for (int i = 0; i < 5000; i++) {
    int x = i % 100, y = i / 100;
    big[i] = 10;
    bp[i] = y >= 20 && y < 49 && x >= 3 && x < 96 ? 10 : 20; /* wrong only outside the crop */
  }
  e.crop = GEOCL_DEPTH_CROP_GARG;
  geocl_metrics crop = {0};
  ck_assert_ok(geocl_depth_metrics_add(&crop, bp, big, NULL, 100, 50, &e));
  ck_assert_double_eq(geocl_metrics_value(&crop, "abs_rel"), 0.0);
  e.crop = GEOCL_DEPTH_CROP_EIGEN; /* rows 16..45: some wrong rows inside */
  geocl_metrics eig = {0};
  ck_assert_ok(geocl_depth_metrics_add(&eig, bp, big, NULL, 100, 50, &e));
  ck_assert_double_gt(geocl_metrics_value(&eig, "abs_rel"), 0.0);
  free(big);
  free(bp);
}
END_TEST

START_TEST(tile_offsets_known_answers) {
  int o[16];
  ck_assert_int_eq(geocl_tile_offsets(375, 352, 0.7, o, 16), 2);
  ck_assert_int_eq(o[0], 0);
  ck_assert_int_eq(o[1], 23);
  /* 1242 over 704 at 0.7: linspace(0, 538, 4) = 0, 179.33, 358.67, 538 */
  ck_assert_int_eq(geocl_tile_offsets(1242, 704, 0.7, o, 16), 4);
  ck_assert(o[0] == 0 && o[1] == 179 && o[2] == 359 && o[3] == 538);
  /* round half to even: 2.5 → 2, 3.5 → 4 */
  ck_assert_int_eq(geocl_tile_offsets(10, 5, 0.4, o, 16), 3);
  ck_assert(o[0] == 0 && o[1] == 2 && o[2] == 5);
  ck_assert_int_eq(geocl_tile_offsets(14, 7, 0.5, o, 16), 3);
  ck_assert(o[0] == 0 && o[1] == 4 && o[2] == 7);
  ck_assert_int_eq(geocl_tile_offsets(48, 48, 0.7, o, 16), 1);
  ck_assert_int_eq(o[0], 0);
  ck_assert_int_eq(geocl_tile_offsets(40, 48, 0.7, o, 16), 0);
  ck_assert_int_eq(geocl_tile_offsets(100, 10, 1.0, o, 16), 0);
  ck_assert_int_eq(geocl_tile_offsets(1000, 10, 0.9, o, 16), 0); /* more than 16 */
}
END_TEST

static void use_test_plugins(void) {
  static char path[8192];
  const char *top = getenv("GEOCL_TOP_BUILDDIR"), *old = getenv("GEOCL_PLUGIN_PATH");
  snprintf(path, sizeof path, "%s/tests/plugins/.libs:%s", top ? top : ".", old ? old : "");
  setenv("GEOCL_PLUGIN_PATH", path, 1);
}

static geocl_model *testdense(geocl_ctx *ctx, const char *conf_mode) {
  use_test_plugins();
  char arg[64];
  snprintf(arg, sizeof arg, "tile_conf_mode=%s", conf_mode);
  const char *args[] = {"img_size=32x48", "conf_scale=0.1", arg};
  geocl_model_opts mo = {.task = "testdense", .args = args, .n_args = 3};
  geocl_model *m;
  ck_assert_ok(geocl_model_create(ctx, &mo, &m));
  return m;
}

/* Each pixel of the blend: the prediction x + r (x the column in the tile, r
 * the pixel's normalised red) weighted by the tile's ω at the pixel's row. */
static void check_blend(const geocl_dense_prediction *p, const geocl_image *img, double overlap, bool weighted) {
  int ox[16], oy[16], nx = geocl_tile_offsets(img->width, 48, overlap, ox, 16);
  int ny = geocl_tile_offsets(img->height, 32, overlap, oy, 16);
  ck_assert_int_eq(p->tiles, nx * ny);
  double worst = 0;
  for (int y = 0; y < img->height; y++)
    for (int x = 0; x < img->width; x++) {
      double num = 0, den = 0, cnum = 0;
      for (int i = 0; i < ny; i++)
        for (int j = 0; j < nx; j++) {
          int lx = x - ox[j], ly = y - oy[i];
          if (lx < 0 || ly < 0 || lx >= 48 || ly >= 32) continue;
          double c = 0.1 * ly, w = weighted ? exp(-15.0 * 2 * (1 / (1 + exp(-c / 3)) - 0.5)) : 1;
          num += w * lx;
          cnum += w * c;
          den += w;
        }
      double red = (((uint8_t *)img->data)[3 * (y * img->width + x)] / 255.0 - geocl_imagenet_mean[0]) /
                   geocl_imagenet_std[0];
      size_t i = (size_t)y * img->width + x;
      double e = fabs(p->pred[i] - (red + num / den)) + fabs(p->conf[i] - cnum / den);
      worst = e > worst ? e : worst;
    }
  ck_assert_msg(worst < 1e-4, "blend differs by %g", worst);
}

START_TEST(tiled_prediction_blends_by_confidence) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *m = testdense(ctx, "conf_expsigmoid_15_3");
  geocl_image img, other;
  ck_assert_ok(geocl_image_alloc(&img, 75, 50, 3, GEOCL_SAMPLE_U8));
  ck_assert_ok(geocl_image_alloc(&other, 75, 50, 3, GEOCL_SAMPLE_U8));
  for (int i = 0; i < 75 * 50 * 3; i++) ((uint8_t *)img.data)[i] = (uint8_t)(i * 7 % 251);
  geocl_tile_opts o;
  geocl_tile_opts_default(&o);
  geocl_dense_prediction p, q;
  ck_assert_ok(geocl_tiled_predict(m, GEOCL_DENSE_STEREO, &img, &other, &o, &p));
  ck_assert_int_eq(p.channels, 1);
  ck_assert_int_eq(p.width, 75);
  ck_assert_int_eq(p.height, 50);
  check_blend(&p, &img, 0.7, true);
  /* tiles in batches: the same numbers */
  o.batch = 3;
  ck_assert_ok(geocl_tiled_predict(m, GEOCL_DENSE_STEREO, &img, &other, &o, &q));
  ck_assert_mem_eq(p.pred, q.pred, sizeof(float) * 75 * 50);
  geocl_dense_prediction_free(&q);
  geocl_dense_prediction_free(&p);
  /* equal weights, another overlap */
  o.conf_mode = "none";
  o.overlap = 0.3;
  ck_assert_ok(geocl_tiled_predict(m, GEOCL_DENSE_STEREO, &img, &other, &o, &p));
  check_blend(&p, &img, 0.3, false);
  geocl_dense_prediction_free(&p);
  ck_assert_str_eq(geocl_tile_conf_mode(m, NULL), "conf_expsigmoid_15_3");
  /* refusals */
  o.conf_mode = "conf_bogus";
  ck_assert_int_eq(geocl_tiled_predict(m, GEOCL_DENSE_STEREO, &img, &other, &o, &p), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "conf_bogus"));
  o.conf_mode = NULL;
  ck_assert_int_eq(geocl_tiled_predict(m, GEOCL_DENSE_STEREO, &img, NULL, &o, &p), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "second image"));
  geocl_image_free(&img);
  geocl_image_free(&other);
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

/* An image half the crop is enlarged ×2 (one tile), predicted, and shrunk
 * back: column x reads the enlarged column 2x + ½, whose prediction 2x + ½ +
 * r scales by ½ (the width ratio) to x + ¼ + r/2. */
START_TEST(small_images_are_enlarged) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_model *m = testdense(ctx, "none");
  geocl_image img, other;
  ck_assert_ok(geocl_image_alloc(&img, 24, 16, 3, GEOCL_SAMPLE_U8));
  ck_assert_ok(geocl_image_alloc(&other, 24, 16, 3, GEOCL_SAMPLE_U8));
  memset(img.data, 100, 24 * 16 * 3);
  geocl_dense_prediction p;
  ck_assert_ok(geocl_tiled_predict(m, GEOCL_DENSE_STEREO, &img, &other, NULL, &p));
  ck_assert_int_eq(p.width, 24);
  ck_assert_int_eq(p.height, 16);
  ck_assert_int_eq(p.tiles, 1);
  double r = (100 / 255.0 - geocl_imagenet_mean[0]) / geocl_imagenet_std[0];
  for (int y = 2; y < 14; y++)
    for (int x = 2; x < 22; x++) ck_assert_double_eq_tol(p.pred[y * 24 + x], x + 0.25 + r / 2, 0.02);
  geocl_dense_prediction_free(&p);
  geocl_image_free(&img);
  geocl_image_free(&other);
  geocl_model_free(m);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(flow_and_scalar_colours) {
  uint8_t c[3];
  geocl_flow_color(0, 0, c); /* no motion: white */
  ck_assert(c[0] == 255 && c[1] == 255 && c[2] == 255);
  geocl_flow_color(1, 0, c); /* right: atan2(−0, −1) = −π, the first wheel colour, red */
  ck_assert(c[0] == 255 && c[1] == 0 && c[2] == 0);
  geocl_flow_color(0.99, -0.01, c); /* just above: near the last wheel colour, MR's (255, 0, 255 − ⌊255·5/6⌋ = 43) */
  ck_assert(c[0] >= 250 && c[1] <= 5 && c[2] > 40 && c[2] < 60);
  geocl_flow_color(-1, 0, c); /* left: wheel entry 27, CB's (0, 255 − ⌊255·2/11⌋, 255) */
  ck_assert(c[0] == 0 && c[1] == 209 && c[2] == 255);
  geocl_flow_color(-2, 0, c); /* beyond the scale: darkened by 0.75 */
  ck_assert(c[0] == 0 && c[1] == (uint8_t)floor(255 * 0.75 * 209 / 255.0) && c[2] == 191);
  float flow[8] = {1, -1, 0, 0, 0, 0, 0, 0}, valid[4] = {1, 1, 1, 0};
  geocl_image pic;
  ck_assert_ok(geocl_colorize_flow(flow, valid, 2, 2, 0, &pic));
  ck_assert_int_eq(pic.width, 2);
  ck_assert_int_eq(pic.height, 2 + 28); /* a legend strip below */
  const uint8_t *px = pic.data;
  ck_assert(px[0] == 255 && px[1] == 0 && px[2] == 0); /* scaled to the largest speed, 1 */
  ck_assert(px[9] == 40 && px[10] == 40 && px[11] == 40); /* unknown: dark gray */
  geocl_image_free(&pic);
  /* KITTI's disparity colours: black at 0, blue at 114/1000 (the corners weigh 1000 in all), white at the top */
  float d[3] = {0, 1.14f, 10};
  geocl_scalar_legend lg = {.lo = 0, .hi = 10, .unit = "px"};
  ck_assert_ok(geocl_colorize_scalar(d, NULL, 3, 1, &lg, &pic));
  px = pic.data;
  ck_assert(px[0] == 0 && px[1] == 0 && px[2] == 0);
  ck_assert_msg(px[3] == 0 && px[4] == 0 && px[5] >= 254, "%d %d %d", px[3], px[4], px[5]);
  ck_assert(px[6] == 255 && px[7] == 255 && px[8] == 255);
  geocl_image_free(&pic);
  lg.lo = 0;
  lg.inverse = true;
  ck_assert_int_eq(geocl_colorize_scalar(d, NULL, 3, 1, &lg, &pic), GEOCL_E_INVALID);
}
END_TEST

/* Turbo: values of the published degree-5 fit worked out by hand (rounded to
 * bytes; the fit goes below 0 in blue at the red end). */
START_TEST(turbo_known_answers) {
  static const struct {
    double t;
    uint8_t rgb[3];
  } want[] = {{0, {35, 23, 27}}, {0.25, {38, 189, 225}}, {0.5, {150, 250, 80}}, {0.75, {255, 128, 29}},
              {1, {144, 13, 0}}, {-1, {35, 23, 27}}, {2, {144, 13, 0}}};
  for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
    uint8_t rgb[3];
    geocl_colormap_rgb(GEOCL_COLORMAP_TURBO, want[i].t, rgb);
    ck_assert_msg(!memcmp(rgb, want[i].rgb, 3), "turbo(%g) = %d %d %d", want[i].t, rgb[0], rgb[1], rgb[2]);
  }
}
END_TEST

/* Depth pictures: Turbo of inverse depth over the image's known range:
 * depth 1 is the near end, 4 the far end, 2 at (1/2 - 1/4) / (1 - 1/4) = 1/3
 * (47, 229, 173 by hand); unknown (0, negative, NaN, inf) black. */
START_TEST(depth_colours_known_answers) {
  float depth[8] = {1, 2, 0, 4, NAN, -3, INFINITY, 2};
  static const uint8_t want[8][3] = {{144, 13, 0}, {47, 229, 173}, {0, 0, 0}, {35, 23, 27},
                                     {0, 0, 0},    {0, 0, 0},      {0, 0, 0}, {47, 229, 173}};
  geocl_image img;
  ck_assert_ok(geocl_colorize_depth(depth, 4, 2, &img));
  ck_assert_int_eq(img.width, 4);
  ck_assert_int_eq(img.height, 2);
  ck_assert_int_eq(img.channels, 3);
  ck_assert_int_eq(img.type, GEOCL_SAMPLE_U8);
  for (int i = 0; i < 8; i++) {
    const uint8_t *p = (const uint8_t *)img.data + 3 * i;
    ck_assert_msg(!memcmp(p, want[i], 3), "pixel %d (depth %g): %d %d %d", i, depth[i], p[0], p[1], p[2]);
  }
  geocl_image_free(&img);
  /* one known depth: the near end */
  float one[2] = {0, 5};
  ck_assert_ok(geocl_colorize_depth(one, 2, 1, &img));
  ck_assert_int_eq(((uint8_t *)img.data)[3], 144);
  geocl_image_free(&img);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("dense_eval");
  TCase *t = tcase_create("eval");
  tcase_set_timeout(t, 120);
  tcase_add_test(t, stereo_metrics_known_answers);
  tcase_add_test(t, flow_metrics_known_answers);
  tcase_add_test(t, depth_metrics_known_answers);
  tcase_add_test(t, tile_offsets_known_answers);
  tcase_add_test(t, tiled_prediction_blends_by_confidence);
  tcase_add_test(t, small_images_are_enlarged);
  tcase_add_test(t, flow_and_scalar_colours);
  tcase_add_test(t, turbo_known_answers);
  tcase_add_test(t, depth_colours_known_answers);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return test_run_suite(suite()); }
