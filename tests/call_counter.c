/* SPDX-License-Identifier: MIT */
/* Backend call counting: the context's ops table is replaced by a copy whose
 * entries count, then forward to the original. */
#include <string.h>

#include "call_counter.h"

static call_counts counts;
static const geocl_backend_ops *real;
static geocl_backend_ops counting;

static geocl_status c_download(geocl_backend *be, void *mem, size_t off, void *dst, size_t bytes) {
  counts.download++;
  return real->download(be, mem, off, dst, bytes);
}
static geocl_status c_sync(geocl_backend *be) {
  counts.sync++;
  return real->sync(be);
}
static geocl_status c_upload(geocl_backend *be, void *mem, size_t off, const void *src, size_t bytes) {
  counts.upload++;
  return real->upload(be, mem, off, src, bytes);
}
static geocl_status c_fill(geocl_backend *be, int64_t n, uint32_t bits, geocl_bref y) {
  counts.fill++;
  return real->fill(be, n, bits, y);
}
static geocl_status c_copy(geocl_backend *be, int ndim, const int64_t *shape, geocl_bref x, const int64_t *xs,
                           geocl_bref y, const int64_t *ys, int accumulate) {
  counts.copy++;
  return real->copy(be, ndim, shape, x, xs, y, ys, accumulate);
}
static geocl_status c_unary(geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y) {
  counts.kernels++;
  return real->unary(be, op, n, alpha, x, y);
}
static geocl_status c_sum(geocl_backend *be, int kn, const int64_t *kshape, const int64_t *ks, int rn,
                          const int64_t *rshape, const int64_t *rs, float alpha, geocl_bref x, geocl_bref y) {
  counts.kernels++;
  return real->sum(be, kn, kshape, ks, rn, rshape, rs, alpha, x, y);
}
static geocl_status c_adamw(geocl_backend *be, const geocl_adamw_args *a) {
  counts.updates++;
  return real->adamw(be, a);
}
static geocl_status c_sgd(geocl_backend *be, const geocl_sgd_args *a) {
  counts.updates++;
  return real->sgd(be, a);
}
static geocl_status c_clip_coef(geocl_backend *be, float max_norm, geocl_bref sumsq, geocl_bref out) {
  counts.kernels++;
  return real->clip_coef(be, max_norm, sumsq, out);
}

call_counts *count_backend_calls(geocl_ctx *ctx) {
  geocl_backend *be = geocl_ctx_backend(ctx);
  real = be->ops;
  counting = *real;
  counting.download = c_download;
  counting.sync = c_sync;
  counting.upload = c_upload;
  counting.fill = c_fill;
  counting.copy = c_copy;
  counting.unary = c_unary;
  counting.sum = c_sum;
  counting.adamw = real->adamw ? c_adamw : NULL;
  counting.sgd = real->sgd ? c_sgd : NULL;
  counting.clip_coef = real->clip_coef ? c_clip_coef : NULL;
  be->ops = &counting;
  memset(&counts, 0, sizeof counts);
  return &counts;
}
