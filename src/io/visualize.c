/* SPDX-License-Identifier: MIT */
/* Colour pictures of dense maps with legends (geocl/visualize.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/picture.h>
#include <geocl/visualize.h>

#define LEGEND_H 28 /* pixels below the map */
#define UNKNOWN 40  /* gray level of unknown pixels */

static const uint8_t black[3] = {0, 0, 0}; /* the legends' text */

/* ---- colour maps ---- */

/* KITTI stereo devkit: 8 corners, each weighted by the share of the scale it spans. */
static void kitti_color(double value, uint8_t rgb[3]) {
  static const double map[8][4] = {{0, 0, 0, 114}, {0, 0, 1, 185}, {1, 0, 0, 114}, {1, 0, 1, 174},
                                   {0, 1, 0, 114}, {0, 1, 1, 185}, {1, 1, 0, 114}, {1, 1, 1, 0}};
  double sum = 0, cumsum[8] = {0};
  for (int i = 0; i < 8; i++) sum += map[i][3];
  for (int i = 0; i < 7; i++) cumsum[i + 1] = cumsum[i] + map[i][3] / sum;
  value = value < 0 ? 0 : value > 1 ? 1 : value;
  int i = 0;
  while (i < 6 && value >= cumsum[i + 1]) i++;
  double w = 1.0 - (value - cumsum[i]) * sum / map[i][3];
  for (int c = 0; c < 3; c++) rgb[c] = (uint8_t)lrint((w * map[i][c] + (1 - w) * map[i + 1][c]) * 255);
}

/* Turbo (Mikhailov, "Turbo, An Improved Rainbow Colormap for Visualization",
 * Google AI Blog, 2019) through its published degree-5 polynomial fit (Ruofei
 * Du's): dark blue at 0, green-yellow in the middle, dark red at 1. */
static void turbo_color(double t, uint8_t rgb[3]) {
  static const double coef[3][6] = {
      {0.13572138, 4.61539260, -42.66032258, 132.13108234, -152.94239396, 59.28637943},
      {0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604},
      {0.10667330, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973}};
  for (int c = 0; c < 3; c++) {
    double v = 0;
    for (int k = 5; k >= 0; k--) v = v * t + coef[c][k];
    rgb[c] = (uint8_t)lrint((v < 0 ? 0 : v > 1 ? 1 : v) * 255);
  }
}

void geocl_colormap_rgb(geocl_colormap map, double t, uint8_t rgb[3]) {
  t = t < 0 ? 0 : t > 1 ? 1 : t;
  if (map == GEOCL_COLORMAP_GRAY) rgb[0] = rgb[1] = rgb[2] = (uint8_t)lrint(t * 255);
  else if (map == GEOCL_COLORMAP_TURBO) turbo_color(t, rgb);
  else kitti_color(t, rgb);
}

static geocl_status new_picture(int width, int height, geocl_image *out) {
  geocl_status st = geocl_image_alloc(out, width, height + LEGEND_H, 3, GEOCL_SAMPLE_U8);
  if (st == GEOCL_OK) memset(out->data, 255, (size_t)width * (height + LEGEND_H) * 3);
  return st;
}

static void format_value(double v, const char *unit, char *buf, size_t size) {
  double a = fabs(v);
  if (a >= 100 || a == 0) snprintf(buf, size, "%.0f%s", v, unit);
  else if (a >= 10) snprintf(buf, size, "%.1f%s", v, unit);
  else if (a >= 0.01) snprintf(buf, size, "%.2f%s", v, unit);
  else snprintf(buf, size, "%.0e%s", v, unit);
}

geocl_status geocl_colorize_scalar(const float *values, const float *valid, int width, int height,
                                   const geocl_scalar_legend *lg, geocl_image *out) {
  if (!(lg->hi > lg->lo) || (lg->inverse && !(lg->lo > 0)))
    return geocl_set_error(GEOCL_E_INVALID, "colour scale from %g to %g%s", lg->lo, lg->hi,
                           lg->inverse ? " (inverse: both must be > 0)" : "");
  geocl_status st = new_picture(width, height, out);
  if (st != GEOCL_OK) return st;
  uint8_t *p = out->data;
  double a = lg->inverse ? 1 / lg->hi : lg->lo, b = lg->inverse ? 1 / lg->lo : lg->hi;
  for (size_t i = 0, n = (size_t)width * height; i < n; i++) {
    float v = values[i];
    if ((valid && valid[i] <= 0.5f) || !isfinite(v) || (lg->inverse && !(v > 0))) {
      memset(p + 3 * i, UNKNOWN, 3);
      continue;
    }
    geocl_colormap_rgb(lg->map, ((lg->inverse ? 1 / v : v) - a) / (b - a), p + 3 * i);
  }
  /* the colour bar between margins, then labels at its ends and middle */
  int x0 = 4, x1 = width - 4, y0 = height + 3;
  for (int x = x0; x < x1; x++) {
    uint8_t rgb[3];
    geocl_colormap_rgb(lg->map, (double)(x - x0) / (x1 - x0 - 1 > 0 ? x1 - x0 - 1 : 1), rgb);
    for (int y = y0; y < y0 + 8; y++) memcpy(p + ((size_t)y * width + x) * 3, rgb, 3);
  }
  const char *unit = lg->unit ? lg->unit : "";
  char labels[3][32];
  int widths[3];
  for (int k = 0; k < 3; k++) {
    double v = a + k / 2.0 * (b - a);
    format_value(lg->inverse ? 1 / v : v, unit, labels[k], sizeof labels[k]);
    widths[k] = geocl_text_width(1, labels[k]);
  }
  /* the ends and the middle, as many as fit side by side */
  int room = x1 - x0;
  bool ends = widths[0] + widths[2] + 6 <= room, middle = ends && widths[0] + widths[1] + widths[2] + 12 <= room;
  if (ends) geocl_draw_text(out, x0, y0 + 11, 1, labels[0], black);
  if (middle) geocl_draw_text(out, (x0 + x1 - widths[1]) / 2, y0 + 11, 1, labels[1], black);
  geocl_draw_text(out, x1 - widths[2], y0 + 11, 1, labels[2], black);
  return GEOCL_OK;
}

/* ---- Middlebury flow colours ---- */

#define WHEEL 55 /* RY 15, YG 6, GC 4, CB 11, BM 13, MR 6 */

static void wheel(uint8_t cw[WHEEL][3]) {
  static const int seg[6] = {15, 6, 4, 11, 13, 6};
  int k = 0;
  for (int s = 0; s < 6; s++)
    for (int i = 0; i < seg[s]; i++, k++) {
      int ramp = (int)floor(255.0 * i / seg[s]);
      static const int from[6][3] = {{255, 0, 0}, {255, 255, 0}, {0, 255, 0}, {0, 255, 255}, {0, 0, 255}, {255, 0, 255}};
      static const int dir[6][3] = {{0, 1, 0}, {-1, 0, 0}, {0, 0, 1}, {0, -1, 0}, {1, 0, 0}, {0, 0, -1}};
      for (int c = 0; c < 3; c++) cw[k][c] = (uint8_t)(from[s][c] + dir[s][c] * ramp);
    }
}

void geocl_flow_color(double u, double v, uint8_t rgb[3]) {
  uint8_t cw[WHEEL][3];
  wheel(cw);
  double rad = sqrt(u * u + v * v), a = atan2(-v, -u) / M_PI, fk = (a + 1) / 2 * (WHEEL - 1);
  int k0 = (int)floor(fk), k1 = k0 + 1 == WHEEL ? 0 : k0 + 1;
  double f = fk - k0;
  for (int c = 0; c < 3; c++) {
    double col = (1 - f) * cw[k0][c] / 255.0 + f * cw[k1][c] / 255.0;
    col = rad <= 1 ? 1 - rad * (1 - col) : col * 0.75;
    rgb[c] = (uint8_t)floor(255 * col);
  }
}

geocl_status geocl_colorize_flow(const float *flow, const float *valid, int width, int height, double max_speed,
                                 geocl_image *out) {
  size_t n = (size_t)width * height;
  if (max_speed <= 0) {
    max_speed = 0;
    for (size_t i = 0; i < n; i++)
      if ((!valid || valid[i] > 0.5f) && isfinite(flow[i]) && isfinite(flow[n + i]))
        max_speed = fmax(max_speed, hypot(flow[i], flow[n + i]));
    if (max_speed == 0) max_speed = 1;
  }
  geocl_status st = new_picture(width, height, out);
  if (st != GEOCL_OK) return st;
  uint8_t *p = out->data;
  for (size_t i = 0; i < n; i++) {
    if ((valid && valid[i] <= 0.5f) || !isfinite(flow[i]) || !isfinite(flow[n + i])) memset(p + 3 * i, UNKNOWN, 3);
    else geocl_flow_color(flow[i] / max_speed, flow[n + i] / max_speed, p + 3 * i);
  }
  /* a wheel of radius 11 at the left of the strip, and the speed it is scaled to */
  int r = 11, cx = 4 + r, cy = height + LEGEND_H / 2;
  for (int y = -r; y <= r; y++)
    for (int x = -r; x <= r; x++) {
      double d = hypot(x, y) / r;
      if (d > 1 || cx + x >= width) continue;
      geocl_flow_color((double)x / r, (double)y / r, p + ((size_t)(cy + y) * width + cx + x) * 3);
    }
  char label[40], value[24];
  format_value(max_speed, "px", value, sizeof value);
  snprintf(label, sizeof label, "max %s", value);
  geocl_draw_text(out, cx + r + 6, cy - 3, 1, label, black);
  return GEOCL_OK;
}

geocl_status geocl_colorize_depth(const float *depth, int width, int height, geocl_image *out) {
  size_t n = (size_t)width * (size_t)height;
  double near = INFINITY, far = 0; /* in inverse depth: the largest and the smallest */
  for (size_t i = 0; i < n; i++)
    if (depth[i] > 0 && isfinite(depth[i])) {
      near = fmin(near, depth[i]);
      far = fmax(far, depth[i]);
    }
  geocl_status st = geocl_image_alloc(out, width, height, 3, GEOCL_SAMPLE_U8); /* zeroed: unknown is black */
  if (st != GEOCL_OK) return st;
  double lo = 1 / far, span = 1 / near - lo;
  for (size_t i = 0; i < n; i++)
    if (depth[i] > 0 && isfinite(depth[i]))
      geocl_colormap_rgb(GEOCL_COLORMAP_TURBO, span > 0 ? (1 / (double)depth[i] - lo) / span : 1,
                         (uint8_t *)out->data + 3 * i);
  return GEOCL_OK;
}
