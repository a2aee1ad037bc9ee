/* SPDX-License-Identifier: MIT */
/* The OpenCL backend module: its descriptor, device listing and opening. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"
#include "tune_cache.h"

static struct {
  pthread_once_t once;
  ocl_device *devices;
  int count;
  const char *note;
  geocl_status status;
  char error[512];
} devs = {PTHREAD_ONCE_INIT, NULL, 0, NULL, GEOCL_OK, ""};

static void enumerate_once(void) {
  devs.status = ocl_enumerate(&devs.devices, &devs.count, &devs.note);
  if (devs.status != GEOCL_OK) snprintf(devs.error, sizeof devs.error, "%s", geocl_last_error());
}

static geocl_status ensure_devices(void) {
  pthread_once(&devs.once, enumerate_once);
  if (devs.status != GEOCL_OK) return geocl_set_error(devs.status, "%s", devs.error);
  return GEOCL_OK;
}

static geocl_status list_devices(geocl_device_info **out, int *count, const char **note) {
  *out = NULL;
  *count = 0;
  geocl_status st = ensure_devices();
  if (st != GEOCL_OK) return st;
  *note = devs.note;
  if (devs.count == 0) return GEOCL_OK;
  *out = calloc((size_t)devs.count, sizeof **out);
  if (!*out) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = 0; i < devs.count; i++) (*out)[i] = devs.devices[i].info;
  *count = devs.count;
  return GEOCL_OK;
}

static size_t ocl_held_bytes(geocl_backend *be) {
  const ocl_backend *ob = ocl_of(be);
  return ocl_gemm_held_bytes(ob) + ocl_fft_held_bytes(ob);
}

static void destroy(geocl_backend *be) {
  ocl_backend *ob = ocl_of(be);
  clFinish(ob->queue);
  ocl_profile_release(ob);
  ocl_kernels_release(ob);
  ocl_fft_release(ob);
  ocl_gemm_release(ob);
  ocl_source_kernels_release(ob);
  clReleaseCommandQueue(ob->queue);
  free(ob);
}

static const geocl_backend_ops ocl_ops = {
    .destroy = destroy,
    .alloc = ocl_alloc,
    .free = ocl_free,
    .upload = ocl_upload,
    .download = ocl_download,
    .sync = ocl_sync,
    .held_bytes = ocl_held_bytes,
    .profile = ocl_profile_report,
    .tune_gemm = ocl_tune_gemm,
    .tune_gemm_device = ocl_tune_gemm_device,
    .tune_attention = ocl_tune_attention,
    .source_kernel = ocl_source_kernel,
#define OCL_KERNEL_ENTRY(name, params) .name = ocl_##name,
    GEOCL_BACKEND_KERNELS(OCL_KERNEL_ENTRY)
#undef OCL_KERNEL_ENTRY
};

/* The device's context lives for the rest of the process once created; its
 * tuning cache is read then, before any GEMM or attention runs. */
static geocl_status ensure_context(ocl_device *dev) {
  pthread_mutex_lock(&dev->lock);
  cl_int err = CL_SUCCESS;
  if (!dev->context) {
    cl_context_properties props[] = {CL_CONTEXT_PLATFORM, (cl_context_properties)dev->platform, 0};
    dev->context = clCreateContext(props, 1, &dev->id, NULL, NULL, &err);
    if (err == CL_SUCCESS) ocl_tune_cache_load(dev);
  }
  pthread_mutex_unlock(&dev->lock);
  return err == CL_SUCCESS ? GEOCL_OK : ocl_fail(err, "clCreateContext");
}

static geocl_status open_device(int index, geocl_backend **out) {
  geocl_status st = ensure_devices();
  if (st != GEOCL_OK) return st;
  if (index < 0 || index >= devs.count)
    return geocl_set_error(GEOCL_E_NO_DEVICE, "OpenCL device %d does not exist (%d found)", index, devs.count);
  ocl_device *dev = &devs.devices[index];
  st = ensure_context(dev);
  if (st != GEOCL_OK) return st;
  ocl_backend *ob = calloc(1, sizeof *ob);
  if (!ob) return geocl_set_error(GEOCL_E_NOMEM, "out of memory opening %s", dev->info.name);
  cl_int err;
  ob->queue = clCreateCommandQueue(dev->context, dev->id, CL_QUEUE_PROFILING_ENABLE, &err);
  if (err != CL_SUCCESS) {
    free(ob);
    return ocl_fail(err, "clCreateCommandQueue");
  }
  ob->dev = dev;
  ob->base.name = "opencl";
  ob->base.device = dev->info;
  ob->base.ops = &ocl_ops;
  ob->base.impl = ob;
  *out = &ob->base;
  return GEOCL_OK;
}

static const geocl_backend_module module = {
    .abi = GEOCL_BACKEND_ABI,
    .name = "opencl",
    .description = "OpenCL 1.2 devices (GPUs, CPUs through PoCL or Mesa's rusticl) with CLBlast GEMM and clFFT",
    .list_devices = list_devices,
    .open = open_device,
    .ops_size = sizeof(geocl_backend_ops),
};

const geocl_backend_module *geocl_backend_entry(void);
const geocl_backend_module *geocl_backend_entry(void) { return &module; }
