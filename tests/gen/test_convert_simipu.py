# SPDX-License-Identifier: MIT
"""Dev-time test of tools/convert-simipu (needs PyTorch):  /usr/bin/python3 tests/gen/test_convert_simipu.py

A random-init official-layout checkpoint (built by simipu_ref for a small configuration,
plus keys of the moco variant) goes .pth -> safetensors -> .pth through the command-line
tool and must come back bit-exact (names, order, values, shapes, integer buffers); the
image backbone exported with prefix '' loads into torchvision's resnet18 (fc aside) and
imported back leaves the file unchanged.  Also: refusals with clear messages.
"""
import json
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

import simipu_ref as R  # noqa: E402
import stio  # noqa: E402

TOOL = HERE.parent.parent / "tools" / "convert-simipu"
SMALL = dict(img_depth=18, num_points=256, sa_points="64,16,8", sa3_fps_range=8, sa_samples="4,4,8;4,4,8;4,4,4",
             sa_channels="4,4,8/4,4,8/8,8,8;8,8,8/8,8,8/8,8,16;8,8,16/8,8,16/16,16,16",
             aggregation_channels="8,16,32", pts_intro_hidden_dim=16, pts_intro_out_dim=8,
             img_inter_hidden_dim=16, img_inter_out_dim=8, pts_inter_hidden_dim=16, pts_inter_out_dim=8,
             img_conv1x1=False)


def run(*args, ok=True):
    r = subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True)
    if ok and r.returncode:
        raise AssertionError(r.stderr)
    return r


def load(path):
    return torch.load(path, map_location="cpu", weights_only=False)


class ConvertSimIPU(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)
        torch.manual_seed(0)
        self.state = R.SimIPURef(**SMALL).state_dict()
        extra = dict(self.state)
        extra["queue"] = torch.zeros(4, 8)
        extra["pts_backbone_k.SA_modules.0.x"] = torch.zeros(2)
        torch.save({"state_dict": extra, "meta": {}}, self.dir / "official.pth")

    def tearDown(self):
        self.tmp.cleanup()

    def test_round_trip(self):
        st, back = self.dir / "w.safetensors", self.dir / "back.pth"
        out = run(self.dir / "official.pth", "-o", st, "--config", json.dumps(SMALL)).stdout
        self.assertIn("dropped 2 tensors", out)
        tensors, meta = stio.load(str(st))
        self.assertEqual(list(tensors), list(self.state))
        self.assertEqual(json.loads(meta["simipu_config"])["img_depth"], 18)
        run("--reverse", st, "-o", back)
        got = load(back)["state_dict"]
        self.assertEqual(list(got), list(self.state))
        for k, v in self.state.items():
            self.assertEqual(got[k].dtype, v.dtype, k)
            self.assertEqual(got[k].shape, v.shape, k)
            self.assertTrue(torch.equal(got[k], v), k)

    def test_backbone(self):
        st, resnet, again = self.dir / "w.safetensors", self.dir / "r18.pth", self.dir / "again.safetensors"
        run(self.dir / "official.pth", "-o", st, "--config", json.dumps(SMALL))
        run("--export-backbone", st, "-o", resnet, "--prefix", "")
        keys = torchvision.models.resnet18().load_state_dict(load(resnet)["state_dict"], strict=False)
        self.assertEqual((sorted(keys.missing_keys), keys.unexpected_keys), (["fc.bias", "fc.weight"], []))
        run("--export-backbone", self.dir / "official.pth", "-o", self.dir / "mm.pth")
        self.assertTrue(all(k.startswith("backbone.") for k in load(self.dir / "mm.pth")["state_dict"]))
        run("--import-backbone", resnet, "--prefix", "", "--into", st, "-o", again)
        a, b = stio.load(str(st))[0], stio.load(str(again))[0]
        self.assertEqual(list(a), list(b))
        self.assertTrue(all(np.array_equal(a[k], b[k]) and a[k].shape == b[k].shape for k in a))

    def test_refusals(self):
        r = run(self.dir / "official.pth", "-o", self.dir / "x.safetensors", ok=False)  # the official sizes
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("tensors of the configuration are missing, e.g. img_backbone.layer1.0.conv3.weight", r.stderr)
        r = run(self.dir / "official.pth", "-o", self.dir / "x.safetensors", "--config",
                json.dumps(dict(SMALL, pts_intro_out_dim=4)), ok=False)
        self.assertIn("mlp_intro_points.layer3.0.weight is [8, 16], the configuration wants [4, 16]", r.stderr)
        self.assertFalse((self.dir / "x.safetensors").exists())
        r = run("--import-backbone", self.dir / "official.pth", ok=False)
        self.assertIn("needs --into", r.stderr)
        torch.save({"nothing": 1}, self.dir / "bad.pth")
        r = run(self.dir / "bad.pth", ok=False)
        self.assertIn("neither a state_dict", r.stderr)


if __name__ == "__main__":
    unittest.main()
