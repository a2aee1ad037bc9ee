/* SPDX-License-Identifier: MIT */
/* Inputs of the subcommands that run a model: images and masks from files. */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/augment.h>
#include <geocl/geocl.h>
#include <geocl/image.h>
#include <geocl/model.h>
#include <geocl/safetensors.h>

#include "cli.h"

geocl_tensor *cli_load_image(geocl_ctx *ctx, const char *path, int64_t height, int64_t width) {
  geocl_image img = {0}, rgb = {0};
  geocl_tensor *t = NULL;
  if (width > GEOCL_IMAGE_MAX_SIDE || height > GEOCL_IMAGE_MAX_SIDE) {
    geocl_set_error(GEOCL_E_SHAPE, "the model's img_size %lldx%lld is larger than images can be (%d per side)",
                    (long long)width, (long long)height, GEOCL_IMAGE_MAX_SIDE);
    goto done;
  }
  if (geocl_image_read_sized(path, (int)width, (int)height, "the model's img_size", &img) != GEOCL_OK ||
      geocl_image_to_rgb8(&img, &rgb) != GEOCL_OK)
    goto done;
  size_t n = (size_t)(height * width);
  float *planes = malloc(n * 3 * sizeof *planes);
  uint8_t *scratch = malloc(n * 3);
  if (planes && scratch && geocl_crop_normalize(&rgb, 0, 0, (int)width, (int)height, NULL, scratch, planes) == GEOCL_OK)
    t = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 3, height, width), planes);
  else if (!planes || !scratch)
    geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
  free(planes);
  free(scratch);
done:
  geocl_image_free(&img);
  geocl_image_free(&rgb);
  return t;
}

/* The mask file's tensor 'mask' as f32 [1, n]. */
static geocl_tensor *read_mask(geocl_ctx *ctx, const char *path, int64_t n) {
  geocl_st_file *f;
  if (geocl_st_open(path, &f) != GEOCL_OK) return NULL;
  geocl_tensor *t = NULL;
  const geocl_st_info *info = geocl_st_find(f, "mask");
  if (!info) geocl_set_error(GEOCL_E_NOT_FOUND, "%s: no tensor named 'mask'", path);
  else if (geocl_st_numel(info) != n || info->ndim > 2 || (info->ndim == 2 && info->shape[0] != 1))
    geocl_set_error(GEOCL_E_SHAPE, "%s: 'mask' must have shape [%lld] or [1, %lld]", path, (long long)n, (long long)n);
  else if (info->dtype != GEOCL_ST_BOOL && info->dtype != GEOCL_ST_U8)
    geocl_set_error(GEOCL_E_FORMAT, "%s: 'mask' is %s; expected BOOL or U8", path, geocl_st_dtype_name(info->dtype));
  else {
    float *m = malloc(sizeof(float) * (size_t)n);
    if (m && geocl_st_read_f32(f, info, m, (size_t)n) == GEOCL_OK)
      t = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, n), m);
    free(m);
  }
  geocl_st_close(f);
  return t;
}


geocl_status cli_load_batch(geocl_ctx *ctx, geocl_model *m, const char *image1, const char *image2,
                            const char *mask, geocl_batch *b) {
  return cli_load_batch_fit(ctx, m, image1, image2, mask, CLI_RESIZE_NONE, b);
}

geocl_status cli_load_batch_fit(geocl_ctx *ctx, geocl_model *m, const char *image1, const char *image2,
                                const char *mask, cli_resize mode, geocl_batch *b) {
  memset(b, 0, sizeof *b);
  b->size = 1;
  const geocl_plugin *p = geocl_model_plugin(m);
  geocl_data_spec spec;
  geocl_status st = geocl_model_data_spec(m, false, &spec, NULL);
  if (st != GEOCL_OK) return st;
  bool pair = spec.fields & 1u << GEOCL_FIELD_IMAGE2;
  if (pair && !image2) return geocl_set_error(GEOCL_E_INVALID, "task %s needs --image2", p->name);
  if (!pair && image2) return geocl_set_error(GEOCL_E_INVALID, "task %s takes one image: --image2 is not used", p->name);
  st = geocl_batch_set(b, "image1", cli_load_image_fit(ctx, image1, spec.height, spec.width, mode));
  if (st == GEOCL_OK && image2)
    st = geocl_batch_set(b, "image2", cli_load_image_fit(ctx, image2, spec.height, spec.width, mode));
  if (st == GEOCL_OK && mask) {
    int64_t patch = geocl_config_int(geocl_model_config(m), "patch_size");
    st = geocl_batch_set(b, "mask", read_mask(ctx, mask, (spec.height / patch) * (spec.width / patch)));
  }
  return st;
}

geocl_status cli_load_target(geocl_ctx *ctx, geocl_model *m, const char *path, geocl_batch *b) {
  static const char *const fields[4] = {NULL, "disparity", "flow", "depth"};
  const geocl_plugin *p = geocl_model_plugin(m);
  geocl_dense_task task = geocl_dense_task_of(p);
  if (task == GEOCL_DENSE_NONE)
    return geocl_set_error(GEOCL_E_INVALID, "task %s has no dense target: --target is not used", p->name);
  geocl_data_spec spec;
  geocl_status st = geocl_model_data_spec(m, false, &spec, NULL);
  geocl_st_file *f;
  if (st == GEOCL_OK) st = geocl_st_open(path, &f);
  if (st != GEOCL_OK) return st;
  int64_t C = task == GEOCL_DENSE_FLOW ? 2 : 1, plane = spec.height * spec.width;
  const geocl_st_info *info = geocl_st_find(f, "target");
  float *t = NULL, *valid = NULL;
  if (!info) st = geocl_set_error(GEOCL_E_NOT_FOUND, "%s: no tensor named 'target'", path);
  else if (info->ndim != 4 || info->shape[0] != 1 || info->shape[1] != C || info->shape[2] != spec.height ||
           info->shape[3] != spec.width)
    st = geocl_set_error(GEOCL_E_SHAPE, "%s: 'target' must be [1, %lld, %lld, %lld] for task %s", path, (long long)C,
                         (long long)spec.height, (long long)spec.width, p->name);
  else if (!(t = malloc(sizeof *t * (size_t)(C * plane))) || !(valid = malloc(sizeof *valid * (size_t)plane)))
    st = geocl_set_error(GEOCL_E_NOMEM, "out of memory reading %s", path);
  else st = geocl_st_read_f32(f, info, t, (size_t)(C * plane));
  for (int64_t i = 0; st == GEOCL_OK && i < plane; i++) {
    valid[i] = 1;
    for (int64_t c = 0; c < C; c++) valid[i] = isfinite(t[c * plane + i]) ? valid[i] : 0;
    for (int64_t c = 0; c < C; c++) t[c * plane + i] = valid[i] > 0 ? t[c * plane + i] : 0;
  }
  if (st == GEOCL_OK)
    st = geocl_batch_set(b, fields[task], geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, C, spec.height, spec.width), t));
  if (st == GEOCL_OK)
    st = geocl_batch_set(b, "valid", geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(1, 1, spec.height, spec.width), valid));
  free(t);
  free(valid);
  geocl_st_close(f);
  return st;
}

int cli_parse_model_args(const char *cmd, int argc, char **argv, bool with_grads, void (*help)(FILE *),
                         cli_model_args *a) {
  static const struct option opts[] = {
      {"weights", required_argument, 0, 'w'}, {"task", required_argument, 0, 't'},
      {"image1", required_argument, 0, '1'},  {"image2", required_argument, 0, '2'},
      {"mask", required_argument, 0, 'm'},    {"out", required_argument, 0, 'o'},
      {"grads", required_argument, 0, 'g'},   {"device", required_argument, 0, 'd'},
      {"target", required_argument, 0, 'T'},
      {"seed", required_argument, 0, 's'},    {"resize", required_argument, 0, 'r'},
      {"help", no_argument, 0, 'h'},
      {"image", required_argument, 0, '1'},   {"points", required_argument, 0, 'p'},
      {0, 0, 0, 0}};
  memset(a, 0, sizeof *a);
  int c;
  optind = 1;
  while ((c = cli_getopt(cmd, argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'w': a->weights = optarg; break;
    case 't': a->task = optarg; break;
    case '1': a->image1 = optarg; break;
    case '2': a->image2 = optarg; break;
    case 'm': a->mask = optarg; break;
    case 'T':
      if (!with_grads) {
        help(stderr);
        return CLI_USAGE;
      }
      a->target = optarg;
      break;
    case 'p': a->points = optarg; break;
    case 'o': a->out = optarg; break;
    case 'g':
      if (!with_grads) {
        cli_error(cmd, "unknown option '--grads' (see 'geocl %s --help')", cmd);
        return CLI_USAGE;
      }
      a->grads = optarg;
      break;
    case 'd': a->device = optarg; break;
    case 's':
      if (cli_parse_u64(cmd, "--seed", optarg, &a->seed)) return CLI_USAGE;
      break;
    case 'r':
      if (cli_resize_parse(cmd, optarg, &a->resize)) return CLI_USAGE;
      a->resize_given = true;
      break;
    case 'h': help(stdout); return -1;
    default: return CLI_USAGE;
    }
  }
  if (!a->weights || !a->image1 || !a->out) {
    cli_error(cmd, "--weights, --image1 and --out are required (see geocl %s --help)", cmd);
    return CLI_USAGE;
  }
  a->args = argv + optind;
  a->n_args = argc - optind;
  return CLI_OK;
}

geocl_status cli_open_model(const cli_model_args *a, bool grad, geocl_ctx **ctx, geocl_model **m, geocl_batch *b) {
  *m = NULL;
  geocl_ctx_opts co = {.device = a->device, .seed = a->seed};
  geocl_status st = geocl_ctx_create(&co, ctx);
  if (st != GEOCL_OK) return st;
  geocl_set_grad_enabled(*ctx, grad);
  geocl_model_opts mo = {.task = a->task, .weights = a->weights, .args = (const char *const *)a->args,
                         .n_args = a->n_args};
  st = geocl_model_create(*ctx, &mo, m);
  if (st != GEOCL_OK) return st;
  const geocl_plugin *p = geocl_model_plugin(*m);
  bool lidar = p->pipeline && !strcmp(p->pipeline, "lidar");
  if (lidar && !a->points) return geocl_set_error(GEOCL_E_INVALID, "task %s needs --points", p->name);
  if (!lidar && a->points) return geocl_set_error(GEOCL_E_INVALID, "task %s takes no --points", p->name);
  if (lidar && a->target) return geocl_set_error(GEOCL_E_INVALID, "task %s takes no --target", p->name);
  if (lidar) return cli_load_lidar_batch(*ctx, a->image1, a->points, b);
  st = cli_load_batch_fit(*ctx, *m, a->image1, a->image2, a->mask, a->resize, b);
  if (st == GEOCL_OK && a->target) st = cli_load_target(*ctx, *m, a->target, b);
  return st;
}

geocl_status cli_open_weights(const char *device, const char *weights, int n_args, char **args, geocl_ctx **ctx,
                              geocl_model **m) {
  *m = NULL;
  geocl_ctx_opts co = {.device = device};
  geocl_status st = geocl_ctx_create(&co, ctx);
  if (st != GEOCL_OK) return st;
  geocl_set_grad_enabled(*ctx, false);
  geocl_model_opts mo = {.weights = weights, .args = (const char *const *)args, .n_args = n_args};
  return geocl_model_create(*ctx, &mo, m);
}
