/*
 * The x86 NHWC max/min forward, written once for every vector width: kernels/avx2/maxpool_nhwc.c (8 lanes) and
 * kernels/avx512/maxpool_nhwc.c (16 lanes) each define a small vector layer (listed below) and include this.
 *
 * The contract's rule is: a later tap wins where (v > best) || isnan(v) (min: v < best); the first tap seeds
 * the best, ties keep the first position, the last NaN wins. Without NaN, vmaxps(v, best) is that rule exactly
 * ("v > best ? v : best": ties keep best, so the first of equal values and of +0/-0), one FP-add-pipe operation
 * per tap. NaN is what it gets wrong (vmaxps returns `best` for a NaN v), so every loaded tap also feeds a NaN
 * detector, det = fma(v, v, det): squares are >= 0, so det turns NaN only when some v is NaN (inf*inf and
 * inf + inf stay inf), and the FMA runs on the multiply pipes, beside the maxes. Whatever a NaN-free pass
 * stored for a block whose detector saw a NaN is recomputed with the exact rule (a compare pair and a select
 * per tap) — rare in real data, never wrong, identical in full vectors and masked channel tails.
 *
 * Indices: lanes hold in-plane positions as int32 (planes of fewer than 2^31 elements; else int64 lanes, two
 * vectors per vector of channels) and are widened on store. The winner is found without another FP compare:
 * after nb = max(v, best), nb differs bitwise from best exactly where v won (v > best implies different bits),
 * so an integer compare drives the position move.
 *
 * Paths: sliding-window plans give each output row a range of columns whose windows lie wholly inside the
 * input (geometry full_begin/full_end); for 2x2 and 3x3 kernels (any stride and dilation) those run with
 * compile-time tap counts, fully unrolled. Loads bound these loops, so with stride 1 or 2 (no dilation) the
 * columns a window shares with its left neighbour stay in registers, and without indices two output rows of 3x3
 * windows run together, sharing each input row's 3-tap maximum. Everything else — edges, 3-D windows, other
 * sizes, adaptive — walks the plan's window tables with the same vector code. Global pooling (one output pixel,
 * the whole image) keeps several vectors of channels in registers over all pixels and prefetches the next
 * pass's data. Outputs larger than L2 go out with streaming stores (simd/nhwc_access.h), and every path works on
 * the call's channel slice [c_begin, c_after).
 *
 * The including file defines, before including this:
 *   vf, vi            float and int32 lanes (vi also holds int64 lanes, half as many)
 *   vm                the exact rule's winners (wins_exact), the operand of vf_select / pos32_take / pos64_take
 *   vchange           the NaN-free rule's winners as `changed` gives them (pos*_take_changed)
 *   vtail, vtail_arg  the channel tail's masks (vtail_first) and how they are passed (vtail_pass: a mask
 *                     register by value, vectors by reference); unused where `masked` is false
 *   VL                lanes per vector; BLOCK vectors per general-path block; PIXEL_U / CARRY_U vectors per
 *                     full-window block without / with carried columns; GLOBAL_U vectors per global pass
 *   vf_zero vf_set1 vf_mul vf_fma pick clamp, vf_load vf_load_tail vf_store vf_store_tail vf_stream,
 *   wins_exact vf_select changed, pos32_set1 pos32_zero pos32_add pos64_set1, pos32_take pos64_take
 *   pos32_take_changed pos64_take_changed, widen_lo widen_hi store_pos64, nan_lanes
 */
#ifndef SIMDPOOL_X86_MAXPOOL_NHWC_H
#define SIMDPOOL_X86_MAXPOOL_NHWC_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"
#include "simd/nhwc_access.h"
#include "x86/nhwc_call.h"

/* Position tracking: none, int32 lanes (planes below 2^31 elements), or int64 lanes (two vectors per vector). */
enum idx_mode { IDX_NONE = 0, IDX_32 = 1, IDX_64 = 2 };

/* Vectors per 64-byte cache line: the global pass prefetches one line per that many vectors. */
enum { LINE_VECS = 64 / (VL * (int)sizeof(float)) };

/* Running state of up to BLOCK vectors. */
typedef struct state {
    vf best[BLOCK];
    vi at[BLOCK];    /* IDX_32: positions; IDX_64: the first half of the lanes */
    vi at_hi[BLOCK]; /* IDX_64: the second half */
} state;

SP_KERNEL_INLINE vf load_vec(const float *p, int u, int U, bool masked, vtail_arg t) {
    return (masked && u == U - 1) ? vf_load_tail(p + u * VL, t) : vf_load(p + u * VL);
}

/* Stores a block's results: clamped values (NaN-preserving, as sp_clamp), and positions widened to int64. */
SP_KERNEL_INLINE void store_state(const ctx *k, const state *s, float *y, int64_t *idx, int U, bool masked,
                                  vtail_arg t, int mode) {
    for (int u = 0; u < U; ++u) {
        vf r = s->best[u];
        if (k->clamp) r = clamp(r, k->lo, k->hi);
        const bool part = masked && u == U - 1;
        if (part) vf_store_tail(y + u * VL, t, r);
        else if (k->stream) vf_stream(y + u * VL, r);
        else vf_store(y + u * VL, r);
        if (mode == IDX_NONE) continue;
        const vi lo = mode == IDX_32 ? widen_lo(s->at[u]) : s->at[u];
        const vi hi = mode == IDX_32 ? widen_hi(s->at[u]) : s->at_hi[u];
        store_pos64(idx + u * VL, lo, hi, part, t);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* General windows (the plan's tables)                                                                        */

/* The window of one output pixel (simd/nhwc_access.h). */
typedef sp_nhwc_window window;

SP_KERNEL_INLINE void seed(state *s, vf *det, vf v, int u, int64_t pos, int mode) {
    s->best[u] = v;
    det[u] = vf_mul(v, v);
    if (mode == IDX_32) s->at[u] = pos32_set1(pos);
    if (mode == IDX_64) s->at[u] = s->at_hi[u] = pos64_set1(pos);
}

SP_KERNEL_INLINE void update(state *s, vf *det, vf v, int u, int64_t pos, bool is_min, int mode, bool exact) {
    if (exact) {
        const vm take = wins_exact(v, s->best[u], is_min);
        s->best[u] = vf_select(take, v, s->best[u]);
        if (mode == IDX_32) s->at[u] = pos32_take(s->at[u], take, pos32_set1(pos));
        if (mode == IDX_64) pos64_take(&s->at[u], &s->at_hi[u], take, pos64_set1(pos));
        return;
    }
    const vf nb = pick(v, s->best[u], is_min);
    det[u] = vf_fma(v, v, det[u]);
    if (mode == IDX_32) s->at[u] = pos32_take_changed(s->at[u], changed(nb, s->best[u]), pos32_set1(pos));
    if (mode == IDX_64) pos64_take_changed(&s->at[u], &s->at_hi[u], changed(nb, s->best[u]), pos64_set1(pos));
    s->best[u] = nb;
}

/*
 * Reduces channels [0, U*VL) of window w (x, y, idx already offset to the block's first channel); the last
 * vector is partial when `masked`. Taps run in scan order (D, H, W); the first seeds the state. Returns false
 * when the NaN-free rule met a NaN: what it stored is then wrong and the caller reruns the block exactly.
 */
SP_KERNEL_INLINE bool reduce_block(const ctx *k, const float *x, float *y, int64_t *idx, window w, int U, bool masked,
                                   vtail_arg t, bool is_min, int mode, bool exact) {
    const int64_t C = k->C;
    state s;
    vf det[BLOCK];
    const float *p0 = x + w.first * C;
    for (int u = 0; u < U; ++u) seed(&s, det, load_vec(p0, u, U, masked, t), u, w.first, mode);
    for (int64_t jd = 0; jd < w.nd; ++jd) {
        for (int64_t jh = 0; jh < w.nh; ++jh) {
            const int64_t row = w.first + jd * w.sd + jh * w.sh;
            for (int64_t jw = (jd == 0 && jh == 0) ? 1 : 0; jw < w.nw; ++jw) {
                const int64_t pos = row + jw * w.sw;
                const float *p = x + pos * C;
                for (int u = 0; u < U; ++u) update(&s, det, load_vec(p, u, U, masked, t), u, pos, is_min, mode, exact);
            }
        }
    }
    /* Store first, check after: the maxes then stay ahead of the branch (a compiler sinks work that only the
       not-taken path needs, and then spills every loaded tap). Masked-off lanes loaded zeros: never NaN. */
    store_state(k, &s, y, idx, U, masked, t, mode);
    if (exact) return true;
    unsigned nan = 0;
    for (int u = 0; u < U; ++u) nan |= nan_lanes(det[u]);
    return nan == 0;
}

SP_KERNEL_INLINE void exact_vectors(const ctx *k, const float *x, float *y, int64_t *idx, window w, int U, bool masked,
                                    vtail_arg t, bool is_min, int mode) {
    for (int u = 0; u < U; ++u) {
        const bool part = masked && u == U - 1;
        reduce_block(k, x + u * VL, y + u * VL, mode ? idx + u * VL : NULL, w, 1, part, t, is_min, mode, true);
    }
}

/* The exact-rule rerun of a block whose fast pass met a NaN, one vector at a time: out of line, it is rare. */
static __attribute__((noinline)) void reduce_block_exact(const ctx *k, const float *x, float *y, int64_t *idx,
                                                         window w, int U, bool masked, vtail_arg t, bool is_min,
                                                         int mode) {
    if (is_min) {
        if (mode == IDX_32) exact_vectors(k, x, y, idx, w, U, masked, t, true, IDX_32);
        else if (mode == IDX_64) exact_vectors(k, x, y, idx, w, U, masked, t, true, IDX_64);
        else exact_vectors(k, x, y, idx, w, U, masked, t, true, IDX_NONE);
    } else {
        if (mode == IDX_32) exact_vectors(k, x, y, idx, w, U, masked, t, false, IDX_32);
        else if (mode == IDX_64) exact_vectors(k, x, y, idx, w, U, masked, t, false, IDX_64);
        else exact_vectors(k, x, y, idx, w, U, masked, t, false, IDX_NONE);
    }
}

/* All channels of one output pixel: blocks of BLOCK vectors, then single vectors, then the masked tail. */
SP_KERNEL_INLINE void reduce_pixel(const ctx *k, const float *x, float *y, int64_t *idx, window w, vtail_arg t,
                                   bool is_min, int mode) {
    int64_t c = 0;
    for (; c + BLOCK * VL <= k->nc; c += BLOCK * VL)
        if (!reduce_block(k, x + c, y + c, mode ? idx + c : NULL, w, BLOCK, false, t, is_min, mode, false))
            reduce_block_exact(k, x + c, y + c, mode ? idx + c : NULL, w, BLOCK, false, t, is_min, mode);
    for (; c + VL <= k->nc; c += VL)
        if (!reduce_block(k, x + c, y + c, mode ? idx + c : NULL, w, 1, false, t, is_min, mode, false))
            reduce_block_exact(k, x + c, y + c, mode ? idx + c : NULL, w, 1, false, t, is_min, mode);
    if (c < k->nc)
        if (!reduce_block(k, x + c, y + c, mode ? idx + c : NULL, w, 1, true, t, is_min, mode, false))
            reduce_block_exact(k, x + c, y + c, mode ? idx + c : NULL, w, 1, true, t, is_min, mode);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Full windows                                                                                               */

/*
 * A run of n output pixels of one row whose windows all lie inside the input, KH x KW taps (kernel[0] = 1):
 * pixel i's first tap is at in-plane position pos0 + i*pstep, its taps kh*sh + kw*sw pixels further. Channel
 * blocks are the outer loop, so a block's setup (tap offsets, the taps' relative positions) happens once per
 * run, and the pixels of the run go left to right: with a compile-time stride S < KW (no dilation), the KW - S
 * columns a window shares with the previous one stay in registers, so each pixel loads only its S new columns.
 * Index lanes hold the winning tap's position relative to the window's first tap, plus that on store. The NaN
 * detector covers the whole run; a run that met a NaN is recomputed pixel by pixel with the exact rule.
 */
SP_KERNEL_INLINE void run_block(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                                int64_t sw, float *y, int64_t *idx, int KH, int KW, int S, int U, bool masked,
                                vtail_arg t, bool is_min, int mode) {
    const int64_t C = k->C, rs = sh * C, cs = sw * C;
    const int64_t step = (S ? S * sw : pstep) * C;    /* S > 0 only where pstep = S * sw (dilation 1) */
    const int keep = (S > 0 && S < KW) ? KW - S : 0; /* columns carried to the next pixel */
    vf carry[3][2][BLOCK]; /* [kh][j]: column j of the next window, column j + S of this one */
    vf det[BLOCK];
    for (int u = 0; u < U; ++u) det[u] = vf_zero();
    const float *p = x + pos0 * C;
    for (int64_t i = 0; i < n; ++i, p += step) {
        /* One pass in scan order: each tap is loaded (or taken from the carried columns) right where the max
           chain consumes it, which keeps few values live (this order is also the machine code's: GCC does not
           reorder before register allocation on x86). The loaded taps' squares sum in a chain of this pixel's
           own, folded into det once: one det chain through every tap of the run would bound the loop by the
           FMA latency. */
        vf sq[BLOCK];
        bool fresh = true;
        state s;
#pragma GCC unroll 4
        for (int kh = 0; kh < KH; ++kh) {
            const float *row = p + kh * rs;
            /* Opaque to the optimiser: else it folds every tap's offset into a loop-invariant register of its
               own (KH*KW*U of them, spilled) instead of row + column offset + constant displacement. */
            __asm__("" : "+r"(row));
            vf cur[3][BLOCK];
#pragma GCC unroll 4
            for (int kw = 0; kw < KW; ++kw) {
                const bool carried = i > 0 && kw < keep;
                for (int u = 0; u < U; ++u) {
                    vf v;
                    if (carried) {
                        v = carry[kh][kw][u];
                    } else {
                        v = load_vec(row + kw * cs, u, U, masked, t);
                        sq[u] = fresh ? vf_mul(v, v) : vf_fma(v, v, sq[u]);
                    }
                    cur[kw][u] = v;
                    if (kh == 0 && kw == 0) {
                        s.best[u] = v;
                        if (mode == IDX_32) s.at[u] = pos32_zero();
                    } else {
                        const vf nb = pick(v, s.best[u], is_min);
                        if (mode == IDX_32) {
                            const vi rel = pos32_set1(kh * sh + kw * sw); /* the tap's offset in the window */
                            s.at[u] = pos32_take_changed(s.at[u], changed(nb, s.best[u]), rel);
                        }
                        s.best[u] = nb;
                    }
                }
                if (!carried) fresh = false;
            }
            for (int j = 0; j < keep; ++j)
                for (int u = 0; u < U; ++u) carry[kh][j][u] = cur[j + S][u];
        }
        for (int u = 0; u < U; ++u) det[u] = vf_fma(sq[u], vf_set1(1.0f), det[u]);
        if (mode == IDX_32) {
            const vi first = pos32_set1(pos0 + i * pstep);
            for (int u = 0; u < U; ++u) s.at[u] = pos32_add(s.at[u], first);
        }
        store_state(k, &s, y + i * C, mode ? idx + i * C : NULL, U, masked, t, mode);
    }
    /* Masked-off lanes loaded zeros, so they never raise the detector. */
    unsigned nan = 0;
    for (int u = 0; u < U; ++u) nan |= nan_lanes(det[u]);
    if (nan)
        for (int64_t i = 0; i < n; ++i) {
            const window w = {pos0 + i * pstep, 1, KH, KW, 0, sh, sw};
            reduce_block_exact(k, x, y + i * C, mode ? idx + i * C : NULL, w, U, masked, t, is_min, mode);
        }
}

SP_KERNEL_INLINE void fast_run(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                               int64_t sw, float *y, int64_t *idx, vtail_arg t, int KH, int KW, int S, bool is_min,
                               int mode) {
    const int64_t C = k->C;
    if (S == 0 || S >= KW) {
        /* Nothing to carry: pixel by pixel, all channels of a pixel at once, reads the input in order. */
        for (int64_t i = 0; i < n; ++i) {
            const int64_t pos = pos0 + i * pstep;
            float *yi = y + i * C;
            int64_t *ii = mode ? idx + i * C : NULL;
            int64_t c = 0;
            for (; c + PIXEL_U * VL <= k->nc; c += PIXEL_U * VL)
                run_block(k, x + c, pos, pstep, 1, sh, sw, yi + c, mode ? ii + c : NULL, KH, KW, 0, PIXEL_U, false,
                          t, is_min, mode);
            for (; c + VL <= k->nc; c += VL)
                run_block(k, x + c, pos, pstep, 1, sh, sw, yi + c, mode ? ii + c : NULL, KH, KW, 0, 1, false, t,
                          is_min, mode);
            if (c < k->nc)
                run_block(k, x + c, pos, pstep, 1, sh, sw, yi + c, mode ? ii + c : NULL, KH, KW, 0, 1, true, t,
                          is_min, mode);
        }
        return;
    }
    int64_t c = 0;
    if (CARRY_U > 1)
        for (; c + CARRY_U * VL <= k->nc; c += CARRY_U * VL)
            run_block(k, x + c, pos0, pstep, n, sh, sw, y + c, mode ? idx + c : NULL, KH, KW, S, CARRY_U, false, t,
                      is_min, mode);
    for (; c + VL <= k->nc; c += VL)
        run_block(k, x + c, pos0, pstep, n, sh, sw, y + c, mode ? idx + c : NULL, KH, KW, S, 1, false, t, is_min,
                  mode);
    if (c < k->nc)
        run_block(k, x + c, pos0, pstep, n, sh, sw, y + c, mode ? idx + c : NULL, KH, KW, S, 1, true, t, is_min,
                  mode);
}

/*
 * Two vertically adjacent output rows of 3x3 windows, stride S (1 or 2) along both axes, no dilation, values
 * only (no indices): the rows' windows share 3 - S input rows, so each input row's 3-tap maximum is computed
 * once and serves both. Taking the maximum row by row, then across rows, keeps the scan order's tie rule
 * (each max keeps its second, earlier operand on ties: the earliest row, then the earliest column of it).
 */
SP_KERNEL_INLINE void pair_block(const ctx *k, const float *x, int64_t pos0, int64_t W, int64_t n, float *y0,
                                 float *y1, int S, int U, bool masked, vtail_arg t, bool is_min) {
    const int64_t C = k->C, rs = W * C, step = S * C;
    const int rows = 3 + S, keep = 3 - S;
    vf carry[5][2][BLOCK];
    vf det[BLOCK];
    for (int u = 0; u < U; ++u) det[u] = vf_zero();
    const float *p = x + pos0 * C;
    for (int64_t i = 0; i < n; ++i, p += step) {
        vf sq[BLOCK], h[5][BLOCK];
        bool fresh = true;
#pragma GCC unroll 5
        for (int j = 0; j < rows; ++j) {
            const float *row = p + j * rs;
            __asm__("" : "+r"(row)); /* see run_block */
            vf cur[3][BLOCK];
#pragma GCC unroll 3
            for (int kw = 0; kw < 3; ++kw) {
                const bool carried = i > 0 && kw < keep;
                for (int u = 0; u < U; ++u) {
                    if (carried) {
                        cur[kw][u] = carry[j][kw][u];
                    } else {
                        const vf v = load_vec(row + kw * C, u, U, masked, t);
                        sq[u] = fresh ? vf_mul(v, v) : vf_fma(v, v, sq[u]);
                        cur[kw][u] = v;
                    }
                }
                if (!carried) fresh = false;
            }
            for (int u = 0; u < U; ++u) h[j][u] = pick(pick(cur[2][u], cur[1][u], is_min), cur[0][u], is_min);
            for (int jj = 0; jj < keep; ++jj)
                for (int u = 0; u < U; ++u) carry[j][jj][u] = cur[jj + S][u];
        }
        for (int u = 0; u < U; ++u) {
            det[u] = vf_fma(sq[u], vf_set1(1.0f), det[u]);
            const vf q = pick(h[2][u], h[1][u], is_min);
            vf o0 = pick(q, h[0][u], is_min);
            vf o1 = S == 1 ? pick(h[3][u], q, is_min) : pick(pick(h[4][u], h[3][u], is_min), h[2][u], is_min);
            if (k->clamp) {
                o0 = clamp(o0, k->lo, k->hi);
                o1 = clamp(o1, k->lo, k->hi);
            }
            const bool part = masked && u == U - 1;
            if (part) {
                vf_store_tail(y0 + i * C + u * VL, t, o0);
                vf_store_tail(y1 + i * C + u * VL, t, o1);
            } else {
                vf_store(y0 + i * C + u * VL, o0);
                vf_store(y1 + i * C + u * VL, o1);
            }
        }
    }
    unsigned nan = 0;
    for (int u = 0; u < U; ++u) nan |= nan_lanes(det[u]);
    if (nan)
        for (int64_t i = 0; i < n; ++i) {
            const window w0 = {pos0 + i * S, 1, 3, 3, 0, W, 1}, w1 = {pos0 + S * W + i * S, 1, 3, 3, 0, W, 1};
            reduce_block_exact(k, x, y0 + i * C, NULL, w0, U, masked, t, is_min, IDX_NONE);
            reduce_block_exact(k, x, y1 + i * C, NULL, w1, U, masked, t, is_min, IDX_NONE);
        }
}

SP_KERNEL_INLINE void pair_run_s(const ctx *k, const float *x, int64_t pos0, int64_t W, int64_t n, float *y0,
                                 float *y1, vtail_arg t, int S, bool is_min) {
    int64_t c = 0;
    if (CARRY_U > 1)
        for (; c + CARRY_U * VL <= k->nc; c += CARRY_U * VL)
            pair_block(k, x + c, pos0, W, n, y0 + c, y1 + c, S, CARRY_U, false, t, is_min);
    for (; c + VL <= k->nc; c += VL) pair_block(k, x + c, pos0, W, n, y0 + c, y1 + c, S, 1, false, t, is_min);
    if (c < k->nc) pair_block(k, x + c, pos0, W, n, y0 + c, y1 + c, S, 1, true, t, is_min);
}

static void pair_run(const ctx *k, const float *x, int64_t pos0, int64_t W, int64_t n, float *y0, float *y1,
                     vtail_arg t, int S, bool is_min) {
    if (is_min) {
        if (S == 1) pair_run_s(k, x, pos0, W, n, y0, y1, t, 1, true);
        else pair_run_s(k, x, pos0, W, n, y0, y1, t, 2, true);
    } else {
        if (S == 1) pair_run_s(k, x, pos0, W, n, y0, y1, t, 1, false);
        else pair_run_s(k, x, pos0, W, n, y0, y1, t, 2, false);
    }
}

/* Full windows of a KH x KW kernel: the stride picks the compile-time variant (1 and 2 carry columns when the
   window is not dilated; any other stride or a dilation loads every tap). */
SP_KERNEL_INLINE void fast_kernel(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                                  int64_t sw, float *y, int64_t *idx, vtail_arg t, int KH, int KW, bool is_min,
                                  int mode) {
    if (sw == 1 && pstep == 1) fast_run(k, x, pos0, pstep, n, sh, sw, y, idx, t, KH, KW, 1, is_min, mode);
    else if (sw == 1 && pstep == 2) fast_run(k, x, pos0, pstep, n, sh, sw, y, idx, t, KH, KW, 2, is_min, mode);
    else fast_run(k, x, pos0, pstep, n, sh, sw, y, idx, t, KH, KW, 0, is_min, mode);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Global pooling                                                                                             */

/*
 * One output pixel whose window is the whole image, pixels 0 .. P-1 in order. Each pass keeps GLOBAL_U
 * vectors of channels in registers and walks every pixel (per lane, the scan order is the pixel order, as
 * everywhere): many independent dependency chains.
 */
SP_KERNEL_INLINE void global_block(const ctx *k, const float *x, int64_t P, float *y, int64_t *idx, int U, bool masked,
                                   vtail_arg t, bool is_min, int mode) {
    const int64_t C = k->C;
    vf best[GLOBAL_U], det[GLOBAL_U];
    vi at[GLOBAL_U];
    for (int u = 0; u < U; ++u) {
        best[u] = load_vec(x, u, U, masked, t);
        det[u] = vf_mul(best[u], best[u]);
        if (mode) at[u] = pos32_zero();
    }
    const float *p = x + C;
    for (int64_t i = 1; i < P; ++i, p += C) {
        /* The pass reads a short run of every pixel, far apart: the hardware prefetchers miss that pattern, so
           fetch this pixel's run of the next pass now (harmless past the end: prefetches never fault). */
        for (int u = 0; u < U; u += LINE_VECS) simde_mm_prefetch((const char *)(p + (U + u) * VL), SIMDE_MM_HINT_T1);
        const vi pos = pos32_set1(i);
        for (int u = 0; u < U; ++u) {
            const vf v = load_vec(p, u, U, masked, t);
            const vf nb = pick(v, best[u], is_min);
            det[u] = vf_fma(v, v, det[u]);
            if (mode) at[u] = pos32_take_changed(at[u], changed(nb, best[u]), pos);
            best[u] = nb;
        }
    }
    state s; /* GLOBAL_U may exceed BLOCK: stored a vector at a time */
    for (int u = 0; u < U; ++u) {
        s.best[0] = best[u];
        if (mode) s.at[0] = at[u];
        store_state(k, &s, y + u * VL, mode ? idx + u * VL : NULL, 1, masked && u == U - 1, t, mode);
    }
    unsigned nan = 0;
    for (int u = 0; u < U; ++u) nan |= nan_lanes(det[u]);
    if (nan) {
        const window w = {0, 1, 1, P, 0, 0, 1};
        reduce_block_exact(k, x, y, idx, w, U, masked, t, is_min, mode);
    }
}

SP_KERNEL_INLINE void global_pool(const ctx *k, const float *x, int64_t P, float *y, int64_t *idx, vtail_arg t,
                                  bool is_min, int mode) {
    int64_t c = 0;
    for (; c + GLOBAL_U * VL <= k->nc; c += GLOBAL_U * VL)
        global_block(k, x + c, P, y + c, mode ? idx + c : NULL, GLOBAL_U, false, t, is_min, mode);
    for (; c + VL <= k->nc; c += VL) global_block(k, x + c, P, y + c, mode ? idx + c : NULL, 1, false, t, is_min, mode);
    if (c < k->nc) global_block(k, x + c, P, y + c, mode ? idx + c : NULL, 1, true, t, is_min, mode);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Rows                                                                                                       */

SP_KERNEL_INLINE void pool_rows(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, int64_t row_begin,
                                int64_t row_end, bool is_min, int mode) {
    x += g->c_begin;
    y += g->c_begin;
    if (idx) idx += g->c_begin;
    const ctx k = nhwc_call_ctx(g, y);
    const bool prefetch = sp_nhwc_prefetches(g);
    const int64_t C = k.C, W = g->in[2], out_w = g->out[2];
    const vtail tail = vtail_first(k.nc % VL);
    const vtail_arg t = vtail_pass(&tail);
    if (sp_is_global(g) && mode != IDX_64) {
        if (row_begin < row_end)
            global_pool(&k, x, sp_in_plane(g), y, idx, t, is_min, mode == IDX_32 ? IDX_32 : IDX_NONE);
        if (k.stream) simde_mm_sfence();
        return;
    }
    int fast = 0; /* the kernel size of a square 2-D window with a full-window path, else 0 */
    if (g->kernel[0] == 1 && g->kernel[1] == g->kernel[2] && (g->kernel[1] == 2 || g->kernel[1] == 3))
        fast = (int)g->kernel[1];
    const int64_t fb = g->full_begin[2], fe = g->full_end[2];
    /* Row pairs: 3x3 windows without indices, the same stride (1 or 2) along H and W, no dilation. */
    const int64_t pair_s = (fast == 3 && mode == IDX_NONE && g->stride[1] == g->stride[2] &&
                            (g->stride[2] == 1 || g->stride[2] == 2) && g->dilation[1] == 1 && g->dilation[2] == 1)
                               ? g->stride[2]
                               : 0;
    for (int64_t r = row_begin; r < row_end; ++r) {
        const int64_t od = r / g->out[1], oh = r - od * g->out[1];
        int64_t base;
        window w = sp_nhwc_row_window(g, od, oh, &base);
        const bool row_full = fast && mode != IDX_64 && fb < fe && od >= g->full_begin[0] &&
                              od < g->full_end[0] && oh >= g->full_begin[1] && oh < g->full_end[1];
        float *y_row = y + r * out_w * C;
        int64_t *i_row = mode ? idx + r * out_w * C : NULL;
        if (row_full && pair_s && r + 1 < row_end && oh + 1 < g->full_end[1]) {
            /* This row and the next (same od: 2-D plans have one) share input rows: their full columns run as a
               pair, the edge columns of both through the tables. */
            float *y_next = y_row + out_w * C;
            window w1 = w;
            w1.nh = g->taps[1][oh + 1];
            const int64_t base1 = base + pair_s * W;
            for (int64_t ow = 0; ow < out_w; ++ow) {
                if (ow == fb) {
                    pair_run(&k, x, base + g->first[2][fb], W, fe - fb, y_row + fb * C, y_next + fb * C, t,
                             (int)pair_s, is_min);
                    ow = fe;
                    if (ow >= out_w) break;
                }
                w.first = base + g->first[2][ow];
                w.nw = g->taps[2][ow];
                reduce_pixel(&k, x, y_row + ow * C, NULL, w, t, is_min, mode);
                w1.first = base1 + g->first[2][ow];
                w1.nw = w.nw;
                reduce_pixel(&k, x, y_next + ow * C, NULL, w1, t, is_min, mode);
            }
            ++r;
            continue;
        }
        for (int64_t ow = 0; ow < out_w; ++ow) {
            if (row_full && ow == fb) {
                /* Full windows: tap counts are compile-time constants (nd = 1 as kernel[0] = 1). */
                const int64_t pos0 = base + g->first[2][fb], n = fe - fb, pstep = g->stride[2];
                float *yo = y_row + fb * C;
                int64_t *io = mode ? i_row + fb * C : NULL;
                if (fast == 2) fast_kernel(&k, x, pos0, pstep, n, w.sh, w.sw, yo, io, t, 2, 2, is_min, mode);
                else fast_kernel(&k, x, pos0, pstep, n, w.sh, w.sw, yo, io, t, 3, 3, is_min, mode);
                ow = fe;
                if (ow >= out_w) break;
            }
            if (prefetch && ow + SP_NHWC_PREFETCH_AHEAD < out_w)
                sp_nhwc_prefetch_window(x, C, k.nc, base + g->first[2][ow + SP_NHWC_PREFETCH_AHEAD], w.nd, w.nh,
                                        g->taps[2][ow + SP_NHWC_PREFETCH_AHEAD], w.sd, w.sh, w.sw);
            w.first = base + g->first[2][ow];
            w.nw = g->taps[2][ow];
            reduce_pixel(&k, x, y_row + ow * C, mode ? i_row + ow * C : NULL, w, t, is_min, mode);
        }
    }
    if (k.stream) simde_mm_sfence(); /* streamed stores are weakly ordered: complete them before returning */
}

/* Index lanes are int32 when every in-plane position fits. */
static int index_mode(const sp_pool_geometry *g, const int64_t *idx) {
    if (idx == NULL) return IDX_NONE;
    return sp_in_plane(g) <= INT32_MAX ? IDX_32 : IDX_64;
}

/* One instance of the rows per (is_min, index mode): the entry points pass is_min as a constant. */
SP_KERNEL_INLINE void pool_forward(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                   int64_t row_begin, int64_t row_end, bool is_min) {
    const int mode = index_mode(g, idx);
    if (mode == IDX_32) pool_rows(g, x, y, idx, row_begin, row_end, is_min, IDX_32);
    else if (mode == IDX_64) pool_rows(g, x, y, idx, row_begin, row_end, is_min, IDX_64);
    else pool_rows(g, x, y, NULL, row_begin, row_end, is_min, IDX_NONE);
}

#endif /* SIMDPOOL_X86_MAXPOOL_NHWC_H */
