/*
 * Fast paths of the x86 NCHW average forward, shared by the AVX2 and AVX-512 kernels and written once against
 * a small vector interface that each includer defines first (V lanes of float):
 *
 *   fvec, fcol                   a float vector, an int32 vector of column numbers
 *   fv_zero() fv_set1(f) fv_load(p) fv_store(p, v) fv_add(a, b) fv_mul(a, b) fv_div(a, b)
 *   fv_clamp(v, lo, hi)          v clamped to [lo, hi], NaN preserved
 *   fv_load_n(p, n) fv_store_n(p, n, v)   lanes [0, n) only (0 <= n <= V); other lanes read +0
 *   fmask, fm_first(n), fv_load_m(p, m), fv_store_m(p, m, v)   the same with a mask made once (n clamped)
 *   fv_pair_sum(lo, hi)          lane i: e[2i] + e[2i+1] of the 2V floats e = lo | hi, in natural order
 *   fpairrows, fp_rows(n), fv_pair_sum_rows(lo, hi, rows)   for 2n <= V: lane i < n: lo[2i] + lo[2i+1];
 *                                lane n + i < 2n: hi[2i] + hi[2i+1] (two rows' pair sums side by side)
 *   fc_first(W)                  lane i: i mod W (the columns of a plane's first V elements)
 *   fc_next(c, step, W)          c + step, wrapped into [0, W) (step = V mod W, so one wrap is enough)
 *   fv_load_cols(p, c, off, W, n)  lane i: p[i + off] if lane i < n and 0 <= c[i] + off < W, else +0
 *   fv_load_lanes(p, lo, hi)     lane i: p[i] for i in [lo, hi) (bounds clamped to [0, V)), else +0
 *   fv_shift_in_prev(prev, cur)  lane i: element V - 1 + i of the 2V floats prev | cur (one lane later)
 *   fv_shift_in_next(cur, next)  lane i: element i + 1 of cur | next (one lane earlier)
 *   fv_and_keep(v, keep)         v with +0 in the lanes whose int32 keep[i] is 0 (else all ones)
 *
 * These paths trade the reference's row-major summation order and its division for fewer operations: a window
 * is summed separably (one axis's taps, then those partial sums) and the sum is multiplied by the reciprocal of
 * the divisor. Each output is computed by the same formula whatever V is, so AVX2 and AVX-512 agree bit for bit,
 * but they differ from the scalar kernel by rounding. Tolerance: for a window of n taps, any summation order
 * is within (n - 1) * u * sum|x| of the exact sum (u = 2^-24), and the rounded reciprocal and the product add
 * 2u relative, so |y - sum(x)/divisor| <= (n + 1) * u * sum|x| / divisor (tests/test_simd_nchw.cc checks it
 * against the scalar kernel, tests/test_simd_avg_fast.cc against an exact average for the 3x3/1 path).
 * Taps outside the input count as +0, which changes no sum except that a window of -0 alone may give -0. NaN
 * and infinite inputs give NaN and infinities as the reference does, except where a partial sum overflows:
 * then the order decides (inf + -FLT_MAX + -FLT_MAX is inf one way and NaN another).
 *
 * - 3x3/1 windows with padding 1 and "same" output size (Inception's avg pool): one pass over the plane taken
 *   as a flat array, V outputs per block. The block's column sums (rows above, at and below, added in that
 *   order; rows outside the plane read +0) come from three plain loads; the sums at the columns left and right
 *   of each lane are the neighbouring blocks' column sums shifted by one lane, zeroed where the neighbour lies
 *   outside the row (column 0, column W - 1). Output = (left + centre) + right, times the reciprocal. Nothing
 *   is stored but the outputs (the path below stores every row sum and loads it back three times).
 * - Other separable "same width" stride-1 windows (5x5/1 p2, dilated, asymmetric padding ...): a row pass
 *   writes the W sums of every input position into a scratch plane that has zero rows above and below,
 *   treating the plane as one flat array so no lane is wasted on short rows (columns outside a row are masked);
 *   a column pass then adds whole scratch rows with plain loads, the zero rows standing in for the padding.
 * - 2x2 windows of stride 2 without padding (also adaptive pooling to exactly half size): the two input rows
 *   are added, then adjacent columns, (a0 + b0) + (a1 + b1). Where two output rows fit one vector (2 * out_w
 *   <= V: 14x14 -> 7x7 in 16 lanes) they share it, side by side as they lie in the output.
 */
#ifndef SIMDPOOL_X86_AVGPOOL_NCHW_FAST_H
#define SIMDPOOL_X86_AVGPOOL_NCHW_FAST_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"

/* Scratch of the separable path, on the stack: the row sums of one plane with its zero rows, and the
   reciprocals of the divisors. Planes larger than this take the exact path. */
enum { SEP_MAX_SCRATCH = 4608, SEP_MAX_OUT = 4096 };

/* The rows the column pass reads, relative to input row 0: [sep_row_lo, sep_row_hi). */
static inline int64_t sep_row_lo(const sp_pool_geometry *g) { return -g->pad_begin[1]; }
static inline int64_t sep_row_hi(const sp_pool_geometry *g)
{
    const int64_t last = g->out[1] - 1 - g->pad_begin[1] + (g->kernel[1] - 1) * g->dilation[1] + 1;
    return last > g->in[1] ? last : g->in[1];
}

static bool sep_ok(const sp_pool_geometry *g)
{
    if (!(g->in[0] == 1 && g->out[0] == 1 && g->kernel[1] > 0 && g->kernel[2] > 0 && g->stride[1] == 1 &&
          g->stride[2] == 1 && g->out[2] == g->in[2]))
        return false;
    const int64_t rows = sep_row_hi(g) - sep_row_lo(g);
    return rows * g->in[2] + V <= SEP_MAX_SCRATCH && sp_out_plane(g) <= SEP_MAX_OUT;
}

/* The fused clamp, its flag and bounds read once per call. */
typedef struct fclamp {
    bool on;
    fvec lo, hi;
} fclamp;

static inline fclamp fclamp_of(const sp_pool_geometry *g)
{
    fclamp c;
    c.on = g->clamp_output != 0;
    c.lo = fv_set1(g->clamp_min);
    c.hi = fv_set1(g->clamp_max);
    return c;
}

SP_KERNEL_INLINE fvec apply_clamp(const fclamp *c, fvec v) { return c->on ? fv_clamp(v, c->lo, c->hi) : v; }

/* Row sums at input positions [b, b + n) of one plane whose columns are `col`. */
SP_KERNEL_INLINE fvec sep_row_block(const float *xb, fcol col, int64_t kw_n, int64_t dw, int64_t pw, int64_t W, int64_t n)
{
    fvec s = fv_load_cols(xb, col, -pw, W, n);
    for (int64_t kw = 1; kw < kw_n; ++kw) s = fv_add(s, fv_load_cols(xb, col, kw * dw - pw, W, n));
    return s;
}

/* Sum of the row sums of outputs [b, b + V); hb is the scratch at the first tap row of output b. */
SP_KERNEL_INLINE fvec sep_col_block(const float *hb, int64_t kh_n, int64_t row_step)
{
    fvec s = fv_load(hb);
    for (int64_t kh = 1; kh < kh_n; ++kh) s = fv_add(s, fv_load(hb + kh * row_step));
    return s;
}

/* r[i] = 1 / d[i], i < n (per call, so V at a time). */
SP_KERNEL_INLINE void fill_reciprocals(float *r, const float *d, int64_t n)
{
    int64_t i = 0;
    for (; i + V <= n; i += V) fv_store(r + i, fv_div(fv_set1(1.0f), fv_load(d + i)));
    for (; i < n; ++i) r[i] = 1.0f / d[i];
}

/* 3x3 windows of stride 1, dilation 1 and padding 1 on both axes whose output plane is the input plane. */
static bool same3_ok(const sp_pool_geometry *g)
{
    for (int a = 1; a < SP_AXES; ++a)
        if (g->kernel[a] != 3 || g->stride[a] != 1 || g->dilation[a] != 1 || g->pad_begin[a] != 1 ||
            g->out[a] != g->in[a])
            return false;
    return g->in[0] == 1 && g->out[0] == 1 && sp_out_plane(g) <= SEP_MAX_OUT;
}

/* Column sums (row above + row) + row below at flat positions [b, b + V) of a plane of n elements and row
   length W. INSIDE: all three rows' loads lie in the plane; else positions outside it read +0. */
SP_KERNEL_INLINE fvec same3_col_sums(const float *xp, int64_t b, int64_t n, int64_t W, bool INSIDE)
{
    if (INSIDE) return fv_add(fv_add(fv_load(xp + b - W), fv_load(xp + b)), fv_load(xp + b + W));
    if (b >= n) return fv_zero();
    const fvec above = fv_load_lanes(xp + b - W, W - b, n - b);
    const fvec mid = fv_load_lanes(xp + b, 0, n - b);
    const fvec below = fv_load_lanes(xp + b + W, 0, n - b - W);
    return fv_add(fv_add(above, mid), below);
}

/* Per-call tables of the 3x3/1 path, indexed by flat output position: the reciprocals of the divisors, and
   all-ones where the left (right) neighbour is in the same row, else 0. A partial last block reads V - 1
   entries past the plane (lanes never stored). */
typedef struct same3_tables {
    float recip[SEP_MAX_OUT + V];
    int32_t keep_left[SEP_MAX_OUT + V], keep_right[SEP_MAX_OUT + V];
} same3_tables;

/* Outputs [b, b + V) of one plane from the column sums of the blocks at b - V, b and b + V; FULL: all V
   are inside the plane. */
SP_KERNEL_INLINE void same3_block(const same3_tables *t, const fclamp *clamp, float *yp, int64_t b, int64_t n,
                                  fvec prev, fvec cur, fvec next, bool FULL)
{
    const fvec left = fv_and_keep(fv_shift_in_prev(prev, cur), t->keep_left + b);
    const fvec right = fv_and_keep(fv_shift_in_next(cur, next), t->keep_right + b);
    const fvec s = fv_add(fv_add(left, cur), right);
    if (FULL) fv_store(yp + b, apply_clamp(clamp, fv_mul(s, fv_load(t->recip + b))));
    else fv_store_n(yp + b, n - b, apply_clamp(clamp, fv_mul(s, fv_load_n(t->recip + b, n - b))));
}

SP_KERNEL_INLINE void run_same3(const sp_pool_geometry *g, const float *x, float *y, size_t planes)
{
    const int64_t W = g->in[2], n = g->in[1] * W;
    const fclamp clamp = fclamp_of(g);
    same3_tables t;
    /* Built per call, so without a division per element (the column counts up and wraps). */
    for (int64_t i = 0, c = 0; i < n; ++i) {
        t.keep_left[i] = c != 0 ? -1 : 0;
        t.keep_right[i] = c != W - 1 ? -1 : 0;
        if (++c == W) c = 0;
    }
    fill_reciprocals(t.recip, g->divisor, n);
    for (int64_t i = n; i < n + V; ++i) t.recip[i] = 1.0f, t.keep_left[i] = t.keep_right[i] = 0;
    for (size_t p = 0; p < planes; ++p) {
        const float *xp = x + (int64_t)p * n;
        float *yp = y + (int64_t)p * n;
        fvec prev = fv_zero(), cur = same3_col_sums(xp, 0, n, W, false);
        int64_t b = 0;
        /* The next block's rows above start before the plane, lie inside it, or run past its end. */
        for (; b < n && b + V < W; b += V) {
            const fvec next = same3_col_sums(xp, b + V, n, W, false);
            same3_block(&t, &clamp, yp, b, n, prev, cur, next, b + V <= n);
            prev = cur;
            cur = next;
        }
        for (; b + 2 * V + W <= n; b += V) {
            const fvec next = same3_col_sums(xp, b + V, n, W, true);
            same3_block(&t, &clamp, yp, b, n, prev, cur, next, true);
            prev = cur;
            cur = next;
        }
        for (; b < n; b += V) {
            const fvec next = same3_col_sums(xp, b + V, n, W, false);
            same3_block(&t, &clamp, yp, b, n, prev, cur, next, b + V <= n);
            prev = cur;
            cur = next;
        }
    }
}

/* FIXED3: the window is 3x3, dilation 1, padding 1 (compile-time offsets); otherwise the plan's. */
SP_KERNEL_INLINE void run_sep(const sp_pool_geometry *g, const float *x, float *y, size_t planes, bool FIXED3)
{
    const int64_t W = g->in[2], n_in = g->in[1] * W, n_out = sp_out_plane(g);
    const int64_t kh_n = FIXED3 ? 3 : g->kernel[1], kw_n = FIXED3 ? 3 : g->kernel[2];
    const int64_t dh = FIXED3 ? 1 : g->dilation[1], dw = FIXED3 ? 1 : g->dilation[2];
    const int64_t ph = FIXED3 ? 1 : g->pad_begin[1], pw = FIXED3 ? 1 : g->pad_begin[2];
    const int64_t lo = sep_row_lo(g), rows = sep_row_hi(g) - lo;
    const fclamp clamp = fclamp_of(g);
    /* Two scratch planes: the column pass of plane p runs after the row pass of plane p + 1, so that it reads
       row sums stored long before (reading them back at once, across store boundaries, stalls forwarding). */
    float scratch[2][SEP_MAX_SCRATCH], recip[SEP_MAX_OUT];
    /* Zero rows above and below the plane, and V slack after it that the column pass's last block reads. */
    for (int k = 0; k < 2; ++k) {
        for (int64_t i = 0; i < -lo * W; ++i) scratch[k][i] = 0.0f;
        for (int64_t i = n_in - lo * W; i < rows * W + V; ++i) scratch[k][i] = 0.0f;
    }
    fill_reciprocals(recip, g->divisor, n_out);

    const int64_t step = V % W, row_step = dh * W;
    for (size_t p = 0; p <= planes; ++p) {
        if (p < planes) { /* row pass of plane p; h[r * W + c]: row sum at input row r, column c */
            const float *xp = x + (int64_t)p * n_in;
            float *h = scratch[p & 1] - lo * W;
            fcol col = fc_first(W);
            int64_t b = 0;
            for (; b + V <= n_in; b += V) {
                fv_store(h + b, sep_row_block(xp + b, col, kw_n, dw, pw, W, V));
                col = fc_next(col, step, W);
            }
            if (b < n_in) fv_store_n(h + b, n_in - b, sep_row_block(xp + b, col, kw_n, dw, pw, W, n_in - b));
        }
        if (p > 0) { /* column pass of plane p - 1 */
            const float *h = scratch[(p - 1) & 1] - lo * W - ph * W;
            float *yp = y + (int64_t)(p - 1) * n_out;
            int64_t b = 0;
            for (; b + V <= n_out; b += V) {
                const fvec s = sep_col_block(h + b, kh_n, row_step);
                fv_store(yp + b, apply_clamp(&clamp, fv_mul(s, fv_load(recip + b))));
            }
            if (b < n_out) {
                const fvec s = sep_col_block(h + b, kh_n, row_step);
                fv_store_n(yp + b, n_out - b, apply_clamp(&clamp, fv_mul(s, fv_load_n(recip + b, n_out - b))));
            }
        }
    }
}

/* ---------------------------------------------------------------------------------------------------------- */

/* 2-D, every window 2x2 at (2*oh, 2*ow), all taps inside the input (sliding 2x2/2 unpadded, with floor mode, or
   adaptive pooling to half size), and one divisor for all. */
static bool pairs_ok(const sp_pool_geometry *g)
{
    if (g->in[0] != 1 || g->out[0] != 1) return false;
    for (int a = 1; a < SP_AXES; ++a) {
        if (g->dilation[a] != 1) return false;
        for (int64_t o = 0; o < g->out[a]; ++o)
            if (g->first[a][o] != 2 * o || g->taps[a][o] != 2) return false;
    }
    const int64_t n_out = sp_out_plane(g);
    for (int64_t i = 1; i < n_out; ++i)
        if (g->divisor[i] != g->divisor[0]) return false;
    return true;
}

SP_KERNEL_INLINE void run_pairs(const sp_pool_geometry *g, const float *x, float *y, size_t planes)
{
    const int64_t W = g->in[2], n_in = g->in[1] * W, out_h = g->out[1], out_w = g->out[2];
    const fvec r = fv_set1(1.0f / g->divisor[0]);
    const fclamp clamp = fclamp_of(g);
    const bool two = 2 * out_w > V;
    const fmask in_lo = fm_first(2 * out_w), in_hi = fm_first(2 * out_w - V), out_m = fm_first(out_w);
    const fmask rows_m = fm_first(2 * out_w);
    const fpairrows rows = fp_rows(2 * out_w <= V ? out_w : 1);
    for (size_t p = 0; p < planes; ++p) {
        const float *xp = x + (int64_t)p * n_in;
        float *yp = y + (int64_t)p * out_h * out_w;
        int64_t oh = 0;
        if (2 * out_w <= V) { /* two rows per vector: row oh's 2 * out_w inputs in lo, row oh + 1's in hi */
            for (; oh + 2 <= out_h; oh += 2) {
                const float *a = xp + 2 * oh * W, *b = a + W, *c = b + W, *d = c + W;
                const fvec lo = fv_add(fv_load_m(a, in_lo), fv_load_m(b, in_lo));
                const fvec hi = fv_add(fv_load_m(c, in_lo), fv_load_m(d, in_lo));
                fv_store_m(yp + oh * out_w, rows_m, apply_clamp(&clamp, fv_mul(fv_pair_sum_rows(lo, hi, rows), r)));
            }
        }
        for (; oh < out_h; ++oh) {
            const float *a = xp + 2 * oh * W, *b = a + W;
            float *yr = yp + oh * out_w;
            if (out_w < V) { /* one partial block: 2 * out_w inputs per row, the first V in lo */
                const fvec lo = fv_add(fv_load_m(a, in_lo), fv_load_m(b, in_lo));
                const fvec hi = two ? fv_add(fv_load_m(a + V, in_hi), fv_load_m(b + V, in_hi)) : fv_zero();
                fv_store_m(yr, out_m, apply_clamp(&clamp, fv_mul(fv_pair_sum(lo, hi), r)));
                continue;
            }
            /* The last block overlaps its neighbour, recomputing equal values. */
            for (int64_t o0 = 0; o0 < out_w; o0 += V) {
                if (o0 + V > out_w) o0 = out_w - V;
                const float *ai = a + 2 * o0, *bi = b + 2 * o0;
                const fvec lo = fv_add(fv_load(ai), fv_load(bi));
                const fvec hi = fv_add(fv_load(ai + V), fv_load(bi + V));
                fv_store(yr + o0, apply_clamp(&clamp, fv_mul(fv_pair_sum(lo, hi), r)));
            }
        }
    }
}

/* Runs the plan through a fast path if one applies. */
static bool run_fast_path(const sp_pool_geometry *g, const float *x, float *y, size_t planes)
{
    if (same3_ok(g)) {
        run_same3(g, x, y, planes);
        return true;
    }
    if (sep_ok(g)) {
        if (g->kernel[1] == 3 && g->kernel[2] == 3 && g->dilation[1] == 1 && g->dilation[2] == 1 &&
            g->pad_begin[1] == 1 && g->pad_begin[2] == 1)
            run_sep(g, x, y, planes, true);
        else
            run_sep(g, x, y, planes, false);
        return true;
    }
    if (pairs_ok(g)) {
        run_pairs(g, x, y, planes);
        return true;
    }
    return false;
}

#endif /* SIMDPOOL_X86_AVGPOOL_NCHW_FAST_H */
