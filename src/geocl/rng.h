/* SPDX-License-Identifier: MIT */
/* Counter-based random numbers (Philox-4x32-10).
 *
 * A stream is (seed, counter).  Element i of a draw started at counter c is a
 * pure function of (seed, c + i/4, i%4), so the host and every backend produce
 * bit-identical uniforms, and a stream can be saved and resumed exactly. */
#ifndef GEOCL_RNG_H
#define GEOCL_RNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct geocl_rng {
  uint64_t seed;
  uint64_t counter; /* in 128-bit Philox blocks (4 draws each) */
} geocl_rng;

void geocl_rng_init(geocl_rng *rng, uint64_t seed);

/* Philox-4x32-10 on a full 128-bit counter and 64-bit key (Random123's philox4x32_10). */
void geocl_philox4x32_raw(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]);
/* One Philox-4x32-10 block: four 32-bit words for (seed, block). */
void geocl_philox4x32(uint64_t seed, uint64_t block, uint32_t out[4]);

/* Uniform float in [0, 1) from a 32-bit word: (x >> 8) * 2^-24, exact. */
static inline float geocl_u32_to_unit(uint32_t x) { return (float)(x >> 8) * (1.0f / 16777216.0f); }

/* Draws advance rng->counter by ceil(n / 4) blocks. */
void geocl_rng_u32(geocl_rng *rng, uint32_t *out, size_t n);
void geocl_rng_uniform(geocl_rng *rng, float *out, size_t n);          /* [0, 1) */
void geocl_rng_normal(geocl_rng *rng, float *out, size_t n, float mean, float std); /* Box-Muller */
/* Integer in [0, bound) (bound > 0), unbiased. */
uint32_t geocl_rng_below(geocl_rng *rng, uint32_t bound);
/* Uniform random permutation of 0..n-1 (Fisher-Yates). */
void geocl_rng_permutation(geocl_rng *rng, int32_t *perm, size_t n);

#ifdef __cplusplus
}
#endif
#endif
