/* SPDX-License-Identifier: MIT */
/* SimIPU's point-cloud preparation: frustum crop, range filter, subsample,
 * rotation about z, scaling and mirroring (mmdet3d's PointsRangeFilter,
 * IndoorPointSample, GlobalRotScaleTrans and RandomFlip3D as
 * zhyever/SimIPU's simipu_kitti.py configures them). */
#include <math.h>

#include <geocl/augment.h>

#include <geocl/rng.h>

int64_t geocl_points_fov_filter(const float *in, int64_t count, const double m[16], int width, int height,
                                float *out) {
  int64_t kept = 0;
  for (int64_t i = 0; i < count; i++) {
    const float *p = in + 4 * i;
    double q[3];
    for (int r = 0; r < 3; r++) q[r] = m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3];
    if (!(q[2] >= 0.001 && q[2] <= 100.0)) continue;
    double u = q[0] / q[2], v = q[1] / q[2];
    if (!(u >= 0 && u <= width && v >= 0 && v <= height)) continue;
    float keep[4] = {p[0], p[1], p[2], p[3]}; /* in place is allowed */
    for (int k = 0; k < 4; k++) out[4 * kept + k] = keep[k];
    kept++;
  }
  return kept;
}

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

void geocl_points_augment_inverse_matrix(const geocl_points_augment *a, double m[16]) {
  /* x_b = F·s·(Rᵀ(x_a − c) + c) with R = [[cos, −sin, 0], [sin, cos, 0], [0, 0, 1]]
   * and F = diag(1, ±1, 1), so x_a = R·F·x_b/s + c − R·c */
  double c = cos((double)a->theta), s = sin((double)a->theta), f = a->flip_y ? -1.0 : 1.0, inv = 1.0 / a->scale;
  const double r[3][3] = {{c, -s, 0}, {s, c, 0}, {0, 0, 1}};
  for (int i = 0; i < 3; i++) {
    double rc = 0;
    for (int j = 0; j < 3; j++) {
      m[4 * i + j] = r[i][j] * (j == 1 ? f : 1.0) * inv;
      rc += r[i][j] * a->centre[j];
    }
    m[4 * i + 3] = a->centre[i] - rc;
  }
  m[12] = m[13] = m[14] = 0;
  m[15] = 1;
}
