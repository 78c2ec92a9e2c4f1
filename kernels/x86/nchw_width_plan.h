/*
 * The W axis of an NCHW plan as the x86 NCHW kernels (max/min and avg, AVX2 and AVX-512) see it: one uniform
 * window rule o*S + shift + j*dw for sliding windows and for adaptive windows that tile evenly, or the plan's
 * per-column tables for uneven adaptive windows. ISA-independent.
 */
#ifndef SIMDPOOL_X86_NCHW_WIDTH_PLAN_H
#define SIMDPOOL_X86_NCHW_WIDTH_PLAN_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"

typedef struct wplan {
    int64_t K, S, shift, dw; /* window o has W taps at o*S + shift + j*dw, j < K (clipped to [0, W)) */
    int64_t fb, fe;          /* output columns whose K taps all lie inside the input */
    bool table;              /* non-uniform adaptive windows: per-column first/taps tables */
} wplan;

static inline wplan make_wplan(const sp_pool_geometry *g)
{
    wplan w;
    const int64_t out_w = g->out[2];
    w.dw = g->dilation[2];
    w.table = false;
    if (g->kernel[2] > 0) {
        w.K = g->kernel[2];
        w.S = g->stride[2];
        w.shift = -g->pad_begin[2];
        w.fb = g->full_begin[2];
        w.fe = g->full_end[2];
        if (w.fe <= w.fb) w.fb = w.fe = 0;
        return w;
    }
    /* Adaptive: windows [floor(o*in/out), ceil((o+1)*in/out)) are uniform when out divides in. */
    const int64_t *first = g->first[2];
    const int32_t *taps = g->taps[2];
    w.K = taps[0];
    w.S = out_w > 1 ? first[1] - first[0] : 1;
    w.shift = first[0];
    bool uniform = w.K > 0 && w.S > 0;
    for (int64_t o = 0; uniform && o < out_w; ++o) uniform = taps[o] == w.K && first[o] == o * w.S + w.shift;
    w.table = !uniform;
    w.fb = 0;
    w.fe = uniform ? out_w : 0;
    return w;
}

#endif /* SIMDPOOL_X86_NCHW_WIDTH_PLAN_H */
