/* Two-view geometry of rendered frames: where a pixel's surface point lands
 * in another view (flow), and how much of a view another one sees. */
#include <math.h>

#include "synth_internal.h"

/* Largest flow KITTI's PNG encoding can hold. */
#define FLOW_LIMIT 511.0

/* b_from_a = inverse(pose_b) * pose_a */
static void relative_pose(const double pose_a[12], const double pose_b[12], double m[12]) {
  double inv_b[12];
  synth_pose_invert(pose_b, inv_b);
  synth_pose_compose(inv_b, pose_a, m);
}

/* Pixel (u, v) of a with depth z, in b's camera frame. */
static inline void transfer(const synth_camera *cam, const double m[12], int u, int v, double z, double out[3]) {
  double x = (u - cam->cx) / cam->fx * z, y = (v - cam->cy) / cam->fy * z;
  for (int i = 0; i < 3; i++) out[i] = m[4 * i] * x + m[4 * i + 1] * y + m[4 * i + 2] * z + m[4 * i + 3];
}

double synth_covisibility(const synth_camera *cam, const float *depth_a, const double pose_a[12],
                          const float *depth_b, const double pose_b[12]) {
  double m[12];
  relative_pose(pose_a, pose_b, m);
  int64_t surface = 0, seen = 0;
  for (int v = 0; v < cam->height; v++)
    for (int u = 0; u < cam->width; u++) {
      double z = depth_a[(size_t)v * cam->width + u];
      if (z <= 0.0) continue;
      surface++;
      double q[3];
      transfer(cam, m, u, v, z, q);
      if (q[2] <= 1e-3) continue;
      long ub = lrint(cam->fx * q[0] / q[2] + cam->cx), vb = lrint(cam->fy * q[1] / q[2] + cam->cy);
      if (ub < 0 || vb < 0 || ub >= cam->width || vb >= cam->height) continue;
      double zb = depth_b[(size_t)vb * cam->width + ub];
      if (zb > 0.0 && fabs(zb - q[2]) <= 0.01 * q[2] + 0.02) seen++;
    }
  return surface ? (double)seen / (double)surface : 0.0;
}

void synth_flow(const synth_camera *cam, const float *depth_a, const double pose_a[12], const double pose_b[12],
                float *flow) {
  double m[12];
  relative_pose(pose_a, pose_b, m);
  for (int v = 0; v < cam->height; v++)
    for (int u = 0; u < cam->width; u++) {
      size_t px = (size_t)v * cam->width + u;
      float *f = flow + 3 * px;
      f[0] = f[1] = f[2] = 0.0f;
      double z = depth_a[px];
      if (z <= 0.0) continue;
      double q[3];
      transfer(cam, m, u, v, z, q);
      if (q[2] <= 1e-3) continue;
      double du = cam->fx * q[0] / q[2] + cam->cx - u, dv = cam->fy * q[1] / q[2] + cam->cy - v;
      if (fabs(du) > FLOW_LIMIT || fabs(dv) > FLOW_LIMIT) continue;
      f[0] = (float)du;
      f[1] = (float)dv;
      f[2] = 1.0f;
    }
}
