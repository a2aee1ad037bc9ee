/* SPDX-License-Identifier: MIT */
/* For authors of new ops (in the library or in a plugin): how an op records
 * itself on the autograd tape.  See docs/adding-an-op.md.
 *
 * Pattern of a differentiable op:
 *
 *   geocl_tensor *out = geocl_empty(...);            // allocate the result
 *   ... enqueue the forward kernel ...
 *   geocl_node *n = geocl_record(out, "my_op", my_op_backward, 2, (geocl_tensor*[]){a, b});
 *   if (n) { n->p.i[0] = axis; geocl_node_save(n, aux); }   // what backward needs
 *   return out;
 *
 * geocl_record returns NULL (and records nothing) when gradient mode is off or
 * no input requires a gradient.  The backward function runs with gradient mode
 * off, computes each input's gradient with ordinary ops and hands it to
 * geocl_accumulate_grad. */
#ifndef GEOCL_OP_API_H
#define GEOCL_OP_API_H

#include <geocl/autograd.h>
#include <geocl/backend-api.h>
#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOCL_NODE_MAX_IN 6
#define GEOCL_NODE_MAX_SAVED 6

typedef struct geocl_node geocl_node;
typedef geocl_status (*geocl_backward_fn)(geocl_node *node, geocl_tensor *dout);

struct geocl_node {
  const char *op;           /* name used in error messages */
  geocl_backward_fn backward;
  geocl_tensor *out;        /* the tensor this node produced (not owned) */
  int n_in;
  geocl_tensor *in[GEOCL_NODE_MAX_IN];
  int n_saved;
  geocl_tensor *saved[GEOCL_NODE_MAX_SAVED];
  uint64_t in_version[GEOCL_NODE_MAX_IN];
  uint64_t saved_version[GEOCL_NODE_MAX_SAVED];
  /* op parameters for backward */
  union {
    int64_t i[16];
    double f[16];
  } p;
  float pf[8];
  /* private to the tape */
  geocl_node *prev, *next;
  int reachable;
};

geocl_node *geocl_record(geocl_tensor *out, const char *op, geocl_backward_fn backward, int n_in,
                         geocl_tensor *const *inputs);
/* Keep t alive (and unmodified: checked) until backward runs. */
void geocl_node_save(geocl_node *node, geocl_tensor *t);
/* Add g into t's gradient (taking g over when t has none yet); g must have
 * t's shape.  Does nothing when t does not require a gradient. */
geocl_status geocl_accumulate_grad(geocl_tensor *t, geocl_tensor *g);
/* True when this input of the node needs a gradient computed. */
bool geocl_node_needs_grad(const geocl_node *node, int input);

/* Activation checkpointing.  geocl_checkpoint(op, fn, fixed, size, n, in)
 * returns fn(fixed, in) without keeping anything fn computes on the way: the
 * tape keeps only the inputs, and backward runs fn again (gradient mode on,
 * the context's random stream where it was) to differentiate it.  fixed
 * (size bytes, at most GEOCL_CHECKPOINT_MAX_FIXED) is copied for that second
 * run: parameters, layer pointers that outlive backward; tensors go in `in`
 * (NULL entries allowed; those without gradient pass through as they are).
 * fn must compute the same thing both times: no running statistics, no
 * in-place writes to its inputs.  When gradient mode is off or no input
 * requires a gradient, it is just fn(fixed, in). */
#define GEOCL_CHECKPOINT_MAX_FIXED 112
typedef geocl_tensor *(*geocl_checkpoint_fn)(const void *fixed, geocl_tensor *const *in);
geocl_tensor *geocl_checkpoint(const char *op, geocl_checkpoint_fn fn, const void *fixed, size_t size, int n_in,
                               geocl_tensor *const *in);

/* Shorthands for backend-level code. */
geocl_backend *geocl_tensor_backend(const geocl_tensor *t);
/* Report a NULL kernel entry as E_UNSUPPORTED naming op and backend. */
geocl_status geocl_unsupported(geocl_ctx *ctx, const char *op);
/* Mark an in-place write of t's storage (bumps its version counter). */
void geocl_tensor_bump_version(geocl_tensor *t);

#ifdef __cplusplus
}
#endif
#endif
