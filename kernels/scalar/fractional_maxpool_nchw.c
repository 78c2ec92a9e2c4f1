/*
 * Scalar fractional max pooling, NCHW. Each plane has its own window starts (from its samples): the column
 * starts are the same for every output row of a plane, so they are computed once per plane (in chunks of
 * columns) and the row start once per output row; the interval rule (a float multiply and two conversions) then
 * costs nothing per output. The window is a dense kernel[0] x kernel[1] x kernel[2] box that always lies inside
 * the input. Max rule as in max pooling: the first tap seeds the best, a later tap wins if strictly greater or NaN
 * (ties keep the first, the last NaN wins), evaluated as a select rather than a branch: the winner among random
 * data is unpredictable, and a mispredicted branch per tap cost more than the whole gather.
 */
#include "fractional_common.h"

enum { FRACTIONAL_COLUMN_CHUNK = 256 };

/* Output columns [ow0, ow0 + count) of one output row whose windows start at input pixel row_first. */
static SP_ALWAYS_INLINE void fractional_row(const float *x, const int64_t *col_start, int64_t count,
                                               int64_t row_first, int64_t H, int64_t W, int64_t kd, int64_t kh,
                                               int64_t kw, float *y, int64_t *idx)
{
    for (int64_t j = 0; j < count; ++j) {
        int64_t best_at;
        y[j] = sp_fractional_window_max(x, row_first + col_start[j], 1, H, W, kd, kh, kw, &best_at);
        if (idx) idx[j] = best_at;
    }
}

static void fractional_plane(const sp_fractional_geometry *g, const float *u, const float *x, float *y,
                             int64_t *idx)
{
    const int64_t H = g->in[1], W = g->in[2], kd = g->kernel[0], kh = g->kernel[1], kw = g->kernel[2];
    const int64_t out_h = g->out[1], out_w = g->out[2];
    const float ud = sp_fractional_sample(g, u, 0), uh = sp_fractional_sample(g, u, 1);
    const float uw = sp_fractional_sample(g, u, 2);
    int64_t col_start[FRACTIONAL_COLUMN_CHUNK];
    for (int64_t ow0 = 0; ow0 < out_w; ow0 += FRACTIONAL_COLUMN_CHUNK) {
        const int64_t count = out_w - ow0 < FRACTIONAL_COLUMN_CHUNK ? out_w - ow0 : FRACTIONAL_COLUMN_CHUNK;
        for (int64_t j = 0; j < count; ++j) col_start[j] = sp_fractional_start(g, 2, uw, ow0 + j);
        for (int64_t od = 0; od < g->out[0]; ++od) {
            const int64_t d0 = sp_fractional_start(g, 0, ud, od);
            for (int64_t oh = 0; oh < out_h; ++oh) {
                const int64_t row_first = (d0 * H + sp_fractional_start(g, 1, uh, oh)) * W;
                const int64_t o = (od * out_h + oh) * out_w + ow0;
                int64_t *io = idx ? idx + o : NULL;
                /* The common 2-D kernels get loops the compiler unrolls completely. */
                if (kd == 1 && kh == 2 && kw == 2)
                    fractional_row(x, col_start, count, row_first, H, W, 1, 2, 2, y + o, io);
                else if (kd == 1 && kh == 3 && kw == 3)
                    fractional_row(x, col_start, count, row_first, H, W, 1, 3, 3, y + o, io);
                else
                    fractional_row(x, col_start, count, row_first, H, W, kd, kh, kw, y + o, io);
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
