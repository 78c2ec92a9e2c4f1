/*
 * AVX2 vector layer of the backward kernels (kernels/simd/pool_backward.h holds the algorithms): 8 float lanes,
 * lane masks as all-ones 32-bit lanes, and the two NCHW primitives that turn 8 windows of two adjacent columns
 * (2x2/2 and every other kernel 2, stride 2 along W) into 16 dx columns without scatter.
 */
#ifndef SIMDPOOL_AVX2_BACKWARD_VEC_H
#define SIMDPOOL_AVX2_BACKWARD_VEC_H

#include <stdbool.h>
#include <stdint.h>

#include <simde/x86/avx2.h>

#include "kernels.h"


enum { BV = 8 };
typedef simde__m256 bv_f;
typedef simde__m256i bv_mask;

static const int32_t bv_iota32[BV] = {0, 1, 2, 3, 4, 5, 6, 7};

SP_KERNEL_INLINE simde__m256i bv_iota(void) { return simde_mm256_loadu_si256((const simde__m256i *)bv_iota32); }
SP_KERNEL_INLINE bv_f bv_zero(void) { return simde_mm256_setzero_ps(); }
SP_KERNEL_INLINE bv_f bv_set1(float v) { return simde_mm256_set1_ps(v); }
SP_KERNEL_INLINE bv_f bv_add(bv_f a, bv_f b) { return simde_mm256_add_ps(a, b); }
SP_KERNEL_INLINE bv_f bv_mul(bv_f a, bv_f b) { return simde_mm256_mul_ps(a, b); }
SP_KERNEL_INLINE bv_f bv_div(bv_f a, bv_f b) { return simde_mm256_div_ps(a, b); }
SP_KERNEL_INLINE bv_f bv_load(const float *p) { return simde_mm256_loadu_ps(p); }
SP_KERNEL_INLINE void bv_store(float *p, bv_f v) { simde_mm256_storeu_ps(p, v); }

/* Lanes [0, n), n in [0, BV]. */
SP_KERNEL_INLINE bv_mask bv_first(int64_t n) { return simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)n), bv_iota()); }
SP_KERNEL_INLINE bv_f bv_load_first(const float *p, int64_t n) { return simde_mm256_maskload_ps(p, bv_first(n)); }
SP_KERNEL_INLINE void bv_store_first(float *p, int64_t n, bv_f v) { simde_mm256_maskstore_ps(p, bv_first(n), v); }
/* v where m is set, +0 elsewhere. */
SP_KERNEL_INLINE bv_f bv_keep(bv_mask m, bv_f v) { return simde_mm256_and_ps(simde_mm256_castsi256_ps(m), v); }
SP_KERNEL_INLINE int bv_count(bv_mask m) { return __builtin_popcount((unsigned)simde_mm256_movemask_ps(simde_mm256_castsi256_ps(m))); }

/* dy / divisor per lane, bit for bit: where every divisor is a power of two whose reciprocal is a normal float,
   the product with that exact reciprocal is the same correctly rounded quotient, at a fraction of a division's
   cost (2x2 windows without clipped taps divide by 4). */
SP_KERNEL_INLINE bv_f bv_share(bv_f dy, bv_f divisor)
{
    const simde__m256i bits = simde_mm256_castps_si256(divisor);
    const simde__m256i pow2 = simde_mm256_and_si256(
        simde_mm256_cmpeq_epi32(simde_mm256_and_si256(bits, simde_mm256_set1_epi32((int32_t)0x807FFFFF)),
                                simde_mm256_setzero_si256()),
        simde_mm256_and_si256(simde_mm256_cmpgt_epi32(bits, simde_mm256_set1_epi32(0x007FFFFF)),
                              simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32(0x7E800001), bits)));
    if (simde_mm256_movemask_ps(simde_mm256_castsi256_ps(pow2)) != 0xFF) return bv_div(dy, divisor);
    return bv_mul(dy, simde_mm256_castsi256_ps(simde_mm256_sub_epi32(simde_mm256_set1_epi32(0x7F000000), bits)));
}

/* Lanes i < n with idx[i] == pos (NHWC: the channels whose recorded winner is pixel pos). */
SP_KERNEL_INLINE bv_mask bv_routed(const int64_t *idx, int64_t pos, int64_t n)
{
    const simde__m256i p = simde_mm256_set1_epi64x(pos);
    simde__m256i lo, hi;
    if (n >= BV) {
        lo = simde_mm256_cmpeq_epi64(simde_mm256_loadu_si256((const simde__m256i *)idx), p);
        hi = simde_mm256_cmpeq_epi64(simde_mm256_loadu_si256((const simde__m256i *)(idx + 4)), p);
    } else {
        const simde__m256i vn = simde_mm256_set1_epi64x(n);
        const simde__m256i klo = simde_mm256_cmpgt_epi64(vn, simde_mm256_set_epi64x(3, 2, 1, 0));
        const simde__m256i khi = simde_mm256_cmpgt_epi64(vn, simde_mm256_set_epi64x(7, 6, 5, 4));
        /* Masked-off lanes load 0, which may equal pos: the load masks clear them again. */
        lo = simde_mm256_and_si256(klo, simde_mm256_cmpeq_epi64(simde_mm256_maskload_epi64((const void *)idx, klo), p));
        hi = simde_mm256_and_si256(
            khi, simde_mm256_cmpeq_epi64(simde_mm256_maskload_epi64((const void *)(idx + 4), khi), p));
    }
    /* The low halves of the 64-bit lane masks, in lane order (vshufps gives 0 1 4 5 2 3 6 7; vpermq undoes it). */
    const simde__m256 packed = simde_mm256_shuffle_ps(simde_mm256_castsi256_ps(lo), simde_mm256_castsi256_ps(hi), 0x88);
    return simde_mm256_permute4x64_epi64(simde_mm256_castps_si256(packed), 0xD8);
}

/* The OR of the index vectors bv_routed_pairs read: a high half set in any lane means some index was negative or
   at least 2^32, which its 32-bit compare cannot see. */
typedef simde__m256i bv_index_bits;
SP_KERNEL_INLINE bv_index_bits bv_index_bits_none(void) { return simde_mm256_setzero_si256(); }
SP_KERNEL_INLINE bool bv_index_bits_past_32(bv_index_bits b)
{
    return !simde_mm256_testz_si256(b, simde_mm256_set1_epi64x((int64_t)0xFFFFFFFF00000000u));
}

/* 16 columns of a dx row from 8 windows of two adjacent columns: window i covers columns 2i and 2i+1, which
   sit at plane position pos + 2i (+1). Column 2i+j gets dy[i] + 0 where idx[i] names it, else +0. Returns how
   many windows' indices hit a column (the caller's check that every index lay in its window), and ORs the
   indices into *seen (the check that none has bits past the 32 compared). */
SP_KERNEL_INLINE int bv_routed_pairs(const int64_t *idx, const float *dy, float *dx, int32_t pos, bv_index_bits *seen)
{
    const simde__m256i r0 = simde_mm256_loadu_si256((const simde__m256i *)idx);
    const simde__m256i r1 = simde_mm256_loadu_si256((const simde__m256i *)(idx + 4));
    *seen = simde_mm256_or_si256(*seen, simde_mm256_or_si256(r0, r1));
    /* vpshufd 0xA0 copies each 64-bit lane's low half into both halves: [i0 i0 i1 i1 | i2 i2 i3 i3]. */
    const simde__m256i i0 = simde_mm256_shuffle_epi32(r0, 0xA0), i1 = simde_mm256_shuffle_epi32(r1, 0xA0);
    const simde__m256i p0 = simde_mm256_add_epi32(simde_mm256_set1_epi32(pos), bv_iota());
    const simde__m256i p1 = simde_mm256_add_epi32(p0, simde_mm256_set1_epi32(BV));
    const simde__m256i m0 = simde_mm256_cmpeq_epi32(i0, p0), m1 = simde_mm256_cmpeq_epi32(i1, p1);
    const bv_f d = bv_add(bv_load(dy), bv_zero()); /* 0 + dy, as the zero-filled scalar accumulation: -0 -> +0 */
    const bv_f a = simde_mm256_unpacklo_ps(d, d), b = simde_mm256_unpackhi_ps(d, d);
    bv_store(dx, bv_keep(m0, simde_mm256_permute2f128_ps(a, b, 0x20)));
    bv_store(dx + BV, bv_keep(m1, simde_mm256_permute2f128_ps(a, b, 0x31)));
    return bv_count(m0) + bv_count(m1);
}

/* 16 columns of a dx row from 8 windows of two adjacent columns: both columns of window i get
   dy[i] / divisor[i] + 0. */
SP_KERNEL_INLINE void bv_avg_pairs(const float *dy, const float *divisor, float *dx)
{
    const bv_f s = bv_add(bv_share(bv_load(dy), bv_load(divisor)), bv_zero());
    const bv_f a = simde_mm256_unpacklo_ps(s, s), b = simde_mm256_unpackhi_ps(s, s);
    bv_store(dx, simde_mm256_permute2f128_ps(a, b, 0x20));
    bv_store(dx + BV, simde_mm256_permute2f128_ps(a, b, 0x31));
}

#endif /* SIMDPOOL_AVX2_BACKWARD_VEC_H */
