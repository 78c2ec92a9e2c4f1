/*
 * Naive pooling: the textbook loops, written from the contract in simdpool.h / DESIGN.md ("Semantics").
 *
 * Every shape is viewed as three spatial axes (D, H, W); a descriptor with fewer spatial dims maps its dims
 * onto the innermost axes and the absent ones have size 1, kernel 1, stride 1, dilation 1, no padding.
 * Each output window is materialised as the list of its taps that fall inside the input, in row-major
 * (D, H, W) scan order, and every algorithm works on that list. Nothing here is clever on purpose.
 */
#include "naive_pool.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { AXES = 3 };

typedef struct geom {
    int algorithm;
    int64_t n, c;
    int64_t in[AXES], out[AXES];
    int64_t k[AXES], s[AXES], dil[AXES], pb[AXES], pe[AXES];
    int nhwc;
} geom;

/* floor(a / b) for b > 0 and any sign of a. */
static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && (a < 0)) q -= 1;
    return q;
}

static int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

/* Descriptor dim i of a `sd`-dimensional descriptor lives on axis 3 - sd + i. */
static int axis_of(int sd, int i) { return AXES - sd + i; }

static int64_t pool_out_size(int64_t in, int64_t k, int64_t s, int64_t dil, int64_t pb, int64_t pe, int ceil_mode) {
    int64_t eff = dil * (k - 1) + 1;
    int64_t span = in + pb + pe - eff;
    int64_t out = (ceil_mode ? ceil_div(span, s) : floor_div(span, s)) + 1;
    /* ceil_mode: a last window starting in the right padding (at or beyond in + pb) is dropped. */
    if (ceil_mode && out > 0 && (out - 1) * s >= in + pb) out -= 1;
    return out;
}

static void pool_geom(const simdpool_pool_desc *d, geom *g) {
    int a, i;
    g->algorithm = (int)d->algorithm;
    g->n = d->n;
    g->c = d->c;
    g->nhwc = d->layout == SIMDPOOL_NHWC;
    for (a = 0; a < AXES; a++) {
        g->in[a] = 1; g->out[a] = 1; g->k[a] = 1; g->s[a] = 1; g->dil[a] = 1; g->pb[a] = 0; g->pe[a] = 0;
    }
    for (i = 0; i < d->spatial_dims; i++) {
        a = axis_of(d->spatial_dims, i);
        g->in[a] = d->in[i];
        g->k[a] = d->kernel[i];
        g->s[a] = d->stride[i];
        g->dil[a] = d->dilation[i];
        g->pb[a] = d->pad_begin[i];
        g->pe[a] = d->pad_end[i];
        g->out[a] = pool_out_size(d->in[i], d->kernel[i], d->stride[i], d->dilation[i], d->pad_begin[i],
                                  d->pad_end[i], d->ceil_mode);
    }
}

static int64_t plane_in(const geom *g) { return g->in[0] * g->in[1] * g->in[2]; }
static int64_t plane_out(const geom *g) { return g->out[0] * g->out[1] * g->out[2]; }

/* Offset of element (n, c, plane position p) in a tensor whose plane has `plane` elements. */
static size_t offset(const geom *g, int64_t n, int64_t c, int64_t p, int64_t plane) {
    if (g->nhwc) return (size_t)((n * plane + p) * g->c + c);
    return (size_t)((n * g->c + c) * plane + p);
}

/*
 * Taps of the pooling window at output position o (axes), in row-major scan order, that lie inside the
 * input: writes their in-plane positions to taps[] and returns how many there are.
 */
static int64_t pool_window(const geom *g, const int64_t o[AXES], int64_t *taps) {
    int64_t count = 0, jd, jh, jw;
    int64_t start0 = o[0] * g->s[0] - g->pb[0];
    int64_t start1 = o[1] * g->s[1] - g->pb[1];
    int64_t start2 = o[2] * g->s[2] - g->pb[2];
    for (jd = 0; jd < g->k[0]; jd++) {
        int64_t pd = start0 + jd * g->dil[0];
        if (pd < 0 || pd >= g->in[0]) continue;
        for (jh = 0; jh < g->k[1]; jh++) {
            int64_t ph = start1 + jh * g->dil[1];
            if (ph < 0 || ph >= g->in[1]) continue;
            for (jw = 0; jw < g->k[2]; jw++) {
                int64_t pw = start2 + jw * g->dil[2];
                if (pw < 0 || pw >= g->in[2]) continue;
                taps[count++] = (pd * g->in[1] + ph) * g->in[2] + pw;
            }
        }
    }
    return count;
}

/* AVG divisor of the window at o (axes). */
static int64_t pool_divisor(const geom *g, const simdpool_pool_desc *d, const int64_t o[AXES], int64_t in_taps) {
    int a;
    int64_t j, count = 1;
    if (d->divisor_override > 0) return d->divisor_override;
    if (!d->count_include_pad) return in_taps;
    /* Taps inside the padded bounds [-pb, in + pe) on every axis: padding counts, ceil_mode overhang not. */
    for (a = 0; a < AXES; a++) {
        int64_t start = o[a] * g->s[a] - g->pb[a], n_axis = 0;
        for (j = 0; j < g->k[a]; j++) {
            int64_t pos = start + j * g->dil[a];
            if (pos >= -g->pb[a] && pos < g->in[a] + g->pe[a]) n_axis++;
        }
        count *= n_axis;
    }
    return count;
}

static int64_t kernel_volume(const geom *g) { return g->k[0] * g->k[1] * g->k[2]; }

/* Position of output element number `q` (row-major in the output plane) on the three axes. */
static void unflatten(const geom *g, int64_t q, int64_t o[AXES]) {
    o[2] = q % g->out[2];
    o[1] = (q / g->out[2]) % g->out[1];
    o[0] = q / (g->out[2] * g->out[1]);
}

/* Max (sign = +1) or min (sign = -1) of x over the taps: PyTorch's rule (v > best) || isnan(v). */
static float select_extreme(const float *x, const geom *g, int64_t n, int64_t c, const int64_t *taps, int64_t count,
                            int is_min, int64_t *best_pos) {
    int64_t t;
    int64_t pin = plane_in(g);
    float best = 0.0f;
    *best_pos = -1;
    for (t = 0; t < count; t++) {
        float v = x[offset(g, n, c, taps[t], pin)];
        int better;
        if (t == 0) {
            better = 1;
        } else if (is_min) {
            better = (v < best) || isnan(v);
        } else {
            better = (v > best) || isnan(v);
        }
        if (better) {
            best = v;
            *best_pos = taps[t];
        }
    }
    return best;
}

static void soft_stats(const float *x, const geom *g, int64_t n, int64_t c, const int64_t *taps, int64_t count,
                       double *max_out, double *sum_w, double *sum_wx) {
    int64_t t, pin = plane_in(g);
    double m = -INFINITY, s = 0.0, sx = 0.0;
    for (t = 0; t < count; t++) {
        double v = x[offset(g, n, c, taps[t], pin)];
        if (v > m) m = v;
    }
    for (t = 0; t < count; t++) {
        double v = x[offset(g, n, c, taps[t], pin)];
        double w = exp(v - m);
        s += w;
        if (w > 0.0) sx += w * v; /* a -inf tap has weight 0 and contributes nothing (not 0 * -inf) */
    }
    *max_out = m;
    *sum_w = s;
    *sum_wx = sx;
}

/* ------------------------------------------------------------------------------------------------------ */

void naive_pool_output_dims(const simdpool_pool_desc *d, int64_t out[3]) {
    int i;
    for (i = 0; i < 3; i++) out[i] = 1;
    for (i = 0; i < d->spatial_dims; i++)
        out[i] = pool_out_size(d->in[i], d->kernel[i], d->stride[i], d->dilation[i], d->pad_begin[i],
                               d->pad_end[i], d->ceil_mode);
}

size_t naive_pool_input_elements(const simdpool_pool_desc *d) {
    geom g;
    pool_geom(d, &g);
    return (size_t)(g.n * g.c * plane_in(&g));
}

size_t naive_pool_output_elements(const simdpool_pool_desc *d) {
    geom g;
    pool_geom(d, &g);
    return (size_t)(g.n * g.c * plane_out(&g));
}

static void desc_to_axes(const simdpool_pool_desc *d, const int64_t o_desc[3], int64_t o[AXES]) {
    int i;
    o[0] = o[1] = o[2] = 0;
    for (i = 0; i < d->spatial_dims; i++) o[axis_of(d->spatial_dims, i)] = o_desc[i];
}

int64_t naive_pool_window_input_taps(const simdpool_pool_desc *d, const int64_t o_desc[3]) {
    geom g;
    int64_t o[AXES], count;
    int64_t *taps;
    pool_geom(d, &g);
    desc_to_axes(d, o_desc, o);
    taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)kernel_volume(&g));
    if (!taps) return -1;
    count = pool_window(&g, o, taps);
    free(taps);
    return count;
}

int naive_pool_has_empty_window(const simdpool_pool_desc *d) {
    geom g;
    int64_t q, o[AXES];
    int64_t *taps;
    int empty = 0;
    pool_geom(d, &g);
    taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)kernel_volume(&g));
    if (!taps) return -1;
    for (q = 0; q < plane_out(&g) && !empty; q++) {
        unflatten(&g, q, o);
        if (pool_window(&g, o, taps) == 0) empty = 1;
    }
    free(taps);
    return empty;
}

int64_t naive_pool_avg_divisor(const simdpool_pool_desc *d, const int64_t o_desc[3]) {
    geom g;
    int64_t o[AXES], count, div;
    int64_t *taps;
    pool_geom(d, &g);
    desc_to_axes(d, o_desc, o);
    taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)kernel_volume(&g));
    if (!taps) return -1;
    count = pool_window(&g, o, taps);
    div = pool_divisor(&g, d, o, count);
    free(taps);
    return div;
}

void naive_pool_forward(const simdpool_pool_desc *d, const float *x, float *y, int64_t *idx) {
    geom g;
    int64_t n, c, q, t, o[AXES];
    int64_t *taps;
    int64_t pin, pout;
    pool_geom(d, &g);
    pin = plane_in(&g);
    pout = plane_out(&g);
    taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)kernel_volume(&g));
    if (!taps) return;
    for (n = 0; n < g.n; n++) {
        for (c = 0; c < g.c; c++) {
            for (q = 0; q < pout; q++) {
                int64_t count;
                size_t yo = offset(&g, n, c, q, pout);
                float result = 0.0f;
                unflatten(&g, q, o);
                count = pool_window(&g, o, taps);
                switch (d->algorithm) {
                case SIMDPOOL_MAX:
                case SIMDPOOL_MIN: {
                    int64_t pos;
                    result = select_extreme(x, &g, n, c, taps, count, d->algorithm == SIMDPOOL_MIN, &pos);
                    if (idx) idx[yo] = pos;
                    break;
                }
                case SIMDPOOL_AVG: {
                    float sum = 0.0f;
                    int64_t div = pool_divisor(&g, d, o, count);
                    for (t = 0; t < count; t++) sum += x[offset(&g, n, c, taps[t], pin)];
                    result = (count == 0 || div <= 0) ? 0.0f : sum / (float)div;
                    break;
                }
                case SIMDPOOL_LP: {
                    float sum = 0.0f;
                    for (t = 0; t < count; t++) sum += powf(fabsf(x[offset(&g, n, c, taps[t], pin)]), d->p);
                    result = count == 0 ? 0.0f : powf(sum, 1.0f / d->p);
                    break;
                }
                case SIMDPOOL_SOFT: {
                    double m, s, sx;
                    if (count == 0) {
                        result = 0.0f;
                        break;
                    }
                    soft_stats(x, &g, n, c, taps, count, &m, &s, &sx);
                    result = (float)(sx / s);
                    break;
                }
                }
                y[yo] = result;
            }
        }
    }
    free(taps);
}

void naive_pool_backward(const simdpool_pool_desc *d, const float *dy, const int64_t *idx, const float *x,
                         const float *y, float *dx) {
    geom g;
    int64_t n, c, q, t, o[AXES];
    int64_t *taps;
    int64_t pin, pout;
    pool_geom(d, &g);
    pin = plane_in(&g);
    pout = plane_out(&g);
    memset(dx, 0, sizeof(float) * (size_t)(g.n * g.c * pin));
    taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)kernel_volume(&g));
    if (!taps) return;
    for (n = 0; n < g.n; n++) {
        for (c = 0; c < g.c; c++) {
            for (q = 0; q < pout; q++) {
                int64_t count;
                size_t yo = offset(&g, n, c, q, pout);
                float g_out = dy[yo];
                unflatten(&g, q, o);
                count = pool_window(&g, o, taps);
                switch (d->algorithm) {
                case SIMDPOOL_MAX:
                case SIMDPOOL_MIN: {
                    int64_t pos;
                    if (idx) {
                        pos = idx[yo];
                    } else {
                        (void)select_extreme(x, &g, n, c, taps, count, d->algorithm == SIMDPOOL_MIN, &pos);
                    }
                    if (pos >= 0 && pos < pin) dx[offset(&g, n, c, pos, pin)] += g_out;
                    break;
                }
                case SIMDPOOL_AVG: {
                    int64_t div = pool_divisor(&g, d, o, count);
                    float share;
                    if (count == 0 || div <= 0) break;
                    share = g_out / (float)div;
                    for (t = 0; t < count; t++) dx[offset(&g, n, c, taps[t], pin)] += share;
                    break;
                }
                case SIMDPOOL_LP: {
                    double yv = y[yo];
                    if (yv == 0.0) break;
                    for (t = 0; t < count; t++) {
                        size_t xo = offset(&g, n, c, taps[t], pin);
                        double xv = x[xo], sign = xv > 0.0 ? 1.0 : (xv < 0.0 ? -1.0 : 0.0);
                        double term;
                        if (sign == 0.0) continue;
                        term = (double)g_out * sign * pow(fabs(xv), (double)d->p - 1.0) /
                               pow(yv, (double)d->p - 1.0);
                        dx[xo] += (float)term;
                    }
                    break;
                }
                case SIMDPOOL_SOFT: {
                    double m, s, sx, yv = y[yo];
                    if (count == 0) break;
                    soft_stats(x, &g, n, c, taps, count, &m, &s, &sx);
                    for (t = 0; t < count; t++) {
                        size_t xo = offset(&g, n, c, taps[t], pin);
                        double xv = x[xo];
                        double w = exp(xv - m);
                        if (w > 0.0) dx[xo] += (float)((double)g_out * w / s * (1.0 + xv - yv));
                    }
                    break;
                }
                }
            }
        }
    }
    free(taps);
}

/* ------------------------------------------------------------------------------------------------------ */
/* Adaptive                                                                                               */

static void adaptive_geom(const simdpool_adaptive_desc *d, geom *g) {
    int a, i;
    memset(g, 0, sizeof(*g));
    g->algorithm = (int)d->algorithm;
    g->n = d->n;
    g->c = d->c;
    g->nhwc = d->layout == SIMDPOOL_NHWC;
    for (a = 0; a < AXES; a++) {
        g->in[a] = 1; g->out[a] = 1; g->k[a] = 1; g->s[a] = 1; g->dil[a] = 1;
    }
    for (i = 0; i < d->spatial_dims; i++) {
        a = axis_of(d->spatial_dims, i);
        g->in[a] = d->in[i];
        g->out[a] = d->out[i];
    }
}

/* Window [floor(i*in/out), ceil((i+1)*in/out)) on every axis; taps in row-major order. */
static int64_t adaptive_window(const geom *g, const int64_t o[AXES], int64_t *taps) {
    int64_t lo[AXES], hi[AXES], count = 0, pd, ph, pw;
    int a;
    for (a = 0; a < AXES; a++) {
        lo[a] = floor_div(o[a] * g->in[a], g->out[a]);
        hi[a] = ceil_div((o[a] + 1) * g->in[a], g->out[a]);
    }
    for (pd = lo[0]; pd < hi[0]; pd++)
        for (ph = lo[1]; ph < hi[1]; ph++)
            for (pw = lo[2]; pw < hi[2]; pw++) taps[count++] = (pd * g->in[1] + ph) * g->in[2] + pw;
    return count;
}

void naive_adaptive_output_dims(const simdpool_adaptive_desc *d, int64_t out[3]) {
    int i;
    for (i = 0; i < 3; i++) out[i] = 1;
    for (i = 0; i < d->spatial_dims; i++) out[i] = d->out[i];
}

size_t naive_adaptive_input_elements(const simdpool_adaptive_desc *d) {
    geom g;
    adaptive_geom(d, &g);
    return (size_t)(g.n * g.c * plane_in(&g));
}

size_t naive_adaptive_output_elements(const simdpool_adaptive_desc *d) {
    geom g;
    adaptive_geom(d, &g);
    return (size_t)(g.n * g.c * plane_out(&g));
}

void naive_adaptive_forward(const simdpool_adaptive_desc *d, const float *x, float *y, int64_t *idx) {
    geom g;
    int64_t n, c, q, t, o[AXES], pin, pout;
    int64_t *taps;
    adaptive_geom(d, &g);
    pin = plane_in(&g);
    pout = plane_out(&g);
    taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)pin);
    if (!taps) return;
    for (n = 0; n < g.n; n++) {
        for (c = 0; c < g.c; c++) {
            for (q = 0; q < pout; q++) {
                size_t yo = offset(&g, n, c, q, pout);
                int64_t count;
                unflatten(&g, q, o);
                count = adaptive_window(&g, o, taps);
                if (d->algorithm == SIMDPOOL_MAX || d->algorithm == SIMDPOOL_MIN) {
                    int64_t pos;
                    y[yo] = select_extreme(x, &g, n, c, taps, count, d->algorithm == SIMDPOOL_MIN, &pos);
                    if (idx) idx[yo] = pos;
                } else {
                    float sum = 0.0f;
                    for (t = 0; t < count; t++) sum += x[offset(&g, n, c, taps[t], pin)];
                    y[yo] = count == 0 ? 0.0f : sum / (float)count;
                }
            }
        }
    }
    free(taps);
}

void naive_adaptive_backward(const simdpool_adaptive_desc *d, const float *dy, const int64_t *idx, float *dx) {
    geom g;
    int64_t n, c, q, t, o[AXES], pin, pout;
    int64_t *taps;
    adaptive_geom(d, &g);
    pin = plane_in(&g);
    pout = plane_out(&g);
    memset(dx, 0, sizeof(float) * (size_t)(g.n * g.c * pin));
    taps = (int64_t *)malloc(sizeof(int64_t) * (size_t)pin);
    if (!taps) return;
    for (n = 0; n < g.n; n++) {
        for (c = 0; c < g.c; c++) {
            for (q = 0; q < pout; q++) {
                size_t yo = offset(&g, n, c, q, pout);
                if (d->algorithm == SIMDPOOL_MAX || d->algorithm == SIMDPOOL_MIN) {
                    int64_t pos = idx ? idx[yo] : -1;
                    if (pos >= 0 && pos < pin) dx[offset(&g, n, c, pos, pin)] += dy[yo];
                } else {
                    int64_t count;
                    float share;
                    unflatten(&g, q, o);
                    count = adaptive_window(&g, o, taps);
                    if (count == 0) continue;
                    share = dy[yo] / (float)count;
                    for (t = 0; t < count; t++) dx[offset(&g, n, c, taps[t], pin)] += share;
                }
            }
        }
    }
    free(taps);
}
