/* SPDX-License-Identifier: MIT */
/* Source "kitti-depth": KITTI raw images with the depth benchmark's annotated
 * depth, listed by a split file (the Eigen split of monocular depth), in the
 * layout of the depth toolbox SimIPU evaluates with
 * (zhyever/Monocular-Depth-Estimation-Toolbox, docs/dataset_prepare.md):
 *
 *   DIR/input/2011_09_26/2011_09_26_drive_0002_sync/image_02/data/0000000069.png   KITTI raw
 *   DIR/gt_depth/2011_09_26_drive_0002_sync/proj_depth/groundtruth/image_02/0000000069.png
 *   DIR/kitti_eigen_test.txt   one sample a line: image path (under input/), depth
 *                              path (under gt_depth/, or None), focal length
 *
 * The source is the split file: --data kitti-depth:DIR/kitti_eigen_test.txt
 * (or the file's path alone: a .txt file beside an input/ folder).  Samples
 * without annotation ("None") have no known depth. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/kitti.h>

#include "data/sources.h"
#include <geocl/fileio.h>
#include "io/text_lines.h"

#define SPLIT_MAX_BYTES ((size_t)1 << 28)

typedef struct depth_split {
  char *base;        /* the split file's directory */
  char **image, **depth; /* per sample, relative paths; depth NULL for None */
  int64_t n;
  char *text; /* the split file, owning the strings */
} depth_split;

static void dir_of(const char *path, char *out, size_t size) {
  const char *slash = strrchr(path, '/');
  if (!slash) snprintf(out, size, ".");
  else snprintf(out, size, "%.*s", (int)(slash - path ? slash - path : 1), path);
}

static bool detect(const char *path) {
  size_t n = strlen(path);
  char dir[4096], input[4200];
  if (n < 4 || strcmp(path + n - 4, ".txt") || !source_is_file(path)) return false;
  dir_of(path, dir, sizeof dir);
  snprintf(input, sizeof input, "%s/input", dir);
  return source_is_dir(input);
}

static void close_split(void *state) {
  depth_split *s = state;
  free(s->base);
  free(s->image);
  free(s->depth);
  free(s->text);
  free(s);
}

/* The next blank-separated word of s (terminated in place), or NULL. */
static char *next_word(char **s) {
  char *w = text_skip_blanks(*s);
  if (!*w) return NULL;
  char *end = w;
  while (*end && *end != ' ' && *end != '\t') end++;
  *s = *end ? end + 1 : end;
  *end = 0;
  return w;
}

static geocl_status open_split(const char *path, const geocl_source_opts *opts, void **state) {
  (void)opts;
  depth_split *s = calloc(1, sizeof *s);
  if (!s) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  *state = s;
  char dir[4096];
  dir_of(path, dir, sizeof dir);
  size_t size;
  geocl_status st = geocl_file_read_all(path, SPLIT_MAX_BYTES, &s->text, &size);
  if (st != GEOCL_OK) return st;
  if (!(s->base = strdup(dir))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  int64_t lines = 1;
  for (size_t i = 0; i < size; i++) lines += s->text[i] == '\n';
  s->image = calloc((size_t)lines, sizeof *s->image);
  s->depth = calloc((size_t)lines, sizeof *s->depth);
  if (!s->image || !s->depth) return geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
  char *cursor = s->text, *line;
  for (int line_no = 1; (line = text_next_line(&cursor)); line_no++) {
    line = text_skip_blanks(line);
    if (!*line || *line == '#') continue;
    char *image = next_word(&line), *depth = next_word(&line), *focal = next_word(&line);
    if (!depth || next_word(&line) || (focal && !strtod(focal, NULL)))
      return geocl_set_error(GEOCL_E_FORMAT, "%s line %d: expected 'IMAGE DEPTH FOCAL' (depth may be None)", path,
                             line_no);
    s->image[s->n] = image;
    s->depth[s->n++] = strcmp(depth, "None") ? depth : NULL;
  }
  return GEOCL_OK;
}

static int64_t size(void *state) { return ((depth_split *)state)->n; }

static geocl_fields fields(void *state) {
  (void)state;
  return 1u << GEOCL_FIELD_IMAGE1 | 1u << GEOCL_FIELD_DEPTH | 1u << GEOCL_FIELD_VALID;
}

static geocl_status read_sample(void *state, void **thread, int64_t index, geocl_raw_sample *out) {
  (void)thread;
  const depth_split *s = state;
  char path[4400];
  snprintf(out->name, sizeof out->name, "%s", s->image[index]);
  out->has = fields(state);
  snprintf(path, sizeof path, "%s/input/%s", s->base, s->image[index]);
  geocl_status st = source_read_rgb8(path, &out->image1);
  if (st != GEOCL_OK) return st;
  if (!s->depth[index]) /* no annotation: nothing known */
    return geocl_image_alloc(&out->depth, out->image1.width, out->image1.height, 1, GEOCL_SAMPLE_F32);
  snprintf(path, sizeof path, "%s/gt_depth/%s", s->base, s->depth[index]);
  st = geocl_kitti_depth_read(path, &out->depth);
  if (st == GEOCL_OK && (out->depth.width != out->image1.width || out->depth.height != out->image1.height))
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: depth of %dx%d for an image of %dx%d", path, out->depth.width,
                         out->depth.height, out->image1.width, out->image1.height);
  return st;
}

const geocl_data_source_type source_kitti_depth = {
    .name = "kitti-depth",
    .summary = "KITTI raw + annotated depth listed by a split file (input/, gt_depth/, e.g. kitti_eigen_test.txt)",
    .detect = detect,
    .open = open_split,
    .size = size,
    .fields = fields,
    .read = read_sample,
    .close = close_split,
};
