/* SPDX-License-Identifier: MIT */
/* Preparing irfft2's input for clFFT (backends/opencl/fft.c).
 *
 * irfft2 is defined as x = (1/hw)·Re Σ_u Σ_v c_v·X[u,v]·e^{+iθ}, which drops
 * the imaginary part of Y[m,v] = Σ_u X[u,v]·e^{2πi·um/h} for the
 * self-conjugate columns v = 0 and v = w/2 (w even).  clFFT 2.12 agrees at
 * v = 0 but not at v = w/2, where a non-Hermitian column gives other values
 * (4×4: X[0,2] = i yields ±1 instead of 0).  Replacing both columns by their
 * Hermitian part (X[u,v] + conj X[−u mod h, v])/2 leaves Re Y unchanged and
 * makes Y real there, so any correct transform returns the definition. */

/* spec [batch, h, w/2+1] complex (interleaved) at element offset soff →
 * out (same layout, offset 0) with columns 0 and w/2 made Hermitian */
__kernel void hermitian_edges(long n, long h, long w, __global const float *spec, ulong soff, __global float *out) {
  long i = get_global_id(0);
  if (i >= n) return;
  long wc = w / 2 + 1;
  long v = i % wc, row = i / wc, u = row % h, img = row / h;
  __global const float *z = spec + soff + 2 * i;
  float re = z[0], im = z[1];
  if (v == 0 || 2 * v == w) {
    __global const float *c = spec + soff + 2 * ((img * h + (h - u) % h) * wc + v);
    re = 0.5f * (re + c[0]);
    im = 0.5f * (im - c[1]);
  }
  out[2 * i] = re;
  out[2 * i + 1] = im;
}
