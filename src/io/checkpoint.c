/* SPDX-License-Identifier: MIT */
/* Checks shared by the loaders of named tensors. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "ops/ops_internal.h"

/* A short list of names for an error message: "a, b, c, ...". */
typedef struct name_list {
  int count;
  char text[320];
} name_list;

#define LISTED_NAMES 3

static void list_add(name_list *l, const char *name, const char *detail) {
  if (l->count++ >= LISTED_NAMES) return;
  size_t used = strlen(l->text);
  snprintf(l->text + used, sizeof l->text - used, "%s%s%s", l->count > 1 ? ", " : "", name, detail);
}

static void list_print(const name_list *l, const char *what, char *buf, size_t size) {
  if (!l->count) return;
  size_t used = strlen(buf);
  snprintf(buf + used, size - used, "%s%d %s (%s%s)", used ? "; " : "", l->count, what, l->text,
           l->count > LISTED_NAMES ? ", ..." : "");
}

static bool is_float_dtype(geocl_st_dtype dt) {
  return dt == GEOCL_ST_F32 || dt == GEOCL_ST_F16 || dt == GEOCL_ST_BF16 || dt == GEOCL_ST_F64;
}

static bool is_integer_dtype(geocl_st_dtype dt) {
  return dt == GEOCL_ST_U8 || dt == GEOCL_ST_I8 || dt == GEOCL_ST_U16 || dt == GEOCL_ST_I16 || dt == GEOCL_ST_U32 ||
         dt == GEOCL_ST_I32 || dt == GEOCL_ST_U64 || dt == GEOCL_ST_I64;
}

static bool wanted(int n, const ckpt_tensor *want, const char *name) {
  for (int i = 0; i < n; i++)
    if (!strcmp(want[i].name, name)) return true;
  return false;
}

geocl_status ckpt_check_tensors(const geocl_st_file *f, const char *what, int n, const ckpt_tensor *want) {
  name_list missing = {0}, shape = {0}, dtype = {0}, unexpected = {0};
  for (int i = 0; i < n; i++) {
    const ckpt_tensor *w = &want[i];
    const geocl_st_info *t = geocl_st_find(f, w->name);
    if (!t) {
      list_add(&missing, w->name, "");
      continue;
    }
    bool same = t->ndim == w->ndim;
    for (int d = 0; same && d < w->ndim; d++) same = t->shape[d] == w->shape[d];
    if (!same) {
      char a[96], b[96], detail[200];
      snprintf(detail, sizeof detail, " %s instead of %s", ops_shape_str(t->ndim, t->shape, a, sizeof a),
               ops_shape_str(w->ndim, w->shape, b, sizeof b));
      list_add(&shape, w->name, detail);
    } else if (!is_float_dtype(t->dtype) && !(w->integer_ok && is_integer_dtype(t->dtype))) {
      char detail[32];
      snprintf(detail, sizeof detail, " %s", geocl_st_dtype_name(t->dtype));
      list_add(&dtype, w->name, detail);
    }
  }
  for (int i = 0; i < geocl_st_count(f); i++)
    if (!wanted(n, want, geocl_st_at(f, i)->name)) list_add(&unexpected, geocl_st_at(f, i)->name, "");
  char msg[900] = "";
  list_print(&missing, "missing", msg, sizeof msg);
  list_print(&unexpected, "unexpected", msg, sizeof msg);
  list_print(&shape, "with another shape", msg, sizeof msg);
  list_print(&dtype, "not floating-point", msg, sizeof msg);
  if (!msg[0]) return GEOCL_OK;
  return geocl_set_error(GEOCL_E_SHAPE, "%s: does not match %s: %s", geocl_st_path(f), what, msg);
}

geocl_status ckpt_check_values(const char *path, const char *name, const float *x, size_t n, bool non_negative) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]) || (non_negative && x[i] < 0))
      return geocl_set_error(GEOCL_E_NUMERIC, "%s: tensor '%s' holds %s at element %zu", path, name,
                             isnan(x[i]) ? "NaN" : isinf(x[i]) ? "an infinite value" : "a negative value", i);
  return GEOCL_OK;
}

geocl_status ckpt_verify(const geocl_st_file *f) {
  const char *env = getenv("GEOCL_CHECKSUMS");
  return env && !strcmp(env, "off") ? GEOCL_OK : geocl_st_verify(f);
}
