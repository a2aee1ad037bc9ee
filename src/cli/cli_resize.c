/* SPDX-License-Identifier: MIT */
/* Images of any size fitted to a model's input (--resize): 'crop' scales the
 * image to cover the input and cuts the centre (torchvision's Resize of the
 * shorter side then CenterCrop), 'stretch' scales each axis to it, 'none'
 * wants the exact size.  Scaling is bilinear (PyTorch's, align_corners
 * false) after averaging whole blocks of k x k pixels when the image is k or
 * more times larger, so that downscaling does not alias. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/geocl.h>
#include <geocl/image.h>

#include "cli.h"

int cli_resize_parse(const char *cmd, const char *text, cli_resize *out) {
  static const char *const names[] = {"none", "crop", "stretch"};
  for (int i = 0; i < 3; i++)
    if (!strcmp(text, names[i])) {
      *out = (cli_resize)i;
      return 0;
    }
  cli_error(cmd, "--resize %s: expected none, crop or stretch", text);
  return 1;
}

/* The mean of each k x k block (the last partial row and column of blocks left out). */
static geocl_status box_reduce(const geocl_image *in, int k, geocl_image *out) {
  int w = in->width / k, h = in->height / k;
  geocl_status st = geocl_image_alloc(out, w, h, 3, GEOCL_SAMPLE_U8);
  if (st != GEOCL_OK) return st;
  const uint8_t *src = in->data;
  uint8_t *dst = out->data;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        unsigned sum = 0;
        for (int dy = 0; dy < k; dy++)
          for (int dx = 0; dx < k; dx++) sum += src[((size_t)(y * k + dy) * (size_t)in->width + (size_t)(x * k + dx)) * 3 + (size_t)c];
        dst[((size_t)y * (size_t)w + (size_t)x) * 3 + (size_t)c] = (uint8_t)((sum + (unsigned)(k * k) / 2) / (unsigned)(k * k));
      }
  return GEOCL_OK;
}

geocl_tensor *cli_load_image_fit(geocl_ctx *ctx, const char *path, int64_t height, int64_t width, cli_resize mode) {
  if (mode == CLI_RESIZE_NONE) return cli_load_image(ctx, path, height, width);
  geocl_image img = {0}, rgb = {0}, small = {0};
  geocl_tensor *t = NULL;
  float *planes = NULL;
  uint8_t *scratch = NULL;
  if (geocl_image_read(path, &img) != GEOCL_OK || geocl_image_to_rgb8(&img, &rgb) != GEOCL_OK) goto done;
  /* the region of the image that becomes the input */
  double sx = (double)width / rgb.width, sy = (double)height / rgb.height;
  if (mode == CLI_RESIZE_CROP) sx = sy = fmax(sx, sy);
  double cw = width / sx, ch = height / sy;
  int k = (int)fmin(floor(cw / (double)width), floor(ch / (double)height));
  const geocl_image *src = &rgb;
  if (k >= 2) {
    if (box_reduce(&rgb, k, &small) != GEOCL_OK) goto done;
    src = &small;
    cw /= k, ch /= k;
  }
  int w0 = (int)fmin(lround(cw), src->width), h0 = (int)fmin(lround(ch), src->height);
  if (w0 < 1 || h0 < 1) {
    geocl_set_error(GEOCL_E_SHAPE, "%s is %dx%d (WxH): too small to fit %lldx%lld", path, rgb.width, rgb.height,
                    (long long)width, (long long)height);
    goto done;
  }
  planes = malloc((size_t)w0 * (size_t)h0 * 3 * sizeof *planes);
  scratch = malloc((size_t)w0 * (size_t)h0 * 3);
  if (!planes || !scratch) {
    geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
    goto done;
  }
  if (geocl_crop_normalize(src, (src->width - w0) / 2, (src->height - h0) / 2, w0, h0, NULL, scratch, planes) !=
      GEOCL_OK)
    goto done;
  geocl_tensor *region = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 3, h0, w0), planes);
  t = region && (h0 != height || w0 != width) ? geocl_resize2d(region, height, width, GEOCL_RESAMPLE_LINEAR, false)
                                              : region;
done:
  free(planes);
  free(scratch);
  geocl_image_free(&img);
  geocl_image_free(&rgb);
  geocl_image_free(&small);
  return t;
}
