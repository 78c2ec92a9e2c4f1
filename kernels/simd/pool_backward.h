/*
 * Backward of MAX/MIN (routed through the forward's indices) and AVG for the SIMD ISAs (AVX2, AVX-512, NEON),
 * written once over the vector layer that each ISA folder's backward_vec.h defines (BV lanes, bv_* operations).
 * The including file picks the layer; everything here is static, so each ISA gets its own compiled copy.
 *
 * Bits: the scalar kernels zero dx and then add each window's contribution (dy for the routed tap, dy / divisor
 * for AVG) in output scan order. These kernels keep that order element by element, so results are identical.
 *
 * Disjoint windows (every axis: stride >= the window's extent, or a single window) are the common case
 * (2x2/2, 3x3/3): each dx element then lies in at most one window and receives 0 + (its one contribution), so
 * dx is written once, in memory order, with no zero fill and no read-modify-write. Each dx row (and, in NHWC,
 * each pixel) finds its window by dividing its position by the stride. For MAX/MIN, dx = dy + 0 where the
 * window's index names this element, else +0: a compare instead of a scatter. That equals the scatter only
 * if every index lies inside its own window (what the forward records); the kernels count the hits and, should
 * one be missing, redo that plane (NCHW) or the call's dx rows (NHWC, see bwd_routed_nhwc) with the scalar
 * scatter.
 *
 * Indices come from the caller (kernels.h): a hit is an exact match with a position inside the plane, so a full
 * hit count also proves every index valid, except in the two-column W path, which matches the low 32 bits only;
 * there the index vectors are OR-ed together and any high bit set sends the plane to the scalar scatter too,
 * which skips the indices outside the plane and finds the lowest one.
 *
 * Overlapping and adaptive windows zero dx and accumulate: AVG in vectors (along the output row in NCHW, along
 * channels in NHWC), MAX/MIN with the scalar scatter in NCHW and gather/scatter over channels in NHWC. NHWC
 * calls cover a block of dx rows (kernels.h): they add only the contributions whose tap or index lies in it.
 */
#ifndef SIMDPOOL_SIMD_POOL_BACKWARD_H
#define SIMDPOOL_SIMD_POOL_BACKWARD_H

#include <stdbool.h>

#include "scalar/pool_common.h"

/* ---------------------------------------------------------------------------------------------------------- */
/* Disjoint windows                                                                                            */

static inline bool bwd_windows_disjoint(const sp_pool_geometry *g)
{
    for (int a = 0; a < SP_AXES; ++a) {
        if (g->kernel[a] <= 0) return false; /* adaptive */
        const int64_t extent = (g->kernel[a] - 1) * g->dilation[a] + 1;
        if (g->out[a] > 1 && g->stride[a] < extent) return false;
    }
    return true;
}

/* Walks the input positions i = 0, 1, ... of one axis, tracking the only window that can hold each:
   i + pad_begin = o * stride + r, a tap of window o if r is a multiple of the dilation below the extent. */
typedef struct bwd_walk {
    int64_t o, r, stride, kernel, dilation, out;
} bwd_walk;

static inline bwd_walk bwd_walk_from(const sp_pool_geometry *g, int a, int64_t i)
{
    bwd_walk w;
    w.kernel = g->kernel[a];
    w.dilation = g->dilation[a];
    w.out = g->out[a];
    /* A single window may have a stride below its extent; any stride past the extent gives it the same taps. */
    const int64_t extent = (w.kernel - 1) * w.dilation + 1;
    w.stride = w.out == 1 && g->stride[a] < extent ? extent : g->stride[a];
    const int64_t q = i + g->pad_begin[a];
    w.o = q / w.stride;
    w.r = q - w.o * w.stride;
    return w;
}

static inline void bwd_walk_next(bwd_walk *w)
{
    if (++w->r == w->stride) {
        w->r = 0;
        ++w->o;
    }
}

/* The window holding the current position, or -1 if none does. */
static inline int64_t bwd_walk_owner(const bwd_walk *w)
{
    if (w->o >= w->out) return -1;
    if (w->dilation == 1) return w->r < w->kernel ? w->o : -1;
    return w->r % w->dilation == 0 && w->r / w->dilation < w->kernel ? w->o : -1;
}

/* W kernel 2, stride 2, dilation 1 (2x2/2 and its relatives): dx rows are built 2*BV columns at a time by
   bv_routed_pairs / bv_avg_pairs, whose positions are 32-bit. */
static inline bool bwd_pairs_along_w(const sp_pool_geometry *g)
{
    return g->kernel[2] == 2 && g->stride[2] == 2 && g->dilation[2] == 1 && g->full_begin[2] < g->full_end[2] &&
           sp_in_plane(g) <= INT32_MAX;
}

static inline void bwd_zero(float *dx, int64_t n)
{
    int64_t i = 0;
    for (; i + BV <= n; i += BV) bv_store(dx + i, bv_zero());
    if (i < n) bv_store_first(dx + i, n - i, bv_zero());
}

/* What one element of a disjoint window receives. */
enum bwd_kind { BWD_ROUTED, BWD_AVG };

/*
 * One dx row of an NCHW plane whose D and H taps belong to output row r (dy_r, idx_r, div_r: that row's
 * outputs); the row starts at plane position pos. Returns the routed hits (0 for AVG).
 */
static SP_ALWAYS_INLINE int64_t bwd_disjoint_nchw_row(const sp_pool_geometry *g, enum bwd_kind kind, bool pairs,
                                                      const float *restrict dy_r, const int64_t *restrict idx_r,
                                                      const float *restrict div_r, float *restrict dx, int64_t pos,
                                                      bv_index_bits *seen)
{
    const int64_t W = g->in[2];
    int64_t hits = 0, c = 0;
    /* Columns [c, end), one at a time. */
#define BWD_COLUMNS_UP_TO(end)                                                                                 \
    for (bwd_walk w_ = bwd_walk_from(g, 2, c); c < (end); ++c, bwd_walk_next(&w_)) {                           \
        const int64_t ow = bwd_walk_owner(&w_);                                                                \
        float v = 0.0f;                                                                                        \
        if (ow >= 0 && kind == BWD_AVG) v = dy_r[ow] / div_r[ow] + 0.0f;                                       \
        if (ow >= 0 && kind == BWD_ROUTED && idx_r[ow] == pos + c) {                                           \
            v = dy_r[ow] + 0.0f;                                                                               \
            ++hits;                                                                                            \
        }                                                                                                      \
        dx[c] = v;                                                                                             \
    }
    if (pairs) {
        int64_t o = g->full_begin[2];
        const int64_t o_end = g->full_end[2];
        BWD_COLUMNS_UP_TO(2 * o - g->pad_begin[2])
        for (; o + BV <= o_end; o += BV, c += 2 * BV) {
            if (kind == BWD_ROUTED)
                hits += bv_routed_pairs(idx_r + o, dy_r + o, dx + c, (int32_t)(pos + c), seen);
            else
                bv_avg_pairs(dy_r + o, div_r + o, dx + c);
        }
    }
    BWD_COLUMNS_UP_TO(W)
#undef BWD_COLUMNS_UP_TO
    return hits;
}

/* One NCHW plane with disjoint windows; returns the routed hits, and, for MAX/MIN, whether every index was
   placed exactly (a full count, and no index past 32 bits in the two-column path). */
static SP_ALWAYS_INLINE bool bwd_disjoint_nchw_plane(const sp_pool_geometry *g, enum bwd_kind kind, bool pairs,
                                                     const float *dy, const int64_t *idx, float *dx)
{
    const int64_t H = g->in[1], W = g->in[2], out_h = g->out[1], out_w = g->out[2];
    int64_t hits = 0;
    bv_index_bits seen = bv_index_bits_none();
    bwd_walk wd = bwd_walk_from(g, 0, 0);
    for (int64_t d = 0; d < g->in[0]; ++d, bwd_walk_next(&wd)) {
        const int64_t od = bwd_walk_owner(&wd);
        bwd_walk wh = bwd_walk_from(g, 1, 0);
        for (int64_t h = 0; h < H; ++h, bwd_walk_next(&wh)) {
            const int64_t oh = bwd_walk_owner(&wh), pos = (d * H + h) * W;
            if (od < 0 || oh < 0) {
                bwd_zero(dx + pos, W);
                continue;
            }
            const int64_t r = (od * out_h + oh) * out_w;
            hits += bwd_disjoint_nchw_row(g, kind, pairs, dy + r, kind == BWD_ROUTED ? idx + r : NULL,
                                          kind == BWD_AVG ? g->divisor + r : NULL, dx + pos, pos, &seen);
        }
    }
    return kind == BWD_AVG || (hits == sp_out_plane(g) && !bv_index_bits_past_32(seen));
}

/* ---------------------------------------------------------------------------------------------------------- */
/* NCHW                                                                                                        */

/* MAX and MIN alike; returns the lowest position of an index outside its plane, or -1 (kernels.h). `scatter` is
   the scalar kernel: overlapping windows, and planes whose indices the disjoint path could not all place. */
static inline int64_t bwd_routed_nchw(const sp_pool_geometry *g, const float *dy, const int64_t *idx, float *dx,
                                      size_t planes, sp_bwd_nchw_fn scatter)
{
    if (!bwd_windows_disjoint(g)) return scatter(g, dy, idx, NULL, NULL, dx, planes);
    const int64_t in_plane = sp_in_plane(g), out_plane = sp_out_plane(g);
    const bool pairs = bwd_pairs_along_w(g);
    int64_t first_outside = -1;
    for (size_t p = 0; p < planes; ++p) {
        const bool placed = pairs ? bwd_disjoint_nchw_plane(g, BWD_ROUTED, true, dy, idx, dx)
                                  : bwd_disjoint_nchw_plane(g, BWD_ROUTED, false, dy, idx, dx);
        if (!placed) {
            const int64_t outside = scatter(g, dy, idx, NULL, NULL, dx, 1);
            if (outside >= 0 && first_outside < 0) first_outside = (int64_t)p * out_plane + outside;
        }
        dy += out_plane;
        idx += out_plane;
        dx += in_plane;
    }
    return first_outside;
}

enum { BWD_SHARE_CHUNK = 256 };

/* Overlapping or adaptive AVG, one plane: zero, then add each window's share to its taps in output scan order.
   Along a tap row, a sliding-window row's full range runs tap by tap over all its windows, last tap first: every
   dx element then still sees its windows in increasing order, and each pass is a unit-stride (S = 1) or strided
   loop over independent elements. */
static inline void bwd_avg_overlapping_nchw_plane(const sp_pool_geometry *g, const float *dy, float *dx)
{
    const int64_t rows = g->out[0] * g->out[1], out_w = g->out[2];
    int64_t fb = g->full_begin[2], fe = g->full_end[2];
    if (fe <= fb) fb = fe = out_w; /* adaptive, or no window fully inside: tables only */
    const int64_t S = g->stride[2], K = g->kernel[2], dil = g->dilation[2], shift = -g->pad_begin[2];
    bwd_zero(dx, sp_in_plane(g));
    for (int64_t r = 0; r < rows; ++r) {
        const sp_row row = sp_row_at(g, r);
        const float *dy_r = dy + r * out_w, *div_r = g->divisor + r * out_w;
        for (int64_t off_d = row.base, d_end = off_d + row.nd * row.sd; off_d < d_end; off_d += row.sd) {
            for (int64_t off_h = off_d, h_end = off_h + row.nh * row.sh; off_h < h_end; off_h += row.sh) {
                float *restrict dx_row = dx + off_h;
                for (int64_t ow = 0; ow < fb; ++ow) {
                    const float share = dy_r[ow] / div_r[ow];
                    for (int64_t j = 0; j < row.w_taps[ow]; ++j) dx_row[row.w_first[ow] + j * dil] += share;
                }
                for (int64_t o0 = fb; o0 < fe; o0 += BWD_SHARE_CHUNK) {
                    const int64_t n = fe - o0 < BWD_SHARE_CHUNK ? fe - o0 : BWD_SHARE_CHUNK;
                    float share[BWD_SHARE_CHUNK];
                    int64_t k = 0;
                    for (; k + BV <= n; k += BV) bv_store(share + k, bv_share(bv_load(dy_r + o0 + k), bv_load(div_r + o0 + k)));
                    for (; k < n; ++k) share[k] = dy_r[o0 + k] / div_r[o0 + k];
                    for (int64_t j = K - 1; j >= 0; --j) {
                        float *restrict t = dx_row + o0 * S + shift + j * dil;
                        if (S == 1) {
                            for (k = 0; k + BV <= n; k += BV) bv_store(t + k, bv_add(bv_load(t + k), bv_load(share + k)));
                            for (; k < n; ++k) t[k] += share[k];
                        } else {
                            for (k = 0; k < n; ++k) t[k * S] += share[k];
                        }
                    }
                }
                for (int64_t ow = fe; ow < out_w; ++ow) {
                    const float share = dy_r[ow] / div_r[ow];
                    for (int64_t j = 0; j < row.w_taps[ow]; ++j) dx_row[row.w_first[ow] + j * dil] += share;
                }
            }
        }
    }
}

static inline void bwd_avg_nchw(const sp_pool_geometry *g, const float *dy, float *dx, size_t planes)
{
    const int64_t in_plane = sp_in_plane(g), out_plane = sp_out_plane(g);
    const bool disjoint = bwd_windows_disjoint(g), pairs = bwd_pairs_along_w(g);
    for (size_t p = 0; p < planes; ++p) {
        if (!disjoint)
            bwd_avg_overlapping_nchw_plane(g, dy, dx);
        else if (pairs)
            (void)bwd_disjoint_nchw_plane(g, BWD_AVG, true, dy, NULL, dx);
        else
            (void)bwd_disjoint_nchw_plane(g, BWD_AVG, false, dy, NULL, dx);
        dy += out_plane;
        dx += in_plane;
    }
}

/* ---------------------------------------------------------------------------------------------------------- */
/* NHWC: vectors over the channels of a pixel                                                                 */

static inline void bwd_zero_channels(float *dx_pixel, int64_t n)
{
    int64_t c = 0;
    for (; c + BV <= n; c += BV) bv_store(dx_pixel + c, bv_zero());
    if (c < n) bv_store_first(dx_pixel + c, n - c, bv_zero());
}

/* The scalar divisor d as a vector factor: its exact reciprocal where that gives the quotient's bits (see
   bv_share), else d itself, to divide by. */
static inline bool bwd_exact_reciprocal(float d, float *recip)
{
    uint32_t bits;
    memcpy(&bits, &d, sizeof bits);
    if ((bits & 0x807FFFFFu) != 0 || bits < 0x00800000u || bits > 0x7E800000u) return false;
    const uint32_t r = 0x7F000000u - bits;
    memcpy(recip, &r, sizeof r);
    return true;
}

/* n channels of one pixel of disjoint windows: dy is at the window's output pixel o, dx at input pixel pos. */
static SP_ALWAYS_INLINE int64_t bwd_disjoint_nhwc_pixel(enum bwd_kind kind, const float *restrict dy,
                                                        const int64_t *restrict idx, float divisor,
                                                        float *restrict dx, int64_t pos, int64_t n)
{
    int64_t hits = 0;
    float recip = 0.0f;
    const bool by_recip = kind == BWD_AVG && bwd_exact_reciprocal(divisor, &recip);
    const bv_f factor = bv_set1(by_recip ? recip : divisor), zero = bv_zero();
    for (int64_t c = 0; c < n; c += BV) {
        const int64_t m = n - c < BV ? n - c : BV;
        const bv_f d = m == BV ? bv_load(dy + c) : bv_load_first(dy + c, m);
        bv_f v;
        if (kind == BWD_ROUTED) {
            const bv_mask hit = bv_routed(idx + c, pos, m);
            hits += bv_count(hit);
            v = bv_keep(hit, bv_add(d, zero));
        } else {
            v = bv_add(by_recip ? bv_mul(d, factor) : bv_div(d, factor), zero);
        }
        if (m == BV)
            bv_store(dx + c, v);
        else
            bv_store_first(dx + c, m, v);
    }
    return hits;
}

/* The dx rows [row_begin, row_end) of one image with disjoint windows; returns the routed hits. */
static SP_ALWAYS_INLINE int64_t bwd_disjoint_nhwc(const sp_pool_geometry *g, enum bwd_kind kind, const float *dy,
                                                  const int64_t *idx, float *dx, int64_t row_begin, int64_t row_end)
{
    const int64_t C = g->channels, H = g->in[1], W = g->in[2], out_h = g->out[1], out_w = g->out[2];
    int64_t hits = 0;
    for (int64_t row = row_begin; row < row_end; ++row) {
        const int64_t d = row / H, row_pos = row * W;
        const bwd_walk wd = bwd_walk_from(g, 0, d), wh = bwd_walk_from(g, 1, row - d * H);
        const int64_t od = bwd_walk_owner(&wd), oh = bwd_walk_owner(&wh);
        if (od < 0 || oh < 0) {
            bwd_zero(dx + row_pos * C, W * C);
            continue;
        }
        const int64_t out_row = (od * out_h + oh) * out_w;
        bwd_walk ww = bwd_walk_from(g, 2, 0);
        for (int64_t w = 0; w < W; ++w, bwd_walk_next(&ww)) {
            const int64_t ow = bwd_walk_owner(&ww), pos = row_pos + w;
            if (ow < 0) {
                bwd_zero_channels(dx + pos * C, C);
                continue;
            }
            const int64_t o = out_row + ow;
            hits += bwd_disjoint_nhwc_pixel(kind, dy + o * C, kind == BWD_ROUTED ? idx + o * C : NULL,
                                            kind == BWD_AVG ? g->divisor[o] : 0.0f, dx + pos * C, pos, C);
        }
    }
    return hits;
}

/* Whether output row r's window has taps and all of them lie in dx rows [row_begin, row_end): its taps' rows
   grow with (d, h), so the first and the last bound them. */
static inline bool bwd_window_within_rows(const sp_pool_geometry *g, int64_t r, int64_t row_begin, int64_t row_end)
{
    const int64_t od = r / g->out[1], oh = r - od * g->out[1];
    const int64_t nd = g->taps[0][od], nh = g->taps[1][oh];
    if (nd == 0 || nh == 0) return false;
    const int64_t first = g->first[0][od] * g->in[1] + g->first[1][oh];
    const int64_t last =
        (g->first[0][od] + (nd - 1) * g->dilation[0]) * g->in[1] + g->first[1][oh] + (nh - 1) * g->dilation[1];
    return first >= row_begin && last < row_end;
}

/* Adds to *landed how many of n indices lie in pixels [first_pixel, first_pixel + pixels); returns whether any
   lies outside [0, in_pixels). Branch-free, so it vectorises. */
static inline bool bwd_count_landings(const int64_t *restrict idx, int64_t n, int64_t first_pixel, int64_t pixels,
                                      int64_t in_pixels, int64_t *landed)
{
    uint64_t outside = 0;
    int64_t count = 0;
    for (int64_t i = 0; i < n; ++i) {
        const uint64_t at = (uint64_t)idx[i];
        count += at - (uint64_t)first_pixel < (uint64_t)pixels;
        outside |= at >= (uint64_t)in_pixels;
    }
    *landed += count;
    return outside != 0;
}

/* The lowest of n positions whose index lies outside [0, in_pixels): the search after a vector check failed. */
static int64_t bwd_first_outside(const int64_t *idx, int64_t n, int64_t in_pixels)
{
    for (int64_t i = 0; i < n; ++i)
        if ((uint64_t)idx[i] >= (uint64_t)in_pixels) return i;
    return -1;
}

#ifndef SP_BV_HAS_SCATTER
/* NHWC, overlapping windows: dx[idx[i] * C + i] += dy[i] for lanes i < C whose index lies in the call's pixels
   [first_pixel, first_pixel + pixels) (distinct channels, so no conflicts); returns whether some index lies
   outside [0, in_pixels). For vector layers without a scatter (AVX2, NEON): lane by lane. */
SP_KERNEL_INLINE bool bv_routed_accumulate(float *dx, const int64_t *idx, const float *dy, int64_t C,
                                           int64_t first_pixel, int64_t pixels, int64_t in_pixels)
{
    bool outside = false;
    for (int64_t i = 0; i < C; ++i) {
        const uint64_t at = (uint64_t)idx[i];
        if (at - (uint64_t)first_pixel < (uint64_t)pixels) dx[(int64_t)at * C + i] += dy[i];
        outside |= at >= (uint64_t)in_pixels;
    }
    return outside;
}
#endif

/*
 * MAX and MIN alike, dx rows [row_begin, row_end) of one image; returns the lowest position of an index outside
 * its plane, or -1 (kernels.h). `scatter` is the scalar kernel.
 *
 * Disjoint windows: the compare path fills the rows from their own windows' indices, which is the whole answer
 * if every index that lands in the rows was placed by a compare. Output rows whose windows lie within the rows
 * must all hit (each index in its window); every other output row's indices are only counted where they land
 * in the rows (a window straddling the rows' edge hits there; any other landing is an index outside its window,
 * which the compares miss). A short count, or an index outside the plane, sends the rows to the scalar scatter.
 */
static inline int64_t bwd_routed_nhwc(const sp_pool_geometry *g, const float *dy, const int64_t *idx, float *dx,
                                      int64_t row_begin, int64_t row_end, sp_bwd_nhwc_fn scatter)
{
    const int64_t C = g->channels, out_w = g->out[2], rows = g->out[0] * g->out[1], in_pixels = sp_in_plane(g);
    const int64_t first_pixel = row_begin * g->in[2], pixels = (row_end - row_begin) * g->in[2];
    if (bwd_windows_disjoint(g)) {
        const int64_t hits = bwd_disjoint_nhwc(g, BWD_ROUTED, dy, idx, dx, row_begin, row_end);
        int64_t expected = 0;
        bool outside = false;
        for (int64_t r = 0; r < rows; ++r) {
            if (bwd_window_within_rows(g, r, row_begin, row_end))
                expected += out_w * C;
            else
                outside |= bwd_count_landings(idx + r * out_w * C, out_w * C, first_pixel, pixels, in_pixels, &expected);
        }
        if (!outside && hits == expected) return -1;
        return scatter(g, dy, idx, NULL, NULL, dx, row_begin, row_end);
    }
    bwd_zero(dx + first_pixel * C, pixels * C);
    bool outside = false;
    for (int64_t o = 0; o < rows * out_w; ++o)
        outside |= bv_routed_accumulate(dx, idx + o * C, dy + o * C, C, first_pixel, pixels, in_pixels);
    return outside ? bwd_first_outside(idx, rows * out_w * C, in_pixels) : -1;
}

static inline void bwd_avg_nhwc(const sp_pool_geometry *g, const float *dy, float *dx, int64_t row_begin,
                                int64_t row_end)
{
    if (bwd_windows_disjoint(g)) {
        bwd_disjoint_nhwc(g, BWD_AVG, dy, NULL, dx, row_begin, row_end);
        return;
    }
    const int64_t C = g->channels, rows = g->out[0] * g->out[1], out_w = g->out[2], n = C;
    const int64_t first_pixel = row_begin * g->in[2], end_pixel = row_end * g->in[2];
    bwd_zero(dx + first_pixel * C, (end_pixel - first_pixel) * C);
    for (int64_t r = 0; r < rows; ++r) {
        if (!sp_window_touches_rows(g, r, row_begin, row_end)) continue;
        const sp_row row = sp_row_at(g, r);
        for (int64_t ow = 0; ow < out_w; ++ow) {
            const sp_window win = sp_window_at(&row, ow);
            const int64_t o = r * out_w + ow;
            float recip = 0.0f;
            const bool by_recip = bwd_exact_reciprocal(g->divisor[o], &recip);
            const bv_f factor = bv_set1(by_recip ? recip : g->divisor[o]);
            const float *dy_o = dy + o * C;
            for (int64_t c = 0; c < n; c += BV) {
                const int64_t m = n - c < BV ? n - c : BV;
                const bv_f d = m == BV ? bv_load(dy_o + c) : bv_load_first(dy_o + c, m);
                const bv_f share = by_recip ? bv_mul(d, factor) : bv_div(d, factor);
                SP_FOR_EACH_TAP(win, off) {
                    if (off < first_pixel || off >= end_pixel) continue;
                    float *t = dx + off * C + c;
                    if (m == BV)
                        bv_store(t, bv_add(bv_load(t), share));
                    else
                        bv_store_first(t, m, bv_add(bv_load_first(t, m), share));
                }
            }
        }
    }
}

#endif /* SIMDPOOL_SIMD_POOL_BACKWARD_H */
