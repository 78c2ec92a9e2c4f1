/* NEON SoftPool forward, NCHW: the shared kernel of kernels/simd/lp_soft_nchw.h (paths and tolerances there). */
#include "neon/fvec_neon.h"
#include "simd/lp_soft_nchw.h"

void sp_neon_softpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                     size_t planes)
{
    (void)idx;
    if (!sp_nchw_lp_soft(FAMILY_SOFT, g, x, y, planes)) sp_scalar_softpool_fwd_nchw_f32(g, x, y, NULL, planes);
}
