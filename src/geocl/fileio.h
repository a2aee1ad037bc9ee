/* SPDX-License-Identifier: MIT */
/* Whole-file reads, atomic whole-file writes and directory creation, as the
 * data readers and writers, the trainer and the OpenCL backend's caches use
 * them.  Errors name the path. */
#ifndef GEOCL_FILEIO_H
#define GEOCL_FILEIO_H

#include <stddef.h>
#include <stdint.h>

#include <geocl/status.h>

/* Open a file for reading; -1 (error set) when it cannot be opened or is not
 * a regular file (a FIFO, a device or a directory is refused at once rather
 * than blocking).  *size: its size. */
int geocl_open_regular(const char *path, uint64_t *size);

/* Read all of path into a malloc'd buffer (with one extra NUL byte after the
 * data, so text parsers can treat it as a string).  Files over max_bytes are
 * refused. */
geocl_status geocl_file_read_all(const char *path, size_t max_bytes, char **data, size_t *size);

/* geocl_file_read_all for a text file: one holding a NUL byte is refused
 * (parsers would stop there and silently ignore the rest). */
geocl_status geocl_text_read_all(const char *path, size_t max_bytes, char **data, size_t *size);

/* Write data to path so that readers see either the old file or the whole new
 * one: write a temporary file beside it, then rename it over path. */
geocl_status geocl_file_write_atomic(const char *path, const void *data, size_t size);

/* mkdir -p. */
geocl_status geocl_mkdir_p(const char *path);

#endif
