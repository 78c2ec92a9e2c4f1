/*
 * AVX-512 NCHW max/min forward, f32, with and without indices: the vector layer of kernels/x86/maxpool_nchw.h
 * (which describes the algorithm) on 16 lanes, with k-masks.
 *
 * Loading one tap for 16 lanes (lane i reads column p + S*i):
 *   S = 1     one unaligned load;
 *   S = 2     deinterleaving loads: two vectors and one vshufps taking the even or odd columns (vshufps has
 *             twice vpermt2ps's throughput on Zen 4); the block works in vshufps's lane order and restores the
 *             natural one once with vpermps;
 *   S = 3..8  a few loads merged by masked vpermps (lane i takes element S*i mod 16 of vector S*i / 16);
 *   S > 8     a gather.
 *
 * The fast path without indices (x86/nchw_extremum_fast.h) runs on 16 lanes for wide rows and on 8 for the
 * rest; its 16-lane vector interface (fvec, fv_*) is also the one the shared body uses. Global pooling (one
 * output per plane, the window the whole plane) runs the AVX2 kernel, whose 8-plane transpose tree measured
 * faster on Zen 4 (512-bit operations are double-pumped).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx512.h>

#include "kernels.h"
#include "avx512/simde_gaps.h"
#include "x86/nchw_extremum_fast_v8.h"

enum { V = 16 };

/* Narrower output rows, and every streaming (2x2/2, 3x3/2) plan, take the fast path in 8 lanes (measured on
   Zen 4: equal for vgg's 112-wide 2x2/2 rows, ~15% faster for 100-wide 3x3/2 rows, L2-resident). */
enum { SP_FAST16_MIN_OUT_W = 64 };

/* The shared body's masked access (x86/maxpool_nchw.h names them for both ISAs). */
SP_KERNEL_INLINE simde__m512 ld_mask(simde__m512 fill, simde__mmask16 k, const float *p)
{
    return sp512_mask_load(fill, k, p);
}
SP_KERNEL_INLINE void st_mask(float *p, simde__mmask16 k, simde__m512 v) { sp512_mask_store(p, k, v); }
SP_KERNEL_INLINE simde__m512i widen_half(simde__m512i v, int half) { return sp512_widen_half(v, half); }

/* Constant vectors come from static arrays: simde's setr builds them lane by lane. */
static const int32_t k_iota[V] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};

SP_KERNEL_INLINE simde__m512i iota_epi32(void) { return sp512_opaque(simde_mm512_loadu_si512(k_iota)); }

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

/* Strides of 3 and more: S <= 8 (MODE_STRIDED) merges a few plain loads with masked vpermps, larger ones
   gather. At an edge, lanes whose column lies outside [0, W) keep `fill`. */
SP_KERNEL_INLINE simde__m512 load_tap_wide(const loader *l, const float *rb, int64_t o, int64_t p, int mode, bool edge,
                                           simde__m512 fill)
{
    const int64_t W = l->W;
    if (mode == MODE_STRIDED) {
        const float *q = rb + o;
        simde__m512 r = fill;
        for (int j = 0; j < l->nv; ++j) {
            const int64_t c = p + (int64_t)j * V;
            simde__m512 src;
            if (edge) src = sp512_mask_load(fill, range_mask(-c, W - c), q + j * V);
            else if (j == l->nv - 1) src = sp512_mask_load(fill, l->last, q + j * V);
            else src = simde_mm512_loadu_ps(q + j * V);
            r = simde_mm512_mask_permutexvar_ps(r, l->from[j], l->perm, src);
        }
        return r;
    }
    simde__mmask16 k = 0xFFFF;
    if (edge) {
        const simde__m512i col = simde_mm512_add_epi32(l->vS, simde_mm512_set1_epi32((int32_t)p));
        k = (simde__mmask16)(simde_mm512_cmpgt_epi32_mask(col, simde_mm512_set1_epi32(-1)) &
                             simde_mm512_cmpgt_epi32_mask(simde_mm512_set1_epi32((int32_t)W), col));
    }
    return sp512_mask_gather(fill, k, l->vS, rb + o);
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
#define fv_store_first(p, v, n) sp512_mask_store((p), range_mask(0, (n)), (v))
#define fv_load_cols(fill, p, lo, hi) sp512_mask_load((fill), range_mask((lo), (hi)), (p))
#define fv_set1(x) simde_mm512_set1_ps(x)
#define fv_max(a, b) simde_mm512_max_ps((a), (b))
#define fv_min(a, b) simde_mm512_min_ps((a), (b))
#define fv_even(lo, hi) simde_mm512_shuffle_ps((lo), (hi), 0x88)
#define fv_odd(lo, hi) simde_mm512_shuffle_ps((lo), (hi), 0xDD)
#define fv_from_pairs(v) simde_mm512_permutexvar_ps(simde_mm512_loadu_si512(k_unshuffle), (v))
#define fv_from_quads(v) simde_mm512_permutexvar_ps(simde_mm512_loadu_si512(k_from_quads), (v))
#define FV_DEINTERLEAVE_ONE_OP
#define fv_even_nat(lo, hi) simde_mm512_permutex2var_ps((lo), sp512_opaque(simde_mm512_loadu_si512(k_even_nat)), (hi))
#define fv_odd_nat(lo, hi) simde_mm512_permutex2var_ps((lo), sp512_opaque(simde_mm512_loadu_si512(k_odd_nat)), (hi))
#define fv_next1(v, n) simde_mm512_permutex2var_ps((v), sp512_opaque(simde_mm512_loadu_si512(k_next1)), (n))
#define fv_next1_last(v, n) simde_mm512_permutex2var_ps((v), sp512_opaque(simde_mm512_loadu_si512(k_next1_last)), (n))
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

/* ---------------------------------------------------------------------------------------------------------- */
/* The rest of the vector layer of x86/maxpool_nchw.h */

typedef simde__m512i ivec;
typedef simde__mmask16 lmask;
typedef simde__m512i i64vec; /* 8 int64 lanes: the indices of half a block */
#define SP_MAXPOOL_NCHW_STRIDED 1

SP_KERNEL_INLINE simde__m512i iv_set1(int32_t x) { return simde_mm512_set1_epi32(x); }
SP_KERNEL_INLINE simde__m512i iv_add(simde__m512i a, simde__m512i b) { return simde_mm512_add_epi32(a, b); }
SP_KERNEL_INLINE simde__m512i iv_loadu(const int32_t *p) { return simde_mm512_loadu_si512(p); }
SP_KERNEL_INLINE void iv_storeu(int32_t *p, simde__m512i v) { simde_mm512_storeu_si512(p, v); }
SP_KERNEL_INLINE simde__m512i i64_set1(int64_t x) { return simde_mm512_set1_epi64(x); }
SP_KERNEL_INLINE simde__m512i i64_add(simde__m512i a, simde__m512i b) { return simde_mm512_add_epi64(a, b); }
SP_KERNEL_INLINE simde__m512i i64_loadu(const int64_t *p) { return simde_mm512_loadu_epi64(p); }

SP_KERNEL_INLINE simde__m512 unshuffle_ps(const loader *l, simde__m512 v) { return simde_mm512_permutexvar_ps(l->unshuffle, v); }
SP_KERNEL_INLINE simde__m512i unshuffle_si(const loader *l, simde__m512i v)
{
    return simde_mm512_permutexvar_epi32(l->unshuffle, v);
}

/* r <= 16 outputs and (idx != NULL) their indices lo (lanes 0-7), hi (lanes 8-15). */
SP_KERNEL_INLINE void store_out(float *y, int64_t *idx, simde__m512 v, simde__m512i lo, simde__m512i hi, int64_t r)
{
    const simde__mmask16 m = range_mask(0, r);
    if (r == V) simde_mm512_storeu_ps(y, v);
    else sp512_mask_store(y, m, v);
    if (!idx) return;
    if (r == V) {
        simde_mm512_storeu_epi64(idx, lo);
        simde_mm512_storeu_epi64(idx + 8, hi);
    } else {
        sp512_mask_store_epi64(idx, (simde__mmask8)(m & 0xFF), lo);
        sp512_mask_store_epi64(idx + 8, (simde__mmask8)(m >> 8), hi);
    }
}

/* Non-uniform adaptive windows: lane i's window starts at column first[i] and has n[i] taps. */
SP_KERNEL_INLINE simde__m512 gather_cols(simde__m512 fill, const float *rb, simde__m512i first, simde__m512i n,
                                         int32_t j, int64_t dw)
{
    const simde__mmask16 m = simde_mm512_cmpgt_epi32_mask(n, simde_mm512_set1_epi32(j));
    const simde__m512i at = simde_mm512_add_epi32(first, simde_mm512_set1_epi32((int32_t)(j * dw)));
    return sp512_mask_gather(fill, m, at, rb);
}

SP_KERNEL_INLINE bool fast_row(const sp_fast_plan *f, const sp_pool_geometry *g, const float *const *rows, int nr,
                               float *y, float *buf, bool is_min)
{
    if (g->out[2] < SP_FAST16_MIN_OUT_W || f->stream) return sp_fast8_row(f, g, rows, nr, y, buf, is_min);
    return sp_fast16_row(f, g, rows, nr, y, buf, is_min);
}

SP_DECLARE_FAMILY(avx2, maxpool)
SP_DECLARE_FAMILY(avx2, minpool)

/* The AVX2 kernel's 8-plane tree measured faster on Zen 4 (512-bit operations are double-pumped). */
static void run_global(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes, bool is_min,
                       bool with_idx)
{
    (void)with_idx;
    if (is_min) sp_avx2_minpool_fwd_nchw_f32(g, x, y, idx, planes);
    else sp_avx2_maxpool_fwd_nchw_f32(g, x, y, idx, planes);
}

#define SP_MAXPOOL_NCHW_ISA avx512
#include "x86/maxpool_nchw.h"
