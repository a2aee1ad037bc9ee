/* SPDX-License-Identifier: MIT */
/* Optimizers over a geocl_params registry: one fused kernel per parameter
 * group per step, with PyTorch's semantics exactly.
 *
 * - AdamW as torch.optim.AdamW (decoupled weight decay p ← p·(1 − lr·wd),
 *   then the Adam step with bias corrections; amsgrad off).
 * - SGD as torch.optim.SGD (weight decay added to the gradient; momentum
 *   buffer = gradient on the first step, then momentum·buf + (1 − dampening)·d;
 *   optional Nesterov).
 *
 * Each group of the registry has its own settings and kind, so a hybrid
 * (SimIPU: AdamW for the point encoder, SGD for the image side) is one
 * optimizer.  Moments live in device buffers of the group's layout.
 *
 * step() enqueues work only: the step count and bias corrections are kept on
 * the host, and global-norm gradient clipping (torch.nn.utils.clip_grad_norm_)
 * computes the norm and the clipping coefficient on the device and hands the
 * coefficient to the update kernels as a device scalar.  The gradient buffer
 * itself is not modified by clipping.  Gradients backward did not reach count
 * as zero (see geocl_params_finish_grads).
 *
 * State (moments, step count, group settings) saves to and loads from a
 * safetensors file, named after the parameter it belongs to, so a resumed run
 * continues exactly; docs/checkpoints.md describes the file. */
#ifndef GEOCL_OPTIM_H
#define GEOCL_OPTIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <geocl/params.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_optim_kind { GEOCL_OPTIM_ADAMW, GEOCL_OPTIM_SGD } geocl_optim_kind;

typedef struct geocl_optim_group {
  geocl_optim_kind kind;
  double lr;
  double weight_decay;
  double beta1, beta2, eps;  /* AdamW */
  double momentum, dampening; /* SGD */
  bool nesterov;              /* SGD (needs momentum > 0 and dampening 0, as in PyTorch) */
} geocl_optim_group;

/* PyTorch's defaults: AdamW lr 1e-3, betas (0.9, 0.999), eps 1e-8, wd 0.01;
 * SGD with the given lr, no momentum, no weight decay. */
geocl_optim_group geocl_adamw_defaults(void);
geocl_optim_group geocl_sgd_defaults(double lr);

typedef struct geocl_optim_opts {
  /* > 0: scale the gradient so its global L2 norm is at most this */
  double max_grad_norm;
  /* compute the global gradient norm every step even without clipping
   * (for logging; read it with geocl_optim_grad_norm) */
  bool track_grad_norm;
} geocl_optim_opts;

typedef struct geocl_optim geocl_optim;

/* One settings entry per group of params (n_groups must equal
 * geocl_params_group_count).  opts may be NULL (no clipping, no norm).
 * params must be finalized and outlive the optimizer; free the optimizer
 * before the context. */
geocl_status geocl_optim_new(geocl_params *params, int n_groups, const geocl_optim_group *groups,
                             const geocl_optim_opts *opts, geocl_optim **out);
void geocl_optim_free(geocl_optim *o);

/* One update of every group from the parameters' current gradients. */
geocl_status geocl_optim_step(geocl_optim *o);
/* Number of steps taken (restored by load). */
int64_t geocl_optim_steps(const geocl_optim *o);

/* Global L2 norm of the gradient at the last step, before clipping: a 0-dim
 * device tensor owned by the optimizer (read it with geocl_item, which
 * waits).  NULL unless clipping or track_grad_norm is on. */
geocl_tensor *geocl_optim_grad_norm(const geocl_optim *o);

int geocl_optim_group_count(const geocl_optim *o);
const geocl_optim_group *geocl_optim_group_settings(const geocl_optim *o, int g);
/* The lr a group was created with (what schedules scale). */
double geocl_optim_base_lr(const geocl_optim *o, int g);
geocl_status geocl_optim_set_lr(geocl_optim *o, int g, double lr);

/* Save / load the optimizer state.  Loading checks that the file's groups
 * (count, kinds) and state tensors (names, shapes) match this optimizer and
 * its parameters, and modifies nothing when they do not. */
geocl_status geocl_optim_save(const geocl_optim *o, const char *path);
geocl_status geocl_optim_load(geocl_optim *o, const char *path);
/* The optimizer-state file that goes with a checkpoint: "dir/ckpt.safetensors"
 * → "dir/ckpt.optim.safetensors" (any other name gets ".optim.safetensors"
 * appended).  False when it does not fit in size bytes. */
bool geocl_optim_state_path(const char *checkpoint, char *out, size_t size);

#ifdef __cplusplus
}
#endif
#endif
