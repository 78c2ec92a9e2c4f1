/*
 * The AVX-512 vector layer of the ISA-generic LP / SoftPool kernels: 16 float lanes, masks in mask registers.
 * The same names and semantics as kernels/x86/fvec_avx2.h (see there for why simde).
 *
 * simde 0.7.4 lacks several AVX-512F operations used here: the gathers, the masked load and store, the
 * int32 <-> float conversions, the arithmetic right shift of 32-bit lanes and the streaming store; and its
 * portable vscalefps flushes subnormals and rounds twice. The helpers of the section "native or lane by lane"
 * use the native intrinsic where the compiler targets AVX-512F (every x86 build of kernels/avx512/, so x86
 * results and code are those of the intrinsics) and otherwise a plain loop over the lanes with the same result
 * (v * 2^k: the exponent-field form of kernels/simd/fvec_scale2.h, which rounds once as vscalefps does).
 */
#ifndef SIMDPOOL_X86_FVEC_AVX512_H
#define SIMDPOOL_X86_FVEC_AVX512_H

#include <stdbool.h>
#include <stdint.h>

#include <simde/x86/avx512.h>

#include "kernels.h"
#include "avx512/simde_gaps.h"


#define SP_FVEC_ISA avx512

enum { VL = 16 };

typedef simde__m512 vf;
typedef simde__m512i vi;
typedef simde__mmask16 vm;


SP_KERNEL_INLINE vf vf_zero(void) { return simde_mm512_setzero_ps(); }
SP_KERNEL_INLINE vf vf_set1(float f) { return simde_mm512_set1_ps(f); }
SP_KERNEL_INLINE vf vf_load(const float *p) { return simde_mm512_loadu_ps(p); }
SP_KERNEL_INLINE void vf_store(float *p, vf v) { simde_mm512_storeu_ps(p, v); }
SP_KERNEL_INLINE void vf_sfence(void) { simde_mm_sfence(); }

SP_KERNEL_INLINE vi vi_set1(int32_t i) { return simde_mm512_set1_epi32(i); }
/* Constant vectors load from tables: simde's setr has no native path, and gcc does not fold the lane-wise
   form into a constant (it builds it at run time). */
SP_KERNEL_INLINE vi vi_iota(void)
{
    static const int32_t iota[VL] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15};
    return simde_mm512_loadu_si512(iota);
}
SP_KERNEL_INLINE vi vi_load(const int32_t *p) { return simde_mm512_loadu_si512(p); }
SP_KERNEL_INLINE vi vi_add(vi a, vi b) { return simde_mm512_add_epi32(a, b); }
SP_KERNEL_INLINE vi vi_sub(vi a, vi b) { return simde_mm512_sub_epi32(a, b); }
SP_KERNEL_INLINE vi vi_and(vi a, vi b) { return simde_mm512_and_si512(a, b); }
SP_KERNEL_INLINE vi vi_mul(vi a, vi b) { return simde_mm512_mullo_epi32(a, b); }
SP_KERNEL_INLINE vi vi_slli23(vi a) { return simde_mm512_slli_epi32(a, 23); }
SP_KERNEL_INLINE vi vf_bits(vf a) { return simde_mm512_castps_si512(a); }
SP_KERNEL_INLINE vf vf_from_bits(vi a) { return simde_mm512_castsi512_ps(a); }

SP_KERNEL_INLINE vm vm_first(int64_t n)
{
    if (n <= 0) return 0;
    if (n >= VL) return (vm)0xFFFF;
    return (vm)((1u << n) - 1u);
}
SP_KERNEL_INLINE vm vm_all(void) { return (vm)0xFFFF; }
SP_KERNEL_INLINE vm vm_and(vm a, vm b) { return (vm)(a & b); }
SP_KERNEL_INLINE vm vm_or(vm a, vm b) { return (vm)(a | b); }
SP_KERNEL_INLINE vm vm_lt(vf a, vf b) { return simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_LT_OQ); }
SP_KERNEL_INLINE vm vm_gt(vf a, vf b) { return simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_GT_OQ); }
SP_KERNEL_INLINE vm vm_eq(vf a, vf b) { return simde_mm512_cmp_ps_mask(a, b, SIMDE_CMP_EQ_OQ); }
SP_KERNEL_INLINE vm vm_ilt(vi a, vi b) { return simde_mm512_cmpgt_epi32_mask(b, a); }
SP_KERNEL_INLINE vf vf_select(vm m, vf a, vf b) { return simde_mm512_mask_blend_ps(m, b, a); }

SP_KERNEL_INLINE vf vf_add(vf a, vf b) { return simde_mm512_add_ps(a, b); }
SP_KERNEL_INLINE vf vf_sub(vf a, vf b) { return simde_mm512_sub_ps(a, b); }
SP_KERNEL_INLINE vf vf_mul(vf a, vf b) { return simde_mm512_mul_ps(a, b); }
SP_KERNEL_INLINE vf vf_div(vf a, vf b) { return simde_mm512_div_ps(a, b); }
SP_KERNEL_INLINE vf vf_fma(vf a, vf b, vf c) { return simde_mm512_fmadd_ps(a, b, c); }
SP_KERNEL_INLINE vf vf_sqrt(vf a) { return simde_mm512_sqrt_ps(a); }
SP_KERNEL_INLINE vf vf_abs(vf a) { return simde_mm512_abs_ps(a); }
SP_KERNEL_INLINE vf vf_max(vf a, vf b) { return simde_mm512_max_ps(a, b); }
SP_KERNEL_INLINE vf vf_min(vf a, vf b) { return simde_mm512_min_ps(a, b); }
SP_KERNEL_INLINE vf vf_round(vf a)
{
    return simde_mm512_roundscale_ps(a, SIMDE_MM_FROUND_TO_NEAREST_INT | SIMDE_MM_FROUND_NO_EXC);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* What simde 0.7.4 lacks: native or lane by lane                                                            */

/* Masked-off lanes read 0 and touch no memory. */
SP_KERNEL_INLINE vf vf_load_m(const float *p, vm m) { return sp512_maskz_load(m, p); }

SP_KERNEL_INLINE void vf_store_m(float *p, vm m, vf v) { sp512_mask_store(p, m, v); }

/* Only a hint: the translation stores normally. */
SP_KERNEL_INLINE void vf_stream(float *p, vf v) { sp512_stream(p, v); }

/* Lane i reads base[idx[i]]; the masked form keeps src where m is clear (and reads nothing there). */
SP_KERNEL_INLINE vf vf_gather_m(vf src, const float *base, vi idx, vm m) { return sp512_mask_gather(src, m, idx, base); }

SP_KERNEL_INLINE vf vf_gather(const float *base, vi idx)
{
#if SP_AVX512_NATIVE
    return _mm512_i32gather_ps(idx, base, 4);
#else
    return vf_gather_m(vf_zero(), base, idx, vm_all());
#endif
}

#if !SP_AVX512_NATIVE
SP_KERNEL_INLINE vi vi_srai(vi a, int n)
{
    int32_t t[VL];
    simde_mm512_storeu_si512(t, a);
    for (int i = 0; i < VL; ++i) t[i] = t[i] >> n; /* arithmetic on every compiler this builds with */
    return simde_mm512_loadu_si512(t);
}
#endif

SP_KERNEL_INLINE vi vi_srai23(vi a)
{
#if SP_AVX512_NATIVE
    return _mm512_srai_epi32(a, 23);
#else
    return vi_srai(a, 23);
#endif
}

SP_KERNEL_INLINE vi vi_srai1(vi a)
{
#if SP_AVX512_NATIVE
    return _mm512_srai_epi32(a, 1);
#else
    return vi_srai(a, 1);
#endif
}

SP_KERNEL_INLINE vf vf_from_int(vi a)
{
#if SP_AVX512_NATIVE
    return _mm512_cvtepi32_ps(a);
#else
    int32_t t[VL];
    float f[VL];
    simde_mm512_storeu_si512(t, a);
    for (int i = 0; i < VL; ++i) f[i] = (float)t[i];
    return simde_mm512_loadu_ps(f);
#endif
}

/* Only for integral values (the native conversion rounds to nearest). */
SP_KERNEL_INLINE vi vi_from_integral(vf a)
{
#if SP_AVX512_NATIVE
    return _mm512_cvtps_epi32(a);
#else
    float f[VL];
    int32_t t[VL];
    simde_mm512_storeu_ps(f, a);
    for (int i = 0; i < VL; ++i) t[i] = (int32_t)f[i];
    return simde_mm512_loadu_si512(t);
#endif
}

#if SP_AVX512_NATIVE
/* v * 2^k rounded once: the product fvec_scale2.h computes in two steps, in one instruction. */
SP_KERNEL_INLINE vf vf_scale2(vf v, vf k) { return _mm512_scalef_ps(v, k); }
SP_KERNEL_INLINE vf vf_scale2_low(vf v, vf k) { return _mm512_scalef_ps(v, k); }
#else
#include "simd/fvec_scale2.h"
#endif

/* vpermt2ps picks the even / odd floats of lo:hi straight into natural order: nothing to undo. */
SP_KERNEL_INLINE vf vf_even(vf lo, vf hi)
{
    static const int32_t even[VL] = {0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30};
    return simde_mm512_permutex2var_ps(lo, simde_mm512_loadu_si512(even), hi);
}
SP_KERNEL_INLINE vf vf_odd(vf lo, vf hi)
{
    static const int32_t odd[VL] = {1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31};
    return simde_mm512_permutex2var_ps(lo, simde_mm512_loadu_si512(odd), hi);
}
SP_KERNEL_INLINE vf vf_unshuffle(vf v) { return v; }

#endif /* SIMDPOOL_X86_FVEC_AVX512_H */
