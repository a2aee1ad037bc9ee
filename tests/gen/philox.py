# SPDX-License-Identifier: MIT
"""geocl's counter-based RNG in numpy, bit-identical to src/core/rng.c.

Philox-4x32-10 (Random123's philox4x32_10).  A stream is (seed, counter):
block b of the stream is philox(ctr = (b mod 2^32, b div 2^32, 0, 0),
key = (seed mod 2^32, seed div 2^32)); draw i of a draw that starts at counter c
is word i mod 4 of block c + i div 4, and a uniform is (word >> 8) * 2^-24.
Each draw of n values advances the counter by ceil(n / 4) blocks, like
geocl_rng_uniform.
"""
import numpy as np

_M0, _M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
_W0, _W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
_LO32 = np.uint64(0xFFFFFFFF)
_S32 = np.uint64(32)


def philox4x32_raw(ctr, key):
    """Philox-4x32-10 of counters `ctr` ([..., 4] uint32) under `key` (2 uint32); [..., 4] uint32."""
    ctr = np.asarray(ctr, dtype=np.uint32)
    c0, c1, c2, c3 = (ctr[..., i].astype(np.uint64) for i in range(4))
    k0, k1 = np.uint32(key[0]), np.uint32(key[1])
    with np.errstate(over="ignore"):  # key schedule wraps mod 2^32 on purpose
        for _ in range(10):
            p0, p1 = _M0 * c0, _M1 * c2
            hi0, lo0 = p0 >> _S32, p0 & _LO32
            hi1, lo1 = p1 >> _S32, p1 & _LO32
            c0, c1, c2, c3 = (
                hi1 ^ c1 ^ np.uint64(k0),
                lo1,
                hi0 ^ c3 ^ np.uint64(k1),
                lo0,
            )
            k0, k1 = k0 + _W0, k1 + _W1
    return np.stack([c0, c1, c2, c3], axis=-1).astype(np.uint32)


def blocks(seed, counter0, nblocks):
    """[nblocks, 4] uint32 words of blocks counter0 … counter0 + nblocks - 1 of stream `seed`."""
    b = np.arange(nblocks, dtype=np.uint64) + np.uint64(counter0)
    ctr = np.zeros((nblocks, 4), dtype=np.uint32)
    ctr[:, 0] = (b & _LO32).astype(np.uint32)
    ctr[:, 1] = (b >> _S32).astype(np.uint32)
    seed = int(seed)
    return philox4x32_raw(ctr, (seed & 0xFFFFFFFF, (seed >> 32) & 0xFFFFFFFF))


class Rng:
    """A (seed, counter) stream, advanced the way geocl_rng_* advances it."""

    def __init__(self, seed, counter=0):
        self.seed, self.counter = int(seed), int(counter)

    def u32(self, n):
        nb = -(-n // 4)
        words = blocks(self.seed, self.counter, nb).reshape(-1)[:n]
        self.counter += nb
        return words

    def uniform(self, n):
        """n float32 uniforms in [0, 1): (word >> 8) * 2^-24, exact."""
        return ((self.u32(n) >> np.uint32(8)).astype(np.float32) * np.float32(2.0**-24)).astype(np.float32)


# Random123's published philox4x32_10 known-answer vectors (also in tests/check_core.c)
KNOWN_ANSWERS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    (
        (0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0xFFFFFFFF),
        (0xFFFFFFFF, 0xFFFFFFFF),
        (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD),
    ),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


def self_test():
    for ctr, key, want in KNOWN_ANSWERS:
        got = tuple(int(w) for w in philox4x32_raw(ctr, key))
        if got != want:
            raise AssertionError(f"philox4x32_10 known answer: ctr {ctr} key {key} gave {got}, want {want}")


if __name__ == "__main__":
    self_test()
    print("philox4x32_10 known-answer vectors: ok")
