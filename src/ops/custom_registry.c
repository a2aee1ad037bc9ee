/* SPDX-License-Identifier: MIT */
/* The process-wide registry of custom ops: checks a descriptor, keeps a copy
 * of it under its name, and finds it again. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "custom_internal.h"

static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;
static geocl_custom_op *registry;

static bool valid_name(const char *s) {
  size_t n = strlen(s);
  if (n == 0 || n >= GEOCL_CUSTOM_NAME_MAX) return false;
  for (; *s; s++)
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') || *s == '_' ||
          *s == '.' || *s == '-'))
      return false;
  return true;
}

static geocl_status check_desc(const geocl_custom_op_desc *d) {
  if (!d || !d->name) return geocl_set_error(GEOCL_E_INVALID, "custom op: the descriptor %s", d ? "has no name" : "is NULL");
  const char *name = d->name;
  if (!valid_name(name))
    return geocl_set_error(GEOCL_E_INVALID, "custom op '%.60s': a name is 1 to %d letters, digits, '_', '.' or '-'",
                           name, GEOCL_CUSTOM_NAME_MAX - 1);
  if (d->n_in < 1 || d->n_in > GEOCL_CUSTOM_MAX_IN)
    return geocl_set_error(GEOCL_E_INVALID, "custom op '%s': n_in is %d, not 1 to %d", name, d->n_in,
                           GEOCL_CUSTOM_MAX_IN);
  if (d->i32_inputs >> d->n_in)
    return geocl_set_error(GEOCL_E_INVALID, "custom op '%s': i32_inputs marks inputs beyond its %d", name, d->n_in);
  if (d->n_ints < 0 || d->n_ints > GEOCL_CUSTOM_MAX_PARAMS || d->n_floats < 0 || d->n_floats > GEOCL_CUSTOM_MAX_PARAMS)
    return geocl_set_error(GEOCL_E_INVALID, "custom op '%s': %d integer and %d float parameters (at most %d each)",
                           name, d->n_ints, d->n_floats, GEOCL_CUSTOM_MAX_PARAMS);
  if (!d->forward || !d->backward)
    return geocl_set_error(GEOCL_E_INVALID, "custom op '%s': no host %s implementation (both passes need one)", name,
                           !d->forward ? "forward" : "backward");
  if (!d->cl_source && (d->cl_forward || d->cl_backward))
    return geocl_set_error(GEOCL_E_INVALID, "custom op '%s': names OpenCL kernels but gives no cl_source", name);
  if (d->cl_source && !d->cl_forward && !d->cl_backward)
    return geocl_set_error(GEOCL_E_INVALID, "custom op '%s': gives cl_source but names no kernel", name);
  return GEOCL_OK;
}

static bool same_str(const char *a, const char *b) { return a == b || (a && b && !strcmp(a, b)); }

static bool same_definition(const geocl_custom_op_desc *a, const geocl_custom_op_desc *b) {
  return a->n_in == b->n_in && a->i32_inputs == b->i32_inputs && a->n_ints == b->n_ints &&
         a->n_floats == b->n_floats && a->output_shape == b->output_shape && a->forward == b->forward &&
         a->backward == b->backward && a->work_items == b->work_items && same_str(a->cl_source, b->cl_source) &&
         same_str(a->cl_forward, b->cl_forward) && same_str(a->cl_backward, b->cl_backward);
}

static geocl_custom_op *find_locked(const char *name) {
  geocl_custom_op *op = registry;
  while (op && strcmp(op->desc.name, name)) op = op->next;
  return op;
}

static void free_op(geocl_custom_op *op) {
  free((char *)op->desc.name);
  free((char *)op->desc.cl_source);
  free((char *)op->desc.cl_forward);
  free((char *)op->desc.cl_backward);
  free(op);
}

/* A copy of d with its own strings (NULL when out of memory). */
static geocl_custom_op *new_op(const geocl_custom_op_desc *d) {
  geocl_custom_op *op = calloc(1, sizeof *op);
  if (!op) return NULL;
  op->desc = *d;
  op->desc.name = strdup(d->name);
  op->desc.cl_source = d->cl_source ? strdup(d->cl_source) : NULL;
  op->desc.cl_forward = d->cl_forward ? strdup(d->cl_forward) : NULL;
  op->desc.cl_backward = d->cl_backward ? strdup(d->cl_backward) : NULL;
  if (!op->desc.name || (d->cl_source && !op->desc.cl_source) || (d->cl_forward && !op->desc.cl_forward) ||
      (d->cl_backward && !op->desc.cl_backward)) {
    free_op(op);
    return NULL;
  }
  snprintf(op->program, sizeof op->program, "custom op '%s'", d->name);
  return op;
}

geocl_status geocl_custom_op_register(const geocl_custom_op_desc *desc, const geocl_custom_op **out) {
  if (out) *out = NULL;
  geocl_status st = check_desc(desc);
  if (st != GEOCL_OK) return st;
  pthread_mutex_lock(&registry_lock);
  geocl_custom_op *op = find_locked(desc->name);
  if (op && !same_definition(&op->desc, desc)) {
    op = NULL;
    st = geocl_set_error(GEOCL_E_INVALID, "custom op '%s' is already registered with another definition", desc->name);
  } else if (!op) {
    op = new_op(desc);
    if (op) {
      op->next = registry;
      registry = op;
    } else {
      st = geocl_set_error(GEOCL_E_NOMEM, "out of memory registering custom op '%s'", desc->name);
    }
  }
  pthread_mutex_unlock(&registry_lock);
  if (out) *out = op;
  return st;
}

const geocl_custom_op *geocl_custom_op_find(const char *name) {
  if (!name) return NULL;
  pthread_mutex_lock(&registry_lock);
  const geocl_custom_op *op = find_locked(name);
  pthread_mutex_unlock(&registry_lock);
  return op;
}

const geocl_custom_op_desc *geocl_custom_op_describe(const geocl_custom_op *op) { return op ? &op->desc : NULL; }
