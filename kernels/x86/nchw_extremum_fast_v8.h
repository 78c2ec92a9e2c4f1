/*
 * The vertical-first NCHW max/min fast path (nchw_extremum_fast.h) on 8-lane AVX2 vectors, as sp_fast8_*:
 * the AVX2 kernel's only width, and the AVX-512 kernel's choice for short rows (Zen 4 runs 512-bit
 * operations as two 256-bit halves, so 16-lane blocks only add tail waste there).
 *
 * Where the translation unit targets AVX-512 (VL), the same 8-lane code uses EVEX forms: one vpermt2ps for each
 * deinterleave and lane shift (two shuffles each in AVX2), k-masks for the flags and for the border loads
 * and tail stores.
 */
#ifndef SP_NCHW_EXTREMUM_FAST_V8_H
#define SP_NCHW_EXTREMUM_FAST_V8_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/x86/avx2.h>

#include "kernels.h"

#if defined(__AVX512F__) && defined(__AVX512VL__)
#include <immintrin.h>
#define SP_V8_EVEX 1
#else
#define SP_V8_EVEX 0
#endif


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

#if SP_V8_EVEX
/* Bits [lo, hi) of an 8-lane mask, both clamped to [0, 8]. */
SP_KERNEL_INLINE __mmask8 sp_v8_kmask(int64_t lo, int64_t hi)
{
    if (lo < 0) lo = 0;
    if (hi > 8) hi = 8;
    if (lo >= hi) return 0;
    return (__mmask8)((0xFFu >> (8 - hi)) & (0xFFu << lo));
}
#endif

SP_KERNEL_INLINE simde__m256 sp_v8_shift_in(simde__m256 fill, simde__m256 v, int64_t s)
{
    const simde__m256i i = simde_mm256_loadu_si256((const simde__m256i *)sp_v8_iota);
    const simde__m256 up = simde_mm256_permutevar8x32_ps(v, simde_mm256_sub_epi32(i, simde_mm256_set1_epi32((int32_t)s)));
    return simde_mm256_blendv_ps(fill, up, simde_mm256_castsi256_ps(sp_v8_lanes(s, 8)));
}

#define FV_L 8
#define FV_NAME(n) sp_fast8_##n
#define fvec simde__m256
#define fv_loadu(p) simde_mm256_loadu_ps(p)
#define fv_storeu(p, v) simde_mm256_storeu_ps((p), (v))
#define fv_set1(x) simde_mm256_set1_ps(x)
#define fv_max(a, b) simde_mm256_max_ps((a), (b))
#define fv_min(a, b) simde_mm256_min_ps((a), (b))
#if SP_V8_EVEX
#define fvflag __mmask8
#define fv_store_first(p, v, n) _mm256_mask_storeu_ps((p), sp_v8_kmask(0, (n)), (v))
#define fv_load_cols(fill, p, lo, hi) _mm256_mask_loadu_ps((fill), sp_v8_kmask((lo), (hi)), (p))
#else
#define fvflag simde__m256
#define fv_store_first(p, v, n) simde_mm256_maskstore_ps((p), sp_v8_lanes(0, (n)), (v))
#define fv_load_cols(fill, p, lo, hi) sp_v8_load_cols((fill), (p), (lo), (hi))
#endif
#define fv_even(lo, hi) simde_mm256_shuffle_ps((lo), (hi), 0x88)
#define fv_odd(lo, hi) simde_mm256_shuffle_ps((lo), (hi), 0xDD)
/* vshufps leaves 64-bit chunks 0 2 1 3 */
#define fv_from_pairs(v) simde_mm256_castpd_ps(simde_mm256_permute4x64_pd(simde_mm256_castps_pd(v), 0xD8))
/* after the transpose, lane 4q + j holds window 2j + q */
#define fv_from_quads(v) \
    simde_mm256_permutevar8x32_ps((v), simde_mm256_loadu_si256((const simde__m256i *)sp_v8_from_quads))
#if SP_V8_EVEX /* one vpermt2ps each (16 and up: the second operand) instead of two shuffles */
static const int32_t sp_v8_even_nat[8] = {0, 2, 4, 6, 8, 10, 12, 14};
static const int32_t sp_v8_odd_nat[8] = {1, 3, 5, 7, 9, 11, 13, 15};
static const int32_t sp_v8_next1[8] = {1, 2, 3, 4, 5, 6, 7, 8};
static const int32_t sp_v8_next1_last[8] = {1, 2, 3, 4, 5, 6, 7, 15};
#define sp_v8_permt2(a, idx, b) _mm256_permutex2var_ps((a), _mm256_loadu_si256((const __m256i *)(idx)), (b))
#define FV_DEINTERLEAVE_ONE_OP
#define fv_even_nat(lo, hi) sp_v8_permt2((lo), sp_v8_even_nat, (hi))
#define fv_odd_nat(lo, hi) sp_v8_permt2((lo), sp_v8_odd_nat, (hi))
#define fv_next1(v, n) sp_v8_permt2((v), sp_v8_next1, (n))
#define fv_next1_last(v, n) sp_v8_permt2((v), sp_v8_next1_last, (n))
#define fv_shift_in(fill, v, s) \
    _mm256_mask_permutexvar_ps((fill), sp_v8_kmask((s), 8), \
                               _mm256_sub_epi32(_mm256_loadu_si256((const __m256i *)sp_v8_iota), _mm256_set1_epi32((int)(s))), (v))
#else
#define fv_shift_in(fill, v, s) sp_v8_shift_in((fill), (v), (s))
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
#endif
#if SP_V8_EVEX
#define fv_flag_none() ((__mmask8)0)
#define fv_flag_unord(f, a, b) ((__mmask8)((f) | _mm256_cmp_ps_mask((a), (b), _CMP_UNORD_Q)))
#define fv_flag_zero(f, v, n) \
    ((__mmask8)((f) | (_mm256_cmp_ps_mask((v), _mm256_setzero_ps(), _CMP_EQ_OQ) & sp_v8_kmask(0, (n)))))
#define fv_flag_any(f) ((f) != 0)
#else
#define fv_flag_none() simde_mm256_setzero_ps()
#define fv_flag_unord(f, a, b) simde_mm256_or_ps((f), simde_mm256_cmp_ps((a), (b), SIMDE_CMP_UNORD_Q))
#define fv_flag_zero(f, v, n) sp_v8_flag_zero((f), (v), (n))
#define fv_flag_any(f) (simde_mm256_movemask_ps(f) != 0)
#endif

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
#undef fv_shift_in
#undef FV_DEINTERLEAVE_ONE_OP
#undef sp_v8_permt2
#undef fv_flag_none
#undef fv_flag_unord
#undef fv_flag_zero
#undef fv_flag_any

#endif /* SP_NCHW_EXTREMUM_FAST_V8_H */
