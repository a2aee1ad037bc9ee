/* SPDX-License-Identifier: MIT */
/* Building strided index-space descriptors with collapsed dimensions. */
#include <string.h>

#include "ocl.h"
#include "strided.h"

void ocl_strided_build(ocl_strided_desc *d, int ndim, const int64_t *shape, const int64_t *s0, const int64_t *s1,
                       const int64_t *s2) {
  memset(d, 0, sizeof *d);
  d->n = 1;
  int k = 0;
  for (int i = 0; i < ndim; i++) {
    d->n *= shape[i];
    if (shape[i] == 1) continue;
    int64_t c = s2 ? s2[i] : 0;
    if (k > 0 && d->s0[k - 1] == s0[i] * shape[i] && d->s1[k - 1] == s1[i] * shape[i] &&
        d->s2[k - 1] == c * shape[i]) {
      /* the previous dimension steps over exactly this one: merge */
      d->shape[k - 1] *= shape[i];
      d->s0[k - 1] = s0[i];
      d->s1[k - 1] = s1[i];
      d->s2[k - 1] = c;
      continue;
    }
    d->shape[k] = shape[i];
    d->s0[k] = s0[i];
    d->s1[k] = s1[i];
    d->s2[k] = c;
    k++;
  }
  if (k == 0) { /* a single element */
    d->shape[0] = 1;
    k = 1;
  }
  d->ndim = k;
}

geocl_status ocl_launch_strided(ocl_backend *ob, ocl_kernel_slot *k, const ocl_strided_desc *d) {
  size_t last = (size_t)d->shape[d->ndim - 1], vw = ob->dev->defaults.vec_width, runs = (last + vw - 1) / vw,
         lanes = 1;
  while (lanes < runs && lanes * 2 <= k->wg && lanes * 2 <= ob->dev->max_item[0]) lanes *= 2;
  size_t rows = k->wg / lanes < ob->dev->max_item[1] ? k->wg / lanes : ob->dev->max_item[1];
  size_t local[2] = {lanes, rows}, global[2] = {runs, (size_t)d->n / last};
  return ocl_launch(ob, k, 2, global, local);
}
