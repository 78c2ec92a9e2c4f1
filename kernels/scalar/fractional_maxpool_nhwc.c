/*
 * Scalar fractional max pooling, NHWC. Every channel is its own plane with its own samples, so windows differ
 * from channel to channel: the kernel works on blocks of channels, keeps each channel's (d, h) window start for
 * the current output row in a small table, and for each output pixel scans each channel's window (a gather at
 * stride C). The max rule is max pooling's (first tap seeds, strictly greater or NaN wins).
 */
#include <math.h>

#include "ops_kernels.h"

enum { FRACTIONAL_CHANNEL_BLOCK = 64 };

void sp_scalar_fractional_maxpool_fwd_nhwc_f32(const sp_fractional_geometry *g, const float *samples, const float *x,
                                               float *y, int64_t *idx, int64_t row_begin, int64_t row_end)
{
    const int64_t C = g->channels, H = g->in[1], W = g->in[2], out_w = g->out[2];
    const int64_t kd = g->kernel[0], kh = g->kernel[1], kw = g->kernel[2];
    const int64_t spp = g->samples_per_plane;
    int64_t row_start[FRACTIONAL_CHANNEL_BLOCK]; /* pixel offset of (d0, h0, 0) per channel of the block */
    float uw[FRACTIONAL_CHANNEL_BLOCK];
    for (int64_t r = row_begin; r < row_end; ++r) {
        const int64_t od = r / g->out[1], oh = r - od * g->out[1];
        for (int64_t c0 = 0; c0 < C; c0 += FRACTIONAL_CHANNEL_BLOCK) {
            const int64_t cn = C - c0 < FRACTIONAL_CHANNEL_BLOCK ? C - c0 : FRACTIONAL_CHANNEL_BLOCK;
            for (int64_t j = 0; j < cn; ++j) {
                const float *u = samples + (c0 + j) * spp;
                const int64_t d0 = sp_fractional_start(g, 0, sp_fractional_sample(g, u, 0), od);
                const int64_t h0 = sp_fractional_start(g, 1, sp_fractional_sample(g, u, 1), oh);
                row_start[j] = (d0 * H + h0) * W;
                uw[j] = sp_fractional_sample(g, u, 2);
            }
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const int64_t o = (r * out_w + ow) * C + c0;
                for (int64_t j = 0; j < cn; ++j) {
                    const int64_t c = c0 + j;
                    const int64_t first = row_start[j] + sp_fractional_start(g, 2, uw[j], ow);
                    float best = x[first * C + c];
                    int64_t best_at = first;
                    for (int64_t d = 0; d < kd; ++d)
                        for (int64_t h = 0; h < kh; ++h) {
                            const int64_t tap_row = first + (d * H + h) * W;
                            for (int64_t w = 0; w < kw; ++w) {
                                const float v = x[(tap_row + w) * C + c];
                                if (v > best || isnan(v)) {
                                    best = v;
                                    best_at = tap_row + w;
                                }
                            }
                        }
                    y[o + j] = best;
                    if (idx) idx[o + j] = best_at;
                }
            }
        }
    }
}
