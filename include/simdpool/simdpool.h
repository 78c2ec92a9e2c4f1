/*
 * simdpool — SIMD pooling kernels for CNN engines.
 *
 * Usage: describe a pooling layer once (a descriptor), make an immutable plan from it, run the plan as often
 * as needed on your own buffers, destroy it. Everything decidable from the descriptor (output shape,
 * validation, kernel and ISA choice, window tables) is decided when the plan is made.
 *
 *   simdpool_pool_desc d;
 *   simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2);
 *   d.n = 1; d.c = 64; d.in[0] = d.in[1] = 112;
 *   d.kernel[0] = d.kernel[1] = 3; d.stride[0] = d.stride[1] = 2;
 *   d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 1;
 *   simdpool_plan *plan;
 *   if (simdpool_plan_create_pool(&d, NULL, &plan) != SIMDPOOL_OK) puts(simdpool_last_error());
 *   simdpool_forward(plan, x, y, indices);
 *   simdpool_plan_destroy(plan);
 *
 * Conventions
 * - Tensors are dense f32 arrays. NCHW means channels-first (N, C, [D,] [H,] W); NHWC means channels-last
 *   (N, [D,] [H,] W, C). Spatial arrays (in, kernel, stride, ...) are ordered outermost first: for 2-D,
 *   index 0 is H and index 1 is W; for 3-D, D, H, W; for 1-D only index 0 (W) is used.
 * - Argmax indices are int64, stored with the same layout and shape as the output, and hold the flat
 *   position inside one input plane (h*W + w in 2-D, d*H*W + h*W + w in 3-D), PyTorch's convention, for
 *   both layouts. simdpool_indices_to_onnx() converts them to ONNX's whole-tensor index.
 * - Every function returns a simdpool_status; on failure simdpool_last_error() says which field or argument
 *   was wrong and why. Nothing aborts, prints, or touches memory outside the caller's buffers.
 * - Plans are immutable: one plan may be run concurrently from several threads.
 *
 * Semantics: see README.md ("Semantics") and DESIGN.md; the short version is PyTorch's rules.
 */
#ifndef SIMDPOOL_SIMDPOOL_H
#define SIMDPOOL_SIMDPOOL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(SIMDPOOL_SHARED_BUILD)
#define SIMDPOOL_API __declspec(dllexport)
#elif defined(__GNUC__)
#define SIMDPOOL_API __attribute__((visibility("default")))
#else
#define SIMDPOOL_API
#endif

#define SIMDPOOL_VERSION_MAJOR 0
#define SIMDPOOL_VERSION_MINOR 1
#define SIMDPOOL_VERSION_PATCH 0

/** Largest number of spatial dimensions (1-D, 2-D and 3-D pooling). */
#define SIMDPOOL_MAX_SPATIAL_DIMS 3
/** Largest tensor rank: N, C and up to three spatial dimensions. */
#define SIMDPOOL_MAX_RANK (2 + SIMDPOOL_MAX_SPATIAL_DIMS)

/* ----------------------------------------------------------------------------------------------------- */
/* Status and errors                                                                                     */

typedef enum simdpool_status {
    SIMDPOOL_OK = 0,
    SIMDPOOL_INVALID_ARGUMENT = 1, /* a descriptor field, option or argument is out of its domain */
    SIMDPOOL_NULL_POINTER = 2,     /* a required pointer was NULL */
    SIMDPOOL_SIZE_OVERFLOW = 3,    /* a tensor's element or byte count does not fit the address space */
    SIMDPOOL_UNSUPPORTED = 4,      /* valid, but not provided (e.g. a dtype not built yet) */
    SIMDPOOL_OUT_OF_MEMORY = 5     /* the plan's tables could not be allocated */
} simdpool_status;

/** Static name of a status, e.g. "SIMDPOOL_INVALID_ARGUMENT"; "unknown status" for other values. */
SIMDPOOL_API const char *simdpool_status_string(simdpool_status status);

/**
 * Explanation of the last failure on the calling thread, e.g. "kernel[1] = 0 must be >= 1"; like errno, a
 * successful call leaves it unchanged. Empty string if no call on this thread has failed.
 */
SIMDPOOL_API const char *simdpool_last_error(void);

/* ----------------------------------------------------------------------------------------------------- */
/* Enumerations                                                                                          */

typedef enum simdpool_algorithm {
    SIMDPOOL_MAX = 0,  /* max over the window; optional argmax indices */
    SIMDPOOL_AVG = 1,  /* mean; count_include_pad and divisor_override select the divisor */
    SIMDPOOL_MIN = 2,  /* min over the window; optional argmin indices */
    SIMDPOOL_LP = 3,   /* (sum |x|^p)^(1/p), ONNX LpPool */
    SIMDPOOL_SOFT = 4  /* SoftPool: sum(e^x * x) / sum(e^x), computed stably */
} simdpool_algorithm;

typedef enum simdpool_layout {
    SIMDPOOL_NCHW = 0, /* channels first */
    SIMDPOOL_NHWC = 1  /* channels last */
} simdpool_layout;

typedef enum simdpool_dtype {
    SIMDPOOL_F32 = 0
} simdpool_dtype;

/**
 * Instruction-set variants. SIMDPOOL_ISA_AUTO means "the best this CPU runs, within the global cap".
 * On x86-64 the order is SCALAR < AVX2 < AVX512; NEON is native on aarch64 and, on x86-64, the simde
 * translation of the NEON kernels (for testing them on any host).
 */
typedef enum simdpool_isa {
    SIMDPOOL_ISA_AUTO = 0,
    SIMDPOOL_ISA_SCALAR = 1,
    SIMDPOOL_ISA_AVX2 = 2,
    SIMDPOOL_ISA_AVX512 = 3,
    SIMDPOOL_ISA_NEON = 4
} simdpool_isa;

/* ----------------------------------------------------------------------------------------------------- */
/* Descriptors                                                                                           */

/**
 * A pooling layer with a sliding window.
 *
 * Output size per spatial dim i (PyTorch's rule):
 *   eff = dilation*(kernel-1)+1
 *   out = floor_or_ceil((in + pad_begin + pad_end - eff) / stride) + 1
 *   with ceil_mode, the last window is dropped if it would start at or beyond in + pad_begin.
 * Limits: pad_begin[i] and pad_end[i] must each be < eff (so every window touches the padded input), and
 * eff <= in + pad_begin + pad_end. For MAX and MIN, a window that covers no input element (possible with
 * dilation) is rejected when the plan is made: padding is absent, never a value that could win.
 */
typedef struct simdpool_pool_desc {
    simdpool_algorithm algorithm;
    int spatial_dims;             /* 1, 2 or 3 */
    int64_t n;                    /* batch */
    int64_t c;                    /* channels */
    int64_t in[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t kernel[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t stride[SIMDPOOL_MAX_SPATIAL_DIMS];   /* must be set (PyTorch's default is the kernel size) */
    int64_t dilation[SIMDPOOL_MAX_SPATIAL_DIMS]; /* default 1 */
    int64_t pad_begin[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t pad_end[SIMDPOOL_MAX_SPATIAL_DIMS];
    int ceil_mode;                /* 0 or 1 */
    int count_include_pad;        /* AVG: 1 counts padded positions (not the ceil_mode overhang); default 1 */
    int64_t divisor_override;     /* AVG: > 0 replaces the divisor; 0 = none */
    float p;                      /* LP: the norm's order, > 0; default 2 */
    simdpool_layout layout;       /* default NCHW */
    simdpool_dtype dtype;         /* default F32 */
} simdpool_pool_desc;

/**
 * Fills *desc with PyTorch's defaults for `algorithm` with `spatial_dims` spatial dimensions: n, c, in,
 * kernel and stride 0 (all must be set before a plan is made), dilation 1, no padding, floor mode,
 * count_include_pad = 1, no divisor override, p = 2, NCHW, f32.
 */
SIMDPOOL_API simdpool_status simdpool_pool_desc_init(simdpool_pool_desc *desc, simdpool_algorithm algorithm,
                                                     int spatial_dims);

/**
 * Adaptive pooling: output size given, window i of each dim is [floor(i*in/out), ceil((i+1)*in/out)).
 * Algorithms: SIMDPOOL_AVG (divisor = window size) and SIMDPOOL_MAX (optional argmax indices).
 * Outputs larger than inputs are allowed (windows then overlap).
 */
typedef struct simdpool_adaptive_desc {
    simdpool_algorithm algorithm;
    int spatial_dims;
    int64_t n;
    int64_t c;
    int64_t in[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS];
    simdpool_layout layout;
    simdpool_dtype dtype;
} simdpool_adaptive_desc;

/** Defaults: sizes 0 (to be set), NCHW, f32. */
SIMDPOOL_API simdpool_status simdpool_adaptive_desc_init(simdpool_adaptive_desc *desc, simdpool_algorithm algorithm,
                                                         int spatial_dims);

/** Global pooling = adaptive pooling to output size 1 in every spatial dim; n, c and in still to be set. */
SIMDPOOL_API simdpool_status simdpool_global_desc_init(simdpool_adaptive_desc *desc, simdpool_algorithm algorithm,
                                                       int spatial_dims);

/* ----------------------------------------------------------------------------------------------------- */
/* Plans                                                                                                 */

typedef struct simdpool_options {
    int num_threads;     /* 0: OpenMP's default (OMP_NUM_THREADS); 1: single-threaded; n: at most n */
    simdpool_isa max_isa; /* SIMDPOOL_ISA_AUTO, or a cap on the variant this plan may use */
    int clamp_output;    /* 1: forward clamps each output to [clamp_min, clamp_max] (fused ReLU/ReLU6);
                            NaN stays NaN. Backward of a clamped plan is refused. */
    float clamp_min;
    float clamp_max;
} simdpool_options;

/** Defaults: num_threads 0, max_isa AUTO, no clamp (clamp_min -inf, clamp_max +inf). */
SIMDPOOL_API simdpool_status simdpool_options_init(simdpool_options *options);

typedef struct simdpool_plan simdpool_plan;

/** Validates `desc` and makes a plan. `options` may be NULL (defaults). On failure *plan is set to NULL. */
SIMDPOOL_API simdpool_status simdpool_plan_create_pool(const simdpool_pool_desc *desc, const simdpool_options *options,
                                                       simdpool_plan **plan);
SIMDPOOL_API simdpool_status simdpool_plan_create_adaptive(const simdpool_adaptive_desc *desc,
                                                           const simdpool_options *options, simdpool_plan **plan);
/** Frees the plan; NULL is accepted. */
SIMDPOOL_API void simdpool_plan_destroy(simdpool_plan *plan);

/**
 * The output (or input) tensor's shape in the plan's layout order: NCHW gives (N, C, spatial...), NHWC gives
 * (N, spatial..., C). `dims` must hold SIMDPOOL_MAX_RANK entries; *rank receives 2 + spatial_dims.
 */
SIMDPOOL_API simdpool_status simdpool_plan_output_shape(const simdpool_plan *plan, int64_t *dims, int *rank);
SIMDPOOL_API simdpool_status simdpool_plan_input_shape(const simdpool_plan *plan, int64_t *dims, int *rank);
/** Element counts of the input and output tensors (indices have as many elements as the output). */
SIMDPOOL_API simdpool_status simdpool_plan_tensor_sizes(const simdpool_plan *plan, size_t *input_elements,
                                                        size_t *output_elements);
/** The ISA whose kernels this plan runs (fallback entries of that ISA's table may be lower variants). */
SIMDPOOL_API simdpool_status simdpool_plan_isa(const simdpool_plan *plan, simdpool_isa *isa);
/**
 * Name of the kernel this plan's forward (backward = 0 or 1) runs, e.g. "avx2/maxpool_nhwc_f32": the ISA in
 * the name is the variant that actually runs, after any fallback.
 */
SIMDPOOL_API simdpool_status simdpool_plan_kernel_name(const simdpool_plan *plan, int backward, const char **name);

/**
 * One line saying what the plan does and how: shapes, the ISA and why (CPU, caps), each kernel and whether it
 * fell back to a lower ISA, the threading. Truncated to `size` bytes (always NUL-terminated).
 * With the environment variable SIMDPOOL_VERBOSE=1 every new plan's line is also written to stderr.
 */
SIMDPOOL_API simdpool_status simdpool_plan_describe(const simdpool_plan *plan, char *buffer, size_t size);

/**
 * Forward: y = pool(x). `x` has the input shape, `y` the output shape. `indices` is optional (may be NULL)
 * and only accepted for MAX and MIN: it receives the argmax/argmin position (see Conventions).
 */
SIMDPOOL_API simdpool_status simdpool_forward(const simdpool_plan *plan, const float *x, float *y, int64_t *indices);

/**
 * Backward: dx = dL/dx given dy = dL/dy. dx is overwritten (not accumulated into). What each algorithm needs
 * (the others may be NULL):
 *   MAX, MIN  indices from the forward pass (the recorded argmax/argmin routes each gradient)
 *   AVG       nothing but dy
 *   LP        x and y (dy * sign(x) * |x|^(p-1) / y^(p-1); 0 where y == 0)
 *   SOFT      x and y (dy * w_i / S * (1 + x_i - y), w = e^(x - max))
 * Where windows overlap, gradients add up, in an order that does not depend on the thread count.
 */
SIMDPOOL_API simdpool_status simdpool_backward(const simdpool_plan *plan, const float *dy, const int64_t *indices,
                                               const float *x, const float *y, float *dx);

/*
 * For engines with their own thread pool: the plan's work splits into independent tasks (planes in NCHW,
 * output rows in NHWC forward, channel blocks in NHWC backward). Running every task in [0, count) once, in
 * any order and on any threads, equals one simdpool_forward/backward call, bit for bit.
 */
SIMDPOOL_API simdpool_status simdpool_plan_task_count(const simdpool_plan *plan, int backward, size_t *count);
SIMDPOOL_API simdpool_status simdpool_forward_tasks(const simdpool_plan *plan, const float *x, float *y,
                                                    int64_t *indices, size_t task_begin, size_t task_end);
SIMDPOOL_API simdpool_status simdpool_backward_tasks(const simdpool_plan *plan, const float *dy,
                                                     const int64_t *indices, const float *x, const float *y,
                                                     float *dx, size_t task_begin, size_t task_end);

/* ----------------------------------------------------------------------------------------------------- */
/* Cost model                                                                                            */

/**
 * What one run of a plan must do at the least, for roofline and scheduling decisions:
 *   bytes_read     compulsory reads: every input element some window touches (forward: x; backward: dy, plus
 *                  indices for MAX/MIN, plus x and y for LP/SOFT), each counted once
 *   bytes_written  forward: y (+ indices when requested); backward: all of dx
 *   arithmetic     additions, comparisons, multiplications, divisions. Forward, per window tap: MAX/MIN 1,
 *                  AVG 1, LP 2, SOFT 4; per output: AVG and SOFT 1 more. Backward: MAX/MIN 1 per output;
 *                  per tap AVG 1, LP 3, SOFT 7; per output AVG, LP and SOFT 1 more
 *   transcendental exp/pow calls: LP with p other than 1 or 2, one pow per tap and one per output; SOFT one
 *                  exp per tap (forward and backward)
 */
typedef struct simdpool_cost {
    uint64_t bytes_read;
    uint64_t bytes_written;
    uint64_t arithmetic;
    uint64_t transcendental;
} simdpool_cost;

/** Cost of a forward (backward = 0, with argmax output if with_indices = 1) or backward (backward = 1) run. */
SIMDPOOL_API simdpool_status simdpool_plan_cost(const simdpool_plan *plan, int backward, int with_indices,
                                                simdpool_cost *cost);

/* ----------------------------------------------------------------------------------------------------- */
/* ISA selection                                                                                         */

/**
 * The ISA that new plans use by default: the best the CPU runs, capped by simdpool_set_isa() or, before any
 * call to it, by the environment variable SIMDPOOL_ISA=scalar|avx2|avx512|neon (read once).
 */
SIMDPOOL_API simdpool_isa simdpool_get_isa(void);
/** Best ISA this CPU (and OS) can run natively. */
SIMDPOOL_API simdpool_isa simdpool_cpu_isa(void);
/** 1 if plans can be made for `isa` on this machine (NEON: native on aarch64, simde-translated on x86). */
SIMDPOOL_API int simdpool_isa_available(simdpool_isa isa);
/**
 * Caps the ISA of plans made from now on (SIMDPOOL_ISA_AUTO removes the cap). A cap above what the CPU runs
 * is lowered to what it runs. Returns SIMDPOOL_INVALID_ARGUMENT for an unknown value.
 */
SIMDPOOL_API simdpool_status simdpool_set_isa(simdpool_isa isa);
/** "auto", "scalar", "avx2", "avx512", "neon"; "unknown" otherwise. */
SIMDPOOL_API const char *simdpool_isa_name(simdpool_isa isa);

/* ----------------------------------------------------------------------------------------------------- */
/* Helpers                                                                                               */

typedef enum simdpool_auto_pad {
    SIMDPOOL_SAME_UPPER = 0, /* the odd padding element goes at the end (ONNX SAME_UPPER) */
    SIMDPOOL_SAME_LOWER = 1  /* the odd padding element goes at the beginning (ONNX SAME_LOWER) */
} simdpool_auto_pad;

/**
 * ONNX auto_pad: fills desc->pad_begin/pad_end for every spatial dim from in, kernel, stride and dilation so
 * that out = ceil(in / stride). Sets ceil_mode = 0. The other fields must already be set.
 */
SIMDPOOL_API simdpool_status simdpool_pool_desc_set_auto_pad(simdpool_pool_desc *desc, simdpool_auto_pad mode);

/**
 * Converts argmax indices from PyTorch's per-plane convention to ONNX MaxPool's: the flat row-major index into
 * the whole NCHW input tensor ((n*C + c) * plane + position). `src` and `dst` have the plan's output shape and
 * layout and may be the same buffer. Fails on an index outside the plane.
 */
SIMDPOOL_API simdpool_status simdpool_indices_to_onnx(const simdpool_plan *plan, const int64_t *src, int64_t *dst);

#ifdef __cplusplus
}
#endif

#endif /* SIMDPOOL_SIMDPOOL_H */
