# SPDX-License-Identifier: MIT
"""PyTorch reference of CroCo's downstream models: the DPT head, the binocular
(stereo, flow) and encoder-only (monocular depth) models, and their losses.

Written from specs/croco.md §4 (the binocular model, the DPT head, the losses),
not from the official code.  It is the oracle for geocl's DPT layer and its
stereo, flow and depth plugins: CPU, float32 or float64, every intermediate
available.  State-dict names, shapes and order are the official
CroCoDownstreamBinocular's without the aliased DPT keys
(head.dpt.scratch.layer_rn.*, head.dpt.act_postprocess.*), which
`with_aliases` adds back for the official loader.

Head layout (spec §4.2): each hooked token map [B, N, C] becomes [B, C, h, w];
act_k_postprocess brings it to 4x, 2x, 1x and 1/2x token resolution with
layer_dims channels; scratch.layerk_rn (3x3, no bias) to feature_dim; the
refinenets fuse from coarse to fine (ReLU-conv-ReLU-conv residual units,
bilinear x2 with align_corners=True, then a 1x1 conv); the head convolves,
upsamples x2 and ends in num_channels raw outputs.
"""
from collections import OrderedDict

import torch
import torch.nn.functional as F
from torch import nn

import croco_ref as R

LAYER_DIMS = (96, 192, 384, 768)
FEATURE_DIM = 256
LAST_DIM = 32
TASK_CHANNELS = {"stereo": 1, "flow": 2, "depth": 1}


def default_hooks(enc_depth, dec_depth):
    """Spec §4.2: the last encoder block and 3 spread decoder blocks, or 4 spread encoder
    blocks without a decoder.  Decoder depths outside the official {8, 12, 24} use step
    max(1, dec_depth // 3), and backbones too shallow for four distinct blocks repeat block 0
    (geocl's extensions for small models)."""
    if dec_depth == 0:
        step = max(1, enc_depth // 4)
    else:
        step = {8: 3, 12: 4, 24: 8}.get(dec_depth, max(1, dec_depth // 3))
    return [max(0, enc_depth + dec_depth - 1 - i * step) for i in (3, 2, 1, 0)]


def conv(cin, cout, k, stride=1, padding=0, bias=True):
    return nn.Conv2d(cin, cout, k, stride=stride, padding=padding, bias=bias)


class ResidualUnit(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.conv1 = conv(f, f, 3, padding=1)
        self.conv2 = conv(f, f, 3, padding=1)

    def forward(self, x):
        return x + self.conv2(F.relu(self.conv1(F.relu(x))))


class Fusion(nn.Module):
    def __init__(self, f):
        super().__init__()
        self.out_conv = conv(f, f, 1)
        self.resConfUnit1 = ResidualUnit(f)  # unused by refinenet4, but stored (spec pitfall 15)
        self.resConfUnit2 = ResidualUnit(f)

    def forward(self, a, b=None):
        s = a if b is None else a + self.resConfUnit1(b)
        s = F.interpolate(self.resConfUnit2(s), scale_factor=2, mode="bilinear", align_corners=True)
        return self.out_conv(s)


class Upsample2(nn.Module):
    def forward(self, x):
        return F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)


class DPTRef(nn.Module):
    """DPTOutputAdapter with head_type 'regression' (spec §4.2), modules created in the
    official order (scratch, head, then the postprocess of each hook)."""

    def __init__(self, token_dims, num_channels, layer_dims=LAYER_DIMS, feature_dim=FEATURE_DIM, last_dim=LAST_DIM):
        super().__init__()
        L, f = layer_dims, feature_dim
        self.scratch = nn.Module()
        for k in range(4):
            setattr(self.scratch, f"layer{k + 1}_rn", conv(L[k], f, 3, padding=1, bias=False))
        for k in range(4):
            setattr(self.scratch, f"refinenet{k + 1}", Fusion(f))
        self.head = nn.Sequential(conv(f, f // 2, 3, padding=1), Upsample2(), conv(f // 2, last_dim, 3, padding=1),
                                  nn.ReLU(), conv(last_dim, num_channels, 1))
        self.act_1_postprocess = nn.Sequential(conv(token_dims[0], L[0], 1), nn.ConvTranspose2d(L[0], L[0], 4, stride=4))
        self.act_2_postprocess = nn.Sequential(conv(token_dims[1], L[1], 1), nn.ConvTranspose2d(L[1], L[1], 2, stride=2))
        self.act_3_postprocess = nn.Sequential(conv(token_dims[2], L[2], 1))
        self.act_4_postprocess = nn.Sequential(conv(token_dims[3], L[3], 1), conv(L[3], L[3], 3, stride=2, padding=1))

    def forward(self, tokens, h, w, trace=None):
        """tokens: the 4 hooked [B, N, C] maps; returns [B, num_channels, 16h, 16w]."""
        layers = []
        for k, t in enumerate(tokens):
            x = t.transpose(1, 2).reshape(t.shape[0], t.shape[2], h, w)
            x = getattr(self, f"act_{k + 1}_postprocess")(x)
            layers.append(getattr(self.scratch, f"layer{k + 1}_rn")(x))
        s = self.scratch
        path = s.refinenet4(layers[3])
        path = s.refinenet3(path, layers[2])
        path = s.refinenet2(path, layers[1])
        path = s.refinenet1(path, layers[0])
        if trace is not None:
            trace.update(layers=layers, path1=path)
        return self.head(path)


class Head(nn.Module):
    """The official PixelwiseTaskWithDPT holds the adapter as `dpt`."""

    def __init__(self, dpt):
        super().__init__()
        self.dpt = dpt


class DownstreamRef(nn.Module):
    """CroCoDownstreamBinocular (binocular=True: stereo, flow) or
    CroCoDownstreamMonocularEncoder (encoder only: depth) with the DPT head."""

    def __init__(self, croco_kwargs, num_channels, binocular=True, hooks=None, layer_dims=LAYER_DIMS,
                 feature_dim=FEATURE_DIM, last_dim=LAST_DIM):
        super().__init__()
        c = R.full_config(croco_kwargs)
        self.config, self.binocular = c, binocular
        H, W = c["img_size"]
        p, D, d = c["patch_size"], c["enc_embed_dim"], c["dec_embed_dim"]
        self.grid = (H // p, W // p)
        self.base = R.rope_base(c["pos_embed"])
        if self.base is None:
            self.register_buffer("enc_pos_embed", R.sincos_2d(D, *self.grid))
            if binocular:
                self.register_buffer("dec_pos_embed", R.sincos_2d(d, *self.grid))
        self.patch_embed = R.PatchEmbed(c["img_size"], p, D)
        self.enc_blocks = nn.ModuleList(
            R.Block(D, c["enc_num_heads"], c["mlp_ratio"], self.base) for _ in range(c["enc_depth"]))
        self.enc_norm = R.layer_norm(D)
        Ld = c["dec_depth"] if binocular else 0
        if binocular:
            self.decoder_embed = nn.Linear(D, d)
            self.dec_blocks = nn.ModuleList(
                R.DecoderBlock(d, c["dec_num_heads"], c["mlp_ratio"], self.base, c["norm_im2_in_dec"])
                for _ in range(Ld))
            self.dec_norm = R.layer_norm(d)
        self.hooks = list(hooks) if hooks is not None else default_hooks(c["enc_depth"], Ld)
        dims = [D if k < c["enc_depth"] else d for k in self.hooks]
        self._init_backbone()
        self.head = Head(DPTRef(dims, num_channels, layer_dims, feature_dim, last_dim))

    @torch.no_grad()
    def _init_backbone(self):
        """Spec §1.11 for the backbone; the head keeps PyTorch's default init (it is built after)."""
        w = self.patch_embed.proj.weight
        nn.init.xavier_uniform_(w.view(w.shape[0], -1))
        for m in self.modules():
            if isinstance(m, nn.Linear):
                nn.init.xavier_uniform_(m.weight)
                nn.init.zeros_(m.bias)
            elif isinstance(m, nn.LayerNorm):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def features(self, img1, img2=None):
        """Every block's output, the official way: encoder blocks of image 1 (the last one
        enc_norm'ed), then the decoder blocks of image 1 against image 2 (the last dec_norm'ed)."""
        B = img1.shape[0]
        pos = R.grid_positions(*self.grid).expand(B, -1, -1)

        def embed(img):
            x = self.patch_embed(img)
            return x + self.enc_pos_embed if self.base is None else x

        out, x = [], embed(img1)
        for blk in self.enc_blocks:
            x = blk(x, pos)
            out.append(x)
        out[-1] = self.enc_norm(out[-1])
        if not self.binocular:
            return out
        y = embed(img2)
        for blk in self.enc_blocks:
            y = blk(y, pos)
        f1, f2 = self.decoder_embed(out[-1]), self.decoder_embed(self.enc_norm(y))
        if self.base is None:
            f1, f2 = f1 + self.dec_pos_embed, f2 + self.dec_pos_embed
        dec = []
        for blk in self.dec_blocks:
            f1 = blk(f1, f2, pos, pos)
            dec.append(f1)
        dec[-1] = self.dec_norm(dec[-1])
        return out + dec

    def forward(self, img1, img2=None, trace=None):
        feats = self.features(img1, img2)
        if trace is not None:
            trace["hooked"] = [feats[k] for k in self.hooks]
        return self.head.dpt([feats[k] for k in self.hooks], *self.grid, trace=trace)


# ---------------------------------------------------------------- losses (spec §4.4)


def parse_criterion(text):
    """'LaplacianLossBounded2()' or 'LaplacianLossBounded(max_gtnorm=10000., a=0.25, b=4.)' ->
    (name, kwargs) with the official defaults filled in."""
    import ast

    call = ast.parse(text.strip(), mode="eval").body
    if isinstance(call, ast.Name):
        name, given = call.id, {}
    else:
        name, given = call.func.id, {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    defaults = {"L1Loss": dict(max_gtnorm=None), "LaplacianLoss": dict(max_gtnorm=None),
                "LaplacianLossBounded": dict(max_gtnorm=10000.0, a=0.25, b=4.0),
                "LaplacianLossBounded2": dict(max_gtnorm=None, a=3.0, b=3.0)}
    if name not in defaults:
        raise ValueError(f"unknown criterion {name}")
    kw = dict(defaults[name])
    kw.update(given)
    return name, kw


def with_conf(criterion):
    return parse_criterion(criterion)[0] != "L1Loss"


def loss(criterion, out, gt):
    """The criterion on the raw head output out [B, nc(+1), H, W] and gt [B, 1 or 2, H, W]
    (non-finite = unknown): one mean over the valid pixels of the batch."""
    name, kw = parse_criterion(criterion)
    nc = gt.shape[1]
    pred = out[:, :nc]
    valid = torch.isfinite(gt[:, 0])
    gt0 = torch.where(torch.isfinite(gt), gt, torch.zeros_like(gt))
    if kw.get("max_gtnorm") is not None:
        norm = gt0[:, 0] if nc == 1 else gt0.square().sum(dim=1).sqrt()
        valid = valid & (norm < kw["max_gtnorm"])
    if name == "L1Loss":
        return (gt0 - pred).abs()[valid[:, None].expand_as(pred)].mean()
    r = (gt0 - pred).abs().sum(dim=1)
    c = out[:, nc]
    if name == "LaplacianLoss":
        per = r * torch.exp(-c) + c
    elif name == "LaplacianLossBounded":
        s = (kw["b"] - kw["a"]) * torch.sigmoid(c) + kw["a"]
        per = r / s + torch.log(s)
    else:
        cb = 2 * kw["a"] * (torch.sigmoid(c / kw["b"]) - 0.5)
        per = r * torch.exp(-cb) + cb
    return per[valid].mean()


def depth_prediction(out, min_depth, max_depth):
    """geocl's depth head output: min_depth + max_depth * sigmoid(raw)."""
    return min_depth + max_depth * torch.sigmoid(out)


def depth_loss(kind, pred, gt):
    """silog: sqrt(var(g) + 0.15 mean(g)^2) with the unbiased variance (the depth toolbox's SigLoss);
    l1log: mean |g|; g = log pred - log gt over the pixels with gt > 0."""
    valid = gt > 0
    g = torch.log(pred[valid]) - torch.log(gt[valid])
    if kind == "l1log":
        return g.abs().mean()
    return torch.sqrt(torch.var(g) + 0.15 * g.mean() ** 2)


# ---------------------------------------------------------------- state dicts


ALIASES = [(f"head.dpt.scratch.layer_rn.{k}.weight", f"head.dpt.scratch.layer{k + 1}_rn.weight") for k in range(4)]


def postprocess_keys(k):
    n = 2 if k != 2 else 1
    return [f"head.dpt.act_{k + 1}_postprocess.{i}.{t}" for i in range(n) for t in ("weight", "bias")]


def alias_pairs():
    """(alias, original) for every aliased key of the official state_dict."""
    pairs = list(ALIASES)
    for k in range(4):
        for key in postprocess_keys(k):
            pairs.append((key.replace(f"act_{k + 1}_postprocess", f"act_postprocess.{k}"), key))
    return pairs


def with_aliases(state):
    """The official state_dict order with the aliases: scratch.layer_rn.* after layer4_rn,
    act_postprocess.* after act_4_postprocess."""
    out = OrderedDict()
    for key, v in state.items():
        out[key] = v
        if key == "head.dpt.scratch.layer4_rn.weight":
            for alias, orig in ALIASES:
                out[alias] = state[orig]
        if key == postprocess_keys(3)[-1]:
            for alias, orig in alias_pairs()[4:]:
                out[alias] = state[orig]
    return out


def without_aliases(state):
    """Drop the aliases after checking each equals its original; ValueError naming the first that does not."""
    out = OrderedDict(state)
    for alias, orig in alias_pairs():
        if alias not in out:
            continue
        if orig not in out or not torch.equal(out[alias], out[orig]):
            raise ValueError(f"{alias} is not the same tensor as {orig}")
        del out[alias]
    return out


def head_shapes(token_dims, num_channels, layer_dims=LAYER_DIMS, feature_dim=FEATURE_DIM, last_dim=LAST_DIM):
    """Ordered {key: shape} of the DPT head (no aliases), spec §4.2."""
    L, f, out = layer_dims, feature_dim, OrderedDict()
    for k in range(4):
        out[f"head.dpt.scratch.layer{k + 1}_rn.weight"] = (f, L[k], 3, 3)
    for k in range(4):
        p = f"head.dpt.scratch.refinenet{k + 1}"
        out[f"{p}.out_conv.weight"], out[f"{p}.out_conv.bias"] = (f, f, 1, 1), (f,)
        for u in (1, 2):
            for c in (1, 2):
                out[f"{p}.resConfUnit{u}.conv{c}.weight"] = (f, f, 3, 3)
                out[f"{p}.resConfUnit{u}.conv{c}.bias"] = (f,)
    for i, (co, ci, k) in zip((0, 2, 4), ((f // 2, f, 3), (last_dim, f // 2, 3), (num_channels, last_dim, 1))):
        out[f"head.dpt.head.{i}.weight"], out[f"head.dpt.head.{i}.bias"] = (co, ci, k, k), (co,)
    post = [[(L[0], token_dims[0], 1, 1), (L[0], L[0], 4, 4)], [(L[1], token_dims[1], 1, 1), (L[1], L[1], 2, 2)],
            [(L[2], token_dims[2], 1, 1)], [(L[3], token_dims[3], 1, 1), (L[3], L[3], 3, 3)]]
    for k in range(4):
        for i, w in enumerate(post[k]):
            out[f"head.dpt.act_{k + 1}_postprocess.{i}.weight"] = w
            out[f"head.dpt.act_{k + 1}_postprocess.{i}.bias"] = (w[1] if i == 1 and k < 2 else w[0],)
    return out


def expected_shapes(croco_kwargs, num_channels, binocular=True, hooks=None, **head):
    """Ordered {key: shape} of a downstream model without aliases, without building it."""
    c = R.full_config(croco_kwargs)
    out = OrderedDict()
    for k, v in R.expected_shapes(croco_kwargs).items():
        if k in ("mask_token",) or k.startswith("prediction_head."):
            continue
        if not binocular and (k.startswith("dec") or k == "dec_pos_embed"):
            continue
        out[k] = v
    Le, Ld = c["enc_depth"], c["dec_depth"] if binocular else 0
    hooks = hooks if hooks is not None else default_hooks(Le, Ld)
    dims = [c["enc_embed_dim"] if k < Le else c["dec_embed_dim"] for k in hooks]
    out.update(head_shapes(dims, num_channels, **head))
    return out
