/* SPDX-License-Identifier: MIT */
/* Op cases: resize2d and upsample2d (nearest, bilinear, bicubic). */
#include "op_harness.h"

/* ip: height, width, mode, align_corners; ip[4] > 0: upsample2d by ip[4] instead */
static geocl_tensor *run_resize(geocl_tensor *const *in, const op_case *c) {
  if (c->ip[4]) return geocl_upsample2d(in[0], c->ip[4], (geocl_resample_mode)c->ip[2], c->ip[3]);
  return geocl_resize2d(in[0], c->ip[0], c->ip[1], (geocl_resample_mode)c->ip[2], c->ip[3]);
}

#define X(...) {{4, {__VA_ARGS__}, IN_UNIFORM, -1, 1, 0, true}}
#define TOL 1e-6, 1e-6
#define GRAD 1e-2, 2e-3
#define NEAREST GEOCL_RESAMPLE_NEAREST
#define LINEAR GEOCL_RESAMPLE_LINEAR
#define CUBIC GEOCL_RESAMPLE_CUBIC
/* x [shape...] resized to h×w */
#define CASE(name, h, w, mode, align, ...) {"resample/" name, 1, X(__VA_ARGS__), run_resize, {h, w, mode, align}, {0}, TOL, GRAD}

const op_case cases_resample[] = {
    CASE("bilinear_up", 11, 13, LINEAR, 0, 2, 3, 5, 7),
    CASE("bilinear_up_align", 11, 13, LINEAR, 1, 2, 3, 5, 7),
    CASE("bilinear_down", 5, 4, LINEAR, 0, 2, 3, 13, 11),
    CASE("bilinear_down_align", 5, 4, LINEAR, 1, 2, 3, 13, 11),
    CASE("bilinear_width_only", 5, 12, LINEAR, 0, 1, 2, 5, 7),
    CASE("bilinear_one_pixel_in", 3, 4, LINEAR, 1, 1, 2, 1, 1),
    CASE("bilinear_one_pixel_out", 1, 1, LINEAR, 1, 1, 2, 5, 6),
    CASE("nearest_mixed", 12, 4, NEAREST, 0, 2, 3, 5, 7),
    CASE("nearest_double", 10, 14, NEAREST, 0, 2, 3, 5, 7),
    CASE("bicubic_up", 9, 13, CUBIC, 0, 2, 2, 5, 6),
    CASE("bicubic_up_align", 9, 13, CUBIC, 1, 2, 2, 5, 6),
    CASE("bicubic_down", 4, 6, CUBIC, 0, 1, 3, 11, 13),
    /* rows of 37 along the height pass: whole vectors and a tail on devices
     * with vectors up to 16 wide (narrower rows take the scalar kernels) */
    CASE("bilinear_up_align_wide", 6, 37, LINEAR, 1, 1, 2, 3, 18),
    CASE("bicubic_down_wide", 3, 37, CUBIC, 0, 1, 1, 7, 45),
    {"resample/upsample4_bilinear", 1, X(2, 3, 4, 5), run_resize, {0, 0, LINEAR, 0, 4}, {0}, TOL, GRAD},
    {"resample/upsample2_nearest", 1, X(1, 3, 4, 5), run_resize, {0, 0, NEAREST, 0, 2}, {0}, TOL, GRAD},
    {NULL},
};
