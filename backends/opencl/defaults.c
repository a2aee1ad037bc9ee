/* SPDX-License-Identifier: MIT */
/* Kernel and tuning defaults by device type, vendor and OpenCL
 * implementation (ocl_defaults in ocl.h).
 *
 * CPU figures were measured on PoCL (docs/performance.md).  The GPU rows
 * follow the vendors' programming guides (NVIDIA's warps of 32 work-items,
 * AMD's wavefronts of 64, Intel's SIMD-8 to SIMD-32 threads, 128-bit loads
 * as four-float vectors everywhere) and have not been measured: no GPU was
 * available (docs/performance.md says what to run on one).  Launches still
 * respect every kernel's own limits (program.c), and `geocl tune` replaces
 * the GEMM and attention choices per device. */
#include <stdlib.h>
#include <string.h>

#include "ocl.h"

/* PCI vendor ids (CL_DEVICE_VENDOR_ID) */
#define VENDOR_NVIDIA 0x10DE
#define VENDOR_AMD 0x1002
#define VENDOR_INTEL 0x8086

static ocl_impl implementation(const ocl_device *dev) {
  const char *p = dev->info.platform;
  if (strstr(p, "Portable Computing Language")) return OCL_IMPL_POCL;
  if (!strcmp(p, "rusticl")) return OCL_IMPL_RUSTICL;
  if (!strcmp(p, "Clover")) return OCL_IMPL_CLOVER;
  return OCL_IMPL_OTHER;
}

static bool vendor_is(const ocl_device *dev, cl_uint id, cl_uint want, const char *name) {
  return id == want || strstr(dev->info.vendor, name) != NULL;
}

static ocl_family family(const ocl_device *dev) {
  cl_device_type type = 0;
  clGetDeviceInfo(dev->id, CL_DEVICE_TYPE, sizeof type, &type, NULL);
  if (type & CL_DEVICE_TYPE_CPU) return OCL_FAMILY_CPU;
  if (!(type & CL_DEVICE_TYPE_GPU)) return OCL_FAMILY_OTHER;
  cl_uint id = 0;
  clGetDeviceInfo(dev->id, CL_DEVICE_VENDOR_ID, sizeof id, &id, NULL);
  if (vendor_is(dev, id, VENDOR_NVIDIA, "NVIDIA")) return OCL_FAMILY_NVIDIA;
  if (vendor_is(dev, id, VENDOR_AMD, "Advanced Micro Devices") || strstr(dev->info.vendor, "AMD"))
    return OCL_FAMILY_AMD;
  if (vendor_is(dev, id, VENDOR_INTEL, "Intel")) return OCL_FAMILY_INTEL;
  return OCL_FAMILY_GPU;
}

/* Per family: launch work-group, ROW_WG, LayerNorm lanes (0: ROW_WG), vector
 * width (0: the device's preferred width), untuned GEMM, GEMM work-group side,
 * attention work-group, attention rows per work-item. */
static const struct {
  const char *name;
  size_t launch_wg, row_wg, row_lanes, vec_width;
  bool gemm_clblast;
  int gemm_side, attn_block, attn_rows;
} table[] = {
    /* A CPU runs a work-group as a loop over its work-items: one work-item
     * walks a LayerNorm row in vectors of the preferred width; geocl's GEMM
     * (CLBlast's GPU kernels reach a tenth of it on PoCL); attention groups
     * of 256 share each loaded tile among more rows, and a work-item takes
     * four rows, so that each vector it loads serves four (docs/performance.md). */
    [OCL_FAMILY_CPU] = {"CPU", 256, 64, 1, 0, false, 1, 256, 4},
    /* warps of 32: four per row kernel and per attention group */
    [OCL_FAMILY_NVIDIA] = {"NVIDIA GPU", 256, 128, 0, 4, true, 16, 128, 1},
    /* wavefronts of 64 (GCN; RDNA runs 32 or 64) */
    [OCL_FAMILY_AMD] = {"AMD GPU", 256, 64, 0, 4, true, 16, 128, 1},
    /* SIMD-8 to SIMD-32 hardware threads; smaller groups keep more of them busy */
    [OCL_FAMILY_INTEL] = {"Intel GPU", 256, 64, 0, 4, true, 8, 64, 1},
    /* mobile and unknown GPUs: smaller groups, which every one of them allows */
    [OCL_FAMILY_GPU] = {"GPU", 128, 32, 0, 4, true, 8, 64, 1},
    [OCL_FAMILY_OTHER] = {"accelerator", 64, 32, 0, 0, true, 8, 64, 1},
};

/* $name when set to a positive number, else value: tests run the kernel
 * shapes and workarounds of other devices (tests/kernel_shapes.sh) */
static size_t env_size(const char *name, size_t value) {
  const char *v = getenv(name);
  return v && atol(v) > 0 ? (size_t)atol(v) : value;
}

static size_t floor_pow2(size_t x) {
  size_t p = 1;
  while (p * 2 <= x) p *= 2;
  return p;
}

void ocl_defaults_choose(ocl_device *dev) {
  dev->impl = implementation(dev);
  dev->family = family(dev);
  ocl_defaults *d = &dev->defaults;
  size_t max_wg = dev->info.max_work_group ? dev->info.max_work_group : 1;
  d->name = table[dev->family].name;
  d->launch_wg = floor_pow2(table[dev->family].launch_wg < max_wg ? table[dev->family].launch_wg : max_wg);
  d->row_wg = floor_pow2(table[dev->family].row_wg < max_wg ? table[dev->family].row_wg : max_wg);
  size_t lanes = env_size("GEOCL_ROW_LANES", table[dev->family].row_lanes ? table[dev->family].row_lanes : d->row_wg);
  d->row_lanes = d->row_wg;
  while (d->row_lanes > 1 && d->row_lanes > lanes) d->row_lanes /= 2;
  cl_uint pref = 1;
  clGetDeviceInfo(dev->id, CL_DEVICE_PREFERRED_VECTOR_WIDTH_FLOAT, sizeof pref, &pref, NULL);
  size_t want = env_size("GEOCL_VECTOR_WIDTH", table[dev->family].vec_width ? table[dev->family].vec_width : pref);
  d->vec_width = want >= 16 ? 16 : floor_pow2(want ? want : 1); /* an OpenCL C vector width */
  d->gemm_clblast = table[dev->family].gemm_clblast;
  d->gemm_side = table[dev->family].gemm_side;
  d->attn_block = table[dev->family].attn_block;
  d->attn_rows = (int)env_size("GEOCL_ATTN_ROWS", (size_t)table[dev->family].attn_rows);
  /* PoCL caches compiled programs by itself (asking it for binaries costs a
   * second compile); Mesa 22.3's compiler crashes on a by-value struct
   * argument indexed at run time (docs/opencl-drivers.md) */
  d->platform_caches = dev->impl == OCL_IMPL_POCL;
  const char *copy = getenv("GEOCL_DESC_COPY");
  d->desc_copy = copy && *copy ? !strcmp(copy, "1") : dev->impl == OCL_IMPL_RUSTICL || dev->impl == OCL_IMPL_CLOVER;
  /* Mesa's llvmpipe (under rusticl or Clover) ends every loop of a work-item
   * once its loops have run 65535 iterations in all, without an error
   * (gallivm's LP_MAX_TGSI_LOOP_ITERATIONS, docs/opencl-drivers.md) */
  d->loop_limit = env_size("GEOCL_LOOP_LIMIT", !strncmp(dev->info.name, "llvmpipe", 8) ? 65535 : 0);
  dev->row_wg = d->row_wg;
}
