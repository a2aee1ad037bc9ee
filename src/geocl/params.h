/* SPDX-License-Identifier: MIT */
/* Model parameters in one flat device buffer.
 *
 * A model declares its parameters by name (the official checkpoint names,
 * e.g. "enc_blocks.0.attn.qkv.weight") with a shape and an optimizer group,
 * and its non-trainable buffers (e.g. CroCo's "enc_pos_embed"), then calls
 * geocl_params_finalize.  That allocates ONE value buffer and ONE gradient
 * buffer; every parameter is a named view into them.  The values are laid
 * out group by group, so each group is one contiguous span an optimizer
 * updates with one kernel, and the gradient buffer has the same layout.
 * Each parameter starts at a multiple of GEOCL_PARAMS_ALIGN elements; the
 * padding holds zeros.  Buffers follow the trainable spans in the value
 * buffer and have no gradient.
 *
 * Parameter tensors require gradients; their .grad is a fixed view into the
 * gradient buffer.  geocl_params_zero_grad only marks the gradients stale
 * (the next backward overwrites instead of adding), so it costs nothing on
 * the device.  A parameter that backward did not reach keeps a stale
 * gradient; geocl_params_finish_grads zeroes those (the optimizer calls it),
 * so such a parameter is updated with a zero gradient.
 *
 * Values start at zero; the model initialises them (geocl_copy_from_host on a
 * parameter, or geocl_params_load).  The tensors belong to the registry: do
 * not free them, and free the registry before its context. */
#ifndef GEOCL_PARAMS_H
#define GEOCL_PARAMS_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/safetensors.h>
#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOCL_PARAMS_ALIGN 16 /* elements: 64 bytes, a cache line */
#define GEOCL_PARAMS_MAX_GROUPS 64

/* The group a model declares each parameter in says how it decays, the
 * rule of CroCo, MAE and most ViT recipes: weight matrices and kernels are
 * decayed, biases, norms and other 1-D tensors are not.  The trainer maps
 * these to optimizer groups (with learning-rate multipliers and frozen
 * prefixes, geocl/train.h). */
enum { GEOCL_PARAM_DECAY = 0, GEOCL_PARAM_NO_DECAY = 1 };

typedef struct geocl_params geocl_params;

geocl_status geocl_params_new(geocl_ctx *ctx, geocl_params **out);
void geocl_params_free(geocl_params *p);

/* Declare a trainable parameter in optimizer group `group` (0 ≤ group <
 * GEOCL_PARAMS_MAX_GROUPS), or a non-trainable buffer.  Names are unique;
 * declaration order is the order of geocl_params_get and of saved files. */
geocl_status geocl_params_add(geocl_params *p, const char *name, int ndim, const int64_t *shape, int group);
geocl_status geocl_params_add_buffer(geocl_params *p, const char *name, int ndim, const int64_t *shape);
/* Declare entries against a checkpoint before building anything from it, so
 * that a recorded configuration that does not fit the file's tensors is
 * refused before any memory is allocated: declaring far more entries than f
 * holds tensors (over twice as many, plus 64) fails at once, and finalize
 * first checks names and shapes as geocl_params_load does.  Call it before
 * the first declaration; f must stay open until finalize.  (Any declaration
 * also fails once the entries need more than the device's memory.) */
geocl_status geocl_params_expect_file(geocl_params *p, const geocl_st_file *f);
/* Before finalize: move trainable entry i to optimizer group g, or freeze it
 * (a frozen parameter keeps its name and is loaded and saved, but has no
 * gradient and is laid out after the trainable groups). */
geocl_status geocl_params_set_group(geocl_params *p, int i, int group);
geocl_status geocl_params_freeze(geocl_params *p, int i);
/* The group entry i was declared in (its decay class), even after set_group
 * or freeze; -1 for a buffer. */
int geocl_params_declared_group(const geocl_params *p, int i);

/* Allocate the flat buffers and create the views; nothing can be added after. */
geocl_status geocl_params_finalize(geocl_params *p);

/* Entries (parameters and buffers) in declaration order. */
int geocl_params_count(const geocl_params *p);
const char *geocl_params_name(const geocl_params *p, int i);
/* The tensor of entry i (NULL before finalize). */
geocl_tensor *geocl_params_get(const geocl_params *p, int i);
/* The tensor named `name`, or NULL (E_NOT_FOUND set). */
geocl_tensor *geocl_params_find(const geocl_params *p, const char *name);
/* Index of `name`, or -1. */
int geocl_params_index(const geocl_params *p, const char *name);
bool geocl_params_is_buffer(const geocl_params *p, int i);
bool geocl_params_is_frozen(const geocl_params *p, int i);
/* Optimizer group of entry i (-1 for a buffer or a frozen parameter). */
int geocl_params_group(const geocl_params *p, int i);
/* Element offset of entry i in the flat value buffer (-1 before finalize). */
int64_t geocl_params_offset(const geocl_params *p, int i);

/* Number of groups: one more than the highest group index declared. */
int geocl_params_group_count(const geocl_params *p);
/* Span [offset, offset + size) of group g in the flat value/gradient buffers
 * (size 0 for a group without parameters). */
void geocl_params_group_span(const geocl_params *p, int g, int64_t *offset, int64_t *size);
/* Elements of all trainable parameters (without padding or buffers). */
int64_t geocl_params_numel(const geocl_params *p);

/* Flat 1-D views of the trainable span of the value buffer and of the
 * gradient buffer (same layout, same length). */
geocl_tensor *geocl_params_values(const geocl_params *p);
geocl_tensor *geocl_params_grads(const geocl_params *p);

/* Mark every gradient stale (the next backward overwrites it). */
void geocl_params_zero_grad(geocl_params *p);
/* Zero the gradients still stale (parameters backward did not reach), so the
 * flat gradient buffer is complete.  Enqueues fills only for those. */
geocl_status geocl_params_finish_grads(geocl_params *p);

/* Save every parameter and buffer as F32 under its name, with the given
 * metadata, atomically. */
geocl_status geocl_params_save(const geocl_params *p, const char *path, int n_meta, const geocl_st_kv *meta);
/* Load every parameter and buffer by name (F32, or F16/BF16/F64 converted;
 * buffers also from integers, as torch's int64 num_batches_tracked).  Strict: a missing, unexpected or wrong-shape tensor fails the load with an
 * error naming the first few and the count, and nothing is modified. */
geocl_status geocl_params_load(geocl_params *p, const char *path);

/* What a load did: tensors read, file tensors the model lacks (skipped),
 * entries the file lacks (kept as they were), with the first few names. */
typedef struct geocl_load_report {
  int loaded, skipped, kept;
  char skipped_names[256], kept_names[256];
  int resampled; /* of loaded: position embeddings resampled to pos_grid */
} geocl_load_report;

/* Load by name what a file has of the entries, for pre-trained starts:
 * file names are first renamed by map ("FROM=TO": a name starting with FROM
 * is read as TO + the rest); an entry i with required[i] set must be in the
 * file (required may be NULL); a tensor of another shape is an error, but
 * for position embeddings resampled to pos_grid; file
 * tensors without an entry are skipped.  Nothing is modified on error. */
typedef struct geocl_params_load_opts {
  const char *const *map;
  int n_map;
  const bool *required;
  /* The model's token grid (rows, columns), or 0: an entry named ...pos_embed
   * of shape [rows*columns, D] takes the file's table of a square grid
   * [s*s, D] resampled to it, as naver/croco models/pos_embed.py
   * interpolate_pos_embed (bicubic, align_corners false). */
  int64_t pos_grid[2];
} geocl_params_load_opts;
geocl_status geocl_params_load_partial(geocl_params *p, const char *path, const geocl_params_load_opts *o,
                                       geocl_load_report *report);

#ifdef __cplusplus
}
#endif
#endif
