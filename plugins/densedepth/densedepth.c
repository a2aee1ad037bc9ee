/* SPDX-License-Identifier: MIT */
/* depth-resnet: monocular depth with the DenseDepth decoder on SimIPU's
 * ResNet image encoder, the model SimIPU's depth fine-tuning trains
 * (zhyever/Monocular-Depth-Estimation-Toolbox configs/simipu/ on
 * configs/_base_/models/densedepth.py; the decoder in
 * depth/models/decode_heads/densedepth_head.py, after DenseDepth,
 * Alhashim & Wonka 2018, arXiv:1812.11941).
 *
 * The backbone (plugins/simipu/backbone.c) gives the stem and C2–C5 (strides
 * 2 … 32).  From the coarsest: conv_list.0 = 1×1 convolution of C5 to
 * up_sample_channels[4], no activation; then for C4, C3, C2 and the stem,
 * conv_list.k = UpSample: the previous output resized bilinearly
 * (align_corners) to the skip's size, concatenated with the skip, then
 * convA and convB (3×3, padding 1, bias, ReLU each) to up_sample_channels[4−k].
 * conv_depth (3×3, padding 1) to one channel and depth = σ(x)·max_depth
 * (decode_head.py depth_pred with scale_up, as every configs/simipu file sets
 * it) at stride 2, resized bilinearly (align_corners) to the input
 * (decode_head.py losses, encoder_decoder.py encode_decode); outside
 * training clamped to [min_depth, max_depth] as encode_decode does.
 * Loss: SigLoss on log(d + 0.001) (depth/models/losses/sigloss.py). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>
#include <geocl/plugin.h>

#define NAME "depth-resnet"
#define LEVELS 5
#define SIGLOSS_EPS 0.001f /* sigloss.py: log(x + eps) on both sides */

static const char *const hooks[LEVELS] = {"stem", "layer1", "layer2", "layer3", "layer4"};

static const geocl_option options[] = {
    {"up_sample_channels", GEOCL_OPTION_STRING, "128,256,512,1024,2048",
     "decoder widths at strides 2, 4, 8, 16, 32 (the toolbox's order; the first is the width conv_depth reads)"},
    {"crop", GEOCL_OPTION_SIZE, "352x704", "training crop and tile of tiled inference, HxW, multiples of 32"},
    {"max_depth", GEOCL_OPTION_FLOAT, "80", "depth range of the output, metres: σ(x)·max_depth"},
    {"min_depth", GEOCL_OPTION_FLOAT, "0.001", "smallest depth reported outside training (the output's clamp)"},
    {NULL},
};

static const geocl_preset presets[] = {
    {"tiny", "CPU-sized decoder (widths 16/32/64/128/256) at a 128x128 crop",
     "up_sample_channels=16,32,64,128,256 crop=128x128", 1.0e-2},
    {"base", "the toolbox's DenseDepth decoder (widths 128/256/512/1024/2048) at KITTI's 352x704 crop", "", 0},
    {NULL},
};

/* configs/_base_/schedules/schedule_24x.py: AdamW lr 1e-4, β (0.95, 0.99),
 * weight decay 0.01 on every parameter; its OneCycle policy (30% rise, cosine
 * fall) is approximated by 30% linear warm-up and cosine.  The config also
 * clips the gradient norm at 35: pass --clip-grad 35. */
static const geocl_recipe recipe = {
    .optim = {.kind = GEOCL_OPTIM_ADAMW, .lr = 1e-4, .beta1 = 0.95, .beta2 = 0.99, .eps = 1e-8, .weight_decay = 0.01},
    .decay_all = true,
    .schedule = GEOCL_LR_WARMUP_COSINE,
    .warmup = 0.3,
};

typedef struct upsample_block {
  geocl_conv2d_layer conv_a, conv_b;
} upsample_block;

typedef struct head {
  geocl_ctx *ctx;
  geocl_params *params;
  geocl_backbone *bb;
  int64_t up[LEVELS], in[LEVELS]; /* by stride 2 … 32 */
  int64_t crop_h, crop_w;
  float min_depth, max_depth;
  bool bound;
  geocl_conv2d_layer conv0, conv_depth;
  upsample_block block[LEVELS]; /* block[1..4]: C4, C3, C2, stem */
} head;


static geocl_status read_options(head *h, const geocl_config *cfg) {
  const char *s = geocl_config_str(cfg, "up_sample_channels");
  const char *p = s;
  for (int k = 0; k < LEVELS; k++) {
    char *end;
    long long v = strtoll(p, &end, 10);
    if (end == p || v < 1 || (k < LEVELS - 1 ? *end != ',' : *end != '\0'))
      return geocl_set_error(GEOCL_E_INVALID, NAME ": up_sample_channels: expected five positive widths like "
                                              "128,256,512,1024,2048, got %s", s);
    h->up[k] = v;
    p = end + 1;
  }
  geocl_config_size(cfg, "crop", &h->crop_h, &h->crop_w);
  if (h->crop_h < 32 || h->crop_w < 32 || h->crop_h % 32 || h->crop_w % 32)
    return geocl_set_error(GEOCL_E_INVALID,
                           NAME ": crop: both sides must be multiples of 32 (the encoder's stride), got %lldx%lld",
                           (long long)h->crop_h, (long long)h->crop_w);
  h->min_depth = (float)geocl_config_float(cfg, "min_depth");
  h->max_depth = (float)geocl_config_float(cfg, "max_depth");
  if (!(h->min_depth > 0 && h->max_depth > h->min_depth))
    return geocl_set_error(GEOCL_E_INVALID, NAME ": needs 0 < min_depth < max_depth");
  return GEOCL_OK;
}

static void conv_name(char *buf, size_t size, int k, char which) {
  snprintf(buf, size, "head.conv_list.%d.conv%c.conv", k, which);
}

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *bb,
                           void **state) {
  if (!bb) return geocl_set_error(GEOCL_E_INVALID, NAME ": needs a backbone");
  head *h = calloc(1, sizeof *h);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, NAME ": out of memory");
  *state = h;
  h->ctx = ctx;
  h->params = params;
  h->bb = bb;
  geocl_backbone_req req = {.n_hooks = LEVELS};
  for (int k = 0; k < LEVELS; k++) req.hooks[k] = hooks[k];
  geocl_backbone_info info;
  geocl_status st = read_options(h, cfg);
  if (st == GEOCL_OK) st = geocl_backbone_build(bb, &req);
  if (st == GEOCL_OK) st = geocl_backbone_get_info(bb, &info);
  for (int k = 0; k < LEVELS && st == GEOCL_OK; k++) {
    int i = 0;
    while (i < info.n_blocks && strcmp(info.block[i], hooks[k])) i++;
    if (i == info.n_blocks) return geocl_set_error(GEOCL_E_INVALID, NAME ": the backbone has no block %s", hooks[k]);
    h->in[k] = info.dim[i];
  }
  /* conv_list.0 on C5, then one UpSample per finer level */
  if (st == GEOCL_OK)
    st = geocl_conv2d_layer_declare(params, "head.conv_list.0.conv", h->in[4], h->up[4], 1, 1, 1, true);
  for (int k = 1; k < LEVELS && st == GEOCL_OK; k++) {
    int level = LEVELS - 1 - k;
    char n[64];
    conv_name(n, sizeof n, k, 'A');
    st = geocl_conv2d_layer_declare(params, n, h->in[level] + h->up[level + 1], h->up[level], 3, 3, 1, true);
    conv_name(n, sizeof n, k, 'B');
    if (st == GEOCL_OK) st = geocl_conv2d_layer_declare(params, n, h->up[level], h->up[level], 3, 3, 1, true);
  }
  if (st == GEOCL_OK) st = geocl_conv2d_layer_declare(params, "head.conv_depth", h->up[0], 1, 3, 3, 1, true);
  return st;
}

static geocl_status bind(head *h) {
  if (h->bound) return GEOCL_OK;
  const geocl_conv2d_opts same = {.stride = {1, 1}, .padding = {1, 1}, .dilation = {1, 1}, .groups = 1};
  geocl_status st = geocl_conv2d_layer_bind(h->params, "head.conv_list.0.conv", NULL, &h->conv0);
  for (int k = 1; k < LEVELS && st == GEOCL_OK; k++) {
    char n[64];
    conv_name(n, sizeof n, k, 'A');
    st = geocl_conv2d_layer_bind(h->params, n, &same, &h->block[k].conv_a);
    conv_name(n, sizeof n, k, 'B');
    if (st == GEOCL_OK) st = geocl_conv2d_layer_bind(h->params, n, &same, &h->block[k].conv_b);
  }
  if (st == GEOCL_OK) st = geocl_conv2d_layer_bind(h->params, "head.conv_depth", &same, &h->conv_depth);
  h->bound = st == GEOCL_OK;
  return st;
}

/* mmcv's ConvModule initialises its convolution itself (kaiming_normal_,
 * fan_out, ReLU; bias 0); conv_depth is a bare nn.Conv2d (PyTorch's default). */
static geocl_status init_weights(void *state, geocl_rng *rng) {
  head *h = state;
  geocl_status st = bind(h);
  if (st == GEOCL_OK) st = geocl_backbone_init(h->bb, rng);
  if (st == GEOCL_OK) st = geocl_conv2d_layer_init(&h->conv0, GEOCL_CONV_INIT_KAIMING_FAN_OUT, rng);
  for (int k = 1; k < LEVELS && st == GEOCL_OK; k++) {
    st = geocl_conv2d_layer_init(&h->block[k].conv_a, GEOCL_CONV_INIT_KAIMING_FAN_OUT, rng);
    if (st == GEOCL_OK) st = geocl_conv2d_layer_init(&h->block[k].conv_b, GEOCL_CONV_INIT_KAIMING_FAN_OUT, rng);
  }
  if (st == GEOCL_OK) st = geocl_conv2d_layer_init(&h->conv_depth, GEOCL_CONV_INIT_TORCH_DEFAULT, rng);
  return st;
}

static geocl_status input_size(void *state, geocl_input_size *size) {
  const head *h = state;
  *size = (geocl_input_size){.height = h->crop_h, .width = h->crop_w};
  return GEOCL_OK;
}

/* The decoder on the five maps, coarsest first: depth at stride 2. */
static geocl_tensor *decode(const head *h, geocl_tensor *const maps[LEVELS]) {
  geocl_tensor *x = geocl_conv2d_layer_apply(&h->conv0, maps[4]);
  for (int k = 1; k < LEVELS && x; k++) {
    geocl_tensor *skip = maps[LEVELS - 1 - k];
    geocl_tensor *up = geocl_resize2d(x, geocl_dim(skip, 2), geocl_dim(skip, 3), GEOCL_RESAMPLE_LINEAR, true);
    x = geocl_concat(2, (geocl_tensor *[]){up, skip}, 1);
    x = geocl_relu(geocl_conv2d_layer_apply(&h->block[k].conv_a, x));
    x = geocl_relu(geocl_conv2d_layer_apply(&h->block[k].conv_b, x));
  }
  return geocl_scale(geocl_sigmoid(geocl_conv2d_layer_apply(&h->conv_depth, x)), h->max_depth);
}

/* Mean |d̂ − d|/d over the known pixels, without gradient (the progress line's abs_rel). */
static geocl_tensor *abs_rel(geocl_tensor *pred, geocl_tensor *gt, geocl_tensor *valid) {
  geocl_tensor *safe_gt = geocl_add_scalar(geocl_sub(gt, valid), 1.0f); /* 1 where unknown */
  return geocl_masked_mean(geocl_div(geocl_abs(geocl_sub(geocl_detach(pred), gt)), safe_gt), valid);
}

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  head *h = state;
  geocl_outputs f;
  geocl_status st = bind(h);
  if (st == GEOCL_OK) st = geocl_backbone_forward(h->bb, b, &f);
  if (st != GEOCL_OK) return st;
  geocl_tensor *maps[LEVELS], *img = geocl_batch_get(b, "image1");
  for (int k = 0; k < LEVELS; k++) maps[k] = geocl_outputs_get(&f, hooks[k]);
  geocl_tensor *half = decode(h, maps);
  geocl_tensor *pred = half ? geocl_resize2d(half, geocl_dim(img, 2), geocl_dim(img, 3), GEOCL_RESAMPLE_LINEAR, true)
                            : NULL;
  if (pred && !b->training) pred = geocl_clamp(pred, h->min_depth, h->max_depth);
  if (!pred) return geocl_last_status();
  st = geocl_outputs_add(out, "pred", half);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "prediction", pred);
  geocl_tensor *gt = geocl_batch_get(b, "depth"), *valid = geocl_batch_get(b, "valid");
  if (st != GEOCL_OK || !gt || !valid) return st; /* inference: no targets */
  geocl_tensor *loss = geocl_depth_loss_apply(GEOCL_DEPTH_LOSS_SILOG, geocl_add_scalar(pred, SIGLOSS_EPS),
                                              geocl_add(gt, geocl_scale(valid, SIGLOSS_EPS)), valid);
  st = geocl_outputs_add(out, "loss", loss);
  if (st == GEOCL_OK) st = geocl_outputs_add_metric(out, "abs_rel", abs_rel(pred, gt, valid));
  return st;
}

/* The depth toolbox's metrics per image (geocl/dense_metrics.h). */
static geocl_status evaluate(void *state, const geocl_batch *b, const geocl_outputs *out, geocl_metrics *acc) {
  const head *h = state;
  geocl_tensor *pred = geocl_outputs_get(out, "prediction"), *gt = geocl_batch_get(b, "depth");
  geocl_tensor *valid = geocl_batch_get(b, "valid");
  if (!pred || !gt || !valid) return geocl_set_error(GEOCL_E_INVALID, NAME ": evaluation needs depth and valid");
  int64_t B = geocl_dim(pred, 0), H = geocl_dim(pred, 2), W = geocl_dim(pred, 3), n = H * W;
  float *hp = malloc(sizeof(float) * (size_t)(3 * B * n));
  if (!hp) return geocl_set_error(GEOCL_E_NOMEM, NAME ": out of memory");
  float *hg = hp + B * n, *hv = hg + B * n;
  geocl_status st = geocl_to_host(pred, hp, sizeof(float) * (size_t)(B * n));
  if (st == GEOCL_OK) st = geocl_to_host(gt, hg, sizeof(float) * (size_t)(B * n));
  if (st == GEOCL_OK) st = geocl_to_host(valid, hv, sizeof(float) * (size_t)(B * n));
  geocl_depth_eval de;
  geocl_depth_eval_default(&de);
  de.max_depth = h->max_depth;
  for (int64_t i = 0; i < B && st == GEOCL_OK; i++)
    st = geocl_depth_metrics_add(acc, hp + i * n, hg + i * n, hv + i * n, (int)W, (int)H, &de);
  free(hp);
  return st;
}

static geocl_status eval_report(void *state, const geocl_metrics *acc, geocl_metrics *report) {
  (void)state;
  return geocl_dense_metrics_report(GEOCL_DENSE_DEPTH, acc, report);
}

static void destroy(void *state) { free(state); }

static const char *const train_fields[] = {"image1", "depth", "valid", NULL};
static const char *const infer_fields[] = {"image1", NULL};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = NAME,
    .kind = GEOCL_PLUGIN_HEAD,
    .summary = "monocular depth: DenseDepth decoder on SimIPU's ResNet image encoder (SigLoss)",
    .options = options,
    .presets = presets,
    .default_preset = "tiny",
    .train_fields = train_fields,
    .infer_fields = infer_fields,
    .pipeline = "dense",
    .input_size = input_size,
    .recipe = &recipe,
    .backbone = "simipu",
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .evaluate = evaluate,
    .eval_report = eval_report,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
