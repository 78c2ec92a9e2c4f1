/* NEON NCHW backward of max and min pooling: routed through the forward's indices
   (kernels/simd/pool_backward.h). */
#include "backward_vec.h"
#include "simd/pool_backward.h"

SP_DECLARE_FAMILY(neon, maxpool)
SP_DECLARE_FAMILY(neon, minpool)

/* Max and min alike: the gradient follows the index, whichever rule chose it. */
int64_t sp_neon_maxpool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                    const float *y, float *dx, size_t planes)
{
    (void)x;
    (void)y;
    return bwd_routed_nchw(g, dy, idx, dx, planes, sp_scalar_maxpool_bwd_nchw_f32);
}

int64_t sp_neon_minpool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                    const float *y, float *dx, size_t planes)
{
    return sp_neon_maxpool_bwd_nchw_f32(g, dy, idx, x, y, dx, planes);
}
