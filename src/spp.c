/*
 * Spatial pyramid pooling: one adaptive pooling plan per level, whose (possibly SIMD) forward kernels write
 * straight into the level's block of the output rows (except NCHW MAX, which has a kernel of its own that
 * reduces every level of a plane at once) -- the NCHW block (c, i, j) of one image is exactly the
 * adaptive output's C planes, the NHWC block (i, j, c) exactly its channels-last image. The backward has its
 * own kernel, which adds every level's contribution into dx in a fixed order (levels, then bins).
 */
#include <stdio.h>
#include <string.h>

#include "ops_internal.h"

/* Backward tasks own blocks of this many channels of one image (NCHW: planes, one per channel, are cheap
   enough to be tasks of their own). */
#define SP_SPP_NHWC_CHANNEL_BLOCK 64

static const char *algorithm_label(simdpool_algorithm a) {
    static const char *const names[] = {"SIMDPOOL_MAX", "SIMDPOOL_AVG", "SIMDPOOL_MIN", "SIMDPOOL_LP",
                                        "SIMDPOOL_SOFT"};
    return a >= SIMDPOOL_MAX && a <= SIMDPOOL_SOFT ? names[a] : "unknown";
}

static simdpool_status check_algorithm(simdpool_algorithm a) {
    if (a < SIMDPOOL_MAX || a > SIMDPOOL_SOFT)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "algorithm = %d is not a simdpool_algorithm", (int)a);
    if (a != SIMDPOOL_MAX && a != SIMDPOOL_AVG)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "algorithm = %s is not available for spatial pyramid pooling (SIMDPOOL_MAX or SIMDPOOL_AVG)",
                       algorithm_label(a));
    return SIMDPOOL_OK;
}

simdpool_status simdpool_spp_desc_init(simdpool_spp_desc *desc, simdpool_algorithm algorithm) {
    SP_CHECK_NOT_NULL(desc);
    simdpool_status status = check_algorithm(algorithm);
    if (status != SIMDPOOL_OK) return status;
    *desc = (simdpool_spp_desc){0};
    desc->algorithm = algorithm;
    desc->num_levels = 3;
    desc->levels[0] = 1;
    desc->levels[1] = 2;
    desc->levels[2] = 4;
    desc->layout = SIMDPOOL_NCHW;
    desc->dtype = SIMDPOOL_F32;
    return SIMDPOOL_OK;
}

/* Validates and returns F = C * sum(l^2). */
static simdpool_status validate(const simdpool_spp_desc *d, int64_t *features) {
    simdpool_status status = check_algorithm(d->algorithm);
    if (status == SIMDPOOL_OK) status = sp_op_check_layout_dtype(d->layout, d->dtype);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("n", -1, d->n);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("c", -1, d->c);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("in", 0, d->in[0]);
    if (status == SIMDPOOL_OK) status = sp_op_check_positive("in", 1, d->in[1]);
    if (status != SIMDPOOL_OK) return status;
    if (d->num_levels < 1 || d->num_levels > SIMDPOOL_MAX_SPP_LEVELS)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "num_levels = %d must be in [1, %d]", d->num_levels,
                       SIMDPOOL_MAX_SPP_LEVELS);
    int64_t bins = 0;
    for (int l = 0; l < d->num_levels; ++l) {
        status = sp_op_check_positive("levels", l, d->levels[l]);
        if (status != SIMDPOOL_OK) return status;
        int64_t square = 0, product = 0;
        /* The adaptive window rule multiplies a bin position by the input size. */
        if (!sp_mul_size(d->levels[l], d->levels[l], &square) || __builtin_add_overflow(bins, square, &bins) ||
            !sp_mul_size(d->levels[l], d->in[0] > d->in[1] ? d->in[0] : d->in[1], &product))
            return sp_fail(SIMDPOOL_SIZE_OVERFLOW, "levels[%d] = %lld is too large", l, (long long)d->levels[l]);
    }
    int64_t elements = 0;
    status = sp_op_check_tensor("input", d->n, d->c, d->in, 2, &elements);
    if (status == SIMDPOOL_OK) status = sp_op_check_tensor("output", d->n, d->c, &bins, 1, &elements);
    if (status == SIMDPOOL_OK) *features = d->c * bins;
    return status;
}

void sp_spp_free(struct sp_op_plan *op) {
    for (int l = 0; l < SIMDPOOL_MAX_SPP_LEVELS; ++l) {
        simdpool_plan_destroy(op->levels[l]);
        op->levels[l] = NULL;
    }
}

simdpool_status simdpool_plan_create_spp(const simdpool_spp_desc *desc, const simdpool_options *options,
                                         simdpool_plan **plan) {
    SP_CHECK_NOT_NULL(plan);
    *plan = NULL;
    SP_CHECK_NOT_NULL(desc);
    int64_t features = 0;
    simdpool_status status = validate(desc, &features);
    if (status != SIMDPOOL_OK) return status;
    simdpool_plan *p;
    status = sp_op_plan_new(&p, SP_PLAN_SPP, options, desc->algorithm, desc->layout, 2, desc->n, desc->c);
    if (status != SIMDPOOL_OK) return status;
    const int64_t one_bin[2] = {1, 1};
    sp_op_set_shapes(p, desc->in, one_bin);
    p->out_plane = features / desc->c;
    p->output_elements = (size_t)(desc->n * features);
    struct sp_op_plan *op = p->op;
    sp_spp_geometry *g = &op->spp;
    g->num_levels = desc->num_levels;
    g->features = features;
    g->in_plane = p->in_plane;
    g->channels = desc->c;
    g->is_max = desc->algorithm == SIMDPOOL_MAX;
    simdpool_options level_options;
    simdpool_options_init(&level_options);
    level_options.max_isa = options ? options->max_isa : SIMDPOOL_ISA_AUTO;
    int64_t offset = 0;
    for (int l = 0; l < desc->num_levels; ++l) {
        simdpool_adaptive_desc ad;
        simdpool_adaptive_desc_init(&ad, desc->algorithm, 2);
        ad.n = desc->n;
        ad.c = desc->c;
        ad.in[0] = desc->in[0];
        ad.in[1] = desc->in[1];
        ad.out[0] = ad.out[1] = desc->levels[l];
        ad.layout = desc->layout;
        status = simdpool_plan_create_adaptive(&ad, &level_options, &op->levels[l]);
        if (status != SIMDPOOL_OK) return sp_op_plan_abandon(p, status);
        g->level[l] = &op->levels[l]->geometry;
        g->level_offset[l] = offset;
        offset += desc->c * desc->levels[l] * desc->levels[l];
        op->spp_rows += desc->levels[l];
    }
    op->channel_block = desc->layout == SIMDPOOL_NCHW   ? 1
                        : desc->c < SP_SPP_NHWC_CHANNEL_BLOCK ? desc->c
                                                            : SP_SPP_NHWC_CHANNEL_BLOCK;
    /* The forward runs the SPP MAX kernel in NCHW -- the levels' adaptive kernels, made for wide outputs, spent
       up to 200 ns per bin on a pyramid's few narrow rows of bins -- else the levels' adaptive kernels (the
       first level's name stands for all); the backward is the SPP kernel. */
    if (desc->layout == SIMDPOOL_NCHW && g->is_max)
        snprintf(p->kernel_name[0], sizeof p->kernel_name[0], "%s/spp_maxpool_fwd_nchw_f32", op->kernels->isa_name);
    else
        snprintf(p->kernel_name[0], sizeof p->kernel_name[0], "%s", op->levels[0]->kernel_name[0]);
    snprintf(p->kernel_name[1], sizeof p->kernel_name[1], "%s/spp_bwd_%s_f32", op->kernels->isa_name,
             desc->layout == SIMDPOOL_NCHW ? "nchw" : "nhwc");
    if (sp_verbose()) sp_report_plan(p);
    *plan = p;
    return SIMDPOOL_OK;
}

/* ---- forward ---- */

typedef struct spp_args {
    const float *x;
    float *y;
    int64_t *idx;
    const float *dy;
    const int64_t *idx_in;
    float *dx;
} spp_args;

size_t sp_spp_task_count(const simdpool_plan *plan, int backward) {
    if (backward) return (size_t)plan->n * sp_op_channel_blocks(plan);
    if (plan->layout == SIMDPOOL_NCHW) return (size_t)(plan->n * plan->c);
    return (size_t)(plan->n * plan->op->spp_rows);
}

/* NCHW: task t is plane (n, c); consecutive planes of one image go to the SPP MAX kernel, or to each level's
   AVG kernel, in one call. */
static void forward_nchw(const simdpool_plan *p, const spp_args *a, size_t begin, size_t end) {
    const struct sp_op_plan *op = p->op;
    const int64_t F = op->spp.features, C = p->c;
    for (size_t t = begin; t < end;) {
        const int64_t n = (int64_t)t / C, c = (int64_t)t % C;
        const int64_t c_end = c + (int64_t)(end - t) < C ? c + (int64_t)(end - t) : C;
        if (op->spp.is_max) {
            op->kernels->spp_fwd_max_nchw(&op->spp, a->x + n * C * p->in_plane, a->y + n * F,
                                          a->idx ? a->idx + n * F : NULL, c, c_end);
            t += (size_t)(c_end - c);
            continue;
        }
        for (int l = 0; l < op->spp.num_levels; ++l) {
            const simdpool_plan *lp = op->levels[l];
            const int64_t at = n * F + op->spp.level_offset[l] + c * lp->out_plane;
            lp->fwd_nchw(&lp->geometry, a->x + (n * C + c) * p->in_plane, a->y + at, a->idx ? a->idx + at : NULL,
                         (size_t)(c_end - c));
        }
        t += (size_t)(c_end - c);
    }
}

/* NHWC: task t is one output row of one level of one image (rows numbered level by level). */
static void forward_nhwc(const simdpool_plan *p, const spp_args *a, size_t begin, size_t end) {
    const struct sp_op_plan *op = p->op;
    const int64_t F = op->spp.features, rows = op->spp_rows, in_image = p->in_plane * p->c;
    for (size_t t = begin; t < end;) {
        const int64_t n = (int64_t)t / rows;
        int64_t r = (int64_t)t % rows, l = 0;
        while (r >= op->levels[l]->geometry.out[1]) r -= op->levels[l++]->geometry.out[1];
        const simdpool_plan *lp = op->levels[l];
        const int64_t level_rows = lp->geometry.out[1];
        const int64_t r_end = r + (int64_t)(end - t) < level_rows ? r + (int64_t)(end - t) : level_rows;
        const int64_t at = n * F + op->spp.level_offset[l];
        lp->fwd_nhwc(&lp->geometry, a->x + n * in_image, a->y + at, a->idx ? a->idx + at : NULL, r, r_end);
        t += (size_t)(r_end - r);
    }
}

static int64_t forward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    if (p->layout == SIMDPOOL_NCHW)
        forward_nchw(p, vargs, begin, end);
    else
        forward_nhwc(p, vargs, begin, end);
    return -1;
}

simdpool_status sp_spp_forward(const simdpool_plan *plan, const float *x, float *y, int64_t *indices,
                               const size_t *range) {
    SP_CHECK_NOT_NULL(x);
    SP_CHECK_NOT_NULL(y);
    if (indices != NULL && plan->algorithm != SIMDPOOL_MAX)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "indices must be NULL: only MAX spatial pyramid pooling produces "
                       "indices");
    const spp_args args = {.x = x, .y = y, .idx = indices};
    if (range)
        forward_range(plan, &args, range[0], range[1]);
    else
        sp_op_run(plan, &args, sp_spp_task_count(plan, 0), plan->parallel_worthwhile, forward_range);
    return SIMDPOOL_OK;
}

/* ---- backward ---- */

static int64_t backward_range(const simdpool_plan *p, const void *vargs, size_t begin, size_t end) {
    const spp_args *a = vargs;
    const struct sp_op_plan *op = p->op;
    const size_t blocks = sp_op_channel_blocks(p);
    const int64_t F = op->spp.features, in_image = p->in_plane * p->c;
    int64_t first_bad = -1;
    for (size_t t = begin; t < end; ++t) {
        const int64_t n = (int64_t)(t / blocks), c0 = (int64_t)(t % blocks) * op->channel_block;
        const int64_t c1 = c0 + op->channel_block < p->c ? c0 + op->channel_block : p->c;
        sp_spp_bwd_nchw_fn fn = p->layout == SIMDPOOL_NCHW ? op->kernels->spp_bwd_nchw : op->kernels->spp_bwd_nhwc;
        const int64_t bad = fn(&op->spp, a->dy + n * F, a->idx_in ? a->idx_in + n * F : NULL, a->dx + n * in_image,
                               c0, c1);
        if (bad >= 0 && (first_bad < 0 || n * F + bad < first_bad)) first_bad = n * F + bad;
    }
    return first_bad;
}

simdpool_status sp_spp_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, float *dx,
                                const size_t *range) {
    SP_CHECK_NOT_NULL(dy);
    SP_CHECK_NOT_NULL(dx);
    const bool is_max = plan->algorithm == SIMDPOOL_MAX;
    if (is_max && indices == NULL)
        return sp_fail(SIMDPOOL_NULL_POINTER, "indices must not be NULL: MAX spatial pyramid pooling's backward "
                       "routes gradients through the forward's indices");
    const spp_args args = {.dy = dy, .idx_in = is_max ? indices : NULL, .dx = dx};
    int64_t bad;
    if (range)
        bad = backward_range(plan, &args, range[0], range[1]);
    else
        bad = sp_op_run(plan, &args, sp_spp_task_count(plan, 1), plan->parallel_worthwhile, backward_range);
    if (bad < 0) return SIMDPOOL_OK;
    /* Name the feature: image, level, channel and bin. */
    const struct sp_op_plan *op = plan->op;
    const int64_t F = op->spp.features, n = bad / F, f = bad % F;
    int l = op->spp.num_levels - 1;
    while (l > 0 && f < op->spp.level_offset[l]) --l;
    const int64_t side = op->levels[l]->geometry.out[2], bins = side * side, in_level = f - op->spp.level_offset[l];
    const int64_t c = plan->layout == SIMDPOOL_NCHW ? in_level / bins : in_level % plan->c;
    const int64_t bin = plan->layout == SIMDPOOL_NCHW ? in_level % bins : in_level / plan->c;
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                   "indices[%lld] = %lld (n = %lld, level %d of %lld x %lld bins, c = %lld, bin (%lld, %lld)) lies "
                   "outside the input plane [0, %lld)", (long long)bad, (long long)indices[bad], (long long)n, l,
                   (long long)side, (long long)side, (long long)c, (long long)(bin / side), (long long)(bin % side),
                   (long long)plan->in_plane);
}
