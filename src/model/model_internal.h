/* SPDX-License-Identifier: MIT */
/* Pieces of the model layer (src/model). */
#ifndef GEOCL_MODEL_INTERNAL_H
#define GEOCL_MODEL_INTERNAL_H

#include <geocl/model.h>

struct geocl_backbone {
  const geocl_plugin *plugin;
  geocl_config *config;
  geocl_ctx *ctx;
  geocl_params *params; /* the head model's */
  void *state;          /* NULL until built */
  geocl_backbone_req req;
  int first_param, end_param; /* the parameter entries it declared */
};

geocl_status backbone_new(geocl_ctx *ctx, const geocl_plugin *p, geocl_params *params, geocl_backbone **out);
void backbone_free(geocl_backbone *bb);

#endif
