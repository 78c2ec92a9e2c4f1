/* AVX2 LP pooling forward, NCHW: the shared kernel of kernels/simd/lp_soft_nchw.h (paths and tolerances there). */
#include "x86/fvec_avx2.h"
#include "simd/lp_soft_nchw.h"

void sp_avx2_lppool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    (void)idx;
    bool done;
    switch (sp_simd_lp_family(g->p)) {
    case FAMILY_LP1: done = sp_nchw_lp_soft(FAMILY_LP1, g, x, y, planes); break;
    case FAMILY_LP2: done = sp_nchw_lp_soft(FAMILY_LP2, g, x, y, planes); break;
    default: done = sp_nchw_lp_soft(FAMILY_LPP, g, x, y, planes); break;
    }
    if (!done) sp_scalar_lppool_fwd_nchw_f32(g, x, y, NULL, planes);
}
