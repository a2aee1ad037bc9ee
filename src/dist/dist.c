/* SPDX-License-Identifier: MIT */
/* MPI behind geocl/dist.h; without MPI, one process. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <geocl/dist.h>
#include <geocl/op-api.h>
#include <geocl/ops.h>

#ifdef GEOCL_HAVE_MPI
#include <mpi.h>

static struct {
  bool started; /* by us: we finalize */
  int rank, size, local_rank;
} dist = {false, 0, 1, 0};

/* Launched by an MPI launcher? (Open MPI, MPICH/Hydra, Slurm's PMI.) */
static bool launched(void) {
  static const char *const vars[] = {"OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK", "MPI_LOCALNRANKS", NULL};
  for (int i = 0; vars[i]; i++)
    if (getenv(vars[i])) return true;
  return false;
}

static geocl_status mpi_fail(int err, const char *what) {
  char msg[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(err, msg, &len);
  return geocl_set_error(GEOCL_E_IO, "MPI %s: %.*s", what, len, msg);
}

bool geocl_dist_available(void) { return true; }

geocl_status geocl_dist_init(void) {
  int ready = 0;
  MPI_Initialized(&ready);
  if (ready || !launched()) return GEOCL_OK;
  int provided;
  int err = MPI_Init_thread(NULL, NULL, MPI_THREAD_FUNNELED, &provided);
  if (err != MPI_SUCCESS) return mpi_fail(err, "init");
  /* errors come back as codes: geocl reports them instead of MPI aborting */
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  dist.started = true;
  MPI_Comm_rank(MPI_COMM_WORLD, &dist.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &dist.size);
  MPI_Comm local;
  MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, dist.rank, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &dist.local_rank);
  MPI_Comm_free(&local);
  return GEOCL_OK;
}

void geocl_dist_finalize(void) {
  int done = 0;
  MPI_Finalized(&done);
  if (dist.started && !done) MPI_Finalize();
  dist.started = false;
}

int geocl_dist_rank(void) { return dist.rank; }
int geocl_dist_size(void) { return dist.size; }
int geocl_dist_local_rank(void) { return dist.local_rank; }

geocl_status geocl_dist_allreduce_host(double *v, int n, geocl_dist_op op) {
  if (dist.size == 1) return GEOCL_OK;
  int err = MPI_Allreduce(MPI_IN_PLACE, v, n, MPI_DOUBLE, op == GEOCL_DIST_MAX ? MPI_MAX : MPI_SUM, MPI_COMM_WORLD);
  return err == MPI_SUCCESS ? GEOCL_OK : mpi_fail(err, "allreduce");
}

geocl_status geocl_dist_barrier(void) {
  if (dist.size == 1) return GEOCL_OK;
  int err = MPI_Barrier(MPI_COMM_WORLD);
  return err == MPI_SUCCESS ? GEOCL_OK : mpi_fail(err, "barrier");
}

static geocl_status reduce_floats(float *h, size_t n) {
  int err = MPI_Allreduce(MPI_IN_PLACE, h, (int)n, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
  return err == MPI_SUCCESS ? GEOCL_OK : mpi_fail(err, "allreduce");
}
#else
bool geocl_dist_available(void) { return false; }
geocl_status geocl_dist_init(void) { return GEOCL_OK; }
void geocl_dist_finalize(void) {}
int geocl_dist_rank(void) { return 0; }
int geocl_dist_size(void) { return 1; }
int geocl_dist_local_rank(void) { return 0; }
geocl_status geocl_dist_allreduce_host(double *v, int n, geocl_dist_op op) {
  (void)v, (void)n, (void)op;
  return GEOCL_OK;
}
geocl_status geocl_dist_barrier(void) { return GEOCL_OK; }
static geocl_status reduce_floats(float *h, size_t n) {
  (void)h, (void)n;
  return GEOCL_OK;
}
#endif

geocl_status geocl_dist_allreduce(geocl_tensor *t, float scale, size_t chunk) {
  if (geocl_dist_size() == 1 && scale == 1.0f) return GEOCL_OK;
  if (geocl_tensor_dtype(t) != GEOCL_F32 || !geocl_is_contiguous(t))
    return geocl_set_error(GEOCL_E_INVALID, "allreduce: %s must be contiguous f32", geocl_tensor_name(t));
  size_t n = (size_t)geocl_numel(t);
  if (!chunk) chunk = (size_t)4 << 20;
  float *h = malloc(sizeof(float) * (n < chunk ? n : chunk) + 4);
  if (!h) return geocl_set_error(GEOCL_E_NOMEM, "allreduce: out of memory for %zu floats", n);
  geocl_status st = GEOCL_OK;
  for (size_t at = 0; st == GEOCL_OK && at < n; at += chunk) {
    size_t len = n - at < chunk ? n - at : chunk;
    geocl_tensor *part = geocl_narrow(t, 0, (int64_t)at, (int64_t)len);
    st = part ? geocl_to_host(part, h, len * sizeof(float)) : geocl_last_status();
    if (st == GEOCL_OK) st = reduce_floats(h, len);
    for (size_t i = 0; st == GEOCL_OK && scale != 1.0f && i < len; i++) h[i] *= scale;
    if (st == GEOCL_OK) st = geocl_copy_from_host(part, h, len * sizeof(float));
    geocl_tensor_free(part);
  }
  free(h);
  return st;
}

/* ---- the differentiable mean over ranks ---- */

static geocl_status dist_mean_backward(geocl_node *node, geocl_tensor *dout) {
  geocl_tensor *g = geocl_contiguous(dout);
  geocl_tensor *own = g == dout ? geocl_scale(dout, 1.0f) : g; /* a tensor of its own to reduce in place */
  geocl_status st = own ? geocl_dist_allreduce(own, 1.0f / (float)geocl_dist_size(), 0) : geocl_last_status();
  return st == GEOCL_OK ? geocl_accumulate_grad(node->in[0], own) : st;
}

geocl_tensor *geocl_dist_mean(geocl_tensor *x) {
  if (!x) return NULL;
  if (geocl_dist_size() == 1) return x;
  geocl_tensor *y = geocl_scale(geocl_contiguous(geocl_detach(x)), 1.0f); /* a copy to reduce in place */
  if (!y) return NULL;
  if (geocl_dist_allreduce(y, 1.0f / (float)geocl_dist_size(), 0) != GEOCL_OK) return NULL;
  geocl_record(y, "dist_mean", dist_mean_backward, 1, &x);
  return y;
}
