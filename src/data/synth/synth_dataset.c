/* SPDX-License-Identifier: MIT */
/* geocl_synth_write: render sequences and write them in the KITTI odometry
 * layout (frames, with flow for the chosen pairs) or the KITTI 2015 layout
 * (one stereo/flow scene per chosen pair), and a CroCo pairs.txt. */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <geocl/image.h>
#include <geocl/kitti.h>
#include <geocl/fileio.h>
#include <geocl/timing.h>
#include <geocl/visualize.h>

#include "synth_internal.h"

#define PAIR_WINDOW 8 /* a frame's partner is one of the next 8 frames */
#define MIN_COVISIBILITY 0.5
#define MIN_BASELINE 0.1     /* metres */
#define STEREO_BASELINE 0.54 /* of the right camera (P1 and P3), as on KITTI's car */

void geocl_synth_options_default(geocl_synth_options *opts) {
  memset(opts, 0, sizeof *opts);
  opts->sequences = 1;
  opts->frames = 20;
  opts->width = 256;
  opts->height = 256;
}

/* printf into a path buffer of PATH_MAX bytes. */
static geocl_status __attribute__((format(printf, 2, 3))) make_path(char *path, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(path, PATH_MAX, fmt, ap);
  va_end(ap);
  if (n < 0 || n >= PATH_MAX)
    return geocl_set_error(GEOCL_E_INVALID, "synthetic data set: path too long: %.80s...", path);
  return GEOCL_OK;
}

/* One sequence in progress. */
typedef struct sequence {
  const geocl_synth_options *opts;
  geocl_synth_renderer *renderer;
  synth_scene scene;
  int index;
  char dir[PATH_MAX];
  double *poses;                 /* frames x 12, absolute */
  float *depth[PAIR_WINDOW + 1]; /* depth of the last frames, by frame % (PAIR_WINDOW + 1) */
  uint8_t *rgb;
  float *flow;
  float *map, *depth_right, *depth_scratch; /* a disparity map; the right view's depth; unused depth */
  char *pairs; /* pairs.txt text so far (all sequences) */
  size_t pairs_size, pairs_capacity;
  geocl_synth_summary *summary;
} sequence;

static bool kitti2015(const sequence *q) { return q->opts->layout == GEOCL_SYNTH_KITTI2015; }

/* List pair (a, b) of the sequence, which is scene `scene` in the KITTI 2015 layout. */
static geocl_status append_pair(sequence *q, int a, int b, int64_t scene) {
  char line[128];
  int n = kitti2015(q) ? snprintf(line, sizeof line, "training/image_2/%06lld_10.png training/image_2/%06lld_11.png\n",
                                  (long long)scene, (long long)scene)
                       : snprintf(line, sizeof line, "sequences/%02d/image_2/%06d.png sequences/%02d/image_2/%06d.png\n",
                                  q->index, a, q->index, b);
  if (q->pairs_size + (size_t)n + 1 > q->pairs_capacity) {
    size_t cap = q->pairs_capacity ? 2 * q->pairs_capacity : 1 << 16;
    char *grown = realloc(q->pairs, cap);
    if (!grown) return geocl_set_error(GEOCL_E_NOMEM, "synthetic data set: out of memory for the pair list");
    q->pairs = grown;
    q->pairs_capacity = cap;
  }
  memcpy(q->pairs + q->pairs_size, line, (size_t)n);
  q->pairs_size += (size_t)n;
  q->summary->pairs++;
  return GEOCL_OK;
}

static float *frame_depth(sequence *q, int frame) { return q->depth[frame % (PAIR_WINDOW + 1)]; }

static geocl_status write_rgb(const sequence *q, const char *path) {
  const synth_camera *cam = &q->renderer->cam;
  geocl_image img = {cam->width, cam->height, 3, GEOCL_SAMPLE_U8, q->rgb};
  return geocl_image_write_png(path, &img);
}

/* depth_color/<ffffff>.png: frame i's depth to look at (geocl_colorize_depth),
 * in its own directory so that nothing reading depth/ meets it. */
static geocl_status write_depth_color(sequence *q, int i) {
  const synth_camera *cam = &q->renderer->cam;
  char path[PATH_MAX];
  geocl_image img = {0};
  geocl_status st = make_path(path, "%s/depth_color/%06d.png", q->dir, i);
  if (st == GEOCL_OK) st = geocl_colorize_depth(frame_depth(q, i), cam->width, cam->height, &img);
  if (st == GEOCL_OK) st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  return st;
}

/* Calibration of the rig: P0 = P2 = K[I|0], P1 = P3 the right camera. */
static void rig_calib(const synth_camera *cam, geocl_calib_layout layout, geocl_kitti_calib *calib) {
  memset(calib, 0, sizeof *calib);
  calib->layout = layout;
  for (int i = 0; i < 4; i++) {
    double *p = calib->P[i];
    p[0] = cam->fx;
    p[2] = cam->cx;
    p[5] = cam->fy;
    p[6] = cam->cy;
    p[10] = 1.0;
    if (i & 1) p[3] = -cam->fx * STEREO_BASELINE;
  }
  calib->R0_rect[0] = calib->R0_rect[4] = calib->R0_rect[8] = 1.0;
  calib->Tr_imu_to_velo[0] = calib->Tr_imu_to_velo[5] = calib->Tr_imu_to_velo[10] = 1.0;
  synth_rig_velo_to_cam(calib->Tr_velo_to_cam);
}

/* KITTI 2015 scene n from frames a (_10) and b (_11): both views of each,
 * a's disparity and the flow a -> b, each with and without occluded points. */
static geocl_status write_scene(sequence *q, int a, int b, int64_t n) {
  const synth_camera *cam = &q->renderer->cam;
  const char *dir = q->opts->out_dir;
  const double *pose[2] = {q->poses + 12 * a, q->poses + 12 * b};
  char path[PATH_MAX];
  geocl_status st = GEOCL_OK;
  for (int k = 0; k < 2 && st == GEOCL_OK; k++) { /* frame a, then b */
    double right[12];
    synth_right_pose(pose[k], STEREO_BASELINE, right);
    st = synth_render_view(q->renderer, &q->scene, pose[k], q->rgb, q->depth_scratch);
    if (st == GEOCL_OK) st = make_path(path, "%s/training/image_2/%06lld_%d.png", dir, (long long)n, 10 + k);
    if (st == GEOCL_OK) st = write_rgb(q, path);
    if (st == GEOCL_OK)
      st = synth_render_view(q->renderer, &q->scene, right, q->rgb, k == 0 ? q->depth_right : q->depth_scratch);
    if (st == GEOCL_OK) st = make_path(path, "%s/training/image_3/%06lld_%d.png", dir, (long long)n, 10 + k);
    if (st == GEOCL_OK) st = write_rgb(q, path);
  }
  for (int noc = 0; noc < 2 && st == GEOCL_OK; noc++) {
    synth_disparity(cam, frame_depth(q, a), noc ? q->depth_right : NULL, STEREO_BASELINE, q->map);
    st = make_path(path, "%s/training/disp_%s_0/%06lld_10.png", dir, noc ? "noc" : "occ", (long long)n);
    if (st == GEOCL_OK) st = geocl_kitti_disparity_write(path, q->map, cam->width, cam->height);
    synth_flow(cam, frame_depth(q, a), pose[0], pose[1], noc ? frame_depth(q, b) : NULL, q->flow);
    if (st == GEOCL_OK) st = make_path(path, "%s/training/flow_%s/%06lld_10.png", dir, noc ? "noc" : "occ", (long long)n);
    if (st == GEOCL_OK) st = geocl_kitti_flow_write(path, q->flow, cam->width, cam->height);
  }
  geocl_kitti_calib calib;
  rig_calib(cam, GEOCL_CALIB_OBJECT, &calib);
  if (st == GEOCL_OK) st = make_path(path, "%s/training/calib/%06lld.txt", dir, (long long)n);
  return st == GEOCL_OK ? geocl_kitti_calib_write(path, &calib) : st;
}

/* Pick frame a's partner among the rendered frames a+1 .. last, in a seeded
 * order; write its flow (or its scene) and list the pair. */
static geocl_status choose_pair(sequence *q, int a, int last) {
  const synth_camera *cam = &q->renderer->cam;
  int candidates[PAIR_WINDOW], n = 0;
  for (int b = a + 1; b <= last && b <= a + PAIR_WINDOW; b++) candidates[n++] = b;
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, q->opts->seed, GEOCL_STREAM_PAIR_CHOICE, (uint64_t)q->index, (uint32_t)a);
  for (int i = n - 1; i > 0; i--) {
    int j = (int)geocl_keyed_below(&rng, (uint32_t)i + 1), t = candidates[i];
    candidates[i] = candidates[j];
    candidates[j] = t;
  }
  const double *pa = q->poses + 12 * a;
  for (int i = 0; i < n; i++) {
    int b = candidates[i];
    const double *pb = q->poses + 12 * b;
    double dx = pb[3] - pa[3], dy = pb[7] - pa[7], dz = pb[11] - pa[11];
    if (sqrt(dx * dx + dy * dy + dz * dz) < MIN_BASELINE) continue;
    if (synth_covisibility(cam, frame_depth(q, a), pa, frame_depth(q, b), pb) < MIN_COVISIBILITY) continue;
    int64_t scene = q->summary->pairs;
    char path[PATH_MAX];
    geocl_status st;
    if (kitti2015(q)) {
      st = write_scene(q, a, b, scene);
    } else {
      synth_flow(cam, frame_depth(q, a), pa, pb, NULL, q->flow);
      st = make_path(path, "%s/flow/%06d_%06d.png", q->dir, a, b);
      if (st == GEOCL_OK) st = geocl_kitti_flow_write(path, q->flow, cam->width, cam->height);
    }
    return st == GEOCL_OK ? append_pair(q, a, b, scene) : st;
  }
  return GEOCL_OK;
}

static geocl_status write_calib(const sequence *q) {
  geocl_kitti_calib calib;
  rig_calib(&q->renderer->cam, GEOCL_CALIB_ODOMETRY, &calib);
  char path[PATH_MAX];
  geocl_status st = make_path(path, "%s/calib.txt", q->dir);
  return st == GEOCL_OK ? geocl_kitti_calib_write(path, &calib) : st;
}

static geocl_status write_poses(const sequence *q) {
  int frames = q->opts->frames;
  double *rel = malloc((size_t)frames * 12 * sizeof *rel), inv0[12];
  if (!rel) return geocl_set_error(GEOCL_E_NOMEM, "synthetic data set: out of memory for poses");
  synth_pose_invert(q->poses, inv0);
  for (int i = 0; i < frames; i++) synth_pose_compose(inv0, q->poses + 12 * i, rel + 12 * i);
  char path[PATH_MAX];
  geocl_status st = make_path(path, "%s/poses.txt", q->dir);
  if (st == GEOCL_OK) st = geocl_kitti_poses_write(path, rel, frames);
  free(rel);
  return st;
}

/* Render frame i; in the odometry layout write its files: both views,
 * depth, disparity and the LiDAR sweep.  (The KITTI 2015 layout needs only
 * the depth until a pair is chosen.) */
static geocl_status render_frame(sequence *q, int i) {
  const synth_camera *cam = &q->renderer->cam;
  const double *pose = q->poses + 12 * i;
  q->summary->frames++;
  if (kitti2015(q)) return synth_render_view(q->renderer, &q->scene, pose, NULL, frame_depth(q, i));
  char path[PATH_MAX];
  double right[12];
  synth_right_pose(pose, STEREO_BASELINE, right);
  geocl_status st = synth_render_view(q->renderer, &q->scene, right, q->rgb, q->depth_scratch);
  if (st == GEOCL_OK) st = make_path(path, "%s/image_3/%06d.png", q->dir, i);
  if (st == GEOCL_OK) st = write_rgb(q, path);
  if (st == GEOCL_OK) st = synth_render_view(q->renderer, &q->scene, pose, q->rgb, frame_depth(q, i));
  if (st == GEOCL_OK) st = make_path(path, "%s/image_2/%06d.png", q->dir, i);
  if (st == GEOCL_OK) st = write_rgb(q, path);
  if (st == GEOCL_OK) st = make_path(path, "%s/depth/%06d.png", q->dir, i);
  if (st == GEOCL_OK) st = geocl_kitti_depth_write(path, frame_depth(q, i), cam->width, cam->height);
  if (st == GEOCL_OK && !q->opts->no_depth_color) st = write_depth_color(q, i);
  synth_disparity(cam, frame_depth(q, i), NULL, STEREO_BASELINE, q->map);
  if (st == GEOCL_OK) st = make_path(path, "%s/disparity/%06d.png", q->dir, i);
  if (st == GEOCL_OK) st = geocl_kitti_disparity_write(path, q->map, cam->width, cam->height);
  double tr[12], velo_to_world[12];
  synth_rig_velo_to_cam(tr);
  synth_pose_compose(pose, tr, velo_to_world);
  const float *points;
  int64_t count;
  if (st == GEOCL_OK) st = synth_render_lidar(q->renderer, &q->scene, velo_to_world, &points, &count);
  if (st == GEOCL_OK) st = make_path(path, "%s/velodyne/%06d.bin", q->dir, i);
  if (st == GEOCL_OK) st = geocl_velodyne_write(path, points, count);
  if (st == GEOCL_OK) q->summary->lidar_points += count;
  return st;
}

static geocl_status make_subdirs(const char *dir, const char *const *subdirs, size_t n) {
  for (size_t i = 0; i < n; i++) {
    char path[PATH_MAX];
    geocl_status st = make_path(path, "%s/%s", dir, subdirs[i]);
    if (st == GEOCL_OK) st = geocl_mkdir_p(path);
    if (st != GEOCL_OK) return st;
  }
  return GEOCL_OK;
}

static geocl_status make_dirs(const sequence *q) {
  static const char *const odometry[] = {"image_2", "image_3", "depth", "disparity", "velodyne", "flow"};
  static const char *const benchmark[] = {"training/image_2",   "training/image_3", "training/disp_occ_0",
                                          "training/disp_noc_0", "training/flow_occ", "training/flow_noc",
                                          "training/calib"};
  if (kitti2015(q)) return make_subdirs(q->opts->out_dir, benchmark, sizeof benchmark / sizeof benchmark[0]);
  geocl_status st = make_subdirs(q->dir, odometry, sizeof odometry / sizeof odometry[0]);
  if (st == GEOCL_OK && !q->opts->no_depth_color) st = make_subdirs(q->dir, (const char *const[]){"depth_color"}, 1);
  return st;
}

static geocl_status write_sequence(sequence *q) {
  const geocl_synth_options *o = q->opts;
  geocl_synth_kind kind = q->index % 2 ? GEOCL_SYNTH_STREET : GEOCL_SYNTH_ROOM;
  geocl_status st = synth_scene_build(&q->scene, kind, o->seed, (uint64_t)q->index, o->frames);
  if (st == GEOCL_OK) st = make_path(q->dir, "%s/sequences/%02d", o->out_dir, q->index);
  if (st == GEOCL_OK) st = make_dirs(q);
  if (st == GEOCL_OK && !kitti2015(q)) st = write_calib(q);
  for (int i = 0; st == GEOCL_OK && i < o->frames; i++) synth_path_pose(&q->scene.path, i, q->poses + 12 * i);
  for (int i = 0; st == GEOCL_OK && i < o->frames; i++) {
    st = render_frame(q, i);
    /* frame i completes the window of frame i - PAIR_WINDOW */
    if (st == GEOCL_OK && i >= PAIR_WINDOW) st = choose_pair(q, i - PAIR_WINDOW, i);
    if (o->progress) o->progress(q->index, i, o->progress_user);
  }
  for (int a = o->frames > PAIR_WINDOW ? o->frames - PAIR_WINDOW : 0; st == GEOCL_OK && a < o->frames - 1; a++)
    st = choose_pair(q, a, o->frames - 1);
  if (st == GEOCL_OK && !kitti2015(q)) st = write_poses(q);
  return st;
}

static geocl_status check_options(const geocl_synth_options *o) {
  if (!o->out_dir || !*o->out_dir) return geocl_set_error(GEOCL_E_INVALID, "synthetic data set: no output directory");
  if (o->sequences < 1 || o->sequences > 100)
    return geocl_set_error(GEOCL_E_INVALID, "synthetic data set: %d sequences; 1 to 100 are possible", o->sequences);
  if (o->frames < 2 || o->frames > 999999)
    return geocl_set_error(GEOCL_E_INVALID, "synthetic data set: %d frames per sequence; 2 to 999999 are possible",
                           o->frames);
  if (o->width < 16 || o->height < 16 || o->width > 8192 || o->height > 8192)
    return geocl_set_error(GEOCL_E_INVALID, "synthetic data set: image size %dx%d; each side must be 16 to 8192",
                           o->width, o->height);
  if (o->layout != GEOCL_SYNTH_ODOMETRY && o->layout != GEOCL_SYNTH_KITTI2015)
    return geocl_set_error(GEOCL_E_INVALID, "synthetic data set: unknown layout %d", (int)o->layout);
  if (!o->overwrite) {
    static const char *const markers[] = {"pairs.txt", "sequences", "training"};
    for (int i = 0; i < 3; i++) {
      char path[PATH_MAX];
      struct stat st;
      if (make_path(path, "%s/%s", o->out_dir, markers[i]) != GEOCL_OK) return GEOCL_E_INVALID;
      if (stat(path, &st) == 0)
        return geocl_set_error(GEOCL_E_STATE, "%s already exists; not overwriting an existing data set", path);
    }
  }
  return GEOCL_OK;
}

geocl_status geocl_synth_write(const geocl_synth_options *opts, geocl_synth_summary *summary) {
  geocl_synth_summary local;
  if (!summary) summary = &local;
  memset(summary, 0, sizeof *summary);
  geocl_status st = check_options(opts);
  if (st == GEOCL_OK) st = geocl_mkdir_p(opts->out_dir);
  if (st != GEOCL_OK) return st;
  double t0 = geocl_clock_s();
  size_t pixels = (size_t)opts->width * opts->height;
  sequence q = {.opts = opts, .summary = summary};
  q.renderer = geocl_synth_renderer_new(opts->width, opts->height);
  q.poses = malloc((size_t)opts->frames * 12 * sizeof *q.poses);
  q.rgb = malloc(pixels * 3);
  q.flow = malloc(pixels * 3 * sizeof *q.flow);
  q.map = malloc(pixels * sizeof *q.map);
  q.depth_right = malloc(pixels * sizeof *q.depth_right);
  q.depth_scratch = malloc(pixels * sizeof *q.depth_scratch);
  int ok = q.renderer && q.poses && q.rgb && q.flow && q.map && q.depth_right && q.depth_scratch;
  for (int i = 0; i <= PAIR_WINDOW; i++) ok = ok && (q.depth[i] = malloc(pixels * sizeof(float))) != NULL;
  if (!ok) st = q.renderer ? geocl_set_error(GEOCL_E_NOMEM, "synthetic data set: out of memory") : geocl_last_status();
  for (int s = 0; st == GEOCL_OK && s < opts->sequences; s++) {
    q.index = s;
    st = write_sequence(&q);
  }
  if (st == GEOCL_OK) {
    char path[PATH_MAX];
    st = make_path(path, "%s/pairs.txt", opts->out_dir);
    if (st == GEOCL_OK) st = geocl_file_write_atomic(path, q.pairs ? q.pairs : "", q.pairs_size);
  }
  summary->seconds = geocl_clock_s() - t0;
  geocl_synth_renderer_free(q.renderer);
  synth_scene_free(&q.scene);
  free(q.poses);
  free(q.rgb);
  free(q.flow);
  free(q.map);
  free(q.depth_right);
  free(q.depth_scratch);
  free(q.pairs);
  for (int i = 0; i <= PAIR_WINDOW; i++) free(q.depth[i]);
  return st;
}
