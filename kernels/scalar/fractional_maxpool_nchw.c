/*
 * Scalar fractional max pooling, NCHW. Each plane has its own window starts (from its samples), computed per
 * output row and column from PyTorch's interval rule; the window is a dense kernel[0] x kernel[1] x kernel[2]
 * box that always lies inside the input. Max rule as in max pooling: the first tap seeds the best, a later tap
 * wins if strictly greater or NaN (ties keep the first, the last NaN wins).
 */
#include <math.h>

#include "ops_kernels.h"

static inline void fractional_plane(const sp_fractional_geometry *g, const float *u, const float *x, float *y,
                                    int64_t *idx)
{
    const int64_t H = g->in[1], W = g->in[2], kd = g->kernel[0], kh = g->kernel[1], kw = g->kernel[2];
    const float ud = sp_fractional_sample(g, u, 0), uh = sp_fractional_sample(g, u, 1);
    const float uw = sp_fractional_sample(g, u, 2);
    int64_t o = 0;
    for (int64_t od = 0; od < g->out[0]; ++od) {
        const int64_t d0 = sp_fractional_start(g, 0, ud, od);
        for (int64_t oh = 0; oh < g->out[1]; ++oh) {
            const int64_t h0 = sp_fractional_start(g, 1, uh, oh);
            for (int64_t ow = 0; ow < g->out[2]; ++ow, ++o) {
                const int64_t w0 = sp_fractional_start(g, 2, uw, ow);
                const int64_t first = (d0 * H + h0) * W + w0;
                float best = x[first];
                int64_t best_at = first;
                for (int64_t d = 0; d < kd; ++d)
                    for (int64_t h = 0; h < kh; ++h) {
                        const int64_t row = first + (d * H + h) * W;
                        for (int64_t w = 0; w < kw; ++w) {
                            const float v = x[row + w];
                            if (v > best || isnan(v)) {
                                best = v;
                                best_at = row + w;
                            }
                        }
                    }
                y[o] = best;
                if (idx) idx[o] = best_at;
            }
        }
    }
}

void sp_scalar_fractional_maxpool_fwd_nchw_f32(const sp_fractional_geometry *g, const float *samples, const float *x,
                                               float *y, int64_t *idx, size_t planes)
{
    const int64_t in_plane = g->in[0] * g->in[1] * g->in[2], out_plane = g->out[0] * g->out[1] * g->out[2];
    for (size_t p = 0; p < planes; ++p) {
        fractional_plane(g, samples + (int64_t)p * g->samples_per_plane, x + (int64_t)p * in_plane,
                         y + (int64_t)p * out_plane, idx ? idx + (int64_t)p * out_plane : NULL);
    }
}
