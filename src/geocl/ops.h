/* SPDX-License-Identifier: MIT */
/* The op set.  Every op runs eagerly on the context's backend, returns a new
 * tensor owned by the current scope (NULL on error, message in
 * geocl_last_error(); a NULL input makes the op return NULL at once), and —
 * while gradient mode is on and an input requires a gradient — records itself
 * on the autograd tape.  All float ops are f32; index tensors are i32.
 * Shapes use numpy conventions; negative dims count from the end.
 * docs/ops.md lists the ops with their backward and test coverage. */
#ifndef GEOCL_OPS_H
#define GEOCL_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- shapes and views (no copy unless stated) ---- */
/* One dimension may be -1.  A view when x is contiguous, else a copy. */
geocl_tensor *geocl_reshape(geocl_tensor *x, int ndim, const int64_t *shape);
geocl_tensor *geocl_permute(geocl_tensor *x, const int *perm);
geocl_tensor *geocl_transpose(geocl_tensor *x, int d0, int d1);
/* Elements [start, start+len) of dimension dim. */
geocl_tensor *geocl_narrow(geocl_tensor *x, int dim, int64_t start, int64_t len);
/* Broadcast view: size-1 (or missing leading) dims repeated with stride 0. */
geocl_tensor *geocl_expand(geocl_tensor *x, int ndim, const int64_t *shape);
/* A contiguous copy (a plain view when x is already contiguous). */
geocl_tensor *geocl_contiguous(geocl_tensor *x);
/* A view that does not require a gradient (stop-gradient). */
geocl_tensor *geocl_detach(geocl_tensor *x);
geocl_tensor *geocl_concat(int n, geocl_tensor *const *xs, int dim);

/* ---- elementwise (numpy broadcasting for binary ops) ---- */
geocl_tensor *geocl_add(geocl_tensor *a, geocl_tensor *b);
geocl_tensor *geocl_sub(geocl_tensor *a, geocl_tensor *b);
geocl_tensor *geocl_mul(geocl_tensor *a, geocl_tensor *b);
geocl_tensor *geocl_div(geocl_tensor *a, geocl_tensor *b);
geocl_tensor *geocl_scale(geocl_tensor *x, float s);      /* s·x */
geocl_tensor *geocl_add_scalar(geocl_tensor *x, float s); /* x + s */
geocl_tensor *geocl_exp(geocl_tensor *x);
geocl_tensor *geocl_log(geocl_tensor *x);
geocl_tensor *geocl_sqrt(geocl_tensor *x);
geocl_tensor *geocl_gelu(geocl_tensor *x); /* exact erf form */
geocl_tensor *geocl_relu(geocl_tensor *x);
geocl_tensor *geocl_square(geocl_tensor *x);
geocl_tensor *geocl_abs(geocl_tensor *x);
geocl_tensor *geocl_sigmoid(geocl_tensor *x);
geocl_tensor *geocl_tanh(geocl_tensor *x);
/* log(1 + e^(beta·x))/beta, and x where beta·x > 20 (torch.nn.functional.softplus
 * with its default threshold); beta > 0. */
geocl_tensor *geocl_softplus(geocl_tensor *x, float beta);
/* min(max(x, lo), hi), gradient 1 where lo ≤ x ≤ hi; ±INFINITY leaves a side open. */
geocl_tensor *geocl_clamp(geocl_tensor *x, float lo, float hi);

/* ---- reductions ---- */
geocl_tensor *geocl_sum(geocl_tensor *x, int dim, bool keepdim);
geocl_tensor *geocl_mean(geocl_tensor *x, int dim, bool keepdim);
geocl_tensor *geocl_max(geocl_tensor *x, int dim, bool keepdim); /* gradient to the first maximum */
geocl_tensor *geocl_sum_all(geocl_tensor *x);                    /* 0-dim result */
geocl_tensor *geocl_mean_all(geocl_tensor *x);
/* Sum over the dimensions that broadcasting to x's shape would expand:
 * the inverse of geocl_expand (used by backward of broadcasting ops). */
geocl_tensor *geocl_sum_to(geocl_tensor *x, int ndim, const int64_t *shape);

/* ---- linear algebra (GEMM on the backend: CLBlast on OpenCL) ---- */
/* a [..., m, k] · b [..., k, n] → [..., m, n].  Batch dims must be equal, or b
 * may be 2-D (shared by every batch).  alpha scales the product; ta/tb
 * transpose the last two dims of a/b. */
geocl_tensor *geocl_matmul_ex(geocl_tensor *a, geocl_tensor *b, bool ta, bool tb, float alpha);
geocl_tensor *geocl_matmul(geocl_tensor *a, geocl_tensor *b);
/* y = x·Wᵀ + bias: x [..., in], W [out, in], bias [out] or NULL. */
geocl_tensor *geocl_linear(geocl_tensor *x, geocl_tensor *W, geocl_tensor *bias);

/* ---- normalisation and softmax (last dimension) ---- */
/* gamma/beta [C] or NULL (no affine); biased variance, as torch.nn.LayerNorm. */
geocl_tensor *geocl_layernorm(geocl_tensor *x, geocl_tensor *gamma, geocl_tensor *beta, float eps);
geocl_tensor *geocl_softmax(geocl_tensor *x);
geocl_tensor *geocl_log_softmax(geocl_tensor *x);
/* x / max(‖x‖₂, eps) over the last dimension (torch.nn.functional.normalize). */
geocl_tensor *geocl_l2_normalize(geocl_tensor *x, float eps);

/* ---- convolution, pooling, batch norm, resampling: images NCHW ---- */
/* Pairs are (rows, columns).  Zero stride or dilation means 1, zero groups 1. */
typedef struct geocl_conv2d_opts {
  int64_t stride[2], padding[2], dilation[2];
  int64_t groups;
  int64_t output_padding[2]; /* conv_transpose2d only */
} geocl_conv2d_opts;
/* torch.nn.functional.conv2d: x [N, Cin, H, W], weight [Cout, Cin/groups, kh, kw],
 * bias [Cout] or NULL → [N, Cout, Ho, Wo], Ho = ⌊(H + 2·ph − dh·(kh − 1) − 1)/sh⌋ + 1.
 * opts NULL: stride 1, no padding, no dilation, one group. */
geocl_tensor *geocl_conv2d(geocl_tensor *x, geocl_tensor *weight, geocl_tensor *bias, const geocl_conv2d_opts *opts);
/* torch.nn.functional.conv_transpose2d: x [N, Cin, H, W], weight [Cin, Cout/groups, kh, kw],
 * bias [Cout] or NULL → [N, Cout, Ho, Wo], Ho = (H − 1)·sh − 2·ph + dh·(kh − 1) + output_padding + 1. */
geocl_tensor *geocl_conv_transpose2d(geocl_tensor *x, geocl_tensor *weight, geocl_tensor *bias,
                                     const geocl_conv2d_opts *opts);
typedef struct geocl_pool2d_opts {
  int64_t kernel[2];
  int64_t stride[2]; /* 0: the kernel size */
  int64_t padding[2], dilation[2];
  bool ceil_mode;
} geocl_pool2d_opts;
/* torch.nn.functional.max_pool2d: x [N, C, H, W] → [N, C, Ho, Wo]; padding at
 * most half the kernel, never the maximum; the gradient goes to the first
 * maximum of each window. */
geocl_tensor *geocl_max_pool2d(geocl_tensor *x, const geocl_pool2d_opts *opts);
/* Mean over H and W: [N, C, H, W] → [N, C, 1, 1]. */
geocl_tensor *geocl_global_avg_pool2d(geocl_tensor *x);
/* Batch statistics of x [N, C, ...] per channel over N and the trailing dims
 * (at least two values each): [2, C], row 0 the mean, row 1 the biased
 * variance.  Differentiable; a synchronised batch norm combines these across
 * processes before normalising. */
geocl_tensor *geocl_batchnorm_stats(geocl_tensor *x);
/* (x − mean)/√(var + eps)·weight + bias per channel of x [N, C, ...], plus
 * residual (x's shape) if given, then max(·, 0) when relu: mean, var [C]
 * (batch statistics, or the running ones in eval mode), weight, bias [C] or
 * NULL (no affine part).  One pass, one saved output: a residual block's
 * "bn, add the shortcut, ReLU". */
geocl_tensor *geocl_batchnorm(geocl_tensor *x, geocl_tensor *mean, geocl_tensor *var, geocl_tensor *weight,
                              geocl_tensor *bias, geocl_tensor *residual, float eps, bool relu);
/* PyTorch's update in training mode, in place: running ← (1 − momentum)·running
 * + momentum·batch, the variance unbiased (·count/(count − 1)); stats [2, C] from
 * batchnorm_stats over count values per channel; num_batches_tracked (one
 * element, or NULL) += 1.  Not recorded, and not checked by the tape: an op
 * that read the running statistics before the update (eval mode) and is
 * differentiated after it sees the new values. */
geocl_status geocl_batchnorm_update_running(geocl_tensor *running_mean, geocl_tensor *running_var,
                                            geocl_tensor *num_batches_tracked, geocl_tensor *stats, int64_t count,
                                            float momentum);
/* torch.nn.functional.interpolate(x, size=(height, width), mode, align_corners)
 * over the last two dims of x [..., H, W]; nearest ignores align_corners.
 * Bicubic clamps taps at the border as PyTorch does. */
geocl_tensor *geocl_resize2d(geocl_tensor *x, int64_t height, int64_t width, geocl_resample_mode mode,
                             bool align_corners);
/* resize2d to (factor·H, factor·W) */
geocl_tensor *geocl_upsample2d(geocl_tensor *x, int64_t factor, geocl_resample_mode mode, bool align_corners);

/* ---- attention ---- */
typedef struct geocl_attn_opts {
  int heads;
  float scale;       /* 0: head_dim^-1/2 */
  float rope_base;   /* > 0: 2D RoPE on q and k (CroCo v2), e.g. 100 */
  geocl_tensor *qpos; /* i32 [B, Nq, 2] (y, x), with RoPE */
  geocl_tensor *kpos; /* i32 [B, Nk, 2] */
  bool unfused;      /* GEMM + softmax path instead of the fused kernel (for checking) */
} geocl_attn_opts;
/* softmax(scale·q·kᵀ)·v per head: q [B, Nq, C], k and v [B, Nk, C] (views with
 * a contiguous last dim are fine, e.g. slices of a packed qkv) → [B, Nq, C]. */
geocl_tensor *geocl_attention(geocl_tensor *q, geocl_tensor *k, geocl_tensor *v, const geocl_attn_opts *o);
/* 2D RoPE of x [B, N, C] split into heads, at pos i32 [B, N, 2] (y, x). */
geocl_tensor *geocl_rope2d(geocl_tensor *x, int heads, geocl_tensor *pos, float base);

/* ---- images and tokens ---- */
/* img [B, 3, H, W] → [B, N, p²·3], N = (H/p)(W/p), entry (ky·p + kx)·3 + c. */
geocl_tensor *geocl_patchify(geocl_tensor *img, int p);
/* Inverse of patchify: x [B, h·w, p²·3] → [B, 3, h·p, w·p]. */
geocl_tensor *geocl_unpatchify(geocl_tensor *x, int p, int h, int w);
/* Conv2d with kernel = stride = p, no padding: img [B, C, H, W], weight
 * [D, C, p, p], bias [D] or NULL → tokens [B, N, D] (row-major patches). */
geocl_tensor *geocl_patch_embed(geocl_tensor *img, geocl_tensor *weight, geocl_tensor *bias, int p);
/* x [B, N, C], idx i32 [B, K] → [B, K, C]: rows idx[b, k] of x[b].  Indices
 * must lie in [0, N) and, for the backward, be distinct within each batch row.
 * Out-of-range indices are an error on the reference backend; the OpenCL
 * backend does not check them (it skips them and yields zero rows). */
geocl_tensor *geocl_gather_rows(geocl_tensor *x, geocl_tensor *idx);
/* base [B, N, C] with rows idx[b, k] replaced by src[b, k] ([B, K, C]);
 * indices must lie in [0, N) and be distinct within each batch row (repeated
 * ones make the result and the gradients undefined).  Out-of-range indices are
 * an error on the reference backend and skipped by the OpenCL backend. */
geocl_tensor *geocl_scatter_rows(geocl_tensor *base, geocl_tensor *idx, geocl_tensor *src);

/* ---- point clouds (PointNet++ set abstraction, as mmdet3d's ops) ---- */
/* Farthest-point sampling: m indices (i32 [B, m]) into the N points x
 * [B, N, D].  The first pick is point 0; each next one is the point of
 * largest squared distance to the picks so far (running minimum from 1e10),
 * the lowest index on ties; picks may repeat once only duplicates are left.
 * D-FPS: x = xyz [B, N, 3]; F-FPS: x = [xyz, features] concatenated along
 * the last dim.  Distances are fp32 sums over d in order with no fused
 * multiply-add, so every backend returns the same indices.  No gradient. */
geocl_tensor *geocl_farthest_point_sample(geocl_tensor *x, int64_t m);
/* The same over the points [begin, begin + count) of x, returning indices
 * into x (the first pick is point begin): mmdet3d's samplers over a range. */
geocl_tensor *geocl_farthest_point_sample_range(geocl_tensor *x, int64_t begin, int64_t count, int64_t m);
/* A ring of the dilated ball query: r_lo ≤ distance < r_hi, nsample slots. */
typedef struct geocl_ball_ring {
  float r_lo, r_hi;
  int nsample;
} geocl_ball_ring;
/* Dilated ball query (mmdet3d's ball_query with min and max radius) of xyz
 * [B, N, 3] around centres [B, M, 3], for 1 to 8 rings at once → i32
 * [B, M, Σ nsample], ring r in the columns after those of the rings before.
 * Per ring: the first nsample points in index order with d² == 0 or
 * r_lo² ≤ d² < r_hi² (fp32 d² = ((Δx² + Δy²) + Δz²), r² = r·r), so a centre
 * that is an input point is always accepted; the slots after the last hit
 * repeat the first hit (all 0 when there is none).  No gradient. */
geocl_tensor *geocl_ball_query(geocl_tensor *xyz, geocl_tensor *centres, int rings, const geocl_ball_ring *ring);
/* Grouping: x [B, N, C], idx i32 [B, ...] (e.g. [B, M, K] from ball_query)
 * → [B, ..., C], y[b, …, :] = x[b, idx[b, …], :].  Channels last, so the
 * shared MLP of a set abstraction is geocl_linear on the rows.  Indices may
 * repeat: the backward adds their gradients (in a fixed order: the same
 * result on every run).  Out-of-range indices are an error on the reference
 * backend and give zero rows on OpenCL.  Relative coordinates as PointNet++
 * groups them: geocl_sub(geocl_group_points(xyz, idx), centres [B, M, 1, 3]). */
geocl_tensor *geocl_group_points(geocl_tensor *x, geocl_tensor *idx);
/* Bilinear sampling of f [B, C, H, W] at points grid [B, P, 2] = (x, y) in
 * [−1, 1] (torch.nn.functional.grid_sample with align_corners = True, zero
 * padding, on a grid [B, 1, P, 2]) → [B, P, C], channels last.  Pixel
 * coordinates ix = (x + 1)/2·(W − 1), iy = (y + 1)/2·(H − 1); pixels outside
 * the map and non-finite points contribute 0.  Gradients to f and to grid. */
geocl_tensor *geocl_grid_sample_points(geocl_tensor *f, geocl_tensor *grid);

/* ---- losses ---- */
/* CroCo's normalised-pixel target over the last dim: (x − μ)/√(unbiased var + eps).
 * A constant: no gradient flows through it. */
geocl_tensor *geocl_normpix(geocl_tensor *x, float eps);
/* mean over the last dim of (pred − target)²: [..., P] → [...] */
geocl_tensor *geocl_row_mse(geocl_tensor *pred, geocl_tensor *target);
/* Σ values·mask / Σ mask (0-dim); mask is f32 0/1 of the same shape. */
geocl_tensor *geocl_masked_mean(geocl_tensor *values, geocl_tensor *mask);
/* logits [R, C], labels i32 [R] → per-row cross-entropy [R] (fused log-sum-exp). */
geocl_tensor *geocl_cross_entropy(geocl_tensor *logits, geocl_tensor *labels);
/* InfoNCE: mean over rows of cross_entropy(q·kᵀ/tau, diagonal), q, k [M, D]. */
geocl_tensor *geocl_infonce(geocl_tensor *q, geocl_tensor *k, float tau);
/* 2-D real FFT over the last two dims: [..., H, W] → [..., H, W/2+1, 2]. */
geocl_tensor *geocl_rfft2(geocl_tensor *x);
/* Inverse (normalised by 1/(H·W)): [..., H, W/2+1, 2] → [..., H, w]. */
geocl_tensor *geocl_irfft2(geocl_tensor *X, int64_t w);
/* Frequency-domain reconstruction loss, D = F(pred) − F(target) with F = rfft2
 * over the last two dims: mean over the frequency bins of the complex magnitude
 * √(re² + im² + 1e-12) (norm 1) or of re² + im² (norm 2). */
geocl_tensor *geocl_spectral_loss(geocl_tensor *pred, geocl_tensor *target, int norm);

#ifdef __cplusplus
}
#endif
#endif
