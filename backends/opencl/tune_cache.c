/* SPDX-License-Identifier: MIT */
/* The device's tuning cache file (tune_cache.h): where it is, its format,
 * and its lines dispatched to the tables that own them.
 *
 * One text file per device, driver and geocl version, named by the SHA-256 of
 * the three, in $GEOCL_TUNE_CACHE (a directory, or "off"), else
 * $XDG_CACHE_HOME/geocl/tune, else ~/.cache/geocl/tune.  Line 1 is FORMAT
 * (FORMAT_V2 and FORMAT_V1 are read too: they have no attention lines, and
 * V1 no clblast-xgemm line), comment lines start with '#', then at most one
 * line of CLBlast's parameters (gemm_table.c):
 *   clblast-xgemm GEMMK=0 KREG=1 KWG=32 …
 * with all of them as ocl_xgemm_format writes them, one line per GEMM shape
 * (gemm_table.c):
 *   trans_a trans_b m n k batch choice
 * with choice as ocl_gemm_choice_format writes it, and the tuned tile and
 * work-group sizes of the attention kernels (attention_table.c), a line per
 * kernel and shape:
 *   attention fwd|dq|dkv batch nq nk heads head_dim rope tile=T block=W
 * A line that does not parse, or names parameters this device cannot run, is
 * skipped (CLBlast parameters and attention lines with a warning).  Read when
 * the device's context is created, which applies the clblast-xgemm line
 * before any CLBlast call; rewritten atomically after each tuning stage.  A
 * file that does not parse is ignored (and replaced by the next tuning run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/fileio.h>

#include "attention.h"
#include "gemm.h"
#include "tune_cache.h"

#define FORMAT "geocl-gemm-tune 3"
#define FORMAT_V2 "geocl-gemm-tune 2"
#define FORMAT_V1 "geocl-gemm-tune 1"
#define XGEMM_KEY "clblast-xgemm "
#define ATTENTION_KEY "attention "

static bool cache_file(const ocl_device *dev, char *out, size_t size, char *dir, size_t dir_size) {
  const char *env = getenv("GEOCL_TUNE_CACHE"), *xdg = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
  if (env && !strcmp(env, "off")) return false;
  if (env && *env)
    snprintf(dir, dir_size, "%s", env);
  else if (xdg && *xdg)
    snprintf(dir, dir_size, "%s/geocl/tune", xdg);
  else if (home && *home)
    snprintf(dir, dir_size, "%s/.cache/geocl/tune", home);
  else
    return false;
  ocl_sha256_ctx c;
  ocl_sha256_init(&c);
  const char *fields[] = {dev->info.name, dev->info.driver, GEOCL_VERSION};
  for (int i = 0; i < 3; i++) ocl_sha256_update(&c, fields[i], strlen(fields[i]) + 1);
  unsigned char d[32];
  ocl_sha256_final(&c, d);
  char hex[33];
  for (int i = 0; i < 16; i++) sprintf(hex + 2 * i, "%02x", d[i]);
  return (size_t)snprintf(out, size, "%s/gemm-%s.txt", dir, hex) < size;
}

void ocl_tune_cache_parse(ocl_device *dev, const char *path, char *text) {
  char *save = NULL, *line = strtok_r(text, "\n", &save);
  if (!line || (strcmp(line, FORMAT) && strcmp(line, FORMAT_V2) && strcmp(line, FORMAT_V1))) {
    geocl_warn("GEMM tuning cache %s: not a %s file; ignored", path, FORMAT);
    return;
  }
  int kept = 0;
  while ((line = strtok_r(NULL, "\n", &save))) {
    if (line[0] == '#') continue;
    if (!strncmp(line, XGEMM_KEY, strlen(XGEMM_KEY)))
      ocl_gemm_table_read_xgemm(dev, path, line + strlen(XGEMM_KEY));
    else if (!strncmp(line, ATTENTION_KEY, strlen(ATTENTION_KEY)))
      ocl_attn_table_read(dev, path, line + strlen(ATTENTION_KEY));
    else
      kept += ocl_gemm_table_read(dev, path, line);
  }
  geocl_debug("GEMM tuning cache %s: %d tuned shapes", path, kept);
}

void ocl_tune_cache_load(ocl_device *dev) {
  char path[4096], dir[3500];
  char *text = NULL;
  size_t size;
  if (!cache_file(dev, path, sizeof path, dir, sizeof dir) ||
      geocl_file_read_all(path, (size_t)1 << 20, &text, &size) != GEOCL_OK) {
    geocl_clear_error(); /* no file yet */
    return;
  }
  ocl_tune_cache_parse(dev, path, text);
  ocl_gemm_table_apply_xgemm(dev, path);
  free(text);
}

void ocl_tune_cache_clear(ocl_device *dev) {
  ocl_gemm_table_free(dev);
  ocl_attn_table_free(dev);
}

geocl_status ocl_tune_cache_write(ocl_device *dev, char *path, size_t size) {
  char dir[3500];
  path[0] = '\0';
  if (!cache_file(dev, path, size, dir, sizeof dir)) {
    path[0] = '\0';
    return GEOCL_OK;
  }
  size_t gemm = ocl_gemm_table_format(dev, XGEMM_KEY, NULL, 0), attention = ocl_attn_table_format(dev, ATTENTION_KEY, NULL, 0);
  size_t cap = 768 + gemm + attention + 1, len = 0;
  char *text = malloc(cap);
  if (!text) return geocl_set_error(GEOCL_E_NOMEM, "out of memory writing %s", path);
  len += (size_t)snprintf(text + len, cap - len, "%s\n# %s, driver %s, geocl %s\n# ta tb m n k batch choice\n", FORMAT,
                          dev->info.name, dev->info.driver, GEOCL_VERSION);
  if (len < cap) len += ocl_gemm_table_format(dev, XGEMM_KEY, text + len, cap - len);
  if (len < cap) len += ocl_attn_table_format(dev, ATTENTION_KEY, text + len, cap - len);
  geocl_status st = geocl_mkdir_p(dir);
  if (st == GEOCL_OK) st = geocl_file_write_atomic(path, text, len < cap ? len : cap - 1);
  free(text);
  return st;
}
