/* AVX-512 LP pooling forward, NHWC: the shared kernel of kernels/simd/lp_soft_nhwc.h (tolerances in
   kernels/simd/lp_soft_nchw.h). */
#include "x86/fvec_avx512.h"
#include "simd/lp_soft_nhwc.h"

void sp_avx512_lppool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                   int64_t row_begin, int64_t row_end)
{
    (void)idx;
    switch (sp_simd_lp_family(g->p)) {
    case FAMILY_LP1: sp_nhwc_lp_soft(FAMILY_LP1, g, x, y, row_begin, row_end); break;
    case FAMILY_LP2: sp_nhwc_lp_soft(FAMILY_LP2, g, x, y, row_begin, row_end); break;
    default: sp_nhwc_lp_soft(FAMILY_LPP, g, x, y, row_begin, row_end); break;
    }
}
