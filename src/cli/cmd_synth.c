/* SPDX-License-Identifier: MIT */
/* geocl synth: render a synthetic multi-view data set. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <geocl/geocl.h>
#include <geocl/synth.h>

#include "cli.h"

static void help(FILE *out) {
  fprintf(out,
          "Usage: geocl synth --out DIR [--sequences S] [--frames F] [--size WxH] [--seed N]\n"
          "                   [--layout odometry|kitti2015] [--no-color] [--force] [--quiet]\n"
          "\n"
          "Render procedural 3D scenes and write them as a KITTI-odometry-style data set\n"
          "with CroCo image pairs, so training and the downstream heads can run without\n"
          "downloading anything.  Even sequences are rooms (furniture, a ceiling lamp,\n"
          "a camera circling at eye height); odd ones are streets (buildings, trees,\n"
          "parked cars, sunlight, a camera driving along).  Shapes are textured boxes,\n"
          "planes, spheres and cylinders with Lambertian shading.  A 64-beam spinning\n"
          "LiDAR (+2 to -24.9 degrees, 2048 steps a turn) rides 8 cm above and 27 cm\n"
          "behind the camera; a right camera rides 0.54 m to its right (KITTI's stereo\n"
          "baseline).  The same arguments always give byte-identical files.\n"
          "\n"
          "Written under DIR (the default odometry layout):\n"
          "  sequences/<ss>/image_2/<ffffff>.png   the view, 8-bit RGB, 60 degrees across\n"
          "  sequences/<ss>/image_3/<ffffff>.png   the right camera's view\n"
          "  sequences/<ss>/depth/<ffffff>.png     KITTI depth: 16-bit gray, metres x 256\n"
          "                                        along the optical axis, 0 = sky\n"
          "  sequences/<ss>/depth_color/<ffffff>.png\n"
          "                                        the depth to look at: 8-bit RGB, Turbo\n"
          "                                        of inverse depth over the image (nearest\n"
          "                                        dark red, farthest dark blue), sky black\n"
          "  sequences/<ss>/disparity/<ffffff>.png KITTI disparity of image_2: 16-bit gray,\n"
          "                                        pixels x 256 = f * 0.54 / depth, 0 = sky\n"
          "                                        or beyond 255.99 px\n"
          "  sequences/<ss>/velodyne/<ffffff>.bin  LiDAR sweep: float32 x, y, z, reflectance\n"
          "                                        per point, LiDAR frame (x forward, y left,\n"
          "                                        z up), little-endian\n"
          "  sequences/<ss>/calib.txt              P0-P3 (3x4; P0 = P2 = K[I|0], P1 and P3 a\n"
          "                                        virtual right camera 0.54 m away) and Tr\n"
          "                                        (LiDAR to camera), KITTI odometry layout\n"
          "  sequences/<ss>/poses.txt              one camera-to-world 3x4 matrix per frame,\n"
          "                                        the world being frame 0's camera\n"
          "  sequences/<ss>/flow/<aaaaaa>_<bbbbbb>.png\n"
          "                                        KITTI flow from frame a to frame b: 16-bit\n"
          "                                        RGB, u = (R - 2^15)/64, v = (G - 2^15)/64,\n"
          "                                        B = valid (occluded pixels included)\n"
          "  pairs.txt                             CroCo pair list: 'image_a image_b' per\n"
          "                                        line, paths relative to DIR; written last\n"
          "Each frame a is paired with at most one of the next 8 frames that sees at\n"
          "least half of a's surface pixels and stands at least 0.1 m away; b's flow\n"
          "file is written for each pair.  Camera frames follow KITTI (x right, y down,\n"
          "z forward).\n"
          "\n"
          "With --layout kitti2015 each pair (a, b) is written as a scene <n> of the KITTI\n"
          "2015 stereo and flow benchmark instead (no depth or LiDAR):\n"
          "  training/image_2/<n>_10.png, <n>_11.png   frames a and b\n"
          "  training/image_3/<n>_10.png, <n>_11.png   their right views\n"
          "  training/disp_occ_0/<n>_10.png            disparity of a; disp_noc_0 only where\n"
          "                                            the right view sees the point\n"
          "  training/flow_occ/<n>_10.png              flow a -> b; flow_noc only where b\n"
          "                                            sees the point\n"
          "  training/calib/<n>.txt                    P0-P3, R0_rect, Tr_velo_to_cam\n"
          "  pairs.txt                                 the image_2 pairs\n"
          "docs/data-formats.md describes the formats in detail.\n"
          "\n"
          "Options:\n"
          "  --out DIR        output directory (created; required)\n"
          "  --sequences S    number of sequences, 1 to 100 (default 1)\n"
          "  --frames F       frames per sequence, 2 to 999999 (default 20)\n"
          "  --size WxH       image width and height, 16 to 8192 each (default 256x256)\n"
          "  --seed N         random seed, 0 to 2^64-1 (default 0)\n"
          "  --layout L       odometry (default) or kitti2015\n"
          "  --no-color       no depth_color/ pictures\n"
          "  --force          write into DIR even if it already holds pairs.txt,\n"
          "                   sequences/ or training/ (each file is replaced whole; files of a larger\n"
          "                   earlier run stay)\n"
          "  --quiet          no progress or summary output\n"
          "  -h, --help       this text\n"
          "\n"
          "Every file is written to a temporary name and renamed into place, so a file\n"
          "is either complete or absent; pairs.txt appears only once everything else is\n"
          "written.  The last line gives the speed in frames per second (one CPU core).\n"
          "\n"
          "Example:\n"
          "  geocl synth --out data/synth --sequences 2 --frames 20\n");
}

static int parse_int(const char *option, const char *text, int lo, int hi, int *out) {
  char *end;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (end == text || *end || errno || v < lo || v > hi) {
    cli_error("synth", "%s '%s': expected a whole number from %d to %d", option, text, lo, hi);
    return 0;
  }
  *out = (int)v;
  return 1;
}

static int parse_size(const char *text, int *w, int *h) {
  char tail;
  if (sscanf(text, "%dx%d%c", w, h, &tail) != 2 || *w < 16 || *h < 16 || *w > 8192 || *h > 8192) {
    cli_error("synth", "--size '%s': expected WxH with each side from 16 to 8192, e.g. 256x256", text);
    return 0;
  }
  return 1;
}

static int parse_seed(const char *text, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long v = strtoull(text, &end, 10);
  if (end == text || *end || errno || text[0] == '-' || text[0] == '+') {
    cli_error("synth", "--seed '%s': expected a whole number from 0 to 18446744073709551615", text);
    return 0;
  }
  *out = (uint64_t)v;
  return 1;
}

typedef struct progress_state {
  int sequences, frames;
} progress_state;

static void show_progress(int sequence, int frame, void *user) {
  const progress_state *p = user;
  fprintf(stderr, "\rgeocl synth: sequence %d/%d, frame %d/%d", sequence + 1, p->sequences, frame + 1, p->frames);
  if (sequence + 1 == p->sequences && frame + 1 == p->frames) fputc('\n', stderr);
}

static int run(int argc, char **argv) {
  static const struct option opts[] = {{"out", required_argument, 0, 'o'},   {"sequences", required_argument, 0, 's'},
                                       {"frames", required_argument, 0, 'f'}, {"size", required_argument, 0, 'z'},
                                       {"seed", required_argument, 0, 'e'},   {"force", no_argument, 0, 'F'},
                                       {"layout", required_argument, 0, 'l'}, {"no-color", no_argument, 0, 'C'},
                                       {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
                                       {0, 0, 0, 0}};
  geocl_synth_options o;
  geocl_synth_options_default(&o);
  int quiet = 0, c;
  optind = 1;
  while ((c = cli_getopt("synth", argc, argv, "h", opts, NULL)) != -1) {
    int ok = 1;
    switch (c) {
    case 'o': o.out_dir = optarg; break;
    case 's': ok = parse_int("--sequences", optarg, 1, 100, &o.sequences); break;
    case 'f': ok = parse_int("--frames", optarg, 2, 999999, &o.frames); break;
    case 'z': ok = parse_size(optarg, &o.width, &o.height); break;
    case 'e': ok = parse_seed(optarg, &o.seed); break;
    case 'F': o.overwrite = 1; break;
    case 'C': o.no_depth_color = 1; break;
    case 'l':
      if (!strcmp(optarg, "odometry")) o.layout = GEOCL_SYNTH_ODOMETRY;
      else if (!strcmp(optarg, "kitti2015")) o.layout = GEOCL_SYNTH_KITTI2015;
      else {
        cli_error("synth", "--layout '%s': expected odometry or kitti2015", optarg);
        ok = 0;
      }
      break;
    case 'q': quiet = 1; break;
    case 'h': help(stdout); return CLI_OK;
    default: return CLI_USAGE;
    }
    if (!ok) return CLI_USAGE;
  }
  if (optind < argc) {
    cli_error("synth", "unexpected argument '%s' (see 'geocl synth --help')", argv[optind]);
    return CLI_USAGE;
  }
  if (!o.out_dir || !*o.out_dir) {
    cli_error("synth", "--out DIR is required (see 'geocl synth --help')");
    return CLI_USAGE;
  }
  progress_state progress = {o.sequences, o.frames};
  if (!quiet && isatty(STDERR_FILENO)) {
    o.progress = show_progress;
    o.progress_user = &progress;
  }
  geocl_synth_summary summary;
  geocl_status st = geocl_synth_write(&o, &summary);
  if (st == GEOCL_E_STATE) {
    cli_error("synth", "%s (add --force to write into it anyway)", geocl_last_error());
    return CLI_FAIL;
  }
  if (st != GEOCL_OK) return cli_fail("synth");
  if (!quiet)
    printf("wrote %d sequence%s of %d frames (%" PRId64 " pairs, %.1f M LiDAR points) to %s in %.2f s: %.1f frames/s\n",
           o.sequences, o.sequences == 1 ? "" : "s", o.frames, summary.pairs, summary.lidar_points / 1e6, o.out_dir,
           summary.seconds, summary.seconds > 0 ? summary.frames / summary.seconds : 0.0);
  return CLI_OK;
}

const cli_command cli_synth = {"synth", "render a synthetic multi-view data set (KITTI layout, CroCo pairs)", run,
                               help};
