/* SPDX-License-Identifier: MIT */
/* Tiled inference of dense heads (geocl/tiled.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/autograd.h>
#include <geocl/ops.h>
#include <geocl/tiled.h>

void geocl_tile_opts_default(geocl_tile_opts *o) {
  o->overlap = 0.7;
  o->conf_mode = NULL;
  o->batch = 1;
}

const char *geocl_tile_conf_mode(const geocl_model *m, const char *mode) {
  for (const geocl_option *opt = geocl_model_plugin(m)->options; !mode && opt && opt->key; opt++)
    if (!strcmp(opt->key, "tile_conf_mode")) mode = geocl_config_str(geocl_model_config(m), "tile_conf_mode");
  return mode ? mode : "none";
}

void geocl_dense_prediction_free(geocl_dense_prediction *p) {
  free(p->pred);
  free(p->conf);
  memset(p, 0, sizeof *p);
}

int geocl_tile_offsets(int total, int window, double overlap, int *offsets, int max) {
  if (window < 1 || total < window || !(overlap >= 0 && overlap < 1)) {
    geocl_set_error(GEOCL_E_INVALID, "tiles of %d px over %d px with overlap %g: need 1 <= window <= total and "
                                     "0 <= overlap < 1", window, total, overlap);
    return 0;
  }
  int n = 1 + (int)ceil((total - window) / ((1 - overlap) * window));
  if (n > max) {
    geocl_set_error(GEOCL_E_INVALID, "%d tiles of %d px over %d px (overlap %g): more than %d", n, window, total,
                    overlap, max);
    return 0;
  }
  /* numpy: linspace(0, T − w, n) = i·((T − w)/(n − 1)), the last exactly T − w; then rint */
  double step = n > 1 ? (double)(total - window) / (n - 1) : 0;
  for (int i = 0; i < n; i++) offsets[i] = (int)rint(i == n - 1 ? total - window : i * step);
  return n;
}

typedef struct conf_weight {
  int kind; /* 0 none, 1 expsigmoid, 2 expbeta */
  double beta, beta_sigmoid;
} conf_weight;

static geocl_status parse_conf_mode(const char *mode, conf_weight *w) {
  memset(w, 0, sizeof *w);
  char tail;
  if (!mode || !strcmp(mode, "none") || !*mode) return GEOCL_OK;
  if (sscanf(mode, "conf_expsigmoid_%lf_%lf%c", &w->beta, &w->beta_sigmoid, &tail) == 2 && w->beta_sigmoid != 0) {
    w->kind = 1;
    return GEOCL_OK;
  }
  if (sscanf(mode, "conf_expbeta%lf%c", &w->beta, &tail) == 1) {
    w->kind = 2;
    return GEOCL_OK;
  }
  return geocl_set_error(GEOCL_E_INVALID,
                         "tile confidence mode '%s': expected conf_expsigmoid_<beta>_<betasigmoid>, conf_expbeta<beta> "
                         "or none", mode);
}

static double weight_of(const conf_weight *w, float c) {
  switch (w->kind) {
  case 1: return exp(-w->beta * 2 * (1 / (1 + exp(-c / w->beta_sigmoid)) - 0.5));
  case 2: return exp(-w->beta * c);
  default: return 1;
  }
}

/* ImageNet-normalised planes [3][H][W] of an 8-bit RGB image. */
static geocl_status planes_of(const geocl_image *img, float **out) {
  size_t n = (size_t)img->width * img->height;
  uint8_t *scratch = malloc(n * 3);
  *out = malloc(n * 3 * sizeof **out);
  geocl_status st = scratch && *out ? geocl_crop_normalize(img, 0, 0, img->width, img->height, NULL, scratch, *out)
                                    : geocl_set_error(GEOCL_E_NOMEM, "out of memory for a %dx%d image", img->width,
                                                      img->height);
  free(scratch);
  return st;
}

typedef struct tiler {
  geocl_model *m;
  bool binocular;
  int H, W, h, w;                  /* image and crop size */
  const float *planes[2];          /* normalised images [3][H][W] */
  conf_weight cw;
  double *acc_pred, *acc_w, *acc_c; /* [C][H][W], [H][W], [H][W] */
  int channels;
  bool has_conf;
  float *batch[2], *pred, *conf; /* host buffers of one forward pass */
} tiler;

static void crop_tile(const tiler *t, const float *planes, int x0, int y0, float *out) {
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < t->h; y++)
      memcpy(out + ((size_t)c * t->h + y) * t->w, planes + ((size_t)c * t->H + y0 + y) * t->W + x0,
             sizeof(float) * (size_t)t->w);
}

/* Forward n tiles at (xs[i], ys[i]) and add them to the sums. */
static geocl_status run_tiles(tiler *t, int n, const int *xs, const int *ys) {
  size_t plane = (size_t)t->h * t->w;
  for (int i = 0; i < n; i++)
    for (int k = 0; k < (t->binocular ? 2 : 1); k++) crop_tile(t, t->planes[k], xs[i], ys[i], t->batch[k] + i * 3 * plane);
  geocl_ctx *ctx = geocl_model_ctx(t->m);
  geocl_scope scope = geocl_scope_begin(ctx);
  geocl_batch b = {.size = n, .training = false};
  int64_t shape[4] = {n, 3, t->h, t->w};
  geocl_status st = geocl_batch_set(&b, "image1", geocl_from_host(ctx, GEOCL_F32, 4, shape, t->batch[0]));
  if (st == GEOCL_OK && t->binocular)
    st = geocl_batch_set(&b, "image2", geocl_from_host(ctx, GEOCL_F32, 4, shape, t->batch[1]));
  geocl_outputs out;
  if (st == GEOCL_OK) st = geocl_model_forward(t->m, &b, &out);
  geocl_tensor *pred = st == GEOCL_OK ? geocl_outputs_get(&out, "prediction") : NULL;
  geocl_tensor *conf = st == GEOCL_OK ? geocl_outputs_get(&out, "conf") : NULL;
  if (st == GEOCL_OK && !pred)
    st = geocl_set_error(GEOCL_E_INVALID, "task %s: the forward pass gave no 'prediction' to tile",
                         geocl_model_plugin(t->m)->name);
  if (st == GEOCL_OK && (geocl_ndim(pred) != 4 || geocl_dim(pred, 0) != n || geocl_dim(pred, 1) != t->channels ||
                         geocl_dim(pred, 2) != t->h || geocl_dim(pred, 3) != t->w))
    st = geocl_set_error(GEOCL_E_SHAPE, "task %s: prediction is not [%d, %d, %d, %d]", geocl_model_plugin(t->m)->name,
                         n, t->channels, t->h, t->w);
  if (st == GEOCL_OK) st = geocl_to_host(pred, t->pred, sizeof(float) * (size_t)n * t->channels * plane);
  if (st == GEOCL_OK && t->has_conf) st = geocl_to_host(conf, t->conf, sizeof(float) * (size_t)n * plane);
  geocl_scope_end(ctx, scope);
  for (int i = 0; st == GEOCL_OK && i < n; i++)
    for (int y = 0; y < t->h; y++)
      for (int x = 0; x < t->w; x++) {
        size_t src = (size_t)y * t->w + x, dst = (size_t)(ys[i] + y) * t->W + xs[i] + x;
        float c = t->has_conf ? t->conf[i * plane + src] : 0.0f;
        double wgt = weight_of(&t->cw, c);
        for (int k = 0; k < t->channels; k++)
          t->acc_pred[(size_t)k * t->H * t->W + dst] += wgt * t->pred[((size_t)i * t->channels + k) * plane + src];
        t->acc_w[dst] += wgt;
        t->acc_c[dst] += wgt * c;
      }
  return st;
}

/* The prediction channels and whether the head gives a confidence: one
 * forward pass of the first tile tells. */
static geocl_status probe(tiler *t) {
  geocl_ctx *ctx = geocl_model_ctx(t->m);
  geocl_scope scope = geocl_scope_begin(ctx);
  size_t plane = (size_t)t->h * t->w;
  float *tile = malloc(plane * 3 * sizeof *tile);
  geocl_status st = tile ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_batch b = {.size = 1, .training = false};
  int64_t shape[4] = {1, 3, t->h, t->w};
  for (int k = 0; st == GEOCL_OK && k < (t->binocular ? 2 : 1); k++) {
    crop_tile(t, t->planes[k], 0, 0, tile);
    st = geocl_batch_set(&b, k ? "image2" : "image1", geocl_from_host(ctx, GEOCL_F32, 4, shape, tile));
  }
  geocl_outputs out;
  if (st == GEOCL_OK) st = geocl_model_forward(t->m, &b, &out);
  geocl_tensor *pred = st == GEOCL_OK ? geocl_outputs_get(&out, "prediction") : NULL;
  if (st == GEOCL_OK && (!pred || geocl_ndim(pred) != 4))
    st = geocl_set_error(GEOCL_E_INVALID, "task %s: the forward pass gave no 'prediction' [B, C, H, W] to tile",
                         geocl_model_plugin(t->m)->name);
  if (st == GEOCL_OK) {
    t->channels = (int)geocl_dim(pred, 1);
    t->has_conf = geocl_outputs_get(&out, "conf") != NULL;
  }
  geocl_scope_end(ctx, scope);
  free(tile);
  return st;
}

/* planes [C][H][W] resized to [C][h][w] in place (bicubic, align_corners
 * false, as torch's interpolate), channel c times scale[c] when given (only
 * the first two channels are scaled). */
static geocl_status resize_planes(geocl_ctx *ctx, int C, int H, int W, int h, int w, const float *scale,
                                  float **planes) {
  geocl_scope scope = geocl_scope_begin(ctx);
  geocl_tensor *x = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, C, H, W), *planes);
  geocl_tensor *y = geocl_resize2d(x, h, w, GEOCL_RESAMPLE_CUBIC, false);
  float *out = malloc(sizeof *out * (size_t)C * h * w);
  geocl_status st = !y ? geocl_last_status() : out ? geocl_to_host(y, out, sizeof *out * (size_t)C * h * w)
                                                   : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_scope_end(ctx, scope);
  for (int c = 0; st == GEOCL_OK && scale && c < C && c < 2; c++)
    for (size_t i = 0; i < (size_t)h * w; i++) out[(size_t)c * h * w + i] *= scale[c];
  if (st != GEOCL_OK) {
    free(out);
    return st;
  }
  free(*planes);
  *planes = out;
  return GEOCL_OK;
}

#define MAX_TILES_PER_AXIS 4096

static geocl_status predict(tiler *t, const geocl_tile_opts *o, geocl_dense_prediction *out) {
  int ox[MAX_TILES_PER_AXIS], oy[MAX_TILES_PER_AXIS];
  int nx = geocl_tile_offsets(t->W, t->w, o->overlap, ox, MAX_TILES_PER_AXIS);
  int ny = nx ? geocl_tile_offsets(t->H, t->h, o->overlap, oy, MAX_TILES_PER_AXIS) : 0;
  if (!nx || !ny) return geocl_last_status();
  geocl_status st = probe(t);
  if (st != GEOCL_OK) return st;
  size_t n = (size_t)t->H * t->W, plane = (size_t)t->h * t->w, B = (size_t)(o->batch > 0 ? o->batch : 1);
  t->acc_pred = calloc(n * t->channels, sizeof *t->acc_pred);
  t->acc_w = calloc(n, sizeof *t->acc_w);
  t->acc_c = calloc(n, sizeof *t->acc_c);
  t->batch[0] = malloc(B * 3 * plane * sizeof(float));
  t->batch[1] = malloc(B * 3 * plane * sizeof(float));
  t->pred = malloc(B * t->channels * plane * sizeof(float));
  t->conf = malloc(B * plane * sizeof(float));
  if (!t->acc_pred || !t->acc_w || !t->acc_c || !t->batch[0] || !t->batch[1] || !t->pred || !t->conf)
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory for tiled inference of %dx%d", t->W, t->H);
  int xs[64], ys[64], k = 0;
  B = B > 64 ? 64 : B;
  for (int i = 0; i < ny && st == GEOCL_OK; i++)
    for (int j = 0; j < nx && st == GEOCL_OK; j++) {
      xs[k] = ox[j];
      ys[k++] = oy[i];
      if ((size_t)k == B || (i == ny - 1 && j == nx - 1)) {
        st = run_tiles(t, k, xs, ys);
        k = 0;
      }
    }
  if (st != GEOCL_OK) return st;
  out->width = t->W;
  out->height = t->H;
  out->channels = t->channels;
  out->tiles = nx * ny;
  out->pred = malloc(n * t->channels * sizeof *out->pred);
  out->conf = t->has_conf ? malloc(n * sizeof *out->conf) : NULL;
  if (!out->pred || (t->has_conf && !out->conf)) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    double wsum = 1e-16 + t->acc_w[i];
    for (int c = 0; c < t->channels; c++) out->pred[c * n + i] = (float)(t->acc_pred[c * n + i] / wsum);
    if (out->conf) out->conf[i] = (float)(t->acc_c[i] / wsum);
  }
  return GEOCL_OK;
}

geocl_status geocl_tiled_predict(geocl_model *m, geocl_dense_task task, const geocl_image *image1,
                                 const geocl_image *image2, const geocl_tile_opts *o, geocl_dense_prediction *out) {
  memset(out, 0, sizeof *out);
  geocl_tile_opts defaults;
  if (!o) {
    geocl_tile_opts_default(&defaults);
    o = &defaults;
  }
  geocl_data_spec spec;
  geocl_status st = geocl_model_data_spec(m, false, &spec, NULL);
  if (st != GEOCL_OK) return st;
  tiler t = {.m = m, .binocular = (spec.fields & 1u << GEOCL_FIELD_IMAGE2) != 0, .H = image1->height,
             .W = image1->width, .h = (int)spec.height, .w = (int)spec.width};
  if (t.binocular && (!image2 || image2->width != t.W || image2->height != t.H))
    return geocl_set_error(GEOCL_E_INVALID, "task %s needs a second image of the first one's size (%dx%d)",
                           geocl_model_plugin(m)->name, t.W, t.H);
  st = parse_conf_mode(geocl_tile_conf_mode(m, o->conf_mode), &t.cw);
  float *planes[2] = {NULL, NULL};
  for (int k = 0; st == GEOCL_OK && k < (t.binocular ? 2 : 1); k++) {
    st = planes_of(k ? image2 : image1, &planes[k]);
    t.planes[k] = planes[k];
  }
  geocl_ctx *ctx = geocl_model_ctx(m);
  bool was = geocl_set_grad_enabled(ctx, false);
  int H = t.H, W = t.W;
  if (st == GEOCL_OK && (W < t.w || H < t.h)) {
    /* enlarge by f = max(w/W, h/H) (upstream's tiled_pred has W twice, which can fall short) */
    double f = fmax((double)t.w / W, (double)t.h / H);
    t.H = (int)fmax(rint(H * f), t.h);
    t.W = (int)fmax(rint(W * f), t.w);
    for (int k = 0; st == GEOCL_OK && k < (t.binocular ? 2 : 1); k++) {
      st = resize_planes(ctx, 3, H, W, t.H, t.W, NULL, &planes[k]);
      t.planes[k] = planes[k];
    }
  }
  if (st == GEOCL_OK) st = predict(&t, o, out);
  if (st == GEOCL_OK && (t.H != H || t.W != W)) { /* back to the image's size; pixel offsets scale with it */
    float scale[2] = {task == GEOCL_DENSE_DEPTH ? 1.0f : (float)W / t.W, task == GEOCL_DENSE_FLOW ? (float)H / t.H : 1.0f};
    st = resize_planes(ctx, out->channels, t.H, t.W, H, W, task == GEOCL_DENSE_DEPTH ? NULL : scale, &out->pred);
    if (st == GEOCL_OK && out->conf) st = resize_planes(ctx, 1, t.H, t.W, H, W, NULL, &out->conf);
    out->width = W;
    out->height = H;
  }
  geocl_set_grad_enabled(ctx, was);
  if (st != GEOCL_OK) geocl_dense_prediction_free(out);
  free(planes[0]);
  free(planes[1]);
  free(t.acc_pred);
  free(t.acc_w);
  free(t.acc_c);
  free(t.batch[0]);
  free(t.batch[1]);
  free(t.pred);
  free(t.conf);
  return st;
}
