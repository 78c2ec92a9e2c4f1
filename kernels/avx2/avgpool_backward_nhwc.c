/* AVX2 NHWC backward of average pooling, both divisor modes (the plan's divisor table encodes them);
   kernels/simd/pool_backward.h. */
#include "backward_vec.h"
#include "simd/pool_backward.h"

SP_DECLARE_FAMILY(avx2, avgpool)

int64_t sp_avx2_avgpool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    (void)idx;
    (void)x;
    (void)y;
    bwd_avg_nhwc(g, dy, dx, row_begin, row_end);
    return -1;
}
