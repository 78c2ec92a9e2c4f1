/*
 * Scalar LP pooling (ONNX LpPool), NHWC. Same arithmetic as NCHW, per channel: the sum of terms accumulates in
 * the output pixel in scan order, so both layouts give identical bits.
 */
#include "pool_common.h"

static SP_ALWAYS_INLINE void lp_fwd_nhwc(const sp_pool_geometry *g, const float *x, float *y, int64_t row_begin,
                                         int64_t row_end, enum sp_lp_mode mode)
{
    /* C is the pixel stride; the loops cover the call's channel slice, nc channels from c_begin. */
    const int64_t C = g->channels, nc = sp_slice_channels(g), out_w = g->out[2];
    const float p = g->p, inv_p = g->inv_p;
    x += g->c_begin;
    y += g->c_begin;
    for (int64_t r = row_begin; r < row_end; ++r) {
        const sp_row row = sp_row_at(g, r);
        float *const y_row = y + r * out_w * C;
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            float *restrict yo = y_row + ow * C;
            for (int64_t c = 0; c < nc; ++c) yo[c] = 0.0f;
            SP_FOR_EACH_TAP(win, off) {
                const float *restrict xt = x + off * C;
                for (int64_t c = 0; c < nc; ++c) yo[c] += sp_lp_term(xt[c], p, mode);
            }
            for (int64_t c = 0; c < nc; ++c) yo[c] = sp_lp_finish(yo[c], inv_p, mode);
            sp_clamp_span(g, yo, nc);
        }
    }
}

/* dx_i += dy * sign(x_i) * |x_i|^(p-1) / y^(p-1); nothing where y == 0. */
static SP_ALWAYS_INLINE void lp_bwd_nhwc(const sp_pool_geometry *g, const float *dy, const float *x, const float *y,
                                         float *dx, int64_t row_begin, int64_t row_end, enum sp_lp_mode mode)
{
    const int64_t C = g->channels, rows = g->out[0] * g->out[1], out_w = g->out[2];
    const float p = g->p;
    /* The call's rows (kernels.h): their pixels are zeroed, and only taps among them receive. */
    const int64_t c_begin = 0, c_end = C, first_pixel = row_begin * g->in[2], end_pixel = row_end * g->in[2];
    memset(dx + first_pixel * C, 0, (size_t)((end_pixel - first_pixel) * C) * sizeof(float));
    for (int64_t r = 0; r < rows; ++r) {
        if (!sp_window_touches_rows(g, r, row_begin, row_end)) continue;
        const sp_row row = sp_row_at(g, r);
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            const int64_t o = r * out_w + ow;
            for (int64_t c0 = c_begin; c0 < c_end; c0 += SP_CHANNEL_BLOCK) {
                const int64_t nb = c_end - c0 < SP_CHANNEL_BLOCK ? c_end - c0 : SP_CHANNEL_BLOCK;
                const float *restrict dyo = dy + o * C + c0;
                const float *restrict yo = y + o * C + c0;
                float factor[SP_CHANNEL_BLOCK];
                for (int64_t k = 0; k < nb; ++k) factor[k] = sp_lp_grad_factor(dyo[k], yo[k], p, mode);
                SP_FOR_EACH_TAP(win, off) {
                    if (off < first_pixel || off >= end_pixel) continue;
                    const float *restrict xt = x + off * C + c0;
                    float *restrict dxt = dx + off * C + c0;
                    /* Adding 0 where y == 0 equals adding nothing: dx starts at +0 and never becomes -0. */
                    for (int64_t k = 0; k < nb; ++k)
                        dxt[k] += yo[k] == 0.0f ? 0.0f : factor[k] * sp_lp_grad_term(xt[k], p, mode);
                }
            }
        }
    }
}

void sp_scalar_lppool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                   int64_t row_begin, int64_t row_end)
{
    (void)idx;
    switch (sp_lp_mode_of(g->p)) {
    case SP_LP_1: lp_fwd_nhwc(g, x, y, row_begin, row_end, SP_LP_1); break;
    case SP_LP_2: lp_fwd_nhwc(g, x, y, row_begin, row_end, SP_LP_2); break;
    default: lp_fwd_nhwc(g, x, y, row_begin, row_end, SP_LP_GENERAL); break;
    }
}

int64_t sp_scalar_lppool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                      const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    (void)idx;
    switch (sp_lp_mode_of(g->p)) {
    case SP_LP_1: lp_bwd_nhwc(g, dy, x, y, dx, row_begin, row_end, SP_LP_1); break;
    case SP_LP_2: lp_bwd_nhwc(g, dy, x, y, dx, row_begin, row_end, SP_LP_2); break;
    default: lp_bwd_nhwc(g, dy, x, y, dx, row_begin, row_end, SP_LP_GENERAL); break;
    }
    return -1;
}
