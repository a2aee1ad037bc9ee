/* SPDX-License-Identifier: MIT */
/* Position-embedding tables resampled when a pre-trained file's grid differs
 * from the model's (geocl_params_load_partial with pos_grid), against
 * PyTorch's bicubic interpolation as naver/croco interpolate_pos_embed uses
 * it (tests/gen/gen_pos_embed_fixture.py), on both backends. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char fixture[4200];

static void setup(void) {
  snprintf(fixture, sizeof fixture, "%s/pos_embed_resample.safetensors", getenv("GEOCL_FIXTURES"));
}

/* The fixture's tensor `name` ([n, 6]). */
static float *expected(const char *name, int64_t n) {
  geocl_st_file *f;
  ck_assert_int_eq(geocl_st_open(fixture, &f), GEOCL_OK);
  const geocl_st_info *t = geocl_st_find(f, name);
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(geocl_st_numel(t), n * 6);
  float *v = malloc(sizeof(float) * (size_t)(n * 6));
  ck_assert_int_eq(geocl_st_read_f32(f, t, v, (size_t)(n * 6)), GEOCL_OK);
  geocl_st_close(f);
  return v;
}

/* A model with a [h*w, 6] table enc_pos_embed (a buffer) and one weight. */
static geocl_params *model(geocl_ctx *ctx, int64_t h, int64_t w) {
  geocl_params *p;
  ck_assert_int_eq(geocl_params_new(ctx, &p), GEOCL_OK);
  ck_assert_int_eq(geocl_params_add(p, "w", GEOCL_SHAPE(2), 0), GEOCL_OK);
  ck_assert_int_eq(geocl_params_add_buffer(p, "enc_pos_embed", GEOCL_SHAPE(h * w, 6)), GEOCL_OK);
  ck_assert_int_eq(geocl_params_finalize(p), GEOCL_OK);
  return p;
}

static void check_grid(geocl_ctx *ctx, int64_t h, int64_t w, const char *name) {
  geocl_params *p = model(ctx, h, w);
  geocl_params_load_opts o = {.pos_grid = {h, w}};
  geocl_load_report r;
  ck_assert_msg(geocl_params_load_partial(p, fixture, &o, &r) == GEOCL_OK, "%s", geocl_last_error());
  ck_assert_int_eq(r.loaded, 1);
  ck_assert_int_eq(r.resampled, 1);
  ck_assert_int_eq(r.kept, 1); /* w */
  float *want = expected(name, h * w), *got = malloc(sizeof(float) * (size_t)(h * w * 6));
  ck_assert_int_eq(geocl_to_host(geocl_params_find(p, "enc_pos_embed"), got, sizeof(float) * (size_t)(h * w * 6)),
                   GEOCL_OK);
  for (int64_t i = 0; i < h * w * 6; i++)
    ck_assert_msg(fabsf(got[i] - want[i]) <= 1e-6f, "%s[%lld]: %.9g, PyTorch %.9g", name, (long long)i, got[i], want[i]);
  free(want);
  free(got);
  geocl_params_free(p);
}

static void check_backend(geocl_ctx *ctx) {
  check_grid(ctx, 3, 5, "expected.3x5"); /* smaller and not square */
  check_grid(ctx, 6, 8, "expected.6x8"); /* larger */
}

START_TEST(reference_matches_pytorch) {
  geocl_ctx *ctx = test_ref_ctx();
  check_backend(ctx);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(opencl_matches_pytorch) {
  geocl_ctx *ctx = test_ocl_ctx();
  if (!ctx) return; /* no OpenCL device (test_ocl_ctx said why): the reference case above stands */
  check_backend(ctx);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(other_shapes_refused) {
  geocl_ctx *ctx = test_ref_ctx();
  /* without a grid, or a grid the entry does not have: the shape error */
  geocl_params *p = model(ctx, 3, 5);
  ck_assert_int_eq(geocl_params_load_partial(p, fixture, NULL, NULL), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "enc_pos_embed is [16, 6], the model's enc_pos_embed is [15, 6]"));
  geocl_params_load_opts o = {.pos_grid = {5, 3}};
  ck_assert_int_eq(geocl_params_load_partial(p, fixture, &o, NULL), GEOCL_OK); /* 5x3 has 15 tokens too */
  o.pos_grid[0] = 4;
  ck_assert_int_eq(geocl_params_load_partial(p, fixture, &o, NULL), GEOCL_E_SHAPE);
  geocl_params_free(p);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  Suite *s = suite_create("pos_embed");
  TCase *tc = tcase_create("pos_embed");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_add_test(tc, reference_matches_pytorch);
  tcase_add_test(tc, opencl_matches_pytorch);
  tcase_add_test(tc, other_shapes_refused);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
