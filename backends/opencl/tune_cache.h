/* SPDX-License-Identifier: MIT */
/* The device's tuning cache file (tune_cache.c) and the shape classes the
 * tables of tuned choices share (gemm_table.c, attention_table.c).
 *
 * The file is read once, when the device's context is created, into the
 * tables; launches look choices up in the tables only; the tuners (gemm_tune.c,
 * gemm_clblast_tune.c, attention_tune.c) put what they find into the tables
 * and have the file rewritten from them.  So, as CLBlast keeps its database
 * apart from its tuners, the file, the lookups and the tuners are three layers
 * that call only downwards. */
#ifndef GEOCL_OCL_TUNE_CACHE_H
#define GEOCL_OCL_TUNE_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "ocl.h"

/* With dev->lock held: read the device's cache file into its tables and
 * apply its CLBlast parameters (a missing or unreadable file leaves them
 * empty). */
void ocl_tune_cache_load(ocl_device *dev);
/* With dev->lock held: write what the device's tables hold to its cache file,
 * atomically; path gets its name ("" when caching is off). */
geocl_status ocl_tune_cache_write(ocl_device *dev, char *path, size_t size);
/* The reading of a cache without the file and without applying anything to
 * CLBlast: text's lines into the device's tables (text is modified; path
 * names it in warnings); ocl_tune_cache_clear empties the tables again. */
void ocl_tune_cache_parse(ocl_device *dev, const char *path, char *text);
void ocl_tune_cache_clear(ocl_device *dev);

/* Shape classes: log2(x) rounded down, and the larger of x/y and y/x (how far
 * apart two sizes of a class are). */
static inline int ocl_tune_bucket(int64_t x) {
  int b = 0;
  while (x > 1) {
    x >>= 1;
    b++;
  }
  return b;
}

static inline double ocl_tune_ratio(int64_t x, int64_t y) {
  return x > y ? (double)x / (double)y : (double)y / (double)x;
}

#endif
