/*
 * Scalar spatial pyramid pooling backward, NCHW. The forward runs each level's adaptive pooling kernel; the
 * backward must add every level's contribution into the same dx, so it has a kernel of its own: for each
 * channel plane it zeroes dx and then walks the levels in order, bins in row-major order, MAX routing dy
 * through the recorded index, AVG spreading dy / (window size) over the bin's window. The accumulation order
 * per dx element is fixed (level, bin), so results never depend on how channels are split over threads.
 */
#include "pool_common.h"
#include "ops_kernels.h"

int64_t sp_scalar_spp_bwd_nchw_f32(const sp_spp_geometry *g, const float *dy_row, const int64_t *idx_row, float *dx,
                                   int64_t c_begin, int64_t c_end)
{
    const int64_t in_plane = g->in_plane;
    int64_t first_bad = -1;
    for (int64_t c = c_begin; c < c_end; ++c) {
        float *restrict dxp = dx + c * in_plane;
        memset(dxp, 0, (size_t)in_plane * sizeof(float));
        for (int l = 0; l < g->num_levels; ++l) {
            const sp_pool_geometry *lg = g->level[l];
            const int64_t bins = sp_out_plane(lg), out_w = lg->out[2];
            const int64_t block = g->level_offset[l] + c * bins; /* this channel's bins in the row */
            const float *dy = dy_row + block;
            if (g->is_max) {
                const int64_t *ix = idx_row + block;
                for (int64_t b = 0; b < bins; ++b) {
                    if ((uint64_t)ix[b] >= (uint64_t)in_plane) {
                        if (first_bad < 0 || block + b < first_bad) first_bad = block + b;
                        continue;
                    }
                    dxp[ix[b]] += dy[b];
                }
                continue;
            }
            for (int64_t r = 0; r < lg->out[0] * lg->out[1]; ++r) {
                const sp_row row = sp_row_at(lg, r);
                for (int64_t ow = 0; ow < out_w; ++ow) {
                    const sp_window win = sp_window_at(&row, ow);
                    const float share = dy[r * out_w + ow] / lg->divisor[r * out_w + ow];
                    SP_FOR_EACH_TAP(win, off) dxp[off] += share;
                }
            }
        }
    }
    return first_bad;
}
