/*
 * AVX-512 vector layer of the backward kernels (kernels/simd/pool_backward.h holds the algorithms): 16 float
 * lanes, lane masks in k registers, and the two NCHW primitives that turn 16 windows of two adjacent columns
 * (2x2/2 and every other kernel 2, stride 2 along W) into 32 dx columns without scatter.
 * simde lacks some masked loads and shuffles: those are the native intrinsics (this folder is x86-only).
 */
#ifndef SIMDPOOL_AVX512_BACKWARD_VEC_H
#define SIMDPOOL_AVX512_BACKWARD_VEC_H

#include <stdbool.h>
#include <stdint.h>

#include <simde/x86/avx512.h>

#include "kernels.h"


enum { BV = 16 };
typedef simde__m512 bv_f;
typedef simde__mmask16 bv_mask;

SP_KERNEL_INLINE simde__m512i bv_iota(void)
{
    return simde_mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0);
}
SP_KERNEL_INLINE bv_f bv_zero(void) { return simde_mm512_setzero_ps(); }
SP_KERNEL_INLINE bv_f bv_set1(float v) { return simde_mm512_set1_ps(v); }
SP_KERNEL_INLINE bv_f bv_add(bv_f a, bv_f b) { return simde_mm512_add_ps(a, b); }
SP_KERNEL_INLINE bv_f bv_mul(bv_f a, bv_f b) { return simde_mm512_mul_ps(a, b); }
SP_KERNEL_INLINE bv_f bv_div(bv_f a, bv_f b) { return simde_mm512_div_ps(a, b); }
SP_KERNEL_INLINE bv_f bv_load(const float *p) { return simde_mm512_loadu_ps(p); }
SP_KERNEL_INLINE void bv_store(float *p, bv_f v) { simde_mm512_storeu_ps(p, v); }

/* Lanes [0, n), n in [0, BV]. */
SP_KERNEL_INLINE bv_mask bv_first(int64_t n) { return n >= BV ? (bv_mask)0xFFFF : (bv_mask)((1u << n) - 1u); }
SP_KERNEL_INLINE bv_f bv_load_first(const float *p, int64_t n) { return _mm512_maskz_loadu_ps(bv_first(n), p); }
SP_KERNEL_INLINE void bv_store_first(float *p, int64_t n, bv_f v) { _mm512_mask_storeu_ps(p, bv_first(n), v); }
/* v where m is set, +0 elsewhere. */
SP_KERNEL_INLINE bv_f bv_keep(bv_mask m, bv_f v) { return simde_mm512_maskz_mov_ps(m, v); }
SP_KERNEL_INLINE int bv_count(bv_mask m) { return __builtin_popcount((unsigned)m); }

/* dy / divisor per lane, bit for bit: where every divisor is a power of two whose reciprocal is a normal float,
   the product with that exact reciprocal is the same correctly rounded quotient, at a fraction of a division's
   cost (2x2 windows without clipped taps divide by 4). */
SP_KERNEL_INLINE bv_f bv_share(bv_f dy, bv_f divisor)
{
    const simde__m512i bits = simde_mm512_castps_si512(divisor);
    const simde__mmask16 pow2 =
        simde_mm512_cmpeq_epi32_mask(simde_mm512_and_si512(bits, simde_mm512_set1_epi32((int32_t)0x807FFFFF)),
                                     simde_mm512_setzero_si512()) &
        simde_mm512_cmpgt_epi32_mask(bits, simde_mm512_set1_epi32(0x007FFFFF)) &
        simde_mm512_cmpgt_epi32_mask(simde_mm512_set1_epi32(0x7E800001), bits);
    if (pow2 != 0xFFFF) return bv_div(dy, divisor);
    return bv_mul(dy, simde_mm512_castsi512_ps(simde_mm512_sub_epi32(simde_mm512_set1_epi32(0x7F000000), bits)));
}

/* Lanes i < n with idx[i] == pos (NHWC: the channels whose recorded winner is pixel pos). */
SP_KERNEL_INLINE bv_mask bv_routed(const int64_t *idx, int64_t pos, int64_t n)
{
    const simde__m512i p = simde_mm512_set1_epi64(pos);
    const bv_mask k = bv_first(n);
    const simde__mmask8 klo = (simde__mmask8)(k & 0xFF), khi = (simde__mmask8)(k >> 8);
    const simde__mmask8 lo = simde_mm512_mask_cmpeq_epi64_mask(klo, _mm512_maskz_loadu_epi64(klo, idx), p);
    const simde__mmask8 hi = simde_mm512_mask_cmpeq_epi64_mask(khi, _mm512_maskz_loadu_epi64(khi, idx + 8), p);
    return (bv_mask)(lo | (unsigned)hi << 8);
}

#define SP_BV_HAS_SCATTER 1 /* its own bv_routed_accumulate; the body has the lane loop for the others */
/* NHWC, overlapping windows: dx[idx[i] * C + i] += dy[i] for lanes i < C whose index lies in the call's pixels
   [first_pixel, first_pixel + pixels); returns whether some index lies outside [0, in_pixels). The lanes are
   distinct channels, hence distinct addresses, so a gather, an add and a scatter keep every element's order. */
SP_KERNEL_INLINE bool bv_routed_accumulate(float *dx, const int64_t *idx, const float *dy, int64_t C,
                                           int64_t first_pixel, int64_t pixels, int64_t in_pixels)
{
    const __m512i lane = _mm512_set_epi64(7, 6, 5, 4, 3, 2, 1, 0), vC = _mm512_set1_epi64(C);
    const __m512i first = _mm512_set1_epi64(first_pixel), span = _mm512_set1_epi64(pixels);
    const __m512i limit = _mm512_set1_epi64(in_pixels);
    __mmask8 outside = 0;
    for (int64_t i = 0; i < C; i += 8) {
        const __mmask8 k = (__mmask8)(C - i >= 8 ? 0xFF : (1u << (C - i)) - 1u);
        const __m512i pixel = _mm512_maskz_loadu_epi64(k, idx + i);
        outside |= (__mmask8)(k & ~_mm512_mask_cmplt_epu64_mask(k, pixel, limit));
        const __mmask8 in_rows = _mm512_mask_cmplt_epu64_mask(k, _mm512_sub_epi64(pixel, first), span);
        const __m512i at = _mm512_add_epi64(_mm512_mullo_epi64(pixel, vC), _mm512_add_epi64(lane, _mm512_set1_epi64(i)));
        const __m256 old = _mm512_mask_i64gather_ps(_mm256_setzero_ps(), in_rows, at, dx, 4);
        _mm512_mask_i64scatter_ps(dx, in_rows, at, _mm256_add_ps(old, _mm256_maskz_loadu_ps(in_rows, dy + i)), 4);
    }
    return outside != 0;
}

/* The OR of the index vectors bv_routed_pairs read: a high half set in any lane means some index was negative or
   at least 2^32, which its 32-bit compare cannot see. */
typedef simde__m512i bv_index_bits;
SP_KERNEL_INLINE bv_index_bits bv_index_bits_none(void) { return simde_mm512_setzero_si512(); }
SP_KERNEL_INLINE bool bv_index_bits_past_32(bv_index_bits b)
{
    return simde_mm512_test_epi64_mask(b, simde_mm512_set1_epi64((int64_t)0xFFFFFFFF00000000u)) != 0;
}

/* 32 columns of a dx row from 16 windows of two adjacent columns: window i covers columns 2i and 2i+1, which
   sit at plane position pos + 2i (+1). Column 2i+j gets dy[i] + 0 where idx[i] names it, else +0. Returns how
   many windows' indices hit a column (the caller's check that every index lay in its window), and ORs the
   indices into *seen (the check that none has bits past the 32 compared). */
SP_KERNEL_INLINE int bv_routed_pairs(const int64_t *idx, const float *dy, float *dx, int32_t pos, bv_index_bits *seen)
{
    const simde__m512i r0 = simde_mm512_loadu_si512(idx), r1 = simde_mm512_loadu_si512(idx + 8);
    *seen = simde_mm512_or_si512(*seen, simde_mm512_or_si512(r0, r1));
    /* vpshufd 0xA0 copies each 64-bit lane's low half into both halves: [i0 i0 i1 i1 | ...]. */
    const simde__m512i i0 = _mm512_shuffle_epi32(r0, (_MM_PERM_ENUM)0xA0);
    const simde__m512i i1 = _mm512_shuffle_epi32(r1, (_MM_PERM_ENUM)0xA0);
    const simde__m512i p0 = simde_mm512_add_epi32(simde_mm512_set1_epi32(pos), bv_iota());
    const simde__m512i p1 = simde_mm512_add_epi32(p0, simde_mm512_set1_epi32(BV));
    const bv_mask m0 = simde_mm512_cmpeq_epi32_mask(i0, p0), m1 = simde_mm512_cmpeq_epi32_mask(i1, p1);
    const bv_f d = bv_add(bv_load(dy), bv_zero()); /* 0 + dy, as the zero-filled scalar accumulation: -0 -> +0 */
    const simde__m512i dup_lo = simde_mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    const simde__m512i dup_hi = simde_mm512_add_epi32(dup_lo, simde_mm512_set1_epi32(8));
    bv_store(dx, simde_mm512_maskz_permutexvar_ps(m0, dup_lo, d));
    bv_store(dx + BV, simde_mm512_maskz_permutexvar_ps(m1, dup_hi, d));
    return bv_count(m0) + bv_count(m1);
}

/* 32 columns of a dx row from 16 windows of two adjacent columns: both columns of window i get
   dy[i] / divisor[i] + 0. */
SP_KERNEL_INLINE void bv_avg_pairs(const float *dy, const float *divisor, float *dx)
{
    const bv_f s = bv_add(bv_share(bv_load(dy), bv_load(divisor)), bv_zero());
    const simde__m512i dup_lo = simde_mm512_set_epi32(7, 7, 6, 6, 5, 5, 4, 4, 3, 3, 2, 2, 1, 1, 0, 0);
    bv_store(dx, simde_mm512_permutexvar_ps(dup_lo, s));
    bv_store(dx + BV, simde_mm512_permutexvar_ps(simde_mm512_add_epi32(dup_lo, simde_mm512_set1_epi32(8)), s));
}

#endif /* SIMDPOOL_AVX512_BACKWARD_VEC_H */
