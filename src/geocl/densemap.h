/* SPDX-License-Identifier: MIT */
/* Dense-map files of the stereo and flow benchmarks: PFM (Portable Float Map:
 * SceneFlow, Middlebury and ETH3D disparities) and Middlebury's .flo optical
 * flow (Sintel, FlyingChairs).  Readers read the whole file first and give a
 * one-line GEOCL_E_FORMAT error naming the file for anything malformed or
 * truncated; writers replace files atomically.  KITTI's PNG encodings are in
 * geocl/kitti.h; docs/data-formats.md describes all of them. */
#ifndef GEOCL_DENSEMAP_H
#define GEOCL_DENSEMAP_H

#include <geocl/image.h>
#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* PFM: "PF" (3 channels) or "Pf" (1 channel), width and height, a scale
 * whose sign gives the byte order (negative: little-endian), then float32
 * rows from the bottom of the image to the top.  Read into an F32 image with
 * rows top to bottom; infinities and NaNs are kept (they mark unknown values
 * in some data sets). */
geocl_status geocl_pfm_read(const char *path, geocl_image *out);
/* data: width·height·channels floats (1 or 3 channels), rows top to bottom;
 * written little-endian (scale −1). */
geocl_status geocl_pfm_write(const char *path, const float *data, int width, int height, int channels);

/* Middlebury .flo: float32 202021.25 ("PIEH"), int32 width and height, then
 * (u, v) float32 pairs row by row, little-endian.  Read into a 3-channel F32
 * image (u, v, valid) as the KITTI flow reader gives it: a vector with a
 * component that is not finite or above 1e9 in magnitude (Middlebury's
 * "unknown") is invalid, with u = v = 0. */
geocl_status geocl_flo_read(const char *path, geocl_image *flow);
/* flow: width·height·3 floats (u, v, valid); invalid vectors are written as
 * (1e10, 1e10), Middlebury's unknown flow. */
geocl_status geocl_flo_write(const char *path, const float *flow, int width, int height);

#ifdef __cplusplus
}
#endif
#endif
