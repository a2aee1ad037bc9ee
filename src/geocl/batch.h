/* SPDX-License-Identifier: MIT */
/* Named batches: the inputs of one step, a set of named tensors plus
 * per-sample information.
 *
 * Fields with fixed meanings (B = batch size, H×W = the task's input size,
 * every tensor f32; "unknown" pixels of dense targets hold 0 and 0 in valid):
 *
 *   image1     [B, 3, H, W]  RGB, ImageNet-normalised ((v/255 − mean)/std);
 *                            CroCo's masked view, the left image of a stereo
 *                            pair, frame t of a flow pair, the camera image of
 *                            a LiDAR sweep
 *   image2     [B, 3, H, W]  the second view: CroCo's reference, the right
 *                            image, frame t+1
 *   mask       [B, N]        1 = patch masked (tasks that mask draw their own
 *                            when the batch has none)
 *   depth      [B, 1, H, W]  metres along the optical axis of image1's camera
 *   disparity  [B, 1, H, W]  pixels, of the left image (image1)
 *   flow       [B, 2, H, W]  pixels (u right, v down) from image1 to image2
 *   valid      [B, 1, H, W]  1 where the dense target (depth, disparity or
 *                            flow) is known, else 0
 *   points     [B, P, 4]     LiDAR points (x forward, y left, z up, reflectance)
 *   lidar2img  [B, 4, 4]     LiDAR to image1's pixels: [u·z, v·z, z, 1]ᵀ =
 *                            M·[x, y, z, 1]ᵀ (the pipeline's crop, resize and
 *                            flip folded in)
 *   pose       [B, 4, 4]     rigid transform from image1's camera frame to
 *                            image2's: X₂ = pose·X₁ (x right, y down, z forward)
 *
 * Any other name is a plugin's own field.  docs/data-formats.md has the
 * layouts with the files they come from. */
#ifndef GEOCL_BATCH_H
#define GEOCL_BATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The standard fields, as bits of a field set (geocl_fields). */
typedef enum geocl_field {
  GEOCL_FIELD_IMAGE1 = 0,
  GEOCL_FIELD_IMAGE2,
  GEOCL_FIELD_MASK,
  GEOCL_FIELD_DEPTH,
  GEOCL_FIELD_DISPARITY,
  GEOCL_FIELD_FLOW,
  GEOCL_FIELD_VALID,
  GEOCL_FIELD_POINTS,
  GEOCL_FIELD_LIDAR2IMG,
  GEOCL_FIELD_POSE,
  GEOCL_FIELD_COUNT
} geocl_field;
typedef uint32_t geocl_fields; /* bit (1 << geocl_field) per field */

/* The name of a standard field ("image1", ...), NULL out of range. */
const char *geocl_field_name(geocl_field f);
/* The field of a name, or -1 for a name that is not a standard field. */
int geocl_field_of(const char *name);
/* The set of a NULL-terminated name list; names that are not standard
 * fields are ignored. */
geocl_fields geocl_fields_of(const char *const *names);
/* "image1, image2, depth" into buf (returns buf). */
const char *geocl_fields_str(geocl_fields set, char *buf, size_t size);

/* Where a sample of a batch came from and what the pipeline did to it. */
typedef struct geocl_sample_info {
  int64_t index;    /* the sample's index in its data source */
  int64_t epoch, position; /* its place in the stream (position within the epoch) */
  uint64_t seed;    /* the run's data seed: a task's own per-sample draws use
                     * geocl_keyed_init(seed, stream, position, epoch), so they do
                     * not depend on how batches are split between processes */
  char name[160];   /* what identifies it in messages: a file, a frame, a pair */
  int crop_x, crop_y; /* top-left corner of image1's crop, in the resized image */
  float scale;      /* resize factor applied before cropping (1: none) */
  bool flipped;     /* mirrored horizontally */
} geocl_sample_info;

#define GEOCL_BATCH_MAX_FIELDS 24

typedef struct geocl_batch {
  int64_t size; /* B */
  int n;
  const char *names[GEOCL_BATCH_MAX_FIELDS];
  geocl_tensor *tensors[GEOCL_BATCH_MAX_FIELDS];
  const geocl_sample_info *info; /* [size], or NULL when the batch did not come from a loader */
  bool training;                 /* train mode (batch statistics, dropout); false for eval/infer */
  int64_t step;                  /* optimizer steps done before this batch */
} geocl_batch;

/* The tensor of field `name`, or NULL (no error set) when the batch lacks it. */
geocl_tensor *geocl_batch_get(const geocl_batch *b, const char *name);
/* The same, but a missing field is an error naming the task and the field. */
geocl_tensor *geocl_batch_require(const geocl_batch *b, const char *task, const char *name);
/* Add or replace a field (the name must outlive the batch: a literal). */
geocl_status geocl_batch_set(geocl_batch *b, const char *name, geocl_tensor *t);

#ifdef __cplusplus
}
#endif
#endif
