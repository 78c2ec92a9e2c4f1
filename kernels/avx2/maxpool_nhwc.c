/*
 * AVX2 (+FMA) NHWC max/min forward: the vector layer of kernels/x86/maxpool_nhwc.h (which holds the
 * algorithm) for 8 channels per vector. AVX2 has no mask registers: masks are all-ones lanes, moves are blends,
 * and the channel tail needs 32-bit lane masks for values and 64-bit ones for the index halves.
 */
#include <stdbool.h>
#include <stdint.h>

#include <simde/x86/avx2.h>
#include <simde/x86/fma.h>

#include "kernels.h"

typedef simde__m256 vf;
typedef simde__m256i vi;
typedef simde__m256 vm;       /* exact-rule winners: all-ones lanes */
typedef simde__m256i vchange; /* NaN-free winners, stored inverted: the lanes a tap left unchanged */

/* 16 ymm registers: full-window runs that carry columns hold KH of them per carried column and vector, which
   leaves room for one vector per pass; without carried columns two fit. */
enum { VL = 8, BLOCK = 4, PIXEL_U = 2, CARRY_U = 1, GLOBAL_U = 4 };

/* The channel tail: lanes [0, n) of a vector, as 32-bit lane masks and as 64-bit masks for the index halves. */
typedef struct vtail {
    vi m32, lo64, hi64;
} vtail;

/* Passed by reference: three vectors. */
typedef const vtail *vtail_arg;
SP_KERNEL_INLINE vtail_arg vtail_pass(const vtail *t) { return t; }

static vtail vtail_first(int64_t n) {
    vtail t;
    t.m32 = simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int32_t)n), simde_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
    t.lo64 = simde_mm256_cvtepi32_epi64(simde_mm256_castsi256_si128(t.m32));
    t.hi64 = simde_mm256_cvtepi32_epi64(simde_mm256_extracti128_si256(t.m32, 1));
    return t;
}

SP_KERNEL_INLINE vf vf_zero(void) { return simde_mm256_setzero_ps(); }
SP_KERNEL_INLINE vf vf_set1(float f) { return simde_mm256_set1_ps(f); }
SP_KERNEL_INLINE vf vf_mul(vf a, vf b) { return simde_mm256_mul_ps(a, b); }
SP_KERNEL_INLINE vf vf_fma(vf a, vf b, vf c) { return simde_mm256_fmadd_ps(a, b, c); }

SP_KERNEL_INLINE vf vf_load(const float *p) { return simde_mm256_loadu_ps(p); }
SP_KERNEL_INLINE vf vf_load_tail(const float *p, vtail_arg t) { return simde_mm256_maskload_ps(p, t->m32); }
SP_KERNEL_INLINE void vf_store(float *p, vf v) { simde_mm256_storeu_ps(p, v); }
SP_KERNEL_INLINE void vf_store_tail(float *p, vtail_arg t, vf v) { simde_mm256_maskstore_ps(p, t->m32, v); }
SP_KERNEL_INLINE void vf_stream(float *p, vf v) { simde_mm256_stream_ps(p, v); }

/* The NaN-free rule: v wins where strictly better; ties keep best. */
SP_KERNEL_INLINE vf pick(vf v, vf best, bool is_min) {
    return is_min ? simde_mm256_min_ps(v, best) : simde_mm256_max_ps(v, best);
}

/* NaN-preserving clamp, sp_clamp's semantics: vmaxps(lo, v) returns a NaN v (second operand), as does vminps. */
SP_KERNEL_INLINE vf clamp(vf v, vf lo, vf hi) { return simde_mm256_min_ps(hi, simde_mm256_max_ps(lo, v)); }

/* The contract's rule, NaN included: (v > best) || isnan(v). */
SP_KERNEL_INLINE vm wins_exact(vf v, vf best, bool is_min) {
    const vf better =
        is_min ? simde_mm256_cmp_ps(v, best, SIMDE_CMP_LT_OQ) : simde_mm256_cmp_ps(v, best, SIMDE_CMP_GT_OQ);
    return simde_mm256_or_ps(better, simde_mm256_cmp_ps(v, v, SIMDE_CMP_UNORD_Q));
}

/* m ? a : b, lane by lane. */
SP_KERNEL_INLINE vf vf_select(vm m, vf a, vf b) { return simde_mm256_blendv_ps(b, a, m); }

/* Where nb (the new best) differs bitwise from best: held as its complement, nb == best, since blending with
   swapped operands then saves a NOT (pos32_take_changed). */
SP_KERNEL_INLINE vchange changed(vf nb, vf best) {
    return simde_mm256_cmpeq_epi32(simde_mm256_castps_si256(nb), simde_mm256_castps_si256(best));
}

SP_KERNEL_INLINE vi pos32_set1(int64_t pos) { return simde_mm256_set1_epi32((int32_t)pos); }
SP_KERNEL_INLINE vi pos32_zero(void) { return simde_mm256_setzero_si256(); }
SP_KERNEL_INLINE vi pos32_add(vi a, vi b) { return simde_mm256_add_epi32(a, b); }
SP_KERNEL_INLINE vi pos64_set1(int64_t pos) { return simde_mm256_set1_epi64x(pos); }

/* int32 lanes 0-3 / 4-7 sign-extended to int64 (positions are >= 0, so either extension would do); the same
   widening turns a 32-bit lane mask into the masks of the int64 halves. */
SP_KERNEL_INLINE vi widen_lo(vi v) { return simde_mm256_cvtepi32_epi64(simde_mm256_castsi256_si128(v)); }
SP_KERNEL_INLINE vi widen_hi(vi v) { return simde_mm256_cvtepi32_epi64(simde_mm256_extracti128_si256(v, 1)); }

/* Positions: pos where the tap won, at elsewhere. */
SP_KERNEL_INLINE vi pos32_take(vi at, vm take, vi pos) {
    return simde_mm256_blendv_epi8(at, pos, simde_mm256_castps_si256(take));
}
SP_KERNEL_INLINE void pos64_take(vi *lo, vi *hi, vm take, vi pos) {
    const vi m = simde_mm256_castps_si256(take);
    *lo = simde_mm256_blendv_epi8(*lo, pos, widen_lo(m));
    *hi = simde_mm256_blendv_epi8(*hi, pos, widen_hi(m));
}
SP_KERNEL_INLINE vi pos32_take_changed(vi at, vchange keep, vi pos) { return simde_mm256_blendv_epi8(pos, at, keep); }
SP_KERNEL_INLINE void pos64_take_changed(vi *lo, vi *hi, vchange keep, vi pos) {
    *lo = simde_mm256_blendv_epi8(pos, *lo, widen_lo(keep));
    *hi = simde_mm256_blendv_epi8(pos, *hi, widen_hi(keep));
}

/* Eight int64 positions, lanes 0-3 and 4-7; `part`: only the tail's lanes. */
SP_KERNEL_INLINE void store_pos64(int64_t *p, vi lo, vi hi, bool part, vtail_arg t) {
    if (part) {
        simde_mm256_maskstore_epi64(p, t->lo64, lo);
        simde_mm256_maskstore_epi64(p + 4, t->hi64, hi);
    } else {
        simde_mm256_storeu_si256((simde__m256i *)p, lo);
        simde_mm256_storeu_si256((simde__m256i *)(p + 4), hi);
    }
}

/* The lanes where det is NaN, as bits. */
SP_KERNEL_INLINE unsigned nan_lanes(vf det) {
    return (unsigned)simde_mm256_movemask_ps(simde_mm256_cmp_ps(det, det, SIMDE_CMP_UNORD_Q));
}

#include "x86/maxpool_nhwc.h"

void sp_avx2_maxpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                  int64_t row_begin, int64_t row_end) {
    pool_forward(g, x, y, idx, row_begin, row_end, false);
}

void sp_avx2_minpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                  int64_t row_begin, int64_t row_end) {
    pool_forward(g, x, y, idx, row_begin, row_end, true);
}
