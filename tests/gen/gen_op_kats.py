#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Known answers of single ops from PyTorch, for tests/check_kat.c (dev-time; needs PyTorch).

    /usr/bin/python3 tests/gen/gen_op_kats.py [--out tests/fixtures/ops]

Inputs are float32, drawn from geocl's Philox stream (philox.py), so they do not
depend on the torch version.  Every op is evaluated in float64 from those values
(forward, then torch.autograd from a random output gradient, or from the loss),
and outputs and gradients are stored rounded to float32.  One file per op:

  attention.safetensors, attention_n197.safetensors (one case, 197 tokens)
                          <case>/qkv (self: q, k, v = slices [0, C), [C, 2C), [2C, 3C))
                          or <case>/q, k, v (cross); <case>/qpos, kpos (i32 (y, x), RoPE
                          only; kpos for cross only); <case>/dout, out; <case>/dqkv or dq, dk, dv
  layernorm.safetensors   <case>/x, gamma, beta, dout, y, dx, dgamma, dbeta
  gelu.safetensors        <case>/x, dout, y, dx
  masked_mse.safetensors  <case>/pred, target_raw, mask (f32 0/1), target (normalised), loss, dpred
  infonce.safetensors     <case>/q, k (before L2 normalisation), loss, dq, dk
  grid_sample.safetensors <case>/f [B, C, H, W], grid [B, P, 2], dout [B, P, C], y [B, P, C], df, dgrid
                          (F.grid_sample bilinear, zero padding, align_corners=True on grid [B, 1, P, 2])

Metadata (str -> str): "cases" (comma-separated), the op's constants ("eps", "tau",
"l2_eps") and per-case settings "<case>.<key>".  Reruns give the same bytes.
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
from philox import Rng  # noqa: E402

LN_EPS = 1e-6  # CroCo's LayerNorm
NORMPIX_EPS = 1e-6  # naver/croco models/criterion.py (MaskedMSE, norm_pix_loss)
TAU = 0.07  # zhyever/SimIPU project_cl/configs/simipu/simipu_kitti.py (cl_strategy T)
L2_EPS = 1e-12  # torch.nn.functional.normalize's default, as SimIPU uses it
ROPE_BASE = 100.0  # CroCo v2's RoPE100


class Draw:
    """Successive float32 inputs from one Philox stream per file."""

    def __init__(self, seed):
        self.rng = Rng(seed)

    def uniform(self, shape, lo, hi):
        u = self.rng.uniform(int(np.prod(shape))).reshape(shape)
        return (np.float32(lo) + np.float32(hi - lo) * u).astype(np.float32)

    def ints(self, shape, n):
        """Integers in [0, n)."""
        u = self.rng.uniform(int(np.prod(shape))).astype(np.float64)  # float32 u·n could round up to n
        return np.floor(u * n).astype(np.int32).reshape(shape)


def f64(a):
    return torch.from_numpy(a).double().requires_grad_(True)


def f32(t):
    return t.detach().to(torch.float32).contiguous()


# ---------------------------------------------------------------- attention


def rope2d(t, pos, base):
    """RoPE2D (naver/croco models/pos_embed.py) on t [B, H, N, Dh] at pos [B, N, 2] = (y, x): the first half of the
    head dim is rotated by y, the second by x; within a half, element j pairs with j + Dh/4."""
    q = t.shape[-1] // 4
    theta = base ** (-torch.arange(q, dtype=torch.float64) / q)
    out = []
    for axis in (0, 1):
        phi = pos[:, None, :, axis, None].double() * theta  # [B, 1, N, Q]
        u, v = t[..., 2 * axis * q:(2 * axis + 1) * q], t[..., (2 * axis + 1) * q:(2 * axis + 2) * q]
        out += [u * phi.cos() - v * phi.sin(), v * phi.cos() + u * phi.sin()]
    return torch.cat(out, dim=-1)


def attention(q, k, v, heads, base, qpos, kpos):
    """softmax(q kᵀ / √Dh) v per head (contiguous heads: channel h·Dh + e), RoPE on q and k when base > 0.
    torch 1.13 has no scaled_dot_product_attention, so it is written out."""
    B, Nq, C = q.shape
    dh = C // heads

    def split(x):
        return x.reshape(B, x.shape[1], heads, dh).transpose(1, 2)  # [B, H, N, Dh]

    q, k, v = split(q), split(k), split(v)
    if base > 0:
        q, k = rope2d(q, qpos, base), rope2d(k, kpos, base)
    a = torch.softmax(q @ k.transpose(-1, -2) * dh**-0.5, dim=-1)
    return (a @ v).transpose(1, 2).reshape(B, Nq, C)


# name: (kind, batch, Nq, Nk, heads, head dim, RoPE base); Nk is Nq for self-attention
ATTENTION = {
    "self": ("self", 2, 13, 13, 2, 8, 0.0),
    "self_rope_dh32": ("self", 1, 13, 13, 2, 32, ROPE_BASE),
    "self_rope_dh64": ("self", 1, 7, 7, 1, 64, ROPE_BASE),
    "cross": ("cross", 1, 7, 13, 2, 8, 0.0),
    "cross_rope_dh32": ("cross", 2, 13, 7, 1, 32, ROPE_BASE),
}
# a file of its own (50 KiB): many tokens, few channels
ATTENTION_N197 = {"self_rope_n197": ("self", 1, 197, 197, 1, 8, ROPE_BASE)}


def gen_attention(draw, cases):
    tensors, meta = {}, {}
    for name, (kind, B, nq, nk, heads, dh, base) in cases.items():
        C = heads * dh
        if kind == "self":
            qkv = draw.uniform((B, nq, 3 * C), -2, 2)
            tensors[f"{name}/qkv"] = qkv
            x = f64(qkv)
            q, k, v = x[..., :C], x[..., C:2 * C], x[..., 2 * C:]
            leaves = {"dqkv": x}
        else:
            arrays = {"q": draw.uniform((B, nq, C), -2, 2), "k": draw.uniform((B, nk, C), -2, 2),
                      "v": draw.uniform((B, nk, C), -2, 2)}
            tensors.update({f"{name}/{s}": a for s, a in arrays.items()})
            leaves = {f"d{s}": f64(a) for s, a in arrays.items()}
            q, k, v = leaves["dq"], leaves["dk"], leaves["dv"]
        qpos = kpos = None
        if base > 0:  # (y, x) drawn from a 14x14 grid, as CroCo's 224/16
            qpos = draw.ints((B, nq, 2), 14)
            kpos = qpos if kind == "self" else draw.ints((B, nk, 2), 14)
            tensors[f"{name}/qpos"] = qpos
            if kind == "cross":
                tensors[f"{name}/kpos"] = kpos
            qpos, kpos = torch.from_numpy(qpos), torch.from_numpy(kpos)
        dout = draw.uniform((B, nq, C), -1, 1)
        out = attention(q, k, v, heads, base, qpos, kpos)
        out.backward(torch.from_numpy(dout).double())
        tensors[f"{name}/dout"] = dout
        tensors[f"{name}/out"] = f32(out)
        tensors.update({f"{name}/{g}": f32(t.grad) for g, t in leaves.items()})
        meta.update({f"{name}.heads": str(heads), f"{name}.rope_base": repr(base)})
    return tensors, dict(meta, cases=",".join(cases))


# ---------------------------------------------------------------- layernorm and GELU

# name: (shape, offset of x): the offset makes a one-pass variance lose its digits
LAYERNORM = {"tokens": ((2, 13, 37), 0.0), "wide_offset": ((7, 197), 3.0)}


def gen_layernorm(draw):
    tensors = {}
    for name, (shape, offset) in LAYERNORM.items():
        C = shape[-1]
        arrays = {"x": draw.uniform(shape, offset - 2, offset + 2), "gamma": draw.uniform((C,), 0.5, 1.5),
                  "beta": draw.uniform((C,), -1, 1)}
        dout = draw.uniform(shape, -1, 1)
        x, gamma, beta = (f64(a) for a in arrays.values())
        y = F.layer_norm(x, (C,), gamma, beta, LN_EPS)
        y.backward(torch.from_numpy(dout).double())
        tensors.update({f"{name}/{s}": a for s, a in arrays.items()})
        tensors.update({f"{name}/dout": dout, f"{name}/y": f32(y), f"{name}/dx": f32(x.grad),
                        f"{name}/dgamma": f32(gamma.grad), f"{name}/dbeta": f32(beta.grad)})
    return tensors, {"cases": ",".join(LAYERNORM), "eps": repr(LN_EPS)}


GELU = {"tokens": ((7, 13, 11), 6.0)}  # name: (shape, x range ±)


def gen_gelu(draw):
    tensors = {}
    for name, (shape, r) in GELU.items():
        x_, dout = draw.uniform(shape, -r, r), draw.uniform(shape, -1, 1)
        x = f64(x_)
        y = F.gelu(x)  # exact erf form
        y.backward(torch.from_numpy(dout).double())
        tensors.update({f"{name}/x": x_, f"{name}/dout": dout, f"{name}/y": f32(y), f"{name}/dx": f32(x.grad)})
    return tensors, {"cases": ",".join(GELU)}


# ---------------------------------------------------------------- losses

# name: (batch, patches, values per patch 3p²)
MASKED_MSE = {"p4": (2, 13, 48), "p8": (1, 7, 192)}


def gen_masked_mse(draw):
    tensors = {}
    for name, (B, N, P) in MASKED_MSE.items():
        # pixels: each patch with its own offset and spread; patch (0, 1) nearly flat (variance ~ eps)
        offset, spread = draw.uniform((B, N, 1), -1.5, 1.5), draw.uniform((B, N, 1), 0.05, 1.5)
        offset[0, 1], spread[0, 1] = 0.0, 1e-3
        raw = (offset + spread * draw.uniform((B, N, P), -1, 1)).astype(np.float32)
        pred = draw.uniform((B, N, P), -2, 2)
        mask = (draw.uniform((B, N), 0, 1) < 0.75).astype(np.float32)
        mask[0, 0], mask[0, 1], mask[-1, -1] = 1.0, 1.0, 0.0  # the flat patch counts; some patch does not
        t = torch.from_numpy(raw).double()
        target = (t - t.mean(-1, keepdim=True)) / (t.var(-1, unbiased=True, keepdim=True) + NORMPIX_EPS).sqrt()
        p = f64(pred)
        m = torch.from_numpy(mask).double()
        loss = (((p - target) ** 2).mean(-1) * m).sum() / m.sum()
        loss.backward()
        tensors.update({f"{name}/pred": pred, f"{name}/target_raw": raw, f"{name}/mask": mask,
                        f"{name}/target": f32(target), f"{name}/loss": f32(loss), f"{name}/dpred": f32(p.grad)})
    return tensors, {"cases": ",".join(MASKED_MSE), "eps": repr(NORMPIX_EPS)}


INFONCE = {"m67": (67, 24)}  # name: (rows M, dim D)


def gen_infonce(draw):
    tensors = {}
    for name, (M, D) in INFONCE.items():
        q_ = draw.uniform((M, D), -1, 1)
        k_ = (q_ + np.float32(0.7) * draw.uniform((M, D), -1, 1)).astype(np.float32)  # positives correlate
        q, k = f64(q_), f64(k_)
        logits = F.normalize(q, dim=1, eps=L2_EPS) @ F.normalize(k, dim=1, eps=L2_EPS).t() / TAU
        loss = F.cross_entropy(logits, torch.arange(M))
        loss.backward()
        tensors.update({f"{name}/q": q_, f"{name}/k": k_, f"{name}/loss": f32(loss), f"{name}/dq": f32(q.grad),
                        f"{name}/dk": f32(k.grad)})
    return tensors, {"cases": ",".join(INFONCE), "tau": repr(TAU), "l2_eps": repr(L2_EPS)}


# ---------------------------------------------------------------- sampling at points

# name: (batch, channels, H, W, points)
GRID_SAMPLE = {"map7x9": (2, 5, 7, 9, 31), "one_row": (1, 3, 1, 6, 9)}
# SimIPU's use (zhyever/SimIPU, project_cl/decorator/inter_intro_decorator_moco_better.py): pixels (u, v)
# of a padded 320x96 image normalised by that image's own pad shape, sampled on the C5 map (stride 32)
# of its group, whose padded size is 352x128
SIMIPU_PAD, SIMIPU_GROUP, SIMIPU_STRIDE = (96, 320), (128, 352), 32


def grid_sample_case(tensors, name, f_, grid_, draw):
    B, C, _, _ = f_.shape
    dout = draw.uniform((B, grid_.shape[1], C), -1, 1)
    f, grid = f64(f_), f64(grid_)
    y = F.grid_sample(f, grid[:, None], mode="bilinear", padding_mode="zeros", align_corners=True)  # [B, C, 1, P]
    y = y[:, :, 0].transpose(1, 2)  # [B, P, C]
    y.backward(torch.from_numpy(dout).double())
    tensors.update({f"{name}/f": f_, f"{name}/grid": grid_, f"{name}/dout": dout, f"{name}/y": f32(y),
                    f"{name}/df": f32(f.grad), f"{name}/dgrid": f32(grid.grad)})


def gen_grid_sample(draw):
    tensors = {}
    for name, (B, C, H, W, P) in GRID_SAMPLE.items():
        grid = draw.uniform((B, P, 2), -1.25, 1.25)  # some points outside the map
        # corners, edges and the centre exactly (pixel coordinates 0, (n-1)/2, n-1 in float32 and float64 alike)
        exact = np.array([[-1, -1], [1, 1], [-1, 1], [1, 0], [0, 0], [0, -1]], np.float32)
        grid[0, :len(exact)] = exact
        grid_sample_case(tensors, name, draw.uniform((B, C, H, W), -2, 2), grid, draw)
    (hp, wp), (hb, wb) = SIMIPU_PAD, SIMIPU_GROUP
    u, v = draw.uniform((1, 40, 1), 0, wp - 20), draw.uniform((1, 40, 1), 0, hp)
    grid = np.concatenate([2 * u / wp - 1, 2 * v / hp - 1], axis=2).astype(np.float32)
    f = draw.uniform((1, 16, hb // SIMIPU_STRIDE, wb // SIMIPU_STRIDE), -2, 2)
    grid_sample_case(tensors, "simipu", f, grid, draw)
    return tensors, {"cases": ",".join(list(GRID_SAMPLE) + ["simipu"])}


# file: (generator, Philox seed of its inputs)
FILES = {
    "attention": (lambda draw: gen_attention(draw, ATTENTION), 7001),
    "attention_n197": (lambda draw: gen_attention(draw, ATTENTION_N197), 7006),
    "layernorm": (gen_layernorm, 7002),
    "gelu": (gen_gelu, 7003),
    "masked_mse": (gen_masked_mse, 7004),
    "infonce": (gen_infonce, 7005),
    "grid_sample": (gen_grid_sample, 7007),
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
        meta.update(generator="tests/gen/gen_op_kats.py (float64)", torch=torch.__version__, seed=str(seed))
        path = out / f"{name}.safetensors"
        stio.save(path, tensors, meta)
        print(f"{path}: {len(tensors)} tensors, {path.stat().st_size / 1024:.1f} KiB")


if __name__ == "__main__":
    main()
