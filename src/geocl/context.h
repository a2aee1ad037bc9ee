/* SPDX-License-Identifier: MIT */
/* A geocl context: one backend on one device, its memory pool, the autograd
 * tape, the tensor scopes and a seeded random stream. */
#ifndef GEOCL_CONTEXT_H
#define GEOCL_CONTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <geocl/backend-api.h>
#include <geocl/rng.h>
#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_ctx geocl_ctx;

typedef struct geocl_ctx_opts {
  /* Device spec: NULL or "auto" (use $GEOCL_DEVICE, else the first GPU, else
   * the first OpenCL device, else the reference backend with a notice),
   * "reference", an index as listed by `geocl devices`, or a case-insensitive
   * substring of a device name. */
  const char *device;
  uint64_t seed;
} geocl_ctx_opts;

geocl_status geocl_ctx_create(const geocl_ctx_opts *opts, geocl_ctx **out);
/* Frees every tensor still alive in the context, then the backend. */
void geocl_ctx_free(geocl_ctx *ctx);

geocl_backend *geocl_ctx_backend(geocl_ctx *ctx);
const char *geocl_ctx_backend_name(geocl_ctx *ctx);
const geocl_device_info *geocl_ctx_device(geocl_ctx *ctx);
geocl_rng *geocl_ctx_rng(geocl_ctx *ctx);
/* Wait for all enqueued work; reports deferred device errors. */
geocl_status geocl_ctx_sync(geocl_ctx *ctx);

typedef struct geocl_mem_stats {
  size_t current_bytes;  /* held by live tensors */
  size_t peak_bytes;     /* high-water mark of current_bytes */
  size_t reserved_bytes; /* allocated from the device (live + cached for reuse) */
  uint64_t device_allocs; /* number of allocations that reached the device */
  size_t backend_bytes;  /* held by the backend itself now (GEMM packing, kept weights), outside the pool */
} geocl_mem_stats;
void geocl_ctx_mem_stats(geocl_ctx *ctx, geocl_mem_stats *out);
void geocl_ctx_reset_peak(geocl_ctx *ctx);
/* Return cached (unused) buffers to the device. */
void geocl_ctx_trim(geocl_ctx *ctx);

/* The useful floating-point operations dispatched so far: 2·m·n·k per GEMM
 * (linear layers, matmuls, convolutions), 4·N·NK·D per head for a fused
 * attention's forward and twice that for its backward (its recomputation of
 * the scores not counted).  Other kernels are not counted.  For achieved
 * FLOP/s: the difference over a training step divided by its time. */
double geocl_ctx_flops(const geocl_ctx *ctx);

/* Recomputation ("activation checkpointing"), off by default: with it on, the
 * layers library's transformer blocks (geocl_vit_block_apply,
 * geocl_vit_dec_block_apply) keep only their inputs for backward and run
 * again there: less memory for one more forward pass of each block.
 * Gradients are the same bit for bit. */
void geocl_set_recompute(geocl_ctx *ctx, bool on);
bool geocl_recompute(const geocl_ctx *ctx);
/* How many geocl_checkpoint nodes have been recorded in this context: 0 after
 * a training step with recomputation on means the model has nothing that
 * honours it (a CNN, a point network). */
uint64_t geocl_ctx_checkpoints(const geocl_ctx *ctx);

/* Per-kernel device times (backends that support it; E_UNSUPPORTED otherwise):
 * start recording, then stop and get up to max entries, most time first. */
geocl_status geocl_ctx_profile_start(geocl_ctx *ctx);
geocl_status geocl_ctx_profile_stop(geocl_ctx *ctx, geocl_kernel_time *out, int max, int *n);

/* --- device listing (for `geocl devices` and device selection) --- */
typedef struct geocl_device_entry {
  int index;            /* the number a device spec uses; -1 for the reference backend */
  const char *backend;  /* module name */
  geocl_device_info info;
  bool is_default;
} geocl_device_entry;

/* All devices of all loadable backends plus the reference backend (last).
 * *notes receives newline-separated messages about modules that were skipped
 * or runtimes without devices (may be ""); both arrays are freed with
 * geocl_device_list_free. */
geocl_status geocl_list_devices(geocl_device_entry **entries, int *count, char **notes);
void geocl_device_list_free(geocl_device_entry *entries, char *notes);

#ifdef __cplusplus
}
#endif
#endif
