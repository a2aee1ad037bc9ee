/* SPDX-License-Identifier: MIT */
/* geocl plot's data and drawing (plot.c): runs' metrics.jsonl read into
 * series, drawn as one panel per metric with the runs overlaid. */
#ifndef GEOCL_PLOT_H
#define GEOCL_PLOT_H

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
} plot_data;

/* Read RUN (a run directory or a metrics.jsonl file) as the next run: its
 * training lines give the metrics but step, epoch and time_s, its validation
 * lines "val NAME"; non-finite values are left out. */
geocl_status plot_read_run(plot_data *d, const char *arg);
void plot_data_free(plot_data *d); /* and zero it */

/* The picture of metrics chosen[0..n): a legend of the runs, then panels two
 * to a row (one when n is 1), each PLOT_PANEL_W x PLOT_PANEL_H with its plot
 * area PLOT_LEFT.. from the left and PLOT_TOP.. from the top.  y axes span
 * the data rounded out to 1, 2 or 5 times a power of ten. */
enum {
  PLOT_PANEL_W = 560, PLOT_PANEL_H = 340, PLOT_LEFT = 78, PLOT_RIGHT = 16, PLOT_TOP = 34, PLOT_BOTTOM = 40,
  PLOT_LEGEND_ROW = 24, PLOT_COLOURS = 8
};
extern const plot_rgb plot_palette[PLOT_COLOURS]; /* run i is drawn in plot_palette[i % PLOT_COLOURS] */
geocl_status plot_render(const plot_data *d, const int *chosen, int n, geocl_image *img);

#endif
