#!/usr/bin/env python3
"""Generates the golden data of simdpool's other ops from PyTorch/torchvision: tests/golden/ops_golden.txt.

Ops: fractional max pooling (2-D, 3-D), max unpooling (1-D, 2-D, 3-D), spatial pyramid pooling (max, avg),
RoI max pooling and RoI align (torchvision). Run with a Python that has torch, torchvision and numpy:
    python3 tests/golden/gen_golden_ops.py
The output is deterministic (fixed seeds) and committed, so CI never needs PyTorch.

File format (text, one record per line, whitespace-separated; parsed by tests/test_golden_ops.cc):
    simdpool-golden-ops 1
    torch <version> torchvision <version>
    case <name>                         name: [A-Za-z0-9_]+
    op <fractional|unpool|spp|roi_pool|roi_align>
    int <key> <values...>               integer parameters (below)
    float <key> <values...>             float parameters (below)
    tensor <key> <count> <values...>    float32 tensors, NCHW (shortest round-trip repr; nan, inf, -inf)
    itensor <key> <count> <values...>   int64 tensors
    end

Parameters and tensors per op (spatial sizes outermost first; tensors in torch's NCHW layout):
  fractional  int dims, n, c, in, kernel, out; float ratio (0 where `out` was given; else out = int(in*ratio));
              tensor samples (N, C, dims) in torch's order (2-D: [W, H]; 3-D: [D, H, W]), x, y, dy, dx;
              itensor idx. dy/dx absent for NaN cases.
  unpool      int dims, n, c, in (pooled size), kernel, stride, pad, out (0: default size);
              int out_size (the unpooled size); tensor x, y, dy, dx; itensor idx (the unpool's input indices)
  spp         int n, c, in, levels, max (1: max, 0: avg); tensor x, y (N x F, F = C*sum(l^2), per level
              (c, i, j)), dy, dx; itensor idx (max only)
  roi_pool    int n, c, in, pooled, num_boxes; float spatial_scale; tensor x, boxes (K x 5), y, dy, dx;
              itensor argmax (torchvision's, -1 for empty bins)
  roi_align   int n, c, in, pooled, num_boxes, sampling_ratio, aligned; float spatial_scale; tensor x, boxes,
              y, dy, dx

Semantics pinned here:
  * fractional: F.fractional_max_poolNd(return_indices=True, _random_samples=samples), cross-checked against
    the interval rule alpha = (in-k)/(out-1) (float32), start[i] = int((i+u)*alpha) - int(u*alpha),
    start[out-1] = in-k, with the sample order above.
  * unpool: F.max_unpoolNd with indices from F.max_poolNd (including overlapping windows, so duplicate
    indices occur: torch's CPU kernel keeps the last in scan order) or hand-made; dx = autograd (a gather).
  * spp: torch.cat([F.adaptive_{max,avg}_pool2d(x, l).flatten(1) for l in levels], 1).
  * roi_pool: torch.ops.torchvision.roi_pool (its argmax output); roi_align: torchvision.ops.roi_align.
    Boxes include ones partly outside the map, empty and inverted ones, both batch indices.
"""

import itertools
import os

import numpy as np
import torch
import torch.nn.functional as F
import torchvision
from torchvision.ops import roi_align

torch.set_num_threads(1)

OUT_NAME = "ops_golden.txt"


def gen(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def randn(shape, seed):
    return torch.randn(*shape, generator=gen(seed), dtype=torch.float64).float()


def ints(shape, seed, lo, hi):
    return torch.randint(lo, hi, tuple(shape), generator=gen(seed)).float()


def uniform(shape, seed, lo=0.0, hi=1.0):
    return (torch.rand(*shape, generator=gen(seed), dtype=torch.float64) * (hi - lo) + lo).float()


def fmt_floats(t):
    return " ".join(str(np.float32(v)) for v in t.reshape(-1).tolist())


def fmt_ints(t):
    return " ".join(str(int(v)) for v in t.reshape(-1).tolist())


class Case:
    def __init__(self, name, op):
        self.name, self.op = name, op
        self.records = []

    def int(self, key, *values):
        self.records.append(f"int {key} " + " ".join(str(int(v)) for v in values))

    def float(self, key, *values):
        self.records.append(f"float {key} " + " ".join(str(np.float32(v)) for v in values))

    def tensor(self, key, t):
        t = t.detach()
        self.records.append(f"tensor {key} {t.numel()} {fmt_floats(t)}")

    def itensor(self, key, t):
        self.records.append(f"itensor {key} {t.numel()} {fmt_ints(t)}")

    def text(self):
        return "\n".join([f"case {self.name}", f"op {self.op}"] + self.records + ["end"])


# --------------------------------------------------------------------------------------------------------
# Fractional max pooling


def intervals(u, inp, out, k):
    """PyTorch's generate_intervals, in float32."""
    u = np.float32(u)
    seq = [0] * out
    if out > 1:
        alpha = np.float32(inp - k) / np.float32(out - 1)
        for i in range(out - 1):
            seq[i] = int(np.float32(np.float32(i) + u) * alpha) - int(np.float32(u * alpha))
    seq[out - 1] = inp - k
    return seq


def fractional_reference(x, samples, kernel, out):
    """Definition-level loop: the interval rule, max with first-wins ties and last-NaN-wins."""
    n, c = x.shape[:2]
    dims = len(kernel)
    ins = list(x.shape[2:])
    y = torch.zeros((n, c) + tuple(out))
    idx = torch.zeros((n, c) + tuple(out), dtype=torch.long)
    xf = x.reshape(n, c, -1)
    order = [1, 0] if dims == 2 else [0, 1, 2]  # which sample drives dim d
    for b in range(n):
        for ch in range(c):
            starts = [intervals(float(samples[b, ch, order[d]]), ins[d], out[d], kernel[d]) for d in range(dims)]
            for o in itertools.product(*[range(v) for v in out]):
                best, bi = None, None
                for t in itertools.product(*[range(k) for k in kernel]):
                    pos = [starts[d][o[d]] + t[d] for d in range(dims)]
                    flat = 0
                    for d in range(dims):
                        flat = flat * ins[d] + pos[d]
                    v = float(xf[b, ch, flat])
                    if best is None or v > best or np.isnan(v):
                        best, bi = v, flat
                y[(b, ch) + o] = best
                idx[(b, ch) + o] = bi
    return y, idx


def fractional_case(name, dims, n, c, ins, kernel, out=None, ratio=None, seed=0, values="randn", samples=None,
                    grad=True):
    if out is None:
        out = [int(ins[d] * ratio[d]) for d in range(dims)]
    x = randn((n, c) + tuple(ins), seed) if values == "randn" else ints((n, c) + tuple(ins), seed, -3, 4)
    if values == "nan":
        flat = x.view(-1)
        rng = np.random.RandomState(seed)
        for p in rng.choice(flat.numel(), size=max(1, flat.numel() // 12), replace=False):
            flat[int(p)] = float("nan")
    if samples is None:
        samples = uniform((n, c, dims), seed + 1)
    samples = samples.float()
    fn = F.fractional_max_pool2d if dims == 2 else F.fractional_max_pool3d
    xr = x.clone().requires_grad_(grad)
    if ratio is not None:
        y, idx = fn(xr, kernel, output_ratio=ratio, return_indices=True, _random_samples=samples)
    else:
        y, idx = fn(xr, kernel, output_size=out, return_indices=True, _random_samples=samples)
    assert list(y.shape[2:]) == list(out), (name, y.shape, out)
    ry, ridx = fractional_reference(x, samples, kernel, out)
    assert torch.equal(torch.isnan(ry), torch.isnan(y.detach())), name
    assert bool(((ry == y.detach()) | torch.isnan(ry)).all()), f"{name}: torch differs from the interval rule"
    assert torch.equal(ridx, idx), f"{name}: torch indices differ from the interval rule"
    case = Case(name, "fractional")
    case.int("dims", dims)
    case.int("n", n)
    case.int("c", c)
    case.int("in", *ins)
    case.int("kernel", *kernel)
    case.int("out", *(out if ratio is None else [0] * dims))
    case.float("ratio", *(ratio if ratio is not None else [0.0] * dims))
    case.int("out_size", *out)
    case.tensor("samples", samples)
    case.tensor("x", x)
    case.tensor("y", y)
    case.itensor("idx", idx)
    if grad:
        dy = randn(y.shape, seed + 2)
        y.backward(dy)
        case.tensor("dy", dy)
        case.tensor("dx", xr.grad)
    return case


def fractional_cases():
    cases = [
        fractional_case("frac2d_basic", 2, 2, 3, [11, 13], [2, 3], out=[5, 6], seed=10),
        fractional_case("frac2d_ratio", 2, 1, 2, [10, 12], [3, 2], ratio=[0.5, 0.7], seed=20),
        # alpha == 1 exactly: the largest output PyTorch allows (out + k - 1 == in)
        fractional_case("frac2d_at_limit", 2, 1, 3, [8, 9], [2, 3], out=[7, 7], seed=30),
        # alpha just above 1
        fractional_case("frac2d_near_limit", 2, 1, 2, [25, 30], [3, 2], out=[22, 28], seed=40),
        fractional_case("frac2d_out1", 2, 2, 2, [5, 6], [2, 2], out=[1, 1], seed=50),
        fractional_case("frac2d_ties", 2, 1, 3, [9, 9], [3, 3], out=[4, 5], seed=60, values="ints"),
        fractional_case("frac2d_nan", 2, 1, 2, [9, 10], [2, 2], out=[5, 6], seed=70, values="nan", grad=False),
        # samples at the ends of [0, 1)
        fractional_case("frac2d_extreme_samples", 2, 1, 4, [13, 11], [2, 2], out=[6, 4], seed=80,
                        samples=torch.tensor([[[0.0, 0.0], [0.99999994, 0.99999994], [0.0, 0.99999994],
                                               [0.5, 0.25]]])),
        fractional_case("frac3d_basic", 3, 1, 2, [6, 7, 8], [2, 2, 3], out=[3, 4, 4], seed=90),
        # PyTorch's 3-D check is strict (out + k - 1 < in), unlike 2-D's: one below the 3-D limit
        fractional_case("frac3d_near_limit", 3, 2, 1, [6, 7, 8], [2, 2, 2], out=[4, 5, 6], seed=100),
        fractional_case("frac3d_ratio", 3, 1, 2, [8, 6, 9], [2, 1, 2], ratio=[0.5, 0.5, 0.75], seed=110),
    ]
    return cases


# --------------------------------------------------------------------------------------------------------
# Max unpooling


def unpool_fns(dims):
    mp = {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[dims]
    mu = {1: F.max_unpool1d, 2: F.max_unpool2d, 3: F.max_unpool3d}[dims]
    return mp, mu


def unpool_case(name, dims, n, c, pooled_from, kernel, stride, pad, output_size=None, seed=0, idx=None, x=None):
    mp, mu = unpool_fns(dims)
    if idx is None:
        src = randn((n, c) + tuple(pooled_from), seed)
        _, idx = mp(src, kernel, stride, pad, return_indices=True)
    if x is None:
        x = randn(idx.shape, seed + 1)
    ins = list(idx.shape[2:])
    xr = x.clone().requires_grad_(True)
    y = mu(xr, idx, kernel, stride, pad, output_size=output_size)
    out_size = list(y.shape[2:])
    # Reference: zeros, then y[idx] = x in scan order per plane (the last duplicate wins).
    plane = int(np.prod(out_size))
    ref = torch.zeros(n, c, plane)
    for b in range(n):
        for ch in range(c):
            for e, j in enumerate(idx[b, ch].reshape(-1).tolist()):
                ref[b, ch, j] = x[b, ch].reshape(-1)[e]
    assert torch.equal(ref.reshape(y.shape), y.detach()), f"{name}: torch's unpool differs from last-wins scatter"
    dy = randn(y.shape, seed + 2)
    y.backward(dy)
    case = Case(name, "unpool")
    case.int("dims", dims)
    case.int("n", n)
    case.int("c", c)
    case.int("in", *ins)
    case.int("kernel", *([kernel] * dims if isinstance(kernel, int) else kernel))
    case.int("stride", *([stride] * dims if isinstance(stride, int) else stride))
    case.int("pad", *([pad] * dims if isinstance(pad, int) else pad))
    case.int("out", *(output_size if output_size is not None else [0] * dims))
    case.int("out_size", *out_size)
    case.tensor("x", x)
    case.itensor("idx", idx)
    case.tensor("y", y)
    case.tensor("dy", dy)
    case.tensor("dx", xr.grad)
    return case


def unpool_cases():
    # Duplicates: every position of a 2x3 plane routed to a few output positions.
    dup_idx = torch.tensor([[[[0, 5, 5], [12, 0, 15]]]])
    return [
        unpool_case("unpool2d_k2s2", 2, 2, 3, [8, 8], 2, 2, 0, seed=200),
        unpool_case("unpool2d_k3s2p1", 2, 1, 2, [9, 9], 3, 2, 1, seed=210),
        # explicit output larger than the default (6): 7x7, as for a pooled odd-sized map
        unpool_case("unpool2d_explicit_larger", 2, 1, 2, [7, 7], 2, 2, 0, output_size=[7, 7], seed=220),
        unpool_case("unpool2d_overlap_duplicates", 2, 1, 2, [6, 6], 3, 1, 0, seed=230),
        unpool_case("unpool2d_handmade_duplicates", 2, 1, 1, None, 2, 2, 0, output_size=[4, 6], seed=240,
                    idx=dup_idx),
        unpool_case("unpool1d_k2s2", 1, 2, 3, [9], 2, 2, 0, output_size=[9], seed=250),
        unpool_case("unpool3d_k2s2", 3, 1, 2, [4, 6, 5], 2, 2, 0, output_size=[4, 6, 5], seed=260),
    ]


# --------------------------------------------------------------------------------------------------------
# Spatial pyramid pooling


def spp_case(name, n, c, ins, levels, is_max, seed):
    x = randn((n, c) + tuple(ins), seed)
    xr = x.clone().requires_grad_(True)
    ys, idxs = [], []
    for l in levels:
        if is_max:
            y, i = F.adaptive_max_pool2d(xr, l, return_indices=True)
            idxs.append(i.flatten(1))
        else:
            y = F.adaptive_avg_pool2d(xr, l)
        ys.append(y.flatten(1))
    y = torch.cat(ys, 1)
    dy = randn(y.shape, seed + 1)
    y.backward(dy)
    case = Case(name, "spp")
    case.int("n", n)
    case.int("c", c)
    case.int("in", *ins)
    case.int("levels", *levels)
    case.int("max", 1 if is_max else 0)
    case.tensor("x", x)
    case.tensor("y", y)
    if is_max:
        case.itensor("idx", torch.cat(idxs, 1))
    case.tensor("dy", dy)
    case.tensor("dx", xr.grad)
    return case


def spp_cases():
    return [
        spp_case("spp_max_124", 2, 3, [9, 11], [1, 2, 4], True, 300),
        spp_case("spp_avg_124", 2, 3, [9, 11], [1, 2, 4], False, 310),
        # levels larger than the input: bins overlap
        spp_case("spp_max_small_input", 1, 2, [3, 5], [1, 2, 4], True, 320),
        spp_case("spp_avg_1236", 1, 2, [5, 7], [1, 2, 3, 6], False, 330),
    ]


# --------------------------------------------------------------------------------------------------------
# RoI pooling


def boxes_for(n, h, w, scale, seed):
    """Boxes in image coordinates (feature map * 1/scale): inside, partly outside, empty, inverted, tiny."""
    H, W = h / scale, w / scale
    rng = np.random.RandomState(seed)
    rows = []
    for k in range(5):  # random boxes inside the image
        x1, x2 = sorted(rng.uniform(0, W, 2))
        y1, y2 = sorted(rng.uniform(0, H, 2))
        rows.append([k % n, x1, y1, x2, y2])
    rows += [
        [0, -0.3 * W, -0.2 * H, 0.4 * W, 0.5 * H],     # partly outside (top-left)
        [n - 1, 0.6 * W, 0.7 * H, 1.4 * W, 1.3 * H],   # partly outside (bottom-right)
        [0, -0.5 * W, 0.1 * H, 1.5 * W, 0.9 * H],      # wider than the map
        [n - 1, 0.5 * W, 0.5 * H, 0.5 * W, 0.5 * H],   # empty (a point)
        [0, 0.3 * W, 0.6 * H, 0.3 * W, 0.8 * H],       # empty width
        [n - 1, 0.7 * W, 0.6 * H, 0.2 * W, 0.1 * H],   # inverted
        [0, 0.1 * W, 0.2 * H, 0.1 * W + 0.7, 0.2 * H + 0.4],  # tiny
        [n - 1, 1.2 * W, 1.1 * H, 1.6 * W, 1.5 * H],   # wholly outside
        [0, 0.0, 0.0, W, H],                            # the whole image
    ]
    return torch.tensor(rows, dtype=torch.float32)


def roi_align_case(name, n, c, h, w, pooled, scale, sampling_ratio, aligned, seed):
    x = randn((n, c, h, w), seed)
    boxes = boxes_for(n, h, w, scale, seed + 1)
    xr = x.clone().requires_grad_(True)
    y = roi_align(xr, boxes, pooled, spatial_scale=scale, sampling_ratio=sampling_ratio, aligned=bool(aligned))
    dy = randn(y.shape, seed + 2)
    y.backward(dy)
    case = Case(name, "roi_align")
    case.int("n", n)
    case.int("c", c)
    case.int("in", h, w)
    case.int("pooled", *pooled)
    case.int("num_boxes", boxes.shape[0])
    case.int("sampling_ratio", sampling_ratio)
    case.int("aligned", aligned)
    case.float("spatial_scale", scale)
    case.tensor("x", x)
    case.tensor("boxes", boxes)
    case.tensor("y", y)
    case.tensor("dy", dy)
    case.tensor("dx", xr.grad)
    return case


def roi_pool_case(name, n, c, h, w, pooled, scale, seed, neg_inf=False):
    x = randn((n, c, h, w), seed)
    if neg_inf:  # a region of -inf: torchvision's bins there give -FLT_MAX and argmax -1
        x[:, :, : h // 2, : w // 2] = float("-inf")
    boxes = boxes_for(n, h, w, scale, seed + 1)
    y, argmax = torch.ops.torchvision.roi_pool(x, boxes, scale, pooled[0], pooled[1])
    xr = x.clone().requires_grad_(True)
    y2 = torchvision.ops.roi_pool(xr, boxes, pooled, scale)
    assert torch.equal(y, y2.detach())
    dy = randn(y.shape, seed + 2)
    y2.backward(dy)
    case = Case(name, "roi_pool")
    case.int("n", n)
    case.int("c", c)
    case.int("in", h, w)
    case.int("pooled", *pooled)
    case.int("num_boxes", boxes.shape[0])
    case.float("spatial_scale", scale)
    case.tensor("x", x)
    case.tensor("boxes", boxes)
    case.tensor("y", y)
    case.itensor("argmax", argmax.long())
    case.tensor("dy", dy)
    case.tensor("dx", xr.grad)
    return case


def roi_cases():
    cases = []
    for sr, aligned, scale, pooled, seed in [(-1, 0, 0.5, (2, 2), 400), (0, 1, 0.5, (3, 4), 410),
                                              (2, 0, 0.25, (2, 3), 420), (2, 1, 0.25, (3, 3), 430),
                                              (-1, 1, 0.25, (2, 2), 440), (0, 0, 1.0, (4, 3), 450),
                                              (1, 1, 0.5, (7, 7), 460)]:
        name = f"roi_align_sr{'m1' if sr < 0 else sr}_al{aligned}_s{str(scale).replace('.', 'p')}_{pooled[0]}x{pooled[1]}"
        cases.append(roi_align_case(name, 2, 3, 10, 12, pooled, scale, sr, aligned, seed))
    for scale, pooled, seed in [(0.5, (2, 2), 500), (0.25, (3, 2), 510), (1.0, (4, 4), 520)]:
        name = f"roi_pool_s{str(scale).replace('.', 'p')}_{pooled[0]}x{pooled[1]}"
        cases.append(roi_pool_case(name, 2, 3, 10, 12, pooled, scale, seed))
    cases.append(roi_pool_case("roi_pool_neg_inf", 2, 2, 8, 8, (2, 2), 0.5, 530, neg_inf=True))
    return cases


def main():
    cases = fractional_cases() + unpool_cases() + spp_cases() + roi_cases()
    names = [c.name for c in cases]
    assert len(names) == len(set(names)), "duplicate case names"
    lines = ["simdpool-golden-ops 1", f"torch {torch.__version__} torchvision {torchvision.__version__}"]
    lines += [c.text() for c in cases]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), OUT_NAME)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}: {len(cases)} cases, {os.path.getsize(path)} bytes (torch {torch.__version__}, "
          f"torchvision {torchvision.__version__})")


if __name__ == "__main__":
    main()
