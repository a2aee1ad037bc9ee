/* SPDX-License-Identifier: MIT */
/* The simipu options parsed and checked: list-valued options are written as
 * in the official config, flattened (";" between layers, "/" between the
 * rings of a layer, "," between values). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simipu.h"

/* Parse `count` numbers separated by `sep` from text into out (doubles). */
static geocl_status numbers(const char *key, const char *text, char sep, int count, double *out) {
  const char *s = text;
  for (int i = 0; i < count; i++) {
    char *end;
    out[i] = strtod(s, &end);
    bool last = i == count - 1;
    if (end == s || (last ? *end != 0 && *end != ';' && *end != '/' : *end != sep))
      return geocl_set_error(GEOCL_E_INVALID, "simipu: %s=%s: expected %d numbers separated by '%c'", key, text,
                             count, sep);
    s = end + 1;
  }
  return GEOCL_OK;
}

/* Part i of text split at sep, into buf. */
static const char *part(const char *text, char sep, int i, char *buf, size_t size) {
  for (; i > 0 && text; i--) {
    text = strchr(text, sep);
    if (text) text++;
  }
  if (!text) return NULL;
  size_t n = strcspn(text, (char[]){sep, 0});
  if (n >= size) n = size - 1;
  memcpy(buf, text, n);
  buf[n] = 0;
  return buf;
}

static int count_parts(const char *text, char sep) {
  int n = 1;
  for (; *text; text++) n += *text == sep;
  return n;
}

/* A per-layer list: SIMIPU_SA layers of `per` numbers each. */
static geocl_status per_layer(const geocl_config *cfg, const char *key, int per, double out[SIMIPU_SA][SIMIPU_SCALES]) {
  const char *text = geocl_config_str(cfg, key);
  if (count_parts(text, ';') != SIMIPU_SA)
    return geocl_set_error(GEOCL_E_INVALID, "simipu: %s=%s: expected %d layers separated by ';'", key, text, SIMIPU_SA);
  char buf[256];
  geocl_status st = GEOCL_OK;
  for (int l = 0; l < SIMIPU_SA && st == GEOCL_OK; l++) st = numbers(key, part(text, ';', l, buf, sizeof buf), ',', per, out[l]);
  return st;
}

static geocl_status flat(const geocl_config *cfg, const char *key, int64_t out[SIMIPU_SA]) {
  double v[SIMIPU_SA];
  geocl_status st = numbers(key, geocl_config_str(cfg, key), ',', SIMIPU_SA, v);
  for (int i = 0; i < SIMIPU_SA; i++) out[i] = (int64_t)v[i];
  return st;
}

static geocl_status channels(const geocl_config *cfg, simipu_config *c) {
  const char *text = geocl_config_str(cfg, "sa_channels");
  char layer[512], ring[128];
  for (int l = 0; l < SIMIPU_SA; l++) {
    if (count_parts(text, ';') != SIMIPU_SA || !part(text, ';', l, layer, sizeof layer) ||
        count_parts(layer, '/') != SIMIPU_SCALES)
      return geocl_set_error(GEOCL_E_INVALID, "simipu: sa_channels=%s: expected %d layers (';') of %d rings ('/') of "
                             "%d widths (',')", text, SIMIPU_SA, SIMIPU_SCALES, SIMIPU_MLP);
    for (int r = 0; r < SIMIPU_SCALES; r++) {
      double w[SIMIPU_MLP];
      geocl_status st = numbers("sa_channels", part(layer, '/', r, ring, sizeof ring), ',', SIMIPU_MLP, w);
      if (st != GEOCL_OK) return st;
      for (int k = 0; k < SIMIPU_MLP; k++) c->channels[l][r][k] = (int64_t)w[k];
    }
  }
  return GEOCL_OK;
}

/* "640x192,2400x720": the (long, short) edge targets at each end of the range. */
static geocl_status img_scale(const geocl_config *cfg, simipu_config *c) {
  const char *text = geocl_config_str(cfg, "img_scale");
  long l0, s0, l1, s1;
  char extra;
  if (sscanf(text, "%ldx%ld,%ldx%ld%c", &l0, &s0, &l1, &s1, &extra) != 4 || l0 < 1 || s0 < 1 || l1 < 1 || s1 < 1)
    return geocl_set_error(GEOCL_E_INVALID, "simipu: img_scale=%s: expected LONGxSHORT,LONGxSHORT (e.g. 640x192,2400x720)",
                           text);
  c->scale_long[0] = l0 < l1 ? l0 : l1;
  c->scale_long[1] = l0 < l1 ? l1 : l0;
  c->scale_short[0] = s0 < s1 ? s0 : s1;
  c->scale_short[1] = s0 < s1 ? s1 : s0;
  return GEOCL_OK;
}

static geocl_status check(const simipu_config *c) {
  if (c->img_depth != 18 && c->img_depth != 34 && c->img_depth != 50 && c->img_depth != 101 && c->img_depth != 152)
    return geocl_set_error(GEOCL_E_INVALID, "simipu: img_depth=%d: expected 18, 34, 50, 101 or 152", c->img_depth);
  if (c->img_h < 32 || c->img_w < 32 || c->img_h % 32 || c->img_w % 32)
    return geocl_set_error(GEOCL_E_INVALID, "simipu: img_size=%lldx%lld: both must be multiples of 32",
                           (long long)c->img_h, (long long)c->img_w);
  if (c->scale_long[1] > c->img_w || c->scale_short[1] > c->img_h)
    return geocl_set_error(GEOCL_E_INVALID, "simipu: img_scale up to %lldx%lld does not fit img_size=%lldx%lld",
                           (long long)c->scale_long[1], (long long)c->scale_short[1], (long long)c->img_h,
                           (long long)c->img_w);
  int64_t sa2 = 2 * c->sa_points[1];
  if (c->sa_points[0] < 1 || c->sa_points[0] > c->num_points || sa2 > c->sa_points[0] || c->sa_points[2] < 1 ||
      c->sa3_fps_range < c->sa_points[2] || sa2 - c->sa3_fps_range < c->sa_points[2])
    return geocl_set_error(GEOCL_E_INVALID, "simipu: sa_points=%lld,%lld,%lld with sa3_fps_range=%lld over %lld points: "
                           "SA1 picks at most num_points, SA2 twice its count of at most SA1's, SA3 its count from "
                           "[0, range) and from the rest of SA2's", (long long)c->sa_points[0],
                           (long long)c->sa_points[1], (long long)c->sa_points[2], (long long)c->sa3_fps_range,
                           (long long)c->num_points);
  for (int l = 0; l < SIMIPU_SA; l++)
    for (int r = 0; r < SIMIPU_SCALES; r++)
      if (c->samples[l][r] < 1 || !(c->radii[l][r] > (r ? c->radii[l][r - 1] : 0)))
        return geocl_set_error(GEOCL_E_INVALID, "simipu: layer %d ring %d: radii must grow and samples be positive",
                               l + 1, r + 1);
  if (c->group_size < 1 || !(c->T > 0))
    return geocl_set_error(GEOCL_E_INVALID, "simipu: group_size must be at least 1 and T positive");
  return GEOCL_OK;
}

geocl_status simipu_config_parse(const geocl_config *cfg, simipu_config *c) {
  memset(c, 0, sizeof *c);
  c->img_depth = (int)geocl_config_int(cfg, "img_depth");
  c->num_points = geocl_config_int(cfg, "num_points");
  geocl_config_size(cfg, "img_size", &c->img_h, &c->img_w);
  c->sa3_fps_range = geocl_config_int(cfg, "sa3_fps_range");
  c->intro_hidden = geocl_config_int(cfg, "pts_intro_hidden_dim");
  c->intro_out = geocl_config_int(cfg, "pts_intro_out_dim");
  c->img_hidden = geocl_config_int(cfg, "img_inter_hidden_dim");
  c->img_out = geocl_config_int(cfg, "img_inter_out_dim");
  c->pts_hidden = geocl_config_int(cfg, "pts_inter_hidden_dim");
  c->pts_out = geocl_config_int(cfg, "pts_inter_out_dim");
  c->T = (float)geocl_config_float(cfg, "T");
  c->group_size = (int)geocl_config_int(cfg, "group_size");
  c->img_conv1x1 = geocl_config_bool(cfg, "img_conv1x1");
  const char *norm = geocl_config_str(cfg, "sample_norm");
  if (strcmp(norm, "pad") && strcmp(norm, "input"))
    return geocl_set_error(GEOCL_E_INVALID, "simipu: sample_norm=%s: expected pad (each image's padded size, as the "
                           "official code) or input (the padded batch's)", norm);
  c->pad_norm = !strcmp(norm, "pad");
  double radii[SIMIPU_SA][SIMIPU_SCALES], samples[SIMIPU_SA][SIMIPU_SCALES];
  geocl_status st = img_scale(cfg, c);
  if (st == GEOCL_OK) st = flat(cfg, "sa_points", c->sa_points);
  if (st == GEOCL_OK) st = flat(cfg, "aggregation_channels", c->aggregation);
  if (st == GEOCL_OK) st = per_layer(cfg, "sa_radii", SIMIPU_SCALES, radii);
  if (st == GEOCL_OK) st = per_layer(cfg, "sa_samples", SIMIPU_SCALES, samples);
  if (st == GEOCL_OK) st = channels(cfg, c);
  if (st != GEOCL_OK) return st;
  for (int l = 0; l < SIMIPU_SA; l++)
    for (int r = 0; r < SIMIPU_SCALES; r++) {
      c->radii[l][r] = (float)radii[l][r];
      c->samples[l][r] = (int)samples[l][r];
    }
  return check(c);
}

int64_t simipu_keypoints(const simipu_config *c) { return 2 * c->sa_points[2]; }

int64_t simipu_img_channels(const simipu_config *c) { return c->img_depth >= 50 ? 2048 : 512; }
