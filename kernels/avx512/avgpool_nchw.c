/*
 * AVX-512 NCHW average forward, f32: 16 outputs of a row per vector. The exact sliding-window and adaptive paths
 * (bit-identical to the scalar kernel) are kernels/x86/avgpool_nchw.h, the separable / pairwise fast paths
 * (within a stated tolerance, bit-identical to AVX2) kernels/x86/avgpool_nchw_fast.h; this file supplies their
 * AVX-512 vector interface.
 *
 * Loading one tap for 16 lanes: S = 1 one load; S = 2 two loads and a vshufps (lanes then come in a shuffled
 * order that the block undoes once); S = 3..8 a few loads merged by masked vpermps; larger strides a gather.
 *
 * Global pooling (one output per plane, the window the whole plane) runs the AVX2 kernel's 8-plane transpose
 * tree, which measured faster than a 16-plane one on Zen 4 (whose 512-bit units are double-pumped); it is the
 * one place the summation order changes (see kernels/avx2/avgpool_nchw.c for the tolerance).
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx512.h>

#include "kernels.h"
#include "avx512/simde_gaps.h"

enum { V = 16 };

static const int32_t k_iota[V] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
/* Stride 2 deinterleaves with vshufps: 128-bit lane q of shufps(lo, hi, 0x88) holds outputs 2q, 2q+1, 8+2q,
   9+2q. k_unshuffle restores the natural order. */
static const int32_t k_unshuffle[V] = {0, 1, 4, 5, 8, 9, 12, 13, 2, 3, 6, 7, 10, 11, 14, 15};

/* Bits [lo, hi) of a 16-lane mask, both clamped to [0, 16]. */
SP_KERNEL_INLINE simde__mmask16 range_mask(int64_t lo, int64_t hi)
{
    if (lo < 0) lo = 0;
    if (hi > V) hi = V;
    if (lo >= hi) return 0;
    return (simde__mmask16)((((uint32_t)1 << hi) - 1u) & ~(((uint32_t)1 << lo) - 1u));
}

/* v clamped to [lo, hi]; comparisons with NaN are false, so NaN passes through. */
SP_KERNEL_INLINE simde__m512 fv_clamp(simde__m512 v, simde__m512 lo, simde__m512 hi)
{
    v = simde_mm512_mask_mov_ps(v, simde_mm512_cmp_ps_mask(v, lo, SIMDE_CMP_LT_OQ), lo);
    return simde_mm512_mask_mov_ps(v, simde_mm512_cmp_ps_mask(v, hi, SIMDE_CMP_GT_OQ), hi);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Loading one tap for the 16 lanes of a block: lane i reads column p + S*i of one input row. */

enum { MODE_GATHER = 0, MODE_S1 = 1, MODE_S2 = 2, MODE_STRIDED = 3 };

/* Per-call constants of the strided and gather modes. */
typedef struct taploader {
    simde__m512i perm;      /* lane i takes element S*i mod 16 ... */
    simde__mmask16 from[8]; /* ... of source vector j for the lanes in from[j] */
    int nv;                 /* source vectors (16 columns each) covering 15*S + 1 columns */
    simde__mmask16 last;    /* columns of the last source vector that some lane needs */
    simde__m512i vS;        /* S*i (gathers) */
} taploader;

static taploader make_taploader(int64_t S)
{
    taploader l;
    memset(&l, 0, sizeof l);
    int32_t perm[V];
    for (int i = 0; i < V; ++i) {
        const int64_t e = S * i;
        perm[i] = (int32_t)(e % V);
        if (S <= 8) l.from[e / V] |= (simde__mmask16)(1u << i);
    }
    l.perm = simde_mm512_loadu_si512(perm);
    l.nv = (int)((15 * S + 1 + V - 1) / V);
    l.last = range_mask(0, 15 * S + 1 - (int64_t)(l.nv - 1) * V);
    l.vS = simde_mm512_mullo_epi32(sp512_opaque(simde_mm512_loadu_si512(k_iota)), simde_mm512_set1_epi32((int32_t)S));
    return l;
}

/* Tap at column p = b + o of the row at rb = row + b. Full blocks (!edge): every needed column lies inside the
   row; `last_even` (S = 2): the largest even offset, whose second load would read one column past the last
   needed one. Edge blocks: columns outside [0, W) read +0. S = 2 returns the shuffled lane order. */
SP_KERNEL_INLINE simde__m512 load_tap(const taploader *l, const float *rb, int64_t o, int64_t p, int64_t W, int mode,
                               bool edge, bool last_even)
{
    const simde__m512 zero = simde_mm512_setzero_ps();
    if (mode == MODE_S1) {
        if (!edge) return simde_mm512_loadu_ps(rb + o);
        return sp512_mask_load(zero, range_mask(-p, W - p), rb + o);
    }
    if (mode == MODE_S2) {
        const int64_t odd = o & 1, qc = p - odd;
        const float *q = rb + o - odd;
        simde__m512 lo, hi;
        if (!edge) {
            lo = simde_mm512_loadu_ps(q);
            hi = last_even ? sp512_mask_load(zero, 0x7FFF, q + V) : simde_mm512_loadu_ps(q + V);
        } else {
            lo = sp512_mask_load(zero, range_mask(-qc, W - qc), q);
            hi = sp512_mask_load(zero, range_mask(-qc - V, W - qc - V), q + V);
        }
        return odd ? simde_mm512_shuffle_ps(lo, hi, 0xDD) : simde_mm512_shuffle_ps(lo, hi, 0x88);
    }
    if (mode == MODE_STRIDED) {
        const float *q = rb + o;
        simde__m512 r = zero;
        for (int j = 0; j < l->nv; ++j) {
            const int64_t c = p + (int64_t)j * V;
            simde__m512 src;
            if (edge) src = sp512_mask_load(zero, range_mask(-c, W - c), q + j * V);
            else if (j == l->nv - 1) src = sp512_mask_load(zero, l->last, q + j * V);
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
    return sp512_mask_gather(zero, k, l->vS, rb + o);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The fast paths' vector interface (kernels/x86/avgpool_nchw_fast.h) */

typedef simde__m512 fvec;
typedef simde__m512i fcol;

SP_KERNEL_INLINE fvec fv_zero(void) { return simde_mm512_setzero_ps(); }
SP_KERNEL_INLINE fvec fv_set1(float f) { return simde_mm512_set1_ps(f); }
SP_KERNEL_INLINE fvec fv_load(const float *p) { return simde_mm512_loadu_ps(p); }
SP_KERNEL_INLINE void fv_store(float *p, fvec v) { simde_mm512_storeu_ps(p, v); }
SP_KERNEL_INLINE fvec fv_add(fvec a, fvec b) { return simde_mm512_add_ps(a, b); }
SP_KERNEL_INLINE fvec fv_mul(fvec a, fvec b) { return simde_mm512_mul_ps(a, b); }
typedef simde__mmask16 fmask;
SP_KERNEL_INLINE fmask fm_first(int64_t n) { return range_mask(0, n); }
SP_KERNEL_INLINE fvec fv_load_m(const float *p, fmask m) { return sp512_mask_load(fv_zero(), m, p); }
SP_KERNEL_INLINE void fv_store_m(float *p, fmask m, fvec v) { sp512_mask_store(p, m, v); }
SP_KERNEL_INLINE fvec fv_load_n(const float *p, int64_t n) { return sp512_mask_load(fv_zero(), range_mask(0, n), p); }
SP_KERNEL_INLINE void fv_store_n(float *p, int64_t n, fvec v) { sp512_mask_store(p, range_mask(0, n), v); }

static const int32_t k_even[V] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
static const int32_t k_odd[V] = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};

SP_KERNEL_INLINE fvec fv_pair_sum(fvec lo, fvec hi)
{
    const fvec even = simde_mm512_permutex2var_ps(lo, simde_mm512_loadu_si512(k_even), hi);
    const fvec odd = simde_mm512_permutex2var_ps(lo, simde_mm512_loadu_si512(k_odd), hi);
    return simde_mm512_add_ps(even, odd);
}

/* Lane i's two inputs, as indices into lo | hi: (2i, 2i + 1) for i < n, from hi (16 + ...) for n <= i < 2n. */
typedef struct fpairrows {
    simde__m512i even, odd;
} fpairrows;
SP_KERNEL_INLINE fpairrows fp_rows(int64_t n)
{
    int32_t e[V], o[V];
    for (int i = 0; i < V; ++i) {
        e[i] = i < n ? 2 * i : i < 2 * n ? V + 2 * (i - (int)n) : 0;
        o[i] = e[i] + 1;
    }
    fpairrows r;
    r.even = simde_mm512_loadu_si512(e);
    r.odd = simde_mm512_loadu_si512(o);
    return r;
}
SP_KERNEL_INLINE fvec fv_pair_sum_rows(fvec lo, fvec hi, fpairrows rows)
{
    return simde_mm512_add_ps(simde_mm512_permutex2var_ps(lo, rows.even, hi),
                              simde_mm512_permutex2var_ps(lo, rows.odd, hi));
}

SP_KERNEL_INLINE fcol fc_first(int64_t W)
{
    int32_t c[V];
    for (int i = 0; i < V; ++i) c[i] = (int32_t)(i % W);
    return simde_mm512_loadu_si512(c);
}

SP_KERNEL_INLINE fcol fc_next(fcol c, int64_t step, int64_t W)
{
    const simde__m512i w = simde_mm512_set1_epi32((int32_t)W);
    c = simde_mm512_add_epi32(c, simde_mm512_set1_epi32((int32_t)step));
    return simde_mm512_mask_sub_epi32(c, simde_mm512_cmpge_epi32_mask(c, w), c, w);
}

SP_KERNEL_INLINE fvec fv_load_cols(const float *p, fcol c, int64_t off, int64_t W, int64_t n)
{
    simde__mmask16 k = range_mask(0, n);
    if (off < 0) k &= simde_mm512_cmpge_epi32_mask(c, simde_mm512_set1_epi32((int32_t)-off));
    if (off > 0) k &= simde_mm512_cmpgt_epi32_mask(simde_mm512_set1_epi32((int32_t)(W - off)), c);
    if (off == 0 && n == V) return simde_mm512_loadu_ps(p);
    return sp512_mask_load(fv_zero(), k, p + off);
}

SP_KERNEL_INLINE fvec fv_load_lanes(const float *p, int64_t lo, int64_t hi)
{
    return sp512_mask_load(fv_zero(), range_mask(lo, hi), p);
}

/* Lane i: element V - 1 + i of prev | cur. */
SP_KERNEL_INLINE fvec fv_shift_in_prev(fvec prev, fvec cur)
{
#if SP_AVX512_NATIVE
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(cur), _mm512_castps_si512(prev), V - 1));
#else
    static const int32_t k_after_prev[V] = {15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30};
    return simde_mm512_permutex2var_ps(prev, simde_mm512_loadu_si512(k_after_prev), cur);
#endif
}

/* Lane i: element i + 1 of cur | next. */
SP_KERNEL_INLINE fvec fv_shift_in_next(fvec cur, fvec next)
{
#if SP_AVX512_NATIVE
    return _mm512_castsi512_ps(_mm512_alignr_epi32(_mm512_castps_si512(next), _mm512_castps_si512(cur), 1));
#else
    static const int32_t k_from_next[V] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    return simde_mm512_permutex2var_ps(cur, simde_mm512_loadu_si512(k_from_next), next);
#endif
}

SP_KERNEL_INLINE fvec fv_and_keep(fvec v, const int32_t *keep)
{
    return simde_mm512_castsi512_ps(simde_mm512_and_si512(simde_mm512_castps_si512(v), simde_mm512_loadu_si512(keep)));
}

SP_KERNEL_INLINE fvec unshuffle_s2(fvec v)
{
    return simde_mm512_permutexvar_ps(simde_mm512_loadu_si512(k_unshuffle), v);
}
SP_KERNEL_INLINE fvec fv_div(fvec a, fvec b) { return simde_mm512_div_ps(a, b); }
SP_KERNEL_INLINE fvec fv_load_m_else(const float *p, fmask m, fvec v) { return sp512_mask_load(v, m, p); }
SP_KERNEL_INLINE fcol fc_load(const int32_t *p) { return simde_mm512_loadu_si512(p); }
SP_KERNEL_INLINE fvec fv_gather_tap(const float *rb, fcol f, fcol n, int32_t j, int32_t dw)
{
    const simde__mmask16 m = simde_mm512_cmpgt_epi32_mask(n, simde_mm512_set1_epi32(j));
    const simde__m512i at = simde_mm512_add_epi32(f, simde_mm512_set1_epi32(j * dw));
    return sp512_mask_gather(fv_zero(), m, at, rb);
}

#define SP_AVG_NCHW_STRIDED 1
#include "x86/avgpool_nchw_fast.h"
#include "x86/avgpool_nchw.h"

SP_DECLARE_FAMILY(avx2, avgpool)

/* ---------------------------------------------------------------------------------------------------------- */

void sp_avx512_avgpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    (void)idx;
    /* Gathers and strided loads index a row with int32 lane offsets. */
    if (g->in[2] > INT32_MAX / 2) {
        sp_scalar_avgpool_fwd_nchw_f32(g, x, y, NULL, planes);
        return;
    }
    if (sp_is_global(g)) { /* the AVX2 kernel's 8-plane tree measured faster on Zen 4 (512-bit ops double-pumped) */
        sp_avx2_avgpool_fwd_nchw_f32(g, x, y, NULL, planes);
        return;
    }
    if (run_fast_path(g, x, y, planes)) return;
    run_exact(g, x, y, planes);
}
