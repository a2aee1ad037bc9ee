/* SPDX-License-Identifier: MIT */
/* OpenCL platforms and devices: enumeration, properties, error names. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

#ifndef CL_PLATFORM_NOT_FOUND_KHR
#define CL_PLATFORM_NOT_FOUND_KHR -1001
#endif

const char *ocl_error_name(cl_int err) {
  switch (err) {
#define E(x) \
  case x: return #x;
    E(CL_SUCCESS) E(CL_DEVICE_NOT_FOUND) E(CL_DEVICE_NOT_AVAILABLE) E(CL_COMPILER_NOT_AVAILABLE)
    E(CL_MEM_OBJECT_ALLOCATION_FAILURE) E(CL_OUT_OF_RESOURCES) E(CL_OUT_OF_HOST_MEMORY)
    E(CL_PROFILING_INFO_NOT_AVAILABLE) E(CL_MEM_COPY_OVERLAP) E(CL_IMAGE_FORMAT_MISMATCH)
    E(CL_IMAGE_FORMAT_NOT_SUPPORTED) E(CL_BUILD_PROGRAM_FAILURE) E(CL_MAP_FAILURE)
    E(CL_MISALIGNED_SUB_BUFFER_OFFSET) E(CL_EXEC_STATUS_ERROR_FOR_EVENTS_IN_WAIT_LIST)
    E(CL_COMPILE_PROGRAM_FAILURE) E(CL_LINKER_NOT_AVAILABLE) E(CL_LINK_PROGRAM_FAILURE)
    E(CL_DEVICE_PARTITION_FAILED) E(CL_KERNEL_ARG_INFO_NOT_AVAILABLE) E(CL_INVALID_VALUE)
    E(CL_INVALID_DEVICE_TYPE) E(CL_INVALID_PLATFORM) E(CL_INVALID_DEVICE) E(CL_INVALID_CONTEXT)
    E(CL_INVALID_QUEUE_PROPERTIES) E(CL_INVALID_COMMAND_QUEUE) E(CL_INVALID_HOST_PTR)
    E(CL_INVALID_MEM_OBJECT) E(CL_INVALID_IMAGE_FORMAT_DESCRIPTOR) E(CL_INVALID_IMAGE_SIZE)
    E(CL_INVALID_SAMPLER) E(CL_INVALID_BINARY) E(CL_INVALID_BUILD_OPTIONS) E(CL_INVALID_PROGRAM)
    E(CL_INVALID_PROGRAM_EXECUTABLE) E(CL_INVALID_KERNEL_NAME) E(CL_INVALID_KERNEL_DEFINITION)
    E(CL_INVALID_KERNEL) E(CL_INVALID_ARG_INDEX) E(CL_INVALID_ARG_VALUE) E(CL_INVALID_ARG_SIZE)
    E(CL_INVALID_KERNEL_ARGS) E(CL_INVALID_WORK_DIMENSION) E(CL_INVALID_WORK_GROUP_SIZE)
    E(CL_INVALID_WORK_ITEM_SIZE) E(CL_INVALID_GLOBAL_OFFSET) E(CL_INVALID_EVENT_WAIT_LIST)
    E(CL_INVALID_EVENT) E(CL_INVALID_OPERATION) E(CL_INVALID_GL_OBJECT) E(CL_INVALID_BUFFER_SIZE)
    E(CL_INVALID_MIP_LEVEL) E(CL_INVALID_GLOBAL_WORK_SIZE) E(CL_INVALID_PROPERTY)
    E(CL_INVALID_IMAGE_DESCRIPTOR) E(CL_INVALID_COMPILER_OPTIONS) E(CL_INVALID_LINKER_OPTIONS)
    E(CL_INVALID_DEVICE_PARTITION_COUNT) E(CL_PLATFORM_NOT_FOUND_KHR)
#undef E
  }
  return "unknown OpenCL error";
}

geocl_status ocl_fail(cl_int err, const char *what) {
  geocl_status st = GEOCL_E_DEVICE;
  if (err == CL_MEM_OBJECT_ALLOCATION_FAILURE || err == CL_OUT_OF_RESOURCES || err == CL_INVALID_BUFFER_SIZE)
    st = GEOCL_E_DEVICE_NOMEM;
  if (err == CL_OUT_OF_HOST_MEMORY) st = GEOCL_E_NOMEM;
  return geocl_set_error(st, "OpenCL: %s: %s (%d)", what, ocl_error_name(err), (int)err);
}

static void str_info(cl_device_id d, cl_device_info what, char *out, size_t size) {
  out[0] = '\0';
  if (clGetDeviceInfo(d, what, size, out, NULL) != CL_SUCCESS) out[0] = '\0';
  out[size - 1] = '\0';
  /* some drivers pad names with spaces */
  size_t n = strlen(out);
  while (n && out[n - 1] == ' ') out[--n] = '\0';
}

static bool has_extension(cl_device_id d, const char *ext) {
  size_t size = 0;
  if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, 0, NULL, &size) != CL_SUCCESS || !size) return false;
  char *exts = malloc(size + 1);
  if (!exts) return false;
  bool found = false;
  if (clGetDeviceInfo(d, CL_DEVICE_EXTENSIONS, size, exts, NULL) == CL_SUCCESS) {
    exts[size] = '\0';
    size_t len = strlen(ext);
    for (char *p = strstr(exts, ext); p; p = strstr(p + 1, ext))
      if ((p == exts || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0')) found = true;
  }
  free(exts);
  return found;
}

/* "OpenCL 1.2 …" or "OpenCL C 1.2 …" at or above 1.2 */
static bool at_least_1_2(const char *version, const char *prefix) {
  int major = 0, minor = 0;
  size_t n = strlen(prefix);
  if (strncmp(version, prefix, n) || sscanf(version + n, "%d.%d", &major, &minor) != 2) return false;
  return major > 1 || (major == 1 && minor >= 2);
}

/* The most bytes of arguments and of local memory geocl's kernels need at the
 * least (the fused attention kernels, with one-row tiles of 128 floats). */
#define NEEDED_PARAM_BYTES 512
#define NEEDED_LOCAL_BYTES 4096

/* Why geocl cannot use the device, into info->unusable ("" when it can). */
static void verdict(cl_device_id d, geocl_device_info *info) {
  cl_bool available = CL_TRUE, compiler = CL_TRUE, linker = CL_TRUE;
  clGetDeviceInfo(d, CL_DEVICE_AVAILABLE, sizeof available, &available, NULL);
  clGetDeviceInfo(d, CL_DEVICE_COMPILER_AVAILABLE, sizeof compiler, &compiler, NULL);
  clGetDeviceInfo(d, CL_DEVICE_LINKER_AVAILABLE, sizeof linker, &linker, NULL);
  char profile[64];
  str_info(d, CL_DEVICE_PROFILE, profile, sizeof profile);
  char *why = info->unusable;
  size_t size = sizeof info->unusable;
  if (!available)
    snprintf(why, size, "the driver reports it unavailable");
  else if (!compiler || !linker)
    snprintf(why, size, "its driver has no OpenCL C compiler (geocl builds its kernels from source)");
  else if (!at_least_1_2(info->version, "OpenCL "))
    snprintf(why, size, "it implements %s; geocl needs OpenCL 1.2", info->version);
  else if (!at_least_1_2(info->c_version, "OpenCL C "))
    snprintf(why, size, "its compiler takes %s; geocl's kernels are OpenCL C 1.2", info->c_version);
  else if (strcmp(profile, "FULL_PROFILE") && !has_extension(d, "cles_khr_int64"))
    snprintf(why, size, "embedded profile without 64-bit integers, which geocl's kernels use");
  else if (info->max_param_bytes < NEEDED_PARAM_BYTES)
    snprintf(why, size, "kernels may take %llu bytes of arguments; geocl's take up to %d",
             (unsigned long long)info->max_param_bytes, NEEDED_PARAM_BYTES);
  else if (info->local_mem_bytes < NEEDED_LOCAL_BYTES)
    snprintf(why, size, "%llu bytes of local memory; geocl's kernels need %d", (unsigned long long)info->local_mem_bytes,
             NEEDED_LOCAL_BYTES);
  else
    why[0] = '\0';
}

static void fill_info(cl_platform_id p, cl_device_id d, ocl_device *out) {
  geocl_device_info *info = &out->info;
  memset(info, 0, sizeof *info);
  str_info(d, CL_DEVICE_NAME, info->name, sizeof info->name);
  str_info(d, CL_DEVICE_VENDOR, info->vendor, sizeof info->vendor);
  str_info(d, CL_DRIVER_VERSION, info->driver, sizeof info->driver);
  str_info(d, CL_DEVICE_VERSION, info->version, sizeof info->version);
  str_info(d, CL_DEVICE_OPENCL_C_VERSION, info->c_version, sizeof info->c_version);
  if (clGetPlatformInfo(p, CL_PLATFORM_NAME, sizeof info->platform, info->platform, NULL) != CL_SUCCESS)
    info->platform[0] = '\0';
  info->platform[sizeof info->platform - 1] = '\0';
  cl_device_type type = 0;
  clGetDeviceInfo(d, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  info->is_gpu = (type & CL_DEVICE_TYPE_GPU) != 0;
  strcpy(info->type, info->is_gpu                          ? "GPU"
                     : (type & CL_DEVICE_TYPE_CPU)         ? "CPU"
                     : (type & CL_DEVICE_TYPE_ACCELERATOR) ? "ACCEL"
                                                           : "OTHER");
  cl_ulong u = 0;
  clGetDeviceInfo(d, CL_DEVICE_GLOBAL_MEM_SIZE, sizeof u, &u, NULL);
  info->global_mem_bytes = u;
  u = 0;
  clGetDeviceInfo(d, CL_DEVICE_MAX_MEM_ALLOC_SIZE, sizeof u, &u, NULL);
  info->max_alloc_bytes = u;
  u = 0;
  clGetDeviceInfo(d, CL_DEVICE_LOCAL_MEM_SIZE, sizeof u, &u, NULL);
  info->local_mem_bytes = u;
  cl_uint cu = 0;
  clGetDeviceInfo(d, CL_DEVICE_MAX_COMPUTE_UNITS, sizeof cu, &cu, NULL);
  info->compute_units = cu;
  size_t wg = 0;
  clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_GROUP_SIZE, sizeof wg, &wg, NULL);
  info->max_work_group = (uint32_t)wg;
  size_t param = 0;
  clGetDeviceInfo(d, CL_DEVICE_MAX_PARAMETER_SIZE, sizeof param, &param, NULL);
  info->max_param_bytes = param;
  info->fp16 = has_extension(d, "cl_khr_fp16");
  info->fp64 = has_extension(d, "cl_khr_fp64");
  info->subgroups = has_extension(d, "cl_khr_subgroups") || has_extension(d, "cl_intel_subgroups");
  info->int64_atomics = has_extension(d, "cl_khr_int64_base_atomics");
  verdict(d, info);
  out->platform = p;
  out->id = d;
  size_t items[3] = {1, 1, 1};
  clGetDeviceInfo(d, CL_DEVICE_MAX_WORK_ITEM_SIZES, sizeof items, items, NULL);
  memcpy(out->max_item, items, sizeof items);
  ocl_defaults_choose(out);
  const ocl_defaults *def = &out->defaults;
  snprintf(info->defaults, sizeof info->defaults, "%s", def->name);
  info->vector_width = (uint32_t)def->vec_width;
  snprintf(info->workarounds, sizeof info->workarounds, "%s%s%s",
           def->desc_copy ? "descriptor arguments copied (Mesa compiler crash)" : "",
           def->desc_copy && def->loop_limit ? ", " : "",
           def->loop_limit ? "farthest-point sampling in several launches (llvmpipe's loop limit)" : "");
  /* strict IEEE math (no -cl-fast-relaxed-math): training must match the reference */
  snprintf(out->build_options, sizeof out->build_options, "-cl-std=CL1.2 -DVWIDTH=%zu -DATTN_ROWS=%d%s",
           def->vec_width, def->attn_rows, def->desc_copy ? " -DGEOCL_DESC_COPY" : "");
}

geocl_status ocl_enumerate(ocl_device **devices, int *count, const char **note) {
  *devices = NULL;
  *count = 0;
  cl_uint np = 0;
  cl_int err = clGetPlatformIDs(0, NULL, &np);
  if (err == CL_PLATFORM_NOT_FOUND_KHR || (err == CL_SUCCESS && np == 0)) {
    *note = "no OpenCL platform is installed (CL_PLATFORM_NOT_FOUND_KHR): install an OpenCL driver "
            "(for CPUs, Debian's pocl-opencl-icd) and check /etc/OpenCL/vendors";
    return GEOCL_OK;
  }
  if (err != CL_SUCCESS) return ocl_fail(err, "clGetPlatformIDs");
  cl_platform_id *plats = calloc(np, sizeof *plats);
  if (!plats) return geocl_set_error(GEOCL_E_NOMEM, "out of memory listing OpenCL platforms");
  clGetPlatformIDs(np, plats, NULL);
  int n = 0;
  ocl_device *list = NULL;
  for (cl_uint p = 0; p < np; p++) {
    cl_uint nd = 0;
    err = clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, 0, NULL, &nd);
    if (err != CL_SUCCESS || nd == 0) continue;
    cl_device_id *ids = calloc(nd, sizeof *ids);
    ocl_device *grown = realloc(list, sizeof *list * (size_t)(n + (int)nd));
    if (!ids || !grown) {
      free(ids);
      free(grown ? grown : list);
      free(plats);
      return geocl_set_error(GEOCL_E_NOMEM, "out of memory listing OpenCL devices");
    }
    list = grown;
    clGetDeviceIDs(plats[p], CL_DEVICE_TYPE_ALL, nd, ids, NULL);
    for (cl_uint d = 0; d < nd; d++) {
      memset(&list[n], 0, sizeof list[n]);
      fill_info(plats[p], ids[d], &list[n]);
      pthread_mutex_init(&list[n].lock, NULL);
      n++;
    }
    free(ids);
  }
  free(plats);
  if (n == 0) *note = "OpenCL platforms are installed but none reports a device";
  *devices = list;
  *count = n;
  return GEOCL_OK;
}
