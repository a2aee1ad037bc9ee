/* SPDX-License-Identifier: MIT */
/* Two-view geometry of rendered frames: where a pixel's surface point lands
 * in another view (flow), and how much of a view another one sees. */
#include <math.h>
#include <stdbool.h>

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

/* Depth of b at sub-pixel (x, y), interpolated in inverse depth (exact along
 * planes, so big pixels on a slanted floor do not count as mismatches); 0
 * when a neighbour has no depth. */
static inline float depth_between(const float *depth, int width, int height, float x, float y) {
  if (!(x >= 0.0f && y >= 0.0f && x < (float)(width - 1) && y < (float)(height - 1))) return 0.0f;
  int u = (int)x, v = (int)y;
  const float *row = depth + (size_t)v * width + u;
  float z00 = row[0], z10 = row[1], z01 = row[width], z11 = row[width + 1];
  if (!(z00 > 0.0f && z10 > 0.0f && z01 > 0.0f && z11 > 0.0f)) return 0.0f;
  float a = x - (float)u, b = y - (float)v;
  float inv = (1.0f - b) * ((1.0f - a) / z00 + a / z10) + b * ((1.0f - a) / z01 + a / z11);
  return 1.0f / inv;
}

double synth_covisibility(const synth_camera *cam, const float *depth_a, const double pose_a[12], const float *depth_b,
                          const double pose_b[12]) {
  double md[12];
  relative_pose(pose_a, pose_b, md);
  /* single precision suffices for a count, and is what makes this cheap */
  float m[12], fx = (float)cam->fx, fy = (float)cam->fy, cx = (float)cam->cx, cy = (float)cam->cy;
  for (int i = 0; i < 12; i++) m[i] = (float)md[i];
  int64_t surface = 0, seen = 0;
  for (int v = 0; v < cam->height; v++) {
    float ry = ((float)v - cy) / fy;
    for (int u = 0; u < cam->width; u++) {
      float z = depth_a[(size_t)v * cam->width + u];
      if (z <= 0.0f) continue;
      surface++;
      float rx = ((float)u - cx) / fx;
      float qx = z * (m[0] * rx + m[1] * ry + m[2]) + m[3];
      float qy = z * (m[4] * rx + m[5] * ry + m[6]) + m[7];
      float qz = z * (m[8] * rx + m[9] * ry + m[10]) + m[11];
      if (qz <= 1e-3f) continue;
      float zb = depth_between(depth_b, cam->width, cam->height, fx * qx / qz + cx, fy * qy / qz + cy);
      seen += zb > 0.0f && fabsf(zb - qz) <= 0.01f * qz + 0.02f;
    }
  }
  return surface ? (double)seen / (double)surface : 0.0;
}

/* Does b see point q (b's camera frame) at b's pixel (x, y)? */
static inline bool seen_at(const synth_camera *cam, const float *depth_b, double x, double y, double qz) {
  float zb = depth_between(depth_b, cam->width, cam->height, (float)x, (float)y);
  return zb > 0.0f && fabs(zb - qz) <= 0.01 * qz + 0.02;
}

void synth_flow(const synth_camera *cam, const float *depth_a, const double pose_a[12], const double pose_b[12],
                const float *depth_b, float *flow) {
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
      double x = cam->fx * q[0] / q[2] + cam->cx, y = cam->fy * q[1] / q[2] + cam->cy, du = x - u, dv = y - v;
      if (fabs(du) > FLOW_LIMIT || fabs(dv) > FLOW_LIMIT) continue;
      if (depth_b && !seen_at(cam, depth_b, x, y, q[2])) continue;
      f[0] = (float)du;
      f[1] = (float)dv;
      f[2] = 1.0f;
    }
}

void synth_disparity(const synth_camera *cam, const float *depth_left, const float *depth_right, double baseline,
                     float *disparity) {
  for (int v = 0; v < cam->height; v++)
    for (int u = 0; u < cam->width; u++) {
      size_t px = (size_t)v * cam->width + u;
      double z = depth_left[px], d = z > 0.0 ? cam->fx * baseline / z : 0.0;
      /* the right camera shares the left one's orientation: the point keeps its depth */
      disparity[px] = d > 0.0 && (!depth_right || seen_at(cam, depth_right, u - d, v, z)) ? (float)d : 0.0f;
    }
}

void synth_right_pose(const double cam_to_world[12], double baseline, double out[12]) {
  for (int i = 0; i < 12; i++) out[i] = cam_to_world[i];
  for (int i = 0; i < 3; i++) out[4 * i + 3] += cam_to_world[4 * i] * baseline;
}
