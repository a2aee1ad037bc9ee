#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Known answers of the convolutional ops from PyTorch, for tests/check_kat.c (dev-time; needs PyTorch).

    /usr/bin/python3 tests/gen/gen_cnn_kats.py [--out tests/fixtures/ops]

As gen_op_kats.py: float32 inputs from geocl's Philox stream, every op evaluated in
float64 (forward, then torch.autograd from a stored random output gradient dout),
outputs and gradients stored rounded to float32.  One file per op:

  conv2d.safetensors            <case>/x, weight, bias, dout, y, dx, dweight, dbias
                                (torch.nn.functional.conv2d)
  conv_transpose2d.safetensors  the same names (conv_transpose2d, weight [Cin, Cout/groups, kh, kw])
  batchnorm.safetensors         <case>/x, weight, bias, running_mean, running_var (before), dout,
                                y, dx, dweight, dbias, and in training mode running_mean_after,
                                running_var_after, num_batches_tracked_after (torch.nn.BatchNorm1d/2d
                                semantics through F.batch_norm; the ReLU applied after it when
                                <case>.relu is 1)
  resize.safetensors            <case>/x, dout, y, dx (F.interpolate with size=)
  max_pool2d.safetensors        <case>/x (multiples of 1/4: ties), dout, y, dx (F.max_pool2d)

Metadata: "cases" and per-case settings "<case>.<key>" (stride, padding, dilation, groups,
output_padding as "rows,columns"; eps, momentum, training, relu; size, mode, align_corners;
kernel, ceil_mode).  Reruns give the same bytes.
"""
import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import stio  # noqa: E402
from gen_op_kats import Draw, f32, f64  # noqa: E402


def pair(v):
    return f"{v[0]},{v[1]}"


def run(tensors, name, out, leaves, dout):
    """Backward from dout; store y and the gradients of the named leaves."""
    out.backward(torch.from_numpy(dout).double())
    tensors[f"{name}/dout"] = dout
    tensors[f"{name}/y"] = f32(out)
    tensors.update({f"{name}/d{k}": f32(t.grad) for k, t in leaves.items()})


# ---------------------------------------------------------------- convolutions

# name: (x shape, weight shape, bias, stride, padding, dilation, groups[, output_padding])
CONV2D = {
    "k3_stride2_pad1": ((2, 3, 9, 8), (4, 3, 3, 3), True, (2, 2), (1, 1), (1, 1), 1),
    "k1": ((2, 5, 4, 5), (3, 5, 1, 1), False, (1, 1), (0, 0), (1, 1), 1),
    "k7_stride2_pad3": ((1, 3, 11, 10), (2, 3, 7, 7), False, (2, 2), (3, 3), (1, 1), 1),
    "dilation2_groups2": ((1, 4, 7, 7), (6, 2, 3, 3), True, (1, 1), (2, 2), (2, 2), 2),
}
CONV_T = {
    "k2_stride2": ((2, 4, 3, 4), (4, 3, 2, 2), True, (2, 2), (0, 0), (1, 1), 1, (0, 0)),
    "k4_stride4": ((1, 3, 2, 3), (3, 2, 4, 4), False, (4, 4), (0, 0), (1, 1), 1, (0, 0)),
    "k3_stride2_pad1_outpad1": ((1, 3, 4, 3), (3, 2, 3, 3), True, (2, 2), (1, 1), (1, 1), 1, (1, 1)),
}


def gen_conv(draw, cases, transposed):
    tensors, meta = {}, {}
    for name, (xs, ws, has_bias, stride, padding, dilation, groups, *rest) in cases.items():
        arrays = {"x": draw.uniform(xs, -1, 1), "weight": draw.uniform(ws, -0.5, 0.5)}
        cout = ws[1] * groups if transposed else ws[0]
        if has_bias:
            arrays["bias"] = draw.uniform((cout,), -1, 1)
        leaves = {k: f64(a) for k, a in arrays.items()}
        bias = leaves.get("bias")
        if transposed:
            y = F.conv_transpose2d(leaves["x"], leaves["weight"], bias, stride, padding, rest[0], groups, dilation)
            meta[f"{name}.output_padding"] = pair(rest[0])
        else:
            y = F.conv2d(leaves["x"], leaves["weight"], bias, stride, padding, dilation, groups)
        tensors.update({f"{name}/{k}": a for k, a in arrays.items()})
        run(tensors, name, y, leaves, draw.uniform(tuple(y.shape), -1, 1))
        meta.update({f"{name}.stride": pair(stride), f"{name}.padding": pair(padding),
                     f"{name}.dilation": pair(dilation), f"{name}.groups": str(groups)})
    return tensors, dict(meta, cases=",".join(cases))


# ---------------------------------------------------------------- batch norm

# name: (x shape, x offset, training, eps, momentum, relu); SimIPU's settings: ResNet 1e-3/0.01,
# PointNet++ MLPs 1e-3/0.1, 1-D heads and aggregation 1e-5/0.1
BATCHNORM = {
    "train_2d": ((4, 3, 5, 6), 2.0, True, 1e-5, 0.1, False),
    "train_2d_resnet_relu": ((2, 4, 6, 5), 0.0, True, 1e-3, 0.01, True),
    "train_1d": ((32, 6), -1.0, True, 1e-5, 0.1, False),
    "eval_2d": ((2, 3, 4, 5), 0.5, False, 1e-3, 0.1, False),
}


def gen_batchnorm(draw):
    tensors, meta = {}, {}
    for name, (xs, offset, training, eps, momentum, relu) in BATCHNORM.items():
        C = xs[1]
        arrays = {"x": draw.uniform(xs, offset - 2, offset + 2), "weight": draw.uniform((C,), 0.5, 1.5),
                  "bias": draw.uniform((C,), -1, 1)}
        rm, rv = draw.uniform((C,), -0.5, 0.5), draw.uniform((C,), 0.5, 2)
        leaves = {k: f64(a) for k, a in arrays.items()}
        run_mean, run_var = torch.from_numpy(rm).double(), torch.from_numpy(rv).double()
        y = F.batch_norm(leaves["x"], run_mean, run_var, leaves["weight"], leaves["bias"], training, momentum, eps)
        if relu:
            y = F.relu(y)
        tensors.update({f"{name}/{k}": a for k, a in arrays.items()})
        tensors.update({f"{name}/running_mean": rm, f"{name}/running_var": rv})
        run(tensors, name, y, leaves, draw.uniform(xs, -1, 1))
        if training:  # F.batch_norm updated the buffers in place; BatchNorm counts the batch
            tensors.update({f"{name}/running_mean_after": f32(run_mean), f"{name}/running_var_after": f32(run_var),
                            f"{name}/num_batches_tracked_after": np.array([1], dtype=np.float32)})
        meta.update({f"{name}.eps": repr(eps), f"{name}.momentum": repr(momentum),
                     f"{name}.training": str(int(training)), f"{name}.relu": str(int(relu))})
    return tensors, dict(meta, cases=",".join(BATCHNORM))


# ---------------------------------------------------------------- resampling

# name: (x shape, output size, mode, align_corners).  Sizes where o·in/out is never an integer
# but at o = 0, so float32 and float64 coordinates pick the same nearest index.
RESIZE = {
    "bilinear_up": ((1, 2, 5, 7), (9, 12), "bilinear", False),
    "bilinear_up_align": ((1, 2, 5, 7), (9, 12), "bilinear", True),
    "bilinear_down": ((2, 1, 11, 13), (4, 5), "bilinear", False),
    "bilinear_down_align": ((2, 1, 11, 13), (4, 5), "bilinear", True),
    "bicubic_up": ((1, 2, 5, 7), (9, 12), "bicubic", False),
    "bicubic_up_align": ((1, 2, 5, 7), (9, 12), "bicubic", True),
    "nearest": ((1, 2, 5, 7), (9, 12), "nearest", False),
}


def gen_resize(draw):
    tensors, meta = {}, {}
    for name, (xs, size, mode, align) in RESIZE.items():
        x_ = draw.uniform(xs, -1, 1)
        x = f64(x_)
        y = F.interpolate(x, size=size, mode=mode, align_corners=None if mode == "nearest" else align)
        tensors[f"{name}/x"] = x_
        run(tensors, name, y, {"x": x}, draw.uniform(tuple(y.shape), -1, 1))
        meta.update({f"{name}.size": pair(size), f"{name}.mode": mode, f"{name}.align_corners": str(int(align))})
    return tensors, dict(meta, cases=",".join(RESIZE))


# ---------------------------------------------------------------- max pooling

# name: (x shape, kernel, stride, padding, dilation, ceil_mode)
MAX_POOL = {
    "stem_k3_stride2_pad1": ((2, 3, 9, 10), (3, 3), (2, 2), (1, 1), (1, 1), False),
    "k3_stride2_dilation2_ceil": ((1, 2, 10, 11), (3, 3), (2, 2), (1, 1), (2, 2), True),
}


def gen_max_pool(draw):
    tensors, meta = {}, {}
    for name, (xs, k, s, p, d, ceil) in MAX_POOL.items():
        x_ = (np.round(draw.uniform(xs, -2, 2) * 4) / 4).astype(np.float32)  # ties in most windows
        x = f64(x_)
        y = F.max_pool2d(x, k, s, p, d, ceil_mode=ceil)
        tensors[f"{name}/x"] = x_
        run(tensors, name, y, {"x": x}, draw.uniform(tuple(y.shape), -1, 1))
        meta.update({f"{name}.kernel": pair(k), f"{name}.stride": pair(s), f"{name}.padding": pair(p),
                     f"{name}.dilation": pair(d), f"{name}.ceil_mode": str(int(ceil))})
    return tensors, dict(meta, cases=",".join(MAX_POOL))


# file: (generator, Philox seed of its inputs)
FILES = {
    "conv2d": (lambda draw: gen_conv(draw, CONV2D, False), 7101),
    "conv_transpose2d": (lambda draw: gen_conv(draw, CONV_T, True), 7102),
    "batchnorm": (gen_batchnorm, 7103),
    "resize": (gen_resize, 7104),
    "max_pool2d": (gen_max_pool, 7105),
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE.parent / "fixtures" / "ops"), help="output folder")
    args = ap.parse_args()
    torch.set_num_threads(1)  # fixed reduction order: the same bytes on every rerun
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    for name, (gen, seed) in FILES.items():
        tensors, meta = gen(Draw(seed))
        meta.update(generator="tests/gen/gen_cnn_kats.py (float64)", torch=torch.__version__, seed=str(seed))
        path = out / f"{name}.safetensors"
        stio.save(path, tensors, meta)
        print(f"{path}: {len(tensors)} tensors, {path.stat().st_size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
