/*
 * v * 2^k for vector layers without a scaling instruction (AVX2, NEON, and AVX-512 where simde translates it),
 * from the integer operations of the layer (include after them). Both forms round the product exactly once, as
 * AVX-512's vscalefps does, so every layer gives the same bits.
 */
#ifndef SIMDPOOL_SIMD_FVEC_SCALE2_H
#define SIMDPOOL_SIMD_FVEC_SCALE2_H

#include "kernels.h"

/*
 * k integral in [-250, 250], rounded once (to a subnormal or to infinity where the product is one): two exact
 * power-of-two factors, v * 2^(k/2) first (exact, as v is near 1), the second rounding.
 */
SP_KERNEL_INLINE vf vf_scale2(vf v, vf k)
{
    const vi ki = vi_from_integral(k), k1 = vi_srai1(ki), k2 = vi_sub(ki, k1), bias = vi_set1(127);
    v = vf_mul(v, vf_from_bits(vi_slli23(vi_add(k1, bias))));
    return vf_mul(v, vf_from_bits(vi_slli23(vi_add(k2, bias))));
}

/*
 * k integral in [-190, 63], in fewer operations: v * 2^(k + 64) is exact (normal, as v is near 1), the
 * multiplication by 2^-64 rounds.
 */
SP_KERNEL_INLINE vf vf_scale2_low(vf v, vf k)
{
    v = vf_mul(v, vf_from_bits(vi_slli23(vi_add(vi_from_integral(k), vi_set1(127 + 64)))));
    return vf_mul(v, vf_set1(0x1p-64f));
}

#endif /* SIMDPOOL_SIMD_FVEC_SCALE2_H */
