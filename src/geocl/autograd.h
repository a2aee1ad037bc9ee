/* SPDX-License-Identifier: MIT */
/* Reverse-mode automatic differentiation.
 *
 * Ops executed while gradient mode is on, with at least one input that
 * requires a gradient, record a node on the context's tape.  geocl_backward
 * replays the tape in reverse, accumulating into .grad of every tensor that
 * requires it, then releases the nodes it used.  Plugin code writes forward
 * code only. */
#ifndef GEOCL_AUTOGRAD_H
#define GEOCL_AUTOGRAD_H

#include <stdbool.h>

#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

void geocl_set_requires_grad(geocl_tensor *t, bool requires);
bool geocl_requires_grad(const geocl_tensor *t);
/* Gradient accumulated so far, or NULL. */
geocl_tensor *geocl_grad(const geocl_tensor *t);
/* Drop the accumulated gradient (the next backward starts from zero). */
void geocl_zero_grad(geocl_tensor *t);
/* Keep the gradient of a non-leaf tensor after backward (it is freed otherwise). */
void geocl_retain_grad(geocl_tensor *t);

/* Back-propagate from a one-element tensor (seed 1). */
geocl_status geocl_backward(geocl_tensor *loss);
/* Back-propagate from any tensor with the given output gradient (same shape). */
geocl_status geocl_backward_from(geocl_tensor *out, geocl_tensor *dout);

/* Gradient mode (on by default).  Returns the previous setting. */
bool geocl_set_grad_enabled(geocl_ctx *ctx, bool enabled);
bool geocl_grad_enabled(geocl_ctx *ctx);
/* Number of nodes currently on the tape (for tests and leak checks). */
size_t geocl_tape_size(geocl_ctx *ctx);
/* Drop every node of the tape without running backward. */
void geocl_tape_clear(geocl_ctx *ctx);

#ifdef __cplusplus
}
#endif
#endif
