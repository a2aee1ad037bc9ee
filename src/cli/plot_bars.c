/* SPDX-License-Identifier: MIT */
/* geocl plot --bars: final metrics of several arms of an experiment (e.g. one
 * value per seed) drawn as bars at the mean, a whisker over the values' range
 * and a dot for each value. */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plot.h"

static geocl_status read_line(plot_data *d, int run, const char *path, long lineno, const char *text) {
  (void)run; /* the arm named on the line is the run */
  json_object *root = json_tokener_parse(text), *panel, *arm, *values;
  geocl_status st = GEOCL_OK;
  if (!root || !json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "panel", &panel) ||
      !json_object_is_type(panel, json_type_string) || !json_object_object_get_ex(root, "arm", &arm) ||
      !json_object_is_type(arm, json_type_string) || !json_object_object_get_ex(root, "values", &values) ||
      !json_object_is_type(values, json_type_array)) {
    json_object_put(root);
    return geocl_set_error(GEOCL_E_FORMAT,
                           "%s:%ld: not a bar line (a JSON object with a \"panel\", an \"arm\" and \"values\")", path,
                           lineno);
  }
  int a = plot_find_or_add(&d->runs, &d->n_runs, json_object_get_string(arm));
  if (a < 0) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  size_t n = json_object_array_length(values);
  for (size_t k = 0; st == GEOCL_OK && k < n; k++) {
    json_object *v = json_object_array_get_idx(values, k);
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
      st = geocl_set_error(GEOCL_E_FORMAT, "%s:%ld: value %zu is not a number", path, lineno, k);
      break;
    }
    st = plot_add_point(d, a, json_object_get_string(panel), (double)k, json_object_get_double(v));
  }
  json_object_put(root);
  return st;
}

geocl_status plot_read_bars(plot_data *d, const char *path) {
  d->bars = true;
  return plot_read_lines(d, 0, path, read_line);
}

void plot_draw_bars(geocl_image *img, const plot_data *d, int panel, int px, int py) {
  double lo = 0, hi = 0; /* bars stand on zero */
  for (int i = 0; i < d->n_series; i++)
    for (size_t k = 0; d->s[i].metric == panel && k < d->s[i].n; k++)
      lo = fmin(lo, d->s[i].y[k]), hi = fmax(hi, d->s[i].y[k]);
  plot_axis ay = plot_make_axis(lo, hi);
  plot_frame(img, d->metrics[panel], ay, px, py);
  int x0 = px + PLOT_LEFT, y0 = py + PLOT_TOP, w = PLOT_AREA_W, h = PLOT_AREA_H;
  int n_arms = 0; /* the arms with values in this panel, side by side in legend order */
  for (int i = 0; i < d->n_series; i++) n_arms += d->s[i].metric == panel && d->s[i].n;
  double slot = (double)w / (n_arms ? n_arms : 1);
  int bar_w = (int)fmin(slot * 0.6, 80);
#define Y_OF(v) (y0 + h - (int)lround(((v) - ay.lo) / (ay.hi - ay.lo) * h))
  for (int i = 0; i < d->n_series; i++) {
    const series *s = &d->s[i];
    if (s->metric != panel || !s->n) continue;
    double mean = 0, vmin = INFINITY, vmax = -INFINITY;
    for (size_t k = 0; k < s->n; k++) mean += s->y[k] / (double)s->n, vmin = fmin(vmin, s->y[k]), vmax = fmax(vmax, s->y[k]);
    int rank = 0;
    for (int j = 0; j < d->n_series; j++) rank += d->s[j].metric == panel && d->s[j].n && d->s[j].run < s->run;
    int cx = x0 + (int)lround((rank + 0.5) * slot), top = Y_OF(mean), base = Y_OF(fmax(ay.lo, 0));
    plot_rgb c = plot_palette[s->run % PLOT_COLOURS];
    plot_fill(img, cx - bar_w / 2, top < base ? top : base, bar_w, abs(base - top) + 1, c);
    plot_fill(img, cx - 1, Y_OF(vmax), 3, Y_OF(vmin) - Y_OF(vmax) + 1, plot_black); /* the range */
    plot_fill(img, cx - 8, Y_OF(vmax), 17, 2, plot_black);
    plot_fill(img, cx - 8, Y_OF(vmin) - 1, 17, 2, plot_black);
    for (size_t k = 0; k < s->n; k++) plot_fill(img, cx + 12, Y_OF(s->y[k]) - 2, 5, 5, plot_dark);
    char label[64];
    snprintf(label, sizeof label, "%.4g", mean);
    plot_text(img, cx - geocl_text_width(1, label) / 2, y0 + h + 8, 1, label, plot_dark);
  }
#undef Y_OF
}
