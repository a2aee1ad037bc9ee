/* SPDX-License-Identifier: MIT */
/* Drawing on an 8-bit RGB geocl_image. */
#include <math.h>
#include <string.h>

#include "plot_canvas.h"

geocl_status plot_canvas_new(geocl_image *img, int width, int height) {
  geocl_status st = geocl_image_alloc(img, width, height, 3, GEOCL_SAMPLE_U8);
  if (st == GEOCL_OK) memset(img->data, 255, (size_t)width * (size_t)height * 3);
  return st;
}

static void put(geocl_image *img, int x, int y, plot_rgb c) {
  if (x < 0 || y < 0 || x >= img->width || y >= img->height) return;
  uint8_t *p = (uint8_t *)img->data + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

void plot_fill(geocl_image *img, int x, int y, int w, int h, plot_rgb c) {
  for (int j = y; j < y + h; j++)
    for (int i = x; i < x + w; i++) put(img, i, j, c);
}

void plot_line(geocl_image *img, double x0, double y0, double x1, double y1, int thick, plot_rgb c) {
  double dx = x1 - x0, dy = y1 - y0;
  double len = fmax(fabs(dx), fabs(dy));
  int n = len > 1e6 ? 1000000 : (int)ceil(len); /* one dot per pixel of the longer axis */
  for (int i = 0; i <= n; i++) {
    double t = n ? (double)i / n : 0;
    int x = (int)lround(x0 + t * dx) - thick / 2, y = (int)lround(y0 + t * dy) - thick / 2;
    plot_fill(img, x, y, thick, thick, c);
  }
}

int plot_text(geocl_image *img, int x, int y, int scale, const char *text, plot_rgb c) {
  return geocl_draw_text(img, x, y, scale, text, (const uint8_t[3]){c.r, c.g, c.b});
}
