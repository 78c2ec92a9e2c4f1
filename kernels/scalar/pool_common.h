/*
 * Helpers shared by the scalar kernels (private to kernels/scalar/): walking a window's taps in scan order,
 * the max/min rule, the forward clamp, NHWC channel zeroing and blocking, the LP norm's per-tap terms, and the
 * NCHW forward's row-at-a-time reduction.
 *
 * Offsets are "pixel" offsets inside one input plane (d*H*W + h*W + w), which is also the value stored as an
 * index. NCHW kernels use them as element offsets into the plane; NHWC kernels multiply by the channel count.
 */
#ifndef SIMDPOOL_SCALAR_POOL_COMMON_H
#define SIMDPOOL_SCALAR_POOL_COMMON_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "kernels.h"

/* The kernels' inner helpers take compile-time flags (min vs max, with or without indices, LP's order); forcing
 * them inline lets the compiler fold each flag, so every public kernel gets its own branch-free loops. */
#if defined(__GNUC__) || defined(__clang__)
#define SP_ALWAYS_INLINE inline __attribute__((always_inline))
#else
#define SP_ALWAYS_INLINE inline
#endif

/* Channels per block in NHWC kernels that need per-channel temporaries: they live on the stack, and C may be
 * far too large for a C-sized array there. */
enum { SP_CHANNEL_BLOCK = 64 };

/* ---------------------------------------------------------------------------------------------------------- */
/* Windows                                                                                                    */

/* The windows of one output row (od, oh): the D and H taps are fixed for the whole row, only W varies. */
typedef struct sp_row {
    int64_t base;           /* pixel offset of the first D tap and first H tap, at w = 0 */
    int64_t nd, nh;         /* taps along D and H inside the input */
    int64_t sd, sh, sw;     /* pixel distance between consecutive taps along D, H and W */
    const int64_t *w_first; /* per output column: first W tap */
    const int32_t *w_taps;  /* per output column: taps along W */
} sp_row;

/* The window of one output position. */
typedef struct sp_window {
    int64_t first;      /* pixel offset of the first tap in scan order (meaningless if the window is empty) */
    int64_t nd, nh, nw; /* taps along D, H and W */
    int64_t sd, sh, sw;
} sp_window;

/* Row r = od * out[1] + oh of the output. */
static inline sp_row sp_row_at(const sp_pool_geometry *g, int64_t r)
{
    const int64_t od = r / g->out[1], oh = r - od * g->out[1];
    const int64_t plane_row = g->in[2], plane_slice = g->in[1] * g->in[2];
    sp_row row;
    row.base = g->first[0][od] * plane_slice + g->first[1][oh] * plane_row;
    row.nd = g->taps[0][od];
    row.nh = g->taps[1][oh];
    row.sd = g->dilation[0] * plane_slice;
    row.sh = g->dilation[1] * plane_row;
    row.sw = g->dilation[2];
    row.w_first = g->first[2];
    row.w_taps = g->taps[2];
    return row;
}

static inline sp_window sp_window_at(const sp_row *row, int64_t ow)
{
    sp_window w;
    w.first = row->base + row->w_first[ow];
    w.nd = row->nd;
    w.nh = row->nh;
    w.nw = row->w_taps[ow];
    w.sd = row->sd;
    w.sh = row->sh;
    w.sw = row->sw;
    return w;
}

static inline int64_t sp_window_taps(const sp_window *w) { return w->nd * w->nh * w->nw; }

/*
 * for (each tap of window `win` in scan order: D outer, then H, then W) with `off` its pixel offset:
 *   SP_FOR_EACH_TAP(win, off) { ... }
 * The body is the innermost loop's: `continue` skips to the next tap, but `break` only leaves the W run.
 * An empty window (any axis with 0 taps) runs the body zero times.
 */
#define SP_FOR_EACH_TAP(win, off)                                                                              \
    for (int64_t off##_d_ = (win).first, off##_d_end_ = off##_d_ + (win).nd * (win).sd; off##_d_ < off##_d_end_; \
         off##_d_ += (win).sd)                                                                                 \
        for (int64_t off##_h_ = off##_d_, off##_h_end_ = off##_h_ + (win).nh * (win).sh;                      \
             off##_h_ < off##_h_end_; off##_h_ += (win).sh)                                                    \
            for (int64_t off = off##_h_, off##_w_end_ = off + (win).nw * (win).sw; off < off##_w_end_;          \
                 off += (win).sw)

/* ---------------------------------------------------------------------------------------------------------- */
/* Values                                                                                                     */

/* The max/min rule (PyTorch's): a later tap wins if strictly better or NaN, so ties keep the first position
 * and a window holding NaN yields NaN at the last NaN's position. */
static SP_ALWAYS_INLINE int sp_wins(float v, float best, int is_min)
{
    /* `|`, not `||`: both sides are cheap and side-effect free, and a branch-free form lets loops vectorise. */
    return (is_min ? v < best : v > best) | (isnan(v) != 0);
}

/* The value the rule keeps, sp_wins(v, best) ? v : best, written so that compilers emit maxss/minss plus a
 * rarely taken NaN test (or a blend in vector loops) rather than an unpredictable branch. */
static SP_ALWAYS_INLINE float sp_pick(float v, float best, int is_min)
{
    return isnan(v) ? v : is_min ? (v < best ? v : best) : (v > best ? v : best);
}

/* The position the rule keeps, as a branch-free blend (a 64-bit all-ones/zero mask is what compilers vectorise
 * and what keeps scalar code free of mispredicted branches on random data). */
static SP_ALWAYS_INLINE int64_t sp_pick_at(float v, float best, int is_min, int64_t off, int64_t best_at)
{
    const int64_t won = -(int64_t)sp_wins(v, best, is_min);
    return (best_at & ~won) | (off & won);
}

/* The forward clamp (fused ReLU / ReLU6), applied to n consecutive outputs once they are final. */
static inline void sp_clamp_span(const sp_pool_geometry *g, float *y, int64_t n)
{
    if (!g->clamp_output) return;
    const float lo = g->clamp_min, hi = g->clamp_max;
    for (int64_t i = 0; i < n; ++i) y[i] = sp_clamp(y[i], lo, hi);
}

/* NHWC backward: zero channels [c_begin, c_end) of every one of `pixels` pixels (C channels each). */
static inline void sp_zero_channels_nhwc(float *dx, int64_t pixels, int64_t channels, int64_t c_begin, int64_t c_end)
{
    const size_t bytes = (size_t)(c_end - c_begin) * sizeof(float);
    if (c_begin == 0 && c_end == channels) {
        memset(dx, 0, (size_t)pixels * bytes);
        return;
    }
    for (int64_t p = 0; p < pixels; ++p) memset(dx + p * channels + c_begin, 0, bytes);
}

/* SoftPool: a tap of weight 0 (x = -inf, or e^(x - m) underflowing) contributes nothing to the weighted sum or
 * to the gradient — where the plain product would give 0 * -inf = NaN. */
static SP_ALWAYS_INLINE float sp_soft_product(float w, float v) { return w > 0.0f ? w * v : 0.0f; }
/* The gradient of one tap, dy/S * w * (1 + x - y), with the same rule for weight-0 taps. */
static SP_ALWAYS_INLINE float sp_soft_grad(float dy_over_s, float w, float v, float y)
{
    return w > 0.0f ? dy_over_s * w * (1.0f + v - y) : 0.0f;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* LP norm: y = (sum |x|^p)^(1/p). The kernels pick the order's mode once per call; p = 1 and p = 2 skip powf. */

enum sp_lp_mode { SP_LP_GENERAL = 0, SP_LP_1 = 1, SP_LP_2 = 2 };

static inline enum sp_lp_mode sp_lp_mode_of(float p) { return p == 1.0f ? SP_LP_1 : p == 2.0f ? SP_LP_2 : SP_LP_GENERAL; }

/* Forward: one tap's term of the sum. */
static SP_ALWAYS_INLINE float sp_lp_term(float x, float p, enum sp_lp_mode mode)
{
    return mode == SP_LP_1 ? fabsf(x) : mode == SP_LP_2 ? x * x : powf(fabsf(x), p);
}

/* Forward: the norm from the sum of terms (an empty window's sum 0 gives 0 in every mode, as p > 0). */
static SP_ALWAYS_INLINE float sp_lp_finish(float sum, float inv_p, enum sp_lp_mode mode)
{
    return mode == SP_LP_1 ? sum : mode == SP_LP_2 ? sqrtf(sum) : powf(sum, inv_p);
}

/*
 * Backward: dx_i = dy * sign(x_i) * |x_i|^(p-1) / y^(p-1), split into a per-output factor dy / y^(p-1) and a
 * per-tap term sign(x_i) * |x_i|^(p-1). Callers add nothing where y == 0.
 */
static SP_ALWAYS_INLINE float sp_lp_grad_factor(float dy, float y, float p, enum sp_lp_mode mode)
{
    return mode == SP_LP_1 ? dy : mode == SP_LP_2 ? dy / y : dy / powf(y, p - 1.0f);
}

/* sign(0) = 0 (also where |0|^(p-1) is infinite, p < 1); NaN stays NaN. */
static SP_ALWAYS_INLINE float sp_lp_grad_term(float x, float p, enum sp_lp_mode mode)
{
    if (mode == SP_LP_2) return x;
    if (mode == SP_LP_1) return x > 0.0f ? 1.0f : x < 0.0f ? -1.0f : x; /* x is then ±0 or NaN */
    return x == 0.0f ? 0.0f : copysignf(powf(fabsf(x), p - 1.0f), x);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* NCHW forward: one output row at a time                                                                     */

/*
 * Reductions that sp_nchw_reduce_row runs: the max/min rule (optionally tracking the winning position) or a
 * sum of per-tap terms (plain for AVG, LP's term for LP).
 */
enum sp_reduce { SP_REDUCE_MAX, SP_REDUCE_MIN, SP_REDUCE_SUM, SP_REDUCE_LP1, SP_REDUCE_LP2, SP_REDUCE_LP };

/* One tap of one window: acc (and at) are that output's running state. No data-dependent branches (only
 * sp_pick's rarely taken NaN test), so scalar loops pipeline and full-range loops vectorise. */
static SP_ALWAYS_INLINE void sp_reduce_tap(enum sp_reduce op, int with_idx, float p, float v, int64_t off,
                                           float *acc, int64_t *at)
{
    switch (op) {
    case SP_REDUCE_MAX:
    case SP_REDUCE_MIN: {
        const int is_min = op == SP_REDUCE_MIN;
        if (with_idx) *at = sp_pick_at(v, *acc, is_min, off, *at);
        *acc = sp_pick(v, *acc, is_min);
        break;
    }
    case SP_REDUCE_SUM: *acc += v; break;
    case SP_REDUCE_LP1: *acc += sp_lp_term(v, p, SP_LP_1); break;
    case SP_REDUCE_LP2: *acc += sp_lp_term(v, p, SP_LP_2); break;
    case SP_REDUCE_LP: *acc += sp_lp_term(v, p, SP_LP_GENERAL); break;
    }
}

/* Taps j of the windows [begin, end) of a row whose windows all have `taps` taps at first = ow * stride + shift:
 * the plan's "full" range. The stride is a parameter so that callers can pass 1 and 2 as constants. */
static SP_ALWAYS_INLINE void sp_reduce_full_range(enum sp_reduce op, int with_idx, float p, const float *restrict x,
                                                  int64_t row_offset, int64_t shift, int64_t stride, int64_t taps,
                                                  int64_t sw, int64_t begin, int64_t end, float *restrict acc,
                                                  int64_t *restrict at)
{
    for (int64_t j = 0; j < taps; ++j) {
        const int64_t tap0 = row_offset + shift + j * sw; /* pixel offset of tap j of window 0 */
        for (int64_t ow = begin; ow < end; ++ow) {
            const int64_t off = tap0 + ow * stride;
            sp_reduce_tap(op, with_idx, p, x[off], off, &acc[ow], with_idx ? &at[ow] : NULL);
        }
    }
}

/*
 * Reduces every window of output row `row` of one NCHW plane into acc[ow] (and at[ow]), which the caller has
 * initialised. The loops run the window's (d, h) tap rows outermost and the output columns innermost, so that
 * consecutive iterations are independent (different outputs) and, on the plan's full range, have a constant
 * stride: that is what lets the compiler pipeline and vectorise a reduction that is a serial chain per output.
 * Each output still sees its taps in scan order (D, then H, then W), so results equal a per-window loop's.
 */
static SP_ALWAYS_INLINE void sp_nchw_reduce_row(const sp_pool_geometry *g, const sp_row *row, const float *restrict x,
                                                float *restrict acc, int64_t *restrict at, enum sp_reduce op,
                                                int with_idx, float p)
{
    const int64_t out_w = g->out[2], sw = row->sw;
    int64_t full_begin = g->full_begin[2], full_end = g->full_end[2];
    if (full_end <= full_begin) full_begin = full_end = out_w; /* no full range (adaptive): tables only */
    const int64_t stride = g->stride[2], shift = -g->pad_begin[2], taps = g->kernel[2];
    for (int64_t off_d = row->base, d_end = off_d + row->nd * row->sd; off_d < d_end; off_d += row->sd) {
        for (int64_t off_h = off_d, h_end = off_h + row->nh * row->sh; off_h < h_end; off_h += row->sh) {
            /* Edge columns, whose windows are clipped by the input's borders: per-window tables. */
            for (int64_t ow = 0; ow < out_w; ++ow) {
                if (ow == full_begin) ow = full_end;
                if (ow >= out_w) break;
                const int64_t first = off_h + row->w_first[ow];
                float a = acc[ow];
                int64_t a_at = with_idx ? at[ow] : 0;
                for (int64_t j = 0, n = row->w_taps[ow]; j < n; ++j)
                    sp_reduce_tap(op, with_idx, p, x[first + j * sw], first + j * sw, &a, &a_at);
                acc[ow] = a;
                if (with_idx) at[ow] = a_at;
            }
            if (stride == 1)
                sp_reduce_full_range(op, with_idx, p, x, off_h, shift, 1, taps, sw, full_begin, full_end, acc, at);
            else if (stride == 2)
                sp_reduce_full_range(op, with_idx, p, x, off_h, shift, 2, taps, sw, full_begin, full_end, acc, at);
            else
                sp_reduce_full_range(op, with_idx, p, x, off_h, shift, stride, taps, sw, full_begin, full_end, acc,
                                     at);
        }
    }
}

#endif /* SIMDPOOL_SCALAR_POOL_COMMON_H */
