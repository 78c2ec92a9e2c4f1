/*
 * NEON max and min pooling, NCHW: vectorised along the output width, or across planes where rows are too
 * short (neon_nchw.h). Min is max's mirror.
 */
#include "neon_nchw.h"

void sp_neon_maxpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    switch (sp_neon_idx_mode(g, idx)) {
    case SP_IDX_NONE: sp_nchw_forward(g, x, y, NULL, planes, SP_NEON_MAX, SP_IDX_NONE); break;
    case SP_IDX_NARROW: sp_nchw_forward(g, x, y, idx, planes, SP_NEON_MAX, SP_IDX_NARROW); break;
    case SP_IDX_WIDE: sp_nchw_forward(g, x, y, idx, planes, SP_NEON_MAX, SP_IDX_WIDE); break;
    }
}

void sp_neon_minpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    switch (sp_neon_idx_mode(g, idx)) {
    case SP_IDX_NONE: sp_nchw_forward(g, x, y, NULL, planes, SP_NEON_MIN, SP_IDX_NONE); break;
    case SP_IDX_NARROW: sp_nchw_forward(g, x, y, idx, planes, SP_NEON_MIN, SP_IDX_NARROW); break;
    case SP_IDX_WIDE: sp_nchw_forward(g, x, y, idx, planes, SP_NEON_MIN, SP_IDX_WIDE); break;
    }
}
