/*
 * Scalar max and min pooling, NCHW. Min is max's mirror: one body, specialised by the is_min flag.
 */
#include "pool_common.h"

static SP_ALWAYS_INLINE void extremum_fwd_nchw(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                                               size_t planes, int is_min, int with_idx)
{
    const int64_t in_plane = sp_in_plane(g), rows = g->out[0] * g->out[1], out_w = g->out[2];
    const int64_t out_plane = rows * out_w;
    const enum sp_reduce op = is_min ? SP_REDUCE_MIN : SP_REDUCE_MAX;
    for (size_t p = 0; p < planes; ++p) {
        for (int64_t r = 0; r < rows; ++r) {
            const sp_row row = sp_row_at(g, r);
            float *const y_row = y + r * out_w;
            int64_t *const idx_row = with_idx ? idx + r * out_w : NULL;
            /* The first tap (never absent for MAX/MIN) seeds the best, so -inf and -FLT_MAX inputs behave;
               scanning it again in the reduction changes nothing. */
            for (int64_t ow = 0; ow < out_w; ++ow) {
                const int64_t first = row.base + row.w_first[ow];
                y_row[ow] = x[first];
                if (with_idx) idx_row[ow] = first;
            }
            sp_nchw_reduce_row(g, &row, x, y_row, idx_row, op, with_idx, 0.0f);
            sp_clamp_span(g, y_row, out_w);
        }
        x += in_plane;
        y += out_plane;
        if (with_idx) idx += out_plane;
    }
}

/* Max and min alike: each output's gradient goes to its recorded tap, in output order. Indices outside the
   plane are skipped; the lowest one's position is returned (kernels.h). */
static int64_t extremum_bwd_nchw(const sp_pool_geometry *g, const float *restrict dy, const int64_t *restrict idx,
                                 float *restrict dx, size_t planes)
{
    const int64_t in_plane = sp_in_plane(g), out_plane = sp_out_plane(g);
    int64_t first_outside = -1;
    for (size_t p = 0; p < planes; ++p) {
        memset(dx, 0, (size_t)in_plane * sizeof(float));
        for (int64_t o = 0; o < out_plane; ++o) {
            const uint64_t at = (uint64_t)idx[o];
            if (at < (uint64_t)in_plane)
                dx[at] += dy[o];
            else if (first_outside < 0)
                first_outside = (int64_t)p * out_plane + o;
        }
        dy += out_plane;
        idx += out_plane;
        dx += in_plane;
    }
    return first_outside;
}

void sp_scalar_maxpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    if (idx)
        extremum_fwd_nchw(g, x, y, idx, planes, 0, 1);
    else
        extremum_fwd_nchw(g, x, y, NULL, planes, 0, 0);
}

void sp_scalar_minpool_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes)
{
    if (idx)
        extremum_fwd_nchw(g, x, y, idx, planes, 1, 1);
    else
        extremum_fwd_nchw(g, x, y, NULL, planes, 1, 0);
}

int64_t sp_scalar_maxpool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, size_t planes)
{
    (void)x;
    (void)y;
    return extremum_bwd_nchw(g, dy, idx, dx, planes);
}

int64_t sp_scalar_minpool_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                       const float *y, float *dx, size_t planes)
{
    (void)x;
    (void)y;
    return extremum_bwd_nchw(g, dy, idx, dx, planes);
}
