/*
 * Scalar average pooling, NCHW. The sum runs over the in-input taps in scan order in a float accumulator and is
 * then DIVIDED by the plan's divisor (not multiplied by its reciprocal): that is what matches PyTorch bit for bit.
 */
#include "pool_common.h"

void sp_scalar_avgpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    (void)idx;
    const int64_t in_plane = sp_in_plane(g), rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t out_plane = rows * out_w;
    const float *const divisor = g->divisor;
    for (size_t p = 0; p < planes; ++p) {
        for (int64_t r = 0; r < rows; ++r) {
            const sp_row row = sp_row_at(g, r);
            float *const y_row = y + r * out_w;
            const float *div_row = divisor + r * out_w;
            for (int64_t ow = 0; ow < out_w; ++ow) y_row[ow] = 0.0f; /* an empty window stays 0: 0 / divisor */
            sp_nchw_reduce_row(g, &row, x, y_row, NULL, SP_REDUCE_SUM, 0, 0.0f);
            for (int64_t ow = 0; ow < out_w; ++ow) y_row[ow] = y_row[ow] / div_row[ow];
            sp_clamp_span(g, y_row, out_w);
        }
        x += in_plane;
        y += out_plane;
    }
}

int64_t sp_scalar_avgpool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, size_t planes)
{
    (void)idx;
    (void)x;
    (void)y;
    const int64_t in_plane = sp_in_plane(g), rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t out_plane = rows * out_w;
    const float *const divisor = g->divisor;
    for (size_t p = 0; p < planes; ++p) {
        float *restrict dxp = dx;
        memset(dxp, 0, (size_t)in_plane * sizeof(float));
        for (int64_t r = 0; r < rows; ++r) {
            const sp_row row = sp_row_at(g, r);
            const float *dy_r = dy + r * out_w;
            const float *div_r = divisor + r * out_w;
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const sp_window win = sp_window_at(&row, ow);
                const float share = dy_r[ow] / div_r[ow];
                SP_FOR_EACH_TAP(win, off) dxp[off] += share;
            }
        }
        dy += out_plane;
        dx += in_plane;
    }
    return -1;
}
