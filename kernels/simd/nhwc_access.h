/*
 * Memory-access policy shared by the NHWC forward kernels (AVX2 and AVX-512 max/min and avg; LP and SoftPool on
 * every SIMD ISA): when to stream outputs past the caches, and the software prefetch of the general path's
 * windows. ISA-independent: the kernels do the vector stores themselves. The sizes are Zen 4's.
 */
#ifndef SIMDPOOL_NHWC_ACCESS_H
#define SIMDPOOL_NHWC_ACCESS_H

#include <stdbool.h>
#include <stdint.h>

#include "kernels.h"

/* The taps of one output pixel's window: first + jd*sd + jh*sh + jw*sw, pixel offsets within the plane. */
typedef struct sp_nhwc_window {
    int64_t first;
    int64_t nd, nh, nw;
    int64_t sd, sh, sw;
} sp_nhwc_window;

/* The windows of output row (od, oh): their D and H taps from the plan's tables, and in *base the in-plane
   offset of their first tap row; each column ow then sets first = *base + first[2][ow] and nw = taps[2][ow]. */
SP_KERNEL_INLINE sp_nhwc_window sp_nhwc_row_window(const sp_pool_geometry *g, int64_t od, int64_t oh, int64_t *base)
{
    const int64_t H = g->in[1], W = g->in[2];
    sp_nhwc_window w;
    w.first = 0;
    w.nw = 0;
    w.nd = g->taps[0][od];
    w.nh = g->taps[1][oh];
    w.sd = g->dilation[0] * H * W;
    w.sh = g->dilation[1] * W;
    w.sw = g->dilation[2];
    *base = g->first[0][od] * H * W + g->first[1][oh] * W;
    return w;
}

/*
 * Outputs larger than the L2 cache (1 MiB per core on Zen 4) are written with non-temporal stores: cached
 * stores would first read every output line from memory and then evict input lines still to be read. The
 * kernels stream full vectors only, so they need each to be aligned: a `vector_bytes`-aligned slice start and
 * C a multiple of the vector width. Callers fence (sfence) before returning, as streamed stores are weakly
 * ordered.
 */
enum { SP_NHWC_L2_BYTES = 1 << 20 };

static inline bool sp_nhwc_streams_output(const sp_pool_geometry *g, const float *y_slice, int64_t vector_bytes)
{
    const int64_t vector_floats = vector_bytes / (int64_t)sizeof(float);
    return sp_out_plane(g) * g->channels * (int64_t)sizeof(float) >= SP_NHWC_L2_BYTES &&
           g->channels % vector_floats == 0 && (uintptr_t)y_slice % (uintptr_t)vector_bytes == 0;
}

/*
 * The general path reduces a pixel's channels block by block, and each block reads a short run of every tap:
 * several short runs at once, a pixel apart, which the hardware prefetchers follow badly (1-D 4/4 windows over
 * 256 channels ran at a third of the bandwidth they reach reading in order). So the kernels fetch the window
 * SP_NHWC_PREFETCH_AHEAD pixels on while they reduce this one: the slice's channels of each of its taps (not
 * the channels between, which belong to other tasks), unless that is more than SP_NHWC_PREFETCH_MAX_LINES
 * cache lines (large windows read runs long enough for the hardware). x is at the slice's first channel; the
 * taps are at first + jd*sd + jh*sh + jw*sw (pixel offsets), C is the pixel stride, nc the slice's channels.
 * Only inputs larger than the L2 cache need it (sp_nhwc_prefetches): smaller ones are served from L2 anyway.
 */
enum { SP_NHWC_PREFETCH_AHEAD = 2, SP_NHWC_PREFETCH_MAX_LINES = 128 };

static inline bool sp_nhwc_prefetches(const sp_pool_geometry *g)
{
    return sp_in_plane(g) * g->channels * (int64_t)sizeof(float) >= SP_NHWC_L2_BYTES;
}

/* Always inlined: kept out of line, GCC's interprocedural passes find a function whose only effect is prefetches
   free of side effects and delete every call (measured: the 1-D 4/4 NHWC workload ran at half speed). */
SP_KERNEL_INLINE void sp_nhwc_prefetch_window(const float *x, int64_t C, int64_t nc, int64_t first, int64_t nd,
                                            int64_t nh, int64_t nw, int64_t sd, int64_t sh, int64_t sw)
{
    if (nw <= 0) return;
    /* Whole pixels, adjacent taps: one contiguous run per tap row (measured faster than tap by tap). */
    const bool contiguous = nc == C && sw == 1;
    const int64_t run_bytes = (contiguous ? nw * C : nc) * (int64_t)sizeof(float);
    const int64_t runs = contiguous ? nd * nh : nd * nh * nw;
    if (runs * (run_bytes / 64 + 1) > SP_NHWC_PREFETCH_MAX_LINES) return;
    for (int64_t jd = 0; jd < nd; ++jd)
        for (int64_t jh = 0; jh < nh; ++jh)
            for (int64_t jw = 0; jw < (contiguous ? 1 : nw); ++jw) {
                const char *p = (const char *)(x + (first + jd * sd + jh * sh + jw * sw) * C);
                for (int64_t b = 0; b < run_bytes; b += 64) __builtin_prefetch(p + b, 0, 3);
            }
}

#endif /* SIMDPOOL_NHWC_ACCESS_H */
