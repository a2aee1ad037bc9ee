/* SPDX-License-Identifier: MIT */
/* Named batches: the standard field names, lookups and the upload of a
 * loader's host batch. */
#include <stdio.h>
#include <string.h>

#include <geocl/data.h>

static const char *const field_names[GEOCL_FIELD_COUNT] = {"image1", "image2", "mask", "depth", "disparity",
                                                           "flow", "valid", "points", "lidar2img", "pose"};

const char *geocl_field_name(geocl_field f) {
  return (int)f >= 0 && f < GEOCL_FIELD_COUNT ? field_names[f] : NULL;
}

int geocl_field_of(const char *name) {
  for (int i = 0; name && i < GEOCL_FIELD_COUNT; i++)
    if (!strcmp(name, field_names[i])) return i;
  return -1;
}

geocl_fields geocl_fields_of(const char *const *names) {
  geocl_fields set = 0;
  for (int i = 0; names && names[i]; i++) {
    int f = geocl_field_of(names[i]);
    if (f >= 0) set |= 1u << f;
  }
  return set;
}

const char *geocl_fields_str(geocl_fields set, char *buf, size_t size) {
  size_t used = 0;
  buf[0] = 0;
  for (int i = 0; i < GEOCL_FIELD_COUNT; i++)
    if (set & (1u << i) && used < size) {
      int k = snprintf(buf + used, size - used, "%s%s", used ? ", " : "", field_names[i]);
      used += k > 0 ? (size_t)k : 0;
    }
  if (!used) snprintf(buf, size, "nothing");
  return buf;
}

geocl_tensor *geocl_batch_get(const geocl_batch *b, const char *name) {
  for (int i = 0; b && i < b->n; i++)
    if (!strcmp(b->names[i], name)) return b->tensors[i];
  return NULL;
}

geocl_tensor *geocl_batch_require(const geocl_batch *b, const char *task, const char *name) {
  geocl_tensor *t = geocl_batch_get(b, name);
  if (!t) geocl_set_error(GEOCL_E_INVALID, "%s: the batch has no field '%s'", task, name);
  return t;
}

geocl_status geocl_batch_set(geocl_batch *b, const char *name, geocl_tensor *t) {
  if (!t) return geocl_last_status();
  for (int i = 0; i < b->n; i++)
    if (!strcmp(b->names[i], name)) {
      b->tensors[i] = t;
      return GEOCL_OK;
    }
  if (b->n == GEOCL_BATCH_MAX_FIELDS)
    return geocl_set_error(GEOCL_E_INVALID, "batch: no room for field '%s' (at most %d fields)", name,
                           GEOCL_BATCH_MAX_FIELDS);
  b->names[b->n] = name;
  b->tensors[b->n++] = t;
  return GEOCL_OK;
}

geocl_status geocl_batch_upload(geocl_ctx *ctx, const geocl_host_batch *host, bool training, int64_t step,
                                geocl_batch *out) {
  memset(out, 0, sizeof *out);
  out->size = host->batch;
  out->info = host->info;
  out->training = training;
  out->step = step;
  for (int i = 0; i < host->n; i++) {
    const geocl_field_layout *f = &host->fields[i];
    int64_t shape[GEOCL_MAX_DIMS] = {host->batch};
    memcpy(shape + 1, f->shape, sizeof(int64_t) * (size_t)f->ndim);
    geocl_status st = geocl_batch_set(out, f->name, geocl_from_host(ctx, f->dtype, f->ndim + 1, shape, host->data[i]));
    if (st != GEOCL_OK) return st;
  }
  return GEOCL_OK;
}
