/* SPDX-License-Identifier: MIT */
/* The loader: worker threads fill a ring of batch slots in sequence order;
 * the consumer takes them in the same order.
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

#include <geocl/data.h>

#include "data/sources.h"

#define MAX_WORKERS 64

typedef struct slot {
  geocl_host_batch batch;
  int64_t seq; /* the batch it holds, -1 while empty */
  geocl_status status;
  char message[1024];
} slot;

typedef struct worker {
  geocl_loader *loader;
  int index, started;
  pthread_t thread;
  int64_t perm_epoch; /* the epoch whose order perm holds, -1 for none */
  int32_t *perm;
  void *source_scratch;
} worker;

struct geocl_loader {
  geocl_loader_config config;
  const geocl_pipeline_type *pipeline;
  geocl_field_layout fields[GEOCL_BATCH_MAX_FIELDS];
  size_t field_bytes[GEOCL_BATCH_MAX_FIELDS]; /* per sample */
  int n_fields;
  int64_t n, batches_per_epoch;
  geocl_data_position start; /* normalised: a batch starts there */
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

void geocl_loader_config_default(geocl_loader_config *c) {
  memset(c, 0, sizeof *c);
  c->pipeline = "pair";
  c->batch_size = 64;
  c->shuffle = true;
  c->queue_depth = 2;
  c->workers = 1;
  c->shards = 1;
}

/* Samples of batch b of an epoch: whole batches when shuffling (the last
 * incomplete one dropped), else every sample (the last batch may be short).
 * This process makes its shard of them: [first, first + count). */
static void batch_share(const geocl_loader *l, int64_t index, int64_t *first, int *count) {
  int64_t left = l->n - index, b = left < l->config.batch_size ? left : l->config.batch_size;
  int64_t per = (b + l->config.shards - 1) / l->config.shards, start = per * l->config.shard;
  *first = start < b ? start : b;
  *count = (int)((start + per < b ? start + per : b) - *first);
}

/* The place of batch seq: the rest of the starting epoch, then whole epochs. */
static geocl_data_position batch_place(const geocl_loader *l, int64_t seq) {
  int64_t b = l->config.batch_size, left = l->n - l->start.index;
  int64_t first = l->config.shuffle ? left / b : (left + b - 1) / b; /* batches left in the starting epoch */
  if (seq < first) return (geocl_data_position){l->start.epoch, l->start.index + seq * b};
  seq -= first;
  return (geocl_data_position){l->start.epoch + 1 + seq / l->batches_per_epoch, (seq % l->batches_per_epoch) * b};
}

static void epoch_order(worker *w, int64_t epoch) {
  if (w->perm_epoch == epoch) return;
  const geocl_loader *l = w->loader;
  if (l->config.shuffle) {
    geocl_keyed_rng rng;
    geocl_keyed_init(&rng, l->config.seed, GEOCL_STREAM_SHUFFLE, 0, (uint32_t)epoch);
    geocl_keyed_permutation(&rng, w->perm, (size_t)l->n);
  } else {
    for (int64_t i = 0; i < l->n; i++) w->perm[i] = (int32_t)i;
  }
  w->perm_epoch = epoch;
}

static geocl_status make_sample(worker *w, int64_t epoch, int64_t position, int j, geocl_host_batch *batch) {
  const geocl_loader *l = w->loader;
  int64_t index = w->perm[position];
  geocl_sample_info *info = &batch->info[j];
  memset(info, 0, sizeof *info);
  info->index = index;
  info->epoch = epoch;
  info->position = position;
  info->seed = l->config.seed;
  geocl_raw_sample raw;
  geocl_status st = source_read(l->config.source, &w->source_scratch, index, &raw);
  snprintf(info->name, sizeof info->name, "%s", raw.name);
  if (st == GEOCL_OK) {
    void *out[GEOCL_BATCH_MAX_FIELDS];
    for (int f = 0; f < l->n_fields; f++) out[f] = (char *)batch->data[f] + (size_t)j * l->field_bytes[f];
    geocl_sample_key key = {l->config.seed, epoch, position};
    st = l->pipeline->make(&l->config.spec, &raw, &key, out, info);
    geocl_raw_sample_free(&raw);
  }
  if (st != GEOCL_OK && info->name[0]) geocl_error_prefix("%s", info->name);
  return st;
}

static geocl_status make_batch(worker *w, int64_t seq, geocl_host_batch *batch) {
  const geocl_loader *l = w->loader;
  geocl_data_position place = batch_place(l, seq);
  batch->position = place;
  batch->next = batch_place(l, seq + 1);
  int64_t first;
  batch_share(l, place.index, &first, &batch->batch);
  epoch_order(w, place.epoch);
  for (int j = 0; j < batch->batch; j++) {
    geocl_status st = make_sample(w, place.epoch, place.index + first + j, j, batch);
    if (st != GEOCL_OK) return st;
  }
  return GEOCL_OK;
}

static void *work(void *arg) {
  worker *w = arg;
  geocl_loader *l = w->loader;
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

geocl_status geocl_loader_next(geocl_loader *l, const geocl_host_batch **batch) {
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

int64_t geocl_loader_samples(const geocl_loader *l) { return l->n; }

int64_t geocl_loader_batches_per_epoch(const geocl_loader *l) { return l->batches_per_epoch; }

void geocl_loader_close(geocl_loader *l) {
  if (!l) return;
  pthread_mutex_lock(&l->lock);
  l->stop = 1;
  pthread_cond_broadcast(&l->changed);
  pthread_mutex_unlock(&l->lock);
  for (int i = 0; l->workers && i < l->config.workers; i++) {
    worker *w = &l->workers[i];
    if (w->started) pthread_join(w->thread, NULL);
    free(w->perm);
    source_thread_free(l->config.source, w->source_scratch);
  }
  for (int i = 0; l->slots && i < l->n_slots; i++) {
    for (int f = 0; f < l->n_fields; f++) free(l->slots[i].batch.data[f]);
    free(l->slots[i].batch.info);
  }
  free(l->slots);
  free(l->workers);
  pthread_cond_destroy(&l->changed);
  pthread_mutex_destroy(&l->lock);
  free(l);
}

static geocl_status check_config(const geocl_loader_config *c) {
  if (!c->source) return geocl_set_error(GEOCL_E_INVALID, "loader: no data source");
  if (c->shards < 1 || c->shard < 0 || c->shard >= c->shards || c->batch_size % c->shards)
    return geocl_set_error(GEOCL_E_INVALID, "loader: batch %d cannot be split into %d equal shards", c->batch_size,
                           c->shards);
  if (c->batch_size < 1 || c->queue_depth < 1 || c->workers < 1 || c->workers > MAX_WORKERS)
    return geocl_set_error(GEOCL_E_INVALID,
                           "loader: batch %d, queue %d, workers %d: each must be at least 1 (workers at most %d)",
                           c->batch_size, c->queue_depth, c->workers, MAX_WORKERS);
  if (c->start.epoch < 0 || c->start.epoch > INT32_MAX || c->start.index < 0)
    return geocl_set_error(GEOCL_E_INVALID, "loader: start position (epoch %lld, index %lld) is out of range",
                           (long long)c->start.epoch, (long long)c->start.index);
  return GEOCL_OK;
}

static geocl_status open_stream(geocl_loader *l) {
  const geocl_loader_config *c = &l->config;
  const char *path = geocl_data_source_path(c->source);
  l->n = geocl_data_source_size(c->source);
  if (l->n > INT32_MAX)
    return geocl_set_error(GEOCL_E_INVALID, "%s: %lld samples, more than supported", path, (long long)l->n);
  if (c->shuffle && l->n < c->batch_size)
    return geocl_set_error(GEOCL_E_INVALID, "%s: %lld samples, fewer than one batch of %d", path, (long long)l->n,
                           c->batch_size);
  if (c->start.index > l->n)
    return geocl_set_error(GEOCL_E_INVALID, "loader: start index %lld is past the %lld samples of an epoch",
                           (long long)c->start.index, (long long)l->n);
  l->batches_per_epoch = c->shuffle ? l->n / c->batch_size : (l->n + c->batch_size - 1) / c->batch_size;
  l->start = c->start;
  bool spent = c->shuffle ? l->start.index + c->batch_size > l->n : l->start.index >= l->n;
  if (spent) l->start = (geocl_data_position){c->start.epoch + 1, 0};
  return GEOCL_OK;
}

static geocl_status open_pipeline(geocl_loader *l) {
  /* a mask is drawn by the task when the data has none */
  geocl_fields needs = l->config.spec.fields & ~(1u << GEOCL_FIELD_MASK);
  geocl_status st = geocl_data_source_check(l->config.source, "the data spec", needs);
  if (st == GEOCL_OK) st = geocl_pipeline_find(l->config.pipeline ? l->config.pipeline : "pair", &l->pipeline);
  if (st == GEOCL_OK) st = l->pipeline->layout(&l->config.spec, l->fields, &l->n_fields);
  for (int f = 0; st == GEOCL_OK && f < l->n_fields; f++) {
    size_t n = 1;
    for (int d = 0; d < l->fields[f].ndim; d++) n *= (size_t)l->fields[f].shape[d];
    l->field_bytes[f] = n * 4;
  }
  return st;
}

static geocl_status start_workers(geocl_loader *l) {
  const geocl_loader_config *c = &l->config;
  l->n_slots = c->queue_depth + 1; /* one more for the batch the consumer holds */
  l->slots = calloc((size_t)l->n_slots, sizeof *l->slots);
  l->workers = calloc((size_t)c->workers, sizeof *l->workers);
  if (!l->slots || !l->workers) return geocl_set_error(GEOCL_E_NOMEM, "loader: out of memory");
  for (int i = 0; i < l->n_slots; i++) {
    geocl_host_batch *b = &l->slots[i].batch;
    l->slots[i].seq = -1;
    b->n = l->n_fields;
    memcpy(b->fields, l->fields, sizeof l->fields);
    b->info = calloc((size_t)(c->batch_size / c->shards), sizeof *b->info);
    if (!b->info) return geocl_set_error(GEOCL_E_NOMEM, "loader: out of memory");
    for (int f = 0; f < l->n_fields; f++)
      if (!(b->data[f] = malloc(l->field_bytes[f] * (size_t)(c->batch_size / c->shards))))
        return geocl_set_error(GEOCL_E_NOMEM, "loader: out of memory for batches of %d samples", c->batch_size);
  }
  for (int i = 0; i < c->workers; i++) {
    worker *w = &l->workers[i];
    w->loader = l;
    w->index = i;
    w->perm_epoch = -1;
    if (!(w->perm = malloc((size_t)l->n * sizeof *w->perm))) return geocl_set_error(GEOCL_E_NOMEM, "loader: out of memory");
  }
  for (int i = 0; i < c->workers; i++) {
    worker *w = &l->workers[i];
    if (pthread_create(&w->thread, NULL, work, w) != 0)
      return geocl_set_error(GEOCL_E_NOMEM, "loader: cannot start worker thread %d", i);
    w->started = 1;
  }
  return GEOCL_OK;
}

geocl_status geocl_loader_open(const geocl_loader_config *config, geocl_loader **out) {
  *out = NULL;
  geocl_status st = check_config(config);
  if (st != GEOCL_OK) return st;
  geocl_loader *l = calloc(1, sizeof *l);
  if (!l) return geocl_set_error(GEOCL_E_NOMEM, "loader: out of memory");
  l->config = *config;
  pthread_mutex_init(&l->lock, NULL);
  pthread_cond_init(&l->changed, NULL);
  st = open_stream(l);
  if (st == GEOCL_OK) st = open_pipeline(l);
  if (st == GEOCL_OK) st = start_workers(l);
  if (st != GEOCL_OK) {
    geocl_loader_close(l);
    return st;
  }
  *out = l;
  return GEOCL_OK;
}
