/*
 * The AVX2 (+FMA) vector layer of the ISA-generic LP / SoftPool kernels (kernels/simd/lp_soft_*.h): 8 float
 * lanes, masks as all-ones float lanes. kernels/x86/fvec_avx512.h and kernels/neon/fvec_neon.h provide the same
 * names for 16 and 4 lanes, operation for operation alike, so that every ISA gives the same bits.
 *
 * Written through simde's x86 headers, like the other x86 kernels: compiled with -mavx2 -mfma every simde_mm256_*
 * call is the native intrinsic, and on any other host (aarch64 included) simde translates it, so the kernels
 * built on this header compile and can be tested everywhere. simde 0.7.4 has every AVX2 operation used here,
 * but its portable masked load reads all eight lanes (and so could read past a tail): vf_load_m keeps the
 * native vmaskmovps where the compiler targets AVX and otherwise loads only the lanes the mask selects.
 */
#ifndef SIMDPOOL_X86_FVEC_AVX2_H
#define SIMDPOOL_X86_FVEC_AVX2_H

#include <stdbool.h>
#include <stdint.h>

#include <simde/x86/avx2.h>
#include <simde/x86/fma.h>

#include "kernels.h"


#define SP_FVEC_ISA avx2

enum { VL = 8 };

typedef simde__m256 vf;  /* float lanes */
typedef simde__m256i vi; /* int32 lanes */
typedef simde__m256 vm;  /* lane mask: all-ones where set */

SP_KERNEL_INLINE vf vf_zero(void) { return simde_mm256_setzero_ps(); }
SP_KERNEL_INLINE vf vf_set1(float f) { return simde_mm256_set1_ps(f); }
SP_KERNEL_INLINE vf vf_load(const float *p) { return simde_mm256_loadu_ps(p); }
SP_KERNEL_INLINE void vf_store(float *p, vf v) { simde_mm256_storeu_ps(p, v); }
SP_KERNEL_INLINE void vf_stream(float *p, vf v) { simde_mm256_stream_ps(p, v); }
SP_KERNEL_INLINE void vf_sfence(void) { simde_mm_sfence(); }

SP_KERNEL_INLINE vi vi_set1(int32_t i) { return simde_mm256_set1_epi32(i); }
SP_KERNEL_INLINE vi vi_iota(void) { return simde_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
SP_KERNEL_INLINE vi vi_load(const int32_t *p) { return simde_mm256_loadu_si256((const simde__m256i *)p); }
SP_KERNEL_INLINE vi vi_add(vi a, vi b) { return simde_mm256_add_epi32(a, b); }
SP_KERNEL_INLINE vi vi_sub(vi a, vi b) { return simde_mm256_sub_epi32(a, b); }
SP_KERNEL_INLINE vi vi_and(vi a, vi b) { return simde_mm256_and_si256(a, b); }
SP_KERNEL_INLINE vi vi_mul(vi a, vi b) { return simde_mm256_mullo_epi32(a, b); }
SP_KERNEL_INLINE vi vi_srai23(vi a) { return simde_mm256_srai_epi32(a, 23); }
SP_KERNEL_INLINE vi vi_srai1(vi a) { return simde_mm256_srai_epi32(a, 1); }
SP_KERNEL_INLINE vi vi_slli23(vi a) { return simde_mm256_slli_epi32(a, 23); }
SP_KERNEL_INLINE vi vf_bits(vf a) { return simde_mm256_castps_si256(a); }
SP_KERNEL_INLINE vf vf_from_bits(vi a) { return simde_mm256_castsi256_ps(a); }
SP_KERNEL_INLINE vf vf_from_int(vi a) { return simde_mm256_cvtepi32_ps(a); }
/* Only for integral values (the conversion rounds to nearest). */
SP_KERNEL_INLINE vi vi_from_integral(vf a) { return simde_mm256_cvtps_epi32(a); }

/* Lanes [0, n), n clamped to [0, VL]. */
SP_KERNEL_INLINE vm vm_first(int64_t n)
{
    const int32_t k = n < 0 ? 0 : n > VL ? VL : (int32_t)n;
    return simde_mm256_castsi256_ps(simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32(k), vi_iota()));
}
SP_KERNEL_INLINE vm vm_all(void) { return simde_mm256_castsi256_ps(simde_mm256_set1_epi32(-1)); }
SP_KERNEL_INLINE vm vm_and(vm a, vm b) { return simde_mm256_and_ps(a, b); }
SP_KERNEL_INLINE vm vm_or(vm a, vm b) { return simde_mm256_or_ps(a, b); }
SP_KERNEL_INLINE vm vm_lt(vf a, vf b) { return simde_mm256_cmp_ps(a, b, SIMDE_CMP_LT_OQ); }
SP_KERNEL_INLINE vm vm_gt(vf a, vf b) { return simde_mm256_cmp_ps(a, b, SIMDE_CMP_GT_OQ); }
SP_KERNEL_INLINE vm vm_eq(vf a, vf b) { return simde_mm256_cmp_ps(a, b, SIMDE_CMP_EQ_OQ); }
SP_KERNEL_INLINE vm vm_ilt(vi a, vi b) { return simde_mm256_castsi256_ps(simde_mm256_cmpgt_epi32(b, a)); }
/* m ? a : b, lane by lane. */
SP_KERNEL_INLINE vf vf_select(vm m, vf a, vf b) { return simde_mm256_blendv_ps(b, a, m); }

/* Masked-off lanes read 0 and touch no memory. */
SP_KERNEL_INLINE vf vf_load_m(const float *p, vm m)
{
#if defined(SIMDE_X86_AVX_NATIVE)
    return simde_mm256_maskload_ps(p, simde_mm256_castps_si256(m));
#else
    int32_t on[VL];
    float t[VL];
    simde_mm256_storeu_si256((simde__m256i *)on, simde_mm256_castps_si256(m));
    for (int i = 0; i < VL; ++i) t[i] = on[i] < 0 ? p[i] : 0.0f;
    return simde_mm256_loadu_ps(t);
#endif
}
SP_KERNEL_INLINE void vf_store_m(float *p, vm m, vf v) { simde_mm256_maskstore_ps(p, simde_mm256_castps_si256(m), v); }
/* Lane i reads base[idx[i]]; the masked form keeps src where m is clear (and reads nothing there). */
SP_KERNEL_INLINE vf vf_gather(const float *base, vi idx) { return simde_mm256_i32gather_ps(base, idx, 4); }
SP_KERNEL_INLINE vf vf_gather_m(vf src, const float *base, vi idx, vm m)
{
    return simde_mm256_mask_i32gather_ps(src, base, idx, m, 4);
}

SP_KERNEL_INLINE vf vf_add(vf a, vf b) { return simde_mm256_add_ps(a, b); }
SP_KERNEL_INLINE vf vf_sub(vf a, vf b) { return simde_mm256_sub_ps(a, b); }
SP_KERNEL_INLINE vf vf_mul(vf a, vf b) { return simde_mm256_mul_ps(a, b); }
SP_KERNEL_INLINE vf vf_div(vf a, vf b) { return simde_mm256_div_ps(a, b); }
SP_KERNEL_INLINE vf vf_fma(vf a, vf b, vf c) { return simde_mm256_fmadd_ps(a, b, c); } /* a*b + c, rounded once */
SP_KERNEL_INLINE vf vf_sqrt(vf a) { return simde_mm256_sqrt_ps(a); }
SP_KERNEL_INLINE vf vf_abs(vf a) { return simde_mm256_andnot_ps(simde_mm256_set1_ps(-0.0f), a); }
/* vmaxps / vminps: a > b ? a : b (a < b ? a : b), so b comes back when either is NaN. */
SP_KERNEL_INLINE vf vf_max(vf a, vf b) { return simde_mm256_max_ps(a, b); }
SP_KERNEL_INLINE vf vf_min(vf a, vf b) { return simde_mm256_min_ps(a, b); }
SP_KERNEL_INLINE vf vf_round(vf a)
{
    return simde_mm256_round_ps(a, SIMDE_MM_FROUND_TO_NEAREST_INT | SIMDE_MM_FROUND_NO_EXC);
}

/* v * 2^k without a scaling instruction: two exponent-field multiplications (kernels/simd/fvec_scale2.h). */
#include "simd/fvec_scale2.h"

/*
 * Stride-2 deinterleaving of 2*VL consecutive floats: vf_even / vf_odd pick the even / odd ones in the lane
 * order 0 1 4 5 2 3 6 7 (vshufps works within 128-bit halves); vf_unshuffle restores the natural order of a
 * result computed lane-wise in that order.
 */
SP_KERNEL_INLINE vf vf_even(vf lo, vf hi) { return simde_mm256_shuffle_ps(lo, hi, 0x88); }
SP_KERNEL_INLINE vf vf_odd(vf lo, vf hi) { return simde_mm256_shuffle_ps(lo, hi, 0xDD); }
SP_KERNEL_INLINE vf vf_unshuffle(vf v)
{
    return simde_mm256_castpd_ps(simde_mm256_permute4x64_pd(simde_mm256_castps_pd(v), 0xD8));
}

#endif /* SIMDPOOL_X86_FVEC_AVX2_H */
