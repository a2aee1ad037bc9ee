/* SPDX-License-Identifier: MIT */
/* Tensors: up to 6 dimensions, f32 (or i32 for indices and positions), a
 * backend buffer plus an element offset and strides.  Views share storage.
 *
 * Ownership.  Every tensor made by a constructor or an op belongs to the
 * innermost open scope (geocl_scope_begin/end); closing the scope frees them.
 * Tensors made outside any scope live until geocl_tensor_free or the end of the
 * context.  geocl_tensor_persist moves a tensor out of all scopes.
 *
 * Errors.  Constructors and ops return NULL on failure with the message in
 * geocl_last_error().  An op given a NULL input returns NULL at once and keeps
 * the first message, so a chain of ops can be checked once at its end. */
#ifndef GEOCL_TENSOR_H
#define GEOCL_TENSOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <geocl/backend-api.h>
#include <geocl/context.h>
#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOCL_MAX_DIMS 6

typedef enum geocl_dtype { GEOCL_F32 = 0, GEOCL_I32 = 1 } geocl_dtype;

typedef struct geocl_tensor geocl_tensor;

/* GEOCL_SHAPE(2, 3, 4) expands to the (ndim, shape) argument pair. */
#define GEOCL_SHAPE(...) \
  (int)(sizeof((int64_t[]){__VA_ARGS__}) / sizeof(int64_t)), (const int64_t[]) { __VA_ARGS__ }

const char *geocl_dtype_name(geocl_dtype dt);

/* --- construction --- */
geocl_tensor *geocl_empty(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape);
geocl_tensor *geocl_zeros(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape);
geocl_tensor *geocl_full(geocl_ctx *ctx, float value, int ndim, const int64_t *shape);
/* Copies ndim/shape-sized contiguous row-major data from the host. */
geocl_tensor *geocl_from_host(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape, const void *data);
/* Uniform [0, 1) from the context's random stream (same numbers on every backend). */
geocl_tensor *geocl_rand(geocl_ctx *ctx, int ndim, const int64_t *shape);

/* --- host access (these wait for the device) --- */
/* Copies the tensor, in row-major order whatever its strides, into dst
 * (bytes must equal numel·4). */
geocl_status geocl_to_host(const geocl_tensor *t, void *dst, size_t bytes);
/* Overwrites the tensor's elements from contiguous host data.  Refused for a
 * tensor the autograd tape has saved (it would corrupt backward). */
geocl_status geocl_copy_from_host(geocl_tensor *t, const void *src, size_t bytes);
/* Value of a one-element f32 tensor. */
geocl_status geocl_item(const geocl_tensor *t, float *out);

/* --- lifetime --- */
typedef uint64_t geocl_scope;
geocl_scope geocl_scope_begin(geocl_ctx *ctx);
/* Frees every tensor created since the matching begin (except persisted ones). */
void geocl_scope_end(geocl_ctx *ctx, geocl_scope scope);
/* Exempts t from scope cleanup; the caller frees it with geocl_tensor_free. */
void geocl_tensor_persist(geocl_tensor *t);
/* Releases the caller's reference (storage is recycled once no view or tape node uses it). */
void geocl_tensor_free(geocl_tensor *t);

/* --- properties --- */
geocl_ctx *geocl_tensor_ctx(const geocl_tensor *t);
geocl_dtype geocl_tensor_dtype(const geocl_tensor *t);
int geocl_ndim(const geocl_tensor *t);
const int64_t *geocl_shape(const geocl_tensor *t);
const int64_t *geocl_strides(const geocl_tensor *t);
/* Size of dimension i; negative i counts from the end. */
int64_t geocl_dim(const geocl_tensor *t, int i);
int64_t geocl_numel(const geocl_tensor *t);
bool geocl_is_contiguous(const geocl_tensor *t);
/* Backend buffer and element offset of element 0 (for backend-level code). */
geocl_bref geocl_tensor_bref(const geocl_tensor *t);
const char *geocl_tensor_name(const geocl_tensor *t);
void geocl_tensor_set_name(geocl_tensor *t, const char *name);
/* "[2, 3, 4]" into buf; returns buf. */
char *geocl_shape_str(const geocl_tensor *t, char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif
