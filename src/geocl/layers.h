/* SPDX-License-Identifier: MIT */
/* The layers library: building blocks that tasks (plugins in the tree or out
 * of it) compose instead of copying.
 *
 * Every layer follows one pattern, dictated by the flat parameter buffer
 * (geocl/params.h), where all parameters are declared before any exists:
 *
 *   geocl_X_declare(params, "prefix", sizes...)  declare its tensors under
 *                                                prefix.<official names>
 *   geocl_params_finalize(params)                (the host does this)
 *   geocl_X_bind(params, "prefix", ..., &layer)  look the tensors up
 *   geocl_X_init(&layer, rng)                    the original initialisation
 *   y = geocl_X_apply(&layer, x, ...)            forward (ops on the tape)
 *
 * This header has the generic pieces: linear and LayerNorm layers, the
 * initialisers and name joining.  geocl/vit.h has the ViT blocks. */
#ifndef GEOCL_LAYERS_H
#define GEOCL_LAYERS_H

#include <stddef.h>
#include <stdint.h>

#include <geocl/ops.h>
#include <geocl/params.h>
#include <geocl/rng.h>

#ifdef __cplusplus
extern "C" {
#endif

/* "prefix.name" into buf (returns buf). */
const char *geocl_layer_name(char *buf, size_t size, const char *prefix, const char *name);

/* --- initialisers: fill a parameter from the host --- */
geocl_status geocl_init_uniform(geocl_tensor *t, geocl_rng *rng, float bound); /* U(−bound, bound) */
geocl_status geocl_init_normal(geocl_tensor *t, geocl_rng *rng, float mean, float std);
geocl_status geocl_init_const(geocl_tensor *t, float value);

/* y = x·Wᵀ + b (torch.nn.Linear): prefix.weight [out, in] (decayed),
 * prefix.bias [out] (not decayed). */
typedef struct geocl_linear_layer {
  geocl_tensor *weight, *bias;
} geocl_linear_layer;
geocl_status geocl_linear_layer_declare(geocl_params *p, const char *prefix, int64_t in, int64_t out);
geocl_status geocl_linear_layer_bind(geocl_params *p, const char *prefix, geocl_linear_layer *l);
/* xavier_uniform_ weight (U(±√(6/(fan_in + fan_out)))), zero bias. */
geocl_status geocl_linear_layer_init(const geocl_linear_layer *l, geocl_rng *rng);
geocl_tensor *geocl_linear_layer_apply(const geocl_linear_layer *l, geocl_tensor *x);

/* LayerNorm over the last dimension (torch.nn.LayerNorm): prefix.weight,
 * prefix.bias [dim], neither decayed.  A layer whose weight is NULL is the
 * identity (an optional norm that the model does not have). */
typedef struct geocl_layernorm_layer {
  geocl_tensor *weight, *bias;
} geocl_layernorm_layer;
geocl_status geocl_layernorm_layer_declare(geocl_params *p, const char *prefix, int64_t dim);
geocl_status geocl_layernorm_layer_bind(geocl_params *p, const char *prefix, geocl_layernorm_layer *n);
/* γ = 1, β = 0 */
geocl_status geocl_layernorm_layer_init(const geocl_layernorm_layer *n);
geocl_tensor *geocl_layernorm_layer_apply(const geocl_layernorm_layer *n, geocl_tensor *x, float eps);

#ifdef __cplusplus
}
#endif
#endif
