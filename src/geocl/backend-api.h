/* SPDX-License-Identifier: MIT */
/* The backend interface: what a compute backend (the built-in reference
 * backend, the OpenCL module, or a third-party module) implements.
 *
 * Conventions for every kernel entry:
 * - A buffer argument is a geocl_bref: the backend's buffer handle plus an
 *   offset counted in 4-byte elements (f32 or i32).  Backends never create
 *   sub-buffers; they add the offset themselves.
 * - Unless a stride argument says otherwise, arrays are contiguous, row-major.
 * - Kernels are enqueued: they may run asynchronously and in order.  Only
 *   download() and sync() wait.  Errors found at enqueue time are returned;
 *   runtime errors surface at the next sync()/download().
 * - Backward kernels overwrite their outputs; the autograd layer accumulates.
 * - A NULL entry means "not supported": the op layer reports E_UNSUPPORTED
 *   naming the op and the backend.
 * The reference backend (backends/reference) defines the exact semantics;
 * tests/check_backend_ops.c compares every backend against it. */
#ifndef GEOCL_BACKEND_API_H
#define GEOCL_BACKEND_API_H

#include <stddef.h>
#include <stdint.h>

#include <geocl/backend-kernels.h>
#include <geocl/status.h>
#include <geocl/version.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_backend geocl_backend;

/* A buffer handle plus an element offset. */
typedef struct geocl_bref {
  void *mem;
  size_t off;
} geocl_bref;

typedef struct geocl_device_info {
  char name[256];
  char vendor[128];
  char platform[256];
  char driver[64];
  char version[128];   /* device OpenCL version string, or a description */
  char type[16];       /* "GPU", "CPU", "ACCEL", "HOST" */
  int is_gpu;
  uint64_t global_mem_bytes;
  uint64_t max_alloc_bytes;
  uint64_t local_mem_bytes;
  uint32_t compute_units;
  uint32_t max_work_group;
  int fp16;
  int fp64;
  /* What geocl's kernels use of the device (backend ABI 5). */
  char unusable[192];      /* why geocl cannot run on it ("" when it can): selecting it is refused */
  char c_version[32];      /* its compiler's OpenCL C version */
  char defaults[48];       /* the kernel and tuning defaults it gets ("CPU", "NVIDIA GPU", ...) */
  char workarounds[128];   /* driver problems worked around on it ("" when none) */
  uint32_t vector_width;   /* floats per vector of elementwise kernels */
  uint64_t max_param_bytes; /* the most bytes of arguments a kernel may take */
  int subgroups;           /* cl_khr_subgroups or cl_intel_subgroups */
  int int64_atomics;       /* cl_khr_int64_base_atomics */
} geocl_device_info;

typedef enum geocl_binop { GEOCL_BIN_ADD, GEOCL_BIN_SUB, GEOCL_BIN_MUL, GEOCL_BIN_DIV, GEOCL_BIN_COUNT } geocl_binop;

/* y = f(x, alpha).  SCALE: alpha·x.  ADDS: x + alpha.  The others ignore alpha. */
typedef enum geocl_unop {
  GEOCL_UN_SCALE,
  GEOCL_UN_ADDS,
  GEOCL_UN_EXP,
  GEOCL_UN_LOG,
  GEOCL_UN_SQRT,
  GEOCL_UN_GELU, /* exact: x·½·(1 + erf(x/√2)) */
  GEOCL_UN_RELU,
  GEOCL_UN_SQUARE,
  GEOCL_UN_ABS,
  GEOCL_UN_SIGMOID,   /* 1/(1 + e^−x) */
  GEOCL_UN_TANH,
  GEOCL_UN_SOFTPLUS,  /* log(1 + e^(alpha·x))/alpha, x where alpha·x > 20 (torch's threshold) */
  GEOCL_UN_CLAMP_MIN, /* max(x, alpha); derivative 1 where x ≥ alpha */
  GEOCL_UN_CLAMP_MAX, /* min(x, alpha); derivative 1 where x ≤ alpha */
  GEOCL_UN_COUNT
} geocl_unop;

/* C[b] = alpha·op(A[b])·op(B[b]) + bias + beta·C[b] for b < batch,
 * row-major, op(X) = X or Xᵀ.  op(A) is m×k, op(B) is k×n, C is m×n.  Any of
 * m, n, k may be 0 (k = 0 scales C by beta).  bias, when its mem is not
 * NULL, is n floats added to every row (a linear layer's), only with
 * beta = 0 and k > 0.  b_tag, when not 0, names B's
 * contents: a call with the same b_tag, B and layout finds B unchanged, so a
 * backend may reuse what it derived from B then (packed panels of a weight
 * used by several products between two optimizer steps); 0 promises
 * nothing. */
typedef struct geocl_gemm_args {
  int trans_a, trans_b;
  int64_t m, n, k, batch;
  float alpha, beta;
  geocl_bref a;
  int64_t lda, stride_a;
  geocl_bref b;
  int64_t ldb, stride_b;
  uint64_t b_tag;
  geocl_bref bias;
  geocl_bref c;
  int64_t ldc, stride_c;
} geocl_gemm_args;

/* A 2-D sliding window over x [n, c, h, w] (contiguous, NCHW): kernel kh×kw,
 * stride sh×sw, padding ph×pw (zeros for convolution, never the maximum for
 * pooling), dilation dh×dw; the window of output (oy, ox) covers rows
 * oy·sh − ph + ky·dh, columns ox·sw − pw + kx·dw, output oh×ow. */
typedef struct geocl_window2d {
  int64_t n, c, h, w;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  int64_t oh, ow;
} geocl_window2d;

/* Resampling along one axis (geocl_resample_axis): how output index o reads
 * the input (docs/ops.md has the exact coordinates, PyTorch's). */
typedef enum geocl_resample_mode {
  GEOCL_RESAMPLE_NEAREST, /* x[min(⌊o·in/out⌋, in − 1)], torch's 'nearest' */
  GEOCL_RESAMPLE_LINEAR,  /* two taps, torch's 'bilinear' per axis */
  GEOCL_RESAMPLE_CUBIC,   /* four taps, A = −0.75, torch's 'bicubic' per axis */
  GEOCL_RESAMPLE_COUNT
} geocl_resample_mode;

/* A GEMM shape (contiguous operands) to tune the backend's GEMM for. */
typedef struct geocl_gemm_shape {
  int trans_a, trans_b;
  int64_t m, n, k, batch;
} geocl_gemm_shape;

/* What tune_gemm found for one shape: median seconds per call untuned and
 * tuned, the variants timed, what runs the shape now, and the cache file
 * that keeps it ("" when caching is off). */
typedef struct geocl_gemm_tuned {
  double untuned_s, tuned_s;
  int candidates;
  char variant[128];
  char cache_file[512];
} geocl_gemm_tuned;

/* What tune_gemm_device found: the weighted time per step of the shapes it
 * timed with the device-wide GEMM parameters as they were (before, as text)
 * and with the fastest candidate (best), how many candidates ran, whether
 * best is kept (faster by the tuner's margin) and the cache file. */
typedef struct geocl_gemm_device_tuned {
  double before_s, best_s;
  int candidates, shapes, kept;
  char before[192], best[192];
  char cache_file[512];
} geocl_gemm_device_tuned;

/* Multi-head attention o = softmax(scale·q·kᵀ)·v per (batch, head).
 * q is [batch, nq, heads, head_dim] addressed by the element strides
 * (sb, st, sh) for batch, token and head, head_dim contiguous; likewise k, v
 * ([batch, nk, heads, head_dim]) and o.  lse [batch, heads, nq] contiguous
 * receives the log-sum-exp of the scaled scores (forward) / is read (backward).
 * rope_base > 0 rotates q and k by 2D RoPE (CroCo v2 pairing) at int32
 * positions qpos [batch, nq, 2] and kpos [batch, nk, 2] holding (y, x).
 * Backward reads q, k, v, o, lse, dout and writes dq, dk, dv (own strides). */
typedef struct geocl_attn_args {
  int64_t batch, heads, nq, nk, head_dim;
  float scale;
  float rope_base;
  geocl_bref qpos, kpos;
  geocl_bref q, k, v, o, lse;
  int64_t q_sb, q_st, q_sh;
  int64_t k_sb, k_st, k_sh;
  int64_t v_sb, v_st, v_sh;
  int64_t o_sb, o_st, o_sh;
  /* backward only */
  geocl_bref dout, dq, dk, dv;
  int64_t do_sb, do_st, do_sh;
  int64_t dq_sb, dq_st, dq_sh;
  int64_t dk_sb, dk_st, dk_sh;
  int64_t dv_sb, dv_st, dv_sh;
} geocl_attn_args;

/* An attention shape (contiguous operands) to tune the backend's fused
 * attention kernels for; rope: rotated by 2D RoPE. */
typedef struct geocl_attn_shape {
  int64_t batch, nq, nk, heads, head_dim;
  int rope;
} geocl_attn_shape;

/* What tune_attention found for one shape, per kernel (forward, then the
 * backward kernels, as many as the backend has, up to 4): median seconds per
 * call untuned and tuned and what runs now ("default" when untuned); the
 * candidates timed and the cache file ("" when caching is off). */
typedef struct geocl_attn_tuned {
  int kernels, candidates;
  char kernel[4][16];
  double untuned_s[4], tuned_s[4];
  char choice[4][48];
  char cache_file[512];
} geocl_attn_tuned;

/* PyTorch AdamW over n elements: p ← p − lr·wd·p; m ← β1·m + (1−β1)·g;
 * v ← β2·v + (1−β2)·g²; p ← p − lr·(m/bc1)/(√(v/bc2) + eps), with
 * g = grad·s where s is the f32 scalar at grad_scale (1 if grad_scale.mem is NULL). */
typedef struct geocl_adamw_args {
  int64_t n;
  geocl_bref param, grad, m, v, grad_scale;
  float lr, beta1, beta2, eps, weight_decay;
  float bias_correction1, bias_correction2; /* 1 − β^t */
} geocl_adamw_args;

/* PyTorch SGD: d = g·s + wd·p; buf ← d if first_step else momentum·buf + (1−dampening)·d;
 * d ← d + momentum·buf if nesterov else buf (when momentum ≠ 0); p ← p − lr·d. */
typedef struct geocl_sgd_args {
  int64_t n;
  geocl_bref param, grad, buf, grad_scale;
  float lr, momentum, dampening, weight_decay;
  int nesterov, first_step;
} geocl_sgd_args;

/* An argument of a kernel given as source: a buffer (passed as two kernel
 * arguments: its pointer, NULL when buf.mem is NULL, and a ulong element
 * offset), a 64-bit integer (long) or a float. */
typedef enum geocl_kernel_arg_kind { GEOCL_KARG_BUFFER, GEOCL_KARG_LONG, GEOCL_KARG_FLOAT } geocl_kernel_arg_kind;
typedef struct geocl_kernel_arg {
  geocl_kernel_arg_kind kind;
  geocl_bref buf;
  int64_t l;
  float f;
} geocl_kernel_arg;

/* A one-dimensional launch of a kernel from OpenCL C source (the custom ops
 * of geocl/custom-op.h): `kernel` of `source` over work_items work-items,
 * rounded up to the work-group size, with the arguments
 * (long work_items, args...).  program names the source in messages and in
 * the backend's program cache: one name, one source, for the whole process. */
typedef struct geocl_source_kernel {
  const char *program;
  const char *source;
  const char *kernel;
  int64_t work_items;
  int n_args;
  const geocl_kernel_arg *args;
} geocl_source_kernel;

/* Device time spent in one kernel (or runtime operation) while profiling. */
typedef struct geocl_kernel_time {
  char name[48];
  uint64_t calls;
  double seconds;
} geocl_kernel_time;

typedef struct geocl_backend_ops {
  void (*destroy)(geocl_backend *be);

  /* --- buffers --- */
  geocl_status (*alloc)(geocl_backend *be, size_t bytes, void **mem);
  void (*free)(geocl_backend *be, void *mem);
  /* Copies src before returning; the transfer itself may complete later. */
  geocl_status (*upload)(geocl_backend *be, void *mem, size_t byte_off, const void *src, size_t bytes);
  /* Blocking: waits for all enqueued work that writes mem. */
  geocl_status (*download)(geocl_backend *be, void *mem, size_t byte_off, void *dst, size_t bytes);
  geocl_status (*sync)(geocl_backend *be);

  /* --- kernels: one entry per line of GEOCL_BACKEND_KERNELS (backend-kernels.h) --- */
#define GEOCL_BACKEND_KERNEL_FIELD(name, params) geocl_status(*name) params;
  GEOCL_BACKEND_KERNELS(GEOCL_BACKEND_KERNEL_FIELD)
#undef GEOCL_BACKEND_KERNEL_FIELD

  /* --- optional: memory the backend keeps for itself --- */
  /* Bytes of device memory it holds outside the buffers alloc returned
   * (scratch for packing GEMM operands, kept packed weights, FFT staging). */
  size_t (*held_bytes)(geocl_backend *be);

  /* --- optional: per-kernel device times --- */
  /* enable != 0: start recording (forgetting earlier records); enable == 0:
   * stop, wait for the device and return up to max entries, most time first. */
  geocl_status (*profile)(geocl_backend *be, int enable, geocl_kernel_time *out, int max, int *n);

  /* --- optional: GEMM autotuning --- */
  /* Time the backend's GEMM variants on one shape (one warm-up, then
   * `repeat` runs each; quick: a few variants only) and keep the fastest for
   * this device: the untuned choice unless another is clearly faster.  The
   * choice is used from then on and kept in the device's tuning cache. */
  geocl_status (*tune_gemm)(geocl_backend *be, const geocl_gemm_shape *shape, int repeat, int quick,
                            geocl_gemm_tuned *out);
  /* Tune what the backend's GEMM sets once for the whole device (before
   * tune_gemm): shapes[i] weighted by calls[i], n ≥ 1, sorted by work, most
   * first.  Optional even where tune_gemm exists. */
  geocl_status (*tune_gemm_device)(geocl_backend *be, const geocl_gemm_shape *shapes, const uint64_t *calls, int n,
                                   int repeat, int quick, geocl_gemm_device_tuned *out);

  /* --- optional: attention autotuning --- */
  /* Time the fused attention kernels' launch parameters on one shape (one
   * warm-up, then `repeat` runs each; quick: fewer candidates) and keep, per
   * kernel, the untuned ones unless others are clearly faster; used from
   * then on and kept in the device's tuning cache. */
  geocl_status (*tune_attention)(geocl_backend *be, const geocl_attn_shape *shape, int repeat, int quick,
                                 geocl_attn_tuned *out);

  /* --- optional: kernels given as OpenCL C source (custom ops) --- */
  /* Build k->source once per device (cached as the backend's own programs
   * are) and enqueue the launch.  Outside the kernel list: what it computes
   * is the caller's source, not a semantics the reference backend defines.
   * NULL (the reference backend, backends without an OpenCL C compiler):
   * custom ops run their host implementation instead. */
  geocl_status (*source_kernel)(geocl_backend *be, const geocl_source_kernel *k);
} geocl_backend_ops;

struct geocl_backend {
  const char *name; /* "reference", "opencl", ... */
  geocl_device_info device;
  const geocl_backend_ops *ops;
  void *impl;
};

/* What a backend module exports, through the symbol geocl_backend_entry. */
typedef struct geocl_backend_module {
  uint32_t abi; /* GEOCL_BACKEND_ABI of the headers it was built with */
  const char *name;
  const char *description;
  /* Devices this module can open.  *devices is malloc'd (caller frees).
   * "No runtime" is not an error: return GEOCL_OK, count 0 and a hint in *note. */
  geocl_status (*list_devices)(geocl_device_info **devices, int *count, const char **note);
  geocl_status (*open)(int device_index, geocl_backend **out);
  /* sizeof(geocl_backend_ops) of the headers it was built with: a module
   * whose kernel table differs from this geocl's is refused even if someone
   * forgot to bump the ABI number. */
  size_t ops_size;
} geocl_backend_module;

#define GEOCL_BACKEND_ENTRY "geocl_backend_entry"
typedef const geocl_backend_module *(*geocl_backend_entry_fn)(void);

#ifdef __cplusplus
}
#endif
#endif
