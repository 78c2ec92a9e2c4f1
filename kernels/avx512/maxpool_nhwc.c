/*
 * AVX-512 NHWC max/min forward: the vector layer of kernels/x86/maxpool_nhwc.h (which holds the
 * algorithm) for 16 channels per vector. Masks live in mask registers: the channel tail is one __mmask16 (its
 * bytes mask the two int64 halves), and position moves are masked moves.
 *
 * Intrinsics go through simde; masked loads and stores of AVX-512 are missing from simde 0.7, so they are
 * native where the compiler targets AVX-512F (always, for this folder) and portable loops elsewhere
 * (avx512/simde_gaps.h).
 */
#include <stdbool.h>
#include <stdint.h>

#include <simde/x86/avx512.h>

#include "kernels.h"
#include "avx512/simde_gaps.h"

typedef simde__m512 vf;
typedef simde__m512i vi;
typedef simde__mmask16 vm;      /* exact-rule winners */
typedef simde__mmask16 vchange; /* NaN-free winners */
typedef simde__mmask16 vtail;   /* the channel tail's lanes */

/* 32 zmm registers: full-window runs that carry columns fit two vectors per pass, the general path four, the
   global pass eight. */
enum { VL = 16, BLOCK = 4, PIXEL_U = BLOCK, CARRY_U = 2, GLOBAL_U = 8 };

typedef vtail vtail_arg; /* passed by value: one mask register */
SP_KERNEL_INLINE vtail_arg vtail_pass(const vtail *t) { return *t; }

/* Lanes [0, n), n < VL. */
SP_KERNEL_INLINE vtail vtail_first(int64_t n) { return (vtail)((1u << n) - 1); }

SP_KERNEL_INLINE vf vf_zero(void) { return simde_mm512_setzero_ps(); }
SP_KERNEL_INLINE vf vf_set1(float f) { return simde_mm512_set1_ps(f); }
SP_KERNEL_INLINE vf vf_mul(vf a, vf b) { return simde_mm512_mul_ps(a, b); }
SP_KERNEL_INLINE vf vf_fma(vf a, vf b, vf c) { return simde_mm512_fmadd_ps(a, b, c); }

SP_KERNEL_INLINE vf vf_load(const float *p) { return simde_mm512_loadu_ps(p); }
SP_KERNEL_INLINE vf vf_load_tail(const float *p, vtail_arg t) { return sp512_maskz_load(t, p); }
SP_KERNEL_INLINE void vf_store(float *p, vf v) { simde_mm512_storeu_ps(p, v); }
SP_KERNEL_INLINE void vf_store_tail(float *p, vtail_arg t, vf v) { sp512_mask_store(p, t, v); }
SP_KERNEL_INLINE void vf_stream(float *p, vf v) { sp512_stream(p, v); }

/* The NaN-free rule: v wins where strictly better; ties keep best. */
SP_KERNEL_INLINE vf pick(vf v, vf best, bool is_min) {
    return is_min ? simde_mm512_min_ps(v, best) : simde_mm512_max_ps(v, best);
}

/* NaN-preserving clamp, sp_clamp's semantics: vmaxps(lo, v) returns a NaN v (second operand), as does vminps. */
SP_KERNEL_INLINE vf clamp(vf v, vf lo, vf hi) { return simde_mm512_min_ps(hi, simde_mm512_max_ps(lo, v)); }

/* The contract's rule, NaN included: (v > best) || isnan(v). */
SP_KERNEL_INLINE vm wins_exact(vf v, vf best, bool is_min) {
    const vm better = is_min ? simde_mm512_cmp_ps_mask(v, best, SIMDE_CMP_LT_OQ)
                             : simde_mm512_cmp_ps_mask(v, best, SIMDE_CMP_GT_OQ);
    return (vm)(better | simde_mm512_cmp_ps_mask(v, v, SIMDE_CMP_UNORD_Q));
}

/* m ? a : b, lane by lane. */
SP_KERNEL_INLINE vf vf_select(vm m, vf a, vf b) { return simde_mm512_mask_mov_ps(b, m, a); }

/* Lanes where nb (the new best) differs bitwise from best. */
SP_KERNEL_INLINE vchange changed(vf nb, vf best) {
    return (vchange)~simde_mm512_cmpeq_epi32_mask(simde_mm512_castps_si512(nb), simde_mm512_castps_si512(best));
}

SP_KERNEL_INLINE vi pos32_set1(int64_t pos) { return simde_mm512_set1_epi32((int32_t)pos); }
SP_KERNEL_INLINE vi pos32_zero(void) { return simde_mm512_setzero_si512(); }
SP_KERNEL_INLINE vi pos32_add(vi a, vi b) { return simde_mm512_add_epi32(a, b); }
SP_KERNEL_INLINE vi pos64_set1(int64_t pos) { return simde_mm512_set1_epi64(pos); }

/* Positions: pos where the tap won, at elsewhere; the mask's low / high byte covers the int64 halves. */
SP_KERNEL_INLINE vi pos32_take(vi at, vm take, vi pos) { return simde_mm512_mask_mov_epi32(at, take, pos); }
SP_KERNEL_INLINE void pos64_take(vi *lo, vi *hi, vm take, vi pos) {
    *lo = simde_mm512_mask_mov_epi64(*lo, (simde__mmask8)take, pos);
    *hi = simde_mm512_mask_mov_epi64(*hi, (simde__mmask8)(take >> 8), pos);
}
SP_KERNEL_INLINE vi pos32_take_changed(vi at, vchange c, vi pos) { return pos32_take(at, c, pos); }
SP_KERNEL_INLINE void pos64_take_changed(vi *lo, vi *hi, vchange c, vi pos) { pos64_take(lo, hi, c, pos); }

/* int32 lanes 0-7 / 8-15 sign-extended to int64 (positions are >= 0, so either extension would do). */
SP_KERNEL_INLINE vi widen_lo(vi v) { return sp512_widen_half(v, 0); }

SP_KERNEL_INLINE vi widen_hi(vi v) { return sp512_widen_half(v, 1); }

SP_KERNEL_INLINE void store_i64(int64_t *p, simde__mmask8 k, vi v, bool masked) {
    if (masked) sp512_mask_store_epi64(p, k, v);
    else simde_mm512_storeu_si512(p, v);
}

/* Sixteen int64 positions, lanes 0-7 and 8-15; `part`: only the tail's lanes (no store for an empty half). */
SP_KERNEL_INLINE void store_pos64(int64_t *p, vi lo, vi hi, bool part, vtail_arg t) {
    store_i64(p, (simde__mmask8)(part ? t : 0xFF), lo, part);
    if (!part || (t >> 8)) store_i64(p + 8, (simde__mmask8)(part ? t >> 8 : 0xFF), hi, part);
}

/* The lanes where det is NaN, as bits. */
SP_KERNEL_INLINE unsigned nan_lanes(vf det) { return simde_mm512_cmp_ps_mask(det, det, SIMDE_CMP_UNORD_Q); }

#include "x86/maxpool_nhwc.h"

void sp_avx512_maxpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end) {
    pool_forward(g, x, y, idx, row_begin, row_end, false);
}

void sp_avx512_minpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end) {
    pool_forward(g, x, y, idx, row_begin, row_end, true);
}
