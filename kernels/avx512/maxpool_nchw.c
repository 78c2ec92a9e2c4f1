/*
 * AVX-512 NCHW max/min forward, f32, with and without indices.
 *
 * NCHW has no channel axis to vectorise over, so vectors run along the output width: a block is 16
 * consecutive outputs of one output row, lane i holding output column o0 + i, whose W taps start at input
 * column b + S*i (b = o0*S - pad_begin). Every lane reduces its own window with the reference's rule
 * `(v > best) || isnan(v)` (min: `<`), so values, indices and even NaN payloads are bit-identical to the scalar
 * kernel. The rule is associative (it picks the last NaN if any, else the first position of the best value),
 * so a window may be folded as (each tap row) then (the rows, in order) without changing a bit of the result.
 *
 * An output row is computed in passes over up to three of its tap rows (D taps outer, H taps inner); each pass
 * runs over the row's blocks, which are independent, so the loop pipelines instead of waiting on one window's
 * chain of folds. Rows with more tap rows keep their running result in y and an int32 scratch between passes.
 * Loading one tap for 16 lanes (lane i reads column p + S*i):
 *   S = 1     one unaligned load;
 *   S = 2     deinterleaving loads: two vectors and one vshufps taking the even or odd columns (vshufps has
 *             twice vpermt2ps's throughput on Zen 4); the block works in vshufps's lane order and restores the
 *             natural one once with vpermps;
 *   S = 3..8  a few loads merged by masked vpermps (lane i takes element S*i mod 16 of vector S*i / 16);
 *   S > 8     a gather.
 * 2x2/2, 3x3/2 and 3x3/1 are the same code instantiated with constant stride, kernel width and dilation; any
 * other window runs the same vector code with runtime values.
 *
 * Only the plan's full range (windows wholly inside the input) runs in vectors. The few output columns whose
 * windows the W borders clip (padding, ceil_mode: O(kernel) columns per row) are computed one by one with the
 * reference's scan. The last partial block of the full range overlaps its neighbour (single-pass rows: it
 * recomputes equal values) or loads with masks. Adaptive plans whose W windows are uniform (out divides in)
 * run as sliding windows; other adaptive plans gather each lane's window from the tables. Global pooling (one
 * output per plane, the window the whole plane) runs the AVX2 kernel, whose 8-plane transpose tree measured
 * faster on Zen 4 (512-bit operations are double-pumped there).
 *
 * Without indices, most sliding plans first try x86/nchw_extremum_fast.h per output row: tap rows reduced
 * vertically into a row buffer, then one horizontal pass; a row where that order could show (a NaN tap, a
 * zero output) is recomputed here, exactly. 2x2/2 and 3x3/2 rows stream without the buffer, a plane at a time.
 *
 * Indices: a lane tracks the winning tap's offset from its window start in int32; the int64 in-plane index
 * is formed once per block on store. Planes of 2^31 elements or more take the scalar reference kernel (the
 * only non-vector case).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx512.h>

#include "kernels.h"
#include "x86/nchw_width_plan.h"
#include "x86/nchw_extremum_fast_v8.h"



enum { V = 16 };

/* Narrower output rows, and every streaming (2x2/2, 3x3/2) plan, take the fast path in 8 lanes (measured on
   Zen 4: equal for vgg's 112-wide 2x2/2 rows, ~15% faster for 100-wide 3x3/2 rows, L2-resident). */
enum { SP_FAST16_MIN_OUT_W = 64 };

/* Planes below this many elements keep every tap offset and position in int32 lanes. */
#define SP_INT32_PLANE_LIMIT ((int64_t)INT32_MAX - 16 * V)

/* ---------------------------------------------------------------------------------------------------------- */
/* Intrinsics that simde 0.7 does not provide: native AVX-512 where the compiler targets it, a portable loop
   elsewhere (touching only the selected lanes, like the instructions). */

#if defined(SIMDE_X86_AVX512F_NATIVE) && defined(SIMDE_X86_AVX512VL_NATIVE)
#define SP_AVX512_NATIVE 1
#else
#define SP_AVX512_NATIVE 0
#endif

/* Lane i = p[i] where k is set, src[i] elsewhere; unselected lanes are never read. */
SP_KERNEL_INLINE simde__m512 ld_mask(simde__m512 src, simde__mmask16 k, const float *p)
{
#if SP_AVX512_NATIVE
    return _mm512_mask_loadu_ps(src, k, p);
#else
    float t[V];
    simde_mm512_storeu_ps(t, src);
    for (int i = 0; i < V; ++i)
        if ((k >> i) & 1) t[i] = p[i];
    return simde_mm512_loadu_ps(t);
#endif
}

SP_KERNEL_INLINE void st_mask(float *p, simde__mmask16 k, simde__m512 v)
{
#if SP_AVX512_NATIVE
    _mm512_mask_storeu_ps(p, k, v);
#else
    float t[V];
    simde_mm512_storeu_ps(t, v);
    for (int i = 0; i < V; ++i)
        if ((k >> i) & 1) p[i] = t[i];
#endif
}

SP_KERNEL_INLINE void st_mask_epi64(int64_t *p, simde__mmask8 k, simde__m512i v)
{
#if SP_AVX512_NATIVE
    _mm512_mask_storeu_epi64(p, k, v);
#else
    int64_t t[8];
    simde_mm512_storeu_epi64(t, v);
    for (int i = 0; i < 8; ++i)
        if ((k >> i) & 1) p[i] = t[i];
#endif
}

/* Lane i = base[vindex[i]] where k is set, src[i] elsewhere. */
SP_KERNEL_INLINE simde__m512 gather_mask(simde__m512 src, simde__mmask16 k, simde__m512i vindex, const float *base)
{
#if SP_AVX512_NATIVE
    return _mm512_mask_i32gather_ps(src, k, vindex, base, 4);
#else
    int32_t ix[V];
    float t[V];
    simde_mm512_storeu_si512(ix, vindex);
    simde_mm512_storeu_ps(t, src);
    for (int i = 0; i < V; ++i)
        if ((k >> i) & 1) t[i] = base[ix[i]];
    return simde_mm512_loadu_ps(t);
#endif
}

/* Sign-extends int32 lanes 0-7 (half 0) or 8-15 (half 1) to int64. */
SP_KERNEL_INLINE simde__m512i widen_half(simde__m512i v, int half)
{
#if SP_AVX512_NATIVE
    return _mm512_cvtepi32_epi64(half ? _mm512_extracti64x4_epi64(v, 1) : _mm512_castsi512_si256(v));
#else
    int32_t s[V];
    int64_t t[8];
    simde_mm512_storeu_si512(s, v);
    for (int i = 0; i < 8; ++i) t[i] = s[8 * half + i];
    return simde_mm512_loadu_epi64(t);
#endif
}

/* GCC rebuilds a known constant vector lane by lane (16 masked broadcasts) whenever a permute overwrites
   its register; hiding the value behind an empty asm makes it keep and copy the loaded register instead. */
SP_KERNEL_INLINE simde__m512i opaque(simde__m512i v)
{
#if SP_AVX512_NATIVE && defined(__GNUC__)
    __asm__("" : "+v"(v));
#endif
    return v;
}

/* Constant vectors come from static arrays: simde's setr builds them lane by lane. */
static const int32_t k_iota[V] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

SP_KERNEL_INLINE simde__m512i iota_epi32(void) { return opaque(simde_mm512_loadu_si512(k_iota)); }

/* ---------------------------------------------------------------------------------------------------------- */
/* Small helpers */

SP_KERNEL_INLINE simde__m512 as_ps(simde__m512i v) { return simde_mm512_castsi512_ps(v); }
SP_KERNEL_INLINE simde__m512i as_si(simde__m512 v) { return simde_mm512_castps_si512(v); }

/* Bits [lo, hi) of a 16-lane mask, both clamped to [0, 16]. */
SP_KERNEL_INLINE simde__mmask16 range_mask(int64_t lo, int64_t hi)
{
    if (lo < 0) lo = 0;
    if (hi > V) hi = V;
    if (lo >= hi) return 0;
    return (simde__mmask16)((((uint32_t)1 << hi) - 1u) & ~(((uint32_t)1 << lo) - 1u));
}

SP_KERNEL_INLINE simde__m512 clamp_vec(const sp_pool_geometry *g, simde__m512 v)
{
    if (!g->clamp_output) return v;
    const simde__m512 lo = simde_mm512_set1_ps(g->clamp_min), hi = simde_mm512_set1_ps(g->clamp_max);
    /* NaN fails both comparisons and is kept, like sp_clamp. */
    v = simde_mm512_mask_mov_ps(v, simde_mm512_cmp_ps_mask(v, lo, SIMDE_CMP_LT_OQ), lo);
    return simde_mm512_mask_mov_ps(v, simde_mm512_cmp_ps_mask(v, hi, SIMDE_CMP_GT_OQ), hi);
}

SP_KERNEL_INLINE simde__m512 worst_value(bool is_min) { return simde_mm512_set1_ps(is_min ? INFINITY : -INFINITY); }

/* The reference's rule for a later candidate v against the running best: strictly better, or NaN. */
SP_KERNEL_INLINE simde__mmask16 wins(simde__m512 v, simde__m512 best, bool is_min)
{
    const simde__mmask16 better = is_min ? simde_mm512_cmp_ps_mask(v, best, SIMDE_CMP_LT_OQ)
                                         : simde_mm512_cmp_ps_mask(v, best, SIMDE_CMP_GT_OQ);
    return better | simde_mm512_cmp_ps_mask(v, v, SIMDE_CMP_UNORD_Q);
}

/* best = rule(best, v), v being later in scan order. Without indices: vmaxps(v, best) is `v > best ? v :
   best` (ties and a NaN best keep best), and a NaN v is taken through the mask. rel: the later side's tap
   offsets (a broadcast for one tap, or a vector for a folded run of taps). */
SP_KERNEL_INLINE void fold(simde__m512 *best, simde__m512i *rel, simde__m512 v, simde__m512i v_rel, bool is_min,
                    bool with_idx)
{
    if (!with_idx) {
        const simde__mmask16 num = (simde__mmask16)~simde_mm512_cmp_ps_mask(v, v, SIMDE_CMP_UNORD_Q);
        *best = is_min ? simde_mm512_mask_min_ps(v, num, v, *best) : simde_mm512_mask_max_ps(v, num, v, *best);
        return;
    }
    const simde__mmask16 take = wins(v, *best, is_min);
    *best = simde_mm512_mask_mov_ps(*best, take, v);
    *rel = simde_mm512_mask_mov_epi32(*rel, take, v_rel);
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
/* Loading one tap for the 16 lanes of a block: lane i reads column p + S*i of one input row. */

enum { MODE_GATHER = 0, MODE_S1 = 1, MODE_S2 = 2, MODE_STRIDED = 3 };

/* Stride 2 deinterleaves with vshufps (twice the throughput of vpermt2ps on Zen 4): 128-bit lane q of
   shufps(lo, hi, 0x88) holds outputs 2q, 2q+1, 8+2q, 9+2q. A block works in that lane order and restores the
   natural one once, with k_unshuffle. */
static const int32_t k_unshuffle[V] = {0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15};

typedef struct loader {
    int64_t S, W;
    simde__m512i unshuffle; /* S = 2 */
    simde__m512i perm;      /* strided: lane i takes element S*i mod 16 ... */
    simde__mmask16 from[8]; /* ... of source vector j for the lanes in from[j] */
    int nv;                 /* strided: source vectors (16 columns each) covering 15*S + 1 columns */
    simde__mmask16 last;    /* strided: columns of the last source vector that some lane needs */
    simde__m512i vS;        /* S*i */
} loader;

static loader make_loader(int64_t S, int64_t W)
{
    loader l;
    memset(&l, 0, sizeof l);
    l.S = S;
    l.W = W;
    l.unshuffle = simde_mm512_loadu_si512(k_unshuffle);
    int32_t perm[V];
    for (int i = 0; i < V; ++i) {
        const int64_t e = S * i;
        perm[i] = (int32_t)(e % V);
        if (S <= 8) l.from[e / V] |= (simde__mmask16)(1u << i);
    }
    l.perm = simde_mm512_loadu_si512(perm);
    l.nv = (int)((15 * S + 1 + V - 1) / V);
    l.last = range_mask(0, 15 * S + 1 - (int64_t)(l.nv - 1) * V);
    l.vS = simde_mm512_mullo_epi32(iota_epi32(), simde_mm512_set1_epi32((int32_t)S));
    return l;
}

/* Tap at offset o from a block's first column b; rb = row + b, p = b + o (lane 0's column).
   Full blocks (!edge): every needed column lies inside the row. `last_even` (S = 2): the block's largest
   even offset, whose second load would read one column past the last needed one (possibly past the input).
   Edge blocks: columns outside [0, W) are not read and become `fill`. S = 2 returns the shuffled lane order. */
SP_KERNEL_INLINE simde__m512 load_tap(const loader *l, const float *rb, int64_t o, int64_t p, int mode, bool edge,
                               bool last_even, simde__m512 fill)
{
    const int64_t W = l->W;
    if (mode == MODE_S1) {
        if (!edge) return simde_mm512_loadu_ps(rb + o);
        return ld_mask(fill, range_mask(-p, W - p), rb + o);
    }
    if (mode == MODE_S2) {
        const int64_t odd = o & 1, qc = p - odd; /* column of the first loaded element */
        const float *q = rb + o - odd;
        simde__m512 lo, hi;
        if (!edge) {
            lo = simde_mm512_loadu_ps(q);
            hi = last_even ? ld_mask(fill, 0x7FFF, q + V) : simde_mm512_loadu_ps(q + V);
        } else {
            lo = ld_mask(fill, range_mask(-qc, W - qc), q);
            hi = ld_mask(fill, range_mask(-qc - V, W - qc - V), q + V);
        }
        return odd ? simde_mm512_shuffle_ps(lo, hi, 0xDD) : simde_mm512_shuffle_ps(lo, hi, 0x88);
    }
    if (mode == MODE_STRIDED) {
        const float *q = rb + o;
        simde__m512 r = fill;
        for (int j = 0; j < l->nv; ++j) {
            const int64_t c = p + (int64_t)j * V;
            simde__m512 src;
            if (edge) src = ld_mask(fill, range_mask(-c, W - c), q + j * V);
            else if (j == l->nv - 1) src = ld_mask(fill, l->last, q + j * V);
            else src = simde_mm512_loadu_ps(q + j * V);
            r = simde_mm512_mask_permutexvar_ps(r, l->from[j], l->perm, src);
        }
        return r;
    }
    /* Gather: lanes whose column lies outside the row keep `fill`. */
    simde__mmask16 k = 0xFFFF;
    if (edge) {
        const simde__m512i col = simde_mm512_add_epi32(l->vS, simde_mm512_set1_epi32((int32_t)p));
        k = (simde__mmask16)(simde_mm512_cmpgt_epi32_mask(col, simde_mm512_set1_epi32(-1)) &
                             simde_mm512_cmpgt_epi32_mask(simde_mm512_set1_epi32((int32_t)W), col));
    }
    return gather_mask(fill, k, l->vS, rb + o);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The vertical-first fast path without indices (x86/nchw_extremum_fast.h) on 16 lanes, as sp_fast16_* */

/* After the K4S4 transpose, lane 4q + j holds window 4j + q. */
static const int32_t k_from_quads[V] = {0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15};
/* vpermt2ps indices (16 and up: the second operand): even and odd columns of a:b, and a shifted by one lane. */
static const int32_t k_even_nat[V] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
static const int32_t k_odd_nat[V] = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
static const int32_t k_next1[V] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
static const int32_t k_next1_last[V] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 31};

#define FV_L V
#define FV_NAME(n) sp_fast16_##n
#define fvec simde__m512
#define fvflag simde__mmask16
#define fv_loadu(p) simde_mm512_loadu_ps(p)
#define fv_storeu(p, v) simde_mm512_storeu_ps((p), (v))
#define fv_store_first(p, v, n) st_mask((p), range_mask(0, (n)), (v))
#define fv_load_cols(fill, p, lo, hi) ld_mask((fill), range_mask((lo), (hi)), (p))
#define fv_set1(x) simde_mm512_set1_ps(x)
#define fv_max(a, b) simde_mm512_max_ps((a), (b))
#define fv_min(a, b) simde_mm512_min_ps((a), (b))
#define fv_even(lo, hi) simde_mm512_shuffle_ps((lo), (hi), 0x88)
#define fv_odd(lo, hi) simde_mm512_shuffle_ps((lo), (hi), 0xDD)
#define fv_from_pairs(v) simde_mm512_permutexvar_ps(simde_mm512_loadu_si512(k_unshuffle), (v))
#define fv_from_quads(v) simde_mm512_permutexvar_ps(simde_mm512_loadu_si512(k_from_quads), (v))
#define FV_DEINTERLEAVE_ONE_OP
#define fv_even_nat(lo, hi) simde_mm512_permutex2var_ps((lo), opaque(simde_mm512_loadu_si512(k_even_nat)), (hi))
#define fv_odd_nat(lo, hi) simde_mm512_permutex2var_ps((lo), opaque(simde_mm512_loadu_si512(k_odd_nat)), (hi))
#define fv_next1(v, n) simde_mm512_permutex2var_ps((v), opaque(simde_mm512_loadu_si512(k_next1)), (n))
#define fv_next1_last(v, n) simde_mm512_permutex2var_ps((v), opaque(simde_mm512_loadu_si512(k_next1_last)), (n))
#define fv_shift_in(fill, v, s) \
    simde_mm512_mask_permutexvar_ps((fill), range_mask((s), V), \
                                    simde_mm512_sub_epi32(iota_epi32(), simde_mm512_set1_epi32((int32_t)(s))), (v))
#define fv_flag_none() ((simde__mmask16)0)
#define fv_flag_unord(f, a, b) ((simde__mmask16)((f) | simde_mm512_cmp_ps_mask((a), (b), SIMDE_CMP_UNORD_Q)))
#define fv_flag_zero(f, v, n) \
    ((simde__mmask16)((f) | (simde_mm512_cmp_ps_mask((v), simde_mm512_setzero_ps(), SIMDE_CMP_EQ_OQ) & \
                             range_mask(0, (n)))))
#define fv_flag_any(f) ((f) != 0)

#include "x86/nchw_extremum_fast.h"

#undef FV_L
#undef FV_NAME
#undef fvec
#undef fvflag
#undef fv_loadu
#undef fv_storeu
#undef fv_store_first
#undef fv_load_cols
#undef fv_set1
#undef fv_max
#undef fv_min
#undef fv_even
#undef fv_odd
#undef fv_from_pairs
#undef fv_from_quads
#undef fv_even_nat
#undef fv_odd_nat
#undef fv_next1
#undef fv_next1_last
#undef fv_shift_in
#undef FV_DEINTERLEAVE_ONE_OP
#undef fv_flag_none
#undef fv_flag_unord
#undef fv_flag_zero
#undef fv_flag_any

/* ---------------------------------------------------------------------------------------------------------- */
/* Output rows: passes over the tap rows, output columns innermost */

/*
 * An output row is computed in passes over its tap rows (D taps outer, H taps inner, as the reference scans
 * them), up to three tap rows per pass; each pass runs over the row's blocks of 16 outputs, which are
 * independent of each other, so the loop pipelines instead of waiting on one window's chain of folds. A pass
 * folds its rows into the running result that the previous pass left in y (values) and `acc_rel` (int32 tap
 * offsets), or into y and idx directly when it is the last. Rows wider than CHUNK outputs are cut into chunks
 * so that acc_rel stays on the stack.
 */
enum { CHUNK = 512, ROWS_PER_PASS = 3 };

typedef struct rowctx {
    const sp_pool_geometry *g;
    const wplan *w;
    const loader *l;
    float *y;         /* the output row */
    int64_t *idx;     /* its indices (or NULL) */
    int32_t *acc_rel; /* running tap offsets of outputs [c0, c1) between passes (index o - c0) */
    int64_t base;     /* in-plane offset of the first tap row's column 0 */
    simde__m512i iotaS_lo, iotaS_hi; /* S*i for lanes 0-7 and 8-15, int64 */
} rowctx;

/* Taps j < K of one row at offsets j*dw, folded in scan order. */
SP_KERNEL_INLINE void fold_row(const loader *l, const float *rb, int64_t b, int64_t rrel, int64_t K, int64_t dw, int mode,
                        bool edge, bool is_min, bool with_idx, simde__m512 *h_out, simde__m512i *hrel_out)
{
    const simde__m512 fill = worst_value(is_min);
    const int64_t last = (K - 1) * dw;
    const bool last_even = (last & 1) == 0;
    simde__m512 h = load_tap(l, rb, 0, b, mode, edge, last == 0 && last_even, fill);
    simde__m512i hrel = simde_mm512_setzero_si512();
    if (with_idx) hrel = simde_mm512_set1_epi32((int32_t)rrel);
    for (int64_t j = 1; j < K; ++j) {
        const int64_t o = j * dw;
        const simde__m512 v = load_tap(l, rb, o, b + o, mode, edge, o == last && last_even, fill);
        fold(&h, &hrel, v, simde_mm512_set1_epi32((int32_t)(rrel + o)), is_min, with_idx);
    }
    *h_out = h;
    *hrel_out = hrel;
}

/* The m tap rows of one pass for the block at column b: their fold in scan order, in natural lane order. */
SP_KERNEL_INLINE void block_rows(const loader *l, const float *const *rows, const int64_t *rrel, int m, int64_t b,
                          int64_t K, int64_t dw, int mode, bool edge, bool is_min, bool with_idx, simde__m512 *t_out,
                          simde__m512i *trel_out)
{
    simde__m512 t;
    simde__m512i trel;
    fold_row(l, rows[0] + b, b, rrel[0], K, dw, mode, edge, is_min, with_idx, &t, &trel);
    for (int j = 1; j < m; ++j) {
        simde__m512 h;
        simde__m512i hrel;
        fold_row(l, rows[j] + b, b, rrel[j], K, dw, mode, edge, is_min, with_idx, &h, &hrel);
        fold(&t, &trel, h, hrel, is_min, with_idx);
    }
    if (mode == MODE_S2) {
        t = simde_mm512_permutexvar_ps(l->unshuffle, t);
        if (with_idx) trel = simde_mm512_permutexvar_epi32(l->unshuffle, trel);
    }
    *t_out = t;
    *trel_out = trel;
}

/* Folds a block's pass result (t, trel) into the running result of outputs [o0, o0 + r) and stores it: in y and
   acc_rel between passes, finished (clamped, indices widened) after the last. b: the block's first column. */
SP_KERNEL_INLINE void finish_block(const rowctx *c, int64_t o0, int64_t c0, int64_t r, int64_t b, simde__m512 t,
                            simde__m512i trel, bool first, bool last, bool is_min, bool with_idx)
{
    const simde__mmask16 out_mask = range_mask(0, r);
    if (!first) { /* the earlier rows' result comes first in scan order */
        simde__m512 a = r == V ? simde_mm512_loadu_ps(c->y + o0) : ld_mask(t, out_mask, c->y + o0);
        simde__m512i arel = trel;
        if (with_idx)
            arel = r == V ? simde_mm512_loadu_si512(c->acc_rel + (o0 - c0))
                          : as_si(ld_mask(as_ps(trel), out_mask, (const float *)(c->acc_rel + (o0 - c0))));
        fold(&a, &arel, t, trel, is_min, with_idx);
        t = a;
        trel = arel;
    }
    if (!last) {
        if (r == V) simde_mm512_storeu_ps(c->y + o0, t);
        else st_mask(c->y + o0, out_mask, t);
        if (with_idx) {
            if (r == V) simde_mm512_storeu_si512(c->acc_rel + (o0 - c0), trel);
            else st_mask((float *)(c->acc_rel + (o0 - c0)), out_mask, as_ps(trel));
        }
        return;
    }
    t = clamp_vec(c->g, t);
    if (r == V) simde_mm512_storeu_ps(c->y + o0, t);
    else st_mask(c->y + o0, out_mask, t);
    if (with_idx) {
        const simde__m512i b64 = simde_mm512_set1_epi64(c->base + b);
        const simde__m512i lo = simde_mm512_add_epi64(simde_mm512_add_epi64(b64, c->iotaS_lo), widen_half(trel, 0));
        const simde__m512i hi = simde_mm512_add_epi64(simde_mm512_add_epi64(b64, c->iotaS_hi), widen_half(trel, 1));
        if (r == V) {
            simde_mm512_storeu_epi64(c->idx + o0, lo);
            simde_mm512_storeu_epi64(c->idx + o0 + 8, hi);
        } else {
            st_mask_epi64(c->idx + o0, (simde__mmask8)(out_mask & 0xFF), lo);
            st_mask_epi64(c->idx + o0 + 8, (simde__mmask8)(out_mask >> 8), hi);
        }
    }
}

/* A partial block: outputs [o0, o0 + r), r < 16, inside the full range; loads are masked to the row so that
   the unused lanes read nothing past it. Rare (at most one per pass): out of line, runtime mode and sizes. */
SP_KERNEL_INLINE void partial_block(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t o0,
                             int64_t c0, int64_t r, bool first, bool last, int mode, bool is_min, bool with_idx)
{
    const wplan *w = c->w;
    const int64_t b = o0 * w->S + w->shift;
    simde__m512 t;
    simde__m512i trel;
    if (mode == MODE_S1)
        block_rows(c->l, rows, rrel, m, b, w->K, w->dw, MODE_S1, true, is_min, with_idx, &t, &trel);
    else if (mode == MODE_S2)
        block_rows(c->l, rows, rrel, m, b, w->K, w->dw, MODE_S2, true, is_min, with_idx, &t, &trel);
    else if (mode == MODE_STRIDED)
        block_rows(c->l, rows, rrel, m, b, w->K, w->dw, MODE_STRIDED, true, is_min, with_idx, &t, &trel);
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

/* One pass over outputs [c0, c1) of the full range: blocks of 16, the hot loop. A trailing partial block either
   overlaps the previous one (single-pass rows only: it recomputes equal values from scratch) or is masked. */
SP_KERNEL_INLINE void pass(const rowctx *c, const float *const *rows, const int64_t *rrel, int m, int64_t c0, int64_t c1,
                    bool first, bool last, bool overlap, int mode, int64_t KC, int64_t DWC, bool is_min,
                    bool with_idx)
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
        simde__m512 t;
        simde__m512i trel;
        block_rows(c->l, rows, rrel, m, b, K, dw, mode, false, is_min, with_idx, &t, &trel);
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
SP_KERNEL_INLINE void row_table(const sp_pool_geometry *g, const taprows *t, float *y, int64_t *idx, bool is_min,
                         bool with_idx)
{
    const int64_t out_w = g->out[2], dw = g->dilation[2];
    const int64_t *first_w = g->first[2];
    const int32_t *taps_w = g->taps[2];
    const simde__m512 fill = worst_value(is_min);
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
        const simde__m512i fv = simde_mm512_loadu_si512(f), nv = simde_mm512_loadu_si512(n);
        simde__m512 best = fill;
        simde__m512i rel = simde_mm512_setzero_si512();
        for (int64_t jd = 0; jd < t->nd; ++jd) {
            for (int64_t jh = 0; jh < t->nh; ++jh) {
                const int64_t rrel = jd * t->sd + jh * t->sh;
                const float *rb = t->x + rrel;
                for (int32_t j = 0; j < max_taps; ++j) {
                    const simde__mmask16 m = simde_mm512_cmpgt_epi32_mask(nv, simde_mm512_set1_epi32(j));
                    const simde__m512i at = simde_mm512_add_epi32(fv, simde_mm512_set1_epi32((int32_t)(j * dw)));
                    const simde__m512 v = gather_mask(fill, m, at, rb);
                    fold(&best, &rel, v, simde_mm512_set1_epi32((int32_t)(rrel + j * dw)), is_min, with_idx);
                }
            }
        }
        best = clamp_vec(g, best);
        const simde__mmask16 om = range_mask(0, r);
        st_mask(y + o0, om, best);
        if (with_idx) {
            const simde__m512i b64 = simde_mm512_set1_epi64(t->base);
            st_mask_epi64(idx + o0, (simde__mmask8)(om & 0xFF),
                          simde_mm512_add_epi64(simde_mm512_add_epi64(b64, simde_mm512_loadu_epi64(f64)),
                                                widen_half(rel, 0)));
            st_mask_epi64(idx + o0 + 8, (simde__mmask8)(om >> 8),
                          simde_mm512_add_epi64(simde_mm512_add_epi64(b64, simde_mm512_loadu_epi64(f64 + 8)),
                                                widen_half(rel, 1)));
        }
    }
}

/* Every output row of `planes` planes. mode: how a tap is loaded (MODE_*); KC/DWC: compile-time kernel width
   and dilation (0: the plan's); table: non-uniform adaptive windows. */
SP_KERNEL_INLINE void run_planes(const sp_pool_geometry *g, const wplan *w, const float *x, float *y, int64_t *idx,
                          size_t planes, int mode, int64_t KC, int64_t DWC, bool table, bool is_min, bool with_idx)
{
    const int64_t H = g->in[1], W = g->in[2], HW = H * W, in_plane = g->in[0] * HW;
    const int64_t out_h = g->out[1], out_w = g->out[2], out_plane = sp_out_plane(g);
    const int64_t S = table ? 1 : w->S;
    const loader l = make_loader(S, W);
    const int64_t lane_s[8] = {0, S, 2 * S, 3 * S, 4 * S, 5 * S, 6 * S, 7 * S};
    rowctx c;
    int32_t acc_rel[CHUNK];
    c.acc_rel = acc_rel;
    c.g = g;
    c.w = w;
    c.l = &l;
    c.iotaS_lo = simde_mm512_loadu_epi64(lane_s);
    c.iotaS_hi = simde_mm512_add_epi64(c.iotaS_lo, simde_mm512_set1_epi64(8 * S));
    taprows t;
    t.sd = g->dilation[0] * HW;
    t.sh = g->dilation[1] * W;
    const sp_fast_plan fast = with_idx ? (sp_fast_plan){0} : sp_fast_plan_make(g, w->K, w->S, w->dw, w->shift, w->fb, w->fe, table);
    const bool fast_narrow = out_w < SP_FAST16_MIN_OUT_W || fast.stream;
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
                    if (nr && (fast_narrow ? sp_fast8_row(&fast, g, fast_rows, nr, c.y, fast_buf, is_min)
                                           : sp_fast16_row(&fast, g, fast_rows, nr, c.y, fast_buf, is_min)))
                        continue;
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

SP_DECLARE_FAMILY(avx2, maxpool)
SP_DECLARE_FAMILY(avx2, minpool)

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
    if (is_global(g)) { /* the AVX2 kernel's 8-plane tree measured faster on Zen 4 (512-bit ops double-pumped) */
        if (is_min) sp_avx2_minpool_fwd_nchw_f32(g, x, y, idx, planes);
        else sp_avx2_maxpool_fwd_nchw_f32(g, x, y, idx, planes);
        return;
    }
    const wplan w = make_wplan(g);
    if (w.table) run_planes(g, &w, x, y, idx, planes, MODE_GATHER, 0, 0, true, is_min, with_idx);
    else if (w.S == 2 && w.K == 2 && w.dw == 1) run_planes(g, &w, x, y, idx, planes, MODE_S2, 2, 1, false, is_min, with_idx);
    else if (w.S == 2 && w.K == 3 && w.dw == 1) run_planes(g, &w, x, y, idx, planes, MODE_S2, 3, 1, false, is_min, with_idx);
    else if (w.S == 1 && w.K == 3 && w.dw == 1) run_planes(g, &w, x, y, idx, planes, MODE_S1, 3, 1, false, is_min, with_idx);
    else if (w.S == 1) run_planes(g, &w, x, y, idx, planes, MODE_S1, 0, 0, false, is_min, with_idx);
    else if (w.S == 2) run_planes(g, &w, x, y, idx, planes, MODE_S2, 0, 0, false, is_min, with_idx);
    else if (w.S <= 8) run_planes(g, &w, x, y, idx, planes, MODE_STRIDED, 0, 0, false, is_min, with_idx);
    else run_planes(g, &w, x, y, idx, planes, MODE_GATHER, 0, 0, false, is_min, with_idx);
}

void sp_avx512_maxpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    if (idx) extremum(g, x, y, idx, planes, false, true);
    else extremum(g, x, y, NULL, planes, false, false);
}

void sp_avx512_minpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    if (idx) extremum(g, x, y, idx, planes, true, true);
    else extremum(g, x, y, NULL, planes, true, false);
}
