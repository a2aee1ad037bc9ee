/* SPDX-License-Identifier: MIT */
/* Internals of the OpenCL attention: the launchers of cl/attention.cl's fused
 * kernels (k_attention.c), the per-device table of their tuned tile and
 * work-group sizes with its cache lines (attention_table.c), and the tuner
 * (attention_tune.c). */
#ifndef GEOCL_OCL_ATTENTION_H
#define GEOCL_OCL_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>

#include "ocl.h"

/* As in cl/attention.cl: the most rows of a local-memory tile. */
#define OCL_ATTN_MAX_TILE 64

enum { OCL_ATTN_FWD, OCL_ATTN_DQ, OCL_ATTN_DKV, OCL_ATTN_KERNELS };

/* Limits of one kernel's launch: the most rows per tile (fewer where local
 * memory or the rows run out) and the most work-items per work-group (fewer
 * where the kernel allows fewer; spread evenly over the rows). */
typedef struct ocl_attn_params {
  int tile, block;
} ocl_attn_params;

/* k_attention.c */
/* The limits of untuned launches on the device (the same for every kernel). */
ocl_attn_params ocl_attn_untuned(const ocl_device *dev);
/* Launch one kernel on a with limits p (NULL: GEOCL_ATTENTION, else the
 * tuned ones for a's shape, else the untuned ones). */
geocl_status ocl_attn_launch(ocl_backend *ob, int kernel, const geocl_attn_args *a, const ocl_attn_params *p);
/* The kernel object (work-group limit and preferred multiple). */
geocl_status ocl_attn_kernel(ocl_backend *ob, int kernel, ocl_kernel_slot **k);
/* The tile and work-group size a launch with limits p runs with. */
geocl_status ocl_attn_effective(ocl_backend *ob, int kernel, const geocl_attn_args *a, const ocl_attn_params *p,
                                ocl_attn_params *out);

/* attention_table.c: the device's tuned limits (lookups lock dev->lock; the
 * others expect it held) */
extern const char *const ocl_attn_kernel_names[OCL_ATTN_KERNELS]; /* "fwd", "dq", "dkv" */
/* "tile=T block=W" (1 ≤ T ≤ OCL_ATTN_MAX_TILE, W ≥ 1), nothing after it */
bool ocl_attn_params_parse(const char *text, ocl_attn_params *p);
/* The tuned limits of kernel for shape s on this device: its entry, else
 * the nearest tuned shape of its class (false: none). */
bool ocl_attn_tuned(ocl_device *dev, int kernel, const geocl_attn_shape *s, ocl_attn_params *out);
/* Keep p as the limits of kernel for shape s. */
geocl_status ocl_attn_table_put(ocl_device *dev, int kernel, const geocl_attn_shape *s, const ocl_attn_params *p);
/* For tune_cache.c: keep one cache line (the text after its key), or skip
 * it with a warning; write the table's lines, each starting with key, into
 * buf (snprintf's rules: the length they need); empty the table. */
void ocl_attn_table_read(ocl_device *dev, const char *path, const char *text);
size_t ocl_attn_table_format(const ocl_device *dev, const char *key, char *buf, size_t cap);
void ocl_attn_table_free(ocl_device *dev);

#endif
