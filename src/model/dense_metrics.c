/* SPDX-License-Identifier: MIT */
/* Metrics of the stereo, flow and depth tasks (geocl/dense_metrics.h).
 * Accumulators: stereo and flow keep pooled sums over pixels under
 * "s.<name>" with the pixel count; depth keeps per-image values summed over
 * images.  The report turns them into the values geocl prints. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <geocl/dense_metrics.h>

static const double stereo_bad[4] = {0.5, 1, 2, 3};
static const double flow_bad[4] = {0.5, 1, 3, 5};
static const double speed_bins[4] = {0, 10, 40, INFINITY};
static const char *const speed_names[3] = {"s0-10", "s10-40", "s40+"};

geocl_dense_task geocl_dense_task_of(const geocl_plugin *p) {
  geocl_fields f = p ? geocl_fields_of(p->train_fields) : 0;
  if (f & 1u << GEOCL_FIELD_DISPARITY) return GEOCL_DENSE_STEREO;
  if (f & 1u << GEOCL_FIELD_FLOW) return GEOCL_DENSE_FLOW;
  if (f & 1u << GEOCL_FIELD_DEPTH) return GEOCL_DENSE_DEPTH;
  return GEOCL_DENSE_NONE;
}

static bool known(const float *valid, size_t i) { return !valid || valid[i] > 0.5f; }

static const char *bad_name(double t, char *buf, size_t size) {
  snprintf(buf, size, "bad@%g", t);
  return buf;
}

geocl_status geocl_stereo_metrics_add(geocl_metrics *acc, const float *pred, const float *gt, const float *valid,
                                      size_t n) {
  double abs_sum = 0, sq_sum = 0, bad[4] = {0}, count = 0;
  for (size_t i = 0; i < n; i++) {
    if (!known(valid, i)) continue;
    double e = fabs((double)pred[i] - gt[i]);
    abs_sum += e;
    sq_sum += e * e;
    for (int k = 0; k < 4; k++) bad[k] += e > stereo_bad[k];
    count++;
  }
  geocl_status st = geocl_metrics_add(acc, "avgerr", abs_sum, count);
  if (st == GEOCL_OK) st = geocl_metrics_add(acc, "rmse", sq_sum, count);
  char name[32];
  for (int k = 0; k < 4 && st == GEOCL_OK; k++)
    st = geocl_metrics_add(acc, bad_name(stereo_bad[k], name, sizeof name), 100 * bad[k], count);
  return st;
}

geocl_status geocl_flow_metrics_add(geocl_metrics *acc, const float *pred, const float *gt, const float *valid,
                                    size_t n) {
  double epe = 0, l1 = 0, bad[4] = {0}, count = 0, bin_epe[3] = {0}, bin_n[3] = {0};
  for (size_t i = 0; i < n; i++) {
    if (!known(valid, i)) continue;
    double du = (double)pred[i] - gt[i], dv = (double)pred[n + i] - gt[n + i];
    double e = sqrt(du * du + dv * dv), speed = sqrt((double)gt[i] * gt[i] + (double)gt[n + i] * gt[n + i]);
    epe += e;
    l1 += fabs(du) + fabs(dv);
    for (int k = 0; k < 4; k++) bad[k] += e > flow_bad[k];
    for (int b = 0; b < 3; b++)
      if (speed >= speed_bins[b] && speed < speed_bins[b + 1]) {
        bin_epe[b] += e;
        bin_n[b]++;
      }
    count++;
  }
  geocl_status st = geocl_metrics_add(acc, "EPE", epe, count);
  if (st == GEOCL_OK) st = geocl_metrics_add(acc, "L1", l1, count);
  char name[32];
  for (int k = 0; k < 4 && st == GEOCL_OK; k++)
    st = geocl_metrics_add(acc, bad_name(flow_bad[k], name, sizeof name), 100 * bad[k], count);
  for (int b = 0; b < 3 && st == GEOCL_OK; b++) st = geocl_metrics_add(acc, speed_names[b], bin_epe[b], bin_n[b]);
  return st;
}

void geocl_depth_eval_default(geocl_depth_eval *e) {
  e->min_depth = 1e-3;
  e->max_depth = 80;
  e->crop = GEOCL_DEPTH_CROP_NONE;
}

static const char *const depth_names[9] = {"abs_rel", "sq_rel", "rmse", "rmse_log", "silog",
                                           "log10",   "delta1", "delta2", "delta3"};

geocl_status geocl_depth_metrics_add(geocl_metrics *acc, const float *pred, const float *gt, const float *valid,
                                     int width, int height, const geocl_depth_eval *e) {
  int y0 = 0, y1 = height, x0 = 0, x1 = width;
  if (e->crop != GEOCL_DEPTH_CROP_NONE) {
    bool garg = e->crop == GEOCL_DEPTH_CROP_GARG;
    y0 = (int)((garg ? 0.40810811 : 0.3324324) * height);
    y1 = (int)((garg ? 0.99189189 : 0.91351351) * height);
    x0 = (int)(0.03594771 * width);
    x1 = (int)(0.96405229 * width);
  }
  double s[9] = {0}, g_sum = 0, g_sq = 0, n = 0;
  for (int y = y0; y < y1; y++)
    for (int x = x0; x < x1; x++) {
      size_t i = (size_t)y * width + x;
      double d = gt[i];
      if (!known(valid, i) || !(d > e->min_depth && d < e->max_depth)) continue;
      double p = fmin(fmax(pred[i], e->min_depth), e->max_depth), diff = p - d, g = log(p) - log(d);
      double ratio = fmax(p / d, d / p);
      s[0] += fabs(diff) / d;
      s[1] += diff * diff / d;
      s[2] += diff * diff;
      s[3] += g * g;
      s[5] += fabs(log10(p) - log10(d));
      s[6] += ratio < 1.25;
      s[7] += ratio < 1.25 * 1.25;
      s[8] += ratio < 1.25 * 1.25 * 1.25;
      g_sum += g;
      g_sq += g * g;
      n++;
    }
  if (n == 0) return GEOCL_OK;
  double v[9];
  for (int k = 0; k < 9; k++) v[k] = s[k] / n;
  v[2] = sqrt(v[2]);
  v[3] = sqrt(v[3]);
  double var = g_sq / n - (g_sum / n) * (g_sum / n);
  v[4] = 100 * sqrt(var > 0 ? var : 0);
  geocl_status st = GEOCL_OK;
  for (int k = 0; k < 9 && st == GEOCL_OK; k++) st = geocl_metrics_add(acc, depth_names[k], v[k], 1);
  return st;
}

geocl_status geocl_dense_metrics_report(geocl_dense_task task, const geocl_metrics *acc, geocl_metrics *report) {
  memset(report, 0, sizeof *report);
  char name[32];
  geocl_status st = GEOCL_OK;
  switch (task) {
  case GEOCL_DENSE_STEREO:
    st = geocl_metrics_set(report, "avgerr", geocl_metrics_value(acc, "avgerr"));
    if (st == GEOCL_OK) st = geocl_metrics_set(report, "rmse", sqrt(geocl_metrics_value(acc, "rmse")));
    for (int k = 0; k < 4 && st == GEOCL_OK; k++) {
      bad_name(stereo_bad[k], name, sizeof name);
      st = geocl_metrics_set(report, name, geocl_metrics_value(acc, name));
    }
    return st;
  case GEOCL_DENSE_FLOW:
    st = geocl_metrics_set(report, "EPE", geocl_metrics_value(acc, "EPE"));
    if (st == GEOCL_OK) st = geocl_metrics_set(report, "L1", geocl_metrics_value(acc, "L1"));
    for (int k = 0; k < 4 && st == GEOCL_OK; k++) {
      bad_name(flow_bad[k], name, sizeof name);
      st = geocl_metrics_set(report, name, geocl_metrics_value(acc, name));
    }
    for (int b = 0; b < 3 && st == GEOCL_OK; b++)
      st = geocl_metrics_set(report, speed_names[b], geocl_metrics_value(acc, speed_names[b]));
    return st;
  case GEOCL_DENSE_DEPTH:
    for (int k = 0; k < 9 && st == GEOCL_OK; k++)
      st = geocl_metrics_set(report, depth_names[k], geocl_metrics_value(acc, depth_names[k]));
    return st;
  default: return geocl_set_error(GEOCL_E_INVALID, "dense metrics: unknown task %d", (int)task);
  }
}
