/* SPDX-License-Identifier: MIT */
/* ResNet backbones (geocl/resnet.h), as torchvision/models/resnet.py builds
 * them: stage widths 64, 128, 256, 512, stride 2 from the second stage on. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/resnet.h>

static const int stage_width[4] = {64, 128, 256, 512};

/* blocks per stage and whether they are bottlenecks; false for another depth */
static bool layout(int depth, int blocks[4], bool *bottleneck) {
  static const struct {
    int depth, blocks[4];
    bool bottleneck;
  } known[] = {{18, {2, 2, 2, 2}, false}, {34, {3, 4, 6, 3}, false}, {50, {3, 4, 6, 3}, true},
               {101, {3, 4, 23, 3}, true}, {152, {3, 8, 36, 3}, true}};
  for (size_t i = 0; i < sizeof known / sizeof *known; i++)
    if (known[i].depth == depth) {
      memcpy(blocks, known[i].blocks, sizeof known[i].blocks);
      *bottleneck = known[i].bottleneck;
      return true;
    }
  return false;
}

static geocl_status check_config(const geocl_resnet_config *c, int blocks[4], bool *bottleneck) {
  if (!c || !layout(c->depth, blocks, bottleneck))
    return geocl_set_error(GEOCL_E_INVALID, "resnet: depth %d (18, 34, 50, 101 or 152)", c ? c->depth : 0);
  if (c->in_channels < 0)
    return geocl_set_error(GEOCL_E_INVALID, "resnet: %lld input channels", (long long)c->in_channels);
  return GEOCL_OK;
}

/* "prefix.name" (or "name") into buf */
static const char *join(char *buf, size_t size, const char *prefix, const char *name) {
  snprintf(buf, size, "%s%s%s", prefix, *prefix ? "." : "", name);
  return buf;
}

/* The shape of block b of stage s: its input width and stride, its widths. */
typedef struct block_shape {
  int64_t in, width, out, stride;
  bool bottleneck, downsample;
} block_shape;

static block_shape shape_of(bool bottleneck, int s, int b) {
  int64_t e = bottleneck ? 4 : 1, w = stage_width[s];
  int64_t prev = s == 0 ? 64 : stage_width[s - 1] * e;
  block_shape k = {b == 0 ? prev : w * e, w, w * e, b == 0 && s > 0 ? 2 : 1, bottleneck, false};
  k.downsample = k.stride != 1 || k.in != k.out;
  return k;
}

/* Names of a block's layers in declaration (state-dict) order. */
static const char *const conv_names[] = {"conv1", "conv2", "conv3", "downsample.0"};
static const char *const bn_names[] = {"bn1", "bn2", "bn3", "downsample.1"};

/* conv i of a block: in, out, kernel, stride (the 3×3 one strides: style 'pytorch') */
static void conv_dims(const block_shape *k, int i, int64_t *in, int64_t *out, int64_t *ksize, int64_t *stride) {
  if (i == 3) { /* downsample: 1×1 */
    *in = k->in, *out = k->out, *ksize = 1, *stride = k->stride;
  } else if (k->bottleneck) { /* 1×1 in → width, 3×3 width → width, 1×1 width → out */
    *in = i == 0 ? k->in : k->width;
    *out = i == 2 ? k->out : k->width;
    *ksize = i == 1 ? 3 : 1;
    *stride = i == 1 ? k->stride : 1;
  } else { /* 3×3 in → width (strided), 3×3 width → width */
    *in = i == 0 ? k->in : k->width;
    *out = k->width;
    *ksize = 3;
    *stride = i == 0 ? k->stride : 1;
  }
}

static bool has_conv(const block_shape *k, int i) { return i < 2 || (i == 2 && k->bottleneck) || (i == 3 && k->downsample); }

geocl_status geocl_resnet_declare(geocl_params *p, const char *prefix, const geocl_resnet_config *c) {
  int blocks[4];
  bool bottleneck;
  geocl_status st = check_config(c, blocks, &bottleneck);
  char n[256], bp[192], blk[32];
  int64_t in_ch = c && c->in_channels ? c->in_channels : 3;
  if (st == GEOCL_OK) st = geocl_conv2d_layer_declare(p, join(n, sizeof n, prefix, "conv1"), in_ch, 64, 7, 7, 1, false);
  if (st == GEOCL_OK) st = geocl_batchnorm_layer_declare(p, join(n, sizeof n, prefix, "bn1"), 64);
  for (int s = 0; s < 4 && st == GEOCL_OK; s++)
    for (int b = 0; b < blocks[s] && st == GEOCL_OK; b++) {
      block_shape k = shape_of(bottleneck, s, b);
      snprintf(blk, sizeof blk, "layer%d.%d", s + 1, b);
      join(bp, sizeof bp, prefix, blk);
      for (int i = 0; i < 4 && st == GEOCL_OK; i++) {
        if (!has_conv(&k, i)) continue;
        int64_t in, out, ks, stride;
        conv_dims(&k, i, &in, &out, &ks, &stride);
        st = geocl_conv2d_layer_declare(p, join(n, sizeof n, bp, conv_names[i]), in, out, ks, ks, 1, false);
        if (st == GEOCL_OK) st = geocl_batchnorm_layer_declare(p, join(n, sizeof n, bp, bn_names[i]), out);
      }
    }
  return st;
}

void geocl_resnet_release(geocl_resnet *r) {
  if (!r) return;
  for (int s = 0; s < 4; s++) free(r->stage[s]);
  memset(r, 0, sizeof *r);
}

geocl_status geocl_resnet_bind(geocl_params *p, const char *prefix, const geocl_resnet_config *c, geocl_resnet *r) {
  memset(r, 0, sizeof *r);
  bool bottleneck;
  geocl_status st = check_config(c, r->blocks, &bottleneck);
  if (st != GEOCL_OK) return st;
  r->config = *c;
  float eps = c->bn_eps > 0 ? c->bn_eps : 1e-5f, momentum = c->bn_momentum > 0 ? c->bn_momentum : 0.1f;
  char n[256], bp[192], name[32];
  geocl_conv2d_opts stem = {.stride = {2, 2}, .padding = {3, 3}};
  st = geocl_conv2d_layer_bind(p, join(n, sizeof n, prefix, "conv1"), &stem, &r->conv1);
  if (st == GEOCL_OK) st = geocl_batchnorm_layer_bind(p, join(n, sizeof n, prefix, "bn1"), eps, momentum, &r->bn1);
  for (int s = 0; s < 4 && st == GEOCL_OK; s++) {
    r->stage[s] = calloc((size_t)r->blocks[s], sizeof *r->stage[s]);
    if (!r->stage[s]) st = geocl_set_error(GEOCL_E_NOMEM, "resnet: out of memory");
    r->channels[s] = stage_width[s] * (bottleneck ? 4 : 1);
    for (int b = 0; b < r->blocks[s] && st == GEOCL_OK; b++) {
      block_shape k = shape_of(bottleneck, s, b);
      geocl_resnet_block *blk = &r->stage[s][b];
      geocl_conv2d_layer *convs[4] = {&blk->conv1, &blk->conv2, &blk->conv3, &blk->down_conv};
      geocl_batchnorm_layer *bns[4] = {&blk->bn1, &blk->bn2, &blk->bn3, &blk->down_bn};
      blk->bottleneck = k.bottleneck;
      blk->downsample = k.downsample;
      snprintf(name, sizeof name, "layer%d.%d", s + 1, b);
      join(bp, sizeof bp, prefix, name);
      for (int i = 0; i < 4 && st == GEOCL_OK; i++) {
        if (!has_conv(&k, i)) continue;
        int64_t in, out, ks, stride;
        conv_dims(&k, i, &in, &out, &ks, &stride);
        geocl_conv2d_opts o = {.stride = {stride, stride}, .padding = {ks / 2, ks / 2}};
        st = geocl_conv2d_layer_bind(p, join(n, sizeof n, bp, conv_names[i]), &o, convs[i]);
        if (st == GEOCL_OK) st = geocl_batchnorm_layer_bind(p, join(n, sizeof n, bp, bn_names[i]), eps, momentum, bns[i]);
      }
    }
  }
  if (st != GEOCL_OK) geocl_resnet_release(r);
  return st;
}

geocl_status geocl_resnet_init(const geocl_resnet *r, geocl_rng *rng) {
  geocl_conv_init how = r->config.init;
  geocl_status st = geocl_conv2d_layer_init(&r->conv1, how, rng);
  if (st == GEOCL_OK) st = geocl_batchnorm_layer_init(&r->bn1);
  for (int s = 0; s < 4 && st == GEOCL_OK; s++)
    for (int b = 0; b < r->blocks[s] && st == GEOCL_OK; b++) {
      const geocl_resnet_block *blk = &r->stage[s][b];
      const geocl_conv2d_layer *convs[4] = {&blk->conv1, &blk->conv2, &blk->conv3, &blk->down_conv};
      const geocl_batchnorm_layer *bns[4] = {&blk->bn1, &blk->bn2, &blk->bn3, &blk->down_bn};
      for (int i = 0; i < 4 && st == GEOCL_OK; i++) {
        if (!convs[i]->weight) continue;
        st = geocl_conv2d_layer_init(convs[i], how, rng);
        if (st == GEOCL_OK) st = geocl_batchnorm_layer_init(bns[i]);
      }
    }
  return st;
}

/* conv → batch norm (→ + residual → ReLU, in the batch norm's pass) */
static geocl_tensor *conv_bn(const geocl_conv2d_layer *c, const geocl_batchnorm_layer *bn, geocl_tensor *x,
                             geocl_tensor *residual, bool train, bool relu) {
  return geocl_batchnorm_layer_apply(bn, geocl_conv2d_layer_apply(c, x), residual, train, relu);
}

/* relu(bn(conv(... x)) + shortcut(x)) */
static geocl_tensor *block_apply(const geocl_resnet_block *b, geocl_tensor *x, bool train) {
  geocl_tensor *shortcut = b->downsample ? conv_bn(&b->down_conv, &b->down_bn, x, NULL, train, false) : x;
  geocl_tensor *y = conv_bn(&b->conv1, &b->bn1, x, NULL, train, true);
  if (!b->bottleneck) return conv_bn(&b->conv2, &b->bn2, y, shortcut, train, true);
  y = conv_bn(&b->conv2, &b->bn2, y, NULL, train, true);
  return conv_bn(&b->conv3, &b->bn3, y, shortcut, train, true);
}

geocl_status geocl_resnet_apply_with_stem(const geocl_resnet *r, geocl_tensor *x, bool training, geocl_tensor *out[5]) {
  bool train = training && !r->config.norm_eval;
  geocl_pool2d_opts pool = {.kernel = {3, 3}, .stride = {2, 2}, .padding = {1, 1}};
  geocl_tensor *y = conv_bn(&r->conv1, &r->bn1, x, NULL, train, true);
  out[0] = y;
  y = geocl_max_pool2d(y, &pool);
  for (int s = 0; s < 4; s++) {
    for (int b = 0; b < r->blocks[s]; b++) y = block_apply(&r->stage[s][b], y, train);
    out[s + 1] = y;
  }
  if (y) return GEOCL_OK;
  for (int s = 0; s < 5; s++) out[s] = NULL;
  return geocl_last_status() != GEOCL_OK ? geocl_last_status() : geocl_set_error(GEOCL_E_STATE, "resnet: no output");
}

geocl_status geocl_resnet_apply(const geocl_resnet *r, geocl_tensor *x, bool training, geocl_tensor *out[4]) {
  geocl_tensor *all[5];
  geocl_status st = geocl_resnet_apply_with_stem(r, x, training, all);
  for (int s = 0; s < 4; s++) out[s] = all[s + 1];
  return st;
}
