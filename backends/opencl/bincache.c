/* SPDX-License-Identifier: MIT */
/* On-disk cache of compiled program binaries.
 *
 * Key: SHA-256 over the cache format, the geocl version, the device name, the
 * driver and platform versions, the build options and the source.  Entry:
 * <dir>/<key>.clbin = "GEOCLBIN" magic, u32 format, u32 reserved, u64 length,
 * binary.  Written to a temporary file and renamed, so readers never see a
 * partial entry.  Every failure falls back to building from source.
 * Location: $GEOCL_CL_CACHE (a directory, or "off"), else
 * $XDG_CACHE_HOME/geocl/cl, else ~/.cache/geocl/cl.  Skipped on PoCL, which
 * caches by itself (asking it for binaries costs a second compile), unless
 * GEOCL_CL_CACHE_ON_POCL=1 (used by the tests to exercise this code). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ocl.h"

#define CACHE_FORMAT 1u
static const char MAGIC[8] = {'G', 'E', 'O', 'C', 'L', 'B', 'I', 'N'};

static bool cache_dir(ocl_device *dev, char *out, size_t size) {
  if (dev->defaults.platform_caches) {
    const char *force = getenv("GEOCL_CL_CACHE_ON_POCL");
    if (!force || strcmp(force, "1")) return false;
  }
  const char *env = getenv("GEOCL_CL_CACHE");
  if (env && !strcmp(env, "off")) return false;
  if (env && *env) snprintf(out, size, "%s", env);
  else if (getenv("XDG_CACHE_HOME") && *getenv("XDG_CACHE_HOME"))
    snprintf(out, size, "%s/geocl/cl", getenv("XDG_CACHE_HOME"));
  else if (getenv("HOME") && *getenv("HOME")) snprintf(out, size, "%s/.cache/geocl/cl", getenv("HOME"));
  else return false;
  return true;
}

/* mkdir -p */
static bool make_dirs(const char *path) {
  char tmp[4096];
  snprintf(tmp, sizeof tmp, "%s", path);
  for (char *p = tmp + 1; *p; p++)
    if (*p == '/') {
      *p = '\0';
      if (mkdir(tmp, 0755) && errno != EEXIST) return false;
      *p = '/';
    }
  return !mkdir(tmp, 0755) || errno == EEXIST;
}

static void add_str(ocl_sha256_ctx *c, const char *s) {
  ocl_sha256_update(c, s, strlen(s) + 1); /* with the terminator, so fields cannot run together */
}

static void compute_key(ocl_device *dev, const char *source, const char *options, char *hex) {
  ocl_sha256_ctx c;
  ocl_sha256_init(&c);
  char fmt[32];
  snprintf(fmt, sizeof fmt, "geocl-clbin-%u", CACHE_FORMAT);
  add_str(&c, fmt);
  add_str(&c, GEOCL_VERSION);
  add_str(&c, dev->info.name);
  add_str(&c, dev->info.driver);
  char pver[256] = "";
  clGetPlatformInfo(dev->platform, CL_PLATFORM_VERSION, sizeof pver, pver, NULL);
  pver[sizeof pver - 1] = '\0';
  add_str(&c, pver);
  add_str(&c, options);
  add_str(&c, source);
  unsigned char d[32];
  ocl_sha256_final(&c, d);
  for (int i = 0; i < 32; i++) sprintf(hex + 2 * i, "%02x", d[i]);
}

cl_program ocl_bincache_load(ocl_device *dev, const char *source, const char *options, char *key_hex) {
  char dir[4096];
  key_hex[0] = '\0';
  if (!cache_dir(dev, dir, sizeof dir)) return NULL;
  compute_key(dev, source, options, key_hex);
  char path[4200];
  snprintf(path, sizeof path, "%s/%s.clbin", dir, key_hex);
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  char magic[8];
  uint32_t fmt, reserved;
  uint64_t len;
  unsigned char *bin = NULL;
  cl_program prog = NULL;
  if (fread(magic, 1, 8, f) == 8 && !memcmp(magic, MAGIC, 8) && fread(&fmt, 4, 1, f) == 1 &&
      fmt == CACHE_FORMAT && fread(&reserved, 4, 1, f) == 1 && fread(&len, 8, 1, f) == 1 && len > 0 &&
      len < ((uint64_t)1 << 31) && (bin = malloc(len)) && fread(bin, 1, len, f) == len) {
    cl_int status, err;
    size_t size = (size_t)len;
    const unsigned char *bins[1] = {bin};
    prog = clCreateProgramWithBinary(dev->context, 1, &dev->id, &size, bins, &status, &err);
    if (err != CL_SUCCESS || status != CL_SUCCESS) prog = NULL;
    if (prog && clBuildProgram(prog, 1, &dev->id, options, NULL, NULL) != CL_SUCCESS) {
      clReleaseProgram(prog);
      prog = NULL;
    }
  }
  free(bin);
  fclose(f);
  if (!prog) geocl_debug("program cache entry %s unusable; rebuilding from source", path);
  return prog;
}

void ocl_bincache_store(ocl_device *dev, cl_program program, const char *key_hex) {
  char dir[4096];
  if (!cache_dir(dev, dir, sizeof dir) || !make_dirs(dir)) return;
  size_t size = 0;
  if (clGetProgramInfo(program, CL_PROGRAM_BINARY_SIZES, sizeof size, &size, NULL) != CL_SUCCESS || !size) return;
  unsigned char *bin = malloc(size);
  if (!bin) return;
  unsigned char *bins[1] = {bin};
  if (clGetProgramInfo(program, CL_PROGRAM_BINARIES, sizeof bins, bins, NULL) != CL_SUCCESS) {
    free(bin);
    return;
  }
  char path[4200], tmp[4300];
  snprintf(path, sizeof path, "%s/%s.clbin", dir, key_hex);
  snprintf(tmp, sizeof tmp, "%s.tmp.%ld", path, (long)getpid());
  FILE *f = fopen(tmp, "wb");
  bool ok = f != NULL;
  if (ok) {
    uint32_t fmt = CACHE_FORMAT, reserved = 0;
    uint64_t len = size;
    ok = fwrite(MAGIC, 1, 8, f) == 8 && fwrite(&fmt, 4, 1, f) == 1 && fwrite(&reserved, 4, 1, f) == 1 &&
         fwrite(&len, 8, 1, f) == 1 && fwrite(bin, 1, size, f) == size;
    ok = (fclose(f) == 0) && ok;
  }
  if (ok && rename(tmp, path) == 0) geocl_debug("stored program binary %s", path);
  else unlink(tmp);
  free(bin);
}
