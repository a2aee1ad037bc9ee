/* SPDX-License-Identifier: MIT */
/* Private structures of libgeocl. */
#ifndef GEOCL_INTERNAL_H
#define GEOCL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <geocl/autograd.h>
#include <geocl/backend-api.h>
#include <geocl/context.h>
#include <geocl/op-api.h>
#include <geocl/tensor.h>

/* A device buffer shared by a tensor and its views; returned to the pool when
 * the last reference goes. */
typedef struct geocl_storage {
  geocl_ctx *ctx;
  void *mem;
  size_t bytes;      /* requested */
  size_t class_bytes; /* allocated size class */
  int refcount;
  /* a new value at allocation and at every in-place write
   * (geocl_next_version: it never repeats in the process, so the pair
   * (storage, version) names the contents) */
  uint64_t version;
  /* every write bumps version (the parameters' storage, params.c): what a
   * backend derives from it may be kept while the version stands (packed
   * GEMM operands, geocl_gemm_args.b_tag) */
  bool versioned;
} geocl_storage;

struct geocl_tensor {
  geocl_ctx *ctx;
  geocl_dtype dtype;
  int ndim;
  int64_t shape[GEOCL_MAX_DIMS];
  int64_t stride[GEOCL_MAX_DIMS];
  int64_t offset;
  geocl_storage *storage;
  int refcount;          /* caller's reference + tape nodes that use it */
  bool owned_by_caller;  /* the caller (scope or explicit free) still holds its reference */
  bool requires_grad;
  bool retain_grad;
  bool grad_stale;       /* grad holds an old value: overwrite instead of adding */
  bool grad_pinned;      /* grad is a fixed buffer (parameters): zero_grad marks it stale */
  geocl_tensor *grad;
  geocl_node *node;      /* producer, NULL for leaves */
  uint64_t seq;          /* creation order; 0 once persisted */
  geocl_tensor *prev, *next; /* caller-owned list */
  char name[64];
};

/* Free lists of device buffers by size class. */
#define GEOCL_POOL_CLASSES 512
typedef struct geocl_pool_block {
  void *mem;
  struct geocl_pool_block *next;
} geocl_pool_block;

typedef struct geocl_pool {
  geocl_pool_block *free_list[GEOCL_POOL_CLASSES];
  size_t current, peak, reserved;
  uint64_t device_allocs;
  bool guard;               /* GEOCL_POOL_GUARD=1: check a guard zone after every buffer */
  uint64_t guard_violations; /* buffers whose guard zone was overwritten */
} geocl_pool;

struct geocl_ctx {
  geocl_backend *be;
  geocl_pool pool;
  geocl_rng rng;
  bool grad_enabled;
  bool in_backward;
  uint64_t next_seq;
  geocl_tensor *live_head, *live_tail; /* caller-owned tensors in creation order */
  geocl_node *tape_head, *tape_tail;
  size_t tape_size;
  double flops; /* the useful work dispatched so far (geocl_ctx_flops) */
  bool recompute; /* geocl_set_recompute: checkpoint the layers library's blocks */
  uint64_t checkpoints; /* geocl_checkpoint nodes recorded (geocl_ctx_checkpoints) */
};

/* tensor.c */
uint64_t geocl_next_version(void);

/* pool.c */
size_t geocl_pool_class_bytes(size_t bytes, int *class_index);
geocl_status geocl_pool_alloc(geocl_ctx *ctx, size_t bytes, geocl_storage **out);
void geocl_pool_release(geocl_storage *s);
void geocl_pool_trim(geocl_ctx *ctx);
void geocl_pool_destroy(geocl_ctx *ctx);
void geocl_pool_init(geocl_ctx *ctx);

/* tensor.c */
geocl_tensor *geocl_tensor_view(geocl_tensor *base, int ndim, const int64_t *shape, const int64_t *stride,
                                int64_t offset);
void geocl_tensor_ref(geocl_tensor *t);
void geocl_tensor_unref(geocl_tensor *t);
void geocl_tensors_free_all(geocl_ctx *ctx);
/* Take the caller's reference away from t (it now belongs to whoever holds it). */
void geocl_tensor_disown(geocl_tensor *t);
/* Elements of a shape, or -1 when a size is negative or the product of its
 * non-zero sizes exceeds GEOCL_MAX_NUMEL, so that no partial product, stride
 * or byte count of a valid shape overflows 64 bits. */
#define GEOCL_MAX_NUMEL_LOG2 56
#define GEOCL_MAX_NUMEL ((int64_t)1 << GEOCL_MAX_NUMEL_LOG2)
int64_t geocl_shape_numel(int ndim, const int64_t *shape);
void geocl_contiguous_strides(int ndim, const int64_t *shape, int64_t *stride);

/* autograd.c */
void geocl_node_free(geocl_node *n);
/* Backward from out (gradient dout) through the nodes recorded after `stop`
 * (every node when NULL); the caller has turned gradient mode off. */
geocl_status geocl_backward_sweep(geocl_ctx *ctx, geocl_tensor *out, geocl_tensor *dout, geocl_node *stop);
/* Add g into the part of t's gradient that starts at index `start` of
 * dimension dim and has g's shape (a new gradient is zero elsewhere): a
 * narrow's backward without a zero-padded full-size copy. */
geocl_status geocl_accumulate_grad_narrow(geocl_tensor *t, geocl_tensor *g, int dim, int64_t start);

/* backends.c: the reference backend is built in */
geocl_status geocl_reference_open(geocl_backend **out);
/* True for an instance of the built-in reference backend (its buffers are host memory). */
bool geocl_reference_is(const geocl_backend *be);
geocl_status geocl_backend_open(const char *spec, geocl_backend **out);

/* module.c: scanning module directories */
typedef struct geocl_module_report geocl_module_report;
#endif
