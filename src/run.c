/*
 * Running a plan: argument checks, then the plan's work split into independent tasks spread over OpenMP
 * threads in contiguous ranges. Tasks never write the same element, so results do not depend on the thread
 * count: NCHW tasks are (n, c) planes; NHWC forward tasks are output rows of one image, and where an image
 * has few output rows (global pooling, 1-D signals) one channel block of one output row (the plan's channel
 * block, src/plan.c); NHWC backward tasks are blocks of dx rows of one image (each overwrites its rows and adds
 * the contributions that land in them in output scan order; the plan's row block). Backward kernels check the
 * caller's MAX/MIN indices as they use them and return the lowest bad position (kernels/kernels.h); the run
 * layer reports the lowest over its tasks.
 */
#include <omp.h>

#include "internal.h"
#include "ops_internal.h"

/* NHWC backward: row blocks per image. */
static size_t nhwc_backward_blocks(const simdpool_plan *plan) {
    const int64_t rows = plan->geometry.in[0] * plan->geometry.in[1];
    return (size_t)((rows + plan->nhwc_backward_rows - 1) / plan->nhwc_backward_rows);
}

static size_t nhwc_channel_blocks(const simdpool_plan *plan) {
    return (size_t)((plan->c + plan->nhwc_channel_block - 1) / plan->nhwc_channel_block);
}

static size_t nhwc_out_rows(const simdpool_plan *plan) {
    return (size_t)(plan->geometry.out[0] * plan->geometry.out[1]);
}

/* Images with fewer output rows than this split their rows by channel blocks too: rows alone are too few
   tasks to keep the threads busy. */
#define SP_NHWC_FEW_ROWS 8

/* NHWC forward: channel blocks per output row. */
static size_t nhwc_forward_slices(const simdpool_plan *plan) {
    return nhwc_out_rows(plan) < SP_NHWC_FEW_ROWS ? nhwc_channel_blocks(plan) : 1;
}

size_t sp_task_count(const simdpool_plan *plan, enum sp_direction direction) {
    if (plan->layout == SIMDPOOL_NCHW) return (size_t)(plan->n * plan->c);
    const size_t per_image =
        direction == SP_FORWARD ? nhwc_out_rows(plan) * nhwc_forward_slices(plan) : nhwc_backward_blocks(plan);
    return (size_t)plan->n * per_image;
}

typedef struct run_args {
    const float *x;
    const float *y_in; /* backward: the forward's output */
    float *y_out;      /* forward: output; backward: dx */
    const float *dy;
    int64_t *idx_out;
    const int64_t *idx_in;
} run_args;

static int64_t forward_range(const simdpool_plan *p, const run_args *a, size_t begin, size_t end) {
    const sp_pool_geometry *g = &p->geometry;
    if (p->layout == SIMDPOOL_NCHW) {
        const size_t in_off = begin * (size_t)p->in_plane, out_off = begin * (size_t)p->out_plane;
        p->fwd_nchw(g, a->x + in_off, a->y_out + out_off, a->idx_out ? a->idx_out + out_off : NULL, end - begin);
        return -1;
    }
    /* Task numbering within an image: channel block outermost, then row, so a range of tasks is runs of
       consecutive rows of one block. */
    const size_t rows = nhwc_out_rows(p), slices = nhwc_forward_slices(p);
    const size_t in_image = (size_t)(p->in_plane * p->c), out_image = (size_t)(p->out_plane * p->c);
    sp_pool_geometry slice = *g;
    for (size_t t = begin; t < end;) {
        const size_t image = t / (rows * slices), block = t % (rows * slices) / rows, row = t % rows;
        const size_t row_end = row + (end - t) < rows ? row + (end - t) : rows;
        if (slices > 1) {
            const int64_t c_begin = (int64_t)block * p->nhwc_channel_block;
            slice.c_begin = c_begin;
            slice.c_after = c_begin + p->nhwc_channel_block < p->c ? p->c - (c_begin + p->nhwc_channel_block) : 0;
        }
        p->fwd_nhwc(&slice, a->x + image * in_image, a->y_out + image * out_image,
                    a->idx_out ? a->idx_out + image * out_image : NULL, (int64_t)row, (int64_t)row_end);
        t += row_end - row;
    }
    return -1;
}

/* Returns the lowest flat position of a bad index in the range's part of `indices`, or -1. The kernels check
   each index as they route through it (kernels.h): a bad one is skipped, so dx stays in bounds; the range's
   other results are computed, but the caller gets an error and dx is unspecified. */
static int64_t backward_range(const simdpool_plan *p, const run_args *a, size_t begin, size_t end) {
    const sp_pool_geometry *g = &p->geometry;
    if (p->layout == SIMDPOOL_NCHW) {
        const size_t in_off = begin * (size_t)p->in_plane, out_off = begin * (size_t)p->out_plane;
        const int64_t bad = p->bwd_nchw(g, a->dy + out_off, a->idx_in ? a->idx_in + out_off : NULL,
                                        a->x ? a->x + in_off : NULL, a->y_in ? a->y_in + out_off : NULL,
                                        a->y_out + in_off, end - begin);
        return bad < 0 ? -1 : (int64_t)out_off + bad;
    }
    /* Task numbering: image, then row block; a range of tasks is runs of consecutive blocks of one image. */
    const size_t blocks = nhwc_backward_blocks(p);
    const int64_t rows = g->in[0] * g->in[1], block_rows = p->nhwc_backward_rows;
    const size_t in_image = (size_t)(p->in_plane * p->c), out_image = (size_t)(p->out_plane * p->c);
    int64_t first_bad = -1;
    for (size_t t = begin; t < end;) {
        const size_t image = t / blocks, block = t % blocks;
        const size_t block_end = block + (end - t) < blocks ? block + (end - t) : blocks;
        const int64_t row_begin = (int64_t)block * block_rows;
        const int64_t row_end = (int64_t)block_end * block_rows < rows ? (int64_t)block_end * block_rows : rows;
        const size_t i_off = image * in_image, o_off = image * out_image;
        const int64_t bad = p->bwd_nhwc(g, a->dy + o_off, a->idx_in ? a->idx_in + o_off : NULL,
                                        a->x ? a->x + i_off : NULL, a->y_in ? a->y_in + o_off : NULL,
                                        a->y_out + i_off, row_begin, row_end);
        t += block_end - block;
        if (bad >= 0 && (first_bad < 0 || (int64_t)o_off + bad < first_bad)) first_bad = (int64_t)o_off + bad;
    }
    return first_bad;
}

/* A range function returns the lowest flat position of a bad caller index it met, or -1. */
typedef int64_t (*range_fn)(const simdpool_plan *, const run_args *, size_t, size_t);

static int thread_count(const simdpool_plan *plan, size_t tasks) {
    if (!plan->parallel_worthwhile || tasks < 2) return 1;
    int threads = plan->num_threads > 0 ? plan->num_threads : omp_get_max_threads();
    if ((size_t)threads > tasks) threads = (int)tasks;
    return threads < 1 ? 1 : threads;
}

static int64_t run_parallel(const simdpool_plan *plan, const run_args *args, size_t tasks, range_fn fn) {
    const int threads = thread_count(plan, tasks);
    if (threads == 1) return fn(plan, args, 0, tasks);
    int64_t first_bad = -1;
#pragma omp parallel num_threads(threads)
    {
        /* Contiguous, near-equal ranges: thread t gets tasks [t*q + min(t, r), ...). */
        const size_t team = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
        const size_t q = tasks / team, r = tasks % team;
        const size_t begin = t * q + (t < r ? t : r);
        const size_t end = begin + q + (t < r ? 1 : 0);
        const int64_t bad = begin < end ? fn(plan, args, begin, end) : -1;
        if (bad >= 0) {
#pragma omp critical(sp_run_first_bad)
            if (first_bad < 0 || bad < first_bad) first_bad = bad;
        }
    }
    return first_bad;
}

/* The failure for a bad index at flat position `at` of the indices (output shape, plan's layout). */
static simdpool_status bad_index(const simdpool_plan *plan, const int64_t *indices, int64_t at) {
    char where[128];
    const int64_t out_sizes[3] = {plan->geometry.out[0], plan->geometry.out[1], plan->geometry.out[2]};
    sp_op_describe_element(where, sizeof where, at, plan->layout, plan->c, out_sizes + (3 - plan->spatial_dims),
                           plan->spatial_dims);
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices[%lld] = %lld (%s) lies outside the input plane [0, %lld)",
                   (long long)at, (long long)indices[at], where, (long long)plan->in_plane);
}

static simdpool_status check_forward(const simdpool_plan *plan, const float *x, const float *y,
                                     const int64_t *indices) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(x);
    SP_CHECK_NOT_NULL(y);
    if (indices != NULL && plan->algorithm != SIMDPOOL_MAX && plan->algorithm != SIMDPOOL_MIN)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices must be NULL: only MAX and MIN pooling produce indices");
    return SIMDPOOL_OK;
}

static simdpool_status check_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices,
                                      const float *x, const float *y, const float *dx) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(dy);
    SP_CHECK_NOT_NULL(dx);
    if (plan->geometry.clamp_output)
        return sp_fail(SIMDPOOL_UNSUPPORTED,
                       "backward of a plan with a fused output clamp is not defined: make the plan without "
                       "options.clamp_output for training");
    switch (plan->algorithm) {
    case SIMDPOOL_MAX:
    case SIMDPOOL_MIN:
        if (indices == NULL)
            return sp_fail(SIMDPOOL_NULL_POINTER, "indices must not be NULL: %s backward routes gradients through "
                           "the forward's indices", plan->algorithm == SIMDPOOL_MAX ? "MAX" : "MIN");
        break;
    case SIMDPOOL_LP:
    case SIMDPOOL_SOFT:
        if (x == NULL || y == NULL)
            return sp_fail(SIMDPOOL_NULL_POINTER, "%s must not be NULL: %s backward needs the forward's x and y",
                           x == NULL ? "x" : "y", plan->algorithm == SIMDPOOL_LP ? "LP" : "SOFT");
        break;
    case SIMDPOOL_AVG: break;
    }
    return SIMDPOOL_OK;
}

static run_args forward_args(const float *x, float *y, int64_t *indices) {
    return (run_args){.x = x, .y_out = y, .idx_out = indices};
}

/* Only the inputs the algorithm uses are passed on, so a kernel never sees an unused caller pointer. */
static run_args backward_args(const simdpool_plan *plan, const float *dy, const int64_t *indices, const float *x,
                              const float *y, float *dx) {
    const bool routed = plan->algorithm == SIMDPOOL_MAX || plan->algorithm == SIMDPOOL_MIN;
    const bool needs_xy = plan->algorithm == SIMDPOOL_LP || plan->algorithm == SIMDPOOL_SOFT;
    return (run_args){.dy = dy, .idx_in = routed ? indices : NULL, .x = needs_xy ? x : NULL,
                      .y_in = needs_xy ? y : NULL, .y_out = dx};
}

simdpool_status simdpool_forward(const simdpool_plan *plan, const float *x, float *y, int64_t *indices) {
    if (plan != NULL && sp_is_op_plan(plan)) return sp_op_forward(plan, x, y, indices);
    simdpool_status status = check_forward(plan, x, y, indices);
    if (status != SIMDPOOL_OK) return status;
    const run_args args = forward_args(x, y, indices);
    run_parallel(plan, &args, sp_task_count(plan, SP_FORWARD), forward_range);
    return SIMDPOOL_OK;
}

simdpool_status simdpool_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, const float *x,
                                  const float *y, float *dx) {
    if (plan != NULL && sp_is_op_plan(plan)) return sp_op_backward(plan, dy, indices, x, y, dx);
    simdpool_status status = check_backward(plan, dy, indices, x, y, dx);
    if (status != SIMDPOOL_OK) return status;
    const run_args args = backward_args(plan, dy, indices, x, y, dx);
    const int64_t bad = run_parallel(plan, &args, sp_task_count(plan, SP_BACKWARD), backward_range);
    return bad < 0 ? SIMDPOOL_OK : bad_index(plan, indices, bad);
}

simdpool_status simdpool_plan_task_count(const simdpool_plan *plan, int backward, size_t *count) {
    if (plan != NULL && sp_is_op_plan(plan)) return sp_op_task_count(plan, backward, count);
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(count);
    if (backward != 0 && backward != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "backward = %d must be 0 or 1", backward);
    *count = sp_task_count(plan, backward ? SP_BACKWARD : SP_FORWARD);
    return SIMDPOOL_OK;
}

static simdpool_status check_task_range(size_t begin, size_t end, size_t count) {
    if (begin > end || end > count)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "task range [%zu, %zu) must lie within [0, %zu)", begin, end,
                       count);
    return SIMDPOOL_OK;
}

simdpool_status simdpool_forward_tasks(const simdpool_plan *plan, const float *x, float *y, int64_t *indices,
                                       size_t task_begin, size_t task_end) {
    if (plan != NULL && sp_is_op_plan(plan)) return sp_op_forward_tasks(plan, x, y, indices, task_begin, task_end);
    simdpool_status status = check_forward(plan, x, y, indices);
    if (status == SIMDPOOL_OK) status = check_task_range(task_begin, task_end, sp_task_count(plan, SP_FORWARD));
    if (status != SIMDPOOL_OK) return status;
    const run_args args = forward_args(x, y, indices);
    if (task_begin < task_end) forward_range(plan, &args, task_begin, task_end);
    return SIMDPOOL_OK;
}

simdpool_status simdpool_backward_tasks(const simdpool_plan *plan, const float *dy, const int64_t *indices,
                                        const float *x, const float *y, float *dx, size_t task_begin,
                                        size_t task_end) {
    if (plan != NULL && sp_is_op_plan(plan))
        return sp_op_backward_tasks(plan, dy, indices, x, y, dx, task_begin, task_end);
    simdpool_status status = check_backward(plan, dy, indices, x, y, dx);
    if (status == SIMDPOOL_OK) status = check_task_range(task_begin, task_end, sp_task_count(plan, SP_BACKWARD));
    if (status != SIMDPOOL_OK) return status;
    const run_args args = backward_args(plan, dy, indices, x, y, dx);
    const int64_t bad = task_begin < task_end ? backward_range(plan, &args, task_begin, task_end) : -1;
    return bad < 0 ? SIMDPOOL_OK : bad_index(plan, indices, bad);
}

simdpool_status simdpool_indices_to_onnx(const simdpool_plan *plan, const int64_t *src, int64_t *dst) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(src);
    SP_CHECK_NOT_NULL(dst);
    if (sp_is_op_plan(plan) && plan->kind != SP_PLAN_FRACTIONAL)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices convert to ONNX's convention for MAX, MIN and fractional "
                       "max plans only");
    if (plan->algorithm != SIMDPOOL_MAX && plan->algorithm != SIMDPOOL_MIN)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices exist only for MAX and MIN plans");
    /* Validate everything before writing, so a bad index leaves dst (possibly == src) untouched. */
    for (size_t e = 0; e < plan->output_elements; ++e)
        if (src[e] < 0 || src[e] >= plan->in_plane)
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices[%zu] = %lld lies outside the input plane [0, %lld)",
                           e, (long long)src[e], (long long)plan->in_plane);
    const size_t out_plane = (size_t)plan->out_plane, channels = (size_t)plan->c;
    for (size_t e = 0; e < plan->output_elements; ++e) {
        /* The (n, c) plane of output element e: NCHW stores planes contiguously, NHWC interleaves channels. */
        size_t plane;
        if (plan->layout == SIMDPOOL_NCHW) plane = e / out_plane;
        else plane = (e / (out_plane * channels)) * channels + e % channels;
        dst[e] = (int64_t)plane * plan->in_plane + src[e];
    }
    return SIMDPOOL_OK;
}
