/*
 * AVX2 NCHW max/min forward, f32, with and without indices.
 *
 * NCHW has no channel axis to vectorise over, so vectors run along the output width: a block is 8
 * consecutive outputs of one output row, lane i holding output column o0 + i, whose W taps start at input
 * column b + S*i (b = o0*S - pad_begin). Every lane reduces its own window with the reference's rule
 * `(v > best) || isnan(v)` (min: `<`), so values, indices and NaN payloads are bit-identical to the scalar
 * kernel. The rule is associative (it picks the last NaN if any, else the first position of the best value),
 * so a window may be folded as (row fold) then (rows in order) without changing a bit of the result.
 *
 * An output row is computed in passes over up to three of its tap rows (D taps outer, H taps inner); each
 * pass runs over the row's blocks, which are independent, so the loop pipelines. Loading one tap for 8 lanes:
 *   S = 1   one unaligned load;
 *   S = 2   deinterleaving loads: two vectors and one vshufps taking the even or odd columns; the lanes then
 *           come in the order 0 1 4 5 2 3 6 7, which the block undoes once with vpermpd;
 *   S >= 3  a gather.
 * 2x2/2, 3x3/2 and 3x3/1 are the same code with constant stride, kernel width and dilation.
 *
 * Only the plan's full range (windows wholly inside the input) runs in vectors; the few output columns whose
 * windows the W borders clip (padding, ceil_mode) are computed one by one with the reference's scan. The last
 * partial block overlaps its neighbour (single-pass rows: it recomputes equal values) or uses masked loads.
 * Adaptive plans with uniform W windows run as sliding windows; other adaptive plans gather each lane's
 * window from the tables. Global pooling (one output per plane, the window the whole plane) reduces each
 * plane in 8 lanes tracking positions and combines 8 planes at once in a transpose tree of exact combines.
 *
 * Without indices, most sliding plans first try x86/nchw_extremum_fast.h per output row: tap rows reduced
 * vertically into a row buffer, then one horizontal pass; a row where that order could show (a NaN tap, a
 * zero output) is recomputed here, exactly. 2x2/2 and 3x3/2 rows stream without the buffer, a plane at a time.
 *
 * Indices: a lane tracks the winning tap's offset from its window start in int32; the int64 in-plane index
 * is formed once per block on store. Planes of 2^31 elements or more take the scalar reference kernel.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx2.h>

#include "kernels.h"
#include "x86/nchw_width_plan.h"
#include "x86/nchw_extremum_fast_v8.h"


enum { V = 8 };

#define SP_INT32_PLANE_LIMIT ((int64_t)INT32_MAX - 16 * V)

/* ---------------------------------------------------------------------------------------------------------- */
/* Small helpers */

static const int32_t k_iota[V] = {0, 1, 2, 3, 4, 5, 6, 7};

SP_KERNEL_INLINE simde__m256i iota_epi32(void) { return simde_mm256_loadu_si256((const simde__m256i *)k_iota); }
SP_KERNEL_INLINE simde__m256 as_ps(simde__m256i v) { return simde_mm256_castsi256_ps(v); }
SP_KERNEL_INLINE simde__m256i as_si(simde__m256 v) { return simde_mm256_castps_si256(v); }

/* Lanes [lo, hi) as an all-ones mask (bounds clamped to [0, 8]). */
SP_KERNEL_INLINE simde__m256i range_mask(int64_t lo, int64_t hi)
{
    if (lo < 0) lo = 0;
    if (hi > V) hi = V;
    if (lo >= hi) return simde_mm256_setzero_si256();
    const simde__m256i i = iota_epi32();
    return simde_mm256_and_si256(simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)hi), i),
                                 simde_mm256_cmpgt_epi32(i, simde_mm256_set1_epi32((int32_t)lo - 1)));
}

/* Lane i = p[i] where the mask is set, fill[i] elsewhere; unselected lanes are never read. */
SP_KERNEL_INLINE simde__m256 ld_mask(simde__m256 fill, simde__m256i m, const float *p)
{
    return simde_mm256_blendv_ps(fill, simde_mm256_maskload_ps(p, m), as_ps(m));
}

SP_KERNEL_INLINE simde__m256 clamp_vec(const sp_pool_geometry *g, simde__m256 v)
{
    if (!g->clamp_output) return v;
    const simde__m256 lo = simde_mm256_set1_ps(g->clamp_min), hi = simde_mm256_set1_ps(g->clamp_max);
    /* NaN fails both comparisons and is kept, like sp_clamp. */
    v = simde_mm256_blendv_ps(v, lo, simde_mm256_cmp_ps(v, lo, SIMDE_CMP_LT_OQ));
    return simde_mm256_blendv_ps(v, hi, simde_mm256_cmp_ps(v, hi, SIMDE_CMP_GT_OQ));
}

SP_KERNEL_INLINE simde__m256 worst_value(bool is_min) { return simde_mm256_set1_ps(is_min ? INFINITY : -INFINITY); }

/* The reference's rule for a later candidate v against the running best: strictly better, or NaN. */
SP_KERNEL_INLINE simde__m256 wins(simde__m256 v, simde__m256 best, bool is_min)
{
    const simde__m256 better = is_min ? simde_mm256_cmp_ps(v, best, SIMDE_CMP_LT_OQ)
                                      : simde_mm256_cmp_ps(v, best, SIMDE_CMP_GT_OQ);
    return simde_mm256_or_ps(better, simde_mm256_cmp_ps(v, v, SIMDE_CMP_UNORD_Q));
}

/* best = rule(best, v), v being later in scan order. Without indices: vmaxps(v, best) is `v > best ? v : best`
   (ties and a NaN best keep best) and a NaN v is blended in. v_rel: the later side's tap offsets. */
SP_KERNEL_INLINE void fold(simde__m256 *best, simde__m256i *rel, simde__m256 v, simde__m256i v_rel, bool is_min,
                    bool with_idx)
{
    if (!with_idx) {
        const simde__m256 m = is_min ? simde_mm256_min_ps(v, *best) : simde_mm256_max_ps(v, *best);
        *best = simde_mm256_blendv_ps(m, v, simde_mm256_cmp_ps(v, v, SIMDE_CMP_UNORD_Q));
        return;
    }
    const simde__m256 take = wins(v, *best, is_min);
    *best = simde_mm256_blendv_ps(*best, v, take);
    *rel = as_si(simde_mm256_blendv_ps(as_ps(*rel), as_ps(v_rel), take));
}

/* Sign-extends int32 lanes 0-3 (half 0) or 4-7 (half 1) to int64. */
SP_KERNEL_INLINE simde__m256i widen_half(simde__m256i v, int half)
{
    return simde_mm256_cvtepi32_epi64(half ? simde_mm256_extracti128_si256(v, 1) : simde_mm256_castsi256_si128(v));
}

/* Stores r <= 8 outputs and (idx != NULL) their indices. */
SP_KERNEL_INLINE void store_out(float *y, int64_t *idx, simde__m256 v, simde__m256i lo64, simde__m256i hi64, int64_t r)
{
    if (r == V) {
        simde_mm256_storeu_ps(y, v);
        if (idx) {
            simde_mm256_storeu_si256((simde__m256i *)idx, lo64);
            simde_mm256_storeu_si256((simde__m256i *)(idx + 4), hi64);
        }
        return;
    }
    const simde__m256i m = range_mask(0, r);
    simde_mm256_maskstore_ps(y, m, v);
    if (idx) {
        simde_mm256_maskstore_epi64(idx, widen_half(m, 0), lo64);
        simde_mm256_maskstore_epi64(idx + 4, widen_half(m, 1), hi64);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Tap rows (the W geometry is x86/nchw_width_plan.h) */

/* The tap rows of one output row: D taps outer, H taps inner, `x` at the first one's column 0. */
typedef struct taprows {
    const float *x;
    int64_t base; /* in-plane offset of x */
    int64_t nd, nh, sd, sh;
} taprows;

/* ---------------------------------------------------------------------------------------------------------- */
/* Loading one tap for the 8 lanes of a block: lane i reads column p + S*i of one input row. */

enum { MODE_GATHER = 0, MODE_S1 = 1, MODE_S2 = 2 };

/* Undoes vshufps's lane order 0 1 4 5 2 3 6 7 (pairs of lanes are 64-bit chunks 0 2 1 3). */
SP_KERNEL_INLINE simde__m256 unshuffle_ps(simde__m256 v)
{
    return simde_mm256_castpd_ps(simde_mm256_permute4x64_pd(simde_mm256_castps_pd(v), 0xD8));
}
SP_KERNEL_INLINE simde__m256i unshuffle_si(simde__m256i v) { return simde_mm256_permute4x64_epi64(v, 0xD8); }

/* Tap at offset o from a block's first column b; rb = row + b, p = b + o (lane 0's column), W the row width.
   Full blocks (!masked): every needed column lies inside the row; `last_even` (S = 2): the block's largest
   even offset, whose second load would read one column past the last needed one (possibly past the input).
   Masked blocks: columns outside [0, W) are not read and become `fill`. S = 2 returns the shuffled order. */
SP_KERNEL_INLINE simde__m256 load_tap(const float *rb, int64_t o, int64_t p, int64_t W, simde__m256i vS, int mode,
                               bool masked, bool last_even, simde__m256 fill)
{
    if (mode == MODE_S1) {
        if (!masked) return simde_mm256_loadu_ps(rb + o);
        return ld_mask(fill, range_mask(-p, W - p), rb + o);
    }
    if (mode == MODE_S2) {
        const int64_t odd = o & 1, qc = p - odd; /* column of the first loaded element */
        const float *q = rb + o - odd;
        simde__m256 lo, hi;
        if (!masked) {
            lo = simde_mm256_loadu_ps(q);
            hi = last_even ? ld_mask(fill, range_mask(0, V - 1), q + V) : simde_mm256_loadu_ps(q + V);
        } else {
            lo = ld_mask(fill, range_mask(-qc, W - qc), q);
            hi = ld_mask(fill, range_mask(-qc - V, W - qc - V), q + V);
        }
        return odd ? simde_mm256_shuffle_ps(lo, hi, 0xDD) : simde_mm256_shuffle_ps(lo, hi, 0x88);
    }
    /* Gather: lanes whose column lies outside the row keep `fill`. */
    if (!masked) return simde_mm256_i32gather_ps(rb + o, vS, 4);
    const simde__m256i col = simde_mm256_add_epi32(vS, simde_mm256_set1_epi32((int32_t)p));
    const simde__m256i k = simde_mm256_and_si256(simde_mm256_cmpgt_epi32(col, simde_mm256_set1_epi32(-1)),
                                                 simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)W), col));
    return simde_mm256_mask_i32gather_ps(fill, rb + o, vS, as_ps(k), 4);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Output rows: passes over the tap rows, output columns innermost */

enum { CHUNK = 512, ROWS_PER_PASS = 3 };

typedef struct rowctx {
    const sp_pool_geometry *g;
    const wplan *w;
    simde__m256i vS;  /* S*i */
    float *y;         /* the output row */
    int64_t *idx;     /* its indices (or NULL) */
    int32_t *acc_rel; /* running tap offsets of outputs [c0, c1) between passes (index o - c0) */
    int64_t base;     /* in-plane offset of the first tap row's column 0 */
} rowctx;

/* Taps j < K of one row at offsets j*dw, folded in scan order. */
SP_KERNEL_INLINE void fold_row(const float *rb, int64_t b, int64_t rrel, int64_t K, int64_t dw, int64_t W,
                        simde__m256i vS, int mode, bool masked, bool is_min, bool with_idx, simde__m256 *h_out,
                        simde__m256i *hrel_out)
{
    const simde__m256 fill = worst_value(is_min);
    const int64_t last = (K - 1) * dw;
    const bool last_even = (last & 1) == 0;
    simde__m256 h = load_tap(rb, 0, b, W, vS, mode, masked, last == 0 && last_even, fill);
    simde__m256i hrel = simde_mm256_setzero_si256();
    if (with_idx) hrel = simde_mm256_set1_epi32((int32_t)rrel);
    for (int64_t j = 1; j < K; ++j) {
        const int64_t o = j * dw;
        const simde__m256 v = load_tap(rb, o, b + o, W, vS, mode, masked, o == last && last_even, fill);
        fold(&h, &hrel, v, simde_mm256_set1_epi32((int32_t)(rrel + o)), is_min, with_idx);
    }
    *h_out = h;
    *hrel_out = hrel;
}

/* The m tap rows of one pass for the block at column b: their fold in scan order, in natural lane order. */
SP_KERNEL_INLINE void block_rows(const float *const *rows, const int64_t *rrel, int m, int64_t b, int64_t K, int64_t dw,
                          int64_t W, simde__m256i vS, int mode, bool masked, bool is_min, bool with_idx,
                          simde__m256 *t_out, simde__m256i *trel_out)
{
    simde__m256 t;
    simde__m256i trel;
    fold_row(rows[0] + b, b, rrel[0], K, dw, W, vS, mode, masked, is_min, with_idx, &t, &trel);
    for (int j = 1; j < m; ++j) {
        simde__m256 h;
        simde__m256i hrel;
        fold_row(rows[j] + b, b, rrel[j], K, dw, W, vS, mode, masked, is_min, with_idx, &h, &hrel);
        fold(&t, &trel, h, hrel, is_min, with_idx);
    }
    if (mode == MODE_S2) {
        t = unshuffle_ps(t);
        if (with_idx) trel = unshuffle_si(trel);
    }
    *t_out = t;
    *trel_out = trel;
}

/* Folds a block's pass result into the running result of outputs [o0, o0 + r) and stores it: in y and acc_rel
   between passes, finished (clamped, indices widened) after the last. b: the block's first column. */
SP_KERNEL_INLINE void finish_block(const rowctx *c, int64_t o0, int64_t c0, int64_t r, int64_t b, simde__m256 t,
                            simde__m256i trel, bool first, bool last, bool is_min, bool with_idx)
{
    const simde__m256i out_mask = range_mask(0, r);
    if (!first) { /* the earlier rows' result comes first in scan order */
        simde__m256 a = r == V ? simde_mm256_loadu_ps(c->y + o0) : ld_mask(t, out_mask, c->y + o0);
        simde__m256i arel = trel;
        if (with_idx)
            arel = r == V ? simde_mm256_loadu_si256((const simde__m256i *)(c->acc_rel + (o0 - c0)))
                          : as_si(ld_mask(as_ps(trel), out_mask, (const float *)(c->acc_rel + (o0 - c0))));
        fold(&a, &arel, t, trel, is_min, with_idx);
        t = a;
        trel = arel;
    }
    if (!last) {
        if (r == V) simde_mm256_storeu_ps(c->y + o0, t);
        else simde_mm256_maskstore_ps(c->y + o0, out_mask, t);
        if (with_idx) {
            if (r == V) simde_mm256_storeu_si256((simde__m256i *)(c->acc_rel + (o0 - c0)), trel);
            else simde_mm256_maskstore_ps((float *)(c->acc_rel + (o0 - c0)), out_mask, as_ps(trel));
        }
        return;
    }
    t = clamp_vec(c->g, t);
    simde__m256i lo = simde_mm256_setzero_si256(), hi = lo;
    if (with_idx) {
        const simde__m256i b64 = simde_mm256_set1_epi64x(c->base + b);
        const simde__m256i lane = simde_mm256_mullo_epi32(iota_epi32(), simde_mm256_set1_epi32((int32_t)c->w->S));
        lo = simde_mm256_add_epi64(b64, widen_half(simde_mm256_add_epi32(lane, trel), 0));
        hi = simde_mm256_add_epi64(b64, widen_half(simde_mm256_add_epi32(lane, trel), 1));
    }
    store_out(c->y + o0, with_idx ? c->idx + o0 : NULL, t, lo, hi, r);
}

/* A partial block: outputs [o0, o0 + r), r < 8, inside the full range; loads are masked to the row so that the
   unused lanes read nothing past it. Rare (at most one per pass): out of line, runtime mode and sizes. */
SP_KERNEL_INLINE void partial_block(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t o0,
                             int64_t c0, int64_t r, bool first, bool last, int mode, bool is_min, bool with_idx)
{
    const wplan *w = c->w;
    const int64_t b = o0 * w->S + w->shift, W = c->g->in[2];
    simde__m256 t;
    simde__m256i trel;
    if (mode == MODE_S1)
        block_rows(rows, rrel, m, b, w->K, w->dw, W, c->vS, MODE_S1, true, is_min, with_idx, &t, &trel);
    else if (mode == MODE_S2)
        block_rows(rows, rrel, m, b, w->K, w->dw, W, c->vS, MODE_S2, true, is_min, with_idx, &t, &trel);
    else
        block_rows(rows, rrel, m, b, w->K, w->dw, W, c->vS, MODE_GATHER, true, is_min, with_idx, &t, &trel);
    finish_block(c, o0, c0, r, b, t, trel, first, last, is_min, with_idx);
}

#define SP_PARTIAL_BLOCK(name, IS_MIN, WITH_IDX)                                                                 \
    static __attribute__((noinline)) void name(const rowctx *c, const float *const *rows, const int64_t *rrel,  \
                                                int m, int64_t o0, int64_t c0, int64_t r, bool first, bool last, \
                                                int mode)                                                        \
    {                                                                                                            \
        partial_block(c, rows, rrel, m, o0, c0, r, first, last, mode, IS_MIN, WITH_IDX);                         \
    }
SP_PARTIAL_BLOCK(partial_max, false, false)
SP_PARTIAL_BLOCK(partial_max_idx, false, true)
SP_PARTIAL_BLOCK(partial_min, true, false)
SP_PARTIAL_BLOCK(partial_min_idx, true, true)
#undef SP_PARTIAL_BLOCK

SP_KERNEL_INLINE void partial_block_call(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t o0,
                                  int64_t c0, int64_t r, bool first, bool last, int mode, bool is_min, bool with_idx)
{
    if (is_min) {
        if (with_idx) partial_min_idx(c, rows, rrel, m, o0, c0, r, first, last, mode);
        else partial_min(c, rows, rrel, m, o0, c0, r, first, last, mode);
    } else {
        if (with_idx) partial_max_idx(c, rows, rrel, m, o0, c0, r, first, last, mode);
        else partial_max(c, rows, rrel, m, o0, c0, r, first, last, mode);
    }
}

/* One pass over outputs [c0, c1) of the full range: blocks of 8, the hot loop. A trailing partial block either
   overlaps the previous one (single-pass rows only: it recomputes equal values from scratch) or is masked. */
SP_KERNEL_INLINE void pass(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t c0, int64_t c1,
                    bool first, bool last, bool overlap, int mode, int64_t KC, int64_t DWC, bool is_min,
                    bool with_idx)
{
    const wplan *w = c->w;
    const int64_t K = KC ? KC : w->K, dw = DWC ? DWC : w->dw, S = w->S, W = c->g->in[2];
    int64_t o0 = c0;
    for (;;) {
        if (o0 + V > c1) {
            if (o0 >= c1) break;
            if (!overlap) {
                partial_block_call(c, rows, rrel, m, o0, c0, c1 - o0, first, last, mode, is_min, with_idx);
                break;
            }
            o0 = c1 - V;
        }
        const int64_t b = o0 * S + w->shift;
        simde__m256 t;
        simde__m256i trel;
        block_rows(rows, rrel, m, b, K, dw, W, c->vS, mode, false, is_min, with_idx, &t, &trel);
        finish_block(c, o0, c0, V, b, t, trel, first, last, is_min, with_idx);
        o0 += V;
    }
}

/* Dispatches a pass on its number of rows (1..3, a compile-time constant inside). */
SP_KERNEL_INLINE void pass_m(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t c0, int64_t c1,
                      bool first, bool last, bool overlap, int mode, int64_t KC, int64_t DWC, bool is_min,
                      bool with_idx)
{
    if (m == 3) pass(c, rows, rrel, 3, c0, c1, first, last, overlap, mode, KC, DWC, is_min, with_idx);
    else if (m == 2) pass(c, rows, rrel, 2, c0, c1, first, last, overlap, mode, KC, DWC, is_min, with_idx);
    else pass(c, rows, rrel, 1, c0, c1, first, last, overlap, mode, KC, DWC, is_min, with_idx);
}

/* Output column o of a row whose window the W borders clip: the reference's scan, one tap at a time. */
static void edge_column(const sp_pool_geometry *g, const taprows *t, float *y, int64_t *idx, int64_t o, bool is_min)
{
    const int64_t first = g->first[2][o], n = g->taps[2][o], dw = g->dilation[2];
    float best = 0.0f;
    int64_t at = 0;
    bool started = false;
    for (int64_t jd = 0; jd < t->nd; ++jd) {
        for (int64_t jh = 0; jh < t->nh; ++jh) {
            const int64_t row = jd * t->sd + jh * t->sh + first;
            for (int64_t j = 0; j < n; ++j) {
                const float v = t->x[row + j * dw];
                if (!started || (is_min ? v < best : v > best) || isnan(v)) {
                    best = v;
                    at = row + j * dw;
                    started = true;
                }
            }
        }
    }
    y[o] = g->clamp_output ? sp_clamp(best, g->clamp_min, g->clamp_max) : best;
    if (idx) idx[o] = t->base + at;
}

/* One output row of a sliding (or uniform adaptive) plan: edge columns one by one, the full range in vector
   passes. */
SP_KERNEL_INLINE void row_sliding(rowctx *c, const taprows *t, int mode, int64_t KC, int64_t DWC, bool is_min,
                           bool with_idx)
{
    const int64_t out_w = c->g->out[2], nrows = t->nd * t->nh, fb = c->w->fb, fe = c->w->fe;
    for (int64_t o = 0; o < fb; ++o) edge_column(c->g, t, c->y, c->idx, o, is_min);
    for (int64_t o = fe; o < out_w; ++o) edge_column(c->g, t, c->y, c->idx, o, is_min);
    if (fe <= fb) return;
    c->base = t->base;
    const bool single = nrows <= ROWS_PER_PASS, overlap = single && fe - fb >= V;
    if (single) { /* the common case: one pass, no running results to keep, no chunks */
        const float *rows[ROWS_PER_PASS] = {t->x, t->x, t->x};
        int64_t rrel[ROWS_PER_PASS] = {0, 0, 0};
        for (int64_t r = 0; r < nrows; ++r) {
            rrel[r] = (r / t->nh) * t->sd + (r % t->nh) * t->sh;
            rows[r] = t->x + rrel[r];
        }
        pass_m(c, rows, rrel, (int)nrows, fb, fe, true, true, overlap, mode, KC, DWC, is_min, with_idx);
        return;
    }
    for (int64_t c0 = fb; c0 < fe; c0 += CHUNK) {
        const int64_t c1 = fe - c0 < CHUNK ? fe : c0 + CHUNK;
        int64_t jd = 0, jh = 0;
        for (int64_t r = 0; r < nrows;) {
            const float *rows[ROWS_PER_PASS];
            int64_t rrel[ROWS_PER_PASS];
            const int m = nrows - r < ROWS_PER_PASS ? (int)(nrows - r) : ROWS_PER_PASS;
            for (int j = 0; j < m; ++j) {
                rrel[j] = jd * t->sd + jh * t->sh;
                rows[j] = t->x + rrel[j];
                if (++jh == t->nh) {
                    jh = 0;
                    ++jd;
                }
            }
            pass_m(c, rows, rrel, m, c0, c1, r == 0, r + m == nrows, overlap, mode, KC, DWC, is_min, with_idx);
            r += m;
        }
    }
}

/* One output row of a non-uniform adaptive plan: lane i's window is taps_w[o] columns from first_w[o],
   gathered; lanes past their window read the worst value, which never wins. */
static void row_table(const sp_pool_geometry *g, const taprows *t, float *y, int64_t *idx, bool is_min, bool with_idx)
{
    const int64_t out_w = g->out[2], dw = g->dilation[2];
    const int64_t *first_w = g->first[2];
    const int32_t *taps_w = g->taps[2];
    const simde__m256 fill = worst_value(is_min);
    for (int64_t o0 = 0; o0 < out_w; o0 += V) {
        const int64_t r = out_w - o0 < V ? out_w - o0 : V;
        int32_t f[V] = {0}, n[V] = {0};
        int64_t f64[V] = {0};
        int32_t max_taps = 0;
        for (int64_t i = 0; i < r; ++i) {
            f64[i] = first_w[o0 + i];
            f[i] = (int32_t)f64[i];
            n[i] = taps_w[o0 + i];
            if (n[i] > max_taps) max_taps = n[i];
        }
        const simde__m256i fv = simde_mm256_loadu_si256((const simde__m256i *)f);
        const simde__m256i nv = simde_mm256_loadu_si256((const simde__m256i *)n);
        simde__m256 best = fill;
        simde__m256i rel = simde_mm256_setzero_si256();
        for (int64_t jd = 0; jd < t->nd; ++jd) {
            for (int64_t jh = 0; jh < t->nh; ++jh) {
                const int64_t rrel = jd * t->sd + jh * t->sh;
                const float *rb = t->x + rrel;
                for (int32_t j = 0; j < max_taps; ++j) {
                    const simde__m256i m = simde_mm256_cmpgt_epi32(nv, simde_mm256_set1_epi32(j));
                    const simde__m256i at = simde_mm256_add_epi32(fv, simde_mm256_set1_epi32((int32_t)(j * dw)));
                    const simde__m256 v = simde_mm256_mask_i32gather_ps(fill, rb, at, as_ps(m), 4);
                    fold(&best, &rel, v, simde_mm256_set1_epi32((int32_t)(rrel + j * dw)), is_min, with_idx);
                }
            }
        }
        simde__m256i lo = simde_mm256_setzero_si256(), hi = lo;
        if (with_idx) {
            const simde__m256i b64 = simde_mm256_set1_epi64x(t->base);
            lo = simde_mm256_add_epi64(simde_mm256_add_epi64(b64, simde_mm256_loadu_si256((const simde__m256i *)f64)),
                                       widen_half(rel, 0));
            hi = simde_mm256_add_epi64(
                simde_mm256_add_epi64(b64, simde_mm256_loadu_si256((const simde__m256i *)(f64 + 4))), widen_half(rel, 1));
        }
        store_out(y + o0, with_idx ? idx + o0 : NULL, clamp_vec(g, best), lo, hi, r);
    }
}

/* Every output row of `planes` planes. mode: how a tap is loaded (MODE_*); KC/DWC: compile-time kernel width
   and dilation (0: the plan's); table: non-uniform adaptive windows. */
SP_KERNEL_INLINE void run_planes(const sp_pool_geometry *g, const wplan *w, const float *x, float *y, int64_t *idx,
                          size_t planes, int mode, int64_t KC, int64_t DWC, bool table, bool is_min, bool with_idx)
{
    const int64_t H = g->in[1], W = g->in[2], HW = H * W, in_plane = g->in[0] * HW;
    const int64_t out_h = g->out[1], out_w = g->out[2], out_plane = sp_out_plane(g);
    rowctx c;
    int32_t acc_rel[CHUNK];
    c.acc_rel = acc_rel;
    c.g = g;
    c.w = w;
    c.vS = simde_mm256_mullo_epi32(iota_epi32(), simde_mm256_set1_epi32((int32_t)(table ? 1 : w->S)));
    taprows t;
    t.sd = g->dilation[0] * HW;
    t.sh = g->dilation[1] * W;
    const sp_fast_plan fast = with_idx ? (sp_fast_plan){0} : sp_fast_plan_make(g, w->K, w->S, w->dw, w->shift, w->fb, w->fe, table);
    _Alignas(64) float fast_buf[SP_FAST_BUF];
    const float *fast_rows[SP_FAST_MAX_ROWS];
    const bool fast_plane = sp_fast_stream_planes(&fast, g);
    for (size_t p = 0; p < planes; ++p) {
        const float *xp = x + (int64_t)p * in_plane;
        float *yp = y + (int64_t)p * out_plane;
        int64_t *ip = with_idx ? idx + (int64_t)p * out_plane : NULL;
        for (int64_t od = 0; od < g->out[0]; ++od) {
            for (int64_t oh = 0; oh < out_h; ++oh) {
                if (fast_plane) { /* rows from oh on in one call; the row it stops at is recomputed below */
                    oh = sp_fast8_stream_plane(&fast, g, xp + g->first[0][od] * HW, yp + od * out_h * out_w, oh, is_min);
                    if (oh == out_h) break;
                }
                t.base = g->first[0][od] * HW + g->first[1][oh] * W;
                t.x = xp + t.base;
                t.nd = g->taps[0][od];
                t.nh = g->taps[1][oh];
                const int64_t row = (od * out_h + oh) * out_w;
                c.y = yp + row;
                c.idx = with_idx ? ip + row : NULL;
                if (fast.hmode && !fast_plane) {
                    const int nr = sp_fast_tap_rows(t.x, t.nd, t.nh, t.sd, t.sh, fast_rows);
                    if (nr && sp_fast8_row(&fast, g, fast_rows, nr, c.y, fast_buf, is_min)) continue;
                }
                if (table) row_table(g, &t, c.y, c.idx, is_min, with_idx);
                else row_sliding(&c, &t, mode, KC, DWC, is_min, with_idx);
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Global pooling: one output per plane, the window the whole plane */

static bool is_global(const sp_pool_geometry *g)
{
    for (int a = 0; a < SP_AXES; ++a)
        if (g->out[a] != 1 || g->first[a][0] != 0 || g->taps[a][0] != g->in[a]) return false;
    return true;
}

/* Combines two lane states over disjoint position sets exactly like one scan over their union: the last NaN
   if any, else the best value at its first position. */
SP_KERNEL_INLINE void combine(simde__m256 *va, simde__m256i *pa, simde__m256 vb, simde__m256i pb, bool is_min)
{
    const simde__m256 na = simde_mm256_cmp_ps(*va, *va, SIMDE_CMP_UNORD_Q);
    const simde__m256 nb = simde_mm256_cmp_ps(vb, vb, SIMDE_CMP_UNORD_Q);
    const simde__m256 better = is_min ? simde_mm256_cmp_ps(vb, *va, SIMDE_CMP_LT_OQ)
                                      : simde_mm256_cmp_ps(vb, *va, SIMDE_CMP_GT_OQ);
    const simde__m256 eq = simde_mm256_cmp_ps(vb, *va, SIMDE_CMP_EQ_OQ);
    const simde__m256 b_first = as_ps(simde_mm256_cmpgt_epi32(*pa, pb));
    const simde__m256 b_later = as_ps(simde_mm256_cmpgt_epi32(pb, *pa));
    const simde__m256 nan_take = simde_mm256_and_ps(nb, simde_mm256_or_ps(simde_mm256_andnot_ps(na, nb), b_later));
    const simde__m256 take = simde_mm256_or_ps(nan_take, simde_mm256_or_ps(better, simde_mm256_and_ps(eq, b_first)));
    *va = simde_mm256_blendv_ps(*va, vb, take);
    *pa = as_si(simde_mm256_blendv_ps(as_ps(*pa), as_ps(pb), take));
}

/* Lane state of one plane of n elements: lane l scans positions l, l+8, ... with the rule. Lanes that see no
   element hold (worst, INT32_MAX), which loses every combine. */
SP_KERNEL_INLINE void plane_lanes(const float *p, int64_t n, bool is_min, simde__m256 *best_out, simde__m256i *pos_out)
{
    const simde__m256i iota = iota_epi32();
    const simde__m256 worst = worst_value(is_min);
    simde__m256 best;
    simde__m256i pos;
    int64_t e;
    if (n >= V) {
        best = simde_mm256_loadu_ps(p);
        pos = iota;
        e = V;
    } else {
        const simde__m256i k = range_mask(0, n);
        best = ld_mask(worst, k, p);
        pos = as_si(simde_mm256_blendv_ps(as_ps(simde_mm256_set1_epi32(INT32_MAX)), as_ps(iota), as_ps(k)));
        e = n;
    }
    for (; e + V <= n; e += V) {
        const simde__m256 v = simde_mm256_loadu_ps(p + e);
        const simde__m256 take = wins(v, best, is_min);
        best = simde_mm256_blendv_ps(best, v, take);
        pos = as_si(simde_mm256_blendv_ps(as_ps(pos), as_ps(simde_mm256_add_epi32(iota, simde_mm256_set1_epi32((int32_t)e))), take));
    }
    if (e < n) {
        const simde__m256i k = range_mask(0, n - e);
        const simde__m256 v = ld_mask(worst, k, p + e); /* the worst value never wins */
        const simde__m256 take = wins(v, best, is_min);
        best = simde_mm256_blendv_ps(best, v, take);
        pos = as_si(simde_mm256_blendv_ps(as_ps(pos), as_ps(simde_mm256_add_epi32(iota, simde_mm256_set1_epi32((int32_t)e))), take));
    }
    *best_out = best;
    *pos_out = pos;
}

SP_KERNEL_INLINE void leaf(const float *x, int64_t n, int64_t np, int64_t k, bool is_min, simde__m256 *v, simde__m256i *p)
{
    if (k < np) {
        plane_lanes(x + k * n, n, is_min, v, p);
    } else {
        *v = worst_value(is_min);
        *p = simde_mm256_set1_epi32(INT32_MAX);
    }
}

/* One tree level: a and b -> both their lanes, combined. level 0: 128-bit halves; 1: lane pairs; 2: lanes. */
SP_KERNEL_INLINE void tree_step(simde__m256 *va, simde__m256i *pa, simde__m256 vb, simde__m256i pb, int level, bool is_min)
{
    simde__m256 x, y, px, py;
    if (level == 0) {
        x = simde_mm256_permute2f128_ps(*va, vb, 0x20);
        y = simde_mm256_permute2f128_ps(*va, vb, 0x31);
        px = simde_mm256_permute2f128_ps(as_ps(*pa), as_ps(pb), 0x20);
        py = simde_mm256_permute2f128_ps(as_ps(*pa), as_ps(pb), 0x31);
    } else if (level == 1) {
        x = simde_mm256_shuffle_ps(*va, vb, 0x44);
        y = simde_mm256_shuffle_ps(*va, vb, 0xEE);
        px = simde_mm256_shuffle_ps(as_ps(*pa), as_ps(pb), 0x44);
        py = simde_mm256_shuffle_ps(as_ps(*pa), as_ps(pb), 0xEE);
    } else {
        x = simde_mm256_shuffle_ps(*va, vb, 0x88);
        y = simde_mm256_shuffle_ps(*va, vb, 0xDD);
        px = simde_mm256_shuffle_ps(as_ps(*pa), as_ps(pb), 0x88);
        py = simde_mm256_shuffle_ps(as_ps(*pa), as_ps(pb), 0xDD);
    }
    simde__m256i pxi = as_si(px);
    combine(&x, &pxi, y, as_si(py), is_min);
    *va = x;
    *pa = pxi;
}

/* Global max/min of up to 8 planes: after the tree, lane 4h + m holds plane 2m + h. */
static void global_block(const float *x, int64_t n, int64_t np, float *y, int64_t *idx, const sp_pool_geometry *g,
                         bool is_min, bool with_idx)
{
    simde__m256 a, b, c, d;
    simde__m256i pa, pb, pc, pd;
    leaf(x, n, np, 0, is_min, &a, &pa);
    leaf(x, n, np, 1, is_min, &b, &pb);
    tree_step(&a, &pa, b, pb, 0, is_min);
    leaf(x, n, np, 2, is_min, &c, &pc);
    leaf(x, n, np, 3, is_min, &d, &pd);
    tree_step(&c, &pc, d, pd, 0, is_min);
    tree_step(&a, &pa, c, pc, 1, is_min);
    leaf(x, n, np, 4, is_min, &b, &pb);
    leaf(x, n, np, 5, is_min, &c, &pc);
    tree_step(&b, &pb, c, pc, 0, is_min);
    leaf(x, n, np, 6, is_min, &c, &pc);
    leaf(x, n, np, 7, is_min, &d, &pd);
    tree_step(&c, &pc, d, pd, 0, is_min);
    tree_step(&b, &pb, c, pc, 1, is_min);
    tree_step(&a, &pa, b, pb, 2, is_min);
    static const int32_t order[V] = {0, 4, 1, 5, 2, 6, 3, 7};
    const simde__m256i ord = simde_mm256_loadu_si256((const simde__m256i *)order);
    a = clamp_vec(g, simde_mm256_permutevar8x32_ps(a, ord));
    pa = simde_mm256_permutevar8x32_epi32(pa, ord);
    store_out(y, with_idx ? idx : NULL, a, widen_half(pa, 0), widen_half(pa, 1), np);
}

static void run_global(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes,
                       bool is_min, bool with_idx)
{
    const int64_t n = sp_in_plane(g);
    for (size_t p = 0; p < planes; p += V) {
        const int64_t np = planes - p < V ? (int64_t)(planes - p) : V;
        global_block(x + (int64_t)p * n, n, np, y + p, with_idx ? idx + p : NULL, g, is_min, with_idx);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Entry points */

SP_KERNEL_INLINE void extremum(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes,
                        bool is_min, bool with_idx)
{
    if (sp_in_plane(g) > SP_INT32_PLANE_LIMIT) {
        if (is_min) sp_scalar_minpool_fwd_nchw_f32(g, x, y, idx, planes);
        else sp_scalar_maxpool_fwd_nchw_f32(g, x, y, idx, planes);
        return;
    }
    if (is_global(g)) {
        run_global(g, x, y, idx, planes, is_min, with_idx);
        return;
    }
    const wplan w = make_wplan(g);
    if (w.table) run_planes(g, &w, x, y, idx, planes, MODE_GATHER, 0, 0, true, is_min, with_idx);
    else if (w.S == 2 && w.K == 2 && w.dw == 1) run_planes(g, &w, x, y, idx, planes, MODE_S2, 2, 1, false, is_min, with_idx);
    else if (w.S == 2 && w.K == 3 && w.dw == 1) run_planes(g, &w, x, y, idx, planes, MODE_S2, 3, 1, false, is_min, with_idx);
    else if (w.S == 1 && w.K == 3 && w.dw == 1) run_planes(g, &w, x, y, idx, planes, MODE_S1, 3, 1, false, is_min, with_idx);
    else if (w.S == 1) run_planes(g, &w, x, y, idx, planes, MODE_S1, 0, 0, false, is_min, with_idx);
    else if (w.S == 2) run_planes(g, &w, x, y, idx, planes, MODE_S2, 0, 0, false, is_min, with_idx);
    else run_planes(g, &w, x, y, idx, planes, MODE_GATHER, 0, 0, false, is_min, with_idx);
}

void sp_avx2_maxpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    if (idx) extremum(g, x, y, idx, planes, false, true);
    else extremum(g, x, y, NULL, planes, false, false);
}

void sp_avx2_minpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    if (idx) extremum(g, x, y, idx, planes, true, true);
    else extremum(g, x, y, NULL, planes, true, false);
}
