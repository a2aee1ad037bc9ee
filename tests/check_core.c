/* SPDX-License-Identifier: MIT */
/* Core runtime: errors, RNG, memory pool, tensors, scopes, autograd plumbing,
 * and the reference GEMM against hand-computed answers. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/internal.h"
#include "testutil.h"

/* --- errors --- */

START_TEST(error_message_and_prefix) {
  geocl_clear_error();
  ck_assert_int_eq(geocl_last_status(), GEOCL_OK);
  ck_assert_int_eq(geocl_set_error(GEOCL_E_IO, "cannot open %s\nsecond line", "x.png"), GEOCL_E_IO);
  ck_assert_str_eq(geocl_last_error(), "cannot open x.png second line");
  geocl_error_prefix("loading %s", "model");
  ck_assert_str_eq(geocl_last_error(), "loading model: cannot open x.png second line");
  ck_assert_str_eq(geocl_status_name(GEOCL_E_SHAPE), "E_SHAPE");
}
END_TEST

/* --- RNG --- */

START_TEST(philox_known_answers) {
  /* Random123's published philox4x32_10 known-answer vectors */
  uint32_t out[4];
  const uint32_t zero_c[4] = {0, 0, 0, 0}, zero_k[2] = {0, 0};
  geocl_philox4x32_raw(zero_c, zero_k, out);
  ck_assert_uint_eq(out[0], 0x6627e8d5u);
  ck_assert_uint_eq(out[1], 0xe169c58du);
  ck_assert_uint_eq(out[2], 0xbc57ac4cu);
  ck_assert_uint_eq(out[3], 0x9b00dbd8u);
  const uint32_t ones_c[4] = {0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, ones_k[2] = {0xffffffffu, 0xffffffffu};
  geocl_philox4x32_raw(ones_c, ones_k, out);
  ck_assert_uint_eq(out[0], 0x408f276du);
  ck_assert_uint_eq(out[1], 0x41c83b0eu);
  ck_assert_uint_eq(out[2], 0xa20bc7c6u);
  ck_assert_uint_eq(out[3], 0x6d5451fdu);
  const uint32_t pi_c[4] = {0x243f6a88u, 0x85a308d3u, 0x13198a2eu, 0x03707344u}, pi_k[2] = {0xa4093822u, 0x299f31d0u};
  geocl_philox4x32_raw(pi_c, pi_k, out);
  ck_assert_uint_eq(out[0], 0xd16cfe09u);
  ck_assert_uint_eq(out[1], 0x94fdccebu);
  ck_assert_uint_eq(out[2], 0x5001e420u);
  ck_assert_uint_eq(out[3], 0x24126ea1u);
}
END_TEST

START_TEST(rng_streams) {
  geocl_rng a, b;
  geocl_rng_init(&a, 42);
  geocl_rng_init(&b, 42);
  float x[10], y[10];
  geocl_rng_uniform(&a, x, 10);
  ck_assert_uint_eq(a.counter, 3); /* ceil(10/4) blocks */
  geocl_rng_uniform(&b, y, 10);
  for (int i = 0; i < 10; i++) {
    ck_assert_float_eq(x[i], y[i]);
    ck_assert(x[i] >= 0.0f && x[i] < 1.0f);
  }
  /* resuming from a saved (seed, counter) continues the same stream */
  geocl_rng c = a;
  geocl_rng_uniform(&a, x, 5);
  geocl_rng_uniform(&c, y, 5);
  for (int i = 0; i < 5; i++) ck_assert_float_eq(x[i], y[i]);
  /* a different seed gives different numbers */
  geocl_rng_init(&b, 43);
  geocl_rng_uniform(&b, y, 5);
  int same = 0;
  for (int i = 0; i < 5; i++) same += x[i] == y[i];
  ck_assert_int_lt(same, 5);
}
END_TEST

START_TEST(rng_normal_moments_and_permutation) {
  geocl_rng r;
  geocl_rng_init(&r, 7);
  enum { N = 100000 };
  float *x = malloc(N * sizeof *x);
  geocl_rng_normal(&r, x, N, 1.0f, 2.0f);
  double s = 0, s2 = 0;
  for (int i = 0; i < N; i++) {
    ck_assert(isfinite(x[i]));
    s += x[i];
    s2 += (double)x[i] * x[i];
  }
  double mean = s / N, var = s2 / N - mean * mean;
  /* standard errors: 2/sqrt(N) = 0.0063 for the mean, ~0.018 for the variance */
  ck_assert_double_lt(fabs(mean - 1.0), 0.03);
  ck_assert_double_lt(fabs(var - 4.0), 0.1);
  free(x);
  int32_t perm[50];
  geocl_rng_permutation(&r, perm, 50);
  int seen[50] = {0};
  for (int i = 0; i < 50; i++) {
    ck_assert(perm[i] >= 0 && perm[i] < 50);
    seen[perm[i]]++;
  }
  for (int i = 0; i < 50; i++) ck_assert_int_eq(seen[i], 1);
  for (int i = 0; i < 1000; i++) ck_assert_uint_lt(geocl_rng_below(&r, 7), 7);
}
END_TEST

/* --- pool --- */

START_TEST(pool_size_classes) {
  int prev_ci = -1;
  size_t prev_cb = 0;
  for (size_t b = 1; b < (1u << 22); b = b * 9 / 8 + 1) {
    int ci;
    size_t cb = geocl_pool_class_bytes(b, &ci);
    ck_assert_uint_ge(cb, b);
    if (b > 256) ck_assert_msg((double)cb <= 1.125 * (double)b + 1, "class %zu wastes too much for %zu", cb, b);
    ck_assert_int_ge(ci, prev_ci); /* classes grow with size */
    if (ci == prev_ci) ck_assert_uint_eq(cb, prev_cb);
    prev_ci = ci;
    prev_cb = cb;
    ck_assert_int_lt(ci, GEOCL_POOL_CLASSES);
  }
  int ci;
  ck_assert_uint_eq(geocl_pool_class_bytes(1024, &ci), 1024); /* powers of two are exact */
}
END_TEST

START_TEST(pool_reuses_buffers) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_mem_stats m0, m1, m2;
  geocl_ctx_mem_stats(ctx, &m0);
  for (int step = 0; step < 3; step++) {
    geocl_scope s = geocl_scope_begin(ctx);
    for (int i = 1; i <= 10; i++) ck_assert_nonnull_geocl(geocl_empty(ctx, GEOCL_F32, GEOCL_SHAPE(i, 100)));
    geocl_scope_end(ctx, s);
    if (step == 0) geocl_ctx_mem_stats(ctx, &m1);
  }
  geocl_ctx_mem_stats(ctx, &m2);
  ck_assert_uint_eq(m2.device_allocs, m1.device_allocs); /* steady state: no new device allocations */
  ck_assert_uint_eq(m2.current_bytes, m0.current_bytes);
  ck_assert_uint_ge(m2.peak_bytes, 55 * 100 * 4);
  ck_assert_uint_ge(m2.reserved_bytes, m2.peak_bytes);
  geocl_ctx_trim(ctx);
  geocl_ctx_mem_stats(ctx, &m2);
  ck_assert_uint_eq(m2.reserved_bytes, m2.current_bytes);
  geocl_ctx_free(ctx);
}
END_TEST

/* --- tensors --- */

START_TEST(tensor_round_trip_and_views) {
  geocl_ctx *ctx = test_ref_ctx();
  float data[6] = {1, 2, 3, 4, 5, 6}, back[6];
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(2, 3), data);
  ck_assert_nonnull_geocl(t);
  ck_assert_int_eq(geocl_ndim(t), 2);
  ck_assert_int_eq(geocl_dim(t, -1), 3);
  ck_assert_int_eq(geocl_numel(t), 6);
  ck_assert(geocl_is_contiguous(t));
  ck_assert_ok(geocl_to_host(t, back, sizeof back));
  ck_assert_mem_eq(back, data, sizeof data);
  /* a transposed view downloads in its own row-major order */
  geocl_tensor *tt = geocl_tensor_view(t, 2, (int64_t[]){3, 2}, (int64_t[]){1, 3}, 0);
  ck_assert(!geocl_is_contiguous(tt));
  ck_assert_ok(geocl_to_host(tt, back, sizeof back));
  const float want[6] = {1, 4, 2, 5, 3, 6};
  ck_assert_mem_eq(back, want, sizeof want);
  /* wrong buffer size is refused with a message naming the sizes */
  geocl_tensor_set_name(t, "weights");
  ck_assert_int_eq(geocl_to_host(t, back, 8), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "weights"));
  float v;
  ck_assert_int_eq(geocl_item(t, &v), GEOCL_E_SHAPE);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(tensor_constructors) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_tensor *z = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(4, 5));
  geocl_tensor *f = geocl_full(ctx, 2.5f, GEOCL_SHAPE(7));
  geocl_tensor *e = geocl_empty(ctx, GEOCL_F32, GEOCL_SHAPE(3, 0, 2));
  ck_assert_nonnull_geocl(z);
  ck_assert_nonnull_geocl(f);
  ck_assert_nonnull_geocl(e);
  ck_assert_int_eq(geocl_numel(e), 0);
  float *zh = test_download(z), *fh = test_download(f);
  for (int i = 0; i < 20; i++) ck_assert_float_eq(zh[i], 0.0f);
  for (int i = 0; i < 7; i++) ck_assert_float_eq(fh[i], 2.5f);
  free(zh);
  free(fh);
  /* invalid shapes */
  ck_assert_ptr_null(geocl_empty(ctx, GEOCL_F32, 7, (int64_t[]){1, 1, 1, 1, 1, 1, 1}));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_SHAPE);
  ck_assert_ptr_null(geocl_empty(ctx, GEOCL_F32, GEOCL_SHAPE(2, -1)));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_SHAPE);
  /* geocl_rand draws from the context stream exactly like the host generator */
  geocl_tensor *r = geocl_rand(ctx, GEOCL_SHAPE(9));
  float *rh = test_download(r), hostv[9];
  geocl_rng host;
  geocl_rng_init(&host, 1);
  geocl_rng_uniform(&host, hostv, 9);
  ck_assert_mem_eq(rh, hostv, sizeof hostv);
  ck_assert_uint_eq(geocl_ctx_rng(ctx)->counter, 3);
  free(rh);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(scopes_free_and_persist) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_mem_stats m0, m1;
  geocl_ctx_mem_stats(ctx, &m0);
  geocl_tensor *keep = NULL, *outer = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(10));
  geocl_scope s1 = geocl_scope_begin(ctx);
  geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(100));
  geocl_scope s2 = geocl_scope_begin(ctx);
  keep = geocl_full(ctx, 3.0f, GEOCL_SHAPE(5));
  geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(1000));
  geocl_tensor_persist(keep);
  geocl_scope_end(ctx, s2);
  geocl_scope_end(ctx, s1);
  geocl_ctx_mem_stats(ctx, &m1);
  /* only outer and keep remain */
  ck_assert_uint_eq(m1.current_bytes - m0.current_bytes, 256 + 256);
  float v[5];
  ck_assert_ok(geocl_to_host(keep, v, sizeof v));
  ck_assert_float_eq(v[4], 3.0f);
  geocl_tensor_free(keep);
  geocl_tensor_free(outer);
  geocl_ctx_mem_stats(ctx, &m1);
  ck_assert_uint_eq(m1.current_bytes, m0.current_bytes);
  /* a view keeps its storage alive after the base is freed */
  geocl_tensor *base = geocl_full(ctx, 1.0f, GEOCL_SHAPE(4));
  geocl_tensor *view = geocl_tensor_view(base, 1, (int64_t[]){2}, (int64_t[]){1}, 2);
  geocl_tensor_free(base);
  ck_assert_ok(geocl_to_host(view, v, 8));
  ck_assert_float_eq(v[1], 1.0f);
  geocl_ctx_free(ctx);
}
END_TEST

/* --- autograd plumbing (ops come with their own suites) --- */

START_TEST(autograd_leaf_accumulation) {
  geocl_ctx *ctx = test_ref_ctx();
  geocl_tensor *x = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(3));
  geocl_tensor *g = geocl_full(ctx, 2.0f, GEOCL_SHAPE(3));
  ck_assert_int_eq(geocl_backward_from(x, g), GEOCL_E_STATE); /* x does not require grad */
  geocl_set_requires_grad(x, true);
  ck_assert_ok(geocl_backward_from(x, g));
  ck_assert_ok(geocl_backward_from(x, g));
  float v[3];
  ck_assert_ok(geocl_to_host(geocl_grad(x), v, sizeof v));
  ck_assert_float_eq(v[0], 4.0f);
  geocl_zero_grad(x);
  ck_assert_ptr_null(geocl_grad(x));
  geocl_tensor *wrong = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(4));
  ck_assert_int_eq(geocl_backward_from(x, wrong), GEOCL_E_SHAPE);
  ck_assert_int_eq(geocl_backward(NULL), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_backward(wrong), GEOCL_E_SHAPE); /* not a scalar */
  ck_assert_uint_eq(geocl_tape_size(ctx), 0);
  geocl_ctx_free(ctx);
}
END_TEST

/* What a backward function makes and does not keep as a gradient (here the
 * second x·g of mul(x, x), added into x's gradient) is released as the
 * sweep goes, not when the caller's scope ends: activation memory would
 * otherwise grow by every such tensor until the end of a training step. */
START_TEST(autograd_backward_releases_temporaries) {
  geocl_ctx *ctx = test_ref_ctx();
  enum { N = 1 << 14 }; /* 64 KiB per tensor, a pool size class of its own */
  geocl_tensor *x = geocl_full(ctx, 3.0f, GEOCL_SHAPE(N));
  geocl_set_requires_grad(x, true);
  geocl_scope scope = geocl_scope_begin(ctx);
  geocl_tensor *loss = geocl_sum_all(geocl_mul(x, x));
  ck_assert_ptr_nonnull(loss);
  geocl_mem_stats before, after;
  geocl_ctx_mem_stats(ctx, &before);
  ck_assert_ok(geocl_backward(loss));
  geocl_ctx_mem_stats(ctx, &after);
  /* inside the scope still: only x's gradient is new */
  ck_assert_uint_eq(after.current_bytes - before.current_bytes, N * sizeof(float));
  static float g[N];
  ck_assert_ok(geocl_to_host(geocl_grad(x), g, sizeof g));
  ck_assert_float_eq(g[N - 1], 6.0f);
  geocl_scope_end(ctx, scope);
  ck_assert_uint_eq(geocl_tape_size(ctx), 0);
  geocl_ctx_free(ctx);
}
END_TEST

/* --- reference GEMM --- */

static void run_gemm(geocl_ctx *ctx, const geocl_gemm_args *proto, float *a, size_t na, float *b, size_t nb,
                     float *c, size_t nc) {
  geocl_tensor *ta = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE((int64_t)na), a);
  geocl_tensor *tb = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE((int64_t)nb), b);
  geocl_tensor *tc = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE((int64_t)nc), c);
  geocl_gemm_args g = *proto;
  g.a = geocl_tensor_bref(ta);
  g.b = geocl_tensor_bref(tb);
  g.c = geocl_tensor_bref(tc);
  ck_assert_ok(geocl_ctx_backend(ctx)->ops->gemm(geocl_ctx_backend(ctx), &g));
  ck_assert_ok(geocl_to_host(tc, c, nc * 4));
}

START_TEST(reference_gemm_known_answers) {
  geocl_ctx *ctx = test_ref_ctx();
  /* A = [[1,2,3],[4,5,6]], B = [[1,0],[0,1],[1,1]]: AB = [[4,5],[10,11]] */
  float a[6] = {1, 2, 3, 4, 5, 6}, b[6] = {1, 0, 0, 1, 1, 1}, c[4] = {1, 1, 1, 1};
  geocl_gemm_args g = {.m = 2, .n = 2, .k = 3, .batch = 1, .alpha = 2, .beta = 1, .lda = 3, .ldb = 2, .ldc = 2};
  run_gemm(ctx, &g, a, 6, b, 6, c, 4);
  const float want[4] = {9, 11, 21, 23};
  ck_assert_mem_eq(c, want, sizeof want);
  /* Aᵀ·A with trans_a: (3x2)(2x3) = [[17,22,27],[22,29,36],[27,36,45]] */
  float c2[9];
  geocl_gemm_args g2 = {.trans_a = 1, .m = 3, .n = 3, .k = 2, .batch = 1, .alpha = 1, .beta = 0, .lda = 3, .ldb = 3, .ldc = 3};
  memset(c2, 0xff, sizeof c2); /* NaN garbage must be overwritten when beta = 0 */
  run_gemm(ctx, &g2, a, 6, a, 6, c2, 9);
  const float want2[9] = {17, 22, 27, 22, 29, 36, 27, 36, 45};
  ck_assert_mem_eq(c2, want2, sizeof want2);
  /* A·Aᵀ with trans_b, batched over two copies with stride */
  float aa[12] = {1, 2, 3, 4, 5, 6, 1, 0, 0, 0, 1, 0}, c3[8];
  geocl_gemm_args g3 = {.trans_b = 1, .m = 2, .n = 2, .k = 3, .batch = 2, .alpha = 1, .beta = 0,
                        .lda = 3, .stride_a = 6, .ldb = 3, .stride_b = 6, .ldc = 2, .stride_c = 4};
  run_gemm(ctx, &g3, aa, 12, aa, 12, c3, 8);
  const float want3[8] = {14, 32, 32, 77, 1, 0, 0, 1};
  ck_assert_mem_eq(c3, want3, sizeof want3);
  /* k = 0: C = beta·C */
  float c4[4] = {1, 2, 3, 4};
  geocl_gemm_args g4 = {.m = 2, .n = 2, .k = 0, .batch = 1, .alpha = 1, .beta = 0.5f, .lda = 1, .ldb = 2, .ldc = 2};
  run_gemm(ctx, &g4, a, 1, b, 1, c4, 4);
  const float want4[4] = {0.5f, 1, 1.5f, 2};
  ck_assert_mem_eq(c4, want4, sizeof want4);
  geocl_ctx_free(ctx);
}
END_TEST

/* --- device selection --- */

START_TEST(device_specs) {
  geocl_ctx *ctx = NULL;
  geocl_ctx_opts o = {.device = "reference"};
  ck_assert_ok(geocl_ctx_create(&o, &ctx));
  ck_assert_str_eq(geocl_ctx_backend_name(ctx), "reference");
  geocl_ctx_free(ctx);
  o.device = "999";
  ck_assert_int_eq(geocl_ctx_create(&o, &ctx), GEOCL_E_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "999"));
  ck_assert_ptr_null(ctx);
  o.device = "no-such-device-name";
  ck_assert_int_eq(geocl_ctx_create(&o, &ctx), GEOCL_E_NO_DEVICE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "no-such-device-name"));
  /* $GEOCL_DEVICE is used when no spec is given */
  setenv("GEOCL_DEVICE", "ref", 1);
  o.device = NULL;
  ck_assert_ok(geocl_ctx_create(&o, &ctx));
  ck_assert_str_eq(geocl_ctx_backend_name(ctx), "reference");
  geocl_ctx_free(ctx);
  unsetenv("GEOCL_DEVICE");
}
END_TEST

int main(void) {
  Suite *s = suite_create("core");
  TCase *tc = tcase_create("core");
  tcase_add_test(tc, error_message_and_prefix);
  tcase_add_test(tc, philox_known_answers);
  tcase_add_test(tc, rng_streams);
  tcase_add_test(tc, rng_normal_moments_and_permutation);
  tcase_add_test(tc, pool_size_classes);
  tcase_add_test(tc, pool_reuses_buffers);
  tcase_add_test(tc, tensor_round_trip_and_views);
  tcase_add_test(tc, tensor_constructors);
  tcase_add_test(tc, scopes_free_and_persist);
  tcase_add_test(tc, autograd_leaf_accumulation);
  tcase_add_test(tc, autograd_backward_releases_temporaries);
  tcase_add_test(tc, reference_gemm_known_answers);
  tcase_add_test(tc, device_specs);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
