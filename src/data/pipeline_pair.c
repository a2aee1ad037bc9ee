/* SPDX-License-Identifier: MIT */
/* Pipeline "pair": CroCo's crop224+acolor (naver/croco datasets/transforms.py
 * and pairs_dataset.py) — an independent uniform crop of each image of a
 * pair, each image's own colour jitter, ImageNet normalisation (geocl/augment.h).
 * Without augmentation: centre crops, no jitter.  Makes image1 and image2
 * ([3, H, W] each); tasks that use one image take image1. */
#include <stdlib.h>

#include <geocl/augment.h>

#include "data/pipelines.h"

static geocl_status layout(const geocl_data_spec *spec, geocl_field_layout *f, int *n) {
  if (spec->height < 1 || spec->width < 1)
    return geocl_set_error(GEOCL_E_INVALID, "pair pipeline: image size %lldx%lld", (long long)spec->height,
                           (long long)spec->width);
  *n = 0;
  const char *names[2] = {"image1", "image2"};
  for (int i = 0; i < 2; i++)
    if (i == 0 || (spec->fields & 1u << GEOCL_FIELD_IMAGE2))
      f[(*n)++] = (geocl_field_layout){names[i], GEOCL_F32, 3, {3, spec->height, spec->width}};
  return GEOCL_OK;
}

static geocl_status make(const geocl_data_spec *spec, const geocl_raw_sample *raw, const geocl_sample_key *key,
                         void *const *out, geocl_sample_info *info) {
  int w = (int)spec->width, h = (int)spec->height;
  bool two = (spec->fields & 1u << GEOCL_FIELD_IMAGE2) != 0;
  const geocl_image *img[2] = {&raw->image1, &raw->image2};
  geocl_pair_augment aug = {0};
  const int size1[2] = {img[0]->width, img[0]->height}, size2[2] = {img[1]->width, img[1]->height};
  geocl_status st;
  if (spec->augment) {
    st = geocl_pair_augment_draw(key->seed, key->epoch, key->position, size1, two ? size2 : size1, w, h, 1, &aug);
  } else {
    st = geocl_pair_augment_draw(key->seed, key->epoch, key->position, size1, two ? size2 : size1, w, h, 0, &aug);
    for (int k = 0; k < 2; k++) {
      aug.crop_x[k] = (img[two ? k : 0]->width - w) / 2;
      aug.crop_y[k] = (img[two ? k : 0]->height - h) / 2;
    }
  }
  uint8_t *scratch = st == GEOCL_OK ? malloc((size_t)3 * w * h) : NULL;
  if (st == GEOCL_OK && !scratch) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int k = 0; st == GEOCL_OK && k < (two ? 2 : 1); k++)
    st = geocl_crop_normalize(img[k], aug.crop_x[k], aug.crop_y[k], w, h, &aug.jitter[k], scratch, out[k]);
  free(scratch);
  info->crop_x = aug.crop_x[0];
  info->crop_y = aug.crop_y[0];
  info->scale = 1;
  return st;
}

const geocl_pipeline_type pipeline_pair = {
    .name = "pair",
    .summary = "CroCo: independent random crops and colour jitter of each view, ImageNet normalisation",
    .layout = layout,
    .make = make,
};
