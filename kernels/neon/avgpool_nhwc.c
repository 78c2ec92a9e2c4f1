/*
 * NEON average pooling, NHWC: vectorised over channels (neon_nhwc.h). Each channel sums its taps in scan order
 * from 0 and divides by the plan's divisor, so results equal the scalar reference's bit for bit.
 */
#include "neon_nhwc.h"

void sp_neon_avgpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                  int64_t row_begin, int64_t row_end)
{
    (void)idx;
    sp_nhwc_forward(g, x, y, NULL, row_begin, row_end, SP_NEON_AVG, SP_IDX_NONE);
}
