/* SPDX-License-Identifier: MIT */
/* CroCo pair listings: habitat pairs.txt and the listing.txt prefix format. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <geocl/pairs.h>
#include <geocl/fileio.h>

#include "io/text_lines.h"

#define LISTING_MAX_BYTES ((size_t)1 << 31)

/* Builds the list: strings are appended to one growing arena and addressed by
 * offset until the end, when the offsets become pointers. */
typedef struct pair_builder {
  const char *path, *root;
  char *arena;
  size_t arena_used, arena_capacity;
  size_t *offsets; /* 2 per pair */
  int64_t count, capacity;
} pair_builder;

static geocl_status append_path(pair_builder *b, const char *rel, const char *suffix) {
  size_t need = strlen(b->root) + 1 + strlen(rel) + strlen(suffix) + 1;
  if (need > b->arena_capacity - b->arena_used) {
    size_t cap = b->arena_capacity ? b->arena_capacity : 1 << 16;
    while (need > cap - b->arena_used) cap *= 2;
    char *grown = realloc(b->arena, cap);
    if (!grown) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", b->path);
    b->arena = grown;
    b->arena_capacity = cap;
  }
  snprintf(b->arena + b->arena_used, need, "%s/%s%s", b->root, rel, suffix);
  return GEOCL_OK;
}

static geocl_status add_pair(pair_builder *b, const char *rel1, const char *suffix1, const char *rel2,
                             const char *suffix2) {
  if (b->count == b->capacity) {
    int64_t cap = b->capacity ? 2 * b->capacity : 1024;
    size_t *grown = realloc(b->offsets, (size_t)cap * 2 * sizeof *grown);
    if (!grown) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", b->path);
    b->offsets = grown;
    b->capacity = cap;
  }
  const char *rel[2] = {rel1, rel2}, *suffix[2] = {suffix1, suffix2};
  for (int k = 0; k < 2; k++) {
    geocl_status st = append_path(b, rel[k], suffix[k]);
    if (st != GEOCL_OK) return st;
    b->offsets[2 * b->count + k] = b->arena_used;
    b->arena_used += strlen(b->arena + b->arena_used) + 1;
  }
  b->count++;
  return GEOCL_OK;
}

static geocl_status finish(pair_builder *b, geocl_pair_list *list) {
  if (b->count == 0) return geocl_set_error(GEOCL_E_FORMAT, "%s: no pairs in the file", b->path);
  list->first = malloc((size_t)b->count * sizeof *list->first);
  list->second = malloc((size_t)b->count * sizeof *list->second);
  if (!list->first || !list->second) return geocl_set_error(GEOCL_E_NOMEM, "%s: out of memory", b->path);
  for (int64_t i = 0; i < b->count; i++) {
    list->first[i] = b->arena + b->offsets[2 * i];
    list->second[i] = b->arena + b->offsets[2 * i + 1];
  }
  list->arena = b->arena;
  list->count = b->count;
  b->arena = NULL;
  return GEOCL_OK;
}

/* Parse path line by line; habitat = 1 for "p1 p2" lines, 0 for prefixes. */
static geocl_status read_listing(const char *path, const char *root, int habitat, geocl_pair_list *list) {
  memset(list, 0, sizeof *list);
  char *text, *cursor, *line;
  size_t size;
  geocl_status st = geocl_text_read_all(path, LISTING_MAX_BYTES, &text, &size);
  if (st != GEOCL_OK) return st;
  pair_builder b = {.path = path, .root = root};
  int line_no = 0;
  cursor = text;
  while (st == GEOCL_OK && (line = text_next_line(&cursor))) {
    line_no++;
    line = text_skip_blanks(line);
    if (!*line || (!habitat && line[0] == '#')) continue;
    if (!habitat) {
      st = add_pair(&b, line, "_1.jpg", line, "_2.jpg");
      continue;
    }
    char *second = line + strcspn(line, " \t");
    if (*second) *second++ = '\0';
    second = text_skip_blanks(second);
    size_t len2 = strcspn(second, " \t");
    if (!*second || second[len2])
      st = geocl_set_error(GEOCL_E_FORMAT, "%s line %d: expected two paths separated by a space", path, line_no);
    else
      st = add_pair(&b, line, "", second, "");
  }
  free(text);
  if (st == GEOCL_OK) st = finish(&b, list);
  free(b.offsets);
  free(b.arena);
  if (st != GEOCL_OK) geocl_pair_list_free(list);
  return st;
}

geocl_status geocl_pairs_read_habitat(const char *path, const char *root, geocl_pair_list *list) {
  return read_listing(path, root, 1, list);
}

geocl_status geocl_pairs_read_listing(const char *path, const char *root, geocl_pair_list *list) {
  return read_listing(path, root, 0, list);
}

geocl_status geocl_pairs_read_dir(const char *dir, geocl_pair_list *list) {
  char path[PATH_MAX];
  struct stat st;
  memset(list, 0, sizeof *list);
  if (strlen(dir) + sizeof "/listing.txt" > sizeof path)
    return geocl_set_error(GEOCL_E_INVALID, "%s: path too long", dir);
  snprintf(path, sizeof path, "%s/pairs.txt", dir);
  if (stat(path, &st) == 0) return geocl_pairs_read_habitat(path, dir, list);
  snprintf(path, sizeof path, "%s/listing.txt", dir);
  if (stat(path, &st) == 0) return geocl_pairs_read_listing(path, dir, list);
  return geocl_set_error(GEOCL_E_NOT_FOUND, "%s: no pairs.txt or listing.txt in this directory", dir);
}

void geocl_pair_list_free(geocl_pair_list *list) {
  free(list->first);
  free(list->second);
  free(list->arena);
  memset(list, 0, sizeof *list);
}
