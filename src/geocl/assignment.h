/* SPDX-License-Identifier: MIT */
/* Linear assignment on the host: the exact minimum-cost perfect matching of
 * a square cost matrix (what scipy.optimize.linear_sum_assignment returns
 * for it, up to the choice among equally cheap matchings).  SimIPU pairs the
 * keypoints of its two views this way, on their 1024×1024 Euclidean distance
 * matrix (zhyever/SimIPU, project_cl/decorator/inter_intro_decorator_moco_better.py). */
#ifndef GEOCL_ASSIGNMENT_H
#define GEOCL_ASSIGNMENT_H

#include <stdint.h>

#include <geocl/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* cost: n×n, row-major, finite.  Writes col_of_row[i] = the column matched to
 * row i (a permutation of 0 … n−1) and, when total is not NULL, Σ_i
 * cost[i, col_of_row[i]] (added in double).  Shortest augmenting paths with
 * row and column potentials (Jonker–Volgenant's scheme), in double:
 * O(n³) at worst; thread-safe (no shared state), so samples can be matched
 * on several threads at once.  E_INVALID names a non-finite entry. */
geocl_status geocl_linear_assignment(const float *cost, int64_t n, int32_t *col_of_row, double *total);

#ifdef __cplusplus
}
#endif
#endif
