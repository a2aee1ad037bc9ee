/* SPDX-License-Identifier: MIT */
/* The autograd tape: recording nodes, gradient accumulation and backward. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/log.h>

#include "internal.h"

static void tape_link(geocl_ctx *ctx, geocl_node *n) {
  n->prev = ctx->tape_tail;
  n->next = NULL;
  if (ctx->tape_tail) ctx->tape_tail->next = n;
  else ctx->tape_head = n;
  ctx->tape_tail = n;
  ctx->tape_size++;
}

static void tape_unlink(geocl_ctx *ctx, geocl_node *n) {
  if (n->prev) n->prev->next = n->next;
  else ctx->tape_head = n->next;
  if (n->next) n->next->prev = n->prev;
  else ctx->tape_tail = n->prev;
  n->prev = n->next = NULL;
  ctx->tape_size--;
}

geocl_node *geocl_record(geocl_tensor *out, const char *op, geocl_backward_fn backward, int n_in,
                         geocl_tensor *const *inputs) {
  geocl_ctx *ctx = out->ctx;
  if (!ctx->grad_enabled) return NULL;
  bool any = false;
  for (int i = 0; i < n_in; i++) any |= inputs[i] && inputs[i]->requires_grad;
  if (!any) return NULL;
  geocl_node *n = calloc(1, sizeof *n);
  if (!n) return NULL; /* the result is still correct, it just cannot be differentiated */
  n->op = op;
  n->backward = backward;
  n->out = out;
  n->n_in = n_in;
  for (int i = 0; i < n_in; i++) {
    n->in[i] = inputs[i];
    if (inputs[i]) {
      geocl_tensor_ref(inputs[i]);
      n->in_version[i] = inputs[i]->storage->version;
    }
  }
  out->requires_grad = true;
  out->node = n;
  tape_link(ctx, n);
  return n;
}

void geocl_node_save(geocl_node *n, geocl_tensor *t) {
  if (!n || !t || n->n_saved >= GEOCL_NODE_MAX_SAVED) return;
  geocl_tensor_ref(t);
  n->saved_version[n->n_saved] = t->storage->version;
  n->saved[n->n_saved++] = t;
}

bool geocl_node_needs_grad(const geocl_node *n, int i) {
  return i < n->n_in && n->in[i] && n->in[i]->requires_grad;
}

void geocl_node_free(geocl_node *n) {
  geocl_ctx *ctx = n->out->ctx;
  tape_unlink(ctx, n);
  if (n->out->node == n) n->out->node = NULL;
  for (int i = 0; i < n->n_in; i++) geocl_tensor_unref(n->in[i]);
  for (int i = 0; i < n->n_saved; i++) geocl_tensor_unref(n->saved[i]);
  free(n);
}

void geocl_tape_clear(geocl_ctx *ctx) {
  while (ctx->tape_tail) geocl_node_free(ctx->tape_tail);
}

size_t geocl_tape_size(geocl_ctx *ctx) { return ctx->tape_size; }

/* --- gradients --- */

void geocl_set_requires_grad(geocl_tensor *t, bool requires) {
  if (t) t->requires_grad = requires;
}

bool geocl_requires_grad(const geocl_tensor *t) { return t && t->requires_grad; }

geocl_tensor *geocl_grad(const geocl_tensor *t) { return (t && !t->grad_stale) ? t->grad : NULL; }

void geocl_retain_grad(geocl_tensor *t) {
  if (t) t->retain_grad = true;
}

void geocl_zero_grad(geocl_tensor *t) {
  if (!t || !t->grad) return;
  if (t->grad_pinned) {
    t->grad_stale = true;
    return;
  }
  geocl_tensor_unref(t->grad);
  t->grad = NULL;
}

static bool same_shape(const geocl_tensor *a, const geocl_tensor *b) {
  if (a->ndim != b->ndim) return false;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i]) return false;
  return true;
}

geocl_status geocl_accumulate_grad(geocl_tensor *t, geocl_tensor *g) {
  if (!t || !t->requires_grad) return GEOCL_OK;
  if (!g) return geocl_last_status() ? geocl_last_status() : geocl_set_error(GEOCL_E_STATE, "missing gradient");
  if (!same_shape(t, g) || g->dtype != GEOCL_F32) {
    char a[96], b[96];
    return geocl_set_error(GEOCL_E_SHAPE, "gradient of shape %s for tensor '%s' of shape %s",
                           geocl_shape_str(g, b, sizeof b), t->name, geocl_shape_str(t, a, sizeof a));
  }
  geocl_backend *be = t->ctx->be;
  if (!t->grad) {
    /* take g over when nothing else can see its storage (a persisted tensor
     * stays its caller's) */
    if (g->owned_by_caller && g->seq != 0 && g->refcount == 1 && g->storage->refcount == 1 && !g->node &&
        geocl_is_contiguous(g) && g->offset == 0) {
      geocl_tensor_disown(g);
      t->grad = g;
      t->grad_stale = false;
      return GEOCL_OK;
    }
    geocl_tensor *c = geocl_empty(t->ctx, GEOCL_F32, t->ndim, t->shape);
    if (!c) return geocl_last_status();
    geocl_tensor_disown(c);
    t->grad = c;
    t->grad_stale = true;
  }
  geocl_tensor *d = t->grad;
  int64_t n = geocl_numel(d);
  geocl_status st = GEOCL_OK;
  if (n > 0)
    st = be->ops->copy(be, d->ndim, d->shape, geocl_tensor_bref(g), g->stride, geocl_tensor_bref(d), d->stride,
                       t->grad_stale ? 0 : 1);
  if (st == GEOCL_OK) t->grad_stale = false;
  return st;
}

geocl_status geocl_accumulate_grad_narrow(geocl_tensor *t, geocl_tensor *g, int dim, int64_t start) {
  if (!t || !t->requires_grad) return GEOCL_OK;
  if (!g) return geocl_last_status() ? geocl_last_status() : geocl_set_error(GEOCL_E_STATE, "missing gradient");
  geocl_backend *be = t->ctx->be;
  geocl_status st = GEOCL_OK;
  bool fresh = !t->grad || t->grad_stale;
  if (!t->grad) {
    geocl_tensor *c = geocl_empty(t->ctx, GEOCL_F32, t->ndim, t->shape);
    if (!c) return geocl_last_status();
    geocl_tensor_disown(c);
    t->grad = c;
  }
  geocl_tensor *d = t->grad;
  if (fresh && geocl_numel(d) > 0) st = be->ops->fill(be, geocl_numel(d), 0, geocl_tensor_bref(d));
  geocl_bref dst = geocl_tensor_bref(d);
  dst.off += (size_t)(start * d->stride[dim]);
  if (st == GEOCL_OK && geocl_numel(g) > 0)
    st = be->ops->copy(be, g->ndim, g->shape, geocl_tensor_bref(g), g->stride, dst, d->stride, fresh ? 0 : 1);
  if (st == GEOCL_OK) t->grad_stale = false;
  return st;
}

/* --- backward --- */

/* GEOCL_TRACE_BACKWARD=1 logs every node backward runs with the L2 norm of
 * the gradient it received (synchronising the device each time): diffing
 * the traces of two backends finds the first op where they part. */
static bool trace_backward(void) {
  const char *v = getenv("GEOCL_TRACE_BACKWARD");
  return v && !strcmp(v, "1");
}

static void trace_node(const geocl_node *n, const geocl_tensor *dout, int index) {
  size_t count = (size_t)geocl_numel(dout);
  float *h = malloc(count * sizeof *h + 4);
  double s = 0;
  if (h && geocl_to_host(dout, h, count * sizeof *h) == GEOCL_OK)
    for (size_t i = 0; i < count; i++) s += (double)h[i] * h[i];
  free(h);
  char shape[96];
  geocl_logf(GEOCL_LOG_ERROR, "backward %4d %-14s %-24s |dout| %.9g", index, n->op, geocl_shape_str(dout, shape, sizeof shape),
             sqrt(s));
}

static geocl_status check_versions(const geocl_node *n) {
  for (int i = 0; i < n->n_in; i++)
    if (n->in[i] && n->in[i]->storage->version != n->in_version[i])
      return geocl_set_error(GEOCL_E_STATE,
                             "backward: input %d ('%s') of op '%s' was modified in place after the op used it", i,
                             n->in[i]->name, n->op);
  for (int i = 0; i < n->n_saved; i++)
    if (n->saved[i]->storage->version != n->saved_version[i])
      return geocl_set_error(GEOCL_E_STATE, "backward: a tensor saved by op '%s' was modified in place", n->op);
  return GEOCL_OK;
}

/* Backward through the nodes recorded after `stop` (all of them when NULL),
 * from out with gradient dout; gradient mode is off and in_backward set. */
geocl_status geocl_backward_sweep(geocl_ctx *ctx, geocl_tensor *out, geocl_tensor *dout, geocl_node *stop) {
  geocl_status st = geocl_accumulate_grad(out, dout);
  if (out->node) out->node->reachable = 1;

  /* Inputs always precede outputs on the tape, so one reverse sweep visits
   * every node after all of its consumers. */
  geocl_node *done = NULL; /* processed nodes, freed at the end */
  bool trace = trace_backward();
  int index = 0;
  for (geocl_node *n = ctx->tape_tail; n && n != stop && st == GEOCL_OK;) {
    geocl_node *prev = n->prev;
    if (!n->reachable) {
      n = prev;
      continue;
    }
    geocl_tensor *t = n->out;
    if (t->grad && !t->grad_stale) {
      if (trace) trace_node(n, t->grad, index++);
      st = check_versions(n);
      /* what the backward makes and does not keep as a gradient (its
       * temporaries, a gradient added into an existing one) goes now, not
       * at the end of the caller's scope */
      geocl_scope scratch = geocl_scope_begin(ctx);
      if (st == GEOCL_OK) st = n->backward(n, t->grad);
      geocl_scope_end(ctx, scratch);
      if (st != GEOCL_OK) {
        geocl_error_prefix("backward of '%s'", n->op);
        break;
      }
    }
    for (int i = 0; i < n->n_in; i++)
      if (n->in[i] && n->in[i]->node) n->in[i]->node->reachable = 1;
    /* the gradient of an intermediate result is not needed any more */
    if (!t->retain_grad && t->grad && !t->grad_pinned) {
      geocl_tensor_unref(t->grad);
      t->grad = NULL;
    }
    tape_unlink(ctx, n);
    t->node = NULL;
    n->next = done;
    done = n;
    n = prev;
  }
  while (done) {
    geocl_node *next = done->next;
    for (int i = 0; i < done->n_in; i++) geocl_tensor_unref(done->in[i]);
    for (int i = 0; i < done->n_saved; i++) geocl_tensor_unref(done->saved[i]);
    free(done);
    done = next;
  }
  for (geocl_node *n = stop ? stop->next : ctx->tape_head; n; n = n->next) n->reachable = 0;
  return st;
}

geocl_status geocl_backward_from(geocl_tensor *out, geocl_tensor *dout) {
  if (!out || !dout) return geocl_set_error(GEOCL_E_INVALID, "backward: NULL tensor (an earlier op failed: %s)",
                                            geocl_last_error());
  geocl_ctx *ctx = out->ctx;
  if (ctx->in_backward) return geocl_set_error(GEOCL_E_STATE, "backward: called from inside a backward function");
  if (!out->requires_grad)
    return geocl_set_error(GEOCL_E_STATE,
                           "backward: tensor '%s' does not require a gradient (no input required one, gradient "
                           "mode was off, or backward already ran through it)", out->name);
  bool was_enabled = ctx->grad_enabled;
  ctx->grad_enabled = false;
  ctx->in_backward = true;
  geocl_status st = geocl_backward_sweep(ctx, out, dout, NULL);
  ctx->in_backward = false;
  ctx->grad_enabled = was_enabled;
  return st;
}

geocl_status geocl_backward(geocl_tensor *loss) {
  if (!loss) return geocl_set_error(GEOCL_E_INVALID, "backward: NULL loss (an earlier op failed: %s)",
                                    geocl_last_error());
  if (geocl_numel(loss) != 1)
    return geocl_set_error(GEOCL_E_SHAPE, "backward: loss '%s' has %lld elements; use geocl_backward_from",
                           loss->name, (long long)geocl_numel(loss));
  geocl_tensor *one = geocl_full(loss->ctx, 1.0f, loss->ndim, loss->shape);
  if (!one) return geocl_last_status();
  /* the extra reference keeps backward from taking `one` over as loss's
   * gradient (it frees intermediate gradients, and `one` with them) */
  geocl_tensor_ref(one);
  geocl_status st = geocl_backward_from(loss, one);
  geocl_tensor_unref(one);
  geocl_tensor_free(one);
  return st;
}

bool geocl_set_grad_enabled(geocl_ctx *ctx, bool enabled) {
  bool old = ctx->grad_enabled;
  ctx->grad_enabled = enabled;
  return old;
}

bool geocl_grad_enabled(geocl_ctx *ctx) { return ctx->grad_enabled; }
