/*
 * The operator layer of the rest of the op set (fractional max pooling, max unpooling, spatial pyramid pooling,
 * RoI pooling): each family's plan state, and what ops.c shares between the family files -- plan allocation,
 * tensor-size checks, the OpenMP runner that also collects the first bad index a kernel met, and the
 * formatting of tensor positions for error messages.
 */
#ifndef SIMDPOOL_OPS_INTERNAL_H
#define SIMDPOOL_OPS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"
#include "ops_kernels.h"

_Static_assert(SP_SPP_MAX_LEVELS == SIMDPOOL_MAX_SPP_LEVELS, "kernel and API level limits must agree");

struct sp_op_plan {
    const sp_ops_kernels *kernels;
    int64_t channel_block; /* channels per task where tasks split channels (NHWC scatter, SPP/RoI backward) */
    /* fractional */
    sp_fractional_geometry fractional;
    /* unpool; fractional backward (src = dy, dst = dx) */
    sp_route_geometry route;
    /* spp */
    simdpool_plan *levels[SIMDPOOL_MAX_SPP_LEVELS]; /* one adaptive plan per level (its kernels and tables) */
    sp_spp_geometry spp;
    int64_t spp_rows;      /* NHWC forward tasks per image: the levels' output rows, summed */
    /* roi */
    simdpool_roi_mode roi_mode;
    sp_roi_geometry roi;
    int64_t roi_bwd_channel_block;
};

/* ---- ops.c ---- */

/*
 * Allocates a plan of `kind` (and its op state) after checking the options (a fused output clamp is refused:
 * it exists for pool and adaptive plans only). Sets kind, algorithm, layout, spatial_dims, n, c, the ISA and
 * thread count; the caller fills the rest. On failure *plan is NULL.
 */
simdpool_status sp_op_plan_new(simdpool_plan **plan, enum sp_plan_kind kind, const simdpool_options *options,
                               simdpool_algorithm algorithm, simdpool_layout layout, int spatial_dims, int64_t n,
                               int64_t c);
/* Frees a partly built plan and returns `status` (for create functions' error paths). */
simdpool_status sp_op_plan_abandon(simdpool_plan *plan, simdpool_status status);

/*
 * Fills plan->geometry.in/out (normalised to three axes from descriptor-order sizes), in_plane, out_plane,
 * input/output element counts, and decides whether threading is worthwhile. The sizes must have been checked.
 */
void sp_op_set_shapes(simdpool_plan *plan, const int64_t *in, const int64_t *out);

/* n * c * prod(spatial) elements, and as many int64 values in bytes, fit in memory; names the tensor if not. */
simdpool_status sp_op_check_tensor(const char *tensor, int64_t n, int64_t c, const int64_t *spatial, int dims,
                                   int64_t *elements);

/* Common descriptor checks, with the shape.c message style. */
simdpool_status sp_op_check_layout_dtype(simdpool_layout layout, simdpool_dtype dtype);
simdpool_status sp_op_check_positive(const char *field, int index, int64_t value); /* index < 0: scalar */
simdpool_status sp_op_check_flag(const char *field, int value);

/*
 * A range of tasks; returns the lowest absolute element offset of a bad index it met, or -1. sp_op_run runs
 * [0, tasks) over OpenMP threads in contiguous ranges (or on the calling thread if `parallel` is false or
 * there is one task) and returns the lowest bad offset over all ranges, or -1.
 */
typedef int64_t (*sp_op_range_fn)(const simdpool_plan *plan, const void *args, size_t begin, size_t end);
int64_t sp_op_run(const simdpool_plan *plan, const void *args, size_t tasks, bool parallel, sp_op_range_fn fn);

/* NHWC tasks that split an image into blocks of op->channel_block channels: blocks per image. */
size_t sp_op_channel_blocks(const simdpool_plan *plan);

/*
 * Routes src through idx into dst over tasks [begin, end) — NCHW: (n, c) planes; NHWC: (image, channel block)
 * — with the plan's scatter kernel (accumulate as the kernel defines it). src and idx have src_plane pixels per
 * plane, dst dst_plane. Returns the lowest absolute offset into src/idx of a bad index, or -1.
 */
int64_t sp_op_scatter_range(const simdpool_plan *plan, const float *src, const int64_t *idx, float *dst,
                            int64_t src_plane, int64_t dst_plane, size_t begin, size_t end, int accumulate);

/* Checks an engine's task range against `count`. */
simdpool_status sp_op_check_task_range(size_t begin, size_t end, size_t count);

/*
 * "n = 1, c = 3, h = 2, w = 5": element `e` of a tensor of n x c planes of `spatial` (descriptor order, `dims`
 * of them) in `layout`.
 */
void sp_op_describe_element(char *buf, size_t size, int64_t e, simdpool_layout layout, int64_t c,
                            const int64_t *spatial, int dims);

/* ---- the families' run functions, called from the generic entry points (ops.c) ---- */

/* range: NULL runs every task, threaded; else [range[0], range[1]) on the calling thread. */
simdpool_status sp_fractional_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, float *dx,
                                       const size_t *range);
size_t sp_fractional_task_count(const simdpool_plan *plan, int backward);
simdpool_status sp_unpool_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, float *dx,
                                   const size_t *range);
size_t sp_unpool_task_count(const simdpool_plan *plan, int backward);
simdpool_status sp_spp_forward(const simdpool_plan *plan, const float *x, float *y, int64_t *indices,
                               const size_t *range);
simdpool_status sp_spp_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, float *dx,
                                const size_t *range);
size_t sp_spp_task_count(const simdpool_plan *plan, int backward);
void sp_spp_free(struct sp_op_plan *op);

#endif /* SIMDPOOL_OPS_INTERNAL_H */
