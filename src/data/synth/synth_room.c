/* SPDX-License-Identifier: MIT */
/* Indoor scenes: a room with textured floor, walls and ceiling, furniture
 * along the walls and in the middle, a ceiling lamp, and a camera orbiting
 * the room's centre at eye height, looking across it. */
#include <math.h>

#include "synth_internal.h"

#define MAX_FOOTPRINTS 64
#define PATH_SAMPLES 72
#define CAMERA_CLEARANCE 0.7f /* from the camera path to any furniture (the LiDAR sits 27 cm behind) */

typedef struct room {
  synth_scene *scene;
  geocl_keyed_rng *rng;
  float half_w, half_d, height;
  float footprint[MAX_FOOTPRINTS][3]; /* x, y, radius of what stands on the floor */
  int n_footprints;
  float path[PATH_SAMPLES][2];
} room;

static const float wood[3] = {0.42f, 0.24f, 0.11f}, dark_wood[3] = {0.2f, 0.1f, 0.05f};
static const float light_wood[3] = {0.62f, 0.45f, 0.26f};
static const float white[3] = {0.78f, 0.78f, 0.76f}, grey[3] = {0.35f, 0.35f, 0.36f};
static const float metal[3] = {0.55f, 0.56f, 0.58f};
static const float green[3] = {0.12f, 0.36f, 0.08f}, dark_green[3] = {0.04f, 0.16f, 0.03f};
/* saturated accents for fabrics, balls, pictures */
static const float accents[8][3] = {{0.65f, 0.08f, 0.06f}, {0.08f, 0.2f, 0.6f}, {0.75f, 0.55f, 0.05f},
                                    {0.1f, 0.45f, 0.2f},   {0.5f, 0.1f, 0.45f}, {0.8f, 0.35f, 0.1f},
                                    {0.1f, 0.5f, 0.55f},   {0.55f, 0.5f, 0.42f}};
static const float wall_colours[5][3] = {
    {0.75f, 0.72f, 0.62f}, {0.6f, 0.68f, 0.72f}, {0.72f, 0.6f, 0.55f}, {0.66f, 0.72f, 0.6f}, {0.8f, 0.8f, 0.78f}};

static const float *pick(geocl_keyed_rng *rng, const float (*colours)[3], int n) { return colours[geocl_keyed_below(rng, n)]; }

static void accent(room *r, float out[3]) { synth_colour_near(r->rng, pick(r->rng, accents, 8), 0.15f, out); }

/* Is a disc of radius rad at (x, y) free of other furniture and the camera's
 * path (and, for free-standing things, of the walls)? */
static int is_free(const room *r, float x, float y, float rad, int check_walls) {
  if (check_walls && (fabsf(x) + rad > r->half_w - 0.02f || fabsf(y) + rad > r->half_d - 0.02f)) return 0;
  for (int i = 0; i < r->n_footprints; i++) {
    float dx = x - r->footprint[i][0], dy = y - r->footprint[i][1];
    if (dx * dx + dy * dy < (rad + r->footprint[i][2]) * (rad + r->footprint[i][2])) return 0;
  }
  for (int i = 0; i < PATH_SAMPLES; i++) {
    float dx = x - r->path[i][0], dy = y - r->path[i][1], min = rad + CAMERA_CLEARANCE;
    if (dx * dx + dy * dy < min * min) return 0;
  }
  return 1;
}

static void claim(room *r, float x, float y, float rad) {
  if (r->n_footprints == MAX_FOOTPRINTS) return;
  r->footprint[r->n_footprints][0] = x;
  r->footprint[r->n_footprints][1] = y;
  r->footprint[r->n_footprints][2] = rad;
  r->n_footprints++;
}

/* A place against wall w (0: +y, 1: -y, 2: +x, 3: -x) for an object of the
 * given width and depth, facing into the room; 0 when none was found. */
static int wall_place(room *r, float width, float depth, synth_place *at) {
  for (int attempt = 0; attempt < 8; attempt++) {
    int w = (int)geocl_keyed_below(r->rng, 4);
    float along_half = w < 2 ? r->half_w : r->half_d, inward = depth * 0.5f + 0.02f;
    if (along_half - 0.5f * width - 0.05f <= 0.0f) continue;
    float a = geocl_keyed_range(r->rng, -(along_half - 0.5f * width - 0.05f), along_half - 0.5f * width - 0.05f);
    switch (w) {
    case 0: *at = (synth_place){a, r->half_d - inward, (float)M_PI}; break;
    case 1: *at = (synth_place){a, -r->half_d + inward, 0.0f}; break;
    case 2: *at = (synth_place){r->half_w - inward, a, (float)M_PI_2}; break;
    default: *at = (synth_place){-r->half_w + inward, a, (float)-M_PI_2}; break;
    }
    float rad = 0.5f * sqrtf(width * width + depth * depth);
    if (is_free(r, at->x, at->y, rad, 0)) {
      claim(r, at->x, at->y, rad);
      return 1;
    }
  }
  return 0;
}

static int free_place(room *r, float rad, synth_place *at) {
  for (int attempt = 0; attempt < 12; attempt++) {
    *at = (synth_place){geocl_keyed_range(r->rng, -r->half_w, r->half_w), geocl_keyed_range(r->rng, -r->half_d, r->half_d),
                        geocl_keyed_range(r->rng, 0.0f, (float)(2.0 * M_PI))};
    if (is_free(r, at->x, at->y, rad, 1)) {
      claim(r, at->x, at->y, rad);
      return 1;
    }
  }
  return 0;
}

static geocl_status cabinet(room *r) {
  synth_place at;
  float w = geocl_keyed_range(r->rng, 0.6f, 1.8f), d = geocl_keyed_range(r->rng, 0.35f, 0.6f), h = geocl_keyed_range(r->rng, 0.7f, 2.1f);
  if (!wall_place(r, w, d, &at)) return GEOCL_OK;
  float c[3];
  synth_colour_near(r->rng, geocl_keyed_unit(r->rng) < 0.5f ? wood : white, 0.2f, c);
  synth_material body = synth_mat(PATTERN_PLANKS, c, dark_wood, 0.25f, r->rng);
  geocl_status st = synth_box(r->scene, &at, 0, 0, 0, w, d, h, &body);
  /* things on top of low cabinets */
  if (st == GEOCL_OK && h < 1.2f) {
    float a[3];
    accent(r, a);
    synth_material m = synth_mat(PATTERN_STRIPES, a, white, 0.04f, r->rng);
    float size = geocl_keyed_range(r->rng, 0.1f, 0.22f);
    if (geocl_keyed_unit(r->rng) < 0.5f)
      st = synth_ball(r->scene, &at, geocl_keyed_range(r->rng, -0.3f, 0.3f) * w, 0, h + size, size, &m);
    else
      st = synth_post(r->scene, &at, geocl_keyed_range(r->rng, -0.3f, 0.3f) * w, 0, h, 0.6f * size, 2.0f * size, &m);
  }
  return st;
}

static geocl_status shelf(room *r) {
  synth_place at;
  float w = geocl_keyed_range(r->rng, 0.8f, 1.6f), d = 0.35f, h = geocl_keyed_range(r->rng, 1.6f, 2.2f);
  if (!wall_place(r, w, d, &at)) return GEOCL_OK;
  float c[3];
  synth_colour_near(r->rng, light_wood, 0.15f, c);
  synth_material frame = synth_mat(PATTERN_PLANKS, c, wood, 0.2f, r->rng);
  geocl_status st = synth_box(r->scene, &at, 0, -0.15f, 0, w, 0.04f, h, &frame); /* back */
  int levels = 4;
  for (int i = 0; st == GEOCL_OK && i <= levels; i++) {
    float z = i * (h - 0.03f) / levels;
    st = synth_box(r->scene, &at, 0, 0, z, w, d, 0.03f, &frame);
    /* a row of books */
    for (float x = -0.5f * w + 0.05f; st == GEOCL_OK && i < levels && x < 0.5f * w - 0.12f;) {
      float bw = geocl_keyed_range(r->rng, 0.03f, 0.08f), bh = geocl_keyed_range(r->rng, 0.6f, 0.9f) * (h / levels - 0.05f);
      float bc[3];
      accent(r, bc);
      synth_material book = synth_mat(PATTERN_PLAIN, bc, NULL, 0.1f, r->rng);
      if (geocl_keyed_unit(r->rng) < 0.85f)
        st = synth_box(r->scene, &at, x + 0.5f * bw, 0.0f, z + 0.03f, bw, 0.22f, bh, &book);
      x += bw + 0.005f;
    }
  }
  for (int side = -1; st == GEOCL_OK && side <= 1; side += 2)
    st = synth_box(r->scene, &at, side * (0.5f * w - 0.015f), 0, 0, 0.03f, d, h, &frame);
  return st;
}

static geocl_status sofa(room *r) {
  synth_place at;
  float w = geocl_keyed_range(r->rng, 1.6f, 2.4f), d = 0.9f;
  if (!wall_place(r, w, d, &at)) return GEOCL_OK;
  float c[3], c2[3];
  accent(r, c);
  synth_colour_near(r->rng, c, 0.3f, c2);
  synth_material fabric = synth_mat(PATTERN_NOISE, c, c2, 0.08f, r->rng);
  geocl_status st = synth_box(r->scene, &at, 0, 0.05f, 0.1f, w - 0.3f, d - 0.1f, 0.35f, &fabric);
  if (st == GEOCL_OK) st = synth_box(r->scene, &at, 0, -0.35f, 0.1f, w, 0.2f, 0.8f, &fabric);
  for (int side = -1; st == GEOCL_OK && side <= 1; side += 2)
    st = synth_box(r->scene, &at, side * (0.5f * w - 0.075f), 0.05f, 0.1f, 0.15f, d - 0.1f, 0.6f, &fabric);
  synth_material feet = synth_mat(PATTERN_PLAIN, dark_wood, NULL, 0.1f, r->rng);
  if (st == GEOCL_OK) st = synth_box(r->scene, &at, 0, 0, 0, w - 0.1f, d - 0.15f, 0.1f, &feet);
  return st;
}

static geocl_status plant(room *r, int against_wall) {
  synth_place at;
  float pot = geocl_keyed_range(r->rng, 0.14f, 0.25f), crown = geocl_keyed_range(r->rng, 0.3f, 0.55f);
  if (!(against_wall ? wall_place(r, 2.0f * crown, 2.0f * crown, &at) : free_place(r, crown, &at))) return GEOCL_OK;
  float pc[3];
  accent(r, pc);
  synth_material clay = synth_mat(PATTERN_STRIPES, pc, white, 0.05f, r->rng);
  synth_material leaves = synth_mat(PATTERN_NOISE, green, dark_green, 0.07f, r->rng);
  float pot_h = geocl_keyed_range(r->rng, 0.3f, 0.5f);
  geocl_status st = synth_post(r->scene, &at, 0, 0, 0, pot, pot_h, &clay);
  if (st == GEOCL_OK) st = synth_ball(r->scene, &at, 0, 0, pot_h + crown * 0.85f, crown, &leaves);
  return st;
}

static geocl_status floor_lamp(room *r) {
  synth_place at;
  if (!wall_place(r, 0.5f, 0.5f, &at)) return GEOCL_OK;
  synth_material pole = synth_mat(PATTERN_PLAIN, metal, NULL, 0.1f, r->rng);
  float shade_colour[3];
  synth_colour_near(r->rng, (const float[3]){0.9f, 0.85f, 0.7f}, 0.1f, shade_colour);
  synth_material shade = synth_mat(PATTERN_STRIPES, shade_colour, white, 0.03f, r->rng);
  float h = geocl_keyed_range(r->rng, 1.3f, 1.7f);
  geocl_status st = synth_post(r->scene, &at, 0, 0, 0, 0.18f, 0.03f, &pole);
  if (st == GEOCL_OK) st = synth_post(r->scene, &at, 0, 0, 0.03f, 0.02f, h, &pole);
  if (st == GEOCL_OK) st = synth_post(r->scene, &at, 0, 0, h - 0.1f, 0.2f, 0.3f, &shade);
  return st;
}

static geocl_status table(room *r) {
  synth_place at;
  float w = geocl_keyed_range(r->rng, 0.9f, 1.8f), d = geocl_keyed_range(r->rng, 0.6f, 1.0f), h = geocl_keyed_range(r->rng, 0.45f, 0.78f);
  if (!free_place(r, 0.5f * sqrtf(w * w + d * d), &at)) return GEOCL_OK;
  float c[3];
  synth_colour_near(r->rng, geocl_keyed_unit(r->rng) < 0.6f ? wood : light_wood, 0.15f, c);
  synth_material top = synth_mat(PATTERN_PLANKS, c, dark_wood, 0.15f, r->rng);
  geocl_status st = synth_box(r->scene, &at, 0, 0, h - 0.04f, w, d, 0.04f, &top);
  for (int i = 0; st == GEOCL_OK && i < 4; i++)
    st = synth_post(r->scene, &at, (i & 1 ? 1 : -1) * (0.5f * w - 0.07f), (i & 2 ? 1 : -1) * (0.5f * d - 0.07f), 0,
                    0.03f, h - 0.04f, &top);
  /* a few things on the table */
  int things = (int)geocl_keyed_below(r->rng, 4);
  for (int i = 0; st == GEOCL_OK && i < things; i++) {
    float a[3], lx = geocl_keyed_range(r->rng, -0.35f, 0.35f) * w, ly = geocl_keyed_range(r->rng, -0.3f, 0.3f) * d;
    accent(r, a);
    synth_material m = synth_mat(i & 1 ? PATTERN_TILES : PATTERN_PLAIN, a, white, 0.04f, r->rng);
    float s = geocl_keyed_range(r->rng, 0.06f, 0.15f);
    switch (geocl_keyed_below(r->rng, 3)) {
    case 0: st = synth_ball(r->scene, &at, lx, ly, h + s, s, &m); break;
    case 1: st = synth_post(r->scene, &at, lx, ly, h, 0.6f * s, 2.0f * s, &m); break;
    default: st = synth_box(r->scene, &at, lx, ly, h, 2.5f * s, 1.8f * s, 0.6f * s, &m); break;
    }
  }
  return st;
}

static geocl_status chair_or_stool(room *r) {
  synth_place at;
  if (!free_place(r, 0.3f, &at)) return GEOCL_OK;
  float c[3];
  synth_colour_near(r->rng, geocl_keyed_unit(r->rng) < 0.5f ? wood : pick(r->rng, accents, 8), 0.15f, c);
  synth_material m = synth_mat(PATTERN_PLANKS, c, dark_wood, 0.1f, r->rng);
  float h = geocl_keyed_range(r->rng, 0.42f, 0.5f);
  geocl_status st = synth_box(r->scene, &at, 0, 0, h - 0.04f, 0.42f, 0.42f, 0.04f, &m);
  for (int i = 0; st == GEOCL_OK && i < 4; i++)
    st = synth_box(r->scene, &at, (i & 1 ? 0.18f : -0.18f), (i & 2 ? 0.18f : -0.18f), 0, 0.035f, 0.035f, h - 0.04f, &m);
  if (st == GEOCL_OK && geocl_keyed_unit(r->rng) < 0.7f) st = synth_box(r->scene, &at, 0, -0.19f, h, 0.42f, 0.04f, 0.45f, &m);
  return st;
}

static geocl_status ball(room *r) {
  synth_place at;
  float rad = geocl_keyed_range(r->rng, 0.1f, 0.35f);
  if (!free_place(r, rad, &at)) return GEOCL_OK;
  float a[3];
  accent(r, a);
  synth_material m =
      synth_mat(geocl_keyed_unit(r->rng) < 0.5f ? PATTERN_STRIPES : PATTERN_TILES, a, white, rad * 0.6f, r->rng);
  return synth_ball(r->scene, &at, 0, 0, rad, rad, &m);
}

static geocl_status crates(room *r) {
  synth_place at;
  float s = geocl_keyed_range(r->rng, 0.35f, 0.6f);
  if (!free_place(r, s, &at)) return GEOCL_OK;
  float c[3];
  synth_colour_near(r->rng, light_wood, 0.2f, c);
  synth_material m = synth_mat(PATTERN_PLANKS, c, wood, s / 4.0f, r->rng);
  geocl_status st = synth_box(r->scene, &at, 0, 0, 0, s, s, s, &m);
  if (st == GEOCL_OK && geocl_keyed_unit(r->rng) < 0.6f) {
    synth_place top = {at.x, at.y, at.yaw + geocl_keyed_range(r->rng, -0.5f, 0.5f)};
    st = synth_box(r->scene, &top, 0, 0, s, 0.8f * s, 0.8f * s, 0.8f * s, &m);
  }
  return st;
}

/* A rug: flat enough to pass under the camera, so it claims no floor. */
static geocl_status rug(room *r) {
  float w = geocl_keyed_range(r->rng, 1.5f, 2.2f * r->half_w * 0.6f), d = geocl_keyed_range(r->rng, 1.2f, 2.0f * r->half_d * 0.6f);
  synth_place at = {geocl_keyed_range(r->rng, -0.3f, 0.3f), geocl_keyed_range(r->rng, -0.3f, 0.3f), 0.0f};
  float c0[3], c1[3];
  accent(r, c0);
  accent(r, c1);
  synth_material m = synth_mat(geocl_keyed_unit(r->rng) < 0.5f ? PATTERN_STRIPES : PATTERN_TILES, c0, c1,
                               geocl_keyed_range(r->rng, 0.15f, 0.4f), r->rng);
  return synth_box(r->scene, &at, 0, 0, 0, w, d, 0.01f, &m);
}

/* Flat things on the walls (pictures, a door, a window): no footprint. */
static geocl_status wall_decor(room *r, int kind) {
  int w = (int)geocl_keyed_below(r->rng, 4);
  float along_half = w < 2 ? r->half_w : r->half_d;
  float width = kind == 1 ? 0.9f : geocl_keyed_range(r->rng, 0.5f, 1.4f);
  float height = kind == 1 ? 2.05f : geocl_keyed_range(r->rng, 0.4f, 1.0f);
  float bottom = kind == 1 ? 0.0f : geocl_keyed_range(r->rng, 1.0f, r->height - height - 0.2f);
  if (along_half < 0.5f * width + 0.2f) return GEOCL_OK;
  float a = geocl_keyed_range(r->rng, -(along_half - 0.5f * width - 0.2f), along_half - 0.5f * width - 0.2f);
  synth_place at;
  float inward = 0.02f;
  switch (w) {
  case 0: at = (synth_place){a, r->half_d - inward, (float)M_PI}; break;
  case 1: at = (synth_place){a, -r->half_d + inward, 0.0f}; break;
  case 2: at = (synth_place){r->half_w - inward, a, (float)M_PI_2}; break;
  default: at = (synth_place){-r->half_w + inward, a, (float)-M_PI_2}; break;
  }
  float c0[3], c1[3];
  synth_material m;
  if (kind == 1) { /* door */
    synth_colour_near(r->rng, wood, 0.2f, c0);
    m = synth_mat(PATTERN_PLANKS, c0, dark_wood, 0.3f, r->rng);
  } else if (kind == 2) { /* window: bright sky */
    m = synth_mat(PATTERN_TILES, (const float[3]){1.4f, 1.5f, 1.7f}, (const float[3]){1.0f, 1.1f, 1.3f}, 0.5f * height,
                  r->rng);
  } else { /* picture */
    accent(r, c0);
    accent(r, c1);
    m = synth_mat(geocl_keyed_unit(r->rng) < 0.5f ? PATTERN_NOISE : PATTERN_STRIPES, c0, c1, geocl_keyed_range(r->rng, 0.08f, 0.3f),
                  r->rng);
  }
  synth_material frame = synth_mat(PATTERN_PLAIN, kind == 2 ? white : dark_wood, NULL, 0.1f, r->rng);
  geocl_status st = synth_box(r->scene, &at, 0, 0.0f, bottom - 0.03f, width + 0.08f, 0.03f, height + 0.06f, &frame);
  if (st == GEOCL_OK) st = synth_box(r->scene, &at, 0, 0.02f, bottom, width, 0.03f, height, &m);
  return st;
}

static geocl_status shell(room *r) {
  synth_scene *s = r->scene;
  float hw = r->half_w, hd = r->half_d, h = r->height;
  float c[3], c2[3];
  synth_material floor;
  switch (geocl_keyed_below(r->rng, 3)) {
  case 0:
    synth_colour_near(r->rng, wood, 0.25f, c);
    floor = synth_mat(PATTERN_PLANKS, c, dark_wood, geocl_keyed_range(r->rng, 0.12f, 0.22f), r->rng);
    break;
  case 1:
    synth_colour_near(r->rng, white, 0.1f, c);
    synth_colour_near(r->rng, grey, 0.3f, c2);
    floor = synth_mat(PATTERN_TILES, c, c2, geocl_keyed_range(r->rng, 0.3f, 0.6f), r->rng);
    break;
  default:
    accent(r, c);
    synth_colour_near(r->rng, c, 0.35f, c2);
    floor = synth_mat(PATTERN_NOISE, c, c2, 0.2f, r->rng);
    break;
  }
  synth_colour_near(r->rng, pick(r->rng, wall_colours, 5), 0.08f, c);
  synth_colour_near(r->rng, c, 0.15f, c2);
  synth_material walls;
  switch (geocl_keyed_below(r->rng, 3)) {
  case 0: walls = synth_mat(PATTERN_PLAIN, c, NULL, 0.5f, r->rng); break;
  case 1: walls = synth_mat(PATTERN_STRIPES, c, c2, geocl_keyed_range(r->rng, 0.08f, 0.25f), r->rng); break;
  default: walls = synth_mat(PATTERN_BRICK, c, (const float[3]){0.8f, 0.8f, 0.8f}, 0.12f, r->rng); break;
  }
  synth_material ceiling = synth_mat(PATTERN_PLAIN, (const float[3]){0.85f, 0.85f, 0.83f}, NULL, 1.0f, r->rng);
  static const float x[3] = {1, 0, 0}, y[3] = {0, 1, 0}, z[3] = {0, 0, 1};
  geocl_status st = synth_rect(s, (const float[3]){0, 0, 0}, x, y, hw, hd, &floor);
  if (st == GEOCL_OK) st = synth_rect(s, (const float[3]){0, 0, h}, x, y, hw, hd, &ceiling);
  if (st == GEOCL_OK) st = synth_rect(s, (const float[3]){0, hd, 0.5f * h}, x, z, hw, 0.5f * h, &walls);
  if (st == GEOCL_OK) st = synth_rect(s, (const float[3]){0, -hd, 0.5f * h}, x, z, hw, 0.5f * h, &walls);
  if (st == GEOCL_OK) st = synth_rect(s, (const float[3]){hw, 0, 0.5f * h}, y, z, hd, 0.5f * h, &walls);
  if (st == GEOCL_OK) st = synth_rect(s, (const float[3]){-hw, 0, 0.5f * h}, y, z, hd, 0.5f * h, &walls);
  /* the lamp fitting */
  synth_material lamp = synth_mat(PATTERN_PLAIN, (const float[3]){2.0f, 1.9f, 1.6f}, NULL, 1.0f, r->rng);
  synth_place above = {s->lamp[0], s->lamp[1], 0};
  if (st == GEOCL_OK) st = synth_ball(s, &above, 0, 0, s->lamp[2] + 0.2f, 0.12f, &lamp); /* lit from just below */
  if (st == GEOCL_OK) st = synth_post(s, &above, 0, 0, s->lamp[2] + 0.3f, 0.01f, h - s->lamp[2] - 0.3f, &ceiling);
  return st;
}

geocl_status synth_scene_build_room(synth_scene *s, geocl_keyed_rng *rng, int frames) {
  (void)frames; /* the orbit repeats, so any length fits */
  room r = {.scene = s, .rng = rng};
  r.half_w = 0.5f * geocl_keyed_range(rng, 5.5f, 8.5f);
  r.half_d = 0.5f * geocl_keyed_range(rng, 4.5f, 7.0f);
  r.height = geocl_keyed_range(rng, 2.6f, 3.2f);

  s->outdoor = 0;
  s->lamp[0] = geocl_keyed_range(rng, -0.5f, 0.5f);
  s->lamp[1] = geocl_keyed_range(rng, -0.5f, 0.5f);
  s->lamp[2] = r.height - 0.45f;
  s->lamp_reach = geocl_keyed_range(rng, 3.0f, 4.5f);
  synth_colour_near(rng, (const float[3]){1.25f, 1.12f, 0.95f}, 0.05f, s->key_rgb);
  synth_colour_near(rng, (const float[3]){0.33f, 0.33f, 0.36f}, 0.05f, s->ambient_rgb);

  synth_path *p = &s->path;
  p->orbit = 1;
  p->origin[2] = geocl_keyed_range(rng, 1.3f, 1.7f);
  p->radius[0] = (r.half_w - 1.9f) * geocl_keyed_range(rng, 0.6f, 1.0f);
  p->radius[1] = (r.half_d - 1.9f) * geocl_keyed_range(rng, 0.6f, 1.0f);
  for (int i = 0; i < 2; i++)
    if (p->radius[i] < 0.4) p->radius[i] = 0.4;
  p->phase = geocl_keyed_range(rng, 0.0f, (float)(2.0 * M_PI));
  p->step = (geocl_keyed_unit(rng) < 0.5f ? -1.0 : 1.0) * geocl_keyed_range(rng, 0.05f, 0.075f);
  p->sway_amp = 0.08;
  p->sway_freq = 0.21;
  p->sway_phase = geocl_keyed_range(rng, 0.0f, 6.0f);
  p->yaw_amp = geocl_keyed_range(rng, 0.15f, 0.35f);
  p->yaw_freq = geocl_keyed_range(rng, 0.08f, 0.15f);
  p->yaw_phase = geocl_keyed_range(rng, 0.0f, 6.0f);
  p->pitch = -geocl_keyed_range(rng, 0.12f, 0.28f);
  for (int i = 0; i < PATH_SAMPLES; i++) {
    double a = 2.0 * M_PI * i / PATH_SAMPLES;
    r.path[i][0] = (float)(p->radius[0] * cos(a));
    r.path[i][1] = (float)(p->radius[1] * sin(a));
  }

  geocl_status st = shell(&r);
  /* furniture: a fixed menu in a seeded order of attempts */
  int pieces = 20 + (int)geocl_keyed_below(rng, 10); /* attempts: some find no room */
  for (int i = 0; st == GEOCL_OK && i < pieces; i++) {
    switch (geocl_keyed_below(rng, 11)) {
    case 0: st = cabinet(&r); break;
    case 1: st = shelf(&r); break;
    case 2: st = sofa(&r); break;
    case 3: st = plant(&r, 1); break;
    case 4: st = floor_lamp(&r); break;
    case 5:
    case 6: st = table(&r); break;
    case 7: st = chair_or_stool(&r); break;
    case 8: st = ball(&r); break;
    case 9: st = crates(&r); break;
    default: st = plant(&r, 0); break;
    }
  }
  if (st == GEOCL_OK && geocl_keyed_unit(rng) < 0.7f) st = rug(&r);
  for (int i = 0, n = 2 + (int)geocl_keyed_below(rng, 4); st == GEOCL_OK && i < n; i++)
    st = wall_decor(&r, i == 0 ? 1 : i == 1 ? 2 : 0);
  return st;
}
