/* SPDX-License-Identifier: MIT */
/* Colour pictures of dense predictions, with a legend strip under the map:
 * 8-bit RGB images (geocl/image.h) to write with geocl_image_write_png.
 *
 * Scalar maps (disparity, depth, confidence) use KITTI's disparity colour
 * map (the stereo devkit's: black, blue, red, magenta, green, cyan, yellow,
 * white from low to high), Turbo or a gray ramp, with a colour bar and its
 * value labels below; flow uses the Middlebury colour wheel (Baker et al.:
 * hue is the direction, saturation the speed relative to the largest), with a
 * wheel and the speed it is scaled to below.  Unknown pixels are dark gray.
 * geocl_colorize_depth is the exception: no legend, unknown pixels black. */
#ifndef GEOCL_VISUALIZE_H
#define GEOCL_VISUALIZE_H

#include <stdbool.h>

#include <geocl/image.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_colormap {
  GEOCL_COLORMAP_KITTI = 0,
  GEOCL_COLORMAP_GRAY = 1,
  GEOCL_COLORMAP_TURBO = 2 /* Google's Turbo (its polynomial fit): dark blue, green-yellow, dark red */
} geocl_colormap;

/* The colour of t in [0, 1] (clamped) on a colour map. */
void geocl_colormap_rgb(geocl_colormap map, double t, uint8_t rgb[3]);

typedef struct geocl_scalar_legend {
  double lo, hi;       /* the values at either end of the colour scale */
  bool inverse;        /* colour by 1/value (depth: near is bright); lo, hi are values */
  geocl_colormap map;
  const char *unit;    /* "px", "m", "" */
} geocl_scalar_legend;

/* values: width·height floats; valid NULL or width·height (0 = unknown). */
geocl_status geocl_colorize_scalar(const float *values, const float *valid, int width, int height,
                                   const geocl_scalar_legend *legend, geocl_image *out);
/* flow: u plane then v plane (2·width·height floats); max_speed <= 0: the
 * largest known speed. */
geocl_status geocl_colorize_flow(const float *flow, const float *valid, int width, int height, double max_speed,
                                 geocl_image *out);
/* A depth map (metres; <= 0 or not finite: unknown) as an 8-bit RGB image of
 * the same size, no legend: Turbo of the inverse depth, normalised to the
 * image, so its nearest known pixel is Turbo's dark-red end and its farthest
 * the dark-blue end; unknown pixels are black.  (geocl synth's depth_color/.) */
geocl_status geocl_colorize_depth(const float *depth, int width, int height, geocl_image *out);
/* The Middlebury colour of a flow vector already divided by the speed scale. */
void geocl_flow_color(double u, double v, uint8_t rgb[3]);

#ifdef __cplusplus
}
#endif
#endif
