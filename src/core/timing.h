/* SPDX-License-Identifier: MIT */
/* Wall-clock time and medians for the timers of the trainer, the
 * benchmarks and the GEMM tuner (exported for the CLI and the backends; not
 * part of the public headers). */
#ifndef GEOCL_TIMING_H
#define GEOCL_TIMING_H

/* Seconds on the monotonic clock. */
double geocl_clock_s(void);

/* The median of v[0..n) (n > 0), sorting v in place. */
double geocl_median(double *v, int n);

#endif
