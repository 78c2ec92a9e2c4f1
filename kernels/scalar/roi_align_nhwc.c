/*
 * Scalar RoI align, NHWC (see roi_align_nchw.c for the order of operations, which is the same per element).
 * Each bilinear sample is computed once and applied to a block of contiguous channels, so the inner loops are
 * unit-stride over channels and vectorisable; the output pixel of a bin is the accumulator.
 */
#include "roi_common.h"

void sp_scalar_roi_align_fwd_nhwc_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                      int64_t c_begin, int64_t c_end)
{
    const sp_align_box b = sp_align_box_of(g, box);
    const int64_t H = g->height, W = g->width, C = g->channels;
    const float *xb = x + b.batch * H * W * C;
    for (int64_t ph = 0; ph < g->pooled_h; ++ph)
        for (int64_t pw = 0; pw < g->pooled_w; ++pw) {
            float *restrict yo = y + (ph * g->pooled_w + pw) * C;
            for (int64_t c = c_begin; c < c_end; ++c) yo[c] = 0.0f;
            if (!sp_align_has_samples(&b)) continue;
            for (int64_t iy = 0; iy < b.grid_h; ++iy) {
                const float yy = sp_align_coord(b.start_h, b.bin_h, b.grid_h, ph, iy);
                for (int64_t ix = 0; ix < b.grid_w; ++ix) {
                    const sp_bilinear s =
                        sp_bilinear_at(H, W, yy, sp_align_coord(b.start_w, b.bin_w, b.grid_w, pw, ix));
                    const float *restrict x1 = xb + s.p1 * C, *restrict x2 = xb + s.p2 * C;
                    const float *restrict x3 = xb + s.p3 * C, *restrict x4 = xb + s.p4 * C;
                    for (int64_t c = c_begin; c < c_end; ++c)
                        yo[c] += s.w1 * x1[c] + s.w2 * x2[c] + s.w3 * x3[c] + s.w4 * x4[c];
                }
            }
            for (int64_t c = c_begin; c < c_end; ++c) yo[c] /= b.count;
        }
}

void sp_scalar_roi_align_bwd_nhwc_f32(const sp_roi_geometry *g, const float *dy, const float *boxes,
                                      size_t num_boxes, float *dx_image, int64_t image, int64_t c_begin,
                                      int64_t c_end)
{
    const int64_t H = g->height, W = g->width, C = g->channels, bins = g->pooled_h * g->pooled_w;
    const size_t bytes = (size_t)(c_end - c_begin) * sizeof(float);
    for (int64_t p = 0; p < H * W; ++p) memset(dx_image + p * C + c_begin, 0, bytes);
    for (size_t k = 0; k < num_boxes; ++k) {
        const float *box = boxes + 5 * k;
        if ((int64_t)box[0] != image) continue;
        const sp_align_box b = sp_align_box_of(g, box);
        if (!sp_align_has_samples(&b)) continue;
        const float count = (float)(b.grid_h * b.grid_w);
        const float *dyk = dy + (int64_t)k * bins * C;
        for (int64_t ph = 0; ph < g->pooled_h; ++ph)
            for (int64_t pw = 0; pw < g->pooled_w; ++pw) {
                const float *grad = dyk + (ph * g->pooled_w + pw) * C;
                for (int64_t iy = 0; iy < b.grid_h; ++iy) {
                    const float yy = sp_align_coord(b.start_h, b.bin_h, b.grid_h, ph, iy);
                    for (int64_t ix = 0; ix < b.grid_w; ++ix) {
                        const sp_bilinear s =
                            sp_bilinear_at(H, W, yy, sp_align_coord(b.start_w, b.bin_w, b.grid_w, pw, ix));
                        if (!s.valid) continue;
                        float *d1 = dx_image + s.p1 * C, *d2 = dx_image + s.p2 * C;
                        float *d3 = dx_image + s.p3 * C, *d4 = dx_image + s.p4 * C;
                        /* The four corners may be the same pixel (clamped at the border): one corner at a
                           time keeps torchvision's order of additions. */
                        for (int64_t c = c_begin; c < c_end; ++c) d1[c] += grad[c] * s.w1 / count;
                        for (int64_t c = c_begin; c < c_end; ++c) d2[c] += grad[c] * s.w2 / count;
                        for (int64_t c = c_begin; c < c_end; ++c) d3[c] += grad[c] * s.w3 / count;
                        for (int64_t c = c_begin; c < c_end; ++c) d4[c] += grad[c] * s.w4 / count;
                    }
                }
            }
    }
}
