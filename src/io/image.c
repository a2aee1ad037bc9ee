/* SPDX-License-Identifier: MIT */
/* Host images: allocation, format dispatch, conversion to RGB8. */
#include <stdlib.h>
#include <string.h>

#include <geocl/image.h>
#include <geocl/fileio.h>

#include "image_codec.h"

/* Image files larger than this are refused before decoding. */
#define IMAGE_FILE_MAX_BYTES ((size_t)1 << 30)

size_t geocl_sample_size(geocl_sample_type type) { return (size_t)type; }

geocl_status geocl_image_alloc(geocl_image *img, int width, int height, int channels, geocl_sample_type type) {
  memset(img, 0, sizeof *img);
  if (width <= 0 || height <= 0 || channels <= 0 ||
      (type != GEOCL_SAMPLE_U8 && type != GEOCL_SAMPLE_U16 && type != GEOCL_SAMPLE_F32))
    return geocl_set_error(GEOCL_E_INVALID, "image of %dx%d with %d channels of type %d: bad size or type", width,
                           height, channels, (int)type);
  size_t n = (size_t)width * (size_t)height * (size_t)channels;
  img->data = calloc(n, geocl_sample_size(type));
  if (!img->data) return geocl_set_error(GEOCL_E_NOMEM, "out of memory for a %dx%dx%d image", width, height, channels);
  img->width = width;
  img->height = height;
  img->channels = channels;
  img->type = type;
  return GEOCL_OK;
}

void geocl_image_free(geocl_image *img) {
  free(img->data);
  memset(img, 0, sizeof *img);
}

bool geocl_image_size_allowed(const geocl_image_limits *lim, const char *name, uint32_t width, uint32_t height) {
  if (lim->width && (width != (uint32_t)lim->width || height != (uint32_t)lim->height)) {
    geocl_set_error(GEOCL_E_SHAPE, "%s is %ux%u (WxH) but %s is %dx%d", name, width, height, lim->need, lim->width,
                    lim->height);
    return false;
  }
  if ((uint64_t)width * height > (uint64_t)lim->max_pixels) {
    geocl_set_error(GEOCL_E_FORMAT, "%s: a %ux%u image has more than the %lld pixels allowed", name, width, height,
                    (long long)lim->max_pixels);
    return false;
  }
  return true;
}

static geocl_status decode(const void *bytes, size_t size, const char *name, const geocl_image_limits *lim,
                           geocl_image *img) {
  static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  static const unsigned char jpeg_sig[3] = {0xff, 0xd8, 0xff};
  memset(img, 0, sizeof *img);
  if (size >= sizeof png_sig && !memcmp(bytes, png_sig, sizeof png_sig))
    return geocl_png_decode(bytes, size, name, lim, img);
  if (size >= sizeof jpeg_sig && !memcmp(bytes, jpeg_sig, sizeof jpeg_sig))
    return geocl_jpeg_decode(bytes, size, name, lim, img);
  return geocl_set_error(GEOCL_E_FORMAT, "%s: not a PNG or JPEG file (%zu bytes, unknown signature)", name, size);
}

static geocl_status read_file(const char *path, const geocl_image_limits *lim, geocl_image *img) {
  char *bytes;
  size_t size;
  memset(img, 0, sizeof *img);
  geocl_status st = geocl_file_read_all(path, IMAGE_FILE_MAX_BYTES, &bytes, &size);
  if (st != GEOCL_OK) return st;
  st = decode(bytes, size, path, lim, img);
  free(bytes);
  return st;
}

geocl_status geocl_image_decode(const void *bytes, size_t size, const char *name, geocl_image *img) {
  return decode(bytes, size, name, &(geocl_image_limits){.max_pixels = GEOCL_IMAGE_MAX_PIXELS}, img);
}

geocl_status geocl_image_read(const char *path, geocl_image *img) {
  return read_file(path, &(geocl_image_limits){.max_pixels = GEOCL_IMAGE_MAX_PIXELS}, img);
}

geocl_status geocl_image_read_sized(const char *path, int width, int height, const char *need, geocl_image *img) {
  if (width <= 0 || height <= 0)
    return geocl_set_error(GEOCL_E_INVALID, "%s: bad wanted size %dx%d", path, width, height);
  return read_file(path,
                   &(geocl_image_limits){.max_pixels = GEOCL_IMAGE_MAX_PIXELS, .width = width, .height = height,
                                         .need = need ? need : "the size needed"},
                   img);
}

geocl_status geocl_image_to_rgb8(const geocl_image *in, geocl_image *out) {
  if ((in->type != GEOCL_SAMPLE_U8 && in->type != GEOCL_SAMPLE_U16) || in->channels < 1 || in->channels > 4) {
    memset(out, 0, sizeof *out);
    return geocl_set_error(GEOCL_E_INVALID,
                           "image to RGB8: needs 8- or 16-bit samples and 1 to 4 channels, got type %d "
                           "with %d channels",
                           (int)in->type, in->channels);
  }
  geocl_status st = geocl_image_alloc(out, in->width, in->height, 3, GEOCL_SAMPLE_U8);
  if (st != GEOCL_OK) return st;
  size_t npix = (size_t)in->width * in->height;
  int c = in->channels, gray = c < 3;
  uint8_t *o = out->data;
  for (size_t i = 0; i < npix; i++)
    for (int k = 0; k < 3; k++) {
      size_t src = i * c + (gray ? 0 : k);
      o[i * 3 + k] = in->type == GEOCL_SAMPLE_U8
                         ? ((const uint8_t *)in->data)[src]
                         : (uint8_t)(((uint32_t)((const uint16_t *)in->data)[src] * 255u + 32767u) / 65535u);
    }
  return GEOCL_OK;
}

geocl_status geocl_image_write_png(const char *path, const geocl_image *img) {
  unsigned char *bytes;
  size_t size;
  geocl_status st = geocl_png_encode(img, path, &bytes, &size);
  if (st != GEOCL_OK) return st;
  st = geocl_file_write_atomic(path, bytes, size);
  free(bytes);
  return st;
}
