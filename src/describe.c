/* Plan descriptions: what a plan does and why it chose its ISA and kernels (SIMDPOOL_VERBOSE). */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool verbose;
static pthread_once_t verbose_once = PTHREAD_ONCE_INIT;

static void read_verbose(void) {
    const char *v = getenv("SIMDPOOL_VERBOSE");
    verbose = v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

bool sp_verbose(void) {
    pthread_once(&verbose_once, read_verbose);
    return verbose;
}

/* Appends to a fixed buffer, truncating silently: a description never fails for want of space. */
typedef struct text {
    char *buffer;
    size_t size, used;
} text;

static void append(text *t, const char *format, ...) {
    if (t->used + 1 >= t->size) return;
    va_list args;
    va_start(args, format);
    int n = vsnprintf(t->buffer + t->used, t->size - t->used, format, args);
    va_end(args);
    if (n > 0) t->used = t->used + (size_t)n < t->size ? t->used + (size_t)n : t->size - 1;
}

static void append_axes(text *t, const char *name, const int64_t *values, int spatial_dims) {
    append(t, " %s=", name);
    for (int a = SP_AXES - spatial_dims; a < SP_AXES; ++a)
        append(t, "%s%lld", a == SP_AXES - spatial_dims ? "" : "x", (long long)values[a]);
}

static void append_kernel(text *t, const simdpool_plan *plan, int direction) {
    const char *name = plan->kernel_name[direction];
    const char *isa = simdpool_isa_name(plan->isa);
    const size_t isa_len = strlen(isa);
    append(t, "%s %s", direction == SP_FORWARD ? "forward" : "backward", name);
    if (strncmp(name, isa, isa_len) != 0 || name[isa_len] != '/')
        append(t, " (fallback: %s has no kernel of its own for this)", isa);
}

simdpool_status simdpool_plan_describe(const simdpool_plan *plan, char *buffer, size_t size) {
    SP_CHECK_NOT_NULL(plan);
    SP_CHECK_NOT_NULL(buffer);
    if (size == 0) return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "size = 0: the buffer must hold at least the NUL");
    static const char *const algorithms[] = {"max", "avg", "min", "lp", "soft"};
    const sp_pool_geometry *g = &plan->geometry;
    text t = {buffer, size, 0};
    buffer[0] = '\0';
    static const char *const kinds[] = {[SP_PLAN_POOL] = "", [SP_PLAN_ADAPTIVE] = "adaptive ",
                                        [SP_PLAN_FRACTIONAL] = "fractional ", [SP_PLAN_UNPOOL] = "unpool (of) ",
                                        [SP_PLAN_SPP] = "spp ", [SP_PLAN_ROI] = "roi "};
    append(&t, "%s%s %d-D %s n=%lld c=%lld", kinds[plan->kind], algorithms[plan->algorithm], plan->spatial_dims,
           plan->layout == SIMDPOOL_NCHW ? "NCHW" : "NHWC", (long long)plan->n, (long long)plan->c);
    append_axes(&t, "in", g->in, plan->spatial_dims);
    append_axes(&t, "out", g->out, plan->spatial_dims);
    if (plan->kind == SP_PLAN_POOL) {
        append_axes(&t, "k", g->kernel, plan->spatial_dims);
        append_axes(&t, "s", g->stride, plan->spatial_dims);
    }
    append(&t, ": isa %s (cpu %s, %s cap %s); ", simdpool_isa_name(plan->isa), simdpool_isa_name(simdpool_cpu_isa()),
           plan->isa_cap == SIMDPOOL_ISA_AUTO ? "global" : "plan",
           simdpool_isa_name(plan->isa_cap == SIMDPOOL_ISA_AUTO ? simdpool_get_isa() : plan->isa_cap));
    append_kernel(&t, plan, SP_FORWARD);
    append(&t, "; ");
    append_kernel(&t, plan, SP_BACKWARD);
    if (plan->parallel_worthwhile)
        append(&t, "; threads %s", plan->num_threads == 0 ? "OpenMP default" : "");
    else
        append(&t, "; single-threaded (too small for OpenMP to pay off)");
    if (plan->parallel_worthwhile && plan->num_threads > 0) append(&t, "%d", plan->num_threads);
    return SIMDPOOL_OK;
}

void sp_report_plan(const simdpool_plan *plan) {
    char line[512];
    if (simdpool_plan_describe(plan, line, sizeof line) == SIMDPOOL_OK) fprintf(stderr, "simdpool: %s\n", line);
}
