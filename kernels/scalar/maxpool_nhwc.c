/*
 * Scalar max and min pooling, NHWC. Min is max's mirror: one body, specialised by the is_min flag.
 * The innermost loops run over the channels of one pixel, contiguous, so the compiler can vectorise them; the
 * running best lives in the output pixel itself (and the running position in the index pixel).
 */
#include "pool_common.h"

static SP_ALWAYS_INLINE void extremum_fwd_nhwc(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                               int64_t row_begin, int64_t row_end, int is_min, int with_idx)
{
    /* C is the pixel stride; the loops cover the call's channel slice, nc channels from c_begin. */
    const int64_t C = g->channels, nc = sp_slice_channels(g), out_w = g->out[2];
    x += g->c_begin;
    y += g->c_begin;
    if (with_idx) idx += g->c_begin;
    for (int64_t r = row_begin; r < row_end; ++r) {
        const sp_row row = sp_row_at(g, r);
        float *const y_row = y + r * out_w * C;
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            float *restrict yo = y_row + ow * C;
            int64_t *restrict io = with_idx ? idx + (r * out_w + ow) * C : NULL;
            /* The first tap (never absent for MAX/MIN) seeds the best, so -inf and -FLT_MAX inputs behave. */
            const float *restrict x0 = x + win.first * C;
            for (int64_t c = 0; c < nc; ++c) yo[c] = x0[c];
            if (with_idx)
                for (int64_t c = 0; c < nc; ++c) io[c] = win.first;
            SP_FOR_EACH_TAP(win, off) {
                if (off == win.first) continue;
                const float *restrict xt = x + off * C;
                if (with_idx) {
                    for (int64_t c = 0; c < nc; ++c) {
                        const float v = xt[c], b = yo[c];
                        io[c] = sp_pick_at(v, b, is_min, off, io[c]);
                        yo[c] = sp_pick(v, b, is_min);
                    }
                } else {
                    for (int64_t c = 0; c < nc; ++c) yo[c] = sp_pick(xt[c], yo[c], is_min);
                }
            }
            sp_clamp_span(g, yo, nc);
        }
    }
}

/* Max and min alike: each output's gradient goes to its recorded pixel, channel by channel, in output order,
   where that pixel lies in the call's rows. Indices outside the plane are skipped; the lowest one's position is
   returned (kernels.h). */
static int64_t extremum_bwd_nhwc(const sp_pool_geometry *g, const float *restrict dy, const int64_t *restrict idx,
                                 float *restrict dx, int64_t row_begin, int64_t row_end)
{
    const int64_t C = g->channels, out_pixels = sp_out_plane(g);
    const uint64_t in_pixels = (uint64_t)sp_in_plane(g);
    const int64_t first_pixel = row_begin * g->in[2];
    const uint64_t pixels = (uint64_t)((row_end - row_begin) * g->in[2]);
    int64_t first_outside = -1;
    memset(dx + first_pixel * C, 0, (size_t)pixels * (size_t)C * sizeof(float));
    for (int64_t o = 0; o < out_pixels; ++o) {
        const float *dyo = dy + o * C;
        const int64_t *io = idx + o * C;
        for (int64_t c = 0; c < C; ++c) {
            const uint64_t at = (uint64_t)io[c];
            if (at >= in_pixels) {
                if (first_outside < 0) first_outside = o * C + c;
            } else if (at - (uint64_t)first_pixel < pixels) {
                dx[(int64_t)at * C + c] += dyo[c];
            }
        }
    }
    return first_outside;
}

void sp_scalar_maxpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end)
{
    if (idx)
        extremum_fwd_nhwc(g, x, y, idx, row_begin, row_end, 0, 1);
    else
        extremum_fwd_nhwc(g, x, y, NULL, row_begin, row_end, 0, 0);
}

void sp_scalar_minpool_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                    int64_t row_begin, int64_t row_end)
{
    if (idx)
        extremum_fwd_nhwc(g, x, y, idx, row_begin, row_end, 1, 1);
    else
        extremum_fwd_nhwc(g, x, y, NULL, row_begin, row_end, 1, 0);
}

int64_t sp_scalar_maxpool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    (void)x;
    (void)y;
    return extremum_bwd_nhwc(g, dy, idx, dx, row_begin, row_end);
}

int64_t sp_scalar_minpool_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, int64_t row_begin, int64_t row_end)
{
    (void)x;
    (void)y;
    return extremum_bwd_nhwc(g, dy, idx, dx, row_begin, row_end);
}
