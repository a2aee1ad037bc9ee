/* SPDX-License-Identifier: MIT */
/* Wall-clock time and medians, as the trainer, the benchmarks and the
 * OpenCL backend's tuners measure. */
#ifndef GEOCL_TIMING_H
#define GEOCL_TIMING_H

/* Seconds on the monotonic clock. */
double geocl_clock_s(void);

/* The median of v[0..n) (n > 0), sorting v in place. */
double geocl_median(double *v, int n);

#endif
