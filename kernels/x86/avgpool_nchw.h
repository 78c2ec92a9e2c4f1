/*
 * The exact paths of the x86 NCHW average forward (sliding windows and adaptive windows outside the fast paths
 * of kernels/x86/avgpool_nchw_fast.h), shared by the AVX2 and AVX-512 kernels. Written against the vector
 * interface the includer defines for the fast paths (fvec, fcol, fmask, fv_*), plus:
 *
 *   fv_load_m_else(p, m, v)      lane i: p[i] where m is set, else v[i] (masked-off lanes touch no memory)
 *   fc_load(p)                   V int32 from p
 *   fv_gather_tap(rb, f, n, j, dw)  lane i: rb[f[i] + j * dw] if j < n[i], else +0 (reads nothing else)
 *   taploader, make_taploader(S), load_tap(l, rb, o, p, W, mode, edge, last_even), unshuffle_s2(v)
 *                                one tap for V lanes, lane i at column p + S*i of a row (see load_tap below)
 *
 * and SP_AVG_NCHW_STRIDED: 1 if load_tap implements MODE_STRIDED (strides 3..8 from a few plain loads).
 *
 * Vectors run along the output width: a block is V consecutive outputs of one output row, lane i holding output
 * column o0 + i, whose W taps start at input column b + S*i (b = o0*S - pad_begin). Every lane sums its window
 * exactly like the reference: from +0, tap by tap in row-major order (D, H, W), then DIVIDES by the plan's
 * divisor (no reciprocal). So these outputs are bit-identical to the scalar kernel (and so to each other across
 * vector widths). Taps outside the input are loaded as +0 through masks; adding +0 changes nothing, because a sum
 * that starts at +0 is never -0. The last partial block of a row overlaps its neighbour (recomputing equal
 * values); rows narrower than V use masked loads and stores.
 */
#ifndef SIMDPOOL_X86_AVGPOOL_NCHW_H
#define SIMDPOOL_X86_AVGPOOL_NCHW_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"
#include "x86/nchw_width_plan.h"

SP_KERNEL_INLINE fvec clamp_vec(const sp_pool_geometry *g, fvec v)
{
    return g->clamp_output ? fv_clamp(v, fv_set1(g->clamp_min), fv_set1(g->clamp_max)) : v;
}

/* The tap rows of one output row: D taps outer, H taps inner, `x` at the first one's column 0. */
typedef struct taprows {
    const float *x;
    int64_t nd, nh, sd, sh;
} taprows;

/* ---------------------------------------------------------------------------------------------------------- */
/* Sliding windows: one block of V outputs at a time, its whole window in registers */

/* The sum of every tap of the block whose first column is b, in scan order, in natural lane order. */
SP_KERNEL_INLINE fvec block_sum(const taploader *l, const taprows *t, int64_t b, int64_t W, int64_t K, int64_t dw,
                                int mode, bool edge)
{
    const int64_t lastoff = (K - 1) * dw;
    const bool last_even = (lastoff & 1) == 0;
    fvec acc = fv_zero();
    for (int64_t jd = 0; jd < t->nd; ++jd) {
        for (int64_t jh = 0; jh < t->nh; ++jh) {
            const float *rb = t->x + jd * t->sd + jh * t->sh + b;
            for (int64_t jw = 0; jw < K; ++jw) {
                const int64_t o = jw * dw;
                acc = fv_add(acc, load_tap(l, rb, o, b + o, W, mode, edge, o == lastoff && last_even));
            }
        }
    }
    return mode == MODE_S2 ? unshuffle_s2(acc) : acc;
}

/* One output row: blocks at 0, V, ...; the last partial block overlaps its neighbour unless the row is
   narrower than V. Blocks wholly inside the full range load unmasked. KC, DWC: compile-time kernel width and
   dilation (0: the plan's). */
SP_KERNEL_INLINE void row_sliding(const sp_pool_geometry *g, const wplan *w, const taploader *l, const taprows *t,
                                  float *y, const float *div, int mode, int64_t KC, int64_t DWC)
{
    const int64_t out_w = g->out[2], W = g->in[2], S = w->S, shift = w->shift, fb = w->fb, fe = w->fe;
    const int64_t K = KC ? KC : w->K, dw = DWC ? DWC : w->dw;
    for (int64_t o0 = 0; o0 < out_w; o0 += V) {
        int64_t r = V;
        if (o0 + V > out_w) {
            if (out_w >= V) o0 = out_w - V;
            else r = out_w;
        }
        const int64_t b = o0 * S + shift;
        const bool full = r == V && o0 >= fb && o0 + V <= fe;
        const fvec acc = full ? block_sum(l, t, b, W, K, dw, mode, false) : block_sum(l, t, b, W, K, dw, mode, true);
        if (r == V) {
            fv_store(y + o0, clamp_vec(g, fv_div(acc, fv_load(div + o0))));
        } else {
            const fmask om = fm_first(r);
            fv_store_m(y + o0, om, clamp_vec(g, fv_div(acc, fv_load_m_else(div + o0, om, fv_set1(1.0f)))));
        }
    }
}

/* One output row of a non-uniform adaptive plan: lane i sums taps_w[o] columns from first_w[o], gathered
   (lanes past their window add +0). */
static void row_table(const sp_pool_geometry *g, const taprows *t, float *y, const float *div)
{
    const int64_t out_w = g->out[2];
    const int32_t dw = (int32_t)g->dilation[2];
    const int64_t *first_w = g->first[2];
    const int32_t *taps_w = g->taps[2];
    for (int64_t o0 = 0; o0 < out_w; o0 += V) {
        const int64_t r = out_w - o0 < V ? out_w - o0 : V;
        int32_t f[V] = {0}, n[V] = {0};
        int32_t max_taps = 0;
        for (int64_t i = 0; i < r; ++i) {
            f[i] = (int32_t)first_w[o0 + i];
            n[i] = taps_w[o0 + i];
            if (n[i] > max_taps) max_taps = n[i];
        }
        const fcol fv = fc_load(f), nv = fc_load(n);
        fvec acc = fv_zero();
        for (int64_t jd = 0; jd < t->nd; ++jd) {
            for (int64_t jh = 0; jh < t->nh; ++jh) {
                const float *rb = t->x + jd * t->sd + jh * t->sh;
                for (int32_t j = 0; j < max_taps; ++j) acc = fv_add(acc, fv_gather_tap(rb, fv, nv, j, dw));
            }
        }
        const fmask om = fm_first(r);
        fv_store_m(y + o0, om, clamp_vec(g, fv_div(acc, fv_load_m_else(div + o0, om, fv_set1(1.0f)))));
    }
}

SP_KERNEL_INLINE void run_planes(const sp_pool_geometry *g, const wplan *w, const float *x, float *y, size_t planes,
                                 int mode, int64_t KC, int64_t DWC, bool table)
{
    const int64_t H = g->in[1], W = g->in[2], HW = H * W, in_plane = g->in[0] * HW;
    const int64_t out_h = g->out[1], out_w = g->out[2], out_plane = sp_out_plane(g);
    const taploader l = make_taploader(table ? 1 : w->S);
    taprows t;
    t.sd = g->dilation[0] * HW;
    t.sh = g->dilation[1] * W;
    for (size_t p = 0; p < planes; ++p) {
        const float *xp = x + (int64_t)p * in_plane;
        float *yp = y + (int64_t)p * out_plane;
        for (int64_t od = 0; od < g->out[0]; ++od) {
            for (int64_t oh = 0; oh < out_h; ++oh) {
                t.x = xp + g->first[0][od] * HW + g->first[1][oh] * W;
                t.nd = g->taps[0][od];
                t.nh = g->taps[1][oh];
                const int64_t row = (od * out_h + oh) * out_w;
                if (table) row_table(g, &t, yp + row, g->divisor + row);
                else row_sliding(g, w, &l, &t, yp + row, g->divisor + row, mode, KC, DWC);
            }
        }
    }
}

/* Every plan that is neither global nor taken by a fast path: 2x2/2, 3x3/2 and 3x3/1 are the same code with
   constant stride, kernel width and dilation. */
static void run_exact(const sp_pool_geometry *g, const float *x, float *y, size_t planes)
{
    const wplan w = make_wplan(g);
    if (w.table) run_planes(g, &w, x, y, planes, MODE_GATHER, 0, 0, true);
    else if (w.S == 2 && w.K == 2 && w.dw == 1) run_planes(g, &w, x, y, planes, MODE_S2, 2, 1, false);
    else if (w.S == 2 && w.K == 3 && w.dw == 1) run_planes(g, &w, x, y, planes, MODE_S2, 3, 1, false);
    else if (w.S == 1 && w.K == 3 && w.dw == 1) run_planes(g, &w, x, y, planes, MODE_S1, 3, 1, false);
    else if (w.S == 1) run_planes(g, &w, x, y, planes, MODE_S1, 0, 0, false);
    else if (w.S == 2) run_planes(g, &w, x, y, planes, MODE_S2, 0, 0, false);
    else if (SP_AVG_NCHW_STRIDED && w.S <= 8) run_planes(g, &w, x, y, planes, MODE_STRIDED, 0, 0, false);
    else run_planes(g, &w, x, y, planes, MODE_GATHER, 0, 0, false);
}

#endif /* SIMDPOOL_X86_AVGPOOL_NCHW_H */
