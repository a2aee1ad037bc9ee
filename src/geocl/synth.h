/* SPDX-License-Identifier: MIT */
/* Built-in synthetic multi-view scenes (`geocl synth`, `--data synthetic`).
 *
 * Rooms and streets made of textured boxes, planes, spheres and cylinders
 * (procedural textures, Lambertian shading, no shadows), seen by a camera
 * moving through them and by a 64-beam spinning LiDAR (+2 to -24.9 degrees,
 * HDL-64E-like) on the same rig.  Everything is a pure function of the seed
 * and the arguments: the same call writes byte-identical files.  The ground
 * truth is exact by construction (one ray caster makes images, depth and LiDAR
 * from the same geometry and poses).  docs/data-formats.md describes the
 * output. */
#ifndef GEOCL_SYNTH_H
#define GEOCL_SYNTH_H

#include <stdint.h>

#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef enum geocl_synth_kind {
  GEOCL_SYNTH_ROOM = 0,  /* indoor: a room with furniture, orbiting camera, ceiling lamp */
  GEOCL_SYNTH_STREET = 1 /* outdoor: road, buildings, trees, cars, camera driving along */
} geocl_synth_kind;

/* How geocl_synth_write lays the data set out. */
typedef enum geocl_synth_layout {
  GEOCL_SYNTH_ODOMETRY = 0, /* KITTI odometry: sequences of frames */
  GEOCL_SYNTH_KITTI2015 = 1 /* KITTI 2015 stereo/flow benchmark: one scene per pair */
} geocl_synth_layout;

typedef struct geocl_synth_options {
  const char *out_dir;
  int sequences;     /* sequence s is a room when s is even, a street when odd */
  int frames;        /* per sequence, >= 2 */
  int width, height; /* image size, >= 16 each */
  uint64_t seed;
  int overwrite; /* 0: refuse when out_dir already holds a data set */
  /* called after each frame when not NULL (for progress display) */
  void (*progress)(int sequence, int frame, void *user);
  void *progress_user;
  geocl_synth_layout layout;
  int no_depth_color; /* 1: no depth_color/ companions (odometry layout) */
} geocl_synth_options;

typedef struct geocl_synth_summary {
  int64_t frames, pairs, lidar_points;
  double seconds; /* wall time of the whole run */
} geocl_synth_summary;

/* Defaults: 1 sequence of 20 frames, 256x256, seed 0, the odometry layout. */
void geocl_synth_options_default(geocl_synth_options *opts);

/* Render and write a data set.  Every view has a right partner, a camera
 * 0.54 m to its right (KITTI's baseline) with the same orientation.  The
 * KITTI odometry layout:
 *   out_dir/sequences/<ss>/image_2/<ffffff>.png     RGB8
 *   out_dir/sequences/<ss>/image_3/<ffffff>.png     RGB8, the right camera
 *   out_dir/sequences/<ss>/depth/<ffffff>.png       KITTI depth (dense where there is a surface)
 *   out_dir/sequences/<ss>/depth_color/<ffffff>.png RGB8 picture of it (geocl_colorize_depth), unless
 *                                                   no_depth_color
 *   out_dir/sequences/<ss>/disparity/<ffffff>.png   KITTI disparity of image_2 (f·B/depth; occluded included)
 *   out_dir/sequences/<ss>/velodyne/<ffffff>.bin    LiDAR sweep
 *   out_dir/sequences/<ss>/calib.txt                P0-P3, Tr (odometry layout)
 *   out_dir/sequences/<ss>/poses.txt                camera-to-world of frame 0
 *   out_dir/sequences/<ss>/flow/<aaaaaa>_<bbbbbb>.png  KITTI flow a -> b per pair
 *   out_dir/pairs.txt                               CroCo pair listing (image_2 paths)
 * Each frame a is paired with at most one later frame b (within 8 frames)
 * that sees at least half of a's surface pixels and lies at least 0.1 m away.
 * The KITTI 2015 layout makes each such pair a scene <n> (numbered across
 * sequences):
 *   out_dir/training/image_2/<n>_10.png, <n>_11.png  frames a and b
 *   out_dir/training/image_3/<n>_10.png, <n>_11.png  their right views
 *   out_dir/training/disp_occ_0/<n>_10.png           disparity of a (occluded included)
 *   out_dir/training/disp_noc_0/<n>_10.png           where the right view sees the point
 *   out_dir/training/flow_occ/<n>_10.png             flow a -> b (occluded included)
 *   out_dir/training/flow_noc/<n>_10.png             where b sees the point
 *   out_dir/training/calib/<n>.txt                   P0-P3, R0_rect, Tr_velo_to_cam (object layout)
 *   out_dir/pairs.txt                                the pairs (image_2 _10 and _11)
 * Files are written atomically; pairs.txt last. */
geocl_status geocl_synth_write(const geocl_synth_options *opts, geocl_synth_summary *summary);

/* Scratch for rendering at one image size; one per thread. */
typedef struct geocl_synth_renderer geocl_synth_renderer;
geocl_synth_renderer *geocl_synth_renderer_new(int width, int height);
void geocl_synth_renderer_free(geocl_synth_renderer *r);

/* Sample `index` of an endless virtual pair data set: two RGB8 views
 * (width*height*3 bytes each, the renderer's size) of one scene, with
 * covisibility >= 0.5 and a baseline >= 0.1 m when such a view is found within
 * 8 tries (else the best try).  Pure function of (seed, index). */
geocl_status geocl_synth_pair(geocl_synth_renderer *r, uint64_t seed, int64_t index, uint8_t *rgb1, uint8_t *rgb2);

#ifdef __cplusplus
}
#endif
#endif
