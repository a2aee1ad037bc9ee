/* SPDX-License-Identifier: MIT */
/* The in-tree side of the op tests: all cases in one array, the per-family
 * summary, and Check shorthands for geocl/op-check.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "op_harness.h"

int harness_all_cases(const op_case ***cases) {
  int n = 0;
  for (const op_case *const *t = op_case_tables; *t; t++)
    for (const op_case *c = *t; c->name; c++) n++;
  *cases = malloc(sizeof **cases * (size_t)(n ? n : 1));
  if (!*cases) {
    fprintf(stderr, "out of memory listing the op cases\n");
    exit(99);
  }
  n = 0;
  for (const op_case *const *t = op_case_tables; *t; t++)
    for (const op_case *c = *t; c->name; c++) (*cases)[n++] = c;
  return n;
}

void harness_note_worst(harness_worst *w, const char *case_name, double e0, double e1) {
  char fam[32];
  snprintf(fam, sizeof fam, "%.*s", (int)strcspn(case_name, "/"), case_name);
  int i;
  for (i = 0; i < w->n && strcmp(w->f[i].family, fam); i++) {
  }
  if (i == w->n) {
    if (w->n == (int)(sizeof w->f / sizeof w->f[0])) return;
    snprintf(w->f[w->n++].family, sizeof w->f[0].family, "%s", fam);
  }
  if (e0 > w->f[i].err[0]) w->f[i].err[0] = e0;
  if (e1 > w->f[i].err[1]) w->f[i].err[1] = e1;
}

void *harness_make_input(const op_case *c, int i, unsigned seed) {
  void *p = geocl_op_case_input(c, i, seed);
  ck_assert_msg(p != NULL, "%s", geocl_last_error());
  return p;
}

void harness_upload(geocl_ctx *ctx, const op_case *c, void *const *host, geocl_tensor **out) {
  ck_assert_ok(geocl_op_case_upload(ctx, c, host, out));
}
