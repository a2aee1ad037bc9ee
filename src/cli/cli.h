/* SPDX-License-Identifier: MIT */
/* The geocl command: one file per subcommand. */
#ifndef GEOCL_CLI_H
#define GEOCL_CLI_H

#include <stdint.h>
#include <stdio.h>

#include <geocl/geocl.h>
#include <geocl/model.h>

/* Exit codes */
#define CLI_OK 0
#define CLI_FAIL 1  /* the command ran and failed */
#define CLI_USAGE 2 /* bad arguments */

typedef struct cli_command {
  const char *name;
  const char *summary;
  int (*run)(int argc, char **argv); /* argv[0] is the command name */
  void (*help)(FILE *out);
} cli_command;

extern const cli_command cli_devices;
extern const cli_command cli_plugins;
extern const cli_command cli_forward;
extern const cli_command cli_reconstruct;
extern const cli_command cli_pretrain;
extern const cli_command cli_finetune;
extern const cli_command cli_bench;
extern const cli_command cli_tune;
extern const cli_command cli_plot;
extern const cli_command cli_pairs;
extern const cli_command cli_encode;

/* Print a plugin's options and presets (cmd_plugins.c). */
void cli_print_plugin_options(FILE *out, const geocl_plugin *p);
extern const cli_command cli_synth;
extern const cli_command cli_eval;
extern const cli_command cli_infer;

/* Print "geocl <cmd>: <message>" to stderr. */
void cli_error(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* getopt_long without getopt's own messages: an unknown, ambiguous or
 * incomplete option prints one line (with "did you mean" for a typo and a
 * pointer to --help) and returns '?'. */
struct option;
int cli_getopt(const char *cmd, int argc, char **argv, const char *shortopts, const struct option *longopts,
               int *index);
/* The name among names[0..n) closest to word[0..len) when it is close enough
 * to be a typo of it, else NULL. */
const char *cli_closest(const char *word, size_t len, const char *const *names, size_t n);
/* Run from a build tree (the uninstalled binary, or libtool's wrapper of
 * it): search the tree's backend and plugin directories too (cli_buildtree.c). */
void cli_use_build_tree(void);
/* Whether task (a plugin), preset (NULL: none) and key=value args make a
 * model: CLI_OK, or CLI_USAGE after one line naming what is wrong (cli_model_check.c). */
int cli_check_model_choice(const char *cmd, const char *task, const char *preset, int n_args,
                           const char *const *args);
/* Report the library's last error for a failed call. */
int cli_fail(const char *cmd);
/* Parse a non-negative integer option; prints the error and returns 1 on failure. */
int cli_parse_u64(const char *cmd, const char *opt, const char *text, uint64_t *out);
/* An integer option in [min, max], or a finite number in [lo, hi]: parsed
 * whole into 64 bits, never cut or wrapped; prints the error and returns 1
 * on failure. */
int cli_parse_int(const char *cmd, const char *opt, const char *text, int64_t min, int64_t max, int64_t *out);
int cli_parse_number(const char *cmd, const char *opt, const char *text, double lo, double hi, double *out);
/* An image file as a normalised [1, 3, height, width] tensor: RGB (alpha
 * dropped), /255, ImageNet mean/std; an error naming the file when its size differs. */
geocl_tensor *cli_load_image(geocl_ctx *ctx, const char *path, int64_t height, int64_t width);
/* --resize: how an image of another size becomes the model's input (cli_resize.c). */
typedef enum cli_resize { CLI_RESIZE_NONE, CLI_RESIZE_CROP, CLI_RESIZE_STRETCH } cli_resize;
/* "none", "crop" or "stretch"; prints the error and returns 1 otherwise. */
int cli_resize_parse(const char *cmd, const char *text, cli_resize *out);
/* cli_load_image of an image of any size: 'crop' scales it to cover the input
 * and cuts the centre, 'stretch' scales each axis, 'none' wants the size. */
geocl_tensor *cli_load_image_fit(geocl_ctx *ctx, const char *path, int64_t height, int64_t width, cli_resize mode);
/* One sample for a model: image1 (and image2 for pair tasks) at the model's
 * img_size, and the mask file's tensor 'mask' (BOOL or U8, [N] or [1, N]) if given. */
geocl_status cli_load_batch(geocl_ctx *ctx, geocl_model *m, const char *image1, const char *image2,
                            const char *mask, geocl_batch *b);
/* The same with the images fitted by mode. */
geocl_status cli_load_batch_fit(geocl_ctx *ctx, geocl_model *m, const char *image1, const char *image2,
                                const char *mask, cli_resize mode, geocl_batch *b);
/* A dense head's ground truth from the file's tensor 'target' ([1, C, H, W] at
 * the model's img_size; C = 2 for flow, else 1; non-finite = unknown) as the
 * batch's disparity/flow/depth and valid fields. */
geocl_status cli_load_target(geocl_ctx *ctx, geocl_model *m, const char *path, geocl_batch *b);

/* Options shared by the commands that run a model on image files. */
typedef struct cli_model_args {
  const char *weights, *task, *image1, *image2, *mask, *target, *out, *grads, *device;
  const char *points; /* tasks of the lidar pipeline: the points file (--image is their image1) */
  uint64_t seed;
  cli_resize resize;   /* --resize (none unless resize_given) */
  bool resize_given;
  int n_args;          /* key=value options after the flags */
  char **args;
} cli_model_args;
/* Parse them (--grads only when with_grads); CLI_OK, CLI_USAGE, or -1 after
 * printing help for --help.  --weights, --image1 (or --image) and --out are required. */
int cli_parse_model_args(const char *cmd, int argc, char **argv, bool with_grads, void (*help)(FILE *),
                         cli_model_args *a);
/* Context and model for parsed arguments, then the batch; prints the error. */
geocl_status cli_open_model(const cli_model_args *a, bool grad, geocl_ctx **ctx, geocl_model **m, geocl_batch *b);

/* Context (no gradients) and the model a weights file records, with
 * key=value overrides; the caller frees both (also after an error). */
geocl_status cli_open_weights(const char *device, const char *weights, int n_args, char **args, geocl_ctx **ctx,
                              geocl_model **m);

/* Host fields of a batch, each with its layout (the batch dim in front). */
typedef struct cli_fields {
  int n;
  geocl_field_layout layout[GEOCL_BATCH_MAX_FIELDS];
  void *data[GEOCL_BATCH_MAX_FIELDS];
} cli_fields;
/* A batch of the "lidar" pipeline from made-up frames (cli_lidar.c): a
 * random image the size of the middle of the task's resize ranges (kept at
 * that size) and random points in its camera's view and SimIPU's range box,
 * twice as many as the task samples; augmented as in training. */
geocl_status cli_lidar_batch(const geocl_data_spec *spec, int64_t batch, uint64_t seed, cli_fields *out);
/* One sample of the "lidar" pipeline as given to geocl forward: image (PNG,
 * sides multiples of 32: B, G, R minus the mean) and the points file's
 * points_a, points_b [1, N, 4], b_to_a, lidar2img [1, 4, 4]; batch norms in
 * training mode. */
geocl_status cli_load_lidar_batch(geocl_ctx *ctx, const char *image, const char *points, geocl_batch *b);
geocl_status cli_fields_upload(geocl_ctx *ctx, const cli_fields *f, geocl_batch *b);
void cli_fields_free(cli_fields *f);

/* One training step of a model on random images (cli_step.c): the model of
 * task/preset with key=value args (at the images size the model trains at), AdamW,
 * and `batch` random samples uploaded anew each step. */
typedef struct cli_step {
  geocl_model *model;
  geocl_optim *optim;
  geocl_batch batch;
  float *host1, *host2;
  int64_t shape[4];
  cli_fields lidar;   /* tasks of the "lidar" pipeline: their fields (cli_lidar.c) */
  cli_fields targets; /* downstream heads: made-up dense targets (depth, disparity, flow, valid) */
} cli_step;
geocl_status cli_step_create(geocl_ctx *ctx, const char *task, const char *preset, int64_t batch, uint64_t seed,
                             int n_args, const char *const *args, cli_step *s);
/* forward, backward, optimizer step, and waiting for the loss */
geocl_status cli_step_run(geocl_ctx *ctx, cli_step *s);
void cli_step_free(cli_step *s);

/* One training step of torchvision's resnet<depth> on random images
 * (cli_resnet.c): backbone, average pooling, fc with 1000 classes, mean
 * cross-entropy of random labels, SGD (momentum 0.9, lr 0.1, weight decay
 * 1e-4); the images uploaded anew each step. */
typedef struct cli_resnet {
  geocl_params *params;
  geocl_resnet net;
  geocl_optim *optim;
  float *images;
  int32_t *labels;
  int64_t shape[4];
} cli_resnet;
geocl_status cli_resnet_create(geocl_ctx *ctx, int depth, int64_t batch, int64_t height, int64_t width, uint64_t seed,
                               cli_resnet *s);
/* forward, backward, optimizer step, and waiting for the loss */
geocl_status cli_resnet_run(geocl_ctx *ctx, cli_resnet *s);
void cli_resnet_free(cli_resnet *s);
/* "HxW" or "S" (square) into height and width; prints the error and returns 1 on failure. */
int cli_parse_size(const char *cmd, const char *opt, const char *text, int64_t *height, int64_t *width);

#endif
