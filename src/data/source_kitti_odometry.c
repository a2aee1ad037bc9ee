/* SPDX-License-Identifier: MIT */
/* Source "kitti-odometry": the KITTI odometry layout, as KITTI distributes it
 * and as `geocl synth` writes it (with depth and flow):
 *
 *   root/sequences/SS/image_2/FFFFFF.png   left colour camera
 *   root/sequences/SS/image_3/FFFFFF.png   right colour camera (optional)
 *   root/sequences/SS/depth/FFFFFF.png     KITTI depth PNG (optional)
 *   root/sequences/SS/disparity/FFFFFF.png KITTI disparity PNG of image_2 (optional)
 *   root/sequences/SS/velodyne/FFFFFF.bin  LiDAR sweep (optional)
 *   root/sequences/SS/calib.txt            P0-P3, Tr (optional)
 *   root/sequences/SS/poses.txt, or root/poses/SS.txt  camera-to-world (optional)
 *   root/sequences/SS/flow/AAAAAA_BBBBBB.png  KITTI flow PNG of a pair (optional)
 *   root/pairs.txt                         pairs of image_2 frames (optional)
 *
 * A sample is a frame, or a pair of frames when the task needs image2, flow
 * or pose: the pairs of pairs.txt, else each frame with the next one; when
 * the task needs disparity it is a stereo pair, a frame with its right view
 * (image_3) as image2. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/kitti.h>
#include <geocl/pairs.h>

#include "data/sources.h"

typedef struct sequence {
  char *dir;            /* root/sequences/SS */
  int id;               /* SS */
  double lidar2img[16]; /* when has_calib */
  double *poses;        /* 12 per frame, or NULL */
  int64_t n_poses;
  int has_calib;
} sequence;

typedef struct unit {
  int seq;
  int a, b; /* frame numbers; b = -1 for a frame sample */
} unit;

typedef struct odometry {
  char *root;
  sequence *seqs;
  int n_seqs;
  unit *units;
  int64_t n_units;
  bool pairs, stereo;
  geocl_fields fields;
} odometry;

static bool detect(const char *path) {
  char p[4096];
  snprintf(p, sizeof p, "%s/sequences", path);
  return source_is_dir(p);
}

static geocl_status add_unit(odometry *o, int64_t *cap, int seq, int a, int b) {
  if (o->n_units == *cap) {
    *cap = *cap ? 2 * *cap : 1024;
    unit *u = realloc(o->units, sizeof *u * (size_t)*cap);
    if (!u) return geocl_set_error(GEOCL_E_NOMEM, "out of memory listing %s", o->root);
    o->units = u;
  }
  o->units[o->n_units++] = (unit){seq, a, b};
  return GEOCL_OK;
}

static int seq_index(const odometry *o, int id) {
  for (int i = 0; i < o->n_seqs; i++)
    if (o->seqs[i].id == id) return i;
  return -1;
}

/* "sequences/SS/image_2/AAAAAA.png" → sequence SS, frame AAAAAA */
static bool parse_frame(const char *root, const char *path, int *seq, int *frame) {
  size_t n = strlen(root);
  if (!strncmp(path, root, n) && path[n] == '/') path += n + 1;
  return sscanf(path, "sequences/%d/image_2/%d.png", seq, frame) == 2;
}

static geocl_status units_from_pairs_txt(odometry *o, const char *listing) {
  geocl_pair_list list;
  geocl_status st = geocl_pairs_read_habitat(listing, o->root, &list);
  int64_t cap = 0;
  for (int64_t i = 0; st == GEOCL_OK && i < list.count; i++) {
    int s1, a, s2, b;
    if (!parse_frame(o->root, list.first[i], &s1, &a) || !parse_frame(o->root, list.second[i], &s2, &b) || s1 != s2 ||
        seq_index(o, s1) < 0)
      st = geocl_set_error(GEOCL_E_FORMAT, "%s line %lld: not a pair of image_2 frames of one sequence: %s %s",
                           listing, (long long)i + 1, list.first[i], list.second[i]);
    else st = add_unit(o, &cap, seq_index(o, s1), a, b);
  }
  geocl_pair_list_free(&list); /* safe after a failed read too */
  return st;
}

static geocl_status units_from_frames(odometry *o) {
  int64_t cap = 0;
  geocl_status st = GEOCL_OK;
  for (int s = 0; s < o->n_seqs && st == GEOCL_OK; s++) {
    char dir[4096];
    int *frames, n;
    snprintf(dir, sizeof dir, "%s/image_2", o->seqs[s].dir);
    st = source_list_numbers(dir, ".png", &frames, &n);
    for (int i = 0; st == GEOCL_OK && i < n - (o->pairs ? 1 : 0); i++)
      st = add_unit(o, &cap, s, frames[i], o->pairs ? frames[i + 1] : -1);
    free(frames);
  }
  return st;
}

static geocl_status open_sequence(odometry *o, int id, sequence *s) {
  char path[4096];
  snprintf(path, sizeof path, "%s/sequences/%02d", o->root, id);
  s->id = id;
  if (!(s->dir = strdup(path))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  snprintf(path, sizeof path, "%s/calib.txt", s->dir);
  if (source_is_file(path)) {
    geocl_kitti_calib calib;
    double m[12];
    geocl_status st = geocl_kitti_calib_read(path, &calib);
    if (st != GEOCL_OK) return st;
    geocl_kitti_lidar_to_image(&calib, m);
    memset(s->lidar2img, 0, sizeof s->lidar2img);
    memcpy(s->lidar2img, m, sizeof m);
    s->lidar2img[15] = 1;
    s->has_calib = 1;
  }
  snprintf(path, sizeof path, "%s/poses.txt", s->dir);
  if (!source_is_file(path)) snprintf(path, sizeof path, "%s/poses/%02d.txt", o->root, id);
  return source_is_file(path) ? geocl_kitti_poses_read(path, &s->poses, &s->n_poses) : GEOCL_OK;
}

static void close_odometry(void *state) {
  odometry *o = state;
  for (int i = 0; i < o->n_seqs; i++) {
    free(o->seqs[i].dir);
    free(o->seqs[i].poses);
  }
  free(o->seqs);
  free(o->units);
  free(o->root);
  free(o);
}

/* What the first sequence has decides what the data set provides. */
static geocl_fields provided(const odometry *o) {
  char p[4096];
  const sequence *s = &o->seqs[0];
  geocl_fields f = 1u << GEOCL_FIELD_IMAGE1;
  snprintf(p, sizeof p, "%s/depth", s->dir);
  if (source_is_dir(p)) f |= 1u << GEOCL_FIELD_DEPTH | 1u << GEOCL_FIELD_VALID;
  snprintf(p, sizeof p, "%s/velodyne", s->dir);
  if (source_is_dir(p)) f |= 1u << GEOCL_FIELD_POINTS;
  if (o->stereo) {
    f |= 1u << GEOCL_FIELD_IMAGE2;
    snprintf(p, sizeof p, "%s/disparity", s->dir);
    if (source_is_dir(p)) f |= 1u << GEOCL_FIELD_DISPARITY | 1u << GEOCL_FIELD_VALID;
  }
  if (s->has_calib) f |= 1u << GEOCL_FIELD_LIDAR2IMG;
  if (o->pairs) {
    f |= 1u << GEOCL_FIELD_IMAGE2;
    if (s->poses) f |= 1u << GEOCL_FIELD_POSE;
    snprintf(p, sizeof p, "%s/flow", s->dir);
    if (source_is_dir(p)) f |= 1u << GEOCL_FIELD_FLOW | 1u << GEOCL_FIELD_VALID;
  }
  return f;
}

static geocl_status open_odometry(const char *path, const geocl_source_opts *opts, void **state) {
  odometry *o = calloc(1, sizeof *o);
  if (!o || !(o->root = strdup(path))) {
    free(o);
    return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  *state = o;
  const geocl_fields pair_fields = 1u << GEOCL_FIELD_IMAGE2 | 1u << GEOCL_FIELD_FLOW | 1u << GEOCL_FIELD_POSE;
  o->stereo = (opts->needs & 1u << GEOCL_FIELD_DISPARITY) != 0;
  o->pairs = !o->stereo && (opts->needs & pair_fields) != 0;
  if (o->stereo && (opts->needs & (1u << GEOCL_FIELD_FLOW | 1u << GEOCL_FIELD_POSE)))
    return geocl_set_error(GEOCL_E_INVALID, "%s: a sample is a stereo pair or two frames, not both (the task needs "
                                            "disparity and flow or pose)", path);
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/sequences", path);
  int *ids, n;
  geocl_status st = source_list_numbers(dir, "", &ids, &n);
  if (st == GEOCL_OK && n == 0) st = geocl_set_error(GEOCL_E_FORMAT, "%s: no numbered sequences", dir);
  if (st == GEOCL_OK && !(o->seqs = calloc((size_t)n, sizeof *o->seqs)))
    st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (int i = 0; st == GEOCL_OK && i < n; i++, o->n_seqs++) st = open_sequence(o, ids[i], &o->seqs[i]);
  free(ids);
  char listing[4096];
  snprintf(listing, sizeof listing, "%s/pairs.txt", path);
  if (st == GEOCL_OK) st = o->pairs && source_is_file(listing) ? units_from_pairs_txt(o, listing) : units_from_frames(o);
  if (st == GEOCL_OK) o->fields = provided(o);
  return st;
}

static int64_t size(void *state) { return ((odometry *)state)->n_units; }
static geocl_fields fields(void *state) { return ((odometry *)state)->fields; }

static void frame_path(const sequence *s, const char *sub, int frame, const char *ext, char *path, size_t size) {
  snprintf(path, size, "%s/%s/%06d%s", s->dir, sub, frame, ext);
}

static void relative_pose(const double *a, const double *b, double *out) {
  /* X_b = inv(T_b)·T_a·X_a with T = [R|t]: inv(T_b) = [R_bᵀ | −R_bᵀ t_b] */
  double ta[16] = {0}, ib[16] = {0};
  for (int r = 0; r < 3; r++) {
    for (int c = 0; c < 4; c++) ta[r * 4 + c] = a[r * 4 + c];
    for (int c = 0; c < 3; c++) ib[r * 4 + c] = b[c * 4 + r];
    ib[r * 4 + 3] = -(b[0 * 4 + r] * b[3] + b[1 * 4 + r] * b[7] + b[2 * 4 + r] * b[11]);
  }
  ta[15] = ib[15] = 1;
  for (int r = 0; r < 4; r++)
    for (int c = 0; c < 4; c++) {
      double v = 0;
      for (int k = 0; k < 4; k++) v += ib[r * 4 + k] * ta[k * 4 + c];
      out[r * 4 + c] = v;
    }
}

static geocl_status read_sample(void *state, void **thread, int64_t index, geocl_raw_sample *out) {
  (void)thread;
  const odometry *o = state;
  const unit *u = &o->units[index];
  const sequence *s = &o->seqs[u->seq];
  char path[4200];
  if (o->stereo) snprintf(out->name, sizeof out->name, "%s frame %06d (stereo)", s->dir, u->a);
  else if (u->b >= 0) snprintf(out->name, sizeof out->name, "%s frames %06d %06d", s->dir, u->a, u->b);
  else snprintf(out->name, sizeof out->name, "%s frame %06d", s->dir, u->a);
  out->has = o->fields;
  frame_path(s, "image_2", u->a, ".png", path, sizeof path);
  geocl_status st = source_read_rgb8(path, &out->image1);
  if (st == GEOCL_OK && (o->fields & 1u << GEOCL_FIELD_IMAGE2)) {
    if (o->stereo) frame_path(s, "image_3", u->a, ".png", path, sizeof path);
    else frame_path(s, "image_2", u->b, ".png", path, sizeof path);
    st = source_read_rgb8(path, &out->image2);
  }
  if (st == GEOCL_OK && (o->fields & 1u << GEOCL_FIELD_DISPARITY)) {
    frame_path(s, "disparity", u->a, ".png", path, sizeof path);
    st = geocl_kitti_disparity_read(path, &out->disparity);
  }
  if (st == GEOCL_OK && (o->fields & 1u << GEOCL_FIELD_DEPTH)) {
    frame_path(s, "depth", u->a, ".png", path, sizeof path);
    st = geocl_kitti_depth_read(path, &out->depth);
  }
  if (st == GEOCL_OK && (o->fields & 1u << GEOCL_FIELD_FLOW)) {
    snprintf(path, sizeof path, "%s/flow/%06d_%06d.png", s->dir, u->a, u->b);
    st = geocl_kitti_flow_read(path, &out->flow);
  }
  if (st == GEOCL_OK && (o->fields & 1u << GEOCL_FIELD_POINTS)) {
    frame_path(s, "velodyne", u->a, ".bin", path, sizeof path);
    st = geocl_velodyne_read(path, &out->points, &out->n_points);
  }
  if (o->fields & 1u << GEOCL_FIELD_LIDAR2IMG) memcpy(out->lidar2img, s->lidar2img, sizeof out->lidar2img);
  if (st == GEOCL_OK && (o->fields & 1u << GEOCL_FIELD_POSE)) {
    if (u->a >= s->n_poses || u->b >= s->n_poses)
      st = geocl_set_error(GEOCL_E_FORMAT, "%s: poses for %lld frames, frame %d needed", s->dir, (long long)s->n_poses,
                           u->a > u->b ? u->a : u->b);
    else relative_pose(s->poses + 12 * u->a, s->poses + 12 * u->b, out->pose);
  }
  return st;
}

const geocl_data_source_type source_kitti_odometry = {
    .name = "kitti-odometry",
    .summary = "KITTI odometry layout (sequences/SS/image_2, image_3, depth, disparity, velodyne, calib.txt, poses, flow), as geocl synth writes it",
    .detect = detect,
    .open = open_odometry,
    .size = size,
    .fields = fields,
    .read = read_sample,
    .close = close_odometry,
};
