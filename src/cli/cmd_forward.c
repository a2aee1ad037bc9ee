/* SPDX-License-Identifier: MIT */
/* geocl forward: one forward (and backward) pass of a model on given images,
 * written to safetensors files for comparison with a reference
 * implementation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <geocl/geocl.h>
#include <geocl/model.h>
#include <geocl/safetensors.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl forward --weights W.safetensors --image1 A.png [--image2 B.png]\n"
          "                     [--mask M.safetensors] [--target T.safetensors]\n"
          "                     --out O.safetensors [--grads G.safetensors]\n"
          "       geocl forward --weights W.safetensors --image I.png --points P.safetensors\n"
          "                     --out O.safetensors [--grads G.safetensors]\n"
          "                     [--task NAME] [--device SPEC] [--seed N] [key=value ...]\n"
          "\n"
          "Run one forward pass of a model on one image pair (or one image for single-view\n"
          "tasks such as mae) and write its outputs; with --grads also run backward from\n"
          "the loss and write the gradient of every parameter.  Used to check geocl\n"
          "against a reference implementation (tools/croco-check-official).\n"
          "\n"
          "  --weights W      model file (safetensors with the task and config in its\n"
          "                   metadata, or converted by tools/convert-croco)\n"
          "  --task NAME      task, when W does not record one (croco, mae, ...)\n"
          "  --image1 A       the masked view: PNG or JPEG, exactly the model's img_size;\n"
          "                   RGB (alpha dropped), /255, ImageNet mean/std\n"
          "  --image2 B       the reference view (pair tasks)\n"
          "  --mask M         safetensors with a tensor 'mask' (BOOL or U8, [N] or [1, N],\n"
          "                   1 = masked); without it the mask is drawn from --seed\n"
          "  --target T       dense heads (stereo, flow, depth): safetensors with a tensor\n"
          "                   'target' [1, C, H, W] at img_size (C = 2 for flow, else 1; values\n"
          "                   that are not finite are unknown); the loss is computed against it\n"
          "  --out O          outputs: croco/mae: pred [1,N,3p²], target [1,N,3p²] (normalised\n"
          "                   as the loss uses it), mask [1,N] (U8), loss, feat1, feat2, dec;\n"
          "                   dense heads: pred [1,nc,H,W] (the head's raw output: prediction\n"
          "                   channels, then the confidence), prediction, conf, and with\n"
          "                   --target loss and the training metric\n"
          "  --grads G        gradient of the loss for every parameter, by official name\n"
          "                   (dense heads need --target)\n"
          "  --image I        tasks of the lidar pipeline (simipu): the image as fed (already\n"
          "                   resized and flipped, sides multiples of 32), RGB PNG; B, G, R\n"
          "                   minus the mean, std 1\n"
          "  --points P       safetensors with points_a, points_b [1,N,4] (the two views),\n"
          "                   b_to_a [1,4,4] (view B to view A), lidar2img [1,4,4] (LiDAR to\n"
          "                   I's pixels); outputs kp_a, kp_b, match, loss, loss_intra,\n"
          "                   loss_inter, sa1_idx_a ... sa3_idx_b (tools/simipu-check)\n"
          "  --device SPEC    device index, name substring or 'reference' (geocl devices)\n"
          "  --seed N         random stream for the mask (default 0)\n"
          "  --resize MODE    fit images of another size to img_size: none (the default:\n"
          "                   the size must match), crop (scale to cover, keep the\n"
          "                   centre) or stretch (scale each axis)\n"
          "  key=value        override a model option (see geocl plugins NAME)\n");
}

static geocl_status write_outputs(const geocl_outputs *out, const char *path) {
  geocl_st_writer *w = geocl_st_writer_new();
  if (!w) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_status st = GEOCL_OK;
  uint8_t *mask = NULL; /* the writer keeps a pointer until it writes */
  for (int i = 0; st == GEOCL_OK && i < out->n; i++) {
    const geocl_tensor *t = out->tensors[i];
    if (strcmp(out->names[i], "mask")) {
      st = geocl_st_writer_add_tensor(w, out->names[i], t);
      continue;
    }
    /* the mask as the official code returns it: booleans */
    size_t n = (size_t)geocl_numel(t);
    float *f = malloc(n * sizeof *f);
    mask = malloc(n);
    st = (f && mask) ? geocl_to_host(t, f, n * sizeof *f) : geocl_set_error(GEOCL_E_NOMEM, "out of memory");
    for (size_t k = 0; st == GEOCL_OK && k < n; k++) mask[k] = f[k] != 0.0f;
    if (st == GEOCL_OK) st = geocl_st_writer_add(w, "mask", GEOCL_ST_U8, geocl_ndim(t), geocl_shape(t), mask);
    free(f);
  }
  if (st == GEOCL_OK) st = geocl_st_writer_write(w, path);
  geocl_st_writer_free(w);
  free(mask);
  return st;
}

static geocl_status write_grads(geocl_params *p, const char *path) {
  geocl_st_writer *w = geocl_st_writer_new();
  if (!w) return geocl_set_error(GEOCL_E_NOMEM, "out of memory");
  geocl_status st = geocl_params_finish_grads(p);
  for (int i = 0; st == GEOCL_OK && i < geocl_params_count(p); i++)
    if (!geocl_params_is_buffer(p, i) && geocl_grad(geocl_params_get(p, i))) /* frozen ones have none */
      st = geocl_st_writer_add_tensor(w, geocl_params_name(p, i), geocl_grad(geocl_params_get(p, i)));
  if (st == GEOCL_OK) st = geocl_st_writer_write(w, path);
  geocl_st_writer_free(w);
  return st;
}

static int run(int argc, char **argv) {
  cli_model_args a;
  int rc = cli_parse_model_args("forward", argc, argv, true, help, &a);
  if (rc) return rc < 0 ? CLI_OK : rc;
  geocl_ctx *ctx = NULL;
  geocl_model *m;
  geocl_batch b;
  geocl_outputs out;
  geocl_status st = cli_open_model(&a, a.grads != NULL, &ctx, &m, &b);
  if (st == GEOCL_OK) st = geocl_model_forward(m, &b, &out);
  if (st == GEOCL_OK && a.grads && !geocl_outputs_get(&out, "loss"))
    st = geocl_set_error(GEOCL_E_INVALID, "--grads: the forward pass gave no loss (a dense head needs --target)");
  if (st == GEOCL_OK && a.grads) st = geocl_backward(geocl_outputs_get(&out, "loss"));
  if (st == GEOCL_OK) st = write_outputs(&out, a.out);
  if (st == GEOCL_OK && a.grads) st = write_grads(geocl_model_params(m), a.grads);
  if (st == GEOCL_OK) {
    float loss;
    if (geocl_item(geocl_outputs_get(&out, "loss"), &loss) == GEOCL_OK)
      printf("loss %.9g; wrote %s%s%s\n", loss, a.out, a.grads ? " and " : "", a.grads ? a.grads : "");
  }
  rc = st == GEOCL_OK ? CLI_OK : cli_fail("forward");
  geocl_model_free(m);
  geocl_ctx_free(ctx);
  return rc;
}

const cli_command cli_forward = {"forward", "one forward/backward pass on given images, outputs to safetensors", run,
                                 help};
