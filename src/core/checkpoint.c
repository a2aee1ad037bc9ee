/* SPDX-License-Identifier: MIT */
/* Activation checkpointing: a function of tensors recorded as one node that
 * keeps only its inputs and runs the function again in backward. */
#include <string.h>

#include <geocl/op-api.h>
#include <geocl/ops.h>

#include "internal.h"

/* Layout of the node's parameters: the caller's fixed bytes, then the
 * function and the random stream's counter at the first run. */
#define FN_SLOT 14
#define RNG_SLOT 15
_Static_assert(GEOCL_CHECKPOINT_MAX_FIXED <= FN_SLOT * sizeof(int64_t), "fixed bytes overlap the function slot");
_Static_assert(sizeof(geocl_checkpoint_fn) <= sizeof(int64_t), "a function pointer does not fit its slot");

/* The function again, on the node's own inputs with gradient mode on, then
 * backward through just what that run recorded: its gradients reach the
 * inputs (and any parameters) in the order the first run's tape would have
 * given them, so the sums, and the results, are the same bit for bit. */
static geocl_status checkpoint_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_ctx *ctx = n->out->ctx;
  geocl_checkpoint_fn fn;
  memcpy(&fn, &n->p.i[FN_SLOT], sizeof fn);
  geocl_scope scope = geocl_scope_begin(ctx);
  geocl_node *stop = ctx->tape_tail;
  uint64_t counter = ctx->rng.counter;
  double flops = ctx->flops; /* work done again is not useful work (geocl_ctx_flops) */
  ctx->rng.counter = (uint64_t)n->p.i[RNG_SLOT];
  ctx->grad_enabled = true;
  geocl_tensor *out = fn(n->p.i, n->in);
  ctx->grad_enabled = false;
  ctx->rng.counter = counter;
  ctx->flops = flops;
  geocl_status st = out ? GEOCL_OK : geocl_last_status();
  if (st == GEOCL_OK && out->node) st = geocl_backward_sweep(ctx, out, dout, stop);
  /* nodes of the second run that did not lead to its output */
  while (ctx->tape_tail != stop) geocl_node_free(ctx->tape_tail);
  geocl_scope_end(ctx, scope);
  return st;
}

geocl_tensor *geocl_checkpoint(const char *op, geocl_checkpoint_fn fn, const void *fixed, size_t size, int n_in,
                               geocl_tensor *const *in) {
  geocl_ctx *ctx = NULL;
  bool any = false;
  for (int i = 0; i < n_in; i++)
    if (in[i]) {
      ctx = in[i]->ctx;
      any |= in[i]->requires_grad;
    }
  if (!ctx) {
    geocl_set_error(GEOCL_E_INVALID, "checkpoint %s: no input tensor", op);
    return NULL;
  }
  if (n_in > GEOCL_NODE_MAX_IN || size > GEOCL_CHECKPOINT_MAX_FIXED) {
    geocl_set_error(GEOCL_E_INVALID, "checkpoint %s: %d inputs (at most %d) and %zu fixed bytes (at most %d)", op,
                    n_in, GEOCL_NODE_MAX_IN, size, GEOCL_CHECKPOINT_MAX_FIXED);
    return NULL;
  }
  if (!ctx->grad_enabled || !any) return fn(fixed, in);
  uint64_t counter = ctx->rng.counter;
  /* the first run without a tape; what it made is freed with its scope */
  geocl_scope scope = geocl_scope_begin(ctx);
  ctx->grad_enabled = false;
  geocl_tensor *y = fn(fixed, in);
  ctx->grad_enabled = true;
  bool made = y && y->owned_by_caller && y->seq > scope; /* not one of the inputs */
  if (made) geocl_tensor_persist(y);
  geocl_scope_end(ctx, scope);
  if (!y) return NULL;
  geocl_tensor *out = geocl_detach(y); /* a view in the caller's scope */
  if (made) geocl_tensor_free(y);
  if (!out) return NULL;
  geocl_node *n = geocl_record(out, op, checkpoint_backward, n_in, in);
  if (n) {
    ctx->checkpoints++;
    memcpy(n->p.i, fixed, size);
    memcpy(&n->p.i[FN_SLOT], &fn, sizeof fn);
    n->p.i[RNG_SLOT] = (int64_t)counter;
  }
  return out;
}
