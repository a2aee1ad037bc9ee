/* SPDX-License-Identifier: MIT */
/* Keyed random streams for the data pipeline.
 *
 * A stream is named by (seed, stream, a, b) and its draws are Philox-4x32-10
 * blocks with key = seed and counter = (block, a, stream << 56 | a >> 32, b):
 * draw i of a stream is a pure function of those numbers and i, independent
 * of any other stream, thread or call order.  The loader names a sample's
 * augmentation stream by (epoch, position in the epoch), the generator a
 * scene by (sequence) and a frame's pair choice by (sequence, frame), which
 * is what makes both deterministic and exactly resumable.  a < 2^56. */
#ifndef GEOCL_KEYED_RNG_H
#define GEOCL_KEYED_RNG_H

#include <stdint.h>

#include <geocl/rng.h>

/* Stream names (8 bits). */
enum {
  KEYED_SHUFFLE = 1,         /* loader: epoch permutation, a = 0, b = epoch */
  KEYED_AUGMENT = 2,         /* loader: one sample's crops and jitter, a = position, b = epoch */
  KEYED_SCENE = 3,           /* generator: a scene's layout and trajectory, a = sequence or sample */
  KEYED_PAIR_CHOICE = 4,     /* generator: partner frames of a frame, a = sequence or sample, b = frame */
  KEYED_POINT_SUBSAMPLE = 5, /* point clouds: a = position, b = epoch */
  KEYED_POINT_AUGMENT = 6    /* point clouds: a = position, b = epoch */
};

typedef struct keyed_rng {
  uint32_t key[2], ctr[4];
  uint32_t words[4];
  int left; /* unused words in words[] */
} keyed_rng;

static inline void keyed_rng_init(keyed_rng *r, uint64_t seed, uint32_t stream, uint64_t a, uint32_t b) {
  r->key[0] = (uint32_t)seed;
  r->key[1] = (uint32_t)(seed >> 32);
  r->ctr[0] = 0;
  r->ctr[1] = (uint32_t)a;
  r->ctr[2] = (uint32_t)(a >> 32) ^ (stream << 24);
  r->ctr[3] = b;
  r->left = 0;
}

static inline uint32_t keyed_u32(keyed_rng *r) {
  if (r->left == 0) {
    geocl_philox4x32_raw(r->ctr, r->key, r->words);
    r->ctr[0]++;
    r->left = 4;
  }
  return r->words[4 - r->left--];
}

/* Uniform in [0, 1). */
static inline float keyed_unit(keyed_rng *r) { return geocl_u32_to_unit(keyed_u32(r)); }

/* Uniform in [lo, hi). */
static inline float keyed_range(keyed_rng *r, float lo, float hi) { return lo + (hi - lo) * keyed_unit(r); }

/* Integer in [0, bound), bound > 0, unbiased (Lemire's multiply-and-reject). */
static inline uint32_t keyed_below(keyed_rng *r, uint32_t bound) {
  uint64_t m = (uint64_t)keyed_u32(r) * bound;
  if ((uint32_t)m < bound) {
    uint32_t threshold = (uint32_t)(-bound) % bound;
    while ((uint32_t)m < threshold) m = (uint64_t)keyed_u32(r) * bound;
  }
  return (uint32_t)(m >> 32);
}

#endif
