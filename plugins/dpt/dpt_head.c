/* SPDX-License-Identifier: MIT */
/* Dense heads with a DPT decoder on a CroCo backbone (dpt_head.h). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dpt_head.h"

struct dpt_head {
  dpt_task task;
  const char *name;
  geocl_ctx *ctx;
  geocl_params *params;
  geocl_backbone *bb;
  geocl_backbone_info info;
  geocl_backbone_req req;
  char hooks[4][32];
  geocl_dpt_config dcfg;
  geocl_dpt dpt;
  bool bound;
  int channels; /* prediction channels */
  bool with_conf;
  geocl_criterion crit;      /* stereo, flow */
  geocl_depth_loss depth_loss; /* depth */
  float min_depth, max_depth;
};

static const char *const target_field[3] = {"disparity", "flow", "depth"};

static geocl_status bad(const dpt_head *h, const char *fmt, const char *what) {
  return geocl_set_error(GEOCL_E_INVALID, "%s: %s %s", h->name, fmt, what);
}

/* "a,b,c,d" into four positive integers. */
static bool parse_four(const char *text, int64_t out[4]) {
  const char *s = text;
  for (int k = 0; k < 4; k++) {
    char *end;
    long long v = strtoll(s, &end, 10);
    if (end == s || v < 0 || (k < 3 && *end != ',') || (k == 3 && *end)) return false;
    out[k] = v;
    s = end + 1;
  }
  return true;
}

/* The official hooks (head_downstream.py): with a decoder the last encoder
 * block and three decoder blocks spread by {8: 3, 12: 4, 24: 8}[Ld] (other
 * depths: max(1, Ld/3), geocl's extension); encoder only, four blocks spread
 * by Le/4.  Backbones too shallow for four distinct blocks repeat block 0. */
static void default_hooks(int64_t Le, int64_t Ld, int64_t out[4]) {
  int64_t step = Ld == 0 ? (Le / 4 > 0 ? Le / 4 : 1)
                 : Ld == 8 ? 3
                 : Ld == 12 ? 4
                 : Ld == 24 ? 8
                 : (Ld / 3 > 0 ? Ld / 3 : 1);
  for (int k = 0; k < 4; k++) {
    int64_t b = Le + Ld - 1 - (3 - k) * step;
    out[k] = b > 0 ? b : 0;
  }
}

static geocl_status read_options(dpt_head *h, const geocl_config *cfg, int64_t Le, int64_t Ld, int64_t hooks[4]) {
  geocl_dpt_config_default(&h->dcfg);
  const char *hk = geocl_config_str(cfg, "hooks");
  if (!*hk) default_hooks(Le, Ld, hooks);
  else if (!parse_four(hk, hooks)) return bad(h, "hooks: expected four block numbers like 10,13,16,19, got", hk);
  for (int k = 0; k < 4; k++)
    if (hooks[k] < 0 || hooks[k] >= Le + Ld) {
      char msg[96];
      snprintf(msg, sizeof msg, "(%lld) outside the backbone's %lld blocks", (long long)hooks[k], (long long)(Le + Ld));
      return bad(h, "hooks: block", msg);
    }
  if (!parse_four(geocl_config_str(cfg, "layer_dims"), h->dcfg.layer_dims) || !h->dcfg.layer_dims[0])
    return bad(h, "layer_dims: expected four channel counts like 96,192,384,768, got", geocl_config_str(cfg, "layer_dims"));
  h->dcfg.feature_dim = geocl_config_int(cfg, "feature_dim");
  h->dcfg.last_dim = geocl_config_int(cfg, "last_dim");
  if (h->task == DPT_DEPTH) {
    const char *loss = geocl_config_str(cfg, "depth_loss");
    if (!strcmp(loss, "silog")) h->depth_loss = GEOCL_DEPTH_LOSS_SILOG;
    else if (!strcmp(loss, "l1log")) h->depth_loss = GEOCL_DEPTH_LOSS_L1LOG;
    else return bad(h, "depth_loss: expected silog or l1log, got", loss);
    h->min_depth = (float)geocl_config_float(cfg, "min_depth");
    h->max_depth = (float)geocl_config_float(cfg, "max_depth");
    if (!(h->min_depth > 0 && h->max_depth > h->min_depth))
      return bad(h, "needs 0 < min_depth < max_depth", "");
    h->channels = 1;
    return GEOCL_OK;
  }
  geocl_status st = geocl_criterion_parse(geocl_config_str(cfg, "criterion"), &h->crit);
  if (st != GEOCL_OK) geocl_error_prefix("%s", h->name);
  h->with_conf = geocl_criterion_with_conf(&h->crit);
  h->channels = h->task == DPT_FLOW ? 2 : 1;
  return st;
}

geocl_status dpt_head_create(dpt_task task, const char *name, geocl_ctx *ctx, const geocl_config *cfg,
                             geocl_params *params, geocl_backbone *bb, void **state) {
  if (!bb) return geocl_set_error(GEOCL_E_INVALID, "%s: needs a backbone", name);
  dpt_head *h = calloc(1, sizeof *h);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", name);
  *state = h;
  h->task = task;
  h->name = name;
  h->ctx = ctx;
  h->params = params;
  h->bb = bb;
  const geocl_config *bcfg = geocl_backbone_config(bb);
  int64_t Le = geocl_config_int(bcfg, "enc_depth"), Ld = task == DPT_DEPTH ? 0 : geocl_config_int(bcfg, "dec_depth");
  int64_t hooks[4];
  geocl_status st = read_options(h, cfg, Le, Ld, hooks);
  h->req.binocular = task != DPT_DEPTH;
  h->req.n_hooks = 4;
  for (int k = 0; k < 4; k++) {
    if (hooks[k] < Le) snprintf(h->hooks[k], sizeof h->hooks[k], "enc.%lld", (long long)hooks[k]);
    else snprintf(h->hooks[k], sizeof h->hooks[k], "dec.%lld", (long long)(hooks[k] - Le));
    h->req.hooks[k] = h->hooks[k];
  }
  if (st == GEOCL_OK) st = geocl_backbone_build(bb, &h->req);
  if (st == GEOCL_OK) st = geocl_backbone_get_info(bb, &h->info);
  if (st == GEOCL_OK && (h->info.patch < 1 || h->info.height % (2 * h->info.patch) || h->info.width % (2 * h->info.patch)))
    st = geocl_set_error(GEOCL_E_INVALID, "%s: the DPT head needs an even token grid: img_size %lldx%lld is not a "
                                          "multiple of %lld (backbone.img_size=HxW sets it)", name,
                         (long long)h->info.height, (long long)h->info.width, (long long)(2 * h->info.patch));
  for (int k = 0; k < 4 && st == GEOCL_OK; k++)
    for (int i = 0; i < h->info.n_blocks; i++)
      if (!strcmp(h->info.block[i], h->hooks[k])) h->dcfg.token_dims[k] = h->info.dim[i];
  h->dcfg.num_channels = h->channels + h->with_conf;
  if (st == GEOCL_OK) st = geocl_dpt_declare(params, "head.dpt", &h->dcfg);
  return st;
}

static geocl_status bind(dpt_head *h) {
  if (h->bound) return GEOCL_OK;
  geocl_status st = geocl_dpt_bind(h->params, "head.dpt", &h->dcfg, &h->dpt);
  h->bound = st == GEOCL_OK;
  return st;
}

geocl_status dpt_head_init(void *state, geocl_rng *rng) {
  dpt_head *h = state;
  geocl_status st = bind(h);
  if (st == GEOCL_OK) st = geocl_backbone_init(h->bb, rng);
  if (st == GEOCL_OK) st = geocl_dpt_init(&h->dpt, rng);
  return st;
}

geocl_status dpt_head_input_size(void *state, geocl_input_size *size) {
  const dpt_head *h = state;
  *size = (geocl_input_size){.height = h->info.height, .width = h->info.width};
  return GEOCL_OK;
}

/* The training metric on the batch (no gradient): mean |error| (stereo),
 * end-point error (flow), relative error (depth) over the known pixels. */
static geocl_tensor *train_metric(const dpt_head *h, geocl_tensor *pred, geocl_tensor *gt, geocl_tensor *valid) {
  geocl_tensor *p = geocl_detach(pred), *e = geocl_sub(p, gt);
  if (h->task == DPT_STEREO) return geocl_masked_mean(geocl_abs(e), valid);
  if (h->task == DPT_FLOW) return geocl_masked_mean(geocl_sqrt(geocl_sum(geocl_square(e), 1, true)), valid);
  geocl_tensor *safe_gt = geocl_add_scalar(geocl_sub(gt, valid), 1.0f); /* 1 where unknown */
  return geocl_masked_mean(geocl_div(geocl_abs(e), safe_gt), valid);
}

geocl_status dpt_head_forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  dpt_head *h = state;
  geocl_outputs f;
  geocl_status st = bind(h);
  if (st == GEOCL_OK) st = geocl_backbone_forward(h->bb, b, &f);
  if (st != GEOCL_OK) return st;
  geocl_tensor *tokens[4];
  for (int k = 0; k < 4; k++) tokens[k] = geocl_outputs_get(&f, h->hooks[k]);
  int64_t gh = h->info.height / h->info.patch, gw = h->info.width / h->info.patch;
  geocl_tensor *raw = geocl_dpt_apply(&h->dpt, tokens, gh, gw);
  if (!raw) return geocl_last_status();
  geocl_tensor *pred = geocl_narrow(raw, 1, 0, h->channels);
  geocl_tensor *conf = h->with_conf ? geocl_narrow(raw, 1, h->channels, 1) : NULL;
  if (h->task == DPT_DEPTH) /* depth in (min_depth, min_depth + max_depth) */
    pred = geocl_add_scalar(geocl_scale(geocl_sigmoid(pred), h->max_depth), h->min_depth);
  st = geocl_outputs_add(out, "pred", raw);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "prediction", pred);
  if (st == GEOCL_OK && conf) st = geocl_outputs_add(out, "conf", conf);
  geocl_tensor *gt = geocl_batch_get(b, target_field[h->task]), *valid = geocl_batch_get(b, "valid");
  if (st != GEOCL_OK || !gt || !valid) return st; /* inference: no targets */
  geocl_tensor *loss = h->task == DPT_DEPTH ? geocl_depth_loss_apply(h->depth_loss, pred, gt, valid)
                                            : geocl_criterion_loss(&h->crit, pred, conf, gt, valid);
  static const char *const metric[3] = {"avgerr", "epe", "abs_rel"};
  st = geocl_outputs_add(out, "loss", loss);
  if (st == GEOCL_OK) st = geocl_outputs_add_metric(out, metric[h->task], train_metric(h, pred, gt, valid));
  return st;
}

geocl_status dpt_head_evaluate(void *state, const geocl_batch *b, const geocl_outputs *out, geocl_metrics *acc) {
  const dpt_head *h = state;
  geocl_tensor *pred = geocl_outputs_get(out, "prediction"), *gt = geocl_batch_get(b, target_field[h->task]);
  geocl_tensor *valid = geocl_batch_get(b, "valid");
  if (!pred || !gt || !valid)
    return geocl_set_error(GEOCL_E_INVALID, "%s: evaluation needs %s and valid in the batch", h->name,
                           target_field[h->task]);
  int64_t B = geocl_dim(pred, 0), H = geocl_dim(pred, 2), W = geocl_dim(pred, 3), n = H * W, C = h->channels;
  float *hp = malloc(sizeof(float) * (size_t)(B * n * (2 * C + 1)));
  if (!hp) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", h->name);
  float *hg = hp + B * n * C, *hv = hg + B * n * C;
  geocl_status st = geocl_to_host(pred, hp, sizeof(float) * (size_t)(B * n * C));
  if (st == GEOCL_OK) st = geocl_to_host(gt, hg, sizeof(float) * (size_t)(B * n * C));
  if (st == GEOCL_OK) st = geocl_to_host(valid, hv, sizeof(float) * (size_t)(B * n));
  geocl_depth_eval de;
  geocl_depth_eval_default(&de);
  de.max_depth = h->max_depth;
  for (int64_t i = 0; i < B && st == GEOCL_OK; i++) {
    const float *pi = hp + i * n * C, *gi = hg + i * n * C, *vi = hv + i * n;
    if (h->task == DPT_STEREO) st = geocl_stereo_metrics_add(acc, pi, gi, vi, (size_t)n);
    else if (h->task == DPT_FLOW) st = geocl_flow_metrics_add(acc, pi, gi, vi, (size_t)n);
    else st = geocl_depth_metrics_add(acc, pi, gi, vi, (int)W, (int)H, &de);
  }
  free(hp);
  return st;
}

geocl_status dpt_head_eval_report(void *state, const geocl_metrics *acc, geocl_metrics *report) {
  const dpt_head *h = state;
  static const geocl_dense_task tasks[3] = {GEOCL_DENSE_STEREO, GEOCL_DENSE_FLOW, GEOCL_DENSE_DEPTH};
  geocl_status st = geocl_dense_metrics_report(tasks[h->task], acc, report);
  double loss = geocl_metrics_value(acc, "loss");
  if (st == GEOCL_OK && !isnan(loss)) st = geocl_metrics_set(report, "loss", loss);
  return st;
}

/* ---- pictures: image1, image2, the prediction and the ground truth ---- */

/* An 8-bit picture of the prediction or target of one sample (without the legend strip). */
static geocl_status colour_map(const dpt_head *h, const float *v, const float *valid, int W, int H, double scale,
                               double lo, geocl_image *out) {
  if (h->task == DPT_FLOW) return geocl_colorize_flow(v, valid, W, H, scale, out);
  geocl_scalar_legend lg = {.lo = h->task == DPT_DEPTH ? lo : 0, .hi = scale, .inverse = h->task == DPT_DEPTH};
  return geocl_colorize_scalar(v, valid, W, H, &lg, out);
}

/* The scale of the colours: the largest known target value or speed (and the smallest depth). */
static void colour_scale(const dpt_head *h, const float *gt, const float *valid, size_t n, double *lo, double *hi) {
  *lo = INFINITY;
  *hi = 0;
  for (size_t i = 0; i < n; i++) {
    if (valid[i] < 0.5f) continue;
    double v = h->task == DPT_FLOW ? hypot(gt[i], gt[n + i]) : gt[i];
    *hi = fmax(*hi, v);
    *lo = fmin(*lo, v);
  }
  if (!(*hi > 0)) *hi = 1;
  if (!(*lo < *hi)) *lo = *hi / 2;
}

static void put_image(float *dst, int64_t stride, const geocl_image *img, int64_t H, int64_t W, int64_t x0) {
  const uint8_t *p = img->data;
  for (int c = 0; c < 3; c++)
    for (int64_t y = 0; y < H; y++)
      for (int64_t x = 0; x < W; x++) dst[(c * H + y) * stride + x0 + x] = p[(y * W + x) * 3 + c] / 255.0f;
}

geocl_tensor *dpt_head_visualize(void *state, const geocl_batch *b, const geocl_outputs *out) {
  dpt_head *h = state;
  geocl_tensor *img[2] = {geocl_batch_get(b, "image1"), geocl_batch_get(b, "image2")};
  geocl_tensor *pred = geocl_outputs_get(out, "prediction"), *gt = geocl_batch_get(b, target_field[h->task]);
  geocl_tensor *valid = geocl_batch_get(b, "valid");
  if (!img[0] || !pred || !gt || !valid) {
    geocl_set_error(GEOCL_E_INVALID, "%s: a picture needs image1, the prediction and the target", h->name);
    return NULL;
  }
  int64_t B = geocl_dim(pred, 0), H = geocl_dim(pred, 2), W = geocl_dim(pred, 3), n = H * W, C = h->channels;
  int panels = 2 + (img[1] != NULL) + 1;
  size_t per = (size_t)(3 * H * W * panels);
  float *host = malloc(sizeof(float) * (size_t)(B * n * (3 * 2 + 2 * C + 1))), *pic = calloc((size_t)B * per, sizeof *pic);
  geocl_status st = host && pic ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", h->name);
  float *hi[2] = {host, host + B * n * 3}, *hp = host + 2 * B * n * 3, *hg = hp + B * n * C, *hv = hg + B * n * C;
  for (int k = 0; k < 2 && st == GEOCL_OK; k++)
    if (img[k]) st = geocl_to_host(img[k], hi[k], sizeof(float) * (size_t)(B * n * 3));
  if (st == GEOCL_OK) st = geocl_to_host(pred, hp, sizeof(float) * (size_t)(B * n * C));
  if (st == GEOCL_OK) st = geocl_to_host(gt, hg, sizeof(float) * (size_t)(B * n * C));
  if (st == GEOCL_OK) st = geocl_to_host(valid, hv, sizeof(float) * (size_t)(B * n));
  for (int64_t i = 0; i < B && st == GEOCL_OK; i++) {
    float *dst = pic + i * per;
    int64_t stride = W * panels, x0 = 0;
    for (int k = 0; k < 2; k++) { /* the denormalised views */
      if (!img[k]) continue;
      for (int c = 0; c < 3; c++)
        for (int64_t p = 0; p < n; p++)
          dst[(c * H + p / W) * stride + x0 + p % W] =
              hi[k][(i * 3 + c) * n + p] * geocl_imagenet_std[c] + geocl_imagenet_mean[c];
      x0 += W;
    }
    double lo, top;
    colour_scale(h, hg + i * n * C, hv + i * n, (size_t)n, &lo, &top);
    for (int k = 0; k < 2 && st == GEOCL_OK; k++, x0 += W) { /* prediction, then the target where known */
      geocl_image map;
      st = colour_map(h, (k ? hg : hp) + i * n * C, k ? hv + i * n : NULL, (int)W, (int)H, top, lo, &map);
      if (st == GEOCL_OK) put_image(dst, stride, &map, H, W, x0);
      geocl_image_free(&map);
    }
  }
  geocl_tensor *t = st == GEOCL_OK ? geocl_from_host(h->ctx, GEOCL_F32, GEOCL_SHAPE(B, 3, H, W * panels), pic) : NULL;
  static const char *const views[3][2] = {{"left", "right"}, {"frame 1", "frame 2"}, {"image", NULL}};
  const char *labels[4];
  int k = 0;
  for (int v = 0; v < 2; v++)
    if (img[v]) labels[k++] = views[h->task][v] ? views[h->task][v] : "image 2";
  labels[k++] = "prediction";
  labels[k++] = "target";
  if (t) t = geocl_picture_labels(t, k, labels, NULL);
  free(host);
  free(pic);
  return t;
}

void dpt_head_destroy(void *state) { free(state); }
