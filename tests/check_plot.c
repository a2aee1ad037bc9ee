/* SPDX-License-Identifier: MIT */
/* geocl plot's drawing: runs' metrics.jsonl read into series (validation lines
 * as "val NAME", non-finite values left out, bad lines named by file and line),
 * curves placed where their values lie on the axes, and bars (geocl plot
 * --bars) at the mean of their values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/cli/plot.h"
#include "testutil.h"

static char dir[4400];

static void write_file(const char *name, const char *text) {
  char p[4500];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  ck_assert_ptr_nonnull(f);
  fputs(text, f);
  ck_assert_int_eq(fclose(f), 0);
}

static void setup(void) {
  snprintf(dir, sizeof dir, "%s", test_tmpdir());
  /* run a: loss 1 throughout; run b: loss 3 throughout; lr only in a */
  write_file("a.jsonl", "{\"step\": 0, \"epoch\": 0, \"loss\": 1, \"lr\": 0.5, \"time_s\": 1}\n"
                        "{\"step\": 10, \"val\": {\"loss\": 2.5}}\n"
                        "\n"
                        "{\"step\": 20, \"epoch\": 0.1, \"loss\": 1.0, \"lr\": 1e-3, \"time_s\": 2}\n");
  write_file("b.jsonl", "{\"step\": 0, \"epoch\": 0, \"loss\": 3, \"time_s\": 1}\n"
                        "{\"step\": 20, \"epoch\": 0.1, \"loss\": 3, \"time_s\": 2}\n");
  write_file("bad.jsonl", "{\"step\": 1, \"loss\": 1}\nnot json\n");
  /* arm a's bar at the mean 2 (values 1 and 3), arm b's at 4, an axis from 0 to 4 */
  write_file("bars.jsonl", "{\"panel\": \"depth abs_rel\", \"arm\": \"a\", \"values\": [1, 3]}\n"
                           "{\"panel\": \"depth abs_rel\", \"arm\": \"b\", \"values\": [4, 4, 4]}\n"
                           "{\"panel\": \"rmse\", \"arm\": \"b\", \"values\": [1]}\n");
  write_file("bad_bars.jsonl", "{\"panel\": \"p\", \"arm\": \"a\", \"values\": [1]}\n"
                               "{\"panel\": \"p\", \"arm\": \"a\", \"values\": [\"x\"]}\n");
}

static int metric(const plot_data *d, const char *name) {
  for (int i = 0; i < d->n_metrics; i++)
    if (!strcmp(d->metrics[i], name)) return i;
  return -1;
}

static const series *find(const plot_data *d, int run, const char *name) {
  int m = metric(d, name);
  for (int i = 0; i < d->n_series; i++)
    if (d->s[i].run == run && d->s[i].metric == m) return &d->s[i];
  return NULL;
}

static void read_ab(plot_data *d) {
  char p[4500];
  snprintf(p, sizeof p, "%s/a.jsonl", dir);
  ck_assert_int_eq(plot_read_run(d, p), GEOCL_OK);
  snprintf(p, sizeof p, "%s/b.jsonl", dir);
  ck_assert_int_eq(plot_read_run(d, p), GEOCL_OK);
}

START_TEST(reads_series) {
  plot_data d = {0};
  read_ab(&d);
  ck_assert_int_eq(d.n_runs, 2);
  ck_assert_str_eq(d.runs[0], "a.jsonl");
  ck_assert_int_eq(d.n_metrics, 3); /* loss, lr, val loss: not step, epoch or time_s */
  ck_assert_int_eq(metric(&d, "loss"), 0);
  ck_assert_int_eq(metric(&d, "lr"), 1);
  ck_assert_int_eq(metric(&d, "val loss"), 2);
  const series *s = find(&d, 0, "lr");
  ck_assert_ptr_nonnull(s);
  ck_assert_uint_eq(s->n, 2);
  ck_assert_double_eq(s->x[1], 20);
  ck_assert_double_eq(s->y[1], 1e-3);
  ck_assert_ptr_null(find(&d, 1, "lr"));
  s = find(&d, 0, "val loss");
  ck_assert_uint_eq(s->n, 1);
  ck_assert_double_eq(s->x[0], 10);
  ck_assert_double_eq(s->y[0], 2.5);
  plot_data_free(&d);
}
END_TEST

START_TEST(bad_line_named) {
  plot_data d = {0};
  char p[4500], want[4600];
  snprintf(p, sizeof p, "%s/bad.jsonl", dir);
  ck_assert_int_eq(plot_read_run(&d, p), GEOCL_E_FORMAT);
  snprintf(want, sizeof want, "%s:2: not a metrics line", p);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), want));
  plot_data_free(&d);
  snprintf(p, sizeof p, "%s/missing", dir);
  ck_assert_int_eq(plot_read_run(&d, p), GEOCL_E_IO);
  plot_data_free(&d);
}
END_TEST

/* The rows of the plot area where colour c covers most of a row. */
static int row_of(const geocl_image *img, int x0, int x1, int y0, int y1, plot_rgb c) {
  int best = -1, best_n = 0;
  for (int y = y0; y < y1; y++) {
    int n = 0;
    for (int x = x0; x < x1; x++) {
      const uint8_t *p = (const uint8_t *)img->data + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
      n += p[0] == c.r && p[1] == c.g && p[2] == c.b;
    }
    if (n > best_n) best_n = n, best = y;
  }
  return best_n > (x1 - x0) / 2 ? best : -1;
}

START_TEST(curves_where_values_lie) {
  plot_data d = {0};
  read_ab(&d);
  int chosen[] = {0}; /* loss: 1 (run a) and 3 (run b), an axis from 1 to 3 */
  geocl_image img = {0};
  ck_assert_int_eq(plot_render(&d, chosen, 1, &img), GEOCL_OK);
  int legend = 12 + 2 * PLOT_LEGEND_ROW;
  ck_assert_int_eq(img.width, PLOT_PANEL_W + 20);
  ck_assert_int_eq(img.height, legend + PLOT_PANEL_H + 10);
  int x0 = 10 + PLOT_LEFT, x1 = 10 + PLOT_PANEL_W - PLOT_RIGHT, top = legend + PLOT_TOP;
  int h = PLOT_PANEL_H - PLOT_TOP - PLOT_BOTTOM;
  /* 1 on the bottom of the axis, 3 on its top (a line 2 pixels wide, drawn from one row above) */
  int ya = row_of(&img, x0, x1, legend, legend + PLOT_PANEL_H, plot_palette[0]);
  int yb = row_of(&img, x0, x1, legend, legend + PLOT_PANEL_H, plot_palette[1]);
  ck_assert_int_ge(ya, top + h - 1);
  ck_assert_int_le(ya, top + h);
  ck_assert_int_ge(yb, top - 1);
  ck_assert_int_le(yb, top);
  /* the legend shows both colours */
  ck_assert_int_ge(row_of(&img, 20, 48, 0, legend, plot_palette[0]), 0);
  ck_assert_int_ge(row_of(&img, 20, 48, 0, legend, plot_palette[1]), 0);
  geocl_image_free(&img);
  /* two metrics: two panels side by side */
  int both[] = {0, 1};
  ck_assert_int_eq(plot_render(&d, both, 2, &img), GEOCL_OK);
  ck_assert_int_eq(img.width, 2 * PLOT_PANEL_W + 20);
  geocl_image_free(&img);
  plot_data_free(&d);
}
END_TEST

/* The top row of the bar of colour c in columns x0..x1 (-1 if none). */
static int bar_top(const geocl_image *img, int x0, int x1, int y0, int y1, plot_rgb c) {
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      const uint8_t *p = (const uint8_t *)img->data + ((size_t)y * (size_t)img->width + (size_t)x) * 3;
      if (p[0] == c.r && p[1] == c.g && p[2] == c.b) return y;
    }
  return -1;
}

START_TEST(bars_at_the_mean) {
  plot_data d = {0};
  char p[4500];
  snprintf(p, sizeof p, "%s/bars.jsonl", dir);
  ck_assert_int_eq(plot_read_bars(&d, p), GEOCL_OK);
  ck_assert(d.bars);
  ck_assert_int_eq(d.n_runs, 2);
  ck_assert_str_eq(d.runs[1], "b");
  ck_assert_int_eq(d.n_metrics, 2);
  ck_assert_uint_eq(find(&d, 1, "depth abs_rel")->n, 3);
  int chosen[] = {0};
  geocl_image img = {0};
  ck_assert_int_eq(plot_render(&d, chosen, 1, &img), GEOCL_OK);
  int legend = 12 + 2 * PLOT_LEGEND_ROW, top = legend + PLOT_TOP, h = PLOT_AREA_H;
  int x0 = 10 + PLOT_LEFT, half = x0 + PLOT_AREA_W / 2;
  /* a (left half) reaches half the axis, b (right half) the top */
  int ya = bar_top(&img, x0, half, legend, legend + PLOT_PANEL_H, plot_palette[0]);
  int yb = bar_top(&img, half, x0 + PLOT_AREA_W, legend, legend + PLOT_PANEL_H, plot_palette[1]);
  ck_assert_int_ge(ya, top + h / 2 - 1);
  ck_assert_int_le(ya, top + h / 2 + 1);
  ck_assert_int_ge(yb, top - 1);
  ck_assert_int_le(yb, top + 1);
  geocl_image_free(&img);
  /* a panel with b alone: its bar in the middle, where a's slot would be */
  chosen[0] = 1;
  ck_assert_int_eq(plot_render(&d, chosen, 1, &img), GEOCL_OK);
  int mid = x0 + PLOT_AREA_W / 2;
  ck_assert_int_ge(bar_top(&img, mid - 2, mid + 2, legend, legend + PLOT_PANEL_H, plot_palette[1]), 0);
  geocl_image_free(&img);
  plot_data_free(&d);
  snprintf(p, sizeof p, "%s/bad_bars.jsonl", dir);
  ck_assert_int_eq(plot_read_bars(&d, p), GEOCL_E_FORMAT);
  char want[4600];
  snprintf(want, sizeof want, "%s:2: value 0 is not a number", p);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), want));
  plot_data_free(&d);
}
END_TEST

int main(void) {
  Suite *s = suite_create("plot");
  TCase *tc = tcase_create("plot");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, reads_series);
  tcase_add_test(tc, bad_line_named);
  tcase_add_test(tc, curves_where_values_lie);
  tcase_add_test(tc, bars_at_the_mean);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
