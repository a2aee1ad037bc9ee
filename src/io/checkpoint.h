/* SPDX-License-Identifier: MIT */
/* Checks shared by the loaders of named tensors (parameters, optimizer
 * state). */
#ifndef GEOCL_CHECKPOINT_H
#define GEOCL_CHECKPOINT_H

#include <stdbool.h>

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

#endif
