/* SPDX-License-Identifier: MIT */
/* SimIPU's point-cloud preparation: range filter, subsample, rotation about
 * z, scaling and mirroring (zhyever/SimIPU's train pipeline in
 * project_cl/configs/simipu/simipu_kitti.py, run by mmdet3d's
 * datasets/pipelines/transforms_3d.py). */
#include <math.h>

#include <geocl/augment.h>

#include <geocl/rng.h>

int64_t geocl_points_range_filter(const float *in, int64_t count, float *out) {
  int64_t kept = 0;
  for (int64_t i = 0; i < count; i++) {
    const float *p = in + 4 * i;
    if (!(p[0] > 0.0f && p[0] < 70.4f && p[1] > -40.0f && p[1] < 40.0f && p[2] > -3.0f && p[2] < 1.0f)) continue;
    float q[4] = {p[0], p[1], p[2], p[3]}; /* in place is allowed */
    for (int k = 0; k < 4; k++) out[4 * kept + k] = q[k];
    kept++;
  }
  return kept;
}

void geocl_points_subsample(uint64_t seed, int64_t epoch, int64_t position, int64_t n, int64_t k, int64_t *index) {
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, seed, GEOCL_STREAM_POINT_SUBSAMPLE, (uint64_t)position, (uint32_t)epoch);
  if (n < k) {
    for (int64_t i = 0; i < k; i++) index[i] = (int64_t)geocl_keyed_below(&rng, (uint32_t)n);
    return;
  }
  /* the first k steps of a Fisher-Yates shuffle */
  for (int64_t i = 0; i < n; i++) index[i] = i;
  for (int64_t i = 0; i < k; i++) {
    int64_t j = i + (int64_t)geocl_keyed_below(&rng, (uint32_t)(n - i));
    int64_t t = index[i];
    index[i] = index[j];
    index[j] = t;
  }
}

void geocl_points_augment_draw(uint64_t seed, int64_t epoch, int64_t position, geocl_points_augment *out) {
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, seed, GEOCL_STREAM_POINT_AUGMENT, (uint64_t)position, (uint32_t)epoch);
  out->theta = geocl_keyed_range(&rng, (float)-M_PI_2, (float)M_PI_2);
  out->scale = geocl_keyed_range(&rng, 0.75f, 1.25f);
  out->flip_y = geocl_keyed_unit(&rng) < 0.5f;
  out->centre[0] = 35.2f;
  out->centre[1] = 0.0f;
  out->centre[2] = -1.0f;
}

void geocl_points_augment_apply(const geocl_points_augment *a, float *points, int64_t count, int stride) {
  float c = cosf(a->theta), s = sinf(a->theta);
  for (int64_t i = 0; i < count; i++) {
    float *p = points + (size_t)i * stride;
    float x = p[0] - a->centre[0], y = p[1] - a->centre[1];
    p[0] = (x * c + y * s + a->centre[0]) * a->scale;
    p[1] = (-x * s + y * c + a->centre[1]) * a->scale;
    p[2] *= a->scale; /* the rotation leaves z - c_z + c_z = z */
    if (a->flip_y) p[1] = -p[1];
  }
}

void geocl_points_augment_invert(const geocl_points_augment *a, float *points, int64_t count, int stride) {
  float c = cosf(a->theta), s = sinf(a->theta), inv = 1.0f / a->scale;
  for (int64_t i = 0; i < count; i++) {
    float *p = points + (size_t)i * stride;
    float x = p[0] * inv - a->centre[0], y = (a->flip_y ? -p[1] : p[1]) * inv - a->centre[1];
    p[0] = x * c - y * s + a->centre[0];
    p[1] = x * s + y * c + a->centre[1];
    p[2] *= inv;
  }
}
