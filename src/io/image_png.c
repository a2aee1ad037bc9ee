/* SPDX-License-Identifier: MIT */
/* PNG through libpng, from and to memory.  libpng reports errors by longjmp;
 * every call that can fail runs under setjmp and turns the message into a
 * geocl error naming the file. */
#include <png.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "image_codec.h"

/* Fast, deterministic encoder settings: sample differences against the left
 * neighbour, then zlib's fastest level (images are written at tens of frames
 * per second by the generator). */
#define PNG_WRITE_FILTER PNG_FILTER_SUB
#define PNG_WRITE_ZLIB_LEVEL 1

/* Everything libpng's callbacks change lives on the heap, not in the frame
 * that calls setjmp, so it is still valid after the longjmp. */
typedef struct png_session {
  char message[200];          /* libpng's error */
  bool refused;               /* the size check failed: its error is set already */
  const unsigned char *input; /* decoding: the file */
  size_t input_size, input_pos;
  png_bytep *rows;
  unsigned char *output; /* encoding: the file being built */
  size_t output_size, output_capacity;
} png_session;

static int host_is_little_endian(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 1;
}

static void on_error(png_structp png, png_const_charp msg) {
  png_session *s = png_get_error_ptr(png);
  snprintf(s->message, sizeof s->message, "%s", msg);
  png_longjmp(png, 1);
}

static void on_warning(png_structp png, png_const_charp msg) {
  (void)png;
  (void)msg; /* warnings (ancillary chunk problems) do not affect the pixels */
}

static void read_bytes(png_structp png, png_bytep out, size_t n) {
  png_session *s = png_get_io_ptr(png);
  if (n > s->input_size - s->input_pos) png_error(png, "unexpected end of file (truncated)");
  memcpy(out, s->input + s->input_pos, n);
  s->input_pos += n;
}

geocl_status geocl_png_decode(const void *bytes, size_t size, const char *name, const geocl_image_limits *lim,
                              geocl_image *img) {
  memset(img, 0, sizeof *img);
  png_session *s = calloc(1, sizeof *s);
  png_structp png = s ? png_create_read_struct(PNG_LIBPNG_VER_STRING, s, on_error, on_warning) : NULL;
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    if (png) png_destroy_read_struct(&png, NULL, NULL);
    free(s);
    return geocl_set_error(GEOCL_E_NOMEM, "%s: cannot create a PNG decoder", name);
  }
  s->input = bytes;
  s->input_size = size;
  if (setjmp(png_jmpbuf(png))) {
    if (!s->refused) geocl_set_error(GEOCL_E_FORMAT, "%s: corrupt PNG: %s", name, s->message);
    free(s->rows);
    free(s);
    geocl_image_free(img);
    png_destroy_read_struct(&png, &info, NULL);
    return geocl_last_status();
  }
  png_set_read_fn(png, s, read_bytes);
  png_set_user_limits(png, GEOCL_IMAGE_MAX_SIDE, GEOCL_IMAGE_MAX_SIDE);
  /* errors libpng would only warn about, such as more image data than the
   * image holds, fail the decode */
  png_set_benign_errors(png, 0);
  png_read_info(png, info);
  if (!geocl_image_size_allowed(lim, name, png_get_image_width(png, info), png_get_image_height(png, info))) {
    s->refused = true;
    png_longjmp(png, 1);
  }

  int color = png_get_color_type(png, info), depth = png_get_bit_depth(png, info);
  if (color == PNG_COLOR_TYPE_PALETTE) {
    png_set_palette_to_rgb(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
  }
  if (color == PNG_COLOR_TYPE_GRAY && depth < 8) png_set_expand_gray_1_2_4_to_8(png);
  if (depth == 16 && host_is_little_endian()) png_set_swap(png);
  png_set_interlace_handling(png);
  png_read_update_info(png, info);

  int width = (int)png_get_image_width(png, info), height = (int)png_get_image_height(png, info);
  int channels = png_get_channels(png, info), out_depth = png_get_bit_depth(png, info);
  geocl_sample_type type = out_depth == 16 ? GEOCL_SAMPLE_U16 : GEOCL_SAMPLE_U8;
  if ((out_depth != 8 && out_depth != 16) ||
      png_get_rowbytes(png, info) != (size_t)width * channels * geocl_sample_size(type))
    png_error(png, "unsupported sample layout");
  if (geocl_image_alloc(img, width, height, channels, type) != GEOCL_OK) png_error(png, "out of memory");
  s->rows = malloc(sizeof *s->rows * (size_t)height);
  if (!s->rows) png_error(png, "out of memory");
  size_t stride = (size_t)width * channels * geocl_sample_size(type);
  for (int y = 0; y < height; y++) s->rows[y] = (png_bytep)img->data + (size_t)y * stride;
  png_read_image(png, s->rows);
  png_read_end(png, NULL); /* checks the remaining chunks up to IEND */
  free(s->rows);
  free(s);
  png_destroy_read_struct(&png, &info, NULL);
  return GEOCL_OK;
}

static void write_bytes(png_structp png, png_bytep data, size_t n) {
  png_session *s = png_get_io_ptr(png);
  if (n > s->output_capacity - s->output_size) {
    size_t cap = s->output_capacity ? s->output_capacity : 65536;
    while (n > cap - s->output_size) cap *= 2;
    unsigned char *p = realloc(s->output, cap);
    if (!p) png_error(png, "out of memory");
    s->output = p;
    s->output_capacity = cap;
  }
  memcpy(s->output + s->output_size, data, n);
  s->output_size += n;
}

static void flush_bytes(png_structp png) { (void)png; }

geocl_status geocl_png_encode(const geocl_image *img, const char *name, unsigned char **out, size_t *size) {
  static const int color_types[5] = {0, PNG_COLOR_TYPE_GRAY, PNG_COLOR_TYPE_GRAY_ALPHA, PNG_COLOR_TYPE_RGB,
                                     PNG_COLOR_TYPE_RGB_ALPHA};
  *out = NULL;
  *size = 0;
  if ((img->type != GEOCL_SAMPLE_U8 && img->type != GEOCL_SAMPLE_U16) || img->channels < 1 || img->channels > 4 ||
      img->width <= 0 || img->height <= 0 || !img->data)
    return geocl_set_error(GEOCL_E_INVALID,
                           "%s: PNG needs an 8- or 16-bit image with 1 to 4 channels (got %dx%d, "
                           "%d channels, type %d)",
                           name, img->width, img->height, img->channels, (int)img->type);
  png_session *s = calloc(1, sizeof *s);
  png_structp png = s ? png_create_write_struct(PNG_LIBPNG_VER_STRING, s, on_error, on_warning) : NULL;
  png_infop info = png ? png_create_info_struct(png) : NULL;
  if (!info) {
    if (png) png_destroy_write_struct(&png, NULL);
    free(s);
    return geocl_set_error(GEOCL_E_NOMEM, "%s: cannot create a PNG encoder", name);
  }
  if (setjmp(png_jmpbuf(png))) {
    geocl_set_error(GEOCL_E_IO, "%s: PNG encoding failed: %s", name, s->message);
    free(s->output);
    free(s);
    png_destroy_write_struct(&png, &info);
    return GEOCL_E_IO;
  }
  png_set_write_fn(png, s, write_bytes, flush_bytes);
  png_set_filter(png, PNG_FILTER_TYPE_BASE, PNG_WRITE_FILTER);
  png_set_compression_level(png, PNG_WRITE_ZLIB_LEVEL);
  int depth = img->type == GEOCL_SAMPLE_U16 ? 16 : 8;
  png_set_IHDR(png, info, (png_uint_32)img->width, (png_uint_32)img->height, depth, color_types[img->channels],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_BASE, PNG_FILTER_TYPE_BASE);
  png_write_info(png, info);
  if (depth == 16 && host_is_little_endian()) png_set_swap(png);
  size_t stride = (size_t)img->width * img->channels * geocl_sample_size(img->type);
  for (int y = 0; y < img->height; y++) png_write_row(png, (png_const_bytep)img->data + (size_t)y * stride);
  png_write_end(png, NULL);
  png_destroy_write_struct(&png, &info);
  *out = s->output;
  *size = s->output_size;
  free(s);
  return GEOCL_OK;
}
