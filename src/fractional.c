/*
 * Fractional max pooling: descriptor, validation (PyTorch's limits), plans, the sample helper, and the runs.
 * The window starts depend on per-plane samples known only at run time, so the kernels compute them from the
 * interval rule as they go (a float multiply per output row and column); the plan holds the per-axis alpha.
 * The backward routes dy through the forward's indices with the accumulating scatter kernel.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ops_internal.h"

/* NHWC backward tasks own blocks of this many channels of one image. */
#define SP_FRACTIONAL_CHANNEL_BLOCK 64

simdpool_status simdpool_fractional_desc_init(simdpool_fractional_desc *desc, int spatial_dims) {
    SP_CHECK_NOT_NULL(desc);
    if (spatial_dims != 2 && spatial_dims != 3)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "spatial_dims = %d must be 2 or 3 (fractional max pooling is 2-D or 3-D)", spatial_dims);
    *desc = (simdpool_fractional_desc){0};
    desc->spatial_dims = spatial_dims;
    desc->layout = SIMDPOOL_NCHW;
    desc->dtype = SIMDPOOL_F32;
    return SIMDPOOL_OK;
}

/* Dim i: in, kernel, and the output size from out[i] or output_ratio[i], within PyTorch's limit. */
static simdpool_status check_axis(const simdpool_fractional_desc *d, int i, int64_t *out) {
    simdpool_status status = sp_op_check_positive("in", i, d->in[i]);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("kernel", i, d->kernel[i]);
    if (status != SIMDPOOL_OK) return status;
    if (d->kernel[i] > d->in[i])
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "kernel[%d] = %lld must be <= in[%d] = %lld", i,
                       (long long)d->kernel[i], i, (long long)d->in[i]);
    const double ratio = d->output_ratio[i];
    if (d->out[i] < 0)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "out[%d] = %lld must be >= 1, or 0 to use output_ratio[%d]", i,
                       (long long)d->out[i], i);
    if (d->out[i] > 0) {
        if (ratio != 0.0)
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                           "out[%d] = %lld and output_ratio[%d] = %g are both set: set one, the other 0", i,
                           (long long)d->out[i], i, ratio);
        *out = d->out[i];
    } else {
        if (!(ratio > 0.0 && ratio < 1.0))
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                           "output_ratio[%d] = %g must lie in (0, 1) when out[%d] = 0 (set one of the two)", i, ratio,
                           i);
        *out = (int64_t)((double)d->in[i] * ratio); /* PyTorch: int(input_size * ratio) */
        if (*out < 1)
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                           "output_ratio[%d] = %g gives an output size of 0 for in[%d] = %lld (int(in * ratio) must "
                           "be >= 1)", i, ratio, i, (long long)d->in[i]);
    }
    /* PyTorch's limit: out + kernel - 1 <= in, i.e. alpha = (in - k) / (out - 1) >= 1. */
    if (*out > d->in[i] - d->kernel[i] + 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "output size %lld of dim %d is too large for in[%d] = %lld and kernel[%d] = %lld: fractional "
                       "max pooling needs out + kernel - 1 <= in, so out <= %lld", (long long)*out, i, i,
                       (long long)d->in[i], i, (long long)d->kernel[i], (long long)(d->in[i] - d->kernel[i] + 1));
    return SIMDPOOL_OK;
}

static simdpool_status validate(const simdpool_fractional_desc *d, int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS]) {
    if (d->spatial_dims != 2 && d->spatial_dims != 3)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "spatial_dims = %d must be 2 or 3 (fractional max pooling is 2-D or 3-D)", d->spatial_dims);
    simdpool_status status = sp_op_check_layout_dtype(d->layout, d->dtype);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("n", -1, d->n);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("c", -1, d->c);
    for (int i = 0; i < d->spatial_dims && status == SIMDPOOL_OK; ++i) status = check_axis(d, i, &out[i]);
    if (status != SIMDPOOL_OK) return status;
    int64_t elements = 0;
    status = sp_op_check_tensor("input", d->n, d->c, d->in, d->spatial_dims, &elements);
    if (status == SIMDPOOL_OK) status = sp_op_check_tensor("output", d->n, d->c, out, d->spatial_dims, &elements);
    const int64_t dims = d->spatial_dims;
    if (status == SIMDPOOL_OK) status = sp_op_check_tensor("samples", d->n, d->c, &dims, 1, &elements);
    return status;
}

static const char *layout_name(simdpool_layout layout) { return layout == SIMDPOOL_NCHW ? "nchw" : "nhwc"; }

simdpool_status simdpool_plan_create_fractional(const simdpool_fractional_desc *desc, const simdpool_options *options,
                                                simdpool_plan **plan) {
    SP_CHECK_NOT_NULL(plan);
    *plan = NULL;
    SP_CHECK_NOT_NULL(desc);
    int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS] = {0};
    simdpool_status status = validate(desc, out);
    if (status != SIMDPOOL_OK) return status;
    simdpool_plan *p;
    status = sp_op_plan_new(&p, SP_PLAN_FRACTIONAL, options, SIMDPOOL_MAX, desc->layout, desc->spatial_dims, desc->n,
                            desc->c);
    if (status != SIMDPOOL_OK) return status;
    sp_op_set_shapes(p, desc->in, out);
    struct sp_op_plan *op = p->op;
    sp_fractional_geometry *g = &op->fractional;
    const int offset = SP_AXES - desc->spatial_dims;
    for (int a = 0; a < SP_AXES; ++a) {
        const int i = a - offset;
        g->in[a] = p->geometry.in[a];
        g->out[a] = p->geometry.out[a];
        g->kernel[a] = i < 0 ? 1 : desc->kernel[i];
        /* PyTorch: static_cast<scalar_t>(in - k) / static_cast<scalar_t>(out - 1), in the tensor's type. */
        g->alpha[a] = g->out[a] > 1 ? (float)(g->in[a] - g->kernel[a]) / (float)(g->out[a] - 1) : 0.0f;
        /* PyTorch's sample order: 2-D (W, H); 3-D (D, H, W). */
        if (i < 0)
            g->sample_of_axis[a] = -1;
        else if (desc->spatial_dims == 2)
            g->sample_of_axis[a] = 1 - i;
        else
            g->sample_of_axis[a] = i;
    }
    g->samples_per_plane = desc->spatial_dims;
    g->channels = desc->c;
    op->route = (sp_route_geometry){.src_plane = p->out_plane, .dst_plane = p->in_plane, .channels = desc->c};
    op->channel_block = desc->c < SP_FRACTIONAL_CHANNEL_BLOCK ? desc->c : SP_FRACTIONAL_CHANNEL_BLOCK;
    snprintf(p->kernel_name[0], sizeof p->kernel_name[0], "%s/fractional_maxpool_fwd_%s_f32", op->kernels->isa_name,
             layout_name(p->layout));
    snprintf(p->kernel_name[1], sizeof p->kernel_name[1], "%s/fractional_maxpool_bwd_%s_f32", op->kernels->isa_name,
             layout_name(p->layout));
    if (sp_verbose()) sp_report_plan(p);
    *plan = p;
    return SIMDPOOL_OK;
}

static simdpool_status check_kind(const simdpool_plan *plan) {
    if (plan->kind != SP_PLAN_FRACTIONAL)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "plan is not a fractional max pooling plan");
    return SIMDPOOL_OK;
}

simdpool_status simdpool_fractional_sample_count(const simdpool_plan *plan, size_t *count) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(count);
    simdpool_status status = check_kind(plan);
    if (status != SIMDPOOL_OK) return status;
    *count = (size_t)(plan->n * plan->c * plan->spatial_dims);
    return SIMDPOOL_OK;
}

simdpool_status simdpool_fractional_fill_samples(uint64_t seed, float *samples, size_t count) {
    if (count > 0) SP_CHECK_NOT_NULL(samples);
    uint64_t state = seed;
    for (size_t i = 0; i < count; ++i) {
        /* SplitMix64, then the top 24 bits: exact in float and always < 1. */
        uint64_t z = (state += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        z ^= z >> 31;
        samples[i] = (float)(z >> 40) * (1.0f / 16777216.0f);
    }
    return SIMDPOOL_OK;
}

/* ---- forward ---- */

typedef struct forward_args {
    const float *samples;
    const float *x;
    float *y;
    int64_t *idx;
} forward_args;

static size_t nhwc_rows(const simdpool_plan *plan) {
    return (size_t)(plan->geometry.out[0] * plan->geometry.out[1]);
}

static int64_t forward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    const forward_args *a = vargs;
    const struct sp_op_plan *op = p->op;
    const int64_t spp = op->fractional.samples_per_plane;
    if (p->layout == SIMDPOOL_NCHW) {
        op->kernels->fractional_fwd_nchw(&op->fractional, a->samples + (int64_t)begin * spp,
                                         a->x + (int64_t)begin * p->in_plane, a->y + (int64_t)begin * p->out_plane,
                                         a->idx ? a->idx + (int64_t)begin * p->out_plane : NULL, end - begin);
        return -1;
    }
    const size_t rows = nhwc_rows(p);
    const int64_t in_image = p->in_plane * p->c, out_image = p->out_plane * p->c;
    for (size_t t = begin; t < end;) {
        const size_t image = t / rows, row = t % rows;
        const size_t row_end = row + (end - t) < rows ? row + (end - t) : rows;
        op->kernels->fractional_fwd_nhwc(&op->fractional, a->samples + (int64_t)image * p->c * spp,
                                         a->x + (int64_t)image * in_image, a->y + (int64_t)image * out_image,
                                         a->idx ? a->idx + (int64_t)image * out_image : NULL, (int64_t)row,
                                         (int64_t)row_end);
        t += row_end - row;
    }
    return -1;
}

simdpool_status simdpool_fractional_forward(const simdpool_plan *plan, const float *samples, const float *x, float *y,
                                            int64_t *indices) {
    SP_CHECK_NOT_NULL(plan);
    simdpool_status status = check_kind(plan);
    if (status != SIMDPOOL_OK) return status;
    SP_CHECK_NOT_NULL(samples);
    SP_CHECK_NOT_NULL(x);
    SP_CHECK_NOT_NULL(y);
    /* Every sample is checked before anything is written. */
    const size_t count = (size_t)(plan->n * plan->c * plan->spatial_dims);
    for (size_t i = 0; i < count; ++i) {
        if (samples[i] >= 0.0f && samples[i] < 1.0f) continue;
        const size_t plane = i / (size_t)plan->spatial_dims;
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "samples[%zu] = %g (n = %zu, c = %zu, sample %zu of %d) must lie in [0, 1)", i,
                       (double)samples[i], plane / (size_t)plan->c, plane % (size_t)plan->c,
                       i % (size_t)plan->spatial_dims, plan->spatial_dims);
    }
    const forward_args args = {samples, x, y, indices};
    const size_t tasks =
        plan->layout == SIMDPOOL_NCHW ? (size_t)(plan->n * plan->c) : (size_t)plan->n * nhwc_rows(plan);
    sp_op_run(plan, &args, tasks, plan->parallel_worthwhile, forward_range);
    return SIMDPOOL_OK;
}

/* ---- backward: dx = scatter-add of dy through the indices ---- */

typedef struct backward_args {
    const float *dy;
    const int64_t *idx;
    float *dx;
} backward_args;

size_t sp_fractional_task_count(const simdpool_plan *plan, int backward) {
    if (plan->layout == SIMDPOOL_NCHW) return (size_t)(plan->n * plan->c);
    return (size_t)plan->n * (backward ? sp_op_channel_blocks(plan) : nhwc_rows(plan));
}

/* Routes dy (output shape) through the indices into dx, accumulating where windows share a winner. */
static int64_t backward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    const backward_args *a = vargs;
    return sp_op_scatter_range(p, a->dy, a->idx, a->dx, p->out_plane, p->in_plane, begin, end, 1);
}

simdpool_status sp_fractional_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, float *dx,
                                       const size_t *range) {
    SP_CHECK_NOT_NULL(dy);
    SP_CHECK_NOT_NULL(dx);
    if (indices == NULL)
        return sp_fail(SIMDPOOL_NULL_POINTER, "indices must not be NULL: fractional max pooling's backward routes "
                       "gradients through the forward's indices");
    const backward_args args = {dy, indices, dx};
    int64_t bad;
    if (range)
        bad = backward_range(plan, &args, range[0], range[1]);
    else
        bad = sp_op_run(plan, &args, sp_fractional_task_count(plan, 1), plan->parallel_worthwhile, backward_range);
    if (bad < 0) return SIMDPOOL_OK;
    char where[128];
    const int64_t out_sizes[3] = {plan->geometry.out[0], plan->geometry.out[1], plan->geometry.out[2]};
    sp_op_describe_element(where, sizeof where, bad, plan->layout, plan->c, out_sizes + (3 - plan->spatial_dims),
                           plan->spatial_dims);
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices[%lld] = %lld (%s) lies outside the input plane [0, %lld)",
                   (long long)bad, (long long)indices[bad], where, (long long)plan->in_plane);
}
