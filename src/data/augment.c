/* SPDX-License-Identifier: MIT */
/* CroCo's pair augmentation: independent crops, asymmetric colour jitter
 * with PIL's rounding, ImageNet normalisation. */
#include <string.h>

#include <geocl/augment.h>

#include <geocl/rng.h>

#define JITTER_LOW 0.6f
#define JITTER_HIGH 1.4f

const float geocl_imagenet_mean[3] = {0.485f, 0.456f, 0.406f};
const float geocl_imagenet_std[3] = {0.229f, 0.224f, 0.225f};

/* PIL's Image.blend of one sample: degenerate + f * (v - degenerate) in
 * float32, clamped, truncated. */
static inline uint8_t blend(int degenerate, int v, float f) {
  float x = (float)degenerate + f * (float)(v - degenerate);
  return x <= 0.0f ? 0 : x >= 255.0f ? 255 : (uint8_t)x;
}

/* Pillow's RGB -> L. */
static inline int luma(const uint8_t *p) { return (p[0] * 19595 + p[1] * 38470 + p[2] * 7471 + 0x8000) >> 16; }

static void brightness(uint8_t *rgb, size_t n, float f) {
  for (size_t i = 0; i < 3 * n; i++) rgb[i] = blend(0, rgb[i], f);
}

static void contrast(uint8_t *rgb, size_t n, float f) {
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++) sum += (uint64_t)luma(rgb + 3 * i);
  int mean = n ? (int)((double)sum / (double)n + 0.5) : 0;
  for (size_t i = 0; i < 3 * n; i++) rgb[i] = blend(mean, rgb[i], f);
}

static void saturation(uint8_t *rgb, size_t n, float f) {
  for (size_t i = 0; i < n; i++) {
    uint8_t *p = rgb + 3 * i;
    int gray = luma(p);
    for (int c = 0; c < 3; c++) p[c] = blend(gray, p[c], f);
  }
}

void geocl_color_jitter_apply(uint8_t *rgb, size_t pixels, const geocl_color_jitter *jitter) {
  for (int k = 0; k < 3; k++) {
    int op = jitter->order[k];
    float f = jitter->factor[op];
    if (f == 1.0f) continue; /* blending with factor 1 is the identity */
    if (op == GEOCL_JITTER_BRIGHTNESS)
      brightness(rgb, pixels, f);
    else if (op == GEOCL_JITTER_CONTRAST)
      contrast(rgb, pixels, f);
    else
      saturation(rgb, pixels, f);
  }
}

static void draw_jitter(geocl_keyed_rng *rng, geocl_color_jitter *j) {
  uint8_t order[3] = {0, 1, 2};
  for (int i = 2; i > 0; i--) {
    int k = (int)geocl_keyed_below(rng, (uint32_t)i + 1);
    uint8_t t = order[i];
    order[i] = order[k];
    order[k] = t;
  }
  memcpy(j->order, order, sizeof order);
  for (int i = 0; i < 3; i++) j->factor[i] = geocl_keyed_range(rng, JITTER_LOW, JITTER_HIGH);
}

geocl_status geocl_pair_augment_draw(uint64_t seed, int64_t epoch, int64_t position, const int size1[2],
                                     const int size2[2], int crop_w, int crop_h, int jitter, geocl_pair_augment *out) {
  const int *sizes[2] = {size1, size2};
  for (int k = 0; k < 2; k++)
    if (crop_w < 1 || crop_h < 1 || sizes[k][0] < crop_w || sizes[k][1] < crop_h)
      return geocl_set_error(GEOCL_E_SHAPE, "image %d of the pair is %dx%d, smaller than the %dx%d crop", k + 1,
                             sizes[k][0], sizes[k][1], crop_w, crop_h);
  memset(out, 0, sizeof *out); /* padding too: equal draws compare equal byte for byte */
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, seed, GEOCL_STREAM_AUGMENT, (uint64_t)position, (uint32_t)epoch);
  /* draw order: crop 1 (y, x), crop 2 (y, x), jitter 1, jitter 2 */
  for (int k = 0; k < 2; k++) {
    out->crop_y[k] = (int)geocl_keyed_below(&rng, (uint32_t)(sizes[k][1] - crop_h + 1));
    out->crop_x[k] = (int)geocl_keyed_below(&rng, (uint32_t)(sizes[k][0] - crop_w + 1));
  }
  for (int k = 0; k < 2; k++) {
    if (jitter) {
      draw_jitter(&rng, &out->jitter[k]);
    } else {
      out->jitter[k] = (geocl_color_jitter){{1.0f, 1.0f, 1.0f}, {0, 1, 2}};
    }
  }
  return GEOCL_OK;
}

geocl_status geocl_crop_normalize(const geocl_image *rgb8, int x, int y, int crop_w, int crop_h,
                                  const geocl_color_jitter *jitter, uint8_t *scratch, float *out) {
  if (rgb8->type != GEOCL_SAMPLE_U8 || rgb8->channels != 3)
    return geocl_set_error(GEOCL_E_SHAPE, "crop: needs an 8-bit RGB image, got %d channels of type %d", rgb8->channels,
                           (int)rgb8->type);
  if (x < 0 || y < 0 || crop_w < 1 || crop_h < 1 || x + crop_w > rgb8->width || y + crop_h > rgb8->height)
    return geocl_set_error(GEOCL_E_SHAPE, "crop %dx%d at (%d, %d) does not fit a %dx%d image", crop_w, crop_h, x, y,
                           rgb8->width, rgb8->height);
  const uint8_t *src = rgb8->data;
  for (int r = 0; r < crop_h; r++)
    memcpy(scratch + (size_t)r * crop_w * 3, src + ((size_t)(y + r) * rgb8->width + x) * 3, (size_t)crop_w * 3);
  size_t n = (size_t)crop_w * crop_h;
  if (jitter) geocl_color_jitter_apply(scratch, n, jitter);
  for (int c = 0; c < 3; c++) {
    float *plane = out + (size_t)c * n, mean = geocl_imagenet_mean[c], std = geocl_imagenet_std[c];
    for (size_t i = 0; i < n; i++) plane[i] = ((float)scratch[3 * i + c] / 255.0f - mean) / std;
  }
  return GEOCL_OK;
}
