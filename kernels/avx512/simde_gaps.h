/*
 * The AVX-512 operations the kernels use that simde 0.7.4 does not translate: masked loads and stores, masked
 * gathers, non-temporal stores and int32-to-int64 widening. Where the compiler targets AVX-512 (always, for
 * this folder's kernels on x86) each is the native instruction; on any other host a lane loop with the same
 * result, which like the instruction reads and writes only the lanes its mask selects. One place for all of
 * them, so the AVX-512 kernels and vector layers (kernels/x86/fvec_avx512.h, the NCHW and NHWC kernels) agree.
 */
#ifndef SIMDPOOL_AVX512_SIMDE_GAPS_H
#define SIMDPOOL_AVX512_SIMDE_GAPS_H

#include <stdint.h>

#include <simde/x86/avx512.h>

#include "kernels.h"

#if defined(SIMDE_X86_AVX512F_NATIVE) && defined(SIMDE_X86_AVX512VL_NATIVE)
#define SP_AVX512_NATIVE 1
#else
#define SP_AVX512_NATIVE 0
#endif

/* Lane i = p[i] where k is set, src[i] elsewhere. */
SP_KERNEL_INLINE simde__m512 sp512_mask_load(simde__m512 src, simde__mmask16 k, const float *p)
{
#if SP_AVX512_NATIVE
    return _mm512_mask_loadu_ps(src, k, p);
#else
    float t[16];
    simde_mm512_storeu_ps(t, src);
    for (int i = 0; i < 16; ++i)
        if ((k >> i) & 1) t[i] = p[i];
    return simde_mm512_loadu_ps(t);
#endif
}

/* Lane i = p[i] where k is set, 0 elsewhere. */
SP_KERNEL_INLINE simde__m512 sp512_maskz_load(simde__mmask16 k, const float *p)
{
#if SP_AVX512_NATIVE
    return _mm512_maskz_loadu_ps(k, p);
#else
    return sp512_mask_load(simde_mm512_setzero_ps(), k, p);
#endif
}

SP_KERNEL_INLINE void sp512_mask_store(float *p, simde__mmask16 k, simde__m512 v)
{
#if SP_AVX512_NATIVE
    _mm512_mask_storeu_ps(p, k, v);
#else
    float t[16];
    simde_mm512_storeu_ps(t, v);
    for (int i = 0; i < 16; ++i)
        if ((k >> i) & 1) p[i] = t[i];
#endif
}

SP_KERNEL_INLINE void sp512_mask_store_epi64(int64_t *p, simde__mmask8 k, simde__m512i v)
{
#if SP_AVX512_NATIVE
    _mm512_mask_storeu_epi64(p, k, v);
#else
    int64_t t[8];
    simde_mm512_storeu_si512(t, v);
    for (int i = 0; i < 8; ++i)
        if ((k >> i) & 1) p[i] = t[i];
#endif
}

/* A non-temporal store of a full, 64-byte aligned vector; elsewhere only a hint, so a plain store. */
SP_KERNEL_INLINE void sp512_stream(float *p, simde__m512 v)
{
#if SP_AVX512_NATIVE
    _mm512_stream_ps(p, v);
#else
    simde_mm512_storeu_ps(p, v);
#endif
}

/* Lane i = base[idx[i]] where k is set, src[i] elsewhere (and nothing read there). */
SP_KERNEL_INLINE simde__m512 sp512_mask_gather(simde__m512 src, simde__mmask16 k, simde__m512i idx, const float *base)
{
#if SP_AVX512_NATIVE
    return _mm512_mask_i32gather_ps(src, k, idx, base, 4);
#else
    int32_t at[16];
    float t[16];
    simde_mm512_storeu_si512(at, idx);
    simde_mm512_storeu_ps(t, src);
    for (int i = 0; i < 16; ++i)
        if ((k >> i) & 1) t[i] = base[at[i]];
    return simde_mm512_loadu_ps(t);
#endif
}

/* int32 lanes 0-7 (half 0) or 8-15 (half 1) sign-extended to int64. */
SP_KERNEL_INLINE simde__m512i sp512_widen_half(simde__m512i v, int half)
{
#if SP_AVX512_NATIVE
    return _mm512_cvtepi32_epi64(half ? _mm512_extracti64x4_epi64(v, 1) : _mm512_castsi512_si256(v));
#else
    int32_t s[16];
    int64_t t[8];
    simde_mm512_storeu_si512(s, v);
    for (int i = 0; i < 8; ++i) t[i] = s[8 * half + i];
    return simde_mm512_loadu_si512(t);
#endif
}

/* GCC rebuilds a known constant vector lane by lane (16 masked broadcasts) whenever a permute overwrites its
   register; hiding the value behind an empty asm makes it keep and copy the loaded register instead. */
SP_KERNEL_INLINE simde__m512i sp512_opaque(simde__m512i v)
{
#if SP_AVX512_NATIVE && defined(__GNUC__)
    __asm__("" : "+v"(v));
#endif
    return v;
}

#endif /* SIMDPOOL_AVX512_SIMDE_GAPS_H */
