/* SPDX-License-Identifier: MIT */
/* The CroCo pair loader: background threads decode image pairs (or render
 * them: source "synthetic"), augment them (geocl/augment.h: independent
 * crops, asymmetric colour jitter, ImageNet normalisation) and batch them
 * into host float buffers, a bounded number of batches ahead of training.
 *
 * Order.  Each epoch visits the pairs in a fresh random order (a permutation
 * that is a pure function of (seed, epoch)) and drops the last incomplete
 * batch.  Every random draw of a sample is a pure function of (seed, epoch,
 * position in the epoch), so the batches do not depend on the number of
 * threads or on timing, and a run that stops after a batch and is reopened at
 * that batch's `next` position continues exactly as if it had not stopped.
 * Store `next` in the checkpoint. */
#ifndef GEOCL_PAIR_LOADER_H
#define GEOCL_PAIR_LOADER_H

#include <stdint.h>

#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A place in the data stream: the epoch and how many of its samples came before. */
typedef struct geocl_data_position {
  int64_t epoch, index;
} geocl_data_position;

typedef struct geocl_pair_loader_config {
  const char *source; /* directory with pairs.txt or listing.txt, or "synthetic" */
  int batch_size;
  int crop_width, crop_height; /* default 224 x 224 */
  int color_jitter;            /* 1 (default): CroCo's asymmetric jitter; 0: crops only */
  uint64_t seed;
  geocl_data_position start; /* where to begin: {0, 0}, or a saved `next` */
  int queue_depth;           /* batches prepared ahead (default 2) */
  int workers;               /* threads (default 1) */
  /* source "synthetic": geocl_synth_pair samples 0 .. synthetic_pairs - 1 */
  int64_t synthetic_pairs;               /* pairs per epoch (default 10000) */
  int synthetic_width, synthetic_height; /* rendered size (default 256 x 256) */
} geocl_pair_loader_config;

void geocl_pair_loader_config_default(geocl_pair_loader_config *config);

typedef struct geocl_pair_batch {
  int batch, height, width;
  float *image1, *image2;       /* [batch][3][height][width]: image1 is masked, image2 the reference */
  geocl_data_position position; /* of the batch's first sample */
  geocl_data_position next;     /* of the batch after it */
} geocl_pair_batch;

typedef struct geocl_pair_loader geocl_pair_loader;

/* Read the listing (or set up the renderer) and start the threads. */
geocl_status geocl_pair_loader_open(const geocl_pair_loader_config *config, geocl_pair_loader **out);
/* The next batch, waiting for it when it is not ready.  It stays valid until
 * the next call or close.  A file that fails to decode stops the stream: this
 * and every later call return its error (naming the file). */
geocl_status geocl_pair_loader_next(geocl_pair_loader *loader, const geocl_pair_batch **batch);
int64_t geocl_pair_loader_pairs(const geocl_pair_loader *loader); /* per epoch */
int64_t geocl_pair_loader_batches_per_epoch(const geocl_pair_loader *loader);
void geocl_pair_loader_close(geocl_pair_loader *loader);

#ifdef __cplusplus
}
#endif
#endif
