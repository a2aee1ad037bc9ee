#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Known answers for tests/check_optim.c from PyTorch's optimizers.

Runs torch.optim.AdamW / torch.optim.SGD (and torch.nn.utils.clip_grad_norm_)
for 5 steps on three small parameters in two groups, from fixed initial
values and gradients, with the learning rate changed between steps, and
writes everything to tests/fixtures/optim_torch.safetensors:

  init/<p>              initial value of parameter p
  grad/<s>/<p>          gradient given at step s (1..5)
  <case>/<s>/<p>        value after step s
  <case>/norm           global gradient norm of each step, before clipping

Metadata: "steps", "lr_factors" (lr of step s = base lr × factor s),
"params" ("name:group,..."), "cases", and per case "<case>.group<g>"
(settings as key=value words) and "<case>.max_norm" (0: no clipping).

Usage (dev time only; needs Debian's python3-torch):
    /usr/bin/python3 tests/gen/gen_optim_fixture.py [OUT]
"""
import json
import os
import struct
import sys

import torch

STEPS = 5
LR_FACTORS = [1.0, 0.8, 1.2, 0.5, 1.0]
# gradient magnitude per step: with max_norm 1 steps 2, 4 and 5 are clipped
GRAD_SCALES = [0.05, 3.0, 0.1, 10.0, 0.5]
PARAMS = [("w", (5, 7), 0), ("b", (7,), 1), ("t", (3, 1, 3), 0)]

ADAMW_CROCO = dict(kind="adamw", lr=1e-2, beta1=0.9, beta2=0.95, eps=1e-8)
ADAMW_SIMIPU = dict(kind="adamw", lr=1e-3, beta1=0.95, beta2=0.99, eps=1e-8, wd=0.01)
SGD_SIMIPU = dict(kind="sgd", lr=0.03, momentum=0.9, dampening=0.0, wd=1e-4, nesterov=0)

CASES = {
    # CroCo's recipe: decay / no-decay groups
    "adamw_croco": ([dict(ADAMW_CROCO, wd=0.05), dict(ADAMW_CROCO, wd=0.0)], 0.0),
    # group 1's eps is large enough to matter (it is added to √v̂, not inside the root)
    "adamw_simipu_clip": ([ADAMW_SIMIPU, dict(ADAMW_SIMIPU, lr=2e-3, eps=1e-3)], 1.0),
    "sgd_plain": ([dict(kind="sgd", lr=0.03, momentum=0.0, dampening=0.0, wd=1e-4, nesterov=0),
                   dict(kind="sgd", lr=0.05, momentum=0.0, dampening=0.0, wd=0.0, nesterov=0)], 0.0),
    "sgd_momentum": ([SGD_SIMIPU, dict(SGD_SIMIPU, wd=0.0)], 0.0),
    "sgd_nesterov_clip": ([dict(kind="sgd", lr=0.01, momentum=0.9, dampening=0.0, wd=1e-3, nesterov=1),
                           dict(kind="sgd", lr=0.02, momentum=0.5, dampening=0.0, wd=0.0, nesterov=1)], 1.0),
    "sgd_dampening": ([dict(kind="sgd", lr=0.05, momentum=0.8, dampening=0.3, wd=1e-3, nesterov=0),
                       dict(kind="sgd", lr=0.05, momentum=0.8, dampening=0.3, wd=0.0, nesterov=0)], 0.0),
    # SimIPU's hybrid: AdamW for one group, SGD for the other, one global clip
    "hybrid_clip": ([ADAMW_SIMIPU, SGD_SIMIPU], 1.0),
}


def make_optimizer(settings, params):
    if settings["kind"] == "adamw":
        return torch.optim.AdamW(params, lr=settings["lr"], betas=(settings["beta1"], settings["beta2"]),
                                 eps=settings["eps"], weight_decay=settings["wd"])
    return torch.optim.SGD(params, lr=settings["lr"], momentum=settings["momentum"],
                           dampening=settings["dampening"], weight_decay=settings["wd"],
                           nesterov=bool(settings["nesterov"]))


def run_case(groups, max_norm, init, grads):
    params = {name: torch.nn.Parameter(init[name].clone()) for name, _, _ in PARAMS}
    members = [[params[name] for name, _, g in PARAMS if g == k] for k in range(len(groups))]
    # one torch optimizer per group, so the groups may be of different kinds
    optimizers = [make_optimizer(s, m) for s, m in zip(groups, members)]
    ordered = [params[name] for name, _, _ in PARAMS]
    out, norms = {}, []
    for s in range(STEPS):
        for name, _, _ in PARAMS:
            params[name].grad = grads[s][name].clone()
        if max_norm > 0:
            norm = torch.nn.utils.clip_grad_norm_(ordered, max_norm)
        else:
            norm = torch.norm(torch.stack([torch.norm(p.grad) for p in ordered]))
        norms.append(float(norm))
        for opt, settings in zip(optimizers, groups):
            for group in opt.param_groups:
                group["lr"] = settings["lr"] * LR_FACTORS[s]
            opt.step()
        for name, _, _ in PARAMS:
            out[f"{s + 1}/{name}"] = params[name].detach().clone()
    return out, torch.tensor(norms, dtype=torch.float32)


def settings_text(s):
    return " ".join([s["kind"]] + [f"{k}={v!r}" for k, v in s.items() if k != "kind"])


def write_safetensors(path, tensors, metadata):
    header = {"__metadata__": metadata}
    offset, blobs = 0, []
    for name, t in tensors.items():
        data = t.contiguous().numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(data)]}
        offset += len(data)
        blobs.append(data)
    text = json.dumps(header, separators=(",", ":")).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "fixtures",
                                                             "optim_torch.safetensors")
    torch.manual_seed(20240607)
    init = {name: torch.randn(shape) for name, shape, _ in PARAMS}
    grads = [{name: torch.randn(shape) * GRAD_SCALES[s] for name, shape, _ in PARAMS} for s in range(STEPS)]
    tensors = {f"init/{name}": init[name] for name, _, _ in PARAMS}
    for s in range(STEPS):
        for name, _, _ in PARAMS:
            tensors[f"grad/{s + 1}/{name}"] = grads[s][name]
    metadata = {
        "generator": "tests/gen/gen_optim_fixture.py",
        "torch": torch.__version__,
        "steps": str(STEPS),
        "lr_factors": ",".join(repr(f) for f in LR_FACTORS),
        "params": ",".join(f"{name}:{g}" for name, _, g in PARAMS),
        "cases": ",".join(CASES),
    }
    for case, (groups, max_norm) in CASES.items():
        values, norms = run_case(groups, max_norm, init, grads)
        for key, t in values.items():
            tensors[f"{case}/{key}"] = t
        tensors[f"{case}/norm"] = norms
        for g, s in enumerate(groups):
            metadata[f"{case}.group{g}"] = settings_text(s)
        metadata[f"{case}.max_norm"] = repr(max_norm)
    write_safetensors(out, tensors, metadata)
    print(f"wrote {out}: {len(tensors)} tensors, {os.path.getsize(out)} bytes")


if __name__ == "__main__":
    main()
