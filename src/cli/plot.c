/* SPDX-License-Identifier: MIT */
/* Runs' metrics.jsonl read into series and drawn (geocl plot). */
#include <errno.h>
#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "plot.h"

#define PLOT_SCALE 2 /* titles and legend at twice the font's size */

int plot_find_or_add(char ***names, int *n, const char *name) {
  for (int i = 0; i < *n; i++)
    if (!strcmp((*names)[i], name)) return i;
  char **grown = realloc(*names, sizeof *grown * (size_t)(*n + 1));
  if (!grown) return -1;
  *names = grown;
  if (!(grown[*n] = strdup(name))) return -1;
  return (*n)++;
}

geocl_status plot_add_point(plot_data *d, int run, const char *metric, double x, double y) {
  if (!isfinite(x) || !isfinite(y)) return GEOCL_OK;
  int m = plot_find_or_add(&d->metrics, &d->n_metrics, metric);
  if (m < 0) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  series *s = NULL;
  for (int i = 0; i < d->n_series && !s; i++)
    if (d->s[i].run == run && d->s[i].metric == m) s = &d->s[i];
  if (!s) {
    series *grown = realloc(d->s, sizeof *grown * (size_t)(d->n_series + 1));
    if (!grown) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    d->s = grown;
    s = &d->s[d->n_series++];
    *s = (series){.run = run, .metric = m};
  }
  if (s->n == s->cap) {
    size_t cap = s->cap ? 2 * s->cap : 256;
    double *xs = realloc(s->x, cap * sizeof *xs);
    if (xs) s->x = xs;
    double *ys = xs ? realloc(s->y, cap * sizeof *ys) : NULL;
    if (!ys) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    s->y = ys;
    s->cap = cap;
  }
  s->x[s->n] = x;
  s->y[s->n++] = y;
  return GEOCL_OK;
}

/* One line of metrics.jsonl: a training line {"step", "epoch", "time_s", and
 * the metrics} or a validation line {"step", "val": {...}}. */
static geocl_status read_line(plot_data *d, int run, const char *path, long lineno, const char *text) {
  json_object *root = json_tokener_parse(text), *step, *val;
  if (!root || !json_object_is_type(root, json_type_object) || !json_object_object_get_ex(root, "step", &step)) {
    json_object_put(root);
    return geocl_set_error(GEOCL_E_FORMAT, "%s:%ld: not a metrics line (a JSON object with a step)", path, lineno);
  }
  double x = json_object_get_double(step);
  bool is_val = json_object_object_get_ex(root, "val", &val) && json_object_is_type(val, json_type_object);
  json_object *fields = is_val ? val : root;
  geocl_status st = GEOCL_OK;
  json_object_object_foreach(fields, key, v) {
    if (st != GEOCL_OK) break;
    if (!is_val && (!strcmp(key, "step") || !strcmp(key, "epoch") || !strcmp(key, "time_s"))) continue;
    if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) continue;
    char name[256];
    snprintf(name, sizeof name, "%s%s", is_val ? "val " : "", key);
    st = plot_add_point(d, run, name, x, json_object_get_double(v));
  }
  json_object_put(root);
  return st;
}

/* RUN (a run directory or its metrics.jsonl) into run number `run`. */
geocl_status plot_read_run(plot_data *d, const char *arg) {
  struct stat sb;
  char *path = NULL;
  if (stat(arg, &sb) == 0 && S_ISDIR(sb.st_mode)) {
    size_t n = strlen(arg) + sizeof "/metrics.jsonl";
    if ((path = malloc(n))) snprintf(path, n, "%s/metrics.jsonl", arg);
  } else {
    path = strdup(arg);
  }
  if (!path) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  /* the legend names the run by its directory */
  char *name = strdup(arg);
  if (!name) {
    free(path);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  size_t len = strlen(name);
  while (len > 1 && name[len - 1] == '/') name[--len] = '\0';
  if (len > 14 && !strcmp(name + len - 14, "/metrics.jsonl")) name[len - 14] = '\0';
  const char *base = strrchr(name, '/') && strrchr(name, '/')[1] ? strrchr(name, '/') + 1 : name;
  int run = d->n_runs;
  char **grown = realloc(d->runs, sizeof *grown * (size_t)(run + 1));
  if (grown) d->runs = grown;
  if (!grown || !(d->runs[run] = strdup(base))) {
    free(name);
    free(path);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  d->n_runs++;
  free(name);
  geocl_status st = plot_read_lines(d, run, path, read_line);
  free(path);
  return st;
}

geocl_status plot_read_lines(plot_data *d, int run, const char *path, plot_line_reader reader) {
  FILE *f = fopen(path, "r");
  geocl_status st = f ? GEOCL_OK : geocl_set_error(GEOCL_E_IO, "%s: cannot open: %s", path, strerror(errno));
  char *line = NULL;
  size_t cap = 0;
  long lineno = 0;
  while (st == GEOCL_OK && getline(&line, &cap, f) > 0) {
    lineno++;
    if (strspn(line, " \t\r\n") == strlen(line)) continue;
    st = reader(d, run, path, lineno, line);
  }
  if (f) fclose(f);
  free(line);
  return st;
}

/* 1, 2 or 5 times a power of ten near x (at or above it unless round). */
static double nice(double x, bool round) {
  double e = pow(10, floor(log10(x))), f = x / e;
  if (round) return (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * e;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * e;
}

plot_axis plot_make_axis(double lo, double hi) {
  if (!(hi > lo)) { /* one value: a band around it */
    double pad = lo != 0 ? fabs(lo) * 0.1 : 1;
    lo -= pad;
    hi += pad;
  }
  double step = nice(nice(hi - lo, false) / 4, true);
  return (plot_axis){floor(lo / step) * step, ceil(hi / step) * step, step};
}

const plot_rgb plot_palette[PLOT_COLOURS] = {{31, 119, 180}, {255, 127, 14}, {44, 160, 44},   {214, 39, 40},
                                             {148, 103, 189}, {140, 86, 75}, {227, 119, 194}, {127, 127, 127}};
const plot_rgb plot_black = {0, 0, 0}, plot_grey = {225, 225, 225}, plot_dark = {90, 90, 90};


void plot_frame(geocl_image *img, const char *title, plot_axis ay, int px, int py) {
  int x0 = px + PLOT_LEFT, y0 = py + PLOT_TOP, w = PLOT_AREA_W, h = PLOT_AREA_H;
  plot_text(img, x0 + (w - geocl_text_width(PLOT_SCALE, title)) / 2, py + 8, PLOT_SCALE, title, plot_black);
  char label[64];
  for (double t = ay.lo; t <= ay.hi + ay.step / 2; t += ay.step) {
    int y = y0 + h - (int)lround((t - ay.lo) / (ay.hi - ay.lo) * h);
    plot_fill(img, x0, y, w, 1, plot_grey);
    snprintf(label, sizeof label, "%.3g", fabs(t) < ay.step * 1e-9 ? 0.0 : t);
    plot_text(img, x0 - 6 - geocl_text_width(1, label), y - GEOCL_GLYPH_H / 2, 1, label, plot_dark);
  }
  plot_fill(img, x0, y0, 1, h + 1, plot_black); /* the axes */
  plot_fill(img, x0, y0 + h, w + 1, 1, plot_black);
}

static void draw_panel(geocl_image *img, const plot_data *d, int m, int px, int py) {
  double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
  for (int i = 0; i < d->n_series; i++) {
    const series *s = &d->s[i];
    if (s->metric != m) continue;
    for (size_t k = 0; k < s->n; k++) {
      xlo = fmin(xlo, s->x[k]), xhi = fmax(xhi, s->x[k]);
      ylo = fmin(ylo, s->y[k]), yhi = fmax(yhi, s->y[k]);
    }
  }
  plot_axis ax = plot_make_axis(xlo, xhi), ay = plot_make_axis(ylo, yhi);
  int x0 = px + PLOT_LEFT, y0 = py + PLOT_TOP, w = PLOT_AREA_W, h = PLOT_AREA_H;
  char label[64];
  for (double t = ax.lo; t <= ax.hi + ax.step / 2; t += ax.step) {
    int x = x0 + (int)lround((t - ax.lo) / (ax.hi - ax.lo) * w);
    plot_fill(img, x, y0, 1, h, plot_grey);
    snprintf(label, sizeof label, "%.6g", t);
    plot_text(img, x - geocl_text_width(1, label) / 2, y0 + h + 8, 1, label, plot_dark);
  }
  plot_text(img, x0 + w - geocl_text_width(1, "step"), y0 + h + 24, 1, "step", plot_dark);
  plot_frame(img, d->metrics[m], ay, px, py);
  for (int i = 0; i < d->n_series; i++) {
    const series *s = &d->s[i];
    if (s->metric != m) continue;
    plot_rgb c = plot_palette[s->run % PLOT_COLOURS];
    double prev_x = 0, prev_y = 0;
    for (size_t k = 0; k < s->n; k++) {
      double x = x0 + (s->x[k] - ax.lo) / (ax.hi - ax.lo) * w, y = y0 + h - (s->y[k] - ay.lo) / (ay.hi - ay.lo) * h;
      if (k) plot_line(img, prev_x, prev_y, x, y, 2, c);
      if (s->n < 50) plot_fill(img, (int)lround(x) - 2, (int)lround(y) - 2, 5, 5, c); /* few points: show each */
      prev_x = x, prev_y = y;
    }
  }
}

geocl_status plot_render(const plot_data *d, const int *chosen, int n_chosen, geocl_image *img) {
  int cols = n_chosen > 1 ? 2 : 1, rows = (n_chosen + cols - 1) / cols;
  int legend = 12 + d->n_runs * PLOT_LEGEND_ROW;
  geocl_status st = plot_canvas_new(img, cols * PLOT_PANEL_W + 20, legend + rows * PLOT_PANEL_H + 10);
  if (st != GEOCL_OK) return st;
  for (int r = 0; r < d->n_runs; r++) {
    int y = 12 + r * PLOT_LEGEND_ROW;
    plot_fill(img, 20, y + 4, 28, 6, plot_palette[r % PLOT_COLOURS]);
    plot_text(img, 58, y, PLOT_SCALE, d->runs[r], plot_black);
  }
  for (int i = 0; i < n_chosen; i++)
    (d->bars ? plot_draw_bars : draw_panel)(img, d, chosen[i], 10 + i % cols * PLOT_PANEL_W, legend + i / cols * PLOT_PANEL_H);
  return GEOCL_OK;
}

void plot_data_free(plot_data *d) {
  for (int i = 0; i < d->n_runs; i++) free(d->runs[i]);
  for (int i = 0; i < d->n_metrics; i++) free(d->metrics[i]);
  for (int i = 0; i < d->n_series; i++) free(d->s[i].x), free(d->s[i].y);
  free(d->runs);
  free(d->metrics);
  free(d->s);
  memset(d, 0, sizeof *d);
}

