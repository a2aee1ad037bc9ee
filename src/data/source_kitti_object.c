/* SPDX-License-Identifier: MIT */
/* Source "kitti-object": the KITTI 3D object layout SimIPU pre-trains on
 * (zhyever/SimIPU, simipu_kitti.py: split 'training', pts_prefix
 * 'velodyne_reduced'):
 *
 *   root/training/image_2/NNNNNN.png          left colour camera
 *   root/training/calib/NNNNNN.txt            P0-P3, R0_rect, Tr_velo_to_cam, Tr_imu_to_velo
 *   root/training/velodyne_reduced/NNNNNN.bin LiDAR sweep cropped to the camera's
 *                                             view (mmdet3d's create_data), or else
 *   root/training/velodyne/NNNNNN.bin         the whole sweep
 *   root/ImageSets/train.txt                  the frames to use (optional: else all)
 *
 * The path may also name a split file (root/ImageSets/val.txt): its frames.
 * Frames are checked when the source opens, and those with a missing file, a
 * velodyne size that is not a multiple of 16 bytes, a calibration that does
 * not parse (a missing key) or a PNG whose centre is far from the
 * calibration's principal point (outside the middle half of the image: a
 * calibration for another image size) are skipped with one warning that
 * counts them and names the first. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <geocl/fileio.h>
#include <geocl/kitti.h>
#include <geocl/log.h>

#include "data/sources.h"
#include "io/text_lines.h"

typedef struct frame {
  int id;
  double lidar2img[16];
  double principal[2]; /* P2's (cx, cy) */
} frame;

typedef struct kitti_object {
  char *dir;      /* root/training */
  char *velodyne; /* velodyne_reduced or velodyne */
  frame *frames;
  int64_t n;
} kitti_object;

static bool layout_at(const char *training) {
  char p[4096];
  snprintf(p, sizeof p, "%s/calib", training);
  if (!source_is_dir(p)) return false;
  snprintf(p, sizeof p, "%s/image_2", training);
  return source_is_dir(p);
}

/* A LiDAR folder too: a KITTI stereo/flow tree (or geocl synth --layout
 * kitti2015) may also hold training/calib and image_2. */
static bool detect(const char *path) {
  char p[4096];
  snprintf(p, sizeof p, "%s/training", path);
  if (!layout_at(p)) return false;
  snprintf(p, sizeof p, "%s/training/velodyne_reduced", path);
  if (source_is_dir(p)) return true;
  snprintf(p, sizeof p, "%s/training/velodyne", path);
  return source_is_dir(p);
}

/* Frame ids of a split file: one number a line. */
static geocl_status read_split(const char *path, int **ids, int *count) {
  char *text, *cursor, *line;
  size_t size;
  *ids = NULL;
  *count = 0;
  geocl_status st = geocl_file_read_all(path, (size_t)1 << 24, &text, &size);
  if (st != GEOCL_OK) return st;
  int cap = 0, line_no = 0;
  for (cursor = text; st == GEOCL_OK && (line = text_next_line(&cursor));) {
    line_no++;
    line = text_skip_blanks(line);
    if (!*line) continue;
    char *end;
    long v = strtol(line, &end, 10);
    if (end == line || *end || v < 0 || v > 999999) {
      st = geocl_set_error(GEOCL_E_FORMAT, "%s line %d: '%.40s' is not a frame number", path, line_no, line);
      break;
    }
    if (*count == cap) {
      cap = cap ? 2 * cap : 1024;
      int *grown = realloc(*ids, sizeof *grown * (size_t)cap);
      if (!grown) {
        st = geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
        break;
      }
      *ids = grown;
    }
    (*ids)[(*count)++] = (int)v;
  }
  if (st == GEOCL_OK && *count == 0) st = geocl_set_error(GEOCL_E_FORMAT, "%s: no frames listed", path);
  free(text);
  return st;
}

/* Width and height from a PNG's IHDR, or 0 when the file is not a PNG. */
static void png_size(const char *path, int *w, int *h) {
  unsigned char b[24];
  *w = *h = 0;
  FILE *f = fopen(path, "rb");
  if (!f) return;
  size_t n = fread(b, 1, sizeof b, f);
  fclose(f);
  if (n < 24 || memcmp(b, "\x89PNG\r\n\x1a\n", 8) || memcmp(b + 12, "IHDR", 4)) return;
  *w = (int)((unsigned)b[16] << 24 | (unsigned)b[17] << 16 | (unsigned)b[18] << 8 | b[19]);
  *h = (int)((unsigned)b[20] << 24 | (unsigned)b[21] << 16 | (unsigned)b[22] << 8 | b[23]);
}

/* Does the calibration fit a width x height image?  Its principal point
 * must lie in the middle half of the image (KITTI's is near the centre). */
static geocl_status check_fit(const frame *f, const char *image, const char *calib, int w, int h) {
  double cx = f->principal[0], cy = f->principal[1];
  if (cx < 0.25 * w || cx > 0.75 * w || cy < 0.25 * h || cy > 0.75 * h)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: a %dx%d image does not fit %s (principal point %.1f, %.1f)", image, w,
                           h, calib, cx, cy);
  return GEOCL_OK;
}

/* Check frame f's files and read its calibration. */
static geocl_status check_frame(const kitti_object *o, frame *f) {
  char path[4200], image[4200];
  snprintf(path, sizeof path, "%s/%06d.bin", o->velodyne, f->id);
  struct stat sb;
  if (stat(path, &sb) || !S_ISREG(sb.st_mode)) return geocl_set_error(GEOCL_E_IO, "%s: missing", path);
  if (sb.st_size % 16)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: %lld bytes is not a multiple of 16 (float32 x, y, z, reflectance "
                                           "per point)", path, (long long)sb.st_size);
  snprintf(image, sizeof image, "%s/image_2/%06d.png", o->dir, f->id);
  if (!source_is_file(image)) return geocl_set_error(GEOCL_E_IO, "%s: missing", image);
  snprintf(path, sizeof path, "%s/calib/%06d.txt", o->dir, f->id);
  geocl_kitti_calib calib;
  geocl_status st = geocl_kitti_calib_read(path, &calib);
  if (st != GEOCL_OK) return st;
  double m[12];
  geocl_kitti_lidar_to_image(&calib, m);
  memset(f->lidar2img, 0, sizeof f->lidar2img);
  memcpy(f->lidar2img, m, sizeof m);
  f->lidar2img[15] = 1;
  f->principal[0] = calib.P[2][2];
  f->principal[1] = calib.P[2][6];
  int w, h;
  png_size(image, &w, &h);
  return w > 0 && h > 0 ? check_fit(f, image, path, w, h) : GEOCL_OK;
}

static void close_object(void *state) {
  kitti_object *o = state;
  free(o->dir);
  free(o->velodyne);
  free(o->frames);
  free(o);
}

/* root/training and the frame ids: from the split file `path`, from
 * root/ImageSets/train.txt, or every calib file. */
static geocl_status find_frames(const char *path, kitti_object *o, int **ids, int *n) {
  char p[4096];
  size_t len = strlen(path);
  if (len > 4 && !strcmp(path + len - 4, ".txt") && source_is_file(path)) {
    snprintf(p, sizeof p, "%s", path);
    char *slash = strrchr(p, '/');
    if (slash) *slash = 0;
    else snprintf(p, sizeof p, ".");
    size_t used = strlen(p);
    snprintf(p + used, sizeof p - used, "/../training");
    if (!layout_at(p)) return geocl_set_error(GEOCL_E_NOT_FOUND, "%s: no %s/calib and image_2 beside it", path, p);
    if (!(o->dir = strdup(p))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    return read_split(path, ids, n);
  }
  snprintf(p, sizeof p, "%s/training", path);
  if (!layout_at(p)) return geocl_set_error(GEOCL_E_NOT_FOUND, "%s: no training/calib and training/image_2", path);
  if (!(o->dir = strdup(p))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  snprintf(p, sizeof p, "%s/ImageSets/train.txt", path);
  if (source_is_file(p)) return read_split(p, ids, n);
  snprintf(p, sizeof p, "%s/calib", o->dir);
  geocl_status st = source_list_numbers(p, ".txt", ids, n);
  if (st == GEOCL_OK && *n == 0) st = geocl_set_error(GEOCL_E_FORMAT, "%s: no NNNNNN.txt calibration files", p);
  return st;
}

static geocl_status open_object(const char *path, const geocl_source_opts *opts, void **state) {
  (void)opts;
  kitti_object *o = calloc(1, sizeof *o);
  if (!o) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  *state = o;
  int *ids = NULL, n = 0;
  geocl_status st = find_frames(path, o, &ids, &n);
  char p[4200];
  if (st == GEOCL_OK) {
    snprintf(p, sizeof p, "%s/velodyne_reduced", o->dir);
    if (!source_is_dir(p)) snprintf(p, sizeof p, "%s/velodyne", o->dir);
    if (!(o->velodyne = strdup(p)) || !(o->frames = calloc((size_t)n, sizeof *o->frames)))
      st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  int skipped = 0;
  char first[1024] = "";
  for (int i = 0; st == GEOCL_OK && i < n; i++) {
    frame *f = &o->frames[o->n];
    f->id = ids[i];
    if (check_frame(o, f) == GEOCL_OK) o->n++;
    else if (skipped++ == 0) snprintf(first, sizeof first, "%s", geocl_last_error());
  }
  free(ids);
  if (st == GEOCL_OK && o->n == 0)
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: none of its %d frames is usable (first: %s)", path, n, first);
  else if (st == GEOCL_OK && skipped)
    geocl_warn("kitti-object %s: skipped %d of %d frames; the first: %s", path, skipped, n, first);
  return st;
}

static int64_t size(void *state) { return ((kitti_object *)state)->n; }

static geocl_fields fields(void *state) {
  (void)state;
  return 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_POINTS | 1u << GEOCL_FIELD_LIDAR2IMG;
}

static geocl_status read_frame(void *state, void **thread, int64_t index, geocl_raw_sample *out) {
  (void)thread;
  const kitti_object *o = state;
  const frame *f = &o->frames[index];
  char image[4200], path[4200];
  snprintf(out->name, sizeof out->name, "%s frame %06d", o->dir, f->id);
  out->has = fields(state);
  memcpy(out->lidar2img, f->lidar2img, sizeof out->lidar2img);
  snprintf(image, sizeof image, "%s/image_2/%06d.png", o->dir, f->id);
  geocl_status st = source_read_rgb8(image, &out->image1);
  if (st == GEOCL_OK) { /* a non-PNG image is checked here */
    snprintf(path, sizeof path, "%s/calib/%06d.txt", o->dir, f->id);
    st = check_fit(f, image, path, out->image1.width, out->image1.height);
  }
  if (st == GEOCL_OK) {
    snprintf(path, sizeof path, "%s/%06d.bin", o->velodyne, f->id);
    st = geocl_velodyne_read(path, &out->points, &out->n_points);
  }
  return st;
}

const geocl_data_source_type source_kitti_object = {
    .name = "kitti-object",
    .summary = "KITTI 3D object layout (training/image_2, calib, velodyne_reduced or velodyne; ImageSets/train.txt "
               "or a named split file)",
    .detect = detect,
    .open = open_object,
    .size = size,
    .fields = fields,
    .read = read_frame,
    .close = close_object,
};
