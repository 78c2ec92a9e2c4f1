/*
 * The cost model: compulsory bytes and operation counts of one run of a plan. Window taps separate by axis,
 * so every count is a product of per-axis sums over the window tables — no walk over the output.
 *
 * The rest of the op set (fractional, unpool, spp, roi) follows the same rules: bytes every run must move
 * (inputs, outputs, indices, samples, boxes; a backward writes all of dx), and the arithmetic a kernel must do
 * per element. Where a count depends on run-time data (fractional samples, RoI boxes), the model takes the
 * value documented at each function below, and says why.
 */
#include <stdlib.h>

#include "internal.h"
#include "ops_internal.h"

/* Input positions along axis a that at least one window touches (stride > kernel leaves gaps). */
static uint64_t covered_positions(const sp_pool_geometry *g, int a) {
    uint64_t covered = 0;
    if (g->dilation[a] == 1) {
        /* Windows are runs [first, first + taps) whose ends never decrease: count their union in one pass. */
        int64_t reached = 0;
        for (int64_t o = 0; o < g->out[a]; ++o) {
            int64_t begin = g->first[a][o];
            const int64_t end = begin + g->taps[a][o];
            if (begin < reached) begin = reached;
            if (end > begin) {
                covered += (uint64_t)(end - begin);
                reached = end;
            }
        }
        return covered;
    }
    /* Dilated windows interleave: mark positions. Only the cost query pays for this. */
    unsigned char *seen = calloc((size_t)g->in[a], 1);
    if (seen == NULL) return (uint64_t)g->in[a]; /* an upper bound is still a usable answer */
    for (int64_t o = 0; o < g->out[a]; ++o)
        for (int32_t j = 0; j < g->taps[a][o]; ++j) seen[g->first[a][o] + j * g->dilation[a]] = 1;
    for (int64_t i = 0; i < g->in[a]; ++i) covered += seen[i];
    free(seen);
    return covered;
}

static uint64_t taps_on_axis(const sp_pool_geometry *g, int a) {
    uint64_t sum = 0;
    for (int64_t o = 0; o < g->out[a]; ++o) sum += (uint64_t)g->taps[a][o];
    return sum;
}

static const uint64_t f32 = sizeof(float), i64 = sizeof(int64_t);

/* Sliding-window and adaptive pooling (also each level of a spatial pyramid). */
static simdpool_cost pool_cost(const simdpool_plan *plan, int backward, int with_indices) {
    const sp_pool_geometry *g = &plan->geometry;
    const uint64_t planes = (uint64_t)plan->n * (uint64_t)plan->c;
    const uint64_t outputs = (uint64_t)plan->output_elements, inputs = (uint64_t)plan->input_elements;
    uint64_t covered = planes, taps = planes;
    for (int a = 0; a < SP_AXES; ++a) {
        covered *= covered_positions(g, a);
        taps *= taps_on_axis(g, a);
    }
    const bool lp_pow = plan->algorithm == SIMDPOOL_LP && g->p != 1.0f && g->p != 2.0f;
    simdpool_cost c = {0};
    if (!backward) {
        c.bytes_read = covered * f32;
        c.bytes_written = outputs * (f32 + (with_indices ? i64 : 0));
        switch (plan->algorithm) {
        case SIMDPOOL_MAX:
        case SIMDPOOL_MIN: c.arithmetic = taps; break;
        case SIMDPOOL_AVG: c.arithmetic = taps + outputs; break;
        case SIMDPOOL_LP: c.arithmetic = 2 * taps; c.transcendental = lp_pow ? taps + outputs : 0; break;
        case SIMDPOOL_SOFT: c.arithmetic = 4 * taps + outputs; c.transcendental = taps; break;
        }
    } else {
        c.bytes_written = inputs * f32;
        switch (plan->algorithm) {
        case SIMDPOOL_MAX:
        case SIMDPOOL_MIN:
            c.bytes_read = outputs * (f32 + i64);
            c.arithmetic = outputs;
            break;
        case SIMDPOOL_AVG:
            c.bytes_read = outputs * f32;
            c.arithmetic = taps + outputs;
            break;
        case SIMDPOOL_LP:
            c.bytes_read = outputs * 2 * f32 + covered * f32;
            c.arithmetic = 3 * taps + outputs;
            c.transcendental = lp_pow ? taps + outputs : 0;
            break;
        case SIMDPOOL_SOFT:
            c.bytes_read = outputs * 2 * f32 + covered * f32;
            c.arithmetic = 7 * taps + outputs;
            c.transcendental = taps;
            break;
        }
    }
    return c;
}

/*
 * Fractional max pooling: windows depend on each plane's samples, but which input positions they cover does not
 * (up to float rounding of the starts in extreme samples): consecutive starts differ by floor(alpha) or
 * ceil(alpha), so with alpha <= kernel the windows leave no gap and cover the whole axis, and with
 * alpha > kernel they never overlap and cover out * kernel positions. Every window has kernel taps. The forward
 * also reads the samples; its max and backward count like SIMDPOOL_MAX pooling's.
 */
static uint64_t fractional_covered_on_axis(const sp_fractional_geometry *g, int a) {
    if (g->out[a] == 1) return (uint64_t)g->kernel[a];
    if (g->alpha[a] <= (float)g->kernel[a]) return (uint64_t)g->in[a];
    return (uint64_t)(g->out[a] * g->kernel[a]);
}

static simdpool_cost fractional_cost(const simdpool_plan *plan, int backward, int with_indices) {
    const sp_fractional_geometry *g = &plan->op->fractional;
    const uint64_t planes = (uint64_t)plan->n * (uint64_t)plan->c;
    const uint64_t outputs = (uint64_t)plan->output_elements, inputs = (uint64_t)plan->input_elements;
    simdpool_cost c = {0};
    if (backward) {
        c.bytes_read = outputs * (f32 + i64);
        c.bytes_written = inputs * f32;
        c.arithmetic = outputs;
        return c;
    }
    uint64_t covered = planes, taps_per_window = 1;
    for (int a = 0; a < SP_AXES; ++a) {
        covered *= fractional_covered_on_axis(g, a);
        taps_per_window *= (uint64_t)g->kernel[a];
    }
    c.bytes_read = covered * f32 + planes * (uint64_t)g->samples_per_plane * f32;
    c.bytes_written = outputs * (f32 + (with_indices ? i64 : 0));
    c.arithmetic = outputs * taps_per_window;
    return c;
}

/*
 * Max unpooling moves data and computes nothing: the forward reads x and its indices and writes all of y (the
 * zeros included); the backward gathers dx[i] = dy[indices[i]], reading the indices and the dy element each one
 * names (one per index: indices from non-overlapping max pooling are distinct) and writing dx.
 */
static simdpool_cost unpool_cost(const simdpool_plan *plan, int backward) {
    const uint64_t inputs = (uint64_t)plan->input_elements;
    simdpool_cost c = {0};
    c.bytes_read = inputs * (f32 + i64);
    c.bytes_written = backward ? inputs * f32 : (uint64_t)plan->output_elements * f32;
    return c;
}

/*
 * Spatial pyramid pooling: every level is an adaptive pooling of the whole input, so the operations are the
 * levels' sums; but x is read once (the levels re-read it from cache) and dx is written once (the levels add
 * into it in cache), as one run of the pyramid must do at the least.
 */
static simdpool_cost spp_cost(const simdpool_plan *plan, int backward, int with_indices) {
    const struct sp_op_plan *op = plan->op;
    simdpool_cost c = {0};
    for (int l = 0; l < op->spp.num_levels; ++l) {
        const simdpool_cost level = pool_cost(op->levels[l], backward, with_indices);
        c.arithmetic += level.arithmetic;
        c.transcendental += level.transcendental;
        if (backward) c.bytes_read += level.bytes_read;
        else c.bytes_written += level.bytes_written;
    }
    if (backward) c.bytes_written = (uint64_t)plan->input_elements * f32;
    else c.bytes_read = (uint64_t)plan->input_elements * f32;
    return c;
}

/*
 * RoI pooling: boxes are run-time data, so the cost is that of a run with ONE box (the plan's shape queries
 * also describe one box's output block), and a run with K boxes costs K times the per-box terms plus the
 * feature-map term once (docs/ops.md, "Cost model"):
 *   feature map  the whole N x C x H x W map, read by the forward and written (dx) by the backward. A detection
 *                head's hundreds of boxes cover most of the map, the exact union of their regions is
 *                run-time data, and the backward overwrites all of dx whatever the boxes.
 *   per box      its 5 floats; the forward's output block (+ argmax); the backward's dy block (+ argmax).
 * Operations per output element, both directions: RoI max pooling one comparison (forward) or addition
 * (backward) per bin -- the least a non-empty bin takes, since bin sizes follow the box; RoI align 8 per
 * bilinear sample and channel (4 multiplications, 4 additions) and 1 division per bin, with the
 * sampling_ratio^2 grid, or 1 sample when the grid adapts to the box (the least a non-empty box gets). The
 * bilinear weights are computed once per box and sample and shared by all channels, like pooling's window
 * tables, so they are not counted.
 */
static simdpool_cost roi_cost(const simdpool_plan *plan, int backward, int with_indices) {
    const struct sp_op_plan *op = plan->op;
    const uint64_t outputs = (uint64_t)plan->output_elements, map = (uint64_t)plan->input_elements * f32;
    const uint64_t box = 5 * f32;
    const bool pool = op->roi_mode == SIMDPOOL_ROI_POOL;
    simdpool_cost c = {0};
    if (pool) {
        c.arithmetic = outputs;
    } else {
        const uint64_t grid = op->roi.sampling_ratio > 0 ? (uint64_t)op->roi.sampling_ratio : 1;
        c.arithmetic = outputs * (8 * grid * grid + 1);
    }
    if (!backward) {
        c.bytes_read = map + box;
        c.bytes_written = outputs * (f32 + (with_indices ? i64 : 0));
    } else {
        c.bytes_read = box + outputs * (f32 + (pool ? i64 : 0));
        c.bytes_written = map;
    }
    return c;
}

simdpool_status simdpool_plan_cost(const simdpool_plan *plan, int backward, int with_indices, simdpool_cost *cost) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(cost);
    if (backward != 0 && backward != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "backward = %d must be 0 or 1", backward);
    if (with_indices != 0 && with_indices != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "with_indices = %d must be 0 or 1", with_indices);
    const bool routed = plan->algorithm == SIMDPOOL_MAX || plan->algorithm == SIMDPOOL_MIN;
    if (with_indices && !routed)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "with_indices = 1 applies to MAX and MIN plans only");
    if (with_indices && plan->kind == SP_PLAN_UNPOOL)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "with_indices = 1 does not apply to unpool plans: their indices are an input, always read");
    switch (plan->kind) {
    case SP_PLAN_POOL:
    case SP_PLAN_ADAPTIVE: *cost = pool_cost(plan, backward, with_indices); break;
    case SP_PLAN_FRACTIONAL: *cost = fractional_cost(plan, backward, with_indices); break;
    case SP_PLAN_UNPOOL: *cost = unpool_cost(plan, backward); break;
    case SP_PLAN_SPP: *cost = spp_cost(plan, backward, with_indices); break;
    case SP_PLAN_ROI: *cost = roi_cost(plan, backward, with_indices); break;
    }
    return SIMDPOOL_OK;
}
