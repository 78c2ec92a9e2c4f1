/*
 * RoI max pooling and RoI align: descriptor, validation, plans and runs. Boxes are run-time data, checked in
 * full before any kernel runs (batch index an integer in range, coordinates finite and within +-2^24 once
 * scaled), so kernels can trust them. The forward is threaded over (box, channel block) tasks, each writing its
 * own part of the output; the backward over (image, channel block) tasks, each overwriting its own part of dx
 * and walking every box of its image in order -- deterministic without atomics, and in torchvision's order of
 * additions.
 */
#include <math.h>
#include <stdio.h>

#include "ops_internal.h"

/* Forward tasks: channels per (box, block) task. Backward: channels per (image, block) task -- small in NCHW,
   since there are only n * C / block of them and each walks every box of its image. NHWC tasks take every
   channel: a task confined to a block of each pixel's channels touches the same few cache sets at every pixel
   (C = 256: a quarter of them with blocks of 64), and ran 3 to 8 times slower than one that takes the whole
   pixel -- slower even than two such tasks on two threads. */
#define SP_ROI_FWD_CHANNEL_BLOCK_NCHW 64
#define SP_ROI_BWD_CHANNEL_BLOCK_NCHW 16
/* Threads pay off from about this many output elements per run. */
#define SP_ROI_PARALLEL_MIN_OUTPUTS 4096
/* Largest |coordinate * spatial_scale|: float positions beyond 2^24 are no longer exact integers. */
#define SP_ROI_MAX_COORD 16777216.0f

simdpool_status simdpool_roi_desc_init(simdpool_roi_desc *desc, simdpool_roi_mode mode) {
    SP_CHECK_NOT_NULL(desc);
    if (mode != SIMDPOOL_ROI_POOL && mode != SIMDPOOL_ROI_ALIGN)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "mode = %d is not a simdpool_roi_mode", (int)mode);
    *desc = (simdpool_roi_desc){0};
    desc->mode = mode;
    desc->spatial_scale = 1.0f;
    desc->sampling_ratio = -1;
    desc->layout = SIMDPOOL_NCHW;
    desc->dtype = SIMDPOOL_F32;
    return SIMDPOOL_OK;
}

static simdpool_status validate(const simdpool_roi_desc *d) {
    if (d->mode != SIMDPOOL_ROI_POOL && d->mode != SIMDPOOL_ROI_ALIGN)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "mode = %d is not a simdpool_roi_mode", (int)d->mode);
    simdpool_status status = sp_op_check_layout_dtype(d->layout, d->dtype);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("n", -1, d->n);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("c", -1, d->c);
    for (int i = 0; i < 2 && status == SIMDPOOL_OK; ++i) status = sp_op_check_positive("in", i, d->in[i]);
    for (int i = 0; i < 2 && status == SIMDPOOL_OK; ++i) status = sp_op_check_positive("pooled", i, d->pooled[i]);
    if (status == SIMDPOOL_OK) status = sp_op_check_flag("aligned", d->aligned);
    if (status != SIMDPOOL_OK) return status;
    if (!(isfinite(d->spatial_scale) && d->spatial_scale > 0.0f))
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "spatial_scale = %g must be a finite number > 0",
                       (double)d->spatial_scale);
    if (d->mode == SIMDPOOL_ROI_POOL && d->aligned)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "aligned = 1 applies to SIMDPOOL_ROI_ALIGN only, not "
                       "SIMDPOOL_ROI_POOL");
    if (d->mode == SIMDPOOL_ROI_POOL && d->sampling_ratio > 0)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "sampling_ratio = %d applies to SIMDPOOL_ROI_ALIGN only (RoI max "
                       "pooling scans whole bins); leave it <= 0", d->sampling_ratio);
    int64_t elements = 0;
    status = sp_op_check_tensor("input", d->n, d->c, d->in, 2, &elements);
    const int64_t one = 1;
    if (status == SIMDPOOL_OK) status = sp_op_check_tensor("output (one box)", one, d->c, d->pooled, 2, &elements);
    return status;
}

simdpool_status simdpool_plan_create_roi(const simdpool_roi_desc *desc, const simdpool_options *options,
                                         simdpool_plan **plan) {
    SP_CHECK_NOT_NULL(plan);
    *plan = NULL;
    SP_CHECK_NOT_NULL(desc);
    simdpool_status status = validate(desc);
    if (status != SIMDPOOL_OK) return status;
    simdpool_plan *p;
    const simdpool_algorithm algorithm = desc->mode == SIMDPOOL_ROI_POOL ? SIMDPOOL_MAX : SIMDPOOL_AVG;
    status = sp_op_plan_new(&p, SP_PLAN_ROI, options, algorithm, desc->layout, 2, desc->n, desc->c);
    if (status != SIMDPOOL_OK) return status;
    sp_op_set_shapes(p, desc->in, desc->pooled);
    p->output_elements = (size_t)(desc->c * p->out_plane); /* one box's block */
    struct sp_op_plan *op = p->op;
    op->roi_mode = desc->mode;
    op->roi = (sp_roi_geometry){.channels = desc->c,
                                .height = desc->in[0],
                                .width = desc->in[1],
                                .pooled_h = desc->pooled[0],
                                .pooled_w = desc->pooled[1],
                                .spatial_scale = desc->spatial_scale,
                                .sampling_ratio = desc->sampling_ratio,
                                .aligned = desc->aligned};
    const bool nchw = desc->layout == SIMDPOOL_NCHW;
    op->channel_block = nchw && desc->c > SP_ROI_FWD_CHANNEL_BLOCK_NCHW ? SP_ROI_FWD_CHANNEL_BLOCK_NCHW : desc->c;
    op->roi_bwd_channel_block = nchw && desc->c > SP_ROI_BWD_CHANNEL_BLOCK_NCHW ? SP_ROI_BWD_CHANNEL_BLOCK_NCHW
                                                                               : desc->c;
    const char *family = desc->mode == SIMDPOOL_ROI_POOL ? "roi_pool" : "roi_align";
    const char *layout = desc->layout == SIMDPOOL_NCHW ? "nchw" : "nhwc";
    snprintf(p->kernel_name[0], sizeof p->kernel_name[0], "%s/%s_fwd_%s_f32", op->kernels->isa_name, family, layout);
    snprintf(p->kernel_name[1], sizeof p->kernel_name[1], "%s/%s_bwd_%s_f32", op->kernels->isa_name, family, layout);
    if (sp_verbose()) sp_report_plan(p);
    *plan = p;
    return SIMDPOOL_OK;
}

/* ---- argument checks ---- */

static simdpool_status check_boxes(const simdpool_plan *plan, const float *boxes, size_t num_boxes) {
    int64_t values = 0, outputs = 0;
    if (num_boxes > (size_t)INT64_MAX || !sp_mul_size((int64_t)num_boxes, 5, &values) ||
        !sp_mul_size((int64_t)num_boxes, (int64_t)plan->output_elements, &outputs) ||
        !sp_mul_size(outputs, (int64_t)sizeof(int64_t), &outputs) || (uint64_t)outputs > SIZE_MAX)
        return sp_fail(SIMDPOOL_SIZE_OVERFLOW, "num_boxes = %zu boxes of %zu output elements each exceed what memory "
                       "can address", num_boxes, plan->output_elements);
    static const char *const names[5] = {"batch index", "x1", "y1", "x2", "y2"};
    const float scale = plan->op->roi.spatial_scale;
    for (size_t k = 0; k < num_boxes; ++k) {
        const float *box = boxes + 5 * k;
        const float b = box[0];
        if (!(b >= 0.0f && b < (float)plan->n && b == floorf(b)) || (int64_t)b >= plan->n)
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                           "boxes[%zu][0] = %g: the batch index must be an integer in [0, %lld)", k, (double)b,
                           (long long)plan->n);
        for (int j = 1; j < 5; ++j) {
            if (!isfinite(box[j]))
                return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "boxes[%zu][%d] = %g (%s): coordinates must be finite", k,
                               j, (double)box[j], names[j]);
            const float scaled = box[j] * scale;
            if (!(fabsf(scaled) <= SP_ROI_MAX_COORD))
                return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                               "boxes[%zu][%d] = %g (%s) * spatial_scale %g = %g lies beyond +-2^24 feature-map "
                               "pixels", k, j, (double)box[j], names[j], (double)scale, (double)scaled);
        }
    }
    return SIMDPOOL_OK;
}

static simdpool_status check_common(const simdpool_plan *plan, const float *boxes, size_t num_boxes,
                                    const int64_t *argmax, bool backward) {
    if (plan->kind != SP_PLAN_ROI) return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "plan is not a RoI plan");
    SP_CHECK_NOT_NULL(boxes);
    if (plan->op->roi_mode == SIMDPOOL_ROI_ALIGN && argmax != NULL)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "argmax must be NULL: only SIMDPOOL_ROI_POOL records argmax");
    if (backward && plan->op->roi_mode == SIMDPOOL_ROI_POOL && argmax == NULL)
        return sp_fail(SIMDPOOL_NULL_POINTER, "argmax must not be NULL: RoI max pooling's backward routes gradients "
                       "through the forward's argmax");
    return check_boxes(plan, boxes, num_boxes);
}

/* ---- forward: tasks (box, channel block) ---- */

typedef struct roi_args {
    const float *x;
    const float *boxes;
    size_t num_boxes;
    float *y;
    int64_t *argmax_out;
    const float *dy;
    const int64_t *argmax_in;
    float *dx;
} roi_args;

static int64_t blocks_of(int64_t c, int64_t block) { return (c + block - 1) / block; }

static int64_t forward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    const roi_args *a = vargs;
    const struct sp_op_plan *op = p->op;
    const int64_t block = op->channel_block, blocks = blocks_of(p->c, block), per_box = (int64_t)p->output_elements;
    const bool nchw = p->layout == SIMDPOOL_NCHW;
    for (size_t t = begin; t < end; ++t) {
        const int64_t k = (int64_t)t / blocks, c0 = ((int64_t)t % blocks) * block;
        const int64_t c1 = c0 + block < p->c ? c0 + block : p->c;
        const float *box = a->boxes + 5 * k;
        float *y = a->y + k * per_box;
        if (op->roi_mode == SIMDPOOL_ROI_ALIGN) {
            (nchw ? op->kernels->roi_align_fwd_nchw : op->kernels->roi_align_fwd_nhwc)(&op->roi, a->x, box, y, c0, c1);
        } else {
            int64_t *argmax = a->argmax_out ? a->argmax_out + k * per_box : NULL;
            (nchw ? op->kernels->roi_pool_fwd_nchw : op->kernels->roi_pool_fwd_nhwc)(&op->roi, a->x, box, y, argmax,
                                                                                     c0, c1);
        }
    }
    return -1;
}

simdpool_status simdpool_roi_forward(const simdpool_plan *plan, const float *x, const float *boxes, size_t num_boxes,
                                     float *y, int64_t *argmax) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(x);
    SP_CHECK_NOT_NULL(y);
    simdpool_status status = check_common(plan, boxes, num_boxes, argmax, false);
    if (status != SIMDPOOL_OK) return status;
    const roi_args args = {.x = x, .boxes = boxes, .num_boxes = num_boxes, .y = y, .argmax_out = argmax};
    const size_t tasks = num_boxes * (size_t)blocks_of(plan->c, plan->op->channel_block);
    const bool parallel = num_boxes * plan->output_elements >= SP_ROI_PARALLEL_MIN_OUTPUTS;
    sp_op_run(plan, &args, tasks, parallel, forward_range);
    return SIMDPOOL_OK;
}

/* ---- backward: tasks (image, channel block) ---- */

static int64_t backward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    const roi_args *a = vargs;
    const struct sp_op_plan *op = p->op;
    const int64_t block = op->roi_bwd_channel_block, blocks = blocks_of(p->c, block);
    const int64_t in_image = p->in_plane * p->c;
    const bool nchw = p->layout == SIMDPOOL_NCHW;
    int64_t first_bad = -1;
    for (size_t t = begin; t < end; ++t) {
        const int64_t image = (int64_t)t / blocks, c0 = ((int64_t)t % blocks) * block;
        const int64_t c1 = c0 + block < p->c ? c0 + block : p->c;
        float *dx = a->dx + image * in_image;
        if (op->roi_mode == SIMDPOOL_ROI_ALIGN) {
            (nchw ? op->kernels->roi_align_bwd_nchw : op->kernels->roi_align_bwd_nhwc)(
                &op->roi, a->dy, a->boxes, a->num_boxes, dx, image, c0, c1);
            continue;
        }
        const int64_t bad = (nchw ? op->kernels->roi_pool_bwd_nchw : op->kernels->roi_pool_bwd_nhwc)(
            &op->roi, a->dy, a->argmax_in, a->boxes, a->num_boxes, dx, image, c0, c1);
        if (bad >= 0 && (first_bad < 0 || bad < first_bad)) first_bad = bad;
    }
    return first_bad;
}

simdpool_status simdpool_roi_backward(const simdpool_plan *plan, const float *dy, const float *boxes,
                                      size_t num_boxes, const int64_t *argmax, float *dx) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(dy);
    SP_CHECK_NOT_NULL(dx);
    simdpool_status status = check_common(plan, boxes, num_boxes, argmax, true);
    if (status != SIMDPOOL_OK) return status;
    const roi_args args = {.dy = dy, .boxes = boxes, .num_boxes = num_boxes, .argmax_in = argmax, .dx = dx};
    const size_t tasks = (size_t)(plan->n * blocks_of(plan->c, plan->op->roi_bwd_channel_block));
    const bool parallel = num_boxes * plan->output_elements + plan->input_elements >= SP_ROI_PARALLEL_MIN_OUTPUTS;
    const int64_t bad = sp_op_run(plan, &args, tasks, parallel, backward_range);
    if (bad < 0) return SIMDPOOL_OK;
    /* argmax has the output's shape: box k's block of (C, PH, PW) or (PH, PW, C). */
    const int64_t per_box = (int64_t)plan->output_elements, k = bad / per_box, e = bad % per_box;
    const int64_t pw = plan->geometry.out[2], bins = plan->out_plane;
    const int64_t c = plan->layout == SIMDPOOL_NCHW ? e / bins : e % plan->c;
    const int64_t bin = plan->layout == SIMDPOOL_NCHW ? e % bins : e / plan->c;
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                   "argmax[%lld] = %lld (box %lld, c = %lld, bin (%lld, %lld)) must be -1 or inside the plane "
                   "[0, %lld)", (long long)bad, (long long)argmax[bad], (long long)k, (long long)c,
                   (long long)(bin / pw), (long long)(bin % pw), (long long)plan->in_plane);
}
