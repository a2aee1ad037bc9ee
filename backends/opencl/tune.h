/* SPDX-License-Identifier: MIT */
/* What the GEMM (gemm_tune.c, gemm_clblast_tune.c) and attention
 * (attention_tune.c) tuners share: the margin, the interleaved timing of
 * candidates and random operands.  What they find goes to the device's tables
 * and cache file (tune_cache.h). */
#ifndef GEOCL_OCL_TUNE_H
#define GEOCL_OCL_TUNE_H

#include <stddef.h>

#include "ocl.h"

/* Another choice replaces the untuned one only when this much faster, in
 * the stage that finds it and again in a confirming round, so that noise
 * cannot make a tuned run slower than an untuned one.  (On a shared machine
 * the ranking of close variants changes with the load on it: with 3% and no
 * confirmation, three of seven shapes tuned in a quiet minute ran 7–21%
 * slower than untuned in a busy one: docs/performance.md.) */
#define OCL_TUNE_MARGIN 0.90

/* Candidates to time: run(user, i) enqueues candidate i; name(user, i)
 * describes it for the log. */
typedef struct ocl_tune_candidates {
  geocl_status (*run)(ocl_backend *ob, void *user, int i);
  void (*name)(void *user, int i, char *buf, size_t size);
  void *user;
} ocl_tune_candidates;

/* Median seconds per call of candidates 0 … n-1 into median[] (< 0: it
 * cannot run here): one untimed call each (which builds), then `repeat`
 * rounds of one timed call of each, so that a machine whose speed drifts
 * (other jobs, clocks) slows every candidate alike. */
geocl_status ocl_tune_round_robin(ocl_backend *ob, const ocl_tune_candidates *c, int n, int repeat, double *median);

/* n uniform random floats in a new buffer */
geocl_status ocl_tune_random_buffer(ocl_backend *ob, size_t n, cl_mem *out);

#endif
