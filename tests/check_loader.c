/* SPDX-License-Identifier: MIT */
/* The backend module loader: a wrong-ABI module, a module without the entry
 * symbol and a file that is not a shared object must be skipped with a
 * message naming the file; a good module must be loaded and usable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char garbage_dir[4200];

START_TEST(loader_refuses_broken_modules) {
  geocl_device_entry *e;
  int n;
  char *notes;
  ck_assert_ok(geocl_list_devices(&e, &n, &notes));
  ck_assert_msg(strstr(notes, "badabi.so") && strstr(notes, "ABI"), "no ABI refusal in notes:\n%s", notes);
  ck_assert_msg(strstr(notes, "nosym.so") && strstr(notes, "does not export geocl_backend_entry"),
                "no missing-symbol refusal in notes:\n%s", notes);
  ck_assert_msg(strstr(notes, "garbage.so"), "no refusal of a non-ELF file in notes:\n%s", notes);
  int fake = -1, ref = -1;
  for (int i = 0; i < n; i++) {
    ck_assert_str_ne(e[i].backend, "badabi");
    if (!strcmp(e[i].backend, "fake")) fake = i;
    if (!strcmp(e[i].backend, "reference")) ref = i;
  }
  ck_assert_int_ge(fake, 0);
  ck_assert_int_eq(ref, n - 1); /* the reference backend is always listed last */
  ck_assert_str_eq(e[fake].info.name, "fake test device");
  geocl_device_list_free(e, notes);
}
END_TEST

START_TEST(loader_opens_good_module) {
  geocl_ctx *ctx = NULL;
  geocl_ctx_opts o = {.device = "FAKE TEST"}; /* case-insensitive name substring */
  ck_assert_ok(geocl_ctx_create(&o, &ctx));
  ck_assert_str_eq(geocl_ctx_backend_name(ctx), "fake");
  geocl_tensor *t = geocl_full(ctx, 5.0f, GEOCL_SHAPE(3));
  float v[3];
  ck_assert_ok(geocl_to_host(t, v, sizeof v));
  ck_assert_float_eq(v[2], 5.0f);
  geocl_ctx_free(ctx);
}
END_TEST

int main(void) {
  /* only the test modules (and a garbage file) are on the backend path */
  const char *builddir = getenv("GEOCL_TEST_TMP");
  snprintf(garbage_dir, sizeof garbage_dir, "%s/loader", builddir ? builddir : "/tmp");
  char cmd[8600];
  snprintf(cmd, sizeof cmd, "mkdir -p '%s' && echo 'not a shared object' > '%s/garbage.so'", garbage_dir, garbage_dir);
  if (system(cmd) != 0) return 99;
  const char *top = getenv("GEOCL_TOP_BUILDDIR");
  char path[9000];
  snprintf(path, sizeof path, "%s/tests/modules/.libs:%s", top ? top : ".", garbage_dir);
  setenv("GEOCL_BACKEND_PATH", path, 1);
  Suite *s = suite_create("loader");
  TCase *tc = tcase_create("loader");
  tcase_add_test(tc, loader_refuses_broken_modules);
  tcase_add_test(tc, loader_opens_good_module);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
