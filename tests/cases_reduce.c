/* SPDX-License-Identifier: MIT */
/* Op cases: reductions. */
#include "op_harness.h"

static geocl_tensor *run_sum(geocl_tensor *const *in, const op_case *c) {
  return geocl_sum(in[0], (int)c->ip[0], c->ip[1]);
}
static geocl_tensor *run_mean(geocl_tensor *const *in, const op_case *c) {
  return geocl_mean(in[0], (int)c->ip[0], c->ip[1]);
}
static geocl_tensor *run_max(geocl_tensor *const *in, const op_case *c) {
  return geocl_max(in[0], (int)c->ip[0], c->ip[1]);
}
static geocl_tensor *run_sum_all(geocl_tensor *const *in, const op_case *c) { return geocl_sum_all(in[0]); }
static geocl_tensor *run_mean_all(geocl_tensor *const *in, const op_case *c) { return geocl_mean_all(in[0]); }
static geocl_tensor *run_sum_to(geocl_tensor *const *in, const op_case *c) {
  return geocl_sum_to(in[0], 3, (int64_t[]){7, 1, 13});
}
/* a sum over a permuted view (strided reduction) */
static geocl_tensor *run_sum_view(geocl_tensor *const *in, const op_case *c) {
  return geocl_sum(geocl_permute(in[0], (int[]){2, 0, 1}), 1, false);
}

#define U IN_UNIFORM, -1, 1, 0, true
#define TOL 1e-6, 1e-6
#define GRAD 1e-2, 2e-3

const op_case cases_reduce[] = {
    {"reduce/sum_last", 1, {{3, {2, 7, 13}, U}}, run_sum, {-1, 0}, {0}, TOL, GRAD},
    {"reduce/sum_mid_keep", 1, {{3, {2, 197, 13}, U}}, run_sum, {1, 1}, {0}, TOL, GRAD},
    {"reduce/sum_first", 1, {{2, {197, 64}, U}}, run_sum, {0, 0}, {0}, TOL, GRAD},
    /* column sums with a column count no vector width divides */
    {"reduce/sum_first_odd_cols", 1, {{2, {197, 13}, U}}, run_sum, {0, 0}, {0}, TOL, GRAD},
    {"reduce/mean_last_keep", 1, {{2, {7, 13}, U}}, run_mean, {-1, 1}, {0}, TOL, GRAD},
    {"reduce/mean_first", 1, {{3, {13, 7, 2}, U}}, run_mean, {0, 0}, {0}, TOL, GRAD},
    {"reduce/max_last", 1, {{2, {7, 13}, U}}, run_max, {-1, 0}, {0}, 0, 0, 1e-4, 1e-2},
    {"reduce/max_mid_keep", 1, {{3, {3, 13, 7}, U}}, run_max, {1, 1}, {0}, 0, 0, 1e-4, 1e-2},
    /* over the neighbours of grouped points [B, M, K, C]: whole vectors of C and a tail */
    {"reduce/max_neighbours", 1, {{4, {2, 5, 9, 37}, U}}, run_max, {2, 0}, {0}, 0, 0, 1e-4, 1e-2},
    {"reduce/sum_all", 1, {{3, {3, 7, 13}, U}}, run_sum_all, {0}, {0}, TOL, GRAD},
    {"reduce/mean_all_big", 1, {{2, {197, 257}, U}}, run_mean_all, {0}, {0}, TOL, GRAD},
    {"reduce/sum_to", 1, {{4, {2, 7, 5, 13}, U}}, run_sum_to, {0}, {0}, TOL, GRAD},
    {"reduce/sum_permuted_view", 1, {{3, {5, 7, 13}, U}}, run_sum_view, {0}, {0}, TOL, GRAD},
    {NULL},
};
