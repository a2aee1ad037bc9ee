# SPDX-License-Identifier: MIT
"""Generate the CroCo/MAE golden fixtures under tests/fixtures/croco/ (dev-time; needs PyTorch).

    /usr/bin/python3 tests/gen/gen_croco_fixtures.py [--out tests/fixtures/croco]

Weights are not stored: they are drawn from geocl's Philox stream with the recipe in
tests/fixtures/croco/README.md (also recorded in each inputs.safetensors), so the C
test regenerates them bit-identically.  Inputs, outputs and gradients come from
croco_ref.py evaluated in float64 and are stored rounded to float32.  Reruns give
the same bytes.
"""
import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
import torch  # noqa: E402

import croco_ref as R  # noqa: E402
import stio  # noqa: E402
from philox import Rng  # noqa: E402

# name: (task, constructor kwargs, batch, seed); all on a non-square 4x6 token grid
COMMON = dict(img_size=(16, 24), patch_size=4, mask_ratio=0.75, enc_depth=2, dec_depth=2)
FIXTURES = {
    # v1-style: sin-cos, norm_y; decoder narrower than the encoder, head dim 6
    "croco-cosine": ("croco", dict(COMMON, pos_embed="cosine", enc_embed_dim=16, enc_num_heads=2,
                                   dec_embed_dim=12, dec_num_heads=2, mlp_ratio=4, norm_im2_in_dec=True), 1, 1000),
    # v2-style RoPE100: encoder head dim 12 (3 frequencies), decoder head dim 8;
    # no norm_y; MLP ratio 1.5 (hidden size int(dim*1.5))
    "croco-rope": ("croco", dict(COMMON, pos_embed="RoPE100", enc_embed_dim=24, enc_num_heads=2,
                                 dec_embed_dim=16, dec_num_heads=2, mlp_ratio=1.5, norm_im2_in_dec=False), 1, 2000),
    # single-view baseline, batch of 2 (the loss averages over both samples' masked patches)
    "mae-rope": ("mae", dict(COMMON, pos_embed="RoPE100", enc_embed_dim=16, enc_num_heads=2,
                             dec_embed_dim=16, dec_num_heads=2, mlp_ratio=4), 2, 3000),
}
IMAGE_SEED_OFFSET, MASK_SEED_OFFSET = 100000, 200000


def init_rule(name, shape):
    """(a, c) of a parameter: value = c + a*(2u - 1), u uniform in [0, 1)."""
    if name == "mask_token":
        return 0.5, 0.0
    if name.endswith(".bias"):
        return 0.125, 0.0
    if len(shape) == 1:  # LayerNorm weight
        return 0.25, 1.0
    fan_in = int(np.prod(shape[1:]))
    return 2.0 ** -((fan_in.bit_length() - 1) // 2), 0.0  # 2^-floor(log2(fan_in)/2), about 1/sqrt(fan_in)


def draw_parameters(model, seed):
    """Parameter k (named_parameters order = state_dict order without the buffers) from stream seed + k."""
    recipe, state = [], {}
    for k, (name, p) in enumerate(model.named_parameters()):
        a, c = init_rule(name, tuple(p.shape))
        u = Rng(seed + k).uniform(p.numel())
        t = u * np.float32(2.0) - np.float32(1.0)  # exact
        v = np.float32(c) + np.float32(a) * t  # a is a power of two: one rounding, in the addition
        state[name] = torch.from_numpy(v.astype(np.float32).reshape(p.shape))
        recipe.append([name, a, c])
    return state, recipe


def draw_images(n, batch, shape, seed):
    """n ImageNet-normalised images [batch, 3, H, W]: pixel values uniform in [0, 1), float32."""
    H, W = shape
    out = []
    for i in range(n):
        v = Rng(seed + IMAGE_SEED_OFFSET + i).uniform(batch * 3 * H * W).reshape(batch, 3, H, W)
        mean = np.float32(R.IMAGENET_MEAN)[None, :, None, None]
        std = np.float32(R.IMAGENET_STD)[None, :, None, None]
        out.append(torch.from_numpy(((v - mean) / std).astype(np.float32)))
    return out


def f32(t):
    return t.detach().to(torch.float32).contiguous()


def generate(name, out_dir):
    task, kwargs, batch, seed = FIXTURES[name]
    model = R.build(task, kwargs)
    state, recipe = draw_parameters(model, seed)
    model.load_state_dict(dict(model.state_dict(), **state))  # the sin-cos buffers keep their values
    model.double()
    images = draw_images(2 if task == "croco" else 1, batch, model.config["img_size"], seed)
    mask = R.philox_mask(batch, model.num_patches, kwargs["mask_ratio"], seed + MASK_SEED_OFFSET)
    o = model(*(x.double() for x in images), mask=mask)
    o.loss.backward()

    d = out_dir / name
    d.mkdir(parents=True, exist_ok=True)
    init = {"rng": "philox4x32-10, geocl_rng_uniform", "seed": seed,
            "rule": "parameter k (state_dict order, buffers skipped): stream seed+k, value = c + a*(2u-1) in float32",
            "params": recipe}
    meta = R.checkpoint_metadata(kwargs, task, init=json.dumps(init), batch=str(batch),
                                 source="tests/gen/gen_croco_fixtures.py (croco_ref in float64)")
    inputs = {"image1": images[0]}
    if task == "croco":
        inputs["image2"] = images[1]
    inputs["mask"] = mask.to(torch.uint8)
    for buf in ("enc_pos_embed", "dec_pos_embed"):
        if getattr(model, buf) is not None:
            inputs[buf] = f32(getattr(model, buf))
    stio.save(d / "inputs.safetensors", inputs, meta)
    outputs = {"pred": f32(o.pred), "target": f32(o.target), "mask": mask.to(torch.uint8), "loss": f32(o.loss),
               "feat1": f32(o.feat1)}
    if o.feat2 is not None:
        outputs["feat2"] = f32(o.feat2)
    outputs["dec"] = f32(o.dec)
    stio.save(d / "outputs.safetensors", outputs)
    stio.save(d / "grads.safetensors", {n: f32(p.grad) for n, p in model.named_parameters()})
    total = sum(f.stat().st_size for f in d.glob("*.safetensors"))
    nparams = sum(p.numel() for p in model.parameters())
    print(f"{d}: {task} {nparams} parameters, loss {o.loss.item():.6f}, {total / 1024:.1f} KiB")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default=str(HERE.parent / "fixtures" / "croco"), help="output folder")
    ap.add_argument("names", nargs="*", help=f"fixtures to generate (default: all of {', '.join(FIXTURES)})")
    args = ap.parse_args()
    torch.set_num_threads(1)  # fixed reduction order: the same bytes on every rerun
    for name in args.names or FIXTURES:
        generate(name, Path(args.out))


if __name__ == "__main__":
    main()
