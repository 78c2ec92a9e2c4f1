/*
 * Scalar RoI align, NCHW (torchvision's roi_align, CPU). Forward: for each bin, the bilinear samples (positions
 * and weights, shared by every channel) are computed once per chunk of the bin's grid and then applied to each
 * channel of the block, accumulating into the output element in sample order -- torchvision's order, so the
 * sums are the same float operations. Backward: one image and channel block per call; boxes in order, bins and
 * samples in order, each sample's dy * w / count added to the four pixels, as torchvision's sequential loop.
 */
#include "roi_common.h"

enum { SAMPLE_CHUNK = 64 };

void sp_scalar_roi_align_fwd_nchw_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                      int64_t c_begin, int64_t c_end)
{
    const sp_align_box b = sp_align_box_of(g, box);
    const int64_t H = g->height, W = g->width, plane = H * W, bins = g->pooled_h * g->pooled_w;
    const float *xb = x + b.batch * g->channels * plane;
    sp_bilinear s[SAMPLE_CHUNK];
    for (int64_t ph = 0; ph < g->pooled_h; ++ph)
        for (int64_t pw = 0; pw < g->pooled_w; ++pw) {
            const int64_t bin = ph * g->pooled_w + pw;
            for (int64_t c = c_begin; c < c_end; ++c) y[c * bins + bin] = 0.0f;
            if (!sp_align_has_samples(&b)) continue;
            const int64_t total = b.grid_h * b.grid_w;
            for (int64_t k0 = 0; k0 < total; k0 += SAMPLE_CHUNK) {
                const int64_t kn = total - k0 < SAMPLE_CHUNK ? total - k0 : SAMPLE_CHUNK;
                for (int64_t k = 0; k < kn; ++k) {
                    const int64_t iy = (k0 + k) / b.grid_w, ix = (k0 + k) % b.grid_w;
                    s[k] = sp_bilinear_at(H, W, sp_align_coord(b.start_h, b.bin_h, b.grid_h, ph, iy),
                                          sp_align_coord(b.start_w, b.bin_w, b.grid_w, pw, ix));
                }
                for (int64_t c = c_begin; c < c_end; ++c) {
                    const float *xp = xb + c * plane;
                    float acc = y[c * bins + bin];
                    for (int64_t k = 0; k < kn; ++k)
                        acc += s[k].w1 * xp[s[k].p1] + s[k].w2 * xp[s[k].p2] + s[k].w3 * xp[s[k].p3] +
                               s[k].w4 * xp[s[k].p4];
                    y[c * bins + bin] = acc;
                }
            }
            for (int64_t c = c_begin; c < c_end; ++c) y[c * bins + bin] /= b.count;
        }
}

void sp_scalar_roi_align_bwd_nchw_f32(const sp_roi_geometry *g, const float *dy, const float *boxes,
                                      size_t num_boxes, float *dx_image, int64_t image, int64_t c_begin,
                                      int64_t c_end)
{
    const int64_t H = g->height, W = g->width, plane = H * W, bins = g->pooled_h * g->pooled_w, C = g->channels;
    memset(dx_image + c_begin * plane, 0, (size_t)((c_end - c_begin) * plane) * sizeof(float));
    for (size_t k = 0; k < num_boxes; ++k) {
        const float *box = boxes + 5 * k;
        if ((int64_t)box[0] != image) continue;
        const sp_align_box b = sp_align_box_of(g, box);
        if (!sp_align_has_samples(&b)) continue;
        /* torchvision's backward divides by grid_h * grid_w (positive here). */
        const float count = (float)(b.grid_h * b.grid_w);
        const float *dyk = dy + (int64_t)k * C * bins;
        for (int64_t ph = 0; ph < g->pooled_h; ++ph)
            for (int64_t pw = 0; pw < g->pooled_w; ++pw) {
                const int64_t bin = ph * g->pooled_w + pw;
                for (int64_t iy = 0; iy < b.grid_h; ++iy) {
                    const float yy = sp_align_coord(b.start_h, b.bin_h, b.grid_h, ph, iy);
                    for (int64_t ix = 0; ix < b.grid_w; ++ix) {
                        const sp_bilinear s =
                            sp_bilinear_at(H, W, yy, sp_align_coord(b.start_w, b.bin_w, b.grid_w, pw, ix));
                        if (!s.valid) continue;
                        for (int64_t c = c_begin; c < c_end; ++c) {
                            const float grad = dyk[c * bins + bin];
                            float *dxp = dx_image + c * plane;
                            dxp[s.p1] += grad * s.w1 / count;
                            dxp[s.p2] += grad * s.w2 / count;
                            dxp[s.p3] += grad * s.w3 / count;
                            dxp[s.p4] += grad * s.w4 / count;
                        }
                    }
                }
            }
    }
}
