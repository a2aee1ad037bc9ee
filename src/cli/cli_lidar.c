/* SPDX-License-Identifier: MIT */
/* Batches of the "lidar" pipeline without a data set: for geocl bench step
 * and geocl tune, made-up frames with a camera looking along the LiDAR's x
 * axis (90 degrees across) and points scattered in its view; for geocl
 * forward, one sample from an image and a points file. */
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/rng.h>
#include <geocl/safetensors.h>

#include "cli.h"

/* Frame i: a w x h random image, 2·n points in the view and the range box. */
static geocl_status made_up_frame(int w, int h, int64_t n, uint64_t seed, int64_t i, geocl_raw_sample *raw) {
  memset(raw, 0, sizeof *raw);
  geocl_status st = geocl_image_alloc(&raw->image1, w, h, 3, GEOCL_SAMPLE_U8);
  raw->n_points = 2 * n;
  raw->points = malloc(sizeof(float) * 4 * (size_t)raw->n_points);
  if (st != GEOCL_OK || !raw->points) return st != GEOCL_OK ? st : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, seed, GEOCL_STREAM_USER, (uint64_t)i, 0);
  uint8_t *px = raw->image1.data;
  for (size_t k = 0; k < (size_t)w * h * 3; k++) px[k] = (uint8_t)geocl_keyed_below(&rng, 256);
  double f = w / 2.0, cx = w / 2.0, cy = h / 2.0;
  const double m[16] = {cx, -f, 0, 0, cy, 0, -f, 0, 1, 0, 0, 0, 0, 0, 0, 1};
  memcpy(raw->lidar2img, m, sizeof m);
  for (int64_t k = 0; k < raw->n_points;) {
    float *p = raw->points + 4 * k;
    p[0] = geocl_keyed_range(&rng, 3.0f, 70.0f);
    p[1] = (float)(-(geocl_keyed_range(&rng, 0.0f, (float)w) - cx) * p[0] / f);
    p[2] = (float)(-(geocl_keyed_range(&rng, 0.0f, (float)h) - cy) * p[0] / f);
    p[3] = geocl_keyed_unit(&rng);
    if (p[1] > -40 && p[1] < 40 && p[2] > -3 && p[2] < 1) k++; /* in the range box */
  }
  raw->has = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_POINTS | 1u << GEOCL_FIELD_LIDAR2IMG;
  snprintf(raw->name, sizeof raw->name, "made-up frame %lld", (long long)i);
  return GEOCL_OK;
}

geocl_status cli_lidar_batch(const geocl_data_spec *task, int64_t batch, uint64_t seed, cli_fields *out) {
  memset(out, 0, sizeof *out);
  const geocl_pipeline_type *p;
  geocl_status st = geocl_pipeline_find("lidar", &p);
  geocl_data_spec spec = *task;
  int w = (int)(task->resize_long[1] ? (task->resize_long[0] + task->resize_long[1]) / 2 : task->width);
  int h = (int)(task->resize_short[1] ? (task->resize_short[0] + task->resize_short[1]) / 2 : task->height);
  spec.resize_long[0] = spec.resize_long[1] = w; /* the image keeps its size */
  spec.resize_short[0] = spec.resize_short[1] = h;
  spec.augment = true;
  if (st == GEOCL_OK) st = p->layout(&spec, out->layout, &out->n);
  for (int f = 0; f < out->n && st == GEOCL_OK; f++) {
    size_t n = (size_t)batch;
    for (int d = 0; d < out->layout[f].ndim; d++) n *= (size_t)out->layout[f].shape[d];
    if (!(out->data[f] = malloc(n * 4))) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  for (int64_t i = 0; i < batch && st == GEOCL_OK; i++) {
    geocl_raw_sample raw;
    st = made_up_frame(w, h, spec.points, seed, i, &raw);
    void *slots[GEOCL_BATCH_MAX_FIELDS];
    for (int f = 0; f < out->n; f++) {
      size_t n = 1;
      for (int d = 0; d < out->layout[f].ndim; d++) n *= (size_t)out->layout[f].shape[d];
      slots[f] = (char *)out->data[f] + 4 * n * (size_t)i;
    }
    geocl_sample_key key = {seed, 0, i};
    geocl_sample_info info = {0};
    if (st == GEOCL_OK) st = p->make(&spec, &raw, &key, slots, &info);
    geocl_raw_sample_free(&raw);
  }
  if (st != GEOCL_OK) cli_fields_free(out);
  return st;
}

geocl_status cli_fields_upload(geocl_ctx *ctx, const cli_fields *f, geocl_batch *b) {
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < f->n && st == GEOCL_OK; i++) {
    int64_t shape[GEOCL_MAX_DIMS] = {b->size};
    memcpy(shape + 1, f->layout[i].shape, sizeof(int64_t) * (size_t)f->layout[i].ndim);
    st = geocl_batch_set(b, f->layout[i].name,
                         geocl_from_host(ctx, f->layout[i].dtype, f->layout[i].ndim + 1, shape, f->data[i]));
  }
  return st;
}

void cli_fields_free(cli_fields *f) {
  for (int i = 0; i < f->n; i++) free(f->data[i]);
  memset(f, 0, sizeof *f);
}

/* Tensor `name` of the points file as f32 with the given shape. */
static geocl_tensor *points_tensor(geocl_ctx *ctx, geocl_st_file *f, const char *path, const char *name, int ndim,
                                   const int64_t *shape) {
  const geocl_st_info *t = geocl_st_find(f, name);
  if (!t) {
    geocl_set_error(GEOCL_E_NOT_FOUND, "%s: no tensor named '%s'", path, name);
    return NULL;
  }
  bool ok = t->ndim == ndim;
  for (int d = 0; ok && d < ndim; d++) ok = shape[d] < 0 || t->shape[d] == shape[d];
  if (!ok || geocl_st_numel(t) == 0) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: '%s' must be [1, %s]", path, name, ndim == 3 && shape[1] < 0 ? "N, 4" : "4, 4");
    return NULL;
  }
  size_t n = (size_t)geocl_st_numel(t);
  float *v = malloc(n * sizeof *v);
  geocl_tensor *x = NULL;
  if (!v) geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
  else if (geocl_st_read_f32(f, t, v, n) == GEOCL_OK) x = geocl_from_host(ctx, GEOCL_F32, t->ndim, t->shape, v);
  free(v);
  return x;
}

geocl_status cli_load_lidar_batch(geocl_ctx *ctx, const char *image, const char *points, geocl_batch *b) {
  memset(b, 0, sizeof *b);
  b->size = 1;
  b->training = true; /* the official pre-training's batch norms always use batch statistics */
  geocl_image img = {0}, rgb = {0};
  geocl_status st = geocl_image_read(image, &img);
  if (st == GEOCL_OK) st = geocl_image_to_rgb8(&img, &rgb);
  if (st == GEOCL_OK && (rgb.width % 32 || rgb.height % 32))
    st = geocl_set_error(GEOCL_E_SHAPE, "%s is %dx%d (WxH); the image as fed must have sides that are multiples of 32",
                         image, rgb.width, rgb.height);
  float *planes = st == GEOCL_OK ? malloc(sizeof(float) * 3 * (size_t)rgb.width * (size_t)rgb.height) : NULL;
  if (st == GEOCL_OK && !planes) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", image);
  if (st == GEOCL_OK) st = geocl_bgr_mean_normalize(&rgb, rgb.width, rgb.height, planes);
  if (st == GEOCL_OK)
    st = geocl_batch_set(b, "image", geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 3, rgb.height, rgb.width), planes));
  float size[2] = {(float)rgb.height, (float)rgb.width};
  if (st == GEOCL_OK) st = geocl_batch_set(b, "image_size", geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 2), size));
  free(planes);
  geocl_image_free(&img);
  geocl_image_free(&rgb);
  geocl_st_file *f = NULL;
  if (st == GEOCL_OK) st = geocl_st_open(points, &f);
  const int64_t cloud[3] = {1, -1, 4}, matrix[3] = {1, 4, 4};
  if (st == GEOCL_OK) st = geocl_batch_set(b, "points_a", points_tensor(ctx, f, points, "points_a", 3, cloud));
  if (st == GEOCL_OK) st = geocl_batch_set(b, "points_b", points_tensor(ctx, f, points, "points_b", 3, cloud));
  if (st == GEOCL_OK) st = geocl_batch_set(b, "b_to_a", points_tensor(ctx, f, points, "b_to_a", 3, matrix));
  if (st == GEOCL_OK) st = geocl_batch_set(b, "lidar2img", points_tensor(ctx, f, points, "lidar2img", 3, matrix));
  if (f) geocl_st_close(f);
  return st;
}
