/* SPDX-License-Identifier: MIT */
/* KITTI file formats: depth, disparity and flow PNGs, velodyne sweeps, calibration and
 * odometry poses.  The same readers serve real KITTI data and the output of
 * `geocl synth`.  Readers give one-line errors naming the file (and the line
 * for text files); writers replace files atomically.  docs/data-formats.md
 * describes the formats. */
#ifndef GEOCL_KITTI_H
#define GEOCL_KITTI_H

#include <stdint.h>

#include <geocl/image.h>
#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Depth PNG: 16-bit gray, metres * 256, 0 = no depth.  Read into a 1-channel
 * F32 image in metres (0 where invalid).  The writer rounds to 1/256 m; values
 * that are not finite, <= 0, or round to 0 are written as 0 (invalid), and
 * depths beyond 65535/256 m are clamped. */
geocl_status geocl_kitti_depth_read(const char *path, geocl_image *depth);
geocl_status geocl_kitti_depth_write(const char *path, const float *depth, int width, int height);

/* Disparity PNG (the stereo benchmarks' disp_occ_0, disp_noc_0): 16-bit
 * gray, pixels * 256, 0 = unknown; read like depth.  The writer rounds to
 * 1/256 px and writes values that are not finite, <= 0 or above 65535/256
 * (not representable) as 0, unknown. */
geocl_status geocl_kitti_disparity_read(const char *path, geocl_image *disparity);
geocl_status geocl_kitti_disparity_write(const char *path, const float *disparity, int width, int height);

/* Flow PNG: 16-bit RGB, u = (R - 2^15) / 64, v = (G - 2^15) / 64, B = valid.
 * Read into a 3-channel F32 image (u, v, valid in {0, 1}); u = v = 0 where
 * invalid.  flow is width * height * 3 floats (u, v, valid); the writer
 * rounds to 1/64 px and clamps to the representable +-512 px. */
geocl_status geocl_kitti_flow_read(const char *path, geocl_image *flow);
geocl_status geocl_kitti_flow_write(const char *path, const float *flow, int width, int height);

/* Velodyne sweep: little-endian float32 (x, y, z, reflectance) per point, in
 * the LiDAR frame (x forward, y left, z up).  *points is malloc'd (4 floats a
 * point). */
geocl_status geocl_velodyne_read(const char *path, float **points, int64_t *count);
geocl_status geocl_velodyne_write(const char *path, const float *points, int64_t count);

typedef enum geocl_calib_layout {
  GEOCL_CALIB_OBJECT = 1,  /* P0-P3, R0_rect, Tr_velo_to_cam, Tr_imu_to_velo */
  GEOCL_CALIB_ODOMETRY = 2 /* P0-P3, Tr */
} geocl_calib_layout;

/* Calibration; matrices row-major.  P_i are 3x4 projections of rectified
 * camera coordinates; Tr_velo_to_cam maps LiDAR points into (reference)
 * camera coordinates ("Tr" in the odometry layout).  For the odometry layout
 * R0_rect is the identity; Tr_imu_to_velo is [I|0] when absent. */
typedef struct geocl_kitti_calib {
  geocl_calib_layout layout;
  double P[4][12];
  double R0_rect[9];
  double Tr_velo_to_cam[12];
  double Tr_imu_to_velo[12];
} geocl_kitti_calib;

geocl_status geocl_kitti_calib_read(const char *path, geocl_kitti_calib *calib);
/* Writes the keys of calib->layout. */
geocl_status geocl_kitti_calib_write(const char *path, const geocl_kitti_calib *calib);
/* lidar_to_image = P2 * R0_rect * Tr_velo_to_cam (3x4): [u*z, v*z, z] = M [x y z 1]. */
void geocl_kitti_lidar_to_image(const geocl_kitti_calib *calib, double lidar_to_image[12]);

/* Odometry poses.txt: one 3x4 row-major matrix per line, the camera-to-world
 * transform of each frame, the world being frame 0's camera.  *poses is
 * malloc'd, 12 doubles per frame. */
geocl_status geocl_kitti_poses_read(const char *path, double **poses, int64_t *count);
geocl_status geocl_kitti_poses_write(const char *path, const double *poses, int64_t count);

#ifdef __cplusplus
}
#endif
#endif
