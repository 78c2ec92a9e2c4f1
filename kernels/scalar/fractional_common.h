/*
 * What the scalar fractional max pooling kernels share (private to kernels/scalar/): the scan of one window.
 */
#ifndef SIMDPOOL_SCALAR_FRACTIONAL_COMMON_H
#define SIMDPOOL_SCALAR_FRACTIONAL_COMMON_H

#include "ops_kernels.h"
#include "pool_common.h"

/*
 * Max of the kd x kh x kw window whose first tap is pixel `first` (element first * stride of x: stride 1 in NCHW,
 * C in NHWC with x already offset to the channel), its pixel position in *best_at. Max pooling's rule in scan
 * order (first tap seeds, a later one wins if strictly greater or NaN), through sp_pick / sp_pick_at: selects,
 * not branches, which random data would make unpredictable. Forced inline so that constant kernel sizes unroll.
 */
static SP_ALWAYS_INLINE float sp_fractional_window_max(const float *x, int64_t first, int64_t stride, int64_t H,
                                                       int64_t W, int64_t kd, int64_t kh, int64_t kw,
                                                       int64_t *best_at)
{
    float best = x[first * stride];
    int64_t at = first;
    for (int64_t d = 0; d < kd; ++d)
        for (int64_t h = 0; h < kh; ++h) {
            const int64_t row = first + (d * H + h) * W;
            for (int64_t w = (d == 0 && h == 0) ? 1 : 0; w < kw; ++w) {
                const float v = x[(row + w) * stride];
                at = sp_pick_at(v, best, 0, row + w, at);
                best = sp_pick(v, best, 0);
            }
        }
    *best_at = at;
    return best;
}

#endif /* SIMDPOOL_SCALAR_FRACTIONAL_COMMON_H */
