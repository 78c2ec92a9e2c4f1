/*
 * Scalar fractional max pooling, NHWC. Every channel is its own plane with its own samples, so windows differ
 * from channel to channel: the kernel works on blocks of channels and chunks of output columns, computes each
 * channel's column starts for the chunk once (they are the same for every output row) and its (d, h) start once
 * per output row, then for each output pixel scans each channel's window (a gather at stride C). The max rule
 * is max pooling's (first tap seeds, strictly greater or NaN wins), evaluated as a select (see the NCHW kernel).
 */
#include "fractional_common.h"

enum { FRACTIONAL_CHANNEL_BLOCK = 64, FRACTIONAL_COLUMN_CHUNK = 32 };

/* Output columns [0, count) of the chunk in one output row, channels [0, cn) of the block (x, y, idx at the
   block's first channel; y, idx at the chunk's first output pixel). */
static SP_ALWAYS_INLINE void fractional_row_block(const sp_fractional_geometry *g, const float *x,
                                                      const int64_t *row_start,
                                                      int64_t col_start[][FRACTIONAL_CHANNEL_BLOCK], int64_t count,
                                                      int64_t cn, int64_t kd, int64_t kh, int64_t kw, float *y,
                                                      int64_t *idx)
{
    const int64_t C = g->channels, H = g->in[1], W = g->in[2];
    for (int64_t j = 0; j < count; ++j)
        for (int64_t c = 0; c < cn; ++c) {
            int64_t best_at;
            y[j * C + c] = sp_fractional_window_max(x + c, row_start[c] + col_start[j][c], C, H, W, kd, kh, kw,
                                                    &best_at);
            if (idx) idx[j * C + c] = best_at;
        }
}

void sp_scalar_fractional_maxpool_fwd_nhwc_f32(const sp_fractional_geometry *g, const float *samples, const float *x,
                                               float *y, int64_t *idx, int64_t row_begin, int64_t row_end)
{
    const int64_t C = g->channels, H = g->in[1], W = g->in[2], out_w = g->out[2];
    const int64_t kd = g->kernel[0], kh = g->kernel[1], kw = g->kernel[2];
    const int64_t spp = g->samples_per_plane;
    int64_t row_start[FRACTIONAL_CHANNEL_BLOCK]; /* pixel offset of (d0, h0, 0) per channel of the block */
    int64_t col_start[FRACTIONAL_COLUMN_CHUNK][FRACTIONAL_CHANNEL_BLOCK];
    for (int64_t c0 = 0; c0 < C; c0 += FRACTIONAL_CHANNEL_BLOCK) {
        const int64_t cn = C - c0 < FRACTIONAL_CHANNEL_BLOCK ? C - c0 : FRACTIONAL_CHANNEL_BLOCK;
        for (int64_t ow0 = 0; ow0 < out_w; ow0 += FRACTIONAL_COLUMN_CHUNK) {
            const int64_t count = out_w - ow0 < FRACTIONAL_COLUMN_CHUNK ? out_w - ow0 : FRACTIONAL_COLUMN_CHUNK;
            for (int64_t c = 0; c < cn; ++c) {
                const float uw = sp_fractional_sample(g, samples + (c0 + c) * spp, 2);
                for (int64_t j = 0; j < count; ++j) col_start[j][c] = sp_fractional_start(g, 2, uw, ow0 + j);
            }
            for (int64_t r = row_begin; r < row_end; ++r) {
                const int64_t od = r / g->out[1], oh = r - od * g->out[1];
                for (int64_t c = 0; c < cn; ++c) {
                    const float *u = samples + (c0 + c) * spp;
                    const int64_t d0 = sp_fractional_start(g, 0, sp_fractional_sample(g, u, 0), od);
                    const int64_t h0 = sp_fractional_start(g, 1, sp_fractional_sample(g, u, 1), oh);
                    row_start[c] = (d0 * H + h0) * W;
                }
                const int64_t o = (r * out_w + ow0) * C + c0;
                int64_t *io = idx ? idx + o : NULL;
                /* The common 2-D kernels get loops the compiler unrolls completely. */
                if (kd == 1 && kh == 2 && kw == 2)
                    fractional_row_block(g, x + c0, row_start, col_start, count, cn, 1, 2, 2, y + o, io);
                else if (kd == 1 && kh == 3 && kw == 3)
                    fractional_row_block(g, x + c0, row_start, col_start, count, cn, 1, 3, 3, y + o, io);
                else
                    fractional_row_block(g, x + c0, row_start, col_start, count, cn, kd, kh, kw, y + o, io);
            }
        }
    }
}
