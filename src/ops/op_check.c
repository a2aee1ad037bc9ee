/* SPDX-License-Identifier: MIT */
/* The op checks of geocl/op-check.h: one case on two backends, and analytic
 * against numerical gradients. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/op-check.h>

#include "ops_internal.h"

/* Seeds of the inputs and of the output gradient; the numerical check
 * differentiates up to GRAD_MAX_CHECKED elements per input. */
#define BACKENDS_SEED 1234u
#define BACKENDS_DOUT_SEED 99u
#define GRAD_SEED 4321u
#define GRAD_DOUT_SEED 77u
#define GRAD_MAX_CHECKED 16

/* The output and input gradients of one run of a case. */
typedef struct case_run {
  size_t n;
  float *y;
  float *dout;
  float *g[GEOCL_OP_CASE_MAX_IN]; /* NULL for inputs without a gradient */
} case_run;

static void case_run_free(case_run *r) {
  free(r->y);
  free(r->dout);
  for (int i = 0; i < GEOCL_OP_CASE_MAX_IN; i++) free(r->g[i]);
  memset(r, 0, sizeof *r);
}

static size_t input_numel(const geocl_op_case *c, int i) {
  return (size_t)geocl_shape_numel(c->in[i].ndim, c->in[i].shape);
}

/* A host copy of t (malloc'd), NULL on error. */
static float *download(const geocl_tensor *t) {
  size_t n = (size_t)geocl_numel(t);
  float *h = malloc(n * 4 + 4);
  if (!h) {
    geocl_set_error(GEOCL_E_NOMEM, "out of memory downloading %zu elements", n);
    return NULL;
  }
  if (geocl_to_host(t, h, n * 4) != GEOCL_OK) {
    free(h);
    return NULL;
  }
  return h;
}

static float *uniform(size_t n, unsigned seed) {
  float *x = malloc(n * 4 + 4);
  if (!x) {
    geocl_set_error(GEOCL_E_NOMEM, "out of memory for %zu random values", n);
    return NULL;
  }
  geocl_rng r;
  geocl_rng_init(&r, seed);
  geocl_rng_uniform(&r, x, n);
  for (size_t i = 0; i < n; i++) x[i] = -1 + 2 * x[i];
  return x;
}

static void free_inputs(const geocl_op_case *c, void **host) {
  for (int i = 0; i < c->n_in; i++) free(host[i]);
}

static geocl_status make_inputs(const geocl_op_case *c, unsigned seed, void **host) {
  if (c->n_in < 0 || c->n_in > GEOCL_OP_CASE_MAX_IN || !c->run)
    return geocl_set_error(GEOCL_E_INVALID, "%s: a case has 0 to %d inputs and a run function", c->name,
                           GEOCL_OP_CASE_MAX_IN);
  memset(host, 0, sizeof(void *) * GEOCL_OP_CASE_MAX_IN);
  for (int i = 0; i < c->n_in; i++)
    if (!(host[i] = geocl_op_case_input(c, i, seed))) {
      free_inputs(c, host);
      return geocl_last_status();
    }
  return GEOCL_OK;
}

/* Forward on ctx, then (when the output requires a gradient) backward from
 * a uniform [−1, 1) output gradient drawn from dout_seed. */
static geocl_status run_case(geocl_ctx *ctx, const geocl_op_case *c, void *const *host, unsigned dout_seed,
                             case_run *r) {
  memset(r, 0, sizeof *r);
  geocl_scope s = geocl_scope_begin(ctx);
  geocl_tensor *in[GEOCL_OP_CASE_MAX_IN];
  geocl_status st = geocl_op_case_upload(ctx, c, host, in);
  geocl_tensor *out = st == GEOCL_OK ? c->run(in, c) : NULL;
  if (st == GEOCL_OK && !out) st = geocl_last_status() != GEOCL_OK ? geocl_last_status() : GEOCL_E_INVALID;
  if (out) {
    r->n = (size_t)geocl_numel(out);
    r->y = download(out);
    r->dout = r->y ? uniform(r->n, dout_seed) : NULL;
    if (!r->dout) st = geocl_last_status();
  }
  if (st == GEOCL_OK && geocl_requires_grad(out)) {
    geocl_tensor *d = geocl_from_host(ctx, GEOCL_F32, geocl_ndim(out), geocl_shape(out), r->dout);
    st = d ? geocl_backward_from(out, d) : geocl_last_status();
    for (int i = 0; i < c->n_in && st == GEOCL_OK; i++) {
      if (!c->in[i].grad) continue;
      geocl_tensor *g = geocl_grad(in[i]);
      if (!g) st = geocl_set_error(GEOCL_E_CHECK, "input %d got no gradient", i);
      else if (!(r->g[i] = download(g))) st = geocl_last_status();
    }
  }
  geocl_scope_end(ctx, s);
  if (st == GEOCL_OK && geocl_tape_size(ctx) != 0)
    st = geocl_set_error(GEOCL_E_CHECK, "%zu nodes left on the tape after the case", geocl_tape_size(ctx));
  if (st != GEOCL_OK) {
    geocl_error_prefix("%s on %s", c->name, geocl_ctx_backend_name(ctx));
    geocl_tape_clear(ctx);
    case_run_free(r);
  }
  return st;
}

static geocl_status guard_intact(const geocl_op_case *c, geocl_ctx *ctx, uint64_t before) {
  if (ctx->pool.guard_violations == before) return GEOCL_OK;
  return geocl_set_error(GEOCL_E_CHECK, "%s on %s: a kernel wrote past the end of a buffer", c->name,
                         geocl_ctx_backend_name(ctx));
}

/* Compare the two runs: output, then each input gradient. */
static geocl_status compare(const geocl_op_case *c, geocl_ctx *test, geocl_ctx *oracle, const case_run *t,
                            const case_run *o, geocl_op_check_result *res) {
  const char *tn = geocl_ctx_backend_name(test), *on = geocl_ctx_backend_name(oracle);
  if (t->n != o->n)
    return geocl_set_error(GEOCL_E_CHECK, "%s: the output has %zu elements on %s, %zu on %s", c->name, t->n, tn, o->n,
                           on);
  res->fwd_err = geocl_op_scaled_err(t->y, o->y, o->n);
  geocl_status st = GEOCL_OK;
  if (!(res->fwd_err <= c->fwd_tol))
    st = geocl_set_error(GEOCL_E_CHECK, "%s forward: %s vs %s error %.3g > %.3g", c->name, tn, on, res->fwd_err,
                         c->fwd_tol);
  for (int i = 0; i < c->n_in; i++) {
    if (!o->g[i] || !t->g[i]) continue;
    double e = geocl_op_scaled_err(t->g[i], o->g[i], input_numel(c, i));
    if (!(e <= res->bwd_err)) {
      res->bwd_err = e;
      res->worst_input = i;
    }
    if (st == GEOCL_OK && !(e <= c->bwd_tol))
      st = geocl_set_error(GEOCL_E_CHECK, "%s backward, input %d: %s vs %s error %.3g > %.3g", c->name, i, tn, on, e,
                           c->bwd_tol);
  }
  return st;
}

geocl_status geocl_op_check_backends(const geocl_op_case *c, geocl_ctx *test, geocl_ctx *oracle,
                                     geocl_op_check_result *res) {
  *res = (geocl_op_check_result){.worst_input = -1};
  void *host[GEOCL_OP_CASE_MAX_IN];
  geocl_status st = make_inputs(c, BACKENDS_SEED, host);
  if (st != GEOCL_OK) return st;
  uint64_t guard_t = test->pool.guard_violations, guard_o = oracle->pool.guard_violations;
  case_run o, t = {0};
  st = run_case(oracle, c, host, BACKENDS_DOUT_SEED, &o);
  if (st == GEOCL_OK) st = run_case(test, c, host, BACKENDS_DOUT_SEED, &t);
  if (st == GEOCL_OK) st = compare(c, test, oracle, &t, &o, res);
  if (st == GEOCL_OK) st = guard_intact(c, test, guard_t);
  if (st == GEOCL_OK) st = guard_intact(c, oracle, guard_o);
  case_run_free(&o);
  case_run_free(&t);
  free_inputs(c, host);
  return st;
}

/* L = Σ out·dout in double, with gradient mode off. */
static geocl_status loss_at(geocl_ctx *ctx, const geocl_op_case *c, void *const *host, const float *dout, size_t n,
                            double *loss) {
  geocl_scope s = geocl_scope_begin(ctx);
  bool was = geocl_set_grad_enabled(ctx, false);
  geocl_tensor *in[GEOCL_OP_CASE_MAX_IN];
  geocl_status st = geocl_op_case_upload(ctx, c, host, in);
  geocl_tensor *out = st == GEOCL_OK ? c->run(in, c) : NULL;
  float *y = out ? download(out) : NULL;
  if (st == GEOCL_OK && !y) st = geocl_last_status() != GEOCL_OK ? geocl_last_status() : GEOCL_E_INVALID;
  if (y && (size_t)geocl_numel(out) != n)
    st = geocl_set_error(GEOCL_E_CHECK, "%s: the output's size changed with its inputs' values", c->name);
  double L = 0;
  for (size_t k = 0; st == GEOCL_OK && k < n; k++) L += (double)y[k] * dout[k];
  free(y);
  geocl_set_grad_enabled(ctx, was);
  geocl_scope_end(ctx, s);
  *loss = L;
  return st;
}

/* The worst scaled error of input i's analytic gradient g against central
 * differences on up to GRAD_MAX_CHECKED elements. */
static geocl_status input_grad_err(geocl_ctx *ctx, const geocl_op_case *c, void **host, int i, const case_run *r,
                                   double *err) {
  size_t n = input_numel(c, i), step = n > GRAD_MAX_CHECKED ? n / GRAD_MAX_CHECKED : 1;
  double num_err = 0, scale = 0;
  float *x = host[i];
  const float *g = r->g[i];
  geocl_status st = GEOCL_OK;
  for (size_t k = 0; k < n && st == GEOCL_OK; k += step) {
    float orig = x[k];
    double lp, lm;
    x[k] = orig + (float)c->grad_eps;
    st = loss_at(ctx, c, host, r->dout, r->n, &lp);
    x[k] = orig - (float)c->grad_eps;
    if (st == GEOCL_OK) st = loss_at(ctx, c, host, r->dout, r->n, &lm);
    x[k] = orig;
    double h = (double)(orig + (float)c->grad_eps) - (double)(orig - (float)c->grad_eps);
    double numeric = (lp - lm) / h;
    double e = fabs(numeric - g[k]);
    if (!(e <= num_err)) num_err = e;
    if (fabs(g[k]) > scale) scale = fabs(g[k]);
    if (fabs(numeric) > scale) scale = fabs(numeric);
  }
  *err = scale > 0 ? num_err / scale : num_err;
  return st;
}

geocl_status geocl_op_check_gradients(const geocl_op_case *c, geocl_ctx *ctx, geocl_op_check_result *res) {
  *res = (geocl_op_check_result){.worst_input = -1};
  if (c->grad_eps == 0) {
    res->skipped = true;
    return GEOCL_OK;
  }
  void *host[GEOCL_OP_CASE_MAX_IN];
  geocl_status st = make_inputs(c, GRAD_SEED, host);
  if (st != GEOCL_OK) return st;
  case_run r;
  st = run_case(ctx, c, host, GRAD_DOUT_SEED, &r);
  for (int i = 0; i < c->n_in && st == GEOCL_OK; i++) {
    if (!r.g[i]) continue;
    double e;
    st = input_grad_err(ctx, c, host, i, &r, &e);
    if (st == GEOCL_OK && !(e <= res->bwd_err)) {
      res->bwd_err = e;
      res->worst_input = i;
    }
    if (st == GEOCL_OK && !(e <= c->grad_tol))
      st = geocl_set_error(GEOCL_E_CHECK, "%s input %d: numeric vs analytic gradient error %.3g > %.3g", c->name, i,
                           e, c->grad_tol);
  }
  case_run_free(&r);
  free_inputs(c, host);
  return st;
}
