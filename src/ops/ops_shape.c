/* SPDX-License-Identifier: MIT */
/* Shape ops: views (reshape, permute, narrow, expand, detach) and copies
 * (contiguous, concat), with their backward. */
#include <string.h>

#include "ops_internal.h"

/* A view of x recorded on the tape with the given backward. */
static geocl_tensor *record_view(geocl_tensor *x, int ndim, const int64_t *shape, const int64_t *stride,
                                 int64_t offset, const char *op, geocl_backward_fn bw, geocl_node **node) {
  if (node) *node = NULL;
  geocl_tensor *v = geocl_tensor_view(x, ndim, shape, stride, offset);
  if (!v) return NULL;
  geocl_node *n = geocl_record(v, op, bw, 1, &x);
  if (node) *node = n;
  return v;
}

/* ---- contiguous ---- */

static geocl_status identity_backward(geocl_node *n, geocl_tensor *dout) {
  return geocl_accumulate_grad(n->in[0], dout);
}

geocl_tensor *geocl_contiguous(geocl_tensor *x) {
  OPS_REQUIRE(x);
  if (geocl_is_contiguous(x))
    return record_view(x, x->ndim, x->shape, x->stride, x->offset, "contiguous", identity_backward, NULL);
  geocl_tensor *out = geocl_empty(x->ctx, x->dtype, x->ndim, x->shape);
  if (!out) return NULL;
  geocl_backend *be = x->ctx->be;
  geocl_status st = be->ops->copy(be, x->ndim, x->shape, geocl_tensor_bref(x), x->stride, geocl_tensor_bref(out),
                                  out->stride, 0);
  if (st != GEOCL_OK) return ops_fail(out);
  geocl_record(out, "contiguous", identity_backward, 1, &x);
  return out;
}

geocl_tensor *geocl_detach(geocl_tensor *x) {
  OPS_REQUIRE(x);
  return geocl_tensor_view(x, x->ndim, x->shape, x->stride, x->offset);
}

/* ---- reshape ---- */

static geocl_status reshape_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0];
  return geocl_accumulate_grad(x, geocl_reshape(dout, x->ndim, x->shape));
}

geocl_tensor *geocl_reshape(geocl_tensor *x, int ndim, const int64_t *shape) {
  OPS_REQUIRE(x);
  if (ndim < 0 || ndim > GEOCL_MAX_DIMS) {
    geocl_set_error(GEOCL_E_SHAPE, "reshape: rank %d outside 0..%d", ndim, GEOCL_MAX_DIMS);
    return NULL;
  }
  int64_t s[GEOCL_MAX_DIMS], known = 1;
  int infer = -1;
  for (int i = 0; i < ndim; i++) {
    s[i] = shape[i];
    if (s[i] == -1 && infer < 0) infer = i;
    else if (s[i] < 0) {
      geocl_set_error(GEOCL_E_SHAPE, "reshape: invalid size %lld", (long long)s[i]);
      return NULL;
    } else known *= s[i];
  }
  int64_t n = geocl_numel(x);
  if (infer >= 0) s[infer] = known ? n / known : 0;
  if (geocl_shape_numel(ndim, s) != n) {
    char a[96], b[96];
    geocl_set_error(GEOCL_E_SHAPE, "reshape: cannot view %s (%lld elements) as %s", geocl_shape_str(x, a, sizeof a),
                    (long long)n, ops_shape_str(ndim, shape, b, sizeof b));
    return NULL;
  }
  geocl_tensor *src = ops_contiguous(x);
  if (!src) return NULL;
  int64_t stride[GEOCL_MAX_DIMS];
  geocl_contiguous_strides(ndim, s, stride);
  return record_view(src, ndim, s, stride, src->offset, "reshape", reshape_backward, NULL);
}

/* ---- permute / transpose ---- */

static geocl_status permute_backward(geocl_node *n, geocl_tensor *dout) {
  int inv[GEOCL_MAX_DIMS];
  for (int i = 0; i < dout->ndim; i++) inv[n->p.i[i]] = i;
  return geocl_accumulate_grad(n->in[0], geocl_permute(dout, inv));
}

geocl_tensor *geocl_permute(geocl_tensor *x, const int *perm) {
  OPS_REQUIRE(x);
  int64_t shape[GEOCL_MAX_DIMS], stride[GEOCL_MAX_DIMS];
  bool used[GEOCL_MAX_DIMS] = {false};
  for (int i = 0; i < x->ndim; i++) {
    int p = perm[i];
    if (p < 0 || p >= x->ndim || used[p]) {
      geocl_set_error(GEOCL_E_SHAPE, "permute: %d-dimensional permutation is invalid at position %d", x->ndim, i);
      return NULL;
    }
    used[p] = true;
    shape[i] = x->shape[p];
    stride[i] = x->stride[p];
  }
  geocl_node *node;
  geocl_tensor *v = record_view(x, x->ndim, shape, stride, x->offset, "permute", permute_backward, &node);
  if (node)
    for (int i = 0; i < x->ndim; i++) node->p.i[i] = perm[i];
  return v;
}

geocl_tensor *geocl_transpose(geocl_tensor *x, int d0, int d1) {
  OPS_REQUIRE(x);
  int a = ops_dim("transpose", x, d0), b = ops_dim("transpose", x, d1);
  if (a < 0 || b < 0) return NULL;
  int perm[GEOCL_MAX_DIMS];
  for (int i = 0; i < x->ndim; i++) perm[i] = i;
  perm[a] = b;
  perm[b] = a;
  return geocl_permute(x, perm);
}

/* ---- narrow ---- */

/* Gradient of a narrow: dout added into the narrowed region of x's gradient. */
static geocl_status narrow_backward(geocl_node *n, geocl_tensor *dout) {
  return geocl_accumulate_grad_narrow(n->in[0], dout, (int)n->p.i[0], n->p.i[1]);
}

geocl_tensor *geocl_narrow(geocl_tensor *x, int dim, int64_t start, int64_t len) {
  OPS_REQUIRE(x);
  int d = ops_dim("narrow", x, dim);
  if (d < 0) return NULL;
  if (start < 0 || len < 0 || start + len > x->shape[d]) {
    geocl_set_error(GEOCL_E_SHAPE, "narrow: [%lld, %lld) is outside dimension %d of size %lld", (long long)start,
                    (long long)(start + len), d, (long long)x->shape[d]);
    return NULL;
  }
  int64_t shape[GEOCL_MAX_DIMS];
  memcpy(shape, x->shape, sizeof shape);
  shape[d] = len;
  geocl_node *node;
  geocl_tensor *v = record_view(x, x->ndim, shape, x->stride, x->offset + start * x->stride[d], "narrow",
                                narrow_backward, &node);
  if (node) {
    node->p.i[0] = d;
    node->p.i[1] = start;
  }
  return v;
}

/* ---- expand ---- */

static geocl_status expand_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0];
  return geocl_accumulate_grad(x, geocl_sum_to(dout, x->ndim, x->shape));
}

geocl_tensor *geocl_expand(geocl_tensor *x, int ndim, const int64_t *shape) {
  OPS_REQUIRE(x);
  bool ok = ndim >= x->ndim && ndim <= GEOCL_MAX_DIMS;
  for (int i = 0; ok && i < x->ndim; i++) {
    int64_t have = x->shape[i], want = shape[i + ndim - x->ndim];
    ok = have == want || have == 1;
  }
  if (!ok) {
    char a[96], b[96];
    geocl_set_error(GEOCL_E_SHAPE, "expand: cannot broadcast %s to %s", geocl_shape_str(x, a, sizeof a),
                    ops_shape_str(ndim, shape, b, sizeof b));
    return NULL;
  }
  int64_t stride[GEOCL_MAX_DIMS];
  ops_broadcast_strides(x, ndim, shape, stride);
  return record_view(x, ndim, shape, stride, x->offset, "expand", expand_backward, NULL);
}

/* ---- concat ---- */

static geocl_status concat_backward(geocl_node *n, geocl_tensor *dout) {
  int dim = (int)n->p.i[0];
  int64_t off = 0;
  for (int i = 0; i < n->n_in; i++) {
    geocl_tensor *x = n->in[i];
    if (x->requires_grad) {
      geocl_status st = geocl_accumulate_grad(x, geocl_narrow(dout, dim, off, x->shape[dim]));
      if (st != GEOCL_OK) return st;
    }
    off += x->shape[dim];
  }
  return GEOCL_OK;
}

geocl_tensor *geocl_concat(int n, geocl_tensor *const *xs, int dim) {
  if (n < 1) {
    geocl_set_error(GEOCL_E_INVALID, "concat: no tensors given");
    return NULL;
  }
  for (int i = 0; i < n; i++)
    if (!xs[i]) return NULL;
  if (n > GEOCL_NODE_MAX_IN) { /* the tape records at most GEOCL_NODE_MAX_IN inputs per node */
    geocl_tensor *head = geocl_concat(GEOCL_NODE_MAX_IN, xs, dim);
    geocl_tensor *rest = geocl_concat(n - GEOCL_NODE_MAX_IN + 1, xs + GEOCL_NODE_MAX_IN - 1, dim);
    return geocl_concat(2, (geocl_tensor *[]){head, rest}, dim);
  }
  geocl_tensor *x0 = xs[0];
  int d = ops_dim("concat", x0, dim);
  if (d < 0) return NULL;
  int64_t shape[GEOCL_MAX_DIMS];
  memcpy(shape, x0->shape, sizeof shape);
  shape[d] = 0;
  for (int i = 0; i < n; i++) {
    geocl_tensor *x = xs[i];
    bool ok = x->ndim == x0->ndim && x->dtype == x0->dtype && x->ctx == x0->ctx;
    for (int j = 0; ok && j < x->ndim; j++) ok = j == d || x->shape[j] == x0->shape[j];
    if (!ok) {
      char a[96], b[96];
      geocl_set_error(GEOCL_E_SHAPE, "concat: tensor %d of shape %s does not fit %s along dimension %d", i,
                      geocl_shape_str(x, a, sizeof a), geocl_shape_str(x0, b, sizeof b), d);
      return NULL;
    }
    shape[d] += x->shape[d];
  }
  geocl_tensor *out = geocl_empty(x0->ctx, x0->dtype, x0->ndim, shape);
  if (!out) return NULL;
  geocl_backend *be = x0->ctx->be;
  int64_t off = 0;
  for (int i = 0; i < n; i++) {
    geocl_bref dst = geocl_tensor_bref(out);
    dst.off += (size_t)(off * out->stride[d]);
    geocl_status st = be->ops->copy(be, xs[i]->ndim, xs[i]->shape, geocl_tensor_bref(xs[i]), xs[i]->stride, dst,
                                    out->stride, 0);
    if (st != GEOCL_OK) return ops_fail(out);
    off += xs[i]->shape[d];
  }
  geocl_node *node = geocl_record(out, "concat", concat_backward, n, xs);
  if (node) node->p.i[0] = d;
  return out;
}
