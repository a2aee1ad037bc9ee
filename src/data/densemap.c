/* SPDX-License-Identifier: MIT */
/* PFM and Middlebury .flo files (geocl/densemap.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/densemap.h>

#include <geocl/fileio.h>

#define DENSEMAP_MAX_BYTES ((size_t)1 << 32)
#define FLO_MAGIC 202021.25f
#define FLO_UNKNOWN 1e9f

static float load_f32(const unsigned char *p, int little) {
  uint32_t w = little ? (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
                      : (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
  float f;
  memcpy(&f, &w, sizeof f);
  return f;
}

static void store_f32_le(unsigned char *p, float f) {
  uint32_t w;
  memcpy(&w, &f, sizeof w);
  for (int i = 0; i < 4; i++) p[i] = (unsigned char)(w >> (8 * i));
}

/* The next blank-separated token of the PFM header at *pos (at most 31 chars). */
static int header_token(const char *data, size_t size, size_t *pos, char *tok) {
  while (*pos < size && isspace((unsigned char)data[*pos])) (*pos)++;
  int n = 0;
  while (*pos < size && !isspace((unsigned char)data[*pos]) && n < 31) tok[n++] = data[(*pos)++];
  tok[n] = 0;
  return n > 0 && *pos < size;
}

static geocl_status pfm_header(const char *path, const char *data, size_t size, int *channels, int *w, int *h,
                               int *little, size_t *start) {
  char tok[4][32];
  size_t pos = 0;
  if (size < 3 || data[0] != 'P' || (data[1] != 'F' && data[1] != 'f') || !isspace((unsigned char)data[2]))
    return geocl_set_error(GEOCL_E_FORMAT, "%s: not a PFM file (it does not start with PF or Pf)", path);
  for (int i = 0; i < 4; i++)
    if (!header_token(data, size, &pos, tok[i]))
      return geocl_set_error(GEOCL_E_FORMAT, "%s: truncated PFM header (expected PF or Pf, width, height, scale)", path);
  *channels = tok[0][1] == 'F' ? 3 : 1;
  char *end;
  long wl = strtol(tok[1], &end, 10), hl = *end ? -1 : strtol(tok[2], &end, 10);
  if (*end || wl < 1 || hl < 1 || wl > GEOCL_IMAGE_MAX_SIDE || hl > GEOCL_IMAGE_MAX_SIDE)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: PFM size '%s %s' is not two numbers from 1 to %d", path, tok[1], tok[2],
                           GEOCL_IMAGE_MAX_SIDE);
  errno = 0;
  double scale = strtod(tok[3], &end);
  if (*end || errno || !isfinite(scale) || scale == 0)
    return geocl_set_error(GEOCL_E_FORMAT, "%s: PFM scale '%s' is not a non-zero number", path, tok[3]);
  *w = (int)wl;
  *h = (int)hl;
  *little = scale < 0;
  *start = pos + 1; /* one whitespace character ends the header */
  return GEOCL_OK;
}

geocl_status geocl_pfm_read(const char *path, geocl_image *out) {
  memset(out, 0, sizeof *out);
  char *data;
  size_t size;
  geocl_status st = geocl_file_read_all(path, DENSEMAP_MAX_BYTES, &data, &size);
  if (st != GEOCL_OK) return st;
  int c = 0, w = 0, h = 0, little = 1;
  size_t start = 0;
  st = pfm_header(path, data, size, &c, &w, &h, &little, &start);
  size_t want = (size_t)w * h * c * 4;
  if (st == GEOCL_OK && size - start != want)
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: a %dx%d PFM with %d channel%s holds %zu bytes of data, this one %zu%s",
                         path, w, h, c, c == 1 ? "" : "s", want, size - start, size - start < want ? " (truncated?)" : "");
  if (st == GEOCL_OK) st = geocl_image_alloc(out, w, h, c, GEOCL_SAMPLE_F32);
  if (st == GEOCL_OK) {
    const unsigned char *src = (const unsigned char *)data + start;
    float *dst = out->data;
    size_t row = (size_t)w * c;
    for (int y = 0; y < h; y++) /* the file's first row is the image's last */
      for (size_t i = 0; i < row; i++) dst[(size_t)(h - 1 - y) * row + i] = load_f32(src + 4 * ((size_t)y * row + i), little);
  }
  free(data);
  return st;
}

geocl_status geocl_pfm_write(const char *path, const float *data, int width, int height, int channels) {
  if (width < 1 || height < 1 || (channels != 1 && channels != 3))
    return geocl_set_error(GEOCL_E_INVALID, "%s: PFM of %dx%d with %d channels (1 or 3 allowed)", path, width, height,
                           channels);
  char header[64];
  int hn = snprintf(header, sizeof header, "%s\n%d %d\n-1.0\n", channels == 3 ? "PF" : "Pf", width, height);
  size_t row = (size_t)width * channels, bytes = (size_t)hn + row * height * 4;
  unsigned char *buf = malloc(bytes);
  if (!buf) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
  memcpy(buf, header, (size_t)hn);
  for (int y = 0; y < height; y++)
    for (size_t i = 0; i < row; i++)
      store_f32_le(buf + hn + 4 * ((size_t)y * row + i), data[(size_t)(height - 1 - y) * row + i]);
  geocl_status st = geocl_file_write_atomic(path, buf, bytes);
  free(buf);
  return st;
}

geocl_status geocl_flo_read(const char *path, geocl_image *flow) {
  memset(flow, 0, sizeof *flow);
  char *data;
  size_t size;
  geocl_status st = geocl_file_read_all(path, DENSEMAP_MAX_BYTES, &data, &size);
  if (st != GEOCL_OK) return st;
  const unsigned char *p = (const unsigned char *)data;
  int32_t w = 0, h = 0;
  if (size < 12) st = geocl_set_error(GEOCL_E_FORMAT, "%s: %zu bytes, too short for a .flo header", path, size);
  else if (load_f32(p, 1) != FLO_MAGIC)
    st = geocl_set_error(GEOCL_E_FORMAT, "%s: not a Middlebury .flo file (no PIEH tag)", path);
  if (st == GEOCL_OK) {
    w = (int32_t)((uint32_t)p[4] | (uint32_t)p[5] << 8 | (uint32_t)p[6] << 16 | (uint32_t)p[7] << 24);
    h = (int32_t)((uint32_t)p[8] | (uint32_t)p[9] << 8 | (uint32_t)p[10] << 16 | (uint32_t)p[11] << 24);
    if (w < 1 || h < 1 || w > GEOCL_IMAGE_MAX_SIDE || h > GEOCL_IMAGE_MAX_SIDE)
      st = geocl_set_error(GEOCL_E_FORMAT, "%s: .flo size %dx%d is outside 1..%d", path, (int)w, (int)h,
                           GEOCL_IMAGE_MAX_SIDE);
    else if (size != 12 + (size_t)w * h * 8)
      st = geocl_set_error(GEOCL_E_FORMAT, "%s: a %dx%d .flo file has %zu bytes, this one %zu%s", path, (int)w, (int)h,
                           12 + (size_t)w * h * 8, size, size < 12 + (size_t)w * h * 8 ? " (truncated?)" : "");
  }
  if (st == GEOCL_OK) st = geocl_image_alloc(flow, w, h, 3, GEOCL_SAMPLE_F32);
  if (st == GEOCL_OK) {
    float *out = flow->data;
    for (size_t i = 0, n = (size_t)w * h; i < n; i++) {
      float u = load_f32(p + 12 + 8 * i, 1), v = load_f32(p + 16 + 8 * i, 1);
      bool valid = isfinite(u) && isfinite(v) && fabsf(u) <= FLO_UNKNOWN && fabsf(v) <= FLO_UNKNOWN;
      out[3 * i] = valid ? u : 0.0f;
      out[3 * i + 1] = valid ? v : 0.0f;
      out[3 * i + 2] = valid;
    }
  }
  free(data);
  return st;
}

geocl_status geocl_flo_write(const char *path, const float *flow, int width, int height) {
  if (width < 1 || height < 1) return geocl_set_error(GEOCL_E_INVALID, "%s: .flo of %dx%d", path, width, height);
  size_t n = (size_t)width * height, bytes = 12 + n * 8;
  unsigned char *buf = malloc(bytes);
  if (!buf) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
  store_f32_le(buf, FLO_MAGIC);
  for (int i = 0; i < 4; i++) {
    buf[4 + i] = (unsigned char)((uint32_t)width >> (8 * i));
    buf[8 + i] = (unsigned char)((uint32_t)height >> (8 * i));
  }
  for (size_t i = 0; i < n; i++) {
    const float *f = flow + 3 * i;
    bool valid = f[2] > 0.5f && isfinite(f[0]) && isfinite(f[1]);
    store_f32_le(buf + 12 + 8 * i, valid ? f[0] : 1e10f);
    store_f32_le(buf + 16 + 8 * i, valid ? f[1] : 1e10f);
  }
  geocl_status st = geocl_file_write_atomic(path, buf, bytes);
  free(buf);
  return st;
}
