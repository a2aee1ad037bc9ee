/* SPDX-License-Identifier: MIT */
/* Safetensors reader and writer: round trips, dtype conversion, every
 * validation error, truncation and corruption fuzzing, atomic writes. */
#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

static char path[4400];

static void setup(void) {
  geocl_clear_error();
  snprintf(path, sizeof path, "%s/W.safetensors", test_tmpdir());
  unlink(path);
}

static void write_bytes(const char *p, const void *data, size_t n) {
  unlink(p); /* a fresh file: ext4 flushes a truncated-and-rewritten one on close (slow) */
  FILE *f = fopen(p, "wb");
  ck_assert_ptr_nonnull(f);
  ck_assert_uint_eq(fwrite(data, 1, n, f), n);
  ck_assert_int_eq(fclose(f), 0);
}

/* A file with the given header text (length prefix added) and data bytes. */
static void write_raw(const char *header, const void *data, size_t ndata) {
  size_t n = strlen(header);
  unsigned char *buf = malloc(8 + n + ndata + 1);
  for (int i = 0; i < 8; i++) buf[i] = (unsigned char)((uint64_t)n >> (8 * i));
  memcpy(buf + 8, header, n);
  if (ndata) memcpy(buf + 8 + n, data, ndata);
  write_bytes(path, buf, 8 + n + ndata);
  free(buf);
}

static unsigned char *read_bytes(const char *p, size_t *n) {
  FILE *f = fopen(p, "rb");
  ck_assert_ptr_nonnull(f);
  fseek(f, 0, SEEK_END);
  *n = (size_t)ftell(f);
  fseek(f, 0, SEEK_SET);
  unsigned char *buf = malloc(*n + 1);
  ck_assert_uint_eq(fread(buf, 1, *n, f), *n);
  fclose(f);
  return buf;
}

/* Opening must fail with E_FORMAT and a message containing the path and `want`. */
static void expect_format_error(const char *want) {
  geocl_st_file *f = NULL;
  geocl_status st = geocl_st_open(path, &f);
  ck_assert_msg(st == GEOCL_E_FORMAT, "expected E_FORMAT for '%s', got %s (%s)", want, geocl_status_name(st),
                geocl_last_error());
  ck_assert_ptr_null(f);
  ck_assert_msg(strstr(geocl_last_error(), path) && strstr(geocl_last_error(), want), "message '%s' lacks '%s'",
                geocl_last_error(), want);
}

/* --- round trips --- */

static const float f32_data[6] = {1.5f, -2.25f, 3e-8f, 1e30f, 0.0f, -0.0f};
static const int32_t i32_data[4] = {-7, 0, 2147483647, 42};
static const uint8_t u8_data[5] = {0, 1, 127, 200, 255};
static const uint8_t bool_data[3] = {1, 0, 1};
static const float scalar = 3.25f;

static void write_sample(const char *p) {
  geocl_st_writer *w = geocl_st_writer_new();
  ck_assert_ptr_nonnull(w);
  ck_assert_ok(geocl_st_writer_add(w, "enc.weight", GEOCL_ST_F32, 2, (int64_t[]){2, 3}, f32_data));
  ck_assert_ok(geocl_st_writer_add(w, "idx", GEOCL_ST_I32, 1, (int64_t[]){4}, i32_data));
  ck_assert_ok(geocl_st_writer_add(w, "bytes", GEOCL_ST_U8, 1, (int64_t[]){5}, u8_data));
  ck_assert_ok(geocl_st_writer_add(w, "mask", GEOCL_ST_BOOL, 1, (int64_t[]){3}, bool_data));
  ck_assert_ok(geocl_st_writer_add(w, "scalar", GEOCL_ST_F32, 0, NULL, &scalar));
  ck_assert_ok(geocl_st_writer_add(w, "empty", GEOCL_ST_F32, 2, (int64_t[]){0, 3}, NULL));
  ck_assert_ok(geocl_st_writer_set_meta(w, "model", "croco"));
  ck_assert_ok(geocl_st_writer_set_meta(w, "config", "{\"enc_embed_dim\": 768, \"path\": \"a/b\"}"));
  ck_assert_ok(geocl_st_writer_set_meta(w, "model", "mae")); /* replaces */
  ck_assert_ok(geocl_st_writer_write(w, p));
  geocl_st_writer_free(w);
}

START_TEST(round_trip_dtypes_and_metadata) {
  write_sample(path);
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_str_eq(geocl_st_path(f), path);
  ck_assert_int_eq(geocl_st_count(f), 6);
  const char *names[] = {"enc.weight", "idx", "bytes", "mask", "scalar", "empty"};
  for (int i = 0; i < 6; i++) ck_assert_str_eq(geocl_st_at(f, i)->name, names[i]); /* header order kept */
  ck_assert_ptr_null(geocl_st_at(f, 6));

  const geocl_st_info *t = geocl_st_find(f, "enc.weight");
  ck_assert_ptr_nonnull(t);
  ck_assert_int_eq(t->dtype, GEOCL_ST_F32);
  ck_assert_int_eq(t->ndim, 2);
  ck_assert_int_eq(t->shape[0], 2);
  ck_assert_int_eq(t->shape[1], 3);
  float fo[6];
  ck_assert_ok(geocl_st_read_f32(f, t, fo, 6));
  ck_assert_mem_eq(fo, f32_data, sizeof fo);

  t = geocl_st_find(f, "idx");
  int32_t io[4];
  ck_assert_ok(geocl_st_read_raw(f, t, io, sizeof io));
  ck_assert_mem_eq(io, i32_data, sizeof io);
  float conv[5];
  ck_assert_ok(geocl_st_read_f32(f, t, conv, 4));
  ck_assert_float_eq(conv[0], -7.0f);
  ck_assert_float_eq(conv[2], 2147483648.0f);

  t = geocl_st_find(f, "bytes");
  ck_assert_ok(geocl_st_read_f32(f, t, conv, 5));
  for (int i = 0; i < 5; i++) ck_assert_float_eq(conv[i], (float)u8_data[i]);
  t = geocl_st_find(f, "mask");
  ck_assert_int_eq(t->dtype, GEOCL_ST_BOOL);
  ck_assert_ok(geocl_st_read_f32(f, t, conv, 3));
  ck_assert(conv[0] == 1.0f && conv[1] == 0.0f && conv[2] == 1.0f);

  t = geocl_st_find(f, "scalar");
  ck_assert_int_eq(t->ndim, 0);
  ck_assert_int_eq(geocl_st_numel(t), 1);
  ck_assert_ok(geocl_st_read_f32(f, t, conv, 1));
  ck_assert_float_eq(conv[0], scalar);
  t = geocl_st_find(f, "empty");
  ck_assert_int_eq(geocl_st_numel(t), 0);
  ck_assert_uint_eq(t->end - t->begin, 0);
  ck_assert_ok(geocl_st_read_f32(f, t, conv, 0));

  /* wrong buffer sizes and absent names are errors, not crashes */
  ck_assert_int_eq(geocl_st_read_f32(f, geocl_st_find(f, "idx"), conv, 3), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_st_read_raw(f, geocl_st_find(f, "idx"), io, 15), GEOCL_E_INVALID);
  ck_assert_ptr_null(geocl_st_find(f, "nope"));
  ck_assert_int_eq(geocl_last_status(), GEOCL_E_NOT_FOUND);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'nope'"));

  ck_assert_int_eq(geocl_st_meta_count(f), 3); /* and the writer's data checksum */
  ck_assert_ptr_nonnull(geocl_st_meta(f, GEOCL_ST_CRC32_KEY));
  ck_assert_str_eq(geocl_st_meta(f, "model"), "mae");
  ck_assert_str_eq(geocl_st_meta(f, "config"), "{\"enc_embed_dim\": 768, \"path\": \"a/b\"}");
  ck_assert_ptr_null(geocl_st_meta(f, "absent"));
  ck_assert_str_eq(geocl_st_meta_at(f, 0).key, "model");
  geocl_st_close(f);

  /* the header is space-padded JSON and the data section 8-byte aligned */
  size_t n;
  unsigned char *raw = read_bytes(path, &n);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | raw[i];
  ck_assert_uint_eq(hlen % 8, 0);
  ck_assert_int_eq(raw[8], '{');
  ck_assert_uint_eq(n, 8 + hlen + 24 + 16 + 5 + 3 + 4);
  free(raw);
}
END_TEST

START_TEST(device_tensor_round_trip) {
  geocl_ctx *ctx = test_ref_ctx();
  float x[2 * 7 * 13];
  test_fill_uniform(x, 182, 5, -3, 3);
  geocl_tensor *t = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(2, 7, 13), x);
  int32_t ids[5] = {4, -1, 9, 0, 7};
  geocl_tensor *it = geocl_from_host(ctx, GEOCL_I32, GEOCL_SHAPE(5), ids);
  geocl_st_writer *w = geocl_st_writer_new();
  ck_assert_ok(geocl_st_writer_add_tensor(w, "x", geocl_transpose(t, 0, 2))); /* a strided view */
  ck_assert_ok(geocl_st_writer_add_tensor(w, "ids", it));
  ck_assert_int_eq(geocl_st_writer_add_tensor(w, "ids", it), GEOCL_E_INVALID); /* twice */
  ck_assert_ok(geocl_st_writer_write(w, path));
  geocl_st_writer_free(w);
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  const geocl_st_info *ti = geocl_st_find(f, "x");
  ck_assert_int_eq(ti->shape[0], 13);
  ck_assert_int_eq(ti->shape[2], 2);
  float y[182];
  ck_assert_ok(geocl_st_read_f32(f, ti, y, 182));
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 7; b++)
      for (int c = 0; c < 13; c++) ck_assert_float_eq(y[(c * 7 + b) * 2 + a], x[(a * 7 + b) * 13 + c]);
  int32_t back[5];
  ck_assert_int_eq(geocl_st_find(f, "ids")->dtype, GEOCL_ST_I32);
  ck_assert_ok(geocl_st_read_raw(f, geocl_st_find(f, "ids"), back, sizeof back));
  ck_assert_mem_eq(back, ids, sizeof ids);
  geocl_st_close(f);
  geocl_ctx_free(ctx);
}
END_TEST

START_TEST(half_bfloat_double_conversion) {
  /* bit patterns with known values: 1, −2, 65504 (max), 2⁻²⁴ (smallest subnormal),
   * 2⁻¹⁴·(1023/1024) (largest subnormal), +inf, NaN */
  const uint16_t h[7] = {0x3c00, 0xc000, 0x7bff, 0x0001, 0x03ff, 0x7c00, 0x7e00};
  const float hv[6] = {1.0f, -2.0f, 65504.0f, 5.9604644775390625e-8f, 6.0975551605224609375e-5f, INFINITY};
  const uint16_t bf[3] = {0x3f80, 0x4049, 0xff80}; /* 1, 3.140625, −inf */
  const double d[3] = {0.1, -1e300, 7.0};
  geocl_st_writer *w = geocl_st_writer_new();
  ck_assert_ok(geocl_st_writer_add(w, "h", GEOCL_ST_F16, 1, (int64_t[]){7}, h));
  ck_assert_ok(geocl_st_writer_add(w, "bf", GEOCL_ST_BF16, 1, (int64_t[]){3}, bf));
  ck_assert_ok(geocl_st_writer_add(w, "d", GEOCL_ST_F64, 1, (int64_t[]){3}, d));
  ck_assert_ok(geocl_st_writer_add(w, "f8", GEOCL_ST_F8_E4M3, 1, (int64_t[]){2}, "ab"));
  ck_assert_ok(geocl_st_writer_write(w, path));
  geocl_st_writer_free(w);
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  float out[7];
  ck_assert_ok(geocl_st_read_f32(f, geocl_st_find(f, "h"), out, 7));
  for (int i = 0; i < 6; i++) ck_assert_msg(out[i] == hv[i], "half %04x: %g != %g", h[i], out[i], hv[i]);
  ck_assert(isnan(out[6]));
  ck_assert_ok(geocl_st_read_f32(f, geocl_st_find(f, "bf"), out, 3));
  ck_assert(out[0] == 1.0f && out[1] == 3.140625f && out[2] == -INFINITY);
  ck_assert_ok(geocl_st_read_f32(f, geocl_st_find(f, "d"), out, 3));
  ck_assert(out[0] == 0.1f && out[1] == -INFINITY && out[2] == 7.0f);
  ck_assert_int_eq(geocl_st_read_f32(f, geocl_st_find(f, "f8"), out, 2), GEOCL_E_UNSUPPORTED);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "F8_E4M3"));
  char raw[2];
  ck_assert_ok(geocl_st_read_raw(f, geocl_st_find(f, "f8"), raw, 2));
  ck_assert(raw[0] == 'a' && raw[1] == 'b');
  geocl_st_close(f);
}
END_TEST

/* --- validation --- */

START_TEST(offsets_not_matching_shape_message) {
  unsigned char data[12] = {0};
  write_raw("{\"enc_norm.weight\":{\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,12]}}", data, 12);
  geocl_st_file *f = NULL;
  ck_assert_int_eq(geocl_st_open(path, &f), GEOCL_E_FORMAT);
  char want[4600];
  snprintf(want, sizeof want,
           "%s: tensor 'enc_norm.weight': data_offsets [0, 12] do not match shape [4] of F32 (16 bytes)", path);
  ck_assert_str_eq(geocl_last_error(), want);
}
END_TEST

START_TEST(every_validation_error) {
  unsigned char data[64] = {0};
  const char *T = "\"dtype\":\"F32\",\"shape\":[2]";
  char h[512];

  write_bytes(path, "\x05\x00\x00", 3);
  expect_format_error("not a safetensors file (3 bytes, too short for the 8-byte header length)");
  write_bytes(path, "\xff\x00\x00\x00\x00\x00\x00\x00{}", 10);
  expect_format_error("not a safetensors file (its first 8 bytes give a header length of 255, which does not fit its "
                      "10 bytes)");
  write_bytes(path, "\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR", 16); /* a PNG named .safetensors */
  expect_format_error("not a safetensors file");
  write_bytes(path, "\x00\x00\x00\x00\x00\x00\x00\x01{}", 10);
  expect_format_error("does not fit");
  write_raw("{\"a\":{\"dtype\":\"F32\",", NULL, 0);
  expect_format_error("header is not valid JSON");
  write_raw("{\"a\" 1}", NULL, 0);
  expect_format_error("header is not valid JSON");
  write_raw("{}  x", NULL, 0);
  expect_format_error("unexpected byte 0x78 after the header JSON");
  write_raw("[1, 2]", NULL, 0);
  expect_format_error("header is not a JSON object");
  write_raw("{\"a\":[1]}", NULL, 0);
  expect_format_error("tensor 'a': entry is not a JSON object");
  write_raw("{\"a\":{\"dtype\":\"F17\",\"shape\":[2],\"data_offsets\":[0,8]}}", data, 8);
  expect_format_error("tensor 'a': unknown dtype 'F17'");
  write_raw("{\"a\":{\"shape\":[2],\"data_offsets\":[0,8]}}", data, 8);
  expect_format_error("tensor 'a': missing or non-string \"dtype\"");
  write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":2,\"data_offsets\":[0,8]}}", data, 8);
  expect_format_error("tensor 'a': missing or non-array \"shape\"");
  write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", data, 8);
  expect_format_error("tensor 'a': shape entry 0 is not a non-negative integer");
  write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2.0],\"data_offsets\":[0,8]}}", data, 8);
  expect_format_error("shape entry 0 is not a non-negative integer");
  write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,4]}}", data, 4);
  expect_format_error("tensor 'a': 9 dimensions (at most 8 supported)");
  write_raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,8]}}", data, 8);
  expect_format_error("tensor 'a': shape overflows 64 bits");
  /* an empty tensor whose other sizes overflow: every product of sizes must fit */
  write_raw("{\"m\":{\"dtype\":\"BOOL\",\"shape\":[4611686018427387904,2,0],\"data_offsets\":[0,0]}}", NULL, 0);
  expect_format_error("tensor 'm': shape overflows 64 bits");
  write_raw("{\"m\":{\"dtype\":\"F64\",\"shape\":[0,4611686018427387904,4],\"data_offsets\":[0,0]}}", NULL, 0);
  expect_format_error("tensor 'm': shape overflows 64 bits");
  snprintf(h, sizeof h, "{\"a\":{%s}}", T);
  write_raw(h, data, 8);
  expect_format_error("tensor 'a': \"data_offsets\" is not [begin, end]");
  snprintf(h, sizeof h, "{\"a\":{%s,\"data_offsets\":[8,0]}}", T);
  write_raw(h, data, 8);
  expect_format_error("\"data_offsets\" is not [begin, end] with 0 <= begin <= end");
  snprintf(h, sizeof h, "{\"a\":{%s,\"data_offsets\":[0,8,9]}}", T);
  write_raw(h, data, 8);
  expect_format_error("\"data_offsets\" is not");
  snprintf(h, sizeof h, "{\"a\":{%s,\"data_offsets\":[8,16]}}", T);
  write_raw(h, data, 12);
  expect_format_error("tensor 'a': data_offsets [8, 16] run past the end of the data (12 bytes)");
  snprintf(h, sizeof h, "{\"a\":{%s,\"data_offsets\":[0,8]},\"b\":{%s,\"data_offsets\":[4,12]}}", T, T);
  write_raw(h, data, 12);
  expect_format_error("tensors 'a' [0, 8] and 'b' [4, 12] overlap");
  snprintf(h, sizeof h, "{\"a\":{%s,\"data_offsets\":[0,8]},\"b\":{%s,\"data_offsets\":[12,20]}}", T, T);
  write_raw(h, data, 20);
  expect_format_error("4 bytes before tensor 'b' [12, 20] belong to no tensor");
  snprintf(h, sizeof h, "{\"a\":{%s,\"data_offsets\":[0,8]}}", T);
  write_raw(h, data, 11);
  expect_format_error("the data section has 11 bytes but its tensors end at byte 8");
  /* a duplicate name: the parser keeps one entry, the other's bytes are a hole */
  snprintf(h, sizeof h, "{\"a\":{%s,\"data_offsets\":[0,8]},\"a\":{%s,\"data_offsets\":[8,16]}}", T, T);
  write_raw(h, data, 16);
  expect_format_error("belong to no tensor");
  write_raw("{\"__metadata__\":{\"k\":1}}", NULL, 0);
  expect_format_error("__metadata__ value of 'k' is not a string");
  write_raw("{\"__metadata__\":[\"k\"]}", NULL, 0);
  expect_format_error("__metadata__ is not a JSON object");

  /* a missing file and a directory are I/O errors */
  geocl_st_file *f = NULL;
  ck_assert_int_eq(geocl_st_open("/nonexistent/x.safetensors", &f), GEOCL_E_IO);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "/nonexistent/x.safetensors: cannot open"));
  ck_assert_int_eq(geocl_st_open(test_tmpdir(), &f), GEOCL_E_IO);

  /* valid edge cases: no tensors at all, trailing spaces, metadata only */
  write_raw("{}      ", NULL, 0);
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_int_eq(geocl_st_count(f), 0);
  geocl_st_close(f);
  write_raw("{\"__metadata__\":{}}", NULL, 0);
  ck_assert_ok(geocl_st_open(path, &f));
  geocl_st_close(f);
}
END_TEST

START_TEST(writer_errors) {
  geocl_st_writer *w = geocl_st_writer_new();
  float x[2] = {1, 2};
  ck_assert_int_eq(geocl_st_writer_add(w, "__metadata__", GEOCL_ST_F32, 1, (int64_t[]){2}, x), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_st_writer_add(w, "", GEOCL_ST_F32, 1, (int64_t[]){2}, x), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_st_writer_add(w, "a", GEOCL_ST_DTYPE_COUNT, 1, (int64_t[]){2}, x), GEOCL_E_INVALID);
  ck_assert_int_eq(geocl_st_writer_add(w, "a", GEOCL_ST_F32, 1, (int64_t[]){-2}, x), GEOCL_E_SHAPE);
  ck_assert_int_eq(geocl_st_writer_add(w, "a", GEOCL_ST_F32, 1, (int64_t[]){2}, NULL), GEOCL_E_INVALID);
  ck_assert_ok(geocl_st_writer_add(w, "a", GEOCL_ST_F32, 1, (int64_t[]){2}, x));
  ck_assert_int_eq(geocl_st_writer_add(w, "a", GEOCL_ST_F32, 1, (int64_t[]){2}, x), GEOCL_E_INVALID);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "'a' added twice"));
  ck_assert_ok(geocl_st_writer_write(w, path));
  geocl_st_writer_free(w);
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_int_eq(geocl_st_count(f), 1);
  geocl_st_close(f);
}
END_TEST

/* --- fuzzing: nothing may crash, every truncation must fail --- */

static void open_and_read_all(void) {
  geocl_st_file *f = NULL;
  if (geocl_st_open(path, &f) != GEOCL_OK) {
    ck_assert_ptr_null(f);
    ck_assert_msg(strstr(geocl_last_error(), path), "error without the file name: %s", geocl_last_error());
    ck_assert_ptr_null(strchr(geocl_last_error(), '\n'));
    return;
  }
  for (int i = 0; i < geocl_st_count(f); i++) {
    const geocl_st_info *t = geocl_st_at(f, i);
    size_t n = (size_t)geocl_st_numel(t);
    float *buf = malloc(n * 4 + 4);
    void *raw = malloc(t->end - t->begin + 1);
    geocl_st_read_f32(f, t, buf, n); /* may fail (F8), must not crash */
    ck_assert_ok(geocl_st_read_raw(f, t, raw, t->end - t->begin));
    free(buf);
    free(raw);
  }
  geocl_st_close(f);
}

START_TEST(truncation_and_corruption_fuzz) {
  char good[4200];
  snprintf(good, sizeof good, "%s/good.safetensors", test_tmpdir());
  write_sample(good);
  size_t n;
  unsigned char *bytes = read_bytes(good, &n);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | bytes[i];
  /* every truncation */
  for (size_t len = 0; len < n; len++) {
    write_bytes(path, bytes, len);
    geocl_st_file *f = NULL;
    ck_assert_msg(geocl_st_open(path, &f) != GEOCL_OK, "file truncated to %zu of %zu bytes was accepted", len, n);
    ck_assert_ptr_nonnull(strstr(geocl_last_error(), path));
  }
  /* random byte changes in the length and the header, 1 to 3 at a time */
  geocl_rng rng;
  geocl_rng_init(&rng, 2024);
  unsigned char *copy = malloc(n);
  int accepted = 0;
  const int trials = 3000;
  for (int trial = 0; trial < trials; trial++) {
    memcpy(copy, bytes, n);
    uint32_t r[4];
    int flips = 1 + trial % 3;
    for (int k = 0; k < flips; k++) {
      geocl_rng_u32(&rng, r, 4);
      size_t pos = r[0] % (8 + hlen);
      copy[pos] = (r[1] & 1) ? (unsigned char)r[2] : copy[pos] ^ (unsigned char)(1u << (r[3] % 8));
    }
    write_bytes(path, copy, n);
    geocl_st_file *f = NULL;
    if (geocl_st_open(path, &f) == GEOCL_OK) {
      accepted++;
      geocl_st_close(f);
    }
    open_and_read_all();
  }
  /* most corruptions are caught; some (in a metadata string, a name) are valid files */
  ck_assert_int_lt(accepted, trials / 2);
  free(copy);
  free(bytes);
}
END_TEST

/* CRC-32 (reflected polynomial 0xEDB88320, as zlib's), bit by bit: an
 * independent check of the checksum the writer records. */
static uint32_t crc32_bitwise(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; i++) {
    c ^= p[i];
    for (int k = 0; k < 8; k++) c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
  }
  return ~c;
}

START_TEST(checksum_recorded_and_verified) {
  write_sample(path);
  size_t n;
  unsigned char *bytes = read_bytes(path, &n);
  uint64_t hlen = 0;
  for (int i = 7; i >= 0; i--) hlen = hlen << 8 | bytes[i];
  char want[16];
  snprintf(want, sizeof want, "%08x", crc32_bitwise(bytes + 8 + hlen, n - 8 - hlen));
  geocl_st_file *f;
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_str_eq(geocl_st_meta(f, GEOCL_ST_CRC32_KEY), want);
  ck_assert_ok(geocl_st_verify(f));
  geocl_st_close(f);
  /* one bit of tensor data flipped: the header still parses, verify refuses it */
  bytes[n - 1] ^= 0x10;
  write_bytes(path, bytes, n);
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_int_eq(geocl_st_verify(f), GEOCL_E_FORMAT);
  ck_assert_msg(strstr(geocl_last_error(), path) && strstr(geocl_last_error(), "the file is corrupt"), "%s",
                geocl_last_error());
  geocl_st_close(f);
  free(bytes);
  /* a recorded value that is not 8 hex digits; no value at all (another tool's file) */
  write_raw("{\"__metadata__\":{\"data_crc32\":\"12x45678\"}}", NULL, 0);
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_int_eq(geocl_st_verify(f), GEOCL_E_FORMAT);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "not 8 hex digits"));
  geocl_st_close(f);
  write_raw("{\"a\":{\"dtype\":\"U8\",\"shape\":[3],\"data_offsets\":[0,3]}}", "abc", 3);
  ck_assert_ok(geocl_st_open(path, &f));
  ck_assert_ok(geocl_st_verify(f));
  geocl_st_close(f);
}
END_TEST

/* A FIFO (or any non-regular file) is refused at once, not waited on. */
START_TEST(fifo_refused_without_blocking) {
  char fifo[4300];
  snprintf(fifo, sizeof fifo, "%s/fifo.safetensors", test_tmpdir());
  unlink(fifo);
  ck_assert_int_eq(mkfifo(fifo, 0644), 0);
  alarm(20); /* a blocking open would hang the test: fail it instead */
  geocl_st_file *f = NULL;
  ck_assert_int_eq(geocl_st_open(fifo, &f), GEOCL_E_IO);
  alarm(0);
  ck_assert_msg(strstr(geocl_last_error(), "not a regular file"), "%s", geocl_last_error());
  unlink(fifo);
}
END_TEST

/* --- atomic writes --- */

static int count_temporaries(const char *dir) {
  DIR *d = opendir(dir);
  ck_assert_ptr_nonnull(d);
  int n = 0;
  struct dirent *e;
  while ((e = readdir(d)))
    if (strstr(e->d_name, ".tmp.")) n++;
  closedir(d);
  return n;
}

/* Write a big file to `p`; returns the status. */
static geocl_status write_big(const char *p) {
  static float big[1 << 16];
  geocl_st_writer *w = geocl_st_writer_new();
  ck_assert_ok(geocl_st_writer_add(w, "big", GEOCL_ST_F32, 1, (int64_t[]){1 << 16}, big));
  geocl_status st = geocl_st_writer_write(w, p);
  geocl_st_writer_free(w);
  return st;
}

START_TEST(atomic_write_leaves_target_untouched) {
  char dir[4200];
  snprintf(dir, sizeof dir, "%s/atomic", test_tmpdir());
  mkdir(dir, 0755);
  snprintf(path, sizeof path, "%s/W.safetensors", dir);
  write_sample(path);
  size_t n0;
  unsigned char *before = read_bytes(path, &n0);

  /* the file system refuses to grow the file: the write fails mid-way */
  struct rlimit old, lim;
  getrlimit(RLIMIT_FSIZE, &old);
  lim = old;
  lim.rlim_cur = 4096;
  void (*old_handler)(int) = signal(SIGXFSZ, SIG_IGN);
  ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
  geocl_status st = write_big(path);
  setrlimit(RLIMIT_FSIZE, &old);
  signal(SIGXFSZ, old_handler);
  ck_assert_int_eq(st, GEOCL_E_IO);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), "the previous file, if any, is unchanged"));
  size_t n1;
  unsigned char *after = read_bytes(path, &n1);
  ck_assert_uint_eq(n0, n1);
  ck_assert_mem_eq(before, after, n0);
  free(after);
  ck_assert_int_eq(count_temporaries(dir), 0);

  /* a missing directory */
  char missing[4300];
  snprintf(missing, sizeof missing, "%s/no/such/dir/W.safetensors", dir);
  ck_assert_int_eq(write_big(missing), GEOCL_E_IO);
  ck_assert_ptr_nonnull(strstr(geocl_last_error(), missing));

  /* the target is a directory: rename fails, the directory stays */
  char sub[4300];
  snprintf(sub, sizeof sub, "%s/adir", dir);
  mkdir(sub, 0755);
  ck_assert_int_eq(write_big(sub), GEOCL_E_IO);
  struct stat sb;
  ck_assert_int_eq(stat(sub, &sb), 0);
  ck_assert(S_ISDIR(sb.st_mode));
  ck_assert_int_eq(count_temporaries(dir), 0);
  rmdir(sub);

  /* a read-only directory (meaningless for root, who may write anyway) */
  if (geteuid() != 0) {
    ck_assert_int_eq(chmod(dir, 0555), 0);
    st = write_big(path);
    chmod(dir, 0755);
    ck_assert_int_eq(st, GEOCL_E_IO);
    after = read_bytes(path, &n1);
    ck_assert_mem_eq(before, after, n0);
    free(after);
  }

  /* and a successful write replaces the file */
  ck_assert_ok(write_big(path));
  after = read_bytes(path, &n1);
  ck_assert_uint_gt(n1, (size_t)(1 << 18));
  free(after);
  ck_assert_int_eq(count_temporaries(dir), 0);
  free(before);
}
END_TEST

int main(void) {
  Suite *s = suite_create("safetensors");
  TCase *tc = tcase_create("safetensors");
  tcase_add_checked_fixture(tc, setup, NULL);
  tcase_set_timeout(tc, 60);
  tcase_add_test(tc, round_trip_dtypes_and_metadata);
  tcase_add_test(tc, device_tensor_round_trip);
  tcase_add_test(tc, half_bfloat_double_conversion);
  tcase_add_test(tc, offsets_not_matching_shape_message);
  tcase_add_test(tc, every_validation_error);
  tcase_add_test(tc, writer_errors);
  tcase_add_test(tc, truncation_and_corruption_fuzz);
  tcase_add_test(tc, atomic_write_leaves_target_untouched);
  tcase_add_test(tc, checksum_recorded_and_verified);
  tcase_add_test(tc, fifo_refused_without_blocking);
  suite_add_tcase(s, tc);
  return test_run_suite(s);
}
