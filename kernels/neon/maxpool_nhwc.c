/*
 * NEON max and min pooling, NHWC: vectorised over channels (neon_nhwc.h). Min is max's mirror.
 */
#include "neon_nhwc.h"

void sp_neon_maxpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                  int64_t row_begin, int64_t row_end)
{
    switch (sp_neon_idx_mode(g, idx)) {
    case SP_IDX_NONE: sp_nhwc_forward(g, x, y, NULL, row_begin, row_end, SP_NEON_MAX, SP_IDX_NONE); break;
    case SP_IDX_NARROW: sp_nhwc_forward(g, x, y, idx, row_begin, row_end, SP_NEON_MAX, SP_IDX_NARROW); break;
    case SP_IDX_WIDE: sp_nhwc_forward(g, x, y, idx, row_begin, row_end, SP_NEON_MAX, SP_IDX_WIDE); break;
    }
}

void sp_neon_minpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                  int64_t row_begin, int64_t row_end)
{
    switch (sp_neon_idx_mode(g, idx)) {
    case SP_IDX_NONE: sp_nhwc_forward(g, x, y, NULL, row_begin, row_end, SP_NEON_MIN, SP_IDX_NONE); break;
    case SP_IDX_NARROW: sp_nhwc_forward(g, x, y, idx, row_begin, row_end, SP_NEON_MIN, SP_IDX_NARROW); break;
    case SP_IDX_WIDE: sp_nhwc_forward(g, x, y, idx, row_begin, row_end, SP_NEON_MIN, SP_IDX_WIDE); break;
    }
}
