/* SPDX-License-Identifier: MIT */
/* Helpers shared by the Check suites. */
#ifndef GEOCL_TESTUTIL_H
#define GEOCL_TESTUTIL_H

#include <check.h>
#include <stddef.h>

#include <geocl/geocl.h>
#include <geocl/safetensors.h>

/* Exit status automake reads as SKIP. */
#define TEST_SKIP 77

/* Run a suite; returns the process exit status (0 or 1). */
int test_run_suite(Suite *s);

/* Open a context on the reference backend (seed 1); fails the test on error. */
geocl_ctx *test_ref_ctx(void);
/* The device spec of the OpenCL device under test: $GEOCL_DEVICE when set
 * (CI runs the suites once per OpenCL implementation), else the index of the
 * first OpenCL device; NULL (after printing why) when there is none or
 * $GEOCL_DEVICE names the reference backend. */
const char *test_ocl_device(void);
/* Open a context on that device (a device that cannot be opened is a hard
 * error, exit 99), or NULL when there is none. */
geocl_ctx *test_ocl_ctx(void);
/* True if there is an OpenCL device under test; prints why not otherwise. */
int test_have_opencl(void);

/* The backend of a test looped over both: 0 the reference backend, 1 the
 * first OpenCL device, or NULL when there is none (printing that `suite`
 * checked the reference backend only). */
geocl_ctx *test_backend_ctx(int which, const char *suite);
/* geocl_from_host, failing the test on error. */
geocl_tensor *test_upload(geocl_ctx *ctx, geocl_dtype dt, int ndim, const int64_t *shape, const void *data);

/* Fill with uniform values in [lo, hi) from a fixed seed. */
void test_fill_uniform(float *x, size_t n, unsigned seed, float lo, float hi);
/* max |a - b| / max(|b|, floor) over n, reporting the index of the worst. */
double test_max_rel_err(const float *a, const float *b, size_t n, double floor, size_t *worst);
/* ‖a − b‖₂ / ‖b‖₂ */
double test_rel_l2(const float *a, const float *b, size_t n);
/* Download a whole tensor into a malloc'd array. */
float *test_download(const geocl_tensor *t);
/* A fixture's tensor `name` as float32 (malloc'd, n elements), failing the test when it is absent. */
float *test_st_read_f32(geocl_st_file *f, const char *name, size_t *n);
/* The same uploaded with the fixture's shape. */
geocl_tensor *test_st_upload(geocl_ctx *ctx, geocl_st_file *f, const char *name);
/* A writable scratch directory for this test (under the build tree). */
const char *test_tmpdir(void);

#define ck_assert_ok(expr)                                                                          \
  do {                                                                                              \
    geocl_status st_ = (expr);                                                                      \
    ck_assert_msg(st_ == GEOCL_OK, "%s failed: %s (%s)", #expr, geocl_status_name(st_), geocl_last_error()); \
  } while (0)

#define ck_assert_nonnull_geocl(ptr) ck_assert_msg((ptr) != NULL, "%s is NULL: %s", #ptr, geocl_last_error())

#endif
