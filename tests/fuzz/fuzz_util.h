/* SPDX-License-Identifier: MIT */
/* Shared by the fuzz targets: most readers take a path, so an input becomes a
 * file in a scratch directory of the process. */
#ifndef GEOCL_FUZZ_UTIL_H
#define GEOCL_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

/* The process's scratch directory (made on first use under $TMPDIR or /tmp,
 * removed at exit). */
const char *fuzz_dir(void);
/* Write data to fuzz_dir()/name (replacing it); returns the path, valid until
 * the next call. */
const char *fuzz_file(const char *name, const uint8_t *data, size_t size);
/* Quiet the library's log (warnings about skipped lines are expected). */
void fuzz_quiet(void);

#endif
