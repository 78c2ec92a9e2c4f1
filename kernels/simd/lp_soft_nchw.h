/*
 * NCHW forward of LP pooling and SoftPool, shared by AVX2, AVX-512 and NEON (include the ISA's vector layer,
 * kernels/x86/fvec_<isa>.h or kernels/neon/fvec_neon.h, first; the kernels then use VL lanes).
 *
 * Vectors run along the output width: a block is VL consecutive outputs of one output row, lane i holding
 * output column o0 + i, whose W taps start at input column b + S*i (b = o0*S - pad_begin). Each lane reduces
 * its own window tap by tap in the scalar kernels' scan order (D, then H, then W), so:
 *   - LP with p = 1 and p = 2 is bit-identical to the scalar kernel;
 *   - LP with any other p, and SoftPool, differ from it only through e^x and |x|^p (kernels/simd/lp_soft_math.h).
 *     LP: its terms within a few ulp, its root within a few ulp plus 1/p times the sum's relative error; measured
 *     against scalar at most 2e-7 relative for p >= 1.5, 6e-7 for p = 0.5, 2.4e-6 for p = 0.1, and checked as
 *     1e-6 * max(1, 1/p) (tests/test_simd_lp_soft.cc). SoftPool: weights within a few ulp, so the output is
 *     within a few ulp of max |x_i| over the window (measured 2.1e-7 * max|x_i|; checked as
 *     1e-6 * max|x| + 1e-6 * |y|).
 * Results do not depend on where a block starts, on the ISA, or on the thread split: every lane runs the same
 * operations whatever path loads its taps.
 *
 * Loading one tap for the VL lanes of a block whose windows all lie inside the input (the plan's full range):
 * S = 1 one load; S = 2 two loads deinterleaved (vf_even / vf_odd, in a lane order vf_unshuffle undoes once per
 * block); larger strides a gather. 2x2/2, 3x3/2 and 3x3/1 are the same code with constant stride, kernel width
 * and dilation. Blocks with edge columns (padding, ceil_mode) gather each lane's taps through the plan's
 * per-column tables, masked by each lane's tap count; a lane's missing taps read a value that changes nothing
 * (+0 for LP's sums, -inf for SoftPool, whose weight is then 0). The last partial block of a row overlaps its
 * neighbour (recomputing equal values); rows narrower than VL store through a mask.
 */
#ifndef SIMDPOOL_SIMD_LP_SOFT_NCHW_H
#define SIMDPOOL_SIMD_LP_SOFT_NCHW_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"
#include "simd/lp_soft_math.h"

/* The tap rows (D, then H) of one output row: the first at x, column 0. */
typedef struct sp_nchw_rows {
    const float *x;
    int64_t nd, nh, sd, sh;
} sp_nchw_rows;

/* What every block of a call shares. */
typedef struct sp_nchw_ctx {
    int64_t W, out_w;
    int64_t K, S, shift, dw; /* window o's W taps: o*S + shift + j*dw, j < K */
    int64_t fb, fe;          /* output columns whose K taps all lie inside the input */
    vf p, inv_p, lo, hi;
    bool clamp;
} sp_nchw_ctx;

enum { LOAD_GATHER = 0, LOAD_S1 = 1, LOAD_S2 = 2 };

/* Tap at column b + o of the row rb - b (rb = row + b) for the VL lanes, lane i at column b + o + S*i. With
   LOAD_S2 the lanes come in vf_even's order; `last_even`: the second load would read one column past the row
   (the window's last tap, at an even offset, in the row's last block), so it reads VL - 1 floats. */
SP_KERNEL_INLINE vf sp_nchw_load_tap(const float *rb, int64_t o, int mode, vi stride_idx, bool last_even)
{
    if (mode == LOAD_S1) return vf_load(rb + o);
    if (mode == LOAD_S2) {
        const int64_t odd = o & 1;
        const float *q = rb + o - odd;
        const vf lo = vf_load(q), hi = last_even ? vf_load_m(q + VL, vm_first(VL - 1)) : vf_load(q + VL);
        return odd ? vf_odd(lo, hi) : vf_even(lo, hi);
    }
    return vf_gather(rb + o, stride_idx);
}

/* One pass over the taps of a block whose windows lie inside the input; b its first column. */
SP_KERNEL_INLINE void sp_nchw_pass_full(enum sp_simd_pass pass, sp_simd_acc *a, const sp_nchw_ctx *k,
                                        const sp_nchw_rows *t, int64_t b, int mode, int64_t K, int64_t dw,
                                        vi stride_idx, bool tight)
{
    const int64_t lastoff = (K - 1) * dw;
    const bool last_even = tight && (lastoff & 1) == 0;
    for (int64_t jd = 0; jd < t->nd; ++jd)
        for (int64_t jh = 0; jh < t->nh; ++jh) {
            const float *rb = t->x + jd * t->sd + jh * t->sh + b;
            for (int64_t jw = 0; jw < K; ++jw) {
                const int64_t o = jw * dw;
                sp_simd_tap(pass, a, sp_nchw_load_tap(rb, o, mode, stride_idx, o == lastoff && last_even), k->p);
            }
        }
}

/* One pass over the taps of a block through the per-column tables: lane i's taps at first[i] + j*dw for
   j < taps[i]; lanes without tap j read `absent`. */
SP_KERNEL_INLINE void sp_nchw_pass_table(enum sp_simd_pass pass, sp_simd_acc *a, const sp_nchw_ctx *k,
                                         const sp_nchw_rows *t, vi first, vi taps, int32_t max_taps, vf absent)
{
    for (int64_t jd = 0; jd < t->nd; ++jd)
        for (int64_t jh = 0; jh < t->nh; ++jh) {
            const float *rb = t->x + jd * t->sd + jh * t->sh;
            vi at = first;
            for (int32_t j = 0; j < max_taps; ++j, at = vi_add(at, vi_set1((int32_t)k->dw))) {
                const vm has = vm_ilt(vi_set1(j), taps);
                sp_simd_tap(pass, a, vf_gather_m(absent, rb, at, has), k->p);
            }
        }
}

/* Finishes a block's reduction: clamp (the empty-window zero included, as the scalar kernels clamp it). */
SP_KERNEL_INLINE vf sp_nchw_output(enum sp_simd_family family, const sp_nchw_ctx *k, const sp_simd_acc *a, vm empty)
{
    vf v = sp_simd_finish(family, a, k->inv_p);
    if (family == FAMILY_SOFT) v = vf_select(empty, vf_zero(), v);
    return k->clamp ? sp_simd_clamp(v, k->lo, k->hi) : v;
}

/* A block inside the full range: constant K and dw when KC / DWC are nonzero. */
SP_KERNEL_INLINE vf sp_nchw_block_full(enum sp_simd_family family, const sp_nchw_ctx *k, const sp_nchw_rows *t,
                                       int64_t b, int mode, int64_t K, int64_t dw, vi stride_idx, bool tight)
{
    sp_simd_acc a;
    sp_simd_acc_init(&a);
    if (family == FAMILY_SOFT) {
        sp_nchw_pass_full(PASS_MAX, &a, k, t, b, mode, K, dw, stride_idx, tight);
        sp_nchw_pass_full(PASS_SOFT, &a, k, t, b, mode, K, dw, stride_idx, tight);
    } else {
        const enum sp_simd_pass pass = family == FAMILY_LP1 ? PASS_LP1 : family == FAMILY_LP2 ? PASS_LP2 : PASS_LPP;
        sp_nchw_pass_full(pass, &a, k, t, b, mode, K, dw, stride_idx, tight);
    }
    if (mode == LOAD_S2) {
        a.sum = vf_unshuffle(a.sum);
        a.num = vf_unshuffle(a.num);
    }
    return sp_nchw_output(family, k, &a, vm_first(0));
}

/* A block of r <= VL columns from o0 through the tables (edges, and anything the full range does not cover). */
SP_KERNEL_INLINE vf sp_nchw_block_table(enum sp_simd_family family, const sp_nchw_ctx *k, const sp_nchw_rows *t,
                                 const sp_pool_geometry *g, int64_t o0, int64_t r)
{
    int32_t first[VL], taps[VL];
    int32_t max_taps = 0;
    for (int64_t i = 0; i < VL; ++i) {
        first[i] = i < r ? (int32_t)g->first[2][o0 + i] : 0;
        taps[i] = i < r ? g->taps[2][o0 + i] : 0;
        if (taps[i] > max_taps) max_taps = taps[i];
    }
    const vi first_v = vi_load(first), taps_v = vi_load(taps);
    const vf absent = sp_simd_absent_tap(family);
    sp_simd_acc a;
    sp_simd_acc_init(&a);
    if (family == FAMILY_SOFT) {
        sp_nchw_pass_table(PASS_MAX, &a, k, t, first_v, taps_v, max_taps, absent);
        sp_nchw_pass_table(PASS_SOFT, &a, k, t, first_v, taps_v, max_taps, absent);
    } else {
        const enum sp_simd_pass pass = family == FAMILY_LP1 ? PASS_LP1 : family == FAMILY_LP2 ? PASS_LP2 : PASS_LPP;
        sp_nchw_pass_table(pass, &a, k, t, first_v, taps_v, max_taps, absent);
    }
    return sp_nchw_output(family, k, &a, vm_ilt(taps_v, vi_set1(1)));
}

/* One output row: blocks at 0, VL, ...; the last partial block overlaps its neighbour unless the row is
   narrower than VL. KC / DWC: compile-time K and dw (0: the plan's). */
SP_KERNEL_INLINE void sp_nchw_row(enum sp_simd_family family, const sp_nchw_ctx *k, const sp_nchw_rows *t,
                           const sp_pool_geometry *g, float *y, int mode, int64_t KC, int64_t DWC, vi stride_idx)
{
    const int64_t out_w = k->out_w, S = k->S, K = KC ? KC : k->K, dw = DWC ? DWC : k->dw;
    const bool empty_row = t->nd * t->nh == 0;
    for (int64_t o0 = 0; o0 < out_w; o0 += VL) {
        int64_t r = VL;
        if (o0 + VL > out_w) {
            if (out_w >= VL) o0 = out_w - VL;
            else r = out_w;
        }
        const int64_t b = o0 * S + k->shift;
        vf v;
        if (empty_row) {
            sp_simd_acc a;
            sp_simd_acc_init(&a);
            v = sp_nchw_output(family, k, &a, vm_all());
        } else if (r == VL && o0 >= k->fb && o0 + VL <= k->fe) {
            /* S = 2 reads up to column b + lastoff - (lastoff & 1) + 2*VL - 1, one past the last tap when lastoff
               is even: `tight` when that column is past the row. */
            const bool tight = b + (K - 1) * dw + 2 * VL > k->W;
            v = sp_nchw_block_full(family, k, t, b, mode, K, dw, stride_idx, tight);
        } else {
            v = sp_nchw_block_table(family, k, t, g, o0, r);
        }
        if (r == VL) vf_store(y + o0, v);
        else vf_store_m(y + o0, vm_first(r), v);
    }
}

SP_KERNEL_INLINE void sp_nchw_run(enum sp_simd_family family, const sp_nchw_ctx *k, const sp_pool_geometry *g,
                           const float *x, float *y, size_t planes, int mode, int64_t KC, int64_t DWC)
{
    const int64_t H = g->in[1], W = g->in[2], HW = H * W, in_plane = g->in[0] * HW;
    const int64_t out_h = g->out[1], out_w = g->out[2], out_plane = sp_out_plane(g);
    const vi stride_idx = vi_mul(vi_iota(), vi_set1((int32_t)k->S));
    sp_nchw_rows t;
    t.sd = g->dilation[0] * HW;
    t.sh = g->dilation[1] * W;
    for (size_t p = 0; p < planes; ++p) {
        const float *xp = x + (int64_t)p * in_plane;
        float *yp = y + (int64_t)p * out_plane;
        for (int64_t od = 0; od < g->out[0]; ++od)
            for (int64_t oh = 0; oh < out_h; ++oh) {
                t.x = xp + g->first[0][od] * HW + g->first[1][oh] * W;
                t.nd = g->taps[0][od];
                t.nh = g->taps[1][oh];
                sp_nchw_row(family, k, &t, g, yp + (od * out_h + oh) * out_w, mode, KC, DWC, stride_idx);
            }
    }
}

/* The kernel: picks the load mode and the constant-window variants once per call. Returns false when a row is
   too wide for int32 gather offsets (the caller then runs the scalar kernel). */
SP_KERNEL_INLINE bool sp_nchw_lp_soft(enum sp_simd_family family, const sp_pool_geometry *g, const float *x, float *y,
                               size_t planes)
{
    if (g->in[2] > INT32_MAX / 4) return false;
    sp_nchw_ctx k;
    k.W = g->in[2];
    k.out_w = g->out[2];
    k.dw = g->dilation[2];
    k.p = vf_set1(g->p);
    k.inv_p = vf_set1(g->inv_p);
    k.clamp = g->clamp_output != 0;
    k.lo = vf_set1(g->clamp_min);
    k.hi = vf_set1(g->clamp_max);
    if (g->kernel[2] > 0) {
        k.K = g->kernel[2];
        k.S = g->stride[2];
        k.shift = -g->pad_begin[2];
        k.fb = g->full_begin[2];
        k.fe = g->full_end[2];
    } else { /* adaptive windows: tables only */
        k.K = k.S = 1;
        k.shift = 0;
        k.fb = k.fe = 0;
    }
    if (k.fe <= k.fb) k.fb = k.fe = 0;
    if (k.S == 2 && k.K == 2 && k.dw == 1) sp_nchw_run(family, &k, g, x, y, planes, LOAD_S2, 2, 1);
    else if (k.S == 2 && k.K == 3 && k.dw == 1) sp_nchw_run(family, &k, g, x, y, planes, LOAD_S2, 3, 1);
    else if (k.S == 1 && k.K == 3 && k.dw == 1) sp_nchw_run(family, &k, g, x, y, planes, LOAD_S1, 3, 1);
    else if (k.S == 1) sp_nchw_run(family, &k, g, x, y, planes, LOAD_S1, 0, 0);
    else if (k.S == 2) sp_nchw_run(family, &k, g, x, y, planes, LOAD_S2, 0, 0);
    else sp_nchw_run(family, &k, g, x, y, planes, LOAD_GATHER, 0, 0);
    return true;
}

#endif /* SIMDPOOL_SIMD_LP_SOFT_NCHW_H */
