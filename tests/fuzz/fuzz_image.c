/* SPDX-License-Identifier: MIT */
/* Fuzz target: PNG and JPEG decoding from memory, then conversion to RGB8.
 * A decoded image must have the size and layout it claims; a refusal must be
 * one line naming the input.  The pixel budget is lowered to 2^20 to keep
 * executions fast (the budget check itself runs on every input). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/image.h>

#include "fuzz_util.h"
#include "io/image_codec.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fuzz_quiet();
  geocl_image_limits lim = {.max_pixels = 1 << 20};
  geocl_image img;
  memset(&img, 0, sizeof img);
  geocl_status st = size > 0 && data[0] == 0x89 ? geocl_png_decode(data, size, "fuzz", &lim, &img)
                                                : geocl_jpeg_decode(data, size, "fuzz", &lim, &img);
  if (st != GEOCL_OK) {
    if (img.data || strncmp(geocl_last_error(), "fuzz", 4) || strchr(geocl_last_error(), '\n')) abort();
    return 0;
  }
  if (img.width < 1 || img.height < 1 || (int64_t)img.width * img.height > lim.max_pixels || img.channels < 1 ||
      img.channels > 4 || !img.data)
    abort();
  geocl_image rgb;
  if (geocl_image_to_rgb8(&img, &rgb) == GEOCL_OK) {
    unsigned sum = 0; /* touch every pixel: sanitizers see a short buffer */
    for (size_t i = 0; i < (size_t)rgb.width * rgb.height * 3; i++) sum += ((uint8_t *)rgb.data)[i];
    if (sum == 1u << 31) abort(); /* (cannot happen: keeps the loop) */
    geocl_image_free(&rgb);
  }
  geocl_image_free(&img);
  return 0;
}
