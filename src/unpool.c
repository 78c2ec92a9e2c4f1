/*
 * Max unpooling: descriptor, validation, plans and runs. The forward scatters each input element to the
 * position its index names in the (larger) output plane, the backward gathers dy back from those positions.
 * Indices come from the caller: the kernels check every one against the output plane and never write or read
 * outside it; the first bad one (lowest flat position) is named in the error.
 */
#include <stdio.h>

#include "ops_internal.h"

/* NHWC forward tasks own blocks of this many channels of one image. */
#define SP_UNPOOL_CHANNEL_BLOCK 64

simdpool_status simdpool_unpool_desc_init(simdpool_unpool_desc *desc, int spatial_dims) {
    SP_CHECK_NOT_NULL(desc);
    if (spatial_dims < 1 || spatial_dims > SIMDPOOL_MAX_SPATIAL_DIMS)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "spatial_dims = %d must be 1, 2 or 3", spatial_dims);
    *desc = (simdpool_unpool_desc){0};
    desc->spatial_dims = spatial_dims;
    desc->layout = SIMDPOOL_NCHW;
    desc->dtype = SIMDPOOL_F32;
    return SIMDPOOL_OK;
}

static simdpool_status check_non_negative(const char *field, int i, int64_t value) {
    if (value >= 0) return SIMDPOOL_OK;
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s[%d] = %lld must be >= 0", field, i, (long long)value);
}

/* Dim i: the output size, explicit or derived as (in - 1) * stride - pad_begin - pad_end + kernel. */
static simdpool_status check_axis(const simdpool_unpool_desc *d, int i, int64_t *out) {
    simdpool_status status = sp_op_check_positive("in", i, d->in[i]);
    if (status == SIMDPOOL_OK) status = check_non_negative("kernel", i, d->kernel[i]);
    if (status == SIMDPOOL_OK) status = check_non_negative("stride", i, d->stride[i]);
    if (status == SIMDPOOL_OK) status = check_non_negative("pad_begin", i, d->pad_begin[i]);
    if (status == SIMDPOOL_OK) status = check_non_negative("pad_end", i, d->pad_end[i]);
    if (status != SIMDPOOL_OK) return status;
    if (d->out[i] < 0)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "out[%d] = %lld must be >= 1, or 0 to derive it", i,
                       (long long)d->out[i]);
    if (d->out[i] > 0) {
        *out = d->out[i];
        return SIMDPOOL_OK;
    }
    if (d->kernel[i] < 1 || d->stride[i] < 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "%s[%d] = %lld must be >= 1 to derive the output size where out[%d] = 0 (or set out[%d])",
                       d->kernel[i] < 1 ? "kernel" : "stride", i,
                       (long long)(d->kernel[i] < 1 ? d->kernel[i] : d->stride[i]), i, i);
    int64_t size = 0;
    if (!sp_mul_size(d->in[i] - 1, d->stride[i], &size) || __builtin_add_overflow(size, d->kernel[i], &size))
        return sp_fail(SIMDPOOL_SIZE_OVERFLOW, "(in[%d] - 1) * stride[%d] + kernel[%d] overflows", i, i, i);
    size = size - d->pad_begin[i] - d->pad_end[i]; /* both >= 0 and size >= 1: cannot overflow */
    if (size < 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "the derived output size (in[%d] - 1) * stride[%d] - pad_begin[%d] - pad_end[%d] + kernel[%d] "
                       "= (%lld - 1) * %lld - %lld - %lld + %lld = %lld must be >= 1", i, i, i, i, i,
                       (long long)d->in[i], (long long)d->stride[i], (long long)d->pad_begin[i],
                       (long long)d->pad_end[i], (long long)d->kernel[i], (long long)size);
    *out = size;
    return SIMDPOOL_OK;
}

static simdpool_status validate(const simdpool_unpool_desc *d, int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS]) {
    if (d->spatial_dims < 1 || d->spatial_dims > SIMDPOOL_MAX_SPATIAL_DIMS)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "spatial_dims = %d must be 1, 2 or 3", d->spatial_dims);
    simdpool_status status = sp_op_check_layout_dtype(d->layout, d->dtype);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("n", -1, d->n);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("c", -1, d->c);
    for (int i = 0; i < d->spatial_dims && status == SIMDPOOL_OK; ++i) status = check_axis(d, i, &out[i]);
    if (status != SIMDPOOL_OK) return status;
    int64_t elements = 0;
    status = sp_op_check_tensor("input", d->n, d->c, d->in, d->spatial_dims, &elements);
    if (status == SIMDPOOL_OK) status = sp_op_check_tensor("output", d->n, d->c, out, d->spatial_dims, &elements);
    return status;
}

simdpool_status simdpool_plan_create_unpool(const simdpool_unpool_desc *desc, const simdpool_options *options,
                                            simdpool_plan **plan) {
    SP_CHECK_NOT_NULL(plan);
    *plan = NULL;
    SP_CHECK_NOT_NULL(desc);
    int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS] = {0};
    simdpool_status status = validate(desc, out);
    if (status != SIMDPOOL_OK) return status;
    simdpool_plan *p;
    /* `algorithm` has no meaning for unpooling; MAX records what it undoes. */
    status = sp_op_plan_new(&p, SP_PLAN_UNPOOL, options, SIMDPOOL_MAX, desc->layout, desc->spatial_dims, desc->n,
                            desc->c);
    if (status != SIMDPOOL_OK) return status;
    sp_op_set_shapes(p, desc->in, out);
    struct sp_op_plan *op = p->op;
    op->route = (sp_route_geometry){.src_plane = p->in_plane, .dst_plane = p->out_plane, .channels = desc->c};
    op->channel_block = desc->c < SP_UNPOOL_CHANNEL_BLOCK ? desc->c : SP_UNPOOL_CHANNEL_BLOCK;
    const char *layout = p->layout == SIMDPOOL_NCHW ? "nchw" : "nhwc";
    snprintf(p->kernel_name[0], sizeof p->kernel_name[0], "%s/unpool_fwd_%s_f32", op->kernels->isa_name, layout);
    snprintf(p->kernel_name[1], sizeof p->kernel_name[1], "%s/unpool_bwd_%s_f32", op->kernels->isa_name, layout);
    if (sp_verbose()) sp_report_plan(p);
    *plan = p;
    return SIMDPOOL_OK;
}

typedef struct route_args {
    const float *src;
    const int64_t *idx;
    float *dst;
} route_args;

/* Backward NHWC tasks: rows of the input (d, h) of one image (the gather is independent per pixel). */
static size_t input_rows(const simdpool_plan *plan) { return (size_t)(plan->geometry.in[0] * plan->geometry.in[1]); }

size_t sp_unpool_task_count(const simdpool_plan *plan, int backward) {
    if (plan->layout == SIMDPOOL_NCHW) return (size_t)(plan->n * plan->c);
    return (size_t)plan->n * (backward ? input_rows(plan) : sp_op_channel_blocks(plan));
}

static int64_t forward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    const route_args *a = vargs;
    return sp_op_scatter_range(p, a->src, a->idx, a->dst, p->in_plane, p->out_plane, begin, end, 0);
}

static int64_t backward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    const route_args *a = vargs;
    const struct sp_op_plan *op = p->op;
    if (p->layout == SIMDPOOL_NCHW) {
        const int64_t bad = op->kernels->gather_nchw(&op->route, a->src + (int64_t)begin * p->out_plane,
                                                     a->idx + (int64_t)begin * p->in_plane,
                                                     a->dst + (int64_t)begin * p->in_plane, end - begin);
        return bad < 0 ? -1 : (int64_t)begin * p->in_plane + bad;
    }
    const size_t rows = input_rows(p);
    const int64_t W = p->geometry.in[2], in_image = p->in_plane * p->c, out_image = p->out_plane * p->c;
    int64_t first_bad = -1;
    for (size_t t = begin; t < end;) {
        const size_t image = t / rows, row = t % rows;
        const size_t row_end = row + (end - t) < rows ? row + (end - t) : rows;
        const int64_t off = (int64_t)image * in_image;
        const int64_t bad = op->kernels->gather_nhwc(&op->route, a->src + (int64_t)image * out_image, a->idx + off,
                                                     a->dst + off, (int64_t)row * W, (int64_t)row_end * W);
        if (bad >= 0 && first_bad < 0) first_bad = off + bad;
        t += row_end - row;
    }
    return first_bad;
}

static simdpool_status bad_index(const simdpool_plan *plan, int64_t bad, const int64_t *indices) {
    char where[128];
    const int64_t *in_sizes = plan->geometry.in + (SP_AXES - plan->spatial_dims);
    sp_op_describe_element(where, sizeof where, bad, plan->layout, plan->c, in_sizes, plan->spatial_dims);
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices[%lld] = %lld (%s) lies outside the output plane [0, %lld)",
                   (long long)bad, (long long)indices[bad], where, (long long)plan->out_plane);
}

simdpool_status simdpool_unpool_forward(const simdpool_plan *plan, const float *x, const int64_t *indices, float *y) {
    SP_CHECK_NOT_NULL(plan);
    if (plan->kind != SP_PLAN_UNPOOL) return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "plan is not an unpool plan");
    SP_CHECK_NOT_NULL(x);
    SP_CHECK_NOT_NULL(indices);
    SP_CHECK_NOT_NULL(y);
    const route_args args = {x, indices, y};
    const int64_t bad = sp_op_run(plan, &args, sp_unpool_task_count(plan, 0), plan->parallel_worthwhile, forward_range);
    return bad < 0 ? SIMDPOOL_OK : bad_index(plan, bad, indices);
}

simdpool_status sp_unpool_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, float *dx,
                                   const size_t *range) {
    SP_CHECK_NOT_NULL(dy);
    SP_CHECK_NOT_NULL(dx);
    if (indices == NULL)
        return sp_fail(SIMDPOOL_NULL_POINTER, "indices must not be NULL: unpooling's backward gathers dy at the "
                       "forward's indices");
    const route_args args = {dy, indices, dx};
    int64_t bad;
    if (range)
        bad = backward_range(plan, &args, range[0], range[1]);
    else
        bad = sp_op_run(plan, &args, sp_unpool_task_count(plan, 1), plan->parallel_worthwhile, backward_range);
    return bad < 0 ? SIMDPOOL_OK : bad_index(plan, bad, indices);
}
