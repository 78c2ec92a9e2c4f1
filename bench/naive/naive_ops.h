/*
 * Naive, definition-level loops for the rest of the op set: fractional max pooling, max unpooling, spatial
 * pyramid pooling, RoI max pooling and RoI align. The tests' oracle and the benchmarks' textbook baseline.
 *
 * Written from the descriptors and the rules documented in simdpool.h (PyTorch's and torchvision's
 * semantics), independently of the library: every output element is computed on its own, one tap or sample
 * at a time, with explicit coordinates. Inputs are assumed valid (the tests validate through the library).
 * Tensors use the descriptor's layout; indices are per-plane flat positions, as in the library.
 */
#ifndef SIMDPOOL_NAIVE_OPS_H
#define SIMDPOOL_NAIVE_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "simdpool/simdpool.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- fractional max pooling ---- */

/* Output size per dim (descriptor order): out[i], or (int64)(in[i] * output_ratio[i]). */
void naive_fractional_output_dims(const simdpool_fractional_desc *d, int64_t out[3]);
size_t naive_fractional_input_elements(const simdpool_fractional_desc *d);
size_t naive_fractional_output_elements(const simdpool_fractional_desc *d);
/* PyTorch's interval rule for one axis: start of window i given sample u (float arithmetic, as PyTorch). */
int64_t naive_fractional_start(float u, int64_t in, int64_t out, int64_t kernel, int64_t i);
/* samples: (N, C, dims) in PyTorch's order (2-D: [W, H]; 3-D: [D, H, W]). idx may be NULL. */
void naive_fractional_forward(const simdpool_fractional_desc *d, const float *samples, const float *x, float *y,
                              int64_t *idx);
/* dx = 0, then dx[idx] += dy for every output element. */
void naive_fractional_backward(const simdpool_fractional_desc *d, const float *dy, const int64_t *idx, float *dx);

/* ---- max unpooling ---- */

void naive_unpool_output_dims(const simdpool_unpool_desc *d, int64_t out[3]);
size_t naive_unpool_input_elements(const simdpool_unpool_desc *d);
size_t naive_unpool_output_elements(const simdpool_unpool_desc *d);
/* y = 0, then y[idx[i]] = x[i] per plane in scan order (the last duplicate wins). */
void naive_unpool_forward(const simdpool_unpool_desc *d, const float *x, const int64_t *idx, float *y);
/* dx[i] = dy[idx[i]]. */
void naive_unpool_backward(const simdpool_unpool_desc *d, const float *dy, const int64_t *idx, float *dx);

/* ---- spatial pyramid pooling ---- */

/* F = C * sum(l^2): one output row. */
int64_t naive_spp_features(const simdpool_spp_desc *d);
size_t naive_spp_input_elements(const simdpool_spp_desc *d);
/* y: N x F in the documented order (NCHW: per level (c, i, j); NHWC: per level (i, j, c)). idx: MAX, may be NULL. */
void naive_spp_forward(const simdpool_spp_desc *d, const float *x, float *y, int64_t *idx);
/* MAX routes through idx; AVG spreads dy over each bin's window. */
void naive_spp_backward(const simdpool_spp_desc *d, const float *dy, const int64_t *idx, float *dx);

/* ---- RoI pooling (torchvision) ---- */

size_t naive_roi_input_elements(const simdpool_roi_desc *d);
/* Elements of one box's output block (C * PH * PW). */
size_t naive_roi_box_elements(const simdpool_roi_desc *d);
/* y: num_boxes blocks; argmax: ROI_POOL only, may be NULL. */
void naive_roi_forward(const simdpool_roi_desc *d, const float *x, const float *boxes, size_t num_boxes, float *y,
                       int64_t *argmax);
/* dx (whole input) = sum over boxes; ROI_POOL routes through argmax (-1 skipped), ROI_ALIGN recomputes samples. */
void naive_roi_backward(const simdpool_roi_desc *d, const float *dy, const float *boxes, size_t num_boxes,
                        const int64_t *argmax, float *dx);

#ifdef __cplusplus
}
#endif

#endif /* SIMDPOOL_NAIVE_OPS_H */
