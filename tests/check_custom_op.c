/* SPDX-License-Identifier: MIT */
/* Custom ops from a plugin (tests/plugins/customop.c registers them from its
 * create function), checked by the installed harness (geocl/op-check.h) as the
 * built-in ops are: OpenCL against the reference backend forward and backward,
 * and numerical gradients.  Also: variants derived from the plugin's
 * descriptor run through host copies (warned once), wrong kernels and a
 * wrong host backward are caught, the program is built once per device, and
 * the registry's and the op's errors.  Without an OpenCL device the
 * reference-backend tests run and the suite then exits 77. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/custom-op.h>
#include <geocl/plugin.h>

#include "op_harness.h"

static geocl_ctx *ref, *ocl;
static const geocl_plugin *plugin;
static bool absent_before_create;

/* The plugin's ops, and variants of scaled_softplus registered here. */
enum {
  OP_SOFTPLUS,
  OP_TAKE_ROWS,
  OP_HOST_ONLY,      /* no OpenCL source: both passes through host copies */
  OP_FORWARD_KERNEL, /* forward kernel only: the backward through host copies */
  OP_BUG_FORWARD,    /* the forward kernel forgets 1/β */
  OP_BUG_BACKWARD,   /* the backward kernel's dw is 0.5% too large */
  OP_BAD_HOST_DX,    /* the host backward's dx is 0.5% too large */
  N_OPS
};
static const geocl_custom_op *ops[N_OPS];
static geocl_custom_op_desc softplus_desc; /* the plugin's, as registered */

/* ---- the log: warnings are kept, debug lines about our programs counted ---- */

static char *warnings[64];
static int n_warnings, softplus_builds;

static void log_sink(geocl_log_level level, const char *msg, void *user) {
  if (level <= GEOCL_LOG_WARN) {
    fprintf(stderr, "geocl: %s\n", msg);
    if (n_warnings < 64) warnings[n_warnings++] = strdup(msg);
  }
  if (strstr(msg, "custom op 'scaled_softplus' built from source") ||
      strstr(msg, "custom op 'scaled_softplus' loaded from the program cache"))
    softplus_builds++;
}

static int warnings_with(const char *a, const char *b) {
  int n = 0;
  for (int i = 0; i < n_warnings; i++) n += strstr(warnings[i], a) && strstr(warnings[i], b);
  return n;
}

/* ---- cases ---- */

/* scaled_softplus (or a variant, ip[0]) on x (transposed when ip[1]), w; β = fp[0] */
static geocl_tensor *run_softplus(geocl_tensor *const *in, const op_case *c) {
  geocl_tensor *x = c->ip[1] ? geocl_transpose(in[0], 0, 1) : in[0];
  int64_t cols = geocl_dim(in[1], 0);
  return geocl_custom(ops[c->ip[0]], (geocl_tensor *[]){x, in[1]}, (const int64_t[]){geocl_numel(x) / cols, cols},
                      c->fp);
}

static geocl_tensor *run_take_rows(geocl_tensor *const *in, const op_case *c) {
  return geocl_custom(ops[OP_TAKE_ROWS], in, (const int64_t[]){geocl_dim(in[1], 0), geocl_dim(in[0], 1)}, NULL);
}

#define U(lo, hi) IN_UNIFORM, lo, hi, 0, true
#define FIXED(lo, hi) IN_UNIFORM, lo, hi, 0, false
#define SOFTPLUS_TOL 1e-6, 1e-6
#define GRAD 1e-2, 2e-3

static const op_case cases[] = {
    {"custom/scaled_softplus", 2, {{2, {13, 7}, U(-4, 4)}, {1, {7}, U(0.5f, 2)}}, run_softplus, {OP_SOFTPLUS},
     {1.5f}, SOFTPLUS_TOL, GRAD},
    {"custom/scaled_softplus_197", 2, {{2, {197, 33}, U(-4, 4)}, {1, {33}, U(-2, 2)}}, run_softplus, {OP_SOFTPLUS},
     {0.75f}, SOFTPLUS_TOL, GRAD},
    /* w needs no gradient: the kernel gets a NULL dw */
    {"custom/scaled_softplus_fixed_w", 2, {{3, {3, 5, 11}, U(-4, 4)}, {1, {11}, FIXED(0.5f, 2)}}, run_softplus,
     {OP_SOFTPLUS}, {2.0f}, SOFTPLUS_TOL, GRAD},
    /* x needs no gradient: a NULL dx */
    {"custom/scaled_softplus_fixed_x", 2, {{2, {9, 4}, FIXED(-4, 4)}, {1, {4}, U(0.5f, 2)}}, run_softplus,
     {OP_SOFTPLUS}, {1.5f}, SOFTPLUS_TOL, GRAD},
    /* a transposed view goes in contiguous */
    {"custom/scaled_softplus_view", 2, {{2, {7, 13}, U(-4, 4)}, {1, {7}, U(0.5f, 2)}}, run_softplus,
     {OP_SOFTPLUS, 1}, {1.5f}, SOFTPLUS_TOL, GRAD},
    /* an i32 input, an output of another shape, repeated indices summed in backward */
    {"custom/take_rows", 2, {{2, {9, 5}, U(-1, 1)}, {1, {12}, IN_INT, 0, 0, 9, false}}, run_take_rows, {0}, {0}, 0,
     0, GRAD},
    {"custom/scaled_softplus_host_copies", 2, {{2, {13, 7}, U(-4, 4)}, {1, {7}, U(0.5f, 2)}}, run_softplus,
     {OP_HOST_ONLY}, {1.5f}, SOFTPLUS_TOL, GRAD},
    {"custom/scaled_softplus_backward_copies", 2, {{2, {13, 7}, U(-4, 4)}, {1, {7}, U(0.5f, 2)}}, run_softplus,
     {OP_FORWARD_KERNEL}, {1.5f}, SOFTPLUS_TOL, GRAD},
};
#define N_CASES (int)(sizeof cases / sizeof cases[0])

static op_case variant(int op) {
  op_case c = cases[0];
  c.ip[0] = op;
  return c;
}

/* ---- registry ---- */

START_TEST(plugin_registers_its_ops_idempotently) {
  ck_assert_msg(absent_before_create, "scaled_softplus was registered before the plugin's create ran");
  ck_assert_ptr_eq(geocl_custom_op_find("scaled_softplus"), ops[OP_SOFTPLUS]);
  ck_assert_ptr_nonnull(ops[OP_TAKE_ROWS]);
  void *st;
  geocl_config *cfg = geocl_plugin_config(plugin);
  ck_assert_ok(plugin->create(ref, cfg, NULL, NULL, &st)); /* a second create registers nothing new */
  plugin->destroy(st);
  geocl_config_free(cfg);
  ck_assert_ptr_eq(geocl_custom_op_find("scaled_softplus"), ops[OP_SOFTPLUS]);
  /* an identical descriptor at another address is the same op */
  geocl_custom_op_desc copy = softplus_desc;
  const geocl_custom_op *again;
  ck_assert_ok(geocl_custom_op_register(&copy, &again));
  ck_assert_ptr_eq(again, ops[OP_SOFTPLUS]);
  ck_assert_str_eq(geocl_custom_op_describe(again)->cl_forward, "scaled_softplus_forward");
}
END_TEST

START_TEST(registry_refuses_bad_descriptors) {
  geocl_custom_op_desc d = softplus_desc;
  d.n_floats = 2;
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'scaled_softplus' is already registered with another definition"));
  ck_assert_int_eq(geocl_custom_op_register(NULL, NULL), GEOCL_E_INVALID);
  ck_assert_str_eq(geocl_last_error(), "custom op: the descriptor is NULL");
  d = softplus_desc;
  d.name = "soft plus";
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'soft plus': a name is 1 to 47 letters"));
  d = softplus_desc;
  d.name = "fresh";
  d.n_in = 0;
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'fresh': n_in is 0"));
  d.n_in = 2;
  d.i32_inputs = 1u << 2;
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "i32_inputs marks inputs beyond its 2"));
  d.i32_inputs = 0;
  d.n_ints = 9;
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "9 integer and 1 float parameters"));
  d.n_ints = 2;
  d.backward = NULL;
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "no host backward implementation"));
  d.backward = softplus_desc.backward;
  d.cl_source = NULL;
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "names OpenCL kernels but gives no cl_source"));
  d.cl_source = softplus_desc.cl_source;
  d.cl_forward = d.cl_backward = NULL;
  ck_assert_int_eq(geocl_custom_op_register(&d, NULL), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "gives cl_source but names no kernel"));
  ck_assert_ptr_null(geocl_custom_op_find("fresh")); /* nothing half-registered */
  ck_assert_ptr_null(geocl_custom_op_find("nosuch"));
  ck_assert_ptr_null(geocl_custom_op_find(NULL));
  ck_assert_ptr_null(geocl_custom_op_describe(NULL));
}
END_TEST

/* ---- calling ---- */

START_TEST(bad_calls_name_the_op) {
  geocl_scope s = geocl_scope_begin(ref);
  geocl_tensor *x = geocl_zeros(ref, GEOCL_F32, GEOCL_SHAPE(3, 4)), *w = geocl_full(ref, 1, GEOCL_SHAPE(4));
  geocl_tensor *xi = geocl_zeros(ref, GEOCL_I32, GEOCL_SHAPE(3, 4)), *w5 = geocl_full(ref, 1, GEOCL_SHAPE(5));
  const int64_t dims[] = {3, 4};
  const float beta = 1;
  const geocl_custom_op *sp = ops[OP_SOFTPLUS];
  ck_assert_ptr_nonnull(geocl_custom(sp, (geocl_tensor *[]){x, w}, dims, &beta));
  ck_assert_ptr_null(geocl_custom(sp, (geocl_tensor *[]){xi, w}, dims, &beta));
  ck_assert_str_eq(geocl_last_error(), "scaled_softplus: input 0 must be f32, not i32");
  ck_assert_ptr_null(geocl_custom(sp, (geocl_tensor *[]){x, w5}, dims, &beta));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_SHAPE);
  ck_assert_str_eq(geocl_last_error(), "scaled_softplus: w must have shape [4]");
  ck_assert_ptr_null(geocl_custom(sp, (geocl_tensor *[]){x, w}, (const int64_t[]){4, 4}, &beta));
  ck_assert_str_eq(geocl_last_error(), "scaled_softplus: rows 4 × cols 4 do not match x's 12 elements");
  ck_assert_ptr_null(geocl_custom(sp, (geocl_tensor *[]){x, w}, NULL, &beta));
  ck_assert_str_eq(geocl_last_error(), "scaled_softplus: takes 2 integer and 1 float parameters; got no integers");
  ck_assert_ptr_null(geocl_custom(NULL, (geocl_tensor *[]){x, w}, dims, &beta));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_INVALID);
  /* a NULL input keeps the first error */
  geocl_set_error(GEOCL_E_IO, "an earlier failure");
  ck_assert_ptr_null(geocl_custom(sp, (geocl_tensor *[]){NULL, w}, dims, &beta));
  ck_assert_str_eq(geocl_last_error(), "an earlier failure");
  /* inputs of two contexts */
  geocl_ctx *other = test_ref_ctx();
  geocl_tensor *w_other = geocl_full(other, 1, GEOCL_SHAPE(4));
  ck_assert_ptr_null(geocl_custom(sp, (geocl_tensor *[]){x, w_other}, dims, &beta));
  ck_assert_str_eq(geocl_last_error(), "scaled_softplus: inputs belong to different contexts");
  geocl_ctx_free(other);
  /* the host implementation's error, with the op and the pass */
  geocl_tensor *idx = geocl_from_host(ref, GEOCL_I32, GEOCL_SHAPE(2), (const int32_t[]){1, 3});
  ck_assert_ptr_null(geocl_custom(ops[OP_TAKE_ROWS], (geocl_tensor *[]){x, idx}, (const int64_t[]){2, 4}, NULL));
  ck_assert_str_eq(geocl_last_error(), "take_rows forward: idx[1] = 3 is not a row of x (3 rows)");
  geocl_scope_end(ref, s);
}
END_TEST

/* The plugin's task runs the op through the public API; its loss is
 * mean(softplus(βx)/β) (w = 1), and x's gradient sigmoid(βx)/numel. */
static void plugin_task_on(geocl_ctx *ctx) {
  geocl_config *cfg = geocl_plugin_config(plugin);
  void *st;
  ck_assert_ok(plugin->create(ctx, cfg, NULL, NULL, &st));
  float x[2 * 3 * 5];
  test_fill_uniform(x, 30, 5, -3, 3);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *image = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(2, 1, 3, 5), x);
  geocl_set_requires_grad(image, true);
  geocl_batch b = {.size = 2};
  ck_assert_ok(geocl_batch_set(&b, "image1", image));
  geocl_outputs out = {0};
  ck_assert_ok(plugin->forward(st, &b, &out));
  float loss;
  ck_assert_ok(geocl_item(geocl_outputs_get(&out, "loss"), &loss));
  ck_assert_ok(geocl_backward(geocl_outputs_get(&out, "loss")));
  float *g = test_download(geocl_grad(image));
  double want = 0, beta = 1.5;
  for (int i = 0; i < 30; i++) {
    double z = beta * x[i];
    want += (z > 0 ? z : 0) + log1p(exp(-fabs(z)));
    ck_assert_double_eq_tol(g[i], 1 / (1 + exp(-z)) / 30, 1e-7);
  }
  want /= beta * 30;
  ck_assert_double_eq_tol(loss, want, 1e-6 * want);
  free(g);
  geocl_scope_end(ctx, s);
  plugin->destroy(st);
  geocl_config_free(cfg);
}

START_TEST(plugin_task_runs_the_op_on_reference) { plugin_task_on(ref); }
END_TEST

/* ---- the harness on the cases ---- */

START_TEST(numerical_gradients) {
  geocl_op_check_result r;
  geocl_status st = geocl_op_check_gradients(&cases[_i], ref, &r);
  ck_assert_msg(st == GEOCL_OK, "%s", geocl_last_error());
  ck_assert(!r.skipped);
  printf("  %-40s numerical gradient error %.2e\n", cases[_i].name, r.bwd_err);
}
END_TEST

START_TEST(wrong_host_backward_is_caught) {
  op_case c = variant(OP_BAD_HOST_DX);
  geocl_op_check_result r;
  ck_assert_int_eq(geocl_op_check_gradients(&c, ref, &r), GEOCL_E_CHECK);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "custom/scaled_softplus input 0: numeric vs analytic gradient"));
  ck_assert_int_eq(r.worst_input, 0);
}
END_TEST

START_TEST(opencl_matches_reference) {
  geocl_op_check_result r;
  geocl_status st = geocl_op_check_backends(&cases[_i], ocl, ref, &r);
  ck_assert_msg(st == GEOCL_OK, "%s", geocl_last_error());
  printf("  %-40s OpenCL vs reference: forward %.2e backward %.2e\n", cases[_i].name, r.fwd_err, r.bwd_err);
}
END_TEST

START_TEST(wrong_kernels_are_caught) {
  op_case c = variant(OP_BUG_FORWARD);
  geocl_op_check_result r;
  ck_assert_int_eq(geocl_op_check_backends(&c, ocl, ref, &r), GEOCL_E_CHECK);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "custom/scaled_softplus forward: opencl vs reference error"));
  c = variant(OP_BUG_BACKWARD);
  ck_assert_int_eq(geocl_op_check_backends(&c, ocl, ref, &r), GEOCL_E_CHECK);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "custom/scaled_softplus backward, input 1: opencl vs reference"));
  ck_assert_int_eq(r.worst_input, 1);
  ck_assert_double_gt(r.bwd_err, 4e-3);
  ck_assert_double_le(r.fwd_err, cases[0].fwd_tol);
}
END_TEST

/* Passes without a kernel run through host copies, with one warning per op
 * and pass however often they run. */
START_TEST(host_copies_warned_once) {
  for (int rep = 0; rep < 3; rep++) {
    geocl_op_check_result r;
    op_case c = variant(OP_HOST_ONLY);
    ck_assert_ok(geocl_op_check_backends(&c, ocl, ref, &r));
    c = variant(OP_FORWARD_KERNEL);
    ck_assert_ok(geocl_op_check_backends(&c, ocl, ref, &r));
  }
  ck_assert_int_eq(warnings_with("custom op scaled_softplus_host has no OpenCL kernel", "forward pass"), 1);
  ck_assert_int_eq(warnings_with("custom op scaled_softplus_host has no OpenCL kernel", "backward pass"), 1);
  ck_assert_int_eq(warnings_with("custom op scaled_softplus_fwd_kernel has no OpenCL kernel", "backward pass"), 1);
  ck_assert_int_eq(warnings_with("custom op scaled_softplus_fwd_kernel", "forward pass"), 0);
  ck_assert_int_eq(warnings_with("custom op scaled_softplus ", "copies"), 0); /* the plugin's op has kernels */
}
END_TEST

/* The program is built once per device, whatever the number of contexts. */
START_TEST(program_built_once_per_device) {
  geocl_ctx *second = test_ocl_ctx();
  op_case c = cases[0];
  geocl_op_check_result r;
  ck_assert_ok(geocl_op_check_backends(&c, second, ref, &r));
  ck_assert_ok(geocl_op_check_backends(&c, ocl, ref, &r));
  ck_assert_int_eq(softplus_builds, 1);
  geocl_ctx_free(second);
}
END_TEST

START_TEST(kernel_errors_name_the_op) {
  geocl_custom_op_desc d = softplus_desc;
  const geocl_custom_op *op;
  geocl_scope s = geocl_scope_begin(ocl);
  geocl_tensor *x = geocl_zeros(ocl, GEOCL_F32, GEOCL_SHAPE(3, 4)), *w = geocl_full(ocl, 1, GEOCL_SHAPE(4));
  const int64_t dims[] = {3, 4};
  const float beta = 1;
  d.name = "softplus_not_c";
  d.cl_source = "this is not OpenCL C";
  ck_assert_ok(geocl_custom_op_register(&d, &op));
  ck_assert_ptr_null(geocl_custom(op, (geocl_tensor *[]){x, w}, dims, &beta));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_BUILD);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "compiling custom op 'softplus_not_c' for"));
  d = softplus_desc;
  d.name = "softplus_no_kernel";
  d.cl_forward = "no_such_kernel";
  ck_assert_ok(geocl_custom_op_register(&d, &op));
  ck_assert_ptr_null(geocl_custom(op, (geocl_tensor *[]){x, w}, dims, &beta));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "kernel 'no_such_kernel' of custom op 'softplus_no_kernel'"));
  d = softplus_desc;
  d.name = "softplus_wrong_signature";
  d.cl_forward = "scaled_softplus_backward";
  ck_assert_ok(geocl_custom_op_register(&d, &op));
  ck_assert_ptr_null(geocl_custom(op, (geocl_tensor *[]){x, w}, dims, &beta));
  ck_assert_str_eq(geocl_last_error(), "kernel 'scaled_softplus_backward' of custom op 'softplus_wrong_signature' "
                                       "declares 16 arguments, the launch passes 10");
  geocl_scope_end(ocl, s);
}
END_TEST

START_TEST(plugin_task_runs_the_op_on_opencl) { plugin_task_on(ocl); }
END_TEST

/* ---- setup ---- */

/* dx 0.5% too large */
static geocl_status bad_host_backward(const geocl_custom_args *a) {
  geocl_status st = softplus_desc.backward(a);
  float *dx = a->din[0].data;
  for (int64_t i = 0; dx && i < a->din[0].numel; i++) dx[i] *= 1.005f;
  return st;
}

/* Register a variant of the plugin's scaled_softplus; NULL source keeps its own. */
static const geocl_custom_op *variant_op(const char *name, const char *define, bool forward_kernel,
                                         bool backward_kernel, geocl_status (*backward)(const geocl_custom_args *)) {
  static char sources[2][8192];
  static int n_sources;
  geocl_custom_op_desc d = softplus_desc;
  d.name = name;
  if (define) {
    char *src = sources[n_sources++];
    snprintf(src, sizeof sources[0], "#define %s\n%s", define, softplus_desc.cl_source);
    d.cl_source = src;
  }
  if (!forward_kernel) d.cl_forward = NULL;
  if (!backward_kernel) d.cl_backward = NULL;
  if (!d.cl_forward && !d.cl_backward) d.cl_source = NULL;
  if (backward) d.backward = backward;
  const geocl_custom_op *op = NULL;
  if (geocl_custom_op_register(&d, &op) != GEOCL_OK) fprintf(stderr, "%s\n", geocl_last_error());
  return op;
}

static bool setup_ops(void) {
  const char *top = getenv("GEOCL_TOP_BUILDDIR");
  char path[4200];
  snprintf(path, sizeof path, "%s/tests/plugins/.libs", top ? top : ".");
  setenv("GEOCL_PLUGIN_PATH", path, 1);
  if (geocl_plugin_find("customop", &plugin) != GEOCL_OK) {
    fprintf(stderr, "%s\n", geocl_last_error());
    return false;
  }
  absent_before_create = !geocl_custom_op_find("scaled_softplus") && !geocl_custom_op_find("take_rows");
  geocl_config *cfg = geocl_plugin_config(plugin);
  void *st;
  geocl_status status = plugin->create(ref, cfg, NULL, NULL, &st);
  geocl_config_free(cfg);
  if (status != GEOCL_OK) {
    fprintf(stderr, "customop create: %s\n", geocl_last_error());
    return false;
  }
  plugin->destroy(st);
  ops[OP_SOFTPLUS] = geocl_custom_op_find("scaled_softplus");
  ops[OP_TAKE_ROWS] = geocl_custom_op_find("take_rows");
  if (!ops[OP_SOFTPLUS] || !ops[OP_TAKE_ROWS]) return false;
  softplus_desc = *geocl_custom_op_describe(ops[OP_SOFTPLUS]);
  ops[OP_HOST_ONLY] = variant_op("scaled_softplus_host", NULL, false, false, NULL);
  ops[OP_FORWARD_KERNEL] = variant_op("scaled_softplus_fwd_kernel", NULL, true, false, NULL);
  ops[OP_BUG_FORWARD] = variant_op("scaled_softplus_bug_fwd", "SOFTPLUS_BUG_FORWARD", true, true, NULL);
  ops[OP_BUG_BACKWARD] = variant_op("scaled_softplus_bug_bwd", "SOFTPLUS_BUG_BACKWARD", true, true, NULL);
  ops[OP_BAD_HOST_DX] = variant_op("scaled_softplus_bad_dx", NULL, true, true, bad_host_backward);
  for (int i = 0; i < N_OPS; i++)
    if (!ops[i]) return false;
  return true;
}

int main(void) {
  setenv("GEOCL_POOL_GUARD", "1", 1);
  geocl_log_set_sink(log_sink, NULL);
  geocl_log_set_level(GEOCL_LOG_DEBUG);
  ref = test_ref_ctx();
  if (!setup_ops()) return 99;
  bool have_ocl = test_have_opencl();
  if (have_ocl) ocl = test_ocl_ctx();
  Suite *s = suite_create("custom-op");
  TCase *tc = tcase_create("reference");
  tcase_add_test(tc, plugin_registers_its_ops_idempotently);
  tcase_add_test(tc, registry_refuses_bad_descriptors);
  tcase_add_test(tc, bad_calls_name_the_op);
  tcase_add_test(tc, plugin_task_runs_the_op_on_reference);
  tcase_add_loop_test(tc, numerical_gradients, 0, N_CASES);
  tcase_add_test(tc, wrong_host_backward_is_caught);
  suite_add_tcase(s, tc);
  if (ocl) {
    TCase *tco = tcase_create("opencl");
    tcase_add_loop_test(tco, opencl_matches_reference, 0, N_CASES);
    tcase_add_test(tco, wrong_kernels_are_caught);
    tcase_add_test(tco, host_copies_warned_once);
    tcase_add_test(tco, program_built_once_per_device);
    tcase_add_test(tco, kernel_errors_name_the_op);
    tcase_add_test(tco, plugin_task_runs_the_op_on_opencl);
    suite_add_tcase(s, tco);
  }
  int rc = test_run_suite(s);
  if (ocl) geocl_ctx_free(ocl);
  geocl_ctx_free(ref);
  for (int i = 0; i < n_warnings; i++) free(warnings[i]);
  if (rc == 0 && !ocl) {
    fprintf(stderr, "SKIP: the OpenCL half of the custom-op tests needs an OpenCL device\n");
    return TEST_SKIP;
  }
  return rc;
}
