/* SPDX-License-Identifier: MIT */
/* Counting a context's backend calls, to prove that an operation enqueues no
 * device work (zero_grad) or never waits for the device (optimizer step). */
#ifndef GEOCL_TEST_CALL_COUNTER_H
#define GEOCL_TEST_CALL_COUNTER_H

#include <geocl/geocl.h>

typedef struct call_counts {
  int download, sync; /* the calls that wait for the device */
  int upload, fill, copy;
  int kernels; /* unary, sum, clip_coef */
  int updates; /* adamw, sgd */
} call_counts;

/* Route ctx's backend calls through counters (one context at a time); the
 * returned counts can be reset by the caller at any point. */
call_counts *count_backend_calls(geocl_ctx *ctx);

#endif
