/*
 * Helpers shared by the scalar RoI kernels (private to kernels/scalar/): one box's derived quantities and the
 * bilinear sample of RoI align, each written to reproduce torchvision's CPU arithmetic step by step in float
 * (the same operations in the same order, so results match it to the last bit wherever the compiler does not
 * contract a*b+c, which the build forbids with -ffp-contract=off).
 */
#ifndef SIMDPOOL_SCALAR_ROI_COMMON_H
#define SIMDPOOL_SCALAR_ROI_COMMON_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "ops_kernels.h"
#include "pool_common.h"

/* ---- RoI align ---- */

typedef struct sp_align_box {
    int64_t batch;
    float start_h, start_w; /* box corner in feature-map coordinates */
    float bin_h, bin_w;     /* bin size */
    int64_t grid_h, grid_w; /* samples per bin side; <= 0 on either side: no samples */
    float count;            /* forward divisor: max(grid_h * grid_w, 1) */
} sp_align_box;

static inline sp_align_box sp_align_box_of(const sp_roi_geometry *g, const float *box)
{
    sp_align_box b;
    const float scale = g->spatial_scale, offset = g->aligned ? 0.5f : 0.0f;
    b.batch = (int64_t)box[0];
    b.start_w = box[1] * scale - offset;
    b.start_h = box[2] * scale - offset;
    const float end_w = box[3] * scale - offset;
    const float end_h = box[4] * scale - offset;
    float roi_w = end_w - b.start_w, roi_h = end_h - b.start_h;
    if (!g->aligned) { /* torchvision forces malformed boxes to 1x1 without `aligned` */
        roi_w = roi_w > 1.0f ? roi_w : 1.0f;
        roi_h = roi_h > 1.0f ? roi_h : 1.0f;
    }
    b.bin_h = roi_h / (float)g->pooled_h;
    b.bin_w = roi_w / (float)g->pooled_w;
    b.grid_h = g->sampling_ratio > 0 ? g->sampling_ratio : (int64_t)ceilf(roi_h / (float)g->pooled_h);
    b.grid_w = g->sampling_ratio > 0 ? g->sampling_ratio : (int64_t)ceilf(roi_w / (float)g->pooled_w);
    const int64_t n = b.grid_h > 0 && b.grid_w > 0 ? b.grid_h * b.grid_w : 1;
    b.count = (float)n;
    return b;
}

static inline int sp_align_has_samples(const sp_align_box *b) { return b->grid_h > 0 && b->grid_w > 0; }

/* Sample iy of bin ph along one axis (torchvision: start + ph*bin + (iy + .5f) * bin / grid). */
static inline float sp_align_coord(float start, float bin, int64_t grid, int64_t p, int64_t i)
{
    return start + (float)p * bin + ((float)i + 0.5f) * bin / (float)grid;
}

/* One bilinear sample: four pixel positions in the plane and their weights. `valid` = 0 for a sample beyond
   [-1, size] (weights 0 and positions 0, torchvision's convention: the forward adds 0 * x[0]). */
typedef struct sp_bilinear {
    int64_t p1, p2, p3, p4;
    float w1, w2, w3, w4;
    int valid;
} sp_bilinear;

static inline sp_bilinear sp_bilinear_at(int64_t height, int64_t width, float y, float x)
{
    sp_bilinear s;
    if (y < -1.0f || y > (float)height || x < -1.0f || x > (float)width) {
        memset(&s, 0, sizeof s);
        return s;
    }
    if (y <= 0.0f) y = 0.0f;
    if (x <= 0.0f) x = 0.0f;
    int64_t y_low = (int64_t)y, x_low = (int64_t)x, y_high, x_high;
    if (y_low >= height - 1) {
        y_high = y_low = height - 1;
        y = (float)y_low;
    } else {
        y_high = y_low + 1;
    }
    if (x_low >= width - 1) {
        x_high = x_low = width - 1;
        x = (float)x_low;
    } else {
        x_high = x_low + 1;
    }
    const float ly = y - (float)y_low, lx = x - (float)x_low;
    const float hy = 1.0f - ly, hx = 1.0f - lx;
    s.w1 = hy * hx;
    s.w2 = hy * lx;
    s.w3 = ly * hx;
    s.w4 = ly * lx;
    s.p1 = y_low * width + x_low;
    s.p2 = y_low * width + x_high;
    s.p3 = y_high * width + x_low;
    s.p4 = y_high * width + x_high;
    s.valid = 1;
    return s;
}

/* ---- RoI max pooling ---- */

typedef struct sp_pool_box {
    int64_t batch;
    int64_t start_h, start_w; /* rounded box corner */
    float bin_h, bin_w;
} sp_pool_box;

static inline sp_pool_box sp_pool_box_of(const sp_roi_geometry *g, const float *box)
{
    sp_pool_box b;
    const float scale = g->spatial_scale;
    b.batch = (int64_t)box[0];
    b.start_w = (int64_t)roundf(box[1] * scale);
    b.start_h = (int64_t)roundf(box[2] * scale);
    const int64_t end_w = (int64_t)roundf(box[3] * scale);
    const int64_t end_h = (int64_t)roundf(box[4] * scale);
    /* Malformed boxes are forced to 1x1 (torchvision). */
    const int64_t roi_w = end_w - b.start_w + 1 > 1 ? end_w - b.start_w + 1 : 1;
    const int64_t roi_h = end_h - b.start_h + 1 > 1 ? end_h - b.start_h + 1 : 1;
    b.bin_h = (float)roi_h / (float)g->pooled_h;
    b.bin_w = (float)roi_w / (float)g->pooled_w;
    return b;
}

static inline int64_t sp_clip(int64_t v, int64_t hi) { return v < 0 ? 0 : (v > hi ? hi : v); }

/* The input window [h0, h1) x [w0, w1) of bin (ph, pw), clipped to the map (may be empty). */
static inline void sp_pool_bin(const sp_roi_geometry *g, const sp_pool_box *b, int64_t ph, int64_t pw, int64_t *h0,
                               int64_t *h1, int64_t *w0, int64_t *w1)
{
    *h0 = sp_clip((int64_t)floorf((float)ph * b->bin_h) + b->start_h, g->height);
    *h1 = sp_clip((int64_t)ceilf((float)(ph + 1) * b->bin_h) + b->start_h, g->height);
    *w0 = sp_clip((int64_t)floorf((float)pw * b->bin_w) + b->start_w, g->width);
    *w1 = sp_clip((int64_t)ceilf((float)(pw + 1) * b->bin_w) + b->start_w, g->width);
}

#endif /* SIMDPOOL_SCALAR_ROI_COMMON_H */
