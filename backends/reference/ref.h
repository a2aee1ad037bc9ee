/* The reference backend: plain C, one thread, double accumulation.  It is the
 * numerical oracle every other backend is compared with, so each kernel is
 * written for clarity first. */
#ifndef GEOCL_REF_H
#define GEOCL_REF_H

#include <geocl/backend-api.h>

/* Element pointers from a buffer reference. */
#define REF_F32(r) ((float *)(r).mem + (r).off)
#define REF_I32(r) ((int32_t *)(r).mem + (r).off)

/* Iterate an ndim index space; returns 0 after the last index. */
int ref_next_index(int ndim, const int64_t *shape, int64_t *idx);
int64_t ref_offset(int ndim, const int64_t *idx, const int64_t *stride);

/* ref_data.c */
geocl_status ref_fill(geocl_backend *be, int64_t n, uint32_t bits, geocl_bref y);
geocl_status ref_copy(geocl_backend *be, int ndim, const int64_t *shape, geocl_bref x, const int64_t *xs,
                      geocl_bref y, const int64_t *ys, int accumulate);
geocl_status ref_rand_uniform(geocl_backend *be, int64_t n, uint64_t seed, uint64_t counter, geocl_bref y);

/* ref_gemm.c */
geocl_status ref_gemm(geocl_backend *be, const geocl_gemm_args *a);

/* ref_elementwise.c */
geocl_status ref_binary(geocl_backend *be, geocl_binop op, int ndim, const int64_t *shape, geocl_bref a,
                        const int64_t *as, geocl_bref b, const int64_t *bs, geocl_bref out);
geocl_status ref_unary(geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y);
geocl_status ref_unary_backward(geocl_backend *be, geocl_unop op, int64_t n, float alpha, geocl_bref x, geocl_bref y,
                                geocl_bref dy, geocl_bref dx);

/* ref_reduce.c */
geocl_status ref_sum(geocl_backend *be, int kn, const int64_t *kshape, const int64_t *ks, int rn,
                     const int64_t *rshape, const int64_t *rs, float alpha, geocl_bref x, geocl_bref y);
geocl_status ref_max_axis(geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref x, geocl_bref y,
                          geocl_bref arg);
geocl_status ref_max_axis_backward(geocl_backend *be, int64_t outer, int64_t len, int64_t inner, geocl_bref arg,
                                   geocl_bref dy, geocl_bref dx);

/* ref_softmax.c */
geocl_status ref_softmax(geocl_backend *be, int64_t rows, int64_t cols, int log_out, geocl_bref x, geocl_bref y);
geocl_status ref_softmax_backward(geocl_backend *be, int64_t rows, int64_t cols, int log_out, geocl_bref y,
                                  geocl_bref dy, geocl_bref dx);

/* ref_norm.c: layernorm, softmax */
geocl_status ref_layernorm(geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref gamma,
                           geocl_bref beta, geocl_bref y, geocl_bref mean, geocl_bref rstd);
geocl_status ref_layernorm_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref x, geocl_bref gamma,
                                    geocl_bref mean, geocl_bref rstd, geocl_bref dy, geocl_bref dx, geocl_bref dgamma,
                                    geocl_bref dbeta);

/* ref_attention.c: attention, rope */
geocl_status ref_attention(geocl_backend *be, const geocl_attn_args *a);
geocl_status ref_attention_backward(geocl_backend *be, const geocl_attn_args *a);
geocl_status ref_rope(geocl_backend *be, int64_t batch, int64_t n, int64_t heads, int64_t head_dim, float base,
                      int inverse, geocl_bref x, int64_t sb, int64_t st, int64_t sh, geocl_bref pos, geocl_bref y);

/* ref_tokens.c: gather/scatter rows */
geocl_status ref_gather_rows(geocl_backend *be, int64_t batch, int64_t nsrc, int64_t nidx, int64_t cols, geocl_bref x,
                             geocl_bref idx, geocl_bref y);
geocl_status ref_scatter_rows(geocl_backend *be, int64_t batch, int64_t ndst, int64_t nidx, int64_t cols,
                              geocl_bref x, geocl_bref idx, geocl_bref y, int accumulate);

/* ref_loss.c: row_mse, normpix, cross_entropy */
geocl_status ref_row_mse(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, geocl_bref target,
                         geocl_bref loss);
geocl_status ref_row_mse_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref pred, geocl_bref target,
                                  geocl_bref dloss, geocl_bref dpred);
geocl_status ref_normpix(geocl_backend *be, int64_t rows, int64_t cols, float eps, geocl_bref x, geocl_bref y);
geocl_status ref_cross_entropy(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits, geocl_bref labels,
                               geocl_bref loss, geocl_bref lse);
geocl_status ref_cross_entropy_backward(geocl_backend *be, int64_t rows, int64_t cols, geocl_bref logits,
                                        geocl_bref labels, geocl_bref lse, geocl_bref dloss, geocl_bref dlogits);

/* ref_fft.c: rfft2, irfft2 */
geocl_status ref_rfft2(geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref x, geocl_bref X);
geocl_status ref_irfft2(geocl_backend *be, int64_t batch, int64_t h, int64_t w, geocl_bref X, geocl_bref x);

/* ref_optim.c: adamw, sgd, clip_coef */
geocl_status ref_adamw(geocl_backend *be, const geocl_adamw_args *a);
geocl_status ref_sgd(geocl_backend *be, const geocl_sgd_args *a);
geocl_status ref_clip_coef(geocl_backend *be, float max_norm, geocl_bref sumsq, geocl_bref out);

#endif
