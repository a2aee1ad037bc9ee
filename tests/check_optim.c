/* SPDX-License-Identifier: MIT */
/* Optimizers and schedules.
 *
 * Reference backend (always): AdamW, SGD (momentum, Nesterov, dampening,
 * weight decay) and global-norm clipping against PyTorch over 5 steps
 * (tests/fixtures/optim_torch.safetensors, from tests/gen/gen_optim_fixture.py),
 * the gradient norm on a multi-chunk buffer, no host synchronisation in
 * step(), exact resumption from saved state, strict state loading, and the
 * learning-rate schedules against hand-computed values.
 * OpenCL (when a device exists): the optim kernels against the reference
 * kernels on odd sizes, and the PyTorch known answers once more. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geocl/op-api.h>

#include "call_counter.h"
#include "testutil.h"

/* Relative error bounds, |a − b| / max(|b|, 1).  Against PyTorch: both sides
 * compute in fp32 but round differently (PyTorch op by op, the reference in
 * double, OpenCL with possible FMA contraction); over 5 steps of O(1) values
 * that stays within a few ulps. */
#define TORCH_TOL 2e-6
/* OpenCL kernels against the reference kernels: one fp32 evaluation of each
 * update against a double one. */
#define KERNEL_TOL 1e-6

static geocl_st_file *fx;
static int fx_steps;
static double lr_factors[8];

static void fixture_open(void) {
  char path[4096];
  const char *dir = getenv("GEOCL_FIXTURES");
  snprintf(path, sizeof path, "%s/optim_torch.safetensors", dir ? dir : "tests/fixtures");
  ck_assert_ok(geocl_st_open(path, &fx));
  fx_steps = atoi(geocl_st_meta(fx, "steps"));
  ck_assert_int_eq(fx_steps, 5);
  const char *p = geocl_st_meta(fx, "lr_factors");
  for (int s = 0; s < fx_steps; s++) {
    char *end;
    lr_factors[s] = strtod(p, &end);
    p = *end == ',' ? end + 1 : end;
  }
}

static void fixture_close(void) { geocl_st_close(fx); }

static float *fx_tensor(const char *name, size_t *n) {
  const geocl_st_info *t = geocl_st_find(fx, name);
  ck_assert_msg(t != NULL, "fixture lacks %s", name);
  *n = (size_t)geocl_st_numel(t);
  float *x = malloc(*n * 4 + 4);
  ck_assert_ok(geocl_st_read_f32(fx, t, x, *n));
  return x;
}

/* "adamw lr=0.01 beta1=0.9 ..." → settings */
static geocl_optim_group parse_group(const char *text) {
  geocl_optim_group s = {.kind = strncmp(text, "adamw", 5) ? GEOCL_OPTIM_SGD : GEOCL_OPTIM_ADAMW};
  for (const char *p = strchr(text, ' '); p; p = strchr(p + 1, ' ')) {
    char key[32];
    double v;
    ck_assert_int_eq(sscanf(p + 1, "%31[a-z0-9]=%lf", key, &v), 2);
    if (!strcmp(key, "lr")) s.lr = v;
    else if (!strcmp(key, "wd")) s.weight_decay = v;
    else if (!strcmp(key, "beta1")) s.beta1 = v;
    else if (!strcmp(key, "beta2")) s.beta2 = v;
    else if (!strcmp(key, "eps")) s.eps = v;
    else if (!strcmp(key, "momentum")) s.momentum = v;
    else if (!strcmp(key, "dampening")) s.dampening = v;
    else if (!strcmp(key, "nesterov")) s.nesterov = v != 0;
    else ck_abort_msg("unknown setting %s", key);
  }
  return s;
}

typedef struct fx_case {
  geocl_optim_group groups[2];
  geocl_optim_opts opts;
} fx_case;

static fx_case parse_case(const char *name) {
  fx_case c;
  char key[96];
  for (int g = 0; g < 2; g++) {
    snprintf(key, sizeof key, "%s.group%d", name, g);
    ck_assert_ptr_nonnull(geocl_st_meta(fx, key));
    c.groups[g] = parse_group(geocl_st_meta(fx, key));
  }
  snprintf(key, sizeof key, "%s.max_norm", name);
  c.opts.max_grad_norm = strtod(geocl_st_meta(fx, key), NULL);
  c.opts.track_grad_norm = true;
  return c;
}

/* The fixture's parameters ("w:0,b:1,t:0") with their initial values. */
static geocl_params *fx_params(geocl_ctx *ctx) {
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  const char *spec = geocl_st_meta(fx, "params");
  char name[16], key[32];
  int group, used;
  while (sscanf(spec, "%15[a-z]:%d%n", name, &group, &used) == 2) {
    snprintf(key, sizeof key, "init/%s", name);
    const geocl_st_info *t = geocl_st_find(fx, key);
    ck_assert_ok(geocl_params_add(p, name, t->ndim, t->shape, group));
    spec += used + (spec[used] == ',');
  }
  ck_assert_ok(geocl_params_finalize(p));
  for (int i = 0; i < geocl_params_count(p); i++) {
    snprintf(key, sizeof key, "init/%s", geocl_params_name(p, i));
    size_t n;
    float *x = fx_tensor(key, &n);
    ck_assert_ok(geocl_copy_from_host(geocl_params_get(p, i), x, n * 4));
    free(x);
  }
  return p;
}

/* The gradients of step s (1-based), written as backward would: through
 * geocl_accumulate_grad after zero_grad. */
static void give_grads(geocl_params *p, int s) {
  geocl_params_zero_grad(p);
  for (int i = 0; i < geocl_params_count(p); i++) {
    char key[32];
    snprintf(key, sizeof key, "grad/%d/%s", s, geocl_params_name(p, i));
    size_t n;
    float *x = fx_tensor(key, &n);
    geocl_tensor *t = geocl_params_get(p, i);
    geocl_tensor *g = geocl_from_host(geocl_tensor_ctx(t), GEOCL_F32, geocl_ndim(t), geocl_shape(t), x);
    ck_assert_ok(geocl_accumulate_grad(t, g));
    geocl_tensor_free(g);
    free(x);
  }
}

static void schedule_lr(geocl_optim *o, int s) {
  for (int g = 0; g < geocl_optim_group_count(o); g++)
    ck_assert_ok(geocl_optim_set_lr(o, g, geocl_optim_base_lr(o, g) * lr_factors[s - 1]));
}

static double rel_err(const float *a, const float *b, size_t n) { return test_max_rel_err(a, b, n, 1.0, NULL); }

/* Max error of the parameters after step s against the fixture's case. */
static double compare_step(geocl_params *p, const char *name, int s) {
  double worst = 0;
  for (int i = 0; i < geocl_params_count(p); i++) {
    char key[96];
    snprintf(key, sizeof key, "%s/%d/%s", name, s, geocl_params_name(p, i));
    size_t n;
    float *want = fx_tensor(key, &n);
    float *got = test_download(geocl_params_get(p, i));
    double e = rel_err(got, want, n);
    if (e > worst) worst = e;
    free(want);
    free(got);
  }
  return worst;
}

/* Run one fixture case for all its steps; returns the worst parameter error,
 * the worst norm error in *norm_err. */
static double run_case(geocl_ctx *ctx, const char *name, double *norm_err) {
  fx_case c = parse_case(name);
  geocl_params *p = fx_params(ctx);
  geocl_optim *o;
  ck_assert_ok(geocl_optim_new(p, 2, c.groups, &c.opts, &o));
  char key[96];
  snprintf(key, sizeof key, "%s/norm", name);
  size_t nn;
  float *norms = fx_tensor(key, &nn);
  double worst = 0;
  *norm_err = 0;
  for (int s = 1; s <= fx_steps; s++) {
    give_grads(p, s);
    schedule_lr(o, s);
    ck_assert_ok(geocl_optim_step(o));
    double e = compare_step(p, name, s);
    if (e > worst) worst = e;
    float norm;
    ck_assert_ok(geocl_item(geocl_optim_grad_norm(o), &norm));
    e = fabs(norm - norms[s - 1]) / norms[s - 1];
    if (e > *norm_err) *norm_err = e;
  }
  ck_assert_int_eq(geocl_optim_steps(o), fx_steps);
  free(norms);
  geocl_optim_free(o);
  geocl_params_free(p);
  return worst;
}

static void check_torch_cases(geocl_ctx *ctx, const char *backend) {
  char cases[512];
  snprintf(cases, sizeof cases, "%s", geocl_st_meta(fx, "cases"));
  int n = 0;
  for (char *save, *name = strtok_r(cases, ",", &save); name; name = strtok_r(NULL, ",", &save), n++) {
    double norm_err, e = run_case(ctx, name, &norm_err);
    printf("%s: %-18s vs PyTorch: max rel err %.2e (norm %.2e)\n", backend, name, e, norm_err);
    ck_assert_msg(e <= TORCH_TOL, "%s: case %s: parameters off by %g > %g", backend, name, e, TORCH_TOL);
    ck_assert_msg(norm_err <= TORCH_TOL, "%s: case %s: gradient norm off by %g", backend, name, norm_err);
  }
  ck_assert_int_eq(n, 7);
}

/* ---------------- reference backend ---------------- */

static geocl_ctx *ref;

static void ref_setup(void) {
  ref = test_ref_ctx();
  fixture_open();
  geocl_clear_error();
}

static void ref_teardown(void) {
  fixture_close();
  geocl_ctx_free(ref);
}

START_TEST(reference_matches_pytorch) { check_torch_cases(ref, "reference"); }
END_TEST

START_TEST(step_never_waits_for_the_device) {
  fx_case c = parse_case("hybrid_clip");
  geocl_params *p = fx_params(ref);
  geocl_optim *o;
  ck_assert_ok(geocl_optim_new(p, 2, c.groups, &c.opts, &o));
  call_counts *calls = count_backend_calls(ref);
  for (int s = 1; s <= 3; s++) {
    give_grads(p, s);
    memset(calls, 0, sizeof *calls);
    ck_assert_ok(geocl_optim_step(o));
    ck_assert_int_eq(calls->download + calls->sync, 0);
    ck_assert_int_eq(calls->updates, 2); /* one fused kernel per group */
    /* square, column sums (one chunk), two more sums, sqrt, clip coefficient */
    ck_assert_int_eq(calls->kernels, 6);
  }
  geocl_optim_free(o);
  geocl_params_free(p);
}
END_TEST

/* The global norm over two chunks of the reduction (the second one padded). */
static void check_big_norm(geocl_ctx *ctx) {
  const int64_t sizes[3] = {5000011, 1048583, 197};
  geocl_params *p;
  ck_assert_ok(geocl_params_new(ctx, &p));
  for (int i = 0; i < 3; i++) {
    char name[8];
    snprintf(name, sizeof name, "p%d", i);
    ck_assert_ok(geocl_params_add(p, name, 1, &sizes[i], i % 2));
  }
  ck_assert_ok(geocl_params_finalize(p));
  geocl_optim_group g[2] = {geocl_adamw_defaults(), geocl_sgd_defaults(0.1)};
  geocl_optim_opts opts = {.max_grad_norm = 1.0};
  geocl_optim *o;
  ck_assert_ok(geocl_optim_new(p, 2, g, &opts, &o));
  double want = 0;
  for (int i = 0; i < 3; i++) {
    float *x = malloc((size_t)sizes[i] * 4);
    test_fill_uniform(x, (size_t)sizes[i], 40 + (unsigned)i, -1, 1);
    for (int64_t k = 0; k < sizes[i]; k++) want += (double)x[k] * x[k];
    geocl_tensor *t = geocl_params_get(p, i);
    geocl_tensor *gt = geocl_from_host(ctx, GEOCL_F32, 1, &sizes[i], x);
    ck_assert_ok(geocl_accumulate_grad(t, gt));
    geocl_tensor_free(gt);
    free(x);
  }
  call_counts *calls = count_backend_calls(ctx);
  ck_assert_ok(geocl_optim_step(o));
  ck_assert_int_eq(calls->kernels, 2 * 2 + 4); /* square and column sums per chunk, then as for one */
  float norm;
  ck_assert_ok(geocl_item(geocl_optim_grad_norm(o), &norm));
  double e = fabs(norm - sqrt(want)) / sqrt(want);
  printf("%s: gradient norm over %lld elements: rel err %.2e\n", geocl_ctx_backend_name(ctx),
         (long long)geocl_params_numel(p), e);
  ck_assert_msg(e < 1e-6, "norm %g, want %g", norm, sqrt(want));
  geocl_optim_free(o);
  geocl_params_free(p);
}

START_TEST(gradient_norm_over_many_chunks) { check_big_norm(ref); }
END_TEST

/* Steps 1..k of a case, then save params + state, reload into fresh objects
 * and finish; the result must equal the uninterrupted run bit for bit. */
static void resume_case(const char *name, int k) {
  char ckpt[4400], state[4500];
  snprintf(ckpt, sizeof ckpt, "%s/resume.safetensors", test_tmpdir());
  ck_assert(geocl_optim_state_path(ckpt, state, sizeof state));
  fx_case c = parse_case(name);
  float *straight[3];
  geocl_params *p = fx_params(ref);
  geocl_optim *o;
  ck_assert_ok(geocl_optim_new(p, 2, c.groups, &c.opts, &o));
  for (int s = 1; s <= fx_steps; s++) {
    give_grads(p, s);
    schedule_lr(o, s);
    ck_assert_ok(geocl_optim_step(o));
    if (s == k) {
      ck_assert_ok(geocl_params_save(p, ckpt, 0, NULL));
      ck_assert_ok(geocl_optim_save(o, state));
    }
  }
  for (int i = 0; i < 3; i++) straight[i] = test_download(geocl_params_get(p, i));
  geocl_optim_free(o);
  geocl_params_free(p);

  p = fx_params(ref);
  ck_assert_ok(geocl_optim_new(p, 2, c.groups, &c.opts, &o));
  ck_assert_ok(geocl_params_load(p, ckpt));
  ck_assert_ok(geocl_optim_load(o, state));
  ck_assert_int_eq(geocl_optim_steps(o), k);
  for (int s = k + 1; s <= fx_steps; s++) {
    give_grads(p, s);
    schedule_lr(o, s);
    ck_assert_ok(geocl_optim_step(o));
  }
  for (int i = 0; i < 3; i++) {
    float *resumed = test_download(geocl_params_get(p, i));
    ck_assert_msg(!memcmp(resumed, straight[i], (size_t)geocl_numel(geocl_params_get(p, i)) * 4),
                  "%s: resuming after step %d changed %s", name, k, geocl_params_name(p, i));
    free(resumed);
    free(straight[i]);
  }
  geocl_optim_free(o);
  geocl_params_free(p);
}

START_TEST(resume_continues_exactly) {
  resume_case("hybrid_clip", 2);
  resume_case("adamw_croco", 3);
  resume_case("sgd_nesterov_clip", 1);
  resume_case("sgd_dampening", 4);
  char out[64];
  ck_assert(geocl_optim_state_path("dir/checkpoint-last.safetensors", out, sizeof out));
  ck_assert_str_eq(out, "dir/checkpoint-last.optim.safetensors");
  ck_assert(geocl_optim_state_path("ckpt", out, sizeof out));
  ck_assert_str_eq(out, "ckpt.optim.safetensors");
  ck_assert(!geocl_optim_state_path("a/long/name.safetensors", out, 8));
}
END_TEST

/* Copy src to dst without tensor `skip` (keeping the metadata). */
static void copy_without(const char *src, const char *dst, const char *skip) {
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(src, &f));
  geocl_st_writer *w = geocl_st_writer_new();
  void *data[64];
  int n = 0;
  for (int i = 0; i < geocl_st_count(f); i++) {
    const geocl_st_info *t = geocl_st_at(f, i);
    if (!strcmp(t->name, skip)) continue;
    data[n] = malloc(t->end - t->begin + 1);
    ck_assert_ok(geocl_st_read_raw(f, t, data[n], t->end - t->begin));
    ck_assert_ok(geocl_st_writer_add(w, t->name, t->dtype, t->ndim, t->shape, data[n]));
    n++;
  }
  for (int i = 0; i < geocl_st_meta_count(f); i++)
    ck_assert_ok(geocl_st_writer_set_meta(w, geocl_st_meta_at(f, i).key, geocl_st_meta_at(f, i).value));
  ck_assert_ok(geocl_st_writer_write(w, dst));
  geocl_st_writer_free(w);
  for (int i = 0; i < n; i++) free(data[i]);
  geocl_st_close(f);
}

START_TEST(state_load_is_strict) {
  char state[4400], broken[4400], ckpt[4400];
  snprintf(state, sizeof state, "%s/strict.optim.safetensors", test_tmpdir());
  snprintf(broken, sizeof broken, "%s/broken.optim.safetensors", test_tmpdir());
  snprintf(ckpt, sizeof ckpt, "%s/strict.safetensors", test_tmpdir());
  fx_case c = parse_case("hybrid_clip");
  geocl_params *p = fx_params(ref);
  geocl_optim *o;
  ck_assert_ok(geocl_optim_new(p, 2, c.groups, &c.opts, &o));
  give_grads(p, 1);
  ck_assert_ok(geocl_optim_step(o));
  ck_assert_ok(geocl_optim_save(o, state));
  ck_assert_ok(geocl_params_save(p, ckpt, 0, NULL));

  /* the file: per-parameter state under "<state>/<name>", settings in the metadata */
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(state, &f));
  ck_assert_int_eq(geocl_st_count(f), 5); /* exp_avg, exp_avg_sq of w and t; momentum_buffer of b */
  ck_assert_ptr_nonnull(geocl_st_find(f, "exp_avg_sq/t"));
  ck_assert_ptr_nonnull(geocl_st_find(f, "momentum_buffer/b"));
  ck_assert_str_eq(geocl_st_meta(f, "format"), "geocl-optimizer");
  ck_assert_str_eq(geocl_st_meta(f, "step"), "1");
  ck_assert_str_eq(geocl_st_meta(f, "group.0.kind"), "adamw");
  ck_assert_str_eq(geocl_st_meta(f, "group.1.momentum"), "0.90000000000000002");
  geocl_st_close(f);

  /* another optimizer: kinds swapped */
  geocl_optim_group swapped[2] = {c.groups[1], c.groups[0]};
  geocl_optim *o2;
  ck_assert_ok(geocl_optim_new(p, 2, swapped, NULL, &o2));
  ck_assert_int_eq(geocl_optim_load(o2, state), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "group 0 is 'adamw' in the file, 'sgd' in this optimizer"));
  ck_assert_int_eq(geocl_optim_steps(o2), 0);
  geocl_optim_free(o2);

  /* a state tensor missing; a model checkpoint instead of a state file */
  geocl_optim *fresh;
  ck_assert_ok(geocl_optim_new(p, 2, c.groups, &c.opts, &fresh));
  copy_without(state, broken, "exp_avg/w");
  ck_assert_int_eq(geocl_optim_load(fresh, broken), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "does not match this optimizer: 1 missing (exp_avg/w)"));
  ck_assert_int_eq(geocl_optim_load(fresh, ckpt), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "not a geocl optimizer state file"));
  ck_assert_int_eq(geocl_optim_steps(fresh), 0);
  ck_assert_double_eq(geocl_optim_group_settings(fresh, 1)->lr, c.groups[1].lr);
  ck_assert_ok(geocl_optim_load(fresh, state));
  ck_assert_int_eq(geocl_optim_steps(fresh), 1);
  geocl_optim_free(fresh);
  geocl_optim_free(o);
  geocl_params_free(p);
}
END_TEST

START_TEST(settings_are_validated) {
  geocl_params *p = fx_params(ref);
  geocl_optim *o;
  geocl_optim_group g[2] = {geocl_sgd_defaults(0.1), geocl_sgd_defaults(0.1)};
  ck_assert_int_eq(geocl_optim_new(p, 1, g, NULL, &o), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "1 group settings for 2 parameter groups"));
  g[1].nesterov = true;
  ck_assert_int_eq(geocl_optim_new(p, 2, g, NULL, &o), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "group 1 (sgd): nesterov needs momentum > 0 and dampening 0"));
  g[1] = geocl_adamw_defaults();
  g[1].beta2 = 1.0;
  ck_assert_int_eq(geocl_optim_new(p, 2, g, NULL, &o), GEOCL_E_INVALID);
  g[1] = geocl_adamw_defaults();
  g[0].lr = -1;
  ck_assert_int_eq(geocl_optim_new(p, 2, g, NULL, &o), GEOCL_E_INVALID);
  g[0].lr = 0.1;
  ck_assert_ok(geocl_optim_new(p, 2, g, NULL, &o));
  ck_assert_ptr_null(geocl_optim_grad_norm(o)); /* neither clipping nor tracking */
  ck_assert_int_eq(geocl_optim_set_lr(o, 2, 0.1), GEOCL_E_INVALID);
  ck_assert_double_eq(geocl_optim_base_lr(o, 1), 1e-3);
  geocl_optim_free(o);
  geocl_params_free(p);
}
END_TEST

START_TEST(schedules_match_hand_computed_values) {
  /* CroCo v1: lr 1.5e-4, 40 warm-up epochs, horizon 800, stops at 400 */
  geocl_lr_schedule v1 = {.kind = GEOCL_LR_WARMUP_COSINE, .warmup_epochs = 40, .epochs = 800};
  const double base = 1.5e-4;
  ck_assert_double_eq(geocl_lr_at(&v1, base, 0), 0);
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 10), 3.75e-5, 1e-18);
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, geocl_lr_epoch(39, 3, 4)), base * 39.75 / 40, 1e-18);
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 40), base, 1e-18);
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 420), base / 2, 1e-18); /* half-way: cos(π/2) */
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 400), 8.119345091042493e-05, 1e-16); /* ½(1+cos(π·360/760)) */
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 400) / base, 0.5413, 5e-5); /* v1's final lr ratio */
  /* v2 ViT-L: 12 warm-up epochs, horizon 250, stops at 125 */
  geocl_lr_schedule v2 = {.kind = GEOCL_LR_WARMUP_COSINE, .warmup_epochs = 12, .epochs = 250};
  ck_assert_double_eq_tol(geocl_lr_at(&v2, 3e-4, 125) / 3e-4, 0.5396, 5e-5);
  /* min_lr is the floor at the horizon */
  v1.min_lr = 1e-6;
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 800), 1e-6, 1e-18);
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 420), 1e-6 + (base - 1e-6) / 2, 1e-18);
  ck_assert_double_eq_tol(geocl_lr_at(&v1, base, 20), base / 2, 1e-18); /* warm-up ignores min_lr */
  ck_assert_double_eq(geocl_lr_epoch(3, 50, 200), 3.25);

  /* SimIPU: 0.99 per whole epoch */
  geocl_lr_schedule ex = {.kind = GEOCL_LR_EXPONENTIAL, .gamma = 0.99};
  ck_assert_double_eq(geocl_lr_at(&ex, 0.03, 0.9), 0.03);
  ck_assert_double_eq_tol(geocl_lr_at(&ex, 1.0, 49.7), 0.611117239532865, 1e-15);
  ck_assert_double_eq_tol(geocl_lr_at(&ex, 1e-3, 1), 0.99e-3, 1e-18);
  /* step decay: every 30 epochs, or at milestones 8 and 11 (FCOS3D) */
  geocl_lr_schedule st = {.kind = GEOCL_LR_STEP, .gamma = 0.1, .step_epochs = 30};
  ck_assert_double_eq(geocl_lr_at(&st, 0.5, 29.99), 0.5);
  ck_assert_double_eq_tol(geocl_lr_at(&st, 0.5, 30), 0.05, 1e-17);
  ck_assert_double_eq_tol(geocl_lr_at(&st, 0.5, 65), 0.005, 1e-17);
  geocl_lr_schedule ms = {.kind = GEOCL_LR_STEP, .gamma = 0.1, .n_milestones = 2, .milestones = {8, 11}};
  ck_assert_double_eq(geocl_lr_at(&ms, 0.008, 7.9), 0.008);
  ck_assert_double_eq_tol(geocl_lr_at(&ms, 0.008, 8), 0.0008, 1e-18);
  ck_assert_double_eq_tol(geocl_lr_at(&ms, 0.008, 11.5), 0.00008, 1e-18);
  geocl_lr_schedule constant = {.kind = GEOCL_LR_CONSTANT};
  ck_assert_double_eq(geocl_lr_at(&constant, 0.25, 1000), 0.25);
}
END_TEST

/* ---------------- OpenCL against the reference ---------------- */

static geocl_ctx *ocl;

static void ocl_setup(void) {
  ref_setup();
  ocl = test_ocl_ctx();
  ck_assert_ptr_nonnull(ocl);
}

static void ocl_teardown(void) {
  geocl_ctx_free(ocl);
  ref_teardown();
}

START_TEST(opencl_matches_pytorch) { check_torch_cases(ocl, "opencl"); }
END_TEST

START_TEST(opencl_gradient_norm_over_many_chunks) { check_big_norm(ocl); }
END_TEST

/* Arrays of one kernel call placed at odd offsets inside one buffer. */
enum { P, G, M, V, S, N_ARRAYS };
#define OFFSET 5

typedef struct kernel_case {
  int adamw; /* else sgd */
  int scaled;
  float momentum, dampening, weight_decay;
  int nesterov, first_step;
} kernel_case;

/* Run the case on ctx over host data (n elements per array); returns the buffer. */
static float *run_kernel(geocl_ctx *ctx, const kernel_case *k, int64_t n, const float *host) {
  int64_t total = OFFSET + N_ARRAYS * n;
  geocl_tensor *buf = geocl_from_host(ctx, GEOCL_F32, 1, &total, host);
  geocl_bref b = geocl_tensor_bref(buf), a[N_ARRAYS];
  for (int i = 0; i < N_ARRAYS; i++) a[i] = (geocl_bref){b.mem, b.off + OFFSET + (size_t)(i * n)};
  geocl_bref scale = k->scaled ? a[S] : (geocl_bref){NULL, 0};
  geocl_backend *be = geocl_ctx_backend(ctx);
  if (k->adamw) {
    geocl_adamw_args args = {.n = n, .param = a[P], .grad = a[G], .m = a[M], .v = a[V], .grad_scale = scale,
                             .lr = 1e-2f, .beta1 = 0.9f, .beta2 = 0.95f, .eps = 1e-8f, .weight_decay = k->weight_decay,
                             .bias_correction1 = 1 - 0.9f * 0.9f * 0.9f, .bias_correction2 = 1 - 0.95f * 0.95f * 0.95f};
    ck_assert_ok(be->ops->adamw(be, &args));
  } else {
    geocl_sgd_args args = {.n = n, .param = a[P], .grad = a[G], .buf = a[M], .grad_scale = scale, .lr = 0.03f,
                           .momentum = k->momentum, .dampening = k->dampening, .weight_decay = k->weight_decay,
                           .nesterov = k->nesterov, .first_step = k->first_step};
    ck_assert_ok(be->ops->sgd(be, &args));
  }
  float *out = test_download(buf);
  geocl_tensor_free(buf);
  return out;
}

START_TEST(opencl_kernels_match_reference) {
  const kernel_case cases[] = {
      {1, 0, 0, 0, 0.05f, 0, 0}, {1, 1, 0, 0, 0, 0, 0},        {0, 0, 0, 0, 1e-4f, 0, 0},
      {0, 1, 0.9f, 0, 1e-4f, 0, 1}, {0, 0, 0.9f, 0, 1e-4f, 0, 0}, {0, 1, 0.9f, 0, 1e-3f, 1, 0},
      {0, 0, 0.8f, 0.3f, 0, 0, 0},
  };
  const int64_t sizes[] = {1, 7, 197, 4099, 100003};
  double worst = 0;
  for (size_t si = 0; si < sizeof sizes / sizeof *sizes; si++) {
    int64_t n = sizes[si], total = OFFSET + N_ARRAYS * n;
    float *host = malloc((size_t)total * 4);
    test_fill_uniform(host, (size_t)total, (unsigned)n, -1, 1);
    for (int64_t i = 0; i < n; i++) host[OFFSET + V * n + i] *= host[OFFSET + V * n + i]; /* v ≥ 0 */
    host[OFFSET + S * n] = 0.37f;
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
      float *a = run_kernel(ocl, &cases[c], n, host), *b = run_kernel(ref, &cases[c], n, host);
      double e = rel_err(a, b, (size_t)total);
      ck_assert_msg(e <= KERNEL_TOL, "case %zu, n = %lld: max rel err %g", c, (long long)n, e);
      if (e > worst) worst = e;
      free(a);
      free(b);
    }
    free(host);
  }
  /* the clipping coefficient, clamped at 1 */
  const float sumsq[] = {0, 0.25f, 1e4f, 3e-9f};
  for (size_t i = 0; i < 4; i++) {
    float out[2];
    for (int c = 0; c < 2; c++) {
      geocl_ctx *ctx = c ? ref : ocl;
      geocl_tensor *s = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1), &sumsq[i]);
      geocl_tensor *o = geocl_empty(ctx, GEOCL_F32, GEOCL_SHAPE(1));
      geocl_backend *be = geocl_ctx_backend(ctx);
      ck_assert_ok(be->ops->clip_coef(be, 1.0f, geocl_tensor_bref(s), geocl_tensor_bref(o)));
      ck_assert_ok(geocl_item(o, &out[c]));
    }
    float want = fminf(1.0f, (float)(1.0 / (sqrt(sumsq[i]) + 1e-6)));
    ck_assert_float_eq_tol(out[1], want, 1e-7f);
    ck_assert_float_eq_tol(out[0], out[1], 1e-6f * out[1]);
  }
  printf("opencl: optim kernels vs reference: max rel err %.2e\n", worst);
}
END_TEST

int main(void) {
  Suite *s = suite_create("optim");
  TCase *tr = tcase_create("reference");
  tcase_add_checked_fixture(tr, ref_setup, ref_teardown);
  tcase_set_timeout(tr, 60);
  tcase_add_test(tr, reference_matches_pytorch);
  tcase_add_test(tr, step_never_waits_for_the_device);
  tcase_add_test(tr, gradient_norm_over_many_chunks);
  tcase_add_test(tr, resume_continues_exactly);
  tcase_add_test(tr, state_load_is_strict);
  tcase_add_test(tr, settings_are_validated);
  tcase_add_test(tr, schedules_match_hand_computed_values);
  suite_add_tcase(s, tr);
  if (test_have_opencl()) {
    TCase *to = tcase_create("opencl");
    tcase_add_checked_fixture(to, ocl_setup, ocl_teardown);
    tcase_set_timeout(to, 120);
    tcase_add_test(to, opencl_matches_pytorch);
    tcase_add_test(to, opencl_kernels_match_reference);
    tcase_add_test(to, opencl_gradient_norm_over_many_chunks);
    suite_add_tcase(s, to);
  } else {
    printf("SKIP: OpenCL part of check_optim: no OpenCL device (the reference part ran)\n");
  }
  return test_run_suite(s);
}
