/* SPDX-License-Identifier: MIT */
/* Heads on backbones.
 *
 * A head plugin (geocl/plugin.h, kind GEOCL_PLUGIN_HEAD) names the plugin
 * whose network it sits on, e.g. "croco".  geocl builds that plugin's network
 * as a backbone inside the head's model: the backbone's configuration comes
 * from its defaults, a preset, the pre-trained checkpoint (--init) and
 * "backbone.KEY=VALUE" arguments, plus what the head sets; its parameters
 * keep their own names (CroCo's enc_blocks.*, dec_blocks.*, ...) beside the
 * head's (head.*), as the official downstream checkpoints have them; only the
 * parts the head asks for are built, loaded and saved.
 *
 * In its create, a head:
 *
 *   geocl_backbone_set(bb, "img_size", "352x704");      optional
 *   geocl_backbone_build(bb, &(geocl_backbone_req){.binocular = true});
 *   geocl_backbone_get_info(bb, &info);                 blocks and their widths
 *   ... declare head.* parameters ...
 *
 * in init_weights it calls geocl_backbone_init, and in forward
 * geocl_backbone_forward, which returns the outputs of the blocks the head
 * named ("enc.10", "dec.7", ...) as token tensors [B, N, C]; a
 * convolutional backbone (info.patch 0, e.g. simipu's ResNet: "stem",
 * "layer1" ... "layer4") returns feature maps [B, C, h, w]. */
#ifndef GEOCL_BACKBONE_H
#define GEOCL_BACKBONE_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/batch.h>
#include <geocl/config.h>
#include <geocl/context.h>
#include <geocl/rng.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_params geocl_params;
typedef struct geocl_outputs geocl_outputs;

#define GEOCL_BACKBONE_MAX_BLOCKS 96
#define GEOCL_BACKBONE_MAX_HOOKS 16

/* What a head needs from its backbone. */
typedef struct geocl_backbone_req {
  bool binocular; /* both images: image1 decoded against image2 (CroCo's
                   * downstream binocular model); else image1 alone, encoder only */
  int n_hooks;
  const char *hooks[GEOCL_BACKBONE_MAX_HOOKS]; /* block outputs forward returns, by name */
} geocl_backbone_req;

/* The blocks a built backbone has, in order, and its token grid. */
typedef struct geocl_backbone_info {
  int n_blocks;
  char block[GEOCL_BACKBONE_MAX_BLOCKS][16]; /* "enc.0" ... "dec.7" */
  int64_t dim[GEOCL_BACKBONE_MAX_BLOCKS];    /* channels of each block's output */
  int enc_depth, dec_depth;
  int64_t height, width; /* input size */
  int64_t patch;         /* pixels per token side (0: not a token model) */
} geocl_backbone_info;

/* What a plugin implements to serve as a backbone (geocl_plugin.as_backbone).
 * The plugin's init_weights and destroy serve the backbone too. */
typedef struct geocl_backbone_ops {
  /* Declare the parameters the request needs (official names). */
  geocl_status (*create)(geocl_ctx *ctx, const geocl_config *cfg, geocl_params *params, const geocl_backbone_req *req,
                         void **state);
  geocl_status (*info)(void *state, geocl_backbone_info *info);
  /* Add the hooked blocks' outputs to features, named as requested. */
  geocl_status (*forward)(void *state, const geocl_batch *batch, const geocl_backbone_req *req,
                          geocl_outputs *features);
} geocl_backbone_ops;

typedef struct geocl_backbone geocl_backbone;

/* The backbone's plugin name and configuration. */
const char *geocl_backbone_task(const geocl_backbone *bb);
const geocl_config *geocl_backbone_config(const geocl_backbone *bb);
/* Set one option before building (errors name the option and the value). */
geocl_status geocl_backbone_set(geocl_backbone *bb, const char *key, const char *value);
/* Declare the backbone's parameters for req (once). */
geocl_status geocl_backbone_build(geocl_backbone *bb, const geocl_backbone_req *req);
geocl_status geocl_backbone_get_info(const geocl_backbone *bb, geocl_backbone_info *info);
/* The backbone's original random initialisation. */
geocl_status geocl_backbone_init(geocl_backbone *bb, geocl_rng *rng);
/* Run it on the batch; features receives the hooked blocks' outputs.  A hook
 * the backbone lacks is an error naming it and the blocks it has. */
geocl_status geocl_backbone_forward(geocl_backbone *bb, const geocl_batch *batch, geocl_outputs *features);

#ifdef __cplusplus
}
#endif
#endif
