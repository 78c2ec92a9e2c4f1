/*
 * What the op families (fractional.c, unpool.c, spp.c, roi.c) share, and the hooks through which the generic
 * entry points (simdpool_forward, simdpool_backward, the task API, shape queries, destroy) reach them. A
 * family whose run needs arguments the generic signature lacks (samples, boxes, indices as an input) refuses
 * the generic call with a message that names its own entry point.
 */
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops_internal.h"

/* Below this much memory traffic a single thread finishes before OpenMP has woken the others (as plan.c). */
#define SP_OP_PARALLEL_MIN_BYTES (128 * 1024)

/* ---------------------------------------------------------------------------------------------------------- */
/* Plans                                                                                                      */

simdpool_status sp_op_plan_new(simdpool_plan **out, enum sp_plan_kind kind, const simdpool_options *options,
                               simdpool_algorithm algorithm, simdpool_layout layout, int spatial_dims, int64_t n,
                               int64_t c) {
    *out = NULL;
    simdpool_options defaults;
    if (options == NULL) {
        simdpool_options_init(&defaults);
        options = &defaults;
    }
    simdpool_status status = sp_check_options(options);
    if (status != SIMDPOOL_OK) return status;
    if (options->clamp_output)
        return sp_fail(SIMDPOOL_UNSUPPORTED, "options.clamp_output = 1: a fused output clamp is available for pool "
                       "and adaptive plans only");
    simdpool_plan *plan = calloc(1, sizeof *plan);
    struct sp_op_plan *op = calloc(1, sizeof *op);
    if (plan == NULL || op == NULL) {
        free(plan);
        free(op);
        return sp_fail(SIMDPOOL_OUT_OF_MEMORY, "could not allocate a plan");
    }
    plan->kind = kind;
    plan->algorithm = algorithm;
    plan->layout = layout;
    plan->spatial_dims = spatial_dims;
    plan->n = n;
    plan->c = c;
    plan->num_threads = options->num_threads;
    plan->isa = sp_resolve_isa(options->max_isa);
    plan->isa_cap = options->max_isa;
    plan->op = op;
    plan->geometry.channels = c;
    plan->geometry.clamp_min = -INFINITY;
    plan->geometry.clamp_max = INFINITY;
    /* Only scalar kernels exist for these families so far: every ISA's plan takes them. */
    op->kernels = &sp_scalar_ops_kernels;
    *out = plan;
    return SIMDPOOL_OK;
}

simdpool_status sp_op_plan_abandon(simdpool_plan *plan, simdpool_status status) {
    simdpool_plan_destroy(plan);
    return status;
}

void sp_op_plan_free(struct sp_op_plan *op) {
    if (op == NULL) return;
    sp_spp_free(op);
    free(op);
}

void sp_op_set_shapes(simdpool_plan *plan, const int64_t *in, const int64_t *out) {
    const int offset = SP_AXES - plan->spatial_dims;
    for (int a = 0; a < SP_AXES; ++a) {
        plan->geometry.in[a] = a < offset ? 1 : in[a - offset];
        plan->geometry.out[a] = a < offset ? 1 : out[a - offset];
        plan->geometry.dilation[a] = 1;
    }
    plan->in_plane = sp_in_plane(&plan->geometry);
    plan->out_plane = sp_out_plane(&plan->geometry);
    plan->input_elements = (size_t)(plan->n * plan->c * plan->in_plane);
    plan->output_elements = (size_t)(plan->n * plan->c * plan->out_plane);
    const double traffic = (double)(plan->input_elements + plan->output_elements) * sizeof(float);
    plan->parallel_worthwhile = traffic >= SP_OP_PARALLEL_MIN_BYTES;
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Descriptor checks                                                                                          */

simdpool_status sp_op_check_tensor(const char *tensor, int64_t n, int64_t c, const int64_t *spatial, int dims,
                                   int64_t *elements) {
    int64_t count = 0, bytes = 0;
    bool fits = sp_mul_size(n, c, &count);
    for (int i = 0; i < dims && fits; ++i) fits = sp_mul_size(count, spatial[i], &count);
    fits = fits && sp_mul_size(count, (int64_t)sizeof(int64_t), &bytes) && (uint64_t)bytes <= SIZE_MAX;
    if (!fits)
        return sp_fail(SIMDPOOL_SIZE_OVERFLOW,
                       "the %s tensor (n = %lld, c = %lld, %d spatial dims) has more elements than memory can address",
                       tensor, (long long)n, (long long)c, dims);
    *elements = count;
    return SIMDPOOL_OK;
}

simdpool_status sp_op_check_layout_dtype(simdpool_layout layout, simdpool_dtype dtype) {
    if (layout != SIMDPOOL_NCHW && layout != SIMDPOOL_NHWC)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "layout = %d is not a simdpool_layout", (int)layout);
    if (dtype != SIMDPOOL_F32)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "dtype = %d is not a simdpool_dtype", (int)dtype);
    return SIMDPOOL_OK;
}

simdpool_status sp_op_check_positive(const char *field, int index, int64_t value) {
    if (value >= 1) return SIMDPOOL_OK;
    if (index < 0) return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s = %lld must be >= 1", field, (long long)value);
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s[%d] = %lld must be >= 1", field, index, (long long)value);
}

simdpool_status sp_op_check_flag(const char *field, int value) {
    if (value == 0 || value == 1) return SIMDPOOL_OK;
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s = %d must be 0 or 1", field, value);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Running                                                                                                    */

size_t sp_op_channel_blocks(const simdpool_plan *plan) {
    return (size_t)((plan->c + plan->op->channel_block - 1) / plan->op->channel_block);
}

int64_t sp_op_scatter_range(const simdpool_plan *p, const float *src, const int64_t *idx, float *dst,
                            int64_t src_plane, int64_t dst_plane, size_t begin, size_t end, int accumulate) {
    const struct sp_op_plan *op = p->op;
    if (p->layout == SIMDPOOL_NCHW) {
        const int64_t first = (int64_t)begin;
        const int64_t bad = op->kernels->scatter_nchw(&op->route, src + first * src_plane, idx + first * src_plane,
                                                      dst + first * dst_plane, end - begin, accumulate);
        return bad < 0 ? -1 : first * src_plane + bad;
    }
    const size_t blocks = sp_op_channel_blocks(p);
    const int64_t src_image = src_plane * p->c, dst_image = dst_plane * p->c;
    /* Every task runs even after a bad index; tasks go in increasing image order, so the first bad index met
       is the lowest offset. */
    int64_t first_bad = -1;
    for (size_t t = begin; t < end; ++t) {
        const int64_t image = (int64_t)(t / blocks), c0 = (int64_t)(t % blocks) * op->channel_block;
        const int64_t c1 = c0 + op->channel_block < p->c ? c0 + op->channel_block : p->c;
        const int64_t bad = op->kernels->scatter_nhwc(&op->route, src + image * src_image, idx + image * src_image,
                                                      dst + image * dst_image, c0, c1, accumulate);
        if (bad >= 0 && first_bad < 0) first_bad = image * src_image + bad;
    }
    return first_bad;
}

int64_t sp_op_run(const simdpool_plan *plan, const void *args, size_t tasks, bool parallel, sp_op_range_fn fn) {
    if (tasks == 0) return -1;
    int threads = 1;
    if (parallel && tasks >= 2) {
        threads = plan->num_threads > 0 ? plan->num_threads : omp_get_max_threads();
        if ((size_t)threads > tasks) threads = (int)tasks;
        if (threads < 1) threads = 1;
    }
    if (threads == 1) return fn(plan, args, 0, tasks);
    int64_t first_bad = -1;
#pragma omp parallel num_threads(threads)
    {
        /* Contiguous, near-equal ranges, as run.c: thread t gets tasks [t*q + min(t, r), ...). */
        const size_t team = (size_t)omp_get_num_threads(), t = (size_t)omp_get_thread_num();
        const size_t q = tasks / team, r = tasks % team;
        const size_t begin = t * q + (t < r ? t : r);
        const size_t end = begin + q + (t < r ? 1 : 0);
        const int64_t bad = begin < end ? fn(plan, args, begin, end) : -1;
        if (bad >= 0) {
#pragma omp critical(sp_op_first_bad)
            if (first_bad < 0 || bad < first_bad) first_bad = bad;
        }
    }
    return first_bad;
}

simdpool_status sp_op_check_task_range(size_t begin, size_t end, size_t count) {
    if (begin > end || end > count)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "task range [%zu, %zu) must lie within [0, %zu)", begin, end,
                       count);
    return SIMDPOOL_OK;
}

void sp_op_describe_element(char *buf, size_t size, int64_t e, simdpool_layout layout, int64_t c,
                            const int64_t *spatial, int dims) {
    int64_t plane = 1;
    for (int i = 0; i < dims; ++i) plane *= spatial[i];
    int64_t n, ch, pos;
    if (layout == SIMDPOOL_NCHW) {
        n = e / plane / c;
        ch = (e / plane) % c;
        pos = e % plane;
    } else {
        ch = e % c;
        n = (e / c) / plane;
        pos = (e / c) % plane;
    }
    static const char *const names[3][3] = {{"w", "", ""}, {"h", "w", ""}, {"d", "h", "w"}};
    int64_t coord[3] = {0, 0, 0};
    for (int i = dims - 1; i >= 0; --i) {
        coord[i] = pos % spatial[i];
        pos /= spatial[i];
    }
    int used = snprintf(buf, size, "n = %lld, c = %lld", (long long)n, (long long)ch);
    for (int i = 0; i < dims && used >= 0 && (size_t)used < size; ++i)
        used += snprintf(buf + used, size - (size_t)used, ", %s = %lld", names[dims - 1][i], (long long)coord[i]);
}

/* ---------------------------------------------------------------------------------------------------------- */
/* Hooks of the generic entry points                                                                          */

static simdpool_status needs_own_forward(const simdpool_plan *plan) {
    switch (plan->kind) {
    case SP_PLAN_FRACTIONAL:
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "a fractional max pooling plan's forward needs its samples: call "
                       "simdpool_fractional_forward");
    case SP_PLAN_UNPOOL:
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "an unpool plan's forward reads indices as an input: call "
                       "simdpool_unpool_forward");
    case SP_PLAN_ROI:
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "a RoI plan's forward needs its boxes: call simdpool_roi_forward");
    default: return SIMDPOOL_OK;
    }
}

simdpool_status sp_op_forward(const simdpool_plan *plan, const float *x, float *y, int64_t *indices) {
    simdpool_status status = needs_own_forward(plan);
    if (status != SIMDPOOL_OK) return status;
    return sp_spp_forward(plan, x, y, indices, NULL); /* SPP is the one family whose forward is generic */
}

simdpool_status sp_op_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, const float *x,
                               const float *y, float *dx) {
    (void)x; /* no family's backward reads the forward's input or output */
    (void)y;
    switch (plan->kind) {
    case SP_PLAN_FRACTIONAL: return sp_fractional_backward(plan, dy, indices, dx, NULL);
    case SP_PLAN_UNPOOL: return sp_unpool_backward(plan, dy, indices, dx, NULL);
    case SP_PLAN_SPP: return sp_spp_backward(plan, dy, indices, dx, NULL);
    default:
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "a RoI plan's backward needs its boxes: call "
                       "simdpool_roi_backward");
    }
}

static simdpool_status op_task_count(const simdpool_plan *plan, int backward, size_t *count) {
    if (backward != 0 && backward != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "backward = %d must be 0 or 1", backward);
    if (!backward) {
        simdpool_status status = needs_own_forward(plan);
        if (status != SIMDPOOL_OK) return status;
    }
    switch (plan->kind) {
    case SP_PLAN_FRACTIONAL: *count = sp_fractional_task_count(plan, backward); break;
    case SP_PLAN_UNPOOL: *count = sp_unpool_task_count(plan, backward); break;
    case SP_PLAN_SPP: *count = sp_spp_task_count(plan, backward); break;
    default:
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "a RoI plan splits its work by box at run time: it has no task "
                       "ranges (simdpool_roi_forward/backward thread themselves)");
    }
    return SIMDPOOL_OK;
}

simdpool_status sp_op_task_count(const simdpool_plan *plan, int backward, size_t *count) {
    SP_CHECK_NOT_NULL(count);
    return op_task_count(plan, backward, count);
}

simdpool_status sp_op_forward_tasks(const simdpool_plan *plan, const float *x, float *y, int64_t *indices,
                                    size_t task_begin, size_t task_end) {
    size_t count = 0;
    simdpool_status status = op_task_count(plan, 0, &count);
    if (status == SIMDPOOL_OK) status = sp_op_check_task_range(task_begin, task_end, count);
    if (status != SIMDPOOL_OK) return status;
    const size_t range[2] = {task_begin, task_end};
    return sp_spp_forward(plan, x, y, indices, range);
}

simdpool_status sp_op_backward_tasks(const simdpool_plan *plan, const float *dy, const int64_t *indices,
                                     const float *x, const float *y, float *dx, size_t task_begin, size_t task_end) {
    (void)x;
    (void)y;
    size_t count = 0;
    simdpool_status status = op_task_count(plan, 1, &count);
    if (status == SIMDPOOL_OK) status = sp_op_check_task_range(task_begin, task_end, count);
    if (status != SIMDPOOL_OK) return status;
    const size_t range[2] = {task_begin, task_end};
    switch (plan->kind) {
    case SP_PLAN_FRACTIONAL: return sp_fractional_backward(plan, dy, indices, dx, range);
    case SP_PLAN_UNPOOL: return sp_unpool_backward(plan, dy, indices, dx, range);
    default: return sp_spp_backward(plan, dy, indices, dx, range);
    }
}

bool sp_op_output_shape(const simdpool_plan *plan, int64_t *dims, int *rank) {
    if (plan->kind == SP_PLAN_SPP) {
        dims[0] = plan->n;
        dims[1] = plan->op->spp.features;
        *rank = 2;
        return true;
    }
    if (plan->kind == SP_PLAN_ROI) { /* one box's block */
        const int64_t ph = plan->geometry.out[1], pw = plan->geometry.out[2];
        dims[0] = 1;
        if (plan->layout == SIMDPOOL_NCHW) {
            dims[1] = plan->c;
            dims[2] = ph;
            dims[3] = pw;
        } else {
            dims[1] = ph;
            dims[2] = pw;
            dims[3] = plan->c;
        }
        *rank = 4;
        return true;
    }
    return false;
}
