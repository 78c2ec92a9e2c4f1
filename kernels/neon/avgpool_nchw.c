/*
 * NEON average pooling, NCHW (neon_nchw.h). Each output sums its taps in scan order from 0 and divides by the
 * plan's divisor, so results equal the scalar reference's bit for bit.
 */
#include "neon_nchw.h"

void sp_neon_avgpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    (void)idx;
    sp_nchw_forward(g, x, y, NULL, planes, SP_NEON_AVG, SP_IDX_NONE);
}
