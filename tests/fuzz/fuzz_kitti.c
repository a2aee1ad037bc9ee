/* SPDX-License-Identifier: MIT */
/* Fuzz target: every KITTI reader.  The first byte picks the reader (mod 5:
 * depth PNG, flow PNG, velodyne sweep, calibration, odometry poses), the rest
 * is the file.  What a reader accepts must be consistent: finite calibration
 * and poses, sizes that match the data. */
#include <math.h>
#include <stdlib.h>

#include <geocl/kitti.h>

#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) return 0;
  fuzz_quiet();
  const char *path = fuzz_file("kitti", data + 1, size - 1);
  geocl_image img;
  float *points;
  double *poses;
  int64_t n;
  geocl_kitti_calib calib;
  switch (data[0] % 5) {
  case 0:
    if (geocl_kitti_depth_read(path, &img) == GEOCL_OK) {
      if (img.channels != 1 || img.type != GEOCL_SAMPLE_F32) abort();
      geocl_image_free(&img);
    }
    break;
  case 1:
    if (geocl_kitti_flow_read(path, &img) == GEOCL_OK) {
      if (img.channels != 3 || img.type != GEOCL_SAMPLE_F32) abort();
      geocl_image_free(&img);
    }
    break;
  case 2:
    if (geocl_velodyne_read(path, &points, &n) == GEOCL_OK) {
      if (n < 0 || (size_t)n * 16 != size - 1) abort();
      free(points);
    }
    break;
  case 3:
    if (geocl_kitti_calib_read(path, &calib) == GEOCL_OK) {
      double m[12];
      geocl_kitti_lidar_to_image(&calib, m);
    }
    break;
  default:
    if (geocl_kitti_poses_read(path, &poses, &n) == GEOCL_OK) {
      if (n < 1) abort();
      free(poses);
    }
  }
  return 0;
}
