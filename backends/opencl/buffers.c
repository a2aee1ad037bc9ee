/* SPDX-License-Identifier: MIT */
/* Device buffers and host transfers. */
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

geocl_status ocl_alloc(geocl_backend *be, size_t bytes, void **mem) {
  ocl_backend *ob = ocl_of(be);
  if (bytes > ob->dev->info.max_alloc_bytes)
    return geocl_set_error(GEOCL_E_DEVICE_NOMEM, "a %zu-byte buffer exceeds the largest allocation %s allows (%llu bytes)",
                           bytes, ob->dev->info.name, (unsigned long long)ob->dev->info.max_alloc_bytes);
  cl_int err;
  cl_mem m = clCreateBuffer(ob->dev->context, CL_MEM_READ_WRITE, bytes, NULL, &err);
  if (err != CL_SUCCESS) return ocl_fail(err, "clCreateBuffer");
  *mem = m;
  return GEOCL_OK;
}

void ocl_free(geocl_backend *be, void *mem) { clReleaseMemObject((cl_mem)mem); }

static void CL_CALLBACK free_staging(cl_event ev, cl_int status, void *ptr) { free(ptr); }

geocl_status ocl_upload(geocl_backend *be, void *mem, size_t off, const void *src, size_t bytes) {
  ocl_backend *ob = ocl_of(be);
  /* A blocking write would wait for the whole queue; copy to a staging area
   * instead and free it when the transfer completes. */
  void *staging = malloc(bytes);
  if (!staging) return geocl_set_error(GEOCL_E_NOMEM, "out of host memory staging a %zu-byte upload", bytes);
  memcpy(staging, src, bytes);
  cl_event ev;
  cl_int err = clEnqueueWriteBuffer(ob->queue, (cl_mem)mem, CL_FALSE, off, bytes, staging, 0, NULL, &ev);
  if (err == CL_SUCCESS && ob->profile.on) {
    clRetainEvent(ev);
    *ocl_profile_event(ob) = ev;
    ocl_profile_record(ob, "write_buffer");
  }
  if (err != CL_SUCCESS) {
    free(staging);
    return ocl_fail(err, "clEnqueueWriteBuffer");
  }
  err = clSetEventCallback(ev, CL_COMPLETE, free_staging, staging);
  if (err != CL_SUCCESS) {
    clWaitForEvents(1, &ev);
    free(staging);
  }
  clReleaseEvent(ev);
  return GEOCL_OK;
}

geocl_status ocl_download(geocl_backend *be, void *mem, size_t off, void *dst, size_t bytes) {
  cl_int err = clEnqueueReadBuffer(ocl_of(be)->queue, (cl_mem)mem, CL_TRUE, off, bytes, dst, 0, NULL, NULL);
  return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, "clEnqueueReadBuffer");
}

geocl_status ocl_sync(geocl_backend *be) {
  cl_int err = clFinish(ocl_of(be)->queue);
  return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, "clFinish");
}
