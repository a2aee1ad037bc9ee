/* SPDX-License-Identifier: MIT */
/* The OpenCL FFT path beyond what the op tables reach: the backend entries
 * called directly with inputs and outputs at element offsets (clFFT takes
 * whole buffers), inputs left untouched, and a clear error for a size clFFT
 * cannot transform.  Exits 77 without an OpenCL device.  (Every new size
 * costs PoCL seconds of kernel compilation on a cold cache: 224×224, CroCo's
 * image size, takes ~30 s, so it is not tested here.) */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/op-api.h>

#include "testutil.h"

static geocl_ctx *ocl, *ref;

/* Run rfft2 (inverse 0) or irfft2 (inverse 1) on ctx's backend, reading the
 * n_in host values from element offset in_off of one buffer and writing n_out
 * values at out_off of another.  Returns the output; *in_after is the input
 * buffer's content after the call. */
static float *run_entry(geocl_ctx *ctx, int inverse, int64_t batch, int64_t h, int64_t w, const float *in,
                        int64_t n_in, int64_t in_off, int64_t n_out, int64_t out_off, float **in_after,
                        geocl_status *status) {
  float *staged = calloc((size_t)(in_off + n_in), 4);
  memcpy(staged + in_off, in, (size_t)n_in * 4);
  geocl_tensor *a = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(in_off + n_in), staged);
  geocl_tensor *b = geocl_zeros(ctx, GEOCL_F32, GEOCL_SHAPE(out_off + n_out));
  ck_assert_nonnull_geocl(b);
  geocl_backend *be = geocl_tensor_backend(a);
  geocl_bref src = geocl_tensor_bref(a), dst = geocl_tensor_bref(b);
  src.off += (size_t)in_off;
  dst.off += (size_t)out_off;
  *status = inverse ? be->ops->irfft2(be, batch, h, w, src, dst) : be->ops->rfft2(be, batch, h, w, src, dst);
  float *out = NULL;
  if (*status == GEOCL_OK) {
    float *all = test_download(b);
    out = malloc((size_t)n_out * 4);
    memcpy(out, all + out_off, (size_t)n_out * 4);
    free(all);
    float *staged_after = test_download(a);
    *in_after = malloc((size_t)n_in * 4);
    memcpy(*in_after, staged_after + in_off, (size_t)n_in * 4);
    free(staged_after);
  }
  free(staged);
  geocl_tensor_free(a);
  geocl_tensor_free(b);
  return out;
}

/* OpenCL against the reference for one transform and offset pair. */
static void check_transform(int inverse, int64_t batch, int64_t h, int64_t w, int64_t in_off, int64_t out_off) {
  int64_t n_real = batch * h * w, n_spec = batch * h * (w / 2 + 1) * 2;
  int64_t n_in = inverse ? n_spec : n_real, n_out = inverse ? n_real : n_spec;
  float *in = malloc((size_t)n_in * 4), *in_ocl, *in_ref;
  test_fill_uniform(in, (size_t)n_in, 17, -1, 1);
  geocl_status st;
  float *y_ocl = run_entry(ocl, inverse, batch, h, w, in, n_in, in_off, n_out, out_off, &in_ocl, &st);
  ck_assert_msg(st == GEOCL_OK, "%s %lldx%lld on OpenCL: %s", inverse ? "irfft2" : "rfft2", (long long)h,
                (long long)w, geocl_last_error());
  float *y_ref = run_entry(ref, inverse, batch, h, w, in, n_in, 0, n_out, 0, &in_ref, &st);
  ck_assert_int_eq(st, GEOCL_OK);
  /* scaled as in the op tables: max |a − b| / max |b| */
  double scale = 0;
  for (int64_t i = 0; i < n_out; i++) scale = fmax(scale, fabs(y_ref[i]));
  size_t worst;
  double err = test_max_rel_err(y_ocl, y_ref, (size_t)n_out, scale, &worst);
  ck_assert_msg(err <= 1e-6, "%s %lldx%lld (offsets %lld → %lld): OpenCL vs reference error %.3g at %zu",
                inverse ? "irfft2" : "rfft2", (long long)h, (long long)w, (long long)in_off, (long long)out_off, err,
                worst);
  ck_assert_msg(!memcmp(in_ocl, in, (size_t)n_in * 4), "%s on OpenCL modified its input",
                inverse ? "irfft2" : "rfft2");
  free(in);
  free(in_ocl);
  free(in_ref);
  free(y_ocl);
  free(y_ref);
}

START_TEST(offsets_on_both_sides) {
  for (int inverse = 0; inverse < 2; inverse++) {
    check_transform(inverse, 2, 8, 10, 0, 0);
    check_transform(inverse, 2, 8, 10, 5, 0);
    check_transform(inverse, 2, 8, 10, 0, 3);
    check_transform(inverse, 2, 8, 10, 7, 11);
  }
}
END_TEST

START_TEST(unsupported_size_is_an_error) {
  /* 17 is a prime clFFT 2.12 has no kernel for */
  float *in = calloc(17 * 17, 4), *in_after = NULL;
  geocl_status st;
  float *y = run_entry(ocl, 0, 1, 17, 17, in, 17 * 17, 0, 17 * 9 * 2, 0, &in_after, &st);
  ck_assert_msg(st != GEOCL_OK, "a 17x17 transform succeeded; extend the size tests instead of this one");
  ck_assert_msg(strstr(geocl_last_error(), "17x17") != NULL, "error does not name the size: %s", geocl_last_error());
  free(y);
  free(in_after);
  free(in);
}
END_TEST

int main(void) {
  if (!test_have_opencl()) return TEST_SKIP;
  ocl = test_ocl_ctx();
  ref = test_ref_ctx();
  if (!ocl) return 99;
  Suite *s = suite_create("fft");
  TCase *tc = tcase_create("clfft");
  tcase_add_test(tc, offsets_on_both_sides);
  tcase_add_test(tc, unsupported_size_is_an_error);
  suite_add_tcase(s, tc);
  int rc = test_run_suite(s);
  geocl_ctx_free(ocl);
  geocl_ctx_free(ref);
  return rc;
}
