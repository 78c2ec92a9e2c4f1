/*
 * Scalar LP pooling (ONNX LpPool), NCHW: y = (sum |x|^p)^(1/p) over the in-input taps. The order's mode
 * (p = 1, p = 2, general) is chosen once per call; each mode gets its own specialised loops.
 */
#include "pool_common.h"

static SP_ALWAYS_INLINE void lp_fwd_nchw(const sp_pool_geometry *g, const float *x, float *y, size_t planes,
                                         enum sp_lp_mode mode)
{
    const int64_t in_plane = sp_in_plane(g), rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t out_plane = rows * out_w;
    const float p_ = g->p, inv_p = g->inv_p;
    const enum sp_reduce op = mode == SP_LP_1 ? SP_REDUCE_LP1 : mode == SP_LP_2 ? SP_REDUCE_LP2 : SP_REDUCE_LP;
    for (size_t p = 0; p < planes; ++p) {
        for (int64_t r = 0; r < rows; ++r) {
            const sp_row row = sp_row_at(g, r);
            float *const y_row = y + r * out_w;
            for (int64_t ow = 0; ow < out_w; ++ow) y_row[ow] = 0.0f;
            sp_nchw_reduce_row(g, &row, x, y_row, NULL, op, 0, p_);
            for (int64_t ow = 0; ow < out_w; ++ow) y_row[ow] = sp_lp_finish(y_row[ow], inv_p, mode);
            sp_clamp_span(g, y_row, out_w);
        }
        x += in_plane;
        y += out_plane;
    }
}

/* dx_i += dy * sign(x_i) * |x_i|^(p-1) / y^(p-1); nothing where y == 0. */
static SP_ALWAYS_INLINE void lp_bwd_nchw(const sp_pool_geometry *g, const float *dy, const float *x, const float *y,
                                         float *dx, size_t planes, enum sp_lp_mode mode)
{
    const int64_t in_plane = sp_in_plane(g), rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t out_plane = rows * out_w;
    const float p_ = g->p;
    for (size_t p = 0; p < planes; ++p) {
        const float *restrict xp = x;
        float *restrict dxp = dx;
        memset(dxp, 0, (size_t)in_plane * sizeof(float));
        for (int64_t r = 0; r < rows; ++r) {
            const sp_row row = sp_row_at(g, r);
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const int64_t o = r * out_w + ow;
                if (y[o] == 0.0f) continue;
                const sp_window win = sp_window_at(&row, ow);
                const float factor = sp_lp_grad_factor(dy[o], y[o], p_, mode);
                SP_FOR_EACH_TAP(win, off) dxp[off] += factor * sp_lp_grad_term(xp[off], p_, mode);
            }
        }
        x += in_plane;
        dx += in_plane;
        y += out_plane;
        dy += out_plane;
    }
}

void sp_scalar_lppool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    (void)idx;
    switch (sp_lp_mode_of(g->p)) {
    case SP_LP_1: lp_fwd_nchw(g, x, y, planes, SP_LP_1); break;
    case SP_LP_2: lp_fwd_nchw(g, x, y, planes, SP_LP_2); break;
    default: lp_fwd_nchw(g, x, y, planes, SP_LP_GENERAL); break;
    }
}

int64_t sp_scalar_lppool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                      const float *y, float *dx, size_t planes)
{
    (void)idx;
    switch (sp_lp_mode_of(g->p)) {
    case SP_LP_1: lp_bwd_nchw(g, dy, x, y, dx, planes, SP_LP_1); break;
    case SP_LP_2: lp_bwd_nchw(g, dy, x, y, dx, planes, SP_LP_2); break;
    default: lp_bwd_nchw(g, dy, x, y, dx, planes, SP_LP_GENERAL); break;
    }
    return -1;
}
