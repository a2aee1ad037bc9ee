/* SPDX-License-Identifier: MIT */
/* Custom ops: a differentiable op defined outside geocl (by a plugin, or any
 * program linked against libgeocl), called like the built-in ones and
 * recorded on the autograd tape.  docs/adding-an-op.md ("Custom ops") walks
 * through one; geocl/op-check.h tests it as the built-in ops are tested.
 *
 * An op is registered once per process from a descriptor giving
 *   - a host C implementation of the forward and of the backward pass.  The
 *     reference backend runs them on its own buffers, so they are the op's
 *     numerical oracle: write them plainly and accumulate in double;
 *   - optionally OpenCL C source holding a forward and/or a backward kernel.
 *     The OpenCL backend compiles it once per device (through its program
 *     cache and its on-disk binary cache) and launches it on the tensors'
 *     buffers.  A pass without a kernel still runs on OpenCL: its tensors are
 *     copied to the host, the host implementation runs, the results are
 *     copied back (correct, slow; a warning says so once per op and pass).
 *
 * Tensors reach both implementations contiguous and row-major.  Inputs are
 * f32 unless marked i32 (indices, labels; never differentiated).  The output
 * is f32, of input 0's shape unless output_shape says otherwise.  Each call
 * also passes the op's fixed number of integer and float parameters.
 *
 * OpenCL kernel arguments, in this order:
 *
 *   forward:  long n, IN_0 … IN_k−1, OUT, integer parameters, float parameters
 *   backward: long n, IN_0 … IN_k−1, OUT, DOUT, DIN_0 … DIN_k−1, integer
 *             parameters, float parameters
 *
 * Every tensor is two arguments, `__global float *p, ulong off` (`__global
 * int *` for an i32 input), its elements starting at p + off.  An integer
 * parameter is a `long`, a float parameter a `float`.  DIN_i is a NULL pointer
 * when input i needs no gradient (and always for an i32 input).  The launch is
 * one-dimensional over n work-items (work_items(), by default the output's
 * element count), rounded up to the work-group size, so a kernel starts with
 * `if (get_global_id(0) >= n) return;`; the work-group size is the backend's
 * choice, so kernels use no barriers.  Sources are OpenCL C 1.2, compiled
 * without -cl-fast-relaxed-math.
 *
 * The backward pass (host or kernel) overwrites every gradient it is given;
 * the tape adds them up. */
#ifndef GEOCL_CUSTOM_OP_H
#define GEOCL_CUSTOM_OP_H

#include <stdint.h>

#include <geocl/status.h>
#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

#define GEOCL_CUSTOM_MAX_IN 6     /* tensor inputs per op */
#define GEOCL_CUSTOM_MAX_PARAMS 8 /* integer parameters, and float parameters, per call */
#define GEOCL_CUSTOM_NAME_MAX 48  /* an op's name is shorter than this */

/* A tensor as the host implementation sees it. */
typedef struct geocl_custom_tensor {
  /* float * or int32_t *, contiguous.  NULL for a gradient nobody needs, and
   * in the arguments given to output_shape and work_items. */
  void *data;
  geocl_dtype dtype;
  int ndim;
  int64_t shape[GEOCL_MAX_DIMS];
  int64_t numel;
} geocl_custom_tensor;

/* What a pass works on.  Inputs are read only. */
typedef struct geocl_custom_args {
  int n_in;
  geocl_custom_tensor in[GEOCL_CUSTOM_MAX_IN];
  geocl_custom_tensor out;                      /* forward: to write; backward: the forward's result */
  geocl_custom_tensor dout;                     /* backward: the output's gradient */
  geocl_custom_tensor din[GEOCL_CUSTOM_MAX_IN]; /* backward: input gradients to write (data NULL: not wanted) */
  int64_t ints[GEOCL_CUSTOM_MAX_PARAMS];
  float floats[GEOCL_CUSTOM_MAX_PARAMS];
} geocl_custom_args;

typedef struct geocl_custom_op_desc {
  /* Registry key, the op's name on the tape and in messages: letters,
   * digits, '_', '.', '-', shorter than GEOCL_CUSTOM_NAME_MAX. */
  const char *name;
  int n_in;              /* tensor inputs, 1 … GEOCL_CUSTOM_MAX_IN */
  unsigned i32_inputs;   /* bit i set: input i is i32 */
  int n_ints, n_floats;  /* parameters of every call, 0 … GEOCL_CUSTOM_MAX_PARAMS each */
  /* Optional: check the inputs' shapes and the parameters (an error names
   * the op and what is wrong) and give the output's shape.  NULL: the output
   * has input 0's shape. */
  geocl_status (*output_shape)(const geocl_custom_args *a, int *ndim, int64_t *shape);
  /* Host implementations, both required.  Return GEOCL_OK or the status of
   * geocl_set_error. */
  geocl_status (*forward)(const geocl_custom_args *a);
  geocl_status (*backward)(const geocl_custom_args *a);
  /* Optional: OpenCL C source and the names of its kernels for the forward
   * and the backward pass (either name may be NULL: that pass copies to the
   * host on OpenCL). */
  const char *cl_source;
  const char *cl_forward;
  const char *cl_backward;
  /* Optional: work-items of a kernel launch (backward != 0: of the backward
   * kernel).  NULL: the output's element count for both. */
  int64_t (*work_items)(const geocl_custom_args *a, int backward);
} geocl_custom_op_desc;

typedef struct geocl_custom_op geocl_custom_op;

/* Register the op (the registry keeps copies of the strings).  Idempotent: a
 * second registration of an identical descriptor returns the op registered
 * first, so a plugin may register from its create function; the same name
 * with another definition is E_INVALID. */
geocl_status geocl_custom_op_register(const geocl_custom_op_desc *desc, const geocl_custom_op **op);
/* The op registered under name, or NULL. */
const geocl_custom_op *geocl_custom_op_find(const char *name);
/* The registered descriptor (its strings are the registry's copies). */
const geocl_custom_op_desc *geocl_custom_op_describe(const geocl_custom_op *op);

/* Run the op on its desc->n_in inputs (any views; all of one context) with
 * desc->n_ints integers and desc->n_floats floats (either array may be NULL
 * when its count is 0).  Returns the output, recorded on the tape when an
 * input requires a gradient; NULL with the message on error (a NULL input
 * keeps the first error, as every op does). */
geocl_tensor *geocl_custom(const geocl_custom_op *op, geocl_tensor *const *in, const int64_t *ints,
                           const float *floats);

#ifdef __cplusplus
}
#endif
#endif
