/*
 * Vector e^x and |x|^p for the SIMD LP and SoftPool kernels, and the per-tap steps and final values of both
 * reductions. ISA-generic: written against the vector layer of kernels/x86/fvec_avx2.h, kernels/x86/fvec_avx512.h
 * or kernels/neon/fvec_neon.h (include one first), with the same sequence of operations on every ISA, so AVX2,
 * AVX-512 and NEON give the same bits. vf_max / vf_min are x86's vmaxps / vminps on every layer.
 *
 * Accuracy (measured against double-precision exp / pow on every 97th / 61st float):
 *   vf_exp_nonpositive: within 1.05 ulp on [-104, 0]; subnormal results rounded once, like libm's; e^0 = 1
 *                exactly, e^-inf = 0 and anything below -104 gives 0, NaN gives NaN.
 *   vf_pow_abs:  |x|^p = 2^(p log2|x|) within about max(1.4, p) ulp for normal results (1.25 ulp at p = 0.5,
 *                3.3 at p = 3, 7.8 at p = 7.5, 23 at p = 20: the rounding of p log2(m) grows with p), the
 *                exponent being split as p*e + p*log2(m) (|x| = m 2^e) so that a large exponent costs nothing;
 *                0^p = 0, inf^p = inf, NaN stays NaN (p > 0, as plans require). Subnormal |x| and subnormal
 *                results are handled. LP's root, the (1/p)-th power, divides its terms' relative error by p.
 * The LP and SoftPool tolerances that follow from these are stated in kernels/simd/lp_soft_nchw.h.
 *
 * The polynomials are Chebyshev fits (mpmath) over slightly widened reduction intervals:
 *   e^r    = 1 + r + r^2 P(r),      |r| <= 1.02 ln2/2, P of degree 4 (error of P 7e-8, times r^2 <= 0.125);
 *   log2 m = s R(s^2), s = (m-1)/(m+1), m in [sqrt(1/2), sqrt(2)), R of degree 3 (relative error 7e-10).
 */
#ifndef SIMDPOOL_SIMD_LP_SOFT_MATH_H
#define SIMDPOOL_SIMD_LP_SOFT_MATH_H

#include <float.h>
#include <math.h>

#include "kernels.h"

/* e^r for |r| <= ~0.354: 1 + (r + r^2 P(r)), the small part first so that e^0 is exactly 1. */
SP_KERNEL_INLINE vf vf_exp_reduced(vf r)
{
    vf p = vf_fma(vf_set1(0.001392768462f), r, vf_set1(0.008364380693f));
    p = vf_fma(p, r, vf_set1(0.04166654542f));
    p = vf_fma(p, r, vf_set1(0.1666656963f));
    p = vf_fma(p, r, vf_set1(0.5f));
    return vf_add(vf_fma(p, vf_mul(r, r), r), vf_set1(1.0f));
}

/*
 * e^x for x <= 0 (SoftPool's x - max): e^x = 2^k e^r with k = round(x / ln2) and r = x - k ln2 (ln2 split in
 * two floats; the FMAs keep k*ln2_hi exact). k is rounded by adding 1.5 * 2^23, whose float has no fraction
 * bits left. x is clamped below at -104, where e^x rounds to 0 already: vmaxps(lo, x) returns x when it is
 * NaN, so NaN flows through and yields NaN. Positive x up to 43 are fine too; larger ones give garbage, but
 * reach this only in windows holding NaN (whose max chain a NaN broke), whose output is NaN regardless.
 */
SP_KERNEL_INLINE vf vf_exp_nonpositive(vf x)
{
    x = vf_max(vf_set1(-104.0f), x);
    const vf shifter = vf_set1(12582912.0f);
    const vf k = vf_sub(vf_fma(x, vf_set1(1.44269502163f), shifter), shifter);
    vf r = vf_fma(k, vf_set1(-0.693147182465f), x);
    r = vf_fma(k, vf_set1(1.904654323e-09f), r);
    return vf_scale2_low(vf_exp_reduced(r), k);
}

/*
 * |x|^p for p > 0. With |x| = m 2^e, m in [sqrt(1/2), sqrt(2)), the exponent p log2|x| = p e + p log2(m)
 * is split into an integer n and a fraction f = (p e - n) + p log2(m): the FMA gives p e - n exactly enough
 * (the product p e is exact inside it, and the difference is small), so the error of f does not grow with
 * |p e|, as it would were p log2|x| rounded to a float first. Then |x|^p = 2^n e^(f ln2).
 */
SP_KERNEL_INLINE vf vf_pow_abs(vf x, vf p)
{
    const vf ax = vf_abs(x);
    /* Subnormal |x|: scale by 2^23 first so that the exponent field holds the true exponent (minus 23). */
    const vm tiny = vm_lt(ax, vf_set1(1.17549435e-38f));
    const vf an = vf_select(tiny, vf_mul(ax, vf_set1(8388608.0f)), ax);
    /* Bits of |x| relative to sqrt(1/2)'s: the exponent field is e, the low bits give m back. */
    const vi sqrt_half = vi_set1(0x3f3504f3);
    const vi u = vi_sub(vf_bits(an), sqrt_half);
    const vf e = vf_sub(vf_from_int(vi_srai23(u)), vf_select(tiny, vf_set1(23.0f), vf_zero()));
    const vf m = vf_from_bits(vi_add(vi_and(u, vi_set1(0x007fffff)), sqrt_half));
    const vf s = vf_div(vf_sub(m, vf_set1(1.0f)), vf_add(m, vf_set1(1.0f)));
    const vf z = vf_mul(s, s);
    vf rz = vf_fma(vf_set1(0.4319195918f), z, vf_set1(0.576707729f));
    rz = vf_fma(rz, z, vf_set1(0.9617989049f));
    rz = vf_fma(rz, z, vf_set1(2.88539008f));
    const vf q = vf_mul(p, vf_mul(s, rz)); /* p log2(m), |q| <= p / 2 */
    /* n = round(p e + q), clamped so that 2^n stays in vf_scale2's range; there 2^n e^(f ln2) over- or
       underflows anyway, and f is clamped with it so that the polynomial stays finite. */
    const vf n = vf_round(vf_min(vf_set1(250.0f), vf_max(vf_set1(-250.0f), vf_fma(p, e, q))));
    vf f = vf_add(vf_fma(p, e, vf_sub(vf_zero(), n)), q);
    f = vf_min(vf_set1(1.0f), vf_max(vf_set1(-1.0f), f));
    const vf r = vf_scale2(vf_exp_reduced(vf_mul(f, vf_set1(0.693147182465f))), n);
    /* 0^p = 0, inf^p = inf, NaN^p = NaN: exactly |x| there. */
    const vm regular = vm_and(vm_lt(vf_zero(), ax), vm_lt(ax, vf_set1(INFINITY)));
    return vf_select(regular, r, ax);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The reductions, one tap at a time                                                                          */

/* What a kernel computes: LP with p = 1 (sum of |x|), p = 2 (sqrt of the sum of squares), any other p, or
   SoftPool. */
enum sp_simd_family { FAMILY_LP1, FAMILY_LP2, FAMILY_LPP, FAMILY_SOFT };

/* LP's family from its order. */
SP_KERNEL_INLINE enum sp_simd_family sp_simd_lp_family(float p)
{
    return p == 1.0f ? FAMILY_LP1 : p == 2.0f ? FAMILY_LP2 : FAMILY_LPP;
}

/* One pass over a window's taps: LP's sum of terms in one pass; SoftPool's max, then its weighted sums. */
enum sp_simd_pass { PASS_LP1, PASS_LP2, PASS_LPP, PASS_MAX, PASS_SOFT };

/* The running state of one vector of outputs. */
typedef struct sp_simd_acc {
    vf sum; /* LP: the sum of terms; SoftPool: the sum of weights */
    vf num; /* SoftPool: the sum of weight * x */
    vf max; /* SoftPool: the window max */
} sp_simd_acc;

/*
 * Adds one tap v. The sums keep the scalar kernels' arithmetic: LP's terms are |v| and v*v (separate multiply
 * and add: the build has -ffp-contract=off), so p = 1 and p = 2 are bit-identical to scalar when the taps come
 * in scan order. SoftPool's max is vmaxps(max, v): a NaN tap may or may not end in the max, but its weight is
 * NaN either way, so the output is NaN as the scalar rule requires. A weight-0 tap (v = -inf, or e^(v - max)
 * underflowing) adds 0 to the weighted sum, not 0 * -inf (the scalar sp_soft_product rule).
 */
SP_KERNEL_INLINE void sp_simd_tap(enum sp_simd_pass pass, sp_simd_acc *a, vf v, vf p)
{
    switch (pass) {
    case PASS_LP1: a->sum = vf_add(a->sum, vf_abs(v)); break;
    case PASS_LP2: a->sum = vf_add(a->sum, vf_mul(v, v)); break;
    case PASS_LPP: a->sum = vf_add(a->sum, vf_pow_abs(v, p)); break;
    case PASS_MAX: a->max = vf_max(a->max, v); break;
    case PASS_SOFT: {
        const vf w = vf_exp_nonpositive(vf_sub(v, a->max));
        a->sum = vf_add(a->sum, w);
        /* w * v, except 0 where w = 0: w = 0 with finite v gives +-0, which adds nothing to a sum that starts
           at +0; v = -inf (whose w is 0) is replaced by -FLT_MAX for that; v = +inf makes the window max inf
           and its own weight NaN, so the output is NaN anyway. vmaxps(lo, v) keeps NaN. */
        a->num = vf_add(a->num, vf_mul(w, vf_max(vf_set1(-FLT_MAX), v)));
        break;
    }
    }
}

/* A tap that is not there (outside the input, or a lane past its window): adds nothing to any pass. */
SP_KERNEL_INLINE vf sp_simd_absent_tap(enum sp_simd_family family)
{
    return family == FAMILY_SOFT ? vf_set1(-INFINITY) : vf_zero();
}

SP_KERNEL_INLINE void sp_simd_acc_init(sp_simd_acc *a)
{
    a->sum = a->num = vf_zero();
    a->max = vf_set1(-INFINITY);
}

/* The output of a finished reduction. An empty window's LP sum 0 gives 0 in every mode; SoftPool's empty
   windows are the caller's to zero (they have no max). */
SP_KERNEL_INLINE vf sp_simd_finish(enum sp_simd_family family, const sp_simd_acc *a, vf inv_p)
{
    switch (family) {
    case FAMILY_LP1: return a->sum;
    case FAMILY_LP2: return vf_sqrt(a->sum);
    case FAMILY_LPP: return vf_pow_abs(a->sum, inv_p);
    case FAMILY_SOFT: return vf_div(a->num, a->sum);
    }
    return a->sum;
}

/* The fused clamp, NaN preserved: vmaxps(lo, v) and vminps(hi, v) return v when it is NaN. */
SP_KERNEL_INLINE vf sp_simd_clamp(vf v, vf lo, vf hi) { return vf_min(hi, vf_max(lo, v)); }

#endif /* SIMDPOOL_SIMD_LP_SOFT_MATH_H */
