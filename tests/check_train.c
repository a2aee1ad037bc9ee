/* SPDX-License-Identifier: MIT */
/* The training driver on a tiny CroCo (32x32 images, 16 patches) with
 * synthetic pairs: the loss falls, an interrupted and resumed run repeats the
 * uninterrupted one exactly (also after a kill before the first checkpoint,
 * or one that left temporary and uncommitted files), and bad or corrupt
 * checkpoints and optimizer states are refused, each problem named. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <geocl/safetensors.h>
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

/* --- resume robustness (reference backend) --- */

static char *slurp(const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  ck_assert_msg(f != NULL, "cannot open %s", path);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  char *buf = malloc(*n + 1);
  ck_assert_uint_eq(fread(buf, 1, *n, f), *n);
  fclose(f);
  return buf;
}

static void put_file(const char *dir, const char *name, const char *text, size_t n, const char *mode) {
  char path[4300];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, mode);
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(text, 1, n, f), n);
  fclose(f);
}

static bool exists_in(const char *dir, const char *name) {
  char path[4300];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  return access(path, F_OK) == 0;
}

/* The same bytes in dir a and dir b. */
static void expect_same_file(const char *a, const char *b, const char *name) {
  char pa[4300], pb[4300];
  snprintf(pa, sizeof pa, "%s/%s", a, name);
  snprintf(pb, sizeof pb, "%s/%s", b, name);
  size_t na, nb;
  char *x = slurp(pa, &na), *y = slurp(pb, &nb);
  ck_assert_msg(na == nb && !memcmp(x, y, na), "%s differs from %s", pb, pa);
  free(x);
  free(y);
}

/* Resume dir to the end and compare it with the uninterrupted run in full. */
static void resume_and_compare(const char *dir, const char *full) {
  geocl_train_opts r;
  geocl_train_opts_default(&r);
  r.resume = dir;
  r.device = device;
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(&r, NULL, &s));
  double a[16], b[16];
  int n = read_losses(full, a, 16);
  ck_assert_int_eq(read_losses(dir, b, 16), n);
  for (int i = 0; i < n; i++) ck_assert_msg(a[i] == b[i], "step %d: loss %.9g, uninterrupted %.9g", i + 1, b[i], a[i]);
  expect_same_file(full, dir, "last.safetensors");
}

static void full_run(geocl_train_opts *o, const char *name) {
  opts_for(o, name, 10);
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(o, NULL, &s));
}

static void part_run(geocl_train_opts *o, const char *name, int64_t stop_at) {
  opts_for(o, name, 10);
  o->stop_at = stop_at;
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(o, NULL, &s));
}

/* A run killed before its first checkpoint (config.json, some metrics, no
 * checkpoint) resumes from the start, exactly. */
START_TEST(resume_before_the_first_checkpoint) {
  geocl_train_opts full, part;
  full_run(&full, "first-full");
  part_run(&part, "first-part", 3);
  char cmd[9000];
  snprintf(cmd, sizeof cmd, "rm '%s/last.safetensors' '%s/step-3.safetensors' '%s/step-3.optim.safetensors'", part.out,
           part.out, part.out);
  ck_assert_int_eq(system(cmd), 0);
  resume_and_compare(part.out, full.out);
}
END_TEST

/* What kills leave (temporary files, the files of a checkpoint never
 * committed, metric lines past the checkpoint, long and cut ones) is removed
 * and the run resumes exactly. */
START_TEST(resume_cleans_what_a_kill_left) {
  geocl_train_opts full, part;
  full_run(&full, "clean-full");
  part_run(&part, "clean-part", 5);
  put_file(part.out, "last.safetensors.tmp.12345", "junk", 4, "wb");
  put_file(part.out, "metrics.jsonl.tmp-12345-0", "junk", 4, "wb");
  put_file(part.out, "step-10.optim.safetensors", "junk", 4, "wb");
  put_file(part.out, "step-10.safetensors", "junk", 4, "wb");
  put_file(part.out, "step-7.optim.safetensors", "junk", 4, "wb");
  char line[6000];
  int n = snprintf(line, sizeof line, "{\"step\": 6, \"loss\": 1}\n{\"step\": 7, \"note\": \"");
  memset(line + n, 'x', 5000);
  n += 5000;
  n += snprintf(line + n, sizeof line - (size_t)n, "\"}\n{\"step\": 8, \"lo");
  put_file(part.out, "metrics.jsonl", line, (size_t)n, "ab");
  resume_and_compare(part.out, full.out);
  static const char *const gone[] = {"last.safetensors.tmp.12345", "metrics.jsonl.tmp-12345-0",
                                     "step-7.optim.safetensors", "step-5.optim.safetensors"};
  for (size_t i = 0; i < sizeof gone / sizeof *gone; i++)
    ck_assert_msg(!exists_in(part.out, gone[i]), "%s/%s was left", part.out, gone[i]);
  expect_same_file(full.out, part.out, "step-10.optim.safetensors");
  expect_same_file(full.out, part.out, "step-10.safetensors");
}
END_TEST

/* Occurrences of needle in haystack. */
static int count_of(const char *haystack, const char *needle) {
  int n = 0;
  for (const char *p = haystack; (p = strstr(p, needle)); p++) n++;
  return n;
}

static void expect_resume_error(const char *dir, geocl_status want, const char *text) {
  geocl_train_opts r;
  geocl_train_opts_default(&r);
  r.resume = dir;
  r.device = device;
  geocl_train_summary s;
  ck_assert_int_eq(geocl_train_run(&r, NULL, &s), want);
  ck_assert_msg(strstr(geocl_last_error(), text), "'%s' not in: %s", text, geocl_last_error());
  ck_assert_msg(count_of(geocl_last_error(), dir) == 1, "the run directory is not named once: %s", geocl_last_error());
}

/* A copy of src as dst with element 0 of tensor `name` set to v. */
static void copy_with_value(const char *src, const char *dst, const char *name, float v) {
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(src, &f));
  geocl_st_writer *w = geocl_st_writer_new();
  void **data = calloc((size_t)geocl_st_count(f), sizeof *data);
  for (int i = 0; i < geocl_st_meta_count(f); i++)
    ck_assert_ok(geocl_st_writer_set_meta(w, geocl_st_meta_at(f, i).key, geocl_st_meta_at(f, i).value));
  for (int i = 0; i < geocl_st_count(f); i++) {
    const geocl_st_info *t = geocl_st_at(f, i);
    data[i] = malloc(t->end - t->begin + 4);
    ck_assert_ok(geocl_st_read_raw(f, t, data[i], t->end - t->begin));
    if (!strcmp(t->name, name)) ((float *)data[i])[0] = v;
    ck_assert_ok(geocl_st_writer_add(w, t->name, t->dtype, t->ndim, t->shape, data[i]));
  }
  ck_assert_ok(geocl_st_writer_write(w, dst));
  geocl_st_writer_free(w);
  for (int i = 0; i < geocl_st_count(f); i++) free(data[i]);
  free(data);
  geocl_st_close(f);
}

/* Each problem with the optimizer state is named as it is, once; NaN or
 * negative second moments are refused, not trained on. */
START_TEST(optimizer_state_problems_named) {
  geocl_train_opts part, early;
  part_run(&part, "optim-part", 5);
  part_run(&early, "optim-early", 3);
  char state[4300], saved[4400], other[4300];
  snprintf(state, sizeof state, "%s/step-5.optim.safetensors", part.out);
  snprintf(saved, sizeof saved, "%s.saved", state);
  snprintf(other, sizeof other, "%s/step-3.optim.safetensors", early.out);
  ck_assert_int_eq(rename(state, saved), 0);
  expect_resume_error(part.out, GEOCL_E_IO, "step-5.optim.safetensors: the optimizer state of the checkpoint (step 5) is missing");
  copy_with_value(other, state, "exp_avg/mask_token", 0.0f);
  expect_resume_error(part.out, GEOCL_E_FORMAT, "step-5.optim.safetensors: holds the optimizer state after 3 steps, not 5");
  copy_with_value(saved, state, "exp_avg_sq/mask_token", NAN);
  expect_resume_error(part.out, GEOCL_E_NUMERIC, "tensor 'exp_avg_sq/mask_token' holds NaN at element 0");
  copy_with_value(saved, state, "exp_avg_sq/mask_token", -1.0f);
  expect_resume_error(part.out, GEOCL_E_NUMERIC, "tensor 'exp_avg_sq/mask_token' holds a negative value at element 0");
  copy_with_value(saved, state, "exp_avg/mask_token", INFINITY);
  expect_resume_error(part.out, GEOCL_E_NUMERIC, "tensor 'exp_avg/mask_token' holds an infinite value");
  ck_assert_int_eq(rename(saved, state), 0);
  geocl_train_opts r;
  geocl_train_opts_default(&r);
  r.resume = part.out;
  r.device = device;
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(&r, NULL, &s)); /* the real one resumes */
}
END_TEST

/* One process at a time: a run directory in use is refused. */
START_TEST(run_directory_locked) {
  geocl_train_opts part;
  part_run(&part, "locked", 2);
  int fd = open(part.out, O_RDONLY | O_DIRECTORY);
  ck_assert_int_ge(fd, 0);
  ck_assert_int_eq(flock(fd, LOCK_EX), 0);
  expect_resume_error(part.out, GEOCL_E_STATE, "another geocl process is using this run directory");
  close(fd);
  geocl_train_opts r;
  geocl_train_opts_default(&r);
  r.resume = part.out;
  r.device = device;
  r.stop_at = 3;
  geocl_train_summary s;
  ck_assert_ok(geocl_train_run(&r, NULL, &s));
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
  tcase_add_test(ref, resume_before_the_first_checkpoint);
  tcase_add_test(ref, resume_cleans_what_a_kill_left);
  tcase_add_test(ref, optimizer_state_problems_named);
  tcase_add_test(ref, run_directory_locked);
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
