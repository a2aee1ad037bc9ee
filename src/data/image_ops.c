/* SPDX-License-Identifier: MIT */
/* Host image operations of the LiDAR pipeline: bilinear resizing with
 * OpenCV's INTER_LINEAR geometry (what mmcv.imrescale calls) and SimIPU's
 * BGR mean subtraction with zero padding (mmdet's Normalize and Pad with the
 * img_norm_cfg of zhyever/SimIPU's simipu_kitti.py). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>

const float geocl_bgr_mean[3] = {103.530f, 116.280f, 123.675f};

/* Source position and weight of destination index d: centre-aligned, the
 * border clamped as cv::resize does it. */
static void tap(int d, double scale, int size, int *i0, int *i1, float *w) {
  double f = (d + 0.5) * scale - 0.5;
  int s = (int)floor(f);
  float frac = (float)(f - s);
  if (s < 0) s = 0, frac = 0;
  if (s >= size - 1) s = size - 1, frac = 0;
  *i0 = s;
  *i1 = s + 1 < size ? s + 1 : s;
  *w = frac;
}

geocl_status geocl_image_resize_bilinear(const geocl_image *in, int width, int height, geocl_image *out) {
  if (in->type != GEOCL_SAMPLE_U8 || in->channels != 3 || in->width < 1 || in->height < 1)
    return geocl_set_error(GEOCL_E_INVALID, "resize: expected an 8-bit RGB image");
  if (width < 1 || height < 1) return geocl_set_error(GEOCL_E_INVALID, "resize: target size %dx%d", width, height);
  geocl_status st = geocl_image_alloc(out, width, height, 3, GEOCL_SAMPLE_U8);
  if (st != GEOCL_OK) return st;
  int *x0 = malloc(sizeof(int) * (size_t)width * 2);
  float *wx = malloc(sizeof(float) * (size_t)width);
  if (!x0 || !wx) {
    free(x0);
    free(wx);
    geocl_image_free(out);
    return geocl_set_error(GEOCL_E_NOMEM, "resize: out of memory");
  }
  int *x1 = x0 + width;
  for (int x = 0; x < width; x++) tap(x, (double)in->width / width, in->width, &x0[x], &x1[x], &wx[x]);
  const uint8_t *src = in->data;
  uint8_t *dst = out->data;
  for (int y = 0; y < height; y++) {
    int y0, y1;
    float wy;
    tap(y, (double)in->height / height, in->height, &y0, &y1, &wy);
    const uint8_t *r0 = src + (size_t)y0 * in->width * 3, *r1 = src + (size_t)y1 * in->width * 3;
    for (int x = 0; x < width; x++)
      for (int c = 0; c < 3; c++) {
        float top = r0[x0[x] * 3 + c] + wx[x] * (r0[x1[x] * 3 + c] - r0[x0[x] * 3 + c]);
        float bottom = r1[x0[x] * 3 + c] + wx[x] * (r1[x1[x] * 3 + c] - r1[x0[x] * 3 + c]);
        float v = top + wy * (bottom - top);
        dst[((size_t)y * width + x) * 3 + c] = (uint8_t)(v < 0 ? 0 : v > 255 ? 255 : floorf(v + 0.5f));
      }
  }
  free(x0);
  free(wx);
  return GEOCL_OK;
}

geocl_status geocl_bgr_mean_normalize(const geocl_image *in, int canvas_w, int canvas_h, float *out) {
  if (in->type != GEOCL_SAMPLE_U8 || in->channels != 3)
    return geocl_set_error(GEOCL_E_INVALID, "normalise: expected an 8-bit RGB image");
  if (in->width > canvas_w || in->height > canvas_h)
    return geocl_set_error(GEOCL_E_SHAPE, "an image of %dx%d does not fit the %dx%d input", in->width, in->height,
                           canvas_w, canvas_h);
  size_t plane = (size_t)canvas_w * canvas_h;
  memset(out, 0, plane * 3 * sizeof *out);
  const uint8_t *src = in->data;
  for (int c = 0; c < 3; c++) /* plane c is B, G, R: RGB channel 2 − c */
    for (int y = 0; y < in->height; y++)
      for (int x = 0; x < in->width; x++)
        out[c * plane + (size_t)y * canvas_w + x] = src[((size_t)y * in->width + x) * 3 + 2 - c] - geocl_bgr_mean[c];
  return GEOCL_OK;
}
