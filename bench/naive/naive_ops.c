/*
 * Naive loops for fractional max pooling, max unpooling, spatial pyramid pooling, RoI max pooling and RoI
 * align: one output element at a time, written from the documented rules (simdpool.h; PyTorch's and
 * torchvision's semantics) with explicit coordinates. Nothing here is clever on purpose.
 */
#include "naive_ops.h"

#include <float.h>
#include <math.h>
#include <string.h>

/* Offset of element (n, c, position p inside a plane of `plane` pixels) in a tensor with C channels. */
static size_t at(int nhwc, int64_t n, int64_t c, int64_t C, int64_t p, int64_t plane) {
    return nhwc ? (size_t)((n * plane + p) * C + c) : (size_t)((n * C + c) * plane + p);
}

static int64_t product(const int64_t *v, int dims) {
    int64_t p = 1;
    for (int i = 0; i < dims; i++) p *= v[i];
    return p;
}

/* ------------------------------------------------------------------------------------------------------- */
/* Fractional max pooling                                                                                  */

void naive_fractional_output_dims(const simdpool_fractional_desc *d, int64_t out[3]) {
    for (int i = 0; i < 3; i++) out[i] = 1;
    for (int i = 0; i < d->spatial_dims; i++)
        out[i] = d->out[i] > 0 ? d->out[i] : (int64_t)((double)d->in[i] * d->output_ratio[i]);
}

size_t naive_fractional_input_elements(const simdpool_fractional_desc *d) {
    return (size_t)(d->n * d->c * product(d->in, d->spatial_dims));
}

size_t naive_fractional_output_elements(const simdpool_fractional_desc *d) {
    int64_t out[3];
    naive_fractional_output_dims(d, out);
    return (size_t)(d->n * d->c * product(out, d->spatial_dims));
}

int64_t naive_fractional_start(float u, int64_t in, int64_t out, int64_t kernel, int64_t i) {
    if (i == out - 1) return in - kernel; /* the last window ends at the input's end */
    float alpha = (float)(in - kernel) / (float)(out - 1);
    float a = ((float)i + u) * alpha;
    float b = u * alpha;
    return (int64_t)(int)a - (int64_t)(int)b;
}

/* Which sample of a plane drives descriptor dim i: PyTorch's order, 2-D (W, H), 3-D (D, H, W). */
static int fractional_sample_index(int dims, int i) { return dims == 2 ? 1 - i : i; }

void naive_fractional_forward(const simdpool_fractional_desc *d, const float *samples, const float *x, float *y,
                              int64_t *idx) {
    const int dims = d->spatial_dims, nhwc = d->layout == SIMDPOOL_NHWC;
    int64_t out[3];
    naive_fractional_output_dims(d, out);
    const int64_t in_plane = product(d->in, dims), out_plane = product(out, dims);
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t c = 0; c < d->c; c++) {
            const float *u = samples + (n * d->c + c) * dims;
            for (int64_t o = 0; o < out_plane; o++) {
                /* output coordinates, then the window's start per dim */
                int64_t coord[3], start[3], rest = o;
                for (int i = dims - 1; i >= 0; i--) {
                    coord[i] = rest % out[i];
                    rest /= out[i];
                }
                for (int i = 0; i < dims; i++)
                    start[i] = naive_fractional_start(u[fractional_sample_index(dims, i)], d->in[i], out[i],
                                                      d->kernel[i], coord[i]);
                /* scan the window row-major */
                const int64_t taps = product(d->kernel, dims);
                float best = 0.0f;
                int64_t best_pos = -1;
                for (int64_t t = 0; t < taps; t++) {
                    int64_t off[3], r = t, pos = 0;
                    for (int i = dims - 1; i >= 0; i--) {
                        off[i] = r % d->kernel[i];
                        r /= d->kernel[i];
                    }
                    for (int i = 0; i < dims; i++) pos = pos * d->in[i] + start[i] + off[i];
                    const float v = x[at(nhwc, n, c, d->c, pos, in_plane)];
                    if (best_pos < 0 || v > best || isnan(v)) {
                        best = v;
                        best_pos = pos;
                    }
                }
                y[at(nhwc, n, c, d->c, o, out_plane)] = best;
                if (idx) idx[at(nhwc, n, c, d->c, o, out_plane)] = best_pos;
            }
        }
}

void naive_fractional_backward(const simdpool_fractional_desc *d, const float *dy, const int64_t *idx, float *dx) {
    const int dims = d->spatial_dims, nhwc = d->layout == SIMDPOOL_NHWC;
    int64_t out[3];
    naive_fractional_output_dims(d, out);
    const int64_t in_plane = product(d->in, dims), out_plane = product(out, dims);
    memset(dx, 0, naive_fractional_input_elements(d) * sizeof(float));
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t c = 0; c < d->c; c++)
            for (int64_t o = 0; o < out_plane; o++) {
                const size_t e = at(nhwc, n, c, d->c, o, out_plane);
                dx[at(nhwc, n, c, d->c, idx[e], in_plane)] += dy[e];
            }
}

/* ------------------------------------------------------------------------------------------------------- */
/* Max unpooling                                                                                           */

void naive_unpool_output_dims(const simdpool_unpool_desc *d, int64_t out[3]) {
    for (int i = 0; i < 3; i++) out[i] = 1;
    for (int i = 0; i < d->spatial_dims; i++)
        out[i] = d->out[i] > 0 ? d->out[i]
                               : (d->in[i] - 1) * d->stride[i] - d->pad_begin[i] - d->pad_end[i] + d->kernel[i];
}

size_t naive_unpool_input_elements(const simdpool_unpool_desc *d) {
    return (size_t)(d->n * d->c * product(d->in, d->spatial_dims));
}

size_t naive_unpool_output_elements(const simdpool_unpool_desc *d) {
    int64_t out[3];
    naive_unpool_output_dims(d, out);
    return (size_t)(d->n * d->c * product(out, d->spatial_dims));
}

void naive_unpool_forward(const simdpool_unpool_desc *d, const float *x, const int64_t *idx, float *y) {
    const int nhwc = d->layout == SIMDPOOL_NHWC;
    int64_t out[3];
    naive_unpool_output_dims(d, out);
    const int64_t in_plane = product(d->in, d->spatial_dims), out_plane = product(out, d->spatial_dims);
    memset(y, 0, naive_unpool_output_elements(d) * sizeof(float));
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t c = 0; c < d->c; c++)
            for (int64_t p = 0; p < in_plane; p++) {
                const size_t e = at(nhwc, n, c, d->c, p, in_plane);
                y[at(nhwc, n, c, d->c, idx[e], out_plane)] = x[e];
            }
}

void naive_unpool_backward(const simdpool_unpool_desc *d, const float *dy, const int64_t *idx, float *dx) {
    const int nhwc = d->layout == SIMDPOOL_NHWC;
    int64_t out[3];
    naive_unpool_output_dims(d, out);
    const int64_t in_plane = product(d->in, d->spatial_dims), out_plane = product(out, d->spatial_dims);
    for (int64_t n = 0; n < d->n; n++)
        for (int64_t c = 0; c < d->c; c++)
            for (int64_t p = 0; p < in_plane; p++) {
                const size_t e = at(nhwc, n, c, d->c, p, in_plane);
                dx[e] = dy[at(nhwc, n, c, d->c, idx[e], out_plane)];
            }
}

/* ------------------------------------------------------------------------------------------------------- */
/* Spatial pyramid pooling                                                                                 */

int64_t naive_spp_features(const simdpool_spp_desc *d) {
    int64_t bins = 0;
    for (int l = 0; l < d->num_levels; l++) bins += d->levels[l] * d->levels[l];
    return d->c * bins;
}

size_t naive_spp_input_elements(const simdpool_spp_desc *d) { return (size_t)(d->n * d->c * d->in[0] * d->in[1]); }

/* Adaptive bin i of `bins` over `size`: [floor(i*size/bins), ceil((i+1)*size/bins)). */
static void adaptive_bin(int64_t i, int64_t bins, int64_t size, int64_t *begin, int64_t *end) {
    *begin = i * size / bins;
    *end = ((i + 1) * size + bins - 1) / bins;
}

/* Position of feature (level l, c, bin i, j) in a row. */
static int64_t spp_feature(const simdpool_spp_desc *d, int l, int64_t c, int64_t i, int64_t j) {
    int64_t offset = 0;
    for (int k = 0; k < l; k++) offset += d->c * d->levels[k] * d->levels[k];
    const int64_t s = d->levels[l];
    if (d->layout == SIMDPOOL_NHWC) return offset + (i * s + j) * d->c + c;
    return offset + (c * s + i) * s + j;
}

void naive_spp_forward(const simdpool_spp_desc *d, const float *x, float *y, int64_t *idx) {
    const int nhwc = d->layout == SIMDPOOL_NHWC;
    const int64_t H = d->in[0], W = d->in[1], plane = H * W, F = naive_spp_features(d);
    for (int64_t n = 0; n < d->n; n++)
        for (int l = 0; l < d->num_levels; l++)
            for (int64_t c = 0; c < d->c; c++)
                for (int64_t i = 0; i < d->levels[l]; i++)
                    for (int64_t j = 0; j < d->levels[l]; j++) {
                        int64_t h0, h1, w0, w1;
                        adaptive_bin(i, d->levels[l], H, &h0, &h1);
                        adaptive_bin(j, d->levels[l], W, &w0, &w1);
                        float best = 0.0f, sum = 0.0f;
                        int64_t best_pos = -1;
                        for (int64_t h = h0; h < h1; h++)
                            for (int64_t w = w0; w < w1; w++) {
                                const float v = x[at(nhwc, n, c, d->c, h * W + w, plane)];
                                sum += v;
                                if (best_pos < 0 || v > best || isnan(v)) {
                                    best = v;
                                    best_pos = h * W + w;
                                }
                            }
                        const int64_t f = n * F + spp_feature(d, l, c, i, j);
                        if (d->algorithm == SIMDPOOL_MAX) {
                            y[f] = best;
                            if (idx) idx[f] = best_pos;
                        } else {
                            y[f] = sum / (float)((h1 - h0) * (w1 - w0));
                        }
                    }
}

void naive_spp_backward(const simdpool_spp_desc *d, const float *dy, const int64_t *idx, float *dx) {
    const int nhwc = d->layout == SIMDPOOL_NHWC;
    const int64_t H = d->in[0], W = d->in[1], plane = H * W, F = naive_spp_features(d);
    memset(dx, 0, naive_spp_input_elements(d) * sizeof(float));
    for (int64_t n = 0; n < d->n; n++)
        for (int l = 0; l < d->num_levels; l++)
            for (int64_t c = 0; c < d->c; c++)
                for (int64_t i = 0; i < d->levels[l]; i++)
                    for (int64_t j = 0; j < d->levels[l]; j++) {
                        const int64_t f = n * F + spp_feature(d, l, c, i, j);
                        if (d->algorithm == SIMDPOOL_MAX) {
                            dx[at(nhwc, n, c, d->c, idx[f], plane)] += dy[f];
                            continue;
                        }
                        int64_t h0, h1, w0, w1;
                        adaptive_bin(i, d->levels[l], H, &h0, &h1);
                        adaptive_bin(j, d->levels[l], W, &w0, &w1);
                        const float share = dy[f] / (float)((h1 - h0) * (w1 - w0));
                        for (int64_t h = h0; h < h1; h++)
                            for (int64_t w = w0; w < w1; w++) dx[at(nhwc, n, c, d->c, h * W + w, plane)] += share;
                    }
}

/* ------------------------------------------------------------------------------------------------------- */
/* RoI pooling (torchvision's CPU kernels, step by step in float)                                          */

size_t naive_roi_input_elements(const simdpool_roi_desc *d) { return (size_t)(d->n * d->c * d->in[0] * d->in[1]); }

size_t naive_roi_box_elements(const simdpool_roi_desc *d) { return (size_t)(d->c * d->pooled[0] * d->pooled[1]); }

/* Offset of output element (box k, c, ph, pw). */
static size_t roi_out(const simdpool_roi_desc *d, size_t k, int64_t c, int64_t ph, int64_t pw) {
    const int64_t PH = d->pooled[0], PW = d->pooled[1];
    if (d->layout == SIMDPOOL_NHWC) return (size_t)((((int64_t)k * PH + ph) * PW + pw) * d->c + c);
    return (size_t)((((int64_t)k * d->c + c) * PH + ph) * PW + pw);
}

/* The RoI align geometry of one box. */
typedef struct align_geom {
    float start_h, start_w, bin_h, bin_w;
    int grid_h, grid_w;
} align_geom;

static align_geom align_geom_of(const simdpool_roi_desc *d, const float *box) {
    align_geom a;
    const float offset = d->aligned ? 0.5f : 0.0f;
    a.start_w = box[1] * d->spatial_scale - offset;
    a.start_h = box[2] * d->spatial_scale - offset;
    float end_w = box[3] * d->spatial_scale - offset;
    float end_h = box[4] * d->spatial_scale - offset;
    float roi_w = end_w - a.start_w, roi_h = end_h - a.start_h;
    if (!d->aligned) {
        roi_w = fmaxf(roi_w, 1.0f);
        roi_h = fmaxf(roi_h, 1.0f);
    }
    a.bin_h = roi_h / (float)d->pooled[0];
    a.bin_w = roi_w / (float)d->pooled[1];
    a.grid_h = d->sampling_ratio > 0 ? d->sampling_ratio : (int)ceilf(roi_h / (float)d->pooled[0]);
    a.grid_w = d->sampling_ratio > 0 ? d->sampling_ratio : (int)ceilf(roi_w / (float)d->pooled[1]);
    return a;
}

/* Bilinear interpolation at (y, x) of an H x W plane: the four corners and weights; 0 if outside [-1, size]. */
static int bilinear(int64_t H, int64_t W, float y, float x, int64_t pos[4], float wt[4]) {
    if (y < -1.0f || y > (float)H || x < -1.0f || x > (float)W) return 0;
    if (y <= 0.0f) y = 0.0f;
    if (x <= 0.0f) x = 0.0f;
    int64_t y0 = (int64_t)y, x0 = (int64_t)x, y1, x1;
    if (y0 >= H - 1) {
        y0 = y1 = H - 1;
        y = (float)y0;
    } else {
        y1 = y0 + 1;
    }
    if (x0 >= W - 1) {
        x0 = x1 = W - 1;
        x = (float)x0;
    } else {
        x1 = x0 + 1;
    }
    const float ly = y - (float)y0, lx = x - (float)x0, hy = 1.0f - ly, hx = 1.0f - lx;
    pos[0] = y0 * W + x0;
    pos[1] = y0 * W + x1;
    pos[2] = y1 * W + x0;
    pos[3] = y1 * W + x1;
    wt[0] = hy * hx;
    wt[1] = hy * lx;
    wt[2] = ly * hx;
    wt[3] = ly * lx;
    return 1;
}

static float sample_y(const align_geom *a, int64_t ph, int iy) {
    return a->start_h + (float)ph * a->bin_h + ((float)iy + 0.5f) * a->bin_h / (float)a->grid_h;
}

static float sample_x(const align_geom *a, int64_t pw, int ix) {
    return a->start_w + (float)pw * a->bin_w + ((float)ix + 0.5f) * a->bin_w / (float)a->grid_w;
}

/* RoI max pooling: the clipped window of bin (ph, pw) of a box. */
static void pool_window(const simdpool_roi_desc *d, const float *box, int64_t ph, int64_t pw, int64_t *h0, int64_t *h1,
                        int64_t *w0, int64_t *w1) {
    const int64_t sw = (int64_t)roundf(box[1] * d->spatial_scale), sh = (int64_t)roundf(box[2] * d->spatial_scale);
    const int64_t ew = (int64_t)roundf(box[3] * d->spatial_scale), eh = (int64_t)roundf(box[4] * d->spatial_scale);
    const int64_t rw = ew - sw + 1 > 1 ? ew - sw + 1 : 1, rh = eh - sh + 1 > 1 ? eh - sh + 1 : 1;
    const float bh = (float)rh / (float)d->pooled[0], bw = (float)rw / (float)d->pooled[1];
    int64_t v[4] = {(int64_t)floorf((float)ph * bh) + sh, (int64_t)ceilf((float)(ph + 1) * bh) + sh,
                    (int64_t)floorf((float)pw * bw) + sw, (int64_t)ceilf((float)(pw + 1) * bw) + sw};
    const int64_t limit[4] = {d->in[0], d->in[0], d->in[1], d->in[1]};
    for (int i = 0; i < 4; i++) v[i] = v[i] < 0 ? 0 : (v[i] > limit[i] ? limit[i] : v[i]);
    *h0 = v[0];
    *h1 = v[1];
    *w0 = v[2];
    *w1 = v[3];
}

void naive_roi_forward(const simdpool_roi_desc *d, const float *x, const float *boxes, size_t num_boxes, float *y,
                       int64_t *argmax) {
    const int nhwc = d->layout == SIMDPOOL_NHWC;
    const int64_t H = d->in[0], W = d->in[1], plane = H * W;
    for (size_t k = 0; k < num_boxes; k++) {
        const float *box = boxes + 5 * k;
        const int64_t b = (int64_t)box[0];
        for (int64_t c = 0; c < d->c; c++)
            for (int64_t ph = 0; ph < d->pooled[0]; ph++)
                for (int64_t pw = 0; pw < d->pooled[1]; pw++) {
                    const size_t o = roi_out(d, k, c, ph, pw);
                    if (d->mode == SIMDPOOL_ROI_POOL) {
                        int64_t h0, h1, w0, w1;
                        pool_window(d, box, ph, pw, &h0, &h1, &w0, &w1);
                        float best = (h1 <= h0 || w1 <= w0) ? 0.0f : -FLT_MAX;
                        int64_t best_pos = -1;
                        for (int64_t h = h0; h < h1; h++)
                            for (int64_t w = w0; w < w1; w++) {
                                const float v = x[at(nhwc, b, c, d->c, h * W + w, plane)];
                                if (v > best) {
                                    best = v;
                                    best_pos = h * W + w;
                                }
                            }
                        y[o] = best;
                        if (argmax) argmax[o] = best_pos;
                        continue;
                    }
                    const align_geom a = align_geom_of(d, box);
                    float sum = 0.0f;
                    for (int iy = 0; iy < a.grid_h; iy++)
                        for (int ix = 0; ix < a.grid_w; ix++) {
                            int64_t pos[4] = {0, 0, 0, 0};
                            float wt[4] = {0, 0, 0, 0};
                            /* outside: torchvision adds 0 * x[0] (weights and positions 0) */
                            bilinear(H, W, sample_y(&a, ph, iy), sample_x(&a, pw, ix), pos, wt);
                            float v[4];
                            for (int q = 0; q < 4; q++) v[q] = x[at(nhwc, b, c, d->c, pos[q], plane)];
                            sum += wt[0] * v[0] + wt[1] * v[1] + wt[2] * v[2] + wt[3] * v[3];
                        }
                    const int count = a.grid_h * a.grid_w;
                    y[o] = sum / (float)(count > 1 ? count : 1);
                }
    }
}

void naive_roi_backward(const simdpool_roi_desc *d, const float *dy, const float *boxes, size_t num_boxes,
                        const int64_t *argmax, float *dx) {
    const int nhwc = d->layout == SIMDPOOL_NHWC;
    const int64_t H = d->in[0], W = d->in[1], plane = H * W;
    memset(dx, 0, naive_roi_input_elements(d) * sizeof(float));
    for (size_t k = 0; k < num_boxes; k++) {
        const float *box = boxes + 5 * k;
        const int64_t b = (int64_t)box[0];
        for (int64_t c = 0; c < d->c; c++)
            for (int64_t ph = 0; ph < d->pooled[0]; ph++)
                for (int64_t pw = 0; pw < d->pooled[1]; pw++) {
                    const size_t o = roi_out(d, k, c, ph, pw);
                    if (d->mode == SIMDPOOL_ROI_POOL) {
                        if (argmax[o] >= 0) dx[at(nhwc, b, c, d->c, argmax[o], plane)] += dy[o];
                        continue;
                    }
                    const align_geom a = align_geom_of(d, box);
                    const float count = (float)(a.grid_h * a.grid_w);
                    for (int iy = 0; iy < a.grid_h; iy++)
                        for (int ix = 0; ix < a.grid_w; ix++) {
                            int64_t pos[4];
                            float wt[4];
                            if (!bilinear(H, W, sample_y(&a, ph, iy), sample_x(&a, pw, ix), pos, wt)) continue;
                            for (int q = 0; q < 4; q++)
                                dx[at(nhwc, b, c, d->c, pos[q], plane)] += dy[o] * wt[q] / count;
                        }
                }
    }
}
