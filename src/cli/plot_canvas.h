/* SPDX-License-Identifier: MIT */
/* A small RGB raster for geocl plot: rectangles, lines, text in the
 * library's 5x7 font (geocl/picture.h) scaled by a whole factor, and PNG
 * output through geocl_image_write_png. */
#ifndef GEOCL_PLOT_CANVAS_H
#define GEOCL_PLOT_CANVAS_H

#include <stdint.h>

#include <geocl/image.h>
#include <geocl/picture.h>

typedef struct plot_rgb {
  uint8_t r, g, b;
} plot_rgb;

/* White canvas of width x height (geocl_image_free frees it). */
geocl_status plot_canvas_new(geocl_image *img, int width, int height);
void plot_fill(geocl_image *img, int x, int y, int w, int h, plot_rgb c);
/* A line `thick` pixels wide from (x0, y0) to (x1, y1), clipped to the canvas. */
void plot_line(geocl_image *img, double x0, double y0, double x1, double y1, int thick, plot_rgb c);
/* geocl_draw_text in colour c; returns the width drawn (geocl_text_width). */
int plot_text(geocl_image *img, int x, int y, int scale, const char *text, plot_rgb c);

#endif
