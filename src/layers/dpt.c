/* SPDX-License-Identifier: MIT */
/* The DPT head (geocl/dpt.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <geocl/dpt.h>

static const int64_t up_factor[2] = {4, 2}; /* act_1 and act_2's transposed convolutions */

void geocl_dpt_config_default(geocl_dpt_config *c) {
  memset(c, 0, sizeof *c);
  static const int64_t dims[4] = {96, 192, 384, 768};
  memcpy(c->layer_dims, dims, sizeof dims);
  c->feature_dim = 256;
  c->last_dim = 32;
}

static const char *name(char *buf, size_t size, const char *prefix, const char *fmt, int k, const char *tail) {
  char mid[96];
  snprintf(mid, sizeof mid, fmt, k);
  snprintf(buf, size, "%s%s%s%s", prefix, *prefix ? "." : "", mid, tail);
  return buf;
}

static geocl_status check_config(const geocl_dpt_config *c) {
  for (int k = 0; k < 4; k++)
    if (c->token_dims[k] < 1 || c->layer_dims[k] < 1)
      return geocl_set_error(GEOCL_E_INVALID, "DPT head: token and layer dims must be positive (hook %d: %lld, %lld)",
                             k, (long long)c->token_dims[k], (long long)c->layer_dims[k]);
  if (c->feature_dim < 2 || c->feature_dim % 2 || c->last_dim < 1 || c->num_channels < 1)
    return geocl_set_error(GEOCL_E_INVALID, "DPT head: feature_dim %lld (even, >= 2), last_dim %lld, num_channels %lld",
                           (long long)c->feature_dim, (long long)c->last_dim, (long long)c->num_channels);
  return GEOCL_OK;
}

geocl_status geocl_dpt_declare(geocl_params *p, const char *prefix, const geocl_dpt_config *c) {
  geocl_status st = check_config(c);
  const int64_t *L = c->layer_dims, F = c->feature_dim;
  char n[192];
  /* the official order: scratch, head, then the postprocessing */
  for (int k = 0; k < 4 && st == GEOCL_OK; k++)
    st = geocl_conv2d_layer_declare(p, name(n, sizeof n, prefix, "scratch.layer%d_rn", k + 1, ""), L[k], F, 3, 3, 1,
                                    false);
  for (int k = 0; k < 4 && st == GEOCL_OK; k++) {
    st = geocl_conv2d_layer_declare(p, name(n, sizeof n, prefix, "scratch.refinenet%d", k + 1, ".out_conv"), F, F, 1,
                                    1, 1, true);
    static const char *const convs[4] = {".resConfUnit1.conv1", ".resConfUnit1.conv2", ".resConfUnit2.conv1",
                                         ".resConfUnit2.conv2"};
    for (int r = 0; r < 4 && st == GEOCL_OK; r++)
      st = geocl_conv2d_layer_declare(p, name(n, sizeof n, prefix, "scratch.refinenet%d", k + 1, convs[r]), F, F, 3, 3,
                                      1, true);
  }
  const int64_t head[3][3] = {{F, F / 2, 3}, {F / 2, c->last_dim, 3}, {c->last_dim, c->num_channels, 1}};
  for (int i = 0; i < 3 && st == GEOCL_OK; i++)
    st = geocl_conv2d_layer_declare(p, name(n, sizeof n, prefix, "head.%d", 2 * i, ""), head[i][0], head[i][1],
                                    head[i][2], head[i][2], 1, true);
  for (int k = 0; k < 4 && st == GEOCL_OK; k++) {
    st = geocl_conv2d_layer_declare(p, name(n, sizeof n, prefix, "act_%d_postprocess.0", k + 1, ""), c->token_dims[k],
                                    L[k], 1, 1, 1, true);
    if (st == GEOCL_OK && k < 2) {
      int64_t f = up_factor[k];
      st = geocl_params_add(p, name(n, sizeof n, prefix, "act_%d_postprocess.1", k + 1, ".weight"),
                            GEOCL_SHAPE(L[k], L[k], f, f), GEOCL_PARAM_DECAY);
      if (st == GEOCL_OK)
        st = geocl_params_add(p, name(n, sizeof n, prefix, "act_%d_postprocess.1", k + 1, ".bias"), GEOCL_SHAPE(L[k]),
                              GEOCL_PARAM_NO_DECAY);
    }
    if (st == GEOCL_OK && k == 3)
      st = geocl_conv2d_layer_declare(p, name(n, sizeof n, prefix, "act_%d_postprocess.1", 4, ""), L[3], L[3], 3, 3, 1,
                                      true);
  }
  return st;
}

geocl_status geocl_dpt_bind(geocl_params *p, const char *prefix, const geocl_dpt_config *c, geocl_dpt *d) {
  memset(d, 0, sizeof *d);
  d->cfg = *c;
  char n[192];
  const geocl_conv2d_opts pad1 = {.padding = {1, 1}}, down = {.stride = {2, 2}, .padding = {1, 1}};
  geocl_status st = check_config(c);
  for (int k = 0; k < 4 && st == GEOCL_OK; k++) {
    st = geocl_conv2d_layer_bind(p, name(n, sizeof n, prefix, "scratch.layer%d_rn", k + 1, ""), &pad1, &d->layer_rn[k]);
    if (st == GEOCL_OK)
      st = geocl_conv2d_layer_bind(p, name(n, sizeof n, prefix, "scratch.refinenet%d", k + 1, ".out_conv"), NULL,
                                   &d->refine[k].out_conv);
    geocl_conv2d_layer *rcu[4] = {&d->refine[k].rcu1.conv1, &d->refine[k].rcu1.conv2, &d->refine[k].rcu2.conv1,
                                  &d->refine[k].rcu2.conv2};
    static const char *const convs[4] = {".resConfUnit1.conv1", ".resConfUnit1.conv2", ".resConfUnit2.conv1",
                                         ".resConfUnit2.conv2"};
    for (int r = 0; r < 4 && st == GEOCL_OK; r++)
      st = geocl_conv2d_layer_bind(p, name(n, sizeof n, prefix, "scratch.refinenet%d", k + 1, convs[r]), &pad1, rcu[r]);
    if (st == GEOCL_OK)
      st = geocl_conv2d_layer_bind(p, name(n, sizeof n, prefix, "act_%d_postprocess.0", k + 1, ""), NULL,
                                   &d->act_in[k]);
    if (st == GEOCL_OK && k < 2) {
      if (!(d->up_w[k] = geocl_params_find(p, name(n, sizeof n, prefix, "act_%d_postprocess.1", k + 1, ".weight"))) ||
          !(d->up_b[k] = geocl_params_find(p, name(n, sizeof n, prefix, "act_%d_postprocess.1", k + 1, ".bias"))))
        st = geocl_last_status();
    }
  }
  if (st == GEOCL_OK)
    st = geocl_conv2d_layer_bind(p, name(n, sizeof n, prefix, "act_%d_postprocess.1", 4, ""), &down, &d->act_down);
  for (int i = 0; i < 3 && st == GEOCL_OK; i++)
    st = geocl_conv2d_layer_bind(p, name(n, sizeof n, prefix, "head.%d", 2 * i, ""), i < 2 ? &pad1 : NULL, &d->head[i]);
  return st;
}

geocl_status geocl_dpt_init(const geocl_dpt *d, geocl_rng *rng) {
  const geocl_conv2d_layer *convs[4 + 4 * 5 + 3 + 4 + 1];
  int n = 0;
  for (int k = 0; k < 4; k++) convs[n++] = &d->layer_rn[k];
  for (int k = 0; k < 4; k++) {
    convs[n++] = &d->refine[k].out_conv;
    convs[n++] = &d->refine[k].rcu1.conv1;
    convs[n++] = &d->refine[k].rcu1.conv2;
    convs[n++] = &d->refine[k].rcu2.conv1;
    convs[n++] = &d->refine[k].rcu2.conv2;
  }
  for (int i = 0; i < 3; i++) convs[n++] = &d->head[i];
  for (int k = 0; k < 4; k++) convs[n++] = &d->act_in[k];
  convs[n++] = &d->act_down;
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < n && st == GEOCL_OK; i++) st = geocl_conv2d_layer_init(convs[i], GEOCL_CONV_INIT_TORCH_DEFAULT, rng);
  /* PyTorch's ConvTranspose2d takes fan_in from weight dim 1: Cout·k² */
  for (int k = 0; k < 2 && st == GEOCL_OK; k++) {
    float bound = (float)(1.0 / sqrt((double)(d->cfg.layer_dims[k] * up_factor[k] * up_factor[k])));
    st = geocl_init_uniform(d->up_w[k], rng, bound);
    if (st == GEOCL_OK) st = geocl_init_uniform(d->up_b[k], rng, bound);
  }
  return st;
}

static geocl_tensor *rcu(const geocl_dpt_rcu *r, geocl_tensor *z) {
  geocl_tensor *y = geocl_conv2d_layer_apply(&r->conv1, geocl_relu(z));
  return geocl_add(z, geocl_conv2d_layer_apply(&r->conv2, geocl_relu(y)));
}

/* refinenet: a (coarser path) plus RCU1(b), RCU2, ×2, out_conv. */
static geocl_tensor *fuse(const geocl_dpt *d, int k, geocl_tensor *a, geocl_tensor *b) {
  geocl_tensor *s = b ? geocl_add(a, rcu(&d->refine[k].rcu1, b)) : a;
  s = geocl_upsample2d(rcu(&d->refine[k].rcu2, s), 2, GEOCL_RESAMPLE_LINEAR, true);
  return geocl_conv2d_layer_apply(&d->refine[k].out_conv, s);
}

geocl_tensor *geocl_dpt_apply(const geocl_dpt *d, geocl_tensor *const tokens[4], int64_t h, int64_t w) {
  if (h < 2 || w < 2 || h % 2 || w % 2) {
    geocl_set_error(GEOCL_E_SHAPE, "DPT head: a token grid of %lldx%lld; it must be even both ways (images a multiple "
                                   "of 32)", (long long)h, (long long)w);
    return NULL;
  }
  geocl_tensor *layers[4];
  for (int k = 0; k < 4; k++) {
    geocl_tensor *t = tokens[k];
    if (!t) return NULL;
    if (geocl_ndim(t) != 3 || geocl_dim(t, 1) != h * w || geocl_dim(t, 2) != d->cfg.token_dims[k]) {
      char s[96];
      geocl_set_error(GEOCL_E_SHAPE, "DPT head: hook %d has tokens %s, expected [B, %lld, %lld]", k,
                      geocl_shape_str(t, s, sizeof s), (long long)(h * w), (long long)d->cfg.token_dims[k]);
      return NULL;
    }
    int64_t B = geocl_dim(t, 0), C = geocl_dim(t, 2);
    geocl_tensor *x = geocl_reshape(geocl_transpose(t, 1, 2), 4, (int64_t[]){B, C, h, w});
    x = geocl_conv2d_layer_apply(&d->act_in[k], x);
    if (k < 2) {
      int64_t f = up_factor[k];
      geocl_conv2d_opts up = {.stride = {f, f}};
      x = geocl_conv_transpose2d(x, d->up_w[k], d->up_b[k], &up);
    } else if (k == 3) {
      x = geocl_conv2d_layer_apply(&d->act_down, x);
    }
    layers[k] = geocl_conv2d_layer_apply(&d->layer_rn[k], x);
  }
  geocl_tensor *path = fuse(d, 3, layers[3], NULL);
  for (int k = 2; k >= 0; k--) path = fuse(d, k, path, layers[k]);
  geocl_tensor *x = geocl_conv2d_layer_apply(&d->head[0], path);
  x = geocl_upsample2d(x, 2, GEOCL_RESAMPLE_LINEAR, true);
  x = geocl_relu(geocl_conv2d_layer_apply(&d->head[1], x));
  return geocl_conv2d_layer_apply(&d->head[2], x);
}
