/*
 * The NEON vector layer of the ISA-generic LP / SoftPool kernels (kernels/simd/lp_soft_*.h): 4 float lanes,
 * masks as all-ones lanes. The same names and semantics as kernels/x86/fvec_avx2.h, operation for operation,
 * so that NEON gives the bits AVX2 and AVX-512 give.
 *
 * Written with NEON intrinsics through simde, like the other NEON kernels (kernels/neon/neon_common.h): on
 * aarch64 every simde_v* call is the native instruction, elsewhere simde translates it. Where NEON and x86
 * differ, this layer follows x86's definition, which the shared bodies assume:
 *   - vf_max / vf_min are vmaxps / vminps, a > b ? a : b, so b comes back when either is NaN, and (-0, +0)
 *     gives +0 in one order and -0 in the other; vmaxq_f32 would return NaN, and +0 for both orders. A compare
 *     and a select instead.
 *   - Masked loads and stores, and gathers, have no NEON instruction: lane by lane, touching only the lanes
 *     the mask selects (tails and edge blocks only; the full blocks' loads are vld1q, and S = 2 deinterleaves
 *     with vuzp1q / vuzp2q, in natural order).
 *   - Streaming stores are plain stores (NEON intrinsics have no non-temporal form).
 * simde 0.7.4 lacks vdivq_f32 and vsqrtq_f32, and its vfmaq_f32 is an unfused multiply and add where the host
 * has no FMA (x86 without -mfma, which is how kernels/neon/ is compiled there): each is the native instruction
 * on AArch64 (and FMA wherever simde fuses it) and a loop of correctly rounded scalar operations otherwise.
 */
#ifndef SIMDPOOL_NEON_FVEC_NEON_H
#define SIMDPOOL_NEON_FVEC_NEON_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include <simde/arm/neon.h>

#include "kernels.h"
#include "neon_common.h"


#define SP_FVEC_ISA neon

enum { VL = 4 };

typedef simde_float32x4_t vf; /* float lanes */
typedef simde_int32x4_t vi;   /* int32 lanes */
typedef simde_uint32x4_t vm;  /* lane mask: all-ones where set */

SP_KERNEL_INLINE vf vf_zero(void) { return simde_vdupq_n_f32(0.0f); }
SP_KERNEL_INLINE vf vf_set1(float f) { return simde_vdupq_n_f32(f); }
SP_KERNEL_INLINE vf vf_load(const float *p) { return simde_vld1q_f32(p); }
SP_KERNEL_INLINE void vf_store(float *p, vf v) { simde_vst1q_f32(p, v); }
SP_KERNEL_INLINE void vf_stream(float *p, vf v) { simde_vst1q_f32(p, v); }
SP_KERNEL_INLINE void vf_sfence(void) {}

SP_KERNEL_INLINE vi vi_set1(int32_t i) { return simde_vdupq_n_s32(i); }
SP_KERNEL_INLINE vi vi_iota(void)
{
    static const int32_t iota[VL] = {0, 1, 2, 3};
    return simde_vld1q_s32(iota);
}
SP_KERNEL_INLINE vi vi_load(const int32_t *p) { return simde_vld1q_s32(p); }
SP_KERNEL_INLINE vi vi_add(vi a, vi b) { return simde_vaddq_s32(a, b); }
SP_KERNEL_INLINE vi vi_sub(vi a, vi b) { return simde_vsubq_s32(a, b); }
SP_KERNEL_INLINE vi vi_and(vi a, vi b) { return simde_vandq_s32(a, b); }
SP_KERNEL_INLINE vi vi_mul(vi a, vi b) { return simde_vmulq_s32(a, b); }
SP_KERNEL_INLINE vi vi_srai23(vi a) { return simde_vshrq_n_s32(a, 23); }
SP_KERNEL_INLINE vi vi_srai1(vi a) { return simde_vshrq_n_s32(a, 1); }
SP_KERNEL_INLINE vi vi_slli23(vi a) { return simde_vshlq_n_s32(a, 23); }
SP_KERNEL_INLINE vi vf_bits(vf a) { return simde_vreinterpretq_s32_f32(a); }
SP_KERNEL_INLINE vf vf_from_bits(vi a) { return simde_vreinterpretq_f32_s32(a); }
SP_KERNEL_INLINE vf vf_from_int(vi a) { return simde_vcvtq_f32_s32(a); }
/* Only for integral values (the conversion truncates, which is exact there). */
SP_KERNEL_INLINE vi vi_from_integral(vf a) { return simde_vcvtq_s32_f32(a); }

/* Lanes [0, n), n clamped to [0, VL]. */
SP_KERNEL_INLINE vm vm_first(int64_t n)
{
    const int32_t k = n < 0 ? 0 : n > VL ? VL : (int32_t)n;
    return simde_vcltq_s32(vi_iota(), simde_vdupq_n_s32(k));
}
SP_KERNEL_INLINE vm vm_all(void) { return simde_vdupq_n_u32(UINT32_MAX); }
SP_KERNEL_INLINE vm vm_and(vm a, vm b) { return simde_vandq_u32(a, b); }
SP_KERNEL_INLINE vm vm_or(vm a, vm b) { return simde_vorrq_u32(a, b); }
SP_KERNEL_INLINE vm vm_lt(vf a, vf b) { return simde_vcltq_f32(a, b); }
SP_KERNEL_INLINE vm vm_gt(vf a, vf b) { return simde_vcgtq_f32(a, b); }
SP_KERNEL_INLINE vm vm_eq(vf a, vf b) { return simde_vceqq_f32(a, b); }
SP_KERNEL_INLINE vm vm_ilt(vi a, vi b) { return simde_vcltq_s32(a, b); }
/* m ? a : b, lane by lane. */
SP_KERNEL_INLINE vf vf_select(vm m, vf a, vf b) { return simde_vbslq_f32(m, a, b); }

/* Masked-off lanes read 0 and touch no memory. */
SP_KERNEL_INLINE vf vf_load_m(const float *p, vm m)
{
    uint32_t on[VL];
    float t[VL];
    simde_vst1q_u32(on, m);
    for (int i = 0; i < VL; ++i) t[i] = on[i] ? p[i] : 0.0f;
    return simde_vld1q_f32(t);
}
SP_KERNEL_INLINE void vf_store_m(float *p, vm m, vf v)
{
    uint32_t on[VL];
    float t[VL];
    simde_vst1q_u32(on, m);
    simde_vst1q_f32(t, v);
    for (int i = 0; i < VL; ++i)
        if (on[i]) p[i] = t[i];
}
/* Lane i reads base[idx[i]]; the masked form keeps src where m is clear (and reads nothing there). */
SP_KERNEL_INLINE vf vf_gather(const float *base, vi idx)
{
    int32_t at[VL];
    simde_vst1q_s32(at, idx);
    const float t[VL] = {base[at[0]], base[at[1]], base[at[2]], base[at[3]]};
    return simde_vld1q_f32(t);
}
SP_KERNEL_INLINE vf vf_gather_m(vf src, const float *base, vi idx, vm m)
{
    int32_t at[VL];
    uint32_t on[VL];
    float t[VL];
    simde_vst1q_s32(at, idx);
    simde_vst1q_u32(on, m);
    simde_vst1q_f32(t, src);
    for (int i = 0; i < VL; ++i)
        if (on[i]) t[i] = base[at[i]];
    return simde_vld1q_f32(t);
}

SP_KERNEL_INLINE vf vf_add(vf a, vf b) { return simde_vaddq_f32(a, b); }
SP_KERNEL_INLINE vf vf_sub(vf a, vf b) { return simde_vsubq_f32(a, b); }
SP_KERNEL_INLINE vf vf_mul(vf a, vf b) { return simde_vmulq_f32(a, b); }
SP_KERNEL_INLINE vf vf_div(vf a, vf b) { return sp_neon_div(a, b); }

/* a*b + c, rounded once. */
SP_KERNEL_INLINE vf vf_fma(vf a, vf b, vf c)
{
#if (defined(SIMDE_ARM_NEON_A32V7_NATIVE) && defined(__ARM_FEATURE_FMA)) || defined(SIMDE_X86_FMA_NATIVE)
    return simde_vfmaq_f32(c, a, b);
#else
    float ta[VL], tb[VL], tc[VL];
    simde_vst1q_f32(ta, a);
    simde_vst1q_f32(tb, b);
    simde_vst1q_f32(tc, c);
    for (int i = 0; i < VL; ++i) ta[i] = fmaf(ta[i], tb[i], tc[i]);
    return simde_vld1q_f32(ta);
#endif
}

SP_KERNEL_INLINE vf vf_sqrt(vf a)
{
#if defined(SIMDE_ARM_NEON_A64V8_NATIVE)
    return vsqrtq_f32(a);
#else
    float t[VL];
    simde_vst1q_f32(t, a);
    for (int i = 0; i < VL; ++i) t[i] = sqrtf(t[i]);
    return simde_vld1q_f32(t);
#endif
}

SP_KERNEL_INLINE vf vf_abs(vf a) { return simde_vabsq_f32(a); }
/* x86's vmaxps / vminps (see the header comment): a > b ? a : b (a < b ? a : b). */
SP_KERNEL_INLINE vf vf_max(vf a, vf b) { return simde_vbslq_f32(simde_vcgtq_f32(a, b), a, b); }
SP_KERNEL_INLINE vf vf_min(vf a, vf b) { return simde_vbslq_f32(simde_vcltq_f32(a, b), a, b); }
/* To nearest, ties to even (FRINTN). */
SP_KERNEL_INLINE vf vf_round(vf a) { return simde_vrndnq_f32(a); }

/* v * 2^k: NEON has no scaling instruction (kernels/simd/fvec_scale2.h). */
#include "simd/fvec_scale2.h"

/* Stride-2 deinterleaving of 2*VL consecutive floats, straight into natural order: nothing to undo. */
SP_KERNEL_INLINE vf vf_even(vf lo, vf hi) { return simde_vuzp1q_f32(lo, hi); }
SP_KERNEL_INLINE vf vf_odd(vf lo, vf hi) { return simde_vuzp2q_f32(lo, hi); }
SP_KERNEL_INLINE vf vf_unshuffle(vf v) { return v; }

#endif /* SIMDPOOL_NEON_FVEC_NEON_H */
