/* SPDX-License-Identifier: MIT */
/* Philox-4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3").
 * cl/rand.cl implements the same function for devices. */
#include <math.h>

#include <geocl/rng.h>

#define PHILOX_M0 0xD2511F53u
#define PHILOX_M1 0xCD9E8D57u
#define PHILOX_W0 0x9E3779B9u
#define PHILOX_W1 0xBB67AE85u

static inline uint32_t mulhilo(uint32_t a, uint32_t b, uint32_t *hi) {
  uint64_t p = (uint64_t)a * b;
  *hi = (uint32_t)(p >> 32);
  return (uint32_t)p;
}

void geocl_philox4x32_raw(const uint32_t ctr[4], const uint32_t key[2], uint32_t out[4]) {
  uint32_t c0 = ctr[0], c1 = ctr[1], c2 = ctr[2], c3 = ctr[3];
  uint32_t k0 = key[0], k1 = key[1];
  for (int r = 0; r < 10; r++) {
    uint32_t hi0, hi1;
    uint32_t lo0 = mulhilo(PHILOX_M0, c0, &hi0);
    uint32_t lo1 = mulhilo(PHILOX_M1, c2, &hi1);
    uint32_t n0 = hi1 ^ c1 ^ k0, n1 = lo1, n2 = hi0 ^ c3 ^ k1, n3 = lo0;
    c0 = n0;
    c1 = n1;
    c2 = n2;
    c3 = n3;
    k0 += PHILOX_W0;
    k1 += PHILOX_W1;
  }
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

void geocl_philox4x32(uint64_t seed, uint64_t block, uint32_t out[4]) {
  const uint32_t ctr[4] = {(uint32_t)block, (uint32_t)(block >> 32), 0, 0};
  const uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)};
  geocl_philox4x32_raw(ctr, key, out);
}

void geocl_rng_init(geocl_rng *rng, uint64_t seed) {
  rng->seed = seed;
  rng->counter = 0;
}

void geocl_rng_u32(geocl_rng *rng, uint32_t *out, size_t n) {
  uint32_t w[4];
  for (size_t i = 0; i < n; i += 4) {
    geocl_philox4x32(rng->seed, rng->counter++, w);
    for (size_t j = 0; j < 4 && i + j < n; j++) out[i + j] = w[j];
  }
}

void geocl_rng_uniform(geocl_rng *rng, float *out, size_t n) {
  uint32_t w[4];
  for (size_t i = 0; i < n; i += 4) {
    geocl_philox4x32(rng->seed, rng->counter++, w);
    for (size_t j = 0; j < 4 && i + j < n; j++) out[i + j] = geocl_u32_to_unit(w[j]);
  }
}

void geocl_rng_normal(geocl_rng *rng, float *out, size_t n, float mean, float std) {
  uint32_t w[4];
  for (size_t i = 0; i < n; i += 4) {
    geocl_philox4x32(rng->seed, rng->counter++, w);
    for (size_t j = 0; j < 4 && i + j < n; j += 2) {
      /* u1 in (0, 1] so log(u1) is finite */
      double u1 = ((double)(w[j] >> 8) + 1.0) / 16777216.0;
      double u2 = (double)(w[j + 1] >> 8) / 16777216.0;
      double r = sqrt(-2.0 * log(u1));
      out[i + j] = (float)(mean + std * r * cos(2.0 * M_PI * u2));
      if (i + j + 1 < n) out[i + j + 1] = (float)(mean + std * r * sin(2.0 * M_PI * u2));
    }
  }
}

uint32_t geocl_rng_below(geocl_rng *rng, uint32_t bound) {
  /* Lemire's multiply-and-reject */
  uint32_t x;
  geocl_rng_u32(rng, &x, 1);
  uint64_t m = (uint64_t)x * bound;
  uint32_t low = (uint32_t)m;
  if (low < bound) {
    uint32_t threshold = (uint32_t)(-bound) % bound;
    while (low < threshold) {
      geocl_rng_u32(rng, &x, 1);
      m = (uint64_t)x * bound;
      low = (uint32_t)m;
    }
  }
  return (uint32_t)(m >> 32);
}

void geocl_rng_permutation(geocl_rng *rng, int32_t *perm, size_t n) {
  for (size_t i = 0; i < n; i++) perm[i] = (int32_t)i;
  for (size_t i = n; i > 1; i--) {
    size_t j = geocl_rng_below(rng, (uint32_t)i);
    int32_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}

void geocl_keyed_permutation(geocl_keyed_rng *r, int32_t *perm, size_t n) {
  for (size_t i = 0; i < n; i++) perm[i] = (int32_t)i;
  for (size_t i = n; i > 1; i--) {
    uint32_t j = geocl_keyed_below(r, (uint32_t)i);
    int32_t t = perm[i - 1];
    perm[i - 1] = perm[j];
    perm[j] = t;
  }
}
