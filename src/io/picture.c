/* SPDX-License-Identifier: MIT */
/* Pictures from tensors: [3, H, W] (or [1, 3, H, W]) floats in [0, 1] to
 * PNG, and caption strips above them (geocl/picture.h). */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/image.h>
#include <geocl/ops.h>
#include <geocl/picture.h>
#include <geocl/tensor.h>

geocl_status geocl_write_picture_png(const geocl_tensor *pic, const char *path) {
  int nd = geocl_ndim(pic);
  if (!((nd == 3 && geocl_dim(pic, 0) == 3) || (nd == 4 && geocl_dim(pic, 0) == 1 && geocl_dim(pic, 1) == 3)))
    return geocl_set_error(GEOCL_E_SHAPE, "%s: a picture must be [3, H, W] or [1, 3, H, W]", path);
  int64_t h = geocl_dim(pic, -2), w = geocl_dim(pic, -1);
  size_t n = (size_t)(h * w);
  float *v = malloc(n * 3 * sizeof *v + 4);
  geocl_image img = {0};
  geocl_status st = v ? geocl_to_host(pic, v, n * 3 * sizeof *v) : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  if (st == GEOCL_OK) st = geocl_image_alloc(&img, (int)w, (int)h, 3, GEOCL_SAMPLE_U8);
  for (size_t i = 0; st == GEOCL_OK && i < n; i++)
    for (int c = 0; c < 3; c++) {
      float x = v[c * n + i];
      x = isnan(x) ? 0.0f : (x < 0 ? 0 : (x > 1 ? 1 : x));
      ((uint8_t *)img.data)[i * 3 + c] = (uint8_t)lrintf(x * 255.0f);
    }
  if (st == GEOCL_OK) st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  free(v);
  return st;
}

/* ---- caption strips ---- */

#define MAX_SCALE 3
#define PANEL_PER_SCALE 64 /* a panel this many pixels wide per step of the font scale */

static geocl_tensor *labels_error(const char *what) {
  geocl_set_error(GEOCL_E_SHAPE, "picture labels: %s", what);
  return NULL;
}

/* The strip as an 8-bit RGB image: white, labels in black, each centred over
 * its panel at one scale (cut short at scale 1 where a panel is too narrow). */
static geocl_status draw_strip(int n, const char *const *labels, const int64_t *x0, const int64_t *pw, int64_t W,
                               geocl_image *strip) {
  int64_t narrowest = pw[0];
  for (int i = 1; i < n; i++) narrowest = pw[i] < narrowest ? pw[i] : narrowest;
  int scale = (int)(narrowest / PANEL_PER_SCALE);
  scale = scale < 1 ? 1 : scale > MAX_SCALE ? MAX_SCALE : scale;
  for (int i = 0; i < n && scale > 1; i++)
    while (scale > 1 && geocl_text_width(scale, labels[i]) > pw[i] - 4) scale--;
  geocl_status st = geocl_image_alloc(strip, (int)W, (GEOCL_GLYPH_H + 4) * scale, 3, GEOCL_SAMPLE_U8);
  if (st != GEOCL_OK) return st;
  memset(strip->data, 255, (size_t)strip->width * (size_t)strip->height * 3);
  static const uint8_t black[3] = {0, 0, 0};
  for (int i = 0; i < n; i++) {
    char text[256];
    snprintf(text, sizeof text, "%s", labels[i]);
    size_t fit = (size_t)((pw[i] + 1) / (GEOCL_GLYPH_W + 1)); /* characters a panel holds at scale 1 */
    if (strlen(text) > fit) text[fit] = '\0';
    int tw = geocl_text_width(scale, text);
    geocl_draw_text(strip, (int)(x0[i] + (pw[i] - tw) / 2), 2 * scale, scale, text, black);
  }
  return GEOCL_OK;
}

geocl_tensor *geocl_picture_labels(geocl_tensor *pic, int n, const char *const *labels, const int64_t *widths) {
  if (!pic) return NULL; /* as an op does: the step that failed said why */
  if (geocl_ndim(pic) != 4 || geocl_dim(pic, 1) != 3)
    return labels_error("the picture must be [B, 3, H, W]");
  int64_t B = geocl_dim(pic, 0), W = geocl_dim(pic, 3);
  if (n < 1 || n > W) return labels_error("the number of panels must be 1 to the picture's width");
  int64_t *x0 = malloc(2 * sizeof *x0 * (size_t)n), *pw = x0 ? x0 + n : NULL;
  if (!x0) {
    geocl_set_error(GEOCL_E_NOMEM, "picture labels: out of memory");
    return NULL;
  }
  int64_t x = 0;
  for (int i = 0; i < n; i++) {
    pw[i] = widths ? widths[i] : W / n;
    x0[i] = x;
    x += pw[i] > 0 ? pw[i] : 0;
  }
  bool bad = x != W;
  for (int i = 0; i < n; i++) bad |= pw[i] < 1;
  if (bad) {
    free(x0);
    geocl_set_error(GEOCL_E_SHAPE, "picture labels: %d panels %s do not make up the picture's width %lld", n,
                    widths ? "of the given widths" : "of equal width", (long long)W);
    return NULL;
  }
  geocl_image strip = {0};
  geocl_status st = draw_strip(n, labels, x0, pw, W, &strip);
  free(x0);
  if (st != GEOCL_OK) return NULL;
  size_t plane = (size_t)strip.width * (size_t)strip.height;
  float *v = malloc(sizeof *v * plane * 3 * (size_t)B);
  geocl_tensor *out = NULL;
  if (!v) geocl_set_error(GEOCL_E_NOMEM, "picture labels: out of memory");
  for (size_t i = 0; v && i < plane * 3 * (size_t)B; i++) {
    size_t c = i / plane % 3, p = i % plane;
    v[i] = ((const uint8_t *)strip.data)[p * 3 + c] / 255.0f;
  }
  if (v) {
    geocl_tensor *parts[2] = {geocl_from_host(geocl_tensor_ctx(pic), GEOCL_F32, GEOCL_SHAPE(B, 3, strip.height, W), v),
                              pic};
    out = parts[0] ? geocl_concat(2, parts, 2) : NULL;
  }
  free(v);
  geocl_image_free(&strip);
  return out;
}
