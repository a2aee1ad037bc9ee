/* SPDX-License-Identifier: MIT */
/* Helpers shared by the Check suites. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "testutil.h"

int test_run_suite(Suite *s) {
  SRunner *sr = srunner_create(s);
  srunner_run_all(sr, CK_NORMAL);
  int failed = srunner_ntests_failed(sr);
  srunner_free(sr);
  return failed == 0 ? 0 : 1;
}

geocl_ctx *test_ref_ctx(void) {
  geocl_ctx *ctx = NULL;
  geocl_ctx_opts o = {.device = "reference", .seed = 1};
  if (geocl_ctx_create(&o, &ctx) != GEOCL_OK) {
    fprintf(stderr, "cannot open the reference backend: %s\n", geocl_last_error());
    exit(99); /* a hard error for automake */
  }
  return ctx;
}

const char *test_ocl_device(void) {
  static char spec[256];
  static int done;
  if (done) return spec[0] ? spec : NULL;
  done = 1;
  const char *env = getenv("GEOCL_DEVICE");
  if (env && *env && strcasecmp(env, "auto")) {
    if (!strcasecmp(env, "reference") || !strcasecmp(env, "ref")) {
      fprintf(stderr, "SKIP: GEOCL_DEVICE=%s selects no OpenCL device\n", env);
      return NULL;
    }
    snprintf(spec, sizeof spec, "%s", env);
    return spec;
  }
  geocl_device_entry *e;
  int n;
  char *notes;
  if (geocl_list_devices(&e, &n, &notes) != GEOCL_OK) {
    fprintf(stderr, "SKIP: listing devices failed: %s\n", geocl_last_error());
    return NULL;
  }
  for (int i = 0; i < n && !spec[0]; i++)
    if (!strcmp(e[i].backend, "opencl")) snprintf(spec, sizeof spec, "%d", e[i].index);
  if (!spec[0]) fprintf(stderr, "SKIP: no OpenCL device (%s)\n", notes && *notes ? notes : "no backend module loaded");
  geocl_device_list_free(e, notes);
  return spec[0] ? spec : NULL;
}

int test_have_opencl(void) { return test_ocl_device() != NULL; }

geocl_ctx *test_ocl_ctx(void) {
  const char *spec = test_ocl_device();
  if (!spec) return NULL;
  geocl_ctx_opts o = {.device = spec, .seed = 1};
  geocl_ctx *ctx = NULL;
  if (geocl_ctx_create(&o, &ctx) != GEOCL_OK || strcmp(geocl_ctx_backend_name(ctx), "opencl")) {
    fprintf(stderr, "cannot open OpenCL device '%s': %s\n", spec,
            ctx ? "it is not an OpenCL device" : geocl_last_error());
    exit(99);
  }
  return ctx;
}

geocl_ctx *test_backend_ctx(int which, const char *suite) {
  if (which == 0) return test_ref_ctx();
  if (!test_have_opencl()) {
    printf("SKIP: no OpenCL device: %s checked the reference backend only\n", suite);
    return NULL;
  }
  return test_ocl_ctx();
}

geocl_tensor *test_upload(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape, const void *data) {
  geocl_tensor *t = geocl_from_host(ctx, dt, ndim, shape, data);
  ck_assert_nonnull_geocl(t);
  return t;
}

void test_fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi) {
  geocl_rng r;
  geocl_rng_init(&r, seed);
  geocl_rng_uniform(&r, x, n);
  for (size_t i = 0; i < n; i++) x[i] = lo + (hi - lo) * x[i];
}

double test_max_rel_err(const float *a, const float *b, size_t n, double floor, size_t *worst) {
  double m = 0;
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    double d = fabs((double)a[i] - (double)b[i]);
    double s = fabs((double)b[i]);
    double e = d / (s > floor ? s : floor);
    if (isnan(a[i]) != isnan(b[i])) e = INFINITY;
    if (e > m) {
      m = e;
      w = i;
    }
  }
  if (worst) *worst = w;
  return m;
}

double test_rel_l2(const float *a, const float *b, size_t n) {
  double num = 0, den = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)a[i] - (double)b[i];
    num += d * d;
    den += (double)b[i] * (double)b[i];
  }
  if (den == 0) return sqrt(num);
  return sqrt(num / den);
}

float *test_st_read_f32(geocl_st_file *f, const char *name, size_t *n) {
  const geocl_st_info *t = geocl_st_find(f, name);
  ck_assert_msg(t != NULL, "fixture has no tensor %s", name);
  *n = (size_t)geocl_st_numel(t);
  float *v = malloc(*n * sizeof *v + 4);
  ck_assert_ok(geocl_st_read_f32(f, t, v, *n));
  return v;
}

geocl_tensor *test_st_upload(geocl_ctx *ctx, geocl_st_file *f, const char *name) {
  size_t n;
  float *v = test_st_read_f32(f, name, &n);
  const geocl_st_info *t = geocl_st_find(f, name);
  geocl_tensor *x = geocl_from_host(ctx, GEOCL_F32, t->ndim, t->shape, v);
  free(v);
  return x;
}

float *test_download(const geocl_tensor *t) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  ck_assert_ptr_nonnull(h);
  geocl_status st = geocl_to_host(t, h, n * 4);
  ck_assert_msg(st == GEOCL_OK, "download: %s", geocl_last_error());
  return h;
}

const char *test_tmpdir(void) {
  static char dir[4096];
  if (!dir[0]) {
    const char *base = getenv("GEOCL_TEST_TMP");
    snprintf(dir, sizeof dir, "%s", base && *base ? base : "/tmp");
    mkdir(dir, 0755);
  }
  return dir;
}
