/* SPDX-License-Identifier: MIT */
/* Plugin loading and task configuration. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/plugin.h>

#include "testutil.h"

START_TEST(plugin_found_and_wrong_abi_refused) {
  const geocl_plugin *const *all;
  int n;
  const char *notes;
  geocl_plugin_list(&all, &n, &notes);
  const geocl_plugin *p;
  ck_assert_ok(geocl_plugin_find("testtask", &p));
  ck_assert_str_eq(p->name, "testtask");
  ck_assert_msg(strstr(notes, "oldtask.so") && strstr(notes, "ABI"), "no ABI refusal in notes: %s", notes);
  ck_assert_int_eq(geocl_plugin_find("oldtask", &p), GEOCL_E_NOT_FOUND);
  ck_assert_int_eq(geocl_plugin_find("nosuch", &p), GEOCL_E_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "testtask")); /* the error lists what exists */
}
END_TEST

START_TEST(config_defaults_presets_and_args) {
  const geocl_plugin *p;
  ck_assert_ok(geocl_plugin_find("testtask", &p));
  geocl_config *cfg = geocl_plugin_config(p);
  ck_assert_ptr_nonnull(cfg);
  ck_assert_double_eq(geocl_config_float(cfg, "scale"), 1.0);
  ck_assert(!geocl_config_is_set(cfg, "scale"));
  ck_assert_ok(geocl_config_apply_preset(cfg, p->presets, p->default_preset));
  ck_assert_double_eq(geocl_config_float(cfg, "scale"), 0.5);
  ck_assert(geocl_config_is_set(cfg, "scale"));
  ck_assert_int_eq(geocl_config_int(cfg, "depth"), 3);
  ck_assert(!geocl_config_is_set(cfg, "img_size"));
  ck_assert_ok(geocl_config_set_arg(cfg, "img_size=24x40"));
  int64_t h, w;
  geocl_config_size(cfg, "img_size", &h, &w);
  ck_assert_int_eq(h, 24);
  ck_assert_int_eq(w, 40);
  ck_assert_ok(geocl_config_set_arg(cfg, "flag=true"));
  ck_assert(geocl_config_bool(cfg, "flag"));
  /* errors name the option and what was expected */
  ck_assert_int_eq(geocl_config_set_arg(cfg, "depth=two"), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "depth=two"));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "integer"));
  ck_assert_int_eq(geocl_config_set_arg(cfg, "dpeth=2"), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "options: scale, img_size"));
  ck_assert_int_eq(geocl_config_set_arg(cfg, "novalue"), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_config_apply_preset(cfg, p->presets, "broken"), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "preset broken"));
  ck_assert_int_eq(geocl_config_apply_preset(cfg, p->presets, "huge"), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "half, broken"));
  /* JSON round trip, as checkpoints record it */
  char *json = geocl_config_to_json(cfg);
  geocl_config *again = geocl_config_new("testtask", p->options);
  ck_assert_ok(geocl_config_apply_json(again, json));
  geocl_config_size(again, "img_size", &h, &w);
  ck_assert_int_eq(w, 40);
  ck_assert_double_eq(geocl_config_float(again, "scale"), 0.5);
  ck_assert(geocl_config_bool(again, "flag"));
  free(json);
  /* the official kwargs style: ints, floats, lists */
  ck_assert_ok(geocl_config_apply_json(again, "{\"img_size\": [32, 48], \"depth\": 5, \"scale\": 2}"));
  geocl_config_size(again, "img_size", &h, &w);
  ck_assert_int_eq(h * 100 + w, 3248);
  ck_assert_int_eq(geocl_config_apply_json(again, "{\"depth\": \"deep\"}"), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_config_apply_json(again, "{\"colour\": 1}"), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_config_apply_json(again, "[1, 2"), GEOCL_E_FORMAT);
  geocl_config_free(again);
  geocl_config_free(cfg);
}
END_TEST

START_TEST(plugin_runs_through_public_api) {
  const geocl_plugin *p;
  ck_assert_ok(geocl_plugin_find("testtask", &p));
  geocl_config *cfg = geocl_plugin_config(p);
  ck_assert_ok(geocl_config_apply_preset(cfg, p->presets, "half"));
  geocl_ctx *ctx = test_ref_ctx();
  void *st;
  ck_assert_ok(p->create(ctx, cfg, NULL, NULL, &st));
  float a[4] = {1, 2, 3, 4}, b[4] = {2, 2, 2, 2};
  geocl_batch batch = {.size = 1};
  ck_assert_ok(geocl_batch_set(&batch, "image1", geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, 2, 2), a)));
  ck_assert_ok(geocl_batch_set(&batch, "image2", geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, 2, 2), b)));
  geocl_outputs out = {0};
  ck_assert_ok(p->forward(st, &batch, &out));
  float loss;
  ck_assert_ok(geocl_item(geocl_outputs_get(&out, "loss"), &loss));
  ck_assert_float_eq(loss, 2.5f); /* 0.5 · mean(2, 4, 6, 8) */
  ck_assert_ptr_null(geocl_outputs_get(&out, "pred"));
  p->destroy(st);
  geocl_ctx_free(ctx);
  geocl_config_free(cfg);
}
END_TEST

int main(void) {
  const char *top = getenv("GEOCL_TOP_BUILDDIR");
  char path[4200];
  snprintf(path, sizeof path, "%s/tests/plugins/.libs", top ? top : ".");
  setenv("GEOCL_PLUGIN_PATH", path, 1);
  Suite *s = suite_create("plugins");
  TCase *tc = tcase_create("plugins");
  tcase_add_test(tc, plugin_found_and_wrong_abi_refused);
  tcase_add_test(tc, config_defaults_presets_and_args);
  tcase_add_test(tc, plugin_runs_through_public_api);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
