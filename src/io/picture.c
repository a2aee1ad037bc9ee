/* SPDX-License-Identifier: MIT */
/* Pictures from tensors: [3, H, W] (or [1, 3, H, W]) floats in [0, 1] to PNG. */
#include <math.h>
#include <stdlib.h>

#include <geocl/image.h>
#include <geocl/tensor.h>

geocl_status geocl_write_picture_png(const geocl_tensor *pic, const char *path) {
  int nd = geocl_ndim(pic);
  if (!((nd == 3 && geocl_dim(pic, 0) == 3) || (nd == 4 && geocl_dim(pic, 0) == 1 && geocl_dim(pic, 1) == 3)))
    return geocl_set_error(GEOCL_E_SHAPE, "%s: a picture must be [3, H, W] or [1, 3, H, W]", path);
  int64_t h = geocl_dim(pic, -2), w = geocl_dim(pic, -1);
  size_t n = (size_t)(h * w);
  float *v = malloc(n * 3 * sizeof *v + 4);
  geocl_image img = {0};
  geocl_status st = v ? geocl_to_host(pic, v, n * 3 * sizeof *v) : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  if (st == GEOCL_OK) st = geocl_image_alloc(&img, (int)w, (int)h, 3, GEOCL_SAMPLE_U8);
  for (size_t i = 0; st == GEOCL_OK && i < n; i++)
    for (int c = 0; c < 3; c++) {
      float x = v[c * n + i];
      x = isnan(x) ? 0.0f : (x < 0 ? 0 : (x > 1 ? 1 : x));
      ((uint8_t *)img.data)[i * 3 + c] = (uint8_t)lrintf(x * 255.0f);
    }
  if (st == GEOCL_OK) st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  free(v);
  return st;
}
