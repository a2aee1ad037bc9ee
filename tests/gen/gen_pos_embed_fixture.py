#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Known answers of position-embedding resampling, for tests/check_pos_embed.c (dev-time; needs PyTorch).

    /usr/bin/python3 tests/gen/gen_pos_embed_fixture.py [--out tests/fixtures/pos_embed_resample.safetensors]

naver/croco models/pos_embed.py interpolate_pos_embed, as its documentation describes it:
the checkpoint's [s*s, D] table is reshaped to [1, s, s, D], permuted to [1, D, s, s],
resampled with torch.nn.functional.interpolate(mode='bicubic', align_corners=False) to
(h, w), permuted back and flattened row-major to [h*w, D].  Here s = 4, D = 6; the
table is random (numpy seed 0), the resampling done in float64 and stored as float32.

Tensors: enc_pos_embed [16, 6] (the table, under the name a CroCo checkpoint uses),
expected.3x5 [15, 6], expected.6x8 [48, 6].  Reruns give the same bytes.
"""
import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stio  # noqa: E402


def resample(table, side, h, w):
    t = torch.from_numpy(table.astype(np.float64)).reshape(1, side, side, -1).permute(0, 3, 1, 2)
    t = torch.nn.functional.interpolate(t, size=(h, w), mode="bicubic", align_corners=False)
    return t.permute(0, 2, 3, 1).reshape(h * w, -1).numpy().astype(np.float32)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default=str(Path(__file__).resolve().parents[1] / "fixtures" / "pos_embed_resample.safetensors"))
    args = ap.parse_args()
    table = np.random.default_rng(0).standard_normal((16, 6)).astype(np.float32)
    tensors = {"enc_pos_embed": table, "expected.3x5": resample(table, 4, 3, 5), "expected.6x8": resample(table, 4, 6, 8)}
    stio.save(args.out, tensors, {"generator": "tests/gen/gen_pos_embed_fixture.py"})


if __name__ == "__main__":
    main()
