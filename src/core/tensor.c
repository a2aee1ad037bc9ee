/* SPDX-License-Identifier: MIT */
/* Tensor headers, construction, host transfer, lifetime and scopes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/log.h>

#include "internal.h"
#include "ops/ops_internal.h"

const char *geocl_dtype_name(geocl_dtype dt) { return dt == GEOCL_I32 ? "i32" : "f32"; }

int64_t geocl_shape_numel(int ndim, const int64_t *shape) {
  int64_t n = 1, nonzero = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0) return -1;
    if (shape[i] > 0 && __builtin_mul_overflow(nonzero, shape[i], &nonzero)) return -1;
    n *= shape[i] > 0 ? shape[i] : 0;
  }
  return nonzero > GEOCL_MAX_NUMEL ? -1 : n;
}

void geocl_contiguous_strides(int ndim, const int64_t *shape, int64_t *stride) {
  int64_t s = 1;
  for (int i = ndim - 1; i >= 0; i--) {
    stride[i] = s;
    s *= shape[i];
  }
}

static void live_link(geocl_ctx *ctx, geocl_tensor *t) {
  t->seq = ctx->next_seq++;
  t->owned_by_caller = true;
  t->prev = ctx->live_tail;
  t->next = NULL;
  if (ctx->live_tail) ctx->live_tail->next = t;
  else ctx->live_head = t;
  ctx->live_tail = t;
}

static void live_unlink(geocl_ctx *ctx, geocl_tensor *t) {
  if (t->prev) t->prev->next = t->next;
  else ctx->live_head = t->next;
  if (t->next) t->next->prev = t->prev;
  else ctx->live_tail = t->prev;
  t->prev = t->next = NULL;
  t->owned_by_caller = false;
}

static bool valid_shape(int ndim, const int64_t *shape) {
  if (ndim < 0 || ndim > GEOCL_MAX_DIMS) {
    geocl_set_error(GEOCL_E_SHAPE, "tensor rank %d outside 0..%d", ndim, GEOCL_MAX_DIMS);
    return false;
  }
  for (int i = 0; i < ndim; i++)
    if (shape[i] < 0) {
      geocl_set_error(GEOCL_E_SHAPE, "negative size %lld in dimension %d", (long long)shape[i], i);
      return false;
    }
  if (geocl_shape_numel(ndim, shape) < 0) {
    char s[160];
    ops_shape_str(ndim, shape, s, sizeof s);
    geocl_set_error(GEOCL_E_SHAPE, "shape %s has more than 2^%d elements", s, GEOCL_MAX_NUMEL_LOG2);
    return false;
  }
  return true;
}

static geocl_tensor *header_new(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape) {
  geocl_tensor *t = calloc(1, sizeof *t);
  if (!t) {
    geocl_set_error(GEOCL_E_NOMEM, "out of host memory for a tensor header");
    return NULL;
  }
  t->ctx = ctx;
  t->dtype = dt;
  t->ndim = ndim;
  if (ndim > 0) memcpy(t->shape, shape, sizeof(int64_t) * (size_t)ndim); /* 0-dim: shape may be NULL */
  geocl_contiguous_strides(ndim, shape, t->stride);
  t->refcount = 1;
  live_link(ctx, t);
  return t;
}

geocl_tensor *geocl_empty(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape) {
  if (!ctx || !valid_shape(ndim, shape)) return NULL;
  int64_t n = geocl_shape_numel(ndim, shape);
  geocl_storage *s;
  if (geocl_pool_alloc(ctx, (size_t)(n > 0 ? n : 1) * 4, &s) != GEOCL_OK) return NULL;
  geocl_tensor *t = header_new(ctx, dt, ndim, shape);
  if (!t) {
    geocl_pool_release(s);
    return NULL;
  }
  t->storage = s;
  return t;
}

geocl_tensor *geocl_tensor_view(geocl_tensor *base, int ndim, const int64_t *shape, const int64_t *stride,
                                int64_t offset) {
  geocl_tensor *t = header_new(base->ctx, base->dtype, ndim, shape);
  if (!t) return NULL;
  if (ndim > 0) memcpy(t->stride, stride, sizeof(int64_t) * (size_t)ndim);
  t->offset = offset;
  t->storage = base->storage;
  t->storage->refcount++;
  return t;
}

static geocl_tensor *filled(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape, uint32_t bits) {
  geocl_tensor *t = geocl_empty(ctx, dt, ndim, shape);
  if (!t) return NULL;
  int64_t n = geocl_numel(t);
  if (n > 0) {
    geocl_status st = ctx->be->ops->fill(ctx->be, n, bits, geocl_tensor_bref(t));
    if (st != GEOCL_OK) {
      geocl_tensor_free(t);
      return NULL;
    }
  }
  return t;
}

geocl_tensor *geocl_zeros(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape) {
  return filled(ctx, dt, ndim, shape, 0);
}

geocl_tensor *geocl_full(geocl_ctx *ctx, float value, int ndim, const int64_t *shape) {
  uint32_t bits;
  memcpy(&bits, &value, 4);
  return filled(ctx, GEOCL_F32, ndim, shape, bits);
}

geocl_tensor *geocl_from_host(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape, const void *data) {
  geocl_tensor *t = geocl_empty(ctx, dt, ndim, shape);
  if (!t) return NULL;
  size_t bytes = (size_t)geocl_numel(t) * 4;
  if (bytes && ctx->be->ops->upload(ctx->be, t->storage->mem, 0, data, bytes) != GEOCL_OK) {
    geocl_tensor_free(t);
    return NULL;
  }
  return t;
}

geocl_tensor *geocl_rand(geocl_ctx *ctx, int ndim, const int64_t *shape) {
  geocl_tensor *t = geocl_empty(ctx, GEOCL_F32, ndim, shape);
  if (!t) return NULL;
  int64_t n = geocl_numel(t);
  if (!ctx->be->ops->rand_uniform) {
    geocl_unsupported(ctx, "rand_uniform");
    geocl_tensor_free(t);
    return NULL;
  }
  if (n > 0 &&
      ctx->be->ops->rand_uniform(ctx->be, n, ctx->rng.seed, ctx->rng.counter, geocl_tensor_bref(t)) != GEOCL_OK) {
    geocl_tensor_free(t);
    return NULL;
  }
  ctx->rng.counter += (uint64_t)(n + 3) / 4;
  return t;
}

geocl_status geocl_to_host(const geocl_tensor *t, void *dst, size_t bytes) {
  if (!t) return geocl_last_status() ? geocl_last_status() : geocl_set_error(GEOCL_E_INVALID, "to_host: NULL tensor");
  int64_t n = geocl_numel(t);
  if (bytes != (size_t)n * 4)
    return geocl_set_error(GEOCL_E_INVALID, "to_host: tensor '%s' has %lld elements (%lld bytes), buffer has %zu bytes",
                           t->name, (long long)n, (long long)n * 4, bytes);
  if (n == 0) return GEOCL_OK;
  geocl_backend *be = t->ctx->be;
  if (geocl_is_contiguous(t))
    return be->ops->download(be, t->storage->mem, (size_t)t->offset * 4, dst, bytes);
  /* gather into a contiguous scratch buffer on the device first */
  geocl_storage *s;
  geocl_status st = geocl_pool_alloc(t->ctx, bytes, &s);
  if (st != GEOCL_OK) return st;
  int64_t ys[GEOCL_MAX_DIMS];
  geocl_contiguous_strides(t->ndim, t->shape, ys);
  st = be->ops->copy(be, t->ndim, t->shape, geocl_tensor_bref(t), t->stride, (geocl_bref){s->mem, 0}, ys, 0);
  if (st == GEOCL_OK) st = be->ops->download(be, s->mem, 0, dst, bytes);
  geocl_pool_release(s);
  return st;
}

geocl_status geocl_copy_from_host(geocl_tensor *t, const void *src, size_t bytes) {
  if (!t) return geocl_set_error(GEOCL_E_INVALID, "copy_from_host: NULL tensor");
  int64_t n = geocl_numel(t);
  if (bytes != (size_t)n * 4)
    return geocl_set_error(GEOCL_E_INVALID, "copy_from_host: tensor '%s' has %lld elements, data has %zu bytes",
                           t->name, (long long)n, bytes);
  if (!geocl_is_contiguous(t))
    return geocl_set_error(GEOCL_E_INVALID, "copy_from_host: tensor '%s' is a non-contiguous view", t->name);
  geocl_tensor_bump_version(t);
  if (n == 0) return GEOCL_OK;
  return t->ctx->be->ops->upload(t->ctx->be, t->storage->mem, (size_t)t->offset * 4, src, bytes);
}

geocl_status geocl_item(const geocl_tensor *t, float *out) {
  if (t && geocl_numel(t) != 1)
    return geocl_set_error(GEOCL_E_SHAPE, "item: tensor '%s' has %lld elements, not 1", t->name,
                           (long long)geocl_numel(t));
  return geocl_to_host(t, out, 4);
}

/* --- lifetime --- */

void geocl_tensor_ref(geocl_tensor *t) { t->refcount++; }

void geocl_tensor_unref(geocl_tensor *t) {
  if (!t || --t->refcount > 0) return;
  if (t->node) geocl_node_free(t->node);
  if (t->grad) geocl_tensor_unref(t->grad);
  geocl_pool_release(t->storage);
  free(t);
}

geocl_scope geocl_scope_begin(geocl_ctx *ctx) { return ctx->next_seq - 1; }

void geocl_scope_end(geocl_ctx *ctx, geocl_scope scope) {
  while (ctx->live_tail && ctx->live_tail->seq > scope) {
    geocl_tensor *t = ctx->live_tail;
    live_unlink(ctx, t);
    geocl_tensor_unref(t);
  }
}

void geocl_tensor_persist(geocl_tensor *t) {
  if (!t || !t->owned_by_caller || t->seq == 0) return;
  geocl_ctx *ctx = t->ctx;
  live_unlink(ctx, t);
  t->owned_by_caller = true;
  t->seq = 0;
  t->prev = NULL;
  t->next = ctx->live_head;
  if (ctx->live_head) ctx->live_head->prev = t;
  else ctx->live_tail = t;
  ctx->live_head = t;
}

void geocl_tensor_free(geocl_tensor *t) {
  if (!t) return;
  if (!t->owned_by_caller) {
    geocl_debug("geocl_tensor_free: tensor '%s' was already freed or is owned by another tensor", t->name);
    return;
  }
  live_unlink(t->ctx, t);
  geocl_tensor_unref(t);
}

void geocl_tensor_disown(geocl_tensor *t) {
  if (t->owned_by_caller) live_unlink(t->ctx, t);
}

void geocl_tensors_free_all(geocl_ctx *ctx) {
  geocl_tape_clear(ctx);
  geocl_scope_end(ctx, 0);
  /* persisted tensors (seq 0) remain at the head */
  while (ctx->live_head) {
    geocl_tensor *t = ctx->live_head;
    live_unlink(ctx, t);
    geocl_tensor_unref(t);
  }
}

/* --- properties --- */

geocl_ctx *geocl_tensor_ctx(const geocl_tensor *t) { return t->ctx; }
geocl_dtype geocl_tensor_dtype(const geocl_tensor *t) { return t->dtype; }
int geocl_ndim(const geocl_tensor *t) { return t->ndim; }
const int64_t *geocl_shape(const geocl_tensor *t) { return t->shape; }
const int64_t *geocl_strides(const geocl_tensor *t) { return t->stride; }

int64_t geocl_dim(const geocl_tensor *t, int i) {
  if (i < 0) i += t->ndim;
  return (i >= 0 && i < t->ndim) ? t->shape[i] : 1;
}

int64_t geocl_numel(const geocl_tensor *t) { return geocl_shape_numel(t->ndim, t->shape); }

bool geocl_is_contiguous(const geocl_tensor *t) {
  int64_t s = 1;
  for (int i = t->ndim - 1; i >= 0; i--) {
    if (t->shape[i] != 1 && t->stride[i] != s) return false;
    s *= t->shape[i];
  }
  return true;
}

geocl_bref geocl_tensor_bref(const geocl_tensor *t) { return (geocl_bref){t->storage->mem, (size_t)t->offset}; }

geocl_backend *geocl_tensor_backend(const geocl_tensor *t) { return t->ctx->be; }

const char *geocl_tensor_name(const geocl_tensor *t) { return t->name; }

void geocl_tensor_set_name(geocl_tensor *t, const char *name) {
  if (t) snprintf(t->name, sizeof t->name, "%s", name ? name : "");
}

uint64_t geocl_next_version(void) {
  static _Atomic uint64_t last;
  return ++last;
}

void geocl_tensor_bump_version(geocl_tensor *t) { t->storage->version = geocl_next_version(); }

char *geocl_shape_str(const geocl_tensor *t, char *buf, size_t size) {
  size_t used = (size_t)snprintf(buf, size, "[");
  for (int i = 0; i < t->ndim && used < size; i++)
    used += (size_t)snprintf(buf + used, size - used, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
  if (used < size) snprintf(buf + used, size - used, "]");
  return buf;
}

geocl_status geocl_unsupported(geocl_ctx *ctx, const char *op) {
  return geocl_set_error(GEOCL_E_UNSUPPORTED, "op '%s' is not implemented by the %s backend", op, ctx->be->name);
}
