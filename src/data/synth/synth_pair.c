/* SPDX-License-Identifier: MIT */
/* geocl_synth_pair: CroCo-style view pairs rendered on the fly. */
#include <math.h>

#include "synth_internal.h"

#define PATH_FRAMES 64 /* trajectory length the pair's scene is built for */
#define TRIES 8
#define MAX_GAP 8.0f /* frames between the two views */
#define MIN_COVISIBILITY 0.5
#define MIN_BASELINE 0.1

static double baseline(const double a[12], const double b[12]) {
  double dx = a[3] - b[3], dy = a[7] - b[7], dz = a[11] - b[11];
  return sqrt(dx * dx + dy * dy + dz * dz);
}

geocl_status geocl_synth_pair(geocl_synth_renderer *r, uint64_t seed, int64_t index, uint8_t *rgb1, uint8_t *rgb2) {
  synth_scene *scene = &r->scene;
  float *depth_a = r->depth_a, *depth_b = r->depth_b;
  if (index < 0) return geocl_set_error(GEOCL_E_INVALID, "synthetic pair: negative index %lld", (long long)index);
  geocl_status st =
      synth_scene_build(scene, index & 1 ? GEOCL_SYNTH_STREET : GEOCL_SYNTH_ROOM, seed, (uint64_t)index, PATH_FRAMES);
  if (st != GEOCL_OK) return st;
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, seed, GEOCL_STREAM_PAIR_CHOICE, (uint64_t)index, 0);
  double ta = geocl_keyed_range(&rng, MAX_GAP, PATH_FRAMES - MAX_GAP), pose_a[12], pose_b[12];
  synth_path_pose(&scene->path, ta, pose_a);
  st = synth_render_view(r, scene, pose_a, rgb1, depth_a);
  const synth_camera *cam = &r->cam;
  double best_t = ta + 0.5 * MAX_GAP, best_covisibility = -1.0;
  for (int i = 0; st == GEOCL_OK && i < TRIES; i++) {
    /* either direction along the path: the masked view is sometimes the later one */
    float gap = geocl_keyed_range(&rng, 1.0f, MAX_GAP);
    double tb = ta + (geocl_keyed_unit(&rng) < 0.5f ? -gap : gap);
    synth_path_pose(&scene->path, tb, pose_b);
    if (baseline(pose_a, pose_b) < MIN_BASELINE) continue;
    st = synth_render_view(r, scene, pose_b, rgb2, depth_b);
    if (st != GEOCL_OK) break;
    double c = synth_covisibility(cam, depth_a, pose_a, depth_b, pose_b);
    if (c >= MIN_COVISIBILITY) return GEOCL_OK;
    if (c > best_covisibility) {
      best_covisibility = c;
      best_t = tb;
    }
  }
  if (st != GEOCL_OK) return st;
  synth_path_pose(&scene->path, best_t, pose_b);
  return synth_render_view(r, scene, pose_b, rgb2, depth_b);
}
