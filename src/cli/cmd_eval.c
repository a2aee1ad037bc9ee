/* SPDX-License-Identifier: MIT */
/* geocl eval: a dense head's metrics over a data set at full resolution,
 * with tiled inference (geocl/tiled.h, geocl/dense_metrics.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geocl/geocl.h>

#include "cli.h"
#include <geocl/timing.h>

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl eval --weights W --data SRC [--json] [--overlap F] [--conf-mode M]\n"
          "                  [--tile-batch N] [--limit N] [--min-depth D] [--max-depth D]\n"
          "                  [--depth-crop none|garg|eigen] [--device SPEC] [--quiet] [key=value ...]\n"
          "\n"
          "Evaluate a stereo, flow or depth head on a data set with ground truth, image\n"
          "by image at full resolution: the model, built for a fixed crop, predicts each\n"
          "image tile by tile and the tiles are blended by the head's confidence\n"
          "(CroCo-Stereo/Flow's tiled inference; images smaller than the crop are\n"
          "enlarged first).\n"
          "\n"
          "Metrics (pixels pooled over the data set for stereo and flow, per image and\n"
          "then averaged for depth):\n"
          "  stereo  avgerr (mean |error| px), rmse, bad@0.5, bad@1, bad@2, bad@3 (%% of\n"
          "          pixels off by more than that)\n"
          "  flow    EPE (mean end-point error px), L1, bad@0.5, bad@1, bad@3, bad@5 (%% with\n"
          "          EPE above), s0-10, s10-40, s40+ (EPE by true speed in px)\n"
          "  depth   abs_rel, sq_rel, rmse, rmse_log, silog, log10, delta1, delta2, delta3\n"
          "          over min-depth < d < max-depth, the prediction clipped to that range\n"
          "\n"
          "  --weights W       a stereo, flow or depth model (geocl finetune, or converted\n"
          "                    by tools/convert-croco)\n"
          "  --data SRC        a data set with the task's ground truth (see geocl finetune\n"
          "                    --help; e.g. kitti:DIR, kitti-noc:DIR, kitti-depth:SPLIT.txt)\n"
          "  --json            print one JSON object instead of the table (docs/heads.md\n"
          "                    describes its fields)\n"
          "  --overlap F       tile overlap in [0, 1) (default 0.7; the official README\n"
          "                    uses 0.9)\n"
          "  --conf-mode M     tile weights: conf_expsigmoid_B_S, conf_expbetaB or none\n"
          "                    (default: the head's tile_conf_mode)\n"
          "  --tile-batch N    tiles per forward pass (default 1)\n"
          "  --limit N         the first N samples only\n"
          "  --min-depth D     depth range evaluated (default 0.001 and 80 m, KITTI's)\n"
          "  --max-depth D\n"
          "  --depth-crop C    none (default), garg or eigen (KITTI's evaluation regions)\n"
          "  --device SPEC     device index, name substring or 'reference'\n"
          "  --quiet           no progress line\n"
          "  key=value         override a model option\n"
          "\n"
          "Example:\n"
          "  geocl eval --weights runs/stereo/last.safetensors --data kitti:data/kitti2015\n");
}

typedef struct eval_args {
  const char *weights, *data, *conf_mode, *device;
  double overlap, min_depth, max_depth;
  int tile_batch, json, quiet;
  int64_t limit;
  geocl_depth_crop crop;
  int n_args;
  char **args;
} eval_args;

static int parse_double(const char *opt, const char *text, double lo, double hi, double *out) {
  char *end;
  errno = 0;
  double v = strtod(text, &end);
  if (end == text || *end || errno || !(v >= lo && v <= hi)) {
    cli_error("eval", "%s '%s': expected a number from %g to %g", opt, text, lo, hi);
    return 1;
  }
  *out = v;
  return 0;
}

static int parse(int argc, char **argv, eval_args *a) {
  static const struct option opts[] = {
      {"weights", required_argument, 0, 'w'},    {"data", required_argument, 0, 'd'},
      {"json", no_argument, 0, 'j'},             {"overlap", required_argument, 0, 'o'},
      {"conf-mode", required_argument, 0, 'c'},  {"tile-batch", required_argument, 0, 'b'},
      {"limit", required_argument, 0, 'l'},      {"min-depth", required_argument, 0, 'm'},
      {"max-depth", required_argument, 0, 'M'},  {"depth-crop", required_argument, 0, 'C'},
      {"device", required_argument, 0, 'D'},     {"quiet", no_argument, 0, 'q'},
      {"help", no_argument, 0, 'h'},             {0, 0, 0, 0}};
  memset(a, 0, sizeof *a);
  a->overlap = 0.7;
  a->min_depth = 1e-3;
  a->max_depth = 80;
  a->tile_batch = 1;
  int c, bad = 0;
  uint64_t u;
  optind = 1;
  while ((c = cli_getopt("eval", argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'w': a->weights = optarg; break;
    case 'd': a->data = optarg; break;
    case 'j': a->json = 1; break;
    case 'o': bad |= parse_double("--overlap", optarg, 0, 0.999, &a->overlap); break;
    case 'c': a->conf_mode = optarg; break;
    case 'b':
      bad |= cli_parse_u64("eval", "--tile-batch", optarg, &u) || u < 1 || u > 64;
      a->tile_batch = (int)u;
      break;
    case 'l':
      bad |= cli_parse_u64("eval", "--limit", optarg, &u);
      a->limit = (int64_t)u;
      break;
    case 'm': bad |= parse_double("--min-depth", optarg, 0, 1e6, &a->min_depth); break;
    case 'M': bad |= parse_double("--max-depth", optarg, 0, 1e6, &a->max_depth); break;
    case 'C':
      if (!strcmp(optarg, "none")) a->crop = GEOCL_DEPTH_CROP_NONE;
      else if (!strcmp(optarg, "garg")) a->crop = GEOCL_DEPTH_CROP_GARG;
      else if (!strcmp(optarg, "eigen")) a->crop = GEOCL_DEPTH_CROP_EIGEN;
      else {
        cli_error("eval", "--depth-crop '%s': expected none, garg or eigen", optarg);
        bad = 1;
      }
      break;
    case 'D': a->device = optarg; break;
    case 'q': a->quiet = 1; break;
    case 'h': help(stdout); return -1;
    default: return CLI_USAGE; /* cli_getopt said why */
    }
  }
  if (bad) {
    if (a->tile_batch < 1 || a->tile_batch > 64) cli_error("eval", "--tile-batch: expected 1 to 64");
    return CLI_USAGE;
  }
  if (!a->weights || !a->data) {
    cli_error("eval", "--weights and --data are required (see 'geocl eval --help')");
    return CLI_USAGE;
  }
  if (!(a->max_depth > a->min_depth)) {
    cli_error("eval", "--max-depth %g must exceed --min-depth %g", a->max_depth, a->min_depth);
    return CLI_USAGE;
  }
  a->args = argv + optind;
  a->n_args = argc - optind;
  return CLI_OK;
}

/* The sample's ground truth as planes: disparity or depth [n], flow [2n]; and valid [n]. */
static geocl_status ground_truth(geocl_dense_task task, const geocl_raw_sample *raw, float **gt, float **valid) {
  const geocl_image *map = task == GEOCL_DENSE_STEREO ? &raw->disparity : task == GEOCL_DENSE_FLOW ? &raw->flow : &raw->depth;
  if (!map->data) return geocl_set_error(GEOCL_E_INVALID, "%s: no ground truth", raw->name);
  if (map->width != raw->image1.width || map->height != raw->image1.height)
    return geocl_set_error(GEOCL_E_INVALID, "%s: ground truth of %dx%d for an image of %dx%d", raw->name, map->width,
                           map->height, raw->image1.width, raw->image1.height);
  size_t n = (size_t)map->width * map->height;
  *gt = malloc(n * 2 * sizeof **gt);
  *valid = malloc(n * sizeof **valid);
  if (!*gt || !*valid) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  const float *m = map->data;
  for (size_t i = 0; i < n; i++) {
    if (task == GEOCL_DENSE_FLOW) {
      (*gt)[i] = m[3 * i];
      (*gt)[n + i] = m[3 * i + 1];
      (*valid)[i] = m[3 * i + 2] > 0.5f && isfinite(m[3 * i]) && isfinite(m[3 * i + 1]);
    } else {
      (*gt)[i] = m[i];
      (*valid)[i] = isfinite(m[i]) && m[i] > 0;
    }
  }
  return GEOCL_OK;
}

static geocl_status eval_sample(geocl_model *m, geocl_dense_task task, const geocl_raw_sample *raw,
                                const geocl_tile_opts *to, const geocl_depth_eval *de, geocl_metrics *acc, int *tiles) {
  float *gt = NULL, *valid = NULL;
  geocl_dense_prediction p = {0};
  geocl_status st = ground_truth(task, raw, &gt, &valid);
  if (st == GEOCL_OK) st = geocl_tiled_predict(m, task, &raw->image1, raw->image2.data ? &raw->image2 : NULL, to, &p);
  int w = raw->image1.width, h = raw->image1.height;
  size_t n = (size_t)w * h;
  if (st == GEOCL_OK && p.channels != (task == GEOCL_DENSE_FLOW ? 2 : 1))
    st = geocl_set_error(GEOCL_E_SHAPE, "%s: the head predicts %d channels", raw->name, p.channels);
  if (st == GEOCL_OK) {
    *tiles += p.tiles;
    if (task == GEOCL_DENSE_STEREO) st = geocl_stereo_metrics_add(acc, p.pred, gt, valid, n);
    else if (task == GEOCL_DENSE_FLOW) st = geocl_flow_metrics_add(acc, p.pred, gt, valid, n);
    else st = geocl_depth_metrics_add(acc, p.pred, gt, valid, w, h, de);
  }
  if (st != GEOCL_OK) geocl_error_prefix("%s", raw->name);
  geocl_dense_prediction_free(&p);
  free(gt);
  free(valid);
  return st;
}

static void json_string(const char *s) {
  putchar('"');
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') printf("\\%c", c);
    else if (c < 0x20) printf("\\u%04x", c);
    else putchar(c);
  }
  putchar('"');
}

static void json_number(double v) {
  if (isfinite(v)) printf("%.9g", v);
  else printf("null");
}

typedef struct eval_result {
  const char *task, *source, *conf_mode;
  int64_t samples, crop_h, crop_w;
  int tiles;
  double pixels, seconds;
  geocl_metrics report;
} eval_result;

static void print_json(const eval_args *a, const eval_result *r, geocl_dense_task task) {
  printf("{\"format\": \"geocl-eval-1\", \"task\": ");
  json_string(r->task);
  printf(", \"weights\": ");
  json_string(a->weights);
  printf(", \"data\": ");
  json_string(a->data);
  printf(", \"source\": ");
  json_string(r->source);
  printf(", \"samples\": %lld, \"pixels\": %.0f, \"tiles\": %d, \"crop\": [%lld, %lld], \"overlap\": ",
         (long long)r->samples, r->pixels, r->tiles, (long long)r->crop_h, (long long)r->crop_w);
  json_number(a->overlap);
  printf(", \"conf_mode\": ");
  json_string(r->conf_mode);
  if (task == GEOCL_DENSE_DEPTH) {
    static const char *const crops[3] = {"none", "garg", "eigen"};
    printf(", \"depth\": {\"min\": ");
    json_number(a->min_depth);
    printf(", \"max\": ");
    json_number(a->max_depth);
    printf(", \"crop\": \"%s\"}", crops[a->crop]);
  }
  printf(", \"metrics\": {");
  for (int i = 0; i < r->report.n; i++) {
    printf("%s", i ? ", " : "");
    json_string(r->report.names[i]);
    printf(": ");
    json_number(geocl_metrics_value(&r->report, r->report.names[i]));
  }
  printf("}, \"seconds\": ");
  json_number(r->seconds);
  printf("}\n");
}

static void print_table(const eval_args *a, const eval_result *r) {
  printf("%s on %s (%s): %lld samples, %.0f %s, %d tiles of %lldx%lld, overlap %g, %s\n", r->task, a->data, r->source,
         (long long)r->samples, r->pixels, r->task[0] == 'd' ? "images with known depth" : "known pixels", r->tiles,
         (long long)r->crop_w, (long long)r->crop_h, a->overlap, r->conf_mode);
  for (int i = 0; i < r->report.n; i++)
    printf("  %-9s %10.4f\n", r->report.names[i], geocl_metrics_value(&r->report, r->report.names[i]));
  printf("(%.1f s)\n", r->seconds);
}

static geocl_status evaluate(const eval_args *a, geocl_model *m, eval_result *r) {
  const geocl_plugin *p = geocl_model_plugin(m);
  geocl_dense_task task = geocl_dense_task_of(p);
  if (task == GEOCL_DENSE_NONE)
    return geocl_set_error(GEOCL_E_UNSUPPORTED, "%s holds a '%s' model; geocl eval evaluates stereo, flow and depth "
                                                "heads", a->weights, p->name);
  geocl_data_spec spec;
  geocl_status st = geocl_model_data_spec(m, true, &spec, NULL);
  geocl_source_opts so;
  geocl_source_opts_default(&so);
  so.needs = spec.fields;
  geocl_data_source *src = NULL;
  if (st == GEOCL_OK) st = geocl_data_source_open(a->data, &so, &src);
  if (st == GEOCL_OK) st = geocl_data_source_check(src, p->name, spec.fields);
  geocl_tile_opts to;
  geocl_tile_opts_default(&to);
  to.overlap = a->overlap;
  to.conf_mode = a->conf_mode;
  to.batch = a->tile_batch;
  geocl_depth_eval de;
  geocl_depth_eval_default(&de);
  de.min_depth = a->min_depth;
  de.max_depth = a->max_depth;
  de.crop = a->crop;
  geocl_metrics acc = {0};
  int64_t n = src ? geocl_data_source_size(src) : 0;
  if (a->limit > 0 && a->limit < n) n = a->limit;
  bool tty = !a->quiet && isatty(STDERR_FILENO);
  double t0 = geocl_clock_s();
  for (int64_t i = 0; st == GEOCL_OK && i < n; i++) {
    geocl_raw_sample raw;
    st = geocl_data_source_read(src, i, &raw);
    if (st == GEOCL_OK) st = eval_sample(m, task, &raw, &to, &de, &acc, &r->tiles);
    geocl_raw_sample_free(&raw);
    if (tty) fprintf(stderr, "\rgeocl eval: sample %lld/%lld", (long long)i + 1, (long long)n);
  }
  if (tty) fputc('\n', stderr);
  r->seconds = geocl_clock_s() - t0;
  r->task = p->name;
  r->samples = n;
  r->source = src ? geocl_data_source_type_name(src) : "";
  r->crop_h = spec.height;
  r->crop_w = spec.width;
  static const char *const first[4] = {"", "avgerr", "EPE", "abs_rel"};
  for (int i = 0; i < acc.n; i++)
    if (!strcmp(acc.names[i], first[task])) r->pixels = acc.count[i];
  if (st == GEOCL_OK) st = geocl_dense_metrics_report(task, &acc, &r->report);
  geocl_data_source_close(src);
  return st;
}

static int run(int argc, char **argv) {
  eval_args a;
  int rc = parse(argc, argv, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  geocl_ctx *ctx = NULL;
  geocl_model *m = NULL;
  geocl_status st = cli_open_weights(a.device, a.weights, a.n_args, a.args, &ctx, &m);
  eval_result r = {0};
  if (st == GEOCL_OK) st = evaluate(&a, m, &r);
  if (st == GEOCL_OK) {
    r.conf_mode = geocl_tile_conf_mode(m, a.conf_mode);
    if (a.json) print_json(&a, &r, geocl_dense_task_of(geocl_model_plugin(m)));
    else print_table(&a, &r);
  }
  rc = st == GEOCL_OK ? CLI_OK : cli_fail("eval");
  geocl_model_free(m);
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_eval = {"eval", "metrics of a stereo, flow or depth head on a data set (tiled inference)", run,
                              help};
