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
