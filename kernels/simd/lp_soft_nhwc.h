/*
 * NHWC forward of LP pooling and SoftPool, shared by AVX2, AVX-512 and NEON (include the ISA's vector layer,
 * kernels/x86/fvec_<isa>.h or kernels/neon/fvec_neon.h, first).
 *
 * SIMD lanes are channels: each lane reduces its channel's window tap by tap in the scalar kernels' scan order
 * (D, then H, then W), so the results are those of the NCHW kernels (kernels/simd/lp_soft_nchw.h states the
 * tolerances against scalar): p = 1 and p = 2 bit-identical to scalar, every lane's arithmetic the same whatever
 * the channel slice, the block or the ISA. A pixel's channel slice goes in blocks of U vectors (U_SUM for the
 * cheap sums, U_EXP where every tap costs an e^x or |x|^p), then single vectors, then a masked tail; masked-off
 * lanes load 0 and are never stored. Windows come from the plan's tables; the next windows are prefetched and
 * large outputs streamed as in the other x86 NHWC kernels (kernels/simd/nhwc_access.h, whose policy is
 * ISA-independent; NEON's vector layer streams with plain stores).
 */
#ifndef SIMDPOOL_SIMD_LP_SOFT_NHWC_H
#define SIMDPOOL_SIMD_LP_SOFT_NHWC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"
#include "simd/nhwc_access.h"
#include "simd/lp_soft_math.h"

enum { U_SUM = 4, U_EXP = 2, U_MAX = 4 };

/* What every pixel of a call shares. */
typedef struct sp_nhwc_ctx {
    int64_t C;  /* the pixel stride */
    int64_t nc; /* channels of the call's slice */
    vf p, inv_p, lo, hi;
    bool clamp;
    bool stream; /* full output vectors go out with non-temporal stores (sp_nhwc_streams_output) */
} sp_nhwc_ctx;

/* The window of one output pixel: taps at first + jd*sd + jh*sh + jw*sw (pixel offsets inside the image). */

SP_KERNEL_INLINE vf sp_nhwc_load(const float *p, int u, int U, bool masked, vm tail)
{
    return (masked && u == U - 1) ? vf_load_m(p + u * VL, tail) : vf_load(p + u * VL);
}

/* One pass over a window for U vectors of channels from x (the slice's channel c, at pixel 0). */
SP_KERNEL_INLINE void sp_nhwc_pass(enum sp_simd_pass pass, sp_simd_acc *a, const sp_nhwc_ctx *k, const float *x,
                            const sp_nhwc_window *w, int U, bool masked, vm tail)
{
    const int64_t C = k->C;
    for (int64_t jd = 0; jd < w->nd; ++jd)
        for (int64_t jh = 0; jh < w->nh; ++jh) {
            const float *p = x + (w->first + jd * w->sd + jh * w->sh) * C;
            for (int64_t jw = 0; jw < w->nw; ++jw, p += w->sw * C)
                for (int u = 0; u < U; ++u) sp_simd_tap(pass, &a[u], sp_nhwc_load(p, u, U, masked, tail), k->p);
        }
}

SP_KERNEL_INLINE void sp_nhwc_block(enum sp_simd_family family, const sp_nhwc_ctx *k, const float *x, float *y,
                             const sp_nhwc_window *w, int U, bool masked, vm tail)
{
    sp_simd_acc a[U_MAX];
    for (int u = 0; u < U; ++u) sp_simd_acc_init(&a[u]);
    const bool empty = w->nd * w->nh * w->nw == 0;
    if (family == FAMILY_SOFT) {
        if (!empty) {
            sp_nhwc_pass(PASS_MAX, a, k, x, w, U, masked, tail);
            sp_nhwc_pass(PASS_SOFT, a, k, x, w, U, masked, tail);
        }
    } else {
        const enum sp_simd_pass pass = family == FAMILY_LP1 ? PASS_LP1 : family == FAMILY_LP2 ? PASS_LP2 : PASS_LPP;
        sp_nhwc_pass(pass, a, k, x, w, U, masked, tail);
    }
    for (int u = 0; u < U; ++u) {
        vf v = (family == FAMILY_SOFT && empty) ? vf_zero() : sp_simd_finish(family, &a[u], k->inv_p);
        if (k->clamp) v = sp_simd_clamp(v, k->lo, k->hi);
        if (masked && u == U - 1) vf_store_m(y + u * VL, tail, v);
        else if (k->stream) vf_stream(y + u * VL, v);
        else vf_store(y + u * VL, v);
    }
}

SP_KERNEL_INLINE void sp_nhwc_pixel(enum sp_simd_family family, const sp_nhwc_ctx *k, const float *x, float *y,
                             const sp_nhwc_window *w)
{
    const int U = (family == FAMILY_LP1 || family == FAMILY_LP2) ? U_SUM : U_EXP;
    int64_t c = 0;
    for (; c + U * VL <= k->nc; c += U * VL) sp_nhwc_block(family, k, x + c, y + c, w, U, false, vm_all());
    for (; c + VL <= k->nc; c += VL) sp_nhwc_block(family, k, x + c, y + c, w, 1, false, vm_all());
    if (c < k->nc) sp_nhwc_block(family, k, x + c, y + c, w, 1, true, vm_first(k->nc - c));
}

/* The kernel: output rows [row_begin, row_end), channels [c_begin, C - c_after) (kernels.h). */
SP_KERNEL_INLINE void sp_nhwc_lp_soft(enum sp_simd_family family, const sp_pool_geometry *g, const float *x, float *y,
                               int64_t row_begin, int64_t row_end)
{
    sp_nhwc_ctx k;
    k.C = g->channels;
    k.nc = sp_slice_channels(g);
    x += g->c_begin;
    y += g->c_begin;
    k.p = vf_set1(g->p);
    k.inv_p = vf_set1(g->inv_p);
    k.clamp = g->clamp_output != 0;
    k.lo = vf_set1(g->clamp_min);
    k.hi = vf_set1(g->clamp_max);
    k.stream = sp_nhwc_streams_output(g, y, VL * (int64_t)sizeof(float));
    const int64_t C = k.C, out_w = g->out[2];
    for (int64_t r = row_begin; r < row_end; ++r) {
        const int64_t od = r / g->out[1], oh = r - od * g->out[1];
        int64_t base;
        sp_nhwc_window w = sp_nhwc_row_window(g, od, oh, &base);
        float *y_row = y + r * out_w * C;
        for (int64_t ow = 0; ow < out_w; ++ow) {
            if (ow + SP_NHWC_PREFETCH_AHEAD < out_w)
                sp_nhwc_prefetch_window(x, C, k.nc, base + g->first[2][ow + SP_NHWC_PREFETCH_AHEAD], w.nd, w.nh,
                                        g->taps[2][ow + SP_NHWC_PREFETCH_AHEAD], w.sd, w.sh, w.sw);
            w.first = base + g->first[2][ow];
            w.nw = g->taps[2][ow];
            sp_nhwc_pixel(family, &k, x, y_row + ow * C, &w);
        }
    }
    if (k.stream) vf_sfence(); /* streamed stores are weakly ordered: complete them before returning */
}

#endif /* SIMDPOOL_SIMD_LP_SOFT_NHWC_H */
