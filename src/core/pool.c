/* SPDX-License-Identifier: MIT */
/* The device memory pool.  Buffers are rounded up to size classes (eighths of
 * a power of two, so at most 12.5% is wasted) and kept on free lists when
 * released; a training step that repeats the same shapes allocates nothing
 * from the device after its first iteration. */
#include <stdlib.h>
#include <string.h>

#include <geocl/log.h>

#include "internal.h"

#define MIN_CLASS_BYTES 256
/* Guard mode (tests): every buffer gets this many bytes more, filled with a
 * pattern that is checked when the buffer is released, so a kernel writing
 * past the end of its output is caught. */
#define GUARD_BYTES 256
#define GUARD_WORD 0x7fc0deadu

void geocl_pool_init(geocl_ctx *ctx) {
  const char *g = getenv("GEOCL_POOL_GUARD");
  ctx->pool.guard = g && !strcmp(g, "1");
}

static size_t alloc_bytes(const geocl_pool *pool, size_t class_bytes) {
  return class_bytes + (pool->guard ? GUARD_BYTES : 0);
}

/* The guard zone starts right after the requested bytes (a multiple of 4). */
static void guard_fill(geocl_ctx *ctx, void *mem, size_t bytes) {
  ctx->be->ops->fill(ctx->be, GUARD_BYTES / 4, GUARD_WORD, (geocl_bref){mem, (bytes + 3) / 4});
}

static void guard_check(geocl_ctx *ctx, void *mem, size_t bytes) {
  uint32_t words[GUARD_BYTES / 4];
  if (ctx->be->ops->download(ctx->be, mem, (bytes + 3) / 4 * 4, words, GUARD_BYTES) != GEOCL_OK) return;
  for (size_t i = 0; i < GUARD_BYTES / 4; i++)
    if (words[i] != GUARD_WORD) {
      ctx->pool.guard_violations++;
      geocl_logf(GEOCL_LOG_ERROR, "memory guard: a kernel wrote past the end of a %zu-byte buffer (word %zu)", bytes, i);
      return;
    }
}

size_t geocl_pool_class_bytes(size_t bytes, int *class_index) {
  if (bytes <= MIN_CLASS_BYTES) {
    *class_index = 0;
    return MIN_CLASS_BYTES;
  }
  int e = 63 - __builtin_clzll((unsigned long long)(bytes - 1)); /* 2^e < bytes <= 2^(e+1) */
  size_t step = (size_t)1 << (e - 3);
  size_t k = (bytes + step - 1) / step; /* 9..16 */
  *class_index = 1 + (e - 8) * 8 + (int)(k - 9);
  return k * step;
}

geocl_status geocl_pool_alloc(geocl_ctx *ctx, size_t bytes, geocl_storage **out) {
  geocl_pool *pool = &ctx->pool;
  int ci;
  size_t cb = geocl_pool_class_bytes(bytes, &ci);
  if (ci >= GEOCL_POOL_CLASSES)
    return geocl_set_error(GEOCL_E_DEVICE_NOMEM, "cannot allocate %zu bytes: larger than any device buffer", bytes);
  geocl_storage *s = calloc(1, sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "out of host memory for a tensor header");
  geocl_pool_block *b = pool->free_list[ci];
  if (b) {
    pool->free_list[ci] = b->next;
    s->mem = b->mem;
    free(b);
  } else {
    geocl_status st = ctx->be->ops->alloc(ctx->be, alloc_bytes(pool, cb), &s->mem);
    if (st == GEOCL_E_DEVICE_NOMEM) {
      /* give cached buffers back and try once more */
      geocl_pool_trim(ctx);
      st = ctx->be->ops->alloc(ctx->be, alloc_bytes(pool, cb), &s->mem);
    }
    if (st != GEOCL_OK) {
      free(s);
      if (st == GEOCL_E_DEVICE_NOMEM)
        geocl_set_error(st, "device out of memory allocating %zu bytes (%zu bytes in use by tensors, %zu reserved)",
                        cb, pool->current, pool->reserved);
      return st;
    }
    pool->reserved += cb;
    pool->device_allocs++;
  }
  if (pool->guard) guard_fill(ctx, s->mem, bytes);
  s->ctx = ctx;
  s->bytes = bytes;
  s->class_bytes = cb;
  s->refcount = 1;
  s->version = geocl_next_version();
  pool->current += cb;
  if (pool->current > pool->peak) pool->peak = pool->current;
  *out = s;
  return GEOCL_OK;
}

void geocl_pool_release(geocl_storage *s) {
  if (!s || --s->refcount > 0) return;
  geocl_ctx *ctx = s->ctx;
  geocl_pool *pool = &ctx->pool;
  int ci;
  geocl_pool_class_bytes(s->bytes, &ci);
  pool->current -= s->class_bytes;
  if (pool->guard) guard_check(ctx, s->mem, s->bytes);
  geocl_pool_block *b = malloc(sizeof *b);
  if (b) {
    b->mem = s->mem;
    b->next = pool->free_list[ci];
    pool->free_list[ci] = b;
  } else {
    ctx->be->ops->free(ctx->be, s->mem);
    pool->reserved -= s->class_bytes;
  }
  free(s);
}

void geocl_pool_trim(geocl_ctx *ctx) {
  geocl_pool *pool = &ctx->pool;
  for (int ci = 0; ci < GEOCL_POOL_CLASSES; ci++) {
    while (pool->free_list[ci]) {
      geocl_pool_block *b = pool->free_list[ci];
      pool->free_list[ci] = b->next;
      size_t cb = ci == 0 ? MIN_CLASS_BYTES : 0;
      if (ci > 0) {
        int e = 8 + (ci - 1) / 8;
        size_t k = 9 + (size_t)((ci - 1) % 8);
        cb = k << (e - 3);
      }
      ctx->be->ops->free(ctx->be, b->mem);
      pool->reserved -= cb;
      free(b);
    }
  }
}

void geocl_pool_destroy(geocl_ctx *ctx) {
  geocl_pool_trim(ctx);
  if (ctx->pool.current)
    geocl_debug("context freed with %zu bytes still held by tensors", ctx->pool.current);
}
