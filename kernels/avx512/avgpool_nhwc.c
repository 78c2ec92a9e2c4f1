/* AVX-512 NHWC average pooling forward: the shared kernel of kernels/x86/avgpool_nhwc.h, 16 channels per
   vector. */
#include "x86/fvec_avx512.h"

/* Two vectors of channels per carried-column run: their 3x3 carried columns take 18 of the 32 zmm registers. */
#define SP_AVG_NHWC_FAST_U 2
#include "x86/avgpool_nhwc.h"

void sp_avx512_avgpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end)
{
    sp_x86_avgpool_fwd_nhwc(g, x, y, idx, row_begin, row_end);
}
