/* SPDX-License-Identifier: MIT */
/* Compares two arrays within a tolerance: each given as FILE:NAME for a
 * tensor of a safetensors file, or FILE.npy (float32 little-endian, format
 * 1.0, C order; the header parsed here, independently of geocl's writer).
 * Usage: st_allclose A B TOL; prints the shapes and the largest difference,
 * exits 0 when they have the same shape and agree within TOL, else 1. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>
#include <geocl/safetensors.h>

typedef struct array {
  int ndim;
  int64_t shape[8];
  float *data;
  size_t n;
} array;

static int load_npy(const char *path, array *a) {
  FILE *f = fopen(path, "rb");
  unsigned char head[10];
  if (!f || fread(head, 1, 10, f) != 10 || memcmp(head, "\x93NUMPY\x01\x00", 8)) {
    fprintf(stderr, "%s: not a version 1.0 .npy file\n", path);
    if (f) fclose(f);
    return 1;
  }
  size_t len = head[8] | (size_t)head[9] << 8;
  char *dict = calloc(len + 1, 1);
  if (!dict || fread(dict, 1, len, f) != len || (10 + len) % 64 || dict[len - 1] != '\n' ||
      !strstr(dict, "'descr': '<f4'") || !strstr(dict, "'fortran_order': False")) {
    fprintf(stderr, "%s: header is not a float32 C-order one padded to 64 bytes: %s\n", path, dict ? dict : "");
    fclose(f);
    free(dict);
    return 1;
  }
  const char *s = strstr(dict, "'shape': (");
  a->n = 1;
  for (s = s ? s + 10 : ""; *s && *s != ')' && a->ndim < 8;) {
    char *end;
    long long d = strtoll(s, &end, 10);
    if (end == s) break;
    a->shape[a->ndim++] = d;
    a->n *= (size_t)d;
    s = end + strspn(end, ", ");
  }
  a->data = malloc(a->n * sizeof(float) + 1);
  size_t got = a->data ? fread(a->data, sizeof(float), a->n, f) : 0;
  bool extra = fgetc(f) != EOF; /* bytes beyond the data are an error */
  fclose(f);
  free(dict);
  if (got != a->n || extra) {
    fprintf(stderr, "%s: the data is not %zu float32 values\n", path, a->n);
    return 1;
  }
  return 0;
}

static int load(const char *spec, array *a) {
  memset(a, 0, sizeof *a);
  size_t len = strlen(spec);
  if (len > 4 && !strcmp(spec + len - 4, ".npy")) return load_npy(spec, a);
  char *path = strdup(spec), *colon = strrchr(path, ':');
  if (!colon) {
    fprintf(stderr, "%s: expected FILE:NAME or FILE.npy\n", spec);
    free(path);
    return 1;
  }
  *colon = '\0';
  geocl_st_file *f = NULL;
  const geocl_st_info *t = NULL;
  int rc = geocl_st_open(path, &f) != GEOCL_OK;
  if (!rc && !(t = geocl_st_find(f, colon + 1))) fprintf(stderr, "%s: no tensor '%s'\n", path, colon + 1);
  if (!rc && t) {
    a->ndim = t->ndim;
    memcpy(a->shape, t->shape, sizeof(int64_t) * (size_t)t->ndim);
    a->n = (size_t)geocl_st_numel(t);
    a->data = malloc(a->n * sizeof(float) + 1);
    rc = !a->data || geocl_st_read_f32(f, t, a->data, a->n) != GEOCL_OK;
  }
  if (rc) fprintf(stderr, "%s\n", geocl_last_error());
  if (!t) rc = 1;
  if (f) geocl_st_close(f);
  free(path);
  return rc;
}

static void print_shape(const char *label, const array *a) {
  printf("%s [", label);
  for (int i = 0; i < a->ndim; i++) printf("%s%lld", i ? ", " : "", (long long)a->shape[i]);
  printf("]");
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: st_allclose A B TOL (A, B: FILE:NAME or FILE.npy)\n");
    return 2;
  }
  array a, b;
  if (load(argv[1], &a) || load(argv[2], &b)) return 1;
  double tol = atof(argv[3]), worst = 0;
  print_shape("A", &a);
  print_shape(" B", &b);
  bool same = a.ndim == b.ndim && !memcmp(a.shape, b.shape, sizeof(int64_t) * (size_t)a.ndim);
  for (size_t i = 0; same && i < a.n; i++) {
    double d = fabs((double)a.data[i] - (double)b.data[i]);
    if (!(d <= worst)) worst = d; /* NaN makes it NaN */
  }
  printf(" max |A-B| %g (tolerance %g)\n", worst, tol);
  free(a.data);
  free(b.data);
  return same && worst <= tol ? 0 : 1;
}
