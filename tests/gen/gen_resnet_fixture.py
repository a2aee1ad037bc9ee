#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Golden values of whole ResNet backbones from torchvision, for tests/check_resnet.c (dev-time;
needs PyTorch and torchvision).

    /usr/bin/python3 tests/gen/gen_resnet_fixture.py [--out tests/fixtures/resnet.safetensors]

torchvision's resnet18 and resnet50 (without avgpool and fc) in float64, with every
state_dict entry drawn from geocl's Philox stream (philox.py) in state_dict order, so the
C test rebuilds the same weights without a weight file:

  conv weight        U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = in·kh·kw
  bn weight, bias    U(0.5, 1.5), U(-0.5, 0.5)
  bn running_mean    U(-0.5, 0.5);  running_var U(0.5, 2);  num_batches_tracked 0 (no draw)

one Rng(WEIGHT_SEED) for all of them in order, the input x [2, 3, 64, 40] from Rng(INPUT_SEED),
and the output gradients of C2..C5 (in that order) from Rng(DOUT_SEED), all U(-1, 1).
Per model <m> (r18, r50), first in eval mode (running statistics), then in training mode
(batch statistics; the running ones updated):

  <m>/c5_eval, <m>/c5_eval_norms   C5 in eval mode: image 0 at position (0, 0) [C], and the L2
                              norm of each channel [C]
  <m>/c5, <m>/c5_norms        the same in training mode
  <m>/out_norms               L2 norms of C2..C5 in training mode [4]
  <m>/dx_rows, <m>/dx_norm    gradient of the input (backward from the douts): summed over
                              the columns [2, 3, 64], and its L2 norm [1]
  <m>/grad_norms              L2 norm of the gradient of every parameter, in order
  <m>/bn1.weight.grad, <m>/bn1.bias.grad, <m>/<last bn>.weight.grad   full gradients
  <m>/running_mean_norms, <m>/running_var_norms   L2 norms after the update, per batch norm
  <m>/bn1.running_mean, <m>/bn1.running_var        full, after the update

The same computation in float32 PyTorch shows how well float32 can do: "<m>.f32.<name>" is its
relative L2 error against float64 for each of the above (training a deep network in float32 loses
digits in the gradients: about 1% of dx for ResNet-50 here).

Metadata: "models", "<m>.depth", "<m>.names" (state_dict names, comma-separated, in order),
"<m>.shapes" (their shapes, "AxBx...", or "scalar" for 0-dim, comma-separated), "<m>.last_bn", eps and momentum.
"""
import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torchvision  # noqa: E402

import stio  # noqa: E402
from gen_op_kats import f32  # noqa: E402
from philox import Rng  # noqa: E402

WEIGHT_SEED, INPUT_SEED, DOUT_SEED = 7201, 7202, 7203
INPUT = (2, 3, 64, 40)  # C5 2×2: 8 values per channel in its batch norms
MODELS = {"r18": 18, "r50": 50}


def uniform(rng, shape, lo, hi):
    u = rng.uniform(int(np.prod(shape))).reshape(shape)
    return (np.float32(lo) + np.float32(hi - lo) * u).astype(np.float32)


def draw_weights(model, rng):
    state = model.state_dict()
    for name, t in state.items():
        if name.endswith("num_batches_tracked"):
            continue
        kind = name.rsplit(".", 1)[1]
        if t.dim() == 4:  # conv weight
            b = 1.0 / np.sqrt(np.prod(t.shape[1:]))
            v = uniform(rng, t.shape, -b, b)
        else:
            lo, hi = {"weight": (0.5, 1.5), "bias": (-0.5, 0.5), "running_mean": (-0.5, 0.5),
                      "running_var": (0.5, 2.0)}[kind]
            v = uniform(rng, t.shape, lo, hi)
        t.copy_(torch.from_numpy(v).double())


def stages(model, x):
    y = model.maxpool(model.relu(model.bn1(model.conv1(x))))
    out = []
    for layer in (model.layer1, model.layer2, model.layer3, model.layer4):
        y = layer(y)
        out.append(y)
    return out


def channel_norms(t):
    return t.square().sum((0, 2, 3)).sqrt()


def quantities(depth, dtype):
    """Everything the fixture stores, computed in dtype (as float64 tensors), and the names."""
    model = getattr(torchvision.models, f"resnet{depth}")().double()
    del model.fc, model.avgpool
    draw_weights(model, Rng(WEIGHT_SEED))
    model = model.to(dtype)
    x_ = uniform(Rng(INPUT_SEED), INPUT, -1, 1)
    names = list(model.state_dict().keys())
    bns = [n[:-len(".running_mean")] for n in names if n.endswith(".running_mean")]
    q = {}
    model.eval()
    with torch.no_grad():
        c5 = stages(model, torch.from_numpy(x_).to(dtype))[3]
        q["c5_eval"], q["c5_eval_norms"] = c5[0, :, 0, 0], channel_norms(c5)
    model.train()
    x = torch.from_numpy(x_).to(dtype).requires_grad_(True)
    outs = stages(model, x)
    drng = Rng(DOUT_SEED)
    douts = [torch.from_numpy(uniform(drng, tuple(o.shape), -1, 1)).to(dtype) for o in outs]
    torch.autograd.backward(outs, douts)
    params = dict(model.named_parameters())
    state = model.state_dict()
    q["c5"], q["c5_norms"] = outs[3][0, :, 0, 0], channel_norms(outs[3])
    q["out_norms"] = torch.stack([o.norm() for o in outs])
    q["dx_rows"], q["dx_norm"] = x.grad.sum(3), x.grad.norm().reshape(1)
    q["grad_norms"] = torch.stack([p.grad.norm() for p in params.values()])
    for n in ("bn1.weight", "bn1.bias", f"{bns[-1]}.weight"):
        q[f"{n}.grad"] = params[n].grad
    q["running_mean_norms"] = torch.stack([state[f"{b}.running_mean"].norm() for b in bns])
    q["running_var_norms"] = torch.stack([state[f"{b}.running_var"].norm() for b in bns])
    q["bn1.running_mean"], q["bn1.running_var"] = state["bn1.running_mean"], state["bn1.running_var"]
    return {k: v.detach().double() for k, v in q.items()}, names, state, bns


def gen_model(tag, depth, tensors, meta):
    q, names, state, bns = quantities(depth, torch.float64)
    q32 = quantities(depth, torch.float32)[0]
    for k, v in q.items():
        tensors[f"{tag}/{k}"] = f32(v)
        meta[f"{tag}.f32.{k}"] = f"{((q32[k] - v).norm() / v.norm()).item():.3g}"
    meta.update({f"{tag}.depth": str(depth), f"{tag}.names": ",".join(names),
                 f"{tag}.shapes": ",".join("x".join(str(d) for d in state[n].shape) or "scalar" for n in names),
                 f"{tag}.last_bn": bns[-1]})


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE.parent / "fixtures" / "resnet.safetensors"))
    args = ap.parse_args()
    torch.set_num_threads(1)
    tensors, meta = {}, {}
    for tag, depth in MODELS.items():
        gen_model(tag, depth, tensors, meta)
    meta.update(models=",".join(MODELS), eps="1e-05", momentum="0.1", weight_seed=str(WEIGHT_SEED),
                input_seed=str(INPUT_SEED), dout_seed=str(DOUT_SEED),
                input_shape=",".join(str(d) for d in INPUT),
                generator="tests/gen/gen_resnet_fixture.py (float64)", torch=torch.__version__,
                torchvision=torchvision.__version__)
    stio.save(args.out, tensors, meta)
    print(f"{args.out}: {len(tensors)} tensors, {Path(args.out).stat().st_size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
