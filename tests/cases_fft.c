/* SPDX-License-Identifier: MIT */
/* Op cases: rfft2, irfft2, spectral_loss.  irfft2's inputs are random, so
 * not Hermitian: the cases pin down how backends treat such spectra. */
#include "op_harness.h"

static geocl_tensor *run_rfft2(geocl_tensor *const *in, const op_case *c) { return geocl_rfft2(in[0]); }
static geocl_tensor *run_irfft2(geocl_tensor *const *in, const op_case *c) { return geocl_irfft2(in[0], c->ip[0]); }
/* images 1..2 of 3: the transform reads from an element offset */
static geocl_tensor *run_rfft2_narrow(geocl_tensor *const *in, const op_case *c) {
  return geocl_rfft2(geocl_narrow(in[0], 0, 1, 2));
}
static geocl_tensor *run_irfft2_narrow(geocl_tensor *const *in, const op_case *c) {
  return geocl_irfft2(geocl_narrow(in[0], 0, 1, 2), c->ip[0]);
}
/* a transposed view (copied to contiguous first) */
static geocl_tensor *run_rfft2_transposed(geocl_tensor *const *in, const op_case *c) {
  return geocl_rfft2(geocl_transpose(in[0], 1, 2));
}
static geocl_tensor *run_spectral(geocl_tensor *const *in, const op_case *c) {
  return geocl_spectral_loss(in[0], in[1], (int)c->ip[0]);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define TOL 1e-6, 1e-6
#define GRAD 1e-2, 2e-3

const op_case cases_fft[] = {
    {"fft/rfft2_16x16", 1, {{3, {2, 16, 16}, U}}, run_rfft2, {0}, {0}, TOL, GRAD},
    {"fft/rfft2_7x13", 1, {{3, {3, 7, 13}, U}}, run_rfft2, {0}, {0}, TOL, GRAD},
    {"fft/rfft2_8x10", 1, {{3, {1, 8, 10}, U}}, run_rfft2, {0}, {0}, TOL, GRAD},
    {"fft/rfft2_offset", 1, {{3, {3, 7, 13}, U}}, run_rfft2_narrow, {0}, {0}, TOL, GRAD},
    {"fft/rfft2_transposed", 1, {{3, {2, 13, 7}, U}}, run_rfft2_transposed, {0}, {0}, TOL, GRAD},
    {"fft/irfft2_16x16", 1, {{4, {2, 16, 9, 2}, U}}, run_irfft2, {16}, {0}, TOL, GRAD},
    {"fft/irfft2_7x13", 1, {{4, {3, 7, 7, 2}, U}}, run_irfft2, {13}, {0}, TOL, GRAD},
    {"fft/irfft2_7x12", 1, {{4, {3, 7, 7, 2}, U}}, run_irfft2, {12}, {0}, TOL, GRAD},
    {"fft/irfft2_8x10", 1, {{4, {1, 8, 6, 2}, U}}, run_irfft2, {10}, {0}, TOL, GRAD},
    {"fft/irfft2_offset", 1, {{4, {3, 8, 6, 2}, U}}, run_irfft2_narrow, {10}, {0}, TOL, GRAD},
    /* The losses are means of hundreds of bins rounded to float, which
     * quantises central differences: wider steps keep that noise small (the
     * squared norm is quadratic, so its differences are exact at any step). */
    {"fft/spectral_l2", 2, {{4, {2, 3, 16, 16}, U}, {4, {2, 3, 16, 16}, U}}, run_spectral, {2}, {0}, TOL, 1e-1,
     2e-3},
    {"fft/spectral_l1", 2, {{4, {2, 3, 16, 16}, U}, {4, {2, 3, 16, 16}, U}}, run_spectral, {1}, {0}, TOL, 5e-2,
     2e-3},
    {NULL},
};
