/*
 * Scalar index routing, NCHW: the scatter of max unpooling's forward (and, accumulating, of every backward that
 * routes gradients through recorded indices: fractional max pooling's) and the gather of max unpooling's
 * backward. Indices come from the caller, so each is checked against the destination plane before use: a bad
 * one is skipped, never dereferenced, and the first one's offset is returned.
 */
#include <string.h>

#include "ops_kernels.h"

/* All four indices inside [0, size): one unsigned comparison each covers both ends, combined without branches. */
static inline int route_inside4(int64_t j0, int64_t j1, int64_t j2, int64_t j3, int64_t size)
{
    const uint64_t n = (uint64_t)size;
    return ((uint64_t)j0 < n) & ((uint64_t)j1 < n) & ((uint64_t)j2 < n) & ((uint64_t)j3 < n);
}

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
        int64_t i = 0;
        /* Four at a time under one branch (the loop is bound by instructions, not memory); elements still go
           in scan order, so duplicates resolve as one at a time. A group with a bad index goes one by one. */
        for (; i + 4 <= src_plane; i += 4) {
            const int64_t j0 = ix[i], j1 = ix[i + 1], j2 = ix[i + 2], j3 = ix[i + 3];
            if (!route_inside4(j0, j1, j2, j3, dst_plane)) break;
            const float v0 = s[i], v1 = s[i + 1], v2 = s[i + 2], v3 = s[i + 3];
            if (accumulate) {
                d[j0] += v0;
                d[j1] += v1;
                d[j2] += v2;
                d[j3] += v3;
            } else {
                d[j0] = v0;
                d[j1] = v1;
                d[j2] = v2;
                d[j3] = v3;
            }
        }
        for (; i < src_plane; ++i) {
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
        int64_t i = 0;
        for (; i + 4 <= src_plane; i += 4) { /* as the scatter: four under one branch */
            const int64_t j0 = ix[i], j1 = ix[i + 1], j2 = ix[i + 2], j3 = ix[i + 3];
            if (!route_inside4(j0, j1, j2, j3, dst_plane)) break;
            o[i] = t[j0];
            o[i + 1] = t[j1];
            o[i + 2] = t[j2];
            o[i + 3] = t[j3];
        }
        for (; i < src_plane; ++i) {
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
