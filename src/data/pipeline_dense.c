/* SPDX-License-Identifier: MIT */
/* Pipeline "dense": one crop shared by the images and the dense targets of a
 * sample (depth, disparity, flow), for the downstream tasks.  With
 * augmentation the crop is uniform over the places it fits, else centred.
 * Images are ImageNet-normalised; valid is 1 where every dense target the
 * task asks for is known; lidar2img is shifted into the crop; pose passes
 * through. */
#include <stdlib.h>

#include <geocl/augment.h>

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

/* Copy channel c of a float map (of `stride` channels) at the crop. */
static void crop_channel(const geocl_image *map, int c, int x0, int y0, int w, int h, float *out) {
  const float *src = map->data;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++) out[(size_t)y * w + x] = src[((size_t)(y0 + y) * map->width + x0 + x) * map->channels + c];
}

static void valid_and(const geocl_image *map, int c, int x0, int y0, int w, int h, float *valid) {
  const float *src = map->data;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      if (!(src[((size_t)(y0 + y) * map->width + x0 + x) * map->channels + c] > 0)) valid[(size_t)y * w + x] = 0;
}

static geocl_status make(const geocl_data_spec *spec, const geocl_raw_sample *raw, const geocl_sample_key *key,
                         void *const *out, geocl_sample_info *info) {
  int w = (int)spec->width, h = (int)spec->height, W = raw->image1.width, H = raw->image1.height;
  if (W < w || H < h)
    return geocl_set_error(GEOCL_E_INVALID, "%s: image of %dx%d is smaller than the %dx%d the task takes", raw->name, W,
                           H, w, h);
  int x0 = (W - w) / 2, y0 = (H - h) / 2;
  if (spec->augment) {
    geocl_keyed_rng rng;
    geocl_keyed_init(&rng, key->seed, GEOCL_STREAM_AUGMENT, (uint64_t)key->position, (uint32_t)key->epoch);
    x0 = (int)geocl_keyed_below(&rng, (uint32_t)(W - w + 1));
    y0 = (int)geocl_keyed_below(&rng, (uint32_t)(H - h + 1));
  }
  info->crop_x = x0;
  info->crop_y = y0;
  info->scale = 1;
  size_t plane = (size_t)w * h;
  geocl_status st = GEOCL_OK;
  int k = 0;
  for (int f = 0; f < GEOCL_FIELD_COUNT && st == GEOCL_OK; f++) {
    if (!(spec->fields & DENSE_FIELDS & 1u << f)) continue;
    float *dst = out[k++];
    switch (f) {
    case GEOCL_FIELD_IMAGE1:
    case GEOCL_FIELD_IMAGE2: {
      const geocl_image *img = f == GEOCL_FIELD_IMAGE1 ? &raw->image1 : &raw->image2;
      if (img->width != W || img->height != H)
        return geocl_set_error(GEOCL_E_INVALID, "%s: the two images differ in size (%dx%d, %dx%d)", raw->name, W, H,
                               img->width, img->height);
      uint8_t *scratch = malloc(plane * 3);
      st = scratch ? geocl_crop_normalize(img, x0, y0, w, h, NULL, scratch, dst)
                   : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
      free(scratch);
      break;
    }
    case GEOCL_FIELD_DEPTH: crop_channel(&raw->depth, 0, x0, y0, w, h, dst); break;
    case GEOCL_FIELD_DISPARITY: crop_channel(&raw->disparity, 0, x0, y0, w, h, dst); break;
    case GEOCL_FIELD_FLOW:
      crop_channel(&raw->flow, 0, x0, y0, w, h, dst);
      crop_channel(&raw->flow, 1, x0, y0, w, h, dst + plane);
      break;
    case GEOCL_FIELD_VALID:
      for (size_t i = 0; i < plane; i++) dst[i] = 1;
      if (spec->fields & 1u << GEOCL_FIELD_DEPTH) valid_and(&raw->depth, 0, x0, y0, w, h, dst);
      if (spec->fields & 1u << GEOCL_FIELD_DISPARITY) valid_and(&raw->disparity, 0, x0, y0, w, h, dst);
      if (spec->fields & 1u << GEOCL_FIELD_FLOW) valid_and(&raw->flow, 2, x0, y0, w, h, dst);
      break;
    case GEOCL_FIELD_LIDAR2IMG:
      /* pixels of the crop: u' = u − x0, v' = v − y0, i.e. rows 0 and 1 minus x0, y0 times row 2 */
      for (int c = 0; c < 4; c++) {
        dst[c] = (float)(raw->lidar2img[c] - x0 * raw->lidar2img[8 + c]);
        dst[4 + c] = (float)(raw->lidar2img[4 + c] - y0 * raw->lidar2img[8 + c]);
        dst[8 + c] = (float)raw->lidar2img[8 + c];
        dst[12 + c] = (float)raw->lidar2img[12 + c];
      }
      break;
    case GEOCL_FIELD_POSE:
      for (int i = 0; i < 16; i++) dst[i] = (float)raw->pose[i];
      break;
    }
  }
  return st;
}

const geocl_pipeline_type pipeline_dense = {
    .name = "dense",
    .summary = "downstream tasks: one crop shared by the images and dense targets (random when training, else centred)",
    .layout = layout,
    .make = make,
};
