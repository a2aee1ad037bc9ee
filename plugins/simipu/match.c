/* SPDX-License-Identifier: MIT */
/* The host side of SimIPU's step (official decorator, forward_train and
 * point_sample): pairing the keypoints of the two views by an exact linear
 * assignment on their Euclidean distances, and where A's keypoints fall in
 * the image. */
#include <math.h>
#include <stdlib.h>

#include <geocl/assignment.h>

#include "simipu.h"

geocl_status simipu_match(const float *kp_a, const float *kp_b, const float m[16], int64_t k, int32_t *match,
                          double *cost) {
  float *back = malloc(sizeof(float) * 3 * (size_t)k);
  float *d = malloc(sizeof(float) * (size_t)(k * k));
  if (!back || !d) {
    free(back);
    free(d);
    return geocl_set_error(GEOCL_E_NOMEM, "simipu: out of memory matching %lld keypoints", (long long)k);
  }
  for (int64_t j = 0; j < k; j++) { /* [x_a, 1] = b_to_a·[x_b, 1] */
    const float *p = kp_b + 3 * j;
    for (int r = 0; r < 3; r++) back[3 * j + r] = m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3];
  }
  for (int64_t i = 0; i < k; i++)
    for (int64_t j = 0; j < k; j++) {
      double s = 0;
      for (int r = 0; r < 3; r++) {
        double t = (double)kp_a[3 * i + r] - back[3 * j + r];
        s += t * t;
      }
      d[i * k + j] = (float)sqrt(s);
    }
  geocl_status st = geocl_linear_assignment(d, k, match, cost);
  free(back);
  free(d);
  return st;
}

void simipu_sample_grid(const float *kp, int64_t k, const float m[16], double pad_w, double pad_h, float *grid) {
  for (int64_t i = 0; i < k; i++) {
    const float *p = kp + 3 * i;
    float q[3];
    for (int r = 0; r < 3; r++) q[r] = m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3];
    float depth = q[2] > 1e-5f ? q[2] : 1e-5f;
    grid[2 * i] = q[0] / depth / (float)pad_w * 2 - 1;
    grid[2 * i + 1] = q[1] / depth / (float)pad_h * 2 - 1;
  }
}
