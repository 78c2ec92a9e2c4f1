/*
 * Scalar index routing, NCHW: the scatter of max unpooling's forward (and, accumulating, of every backward that
 * routes gradients through recorded indices: fractional max pooling's) and the gather of max unpooling's
 * backward. Indices come from the caller, so each is checked against the destination plane before use: a bad
 * one is skipped, never dereferenced, and the first one's offset is returned.
 */
#include <string.h>

#include "ops_kernels.h"

int64_t sp_scalar_scatter_nchw_f32(const sp_route_geometry *g, const float *src, const int64_t *idx, float *dst,
                                   size_t planes, int accumulate)
{
    const int64_t src_plane = g->src_plane, dst_plane = g->dst_plane;
    int64_t first_bad = -1;
    for (size_t p = 0; p < planes; ++p) {
        const float *s = src + (int64_t)p * src_plane;
        const int64_t *ix = idx + (int64_t)p * src_plane;
        float *d = dst + (int64_t)p * dst_plane;
        memset(d, 0, (size_t)dst_plane * sizeof(float));
        for (int64_t i = 0; i < src_plane; ++i) {
            const int64_t j = ix[i];
            /* One unsigned comparison covers both j < 0 and j >= dst_plane. */
            if ((uint64_t)j >= (uint64_t)dst_plane) {
                if (first_bad < 0) first_bad = (int64_t)p * src_plane + i;
                continue;
            }
            if (accumulate)
                d[j] += s[i];
            else
                d[j] = s[i];
        }
    }
    return first_bad;
}

int64_t sp_scalar_gather_nchw_f32(const sp_route_geometry *g, const float *table, const int64_t *idx, float *out,
                                  size_t planes)
{
    const int64_t src_plane = g->src_plane, dst_plane = g->dst_plane;
    int64_t first_bad = -1;
    for (size_t p = 0; p < planes; ++p) {
        const float *t = table + (int64_t)p * dst_plane;
        const int64_t *ix = idx + (int64_t)p * src_plane;
        float *o = out + (int64_t)p * src_plane;
        for (int64_t i = 0; i < src_plane; ++i) {
            const int64_t j = ix[i];
            if ((uint64_t)j >= (uint64_t)dst_plane) {
                if (first_bad < 0) first_bad = (int64_t)p * src_plane + i;
                o[i] = 0.0f;
                continue;
            }
            o[i] = t[j];
        }
    }
    return first_bad;
}
