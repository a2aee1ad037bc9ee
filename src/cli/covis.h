/* SPDX-License-Identifier: MIT */
/* Co-visibility of two posed views, estimated for geocl pairs (covis.c). */
#ifndef GEOCL_COVIS_H
#define GEOCL_COVIS_H

/* Pinhole intrinsics in pixels (pixel centres at integer coordinates). */
typedef struct covis_camera {
  double fx, fy, cx, cy;
  int width, height;
} covis_camera;

/* The fraction of view a's pixels, on a grid of step `step` pixels, whose 3D
 * point lands inside view b's image in front of it.  pose_a, pose_b:
 * camera-to-world 3x4 row-major (KITTI poses.txt).  depth_a: a's depth in
 * metres per pixel (width x height, 0 where unknown, such pixels left out),
 * or NULL to put every pixel at `depth` metres.  Occlusions are not tested,
 * so this is an upper bound of the co-visibility CroCo's generators count.
 * -1 when no pixel has a depth. */
double covis_estimate(const covis_camera *cam, const double pose_a[12], const double pose_b[12], const float *depth_a,
                      double depth, int step);

#endif
