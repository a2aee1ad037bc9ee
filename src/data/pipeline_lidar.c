/* SPDX-License-Identifier: MIT */
/* Pipeline "lidar": SimIPU's per-sample preparation of a camera image and
 * its LiDAR sweep (zhyever/SimIPU, project_cl/configs/simipu/simipu_kitti.py,
 * train_pipeline), in the config's order:
 *
 *   crop to the camera's view   mmdet3d's offline velodyne_reduced step, done
 *                               here (a no-op on reduced data)
 *   PointsRangeFilter           0 < x < 70.4, |y| < 40, −3 < z < 1 → view A
 *   IndoorPointSample           one index vector for both views
 *   Resize                      long and short side targets drawn from the
 *                               task's ranges, keep ratio
 *   GlobalRotScaleTrans         view B: rotation about (35.2, 0, −1), scale
 *   RandomFlip3D                image and view B together (y → −y)
 *   PointShuffle                the two views in independent orders
 *   Normalize, Pad              BGR minus the mean, zeros to the input size
 *
 * Fields (N = spec->points, H × W = the input size, multiples of 32):
 *   points_a   [N, 4]     view A: the original frame, shuffled
 *   points_b   [N, 4]     view B: augmented, shuffled
 *   b_to_a     [4, 4]     [x_a, 1]ᵀ = b_to_a·[x_b, 1]ᵀ
 *   lidar2img  [4, 4]     LiDAR (view A) to the pixels of the resized,
 *                         flipped image: u = q0/q2, v = q1/q2
 *   image      [3, H, W]  B, G, R minus the mean, 0 beyond the image
 *   image_size [2]        the resized image's height and width (before padding)
 *
 * Without augmentation: the largest scale of the ranges, no rotation, scale,
 * flip or shuffle (view B = view A).  Every draw is keyed by (seed, epoch,
 * position). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/rng.h>

#include "data/pipelines.h"

enum { F_POINTS_A, F_POINTS_B, F_B_TO_A, F_LIDAR2IMG, F_IMAGE, F_IMAGE_SIZE, N_FIELDS };

static geocl_status layout(const geocl_data_spec *spec, geocl_field_layout *f, int *n) {
  if (spec->points < 1)
    return geocl_set_error(GEOCL_E_INVALID, "lidar pipeline: %lld points per sample", (long long)spec->points);
  if (spec->height < 32 || spec->width < 32 || spec->height % 32 || spec->width % 32)
    return geocl_set_error(GEOCL_E_INVALID, "lidar pipeline: input size %lldx%lld must be multiples of 32",
                           (long long)spec->width, (long long)spec->height);
  bool resize = spec->resize_long[1] > 0;
  if (resize && (spec->resize_long[0] < 1 || spec->resize_long[0] > spec->resize_long[1] ||
                 spec->resize_short[0] < 1 || spec->resize_short[0] > spec->resize_short[1]))
    return geocl_set_error(GEOCL_E_INVALID, "lidar pipeline: resize ranges %lld-%lld (long), %lld-%lld (short)",
                           (long long)spec->resize_long[0], (long long)spec->resize_long[1],
                           (long long)spec->resize_short[0], (long long)spec->resize_short[1]);
  const geocl_field_layout fields[N_FIELDS] = {
      {"points_a", GEOCL_F32, 2, {spec->points, 4}},
      {"points_b", GEOCL_F32, 2, {spec->points, 4}},
      {"b_to_a", GEOCL_F32, 2, {4, 4}},
      {"lidar2img", GEOCL_F32, 2, {4, 4}},
      {"image", GEOCL_F32, 3, {3, spec->height, spec->width}},
      {"image_size", GEOCL_F32, 1, {2}},
  };
  memcpy(f, fields, sizeof fields);
  *n = N_FIELDS;
  return GEOCL_OK;
}

/* mmcv.imrescale's size for targets (long, short): the largest scale that
 * keeps both sides within them. */
static void rescaled_size(int w, int h, int64_t long_edge, int64_t short_edge, int *nw, int *nh) {
  double sf = fmin((double)long_edge / (w > h ? w : h), (double)short_edge / (w > h ? h : w));
  *nw = (int)(w * sf + 0.5);
  *nh = (int)(h * sf + 0.5);
}

static void mirror_columns(geocl_image *img) {
  uint8_t *p = img->data;
  for (int y = 0; y < img->height; y++) {
    uint8_t *row = p + (size_t)y * img->width * 3;
    for (int a = 0, b = img->width - 1; a < b; a++, b--)
      for (int c = 0; c < 3; c++) {
        uint8_t t = row[a * 3 + c];
        row[a * 3 + c] = row[b * 3 + c];
        row[b * 3 + c] = t;
      }
  }
}

/* The sampled, shuffled points of one view. */
static void gather(const float *pts, const int64_t *idx, const int32_t *perm, int64_t n, float *out) {
  for (int64_t i = 0; i < n; i++) memcpy(out + 4 * i, pts + 4 * idx[perm ? perm[i] : i], 4 * sizeof(float));
}

static void shuffle(geocl_keyed_rng *rng, int32_t *perm, int64_t n) {
  for (int64_t i = 0; i < n; i++) perm[i] = (int32_t)i;
  for (int64_t i = n - 1; i > 0; i--) {
    int64_t j = geocl_keyed_below(rng, (uint32_t)(i + 1));
    int32_t t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
}

static geocl_status check_raw(const geocl_raw_sample *raw) {
  if (!raw->image1.data || !raw->points || !(raw->has & 1u << GEOCL_FIELD_LIDAR2IMG))
    return geocl_set_error(GEOCL_E_INVALID, "the lidar pipeline needs an image, a point cloud and lidar2img");
  return GEOCL_OK;
}

/* Points in the camera's view and the range box (malloc'd into *out). */
static geocl_status filter_points(const geocl_raw_sample *raw, float **out, int64_t *count) {
  *out = malloc(sizeof(float) * 4 * (size_t)(raw->n_points ? raw->n_points : 1));
  if (!*out) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  int64_t n = geocl_points_fov_filter(raw->points, raw->n_points, raw->lidar2img, raw->image1.width,
                                      raw->image1.height, *out);
  if (n == 0)
    return geocl_set_error(GEOCL_E_FORMAT, "none of the %lld LiDAR points projects into the %dx%d image "
                                           "(a calibration for another camera or image size?)",
                           (long long)raw->n_points, raw->image1.width, raw->image1.height);
  *count = geocl_points_range_filter(*out, n, *out);
  if (*count == 0)
    return geocl_set_error(GEOCL_E_FORMAT, "no LiDAR point left after the range filter (0 < x < 70.4, -40 < y < 40, "
                                           "-3 < z < 1) of the %lld in the camera's view",
                           (long long)n);
  return GEOCL_OK;
}

static geocl_status make(const geocl_data_spec *spec, const geocl_raw_sample *raw, const geocl_sample_key *key,
                         void *const *out, geocl_sample_info *info) {
  geocl_status st = check_raw(raw);
  float *pts = NULL;
  int64_t n_pts = 0, N = spec->points;
  if (st == GEOCL_OK) st = filter_points(raw, &pts, &n_pts);
  int64_t *idx = st == GEOCL_OK ? malloc(sizeof(int64_t) * (size_t)(n_pts > N ? n_pts : N)) : NULL;
  int32_t *perm = st == GEOCL_OK ? malloc(sizeof(int32_t) * (size_t)N) : NULL;
  geocl_image resized = {0};
  if (st == GEOCL_OK && (!idx || !perm)) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  if (st != GEOCL_OK) goto done;

  /* IndoorPointSample; without augmentation the first N (cycled when short) */
  if (spec->augment) geocl_points_subsample(key->seed, key->epoch, key->position, n_pts, N, idx);
  else
    for (int64_t i = 0; i < N; i++) idx[i] = i % n_pts;

  /* Resize: the long and short targets drawn in that order */
  int W = raw->image1.width, H = raw->image1.height, w = W, h = H;
  if (spec->resize_long[1] > 0) {
    int64_t L = spec->resize_long[1], S = spec->resize_short[1];
    if (spec->augment) {
      geocl_keyed_rng rng;
      geocl_keyed_init(&rng, key->seed, GEOCL_STREAM_AUGMENT, (uint64_t)key->position, (uint32_t)key->epoch);
      L = spec->resize_long[0] + geocl_keyed_below(&rng, (uint32_t)(spec->resize_long[1] - spec->resize_long[0] + 1));
      S = spec->resize_short[0] + geocl_keyed_below(&rng, (uint32_t)(spec->resize_short[1] - spec->resize_short[0] + 1));
    }
    rescaled_size(W, H, L, S, &w, &h);
  }
  if (w > spec->width || h > spec->height) {
    st = geocl_set_error(GEOCL_E_SHAPE, "the %dx%d image resized to %dx%d does not fit the task's %lldx%lld input", W,
                         H, w, h, (long long)spec->width, (long long)spec->height);
    goto done;
  }
  st = geocl_image_resize_bilinear(&raw->image1, w, h, &resized);
  if (st != GEOCL_OK) goto done;

  /* GlobalRotScaleTrans and RandomFlip3D of view B (identity without augmentation) */
  geocl_points_augment aug = {.theta = 0, .scale = 1, .flip_y = 0, .centre = {35.2f, 0.0f, -1.0f}};
  if (spec->augment) geocl_points_augment_draw(key->seed, key->epoch, key->position, &aug);
  if (aug.flip_y) mirror_columns(&resized);

  /* PointShuffle: A's order, then B's, from one stream */
  geocl_keyed_rng shuffles;
  geocl_keyed_init(&shuffles, key->seed, GEOCL_STREAM_POINT_SHUFFLE, (uint64_t)key->position, (uint32_t)key->epoch);
  if (spec->augment) shuffle(&shuffles, perm, N);
  gather(pts, idx, spec->augment ? perm : NULL, N, out[F_POINTS_A]);
  if (spec->augment) shuffle(&shuffles, perm, N);
  gather(pts, idx, spec->augment ? perm : NULL, N, out[F_POINTS_B]);
  if (spec->augment) geocl_points_augment_apply(&aug, out[F_POINTS_B], N, 4);

  double inverse[16];
  geocl_points_augment_inverse_matrix(&aug, inverse);
  float *b_to_a = out[F_B_TO_A], *l2i = out[F_LIDAR2IMG], *size = out[F_IMAGE_SIZE];
  for (int i = 0; i < 16; i++) b_to_a[i] = (float)inverse[i];
  /* the resize scales u and v by the realised ratios; the flip maps u to w' − u */
  double sx = (double)w / W, sy = (double)h / H;
  for (int c = 0; c < 4; c++) {
    const double *m = raw->lidar2img;
    double u = sx * m[c];
    l2i[c] = (float)(aug.flip_y ? w * m[8 + c] - u : u);
    l2i[4 + c] = (float)(sy * m[4 + c]);
    l2i[8 + c] = (float)m[8 + c];
    l2i[12 + c] = (float)m[12 + c];
  }
  size[0] = (float)h;
  size[1] = (float)w;
  st = geocl_bgr_mean_normalize(&resized, (int)spec->width, (int)spec->height, out[F_IMAGE]);
  info->scale = (float)sx;
  info->flipped = aug.flip_y != 0;

done:
  free(pts);
  free(idx);
  free(perm);
  geocl_image_free(&resized);
  return st;
}

const geocl_pipeline_type pipeline_lidar = {
    .name = "lidar",
    .summary = "image + LiDAR sweep (SimIPU): frustum crop, range filter, subsample, multi-scale resize, view B "
               "rotated/scaled/flipped with the image, shuffled views, BGR mean subtraction, padding",
    .layout = layout,
    .make = make,
};
