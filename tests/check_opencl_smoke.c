/* SPDX-License-Identifier: MIT */
/* OpenCL backend smoke tests on whatever device exists (PoCL in CI):
 * transfers, fill, strided copy, random numbers and GEMM against the
 * reference backend, the reuse of packed weights, device selection, the program-binary cache, and
 * CLBlast parameters from the GEMM tuning cache.
 * Exits 77 (skipped) when no OpenCL device exists. */
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

static geocl_ctx *ocl, *ref;

static void setup(void) {
  ocl = test_ocl_ctx();
  ck_assert_ptr_nonnull(ocl);
  ref = test_ref_ctx();
}

static void teardown(void) {
  unsetenv("GEOCL_GEMM"); /* set by the gemm tests; a failed one leaves it */
  unsetenv("GEOCL_PACK_CACHE");
  geocl_ctx_free(ocl);
  geocl_ctx_free(ref);
}

START_TEST(transfers_round_trip) {
  const size_t sizes[] = {1, 3, 255, 256, 1000, 65537};
  for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
    size_t n = sizes[s];
    float *x = malloc(n * 4), *y = malloc(n * 4);
    test_fill_uniform(x, n, (unsigned)n, -5, 5);
    geocl_tensor *t = geocl_from_host(ocl, GEOCL_F32, GEOCL_SHAPE((int64_t)n), x);
    ck_assert_nonnull_geocl(t);
    ck_assert_ok(geocl_to_host(t, y, n * 4));
    ck_assert_mem_eq(x, y, n * 4);
    free(x);
    free(y);
  }
  geocl_tensor *empty = geocl_from_host(ocl, GEOCL_F32, GEOCL_SHAPE(0, 4), NULL);
  ck_assert_nonnull_geocl(empty);
  ck_assert_ok(geocl_to_host(empty, NULL, 0));
}
END_TEST

START_TEST(fill_copy_and_rand_match_reference) {
  /* full() */
  geocl_tensor *f = geocl_full(ocl, -1.25f, GEOCL_SHAPE(3, 333));
  float *fh = test_download(f);
  for (int i = 0; i < 999; i++) ck_assert_float_eq(fh[i], -1.25f);
  free(fh);
  /* strided copy: a permuted 3-D view downloads exactly like on the reference backend */
  float x[2 * 3 * 5];
  test_fill_uniform(x, 30, 3, -1, 1);
  geocl_tensor *a = geocl_from_host(ocl, GEOCL_F32, GEOCL_SHAPE(2, 3, 5), x);
  float out[30], want[30];
  for (int i = 0; i < 2; i++)
    for (int j = 0; j < 3; j++)
      for (int k = 0; k < 5; k++) want[(k * 3 + j) * 2 + i] = x[(i * 3 + j) * 5 + k];
  geocl_backend *be = geocl_ctx_backend(ocl);
  geocl_tensor *dst = geocl_empty(ocl, GEOCL_F32, GEOCL_SHAPE(5, 3, 2));
  ck_assert_ok(be->ops->copy(be, 3, (int64_t[]){5, 3, 2}, geocl_tensor_bref(a), (int64_t[]){1, 5, 15},
                             geocl_tensor_bref(dst), (int64_t[]){6, 2, 1}, 0));
  ck_assert_ok(geocl_to_host(dst, out, sizeof out));
  ck_assert_mem_eq(out, want, sizeof want);
  /* accumulate adds */
  ck_assert_ok(be->ops->copy(be, 3, (int64_t[]){5, 3, 2}, geocl_tensor_bref(a), (int64_t[]){1, 5, 15},
                             geocl_tensor_bref(dst), (int64_t[]){6, 2, 1}, 1));
  ck_assert_ok(geocl_to_host(dst, out, sizeof out));
  for (int i = 0; i < 30; i++) ck_assert_float_eq(out[i], 2 * want[i]);
  /* same seed, same uniforms, bit for bit */
  geocl_tensor *ro = geocl_rand(ocl, GEOCL_SHAPE(1001));
  geocl_tensor *rr = geocl_rand(ref, GEOCL_SHAPE(1001));
  float *roh = test_download(ro), *rrh = test_download(rr);
  ck_assert_mem_eq(roh, rrh, 1001 * 4);
  free(roh);
  free(rrh);
}
END_TEST

/* A GEMM problem: every leading dimension is the smallest plus pad, every
 * operand starts at offset; shared 1 or 2 gives A or B batch stride 0;
 * bias adds n floats (at offset) to every row (with beta = 0). */
typedef struct gemm_case {
  int ta, tb;
  int64_t m, n, k, batch;
  float alpha, beta;
  int64_t pad, offset;
  int shared;
  int bias;
} gemm_case;

/* One GEMM case on both backends: *err is the max relative error over all
 * of C's buffer, so writes outside C's rows and columns count too.  With
 * beta = 0 C starts as NaN, which must be overwritten.  No Check asserts: the
 * tune child runs it outside a test. */
static geocl_status gemm_case_try(const gemm_case *t, double *err) {
  int64_t m = t->m, n = t->n, k = t->k, batch = t->batch;
  int64_t lda = (t->ta ? m : k) + t->pad, ldb = (t->tb ? k : n) + t->pad, ldc = n + t->pad;
  int64_t sa = t->shared == 1 ? 0 : (t->ta ? k : m) * lda, sb = t->shared == 2 ? 0 : (t->tb ? n : k) * ldb;
  int64_t sc = m * ldc;
  size_t na = (size_t)((t->ta ? k : m) * lda + sa * (batch - 1) + t->offset);
  size_t nb = (size_t)((t->tb ? n : k) * ldb + sb * (batch - 1) + t->offset);
  size_t nc = (size_t)(sc * batch + t->offset);
  size_t nbias = (size_t)(n + t->offset);
  float *A = malloc(na * 4 + 4), *B = malloc(nb * 4 + 4), *C = malloc(nc * 4 + 4), *bias = malloc(nbias * 4 + 4);
  test_fill_uniform(A, na, 11, -1, 1);
  test_fill_uniform(B, nb, 12, -1, 1);
  test_fill_uniform(bias, nbias, 14, -1, 1);
  test_fill_uniform(C, nc, 13, -1, 1);
  if (t->beta == 0)
    for (size_t i = 0; i < nc; i++) C[i] = NAN;
  float *res[2] = {malloc(nc * 4 + 4), malloc(nc * 4 + 4)};
  geocl_ctx *ctxs[2] = {ocl, ref};
  geocl_status st = A && B && C && bias && res[0] && res[1] ? GEOCL_OK : GEOCL_E_NOMEM;
  for (int c = 0; c < 2 && st == GEOCL_OK; c++) {
    geocl_tensor *a = geocl_from_host(ctxs[c], GEOCL_F32, GEOCL_SHAPE((int64_t)na), A);
    geocl_tensor *b = geocl_from_host(ctxs[c], GEOCL_F32, GEOCL_SHAPE((int64_t)nb), B);
    geocl_tensor *cc = geocl_from_host(ctxs[c], GEOCL_F32, GEOCL_SHAPE((int64_t)nc), C);
    geocl_tensor *tbias = geocl_from_host(ctxs[c], GEOCL_F32, GEOCL_SHAPE((int64_t)nbias), bias);
    geocl_gemm_args g = {.trans_a = t->ta, .trans_b = t->tb, .m = m, .n = n, .k = k, .batch = batch,
                         .alpha = t->alpha, .beta = t->beta, .a = geocl_tensor_bref(a), .lda = lda, .stride_a = sa,
                         .b = geocl_tensor_bref(b), .ldb = ldb, .stride_b = sb, .c = geocl_tensor_bref(cc),
                         .ldc = ldc, .stride_c = sc};
    g.a.off += (size_t)t->offset;
    g.b.off += (size_t)t->offset;
    g.c.off += (size_t)t->offset;
    if (t->bias && tbias) {
      g.bias = geocl_tensor_bref(tbias);
      g.bias.off += (size_t)t->offset;
    }
    geocl_backend *be = geocl_ctx_backend(ctxs[c]);
    st = a && b && cc && tbias ? be->ops->gemm(be, &g) : geocl_last_status();
    if (st == GEOCL_OK) st = geocl_to_host(cc, res[c], nc * 4);
  }
  if (st == GEOCL_OK) *err = test_max_rel_err(res[0], res[1], nc, 1.0, NULL);
  free(res[0]);
  free(res[1]);
  free(A);
  free(B);
  free(C);
  free(bias);
  return st;
}

static double gemm_case_run(const gemm_case *t) {
  double err = 0;
  ck_assert_msg(gemm_case_try(t, &err) == GEOCL_OK, "gemm: %s", geocl_last_error());
  return err;
}

/* Every case with each GEMM the OpenCL backend has: its default choice,
 * CLBlast, and geocl's kernel with GPU-style parameters (padded-row layout,
 * 4x4 work-groups, packed A), with scalar vectors, an odd micro-tile, an
 * unroll that divides no k here and operands read in place, and with a tall
 * tile, A packed though not transposed and B in place. */
START_TEST(gemm_matches_reference) {
  /* odd sizes (not multiples of any tile), every transpose, batches with
   * shared operands, padded leading dimensions, offsets, beta 0, 1 and other;
   * tolerance: fp32 sums of k ≤ 197 terms of magnitude ≤ 1 against double */
  const double tol = 1e-5;
  const gemm_case cases[] = {
      {0, 0, 7, 13, 5, 1, 1, 0, 0, 0, 0},        {1, 0, 13, 7, 197, 1, 1, 0, 0, 0, 0},
      {0, 1, 197, 64, 32, 3, 0.125f, 0, 0, 0, 0}, {1, 1, 33, 17, 65, 2, -2, 0.5f, 0, 0, 0},
      {0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0},         {0, 1, 64, 197, 64, 12, 1, 1, 0, 0, 0},
      {0, 0, 197, 13, 7, 2, 1, 0.5f, 3, 5, 0},   {1, 0, 7, 197, 13, 3, 0.5f, 1, 1, 0, 1},
      {0, 1, 13, 7, 197, 4, 1, 0, 0, 3, 2},      {1, 1, 1, 197, 7, 2, 1, -1, 2, 0, 2},
      {0, 0, 197, 1, 13, 1, 2, 0, 0, 0, 0},      {0, 0, 6, 32, 16, 1, 1, 0, 0, 0, 0},
      {1, 0, 12, 48, 8, 2, 1, 0, 4, 1, 1},
      /* with a bias: whole and partial tiles, a batch, padded and offset */
      {0, 1, 197, 64, 32, 3, 0.125f, 0, 0, 0, 0, 1}, {0, 1, 13, 7, 197, 1, 1, 0, 2, 3, 0, 1},
      {1, 0, 7, 197, 13, 2, 0.5f, 0, 1, 5, 2, 1},
  };
  const char *gemms[] = {NULL, "clblast", "geocl tm=4 vw=4 nv=1 ku=4 wg=4x4 panels=0 pack_a=1 pack_b=1 pack_wg=8",
                         "geocl tm=5 vw=1 nv=3 ku=3 wg=1x2 panels=1 pack_a=0 pack_b=0 pack_wg=2",
                         "geocl tm=16 vw=8 nv=1 ku=1 wg=2x1 panels=1 pack_a=1 pack_b=0 pack_wg=1"};
  for (size_t g = 0; g < sizeof gemms / sizeof *gemms; g++) {
    if (gemms[g]) setenv("GEOCL_GEMM", gemms[g], 1);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
      double e = gemm_case_run(&cases[i]);
      ck_assert_msg(e < tol, "gemm case %zu with %s: max rel err %g >= %g", i, gemms[g] ? gemms[g] : "default", e,
                    tol);
    }
    /* sums of 1000 and 4096 products (fp32 error ~√k ulp); the last two
     * pack more than the 64 MiB scratch holds, so go a chunk of the batch at a time */
    ck_assert_double_lt(gemm_case_run(&(gemm_case){1, 0, 96, 80, 1000, 2, 1, 0, 0, 7, 0}), 1e-4);
    ck_assert_double_lt(gemm_case_run(&(gemm_case){1, 1, 1, 1, 4096, 110, 1, 0.5f, 0, 3, 0}), 2e-4);
    ck_assert_double_lt(gemm_case_run(&(gemm_case){1, 1, 1, 1, 4096, 130, 1, 0, 0, 0, 1}), 2e-4);
    /* size-0 shapes: k = 0 scales C by beta (beta = 0 zeroes it), m = 0 does nothing */
    ck_assert_double_eq(gemm_case_run(&(gemm_case){0, 0, 5, 6, 0, 2, 1, 0.5f, 1, 2, 0}), 0);
    ck_assert_double_eq(gemm_case_run(&(gemm_case){0, 0, 5, 6, 0, 1, 1, 0, 0, 0, 0}), 0);
    ck_assert_double_eq(gemm_case_run(&(gemm_case){0, 0, 0, 6, 3, 1, 1, 0, 0, 0, 0}), 0);
    /* k = 0 with a bias: every row is the bias */
    ck_assert_double_eq(gemm_case_run(&(gemm_case){0, 1, 5, 6, 0, 2, 1, 0, 1, 2, 0, 1}), 0);
    unsetenv("GEOCL_GEMM");
  }
  /* operands at offsets, as parameter views into a flat buffer are: shapes
   * where CLBlast 1.5.3's SgemmStridedBatched is wrong (see gemm.c), with the
   * GEMM the device uses by default (CLBlast on GPUs; on PoCL CLBlast takes
   * 10 s more here)
   * (sums of 1024–4096 products: fp32 error ~√k ulp; a wrong result is off by ~1) */
  const double tol_long = 2e-4;
  ck_assert_double_lt(gemm_case_run(&(gemm_case){0, 0, 196, 4096, 1024, 1, 1, 0, 0, 16, 0}), tol_long);
  ck_assert_double_lt(gemm_case_run(&(gemm_case){1, 0, 768, 1024, 1024, 1, 1, 0, 0, 720, 0}), tol_long);
  ck_assert_double_lt(gemm_case_run(&(gemm_case){1, 0, 3584, 64, 4096, 2, 1, 0, 0, 1488, 0}), tol_long);
}
END_TEST

/* GEOCL_GEMM that names no GEMM, or parameters the kernel cannot take, is an error. */
START_TEST(gemm_refuses_bad_forced_choice) {
  geocl_backend *be = geocl_ctx_backend(ocl);
  geocl_tensor *x = geocl_full(ocl, 1.0f, GEOCL_SHAPE(4)), *y = geocl_full(ocl, 0.0f, GEOCL_SHAPE(4));
  geocl_gemm_args g = {.m = 2, .n = 2, .k = 2, .batch = 1, .alpha = 1, .a = geocl_tensor_bref(x), .lda = 2,
                       .b = geocl_tensor_bref(x), .ldb = 2, .c = geocl_tensor_bref(y), .ldc = 2};
  const char *bad[] = {"blas", "geocl tm=6", "geocl tm=6 vw=3 nv=2 ku=4 wg=1x1 panels=1 pack_a=0 pack_b=1 pack_wg=1"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    setenv("GEOCL_GEMM", bad[i], 1);
    ck_assert_int_eq(be->ops->gemm(be, &g), GEOCL_E_INVALID);
  }
  unsetenv("GEOCL_GEMM");
  ck_assert_ok(be->ops->gemm(be, &g));
}
END_TEST

/* C = A·Bᵀ (A m×k, B n×k) through the backend's GEMM with B tagged: what
 * the reuse of packed weights (geocl_gemm_args.b_tag) must get right. */
typedef struct tagged_weight {
  int64_t n, k;
  float *host;      /* B's present contents */
  geocl_tensor *dev;
} tagged_weight;

static void weight_write(tagged_weight *w, unsigned seed) {
  test_fill_uniform(w->host, (size_t)(w->n * w->k), seed, -1, 1);
  ck_assert_ok(geocl_copy_from_host(w->dev, w->host, (size_t)(w->n * w->k) * 4));
}

static tagged_weight weight_new(int64_t n, int64_t k, unsigned seed) {
  tagged_weight w = {n, k, malloc((size_t)(n * k) * 4), geocl_zeros(ocl, GEOCL_F32, GEOCL_SHAPE(n * k))};
  ck_assert_ptr_nonnull(w.host);
  ck_assert_ptr_nonnull(w.dev);
  weight_write(&w, seed);
  return w;
}

/* max relative error of A·Bᵀ with B tagged `tag` against the product with
 * `expect` (host, double sums) */
static double tagged_product_err(const tagged_weight *w, uint64_t tag, const float *expect) {
  enum { M = 9 };
  int64_t n = w->n, k = w->k;
  float *a = malloc((size_t)(M * k) * 4), *c = malloc((size_t)(M * n) * 4);
  ck_assert_ptr_nonnull(a);
  ck_assert_ptr_nonnull(c);
  test_fill_uniform(a, (size_t)(M * k), 5, -1, 1);
  geocl_tensor *ta = test_upload(ocl, GEOCL_F32, GEOCL_SHAPE(M * k), a);
  geocl_tensor *tc = geocl_zeros(ocl, GEOCL_F32, GEOCL_SHAPE(M * n));
  geocl_gemm_args g = {.trans_b = 1, .m = M, .n = n, .k = k, .batch = 1, .alpha = 1, .a = geocl_tensor_bref(ta),
                       .lda = k, .b = geocl_tensor_bref(w->dev), .ldb = k, .b_tag = tag, .c = geocl_tensor_bref(tc),
                       .ldc = n};
  geocl_backend *be = geocl_ctx_backend(ocl);
  ck_assert_ok(be->ops->gemm(be, &g));
  ck_assert_ok(geocl_to_host(tc, c, (size_t)(M * n) * 4));
  double worst = 0;
  for (int64_t i = 0; i < M; i++)
    for (int64_t j = 0; j < n; j++) {
      double sum = 0;
      for (int64_t p = 0; p < k; p++) sum += (double)a[i * k + p] * expect[j * k + p];
      double e = fabs(c[i * n + j] - sum) / (fabs(sum) > 1 ? fabs(sum) : 1);
      if (e > worst) worst = e;
    }
  geocl_tensor_free(ta);
  geocl_tensor_free(tc);
  free(a);
  free(c);
  return worst;
}

/* A 1 MiB ring (262144 floats) holds three 240 × 300 weights' panels (tiles
 * 8 or 12 wide: no padding); a fourth overwrites the oldest.  The ring is
 * made when a tagged B first comes back.  Sums of 300 products: tolerance
 * 1e-5. */
START_TEST(gemm_reuses_packed_weights_by_tag) {
  const char *tiles_8 = "geocl tm=4 vw=4 nv=2 ku=4 wg=1x1 panels=1 pack_a=2 pack_b=1 pack_wg=1";
  setenv("GEOCL_GEMM", tiles_8, 1);
  setenv("GEOCL_PACK_CACHE", "1", 1);
  const double tol = 1e-5;
  tagged_weight w[4];
  for (int i = 0; i < 4; i++) w[i] = weight_new(240, 300, 20 + (unsigned)i);
  float *old = malloc((size_t)(240 * 300) * 4);
  ck_assert_ptr_nonnull(old);
  memcpy(old, w[0].host, (size_t)(240 * 300) * 4);
  ck_assert_double_lt(tagged_product_err(&w[0], 1, w[0].host), tol);
  ck_assert_double_lt(tagged_product_err(&w[0], 1, w[0].host), tol); /* B came back: kept from now on */
  /* contents changed under the same tag (a broken promise): the panels
   * packed for tag 1 are used, so the product is the old one */
  weight_write(&w[0], 30);
  ck_assert_double_lt(tagged_product_err(&w[0], 1, old), tol);
  /* the panels' layout depends on the tile's width alone: a kernel of
   * another height and vector split reads them too; another width packs anew */
  setenv("GEOCL_GEMM", "geocl tm=6 vw=8 nv=1 ku=2 wg=1x1 panels=1 pack_a=2 pack_b=1 pack_wg=1", 1);
  ck_assert_double_lt(tagged_product_err(&w[0], 1, old), tol);
  setenv("GEOCL_GEMM", "geocl tm=4 vw=4 nv=3 ku=4 wg=1x1 panels=1 pack_a=2 pack_b=1 pack_wg=1", 1);
  ck_assert_double_lt(tagged_product_err(&w[0], 1, w[0].host), tol);
  setenv("GEOCL_GEMM", tiles_8, 1);
  /* a new tag, as a new version of the weight gets: packed anew */
  ck_assert_double_lt(tagged_product_err(&w[0], 2, w[0].host), tol);
  for (int i = 1; i < 4; i++) ck_assert_double_lt(tagged_product_err(&w[i], 10 + (uint64_t)i, w[i].host), tol);
  /* w[1], w[2] and w[3] overwrote the panels of w[0] (tag 1 in both
   * widths, tag 2): tag 2 must be packed again, not read from what w[3]
   * left there */
  ck_assert_double_lt(tagged_product_err(&w[0], 2, w[0].host), tol);
  ck_assert_double_lt(tagged_product_err(&w[3], 13, w[3].host), tol);
  /* larger than the ring, or untagged: never kept, so new contents count
   * even under the same tag */
  tagged_weight big = weight_new(600, 500, 40);
  ck_assert_double_lt(tagged_product_err(&big, 50, big.host), tol);
  weight_write(&big, 41);
  ck_assert_double_lt(tagged_product_err(&big, 50, big.host), tol);
  ck_assert_double_lt(tagged_product_err(&w[1], 0, w[1].host), tol);
  weight_write(&w[1], 42);
  ck_assert_double_lt(tagged_product_err(&w[1], 0, w[1].host), tol);
  for (int i = 0; i < 4; i++) {
    free(w[i].host);
    geocl_tensor_free(w[i].dev);
  }
  free(big.host);
  geocl_tensor_free(big.dev);
  free(old);
}
END_TEST

START_TEST(device_selection_by_name) {
  const geocl_device_info *d = geocl_ctx_device(ocl);
  char part[8];
  snprintf(part, sizeof part, "%.6s", d->name); /* a prefix of the real name selects it */
  geocl_ctx *c = NULL;
  geocl_ctx_opts o = {.device = part};
  ck_assert_ok(geocl_ctx_create(&o, &c));
  ck_assert_str_eq(geocl_ctx_device(c)->name, d->name);
  ck_assert_str_eq(geocl_ctx_backend_name(c), "opencl");
  geocl_ctx_free(c);
}
END_TEST

/* --- program cache: exercised in child processes so each starts cold --- */

static int count_files(const char *dir, const char *suffix) {
  DIR *d = opendir(dir);
  if (!d) return 0;
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strstr(e->d_name, suffix)) n++;
  closedir(d);
  return n;
}

static const char *self_path;

static int run_child(const char *cache_dir) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("GEOCL_CL_CACHE", cache_dir, 1);
    setenv("GEOCL_CL_CACHE_ON_POCL", "1", 1);
    execl(self_path, self_path, "cache-child", (char *)NULL);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

static int loaded_from_cache;
static void sink(geocl_log_level l, const char *msg, void *user) {
  if (strstr(msg, "loaded from the program cache")) loaded_from_cache = 1;
  if (l <= GEOCL_LOG_WARN) fprintf(stderr, "child: %s\n", msg);
}

/* Child: fill on the device and report (exit 0/1) whether the program came
 * from the cache; exit 2 when the result is wrong. */
static int cache_child(void) {
  geocl_log_set_level(GEOCL_LOG_DEBUG);
  geocl_log_set_sink(sink, NULL);
  geocl_ctx *c = NULL;
  geocl_ctx_opts o = {.device = "auto"};
  if (geocl_ctx_create(&o, &c) != GEOCL_OK || strcmp(geocl_ctx_backend_name(c), "opencl")) return 3;
  geocl_tensor *t = geocl_full(c, 7.0f, GEOCL_SHAPE(10));
  float v[10];
  if (!t || geocl_to_host(t, v, sizeof v) != GEOCL_OK || v[9] != 7.0f) {
    fprintf(stderr, "child: %s\n", geocl_last_error());
    return 2;
  }
  geocl_ctx_free(c);
  return loaded_from_cache ? 0 : 1;
}

START_TEST(program_cache_store_load_and_corruption) {
  char dir[4200], cmd[8600];
  snprintf(dir, sizeof dir, "%s/clcache-test", test_tmpdir());
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(run_child(dir), 1); /* cold: built from source */
  ck_assert_int_ge(count_files(dir, ".clbin"), 1);
  ck_assert_int_eq(count_files(dir, ".tmp."), 0); /* no temporary left behind */
  ck_assert_int_eq(run_child(dir), 0); /* warm: loaded from the cache */
  /* a truncated entry is ignored and the program rebuilt */
  snprintf(cmd, sizeof cmd, "for f in '%s'/*.clbin; do head -c 20 \"$f\" > \"$f.x\" && mv \"$f.x\" \"$f\"; done", dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(run_child(dir), 1);
  /* GEOCL_CL_CACHE=off writes nothing */
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(run_child("off"), 1);
  ck_assert_int_eq(count_files(dir, ".clbin"), 0);
}
END_TEST

static int xgemm_applied, xgemm_ignored, attention_ignored;
static void xgemm_sink(geocl_log_level l, const char *msg, void *user) {
  (void)user;
  if (strstr(msg, "CLBlast Xgemm parameters applied: GEMMK=0 KREG=1 KWG=16 KWI=2 MDIMA=16 MDIMC=8 MWG=32 NDIMB=8"))
    xgemm_applied = 1;
  if (l == GEOCL_LOG_WARN && strstr(msg, "CLBlast parameters ignored")) xgemm_ignored = 1;
  if (l == GEOCL_LOG_WARN && strstr(msg, "attention line ignored: 'fwd 2 7 x'")) attention_ignored = 1;
  if (l <= GEOCL_LOG_WARN) fprintf(stderr, "child: %s\n", msg);
}

/* Child, with GEOCL_TUNE_CACHE set: "init" tunes a tiny shape, which writes
 * the device's cache file; "check" runs GEMMs through CLBlast and exits 2
 * when one is wrong, else 10 + 1 if the cache's CLBlast parameters were
 * applied + 2 if they were ignored with a warning + 4 if the attention line
 * 'fwd 2 7 x' was. */
static int tune_child(const char *what) {
  geocl_log_set_level(GEOCL_LOG_DEBUG);
  geocl_log_set_sink(xgemm_sink, NULL);
  ocl = test_ocl_ctx();
  ref = test_ref_ctx();
  if (!ocl) return 3;
  geocl_backend *be = geocl_ctx_backend(ocl);
  if (!strcmp(what, "init")) {
    geocl_gemm_tuned r;
    return be->ops->tune_gemm(be, &(geocl_gemm_shape){0, 0, 13, 32, 24, 1}, 1, 1, &r) == GEOCL_OK ? 0 : 4;
  }
  setenv("GEOCL_GEMM", "clblast", 1);
  /* m·n·k ≥ 1024³ runs Xgemm wherever CLBlast's threshold for it is ≤ 1024
   * (all CPUs in its database); the small ones its direct kernel */
  const gemm_case cases[] = {{1, 1, 1030, 1041, 1003, 1, 1, 0.5f, 1, 3, 0},
                             {0, 1, 197, 64, 32, 3, 0.125f, 0, 0, 0, 0},
                             {1, 0, 13, 7, 197, 1, 1, 0, 0, 0, 0}};
  for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
    double e = INFINITY;
    if (gemm_case_try(&cases[i], &e) != GEOCL_OK) fprintf(stderr, "child: gemm case %zu: %s\n", i, geocl_last_error());
    if (!(e < 2e-4)) {
      fprintf(stderr, "child: gemm case %zu: max rel err %g\n", i, e);
      return 2;
    }
  }
  geocl_ctx_free(ocl);
  geocl_ctx_free(ref);
  return 10 + xgemm_applied + 2 * xgemm_ignored + 4 * attention_ignored;
}

static int run_tune_child(const char *cache_dir, const char *what) {
  pid_t pid = fork();
  if (pid == 0) {
    setenv("GEOCL_TUNE_CACHE", cache_dir, 1);
    execl(self_path, self_path, "tune-child", what, (char *)NULL);
    _exit(127);
  }
  int status;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128;
}

/* Replace the cache file in dir by the given lines. */
static void write_tune_cache_lines(const char *dir, const char *lines) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  char path[8400] = "";
  for (struct dirent *e; (e = readdir(d));)
    if (!strncmp(e->d_name, "gemm-", 5)) snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
  closedir(d);
  ck_assert_msg(path[0], "no tuning cache file in %s", dir);
  FILE *f = fopen(path, "w");
  ck_assert_ptr_nonnull(f);
  fputs(lines, f);
  ck_assert_int_eq(fclose(f), 0);
}

/* Replace the cache file in dir by FORMAT 2 and the given clblast-xgemm line. */
static void write_tune_cache(const char *dir, const char *xgemm) {
  char lines[512];
  snprintf(lines, sizeof lines, "geocl-gemm-tune 2\nclblast-xgemm %s\n", xgemm);
  write_tune_cache_lines(dir, lines);
}

/* A valid, non-default parameter set from the cache is applied, and CLBlast
 * still matches the reference; one with a missing name, an unknown one, or
 * values that break a rule is ignored with a warning, results still right. */
START_TEST(tune_cache_clblast_parameters) {
  char dir[4200], cmd[8600];
  snprintf(dir, sizeof dir, "%s/tunecache-test", test_tmpdir());
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(run_tune_child(dir, "init"), 0);
  write_tune_cache(dir, "GEMMK=0 KREG=1 KWG=16 KWI=2 MDIMA=16 MDIMC=8 MWG=32 NDIMB=8 NDIMC=16 NWG=64 SA=1 SB=0 STRM=1 "
                        "STRN=0 VWM=2 VWN=4");
  ck_assert_int_eq(run_tune_child(dir, "check"), 11);
  const char *bad[] = {
      "GEMMK=0 KREG=1 KWG=16 KWI=2 MDIMA=16 MDIMC=8 MWG=32 NDIMB=8 NDIMC=16 NWG=64 SA=1 SB=0 STRM=1 STRN=0 VWM=2",
      "GEMMK=0 KREG=1 KWG=16 KWI=2 MDIMA=16 MDIMC=8 MWG=32 NDIMB=8 NDIMC=16 NWG=64 SA=1 SB=0 STRM=1 STRN=0 VWM=2 "
      "VWN=4 FOO=1",
      "GEMMK=0 KREG=1 KWG=16 KWI=2 MDIMA=16 MDIMC=8 MWG=48 NDIMB=8 NDIMC=16 NWG=64 SA=1 SB=0 STRM=1 STRN=0 VWM=2 VWN=4",
      "garbage"};
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    write_tune_cache(dir, bad[i]);
    ck_assert_msg(run_tune_child(dir, "check") == 12, "clblast-xgemm %s: not ignored with a warning", bad[i]);
  }
  /* format 3: a corrupt attention line is ignored with a warning, not an error */
  write_tune_cache_lines(dir, "geocl-gemm-tune 3\nattention fwd 2 7 7 1 32 0 tile=16 block=32\nattention fwd 2 7 x\n");
  ck_assert_int_eq(run_tune_child(dir, "check"), 14);
}
END_TEST

int main(int argc, char **argv) {
  self_path = argv[0];
  if (argc > 1 && !strcmp(argv[1], "cache-child")) return cache_child();
  if (argc > 2 && !strcmp(argv[1], "tune-child")) return tune_child(argv[2]);
  if (!test_have_opencl()) return TEST_SKIP;
  Suite *s = suite_create("opencl-smoke");
  TCase *tc = tcase_create("smoke");
  tcase_add_checked_fixture(tc, setup, teardown);
  tcase_add_test(tc, transfers_round_trip);
  tcase_add_test(tc, fill_copy_and_rand_match_reference);
  tcase_add_test(tc, gemm_matches_reference);
  tcase_add_test(tc, gemm_refuses_bad_forced_choice);
  tcase_add_test(tc, gemm_reuses_packed_weights_by_tag);
  tcase_add_test(tc, device_selection_by_name);
  suite_add_tcase(s, tc);
  TCase *cache = tcase_create("cache");
  tcase_add_test(cache, program_cache_store_load_and_corruption);
  tcase_add_test(cache, tune_cache_clblast_parameters);
  suite_add_tcase(s, cache);
  return test_run_suite(s);
}
