/* The operator layer's private declarations: plan layout, error reporting, dispatch. */
#ifndef SIMDPOOL_INTERNAL_H
#define SIMDPOOL_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernels.h"
#include "simdpool/simdpool.h"

/* ---- errors (status.c) ---- */

/* Records a printf-style explanation for simdpool_last_error() and returns `status`. */
simdpool_status sp_fail(simdpool_status status, const char *format, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;

#define SP_CHECK_NOT_NULL(pointer) \
    do { \
        if ((pointer) == NULL) return sp_fail(SIMDPOOL_NULL_POINTER, "%s must not be NULL", #pointer); \
    } while (0)

/* ---- descriptors and shapes (shape.c) ---- */

/* *product = a * b, false on overflow or negative operands. */
bool sp_mul_size(int64_t a, int64_t b, int64_t *product);
int64_t sp_dilated_extent(int64_t kernel, int64_t dilation);
/* PyTorch's output-size rule, for arguments that passed validation. */
int64_t sp_pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                            int64_t pad_end, int ceil_mode);
/* Validate every field (and the sizes they imply); pool also returns the output size per spatial dim. */
simdpool_status sp_validate_pool_desc(const simdpool_pool_desc *desc, int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS]);
simdpool_status sp_validate_adaptive_desc(const simdpool_adaptive_desc *desc);

/* ---- dispatch (dispatch.c) ---- */

/* The ISA a plan gets from a per-plan cap (AUTO = the global setting), never above what the CPU runs. */
simdpool_isa sp_resolve_isa(simdpool_isa plan_cap);

typedef struct sp_resolved_kernel {
    void (*fn)(void);      /* the kernel, cast to its sp_*_fn type by the caller */
    const char *isa_name;  /* the table the entry actually came from, after fallback */
} sp_resolved_kernel;

enum sp_direction { SP_FORWARD = 0, SP_BACKWARD = 1 };

/* Looks up the kernel for (isa, direction, layout, slot), walking down the fallback chain to scalar. */
sp_resolved_kernel sp_find_kernel(simdpool_isa isa, enum sp_direction direction, simdpool_layout layout,
                                  enum sp_algorithm_slot slot);

/* ---- plans (plan.c) ---- */

enum sp_plan_kind {
    SP_PLAN_POOL,
    SP_PLAN_ADAPTIVE,
    /* The rest of the op set (src/ops.c and one file per family): their state lives in plan->op. */
    SP_PLAN_FRACTIONAL,
    SP_PLAN_UNPOOL,
    SP_PLAN_SPP,
    SP_PLAN_ROI
};

struct sp_op_plan; /* src/ops_internal.h */

struct simdpool_plan {
    enum sp_plan_kind kind;
    simdpool_algorithm algorithm;
    simdpool_layout layout;
    int spatial_dims;
    int64_t n;
    int64_t c;
    sp_pool_geometry geometry; /* normalised to (D, H, W); table pointers point into `tables` */
    int64_t in_plane;          /* elements of one input plane (D*H*W) */
    int64_t out_plane;
    size_t input_elements;
    size_t output_elements;
    int num_threads;           /* 0: OpenMP's default at run time */
    bool parallel_worthwhile;  /* below a size threshold OpenMP's start-up costs more than it saves */
    /* Channels per NHWC channel block: the forward task of images with few output rows. */
    int64_t nhwc_channel_block;
    /* dx rows ((d, h) pairs of one image) per NHWC backward task. */
    int64_t nhwc_backward_rows;
    simdpool_isa isa;
    simdpool_isa isa_cap;      /* options.max_isa, for simdpool_plan_describe */
    sp_fwd_nchw_fn fwd_nchw;
    sp_fwd_nhwc_fn fwd_nhwc;
    sp_bwd_nchw_fn bwd_nchw;
    sp_bwd_nhwc_fn bwd_nhwc;
    char kernel_name[2][64];   /* forward, backward: "<isa>/<family>_<dir>_<layout>_f32" */
    void *tables;              /* one allocation holding first/taps/divisor tables */
    struct sp_op_plan *op;     /* fractional, unpool, spp, roi plans: family state (NULL for pool/adaptive) */
};

/* ---- verbose mode (describe.c) ---- */

/* SIMDPOOL_VERBOSE=1: every new plan's description goes to stderr (the only output simdpool ever makes). */
void sp_report_plan(const simdpool_plan *plan);
bool sp_verbose(void);

/* Validates a plan's options (plan.c); shared with the op families' create functions. */
simdpool_status sp_check_options(const simdpool_options *options);

/* ---- the rest of the op set (ops.c): hooks the generic entry points call for op-family plans ---- */

static inline bool sp_is_op_plan(const simdpool_plan *plan) { return plan->kind >= SP_PLAN_FRACTIONAL; }
void sp_op_plan_free(struct sp_op_plan *op);
simdpool_status sp_op_forward(const simdpool_plan *plan, const float *x, float *y, int64_t *indices);
simdpool_status sp_op_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices, const float *x,
                               const float *y, float *dx);
simdpool_status sp_op_task_count(const simdpool_plan *plan, int backward, size_t *count);
simdpool_status sp_op_forward_tasks(const simdpool_plan *plan, const float *x, float *y, int64_t *indices,
                                    size_t task_begin, size_t task_end);
simdpool_status sp_op_backward_tasks(const simdpool_plan *plan, const float *dy, const int64_t *indices,
                                     const float *x, const float *y, float *dx, size_t task_begin, size_t task_end);
/* Shape queries: false if the generic (N, C, spatial) rule applies. */
bool sp_op_output_shape(const simdpool_plan *plan, int64_t *dims, int *rank);

/* ---- running (run.c) ---- */

size_t sp_task_count(const simdpool_plan *plan, enum sp_direction direction);

#endif /* SIMDPOOL_INTERNAL_H */
