/* SPDX-License-Identifier: MIT */
/* Drawing on pictures: a 5x7 bitmap font for labels on 8-bit RGB images
 * (geocl plot, the legends of geocl/visualize.h), and caption strips above
 * picture tensors, so a plugin's visualize can name its panels.
 *
 * A picture tensor is [B, 3, H, W] floats in [0, 1] (geocl_write_picture_png
 * writes one sample of it). */
#ifndef GEOCL_PICTURE_H
#define GEOCL_PICTURE_H

#include <stdint.h>

#include <geocl/image.h>
#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOCL_GLYPH_W 5
#define GEOCL_GLYPH_H 7

/* Width in pixels of text drawn at `scale` (each font pixel scale x scale,
 * one blank font column between characters). */
int geocl_text_width(int scale, const char *text);
/* Draw text on an 8-bit RGB image with its top-left corner at (x, y),
 * clipped to the image; characters the font lacks are hollow boxes.
 * Returns geocl_text_width(scale, text). */
int geocl_draw_text(geocl_image *img, int x, int y, int scale, const char *text, const uint8_t rgb[3]);

/* A new picture [B, 3, S + H, W]: a white caption strip of S rows above
 * `pic` ([B, 3, H, W]) with labels[i] in black, centred over panel i.  The
 * n panels lie side by side from the left: widths[i] pixels wide, or all
 * W / n wide when widths is NULL.  The font scale (1 to 3) grows with the
 * narrowest panel; a label too wide for its panel at scale 1 is cut short.
 * NULL with an error set on a bad shape or widths that do not add up to W;
 * NULL at once for a NULL pic, as the ops do. */
geocl_tensor *geocl_picture_labels(geocl_tensor *pic, int n, const char *const *labels, const int64_t *widths);

#ifdef __cplusplus
}
#endif
#endif
