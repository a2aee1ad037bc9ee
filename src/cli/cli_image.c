/* Images for the subcommands: files to normalised tensors. */
#include <stdlib.h>

#include <geocl/augment.h>
#include <geocl/geocl.h>
#include <geocl/image.h>

#include "cli.h"

geocl_tensor *cli_load_image(geocl_ctx *ctx, const char *path, int64_t height, int64_t width) {
  geocl_image img = {0}, rgb = {0};
  geocl_tensor *t = NULL;
  if (geocl_image_read(path, &img) != GEOCL_OK || geocl_image_to_rgb8(&img, &rgb) != GEOCL_OK) goto done;
  if (rgb.height != height || rgb.width != width) {
    geocl_set_error(GEOCL_E_SHAPE, "%s is %dx%d (WxH) but the model's img_size is %lldx%lld", path, rgb.width,
                    rgb.height, (long long)width, (long long)height);
    goto done;
  }
  size_t n = (size_t)(height * width);
  float *planes = malloc(n * 3 * sizeof *planes);
  uint8_t *scratch = malloc(n * 3);
  if (planes && scratch && geocl_crop_normalize(&rgb, 0, 0, (int)width, (int)height, NULL, scratch, planes) == GEOCL_OK)
    t = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 3, height, width), planes);
  else if (!planes || !scratch)
    geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
  free(planes);
  free(scratch);
done:
  geocl_image_free(&img);
  geocl_image_free(&rgb);
  return t;
}
