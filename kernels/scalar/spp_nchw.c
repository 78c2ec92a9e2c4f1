/*
 * Scalar spatial pyramid pooling, NCHW: MAX's forward (below; AVG's runs each level's adaptive pooling kernel)
 * and the backward. The backward must add every level's contribution into the same dx, so it has a kernel of its own: for each
 * channel plane it zeroes dx and then walks the levels in order, bins in row-major order, MAX routing dy
 * through the recorded index, AVG spreading dy / (window size) over the bin's window. The accumulation order
 * per dx element is fixed (level, bin), so results never depend on how channels are split over threads.
 */
#include "pool_common.h"
#include "ops_kernels.h"

int64_t sp_scalar_spp_bwd_nchw_f32(const sp_spp_geometry *g, const float *dy_row, const int64_t *idx_row, float *dx,
                                   int64_t c_begin, int64_t c_end)
{
    const int64_t in_plane = g->in_plane;
    int64_t first_bad = -1;
    for (int64_t c = c_begin; c < c_end; ++c) {
        float *restrict dxp = dx + c * in_plane;
        memset(dxp, 0, (size_t)in_plane * sizeof(float));
        for (int l = 0; l < g->num_levels; ++l) {
            const sp_pool_geometry *lg = g->level[l];
            const int64_t bins = sp_out_plane(lg), out_w = lg->out[2];
            const int64_t block = g->level_offset[l] + c * bins; /* this channel's bins in the row */
            const float *dy = dy_row + block;
            if (g->is_max) {
                const int64_t *ix = idx_row + block;
                for (int64_t b = 0; b < bins; ++b) {
                    if ((uint64_t)ix[b] >= (uint64_t)in_plane) {
                        if (first_bad < 0 || block + b < first_bad) first_bad = block + b;
                        continue;
                    }
                    dxp[ix[b]] += dy[b];
                }
                continue;
            }
            for (int64_t r = 0; r < lg->out[0] * lg->out[1]; ++r) {
                const sp_row row = sp_row_at(lg, r);
                for (int64_t ow = 0; ow < out_w; ++ow) {
                    const sp_window win = sp_window_at(&row, ow);
                    const float share = dy[r * out_w + ow] / lg->divisor[r * out_w + ow];
                    SP_FOR_EACH_TAP(win, off) dxp[off] += share;
                }
            }
        }
    }
    return first_bad;
}

/*
 * Forward, MAX, NCHW: all levels of planes [c_begin, c_end) of one image (x: the image's first plane; y_row,
 * idx_row: the image's row of F values; idx_row may be NULL). A plane is small and every level reads all of it,
 * so each level is reduced in two passes: down the columns of a row of bins (rows of the input in order, every
 * column at once: contiguous, so the compiler vectorises it) and then across each bin's columns. Max pooling's
 * rule in scan order (the first tap seeds, a later one wins if strictly greater or NaN) is then reproduced
 * exactly by merging the column results with their positions: a NaN wins over a number and the later of two
 * NaNs wins; otherwise the greater value wins and of two equal ones (-0 and +0 too) the earlier.
 */
enum { SPP_COLUMN_CHUNK = 256 };

/* Merges a column's result (v at position at) into a bin's running result. */
static inline void spp_merge(float v, int64_t at, float *best, int64_t *best_at)
{
    const int v_nan = isnan(v), best_nan = isnan(*best);
    const int take = (v_nan | best_nan) ? v_nan && (!best_nan || at > *best_at)
                                        : (v > *best) | ((v == *best) & (at < *best_at));
    if (take) {
        *best = v;
        *best_at = at;
    }
}

/* Bins [ow0, ow1) of bin row oh of level geometry lg for one plane, through column results over input columns
   [w_lo, w_hi) (w_hi - w_lo <= SPP_COLUMN_CHUNK). */
static void spp_max_bins(const sp_pool_geometry *lg, const float *xp, int64_t oh, int64_t ow0, int64_t ow1,
                         int64_t w_lo, int64_t w_hi, float *y, int64_t *idx)
{
    const int64_t W = lg->in[2], h0 = lg->first[1][oh], nh = lg->taps[1][oh], n = w_hi - w_lo;
    float col[SPP_COLUMN_CHUNK];
    int32_t col_row[SPP_COLUMN_CHUNK]; /* the winner's row within the bin row: same-width lanes as col */
    const float *row0 = xp + h0 * W + w_lo;
    for (int64_t w = 0; w < n; ++w) {
        col[w] = row0[w];
        col_row[w] = 0;
    }
    for (int32_t h = 1; h < (int32_t)nh; ++h) {
        const float *row = row0 + h * W;
        for (int64_t w = 0; w < n; ++w) {
            const float v = row[w];
            const int32_t won = -(int32_t)sp_wins(v, col[w], 0);
            col_row[w] = (h & won) | (col_row[w] & ~won);
            col[w] = sp_pick(v, col[w], 0);
        }
    }
    for (int64_t ow = ow0; ow < ow1; ++ow) {
        const int64_t w_first = lg->first[2][ow], nw = lg->taps[2][ow];
        float best = col[w_first - w_lo];
        int64_t best_at = (h0 + col_row[w_first - w_lo]) * W + w_first;
        for (int64_t w = w_first + 1; w < w_first + nw; ++w)
            spp_merge(col[w - w_lo], (h0 + col_row[w - w_lo]) * W + w, &best, &best_at);
        y[ow] = best;
        if (idx) idx[ow] = best_at;
    }
}

/* One bin scanned tap by tap (a bin wider than a column chunk). */
static void spp_max_bin_direct(const sp_pool_geometry *lg, const float *xp, int64_t oh, int64_t ow, float *y,
                               int64_t *idx)
{
    const int64_t W = lg->in[2], h0 = lg->first[1][oh], nh = lg->taps[1][oh];
    const int64_t w0 = lg->first[2][ow], nw = lg->taps[2][ow];
    float best = xp[h0 * W + w0];
    int64_t best_at = h0 * W + w0;
    for (int64_t h = h0; h < h0 + nh; ++h)
        for (int64_t w = w0; w < w0 + nw; ++w) {
            best_at = sp_pick_at(xp[h * W + w], best, 0, h * W + w, best_at);
            best = sp_pick(xp[h * W + w], best, 0);
        }
    y[ow] = best;
    if (idx) idx[ow] = best_at;
}

/*
 * Small planes (the usual pyramid input, e.g. 13 x 13): a tile of channels is transposed into a pixel-major
 * buffer, then every bin is scanned tap by tap for all the tile's channels at once -- contiguous lanes, each one
 * the scalar scan of its own channel, which the compiler vectorises (positions as int32 lanes beside the
 * floats). This is NHWC's loop structure; the separable passes above serve the planes too large for the buffer.
 */
enum { SPP_TILE_CHANNELS = 16, SPP_TILE_PLANE = 512 };

/* Four lanes as one value (GCC/Clang vector extension: SSE2 on x86, NEON on Arm): lane-wise IEEE compares and
   bitwise blends, so each lane is exactly the scalar rule; written out because the compiler did not vectorise
   the rule's NaN test across a tile on its own. */
typedef float spp_v4 __attribute__((vector_size(16)));
typedef int32_t spp_v4i __attribute__((vector_size(16)));
enum { SPP_TILE_VECTORS = SPP_TILE_CHANNELS / 4 };

static void spp_max_tile(const sp_spp_geometry *g, const float *x, float *y_row, int64_t *idx_row, int64_t c0,
                         int64_t cn)
{
    const int64_t in_plane = g->in_plane;
    spp_v4 buf[SPP_TILE_PLANE * SPP_TILE_VECTORS]; /* pixel-major: the tile's channels of pixel p at p * VECTORS */
    float *lanes = (float *)buf;
    for (int64_t j = 0; j < SPP_TILE_CHANNELS; ++j) {
        /* Lanes past the last channel get zeros: they are scanned but never stored. */
        const float *xp = x + (c0 + (j < cn ? j : 0)) * in_plane;
        for (int64_t p = 0; p < in_plane; ++p) lanes[p * SPP_TILE_CHANNELS + j] = j < cn ? xp[p] : 0.0f;
    }
    for (int l = 0; l < g->num_levels; ++l) {
        const sp_pool_geometry *lg = g->level[l];
        const int32_t W = (int32_t)lg->in[2];
        const int64_t out_h = lg->out[1], out_w = lg->out[2], bins = out_h * out_w;
        for (int64_t oh = 0; oh < out_h; ++oh)
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const int32_t h0 = (int32_t)lg->first[1][oh], nh = lg->taps[1][oh];
                const int32_t w0 = (int32_t)lg->first[2][ow], nw = lg->taps[2][ow];
                spp_v4 best[SPP_TILE_VECTORS];
                spp_v4i at[SPP_TILE_VECTORS];
                for (int v = 0; v < SPP_TILE_VECTORS; ++v) {
                    best[v] = buf[(h0 * W + w0) * SPP_TILE_VECTORS + v];
                    at[v] = (spp_v4i){0, 0, 0, 0} + (h0 * W + w0);
                }
                for (int32_t h = h0; h < h0 + nh; ++h)
                    for (int32_t w = w0; w < w0 + nw; ++w) {
                        const int32_t pos = h * W + w;
                        for (int v = 0; v < SPP_TILE_VECTORS; ++v) {
                            const spp_v4 xv = buf[pos * SPP_TILE_VECTORS + v];
                            const spp_v4i won = (xv > best[v]) | (xv != xv); /* sp_wins, lane-wise */
                            at[v] = (won & pos) | (~won & at[v]);
                            best[v] = (spp_v4)((won & (spp_v4i)xv) | (~won & (spp_v4i)best[v]));
                        }
                    }
                const int64_t b = g->level_offset[l] + c0 * bins + oh * out_w + ow;
                for (int64_t j = 0; j < cn; ++j) {
                    y_row[b + j * bins] = best[j / 4][j % 4];
                    if (idx_row) idx_row[b + j * bins] = at[j / 4][j % 4];
                }
            }
    }
}

void sp_scalar_spp_maxpool_fwd_nchw_f32(const sp_spp_geometry *g, const float *x, float *y_row,
                                        int64_t *idx_row, int64_t c_begin, int64_t c_end)
{
    if (g->in_plane <= SPP_TILE_PLANE) {
        for (int64_t c0 = c_begin; c0 < c_end; c0 += SPP_TILE_CHANNELS)
            spp_max_tile(g, x, y_row, idx_row, c0, c_end - c0 < SPP_TILE_CHANNELS ? c_end - c0 : SPP_TILE_CHANNELS);
        return;
    }

    for (int64_t c = c_begin; c < c_end; ++c) {
        const float *xp = x + c * g->in_plane;
        for (int l = 0; l < g->num_levels; ++l) {
            const sp_pool_geometry *lg = g->level[l];
            const int64_t out_h = lg->out[1], out_w = lg->out[2], bins = out_h * out_w;
            const int64_t block = g->level_offset[l] + c * bins;
            for (int64_t oh = 0; oh < out_h; ++oh) {
                float *y = y_row + block + oh * out_w;
                int64_t *idx = idx_row ? idx_row + block + oh * out_w : NULL;
                /* Groups of consecutive bins whose columns fit a chunk (adaptive bins move right). */
                for (int64_t ow0 = 0; ow0 < out_w;) {
                    const int64_t w_lo = lg->first[2][ow0];
                    int64_t ow1 = ow0, w_hi = w_lo;
                    while (ow1 < out_w && lg->first[2][ow1] + lg->taps[2][ow1] - w_lo <= SPP_COLUMN_CHUNK) {
                        const int64_t end = lg->first[2][ow1] + lg->taps[2][ow1];
                        w_hi = end > w_hi ? end : w_hi;
                        ++ow1;
                    }
                    if (ow1 == ow0 || lg->taps[1][oh] > INT32_MAX) {
                        spp_max_bin_direct(lg, xp, oh, ow0, y, idx);
                        ++ow0;
                        continue;
                    }
                    spp_max_bins(lg, xp, oh, ow0, ow1, w_lo, w_hi, y, idx);
                    ow0 = ow1;
                }
            }
        }
    }
}
