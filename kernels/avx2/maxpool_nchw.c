/*
 * AVX2 NCHW max/min forward, f32, with and without indices: the vector layer of kernels/x86/maxpool_nchw.h
 * (which describes the algorithm) on 8 lanes, and the global path.
 *
 * Loading one tap for 8 lanes (lane i reads column p + S*i):
 *   S = 1   one unaligned load;
 *   S = 2   deinterleaving loads: two vectors and one vshufps taking the even or odd columns; the lanes then
 *           come in the order 0 1 4 5 2 3 6 7, which the block undoes once with vpermpd;
 *   S >= 3  a gather.
 *
 * Global pooling (one output per plane, the window the whole plane) reduces each plane in 8 lanes tracking
 * positions and combines 8 planes at once in a transpose tree of exact combines.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx2.h>

#include "kernels.h"
#include "x86/nchw_extremum_fast_v8.h"


enum { V = 8 };

typedef simde__m256 fvec;
typedef simde__m256i ivec;
typedef simde__m256i lmask;
typedef simde__m256i i64vec; /* 4 int64 lanes: the indices of half a block */

/* ---------------------------------------------------------------------------------------------------------- */
/* Small helpers */

static const int32_t k_iota[V] = {0, 1, 2, 3, 4, 5, 6, 7};

SP_KERNEL_INLINE simde__m256i iota_epi32(void) { return simde_mm256_loadu_si256((const simde__m256i *)k_iota); }
SP_KERNEL_INLINE simde__m256 as_ps(simde__m256i v) { return simde_mm256_castsi256_ps(v); }
SP_KERNEL_INLINE simde__m256i as_si(simde__m256 v) { return simde_mm256_castps_si256(v); }
SP_KERNEL_INLINE simde__m256i iv_set1(int32_t x) { return simde_mm256_set1_epi32(x); }
SP_KERNEL_INLINE simde__m256i iv_add(simde__m256i a, simde__m256i b) { return simde_mm256_add_epi32(a, b); }
SP_KERNEL_INLINE simde__m256i iv_loadu(const int32_t *p) { return simde_mm256_loadu_si256((const simde__m256i *)p); }
SP_KERNEL_INLINE void iv_storeu(int32_t *p, simde__m256i v) { simde_mm256_storeu_si256((simde__m256i *)p, v); }
SP_KERNEL_INLINE simde__m256 fv_loadu(const float *p) { return simde_mm256_loadu_ps(p); }
SP_KERNEL_INLINE void fv_storeu(float *p, simde__m256 v) { simde_mm256_storeu_ps(p, v); }
SP_KERNEL_INLINE simde__m256 fv_even(simde__m256 lo, simde__m256 hi) { return simde_mm256_shuffle_ps(lo, hi, 0x88); }
SP_KERNEL_INLINE simde__m256 fv_odd(simde__m256 lo, simde__m256 hi) { return simde_mm256_shuffle_ps(lo, hi, 0xDD); }
SP_KERNEL_INLINE simde__m256i i64_set1(int64_t x) { return simde_mm256_set1_epi64x(x); }
SP_KERNEL_INLINE simde__m256i i64_add(simde__m256i a, simde__m256i b) { return simde_mm256_add_epi64(a, b); }
SP_KERNEL_INLINE simde__m256i i64_loadu(const int64_t *p) { return simde_mm256_loadu_si256((const simde__m256i *)p); }

/* Lanes [lo, hi) as an all-ones mask (bounds clamped to [0, 8]): the fast path's helper. */
SP_KERNEL_INLINE simde__m256i range_mask(int64_t lo, int64_t hi) { return sp_v8_lanes(lo, hi); }

/* Lane i = p[i] where the mask is set, fill[i] elsewhere; unselected lanes are never read. */
SP_KERNEL_INLINE simde__m256 ld_mask(simde__m256 fill, simde__m256i m, const float *p)
{
    return simde_mm256_blendv_ps(fill, simde_mm256_maskload_ps(p, m), as_ps(m));
}

SP_KERNEL_INLINE void st_mask(float *p, simde__m256i m, simde__m256 v) { simde_mm256_maskstore_ps(p, m, v); }

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
/* Loading one tap for the 8 lanes of a block: lane i reads column p + S*i of one input row. */

enum { MODE_GATHER = 0, MODE_S1 = 1, MODE_S2 = 2 };
#define SP_MAXPOOL_NCHW_STRIDED 0

typedef struct loader {
    int64_t W;       /* the row width */
    simde__m256i vS; /* S*i */
} loader;

SP_KERNEL_INLINE loader make_loader(int64_t S, int64_t W)
{
    loader l;
    l.W = W;
    l.vS = simde_mm256_mullo_epi32(iota_epi32(), simde_mm256_set1_epi32((int32_t)S));
    return l;
}

/* Undoes vshufps's lane order 0 1 4 5 2 3 6 7 (pairs of lanes are 64-bit chunks 0 2 1 3). */
SP_KERNEL_INLINE simde__m256 unshuffle_ps(const loader *l, simde__m256 v)
{
    (void)l;
    return simde_mm256_castpd_ps(simde_mm256_permute4x64_pd(simde_mm256_castps_pd(v), 0xD8));
}
SP_KERNEL_INLINE simde__m256i unshuffle_si(const loader *l, simde__m256i v)
{
    (void)l;
    return simde_mm256_permute4x64_epi64(v, 0xD8);
}

/* Strides of 3 and more: a gather; at an edge, lanes whose column lies outside [0, W) keep `fill`. */
SP_KERNEL_INLINE simde__m256 load_tap_wide(const loader *l, const float *rb, int64_t o, int64_t p, int mode, bool edge,
                                           simde__m256 fill)
{
    (void)mode;
    const int64_t W = l->W;
    if (!edge) return simde_mm256_i32gather_ps(rb + o, l->vS, 4);
    const simde__m256i col = simde_mm256_add_epi32(l->vS, simde_mm256_set1_epi32((int32_t)p));
    const simde__m256i k = simde_mm256_and_si256(simde_mm256_cmpgt_epi32(col, simde_mm256_set1_epi32(-1)),
                                                 simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)W), col));
    return simde_mm256_mask_i32gather_ps(fill, rb + o, l->vS, as_ps(k), 4);
}

/* Non-uniform adaptive windows: lane i's window starts at column first[i] and has n[i] taps. */
SP_KERNEL_INLINE simde__m256 gather_cols(simde__m256 fill, const float *rb, simde__m256i first, simde__m256i n,
                                         int32_t j, int64_t dw)
{
    const simde__m256i m = simde_mm256_cmpgt_epi32(n, simde_mm256_set1_epi32(j));
    const simde__m256i at = simde_mm256_add_epi32(first, simde_mm256_set1_epi32((int32_t)(j * dw)));
    return simde_mm256_mask_i32gather_ps(fill, rb, at, as_ps(m), 4);
}

SP_KERNEL_INLINE bool fast_row(const sp_fast_plan *f, const sp_pool_geometry *g, const float *const *rows, int nr,
                               float *y, float *buf, bool is_min)
{
    return sp_fast8_row(f, g, rows, nr, y, buf, is_min);
}


/* ---------------------------------------------------------------------------------------------------------- */
/* Global pooling: one output per plane, the window the whole plane */

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

#define SP_MAXPOOL_NCHW_ISA avx2
#include "x86/maxpool_nchw.h"
