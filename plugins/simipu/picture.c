/* SPDX-License-Identifier: MIT */
/* The simipu picture: per sample, the image as fed with view A's keypoints
 * projected into it (filled squares) and each one's Hungarian partner from
 * view B, mapped back into A's frame (hollow squares of the same colour:
 * the closer the pairs, the better the two views agree); beside it, the
 * run's curves: intra-modal loss (orange), inter-modal loss (blue), both on
 * [0, their maximum], and the intra-modal top-1 accuracy (green, 0-100%).
 * A caption strip above names the two panels. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simipu.h"

typedef struct canvas {
  float *rgb; /* planes [3][h][w] */
  int w, h;
} canvas;

static void put(canvas *c, int x, int y, const float col[3]) {
  if (x < 0 || y < 0 || x >= c->w || y >= c->h) return;
  for (int k = 0; k < 3; k++) c->rgb[(size_t)k * c->w * c->h + (size_t)y * c->w + x] = col[k];
}

static void square(canvas *c, int x, int y, int r, bool filled, const float col[3]) {
  for (int dy = -r; dy <= r; dy++)
    for (int dx = -r; dx <= r; dx++)
      if (filled || abs(dx) == r || abs(dy) == r) put(c, x + dx, y + dy, col);
}

static void line(canvas *c, int x0, int y0, int x1, int y1, const float col[3]) {
  int dx = abs(x1 - x0), dy = -abs(y1 - y0), sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
  for (;;) {
    put(c, x0, y0, col);
    if (x0 == x1 && y0 == y1) return;
    int e2 = 2 * err;
    if (e2 >= dy) err += dy, x0 += sx;
    if (e2 <= dx) err += dx, y0 += sy;
  }
}

/* A bright colour per keypoint (hues spread by the golden ratio). */
static void hue(int i, float col[3]) {
  float h = fmodf((float)i * 0.618034f, 1.0f) * 6.0f, f = h - floorf(h);
  const float v[6][3] = {{1, f, 0}, {1 - f, 1, 0}, {0, 1, f}, {0, 1 - f, 1}, {f, 0, 1}, {1, 0, 1 - f}};
  memcpy(col, v[(int)h % 6], sizeof v[0]);
}

static bool project(const float m[16], const float *p, float *u, float *v) {
  float q[3];
  for (int r = 0; r < 3; r++) q[r] = m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3];
  if (!(q[2] > 1e-3f)) return false;
  *u = q[0] / q[2];
  *v = q[1] / q[2];
  return true;
}

/* The image (B, G, R minus the mean) back to RGB in [0, 1], keypoints on top. */
static void draw_sample(canvas *c, const float *bgr, int64_t plane_w, const float *kp_a, const float *kp_b,
                        const int32_t *match, int64_t K, const float l2i[16], const float b_to_a[16]) {
  for (int y = 0; y < c->h; y++)
    for (int x = 0; x < c->w; x++)
      for (int k = 0; k < 3; k++) {
        float v = (bgr[(size_t)(2 - k) * plane_w * c->h + (size_t)y * plane_w + x] + geocl_bgr_mean[2 - k]) / 255.0f;
        c->rgb[(size_t)k * c->w * c->h + (size_t)y * c->w + x] = v;
      }
  int r = c->h >= 256 ? 2 : 1;
  for (int64_t i = 0; i < K; i++) {
    float col[3], u, v, back[3];
    hue((int)i, col);
    const float *pb = kp_b + 3 * match[i];
    for (int j = 0; j < 3; j++)
      back[j] = b_to_a[4 * j] * pb[0] + b_to_a[4 * j + 1] * pb[1] + b_to_a[4 * j + 2] * pb[2] + b_to_a[4 * j + 3];
    if (project(l2i, back, &u, &v)) square(c, (int)floorf(u), (int)floorf(v), r + 1, false, col);
    if (project(l2i, kp_a + 3 * i, &u, &v)) square(c, (int)floorf(u), (int)floorf(v), r, true, col);
  }
}

/* Curves of the history (steps, intra, inter, top-1) on a white panel. */
static void draw_curves(canvas *c, const float *hist, int n) {
  for (size_t i = 0; i < (size_t)3 * c->w * c->h; i++) c->rgb[i] = 1.0f;
  const float axis[3] = {0.3f, 0.3f, 0.3f}, colours[3][3] = {{0.95f, 0.5f, 0}, {0.1f, 0.3f, 0.9f}, {0.1f, 0.65f, 0.2f}};
  int x0 = 4, y0 = c->h - 5, x1 = c->w - 4, y1 = 4;
  line(c, x0, y0, x1, y0, axis);
  line(c, x0, y0, x0, y1, axis);
  if (n < 2) return;
  float top = 0;
  for (int i = 0; i < n; i++) top = fmaxf(top, fmaxf(hist[4 * i + 1], hist[4 * i + 2]));
  float first = hist[0], span = hist[4 * (n - 1)] - first > 0 ? hist[4 * (n - 1)] - first : 1;
  for (int s = 0; s < 3; s++) {
    int px = 0, py = 0;
    for (int i = 0; i < n; i++) {
      float val = s < 2 ? hist[4 * i + 1 + s] / (top > 0 ? top : 1) : hist[4 * i + 3] / 100.0f;
      int x = x0 + (int)lroundf((hist[4 * i] - first) / span * (float)(x1 - x0));
      int y = y0 - (int)lroundf(fminf(fmaxf(val, 0), 1) * (float)(y0 - y1));
      if (i) line(c, px, py, x, y, colours[s]);
      px = x, py = y;
    }
  }
}

geocl_tensor *simipu_visualize(void *state, const geocl_batch *b, const geocl_outputs *out) {
  simipu_model *m = state;
  geocl_tensor *image = geocl_batch_get(b, "image"), *kp_a = geocl_outputs_get(out, "kp_a");
  geocl_tensor *kp_b = geocl_outputs_get(out, "kp_b"), *match = geocl_outputs_get(out, "match");
  geocl_tensor *l2i = geocl_batch_get(b, "lidar2img"), *b_to_a = geocl_batch_get(b, "b_to_a");
  if (!image || !kp_a || !kp_b || !match || !l2i || !b_to_a) {
    geocl_set_error(GEOCL_E_INVALID, "simipu: the picture needs the batch's image, lidar2img and b_to_a and the "
                                     "outputs kp_a, kp_b and match");
    return NULL;
  }
  int64_t B = b->size, K = geocl_dim(kp_a, 1), H = geocl_dim(image, 2), W = geocl_dim(image, 3), P = H > 96 ? H : 96;
  int n = 0;
  float *hist = simipu_history_values(m, &n);
  size_t img_n = (size_t)(B * 3 * H * W), kp_n = (size_t)(B * K * 3);
  float *host = malloc(sizeof(float) * (img_n + 2 * kp_n + 32 * (size_t)B) + sizeof(int32_t) * (size_t)(B * K));
  float *pic = malloc(sizeof(float) * (size_t)(B * 3 * H * (W + P)));
  float *panel = malloc(sizeof(float) * (size_t)(3 * H * (W > P ? W : P)));
  geocl_tensor *t = NULL;
  if (!host || !pic || !panel) {
    geocl_set_error(GEOCL_E_NOMEM, "simipu: out of memory drawing the picture");
    goto done;
  }
  float *img = host, *a = img + img_n, *kb = a + kp_n, *mat = kb + kp_n, *ba = mat + 16 * B;
  int32_t *pi = (int32_t *)(ba + 16 * B);
  if (geocl_to_host(image, img, img_n * sizeof(float)) || geocl_to_host(kp_a, a, kp_n * sizeof(float)) ||
      geocl_to_host(kp_b, kb, kp_n * sizeof(float)) || geocl_to_host(l2i, mat, 16 * sizeof(float) * (size_t)B) ||
      geocl_to_host(b_to_a, ba, 16 * sizeof(float) * (size_t)B) ||
      geocl_to_host(match, pi, sizeof(int32_t) * (size_t)(B * K)))
    goto done;
  for (int64_t s = 0; s < B; s++) {
    float *row = pic + (size_t)s * 3 * H * (W + P);
    canvas c = {panel, (int)W, (int)H};
    draw_sample(&c, img + (size_t)s * 3 * H * W, W, a + 3 * K * s, kb + 3 * K * s, pi + K * s, K, mat + 16 * s,
                ba + 16 * s);
    for (int k = 0; k < 3; k++)
      for (int64_t y = 0; y < H; y++) memcpy(row + ((size_t)k * H + y) * (W + P), panel + ((size_t)k * H + y) * W, W * sizeof(float));
    c = (canvas){panel, (int)P, (int)H};
    draw_curves(&c, hist, n);
    for (int k = 0; k < 3; k++)
      for (int64_t y = 0; y < H; y++)
        memcpy(row + ((size_t)k * H + y) * (W + P) + W, panel + ((size_t)k * H + y) * P, P * sizeof(float));
  }
  t = geocl_from_host(m->ctx, GEOCL_F32, GEOCL_SHAPE(B, 3, H, W + P), pic);
  if (t) t = geocl_picture_labels(t, 2, (const char *const[]){"keypoints", "loss, top-1"}, (const int64_t[]){W, P});
done:
  free(host);
  free(pic);
  free(panel);
  return t;
}
