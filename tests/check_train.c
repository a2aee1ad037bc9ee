/* SPDX-License-Identifier: MIT */
/* The training driver on a tiny CroCo (32x32 images, 16 patches) with
 * synthetic pairs: the loss falls, an interrupted and resumed run repeats the
 * uninterrupted one exactly, and bad or corrupt checkpoints are refused. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <geocl/train.h>

#include "testutil.h"

static const char *const tiny[] = {"img_size=32", "patch_size=8", "enc_embed_dim=32", "enc_depth=2",
                                   "enc_num_heads=2", "dec_embed_dim=32", "dec_depth=1", "dec_num_heads=2",
                                   "pos_embed=RoPE100", "mask_ratio=0.75"};

static const char *device;

static void opts_for(geocl_train_opts *o, const char *name, int64_t steps) {
  static char dirs[8][4200];
  static int next;
  char *dir = dirs[next++ % 8];
  snprintf(dir, 4200, "%s/train-%s-%s", test_tmpdir(), name, device);
  char cmd[4300];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  ck_assert_int_eq(system(cmd), 0);
  geocl_train_opts_default(o);
  o->task = "croco";
  o->args = tiny;
  o->n_args = (int)(sizeof tiny / sizeof *tiny);
  o->device = device;
  o->steps = steps;
  o->batch = 4;
  o->lr = 1e-3;
  o->synthetic_pairs = 64;
  o->log_every = 1;
  o->save_every = 5;
  o->keep = 1;
  o->recon_every = -1;
  o->out = dir;
}

/* Losses of steps 1..n from metrics.jsonl. */
static int read_losses(const char *dir, double *loss, int max) {
  char path[4300], line[512];
  snprintf(path, sizeof path, "%s/metrics.jsonl", dir);
  FILE *f = fopen(path, "r");
  ck_assert_msg(f != NULL, "no %s", path);
  int n = 0;
  while (fgets(line, sizeof line, f)) {
    long long step;
    double l;
    char *p = strstr(line, "\"loss\": ");
    ck_assert(sscanf(line, "{\"step\": %lld", &step) == 1 && p && sscanf(p + 8, "%lf", &l) == 1);
    ck_assert_int_eq(step, n + 1); /* one line per step, in order, no duplicates */
    ck_assert_int_lt(n, max);
    loss[n++] = l;
  }
  fclose(f);
  return n;
}

START_TEST(loss_falls) {
  geocl_train_opts o;
  opts_for(&o, "falls", 50);
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(&o, NULL, &s));
  ck_assert_int_eq(s.steps_done, 50);
  double loss[64], first = 0, last = 0;
  ck_assert_int_eq(read_losses(o.out, loss, 64), 50);
  for (int i = 0; i < 10; i++) {
    first += loss[i] / 10;
    last += loss[40 + i] / 10;
  }
  printf("%s: mean loss of steps 1-10 %.4f, of steps 41-50 %.4f\n", device, first, last);
  ck_assert_msg(last < 0.9 * first, "loss did not fall: %.4f -> %.4f", first, last);
}
END_TEST

START_TEST(resume_is_exact) {
  geocl_train_opts full, part;
  opts_for(&full, "full", 20);
  opts_for(&part, "part", 20);
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(&full, NULL, &s));
  part.stop_at = 8; /* stops between checkpoints: a final save at step 8 */
  ck_assert_ok(geocl_train_run(&part, NULL, &s));
  ck_assert_int_eq(s.steps_done, 8);
  geocl_train_opts again;
  geocl_train_opts_default(&again);
  again.resume = part.out;
  again.device = device;
  ck_assert_ok(geocl_train_run(&again, NULL, &s));
  ck_assert_int_eq(s.steps_done, 12);
  double a[32], b[32];
  ck_assert_int_eq(read_losses(full.out, a, 32), 20);
  ck_assert_int_eq(read_losses(part.out, b, 32), 20);
  double worst = 0;
  for (int i = 0; i < 20; i++) worst = fmax(worst, fabs(a[i] - b[i]));
  printf("%s: largest loss difference resumed vs uninterrupted over 20 steps: %g\n", device, worst);
  ck_assert_msg(worst == 0, "resumed run differs by %g", worst);
}
END_TEST

START_TEST(bad_checkpoints_refused) {
  geocl_train_opts o;
  opts_for(&o, "corrupt", 5);
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(&o, NULL, &s));
  char path[4300], cmd[17400];
  snprintf(path, sizeof path, "%s/last.safetensors", o.out);
  struct stat before, after;
  ck_assert_int_eq(stat(path, &before), 0);
  snprintf(cmd, sizeof cmd, "head -c 3000 '%s' > '%s.cut' && mv '%s.cut' '%s'", path, path, path, path);
  ck_assert_int_eq(system(cmd), 0);
  ck_assert_int_eq(stat(path, &before), 0);
  geocl_train_opts r;
  geocl_train_opts_default(&r);
  r.resume = o.out;
  r.device = device;
  ck_assert_int_ne(geocl_train_run(&r, NULL, &s), GEOCL_OK);
  ck_assert_msg(strstr(geocl_last_error(), "last.safetensors"), "error does not name the file: %s", geocl_last_error());
  ck_assert_int_eq(stat(path, &after), 0);
  ck_assert_int_eq(after.st_size, before.st_size); /* nothing overwritten */
  /* a run directory that already holds a run is not reused */
  geocl_train_opts dup = o;
  dup.stop_at = 0;
  ck_assert_int_eq(geocl_train_run(&dup, NULL, &s), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "already holds a run"));
  /* weights of another configuration */
  geocl_train_opts other;
  opts_for(&other, "other", 5);
  snprintf(path, sizeof path, "%s/step-5.safetensors", o.out);
  other.init = path;
  const char *wider[] = {"enc_embed_dim=64"};
  other.args = wider;
  other.n_args = 1;
  ck_assert_int_ne(geocl_train_run(&other, NULL, &s), GEOCL_OK);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "with another shape"));
}
END_TEST

START_TEST(nan_stops_and_keeps_the_checkpoint) {
  geocl_train_opts o;
  opts_for(&o, "nan", 40);
  o.lr = 1e9; /* diverges within a few steps */
  o.save_every = 1;
  o.warmup = 0;
  geocl_train_summary s;
  ck_assert_int_eq(geocl_train_run(&o, NULL, &s), GEOCL_E_NUMERIC);
  ck_assert_msg(strstr(geocl_last_error(), "at step"), "%s", geocl_last_error());
  /* the last checkpoint is from a good step and resumes */
  char path[4300];
  snprintf(path, sizeof path, "%s/last.safetensors", o.out);
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "no checkpoint left: %s", path);
  fclose(f);
}
END_TEST

int main(void) {
  Suite *s = suite_create("train");
  TCase *ref = tcase_create("reference");
  device = "reference";
  tcase_add_test(ref, loss_falls);
  tcase_add_test(ref, resume_is_exact);
  tcase_add_test(ref, bad_checkpoints_refused);
  tcase_add_test(ref, nan_stops_and_keeps_the_checkpoint);
  suite_add_tcase(s, ref);
  int rc = test_run_suite(s);
  if (!test_have_opencl()) return rc;
  /* the same on the OpenCL device */
  device = test_ocl_device();
  Suite *o = suite_create("train-opencl");
  TCase *ocl = tcase_create("opencl");
  tcase_add_test(ocl, loss_falls);
  tcase_add_test(ocl, resume_is_exact);
  suite_add_tcase(o, ocl);
  return test_run_suite(o) || rc;
}
