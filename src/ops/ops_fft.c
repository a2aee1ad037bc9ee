/* SPDX-License-Identifier: MIT */
/* 2-D real FFTs over the last two dimensions, and the spectral loss.
 *
 * Backward, derived from the backend definitions (geocl/backend-api.h), with
 * θ = 2π(um/h + vn/w) and c_v = 1 for v = 0 and v = w/2 (w even), else 2:
 *
 * rfft2: Re X[u,v] = Σ_{m,n} x[m,n]·cos θ and Im X[u,v] = −Σ_{m,n} x[m,n]·sin θ.
 *   With G = dRe + i·dIm the output gradient,
 *     dx[m,n] = Σ_{u,v} (dRe[u,v]·cos θ − dIm[u,v]·sin θ) = Re Σ_{u,v} G[u,v]·e^{+iθ}.
 *   As irfft2(Z)[m,n] = (1/hw)·Re Σ_{u,v} c_v·Z[u,v]·e^{+iθ}, this is
 *     dx = irfft2(Z) with Z[u,v] = G[u,v]·hw/c_v.
 *
 * irfft2: x[m,n] = (1/hw)·Σ_{u,v} c_v·(Re X[u,v]·cos θ − Im X[u,v]·sin θ), so
 *     dRe X[u,v] = (c_v/hw)·Σ_{m,n} dx[m,n]·cos θ,  dIm X[u,v] = −(c_v/hw)·Σ_{m,n} dx[m,n]·sin θ,
 *   that is dX = rfft2(dx)·c_v/(hw).
 *
 * Both transforms are linear: backward needs no saved state, only the width. */
#include <stdlib.h>

#include "ops_internal.h"

/* A [w/2+1, 1] tensor of scale·c_v (or scale/c_v when divide), which
 * broadcasts over a spectrum [..., h, w/2+1, 2]. */
static geocl_tensor *column_weights(geocl_ctx *ctx, int64_t w, double scale, bool divide) {
  int64_t shape[2] = {w / 2 + 1, 1};
  float *c = malloc(sizeof *c * (size_t)shape[0]);
  if (!c) {
    geocl_set_error(GEOCL_E_NOMEM, "fft backward: out of host memory");
    return NULL;
  }
  for (int64_t v = 0; v < shape[0]; v++) {
    double cv = (v == 0 || 2 * v == w) ? 1.0 : 2.0;
    c[v] = (float)(divide ? scale / cv : scale * cv);
  }
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_F32, 2, shape, c);
  free(c);
  return t;
}

/* batch = product of the dims before the last `inner` ones */
static int64_t leading(const geocl_tensor *t, int inner) {
  int64_t b = 1;
  for (int i = 0; i < t->ndim - inner; i++) b *= t->shape[i];
  return b;
}

/* ---- rfft2 ---- */

static geocl_status rfft2_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *x = n->in[0];
  int64_t h = x->shape[x->ndim - 2], w = x->shape[x->ndim - 1];
  geocl_tensor *z = geocl_mul(dout, column_weights(x->ctx, w, (double)(h * w), true));
  return geocl_accumulate_grad(x, geocl_irfft2(z, w));
}

geocl_tensor *geocl_rfft2(geocl_tensor *x) {
  OPS_REQUIRE(x);
  const char *op = "rfft2";
  if (!ops_check_dtype(op, "x", x, GEOCL_F32)) return NULL;
  char s[96];
  if (x->ndim < 2 || x->ndim >= GEOCL_MAX_DIMS || x->shape[x->ndim - 2] < 1 || x->shape[x->ndim - 1] < 1) {
    geocl_set_error(GEOCL_E_SHAPE, "rfft2: x %s must be [..., H, W] with H, W ≥ 1 and at most %d dimensions",
                    geocl_shape_str(x, s, sizeof s), GEOCL_MAX_DIMS - 1);
    return NULL;
  }
  geocl_ctx *ctx = x->ctx;
  if (!OPS_KERNEL(ctx, rfft2, op) || !OPS_KERNEL(ctx, irfft2, op)) return NULL;
  int64_t h = x->shape[x->ndim - 2], w = x->shape[x->ndim - 1], batch = leading(x, 2);
  int64_t shape[GEOCL_MAX_DIMS];
  for (int i = 0; i < x->ndim - 1; i++) shape[i] = x->shape[i];
  shape[x->ndim - 1] = w / 2 + 1;
  shape[x->ndim] = 2;
  geocl_tensor *xc = ops_contiguous(x);
  geocl_tensor *X = xc ? ops_new(ctx, x->ndim + 1, shape) : NULL;
  if (!X) return NULL;
  geocl_status st = GEOCL_OK;
  if (batch > 0) st = ctx->be->ops->rfft2(ctx->be, batch, h, w, geocl_tensor_bref(xc), geocl_tensor_bref(X));
  if (st != GEOCL_OK) return ops_fail(X);
  geocl_record(X, op, rfft2_backward, 1, &xc);
  return X;
}

/* ---- irfft2 ---- */

static geocl_status irfft2_backward(geocl_node *n, geocl_tensor *dout) {
  geocl_tensor *X = n->in[0];
  int64_t w = n->p.i[0], h = X->shape[X->ndim - 3];
  geocl_tensor *dX = geocl_mul(geocl_rfft2(dout), column_weights(X->ctx, w, 1.0 / (double)(h * w), false));
  return geocl_accumulate_grad(X, dX);
}

geocl_tensor *geocl_irfft2(geocl_tensor *X, int64_t w) {
  OPS_REQUIRE(X);
  const char *op = "irfft2";
  if (!ops_check_dtype(op, "X", X, GEOCL_F32)) return NULL;
  char s[96];
  if (X->ndim < 3 || w < 1 || X->shape[X->ndim - 1] != 2 || X->shape[X->ndim - 2] != w / 2 + 1 ||
      X->shape[X->ndim - 3] < 1) {
    geocl_set_error(GEOCL_E_SHAPE, "irfft2: X %s does not fit width %lld ([..., H, %lld, 2] with H ≥ 1)",
                    geocl_shape_str(X, s, sizeof s), (long long)w, (long long)(w / 2 + 1));
    return NULL;
  }
  geocl_ctx *ctx = X->ctx;
  if (!OPS_KERNEL(ctx, irfft2, op) || !OPS_KERNEL(ctx, rfft2, op)) return NULL;
  int64_t h = X->shape[X->ndim - 3], batch = leading(X, 3);
  int64_t shape[GEOCL_MAX_DIMS];
  for (int i = 0; i < X->ndim - 2; i++) shape[i] = X->shape[i];
  shape[X->ndim - 2] = w;
  geocl_tensor *Xc = ops_contiguous(X);
  geocl_tensor *x = Xc ? ops_new(ctx, X->ndim - 1, shape) : NULL;
  if (!x) return NULL;
  geocl_status st = GEOCL_OK;
  if (batch > 0) st = ctx->be->ops->irfft2(ctx->be, batch, h, w, geocl_tensor_bref(Xc), geocl_tensor_bref(x));
  if (st != GEOCL_OK) return ops_fail(x);
  geocl_node *node = geocl_record(x, op, irfft2_backward, 1, &Xc);
  if (node) node->p.i[0] = w;
  return x;
}

/* ---- spectral loss ---- */

geocl_tensor *geocl_spectral_loss(geocl_tensor *pred, geocl_tensor *target, int norm) {
  OPS_REQUIRE(pred, target);
  if (!ops_check_shape("spectral_loss", "target", target, pred->ndim, pred->shape)) return NULL;
  if (norm != 1 && norm != 2) {
    geocl_set_error(GEOCL_E_INVALID, "spectral_loss: norm %d is not 1 or 2", norm);
    return NULL;
  }
  /* |D|² = re² + im² per frequency bin, D = F(pred − target) = F(pred) − F(target) */
  geocl_tensor *power = geocl_sum(geocl_square(geocl_rfft2(geocl_sub(pred, target))), -1, false);
  if (norm == 2) return geocl_mean_all(power);
  /* the offset keeps the gradient of the magnitude finite where D = 0 */
  return geocl_mean_all(geocl_sqrt(geocl_add_scalar(power, 1e-12f)));
}
