/* SPDX-License-Identifier: MIT */
/* The procedural scene generator behind geocl/synth.h: scenes of textured
 * shapes, camera trajectories, a ray caster with cone culling, shading, the
 * camera and LiDAR renderers and the two-view geometry (flow, covisibility).
 *
 * Frames: the world is metric with z up.  Cameras follow KITTI: x right,
 * y down, z forward; a pose is a row-major 3x4 camera-to-world [R | c].  The
 * LiDAR frame is x forward, y left, z up, rigidly mounted on the camera. */
#ifndef GEOCL_SYNTH_INTERNAL_H
#define GEOCL_SYNTH_INTERNAL_H

#include <stdint.h>

#include <geocl/synth.h>

#include <geocl/rng.h>

/* --- scenes --- */

typedef enum { SHAPE_QUAD, SHAPE_BOX, SHAPE_SPHERE, SHAPE_CYLINDER } synth_shape;

typedef enum {
  PATTERN_PLAIN,   /* colour 0 with faint mottling */
  PATTERN_TILES,   /* two-colour checker with grout lines */
  PATTERN_STRIPES, /* vertical stripes (wallpaper, awnings) */
  PATTERN_BRICK,   /* running-bond bricks, colour 1 is the mortar */
  PATTERN_PLANKS,  /* wooden planks with grain */
  PATTERN_NOISE,   /* smooth noise between the two colours (fabric, foliage, grass) */
  PATTERN_FACADE,  /* wall (colour 0) with a grid of windows (colour 1) */
  PATTERN_ROAD     /* asphalt with lane markings */
} synth_pattern;

typedef struct synth_material {
  synth_pattern pattern;
  float colour[2][3]; /* linear RGB albedo of the pattern's two parts */
  float scale;        /* feature size in metres (tile, stripe, brick row, window cell) */
  uint32_t seed;      /* varies noise and per-cell shades between objects */
} synth_material;

typedef struct synth_prim {
  synth_shape shape;
  float centre[3];
  float axes[3][3];  /* local x, y, z axes in world coordinates (orthonormal rows);
                        local z is a quad's normal and a cylinder's axis */
  float half[3];     /* quad (x, y, -), box (x, y, z), sphere (r, -, -), cylinder (r, -, half height) */
  float bound;       /* radius of a sphere around centre that holds the shape */
  float reflectance; /* what the LiDAR reports: the luminance of the material's mean albedo, <= 1 */
  synth_material material;
} synth_prim;

/* A smooth camera path: frame t (real) -> pose. */
typedef struct synth_path {
  int orbit;                              /* 1: ellipse around a centre, looking across it; 0: straight along +x */
  double origin[3];                       /* orbit centre / start point, at eye height */
  double radius[2];                       /* orbit radii */
  double phase, step;                     /* orbit: start angle and radians per frame; straight: -, metres per frame */
  double sway_amp, sway_freq, sway_phase; /* orbit: up-down; straight: sideways */
  double yaw_amp, yaw_freq, yaw_phase;    /* look-direction sway */
  double pitch;                           /* radians, negative looks down */
} synth_path;

typedef struct synth_scene {
  synth_prim *prims;
  int count, capacity;
  int outdoor;      /* sky and sun; else a ceiling lamp */
  float sun[3];     /* unit vector towards the sun */
  float lamp[3];    /* lamp position (indoor) */
  float lamp_reach; /* distance at which the lamp's light halves */
  float key_rgb[3]; /* sun or lamp colour */
  float ambient_rgb[3];
  float sky_horizon[3], sky_zenith[3];
  synth_path path;
} synth_scene;

/* Build a room or street scene whose trajectory covers `frames` frames;
 * everything is drawn from the stream (seed, GEOCL_STREAM_SCENE, index).  Reuses the
 * scene's storage. */
geocl_status synth_scene_build(synth_scene *scene, geocl_synth_kind kind, uint64_t seed, uint64_t index, int frames);
void synth_scene_free(synth_scene *scene);
geocl_status synth_scene_build_room(synth_scene *scene, geocl_keyed_rng *rng, int frames);
geocl_status synth_scene_build_street(synth_scene *scene, geocl_keyed_rng *rng, int frames);
/* Append a shape (bound and reflectance filled in). */
geocl_status synth_add(synth_scene *scene, const synth_prim *prim);
/* Set a shape's frame to a turn by yaw about the vertical. */
void synth_frame_yaw(synth_prim *p, float yaw);

/* Builders place objects in an object frame on the ground: origin (x, y),
 * turned by yaw; local x is the object's width, local y its depth (front). */
typedef struct synth_place {
  float x, y, yaw;
} synth_place;

synth_material synth_mat(synth_pattern pattern, const float c0[3], const float c1[3], float scale, geocl_keyed_rng *rng);
/* A box of size (sx, sy, sz) whose bottom centre is at (lx, ly, z0) in the object frame. */
geocl_status synth_box(synth_scene *s, const synth_place *at, float lx, float ly, float z0, float sx, float sy,
                       float sz, const synth_material *m);
/* An upright cylinder of radius r from height z0 to z0 + height. */
geocl_status synth_post(synth_scene *s, const synth_place *at, float lx, float ly, float z0, float r, float height,
                        const synth_material *m);
/* A cylinder lying along the object's local y axis (a wheel), centred at (lx, ly, z). */
geocl_status synth_wheel(synth_scene *s, const synth_place *at, float lx, float ly, float z, float r, float width,
                         const synth_material *m);
geocl_status synth_ball(synth_scene *s, const synth_place *at, float lx, float ly, float z, float r,
                        const synth_material *m);
/* A rectangle centred at c with in-plane unit axes ax, ay (normal ax x ay). */
geocl_status synth_rect(synth_scene *s, const float c[3], const float ax[3], const float ay[3], float hx, float hy,
                        const synth_material *m);
/* A colour near base: each channel scaled by a factor in [1 - amount, 1 + amount]. */
void synth_colour_near(geocl_keyed_rng *rng, const float base[3], float amount, float out[3]);
/* Camera-to-world pose of frame t. */
void synth_path_pose(const synth_path *path, double t, double pose[12]);

/* --- camera and rig --- */

typedef struct synth_camera {
  int width, height;
  double fx, fy, cx, cy;
} synth_camera;

/* 60 degree horizontal field of view, square pixels, principal point at the
 * image centre (pixel centres at integer coordinates). */
void synth_camera_init(synth_camera *cam, int width, int height);
/* LiDAR -> camera (KITTI's Tr_velo_to_cam) of the rig, row-major 3x4. */
void synth_rig_velo_to_cam(double tr[12]);
/* velo_to_world = cam_to_world * velo_to_cam */
void synth_pose_compose(const double a[12], const double b[12], double out[12]);
void synth_pose_invert(const double a[12], double out[12]);

/* --- ray casting --- */

/* A circular cone of ray directions from the caster's origin. */
typedef struct synth_cone {
  float axis[3];
  float cos_half, sin_half, tan_half, inv_cos_half;
} synth_cone;

void synth_cone_set(synth_cone *cone, const float axis[3], float half_angle);

/* A shape as seen from the caster's origin: all a ray test reads, packed. */
typedef struct synth_seen {
  float axes[3][3]; /* the shape's frame */
  float half[3];
  float local[3];    /* the origin in the shape's frame */
  float offset[3];   /* bounding-sphere centre minus the origin */
  float bound;       /* bounding-sphere radius */
  float near;        /* distance from the origin to the shape: no hit is closer */
  float sphere_c;    /* spheres: |origin - centre|^2 - r^2 */
  float faces[3][3]; /* directions towards the shape's faces that face the origin */
  int n_faces;       /* -1: no face test (round shapes, or the origin inside a box) */
  int shape, prim;
} synth_seen;

/* Per-origin state: the shapes that may be hit, nearest first.  Blocks of
 * rays refer to them by slot (index into seen), so increasing slots are
 * increasing distances. */
typedef struct synth_caster {
  const synth_scene *scene;
  float origin[3];
  synth_seen *seen;
  int count, capacity;
} synth_caster;

/* Prepare for rays from origin; shapes beyond max_range or (when view is not
 * NULL) outside the view cone are dropped. */
geocl_status synth_caster_begin(synth_caster *c, const synth_scene *scene, const float origin[3], float max_range,
                                const synth_cone *view);
void synth_caster_free(synth_caster *c);
/* Of the slots in[0..n) (all slots when in is NULL), those a ray in the cone
 * may hit, in the same order; returns their number. */
int synth_cull(const synth_caster *c, const int *in, int n, const synth_cone *cone, int *out);
/* A block of rays from the caster's origin, cast together. */
#define SYNTH_BLOCK 64
typedef struct synth_block {
  float dx[SYNTH_BLOCK], dy[SYNTH_BLOCK], dz[SYNTH_BLOCK]; /* world directions */
  float dlen[SYNTH_BLOCK];                                 /* their lengths */
  float t[SYNTH_BLOCK]; /* in: the farthest hit wanted (0 for an unused ray); out: the hit, in units of d */
  int hit[SYNTH_BLOCK]; /* out: the slot hit, or -1 */
} synth_block;

/* Closest hits of the block's rays among the slots (nearest first). */
void synth_closest_block(const synth_caster *c, const int *slots, int n, synth_block *b);

/* --- shading --- */

typedef struct synth_surface {
  float albedo[3];
  float normal[3]; /* world, facing the ray */
} synth_surface;

/* The surface of slot's shape hit at origin + t*d; footprint is the size of
 * a pixel there (metres), used to fade pattern detail smaller than a pixel. */
void synth_surface_at(const synth_caster *c, int slot, const float d[3], float t, float footprint, synth_surface *s);
/* Luminance of the material's mean albedo, at most 1. */
float synth_reflectance(const synth_material *m, const float half[3]);
/* Lambertian shading at point p (view independent). */
void synth_light(const synth_scene *scene, const float p[3], const synth_surface *s, float rgb[3]);
void synth_sky(const synth_scene *scene, const float d[3], float rgb[3]);

/* --- renderers --- */

#define SYNTH_LIDAR_BEAMS 64
#define SYNTH_LIDAR_COLUMNS 2048
#define SYNTH_LIDAR_MIN_RANGE 0.5f
#define SYNTH_LIDAR_MAX_RANGE 120.0f

#define SRGB_LUT_SIZE 4096

/* Buffers of one image size, reused from frame to frame. */
struct geocl_synth_renderer {
  synth_camera cam;
  synth_caster caster;
  int *super_ids, *tile_ids, ids_capacity;
  float (*pixel_rays)[3];     /* per pixel: camera-frame ray (x, y) with z = 1, and its length */
  synth_cone view;            /* the whole image, camera frame */
  synth_cone *supers, *tiles; /* camera frame, super-tile major */
  int supers_x, supers_y;
  float (*beams)[3];               /* LiDAR frame, [column][beam] */
  synth_cone *groups, *beam_tiles; /* LiDAR frame: per column group; per group and beam tile */
  float *sweep;                    /* one column group [column][beam]: range, -, -, reflectance (< 0: none) */
  float *points;                   /* the sweep's returns, in order */
  uint8_t srgb[SRGB_LUT_SIZE];
  synth_block block;
  /* for geocl_synth_pair */
  synth_scene scene;
  float *depth_a, *depth_b;
};

/* Render RGB8 (may be NULL) and z-depth in metres (0 where nothing is hit). */
geocl_status synth_render_view(geocl_synth_renderer *r, const synth_scene *scene, const double cam_to_world[12],
                               uint8_t *rgb, float *depth);
/* One LiDAR sweep from velo_to_world: points (x, y, z, reflectance) in the
 * LiDAR frame into r's point buffer; returns the count. */
geocl_status synth_render_lidar(geocl_synth_renderer *r, const synth_scene *scene, const double velo_to_world[12],
                                const float **points, int64_t *count);

/* --- two-view geometry --- */

/* Share of frame-a pixels with a surface that frame b sees: the point
 * projects into b's image where b's depth (interpolated between the four
 * nearest pixels, in inverse depth) agrees with the point's within 1% + 2 cm. */
double synth_covisibility(const synth_camera *cam, const float *depth_a, const double pose_a[12], const float *depth_b,
                          const double pose_b[12]);
/* Flow a -> b per pixel (u, v, valid): the pixel's 3D point projected into b.
 * Valid wherever a has depth and the point lies in front of b, within KITTI's
 * +-512 px; occluded and out-of-view points included (KITTI's flow_occ), or,
 * given b's depth, only those b sees (as covisibility counts them: flow_noc). */
void synth_flow(const synth_camera *cam, const float *depth_a, const double pose_a[12], const double pose_b[12],
                const float *depth_b, float *flow);
/* Disparity of the left view for a right camera `baseline` metres along its
 * x axis: f·B/z where the left view has depth (0 elsewhere); given the right
 * view's depth, only where the right view sees the point (disp_noc). */
void synth_disparity(const synth_camera *cam, const float *depth_left, const float *depth_right, double baseline,
                     float *disparity);
/* The right camera of a rig: cam_to_world moved `baseline` metres along its x axis. */
void synth_right_pose(const double cam_to_world[12], double baseline, double out[12]);

#endif
