/* SPDX-License-Identifier: MIT */
/* geocl reconstruct: a picture of a masked-image model at work, like the
 * official CroCo demo. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <geocl/image.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl reconstruct --weights W.safetensors --image1 A.png [--image2 B.png]\n"
          "                         --out PICTURE.png [--mask M.safetensors] [--seed N]\n"
          "                         [--resize MODE] [--device SPEC] [--task NAME] [key=value ...]\n"
          "\n"
          "Mask image 1 (mask_ratio of its patches, drawn from --seed, or the mask in M),\n"
          "let the model reconstruct it, and write one PNG of side-by-side panels in the\n"
          "official demo's order, each under its label: the reference image 2 (pair\n"
          "tasks), the masked input (masked patches black), the reconstruction of every\n"
          "patch, and the original image 1.  Predictions are turned back into pixels\n"
          "with each true patch's mean and variance, as the official demo does.\n"
          "\n"
          "  --resize MODE  how images of another size fit the model's img_size: crop\n"
          "                 (the default: scale to cover it, keep the centre), stretch\n"
          "                 (scale each axis), none (the size must match)\n");
}

static int run(int argc, char **argv) {
  cli_model_args a;
  int rc = cli_parse_model_args("reconstruct", argc, argv, false, help, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  if (!a.resize_given) a.resize = CLI_RESIZE_CROP; /* photos of any size, as the demo takes its own */
  size_t len = strlen(a.out);
  if (len < 4 || strcasecmp(a.out + len - 4, ".png")) { /* a PNG under another name would mislead */
    cli_error("reconstruct", "--out %s: the picture is a PNG file; name it *.png", a.out);
    return CLI_USAGE;
  }
  geocl_ctx *ctx = NULL;
  geocl_model *m;
  geocl_batch b;
  geocl_outputs out;
  geocl_status st = cli_open_model(&a, false, &ctx, &m, &b);
  if (st == GEOCL_OK) st = geocl_model_forward(m, &b, &out);
  geocl_tensor *pic = st == GEOCL_OK ? geocl_model_visualize(m, &b, &out) : NULL;
  if (st == GEOCL_OK) st = pic ? geocl_write_picture_png(geocl_narrow(pic, 0, 0, 1), a.out) : geocl_last_status();
  if (st == GEOCL_OK)
    printf("wrote %s (%lldx%lld)\n", a.out, (long long)geocl_dim(pic, 3), (long long)geocl_dim(pic, 2));
  rc = st == GEOCL_OK ? CLI_OK : cli_fail("reconstruct");
  geocl_model_free(m);
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_reconstruct = {"reconstruct", "picture of a model reconstructing a masked image", run, help};
