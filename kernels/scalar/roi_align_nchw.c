/*
 * Scalar RoI align, NCHW (torchvision's roi_align, CPU). A box's bilinear samples (positions and weights) are the
 * same for every channel, so they are computed once per box into a table -- torchvision's pre_calc -- and then
 * applied channel by channel: a channel's samples all lie in the box's part of its plane, which stays in L1
 * across the box's bins. A box whose samples overflow the table is processed in groups of bins (or, for a bin
 * with a huge adaptive grid, in chunks of its samples, the partial sum parked in y).
 *
 * Forward: each output element receives its terms in sample order, each term torchvision's expression, so the
 * sums are the same float operations. Backward: one image and channel block per call; boxes in order, then per
 * channel bins and samples in order, each sample's dy * w / count added to the four pixels (corners in order),
 * as torchvision's sequential loop (channels are independent: different planes).
 */
#include "roi_common.h"

/* Bilinear samples per table (24 KiB of stack); channels per forward tile. */
enum { ALIGN_TABLE = 512, ALIGN_CHANNEL_TILE = 8 };

/* Four floats as one value (GCC/Clang vector extension: SSE on x86, NEON on Arm); arithmetic is lane-wise IEEE,
   the same results as four scalar operations. */
typedef float sp_align_v4 __attribute__((vector_size(16)));

typedef struct align_tap {
    int64_t p[4];
    sp_align_v4 w;
} align_tap;

/* Samples [k0, k0 + kn) of bin `bin` (row-major grid order) appended to t; invalid ones too if keep_invalid
   (the forward adds their 0 * x[0], as torchvision does), else skipped. Returns the new count. */
static int64_t align_fill(const sp_roi_geometry *g, const sp_align_box *b, int64_t bin, int64_t k0, int64_t kn,
                          int keep_invalid, align_tap *t, int64_t n)
{
    const int64_t ph = bin / g->pooled_w, pw = bin % g->pooled_w;
    for (int64_t k = k0; k < k0 + kn; ++k) {
        const int64_t iy = k / b->grid_w, ix = k % b->grid_w;
        const sp_bilinear s = sp_bilinear_at(g->height, g->width, sp_align_coord(b->start_h, b->bin_h, b->grid_h, ph, iy),
                                             sp_align_coord(b->start_w, b->bin_w, b->grid_w, pw, ix));
        if (!s.valid && !keep_invalid) continue;
        t[n] = (align_tap){{s.p1, s.p2, s.p3, s.p4}, {s.w1, s.w2, s.w3, s.w4}};
        ++n;
    }
    return n;
}

/* A group of bins [bin0, bin0 + nb) and of their samples [k0, k0 + kn): nb == 1 unless the group holds whole
   bins (k0 == 0, kn == total). */
typedef struct align_group {
    int64_t bin0, nb, k0, kn;
} align_group;

/* The next group after `prev` (prev.nb == 0: the first), or nb == 0 when done. */
static align_group align_next_group(int64_t bins, int64_t total, align_group prev)
{
    align_group next = prev;
    if (prev.nb > 0 && prev.k0 + prev.kn < total) { /* the next chunk of the same bin */
        next.k0 = prev.k0 + prev.kn;
        next.kn = total - next.k0 < ALIGN_TABLE ? total - next.k0 : ALIGN_TABLE;
        return next;
    }
    next.bin0 = prev.bin0 + prev.nb;
    if (next.bin0 >= bins) {
        next.nb = 0;
        return next;
    }
    const int64_t fit = ALIGN_TABLE / total; /* whole bins per table (0 if one bin overflows it) */
    next.nb = fit >= 1 ? (bins - next.bin0 < fit ? bins - next.bin0 : fit) : 1;
    next.k0 = 0;
    next.kn = total < ALIGN_TABLE ? total : ALIGN_TABLE;
    return next;
}

/* Channels [0, cn) of a tile (xp0: the first one's plane, yc: its outputs of the group's first bin) over the
   group's table: a table entry is loaded once for the tile, and the tile's planes stay in L1. */
static SP_ALWAYS_INLINE void align_fwd_tile(const align_tap *t, const align_group *grp, int64_t total, float count,
                                            const float *xp0, int64_t plane, float *yc, int64_t bins, int64_t cn)
{
    const int first = grp->k0 == 0, last = grp->k0 + grp->kn == total;
    const align_tap *tk = t;
    for (int64_t i = 0; i < grp->nb; ++i) {
        float acc[ALIGN_CHANNEL_TILE];
        for (int64_t j = 0; j < cn; ++j) acc[j] = first ? 0.0f : yc[j * bins + i];
        for (int64_t k = 0; k < grp->kn; ++k, ++tk) {
            const int64_t p0 = tk->p[0], p1 = tk->p[1], p2 = tk->p[2], p3 = tk->p[3];
            const float w0 = tk->w[0], w1 = tk->w[1], w2 = tk->w[2], w3 = tk->w[3];
            for (int64_t j = 0; j < cn; ++j) {
                const float *xp = xp0 + j * plane;
                acc[j] += w0 * xp[p0] + w1 * xp[p1] + w2 * xp[p2] + w3 * xp[p3];
            }
        }
        for (int64_t j = 0; j < cn; ++j) yc[j * bins + i] = last ? acc[j] / count : acc[j];
    }
}

void sp_scalar_roi_align_fwd_nchw_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                      int64_t c_begin, int64_t c_end)
{
    const sp_align_box b = sp_align_box_of(g, box);
    const int64_t plane = g->height * g->width, bins = g->pooled_h * g->pooled_w;
    const float *xb = x + b.batch * g->channels * plane;
    if (!sp_align_has_samples(&b)) {
        for (int64_t c = c_begin; c < c_end; ++c)
            for (int64_t bin = 0; bin < bins; ++bin) y[c * bins + bin] = 0.0f;
        return;
    }
    const int64_t total = b.grid_h * b.grid_w;
    align_tap t[ALIGN_TABLE];
    for (align_group grp = align_next_group(bins, total, (align_group){0, 0, 0, 0}); grp.nb > 0;
         grp = align_next_group(bins, total, grp)) {
        int64_t n = 0;
        for (int64_t i = 0; i < grp.nb; ++i) n = align_fill(g, &b, grp.bin0 + i, grp.k0, grp.kn, 1, t, n);
        int64_t c = c_begin;
        for (; c + ALIGN_CHANNEL_TILE <= c_end; c += ALIGN_CHANNEL_TILE)
            align_fwd_tile(t, &grp, total, b.count, xb + c * plane, plane, y + c * bins + grp.bin0, bins,
                           ALIGN_CHANNEL_TILE);
        if (c < c_end)
            align_fwd_tile(t, &grp, total, b.count, xb + c * plane, plane, y + c * bins + grp.bin0, bins,
                           c_end - c);
    }
}

void sp_scalar_roi_align_bwd_nchw_f32(const sp_roi_geometry *g, const float *dy, const float *boxes,
                                      size_t num_boxes, float *dx_image, int64_t image, int64_t c_begin,
                                      int64_t c_end)
{
    const int64_t plane = g->height * g->width, bins = g->pooled_h * g->pooled_w, C = g->channels;
    memset(dx_image + c_begin * plane, 0, (size_t)((c_end - c_begin) * plane) * sizeof(float));
    align_tap t[ALIGN_TABLE];
    int64_t bin_end[ALIGN_TABLE]; /* per bin of the group: end of its (valid) samples in t */
    for (size_t k = 0; k < num_boxes; ++k) {
        const float *box = boxes + 5 * k;
        if ((int64_t)box[0] != image) continue;
        const sp_align_box b = sp_align_box_of(g, box);
        if (!sp_align_has_samples(&b)) continue;
        /* torchvision's backward divides by grid_h * grid_w (positive here). */
        const float count = (float)(b.grid_h * b.grid_w);
        const sp_align_v4 count_v = {count, count, count, count};
        const int64_t total = b.grid_h * b.grid_w;
        const float *dyk = dy + (int64_t)k * C * bins;
        for (align_group grp = align_next_group(bins, total, (align_group){0, 0, 0, 0}); grp.nb > 0;
             grp = align_next_group(bins, total, grp)) {
            int64_t n = 0;
            for (int64_t i = 0; i < grp.nb; ++i) {
                n = align_fill(g, &b, grp.bin0 + i, grp.k0, grp.kn, 0, t, n);
                bin_end[i] = n;
            }
            for (int64_t c = c_begin; c < c_end; ++c) {
                float *dxp = dx_image + c * plane;
                const float *dyc = dyk + c * bins + grp.bin0;
                for (int64_t i = 0, e = 0; i < grp.nb; ++i) {
                    const float grad = dyc[i];
                    for (; e < bin_end[i]; ++e) {
                        /* The four quotients at once (lane-wise, so each is torchvision's grad * w / count): the
                           divisions dominated. */
                        const sp_align_v4 q = (sp_align_v4){grad, grad, grad, grad} * t[e].w / count_v;
                        dxp[t[e].p[0]] += q[0];
                        dxp[t[e].p[1]] += q[1];
                        dxp[t[e].p[2]] += q[2];
                        dxp[t[e].p[3]] += q[3];
                    }
                }
            }
        }
    }
}
