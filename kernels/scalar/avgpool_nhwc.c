/*
 * Scalar average pooling, NHWC. Same arithmetic as NCHW, per channel: the sum accumulates in the output pixel in
 * scan order and is then divided by the plan's divisor, so both layouts give identical bits.
 */
#include "pool_common.h"

void sp_scalar_avgpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end)
{
    (void)idx;
    /* C is the pixel stride; the loops cover the call's channel slice, nc channels from c_begin. */
    const int64_t C = g->channels, nc = sp_slice_channels(g), out_w = g->out[2];
    x += g->c_begin;
    y += g->c_begin;
    for (int64_t r = row_begin; r < row_end; ++r) {
        const sp_row row = sp_row_at(g, r);
        float *const y_row = y + r * out_w * C;
        const float *div_r = g->divisor + r * out_w;
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            float *restrict yo = y_row + ow * C;
            for (int64_t c = 0; c < nc; ++c) yo[c] = 0.0f;
            SP_FOR_EACH_TAP(win, off) {
                const float *restrict xt = x + off * C;
                for (int64_t c = 0; c < nc; ++c) yo[c] += xt[c];
            }
            const float d = div_r[ow];
            for (int64_t c = 0; c < nc; ++c) yo[c] = yo[c] / d;
            sp_clamp_span(g, yo, nc);
        }
    }
}

int64_t sp_scalar_avgpool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    (void)idx;
    (void)x;
    (void)y;
    const int64_t C = g->channels, rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t c_begin = 0, c_end = C, first_pixel = row_begin * g->in[2], end_pixel = row_end * g->in[2];
    memset(dx + first_pixel * C, 0, (size_t)((end_pixel - first_pixel) * C) * sizeof(float));
    for (int64_t r = 0; r < rows; ++r) {
        if (!sp_window_touches_rows(g, r, row_begin, row_end)) continue;
        const sp_row row = sp_row_at(g, r);
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            const int64_t o = r * out_w + ow;
            const float d = g->divisor[o];
            for (int64_t c0 = c_begin; c0 < c_end; c0 += SP_CHANNEL_BLOCK) {
                const int64_t nb = c_end - c0 < SP_CHANNEL_BLOCK ? c_end - c0 : SP_CHANNEL_BLOCK;
                const float *restrict dyo = dy + o * C + c0;
                float share[SP_CHANNEL_BLOCK];
                for (int64_t k = 0; k < nb; ++k) share[k] = dyo[k] / d;
                SP_FOR_EACH_TAP(win, off) {
                    if (off < first_pixel || off >= end_pixel) continue;
                    float *restrict dxt = dx + off * C + c0;
                    for (int64_t k = 0; k < nb; ++k) dxt[k] += share[k];
                }
            }
        }
    }
    return -1;
}
