/*
 * Scalar RoI max pooling, NHWC (see roi_pool_nchw.c for the rules). The output pixel of a bin holds the running
 * maxima of a block of contiguous channels, so the inner loops are unit-stride over channels.
 */
#include "roi_common.h"

enum { ROI_POOL_BLOCK = 64 };

void sp_scalar_roi_pool_fwd_nhwc_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                     int64_t *argmax, int64_t c_begin, int64_t c_end)
{
    const sp_pool_box b = sp_pool_box_of(g, box);
    const int64_t W = g->width, C = g->channels;
    const float *xb = x + b.batch * g->height * W * C;
    for (int64_t ph = 0; ph < g->pooled_h; ++ph)
        for (int64_t pw = 0; pw < g->pooled_w; ++pw) {
            int64_t h0, h1, w0, w1;
            sp_pool_bin(g, &b, ph, pw, &h0, &h1, &w0, &w1);
            const int empty = h1 <= h0 || w1 <= w0;
            const int64_t o = (ph * g->pooled_w + pw) * C;
            float *restrict yo = y + o;
            int64_t *restrict io = argmax ? argmax + o : NULL;
            for (int64_t c = c_begin; c < c_end; ++c) yo[c] = empty ? 0.0f : -FLT_MAX;
            if (io == NULL) {
                for (int64_t h = h0; h < h1; ++h)
                    for (int64_t w = w0; w < w1; ++w) {
                        const float *restrict xt = xb + (h * W + w) * C;
                        for (int64_t c = c_begin; c < c_end; ++c) yo[c] = xt[c] > yo[c] ? xt[c] : yo[c];
                    }
                continue;
            }
            if (g->height * W <= INT32_MAX) {
                /* The winner's position as int32 beside the float maximum: same-width lanes, so the select
                   vectorises even without 64-bit blends; widened once per bin. */
                for (int64_t c0 = c_begin; c0 < c_end; c0 += ROI_POOL_BLOCK) {
                    const int64_t cn = c_end - c0 < ROI_POOL_BLOCK ? c_end - c0 : ROI_POOL_BLOCK;
                    int32_t at[ROI_POOL_BLOCK];
                    float *restrict yb = yo + c0;
                    for (int64_t j = 0; j < cn; ++j) at[j] = -1;
                    for (int64_t h = h0; h < h1; ++h)
                        for (int64_t w = w0; w < w1; ++w) {
                            const float *restrict xt = xb + (h * W + w) * C + c0;
                            const int32_t pos = (int32_t)(h * W + w);
                            for (int64_t j = 0; j < cn; ++j) {
                                const float v = xt[j], b = yb[j];
                                const int32_t won = -(int32_t)(v > b); /* all ones where v wins */
                                at[j] = (pos & won) | (at[j] & ~won);
                                yb[j] = v > b ? v : b;
                            }
                        }
                    for (int64_t j = 0; j < cn; ++j) io[c0 + j] = at[j];
                }
                continue;
            }
            for (int64_t c = c_begin; c < c_end; ++c) io[c] = -1;
            for (int64_t h = h0; h < h1; ++h)
                for (int64_t w = w0; w < w1; ++w) {
                    const float *restrict xt = xb + (h * W + w) * C;
                    const int64_t at = h * W + w;
                    for (int64_t c = c_begin; c < c_end; ++c) {
                        const int wins = xt[c] > yo[c];
                        io[c] = wins ? at : io[c];
                        yo[c] = wins ? xt[c] : yo[c];
                    }
                }
        }
}

int64_t sp_scalar_roi_pool_bwd_nhwc_f32(const sp_roi_geometry *g, const float *dy, const int64_t *argmax,
                                        const float *boxes, size_t num_boxes, float *dx_image, int64_t image,
                                        int64_t c_begin, int64_t c_end)
{
    const int64_t plane = g->height * g->width, bins = g->pooled_h * g->pooled_w, C = g->channels;
    const size_t bytes = (size_t)(c_end - c_begin) * sizeof(float);
    for (int64_t p = 0; p < plane; ++p) memset(dx_image + p * C + c_begin, 0, bytes);
    int64_t first_bad = -1;
    for (size_t k = 0; k < num_boxes; ++k) {
        if ((int64_t)boxes[5 * k] != image) continue;
        for (int64_t bin = 0; bin < bins; ++bin) {
            const int64_t base = ((int64_t)k * bins + bin) * C;
            for (int64_t c = c_begin; c < c_end; ++c) {
                const int64_t at = argmax[base + c];
                if (at == -1) continue;
                if ((uint64_t)at >= (uint64_t)plane) {
                    if (first_bad < 0 || base + c < first_bad) first_bad = base + c;
                    continue;
                }
                dx_image[at * C + c] += dy[base + c];
            }
        }
    }
    return first_bad;
}
