#!/usr/bin/env python3
"""Generates simdpool's golden data from PyTorch: tests/golden/pool_golden.txt.

Run from anywhere with a Python that has torch and numpy:  python3 gen_golden.py
The output is deterministic (fixed seeds) and is committed, so CI never needs PyTorch.

File format (text, one record per line, whitespace-separated, parsed by tests/test_golden.cc):
    simdpool-golden 1
    torch <version>
    case <name>                      name: [A-Za-z0-9_]+
    op <max|min|avg|lp|soft|adaptive_max|adaptive_avg>
    dims <1|2|3>
    n <N>
    c <C>
    in <sizes...>                    spatial sizes, outermost first (D, H, W)
    kernel / stride / dilation / pad_begin / pad_end <sizes...>   (all 0 for adaptive ops)
    ceil <0|1>
    include_pad <0|1>
    divisor <d>                      divisor_override, 0 = none
    p <p>                            LP order
    out <sizes...>                   output spatial sizes
    x <count> <values...>            NCHW, float32 values (shortest round-trip repr; nan, inf, -inf)
    y <count> <values...>            NCHW
    idx <count> <values...>          max/min/adaptive_max only: PyTorch per-plane flat indices
    dy <count> <values...>           optional (absent for NaN cases)
    dx <count> <values...>           optional, present iff dy is: autograd of y.backward(dy)
    end

Semantics encoded here (PyTorch's, and DESIGN.md "Semantics"):
  * max/min: torch.nn.functional.max_poolNd(return_indices=True); min = -max_pool(-x) (so the argmin
    follows the same rules: first index on ties, the last NaN of the window in row-major scan order).
  * avg: avg_poolNd (count_include_pad, divisor_override, ceil_mode). Inputs of avg cases are dyadic
    (k/64) so window sums are exact in float32 and only the final division rounds.
  * asymmetric padding (torch only pads symmetrically): max via F.pad(-inf) + max_pool (indices remapped
    to the unpadded plane), cross-checked against a per-window loop; avg via an explicit float64 formula.
  * lp: ONNX LpPool (sum |x|^p)^(1/p) in float64 (torch's lp_pool uses x^p without abs and a different
    padding treatment, so it is not used). Padding contributes nothing.
  * soft: SoftPool sum(e^x x)/sum(e^x) over the window's input elements (padding is absent, not zero),
    float64, stable (max subtracted).
  * adaptive: adaptive_{max,avg}_poolNd.
  * dx: float64/float32 autograd of y with the recorded dy.
"""

import math
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.use_deterministic_algorithms(True)
torch.set_num_threads(1)

FLT_MAX = float(np.finfo(np.float32).max)
NAN = float("nan")
INF = float("inf")

OUT_NAME = "pool_golden.txt"

# --------------------------------------------------------------------------------------------------------
# Value generators


def gen(seed):
    g = torch.Generator()
    g.manual_seed(seed)
    return g


def randn(shape, seed, scale=1.0):
    return (torch.randn(*shape, generator=gen(seed), dtype=torch.float64) * scale).float()


def dyadic(shape, seed, lo=-512, hi=512, denom=64.0):
    """Values k/denom: exactly representable, sums of a few of them are exact in float32."""
    return (torch.randint(lo, hi, tuple(shape), generator=gen(seed)).double() / denom).float()


def ints(shape, seed, lo, hi):
    return torch.randint(lo, hi, tuple(shape), generator=gen(seed)).float()


def sprinkle(x, seed, values, fraction):
    """Replaces a random `fraction` of x's elements with values drawn from `values`."""
    x = x.clone()
    flat = x.view(-1)
    rng = np.random.RandomState(seed)
    count = max(1, int(round(fraction * flat.numel())))
    pos = rng.choice(flat.numel(), size=count, replace=False)
    for k, p in enumerate(pos):
        flat[int(p)] = values[k % len(values)] if k < len(values) else values[rng.randint(len(values))]
    return x


# --------------------------------------------------------------------------------------------------------
# Shape and window helpers (simdpool's / PyTorch's rules)


def out_size(i, k, s, d, pb, pe, ceil):
    eff = d * (k - 1) + 1
    num = i + pb + pe - eff
    assert num >= 0
    o = (num + (s - 1 if ceil else 0)) // s + 1
    if ceil and (o - 1) * s >= i + pb:
        o -= 1
    return o


def windows(case):
    """Per output position (row-major): (list of valid flat input positions in scan order,
    number of window taps inside the padded bounds [-pb, in+pe) per PyTorch's avg rule)."""
    dims = case["dims"]
    ins, ks, ss, ds = case["in"], case["kernel"], case["stride"], case["dilation"]
    pbs, pes = case["pad_begin"], case["pad_end"]
    outs = case["out"]
    per_dim = []
    for a in range(dims):
        lst = []
        for o in range(outs[a]):
            start = o * ss[a] - pbs[a]
            taps = [start + t * ds[a] for t in range(ks[a])]
            valid = [t for t in taps if 0 <= t < ins[a]]
            # PyTorch's avg: end = min(start + k, in + pad_end); pool size counts [start, end).
            end = min(start + ds[a] * (ks[a] - 1) + 1, ins[a] + pes[a])
            padded = len([t for t in taps if t < end])
            lst.append((valid, padded))
        per_dim.append(lst)
    strides = [1] * dims
    for a in range(dims - 2, -1, -1):
        strides[a] = strides[a + 1] * ins[a + 1]
    result = []
    for opos in np.ndindex(*outs):
        positions = [0]
        padded = 1
        for a in range(dims):
            valid, pc = per_dim[a][opos[a]]
            positions = [p + v * strides[a] for p in positions for v in valid]
            padded *= pc
        result.append((positions, padded))
    return result


def gather_table(case):
    """(index tensor [O, K] into the flat plane + 1 sentinel, mask [O, K]) for the float64 references."""
    wins = windows(case)
    plane = int(np.prod(case["in"]))
    kmax = max(1, max(len(w[0]) for w in wins))
    idx = torch.full((len(wins), kmax), plane, dtype=torch.long)
    mask = torch.zeros((len(wins), kmax), dtype=torch.bool)
    for o, (pos, _) in enumerate(wins):
        idx[o, : len(pos)] = torch.tensor(pos, dtype=torch.long)
        mask[o, : len(pos)] = True
    return idx, mask, wins


def gathered(x64, case):
    """x64: (N, C, spatial...) float64 -> (N, C, O, K) windows, (O, K) mask."""
    idx, mask, _ = gather_table(case)
    n, c = x64.shape[0], x64.shape[1]
    flat = x64.reshape(n, c, -1)
    flat = torch.cat([flat, torch.zeros(n, c, 1, dtype=flat.dtype)], dim=2)
    return flat[:, :, idx], mask


def loop_max(x, case):
    """Definition-level max: first index on ties, last NaN wins; padding is absent."""
    n, c = x.shape[0], x.shape[1]
    xf = x.reshape(n, c, -1).numpy()
    wins = windows(case)
    y = np.zeros((n, c, len(wins)), dtype=np.float32)
    ix = np.zeros((n, c, len(wins)), dtype=np.int64)
    for b in range(n):
        for ch in range(c):
            for o, (pos, _) in enumerate(wins):
                assert pos, "window without input element"
                best, bi = -np.inf, pos[0]
                for p in pos:
                    v = xf[b, ch, p]
                    if v > best or np.isnan(v):
                        best, bi = v, p
                y[b, ch, o], ix[b, ch, o] = best, bi
    shape = (n, c) + tuple(case["out"])
    return torch.from_numpy(y.reshape(shape)), torch.from_numpy(ix.reshape(shape))


# --------------------------------------------------------------------------------------------------------
# The torch computations


def max_pool(dims):
    return {1: F.max_pool1d, 2: F.max_pool2d, 3: F.max_pool3d}[dims]


def avg_pool(dims):
    return {1: F.avg_pool1d, 2: F.avg_pool2d, 3: F.avg_pool3d}[dims]


def symmetric(case):
    return list(case["pad_begin"]) == list(case["pad_end"])


def torch_max(x, case, negate):
    """Returns (y, idx, fn) where fn(x) recomputes y differentiably."""
    dims = case["dims"]
    if symmetric(case):
        def fn(t):
            t = -t if negate else t
            y, i = max_pool(dims)(t, kernel_size=case["kernel"], stride=case["stride"],
                                  padding=case["pad_begin"], dilation=case["dilation"],
                                  ceil_mode=bool(case["ceil"]), return_indices=True)
            return (-y if negate else y), i
    else:
        # Torch pads symmetrically only: pad explicitly with -inf, pool without padding, then remap the
        # indices (relative to the padded plane) to the unpadded plane. Padded values never win as long as
        # the case holds no -inf (checked below against loop_max). ceil_mode: pad the end further so the
        # floor-mode pool covers every ceil-mode window, then keep the expected output size.
        assert not bool(torch.isinf(x).any()), "asymmetric max cases must not hold inf"
        pads, extra = [], []
        for a in range(dims):
            eff = case["dilation"][a] * (case["kernel"][a] - 1) + 1
            span = (case["out"][a] - 1) * case["stride"][a] + eff
            total = case["in"][a] + case["pad_begin"][a] + case["pad_end"][a]
            extra.append(max(0, span - total))
        for a in reversed(range(dims)):
            pads += [case["pad_begin"][a], case["pad_end"][a] + extra[a]]
        padded_in = [case["in"][a] + case["pad_begin"][a] + case["pad_end"][a] + extra[a] for a in range(dims)]

        def fn(t):
            t = -t if negate else t
            tp = F.pad(t, pads, mode="constant", value=-INF)
            y, i = max_pool(dims)(tp, kernel_size=case["kernel"], stride=case["stride"], padding=0,
                                  dilation=case["dilation"], ceil_mode=False, return_indices=True)
            sl = (slice(None), slice(None)) + tuple(slice(0, o) for o in case["out"])
            y, i = y[sl], i[sl]
            # remap padded-plane flat index -> unpadded-plane flat index
            coords = []
            rem = i.clone()
            for a in reversed(range(dims)):
                coords.append(rem % padded_in[a] - case["pad_begin"][a])
                rem = rem // padded_in[a]
            coords.reverse()
            flat = torch.zeros_like(i)
            for a in range(dims):
                assert bool(((coords[a] >= 0) & (coords[a] < case["in"][a])).all()), "padding won"
                flat = flat * case["in"][a] + coords[a]
            return (-y if negate else y), flat
    with torch.no_grad():
        y, i = fn(x)
    # cross-check with the definition-level loop
    ly, li = loop_max(-x if negate else x, case)
    ly = -ly if negate else ly
    assert torch.equal(torch.isnan(y), torch.isnan(ly))
    ok = torch.isnan(y) | (y == ly)
    assert bool(ok.all()), f"{case['name']}: torch max values differ from the loop"
    assert torch.equal(i, li), f"{case['name']}: torch indices differ from the loop"
    return y, i, (lambda t: fn(t)[0])


def torch_avg(x, case):
    dims = case["dims"]
    assert all(d == 1 for d in case["dilation"])
    if symmetric(case):
        def fn(t):
            kw = dict(kernel_size=case["kernel"], stride=case["stride"], padding=case["pad_begin"],
                      ceil_mode=bool(case["ceil"]), count_include_pad=bool(case["include_pad"]))
            if case["divisor"]:
                assert dims > 1
                kw["divisor_override"] = case["divisor"]
            return avg_pool(dims)(t, **kw)
        with torch.no_grad():
            y = fn(x)
        # cross-check against the explicit formula
        ry = avg_formula(x.double(), case).float()
        assert bool(((y == ry) | (torch.isnan(y) & torch.isnan(ry))).all()), f"{case['name']}: avg formula"
        return y, fn
    fn = lambda t: avg_formula(t.double(), case).float()  # noqa: E731
    with torch.no_grad():
        return fn(x), fn


def avg_formula(x64, case):
    g, mask = gathered(x64, case)
    _, _, wins = gather_table(case)
    s = (g * mask).sum(dim=-1)
    if case["divisor"]:
        div = torch.full((len(wins),), float(case["divisor"]), dtype=torch.float64)
    elif case["include_pad"]:
        div = torch.tensor([float(w[1]) for w in wins], dtype=torch.float64)
    else:
        div = torch.tensor([float(len(w[0])) for w in wins], dtype=torch.float64)
    y = torch.where(div > 0, s / div.clamp(min=1), torch.zeros_like(s))
    return y.reshape(x64.shape[:2] + tuple(case["out"]))


def lp_formula(x64, case):
    g, mask = gathered(x64, case)
    p = case["p"]
    s = (g.abs().pow(p) * mask).sum(dim=-1)
    y = s.pow(1.0 / p)
    return y.reshape(x64.shape[:2] + tuple(case["out"]))


def soft_formula(x64, case):
    g, mask = gathered(x64, case)
    neg = torch.full_like(g, -INF)
    m = torch.where(mask, g, neg).amax(dim=-1, keepdim=True).detach()
    w = torch.where(mask, torch.exp(g - m), torch.zeros_like(g))
    y = (w * g).sum(dim=-1) / w.sum(dim=-1)
    return y.reshape(x64.shape[:2] + tuple(case["out"]))


def adaptive(case, kind):
    dims = case["dims"]
    if kind == "max":
        f = {1: F.adaptive_max_pool1d, 2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}[dims]
        return lambda t: f(t, case["out"], return_indices=True)
    f = {1: F.adaptive_avg_pool1d, 2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}[dims]
    return lambda t: f(t, case["out"])


def adaptive_window_check(case, x, y, idx):
    """Checks torch's adaptive windows are [floor(i*in/out), ceil((i+1)*in/out)) via the loop max."""
    dims = case["dims"]
    outs, ins = case["out"], case["in"]
    per_dim = [[list(range((o * ins[a]) // outs[a], -((-(o + 1) * ins[a]) // outs[a])))
                for o in range(outs[a])] for a in range(dims)]
    n, c = x.shape[0], x.shape[1]
    xf = x.reshape(n, c, -1)
    strides = [int(np.prod(ins[a + 1:])) for a in range(dims)]
    for k, opos in enumerate(np.ndindex(*outs)):
        pos = [0]
        for a in range(dims):
            pos = [p + v * strides[a] for p in pos for v in per_dim[a][opos[a]]]
        for b in range(n):
            for ch in range(c):
                vals = xf[b, ch, pos]
                yv = y.reshape(n, c, -1)[b, ch, k]
                if idx is None:
                    ref = vals.double().mean().float()
                    assert abs(float(ref) - float(yv)) <= 1e-6 * max(1.0, abs(float(ref))) or (
                        math.isnan(float(ref)) and math.isnan(float(yv)))
                else:
                    best, bi = -INF, pos[0]
                    for p, v in zip(pos, vals.tolist()):
                        if v > best or math.isnan(v):
                            best, bi = v, p
                    assert int(idx.reshape(n, c, -1)[b, ch, k]) == bi, case["name"]


# --------------------------------------------------------------------------------------------------------
# Cases


def pool_case(name, op, dims, n, c, ins, kernel, stride=None, dilation=None, pad=None, pad_begin=None,
              pad_end=None, ceil=0, include_pad=1, divisor=0, p=2.0):
    def vec(v, default):
        if v is None:
            v = default
        if isinstance(v, int):
            v = [v] * dims
        return list(v)
    kernel = vec(kernel, None)
    case = dict(name=name, op=op, dims=dims, n=n, c=c, **{"in": vec(ins, None)}, kernel=kernel,
                stride=vec(stride, kernel), dilation=vec(dilation, 1), ceil=ceil, include_pad=include_pad,
                divisor=divisor, p=float(p))
    case["pad_begin"] = vec(pad_begin if pad_begin is not None else pad, 0)
    case["pad_end"] = vec(pad_end if pad_end is not None else pad, 0)
    case["out"] = [out_size(case["in"][a], kernel[a], case["stride"][a], case["dilation"][a],
                            case["pad_begin"][a], case["pad_end"][a], ceil) for a in range(dims)]
    return case


def adaptive_case(name, op, dims, n, c, ins, outs):
    def vec(v):
        return [v] * dims if isinstance(v, int) else list(v)
    z = [0] * dims
    return dict(name=name, op=op, dims=dims, n=n, c=c, **{"in": vec(ins)}, out=vec(outs), kernel=z, stride=z,
                dilation=z, pad_begin=z, pad_end=z, ceil=0, include_pad=0, divisor=0, p=0.0)


def shape_of(case):
    return (case["n"], case["c"]) + tuple(case["in"])


SEED_6x6 = [[1, 3, 4, 2, 5, 2], [4, 2, 5, 6, 8, 3], [5, 3, 7, 8, 9, 3],
            [8, 4, 3, 6, 0, 2], [7, 10, 3, 6, 3, 5], [4, 7, 2, 4, 7, 8]]


def build_cases():
    cases = []  # (case, x, dy-kind) ; dy-kind: "mean", "rand", None

    def add(case, x, dy="rand"):
        assert tuple(x.shape) == shape_of(case), case["name"]
        assert x.numel() <= 10000, case["name"]
        cases.append((case, x.float().contiguous(), dy))

    seed = torch.tensor(SEED_6x6, dtype=torch.float32).reshape(1, 1, 6, 6)
    # --- the seed example (dy = 1/numel(y), i.e. loss = mean(y)) ---
    add(pool_case("seed_max2d_k2s2", "max", 2, 1, 1, 6, 2, 2), seed, "mean")
    add(pool_case("seed_max2d_k2s1", "max", 2, 1, 1, 6, 2, 1), seed, "mean")
    add(pool_case("seed_avg2d_k2s1", "avg", 2, 1, 1, 6, 2, 1), seed, "mean")
    add(pool_case("seed_min2d_k2s2", "min", 2, 1, 1, 6, 2, 2), seed, "mean")

    # --- max ---
    add(pool_case("max2d_k3s2p1", "max", 2, 2, 3, (9, 10), 3, 2, pad=1), randn((2, 3, 9, 10), 101))
    add(pool_case("max2d_k3s1p1_overlap", "max", 2, 2, 3, (8, 7), 3, 1, pad=1), randn((2, 3, 8, 7), 102))
    add(pool_case("max2d_k2s2p1_ceil_drop", "max", 2, 1, 3, 5, 2, 2, pad=1, ceil=1), randn((1, 3, 5, 5), 103))
    add(pool_case("max2d_k3s2_ceil_overhang", "max", 2, 2, 3, (6, 8), 3, 2, ceil=1), randn((2, 3, 6, 8), 104))
    add(pool_case("max2d_k3d2s1p1", "max", 2, 1, 3, (10, 9), 3, 1, dilation=2, pad=1),
        randn((1, 3, 10, 9), 105))
    add(pool_case("max2d_k3d2s2p1_ceil", "max", 2, 2, 3, (9, 11), (3, 2), (2, 3), dilation=(2, 3),
                  pad=1, ceil=1), randn((2, 3, 9, 11), 106))
    add(pool_case("max2d_ties_k3s1p1", "max", 2, 2, 3, (7, 7), 3, 1, pad=1), ints((2, 3, 7, 7), 107, 0, 3))
    add(pool_case("max2d_all_equal_k2s1", "max", 2, 1, 2, (4, 5), 2, 1), torch.full((1, 2, 4, 5), 2.5))
    xnan = sprinkle(randn((2, 3, 8, 9), 108), 1108, [NAN], 0.12)
    xnan[0, 0, 0:2, 0:2] = NAN  # a window full of NaN
    xnan[1, 2, 2, 2] = NAN
    xnan[1, 2, 3, 3] = NAN     # two NaNs in one 2x2 window: the last one's index
    add(pool_case("max2d_nan_k2s2", "max", 2, 2, 3, (8, 9), 2, 2, ceil=1), xnan, None)
    add(pool_case("max2d_nan_k3s1p1", "max", 2, 2, 3, (8, 9), 3, 1, pad=1), xnan, None)
    xinf = randn((2, 3, 7, 8), 109, 10.0)
    xinf = sprinkle(xinf, 1109, [INF, -INF, FLT_MAX, -FLT_MAX], 0.15)
    xinf[0, 0, :3, :3] = -INF        # windows full of -inf (padding must not win)
    xinf[0, 1, :3, :3] = -FLT_MAX    # windows full of -FLT_MAX
    xinf[1, 0, 4:, 5:] = INF
    add(pool_case("max2d_inf_k3s2p1", "max", 2, 2, 3, (7, 8), 3, 2, pad=1, ceil=1), xinf)
    add(pool_case("max2d_inf_k2s1p1", "max", 2, 2, 3, (7, 8), 2, 1, pad=1), xinf)
    xtail = sprinkle(randn((1, 19, 5, 6), 110), 1110, [NAN, INF, -INF, -FLT_MAX], 0.08)
    add(pool_case("max2d_c19_special_k2s2", "max", 2, 1, 19, (5, 6), 2, 2, ceil=1), xtail, None)
    add(pool_case("max2d_c37_k3s2p1", "max", 2, 2, 37, (7, 6), 3, 2, pad=1), randn((2, 37, 7, 6), 111))
    add(pool_case("max1d_k3s2p1_ceil", "max", 1, 2, 3, 17, 3, 2, pad=1, ceil=1), randn((2, 3, 17), 112))
    add(pool_case("max1d_k2s2p1_ceil_drop", "max", 1, 2, 3, 5, 2, 2, pad=1, ceil=1), randn((2, 3, 5), 113))
    add(pool_case("max1d_k4d2s1p2", "max", 1, 1, 3, 16, 4, 1, dilation=2, pad=2), randn((1, 3, 16), 114))
    x1nan = sprinkle(randn((2, 3, 20), 115), 1115, [NAN, INF, -INF], 0.2)
    add(pool_case("max1d_nan_k3s1p1", "max", 1, 2, 3, 20, 3, 1, pad=1), x1nan, None)
    add(pool_case("max3d_k2x3x2s2x1x2p1", "max", 3, 2, 3, (5, 6, 7), (2, 3, 2), (2, 1, 2), pad=(1, 1, 0),
                  ceil=1), randn((2, 3, 5, 6, 7), 116))
    add(pool_case("max3d_k3s2d2p1", "max", 3, 1, 2, (7, 8, 9), 3, 2, dilation=(2, 1, 2), pad=1),
        randn((1, 2, 7, 8, 9), 117))
    x3nan = sprinkle(randn((1, 3, 4, 5, 6), 118), 1118, [NAN, -INF], 0.1)
    add(pool_case("max3d_nan_k2s1", "max", 3, 1, 3, (4, 5, 6), 2, 1), x3nan, None)
    add(pool_case("max2d_asym_k3s2", "max", 2, 2, 3, (7, 8), 3, 2, pad_begin=(0, 2), pad_end=(2, 1)),
        randn((2, 3, 7, 8), 119))
    add(pool_case("max2d_asym_k3s2_ceil", "max", 2, 1, 3, (8, 7), 3, 2, pad_begin=(2, 0), pad_end=(0, 1),
                  ceil=1), randn((1, 3, 8, 7), 120))
    add(pool_case("max1d_asym_k3s1", "max", 1, 2, 3, 9, 3, 1, pad_begin=2, pad_end=0), randn((2, 3, 9), 121))
    add(pool_case("max3d_asym_k2s2_ceil", "max", 3, 1, 2, (5, 4, 5), 2, 2, pad_begin=(1, 0, 0),
                  pad_end=(0, 1, 1), ceil=1), randn((1, 2, 5, 4, 5), 122))

    # --- min ---
    add(pool_case("min2d_k3s2p1", "min", 2, 2, 3, (9, 8), 3, 2, pad=1), randn((2, 3, 9, 8), 201))
    add(pool_case("min2d_ties_k2s1", "min", 2, 2, 3, (6, 7), 2, 1), ints((2, 3, 6, 7), 202, 0, 3))
    xmin = sprinkle(randn((2, 3, 7, 8), 203, 10.0), 1203, [NAN, INF, -INF, FLT_MAX, -FLT_MAX], 0.15)
    xmin[0, 1, :3, :3] = INF
    xmin[1, 1, :3, :3] = FLT_MAX
    add(pool_case("min2d_special_k3s2p1_ceil", "min", 2, 2, 3, (7, 8), 3, 2, pad=1, ceil=1), xmin, None)
    xmin2 = sprinkle(randn((2, 3, 7, 8), 204, 10.0), 1204, [INF, -INF, FLT_MAX, -FLT_MAX], 0.15)
    xmin2[0, 1, :3, :3] = INF
    add(pool_case("min2d_inf_k3s1p1", "min", 2, 2, 3, (7, 8), 3, 1, pad=1), xmin2)
    add(pool_case("min1d_k3s2d2p1_ceil", "min", 1, 2, 3, 15, 3, 2, dilation=2, pad=1, ceil=1),
        randn((2, 3, 15), 205))
    add(pool_case("min3d_k2s1p1", "min", 3, 1, 3, (4, 5, 4), 2, 1, pad=1), randn((1, 3, 4, 5, 4), 206))
    add(pool_case("min2d_asym_k2s1", "min", 2, 1, 3, (6, 6), 2, 1, pad_begin=(1, 0), pad_end=(0, 1)),
        randn((1, 3, 6, 6), 207))

    # --- avg (dyadic inputs: exact sums) ---
    add(pool_case("avg2d_k3s2p1_incl", "avg", 2, 2, 3, (9, 10), 3, 2, pad=1, include_pad=1),
        dyadic((2, 3, 9, 10), 301))
    add(pool_case("avg2d_k3s2p1_excl", "avg", 2, 2, 3, (9, 10), 3, 2, pad=1, include_pad=0),
        dyadic((2, 3, 9, 10), 301))
    add(pool_case("avg2d_k3s2p1_ceil_incl", "avg", 2, 2, 3, (6, 7), 3, 2, pad=1, ceil=1, include_pad=1),
        dyadic((2, 3, 6, 7), 302))
    add(pool_case("avg2d_k3s2p1_ceil_excl", "avg", 2, 2, 3, (6, 7), 3, 2, pad=1, ceil=1, include_pad=0),
        dyadic((2, 3, 6, 7), 302))
    add(pool_case("avg2d_k2s2p1_ceil_drop_incl", "avg", 2, 1, 3, 5, 2, 2, pad=1, ceil=1, include_pad=1),
        dyadic((1, 3, 5, 5), 303))
    add(pool_case("avg2d_k3s2_ceil_overhang_incl", "avg", 2, 1, 3, (6, 8), 3, 2, ceil=1, include_pad=1),
        dyadic((1, 3, 6, 8), 304))
    add(pool_case("avg2d_k3s1p1_overlap_incl", "avg", 2, 2, 3, (8, 7), 3, 1, pad=1, include_pad=1),
        dyadic((2, 3, 8, 7), 305))
    add(pool_case("avg2d_k3s1p1_overlap_excl", "avg", 2, 2, 3, (8, 7), 3, 1, pad=1, include_pad=0),
        dyadic((2, 3, 8, 7), 305))
    add(pool_case("avg2d_k3s2p1_ceil_div5", "avg", 2, 2, 3, (7, 6), 3, 2, pad=1, ceil=1, divisor=5),
        dyadic((2, 3, 7, 6), 306))
    add(pool_case("avg2d_k2x3s1x2p1_div4_excl", "avg", 2, 1, 3, (6, 9), (2, 3), (1, 2), pad=1, include_pad=0,
                  divisor=4), dyadic((1, 3, 6, 9), 307))
    add(pool_case("avg2d_c37_k3s2p1_excl", "avg", 2, 1, 37, (7, 6), 3, 2, pad=1, include_pad=0),
        dyadic((1, 37, 7, 6), 308))
    xavg = sprinkle(dyadic((1, 3, 6, 7), 309), 1309, [NAN, INF, -INF, INF], 0.1)
    add(pool_case("avg2d_special_k2s1p1", "avg", 2, 1, 3, (6, 7), 2, 1, pad=1, include_pad=0), xavg, None)
    add(pool_case("avg1d_k3s2p1_ceil_incl", "avg", 1, 2, 3, 16, 3, 2, pad=1, ceil=1, include_pad=1),
        dyadic((2, 3, 16), 310))
    add(pool_case("avg1d_k4s3p2_ceil_excl", "avg", 1, 2, 3, 16, 4, 3, pad=2, ceil=1, include_pad=0),
        dyadic((2, 3, 16), 311))
    add(pool_case("avg3d_k3s2p1_ceil_incl", "avg", 3, 1, 3, (5, 6, 7), 3, 2, pad=1, ceil=1, include_pad=1),
        dyadic((1, 3, 5, 6, 7), 312))
    add(pool_case("avg3d_k2x3x2s1x2x2p1x1x0_excl", "avg", 3, 2, 2, (4, 7, 5), (2, 3, 2), (1, 2, 2),
                  pad=(1, 1, 0), include_pad=0), dyadic((2, 2, 4, 7, 5), 313))
    add(pool_case("avg3d_k2s2p1_div3", "avg", 3, 1, 2, (5, 5, 4), 2, 2, pad=1, divisor=3),
        dyadic((1, 2, 5, 5, 4), 314))
    add(pool_case("avg2d_asym_k3s2_incl", "avg", 2, 2, 3, (7, 8), 3, 2, pad_begin=(0, 2), pad_end=(2, 1),
                  include_pad=1), dyadic((2, 3, 7, 8), 315))
    add(pool_case("avg2d_asym_k3s2_excl", "avg", 2, 2, 3, (7, 8), 3, 2, pad_begin=(0, 2), pad_end=(2, 1),
                  include_pad=0), dyadic((2, 3, 7, 8), 315))

    # --- LP (ONNX) ---
    add(pool_case("lp2d_p2_k3s2p1", "lp", 2, 2, 3, (9, 8), 3, 2, pad=1, p=2), randn((2, 3, 9, 8), 401))
    add(pool_case("lp2d_p1_k2s1", "lp", 2, 2, 3, (6, 7), 2, 1, p=1), randn((2, 3, 6, 7), 402))
    add(pool_case("lp2d_p3_k3s2p1_ceil", "lp", 2, 1, 3, (8, 7), 3, 2, pad=1, ceil=1, p=3),
        randn((1, 3, 8, 7), 403))
    add(pool_case("lp2d_p2_c37_k2s2", "lp", 2, 1, 37, (6, 6), 2, 2, p=2), randn((1, 37, 6, 6), 404))
    add(pool_case("lp1d_p1.5_k3s1p1", "lp", 1, 2, 3, 12, 3, 1, pad=1, p=1.5), randn((2, 3, 12), 405))
    add(pool_case("lp3d_p2_k2s1", "lp", 3, 1, 3, (4, 5, 4), 2, 1, p=2), randn((1, 3, 4, 5, 4), 406))

    # --- SoftPool (padding absent) ---
    add(pool_case("soft2d_k2s2", "soft", 2, 2, 3, (8, 6), 2, 2), randn((2, 3, 8, 6), 501))
    add(pool_case("soft2d_k3s1_overlap", "soft", 2, 2, 3, (7, 6), 3, 1), randn((2, 3, 7, 6), 502))
    add(pool_case("soft2d_large_k3s2", "soft", 2, 1, 3, (7, 7), 3, 2), randn((1, 3, 7, 7), 503, 60.0))
    add(pool_case("soft2d_c19_k2s2", "soft", 2, 1, 19, (4, 6), 2, 2), randn((1, 19, 4, 6), 504))
    add(pool_case("soft2d_k3s2p1_ceil", "soft", 2, 1, 3, (7, 6), 3, 2, pad=1, ceil=1),
        randn((1, 3, 7, 6), 505))
    add(pool_case("soft1d_k3s2", "soft", 1, 2, 3, 15, 3, 2), randn((2, 3, 15), 506))
    add(pool_case("soft3d_k2s2", "soft", 3, 1, 3, (4, 4, 6), 2, 2), randn((1, 3, 4, 4, 6), 507))

    # --- adaptive ---
    add(adaptive_case("adaptive_avg2d_7x10_to_3x4", "adaptive_avg", 2, 2, 3, (7, 10), (3, 4)),
        dyadic((2, 3, 7, 10), 601))
    add(adaptive_case("adaptive_avg2d_3x3_to_5x5", "adaptive_avg", 2, 2, 3, 3, 5), dyadic((2, 3, 3, 3), 602))
    add(adaptive_case("adaptive_avg2d_global", "adaptive_avg", 2, 2, 3, (5, 7), 1), dyadic((2, 3, 5, 7), 603))
    add(adaptive_case("adaptive_avg1d_7_to_3", "adaptive_avg", 1, 2, 3, 7, 3), dyadic((2, 3, 7), 604))
    add(adaptive_case("adaptive_avg1d_3_to_5", "adaptive_avg", 1, 1, 3, 3, 5), dyadic((1, 3, 3), 605))
    add(adaptive_case("adaptive_avg3d_5x7x3_to_2x3x5", "adaptive_avg", 3, 1, 3, (5, 7, 3), (2, 3, 5)),
        dyadic((1, 3, 5, 7, 3), 606))
    add(adaptive_case("adaptive_avg2d_c37_10x4_to_4x3", "adaptive_avg", 2, 1, 37, (10, 4), (4, 3)),
        dyadic((1, 37, 10, 4), 607))
    add(adaptive_case("adaptive_max2d_7x10_to_3x4", "adaptive_max", 2, 2, 3, (7, 10), (3, 4)),
        randn((2, 3, 7, 10), 611))
    add(adaptive_case("adaptive_max2d_3x3_to_5x5", "adaptive_max", 2, 2, 3, 3, 5), randn((2, 3, 3, 3), 612))
    add(adaptive_case("adaptive_max2d_ties_6x5_to_4x3", "adaptive_max", 2, 2, 3, (6, 5), (4, 3)),
        ints((2, 3, 6, 5), 613, 0, 2))
    add(adaptive_case("adaptive_max2d_global", "adaptive_max", 2, 2, 3, (5, 7), 1), randn((2, 3, 5, 7), 614))
    xan = sprinkle(randn((2, 3, 7, 10), 615), 1615, [NAN, INF, -INF, -FLT_MAX], 0.12)
    xan[0, 0, :3, :4] = -INF
    add(adaptive_case("adaptive_max2d_nan_7x10_to_3x4", "adaptive_max", 2, 2, 3, (7, 10), (3, 4)), xan, None)
    add(adaptive_case("adaptive_max1d_10_to_4", "adaptive_max", 1, 2, 3, 10, 4), randn((2, 3, 10), 616))
    add(adaptive_case("adaptive_max1d_3_to_5", "adaptive_max", 1, 1, 3, 3, 5), randn((1, 3, 3), 617))
    add(adaptive_case("adaptive_max3d_5x7x3_to_2x3x5", "adaptive_max", 3, 1, 3, (5, 7, 3), (2, 3, 5)),
        randn((1, 3, 5, 7, 3), 618))
    add(adaptive_case("adaptive_max2d_c19_9x9_to_4x4", "adaptive_max", 2, 1, 19, (9, 9), (4, 4)),
        randn((1, 19, 9, 9), 619))
    return cases


# --------------------------------------------------------------------------------------------------------
# Running a case


def run_case(case, x, dy_kind, seed):
    op, name = case["op"], case["name"]
    idx = None
    if op in ("max", "min"):
        y, idx, fn = torch_max(x, case, negate=(op == "min"))
        grad_dtype = torch.float32
    elif op == "avg":
        y, fn = torch_avg(x, case)
        grad_dtype = torch.float32
    elif op == "lp":
        fn = lambda t: lp_formula(t.double(), case)  # noqa: E731
        with torch.no_grad():
            y = fn(x).float()
        grad_dtype = torch.float64
    elif op == "soft":
        fn = lambda t: soft_formula(t.double(), case)  # noqa: E731
        with torch.no_grad():
            y = fn(x).float()
        grad_dtype = torch.float64
    elif op == "adaptive_max":
        f = adaptive(case, "max")
        with torch.no_grad():
            y, idx = f(x)
        adaptive_window_check(case, x, y, idx)
        fn = lambda t: f(t)[0]  # noqa: E731
        grad_dtype = torch.float32
    elif op == "adaptive_avg":
        f = adaptive(case, "avg")
        with torch.no_grad():
            y = f(x)
        adaptive_window_check(case, x, y, None)
        fn = f
        grad_dtype = torch.float32
    else:
        raise ValueError(op)

    expect = (case["n"], case["c"]) + tuple(case["out"])
    assert tuple(y.shape) == expect, f"{name}: torch shape {tuple(y.shape)} != {expect}"
    assert y.numel() > 0

    dy = dx = None
    if dy_kind is not None:
        assert not bool(torch.isnan(x).any()), f"{name}: no gradients for NaN inputs"
        if dy_kind == "mean":
            dy = torch.full(expect, 1.0 / y.numel(), dtype=torch.float32)
        else:
            dy = randn(expect, seed + 7000)
        xg = x.to(grad_dtype).clone().requires_grad_(True)
        yg = fn(xg)
        yg.backward(dy.to(yg.dtype))
        dx = xg.grad.float()
        assert bool(torch.isfinite(dx).all()), f"{name}: non-finite dx"
    return y.float(), idx, dy, dx


def fmt_floats(t):
    return " ".join(str(np.float32(v)) for v in t.reshape(-1).tolist())


def fmt_ints(t):
    return " ".join(str(int(v)) for v in t.reshape(-1).tolist())


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    lines = ["simdpool-golden 1", f"torch {torch.__version__}"]
    names = set()
    cases = build_cases()
    for k, (case, x, dy_kind) in enumerate(cases):
        name = case["name"].replace(".", "_")
        assert name not in names and all(ch.isalnum() or ch == "_" for ch in name), name
        names.add(name)
        y, idx, dy, dx = run_case(case, x, dy_kind, 1000 + k)
        dims = case["dims"]

        def sp(key):
            return f"{key} " + " ".join(str(int(v)) for v in case[key][:dims])
        lines += [f"case {name}", f"op {case['op']}", f"dims {dims}", f"n {case['n']}", f"c {case['c']}",
                  sp("in"), sp("kernel"), sp("stride"), sp("dilation"), sp("pad_begin"), sp("pad_end"),
                  f"ceil {case['ceil']}", f"include_pad {case['include_pad']}", f"divisor {case['divisor']}",
                  f"p {np.float32(case['p'])}", sp("out"),
                  f"x {x.numel()} {fmt_floats(x)}", f"y {y.numel()} {fmt_floats(y)}"]
        if idx is not None:
            lines.append(f"idx {idx.numel()} {fmt_ints(idx)}")
        if dy is not None:
            lines.append(f"dy {dy.numel()} {fmt_floats(dy)}")
            lines.append(f"dx {dx.numel()} {fmt_floats(dx)}")
        lines.append("end")
    path = os.path.join(here, OUT_NAME)
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    print(f"wrote {path}: {len(cases)} cases, {os.path.getsize(path)} bytes (torch {torch.__version__})",
          file=sys.stderr)


if __name__ == "__main__":
    main()
