/* SPDX-License-Identifier: MIT */
/* Data augmentation, host side.
 *
 * CroCo's "crop224+acolor" (naver/croco datasets/transforms.py): an independent
 * uniform crop of each image of a pair, then for each image its own colour
 * jitter (brightness, contrast and saturation factors drawn from U[0.6, 1.4],
 * applied in a random order), then v/255 and ImageNet mean/std
 * normalisation.  The jitter follows PIL's ImageEnhance, which torchvision
 * uses on PIL images: each step blends with a degenerate image in float32 and
 * truncates to 8 bits (clamped), so results round as CroCo's do.
 *
 * SimIPU's sample preparation (zhyever/SimIPU,
 * project_cl/configs/simipu/simipu_kitti.py, with mmdet3d's and mmdet's
 * transforms): the camera-frustum crop of mmdet3d's velodyne_reduced, range
 * filter, random subsample, rotation about z around a fixed centre, scaling
 * about the LiDAR origin, mirror in y; the image's multi-scale resize and
 * BGR mean subtraction.
 *
 * Every random draw is a pure function of (seed, epoch, position in the
 * epoch), made with geocl's counter-based Philox generator: a run resumed at
 * a saved position draws exactly what an uninterrupted run would. */
#ifndef GEOCL_AUGMENT_H
#define GEOCL_AUGMENT_H

#include <stddef.h>
#include <stdint.h>

#include <geocl/image.h>
#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

extern const float geocl_imagenet_mean[3]; /* 0.485, 0.456, 0.406 */
extern const float geocl_imagenet_std[3];  /* 0.229, 0.224, 0.225 */

enum { GEOCL_JITTER_BRIGHTNESS = 0, GEOCL_JITTER_CONTRAST = 1, GEOCL_JITTER_SATURATION = 2 };

typedef struct geocl_color_jitter {
  float factor[3];  /* by GEOCL_JITTER_*; 1 leaves the image as it is */
  uint8_t order[3]; /* the operations in the order applied */
} geocl_color_jitter;

/* Jitter 8-bit RGB pixels in place.  Brightness blends with black, contrast
 * with the image's mean gray (Pillow's integer luma, (19595 R + 38470 G +
 * 7471 B + 2^15) >> 16, averaged and rounded), saturation with each pixel's
 * gray. */
void geocl_color_jitter_apply(uint8_t *rgb, size_t pixels, const geocl_color_jitter *jitter);

/* One pair's augmentation. */
typedef struct geocl_pair_augment {
  int crop_x[2], crop_y[2];     /* top-left corner of the crop in image 1 and image 2 */
  geocl_color_jitter jitter[2]; /* identity factors when jitter is off */
} geocl_pair_augment;

/* Draw the augmentation of the sample at `position` of `epoch`: crop corners
 * uniform over the places a crop_w x crop_h crop fits in each image (sizes
 * given as {width, height}); then, if jitter, each image's three factors from
 * U[0.6, 1.4) and a uniformly random order.  Fails when a crop does not fit. */
geocl_status geocl_pair_augment_draw(uint64_t seed, int64_t epoch, int64_t position, const int size1[2],
                                     const int size2[2], int crop_w, int crop_h, int jitter, geocl_pair_augment *out);

/* Crop an 8-bit RGB image at (x, y), jitter the crop (jitter may be NULL)
 * and write it normalised as planes [3][crop_h][crop_w] of floats.  scratch
 * holds crop_w * crop_h * 3 bytes. */
geocl_status geocl_crop_normalize(const geocl_image *rgb8, int x, int y, int crop_w, int crop_h,
                                  const geocl_color_jitter *jitter, uint8_t *scratch, float *out);

/* --- SimIPU point clouds: points are 4 floats (x, y, z, reflectance) --- */

/* Keep the points that lie in the view of a width x height camera:
 * q = lidar2img [x, y, z, 1]^T (4x4 row-major) with depth 0.001 <= q2 <= 100
 * and 0 <= q0/q2 <= width, 0 <= q1/q2 <= height (mmdet3d's velodyne_reduced,
 * the frustum crop SimIPU's data went through offline).  In place allowed;
 * returns how many were kept. */
int64_t geocl_points_fov_filter(const float *in, int64_t count, const double lidar2img[16], int width, int height,
                                float *out);

/* Keep the points with 0 < x < 70.4, -40 < y < 40, -3 < z < 1 (in place
 * allowed: out may equal in); returns how many were kept. */
int64_t geocl_points_range_filter(const float *in, int64_t count, float *out);

/* Choose k of n point indices: without replacement when n >= k, else with
 * (as numpy's choice(n, k, replace=n < k)).  index has room for max(n, k)
 * entries; the first k are the choice.  n > 0. */
void geocl_points_subsample(uint64_t seed, int64_t epoch, int64_t position, int64_t n, int64_t k, int64_t *index);

typedef struct geocl_points_augment {
  float theta;     /* rotation about z, U[-pi/2, pi/2) */
  float scale;     /* U[0.75, 1.25) */
  int flip_y;      /* y -> -y, probability 1/2 */
  float centre[3]; /* rotation centre: (35.2, 0, -1), the middle of the range box */
} geocl_points_augment;

void geocl_points_augment_draw(uint64_t seed, int64_t epoch, int64_t position, geocl_points_augment *out);
/* In place on points of `stride` floats (x, y, z first; the rest, such as
 * reflectance, untouched): p <- (p - c) R + c with x' = x cos + y sin,
 * y' = -x sin + y cos; then p <- s p; then y <- -y if flipped. */
void geocl_points_augment_apply(const geocl_points_augment *a, float *points, int64_t count, int stride);
/* The inverse: maps augmented points (e.g. keypoints of the augmented view)
 * back into the original frame. */
void geocl_points_augment_invert(const geocl_points_augment *a, float *points, int64_t count, int stride);
/* The inverse as a 4x4 row-major affine map (column vectors):
 * [x_a, 1]^T = m [x_b, 1]^T takes augmented points back to the original frame. */
void geocl_points_augment_inverse_matrix(const geocl_points_augment *a, double m[16]);

/* --- images of LiDAR samples --- */

/* Resize 8-bit RGB to width x height, bilinear with half-pixel centres and
 * clamped borders (OpenCV's INTER_LINEAR geometry; values rounded from float,
 * so they may differ from OpenCV's fixed-point result by one). */
geocl_status geocl_image_resize_bilinear(const geocl_image *rgb8, int width, int height, geocl_image *out);

/* SimIPU's image normalisation (mmdet's Normalize with to_rgb False, then
 * Pad): planes [3][canvas_h][canvas_w] in B, G, R order, each the pixel minus
 * geocl_bgr_mean (std 1), 0 beyond the image.  The image must fit the canvas. */
extern const float geocl_bgr_mean[3]; /* 103.530, 116.280, 123.675 for B, G, R */
geocl_status geocl_bgr_mean_normalize(const geocl_image *rgb8, int canvas_w, int canvas_h, float *out);

#ifdef __cplusplus
}
#endif
#endif
