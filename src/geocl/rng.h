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

/* Keyed random streams, for data pipelines and generators.
 *
 * A stream is named by (seed, stream, a, b) and its draws are Philox-4x32-10
 * blocks with key = seed and counter = (block, a, stream << 24 ^ a >> 32, b):
 * draw i of a stream is a pure function of those numbers and i, independent
 * of any other stream, thread or call order.  The loader names a sample's
 * augmentation stream by (epoch, position in the epoch), the generator a
 * scene by (sequence) and a frame's pair choice by (sequence, frame), which
 * is what makes both deterministic and exactly resumable.  a < 2^56. */
/* Stream names (8 bits): geocl's own; plugins and out-of-tree pipelines use
 * GEOCL_STREAM_USER and above. */
enum {
  GEOCL_STREAM_SHUFFLE = 1,         /* loader: epoch permutation, a = 0, b = epoch */
  GEOCL_STREAM_AUGMENT = 2,         /* loader: one sample's crops and jitter, a = position, b = epoch */
  GEOCL_STREAM_SCENE = 3,           /* generator: a scene's layout and trajectory, a = sequence or sample */
  GEOCL_STREAM_PAIR_CHOICE = 4,     /* generator: partner frames of a frame, a = sequence or sample, b = frame */
  GEOCL_STREAM_POINT_SUBSAMPLE = 5, /* point clouds: a = position, b = epoch */
  GEOCL_STREAM_POINT_AUGMENT = 6,   /* point clouds: a = position, b = epoch */
  GEOCL_STREAM_MASK = 7,            /* a task's per-sample draws (CroCo's mask): a = position, b = epoch */
  GEOCL_STREAM_POINT_SHUFFLE = 8,   /* point clouds: the views' orders, a = position, b = epoch */
  GEOCL_STREAM_USER = 64
};

typedef struct geocl_keyed_rng {
  uint32_t key[2], ctr[4];
  uint32_t words[4];
  int left; /* unused words in words[] */
} geocl_keyed_rng;

static inline void geocl_keyed_init(geocl_keyed_rng *r, uint64_t seed, uint32_t stream, uint64_t a, uint32_t b) {
  r->key[0] = (uint32_t)seed;
  r->key[1] = (uint32_t)(seed >> 32);
  r->ctr[0] = 0;
  r->ctr[1] = (uint32_t)a;
  r->ctr[2] = (uint32_t)(a >> 32) ^ (stream << 24);
  r->ctr[3] = b;
  r->left = 0;
}

static inline uint32_t geocl_keyed_u32(geocl_keyed_rng *r) {
  if (r->left == 0) {
    geocl_philox4x32_raw(r->ctr, r->key, r->words);
    r->ctr[0]++;
    r->left = 4;
  }
  return r->words[4 - r->left--];
}

/* Uniform in [0, 1). */
static inline float geocl_keyed_unit(geocl_keyed_rng *r) { return geocl_u32_to_unit(geocl_keyed_u32(r)); }

/* Uniform in [lo, hi). */
static inline float geocl_keyed_range(geocl_keyed_rng *r, float lo, float hi) { return lo + (hi - lo) * geocl_keyed_unit(r); }

/* Uniform random permutation of 0..n-1 (Fisher-Yates from the top, one
 * geocl_keyed_below per swap). */
void geocl_keyed_permutation(geocl_keyed_rng *r, int32_t *perm, size_t n);

/* Integer in [0, bound), bound > 0, unbiased (Lemire's multiply-and-reject). */
static inline uint32_t geocl_keyed_below(geocl_keyed_rng *r, uint32_t bound) {
  uint64_t m = (uint64_t)geocl_keyed_u32(r) * bound;
  if ((uint32_t)m < bound) {
    uint32_t threshold = (uint32_t)(-bound) % bound;
    while ((uint32_t)m < threshold) m = (uint64_t)geocl_keyed_u32(r) * bound;
  }
  return (uint32_t)(m >> 32);
}

#ifdef __cplusplus
}
#endif
#endif
