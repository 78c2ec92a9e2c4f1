/*
 * AVX-512 NHWC max/min forward, 16 channels per vector, up to 4 vectors (64 channels) per pass.
 *
 * The contract's rule is: a later tap wins where (v > best) || isnan(v) (min: v < best); the first tap seeds
 * the best, ties keep the first position, the last NaN wins. Without NaN, vmaxps(v, best) is that rule exactly
 * ("v > best ? v : best": ties keep best, so the first of equal values and of +0/-0), and it costs one
 * FP-add-pipe operation per tap. NaN is what it gets wrong (vmaxps returns `best` for a NaN v), so every tap
 * also feeds a NaN detector, det = fma(v, v, det): squares are >= 0, so det turns NaN only when some v is NaN
 * (inf*inf and inf + inf stay inf), and the FMA runs on the multiply pipes, beside the maxes. A channel block
 * whose detector saw a NaN is recomputed with the exact rule (a compare pair and a masked move per tap) — rare
 * in real data, never wrong.
 *
 * Indices: lanes hold in-plane positions as int32 (a plan whose plane has fewer than 2^31 elements; else the
 * int64 path below) and are widened on store. The winner is detected without another FP compare: after
 * nb = max(v, best), nb differs bitwise from best exactly where v won (v > best implies different bits), so an
 * integer compare (vpcmpd) drives the masked position update.
 *
 * Windows: sliding-window plans give each output row a range of columns whose windows lie wholly inside the
 * input (geometry full_begin/full_end); for the common 2x2 and 3x3 windows (any stride and dilation) those run
 * with compile-time tap counts, fully unrolled. Loads bound these loops, so with stride 1 or 2 the columns a
 * window shares with its left neighbour stay in registers, and without indices two output rows of 3x3 windows
 * run together, sharing each input row's 3-tap maximum. Everything else — edges, 3-D windows, other sizes,
 * adaptive — runs the general path that walks the plan's window tables, the same vector code with runtime
 * loops. Global pooling (one output pixel, the whole image) keeps 8 vectors of channels in registers over all
 * pixels in order and prefetches the next pass's data.
 *
 * Intrinsics go through simde; masked loads and stores of AVX-512 are missing from simde 0.7, so they are
 * native where the compiler targets AVX-512F (always, for this folder) and portable loops elsewhere.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx512.h>

#include "kernels.h"
#include "nhwc_memory.h"
#include "x86/nhwc_access.h"

typedef simde__m512 vf;
typedef simde__m512i vi;
typedef simde__mmask16 vmask;

enum { VL = 16, BLOCK = 4, FAST_U = 2 };

/* Position tracking: none, int32 lanes (planes below 2^31 elements), or int64 lanes (two vectors per 16). */
enum idx_mode { IDX_NONE = 0, IDX_32 = 1, IDX_64 = 2 };

/* ---------------------------------------------------------------------------------------------------------- */
/* Masked memory access                                                                                       */

SP_KERNEL_INLINE void store_i64(int64_t *p, simde__mmask8 k, vi v, bool masked) {
    if (!masked) {
        simde_mm512_storeu_si512(p, v);
        return;
    }
#if defined(SIMDE_X86_AVX512F_NATIVE)
    _mm512_mask_storeu_epi64(p, k, v);
#else
    int64_t buf[8];
    simde_mm512_storeu_si512(buf, v);
    for (int i = 0; i < 8; ++i)
        if (k & (1u << i)) p[i] = buf[i];
#endif
}

/* int32 lanes 0-7 / 8-15 sign-extended to int64 (positions are >= 0, so either extension would do). */
SP_KERNEL_INLINE vi widen_lo(vi v) {
#if defined(SIMDE_X86_AVX512F_NATIVE)
    return _mm512_cvtepi32_epi64(_mm512_castsi512_si256(v));
#else
    int32_t a[16];
    int64_t b[8];
    simde_mm512_storeu_si512(a, v);
    for (int i = 0; i < 8; ++i) b[i] = a[i];
    return simde_mm512_loadu_si512(b);
#endif
}

SP_KERNEL_INLINE vi widen_hi(vi v) {
#if defined(SIMDE_X86_AVX512F_NATIVE)
    return _mm512_cvtepi32_epi64(_mm512_extracti64x4_epi64(v, 1));
#else
    int32_t a[16];
    int64_t b[8];
    simde_mm512_storeu_si512(a, v);
    for (int i = 0; i < 8; ++i) b[i] = a[8 + i];
    return simde_mm512_loadu_si512(b);
#endif
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Per-tap rules                                                                                              */

/* The NaN-free rule: v wins where strictly better; ties keep best. */
SP_KERNEL_INLINE vf pick(vf v, vf best, bool is_min) {
    return is_min ? simde_mm512_min_ps(v, best) : simde_mm512_max_ps(v, best);
}

/* The contract's rule, NaN included: (v > best) || isnan(v). */
SP_KERNEL_INLINE vmask wins_exact(vf v, vf best, bool is_min) {
    const vmask better = is_min ? simde_mm512_cmp_ps_mask(v, best, SIMDE_CMP_LT_OQ)
                                : simde_mm512_cmp_ps_mask(v, best, SIMDE_CMP_GT_OQ);
    return (vmask)(better | simde_mm512_cmp_ps_mask(v, v, SIMDE_CMP_UNORD_Q));
}

/* Lanes where nb (the new best) differs bitwise from best: where the tap won under the NaN-free rule. */
SP_KERNEL_INLINE vmask changed(vf nb, vf best) {
    return (vmask)~simde_mm512_cmpeq_epi32_mask(simde_mm512_castps_si512(nb), simde_mm512_castps_si512(best));
}

/* NaN-preserving clamp, sp_clamp's semantics: vmaxps(lo, v) keeps a NaN v (second operand) as does vminps. */
SP_KERNEL_INLINE vf clamp(vf v, vf lo, vf hi) { return simde_mm512_min_ps(hi, simde_mm512_max_ps(lo, v)); }

/* ---------------------------------------------------------------------------------------------------------- */
/* One channel block of one output pixel                                                                      */

/* The window of one output pixel: taps at first + jd*sd + jh*sh + jw*sw (pixel offsets inside the plane). */
typedef struct window {
    int64_t first;
    int64_t nd, nh, nw;
    int64_t sd, sh, sw;
} window;

/* What every block of a call shares. */
typedef struct ctx {
    int64_t C;  /* the pixel stride */
    int64_t nc; /* channels of the call's slice: the channel loops' bound */
    bool clamp;
    bool stream; /* full vectors of the output go out with non-temporal stores (sp_nhwc_streams_output) */
    vf lo, hi;
} ctx;

/* Running state of up to BLOCK vectors. */
typedef struct state {
    vf best[BLOCK];
    vf det[BLOCK];
    vi at[BLOCK];    /* IDX_32: positions; IDX_64: lanes 0-7 */
    vi at_hi[BLOCK]; /* IDX_64: lanes 8-15 */
} state;

SP_KERNEL_INLINE vf load_vec(const float *p, int u, int U, bool masked, vmask tail) {
    return (masked && u == U - 1) ? load_tail(p + u * VL, tail) : simde_mm512_loadu_ps(p + u * VL);
}

SP_KERNEL_INLINE void seed(state *s, vf v, int u, int64_t pos, int mode) {
    s->best[u] = v;
    s->det[u] = simde_mm512_mul_ps(v, v);
    if (mode == IDX_32) s->at[u] = simde_mm512_set1_epi32((int32_t)pos);
    if (mode == IDX_64) s->at[u] = s->at_hi[u] = simde_mm512_set1_epi64(pos);
}

SP_KERNEL_INLINE void update(state *s, vf v, int u, int64_t pos, bool is_min, int mode, bool exact) {
    if (exact) {
        const vmask take = wins_exact(v, s->best[u], is_min);
        s->best[u] = simde_mm512_mask_mov_ps(s->best[u], take, v);
        if (mode == IDX_32) s->at[u] = simde_mm512_mask_mov_epi32(s->at[u], take, simde_mm512_set1_epi32((int32_t)pos));
        if (mode == IDX_64) {
            const vi p = simde_mm512_set1_epi64(pos);
            s->at[u] = simde_mm512_mask_mov_epi64(s->at[u], (simde__mmask8)take, p);
            s->at_hi[u] = simde_mm512_mask_mov_epi64(s->at_hi[u], (simde__mmask8)(take >> 8), p);
        }
        return;
    }
    const vf nb = pick(v, s->best[u], is_min);
    s->det[u] = simde_mm512_fmadd_ps(v, v, s->det[u]);
    if (mode == IDX_32) s->at[u] = simde_mm512_mask_mov_epi32(s->at[u], changed(nb, s->best[u]),
                                                               simde_mm512_set1_epi32((int32_t)pos));
    if (mode == IDX_64) {
        const vmask take = changed(nb, s->best[u]);
        const vi p = simde_mm512_set1_epi64(pos);
        s->at[u] = simde_mm512_mask_mov_epi64(s->at[u], (simde__mmask8)take, p);
        s->at_hi[u] = simde_mm512_mask_mov_epi64(s->at_hi[u], (simde__mmask8)(take >> 8), p);
    }
    s->best[u] = nb;
}

/* Stores the block's results: clamped values, and positions widened to int64. */
SP_KERNEL_INLINE void store_state(const ctx *k, const state *s, float *y, int64_t *idx, int U, bool masked, vmask tail,
                           int mode) {
    for (int u = 0; u < U; ++u) {
        vf r = s->best[u];
        if (k->clamp) r = clamp(r, k->lo, k->hi);
        const bool part = masked && u == U - 1;
        if (part) store_tail(y + u * VL, tail, r);
        else if (k->stream) store_stream(y + u * VL, r);
        else simde_mm512_storeu_ps(y + u * VL, r);
        if (mode == IDX_NONE) continue;
        const vi lo = mode == IDX_32 ? widen_lo(s->at[u]) : s->at[u];
        const vi hi = mode == IDX_32 ? widen_hi(s->at[u]) : s->at_hi[u];
        store_i64(idx + u * VL, (simde__mmask8)(part ? tail : 0xFF), lo, part);
        if (!part || (tail >> 8)) store_i64(idx + u * VL + 8, (simde__mmask8)(part ? tail >> 8 : 0xFF), hi, part);
    }
}

/*
 * Reduces channels [0, U*VL) of window w (x, y, idx already offset to the block's first channel); the last
 * vector is partial when `masked`. Taps run in scan order (D, H, W); the first seeds the state. Returns false
 * when the NaN-free rule met a NaN: what it stored is then wrong and the caller reruns the block exactly.
 */
SP_KERNEL_INLINE bool reduce_block(const ctx *k, const float *x, float *y, int64_t *idx, window w, int U, bool masked,
                            vmask tail, bool is_min, int mode, bool exact) {
    const int64_t C = k->C;
    state s;
    const float *p0 = x + w.first * C;
    for (int u = 0; u < U; ++u) seed(&s, load_vec(p0, u, U, masked, tail), u, w.first, mode);
    for (int64_t jd = 0; jd < w.nd; ++jd) {
        for (int64_t jh = 0; jh < w.nh; ++jh) {
            const int64_t row = w.first + jd * w.sd + jh * w.sh;
            for (int64_t jw = (jd == 0 && jh == 0) ? 1 : 0; jw < w.nw; ++jw) {
                const int64_t pos = row + jw * w.sw;
                const float *p = x + pos * C;
                for (int u = 0; u < U; ++u) update(&s, load_vec(p, u, U, masked, tail), u, pos, is_min, mode, exact);
            }
        }
    }
    store_state(k, &s, y, idx, U, masked, tail, mode);
    if (exact) return true;
    /* Masked-off lanes loaded zeros, so they never raise the detector. */
    vmask nan = 0;
    for (int u = 0; u < U; ++u) nan |= simde_mm512_cmp_ps_mask(s.det[u], s.det[u], SIMDE_CMP_UNORD_Q);
    return nan == 0;
}

/* The exact-rule rerun of a block whose fast pass met a NaN, one vector at a time: out of line, it is rare. */
SP_KERNEL_INLINE void exact_vectors(const ctx *k, const float *x, float *y, int64_t *idx, window w, int U, bool masked,
                             vmask tail, bool is_min, int mode) {
    for (int u = 0; u < U; ++u) {
        const bool part = masked && u == U - 1;
        reduce_block(k, x + u * VL, y + u * VL, mode ? idx + u * VL : NULL, w, 1, part, part ? tail : 0xFFFF,
                     is_min, mode, true);
    }
}

static __attribute__((noinline)) void reduce_block_exact(const ctx *k, const float *x, float *y, int64_t *idx,
                                                         window w, int U, bool masked, vmask tail, bool is_min,
                                                         int mode) {
    if (is_min) {
        if (mode == IDX_32) exact_vectors(k, x, y, idx, w, U, masked, tail, true, IDX_32);
        else if (mode == IDX_64) exact_vectors(k, x, y, idx, w, U, masked, tail, true, IDX_64);
        else exact_vectors(k, x, y, idx, w, U, masked, tail, true, IDX_NONE);
    } else {
        if (mode == IDX_32) exact_vectors(k, x, y, idx, w, U, masked, tail, false, IDX_32);
        else if (mode == IDX_64) exact_vectors(k, x, y, idx, w, U, masked, tail, false, IDX_64);
        else exact_vectors(k, x, y, idx, w, U, masked, tail, false, IDX_NONE);
    }
}

/* All channels of one output pixel: blocks of BLOCK vectors, then single vectors, then the masked tail. */
SP_KERNEL_INLINE void reduce_pixel(const ctx *k, const float *x, float *y, int64_t *idx, window w, bool is_min, int mode) {
    int64_t c = 0;
    for (; c + BLOCK * VL <= k->nc; c += BLOCK * VL)
        if (!reduce_block(k, x + c, y + c, mode ? idx + c : NULL, w, BLOCK, false, 0xFFFF, is_min, mode, false))
            reduce_block_exact(k, x + c, y + c, mode ? idx + c : NULL, w, BLOCK, false, 0xFFFF, is_min, mode);
    for (; c + VL <= k->nc; c += VL)
        if (!reduce_block(k, x + c, y + c, mode ? idx + c : NULL, w, 1, false, 0xFFFF, is_min, mode, false))
            reduce_block_exact(k, x + c, y + c, mode ? idx + c : NULL, w, 1, false, 0xFFFF, is_min, mode);
    if (c < k->nc) {
        const vmask tail = (vmask)((1u << (k->nc - c)) - 1);
        if (!reduce_block(k, x + c, y + c, mode ? idx + c : NULL, w, 1, true, tail, is_min, mode, false))
            reduce_block_exact(k, x + c, y + c, mode ? idx + c : NULL, w, 1, true, tail, is_min, mode);
    }
}

/*
 * Full windows: a run of n output pixels of one row whose windows all lie inside the input, KH x KW taps
 * (kernel[0] = 1). Pixel i's first tap is at in-plane position pos0 + i*pstep, its taps kh*sh + kw*sw pixels
 * further. Channel blocks are the outer loop, so a block's setup (tap offsets, the taps' relative positions)
 * happens once per run, and the pixels of the run go left to right: with a compile-time stride S < KW, the
 * KW - S columns a window shares with the previous one stay in registers (loads are what bounds this loop),
 * so each pixel loads only its S new columns. Index lanes hold the winning tap's position relative to the
 * window's first tap and get the first tap's position added on store. The NaN detector covers the whole run;
 * a run that met a NaN is recomputed pixel by pixel with the exact rule.
 */
SP_KERNEL_INLINE void run_block(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                         int64_t sw, float *y, int64_t *idx, int KH, int KW, int S, int U, bool masked, vmask tail,
                         bool is_min, int mode) {
    const int64_t C = k->C, rs = sh * C, cs = sw * C;
    const int64_t step = (S ? S * sw : pstep) * C; /* S > 0 only where pstep = S * sw (dilation 1) */
    const int keep = (S > 0 && S < KW) ? KW - S : 0; /* columns carried to the next pixel */
    vi rel[3][3];
    for (int kh = 0; kh < KH; ++kh)
        for (int kw = 0; kw < KW; ++kw) rel[kh][kw] = simde_mm512_set1_epi32((int32_t)(kh * sh + kw * sw));
    vf carry[3][2][BLOCK]; /* [kh][j]: column j of the next window, column j + S of this one */
    vf det[BLOCK];
    for (int u = 0; u < U; ++u) det[u] = simde_mm512_setzero_ps();
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
                        v = load_vec(row + kw * cs, u, U, masked, tail);
                        sq[u] = fresh ? simde_mm512_mul_ps(v, v) : simde_mm512_fmadd_ps(v, v, sq[u]);
                    }
                    cur[kw][u] = v;
                    if (kh == 0 && kw == 0) {
                        s.best[u] = v;
                        if (mode == IDX_32) s.at[u] = simde_mm512_setzero_si512();
                    } else {
                        const vf nb = pick(v, s.best[u], is_min);
                        if (mode == IDX_32)
                            s.at[u] = simde_mm512_mask_mov_epi32(s.at[u], changed(nb, s.best[u]), rel[kh][kw]);
                        s.best[u] = nb;
                    }
                }
                if (!carried) fresh = false;
            }
            for (int j = 0; j < keep; ++j)
                for (int u = 0; u < U; ++u) carry[kh][j][u] = cur[j + S][u];
        }
        for (int u = 0; u < U; ++u) det[u] = simde_mm512_fmadd_ps(sq[u], simde_mm512_set1_ps(1.0f), det[u]);
        if (mode == IDX_32) {
            const vi first = simde_mm512_set1_epi32((int32_t)(pos0 + i * pstep));
            for (int u = 0; u < U; ++u) s.at[u] = simde_mm512_add_epi32(s.at[u], first);
        }
        store_state(k, &s, y + i * C, mode ? idx + i * C : NULL, U, masked, tail, mode);
    }
    /* Masked-off lanes loaded zeros, so they never raise the detector. */
    vmask nan = 0;
    for (int u = 0; u < U; ++u) nan |= simde_mm512_cmp_ps_mask(det[u], det[u], SIMDE_CMP_UNORD_Q);
    if (nan)
        for (int64_t i = 0; i < n; ++i) {
            const window w = {pos0 + i * pstep, 1, KH, KW, 0, sh, sw};
            reduce_block_exact(k, x, y + i * C, mode ? idx + i * C : NULL, w, U, masked, tail, is_min, mode);
        }
}

SP_KERNEL_INLINE void fast_run(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                        int64_t sw, float *y, int64_t *idx, int KH, int KW, int S, bool is_min, int mode) {
    const int64_t C = k->C;
    if (S == 0 || S >= KW) {
        /* Nothing to carry: pixel by pixel, all channels of a pixel at once, reads the input in order. */
        for (int64_t i = 0; i < n; ++i) {
            const int64_t pos = pos0 + i * pstep;
            float *yi = y + i * C;
            int64_t *ii = mode ? idx + i * C : NULL;
            int64_t c = 0;
            for (; c + BLOCK * VL <= k->nc; c += BLOCK * VL)
                run_block(k, x + c, pos, pstep, 1, sh, sw, yi + c, mode ? ii + c : NULL, KH, KW, 0, BLOCK, false,
                          0xFFFF, is_min, mode);
            for (; c + VL <= k->nc; c += VL)
                run_block(k, x + c, pos, pstep, 1, sh, sw, yi + c, mode ? ii + c : NULL, KH, KW, 0, 1, false, 0xFFFF,
                          is_min, mode);
            if (c < k->nc)
                run_block(k, x + c, pos, pstep, 1, sh, sw, yi + c, mode ? ii + c : NULL, KH, KW, 0, 1, true,
                          (vmask)((1u << (k->nc - c)) - 1), is_min, mode);
        }
        return;
    }
    int64_t c = 0;
    for (; c + FAST_U * VL <= k->nc; c += FAST_U * VL)
        run_block(k, x + c, pos0, pstep, n, sh, sw, y + c, mode ? idx + c : NULL, KH, KW, S, FAST_U, false, 0xFFFF,
                  is_min, mode);
    for (; c + VL <= k->nc; c += VL)
        run_block(k, x + c, pos0, pstep, n, sh, sw, y + c, mode ? idx + c : NULL, KH, KW, S, 1, false, 0xFFFF,
                  is_min, mode);
    if (c < k->nc)
        run_block(k, x + c, pos0, pstep, n, sh, sw, y + c, mode ? idx + c : NULL, KH, KW, S, 1, true,
                  (vmask)((1u << (k->nc - c)) - 1), is_min, mode);
}

/*
 * Two vertically adjacent output rows of 3x3 windows, stride S (1 or 2) along both axes, no dilation, values
 * only (no indices): the rows' windows share 3 - S input rows, so each input row's 3-tap maximum is computed
 * once and serves both. Taking the maximum row by row, then across rows, keeps the scan order's tie rule
 * (each max keeps its second, earlier operand on ties: the earliest row, then the earliest column of it).
 */
SP_KERNEL_INLINE void pair_block(const ctx *k, const float *x, int64_t pos0, int64_t W, int64_t n, float *y0, float *y1,
                          int S, int U, bool masked, vmask tail, bool is_min) {
    const int64_t C = k->C, rs = W * C, step = S * C;
    const int rows = 3 + S, keep = 3 - S;
    vf carry[5][2][BLOCK];
    vf det[BLOCK];
    for (int u = 0; u < U; ++u) det[u] = simde_mm512_setzero_ps();
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
                        const vf v = load_vec(row + kw * C, u, U, masked, tail);
                        sq[u] = fresh ? simde_mm512_mul_ps(v, v) : simde_mm512_fmadd_ps(v, v, sq[u]);
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
            det[u] = simde_mm512_fmadd_ps(sq[u], simde_mm512_set1_ps(1.0f), det[u]);
            const vf q = pick(h[2][u], h[1][u], is_min);
            vf o0 = pick(q, h[0][u], is_min);
            vf o1 = S == 1 ? pick(h[3][u], q, is_min) : pick(pick(h[4][u], h[3][u], is_min), h[2][u], is_min);
            if (k->clamp) {
                o0 = clamp(o0, k->lo, k->hi);
                o1 = clamp(o1, k->lo, k->hi);
            }
            const bool part = masked && u == U - 1;
            if (part) {
                store_tail(y0 + i * C + u * VL, tail, o0);
                store_tail(y1 + i * C + u * VL, tail, o1);
            } else {
                simde_mm512_storeu_ps(y0 + i * C + u * VL, o0);
                simde_mm512_storeu_ps(y1 + i * C + u * VL, o1);
            }
        }
    }
    vmask nan = 0;
    for (int u = 0; u < U; ++u) nan |= simde_mm512_cmp_ps_mask(det[u], det[u], SIMDE_CMP_UNORD_Q);
    if (nan)
        for (int64_t i = 0; i < n; ++i) {
            const window w0 = {pos0 + i * S, 1, 3, 3, 0, W, 1}, w1 = {pos0 + S * W + i * S, 1, 3, 3, 0, W, 1};
            reduce_block_exact(k, x, y0 + i * C, NULL, w0, U, masked, tail, is_min, IDX_NONE);
            reduce_block_exact(k, x, y1 + i * C, NULL, w1, U, masked, tail, is_min, IDX_NONE);
        }
}

SP_KERNEL_INLINE void pair_run_s(const ctx *k, const float *x, int64_t pos0, int64_t W, int64_t n, float *y0, float *y1, int S,
                          bool is_min) {
    int64_t c = 0;
    for (; c + FAST_U * VL <= k->nc; c += FAST_U * VL)
        pair_block(k, x + c, pos0, W, n, y0 + c, y1 + c, S, FAST_U, false, 0xFFFF, is_min);
    for (; c + VL <= k->nc; c += VL) pair_block(k, x + c, pos0, W, n, y0 + c, y1 + c, S, 1, false, 0xFFFF, is_min);
    if (c < k->nc)
        pair_block(k, x + c, pos0, W, n, y0 + c, y1 + c, S, 1, true, (vmask)((1u << (k->nc - c)) - 1), is_min);
}

static void pair_run(const ctx *k, const float *x, int64_t pos0, int64_t W, int64_t n, float *y0, float *y1, int S,
                     bool is_min) {
    if (is_min) {
        if (S == 1) pair_run_s(k, x, pos0, W, n, y0, y1, 1, true);
        else pair_run_s(k, x, pos0, W, n, y0, y1, 2, true);
    } else {
        if (S == 1) pair_run_s(k, x, pos0, W, n, y0, y1, 1, false);
        else pair_run_s(k, x, pos0, W, n, y0, y1, 2, false);
    }
}

/* Full windows of a KH x KW kernel: the stride picks the compile-time variant (1 and 2 carry columns when the
   window is not dilated; any other stride or a dilation loads every tap). */
SP_KERNEL_INLINE void fast_kernel(const ctx *k, const float *x, int64_t pos0, int64_t pstep, int64_t n, int64_t sh,
                           int64_t sw, float *y, int64_t *idx, int KH, int KW, bool is_min, int mode) {
    if (sw == 1 && pstep == 1) fast_run(k, x, pos0, pstep, n, sh, sw, y, idx, KH, KW, 1, is_min, mode);
    else if (sw == 1 && pstep == 2) fast_run(k, x, pos0, pstep, n, sh, sw, y, idx, KH, KW, 2, is_min, mode);
    else fast_run(k, x, pos0, pstep, n, sh, sw, y, idx, KH, KW, 0, is_min, mode);
}

/*
 * Global pooling: one output pixel whose window is the whole image, pixels 0 .. P-1 in order. Each pass keeps
 * GLOBAL_U vectors of channels in registers and walks every pixel (per lane, the scan order is the pixel order,
 * as everywhere): many independent dependency chains, and a software prefetch of the next pass's data.
 */
enum { GLOBAL_U = 8 };
SP_KERNEL_INLINE void global_block(const ctx *k, const float *x, int64_t P, float *y, int64_t *idx, int U, bool masked,
                            vmask tail, bool is_min, int mode) {
    const int64_t C = k->C;
    state s;
    vf best[GLOBAL_U], det[GLOBAL_U];
    vi at[GLOBAL_U];
    for (int u = 0; u < U; ++u) {
        best[u] = load_vec(x, u, U, masked, tail);
        det[u] = simde_mm512_mul_ps(best[u], best[u]);
        if (mode) at[u] = simde_mm512_setzero_si512();
    }
    const float *p = x + C;
    for (int64_t i = 1; i < P; ++i, p += C) {
        const vi pos = simde_mm512_set1_epi32((int32_t)i);
        /* The pass reads a short run of every pixel, far apart: the hardware prefetchers miss that pattern, so
           fetch this pixel's run of the next pass now (harmless past the end: prefetches never fault). */
        for (int u = 0; u < U; ++u) simde_mm_prefetch((const char *)(p + (U + u) * VL), SIMDE_MM_HINT_T1);
        for (int u = 0; u < U; ++u) {
            const vf v = load_vec(p, u, U, masked, tail);
            const vf nb = pick(v, best[u], is_min);
            det[u] = simde_mm512_fmadd_ps(v, v, det[u]);
            if (mode) at[u] = simde_mm512_mask_mov_epi32(at[u], changed(nb, best[u]), pos);
            best[u] = nb;
        }
    }
    vmask nan = 0;
    for (int u = 0; u < U; ++u) {
        s.best[0] = best[u];
        if (mode) s.at[0] = at[u];
        const bool part = masked && u == U - 1;
        store_state(k, &s, y + u * VL, mode ? idx + u * VL : NULL, 1, part, tail, mode);
        nan |= simde_mm512_cmp_ps_mask(det[u], det[u], SIMDE_CMP_UNORD_Q);
    }
    if (nan) {
        const window w = {0, 1, 1, P, 0, 0, 1};
        reduce_block_exact(k, x, y, idx, w, U, masked, tail, is_min, mode);
    }
}

SP_KERNEL_INLINE void global_pool(const ctx *k, const float *x, int64_t P, float *y, int64_t *idx, bool is_min, int mode) {
    int64_t c = 0;
    for (; c + GLOBAL_U * VL <= k->nc; c += GLOBAL_U * VL)
        global_block(k, x + c, P, y + c, mode ? idx + c : NULL, GLOBAL_U, false, 0xFFFF, is_min, mode);
    for (; c + VL <= k->nc; c += VL)
        global_block(k, x + c, P, y + c, mode ? idx + c : NULL, 1, false, 0xFFFF, is_min, mode);
    if (c < k->nc)
        global_block(k, x + c, P, y + c, mode ? idx + c : NULL, 1, true, (vmask)((1u << (k->nc - c)) - 1), is_min,
                     mode);
}

/* True if the plan has one output pixel whose window is the whole input, in pixel order. */
static bool is_global(const sp_pool_geometry *g) {
    if (sp_out_plane(g) != 1) return false;
    for (int a = 0; a < SP_AXES; ++a)
        if (g->first[a][0] != 0 || g->taps[a][0] != g->in[a] || (g->in[a] > 1 && g->dilation[a] != 1)) return false;
    return true;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Rows                                                                                                       */

/* Window shapes with a fully unrolled path for their full columns. */
enum fast_kind { FAST_NONE, FAST_2X2, FAST_3X3 };

SP_KERNEL_INLINE void pool_rows(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, int64_t row_begin,
                         int64_t row_end, bool is_min, int mode) {
    ctx k;
    k.C = g->channels;
    k.nc = sp_slice_channels(g);
    x += g->c_begin;
    y += g->c_begin;
    if (idx) idx += g->c_begin;
    k.clamp = g->clamp_output != 0;
    k.stream = sp_nhwc_streams_output(g, y, VL * (int64_t)sizeof(float));
    const bool prefetch = sp_nhwc_prefetches(g);
    k.lo = simde_mm512_set1_ps(g->clamp_min);
    k.hi = simde_mm512_set1_ps(g->clamp_max);
    const int64_t C = k.C, H = g->in[1], W = g->in[2], out_w = g->out[2];
    if (is_global(g) && mode != IDX_64) {
        if (row_begin < row_end) global_pool(&k, x, sp_in_plane(g), y, idx, is_min, mode == IDX_32 ? IDX_32 : IDX_NONE);
        if (k.stream) simde_mm_sfence();
        return;
    }
    enum fast_kind fast = FAST_NONE;
    if (g->kernel[0] == 1 && g->kernel[1] == 2 && g->kernel[2] == 2) fast = FAST_2X2;
    if (g->kernel[0] == 1 && g->kernel[1] == 3 && g->kernel[2] == 3) fast = FAST_3X3;
    const int64_t fb = g->full_begin[2], fe = g->full_end[2];
    /* Row pairs: 3x3 windows without indices, the same stride (1 or 2) along H and W, no dilation. */
    const int64_t pair_s = (fast == FAST_3X3 && mode == IDX_NONE && g->stride[1] == g->stride[2] &&
                            (g->stride[2] == 1 || g->stride[2] == 2) && g->dilation[1] == 1 && g->dilation[2] == 1)
                               ? g->stride[2]
                               : 0;
    for (int64_t r = row_begin; r < row_end; ++r) {
        const int64_t od = r / g->out[1], oh = r - od * g->out[1];
        window w;
        w.nd = g->taps[0][od];
        w.nh = g->taps[1][oh];
        w.sd = g->dilation[0] * H * W;
        w.sh = g->dilation[1] * W;
        w.sw = g->dilation[2];
        const int64_t base = g->first[0][od] * H * W + g->first[1][oh] * W;
        const bool row_full = fast != FAST_NONE && mode != IDX_64 && fb < fe && od >= g->full_begin[0] &&
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
                    pair_run(&k, x, base + g->first[2][fb], W, fe - fb, y_row + fb * C, y_next + fb * C, (int)pair_s,
                             is_min);
                    ow = fe;
                    if (ow >= out_w) break;
                }
                w.first = base + g->first[2][ow];
                w.nw = g->taps[2][ow];
                reduce_pixel(&k, x, y_row + ow * C, NULL, w, is_min, mode);
                w1.first = base1 + g->first[2][ow];
                w1.nw = w.nw;
                reduce_pixel(&k, x, y_next + ow * C, NULL, w1, is_min, mode);
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
                if (fast == FAST_2X2) fast_kernel(&k, x, pos0, pstep, n, w.sh, w.sw, yo, io, 2, 2, is_min, mode);
                else fast_kernel(&k, x, pos0, pstep, n, w.sh, w.sw, yo, io, 3, 3, is_min, mode);
                ow = fe;
                if (ow >= out_w) break;
            }
            if (prefetch && ow + SP_NHWC_PREFETCH_AHEAD < out_w)
                sp_nhwc_prefetch_window(x, C, k.nc, base + g->first[2][ow + SP_NHWC_PREFETCH_AHEAD], w.nd, w.nh,
                                        g->taps[2][ow + SP_NHWC_PREFETCH_AHEAD], w.sd, w.sh, w.sw);
            w.first = base + g->first[2][ow];
            w.nw = g->taps[2][ow];
            reduce_pixel(&k, x, y_row + ow * C, mode ? i_row + ow * C : NULL, w, is_min, mode);
        }
    }
    if (k.stream) simde_mm_sfence(); /* streamed stores are weakly ordered: complete them before returning */
}

/* Index lanes are int32 when every in-plane position fits. */
static int index_mode(const sp_pool_geometry *g, const int64_t *idx) {
    if (idx == NULL) return IDX_NONE;
    return sp_in_plane(g) <= INT32_MAX ? IDX_32 : IDX_64;
}

static void max_rows(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, int64_t rb, int64_t re,
                     int mode) {
    if (mode == IDX_32) pool_rows(g, x, y, idx, rb, re, false, IDX_32);
    else if (mode == IDX_64) pool_rows(g, x, y, idx, rb, re, false, IDX_64);
    else pool_rows(g, x, y, NULL, rb, re, false, IDX_NONE);
}

static void min_rows(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, int64_t rb, int64_t re,
                     int mode) {
    if (mode == IDX_32) pool_rows(g, x, y, idx, rb, re, true, IDX_32);
    else if (mode == IDX_64) pool_rows(g, x, y, idx, rb, re, true, IDX_64);
    else pool_rows(g, x, y, NULL, rb, re, true, IDX_NONE);
}

void sp_avx512_maxpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end) {
    max_rows(g, x, y, idx, row_begin, row_end, index_mode(g, idx));
}

void sp_avx512_minpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end) {
    min_rows(g, x, y, idx, row_begin, row_end, index_mode(g, idx));
}
