# SPDX-License-Identifier: MIT
"""Generate the downstream-head golden fixtures under tests/fixtures/dense/ (dev-time; needs PyTorch).

    /usr/bin/python3 tests/gen/gen_dpt_fixtures.py [--out tests/fixtures/dense]

Small stereo, flow and depth models (binocular or encoder-only CroCo with a DPT head,
tests/gen/dpt_ref.py) with their weights drawn from geocl's Philox stream by the recipe of
tests/fixtures/croco/README.md (recorded in each inputs.safetensors), random images and
targets with unknown pixels; the raw output, the prediction, the loss and every parameter
gradient, evaluated in float64 and stored rounded to float32.  Reruns give the same bytes.
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import dpt_ref as D  # noqa: E402
import stio  # noqa: E402
from gen_croco_fixtures import draw_images, draw_parameters, f32  # noqa: E402
from philox import Rng  # noqa: E402

# a 2x2 token grid (the DPT needs an even one), patch 16
BACKBONE = dict(img_size=(32, 32), patch_size=16, enc_embed_dim=8, enc_num_heads=2, enc_depth=3,
                dec_embed_dim=8, dec_num_heads=2, dec_depth=2, mlp_ratio=2)
HEAD = dict(layer_dims=(4, 4, 8, 8), feature_dim=4, last_dim=4)
# name: (task, backbone kwargs, head options, batch, seed)
FIXTURES = {
    # CroCo v2 style: RoPE, norm_y; the official stereo criterion; the fallback hooks of a 2-block decoder
    "stereo-rope": ("stereo", dict(BACKBONE, pos_embed="RoPE100"), dict(criterion="LaplacianLossBounded2()"), 2, 4000),
    # CroCo v1 style: sin-cos, no norm_y; the flow criterion with a max_gtnorm some targets exceed; given hooks
    "flow-cosine": ("flow", dict(BACKBONE, pos_embed="cosine", norm_im2_in_dec=False),
                    dict(criterion="LaplacianLossBounded(max_gtnorm=6.0)", hooks=(0, 2, 3, 4)), 1, 5000),
    # encoder only: hooks spread over 4 encoder blocks, SILog on min + max*sigmoid
    "depth-rope": ("depth", dict(BACKBONE, pos_embed="RoPE100", enc_depth=4),
                   dict(depth_loss="silog", min_depth=0.001, max_depth=10.0), 2, 7000),
}
TARGET_SEED_OFFSET = 300000


def draw_target(task, batch, shape, seed):
    """Targets with unknown (+inf) pixels: disparity in [0, 8), flow in [-8, 8)^2, depth in (0.5, 10)."""
    H, W = shape
    c = 2 if task == "flow" else 1
    u = Rng(seed + TARGET_SEED_OFFSET).uniform(batch * c * H * W + batch * H * W)
    vals, known = u[: batch * c * H * W].reshape(batch, c, H, W), u[batch * c * H * W:].reshape(batch, 1, H, W) < 0.8
    if task == "flow":
        vals = vals * np.float32(16) - np.float32(8)
    elif task == "depth":
        vals = np.float32(0.5) + vals * np.float32(9.5)
    else:
        vals = vals * np.float32(8)
    t = np.where(np.broadcast_to(known, vals.shape), vals, np.float32(np.inf)).astype(np.float32)
    return torch.from_numpy(t)


def criteria(out_dir):
    """Every criterion on one random raw output [2, 3, 8, 8] against flow and stereo targets with unknown
    pixels, for the loss functions alone (criteria.safetensors)."""
    u = Rng(8000).uniform(2 * 3 * 64 + 2 * 2 * 64 + 2 * 64)
    out = torch.from_numpy((u[: 384] * np.float32(8) - np.float32(4)).reshape(2, 3, 8, 8).astype(np.float32))
    gt = torch.from_numpy((u[384: 640] * np.float32(30) - np.float32(10)).reshape(2, 2, 8, 8).astype(np.float32))
    gt = torch.where(torch.from_numpy(u[640:].reshape(2, 1, 8, 8) < 0.8).expand(-1, 2, -1, -1), gt,
                     torch.tensor(float("inf")))
    tensors, names = {"out": out, "flow": gt, "disparity": gt[:, :1].abs()}, {}
    for crit in ("L1Loss()", "LaplacianLoss()", "LaplacianLossBounded()", "LaplacianLossBounded(max_gtnorm=12.5)",
                 "LaplacianLossBounded2()", "LaplacianLossBounded2(a=2.0, b=5.0)"):
        for task, nc in (("stereo", 1), ("flow", 2)):
            key = f"{task}:{crit}"
            o = out.double().requires_grad_()
            used = o[:, : nc + D.with_conf(crit)]
            loss = D.loss(crit, used, tensors["flow" if nc == 2 else "disparity"].double())
            loss.backward()
            tensors[f"loss{len(names)}"], tensors[f"grad{len(names)}"] = f32(loss), f32(o.grad)
            names[key] = len(names)
    out_dir.mkdir(parents=True, exist_ok=True)
    stio.save(out_dir / "criteria.safetensors", tensors, {"cases": json.dumps(names)})
    print(f"{out_dir / 'criteria.safetensors'}: {len(names)} cases")


def generate(name, out_dir):
    task, kwargs, head, batch, seed = FIXTURES[name]
    binocular = task != "depth"
    nc = D.TASK_CHANNELS[task] + (binocular and D.with_conf(head["criterion"]))
    dpt = {k: v for k, v in dict(HEAD, **head).items() if k in ("layer_dims", "feature_dim", "last_dim")}
    model = D.DownstreamRef(kwargs, nc, binocular=binocular, hooks=head.get("hooks"), **dpt)
    state, recipe = draw_parameters(model, seed)
    model.load_state_dict(dict(model.state_dict(), **state))
    model.double()
    images = draw_images(2 if binocular else 1, batch, model.config["img_size"], seed)
    target = draw_target(task, batch, model.config["img_size"], seed)
    out = model(*(x.double() for x in images))
    if task == "depth":
        prediction = D.depth_prediction(out, head["min_depth"], head["max_depth"])
        gt = torch.where(torch.isfinite(target), target, torch.zeros_like(target)).double()
        loss = D.depth_loss(head["depth_loss"], prediction, gt)
    else:
        prediction = out[:, : D.TASK_CHANNELS[task]]
        loss = D.loss(head["criterion"], out, target.double())
    loss.backward()

    d = out_dir / name
    d.mkdir(parents=True, exist_ok=True)
    init = {"rng": "philox4x32-10, geocl_rng_uniform", "seed": seed,
            "rule": "parameter k (state_dict order, buffers skipped): stream seed+k, value = c + a*(2u-1) in float32",
            "params": recipe}
    options = dict(head, **dpt)
    config = {k: ",".join(map(str, v)) if isinstance(v, tuple) else v for k, v in options.items()}
    meta = {"task": task, "croco_kwargs": json.dumps(kwargs, sort_keys=True), "config": json.dumps(config, sort_keys=True),
            "init": json.dumps(init), "batch": str(batch), "source": "tests/gen/gen_dpt_fixtures.py (dpt_ref in float64)"}
    inputs = {"image1": images[0]}
    if binocular:
        inputs["image2"] = images[1]
    inputs["target"] = target
    for buf in ("enc_pos_embed", "dec_pos_embed"):
        if hasattr(model, buf):
            inputs[buf] = f32(getattr(model, buf))
    stio.save(d / "inputs.safetensors", inputs, meta)
    stio.save(d / "outputs.safetensors", {"pred": f32(out), "prediction": f32(prediction), "loss": f32(loss)})
    # refinenet4.resConfUnit1 is stored but never used: its gradient is 0
    stio.save(d / "grads.safetensors", {n: f32(p.grad if p.grad is not None else torch.zeros_like(p))
                                        for n, p in model.named_parameters()})
    total = sum(f.stat().st_size for f in d.glob("*.safetensors"))
    nparams = sum(p.numel() for p in model.parameters())
    print(f"{d}: {task} {nparams} parameters, hooks {model.hooks}, loss {loss.item():.6f}, {total / 1024:.1f} KiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE.parent / "fixtures" / "dense"), help="output folder")
    ap.add_argument("names", nargs="*", help=f"fixtures to generate (default: all of {', '.join(FIXTURES)})")
    args = ap.parse_args()
    torch.set_num_threads(1)
    for name in args.names or FIXTURES:
        generate(name, Path(args.out))
    if not args.names:
        criteria(Path(args.out))


if __name__ == "__main__":
    main()
