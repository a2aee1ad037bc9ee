/* SPDX-License-Identifier: MIT */
/* Images ↔ tokens.  patchify, unpatchify and patch_embed are views, copies
 * and a linear layer, so their gradients come from those ops; gather_rows and
 * scatter_rows (token selection by index) have their own kernels. */
#include "ops_internal.h"

/* ---- patches ---- */

/* img [B, C, H, W] viewed as its patch grid [B, C, h, p, w, p]; E_SHAPE naming
 * the op and the sizes unless H and W are multiples of p. */
static geocl_tensor *patch_grid(const char *op, geocl_tensor *img, int p) {
  char s[96];
  if (!ops_check_dtype(op, "img", img, GEOCL_F32)) return NULL;
  if (img->ndim != 4) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: image %s must be [B, C, H, W]", op, geocl_shape_str(img, s, sizeof s));
    return NULL;
  }
  const int64_t *sh = img->shape;
  if (p < 1 || sh[2] % p || sh[3] % p) {
    geocl_set_error(GEOCL_E_SHAPE, "%s: image %s: H = %lld and W = %lld must be multiples of the patch size %d", op,
                    geocl_shape_str(img, s, sizeof s), (long long)sh[2], (long long)sh[3], p);
    return NULL;
  }
  return geocl_reshape(img, 6, (int64_t[]){sh[0], sh[1], sh[2] / p, p, sh[3] / p, p});
}

geocl_tensor *geocl_patchify(geocl_tensor *img, int p) {
  OPS_REQUIRE(img);
  geocl_tensor *grid = patch_grid("patchify", img, p);
  if (!grid) return NULL;
  if (img->shape[1] != 3) {
    char s[96];
    geocl_set_error(GEOCL_E_SHAPE, "patchify: image %s must have 3 channels", geocl_shape_str(img, s, sizeof s));
    return NULL;
  }
  /* [B, c, i, ky, j, kx] → [B, i, j, ky, kx, c]: token i·w + j, entry (ky·p + kx)·3 + c */
  geocl_tensor *t = geocl_contiguous(geocl_permute(grid, (int[]){0, 2, 4, 3, 5, 1}));
  int64_t n = grid->shape[2] * grid->shape[4];
  return geocl_reshape(t, 3, (int64_t[]){img->shape[0], n, (int64_t)p * p * 3});
}

geocl_tensor *geocl_unpatchify(geocl_tensor *x, int p, int h, int w) {
  OPS_REQUIRE(x);
  if (!ops_check_dtype("unpatchify", "x", x, GEOCL_F32)) return NULL;
  if (p < 1 || h < 1 || w < 1 || x->ndim != 3 || x->shape[1] != (int64_t)h * w || x->shape[2] != (int64_t)p * p * 3) {
    char s[96];
    geocl_set_error(GEOCL_E_SHAPE, "unpatchify: x %s does not fit [B, h·w, p²·3] with p = %d, h = %d, w = %d",
                    geocl_shape_str(x, s, sizeof s), p, h, w);
    return NULL;
  }
  int64_t b = x->shape[0];
  /* [B, i, j, ky, kx, c] → [B, c, i, ky, j, kx] */
  geocl_tensor *t = geocl_reshape(x, 6, (int64_t[]){b, h, w, p, p, 3});
  t = geocl_contiguous(geocl_permute(t, (int[]){0, 5, 1, 3, 2, 4}));
  return geocl_reshape(t, 4, (int64_t[]){b, 3, (int64_t)h * p, (int64_t)w * p});
}

geocl_tensor *geocl_patch_embed(geocl_tensor *img, geocl_tensor *weight, geocl_tensor *bias, int p) {
  OPS_REQUIRE(img, weight);
  const char *op = "patch_embed";
  geocl_tensor *grid = patch_grid(op, img, p);
  if (!grid || !ops_check_dtype(op, "weight", weight, GEOCL_F32)) return NULL;
  int64_t c = img->shape[1];
  if (weight->ndim != 4 || weight->shape[1] != c || weight->shape[2] != p || weight->shape[3] != p) {
    char sw[96], si[96];
    geocl_set_error(GEOCL_E_SHAPE, "patch_embed: weight%s%s %s does not fit image %s with patch size %d ([D, C, p, p])",
                    weight->name[0] ? " " : "", weight->name, geocl_shape_str(weight, sw, sizeof sw),
                    geocl_shape_str(img, si, sizeof si), p);
    return NULL;
  }
  int64_t d = weight->shape[0];
  if (bias && !ops_check_shape(op, "bias", bias, 1, &d)) return NULL;
  /* im2col: [B, C, i, ky, j, kx] → [B, i, j, C, ky, kx] → [B, N, C·p²], the
   * order of the flattened conv weight */
  int64_t n = grid->shape[2] * grid->shape[4];
  geocl_tensor *cols =
      geocl_reshape(geocl_permute(grid, (int[]){0, 2, 4, 1, 3, 5}), 3, (int64_t[]){img->shape[0], n, c * p * p});
  return geocl_linear(cols, geocl_reshape(weight, 2, (int64_t[]){d, c * p * p}), bias);
}

/* ---- gather / scatter of rows ---- */

/* x [B, N, C] f32 and idx i32 [B, K] of the same context and batch */
static bool check_rows(const char *op, const char *xarg, const geocl_tensor *x, const geocl_tensor *idx) {
  if (!ops_same_ctx(op, x, idx) || !ops_check_dtype(op, xarg, x, GEOCL_F32) ||
      !ops_check_dtype(op, "idx", idx, GEOCL_I32))
    return false;
  if (x->ndim == 3 && idx->ndim == 2 && idx->shape[0] == x->shape[0]) return true;
  char sx[96], si[96];
  geocl_set_error(GEOCL_E_SHAPE, "%s: %s %s and idx %s do not fit ([B, N, C] and [B, K])", op, xarg,
                  geocl_shape_str(x, sx, sizeof sx), geocl_shape_str(idx, si, sizeof si));
  return false;
}

/* y [B, N, C] (+)= rows of x [B, K, C] at idx [B, K]; all contiguous */
static geocl_status scatter(geocl_tensor *x, geocl_tensor *idx, geocl_tensor *y, int accumulate) {
  geocl_backend *be = y->ctx->be;
  if (geocl_numel(x) == 0) return GEOCL_OK;
  return be->ops->scatter_rows(be, y->shape[0], y->shape[1], idx->shape[1], y->shape[2], geocl_tensor_bref(x),
                               geocl_tensor_bref(idx), geocl_tensor_bref(y), accumulate);
}

/* in: x (contiguous), idx (contiguous) */
static geocl_status gather_rows_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0], *idx = n->in[1];
  geocl_tensor *dy = ops_contiguous(dout);
  geocl_tensor *dx = dy ? geocl_zeros(x->ctx, GEOCL_F32, 3, x->shape) : NULL;
  if (!dx) return geocl_last_status();
  geocl_status st = scatter(dy, idx, dx, 1);
  return st != GEOCL_OK ? st : geocl_accumulate_grad(x, dx);
}

geocl_tensor *geocl_gather_rows(geocl_tensor *x, geocl_tensor *idx) {
  OPS_REQUIRE(x, idx);
  const char *op = "gather_rows";
  if (!check_rows(op, "x", x, idx)) return NULL;
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, gather_rows, op) || !OPS_KERNEL(ctx, scatter_rows, op)) return NULL;
  geocl_tensor *xc = ops_contiguous(x), *ic = xc ? ops_contiguous(idx) : NULL;
  int64_t b = x->shape[0], nsrc = x->shape[1], c = x->shape[2], k = idx->shape[1];
  geocl_tensor *y = ic ? ops_new(ctx, 3, (int64_t[]){b, k, c}) : NULL;
  if (!y) return NULL;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(y) > 0)
    st = ctx->be->ops->gather_rows(ctx->be, b, nsrc, k, c, geocl_tensor_bref(xc), geocl_tensor_bref(ic),
                                   geocl_tensor_bref(y));
  if (st != GEOCL_OK) return ops_fail(y);
  geocl_record(y, op, gather_rows_backward, 2, (geocl_tensor *[]){xc, ic});
  return y;
}

/* in: base, idx, src.  d_base = dout with the rows idx zeroed, d_src = its rows idx. */
static geocl_status scatter_rows_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *base = n->in[0], *idx = n->in[1], *src = n->in[2];
  geocl_status st = GEOCL_OK;
  if (base->requires_grad) {
    geocl_tensor *zeros = geocl_zeros(base->ctx, GEOCL_F32, 3, src->shape);
    st = geocl_accumulate_grad(base, geocl_scatter_rows(dout, idx, zeros));
  }
  if (st == GEOCL_OK && src->requires_grad) st = geocl_accumulate_grad(src, geocl_gather_rows(dout, idx));
  return st;
}

geocl_tensor *geocl_scatter_rows(geocl_tensor *base, geocl_tensor *idx, geocl_tensor *src) {
  OPS_REQUIRE(base, idx, src);
  const char *op = "scatter_rows";
  if (!check_rows(op, "base", base, idx) || !ops_same_ctx(op, base, src) ||
      !ops_check_dtype(op, "src", src, GEOCL_F32) ||
      !ops_check_shape(op, "src", src, 3, (int64_t[]){base->shape[0], idx->shape[1], base->shape[2]}))
    return NULL;
  geocl_ctx *ctx = base->ctx;
  if (!OPS_KERNEL(ctx, scatter_rows, op) || !OPS_KERNEL(ctx, gather_rows, op)) return NULL;
  geocl_tensor *sc = ops_contiguous(src), *ic = sc ? ops_contiguous(idx) : NULL;
  geocl_tensor *out = ic ? ops_new(ctx, 3, base->shape) : NULL;
  if (!out) return NULL;
  geocl_backend *be = ctx->be;
  geocl_status st = GEOCL_OK;
  if (geocl_numel(out) > 0) /* out = a copy of base, then the rows of src written over it */
    st = be->ops->copy(be, 3, base->shape, geocl_tensor_bref(base), base->stride, geocl_tensor_bref(out), out->stride,
                       0);
  if (st == GEOCL_OK) st = scatter(sc, ic, out, 0);
  if (st != GEOCL_OK) return ops_fail(out);
  geocl_record(out, op, scatter_rows_backward, 3, (geocl_tensor *[]){base, ic, sc});
  return out;
}
