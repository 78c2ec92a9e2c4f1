/*
 * The AVX2 (+FMA) side of the vector interface that the shared x86 LP / SoftPool kernels are written against
 * (kernels/x86/lp_soft_*.h): 8 float lanes, masks as all-ones float lanes. kernels/x86/fvec_avx512.h provides
 * the same names for 16 lanes. Native intrinsics, not simde: the AVX-512 side needs gathers, masked loads and
 * integer conversions that simde 0.7 lacks, and both sides must stay operation-for-operation alike so that the
 * two ISAs give the same bits. These headers are only compiled for x86 with their ISA's flags.
 */
#ifndef SIMDPOOL_X86_FVEC_AVX2_H
#define SIMDPOOL_X86_FVEC_AVX2_H

#include <stdbool.h>
#include <stdint.h>

#include <immintrin.h>

#include "kernels.h"


#define SP_FVEC_ISA avx2

enum { VL = 8 };

typedef __m256 vf;  /* float lanes */
typedef __m256i vi; /* int32 lanes */
typedef __m256 vm;  /* lane mask: all-ones where set */

SP_KERNEL_INLINE vf vf_zero(void) { return _mm256_setzero_ps(); }
SP_KERNEL_INLINE vf vf_set1(float f) { return _mm256_set1_ps(f); }
SP_KERNEL_INLINE vf vf_load(const float *p) { return _mm256_loadu_ps(p); }
SP_KERNEL_INLINE void vf_store(float *p, vf v) { _mm256_storeu_ps(p, v); }
SP_KERNEL_INLINE void vf_stream(float *p, vf v) { _mm256_stream_ps(p, v); }
SP_KERNEL_INLINE void vf_sfence(void) { _mm_sfence(); }

SP_KERNEL_INLINE vi vi_set1(int32_t i) { return _mm256_set1_epi32(i); }
SP_KERNEL_INLINE vi vi_iota(void) { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
SP_KERNEL_INLINE vi vi_load(const int32_t *p) { return _mm256_loadu_si256((const __m256i *)p); }
SP_KERNEL_INLINE vi vi_add(vi a, vi b) { return _mm256_add_epi32(a, b); }
SP_KERNEL_INLINE vi vi_sub(vi a, vi b) { return _mm256_sub_epi32(a, b); }
SP_KERNEL_INLINE vi vi_and(vi a, vi b) { return _mm256_and_si256(a, b); }
SP_KERNEL_INLINE vi vi_mul(vi a, vi b) { return _mm256_mullo_epi32(a, b); }
SP_KERNEL_INLINE vi vi_srai23(vi a) { return _mm256_srai_epi32(a, 23); }
SP_KERNEL_INLINE vi vi_srai1(vi a) { return _mm256_srai_epi32(a, 1); }
SP_KERNEL_INLINE vi vi_slli23(vi a) { return _mm256_slli_epi32(a, 23); }
SP_KERNEL_INLINE vi vf_bits(vf a) { return _mm256_castps_si256(a); }
SP_KERNEL_INLINE vf vf_from_bits(vi a) { return _mm256_castsi256_ps(a); }
SP_KERNEL_INLINE vf vf_from_int(vi a) { return _mm256_cvtepi32_ps(a); }
/* Only for integral values (the conversion rounds to nearest). */
SP_KERNEL_INLINE vi vi_from_integral(vf a) { return _mm256_cvtps_epi32(a); }

/* Lanes [0, n), n clamped to [0, VL]. */
SP_KERNEL_INLINE vm vm_first(int64_t n)
{
    const int32_t k = n < 0 ? 0 : n > VL ? VL : (int32_t)n;
    return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(k), vi_iota()));
}
SP_KERNEL_INLINE vm vm_all(void) { return _mm256_castsi256_ps(_mm256_set1_epi32(-1)); }
SP_KERNEL_INLINE vm vm_and(vm a, vm b) { return _mm256_and_ps(a, b); }
SP_KERNEL_INLINE vm vm_or(vm a, vm b) { return _mm256_or_ps(a, b); }
SP_KERNEL_INLINE vm vm_lt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
SP_KERNEL_INLINE vm vm_gt(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_GT_OQ); }
SP_KERNEL_INLINE vm vm_eq(vf a, vf b) { return _mm256_cmp_ps(a, b, _CMP_EQ_OQ); }
SP_KERNEL_INLINE vm vm_ilt(vi a, vi b) { return _mm256_castsi256_ps(_mm256_cmpgt_epi32(b, a)); }
/* m ? a : b, lane by lane. */
SP_KERNEL_INLINE vf vf_select(vm m, vf a, vf b) { return _mm256_blendv_ps(b, a, m); }

/* Masked-off lanes read 0 and touch no memory. */
SP_KERNEL_INLINE vf vf_load_m(const float *p, vm m) { return _mm256_maskload_ps(p, _mm256_castps_si256(m)); }
SP_KERNEL_INLINE void vf_store_m(float *p, vm m, vf v) { _mm256_maskstore_ps(p, _mm256_castps_si256(m), v); }
/* Lane i reads base[idx[i]]; the masked form keeps src where m is clear (and reads nothing there). */
SP_KERNEL_INLINE vf vf_gather(const float *base, vi idx) { return _mm256_i32gather_ps(base, idx, 4); }
SP_KERNEL_INLINE vf vf_gather_m(vf src, const float *base, vi idx, vm m)
{
    return _mm256_mask_i32gather_ps(src, base, idx, m, 4);
}

SP_KERNEL_INLINE vf vf_add(vf a, vf b) { return _mm256_add_ps(a, b); }
SP_KERNEL_INLINE vf vf_sub(vf a, vf b) { return _mm256_sub_ps(a, b); }
SP_KERNEL_INLINE vf vf_mul(vf a, vf b) { return _mm256_mul_ps(a, b); }
SP_KERNEL_INLINE vf vf_div(vf a, vf b) { return _mm256_div_ps(a, b); }
SP_KERNEL_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm256_fmadd_ps(a, b, c); } /* a*b + c, rounded once */
SP_KERNEL_INLINE vf vf_sqrt(vf a) { return _mm256_sqrt_ps(a); }
SP_KERNEL_INLINE vf vf_abs(vf a) { return _mm256_andnot_ps(_mm256_set1_ps(-0.0f), a); }
/* vmaxps / vminps: a > b ? a : b (a < b ? a : b), so b comes back when either is NaN. */
SP_KERNEL_INLINE vf vf_max(vf a, vf b) { return _mm256_max_ps(a, b); }
SP_KERNEL_INLINE vf vf_min(vf a, vf b) { return _mm256_min_ps(a, b); }
SP_KERNEL_INLINE vf vf_round(vf a) { return _mm256_round_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

/*
 * v * 2^k for integral k in [-250, 250], rounded once (to a subnormal or to infinity where the product is
 * one): two exact power-of-two factors, v * 2^(k/2) first (exact, as v is near 1), the second rounding.
 * The AVX-512 side uses vscalefps, which rounds the same product the same way.
 */
SP_KERNEL_INLINE vf vf_scale2(vf v, vf k)
{
    const vi ki = vi_from_integral(k), k1 = vi_srai1(ki), k2 = vi_sub(ki, k1), bias = vi_set1(127);
    v = vf_mul(v, vf_from_bits(vi_slli23(vi_add(k1, bias))));
    return vf_mul(v, vf_from_bits(vi_slli23(vi_add(k2, bias))));
}

/*
 * v * 2^k for integral k in [-190, 63], rounded once, in fewer operations: v * 2^(k + 64) is exact (normal, as
 * v is near 1), the multiplication by 2^-64 rounds. The AVX-512 side uses vscalefps (the same product).
 */
SP_KERNEL_INLINE vf vf_scale2_low(vf v, vf k)
{
    v = vf_mul(v, vf_from_bits(vi_slli23(vi_add(vi_from_integral(k), vi_set1(127 + 64)))));
    return vf_mul(v, vf_set1(0x1p-64f));
}

/*
 * Stride-2 deinterleaving of 2*VL consecutive floats: vf_even / vf_odd pick the even / odd ones in the lane
 * order 0 1 4 5 2 3 6 7 (vshufps works within 128-bit halves); vf_unshuffle restores the natural order of a
 * result computed lane-wise in that order.
 */
SP_KERNEL_INLINE vf vf_even(vf lo, vf hi) { return _mm256_shuffle_ps(lo, hi, 0x88); }
SP_KERNEL_INLINE vf vf_odd(vf lo, vf hi) { return _mm256_shuffle_ps(lo, hi, 0xDD); }
SP_KERNEL_INLINE vf vf_unshuffle(vf v)
{
    return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(v), 0xD8));
}

#endif /* SIMDPOOL_X86_FVEC_AVX2_H */
