/* SPDX-License-Identifier: MIT */
/* geocl pairs: a CroCo pair listing (pairs.txt) from a KITTI odometry data
 * set or sequence, or a folder of images or video frames, pairing each frame
 * with the frames a chosen gap later; where poses exist, with a co-visibility
 * estimate (covis.c) to report and to filter by. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <geocl/fileio.h>
#include <geocl/image.h>
#include <geocl/kitti.h>

#include "cli.h"
#include "covis.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl pairs SRC [--out FILE] [--gap N] [--max-gap M] [--min-covis C]\n"
          "                       [--depth METRES] [--scores FILE] [--force]\n"
          "\n"
          "Write a CroCo pair listing (pairs.txt: two image paths a line, relative to the\n"
          "file's directory) for 'geocl pretrain --data DIR'.  SRC is one of:\n"
          "  a KITTI odometry data set  SRC/sequences/SS/image_2/*.png, with poses in\n"
          "                             SRC/poses/SS.txt or SRC/sequences/SS/poses.txt\n"
          "                             (geocl synth writes this layout)\n"
          "  a KITTI sequence           SRC/image_2/*.png, SRC/poses.txt, SRC/calib.txt\n"
          "  a folder of images         *.png, *.jpg (e.g. frames of a video), in name order\n"
          "Each frame is paired with the frame N later (--gap, default 1), or with each\n"
          "of the frames N to M later (--max-gap).  Where poses and calib.txt exist, the\n"
          "co-visibility of a pair is estimated: the share of the first view's pixels\n"
          "(a grid of every 8th pixel) that fall inside the second image, put at their\n"
          "depth from SS/depth/FRAME.png where it exists, else at --depth metres\n"
          "(default 10); occlusions are not tested, so this is an upper bound.\n"
          "\n"
          "  --out FILE       the listing (default SRC/pairs.txt); replaced only with --force\n"
          "  --min-covis C    keep pairs whose estimate is at least C (0 to 1; default 0)\n"
          "  --scores FILE    also write 'path1 path2 covis' lines for the kept pairs\n");
}

typedef struct seq {
  char *image_dir;   /* absolute */
  char **frames;     /* file names, sorted */
  int n;
  double *poses;     /* 12 per frame, or NULL */
  geocl_kitti_calib calib;
  bool has_calib;
  char *depth_dir;   /* NULL when absent */
} seq;

static char *join(const char *a, const char *b) {
  size_t n = strlen(a) + strlen(b) + 2;
  char *p = malloc(n);
  if (p) snprintf(p, n, "%s/%s", a, b);
  return p;
}

static bool is_dir(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static bool is_file(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 && S_ISREG(sb.st_mode);
}

static int cmp_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static bool is_image_name(const char *name) {
  const char *dot = strrchr(name, '.');
  return dot && (!strcasecmp(dot, ".png") || !strcasecmp(dot, ".jpg") || !strcasecmp(dot, ".jpeg"));
}

/* The image files of dir, sorted by name (names of a directory's entries, in
 * entries order, for the sequences of a data set with subdirs). */
static geocl_status list_dir(const char *dir, bool images, char ***out, int *count) {
  DIR *d = opendir(dir);
  *out = NULL;
  *count = 0;
  if (!d) return geocl_set_error(GEOCL_E_IO, "%s: cannot open the directory: %s", dir, strerror(errno));
  geocl_status st = GEOCL_OK;
  int cap = 0;
  struct dirent *e;
  while (st == GEOCL_OK && (e = readdir(d))) {
    if (e->d_name[0] == '.' || (images && !is_image_name(e->d_name))) continue;
    if (*count == cap) {
      char **grown = realloc(*out, sizeof *grown * (size_t)(cap = cap ? 2 * cap : 64));
      if (!grown) {
        st = geocl_set_error(GEOCL_E_NOMEM, "out of memory listing %s", dir);
        break;
      }
      *out = grown;
    }
    if (!((*out)[*count] = strdup(e->d_name))) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory listing %s", dir);
    else (*count)++;
  }
  closedir(d);
  if (*count) qsort(*out, (size_t)*count, sizeof **out, cmp_name);
  return st;
}

static void seq_free(seq *s) {
  for (int i = 0; i < s->n; i++) free(s->frames[i]);
  free(s->frames);
  free(s->image_dir);
  free(s->poses);
  free(s->depth_dir);
  memset(s, 0, sizeof *s);
}

/* A sequence: images in image_dir, poses and calibration if those files exist. */
static geocl_status seq_open(const char *image_dir, const char *poses, const char *calib, const char *depth_dir,
                             seq *s) {
  memset(s, 0, sizeof *s);
  char resolved[PATH_MAX];
  if (!realpath(image_dir, resolved))
    return geocl_set_error(GEOCL_E_IO, "%s: cannot resolve: %s", image_dir, strerror(errno));
  if (!(s->image_dir = strdup(resolved))) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_status st = list_dir(resolved, true, &s->frames, &s->n);
  if (st == GEOCL_OK && s->n < 2)
    st = geocl_set_error(GEOCL_E_INVALID, "%s: %d image(s) (PNG or JPEG); a pair needs two", image_dir, s->n);
  if (st == GEOCL_OK && poses && is_file(poses) && calib && is_file(calib)) {
    int64_t count;
    st = geocl_kitti_poses_read(poses, &s->poses, &count);
    if (st == GEOCL_OK && count != s->n)
      st = geocl_set_error(GEOCL_E_FORMAT, "%s has %lld poses but %s holds %d images", poses, (long long)count,
                           image_dir, s->n);
    if (st == GEOCL_OK) st = geocl_kitti_calib_read(calib, &s->calib);
    s->has_calib = st == GEOCL_OK;
    if (st == GEOCL_OK && depth_dir && is_dir(depth_dir) && !(s->depth_dir = strdup(depth_dir)))
      st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  }
  if (st != GEOCL_OK) seq_free(s);
  return st;
}

/* SRC's sequences: a data set's, a sequence, or a folder. */
static geocl_status open_source(const char *src, seq **out, int *count) {
  *out = NULL;
  *count = 0;
  char *sequences = join(src, "sequences"), *image_2 = join(src, "image_2");
  geocl_status st = sequences && image_2 ? GEOCL_OK : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  char **names = NULL;
  int n = 0;
  if (st == GEOCL_OK && is_dir(sequences)) {
    st = list_dir(sequences, false, &names, &n);
    for (int i = 0; st == GEOCL_OK && i < n; i++) {
      char *dir = join(sequences, names[i]), *img = dir ? join(dir, "image_2") : NULL;
      char *poses_here = dir ? join(dir, "poses.txt") : NULL, *calib = dir ? join(dir, "calib.txt") : NULL;
      char *depth = dir ? join(dir, "depth") : NULL, name[300], *poses_kitti = NULL;
      snprintf(name, sizeof name, "poses/%s.txt", names[i]);
      poses_kitti = join(src, name);
      if (!img || !poses_here || !calib || !depth || !poses_kitti) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
      else if (is_dir(img)) {
        seq *grown = realloc(*out, sizeof *grown * (size_t)(*count + 1));
        if (!grown) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
        else {
          *out = grown;
          st = seq_open(img, is_file(poses_here) ? poses_here : poses_kitti, calib, depth, &grown[*count]);
          if (st == GEOCL_OK) (*count)++;
        }
      }
      free(dir), free(img), free(poses_here), free(calib), free(depth), free(poses_kitti);
    }
    if (st == GEOCL_OK && !*count)
      st = geocl_set_error(GEOCL_E_INVALID, "%s: no sequence with an image_2 directory", sequences);
  } else if (st == GEOCL_OK) {
    bool kitti = is_dir(image_2);
    char *poses = join(src, "poses.txt"), *calib = join(src, "calib.txt"), *depth = join(src, "depth");
    *out = calloc(1, sizeof **out);
    if (!poses || !calib || !depth || !*out) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    else st = kitti ? seq_open(image_2, poses, calib, depth, *out) : seq_open(src, NULL, NULL, NULL, *out);
    if (st == GEOCL_OK) *count = 1;
    free(poses), free(calib), free(depth);
  }
  for (int i = 0; i < n; i++) free(names[i]);
  free(names);
  free(sequences);
  free(image_2);
  return st;
}

/* The path of target relative to directory base (both absolute, resolved). */
static char *relative(const char *base, const char *target) {
  size_t common = 0;
  for (size_t i = 0;; i++) { /* the longest common prefix ending at a component boundary */
    bool end_b = !base[i] || base[i] == '/', end_t = !target[i] || target[i] == '/';
    if (end_b && end_t) common = i;
    if (!base[i] || !target[i] || base[i] != target[i]) break;
  }
  int ups = 0;
  for (const char *p = base + common; *p; p++) ups += *p == '/';
  const char *rest = target + common + (target[common] == '/');
  size_t n = (size_t)ups * 3 + strlen(rest) + 2;
  char *out = malloc(n);
  if (!out) return NULL;
  out[0] = '\0';
  for (int i = 0; i < ups; i++) strcat(out, "../");
  strcat(out, rest);
  return out;
}

typedef struct listing {
  char *buf;
  size_t len, cap;
} listing;

static geocl_status append(listing *t, const char *fmt, const char *a, const char *b, double covis) {
  int need = snprintf(NULL, 0, fmt, a, b, covis);
  if (t->len + (size_t)need + 1 > t->cap) {
    size_t cap = (t->cap + (size_t)need + 1) * 2;
    char *grown = realloc(t->buf, cap);
    if (!grown) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    t->buf = grown;
    t->cap = cap;
  }
  t->len += (size_t)snprintf(t->buf + t->len, t->cap - t->len, fmt, a, b, covis);
  return GEOCL_OK;
}

typedef struct pairs_opts {
  int64_t gap, max_gap;
  double min_covis, depth;
} pairs_opts;

/* The camera of s from calib's P2 and the size of its first image. */
static geocl_status seq_camera(const seq *s, covis_camera *cam) {
  geocl_image img = {0};
  char *path = join(s->image_dir, s->frames[0]);
  geocl_status st = path ? geocl_image_read(path, &img) : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  free(path);
  if (st != GEOCL_OK) return st;
  const double *P = s->calib.P[2];
  *cam = (covis_camera){P[0], P[5], P[2], P[6], img.width, img.height};
  geocl_image_free(&img);
  if (!(cam->fx > 0 && cam->fy > 0)) return geocl_set_error(GEOCL_E_FORMAT, "calib.txt of %s: P2 has no focal length",
                                                            s->image_dir);
  return GEOCL_OK;
}

/* Frame i's depth map (NULL without one) at the camera's size. */
static geocl_status frame_depth(const seq *s, int i, const covis_camera *cam, geocl_image *depth) {
  memset(depth, 0, sizeof *depth);
  if (!s->depth_dir) return GEOCL_OK;
  char name[PATH_MAX];
  snprintf(name, sizeof name, "%s", s->frames[i]);
  char *dot = strrchr(name, '.');
  if (dot) snprintf(dot, sizeof name - (size_t)(dot - name), ".png");
  char *path = join(s->depth_dir, name);
  if (!path) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_status st = is_file(path) ? geocl_kitti_depth_read(path, depth) : GEOCL_OK;
  if (st == GEOCL_OK && depth->data && (depth->width != cam->width || depth->height != cam->height)) {
    st = geocl_set_error(GEOCL_E_SHAPE, "%s is %dx%d but the images are %dx%d", path, depth->width, depth->height,
                         cam->width, cam->height);
    geocl_image_free(depth);
  }
  free(path);
  return st;
}

/* The kept pairs of one sequence into list (and scores); counts. */
static geocl_status pair_sequence(const seq *s, const pairs_opts *o, const char *out_dir, listing *list, listing *scores,
                                  int64_t *kept, int64_t *dropped, double *lo, double *hi) {
  covis_camera cam;
  bool posed = s->poses && s->has_calib;
  geocl_status st = posed ? seq_camera(s, &cam) : GEOCL_OK;
  for (int i = 0; st == GEOCL_OK && i < s->n; i++) {
    geocl_image depth = {0};
    if (posed) st = frame_depth(s, i, &cam, &depth);
    for (int64_t g = o->gap; st == GEOCL_OK && g <= o->max_gap && i + g < s->n; g++) {
      int j = (int)(i + g);
      double c = posed ? covis_estimate(&cam, s->poses + 12 * i, s->poses + 12 * j, depth.data, o->depth, 8) : -1;
      if (posed && c < o->min_covis) {
        (*dropped)++;
        continue;
      }
      char *a = join(s->image_dir, s->frames[i]), *b = join(s->image_dir, s->frames[j]);
      char *ra = a ? relative(out_dir, a) : NULL, *rb = b ? relative(out_dir, b) : NULL;
      if (!ra || !rb) st = geocl_set_error(GEOCL_E_NOMEM, "out of memory");
      if (st == GEOCL_OK && (strpbrk(ra, " \t\n") || strpbrk(rb, " \t\n")))
        st = geocl_set_error(GEOCL_E_INVALID, "%s: pairs.txt cannot hold a path with a blank", strpbrk(ra, " \t\n") ? a : b);
      if (st == GEOCL_OK) st = append(list, "%s %s\n", ra, rb, 0);
      if (st == GEOCL_OK && scores && posed) st = append(scores, "%s %s %.4f\n", ra, rb, c);
      if (st == GEOCL_OK) {
        (*kept)++;
        if (posed && c < *lo) *lo = c;
        if (posed && c > *hi) *hi = c;
      }
      free(a), free(b), free(ra), free(rb);
    }
    geocl_image_free(&depth);
  }
  return st;
}

static int run(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'},       {"gap", required_argument, 0, 'g'},
                                       {"max-gap", required_argument, 0, 'G'},   {"min-covis", required_argument, 0, 'c'},
                                       {"depth", required_argument, 0, 'd'},     {"scores", required_argument, 0, 's'},
                                       {"force", no_argument, 0, 'f'},           {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  pairs_opts o = {.gap = 1, .max_gap = 0, .min_covis = 0, .depth = 10};
  const char *out = NULL, *scores_path = NULL;
  bool force = false;
  int c;
  optind = 1;
  while ((c = cli_getopt("pairs", argc, argv, "h", opts, NULL)) != -1) {
    int bad = 0;
    switch (c) {
    case 'o': out = optarg; break;
    case 'g': bad = cli_parse_int("pairs", "--gap", optarg, 1, INT_MAX, &o.gap); break;
    case 'G': bad = cli_parse_int("pairs", "--max-gap", optarg, 1, INT_MAX, &o.max_gap); break;
    case 'c': bad = cli_parse_number("pairs", "--min-covis", optarg, 0, 1, &o.min_covis); break;
    case 'd': bad = cli_parse_number("pairs", "--depth", optarg, 1e-3, 1e6, &o.depth); break;
    case 's': scores_path = optarg; break;
    case 'f': force = true; break;
    case 'h': help(stdout); return CLI_OK;
    default: return CLI_USAGE;
    }
    if (bad) return CLI_USAGE;
  }
  if (optind != argc - 1) {
    cli_error("pairs", optind >= argc ? "name the images' source: a KITTI data set or sequence, or a folder (see "
                                        "'geocl pairs --help')"
                                      : "one source only; '%s' is extra", argv[optind + (optind < argc)]);
    return CLI_USAGE;
  }
  if (!o.max_gap) o.max_gap = o.gap;
  if (o.max_gap < o.gap) {
    cli_error("pairs", "--max-gap %lld is below --gap %lld", (long long)o.max_gap, (long long)o.gap);
    return CLI_USAGE;
  }
  const char *src = argv[optind];
  char *default_out = out ? NULL : join(src, "pairs.txt");
  if (!out) out = default_out;
  if (!out) return cli_fail("pairs");
  int rc = CLI_OK;
  if (!force && (is_file(out) || (scores_path && is_file(scores_path)))) {
    cli_error("pairs", "%s already exists; --force replaces it", is_file(out) ? out : scores_path);
    free(default_out);
    return CLI_USAGE;
  }
  /* paths are written relative to the listing's directory */
  char out_dir[PATH_MAX], *slash = strrchr(out, '/');
  snprintf(out_dir, sizeof out_dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
  if (!out_dir[0]) snprintf(out_dir, sizeof out_dir, "/");
  char resolved[PATH_MAX];
  seq *seqs = NULL;
  int n_seqs = 0;
  listing list = {0}, scores = {0};
  int64_t kept = 0, dropped = 0;
  double lo = 2, hi = -1;
  geocl_status st = realpath(out_dir, resolved) ? GEOCL_OK
                                                : geocl_set_error(GEOCL_E_IO, "%s: cannot resolve the directory of "
                                                                  "--out: %s", out_dir, strerror(errno));
  if (st == GEOCL_OK) st = open_source(src, &seqs, &n_seqs);
  for (int i = 0; st == GEOCL_OK && i < n_seqs; i++)
    st = pair_sequence(&seqs[i], &o, resolved, &list, scores_path ? &scores : NULL, &kept, &dropped, &lo, &hi);
  if (st == GEOCL_OK && !kept)
    st = geocl_set_error(GEOCL_E_INVALID, "no pair kept (%lld below --min-covis %g)", (long long)dropped, o.min_covis);
  if (st == GEOCL_OK && scores_path) st = geocl_file_write_atomic(scores_path, scores.buf ? scores.buf : "", scores.len);
  if (st == GEOCL_OK) st = geocl_file_write_atomic(out, list.buf, list.len);
  if (st != GEOCL_OK) rc = cli_fail("pairs");
  else {
    printf("wrote %s: %lld pairs from %d sequence%s", out, (long long)kept, n_seqs, n_seqs == 1 ? "" : "s");
    if (hi >= 0) printf(", co-visibility estimate %.2f to %.2f, %lld pairs below %g left out", lo, hi,
                        (long long)dropped, o.min_covis);
    else printf(" (no poses: no co-visibility estimate)");
    printf("\n");
  }
  for (int i = 0; i < n_seqs; i++) seq_free(&seqs[i]);
  free(seqs);
  free(list.buf);
  free(scores.buf);
  free(default_out);
  return rc;
}

const cli_command cli_pairs = {"pairs", "pair listing from a KITTI sequence or an image folder", run, help};
