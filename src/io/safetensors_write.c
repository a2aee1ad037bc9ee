/* SPDX-License-Identifier: MIT */
/* Safetensors writer: collect tensors and metadata, build the header with
 * json-c, write the file atomically. */
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include <geocl/log.h>
#include <geocl/safetensors.h>

typedef struct st_entry {
  char *name;
  geocl_st_dtype dtype;
  int ndim;
  int64_t shape[GEOCL_ST_MAX_DIMS];
  const void *data;
  void *owned; /* downloaded data the writer frees */
  size_t bytes;
} st_entry;

struct geocl_st_writer {
  int n, cap;
  st_entry *e;
  int n_meta, meta_cap;
  geocl_st_kv *meta;
};

geocl_st_writer *geocl_st_writer_new(void) {
  geocl_st_writer *w = calloc(1, sizeof *w);
  if (!w) geocl_set_error(GEOCL_E_NOMEM, "out of memory for a safetensors writer");
  return w;
}

void geocl_st_writer_free(geocl_st_writer *w) {
  if (!w) return;
  for (int i = 0; i < w->n; i++) {
    free(w->e[i].name);
    free(w->e[i].owned);
  }
  for (int i = 0; i < w->n_meta; i++) {
    free((char *)w->meta[i].key);
    free((char *)w->meta[i].value);
  }
  free(w->e);
  free(w->meta);
  free(w);
}

/* Grow an array of *cap elements of size elem to hold one more. */
static bool reserve(void **array, int *cap, int n, size_t elem) {
  if (n < *cap) return true;
  int c = *cap ? 2 * *cap : 16;
  void *p = realloc(*array, (size_t)c * elem);
  if (!p) return false;
  *array = p;
  *cap = c;
  return true;
}

static geocl_status add_entry(geocl_st_writer *w, const char *name, geocl_st_dtype dtype, int ndim,
                              const int64_t *shape, st_entry **out) {
  if (!name || !*name || !strcmp(name, "__metadata__"))
    return geocl_set_error(GEOCL_E_INVALID, "safetensors writer: invalid tensor name '%s'", name ? name : "(null)");
  if (geocl_st_dtype_size(dtype) == 0)
    return geocl_set_error(GEOCL_E_INVALID, "safetensors writer: tensor '%s': unknown dtype %d", name, (int)dtype);
  if (ndim < 0 || ndim > GEOCL_ST_MAX_DIMS)
    return geocl_set_error(GEOCL_E_SHAPE, "safetensors writer: tensor '%s': rank %d outside 0..%d", name, ndim,
                           GEOCL_ST_MAX_DIMS);
  size_t numel = 1;
  for (int i = 0; i < ndim; i++) {
    if (shape[i] < 0)
      return geocl_set_error(GEOCL_E_SHAPE, "safetensors writer: tensor '%s': negative size %lld", name,
                             (long long)shape[i]);
    numel *= (size_t)shape[i];
  }
  for (int i = 0; i < w->n; i++)
    if (!strcmp(w->e[i].name, name))
      return geocl_set_error(GEOCL_E_INVALID, "safetensors writer: tensor '%s' added twice", name);
  if (!reserve((void **)&w->e, &w->cap, w->n, sizeof *w->e))
    return geocl_set_error(GEOCL_E_NOMEM, "safetensors writer: out of memory");
  st_entry *e = &w->e[w->n];
  memset(e, 0, sizeof *e);
  if (!(e->name = strdup(name))) return geocl_set_error(GEOCL_E_NOMEM, "safetensors writer: out of memory");
  e->dtype = dtype;
  e->ndim = ndim;
  if (ndim) memcpy(e->shape, shape, sizeof(int64_t) * (size_t)ndim);
  e->bytes = numel * geocl_st_dtype_size(dtype);
  w->n++;
  *out = e;
  return GEOCL_OK;
}

geocl_status geocl_st_writer_add(geocl_st_writer *w, const char *name, geocl_st_dtype dtype, int ndim,
                                 const int64_t *shape, const void *data) {
  st_entry *e;
  geocl_status st = add_entry(w, name, dtype, ndim, shape, &e);
  if (st != GEOCL_OK) return st;
  if (!data && e->bytes) {
    free(e->name);
    w->n--;
    return geocl_set_error(GEOCL_E_INVALID, "safetensors writer: tensor '%s': no data", name);
  }
  e->data = data;
  return GEOCL_OK;
}

geocl_status geocl_st_writer_add_tensor(geocl_st_writer *w, const char *name, const geocl_tensor *t) {
  if (!t) return geocl_set_error(GEOCL_E_INVALID, "safetensors writer: tensor '%s' is NULL", name ? name : "");
  st_entry *e;
  geocl_status st = add_entry(w, name, geocl_tensor_dtype(t) == GEOCL_I32 ? GEOCL_ST_I32 : GEOCL_ST_F32,
                              geocl_ndim(t), geocl_shape(t), &e);
  if (st != GEOCL_OK) return st;
  e->owned = malloc(e->bytes ? e->bytes : 1);
  st = e->owned ? geocl_to_host(t, e->owned, e->bytes)
                : geocl_set_error(GEOCL_E_NOMEM, "safetensors writer: out of memory for tensor '%s'", name);
  if (st != GEOCL_OK) {
    free(e->owned);
    free(e->name);
    w->n--;
    return st;
  }
  e->data = e->owned;
  return GEOCL_OK;
}

geocl_status geocl_st_writer_set_meta(geocl_st_writer *w, const char *key, const char *value) {
  if (!key || !value) return geocl_set_error(GEOCL_E_INVALID, "safetensors writer: NULL metadata key or value");
  char *v = strdup(value);
  if (!v) return geocl_set_error(GEOCL_E_NOMEM, "safetensors writer: out of memory");
  for (int i = 0; i < w->n_meta; i++)
    if (!strcmp(w->meta[i].key, key)) {
      free((char *)w->meta[i].value);
      w->meta[i].value = v;
      return GEOCL_OK;
    }
  char *k = strdup(key);
  if (!k || !reserve((void **)&w->meta, &w->meta_cap, w->n_meta, sizeof *w->meta)) {
    free(k);
    free(v);
    return geocl_set_error(GEOCL_E_NOMEM, "safetensors writer: out of memory");
  }
  w->meta[w->n_meta++] = (geocl_st_kv){k, v};
  return GEOCL_OK;
}

/* Add val under key; false (val released) when either allocation failed. */
static bool put(json_object *obj, const char *key, json_object *val) {
  if (!obj || !val) {
    json_object_put(val);
    return false;
  }
  if (json_object_object_add(obj, key, val) != 0) {
    json_object_put(val);
    return false;
  }
  return true;
}

static bool append(json_object *array, json_object *val) {
  if (!val || json_object_array_add(array, val) != 0) {
    json_object_put(val);
    return false;
  }
  return true;
}

static json_object *tensor_json(const st_entry *e, uint64_t begin) {
  json_object *o = json_object_new_object(), *shape = json_object_new_array(), *offsets = json_object_new_array();
  bool ok = o && shape && offsets;
  for (int i = 0; ok && i < e->ndim; i++) ok = append(shape, json_object_new_int64(e->shape[i]));
  ok = ok && append(offsets, json_object_new_uint64(begin)) &&
       append(offsets, json_object_new_uint64(begin + e->bytes));
  ok = ok && put(o, "dtype", json_object_new_string(geocl_st_dtype_name(e->dtype)));
  if (ok) {
    ok = put(o, "shape", shape);
    shape = NULL;
  }
  if (ok) {
    ok = put(o, "data_offsets", offsets);
    offsets = NULL;
  }
  json_object_put(shape);
  json_object_put(offsets);
  if (!ok) {
    json_object_put(o);
    return NULL;
  }
  return o;
}

/* The header text, padded with spaces to a multiple of 8 bytes so the data
 * section is aligned (malloc'd; NULL when out of memory). */
static char *header_text(const geocl_st_writer *w, size_t *len) {
  json_object *root = json_object_new_object();
  bool ok = root != NULL;
  if (ok && w->n_meta) {
    json_object *meta = json_object_new_object();
    for (int i = 0; meta && i < w->n_meta && ok; i++)
      ok = put(meta, w->meta[i].key, json_object_new_string(w->meta[i].value));
    ok = ok && put(root, "__metadata__", meta);
  }
  uint64_t offset = 0;
  for (int i = 0; ok && i < w->n; i++) {
    ok = put(root, w->e[i].name, tensor_json(&w->e[i], offset));
    offset += w->e[i].bytes;
  }
  char *text = NULL;
  if (ok) {
    size_t n;
    const char *js =
        json_object_to_json_string_length(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);
    size_t padded = (n + 7) / 8 * 8;
    if (js && (text = malloc(padded))) {
      memcpy(text, js, n);
      memset(text + n, ' ', padded - n);
      *len = padded;
    }
  }
  json_object_put(root);
  return text;
}

static void sync_directory(const char *path) {
  char dir[4200];
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(dir, sizeof dir, ".");
  else if (slash == path) snprintf(dir, sizeof dir, "/");
  else snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  /* the file is in place already; a directory that cannot be synced only
   * weakens durability against a power cut */
  if (fd < 0 || (fsync(fd) != 0 && errno != EINVAL))
    geocl_warn("%s: cannot sync directory %s: %s", path, dir, strerror(errno));
  if (fd >= 0) close(fd);
}

geocl_status geocl_st_writer_write(geocl_st_writer *w, const char *path) {
  uLong crc = crc32_z(0, Z_NULL, 0);
  for (int i = 0; i < w->n; i++)
    if (w->e[i].bytes) crc = crc32_z(crc, w->e[i].data, w->e[i].bytes);
  char crc_text[16];
  snprintf(crc_text, sizeof crc_text, "%08lx", (unsigned long)crc);
  geocl_status st = geocl_st_writer_set_meta(w, GEOCL_ST_CRC32_KEY, crc_text);
  if (st != GEOCL_OK) return st;
  size_t hlen = 0;
  char *header = header_text(w, &hlen);
  if (!header) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory building the header", path);
  char tmp[4200];
  if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid()) >= sizeof tmp) {
    free(header);
    return geocl_set_error(GEOCL_E_IO, "%s: path too long", path);
  }
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  FILE *f = fd >= 0 ? fdopen(fd, "wb") : NULL;
  if (!f) {
    st = geocl_set_error(GEOCL_E_IO, "%s: cannot create %s: %s", path, tmp, strerror(errno));
    if (fd >= 0) {
      close(fd);
      unlink(tmp);
    }
    free(header);
    return st;
  }
  unsigned char len_bytes[8];
  for (int i = 0; i < 8; i++) len_bytes[i] = (unsigned char)((uint64_t)hlen >> (8 * i));
  bool ok = fwrite(len_bytes, 1, 8, f) == 8 && fwrite(header, 1, hlen, f) == hlen;
  for (int i = 0; ok && i < w->n; i++)
    ok = !w->e[i].bytes || fwrite(w->e[i].data, 1, w->e[i].bytes, f) == w->e[i].bytes;
  ok = ok && fflush(f) == 0 && fsync(fileno(f)) == 0;
  int err = errno;
  if (fclose(f) != 0 && ok) {
    ok = false;
    err = errno;
  }
  free(header);
  if (ok && rename(tmp, path) != 0) {
    ok = false;
    err = errno;
  }
  if (!ok) {
    unlink(tmp);
    return geocl_set_error(GEOCL_E_IO, "%s: writing failed (%s); the previous file, if any, is unchanged", path,
                           strerror(err));
  }
  sync_directory(path);
  return GEOCL_OK;
}
