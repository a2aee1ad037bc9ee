/* SPDX-License-Identifier: MIT */
/* Safetensors files: the checkpoint format.
 *
 * Layout: a u64 little-endian header length N, N bytes of JSON
 *   {"__metadata__": {str: str}, name: {"dtype", "shape", "data_offsets": [begin, end]}, ...}
 * (padded with spaces), then the data section; offsets count bytes from its
 * start, little-endian, row-major.
 *
 * Reading validates the whole header before anything is returned: header
 * length against the file size, JSON syntax, dtype names, shape × dtype size
 * against the data_offsets span, and that the tensors tile the data section
 * exactly (inside it, no overlaps, no holes).  Every error is one line naming
 * the file and the tensor.  Tensor data is read on request.
 *
 * Shapes whose non-zero sizes multiply past 2^63 are refused (a zero size
 * does not make [2^62, 4, 0] valid), so no product of sizes overflows.
 *
 * Writing collects tensors and metadata, then writes <path>.tmp.<pid>,
 * flushes and fsyncs it, renames it over <path> and fsyncs the directory; on
 * any failure the temporary file is removed and an existing <path> is left as
 * it was.  The writer records the CRC-32 (zlib's, as in PNG and gzip) of the
 * data section in the metadata under GEOCL_ST_CRC32_KEY, as 8 hex digits;
 * geocl_st_verify checks it. */
#ifndef GEOCL_SAFETENSORS_H
#define GEOCL_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include <geocl/status.h>
#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_st_dtype {
  GEOCL_ST_BOOL,
  GEOCL_ST_U8,
  GEOCL_ST_I8,
  GEOCL_ST_F8_E4M3,
  GEOCL_ST_F8_E5M2,
  GEOCL_ST_U16,
  GEOCL_ST_I16,
  GEOCL_ST_F16,
  GEOCL_ST_BF16,
  GEOCL_ST_U32,
  GEOCL_ST_I32,
  GEOCL_ST_F32,
  GEOCL_ST_U64,
  GEOCL_ST_I64,
  GEOCL_ST_F64,
  GEOCL_ST_DTYPE_COUNT
} geocl_st_dtype;

/* "F32", "BF16", ... as written in the header. */
const char *geocl_st_dtype_name(geocl_st_dtype dt);
size_t geocl_st_dtype_size(geocl_st_dtype dt);

#define GEOCL_ST_MAX_DIMS 8

typedef struct geocl_st_info {
  const char *name;
  geocl_st_dtype dtype;
  int ndim;
  int64_t shape[GEOCL_ST_MAX_DIMS];
  uint64_t begin, end; /* byte range within the data section */
} geocl_st_info;

int64_t geocl_st_numel(const geocl_st_info *t);

/* A metadata entry (also used to pass metadata to writers). */
typedef struct geocl_st_kv {
  const char *key;
  const char *value;
} geocl_st_kv;

/* --- reading --- */
typedef struct geocl_st_file geocl_st_file;

geocl_status geocl_st_open(const char *path, geocl_st_file **out);
void geocl_st_close(geocl_st_file *f);
const char *geocl_st_path(const geocl_st_file *f);
/* Tensors in header order. */
int geocl_st_count(const geocl_st_file *f);
const geocl_st_info *geocl_st_at(const geocl_st_file *f, int i);
/* NULL (with E_NOT_FOUND set) when the file has no tensor of that name. */
const geocl_st_info *geocl_st_find(const geocl_st_file *f, const char *name);
/* Value of a __metadata__ key, or NULL. */
const char *geocl_st_meta(const geocl_st_file *f, const char *key);
int geocl_st_meta_count(const geocl_st_file *f);
geocl_st_kv geocl_st_meta_at(const geocl_st_file *f, int i);
/* Read a tensor converted to f32 (from F32, F16, BF16, F64, the integer
 * types and BOOL); count must equal its number of elements. */
geocl_status geocl_st_read_f32(const geocl_st_file *f, const geocl_st_info *t, float *dst, size_t count);
/* Read a tensor's bytes as stored; bytes must equal end − begin. */
geocl_status geocl_st_read_raw(const geocl_st_file *f, const geocl_st_info *t, void *dst, size_t bytes);

#define GEOCL_ST_CRC32_KEY "data_crc32"
/* Read the whole data section and compare its CRC-32 with the one the
 * metadata records: E_FORMAT "<file>: data checksum ... : the file is
 * corrupt" when they differ, or when the recorded value is not 8 hex digits.
 * A file without one (written by another tool) passes. */
geocl_status geocl_st_verify(const geocl_st_file *f);

/* --- writing --- */
typedef struct geocl_st_writer geocl_st_writer;

geocl_st_writer *geocl_st_writer_new(void);
void geocl_st_writer_free(geocl_st_writer *w);
/* Add a tensor from host memory (numel × dtype size bytes, little-endian).
 * The data is not copied: it must stay valid until geocl_st_writer_write. */
geocl_status geocl_st_writer_add(geocl_st_writer *w, const char *name, geocl_st_dtype dtype, int ndim,
                                 const int64_t *shape, const void *data);
/* Add a device tensor (f32 or i32), downloaded now into the writer's memory. */
geocl_status geocl_st_writer_add_tensor(geocl_st_writer *w, const char *name, const geocl_tensor *t);
/* Set a __metadata__ entry (copied; a second call with the same key replaces it). */
geocl_status geocl_st_writer_set_meta(geocl_st_writer *w, const char *key, const char *value);
/* Write the file atomically (see the top of this header). */
geocl_status geocl_st_writer_write(geocl_st_writer *w, const char *path);

#ifdef __cplusplus
}
#endif
#endif
