/* SPDX-License-Identifier: MIT */
/* Golden-test helpers (golden.h). */
#include <json-c/json.h>
#include <math.h>
#include <stdlib.h>

#include "golden.h"
#include "testutil.h"

void golden_set_weights(geocl_params *p, const char *init_json) {
  json_object *init = json_tokener_parse(init_json), *params, *seed;
  ck_assert(init && json_object_object_get_ex(init, "params", &params) &&
            json_object_object_get_ex(init, "seed", &seed));
  int n = (int)json_object_array_length(params);
  for (int k = 0; k < n; k++) {
    json_object *e = json_object_array_get_idx(params, k);
    const char *name = json_object_get_string(json_object_array_get_idx(e, 0));
    float a = (float)json_object_get_double(json_object_array_get_idx(e, 1));
    float c = (float)json_object_get_double(json_object_array_get_idx(e, 2));
    geocl_tensor *t = geocl_params_find(p, name);
    ck_assert_msg(t != NULL, "model has no parameter %s", name);
    size_t cnt = (size_t)geocl_numel(t);
    float *v = malloc(cnt * sizeof *v + 4);
    geocl_rng r;
    geocl_rng_init(&r, (uint64_t)json_object_get_int64(seed) + (uint64_t)k);
    geocl_rng_uniform(&r, v, cnt);
    for (size_t i = 0; i < cnt; i++) v[i] = c + a * (2.0f * v[i] - 1.0f);
    ck_assert_ok(geocl_copy_from_host(t, v, cnt * sizeof *v));
    free(v);
  }
  json_object_put(init);
}

double golden_compare(const char *what, const geocl_tensor *t, geocl_st_file *ref, const char *name, double tol,
                      double zero_norm) {
  size_t n;
  float *want = test_st_read_f32(ref, name, &n);
  ck_assert_msg(t != NULL, "%s: no %s", what, name);
  ck_assert_msg((size_t)geocl_numel(t) == n, "%s %s: %lld elements, fixture has %zu", what, name,
                (long long)geocl_numel(t), n);
  float *got = test_download(t);
  double num = 0, den = 0, gn = 0;
  for (size_t i = 0; i < n; i++) {
    double d = (double)got[i] - want[i];
    num += d * d;
    den += (double)want[i] * want[i];
    gn += (double)got[i] * got[i];
  }
  double e = den > 0 ? sqrt(num / den) : sqrt(num);
  if (sqrt(den) < zero_norm) {
    ck_assert_msg(sqrt(gn) < zero_norm, "%s %s: norm %.3g, zero in exact arithmetic", what, name, sqrt(gn));
    e = 0;
  } else {
    ck_assert_msg(e <= tol, "%s %s: relative L2 error %.3g > %.3g", what, name, e, tol);
  }
  free(got);
  free(want);
  return e;
}
