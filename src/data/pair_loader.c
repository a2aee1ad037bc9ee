/* SPDX-License-Identifier: MIT */
/* The pair loader: worker threads fill a ring of batch slots in sequence
 * order; the consumer takes them in the same order.
 *
 * Batch number s (counted from the start position) is made by worker
 * s % workers into slot s % slots.  A worker may fill a slot once the
 * consumer has released the batch that was there before; the consumer keeps
 * the batch it was last given until its next call.  What a batch holds is a
 * pure function of its place, so the result does not depend on which thread
 * made it or when. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/pair_loader.h>
#include <geocl/pairs.h>
#include <geocl/synth.h>

#include "keyed_rng.h"

#define MAX_WORKERS 64

typedef struct slot {
  geocl_pair_batch batch;
  int64_t seq; /* the batch it holds, -1 while empty */
  geocl_status status;
  char message[1024];
} slot;

typedef struct worker {
  geocl_pair_loader *loader;
  int index, started;
  pthread_t thread;
  int64_t perm_epoch; /* the epoch whose order perm holds, -1 for none */
  int32_t *perm;
  uint8_t *crop;                  /* crop scratch */
  geocl_synth_renderer *renderer; /* synthetic source */
  uint8_t *rgb[2];
} worker;

struct geocl_pair_loader {
  geocl_pair_loader_config config;
  int synthetic;
  geocl_pair_list pairs;
  int64_t n, batches_per_epoch;
  geocl_data_position start; /* normalised: a full batch fits after it */
  slot *slots;
  int n_slots;
  worker *workers;
  pthread_mutex_t lock;
  pthread_cond_t changed;
  int64_t released; /* batches the consumer is done with */
  int64_t next_seq; /* the batch the consumer gets next */
  int holding;      /* the consumer holds batch next_seq - 1 */
  int stop;
  geocl_status failed; /* sticky error */
  char failed_message[1024];
};

void geocl_pair_loader_config_default(geocl_pair_loader_config *c) {
  memset(c, 0, sizeof *c);
  c->batch_size = 64;
  c->crop_width = c->crop_height = 224;
  c->color_jitter = 1;
  c->queue_depth = 2;
  c->workers = 1;
  c->synthetic_pairs = 10000;
  c->synthetic_width = c->synthetic_height = 256;
}

/* The place of batch seq: the rest of the starting epoch, then whole epochs. */
static geocl_data_position batch_place(const geocl_pair_loader *l, int64_t seq) {
  int64_t b = l->config.batch_size, first = (l->n - l->start.index) / b;
  if (seq < first) return (geocl_data_position){l->start.epoch, l->start.index + seq * b};
  seq -= first;
  return (geocl_data_position){l->start.epoch + 1 + seq / l->batches_per_epoch, (seq % l->batches_per_epoch) * b};
}

static void epoch_order(worker *w, int64_t epoch) {
  if (w->perm_epoch == epoch) return;
  const geocl_pair_loader *l = w->loader;
  keyed_rng rng;
  keyed_rng_init(&rng, l->config.seed, KEYED_SHUFFLE, 0, (uint32_t)epoch);
  for (int64_t i = 0; i < l->n; i++) w->perm[i] = (int32_t)i;
  for (int64_t i = l->n - 1; i > 0; i--) {
    int64_t j = keyed_below(&rng, (uint32_t)(i + 1));
    int32_t t = w->perm[i];
    w->perm[i] = w->perm[j];
    w->perm[j] = t;
  }
  w->perm_epoch = epoch;
}

/* Pair `index` as two 8-bit RGB images. */
static geocl_status load_pair(worker *w, int64_t index, geocl_image img[2]) {
  const geocl_pair_loader *l = w->loader;
  memset(img, 0, 2 * sizeof *img);
  if (l->synthetic) {
    for (int k = 0; k < 2; k++)
      img[k] = (geocl_image){l->config.synthetic_width, l->config.synthetic_height, 3, GEOCL_SAMPLE_U8, w->rgb[k]};
    return geocl_synth_pair(w->renderer, l->config.seed, index, w->rgb[0], w->rgb[1]);
  }
  const char *paths[2] = {l->pairs.first[index], l->pairs.second[index]};
  for (int k = 0; k < 2; k++) {
    geocl_image raw;
    geocl_status st = geocl_image_read(paths[k], &raw);
    if (st == GEOCL_OK && (raw.type != GEOCL_SAMPLE_U8 || raw.channels != 3)) {
      st = geocl_image_to_rgb8(&raw, &img[k]);
      geocl_image_free(&raw);
    } else {
      img[k] = raw;
    }
    if (st != GEOCL_OK) {
      geocl_image_free(&img[0]);
      return st;
    }
  }
  return GEOCL_OK;
}

static void free_pair(const worker *w, geocl_image img[2]) {
  if (w->loader->synthetic) return; /* the worker's own buffers */
  geocl_image_free(&img[0]);
  geocl_image_free(&img[1]);
}

static geocl_status make_batch(worker *w, int64_t seq, geocl_pair_batch *batch) {
  const geocl_pair_loader *l = w->loader;
  const geocl_pair_loader_config *c = &l->config;
  geocl_data_position place = batch_place(l, seq);
  batch->position = place;
  batch->next = batch_place(l, seq + 1);
  epoch_order(w, place.epoch);
  size_t image_floats = (size_t)3 * c->crop_width * c->crop_height;
  for (int j = 0; j < c->batch_size; j++) {
    int64_t position = place.index + j, index = w->perm[position];
    geocl_image img[2];
    geocl_status st = load_pair(w, index, img);
    if (st != GEOCL_OK) return st;
    geocl_pair_augment aug;
    const int size1[2] = {img[0].width, img[0].height}, size2[2] = {img[1].width, img[1].height};
    st = geocl_pair_augment_draw(c->seed, place.epoch, position, size1, size2, c->crop_width, c->crop_height,
                                 c->color_jitter, &aug);
    float *out[2] = {batch->image1 + j * image_floats, batch->image2 + j * image_floats};
    for (int k = 0; st == GEOCL_OK && k < 2; k++)
      st = geocl_crop_normalize(&img[k], aug.crop_x[k], aug.crop_y[k], c->crop_width, c->crop_height, &aug.jitter[k],
                                w->crop, out[k]);
    free_pair(w, img);
    if (st != GEOCL_OK) {
      if (l->synthetic)
        geocl_error_prefix("synthetic pair %lld", (long long)index);
      else
        geocl_error_prefix("pair %s %s", l->pairs.first[index], l->pairs.second[index]);
      return st;
    }
  }
  return GEOCL_OK;
}

static void *work(void *arg) {
  worker *w = arg;
  geocl_pair_loader *l = w->loader;
  for (int64_t seq = w->index;; seq += l->config.workers) {
    slot *s = &l->slots[seq % l->n_slots];
    pthread_mutex_lock(&l->lock);
    while (!l->stop && seq >= l->released + l->n_slots) pthread_cond_wait(&l->changed, &l->lock);
    int stop = l->stop;
    pthread_mutex_unlock(&l->lock);
    if (stop) break;
    geocl_status st = make_batch(w, seq, &s->batch);
    pthread_mutex_lock(&l->lock);
    s->status = st;
    if (st != GEOCL_OK) snprintf(s->message, sizeof s->message, "%s", geocl_last_error());
    s->seq = seq;
    pthread_cond_broadcast(&l->changed);
    pthread_mutex_unlock(&l->lock);
    if (st != GEOCL_OK) break; /* the consumer stops here too */
  }
  return NULL;
}

geocl_status geocl_pair_loader_next(geocl_pair_loader *l, const geocl_pair_batch **batch) {
  *batch = NULL;
  pthread_mutex_lock(&l->lock);
  if (l->holding) {
    l->released++;
    l->holding = 0;
    pthread_cond_broadcast(&l->changed);
  }
  slot *s = &l->slots[l->next_seq % l->n_slots];
  while (!l->failed && s->seq != l->next_seq) pthread_cond_wait(&l->changed, &l->lock);
  if (!l->failed && s->status != GEOCL_OK) {
    l->failed = s->status;
    memcpy(l->failed_message, s->message, sizeof l->failed_message);
  }
  geocl_status st = l->failed;
  if (st == GEOCL_OK) {
    *batch = &s->batch;
    l->next_seq++;
    l->holding = 1;
  }
  pthread_mutex_unlock(&l->lock);
  if (st != GEOCL_OK) return geocl_set_error(st, "%s", l->failed_message);
  return GEOCL_OK;
}

int64_t geocl_pair_loader_pairs(const geocl_pair_loader *l) { return l->n; }

int64_t geocl_pair_loader_batches_per_epoch(const geocl_pair_loader *l) { return l->batches_per_epoch; }

void geocl_pair_loader_close(geocl_pair_loader *l) {
  if (!l) return;
  pthread_mutex_lock(&l->lock);
  l->stop = 1;
  pthread_cond_broadcast(&l->changed);
  pthread_mutex_unlock(&l->lock);
  for (int i = 0; l->workers && i < l->config.workers; i++) {
    worker *w = &l->workers[i];
    if (w->started) pthread_join(w->thread, NULL);
    free(w->perm);
    free(w->crop);
    geocl_synth_renderer_free(w->renderer);
    free(w->rgb[0]);
    free(w->rgb[1]);
  }
  for (int i = 0; l->slots && i < l->n_slots; i++) {
    free(l->slots[i].batch.image1);
    free(l->slots[i].batch.image2);
  }
  free(l->slots);
  free(l->workers);
  geocl_pair_list_free(&l->pairs);
  pthread_cond_destroy(&l->changed);
  pthread_mutex_destroy(&l->lock);
  free(l);
}

static geocl_status check_config(const geocl_pair_loader_config *c) {
  if (!c->source || !*c->source) return geocl_set_error(GEOCL_E_INVALID, "pair loader: no source");
  if (c->batch_size < 1 || c->crop_width < 1 || c->crop_height < 1 || c->queue_depth < 1 || c->workers < 1 ||
      c->workers > MAX_WORKERS)
    return geocl_set_error(GEOCL_E_INVALID,
                           "pair loader: batch %d, crop %dx%d, queue %d, workers %d: each must be "
                           "at least 1 (workers at most %d)",
                           c->batch_size, c->crop_width, c->crop_height, c->queue_depth, c->workers, MAX_WORKERS);
  if (c->start.epoch < 0 || c->start.epoch > INT32_MAX || c->start.index < 0)
    return geocl_set_error(GEOCL_E_INVALID, "pair loader: start position (epoch %lld, index %lld) is out of range",
                           (long long)c->start.epoch, (long long)c->start.index);
  if (!strcmp(c->source, "synthetic") &&
      (c->synthetic_pairs < 1 || c->synthetic_width < c->crop_width || c->synthetic_height < c->crop_height))
    return geocl_set_error(GEOCL_E_INVALID,
                           "pair loader: synthetic source of %lld pairs of %dx%d cannot give %dx%d "
                           "crops",
                           (long long)c->synthetic_pairs, c->synthetic_width, c->synthetic_height, c->crop_width,
                           c->crop_height);
  return GEOCL_OK;
}

static geocl_status open_source(geocl_pair_loader *l) {
  const geocl_pair_loader_config *c = &l->config;
  l->synthetic = !strcmp(c->source, "synthetic");
  if (l->synthetic) {
    l->n = c->synthetic_pairs;
  } else {
    geocl_status st = geocl_pairs_read_dir(c->source, &l->pairs);
    if (st != GEOCL_OK) return st;
    l->n = l->pairs.count;
  }
  if (l->n > INT32_MAX)
    return geocl_set_error(GEOCL_E_INVALID, "%s: %lld pairs, more than supported", c->source, (long long)l->n);
  if (l->n < c->batch_size)
    return geocl_set_error(GEOCL_E_INVALID, "%s: %lld pairs, fewer than one batch of %d", c->source, (long long)l->n,
                           c->batch_size);
  if (c->start.index > l->n)
    return geocl_set_error(GEOCL_E_INVALID, "pair loader: start index %lld is past the %lld pairs of an epoch",
                           (long long)c->start.index, (long long)l->n);
  l->batches_per_epoch = l->n / c->batch_size;
  l->start = c->start;
  if (l->start.index + c->batch_size > l->n) l->start = (geocl_data_position){c->start.epoch + 1, 0};
  return GEOCL_OK;
}

static geocl_status start_workers(geocl_pair_loader *l) {
  const geocl_pair_loader_config *c = &l->config;
  size_t image_floats = (size_t)3 * c->crop_width * c->crop_height * c->batch_size;
  l->n_slots = c->queue_depth + 1; /* one more for the batch the consumer holds */
  l->slots = calloc((size_t)l->n_slots, sizeof *l->slots);
  l->workers = calloc((size_t)c->workers, sizeof *l->workers);
  if (!l->slots || !l->workers) return geocl_set_error(GEOCL_E_NOMEM, "pair loader: out of memory");
  for (int i = 0; i < l->n_slots; i++) {
    slot *s = &l->slots[i];
    s->seq = -1;
    s->batch.batch = c->batch_size;
    s->batch.height = c->crop_height;
    s->batch.width = c->crop_width;
    s->batch.image1 = malloc(image_floats * sizeof(float));
    s->batch.image2 = malloc(image_floats * sizeof(float));
    if (!s->batch.image1 || !s->batch.image2)
      return geocl_set_error(GEOCL_E_NOMEM, "pair loader: out of memory for batches of %d pairs of %dx%d crops",
                             c->batch_size, c->crop_width, c->crop_height);
  }
  for (int i = 0; i < c->workers; i++) {
    worker *w = &l->workers[i];
    w->loader = l;
    w->index = i;
    w->perm_epoch = -1;
    w->perm = malloc((size_t)l->n * sizeof *w->perm);
    w->crop = malloc((size_t)3 * c->crop_width * c->crop_height);
    if (!w->perm || !w->crop) return geocl_set_error(GEOCL_E_NOMEM, "pair loader: out of memory");
    if (l->synthetic) {
      size_t bytes = (size_t)3 * c->synthetic_width * c->synthetic_height;
      w->renderer = geocl_synth_renderer_new(c->synthetic_width, c->synthetic_height);
      if (!w->renderer) return geocl_last_status();
      w->rgb[0] = malloc(bytes);
      w->rgb[1] = malloc(bytes);
      if (!w->rgb[0] || !w->rgb[1]) return geocl_set_error(GEOCL_E_NOMEM, "pair loader: out of memory");
    }
  }
  for (int i = 0; i < c->workers; i++) {
    worker *w = &l->workers[i];
    if (pthread_create(&w->thread, NULL, work, w) != 0)
      return geocl_set_error(GEOCL_E_NOMEM, "pair loader: cannot start worker thread %d", i);
    w->started = 1;
  }
  return GEOCL_OK;
}

geocl_status geocl_pair_loader_open(const geocl_pair_loader_config *config, geocl_pair_loader **out) {
  *out = NULL;
  geocl_status st = check_config(config);
  if (st != GEOCL_OK) return st;
  geocl_pair_loader *l = calloc(1, sizeof *l);
  if (!l) return geocl_set_error(GEOCL_E_NOMEM, "pair loader: out of memory");
  l->config = *config;
  pthread_mutex_init(&l->lock, NULL);
  pthread_cond_init(&l->changed, NULL);
  st = open_source(l);
  if (st == GEOCL_OK) st = start_workers(l);
  if (st != GEOCL_OK) {
    geocl_pair_loader_close(l);
    return st;
  }
  *out = l;
  return GEOCL_OK;
}
