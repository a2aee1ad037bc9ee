/* SPDX-License-Identifier: MIT */
/* depthprobe: an example head plugin, built outside geocl's tree against the
 * installed library (see Makefile and README.md here).
 *
 * A linear probe of monocular depth on a frozen CroCo encoder: one linear
 * layer maps each token of the encoder's last block to the log-depth of its
 * patch (the mean log-depth of the patch's known pixels).  It shows the head
 * contract end to end: the backbone named and built by geocl (and loaded
 * from a `geocl pretrain` checkpoint with --init), the batch fields it needs
 * (image1, depth, valid, made by the "dense" pipeline), a recipe that freezes
 * everything but the head, a training metric, and evaluation metrics
 * (AbsRel, RMSE, δ<1.25 over patches) for `geocl finetune --val-data`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include <geocl/geocl.h>

typedef struct probe {
  geocl_ctx *ctx;
  geocl_backbone *backbone;
  geocl_backbone_info info;
  char hook[16]; /* the encoder's last block */
  geocl_params *params;
  geocl_linear_layer head;
  bool bound;
} probe;

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *bb,
                           void **out) {
  (void)cfg;
  if (!bb) return geocl_set_error(GEOCL_E_INVALID, "depthprobe: needs a backbone");
  probe *p = calloc(1, sizeof *p);
  if (!p) return geocl_set_error(GEOCL_E_NOMEM, "depthprobe: out of memory");
  *out = p;
  p->ctx = ctx;
  p->backbone = bb;
  p->params = params;
  /* the encoder's depth is known once the backbone's config is: read it first */
  int64_t depth = geocl_config_int(geocl_backbone_config(bb), "enc_depth");
  snprintf(p->hook, sizeof p->hook, "enc.%d", (int)depth - 1);
  geocl_backbone_req req = {.binocular = false, .n_hooks = 1, .hooks = {p->hook}};
  geocl_status st = geocl_backbone_build(bb, &req);
  if (st == GEOCL_OK) st = geocl_backbone_get_info(bb, &p->info);
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(params, "head.proj", p->info.dim[p->info.n_blocks - 1], 1);
  return st;
}

static geocl_status bind(probe *p) {
  if (p->bound) return GEOCL_OK;
  geocl_status st = geocl_linear_layer_bind(p->params, "head.proj", &p->head);
  p->bound = st == GEOCL_OK;
  return st;
}

static geocl_status init_weights(void *state, geocl_rng *rng) {
  probe *p = state;
  geocl_status st = bind(p);
  if (st == GEOCL_OK) st = geocl_backbone_init(p->backbone, rng);
  if (st == GEOCL_OK) st = geocl_linear_layer_init(&p->head, rng);
  return st;
}

static geocl_status input_size(void *state, geocl_input_size *size) {
  const probe *p = state;
  size->height = p->info.height;
  size->width = p->info.width;
  size->points = 0;
  return GEOCL_OK;
}

/* Per-patch sums of a [B, 1, H, W] map: [B, N]. */
static geocl_tensor *patch_sum(geocl_tensor *map, int64_t patch) {
  int64_t B = geocl_dim(map, 0), H = geocl_dim(map, 2), W = geocl_dim(map, 3);
  /* patchify takes three channels: repeat the one (a view) and divide by 3 */
  geocl_tensor *three = geocl_expand(map, 4, (int64_t[]){B, 3, H, W});
  return geocl_scale(geocl_sum(geocl_patchify(three, (int)patch), -1, false), 1.0f / 3.0f);
}

/* Patch targets: mean log-depth of the known pixels, and a weight ≈ 1 where
 * the patch has any (0 where it has none). */
static void patch_targets(const probe *p, geocl_tensor *depth, geocl_tensor *valid, geocl_tensor **target,
                          geocl_tensor **weight) {
  /* log depth where valid; elsewhere depth is 0, so depth − valid + 1 = 1 and its log 0 */
  geocl_tensor *logd = geocl_mul(geocl_log(geocl_add_scalar(geocl_sub(depth, valid), 1.0f)), valid);
  geocl_tensor *count = patch_sum(valid, p->info.patch);
  *target = geocl_div(patch_sum(logd, p->info.patch), geocl_add_scalar(count, 1e-6f));
  *weight = geocl_div(count, geocl_add_scalar(count, 1e-3f));
}

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  probe *p = state;
  geocl_status st = bind(p);
  geocl_outputs features;
  if (st == GEOCL_OK) st = geocl_backbone_forward(p->backbone, b, &features);
  if (st != GEOCL_OK) return st;
  geocl_tensor *tokens = geocl_outputs_get(&features, p->hook);
  geocl_tensor *pred = geocl_sum(geocl_linear_layer_apply(&p->head, tokens), -1, false); /* [B, N] log-depth */
  st = geocl_outputs_add(out, "pred", pred);
  geocl_tensor *depth = geocl_batch_get(b, "depth"), *valid = geocl_batch_get(b, "valid");
  if (st != GEOCL_OK || !depth || !valid) return st; /* inference: no targets */
  geocl_tensor *target, *weight;
  patch_targets(p, depth, valid, &target, &weight);
  geocl_tensor *wsum = geocl_add_scalar(geocl_sum_all(weight), 1e-6f);
  geocl_tensor *loss = geocl_div(geocl_sum_all(geocl_mul(geocl_abs(geocl_sub(pred, target)), weight)), wsum);
  /* AbsRel over patches, |d̂ − d| / d, as a training metric */
  geocl_tensor *d = geocl_exp(target), *dh = geocl_exp(geocl_detach(pred));
  geocl_tensor *abs_rel = geocl_div(geocl_sum_all(geocl_mul(geocl_div(geocl_abs(geocl_sub(dh, d)), d), weight)), wsum);
  st = geocl_outputs_add(out, "loss", loss);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "target", target);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "weight", weight);
  if (st == GEOCL_OK) st = geocl_outputs_add_metric(out, "abs_rel", abs_rel);
  return st;
}

/* AbsRel, squared error (for RMSE) and δ < 1.25 summed over known patches. */
static geocl_status evaluate(void *state, const geocl_batch *b, const geocl_outputs *out, geocl_metrics *acc) {
  (void)state;
  geocl_tensor *pred = geocl_outputs_get(out, "pred"), *target = geocl_outputs_get(out, "target");
  geocl_tensor *weight = geocl_outputs_get(out, "weight");
  if (!target) return geocl_set_error(GEOCL_E_INVALID, "depthprobe: evaluation needs depth and valid in the batch");
  size_t n = (size_t)geocl_numel(pred);
  float *h = malloc(3 * n * sizeof *h);
  geocl_status st = h ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "depthprobe: out of memory");
  if (st == GEOCL_OK) st = geocl_to_host(pred, h, n * sizeof *h);
  if (st == GEOCL_OK) st = geocl_to_host(target, h + n, n * sizeof *h);
  if (st == GEOCL_OK) st = geocl_to_host(weight, h + 2 * n, n * sizeof *h);
  double rel = 0, sq = 0, good = 0, count = 0;
  for (size_t i = 0; st == GEOCL_OK && i < n; i++) {
    if (h[2 * n + i] < 0.5f) continue;
    double dh = exp(h[i]), d = exp(h[n + i]), ratio = dh > d ? dh / d : d / dh;
    rel += fabs(dh - d) / d;
    sq += (dh - d) * (dh - d);
    good += ratio < 1.25;
    count++;
  }
  free(h);
  (void)b;
  if (st == GEOCL_OK) st = geocl_metrics_add(acc, "abs_rel", rel, count);
  if (st == GEOCL_OK) st = geocl_metrics_add(acc, "rmse", sq, count);
  if (st == GEOCL_OK) st = geocl_metrics_add(acc, "delta1", good, count);
  return st;
}

static geocl_status eval_report(void *state, const geocl_metrics *acc, geocl_metrics *report) {
  (void)state;
  *report = *acc;
  return geocl_metrics_set(report, "rmse", sqrt(geocl_metrics_value(acc, "rmse")));
}

static void destroy(void *state) { free(state); }

/* Train the head alone: the first matching rule wins. */
static const geocl_param_rule rules[] = {{.match = "head."}, {.match = "", .frozen = true}, {NULL}};

static const geocl_recipe recipe = {
    .optim = {.kind = GEOCL_OPTIM_ADAMW, .lr = 1e-3, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8, .weight_decay = 0},
    .schedule = GEOCL_LR_WARMUP_COSINE,
    .warmup = 0.05,
    .rules = rules,
};

static const char *const train_fields[] = {"image1", "depth", "valid", NULL};
static const char *const infer_fields[] = {"image1", NULL};
static const geocl_option options[] = {{NULL}};
static const geocl_preset presets[] = {{NULL}};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "depthprobe",
    .kind = GEOCL_PLUGIN_HEAD,
    .summary = "example: linear probe of per-patch log-depth on a frozen CroCo encoder",
    .options = options,
    .presets = presets,
    .train_fields = train_fields,
    .infer_fields = infer_fields,
    .pipeline = "dense",
    .input_size = input_size,
    .recipe = &recipe,
    .backbone = "croco",
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .evaluate = evaluate,
    .eval_report = eval_report,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
