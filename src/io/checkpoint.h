/* SPDX-License-Identifier: MIT */
/* Checks shared by the loaders of named tensors (parameters, optimizer
 * state). */
#ifndef GEOCL_CHECKPOINT_H
#define GEOCL_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include <geocl/safetensors.h>

typedef struct ckpt_tensor {
  const char *name;
  int ndim;
  const int64_t *shape;
  bool integer_ok; /* an integer dtype is fine too (counters: torch's int64 num_batches_tracked) */
} ckpt_tensor;

/* GEOCL_OK when f holds exactly the tensors of `want`, each with its shape
 * and a floating-point dtype (F32, F16, BF16, F64), or an integer one where
 * integer_ok.  Otherwise E_SHAPE with
 * one line "<file>: does not match <what>: 2 missing (a, b); 1 unexpected (c);
 * 1 with another shape (d [4] instead of [5])" listing the first few of each. */
geocl_status ckpt_check_tensors(const geocl_st_file *f, const char *what, int n, const ckpt_tensor *want);

/* geocl_st_verify, unless $GEOCL_CHECKSUMS is "off" (to load large files
 * faster, trusting the storage). */
geocl_status ckpt_verify(const geocl_st_file *f);

/* GEOCL_OK when the n floats of tensor `name` are finite (and >= 0 when
 * non_negative); else E_NUMERIC "<path>: tensor 'name' holds NaN at element
 * i" (or inf, or a negative value). */
geocl_status ckpt_check_values(const char *path, const char *name, const float *x, size_t n, bool non_negative);

#endif
