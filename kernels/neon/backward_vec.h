/*
 * NEON vector layer of the backward kernels (kernels/simd/pool_backward.h holds the algorithms): 4 float lanes,
 * lane masks as all-ones 32-bit lanes, and the two NCHW primitives that turn 4 windows of two adjacent columns
 * (2x2/2 and every other kernel 2, stride 2 along W) into 8 dx columns without scatter (vzip1q / vzip2q).
 *
 * NEON intrinsics through simde, like the other NEON kernels (neon_common.h): native on aarch64, translated
 * elsewhere (for the x86 tests). NEON has no masked loads or stores, no gather and no scatter: channel and row
 * tails copy the first n lanes through a stack buffer (never touching memory past them), and the overlapping
 * NHWC scatter is a lane loop.
 */
#ifndef SIMDPOOL_NEON_BACKWARD_VEC_H
#define SIMDPOOL_NEON_BACKWARD_VEC_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <simde/arm/neon.h>

#include "kernels.h"
#include "neon_common.h"


enum { BV = 4 };
typedef simde_float32x4_t bv_f;
typedef simde_uint32x4_t bv_mask;

SP_KERNEL_INLINE simde_uint32x4_t bv_iota(void)
{
    static const uint32_t iota[BV] = {0, 1, 2, 3};
    return simde_vld1q_u32(iota);
}
SP_KERNEL_INLINE bv_f bv_zero(void) { return simde_vdupq_n_f32(0.0f); }
SP_KERNEL_INLINE bv_f bv_set1(float v) { return simde_vdupq_n_f32(v); }
SP_KERNEL_INLINE bv_f bv_add(bv_f a, bv_f b) { return simde_vaddq_f32(a, b); }
SP_KERNEL_INLINE bv_f bv_mul(bv_f a, bv_f b) { return simde_vmulq_f32(a, b); }
SP_KERNEL_INLINE bv_f bv_div(bv_f a, bv_f b) { return sp_neon_div(a, b); }
SP_KERNEL_INLINE bv_f bv_load(const float *p) { return simde_vld1q_f32(p); }
SP_KERNEL_INLINE void bv_store(float *p, bv_f v) { simde_vst1q_f32(p, v); }

/* Lanes [0, n), n in [0, BV]. */
SP_KERNEL_INLINE bv_mask bv_first(int64_t n) { return simde_vcltq_u32(bv_iota(), simde_vdupq_n_u32((uint32_t)n)); }
/* The first n floats at p, the other lanes 0; nothing past them is read (or, storing, written). */
SP_KERNEL_INLINE bv_f bv_load_first(const float *p, int64_t n)
{
    float t[BV] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(t, p, (size_t)n * sizeof(float));
    return simde_vld1q_f32(t);
}
SP_KERNEL_INLINE void bv_store_first(float *p, int64_t n, bv_f v)
{
    float t[BV];
    simde_vst1q_f32(t, v);
    memcpy(p, t, (size_t)n * sizeof(float));
}
/* v where m is set, +0 elsewhere. */
SP_KERNEL_INLINE bv_f bv_keep(bv_mask m, bv_f v)
{
    return simde_vreinterpretq_f32_u32(simde_vandq_u32(m, simde_vreinterpretq_u32_f32(v)));
}
SP_KERNEL_INLINE int bv_count(bv_mask m) { return (int)simde_vaddvq_u32(simde_vshrq_n_u32(m, 31)); }

/* dy / divisor per lane, bit for bit: where every divisor is a power of two whose reciprocal is a normal float,
   the product with that exact reciprocal is the same correctly rounded quotient, at a fraction of a division's
   cost (2x2 windows without clipped taps divide by 4). */
SP_KERNEL_INLINE bv_f bv_share(bv_f dy, bv_f divisor)
{
    const simde_uint32x4_t bits = simde_vreinterpretq_u32_f32(divisor);
    const simde_uint32x4_t pow2 = simde_vandq_u32(
        simde_vceqq_u32(simde_vandq_u32(bits, simde_vdupq_n_u32(0x807FFFFFu)), simde_vdupq_n_u32(0)),
        simde_vandq_u32(simde_vcgtq_u32(bits, simde_vdupq_n_u32(0x007FFFFFu)),
                        simde_vcltq_u32(bits, simde_vdupq_n_u32(0x7E800001u))));
    if (simde_vminvq_u32(pow2) != UINT32_MAX) return bv_div(dy, divisor);
    return bv_mul(dy, simde_vreinterpretq_f32_u32(simde_vsubq_u32(simde_vdupq_n_u32(0x7F000000u), bits)));
}

/* The 64-bit lane masks of two 2-lane compares as one 4-lane mask, in lane order. */
SP_KERNEL_INLINE bv_mask bv_narrow_masks(simde_uint64x2_t lo, simde_uint64x2_t hi)
{
    return simde_vcombine_u32(simde_vmovn_u64(lo), simde_vmovn_u64(hi));
}

/* Lanes i < n with idx[i] == pos (NHWC: the channels whose recorded winner is pixel pos). */
SP_KERNEL_INLINE bv_mask bv_routed(const int64_t *idx, int64_t pos, int64_t n)
{
    const simde_int64x2_t p = simde_vdupq_n_s64(pos);
    if (n >= BV)
        return bv_narrow_masks(simde_vceqq_s64(simde_vld1q_s64(idx), p), simde_vceqq_s64(simde_vld1q_s64(idx + 2), p));
    /* The lanes past n load 0, which may equal pos: the lane mask clears them again. */
    int64_t t[BV] = {0, 0, 0, 0};
    memcpy(t, idx, (size_t)n * sizeof(int64_t));
    const bv_mask eq = bv_narrow_masks(simde_vceqq_s64(simde_vld1q_s64(t), p), simde_vceqq_s64(simde_vld1q_s64(t + 2), p));
    return simde_vandq_u32(eq, bv_first(n));
}

/* The OR of the index vectors bv_routed_pairs read: a high half set in any lane means some index was negative or
   at least 2^32, which its 32-bit compare cannot see. */
typedef simde_uint64x2_t bv_index_bits;
SP_KERNEL_INLINE bv_index_bits bv_index_bits_none(void) { return simde_vdupq_n_u64(0); }
SP_KERNEL_INLINE bool bv_index_bits_past_32(bv_index_bits b)
{
    return (simde_vgetq_lane_u64(b, 0) | simde_vgetq_lane_u64(b, 1)) >> 32 != 0;
}

/* 8 columns of a dx row from 4 windows of two adjacent columns: window i covers columns 2i and 2i+1, which sit
   at plane position pos + 2i (+1). Column 2i+j gets dy[i] + 0 where idx[i] names it, else +0. Returns how many
   windows' indices hit a column (the caller's check that every index lay in its window), and ORs the indices
   into *seen (the check that none has bits past the 32 compared). */
SP_KERNEL_INLINE int bv_routed_pairs(const int64_t *idx, const float *dy, float *dx, int32_t pos, bv_index_bits *seen)
{
    const simde_uint64x2_t r0 = simde_vld1q_u64((const uint64_t *)idx);
    const simde_uint64x2_t r1 = simde_vld1q_u64((const uint64_t *)(idx + 2));
    *seen = simde_vorrq_u64(*seen, simde_vorrq_u64(r0, r1));
    /* The low halves in lane order, each twice: [i0 i0 i1 i1], [i2 i2 i3 i3]. */
    const simde_uint32x4_t low = simde_vcombine_u32(simde_vmovn_u64(r0), simde_vmovn_u64(r1));
    const simde_uint32x4_t i0 = simde_vzip1q_u32(low, low), i1 = simde_vzip2q_u32(low, low);
    const simde_uint32x4_t p0 = simde_vaddq_u32(simde_vdupq_n_u32((uint32_t)pos), bv_iota());
    const simde_uint32x4_t p1 = simde_vaddq_u32(p0, simde_vdupq_n_u32(BV));
    const bv_mask m0 = simde_vceqq_u32(i0, p0), m1 = simde_vceqq_u32(i1, p1);
    const bv_f d = bv_add(bv_load(dy), bv_zero()); /* 0 + dy, as the zero-filled scalar accumulation: -0 -> +0 */
    bv_store(dx, bv_keep(m0, simde_vzip1q_f32(d, d)));
    bv_store(dx + BV, bv_keep(m1, simde_vzip2q_f32(d, d)));
    return bv_count(m0) + bv_count(m1);
}

/* 8 columns of a dx row from 4 windows of two adjacent columns: both columns of window i get
   dy[i] / divisor[i] + 0. */
SP_KERNEL_INLINE void bv_avg_pairs(const float *dy, const float *divisor, float *dx)
{
    const bv_f s = bv_add(bv_share(bv_load(dy), bv_load(divisor)), bv_zero());
    bv_store(dx, simde_vzip1q_f32(s, s));
    bv_store(dx + BV, simde_vzip2q_f32(s, s));
}

#endif /* SIMDPOOL_NEON_BACKWARD_VEC_H */
