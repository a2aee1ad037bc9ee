# SPDX-License-Identifier: MIT
"""A plain-PyTorch reference of SimIPU's pre-training step (zhyever/SimIPU, config
project_cl/configs/simipu/simipu_kitti.py, model
project_cl/decorator/inter_intro_decorator_moco_better.py with moco=False), written
from the method's definition for checking geocl, without mmcv/mmdet/mmdet3d.

    model = SimIPURef(**config)            # config keys are the simipu plugin's options
    out = model(batch)                     # batch: dict of the "lidar" pipeline's fields
    out["loss"].backward()

Names of parameters and buffers are the official ones (img_backbone.*, pts_backbone.*,
mlp_intro_points.*, mlp_cross_img.*, mlp_cross_points.*, img_conv1x1_*), so a released
checkpoint's state_dict loads with load_state_dict.  Everything runs in the dtype of the
model (float32 or float64).  The operators that decide which points pair up follow
mmdet3d's definitions: D-FPS (first pick 0, running minimum from 1e10, the first maximum),
F-FPS over |a|² + |b|² − 2a·b of [xyz, features], the dilated ball query (first hits in
storage order, d² == 0 always accepted, empty slots repeat the first hit), and an exact
linear assignment (Hungarian) on the Euclidean distances of the keypoints.
"""
import math

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torch import nn

BGR_MEAN = (103.530, 116.280, 123.675)

# The official sizes (the simipu plugin's defaults, the "kitti" preset).
KITTI = dict(
    img_depth=50,
    num_points=16384,
    sa_points="4096,1024,512",
    sa3_fps_range=512,
    sa_radii="0.2,0.4,0.8;0.4,0.8,1.6;1.6,3.2,4.8",
    sa_samples="32,32,64;32,32,64;16,16,16",
    sa_channels="32,32,64/32,32,64/64,64,128;64,64,128/64,64,128/128,128,256;"
                "128,128,256/128,128,256/256,256,512",
    aggregation_channels="128,256,1024",
    pts_intro_hidden_dim=1024, pts_intro_out_dim=128,
    img_inter_hidden_dim=2048, img_inter_out_dim=128,
    pts_inter_hidden_dim=1024, pts_inter_out_dim=128,
    T=0.07,
    group_size=4,
    sample_norm="pad",
    img_conv1x1=True,
)


def parse_config(cfg):
    """The structured form of the option strings."""
    c = dict(KITTI)
    c.update(cfg)
    ints = lambda s: [int(v) for v in s.split(",")]  # noqa: E731
    c["_sa_points"] = ints(c["sa_points"])
    c["_radii"] = [[float(v) for v in ring.split(",")] for ring in c["sa_radii"].split(";")]
    c["_samples"] = [ints(s) for s in c["sa_samples"].split(";")]
    c["_channels"] = [[ints(scale) for scale in layer.split("/")] for layer in c["sa_channels"].split(";")]
    c["_aggregation"] = ints(c["aggregation_channels"])
    return c


# ---------------------------------------------------------------- samplers and grouping

def dfps(xyz, m, begin=0, end=None):
    """D-FPS over xyz[begin:end] ([n, 3]); indices into xyz."""
    pts = xyz[begin:end]
    n = pts.shape[0]
    dmin = torch.full((n,), 1e10, dtype=pts.dtype)
    picks = [0]
    for _ in range(1, m):
        d = pts - pts[picks[-1]]
        d = (d[:, 0] * d[:, 0] + d[:, 1] * d[:, 1]) + d[:, 2] * d[:, 2]
        dmin = torch.minimum(dmin, d)
        picks.append(int(torch.argmax(dmin)))
    return torch.tensor(picks, dtype=torch.long) + begin


def square_dist_matrix(feat):
    """mmdet3d's calc_square_dist(norm=False): |a|² + |b|² − 2 a·b."""
    sq = (feat * feat).sum(-1)
    return sq[:, None] + sq[None, :] - 2 * (feat @ feat.t())


def ffps(xyz, features, m, begin=0, end=None):
    """F-FPS over points begin:end of [xyz, features] (features [C, n]); indices into xyz."""
    feat = torch.cat([xyz[begin:end], features[:, begin:end].t()], dim=1)
    dist = square_dist_matrix(feat)
    n = feat.shape[0]
    dmin = torch.full((n,), 1e10, dtype=feat.dtype)
    picks = [0]
    for _ in range(1, m):
        dmin = torch.minimum(dmin, dist[picks[-1]])
        picks.append(int(torch.argmax(dmin)))
    return torch.tensor(picks, dtype=torch.long) + begin


def sample_centres(layer, xyz, features, cfg):
    """The picks of set abstraction `layer` (0, 1, 2) over one sample's points."""
    m = cfg["_sa_points"][layer]
    if layer == 0:
        return dfps(xyz, m)
    if layer == 1:  # FS: F-FPS picks, then D-FPS picks
        return torch.cat([ffps(xyz, features, m), dfps(xyz, m)])
    r = cfg["sa3_fps_range"]  # F-FPS over [0, r), D-FPS over [r, n)
    return torch.cat([ffps(xyz, features, m, 0, r), dfps(xyz, m, r)])


def ball_query(xyz, centres, r_lo, r_hi, k):
    """Dilated ball query: [m, k] indices into xyz ([n, 3]) around centres ([m, 3])."""
    lo2 = torch.tensor(r_lo, dtype=torch.float32) ** 2
    hi2 = torch.tensor(r_hi, dtype=torch.float32) ** 2
    out = []
    for chunk in torch.split(centres, 256):  # [256, n, 3] differences at a time
        d = xyz[None, :, :] - chunk[:, None, :]
        d2 = (d[..., 0] * d[..., 0] + d[..., 1] * d[..., 1]) + d[..., 2] * d[..., 2]
        ok = (d2 == 0) | ((d2 >= lo2.to(d2.dtype)) & (d2 < hi2.to(d2.dtype)))
        order = torch.sort((~ok).to(torch.int8), dim=1, stable=True).indices[:, :k]
        count = ok.sum(1, keepdim=True)
        slot = torch.arange(k)[None, :]
        first = torch.where(count > 0, order[:, :1], torch.zeros_like(order[:, :1]))
        out.append(torch.where(slot < count, order, first))
    return torch.cat(out)


def linear_sum_assignment(cost):
    """Exact minimum-cost assignment of a square matrix (shortest augmenting paths with
    potentials, in float64); returns the column of each row."""
    cost = np.asarray(cost, dtype=np.float64)
    n = cost.shape[0]
    c = np.zeros((n + 1, n + 1))
    c[1:, 1:] = cost
    u, v = np.zeros(n + 1), np.zeros(n + 1)
    p, way = np.zeros(n + 1, dtype=np.int64), np.zeros(n + 1, dtype=np.int64)
    for i in range(1, n + 1):
        p[0], j0 = i, 0
        minv = np.full(n + 1, np.inf)
        used = np.zeros(n + 1, dtype=bool)
        while True:
            used[j0] = True
            i0 = p[j0]
            free = ~used
            free[0] = False
            cur = c[i0] - u[i0] - v
            better = free & (cur < minv)
            minv[better] = cur[better]
            way[better] = j0
            masked = np.where(free, minv, np.inf)
            j1 = int(np.argmin(masked))
            delta = masked[j1]
            u[p[used]] += delta
            v[used] -= delta
            minv[free] -= delta
            j0 = j1
            if p[j0] == 0:
                break
        while j0:
            j1 = way[j0]
            p[j0] = p[j1]
            j0 = j1
    col = np.empty(n, dtype=np.int64)
    col[p[1:] - 1] = np.arange(n)
    return col


# ---------------------------------------------------------------- modules (official names)

class ConvModule(nn.Module):
    """mmcv ConvModule: conv (with bias) – batch norm – ReLU; kaiming-normal fan_out init."""

    def __init__(self, cin, cout, dims, eps):
        super().__init__()
        conv, bn = (nn.Conv2d, nn.BatchNorm2d) if dims == 2 else (nn.Conv1d, nn.BatchNorm1d)
        self.conv = conv(cin, cout, 1, bias=True)
        self.bn = bn(cout, eps=eps, momentum=0.1)
        nn.init.kaiming_normal_(self.conv.weight, mode="fan_out", nonlinearity="relu")
        nn.init.zeros_(self.conv.bias)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class SAModule(nn.Module):
    def __init__(self, cin, channels):
        super().__init__()
        self.mlps = nn.ModuleList()
        for widths in channels:
            mlp = nn.Sequential()
            for j, (a, b) in enumerate(zip([cin] + widths[:-1], widths)):
                mlp.add_module(f"layer{j}", ConvModule(a, b, 2, 1e-3))
            self.mlps.append(mlp)


class PointNet2SAMSG(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        self.SA_modules = nn.ModuleList()
        self.aggregation_mlps = nn.ModuleList()
        cin = 1  # reflectance (use_xyz False)
        for layer in range(3):
            channels = cfg["_channels"][layer]
            self.SA_modules.append(SAModule(cin, channels))
            agg = cfg["_aggregation"][layer]
            self.aggregation_mlps.append(ConvModule(sum(w[-1] for w in channels), agg, 1, 1e-5))
            cin = agg

    def forward(self, points, picks=None):
        """points [B, N, 4] → keypoints [B, K, 3], features [B, C, K], per layer the picks
        [B, m] (indices into that layer's input).  picks (optional) replaces the samplers'."""
        xyz, feat = points[..., :3], points[..., 3:].transpose(1, 2)
        layer_picks = []
        self.layer_inputs = []  # (xyz, features) each sampler saw, detached
        for layer in range(3):
            cfg = self.cfg
            self.layer_inputs.append((xyz.detach(), feat.detach()))
            idx = torch.stack([sample_centres(layer, xyz[b], feat[b].detach(), cfg) for b in range(xyz.shape[0])]) \
                if picks is None else picks[layer]
            layer_picks.append(idx)
            centres = torch.stack([xyz[b, idx[b]] for b in range(xyz.shape[0])])
            scales = []
            lo = 0.0
            for k, (r, ns) in enumerate(zip(cfg["_radii"][layer], cfg["_samples"][layer])):
                nb = torch.stack([ball_query(xyz[b], centres[b], lo, r, ns) for b in range(xyz.shape[0])])
                lo = r
                grouped = torch.stack([feat[b][:, nb[b]] for b in range(xyz.shape[0])])  # [B, C, m, ns]
                h = self.SA_modules[layer].mlps[k](grouped)
                scales.append(F.max_pool2d(h, kernel_size=[1, h.shape[3]]).squeeze(-1))
            feat = self.aggregation_mlps[layer](torch.cat(scales, dim=1))
            xyz = centres
        return xyz, feat, layer_picks


class ProjectionMLP(nn.Module):
    def __init__(self, cin, hidden, out):
        super().__init__()
        self.layer1 = nn.Sequential(nn.Linear(cin, hidden), nn.BatchNorm1d(hidden), nn.ReLU())
        self.layer2 = nn.Sequential(nn.Linear(hidden, hidden), nn.BatchNorm1d(hidden), nn.ReLU())
        self.layer3 = nn.Sequential(nn.Linear(hidden, out), nn.BatchNorm1d(out))

    def forward(self, x):
        return self.layer3(self.layer2(self.layer1(x)))


def resnet(depth):
    """mmdet's ResNet (style pytorch) = torchvision's without avgpool/fc; SyncBN eps 1e-3,
    momentum 0.01; PyTorch's default init (SimIPU never calls init_weights)."""
    bn = lambda c: nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)  # noqa: E731
    net = getattr(torchvision.models, f"resnet{depth}")(weights=None, norm_layer=bn)
    del net.fc, net.avgpool
    for m in net.modules():
        if isinstance(m, nn.Conv2d):
            m.reset_parameters()
        elif isinstance(m, nn.BatchNorm2d):
            m.reset_parameters()
    return net


def c5(net, x):
    x = net.maxpool(net.relu(net.bn1(net.conv1(x))))
    return net.layer4(net.layer3(net.layer2(net.layer1(x))))


class SimIPURef(nn.Module):
    def __init__(self, **config):
        super().__init__()
        cfg = self.cfg = parse_config(config)
        self.img_backbone = resnet(cfg["img_depth"])
        self.pts_backbone = PointNet2SAMSG(cfg)
        img_dim = 2048 if cfg["img_depth"] >= 50 else 512
        pts_dim = cfg["_aggregation"][-1]
        self.mlp_cross_points = ProjectionMLP(pts_dim, cfg["pts_inter_hidden_dim"], cfg["pts_inter_out_dim"])
        self.mlp_cross_img = ProjectionMLP(img_dim, cfg["img_inter_hidden_dim"], cfg["img_inter_out_dim"])
        self.mlp_intro_points = ProjectionMLP(pts_dim, cfg["pts_intro_hidden_dim"], cfg["pts_intro_out_dim"])
        if cfg["img_conv1x1"]:
            self.img_conv1x1_1 = nn.Conv2d(2048, 2048, 1)
            self.img_conv1x1_2 = nn.Conv2d(2048, 2048, 1)

    def sample_image(self, fmap, kp, lidar2img, size):
        """Bilinear C5 features at the projections of keypoints kp [K, 3] (§5.7)."""
        q = torch.cat([kp, torch.ones_like(kp[:, :1])], dim=1) @ lidar2img.t()
        d = torch.clamp(q[:, 2:3], min=1e-5)
        u, v = q[:, 0:1] / d, q[:, 1:2] / d
        if self.cfg["sample_norm"] == "pad":  # this image's own padded size
            h = math.ceil(float(size[0]) / 32) * 32
            w = math.ceil(float(size[1]) / 32) * 32
        else:  # the padded batch's
            h, w = fmap.shape[-2] * 32, fmap.shape[-1] * 32
        grid = torch.cat([u / w * 2 - 1, v / h * 2 - 1], dim=1)[None, None]
        return F.grid_sample(fmap[None], grid, mode="bilinear", padding_mode="zeros", align_corners=True)[0, :, 0].t()

    def forward(self, batch, picks_a=None, picks_b=None, match=None):
        """batch: image [B, 3, H, W], image_size [B, 2], points_a, points_b [B, N, 4],
        b_to_a, lidar2img [B, 4, 4].  picks_*/match (optional) replace the samplers' and the
        assignment's choices (per group lists), to compare gradients at the same decisions."""
        cfg = self.cfg
        T = cfg["T"]
        B, G = batch["points_a"].shape[0], cfg["group_size"]
        h = int(max(math.ceil(float(s[0]) / 32) * 32 for s in batch["image_size"]))
        w = int(max(math.ceil(float(s[1]) / 32) * 32 for s in batch["image_size"]))
        fmap = c5(self.img_backbone, batch["image"][:, :, :h, :w])
        out = {k: [] for k in ("kp_a", "kp_b", "match", "sa_a", "sa_b")}
        losses = {"loss_intra": 0, "loss_inter": 0}
        accs = {"intro_acc_top1": 0, "intro_acc_top5": 0, "cross_acc_top1": 0, "cross_acc_top5": 0}
        groups = [range(g, min(g + G, B)) for g in range(0, B, G)]
        for gi, rows in enumerate(groups):
            sl = slice(rows.start, rows.stop)
            kp_a, f_a, sa_a = self.pts_backbone(batch["points_a"][sl], picks_a[gi] if picks_a else None)
            kp_b, f_b, sa_b = self.pts_backbone(batch["points_b"][sl], picks_b[gi] if picks_b else None)
            n, K = len(rows), kp_a.shape[1]
            keys, samples, matches = [], [], []
            for j, b in enumerate(rows):
                kb = kp_b[j].detach()
                back = (torch.cat([kb, torch.ones_like(kb[:, :1])], 1) @ batch["b_to_a"][b].t())[:, :3]
                if match is None:
                    cost = torch.cdist(kp_a[j].detach().double(), back.double()).numpy().astype(np.float32)
                    pi = torch.from_numpy(linear_sum_assignment(cost))
                else:
                    pi = match[b]
                matches.append(pi)
                keys.append(f_b[j][:, pi].t())
                samples.append(self.sample_image(fmap[b], kp_a[j].detach(), batch["lidar2img"][b],
                                                 batch["image_size"][b]))
            q_raw = f_a.permute(0, 2, 1).reshape(n * K, -1)
            k_raw = torch.cat(keys)
            s = torch.cat(samples)
            q = F.normalize(self.mlp_intro_points(q_raw), dim=1)
            k = F.normalize(self.mlp_intro_points(k_raw), dim=1)
            e_img = F.normalize(self.mlp_cross_img(s), dim=1)
            e_pts = F.normalize(self.mlp_cross_points(q_raw), dim=1)
            labels = torch.arange(n * K)
            intra = q @ k.detach().t() / T
            inter = e_img @ e_pts.detach().t() / T
            losses["loss_intra"] = losses["loss_intra"] + F.cross_entropy(intra, labels) / len(groups)
            losses["loss_inter"] = losses["loss_inter"] + F.cross_entropy(inter, labels) / len(groups)
            for name, logits, ks in (("intro", intra, (1, 5)), ("cross", inter, (n * K // 10, n * K // 2))):
                for tag, kk in zip(("top1", "top5"), ks):
                    top = logits.detach().topk(kk, dim=1).indices
                    hit = (top == labels[:, None]).any(1).double().mean() * 100
                    accs[f"{name}_acc_{tag}"] += float(hit) / len(groups)
            out["kp_a"].append(kp_a)
            out["kp_b"].append(kp_b)
            out["match"].append(torch.stack(matches))
            out["sa_a"].append(sa_a)
            out["sa_b"].append(sa_b)
        res = {"kp_a": torch.cat(out["kp_a"]), "kp_b": torch.cat(out["kp_b"]), "match": torch.cat(out["match"])}
        for v in ("a", "b"):
            for layer in range(3):
                res[f"sa{layer + 1}_idx_{v}"] = torch.cat([p[layer] for p in out["sa_" + v]])
        res.update(losses)
        res["loss"] = losses["loss_inter"] + losses["loss_intra"]
        res.update(accs)
        res["_picks"] = (out["sa_a"], out["sa_b"])
        return res


def bgr_image(rgb_u8, pad_h, pad_w):
    """An HxWx3 uint8 RGB array as geocl's "image" field: B, G, R minus the mean, zero-padded."""
    h, w, _ = rgb_u8.shape
    out = np.zeros((3, pad_h, pad_w), dtype=np.float32)
    for c in range(3):
        out[c, :h, :w] = rgb_u8[:, :, 2 - c].astype(np.float32) - np.float32(BGR_MEAN[c])
    return out
