/* SPDX-License-Identifier: MIT */
/* Host images: PNG and JPEG decoding, PNG encoding.
 *
 * An image is a tightly packed, row-major, channel-interleaved array of 8-bit,
 * 16-bit (host byte order) or float samples.  Decoders read the whole file
 * first and never crash on corrupt or truncated data: any problem is a
 * GEOCL_E_FORMAT error whose one-line message names the file and what is
 * wrong.  Damage the codecs only warn about (a JPEG's corrupt entropy data or
 * premature end, a PNG's surplus image data) is an error too: no silently
 * repaired pixels.  The PNG encoder is deterministic (no time stamps or text chunks,
 * fixed zlib settings), so the same pixels always give the same bytes, and it
 * writes files atomically (a temporary file renamed into place). */
#ifndef GEOCL_IMAGE_H
#define GEOCL_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_sample_type {
  GEOCL_SAMPLE_U8 = 1,  /* uint8_t */
  GEOCL_SAMPLE_U16 = 2, /* uint16_t */
  GEOCL_SAMPLE_F32 = 4  /* float */
} geocl_sample_type;

typedef struct geocl_image {
  int width, height;
  int channels; /* 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA (or any meaning for F32) */
  geocl_sample_type type;
  void *data; /* width * height * channels samples */
} geocl_image;

/* Largest width or height, and number of pixels, the decoders accept: both
 * are checked from the file's header, before any pixel is decoded, so a small
 * file claiming a huge image costs nothing. */
#define GEOCL_IMAGE_MAX_SIDE 32768
#define GEOCL_IMAGE_MAX_PIXELS ((int64_t)1 << 26) /* 8192 x 8192 */

/* Allocate an image (contents zeroed).  Free with geocl_image_free. */
geocl_status geocl_image_alloc(geocl_image *img, int width, int height, int channels, geocl_sample_type type);
/* Free the pixels and zero the struct; safe on a zeroed struct. */
void geocl_image_free(geocl_image *img);
/* Bytes per sample (1, 2 or 4). */
size_t geocl_sample_size(geocl_sample_type type);

/* Decode a PNG or JPEG file, chosen by its signature.
 * PNG: 1/2/4-bit gray becomes 8-bit; palette becomes RGB (RGBA with a tRNS
 * chunk); 16-bit stays 16-bit; gray, gray+alpha, RGB and RGBA keep their
 * channels; interlaced files are de-interlaced.  JPEG: 8-bit gray (1 channel)
 * or RGB (3 channels, YCbCr converted); CMYK is refused. */
geocl_status geocl_image_read(const char *path, geocl_image *img);
/* The same from memory; name is used in error messages. */
geocl_status geocl_image_decode(const void *bytes, size_t size, const char *name, geocl_image *img);
/* geocl_image_read for a caller that needs one size: a file of another size
 * is refused from its header (E_SHAPE, "<path> is WxH (WxH) but <need> is
 * WxH"), before any pixel is decoded. */
geocl_status geocl_image_read_sized(const char *path, int width, int height, const char *need, geocl_image *img);

/* Convert any 8- or 16-bit image to 8-bit RGB: gray is replicated, alpha is
 * dropped, 16-bit samples are rounded to 8 bits (v * 255 / 65535). */
geocl_status geocl_image_to_rgb8(const geocl_image *in, geocl_image *out);

/* Write an 8- or 16-bit image with 1 to 4 channels as PNG. */
geocl_status geocl_image_write_png(const char *path, const geocl_image *img);

/* Write a picture tensor, [3, H, W] or [1, 3, H, W] with values in [0, 1]
 * (clamped; NaN → 0), as an 8-bit RGB PNG. */
struct geocl_tensor;
geocl_status geocl_write_picture_png(const struct geocl_tensor *pic, const char *path);

#ifdef __cplusplus
}
#endif
#endif
