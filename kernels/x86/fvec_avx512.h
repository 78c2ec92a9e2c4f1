/*
 * The AVX-512 side of the vector interface of the shared x86 LP / SoftPool kernels: 16 float lanes, masks in
 * mask registers. The same names and semantics as kernels/x86/fvec_avx2.h (see there).
 */
#ifndef SIMDPOOL_X86_FVEC_AVX512_H
#define SIMDPOOL_X86_FVEC_AVX512_H

#include <stdbool.h>
#include <stdint.h>

#include <immintrin.h>

#include "kernels.h"


#define SP_FVEC_ISA avx512

enum { VL = 16 };

typedef __m512 vf;
typedef __m512i vi;
typedef __mmask16 vm;

SP_KERNEL_INLINE vf vf_zero(void) { return _mm512_setzero_ps(); }
SP_KERNEL_INLINE vf vf_set1(float f) { return _mm512_set1_ps(f); }
SP_KERNEL_INLINE vf vf_load(const float *p) { return _mm512_loadu_ps(p); }
SP_KERNEL_INLINE void vf_store(float *p, vf v) { _mm512_storeu_ps(p, v); }
SP_KERNEL_INLINE void vf_stream(float *p, vf v) { _mm512_stream_ps(p, v); }
SP_KERNEL_INLINE void vf_sfence(void) { _mm_sfence(); }

SP_KERNEL_INLINE vi vi_set1(int32_t i) { return _mm512_set1_epi32(i); }
SP_KERNEL_INLINE vi vi_iota(void) { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
SP_KERNEL_INLINE vi vi_load(const int32_t *p) { return _mm512_loadu_si512(p); }
SP_KERNEL_INLINE vi vi_add(vi a, vi b) { return _mm512_add_epi32(a, b); }
SP_KERNEL_INLINE vi vi_sub(vi a, vi b) { return _mm512_sub_epi32(a, b); }
SP_KERNEL_INLINE vi vi_and(vi a, vi b) { return _mm512_and_si512(a, b); }
SP_KERNEL_INLINE vi vi_mul(vi a, vi b) { return _mm512_mullo_epi32(a, b); }
SP_KERNEL_INLINE vi vi_srai23(vi a) { return _mm512_srai_epi32(a, 23); }
SP_KERNEL_INLINE vi vi_srai1(vi a) { return _mm512_srai_epi32(a, 1); }
SP_KERNEL_INLINE vi vi_slli23(vi a) { return _mm512_slli_epi32(a, 23); }
SP_KERNEL_INLINE vi vf_bits(vf a) { return _mm512_castps_si512(a); }
SP_KERNEL_INLINE vf vf_from_bits(vi a) { return _mm512_castsi512_ps(a); }
SP_KERNEL_INLINE vf vf_from_int(vi a) { return _mm512_cvtepi32_ps(a); }
SP_KERNEL_INLINE vi vi_from_integral(vf a) { return _mm512_cvtps_epi32(a); }

SP_KERNEL_INLINE vm vm_first(int64_t n)
{
    if (n <= 0) return 0;
    if (n >= VL) return (vm)0xFFFF;
    return (vm)((1u << n) - 1u);
}
SP_KERNEL_INLINE vm vm_all(void) { return (vm)0xFFFF; }
SP_KERNEL_INLINE vm vm_and(vm a, vm b) { return (vm)(a & b); }
SP_KERNEL_INLINE vm vm_or(vm a, vm b) { return (vm)(a | b); }
SP_KERNEL_INLINE vm vm_lt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
SP_KERNEL_INLINE vm vm_gt(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ); }
SP_KERNEL_INLINE vm vm_eq(vf a, vf b) { return _mm512_cmp_ps_mask(a, b, _CMP_EQ_OQ); }
SP_KERNEL_INLINE vm vm_ilt(vi a, vi b) { return _mm512_cmplt_epi32_mask(a, b); }
SP_KERNEL_INLINE vf vf_select(vm m, vf a, vf b) { return _mm512_mask_blend_ps(m, b, a); }

SP_KERNEL_INLINE vf vf_load_m(const float *p, vm m) { return _mm512_maskz_loadu_ps(m, p); }
SP_KERNEL_INLINE void vf_store_m(float *p, vm m, vf v) { _mm512_mask_storeu_ps(p, m, v); }
SP_KERNEL_INLINE vf vf_gather(const float *base, vi idx) { return _mm512_i32gather_ps(idx, base, 4); }
SP_KERNEL_INLINE vf vf_gather_m(vf src, const float *base, vi idx, vm m)
{
    return _mm512_mask_i32gather_ps(src, m, idx, base, 4);
}

SP_KERNEL_INLINE vf vf_add(vf a, vf b) { return _mm512_add_ps(a, b); }
SP_KERNEL_INLINE vf vf_sub(vf a, vf b) { return _mm512_sub_ps(a, b); }
SP_KERNEL_INLINE vf vf_mul(vf a, vf b) { return _mm512_mul_ps(a, b); }
SP_KERNEL_INLINE vf vf_div(vf a, vf b) { return _mm512_div_ps(a, b); }
SP_KERNEL_INLINE vf vf_fma(vf a, vf b, vf c) { return _mm512_fmadd_ps(a, b, c); }
SP_KERNEL_INLINE vf vf_sqrt(vf a) { return _mm512_sqrt_ps(a); }
SP_KERNEL_INLINE vf vf_abs(vf a) { return _mm512_abs_ps(a); }
SP_KERNEL_INLINE vf vf_max(vf a, vf b) { return _mm512_max_ps(a, b); }
SP_KERNEL_INLINE vf vf_min(vf a, vf b) { return _mm512_min_ps(a, b); }
SP_KERNEL_INLINE vf vf_round(vf a) { return _mm512_roundscale_ps(a, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }

/* v * 2^k rounded once: the product fvec_avx2.h's two-step scaling computes, in one instruction. */
SP_KERNEL_INLINE vf vf_scale2(vf v, vf k) { return _mm512_scalef_ps(v, k); }

SP_KERNEL_INLINE vf vf_scale2_low(vf v, vf k) { return _mm512_scalef_ps(v, k); }

/* vpermt2ps picks the even / odd floats of lo:hi straight into natural order: nothing to undo. */
SP_KERNEL_INLINE vf vf_even(vf lo, vf hi)
{
    return _mm512_permutex2var_ps(lo, _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30),
                                  hi);
}
SP_KERNEL_INLINE vf vf_odd(vf lo, vf hi)
{
    return _mm512_permutex2var_ps(lo, _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31),
                                  hi);
}
SP_KERNEL_INLINE vf vf_unshuffle(vf v) { return v; }

#endif /* SIMDPOOL_X86_FVEC_AVX512_H */
