/* SPDX-License-Identifier: MIT */
/* Exact linear assignment by shortest augmenting paths (R. Jonker and
 * A. Volgenant, "A shortest augmenting path algorithm for dense and sparse
 * linear assignment problems", Computing 38, 1987; D. F. Crouse, "On
 * implementing 2D rectangular assignment algorithms", IEEE TAES 52, 2016).
 *
 * Row potentials u and column potentials v keep every reduced cost
 * c[i][j] − u[i] − v[j] ≥ 0 and every matched pair's at 0, so the matching is
 * optimal once perfect.  Start: u = 0, v[j] = the column minimum, each
 * column taking its cheapest row while that row is free (JV's column
 * reduction; their augmenting row reduction is left out: on near-duplicate
 * columns, as two samplings of one cloud give, it bids prices down in tiny
 * steps for a long time).  Then each row still free grows a
 * shortest-path tree over the reduced costs (Dijkstra on the dense matrix)
 * until it reaches a free column, shifts the potentials by the path lengths
 * and flips the matching along the path. */
#include <math.h>
#include <stdlib.h>

#include <geocl/assignment.h>

#include "ops_internal.h"

typedef struct lap {
  int64_t n;
  const float *cost;
  double *u, *v, *dist;        /* potentials; shortest reduced path length to each column */
  int32_t *col_of_row, *row_of_col;
  int32_t *pred;               /* the row before each column on its shortest path */
  int32_t *cols;               /* columns: [0, left) not yet reached, [left, n) reached in order */
} lap;

/* Column minima as v, each column matched to its cheapest row if still free. */
static void reduce_columns(lap *a) {
  int64_t n = a->n;
  for (int64_t j = 0; j < n; j++) {
    int64_t best = 0;
    for (int64_t i = 1; i < n; i++)
      if (a->cost[i * n + j] < a->cost[best * n + j]) best = i;
    a->v[j] = a->cost[best * n + j];
    if (a->col_of_row[best] < 0) {
      a->col_of_row[best] = (int32_t)j;
      a->row_of_col[j] = (int32_t)best;
    }
  }
}

/* Match the free row `start`: grow shortest paths until a free column is
 * reached, update the potentials, flip the matching along the path. */
static void augment(lap *a, int64_t start) {
  int64_t n = a->n, left = n, sink = -1, i = start;
  for (int64_t j = 0; j < n; j++) {
    a->dist[j] = INFINITY;
    a->cols[j] = (int32_t)j;
  }
  double reached = 0; /* length of the path to the last column reached */
  while (sink < 0) {
    const float *c = a->cost + i * n;
    double base = reached - a->u[i], best = INFINITY;
    int64_t best_at = 0;
    for (int64_t p = 0; p < left; p++) {
      int32_t j = a->cols[p];
      double d = base + (double)c[j] - a->v[j];
      if (d < a->dist[j]) {
        a->dist[j] = d;
        a->pred[j] = (int32_t)i;
      }
      /* the nearest column; a free one on ties ends the search sooner */
      if (a->dist[j] < best || (a->dist[j] == best && a->row_of_col[j] < 0)) {
        best = a->dist[j];
        best_at = p;
      }
    }
    reached = best;
    int32_t j = a->cols[best_at];
    a->cols[best_at] = a->cols[--left];
    a->cols[left] = j;
    if (a->row_of_col[j] < 0)
      sink = j;
    else
      i = a->row_of_col[j];
  }
  a->u[start] += reached;
  for (int64_t p = left; p < n; p++) {
    int32_t j = a->cols[p];
    if (j != sink) a->u[a->row_of_col[j]] += reached - a->dist[j];
    a->v[j] -= reached - a->dist[j];
  }
  for (int64_t j = sink;;) {
    int32_t r = a->pred[j], next = a->col_of_row[r];
    a->row_of_col[j] = r;
    a->col_of_row[r] = (int32_t)j;
    if (r == start) break;
    j = next;
  }
}

geocl_status geocl_linear_assignment(const float *cost, int64_t n, int32_t *col_of_row, double *total) {
  if (n < 0 || n > INT32_MAX || (n > 0 && (!cost || !col_of_row)))
    return geocl_set_error(GEOCL_E_INVALID, "linear_assignment: a %lld×%lld cost matrix%s", (long long)n,
                           (long long)n, n < 0 || n > INT32_MAX ? " is out of range" : " needs cost and output arrays");
  for (int64_t k = 0; k < n * n; k++)
    if (!isfinite(cost[k]))
      return geocl_set_error(GEOCL_E_INVALID, "linear_assignment: cost[%lld, %lld] = %g is not finite",
                             (long long)(k / n), (long long)(k % n), (double)cost[k]);
  lap a = {.n = n, .cost = cost, .col_of_row = col_of_row};
  size_t m = n > 0 ? (size_t)n : 1;
  a.u = calloc(m, sizeof *a.u);
  a.v = calloc(m, sizeof *a.v);
  a.dist = malloc(m * sizeof *a.dist);
  a.row_of_col = malloc(m * sizeof *a.row_of_col);
  a.pred = malloc(m * sizeof *a.pred);
  a.cols = malloc(m * sizeof *a.cols);
  geocl_status st = GEOCL_OK;
  if (!a.u || !a.v || !a.dist || !a.row_of_col || !a.pred || !a.cols) {
    st = geocl_set_error(GEOCL_E_NOMEM, "linear_assignment: out of memory for a %lld×%lld matrix", (long long)n,
                         (long long)n);
  } else {
    for (int64_t k = 0; k < n; k++) a.col_of_row[k] = a.row_of_col[k] = -1;
    reduce_columns(&a);
    for (int64_t i = 0; i < n; i++)
      if (a.col_of_row[i] < 0) augment(&a, i);
    if (total) {
      double s = 0;
      for (int64_t i = 0; i < n; i++) s += cost[i * n + col_of_row[i]];
      *total = s;
    }
  }
  free(a.u);
  free(a.v);
  free(a.dist);
  free(a.row_of_col);
  free(a.pred);
  free(a.cols);
  return st;
}
