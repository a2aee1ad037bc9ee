/* SPDX-License-Identifier: MIT */
/* The reference backend: host memory buffers and the kernel table. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/internal.h"
#include "ref.h"

static void ref_destroy(geocl_backend *be) { free(be); }

static geocl_status ref_alloc(geocl_backend *be, size_t bytes, void **mem) {
  *mem = malloc(bytes ? bytes : 1);
  if (!*mem) return geocl_set_error(GEOCL_E_DEVICE_NOMEM, "reference backend: out of host memory (%zu bytes)", bytes);
  return GEOCL_OK;
}

static void ref_free(geocl_backend *be, void *mem) { free(mem); }

static geocl_status ref_upload(geocl_backend *be, void *mem, size_t off, const void *src, size_t bytes) {
  memcpy((char *)mem + off, src, bytes);
  return GEOCL_OK;
}

static geocl_status ref_download(geocl_backend *be, void *mem, size_t off, void *dst, size_t bytes) {
  memcpy(dst, (const char *)mem + off, bytes);
  return GEOCL_OK;
}

static geocl_status ref_sync(geocl_backend *be) { return GEOCL_OK; }

static const geocl_backend_ops ref_ops = {
    .destroy = ref_destroy,
    .alloc = ref_alloc,
    .free = ref_free,
    .upload = ref_upload,
    .download = ref_download,
    .sync = ref_sync,
#define REF_KERNEL_ENTRY(name, params) .name = ref_##name,
    GEOCL_BACKEND_KERNELS(REF_KERNEL_ENTRY)
#undef REF_KERNEL_ENTRY
};

bool geocl_reference_is(const geocl_backend *be) { return be->ops == &ref_ops; }

geocl_status geocl_reference_open(geocl_backend **out) {
  geocl_backend *be = calloc(1, sizeof *be);
  if (!be) return geocl_set_error(GEOCL_E_NOMEM, "out of memory opening the reference backend");
  be->name = "reference";
  be->ops = &ref_ops;
  geocl_device_info *d = &be->device;
  strcpy(d->name, "reference (plain C, host memory)");
  strcpy(d->vendor, "geocl");
  strcpy(d->platform, "built in");
  strcpy(d->driver, GEOCL_VERSION);
  strcpy(d->version, "double-accumulating oracle");
  strcpy(d->type, "HOST");
  long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGESIZE);
  if (pages > 0 && page > 0) d->global_mem_bytes = (uint64_t)pages * (uint64_t)page; /* its memory is the host's */
  *out = be;
  return GEOCL_OK;
}
