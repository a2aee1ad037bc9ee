/* SPDX-License-Identifier: MIT */
/* geocl_dist_mean under mpirun (tests/mpi_cli.sh): rank r holds
 * x_r = (r + 1)·(1, 2, 3) and weights w_r = (r + 1, −r, 2); with
 * loss_r = Σ w_r·mean_ranks(x), the forward must be the mean of the x_r
 * and the gradient of x_r the mean of the w_r, on every rank.  Exits 1 on
 * a mismatch, printing it. */
#include <math.h>
#include <stdio.h>

#include <geocl/geocl.h>

int main(void) {
  geocl_ctx *ctx;
  geocl_ctx_opts co = {.device = "reference"};
  if (geocl_dist_init() != GEOCL_OK || geocl_ctx_create(&co, &ctx) != GEOCL_OK) {
    fprintf(stderr, "dist_mean: %s\n", geocl_last_error());
    return 1;
  }
  int r = geocl_dist_rank(), n = geocl_dist_size();
  float xs[3], ws[3] = {(float)(r + 1), (float)-r, 2.0f};
  for (int i = 0; i < 3; i++) xs[i] = (float)((r + 1) * (i + 1));
  geocl_tensor *x = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(3), xs);
  geocl_set_requires_grad(x, true);
  geocl_tensor *w = geocl_from_host(ctx, GEOCL_F32, GEOCL_SHAPE(3), ws);
  geocl_tensor *y = geocl_dist_mean(x);
  geocl_status st = geocl_backward(geocl_sum_all(geocl_mul(y, w)));
  float yh[3], gh[3];
  if (st == GEOCL_OK) st = geocl_to_host(y, yh, sizeof yh);
  if (st == GEOCL_OK) st = geocl_to_host(geocl_grad(x), gh, sizeof gh);
  int bad = st != GEOCL_OK;
  double rank_mean = (n + 1) / 2.0; /* mean of r + 1 */
  for (int i = 0; !bad && i < 3; i++) {
    double want_y = rank_mean * (i + 1);
    double want_g = i == 0 ? rank_mean : i == 1 ? -(rank_mean - 1) : 2.0;
    if (fabs(yh[i] - want_y) > 1e-6 || fabs(gh[i] - want_g) > 1e-6) {
      fprintf(stderr, "dist_mean rank %d: [%d] y %g (want %g), grad %g (want %g)\n", r, i, yh[i], want_y, gh[i], want_g);
      bad = 1;
    }
  }
  if (st != GEOCL_OK) fprintf(stderr, "dist_mean rank %d: %s\n", r, geocl_last_error());
  if (!bad && r == 0) printf("dist_mean: forward and gradient agree on %d ranks\n", n);
  geocl_ctx_free(ctx);
  geocl_dist_finalize();
  return bad;
}
