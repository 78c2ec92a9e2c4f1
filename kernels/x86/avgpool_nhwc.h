/*
 * NHWC average pooling forward, shared by the AVX2 and AVX-512 kernels (kernels/<isa>/avgpool_nhwc.c), written
 * against the vector interface of kernels/x86/fvec_avx2.h / fvec_avx512.h (VL channels per vector), which the
 * includer includes first, and defines SP_AVG_NHWC_FAST_U: the vectors of channels a carried-column run keeps
 * (the carried columns take 9 * SP_AVG_NHWC_FAST_U registers).
 *
 * Bit-identical to the scalar kernel: per channel the sum starts at +0 and adds the window's taps in scan order
 * (D, then H, then W), then is divided — a true division, not a multiplication by a reciprocal — by the plan's
 * divisor for that output pixel (which is 1 for an empty window, so it yields 0). SIMD lanes are channels, so
 * keeping that order costs nothing and both ISAs give the scalar kernel's bits. Additions alternate between
 * vaddps and vfmadd(x, 1, acc): the fused form rounds x*1 + acc once, which is exactly acc + x, and runs on the
 * multiply pipes, so adds issue on both pipe pairs. Where the divisor is a power of two the division is a
 * multiplication by its exact reciprocal (the same correctly rounded quotient).
 *
 * Paths, as in the max kernel: full windows of 2x2 and 3x3 kernels run with compile-time tap counts, carrying
 * the columns a window shares with its left neighbour in registers when the stride is 1 or 2 (loads bound
 * these loops); every other window (edges, 3-D, other kernels, adaptive) walks the plan's tables; global
 * pooling (one output pixel over the whole image) keeps 8 vectors of channels in registers over all pixels,
 * prefetching the next pass's data. Channel tails use masked loads and stores (masked-off lanes load as 0).
 */
#ifndef SIMDPOOL_X86_AVGPOOL_NHWC_H
#define SIMDPOOL_X86_AVGPOOL_NHWC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"
#include "simd/nhwc_access.h"
#include "x86/nhwc_call.h"

enum { BLOCK = 4, GLOBAL_U = 8 };

/* ---------------------------------------------------------------------------------------------------------- */
/* Memory access and arithmetic                                                                               */

SP_KERNEL_INLINE vf load_vec(const float *p, int u, int U, bool masked, vm tail) {
    return (masked && u == U - 1) ? vf_load_m(p + u * VL, tail) : vf_load(p + u * VL);
}

/* acc + v, on the add pipes (alt = false) or, bit-identically, as fma(v, 1, acc) on the multiply pipes. */
SP_KERNEL_INLINE vf add(vf acc, vf v, bool alt) {
    return alt ? vf_fma(v, vf_set1(1.0f), acc) : vf_add(acc, v);
}

/* The divisor of one output pixel: q = sum / d, or sum * (1/d) when that is the same (d a power of two). */
typedef struct divisor {
    vf d;
    bool pow2;
} divisor;

static inline divisor divisor_of(float d) {
    uint32_t bits;
    memcpy(&bits, &d, sizeof bits);
    divisor r;
    /* A normal power of two (zero mantissa) whose reciprocal is normal too: d in [2^-125, 2^126]. */
    const uint32_t e = (bits >> 23) & 0xFF;
    r.pow2 = (bits & 0x807FFFFFu) == 0 && e >= 2 && e <= 253;
    r.d = vf_set1(r.pow2 ? 1.0f / d : d);
    return r;
}

SP_KERNEL_INLINE vf finish(const ctx *k, vf sum, const divisor *d) {
    vf r = d->pow2 ? vf_mul(sum, d->d) : vf_div(sum, d->d);
    /* NaN-preserving clamp (sp_clamp): vmaxps(lo, v) and vminps(hi, v) return v when it is NaN. */
    if (k->clamp) r = vf_min(k->hi, vf_max(k->lo, r));
    return r;
}

SP_KERNEL_INLINE void store_vec(const ctx *k, float *y, int u, int U, bool masked, vm tail, vf v) {
    if (masked && u == U - 1) vf_store_m(y + u * VL, tail, v);
    else if (k->stream) vf_stream(y + u * VL, v);
    else vf_store(y + u * VL, v);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* General windows (the plan's tables)                                                                        */

/* The window of one output pixel (simd/nhwc_access.h). */
typedef sp_nhwc_window window;

SP_KERNEL_INLINE void reduce_block(const ctx *k, const float *x, float *y, window w, const divisor *dv, int U, bool masked,
                            vm tail) {
    const int64_t C = k->C;
    vf acc[BLOCK];
    for (int u = 0; u < U; ++u) acc[u] = vf_zero();
    for (int64_t jd = 0; jd < w.nd; ++jd)
        for (int64_t jh = 0; jh < w.nh; ++jh) {
            const float *p = x + (w.first + jd * w.sd + jh * w.sh) * C;
            for (int64_t jw = 0; jw < w.nw; ++jw, p += w.sw * C)
                for (int u = 0; u < U; ++u) acc[u] = add(acc[u], load_vec(p, u, U, masked, tail), (u & 1) != 0);
        }
    for (int u = 0; u < U; ++u) store_vec(k, y, u, U, masked, tail, finish(k, acc[u], dv));
}

SP_KERNEL_INLINE void reduce_pixel(const ctx *k, const float *x, float *y, window w, float d) {
    const divisor dv = divisor_of(d);
    int64_t c = 0;
    for (; c + BLOCK * VL <= k->nc; c += BLOCK * VL) reduce_block(k, x + c, y + c, w, &dv, BLOCK, false, vm_all());
    for (; c + VL <= k->nc; c += VL) reduce_block(k, x + c, y + c, w, &dv, 1, false, vm_all());
    if (c < k->nc) reduce_block(k, x + c, y + c, w, &dv, 1, true, vm_first(k->nc - c));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Full windows                                                                                               */

/*
 * A run of n output pixels of one row whose windows all lie inside the input, KH x KW taps (kernel[0] = 1):
 * pixel i's first tap is pixel pos0 + i*pstep, its taps kh*sh + kw*sw pixels further; div[i] its divisor.
 * Channel blocks are the outer loop; with a compile-time stride S < KW (and no dilation) the KW - S columns
 * a window shares with the previous one stay in registers, so each pixel loads only its S new columns.
 */
SP_KERNEL_INLINE void run_block(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                         int64_t sw, const float *div, float *y, int KH, int KW, int S, int U, bool masked,
                         vm tail) {
    const int64_t C = k->C, rs = sh * C, cs = sw * C;
    const int64_t step = (S ? S * sw : pstep) * C;
    const int keep = (S > 0 && S < KW) ? KW - S : 0;
    vf col[3][3][BLOCK];
    const float *p = x + pos0 * C;
    for (int64_t i = 0; i < n; ++i, p += step) {
#pragma GCC unroll 4
        for (int kh = 0; kh < KH; ++kh) {
            const float *row = p + kh * rs;
            /* Opaque to the optimiser: else it folds every tap's offset into a loop-invariant register of its
               own (KH*KW*U of them, spilled) instead of row + column offset + constant displacement. */
            __asm__("" : "+r"(row));
#pragma GCC unroll 4
            for (int kw = 0; kw < KW; ++kw)
                for (int u = 0; u < U; ++u)
                    col[kh][kw][u] =
                        (i > 0 && kw < keep) ? col[kh][kw + S][u] : load_vec(row + kw * cs, u, U, masked, tail);
        }
        const divisor dv = divisor_of(div[i]);
        for (int u = 0; u < U; ++u) {
            vf acc = vf_zero();
            bool alt = false;
#pragma GCC unroll 4
            for (int kh = 0; kh < KH; ++kh)
#pragma GCC unroll 4
                for (int kw = 0; kw < KW; ++kw) {
                    acc = add(acc, col[kh][kw][u], alt);
                    alt = !alt;
                }
            store_vec(k, y + i * C, u, U, masked, tail, finish(k, acc, &dv));
        }
    }
}

SP_KERNEL_INLINE void fast_run(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                        int64_t sw, const float *div, float *y, int KH, int KW, int S) {
    const int64_t C = k->C;
    if (S == 0 || S >= KW) {
        /* Nothing to carry: pixel by pixel, all channels of a pixel at once, reads the input in order. */
        for (int64_t i = 0; i < n; ++i) {
            const int64_t pos = pos0 + i * pstep;
            float *yi = y + i * C;
            int64_t c = 0;
            for (; c + BLOCK * VL <= k->nc; c += BLOCK * VL)
                run_block(k, x + c, pos, pstep, 1, sh, sw, div + i, yi + c, KH, KW, 0, BLOCK, false, vm_all());
            for (; c + VL <= k->nc; c += VL)
                run_block(k, x + c, pos, pstep, 1, sh, sw, div + i, yi + c, KH, KW, 0, 1, false, vm_all());
            if (c < k->nc)
                run_block(k, x + c, pos, pstep, 1, sh, sw, div + i, yi + c, KH, KW, 0, 1, true, vm_first(k->nc - c));
        }
        return;
    }
    int64_t c = 0;
    for (; c + SP_AVG_NHWC_FAST_U * VL <= k->nc; c += SP_AVG_NHWC_FAST_U * VL)
        run_block(k, x + c, pos0, pstep, n, sh, sw, div, y + c, KH, KW, S, SP_AVG_NHWC_FAST_U, false, vm_all());
    for (; c + VL <= k->nc; c += VL)
        run_block(k, x + c, pos0, pstep, n, sh, sw, div, y + c, KH, KW, S, 1, false, vm_all());
    if (c < k->nc)
        run_block(k, x + c, pos0, pstep, n, sh, sw, div, y + c, KH, KW, S, 1, true, vm_first(k->nc - c));
}

SP_KERNEL_INLINE void fast_kernel(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                           int64_t sw, const float *div, float *y, int KH, int KW) {
    if (sw == 1 && pstep == 1) fast_run(k, x, pos0, pstep, n, sh, sw, div, y, KH, KW, 1);
    else if (sw == 1 && pstep == 2) fast_run(k, x, pos0, pstep, n, sh, sw, div, y, KH, KW, 2);
    else fast_run(k, x, pos0, pstep, n, sh, sw, div, y, KH, KW, 0);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Global pooling                                                                                             */

SP_KERNEL_INLINE void global_block(const ctx *k, const float *x, int64_t P, const divisor *dv, float *y, int U, bool masked,
                            vm tail) {
    const int64_t C = k->C;
    vf acc[GLOBAL_U];
    for (int u = 0; u < U; ++u) acc[u] = vf_zero();
    const float *p = x;
    for (int64_t i = 0; i < P; ++i, p += C) {
        /* The pass reads a short run of every pixel, far apart: the hardware prefetchers miss that pattern, so
           fetch this pixel's run of the next pass now (harmless past the end: prefetches never fault). */
        for (int u = 0; u < U; ++u) _mm_prefetch((const char *)(p + (U + u) * VL), _MM_HINT_T1);
        for (int u = 0; u < U; ++u) acc[u] = add(acc[u], load_vec(p, u, U, masked, tail), (u & 1) != 0);
    }
    for (int u = 0; u < U; ++u) store_vec(k, y, u, U, masked, tail, finish(k, acc[u], dv));
}

static void global_pool(const ctx *k, const float *x, int64_t P, float d, float *y) {
    const divisor dv = divisor_of(d);
    int64_t c = 0;
    for (; c + GLOBAL_U * VL <= k->nc; c += GLOBAL_U * VL)
        global_block(k, x + c, P, &dv, y + c, GLOBAL_U, false, vm_all());
    for (; c + VL <= k->nc; c += VL) global_block(k, x + c, P, &dv, y + c, 1, false, vm_all());
    if (c < k->nc) global_block(k, x + c, P, &dv, y + c, 1, true, vm_first(k->nc - c));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Rows                                                                                                       */

static void sp_x86_avgpool_fwd_nhwc(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end) {
    (void)idx; /* average pooling has no positions */
    x += g->c_begin;
    y += g->c_begin;
    const ctx k = nhwc_call_ctx(g, y);
    const bool prefetch = sp_nhwc_prefetches(g);
    const int64_t C = k.C, out_w = g->out[2];
    if (sp_is_global(g)) {
        if (row_begin < row_end) global_pool(&k, x, sp_in_plane(g), g->divisor[0], y);
        if (k.stream) vf_sfence();
        return;
    }
    int fast = 0; /* the kernel size of a square 2-D window with a full-window path, else 0 */
    if (g->kernel[0] == 1 && g->kernel[1] == g->kernel[2] && (g->kernel[1] == 2 || g->kernel[1] == 3))
        fast = (int)g->kernel[1];
    const int64_t fb = g->full_begin[2], fe = g->full_end[2];
    for (int64_t r = row_begin; r < row_end; ++r) {
        const int64_t od = r / g->out[1], oh = r - od * g->out[1];
        int64_t base;
        window w = sp_nhwc_row_window(g, od, oh, &base);
        const bool row_full = fast && fb < fe && od >= g->full_begin[0] && od < g->full_end[0] &&
                              oh >= g->full_begin[1] && oh < g->full_end[1];
        float *y_row = y + r * out_w * C;
        const float *div_row = g->divisor + r * out_w;
        for (int64_t ow = 0; ow < out_w; ++ow) {
            if (row_full && ow == fb) {
                const int64_t pos0 = base + g->first[2][fb], n = fe - fb, pstep = g->stride[2];
                if (fast == 2) fast_kernel(&k, x, pos0, pstep, n, w.sh, w.sw, div_row + fb, y_row + fb * C, 2, 2);
                else fast_kernel(&k, x, pos0, pstep, n, w.sh, w.sw, div_row + fb, y_row + fb * C, 3, 3);
                ow = fe;
                if (ow >= out_w) break;
            }
            if (prefetch && ow + SP_NHWC_PREFETCH_AHEAD < out_w)
                sp_nhwc_prefetch_window(x, C, k.nc, base + g->first[2][ow + SP_NHWC_PREFETCH_AHEAD], w.nd, w.nh,
                                        g->taps[2][ow + SP_NHWC_PREFETCH_AHEAD], w.sd, w.sh, w.sw);
            w.first = base + g->first[2][ow];
            w.nw = g->taps[2][ow];
            reduce_pixel(&k, x, y_row + ow * C, w, div_row[ow]);
        }
    }
    if (k.stream) vf_sfence(); /* streamed stores are weakly ordered: complete them before returning */
}

#endif /* SIMDPOOL_X86_AVGPOOL_NHWC_H */
