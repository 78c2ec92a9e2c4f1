/*
 * Scalar SoftPool, NHWC. Same arithmetic as NCHW, per channel, so both layouts give identical bits. The per-
 * channel max and weight sum need temporaries, so channels go in blocks of SP_CHANNEL_BLOCK (stack arrays);
 * the numerator accumulates in the output pixel.
 */
#include "pool_common.h"

/* Backward keeps the first taps' weights of a channel block here, so e^x is evaluated once per tap and
 * channel for windows up to this many taps. */
enum { SOFT_WEIGHT_TAPS = 16 };

/* Per-channel max of a channel block over a non-empty window, under the max rule (NaN propagates). */
static inline void soft_block_max(const sp_window *win, const float *restrict x, int64_t C, int64_t nb,
                                  float *restrict m)
{
    const float *restrict x0 = x + win->first * C;
    for (int64_t k = 0; k < nb; ++k) m[k] = x0[k];
    SP_FOR_EACH_TAP(*win, off) {
        if (off == win->first) continue;
        const float *restrict xt = x + off * C;
        for (int64_t k = 0; k < nb; ++k) m[k] = sp_pick(xt[k], m[k], 0);
    }
}

void sp_scalar_softpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
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
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            float *const yo = y_row + ow * C;
            if (sp_window_taps(&win) == 0) {
                for (int64_t c = 0; c < nc; ++c) yo[c] = 0.0f;
                continue;
            }
            for (int64_t c0 = 0; c0 < nc; c0 += SP_CHANNEL_BLOCK) {
                const int64_t nb = nc - c0 < SP_CHANNEL_BLOCK ? nc - c0 : SP_CHANNEL_BLOCK;
                float m[SP_CHANNEL_BLOCK], s[SP_CHANNEL_BLOCK];
                float *restrict t = yo + c0;
                soft_block_max(&win, x + c0, C, nb, m);
                for (int64_t k = 0; k < nb; ++k) s[k] = t[k] = 0.0f;
                SP_FOR_EACH_TAP(win, off) {
                    const float *restrict xt = x + off * C + c0;
                    for (int64_t k = 0; k < nb; ++k) {
                        const float v = xt[k], w = expf(v - m[k]);
                        s[k] += w;
                        t[k] += sp_soft_product(w, v);
                    }
                }
                for (int64_t k = 0; k < nb; ++k) t[k] = t[k] / s[k];
            }
            sp_clamp_span(g, yo, nc);
        }
    }
}

/* dx_i += dy * (w_i / S) * (1 + x_i - y), with m, w_i and S recomputed from x as in the forward. */
int64_t sp_scalar_softpool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                        const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    (void)idx;
    const int64_t C = g->channels, rows = g->out[0] * g->out[1], out_w = g->out[2];
    float weight[SOFT_WEIGHT_TAPS][SP_CHANNEL_BLOCK];
    /* The call's rows (kernels.h): their pixels are zeroed, and only taps among them receive. */
    const int64_t c_begin = 0, c_end = C, first_pixel = row_begin * g->in[2], end_pixel = row_end * g->in[2];
    memset(dx + first_pixel * C, 0, (size_t)((end_pixel - first_pixel) * C) * sizeof(float));
    for (int64_t r = 0; r < rows; ++r) {
        if (!sp_window_touches_rows(g, r, row_begin, row_end)) continue;
        const sp_row row = sp_row_at(g, r);
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            if (sp_window_taps(&win) == 0) continue;
            const int64_t o = r * out_w + ow;
            for (int64_t c0 = c_begin; c0 < c_end; c0 += SP_CHANNEL_BLOCK) {
                const int64_t nb = c_end - c0 < SP_CHANNEL_BLOCK ? c_end - c0 : SP_CHANNEL_BLOCK;
                const float *restrict dyo = dy + o * C + c0;
                const float *restrict yo = y + o * C + c0;
                float m[SP_CHANNEL_BLOCK], s[SP_CHANNEL_BLOCK];
                soft_block_max(&win, x + c0, C, nb, m);
                for (int64_t k = 0; k < nb; ++k) s[k] = 0.0f;
                int64_t j = 0;
                SP_FOR_EACH_TAP(win, off) {
                    const float *restrict xt = x + off * C + c0;
                    if (j < SOFT_WEIGHT_TAPS) {
                        float *restrict wj = weight[j];
                        for (int64_t k = 0; k < nb; ++k) {
                            wj[k] = expf(xt[k] - m[k]);
                            s[k] += wj[k];
                        }
                    } else {
                        for (int64_t k = 0; k < nb; ++k) s[k] += expf(xt[k] - m[k]);
                    }
                    ++j;
                }
                for (int64_t k = 0; k < nb; ++k) s[k] = dyo[k] / s[k]; /* now dy / S */
                j = 0;
                SP_FOR_EACH_TAP(win, off) {
                    const float *restrict xt = x + off * C + c0;
                    float *restrict dxt = dx + off * C + c0;
                    if (off < first_pixel || off >= end_pixel) {
                        /* Another call's pixel; the weights stay in step. */
                    } else if (j < SOFT_WEIGHT_TAPS) {
                        const float *restrict wj = weight[j];
                        for (int64_t k = 0; k < nb; ++k) dxt[k] += sp_soft_grad(s[k], wj[k], xt[k], yo[k]);
                    } else {
                        for (int64_t k = 0; k < nb; ++k)
                            dxt[k] += sp_soft_grad(s[k], expf(xt[k] - m[k]), xt[k], yo[k]);
                    }
                    ++j;
                }
            }
        }
    }
    return -1;
}
