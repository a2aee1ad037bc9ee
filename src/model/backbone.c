/* SPDX-License-Identifier: MIT */
/* Backbones: another plugin's network built inside a head's model. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model_internal.h"

geocl_status backbone_new(geocl_ctx *ctx, const geocl_plugin *p, geocl_params *params, geocl_backbone **out) {
  *out = NULL;
  if (!p->as_backbone)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "plugin %s cannot serve as a backbone (it has no as_backbone)", p->name);
  geocl_backbone *bb = calloc(1, sizeof *bb);
  if (!bb) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  bb->plugin = p;
  bb->ctx = ctx;
  bb->params = params;
  if (!(bb->config = geocl_plugin_config(p))) {
    free(bb);
    return geocl_last_status();
  }
  *out = bb;
  return GEOCL_OK;
}

void backbone_free(geocl_backbone *bb) {
  if (!bb) return;
  if (bb->state) bb->plugin->destroy(bb->state);
  geocl_config_free(bb->config);
  free(bb);
}

const char *geocl_backbone_task(const geocl_backbone *bb) { return bb->plugin->name; }
const geocl_config *geocl_backbone_config(const geocl_backbone *bb) { return bb->config; }

geocl_status geocl_backbone_set(geocl_backbone *bb, const char *key, const char *value) {
  if (bb->state)
    return geocl_set_error(GEOCL_E_STATE, "backbone %s: option %s set after the backbone was built", bb->plugin->name, key);
  return geocl_config_set(bb->config, key, value);
}

static geocl_status check_hooks(const geocl_backbone *bb, const geocl_backbone_req *req) {
  geocl_backbone_info info;
  geocl_status st = geocl_backbone_get_info(bb, &info);
  for (int h = 0; st == GEOCL_OK && h < req->n_hooks; h++) {
    bool found = false;
    for (int i = 0; i < info.n_blocks && !found; i++) found = !strcmp(info.block[i], req->hooks[h]);
    if (!found)
      st = geocl_set_error(GEOCL_E_INVALID, "backbone %s has no block '%s' (it has %s … %s, %d blocks)", bb->plugin->name,
                           req->hooks[h], info.n_blocks ? info.block[0] : "none",
                           info.n_blocks ? info.block[info.n_blocks - 1] : "none", info.n_blocks);
  }
  return st;
}

geocl_status geocl_backbone_build(geocl_backbone *bb, const geocl_backbone_req *req) {
  if (bb->state) return geocl_set_error(GEOCL_E_STATE, "backbone %s built twice", bb->plugin->name);
  if (req->n_hooks < 0 || req->n_hooks > GEOCL_BACKBONE_MAX_HOOKS)
    return geocl_set_error(GEOCL_E_INVALID, "backbone %s: %d hooks (at most %d)", bb->plugin->name, req->n_hooks,
                           GEOCL_BACKBONE_MAX_HOOKS);
  bb->req = *req;
  bb->first_param = geocl_params_count(bb->params);
  geocl_status st = bb->plugin->as_backbone->create(bb->ctx, bb->config, bb->params, req, &bb->state);
  bb->end_param = geocl_params_count(bb->params);
  if (st == GEOCL_OK) st = check_hooks(bb, req);
  if (st != GEOCL_OK) geocl_error_prefix("backbone %s", bb->plugin->name);
  return st;
}

geocl_status geocl_backbone_get_info(const geocl_backbone *bb, geocl_backbone_info *info) {
  memset(info, 0, sizeof *info);
  if (!bb->state) return geocl_set_error(GEOCL_E_STATE, "backbone %s: not built yet", bb->plugin->name);
  return bb->plugin->as_backbone->info(bb->state, info);
}

geocl_status geocl_backbone_init(geocl_backbone *bb, geocl_rng *rng) {
  if (!bb->state) return geocl_set_error(GEOCL_E_STATE, "backbone %s: not built yet", bb->plugin->name);
  return bb->plugin->init_weights(bb->state, rng);
}

geocl_status geocl_backbone_forward(geocl_backbone *bb, const geocl_batch *batch, geocl_outputs *features) {
  if (!bb->state) return geocl_set_error(GEOCL_E_STATE, "backbone %s: not built yet", bb->plugin->name);
  memset(features, 0, sizeof *features);
  return bb->plugin->as_backbone->forward(bb->state, batch, &bb->req, features);
}
