/* SPDX-License-Identifier: MIT */
/* Data sources, pipelines and the loader, and the augmentations: order,
 * determinism across threads, exact resume from a saved position, evaluation
 * order, source detection and the field check, the kitti-odometry source
 * through the dense pipeline, augmentation statistics, PIL-exact colour
 * jitter, the synthetic source, errors, and SimIPU's point-cloud
 * augmentation. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/image.h>
#include <geocl/kitti.h>
#include <geocl/data.h>
#include <geocl/fileio.h>
#include <geocl/synth.h>

#include "testutil.h"

#define PAIRS 13
#define IMAGE_W 40
#define IMAGE_H 30
#define CROP_W 24
#define CROP_H 16
#define BATCH 4

static char data_dir[4096];

/* Pair i: image 1 has R = 10 + 15 i, image 2 R = 12 + 15 i; both G = 5 x,
 * B = 7 y, so a crop's first pixel tells which pair and where. */
static void make_pairs(void) {
  if (data_dir[0]) return;
  snprintf(data_dir, sizeof data_dir, "%s/loader-pairs", test_tmpdir());
  ck_assert_ok(geocl_mkdir_p(data_dir));
  char listing[PAIRS * 64] = "", path[4200];
  for (int i = 0; i < PAIRS; i++)
    for (int k = 0; k < 2; k++) {
      geocl_image img;
      ck_assert_ok(geocl_image_alloc(&img, IMAGE_W, IMAGE_H, 3, GEOCL_SAMPLE_U8));
      uint8_t *p = img.data;
      for (int y = 0; y < IMAGE_H; y++)
        for (int x = 0; x < IMAGE_W; x++, p += 3) {
          p[0] = (uint8_t)(10 + 2 * k + 15 * i);
          p[1] = (uint8_t)(5 * x);
          p[2] = (uint8_t)(7 * y);
        }
      snprintf(path, sizeof path, "%s/p%02d_%d.png", data_dir, i, k + 1);
      ck_assert_ok(geocl_image_write_png(path, &img));
      geocl_image_free(&img);
      if (k == 0)
        snprintf(listing + strlen(listing), sizeof listing - strlen(listing), "p%02d_1.png p%02d_2.png\n", i, i);
    }
  snprintf(path, sizeof path, "%s/pairs.txt", data_dir);
  ck_assert_ok(geocl_file_write_atomic(path, listing, strlen(listing)));
}

/* A loader's configuration, with the source it reads. */
typedef struct loader_setup {
  const char *data;
  geocl_source_opts source;
  geocl_loader_config loader;
} loader_setup;

static loader_setup base_config(void) {
  make_pairs();
  loader_setup c;
  geocl_source_opts_default(&c.source);
  geocl_loader_config_default(&c.loader);
  c.data = data_dir;
  c.loader.batch_size = BATCH;
  c.loader.spec = (geocl_data_spec){.height = CROP_H, .width = CROP_W,
                                    .fields = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2, .augment = true};
  c.loader.seed = 11;
  return c;
}

static geocl_data_source *open_source;

static geocl_status loader_open(loader_setup *c, geocl_loader **l) {
  *l = NULL;
  c->source.needs = c->loader.spec.fields;
  geocl_status st = geocl_data_source_open(c->data, &c->source, &open_source);
  if (st != GEOCL_OK) return st;
  c->loader.source = open_source;
  st = geocl_loader_open(&c->loader, l);
  if (st != GEOCL_OK) {
    geocl_data_source_close(open_source);
    open_source = NULL;
  }
  return st;
}

static void loader_close(geocl_loader *l) {
  geocl_loader_close(l);
  geocl_data_source_close(open_source);
  open_source = NULL;
}

/* Undo the normalisation of channel c of one crop's pixel i. */
static int pixel_value(const float *crop, int c, int i) {
  float x = crop[c * CROP_W * CROP_H + i] * geocl_imagenet_std[c] + geocl_imagenet_mean[c];
  return (int)lrintf(x * 255.0f);
}

typedef struct batches {
  int count;
  geocl_data_position position[16], next[16];
  float *image1[16], *image2[16];
} batches;

static void take(geocl_loader *l, int count, batches *out) {
  size_t floats = (size_t)BATCH * 3 * CROP_W * CROP_H;
  out->count = count;
  for (int i = 0; i < count; i++) {
    const geocl_host_batch *b;
    ck_assert_ok(geocl_loader_next(l, &b));
    ck_assert_int_eq(b->n, 2);
    ck_assert_str_eq(b->fields[0].name, "image1");
    ck_assert_str_eq(b->fields[1].name, "image2");
    out->position[i] = b->position;
    out->next[i] = b->next;
    out->image1[i] = malloc(floats * sizeof(float));
    out->image2[i] = malloc(floats * sizeof(float));
    memcpy(out->image1[i], b->data[0], floats * sizeof(float));
    memcpy(out->image2[i], b->data[1], floats * sizeof(float));
  }
}

static void release(batches *b) {
  for (int i = 0; i < b->count; i++) {
    free(b->image1[i]);
    free(b->image2[i]);
  }
}

static int same_batch(const batches *a, int i, const batches *b, int j) {
  size_t bytes = (size_t)BATCH * 3 * CROP_W * CROP_H * sizeof(float);
  return !memcmp(a->image1[i], b->image1[j], bytes) && !memcmp(a->image2[i], b->image2[j], bytes) &&
         a->position[i].epoch == b->position[j].epoch && a->position[i].index == b->position[j].index;
}

START_TEST(epochs_shuffle_and_drop_the_last_batch) {
  loader_setup c = base_config();
  c.loader.spec.augment = false; /* centre crops, no jitter: pixel values tell the pair */
  geocl_loader *l;
  ck_assert_ok(loader_open(&c, &l));
  ck_assert_int_eq(geocl_loader_samples(l), PAIRS);
  ck_assert_int_eq(geocl_loader_batches_per_epoch(l), PAIRS / BATCH);
  batches b;
  take(l, 6, &b); /* two epochs of three batches */
  int order[2][12];
  for (int i = 0; i < 6; i++) {
    ck_assert_int_eq(b.position[i].epoch, i / 3);
    ck_assert_int_eq(b.position[i].index, (i % 3) * BATCH);
    ck_assert_int_eq(b.next[i].epoch, (i + 1) / 3);
    ck_assert_int_eq(b.next[i].index, ((i + 1) % 3) * BATCH);
    for (int j = 0; j < BATCH; j++) {
      const float *one = b.image1[i] + (size_t)j * 3 * CROP_W * CROP_H,
                  *two = b.image2[i] + (size_t)j * 3 * CROP_W * CROP_H;
      int id = (pixel_value(one, 0, 0) - 10) / 15;
      ck_assert_int_eq(pixel_value(one, 0, 0), 10 + 15 * id);
      ck_assert_int_eq(pixel_value(two, 0, 0), 12 + 15 * id); /* the pair stays together */
      int x1 = pixel_value(one, 1, 0) / 5, y1 = pixel_value(one, 2, 0) / 7;
      ck_assert(x1 == (IMAGE_W - CROP_W) / 2 && y1 == (IMAGE_H - CROP_H) / 2);
      ck_assert_int_eq(pixel_value(one, 1, CROP_W - 1), 5 * (x1 + CROP_W - 1)); /* an unscaled crop */
      order[i / 3][(i % 3) * BATCH + j] = id;
    }
  }
  for (int e = 0; e < 2; e++) /* 12 different pairs of the 13 in each epoch */
    for (int i = 0; i < 12; i++)
      for (int j = 0; j < i; j++) ck_assert_int_ne(order[e][i], order[e][j]);
  ck_assert_msg(memcmp(order[0], order[1], sizeof order[0]) != 0, "both epochs in the same order");
  release(&b);
  loader_close(l);
}
END_TEST

START_TEST(same_batches_whatever_the_threads) {
  loader_setup c = base_config();
  geocl_loader *l;
  batches one, many;
  c.loader.workers = 1;
  c.loader.queue_depth = 1;
  ck_assert_ok(loader_open(&c, &l));
  take(l, 8, &one);
  loader_close(l);
  c.loader.workers = 3;
  c.loader.queue_depth = 4;
  ck_assert_ok(loader_open(&c, &l));
  take(l, 8, &many);
  loader_close(l);
  for (int i = 0; i < 8; i++) ck_assert_msg(same_batch(&one, i, &many, i), "batch %d differs", i);
  c.loader.seed = 12; /* and another seed changes them */
  batches other;
  ck_assert_ok(loader_open(&c, &l));
  take(l, 1, &other);
  loader_close(l);
  ck_assert(!same_batch(&one, 0, &other, 0));
  release(&one);
  release(&many);
  release(&other);
}
END_TEST

START_TEST(resumes_exactly_from_a_saved_position) {
  loader_setup c = base_config();
  c.loader.workers = 2;
  geocl_loader *l;
  batches straight;
  ck_assert_ok(loader_open(&c, &l));
  take(l, 10, &straight);
  loader_close(l);
  static const int stops[] = {0, 1, 2, 4, 6}; /* mid-epoch and at epoch ends */
  for (size_t s = 0; s < sizeof stops / sizeof stops[0]; s++) {
    int k = stops[s];
    c.loader.start = straight.next[k]; /* what a checkpoint after batch k stores */
    batches resumed;
    ck_assert_ok(loader_open(&c, &l));
    take(l, 10 - k - 1, &resumed);
    loader_close(l);
    for (int i = 0; i < resumed.count; i++)
      ck_assert_msg(same_batch(&straight, k + 1 + i, &resumed, i), "resumed after batch %d: batch %d differs", k, i);
    release(&resumed);
  }
  release(&straight);
}
END_TEST

START_TEST(augmentation_statistics) {
  enum { N = 6000 };
  const int size1[2] = {40, 30}, size2[2] = {35, 30};
  double fsum = 0.0, fsq = 0.0, xsum = 0.0;
  int orders[3][3][3] = {{{0}}}, seen_x[17] = {0}, same_crop = 0, same_factor = 0;
  float fmin = 10.0f, fmax = 0.0f;
  for (int p = 0; p < N; p++) {
    geocl_pair_augment a, again;
    ck_assert_ok(geocl_pair_augment_draw(5, 3, p, size1, size2, CROP_W, CROP_H, 1, &a));
    ck_assert_ok(geocl_pair_augment_draw(5, 3, p, size1, size2, CROP_W, CROP_H, 1, &again));
    ck_assert(!memcmp(&a, &again, sizeof a)); /* a pure function of (seed, epoch, position) */
    ck_assert(a.crop_x[0] >= 0 && a.crop_x[0] <= 16 && a.crop_y[0] >= 0 && a.crop_y[0] <= 14);
    ck_assert(a.crop_x[1] >= 0 && a.crop_x[1] <= 11 && a.crop_y[1] >= 0 && a.crop_y[1] <= 14);
    seen_x[a.crop_x[0]]++;
    xsum += a.crop_x[0];
    same_crop += a.crop_x[0] == a.crop_x[1] && a.crop_y[0] == a.crop_y[1];
    for (int k = 0; k < 2; k++) {
      const geocl_color_jitter *j = &a.jitter[k];
      orders[j->order[0]][j->order[1]][j->order[2]]++;
      for (int f = 0; f < 3; f++) {
        fsum += j->factor[f];
        fsq += (double)j->factor[f] * j->factor[f];
        fmin = j->factor[f] < fmin ? j->factor[f] : fmin;
        fmax = j->factor[f] > fmax ? j->factor[f] : fmax;
      }
    }
    same_factor += a.jitter[0].factor[0] == a.jitter[1].factor[0];
  }
  double n = 6.0 * N, mean = fsum / n, var = fsq / n - mean * mean;
  printf("jitter factors: min %.4f max %.4f mean %.4f variance %.4f (uniform on [0.6, 1.4): 1, %.4f); crop x mean "
         "%.3f (8); identical crops %d of %d\n",
         fmin, fmax, mean, var, 0.64 / 12, xsum / N, same_crop, N);
  ck_assert(fmin >= 0.6f && fmax < 1.4f);
  ck_assert_double_eq_tol(mean, 1.0, 0.01);
  ck_assert_double_eq_tol(var, 0.64 / 12.0, 0.003);
  ck_assert_double_eq_tol(xsum / N, 8.0, 0.25);
  for (int x = 0; x <= 16; x++) ck_assert_int_gt(seen_x[x], N / 17 / 2); /* every place a crop fits */
  ck_assert_int_lt(same_crop, N / 50);                                   /* the two crops are drawn independently */
  ck_assert_int_eq(same_factor, 0);                                      /* asymmetric: each image its own factors */
  int permutations = 0;
  for (int a = 0; a < 3; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 3; c++) {
        if (a == b || b == c || a == c) {
          ck_assert_int_eq(orders[a][b][c], 0);
          continue;
        }
        permutations++;
        ck_assert_double_eq_tol(orders[a][b][c] / (2.0 * N), 1.0 / 6.0, 0.015);
      }
  ck_assert_int_eq(permutations, 6);
  /* jitter off: identity factors; a crop that does not fit is an error */
  geocl_pair_augment a;
  ck_assert_ok(geocl_pair_augment_draw(5, 0, 0, size1, size2, CROP_W, CROP_H, 0, &a));
  ck_assert(a.jitter[0].factor[0] == 1.0f && a.jitter[1].factor[2] == 1.0f);
  ck_assert_int_eq(geocl_pair_augment_draw(5, 0, 0, size1, size2, 36, CROP_H, 1, &a), GEOCL_E_SHAPE);
}
END_TEST

/* Values worked out by hand with PIL's ImageEnhance arithmetic. */
START_TEST(color_jitter_follows_pil) {
  geocl_color_jitter only_brightness = {{1.2f, 1.0f, 1.0f}, {0, 1, 2}};
  uint8_t px[6] = {100, 200, 250, 101, 0, 255};
  geocl_color_jitter_apply(px, 2, &only_brightness);
  ck_assert(px[0] == 120 && px[1] == 240 && px[2] == 255 && px[3] == 121 && px[4] == 0 && px[5] == 255);
  geocl_color_jitter darker = {{0.6f, 1.0f, 1.0f}, {0, 1, 2}};
  uint8_t dark[3] = {101, 10, 255};
  geocl_color_jitter_apply(dark, 1, &darker);
  ck_assert(dark[0] == 60 && dark[1] == 6 && dark[2] == 153); /* 60.6, 6.0, 153.0 truncated */
  /* saturation blends with the pixel's gray: L(200, 100, 50) = 124 */
  geocl_color_jitter pale = {{1.0f, 1.0f, 0.5f}, {2, 0, 1}};
  uint8_t sat[3] = {200, 100, 50};
  geocl_color_jitter_apply(sat, 1, &pale);
  ck_assert(sat[0] == 162 && sat[1] == 112 && sat[2] == 87);
  /* contrast blends with the rounded mean gray: black and white average 127.5 -> 128 */
  geocl_color_jitter flat = {{1.0f, 0.5f, 1.0f}, {1, 0, 2}}, steep = {{1.0f, 1.5f, 1.0f}, {1, 0, 2}};
  uint8_t bw[6] = {0, 0, 0, 255, 255, 255}, bw2[6] = {0, 0, 0, 255, 255, 255};
  geocl_color_jitter_apply(bw, 2, &flat);
  ck_assert(bw[0] == 64 && bw[3] == 191); /* 128 - 64, 128 + 63.5 */
  geocl_color_jitter_apply(bw2, 2, &steep);
  ck_assert(bw2[0] == 0 && bw2[3] == 255);
  /* the order matters */
  geocl_color_jitter a = {{1.4f, 0.6f, 1.0f}, {0, 1, 2}}, b = {{1.4f, 0.6f, 1.0f}, {1, 0, 2}};
  uint8_t p1[6] = {30, 60, 90, 200, 220, 240}, p2[6] = {30, 60, 90, 200, 220, 240};
  geocl_color_jitter_apply(p1, 2, &a);
  geocl_color_jitter_apply(p2, 2, &b);
  ck_assert(memcmp(p1, p2, 6) != 0);
}
END_TEST

START_TEST(normalisation_is_imagenet) {
  geocl_image img;
  ck_assert_ok(geocl_image_alloc(&img, 3, 2, 3, GEOCL_SAMPLE_U8));
  for (int i = 0; i < 18; i++) ((uint8_t *)img.data)[i] = (uint8_t)(i * 14);
  float out[3 * 2 * 2];
  uint8_t scratch[12];
  ck_assert_ok(geocl_crop_normalize(&img, 1, 0, 2, 2, NULL, scratch, out));
  for (int c = 0; c < 3; c++)
    for (int y = 0; y < 2; y++)
      for (int x = 0; x < 2; x++) {
        uint8_t v = ((uint8_t *)img.data)[(y * 3 + x + 1) * 3 + c];
        ck_assert_float_eq(out[(c * 2 + y) * 2 + x],
                           ((float)v / 255.0f - geocl_imagenet_mean[c]) / geocl_imagenet_std[c]);
      }
  ck_assert_int_eq(geocl_crop_normalize(&img, 2, 0, 2, 2, NULL, scratch, out), GEOCL_E_SHAPE);
  geocl_image_free(&img);
}
END_TEST

START_TEST(synthetic_source) {
  loader_setup c;
  geocl_source_opts_default(&c.source);
  geocl_loader_config_default(&c.loader);
  c.data = "synthetic";
  c.source.synthetic_pairs = 6;
  c.source.synthetic_width = 64;
  c.source.synthetic_height = 48;
  c.source.seed = 3;
  c.loader.spec = (geocl_data_spec){.height = 24, .width = 32,
                                    .fields = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2, .augment = true};
  c.loader.batch_size = 2;
  c.loader.seed = 3;
  size_t floats = (size_t)2 * 3 * 32 * 24;
  float *first = malloc(floats * sizeof(float) * 4);
  for (int workers = 1; workers <= 2; workers++) {
    c.loader.workers = workers;
    geocl_loader *l;
    ck_assert_ok(loader_open(&c, &l));
    ck_assert_str_eq(geocl_data_source_type_name(open_source), "synthetic");
    ck_assert_int_eq(geocl_loader_batches_per_epoch(l), 3);
    for (int i = 0; i < 4; i++) {
      const geocl_host_batch *b;
      ck_assert_ok(geocl_loader_next(l, &b));
      const float *one = b->data[0], *two = b->data[1];
      for (size_t k = 0; k < floats; k++) ck_assert(isfinite(one[k]) && isfinite(two[k]));
      ck_assert(memcmp(one, two, floats * sizeof(float)) != 0);
      ck_assert_ptr_nonnull(strstr(b->info[0].name, "synthetic pair"));
      if (workers == 1)
        memcpy(first + i * floats, one, floats * sizeof(float));
      else
        ck_assert(!memcmp(first + i * floats, one, floats * sizeof(float)));
    }
    loader_close(l);
  }
  free(first);
}
END_TEST

START_TEST(errors_name_the_file) {
  loader_setup c = base_config();
  geocl_loader *l;
  c.data = "/nonexistent-dir";
  ck_assert_int_eq(loader_open(&c, &l), GEOCL_E_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "/nonexistent-dir"));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "layouts tried"));
  ck_assert_ptr_null(l);
  c.data = "nosuchformat:/tmp";
  ck_assert_int_eq(loader_open(&c, &l), GEOCL_E_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "unknown data format 'nosuchformat'"));
  c = base_config();
  c.loader.batch_size = 20;
  ck_assert_int_eq(loader_open(&c, &l), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "fewer than one batch of 20"));
  c = base_config();
  c.loader.spec.width = 41;
  ck_assert_ok(loader_open(&c, &l));
  const geocl_host_batch *b;
  ck_assert_int_eq(geocl_loader_next(l, &b), GEOCL_E_SHAPE);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "41x16"));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "_1.png"));
  loader_close(l);

  /* a corrupt image in the listing stops the stream at its batch, every time */
  char dir[4200], path[4300];
  snprintf(dir, sizeof dir, "%s/loader-corrupt", test_tmpdir());
  ck_assert_ok(geocl_mkdir_p(dir));
  const char *listing = "a.png a.png\nb.png b.png\n";
  snprintf(path, sizeof path, "%s/pairs.txt", dir);
  ck_assert_ok(geocl_file_write_atomic(path, listing, strlen(listing)));
  snprintf(path, sizeof path, "%s/a.png", dir);
  ck_assert_ok(geocl_file_write_atomic(path, "\x89PNG\r\n\x1a\nbroken", 14));
  snprintf(path, sizeof path, "%s/b.png", dir);
  ck_assert_ok(geocl_file_write_atomic(path, "\x89PNG\r\n\x1a\nbroken", 14));
  c = base_config();
  c.data = dir;
  c.loader.batch_size = 1;
  ck_assert_ok(loader_open(&c, &l));
  for (int i = 0; i < 2; i++) {
    ck_assert_int_eq(geocl_loader_next(l, &b), GEOCL_E_FORMAT);
    ck_assert_ptr_nonnull(strstr(geocl_last_error(), ".png: corrupt PNG"));
    ck_assert_ptr_null(b);
  }
  loader_close(l);
}
END_TEST

/* Evaluation: in order, every sample, the last batch short. */
START_TEST(evaluation_order_keeps_every_sample) {
  loader_setup c = base_config();
  c.loader.spec.augment = false;
  c.loader.shuffle = false;
  geocl_loader *l;
  ck_assert_ok(loader_open(&c, &l));
  ck_assert_int_eq(geocl_loader_batches_per_epoch(l), (PAIRS + BATCH - 1) / BATCH);
  int seen = 0;
  for (int i = 0; i < (PAIRS + BATCH - 1) / BATCH; i++) {
    const geocl_host_batch *b;
    ck_assert_ok(geocl_loader_next(l, &b));
    ck_assert_int_eq(b->batch, i < PAIRS / BATCH ? BATCH : PAIRS % BATCH);
    for (int j = 0; j < b->batch; j++, seen++) {
      ck_assert_int_eq(b->info[j].index, seen);
      const float *one = (const float *)b->data[0] + (size_t)j * 3 * CROP_W * CROP_H;
      ck_assert_int_eq(pixel_value(one, 0, 0), 10 + 15 * seen);
    }
  }
  ck_assert_int_eq(seen, PAIRS);
  loader_close(l);
}
END_TEST

/* geocl synth's layout through the kitti-odometry source and the dense
 * pipeline: frames with depth, or pairs with flow and pose; a task that
 * needs what the data lacks is refused before any batch. */
START_TEST(kitti_odometry_and_dense_pipeline) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/loader-synth", test_tmpdir());
  geocl_synth_options so;
  geocl_synth_options_default(&so);
  so.out_dir = dir;
  so.frames = 4;
  so.width = 48;
  so.height = 40;
  so.overwrite = 1;
  geocl_synth_summary sum;
  ck_assert_ok(geocl_synth_write(&so, &sum));

  loader_setup c;
  geocl_source_opts_default(&c.source);
  geocl_loader_config_default(&c.loader);
  c.data = dir;
  c.loader.pipeline = "dense";
  c.loader.batch_size = 2;
  c.loader.spec = (geocl_data_spec){.height = 32, .width = 40,
                                    .fields = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_DEPTH |
                                              1u << GEOCL_FIELD_VALID | 1u << GEOCL_FIELD_LIDAR2IMG,
                                    .augment = false};
  c.loader.shuffle = false;
  geocl_loader *l;
  ck_assert_ok(loader_open(&c, &l));
  ck_assert_str_eq(geocl_data_source_type_name(open_source), "kitti-odometry");
  ck_assert_int_eq(geocl_data_source_size(open_source), 4); /* frames */
  ck_assert_ok(geocl_data_source_check(open_source, "task depthtask", c.loader.spec.fields));
  ck_assert_int_eq(geocl_data_source_check(open_source, "task stereo", 1u << GEOCL_FIELD_DISPARITY), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "task stereo needs disparity; kitti-odometry at"));
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "provides image1, depth, valid, points, lidar2img"));
  const geocl_host_batch *b;
  ck_assert_ok(geocl_loader_next(l, &b));
  ck_assert_int_eq(b->n, 4);
  ck_assert_str_eq(b->fields[1].name, "depth");
  ck_assert_int_eq(b->fields[1].shape[0], 1);
  ck_assert_int_eq(b->fields[1].shape[1], 32);
  ck_assert_int_eq(b->info[0].crop_x, 4); /* centred: (48 - 40) / 2 */
  ck_assert_int_eq(b->info[0].crop_y, 4);
  /* depth agrees with the frame's depth PNG at the crop; valid marks it */
  char path[4400];
  snprintf(path, sizeof path, "%s/sequences/00/depth/000000.png", dir);
  geocl_image depth;
  ck_assert_ok(geocl_kitti_depth_read(path, &depth));
  const float *d = b->data[1], *valid = b->data[2], *full = depth.data;
  for (int y = 0; y < 32; y++)
    for (int x = 0; x < 40; x++) {
      ck_assert_float_eq(d[y * 40 + x], full[(y + 4) * 48 + x + 4]);
      ck_assert_float_eq(valid[y * 40 + x], full[(y + 4) * 48 + x + 4] > 0 ? 1.0f : 0.0f);
    }
  geocl_image_free(&depth);
  /* lidar2img moved into the crop: row 0 minus 4 times row 2 */
  snprintf(path, sizeof path, "%s/sequences/00/calib.txt", dir);
  geocl_kitti_calib calib;
  double m[12];
  ck_assert_ok(geocl_kitti_calib_read(path, &calib));
  geocl_kitti_lidar_to_image(&calib, m);
  const float *l2i = b->data[3];
  for (int k = 0; k < 4; k++) ck_assert_float_eq_tol(l2i[k], (float)(m[k] - 4 * m[8 + k]), 1e-3f);
  loader_close(l);

  /* a task with image2 reads pairs: pairs.txt's, with flow and pose */
  c.loader.spec.fields = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_FLOW |
                         1u << GEOCL_FIELD_VALID | 1u << GEOCL_FIELD_POSE;
  c.loader.batch_size = 1;
  ck_assert_ok(loader_open(&c, &l));
  ck_assert_int_eq(geocl_data_source_size(open_source), sum.pairs);
  ck_assert_ok(geocl_loader_next(l, &b));
  ck_assert_int_eq(b->n, 5);
  ck_assert_str_eq(b->fields[2].name, "flow");
  ck_assert_ptr_nonnull(strstr(b->info[0].name, "frames 000000"));
  const float *pose = b->data[4];
  ck_assert_float_eq_tol(pose[15], 1.0f, 1e-6f);
  loader_close(l);
}
END_TEST

/* Decode the normalised crop pixel (x, y) of channel c back to 0..255. */
static int crop_pixel(const float *planes, int w, int h, int c, int x, int y) {
  float v = planes[(size_t)c * w * h + (size_t)y * w + x] * geocl_imagenet_std[c] + geocl_imagenet_mean[c];
  return (int)lrintf(v * 255.0f);
}

static void read_png_rgb(const char *path, geocl_image *img) {
  ck_assert_ok(geocl_image_read(path, img));
  ck_assert_int_eq(img->channels, 3);
}

/* One sample of spec's fields from data through the dense pipeline (no augmentation). */
static const geocl_host_batch *first_sample(loader_setup *c, const char *data, geocl_fields fields, int w, int h,
                                            geocl_loader **l) {
  geocl_source_opts_default(&c->source);
  geocl_loader_config_default(&c->loader);
  c->data = data;
  c->loader.pipeline = "dense";
  c->loader.batch_size = 1;
  c->loader.shuffle = false;
  c->loader.spec = (geocl_data_spec){.height = h, .width = w, .fields = fields, .augment = false};
  ck_assert_ok(loader_open(c, l));
  const geocl_host_batch *b;
  ck_assert_ok(geocl_loader_next(*l, &b));
  return b;
}

/* KITTI 2015 stereo and flow scenes (geocl synth --layout kitti2015), and the
 * odometry layout's stereo pairs: image2 is the right view or the next
 * frame, the target the disparity or flow file at the crop. */
START_TEST(kitti_benchmark_sources) {
  char dir[4200], odo[4200], path[4400];
  snprintf(dir, sizeof dir, "%s/loader-kitti2015", test_tmpdir());
  snprintf(odo, sizeof odo, "%s/loader-odometry-stereo", test_tmpdir());
  geocl_synth_options so;
  geocl_synth_options_default(&so);
  so.frames = 5;
  so.width = 48;
  so.height = 40;
  so.overwrite = 1;
  so.out_dir = dir;
  so.layout = GEOCL_SYNTH_KITTI2015;
  geocl_synth_summary sum;
  ck_assert_ok(geocl_synth_write(&so, &sum));
  so.out_dir = odo;
  so.layout = GEOCL_SYNTH_ODOMETRY;
  ck_assert_ok(geocl_synth_write(&so, NULL));
  const geocl_fields stereo = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_DISPARITY |
                              1u << GEOCL_FIELD_VALID;
  const geocl_fields flow = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_FLOW |
                            1u << GEOCL_FIELD_VALID;
  struct {
    const char *data, *image2, *target;
    geocl_fields fields;
    const char *type;
  } cases[] = {
      {dir, "training/image_3/000000_10.png", "training/disp_occ_0/000000_10.png", stereo, "kitti"},
      {"kitti-noc:", "training/image_3/000000_10.png", "training/disp_noc_0/000000_10.png", stereo, "kitti-noc"},
      {dir, "training/image_2/000000_11.png", "training/flow_occ/000000_10.png", flow, "kitti"},
      {"kitti-noc:", "training/image_2/000000_11.png", "training/flow_noc/000000_10.png", flow, "kitti-noc"},
      {odo, "sequences/00/image_3/000000.png", "sequences/00/disparity/000000.png", stereo, "kitti-odometry"},
  };
  for (int k = 0; k < 5; k++) {
    char data[4300];
    snprintf(data, sizeof data, "%s%s", cases[k].data, cases[k].data[0] == 'k' ? dir : "");
    loader_setup c;
    geocl_loader *l;
    const geocl_host_batch *b = first_sample(&c, data, cases[k].fields, 40, 32, &l);
    ck_assert_str_eq(geocl_data_source_type_name(open_source), cases[k].type);
    if (k < 4) ck_assert_int_eq(geocl_data_source_size(open_source), sum.pairs);
    ck_assert_ok(geocl_data_source_check(open_source, "task", cases[k].fields));
    const char *root = k < 4 ? dir : odo;
    geocl_image img2, target;
    snprintf(path, sizeof path, "%s/%s", root, cases[k].image2);
    read_png_rgb(path, &img2);
    snprintf(path, sizeof path, "%s/%s", root, cases[k].target);
    bool is_flow = cases[k].fields == flow;
    ck_assert_ok(is_flow ? geocl_kitti_flow_read(path, &target) : geocl_kitti_disparity_read(path, &target));
    const float *im2 = b->data[1], *t = b->data[2], *valid = b->data[3];
    int known = 0;
    for (int y = 0; y < 32; y++)
      for (int x = 0; x < 40; x++) {
        size_t src = (size_t)(y + 4) * 48 + x + 4;
        for (int ch = 0; ch < 3; ch++)
          ck_assert_int_eq(crop_pixel(im2, 40, 32, ch, x, y), ((uint8_t *)img2.data)[3 * src + ch]);
        const float *g = target.data;
        float v = is_flow ? g[3 * src + 2] : g[src] > 0;
        ck_assert_float_eq(valid[y * 40 + x], v);
        known += v > 0;
        ck_assert_float_eq(t[y * 40 + x], is_flow ? g[3 * src] : g[src]);
        if (is_flow) ck_assert_float_eq(t[32 * 40 + y * 40 + x], g[3 * src + 1]);
      }
    ck_assert_int_gt(known, 40 * 32 / 2);
    geocl_image_free(&img2);
    geocl_image_free(&target);
    loader_close(l);
  }

  /* one sample cannot be a stereo and a flow pair; a damaged file is named */
  geocl_data_source *s;
  geocl_source_opts o;
  geocl_source_opts_default(&o);
  o.needs = stereo | flow;
  ck_assert_int_eq(geocl_data_source_open(dir, &o, &s), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "not both"));
  snprintf(path, sizeof path, "%s/training/disp_occ_0/000000_10.png", dir);
  char *bytes;
  size_t size;
  ck_assert_ok(geocl_file_read_all(path, 1 << 20, &bytes, &size));
  ck_assert_ok(geocl_file_write_atomic(path, bytes, size / 2));
  free(bytes);
  loader_setup c;
  geocl_loader *l;
  geocl_source_opts_default(&c.source);
  geocl_loader_config_default(&c.loader);
  c.data = dir;
  c.loader.pipeline = "dense";
  c.loader.batch_size = 1;
  c.loader.shuffle = false;
  c.loader.spec = (geocl_data_spec){.height = 32, .width = 40, .fields = stereo};
  ck_assert_ok(loader_open(&c, &l));
  const geocl_host_batch *b;
  ck_assert_int_eq(geocl_loader_next(l, &b), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "disp_occ_0/000000_10.png"));
  loader_close(l);
}
END_TEST

/* A KITTI depth split in the depth toolbox's layout, written here: images
 * under input/, annotations under gt_depth/, None for a frame without. */
START_TEST(kitti_depth_source) {
  char dir[4200], path[4600];
  snprintf(dir, sizeof dir, "%s/loader-kitti-depth", test_tmpdir());
  const char *image = "2011_09_26/2011_09_26_drive_0002_sync/image_02/data/%010d.png";
  const char *depth = "2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/%010d.png";
  char listing[1024] = "";
  for (int i = 0; i < 3; i++) {
    char rel[256];
    snprintf(rel, sizeof rel, image, i);
    snprintf(path, sizeof path, "%s/input/%s", dir, rel);
    *strrchr(path, '/') = 0;
    ck_assert_ok(geocl_mkdir_p(path));
    snprintf(path, sizeof path, "%s/input/%s", dir, rel);
    geocl_image img;
    ck_assert_ok(geocl_image_alloc(&img, 20, 12, 3, GEOCL_SAMPLE_U8));
    ((uint8_t *)img.data)[0] = (uint8_t)(40 + i);
    ck_assert_ok(geocl_image_write_png(path, &img));
    geocl_image_free(&img);
    size_t used = strlen(listing);
    snprintf(listing + used, sizeof listing - used, "%s ", rel);
    used = strlen(listing);
    if (i == 1) {
      snprintf(listing + used, sizeof listing - used, "None 721.5377\n");
      continue;
    }
    snprintf(rel, sizeof rel, depth, i);
    snprintf(listing + used, sizeof listing - used, "%s 721.5377\n", rel);
    snprintf(path, sizeof path, "%s/gt_depth/%s", dir, rel);
    *strrchr(path, '/') = 0;
    ck_assert_ok(geocl_mkdir_p(path));
    snprintf(path, sizeof path, "%s/gt_depth/%s", dir, rel);
    float z[20 * 12];
    for (int p = 0; p < 240; p++) z[p] = p % 3 ? 0.0f : 5.0f + p / 16.0f + i;
    ck_assert_ok(geocl_kitti_depth_write(path, z, 20, 12));
  }
  snprintf(path, sizeof path, "%s/kitti_eigen_test.txt", dir);
  ck_assert_ok(geocl_file_write_atomic(path, listing, strlen(listing)));

  loader_setup c;
  geocl_loader *l;
  const geocl_fields fields = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_DEPTH | 1u << GEOCL_FIELD_VALID;
  first_sample(&c, path, fields, 20, 12, &l);
  ck_assert_str_eq(geocl_data_source_type_name(open_source), "kitti-depth");
  ck_assert_int_eq(geocl_data_source_size(open_source), 3);
  for (int i = 1; i < 3; i++) {
    const geocl_host_batch *b;
    ck_assert_ok(geocl_loader_next(l, &b));
    ck_assert_int_eq(crop_pixel(b->data[0], 20, 12, 0, 0, 0), 40 + i);
    const float *d = b->data[1], *valid = b->data[2];
    for (int p = 0; p < 240; p++) {
      float want = i == 1 || p % 3 ? 0.0f : 5.0f + p / 16.0f + i;
      ck_assert_float_eq_tol(d[p], want, 1.0f / 512.0f);
      ck_assert_float_eq(valid[p], want > 0 ? 1.0f : 0.0f);
    }
  }
  loader_close(l);
  /* a malformed line is named */
  ck_assert_ok(geocl_file_write_atomic(path, "a.png\n", 6));
  geocl_data_source *s;
  ck_assert_int_eq(geocl_data_source_open(path, NULL, &s), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "kitti_eigen_test.txt line 1"));
}
END_TEST

/* Source "analytic": 64×48 samples whose targets encode where each pixel came
 * from: depth 1 + x, disparity 1 + x + 1000 y, flow (1 + x, 1 + y), all known
 * (sparse flow: known where x + y is even). */
#define AW 64
#define AH 48
static bool analytic_sparse;

static geocl_status analytic_open(const char *path, const geocl_source_opts *o, void **state) {
  (void)path;
  (void)o;
  *state = NULL;
  return GEOCL_OK;
}
static int64_t analytic_size(void *state) {
  (void)state;
  return 400;
}
static geocl_fields analytic_fields(void *state) {
  (void)state;
  return 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_DEPTH | 1u << GEOCL_FIELD_DISPARITY |
         1u << GEOCL_FIELD_FLOW | 1u << GEOCL_FIELD_VALID;
}
static geocl_status analytic_read(void *state, void **thread, int64_t index, geocl_raw_sample *out) {
  (void)thread;
  snprintf(out->name, sizeof out->name, "analytic %lld", (long long)index);
  out->has = analytic_fields(state);
  ck_assert_ok(geocl_image_alloc(&out->image1, AW, AH, 3, GEOCL_SAMPLE_U8));
  ck_assert_ok(geocl_image_alloc(&out->image2, AW, AH, 3, GEOCL_SAMPLE_U8));
  ck_assert_ok(geocl_image_alloc(&out->depth, AW, AH, 1, GEOCL_SAMPLE_F32));
  ck_assert_ok(geocl_image_alloc(&out->disparity, AW, AH, 1, GEOCL_SAMPLE_F32));
  ck_assert_ok(geocl_image_alloc(&out->flow, AW, AH, 3, GEOCL_SAMPLE_F32));
  for (int y = 0; y < AH; y++)
    for (int x = 0; x < AW; x++) {
      int i = y * AW + x;
      ((float *)out->depth.data)[i] = 1.0f + x;
      ((float *)out->disparity.data)[i] = 1.0f + x + 1000.0f * y;
      float *f = (float *)out->flow.data + 3 * i;
      bool known = !analytic_sparse || (x + y) % 2 == 0;
      f[0] = known ? 1.0f + x : 0;
      f[1] = known ? 1.0f + y : 0;
      f[2] = known;
      ((uint8_t *)out->image1.data)[3 * i] = (uint8_t)(x * 4);
      ((uint8_t *)out->image2.data)[3 * i] = (uint8_t)(y * 4);
    }
  return GEOCL_OK;
}
static void analytic_close(void *state) { (void)state; }

static const geocl_data_source_type source_analytic = {
    .name = "analytic", .summary = "test", .open = analytic_open, .size = analytic_size, .fields = analytic_fields,
    .read = analytic_read, .close = analytic_close};

/* The training augmentation of each task, judged by its targets: every crop
 * pixel holds the value of the source pixel the drawn scale, flips and crop
 * map it to; the draws come at the official rates. */
START_TEST(dense_augmentation) {
  ck_assert_ok(geocl_data_source_register(&source_analytic));
  enum { CW = 32, CH = 24, N = 400 };
  const geocl_fields images = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_VALID;
  const geocl_fields tasks[4] = {images | 1u << GEOCL_FIELD_DISPARITY, images | 1u << GEOCL_FIELD_FLOW,
                                 images | 1u << GEOCL_FIELD_FLOW, images | 1u << GEOCL_FIELD_DEPTH};
  for (int t = 0; t < 4; t++) {
    analytic_sparse = t == 2;
    loader_setup c;
    geocl_source_opts_default(&c.source);
    geocl_loader_config_default(&c.loader);
    c.data = "analytic:";
    c.loader.pipeline = "dense";
    c.loader.batch_size = 1;
    c.loader.seed = 3;
    c.loader.spec = (geocl_data_spec){.height = CH, .width = CW, .fields = tasks[t], .augment = true};
    geocl_loader *l;
    ck_assert_ok(loader_open(&c, &l));
    int scaled = 0, hflips = 0, vflips = 0, known = 0;
    for (int n = 0; n < N; n++) {
      const geocl_host_batch *b;
      ck_assert_ok(geocl_loader_next(l, &b));
      const geocl_sample_info *in = &b->info[0];
      double sx = in->scale;
      int sw = (int)lround(AW * sx);
      scaled += sx != 1.0;
      hflips += in->flipped;
      const float *target = b->data[2], *valid = b->data[3];
      bool vflip = false;
      if (t == 0) { /* stereo: x scaled, nearest disparity times sx; a vertical flip maybe */
        ck_assert(!in->flipped);
        vflip = fabsf(target[CW] - target[0]) > 1.0f && target[CW] < target[0];
        for (int y = 0; y < CH; y++)
          for (int x = 0; x < CW; x++) {
            int X = (int)floor((in->crop_x + x) / sx), Y = vflip ? AH - 1 - (in->crop_y + y) : in->crop_y + y;
            X = X < AW ? X : AW - 1;
            ck_assert_float_eq_tol(target[y * CW + x], (float)(sx * (1 + X + 1000.0 * Y)), 1e-2f * (float)sx);
            ck_assert_float_eq(valid[y * CW + x], 1.0f);
          }
      } else if (t == 1) { /* dense flow: bilinear, u = ±(X + 1/2 + sx/2) along the unflipped scaled x */
        const float *v = target + CW * CH;
        vflip = v[0] < 0; /* v = ±(Y + 1/2 + sy/2) along the unflipped scaled y */
        int unit_steps = 0;
        for (int y = 1; y < CH; y++) unit_steps += fabsf(v[y * CW] - v[(y - 1) * CW] - 1.0f) < 1e-3f;
        ck_assert_int_ge(unit_steps, CH - 3); /* but where the border repeats */
        for (int y = 0; y < CH; y++)
          for (int x = 0; x < CW; x++) {
            int X = in->flipped ? sw - 1 - (in->crop_x + x) : in->crop_x + x;
            double xs = (X + 0.5) / sx - 0.5;
            if (xs < 0 || xs > AW - 1) continue; /* edge pixels repeat */
            double want = (X + 0.5 + 0.5 * sx) * (in->flipped ? -1 : 1);
            ck_assert_float_eq_tol(target[y * CW + x], (float)want, 1e-3f);
            ck_assert_float_eq_tol(v[y * CW + x], v[y * CW], 1e-4f);
          }
      } else if (t == 2) { /* sparse flow: splatted to round(x·sx), scaled, signs flipped */
        const float *v = target + CW * CH;
        for (int y = 0; y < CH; y++)
          for (int x = 0; x < CW; x++) {
            if (valid[y * CW + x] == 0.0f) continue;
            known++;
            int X = in->flipped ? sw - 1 - (in->crop_x + x) : in->crop_x + x;
            double src = fabs(target[y * CW + x]) / sx - 1; /* the source column */
            ck_assert_double_eq_tol(src, lround(src), 1e-3);
            ck_assert_int_eq(lround(lround(src) * sx), X);
            ck_assert((target[y * CW + x] < 0) == in->flipped);
            vflip |= v[y * CW + x] < 0;
          }
      } else { /* depth: a horizontal flip and a crop */
        for (int y = 0; y < CH; y++)
          for (int x = 0; x < CW; x++) {
            int X = in->flipped ? AW - 1 - (in->crop_x + x) : in->crop_x + x;
            ck_assert_float_eq(target[y * CW + x], 1.0f + X);
          }
        ck_assert(sx == 1.0);
      }
      vflips += vflip;
    }
    printf("dense augmentation, task %d: scaled %d, h-flipped %d, v-flipped %d of %d; known sparse flow %d\n", t,
           scaled, hflips, vflips, N, known);
    double rate_scaled[4] = {0.5, 0.8, 0.8, 0}, rate_h[4] = {0, 0.5, 0.5, 0.5}, rate_v[4] = {0.5, 0.1, 0.1, 0};
    ck_assert_double_eq_tol(scaled / (double)N, rate_scaled[t], 0.08);
    ck_assert_double_eq_tol(hflips / (double)N, rate_h[t], 0.08);
    ck_assert_double_eq_tol(vflips / (double)N, rate_v[t], 0.06);
    loader_close(l);
  }
}
END_TEST

START_TEST(point_cloud_augmentation) {
  /* a quarter turn about the range box's centre, then scale and mirror */
  geocl_points_augment a = {(float)M_PI_2, 2.0f, 1, {35.2f, 0.0f, -1.0f}};
  float p[4] = {36.2f, 0.0f, 0.5f, 0.7f};
  geocl_points_augment_apply(&a, p, 1, 4);
  ck_assert_float_eq_tol(p[0], 70.4f, 1e-4f);
  ck_assert_float_eq_tol(p[1], 2.0f, 1e-4f); /* (35.2, -1) scaled to (70.4, -2), mirrored */
  ck_assert_float_eq_tol(p[2], 1.0f, 1e-6f);
  ck_assert_float_eq(p[3], 0.7f);
  geocl_points_augment_invert(&a, p, 1, 4);
  ck_assert_float_eq_tol(p[0], 36.2f, 1e-4f);
  ck_assert_float_eq_tol(p[1], 0.0f, 1e-4f);
  ck_assert_float_eq_tol(p[2], 0.5f, 1e-6f);

  int flips = 0;
  for (int i = 0; i < 2000; i++) {
    geocl_points_augment d, again;
    geocl_points_augment_draw(9, 1, i, &d);
    geocl_points_augment_draw(9, 1, i, &again);
    ck_assert(!memcmp(&d, &again, sizeof d));
    ck_assert(d.theta >= -(float)M_PI_2 && d.theta < (float)M_PI_2 && d.scale >= 0.75f && d.scale < 1.25f);
    flips += d.flip_y;
    float q[3] = {12.0f - i % 7, 3.0f + i % 5, -1.5f}; /* xyz only: stride 3 */
    geocl_points_augment_apply(&d, q, 1, 3);
    geocl_points_augment_invert(&d, q, 1, 3);
    ck_assert_float_eq_tol(q[0], 12.0f - i % 7, 1e-4f);
    ck_assert_float_eq_tol(q[1], 3.0f + i % 5, 1e-4f);
    ck_assert_float_eq_tol(q[2], -1.5f, 1e-5f);
  }
  ck_assert_int_gt(flips, 900);
  ck_assert_int_lt(flips, 1100);

  /* the range filter on the velodyne fixture: the point behind (x < 0) goes */
  char path[4096];
  snprintf(path, sizeof path, "%s/data/velodyne.bin", getenv("GEOCL_FIXTURES"));
  float *pts;
  int64_t n;
  ck_assert_ok(geocl_velodyne_read(path, &pts, &n));
  ck_assert_int_eq(geocl_points_range_filter(pts, n, pts), 4);
  ck_assert_float_eq(pts[8], 0.125f);
  free(pts);

  int64_t index[10];
  geocl_points_subsample(4, 0, 7, 10, 6, index); /* without replacement */
  for (int i = 0; i < 6; i++) {
    ck_assert(index[i] >= 0 && index[i] < 10);
    for (int j = 0; j < i; j++) ck_assert_int_ne(index[i], index[j]);
  }
  geocl_points_subsample(4, 0, 7, 3, 8, index); /* with replacement */
  for (int i = 0; i < 8; i++) ck_assert(index[i] >= 0 && index[i] < 3);
}
END_TEST

/* geocl_data_source_restrict: a window onto the samples of a source as
 * opened (the held-out split of --val-fraction): sample i is the source's
 * first + i, byte for byte; a range outside the source is refused. */
START_TEST(restricted_source_is_a_window) {
  geocl_source_opts o;
  geocl_source_opts_default(&o);
  o.synthetic_pairs = 6;
  o.synthetic_width = o.synthetic_height = 32;
  geocl_data_source *all, *part;
  ck_assert_ok(geocl_data_source_open("synthetic", &o, &all));
  ck_assert_ok(geocl_data_source_open("synthetic", &o, &part));
  ck_assert_ok(geocl_data_source_restrict(part, 4, 2));
  ck_assert_int_eq(geocl_data_source_size(part), 2);
  for (int i = 0; i < 2; i++) {
    geocl_raw_sample want, got;
    ck_assert_ok(geocl_data_source_read(all, 4 + i, &want));
    ck_assert_ok(geocl_data_source_read(part, i, &got));
    ck_assert_int_eq(memcmp(want.image1.data, got.image1.data, 32 * 32 * 3), 0);
    ck_assert_int_eq(memcmp(want.image2.data, got.image2.data, 32 * 32 * 3), 0);
    geocl_raw_sample_free(&want);
    geocl_raw_sample_free(&got);
  }
  geocl_raw_sample s;
  ck_assert_int_eq(geocl_data_source_read(part, 2, &s), GEOCL_E_INVALID); /* past the window */
  ck_assert_ok(geocl_data_source_restrict(part, 0, 6)); /* again: within the source as opened */
  ck_assert_int_eq(geocl_data_source_size(part), 6);
  ck_assert_int_eq(geocl_data_source_restrict(part, 5, 2), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "samples 5 to 6 are not within its 6 samples"));
  ck_assert_int_eq(geocl_data_source_restrict(part, 0, 0), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_data_source_restrict(part, -1, 2), GEOCL_E_INVALID);
  geocl_data_source_close(all);
  geocl_data_source_close(part);
}
END_TEST

static Suite *suite(void) {
  Suite *s = suite_create("data_loader");
  TCase *t = tcase_create("loader");
  tcase_set_timeout(t, 60);
  tcase_add_test(t, epochs_shuffle_and_drop_the_last_batch);
  tcase_add_test(t, same_batches_whatever_the_threads);
  tcase_add_test(t, resumes_exactly_from_a_saved_position);
  tcase_add_test(t, synthetic_source);
  tcase_add_test(t, restricted_source_is_a_window);
  tcase_add_test(t, errors_name_the_file);
  tcase_add_test(t, evaluation_order_keeps_every_sample);
  tcase_add_test(t, kitti_odometry_and_dense_pipeline);
  tcase_add_test(t, kitti_benchmark_sources);
  tcase_add_test(t, kitti_depth_source);
  tcase_add_test(t, dense_augmentation);
  suite_add_tcase(s, t);
  t = tcase_create("augment");
  tcase_add_test(t, augmentation_statistics);
  tcase_add_test(t, color_jitter_follows_pil);
  tcase_add_test(t, normalisation_is_imagenet);
  tcase_add_test(t, point_cloud_augmentation);
  suite_add_tcase(s, t);
  return s;
}

int main(void) { return test_run_suite(suite()); }
