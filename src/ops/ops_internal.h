/* SPDX-License-Identifier: MIT */
/* Helpers shared by the op implementations (src/ops/ops_*.c). */
#ifndef GEOCL_OPS_INTERNAL_H
#define GEOCL_OPS_INTERNAL_H

#include <geocl/ops.h>

#include "core/internal.h"

/* Return NULL from an op when any input is NULL (the first error stays). */
#define OPS_REQUIRE(...)                                                \
  do {                                                                  \
    geocl_tensor *const ops_in_[] = {__VA_ARGS__};                      \
    for (size_t ops_i_ = 0; ops_i_ < sizeof ops_in_ / sizeof *ops_in_; ops_i_++) \
      if (!ops_in_[ops_i_]) return NULL;                                \
  } while (0)

/* The backend kernel entry, or an E_UNSUPPORTED error naming op and backend. */
#define OPS_KERNEL(ctx, entry, opname) \
  ((ctx)->be->ops->entry ? true : (geocl_unsupported((ctx), (opname)), false))

/* Check dtype; sets E_SHAPE naming op and argument on mismatch. */
bool ops_check_dtype(const char *op, const char *arg, const geocl_tensor *t, geocl_dtype dt);
/* Check that two tensors share a context. */
bool ops_same_ctx(const char *op, const geocl_tensor *a, const geocl_tensor *b);
/* Normalise a possibly negative dim; sets E_SHAPE and returns -1 when out of range. */
int ops_dim(const char *op, const geocl_tensor *t, int dim);
/* Check t's shape equals (ndim, shape); on mismatch sets E_SHAPE naming op/arg. */
bool ops_check_shape(const char *op, const char *arg, const geocl_tensor *t, int ndim, const int64_t *shape);
/* "[2, 3]" formatting of a shape array into buf. */
char *ops_shape_str(int ndim, const int64_t *shape, char *buf, size_t size);

/* New f32 tensor (NULL on failure). */
geocl_tensor *ops_new(geocl_ctx *ctx, int ndim, const int64_t *shape);
/* Free the output of a failed op and return NULL. */
geocl_tensor *ops_fail(geocl_tensor *out);
/* Finish an op: if st is an error free out and return NULL, else return out. */
geocl_tensor *ops_done(geocl_tensor *out, geocl_status st);

/* Broadcast shape of a and b (numpy rules); false with E_SHAPE otherwise. */
bool ops_broadcast_shape(const char *op, const geocl_tensor *a, const geocl_tensor *b, int *ndim, int64_t *shape);
/* Strides addressing t as if expanded to (ndim, shape): 0 on broadcast dims. */
void ops_broadcast_strides(const geocl_tensor *t, int ndim, const int64_t *shape, int64_t *strides);

/* x made contiguous only if needed (returns x itself otherwise; caller must
 * not free it separately from x). */
geocl_tensor *ops_contiguous(geocl_tensor *x);

#endif
