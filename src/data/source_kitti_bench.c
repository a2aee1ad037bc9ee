/* SPDX-License-Identifier: MIT */
/* Sources "kitti" and "kitti-noc": the KITTI 2012 and 2015 stereo and flow
 * benchmarks as they are downloaded (and as `geocl synth --layout kitti2015`
 * writes them).  Under root/training (or root itself, e.g. testing/):
 *
 *                 KITTI 2015          KITTI 2012
 *   left images   image_2/N_10.png    colored_0/N_10.png   (N_11: the next frame)
 *   right images  image_3/N_10.png    colored_1/N_10.png
 *   disparity     disp_occ_0/N_10.png disp_occ/N_10.png    ("kitti-noc": disp_noc_0, disp_noc)
 *   flow          flow_occ/N_10.png   flow_occ/N_10.png    ("kitti-noc": flow_noc)
 *
 * with N the scene number in six digits.  A sample is a scene: a stereo pair
 * (image2 = the right view, target disparity) or, when the task needs flow,
 * a flow pair (image2 = frame 11 of the left camera, target flow).  The
 * ground truth directories that exist decide the fields. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/kitti.h>

#include "data/sources.h"

typedef struct kitti_names {
  const char *left, *right, *disp_occ, *disp_noc;
} kitti_names;

static const kitti_names editions[2] = {{"image_2", "image_3", "disp_occ_0", "disp_noc_0"},
                                        {"colored_0", "colored_1", "disp_occ", "disp_noc"}};

typedef struct bench {
  char *dir; /* the directory holding the image folders */
  const kitti_names *names;
  const char *disp, *flow; /* ground-truth folders, NULL when absent */
  bool flow_pairs;         /* image2 is frame 11 (else the right view) */
  int *scenes;
  int n_scenes;
  geocl_fields fields;
} bench;

static bool has_dir(const char *dir, const char *name) {
  char p[4200];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  return source_is_dir(p);
}

/* The folder holding the images (root/training or root) and its edition. */
static bool find_layout(const char *root, char *dir, size_t size, const kitti_names **names) {
  for (int pass = 0; pass < 2; pass++) {
    snprintf(dir, size, pass == 0 ? "%s/training" : "%s", root);
    for (int e = 0; e < 2; e++)
      if (has_dir(dir, editions[e].left) && (has_dir(dir, editions[e].right) || has_dir(dir, "flow_occ") ||
                                             has_dir(dir, editions[e].disp_occ))) {
        *names = &editions[e];
        return true;
      }
  }
  return false;
}

static bool detect(const char *path) {
  char dir[4096];
  const kitti_names *names;
  return find_layout(path, dir, sizeof dir, &names);
}

static void close_bench(void *state) {
  bench *b = state;
  free(b->dir);
  free(b->scenes);
  free(b);
}

static geocl_status open_bench(const char *path, const geocl_source_opts *opts, bool noc, void **state) {
  bench *b = calloc(1, sizeof *b);
  if (!b) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  *state = b;
  char dir[4096];
  if (!find_layout(path, dir, sizeof dir, &b->names))
    return geocl_set_error(GEOCL_E_FORMAT, "%s: not a KITTI stereo/flow layout (no training/image_2 with image_3, "
                                           "disp_occ_0 or flow_occ; nor colored_0 of KITTI 2012)", path);
  if (!(b->dir = strdup(dir))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  const char *disp = noc ? b->names->disp_noc : b->names->disp_occ, *flow = noc ? "flow_noc" : "flow_occ";
  b->disp = has_dir(dir, disp) ? disp : NULL;
  b->flow = has_dir(dir, flow) ? flow : NULL;
  /* flow pairs when the task needs flow, or frame pairs are all there is */
  b->flow_pairs = (opts->needs & 1u << GEOCL_FIELD_FLOW) || !has_dir(dir, b->names->right);
  if ((opts->needs & 1u << GEOCL_FIELD_FLOW) && (opts->needs & 1u << GEOCL_FIELD_DISPARITY))
    return geocl_set_error(GEOCL_E_INVALID, "%s: a KITTI sample is a stereo pair or a flow pair, not both (the task "
                                            "needs disparity and flow)", path);
  char left[4200];
  snprintf(left, sizeof left, "%s/%s", dir, b->names->left);
  geocl_status st = source_list_numbers(left, "_10.png", &b->scenes, &b->n_scenes);
  if (st == GEOCL_OK && b->n_scenes == 0) st = geocl_set_error(GEOCL_E_FORMAT, "%s: no NNNNNN_10.png images", left);
  b->fields = 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_IMAGE2;
  if (!b->flow_pairs && b->disp) b->fields |= 1u << GEOCL_FIELD_DISPARITY | 1u << GEOCL_FIELD_VALID;
  if (b->flow_pairs && b->flow) b->fields |= 1u << GEOCL_FIELD_FLOW | 1u << GEOCL_FIELD_VALID;
  return st;
}

static geocl_status open_occ(const char *path, const geocl_source_opts *opts, void **state) {
  return open_bench(path, opts, false, state);
}

static geocl_status open_noc(const char *path, const geocl_source_opts *opts, void **state) {
  return open_bench(path, opts, true, state);
}

static int64_t size(void *state) { return ((bench *)state)->n_scenes; }
static geocl_fields fields(void *state) { return ((bench *)state)->fields; }

static geocl_status read_scene(void *state, void **thread, int64_t index, geocl_raw_sample *out) {
  (void)thread;
  const bench *b = state;
  int n = b->scenes[index];
  char path[4400];
  snprintf(out->name, sizeof out->name, "%s scene %06d (%s)", b->dir, n, b->flow_pairs ? "flow" : "stereo");
  out->has = b->fields;
  snprintf(path, sizeof path, "%s/%s/%06d_10.png", b->dir, b->names->left, n);
  geocl_status st = source_read_rgb8(path, &out->image1);
  if (b->flow_pairs) snprintf(path, sizeof path, "%s/%s/%06d_11.png", b->dir, b->names->left, n);
  else snprintf(path, sizeof path, "%s/%s/%06d_10.png", b->dir, b->names->right, n);
  if (st == GEOCL_OK) st = source_read_rgb8(path, &out->image2);
  if (st == GEOCL_OK && (b->fields & 1u << GEOCL_FIELD_DISPARITY)) {
    snprintf(path, sizeof path, "%s/%s/%06d_10.png", b->dir, b->disp, n);
    st = geocl_kitti_disparity_read(path, &out->disparity);
  }
  if (st == GEOCL_OK && (b->fields & 1u << GEOCL_FIELD_FLOW)) {
    snprintf(path, sizeof path, "%s/%s/%06d_10.png", b->dir, b->flow, n);
    st = geocl_kitti_flow_read(path, &out->flow);
  }
  const geocl_image *maps[2] = {&out->disparity, &out->flow};
  for (int i = 0; st == GEOCL_OK && i < 2; i++) {
    const geocl_image *m = maps[i], *im = &out->image1;
    if (m->data && (m->width != im->width || m->height != im->height))
      st = geocl_set_error(GEOCL_E_FORMAT, "%s: %s is %dx%d but the image %dx%d", out->name,
                           i ? "the flow" : "the disparity", m->width, m->height, im->width, im->height);
  }
  return st;
}

const geocl_data_source_type source_kitti_bench = {
    .name = "kitti",
    .summary = "KITTI 2012/2015 stereo and flow (training/image_2, image_3, disp_occ_0, flow_occ; colored_0/1, disp_occ)",
    .detect = detect,
    .open = open_occ,
    .size = size,
    .fields = fields,
    .read = read_scene,
    .close = close_bench,
};

const geocl_data_source_type source_kitti_bench_noc = {
    .name = "kitti-noc",
    .summary = "the same with the non-occluded ground truth (disp_noc_0, disp_noc, flow_noc)",
    .open = open_noc,
    .size = size,
    .fields = fields,
    .read = read_scene,
    .close = close_bench,
};
