/*
 * Microkernels of the rest of the op set: fractional max pooling, index routing (max unpooling, and the
 * backward of every op whose gradient follows recorded indices), spatial pyramid pooling's backward, RoI max
 * pooling and RoI align. Same contract as kernels.h: pure functions on raw pointers, sizes and a geometry the
 * plan precomputed; no descriptors, threads or error reporting. Where a kernel reads an index that came from
 * the caller, it never dereferences one outside its plane: it skips it and returns where the first one was,
 * and the operator layer turns that into a status.
 *
 * Only scalar versions exist so far (kernels/scalar/<op>_<layout>.c); sp_scalar_ops_kernels is the table the
 * operator layer takes them from, so that SIMD variants can be slotted in later per ISA.
 */
#ifndef SIMDPOOL_OPS_KERNELS_H
#define SIMDPOOL_OPS_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "kernels.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------------------------- */
/* Fractional max pooling                                                                                      */

/* Normalised to (D, H, W) like sp_pool_geometry; an absent axis has in = out = kernel = 1 and no sample. */
typedef struct sp_fractional_geometry {
    int64_t in[SP_AXES];
    int64_t out[SP_AXES];
    int64_t kernel[SP_AXES];
    float alpha[SP_AXES];         /* (in - k) / (out - 1) computed in float (PyTorch's); unused if out == 1 */
    int sample_of_axis[SP_AXES];  /* which of a plane's samples drives axis a (PyTorch's order); -1: absent axis */
    int64_t samples_per_plane;    /* spatial_dims */
    int64_t channels;             /* C: the pixel stride in NHWC, and the planes per image */
} sp_fractional_geometry;

/*
 * Start of window i along axis a for the plane sample u: PyTorch's interval rule, evaluated in float exactly as
 * PyTorch does, then clamped into [0, in - k] (a no-op for u in [0, 1); it only guarantees that no rounding can
 * ever produce a window outside the input).
 */
static inline int64_t sp_fractional_start(const sp_fractional_geometry *g, int a, float u, int64_t i)
{
    const int64_t last = g->in[a] - g->kernel[a];
    if (i >= g->out[a] - 1) return last;
    const float alpha = g->alpha[a];
    const float scaled_i = ((float)i + u) * alpha;
    const float scaled_0 = u * alpha;
    const int64_t s = (int64_t)scaled_i - (int64_t)scaled_0;
    return s < 0 ? 0 : (s > last ? last : s);
}

/* The sample that drives axis a of a plane whose samples start at `plane_samples` (0 for an absent axis). */
static inline float sp_fractional_sample(const sp_fractional_geometry *g, const float *plane_samples, int a)
{
    return g->sample_of_axis[a] < 0 ? 0.0f : plane_samples[g->sample_of_axis[a]];
}

/* NCHW: `planes` consecutive planes; samples point at the first plane's group. idx may be NULL. */
typedef void (*sp_fractional_fwd_nchw_fn)(const sp_fractional_geometry *g, const float *samples, const float *x,
                                          float *y, int64_t *idx, size_t planes);
/* NHWC: output rows [row_begin, row_end) (row = od * out[1] + oh) of one image; samples: the image's C groups. */
typedef void (*sp_fractional_fwd_nhwc_fn)(const sp_fractional_geometry *g, const float *samples, const float *x,
                                          float *y, int64_t *idx, int64_t row_begin, int64_t row_end);

/* ---------------------------------------------------------------------------------------------------------- */
/* Index routing: scatter (unpool forward, routed backward) and gather (unpool backward)                        */

/*
 * src has planes of src_plane pixels and idx the same shape; dst has planes of dst_plane pixels. An index is a
 * pixel position inside one dst plane. Elements whose index lies outside [0, dst_plane) are skipped; the
 * return value is the offset (in elements, from the src/idx pointers given) of the first such index in scan
 * order, or -1 if there was none.
 */
typedef struct sp_route_geometry {
    int64_t src_plane; /* pixels per plane of src and idx */
    int64_t dst_plane; /* pixels per plane of dst */
    int64_t channels;  /* C: the pixel stride in NHWC */
} sp_route_geometry;

/*
 * Scatter, NCHW: zero `planes` dst planes, then for each src element in order dst[idx] = src (accumulate = 0:
 * a later duplicate overwrites) or dst[idx] += src (accumulate = 1).
 */
typedef int64_t (*sp_scatter_nchw_fn)(const sp_route_geometry *g, const float *src, const int64_t *idx, float *dst,
                                      size_t planes, int accumulate);
/* Scatter, NHWC: channels [c_begin, c_end) of one image (pointers at the image's first element). */
typedef int64_t (*sp_scatter_nhwc_fn)(const sp_route_geometry *g, const float *src, const int64_t *idx, float *dst,
                                      int64_t c_begin, int64_t c_end, int accumulate);
/* Gather, NCHW: out[i] = table[idx[i]] over `planes` planes (out and idx have src_plane pixels per plane, table
   dst_plane); a bad index yields 0. */
typedef int64_t (*sp_gather_nchw_fn)(const sp_route_geometry *g, const float *table, const int64_t *idx, float *out,
                                     size_t planes);
/* Gather, NHWC: pixels [pixel_begin, pixel_end) of one image, all channels. */
typedef int64_t (*sp_gather_nhwc_fn)(const sp_route_geometry *g, const float *table, const int64_t *idx, float *out,
                                     int64_t pixel_begin, int64_t pixel_end);

/* ---------------------------------------------------------------------------------------------------------- */
/* Spatial pyramid pooling (backward; the forward runs the adaptive pooling kernels level by level)            */

enum { SP_SPP_MAX_LEVELS = 8 };

typedef struct sp_spp_geometry {
    int num_levels;
    const sp_pool_geometry *level[SP_SPP_MAX_LEVELS]; /* each level's adaptive geometry (first/taps, divisor) */
    int64_t level_offset[SP_SPP_MAX_LEVELS];          /* start of a level's block in a row of `features` */
    int64_t features;                                 /* F = C * sum(l^2): one output row */
    int64_t in_plane;                                 /* H * W */
    int64_t channels;
    int is_max;                                       /* 1: route dy through idx; 0: spread dy / divisor */
} sp_spp_geometry;

/*
 * MAX forward, NCHW: every level of channels [c_begin, c_end) of one image (x: the image's first plane; y_row,
 * idx_row: the image's row of F values, idx_row may be NULL), with the adaptive max pooling's results.
 */
typedef void (*sp_spp_fwd_nchw_fn)(const sp_spp_geometry *g, const float *x, float *y_row, int64_t *idx_row,
                                   int64_t c_begin, int64_t c_end);

/*
 * dx of channels [c_begin, c_end) of one image (dy_row, idx_row: the image's row of F values; dx: the image's
 * first element), overwritten: levels in order, bins in row-major order, each adding into dx. MAX skips an
 * index outside [0, H*W) and returns the offset (in the row) of the first one, or -1.
 */
typedef int64_t (*sp_spp_bwd_nchw_fn)(const sp_spp_geometry *g, const float *dy_row, const int64_t *idx_row,
                                      float *dx, int64_t c_begin, int64_t c_end);
typedef int64_t (*sp_spp_bwd_nhwc_fn)(const sp_spp_geometry *g, const float *dy_row, const int64_t *idx_row,
                                      float *dx, int64_t c_begin, int64_t c_end);

/* ---------------------------------------------------------------------------------------------------------- */
/* RoI max pooling and RoI align (torchvision's CPU semantics)                                                  */

typedef struct sp_roi_geometry {
    int64_t channels;
    int64_t height, width;
    int64_t pooled_h, pooled_w;
    float spatial_scale;
    int64_t sampling_ratio; /* align: > 0 fixed grid, <= 0 adaptive */
    int aligned;            /* align: half-pixel offset */
} sp_roi_geometry;

/*
 * Forward of one box (5 floats, already validated: integral batch index in range, finite coordinates) for
 * channels [c_begin, c_end): x is the whole input, y the box's output block (NCHW: C x PH x PW; NHWC:
 * PH x PW x C), argmax (RoI pool only, may be NULL) the box's argmax block.
 */
typedef void (*sp_roi_align_fwd_fn)(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                    int64_t c_begin, int64_t c_end);
typedef void (*sp_roi_pool_fwd_fn)(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                   int64_t *argmax, int64_t c_begin, int64_t c_end);
/*
 * Backward of channels [c_begin, c_end) of image `image`: dx_image (that image's block) is overwritten with the
 * sum of the contributions of every box whose batch index is `image`, added in box order, then bin and sample
 * order (torchvision's sequential order). dy (and argmax) are the whole tensors of all boxes. RoI pool skips an
 * argmax outside [-1, H*W) and returns its flat element offset in argmax, or -1 if none.
 */
typedef void (*sp_roi_align_bwd_fn)(const sp_roi_geometry *g, const float *dy, const float *boxes, size_t num_boxes,
                                    float *dx_image, int64_t image, int64_t c_begin, int64_t c_end);
typedef int64_t (*sp_roi_pool_bwd_fn)(const sp_roi_geometry *g, const float *dy, const int64_t *argmax,
                                      const float *boxes, size_t num_boxes, float *dx_image, int64_t image,
                                      int64_t c_begin, int64_t c_end);

/* ---------------------------------------------------------------------------------------------------------- */
/* The table                                                                                                   */

typedef struct sp_ops_kernels {
    const char *isa_name;
    sp_fractional_fwd_nchw_fn fractional_fwd_nchw;
    sp_fractional_fwd_nhwc_fn fractional_fwd_nhwc;
    sp_scatter_nchw_fn scatter_nchw;
    sp_scatter_nhwc_fn scatter_nhwc;
    sp_gather_nchw_fn gather_nchw;
    sp_gather_nhwc_fn gather_nhwc;
    sp_spp_fwd_nchw_fn spp_fwd_max_nchw;
    sp_spp_bwd_nchw_fn spp_bwd_nchw;
    sp_spp_bwd_nhwc_fn spp_bwd_nhwc;
    sp_roi_align_fwd_fn roi_align_fwd_nchw;
    sp_roi_align_fwd_fn roi_align_fwd_nhwc;
    sp_roi_align_bwd_fn roi_align_bwd_nchw;
    sp_roi_align_bwd_fn roi_align_bwd_nhwc;
    sp_roi_pool_fwd_fn roi_pool_fwd_nchw;
    sp_roi_pool_fwd_fn roi_pool_fwd_nhwc;
    sp_roi_pool_bwd_fn roi_pool_bwd_nchw;
    sp_roi_pool_bwd_fn roi_pool_bwd_nhwc;
} sp_ops_kernels;

/* Scalar kernels (kernels/scalar/). */
void sp_scalar_fractional_maxpool_fwd_nchw_f32(const sp_fractional_geometry *g, const float *samples, const float *x,
                                               float *y, int64_t *idx, size_t planes);
void sp_scalar_fractional_maxpool_fwd_nhwc_f32(const sp_fractional_geometry *g, const float *samples, const float *x,
                                               float *y, int64_t *idx, int64_t row_begin, int64_t row_end);
int64_t sp_scalar_scatter_nchw_f32(const sp_route_geometry *g, const float *src, const int64_t *idx, float *dst,
                                   size_t planes, int accumulate);
int64_t sp_scalar_scatter_nhwc_f32(const sp_route_geometry *g, const float *src, const int64_t *idx, float *dst,
                                   int64_t c_begin, int64_t c_end, int accumulate);
int64_t sp_scalar_gather_nchw_f32(const sp_route_geometry *g, const float *table, const int64_t *idx, float *out,
                                  size_t planes);
int64_t sp_scalar_gather_nhwc_f32(const sp_route_geometry *g, const float *table, const int64_t *idx, float *out,
                                  int64_t pixel_begin, int64_t pixel_end);
void sp_scalar_spp_maxpool_fwd_nchw_f32(const sp_spp_geometry *g, const float *x, float *y_row,
                                        int64_t *idx_row, int64_t c_begin, int64_t c_end);
int64_t sp_scalar_spp_bwd_nchw_f32(const sp_spp_geometry *g, const float *dy_row, const int64_t *idx_row, float *dx,
                                   int64_t c_begin, int64_t c_end);
int64_t sp_scalar_spp_bwd_nhwc_f32(const sp_spp_geometry *g, const float *dy_row, const int64_t *idx_row, float *dx,
                                   int64_t c_begin, int64_t c_end);
void sp_scalar_roi_align_fwd_nchw_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                      int64_t c_begin, int64_t c_end);
void sp_scalar_roi_align_fwd_nhwc_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                      int64_t c_begin, int64_t c_end);
void sp_scalar_roi_align_bwd_nchw_f32(const sp_roi_geometry *g, const float *dy, const float *boxes,
                                      size_t num_boxes, float *dx_image, int64_t image, int64_t c_begin,
                                      int64_t c_end);
void sp_scalar_roi_align_bwd_nhwc_f32(const sp_roi_geometry *g, const float *dy, const float *boxes,
                                      size_t num_boxes, float *dx_image, int64_t image, int64_t c_begin,
                                      int64_t c_end);
void sp_scalar_roi_pool_fwd_nchw_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                     int64_t *argmax, int64_t c_begin, int64_t c_end);
void sp_scalar_roi_pool_fwd_nhwc_f32(const sp_roi_geometry *g, const float *x, const float *box, float *y,
                                     int64_t *argmax, int64_t c_begin, int64_t c_end);
int64_t sp_scalar_roi_pool_bwd_nchw_f32(const sp_roi_geometry *g, const float *dy, const int64_t *argmax,
                                        const float *boxes, size_t num_boxes, float *dx_image, int64_t image,
                                        int64_t c_begin, int64_t c_end);
int64_t sp_scalar_roi_pool_bwd_nhwc_f32(const sp_roi_geometry *g, const float *dy, const int64_t *argmax,
                                        const float *boxes, size_t num_boxes, float *dx_image, int64_t image,
                                        int64_t c_begin, int64_t c_end);

extern const sp_ops_kernels sp_scalar_ops_kernels;

#ifdef __cplusplus
}
#endif

#endif /* SIMDPOOL_OPS_KERNELS_H */
