/* SPDX-License-Identifier: MIT */
/* Tiled inference of dense heads (naver/croco stereoflow/engine.py
 * tiled_pred): a model built for a fixed crop predicts a larger image pair
 * tile by tile, and the tiles are blended with weights from the head's
 * confidence.
 *
 * Along each axis of T pixels, windows of w pixels start at
 * rint(linspace(0, T − w, n)) with n = 1 + ceil((T − w)/((1 − overlap)·w))
 * (round half to even, as numpy); tiles go row by row.  A tile's weight per
 * pixel is ω = exp(−β·2(σ(c/βs) − ½)) ("conf_expsigmoid_β_βs"), ω =
 * exp(−β·c) ("conf_expbetaβ"), or 1 ("none" and heads without confidence),
 * c the raw confidence; the result is Σω·pred / (1e-16 + Σω) and likewise
 * the confidence.  An image smaller than the crop is first enlarged by
 * f = max(w/W, h/H) (bicubic, align_corners false; upstream uses max(w/W,
 * h/W), which can fall short of the crop), and the prediction and
 * confidence shrunk back the same way, the pixel channels (disparity and u
 * along x, v along y) scaled by the size ratio.
 *
 * The head's forward, without targets, must add "prediction" ([B, C, h, w]:
 * what the task predicts, e.g. disparity in pixels or depth in metres) and,
 * if it has one, "conf" ([B, 1, h, w], the raw confidence). */
#ifndef GEOCL_TILED_H
#define GEOCL_TILED_H

#include <geocl/dense_metrics.h>
#include <geocl/image.h>
#include <geocl/model.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_tile_opts {
  double overlap;        /* in [0, 1); default 0.7 (the official test default) */
  const char *conf_mode; /* NULL: the head's "tile_conf_mode" option, else "none" */
  int batch;             /* tiles per forward pass (default 1) */
} geocl_tile_opts;

void geocl_tile_opts_default(geocl_tile_opts *o);
/* The confidence mode tiles of m are weighted by: mode when not NULL, else
 * the head's "tile_conf_mode" option, else "none". */
const char *geocl_tile_conf_mode(const geocl_model *m, const char *mode);

/* The window offsets along one axis into offsets (room for max); returns
 * their number, or 0 with an error when window > total or overlap is out of
 * range. */
int geocl_tile_offsets(int total, int window, double overlap, int *offsets, int max);

/* A prediction of a whole image: pred [channels][height][width], conf
 * [height][width] (NULL when the head has none); malloc'd. */
typedef struct geocl_dense_prediction {
  int width, height, channels;
  float *pred, *conf;
  int tiles; /* tiles run */
} geocl_dense_prediction;

void geocl_dense_prediction_free(geocl_dense_prediction *p);

/* Predict image1 (and image2, for binocular heads), 8-bit RGB of one size,
 * with model m (a head of task `task`, which says which channels are pixel
 * offsets).  No gradients are recorded. */
geocl_status geocl_tiled_predict(geocl_model *m, geocl_dense_task task, const geocl_image *image1,
                                 const geocl_image *image2, const geocl_tile_opts *o, geocl_dense_prediction *out);

#ifdef __cplusplus
}
#endif
#endif
