/* SPDX-License-Identifier: MIT */
/* Data-parallel training over MPI: one process per device, the same program
 * on one machine or a cluster (mpirun -np N geocl pretrain ...).
 *
 * Built with ./configure --with-mpi.  Without MPI, or when a program was not
 * started by mpirun, there is one process: rank 0 of 1, and every call here
 * is a cheap no-op.  The trainer (geocl/train.h) uses it by itself: each rank
 * takes its shard of every global batch, the ranks sum their gradients
 * before each optimizer step, and rank 0 alone writes files.
 * docs/distributed.md has the launch commands and the measured costs. */
#ifndef GEOCL_DIST_H
#define GEOCL_DIST_H

#include <stdbool.h>
#include <stddef.h>

#include <geocl/status.h>
#include <geocl/tensor.h>

#ifdef __cplusplus
extern "C" {
#endif

/* True when geocl was built with MPI. */
bool geocl_dist_available(void);
/* Start MPI when the process was launched by an MPI launcher (safe to call
 * more than once; a no-op otherwise).  Call it before any other geocl call
 * that may use another thread. */
geocl_status geocl_dist_init(void);
/* End MPI (after the last collective call). */
void geocl_dist_finalize(void);

int geocl_dist_rank(void);       /* 0 ... size − 1 */
int geocl_dist_size(void);       /* processes in the job */
int geocl_dist_local_rank(void); /* rank among the processes on this machine */

typedef enum geocl_dist_op { GEOCL_DIST_SUM, GEOCL_DIST_MAX } geocl_dist_op;

/* Reduce n host doubles over every rank, in place (every rank gets the
 * result): small control data such as losses and failure flags. */
geocl_status geocl_dist_allreduce_host(double *v, int n, geocl_dist_op op);
/* Sum a contiguous f32 tensor over every rank, in place, then multiply by
 * scale (1/size averages).  The data goes through host memory in chunks of
 * at most chunk_elems elements (0: a default of 4 Mi). */
geocl_status geocl_dist_allreduce(geocl_tensor *t, float scale, size_t chunk_elems);
/* Every rank waits for every other. */
geocl_status geocl_dist_barrier(void);

/* A differentiable op: the mean of x over the ranks (every rank gets it);
 * its backward is the mean of the ranks' gradients, as a synchronised batch
 * norm needs for its statistics.  Every rank must call it with the same
 * shape at the same point.  x itself with one process. */
geocl_tensor *geocl_dist_mean(geocl_tensor *x);

#ifdef __cplusplus
}
#endif
#endif
