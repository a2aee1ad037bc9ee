/* SPDX-License-Identifier: MIT */
/* Outdoor scenes: a straight street with lane markings, sidewalks, rows of
 * buildings with windows, trees, street lamps and parked cars under a sunny
 * sky, and a camera driving along the right lane. */
#include <math.h>

#include "synth_internal.h"

typedef struct street {
  synth_scene *scene;
  geocl_keyed_rng *rng;
  float half_road, walk; /* road half width; sidewalk width */
  float x0, x1;          /* extent along the street */
} street;

static const float facade_colours[6][3] = {{0.62f, 0.55f, 0.45f}, {0.5f, 0.5f, 0.5f},   {0.55f, 0.28f, 0.2f},
                                           {0.75f, 0.73f, 0.68f}, {0.6f, 0.62f, 0.48f}, {0.45f, 0.5f, 0.58f}};
static const float car_colours[7][3] = {{0.6f, 0.04f, 0.03f},  {0.04f, 0.1f, 0.4f}, {0.7f, 0.7f, 0.72f},
                                        {0.05f, 0.05f, 0.05f}, {0.8f, 0.8f, 0.78f}, {0.25f, 0.3f, 0.2f},
                                        {0.7f, 0.5f, 0.05f}};
static const float glass[3] = {0.05f, 0.07f, 0.1f}, tyre[3] = {0.03f, 0.03f, 0.03f};
static const float bark[3] = {0.22f, 0.14f, 0.08f}, leaf[3] = {0.1f, 0.3f, 0.06f}, leaf_dark[3] = {0.03f, 0.12f, 0.02f};
static const float concrete[3] = {0.5f, 0.5f, 0.48f}, pole_grey[3] = {0.3f, 0.32f, 0.33f};

static geocl_status building(street *st_, float x, float width, int side) {
  geocl_keyed_rng *rng = st_->rng;
  float depth = geocl_keyed_range(rng, 10.0f, 18.0f), height = geocl_keyed_range(rng, 6.0f, 28.0f);
  float setback = geocl_keyed_range(rng, 0.0f, 1.5f);
  float y = side * (st_->half_road + st_->walk + setback + 0.5f * depth);
  float wall[3];
  synth_colour_near(rng, facade_colours[geocl_keyed_below(rng, 6)], 0.12f, wall);
  float windows[3];
  synth_colour_near(rng, glass, 0.3f, windows);
  synth_material m = synth_mat(PATTERN_FACADE, wall, windows, geocl_keyed_range(rng, 2.8f, 3.6f), rng);
  synth_place at = {x + 0.5f * width, y, 0.0f};
  geocl_status st = synth_box(st_->scene, &at, 0, 0, 0, width, depth, height, &m);
  if (st == GEOCL_OK && geocl_keyed_unit(rng) < 0.5f) { /* a roof ledge */
    float ledge[3];
    synth_colour_near(rng, wall, 0.2f, ledge);
    synth_material lm = synth_mat(PATTERN_PLAIN, ledge, NULL, 1.0f, rng);
    st = synth_box(st_->scene, &at, 0, 0, height, width + 0.4f, depth + 0.4f, 0.4f, &lm);
  }
  if (st == GEOCL_OK && geocl_keyed_unit(rng) < 0.35f) { /* a shop awning over the sidewalk */
    float a[3];
    synth_colour_near(rng, car_colours[geocl_keyed_below(rng, 7)], 0.1f, a);
    synth_material am = synth_mat(PATTERN_STRIPES, a, (const float[3]){0.8f, 0.8f, 0.78f}, 0.35f, rng);
    synth_place front = {x + 0.5f * width, side * (st_->half_road + st_->walk + setback - 0.6f), 0.0f};
    st = synth_box(st_->scene, &front, 0, 0, 2.6f, 0.7f * width, 1.2f, 0.12f, &am);
  }
  return st;
}

static geocl_status tree(street *s, float x, int side) {
  geocl_keyed_rng *rng = s->rng;
  synth_place at = {x, side * (s->half_road + 0.9f), 0.0f};
  float trunk = geocl_keyed_range(rng, 2.0f, 3.5f), crown = geocl_keyed_range(rng, 1.1f, 2.0f);
  synth_material b = synth_mat(PATTERN_NOISE, bark, (const float[3]){0.1f, 0.07f, 0.04f}, 0.1f, rng);
  float c[3];
  synth_colour_near(rng, leaf, 0.25f, c);
  synth_material l = synth_mat(PATTERN_NOISE, c, leaf_dark, 0.25f, rng);
  geocl_status st = synth_post(s->scene, &at, 0, 0, 0.15f, geocl_keyed_range(rng, 0.12f, 0.22f), trunk + 0.5f, &b);
  if (st == GEOCL_OK) st = synth_ball(s->scene, &at, 0, 0, 0.15f + trunk + 0.6f * crown, crown, &l);
  return st;
}

static geocl_status street_lamp(street *s, float x, int side) {
  synth_place at = {x, side * (s->half_road + 0.4f), side > 0 ? (float)M_PI : 0.0f};
  synth_material m = synth_mat(PATTERN_PLAIN, pole_grey, NULL, 1.0f, s->rng);
  synth_material head = synth_mat(PATTERN_PLAIN, (const float[3]){0.9f, 0.9f, 0.8f}, NULL, 1.0f, s->rng);
  float h = geocl_keyed_range(s->rng, 5.5f, 7.0f);
  geocl_status st = synth_post(s->scene, &at, 0, 0, 0.15f, 0.08f, h, &m);
  if (st == GEOCL_OK) st = synth_box(s->scene, &at, 0, 0.8f, h, 0.12f, 1.7f, 0.1f, &m);
  if (st == GEOCL_OK) st = synth_box(s->scene, &at, 0, 1.55f, h - 0.15f, 0.35f, 0.6f, 0.15f, &head);
  return st;
}

static geocl_status car(street *s, float x, float y, float yaw) {
  geocl_keyed_rng *rng = s->rng;
  synth_place at = {x, y, yaw};
  float paint[3];
  synth_colour_near(rng, car_colours[geocl_keyed_below(rng, 7)], 0.1f, paint);
  synth_material body = synth_mat(PATTERN_PLAIN, paint, NULL, 0.5f, rng);
  synth_material windows = synth_mat(PATTERN_PLAIN, glass, NULL, 0.5f, rng);
  synth_material wheel = synth_mat(PATTERN_PLAIN, tyre, NULL, 0.5f, rng);
  float length = geocl_keyed_range(rng, 3.8f, 4.8f), width = geocl_keyed_range(rng, 1.7f, 1.9f);
  /* object frame: x across the car, y along it (the front) */
  geocl_status st = synth_box(s->scene, &at, 0, 0, 0.3f, width, length, 0.75f, &body);
  if (st == GEOCL_OK)
    st = synth_box(s->scene, &at, 0, -0.1f * length, 1.05f, width - 0.1f, 0.5f * length, 0.5f, &windows);
  if (st == GEOCL_OK)
    st = synth_box(s->scene, &at, 0, -0.1f * length, 1.55f, width - 0.12f, 0.45f * length, 0.04f, &body);
  for (int i = 0; st == GEOCL_OK && i < 4; i++) {
    /* wheels turn about the car's x axis: a wheel frame turned a quarter */
    synth_place axle = {0, 0, yaw + (float)M_PI_2};
    float lx = (i & 1 ? 0.5f : -0.5f) * (width - 0.1f), ly = (i & 2 ? 0.33f : -0.33f) * length;
    float c = cosf(yaw), sn = sinf(yaw);
    axle.x = x + c * lx - sn * ly;
    axle.y = y + sn * lx + c * ly;
    st = synth_wheel(s->scene, &axle, 0, 0, 0.33f, 0.33f, 0.22f, &wheel);
  }
  return st;
}

static geocl_status ground(street *s) {
  geocl_keyed_rng *rng = s->rng;
  float cx = 0.5f * (s->x0 + s->x1), hx = 0.5f * (s->x1 - s->x0);
  static const float x[3] = {1, 0, 0}, y[3] = {0, 1, 0};
  synth_material road =
      synth_mat(PATTERN_ROAD, (const float[3]){0.1f, 0.1f, 0.11f}, (const float[3]){0.75f, 0.75f, 0.7f}, 1.0f, rng);
  geocl_status st = synth_rect(s->scene, (const float[3]){cx, 0, 0}, x, y, hx, s->half_road, &road);
  synth_material grass =
      synth_mat(PATTERN_NOISE, (const float[3]){0.15f, 0.25f, 0.07f}, (const float[3]){0.25f, 0.22f, 0.1f}, 1.5f, rng);
  if (st == GEOCL_OK) st = synth_rect(s->scene, (const float[3]){cx, 0, -0.02f}, x, y, hx + 300.0f, 300.0f, &grass);
  float c[3];
  synth_colour_near(rng, concrete, 0.1f, c);
  synth_material walk =
      synth_mat(PATTERN_TILES, c, (const float[3]){0.42f, 0.41f, 0.4f}, geocl_keyed_range(rng, 0.4f, 0.8f), rng);
  for (int side = -1; st == GEOCL_OK && side <= 1; side += 2) {
    synth_place at = {cx, side * (s->half_road + 0.5f * s->walk), 0.0f};
    st = synth_box(s->scene, &at, 0, 0, 0, 2.0f * hx, s->walk, 0.15f, &walk);
  }
  return st;
}

geocl_status synth_scene_build_street(synth_scene *s, geocl_keyed_rng *rng, int frames) {
  street st_ = {.scene = s, .rng = rng};
  st_.half_road = geocl_keyed_range(rng, 5.0f, 6.5f);
  st_.walk = geocl_keyed_range(rng, 2.5f, 4.0f);
  float speed = geocl_keyed_range(rng, 0.8f, 1.3f);
  st_.x0 = -60.0f;
  st_.x1 = (float)frames * speed + 120.0f;

  s->outdoor = 1;
  float elevation = geocl_keyed_range(rng, 0.45f, 1.0f), azimuth = geocl_keyed_range(rng, 0.0f, (float)(2.0 * M_PI));
  s->sun[0] = cosf(elevation) * cosf(azimuth);
  s->sun[1] = cosf(elevation) * sinf(azimuth);
  s->sun[2] = sinf(elevation);
  synth_colour_near(rng, (const float[3]){1.3f, 1.22f, 1.08f}, 0.05f, s->key_rgb);
  synth_colour_near(rng, (const float[3]){0.3f, 0.34f, 0.42f}, 0.05f, s->ambient_rgb);
  synth_colour_near(rng, (const float[3]){0.62f, 0.72f, 0.85f}, 0.05f, s->sky_horizon);
  synth_colour_near(rng, (const float[3]){0.13f, 0.27f, 0.65f}, 0.1f, s->sky_zenith);

  synth_path *p = &s->path;
  p->orbit = 0;
  p->origin[0] = 0.0;
  p->origin[1] = -0.5 * (st_.half_road - 2.2); /* the middle of the right driving lane */
  p->origin[2] = 1.65;
  p->step = speed;
  p->sway_amp = geocl_keyed_range(rng, 0.1f, 0.35f);
  p->sway_freq = geocl_keyed_range(rng, 0.04f, 0.08f);
  p->sway_phase = geocl_keyed_range(rng, 0.0f, 6.0f);
  p->yaw_amp = geocl_keyed_range(rng, 0.02f, 0.08f);
  p->yaw_freq = geocl_keyed_range(rng, 0.05f, 0.1f);
  p->yaw_phase = geocl_keyed_range(rng, 0.0f, 6.0f);
  p->pitch = -geocl_keyed_range(rng, 0.0f, 0.06f);

  geocl_status st = ground(&st_);
  for (int side = -1; st == GEOCL_OK && side <= 1; side += 2) {
    for (float x = st_.x0; st == GEOCL_OK && x < st_.x1;) {
      float width = geocl_keyed_range(rng, 8.0f, 22.0f);
      st = building(&st_, x, width, side);
      x += width + (geocl_keyed_unit(rng) < 0.25f ? geocl_keyed_range(rng, 2.0f, 6.0f) : 0.0f);
    }
    for (float x = st_.x0 + geocl_keyed_range(rng, 0.0f, 10.0f); st == GEOCL_OK && x < st_.x1;
         x += geocl_keyed_range(rng, 8.0f, 16.0f))
      if (geocl_keyed_unit(rng) < 0.75f) st = tree(&st_, x, side);
    for (float x = st_.x0 + geocl_keyed_range(rng, 0.0f, 20.0f); st == GEOCL_OK && x < st_.x1;
         x += geocl_keyed_range(rng, 22.0f, 30.0f))
      st = street_lamp(&st_, x, side);
    /* parked cars along the curb */
    for (float x = st_.x0; st == GEOCL_OK && x < st_.x1; x += geocl_keyed_range(rng, 5.5f, 8.0f))
      if (geocl_keyed_unit(rng) < 0.55f)
        st = car(&st_, x, side * (st_.half_road - 1.1f),
                 (side > 0 ? (float)M_PI_2 : (float)-M_PI_2) + geocl_keyed_range(rng, -0.05f, 0.05f));
  }
  /* a few cars standing in the other lane */
  for (float x = st_.x0 + geocl_keyed_range(rng, 0.0f, 30.0f); st == GEOCL_OK && x < st_.x1;
       x += geocl_keyed_range(rng, 25.0f, 60.0f))
    st = car(&st_, x, 0.5f * (st_.half_road - 2.2f), (float)M_PI_2);
  /* buildings closing both ends of the street */
  float across = 2.0f * (st_.half_road + st_.walk + 25.0f);
  for (int end = 0; st == GEOCL_OK && end < 2; end++) {
    float c[3];
    synth_colour_near(rng, facade_colours[geocl_keyed_below(rng, 6)], 0.1f, c);
    synth_material m = synth_mat(PATTERN_FACADE, c, glass, 3.2f, rng);
    synth_place at = {end ? st_.x1 + 10.0f : st_.x0 - 10.0f, 0.0f, 0.0f};
    st = synth_box(s, &at, 0, 0, 0, 20.0f, across, geocl_keyed_range(rng, 12.0f, 30.0f), &m);
  }
  return st;
}
