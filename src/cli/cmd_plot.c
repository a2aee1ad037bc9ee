/* SPDX-License-Identifier: MIT */
/* geocl plot: the curves of training runs' metrics.jsonl (loss, learning rate,
 * throughput, the task's metrics and validation) drawn to a PNG, runs
 * overlaid in one panel per metric.  No plotting library: plot_canvas.c. */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli.h"
#include "plot.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl plot RUN... [--out PLOT.png] [--metric NAME ...]\n"
          "       geocl plot --bars FILE [--out PLOT.png] [--metric NAME ...]\n"
          "\n"
          "Draw the curves of training runs to one PNG: a panel per metric (loss, lr,\n"
          "pairs_per_s, the task's metrics, then validation metrics as 'val NAME'), the\n"
          "runs overlaid in colours named in the legend, against the step.  RUN is a run\n"
          "directory (geocl pretrain/finetune --out) or a metrics.jsonl file.\n"
          "\n"
          "  --out FILE     the picture (default plot.png)\n"
          "  --metric NAME  draw only this metric (repeatable; e.g. --metric loss\n"
          "                 --metric 'val loss')\n"
          "  --bars FILE    instead of curves, final results as bars: FILE has one JSON\n"
          "                 object a line, {\"panel\": NAME, \"arm\": NAME, \"values\": [...]}\n"
          "                 (e.g. a metric of each seed); a panel per NAME, arms in the\n"
          "                 legend, a bar at the mean with a whisker over the values'\n"
          "                 range and a dot for each (tools/experiments/transfer)\n");
}

static int run(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'},
                                       {"metric", required_argument, 0, 'm'},
                                       {"bars", required_argument, 0, 'b'},
                                       {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  const char *out = "plot.png", *bars = NULL;
  const char **wanted = calloc((size_t)argc, sizeof *wanted);
  int n_wanted = 0, c, rc = CLI_OK;
  if (!wanted) return cli_fail("plot");
  optind = 1;
  while ((c = cli_getopt("plot", argc, argv, "h", opts, NULL)) != -1) {
    if (c == 'o') out = optarg;
    else if (c == 'm') wanted[n_wanted++] = optarg;
    else if (c == 'b') bars = optarg;
    else if (c == 'h') {
      help(stdout);
      free(wanted);
      return CLI_OK;
    } else {
      free(wanted);
      return CLI_USAGE;
    }
  }
  size_t len = strlen(out);
  bool no_input = bars ? optind < argc : optind >= argc;
  if (no_input || len < 4 || strcasecmp(out + len - 4, ".png")) {
    cli_error("plot", !no_input ? "--out %s: the picture is a PNG file; name it *.png"
                      : bars    ? "--bars draws one file; %s is one more (see 'geocl plot --help')"
                                : "name at least one run directory or metrics.jsonl (see 'geocl plot --help')",
              bars && no_input ? argv[optind] : out);
    free(wanted);
    return CLI_USAGE;
  }
  plot_data d = {0};
  geocl_status st = GEOCL_OK;
  if (bars) st = plot_read_bars(&d, bars);
  for (int i = optind; st == GEOCL_OK && i < argc; i++) st = plot_read_run(&d, argv[i]);
  int *chosen = calloc((size_t)(d.n_metrics + 1), sizeof *chosen), n_chosen = 0;
  if (st == GEOCL_OK && !chosen) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  if (st != GEOCL_OK) rc = cli_fail("plot");
  for (int i = 0; rc == CLI_OK && i < n_wanted; i++) {
    int m = 0;
    while (m < d.n_metrics && strcmp(d.metrics[m], wanted[i])) m++;
    if (m == d.n_metrics) {
      cli_error("plot", "--metric %s: the runs have no such metric (see their metrics.jsonl)", wanted[i]);
      rc = CLI_USAGE;
    } else {
      chosen[n_chosen++] = m;
    }
  }
  if (rc == CLI_OK && !n_wanted)
    for (int m = 0; m < d.n_metrics; m++) chosen[n_chosen++] = m;
  if (rc == CLI_OK && !n_chosen) {
    cli_error("plot", bars ? "no bars to draw: %s has no values" : "no metrics to draw: the runs have logged no step yet",
              bars);
    rc = CLI_FAIL;
  }
  geocl_image img = {0};
  if (rc == CLI_OK && (plot_render(&d, chosen, n_chosen, &img) != GEOCL_OK || geocl_image_write_png(out, &img) != GEOCL_OK))
    rc = cli_fail("plot");
  geocl_image_free(&img);
  if (rc == CLI_OK) printf("wrote %s (%d %s%s, %d metric%s)\n", out, d.n_runs, bars ? "arm" : "run",
                           d.n_runs == 1 ? "" : "s", n_chosen, n_chosen == 1 ? "" : "s");
  free(chosen);
  free(wanted);
  plot_data_free(&d);
  return rc;
}

const cli_command cli_plot = {"plot", "draw training runs' metrics.jsonl curves to a PNG", run, help};
