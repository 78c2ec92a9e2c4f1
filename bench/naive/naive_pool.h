/*
 * Naive, definition-level pooling loops: the tests' oracle and the benchmarks' textbook baseline.
 *
 * Written directly from the descriptors and the rules documented in simdpool.h / DESIGN.md ("Semantics"),
 * independently of the library's operator layer and kernels: output sizes are computed here from the rule,
 * every window is scanned tap by tap with explicit bounds checks over the padded window. Clarity over speed.
 *
 * Tensors use the descriptor's layout (NCHW or NHWC). Argmax/argmin indices are flat positions inside one
 * input plane (d*H*W + h*W + w), PyTorch's convention, for both layouts.
 */
#ifndef SIMDPOOL_NAIVE_POOL_H
#define SIMDPOOL_NAIVE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "simdpool/simdpool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Output size per spatial dim, in descriptor order (out[i] for i < spatial_dims; the rest set to 1). */
void naive_pool_output_dims(const simdpool_pool_desc *d, int64_t out[3]);

/* Element counts of the input and output tensors described by d (n * c * spatial product). */
size_t naive_pool_input_elements(const simdpool_pool_desc *d);
size_t naive_pool_output_elements(const simdpool_pool_desc *d);

/*
 * Number of taps of output position `o` (spatial, descriptor order) that fall inside the input, i.e. the
 * window's element count once padding is removed. 0 means an empty window.
 */
int64_t naive_pool_window_input_taps(const simdpool_pool_desc *d, const int64_t o[3]);

/* 1 if some output window of d covers no input element (MAX/MIN plans are rejected then), else 0. */
int naive_pool_has_empty_window(const simdpool_pool_desc *d);

/* The AVG divisor of output position `o` (descriptor order), per the count_include_pad/override rules. */
int64_t naive_pool_avg_divisor(const simdpool_pool_desc *d, const int64_t o[3]);

/* Forward: y = pool(x). idx (may be NULL) receives argmax/argmin for MAX/MIN; ignored for other algorithms. */
void naive_pool_forward(const simdpool_pool_desc *d, const float *x, float *y, int64_t *idx);

/*
 * Backward: dx (input shape) is overwritten with the gradient given dy (output shape).
 *   MAX, MIN: routes dy through idx; if idx is NULL, the argmax/argmin is recomputed from x.
 *   AVG:      dy only.
 *   LP, SOFT: x and y (the forward's output).
 */
void naive_pool_backward(const simdpool_pool_desc *d, const float *dy, const int64_t *idx, const float *x,
                         const float *y, float *dx);

/* Adaptive pooling. */
void naive_adaptive_output_dims(const simdpool_adaptive_desc *d, int64_t out[3]);
size_t naive_adaptive_input_elements(const simdpool_adaptive_desc *d);
size_t naive_adaptive_output_elements(const simdpool_adaptive_desc *d);
void naive_adaptive_forward(const simdpool_adaptive_desc *d, const float *x, float *y, int64_t *idx);
/* AVG: dy only. MAX: routes dy through idx (must be non-NULL for MAX). */
void naive_adaptive_backward(const simdpool_adaptive_desc *d, const float *dy, const int64_t *idx, float *dx);

#ifdef __cplusplus
}
#endif

#endif /* SIMDPOOL_NAIVE_POOL_H */
