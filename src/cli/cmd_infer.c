/* SPDX-License-Identifier: MIT */
/* geocl infer: run a stereo, flow or depth head on image files of any size
 * (tiled inference) and write its prediction in the field's formats, with
 * pictures. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl infer --weights W --image1 A [--image2 B] --out PREFIX [--overlap F]\n"
          "                   [--conf-mode M] [--tile-batch N] [--max V] [--device SPEC] [key=value ...]\n"
          "\n"
          "Run a stereo, flow or depth head on images of any size (tiled inference, as\n"
          "geocl eval does) and write the prediction:\n"
          "  stereo  PREFIX_disp.png        KITTI disparity: 16-bit gray, pixels x 256\n"
          "          PREFIX_disp.pfm        float disparity (PFM)\n"
          "          PREFIX_disp_color.png  KITTI's disparity colours, with a legend\n"
          "  flow    PREFIX_flow.png        KITTI flow: 16-bit RGB, (R, G) = 64 x (u, v) + 2^15,\n"
          "                                 B = 1 (valid)\n"
          "          PREFIX_flow.flo        Middlebury .flo\n"
          "          PREFIX_flow_color.png  the Middlebury colour wheel, with the wheel and\n"
          "                                 the speed it is scaled to\n"
          "  depth   PREFIX_depth.png       KITTI depth: 16-bit gray, metres x 256\n"
          "          PREFIX_depth.pfm       float depth (PFM)\n"
          "          PREFIX_depth_color.png colours by inverse depth (near is bright), legend in m\n"
          "  and, for heads with a confidence channel, PREFIX_conf.png: the confidence\n"
          "  (the raw channel negated; bright = confident), with a legend.\n"
          "\n"
          "  --weights W       a stereo, flow or depth model (geocl finetune, or converted by\n"
          "                    tools/convert-croco)\n"
          "  --image1 A        left image (stereo), frame t (flow), the image (depth): PNG or\n"
          "                    JPEG of any size\n"
          "  --image2 B        right image (stereo), frame t+1 (flow); the size of A\n"
          "  --out PREFIX      path prefix of the files written (its directory is created)\n"
          "  --overlap F       tile overlap in [0, 1) (default 0.7)\n"
          "  --conf-mode M     tile weights: conf_expsigmoid_B_S, conf_expbetaB or none\n"
          "                    (default: the head's tile_conf_mode)\n"
          "  --tile-batch N    tiles per forward pass (default 1)\n"
          "  --max V           top of the colour scale: disparity px, flow speed px (default:\n"
          "                    the largest predicted)\n"
          "  --device SPEC     device index, name substring or 'reference'\n"
          "  key=value         override a model option\n"
          "\n"
          "Example:\n"
          "  geocl infer --weights stereo.safetensors --image1 left.png --image2 right.png --out out/a\n");
}

typedef struct infer_args {
  const char *weights, *image1, *image2, *out, *conf_mode, *device;
  double overlap, max;
  int tile_batch, n_args;
  char **args;
} infer_args;

static int parse(int argc, char **argv, infer_args *a) {
  static const struct option opts[] = {
      {"weights", required_argument, 0, 'w'},   {"image1", required_argument, 0, '1'},
      {"image2", required_argument, 0, '2'},    {"out", required_argument, 0, 'o'},
      {"overlap", required_argument, 0, 'v'},   {"conf-mode", required_argument, 0, 'c'},
      {"tile-batch", required_argument, 0, 'b'}, {"max", required_argument, 0, 'm'},
      {"device", required_argument, 0, 'd'},    {"help", no_argument, 0, 'h'},
      {0, 0, 0, 0}};
  memset(a, 0, sizeof *a);
  a->overlap = 0.7;
  a->tile_batch = 1;
  int c;
  uint64_t u;
  char *end;
  optind = 1;
  while ((c = cli_getopt("infer", argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'w': a->weights = optarg; break;
    case '1': a->image1 = optarg; break;
    case '2': a->image2 = optarg; break;
    case 'o': a->out = optarg; break;
    case 'c': a->conf_mode = optarg; break;
    case 'd': a->device = optarg; break;
    case 'v':
      errno = 0;
      a->overlap = strtod(optarg, &end);
      if (end == optarg || *end || errno || !(a->overlap >= 0 && a->overlap < 1)) {
        cli_error("infer", "--overlap '%s': expected a number in [0, 1)", optarg);
        return CLI_USAGE;
      }
      break;
    case 'm':
      errno = 0;
      a->max = strtod(optarg, &end);
      if (end == optarg || *end || errno || !(a->max > 0) || isinf(a->max)) {
        cli_error("infer", "--max '%s': expected a positive number", optarg);
        return CLI_USAGE;
      }
      break;
    case 'b':
      if (cli_parse_u64("infer", "--tile-batch", optarg, &u)) return CLI_USAGE;
      if (u < 1 || u > 64) {
        cli_error("infer", "--tile-batch %s: expected 1 to 64", optarg);
        return CLI_USAGE;
      }
      a->tile_batch = (int)u;
      break;
    case 'h': help(stdout); return -1;
    default: return CLI_USAGE; /* cli_getopt said why */
    }
  }
  if (!a->weights || !a->image1 || !a->out) {
    cli_error("infer", "--weights, --image1 and --out are required (see 'geocl infer --help')");
    return CLI_USAGE;
  }
  a->args = argv + optind;
  a->n_args = argc - optind;
  return CLI_OK;
}

/* The directory of the files' prefix (out/a: out), created if missing. */
static geocl_status make_out_dir(const char *prefix) {
  const char *slash = strrchr(prefix, '/');
  if (!slash || slash == prefix) return GEOCL_OK;
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", (int)(slash - prefix), prefix);
  return geocl_mkdir_p(dir);
}

static geocl_status read_rgb(const char *path, geocl_image *out) {
  geocl_image raw;
  memset(out, 0, sizeof *out);
  geocl_status st = geocl_image_read(path, &raw);
  if (st == GEOCL_OK) st = geocl_image_to_rgb8(&raw, out);
  geocl_image_free(&raw);
  return st;
}

static const char *out_path(const infer_args *a, const char *suffix) {
  static char path[4096];
  snprintf(path, sizeof path, "%s_%s", a->out, suffix);
  return path;
}

static geocl_status write_picture(const infer_args *a, const char *suffix, geocl_image *pic) {
  geocl_status st = geocl_image_write_png(out_path(a, suffix), pic);
  if (st == GEOCL_OK) printf("wrote %s\n", out_path(a, suffix));
  geocl_image_free(pic);
  return st;
}

static double largest(const float *v, size_t n) {
  double m = 0;
  for (size_t i = 0; i < n; i++)
    if (isfinite(v[i]) && v[i] > m) m = v[i];
  return m;
}

static geocl_status write_stereo_or_depth(const infer_args *a, bool depth, const geocl_dense_prediction *p) {
  int w = p->width, h = p->height;
  size_t n = (size_t)w * h;
  const char *name = depth ? "depth" : "disp";
  char suffix[32];
  snprintf(suffix, sizeof suffix, "%s.png", name);
  geocl_status st = depth ? geocl_kitti_depth_write(out_path(a, suffix), p->pred, w, h)
                          : geocl_kitti_disparity_write(out_path(a, suffix), p->pred, w, h);
  if (st == GEOCL_OK) printf("wrote %s\n", out_path(a, suffix));
  snprintf(suffix, sizeof suffix, "%s.pfm", name);
  if (st == GEOCL_OK) st = geocl_pfm_write(out_path(a, suffix), p->pred, w, h, 1);
  if (st == GEOCL_OK) printf("wrote %s\n", out_path(a, suffix));
  geocl_scalar_legend lg = {.lo = 0, .hi = a->max > 0 ? a->max : largest(p->pred, n), .unit = "px"};
  if (depth) {
    lg.lo = INFINITY;
    for (size_t i = 0; i < n; i++)
      if (p->pred[i] > 0 && p->pred[i] < lg.lo) lg.lo = p->pred[i];
    lg.inverse = true;
    lg.unit = "m";
    if (!(lg.hi > lg.lo) || !isfinite(lg.lo)) lg.lo = lg.hi > 0 ? lg.hi / 2 : 1, lg.hi = lg.lo * 2;
  } else if (!(lg.hi > 0)) {
    lg.hi = 1;
  }
  geocl_image pic;
  snprintf(suffix, sizeof suffix, "%s_color.png", name);
  if (st == GEOCL_OK) st = geocl_colorize_scalar(p->pred, NULL, w, h, &lg, &pic);
  return st == GEOCL_OK ? write_picture(a, suffix, &pic) : st;
}

static geocl_status write_flow(const infer_args *a, const geocl_dense_prediction *p) {
  int w = p->width, h = p->height;
  size_t n = (size_t)w * h;
  float *uvv = malloc(n * 3 * sizeof *uvv);
  if (!uvv) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  for (size_t i = 0; i < n; i++) {
    uvv[3 * i] = p->pred[i];
    uvv[3 * i + 1] = p->pred[n + i];
    uvv[3 * i + 2] = 1;
  }
  geocl_status st = geocl_kitti_flow_write(out_path(a, "flow.png"), uvv, w, h);
  if (st == GEOCL_OK) printf("wrote %s\n", out_path(a, "flow.png"));
  if (st == GEOCL_OK) st = geocl_flo_write(out_path(a, "flow.flo"), uvv, w, h);
  if (st == GEOCL_OK) printf("wrote %s\n", out_path(a, "flow.flo"));
  free(uvv);
  geocl_image pic;
  if (st == GEOCL_OK) st = geocl_colorize_flow(p->pred, NULL, w, h, a->max, &pic);
  return st == GEOCL_OK ? write_picture(a, "flow_color.png", &pic) : st;
}

static geocl_status write_conf(const infer_args *a, const geocl_dense_prediction *p) {
  size_t n = (size_t)p->width * p->height;
  float *neg = malloc(n * sizeof *neg);
  if (!neg) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < n; i++) {
    neg[i] = -p->conf[i];
    lo = fmin(lo, neg[i]);
    hi = fmax(hi, neg[i]);
  }
  if (!(hi > lo)) hi = lo + 1;
  geocl_scalar_legend lg = {.lo = lo, .hi = hi, .map = GEOCL_COLORMAP_GRAY, .unit = ""};
  geocl_image pic;
  geocl_status st = geocl_colorize_scalar(neg, NULL, p->width, p->height, &lg, &pic);
  free(neg);
  return st == GEOCL_OK ? write_picture(a, "conf.png", &pic) : st;
}

static geocl_status infer(const infer_args *a, geocl_model *m) {
  const char *name = geocl_model_plugin(m)->name;
  geocl_dense_task task = geocl_dense_task_of(geocl_model_plugin(m));
  if (task == GEOCL_DENSE_NONE)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "%s holds a '%s' model; geocl infer runs stereo, flow and depth heads",
                           a->weights, name);
  if (task == GEOCL_DENSE_DEPTH && a->image2)
    return geocl_set_error(GEOCL_E_INVALID, "task %s takes one image: --image2 is not used", name);
  if (task != GEOCL_DENSE_DEPTH && !a->image2) return geocl_set_error(GEOCL_E_INVALID, "task %s needs --image2", name);
  geocl_image img1 = {0}, img2 = {0};
  geocl_dense_prediction p = {0};
  geocl_status st = read_rgb(a->image1, &img1);
  if (st == GEOCL_OK && a->image2) st = read_rgb(a->image2, &img2);
  if (st == GEOCL_OK && a->image2 && (img2.width != img1.width || img2.height != img1.height))
    st = geocl_set_error(GEOCL_E_INVALID, "%s is %dx%d but %s is %dx%d", a->image2, img2.width, img2.height, a->image1,
                         img1.width, img1.height);
  geocl_tile_opts to;
  geocl_tile_opts_default(&to);
  to.overlap = a->overlap;
  to.conf_mode = a->conf_mode;
  to.batch = a->tile_batch;
  if (st == GEOCL_OK) st = geocl_tiled_predict(m, task, &img1, a->image2 ? &img2 : NULL, &to, &p);
  if (st == GEOCL_OK)
    printf("%s: %dx%d in %d tiles, confidence weights %s\n", name, p.width, p.height, p.tiles,
           geocl_tile_conf_mode(m, a->conf_mode));
  if (st == GEOCL_OK) st = make_out_dir(a->out);
  if (st == GEOCL_OK) st = task == GEOCL_DENSE_FLOW ? write_flow(a, &p) : write_stereo_or_depth(a, task == GEOCL_DENSE_DEPTH, &p);
  if (st == GEOCL_OK && p.conf) st = write_conf(a, &p);
  geocl_dense_prediction_free(&p);
  geocl_image_free(&img1);
  geocl_image_free(&img2);
  return st;
}

static int run(int argc, char **argv) {
  infer_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  geocl_ctx *ctx = NULL;
  geocl_model *m = NULL;
  geocl_status st = cli_open_weights(a.device, a.weights, a.n_args, a.args, &ctx, &m);
  if (st == GEOCL_OK) st = infer(&a, m);
  rc = st == GEOCL_OK ? CLI_OK : cli_fail("infer");
  geocl_model_free(m);
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_infer = {"infer", "run a stereo, flow or depth head on images of any size; files and pictures",
                               run, help};
