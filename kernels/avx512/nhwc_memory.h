/*
 * AVX-512 NHWC memory access shared by the max/min and avg kernels: masked tail loads and stores, and the
 * non-temporal store of a full aligned vector. simde 0.7 has neither the masked nor the streaming AVX-512 forms,
 * so builds without native AVX-512 (simde translation) go through a buffer.
 */
#ifndef SIMDPOOL_AVX512_NHWC_MEMORY_H
#define SIMDPOOL_AVX512_NHWC_MEMORY_H

#include <simde/x86/avx512.h>

#include "kernels.h"

SP_KERNEL_INLINE simde__m512 load_tail(const float *p, simde__mmask16 k) {
#if defined(SIMDE_X86_AVX512F_NATIVE)
    return _mm512_maskz_loadu_ps(k, p);
#else
    float buf[16] = {0};
    for (int i = 0; i < 16; ++i)
        if (k & (1u << i)) buf[i] = p[i];
    return simde_mm512_loadu_ps(buf);
#endif
}

SP_KERNEL_INLINE void store_tail(float *p, simde__mmask16 k, simde__m512 v) {
#if defined(SIMDE_X86_AVX512F_NATIVE)
    _mm512_mask_storeu_ps(p, k, v);
#else
    float buf[16];
    simde_mm512_storeu_ps(buf, v);
    for (int i = 0; i < 16; ++i)
        if (k & (1u << i)) p[i] = buf[i];
#endif
}

/* A non-temporal store of a full, 64-byte aligned vector (simde 0.7 lacks the AVX-512 one). */
SP_KERNEL_INLINE void store_stream(float *p, simde__m512 v) {
#if defined(SIMDE_X86_AVX512F_NATIVE)
    _mm512_stream_ps(p, v);
#else
    simde_mm512_storeu_ps(p, v);
#endif
}

#endif /* SIMDPOOL_AVX512_NHWC_MEMORY_H */
