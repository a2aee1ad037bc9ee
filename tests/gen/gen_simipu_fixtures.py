#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden fixture of SimIPU's step for tests/check_simipu.c, from tests/gen/simipu_ref.py in float64.

A small configuration (CONFIG; ResNet-18, 256 points, SA 64/32/16) on three made-up
samples in two contrastive groups (2 + 1), with images of different padded sizes so
that the official per-image normalisation of the sampling grid (sample_norm=pad)
differs from the batch's.  Writes tests/fixtures/simipu/step.safetensors (about 150 KB):

  inputs   points_a, points_b [3, 256, 4], b_to_a, lidar2img [3, 4, 4], image_size [3, 2],
           rgb0 … rgb2 (U8 [h, w, 3], the images as fed before normalisation)
  outputs  kp_a, kp_b [3, 16, 3], match I32 [3, 16], sa{1,2,3}_idx_{a,b} I32,
           loss, loss_intra, loss_inter, intro_acc_top1/5, cross_acc_top1/5 (0-dim)
  grads    grad/<name> for every parameter except the image encoder's convolutions
           (too large), whose gradients are checked by their L2 norms gradnorm/<name>;
           spread/<name>: the same step in float32 against float64 (relative L2 of the
           gradient, or of its norm), the rounding spread the check's bound scales

Metadata: "config" (the simipu options, JSON) and "recipe" (the weights: see
recipe_state()).  Generation is deterministic: it rewrites identical bytes.  Samples
whose sampler or assignment decisions are not clear-cut in float32 (a second candidate
within 1e-6 relative, a point within 1e-6 of a ring's edge, a second assignment that is not
a swap of repeated keypoints) are redrawn, so a float32 implementation must reproduce them.

Usage (dev time only): /usr/bin/python3 tests/gen/gen_simipu_fixtures.py [OUT]
"""
import json
import math
import sys
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import simipu_ref as R  # noqa: E402
import stio  # noqa: E402
from philox import Rng  # noqa: E402

CONFIG = dict(
    img_depth=18, img_size="64x96", img_scale="96x64,96x64", num_points=256,
    sa_points="64,16,8", sa3_fps_range=8,
    sa_radii="0.2,0.4,0.8;0.4,0.8,1.6;1.6,3.2,4.8",
    sa_samples="4,4,8;4,4,8;4,4,4",
    sa_channels="4,4,8/4,4,8/8,8,8;8,8,8/8,8,8/8,8,16;8,8,16/8,8,16/16,16,16",
    aggregation_channels="8,16,32",
    pts_intro_hidden_dim=16, pts_intro_out_dim=8, img_inter_hidden_dim=16, img_inter_out_dim=8,
    pts_inter_hidden_dim=16, pts_inter_out_dim=8, T=0.07, group_size=2, sample_norm="pad", img_conv1x1=False,
)
SIZES = [(64, 96), (30, 60), (40, 96)]  # (h', w') of each image as fed
FLIP = [False, False, True]
RAW_W, RAW_H = 96, 64
MARGIN = 1e-6  # relative gap of FPS runner-ups and of second-best assignments
RING_MARGIN = 1e-6  # relative distance of a point to a ring's edge


def fnv1a64(text):
    h = 0xCBF29CE484222325
    for b in text.encode():
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def recipe_value(name, shape):
    """The fixture's weights, reproducible in C: u = geocl_rng_uniform from seed FNV-1a-64(name);
    BN running mean 0, variance 1, batches 0; 1-D weights 1 + (u − ½)/2, 1-D biases (u − ½)/5;
    others (2u − 1)·√(3/fan_in) (variance 1/fan_in)."""
    n = int(np.prod(shape)) if shape else 1
    if name.endswith("running_mean") or name.endswith("num_batches_tracked"):
        return np.zeros(shape, np.float32)
    if name.endswith("running_var"):
        return np.ones(shape, np.float32)
    u = Rng(fnv1a64(name)).uniform(n).astype(np.float64).reshape(shape)
    if len(shape) == 1 and name.endswith("weight"):
        return (1 + (u - 0.5) / 2).astype(np.float32)
    if len(shape) == 1:
        return ((u - 0.5) / 5).astype(np.float32)
    fan_in = n // shape[0]
    return ((2 * u - 1) * math.sqrt(3.0 / fan_in)).astype(np.float32)


def recipe_state(model):
    return {k: torch.from_numpy(recipe_value(k, tuple(v.shape))).to(v.dtype) for k, v in model.state_dict().items()}


def inverse_augment(theta, s, flip, c=(35.2, 0.0, -1.0)):
    cs, sn = math.cos(theta), math.sin(theta)
    rot = np.array([[cs, -sn, 0], [sn, cs, 0], [0, 0, 1]])
    m = np.eye(4)
    m[:3, :3] = rot @ np.diag([1, -1 if flip else 1, 1]) / s
    m[:3, 3] = np.array(c) - rot @ np.array(c)
    return m


def make_inputs(seed):
    g = np.random.default_rng(seed)
    n, B = CONFIG["num_points"], len(SIZES)
    raw = np.array([[RAW_W / 2, -40, 0, 0], [RAW_H / 2, 0, -40, 0], [1, 0, 0, 0], [0, 0, 0, 1]], np.float64)
    pa, pb, b2a, l2i, rgb = [], [], [], [], []
    for b, (h, w) in enumerate(SIZES):
        pts = np.stack([g.uniform(4, 7, n), g.uniform(-1.5, 1.5, n), g.uniform(-1.5, 0.5, n), g.random(n)], 1)
        pts = pts.astype(np.float32)
        theta, s, flip = g.uniform(-math.pi / 2, math.pi / 2), g.uniform(0.75, 1.25), bool(g.random() < 0.5)
        m = inverse_augment(theta, s, flip)
        fwd = np.linalg.inv(m)
        aug = pts.astype(np.float64).copy()
        aug[:, :3] = (np.c_[aug[:, :3], np.ones(n)] @ fwd.T)[:, :3]
        pa.append(pts[g.permutation(n)])
        pb.append(aug.astype(np.float32)[g.permutation(n)])
        b2a.append(m.astype(np.float32))
        sx, sy = w / RAW_W, h / RAW_H
        mat = raw.copy()
        mat[0] *= sx
        mat[1] *= sy
        if FLIP[b]:
            mat[0] = w * mat[2] - mat[0]
        l2i.append(mat.astype(np.float32))
        yy, xx = np.mgrid[0:h, 0:w]
        img = np.stack([128 + 100 * np.sin(xx / 7 + b), 128 + 100 * np.cos(yy / 5), 60 + 3 * ((xx + yy) % 40)], -1)
        rgb.append(np.clip(img + g.normal(0, 20, img.shape), 0, 255).astype(np.uint8))
    return dict(points_a=np.stack(pa), points_b=np.stack(pb), b_to_a=np.stack(b2a), lidar2img=np.stack(l2i),
                image_size=np.array(SIZES, np.float32)), rgb


def batch_float(batch):
    return {k: v.float() for k, v in batch.items()}


def image_field(rgb):
    ph, pw = (int(v) for v in CONFIG["img_size"].split("x"))
    return np.stack([R.bgr_image(im, ph, pw) for im in rgb])


def fps_margin(pts, picks, dist_fn):
    """Smallest relative gap between each pick's running-minimum distance and the runner-up's."""
    worst = np.inf
    dmin = np.full(len(pts), 1e10)
    for j in range(1, len(picks)):
        dmin = np.minimum(dmin, dist_fn(picks[j - 1]))
        order = np.sort(dmin)
        if order[-1] > 0:
            worst = min(worst, (order[-1] - order[-2]) / order[-1])
    return worst


def clear_cut(model, batch, out):
    """Sampler picks and matchings that float32 cannot flip: FPS runner-ups at least MARGIN
    below the pick, no point within MARGIN of a ring's edge, a unique assignment."""
    cfg = model.cfg
    m32 = R.SimIPURef(**CONFIG)
    m32.load_state_dict(model.state_dict())
    b32 = batch_float(batch)
    with torch.no_grad():
        o32 = m32(b32)
    for k in out:
        if k.startswith("sa") or k == "match":
            if not torch.equal(out[k], o32[k]):
                return f"{k} differs in float32"
    for view in ("a", "b"):
        xyz = batch["points_" + view][..., :3].numpy()
        for b in range(xyz.shape[0]):
            p = xyz[b]
            picks = out[f"sa1_idx_{view}"][b].numpy()
            gap = fps_margin(p, picks, lambda i: ((p - p[i]) ** 2).sum(1))
            if gap < MARGIN:
                return f"D-FPS gap {gap:.2e} in SA1 of view {view}"
            for layer, centres_idx in ((0, picks),):
                c = p[centres_idx]
                d = np.sqrt(((c[:, None] - p[None]) ** 2).sum(-1))
                for r in cfg["_radii"][layer]:
                    if np.abs(d - r).min() < RING_MARGIN * r:
                        return f"a point on the {r} m ring of SA1 (view {view})"
    for b in range(out["kp_a"].shape[0]):
        a = out["kp_a"][b].numpy()
        kb = out["kp_b"][b].numpy()
        back = (np.c_[kb, np.ones(len(kb))] @ batch["b_to_a"][b].numpy().T)[:, :3]
        cost = np.sqrt(((a[:, None] - back[None]) ** 2).sum(-1))
        best = cost[np.arange(len(a)), out["match"][b].numpy()].sum()
        def repeated(p, i):
            return (np.abs(p - p[i]).sum(1) == 0).sum() > 1

        for i in range(len(a)):  # forbidding a pair of the optimum must cost clearly more, unless a
            # keypoint is repeated (a point picked twice): swapping repeated partners changes nothing
            if repeated(a, i) or repeated(kb, int(out["match"][b][i])):
                continue
            c2 = cost.copy()
            c2[i, out["match"][b][i]] = 1e6
            alt = c2[np.arange(len(a)), R.linear_sum_assignment(c2)].sum()
            if alt - best < MARGIN * max(best, 1e-3):
                return f"sample {b}: a second assignment within {alt - best:.2e}"
    return None


def main():
    out_path = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE.parent / "fixtures" / "simipu" / "step.safetensors"
    torch.manual_seed(0)
    model = R.SimIPURef(**CONFIG).double()
    model.load_state_dict(recipe_state(model))
    for seed in range(100):
        inputs, rgb = make_inputs(seed)
        batch = {k: torch.from_numpy(v).double() for k, v in inputs.items()}
        batch["image"] = torch.from_numpy(image_field(rgb)).double()
        model.load_state_dict(recipe_state(model))
        with torch.no_grad():
            probe = model(batch)
        why = clear_cut(model, batch, probe)
        if why is None:
            break
        print(f"seed {seed}: {why}; next")
    else:
        sys.exit("no clear-cut inputs in 100 seeds")
    model.load_state_dict(recipe_state(model))
    model.zero_grad()
    out = model(batch)
    out["loss"].backward()
    t = {k: v for k, v in inputs.items()}
    for i, im in enumerate(rgb):
        t[f"rgb{i}"] = im
    for k, v in out.items():
        if k.startswith("_"):
            continue
        if k.startswith("sa") or k == "match":
            t[k] = v.numpy().astype(np.int32)
        elif torch.is_tensor(v):
            t[k] = v.detach().numpy().astype(np.float32)
        else:
            t[k] = np.array(v, np.float32)
    # the same step in float32: each gradient's rounding spread (relative L2 against float64)
    m32 = R.SimIPURef(**CONFIG)
    m32.load_state_dict(recipe_state(m32))
    m32(batch_float(batch))["loss"].backward()
    grads32 = {name: p.grad.numpy().astype(np.float64) for name, p in m32.named_parameters() if p.grad is not None}
    for name, p in model.named_parameters():
        if p.grad is None:
            continue
        g = p.grad.numpy()
        g32 = grads32[name]
        if name.startswith("img_backbone.") and g.ndim == 4:
            t["gradnorm/" + name] = np.array(np.linalg.norm(g), np.float32)
            spread = abs(np.linalg.norm(g32) - np.linalg.norm(g)) / max(np.linalg.norm(g), 1e-30)
        else:
            t["grad/" + name] = g.astype(np.float32)
            spread = np.linalg.norm(g32 - g) / max(np.linalg.norm(g), 1e-30)
        t["spread/" + name] = np.array(spread, np.float32)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    meta = {"config": json.dumps(CONFIG, sort_keys=True), "recipe": recipe_value.__doc__.split("\n")[0],
            "seed": str(seed)}
    stio.save(str(out_path), t, meta)
    print(f"{out_path}: seed {seed}, loss {float(out['loss']):.6f} (intra {float(out['loss_intra']):.6f}, "
          f"inter {float(out['loss_inter']):.6f}), {out_path.stat().st_size} bytes")


if __name__ == "__main__":
    main()
