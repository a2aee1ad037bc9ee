/* SPDX-License-Identifier: MIT */
/* Launchers for cl/attention.cl: fused attention forward, its two backward
 * kernels (dq per query, dk and dv per key), and 2D RoPE. */
#include <stdlib.h>
#include <string.h>

#include "attention.h"

/* As in cl/attention.cl: the longest head vector a work-item keeps in private
 * memory, and the most rows of a local-memory tile. */
#define MAX_HEAD_DIM 128
#define MAX_TILE OCL_ATTN_MAX_TILE
/* Bytes of __local arrays the kernels declare themselves (θ, lse and D of a
 * tile), where the device reports fewer for a kernel. */
#define KERNEL_LOCAL_BYTES ((MAX_HEAD_DIM / 4 + 2 * MAX_TILE) * sizeof(cl_float))

enum { OP_Q, OP_K, OP_V, OP_O, OP_DO, OP_DQ, OP_DK, OP_DV, N_OPERANDS };

/* cl/attention.cl's attn_desc */
typedef struct attn_desc {
  cl_long nq, nk, heads, dh, tile;
  cl_long lse_off, qpos_off, kpos_off;
  cl_long off[N_OPERANDS], sb[N_OPERANDS], st[N_OPERANDS], sh[N_OPERANDS];
} attn_desc;

static void set_operand(attn_desc *d, int o, geocl_bref r, int64_t sb, int64_t st, int64_t sh) {
  d->off[o] = (cl_long)r.off;
  d->sb[o] = sb;
  d->st[o] = st;
  d->sh[o] = sh;
}

/* n rounded up to whole vectors of the device */
static int64_t round_vw(const ocl_backend *ob, int64_t n) {
  int64_t vw = (int64_t)ob->dev->defaults.vec_width;
  return (n + vw - 1) / vw * vw;
}

/* Local bytes of one tile of `tile` rows: cl/attention.cl pads rows and
 * columns to whole vectors. */
static size_t tile_bytes(const ocl_backend *ob, int64_t tile, int64_t head_dim) {
  return (size_t)(round_vw(ob, tile) * round_vw(ob, head_dim)) * sizeof(cl_float);
}

/* Rows per tile, at most `most`: n_tiles tiles must fit the device's local
 * memory next to the kernel's own arrays; whole vectors of rows unless fewer
 * rows exist.  (The kernels take any tile ≤ MAX_TILE: attn_desc passes it.) */
static cl_long tile_rows(const ocl_backend *ob, const ocl_kernel_slot *k, int n_tiles, int64_t head_dim,
                         int64_t rows, int64_t most) {
  uint64_t local = ob->dev->info.local_mem_bytes, own = k->local_bytes > KERNEL_LOCAL_BYTES ? k->local_bytes
                                                                                              : KERNEL_LOCAL_BYTES;
  uint64_t avail = local > own ? local - own : 0;
  int64_t tile = rows < most ? rows : most, vw = (int64_t)ob->dev->defaults.vec_width;
  if (tile > vw) tile -= tile % vw;
  while (tile > 1 && (uint64_t)n_tiles * tile_bytes(ob, tile, head_dim) > avail) tile--;
  return tile > 0 ? tile : 1;
}

/* Work-items per work-group: what the kernel allows, at most `limit`,
 * spread evenly over the work-groups the rows need and rounded up to the
 * kernel's preferred multiple (items past the last row only idle). */
static size_t block_size(const ocl_kernel_slot *k, int64_t rows, size_t limit) {
  size_t most = k->max_wg < limit ? k->max_wg : limit, m = k->multiple;
  size_t groups = ((size_t)rows + most - 1) / most, per_group = ((size_t)rows + groups - 1) / groups;
  size_t wg = (per_group + m - 1) / m * m; /* whole multiples of the device's preferred size */
  return wg <= most ? wg : most;
}

static geocl_status check_head_dim(const char *op, int64_t head_dim) {
  if (head_dim <= MAX_HEAD_DIM) return GEOCL_OK;
  return geocl_set_error(GEOCL_E_UNSUPPORTED, "%s: head_dim %lld exceeds the OpenCL kernels' limit %d", op,
                         (long long)head_dim, MAX_HEAD_DIM);
}

static attn_desc describe(const geocl_attn_args *a, cl_long tile) {
  attn_desc d;
  memset(&d, 0, sizeof d);
  d.nq = a->nq;
  d.nk = a->nk;
  d.heads = a->heads;
  d.dh = a->head_dim;
  d.tile = tile;
  d.lse_off = (cl_long)a->lse.off;
  d.qpos_off = (cl_long)a->qpos.off;
  d.kpos_off = (cl_long)a->kpos.off;
  set_operand(&d, OP_Q, a->q, a->q_sb, a->q_st, a->q_sh);
  set_operand(&d, OP_K, a->k, a->k_sb, a->k_st, a->k_sh);
  set_operand(&d, OP_V, a->v, a->v_sb, a->v_st, a->v_sh);
  set_operand(&d, OP_O, a->o, a->o_sb, a->o_st, a->o_sh);
  set_operand(&d, OP_DO, a->dout, a->do_sb, a->do_st, a->do_sh);
  set_operand(&d, OP_DQ, a->dq, a->dq_sb, a->dq_st, a->dq_sh);
  set_operand(&d, OP_DK, a->dk, a->dk_sb, a->dk_st, a->dk_sh);
  set_operand(&d, OP_DV, a->dv, a->dv_sb, a->dv_st, a->dv_sh);
  return d;
}

/* The kernels: a work-item per row of one side (queries or keys), walking
 * tiles of the other; after the descriptor, scale and base, the arguments
 * are n_mem buffers (these operands of geocl_attn_args), then n_tiles local
 * tiles. */
static const struct {
  const char *name;
  bool rows_are_keys;
  int n_mem, n_tiles;
} kernels[OCL_ATTN_KERNELS] = {{"attn_fwd", false, 7, 2}, {"attn_bwd_dq", false, 9, 3}, {"attn_bwd_dkv", true, 10, 4}};

static void operands(int kernel, const geocl_attn_args *a, geocl_bref *mems) {
  geocl_bref common[] = {a->q, a->k, a->v, a->o, a->lse, a->qpos, a->kpos, a->dout};
  memcpy(mems, common, sizeof common);
  mems[8] = kernel == OCL_ATTN_DQ ? a->dq : a->dk;
  mems[9] = a->dv;
}

/* Work-items of a kernel's launch on a: one per ATTN_ROWS rows of its side. */
static int64_t items(const ocl_backend *ob, int kernel, const geocl_attn_args *a) {
  int64_t rows = kernels[kernel].rows_are_keys ? a->nk : a->nq, per = ob->dev->defaults.attn_rows;
  return (rows + per - 1) / per;
}

/* Every work-group loads and rotates all tiles of the other side, so the more
 * rows share them the less is repeated (on PoCL at N = 196, 256 halves the
 * RoPE overhead of 64): the device's defaults say how many (defaults.c). */
ocl_attn_params ocl_attn_untuned(const ocl_device *dev) { return (ocl_attn_params){MAX_TILE, dev->defaults.attn_block}; }

/* GEOCL_ATTENTION, else the tuned limits, else the untuned ones. */
static geocl_status limits(ocl_backend *ob, int kernel, const geocl_attn_args *a, ocl_attn_params *p) {
  const char *force = getenv("GEOCL_ATTENTION");
  if (force && *force) {
    if (ocl_attn_params_parse(force, p)) return GEOCL_OK;
    return geocl_set_error(GEOCL_E_INVALID, "GEOCL_ATTENTION='%s': expected tile=T block=W, 1 <= T <= %d, W >= 1",
                           force, MAX_TILE);
  }
  geocl_attn_shape s = {a->batch, a->nq, a->nk, a->heads, a->head_dim, a->rope_base > 0};
  if (!ocl_attn_tuned(ob->dev, kernel, &s, p)) *p = ocl_attn_untuned(ob->dev);
  return GEOCL_OK;
}

geocl_status ocl_attn_kernel(ocl_backend *ob, int kernel, ocl_kernel_slot **k) {
  return ocl_kernel(ob, "attention", kernels[kernel].name, k);
}

geocl_status ocl_attn_effective(ocl_backend *ob, int kernel, const geocl_attn_args *a, const ocl_attn_params *p,
                                ocl_attn_params *out) {
  ocl_kernel_slot *k;
  geocl_status st = ocl_attn_kernel(ob, kernel, &k);
  if (st != GEOCL_OK) return st;
  int64_t other = kernels[kernel].rows_are_keys ? a->nq : a->nk;
  out->tile = (int)tile_rows(ob, k, kernels[kernel].n_tiles, a->head_dim, other, p->tile);
  out->block = (int)block_size(k, items(ob, kernel, a), (size_t)p->block);
  return GEOCL_OK;
}

geocl_status ocl_attn_launch(ocl_backend *ob, int kernel, const geocl_attn_args *a, const ocl_attn_params *p) {
  ocl_attn_params lim, run;
  geocl_status st = p ? GEOCL_OK : limits(ob, kernel, a, &lim);
  if (st == GEOCL_OK) st = ocl_attn_effective(ob, kernel, a, p ? p : &lim, &run);
  ocl_kernel_slot *k;
  if (st == GEOCL_OK) st = ocl_attn_kernel(ob, kernel, &k);
  if (st != GEOCL_OK) return st;
  attn_desc d = describe(a, run.tile);
  cl_float scale = a->scale, base = a->rope_base;
  st = ocl_args(k->kernel, 3, OCL_ARG(d), OCL_ARG(scale), OCL_ARG(base));
  geocl_bref mems[10];
  operands(kernel, a, mems);
  cl_uint arg = 3;
  cl_int err = CL_SUCCESS;
  for (int i = 0; i < kernels[kernel].n_mem && err == CL_SUCCESS; i++) {
    cl_mem m = ocl_mem(mems[i]); /* NULL for positions without RoPE */
    err = clSetKernelArg(k->kernel, arg++, sizeof m, &m);
  }
  if (st == GEOCL_OK && err != CL_SUCCESS) st = ocl_fail(err, kernels[kernel].name);
  size_t bytes = tile_bytes(ob, d.tile, d.dh);
  for (int i = 0; i < kernels[kernel].n_tiles && st == GEOCL_OK; i++)
    st = ocl_local_arg(ob, k, arg++, bytes, (size_t)i * bytes);
  if (st != GEOCL_OK) return st;
  size_t local[2] = {(size_t)run.block, 1}, global[2] = {(size_t)items(ob, kernel, a), (size_t)(a->batch * a->heads)};
  return ocl_launch(ob, k, 2, global, local);
}

geocl_status ocl_attention(geocl_backend *be, const geocl_attn_args *a) {
  geocl_status st = check_head_dim("attention", a->head_dim);
  return st != GEOCL_OK ? st : ocl_attn_launch(ocl_of(be), OCL_ATTN_FWD, a, NULL);
}

geocl_status ocl_attention_backward(geocl_backend *be, const geocl_attn_args *a) {
  geocl_status st = check_head_dim("attention", a->head_dim);
  if (st == GEOCL_OK) st = ocl_attn_launch(ocl_of(be), OCL_ATTN_DQ, a, NULL);
  return st != GEOCL_OK ? st : ocl_attn_launch(ocl_of(be), OCL_ATTN_DKV, a, NULL);
}

geocl_status ocl_rope(geocl_backend *be, int64_t batch, int64_t n, int64_t heads, int64_t head_dim, float base,
                      int inverse, geocl_bref x, int64_t sb, int64_t st, int64_t sh, geocl_bref pos, geocl_bref y) {
  ocl_backend *ob = ocl_of(be);
  ocl_kernel_slot *k;
  geocl_status s = ocl_kernel(ob, "attention", "rope", &k);
  if (s != GEOCL_OK) return s;
  cl_long b = batch, nn = n, hh = heads, dh = head_dim, xsb = sb, xst = st, xsh = sh;
  cl_float fb = base, sign = inverse ? -1.0f : 1.0f;
  cl_mem xm = ocl_mem(x), pm = ocl_mem(pos), ym = ocl_mem(y);
  cl_ulong xo = x.off, po = pos.off, yo = y.off;
  s = ocl_args(k->kernel, 15, OCL_ARG(b), OCL_ARG(nn), OCL_ARG(hh), OCL_ARG(dh), OCL_ARG(fb), OCL_ARG(sign),
               OCL_ARG(xm), OCL_ARG(xo), OCL_ARG(xsb), OCL_ARG(xst), OCL_ARG(xsh), OCL_ARG(pm), OCL_ARG(po),
               OCL_ARG(ym), OCL_ARG(yo));
  return s != GEOCL_OK ? s : ocl_launch_1d(ob, k, (size_t)(batch * n * heads * (head_dim / 2)));
}
