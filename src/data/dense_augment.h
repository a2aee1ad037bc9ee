/* SPDX-License-Identifier: MIT */
/* The downstream tasks' training augmentation (naver/croco
 * stereoflow/augmentor.py; the depth toolbox's flip, crop and colour
 * augmentation for depth), used by the "dense" pipeline: a scale, flips and
 * a crop applied together to the images and the dense targets, then colour
 * changes of the image crops.  Every draw is keyed by the sample's place in
 * the stream. */
#ifndef GEOCL_DATA_DENSE_AUGMENT_H
#define GEOCL_DATA_DENSE_AUGMENT_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/data.h>

typedef enum dense_task { DENSE_STEREO, DENSE_FLOW, DENSE_DEPTH } dense_task;

/* One colour operation on 8-bit RGB. */
typedef enum { COLOUR_BRIGHTNESS, COLOUR_CONTRAST, COLOUR_SATURATION, COLOUR_GAMMA, COLOUR_HUE, COLOUR_CHANNELS } colour_op;

#define DENSE_MAX_COLOUR_OPS 6
typedef struct colour_steps {
  int n;
  colour_op op[DENSE_MAX_COLOUR_OPS];
  float factor[DENSE_MAX_COLOUR_OPS][3]; /* [1], [2] only for COLOUR_CHANNELS */
} colour_steps;

typedef struct dense_augment {
  double sx, sy;       /* scale of the source image (1: none) */
  int scaled_w, scaled_h;
  bool hflip, vflip;   /* of the scaled image */
  int crop_x, crop_y;  /* in the scaled, flipped image */
  colour_steps colour[2]; /* image1's and image2's */
} dense_augment;

/* Draw the augmentation of a W×H sample for a crop_w×crop_h task.  With
 * augment false: the centred crop, nothing else.  allow_flips false keeps the
 * geometry (for samples with a pose).  Fails when no crop fits. */
geocl_status dense_augment_draw(dense_task task, bool augment, bool allow_flips, const geocl_sample_key *key, int width,
                                int height, int crop_w, int crop_h, dense_augment *out);

/* The augmented crop of an 8-bit RGB image (colour steps applied): out is
 * crop_w×crop_h×3 bytes. */
void dense_augment_image(const dense_augment *a, const geocl_image *rgb, int image, int crop_w, int crop_h,
                         uint8_t *out);
/* The augmented crop of channel c of a float map: bilinear (or nearest)
 * samples of the scaled map, times mult. */
void dense_augment_map(const dense_augment *a, const geocl_image *map, int c, bool nearest, float mult, int crop_w,
                       int crop_h, float *out);
/* Sparse flow (u, v, valid): each known vector moved to its scaled pixel
 * (rounded) and scaled, as the official point splatting does; u, v and valid
 * planes of crop_w×crop_h, the flips' signs applied. */
void dense_augment_sparse_flow(const dense_augment *a, const geocl_image *flow, int crop_w, int crop_h, float *u,
                               float *v, float *valid);
/* Pixel maps of the crop: out_x = ax·x + bx, out_y = ay·y + by for a source
 * pixel (x, y) (for projection matrices). */
void dense_augment_affine(const dense_augment *a, double *ax, double *bx, double *ay, double *by);

#endif
