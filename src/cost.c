/*
 * The cost model: compulsory bytes and operation counts of one run of a plan. Window taps separate by axis,
 * so every count is a product of per-axis sums over the window tables — no walk over the output.
 */
#include <stdlib.h>

#include "internal.h"

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

simdpool_status simdpool_plan_cost(const simdpool_plan *plan, int backward, int with_indices, simdpool_cost *cost) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(cost);
    if (sp_is_op_plan(plan))
        return sp_fail(SIMDPOOL_UNSUPPORTED, "the cost model covers pool and adaptive plans only, not fractional, "
                       "unpool, spp or roi plans");
    if (backward != 0 && backward != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "backward = %d must be 0 or 1", backward);
    if (with_indices != 0 && with_indices != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "with_indices = %d must be 0 or 1", with_indices);
    const bool routed = plan->algorithm == SIMDPOOL_MAX || plan->algorithm == SIMDPOOL_MIN;
    if (with_indices && !routed)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "with_indices = 1 applies to MAX and MIN plans only");
    const sp_pool_geometry *g = &plan->geometry;
    const uint64_t planes = (uint64_t)plan->n * (uint64_t)plan->c;
    const uint64_t outputs = (uint64_t)plan->output_elements, inputs = (uint64_t)plan->input_elements;
    uint64_t covered = planes, taps = planes;
    for (int a = 0; a < SP_AXES; ++a) {
        covered *= covered_positions(g, a);
        taps *= taps_on_axis(g, a);
    }
    const uint64_t f32 = sizeof(float), i64 = sizeof(int64_t);
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
    *cost = c;
    return SIMDPOOL_OK;
}
