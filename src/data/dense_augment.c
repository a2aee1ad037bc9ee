/* SPDX-License-Identifier: MIT */
/* The downstream tasks' augmentation (dense_augment.h).
 *
 * Stereo (naver/croco stereoflow/augmentor.py StereoAugmentor): with
 * probability 1/2 the images are stretched along x by 2^U(0, 1) (2^U(-0.2,
 * 0.4) for images of 800 px and more), at least to the crop width + 8, the
 * disparity resized with nearest neighbours and multiplied by the factor; a
 * random crop; a vertical flip with probability 1/2; then colour: with
 * probability 1/2 one of contrast, gamma, brightness, hue and saturation,
 * else all five in random order, each applied with probability 1/2 and
 * redrawn for the right image with probability 1/2.
 *
 * Flow (FlowAugmentor): with probability 0.8 a scale 2^U(-0.2, 0.5), with
 * probability 0.8 stretched by 2^U(-0.2, 0.2) along each axis, at least the
 * crop + 8 px; dense flow resized bilinearly, sparse flow (with unknown
 * vectors, e.g. KITTI's) splatted to the rounded scaled pixels; both scaled by
 * the factors; a horizontal flip (u negated) with probability 1/2 and a
 * vertical one (v negated) with probability 0.1; a random crop; then
 * torchvision's ColorJitter(0.4, 0.4, 0.4, hue 0.5/π), drawn for each image
 * with probability 0.2, else once for both.
 *
 * Depth (the depth toolbox's KITTI pipeline, without its small rotation): a
 * horizontal flip with probability 1/2, a random crop, and with probability
 * 1/2 gamma U(0.9, 1.1), brightness U(0.75, 1.25) and per-channel colour
 * U(0.9, 1.1).
 *
 * Differences from the official code: the right image's small rotation and
 * vertical shift (stereo) are not applied; the stereo saturation redraw uses
 * U(0.8, 1.2), not the upstream U(-0.8, 1.2); symmetric flow jitter takes the
 * contrast mean of each image instead of the stacked pair; hue follows PIL's
 * 8-bit HSV round trip as closely as a plain formula does.  Resizing samples
 * pixel centres as OpenCV's INTER_LINEAR and INTER_NEAREST do. */
#include <math.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/rng.h>

#include "data/dense_augment.h"

static void add_step(colour_steps *s, colour_op op, float f) {
  s->op[s->n] = op;
  s->factor[s->n][0] = s->factor[s->n][1] = s->factor[s->n][2] = f;
  s->n++;
}

static void shuffle(geocl_keyed_rng *rng, int *v, int n) {
  for (int i = n - 1; i > 0; i--) {
    int k = (int)geocl_keyed_below(rng, (uint32_t)i + 1), t = v[i];
    v[i] = v[k];
    v[k] = t;
  }
}

static void draw_stereo_colour(geocl_keyed_rng *rng, dense_augment *a) {
  static const colour_op ops[5] = {COLOUR_CONTRAST, COLOUR_GAMMA, COLOUR_BRIGHTNESS, COLOUR_HUE, COLOUR_SATURATION};
  static const float lo[5] = {0.8f, 0.7f, 0.5f, -0.1f, 0.8f}, hi[5] = {1.2f, 1.5f, 2.0f, 0.1f, 1.2f};
  int order[5] = {0, 1, 2, 3, 4}, n = 5;
  if (geocl_keyed_unit(rng) < 0.5f) {
    order[0] = (int)geocl_keyed_below(rng, 5);
    n = 1;
  } else {
    shuffle(rng, order, 5);
  }
  for (int i = 0; i < n; i++) {
    int k = order[i];
    if (geocl_keyed_unit(rng) >= 0.5f) continue;
    float f1 = geocl_keyed_range(rng, lo[k], hi[k]), f2 = f1;
    if (geocl_keyed_unit(rng) < 0.5f) f2 = geocl_keyed_range(rng, lo[k], hi[k]);
    add_step(&a->colour[0], ops[k], f1);
    add_step(&a->colour[1], ops[k], f2);
  }
}

/* torchvision's ColorJitter(0.4, 0.4, 0.4, 0.5/π): the four in random order. */
static void draw_jitter(geocl_keyed_rng *rng, colour_steps *s) {
  static const colour_op ops[4] = {COLOUR_BRIGHTNESS, COLOUR_CONTRAST, COLOUR_SATURATION, COLOUR_HUE};
  int order[4] = {0, 1, 2, 3};
  shuffle(rng, order, 4);
  float f[4];
  for (int k = 0; k < 3; k++) f[k] = geocl_keyed_range(rng, 0.6f, 1.4f);
  f[3] = geocl_keyed_range(rng, -0.5f / 3.14f, 0.5f / 3.14f);
  for (int i = 0; i < 4; i++) add_step(s, ops[order[i]], f[order[i]]);
}

static void draw_depth_colour(geocl_keyed_rng *rng, dense_augment *a) {
  if (geocl_keyed_unit(rng) >= 0.5f) return;
  colour_steps *s = &a->colour[0];
  add_step(s, COLOUR_GAMMA, geocl_keyed_range(rng, 0.9f, 1.1f));
  float brightness = geocl_keyed_range(rng, 0.75f, 1.25f);
  s->op[s->n] = COLOUR_CHANNELS;
  for (int c = 0; c < 3; c++) s->factor[s->n][c] = brightness * geocl_keyed_range(rng, 0.9f, 1.1f);
  s->n++;
  a->colour[1] = *s;
}

static double pow2(geocl_keyed_rng *rng, float lo, float hi) { return exp2(geocl_keyed_range(rng, lo, hi)); }

geocl_status dense_augment_draw(dense_task task, bool augment, bool allow_flips, const geocl_sample_key *key, int width,
                                int height, int crop_w, int crop_h, dense_augment *a) {
  memset(a, 0, sizeof *a);
  a->sx = a->sy = 1.0;
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, key->seed, GEOCL_STREAM_AUGMENT, (uint64_t)key->position, (uint32_t)key->epoch);
  if (augment && task == DENSE_STEREO) {
    double min_sx = (crop_w + 8.0) / width;
    if (geocl_keyed_unit(&rng) < 0.5f) {
      bool large = (width < height ? width : height) >= 800;
      a->sx = fmax(pow2(&rng, large ? -0.2f : 0.0f, large ? 0.4f : 1.0f), min_sx);
    } else if (min_sx > 1.0) {
      a->sx = min_sx;
    }
  } else if (augment && task == DENSE_FLOW && geocl_keyed_unit(&rng) < 0.8f) {
    double s = pow2(&rng, -0.2f, 0.5f), min_s = fmax((crop_h + 8.0) / height, (crop_w + 8.0) / width);
    a->sx = a->sy = s;
    if (geocl_keyed_unit(&rng) < 0.8f) {
      a->sx *= pow2(&rng, -0.2f, 0.2f);
      a->sy *= pow2(&rng, -0.2f, 0.2f);
    }
    a->sx = fmax(a->sx, min_s);
    a->sy = fmax(a->sy, min_s);
  }
  a->scaled_w = (int)lround(width * a->sx);
  a->scaled_h = (int)lround(height * a->sy);
  if (a->scaled_w < crop_w || a->scaled_h < crop_h)
    return geocl_set_error(GEOCL_E_INVALID, "image of %dx%d is smaller than the %dx%d the task takes", a->scaled_w,
                           a->scaled_h, crop_w, crop_h);
  if (augment && allow_flips) {
    if (task == DENSE_FLOW) {
      a->hflip = geocl_keyed_unit(&rng) < 0.5f;
      a->vflip = geocl_keyed_unit(&rng) < 0.1f;
    } else if (task == DENSE_DEPTH) {
      a->hflip = geocl_keyed_unit(&rng) < 0.5f;
    }
  }
  if (!augment) {
    a->crop_x = (a->scaled_w - crop_w) / 2;
    a->crop_y = (a->scaled_h - crop_h) / 2;
    return GEOCL_OK;
  }
  a->crop_x = (int)geocl_keyed_below(&rng, (uint32_t)(a->scaled_w - crop_w + 1));
  a->crop_y = (int)geocl_keyed_below(&rng, (uint32_t)(a->scaled_h - crop_h + 1));
  if (task == DENSE_STEREO) {
    a->vflip = allow_flips && geocl_keyed_unit(&rng) < 0.5f;
    draw_stereo_colour(&rng, a);
  } else if (task == DENSE_FLOW) {
    bool asymmetric = geocl_keyed_unit(&rng) < 0.2f;
    draw_jitter(&rng, &a->colour[0]);
    if (asymmetric) draw_jitter(&rng, &a->colour[1]);
    else a->colour[1] = a->colour[0];
  } else {
    draw_depth_colour(&rng, a);
  }
  return GEOCL_OK;
}

/* ---- geometry ---- */

/* The unflipped scaled coordinate of crop pixel x along an axis. */
static inline int scaled_coord(int x, int crop0, bool flip, int scaled) {
  int X = crop0 + x;
  return flip ? scaled - 1 - X : X;
}

/* Bilinear taps at source coordinate s (pixel centres, edges replicated). */
static inline void taps(double s, int n, int *i0, int *i1, float *w) {
  double f = floor(s);
  *w = (float)(s - f);
  int a = (int)f, b = a + 1;
  *i0 = a < 0 ? 0 : a >= n ? n - 1 : a;
  *i1 = b < 0 ? 0 : b >= n ? n - 1 : b;
}

static inline int nearest(int X, double scale, int n) {
  int i = (int)floor(X / scale);
  return i < 0 ? 0 : i >= n ? n - 1 : i;
}

void dense_augment_map(const dense_augment *a, const geocl_image *map, int c, bool nearest_taps, float mult, int crop_w,
                       int crop_h, float *out) {
  const float *src = map->data;
  int W = map->width, H = map->height, C = map->channels;
  for (int y = 0; y < crop_h; y++) {
    int Y = scaled_coord(y, a->crop_y, a->vflip, a->scaled_h);
    int y0, y1;
    float wy;
    if (nearest_taps) {
      y0 = y1 = nearest(Y, a->sy, H);
      wy = 0;
    } else {
      taps((Y + 0.5) / a->sy - 0.5, H, &y0, &y1, &wy);
    }
    for (int x = 0; x < crop_w; x++) {
      int X = scaled_coord(x, a->crop_x, a->hflip, a->scaled_w);
      float v;
      if (nearest_taps) {
        v = src[((size_t)y0 * W + nearest(X, a->sx, W)) * C + c];
      } else {
        int x0, x1;
        float wx;
        taps((X + 0.5) / a->sx - 0.5, W, &x0, &x1, &wx);
        float top = src[((size_t)y0 * W + x0) * C + c] * (1 - wx) + src[((size_t)y0 * W + x1) * C + c] * wx;
        float bottom = src[((size_t)y1 * W + x0) * C + c] * (1 - wx) + src[((size_t)y1 * W + x1) * C + c] * wx;
        v = top * (1 - wy) + bottom * wy;
      }
      out[(size_t)y * crop_w + x] = v * mult;
    }
  }
}

void dense_augment_sparse_flow(const dense_augment *a, const geocl_image *flow, int crop_w, int crop_h, float *u,
                               float *v, float *valid) {
  size_t n = (size_t)crop_w * crop_h;
  memset(u, 0, n * sizeof *u);
  memset(v, 0, n * sizeof *v);
  memset(valid, 0, n * sizeof *valid);
  const float *f = flow->data;
  for (int y = 0; y < flow->height; y++)
    for (int x = 0; x < flow->width; x++) {
      const float *p = f + 3 * ((size_t)y * flow->width + x);
      if (p[2] < 0.5f) continue;
      int X = (int)lround(x * a->sx), Y = (int)lround(y * a->sy);
      if (X >= a->scaled_w || Y >= a->scaled_h) continue;
      if (a->hflip) X = a->scaled_w - 1 - X;
      if (a->vflip) Y = a->scaled_h - 1 - Y;
      int cx = X - a->crop_x, cy = Y - a->crop_y;
      if (cx < 0 || cy < 0 || cx >= crop_w || cy >= crop_h) continue;
      size_t i = (size_t)cy * crop_w + cx; /* a later vector wins, as in the official splatting */
      u[i] = (float)(p[0] * a->sx) * (a->hflip ? -1.0f : 1.0f);
      v[i] = (float)(p[1] * a->sy) * (a->vflip ? -1.0f : 1.0f);
      valid[i] = 1;
    }
}

void dense_augment_affine(const dense_augment *a, double *ax, double *bx, double *ay, double *by) {
  /* source x → scaled (x + 1/2)·sx − 1/2 → flipped → minus the crop corner */
  double ox = 0.5 * a->sx - 0.5, oy = 0.5 * a->sy - 0.5;
  *ax = a->hflip ? -a->sx : a->sx;
  *bx = a->hflip ? a->scaled_w - 1 - ox - a->crop_x : ox - a->crop_x;
  *ay = a->vflip ? -a->sy : a->sy;
  *by = a->vflip ? a->scaled_h - 1 - oy - a->crop_y : oy - a->crop_y;
}

/* ---- colour ---- */

static inline uint8_t clip8(double x) { return x <= 0 ? 0 : x >= 255 ? 255 : (uint8_t)lrint(x); }

/* torchvision's adjust_gamma on a PIL image: a table of
 * int(255.999·(v/255)^γ). */
static void adjust_gamma(uint8_t *rgb, size_t n, float g) {
  uint8_t lut[256];
  for (int i = 0; i < 256; i++) {
    double x = (255.0 + 1.0 - 1e-3) * pow(i / 255.0, g);
    lut[i] = x >= 255 ? 255 : (uint8_t)x;
  }
  for (size_t i = 0; i < 3 * n; i++) rgb[i] = lut[rgb[i]];
}

/* torchvision's adjust_hue on a PIL image: to PIL's 8-bit HSV, the hue byte
 * shifted by int(h·255) with wrap-around, back to RGB. */
static void adjust_hue(uint8_t *rgb, size_t n, float h) {
  int shift = ((int)(h * 255.0f) % 256 + 256) % 256;
  for (size_t i = 0; i < n; i++) {
    uint8_t *p = rgb + 3 * i;
    int r = p[0], g = p[1], b = p[2], maxc = r > g ? (r > b ? r : b) : (g > b ? g : b);
    int minc = r < g ? (r < b ? r : b) : (g < b ? g : b);
    if (maxc == minc) continue; /* gray: no hue */
    float cr = (float)(maxc - minc), s = cr / (float)maxc;
    float rc = (maxc - r) / cr, gc = (maxc - g) / cr, bc = (maxc - b) / cr;
    float hh = r == maxc ? bc - gc : g == maxc ? 2.0f + rc - bc : 4.0f + gc - rc;
    hh = fmodf(hh / 6.0f + 1.0f, 1.0f);
    int H = ((int)(hh * 255.0f) + shift) % 256, S = (int)(s * 255.0f), V = maxc;
    if (S == 0) {
      p[0] = p[1] = p[2] = (uint8_t)V;
      continue;
    }
    float hf = H * 6.0f / 255.0f, fs = S / 255.0f;
    int k = (int)floorf(hf);
    float f = hf - (float)k;
    uint8_t pv = clip8(V * (1.0f - fs)), q = clip8(V * (1.0f - fs * f)), t = clip8(V * (1.0f - fs * (1.0f - f)));
    uint8_t vv = (uint8_t)V, out[6][3] = {{vv, t, pv}, {q, vv, pv}, {pv, vv, t}, {pv, q, vv}, {t, pv, vv}, {vv, pv, q}};
    memcpy(p, out[k % 6], 3);
  }
}

static void colour_apply(const colour_steps *s, uint8_t *rgb, size_t n) {
  for (int i = 0; i < s->n; i++) {
    const float *f = s->factor[i];
    geocl_color_jitter one = {{1.0f, 1.0f, 1.0f}, {0, 1, 2}};
    switch (s->op[i]) {
    case COLOUR_BRIGHTNESS: one.factor[GEOCL_JITTER_BRIGHTNESS] = f[0]; break;
    case COLOUR_CONTRAST: one.factor[GEOCL_JITTER_CONTRAST] = f[0]; break;
    case COLOUR_SATURATION: one.factor[GEOCL_JITTER_SATURATION] = f[0]; break;
    case COLOUR_GAMMA: adjust_gamma(rgb, n, f[0]); continue;
    case COLOUR_HUE: adjust_hue(rgb, n, f[0]); continue;
    case COLOUR_CHANNELS:
      for (size_t k = 0; k < 3 * n; k++) rgb[k] = clip8(rgb[k] * f[k % 3]);
      continue;
    }
    geocl_color_jitter_apply(rgb, n, &one);
  }
}

void dense_augment_image(const dense_augment *a, const geocl_image *img, int image, int crop_w, int crop_h,
                         uint8_t *out) {
  const uint8_t *src = img->data;
  int W = img->width, H = img->height;
  for (int y = 0; y < crop_h; y++) {
    int Y = scaled_coord(y, a->crop_y, a->vflip, a->scaled_h), y0, y1;
    float wy;
    taps((Y + 0.5) / a->sy - 0.5, H, &y0, &y1, &wy);
    for (int x = 0; x < crop_w; x++) {
      int X = scaled_coord(x, a->crop_x, a->hflip, a->scaled_w), x0, x1;
      float wx;
      taps((X + 0.5) / a->sx - 0.5, W, &x0, &x1, &wx);
      for (int c = 0; c < 3; c++) {
        float top = src[((size_t)y0 * W + x0) * 3 + c] * (1 - wx) + src[((size_t)y0 * W + x1) * 3 + c] * wx;
        float bottom = src[((size_t)y1 * W + x0) * 3 + c] * (1 - wx) + src[((size_t)y1 * W + x1) * 3 + c] * wx;
        out[((size_t)y * crop_w + x) * 3 + c] = clip8(top * (1 - wy) + bottom * wy);
      }
    }
  }
  colour_apply(&a->colour[image], out, (size_t)crop_w * crop_h);
}
