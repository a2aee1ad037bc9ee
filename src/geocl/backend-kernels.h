/* SPDX-License-Identifier: MIT */
/* The kernel entries of a backend, in one list: GEOCL_BACKEND_KERNELS(ENTRY)
 * applies ENTRY(name, (parameters)) to each.  The list generates the kernel part
 * of geocl_backend_ops (backend-api.h) and, in each backend, its prototypes
 * and its table (backends/reference/ref.h, backends/opencl/ocl.h), so adding
 * an op's kernel is one line here plus its implementations
 * (docs/adding-an-op.md).  Every entry returns geocl_status; a backend that
 * lacks one leaves it NULL and the op reports E_UNSUPPORTED.  Changing the
 * list changes the backend ABI: bump GEOCL_BACKEND_ABI in configure.ac
 * (modules are also checked by the size of geocl_backend_ops). */
#ifndef GEOCL_BACKEND_KERNELS_H
#define GEOCL_BACKEND_KERNELS_H

#define GEOCL_BACKEND_KERNELS(ENTRY) \
  /* --- data movement and initialisation (4-byte elements of any dtype) --- */ \
  /* y[i] = bits (as a 32-bit pattern) for i < n */ \
  ENTRY(fill, (geocl_backend *be, int64_t n, uint32_t bits, geocl_bref y)) \
  /* y[idx·ys] (+)= x[idx·xs] over the ndim-dimensional index space shape. \
   * accumulate (f32 only) adds instead of overwriting. */ \
  ENTRY(copy, (geocl_backend *be, int ndim, const int64_t *shape, geocl_bref x, const int64_t *xs, \
        geocl_bref y, const int64_t *ys, int accumulate)) \
  /* y[i] = unit float of Philox word (seed, block counter + i/4, lane i%4) */ \
  ENTRY(rand_uniform, (geocl_backend *be, int64_t n, uint64_t seed, uint64_t counter, geocl_bref y)) \
 \
  /* --- linear algebra --- */ \
  ENTRY(gemm, (geocl_backend *be, const geocl_gemm_args *args)) \
 \
  /* --- elementwise (f32) --- */ \
  /* out (contiguous over shape) = a op b, a and b addressed by strides (0 broadcasts) */ \
  ENTRY(binary, (geocl_backend *be, geocl_binop op, int ndim, const int64_t *shape, geocl_bref a, \
        const int64_t *as, geocl_bref b, const int64_t *bs, geocl_bref out)) \
  ENTRY(unary, (geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y)) \
  /* dx = dy·f'(x) (y = f(x) is given too, for ops whose derivative uses it) */ \
  ENTRY(unary_backward, (geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, \
        geocl_bref y, geocl_bref dy, geocl_bref dx)) \
 \
  /* --- reductions (f32) --- */ \
  /* y (contiguous over kshape) = alpha · Σ over rshape of x, addressed by \
   * x[Σ kidx·ks + Σ ridx·rs]. */ \
  ENTRY(sum, (geocl_backend *be, int kn, const int64_t *kshape, const int64_t *ks, int rn, \
        const int64_t *rshape, const int64_t *rs, float alpha, geocl_bref x, geocl_bref y)) \
  /* x is [outer, len, inner]: y[o,i] = max over l; arg (i32) = first index of the max */ \
  ENTRY(max_axis, (geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref x, \
        geocl_bref y, geocl_bref arg)) \
  /* dx[o,l,i] = dy[o,i] if l == arg[o,i] else 0 */ \
  ENTRY(max_axis_backward, (geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref arg, \
        geocl_bref dy, geocl_bref dx)) \
 \
  /* --- normalisation and softmax over the last axis (f32) --- */ \
  /* y = (x − μ)·rstd·γ + β per row (biased variance); mean, rstd [rows] saved. \
   * gamma/beta with mem NULL mean γ = 1, β = 0. */ \
  ENTRY(layernorm, (geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, \
        geocl_bref gamma, geocl_bref beta, geocl_bref y, geocl_bref mean, geocl_bref rstd)) \
  /* writes dx, and dgamma, dbeta (summed over rows) when their mem is non-NULL */ \
  ENTRY(layernorm_backward, (geocl_backend *be, int64_t rows, int64_t cols, geocl_bref x, geocl_bref gamma, \
        geocl_bref mean, geocl_bref rstd, geocl_bref dy, geocl_bref dx, geocl_bref dgamma, \
        geocl_bref dbeta)) \
  /* y = softmax(x) or log_softmax(x) (log != 0) per row */ \
  ENTRY(softmax, (geocl_backend *be, int64_t rows, int64_t cols, int log, geocl_bref x, geocl_bref y)) \
  ENTRY(softmax_backward, (geocl_backend *be, int64_t rows, int64_t cols, int log, geocl_bref y, \
        geocl_bref dy, geocl_bref dx)) \
 \
  /* --- convolution and pooling (f32, NCHW; geocl_window2d in backend-api.h) --- */ \
  /* col[(ci·kh + ky)·kw + kx, (b·oh + oy)·ow + ox] = x[b, ci, row, col] of that \
   * window tap, 0 in the padding; col [c·kh·kw, n·oh·ow] */ \
  ENTRY(im2col, (geocl_backend *be, const geocl_window2d *g, geocl_bref x, geocl_bref col)) \
  /* the adjoint: x[b, ci, r, s] = Σ of the col entries im2col would read from there */ \
  ENTRY(col2im, (geocl_backend *be, const geocl_window2d *g, geocl_bref col, geocl_bref x)) \
  /* y [n, c, oh, ow] = max over the window's taps inside x (padding never wins); \
   * arg (i32) = row·w + column of the first maximum (NaN wins) */ \
  ENTRY(max_pool2d, (geocl_backend *be, const geocl_window2d *g, geocl_bref x, geocl_bref y, geocl_bref arg)) \
  /* dx[b, ci, p] = Σ of dy over the windows whose arg is p */ \
  ENTRY(max_pool2d_backward, (geocl_backend *be, const geocl_window2d *g, geocl_bref arg, geocl_bref dy, \
        geocl_bref dx)) \
 \
  /* --- batch norm over x [outer, c, inner] per channel (f32): M = outer·inner values each --- */ \
  /* mean[c] and biased var[c] = Σ (x − mean)²/M */ \
  ENTRY(batchnorm_stats, (geocl_backend *be, int64_t outer, int64_t c, int64_t inner, geocl_bref x, \
        geocl_bref mean, geocl_bref var)) \
  /* dx (+)= dmean[c]/M + dvar[c]·2(x − mean[c])/M (accumulate adds) */ \
  ENTRY(batchnorm_stats_backward, (geocl_backend *be, int64_t outer, int64_t c, int64_t inner, geocl_bref x, \
        geocl_bref mean, geocl_bref dmean, geocl_bref dvar, geocl_bref dx, int accumulate)) \
  /* y = (x − mean)·γ/√(var + eps) + β (+ residual, laid out as x), then \
   * max(y, 0) if relu; γ, β, residual with mem NULL mean 1, 0 and none */ \
  ENTRY(batchnorm, (geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps, int relu, \
        geocl_bref x, geocl_bref mean, geocl_bref var, geocl_bref gamma, geocl_bref beta, geocl_bref residual, \
        geocl_bref y)) \
  /* with g = dy (masked by y > 0 if relu), r = 1/√(var + eps): dγ = r·Σg(x − mean), \
   * dβ = Σg, dmean = −γ·r·Σg, dvar = −½·γ·r³·Σg(x − mean); each written when \
   * its mem is non-NULL */ \
  ENTRY(batchnorm_backward_reduce, (geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps, \
        int relu, geocl_bref x, geocl_bref mean, geocl_bref var, geocl_bref gamma, geocl_bref y, geocl_bref dy, \
        geocl_bref dgamma, geocl_bref dbeta, geocl_bref dmean, geocl_bref dvar)) \
  /* dx = g·γ/√(var + eps) (g as above), when dx's mem is non-NULL; g itself \
   * into dres (the residual's gradient) when its mem is non-NULL */ \
  ENTRY(batchnorm_backward, (geocl_backend *be, int64_t outer, int64_t c, int64_t inner, float eps, int relu, \
        geocl_bref var, geocl_bref gamma, geocl_bref y, geocl_bref dy, geocl_bref dx, geocl_bref dres)) \
  /* running ← (1 − momentum)·running + momentum·batch for the mean, and for \
   * the variance with var·unbias (M/(M − 1)); count[0] += 1 if its mem is non-NULL */ \
  ENTRY(batchnorm_update_running, (geocl_backend *be, int64_t c, float momentum, float unbias, geocl_bref mean, \
        geocl_bref var, geocl_bref running_mean, geocl_bref running_var, geocl_bref count)) \
 \
  /* --- resampling along one axis: x [outer, lin, inner] → y [outer, lout, inner] --- */ \
  ENTRY(resample, (geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer, int64_t lin, \
        int64_t lout, int64_t inner, geocl_bref x, geocl_bref y)) \
  /* the adjoint: dx[o, i, k] = Σ over the taps of every output that reads x[o, i, k] */ \
  ENTRY(resample_backward, (geocl_backend *be, geocl_resample_mode mode, int align_corners, int64_t outer, \
        int64_t lin, int64_t lout, int64_t inner, geocl_bref dy, geocl_bref dx)) \
 \
  /* --- attention --- */ \
  ENTRY(attention, (geocl_backend *be, const geocl_attn_args *args)) \
  ENTRY(attention_backward, (geocl_backend *be, const geocl_attn_args *args)) \
  /* 2D RoPE of x [batch, n, heads, head_dim] (strides sb, st, sh) at int32 \
   * pos [batch, n, 2]; y contiguous.  inverse rotates by −θ (the backward). */ \
  ENTRY(rope, (geocl_backend *be, int64_t batch, int64_t n, int64_t heads, int64_t head_dim, float base, \
        int inverse, geocl_bref x, int64_t sb, int64_t st, int64_t sh, geocl_bref pos, geocl_bref y)) \
 \
  /* --- token selection --- */ \
  /* y[b,k,:] = x[b, idx[b,k], :]; x [batch, nsrc, cols], idx i32 [batch, nidx], y [batch, nidx, cols] */ \
  ENTRY(gather_rows, (geocl_backend *be, int64_t batch, int64_t nsrc, int64_t nidx, int64_t cols, \
        geocl_bref x, geocl_bref idx, geocl_bref y)) \
  /* y[b, idx[b,k], :] (+)= x[b,k,:]; y [batch, ndst, cols]; indices unique per batch row */ \
  ENTRY(scatter_rows, (geocl_backend *be, int64_t batch, int64_t ndst, int64_t nidx, int64_t cols, \
        geocl_bref x, geocl_bref idx, geocl_bref y, int accumulate)) \
 \
  /* --- point clouds (f32 coordinates, i32 indices; distances in fp32, rounded \
   * in the order written, no fused multiply-add, so every backend picks the \
   * same points) --- */ \
  /* Farthest-point sampling of m of the n points x, given as planes \
   * [batch, dims, n]: idx[b,0] = 0; dmin[k] = 1e10, then for j = 1 … m−1 \
   * dmin[k] = fmin(dmin[k], d(k, idx[b,j−1])) and idx[b,j] = the lowest k of \
   * largest dmin[k], d(k, i) = Σ over c in order of (x[b,c,k] − x[b,c,i])²; \
   * the indices are written plus base.  idx i32 [batch, m]; dmin f32 \
   * [batch, n] is scratch. */ \
  ENTRY(fps, (geocl_backend *be, int64_t batch, int64_t n, int64_t dims, int64_t m, int64_t base, geocl_bref x, \
        geocl_bref dmin, geocl_bref idx)) \
  /* Dilated ball query of xyz, planes [batch, 3, n], around centres \
   * [batch, m, 3], over rings r < rings (≤ 8): the first nsample[r] points k \
   * in index order with d² == 0 or r_lo[r]² ≤ d² < r_hi[r]², d² = ((cx − x)² + \
   * (cy − y)²) + (cz − z)², r² = r·r, fill idx[b, j, o_r + 0, 1, …] (o_r = Σ \
   * nsample of the rings before); the slots after the last hit repeat the \
   * first hit, and are all 0 when there is none.  idx i32 [batch, m, Σ nsample]. */ \
  ENTRY(ball_query, (geocl_backend *be, int64_t batch, int64_t n, int64_t m, int rings, const float *r_lo, \
        const float *r_hi, const int64_t *nsample, geocl_bref xyz, geocl_bref centres, geocl_bref idx)) \
  /* The backward of gather_rows with repeated indices: dx[b,i,:] = Σ of \
   * dy[b,e,:] over e with idx[b,e] == i, added in increasing e (the same \
   * result on every run); dx [batch, n, cols], dy [batch, e, cols], idx i32 \
   * [batch, e] in [0, n).  scratch: i32 [2·batch·n + 2·batch·e + 1], the \
   * backend's to use. */ \
  ENTRY(gather_rows_backward, (geocl_backend *be, int64_t batch, int64_t n, int64_t e, int64_t cols, \
        geocl_bref idx, geocl_bref dy, geocl_bref dx, geocl_bref scratch)) \
  /* Bilinear sampling of f [batch, channels, h, w] at points grid [batch, p, 2] \
   * = (gx, gy) as grid_sample with align_corners = True and zero padding: \
   * ix = (gx + 1)/2·(w − 1), iy = (gy + 1)/2·(h − 1); y[b,p,c] = Σ over the \
   * four pixels (x, y) around (ix, iy) that lie in the map of \
   * (1 − |ix − x|)(1 − |iy − y|)·f[b,c,y,x]; a non-finite point samples 0. \
   * y [batch, p, channels]. */ \
  ENTRY(grid_sample_points, (geocl_backend *be, int64_t batch, int64_t channels, int64_t h, int64_t w, int64_t p, \
        geocl_bref f, geocl_bref grid, geocl_bref y)) \
  /* df[b,c,y,x] = Σ of weight·dy[b,p,c] over the samples touching pixel \
   * (x, y), added in increasing (p, corner) order, when df.mem is not NULL; \
   * dgrid[b,p,:] = ∂(Σ_c y[b,p,c]·dy[b,p,c])/∂(gx, gy) when dgrid.mem is not \
   * NULL.  scratch: i32 [2·batch·h·w + 8·batch·p + 1], the backend's to use. */ \
  ENTRY(grid_sample_points_backward, (geocl_backend *be, int64_t batch, int64_t channels, int64_t h, int64_t w, \
        int64_t p, geocl_bref f, geocl_bref grid, geocl_bref dy, geocl_bref df, geocl_bref dgrid, \
        geocl_bref scratch)) \
 \
  /* --- losses --- */ \
  /* loss[r] = mean_c (pred[r,c] − target[r,c])² */ \
  ENTRY(row_mse, (geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, geocl_bref target, \
        geocl_bref loss)) \
  /* dpred[r,c] = dloss[r]·2·(pred − target)/cols */ \
  ENTRY(row_mse_backward, (geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, \
        geocl_bref target, geocl_bref dloss, geocl_bref dpred)) \
  /* y[r,:] = (x[r,:] − mean)/√(unbiased var + eps): CroCo's normalised-pixel target */ \
  ENTRY(normpix, (geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref y)) \
  /* loss[r] = lse[r] − logits[r, label[r]], lse[r] = log Σ_c exp(logits[r,c]); labels i32 */ \
  ENTRY(cross_entropy, (geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits, \
        geocl_bref labels, geocl_bref loss, geocl_bref lse)) \
  /* dlogits[r,c] = dloss[r]·(exp(logits[r,c] − lse[r]) − [c == label[r]]) */ \
  ENTRY(cross_entropy_backward, (geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits, \
        geocl_bref labels, geocl_bref lse, geocl_bref dloss, geocl_bref dlogits)) \
 \
  /* --- FFT (f32) --- */ \
  /* X[b,u,v,(re,im)] = Σ_{m,n} x[b,m,n]·e^{−2πi(um/h + vn/w)}, v ≤ w/2; X [batch, h, w/2+1, 2] */ \
  ENTRY(rfft2, (geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref x, geocl_bref X)) \
  /* x[b,m,n] = (1/hw)·Re Σ_u Σ_{v ≤ w/2} c_v·X[b,u,v]·e^{+2πi(um/h + vn/w)}, \
   * c_v = 1 for v = 0 and v = w/2 (w even), 2 otherwise (numpy's irfft2 for \
   * Hermitian input; imaginary parts of self-conjugate bins are ignored). */ \
  ENTRY(irfft2, (geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref X, geocl_bref x)) \
 \
  /* --- optimisers over flat buffers --- */ \
  ENTRY(adamw, (geocl_backend *be, const geocl_adamw_args *args)) \
  ENTRY(sgd, (geocl_backend *be, const geocl_sgd_args *args)) \
  /* out[0] = min(1, max_norm/(√sumsq[0] + 1e-6)): PyTorch's clip_grad_norm_ coefficient */ \
  ENTRY(clip_coef, (geocl_backend *be, float max_norm, geocl_bref sumsq, geocl_bref out))

#endif
