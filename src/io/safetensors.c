/* SPDX-License-Identifier: MIT */
/* Safetensors: dtypes and the validating reader (the writer is in
 * safetensors_write.c). */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <geocl/safetensors.h>

#include <geocl/fileio.h>
#include "ops/ops_internal.h"

_Static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__, "safetensors data is little-endian; this host is not");

/* The largest header accepted (the reference implementation's limit). */
#define MAX_HEADER_BYTES ((uint64_t)100 << 20)

static const struct {
  const char *name;
  size_t size;
} dtypes[GEOCL_ST_DTYPE_COUNT] = {
    [GEOCL_ST_BOOL] = {"BOOL", 1},       [GEOCL_ST_U8] = {"U8", 1},     [GEOCL_ST_I8] = {"I8", 1},
    [GEOCL_ST_F8_E4M3] = {"F8_E4M3", 1}, [GEOCL_ST_F8_E5M2] = {"F8_E5M2", 1}, [GEOCL_ST_U16] = {"U16", 2},
    [GEOCL_ST_I16] = {"I16", 2},         [GEOCL_ST_F16] = {"F16", 2},   [GEOCL_ST_BF16] = {"BF16", 2},
    [GEOCL_ST_U32] = {"U32", 4},         [GEOCL_ST_I32] = {"I32", 4},   [GEOCL_ST_F32] = {"F32", 4},
    [GEOCL_ST_U64] = {"U64", 8},         [GEOCL_ST_I64] = {"I64", 8},   [GEOCL_ST_F64] = {"F64", 8},
};

const char *geocl_st_dtype_name(geocl_st_dtype dt) {
  return (unsigned)dt < GEOCL_ST_DTYPE_COUNT ? dtypes[dt].name : "?";
}

size_t geocl_st_dtype_size(geocl_st_dtype dt) { return (unsigned)dt < GEOCL_ST_DTYPE_COUNT ? dtypes[dt].size : 0; }

static bool dtype_from_name(const char *name, geocl_st_dtype *out) {
  for (int i = 0; i < GEOCL_ST_DTYPE_COUNT; i++)
    if (!strcmp(dtypes[i].name, name)) {
      *out = (geocl_st_dtype)i;
      return true;
    }
  return false;
}

int64_t geocl_st_numel(const geocl_st_info *t) {
  int64_t n = 1;
  for (int i = 0; i < t->ndim; i++) n *= t->shape[i];
  return n;
}

/* --- reader --- */

struct geocl_st_file {
  char *path;
  int fd;
  uint64_t data_start, data_size;
  int n;
  geocl_st_info *tensors;
  const geocl_st_info **by_name; /* sorted by name */
  int n_meta;
  geocl_st_kv *meta;
};

static geocl_status fail(geocl_status st, const char *path, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static geocl_status fail(geocl_status st, const char *path, const char *fmt, ...) {
  char msg[768];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  return geocl_set_error(st, "%s: %s", path, msg);
}

void geocl_st_close(geocl_st_file *f) {
  if (!f) return;
  if (f->fd >= 0) close(f->fd);
  for (int i = 0; i < f->n; i++) free((char *)f->tensors[i].name);
  for (int i = 0; i < f->n_meta; i++) {
    free((char *)f->meta[i].key);
    free((char *)f->meta[i].value);
  }
  free(f->tensors);
  free(f->by_name);
  free(f->meta);
  free(f->path);
  free(f);
}

static bool read_at(int fd, void *dst, size_t bytes, uint64_t off) {
  char *p = dst;
  while (bytes > 0) {
    ssize_t r = pread(fd, p, bytes, (off_t)off);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    p += r;
    bytes -= (size_t)r;
    off += (uint64_t)r;
  }
  return true;
}

/* A non-negative JSON integer. */
static bool json_u64(json_object *o, uint64_t *out) {
  if (!json_object_is_type(o, json_type_int) || json_object_get_int64(o) < 0) return false;
  *out = json_object_get_uint64(o);
  return true;
}

static geocl_status parse_metadata(geocl_st_file *f, json_object *meta) {
  if (!json_object_is_type(meta, json_type_object))
    return fail(GEOCL_E_FORMAT, f->path, "__metadata__ is not a JSON object");
  f->meta = calloc((size_t)json_object_object_length(meta) + 1, sizeof *f->meta);
  if (!f->meta) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading the header", f->path);
  json_object_object_foreach(meta, key, val) {
    if (!json_object_is_type(val, json_type_string))
      return fail(GEOCL_E_FORMAT, f->path, "__metadata__ value of '%s' is not a string", key);
    geocl_st_kv *kv = &f->meta[f->n_meta++];
    kv->key = strdup(key);
    kv->value = strdup(json_object_get_string(val));
    if (!kv->key || !kv->value) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading the header", f->path);
  }
  return GEOCL_OK;
}

static geocl_status parse_tensor(geocl_st_file *f, const char *name, json_object *val, geocl_st_info *t) {
  const char *path = f->path;
  t->name = strdup(name);
  if (!t->name) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading the header", path);
  if (!json_object_is_type(val, json_type_object))
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': entry is not a JSON object", name);
  json_object *dtype, *shape, *offsets;
  if (!json_object_object_get_ex(val, "dtype", &dtype) || !json_object_is_type(dtype, json_type_string))
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': missing or non-string \"dtype\"", name);
  if (!dtype_from_name(json_object_get_string(dtype), &t->dtype))
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': unknown dtype '%s'", name, json_object_get_string(dtype));
  if (!json_object_object_get_ex(val, "shape", &shape) || !json_object_is_type(shape, json_type_array))
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': missing or non-array \"shape\"", name);
  size_t nd = json_object_array_length(shape);
  if (nd > GEOCL_ST_MAX_DIMS)
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': %zu dimensions (at most %d supported)", name, nd,
                GEOCL_ST_MAX_DIMS);
  t->ndim = (int)nd;
  /* the product of the non-zero sizes must fit, so that no partial product
   * overflows whatever the order (a zero size does not make [2^62, 4, 0] valid) */
  int64_t nonzero = 1;
  for (size_t i = 0; i < nd; i++) {
    uint64_t d;
    if (!json_u64(json_object_array_get_idx(shape, i), &d) || d > INT64_MAX)
      return fail(GEOCL_E_FORMAT, path, "tensor '%s': shape entry %zu is not a non-negative integer", name, i);
    t->shape[i] = (int64_t)d;
    if (d > 0 && __builtin_mul_overflow(nonzero, (int64_t)d, &nonzero))
      return fail(GEOCL_E_FORMAT, path, "tensor '%s': shape overflows 64 bits", name);
  }
  uint64_t bytes;
  if (__builtin_mul_overflow((uint64_t)geocl_st_numel(t), (uint64_t)geocl_st_dtype_size(t->dtype), &bytes))
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': size overflows 64 bits", name);
  if (!json_object_object_get_ex(val, "data_offsets", &offsets) || !json_object_is_type(offsets, json_type_array) ||
      json_object_array_length(offsets) != 2 || !json_u64(json_object_array_get_idx(offsets, 0), &t->begin) ||
      !json_u64(json_object_array_get_idx(offsets, 1), &t->end) || t->begin > t->end)
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': \"data_offsets\" is not [begin, end] with 0 <= begin <= end",
                name);
  if (t->end - t->begin != bytes) {
    char s[160];
    ops_shape_str(t->ndim, t->shape, s, sizeof s);
    return fail(GEOCL_E_FORMAT, path, "tensor '%s': data_offsets [%llu, %llu] do not match shape %s of %s (%llu bytes)",
                name, (unsigned long long)t->begin, (unsigned long long)t->end, s, geocl_st_dtype_name(t->dtype),
                (unsigned long long)bytes);
  }
  if (t->end > f->data_size)
    return fail(GEOCL_E_FORMAT, path,
                "tensor '%s': data_offsets [%llu, %llu] run past the end of the data (%llu bytes)", name, (unsigned long long)t->begin, (unsigned long long)t->end, (unsigned long long)f->data_size);
  return GEOCL_OK;
}

static int by_begin(const void *a, const void *b) {
  const geocl_st_info *x = *(const geocl_st_info *const *)a, *y = *(const geocl_st_info *const *)b;
  if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
  return x->end < y->end ? -1 : x->end > y->end;
}

static int by_name(const void *a, const void *b) {
  return strcmp((*(const geocl_st_info *const *)a)->name, (*(const geocl_st_info *const *)b)->name);
}

/* The tensors must tile the data section: sorted by offset, each starts where
 * the previous ended and the last ends at the end of the file.  (This also
 * catches duplicate names, which the JSON parser merges, leaving a hole.) */
static geocl_status check_tiling(geocl_st_file *f) {
  const geocl_st_info **order = malloc(sizeof *order * (size_t)(f->n + 1));
  if (!order) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading the header", f->path);
  for (int i = 0; i < f->n; i++) order[i] = &f->tensors[i];
  qsort(order, (size_t)f->n, sizeof *order, by_begin);
  geocl_status st = GEOCL_OK;
  uint64_t pos = 0;
  const geocl_st_info *prev = NULL;
  for (int k = 0; k < f->n && st == GEOCL_OK; k++) {
    const geocl_st_info *t = order[k];
    if (t->begin < pos)
      st = fail(GEOCL_E_FORMAT, f->path, "tensors '%s' [%llu, %llu] and '%s' [%llu, %llu] overlap", prev->name,
                (unsigned long long)prev->begin, (unsigned long long)prev->end, t->name,
                (unsigned long long)t->begin, (unsigned long long)t->end);
    else if (t->begin > pos)
      st = fail(GEOCL_E_FORMAT, f->path, "%llu bytes before tensor '%s' [%llu, %llu] belong to no tensor",
                (unsigned long long)(t->begin - pos), t->name, (unsigned long long)t->begin,
                (unsigned long long)t->end);
    pos = t->end;
    prev = t;
  }
  if (st == GEOCL_OK && pos != f->data_size)
    st = fail(GEOCL_E_FORMAT, f->path, "the data section has %llu bytes but its tensors end at byte %llu",
              (unsigned long long)f->data_size, (unsigned long long)pos);
  free(order);
  return st;
}

static geocl_status parse_header(geocl_st_file *f, const char *text, size_t len) {
  json_tokener *tok = json_tokener_new();
  if (!tok) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading the header", f->path);
  json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS | JSON_TOKENER_VALIDATE_UTF8);
  json_object *root = json_tokener_parse_ex(tok, text, (int)len);
  enum json_tokener_error jerr = json_tokener_get_error(tok);
  size_t end = json_tokener_get_parse_end(tok);
  json_tokener_free(tok);
  geocl_status st = GEOCL_OK;
  if (!root || jerr != json_tokener_success)
    st = fail(GEOCL_E_FORMAT, f->path, "header is not valid JSON (%s near byte %zu)",
              jerr == json_tokener_continue ? "unexpected end" : json_tokener_error_desc(jerr), 8 + end);
  for (size_t i = end; st == GEOCL_OK && i < len; i++)
    if (text[i] != ' ' && text[i] != '\n' && text[i] != '\r' && text[i] != '\t')
      st = fail(GEOCL_E_FORMAT, f->path, "unexpected byte 0x%02x after the header JSON at byte %zu",
                (unsigned char)text[i], 8 + i);
  if (st == GEOCL_OK && !json_object_is_type(root, json_type_object))
    st = fail(GEOCL_E_FORMAT, f->path, "header is not a JSON object");
  if (st == GEOCL_OK) {
    size_t n = (size_t)json_object_object_length(root);
    f->tensors = calloc(n + 1, sizeof *f->tensors);
    f->by_name = calloc(n + 1, sizeof *f->by_name);
    if (!f->tensors || !f->by_name)
      st = geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading the header", f->path);
  }
  if (st == GEOCL_OK) {
    json_object_object_foreach(root, key, val) {
      if (!strcmp(key, "__metadata__")) st = parse_metadata(f, val);
      else {
        f->by_name[f->n] = &f->tensors[f->n];
        st = parse_tensor(f, key, val, &f->tensors[f->n++]);
      }
      if (st != GEOCL_OK) break;
    }
  }
  json_object_put(root);
  if (st == GEOCL_OK) st = check_tiling(f);
  if (st == GEOCL_OK) qsort(f->by_name, (size_t)f->n, sizeof *f->by_name, by_name);
  return st;
}

geocl_status geocl_st_open(const char *path, geocl_st_file **out) {
  *out = NULL;
  geocl_st_file *f = calloc(1, sizeof *f);
  if (!f || !(f->path = strdup(path))) {
    free(f);
    return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
  }
  uint64_t size = 0;
  f->fd = geocl_open_regular(path, &size);
  geocl_status st = f->fd < 0 ? geocl_last_status() : GEOCL_OK;
  unsigned char len_bytes[8];
  uint64_t n = 0;
  if (st == GEOCL_OK && size < 8)
    st = fail(GEOCL_E_FORMAT, path, "not a safetensors file (%llu bytes, too short for the 8-byte header length)",
              (unsigned long long)size);
  else if (st == GEOCL_OK && !read_at(f->fd, len_bytes, 8, 0))
    st = fail(GEOCL_E_IO, path, "cannot read the header length: %s", errno ? strerror(errno) : "short read");
  if (st == GEOCL_OK) {
    for (int i = 7; i >= 0; i--) n = n << 8 | len_bytes[i];
    if (n < 2 || n > size - 8) /* what any other file's first 8 bytes give */
      st = fail(GEOCL_E_FORMAT, path, "not a safetensors file (its first 8 bytes give a header length of %llu, "
                "which does not fit its %llu bytes)", (unsigned long long)n, (unsigned long long)size);
    else if (n > MAX_HEADER_BYTES)
      st = fail(GEOCL_E_FORMAT, path, "header length %llu exceeds the %llu-byte limit", (unsigned long long)n,
                (unsigned long long)MAX_HEADER_BYTES);
  }
  char *text = NULL;
  if (st == GEOCL_OK && !(text = malloc(n)))
    st = geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory for a %llu-byte header", path, (unsigned long long)n);
  if (st == GEOCL_OK && !read_at(f->fd, text, n, 8))
    st = fail(GEOCL_E_IO, path, "cannot read the header: %s", errno ? strerror(errno) : "short read");
  if (st == GEOCL_OK) {
    f->data_start = 8 + n;
    f->data_size = size - f->data_start;
    st = parse_header(f, text, n);
  }
  free(text);
  if (st != GEOCL_OK) {
    geocl_st_close(f);
    return st;
  }
  *out = f;
  return GEOCL_OK;
}

const char *geocl_st_path(const geocl_st_file *f) { return f->path; }
int geocl_st_count(const geocl_st_file *f) { return f->n; }

const geocl_st_info *geocl_st_at(const geocl_st_file *f, int i) {
  return i >= 0 && i < f->n ? &f->tensors[i] : NULL;
}

const geocl_st_info *geocl_st_find(const geocl_st_file *f, const char *name) {
  int lo = 0, hi = f->n;
  while (lo < hi) {
    int mid = lo + (hi - lo) / 2;
    int c = strcmp(f->by_name[mid]->name, name);
    if (c == 0) return f->by_name[mid];
    if (c < 0) lo = mid + 1;
    else hi = mid;
  }
  geocl_set_error(GEOCL_E_NOT_FOUND, "%s: no tensor '%s'", f->path, name);
  return NULL;
}

const char *geocl_st_meta(const geocl_st_file *f, const char *key) {
  for (int i = 0; i < f->n_meta; i++)
    if (!strcmp(f->meta[i].key, key)) return f->meta[i].value;
  return NULL;
}

int geocl_st_meta_count(const geocl_st_file *f) { return f->n_meta; }

geocl_st_kv geocl_st_meta_at(const geocl_st_file *f, int i) {
  return i >= 0 && i < f->n_meta ? f->meta[i] : (geocl_st_kv){NULL, NULL};
}

geocl_status geocl_st_read_raw(const geocl_st_file *f, const geocl_st_info *t, void *dst, size_t bytes) {
  if (bytes != t->end - t->begin)
    return fail(GEOCL_E_INVALID, f->path, "tensor '%s' has %llu bytes, the buffer %zu", t->name,
                (unsigned long long)(t->end - t->begin), bytes);
  if (bytes && !read_at(f->fd, dst, bytes, f->data_start + t->begin))
    return fail(GEOCL_E_IO, f->path, "tensor '%s': cannot read %zu bytes: %s", t->name, bytes,
                errno ? strerror(errno) : "the file is shorter than when it was opened");
  return GEOCL_OK;
}

geocl_status geocl_st_verify(const geocl_st_file *f) {
  const char *recorded = geocl_st_meta(f, GEOCL_ST_CRC32_KEY);
  if (!recorded) return GEOCL_OK;
  char *end;
  unsigned long want = strtoul(recorded, &end, 16);
  if (strlen(recorded) != 8 || *end || strspn(recorded, "0123456789abcdefABCDEF") != 8)
    return fail(GEOCL_E_FORMAT, f->path, "metadata %s '%s' is not 8 hex digits", GEOCL_ST_CRC32_KEY, recorded);
  enum { CHUNK = 1 << 20 };
  unsigned char *buf = malloc(CHUNK);
  if (!buf) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory verifying the data", f->path);
  uLong crc = crc32_z(0, Z_NULL, 0);
  geocl_status st = GEOCL_OK;
  for (uint64_t at = 0; at < f->data_size && st == GEOCL_OK; at += CHUNK) {
    size_t n = f->data_size - at < CHUNK ? (size_t)(f->data_size - at) : CHUNK;
    if (!read_at(f->fd, buf, n, f->data_start + at))
      st = fail(GEOCL_E_IO, f->path, "cannot read the data at byte %llu: %s", (unsigned long long)(f->data_start + at),
                errno ? strerror(errno) : "the file is shorter than when it was opened");
    else
      crc = crc32_z(crc, buf, n);
  }
  free(buf);
  if (st == GEOCL_OK && crc != want)
    st = fail(GEOCL_E_FORMAT, f->path, "data checksum %08lx, but %s records %s: the file is corrupt",
              (unsigned long)crc, GEOCL_ST_CRC32_KEY, recorded);
  return st;
}

static float half_to_float(uint16_t h) {
  uint32_t sign = (uint32_t)(h >> 15) << 31, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
  if (exp == 0x1f) bits = sign | 0x7f800000u | (man << 13); /* inf, nan */
  else if (exp != 0) bits = sign | ((exp + 112) << 23) | (man << 13);
  else if (man == 0) bits = sign;
  else { /* subnormal: normalise */
    int e = -1;
    do {
      man <<= 1;
      e++;
    } while (!(man & 0x400));
    bits = sign | ((uint32_t)(112 - e) << 23) | ((man & 0x3ff) << 13);
  }
  float x;
  memcpy(&x, &bits, 4);
  return x;
}

static float bf16_to_float(uint16_t b) {
  uint32_t bits = (uint32_t)b << 16;
  float x;
  memcpy(&x, &bits, 4);
  return x;
}

/* n elements of raw data of type dt as floats (the F8 types excluded). */
static void to_float(geocl_st_dtype dt, const void *raw, size_t n, float *dst) {
#define CONVERT(type, expr)                      \
  do {                                           \
    const type *s = raw;                         \
    for (size_t i = 0; i < n; i++) dst[i] = expr; \
  } while (0)
  switch (dt) {
  case GEOCL_ST_F32: memcpy(dst, raw, n * 4); break;
  case GEOCL_ST_F16: CONVERT(uint16_t, half_to_float(s[i])); break;
  case GEOCL_ST_BF16: CONVERT(uint16_t, bf16_to_float(s[i])); break;
  case GEOCL_ST_F64: CONVERT(double, (float)s[i]); break;
  case GEOCL_ST_BOOL: CONVERT(uint8_t, s[i] ? 1.0f : 0.0f); break;
  case GEOCL_ST_U8: CONVERT(uint8_t, (float)s[i]); break;
  case GEOCL_ST_I8: CONVERT(int8_t, (float)s[i]); break;
  case GEOCL_ST_U16: CONVERT(uint16_t, (float)s[i]); break;
  case GEOCL_ST_I16: CONVERT(int16_t, (float)s[i]); break;
  case GEOCL_ST_U32: CONVERT(uint32_t, (float)s[i]); break;
  case GEOCL_ST_I32: CONVERT(int32_t, (float)s[i]); break;
  case GEOCL_ST_U64: CONVERT(uint64_t, (float)s[i]); break;
  case GEOCL_ST_I64: CONVERT(int64_t, (float)s[i]); break;
  default: break;
  }
#undef CONVERT
}

geocl_status geocl_st_read_f32(const geocl_st_file *f, const geocl_st_info *t, float *dst, size_t count) {
  if (count != (size_t)geocl_st_numel(t))
    return fail(GEOCL_E_INVALID, f->path, "tensor '%s' has %lld elements, the buffer %zu", t->name,
                (long long)geocl_st_numel(t), count);
  if (t->dtype == GEOCL_ST_F8_E4M3 || t->dtype == GEOCL_ST_F8_E5M2)
    return fail(GEOCL_E_UNSUPPORTED, f->path, "tensor '%s': cannot convert %s to f32", t->name,
                geocl_st_dtype_name(t->dtype));
  if (t->dtype == GEOCL_ST_F32) return geocl_st_read_raw(f, t, dst, count * 4);
  size_t bytes = (size_t)(t->end - t->begin);
  void *raw = malloc(bytes ? bytes : 1);
  if (!raw) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory reading tensor '%s'", f->path, t->name);
  geocl_status st = geocl_st_read_raw(f, t, raw, bytes);
  if (st == GEOCL_OK) to_float(t->dtype, raw, count, dst);
  free(raw);
  return st;
}
