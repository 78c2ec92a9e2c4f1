/*
 * The vertical-first NCHW max/min fast path (nchw_extremum_fast.h) on 8-lane AVX2 vectors, as sp_fast8_*:
 * the AVX2 kernel's only width, and the AVX-512 kernel's choice for short rows (Zen 4 runs 512-bit
 * operations as two 256-bit halves, so 16-lane blocks only add tail waste there).
 */
#ifndef SP_NCHW_EXTREMUM_FAST_V8_H
#define SP_NCHW_EXTREMUM_FAST_V8_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx2.h>

#include "kernels.h"


static const int32_t sp_v8_iota[8] = {0, 1, 2, 3, 4, 5, 6, 7};
static const int32_t sp_v8_from_quads[8] = {0, 4, 1, 5, 2, 6, 3, 7};

/* All-ones lanes [lo, hi), bounds clamped to [0, 8]. */
SP_KERNEL_INLINE simde__m256i sp_v8_lanes(int64_t lo, int64_t hi)
{
    if (lo < 0) lo = 0;
    if (hi > 8) hi = 8;
    if (lo >= hi) return simde_mm256_setzero_si256();
    const simde__m256i i = simde_mm256_loadu_si256((const simde__m256i *)sp_v8_iota);
    return simde_mm256_and_si256(simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)hi), i),
                                 simde_mm256_cmpgt_epi32(i, simde_mm256_set1_epi32((int32_t)lo - 1)));
}

SP_KERNEL_INLINE simde__m256 sp_v8_load_cols(simde__m256 fill, const float *p, int64_t lo, int64_t hi)
{
    const simde__m256i m = sp_v8_lanes(lo, hi);
    return simde_mm256_blendv_ps(fill, simde_mm256_maskload_ps(p, m), simde_mm256_castsi256_ps(m));
}

SP_KERNEL_INLINE simde__m256 sp_v8_flag_zero(simde__m256 f, simde__m256 v, int64_t n)
{
    simde__m256 z = simde_mm256_cmp_ps(v, simde_mm256_setzero_ps(), SIMDE_CMP_EQ_OQ);
    if (n < 8) z = simde_mm256_and_ps(z, simde_mm256_castsi256_ps(sp_v8_lanes(0, n)));
    return simde_mm256_or_ps(f, z);
}

#define FV_L 8
#define FV_NAME(n) sp_fast8_##n
#define fvec simde__m256
#define fvflag simde__m256
#define fv_loadu(p) simde_mm256_loadu_ps(p)
#define fv_storeu(p, v) simde_mm256_storeu_ps((p), (v))
#define fv_store_first(p, v, n) simde_mm256_maskstore_ps((p), sp_v8_lanes(0, (n)), (v))
#define fv_load_cols(fill, p, lo, hi) sp_v8_load_cols((fill), (p), (lo), (hi))
#define fv_set1(x) simde_mm256_set1_ps(x)
#define fv_max(a, b) simde_mm256_max_ps((a), (b))
#define fv_min(a, b) simde_mm256_min_ps((a), (b))
#define fv_even(lo, hi) simde_mm256_shuffle_ps((lo), (hi), 0x88)
#define fv_odd(lo, hi) simde_mm256_shuffle_ps((lo), (hi), 0xDD)
/* vshufps leaves 64-bit chunks 0 2 1 3 */
#define fv_from_pairs(v) simde_mm256_castpd_ps(simde_mm256_permute4x64_pd(simde_mm256_castps_pd(v), 0xD8))
/* after the transpose, lane 4q + j holds window 2j + q */
#define fv_from_quads(v) \
    simde_mm256_permutevar8x32_ps((v), simde_mm256_loadu_si256((const simde__m256i *)sp_v8_from_quads))
#define fv_even_nat(lo, hi) fv_from_pairs(fv_even((lo), (hi)))
#define fv_odd_nat(lo, hi) fv_from_pairs(fv_odd((lo), (hi)))
/* per 128-bit lane, alignr shifts the pair (v's high half : v's low half) and (n's low half : v's high half) */
#define fv_next1(v, n)                                                                                         \
    simde_mm256_castsi256_ps(simde_mm256_alignr_epi8(                                                          \
        simde_mm256_castps_si256(simde_mm256_permute2f128_ps((v), (n), 0x21)), simde_mm256_castps_si256(v), 4))
/* the same with (v's high half : n's high half, its lane 3 = n[7] broadcast to lane 0) */
#define fv_next1_last(v, n)                                                                                    \
    simde_mm256_castsi256_ps(simde_mm256_alignr_epi8(                                                          \
        simde_mm256_castps_si256(simde_mm256_permute2f128_ps((v), simde_mm256_permute_ps((n), 0xFF), 0x31)), \
        simde_mm256_castps_si256(v), 4))
#define fv_flag_none() simde_mm256_setzero_ps()
#define fv_flag_unord(f, a, b) simde_mm256_or_ps((f), simde_mm256_cmp_ps((a), (b), SIMDE_CMP_UNORD_Q))
#define fv_flag_zero(f, v, n) sp_v8_flag_zero((f), (v), (n))
#define fv_flag_any(f) (simde_mm256_movemask_ps(f) != 0)

#define FV_STREAM_PLANE
#include "x86/nchw_extremum_fast.h"
#undef FV_STREAM_PLANE

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
#undef fv_flag_none
#undef fv_flag_unord
#undef fv_flag_zero
#undef fv_flag_any

#endif /* SP_NCHW_EXTREMUM_FAST_V8_H */
