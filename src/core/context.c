/* SPDX-License-Identifier: MIT */
/* Context creation and teardown. */
#include <stdlib.h>

#include <geocl/log.h>

#include "internal.h"

geocl_status geocl_ctx_create(const geocl_ctx_opts *opts, geocl_ctx **out) {
  *out = NULL;
  geocl_ctx *ctx = calloc(1, sizeof *ctx);
  if (!ctx) return geocl_set_error(GEOCL_E_NOMEM, "out of memory creating a context");
  geocl_status st = geocl_backend_open(opts ? opts->device : NULL, &ctx->be);
  if (st != GEOCL_OK) {
    free(ctx);
    return st;
  }
  geocl_pool_init(ctx);
  geocl_rng_init(&ctx->rng, opts ? opts->seed : 0);
  ctx->grad_enabled = true;
  ctx->next_seq = 1;
  geocl_info("using %s backend on %s", ctx->be->name, ctx->be->device.name);
  *out = ctx;
  return GEOCL_OK;
}

void geocl_ctx_free(geocl_ctx *ctx) {
  if (!ctx) return;
  geocl_tensors_free_all(ctx);
  ctx->be->ops->sync(ctx->be);
  geocl_pool_destroy(ctx);
  ctx->be->ops->destroy(ctx->be);
  free(ctx);
}

geocl_backend *geocl_ctx_backend(geocl_ctx *ctx) { return ctx->be; }
const char *geocl_ctx_backend_name(geocl_ctx *ctx) { return ctx->be->name; }
const geocl_device_info *geocl_ctx_device(geocl_ctx *ctx) { return &ctx->be->device; }
geocl_rng *geocl_ctx_rng(geocl_ctx *ctx) { return &ctx->rng; }
geocl_status geocl_ctx_sync(geocl_ctx *ctx) { return ctx->be->ops->sync(ctx->be); }

void geocl_ctx_mem_stats(geocl_ctx *ctx, geocl_mem_stats *out) {
  out->current_bytes = ctx->pool.current;
  out->peak_bytes = ctx->pool.peak;
  out->reserved_bytes = ctx->pool.reserved;
  out->device_allocs = ctx->pool.device_allocs;
  out->backend_bytes = ctx->be->ops->held_bytes ? ctx->be->ops->held_bytes(ctx->be) : 0;
}

void geocl_ctx_reset_peak(geocl_ctx *ctx) { ctx->pool.peak = ctx->pool.current; }

double geocl_ctx_flops(const geocl_ctx *ctx) { return ctx->flops; }

void geocl_set_recompute(geocl_ctx *ctx, bool on) { ctx->recompute = on; }

bool geocl_recompute(const geocl_ctx *ctx) { return ctx->recompute; }

uint64_t geocl_ctx_checkpoints(const geocl_ctx *ctx) { return ctx->checkpoints; }

void geocl_ctx_trim(geocl_ctx *ctx) { geocl_pool_trim(ctx); }

geocl_status geocl_ctx_profile_start(geocl_ctx *ctx) {
  if (!ctx->be->ops->profile) return geocl_unsupported(ctx, "profile");
  return ctx->be->ops->profile(ctx->be, 1, NULL, 0, NULL);
}

geocl_status geocl_ctx_profile_stop(geocl_ctx *ctx, geocl_kernel_time *out, int max, int *n) {
  if (!ctx->be->ops->profile) return geocl_unsupported(ctx, "profile");
  return ctx->be->ops->profile(ctx->be, 0, out, max, n);
}
