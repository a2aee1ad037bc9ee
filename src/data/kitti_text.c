/* SPDX-License-Identifier: MIT */
/* KITTI text formats: calib.txt (object and odometry layouts) and poses.txt. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/kitti.h>
#include <geocl/fileio.h>

#include "io/text_lines.h"

#define CALIB_MAX_BYTES ((size_t)1 << 20)
#define POSES_MAX_BYTES ((size_t)1 << 28)

/* Parse exactly n finite numbers separated by blanks. */
static geocl_status parse_numbers(const char *path, int line_no, const char *what, char *s, double *out, int n) {
  int found = 0;
  for (;;) {
    s = text_skip_blanks(s);
    if (!*s) break;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || (*end && *end != ' ' && *end != '\t') || !isfinite(v) || errno == ERANGE) {
      int len = 0;
      while (s[len] && s[len] != ' ' && s[len] != '\t' && len < 24) len++;
      return geocl_set_error(GEOCL_E_FORMAT, "%s line %d: %s: '%.*s' is not a finite number", path, line_no, what, len,
                             s);
    }
    if (found < n) out[found] = v;
    found++;
    s = end;
  }
  if (found != n)
    return geocl_set_error(GEOCL_E_FORMAT, "%s line %d: %s has %d numbers, expected %d", path, line_no, what, found, n);
  return GEOCL_OK;
}

static void set_identity_3x4(double m[12]) {
  memset(m, 0, 12 * sizeof m[0]);
  m[0] = m[5] = m[10] = 1.0;
}

/* The keys of the two layouts, and where each value goes. */
enum { KEY_P0, KEY_P1, KEY_P2, KEY_P3, KEY_R0, KEY_TR_VELO, KEY_TR_IMU, KEY_TR, N_KEYS };
static const char *const calib_keys[N_KEYS] = {"P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo",
                                               "Tr"};

static double *calib_slot(geocl_kitti_calib *c, int key) {
  switch (key) {
  case KEY_R0: return c->R0_rect;
  case KEY_TR_VELO:
  case KEY_TR: return c->Tr_velo_to_cam;
  case KEY_TR_IMU: return c->Tr_imu_to_velo;
  default: return c->P[key];
  }
}

geocl_status geocl_kitti_calib_read(const char *path, geocl_kitti_calib *calib) {
  memset(calib, 0, sizeof *calib);
  char *text, *cursor, *line;
  size_t size;
  geocl_status st = geocl_text_read_all(path, CALIB_MAX_BYTES, &text, &size);
  if (st != GEOCL_OK) return st;
  int seen[N_KEYS] = {0}, line_no = 0;
  cursor = text;
  while (st == GEOCL_OK && (line = text_next_line(&cursor))) {
    line_no++;
    line = text_skip_blanks(line);
    if (!*line) continue;
    char *colon = strchr(line, ':');
    if (!colon) {
      st = geocl_set_error(GEOCL_E_FORMAT, "%s line %d: expected 'KEY: numbers'", path, line_no);
      break;
    }
    *colon = '\0';
    int key = -1;
    for (int k = 0; k < N_KEYS; k++)
      if (!strcmp(line, calib_keys[k])) key = k;
    if (key < 0) continue; /* other keys (e.g. of KITTI raw files) are not ours to judge */
    if (seen[key]) {
      st = geocl_set_error(GEOCL_E_FORMAT, "%s line %d: '%s' given twice", path, line_no, line);
      break;
    }
    seen[key] = line_no;
    st = parse_numbers(path, line_no, calib_keys[key], colon + 1, calib_slot(calib, key), key == KEY_R0 ? 9 : 12);
  }
  free(text);
  if (st != GEOCL_OK) return st;
  for (int k = KEY_P0; k <= KEY_P3; k++)
    if (!seen[k]) return geocl_set_error(GEOCL_E_FORMAT, "%s: no '%s' line", path, calib_keys[k]);
  if (seen[KEY_TR] && (seen[KEY_TR_VELO] || seen[KEY_R0]))
    return geocl_set_error(GEOCL_E_FORMAT,
                           "%s: mixes the odometry key 'Tr' with the object keys 'R0_rect'/"
                           "'Tr_velo_to_cam'",
                           path);
  if (seen[KEY_TR]) {
    calib->layout = GEOCL_CALIB_ODOMETRY;
    memset(calib->R0_rect, 0, sizeof calib->R0_rect);
    calib->R0_rect[0] = calib->R0_rect[4] = calib->R0_rect[8] = 1.0;
  } else if (seen[KEY_TR_VELO] && seen[KEY_R0]) {
    calib->layout = GEOCL_CALIB_OBJECT;
  } else {
    return geocl_set_error(GEOCL_E_FORMAT,
                           "%s: neither 'Tr' (odometry layout) nor 'R0_rect' and 'Tr_velo_to_cam' "
                           "(object layout)",
                           path);
  }
  if (!seen[KEY_TR_IMU]) set_identity_3x4(calib->Tr_imu_to_velo);
  return GEOCL_OK;
}

/* Append "KEY: n1 n2 ...\n" to buf. */
static size_t format_row(char *buf, size_t size, size_t used, const char *key, const double *v, int n) {
  used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "%s:", key);
  for (int i = 0; i < n; i++) used += (size_t)snprintf(buf + used, used < size ? size - used : 0, " %.12e", v[i]);
  used += (size_t)snprintf(buf + used, used < size ? size - used : 0, "\n");
  return used;
}

geocl_status geocl_kitti_calib_write(const char *path, const geocl_kitti_calib *calib) {
  if (calib->layout != GEOCL_CALIB_OBJECT && calib->layout != GEOCL_CALIB_ODOMETRY)
    return geocl_set_error(GEOCL_E_INVALID, "%s: unknown calibration layout %d", path, (int)calib->layout);
  char buf[4096];
  size_t used = 0;
  for (int k = KEY_P0; k <= KEY_P3; k++) used = format_row(buf, sizeof buf, used, calib_keys[k], calib->P[k], 12);
  if (calib->layout == GEOCL_CALIB_OBJECT) {
    used = format_row(buf, sizeof buf, used, "R0_rect", calib->R0_rect, 9);
    used = format_row(buf, sizeof buf, used, "Tr_velo_to_cam", calib->Tr_velo_to_cam, 12);
    used = format_row(buf, sizeof buf, used, "Tr_imu_to_velo", calib->Tr_imu_to_velo, 12);
  } else {
    used = format_row(buf, sizeof buf, used, "Tr", calib->Tr_velo_to_cam, 12);
  }
  if (used >= sizeof buf) return geocl_set_error(GEOCL_E_INVALID, "%s: calibration text too long", path);
  return geocl_file_write_atomic(path, buf, used);
}

void geocl_kitti_lidar_to_image(const geocl_kitti_calib *calib, double out[12]) {
  /* R0 * Tr (3x4), then P2 * [R0 Tr; 0 0 0 1] */
  double rt[12];
  const double *r = calib->R0_rect, *t = calib->Tr_velo_to_cam, *p = calib->P[2];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++) rt[4 * i + j] = r[3 * i] * t[j] + r[3 * i + 1] * t[4 + j] + r[3 * i + 2] * t[8 + j];
  for (int i = 0; i < 3; i++)
    for (int j = 0; j < 4; j++)
      out[4 * i + j] =
          p[4 * i] * rt[j] + p[4 * i + 1] * rt[4 + j] + p[4 * i + 2] * rt[8 + j] + (j == 3 ? p[4 * i + 3] : 0.0);
}

geocl_status geocl_kitti_poses_read(const char *path, double **poses, int64_t *count) {
  *poses = NULL;
  *count = 0;
  char *text, *cursor, *line;
  size_t size;
  geocl_status st = geocl_text_read_all(path, POSES_MAX_BYTES, &text, &size);
  if (st != GEOCL_OK) return st;
  int64_t n = 0, capacity = 0;
  double *out = NULL;
  int line_no = 0;
  cursor = text;
  while ((line = text_next_line(&cursor))) {
    line_no++;
    if (!*text_skip_blanks(line)) continue;
    if (n == capacity) {
      capacity = capacity ? 2 * capacity : 256;
      double *grown = realloc(out, (size_t)capacity * 12 * sizeof *out);
      if (!grown) {
        st = geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory at line %d", path, line_no);
        break;
      }
      out = grown;
    }
    st = parse_numbers(path, line_no, "pose", line, out + 12 * n, 12);
    if (st != GEOCL_OK) break;
    n++;
  }
  free(text);
  if (st != GEOCL_OK) {
    free(out);
    return st;
  }
  if (n == 0) {
    free(out);
    return geocl_set_error(GEOCL_E_FORMAT, "%s: no poses in the file", path);
  }
  *poses = out;
  *count = n;
  return GEOCL_OK;
}

geocl_status geocl_kitti_poses_write(const char *path, const double *poses, int64_t count) {
  size_t per_line = 12 * 24 + 2, size = (size_t)count * per_line + 1, used = 0;
  char *buf = malloc(size);
  if (!buf) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
  for (int64_t i = 0; i < count; i++)
    for (int j = 0; j < 12; j++)
      used += (size_t)snprintf(buf + used, size - used, "%.12e%c", poses[12 * i + j], j == 11 ? '\n' : ' ');
  geocl_status st = geocl_file_write_atomic(path, buf, used);
  free(buf);
  return st;
}
