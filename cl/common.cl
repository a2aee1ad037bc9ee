/* SPDX-License-Identifier: MIT */
/* Put in front of every program by the OpenCL backend. */

/* Descriptor structs are kernel arguments passed by value, declared with
 * DESC_ARG(type, d) and opened with DESC_OPEN(type, d) at the kernel's start,
 * then read as d.  Mesa 22.3's compiler (rusticl on llvmpipe) crashes on a
 * kernel that indexes an array member of a by-value struct argument at run
 * time (docs/opencl-drivers.md): there the backend builds with
 * -DGEOCL_DESC_COPY and the kernels read a private copy, which elsewhere
 * costs strided kernels 15-30% on PoCL. */
#ifdef GEOCL_DESC_COPY
#define DESC_ARG(type, name) type name##_arg
#define DESC_OPEN(type, name) const type name = name##_arg
#else
#define DESC_ARG(type, name) type name
#define DESC_OPEN(type, name) (void)0
#endif

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

/* A run of up to VWIDTH elements of the index space's last dimension: the
 * one of work-item (g0, g1) of a 2-D NDRange starts at element VWIDTH·g0 of
 * the last dimension within index g1 of the other dimensions taken as one (so
 * that one decoding of g1, with its divisions, serves the run).  Sets the first
 * element's offsets under each stride set and returns the run's length (0
 * past the end). */
inline int strided_run(const strided_desc *d, long *o0, long *o1, long *o2) {
  long last = d->ndim - 1, j = get_global_id(0) * VWIDTH, i = get_global_id(1);
  if (j >= d->shape[last] || i >= d->n / d->shape[last]) return 0;
  long a = j * d->s0[last], b = j * d->s1[last], c = j * d->s2[last];
  for (long k = last - 1; k >= 0; k--) {
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
  return (int)min((long)VWIDTH, d->shape[last] - j);
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

/* Vectors of VWIDTH 4-byte elements, VWIDTH the device's preferred float
 * vector width (-DVWIDTH: 1, 2, 4, 8 or 16).  Elementwise kernels run one
 * work-item per vector: CPU devices then get SIMD code even for builtins
 * their compilers do not vectorise across work-items (erf on PoCL); with
 * VWIDTH = 1 the kernels are the plain scalar ones. */
#if VWIDTH == 1
typedef float vfloat;
typedef uint vuint;
typedef int vint;
#define vload_v(i, p) ((p)[i])
#define vstore_v(x, i, p) ((p)[i] = (x))
#define as_vfloat(x) as_float(x)
#define as_vuint(x) as_uint(x)
#define as_vint(x) as_int(x)
#else
#define PASTE_(a, b) a##b
#define PASTE(a, b) PASTE_(a, b)
typedef PASTE(float, VWIDTH) vfloat;
typedef PASTE(uint, VWIDTH) vuint;
typedef PASTE(int, VWIDTH) vint;
#define vload_v(i, p) PASTE(vload, VWIDTH)(i, p)
#define vstore_v(x, i, p) PASTE(vstore, VWIDTH)(x, i, p)
#define as_vfloat(x) PASTE(as_float, VWIDTH)(x)
#define as_vuint(x) PASTE(as_uint, VWIDTH)(x)
#define as_vint(x) PASTE(as_int, VWIDTH)(x)
#endif

/* Vector i of p[0, n): whole, or at the tail with the lanes past n zero.
 * Tail lanes go through the same vector code as the others, so an element's
 * result does not depend on where it lies. */
inline vuint load_v(__global const uint *p, long i, long n) {
  if ((i + 1) * VWIDTH <= n) return vload_v(i, p);
  uint t[VWIDTH];
  for (int j = 0; j < VWIDTH; j++) t[j] = i * VWIDTH + j < n ? p[i * VWIDTH + j] : 0u;
  return vload_v(0, t);
}

inline void store_v(vuint x, __global uint *p, long i, long n) {
  if ((i + 1) * VWIDTH <= n) {
    vstore_v(x, i, p);
  } else {
    uint t[VWIDTH];
    vstore_v(x, 0, t);
    for (int j = 0; j < VWIDTH && i * VWIDTH + j < n; j++) p[i * VWIDTH + j] = t[j];
  }
}

inline vfloat load_fv(__global const float *p, long i, long n) {
  return as_vfloat(load_v((__global const uint *)p, i, n));
}

inline void store_fv(vfloat x, __global float *p, long i, long n) { store_v(as_vuint(x), (__global uint *)p, i, n); }

inline float sum_lanes(vfloat x) {
  float t[VWIDTH], s = 0.0f;
  vstore_v(x, 0, t);
  for (int j = 0; j < VWIDTH; j++) s += t[j];
  return s;
}

/* 1 in the lanes of vector i of [0, n), 0 past n */
inline vfloat tail_mask(long i, long n) {
  if ((i + 1) * VWIDTH <= n) return 1.0f;
  float t[VWIDTH];
  for (int j = 0; j < VWIDTH; j++) t[j] = i * VWIDTH + j < n ? 1.0f : 0.0f;
  return vload_v(0, t);
}

/* Kahan-compensated s += v (the sum is s − c) */
inline void kahan_add_v(vfloat *s, vfloat *c, vfloat v) {
  vfloat t = v - *c, u = *s + t;
  *c = (u - *s) - t;
  *s = u;
}

/* Column kernels: a work-group of ROW_WG work-items per vector of columns,
 * each work-item summing rows l, l + ROW_WG, …; this adds their sums in a
 * fixed tree (no atomics: the same result on every run) and returns the
 * total to every work-item, which must all call it.  buf holds ROW_WG
 * vectors. */
inline vfloat wg_reduce_sum_v(__local vfloat *buf, vfloat v) {
  int l = get_local_id(0);
  buf[l] = v;
  barrier(CLK_LOCAL_MEM_FENCE);
  for (int w = ROW_WG / 2; w > 0; w >>= 1) {
    if (l < w) buf[l] += buf[l + w];
    barrier(CLK_LOCAL_MEM_FENCE);
  }
  vfloat r = buf[0];
  barrier(CLK_LOCAL_MEM_FENCE);
  return r;
}
