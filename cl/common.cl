/* Put in front of every program by the OpenCL backend. */

/* An index space of up to 6 dimensions addressed through up to three stride
 * sets (backends/opencl/strided.c builds it, merging collapsible dimensions). */
typedef struct {
  long ndim;
  long n;
  long shape[6];
  long s0[6];
  long s1[6];
  long s2[6];
} strided_desc;

/* Offsets of linear index i of the index space under each stride set. */
inline void strided_offsets(const strided_desc *d, long i, long *o0, long *o1, long *o2) {
  long a = 0, b = 0, c = 0;
  for (int k = (int)d->ndim - 1; k >= 0; k--) {
    long q = i / d->shape[k];
    long r = i - q * d->shape[k];
    i = q;
    a += r * d->s0[k];
    b += r * d->s1[k];
    c += r * d->s2[k];
  }
  *o0 = a;
  *o1 = b;
  *o2 = c;
}

/* Work-group reductions for row kernels launched with ROW_WG work-items (a
 * power of two the backend derives from the device; -DROW_WG).  Every
 * work-item of the group must call them (they contain barriers); buf holds
 * ROW_WG floats.  Each returns the group's result to every work-item. */
inline float wg_reduce_max(__local float *buf, float v) {
  int l = get_local_id(0);
  buf[l] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = ROW_WG / 2; s > 0; s >>= 1) {
    if (l < s) buf[l] = fmax(buf[l], buf[l + s]);
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float r = buf[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}

inline float wg_reduce_sum(__local float *buf, float v) {
  int l = get_local_id(0);
  buf[l] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int s = ROW_WG / 2; s > 0; s >>= 1) {
    if (l < s) buf[l] += buf[l + s];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  float r = buf[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}
