/* SPDX-License-Identifier: MIT */
/* Named outputs of a forward pass, and accumulated evaluation metrics. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <geocl/plugin.h>

static geocl_status add_output(geocl_outputs *out, const char *name, geocl_tensor *t, bool metric) {
  if (!t) return geocl_last_status() ? geocl_last_status() : geocl_set_error(GEOCL_E_INVALID, "output %s is NULL", name);
  if (metric && geocl_numel(t) != 1)
    return geocl_set_error(GEOCL_E_SHAPE, "metric %s has %lld elements, not one", name, (long long)geocl_numel(t));
  if (out->n == GEOCL_MAX_OUTPUTS) return geocl_set_error(GEOCL_E_INVALID, "more than %d outputs", GEOCL_MAX_OUTPUTS);
  out->names[out->n] = name;
  out->metric[out->n] = metric;
  out->tensors[out->n++] = t;
  return GEOCL_OK;
}

geocl_status geocl_outputs_add(geocl_outputs *out, const char *name, geocl_tensor *t) {
  return add_output(out, name, t, false);
}

geocl_status geocl_outputs_add_metric(geocl_outputs *out, const char *name, geocl_tensor *t) {
  return add_output(out, name, t, true);
}

geocl_tensor *geocl_outputs_get(const geocl_outputs *out, const char *name) {
  for (int i = 0; i < out->n; i++)
    if (!strcmp(out->names[i], name)) return out->tensors[i];
  return NULL;
}

static int metric_find(const geocl_metrics *m, const char *name) {
  for (int i = 0; i < m->n; i++)
    if (!strcmp(m->names[i], name)) return i;
  return -1;
}

static int metric_index(geocl_metrics *m, const char *name) {
  int i = metric_find(m, name);
  if (i >= 0) return i;
  if (m->n == GEOCL_MAX_METRICS || strlen(name) >= sizeof m->names[0]) {
    geocl_set_error(GEOCL_E_INVALID, "metric %s: at most %d metrics of names under %zu characters", name,
                    GEOCL_MAX_METRICS, sizeof m->names[0]);
    return -1;
  }
  snprintf(m->names[m->n], sizeof m->names[0], "%s", name);
  m->sum[m->n] = m->count[m->n] = 0;
  return m->n++;
}

geocl_status geocl_metrics_add(geocl_metrics *m, const char *name, double sum, double count) {
  int i = metric_index(m, name);
  if (i < 0) return geocl_last_status();
  m->sum[i] += sum;
  m->count[i] += count;
  return GEOCL_OK;
}

geocl_status geocl_metrics_set(geocl_metrics *m, const char *name, double value) {
  int i = metric_index(m, name);
  if (i < 0) return geocl_last_status();
  m->sum[i] = value;
  m->count[i] = 1;
  return GEOCL_OK;
}

double geocl_metrics_value(const geocl_metrics *m, const char *name) {
  int i = metric_find(m, name);
  return i >= 0 && m->count[i] > 0 ? m->sum[i] / m->count[i] : NAN;
}
