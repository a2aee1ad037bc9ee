/* SPDX-License-Identifier: MIT */
/* A registered custom op (geocl/custom-op.h), shared by the registry
 * (custom_registry.c) and the op itself (ops_custom.c). */
#ifndef GEOCL_CUSTOM_INTERNAL_H
#define GEOCL_CUSTOM_INTERNAL_H

#include <stdatomic.h>

#include <geocl/custom-op.h>

struct geocl_custom_op {
  geocl_custom_op_desc desc; /* its strings are the registry's copies */
  /* "custom op 'NAME'": names the OpenCL source for the backend's program
   * cache and its messages */
  char program[GEOCL_CUSTOM_NAME_MAX + 16];
  /* forward, backward: the warning about running it through host copies was given */
  atomic_bool copies_noted[2];
  struct geocl_custom_op *next;
};

#endif
