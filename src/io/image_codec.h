/* SPDX-License-Identifier: MIT */
/* PNG and JPEG codecs behind geocl/image.h. */
#ifndef GEOCL_IMAGE_CODEC_H
#define GEOCL_IMAGE_CODEC_H

#include <stddef.h>

#include <geocl/image.h>

geocl_status geocl_png_decode(const void *bytes, size_t size, const char *name, geocl_image *img);
geocl_status geocl_jpeg_decode(const void *bytes, size_t size, const char *name, geocl_image *img);
/* Encode to a malloc'd buffer; name is used in error messages. */
geocl_status geocl_png_encode(const geocl_image *img, const char *name, unsigned char **out, size_t *size);

#endif
