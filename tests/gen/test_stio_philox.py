# SPDX-License-Identifier: MIT
"""Dev-time test of the generators' helpers:  /usr/bin/python3 tests/gen/test_stio_philox.py

philox.py against Random123's known answers and values printed by geocl's src/core/rng.c;
stio.py round trips, alignment and refusals.  Needs numpy; the BF16 case needs PyTorch.
"""
import json
import struct
import sys
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

import philox  # noqa: E402
import stio  # noqa: E402


class Philox(unittest.TestCase):
    def test_known_answers(self):
        philox.self_test()

    def test_matches_geocl_rng_uniform(self):
        # geocl_rng_init(&r, 1003); geocl_rng_uniform(&r, x, 6), printed with %a
        want = [float.fromhex(h) for h in
                ("0x1.de894ep-1", "0x1.8a7012p-1", "0x1.31f67p-2", "0x1.e3bc8p-7", "0x1.083e2cp-2", "0x1.02eec8p-3")]
        r = philox.Rng(1003)
        self.assertEqual(r.uniform(6).tolist(), want)
        self.assertEqual(r.counter, 2)

    def test_64bit_seed_and_counter_carry(self):
        # seed 0x123456789abcdef, counter 0xfffffffe: 11 draws cross the 2^32 block boundary
        want = [0.955859125, 0.661482453, 0.694724858, 0.352733493, 0.0281373262, 0.591632068,
                0.393700719, 0.196537316, 0.848650753, 0.351032197, 0.614358902]
        r = philox.Rng(0x123456789ABCDEF, 0xFFFFFFFE)
        np.testing.assert_array_equal(r.uniform(11), np.float32(want))
        self.assertEqual(r.counter, 0x100000001)


class Stio(unittest.TestCase):
    def sample(self):
        return {
            "w": np.arange(6, dtype=np.float32).reshape(2, 3),
            "flag": np.array([True, False, True]),
            "h": np.float16([1.5, -2.0]),
            "big": np.array([-1, 2**40], dtype=np.int64),
            "i": np.int32([-7]),
            "u": np.uint8([1, 255]),
            "scalar": np.float32(3.25),
        }

    def test_round_trip_and_order(self):
        t = self.sample()
        blob = stio.dumps(t, {"k": "v"})
        got, meta = stio.loads(blob)
        self.assertEqual(meta, {"k": "v"})
        self.assertEqual(list(got), list(t))
        for k, v in t.items():
            self.assertEqual(got[k].dtype, np.asarray(v).dtype, k)
            np.testing.assert_array_equal(got[k], v)
        self.assertEqual(stio.dumps(got, meta), blob)  # same input, same bytes

    def test_alignment(self):
        blob = stio.dumps(self.sample())
        (hlen,) = struct.unpack("<Q", blob[:8])
        self.assertEqual(hlen % 8, 0)
        got, _ = stio.loads(blob)
        header = json.loads(blob[8 : 8 + hlen])
        for name, info in header.items():
            self.assertEqual(info["data_offsets"][0] % got[name].dtype.itemsize, 0, name)

    def test_bf16(self):
        import torch

        x = torch.tensor([1.0, -2.5, 3.140625], dtype=torch.bfloat16)
        blob = stio.dumps({"x": x})
        self.assertIn(b'"BF16"', blob)
        np.testing.assert_array_equal(stio.loads(blob)[0]["x"], np.float32([1.0, -2.5, 3.140625]))
        self.assertTrue(torch.equal(stio.loads(blob, as_torch=True)[0]["x"], x))

    def test_refusals(self):
        blob = stio.dumps(self.sample())
        for bad, why in [
            (blob[:5], "truncated"),
            (blob[:-1], "do not hold"),
            (struct.pack("<Q", 1 << 40) + blob[8:], "exceeds the file size"),
            (struct.pack("<Q", 4) + b"[1] ", "not a JSON object"),
            (struct.pack("<Q", 16) + b'{"a":1,"a":2}   ', "duplicate"),
        ]:
            with self.assertRaisesRegex(stio.SafetensorsError, why):
                stio.loads(bad)
        with self.assertRaisesRegex(stio.SafetensorsError, "unsupported dtype"):
            stio.dumps({"c": np.complex64([1j])})
        with self.assertRaisesRegex(stio.SafetensorsError, "strings"):
            stio.dumps({}, {"n": 1})


if __name__ == "__main__":
    unittest.main()
