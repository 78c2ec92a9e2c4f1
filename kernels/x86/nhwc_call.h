/*
 * What one call of an x86 NHWC forward body (x86/maxpool_nhwc.h, x86/avgpool_nhwc.h) shares with every block it
 * reduces, written against the includer's vector layer (vf, vf_set1, VL).
 */
#ifndef SIMDPOOL_X86_NHWC_CALL_H
#define SIMDPOOL_X86_NHWC_CALL_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"
#include "simd/nhwc_access.h"

typedef struct ctx {
    int64_t C;  /* the pixel stride */
    int64_t nc; /* channels of the call's slice: the channel loops' bound */
    bool clamp;
    bool stream; /* full vectors of the output go out with non-temporal stores (sp_nhwc_streams_output) */
    vf lo, hi;
} ctx;

/* The context of a call whose x and y are already at the slice's first channel. */
SP_KERNEL_INLINE ctx nhwc_call_ctx(const sp_pool_geometry *g, const float *y_slice)
{
    ctx k;
    k.C = g->channels;
    k.nc = sp_slice_channels(g);
    k.clamp = g->clamp_output != 0;
    k.stream = sp_nhwc_streams_output(g, y_slice, VL * (int64_t)sizeof(float));
    k.lo = vf_set1(g->clamp_min);
    k.hi = vf_set1(g->clamp_max);
    return k;
}

#endif /* SIMDPOOL_X86_NHWC_CALL_H */
