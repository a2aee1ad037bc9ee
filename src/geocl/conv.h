/* SPDX-License-Identifier: MIT */
/* Convolutional layers of the layers library: a 2-D convolution and a batch
 * norm, named as PyTorch's torch.nn.Conv2d and torch.nn.BatchNorm1d/2d name
 * their tensors.
 *
 * Like every layer, they follow the pattern the flat parameter buffer
 * dictates (geocl/params.h: everything is declared before anything exists):
 *
 *   geocl_X_declare(params, "prefix", sizes...)   declare prefix.<names>
 *   geocl_params_finalize(params)                 (the host does this)
 *   geocl_X_bind(params, "prefix", ..., &layer)   look the tensors up
 *   geocl_X_init(&layer, ...)                     the original initialisation
 *   y = geocl_X_apply(&layer, x, ...)             forward (ops on the tape)
 *
 * An empty prefix declares the bare names ("weight", ...).  Weights are in
 * parameter group 0 (decayed), biases and batch-norm affine parameters in
 * group 1 (not decayed), the running statistics are buffers (saved in
 * checkpoints, no gradient). */
#ifndef GEOCL_CONV_H
#define GEOCL_CONV_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/ops.h>
#include <geocl/params.h>
#include <geocl/rng.h>

#ifdef __cplusplus
extern "C" {
#endif

/* How a convolution's parameters start. */
typedef enum geocl_conv_init {
  /* torchvision's ResNet: weight ~ N(0, 2/fan_out) (kaiming_normal_, mode
   * fan_out, ReLU gain), fan_out = out·kh·kw; bias 0 */
  GEOCL_CONV_INIT_KAIMING_FAN_OUT,
  /* torch.nn.Conv2d's own reset_parameters: weight and bias ~ U(±1/√fan_in),
   * fan_in = in/groups·kh·kw (what a model that never calls an init gets:
   * SimIPU's image encoder) */
  GEOCL_CONV_INIT_TORCH_DEFAULT
} geocl_conv_init;

/* prefix.weight [out, in/groups, kh, kw], prefix.bias [out] when declared with one. */
typedef struct geocl_conv2d_layer {
  geocl_tensor *weight, *bias; /* bias NULL without one */
  geocl_conv2d_opts opts;      /* stride, padding, dilation, groups */
} geocl_conv2d_layer;

geocl_status geocl_conv2d_layer_declare(geocl_params *p, const char *prefix, int64_t in, int64_t out, int64_t kh,
                                        int64_t kw, int64_t groups, bool bias);
/* Binds the declared tensors (the bias if one was declared) with the options
 * apply will use; opts NULL: stride 1, no padding, one group. */
geocl_status geocl_conv2d_layer_bind(geocl_params *p, const char *prefix, const geocl_conv2d_opts *opts,
                                     geocl_conv2d_layer *l);
geocl_status geocl_conv2d_layer_init(const geocl_conv2d_layer *l, geocl_conv_init how, geocl_rng *rng);
geocl_tensor *geocl_conv2d_layer_apply(const geocl_conv2d_layer *l, geocl_tensor *x);

/* prefix.weight, prefix.bias [C] (γ, β), buffers prefix.running_mean,
 * prefix.running_var [C] and prefix.num_batches_tracked (0-dim, f32 here:
 * int64 checkpoints load converted).  eps and momentum as torch's arguments
 * (PyTorch's defaults: 1e-5, 0.1). */
typedef struct geocl_batchnorm_layer {
  geocl_tensor *weight, *bias, *running_mean, *running_var, *num_batches_tracked;
  float eps, momentum;
} geocl_batchnorm_layer;

geocl_status geocl_batchnorm_layer_declare(geocl_params *p, const char *prefix, int64_t channels);
geocl_status geocl_batchnorm_layer_bind(geocl_params *p, const char *prefix, float eps, float momentum,
                                        geocl_batchnorm_layer *l);
/* γ = 1, β = 0, running mean 0, running variance 1, no batches */
geocl_status geocl_batchnorm_layer_init(const geocl_batchnorm_layer *l);
/* x [N, C, ...]: training normalises with the batch statistics (the
 * gradient flows through them) and updates the running ones in place (PyTorch's
 * momentum rule, unbiased variance, num_batches_tracked + 1); otherwise the
 * running statistics are used.  A residual (x's shape, or NULL) is added and
 * relu applies max(·, 0), in the same pass. */
geocl_tensor *geocl_batchnorm_layer_apply(const geocl_batchnorm_layer *l, geocl_tensor *x, geocl_tensor *residual,
                                          bool training, bool relu);

#ifdef __cplusplus
}
#endif
#endif
