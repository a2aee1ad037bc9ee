/* SPDX-License-Identifier: MIT */
/* Pipeline "dense": the downstream tasks' samples.  The images and the dense
 * targets (depth, disparity, flow) go through one geometric transform:
 * without augmentation the centred crop; with it, the official recipe of the
 * task the fields say (disparity: stereo; flow: flow; else depth), see
 * dense_augment.c.  Images are ImageNet-normalised; valid is 1 where every
 * dense target the task asks for is known; lidar2img follows the transform
 * into the crop; pose passes through (and samples with a pose are never
 * flipped). */
#include <stdlib.h>

#include <geocl/augment.h>

#include "data/dense_augment.h"
#include "data/pipelines.h"

enum { DENSE_FIELDS = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_DEPTH |
                      1u << GEOCL_FIELD_DISPARITY | 1u << GEOCL_FIELD_FLOW | 1u << GEOCL_FIELD_VALID |
                      1u << GEOCL_FIELD_LIDAR2IMG | 1u << GEOCL_FIELD_POSE };

static int channels(geocl_field f) {
  switch (f) {
  case GEOCL_FIELD_IMAGE1:
  case GEOCL_FIELD_IMAGE2: return 3;
  case GEOCL_FIELD_FLOW: return 2;
  default: return 1;
  }
}

static geocl_status layout(const geocl_data_spec *spec, geocl_field_layout *f, int *n) {
  if (spec->height < 1 || spec->width < 1)
    return geocl_set_error(GEOCL_E_INVALID, "dense pipeline: image size %lldx%lld", (long long)spec->height,
                           (long long)spec->width);
  geocl_fields other = spec->fields & ~(geocl_fields)DENSE_FIELDS & ~(1u << GEOCL_FIELD_MASK);
  if (other) {
    char names[128];
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "dense pipeline: cannot make %s", geocl_fields_str(other, names, sizeof names));
  }
  *n = 0;
  for (int i = 0; i < GEOCL_FIELD_COUNT; i++) {
    if (!(spec->fields & DENSE_FIELDS & 1u << i)) continue;
    geocl_field_layout *l = &f[(*n)++];
    l->name = geocl_field_name((geocl_field)i);
    l->dtype = GEOCL_F32;
    l->ndim = 3;
    if (i == GEOCL_FIELD_LIDAR2IMG || i == GEOCL_FIELD_POSE) {
      l->ndim = 2;
      l->shape[0] = l->shape[1] = 4;
    } else {
      l->shape[0] = channels((geocl_field)i);
      l->shape[1] = spec->height;
      l->shape[2] = spec->width;
    }
  }
  return GEOCL_OK;
}

/* The task the sample is for decides its augmentation. */
static dense_task task_of(geocl_fields f) {
  return f & 1u << GEOCL_FIELD_DISPARITY ? DENSE_STEREO : f & 1u << GEOCL_FIELD_FLOW ? DENSE_FLOW : DENSE_DEPTH;
}

static bool dense_flow(const geocl_image *flow) {
  const float *f = flow->data;
  for (size_t i = 0, n = (size_t)flow->width * flow->height; i < n; i++)
    if (f[3 * i + 2] < 0.5f) return false;
  return true;
}

static geocl_status check_map(const geocl_raw_sample *raw, const geocl_image *map, const char *what, int channels) {
  if (!map->data || map->channels != channels || map->type != GEOCL_SAMPLE_F32)
    return geocl_set_error(GEOCL_E_INVALID, "%s: no %s map", raw->name, what);
  if (map->width != raw->image1.width || map->height != raw->image1.height)
    return geocl_set_error(GEOCL_E_INVALID, "%s: the %s map is %dx%d, the image %dx%d", raw->name, what, map->width,
                           map->height, raw->image1.width, raw->image1.height);
  return GEOCL_OK;
}

/* Unknown-marking: a target is known where it is > 0 (depth, disparity) or
 * flagged valid (flow); valid is 1 where every requested target is known. */
static void valid_and(float *valid, const float *known, bool positive, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!(positive ? known[i] > 0 : known[i] > 0.5f)) valid[i] = 0;
}

static geocl_status make(const geocl_data_spec *spec, const geocl_raw_sample *raw, const geocl_sample_key *key,
                         void *const *out, geocl_sample_info *info) {
  int w = (int)spec->width, h = (int)spec->height, W = raw->image1.width, H = raw->image1.height;
  geocl_fields f = spec->fields;
  bool rigid = f & (1u << GEOCL_FIELD_POSE);
  dense_augment a;
  geocl_status st = dense_augment_draw(task_of(f), spec->augment, !rigid, key, W, H, w, h, &a);
  if (st != GEOCL_OK) {
    geocl_error_prefix("%s", raw->name);
    return st;
  }
  info->crop_x = a.crop_x;
  info->crop_y = a.crop_y;
  info->scale = (float)a.sx;
  info->flipped = a.hflip;
  size_t plane = (size_t)w * h;
  float *target[GEOCL_FIELD_COUNT] = {NULL};
  int k = 0;
  for (int i = 0; i < GEOCL_FIELD_COUNT; i++)
    if (f & DENSE_FIELDS & 1u << i) target[i] = out[k++];
  if (f & 1u << GEOCL_FIELD_DEPTH) st = check_map(raw, &raw->depth, "depth", 1);
  if (st == GEOCL_OK && (f & 1u << GEOCL_FIELD_DISPARITY)) st = check_map(raw, &raw->disparity, "disparity", 1);
  if (st == GEOCL_OK && (f & 1u << GEOCL_FIELD_FLOW)) st = check_map(raw, &raw->flow, "flow", 3);
  uint8_t *crop = st == GEOCL_OK ? malloc(plane * 3) : NULL;
  float *flow_valid = st == GEOCL_OK ? malloc(plane * sizeof *flow_valid) : NULL;
  if (st == GEOCL_OK && (!crop || !flow_valid)) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = 0; st == GEOCL_OK && i < 2; i++) {
    float *dst = target[i == 0 ? GEOCL_FIELD_IMAGE1 : GEOCL_FIELD_IMAGE2];
    const geocl_image *img = i == 0 ? &raw->image1 : &raw->image2;
    if (!dst) continue;
    if (img->width != W || img->height != H)
      st = geocl_set_error(GEOCL_E_INVALID, "%s: the two images differ in size (%dx%d, %dx%d)", raw->name, W, H,
                           img->width, img->height);
    if (st == GEOCL_OK) {
      dense_augment_image(&a, img, i, w, h, crop);
      geocl_image c = {w, h, 3, GEOCL_SAMPLE_U8, crop};
      st = geocl_crop_normalize(&c, 0, 0, w, h, NULL, crop + 0, dst);
    }
  }
  if (st == GEOCL_OK && target[GEOCL_FIELD_DEPTH]) dense_augment_map(&a, &raw->depth, 0, true, 1, w, h, target[GEOCL_FIELD_DEPTH]);
  if (st == GEOCL_OK && target[GEOCL_FIELD_DISPARITY])
    dense_augment_map(&a, &raw->disparity, 0, true, (float)a.sx, w, h, target[GEOCL_FIELD_DISPARITY]);
  if (st == GEOCL_OK && target[GEOCL_FIELD_FLOW]) {
    float *u = target[GEOCL_FIELD_FLOW], *v = u + plane;
    if (dense_flow(&raw->flow)) {
      dense_augment_map(&a, &raw->flow, 0, false, (float)(a.hflip ? -a.sx : a.sx), w, h, u);
      dense_augment_map(&a, &raw->flow, 1, false, (float)(a.vflip ? -a.sy : a.sy), w, h, v);
      for (size_t i = 0; i < plane; i++) flow_valid[i] = 1;
    } else {
      dense_augment_sparse_flow(&a, &raw->flow, w, h, u, v, flow_valid);
    }
  }
  float *valid = target[GEOCL_FIELD_VALID];
  if (st == GEOCL_OK && valid) {
    for (size_t i = 0; i < plane; i++) valid[i] = 1;
    if (target[GEOCL_FIELD_DEPTH]) valid_and(valid, target[GEOCL_FIELD_DEPTH], true, plane);
    if (target[GEOCL_FIELD_DISPARITY]) valid_and(valid, target[GEOCL_FIELD_DISPARITY], true, plane);
    if (target[GEOCL_FIELD_FLOW]) valid_and(valid, flow_valid, false, plane);
  }
  if (st == GEOCL_OK && target[GEOCL_FIELD_LIDAR2IMG]) {
    /* pixels of the crop: u' = ax·u + bx, i.e. row 0 times ax plus bx times row 2 */
    double ax, bx, ay, by;
    const double *m = raw->lidar2img;
    float *dst = target[GEOCL_FIELD_LIDAR2IMG];
    dense_augment_affine(&a, &ax, &bx, &ay, &by);
    for (int c = 0; c < 4; c++) {
      dst[c] = (float)(ax * m[c] + bx * m[8 + c]);
      dst[4 + c] = (float)(ay * m[4 + c] + by * m[8 + c]);
      dst[8 + c] = (float)m[8 + c];
      dst[12 + c] = (float)m[12 + c];
    }
  }
  if (st == GEOCL_OK && target[GEOCL_FIELD_POSE])
    for (int i = 0; i < 16; i++) target[GEOCL_FIELD_POSE][i] = (float)raw->pose[i];
  free(crop);
  free(flow_valid);
  return st;
}

const geocl_pipeline_type pipeline_dense = {
    .name = "dense",
    .summary = "downstream tasks: one transform of the images and dense targets (the task's official augmentation when training, else the centred crop)",
    .layout = layout,
    .make = make,
};
