/* AVX-512 NHWC backward of max and min pooling: routed through the forward's indices
   (kernels/simd/pool_backward.h). */
#include "backward_vec.h"
#include "simd/pool_backward.h"

SP_DECLARE_FAMILY(avx512, maxpool)
SP_DECLARE_FAMILY(avx512, minpool)

/* Max and min alike: the gradient follows the index, whichever rule chose it. */
int64_t sp_avx512_maxpool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    (void)x;
    (void)y;
    return bwd_routed_nhwc(g, dy, idx, dx, row_begin, row_end, sp_scalar_maxpool_bwd_nhwc_f32);
}

int64_t sp_avx512_minpool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    return sp_avx512_maxpool_bwd_nhwc_f32(g, dy, idx, x, y, dx, row_begin, row_end);
}
