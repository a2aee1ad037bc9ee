/* SPDX-License-Identifier: MIT */
/* geocl encode: features of whole images from chosen blocks of a pre-trained
 * CroCo network (the features head), to safetensors or .npy, for users who
 * fine-tune elsewhere. */
#include <getopt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <geocl/fileio.h>
#include <geocl/safetensors.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl encode --weights W.safetensors --image1 A.png [--image2 B.png]\n"
          "                    [--blocks LIST] [--resize MODE] --out F.safetensors|F.npy\n"
          "                    [--device SPEC] [backbone.KEY=VALUE ...]\n"
          "\n"
          "Run a pre-trained CroCo network (a geocl checkpoint, or an official one converted\n"
          "by tools/convert-croco) on whole images, without masking, as the official\n"
          "downstream models do, and write the outputs of the chosen blocks: [1, N, C]\n"
          "float32, N = the patch tokens in raster order.  backbone.img_size=HxW runs\n"
          "the network at another size: cosine position embeddings are resampled to its\n"
          "grid as the official interpolate_pos_embed does (bicubic).\n"
          "\n"
          "  --blocks LIST  comma-separated: enc.I, dec.I, 'last' (the last encoder block,\n"
          "                 after the encoder's norm: the default) or 'encoder' (all of\n"
          "                 them); decoder blocks decode image 1 against --image2\n"
          "  --out F        F.safetensors: one tensor per block, named as the block, the\n"
          "                 token grid in the metadata ('grid': 'HxW'); F.npy: one block\n"
          "  --resize MODE  images of another size than img_size: none (the default: an\n"
          "                 error), crop (scale to cover it, keep the centre), stretch\n");
}

static bool ends_with(const char *s, const char *suffix) {
  size_t n = strlen(s), k = strlen(suffix);
  return n >= k && !strcasecmp(s + n - k, suffix);
}

/* NumPy's .npy format 1.0: magic, header length, a Python dict padded with
 * spaces to a multiple of 64 bytes, then the little-endian float32 data. */
static geocl_status write_npy(const char *path, const geocl_tensor *t) {
  char dict[256], shape[160] = "";
  for (int i = 0, used = 0; i < geocl_ndim(t); i++)
    used += snprintf(shape + used, sizeof shape - (size_t)used, "%lld, ", (long long)geocl_dim(t, i));
  int n = snprintf(dict, sizeof dict, "{'descr': '<f4', 'fortran_order': False, 'shape': (%.*s), }",
                   geocl_ndim(t) == 1 ? (int)strlen(shape) - 1 : (int)strlen(shape) - 2, shape);
  size_t header = (10 + (size_t)n + 1 + 63) / 64 * 64; /* magic 6 + version 2 + length 2, the dict and '\n' */
  size_t count = (size_t)geocl_numel(t), size = header + count * sizeof(float);
  unsigned char *buf = malloc(size);
  if (!buf) return geocl_set_error(GEOCL_E_NOMEM, "out of memory writing %s", path);
  memcpy(buf, "\x93NUMPY\x01\x00", 8);
  buf[8] = (unsigned char)((header - 10) & 0xff);
  buf[9] = (unsigned char)((header - 10) >> 8);
  memset(buf + 10, ' ', header - 10);
  memcpy(buf + 10, dict, (size_t)n);
  buf[header - 1] = '\n';
  geocl_status st = geocl_to_host(t, buf + header, count * sizeof(float));
  if (st == GEOCL_OK) st = geocl_file_write_atomic(path, buf, size);
  free(buf);
  return st;
}

static geocl_status write_safetensors(const char *path, const geocl_outputs *out, int64_t gh, int64_t gw) {
  geocl_st_writer *w = geocl_st_writer_new();
  if (!w) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  char grid[48];
  snprintf(grid, sizeof grid, "%lldx%lld", (long long)gh, (long long)gw);
  geocl_status st = geocl_st_writer_set_meta(w, "grid", grid);
  for (int i = 0; st == GEOCL_OK && i < out->n; i++) st = geocl_st_writer_add_tensor(w, out->names[i], out->tensors[i]);
  if (st == GEOCL_OK) st = geocl_st_writer_write(w, path);
  geocl_st_writer_free(w);
  return st;
}

static int run(int argc, char **argv) {
  static const struct option opts[] = {
      {"weights", required_argument, 0, 'w'}, {"image1", required_argument, 0, '1'},
      {"image2", required_argument, 0, '2'},  {"blocks", required_argument, 0, 'b'},
      {"out", required_argument, 0, 'o'},     {"device", required_argument, 0, 'd'},
      {"resize", required_argument, 0, 'r'},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  cli_resize resize = CLI_RESIZE_NONE;
  const char *weights = NULL, *image1 = NULL, *image2 = NULL, *blocks = "last", *out = NULL, *device = NULL;
  int c;
  optind = 1;
  while ((c = cli_getopt("encode", argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'w': weights = optarg; break;
    case '1': image1 = optarg; break;
    case '2': image2 = optarg; break;
    case 'b': blocks = optarg; break;
    case 'o': out = optarg; break;
    case 'd': device = optarg; break;
    case 'r':
      if (cli_resize_parse("encode", optarg, &resize)) return CLI_USAGE;
      break;
    case 'h': help(stdout); return CLI_OK;
    default: return CLI_USAGE;
    }
  }
  for (int i = optind; i < argc; i++)
    if (strncmp(argv[i], "backbone.", 9) || !strchr(argv[i], '=')) {
      cli_error("encode", "unexpected argument '%s': only backbone.KEY=VALUE options (see 'geocl encode --help')",
                argv[i]);
      return CLI_USAGE;
    }
  if (!weights || !image1 || !out) {
    cli_error("encode", "--weights, --image1 and --out are required (see 'geocl encode --help')");
    return CLI_USAGE;
  }
  bool npy = ends_with(out, ".npy");
  if (!npy && !ends_with(out, ".safetensors")) {
    cli_error("encode", "--out %s: name the file *.safetensors or *.npy", out);
    return CLI_USAGE;
  }
  bool decoder = strstr(blocks, "dec.") != NULL;
  if (decoder != (image2 != NULL)) {
    cli_error("encode", decoder ? "decoder blocks decode image 1 against a second view: give --image2"
                                : "--image2 is read by decoder blocks only (--blocks dec.I)");
    return CLI_USAGE;
  }
  char arg[1024];
  snprintf(arg, sizeof arg, "blocks=%s", blocks);
  const char **args = calloc((size_t)(argc - optind + 1), sizeof *args);
  if (!args) return cli_fail("encode");
  args[0] = arg;
  for (int i = optind; i < argc; i++) args[1 + i - optind] = argv[i];
  geocl_ctx *ctx = NULL;
  geocl_model *m = NULL;
  geocl_ctx_opts co = {.device = device};
  geocl_status st = geocl_ctx_create(&co, &ctx);
  if (st == GEOCL_OK) {
    geocl_set_grad_enabled(ctx, false);
    geocl_model_opts mo = {.task = "features", .init = weights, .args = args, .n_args = 1 + argc - optind};
    st = geocl_model_create(ctx, &mo, &m);
  }
  geocl_data_spec spec;
  geocl_batch b = {.size = 1};
  geocl_outputs o;
  if (st == GEOCL_OK) st = geocl_model_data_spec(m, false, &spec, NULL);
  if (st == GEOCL_OK) st = geocl_batch_set(&b, "image1", cli_load_image_fit(ctx, image1, spec.height, spec.width, resize));
  if (st == GEOCL_OK && image2) st = geocl_batch_set(&b, "image2", cli_load_image_fit(ctx, image2, spec.height, spec.width, resize));
  if (st == GEOCL_OK) st = geocl_model_forward(m, &b, &o);
  if (st == GEOCL_OK && npy && o.n != 1)
    st = geocl_set_error(GEOCL_E_INVALID, "--out %s: a .npy file holds one array, and --blocks %s names %d; write "
                                          "*.safetensors", out, blocks, o.n);
  int64_t patch = 0;
  if (st == GEOCL_OK) {
    geocl_backbone_info info;
    st = geocl_backbone_get_info(geocl_model_backbone(m), &info);
    patch = info.patch;
  }
  if (st == GEOCL_OK)
    st = npy ? write_npy(out, o.tensors[0]) : write_safetensors(out, &o, spec.height / patch, spec.width / patch);
  int rc = CLI_OK;
  if (st != GEOCL_OK) rc = cli_fail("encode");
  else {
    printf("wrote %s:", out);
    for (int i = 0; i < o.n; i++)
      printf(" %s [%lld, %lld, %lld]", o.names[i], (long long)geocl_dim(o.tensors[i], 0),
             (long long)geocl_dim(o.tensors[i], 1), (long long)geocl_dim(o.tensors[i], 2));
    printf("\n");
  }
  geocl_model_free(m);
  geocl_ctx_free(ctx);
  free(args);
  return rc;
}

const cli_command cli_encode = {"encode", "features of chosen blocks for whole images, to safetensors or .npy", run,
                                help};
