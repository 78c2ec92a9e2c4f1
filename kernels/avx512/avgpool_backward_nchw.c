/* AVX-512 NCHW backward of average pooling, both divisor modes (the plan's divisor table encodes them);
   kernels/simd/pool_backward.h. */
#include "backward_vec.h"
#include "simd/pool_backward.h"

SP_DECLARE_FAMILY(avx512, avgpool)

int64_t sp_avx512_avgpool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, size_t planes)
{
    (void)idx;
    (void)x;
    (void)y;
    bwd_avg_nchw(g, dy, dx, planes);
    return -1;
}
