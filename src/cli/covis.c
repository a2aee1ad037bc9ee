/* SPDX-License-Identifier: MIT */
/* Co-visibility from poses and depth: back-project a's pixels, move them into
 * b's camera, and count those that b's image holds. */
#include "covis.h"

double covis_estimate(const covis_camera *cam, const double pose_a[12], const double pose_b[12], const float *depth_a,
                      double depth, int step) {
  /* b's world-to-camera: the transpose of its rotation, -Rᵀt */
  const double *R = pose_b, tb[3] = {pose_b[3], pose_b[7], pose_b[11]};
  long seen = 0, total = 0;
  for (int v = step / 2; v < cam->height; v += step)
    for (int u = step / 2; u < cam->width; u += step) {
      double z = depth_a ? depth_a[(long)v * cam->width + u] : depth;
      if (!(z > 0)) continue;
      total++;
      double pa[3] = {(u - cam->cx) / cam->fx * z, (v - cam->cy) / cam->fy * z, z}, w[3], d[3];
      for (int r = 0; r < 3; r++)
        w[r] = pose_a[4 * r] * pa[0] + pose_a[4 * r + 1] * pa[1] + pose_a[4 * r + 2] * pa[2] + pose_a[4 * r + 3] - tb[r];
      for (int r = 0; r < 3; r++) d[r] = R[r] * w[0] + R[4 + r] * w[1] + R[8 + r] * w[2];
      if (!(d[2] > 1e-6)) continue;
      double x = cam->fx * d[0] / d[2] + cam->cx, y = cam->fy * d[1] / d[2] + cam->cy;
      /* inside b's image: within half a pixel of its outermost pixel centres */
      seen += x >= -0.5 && x < cam->width - 0.5 && y >= -0.5 && y < cam->height - 0.5;
    }
  return total ? (double)seen / (double)total : -1;
}
