/* SPDX-License-Identifier: MIT */
/* Camera and LiDAR renderers.
 *
 * Rays are cast in blocks of 64 neighbours: 8x8-pixel tiles of 32x32-pixel
 * super-tiles for the camera; 8 beams x 8 columns of 16-column groups for the
 * LiDAR.  Each tile and group fits in a cone (fitted once, in the sensor's
 * frame, when the renderer is made); per frame the cone is turned into the
 * world and keeps only the shapes a ray in it may hit (synth_cull), so a ray
 * tests a handful of shapes, several rays per instruction
 * (synth_closest_block).  Nothing is allocated per frame once the buffers
 * have grown to the scene. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "synth_internal.h"

#define TILE 8
#define SUPER_TILE 32
#define LIDAR_TILE_BEAMS 8 /* a LiDAR tile: 8 beams x 8 columns = one block of rays */
#define LIDAR_TILE_COLUMNS 8
#define LIDAR_GROUP_COLUMNS 16
#define LIDAR_TILE_ACROSS (LIDAR_GROUP_COLUMNS / LIDAR_TILE_COLUMNS) /* tiles side by side in a group */
#define LIDAR_TILES_PER_GROUP (LIDAR_TILE_ACROSS * (SYNTH_LIDAR_BEAMS / LIDAR_TILE_BEAMS))
_Static_assert(TILE *TILE == SYNTH_BLOCK && LIDAR_TILE_BEAMS * LIDAR_TILE_COLUMNS == SYNTH_BLOCK, "a tile is a block");

/* Cone around n unit directions: axis their normalised sum, half angle the
 * largest angle to any of them. */
static void fit_cone(const float (*dirs)[3], int n, synth_cone *cone) {
  float axis[3] = {0.0f, 0.0f, 0.0f};
  for (int i = 0; i < n; i++)
    for (int k = 0; k < 3; k++) axis[k] += dirs[i][k];
  float len = sqrtf(axis[0] * axis[0] + axis[1] * axis[1] + axis[2] * axis[2]);
  for (int k = 0; k < 3; k++) axis[k] /= len;
  float min_cos = 1.0f;
  for (int i = 0; i < n; i++) {
    float c = dirs[i][0] * axis[0] + dirs[i][1] * axis[1] + dirs[i][2] * axis[2];
    if (c < min_cos) min_cos = c;
  }
  synth_cone_set(cone, axis, acosf(min_cos > 1.0f ? 1.0f : min_cos));
}

static void pixel_direction(const synth_camera *cam, int u, int v, float out[3]) {
  float d[3] = {(float)((u - cam->cx) / cam->fx), (float)((v - cam->cy) / cam->fy), 1.0f};
  float len = sqrtf(d[0] * d[0] + d[1] * d[1] + 1.0f);
  for (int k = 0; k < 3; k++) out[k] = d[k] / len;
}

/* Cone of the pixels [u0, u1) x [v0, v1): the corners bound them. */
static void pixel_block_cone(const synth_camera *cam, int u0, int v0, int u1, int v1, synth_cone *cone) {
  float corners[4][3];
  pixel_direction(cam, u0, v0, corners[0]);
  pixel_direction(cam, u1 - 1, v0, corners[1]);
  pixel_direction(cam, u0, v1 - 1, corners[2]);
  pixel_direction(cam, u1 - 1, v1 - 1, corners[3]);
  fit_cone((const float(*)[3])corners, 4, cone);
}

static float beam_elevation(int beam) {
  /* HDL-64E-like: an upper block of 32 beams at 1/3 degree from +2 degrees,
   * a lower block of 32 from -8.83 to -24.9 degrees */
  double deg = beam < 32 ? 2.0 - beam / 3.0 : -8.83 - (beam - 32) * (24.9 - 8.83) / 31.0;
  return (float)(deg * M_PI / 180.0);
}

static void init_lidar(geocl_synth_renderer *r) {
  for (int c = 0; c < SYNTH_LIDAR_COLUMNS; c++) {
    /* the sweep starts behind and turns clockwise seen from above */
    double az = M_PI - 2.0 * M_PI * (c + 0.5) / SYNTH_LIDAR_COLUMNS;
    for (int b = 0; b < SYNTH_LIDAR_BEAMS; b++) {
      double el = beam_elevation(b);
      float *d = r->beams[c * SYNTH_LIDAR_BEAMS + b];
      d[0] = (float)(cos(el) * cos(az));
      d[1] = (float)(cos(el) * sin(az));
      d[2] = (float)sin(el);
    }
  }
  const float(*dirs)[3] = (const float(*)[3])r->beams;
  float block[SYNTH_BLOCK][3];
  for (int g = 0; g < SYNTH_LIDAR_COLUMNS / LIDAR_GROUP_COLUMNS; g++) {
    /* a group's columns are contiguous in the beam table */
    fit_cone(dirs + g * LIDAR_GROUP_COLUMNS * SYNTH_LIDAR_BEAMS, LIDAR_GROUP_COLUMNS * SYNTH_LIDAR_BEAMS,
             &r->groups[g]);
    for (int t = 0; t < LIDAR_TILES_PER_GROUP; t++) {
      int c0 = g * LIDAR_GROUP_COLUMNS + (t % LIDAR_TILE_ACROSS) * LIDAR_TILE_COLUMNS;
      int b0 = (t / LIDAR_TILE_ACROSS) * LIDAR_TILE_BEAMS, n = 0;
      for (int c = c0; c < c0 + LIDAR_TILE_COLUMNS; c++)
        for (int b = b0; b < b0 + LIDAR_TILE_BEAMS; b++)
          memcpy(block[n++], dirs[c * SYNTH_LIDAR_BEAMS + b], sizeof block[0]);
      fit_cone((const float(*)[3])block, n, &r->beam_tiles[g * LIDAR_TILES_PER_GROUP + t]);
    }
  }
}

static void init_camera_tiles(geocl_synth_renderer *r) {
  const synth_camera *cam = &r->cam;
  for (int v = 0; v < cam->height; v++)
    for (int u = 0; u < cam->width; u++) {
      float *ray = r->pixel_rays[(size_t)v * cam->width + u];
      ray[0] = (float)((u - cam->cx) / cam->fx);
      ray[1] = (float)((v - cam->cy) / cam->fy);
      ray[2] = sqrtf(ray[0] * ray[0] + ray[1] * ray[1] + 1.0f);
    }
  pixel_block_cone(cam, 0, 0, cam->width, cam->height, &r->view);
  int per_super = SUPER_TILE / TILE;
  for (int sy = 0; sy < r->supers_y; sy++)
    for (int sx = 0; sx < r->supers_x; sx++) {
      int u0 = sx * SUPER_TILE, v0 = sy * SUPER_TILE;
      int u1 = u0 + SUPER_TILE < cam->width ? u0 + SUPER_TILE : cam->width;
      int v1 = v0 + SUPER_TILE < cam->height ? v0 + SUPER_TILE : cam->height;
      int s = sy * r->supers_x + sx;
      pixel_block_cone(cam, u0, v0, u1, v1, &r->supers[s]);
      for (int ty = 0; ty < per_super; ty++)
        for (int tx = 0; tx < per_super; tx++) {
          int a0 = u0 + tx * TILE, b0 = v0 + ty * TILE;
          synth_cone *cone = &r->tiles[s * per_super * per_super + ty * per_super + tx];
          if (a0 >= u1 || b0 >= v1) continue; /* beyond the image edge: never used */
          pixel_block_cone(cam, a0, b0, a0 + TILE < u1 ? a0 + TILE : u1, b0 + TILE < v1 ? b0 + TILE : v1, cone);
        }
    }
}

static void init_srgb(uint8_t *lut) {
  for (int i = 0; i < SRGB_LUT_SIZE; i++) {
    double x = (double)i / (SRGB_LUT_SIZE - 1);
    double s = x <= 0.0031308 ? 12.92 * x : 1.055 * pow(x, 1.0 / 2.4) - 0.055;
    lut[i] = (uint8_t)lrint(255.0 * s);
  }
}

geocl_synth_renderer *geocl_synth_renderer_new(int width, int height) {
  if (width < 16 || height < 16 || width > 8192 || height > 8192) {
    geocl_set_error(GEOCL_E_INVALID, "synthetic renderer: image size %dx%d is outside 16..8192", width, height);
    return NULL;
  }
  geocl_synth_renderer *r = calloc(1, sizeof *r);
  if (!r) {
    geocl_set_error(GEOCL_E_NOMEM, "synthetic renderer: out of memory");
    return NULL;
  }
  synth_camera_init(&r->cam, width, height);
  r->supers_x = (width + SUPER_TILE - 1) / SUPER_TILE;
  r->supers_y = (height + SUPER_TILE - 1) / SUPER_TILE;
  int n_supers = r->supers_x * r->supers_y, per_super = (SUPER_TILE / TILE) * (SUPER_TILE / TILE);
  int n_groups = SYNTH_LIDAR_COLUMNS / LIDAR_GROUP_COLUMNS, n_rays = SYNTH_LIDAR_COLUMNS * SYNTH_LIDAR_BEAMS;
  size_t pixels = (size_t)width * height;
  r->supers = malloc(n_supers * sizeof *r->supers);
  r->tiles = calloc((size_t)n_supers * per_super, sizeof *r->tiles);
  r->beams = malloc((size_t)n_rays * sizeof *r->beams);
  r->groups = malloc(n_groups * sizeof *r->groups);
  r->beam_tiles = malloc((size_t)n_groups * LIDAR_TILES_PER_GROUP * sizeof *r->beam_tiles);
  r->sweep = malloc((size_t)LIDAR_GROUP_COLUMNS * SYNTH_LIDAR_BEAMS * 4 * sizeof *r->sweep);
  r->points = malloc((size_t)n_rays * 4 * sizeof *r->points);
  r->pixel_rays = malloc(pixels * sizeof *r->pixel_rays);
  r->depth_a = malloc(pixels * sizeof *r->depth_a);
  r->depth_b = malloc(pixels * sizeof *r->depth_b);
  if (!r->supers || !r->tiles || !r->beams || !r->groups || !r->beam_tiles || !r->sweep || !r->points ||
      !r->pixel_rays || !r->depth_a || !r->depth_b) {
    geocl_synth_renderer_free(r);
    geocl_set_error(GEOCL_E_NOMEM, "synthetic renderer: out of memory for %dx%d", width, height);
    return NULL;
  }
  init_camera_tiles(r);
  init_lidar(r);
  init_srgb(r->srgb);
  return r;
}

void geocl_synth_renderer_free(geocl_synth_renderer *r) {
  if (!r) return;
  synth_caster_free(&r->caster);
  synth_scene_free(&r->scene);
  free(r->super_ids);
  free(r->tile_ids);
  free(r->supers);
  free(r->tiles);
  free(r->beams);
  free(r->groups);
  free(r->beam_tiles);
  free(r->sweep);
  free(r->points);
  free(r->pixel_rays);
  free(r->depth_a);
  free(r->depth_b);
  free(r);
}

static geocl_status reserve_ids(geocl_synth_renderer *r, int n) {
  if (n <= r->ids_capacity) return GEOCL_OK;
  int cap = r->ids_capacity ? r->ids_capacity : 256;
  while (cap < n) cap *= 2;
  int *a = realloc(r->super_ids, (size_t)cap * sizeof *a);
  if (a) r->super_ids = a;
  int *b = realloc(r->tile_ids, (size_t)cap * sizeof *b);
  if (b) r->tile_ids = b;
  if (!a || !b) return geocl_set_error(GEOCL_E_NOMEM, "synthetic renderer: out of memory");
  r->ids_capacity = cap;
  return GEOCL_OK;
}

/* The cone of a sensor-frame cone under rotation rot (row-major 3x4 pose). */
static synth_cone turn_cone(const synth_cone *cone, const float rot[9]) {
  synth_cone out = *cone;
  for (int i = 0; i < 3; i++)
    out.axis[i] = rot[3 * i] * cone->axis[0] + rot[3 * i + 1] * cone->axis[1] + rot[3 * i + 2] * cone->axis[2];
  return out;
}

static void split_pose(const double pose[12], float rot[9], float origin[3]) {
  for (int i = 0; i < 3; i++) {
    for (int j = 0; j < 3; j++) rot[3 * i + j] = (float)pose[4 * i + j];
    origin[i] = (float)pose[4 * i + 3];
  }
}

static inline uint8_t to_srgb(const uint8_t *lut, float x) {
  int i = (int)(x * (SRGB_LUT_SIZE - 1) + 0.5f);
  return lut[i < 0 ? 0 : i >= SRGB_LUT_SIZE ? SRGB_LUT_SIZE - 1 : i];
}

geocl_status synth_render_view(geocl_synth_renderer *r, const synth_scene *scene, const double cam_to_world[12],
                               uint8_t *rgb, float *depth) {
  const synth_camera *cam = &r->cam;
  float rot[9], origin[3];
  split_pose(cam_to_world, rot, origin);
  synth_cone view = turn_cone(&r->view, rot);
  geocl_status st = synth_caster_begin(&r->caster, scene, origin, INFINITY, &view);
  if (st == GEOCL_OK) st = reserve_ids(r, r->caster.count);
  if (st != GEOCL_OK) return st;
  const synth_caster *c = &r->caster;
  int per_super = SUPER_TILE / TILE;
  float inv_fx = (float)(1.0 / cam->fx);
  for (int s = 0; s < r->supers_x * r->supers_y; s++) {
    synth_cone cone = turn_cone(&r->supers[s], rot);
    int n_super = synth_cull(c, NULL, c->count, &cone, r->super_ids);
    int u_super = (s % r->supers_x) * SUPER_TILE, v_super = (s / r->supers_x) * SUPER_TILE;
    for (int t = 0; t < per_super * per_super; t++) {
      int u0 = u_super + (t % per_super) * TILE, v0 = v_super + (t / per_super) * TILE;
      if (u0 >= cam->width || v0 >= cam->height) continue;
      cone = turn_cone(&r->tiles[s * per_super * per_super + t], rot);
      int n = synth_cull(c, r->super_ids, n_super, &cone, r->tile_ids);
      /* the tile's rays, camera-frame z = 1 so the hit distance is the z-depth */
      synth_block *b = &r->block;
      for (int i = 0; i < SYNTH_BLOCK; i++) {
        int u = u0 + i % TILE, v = v0 + i / TILE, inside = u < cam->width && v < cam->height;
        const float *dc = r->pixel_rays[inside ? (size_t)v * cam->width + u : 0];
        b->dx[i] = rot[0] * dc[0] + rot[1] * dc[1] + rot[2];
        b->dy[i] = rot[3] * dc[0] + rot[4] * dc[1] + rot[5];
        b->dz[i] = rot[6] * dc[0] + rot[7] * dc[1] + rot[8];
        b->dlen[i] = dc[2];
        b->t[i] = inside ? INFINITY : 0.0f; /* past the image edge: unused */
      }
      synth_closest_block(c, r->tile_ids, n, b);
      for (int i = 0; i < SYNTH_BLOCK; i++) {
        int u = u0 + i % TILE, v = v0 + i / TILE;
        if (u >= cam->width || v >= cam->height) continue;
        size_t px = (size_t)v * cam->width + u;
        int k = b->hit[i];
        float z = b->t[i], d[3] = {b->dx[i], b->dy[i], b->dz[i]};
        depth[px] = k >= 0 ? z : 0.0f;
        if (!rgb) continue;
        float colour[3];
        if (k >= 0) {
          synth_surface surface;
          synth_surface_at(c, k, d, z, z * b->dlen[i] * inv_fx, &surface);
          float p[3] = {origin[0] + z * d[0], origin[1] + z * d[1], origin[2] + z * d[2]};
          synth_light(scene, p, &surface, colour);
        } else {
          synth_sky(scene, d, colour);
        }
        for (int j = 0; j < 3; j++) rgb[3 * px + j] = to_srgb(r->srgb, colour[j]);
      }
    }
  }
  return GEOCL_OK;
}

geocl_status synth_render_lidar(geocl_synth_renderer *r, const synth_scene *scene, const double velo_to_world[12],
                                const float **points, int64_t *count) {
  float rot[9], origin[3];
  split_pose(velo_to_world, rot, origin);
  geocl_status st = synth_caster_begin(&r->caster, scene, origin, SYNTH_LIDAR_MAX_RANGE, NULL);
  if (st == GEOCL_OK) st = reserve_ids(r, r->caster.count);
  if (st != GEOCL_OK) return st;
  const synth_caster *c = &r->caster;
  synth_block *b = &r->block;
  int64_t n = 0;
  for (int g = 0; g < SYNTH_LIDAR_COLUMNS / LIDAR_GROUP_COLUMNS; g++) {
    synth_cone cone = turn_cone(&r->groups[g], rot);
    int n_group = synth_cull(c, NULL, c->count, &cone, r->super_ids);
    for (int t = 0; t < LIDAR_TILES_PER_GROUP; t++) {
      cone = turn_cone(&r->beam_tiles[g * LIDAR_TILES_PER_GROUP + t], rot);
      int n_tile = synth_cull(c, r->super_ids, n_group, &cone, r->tile_ids);
      int c0 = (t % LIDAR_TILE_ACROSS) * LIDAR_TILE_COLUMNS, b0 = (t / LIDAR_TILE_ACROSS) * LIDAR_TILE_BEAMS;
      for (int i = 0; i < SYNTH_BLOCK; i++) {
        const float *dl = r->beams[(g * LIDAR_GROUP_COLUMNS + c0 + i / LIDAR_TILE_BEAMS) * SYNTH_LIDAR_BEAMS + b0 +
                                   i % LIDAR_TILE_BEAMS];
        b->dx[i] = rot[0] * dl[0] + rot[1] * dl[1] + rot[2] * dl[2];
        b->dy[i] = rot[3] * dl[0] + rot[4] * dl[1] + rot[5] * dl[2];
        b->dz[i] = rot[6] * dl[0] + rot[7] * dl[1] + rot[8] * dl[2];
        b->dlen[i] = 1.0f;
        b->t[i] = SYNTH_LIDAR_MAX_RANGE;
      }
      synth_closest_block(c, r->tile_ids, n_tile, b);
      for (int i = 0; i < SYNTH_BLOCK; i++) {
        /* the group's returns, by column and beam, with reflectance -1 for none */
        float *out = r->sweep + 4 * ((c0 + i / LIDAR_TILE_BEAMS) * SYNTH_LIDAR_BEAMS + b0 + i % LIDAR_TILE_BEAMS);
        int k = b->hit[i];
        float range = b->t[i];
        out[0] = range;
        out[3] = k >= 0 && range >= SYNTH_LIDAR_MIN_RANGE ? scene->prims[c->seen[k].prim].reflectance : -1.0f;
      }
    }
    /* the group's points in sweep order, in the LiDAR frame */
    for (int ray = 0; ray < LIDAR_GROUP_COLUMNS * SYNTH_LIDAR_BEAMS; ray++) {
      const float *in = r->sweep + 4 * ray;
      if (in[3] < 0.0f) continue;
      const float *dl = r->beams[g * LIDAR_GROUP_COLUMNS * SYNTH_LIDAR_BEAMS + ray];
      float range = in[0], *p = r->points + 4 * n++;
      p[0] = range * dl[0];
      p[1] = range * dl[1];
      p[2] = range * dl[2];
      p[3] = in[3];
    }
  }
  *points = r->points;
  *count = n;
  return GEOCL_OK;
}
