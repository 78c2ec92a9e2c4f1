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
    int64_t divisor_override;     /* AVG only (other algorithms must leave it 0): > 0, at most 2^24, replaces
                                     the divisor; 0 = none */
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
 * MAX/MIN indices come from the caller, so each is checked against its input plane before it is used: an
 * index outside [0, plane) fails with SIMDPOOL_INVALID_ARGUMENT naming the first offending element (lowest
 * flat position) and its coordinates; dx is then unspecified, and nothing outside dx is ever written.
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

/* ----------------------------------------------------------------------------------------------------- */
/* The rest of the op set: fractional max pooling, max unpooling, spatial pyramid pooling, RoI pooling    */
/*
 * Each family has its own descriptor and create function and makes an ordinary simdpool_plan (destroy, shape
 * queries, options, ISA and kernel-name queries all work as above). Runs use simdpool_forward/backward where
 * their arguments fit and a dedicated entry point where they do not:
 *
 *   family       forward                           backward
 *   fractional   simdpool_fractional_forward       simdpool_backward(plan, dy, indices, NULL, NULL, dx)
 *   unpool       simdpool_unpool_forward           simdpool_backward(plan, dy, indices, NULL, NULL, dx)
 *   spp          simdpool_forward                  simdpool_backward (MAX: indices; AVG: dy only)
 *   roi          simdpool_roi_forward              simdpool_roi_backward
 *
 * Calling a generic entry point on a plan that needs a dedicated one fails with SIMDPOOL_INVALID_ARGUMENT and
 * a message naming the right function. Index arguments that are read (unpool indices, backward indices, RoI
 * argmax) are checked: a position outside its plane is never dereferenced, the call fails with
 * SIMDPOOL_INVALID_ARGUMENT and the message names the first offending element (lowest flat position).
 * simdpool_plan_cost covers these plans too (docs/ops.md, "Cost model"). A RoI plan's cost is that of one box
 * (a plan has no box count): K boxes cost K * (cost - map) + map, where map is the feature map's bytes
 * (read forward, dx written backward).
 */

/**
 * Fractional max pooling (Graham 2014), PyTorch's fractional_max_pool2d/3d with caller-supplied samples.
 *
 * 2-D or 3-D. Output size per dim: out[i], or, where out[i] == 0, (int64)(in[i] * output_ratio[i]) with
 * 0 < ratio < 1 (PyTorch's rule; set exactly one of the two per dim). Windows are kernel[i] wide and start at
 *   alpha = (in - k) / (out - 1)                       (in float, as PyTorch computes it)
 *   start[j] = (int)((j + u) * alpha) - (int)(u * alpha)   for j < out - 1;   start[out - 1] = in - k
 * where u in [0, 1) is the plane's sample for that dim. Validity (PyTorch's limit): out + kernel - 1 <= in,
 * i.e. alpha >= 1; out == in - kernel + 1 is the largest output (every window start then equals j).
 *
 * Samples: n * c * spatial_dims floats, one group per (n, c) plane, in PyTorch's order, whatever the layout:
 *   2-D: sample[0] drives the WIDTH (dim 1) and sample[1] the HEIGHT (dim 0) -- note the reversal;
 *   3-D: sample[0] drives D, sample[1] H, sample[2] W.
 * So torch's `_random_samples` tensor (N, C, dims) can be passed as is. Each must lie in [0, 1).
 * Max rule, indices (per-plane flat, int64) and backward are those of SIMDPOOL_MAX pooling.
 */
typedef struct simdpool_fractional_desc {
    int spatial_dims;                               /* 2 or 3 */
    int64_t n;
    int64_t c;
    int64_t in[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t kernel[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS];         /* > 0: the output size; 0: from output_ratio */
    double output_ratio[SIMDPOOL_MAX_SPATIAL_DIMS]; /* used where out[i] == 0; must be 0 where out[i] > 0 */
    simdpool_layout layout;
    simdpool_dtype dtype;
} simdpool_fractional_desc;

/** Defaults: sizes, kernel, out and ratios 0 (to be set), NCHW, f32. spatial_dims must be 2 or 3. */
SIMDPOOL_API simdpool_status simdpool_fractional_desc_init(simdpool_fractional_desc *desc, int spatial_dims);
SIMDPOOL_API simdpool_status simdpool_plan_create_fractional(const simdpool_fractional_desc *desc,
                                                             const simdpool_options *options, simdpool_plan **plan);
/** Number of samples the plan's forward reads: n * c * spatial_dims. */
SIMDPOOL_API simdpool_status simdpool_fractional_sample_count(const simdpool_plan *plan, size_t *count);
/**
 * For callers without their own RNG: fills samples[0, count) with uniform floats in [0, 1) drawn from `seed`
 * (SplitMix64, 24-bit mantissas: the same values on every platform).
 */
SIMDPOOL_API simdpool_status simdpool_fractional_fill_samples(uint64_t seed, float *samples, size_t count);
/**
 * y = fractional_max_pool(x) with the given samples (checked first: a sample outside [0, 1) or NaN fails
 * before anything is written). `indices` (optional) receives the argmax, needed by the backward.
 */
SIMDPOOL_API simdpool_status simdpool_fractional_forward(const simdpool_plan *plan, const float *samples,
                                                         const float *x, float *y, int64_t *indices);

/**
 * Max unpooling (PyTorch's max_unpool1d/2d/3d, ONNX MaxUnpool): scatters each input element to the position
 * its index names inside its (n, c) output plane; every other output element is 0.
 *
 * in[] is the spatial size of the pooled tensor (the unpool's input). Output size per dim: out[i] if > 0,
 * else derived from the pooling being undone: (in - 1) * stride - pad_begin - pad_end + kernel (PyTorch's
 * default; kernel and stride >= 1, pads >= 0 are needed only where out[i] == 0, and must be >= 0 elsewhere).
 * Any explicit size >= 1 is accepted (PyTorch limits it to (default - stride, default + stride); ONNX does
 * not); what matters is that every index lies inside the output plane, which each run checks.
 * Indices: int64, per-plane flat positions in the output plane (PyTorch's convention, as produced by
 * SIMDPOOL_MAX pooling of the output-sized tensor), with the input's shape and layout.
 * Duplicate indices: forward keeps the last element in the input's scan order (PyTorch leaves it
 * unspecified); backward is a gather, dx[i] = dy[indices[i]], so every duplicate receives its gradient.
 */
typedef struct simdpool_unpool_desc {
    int spatial_dims; /* 1, 2 or 3 */
    int64_t n;
    int64_t c;
    int64_t in[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t kernel[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t stride[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t pad_begin[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t pad_end[SIMDPOOL_MAX_SPATIAL_DIMS];
    int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS]; /* > 0: this output size; 0: derived */
    simdpool_layout layout;
    simdpool_dtype dtype;
} simdpool_unpool_desc;

/** Defaults: everything 0 (sizes to be set), NCHW, f32. */
SIMDPOOL_API simdpool_status simdpool_unpool_desc_init(simdpool_unpool_desc *desc, int spatial_dims);
SIMDPOOL_API simdpool_status simdpool_plan_create_unpool(const simdpool_unpool_desc *desc,
                                                         const simdpool_options *options, simdpool_plan **plan);
/**
 * y = unpool(x, indices). x and indices have the plan's input shape, y its output shape. An index outside
 * [0, output plane) fails with SIMDPOOL_INVALID_ARGUMENT naming it; y's contents are then unspecified (only
 * positions inside y are ever written).
 */
SIMDPOOL_API simdpool_status simdpool_unpool_forward(const simdpool_plan *plan, const float *x,
                                                     const int64_t *indices, float *y);

/** Most pyramid levels a spatial pyramid pooling descriptor holds. */
#define SIMDPOOL_MAX_SPP_LEVELS 8

/**
 * Spatial pyramid pooling (He et al. 2014): for each level l, adaptive pooling of every channel to l x l bins
 * (window rule of adaptive pooling: bin i spans [floor(i*in/l), ceil((i+1)*in/l)), so any input size works,
 * even smaller than l), all levels concatenated into a 2-D output of N x F, F = C * sum(l^2).
 * Feature order within a row, level blocks in the order of levels[]:
 *   NCHW  level block = (c, i, j): offset C*sum(previous l^2) + (c*l + i)*l + j
 *         (= torch.cat([adaptive_pool(x, l).flatten(1) for l in levels], 1))
 *   NHWC  level block = (i, j, c): offset C*sum(previous l^2) + (i*l + j)*C + c   (channels-last flatten)
 * MAX takes optional indices (per-plane flat positions, same shape as the output) for the backward.
 * Output shape queries report rank 2: (N, F).
 */
typedef struct simdpool_spp_desc {
    simdpool_algorithm algorithm; /* SIMDPOOL_MAX or SIMDPOOL_AVG */
    int64_t n;
    int64_t c;
    int64_t in[2];                /* H, W */
    int num_levels;               /* 1 .. SIMDPOOL_MAX_SPP_LEVELS */
    int64_t levels[SIMDPOOL_MAX_SPP_LEVELS]; /* bins per side, each >= 1, e.g. {1, 2, 4} */
    simdpool_layout layout;
    simdpool_dtype dtype;
} simdpool_spp_desc;

/** Defaults: levels {1, 2, 4}, sizes 0 (to be set), NCHW, f32. */
SIMDPOOL_API simdpool_status simdpool_spp_desc_init(simdpool_spp_desc *desc, simdpool_algorithm algorithm);
SIMDPOOL_API simdpool_status simdpool_plan_create_spp(const simdpool_spp_desc *desc, const simdpool_options *options,
                                                      simdpool_plan **plan);

typedef enum simdpool_roi_mode {
    SIMDPOOL_ROI_POOL = 0, /* RoI max pooling (Fast R-CNN; torchvision.ops.roi_pool) */
    SIMDPOOL_ROI_ALIGN = 1 /* RoI align (Mask R-CNN; torchvision.ops.roi_align) */
} simdpool_roi_mode;

/**
 * RoI pooling over a feature map (N, C, H, W), torchvision's CPU semantics exactly. Boxes are run-time data:
 * num_boxes rows of 5 floats (batch index, x1, y1, x2, y2) in input-image coordinates; the output has one
 * (C, PH, PW) block per box (NHWC: (PH, PW, C)), so it holds num_boxes * C * PH * PW floats. Shape queries
 * (simdpool_plan_output_shape, simdpool_plan_tensor_sizes) describe ONE box's block: (1, C, PH, PW).
 *
 * ROI_POOL: box corners round(coord * spatial_scale), malformed boxes forced to 1x1, bin (ph, pw) spans
 *   [floor(ph*bin_h), ceil((ph+1)*bin_h)) (+ the box start, clipped to the map); max with torchvision's rule
 *   (strict >, seeded with -FLT_MAX, so NaN never wins); an empty bin gives 0 and argmax -1.
 * ROI_ALIGN: box corners coord * spatial_scale - (aligned ? 0.5 : 0); without `aligned` boxes are forced to at
 *   least 1x1; each bin averages grid_h x grid_w bilinear samples, grid = sampling_ratio if > 0, else
 *   ceil(box_size / pooled) (adaptive); samples beyond [-1, size] contribute 0; an empty grid gives 0.
 * Runs check every box first: the batch index must be an integer in [0, n), coordinates finite and
 * |coord * spatial_scale| <= 2^24 (beyond that float positions lose integer precision).
 */
typedef struct simdpool_roi_desc {
    simdpool_roi_mode mode;
    int64_t n;
    int64_t c;
    int64_t in[2];       /* H, W of the feature map */
    int64_t pooled[2];   /* PH, PW */
    float spatial_scale; /* feature-map pixels per image pixel, finite and > 0 (e.g. 1/16); default 1 */
    int sampling_ratio;  /* ROI_ALIGN: samples per bin side; <= 0 adaptive (default -1). ROI_POOL: must be <= 0 */
    int aligned;         /* ROI_ALIGN: 1 shifts boxes by half a pixel (Detectron2's correct alignment); default 0.
                            ROI_POOL: must be 0 */
    simdpool_layout layout;
    simdpool_dtype dtype;
} simdpool_roi_desc;

/** Defaults: sizes 0 (to be set), spatial_scale 1, sampling_ratio -1, aligned 0, NCHW, f32. */
SIMDPOOL_API simdpool_status simdpool_roi_desc_init(simdpool_roi_desc *desc, simdpool_roi_mode mode);
SIMDPOOL_API simdpool_status simdpool_plan_create_roi(const simdpool_roi_desc *desc, const simdpool_options *options,
                                                      simdpool_plan **plan);
/**
 * y (num_boxes blocks) = roi_op(x, boxes). argmax (ROI_POOL only, optional, same shape as y) receives the
 * winning per-plane flat position (h*W + w), -1 for an empty bin. Threaded over boxes and channel blocks.
 * num_boxes may be 0 (nothing is written).
 */
SIMDPOOL_API simdpool_status simdpool_roi_forward(const simdpool_plan *plan, const float *x, const float *boxes,
                                                  size_t num_boxes, float *y, int64_t *argmax);
/**
 * dx = d(sum dy * y)/dx, overwriting dx (the whole input). ROI_POOL needs the forward's argmax (each entry -1 or
 * inside the plane); ROI_ALIGN takes argmax = NULL. Deterministic: threaded over (image, channel block), each
 * task adds the boxes' contributions in box order, so results never depend on the thread count (no atomics).
 */
SIMDPOOL_API simdpool_status simdpool_roi_backward(const simdpool_plan *plan, const float *dy, const float *boxes,
                                                   size_t num_boxes, const int64_t *argmax, float *dx);

#ifdef __cplusplus
}
#endif

#endif /* SIMDPOOL_SIMDPOOL_H */
