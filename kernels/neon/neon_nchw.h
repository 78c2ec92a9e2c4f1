/*
 * NEON NCHW forward, shared by maxpool_nchw.c (MAX, MIN) and avgpool_nchw.c (AVG). Two strategies:
 *
 * Along the output width (planes whose rows have at least 4 full windows): the plan's full range
 * [full_begin, full_end) of each output row, where every window has kernel[2] taps at ow * stride - pad_begin,
 * is computed 8 (then 4) outputs at a time, one output per lane: stride 1 loads taps with vld1q, stride 2 with
 * the deinterleaving vld2q (even elements), other strides lane by lane. The row's last vector overlaps the
 * previous one rather than falling to scalar code; the few clipped edge columns use the window tables, one
 * window at a time. The (D, H) taps come from the row's tables, so clipped top/bottom rows need nothing
 * special. 2x2/2, 3x3/2 and 3x3/1 windows run with constant tap counts, fully unrolled.
 *
 * Across planes (no full range of 4: adaptive and global pooling, tiny outputs): 4 or 8 planes at a time, one
 * plane per lane, every window from the tables. Contiguous runs of taps (a window row, or whole rows and
 * slices merged when the window spans the full width) are read as 4x4 blocks and transposed, so a global
 * 7x7 average reads 4 planes' 49 elements with vector loads; the rest is gathered lane by lane. A group
 * short of 4 planes repeats its last plane in the spare lanes and stores only the real ones.
 *
 * Both keep each output's taps in scan order, so results equal the scalar reference's bit for bit.
 */
#ifndef SIMDPOOL_NEON_NCHW_H
#define SIMDPOOL_NEON_NCHW_H

#include "neon_common.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* Along the output width                                                                                     */

/* Tap j of outputs ow .. ow+3: p[0], p[S], p[2S], p[3S]. vld2q reads p[0..7], one element past the last tap
   needed: `vld_ok` says the caller checked that it stays inside the row. */
SP_KERNEL_INLINE simde_float32x4_t sp_nchw_load(const float *p, int64_t S, int vld_ok)
{
    if (S == 1) return simde_vld1q_f32(p);
    if (S == 2 && vld_ok) return simde_vld2q_f32(p).val[0];
    return sp_neon_load_strided(p, S);
}

typedef struct sp_nchw_row {
    int64_t base;       /* in-plane offset of the row's first (D, H) tap, at w = 0 */
    int64_t nd, nh;     /* taps along D and H */
    int64_t sd, sh, sw; /* in-plane distance between taps along D, H and W */
    int64_t shift;      /* -pad_begin[2]: the first W tap of full window ow is ow * S + shift */
} sp_nchw_row;

/* Outputs [ow, ow + 4 nv) of one row of one plane: all in the full range, K taps along W at stride S. */
SP_KERNEL_INLINE void sp_nchw_block(const float *x, const sp_nchw_row *row, int64_t ow, int64_t K, int64_t S, int nv,
                                  int vld_ok, const float *div_row, const sp_nclamp *c, float *y_row,
                                  int64_t *idx_row, int op, int ik)
{
    sp_nstate s[2];
    const float *xo = x + row->base + row->shift + ow * S; /* tap (0, 0, 0) of output ow */
    int started = op == SP_NEON_AVG; /* MAX/MIN windows always have a tap (the plan guarantees it) */
    for (int k = 0; k < nv; ++k) sp_nstate_zero(&s[k]);
    for (int64_t td = 0; td < row->nd; ++td)
        for (int64_t th = 0; th < row->nh; ++th) {
            const int64_t rel_row = td * row->sd + th * row->sh;
            const float *p = xo + rel_row;
            int64_t j = 0;
            if (!started) { /* MAX/MIN: the window's first tap initialises */
                for (int k = 0; k < nv; ++k) sp_nstate_first(&s[k], sp_nchw_load(p + 4 * k * S, S, vld_ok));
                for (j = 1; j < K; ++j)
                    for (int k = 0; k < nv; ++k)
                        sp_nstate_tap(&s[k], sp_nchw_load(p + j * row->sw + 4 * k * S, S, vld_ok),
                                      rel_row + j * row->sw, op, ik);
                started = 1;
                continue;
            }
            for (j = 0; j < K; ++j)
                for (int k = 0; k < nv; ++k)
                    sp_nstate_tap(&s[k], sp_nchw_load(p + j * row->sw + 4 * k * S, S, vld_ok), rel_row + j * row->sw,
                                  op, ik);
        }
    for (int k = 0; k < nv; ++k) {
        const int64_t o = ow + 4 * k;
        const simde_float32x4_t dv = op == SP_NEON_AVG ? simde_vld1q_f32(div_row + o) : simde_vdupq_n_f32(1.0f);
        simde_vst1q_f32(y_row + o, sp_nfinish(s[k].acc, dv, c, op));
        if (ik != SP_IDX_NONE) {
            const int64_t first = row->base + row->shift + o * S; /* lane 0's first tap */
            const int64_t lanes_lo[2] = {first, first + S}, lanes_hi[2] = {first + 2 * S, first + 3 * S};
            simde_int64x2_t lo, hi;
            sp_nstate_positions(&s[k], simde_vld1q_s64(lanes_lo), simde_vld1q_s64(lanes_hi), ik, &lo, &hi);
            simde_vst1q_s64(idx_row + o, lo);
            simde_vst1q_s64(idx_row + o + 2, hi);
        }
    }
}

/* Every plane, row by row; requires full_end - full_begin >= 4. K and S are constants in the fast paths. */
SP_KERNEL_INLINE void sp_nchw_planes_along_w(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                           size_t planes, int64_t K, int64_t S, int op, int ik)
{
    const int64_t in_plane = sp_in_plane(g), out_h = g->out[1], out_w = g->out[2];
    const int64_t rows = g->out[0] * out_h, out_plane = rows * out_w;
    const int64_t W = g->in[2], HW = g->in[1] * g->in[2];
    const int64_t full_begin = g->full_begin[2], full_end = g->full_end[2];
    const sp_nclamp clamp = sp_nclamp_of(g);
    sp_nchw_row row;
    row.sd = g->dilation[0] * HW;
    row.sh = g->dilation[1] * W;
    row.sw = g->dilation[2];
    row.shift = -g->pad_begin[2];
    /* Blocks [ow, ow + n) with ow + n <= vld_end read (ow + n) * S + shift + (K - 1) * sw - 1 < W at most:
       vld2q's extra element stays inside the row (so inside the buffer). */
    const int64_t vld_room = W - row.shift - (K - 1) * row.sw;
    const int64_t vld_end = S == 1 ? full_end : (vld_room > 0 ? vld_room / S : 0);
    for (size_t p = 0; p < planes; ++p) {
        for (int64_t r = 0; r < rows; ++r) {
            const int64_t od = r / out_h, oh = r - od * out_h;
            row.base = g->first[0][od] * HW + g->first[1][oh] * W;
            row.nd = g->taps[0][od];
            row.nh = g->taps[1][oh];
            float *y_row = y + r * out_w;
            int64_t *idx_row = ik != SP_IDX_NONE ? idx + r * out_w : NULL;
            const float *div_row = op == SP_NEON_AVG ? g->divisor + r * out_w : NULL;
            /* Edge columns: windows clipped by the left or right border, from the tables. */
            for (int64_t ow = 0; ow < out_w; ++ow) {
                if (ow == full_begin) ow = full_end;
                if (ow >= out_w) break;
                const sp_nwin w = {row.base + g->first[2][ow], row.nd, row.nh, g->taps[2][ow], row.sd, row.sh, row.sw};
                sp_neon_scalar_window(x, &w, op == SP_NEON_AVG ? div_row[ow] : 1.0f, &clamp, y_row + ow,
                                      idx_row ? idx_row + ow : NULL, op, ik != SP_IDX_NONE);
            }
            int64_t ow = full_begin;
            for (; ow + 8 <= full_end; ow += 8) {
                if (ow + 8 <= vld_end)
                    sp_nchw_block(x, &row, ow, K, S, 2, 1, div_row, &clamp, y_row, idx_row, op, ik);
                else
                    sp_nchw_block(x, &row, ow, K, S, 2, 0, div_row, &clamp, y_row, idx_row, op, ik);
            }
            if (ow < full_end) {
                /* 4 more, then (or instead) the last 4, overlapping outputs already written with equal values */
                if (ow + 4 < full_end) {
                    if (ow + 4 <= vld_end)
                        sp_nchw_block(x, &row, ow, K, S, 1, 1, div_row, &clamp, y_row, idx_row, op, ik);
                    else
                        sp_nchw_block(x, &row, ow, K, S, 1, 0, div_row, &clamp, y_row, idx_row, op, ik);
                }
                ow = full_end - 4;
                if (full_end <= vld_end)
                    sp_nchw_block(x, &row, ow, K, S, 1, 1, div_row, &clamp, y_row, idx_row, op, ik);
                else
                    sp_nchw_block(x, &row, ow, K, S, 1, 0, div_row, &clamp, y_row, idx_row, op, ik);
            }
        }
        x += in_plane;
        y += out_plane;
        if (ik != SP_IDX_NONE) idx += out_plane;
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Across planes                                                                                              */

/* Tap `pos` of 4 planes. */
SP_KERNEL_INLINE simde_float32x4_t sp_nchw_gather(const float *const *xl, int64_t pos)
{
    const float t[4] = {xl[0][pos], xl[1][pos], xl[2][pos], xl[3][pos]};
    return simde_vld1q_f32(t);
}

/* A run of `len` taps at in-plane positions pos + i * step (rel offsets rel + i * step) into nv groups of 4
   planes; each lane sees them in order. */
SP_KERNEL_INLINE void sp_nchw_run(const float *const *xl, int64_t pos, int64_t rel, int64_t len, int64_t step,
                                sp_nstate *s, int nv, int op, int ik)
{
    int64_t i = 0;
    if (step == 1) {
        for (; i + 4 <= len; i += 4) {
            simde_float32x4_t r[2][4], col[2][4];
            for (int k = 0; k < nv; ++k) {
                for (int l = 0; l < 4; ++l) r[k][l] = simde_vld1q_f32(xl[4 * k + l] + pos + i);
                sp_neon_transpose4(r[k], col[k]);
            }
            for (int j = 0; j < 4; ++j)
                for (int k = 0; k < nv; ++k) sp_nstate_tap(&s[k], col[k][j], rel + i + j, op, ik);
        }
    }
    for (; i < len; ++i)
        for (int k = 0; k < nv; ++k) sp_nstate_tap(&s[k], sp_nchw_gather(xl + 4 * k, pos + i * step), rel + i * step, op, ik);
}

/* Planes [0, lanes) of a group of 4 * nv (lanes <= 4 * nv; spare lanes repeat the last plane). */
SP_KERNEL_INLINE void sp_nchw_plane_group(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                        int64_t lanes, const sp_nclamp *c, int nv, int op, int ik)
{
    const int64_t in_plane = sp_in_plane(g), out_plane = sp_out_plane(g);
    const int64_t H = g->in[1], W = g->in[2], HW = H * W;
    const int64_t out_h = g->out[1], out_w = g->out[2];
    const float *xl[8];
    for (int l = 0; l < 4 * nv; ++l) xl[l] = x + (l < lanes ? l : lanes - 1) * in_plane;
    const int64_t sd = g->dilation[0] * HW, sh = g->dilation[1] * W, sw = g->dilation[2];
    int64_t o = 0;
    for (int64_t od = 0; od < g->out[0]; ++od)
        for (int64_t oh = 0; oh < out_h; ++oh)
            for (int64_t ow = 0; ow < out_w; ++ow, ++o) {
                const int64_t first = g->first[0][od] * HW + g->first[1][oh] * W + g->first[2][ow];
                int64_t nd = g->taps[0][od], nh = g->taps[1][oh], len = g->taps[2][ow], step = sw;
                /* A window as wide as the input (dilation 1) is one contiguous run per slice; as tall too, one
                   run for the whole window (global pooling). */
                if (sw == 1 && len == W && sh == W) {
                    len *= nh;
                    nh = 1;
                    if (len == HW && sd == HW) {
                        len *= nd;
                        nd = 1;
                    }
                }
                sp_nstate s[2];
                for (int k = 0; k < nv; ++k) {
                    if (op == SP_NEON_AVG)
                        sp_nstate_zero(&s[k]);
                    else /* the first tap initialises; the runs scan it again, which changes nothing */
                        sp_nstate_first(&s[k], sp_nchw_gather(xl + 4 * k, first));
                }
                for (int64_t td = 0; td < nd; ++td)
                    for (int64_t th = 0; th < nh; ++th) {
                        const int64_t rel = td * sd + th * sh;
                        sp_nchw_run(xl, first + rel, rel, len, step, s, nv, op, ik);
                    }
                const simde_float32x4_t dv = simde_vdupq_n_f32(op == SP_NEON_AVG ? g->divisor[o] : 1.0f);
                const simde_int64x2_t base = simde_vdupq_n_s64(first);
                for (int k = 0; k < nv; ++k) {
                    float v[4];
                    simde_vst1q_f32(v, sp_nfinish(s[k].acc, dv, c, op));
                    int64_t at[4];
                    if (ik != SP_IDX_NONE) {
                        simde_int64x2_t lo, hi;
                        sp_nstate_positions(&s[k], base, base, ik, &lo, &hi);
                        simde_vst1q_s64(at, lo);
                        simde_vst1q_s64(at + 2, hi);
                    }
                    for (int l = 0; l < 4 && 4 * k + l < lanes; ++l) {
                        y[(4 * k + l) * out_plane + o] = v[l];
                        if (ik != SP_IDX_NONE) idx[(4 * k + l) * out_plane + o] = at[l];
                    }
                }
            }
}

SP_KERNEL_INLINE void sp_nchw_planes_across(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                          size_t planes, int op, int ik)
{
    const int64_t in_plane = sp_in_plane(g), out_plane = sp_out_plane(g);
    const sp_nclamp clamp = sp_nclamp_of(g);
    int64_t left = (int64_t)planes;
    while (left > 0) {
        const int64_t lanes = left > 8 ? 8 : left;
        if (lanes > 4)
            sp_nchw_plane_group(g, x, y, idx, lanes, &clamp, 2, op, ik);
        else
            sp_nchw_plane_group(g, x, y, idx, lanes, &clamp, 1, op, ik);
        x += lanes * in_plane;
        y += lanes * out_plane;
        if (ik != SP_IDX_NONE) idx += lanes * out_plane;
        left -= lanes;
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Entry                                                                                                      */

SP_KERNEL_INLINE void sp_nchw_forward(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes,
                                    int op, int ik)
{
    if (g->full_end[2] - g->full_begin[2] < 4) {
        sp_nchw_planes_across(g, x, y, idx, planes, op, ik);
        return;
    }
    const int64_t K = g->kernel[2], S = g->stride[2];
    if (ik == SP_IDX_WIDE) /* planes past 2^32 elements: one general instance */
        sp_nchw_planes_along_w(g, x, y, idx, planes, K, S, op, ik);
    else if (K == 2 && S == 2)
        sp_nchw_planes_along_w(g, x, y, idx, planes, 2, 2, op, ik);
    else if (K == 3 && S == 2)
        sp_nchw_planes_along_w(g, x, y, idx, planes, 3, 2, op, ik);
    else if (K == 3 && S == 1)
        sp_nchw_planes_along_w(g, x, y, idx, planes, 3, 1, op, ik);
    else if (S == 1)
        sp_nchw_planes_along_w(g, x, y, idx, planes, K, 1, op, ik);
    else if (S == 2)
        sp_nchw_planes_along_w(g, x, y, idx, planes, K, 2, op, ik);
    else
        sp_nchw_planes_along_w(g, x, y, idx, planes, K, S, op, ik);
}

#endif /* SIMDPOOL_NEON_NCHW_H */
