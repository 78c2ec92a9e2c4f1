/*
 * Scalar SoftPool, NCHW: y = sum(w_i * x_i) / sum(w_i) with w_i = e^(x_i - m), m the window's max (stable; a
 * NaN tap makes m, and so y, NaN). An empty window yields 0.
 */
#include "pool_common.h"

/* Backward keeps the first taps' weights here, so e^x is evaluated once per tap for windows up to this size. */
enum { SOFT_WEIGHT_BUFFER = 256 };

/* The window's max under the max rule (NaN propagates). The window must not be empty. */
static inline float soft_window_max(const sp_window *win, const float *restrict x)
{
    float m = x[win->first];
    SP_FOR_EACH_TAP(*win, off) {
        const float v = x[off];
        m = sp_pick(v, m, 0);
    }
    return m;
}

void sp_scalar_softpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    (void)idx;
    const int64_t in_plane = sp_in_plane(g), rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t out_plane = rows * out_w;
    for (size_t p = 0; p < planes; ++p) {
        const float *restrict xp = x;
        for (int64_t r = 0; r < rows; ++r) {
            const sp_row row = sp_row_at(g, r);
            float *restrict yr = y + r * out_w;
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const sp_window win = sp_window_at(&row, ow);
                if (sp_window_taps(&win) == 0) {
                    yr[ow] = 0.0f;
                    continue;
                }
                const float m = soft_window_max(&win, xp);
                float s = 0.0f, t = 0.0f;
                SP_FOR_EACH_TAP(win, off) {
                    const float v = xp[off], w = expf(v - m);
                    s += w;
                    t += sp_soft_product(w, v);
                }
                yr[ow] = t / s;
            }
            sp_clamp_span(g, yr, out_w);
        }
        x += in_plane;
        y += out_plane;
    }
}

/* dx_i += dy * (w_i / S) * (1 + x_i - y), with m, w_i and S recomputed from x as in the forward. */
int64_t sp_scalar_softpool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                        const float *y, float *dx, size_t planes)
{
    (void)idx;
    const int64_t in_plane = sp_in_plane(g), rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t out_plane = rows * out_w;
    float weight[SOFT_WEIGHT_BUFFER];
    for (size_t p = 0; p < planes; ++p) {
        const float *restrict xp = x;
        float *restrict dxp = dx;
        memset(dxp, 0, (size_t)in_plane * sizeof(float));
        for (int64_t r = 0; r < rows; ++r) {
            const sp_row row = sp_row_at(g, r);
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const sp_window win = sp_window_at(&row, ow);
                if (sp_window_taps(&win) == 0) continue;
                const int64_t o = r * out_w + ow;
                const float m = soft_window_max(&win, xp);
                float s = 0.0f;
                int64_t k = 0;
                SP_FOR_EACH_TAP(win, off) {
                    const float w = expf(xp[off] - m);
                    if (k < SOFT_WEIGHT_BUFFER) weight[k] = w;
                    ++k;
                    s += w;
                }
                const float dy_over_s = dy[o] / s, yo = y[o];
                k = 0;
                SP_FOR_EACH_TAP(win, off) {
                    const float v = xp[off];
                    const float w = k < SOFT_WEIGHT_BUFFER ? weight[k] : expf(v - m);
                    ++k;
                    dxp[off] += sp_soft_grad(dy_over_s, w, v, yo);
                }
            }
        }
        x += in_plane;
        dx += in_plane;
        y += out_plane;
        dy += out_plane;
    }
    return -1;
}
