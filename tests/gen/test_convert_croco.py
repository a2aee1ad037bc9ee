# SPDX-License-Identifier: MIT
"""Dev-time test of tools/convert-croco (needs PyTorch):  /usr/bin/python3 tests/gen/test_convert_croco.py

A random-init official-layout state_dict (built by croco_ref for small configs) goes
.pth -> safetensors -> .pth through the command-line tool and must come back bit-exact,
with the same names, order, dtypes and constructor arguments.  Also: the other
official layouts, and refusals with clear messages.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
import unittest
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import torch  # noqa: E402

import croco_ref as R  # noqa: E402
import dpt_ref as D  # noqa: E402
import stio  # noqa: E402

TOOL = HERE.parent.parent / "tools" / "convert-croco"
GEOCL = Path(os.environ.get("GEOCL_CLI", HERE.parent.parent / "src" / "cli" / "geocl"))  # the build tree's
SMALL = dict(img_size=(32, 48), patch_size=8, enc_embed_dim=16, enc_depth=2, enc_num_heads=2,
             dec_embed_dim=12, dec_depth=2, dec_num_heads=3)
# downstream: an official hook table needs a decoder of 8 blocks
DOWNSTREAM = dict(img_size=(64, 96), patch_size=16, enc_embed_dim=32, enc_depth=4, enc_num_heads=2,
                  dec_embed_dim=24, dec_depth=8, dec_num_heads=2)
DOWNSTREAM_ROPE = dict(DOWNSTREAM, pos_embed="RoPE100", norm_im2_in_dec=False)
SMALL_ROPE = dict(SMALL, dec_embed_dim=16, dec_num_heads=2, pos_embed="RoPE100", norm_im2_in_dec=False,
                  mlp_ratio=2)


def random_state(kwargs, seed):
    """Official-layout state_dict, every tensor random (so nothing is 0/1 by init)."""
    torch.manual_seed(seed)
    state = R.CroCoRef(**kwargs).state_dict()
    return {k: torch.randn(v.shape) if k not in ("enc_pos_embed", "dec_pos_embed") else v for k, v in state.items()}


class ConvertCroCo(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def run_tool(self, *args, ok=True):
        r = subprocess.run([sys.executable, str(TOOL), *map(str, args)], capture_output=True, text=True)
        if ok:
            self.assertEqual(r.returncode, 0, r.stderr)
        else:
            self.assertNotEqual(r.returncode, 0, r.stdout)
        return r

    def assert_same_state(self, got, want):
        self.assertEqual(list(got), list(want))
        for k in want:
            self.assertEqual(got[k].dtype, want[k].dtype, k)
            self.assertTrue(torch.equal(got[k], want[k]), k)

    def round_trip(self, kwargs, seed):
        state = random_state(kwargs, seed)
        pth, st, back = self.dir / "ck.pth", self.dir / "ck.safetensors", self.dir / "back.pth"
        torch.save({"model": state, "croco_kwargs": kwargs}, pth)
        self.run_tool(pth)
        tensors, meta = stio.load(st, as_torch=True)
        self.assert_same_state(tensors, state)
        self.assertEqual(meta["format"], "geocl-croco-1")
        self.assertEqual(meta["source"], "ck.pth")
        self.assertEqual(json.loads(meta["croco_kwargs"]), json.loads(json.dumps(kwargs)))
        self.run_tool("--reverse", st, "-o", back)
        ck = torch.load(back)
        self.assertEqual(set(ck), {"model", "croco_kwargs"})
        self.assertEqual(ck["croco_kwargs"], kwargs)
        self.assert_same_state(ck["model"], state)
        R.CroCoRef(**ck["croco_kwargs"]).load_state_dict(ck["model"], strict=True)

    def downstream(self, task, kwargs, criterion, seed):
        """An official-layout stereo/flow checkpoint (aliases included, every tensor random)."""
        torch.manual_seed(seed)
        nc = D.TASK_CHANNELS[task] + D.with_conf(criterion)
        state = D.DownstreamRef(kwargs, nc).state_dict()
        state = {k: v if k.endswith("pos_embed") else torch.randn(v.shape) for k, v in state.items()}
        crop = list(kwargs["img_size"])
        args = argparse.Namespace(task=task, crop=crop, criterion=criterion, croco_args=dict(kwargs),
                                  tile_conf_mode="conf_expsigmoid_15_3", lr=3e-5)
        return D.with_aliases(state), args

    def test_downstream_round_trip(self):
        for task, kwargs, criterion in (("stereo", DOWNSTREAM, "LaplacianLossBounded2()"),
                                        ("flow", DOWNSTREAM_ROPE, "LaplacianLossBounded(max_gtnorm=10000.)"),
                                        ("stereo", DOWNSTREAM_ROPE, "L1Loss()")):
            model, args = self.downstream(task, kwargs, criterion, 3)
            pth, st, back = self.dir / "sf.pth", self.dir / "sf.safetensors", self.dir / "back.pth"
            torch.save({"model": model, "args": args, "epoch": 3}, pth)
            self.run_tool(pth)
            tensors, meta = stio.load(st, as_torch=True)
            self.assert_same_state(tensors, D.without_aliases(model))
            self.assertFalse([k for k in tensors if "layer_rn" in k or "act_postprocess." in k])
            self.assertEqual(meta["format"], "geocl-croco-downstream-1")
            self.assertEqual((meta["model"], meta["task"], meta["backbone"]), (task, task, "croco"))
            self.assertEqual(json.loads(meta["config"]), {"criterion": criterion, "tile_conf_mode": args.tile_conf_mode})
            self.assertEqual(json.loads(meta["crop"]), args.crop)
            self.assertEqual(json.loads(meta["backbone_config"])["img_size"], args.crop)
            self.run_tool("--reverse", st, "-o", back)
            ck = torch.load(back)
            self.assert_same_state(ck["model"], model)  # aliases back, official order
            for k in ("task", "crop", "criterion", "tile_conf_mode"):
                self.assertEqual(getattr(ck["args"], k), getattr(args, k), k)
            self.assertEqual(ck["args"].croco_args, dict(kwargs, img_size=tuple(kwargs["img_size"])))
            nc = D.TASK_CHANNELS[task] + D.with_conf(criterion)
            D.DownstreamRef(ck["args"].croco_args, nc).load_state_dict(D.without_aliases(ck["model"]), strict=True)

    def test_downstream_refusals(self):
        model, args = self.downstream("stereo", DOWNSTREAM, "LaplacianLossBounded2()", 4)
        pth = self.dir / "bad.pth"
        bad = dict(model)
        bad["head.dpt.scratch.layer_rn.1.weight"] = bad["head.dpt.scratch.layer_rn.1.weight"] + 1
        torch.save({"model": bad, "args": args}, pth)
        r = self.run_tool(pth, ok=False)
        self.assertIn("head.dpt.scratch.layer_rn.1.weight is not the same tensor as", r.stderr)
        bad = dict(model)
        del bad["head.dpt.head.4.bias"]
        torch.save({"model": bad, "args": args}, pth)
        r = self.run_tool(pth, ok=False)
        self.assertIn("missing head.dpt.head.4.bias", r.stderr)
        wrong = argparse.Namespace(**vars(args))
        wrong.crop = [64, 64]
        torch.save({"model": model, "args": wrong}, pth)
        r = self.run_tool(pth, ok=False)
        self.assertIn("differs from the crop", r.stderr)

    def test_round_trip_cosine(self):
        self.round_trip(SMALL, 1)

    def test_round_trip_rope(self):
        self.round_trip(SMALL_ROPE, 2)

    def test_bf16_and_f16_kept(self):
        state = {k: v.to(torch.bfloat16 if i % 2 else torch.float16) for i, (k, v) in
                 enumerate(random_state(SMALL, 3).items())}
        torch.save({"model": state, "croco_kwargs": SMALL}, self.dir / "h.pth")
        self.run_tool(self.dir / "h.pth")
        self.run_tool("--reverse", self.dir / "h.safetensors", "-o", self.dir / "h2.pth")
        self.assert_same_state(torch.load(self.dir / "h2.pth")["model"], state)

    def test_args_model_layout(self):
        state = random_state(SMALL_ROPE, 4)
        ctor = "CroCoNet(" + ", ".join(f"{k}={v!r}" for k, v in SMALL_ROPE.items()) + ")"
        torch.save({"model": state, "args": argparse.Namespace(model=ctor, lr=1e-4), "epoch": 3},
                   self.dir / "checkpoint-last.pth")
        self.run_tool(self.dir / "checkpoint-last.pth")
        _, meta = stio.load(self.dir / "checkpoint-last.safetensors")
        self.assertEqual(json.loads(meta["croco_kwargs"]), json.loads(json.dumps(SMALL_ROPE)))

    def test_bare_state_dict_needs_kwargs(self):
        torch.save(random_state(SMALL, 5), self.dir / "bare.pth")
        r = self.run_tool(self.dir / "bare.pth", ok=False)
        self.assertIn("does not match CroCoNet", r.stderr)
        self.assertIn("mask_token is [1, 1, 12], want [1, 1, 512]", r.stderr)
        self.run_tool(self.dir / "bare.pth", "--kwargs", json.dumps(SMALL))
        tensors, _ = stio.load(self.dir / "bare.safetensors", as_torch=True)
        self.assert_same_state(tensors, random_state(SMALL, 5))

    def test_refusals(self):
        torch.save({"optimizer": {}, "epoch": 1}, self.dir / "odd.pth")
        self.assertIn("unknown checkpoint layout", self.run_tool(self.dir / "odd.pth", ok=False).stderr)
        torch.save({"model": random_state(SMALL, 6), "args": argparse.Namespace(model="os.system('x')")},
                   self.dir / "evil.pth")
        self.assertIn("not a CroCoNet(...) constructor", self.run_tool(self.dir / "evil.pth", ok=False).stderr)
        state = random_state(SMALL, 7)
        del state["dec_blocks.1.norm_y.bias"]
        torch.save({"model": state, "croco_kwargs": SMALL}, self.dir / "short.pth")
        r = self.run_tool(self.dir / "short.pth", ok=False)
        self.assertIn("missing dec_blocks.1.norm_y.bias [12]", r.stderr)
        self.assertFalse((self.dir / "short.safetensors").exists())
        (self.dir / "junk.pth").write_bytes(b"not a checkpoint")
        self.assertIn("not a readable PyTorch checkpoint", self.run_tool(self.dir / "junk.pth", ok=False).stderr)
        stio.save(self.dir / "plain.safetensors", {"x": torch.zeros(2)})
        self.assertIn("not a geocl CroCo checkpoint",
                      self.run_tool("--reverse", self.dir / "plain.safetensors", ok=False).stderr)

    def test_reverse_recomputes_missing_sincos(self):
        state = random_state(SMALL, 8)
        stio.save(self.dir / "nobuf.safetensors", {k: v for k, v in state.items() if "pos_embed" not in k},
                  R.checkpoint_metadata(SMALL))
        self.run_tool("--reverse", self.dir / "nobuf.safetensors")
        self.assert_same_state(torch.load(self.dir / "nobuf.pth")["model"], state)


class GeoclOutput(unittest.TestCase):
    """What `geocl pretrain` writes converts back and loads into the official model, strict."""

    def setUp(self):
        self.assertTrue(GEOCL.exists(), f"{GEOCL}: build geocl first (or set GEOCL_CLI)")
        self.tmp = tempfile.TemporaryDirectory()
        self.dir = Path(self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def pretrain(self, task, *options):
        out = self.dir / "_".join((task,) + options)
        r = subprocess.run([str(GEOCL), "pretrain", "--task", task, "--device", "reference", "--steps", "1",
                            "--batch", "2", "--synthetic-pairs", "4", "--quiet", "--out", str(out),
                            "img_size=32x48", "patch_size=16", "enc_embed_dim=16", "enc_depth=1", "enc_num_heads=2",
                            "dec_embed_dim=16", "dec_depth=1", "dec_num_heads=2", *options],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        return out / "last.safetensors"

    def test_croco_pretrain_output(self):
        for options in (("pos_embed=RoPE100", "freq_loss_weight=0.5"), ("pos_embed=cosine",)):
            st = self.pretrain("croco", *options)
            back = self.dir / "back.pth"
            r = subprocess.run([sys.executable, str(TOOL), "--reverse", str(st), "-o", str(back)],
                               capture_output=True, text=True)
            self.assertEqual(r.returncode, 0, r.stderr)
            ck = torch.load(back)
            self.assertNotIn("freq_loss_weight", ck["croco_kwargs"])
            self.assertEqual(ck["croco_kwargs"]["img_size"], (32, 48))
            tensors, _ = stio.load(st, as_torch=True)
            for k, v in tensors.items():
                self.assertTrue(torch.equal(ck["model"][k], v), k)
            R.CroCoRef(**ck["croco_kwargs"]).load_state_dict(ck["model"], strict=True)

    def test_mae_refused(self):
        st = self.pretrain("mae")
        r = subprocess.run([sys.executable, str(TOOL), "--reverse", str(st)], capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("an MAE checkpoint has no official PyTorch model", r.stderr)
        self.assertFalse(st.with_suffix(".pth").exists())


class ExpectedShapes(unittest.TestCase):
    """The analytic name/shape template the converter checks against equals the built models'."""

    def test_matches_models(self):
        for kwargs in (SMALL, SMALL_ROPE, dict(SMALL, mlp_ratio=3, norm_im2_in_dec=False)):
            for task in ("croco", "mae"):
                kw = {k: v for k, v in kwargs.items() if task == "croco" or k != "norm_im2_in_dec"}
                got = {k: tuple(v.shape) for k, v in R.build(task, kw).state_dict().items()}
                self.assertEqual(list(got.items()), list(R.expected_shapes(kw, task).items()))


if __name__ == "__main__":
    unittest.main()
