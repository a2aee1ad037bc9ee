/* SPDX-License-Identifier: MIT */
/* Private structures of the optimizer (optim.c, optim_state.c). */
#ifndef GEOCL_OPTIM_INTERNAL_H
#define GEOCL_OPTIM_INTERNAL_H

#include <geocl/optim.h>

#include "core/internal.h"

/* The gradient's sum of squares is reduced chunk by chunk: a chunk of
 * NORM_COLS·rows squares goes through a scratch buffer (so the norm needs at
 * most 16 MiB more, whatever the model size) and is summed down its columns
 * into NORM_COLS partial sums (coalesced reads, NORM_COLS-way parallel). */
/* Position-embedding tables of a square grid resampled to the model's grid
 * (pos_embed_resample.c, naver/croco models/pos_embed.py interpolate_pos_embed):
 * whether entry `name` of shape `shape` takes the file's [s*s, D] table as an
 * [h*w, D] one, and the resampling of table [n, dim] into out [h*w, dim]. */
bool params_is_pos_embed(const char *name, int file_ndim, const int64_t *file_shape, int ndim, const int64_t *shape,
                         int64_t grid_h, int64_t grid_w);
geocl_status params_resample_pos_embed(geocl_ctx *ctx, const float *table, int64_t n, int64_t dim, int64_t grid_h,
                                       int64_t grid_w, float *out);

#define NORM_COLS 4096
#define NORM_MAX_ROWS 1024

typedef struct optim_group {
  geocl_optim_group s;
  double base_lr;
  int64_t offset, size; /* span in the flat buffers */
  geocl_tensor *m, *v;  /* AdamW: exp_avg, exp_avg_sq; SGD: m is the momentum buffer */
} optim_group;

struct geocl_optim {
  geocl_params *params;
  geocl_ctx *ctx;
  int n_groups;
  optim_group *g;
  int64_t steps;
  double max_grad_norm;
  bool norm_on;
  int64_t norm_rows, norm_chunks;
  geocl_tensor *squares, *partials, *column_sums, *sumsq, *norm, *coef;
};

const char *optim_kind_name(geocl_optim_kind k);
/* E_INVALID naming group g when settings are out of range. */
geocl_status optim_check_settings(int g, const geocl_optim_group *s);
/* State tensors a group holds after `steps` steps: AdamW 2 (m, v); SGD with
 * momentum 1 once a step has initialised it, else 0. */
int optim_state_count(const geocl_optim_group *s, int64_t steps);
/* Allocate (zero-filled) the state buffers gs->s needs and gs lacks. */
geocl_status optim_ensure_state(geocl_optim *o, optim_group *gs);

#endif
