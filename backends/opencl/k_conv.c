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

/* Work-groups as wide as the first dimension needs (a power of two), filled
 * up to the kernel's work-group size with the second. */
static void group_shape(const ocl_kernel_slot *k, size_t width, size_t local[3]) {
  size_t lanes = 1;
  while (lanes < width && lanes < k->wg) lanes *= 2;
  local[0] = lanes;
  local[1] = k->wg / lanes;
  local[2] = 1;
}

/* kernel(window, buffer, offset, buffer, offset, ...) over a 2- or 3-D range */
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
  size_t local[3];
  group_shape(k, global[0], local);
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

/* dx = 0, then one scatter per class of outputs whose windows do not overlap:
 * outputs cy = ⌈span/stride⌉ rows (columns) apart, span the dilated kernel's
 * extent.  (A gather per input element reads up to span²/stride² arg-maxes
 * for each one.) */
geocl_status ocl_max_pool2d_backward(geocl_backend *be, const geocl_window2d *g, geocl_bref arg, geocl_bref dy,
                                     geocl_bref dx) {
  ocl_backend *ob = ocl_of(be);
  geocl_status st = ocl_fill(be, g->n * g->c * g->h * g->w, 0, dx);
  ocl_kernel_slot *k;
  if (st == GEOCL_OK) st = ocl_kernel(ob, "conv", "max_pool2d_scatter", &k);
  if (st != GEOCL_OK) return st;
  cl_long cy = ((g->kh - 1) * g->dh + g->sh) / g->sh, cx = ((g->kw - 1) * g->dw + g->sw) / g->sw;
  ocl_window2d w = window_arg(g);
  cl_mem am = ocl_mem(arg), dym = ocl_mem(dy), dxm = ocl_mem(dx);
  cl_ulong ao = arg.off, dyo = dy.off, dxo = dx.off;
  size_t global[3] = {(size_t)((g->ow + cx - 1) / cx), (size_t)((g->oh + cy - 1) / cy), (size_t)(g->n * g->c)};
  for (cl_long py = 0; st == GEOCL_OK && py < cy; py++)
    for (cl_long px = 0; st == GEOCL_OK && px < cx; px++) {
      st = ocl_args(k->kernel, 11, OCL_ARG(w), OCL_ARG(cy), OCL_ARG(cx), OCL_ARG(py), OCL_ARG(px), OCL_ARG(am),
                    OCL_ARG(ao), OCL_ARG(dym), OCL_ARG(dyo), OCL_ARG(dxm), OCL_ARG(dxo));
      size_t local[3];
      group_shape(k, global[0], local);
      if (st == GEOCL_OK) st = ocl_launch(ob, k, 3, global, local);
    }
  return st;
}
