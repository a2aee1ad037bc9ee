/* SPDX-License-Identifier: MIT */
/* Test-only head: one linear layer on a hooked block of a croco (or mae)
 * backbone.  Options choose the hook and whether the backbone is binocular;
 * the hooked features are returned as "feat" so tests can compare them with
 * the pretext model's own computation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>

typedef struct head {
  geocl_backbone *bb;
  geocl_backbone_info info;
  geocl_params *params;
  char hook[16];
  geocl_linear_layer proj;
  int64_t forwards; /* training forwards so far: host state kept in checkpoints */
} head;

static const geocl_option options[] = {
    {"hook", GEOCL_OPTION_STRING, "enc.1", "the block whose output the head reads"},
    {"binocular", GEOCL_OPTION_BOOL, "false", "build the backbone's decoder too"},
    {NULL},
};
static const geocl_preset presets[] = {{NULL}};

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *bb,
                           void **out) {
  (void)ctx;
  head *h = calloc(1, sizeof *h);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "testhead: out of memory");
  *out = h;
  h->bb = bb;
  h->params = params;
  snprintf(h->hook, sizeof h->hook, "%s", geocl_config_str(cfg, "hook"));
  geocl_backbone_req req = {.binocular = geocl_config_bool(cfg, "binocular"), .n_hooks = 1, .hooks = {h->hook}};
  geocl_status st = geocl_backbone_build(bb, &req);
  if (st == GEOCL_OK) st = geocl_backbone_get_info(bb, &h->info);
  int64_t dim = 0;
  for (int i = 0; i < h->info.n_blocks; i++)
    if (!strcmp(h->info.block[i], h->hook)) dim = h->info.dim[i];
  if (st == GEOCL_OK) st = geocl_linear_layer_declare(params, "head.proj", dim, 1);
  return st;
}

static geocl_status init_weights(void *state, geocl_rng *rng) {
  head *h = state;
  geocl_status st = geocl_linear_layer_bind(h->params, "head.proj", &h->proj);
  if (st == GEOCL_OK) st = geocl_backbone_init(h->bb, rng);
  if (st == GEOCL_OK) st = geocl_linear_layer_init(&h->proj, rng);
  return st;
}

static geocl_status input_size(void *state, geocl_input_size *size) {
  const head *h = state;
  *size = (geocl_input_size){.height = h->info.height, .width = h->info.width};
  return GEOCL_OK;
}

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  head *h = state;
  geocl_outputs f;
  geocl_status st = geocl_linear_layer_bind(h->params, "head.proj", &h->proj);
  if (st == GEOCL_OK) st = geocl_backbone_forward(h->bb, b, &f);
  if (st != GEOCL_OK) return st;
  geocl_tensor *feat = geocl_outputs_get(&f, h->hook);
  if (b->training) h->forwards++;
  float count = (float)h->forwards;
  st = geocl_outputs_add(out, "feat", feat);
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "forwards", geocl_from_host(geocl_tensor_ctx(feat),
                                                                            GEOCL_F32, 0, NULL, &count));
  if (st == GEOCL_OK) st = geocl_outputs_add(out, "loss", geocl_mean_all(geocl_linear_layer_apply(&h->proj, feat)));
  if (st == GEOCL_OK) st = geocl_outputs_add_metric(out, "feat_mean", geocl_mean_all(feat));
  return st;
}

static geocl_status evaluate(void *state, const geocl_batch *b, const geocl_outputs *out, geocl_metrics *acc) {
  (void)state;
  float v;
  geocl_status st = geocl_item(geocl_outputs_get(out, "loss"), &v);
  return st == GEOCL_OK ? geocl_metrics_add(acc, "samples", (double)b->size, 1) : st;
}

static char *save_state(void *state) {
  char *json = malloc(64);
  if (json) snprintf(json, 64, "{\"forwards\": %lld}", (long long)((head *)state)->forwards);
  return json;
}

static geocl_status load_state(void *state, const char *json) {
  long long n;
  if (sscanf(json, "{\"forwards\": %lld}", &n) != 1)
    return geocl_set_error(GEOCL_E_FORMAT, "testhead: state %s is not {\"forwards\": N}", json);
  ((head *)state)->forwards = n;
  return GEOCL_OK;
}

static void destroy(void *state) { free(state); }

/* depth is not used: it makes the head need a field the synthetic pairs lack */
static const char *const train_fields[] = {"image1", "image2", "depth", "valid", NULL};
static const char *const infer_fields[] = {"image1", "image2", NULL};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "testhead",
    .kind = GEOCL_PLUGIN_HEAD,
    .summary = "test head",
    .options = options,
    .presets = presets,
    .train_fields = train_fields,
    .infer_fields = infer_fields,
    .pipeline = "dense",
    .input_size = input_size,
    .backbone = "croco",
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .evaluate = evaluate,
    .save_state = save_state,
    .load_state = load_state,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
