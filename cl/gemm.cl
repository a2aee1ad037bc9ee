/* SPDX-License-Identifier: MIT */
/* SGEMM: C = alpha·op(A)·op(B) + beta·C, row-major, batched.
 *
 * gemm_pack_a / gemm_pack_b copy op(A) (m×k) and op(B) (k×n) of each batch
 * item into a scratch buffer, zero-padded to whole micro-tiles, in panels:
 * element (i, p) of op(A) lands at (i / ph)·k·ph + p·ph + i % ph, element
 * (p, j) of op(B) at (j / pw)·k·pw + p·pw + j % pw.  A panel one micro-tile
 * wide (ph = TM, pw = TN) is read as one sequential stream, as CPUs want;
 * one panel of all the padded rows (ph = padded m, pw = padded n) has
 * neighbouring work-items read neighbouring addresses, as GPUs want.
 * Packing makes every transpose and leading dimension look alike to the tile
 * kernel and keeps power-of-two leading dimensions from thrashing cache sets.
 * A transposed B (a weight as nn.Linear stores it) is read VW steps of k at
 * a time from VW of its rows and transposed in registers, so that both the
 * loads and the stores are whole vectors.  A that is not transposed may
 * also be read where it is.
 *
 * gemm_tile: each work-item computes a TM × (NV·VW) micro-tile of C in
 * registers (NV vectors of VW floats per row), broadcasting one element of
 * op(A) against NV vectors of op(B) per step of k, then writes
 * alpha·acc + bias + beta·C (a bias added to every row where has_bias;
 * beta = 0 overwrites C, NaNs included).
 *
 * Compile-time parameters (-D, chosen by backends/opencl/gemm_kernel.c from
 * the device or the tuning cache): TM, VW (1, 2, 4, 8, 16), NV, KU (steps
 * of k per unrolled iteration), PACK_P (steps of k per packing work-item). */

#define TN (VW * NV)

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
#if VW == 1
typedef float floatv;
#define VLOAD(p) (*(p))
#define VSTORE(v, p) (*(p) = (v))
#else
typedef CAT(float, VW) floatv;
#define VLOAD(p) CAT(vload, VW)(0, p)
#define VSTORE(v, p) CAT(vstore, VW)(v, 0, p)
#endif

/* One work-item per (TM rows, PACK_P steps of p, batch item); mp = m rounded
 * up to ph.  Rows past m are zeros. */
__kernel void gemm_pack_a(int trans, long m, long k, long mp, __global const float *a, ulong aoff, long lda,
                          long stride, __global float *ap, ulong apoff, long ph, long ap_stride) {
  long i0 = get_global_id(0) * TM, p0 = get_global_id(1) * PACK_P, b = get_global_id(2);
  if (i0 < mp && p0 < k) {
    const __global float *src = a + aoff + b * stride;
    long panel = i0 / ph, pend = min(p0 + PACK_P, k);
    __global float *dst = ap + apoff + b * ap_stride + panel * k * ph + (i0 - panel * ph);
    if (i0 + TM <= m) {
      if (trans)
        for (long p = p0; p < pend; p++)
          for (int r = 0; r < TM; r++) dst[p * ph + r] = src[p * lda + i0 + r];
      else
        for (int r = 0; r < TM; r++)
          for (long p = p0; p < pend; p++) dst[p * ph + r] = src[(i0 + r) * lda + p];
    } else {
      for (long p = p0; p < pend; p++)
        for (int r = 0; r < TM; r++) {
          long i = i0 + r;
          dst[p * ph + r] = i < m ? src[trans ? p * lda + i : i * lda + p] : 0.0f;
        }
    }
  }
}

/* One work-item per (TN columns, PACK_P steps of p, batch item); np = n
 * rounded up to pw.  Columns past n are zeros. */
__kernel void gemm_pack_b(int trans, long n, long k, long np, __global const float *b, ulong boff, long ldb,
                          long stride, __global float *bp, ulong bpoff, long pw, long bp_stride) {
  long j0 = get_global_id(0) * TN, p0 = get_global_id(1) * PACK_P, q = get_global_id(2);
  if (j0 < np && p0 < k) {
    const __global float *src = b + boff + q * stride;
    long panel = j0 / pw, pend = min(p0 + PACK_P, k);
    __global float *dst = bp + bpoff + q * bp_stride + panel * k * pw + (j0 - panel * pw);
    if (j0 + TN <= n) {
#if VW > 1 && PACK_P % VW == 0
      if (trans && pend - p0 == PACK_P) /* VW × VW blocks: vector loads along k, transposed, vector stores */
        for (int v = 0; v < NV; v++)
          for (int pb = 0; pb < PACK_P; pb += VW) {
            float blk[VW][VW], t[VW];
            for (int e = 0; e < VW; e++) VSTORE(VLOAD(src + (j0 + v * VW + e) * ldb + p0 + pb), blk[e]);
            for (int p = 0; p < VW; p++) {
              for (int e = 0; e < VW; e++) t[e] = blk[e][p];
              VSTORE(VLOAD(t), dst + (p0 + pb + p) * pw + v * VW);
            }
          }
      else
#endif
      if (trans) /* the last steps of k: a vector of columns gathered at a time */
        for (long p = p0; p < pend; p++)
          for (int v = 0; v < NV; v++) {
            float t[VW];
            for (int e = 0; e < VW; e++) t[e] = src[(j0 + v * VW + e) * ldb + p];
            VSTORE(VLOAD(t), dst + p * pw + v * VW);
          }
      else
        for (long p = p0; p < pend; p++)
          for (int v = 0; v < NV; v++) VSTORE(VLOAD(src + p * ldb + j0 + v * VW), dst + p * pw + v * VW);
    } else {
      for (long p = p0; p < pend; p++)
        for (int e = 0; e < TN; e++) {
          long j = j0 + e;
          dst[p * pw + e] = j < n ? src[trans ? j * ldb + p : p * ldb + j] : 0.0f;
        }
    }
  }
}

/* One step of k: acc[r][v] += op(A)[row r, p] · op(B)[p, vector v]. */
#define K_STEP()                                                            \
  {                                                                         \
    floatv bv[NV];                                                          \
    _Pragma("unroll") for (int v = 0; v < NV; v++) bv[v] = VLOAD(pb + v * VW); \
    _Pragma("unroll") for (int r = 0; r < TM; r++) {                        \
      floatv av = (floatv)(pa[r * a_rs]);                                   \
      _Pragma("unroll") for (int v = 0; v < NV; v++) acc[r][v] = av * bv[v] + acc[r][v]; \
    }                                                                       \
    pa += a_ps;                                                             \
    pb += pw;                                                               \
  }

/* One work-item per micro-tile: dimension 0 runs over row tiles, so the
 * work-items a CPU thread takes in turn share one panel of B.
 * Element (i, p) of op(A) is read at
 *   a[aoff + b·a_stride + (i / a_ph)·a_pstride + (i % a_ph)·a_rs + p·a_ps]
 * which describes both the packed panels (a_ph = ph, a_pstride = k·ph,
 * a_rs = 1, a_ps = ph) and A itself (a_ph ≥ m, a_rs = lda, a_ps = 1).
 * Reads stay within a_rows ≥ TM rows: the last tile reads the rows
 * a_rows − TM … a_rows − 1 and writes only its own. */
__kernel void gemm_tile(long m, long n, long k, float alpha, float beta, __global const float *a, ulong aoff,
                        long a_stride, long a_rows, long a_ph, long a_pstride, long a_rs, long a_ps,
                        __global const float *bp, ulong bpoff, long pw, long bp_stride, __global const float *bias,
                        ulong bias_off, int has_bias, __global float *c, ulong coff, long ldc, long stride_c) {
  long i0 = get_global_id(0) * TM, j0 = get_global_id(1) * TN, b = get_global_id(2);
  if (i0 < m && j0 < n) {
    long ir = min(i0, a_rows - TM), ia = ir / a_ph;
    const __global float *pa = a + aoff + b * a_stride + ia * a_pstride + (ir - ia * a_ph) * a_rs;
    const __global float *pb = bp + bpoff + b * bp_stride + (j0 / pw) * k * pw + j0 % pw;
    floatv acc[TM][NV];
#pragma unroll
    for (int r = 0; r < TM; r++)
#pragma unroll
      for (int v = 0; v < NV; v++) acc[r][v] = 0.0f;
    long p = 0;
    for (; p + KU <= k; p += KU)
#pragma unroll
      for (int u = 0; u < KU; u++) K_STEP();
    for (; p < k; p++) K_STEP();
    __global float *cb = c + coff + b * stride_c;
    const __global float *bj = bias + bias_off + j0;
#pragma unroll
    for (int r = 0; r < TM; r++) {
      long i = ir + r;
      if (i < i0 || i >= m) continue;
      __global float *cr = cb + i * ldc + j0;
#pragma unroll
      for (int v = 0; v < NV; v++) {
        floatv x = alpha * acc[r][v];
        if (j0 + (v + 1) * VW <= n) {
          if (has_bias) x += VLOAD(bj + v * VW);
          if (beta != 0.0f) x += beta * VLOAD(cr + v * VW);
          VSTORE(x, cr + v * VW);
        } else {
          float t[VW];
          VSTORE(x, t);
          for (int e = 0; e < VW && j0 + v * VW + e < n; e++) {
            float y = has_bias ? t[e] + bj[v * VW + e] : t[e];
            cr[v * VW + e] = beta != 0.0f ? y + beta * cr[v * VW + e] : y;
          }
        }
      }
    }
  }
}
