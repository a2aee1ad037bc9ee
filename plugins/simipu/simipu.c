/* SPDX-License-Identifier: MIT */
/* The simipu pretext plugin: SimIPU's 2D-image / 3D-point-cloud contrastive
 * pre-training as the official code runs it (zhyever/SimIPU,
 * project_cl/configs/simipu/simipu_kitti.py, "FINAL SETTING": moco,
 * simsiam and img_moco off; model in
 * project_cl/decorator/inter_intro_decorator_moco_better.py).
 *
 * Per group of group_size samples (one GPU's batch in the official runs):
 * view A (points_a) and view B (points_b, augmented) through one PointNet++;
 * B's keypoints mapped back to A's frame (b_to_a) and paired with A's by an
 * exact linear assignment on Euclidean distances; A's keypoints projected
 * into the image (lidar2img) where C5 of a ResNet is sampled bilinearly.
 * Intra-modal InfoNCE: h_intro(A features) against h_intro(matched B
 * features), the keys stop-gradient; inter-modal InfoNCE: h_cross_img(image
 * samples) against h_cross_pts(A features), the point side stop-gradient.
 * The loss is their sum, averaged over the groups.  The ResNet's batch norm
 * sees the whole batch (the official SyncBN). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "simipu.h"

#define SA_CHANNELS_KITTI                                                                                            \
  "32,32,64/32,32,64/64,64,128;64,64,128/64,64,128/128,128,256;128,128,256/128,128,256/256,256,512"

static const geocl_option options[] = {
    {"img_depth", GEOCL_OPTION_INT, "50", "image encoder: ResNet depth (18, 34, 50, 101, 152)"},
    {"img_size", GEOCL_OPTION_SIZE, "736x2400", "the padded input (HxW, multiples of 32) every resized image fits in"},
    {"img_scale", GEOCL_OPTION_STRING, "640x192,2400x720",
     "resize range: LONGxSHORT,LONGxSHORT edge targets (mmdet Resize, multiscale_mode range, keep_ratio)"},
    {"num_points", GEOCL_OPTION_INT, "16384", "LiDAR points per sample (IndoorPointSample)"},
    {"sa_points", GEOCL_OPTION_STRING, "4096,1024,512",
     "centres per set abstraction: SA1 D-FPS; SA2 F-FPS and D-FPS each; SA3 F-FPS and D-FPS each"},
    {"sa3_fps_range", GEOCL_OPTION_INT, "512", "SA3's F-FPS runs over SA2's first so many points, D-FPS over the rest"},
    {"sa_radii", GEOCL_OPTION_STRING, "0.2,0.4,0.8;0.4,0.8,1.6;1.6,3.2,4.8", "ring radii (m) per layer (dilated)"},
    {"sa_samples", GEOCL_OPTION_STRING, "32,32,64;32,32,64;16,16,16", "neighbours per ring per layer"},
    {"sa_channels", GEOCL_OPTION_STRING, SA_CHANNELS_KITTI, "MLP widths: layers ';', rings '/', widths ','"},
    {"aggregation_channels", GEOCL_OPTION_STRING, "128,256,1024", "aggregation widths per layer (last: point features)"},
    {"pts_intro_hidden_dim", GEOCL_OPTION_INT, "1024", "mlp_intro_points hidden width"},
    {"pts_intro_out_dim", GEOCL_OPTION_INT, "128", "mlp_intro_points output width"},
    {"img_inter_hidden_dim", GEOCL_OPTION_INT, "2048", "mlp_cross_img hidden width"},
    {"img_inter_out_dim", GEOCL_OPTION_INT, "128", "mlp_cross_img output width"},
    {"pts_inter_hidden_dim", GEOCL_OPTION_INT, "1024", "mlp_cross_points hidden width"},
    {"pts_inter_out_dim", GEOCL_OPTION_INT, "128", "mlp_cross_points output width"},
    {"T", GEOCL_OPTION_FLOAT, "0.07", "InfoNCE temperature"},
    {"group_size", GEOCL_OPTION_INT, "4", "samples per contrastive group (one GPU's batch in the official runs)"},
    {"sample_norm", GEOCL_OPTION_STRING, "pad",
     "image sampling: pad = each image's own padded size (the official code), input = the padded batch's"},
    {"img_conv1x1", GEOCL_OPTION_BOOL, "true", "keep the official model's unused img_conv1x1_1/2 (2048x2048 each)"},
    {NULL},
};

static const geocl_preset presets[] = {
    {"kitti", "the official sizes: ResNet-50, 16384 points, SA 4096/2048/1024, heads 1024/2048, batch 4 per group",
     "", 0},
    {"tiny", "CPU-sized: ResNet-18, images up to 320x96, 2048 points, SA 512/256/128, narrow MLPs",
     "img_depth=18 img_size=96x320 img_scale=192x60,320x96 num_points=2048 sa_points=512,128,64 sa3_fps_range=64 "
     "sa_samples=16,16,32;16,16,32;8,8,8 "
     "sa_channels=16,16,32/16,16,32/32,32,64;32,32,64/32,32,64/64,64,128;64,64,128/64,64,128/128,128,256 "
     "aggregation_channels=64,128,256 pts_intro_hidden_dim=256 img_inter_hidden_dim=512 pts_inter_hidden_dim=256 "
     "img_conv1x1=false",
     0},
    {NULL},
};

/* The hybrid optimiser (mmdet3d HybridOptimizerConstructor as the config
 * sets it): AdamW for pts_backbone, SGD for everything else; parameters that
 * never get a gradient (mlp_cross_points, img_conv1x1_*) are not updated. */
static const geocl_optim_group pts_adamw = {
    .kind = GEOCL_OPTIM_ADAMW, .lr = 1e-3, .weight_decay = 0.01, .beta1 = 0.95, .beta2 = 0.99, .eps = 1e-8};
static const geocl_param_rule rules[] = {
    {.match = "pts_backbone.", .optim = &pts_adamw},
    {.match = "mlp_cross_points.", .frozen = true},
    {.match = "img_conv1x1_", .frozen = true},
    {NULL},
};
static const geocl_recipe recipe = {
    .optim = {.kind = GEOCL_OPTIM_SGD, .lr = 0.03, .weight_decay = 1e-4, .momentum = 0.9},
    .decay_all = true,
    .schedule = GEOCL_LR_EXPONENTIAL,
    .gamma = 0.99,
    .rules = rules,
};

geocl_resnet_config simipu_resnet_config(const simipu_model *m) {
  if (m->backbone_only) /* the depth toolbox's norm_cfg dict(type='BN'): PyTorch's defaults */
    return (geocl_resnet_config){.depth = m->cfg.img_depth, .init = GEOCL_CONV_INIT_TORCH_DEFAULT};
  return (geocl_resnet_config){.depth = m->cfg.img_depth, .bn_eps = 1e-3f, .bn_momentum = 0.01f,
                               .init = GEOCL_CONV_INIT_TORCH_DEFAULT};
}

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *backbone,
                           void **out) {
  (void)backbone;
  simipu_model *m = calloc(1, sizeof *m);
  if (!m) return geocl_set_error(GEOCL_E_NOMEM, "simipu: out of memory");
  *out = m;
  m->ctx = ctx;
  m->params = params;
  simipu_config *c = &m->cfg;
  geocl_status st = simipu_config_parse(cfg, c);
  geocl_resnet_config rc = simipu_resnet_config(m);
  int64_t pts = c->aggregation[SIMIPU_SA - 1];
  if (st == GEOCL_OK) st = geocl_resnet_declare(params, "img_backbone", &rc);
  if (st == GEOCL_OK) st = simipu_pointnet_declare(params, c);
  /* the official declaration order: cross_points, cross_img, intro */
  if (st == GEOCL_OK) st = simipu_head_declare(params, "mlp_cross_points", pts, c->pts_hidden, c->pts_out);
  if (st == GEOCL_OK)
    st = simipu_head_declare(params, "mlp_cross_img", simipu_img_channels(c), c->img_hidden, c->img_out);
  if (st == GEOCL_OK) st = simipu_head_declare(params, "mlp_intro_points", pts, c->intro_hidden, c->intro_out);
  for (int i = 1; i <= 2 && st == GEOCL_OK && c->img_conv1x1; i++)
    st = geocl_conv2d_layer_declare(params, i == 1 ? "img_conv1x1_1" : "img_conv1x1_2", 2048, 2048, 1, 1, 1, true);
  return st;
}

geocl_status simipu_bind(simipu_model *m) {
  if (m->bound) return GEOCL_OK;
  geocl_resnet_config rc = simipu_resnet_config(m);
  geocl_status st = geocl_resnet_bind(m->params, "img_backbone", &rc, &m->img);
  if (m->backbone_only) {
    m->bound = st == GEOCL_OK;
    return st;
  }
  if (st == GEOCL_OK) st = simipu_pointnet_bind(m->params, &m->cfg, &m->pts);
  if (st == GEOCL_OK) st = simipu_head_bind(m->params, "mlp_intro_points", &m->intro);
  if (st == GEOCL_OK) st = simipu_head_bind(m->params, "mlp_cross_img", &m->cross_img);
  if (st == GEOCL_OK) st = simipu_head_bind(m->params, "mlp_cross_points", &m->cross_pts);
  m->bound = st == GEOCL_OK;
  return st;
}

static geocl_status init_weights(void *state, geocl_rng *rng) {
  simipu_model *m = state;
  geocl_status st = simipu_bind(m);
  if (st == GEOCL_OK) st = geocl_resnet_init(&m->img, rng);
  if (m->backbone_only) return st;
  if (st == GEOCL_OK) st = simipu_pointnet_init(&m->pts, &m->cfg, rng);
  if (st == GEOCL_OK) st = simipu_head_init(&m->cross_pts, rng);
  if (st == GEOCL_OK) st = simipu_head_init(&m->cross_img, rng);
  if (st == GEOCL_OK) st = simipu_head_init(&m->intro, rng);
  for (int i = 1; i <= 2 && st == GEOCL_OK && m->cfg.img_conv1x1; i++) {
    geocl_conv2d_layer conv;
    st = geocl_conv2d_layer_bind(m->params, i == 1 ? "img_conv1x1_1" : "img_conv1x1_2", NULL, &conv);
    if (st == GEOCL_OK) st = geocl_conv2d_layer_init(&conv, GEOCL_CONV_INIT_TORCH_DEFAULT, rng);
  }
  return st;
}

static geocl_status input_size(void *state, geocl_input_size *size) {
  const simipu_config *c = &((simipu_model *)state)->cfg;
  *size = (geocl_input_size){.height = c->img_h, .width = c->img_w, .points = c->num_points,
                             .resize_long = {c->scale_long[0], c->scale_long[1]},
                             .resize_short = {c->scale_short[0], c->scale_short[1]}};
  return GEOCL_OK;
}

static void destroy(void *state) {
  simipu_model *m = state;
  if (!m) return;
  simipu_history_free(m);
  geocl_resnet_release(&m->img);
  free(m);
}

/* ---- forward ---- */

/* The batch's small fields on the host (read once, before any work is queued). */
typedef struct host_fields {
  float *size, *b_to_a, *lidar2img; /* [B, 2], [B, 16], [B, 16] */
  int64_t pad_h, pad_w;             /* the padded batch: the largest padded image */
} host_fields;

static int64_t pad32(double v) { return (int64_t)ceil(v / 32) * 32; }

static geocl_status read_host_fields(const simipu_model *m, const geocl_batch *b, host_fields *h) {
  geocl_tensor *size = geocl_batch_require(b, "simipu", "image_size");
  geocl_tensor *b_to_a = geocl_batch_require(b, "simipu", "b_to_a");
  geocl_tensor *l2i = geocl_batch_require(b, "simipu", "lidar2img");
  if (!size || !b_to_a || !l2i) return geocl_last_status();
  int64_t B = b->size;
  h->size = malloc(sizeof(float) * (size_t)(B * 34));
  if (!h->size) return geocl_set_error(GEOCL_E_NOMEM, "simipu: out of memory");
  h->b_to_a = h->size + 2 * B;
  h->lidar2img = h->b_to_a + 16 * B;
  geocl_status st = geocl_to_host(size, h->size, sizeof(float) * (size_t)(2 * B));
  if (st == GEOCL_OK) st = geocl_to_host(b_to_a, h->b_to_a, sizeof(float) * (size_t)(16 * B));
  if (st == GEOCL_OK) st = geocl_to_host(l2i, h->lidar2img, sizeof(float) * (size_t)(16 * B));
  h->pad_h = h->pad_w = 0;
  for (int64_t i = 0; st == GEOCL_OK && i < B; i++) {
    int64_t ph = pad32(h->size[2 * i]), pw = pad32(h->size[2 * i + 1]);
    if (ph < 32 || pw < 32 || ph > m->cfg.img_h || pw > m->cfg.img_w)
      st = geocl_set_error(GEOCL_E_SHAPE, "simipu: sample %lld: image_size %gx%g does not fit the %lldx%lld input",
                           (long long)i, h->size[2 * i + 1], h->size[2 * i], (long long)m->cfg.img_w,
                           (long long)m->cfg.img_h);
    h->pad_h = ph > h->pad_h ? ph : h->pad_h;
    h->pad_w = pw > h->pad_w ? pw : h->pad_w;
  }
  return st;
}

/* Row r's positive sits at column r: hits@k = share of rows where fewer than
 * k logits beat the positive (what the official accuracy's topk counts, ties
 * aside), in percent. */
static geocl_tensor *top_k_accuracy(geocl_tensor *logits, geocl_tensor *diag, int64_t k) {
  geocl_tensor *above = geocl_clamp(geocl_scale(geocl_sub(logits, diag), 1e30f), 0.0f, 1.0f);
  geocl_tensor *beaten = geocl_sum(above, 1, false);
  geocl_tensor *hit = geocl_clamp(geocl_add_scalar(geocl_scale(beaten, -1.0f), (float)k), 0.0f, 1.0f);
  return geocl_scale(geocl_mean_all(hit), 100.0f);
}

/* Cross-entropy of q·kᵀ/T against the diagonal, and the two accuracies. */
static geocl_tensor *info_nce(geocl_tensor *q, geocl_tensor *k, float T, geocl_tensor *labels, geocl_tensor *diag_idx,
                              const int64_t ks[2], geocl_tensor *acc[2]) {
  geocl_tensor *logits = geocl_matmul_ex(q, k, false, true, 1.0f / T);
  geocl_tensor *loss = geocl_mean_all(geocl_cross_entropy(logits, labels));
  if (!loss) return NULL;
  bool was = geocl_set_grad_enabled(geocl_tensor_ctx(q), false);
  int64_t M = geocl_dim(logits, 0);
  geocl_tensor *flat = geocl_reshape(geocl_detach(logits), GEOCL_SHAPE(1, M * M, 1));
  geocl_tensor *diag = geocl_reshape(geocl_group_points(flat, diag_idx), GEOCL_SHAPE(M, 1));
  for (int i = 0; i < 2; i++) acc[i] = top_k_accuracy(geocl_detach(logits), diag, ks[i]);
  geocl_set_grad_enabled(geocl_tensor_ctx(q), was);
  return acc[0] && acc[1] ? loss : NULL;
}

/* arange(M) and the diagonal's flat indices r·(M + 1), as i32. */
static geocl_status label_tensors(geocl_ctx *ctx, int64_t M, geocl_tensor **labels, geocl_tensor **diag) {
  int32_t *h = malloc(sizeof(int32_t) * (size_t)(2 * M));
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "simipu: out of memory");
  for (int64_t r = 0; r < M; r++) {
    h[r] = (int32_t)r;
    h[M + r] = (int32_t)(r * (M + 1));
  }
  *labels = geocl_from_host(ctx, GEOCL_I32, 1, &M, h);
  *diag = geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(1, M), h + M);
  free(h);
  return *labels && *diag ? GEOCL_OK : geocl_last_status();
}

typedef struct group_out {
  geocl_tensor *intra, *inter, *acc[4];
} group_out;

/* The losses of one group: rows [g0, g0 + n) of the batch. */
static geocl_status group_losses(simipu_model *m, bool training, const simipu_points_out *A,
                                 const simipu_points_out *Bv, geocl_tensor *match, geocl_tensor *samples,
                                 group_out *o) {
  const simipu_config *c = &m->cfg;
  int64_t n = geocl_dim(A->features, 0), K = geocl_dim(A->features, 1), M = n * K;
  int64_t C = geocl_dim(A->features, 2), C5 = geocl_dim(samples, 2);
  geocl_tensor *q_raw = geocl_reshape(A->features, GEOCL_SHAPE(M, C));
  geocl_tensor *s = geocl_reshape(samples, GEOCL_SHAPE(M, C5));
  geocl_tensor *labels = NULL, *diag = NULL;
  geocl_status st = label_tensors(m->ctx, M, &labels, &diag);
  if (st != GEOCL_OK) return st;
  /* the official order of the heads' calls (their running statistics) */
  geocl_tensor *q = geocl_l2_normalize(simipu_head_apply(&m->intro, q_raw, training), 1e-12f);
  bool was = geocl_set_grad_enabled(m->ctx, false);
  geocl_tensor *k_raw = geocl_reshape(geocl_group_points(Bv->features, match), GEOCL_SHAPE(M, C));
  geocl_tensor *k = geocl_l2_normalize(simipu_head_apply(&m->intro, k_raw, training), 1e-12f);
  geocl_tensor *e_pts = geocl_l2_normalize(simipu_head_apply(&m->cross_pts, geocl_detach(q_raw), training), 1e-12f);
  geocl_set_grad_enabled(m->ctx, was);
  geocl_tensor *e_img = geocl_l2_normalize(simipu_head_apply(&m->cross_img, s, training), 1e-12f);
  if (!q || !k || !e_pts || !e_img) return geocl_last_status();
  const int64_t intro_k[2] = {1, 5}, cross_k[2] = {M / 10, M / 2};
  o->intra = info_nce(q, geocl_detach(k), c->T, labels, diag, intro_k, o->acc);
  o->inter = info_nce(e_img, geocl_detach(e_pts), c->T, labels, diag, cross_k, o->acc + 2);
  return o->intra && o->inter ? GEOCL_OK : geocl_last_status();
}

/* Keypoints of the two views to the host, matched per sample; the sampling
 * grid of A's keypoints.  match i32 [B, K], grid f32 [B, K, 2]. */
static geocl_status match_and_grid(simipu_model *m, const host_fields *h, geocl_tensor *kp_a, geocl_tensor *kp_b,
                                   geocl_tensor **match, geocl_tensor **grid) {
  int64_t B = geocl_dim(kp_a, 0), K = geocl_dim(kp_a, 1);
  float *a = malloc(sizeof(float) * (size_t)(B * K * 8));
  int32_t *pi = malloc(sizeof(int32_t) * (size_t)(B * K));
  geocl_status st = a && pi ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "simipu: out of memory");
  float *b = a + 3 * B * K, *g = b + 3 * B * K;
  if (st == GEOCL_OK) st = geocl_to_host(kp_a, a, sizeof(float) * (size_t)(3 * B * K));
  if (st == GEOCL_OK) st = geocl_to_host(kp_b, b, sizeof(float) * (size_t)(3 * B * K));
  for (int64_t i = 0; st == GEOCL_OK && i < B; i++) {
    st = simipu_match(a + 3 * K * i, b + 3 * K * i, h->b_to_a + 16 * i, K, pi + K * i, NULL);
    double ph = m->cfg.pad_norm ? (double)pad32(h->size[2 * i]) : (double)h->pad_h;
    double pw = m->cfg.pad_norm ? (double)pad32(h->size[2 * i + 1]) : (double)h->pad_w;
    simipu_sample_grid(a + 3 * K * i, K, h->lidar2img + 16 * i, pw, ph, g + 2 * K * i);
  }
  if (st == GEOCL_OK) *match = geocl_from_host(m->ctx, GEOCL_I32, GEOCL_SHAPE(B, K), pi);
  if (st == GEOCL_OK) *grid = geocl_from_host(m->ctx, GEOCL_F32, GEOCL_SHAPE(B, K, 2), g);
  if (st == GEOCL_OK && (!*match || !*grid)) st = geocl_last_status();
  free(a);
  free(pi);
  return st;
}

static geocl_status add_outputs(geocl_outputs *out, const char *names[], geocl_tensor *const *t, int n, bool metric) {
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < n && st == GEOCL_OK; i++)
    st = metric ? geocl_outputs_add_metric(out, names[i], t[i]) : geocl_outputs_add(out, names[i], t[i]);
  return st;
}

/* View A (with gradient) and view B (without) of every group through the point encoder. */
static geocl_status encode_points(simipu_model *m, const geocl_batch *b, int groups, simipu_points_out *A,
                                  simipu_points_out *Bv) {
  geocl_tensor *pa = geocl_batch_require(b, "simipu", "points_a"), *pb = geocl_batch_require(b, "simipu", "points_b");
  if (!pa || !pb) return geocl_last_status();
  if (geocl_ndim(pa) != 3 || geocl_dim(pa, 2) != 4 || geocl_dim(pa, 0) != b->size || geocl_ndim(pb) != 3 ||
      geocl_dim(pb, 1) != geocl_dim(pa, 1) || geocl_dim(pb, 2) != 4 || geocl_dim(pb, 0) != b->size)
    return geocl_set_error(GEOCL_E_SHAPE, "simipu: points_a and points_b must both be [%lld, N, 4]",
                           (long long)b->size);
  int G = m->cfg.group_size;
  geocl_status st = GEOCL_OK;
  for (int g = 0; g < groups && st == GEOCL_OK; g++) {
    int64_t g0 = (int64_t)g * G, n = b->size - g0 < G ? b->size - g0 : G;
    st = simipu_pointnet_apply(&m->pts, &m->cfg, geocl_narrow(pa, 0, g0, n), b->training, &A[g]);
    bool was = geocl_set_grad_enabled(m->ctx, false);
    if (st == GEOCL_OK) st = simipu_pointnet_apply(&m->pts, &m->cfg, geocl_narrow(pb, 0, g0, n), b->training, &Bv[g]);
    geocl_set_grad_enabled(m->ctx, was);
  }
  return st;
}

/* Per layer and view, the groups' picks concatenated over the batch. */
static geocl_status pick_outputs(const simipu_points_out *A, const simipu_points_out *Bv, int groups,
                                 geocl_outputs *out) {
  static const char *names[2][SIMIPU_SA] = {{"sa1_idx_a", "sa2_idx_a", "sa3_idx_a"},
                                            {"sa1_idx_b", "sa2_idx_b", "sa3_idx_b"}};
  geocl_status st = GEOCL_OK;
  for (int v = 0; v < 2 && st == GEOCL_OK; v++)
    for (int l = 0; l < SIMIPU_SA && st == GEOCL_OK; l++) {
      geocl_tensor *parts[64];
      for (int g = 0; g < groups; g++) parts[g] = (v ? Bv : A)[g].picks[l];
      st = geocl_outputs_add(out, names[v][l], groups == 1 ? parts[0] : geocl_concat(groups, parts, 0));
    }
  return st;
}

static geocl_tensor *cat0(const simipu_points_out *p, int groups, bool xyz) {
  geocl_tensor *parts[64];
  for (int g = 0; g < groups; g++) parts[g] = xyz ? p[g].xyz : p[g].features;
  return groups == 1 ? parts[0] : geocl_concat(groups, parts, 0);
}

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  simipu_model *m = state;
  geocl_status st = simipu_bind(m);
  if (st != GEOCL_OK) return st;
  int G = m->cfg.group_size, groups = (int)((b->size + G - 1) / G);
  if (groups > 64) return geocl_set_error(GEOCL_E_INVALID, "simipu: at most 64 groups of %d samples a batch", G);
  geocl_tensor *image = geocl_batch_require(b, "simipu", "image");
  if (!image) return geocl_last_status();
  host_fields h = {0};
  st = read_host_fields(m, b, &h);
  if (st == GEOCL_OK && (geocl_ndim(image) != 4 || geocl_dim(image, 1) != 3 || geocl_dim(image, 2) < h.pad_h ||
                         geocl_dim(image, 3) < h.pad_w))
    st = geocl_set_error(GEOCL_E_SHAPE, "simipu: image must be [B, 3, H, W] holding every padded image (%lldx%lld)",
                         (long long)h.pad_w, (long long)h.pad_h);
  simipu_points_out A[64], Bv[64];
  if (st == GEOCL_OK) st = encode_points(m, b, groups, A, Bv);
  /* the image encoder is queued before the host waits for the keypoints, so
   * the matching overlaps it */
  geocl_tensor *c5[4] = {NULL};
  geocl_tensor *img = NULL;
  if (st == GEOCL_OK)
    img = geocl_contiguous(geocl_narrow(geocl_narrow(image, 2, 0, h.pad_h), 3, 0, h.pad_w));
  if (st == GEOCL_OK) st = img ? geocl_resnet_apply(&m->img, img, b->training, c5) : geocl_last_status();
  geocl_tensor *kp_a = st == GEOCL_OK ? cat0(A, groups, true) : NULL;
  geocl_tensor *kp_b = st == GEOCL_OK ? cat0(Bv, groups, true) : NULL;
  geocl_tensor *match = NULL, *grid = NULL;
  if (st == GEOCL_OK) st = kp_a && kp_b ? match_and_grid(m, &h, kp_a, kp_b, &match, &grid) : geocl_last_status();
  free(h.size);
  geocl_tensor *samples = st == GEOCL_OK ? geocl_grid_sample_points(c5[3], grid) : NULL; /* [B, K, C5] */
  if (st == GEOCL_OK && !samples) st = geocl_last_status();
  group_out sum = {0};
  for (int g = 0; g < groups && st == GEOCL_OK; g++) {
    int64_t g0 = (int64_t)g * G, n = geocl_dim(A[g].xyz, 0);
    group_out o;
    st = group_losses(m, b->training, &A[g], &Bv[g], geocl_narrow(match, 0, g0, n), geocl_narrow(samples, 0, g0, n),
                      &o);
    if (st != GEOCL_OK) break;
    sum.intra = g ? geocl_add(sum.intra, o.intra) : o.intra;
    sum.inter = g ? geocl_add(sum.inter, o.inter) : o.inter;
    for (int i = 0; i < 4; i++) sum.acc[i] = g ? geocl_add(sum.acc[i], o.acc[i]) : o.acc[i];
  }
  if (st != GEOCL_OK) return st;
  float per = 1.0f / (float)groups;
  geocl_tensor *intra = geocl_scale(sum.intra, per), *inter = geocl_scale(sum.inter, per);
  geocl_tensor *loss = geocl_add(inter, intra);
  static const char *metric_names[] = {"loss_intra", "loss_inter", "intro_acc_top1", "intro_acc_top5",
                                       "cross_acc_top1", "cross_acc_top5"};
  geocl_tensor *metrics[6] = {intra, inter};
  for (int i = 0; i < 4; i++) metrics[2 + i] = geocl_scale(sum.acc[i], per);
  static const char *names[] = {"kp_a", "kp_b", "match"};
  geocl_tensor *tensors[3] = {kp_a, kp_b, match};
  st = geocl_outputs_add(out, "loss", loss);
  if (st == GEOCL_OK) st = add_outputs(out, metric_names, metrics, 6, true);
  if (st == GEOCL_OK) st = add_outputs(out, names, tensors, 3, false);
  if (st == GEOCL_OK) st = pick_outputs(A, Bv, groups, out);
  if (st == GEOCL_OK && b->training) st = simipu_history_record(m, b->step, intra, inter, metrics[2]);
  return st;
}

static const char *const fields[] = {"image", "image_size", "points_a", "points_b", "b_to_a", "lidar2img", NULL};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "simipu",
    .kind = GEOCL_PLUGIN_PRETEXT,
    .summary = "SimIPU image/LiDAR contrastive pre-training: intra-modal (points) and inter-modal (image-points) InfoNCE",
    .options = options,
    .presets = presets,
    .default_preset = "tiny",
    .train_fields = fields,
    .infer_fields = fields,
    .pipeline = "lidar",
    .input_size = input_size,
    .recipe = &recipe,
    .official_config_key = "simipu_config",
    .as_backbone = &simipu_backbone_ops,
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .visualize = simipu_visualize,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
