/*
 * AVX2 NHWC max/min forward: 8 channels per vector, the window's taps scanned in row-major order.
 * A tap wins where (v > best) || isnan(v) (min: v < best), which keeps the first of equal values and the
 * last NaN, exactly like the scalar reference, in full vectors and in the masked channel tail alike.
 */
#include <stdbool.h>
#include <simde/x86/avx2.h>

#include "kernels.h"

typedef struct tail_masks {
    simde__m256i lanes32; /* 8 x 32-bit: channel c + i < C */
    simde__m256i lo64;    /* 4 x 64-bit for lanes 0-3 */
    simde__m256i hi64;    /* 4 x 64-bit for lanes 4-7 */
} tail_masks;

static tail_masks make_tail_masks(int64_t remaining) {
    const simde__m256i lane = simde_mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    tail_masks m;
    m.lanes32 = simde_mm256_cmpgt_epi32(simde_mm256_set1_epi32((int)remaining), lane);
    m.lo64 = simde_mm256_cvtepi32_epi64(simde_mm256_castsi256_si128(m.lanes32));
    m.hi64 = simde_mm256_cvtepi32_epi64(simde_mm256_extracti128_si256(m.lanes32, 1));
    return m;
}

static inline simde__m256 wins(simde__m256 v, simde__m256 best, bool is_min) {
    const simde__m256 better = is_min ? simde_mm256_cmp_ps(v, best, SIMDE_CMP_LT_OQ)
                                      : simde_mm256_cmp_ps(v, best, SIMDE_CMP_GT_OQ);
    return simde_mm256_or_ps(better, simde_mm256_cmp_ps(v, v, SIMDE_CMP_UNORD_Q));
}

/* One output pixel, channels [c, c + 8) (a partial vector when `tail` is non-NULL). */
static inline __attribute__((always_inline)) void pool_pixel_vector(
    const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, int64_t c, const int64_t first[3],
    const int32_t taps[3], const tail_masks *tail, bool with_idx, bool is_min) {
    const int64_t C = g->channels, H = g->in[1], W = g->in[2];
    simde__m256 best = simde_mm256_setzero_ps();
    simde__m256i best_lo = simde_mm256_setzero_si256(), best_hi = simde_mm256_setzero_si256();
    bool started = false;
    for (int32_t jd = 0; jd < taps[0]; ++jd) {
        const int64_t d = first[0] + jd * g->dilation[0];
        for (int32_t jh = 0; jh < taps[1]; ++jh) {
            const int64_t h = first[1] + jh * g->dilation[1];
            for (int32_t jw = 0; jw < taps[2]; ++jw) {
                const int64_t pos = (d * H + h) * W + first[2] + jw * g->dilation[2];
                const float *p = x + pos * C + c;
                const simde__m256 v = tail ? simde_mm256_maskload_ps(p, tail->lanes32) : simde_mm256_loadu_ps(p);
                if (!started) { /* the first tap initialises, so -inf and -FLT_MAX inputs need no sentinel */
                    best = v;
                    if (with_idx) best_lo = best_hi = simde_mm256_set1_epi64x(pos);
                    started = true;
                    continue;
                }
                const simde__m256 take = wins(v, best, is_min);
                best = simde_mm256_blendv_ps(best, v, take);
                if (with_idx) {
                    const simde__m256i take32 = simde_mm256_castps_si256(take);
                    const simde__m256i p64 = simde_mm256_set1_epi64x(pos);
                    best_lo = simde_mm256_blendv_epi8(
                        best_lo, p64, simde_mm256_cvtepi32_epi64(simde_mm256_castsi256_si128(take32)));
                    best_hi = simde_mm256_blendv_epi8(
                        best_hi, p64, simde_mm256_cvtepi32_epi64(simde_mm256_extracti128_si256(take32, 1)));
                }
            }
        }
    }
    if (g->clamp_output) { /* NaN-preserving: a NaN fails both comparisons and is kept */
        const simde__m256 lo = simde_mm256_set1_ps(g->clamp_min), hi = simde_mm256_set1_ps(g->clamp_max);
        best = simde_mm256_blendv_ps(best, lo, simde_mm256_cmp_ps(best, lo, SIMDE_CMP_LT_OQ));
        best = simde_mm256_blendv_ps(best, hi, simde_mm256_cmp_ps(best, hi, SIMDE_CMP_GT_OQ));
    }
    if (tail) {
        simde_mm256_maskstore_ps(y + c, tail->lanes32, best);
        if (with_idx) {
            simde_mm256_maskstore_epi64(idx + c, tail->lo64, best_lo);
            simde_mm256_maskstore_epi64(idx + c + 4, tail->hi64, best_hi);
        }
    } else {
        simde_mm256_storeu_ps(y + c, best);
        if (with_idx) {
            simde_mm256_storeu_si256((simde__m256i *)(idx + c), best_lo);
            simde_mm256_storeu_si256((simde__m256i *)(idx + c + 4), best_hi);
        }
    }
}

static inline __attribute__((always_inline)) void pool_rows(const sp_pool_geometry *g, const float *x, float *y,
                                                            int64_t *idx, int64_t row_begin, int64_t row_end,
                                                            bool with_idx, bool is_min) {
    const int64_t C = g->channels, vector_end = C - C % 8;
    const tail_masks tail = make_tail_masks(C % 8);
    for (int64_t row = row_begin; row < row_end; ++row) {
        const int64_t od = row / g->out[1], oh = row % g->out[1];
        for (int64_t ow = 0; ow < g->out[2]; ++ow) {
            const int64_t first[3] = {g->first[0][od], g->first[1][oh], g->first[2][ow]};
            const int32_t taps[3] = {g->taps[0][od], g->taps[1][oh], g->taps[2][ow]};
            const int64_t out_pixel = (row * g->out[2] + ow) * C;
            float *y_pixel = y + out_pixel;
            int64_t *idx_pixel = with_idx ? idx + out_pixel : NULL;
            for (int64_t c = 0; c < vector_end; c += 8)
                pool_pixel_vector(g, x, y_pixel, idx_pixel, c, first, taps, NULL, with_idx, is_min);
            if (vector_end < C)
                pool_pixel_vector(g, x, y_pixel, idx_pixel, vector_end, first, taps, &tail, with_idx, is_min);
        }
    }
}

void sp_avx2_maxpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                  int64_t row_begin, int64_t row_end) {
    if (idx) pool_rows(g, x, y, idx, row_begin, row_end, true, false);
    else pool_rows(g, x, y, NULL, row_begin, row_end, false, false);
}

void sp_avx2_minpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                  int64_t row_begin, int64_t row_end) {
    if (idx) pool_rows(g, x, y, idx, row_begin, row_end, true, true);
    else pool_rows(g, x, y, NULL, row_begin, row_end, false, true);
}
