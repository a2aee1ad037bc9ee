/* SPDX-License-Identifier: MIT */
/* Drawing on pictures (geocl/picture.h): the 5x7 font against glyphs worked
 * out by hand, and caption strips above picture tensors: where each label
 * lands, the font scale, labels cut to their panel, the picture below left
 * as it was, and bad shapes refused. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/picture.h>

#include "testutil.h"

static const uint8_t black[3] = {0, 0, 0};

static geocl_image white(int w, int h) {
  geocl_image img;
  ck_assert_ok(geocl_image_alloc(&img, w, h, 3, GEOCL_SAMPLE_U8));
  memset(img.data, 255, (size_t)w * (size_t)h * 3);
  return img;
}

static int is_black(const geocl_image *img, int x, int y) {
  const uint8_t *p = (const uint8_t *)img->data + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
  return p[0] == 0 && p[1] == 0 && p[2] == 0;
}

START_TEST(font_known_glyphs) {
  /* '1': rows ..#.. .##.. ..#.. ..#.. ..#.. ..#.. .###. */
  static const char *const one[7] = {"..#..", ".##..", "..#..", "..#..", "..#..", "..#..", ".###."};
  geocl_image img = white(20, 16);
  ck_assert_int_eq(geocl_draw_text(&img, 1, 1, 2, "1", black), 10); /* 5 columns at scale 2 */
  for (int y = 0; y < 16; y++)
    for (int x = 0; x < 20; x++) {
      int fx = (x - 1) / 2, fy = (y - 1) / 2;
      int want = x >= 1 && y >= 1 && fx < 5 && fy < 7 && one[fy][fx] == '#';
      ck_assert_msg(is_black(&img, x, y) == want, "'1' at scale 2: pixel (%d, %d)", x, y);
    }
  geocl_image_free(&img);
  /* a character the font lacks is a hollow 5x7 box */
  img = white(5, 7);
  geocl_draw_text(&img, 0, 0, 1, "~", black);
  for (int y = 0; y < 7; y++)
    for (int x = 0; x < 5; x++) ck_assert_int_eq(is_black(&img, x, y), x == 0 || x == 4 || y == 0 || y == 6);
  geocl_image_free(&img);
  /* clipped at the edges, widths of 6 pixels a character less the last gap */
  img = white(3, 3);
  ck_assert_int_eq(geocl_draw_text(&img, -2, -2, 1, "ab", black), 11);
  geocl_image_free(&img);
  ck_assert_int_eq(geocl_text_width(3, "abcd"), 4 * 18 - 3);
  ck_assert_int_eq(geocl_text_width(1, ""), 0);
}
END_TEST

/* A [B, 3, H, W] picture whose value at (n, c, y, x) says where it is. */
static float code(int64_t n, int64_t c, int64_t y, int64_t x) { return (float)((n * 3 + c) * 1000 + y * 10 + x) * 1e-6f; }

static geocl_tensor *coded_picture(geocl_ctx *ctx, int64_t B, int64_t H, int64_t W) {
  float *v = malloc(sizeof *v * (size_t)(B * 3 * H * W));
  for (int64_t n = 0; n < B; n++)
    for (int64_t c = 0; c < 3; c++)
      for (int64_t y = 0; y < H; y++)
        for (int64_t x = 0; x < W; x++) v[((n * 3 + c) * H + y) * W + x] = code(n, c, y, x);
  geocl_tensor *t = test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(B, 3, H, W), v);
  free(v);
  return t;
}

/* The strip of sample n of a labelled picture as an 8-bit image (every
 * strip pixel must be pure black or white, the same in all channels), after
 * checking that the rows below it are the picture as it was. */
static geocl_image strip_of(const geocl_tensor *out, int64_t n, int64_t S, int64_t H) {
  int64_t B = geocl_dim(out, 0), W = geocl_dim(out, 3);
  ck_assert_int_eq(geocl_dim(out, 2), S + H);
  float *v = test_download(out);
  geocl_image img = white((int)W, (int)S);
  for (int64_t c = 0; c < 3; c++)
    for (int64_t y = 0; y < S + H; y++)
      for (int64_t x = 0; x < W; x++) {
        float got = v[((n * 3 + c) * (S + H) + y) * W + x];
        if (y >= S) {
          ck_assert_msg(got == code(n, c, y - S, x), "sample %lld/%lld: picture moved at (%lld, %lld)", (long long)n,
                        (long long)B, (long long)x, (long long)(y - S));
          continue;
        }
        ck_assert_msg(got == 0 || got == 1, "strip pixel (%lld, %lld) is %g", (long long)x, (long long)y, got);
        uint8_t *p = (uint8_t *)img.data + (y * W + x) * 3;
        ck_assert(c == 0 || p[0] == (uint8_t)(got * 255));
        p[c] = (uint8_t)(got * 255);
      }
  free(v);
  return img;
}

/* The strip must be texts[i] drawn at `scale` with its corner at (xs[i], 2 * scale), and nothing else. */
static void expect_only(const geocl_image *strip, int n, const char *const *texts, const int *xs, int scale) {
  geocl_image want = white(strip->width, strip->height);
  for (int i = 0; i < n; i++) geocl_draw_text(&want, xs[i], 2 * scale, scale, texts[i], black);
  ck_assert_int_eq(memcmp(want.data, strip->data, (size_t)strip->width * (size_t)strip->height * 3), 0);
  geocl_image_free(&want);
}

START_TEST(labels_placed_and_scaled) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_scope s = geocl_scope_begin(ctx);
  /* two 128-wide panels: scale 2 (22-row strip), "reference" 106 wide at x = 11, "ab" 22 wide at 128 + 53 */
  const char *const two[2] = {"reference", "ab"};
  geocl_tensor *out = geocl_picture_labels(coded_picture(ctx, 2, 5, 256), 2, two, NULL);
  ck_assert_nonnull_geocl(out);
  for (int n = 0; n < 2; n++) {
    geocl_image strip = strip_of(out, n, 22, 5);
    expect_only(&strip, 2, two, (const int[]){11, 128 + 53}, 2);
    geocl_image_free(&strip);
  }
  /* 224-wide panels: scale 3; a long label lowers the scale for all */
  out = geocl_picture_labels(coded_picture(ctx, 1, 4, 448), 2, two, NULL);
  geocl_image strip = strip_of(out, 0, 33, 4);
  expect_only(&strip, 2, two, (const int[]){(224 - 159) / 2, 224 + (224 - 33) / 2}, 3);
  geocl_image_free(&strip);
  const char *const wide[2] = {"a label of 26 characters..", "b"};
  out = geocl_picture_labels(coded_picture(ctx, 1, 4, 448), 2, wide, NULL);
  strip = strip_of(out, 0, 11, 4); /* 155 wide at scale 1 */
  expect_only(&strip, 2, wide, (const int[]){(224 - 155) / 2, 224 + (224 - 5) / 2}, 1);
  geocl_image_free(&strip);
  geocl_scope_end(ctx, s);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(labels_given_widths_cut_short) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_scope s = geocl_scope_begin(ctx);
  /* panels 70 and 30 wide: scale 1; "long label" (59 wide) holds 5 characters in 30 pixels */
  const char *const labels[2] = {"keypoints", "long label"};
  geocl_tensor *out = geocl_picture_labels(coded_picture(ctx, 1, 3, 100), 2, labels, (const int64_t[]){70, 30});
  ck_assert_nonnull_geocl(out);
  geocl_image strip = strip_of(out, 0, 11, 3);
  expect_only(&strip, 2, (const char *const[]){"keypoints", "long "}, (const int[]){(70 - 53) / 2, 70 + (30 - 29) / 2}, 1);
  geocl_image_free(&strip);
  geocl_scope_end(ctx, s);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(labels_refuse_bad_shapes) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_scope s = geocl_scope_begin(ctx);
  const char *const labels[3] = {"a", "b", "c"};
  geocl_tensor *pic = coded_picture(ctx, 1, 3, 10);
  ck_assert_ptr_null(geocl_picture_labels(pic, 3, labels, NULL)); /* 10 is not 3 equal panels */
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "picture labels"));
  ck_assert_ptr_null(geocl_picture_labels(pic, 2, labels, (const int64_t[]){4, 5}));
  ck_assert_ptr_null(geocl_picture_labels(pic, 2, labels, (const int64_t[]){11, -1}));
  ck_assert_ptr_null(geocl_picture_labels(pic, 0, labels, NULL));
  /* a NULL picture (an op before failed) keeps that op's message */
  geocl_set_error(GEOCL_E_NOMEM, "an earlier op");
  ck_assert_ptr_null(geocl_picture_labels(NULL, 1, labels, NULL));
  ck_assert_str_eq(geocl_last_error(), "an earlier op");
  float v[30] = {0};
  ck_assert_ptr_null(geocl_picture_labels(test_upload(ctx, GEOCL_F32, GEOCL_SHAPE(3, 1, 10), v), 1, labels, NULL));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_SHAPE);
  geocl_scope_end(ctx, s);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("picture");
  TCase *tc = tcase_create("picture");
  tcase_add_test(tc, font_known_glyphs);
  tcase_add_test(tc, labels_placed_and_scaled);
  tcase_add_test(tc, labels_given_widths_cut_short);
  tcase_add_test(tc, labels_refuse_bad_shapes);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
