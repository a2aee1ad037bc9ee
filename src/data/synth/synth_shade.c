/* SPDX-License-Identifier: MIT */
/* Surfaces of the synthetic scenes: where a ray hit, the shape's normal and
 * texture coordinates, procedural patterns, and Lambertian light.
 *
 * Patterns are evaluated in the shape's own frame (so they stick to it) and
 * fade to their mean colour where their detail is smaller than a pixel, which
 * keeps distant textures from aliasing into noise. */
#include <math.h>
#include <string.h>

#include "synth_internal.h"

static inline uint32_t hash_cell(int32_t x, int32_t y, uint32_t seed) {
  uint32_t h = (uint32_t)x * 0x27d4eb2du ^ (uint32_t)y * 0x165667b1u ^ seed * 0x9e3779b9u;
  h ^= h >> 15;
  h *= 0x2c1b3c6du;
  h ^= h >> 12;
  h *= 0x297a2d39u;
  return h ^ (h >> 15);
}

/* Uniform in [0, 1) per integer cell. */
static inline float cell_unit(int32_t x, int32_t y, uint32_t seed) {
  return (float)(hash_cell(x, y, seed) >> 8) * (1.0f / 16777216.0f);
}

/* floor for texture coordinates (|x| < 2^31): inline, where floorf may be a
 * library call on plain x86-64 */
static inline int32_t floor_int(float x) {
  int32_t i = (int32_t)x;
  return i - (x < (float)i);
}

static inline float fractf(float x) { return x - (float)floor_int(x); }

/* Smooth value noise in [0, 1). */
static float value_noise(float u, float v, uint32_t seed) {
  int32_t iu = floor_int(u), iv = floor_int(v);
  float a = u - (float)iu, b = v - (float)iv;
  a = a * a * (3.0f - 2.0f * a);
  b = b * b * (3.0f - 2.0f * b);
  float n00 = cell_unit(iu, iv, seed), n10 = cell_unit(iu + 1, iv, seed);
  float n01 = cell_unit(iu, iv + 1, seed), n11 = cell_unit(iu + 1, iv + 1, seed);
  return (n00 + (n10 - n00) * a) + ((n01 + (n11 - n01) * a) - (n00 + (n10 - n00) * a)) * b;
}

/* How much of a pattern feature of this size survives at this pixel size:
 * all of it from 3 pixels across, none below 1.5. */
static inline float fade(float feature, float footprint) {
  float x = (feature / footprint - 1.5f) / 1.5f;
  return x <= 0.0f ? 0.0f : x >= 1.0f ? 1.0f : x;
}

static inline void mix3(const float a[3], const float b[3], float t, float out[3]) {
  for (int i = 0; i < 3; i++) out[i] = a[i] + (b[i] - a[i]) * t;
}

static inline void scale3(const float a[3], float s, float out[3]) {
  for (int i = 0; i < 3; i++) out[i] = a[i] * s;
}

/* Albedo of material m at texture coordinates (u, v) in metres: the
 * pattern's mean colour blended towards its detail as far as the detail is
 * resolved (detail is only computed where it shows). */
static void pattern(const synth_material *m, float u, float v, float footprint, const float half[3], float out[3]) {
  const float *c0 = m->colour[0], *c1 = m->colour[1];
  float s = m->scale, detail[3], mean[3], f;
  switch (m->pattern) {
  case PATTERN_PLAIN:
    f = fade(s, footprint);
    scale3(c0, f > 0.0f ? 1.0f + 0.16f * f * (value_noise(u / s, v / s, m->seed) - 0.5f) : 1.0f, out);
    return;
  case PATTERN_TILES: {
    mix3(c0, c1, 0.5f, mean);
    if ((f = fade(s, footprint)) == 0.0f) break;
    float fu = u / s, fv = v / s;
    int32_t iu = floor_int(fu), iv = floor_int(fv);
    scale3((iu + iv) & 1 ? c1 : c0, 0.9f + 0.2f * cell_unit(iu, iv, m->seed), detail);
    mix3(mean, detail, f, out);
    float gu = fractf(fu), gv = fractf(fv);
    if (gu < 0.04f || gv < 0.04f) {
      float grout[3];
      scale3(mean, 0.45f, grout);
      mix3(out, grout, fade(0.08f * s, footprint), out);
    }
    return;
  }
  case PATTERN_STRIPES: {
    mix3(c0, c1, 0.5f, mean);
    if ((f = fade(s, footprint)) == 0.0f) break;
    int32_t i = floor_int(u / s);
    scale3(i & 1 ? c1 : c0, 0.95f + 0.1f * value_noise(u * 4.0f / s, v * 4.0f / s, m->seed), detail);
    mix3(mean, detail, f, out);
    return;
  }
  case PATTERN_BRICK: {
    mix3(c0, c1, 0.15f, mean);
    if ((f = fade(s, footprint)) == 0.0f) break;
    float fv = v / s;
    int32_t row = floor_int(fv);
    float fu = u / (2.2f * s) + (row & 1 ? 0.5f : 0.0f);
    int32_t col = floor_int(fu);
    if (fractf(fv) < 0.12f || fractf(fu) < 0.055f)
      memcpy(detail, c1, sizeof detail); /* mortar */
    else
      scale3(c0, 0.75f + 0.5f * cell_unit(col, row, m->seed), detail);
    mix3(mean, detail, f, out);
    return;
  }
  case PATTERN_PLANKS: {
    mix3(c0, c1, 0.35f, mean);
    if ((f = fade(s, footprint)) == 0.0f) break;
    float fv = v / s;
    int32_t plank = floor_int(fv);
    float grain = value_noise(u * 1.5f / s + (float)plank * 7.31f, fv * 10.0f, m->seed);
    mix3(c0, c1, 0.7f * grain, detail);
    scale3(detail, 0.8f + 0.4f * cell_unit(plank, 0, m->seed), detail);
    if (fractf(fv) < 0.035f) scale3(detail, 0.45f, detail); /* the gap between planks */
    mix3(mean, detail, f, out);
    return;
  }
  case PATTERN_NOISE: {
    mix3(c0, c1, 0.5f, mean);
    if ((f = fade(s, footprint)) == 0.0f) break;
    float fine = fade(0.5f * s, footprint), n = 0.65f * value_noise(u / s, v / s, m->seed) + 0.175f;
    if (fine > 0.0f) n += 0.35f * fine * (value_noise(2.0f * u / s + 17.3f, 2.0f * v / s + 5.1f, m->seed) - 0.5f);
    mix3(c0, c1, 0.5f + (n - 0.5f) * f, out);
    return;
  }
  case PATTERN_FACADE: {
    mix3(c0, c1, 0.31f, mean);
    if ((f = fade(0.5f * s, footprint)) == 0.0f) break;
    float fu = u / s, fv = v / s;
    int32_t iu = floor_int(fu), iv = floor_int(fv);
    float gu = fractf(fu), gv = fractf(fv);
    if (gu > 0.22f && gu < 0.78f && gv > 0.3f && gv < 0.85f) {
      scale3(c1, 0.5f + cell_unit(iu, iv, m->seed), detail); /* a window, some lit */
    } else {
      float g = fade(0.8f, footprint);
      scale3(c0, g > 0.0f ? 1.0f + 0.14f * g * (value_noise(u / 0.8f, v / 0.8f, m->seed) - 0.5f) : 1.0f, detail);
      if (gv < 0.3f && gv > 0.24f) scale3(detail, 0.8f, detail); /* sill */
    }
    mix3(mean, detail, f, out);
    return;
  }
  case PATTERN_ROAD: {
    f = fade(1.0f / 3.0f, footprint);
    scale3(c0, f > 0.0f ? 1.0f + 0.3f * f * (value_noise(u * 3.0f, v * 3.0f, m->seed) - 0.5f) : 1.0f, out);
    float lateral = fabsf(v), parking = half[1] - 2.2f;
    int marking = (lateral < 0.08f && fractf(u / 9.0f) < 0.4f) || fabsf(lateral - parking) < 0.06f;
    if (marking) mix3(out, c1, fade(0.3f, footprint), out);
    return;
  }
  }
  memcpy(out, mean, sizeof mean);
}

float synth_reflectance(const synth_material *m, const float half[3]) {
  float mean[3];
  pattern(m, 0.0f, 0.0f, INFINITY, half, mean); /* no detail survives an infinite footprint */
  float y = 0.2126f * mean[0] + 0.7152f * mean[1] + 0.0722f * mean[2];
  return y < 1.0f ? y : 1.0f;
}

void synth_surface_at(const synth_caster *c, int slot, const float d[3], float t, float footprint, synth_surface *s) {
  const synth_seen *seen = &c->seen[slot];
  const synth_prim *p = &c->scene->prims[seen->prim];
  const float(*ax)[3] = seen->axes;
  const float *h = seen->half;
  float q[3], n[3] = {0.0f, 0.0f, 0.0f}, u, v;
  for (int i = 0; i < 3; i++) q[i] = seen->local[i] + t * (ax[i][0] * d[0] + ax[i][1] * d[1] + ax[i][2] * d[2]);
  switch (p->shape) {
  case SHAPE_QUAD:
    n[2] = 1.0f;
    u = q[0] + h[0];
    v = q[1] + h[1];
    if (p->material.pattern == PATTERN_ROAD) v = q[1]; /* lane markings are placed from the centre line */
    break;
  case SHAPE_BOX: {
    /* the face is the axis where the point is relatively farthest out */
    float rx = fabsf(q[0]) / h[0], ry = fabsf(q[1]) / h[1], rz = fabsf(q[2]) / h[2];
    int face = rx >= ry && rx >= rz ? 0 : ry >= rz ? 1 : 2;
    n[face] = q[face] >= 0.0f ? 1.0f : -1.0f;
    u = face == 0 ? q[1] + h[1] : q[0] + h[0];
    v = face == 2 ? q[1] + h[1] : q[2] + h[2];
    break;
  }
  case SHAPE_SPHERE: {
    float inv = 1.0f / h[0];
    for (int i = 0; i < 3; i++) n[i] = q[i] * inv;
    u = atan2f(q[1], q[0]) * h[0];
    v = q[2] + h[0];
    break;
  }
  default: { /* cylinder: side or a cap */
    if (fabsf(q[2]) >= h[2] * 0.9999f && q[0] * q[0] + q[1] * q[1] < h[0] * h[0] * 0.9999f) {
      n[2] = q[2] > 0.0f ? 1.0f : -1.0f;
      u = q[0];
      v = q[1];
    } else {
      float inv = 1.0f / h[0];
      n[0] = q[0] * inv;
      n[1] = q[1] * inv;
      u = atan2f(q[1], q[0]) * h[0];
      v = q[2] + h[2];
    }
    break;
  }
  }
  float dot = 0.0f;
  for (int i = 0; i < 3; i++) {
    s->normal[i] = n[0] * ax[0][i] + n[1] * ax[1][i] + n[2] * ax[2][i];
    dot += s->normal[i] * d[i];
  }
  if (dot > 0.0f)
    for (int i = 0; i < 3; i++) s->normal[i] = -s->normal[i];
  /* seen at a grazing angle, a pixel covers more of the surface */
  float cosine = fabsf(dot) / sqrtf(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  pattern(&p->material, u, v, footprint / (cosine > 0.2f ? cosine : 0.2f), h, s->albedo);
}

void synth_light(const synth_scene *scene, const float p[3], const synth_surface *s, float rgb[3]) {
  const float *n = s->normal;
  float key, ambient;
  if (scene->outdoor) {
    float ndl = n[0] * scene->sun[0] + n[1] * scene->sun[1] + n[2] * scene->sun[2];
    key = ndl > 0.0f ? ndl : 0.0f;
    ambient = 0.6f + 0.4f * n[2]; /* more sky from above */
  } else {
    float l[3] = {scene->lamp[0] - p[0], scene->lamp[1] - p[1], scene->lamp[2] - p[2]};
    float d2 = l[0] * l[0] + l[1] * l[1] + l[2] * l[2];
    float ndl = (n[0] * l[0] + n[1] * l[1] + n[2] * l[2]) / sqrtf(d2);
    key = (ndl > 0.0f ? ndl : 0.0f) / (1.0f + d2 / (scene->lamp_reach * scene->lamp_reach));
    ambient = 0.8f + 0.2f * n[2];
  }
  for (int i = 0; i < 3; i++) rgb[i] = s->albedo[i] * (scene->key_rgb[i] * key + scene->ambient_rgb[i] * ambient);
}

void synth_sky(const synth_scene *scene, const float d[3], float rgb[3]) {
  float up = d[2] / sqrtf(d[0] * d[0] + d[1] * d[1] + d[2] * d[2]);
  float t = up <= 0.0f ? 0.0f : up >= 0.5f ? 1.0f : sqrtf(2.0f * up);
  mix3(scene->sky_horizon, scene->sky_zenith, t, rgb);
}
