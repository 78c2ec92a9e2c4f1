/* AVX2 SoftPool forward, NHWC: the shared kernel of kernels/simd/lp_soft_nhwc.h (tolerances in
   kernels/simd/lp_soft_nchw.h). */
#include "x86/fvec_avx2.h"
#include "simd/lp_soft_nhwc.h"

void sp_avx2_softpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                     int64_t row_begin, int64_t row_end)
{
    (void)idx;
    sp_nhwc_lp_soft(FAMILY_SOFT, g, x, y, row_begin, row_end);
}
