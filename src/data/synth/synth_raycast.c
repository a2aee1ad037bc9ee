/* SPDX-License-Identifier: MIT */
/* The ray caster: per-origin preparation, cone culling, and closest-hit tests
 * against quads, boxes, spheres and cylinders.
 *
 * Rays of one frame share an origin, so each shape's view of it is computed
 * once per frame: the origin in the shape's frame, the exact distance from
 * the origin to the shape, and which of its faces face the origin.  The
 * shapes are then sorted by that distance.  Renderers cull them per block of
 * neighbouring rays with a cone around the block: a shape stays if its
 * bounding sphere meets the cone and some direction in the cone approaches
 * one of its faces that face the origin.  A ray tests the block's shapes
 * nearest first and stops once its hit is closer than the next shape. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define HIT_EPSILON 1e-4f

void synth_cone_set(synth_cone *cone, const float axis[3], float half_angle) {
  float n = sqrtf(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
  for (int i = 0; i < 3; i++) cone->axis[i] = axis[i] / n;
  half_angle += 1e-4f;                      /* margin for rounding */
  if (half_angle > 1.5f) half_angle = 1.5f; /* wide blocks: still a cone, as conservative as needed */
  cone->cos_half = cosf(half_angle);
  cone->sin_half = sinf(half_angle);
  cone->tan_half = tanf(half_angle);
  cone->inv_cos_half = 1.0f / cone->cos_half;
}

void synth_caster_free(synth_caster *c) {
  free(c->seen);
  memset(c, 0, sizeof *c);
}

/* Does the sphere (centre at v from the apex, radius r) meet the cone?  The
 * signed distance from the centre to the cone's surface is
 * perp*cos - along*sin (never more than the true distance), so the test is
 * conservative. */
static inline int cone_meets_sphere(const synth_cone *cone, const float v[3], float r) {
  float along = v[0] * cone->axis[0] + v[1] * cone->axis[1] + v[2] * cone->axis[2];
  if (along < -r) return 0; /* wholly behind the apex */
  float d2 = v[0] * v[0] + v[1] * v[1] + v[2] * v[2];
  if (d2 <= r * r) return 1; /* apex inside */
  float perp2 = d2 - along * along;
  float perp = perp2 > 0.0f ? sqrtf(perp2) : 0.0f;
  return perp <= along * cone->tan_half + r * cone->inv_cos_half;
}

/* A ray can only enter a convex shape through a face that faces its origin,
 * and only by moving towards that face: some direction of the cone must be
 * within 90 degrees of one of the face directions. */
static inline int cone_approaches(const synth_cone *cone, const synth_seen *s) {
  if (s->n_faces < 0) return 1;
  for (int f = 0; f < s->n_faces; f++) {
    const float *m = s->faces[f];
    if (m[0] * cone->axis[0] + m[1] * cone->axis[1] + m[2] * cone->axis[2] > -cone->sin_half) return 1;
  }
  return 0;
}

static inline float clampf(float x, float h) { return x < -h ? -h : x > h ? h : x; }

/* Distance from the origin to the shape, and its faces towards the origin. */
static void see_shape(const synth_prim *p, synth_seen *s) {
  const float *o = s->local, *h = p->half;
  s->n_faces = -1;
  switch (p->shape) {
  case SHAPE_SPHERE: {
    float d = sqrtf(s->offset[0] * s->offset[0] + s->offset[1] * s->offset[1] + s->offset[2] * s->offset[2]) - h[0];
    s->near = d > 0.0f ? d : 0.0f;
    return;
  }
  case SHAPE_CYLINDER: {
    float radial = sqrtf(o[0] * o[0] + o[1] * o[1]) - h[0], axial = fabsf(o[2]) - h[2];
    radial = radial > 0.0f ? radial : 0.0f;
    axial = axial > 0.0f ? axial : 0.0f;
    s->near = sqrtf(radial * radial + axial * axial);
    return;
  }
  case SHAPE_QUAD: {
    float dx = o[0] - clampf(o[0], h[0]), dy = o[1] - clampf(o[1], h[1]);
    s->near = sqrtf(dx * dx + dy * dy + o[2] * o[2]);
    s->n_faces = 0;
    if (o[2] != 0.0f) { /* towards the plane from the origin's side */
      float sign = o[2] > 0.0f ? -1.0f : 1.0f;
      for (int k = 0; k < 3; k++) s->faces[0][k] = sign * p->axes[2][k];
      s->n_faces = 1;
    }
    return;
  }
  case SHAPE_BOX: {
    float d2 = 0.0f;
    int n = 0;
    for (int i = 0; i < 3; i++) {
      float e = o[i] - clampf(o[i], h[i]);
      d2 += e * e;
      if (e != 0.0f) {
        float sign = e > 0.0f ? -1.0f : 1.0f;
        for (int k = 0; k < 3; k++) s->faces[n][k] = sign * p->axes[i][k];
        n++;
      }
    }
    s->near = sqrtf(d2);
    s->n_faces = n > 0 ? n : -1; /* inside: every ray leaves through some face */
    return;
  }
  }
}

static geocl_status reserve(synth_caster *c, int n) {
  if (n <= c->capacity) return GEOCL_OK;
  int cap = c->capacity ? c->capacity : 256;
  while (cap < n) cap *= 2;
  synth_seen *seen = realloc(c->seen, (size_t)cap * sizeof *seen);
  if (!seen) return geocl_set_error(GEOCL_E_NOMEM, "synthetic scene: out of memory for %d shapes", cap);
  c->seen = seen;
  c->capacity = cap;
  return GEOCL_OK;
}

/* Nearest first, ties by shape index (deterministic). */
static int closer(const synth_seen *a, const synth_seen *b) {
  return a->near < b->near || (a->near == b->near && a->prim < b->prim);
}

geocl_status synth_caster_begin(synth_caster *c, const synth_scene *scene, const float origin[3], float max_range,
                                const synth_cone *view) {
  geocl_status st = reserve(c, scene->count);
  if (st != GEOCL_OK) return st;
  c->scene = scene;
  memcpy(c->origin, origin, sizeof c->origin);
  c->count = 0;
  for (int k = 0; k < scene->count; k++) {
    const synth_prim *p = &scene->prims[k];
    synth_seen s;
    for (int i = 0; i < 3; i++) s.offset[i] = p->centre[i] - origin[i];
    s.bound = p->bound;
    if (view && !cone_meets_sphere(view, s.offset, p->bound)) continue;
    const float *v = s.offset;
    memcpy(s.axes, p->axes, sizeof s.axes);
    memcpy(s.half, p->half, sizeof s.half);
    for (int i = 0; i < 3; i++) s.local[i] = -(v[0] * p->axes[i][0] + v[1] * p->axes[i][1] + v[2] * p->axes[i][2]);
    s.sphere_c = v[0] * v[0] + v[1] * v[1] + v[2] * v[2] - p->half[0] * p->half[0];
    s.shape = p->shape;
    s.prim = k;
    see_shape(p, &s);
    if (s.near > max_range || (view && !cone_approaches(view, &s))) continue;
    /* insertion into the sorted list */
    int j = c->count++;
    while (j > 0 && closer(&s, &c->seen[j - 1])) {
      c->seen[j] = c->seen[j - 1];
      j--;
    }
    c->seen[j] = s;
  }
  return GEOCL_OK;
}

int synth_cull(const synth_caster *c, const int *in, int n, const synth_cone *cone, int *out) {
  int m = 0;
  for (int i = 0; i < n; i++) {
    int slot = in ? in[i] : i;
    const synth_seen *s = &c->seen[slot];
    if (cone_meets_sphere(cone, s->offset, s->bound) && cone_approaches(cone, s)) out[m++] = slot;
  }
  return m;
}

/* Block intersections: one shape against all rays of a block, branch-free
 * so the compiler can run several rays per instruction.  Each ray keeps the
 * nearest hit in (HIT_EPSILON, t). */

/* The shape's numbers are copied to locals first: the block's arrays could
 * alias them as far as the compiler knows, which would stop it vectorising. */

static void hit_quads(const synth_seen *s, int slot, synth_block *b) {
  const float a00 = s->axes[0][0], a01 = s->axes[0][1], a02 = s->axes[0][2];
  const float a10 = s->axes[1][0], a11 = s->axes[1][1], a12 = s->axes[1][2];
  const float a20 = s->axes[2][0], a21 = s->axes[2][1], a22 = s->axes[2][2];
  const float o0 = s->local[0], o1 = s->local[1], o2 = s->local[2], h0 = s->half[0], h1 = s->half[1];
  for (int r = 0; r < SYNTH_BLOCK; r++) {
    float dx = b->dx[r], dy = b->dy[r], dz = b->dz[r];
    float x = a00 * dx + a01 * dy + a02 * dz, y = a10 * dx + a11 * dy + a12 * dz, z = a20 * dx + a21 * dy + a22 * dz;
    float t = -o2 / z; /* z = 0: infinite or NaN, both fail the tests below */
    float px = o0 + t * x, py = o1 + t * y;
    int ok = (t > HIT_EPSILON) & (t < b->t[r]) & (fabsf(px) <= h0) & (fabsf(py) <= h1);
    b->t[r] = ok ? t : b->t[r];
    b->hit[r] = ok ? slot : b->hit[r];
  }
}

/* One slab of a box: the entry and exit distances along direction d. */
static inline void slab(float d, float o, float h, float *t0, float *t1) {
  /* a ray along the slab's plane gives NaN, which the selects ignore */
  float lo = (-h - o) / d, hi = (h - o) / d;
  float near = lo < hi ? lo : hi, far = lo < hi ? hi : lo;
  *t0 = near > *t0 ? near : *t0;
  *t1 = far < *t1 ? far : *t1;
}

static void hit_boxes(const synth_seen *s, int slot, synth_block *b) {
  const float a00 = s->axes[0][0], a01 = s->axes[0][1], a02 = s->axes[0][2];
  const float a10 = s->axes[1][0], a11 = s->axes[1][1], a12 = s->axes[1][2];
  const float a20 = s->axes[2][0], a21 = s->axes[2][1], a22 = s->axes[2][2];
  const float o0 = s->local[0], o1 = s->local[1], o2 = s->local[2];
  const float h0 = s->half[0], h1 = s->half[1], h2 = s->half[2];
  for (int r = 0; r < SYNTH_BLOCK; r++) {
    float dx = b->dx[r], dy = b->dy[r], dz = b->dz[r];
    float t0 = -INFINITY, t1 = INFINITY;
    slab(a00 * dx + a01 * dy + a02 * dz, o0, h0, &t0, &t1);
    slab(a10 * dx + a11 * dy + a12 * dz, o1, h1, &t0, &t1);
    slab(a20 * dx + a21 * dy + a22 * dz, o2, h2, &t0, &t1);
    float t = t0 > HIT_EPSILON ? t0 : t1; /* from inside: the exit face */
    int ok = (t0 <= t1) & (t > HIT_EPSILON) & (t < b->t[r]);
    b->t[r] = ok ? t : b->t[r];
    b->hit[r] = ok ? slot : b->hit[r];
  }
}

static void hit_spheres(const synth_seen *s, int slot, synth_block *b) {
  const float *v = s->offset; /* centre - origin */
  for (int r = 0; r < SYNTH_BLOCK; r++) {
    float a = b->dx[r] * b->dx[r] + b->dy[r] * b->dy[r] + b->dz[r] * b->dz[r];
    float half_b = -(v[0] * b->dx[r] + v[1] * b->dy[r] + v[2] * b->dz[r]);
    float disc = half_b * half_b - a * s->sphere_c;
    if (disc < 0.0f) continue;
    float root = sqrtf(disc);
    float t = (-half_b - root) / a;
    if (t <= HIT_EPSILON) t = (-half_b + root) / a;
    if (t > HIT_EPSILON && t < b->t[r]) {
      b->t[r] = t;
      b->hit[r] = slot;
    }
  }
}

static void hit_cylinders(const synth_seen *s, int slot, synth_block *b) {
  const float(*ax)[3] = s->axes;
  const float *o = s->local;
  float r2 = s->half[0] * s->half[0], hz = s->half[2];
  for (int r = 0; r < SYNTH_BLOCK; r++) {
    float d[3];
    for (int i = 0; i < 3; i++) d[i] = ax[i][0] * b->dx[r] + ax[i][1] * b->dy[r] + ax[i][2] * b->dz[r];
    float best = b->t[r];
    float a = d[0] * d[0] + d[1] * d[1];
    if (a > 0.0f) { /* the side */
      float half_b = o[0] * d[0] + o[1] * d[1], cc = o[0] * o[0] + o[1] * o[1] - r2;
      float disc = half_b * half_b - a * cc;
      if (disc >= 0.0f) {
        float root = sqrtf(disc);
        for (int k = 0; k < 2; k++) {
          float t = (-half_b + (k ? root : -root)) / a;
          if (t > HIT_EPSILON && t < best && fabsf(o[2] + t * d[2]) <= hz) {
            best = t;
            break;
          }
        }
      }
    }
    if (d[2] != 0.0f) /* the caps */
      for (int k = 0; k < 2; k++) {
        float t = ((k ? hz : -hz) - o[2]) / d[2];
        float x = o[0] + t * d[0], y = o[1] + t * d[1];
        if (t > HIT_EPSILON && t < best && x * x + y * y <= r2) best = t;
      }
    if (best < b->t[r]) {
      b->t[r] = best;
      b->hit[r] = slot;
    }
  }
}

void synth_closest_block(const synth_caster *c, const int *slots, int n, synth_block *b) {
  for (int r = 0; r < SYNTH_BLOCK; r++) b->hit[r] = -1;
  for (int i = 0; i < n; i++) {
    const synth_seen *s = &c->seen[slots[i]];
    /* shapes are nearest first: stop once every ray has a closer hit */
    float reach = 0.0f;
    for (int r = 0; r < SYNTH_BLOCK; r++) {
      float along = b->t[r] * b->dlen[r];
      reach = along > reach ? along : reach;
    }
    if (s->near >= reach) break;
    switch (s->shape) {
    case SHAPE_QUAD: hit_quads(s, slots[i], b); break;
    case SHAPE_BOX: hit_boxes(s, slots[i], b); break;
    case SHAPE_SPHERE: hit_spheres(s, slots[i], b); break;
    default: hit_cylinders(s, slots[i], b); break;
    }
  }
}
