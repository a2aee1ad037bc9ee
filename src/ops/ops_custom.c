/* SPDX-License-Identifier: MIT */
/* Running a custom op (geocl/custom-op.h), forward and backward: its host
 * implementation on the reference backend's buffers, its OpenCL kernels
 * through the backend's source_kernel entry, or, on a backend without the
 * kernel, its host implementation on copies of the tensors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/log.h>

#include "custom_internal.h"
#include "ops_internal.h"

_Static_assert(GEOCL_CUSTOM_MAX_IN <= GEOCL_NODE_MAX_IN, "a custom op's inputs fit a tape node");
_Static_assert(GEOCL_CUSTOM_MAX_PARAMS < sizeof ((geocl_node *)0)->p.i / sizeof(int64_t),
               "a tape node holds a custom op's integers and the op");
_Static_assert(GEOCL_CUSTOM_MAX_PARAMS <= sizeof ((geocl_node *)0)->pf / sizeof(float),
               "a tape node holds a custom op's floats");

#define PASS_MAX_TENSORS (2 * GEOCL_CUSTOM_MAX_IN + 2)

/* One pass: its tensors in kernel-argument order (in…, out, and for the
 * backward dout, din…), each with its host view in args. */
typedef struct pass {
  const geocl_custom_op *op;
  int backward;
  geocl_custom_args *args;
  int n;
  geocl_tensor *t[PASS_MAX_TENSORS]; /* NULL: a gradient nobody needs */
  geocl_custom_tensor *view[PASS_MAX_TENSORS];
  bool written[PASS_MAX_TENSORS];
} pass;

static void describe(geocl_custom_tensor *v, const geocl_tensor *t) {
  v->data = NULL;
  v->dtype = t->dtype;
  v->ndim = t->ndim;
  memcpy(v->shape, t->shape, sizeof v->shape);
  v->numel = geocl_numel(t);
}

static void pass_add(pass *p, geocl_tensor *t, geocl_custom_tensor *view, bool written) {
  p->t[p->n] = t;
  p->view[p->n] = view;
  p->written[p->n] = written;
  p->n++;
}

static const char *pass_name(const pass *p) { return p->backward ? "backward" : "forward"; }

static geocl_status run_host(const pass *p) {
  const geocl_custom_op_desc *d = &p->op->desc;
  geocl_status st = (p->backward ? d->backward : d->forward)(p->args);
  if (st != GEOCL_OK) geocl_error_prefix("%s %s", d->name, pass_name(p));
  return st;
}

/* The reference backend's buffers are host memory: no copies. */
static geocl_status run_on_host_buffers(pass *p) {
  for (int i = 0; i < p->n; i++) {
    geocl_bref r = p->t[i] ? geocl_tensor_bref(p->t[i]) : (geocl_bref){0};
    p->view[i]->data = r.mem ? (char *)r.mem + r.off * 4 : NULL;
  }
  geocl_status st = run_host(p);
  for (int i = 0; i < p->n; i++) p->view[i]->data = NULL;
  return st;
}

static geocl_status run_kernel(geocl_backend *be, const pass *p, const char *kernel) {
  const geocl_custom_op_desc *d = &p->op->desc;
  const geocl_custom_args *a = p->args;
  geocl_kernel_arg args[PASS_MAX_TENSORS + 2 * GEOCL_CUSTOM_MAX_PARAMS];
  int n = 0;
  for (int i = 0; i < p->n; i++)
    args[n++] = (geocl_kernel_arg){.kind = GEOCL_KARG_BUFFER, .buf = p->t[i] ? geocl_tensor_bref(p->t[i]) : (geocl_bref){0}};
  for (int i = 0; i < d->n_ints; i++) args[n++] = (geocl_kernel_arg){.kind = GEOCL_KARG_LONG, .l = a->ints[i]};
  for (int i = 0; i < d->n_floats; i++) args[n++] = (geocl_kernel_arg){.kind = GEOCL_KARG_FLOAT, .f = a->floats[i]};
  int64_t items = d->work_items ? d->work_items(a, p->backward) : a->out.numel;
  if (items < 0)
    return geocl_set_error(GEOCL_E_INVALID, "%s %s: work_items gave %lld", d->name, pass_name(p), (long long)items);
  geocl_source_kernel k = {p->op->program, d->cl_source, kernel, items, n, args};
  return be->ops->source_kernel(be, &k);
}

static void note_copies_once(const pass *p, const geocl_backend *be, bool has_kernel) {
  geocl_custom_op *op = (geocl_custom_op *)p->op; /* only its atomic flags change */
  if (atomic_exchange(&op->copies_noted[p->backward], true)) return;
  if (has_kernel)
    geocl_warn("custom op %s: the %s backend cannot run OpenCL C, so its %s pass runs the host implementation on "
               "copies of its tensors (correct, slow)",
               op->desc.name, be->name, pass_name(p));
  else
    geocl_warn("custom op %s has no OpenCL kernel for its %s pass: on %s it runs the host implementation on copies "
               "of its tensors (correct, slow)",
               op->desc.name, pass_name(p), be->name);
}

/* Any other backend: download, run on the host, upload what was written. */
static geocl_status run_with_copies(pass *p) {
  geocl_status st = GEOCL_OK;
  for (int i = 0; i < p->n && st == GEOCL_OK; i++) {
    if (!p->t[i]) continue;
    size_t bytes = (size_t)geocl_numel(p->t[i]) * 4;
    p->view[i]->data = malloc(bytes + 4);
    if (!p->view[i]->data)
      st = geocl_set_error(GEOCL_E_NOMEM, "%s %s: out of host memory for a %zu-byte copy", p->op->desc.name,
                           pass_name(p), bytes);
    else if (!p->written[i])
      st = geocl_to_host(p->t[i], p->view[i]->data, bytes);
  }
  if (st == GEOCL_OK) st = run_host(p);
  for (int i = 0; i < p->n && st == GEOCL_OK; i++)
    if (p->written[i] && p->t[i]) st = geocl_copy_from_host(p->t[i], p->view[i]->data, (size_t)geocl_numel(p->t[i]) * 4);
  for (int i = 0; i < p->n; i++) {
    free(p->view[i]->data);
    p->view[i]->data = NULL;
  }
  return st;
}

static geocl_status run_pass(geocl_ctx *ctx, pass *p) {
  geocl_backend *be = ctx->be;
  if (geocl_reference_is(be)) return run_on_host_buffers(p);
  const char *kernel = p->backward ? p->op->desc.cl_backward : p->op->desc.cl_forward;
  if (kernel && be->ops->source_kernel) return run_kernel(be, p, kernel);
  note_copies_once(p, be, kernel != NULL);
  return run_with_copies(p);
}

static geocl_status custom_backward(geocl_node *n, geocl_tensor *dout) {
  const geocl_custom_op *op = (const geocl_custom_op *)(intptr_t)n->p.i[GEOCL_CUSTOM_MAX_PARAMS];
  const geocl_custom_op_desc *d = &op->desc;
  geocl_ctx *ctx = n->out->ctx;
  geocl_tensor *dy = ops_contiguous(dout);
  if (!dy) return geocl_last_status();
  geocl_custom_args a = {.n_in = d->n_in};
  memcpy(a.ints, n->p.i, sizeof a.ints);
  memcpy(a.floats, n->pf, sizeof a.floats);
  pass p = {.op = op, .backward = 1, .args = &a};
  for (int i = 0; i < d->n_in; i++) {
    describe(&a.in[i], n->in[i]);
    pass_add(&p, n->in[i], &a.in[i], false);
  }
  describe(&a.out, n->out);
  pass_add(&p, n->out, &a.out, false);
  describe(&a.dout, dy);
  pass_add(&p, dy, &a.dout, false);
  geocl_tensor *din[GEOCL_CUSTOM_MAX_IN] = {0};
  for (int i = 0; i < d->n_in; i++) {
    describe(&a.din[i], n->in[i]);
    a.din[i].dtype = GEOCL_F32;
    if (n->in[i]->dtype == GEOCL_F32 && geocl_node_needs_grad(n, i)) {
      din[i] = ops_new(ctx, n->in[i]->ndim, n->in[i]->shape);
      if (!din[i]) return geocl_last_status();
    }
    pass_add(&p, din[i], &a.din[i], true);
  }
  geocl_status st = run_pass(ctx, &p);
  for (int i = 0; i < d->n_in && st == GEOCL_OK; i++)
    if (din[i]) st = geocl_accumulate_grad(n->in[i], din[i]);
  return st;
}

static bool output_shape(const geocl_custom_op_desc *d, const geocl_custom_args *a, int *ndim, int64_t *shape) {
  if (!d->output_shape) {
    *ndim = a->in[0].ndim;
    memcpy(shape, a->in[0].shape, sizeof a->in[0].shape);
    return true;
  }
  if (d->output_shape(a, ndim, shape) != GEOCL_OK) {
    geocl_error_prefix("%s", d->name);
    return false;
  }
  bool ok = *ndim >= 0 && *ndim <= GEOCL_MAX_DIMS;
  for (int i = 0; ok && i < *ndim; i++) ok = shape[i] >= 0;
  if (!ok) geocl_set_error(GEOCL_E_INVALID, "%s: output_shape gave an invalid shape (%d dimensions)", d->name, *ndim);
  return ok;
}

geocl_tensor *geocl_custom(const geocl_custom_op *op, geocl_tensor *const *in, const int64_t *ints,
                           const float *floats) {
  if (!op || !in) {
    geocl_set_error(GEOCL_E_INVALID, "geocl_custom: the %s is NULL", !op ? "op" : "input array");
    return NULL;
  }
  const geocl_custom_op_desc *d = &op->desc;
  for (int i = 0; i < d->n_in; i++)
    if (!in[i]) return NULL;
  if ((d->n_ints && !ints) || (d->n_floats && !floats)) {
    geocl_set_error(GEOCL_E_INVALID, "%s: takes %d integer and %d float parameters; got no %s", d->name, d->n_ints,
                    d->n_floats, d->n_ints && !ints ? "integers" : "floats");
    return NULL;
  }
  geocl_custom_args a = {.n_in = d->n_in};
  geocl_tensor *xc[GEOCL_CUSTOM_MAX_IN];
  for (int i = 0; i < d->n_in; i++) {
    char arg[16];
    snprintf(arg, sizeof arg, "input %d", i);
    if (!ops_same_ctx(d->name, in[0], in[i]) ||
        !ops_check_dtype(d->name, arg, in[i], (d->i32_inputs >> i) & 1 ? GEOCL_I32 : GEOCL_F32))
      return NULL;
    xc[i] = ops_contiguous(in[i]);
    if (!xc[i]) return NULL;
    describe(&a.in[i], xc[i]);
  }
  if (d->n_ints) memcpy(a.ints, ints, (size_t)d->n_ints * sizeof *ints);
  if (d->n_floats) memcpy(a.floats, floats, (size_t)d->n_floats * sizeof *floats);
  int ndim;
  int64_t shape[GEOCL_MAX_DIMS];
  if (!output_shape(d, &a, &ndim, shape)) return NULL;
  geocl_ctx *ctx = in[0]->ctx;
  geocl_tensor *out = ops_new(ctx, ndim, shape);
  if (!out) return NULL;
  describe(&a.out, out);
  pass p = {.op = op, .args = &a};
  for (int i = 0; i < d->n_in; i++) pass_add(&p, xc[i], &a.in[i], false);
  pass_add(&p, out, &a.out, true);
  if (run_pass(ctx, &p) != GEOCL_OK) return ops_fail(out);
  geocl_node *n = geocl_record(out, d->name, custom_backward, d->n_in, xc);
  if (n) {
    memcpy(n->p.i, a.ints, sizeof a.ints);
    n->p.i[GEOCL_CUSTOM_MAX_PARAMS] = (int64_t)(intptr_t)op;
    memcpy(n->pf, a.floats, sizeof a.floats);
  }
  return out;
}
