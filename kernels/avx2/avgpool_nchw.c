/*
 * AVX2 NCHW average forward, f32: 8 outputs of a row per vector. The exact sliding-window and adaptive paths
 * (bit-identical to the scalar kernel) are kernels/x86/avgpool_nchw.h, the separable / pairwise fast paths
 * (within a stated tolerance, bit-identical to AVX-512) kernels/x86/avgpool_nchw_fast.h; this file supplies
 * their AVX2 vector interface and the global path.
 *
 * Loading one tap for 8 lanes: S = 1 one load; S = 2 two loads and a vshufps (lanes then come in the order
 * 0 1 4 5 2 3 6 7, undone once per block with vpermpd); larger strides a gather.
 *
 * Global pooling (one output per plane, the window the whole plane) changes the summation order: each
 * plane is summed in 8 lanes and 8 planes are reduced at once in a transpose tree. The result differs from the
 * scalar kernel's by a few ulp of the sum of |x| (bounded by about (n/8 + 3) * 2^-24 * sum|x|), the tolerance
 * tests/test_simd_nchw.cc states and checks.
 */
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx2.h>

#include "kernels.h"


enum { V = 8 };

static const int32_t k_iota[V] = {0, 1, 2, 3, 4, 5, 6, 7};

SP_KERNEL_INLINE simde__m256i iota_epi32(void) { return simde_mm256_loadu_si256((const simde__m256i *)k_iota); }
SP_KERNEL_INLINE simde__m256 as_ps(simde__m256i v) { return simde_mm256_castsi256_ps(v); }

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

/* v clamped to [lo, hi]; comparisons with NaN are false, so NaN passes through. */
SP_KERNEL_INLINE simde__m256 fv_clamp(simde__m256 v, simde__m256 lo, simde__m256 hi)
{
    v = simde_mm256_blendv_ps(v, lo, simde_mm256_cmp_ps(v, lo, SIMDE_CMP_LT_OQ));
    return simde_mm256_blendv_ps(v, hi, simde_mm256_cmp_ps(v, hi, SIMDE_CMP_GT_OQ));
}

/* Undoes vshufps's lane order 0 1 4 5 2 3 6 7 (pairs of lanes are 64-bit chunks 0 2 1 3). */
SP_KERNEL_INLINE simde__m256 unshuffle_ps(simde__m256 v)
{
    return simde_mm256_castpd_ps(simde_mm256_permute4x64_pd(simde_mm256_castps_pd(v), 0xD8));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Loading one tap for the 8 lanes of a block: lane i reads column p + S*i of one input row. */

enum { MODE_GATHER = 0, MODE_S1 = 1, MODE_S2 = 2, MODE_STRIDED = 3 /* not used by AVX2 */ };

/* Per-call constant of the gather mode: S*i. */
typedef struct taploader {
    simde__m256i vS;
} taploader;

SP_KERNEL_INLINE taploader make_taploader(int64_t S)
{
    taploader l;
    l.vS = simde_mm256_mullo_epi32(iota_epi32(), simde_mm256_set1_epi32((int32_t)S));
    return l;
}

SP_KERNEL_INLINE simde__m256 unshuffle_s2(simde__m256 v) { return unshuffle_ps(v); }

/* Tap at column p = b + o of the row at rb = row + b. Full blocks (!masked): every needed column lies inside
   the row; `last_even` (S = 2): the largest even offset, whose second load would read one column past the last
   needed one. Masked blocks: columns outside [0, W) read +0. S = 2 returns the shuffled lane order. */
SP_KERNEL_INLINE simde__m256 load_tap(const taploader *l, const float *rb, int64_t o, int64_t p, int64_t W, int mode,
                                      bool masked, bool last_even)
{
    const simde__m256i vS = l->vS;
    if (mode == MODE_S1) {
        if (!masked) return simde_mm256_loadu_ps(rb + o);
        return simde_mm256_maskload_ps(rb + o, range_mask(-p, W - p));
    }
    if (mode == MODE_S2) {
        const int64_t odd = o & 1, qc = p - odd;
        const float *q = rb + o - odd;
        simde__m256 lo, hi;
        if (!masked) {
            lo = simde_mm256_loadu_ps(q);
            hi = last_even ? simde_mm256_maskload_ps(q + V, range_mask(0, V - 1)) : simde_mm256_loadu_ps(q + V);
        } else {
            lo = simde_mm256_maskload_ps(q, range_mask(-qc, W - qc));
            hi = simde_mm256_maskload_ps(q + V, range_mask(-qc - V, W - qc - V));
        }
        return odd ? simde_mm256_shuffle_ps(lo, hi, 0xDD) : simde_mm256_shuffle_ps(lo, hi, 0x88);
    }
    if (!masked) return simde_mm256_i32gather_ps(rb + o, vS, 4);
    const simde__m256i col = simde_mm256_add_epi32(vS, simde_mm256_set1_epi32((int32_t)p));
    const simde__m256i k = simde_mm256_and_si256(simde_mm256_cmpgt_epi32(col, simde_mm256_set1_epi32(-1)),
                                                 simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)W), col));
    return simde_mm256_mask_i32gather_ps(simde_mm256_setzero_ps(), rb + o, vS, as_ps(k), 4);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The fast paths' vector interface (kernels/x86/avgpool_nchw_fast.h) */

typedef simde__m256 fvec;
typedef simde__m256i fcol;

SP_KERNEL_INLINE fvec fv_zero(void) { return simde_mm256_setzero_ps(); }
SP_KERNEL_INLINE fvec fv_set1(float f) { return simde_mm256_set1_ps(f); }
SP_KERNEL_INLINE fvec fv_load(const float *p) { return simde_mm256_loadu_ps(p); }
SP_KERNEL_INLINE void fv_store(float *p, fvec v) { simde_mm256_storeu_ps(p, v); }
SP_KERNEL_INLINE fvec fv_add(fvec a, fvec b) { return simde_mm256_add_ps(a, b); }
SP_KERNEL_INLINE fvec fv_mul(fvec a, fvec b) { return simde_mm256_mul_ps(a, b); }
typedef simde__m256i fmask;
SP_KERNEL_INLINE fmask fm_first(int64_t n) { return range_mask(0, n); }
SP_KERNEL_INLINE fvec fv_load_m(const float *p, fmask m) { return simde_mm256_maskload_ps(p, m); }
SP_KERNEL_INLINE void fv_store_m(float *p, fmask m, fvec v) { simde_mm256_maskstore_ps(p, m, v); }
SP_KERNEL_INLINE fvec fv_load_n(const float *p, int64_t n) { return simde_mm256_maskload_ps(p, range_mask(0, n)); }
SP_KERNEL_INLINE void fv_store_n(float *p, int64_t n, fvec v) { simde_mm256_maskstore_ps(p, range_mask(0, n), v); }

SP_KERNEL_INLINE fvec fv_pair_sum(fvec lo, fvec hi)
{
    return unshuffle_ps(simde_mm256_add_ps(simde_mm256_shuffle_ps(lo, hi, 0x88), simde_mm256_shuffle_ps(lo, hi, 0xDD)));
}

/* The pair sums of both rows in natural order (lanes 0-3 from lo, 4-7 from hi), then moved side by side. */
typedef simde__m256i fpairrows;
SP_KERNEL_INLINE fpairrows fp_rows(int64_t n)
{
    int32_t idx[V];
    for (int i = 0; i < V; ++i) idx[i] = i < n ? i : i < 2 * n ? V / 2 + (i - (int)n) : i;
    return simde_mm256_loadu_si256((const simde__m256i *)idx);
}
SP_KERNEL_INLINE fvec fv_pair_sum_rows(fvec lo, fvec hi, fpairrows rows)
{
    return simde_mm256_permutevar8x32_ps(fv_pair_sum(lo, hi), rows);
}

SP_KERNEL_INLINE fcol fc_first(int64_t W)
{
    int32_t c[V];
    for (int i = 0; i < V; ++i) c[i] = (int32_t)(i % W);
    return simde_mm256_loadu_si256((const simde__m256i *)c);
}

SP_KERNEL_INLINE fcol fc_next(fcol c, int64_t step, int64_t W)
{
    c = simde_mm256_add_epi32(c, simde_mm256_set1_epi32((int32_t)step));
    const simde__m256i wrap = simde_mm256_cmpgt_epi32(c, simde_mm256_set1_epi32((int32_t)W - 1));
    return simde_mm256_sub_epi32(c, simde_mm256_and_si256(wrap, simde_mm256_set1_epi32((int32_t)W)));
}

SP_KERNEL_INLINE fvec fv_load_cols(const float *p, fcol c, int64_t off, int64_t W, int64_t n)
{
    simde__m256i k = n < V ? range_mask(0, n) : simde_mm256_set1_epi32(-1);
    if (off < 0) k = simde_mm256_and_si256(k, simde_mm256_cmpgt_epi32(c, simde_mm256_set1_epi32((int32_t)(-off - 1))));
    if (off > 0) k = simde_mm256_and_si256(k, simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)(W - off)), c));
    if (off == 0 && n == V) return simde_mm256_loadu_ps(p);
    return simde_mm256_maskload_ps(p + off, k);
}

SP_KERNEL_INLINE fvec fv_load_lanes(const float *p, int64_t lo, int64_t hi)
{
    return simde_mm256_maskload_ps(p, range_mask(lo, hi));
}

/* Lane i: element V - 1 + i of prev | cur (a 128-bit lane swap, then a byte shift within 128-bit lanes). */
SP_KERNEL_INLINE fvec fv_shift_in_prev(fvec prev, fvec cur)
{
    const simde__m256i t = simde_mm256_castps_si256(simde_mm256_permute2f128_ps(prev, cur, 0x21));
    return simde_mm256_castsi256_ps(simde_mm256_alignr_epi8(simde_mm256_castps_si256(cur), t, 12));
}

/* Lane i: element i + 1 of cur | next. */
SP_KERNEL_INLINE fvec fv_shift_in_next(fvec cur, fvec next)
{
    const simde__m256i t = simde_mm256_castps_si256(simde_mm256_permute2f128_ps(cur, next, 0x21));
    return simde_mm256_castsi256_ps(simde_mm256_alignr_epi8(t, simde_mm256_castps_si256(cur), 4));
}

SP_KERNEL_INLINE fvec fv_and_keep(fvec v, const int32_t *keep)
{
    return simde_mm256_and_ps(v, as_ps(simde_mm256_loadu_si256((const simde__m256i *)keep)));
}

SP_KERNEL_INLINE fvec fv_div(fvec a, fvec b) { return simde_mm256_div_ps(a, b); }
SP_KERNEL_INLINE fvec fv_load_m_else(const float *p, fmask m, fvec v)
{
    return simde_mm256_blendv_ps(v, simde_mm256_maskload_ps(p, m), as_ps(m));
}
SP_KERNEL_INLINE fcol fc_load(const int32_t *p) { return simde_mm256_loadu_si256((const simde__m256i *)p); }
SP_KERNEL_INLINE fvec fv_gather_tap(const float *rb, fcol f, fcol n, int32_t j, int32_t dw)
{
    const simde__m256i m = simde_mm256_cmpgt_epi32(n, simde_mm256_set1_epi32(j));
    const simde__m256i at = simde_mm256_add_epi32(f, simde_mm256_set1_epi32(j * dw));
    return simde_mm256_mask_i32gather_ps(simde_mm256_setzero_ps(), rb, at, as_ps(m), 4);
}

#define SP_AVG_NCHW_STRIDED 0
#include "x86/avgpool_nchw_fast.h"
#include "x86/avgpool_nchw.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* Global pooling: one output per plane, the window the whole plane */

/* Lane sums of one plane: nfull whole vectors and a tail (tail_mask); two accumulators. */
SP_KERNEL_INLINE simde__m256 plane_lanes(const float *p, int64_t nfull, simde__m256i tail_mask, bool tail)
{
    simde__m256 a0 = simde_mm256_setzero_ps(), a1 = a0;
    int64_t v = 0;
    for (; v + 2 <= nfull; v += 2) {
        a0 = simde_mm256_add_ps(a0, simde_mm256_loadu_ps(p + v * V));
        a1 = simde_mm256_add_ps(a1, simde_mm256_loadu_ps(p + v * V + V));
    }
    if (v < nfull) a0 = simde_mm256_add_ps(a0, simde_mm256_loadu_ps(p + v * V));
    if (tail) a1 = simde_mm256_add_ps(a1, simde_mm256_maskload_ps(p + nfull * V, tail_mask));
    return simde_mm256_add_ps(a0, a1);
}

SP_KERNEL_INLINE simde__m256 leaf(const float *x, int64_t n, int64_t np, int64_t k, simde__m256i tail_mask)
{
    return k < np ? plane_lanes(x + k * n, n / V, tail_mask, n % V != 0) : simde_mm256_setzero_ps();
}

SP_KERNEL_INLINE simde__m256 pair_node(simde__m256 a, simde__m256 b) /* 128-bit halves: plane a | plane b */
{
    return simde_mm256_add_ps(simde_mm256_permute2f128_ps(a, b, 0x20), simde_mm256_permute2f128_ps(a, b, 0x31));
}

/* Sums of up to 8 planes, plane k in lane k. */
static void global_block(const float *x, int64_t n, int64_t np, float *y, const sp_pool_geometry *g)
{
    const simde__m256i tm = range_mask(0, n % V);
    const simde__m256 ab = pair_node(leaf(x, n, np, 0, tm), leaf(x, n, np, 1, tm));
    const simde__m256 cd = pair_node(leaf(x, n, np, 2, tm), leaf(x, n, np, 3, tm));
    const simde__m256 q0 = simde_mm256_add_ps(simde_mm256_shuffle_ps(ab, cd, 0x44), simde_mm256_shuffle_ps(ab, cd, 0xEE));
    const simde__m256 ef = pair_node(leaf(x, n, np, 4, tm), leaf(x, n, np, 5, tm));
    const simde__m256 gh = pair_node(leaf(x, n, np, 6, tm), leaf(x, n, np, 7, tm));
    const simde__m256 q1 = simde_mm256_add_ps(simde_mm256_shuffle_ps(ef, gh, 0x44), simde_mm256_shuffle_ps(ef, gh, 0xEE));
    simde__m256 v = simde_mm256_add_ps(simde_mm256_shuffle_ps(q0, q1, 0x88), simde_mm256_shuffle_ps(q0, q1, 0xDD));
    static const int32_t order[V] = {0, 4, 1, 5, 2, 6, 3, 7}; /* lane 4h + m held plane 2m + h */
    v = simde_mm256_permutevar8x32_ps(v, simde_mm256_loadu_si256((const simde__m256i *)order));
    v = clamp_vec(g, simde_mm256_div_ps(v, simde_mm256_set1_ps(g->divisor[0])));
    if (np == V) simde_mm256_storeu_ps(y, v);
    else simde_mm256_maskstore_ps(y, range_mask(0, np), v);
}

static void run_global(const sp_pool_geometry *g, const float *x, float *y, size_t planes)
{
    const int64_t n = sp_in_plane(g);
    for (size_t p = 0; p < planes; p += V) {
        const int64_t np = planes - p < V ? (int64_t)(planes - p) : V;
        global_block(x + (int64_t)p * n, n, np, y + p, g);
    }
}

/* ---------------------------------------------------------------------------------------------------------- */

void sp_avx2_avgpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    (void)idx;
    /* Gathers index a row with int32 lane offsets. */
    if (g->in[2] > INT32_MAX / 2) {
        sp_scalar_avgpool_fwd_nchw_f32(g, x, y, NULL, planes);
        return;
    }
    if (sp_is_global(g)) {
        run_global(g, x, y, planes);
        return;
    }
    if (run_fast_path(g, x, y, planes)) return;
    run_exact(g, x, y, planes);
}
