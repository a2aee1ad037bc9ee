/* SPDX-License-Identifier: MIT */
/* KITTI binary formats: depth, disparity and flow PNGs, velodyne .bin. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/kitti.h>
#include <geocl/fileio.h>

#define VELODYNE_MAX_BYTES ((size_t)1 << 31)

static const char *describe(const geocl_image *img, char *buf, size_t size) {
  static const char *names[5] = {"", "gray", "gray+alpha", "RGB", "RGBA"};
  snprintf(buf, size, "%d-bit %s", (int)geocl_sample_size(img->type) * 8,
           img->channels >= 1 && img->channels <= 4 ? names[img->channels] : "?");
  return buf;
}

/* Read a PNG that must be 16-bit with the given number of channels. */
static geocl_status read_u16_png(const char *path, int channels, const char *what, geocl_image *img) {
  geocl_status st = geocl_image_read(path, img);
  if (st != GEOCL_OK) return st;
  if (img->type != GEOCL_SAMPLE_U16 || img->channels != channels) {
    char got[32];
    describe(img, got, sizeof got);
    geocl_image_free(img);
    return geocl_set_error(GEOCL_E_FORMAT, "%s: a %s PNG must be 16-bit %s, this one is %s", path, what,
                           channels == 1 ? "gray" : "RGB", got);
  }
  return GEOCL_OK;
}

/* A 16-bit gray PNG of value × 256 (0 = unknown) as floats. */
static geocl_status read_x256(const char *path, const char *what, geocl_image *out) {
  geocl_image raw;
  memset(out, 0, sizeof *out);
  geocl_status st = read_u16_png(path, 1, what, &raw);
  if (st != GEOCL_OK) return st;
  st = geocl_image_alloc(out, raw.width, raw.height, 1, GEOCL_SAMPLE_F32);
  if (st == GEOCL_OK) {
    const uint16_t *in = raw.data;
    float *o = out->data;
    for (size_t i = 0, n = (size_t)raw.width * raw.height; i < n; i++) o[i] = (float)in[i] / 256.0f;
  }
  geocl_image_free(&raw);
  return st;
}

geocl_status geocl_kitti_depth_read(const char *path, geocl_image *depth) {
  return read_x256(path, "KITTI depth", depth);
}

geocl_status geocl_kitti_disparity_read(const char *path, geocl_image *disparity) {
  return read_x256(path, "KITTI disparity", disparity);
}

geocl_status geocl_kitti_disparity_write(const char *path, const float *disparity, int width, int height) {
  geocl_image img;
  geocl_status st = geocl_image_alloc(&img, width, height, 1, GEOCL_SAMPLE_U16);
  if (st != GEOCL_OK) return st;
  uint16_t *out = img.data;
  for (size_t i = 0, n = (size_t)width * height; i < n; i++) {
    float d = disparity[i] * 256.0f;
    out[i] = !(d > 0.0f) || d > 65535.0f ? 0 : (uint16_t)lrintf(d);
  }
  st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  return st;
}

geocl_status geocl_kitti_depth_write(const char *path, const float *depth, int width, int height) {
  geocl_image img;
  geocl_status st = geocl_image_alloc(&img, width, height, 1, GEOCL_SAMPLE_U16);
  if (st != GEOCL_OK) return st;
  uint16_t *out = img.data;
  for (size_t i = 0, n = (size_t)width * height; i < n; i++) {
    float d = depth[i] * 256.0f;
    out[i] = !(d > 0.0f) ? 0 : d >= 65535.0f ? 65535 : (uint16_t)lrintf(d);
  }
  st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  return st;
}

geocl_status geocl_kitti_flow_read(const char *path, geocl_image *flow) {
  geocl_image raw;
  memset(flow, 0, sizeof *flow);
  geocl_status st = read_u16_png(path, 3, "KITTI flow", &raw);
  if (st != GEOCL_OK) return st;
  st = geocl_image_alloc(flow, raw.width, raw.height, 3, GEOCL_SAMPLE_F32);
  if (st == GEOCL_OK) {
    const uint16_t *in = raw.data;
    float *out = flow->data;
    for (size_t i = 0, n = (size_t)raw.width * raw.height; i < n; i++) {
      int valid = in[3 * i + 2] != 0;
      out[3 * i + 0] = valid ? ((float)in[3 * i + 0] - 32768.0f) / 64.0f : 0.0f;
      out[3 * i + 1] = valid ? ((float)in[3 * i + 1] - 32768.0f) / 64.0f : 0.0f;
      out[3 * i + 2] = (float)valid;
    }
  }
  geocl_image_free(&raw);
  return st;
}

static uint16_t flow_code(float f) {
  float c = f * 64.0f + 32768.0f;
  return !(c > 0.0f) ? 0 : c >= 65535.0f ? 65535 : (uint16_t)lrintf(c);
}

geocl_status geocl_kitti_flow_write(const char *path, const float *flow, int width, int height) {
  geocl_image img;
  geocl_status st = geocl_image_alloc(&img, width, height, 3, GEOCL_SAMPLE_U16);
  if (st != GEOCL_OK) return st;
  uint16_t *out = img.data;
  for (size_t i = 0, n = (size_t)width * height; i < n; i++) {
    const float *f = flow + 3 * i;
    int valid = f[2] > 0.5f && isfinite(f[0]) && isfinite(f[1]);
    out[3 * i + 0] = valid ? flow_code(f[0]) : 32768;
    out[3 * i + 1] = valid ? flow_code(f[1]) : 32768;
    out[3 * i + 2] = (uint16_t)valid;
  }
  st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  return st;
}

static int host_is_little_endian(void) {
  const uint16_t one = 1;
  return *(const uint8_t *)&one == 1;
}

static void swap_words(uint32_t *w, size_t n) {
  for (size_t i = 0; i < n; i++) w[i] = __builtin_bswap32(w[i]);
}

geocl_status geocl_velodyne_read(const char *path, float **points, int64_t *count) {
  char *bytes;
  size_t size;
  *points = NULL;
  *count = 0;
  geocl_status st = geocl_file_read_all(path, VELODYNE_MAX_BYTES, &bytes, &size);
  if (st != GEOCL_OK) return st;
  if (size % 16 != 0) {
    free(bytes);
    return geocl_set_error(GEOCL_E_FORMAT,
                           "%s: velodyne file of %zu bytes is not a whole number of 16-byte points "
                           "(float32 x, y, z, reflectance); truncated?",
                           path, size);
  }
  float *p = (float *)bytes; /* malloc'd, so aligned for floats */
  if (!host_is_little_endian()) swap_words((uint32_t *)p, size / 4);
  *points = p;
  *count = (int64_t)(size / 16);
  return GEOCL_OK;
}

geocl_status geocl_velodyne_write(const char *path, const float *points, int64_t count) {
  if (count < 0) return geocl_set_error(GEOCL_E_INVALID, "%s: negative point count %lld", path, (long long)count);
  size_t size = (size_t)count * 16;
  if (host_is_little_endian()) return geocl_file_write_atomic(path, points, size);
  uint32_t *swapped = malloc(size ? size : 16);
  if (!swapped) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", path);
  memcpy(swapped, points, size);
  swap_words(swapped, size / 4);
  geocl_status st = geocl_file_write_atomic(path, swapped, size);
  free(swapped);
  return st;
}
