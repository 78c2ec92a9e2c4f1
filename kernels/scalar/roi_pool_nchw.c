/*
 * Scalar RoI max pooling, NCHW (torchvision's roi_pool, CPU). Each bin's clipped window is computed once per
 * box and scanned for every channel of the block. torchvision's max rule: seeded with -FLT_MAX (0 for an empty
 * bin) and argmax -1, a tap wins only if strictly greater, so NaN never wins. The backward adds dy at the
 * recorded argmax (skipping -1), boxes in order; an argmax outside [-1, H*W) is skipped and reported.
 */
#include "roi_common.h"

void sp_scalar_roi_pool_fwd_nchw_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                     int64_t *argmax, int64_t c_begin, int64_t c_end)
{
    const sp_pool_box b = sp_pool_box_of(g, box);
    const int64_t W = g->width, plane = g->height * W, bins = g->pooled_h * g->pooled_w;
    const float *xb = x + b.batch * g->channels * plane;
    for (int64_t ph = 0; ph < g->pooled_h; ++ph)
        for (int64_t pw = 0; pw < g->pooled_w; ++pw) {
            int64_t h0, h1, w0, w1;
            sp_pool_bin(g, &b, ph, pw, &h0, &h1, &w0, &w1);
            const int empty = h1 <= h0 || w1 <= w0;
            const int64_t bin = ph * g->pooled_w + pw;
            for (int64_t c = c_begin; c < c_end; ++c) {
                const float *xp = xb + c * plane;
                float best = empty ? 0.0f : -FLT_MAX;
                int64_t best_at = -1;
                for (int64_t h = h0; h < h1; ++h)
                    for (int64_t w = w0; w < w1; ++w)
                        if (xp[h * W + w] > best) {
                            best = xp[h * W + w];
                            best_at = h * W + w;
                        }
                y[c * bins + bin] = best;
                if (argmax) argmax[c * bins + bin] = best_at;
            }
        }
}

int64_t sp_scalar_roi_pool_bwd_nchw_f32(const sp_roi_geometry *g, const float *dy, const int64_t *argmax,
                                        const float *boxes, size_t num_boxes, float *dx_image, int64_t image,
                                        int64_t c_begin, int64_t c_end)
{
    const int64_t plane = g->height * g->width, bins = g->pooled_h * g->pooled_w, C = g->channels;
    memset(dx_image + c_begin * plane, 0, (size_t)((c_end - c_begin) * plane) * sizeof(float));
    int64_t first_bad = -1;
    for (size_t k = 0; k < num_boxes; ++k) {
        if ((int64_t)boxes[5 * k] != image) continue;
        for (int64_t c = c_begin; c < c_end; ++c) {
            const int64_t base = ((int64_t)k * C + c) * bins;
            float *dxp = dx_image + c * plane;
            for (int64_t bin = 0; bin < bins; ++bin) {
                const int64_t at = argmax[base + bin];
                if (at == -1) continue;
                if ((uint64_t)at >= (uint64_t)plane) {
                    if (first_bad < 0 || base + bin < first_bad) first_bad = base + bin;
                    continue;
                }
                dxp[at] += dy[base + bin];
            }
        }
    }
    return first_bad;
}
