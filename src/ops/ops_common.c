/* SPDX-License-Identifier: MIT */
/* Helpers shared by the op implementations. */
#include <stdio.h>

#include "ops_internal.h"

char *ops_shape_str(int ndim, const int64_t *shape, char *buf, size_t size) {
  size_t used = (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < ndim && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)shape[i]);
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}

bool ops_check_dtype(const char *op, const char *arg, const geocl_tensor *t, geocl_dtype dt) {
  if (t->dtype == dt) return true;
  geocl_set_error(GEOCL_E_SHAPE, "%s: %s%s%s must be %s, not %s", op, arg, t->name[0] ? " " : "", t->name,
                  geocl_dtype_name(dt), geocl_dtype_name(t->dtype));
  return false;
}

bool ops_same_ctx(const char *op, const geocl_tensor *a, const geocl_tensor *b) {
  if (a->ctx == b->ctx) return true;
  geocl_set_error(GEOCL_E_INVALID, "%s: inputs belong to different contexts", op);
  return false;
}

int ops_dim(const char *op, const geocl_tensor *t, int dim) {
  int d = dim < 0 ? dim + t->ndim : dim;
  if (d < 0 || d >= t->ndim) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: dimension %d out of range for a %d-dimensional tensor", op, dim, t->ndim);
    return -1;
  }
  return d;
}

bool ops_check_shape(const char *op, const char *arg, const geocl_tensor *t, int ndim, const int64_t *shape) {
  bool ok = t->ndim == ndim;
  for (int i = 0; ok && i < ndim; i++) ok = t->shape[i] == shape[i];
  if (!ok) {
    char want[96], got[96];
    geocl_set_error(GEOCL_E_SHAPE, "%s: %s%s%s has shape %s, expected %s", op, arg, t->name[0] ? " " : "", t->name,
                    ops_shape_str(t->ndim, t->shape, got, sizeof got), ops_shape_str(ndim, shape, want, sizeof want));
  }
  return ok;
}

geocl_tensor *ops_new(geocl_ctx *ctx, int ndim, const int64_t *shape) {
  return geocl_empty(ctx, GEOCL_F32, ndim, shape);
}

geocl_tensor *ops_fail(geocl_tensor *out) {
  geocl_tensor_free(out);
  return NULL;
}

geocl_tensor *ops_done(geocl_tensor *out, geocl_status st) { return st == GEOCL_OK ? out : ops_fail(out); }

bool ops_broadcast_shape(const char *op, const geocl_tensor *a, const geocl_tensor *b, int *ndim, int64_t *shape) {
  int n = a->ndim > b->ndim ? a->ndim : b->ndim;
  for (int i = 0; i < n; i++) {
    int ia = i - (n - a->ndim), ib = i - (n - b->ndim);
    int64_t sa = ia >= 0 ? a->shape[ia] : 1, sb = ib >= 0 ? b->shape[ib] : 1;
    if (sa != sb && sa != 1 && sb != 1) {
      char x[96], y[96];
      geocl_set_error(GEOCL_E_SHAPE, "%s: shapes %s and %s do not broadcast", op,
                      ops_shape_str(a->ndim, a->shape, x, sizeof x), ops_shape_str(b->ndim, b->shape, y, sizeof y));
      return false;
    }
    shape[i] = sa == 1 ? sb : sa;
  }
  *ndim = n;
  return true;
}

void ops_broadcast_strides(const geocl_tensor *t, int ndim, const int64_t *shape, int64_t *strides) {
  for (int i = 0; i < ndim; i++) {
    int it = i - (ndim - t->ndim);
    strides[i] = (it >= 0 && t->shape[it] == shape[i] && shape[i] != 1) ? t->stride[it] : 0;
  }
}

geocl_tensor *ops_contiguous(geocl_tensor *x) { return geocl_is_contiguous(x) ? x : geocl_contiguous(x); }
