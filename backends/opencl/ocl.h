/* SPDX-License-Identifier: MIT */
/* Internals of the OpenCL backend module. */
#ifndef GEOCL_OCL_H
#define GEOCL_OCL_H

/* host API at OpenCL 1.2 whatever the headers default to */
#undef CL_TARGET_OPENCL_VERSION
#define CL_TARGET_OPENCL_VERSION 120
#include <CL/cl.h>
#include <pthread.h>
#include <stdbool.h>

#include <geocl/backend-api.h>
#include <geocl/log.h>

/* The OpenCL implementation behind a device: workarounds are keyed to it. */
typedef enum ocl_impl { OCL_IMPL_OTHER, OCL_IMPL_POCL, OCL_IMPL_RUSTICL, OCL_IMPL_CLOVER } ocl_impl;

/* The hardware family kernel and tuning defaults are chosen for. */
typedef enum ocl_family {
  OCL_FAMILY_CPU,
  OCL_FAMILY_NVIDIA, /* NVIDIA GPUs */
  OCL_FAMILY_AMD,    /* AMD GPUs */
  OCL_FAMILY_INTEL,  /* Intel GPUs */
  OCL_FAMILY_GPU,    /* other GPUs (ARM Mali, Qualcomm Adreno, Apple, ...) */
  OCL_FAMILY_OTHER   /* accelerators and anything else */
} ocl_family;

/* Kernel and tuning defaults of a device (defaults.c): what launches use
 * before the kernels' own limits (program.c) and the tuning cache apply. */
typedef struct ocl_defaults {
  const char *name;      /* the family and implementation, as `geocl devices` shows them */
  size_t launch_wg;      /* most work-items per group of 1-D launches */
  size_t row_wg;         /* work-items per group of row kernels (ROW_WG): a power of two */
  size_t row_lanes;      /* work-items per row of LayerNorm (1: one walks a row in vectors) */
  size_t vec_width;      /* floats per vector of elementwise kernels (VWIDTH): 1, 2, 4, 8 or 16 */
  bool gemm_clblast;     /* untuned GEMM: CLBlast (its database knows many GPUs), else geocl's kernel */
  int gemm_side;         /* geocl's GEMM kernel off CPUs: work-group side, in micro-tiles */
  int attn_block;        /* untuned work-items per group of the fused attention kernels */
  int attn_rows;         /* queries or keys per work-item of those kernels (ATTN_ROWS) */
  bool desc_copy;        /* kernels read by-value descriptor arguments through a private copy (Mesa) */
  size_t loop_limit;     /* loop iterations a work-item may run in one launch, all loops together (0: no limit) */
  bool platform_caches;  /* the platform caches compiled programs itself: geocl's binary cache is skipped */
} ocl_defaults;

/* Process-wide state of one OpenCL device: its context and built programs,
 * shared by every backend instance opened on it (so CLBlast and the program
 * builds are paid once per process). */
typedef struct ocl_device {
  cl_platform_id platform;
  cl_device_id id;
  geocl_device_info info;
  ocl_impl impl;
  ocl_family family;
  ocl_defaults defaults;
  size_t max_item[3];   /* CL_DEVICE_MAX_WORK_ITEM_SIZES */
  size_t row_wg;        /* ROW_WG of programs built from now on: defaults.row_wg, lowered to what row kernels allow */
  char build_options[160]; /* every program's options but ROW_WG */
  cl_context context; /* created on first open */
  pthread_mutex_t lock;
  struct ocl_program *programs; /* built programs, by source name */
  struct ocl_gemm_table *gemm_table; /* gemm_table.c: tuned GEMM choices, from the tuning cache */
  struct ocl_attn_table *attn_table; /* attention_table.c: tuned attention limits, from the tuning cache */
} ocl_device;

/* A built program: cl/<name>.cl (or a caller's source) with the device's options, ROW_WG and extra. */
typedef struct ocl_program {
  char name[64];
  char extra[256]; /* options added to the device's build options */
  bool given;      /* built from a caller's source (a custom op), not cl/<name>.cl */
  size_t row_wg;   /* its ROW_WG: every kernel with reqd_work_group_size(ROW_WG) allows it */
  cl_program program;
  struct ocl_program *next;
} ocl_program;

/* One kernel object per (backend instance, kernel name), with what the
 * device allows it. */
typedef struct ocl_kernel_slot {
  const char *name;
  cl_kernel kernel;
  size_t max_wg;      /* CL_KERNEL_WORK_GROUP_SIZE: the most work-items per group */
  size_t wg;          /* work-group size of 1-D launches: ≤ max_wg and the device's launch_wg,
                       * a whole multiple of `multiple` where it can be */
  size_t multiple;    /* CL_KERNEL_PREFERRED_WORK_GROUP_SIZE_MULTIPLE */
  size_t row_wg;      /* ROW_WG of its program */
  size_t local_bytes; /* local memory of its own __local arrays */
} ocl_kernel_slot;

#define OCL_MAX_KERNELS 128

/* Recorded launches while profiling. */
typedef struct ocl_profile {
  bool on;
  int n, cap;
  const char **names;
  cl_event *events;
} ocl_profile_log;

typedef struct ocl_backend {
  geocl_backend base;
  ocl_device *dev;
  cl_command_queue queue; /* in order, with profiling enabled */
  ocl_kernel_slot kernels[OCL_MAX_KERNELS];
  int n_kernels;
  ocl_profile_log profile;
  struct ocl_fft_plan *fft_plans; /* fft.c: clFFT plans baked on this queue */
  struct ocl_gemm_state *gemm;    /* gemm_kernel.c: GEMM kernels and packing scratch */
  struct ocl_source_kernel *source_kernels; /* source_kernel.c: kernels of given sources */
} ocl_backend;

static inline ocl_backend *ocl_of(geocl_backend *be) { return (ocl_backend *)be; }
static inline cl_mem ocl_mem(geocl_bref r) { return (cl_mem)r.mem; }

/* device.c */
const char *ocl_error_name(cl_int err);
/* Map an OpenCL error to a geocl status with "what: CL_ERROR_NAME (code)". */
geocl_status ocl_fail(cl_int err, const char *what);
geocl_status ocl_enumerate(ocl_device **devices, int *count, const char **note);

/* defaults.c: the device's family, implementation and defaults from its
 * type, vendor and platform (info, platform and id filled in);
 * GEOCL_VECTOR_WIDTH, GEOCL_ROW_LANES and GEOCL_DESC_COPY=1|0 (on|off)
 * override the vector width, the LayerNorm lanes and the descriptor copy. */
void ocl_defaults_choose(ocl_device *dev);

/* program.c: the kernel named `kernel` from cl/<program>.cl */
geocl_status ocl_kernel(ocl_backend *ob, const char *program, const char *kernel, ocl_kernel_slot **out);
/* cl/<name>.cl built (once per process) with the device's options plus `extra` */
geocl_status ocl_program_get(ocl_device *dev, const char *name, const char *extra, const ocl_program **out);
/* A caller's source, named `name` (in messages too), built once per process with the device's options */
geocl_status ocl_program_from_source(ocl_device *dev, const char *name, const char *source, const ocl_program **out);
/* Create the kernel `kernel` of p into slot, with its limits. */
geocl_status ocl_kernel_slot_init(ocl_backend *ob, const ocl_program *p, const char *kernel, ocl_kernel_slot *slot);
void ocl_kernels_release(ocl_backend *ob);
/* Enqueue a 1-D launch of n work-items rounded up to the work-group size. */
geocl_status ocl_launch_1d(ocl_backend *ob, ocl_kernel_slot *k, size_t n);
/* A 1-D launch of one work-item per vector of dev->defaults.vec_width of n elements. */
geocl_status ocl_launch_vectors(ocl_backend *ob, ocl_kernel_slot *k, size_t n);
/* Enqueue global (rounded up to local) in work-groups of local (NULL: the
 * runtime's choice); a work-group the device does not allow the kernel is an
 * error naming both, never an enqueue. */
geocl_status ocl_launch(ocl_backend *ob, ocl_kernel_slot *k, cl_uint dims, const size_t *global, const size_t *local);
/* Set __local argument `arg` of k to `bytes`, after checking that they fit the
 * device's local memory next to the kernel's own arrays and `other` bytes of
 * its other local arguments. */
geocl_status ocl_local_arg(ocl_backend *ob, ocl_kernel_slot *k, cl_uint arg, size_t bytes, size_t other);

/* Set kernel arguments: ocl_args(kernel, n, size0, ptr0, size1, ptr1, ...) */
geocl_status ocl_args(cl_kernel k, int n, ...);
#define OCL_ARG(x) sizeof(x), (const void *)&(x)

/* bincache.c: on-disk program binaries */
cl_program ocl_bincache_load(ocl_device *dev, const char *source, const char *options, char *key_hex);
void ocl_bincache_store(ocl_device *dev, cl_program program, const char *key_hex);

/* sha256.c */
void ocl_sha256(const void *data, size_t len, unsigned char out[32]);
typedef struct ocl_sha256_ctx {
  unsigned int h[8];
  unsigned long long len;
  unsigned char buf[64];
  size_t fill;
} ocl_sha256_ctx;
void ocl_sha256_init(ocl_sha256_ctx *c);
void ocl_sha256_update(ocl_sha256_ctx *c, const void *data, size_t len);
void ocl_sha256_final(ocl_sha256_ctx *c, unsigned char out[32]);

/* kernel sources embedded at build time (cl_sources.c, generated) */
typedef struct ocl_source {
  const char *name; /* file name without .cl */
  const char *text;
} ocl_source;
extern const ocl_source ocl_sources[];
extern const int ocl_n_sources;

/* Kernel entry points: ocl_<name> for each entry of geocl/backend-kernels.h,
 * one file per op family (k_data.c, gemm.c, k_elementwise.c, k_reduce.c,
 * k_softmax.c, k_norm.c, k_attention.c, k_tokens.c, k_loss.c, fft.c through
 * clFFT, k_optim.c). */
#define OCL_KERNEL_DECL(name, params) geocl_status ocl_##name params;
GEOCL_BACKEND_KERNELS(OCL_KERNEL_DECL)
#undef OCL_KERNEL_DECL

/* Optional entries: GEMM and attention tuning. */
geocl_status ocl_tune_gemm(geocl_backend *be, const geocl_gemm_shape *shape, int repeat, int quick,
                           geocl_gemm_tuned *out);
geocl_status ocl_tune_gemm_device(geocl_backend *be, const geocl_gemm_shape *shapes, const uint64_t *calls, int n,
                                  int repeat, int quick, geocl_gemm_device_tuned *out);
geocl_status ocl_tune_attention(geocl_backend *be, const geocl_attn_shape *shape, int repeat, int quick,
                                geocl_attn_tuned *out);

/* Optional entry: kernels given as OpenCL C source (source_kernel.c). */
geocl_status ocl_source_kernel(geocl_backend *be, const geocl_source_kernel *k);

/* Device memory the GEMM (packing scratch, kept panels) and clFFT (staging)
 * state of a backend instance holds; the optional entry held_bytes sums them. */
size_t ocl_gemm_held_bytes(const ocl_backend *ob);
size_t ocl_fft_held_bytes(const ocl_backend *ob);

/* Teardown of the GEMM, clFFT and given-source kernel state of a backend instance. */
void ocl_gemm_release(ocl_backend *ob);
void ocl_fft_release(ocl_backend *ob);
void ocl_source_kernels_release(ocl_backend *ob);

/* profile.c: pass ocl_profile_event(ob) as the event argument of an enqueue,
 * then ocl_profile_record(ob, name) (both do nothing unless profiling). */
cl_event *ocl_profile_event(ocl_backend *ob);
void ocl_profile_record(ocl_backend *ob, const char *name);
geocl_status ocl_profile_report(geocl_backend *be, int enable, geocl_kernel_time *out, int max, int *n);
void ocl_profile_release(ocl_backend *ob);

/* buffers.c */
geocl_status ocl_alloc(geocl_backend *be, size_t bytes, void **mem);
void ocl_free(geocl_backend *be, void *mem);
geocl_status ocl_upload(geocl_backend *be, void *mem, size_t off, const void *src, size_t bytes);
geocl_status ocl_download(geocl_backend *be, void *mem, size_t off, void *dst, size_t bytes);
geocl_status ocl_sync(geocl_backend *be);

#endif
