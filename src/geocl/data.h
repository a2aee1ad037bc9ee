/* SPDX-License-Identifier: MIT */
/* Data: sources, sample pipelines and the loader that turns them into
 * batches of named fields (geocl/batch.h).
 *
 *   source    reads sample i of a data set as it is on disk (a raw sample:
 *             images at their own size, dense maps, a point cloud,
 *             calibration), and says which fields it can provide.  Built in:
 *             "synthetic" (pairs rendered on the fly), "pairs" (CroCo pair
 *             listings), "kitti-odometry" (the layout `geocl synth` writes);
 *             more register themselves (geocl_data_source_register).
 *   pipeline  turns one raw sample into the fixed-size fields of a batch,
 *             with random draws keyed by (seed, epoch, position): "pair"
 *             (CroCo's crops and colour jitter), "dense" (one crop and flip
 *             shared by images and dense targets).  More can register.
 *   loader    worker threads run source + pipeline ahead of training into a
 *             ring of host batches, in a per-epoch random order (or in order,
 *             for evaluation).  What a batch holds is a pure function of its
 *             place in the stream, so runs are deterministic whatever the
 *             thread count, and a run reopened at a saved position continues
 *             exactly. */
#ifndef GEOCL_DATA_H
#define GEOCL_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include <geocl/batch.h>
#include <geocl/image.h>
#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- raw samples ---- */

/* One sample as a source reads it.  Absent images have data == NULL; every
 * member is owned by the sample (geocl_raw_sample_free). */
typedef struct geocl_raw_sample {
  geocl_image image1, image2; /* 8-bit RGB */
  geocl_image depth;          /* F32, 1 channel: metres, 0 = unknown */
  geocl_image disparity;      /* F32, 1 channel: pixels of image1 (left), 0 = unknown */
  geocl_image flow;           /* F32, 3 channels: u, v, valid (0/1) */
  float *points;              /* [n_points, 4] */
  int64_t n_points;
  double lidar2img[16];       /* 4×4 row-major, to image1's pixels (valid when the field is in `has`) */
  double pose[16];            /* 4×4 row-major, image1's camera to image2's */
  geocl_fields has;           /* the fields this sample holds */
  char name[160];             /* for messages: a file, a frame, a pair */
} geocl_raw_sample;

void geocl_raw_sample_free(geocl_raw_sample *s);

/* ---- sources ---- */

typedef struct geocl_source_opts {
  geocl_fields needs;            /* what the task needs: a source may choose its units by it
                                  * (kitti-odometry: frames, or pairs when image2 is needed) */
  uint64_t seed;                 /* "synthetic": the scenes */
  int64_t synthetic_pairs;       /* "synthetic": samples per epoch (default 10000) */
  int synthetic_width, synthetic_height; /* "synthetic": rendered size (default 256×256) */
} geocl_source_opts;

void geocl_source_opts_default(geocl_source_opts *o);

typedef struct geocl_data_source_type {
  const char *name;    /* as --data-format takes it */
  const char *summary; /* one line for --help */
  /* Does path hold this layout?  (Cheap checks of file names only.) */
  bool (*detect)(const char *path);
  geocl_status (*open)(const char *path, const geocl_source_opts *opts, void **state);
  int64_t (*size)(void *state);
  geocl_fields (*fields)(void *state);
  /* Read sample index into out (zeroed by the caller).  Called from several
   * threads at once: *thread is the calling thread's scratch, NULL on its
   * first call (the source may allocate it; freed by thread_free). */
  geocl_status (*read)(void *state, void **thread, int64_t index, geocl_raw_sample *out);
  void (*thread_free)(void *state, void *thread); /* may be NULL */
  void (*close)(void *state);
} geocl_data_source_type;

/* Add a source type (a plugin's own layout); names are unique. */
geocl_status geocl_data_source_register(const geocl_data_source_type *type);
/* Every registered type (built-ins first); do not free. */
void geocl_data_source_types(const geocl_data_source_type *const **types, int *count);

typedef struct geocl_data_source geocl_data_source;

/* Open `spec`: "synthetic", a directory (its layout detected), or
 * "TYPE:path" to name the layout.  Errors name the path and, when nothing
 * matches, the layouts tried. */
geocl_status geocl_data_source_open(const char *spec, const geocl_source_opts *opts, geocl_data_source **out);
void geocl_data_source_close(geocl_data_source *s);
int64_t geocl_data_source_size(const geocl_data_source *s);
geocl_fields geocl_data_source_fields(const geocl_data_source *s);
const char *geocl_data_source_type_name(const geocl_data_source *s);
const char *geocl_data_source_path(const geocl_data_source *s);
/* Read sample `index` (0 <= index < size) as it is on disk, e.g. for full-size
 * evaluation; out is freed with geocl_raw_sample_free (also after an error). */
geocl_status geocl_data_source_read(const geocl_data_source *s, int64_t index, geocl_raw_sample *out);
/* Narrow s to its samples [first, first + count): its size becomes count and
 * its sample i the source's sample first + i (a held-out split: the training
 * part and the validation part are two opened sources, each restricted).
 * Refused unless count >= 1 and the range lies within the source as opened. */
geocl_status geocl_data_source_restrict(geocl_data_source *s, int64_t first, int64_t count);
/* Fails with one line unless the source provides every field of `needs`,
 * naming who needs them: "task stereo needs disparity; kitti-odometry at D
 * provides image1, ..." */
geocl_status geocl_data_source_check(const geocl_data_source *s, const char *who, geocl_fields needs);

/* ---- pipelines ---- */

/* What a task asks of its data (from the plugin's input_size and fields). */
typedef struct geocl_data_spec {
  int64_t height, width; /* image fields' size (0 for tasks without images) */
  int64_t points;        /* points per sample (0: none) */
  int64_t resize_long[2], resize_short[2]; /* multi-scale resize ranges (geocl_input_size) */
  geocl_fields fields;   /* the fields to make */
  bool augment;          /* random augmentation (training) or the deterministic
                          * evaluation transform (centre crop, no jitter) */
} geocl_data_spec;

/* The shape and type of one field of one sample (without the batch dim). */
typedef struct geocl_field_layout {
  const char *name;
  geocl_dtype dtype;
  int ndim;
  int64_t shape[GEOCL_MAX_DIMS - 1];
} geocl_field_layout;

/* Where a sample sits in the stream; its random draws are keyed by it. */
typedef struct geocl_sample_key {
  uint64_t seed;
  int64_t epoch, position;
} geocl_sample_key;

typedef struct geocl_pipeline_type {
  const char *name;
  const char *summary;
  /* The fields (at most GEOCL_BATCH_MAX_FIELDS) it makes for spec. */
  geocl_status (*layout)(const geocl_data_spec *spec, geocl_field_layout *fields, int *n);
  /* Make one sample: out[i] points at the sample's slot of field i (as
   * layout ordered them).  info is pre-filled with index/epoch/position/name.
   * Called from several threads at once (no shared mutable state). */
  geocl_status (*make)(const geocl_data_spec *spec, const geocl_raw_sample *raw, const geocl_sample_key *key,
                       void *const *out, geocl_sample_info *info);
} geocl_pipeline_type;

geocl_status geocl_pipeline_register(const geocl_pipeline_type *type);
/* The pipeline named `name` (E_NOT_FOUND lists the known ones). */
geocl_status geocl_pipeline_find(const char *name, const geocl_pipeline_type **out);

/* ---- the loader ---- */

/* A place in the data stream: the epoch and how many of its samples came before. */
typedef struct geocl_data_position {
  int64_t epoch, index;
} geocl_data_position;

typedef struct geocl_loader_config {
  geocl_data_source *source;  /* not owned */
  const char *pipeline;       /* default "pair" */
  geocl_data_spec spec;
  int batch_size;
  uint64_t seed;
  bool shuffle;               /* a fresh random order per epoch (training, default); off: in order */
  geocl_data_position start;  /* where to begin: {0, 0}, or a saved `next` */
  int queue_depth;            /* batches prepared ahead (default 2) */
  int workers;                /* threads (default 1) */
  /* data-parallel training: this process makes part `shard` of `shards`
   * equal parts of every batch (batch_size is the global batch and must
   * divide by shards; positions stay global).  Default 0 of 1. */
  int shard, shards;
} geocl_loader_config;

void geocl_loader_config_default(geocl_loader_config *config);

/* A batch on the host: field i is data[i], layout fields[i] with the batch
 * dimension in front. */
typedef struct geocl_host_batch {
  int batch;
  int n;
  geocl_field_layout fields[GEOCL_BATCH_MAX_FIELDS];
  void *data[GEOCL_BATCH_MAX_FIELDS];
  geocl_sample_info *info;      /* [batch] */
  geocl_data_position position; /* of the batch's first sample */
  geocl_data_position next;     /* of the batch after it */
} geocl_host_batch;

typedef struct geocl_loader geocl_loader;

geocl_status geocl_loader_open(const geocl_loader_config *config, geocl_loader **out);
/* The next batch, waiting for it when it is not ready; valid until the next
 * call or close.  Each epoch drops its last incomplete batch.  A sample that
 * fails stops the stream: this and every later call return its error
 * (naming the sample). */
geocl_status geocl_loader_next(geocl_loader *l, const geocl_host_batch **batch);
int64_t geocl_loader_samples(const geocl_loader *l); /* per epoch */
int64_t geocl_loader_batches_per_epoch(const geocl_loader *l);
void geocl_loader_close(geocl_loader *l);

/* The device batch of a host batch: one upload per field, training and step
 * as given. */
geocl_status geocl_batch_upload(geocl_ctx *ctx, const geocl_host_batch *host, bool training, int64_t step,
                                geocl_batch *out);

#ifdef __cplusplus
}
#endif
#endif
