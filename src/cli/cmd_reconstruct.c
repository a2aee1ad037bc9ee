/* geocl reconstruct: a picture of a masked-image model at work, like the
 * official CroCo demo. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include <geocl/image.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl reconstruct --weights W.safetensors --image1 A.png [--image2 B.png]\n"
          "                         --out PICTURE.png [--mask M.safetensors] [--seed N]\n"
          "                         [--device SPEC] [--task NAME] [key=value ...]\n"
          "\n"
          "Mask image 1 (mask_ratio of its patches, drawn from --seed, or the mask in M),\n"
          "let the model reconstruct it, and write one PNG of side-by-side panels: the\n"
          "masked input (masked patches black), the reconstruction of every patch, the\n"
          "reference image 2 (pair tasks), and the original image 1.  Predictions are\n"
          "turned back into pixels with each true patch's mean and variance, as the\n"
          "official demo does.  Images must be exactly the model's img_size.\n");
}

static int run(int argc, char **argv) {
  static const struct option opts[] = {
      {"weights", required_argument, 0, 'w'}, {"task", required_argument, 0, 't'},
      {"image1", required_argument, 0, '1'},  {"image2", required_argument, 0, '2'},
      {"mask", required_argument, 0, 'm'},    {"out", required_argument, 0, 'o'},
      {"device", required_argument, 0, 'd'},  {"seed", required_argument, 0, 's'},
      {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
  const char *weights = NULL, *task = NULL, *img1 = NULL, *img2 = NULL, *mask = NULL, *outp = NULL, *device = NULL;
  uint64_t seed = 0;
  int c;
  optind = 1;
  while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
    switch (c) {
    case 'w': weights = optarg; break;
    case 't': task = optarg; break;
    case '1': img1 = optarg; break;
    case '2': img2 = optarg; break;
    case 'm': mask = optarg; break;
    case 'o': outp = optarg; break;
    case 'd': device = optarg; break;
    case 's':
      if (cli_parse_u64("reconstruct", "--seed", optarg, &seed)) return CLI_USAGE;
      break;
    case 'h': help(stdout); return CLI_OK;
    default: help(stderr); return CLI_USAGE;
    }
  }
  if (!weights || !img1 || !outp) {
    cli_error("reconstruct", "--weights, --image1 and --out are required (see geocl reconstruct --help)");
    return CLI_USAGE;
  }
  geocl_ctx *ctx;
  geocl_ctx_opts co = {.device = device, .seed = seed};
  if (geocl_ctx_create(&co, &ctx) != GEOCL_OK) return cli_fail("reconstruct");
  geocl_set_grad_enabled(ctx, false);
  geocl_model *m = NULL;
  geocl_model_opts mo = {.task = task, .weights = weights, .args = (const char *const *)argv + optind,
                         .n_args = argc - optind};
  geocl_batch b;
  geocl_outputs out;
  geocl_status st = geocl_model_create(ctx, &mo, &m);
  if (st == GEOCL_OK) st = cli_load_batch(ctx, m, img1, img2, mask, &b);
  if (st == GEOCL_OK) st = geocl_model_forward(m, &b, &out);
  geocl_tensor *pic = st == GEOCL_OK ? geocl_model_visualize(m, &b, &out) : NULL;
  if (st == GEOCL_OK) st = pic ? geocl_write_picture_png(geocl_narrow(pic, 0, 0, 1), outp) : geocl_last_status();
  if (st == GEOCL_OK) printf("wrote %s (%lldx%lld)\n", outp, (long long)geocl_dim(pic, 3), (long long)geocl_dim(pic, 2));
  int rc = st == GEOCL_OK ? CLI_OK : cli_fail("reconstruct");
  geocl_model_free(m);
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_reconstruct = {"reconstruct", "picture of a model reconstructing a masked image", run, help};
