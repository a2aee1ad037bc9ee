/* SPDX-License-Identifier: MIT */
/* Scenes: shape storage, camera paths, the camera model and the rig. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

geocl_status synth_add(synth_scene *scene, const synth_prim *prim) {
  if (scene->count == scene->capacity) {
    int cap = scene->capacity ? 2 * scene->capacity : 256;
    synth_prim *grown = realloc(scene->prims, (size_t)cap * sizeof *grown);
    if (!grown) return geocl_set_error(GEOCL_E_NOMEM, "synthetic scene: out of memory for %d shapes", cap);
    scene->prims = grown;
    scene->capacity = cap;
  }
  synth_prim *p = &scene->prims[scene->count++];
  *p = *prim;
  if (p->shape == SHAPE_SPHERE) synth_frame_yaw(p, 0.0f); /* texture frame only */
  const float *h = p->half;
  switch (p->shape) {
  case SHAPE_QUAD: p->bound = sqrtf(h[0] * h[0] + h[1] * h[1]); break;
  case SHAPE_BOX: p->bound = sqrtf(h[0] * h[0] + h[1] * h[1] + h[2] * h[2]); break;
  case SHAPE_SPHERE: p->bound = h[0]; break;
  case SHAPE_CYLINDER: p->bound = sqrtf(h[0] * h[0] + h[2] * h[2]); break;
  }
  p->bound = p->bound * 1.0001f + 1e-4f; /* stays conservative under rounding */
  p->reflectance = synth_reflectance(&p->material, p->half);
  return GEOCL_OK;
}

void synth_frame_yaw(synth_prim *p, float yaw) {
  float c = cosf(yaw), s = sinf(yaw);
  const float axes[3][3] = {{c, s, 0.0f}, {-s, c, 0.0f}, {0.0f, 0.0f, 1.0f}};
  memcpy(p->axes, axes, sizeof axes);
}

synth_material synth_mat(synth_pattern pattern, const float c0[3], const float c1[3], float scale, geocl_keyed_rng *rng) {
  synth_material m = {.pattern = pattern, .scale = scale, .seed = geocl_keyed_u32(rng)};
  memcpy(m.colour[0], c0, sizeof m.colour[0]);
  memcpy(m.colour[1], c1 ? c1 : c0, sizeof m.colour[1]);
  return m;
}

void synth_colour_near(geocl_keyed_rng *rng, const float base[3], float amount, float out[3]) {
  for (int i = 0; i < 3; i++) out[i] = base[i] * geocl_keyed_range(rng, 1.0f - amount, 1.0f + amount);
}

/* Object-frame point (lx, ly) on the ground, in the world. */
static void place_point(const synth_place *at, float lx, float ly, float out[2]) {
  float c = cosf(at->yaw), s = sinf(at->yaw);
  out[0] = at->x + c * lx - s * ly;
  out[1] = at->y + s * lx + c * ly;
}

geocl_status synth_box(synth_scene *s, const synth_place *at, float lx, float ly, float z0, float sx, float sy,
                       float sz, const synth_material *m) {
  synth_prim p = {.shape = SHAPE_BOX, .half = {0.5f * sx, 0.5f * sy, 0.5f * sz}, .material = *m};
  place_point(at, lx, ly, p.centre);
  p.centre[2] = z0 + 0.5f * sz;
  synth_frame_yaw(&p, at->yaw);
  return synth_add(s, &p);
}

geocl_status synth_post(synth_scene *s, const synth_place *at, float lx, float ly, float z0, float r, float height,
                        const synth_material *m) {
  synth_prim p = {.shape = SHAPE_CYLINDER, .half = {r, r, 0.5f * height}, .material = *m};
  place_point(at, lx, ly, p.centre);
  p.centre[2] = z0 + 0.5f * height;
  synth_frame_yaw(&p, at->yaw);
  return synth_add(s, &p);
}

geocl_status synth_wheel(synth_scene *s, const synth_place *at, float lx, float ly, float z, float r, float width,
                         const synth_material *m) {
  synth_prim p = {.shape = SHAPE_CYLINDER, .half = {r, r, 0.5f * width}, .material = *m};
  place_point(at, lx, ly, p.centre);
  p.centre[2] = z;
  float c = cosf(at->yaw), sn = sinf(at->yaw);
  const float axes[3][3] = {{c, sn, 0.0f}, {0.0f, 0.0f, 1.0f}, {-sn, c, 0.0f}}; /* axis along the object's y */
  memcpy(p.axes, axes, sizeof axes);
  return synth_add(s, &p);
}

geocl_status synth_ball(synth_scene *s, const synth_place *at, float lx, float ly, float z, float r,
                        const synth_material *m) {
  synth_prim p = {.shape = SHAPE_SPHERE, .half = {r, r, r}, .material = *m};
  place_point(at, lx, ly, p.centre);
  p.centre[2] = z;
  return synth_add(s, &p);
}

geocl_status synth_rect(synth_scene *s, const float c[3], const float ax[3], const float ay[3], float hx, float hy,
                        const synth_material *m) {
  synth_prim p = {.shape = SHAPE_QUAD, .half = {hx, hy, 0.0f}, .material = *m};
  memcpy(p.centre, c, sizeof p.centre);
  memcpy(p.axes[0], ax, sizeof p.axes[0]);
  memcpy(p.axes[1], ay, sizeof p.axes[1]);
  p.axes[2][0] = ax[1] * ay[2] - ax[2] * ay[1];
  p.axes[2][1] = ax[2] * ay[0] - ax[0] * ay[2];
  p.axes[2][2] = ax[0] * ay[1] - ax[1] * ay[0];
  return synth_add(s, &p);
}

void synth_scene_free(synth_scene *scene) {
  free(scene->prims);
  memset(scene, 0, sizeof *scene);
}

geocl_status synth_scene_build(synth_scene *scene, geocl_synth_kind kind, uint64_t seed, uint64_t index, int frames) {
  synth_prim *prims = scene->prims;
  int capacity = scene->capacity;
  memset(scene, 0, sizeof *scene);
  scene->prims = prims;
  scene->capacity = capacity;
  geocl_keyed_rng rng;
  geocl_keyed_init(&rng, seed, GEOCL_STREAM_SCENE, index, 0);
  return kind == GEOCL_SYNTH_STREET ? synth_scene_build_street(scene, &rng, frames)
                                    : synth_scene_build_room(scene, &rng, frames);
}

void synth_path_pose(const synth_path *path, double t, double pose[12]) {
  double pos[3], yaw;
  double sway = path->sway_amp * sin(path->sway_freq * t + path->sway_phase);
  double look = path->yaw_amp * sin(path->yaw_freq * t + path->yaw_phase);
  if (path->orbit) {
    double theta = path->phase + path->step * t;
    double dx = path->radius[0] * cos(theta), dy = path->radius[1] * sin(theta);
    pos[0] = path->origin[0] + dx;
    pos[1] = path->origin[1] + dy;
    pos[2] = path->origin[2] + sway;
    yaw = atan2(-dy, -dx) + look; /* across the room, through its centre */
  } else {
    pos[0] = path->origin[0] + path->step * t;
    pos[1] = path->origin[1] + sway;
    pos[2] = path->origin[2];
    yaw = look;
  }
  double cp = cos(path->pitch), sp = sin(path->pitch), cy = cos(yaw), sy = sin(yaw);
  const double x[3] = {sy, -cy, 0.0};                                                                    /* right */
  const double z[3] = {cp * cy, cp * sy, sp};                                                            /* forward */
  const double y[3] = {z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]}; /* down */
  for (int i = 0; i < 3; i++) {
    pose[4 * i + 0] = x[i];
    pose[4 * i + 1] = y[i];
    pose[4 * i + 2] = z[i];
    pose[4 * i + 3] = pos[i];
  }
}

void synth_camera_init(synth_camera *cam, int width, int height) {
  cam->width = width;
  cam->height = height;
  cam->fx = cam->fy = 0.5 * width / tan(M_PI / 6.0); /* 60 degrees across */
  cam->cx = 0.5 * width;
  cam->cy = 0.5 * height;
}

void synth_rig_velo_to_cam(double tr[12]) {
  /* LiDAR axes (forward, left, up) = camera (z, -x, -y); mounted 8 cm above
   * and 27 cm behind the camera, as on KITTI's car */
  const double m[12] = {0, -1, 0, 0, 0, 0, -1, -0.08, 1, 0, 0, -0.27};
  memcpy(tr, m, sizeof m);
}

void synth_pose_compose(const double a[12], const double b[12], double out[12]) {
  double r[12];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      r[4 * i + j] =
          a[4 * i] * b[j] + a[4 * i + 1] * b[4 + j] + a[4 * i + 2] * b[8 + j] + (j == 3 ? a[4 * i + 3] : 0.0);
  memcpy(out, r, sizeof r);
}

void synth_pose_invert(const double a[12], double out[12]) {
  double r[12];
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 3; j++) r[4 * i + j] = a[4 * j + i];
    r[4 * i + 3] = -(a[i] * a[3] + a[4 + i] * a[7] + a[8 + i] * a[11]);
  }
  memcpy(out, r, sizeof r);
}
