/* SPDX-License-Identifier: MIT */
/* The three dense heads on a CroCo backbone, one module each, built from this
 * file with DPT_PLUGIN set to the task (plugins/local.mk):
 *
 *   stereo  CroCo-Stereo (naver/croco models/croco_downstream.py
 *           CroCoDownstreamBinocular with PixelwiseTaskWithDPT, stereoflow/):
 *           left and right images through the encoder, the left image's
 *           tokens decoded against the right's, a DPT head predicting the
 *           left image's disparity and a confidence, the official criteria
 *   flow    CroCo-Flow: the same on frames t and t+1, predicting the optical
 *           flow (u right, v down) and a confidence
 *   depth   monocular depth on the encoder alone (CroCoDownstreamMonocularEncoder):
 *           a DPT head on four encoder blocks predicting depth
 *           min_depth + max_depth·σ(x), trained with the depth toolbox's SILog
 *           or L1 on log depth
 *
 * Official stereo and flow checkpoints load after tools/convert-croco. */
#include "dpt_head.h"

#define TINY_PRESET {"tiny", "CPU-sized DPT head: layer dims 32/64/96/128, 64 features", DPT_TINY_SETTINGS, 1.0e-2}
#define BASE_PRESET {"base", "the official head: layer dims 96/192/384/768, 256 features", "", 0}

#if DPT_PLUGIN == DPT_STEREO || DPT_PLUGIN == DPT_FLOW
#define TASK_OPTIONS(criterion, conf_mode)                                                                          \
  {"criterion", GEOCL_OPTION_STRING, criterion,                                                                     \
   "LaplacianLossBounded2(), LaplacianLossBounded(), LaplacianLoss() or L1Loss() (no confidence), with arguments"}, \
      {"tile_conf_mode", GEOCL_OPTION_STRING, conf_mode,                                                            \
       "tile weights of tiled inference: conf_expsigmoid_B_S or conf_expbetaB"}
/* naver/croco stereoflow/train.py: AdamW (0.9, 0.95), weight decay 0.05 but
 * on biases and norms, an absolute lr, one epoch of warm-up (of 32 for
 * stereo, 240 for flow), then cosine to 0. */
#define RECIPE(LR, EPOCHS)                                                                                           \
  {.optim = {.kind = GEOCL_OPTIM_ADAMW, .lr = LR, .beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.05}, \
   .schedule = GEOCL_LR_WARMUP_COSINE, .warmup = 1.0 / EPOCHS}
#endif

#if DPT_PLUGIN == DPT_STEREO
#define NAME "stereo"
#define SUMMARY "CroCo-Stereo: disparity of the left image from a stereo pair (binocular CroCo + DPT head)"
#define TARGET "disparity"
static const geocl_option options[] = {DPT_HEAD_OPTIONS,
                                       TASK_OPTIONS("LaplacianLossBounded2()", "conf_expsigmoid_15_3"), {NULL}};
static const geocl_recipe recipe = RECIPE(3e-5, 32);
#elif DPT_PLUGIN == DPT_FLOW
#define NAME "flow"
#define SUMMARY "CroCo-Flow: optical flow from frame t to t+1 (binocular CroCo + DPT head)"
#define TARGET "flow"
static const geocl_option options[] = {DPT_HEAD_OPTIONS,
                                       TASK_OPTIONS("LaplacianLossBounded()", "conf_expsigmoid_10_5"), {NULL}};
static const geocl_recipe recipe = RECIPE(2e-5, 240);
#elif DPT_PLUGIN == DPT_DEPTH
#define NAME "depth"
#define SUMMARY "monocular depth: DPT head on the CroCo encoder (SILog or L1 on log depth)"
#define TARGET "depth"
static const geocl_option options[] = {
    DPT_HEAD_OPTIONS,
    {"depth_loss", GEOCL_OPTION_STRING, "silog", "silog (the depth toolbox's SigLoss) or l1log (L1 on log depth)"},
    {"max_depth", GEOCL_OPTION_FLOAT, "80", "depth range of the output, metres: min_depth + max_depth·σ(x)"},
    {"min_depth", GEOCL_OPTION_FLOAT, "0.001", "smallest depth of the output, metres"},
    {NULL},
};
/* AdamW (0.9, 0.95), weight decay 0.05 but on biases and norms, lr 1e-4, 5%
 * warm-up, cosine (the depth toolbox trains with AdamW at 1e-4). */
static const geocl_recipe recipe = {
    .optim = {.kind = GEOCL_OPTIM_ADAMW, .lr = 1e-4, .beta1 = 0.9, .beta2 = 0.95, .eps = 1e-8, .weight_decay = 0.05},
    .schedule = GEOCL_LR_WARMUP_COSINE,
    .warmup = 0.05,
};
#else
#error "DPT_PLUGIN must be DPT_STEREO, DPT_FLOW or DPT_DEPTH"
#endif

static const geocl_preset presets[] = {TINY_PRESET, BASE_PRESET, {NULL}};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *bb,
                           void **state) {
  return dpt_head_create(DPT_PLUGIN, NAME, ctx, cfg, params, bb, state);
}

#if DPT_PLUGIN == DPT_DEPTH
static const char *const train_fields[] = {"image1", TARGET, "valid", NULL};
static const char *const infer_fields[] = {"image1", NULL};
#else
static const char *const train_fields[] = {"image1", "image2", TARGET, "valid", NULL};
static const char *const infer_fields[] = {"image1", "image2", NULL};
#endif

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = NAME,
    .kind = GEOCL_PLUGIN_HEAD,
    .summary = SUMMARY,
    .options = options,
    .presets = presets,
    .default_preset = "tiny",
    .train_fields = train_fields,
    .infer_fields = infer_fields,
    .pipeline = "dense",
    .input_size = dpt_head_input_size,
    .recipe = &recipe,
    .backbone = "croco",
    .create = create,
    .init_weights = dpt_head_init,
    .forward = dpt_head_forward,
    .visualize = dpt_head_visualize,
    .evaluate = dpt_head_evaluate,
    .eval_report = dpt_head_eval_report,
    .destroy = dpt_head_destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
