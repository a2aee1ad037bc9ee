/* SPDX-License-Identifier: MIT */
/* Losses of the dense heads (geocl/dense_loss.h). */
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/dense_loss.h>

static const struct {
  const char *name;
  geocl_criterion kind;
} criteria[] = {
    {"L1Loss", {GEOCL_CRITERION_L1, 0, 0, 0}},
    {"LaplacianLoss", {GEOCL_CRITERION_LAPLACIAN, 0, 0, 0}},
    {"LaplacianLossBounded", {GEOCL_CRITERION_LAPLACIAN_BOUNDED, 0.25, 4, 10000}},
    {"LaplacianLossBounded2", {GEOCL_CRITERION_LAPLACIAN_BOUNDED2, 3, 3, 0}},
};

static const char *skip(const char *s) {
  while (isspace((unsigned char)*s)) s++;
  return s;
}

geocl_status geocl_criterion_parse(const char *text, geocl_criterion *out) {
  const char *s = skip(text), *end = s;
  while (isalnum((unsigned char)*end) || *end == '_') end++;
  size_t len = (size_t)(end - s);
  int found = -1;
  for (int i = 0; i < 4; i++)
    if (strlen(criteria[i].name) == len && !strncmp(s, criteria[i].name, len)) found = i;
  if (found < 0)
    return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': expected L1Loss, LaplacianLoss, LaplacianLossBounded or "
                                            "LaplacianLossBounded2, optionally with (key=value, ...)", text);
  *out = criteria[found].kind;
  s = skip(end);
  if (!*s) return GEOCL_OK;
  if (*s++ != '(') return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': expected '(' after the name", text);
  for (s = skip(s); *s != ')';) {
    const char *key = s;
    while (isalnum((unsigned char)*s) || *s == '_') s++;
    size_t klen = (size_t)(s - key);
    s = skip(s);
    if (*s++ != '=') return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': expected key=value", text);
    s = skip(s);
    double v = 0;
    if (!strncmp(s, "None", 4)) {
      s += 4;
    } else {
      char *num_end;
      v = strtod(s, &num_end);
      if (num_end == s || !isfinite(v)) return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': bad number", text);
      s = num_end;
    }
    if (klen == 1 && key[0] == 'a' && out->kind >= GEOCL_CRITERION_LAPLACIAN_BOUNDED) out->a = v;
    else if (klen == 1 && key[0] == 'b' && out->kind >= GEOCL_CRITERION_LAPLACIAN_BOUNDED) out->b = v;
    else if (klen == 10 && !strncmp(key, "max_gtnorm", 10)) out->max_gtnorm = v;
    else return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': unknown argument '%.*s'", text, (int)klen, key);
    s = skip(s);
    if (*s == ',') s = skip(s + 1);
    else if (*s != ')') return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': expected ',' or ')'", text);
  }
  if (*skip(s + 1)) return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': text after ')'", text);
  if (out->kind == GEOCL_CRITERION_LAPLACIAN_BOUNDED && !(out->b > out->a && out->a > 0))
    return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': needs 0 < a < b", text);
  if (out->kind == GEOCL_CRITERION_LAPLACIAN_BOUNDED2 && !(out->a > 0 && out->b > 0))
    return geocl_set_error(GEOCL_E_INVALID, "criterion '%s': needs a, b > 0", text);
  return GEOCL_OK;
}

bool geocl_criterion_with_conf(const geocl_criterion *c) { return c->kind != GEOCL_CRITERION_L1; }

/* valid·[‖gt‖ < max]: the step of max − ‖gt‖ made exact by a huge slope and a clamp
 * (a non-zero difference of floats near 10⁴ is at least 10⁻³). */
static geocl_tensor *norm_mask(const geocl_criterion *c, geocl_tensor *gt, geocl_tensor *valid) {
  if (!(c->max_gtnorm > 0)) return valid;
  geocl_tensor *norm = geocl_dim(gt, 1) == 1 ? gt : geocl_sqrt(geocl_sum(geocl_square(gt), 1, true));
  geocl_tensor *below = geocl_clamp(geocl_scale(geocl_add_scalar(geocl_scale(norm, -1.0f), (float)c->max_gtnorm), 1e30f),
                                    0.0f, 1.0f);
  return geocl_mul(valid, below);
}

geocl_tensor *geocl_criterion_loss(const geocl_criterion *c, geocl_tensor *pred, geocl_tensor *conf, geocl_tensor *gt,
                                   geocl_tensor *valid) {
  if (!pred || !gt || !valid) return NULL;
  if (geocl_criterion_with_conf(c) && !conf) {
    geocl_set_error(GEOCL_E_INVALID, "criterion: the confidence channel is missing");
    return NULL;
  }
  geocl_tensor *mask = norm_mask(c, geocl_detach(gt), valid);
  geocl_tensor *err = geocl_abs(geocl_sub(gt, pred));
  if (c->kind == GEOCL_CRITERION_L1) {
    geocl_tensor *m = geocl_contiguous(geocl_expand(mask, geocl_ndim(err), geocl_shape(err)));
    return geocl_masked_mean(err, m);
  }
  geocl_tensor *r = geocl_sum(err, 1, true), *per;
  switch (c->kind) {
  case GEOCL_CRITERION_LAPLACIAN: per = geocl_add(geocl_mul(r, geocl_exp(geocl_scale(conf, -1.0f))), conf); break;
  case GEOCL_CRITERION_LAPLACIAN_BOUNDED: {
    geocl_tensor *s = geocl_add_scalar(geocl_scale(geocl_sigmoid(conf), (float)(c->b - c->a)), (float)c->a);
    per = geocl_add(geocl_div(r, s), geocl_log(s));
    break;
  }
  default: {
    geocl_tensor *cb = geocl_scale(geocl_add_scalar(geocl_sigmoid(geocl_scale(conf, (float)(1 / c->b))), -0.5f),
                                   (float)(2 * c->a));
    per = geocl_add(geocl_mul(r, geocl_exp(geocl_scale(cb, -1.0f))), cb);
  }
  }
  return geocl_masked_mean(per, mask);
}

geocl_tensor *geocl_depth_loss_apply(geocl_depth_loss kind, geocl_tensor *pred, geocl_tensor *gt, geocl_tensor *valid) {
  if (!pred || !gt || !valid) return NULL;
  /* log of the ground truth where known; 0 elsewhere (gt − valid + 1 is 1 there) */
  geocl_tensor *log_gt = geocl_log(geocl_add_scalar(geocl_sub(gt, valid), 1.0f));
  geocl_tensor *g = geocl_mul(geocl_sub(geocl_log(pred), log_gt), valid);
  if (kind == GEOCL_DEPTH_LOSS_L1LOG) return geocl_masked_mean(geocl_abs(g), valid);
  geocl_tensor *n = geocl_sum_all(valid), *mean = geocl_div(geocl_sum_all(g), n);
  geocl_tensor *centred = geocl_mul(geocl_sub(g, mean), valid);
  geocl_tensor *var = geocl_div(geocl_sum_all(geocl_square(centred)), geocl_add_scalar(n, -1.0f));
  return geocl_sqrt(geocl_add(var, geocl_scale(geocl_square(mean), 0.15f)));
}
