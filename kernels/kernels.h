/*
 * Microkernel contract. Kernels are pure functions on raw pointers and the precomputed window geometry of a
 * plan: they know nothing of descriptors, threads or errors, and never validate the geometry (the plan already
 * did). The one input they check is the caller's MAX/MIN indices in backward (see sp_bwd_nchw_fn).
 *
 * Every shape is normalised to three spatial axes (D, H, W); an absent axis has size 1, one tap, dilation 1.
 * Window tables replace padding and ceil_mode: for output position o on axis a, the window's taps that fall
 * inside the input are positions first[a][o] + j * dilation[a] for j in [0, taps[a][o]). Taps outside the
 * input never appear, so padding costs nothing in the inner loops. The scan order of a window is row-major
 * (D, then H, then W), which fixes tie-breaking (first wins) and the accumulation order of sums.
 */
#ifndef SIMDPOOL_KERNELS_H
#define SIMDPOOL_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum { SP_AXES = 3 };

/*
 * Helpers of SIMD kernels take compile-time flags (op, index mode, vectors per pass, window shape); forcing them
 * inline folds every flag, so each public kernel gets its own branch-free loops. Unoptimised builds (Debug, the
 * sanitizers) keep them as plain functions: simde and the intrinsics headers force-inline every intrinsic, and
 * multiplying that by every instance makes one file take minutes and gigabytes to compile at -O0 with ASan.
 */
#if defined(__OPTIMIZE__)
#define SP_KERNEL_INLINE static inline __attribute__((always_inline))
#else
#define SP_KERNEL_INLINE static inline
#endif

/* Slots of a kernel table, in simdpool_algorithm's order. */
enum sp_algorithm_slot {
    SP_SLOT_MAX = 0,
    SP_SLOT_AVG = 1,
    SP_SLOT_MIN = 2,
    SP_SLOT_LP = 3,
    SP_SLOT_SOFT = 4,
    SP_SLOT_COUNT = 5
};

typedef struct sp_pool_geometry {
    int64_t in[SP_AXES];        /* input extent per axis (D, H, W) */
    int64_t out[SP_AXES];       /* output extent per axis */
    int64_t dilation[SP_AXES];  /* distance between taps, in input elements of that axis */
    const int64_t *first[SP_AXES]; /* per output position: first tap inside the input */
    const int32_t *taps[SP_AXES];  /* per output position: number of taps inside the input (>= 0) */
    /* Sliding-window plans (kernel[a] > 0): output positions [full_begin[a], full_end[a]) have every tap inside
       the input, at first = o * stride[a] - pad_begin[a]; kernels run them without table lookups. Adaptive
       plans have kernel[a] = 0 and an empty full range. */
    int64_t kernel[SP_AXES];
    int64_t stride[SP_AXES];
    int64_t pad_begin[SP_AXES];
    int64_t full_begin[SP_AXES];
    int64_t full_end[SP_AXES];
    const float *divisor;       /* AVG: per output spatial position (out plane, row-major); else NULL */
    int64_t channels;           /* C: the pixel stride in NHWC */
    /* NHWC forward: the call computes channels [c_begin, channels - c_after) of each pixel (sp_fwd_nhwc_fn);
       zero (a plan's geometry, or a zero-initialised one) means all channels. */
    int64_t c_begin, c_after;
    float p;                    /* LP: order of the norm */
    float inv_p;                /* LP: 1 / p */
    int clamp_output;           /* forward: clamp outputs to [clamp_min, clamp_max], NaN preserved */
    float clamp_min;
    float clamp_max;
} sp_pool_geometry;

static inline int64_t sp_in_plane(const sp_pool_geometry *g) { return g->in[0] * g->in[1] * g->in[2]; }
static inline int64_t sp_out_plane(const sp_pool_geometry *g) { return g->out[0] * g->out[1] * g->out[2]; }
/* NHWC forward: the number of channels of the call's slice. */
static inline int64_t sp_slice_channels(const sp_pool_geometry *g) { return g->channels - g->c_begin - g->c_after; }

/* Global pooling: one output per plane whose window is the whole plane, taps in plane order (kernels give it a
   path of its own). A window of every element from the first has no dilation to honour. */
static inline bool sp_is_global(const sp_pool_geometry *g)
{
    for (int a = 0; a < SP_AXES; ++a)
        if (g->out[a] != 1 || g->first[a][0] != 0 || g->taps[a][0] != g->in[a]) return false;
    return true;
}

/* NaN-preserving clamp: comparisons with NaN are false, so NaN passes through. */
static inline float sp_clamp(float v, float lo, float hi) { return v < lo ? lo : (v > hi ? hi : v); }

/*
 * NCHW forward over `planes` consecutive (n, c) planes; x, y (and idx, which may be NULL) point at the first
 * plane. idx is only ever non-NULL for MAX and MIN.
 */
typedef void (*sp_fwd_nchw_fn)(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, size_t planes);

/*
 * NHWC forward of output rows [row_begin, row_end) of one image, channels [g->c_begin, C - g->c_after) of
 * every pixel (C = g->channels stays the pixel stride); a row is one (od, oh) pair, numbered od * out[1] + oh.
 * x, y and idx (may be NULL) point at the image's first element. A kernel reads and writes nothing outside its
 * rows' channel slice (the fused clamp included), so tasks with disjoint slices of one row run concurrently.
 * A plan's geometry covers all channels; the run layer narrows a copy of it to split images that have few
 * output rows (global pooling, 1-D signals) by channels. Each channel's arithmetic is the same whatever the
 * slice, so results do not depend on the split.
 */
typedef void (*sp_fwd_nhwc_fn)(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx,
                               int64_t row_begin, int64_t row_end);

/*
 * Backward kernels overwrite their part of dx with the gradient; overlapping windows accumulate in output scan
 * order. idx is non-NULL for MAX and MIN; x and y are non-NULL for LP and SOFT.
 *
 * MAX/MIN indices come from the caller, and dx is written at each one, so a kernel checks every index as it uses
 * it (an unsigned compare against the input plane, accumulated per index vector; the exact position is searched
 * only once a check failed). An index outside its plane is skipped, never written through: dx then holds
 * unspecified values but nothing outside the call's part of dx is touched, whatever the indices. The return value
 * is the lowest position, counted from the idx pointer passed in, of an index outside its plane, or -1 (always -1
 * for AVG, LP and SOFT, which have no indices).
 */

/* NCHW backward over `planes` consecutive planes; dy, idx, x, y and dx point at the first plane. */
typedef int64_t (*sp_bwd_nchw_fn)(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                  const float *y, float *dx, size_t planes);

/*
 * NHWC backward of dx rows [row_begin, row_end) of one image, all channels; a dx row is one input (d, h) pair,
 * numbered d * in[1] + h, so the rows cover the pixels [row_begin * in[2], row_end * in[2]). The call overwrites
 * those pixels of dx and adds exactly the contributions that land in them, in output scan order, so each element
 * gets the same sum whatever the split, and calls with disjoint rows run concurrently. Pointers are at the
 * image's first element. MAX/MIN indices of any output may land in the rows (an index need not lie in its own
 * window), so a call reads every index of the image, and returns the lowest bad position of the image's indices.
 */
typedef int64_t (*sp_bwd_nhwc_fn)(const sp_pool_geometry *g, const float *dy, const int64_t *idx, const float *x,
                                  const float *y, float *dx, int64_t row_begin, int64_t row_end);

/* NHWC backward: whether output row r's window (r = od * out[1] + oh) has a tap in dx rows [row_begin, row_end). */
static inline int sp_window_touches_rows(const sp_pool_geometry *g, int64_t r, int64_t row_begin, int64_t row_end)
{
    const int64_t od = r / g->out[1], oh = r - od * g->out[1];
    for (int64_t i = 0; i < g->taps[0][od]; ++i) {
        const int64_t d_row = (g->first[0][od] + i * g->dilation[0]) * g->in[1];
        for (int64_t j = 0; j < g->taps[1][oh]; ++j) {
            const int64_t row = d_row + g->first[1][oh] + j * g->dilation[1];
            if (row >= row_begin && row < row_end) return 1;
        }
    }
    return 0;
}

/*
 * One table per ISA and layout (kernels/<isa>/table_<layout>.c); a NULL entry falls back to the next lower
 * ISA's entry (dispatch resolves it). Per-layout tables let NCHW and NHWC kernels be written independently.
 */
typedef struct sp_nchw_kernels {
    sp_fwd_nchw_fn fwd[SP_SLOT_COUNT];
    sp_bwd_nchw_fn bwd[SP_SLOT_COUNT];
} sp_nchw_kernels;

typedef struct sp_nhwc_kernels {
    sp_fwd_nhwc_fn fwd[SP_SLOT_COUNT];
    sp_bwd_nhwc_fn bwd[SP_SLOT_COUNT];
} sp_nhwc_kernels;

typedef struct sp_kernel_table {
    const char *isa_name;
    const sp_nchw_kernels *nchw;
    const sp_nhwc_kernels *nhwc;
} sp_kernel_table;

/* Kernel families: the single list that names every slot, for prototypes, tables and kernel names. */
#define SP_FOREACH_FAMILY(X) \
    X(maxpool, SP_SLOT_MAX)  \
    X(avgpool, SP_SLOT_AVG)  \
    X(minpool, SP_SLOT_MIN)  \
    X(lppool, SP_SLOT_LP)    \
    X(softpool, SP_SLOT_SOFT)

#define SP_DECLARE_FAMILY(isa, family)                                                                      \
    void sp_##isa##_##family##_fwd_nchw_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, \
                                            size_t planes);                                                 \
    void sp_##isa##_##family##_fwd_nhwc_f32(const sp_pool_geometry *g, const float *x, float *y, int64_t *idx, \
                                            int64_t row_begin, int64_t row_end);                            \
    int64_t sp_##isa##_##family##_bwd_nchw_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, \
                                               const float *x, const float *y, float *dx, size_t planes);     \
    int64_t sp_##isa##_##family##_bwd_nhwc_f32(const sp_pool_geometry *g, const float *dy, const int64_t *idx, \
                                               const float *x, const float *y, float *dx, int64_t row_begin,  \
                                               int64_t row_end);

#define SP_DECLARE_SCALAR_FAMILY(family, slot) SP_DECLARE_FAMILY(scalar, family)
SP_FOREACH_FAMILY(SP_DECLARE_SCALAR_FAMILY)
#undef SP_DECLARE_SCALAR_FAMILY

/* Each ISA's table (kernels/<isa>/table.c) and its per-layout parts (kernels/<isa>/table_<layout>.c). */
#define SP_DECLARE_ISA_TABLES(isa)                   \
    extern const sp_kernel_table sp_##isa##_kernels; \
    extern const sp_nchw_kernels sp_##isa##_nchw_kernels; \
    extern const sp_nhwc_kernels sp_##isa##_nhwc_kernels;
SP_DECLARE_ISA_TABLES(scalar)
SP_DECLARE_ISA_TABLES(avx2)
SP_DECLARE_ISA_TABLES(avx512)
SP_DECLARE_ISA_TABLES(neon)
#undef SP_DECLARE_ISA_TABLES

#ifdef __cplusplus
}
#endif

#endif /* SIMDPOOL_KERNELS_H */
