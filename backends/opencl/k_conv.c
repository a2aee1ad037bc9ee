/* SPDX-License-Identifier: MIT */
/* Launchers for cl/conv.cl: im2col, col2im, max pooling. */
#include "ocl.h"

/* cl/conv.cl's window2d: the host struct's 64-bit fields, in order */
typedef struct ocl_window2d {
  cl_long n, c, h, w, kh, kw, sh, sw, ph, pw, dh, dw, oh, ow;
} ocl_window2d;

static ocl_window2d window_arg(const geocl_window2d *g) {
  return (ocl_window2d){g->n, g->c, g->h, g->w, g->kh, g->kw, g->sh, g->sw, g->ph, g->pw, g->dh, g->dw, g->oh, g->ow};
}

/* kernel(window, buffer, offset, buffer, offset, ...) over a 2- or 3-D range;
 * work-groups are as wide as the first dimension needs (a power of two) and
 * fill up the kernel's work-group size with the second */
static geocl_status launch(ocl_backend *ob, const char *name, const geocl_window2d *g, int nbufs, const geocl_bref *bufs,
                           cl_uint dims, const size_t *global) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_kernel(ob, "conv", name, &k);
  if (st != GEOCL_OK) return st;
  ocl_window2d w = window_arg(g);
  cl_int err = clSetKernelArg(k->kernel, 0, sizeof w, &w);
  for (int i = 0; i < nbufs && err == CL_SUCCESS; i++) {
    cl_mem m = ocl_mem(bufs[i]);
    cl_ulong off = bufs[i].off;
    err = clSetKernelArg(k->kernel, (cl_uint)(1 + 2 * i), sizeof m, &m);
    if (err == CL_SUCCESS) err = clSetKernelArg(k->kernel, (cl_uint)(2 + 2 * i), sizeof off, &off);
  }
  if (err != CL_SUCCESS) return ocl_fail(err, name);
  size_t lanes = 1;
  while (lanes < global[0] && lanes < k->wg) lanes *= 2;
  size_t local[3] = {lanes, k->wg / lanes, 1};
  return ocl_launch(ob, k, dims, global, local);
}

geocl_status ocl_im2col(geocl_backend *be, const geocl_window2d *g, geocl_bref x, geocl_bref col) {
  ocl_backend *ob = ocl_of(be);
  size_t vw = ob->dev->defaults.vec_width;
  size_t global[3] = {((size_t)g->ow + vw - 1) / vw, (size_t)(g->n * g->oh), (size_t)(g->c * g->kh * g->kw)};
  return launch(ob, "im2col", g, 2, (geocl_bref[]){x, col}, 3, global);
}

geocl_status ocl_col2im(geocl_backend *be, const geocl_window2d *g, geocl_bref col, geocl_bref x) {
  ocl_backend *ob = ocl_of(be);
  size_t vw = ob->dev->defaults.vec_width;
  size_t global[2] = {((size_t)g->w + vw - 1) / vw, (size_t)(g->n * g->c * g->h)};
  return launch(ob, "col2im", g, 2, (geocl_bref[]){col, x}, 2, global);
}

geocl_status ocl_max_pool2d(geocl_backend *be, const geocl_window2d *g, geocl_bref x, geocl_bref y, geocl_bref arg) {
  size_t global[3] = {(size_t)g->ow, (size_t)g->oh, (size_t)(g->n * g->c)};
  return launch(ocl_of(be), "max_pool2d", g, 3, (geocl_bref[]){x, y, arg}, 3, global);
}

geocl_status ocl_max_pool2d_backward(geocl_backend *be, const geocl_window2d *g, geocl_bref arg, geocl_bref dy,
                                     geocl_bref dx) {
  size_t global[3] = {(size_t)g->w, (size_t)g->h, (size_t)(g->n * g->c)};
  return launch(ocl_of(be), "max_pool2d_backward", g, 3, (geocl_bref[]){arg, dy, dx}, 3, global);
}
