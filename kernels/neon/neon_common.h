/*
 * Helpers shared by the NEON forward kernels (private to kernels/neon/). Written with NEON intrinsics through
 * simde: on aarch64 every simde_v* call is the native intrinsic; elsewhere simde translates it (for tests).
 *
 * The kernels keep the scalar reference's semantics bit for bit, in full vectors and in every tail:
 *   - MAX/MIN: a tap wins where (v > best) || isnan(v) (MIN: <), as a compare + select. vmaxq_f32 would be
 *     cheaper but is not the rule: it returns +0 for (-0, +0) whatever the order, and says nothing of which
 *     tap won. The first tap in scan order (D, H, W) initialises, so ties keep it and -inf needs no sentinel.
 *   - AVG: 0 plus each tap in scan order, then one IEEE division by the plan's divisor (never a reciprocal).
 *   - The fused clamp keeps NaN (both comparisons are false for it).
 *
 * Indices: every lane of a vector sees the same window shape, so a window's taps are numbered by their offset
 * from the lane's first tap ("rel", the same for all lanes), and the winner's rel is tracked as a u32 lane
 * (one select per tap) and turned into the int64 in-plane position only when stored. Planes of more than 2^32
 * elements (windows could then span more) track a 64-bit rel instead: SP_IDX_WIDE.
 */
#ifndef SIMDPOOL_NEON_COMMON_H
#define SIMDPOOL_NEON_COMMON_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include <simde/arm/neon.h>

#include "kernels.h"

enum sp_neon_op { SP_NEON_MAX = 0, SP_NEON_MIN = 1, SP_NEON_AVG = 2 };
enum sp_neon_idx { SP_IDX_NONE = 0, SP_IDX_NARROW = 1, SP_IDX_WIDE = 2 };

/* The index mode for a plan: none, u32 rel (every in-plane offset fits), or 64-bit rel. */
static inline enum sp_neon_idx sp_neon_idx_mode(const sp_pool_geometry *g, const int64_t *idx)
{
    if (idx == NULL) return SP_IDX_NONE;
    return sp_in_plane(g) <= (int64_t)UINT32_MAX ? SP_IDX_NARROW : SP_IDX_WIDE;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Vectors                                                                                                    */

/* IEEE division lane by lane (AArch64's FDIV; simde 0.7 has no vdivq_f32 translation, so other hosts divide
 * the four lanes as scalars, which is the same correctly rounded operation). */
SP_KERNEL_INLINE simde_float32x4_t sp_neon_div(simde_float32x4_t a, simde_float32x4_t b)
{
#if defined(SIMDE_ARM_NEON_A64V8_NATIVE)
    return vdivq_f32(a, b);
#else
    float ta[4], tb[4];
    simde_vst1q_f32(ta, a);
    simde_vst1q_f32(tb, b);
    for (int i = 0; i < 4; ++i) ta[i] = ta[i] / tb[i];
    return simde_vld1q_f32(ta);
#endif
}

/* The first n (1..3) floats at p, the other lanes 0: a channel tail narrower than one vector. */
SP_KERNEL_INLINE simde_float32x4_t sp_neon_load_partial(const float *p, int64_t n)
{
    float t[4] = {0.0f, 0.0f, 0.0f, 0.0f};
    memcpy(t, p, (size_t)n * sizeof(float));
    return simde_vld1q_f32(t);
}

SP_KERNEL_INLINE void sp_neon_store_partial(float *p, simde_float32x4_t v, int64_t n)
{
    float t[4];
    simde_vst1q_f32(t, v);
    memcpy(p, t, (size_t)n * sizeof(float));
}

/* Lanes {p[0], p[s], p[2s], p[3s]}. */
SP_KERNEL_INLINE simde_float32x4_t sp_neon_load_strided(const float *p, int64_t s)
{
    const float t[4] = {p[0], p[s], p[2 * s], p[3 * s]};
    return simde_vld1q_f32(t);
}

/* 4x4 transpose: rows r[i] (4 consecutive taps of plane i) -> columns c[j] (tap j of planes 0..3). */
SP_KERNEL_INLINE void sp_neon_transpose4(const simde_float32x4_t r[4], simde_float32x4_t c[4])
{
    const simde_float32x4x2_t t01 = simde_vtrnq_f32(r[0], r[1]);
    const simde_float32x4x2_t t23 = simde_vtrnq_f32(r[2], r[3]);
    c[0] = simde_vcombine_f32(simde_vget_low_f32(t01.val[0]), simde_vget_low_f32(t23.val[0]));
    c[1] = simde_vcombine_f32(simde_vget_low_f32(t01.val[1]), simde_vget_low_f32(t23.val[1]));
    c[2] = simde_vcombine_f32(simde_vget_high_f32(t01.val[0]), simde_vget_high_f32(t23.val[0]));
    c[3] = simde_vcombine_f32(simde_vget_high_f32(t01.val[1]), simde_vget_high_f32(t23.val[1]));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* The running state of four outputs                                                                          */

typedef struct sp_nstate {
    simde_float32x4_t acc;          /* best value (MAX/MIN) or running sum (AVG) */
    simde_uint32x4_t rel;           /* SP_IDX_NARROW: the winner's offset from the lane's first tap */
    simde_int64x2_t rel_lo, rel_hi; /* SP_IDX_WIDE: the same, 64-bit, lanes 0-1 and 2-3 */
} sp_nstate;

/* AVG: an empty sum (an empty window then yields 0 / divisor = 0). */
SP_KERNEL_INLINE void sp_nstate_zero(sp_nstate *s)
{
    s->acc = simde_vdupq_n_f32(0.0f);
    s->rel = simde_vdupq_n_u32(0);
    s->rel_lo = s->rel_hi = simde_vdupq_n_s64(0);
}

/* MAX/MIN: the first tap (rel 0) initialises. */
SP_KERNEL_INLINE void sp_nstate_first(sp_nstate *s, simde_float32x4_t v)
{
    sp_nstate_zero(s);
    s->acc = v;
}

/* Lanes where tap v wins over best: (v > best) | isnan(v), i.e. better | ~(v == v). */
SP_KERNEL_INLINE simde_uint32x4_t sp_neon_wins(simde_float32x4_t v, simde_float32x4_t best, int is_min)
{
    const simde_uint32x4_t better = is_min ? simde_vcltq_f32(v, best) : simde_vcgtq_f32(v, best);
    return simde_vornq_u32(better, simde_vceqq_f32(v, v));
}

/* One tap (at offset rel from each lane's first tap) of the four outputs. */
SP_KERNEL_INLINE void sp_nstate_tap(sp_nstate *s, simde_float32x4_t v, int64_t rel, int op, int ik)
{
    if (op == SP_NEON_AVG) {
        s->acc = simde_vaddq_f32(s->acc, v);
        return;
    }
    const simde_uint32x4_t take = sp_neon_wins(v, s->acc, op == SP_NEON_MIN);
    s->acc = simde_vbslq_f32(take, v, s->acc);
    if (ik == SP_IDX_NARROW) {
        s->rel = simde_vbslq_u32(take, simde_vdupq_n_u32((uint32_t)rel), s->rel);
    } else if (ik == SP_IDX_WIDE) {
        const simde_int32x4_t t = simde_vreinterpretq_s32_u32(take);
        const simde_uint64x2_t t_lo = simde_vreinterpretq_u64_s64(simde_vmovl_s32(simde_vget_low_s32(t)));
        const simde_uint64x2_t t_hi = simde_vreinterpretq_u64_s64(simde_vmovl_s32(simde_vget_high_s32(t)));
        const simde_int64x2_t r = simde_vdupq_n_s64(rel);
        s->rel_lo = simde_vbslq_s64(t_lo, r, s->rel_lo);
        s->rel_hi = simde_vbslq_s64(t_hi, r, s->rel_hi);
    }
}

/* The winners' in-plane positions: lane first tap (base_lo, base_hi) + rel. */
SP_KERNEL_INLINE void sp_nstate_positions(const sp_nstate *s, simde_int64x2_t base_lo, simde_int64x2_t base_hi, int ik,
                                        simde_int64x2_t *lo, simde_int64x2_t *hi)
{
    if (ik == SP_IDX_WIDE) {
        *lo = simde_vaddq_s64(base_lo, s->rel_lo);
        *hi = simde_vaddq_s64(base_hi, s->rel_hi);
        return;
    }
    *lo = simde_vreinterpretq_s64_u64(
        simde_vaddw_u32(simde_vreinterpretq_u64_s64(base_lo), simde_vget_low_u32(s->rel)));
    *hi = simde_vreinterpretq_s64_u64(
        simde_vaddw_u32(simde_vreinterpretq_u64_s64(base_hi), simde_vget_high_u32(s->rel)));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Finishing an output                                                                                        */

/* The plan's clamp, read once per call into locals (the output stores could otherwise alias the geometry). */
typedef struct sp_nclamp {
    int on;
    float lo, hi;
    simde_float32x4_t vlo, vhi;
} sp_nclamp;

static inline sp_nclamp sp_nclamp_of(const sp_pool_geometry *g)
{
    sp_nclamp c;
    c.on = g->clamp_output;
    c.lo = g->clamp_min;
    c.hi = g->clamp_max;
    c.vlo = simde_vdupq_n_f32(c.lo);
    c.vhi = simde_vdupq_n_f32(c.hi);
    return c;
}

/* AVG divides; then the NaN-preserving clamp, as sp_clamp: v < lo ? lo : (v > hi ? hi : v). */
SP_KERNEL_INLINE simde_float32x4_t sp_nfinish(simde_float32x4_t acc, simde_float32x4_t divisor, const sp_nclamp *c,
                                            int op)
{
    if (op == SP_NEON_AVG) acc = sp_neon_div(acc, divisor);
    if (c->on) {
        acc = simde_vbslq_f32(simde_vcltq_f32(acc, c->vlo), c->vlo, acc);
        acc = simde_vbslq_f32(simde_vcgtq_f32(acc, c->vhi), c->vhi, acc);
    }
    return acc;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* One window, scalar (NCHW edge columns): the reference's rule, tap by tap in scan order                     */

typedef struct sp_nwin {
    int64_t first;      /* in-plane offset of the first tap in scan order */
    int64_t nd, nh, nw; /* taps along D, H and W */
    int64_t sd, sh, sw; /* in-plane distance between consecutive taps along D, H and W */
} sp_nwin;

SP_KERNEL_INLINE void sp_neon_scalar_window(const float *x, const sp_nwin *w, float divisor, const sp_nclamp *c,
                                          float *y, int64_t *idx, int op, int with_idx)
{
    float best = op == SP_NEON_AVG ? 0.0f : x[w->first];
    int64_t at = w->first;
    for (int64_t td = 0; td < w->nd; ++td)
        for (int64_t th = 0; th < w->nh; ++th)
            for (int64_t tw = 0; tw < w->nw; ++tw) {
                const int64_t off = w->first + td * w->sd + th * w->sh + tw * w->sw;
                const float v = x[off];
                if (op == SP_NEON_AVG) {
                    best += v;
                } else if ((op == SP_NEON_MIN ? v < best : v > best) || isnan(v)) {
                    best = v;
                    at = off;
                }
            }
    if (op == SP_NEON_AVG) best = best / divisor;
    if (c->on) best = sp_clamp(best, c->lo, c->hi);
    *y = best;
    if (with_idx) *idx = at;
}

#endif /* SIMDPOOL_NEON_COMMON_H */
