/*
 * NEON NHWC forward, shared by maxpool_nhwc.c (MAX, MIN) and avgpool_nhwc.c (AVG): vectorised over the
 * channels of one output pixel, 16 channels (4 vectors, 4 independent chains) per pass, then single vectors,
 * then the tail: an overlapping last vector at C - 4 (it recomputes identical values) or, below 4 channels,
 * a partial vector. Each window's taps are scanned in the reference's order (D, H, W).
 *
 * Windows of up to SP_NHWC_LIST_MAX taps are first turned into a list of tap offsets (rebuilt only when the
 * window's shape changes along a row); 2x2 and 3x3 windows (4 and 9 taps) run it with a constant count, fully
 * unrolled. Larger windows (global pooling, big 3-D windows) walk the (D, H, W) loops directly.
 */
#ifndef SIMDPOOL_NEON_NHWC_H
#define SIMDPOOL_NEON_NHWC_H

#include "neon_common.h"

enum { SP_NHWC_LIST_MAX = 32 };

typedef struct sp_nhwc_taps {
    int64_t el[SP_NHWC_LIST_MAX];  /* element offset of tap t from the first tap: rel[t] * C */
    int64_t rel[SP_NHWC_LIST_MAX]; /* pixel offset of tap t from the first tap */
} sp_nhwc_taps;

SP_KERNEL_INLINE simde_float32x4_t sp_nhwc_load(const float *p, int partial, int64_t np)
{
    return partial ? sp_neon_load_partial(p, np) : simde_vld1q_f32(p);
}

/* Stores NV vectors of channels (or the first np channels when partial) of one output pixel. */
SP_KERNEL_INLINE void sp_nhwc_store(const sp_nstate *s, int nv, int partial, int64_t np, int64_t first, float divisor,
                                  const sp_nclamp *c, float *yc, int64_t *ic, int op, int ik)
{
    const simde_float32x4_t dv = simde_vdupq_n_f32(divisor);
    const simde_int64x2_t base = simde_vdupq_n_s64(first);
    for (int k = 0; k < nv; ++k) {
        const simde_float32x4_t v = sp_nfinish(s[k].acc, dv, c, op);
        if (partial)
            sp_neon_store_partial(yc, v, np);
        else
            simde_vst1q_f32(yc + 4 * k, v);
        if (ik != SP_IDX_NONE) {
            simde_int64x2_t lo, hi;
            sp_nstate_positions(&s[k], base, base, ik, &lo, &hi);
            if (partial) {
                int64_t t[4];
                simde_vst1q_s64(t, lo);
                simde_vst1q_s64(t + 2, hi);
                memcpy(ic, t, (size_t)np * sizeof(int64_t));
            } else {
                simde_vst1q_s64(ic + 4 * k, lo);
                simde_vst1q_s64(ic + 4 * k + 2, hi);
            }
        }
    }
}

/* Channels [c, c + 4 nv) of one output pixel, taps from a list of n taps (n a constant in the fast paths).
   xc points at channel c of the window's first tap. */
SP_KERNEL_INLINE void sp_nhwc_block_list(const float *xc, const sp_nhwc_taps *taps, int64_t n, int nv, int partial,
                                       int64_t np, int64_t first, float divisor, const sp_nclamp *c, float *yc,
                                       int64_t *ic, int op, int ik)
{
    sp_nstate s[4];
    int64_t t = 0;
    if (op == SP_NEON_AVG) {
        for (int k = 0; k < nv; ++k) sp_nstate_zero(&s[k]);
    } else { /* tap 0 (rel 0) initialises */
        for (int k = 0; k < nv; ++k) sp_nstate_first(&s[k], sp_nhwc_load(xc + 4 * k, partial, np));
        t = 1;
    }
    for (; t < n; ++t) {
        const float *p = xc + taps->el[t];
        const int64_t rel = taps->rel[t];
        for (int k = 0; k < nv; ++k) sp_nstate_tap(&s[k], sp_nhwc_load(p + 4 * k, partial, np), rel, op, ik);
    }
    sp_nhwc_store(s, nv, partial, np, first, divisor, c, yc, ic, op, ik);
}

/* The same for any window, walking its (D, H, W) taps (w: pixel strides). The first tap initialises MAX/MIN
   and is scanned again by the loops, which changes nothing (it does not beat itself; a NaN re-takes itself). */
SP_KERNEL_INLINE void sp_nhwc_block_nested(const float *xc, int64_t C, const sp_nwin *w, int nv, int partial, int64_t np,
                                         float divisor, const sp_nclamp *c, float *yc, int64_t *ic, int op, int ik)
{
    sp_nstate s[4];
    for (int k = 0; k < nv; ++k) {
        if (op == SP_NEON_AVG)
            sp_nstate_zero(&s[k]);
        else
            sp_nstate_first(&s[k], sp_nhwc_load(xc + 4 * k, partial, np));
    }
    for (int64_t td = 0; td < w->nd; ++td)
        for (int64_t th = 0; th < w->nh; ++th) {
            const int64_t rel_row = td * w->sd + th * w->sh;
            for (int64_t tw = 0; tw < w->nw; ++tw) {
                const int64_t rel = rel_row + tw * w->sw;
                const float *p = xc + rel * C;
                for (int k = 0; k < nv; ++k)
                    sp_nstate_tap(&s[k], sp_nhwc_load(p + 4 * k, partial, np), rel, op, ik);
            }
        }
    sp_nhwc_store(s, nv, partial, np, w->first, divisor, c, yc, ic, op, ik);
}

/* `list`: 0 = nested loops, else the tap list with n taps (n a compile-time constant where it can be). */
SP_KERNEL_INLINE void sp_nhwc_block(const float *x, int64_t C, int64_t ch, const sp_nwin *w, int list,
                                  const sp_nhwc_taps *taps, int64_t n, int nv, int partial, int64_t np, float divisor,
                                  const sp_nclamp *c, float *yo, int64_t *io, int op, int ik)
{
    const float *xc = x + w->first * C + ch;
    int64_t *ic = ik != SP_IDX_NONE ? io + ch : NULL;
    if (list)
        sp_nhwc_block_list(xc, taps, n, nv, partial, np, w->first, divisor, c, yo + ch, ic, op, ik);
    else
        sp_nhwc_block_nested(xc, C, w, nv, partial, np, divisor, c, yo + ch, ic, op, ik);
}

/* The nc channels of the call's slice of one output pixel (C is the pixel stride). */
SP_KERNEL_INLINE void sp_nhwc_pixel(const float *x, int64_t C, int64_t nc, const sp_nwin *w, int list,
                                  const sp_nhwc_taps *taps, int64_t n, float divisor, const sp_nclamp *c, float *yo,
                                  int64_t *io, int op, int ik)
{
    int64_t ch = 0;
    for (; ch + 16 <= nc; ch += 16) sp_nhwc_block(x, C, ch, w, list, taps, n, 4, 0, 0, divisor, c, yo, io, op, ik);
    for (; ch + 4 <= nc; ch += 4) sp_nhwc_block(x, C, ch, w, list, taps, n, 1, 0, 0, divisor, c, yo, io, op, ik);
    if (ch < nc) {
        if (nc >= 4) /* overlap the previous vector: channels nc-4 .. ch-1 get the same values again */
            sp_nhwc_block(x, C, nc - 4, w, list, taps, n, 1, 0, 0, divisor, c, yo, io, op, ik);
        else
            sp_nhwc_block(x, C, 0, w, list, taps, n, 1, 1, nc, divisor, c, yo, io, op, ik);
    }
}

/* Output rows [row_begin, row_end) of one image, the geometry's channel slice. */
SP_KERNEL_INLINE void sp_nhwc_forward(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end, int op, int ik)
{
    const int64_t C = g->channels, nc = sp_slice_channels(g), out_h = g->out[1], out_w = g->out[2];
    x += g->c_begin;
    y += g->c_begin;
    if (idx) idx += g->c_begin;
    const int64_t W = g->in[2], HW = g->in[1] * g->in[2];
    const sp_nclamp clamp = sp_nclamp_of(g);
    sp_nhwc_taps taps;
    for (int64_t r = row_begin; r < row_end; ++r) {
        const int64_t od = r / out_h, oh = r - od * out_h;
        sp_nwin w;
        const int64_t base = g->first[0][od] * HW + g->first[1][oh] * W;
        w.nd = g->taps[0][od];
        w.nh = g->taps[1][oh];
        w.sd = g->dilation[0] * HW;
        w.sh = g->dilation[1] * W;
        w.sw = g->dilation[2];
        const float *div_row = op == SP_NEON_AVG ? g->divisor + r * out_w : NULL;
        int64_t list_nw = -1; /* the W tap count the current list was built for */
        for (int64_t ow = 0; ow < out_w; ++ow) {
            w.first = base + g->first[2][ow];
            w.nw = g->taps[2][ow];
            const int64_t n = w.nd * w.nh * w.nw;
            const float divisor = op == SP_NEON_AVG ? div_row[ow] : 1.0f;
            float *yo = y + (r * out_w + ow) * C;
            int64_t *io = ik != SP_IDX_NONE ? idx + (r * out_w + ow) * C : NULL;
            if (ik == SP_IDX_WIDE || n > SP_NHWC_LIST_MAX) {
                sp_nhwc_pixel(x, C, nc, &w, 0, NULL, n, divisor, &clamp, yo, io, op, ik);
                continue;
            }
            if (w.nw != list_nw) { /* offsets from the first tap depend only on the window's shape */
                int64_t t = 0;
                for (int64_t td = 0; td < w.nd; ++td)
                    for (int64_t th = 0; th < w.nh; ++th)
                        for (int64_t tw = 0; tw < w.nw; ++tw, ++t) {
                            taps.rel[t] = td * w.sd + th * w.sh + tw * w.sw;
                            taps.el[t] = taps.rel[t] * C;
                        }
                list_nw = w.nw;
            }
            if (n == 4)
                sp_nhwc_pixel(x, C, nc, &w, 1, &taps, 4, divisor, &clamp, yo, io, op, ik);
            else if (n == 9)
                sp_nhwc_pixel(x, C, nc, &w, 1, &taps, 9, divisor, &clamp, yo, io, op, ik);
            else
                sp_nhwc_pixel(x, C, nc, &w, 1, &taps, n, divisor, &clamp, yo, io, op, ik);
        }
    }
}

#endif /* SIMDPOOL_NEON_NHWC_H */
