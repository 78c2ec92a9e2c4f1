/*
 * Plans: everything decidable from a descriptor is decided here, once — the normalised (D, H, W) geometry,
 * the window tables that make padding, dilation and ceil_mode free in the kernels, the divisor table, the
 * kernels and ISA, and the thread split.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "internal.h"

/* Below this much memory traffic a single thread finishes before OpenMP has woken the others. */
#define SP_PARALLEL_MIN_BYTES (128 * 1024)
/* The least memory traffic of an NHWC task that covers a channel block: smaller tasks cost more to hand out
   than they save. */
#define SP_NHWC_BLOCK_MIN_BYTES (32 * 1024)
/* NHWC channel blocks are multiples of this many channels, so every SIMD width divides a block. */
#define SP_NHWC_BLOCK_ALIGN 16
/* ... and at least this many (256 bytes of a pixel): tasks owning narrower slices of the same pixels pull each
   other's cache lines (adjacent-line prefetch), so each costs nearly the whole image's memory time: measured,
   one 32-channel half of a 64-channel VGG backward took as long as the whole image. */
#define SP_NHWC_BLOCK_MIN_CHANNELS 64

simdpool_status simdpool_options_init(simdpool_options *options) {
    SP_CHECK_NOT_NULL(options);
    *options = (simdpool_options){0};
    options->max_isa = SIMDPOOL_ISA_AUTO;
    options->clamp_min = -INFINITY;
    options->clamp_max = INFINITY;
    return SIMDPOOL_OK;
}

static simdpool_status check_options(const simdpool_options *o) {
    if (o->num_threads < 0)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "options.num_threads = %d must be >= 0 (0 = OpenMP's default)",
                       o->num_threads);
    if (o->max_isa < SIMDPOOL_ISA_AUTO || o->max_isa > SIMDPOOL_ISA_NEON)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "options.max_isa = %d is not a simdpool_isa", (int)o->max_isa);
    if (o->clamp_output != 0 && o->clamp_output != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "options.clamp_output = %d must be 0 or 1", o->clamp_output);
    if (o->clamp_output && !(o->clamp_min <= o->clamp_max))
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "options.clamp_min = %g must be <= options.clamp_max = %g (and neither NaN)",
                       (double)o->clamp_min, (double)o->clamp_max);
    return SIMDPOOL_OK;
}

simdpool_status sp_check_options(const simdpool_options *options) { return check_options(options); }

/* One spatial axis before normalisation: how each output position's window maps onto the input. */
typedef struct axis_rule {
    int64_t in, out, kernel, stride, dilation, pad_begin, pad_end;
    bool adaptive; /* window [floor(o*in/out), ceil((o+1)*in/out)) instead of kernel/stride/padding */
} axis_rule;

static int64_t ceil_div(int64_t a, int64_t b) { return a <= 0 ? 0 : (a + b - 1) / b; }

/* Taps of window o inside the input: first position and count. `padded_taps`: taps inside the padded bounds
   [-pad_begin, in + pad_end), i.e. without the ceil_mode overhang (count_include_pad's divisor). */
static void axis_window(const axis_rule *r, int64_t o, int64_t *first, int64_t *taps, int64_t *padded_taps) {
    if (r->adaptive) {
        int64_t begin = o * r->in / r->out;
        int64_t end = ceil_div((o + 1) * r->in, r->out);
        *first = begin;
        *taps = end - begin;
        *padded_taps = end - begin;
        return;
    }
    const int64_t start = o * r->stride - r->pad_begin;
    const int64_t skipped = start < 0 ? ceil_div(-start, r->dilation) : 0;
    int64_t inside_end = ceil_div(r->in - start, r->dilation);             /* taps j with start + j*d < in */
    int64_t padded_end = ceil_div(r->in + r->pad_end - start, r->dilation); /* ... < in + pad_end */
    if (inside_end > r->kernel) inside_end = r->kernel;
    if (padded_end > r->kernel) padded_end = r->kernel;
    *first = start + skipped * r->dilation;
    *taps = inside_end > skipped ? inside_end - skipped : 0;
    *padded_taps = padded_end;
}

/* The contiguous run of output positions whose window lies wholly inside the input (none for adaptive). */
static void set_full_range(sp_pool_geometry *g, int a, const axis_rule *r) {
    g->full_begin[a] = g->full_end[a] = 0;
    if (r->adaptive) return;
    g->kernel[a] = r->kernel;
    g->stride[a] = r->stride;
    g->pad_begin[a] = r->pad_begin;
    int64_t begin = 0;
    while (begin < r->out && g->taps[a][begin] != r->kernel) ++begin;
    int64_t end = begin;
    while (end < r->out && g->taps[a][end] == r->kernel) ++end;
    g->full_begin[a] = begin;
    g->full_end[a] = end;
}

/* Fills the per-axis first/taps tables and, for AVG, the divisor table; rejects empty MAX/MIN windows. */
static simdpool_status build_tables(simdpool_plan *plan, const axis_rule rules[SP_AXES], int64_t divisor_override,
                                    bool count_include_pad) {
    sp_pool_geometry *g = &plan->geometry;
    size_t first_bytes = 0, taps_bytes = 0;
    for (int a = 0; a < SP_AXES; ++a) {
        first_bytes += (size_t)rules[a].out * sizeof(int64_t);
        taps_bytes += (size_t)rules[a].out * 2 * sizeof(int32_t);
    }
    const bool has_divisor = plan->algorithm == SIMDPOOL_AVG;
    const size_t divisor_bytes = has_divisor ? (size_t)plan->out_plane * sizeof(float) : 0;
    /* Every output axis and the output plane fit in memory (validated), so these sums cannot overflow. */
    char *memory = malloc(first_bytes + taps_bytes + divisor_bytes + 1);
    if (memory == NULL)
        return sp_fail(SIMDPOOL_OUT_OF_MEMORY, "could not allocate %zu bytes of window tables",
                       first_bytes + taps_bytes + divisor_bytes);
    plan->tables = memory;
    int64_t *first_all = (int64_t *)memory;
    int32_t *taps_all = (int32_t *)(memory + first_bytes);
    int32_t *padded_all = taps_all + taps_bytes / (2 * sizeof(int32_t));
    float *divisor = (float *)(memory + first_bytes + taps_bytes);

    int32_t *padded_taps[SP_AXES];
    for (int a = 0; a < SP_AXES; ++a) {
        int64_t *first = first_all;
        int32_t *taps = taps_all;
        padded_taps[a] = padded_all;
        for (int64_t o = 0; o < rules[a].out; ++o) {
            int64_t f, t, pt;
            axis_window(&rules[a], o, &f, &t, &pt);
            first[o] = f;
            taps[o] = (int32_t)t;
            padded_all[o] = (int32_t)pt;
            if (t == 0 && (plan->algorithm == SIMDPOOL_MAX || plan->algorithm == SIMDPOOL_MIN)) {
                const int dim = a - (SP_AXES - plan->spatial_dims);
                return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                               "output window %lld of spatial dim %d covers no input element (dilation[%d] = %lld, "
                               "pad_begin[%d] = %lld): %s pooling needs at least one",
                               (long long)o, dim, dim, (long long)rules[a].dilation, dim,
                               (long long)rules[a].pad_begin, plan->algorithm == SIMDPOOL_MAX ? "MAX" : "MIN");
            }
        }
        g->first[a] = first;
        g->taps[a] = taps;
        set_full_range(g, a, &rules[a]);
        first_all += rules[a].out;
        taps_all += rules[a].out;
        padded_all += rules[a].out;
    }
    if (has_divisor) {
        size_t k = 0;
        for (int64_t od = 0; od < g->out[0]; ++od)
            for (int64_t oh = 0; oh < g->out[1]; ++oh)
                for (int64_t ow = 0; ow < g->out[2]; ++ow, ++k) {
                    int64_t count;
                    if (divisor_override > 0)
                        count = divisor_override;
                    else if (count_include_pad)
                        count = (int64_t)padded_taps[0][od] * padded_taps[1][oh] * padded_taps[2][ow];
                    else
                        count = (int64_t)g->taps[0][od] * g->taps[1][oh] * g->taps[2][ow];
                    /* An empty window sums to 0; dividing by 1 keeps it 0 instead of 0/0. */
                    divisor[k] = count > 0 ? (float)count : 1.0f;
                }
        g->divisor = divisor;
    }
    return SIMDPOOL_OK;
}

static int64_t round_up(int64_t a, int64_t b) { return ceil_div(a, b) * b; }

/*
 * Channels per NHWC channel block: the unit of NHWC tasks that split an image by channels (the forward tasks of
 * images with few output rows, src/run.c). One block per thread across the batch, so
 * each task's slice of a pixel stays as wide as possible (long sequential reads), but at least
 * SP_NHWC_BLOCK_MIN_CHANNELS channels and SP_NHWC_BLOCK_MIN_BYTES of traffic per task. A single thread, a large
 * batch or C <= 64 keeps whole images.
 */
static int64_t nhwc_channel_block(const simdpool_plan *plan) {
    const int64_t threads = plan->num_threads > 0 ? plan->num_threads : omp_get_max_threads();
    const int64_t blocks_per_image = ceil_div(threads, plan->n);
    const int64_t channel_bytes = (plan->in_plane + plan->out_plane) * (int64_t)sizeof(float);
    int64_t block = round_up(ceil_div(plan->c, blocks_per_image), SP_NHWC_BLOCK_ALIGN);
    /* Rounding up can leave fewer blocks than threads (C = 64, 3 threads: 2 blocks of 32); then round down. */
    if (ceil_div(plan->c, block) < blocks_per_image)
        block = plan->c / blocks_per_image / SP_NHWC_BLOCK_ALIGN * SP_NHWC_BLOCK_ALIGN;
    if (block < SP_NHWC_BLOCK_MIN_CHANNELS) block = SP_NHWC_BLOCK_MIN_CHANNELS;
    const int64_t least = round_up(ceil_div(SP_NHWC_BLOCK_MIN_BYTES, channel_bytes), SP_NHWC_BLOCK_ALIGN);
    if (block < least) block = least;
    return block < plan->c ? block : plan->c;
}

/*
 * dx rows per NHWC backward task (src/run.c): whole images, unless the batch has fewer images than threads; then
 * each image's rows split into one near-equal block per thread it needs. Row blocks, unlike channel blocks, give
 * tasks disjoint cache lines of dx (a 64-channel VGG image split into two 32-channel halves ran no faster than
 * whole). Each block's call also reads the image's other indices (kernels.h), so single-threaded plans keep whole
 * images.
 */
static int64_t nhwc_backward_rows(const simdpool_plan *plan) {
    const int64_t rows = plan->geometry.in[0] * plan->geometry.in[1];
    const int64_t threads = plan->num_threads > 0 ? plan->num_threads : omp_get_max_threads();
    if (!plan->parallel_worthwhile || threads <= plan->n || rows < 2) return rows;
    return ceil_div(rows, ceil_div(threads, plan->n));
}

static const char *const family_names[SP_SLOT_COUNT] = {
#define SP_FAMILY_NAME(family, slot) [slot] = #family,
    SP_FOREACH_FAMILY(SP_FAMILY_NAME)
#undef SP_FAMILY_NAME
};

static void choose_kernels(simdpool_plan *plan, const simdpool_options *options) {
    plan->isa_cap = options->max_isa;
    plan->isa = sp_resolve_isa(options->max_isa);
    const enum sp_algorithm_slot slot = (enum sp_algorithm_slot)plan->algorithm;
    const char *layout = plan->layout == SIMDPOOL_NCHW ? "nchw" : "nhwc";
    for (int direction = SP_FORWARD; direction <= SP_BACKWARD; ++direction) {
        sp_resolved_kernel k = sp_find_kernel(plan->isa, (enum sp_direction)direction, plan->layout, slot);
        snprintf(plan->kernel_name[direction], sizeof plan->kernel_name[direction], "%s/%s_%s_%s_f32", k.isa_name,
                 family_names[slot], direction == SP_FORWARD ? "fwd" : "bwd", layout);
        if (direction == SP_FORWARD) {
            if (plan->layout == SIMDPOOL_NCHW) plan->fwd_nchw = (sp_fwd_nchw_fn)k.fn;
            else plan->fwd_nhwc = (sp_fwd_nhwc_fn)k.fn;
        } else {
            if (plan->layout == SIMDPOOL_NCHW) plan->bwd_nchw = (sp_bwd_nchw_fn)k.fn;
            else plan->bwd_nhwc = (sp_bwd_nhwc_fn)k.fn;
        }
    }
}

/* Shared tail of both create functions: geometry, tables, kernels, threads. `rules` are in descriptor order. */
static simdpool_status finish_plan(simdpool_plan *plan, const axis_rule *rules, const simdpool_options *options,
                                   int64_t divisor_override, bool count_include_pad) {
    sp_pool_geometry *g = &plan->geometry;
    axis_rule normalised[SP_AXES];
    const int offset = SP_AXES - plan->spatial_dims;
    for (int a = 0; a < SP_AXES; ++a) {
        if (a < offset)
            normalised[a] = (axis_rule){.in = 1, .out = 1, .kernel = 1, .stride = 1, .dilation = 1};
        else
            normalised[a] = rules[a - offset];
        g->in[a] = normalised[a].in;
        g->out[a] = normalised[a].out;
        g->dilation[a] = normalised[a].adaptive ? 1 : normalised[a].dilation;
    }
    g->channels = plan->c;
    plan->in_plane = sp_in_plane(g);
    plan->out_plane = sp_out_plane(g);
    plan->input_elements = (size_t)(plan->n * plan->c * plan->in_plane);
    plan->output_elements = (size_t)(plan->n * plan->c * plan->out_plane);
    g->clamp_output = options->clamp_output;
    g->clamp_min = options->clamp_min;
    g->clamp_max = options->clamp_max;

    simdpool_status status = build_tables(plan, normalised, divisor_override, count_include_pad);
    if (status != SIMDPOOL_OK) return status;
    choose_kernels(plan, options);
    plan->num_threads = options->num_threads;
    const double traffic = (double)(plan->input_elements + plan->output_elements) * sizeof(float);
    plan->parallel_worthwhile = traffic >= SP_PARALLEL_MIN_BYTES;
    plan->nhwc_channel_block = nhwc_channel_block(plan);
    plan->nhwc_backward_rows = nhwc_backward_rows(plan);
    return SIMDPOOL_OK;
}

static simdpool_status create(simdpool_plan **out_plan, const simdpool_options *options, simdpool_plan *proto,
                              const axis_rule *rules, int64_t divisor_override, bool count_include_pad) {
    simdpool_options defaults;
    if (options == NULL) {
        simdpool_options_init(&defaults);
        options = &defaults;
    }
    simdpool_status status = check_options(options);
    if (status != SIMDPOOL_OK) return status;
    simdpool_plan *plan = malloc(sizeof *plan);
    if (plan == NULL) return sp_fail(SIMDPOOL_OUT_OF_MEMORY, "could not allocate a plan");
    *plan = *proto;
    status = finish_plan(plan, rules, options, divisor_override, count_include_pad);
    if (status != SIMDPOOL_OK) {
        simdpool_plan_destroy(plan);
        return status;
    }
    if (sp_verbose()) sp_report_plan(plan);
    *out_plan = plan;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_plan_create_pool(const simdpool_pool_desc *desc, const simdpool_options *options,
                                          simdpool_plan **plan) {
    SP_CHECK_NOT_NULL(plan);
    *plan = NULL;
    SP_CHECK_NOT_NULL(desc);
    int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS] = {0};
    simdpool_status status = sp_validate_pool_desc(desc, out);
    if (status != SIMDPOOL_OK) return status;
    axis_rule rules[SIMDPOOL_MAX_SPATIAL_DIMS];
    for (int i = 0; i < desc->spatial_dims; ++i)
        rules[i] = (axis_rule){desc->in[i],        out[i],           desc->kernel[i], desc->stride[i],
                               desc->dilation[i], desc->pad_begin[i], desc->pad_end[i], false};
    simdpool_plan proto = {.kind = SP_PLAN_POOL, .algorithm = desc->algorithm, .layout = desc->layout,
                           .spatial_dims = desc->spatial_dims, .n = desc->n, .c = desc->c};
    proto.geometry.p = desc->p;
    proto.geometry.inv_p = 1.0f / desc->p;
    return create(plan, options, &proto, rules, desc->divisor_override, desc->count_include_pad != 0);
}

simdpool_status simdpool_plan_create_adaptive(const simdpool_adaptive_desc *desc, const simdpool_options *options,
                                              simdpool_plan **plan) {
    SP_CHECK_NOT_NULL(plan);
    *plan = NULL;
    SP_CHECK_NOT_NULL(desc);
    simdpool_status status = sp_validate_adaptive_desc(desc);
    if (status != SIMDPOOL_OK) return status;
    axis_rule rules[SIMDPOOL_MAX_SPATIAL_DIMS];
    for (int i = 0; i < desc->spatial_dims; ++i)
        rules[i] = (axis_rule){.in = desc->in[i], .out = desc->out[i], .kernel = 1, .stride = 1, .dilation = 1,
                               .adaptive = true};
    simdpool_plan proto = {.kind = SP_PLAN_ADAPTIVE, .algorithm = desc->algorithm, .layout = desc->layout,
                           .spatial_dims = desc->spatial_dims, .n = desc->n, .c = desc->c};
    /* Adaptive AVG divides by the window size: the exclude-padding divisor (adaptive windows have no padding). */
    return create(plan, options, &proto, rules, 0, false);
}

void simdpool_plan_destroy(simdpool_plan *plan) {
    if (plan == NULL) return;
    sp_op_plan_free(plan->op);
    free(plan->tables);
    free(plan);
}

static simdpool_status shape_of(const simdpool_plan *plan, const int64_t *spatial, int64_t *dims, int *rank) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(dims);
    SP_CHECK_NOT_NULL(rank);
    const int s = plan->spatial_dims, offset = SP_AXES - s;
    dims[0] = plan->n;
    const int first_spatial = plan->layout == SIMDPOOL_NCHW ? 2 : 1;
    dims[plan->layout == SIMDPOOL_NCHW ? 1 : 1 + s] = plan->c;
    for (int i = 0; i < s; ++i) dims[first_spatial + i] = spatial[offset + i];
    *rank = 2 + s;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_plan_output_shape(const simdpool_plan *plan, int64_t *dims, int *rank) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(dims);
    SP_CHECK_NOT_NULL(rank);
    if (sp_is_op_plan(plan) && sp_op_output_shape(plan, dims, rank)) return SIMDPOOL_OK;
    return shape_of(plan, plan->geometry.out, dims, rank);
}

simdpool_status simdpool_plan_input_shape(const simdpool_plan *plan, int64_t *dims, int *rank) {
    SP_CHECK_NOT_NULL(plan);
    return shape_of(plan, plan->geometry.in, dims, rank);
}

simdpool_status simdpool_plan_tensor_sizes(const simdpool_plan *plan, size_t *input_elements,
                                           size_t *output_elements) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(input_elements);
    SP_CHECK_NOT_NULL(output_elements);
    *input_elements = plan->input_elements;
    *output_elements = plan->output_elements;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_plan_isa(const simdpool_plan *plan, simdpool_isa *isa) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(isa);
    *isa = plan->isa;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_plan_kernel_name(const simdpool_plan *plan, int backward, const char **name) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(name);
    if (backward != 0 && backward != 1)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "backward = %d must be 0 or 1", backward);
    *name = plan->kernel_name[backward];
    return SIMDPOOL_OK;
}
