/* SPDX-License-Identifier: MIT */
/* PNG and JPEG codecs behind geocl/image.h. */
#ifndef GEOCL_IMAGE_CODEC_H
#define GEOCL_IMAGE_CODEC_H

#include <stddef.h>

#include <geocl/image.h>

#include <stdbool.h>
#include <stdint.h>

/* The sizes a caller accepts, checked from the file's header before any
 * pixel is decoded. */
typedef struct geocl_image_limits {
  int64_t max_pixels; /* width · height */
  int width, height;  /* the one size wanted; 0: any */
  const char *need;   /* what wants it, for the error ("the model's img_size") */
} geocl_image_limits;

/* false with the error set (naming the file) when width × height is outside lim. */
bool geocl_image_size_allowed(const geocl_image_limits *lim, const char *name, uint32_t width, uint32_t height);

geocl_status geocl_png_decode(const void *bytes, size_t size, const char *name, const geocl_image_limits *lim,
                              geocl_image *img);
geocl_status geocl_jpeg_decode(const void *bytes, size_t size, const char *name, const geocl_image_limits *lim,
                               geocl_image *img);
/* Encode to a malloc'd buffer; name is used in error messages. */
geocl_status geocl_png_encode(const geocl_image *img, const char *name, unsigned char **out, size_t *size);

#endif
