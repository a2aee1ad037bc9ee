/* SPDX-License-Identifier: MIT */
/* SimIPU's point encoder: mmdet3d's PointNet2SAMSG as simipu_kitti.py
 * configures it (3DSSD-style, three multi-scale set abstractions):
 *
 *   SA1  D-FPS over all points; SA2  F-FPS and D-FPS over all of SA1's (FS);
 *   SA3  F-FPS over SA2's first sa3_fps_range points, D-FPS over the rest
 *   each ring: dilated ball query, the member points' features (use_xyz off:
 *   SA1 sees reflectance only), a shared MLP of 1×1 convolutions with batch
 *   norm (eps 1e-3) and ReLU, max over the members; the rings' results
 *   concatenated and aggregated by a 1×1 Conv1d with batch norm (eps 1e-5)
 *   and ReLU.
 *
 * Features are channels last, [B, M, C], so every 1×1 convolution is
 * geocl_linear on rows and its batch norm runs over the rows.  Names are
 * mmdet3d's: pts_backbone.SA_modules.L.mlps.R.layerK.{conv,bn},
 * pts_backbone.aggregation_mlps.L.{conv,bn}. */
#include <math.h>
#include <stdio.h>

#include "simipu.h"

#define PREFIX "pts_backbone"

static int64_t layer_in(const simipu_config *c, int l) { return l ? c->aggregation[l - 1] : 1; }

static int64_t rings_out(const simipu_config *c, int l) {
  int64_t sum = 0;
  for (int r = 0; r < SIMIPU_SCALES; r++) sum += c->channels[l][r][SIMIPU_MLP - 1];
  return sum;
}

static const char *mlp_name(char *buf, size_t size, int l, int r, int k, const char *what) {
  snprintf(buf, size, PREFIX ".SA_modules.%d.mlps.%d.layer%d.%s", l, r, k, what);
  return buf;
}

static const char *agg_name(char *buf, size_t size, int l, const char *what) {
  snprintf(buf, size, PREFIX ".aggregation_mlps.%d.%s", l, what);
  return buf;
}

geocl_status simipu_pointnet_declare(geocl_params *p, const simipu_config *c) {
  char n[160];
  geocl_status st = GEOCL_OK;
  for (int l = 0; l < SIMIPU_SA && st == GEOCL_OK; l++) {
    for (int r = 0; r < SIMIPU_SCALES && st == GEOCL_OK; r++)
      for (int k = 0; k < SIMIPU_MLP && st == GEOCL_OK; k++) {
        int64_t in = k ? c->channels[l][r][k - 1] : layer_in(c, l), out = c->channels[l][r][k];
        st = geocl_conv2d_layer_declare(p, mlp_name(n, sizeof n, l, r, k, "conv"), in, out, 1, 1, 1, true);
        if (st == GEOCL_OK) st = geocl_batchnorm_layer_declare(p, mlp_name(n, sizeof n, l, r, k, "bn"), out);
      }
    int64_t out = c->aggregation[l];
    if (st == GEOCL_OK)
      st = geocl_params_add(p, agg_name(n, sizeof n, l, "conv.weight"), GEOCL_SHAPE(out, rings_out(c, l), 1),
                            GEOCL_PARAM_DECAY);
    if (st == GEOCL_OK)
      st = geocl_params_add(p, agg_name(n, sizeof n, l, "conv.bias"), GEOCL_SHAPE(out), GEOCL_PARAM_NO_DECAY);
    if (st == GEOCL_OK) st = geocl_batchnorm_layer_declare(p, agg_name(n, sizeof n, l, "bn"), out);
  }
  return st;
}

geocl_status simipu_pointnet_bind(geocl_params *p, const simipu_config *c, simipu_pointnet *net) {
  char n[160];
  geocl_status st = GEOCL_OK;
  for (int l = 0; l < SIMIPU_SA && st == GEOCL_OK; l++) {
    for (int r = 0; r < SIMIPU_SCALES && st == GEOCL_OK; r++)
      for (int k = 0; k < SIMIPU_MLP && st == GEOCL_OK; k++) {
        simipu_sa_mlp *m = &net->mlp[l][r];
        geocl_conv2d_layer conv;
        st = geocl_conv2d_layer_bind(p, mlp_name(n, sizeof n, l, r, k, "conv"), NULL, &conv);
        m->weight[k] = conv.weight;
        m->bias[k] = conv.bias;
        if (st == GEOCL_OK) st = geocl_batchnorm_layer_bind(p, mlp_name(n, sizeof n, l, r, k, "bn"), 1e-3f, 0.1f, &m->bn[k]);
      }
    if (st != GEOCL_OK) break;
    if (!(net->agg_weight[l] = geocl_params_find(p, agg_name(n, sizeof n, l, "conv.weight"))) ||
        !(net->agg_bias[l] = geocl_params_find(p, agg_name(n, sizeof n, l, "conv.bias"))))
      return geocl_last_status();
    st = geocl_batchnorm_layer_bind(p, agg_name(n, sizeof n, l, "bn"), 1e-5f, 0.1f, &net->agg_bn[l]);
  }
  return st;
}

/* mmcv ConvModule's init: kaiming normal, mode fan_out (fan_out = C_out for a
 * 1×1 kernel), bias 0; batch norm γ 1, β 0. */
geocl_status simipu_pointnet_init(const simipu_pointnet *net, const simipu_config *c, geocl_rng *rng) {
  geocl_status st = GEOCL_OK;
  for (int l = 0; l < SIMIPU_SA && st == GEOCL_OK; l++) {
    for (int r = 0; r < SIMIPU_SCALES && st == GEOCL_OK; r++)
      for (int k = 0; k < SIMIPU_MLP && st == GEOCL_OK; k++) {
        const simipu_sa_mlp *m = &net->mlp[l][r];
        geocl_conv2d_layer conv = {.weight = m->weight[k], .bias = m->bias[k]};
        st = geocl_conv2d_layer_init(&conv, GEOCL_CONV_INIT_KAIMING_FAN_OUT, rng);
        if (st == GEOCL_OK) st = geocl_batchnorm_layer_init(&m->bn[k]);
      }
    if (st == GEOCL_OK) st = geocl_init_normal(net->agg_weight[l], rng, 0, (float)sqrt(2.0 / (double)c->aggregation[l]));
    if (st == GEOCL_OK) st = geocl_init_const(net->agg_bias[l], 0);
    if (st == GEOCL_OK) st = geocl_batchnorm_layer_init(&net->agg_bn[l]);
  }
  return st;
}

/* x [..., in] through a 1×1 convolution (weight [out, in, 1(, 1)]), batch norm over the rows, ReLU. */
static geocl_tensor *conv_bn_relu(geocl_tensor *x, geocl_tensor *weight, geocl_tensor *bias,
                                  const geocl_batchnorm_layer *bn, bool training) {
  if (!x) return NULL;
  int64_t out = geocl_dim(weight, 0), in = geocl_dim(weight, 1);
  int nd = geocl_ndim(x);
  int64_t shape[GEOCL_MAX_DIMS];
  for (int d = 0; d < nd; d++) shape[d] = geocl_dim(x, d);
  int64_t rows = geocl_numel(x) / in;
  geocl_tensor *y = geocl_linear(geocl_reshape(x, GEOCL_SHAPE(rows, in)), geocl_reshape(weight, GEOCL_SHAPE(out, in)),
                                 bias);
  y = geocl_batchnorm_layer_apply(bn, y, NULL, training, true);
  shape[nd - 1] = out;
  return geocl_reshape(y, nd, shape);
}

/* The samplers of layer l (mmdet3d Points_Sampler with fps_mods and
 * fps_sample_range_lists as the config gives them). */
static int stages(const simipu_config *c, int l, geocl_fps_stage s[2]) {
  if (l == 0) {
    s[0] = (geocl_fps_stage){GEOCL_FPS_D, c->sa_points[0], -1};
    return 1;
  }
  if (l == 1) {
    s[0] = (geocl_fps_stage){GEOCL_FPS_FS, c->sa_points[1], -1};
    return 1;
  }
  s[0] = (geocl_fps_stage){GEOCL_FPS_F, c->sa_points[2], c->sa3_fps_range};
  s[1] = (geocl_fps_stage){GEOCL_FPS_D, c->sa_points[2], -1};
  return 2;
}

/* A tensor kept through a scope's end (persisted) back into the caller's
 * scope: a view made there, the persisted reference dropped. */
static geocl_tensor *adopt(geocl_tensor *t) {
  if (!t) return NULL;
  geocl_tensor *v = geocl_reshape(t, geocl_ndim(t), geocl_shape(t));
  geocl_tensor_free(t);
  return v;
}

/* Set abstraction l: centres (their picks and coordinates) and features.
 * Everything else it makes is released at its end unless the tape keeps it. */
static geocl_status set_abstraction(const simipu_pointnet *net, const simipu_config *c, int l, geocl_tensor **xyz,
                                    geocl_tensor **feat, geocl_tensor **picks_out, bool training) {
  geocl_ctx *ctx = geocl_tensor_ctx(*xyz);
  geocl_scope scope = geocl_scope_begin(ctx);
  geocl_fps_stage s[2];
  int n = stages(c, l, s);
  geocl_tensor *picks = geocl_pointnet2_sample(*xyz, l ? *feat : NULL, n, s);
  geocl_tensor *centres = picks ? geocl_group_points(*xyz, picks) : NULL, *out = NULL;
  geocl_ball_ring ring[SIMIPU_SCALES];
  for (int r = 0; r < SIMIPU_SCALES; r++)
    ring[r] = (geocl_ball_ring){r ? c->radii[l][r - 1] : 0.0f, c->radii[l][r], c->samples[l][r]};
  geocl_tensor *grouped[SIMIPU_SCALES], *pooled[SIMIPU_SCALES];
  geocl_status st = centres ? geocl_pointnet2_group(*xyz, *feat, centres, SIMIPU_SCALES, ring, false, grouped)
                            : geocl_last_status();
  for (int r = 0; r < SIMIPU_SCALES && st == GEOCL_OK; r++) {
    geocl_tensor *h = grouped[r]; /* [B, M, nsample, C] */
    const simipu_sa_mlp *m = &net->mlp[l][r];
    for (int k = 0; k < SIMIPU_MLP; k++) h = conv_bn_relu(h, m->weight[k], m->bias[k], &m->bn[k], training);
    pooled[r] = h ? geocl_max(h, 2, false) : NULL; /* over the members: [B, M, C_r] */
  }
  if (st == GEOCL_OK) {
    geocl_tensor *cat = geocl_concat(SIMIPU_SCALES, pooled, 2);
    out = cat ? conv_bn_relu(cat, net->agg_weight[l], net->agg_bias[l], &net->agg_bn[l], training) : NULL;
    if (!out) st = geocl_last_status();
  }
  if (st == GEOCL_OK) {
    geocl_tensor_persist(picks);
    geocl_tensor_persist(centres);
    geocl_tensor_persist(out);
  }
  geocl_scope_end(ctx, scope);
  if (st != GEOCL_OK) return st;
  *picks_out = adopt(picks);
  *xyz = adopt(centres);
  *feat = adopt(out);
  return *picks_out && *xyz && *feat ? GEOCL_OK : geocl_last_status();
}

geocl_status simipu_pointnet_apply(const simipu_pointnet *net, const simipu_config *c, geocl_tensor *points,
                                   bool training, simipu_points_out *out) {
  geocl_tensor *xyz = geocl_contiguous(geocl_narrow(points, 2, 0, 3));
  geocl_tensor *feat = geocl_contiguous(geocl_narrow(points, 2, 3, 1));
  if (!xyz || !feat) return geocl_last_status();
  geocl_status st = GEOCL_OK;
  for (int l = 0; l < SIMIPU_SA && st == GEOCL_OK; l++)
    st = set_abstraction(net, c, l, &xyz, &feat, &out->picks[l], training);
  out->xyz = xyz;
  out->features = feat;
  return st;
}
