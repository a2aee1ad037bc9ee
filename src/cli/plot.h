/* SPDX-License-Identifier: MIT */
/* geocl plot's data and drawing (plot.c): runs' metrics.jsonl read into
 * series, drawn as one panel per metric with the runs overlaid; or
 * (plot_bars.c) final metrics of several arms drawn as bars with their
 * spread. */
#ifndef GEOCL_PLOT_H
#define GEOCL_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "plot_canvas.h"

/* The points of one metric of one run, in file order. */
typedef struct series {
  int run;
  int metric;
  size_t n, cap;
  double *x, *y;
} series;

typedef struct plot_data {
  char **runs; /* legend names */
  int n_runs;
  char **metrics; /* panel names, in the order first seen */
  int n_metrics;
  series *s;
  int n_series;
  bool bars; /* runs are arms, metrics panels, series the values of each (plot_read_bars) */
} plot_data;

/* Read RUN (a run directory or a metrics.jsonl file) as the next run: its
 * training lines give the metrics but step, epoch and time_s, its validation
 * lines "val NAME"; non-finite values are left out. */
geocl_status plot_read_run(plot_data *d, const char *arg);
void plot_data_free(plot_data *d); /* and zero it */

/* FILE of bar lines, one JSON object a line: {"panel": NAME, "arm": NAME,
 * "values": [numbers]} (e.g. a metric's value for each seed).  Arms become
 * the legend in the order first seen, panels in the order first seen. */
geocl_status plot_read_bars(plot_data *d, const char *path);

/* The picture of metrics chosen[0..n): a legend of the runs, then panels two
 * to a row (one when n is 1), each PLOT_PANEL_W x PLOT_PANEL_H with its plot
 * area PLOT_LEFT.. from the left and PLOT_TOP.. from the top.  y axes span
 * the data rounded out to 1, 2 or 5 times a power of ten. */
enum {
  PLOT_PANEL_W = 560, PLOT_PANEL_H = 340, PLOT_LEFT = 78, PLOT_RIGHT = 16, PLOT_TOP = 34, PLOT_BOTTOM = 40,
  PLOT_LEGEND_ROW = 24, PLOT_COLOURS = 8,
  PLOT_AREA_W = PLOT_PANEL_W - PLOT_LEFT - PLOT_RIGHT, PLOT_AREA_H = PLOT_PANEL_H - PLOT_TOP - PLOT_BOTTOM
};
extern const plot_rgb plot_palette[PLOT_COLOURS]; /* run i is drawn in plot_palette[i % PLOT_COLOURS] */
geocl_status plot_render(const plot_data *d, const int *chosen, int n, geocl_image *img);

/* Each non-blank line of path given to reader (with its 1-based number), until
 * one fails; shared by the two readers. */
typedef geocl_status (*plot_line_reader)(plot_data *d, int run, const char *path, long lineno, const char *text);
geocl_status plot_read_lines(plot_data *d, int run, const char *path, plot_line_reader reader);

/* Shared by the two kinds of panel. */
typedef struct plot_axis {
  double lo, hi, step;
} plot_axis;
extern const plot_rgb plot_black, plot_grey, plot_dark;
plot_axis plot_make_axis(double lo, double hi); /* lo..hi rounded out to ticks */
int plot_find_or_add(char ***names, int *n, const char *name); /* index of name, added if new; -1 out of memory */
geocl_status plot_add_point(plot_data *d, int run, const char *metric, double x, double y); /* non-finite: left out */
/* The panel's title, the y axis's grid and labels, the axes, for the panel
 * whose top-left corner is (px, py). */
void plot_frame(geocl_image *img, const char *title, plot_axis ay, int px, int py);
void plot_draw_bars(geocl_image *img, const plot_data *d, int panel, int px, int py);

#endif
