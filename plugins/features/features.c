/* SPDX-License-Identifier: MIT */
/* The features head: no parameters of its own, it returns the outputs of
 * chosen blocks of a croco backbone (whole images, no masking, as the
 * official downstream models run it: naver/croco models/croco_downstream.py),
 * for geocl encode and for users who fine-tune elsewhere. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>

typedef struct head {
  geocl_backbone *bb;
  geocl_backbone_info info;
  int n;
  char names[GEOCL_BACKBONE_MAX_HOOKS][16];
} head;

static const geocl_option options[] = {
    {"blocks", GEOCL_OPTION_STRING, "last",
     "comma-separated block outputs: enc.I, dec.I (decoder blocks read image2 too), 'last' (the last "
     "encoder block, normalised) or 'encoder' (every encoder block)"},
    {NULL},
};
static const geocl_preset presets[] = {{NULL}};

static geocl_status add(head *h, const char *name) {
  if (h->n == GEOCL_BACKBONE_MAX_HOOKS)
    return geocl_set_error(GEOCL_E_INVALID, "features: more than %d blocks", GEOCL_BACKBONE_MAX_HOOKS);
  if (strlen(name) >= sizeof h->names[0]) return geocl_set_error(GEOCL_E_INVALID, "features: no block '%s'", name);
  snprintf(h->names[h->n++], sizeof h->names[0], "%s", name);
  return GEOCL_OK;
}

/* blocks=... into hook names; 'last' and 'encoder' from the backbone's depth. */
static geocl_status parse_blocks(head *h, const char *list, int64_t enc_depth) {
  char *copy = strdup(list), *save = NULL;
  if (!copy) return geocl_set_error(GEOCL_E_NOMEM, "features: out of memory");
  geocl_status st = GEOCL_OK;
  char name[32];
  for (char *tok = strtok_r(copy, ",", &save); st == GEOCL_OK && tok; tok = strtok_r(NULL, ",", &save)) {
    if (!strcmp(tok, "last")) {
      snprintf(name, sizeof name, "enc.%lld", (long long)enc_depth - 1);
      st = add(h, name);
    } else if (!strcmp(tok, "encoder")) {
      for (int64_t i = 0; st == GEOCL_OK && i < enc_depth; i++) {
        snprintf(name, sizeof name, "enc.%lld", (long long)i);
        st = add(h, name);
      }
    } else {
      st = add(h, tok);
    }
  }
  free(copy);
  if (st == GEOCL_OK && !h->n) st = geocl_set_error(GEOCL_E_INVALID, "features: blocks= names no block");
  return st;
}

static geocl_status create(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, geocl_backbone *bb,
                           void **out) {
  (void)ctx;
  (void)params;
  head *h = calloc(1, sizeof *h);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "features: out of memory");
  *out = h;
  h->bb = bb;
  geocl_status st = parse_blocks(h, geocl_config_str(cfg, "blocks"),
                                 geocl_config_int(geocl_backbone_config(bb), "enc_depth"));
  geocl_backbone_req req = {.n_hooks = h->n};
  for (int i = 0; i < h->n; i++) {
    req.hooks[i] = h->names[i];
    req.binocular |= !strncmp(h->names[i], "dec.", 4);
  }
  if (st == GEOCL_OK) st = geocl_backbone_build(bb, &req);
  if (st == GEOCL_OK) st = geocl_backbone_get_info(bb, &h->info);
  return st;
}

static geocl_status init_weights(void *state, geocl_rng *rng) { return geocl_backbone_init(((head *)state)->bb, rng); }

static geocl_status input_size(void *state, geocl_input_size *size) {
  const head *h = state;
  *size = (geocl_input_size){.height = h->info.height, .width = h->info.width};
  return GEOCL_OK;
}

static geocl_status forward(void *state, const geocl_batch *b, geocl_outputs *out) {
  head *h = state;
  geocl_outputs f;
  geocl_status st = geocl_backbone_forward(h->bb, b, &f);
  for (int i = 0; st == GEOCL_OK && i < h->n; i++) st = geocl_outputs_add(out, h->names[i], geocl_outputs_get(&f, h->names[i]));
  return st;
}

static void destroy(void *state) { free(state); }

static const char *const fields[] = {"image1", NULL};

static const geocl_plugin plugin = {
    .abi = GEOCL_PLUGIN_ABI,
    .name = "features",
    .kind = GEOCL_PLUGIN_HEAD,
    .summary = "outputs of chosen blocks of a croco backbone (geocl encode)",
    .options = options,
    .presets = presets,
    .train_fields = fields,
    .infer_fields = fields,
    .input_size = input_size,
    .backbone = "croco",
    .create = create,
    .init_weights = init_weights,
    .forward = forward,
    .destroy = destroy,
};

const geocl_plugin *geocl_plugin_entry(void);
const geocl_plugin *geocl_plugin_entry(void) { return &plugin; }
