/*
 * Scalar index routing, NHWC (see unpool_nchw.c). The scatter owns a block of channels of one image, so tasks
 * on different blocks never write the same element; within a block, elements are routed in scan order, so a
 * later duplicate overwrites (or adds after) an earlier one whatever the thread count. The gather owns a range
 * of pixels; its inner loop runs over the contiguous channels of one pixel.
 */
#include <string.h>

#include "ops_kernels.h"

int64_t sp_scalar_scatter_nhwc_f32(const sp_route_geometry *g, const float *src, const int64_t *idx, float *dst,
                                   int64_t c_begin, int64_t c_end, int accumulate)
{
    const int64_t C = g->channels, src_plane = g->src_plane, dst_plane = g->dst_plane;
    const size_t bytes = (size_t)(c_end - c_begin) * sizeof(float);
    if (c_begin == 0 && c_end == C)
        memset(dst, 0, (size_t)dst_plane * bytes);
    else
        for (int64_t p = 0; p < dst_plane; ++p) memset(dst + p * C + c_begin, 0, bytes);
    int64_t first_bad = -1;
    for (int64_t i = 0; i < src_plane; ++i) {
        const float *s = src + i * C;
        const int64_t *ix = idx + i * C;
        for (int64_t c = c_begin; c < c_end; ++c) {
            const int64_t j = ix[c];
            if ((uint64_t)j >= (uint64_t)dst_plane) {
                if (first_bad < 0 || i * C + c < first_bad) first_bad = i * C + c;
                continue;
            }
            if (accumulate)
                dst[j * C + c] += s[c];
            else
                dst[j * C + c] = s[c];
        }
    }
    return first_bad;
}

int64_t sp_scalar_gather_nhwc_f32(const sp_route_geometry *g, const float *table, const int64_t *idx, float *out,
                                  int64_t pixel_begin, int64_t pixel_end)
{
    const int64_t C = g->channels, dst_plane = g->dst_plane;
    int64_t first_bad = -1;
    for (int64_t i = pixel_begin; i < pixel_end; ++i) {
        const int64_t *ix = idx + i * C;
        float *o = out + i * C;
        for (int64_t c = 0; c < C; ++c) {
            const int64_t j = ix[c];
            if ((uint64_t)j >= (uint64_t)dst_plane) {
                if (first_bad < 0) first_bad = i * C + c;
                o[c] = 0.0f;
                continue;
            }
            o[c] = table[j * C + c];
        }
    }
    return first_bad;
}
