/* SPDX-License-Identifier: MIT */
/* Host tables of token positions: CroCo v1's fixed 2D sin-cos embedding and
 * the (row, col) grid that RoPE reads. */
#include <math.h>

#include <geocl/vit.h>

/* Computed in double and rounded once, as the official numpy code does. */
void geocl_sincos_pos_embed_2d(float *out, int h, int w, int dim) {
  if (!out || h < 0 || w < 0 || dim <= 0 || dim % 4 != 0) {
    geocl_set_error(GEOCL_E_INVALID, "sincos_pos_embed_2d: no table, or a %d×%d grid with dim %d (a positive "
                    "multiple of 4)", h, w, dim);
    return;
  }
  int q = dim / 4;
  for (int i = 0; i < h; i++)
    for (int j = 0; j < w; j++) {
      float *row = out + ((int64_t)i * w + j) * dim;
      for (int k = 0; k < q; k++) {
        double omega = 1.0 / pow(10000.0, (double)k / q);
        row[k] = (float)sin(j * omega); /* the first half encodes the column x */
        row[q + k] = (float)cos(j * omega);
        row[2 * q + k] = (float)sin(i * omega); /* the second half the row y */
        row[3 * q + k] = (float)cos(i * omega);
      }
    }
}

void geocl_grid_positions(int32_t *out, int h, int w) {
  for (int i = 0; i < h; i++)
    for (int j = 0; j < w; j++) {
      out[2 * ((int64_t)i * w + j)] = i;
      out[2 * ((int64_t)i * w + j) + 1] = j;
    }
}
