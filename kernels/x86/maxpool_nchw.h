/*
 * The x86 NCHW max/min forward, f32, with and without indices, shared by the AVX2 (8 lanes) and AVX-512 (16 lanes)
 * kernels. Each includes it once, after defining its vector layer (below).
 *
 * NCHW has no channel axis to vectorise over, so vectors run along the output width: a block is V consecutive
 * outputs of one output row, lane i holding output column o0 + i, whose W taps start at input column b + S*i
 * (b = o0*S - pad_begin). Every lane reduces its own window with the reference's rule `(v > best) || isnan(v)`
 * (min: `<`), so values, indices and NaN payloads are bit-identical to the scalar kernel (and so across vector
 * widths). The rule is associative (it picks the last NaN if any, else the first position of the best value),
 * so a window may be folded as (each tap row) then (the rows, in order) without changing a bit of the result.
 *
 * An output row is computed in passes over its tap rows (D taps outer, H taps inner, as the reference scans
 * them), up to three tap rows per pass; each pass runs over the row's blocks, which are independent of each
 * other, so the loop pipelines instead of waiting on one window's chain of folds. A pass folds its rows into the
 * running result the previous pass left in y (values) and `acc_rel` (int32 tap offsets), or into y and idx
 * directly when it is the last. Rows wider than CHUNK outputs are cut into chunks so that acc_rel stays on the
 * stack. 2x2/2, 3x3/2 and 3x3/1 are the same code instantiated with constant stride, kernel width and dilation;
 * any other window runs it with runtime values.
 *
 * Only the plan's full range (windows wholly inside the input) runs in vectors. The few output columns whose
 * windows the W borders clip (padding, ceil_mode: O(kernel) columns per row) are computed one by one with the
 * reference's scan. The last partial block of the full range overlaps its neighbour (single-pass rows: it
 * recomputes equal values) or loads with masks. Adaptive plans whose W windows are uniform (out divides in) run
 * as sliding windows (x86/nchw_width_plan.h); other adaptive plans gather each lane's window from the tables.
 *
 * Without indices, most sliding plans first try x86/nchw_extremum_fast.h per output row: tap rows reduced
 * vertically into a row buffer, then one horizontal pass; a row where that order could show (a NaN tap, a zero
 * output) is recomputed here, exactly. 2x2/2 and 3x3/2 rows stream without the buffer, a plane at a time.
 *
 * Indices: a lane tracks the winning tap's offset from its window start in int32; the int64 in-plane index is
 * formed once per block on store. Planes of 2^31 elements or more take the scalar reference kernel.
 *
 * The vector layer the includer defines:
 *   V; fvec (V floats), ivec (V int32), lmask (a set of lanes); SP_MAXPOOL_NCHW_ISA (avx2, avx512: the entry
 *   points' names); SP_MAXPOOL_NCHW_STRIDED (1 if load_tap implements MODE_STRIDED, strides 3..8)
 *   range_mask(lo, hi)                     lanes [lo, hi), bounds clamped to [0, V]
 *   ld_mask(fill, m, p), st_mask(p, m, v)  p[i] for the lanes of m (others: fill / untouched; never accessed)
 *   as_ps, as_si, iv_set1(x), iv_add(a, b), iv_loadu(p), iv_storeu(p, v), fv_loadu(p), fv_storeu(p, v)
 *   worst_value(is_min), clamp_vec(g, v), fold(&best, &rel, v, v_rel, is_min, with_idx): the rule above
 *   fv_even(lo, hi), fv_odd(lo, hi)        vshufps 0x88 / 0xDD: even / odd columns, in its shuffled lane order
 *   loader (with W, the row width, and vS = S*i), make_loader(S, W), unshuffle_ps(l, v), unshuffle_si(l, v)
 *   load_tap_wide(l, rb, o, p, mode, edge, fill)   load_tap (below) for strides of 3 and more
 *   i64vec (V/2 int64), i64_set1, i64_add, i64_loadu(p), widen_half(v, h): int32 lanes of half h as int64;
 *   store_out(y, idx, v, lo, hi, r)        r <= V outputs and (idx != NULL) their indices, halves lo and hi;
 *   loader.vS                              S*i (int32)
 *   gather_cols(fill, rb, first, n, j, dw) lane i: rb[first[i] + j*dw] if j < n[i], else fill[i]
 *   fast_row(fast, g, rows, nr, y, buf, is_min), run_global(g, x, y, idx, planes, is_min, with_idx)
 */
#ifndef SIMDPOOL_X86_MAXPOOL_NCHW_H
#define SIMDPOOL_X86_MAXPOOL_NCHW_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"
#include "x86/nchw_width_plan.h"

/* Planes below this many elements keep every tap offset and position in int32 lanes. */
#define SP_INT32_PLANE_LIMIT ((int64_t)INT32_MAX - 16 * V)

enum { CHUNK = 512, ROWS_PER_PASS = 3 };

/* The tap rows of one output row: D taps outer, H taps inner, `x` at the first one's column 0. */
typedef struct taprows {
    const float *x;
    int64_t base; /* in-plane offset of x */
    int64_t nd, nh, sd, sh;
} taprows;

typedef struct rowctx {
    const sp_pool_geometry *g;
    const wplan *w;
    const loader *l;
    float *y;         /* the output row */
    int64_t *idx;     /* its indices (or NULL) */
    int32_t *acc_rel; /* running tap offsets of outputs [c0, c1) between passes (index o - c0) */
    int64_t base;     /* in-plane offset of the first tap row's column 0 */
} rowctx;

/* Tap at offset o from a block's first column b for the V lanes, lane i at column p + S*i (p = b + o; rb = row + b).
   Full blocks (!edge): every needed column lies inside the row. `last_even` (S = 2): the block's largest even
   offset, whose second load would read one column past the last needed one (possibly past the input). Edge
   blocks: columns outside [0, W) are not read and become `fill`. S = 2 deinterleaves two plain loads with one
   vshufps and so returns its shuffled lane order, which block_rows undoes once per block. */
SP_KERNEL_INLINE fvec load_tap(const loader *l, const float *rb, int64_t o, int64_t p, int mode, bool edge,
                               bool last_even, fvec fill)
{
    const int64_t W = l->W;
    if (mode == MODE_S1) {
        if (!edge) return fv_loadu(rb + o);
        return ld_mask(fill, range_mask(-p, W - p), rb + o);
    }
    if (mode == MODE_S2) {
        const int64_t odd = o & 1, qc = p - odd; /* column of the first loaded element */
        const float *q = rb + o - odd;
        fvec lo, hi;
        if (!edge) {
            lo = fv_loadu(q);
            hi = last_even ? ld_mask(fill, range_mask(0, V - 1), q + V) : fv_loadu(q + V);
        } else {
            lo = ld_mask(fill, range_mask(-qc, W - qc), q);
            hi = ld_mask(fill, range_mask(-qc - V, W - qc - V), q + V);
        }
        return odd ? fv_odd(lo, hi) : fv_even(lo, hi);
    }
    return load_tap_wide(l, rb, o, p, mode, edge, fill);
}

/* r <= V finished outputs of a sliding block; lane i's index is base + S*i + trel[i]. S*i + trel[i] is an
   in-plane offset below SP_INT32_PLANE_LIMIT, so it is summed in int32 and widened once. */
SP_KERNEL_INLINE void store_block(const loader *l, float *y, int64_t *idx, fvec t, ivec trel, int64_t base, int64_t r)
{
    i64vec lo = i64_set1(0), hi = lo;
    if (idx) {
        const i64vec b64 = i64_set1(base);
        const ivec rel = iv_add(l->vS, trel);
        lo = i64_add(b64, widen_half(rel, 0));
        hi = i64_add(b64, widen_half(rel, 1));
    }
    store_out(y, idx, t, lo, hi, r);
}

/* r <= V finished outputs of a table row; lane i's index is base + first64[i] + rel[i]. */
SP_KERNEL_INLINE void store_cols(float *y, int64_t *idx, fvec v, ivec rel, int64_t base, const int64_t *first64,
                                 int64_t r)
{
    i64vec lo = i64_set1(0), hi = lo;
    if (idx) {
        const i64vec b64 = i64_set1(base);
        lo = i64_add(i64_add(b64, i64_loadu(first64)), widen_half(rel, 0));
        hi = i64_add(i64_add(b64, i64_loadu(first64 + V / 2)), widen_half(rel, 1));
    }
    store_out(y, idx, v, lo, hi, r);
}

/* Taps j < K of one row at offsets j*dw, folded in scan order. */
SP_KERNEL_INLINE void fold_row(const loader *l, const float *rb, int64_t b, int64_t rrel, int64_t K, int64_t dw, int mode,
                               bool edge, bool is_min, bool with_idx, fvec *h_out, ivec *hrel_out)
{
    const fvec fill = worst_value(is_min);
    const int64_t last = (K - 1) * dw;
    const bool last_even = (last & 1) == 0;
    fvec h = load_tap(l, rb, 0, b, mode, edge, last == 0 && last_even, fill);
    ivec hrel = iv_set1(0);
    if (with_idx) hrel = iv_set1((int32_t)rrel);
    for (int64_t j = 1; j < K; ++j) {
        const int64_t o = j * dw;
        const fvec v = load_tap(l, rb, o, b + o, mode, edge, o == last && last_even, fill);
        fold(&h, &hrel, v, iv_set1((int32_t)(rrel + o)), is_min, with_idx);
    }
    *h_out = h;
    *hrel_out = hrel;
}

/* The m tap rows of one pass for the block at column b: their fold in scan order, in natural lane order. */
SP_KERNEL_INLINE void block_rows(const loader *l, const float *const *rows, const int64_t *rrel, int m, int64_t b,
                                 int64_t K, int64_t dw, int mode, bool edge, bool is_min, bool with_idx, fvec *t_out,
                                 ivec *trel_out)
{
    fvec t;
    ivec trel;
    fold_row(l, rows[0] + b, b, rrel[0], K, dw, mode, edge, is_min, with_idx, &t, &trel);
    for (int j = 1; j < m; ++j) {
        fvec h;
        ivec hrel;
        fold_row(l, rows[j] + b, b, rrel[j], K, dw, mode, edge, is_min, with_idx, &h, &hrel);
        fold(&t, &trel, h, hrel, is_min, with_idx);
    }
    if (mode == MODE_S2) {
        t = unshuffle_ps(l, t);
        if (with_idx) trel = unshuffle_si(l, trel);
    }
    *t_out = t;
    *trel_out = trel;
}

/* Folds a block's pass result (t, trel) into the running result of outputs [o0, o0 + r) and stores it: in y and
   acc_rel between passes, finished (clamped, indices widened) after the last. b: the block's first column. */
SP_KERNEL_INLINE void finish_block(const rowctx *c, int64_t o0, int64_t c0, int64_t r, int64_t b, fvec t, ivec trel,
                                   bool first, bool last, bool is_min, bool with_idx)
{
    const lmask out_mask = range_mask(0, r);
    int32_t *acc = c->acc_rel + (o0 - c0);
    if (!first) { /* the earlier rows' result comes first in scan order */
        fvec a = r == V ? fv_loadu(c->y + o0) : ld_mask(t, out_mask, c->y + o0);
        ivec arel = trel;
        if (with_idx) arel = r == V ? iv_loadu(acc) : as_si(ld_mask(as_ps(trel), out_mask, (const float *)acc));
        fold(&a, &arel, t, trel, is_min, with_idx);
        t = a;
        trel = arel;
    }
    if (!last) {
        if (r == V) fv_storeu(c->y + o0, t);
        else st_mask(c->y + o0, out_mask, t);
        if (with_idx) {
            if (r == V) iv_storeu(acc, trel);
            else st_mask((float *)acc, out_mask, as_ps(trel));
        }
        return;
    }
    store_block(c->l, c->y + o0, with_idx ? c->idx + o0 : NULL, clamp_vec(c->g, t), trel, c->base + b, r);
}

/* A partial block: outputs [o0, o0 + r), r < V, inside the full range; loads are masked to the row so that the
   unused lanes read nothing past it. Rare (at most one per pass): out of line, runtime mode and sizes. */
SP_KERNEL_INLINE void partial_block(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t o0,
                                    int64_t c0, int64_t r, bool first, bool last, int mode, bool is_min, bool with_idx)
{
    const wplan *w = c->w;
    const int64_t b = o0 * w->S + w->shift;
    fvec t;
    ivec trel;
    if (mode == MODE_S1)
        block_rows(c->l, rows, rrel, m, b, w->K, w->dw, MODE_S1, true, is_min, with_idx, &t, &trel);
    else if (mode == MODE_S2)
        block_rows(c->l, rows, rrel, m, b, w->K, w->dw, MODE_S2, true, is_min, with_idx, &t, &trel);
#if SP_MAXPOOL_NCHW_STRIDED
    else if (mode == MODE_STRIDED)
        block_rows(c->l, rows, rrel, m, b, w->K, w->dw, MODE_STRIDED, true, is_min, with_idx, &t, &trel);
#endif
    else
        block_rows(c->l, rows, rrel, m, b, w->K, w->dw, MODE_GATHER, true, is_min, with_idx, &t, &trel);
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

SP_KERNEL_INLINE void partial_block_call(const rowctx *c, const float *const *rows, const int64_t *rrel, int m,
                                         int64_t o0, int64_t c0, int64_t r, bool first, bool last, int mode,
                                         bool is_min, bool with_idx)
{
    if (is_min) {
        if (with_idx) partial_min_idx(c, rows, rrel, m, o0, c0, r, first, last, mode);
        else partial_min(c, rows, rrel, m, o0, c0, r, first, last, mode);
    } else {
        if (with_idx) partial_max_idx(c, rows, rrel, m, o0, c0, r, first, last, mode);
        else partial_max(c, rows, rrel, m, o0, c0, r, first, last, mode);
    }
}

/* One pass over outputs [c0, c1) of the full range: blocks of V, the hot loop. A trailing partial block either
   overlaps the previous one (single-pass rows only: it recomputes equal values from scratch) or is masked. */
SP_KERNEL_INLINE void pass(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t c0,
                           int64_t c1, bool first, bool last, bool overlap, int mode, int64_t KC, int64_t DWC,
                           bool is_min, bool with_idx)
{
    const wplan *w = c->w;
    const int64_t K = KC ? KC : w->K, dw = DWC ? DWC : w->dw, S = w->S;
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
        fvec t;
        ivec trel;
        block_rows(c->l, rows, rrel, m, b, K, dw, mode, false, is_min, with_idx, &t, &trel);
        finish_block(c, o0, c0, V, b, t, trel, first, last, is_min, with_idx);
        o0 += V;
    }
}

/* Dispatches a pass on its number of rows (1..3, a compile-time constant inside). */
SP_KERNEL_INLINE void pass_m(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t c0,
                             int64_t c1, bool first, bool last, bool overlap, int mode, int64_t KC, int64_t DWC,
                             bool is_min, bool with_idx)
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
    const fvec fill = worst_value(is_min);
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
        const ivec fv = iv_loadu(f), nv = iv_loadu(n);
        fvec best = fill;
        ivec rel = iv_set1(0);
        for (int64_t jd = 0; jd < t->nd; ++jd) {
            for (int64_t jh = 0; jh < t->nh; ++jh) {
                const int64_t rrel = jd * t->sd + jh * t->sh;
                const float *rb = t->x + rrel;
                for (int32_t j = 0; j < max_taps; ++j) {
                    const fvec v = gather_cols(fill, rb, fv, nv, j, dw);
                    fold(&best, &rel, v, iv_set1((int32_t)(rrel + j * dw)), is_min, with_idx);
                }
            }
        }
        store_cols(y + o0, with_idx ? idx + o0 : NULL, clamp_vec(g, best), rel, t->base, f64, r);
    }
}

/* Every output row of `planes` planes. mode: how a tap is loaded (MODE_*); KC/DWC: compile-time kernel width
   and dilation (0: the plan's); table: non-uniform adaptive windows. */
SP_KERNEL_INLINE void run_planes(const sp_pool_geometry *g, const wplan *w, const float *x, float *y, int64_t *idx,
                                 size_t planes, int mode, int64_t KC, int64_t DWC, bool table, bool is_min,
                                 bool with_idx)
{
    const int64_t H = g->in[1], W = g->in[2], HW = H * W, in_plane = g->in[0] * HW;
    const int64_t out_h = g->out[1], out_w = g->out[2], out_plane = sp_out_plane(g);
    const loader l = make_loader(table ? 1 : w->S, W);
    rowctx c;
    int32_t acc_rel[CHUNK];
    c.acc_rel = acc_rel;
    c.g = g;
    c.w = w;
    c.l = &l;
    taprows t;
    t.sd = g->dilation[0] * HW;
    t.sh = g->dilation[1] * W;
    const sp_fast_plan fast =
        with_idx ? (sp_fast_plan){0} : sp_fast_plan_make(g, w->K, w->S, w->dw, w->shift, w->fb, w->fe, table);
    const bool fast_plane = sp_fast_stream_planes(&fast, g);
    _Alignas(64) float fast_buf[SP_FAST_BUF];
    const float *fast_rows[SP_FAST_MAX_ROWS];
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
                    if (nr && fast_row(&fast, g, fast_rows, nr, c.y, fast_buf, is_min)) continue;
                }
                if (table) row_table(g, &t, c.y, c.idx, is_min, with_idx);
                else row_sliding(&c, &t, mode, KC, DWC, is_min, with_idx);
            }
        }
    }
}

SP_KERNEL_INLINE void extremum(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes,
                               bool is_min, bool with_idx)
{
    if (sp_in_plane(g) > SP_INT32_PLANE_LIMIT) {
        if (is_min) sp_scalar_minpool_fwd_nchw_f32(g, x, y, idx, planes);
        else sp_scalar_maxpool_fwd_nchw_f32(g, x, y, idx, planes);
        return;
    }
    if (sp_is_global(g)) {
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
#if SP_MAXPOOL_NCHW_STRIDED
    else if (w.S <= 8) run_planes(g, &w, x, y, idx, planes, MODE_STRIDED, 0, 0, false, is_min, with_idx);
#endif
    else run_planes(g, &w, x, y, idx, planes, MODE_GATHER, 0, 0, false, is_min, with_idx);
}

/* The entry points, sp_<isa>_{max,min}pool_fwd_nchw_f32: with_idx a constant in each instance. */
#define SP_MAXPOOL_NCHW_ENTRY_(isa, family, IS_MIN)                                                            \
    void sp_##isa##_##family##_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, \
                                            size_t planes)                                                      \
    {                                                                                                           \
        if (idx) extremum(g, x, y, idx, planes, IS_MIN, true);                                                  \
        else extremum(g, x, y, NULL, planes, IS_MIN, false);                                                    \
    }
#define SP_MAXPOOL_NCHW_ENTRY(isa, family, IS_MIN) SP_MAXPOOL_NCHW_ENTRY_(isa, family, IS_MIN)
SP_MAXPOOL_NCHW_ENTRY(SP_MAXPOOL_NCHW_ISA, maxpool, false)
SP_MAXPOOL_NCHW_ENTRY(SP_MAXPOOL_NCHW_ISA, minpool, true)
#undef SP_MAXPOOL_NCHW_ENTRY
#undef SP_MAXPOOL_NCHW_ENTRY_

#endif /* SIMDPOOL_X86_MAXPOOL_NCHW_H */
