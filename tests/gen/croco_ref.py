# SPDX-License-Identifier: MIT
"""PyTorch reference of CroCo (cross-view completion) and its single-view MAE baseline.

An independent re-implementation of what naver/croco's models/croco.py, models/blocks.py,
models/pos_embed.py, models/masking.py and models/criterion.py compute (no code is taken
from there).  It is the oracle for geocl's croco and mae plugins: it runs on the CPU in float32
or float64, takes an explicit mask, and returns every intermediate the golden
tests compare.  State-dict names, shapes and order are those of the official
CroCoNet (models/croco.py), so official checkpoints load into CroCoRef unchanged.

Conventions (as in models/croco.py): token n = i*w + j (row-major); positions are (row, col);
LayerNorm eps 1e-6; exact-erf GELU; qkv packed [q | k | v] with contiguous heads.
"""
from dataclasses import dataclass
from typing import Optional

import json

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from philox import Rng

LN_EPS = 1e-6
NORM_PIX_EPS = 1e-6
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)

# CroCoNet constructor defaults (models/croco.py); norm_layer is fixed to LayerNorm(eps=1e-6)
DEFAULTS = dict(
    img_size=224,
    patch_size=16,
    mask_ratio=0.9,
    enc_embed_dim=768,
    enc_depth=12,
    enc_num_heads=12,
    dec_embed_dim=512,
    dec_depth=8,
    dec_num_heads=16,
    mlp_ratio=4,
    norm_im2_in_dec=True,
    pos_embed="cosine",
)

# the released configurations (naver/croco README), as CroCoNet kwargs
OFFICIAL_CONFIGS = {
    "v1": {},
    "v2-vitb-smalldec": dict(pos_embed="RoPE100"),
    "v2-vitb-basedec": dict(pos_embed="RoPE100", dec_embed_dim=768, dec_depth=12, dec_num_heads=12),
    "v2-vitl-basedec": dict(
        pos_embed="RoPE100",
        enc_embed_dim=1024,
        enc_depth=24,
        enc_num_heads=16,
        dec_embed_dim=768,
        dec_depth=12,
        dec_num_heads=12,
    ),
}


def full_config(kwargs, task="croco"):
    """kwargs over the defaults, checked; img_size becomes (H, W).  The MAE task has no norm_im2_in_dec."""
    unknown = set(kwargs) - set(DEFAULTS)
    if unknown:
        raise ValueError(f"unknown CroCoNet arguments {sorted(unknown)}")
    cfg = dict(DEFAULTS, **kwargs)
    size = cfg["img_size"]
    cfg["img_size"] = (int(size), int(size)) if isinstance(size, (int, np.integer)) else tuple(int(s) for s in size)
    p = cfg["patch_size"]
    if not isinstance(p, (int, np.integer)):
        raise ValueError(f"patch_size must be an int (square patches), got {p!r}")
    H, W = cfg["img_size"]
    if len(cfg["img_size"]) != 2 or H % p or W % p:
        raise ValueError(f"img_size {cfg['img_size']} is not a multiple of patch_size {p}")
    for side in ("enc", "dec"):
        dim, heads = cfg[f"{side}_embed_dim"], cfg[f"{side}_num_heads"]
        if dim % heads:
            raise ValueError(f"{side}_embed_dim {dim} is not a multiple of {side}_num_heads {heads}")
        if rope_base(cfg["pos_embed"]) is not None and (dim // heads) % 4:
            raise ValueError(f"RoPE needs the {side} head dim ({dim // heads}) to be a multiple of 4")
        if cfg["pos_embed"] == "cosine" and dim % 4:
            raise ValueError(f"sin-cos embedding needs {side}_embed_dim ({dim}) to be a multiple of 4")
    if task == "mae":
        cfg.pop("norm_im2_in_dec")
    return cfg


def rope_base(pos_embed):
    """RoPE base of 'RoPE<freq>', None for 'cosine'."""
    if pos_embed == "cosine":
        return None
    if pos_embed.startswith("RoPE"):
        return float(pos_embed[len("RoPE") :])
    raise ValueError(f"unknown pos_embed {pos_embed!r} (cosine or RoPE<freq>)")


# ---------------------------------------------------------------- positions


def grid_positions(h, w):
    """[h*w, 2] int64 (row, col) of each token in row-major order (PositionGetter, models/blocks.py)."""
    rows = torch.arange(h).repeat_interleave(w)
    cols = torch.arange(w).repeat(h)
    return torch.stack([rows, cols], dim=1)


def sincos_2d(dim, h, w):
    """[h*w, dim] float32 2D sin-cos table: [sin x | cos x | sin y | cos y], x = column
    (get_2d_sincos_pos_embed, models/pos_embed.py).

    Computed in float64, then rounded to float32 like the official buffer.
    """
    q = dim // 4
    omega = 10000.0 ** (-np.arange(q, dtype=np.float64) / q)
    pos = grid_positions(h, w).numpy().astype(np.float64)
    ang_x = pos[:, 1:2] * omega[None, :]
    ang_y = pos[:, 0:1] * omega[None, :]
    table = np.concatenate([np.sin(ang_x), np.cos(ang_x), np.sin(ang_y), np.cos(ang_y)], axis=1)
    return torch.from_numpy(table.astype(np.float32))


def rope2d(t, pos, base):
    """RoPE2D (models/pos_embed.py) of head vectors t [B, H, N, Dh] at positions pos [B, N, 2] (row, col).

    Quarter layout: (t[:Q], t[Q:2Q]) rotate by row*theta, (t[2Q:3Q], t[3Q:]) by col*theta,
    theta_j = base^(-j/Q); angles and their cos/sin are computed in float64.
    """
    Q = t.shape[-1] // 4
    theta = base ** (-torch.arange(Q, dtype=torch.float64) / Q)
    ang = pos.to(torch.float64)[:, None, :, :, None] * theta  # [B, 1, N, 2, Q]
    cos, sin = ang.cos().to(t.dtype), ang.sin().to(t.dtype)
    out = []
    for axis in (0, 1):  # first half: row (y), second half: column (x)
        u = t[..., 2 * axis * Q : (2 * axis + 1) * Q]
        v = t[..., (2 * axis + 1) * Q : (2 * axis + 2) * Q]
        c, s = cos[:, :, :, axis], sin[:, :, :, axis]
        out += [u * c - v * s, v * c + u * s]
    return torch.cat(out, dim=-1)


# ---------------------------------------------------------------- layers


def layer_norm(dim):
    return nn.LayerNorm(dim, eps=LN_EPS)


def split_heads(x, heads):
    """[B, N, C] -> [B, heads, N, C/heads], head h = channels [h*Dh, (h+1)*Dh)."""
    B, N, C = x.shape
    return x.reshape(B, N, heads, C // heads).transpose(1, 2)


def merge_heads(x):
    B, H, N, Dh = x.shape
    return x.transpose(1, 2).reshape(B, N, H * Dh)


def attend(q, k, v, qpos, kpos, base):
    """softmax(q k^T / sqrt(Dh)) v per head, RoPE on q and k when base is set."""
    if base is not None:
        q, k = rope2d(q, qpos, base), rope2d(k, kpos, base)
    scores = (q @ k.transpose(-2, -1)) * (q.shape[-1] ** -0.5)
    return scores.softmax(dim=-1) @ v


class SelfAttention(nn.Module):
    def __init__(self, dim, heads, base):
        super().__init__()
        self.heads, self.base = heads, base
        self.qkv = nn.Linear(dim, 3 * dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, pos):
        q, k, v = (split_heads(t, self.heads) for t in self.qkv(x).chunk(3, dim=-1))
        return self.proj(merge_heads(attend(q, k, v, pos, pos, self.base)))


class CrossAttention(nn.Module):
    def __init__(self, dim, heads, base):
        super().__init__()
        self.heads, self.base = heads, base
        self.projq = nn.Linear(dim, dim)
        self.projk = nn.Linear(dim, dim)
        self.projv = nn.Linear(dim, dim)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x, mem, xpos, mempos):
        q = split_heads(self.projq(x), self.heads)
        k = split_heads(self.projk(mem), self.heads)
        v = split_heads(self.projv(mem), self.heads)
        return self.proj(merge_heads(attend(q, k, v, xpos, mempos, self.base)))


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(F.gelu(self.fc1(x)))


class Block(nn.Module):
    """Pre-norm transformer block (Block, models/blocks.py): the encoder's, and the MAE decoder's."""

    def __init__(self, dim, heads, mlp_ratio, base):
        super().__init__()
        self.norm1 = layer_norm(dim)
        self.attn = SelfAttention(dim, heads, base)
        self.norm2 = layer_norm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))

    def forward(self, x, pos):
        x = x + self.attn(self.norm1(x), pos)
        return x + self.mlp(self.norm2(x))


class DecoderBlock(nn.Module):
    """Self-attention, cross-attention to the fixed memory, MLP (DecoderBlock, models/blocks.py)."""

    def __init__(self, dim, heads, mlp_ratio, base, norm_mem):
        super().__init__()
        self.norm1 = layer_norm(dim)
        self.attn = SelfAttention(dim, heads, base)
        self.cross_attn = CrossAttention(dim, heads, base)
        self.norm2 = layer_norm(dim)
        self.norm3 = layer_norm(dim)
        self.mlp = Mlp(dim, int(dim * mlp_ratio))
        self.norm_y = layer_norm(dim) if norm_mem else nn.Identity()

    def forward(self, x, mem, pos, mempos):
        x = x + self.attn(self.norm1(x), pos)
        x = x + self.cross_attn(self.norm2(x), self.norm_y(mem), pos, mempos)
        return x + self.mlp(self.norm3(x))


class PatchEmbed(nn.Module):
    """Conv2d(3 -> D, kernel = stride = p); token n = i*w + j (PatchEmbed, models/blocks.py)."""

    def __init__(self, img_size, patch, dim):
        super().__init__()
        self.img_size, self.patch = img_size, patch
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, img):
        if tuple(img.shape[-2:]) != self.img_size:
            raise ValueError(f"image size {tuple(img.shape[-2:])} differs from the model's img_size {self.img_size}")
        return self.proj(img).flatten(2).transpose(1, 2)


# ---------------------------------------------------------------- losses


def patchify(img, p):
    """[B, 3, H, W] -> [B, N, p*p*3], element (ky*p + kx)*3 + c (CroCoNet.patchify); H and W may differ."""
    B, C, H, W = img.shape
    x = img.reshape(B, C, H // p, p, W // p, p).permute(0, 2, 4, 3, 5, 1)
    return x.reshape(B, (H // p) * (W // p), p * p * C)


def norm_pix(target):
    """Per-patch (t - mean) / sqrt(unbiased var + 1e-6) over all p*p*3 entries
    (MaskedMSE, models/criterion.py)."""
    mean = target.mean(dim=-1, keepdim=True)
    var = ((target - mean) ** 2).sum(dim=-1, keepdim=True) / (target.shape[-1] - 1)
    return (target - mean) / torch.sqrt(var + NORM_PIX_EPS)


def masked_mse(pred, target, mask):
    """Mean over the masked patches of the per-patch mean squared error."""
    per_patch = ((pred - target) ** 2).mean(dim=-1)
    m = mask.to(pred.dtype)
    return (per_patch * m).sum() / m.sum()


def random_mask(batch, num_patches, mask_ratio, generator=None):
    """The official draw (RandomMask, models/masking.py): argsort of uniforms;
    mask[n] = perm[n] < floor(ratio*N)."""
    noise = torch.rand(batch, num_patches, generator=generator)
    return torch.argsort(noise, dim=1) < int(mask_ratio * num_patches)


def philox_mask(batch, num_patches, mask_ratio, seed):
    """The official draw with geocl's RNG instead of torch.rand: batch*N uniforms of stream
    (seed, 0), row-major; per row perm = stable argsort; mask[n] = perm[n] < floor(ratio*N)."""
    u = Rng(seed).uniform(batch * num_patches).reshape(batch, num_patches)
    perm = np.argsort(u, axis=1, kind="stable")
    return torch.from_numpy(perm < int(mask_ratio * num_patches))


# ---------------------------------------------------------------- models


@dataclass
class Outputs:
    pred: torch.Tensor  # [B, N, p*p*3], every patch
    mask: torch.Tensor  # [B, N] bool, True = masked
    target: torch.Tensor  # [B, N, p*p*3], normalised as the loss uses it
    loss: torch.Tensor  # scalar
    feat1: torch.Tensor  # [B, Nv, D] encoder output of image 1's visible tokens, after enc_norm
    feat2: Optional[torch.Tensor]  # [B, N, D] encoder output of image 2 after enc_norm (None for MAE)
    dec: torch.Tensor  # [B, N, d] decoder output after dec_norm, before prediction_head


class CroCoRef(nn.Module):
    """CroCoNet: masked image 1 is reconstructed from its visible patches and from image 2.

    Constructor arguments are CroCoNet's (see DEFAULTS).  Parameters are created in the
    official order and initialised as CroCoNet.initialize_weights, so under the same torch seed the
    weights equal the official model's.
    """

    task = "croco"

    def __init__(self, **kwargs):
        super().__init__()
        cfg = full_config(kwargs, self.task)
        self.config = cfg
        H, W = cfg["img_size"]
        p, D, d = cfg["patch_size"], cfg["enc_embed_dim"], cfg["dec_embed_dim"]
        self.grid = (H // p, W // p)
        self.num_patches = self.grid[0] * self.grid[1]
        self.base = rope_base(cfg["pos_embed"])
        # root parameter and buffers come first in the state_dict (as in CroCoNet)
        self.mask_token = nn.Parameter(torch.zeros(1, 1, d))
        if self.base is None:
            self.register_buffer("enc_pos_embed", sincos_2d(D, *self.grid))
            self.register_buffer("dec_pos_embed", sincos_2d(d, *self.grid))
        else:
            self.enc_pos_embed = self.dec_pos_embed = None
        self.patch_embed = PatchEmbed(cfg["img_size"], p, D)
        self.enc_blocks = nn.ModuleList(
            Block(D, cfg["enc_num_heads"], cfg["mlp_ratio"], self.base) for _ in range(cfg["enc_depth"])
        )
        self.enc_norm = layer_norm(D)
        self.decoder_embed = nn.Linear(D, d)
        self.dec_blocks = nn.ModuleList(self.make_decoder_block() for _ in range(cfg["dec_depth"]))
        self.dec_norm = layer_norm(d)
        self.prediction_head = nn.Linear(d, p * p * 3)
        self.init_official_()

    def make_decoder_block(self):
        c = self.config
        return DecoderBlock(c["dec_embed_dim"], c["dec_num_heads"], c["mlp_ratio"], self.base, c["norm_im2_in_dec"])

    @torch.no_grad()
    def init_official_(self):
        """CroCoNet.initialize_weights: xavier patch-embed weight (bias keeps the default conv init),
        N(0, 0.02) mask token, xavier linears with zero bias, LayerNorm 1/0 — in this order."""
        w = self.patch_embed.proj.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        nn.init.normal_(self.mask_token, std=0.02)
        for m in self.modules():  # pre-order; equals the official post-order for the leaf modules
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    # -- pieces shared with the MAE variant

    def positions(self, batch):
        return grid_positions(*self.grid).expand(batch, -1, -1)

    def embed(self, img):
        x = self.patch_embed(img)
        if self.enc_pos_embed is not None:
            x = x + self.enc_pos_embed
        return x

    def encode(self, x, pos):
        for blk in self.enc_blocks:
            x = blk(x, pos)
        return self.enc_norm(x)

    def encode_visible(self, img1, mask):
        """enc_norm(encoder) of image 1's visible tokens, in increasing patch index; and their positions."""
        x, pos = self.embed(img1), self.positions(img1.shape[0])
        B, N, D = x.shape
        nvis = (~mask).sum(dim=1)
        if (nvis != nvis[0]).any():
            raise ValueError(f"every mask row must hide the same number of patches (visible: {nvis.tolist()})")
        keep = ~mask
        return self.encode(x[keep].reshape(B, -1, D), pos[keep].reshape(B, -1, 2))

    def decoder_input(self, feat1, mask):
        """Mask tokens everywhere, embedded visible features in the visible slots, plus dec_pos_embed."""
        vis = self.decoder_embed(feat1)
        B, N = mask.shape
        x = self.mask_token.to(vis.dtype).expand(B, N, -1).clone()
        x[~mask] = vis.reshape(-1, vis.shape[-1])
        return x + self.dec_pos_embed if self.dec_pos_embed is not None else x

    def finish(self, img1, mask, dec, feat1, feat2):
        pred = self.prediction_head(dec)
        target = norm_pix(patchify(img1, self.config["patch_size"]))
        return Outputs(pred, mask, target, masked_mse(pred, target, mask), feat1, feat2, dec)

    def check_mask(self, mask, batch):
        if mask is None:
            return random_mask(batch, self.num_patches, self.config["mask_ratio"])
        mask = mask.to(torch.bool)
        if mask.dim() == 1:
            mask = mask.expand(batch, -1)
        if tuple(mask.shape) != (batch, self.num_patches):
            raise ValueError(f"mask shape {tuple(mask.shape)}, want ({batch}, {self.num_patches})")
        return mask

    def forward(self, img1, img2, mask=None):
        B = img1.shape[0]
        mask = self.check_mask(mask, B)
        feat1 = self.encode_visible(img1, mask)
        pos = self.positions(B)
        feat2 = self.encode(self.embed(img2), pos)
        x = self.decoder_input(feat1, mask)
        mem = self.decoder_embed(feat2)
        if self.dec_pos_embed is not None:
            mem = mem + self.dec_pos_embed
        for blk in self.dec_blocks:
            x = blk(x, mem, pos, pos)  # the memory is never updated
        return self.finish(img1, mask, self.dec_norm(x), feat1, feat2)


class MAERef(CroCoRef):
    """Single-view baseline: CroCo's encoder; decoder blocks without cross-attention and norm_y.

    There is no official MAE checkpoint for CroCo.  geocl names its parameters on the
    CroCo scheme: the decoder blocks are encoder-style Blocks, so their keys are
    dec_blocks.{j}.norm1, attn.qkv, attn.proj, norm2, mlp.fc1, mlp.fc2 (.weight/.bias);
    every other key is CroCoNet's.
    """

    task = "mae"

    def make_decoder_block(self):
        c = self.config
        return Block(c["dec_embed_dim"], c["dec_num_heads"], c["mlp_ratio"], self.base)

    def forward(self, img1, img2=None, mask=None):
        if img2 is not None:
            raise ValueError("the MAE task takes a single image")
        B = img1.shape[0]
        mask = self.check_mask(mask, B)
        feat1 = self.encode_visible(img1, mask)
        x, pos = self.decoder_input(feat1, mask), self.positions(B)
        for blk in self.dec_blocks:
            x = blk(x, pos)
        return self.finish(img1, mask, self.dec_norm(x), feat1, None)


MODELS = {"croco": CroCoRef, "mae": MAERef}


def build(task, kwargs):
    return MODELS[task](**kwargs)


def expected_shapes(kwargs, task="croco"):
    """Ordered {state_dict key: shape} of a model with these kwargs, without building it (CroCoNet's order)."""
    c = full_config(kwargs, task)
    p, D, d = c["patch_size"], c["enc_embed_dim"], c["dec_embed_dim"]
    N = (c["img_size"][0] // p) * (c["img_size"][1] // p)
    shapes = {"mask_token": (1, 1, d)}
    if rope_base(c["pos_embed"]) is None:
        shapes.update(enc_pos_embed=(N, D), dec_pos_embed=(N, d))

    def linear(prefix, n_in, n_out):
        shapes.update({f"{prefix}.weight": (n_out, n_in), f"{prefix}.bias": (n_out,)})

    def norm(prefix, n):
        shapes.update({f"{prefix}.weight": (n,), f"{prefix}.bias": (n,)})

    def block(prefix, n, cross, norm_mem):
        hidden = int(n * c["mlp_ratio"])
        norm(f"{prefix}.norm1", n)
        linear(f"{prefix}.attn.qkv", n, 3 * n)
        linear(f"{prefix}.attn.proj", n, n)
        if cross:
            for name in ("projq", "projk", "projv", "proj"):
                linear(f"{prefix}.cross_attn.{name}", n, n)
        norm(f"{prefix}.norm2", n)
        if cross:
            norm(f"{prefix}.norm3", n)
        linear(f"{prefix}.mlp.fc1", n, hidden)
        linear(f"{prefix}.mlp.fc2", hidden, n)
        if norm_mem:
            norm(f"{prefix}.norm_y", n)

    shapes.update({"patch_embed.proj.weight": (D, 3, p, p), "patch_embed.proj.bias": (D,)})
    for i in range(c["enc_depth"]):
        block(f"enc_blocks.{i}", D, False, False)
    norm("enc_norm", D)
    linear("decoder_embed", D, d)
    for j in range(c["dec_depth"]):
        block(f"dec_blocks.{j}", d, task == "croco", task == "croco" and c["norm_im2_in_dec"])
    norm("dec_norm", d)
    linear("prediction_head", d, p * p * 3)
    return shapes


CHECKPOINT_FORMAT = "geocl-croco-1"


def checkpoint_metadata(kwargs, task="croco", **extra):
    """safetensors metadata of a geocl CroCo checkpoint: the constructor kwargs as JSON, the format, the task."""
    meta = {"format": CHECKPOINT_FORMAT, "task": task, "croco_kwargs": json.dumps(kwargs, sort_keys=True)}
    meta.update(extra)
    return meta


def load_image(path, size=None):
    """[1, 3, H, W] float32 ImageNet-normalised RGB of a PNG (alpha dropped, no resizing)."""
    from PIL import Image

    with Image.open(path) as im:
        rgb = np.asarray(im.convert("RGB"), dtype=np.float32) / np.float32(255.0)
    if size is not None and rgb.shape[:2] != tuple(size):
        raise ValueError(f"{path}: image is {rgb.shape[1]}x{rgb.shape[0]}, the model wants {size[1]}x{size[0]}")
    x = (rgb - np.float32(IMAGENET_MEAN)) / np.float32(IMAGENET_STD)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(2, 0, 1)))[None]


def relative_error(a, b):
    """||a - b|| / ||b|| in float64 (||a - b|| when b is zero)."""
    a, b = a.detach().double(), b.detach().double()
    den = b.norm().item()
    num = (a - b).norm().item()
    return num / den if den > 0 else num

