/* SPDX-License-Identifier: MIT */
/* Writes the files tests/model_cli.sh feeds to geocl forward/reconstruct:
 * a tiny random-init croco model; copies with one tensor missing, with a NaN,
 * and with recorded configs that do not fit the tensors (enc_depth 1e8,
 * enc_embed_dim 2^40, img_size 65536); images of the right and a wrong size;
 * masks of the right and a wrong shape, and one that masks nothing; img1
 * scaled and framed (for --resize).  Usage: make_model_files DIR
 * With "target C H W DIR": DIR/target.safetensors, a dense head's target
 * [1, C, H, W] (values 1 + (i mod 7)·0.5, every fifth unknown: +inf), and
 * DIR/badtarget.safetensors of the wrong shape, for geocl forward --target. */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>
#include <geocl/image.h>
#include <geocl/model.h>
#include <geocl/safetensors.h>

static int fail(const char *what) {
  fprintf(stderr, "make_model_files: %s: %s\n", what, geocl_last_error());
  return 1;
}

static int write_image(const char *dir, const char *name, int w, int h) {
  geocl_image img;
  if (geocl_image_alloc(&img, w, h, 3, GEOCL_SAMPLE_U8) != GEOCL_OK) return fail(name);
  for (int i = 0; i < w * h * 3; i++) ((uint8_t *)img.data)[i] = (uint8_t)(i * 37 % 251);
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  geocl_status st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  return st == GEOCL_OK ? 0 : fail(path);
}

/* img1.png (48x32) scaled by whole factors fx, fy (nearest: each pixel
 * repeated), in rows [pad, pad + 32·fy) of a canvas of pad rows above and
 * below filled with another pattern: what --resize must turn back into img1. */
static int write_scaled(const char *dir, const char *name, int fx, int fy, int pad) {
  int w = 48 * fx, h = 32 * fy + 2 * pad;
  geocl_image img;
  if (geocl_image_alloc(&img, w, h, 3, GEOCL_SAMPLE_U8) != GEOCL_OK) return fail(name);
  uint8_t *p = img.data;
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) {
        int sy = (y - pad) / fy, sx = x / fx, i = (sy * 48 + sx) * 3 + c;
        p[(y * w + x) * 3 + c] = y < pad || y >= pad + 32 * fy ? (uint8_t)(x * 7 + y * 3 + c) : (uint8_t)(i * 37 % 251);
      }
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  geocl_status st = geocl_image_write_png(path, &img);
  geocl_image_free(&img);
  return st == GEOCL_OK ? 0 : fail(path);
}

/* A mask of n patches, every `every`-th one masked (0: none). */
static int write_mask(const char *dir, const char *name, int n, int every) {
  uint8_t m[16] = {0};
  for (int i = 0; i < n; i++) m[i] = every && i % every == 1;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  geocl_st_writer *w = geocl_st_writer_new();
  geocl_status st = geocl_st_writer_add(w, "mask", GEOCL_ST_U8, 2, (int64_t[]){1, n}, m);
  if (st == GEOCL_OK) st = geocl_st_writer_write(w, path);
  geocl_st_writer_free(w);
  return st == GEOCL_OK ? 0 : fail(path);
}

/* The recorded config of the model file with two key=value settings (malloc'd). */
static char *config_with(const geocl_st_file *f, const char *setting1, const char *setting2) {
  const geocl_plugin *p;
  if (geocl_plugin_find("croco", &p) != GEOCL_OK) return NULL;
  geocl_config *c = geocl_plugin_config(p);
  char *json = NULL;
  if (c && geocl_config_apply_json(c, geocl_st_meta(f, "config")) == GEOCL_OK &&
      geocl_config_set_arg(c, setting1) == GEOCL_OK && geocl_config_set_arg(c, setting2) == GEOCL_OK)
    json = geocl_config_to_json(c);
  geocl_config_free(c);
  return json;
}

/* A copy of the model file as `name`, without its first tensor (drop_first),
 * with two key=value settings in its recorded config (non-NULL), or with a
 * NaN in its first tensor (nan). */
static int write_variant(const char *dir, const char *name, bool drop_first, const char *set1, const char *set2,
                         bool nan) {
  char src[4096], dst[4096];
  snprintf(src, sizeof src, "%s/model.safetensors", dir);
  snprintf(dst, sizeof dst, "%s/%s", dir, name);
  geocl_st_file *f;
  if (geocl_st_open(src, &f) != GEOCL_OK) return fail(src);
  geocl_st_writer *w = geocl_st_writer_new();
  void **bufs = calloc((size_t)geocl_st_count(f), sizeof *bufs);
  char *config = set1 ? config_with(f, set1, set2) : NULL;
  geocl_status st = set1 && !config ? GEOCL_E_INVALID : GEOCL_OK;
  for (int i = 0; st == GEOCL_OK && i < geocl_st_meta_count(f); i++)
    st = geocl_st_writer_set_meta(w, geocl_st_meta_at(f, i).key, geocl_st_meta_at(f, i).value);
  if (st == GEOCL_OK && config) st = geocl_st_writer_set_meta(w, "config", config);
  for (int i = drop_first; st == GEOCL_OK && i < geocl_st_count(f); i++) {
    const geocl_st_info *t = geocl_st_at(f, i);
    bufs[i] = malloc(t->end - t->begin + 1);
    st = geocl_st_read_raw(f, t, bufs[i], t->end - t->begin);
    if (st == GEOCL_OK && nan && i == 0) ((float *)bufs[i])[0] = NAN;
    if (st == GEOCL_OK) st = geocl_st_writer_add(w, t->name, t->dtype, t->ndim, t->shape, bufs[i]);
  }
  if (st == GEOCL_OK) st = geocl_st_writer_write(w, dst);
  for (int i = 0; i < geocl_st_count(f); i++) free(bufs[i]);
  free(bufs);
  free(config);
  geocl_st_writer_free(w);
  geocl_st_close(f);
  return st == GEOCL_OK ? 0 : fail(dst);
}

static int write_target(const char *dir, const char *name, int64_t c, int64_t h, int64_t w) {
  int64_t n = c * h * w;
  float *t = malloc(sizeof *t * (size_t)n);
  for (int64_t i = 0; i < n; i++) t[i] = (i % (h * w)) % 5 == 0 ? INFINITY : 1.0f + (float)(i % 7) * 0.5f;
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  geocl_st_writer *wr = geocl_st_writer_new();
  geocl_status st = geocl_st_writer_add(wr, "target", GEOCL_ST_F32, 4, (int64_t[]){1, c, h, w}, t);
  if (st == GEOCL_OK) st = geocl_st_writer_write(wr, path);
  geocl_st_writer_free(wr);
  free(t);
  return st == GEOCL_OK ? 0 : fail(path);
}

int main(int argc, char **argv) {
  if (argc == 6 && !strcmp(argv[1], "target")) {
    int64_t c = atoll(argv[2]), h = atoll(argv[3]), w = atoll(argv[4]);
    return write_target(argv[5], "target.safetensors", c, h, w) ||
           write_target(argv[5], "badtarget.safetensors", c, h + 1, w);
  }
  if (argc != 2) {
    fprintf(stderr, "usage: make_model_files DIR, or make_model_files target C H W DIR\n");
    return 2;
  }
  const char *dir = argv[1];
  geocl_ctx *ctx;
  geocl_ctx_opts co = {.device = "reference"};
  if (geocl_ctx_create(&co, &ctx) != GEOCL_OK) return fail("context");
  const char *args[] = {"img_size=32x48", "patch_size=16", "enc_embed_dim=16", "enc_depth=1", "enc_num_heads=2",
                        "dec_embed_dim=16", "dec_depth=1", "dec_num_heads=2", "pos_embed=RoPE100",
                        "mask_ratio=0.5"};
  geocl_model_opts mo = {.task = "croco", .args = args, .n_args = 10, .init_seed = 1};
  geocl_model *m;
  if (geocl_model_create(ctx, &mo, &m) != GEOCL_OK) return fail("model");
  char path[4096];
  snprintf(path, sizeof path, "%s/model.safetensors", dir);
  if (geocl_model_save(m, path, 0, NULL) != GEOCL_OK) return fail(path);
  geocl_model_free(m);
  geocl_ctx_free(ctx);
  return write_variant(dir, "missing.safetensors", true, NULL, NULL, false) ||
         write_variant(dir, "deep.safetensors", false, "enc_depth=100000000", "dec_depth=1", false) ||
         write_variant(dir, "wide.safetensors", false, "enc_embed_dim=1099511627776", "enc_num_heads=2", false) ||
         write_variant(dir, "bigimg.safetensors", false, "img_size=65536", "pos_embed=cosine", false) ||
         write_variant(dir, "nan.safetensors", false, NULL, NULL, true) || write_image(dir, "img1.png", 48, 32) ||
         write_image(dir, "img2.png", 48, 32) || write_image(dir, "small.png", 16, 16) ||
         write_mask(dir, "mask.safetensors", 6, 2) || write_mask(dir, "badmask.safetensors", 5, 2) ||
         write_mask(dir, "nomask.safetensors", 6, 0) || write_scaled(dir, "img1_x2.png", 2, 2, 0) ||
         write_scaled(dir, "img1_wide.png", 2, 1, 0) || write_scaled(dir, "img1_framed.png", 1, 1, 8);
}
