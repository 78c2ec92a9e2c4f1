/*
 * Scalar spatial pyramid pooling backward, NHWC (see spp_nchw.c for the order of accumulation). A level's block
 * of the output row is bin-major, (i, j, c), so the inner loops run over contiguous channels of one bin and
 * one input pixel.
 */
#include "pool_common.h"
#include "ops_kernels.h"

int64_t sp_scalar_spp_bwd_nhwc_f32(const sp_spp_geometry *g, const float *dy_row, const int64_t *idx_row, float *dx,
                                   int64_t c_begin, int64_t c_end)
{
    const int64_t C = g->channels, in_plane = g->in_plane;
    int64_t first_bad = -1;
    sp_zero_channels_nhwc(dx, in_plane, C, c_begin, c_end);
    for (int l = 0; l < g->num_levels; ++l) {
        const sp_pool_geometry *lg = g->level[l];
        const int64_t out_w = lg->out[2];
        const float *dy = dy_row + g->level_offset[l];
        if (g->is_max) {
            const int64_t *ix = idx_row + g->level_offset[l];
            for (int64_t b = 0, bins = sp_out_plane(lg); b < bins; ++b)
                for (int64_t c = c_begin; c < c_end; ++c) {
                    const int64_t at = ix[b * C + c];
                    if ((uint64_t)at >= (uint64_t)in_plane) {
                        const int64_t where = g->level_offset[l] + b * C + c;
                        if (first_bad < 0 || where < first_bad) first_bad = where;
                        continue;
                    }
                    dx[at * C + c] += dy[b * C + c];
                }
            continue;
        }
        for (int64_t r = 0; r < lg->out[0] * lg->out[1]; ++r) {
            const sp_row row = sp_row_at(lg, r);
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const sp_window win = sp_window_at(&row, ow);
                const int64_t b = r * out_w + ow;
                const float divisor = lg->divisor[b];
                const float *restrict dyb = dy + b * C;
                SP_FOR_EACH_TAP(win, off) {
                    float *restrict dxp = dx + off * C;
                    for (int64_t c = c_begin; c < c_end; ++c) dxp[c] += dyb[c] / divisor;
                }
            }
        }
    }
    return first_bad;
}
