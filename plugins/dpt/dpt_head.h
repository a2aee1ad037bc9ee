/* SPDX-License-Identifier: MIT */
/* Dense heads with a DPT decoder on a CroCo backbone, shared by the stereo,
 * flow and depth plugins (naver/croco models/croco_downstream.py,
 * head_downstream.py, stereoflow/criterion.py): hooks, the DPT head
 * (geocl/dpt.h) under "head.dpt", the criterion, training metrics, evaluation
 * (geocl/dense_metrics.h) and pictures.
 *
 * Outputs of forward: "pred" [B, nc, H, W], the head's raw output (the
 * prediction channels, then the confidence channel when the criterion has
 * one); "prediction" [B, C, H, W] in the task's units (disparity px, flow px,
 * depth m); "conf" [B, 1, H, W] (raw); with targets in the batch, "loss" and a
 * training metric (avgerr, epe or abs_rel). */
#ifndef GEOCL_PLUGIN_DPT_HEAD_H
#define GEOCL_PLUGIN_DPT_HEAD_H

#include <geocl/geocl.h>
#include <geocl/plugin.h>

/* The tasks, also as preprocessor numbers (dpt_plugin.c is built once per task). */
#define DPT_STEREO 0
#define DPT_FLOW 1
#define DPT_DEPTH 2
typedef int dpt_task;

/* Options every DPT head has (official defaults). */
#define DPT_HEAD_OPTIONS                                                                                           \
  {"hooks", GEOCL_OPTION_STRING, "",                                                                               \
   "backbone blocks the DPT reads, official numbering (encoder 0..Le-1, then the decoder), e.g. 10,13,16,19; "     \
   "empty: the official choice"},                                                                                  \
      {"layer_dims", GEOCL_OPTION_STRING, "96,192,384,768", "channels of the four reassembled maps"},              \
      {"feature_dim", GEOCL_OPTION_INT, "256", "channels of the fusion blocks"},                                   \
      {"last_dim", GEOCL_OPTION_INT, "32", "channels before the output convolution"}

/* The CPU-sized head of the tiny presets. */
#define DPT_TINY_SETTINGS "layer_dims=32,64,96,128 feature_dim=64 last_dim=16"

typedef struct dpt_head dpt_head;

geocl_status dpt_head_create(dpt_task task, const char *name, geocl_ctx *ctx, const geocl_config *cfg,
                             geocl_params *params, geocl_backbone *bb, void **state);
geocl_status dpt_head_init(void *state, geocl_rng *rng);
geocl_status dpt_head_input_size(void *state, geocl_input_size *size);
geocl_status dpt_head_forward(void *state, const geocl_batch *b, geocl_outputs *out);
geocl_status dpt_head_evaluate(void *state, const geocl_batch *b, const geocl_outputs *out, geocl_metrics *acc);
geocl_status dpt_head_eval_report(void *state, const geocl_metrics *acc, geocl_metrics *report);
geocl_tensor *dpt_head_visualize(void *state, const geocl_batch *b, const geocl_outputs *out);
void dpt_head_destroy(void *state);

#endif
