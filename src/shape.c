/* Descriptor defaults, validation, and the output-size rules. One function per rule. */
#include <math.h>

#include "internal.h"

bool sp_mul_size(int64_t a, int64_t b, int64_t *product) {
    if (a < 0 || b < 0) return false;
    return !__builtin_mul_overflow(a, b, product);
}

static bool known_algorithm(simdpool_algorithm a) { return a >= SIMDPOOL_MAX && a <= SIMDPOOL_SOFT; }

static const char *algorithm_name(simdpool_algorithm a) {
    static const char *const names[] = {"SIMDPOOL_MAX", "SIMDPOOL_AVG", "SIMDPOOL_MIN", "SIMDPOOL_LP",
                                        "SIMDPOOL_SOFT"};
    return known_algorithm(a) ? names[a] : "unknown";
}

static simdpool_status check_spatial_dims(int spatial_dims) {
    if (spatial_dims < 1 || spatial_dims > SIMDPOOL_MAX_SPATIAL_DIMS)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "spatial_dims = %d must be 1, 2 or 3", spatial_dims);
    return SIMDPOOL_OK;
}

static simdpool_status check_algorithm(simdpool_algorithm algorithm) {
    if (!known_algorithm(algorithm))
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "algorithm = %d is not a simdpool_algorithm", (int)algorithm);
    return SIMDPOOL_OK;
}

static simdpool_status check_layout_and_dtype(simdpool_layout layout, simdpool_dtype dtype) {
    if (layout != SIMDPOOL_NCHW && layout != SIMDPOOL_NHWC)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "layout = %d is not a simdpool_layout", (int)layout);
    if (dtype != SIMDPOOL_F32)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "dtype = %d is not a simdpool_dtype", (int)dtype);
    return SIMDPOOL_OK;
}

static simdpool_status check_positive(const char *field, int index, int64_t value) {
    if (value >= 1) return SIMDPOOL_OK;
    if (index < 0) return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s = %lld must be >= 1", field, (long long)value);
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s[%d] = %lld must be >= 1", field, index, (long long)value);
}

static simdpool_status check_flag(const char *field, int value) {
    if (value == 0 || value == 1) return SIMDPOOL_OK;
    return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s = %d must be 0 or 1", field, value);
}

/* n * c * prod(spatial) elements, and their size in bytes as int64 indices (the widest element), must fit. */
static simdpool_status check_tensor_size(const char *tensor, int64_t n, int64_t c, const int64_t *spatial,
                                         int spatial_dims, int64_t *elements) {
    int64_t count = 0, bytes = 0;
    bool fits = sp_mul_size(n, c, &count);
    for (int i = 0; i < spatial_dims && fits; ++i) fits = sp_mul_size(count, spatial[i], &count);
    fits = fits && sp_mul_size(count, (int64_t)sizeof(int64_t), &bytes) && (uint64_t)bytes <= SIZE_MAX;
    if (!fits)
        return sp_fail(SIMDPOOL_SIZE_OVERFLOW,
                       "the %s tensor (n = %lld, c = %lld, %d spatial dims) has more elements than memory can address",
                       tensor, (long long)n, (long long)c, spatial_dims);
    *elements = count;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_pool_desc_init(simdpool_pool_desc *desc, simdpool_algorithm algorithm, int spatial_dims) {
    SP_CHECK_NOT_NULL(desc);
    simdpool_status status = check_algorithm(algorithm);
    if (status == SIMDPOOL_OK) status = check_spatial_dims(spatial_dims);
    if (status != SIMDPOOL_OK) return status;
    *desc = (simdpool_pool_desc){0};
    desc->algorithm = algorithm;
    desc->spatial_dims = spatial_dims;
    for (int i = 0; i < SIMDPOOL_MAX_SPATIAL_DIMS; ++i) desc->dilation[i] = 1;
    desc->count_include_pad = 1;
    desc->p = 2.0f;
    desc->layout = SIMDPOOL_NCHW;
    desc->dtype = SIMDPOOL_F32;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_adaptive_desc_init(simdpool_adaptive_desc *desc, simdpool_algorithm algorithm,
                                            int spatial_dims) {
    SP_CHECK_NOT_NULL(desc);
    simdpool_status status = check_algorithm(algorithm);
    if (status == SIMDPOOL_OK) status = check_spatial_dims(spatial_dims);
    if (status != SIMDPOOL_OK) return status;
    *desc = (simdpool_adaptive_desc){0};
    desc->algorithm = algorithm;
    desc->spatial_dims = spatial_dims;
    desc->layout = SIMDPOOL_NCHW;
    desc->dtype = SIMDPOOL_F32;
    return SIMDPOOL_OK;
}

simdpool_status simdpool_global_desc_init(simdpool_adaptive_desc *desc, simdpool_algorithm algorithm,
                                          int spatial_dims) {
    simdpool_status status = simdpool_adaptive_desc_init(desc, algorithm, spatial_dims);
    if (status != SIMDPOOL_OK) return status;
    for (int i = 0; i < spatial_dims; ++i) desc->out[i] = 1;
    return SIMDPOOL_OK;
}

int64_t sp_dilated_extent(int64_t kernel, int64_t dilation) { return dilation * (kernel - 1) + 1; }

int64_t sp_pool_output_size(int64_t in, int64_t kernel, int64_t stride, int64_t dilation, int64_t pad_begin,
                            int64_t pad_end, int ceil_mode) {
    int64_t span = in + pad_begin + pad_end - sp_dilated_extent(kernel, dilation);
    int64_t out = span / stride + 1;
    if (ceil_mode && span % stride != 0) {
        ++out;
        /* PyTorch's rule: a last window that would start in the right padding is dropped. */
        if ((out - 1) * stride >= in + pad_begin) --out;
    }
    return out;
}

/* Spatial dim i of a pool descriptor: every field in range, the window fits the padded input. */
static simdpool_status check_pool_axis(const simdpool_pool_desc *d, int i) {
    simdpool_status status = check_positive("in", i, d->in[i]);
    if (status == SIMDPOOL_OK) status = check_positive("kernel", i, d->kernel[i]);
    if (status == SIMDPOOL_OK) status = check_positive("stride", i, d->stride[i]);
    if (status == SIMDPOOL_OK) status = check_positive("dilation", i, d->dilation[i]);
    if (status != SIMDPOOL_OK) return status;
    if (d->kernel[i] > INT32_MAX)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "kernel[%d] = %lld exceeds the largest window, %d", i,
                       (long long)d->kernel[i], INT32_MAX);
    int64_t extent = 0;
    if (!sp_mul_size(d->dilation[i], d->kernel[i] - 1, &extent) || extent == INT64_MAX)
        return sp_fail(SIMDPOOL_SIZE_OVERFLOW, "dilation[%d] * (kernel[%d] - 1) = %lld * %lld overflows", i, i,
                       (long long)d->dilation[i], (long long)(d->kernel[i] - 1));
    extent += 1;
    const char *pad_names[2] = {"pad_begin", "pad_end"};
    const int64_t pads[2] = {d->pad_begin[i], d->pad_end[i]};
    for (int side = 0; side < 2; ++side) {
        if (pads[side] < 0)
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "%s[%d] = %lld must be >= 0", pad_names[side], i,
                           (long long)pads[side]);
        if (pads[side] >= extent)
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                           "%s[%d] = %lld must be < the dilated kernel extent %lld (kernel[%d] = %lld, "
                           "dilation[%d] = %lld): a window must not lie wholly in the padding",
                           pad_names[side], i, (long long)pads[side], (long long)extent, i,
                           (long long)d->kernel[i], i, (long long)d->dilation[i]);
    }
    /* in <= tensor size, pads < extent <= INT64_MAX / 2-ish: the sum cannot overflow after the checks above
       unless extent is enormous, so check it anyway. */
    int64_t padded = 0;
    if (__builtin_add_overflow(d->in[i], d->pad_begin[i], &padded) ||
        __builtin_add_overflow(padded, d->pad_end[i], &padded))
        return sp_fail(SIMDPOOL_SIZE_OVERFLOW, "in[%d] + pad_begin[%d] + pad_end[%d] overflows", i, i, i);
    if (extent > padded)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "kernel[%d] = %lld (dilated extent %lld) is larger than the padded input %lld "
                       "(in[%d] = %lld + pad_begin %lld + pad_end %lld)",
                       i, (long long)d->kernel[i], (long long)extent, (long long)padded, i, (long long)d->in[i],
                       (long long)d->pad_begin[i], (long long)d->pad_end[i]);
    return SIMDPOOL_OK;
}

simdpool_status sp_validate_pool_desc(const simdpool_pool_desc *d, int64_t out[SIMDPOOL_MAX_SPATIAL_DIMS]) {
    simdpool_status status = check_algorithm(d->algorithm);
    if (status == SIMDPOOL_OK) status = check_spatial_dims(d->spatial_dims);
    if (status == SIMDPOOL_OK) status = check_layout_and_dtype(d->layout, d->dtype);
    if (status == SIMDPOOL_OK) status = check_positive("n", -1, d->n);
    if (status == SIMDPOOL_OK) status = check_positive("c", -1, d->c);
    if (status == SIMDPOOL_OK) status = check_flag("ceil_mode", d->ceil_mode);
    if (status == SIMDPOOL_OK) status = check_flag("count_include_pad", d->count_include_pad);
    for (int i = 0; i < d->spatial_dims && status == SIMDPOOL_OK; ++i) status = check_pool_axis(d, i);
    if (status != SIMDPOOL_OK) return status;
    if (d->divisor_override < 0)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "divisor_override = %lld must be >= 0 (0 = none)",
                       (long long)d->divisor_override);
    if (d->divisor_override > 0 && d->algorithm != SIMDPOOL_AVG)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "divisor_override = %lld applies to SIMDPOOL_AVG only, not %s",
                       (long long)d->divisor_override, algorithm_name(d->algorithm));
    if (d->divisor_override > (1LL << 24))
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "divisor_override = %lld must be <= 16777216 (larger divisors are not exact in f32)",
                       (long long)d->divisor_override);
    if (d->algorithm == SIMDPOOL_LP && !(isfinite(d->p) && d->p > 0.0f))
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "p = %g must be a finite number > 0 for SIMDPOOL_LP", (double)d->p);

    int64_t elements = 0;
    status = check_tensor_size("input", d->n, d->c, d->in, d->spatial_dims, &elements);
    if (status != SIMDPOOL_OK) return status;
    for (int i = 0; i < d->spatial_dims; ++i)
        out[i] = sp_pool_output_size(d->in[i], d->kernel[i], d->stride[i], d->dilation[i], d->pad_begin[i],
                                     d->pad_end[i], d->ceil_mode);
    return check_tensor_size("output", d->n, d->c, out, d->spatial_dims, &elements);
}

simdpool_status sp_validate_adaptive_desc(const simdpool_adaptive_desc *d) {
    simdpool_status status = check_algorithm(d->algorithm);
    if (status != SIMDPOOL_OK) return status;
    if (d->algorithm != SIMDPOOL_AVG && d->algorithm != SIMDPOOL_MAX)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                       "algorithm = %s is not available for adaptive pooling (SIMDPOOL_AVG or SIMDPOOL_MAX)",
                       algorithm_name(d->algorithm));
    status = check_spatial_dims(d->spatial_dims);
    if (status == SIMDPOOL_OK) status = check_layout_and_dtype(d->layout, d->dtype);
    if (status == SIMDPOOL_OK) status = check_positive("n", -1, d->n);
    if (status == SIMDPOOL_OK) status = check_positive("c", -1, d->c);
    for (int i = 0; i < d->spatial_dims && status == SIMDPOOL_OK; ++i) {
        status = check_positive("in", i, d->in[i]);
        if (status == SIMDPOOL_OK) status = check_positive("out", i, d->out[i]);
        int64_t product = 0;
        /* The window rule multiplies an output position by the input size. */
        if (status == SIMDPOOL_OK && !sp_mul_size(d->in[i], d->out[i], &product))
            return sp_fail(SIMDPOOL_SIZE_OVERFLOW, "in[%d] * out[%d] = %lld * %lld overflows", i, i,
                           (long long)d->in[i], (long long)d->out[i]);
        if (status == SIMDPOOL_OK && d->in[i] / d->out[i] >= INT32_MAX)
            return sp_fail(SIMDPOOL_INVALID_ARGUMENT,
                           "in[%d] / out[%d] = %lld / %lld gives windows larger than the largest window, %d", i, i,
                           (long long)d->in[i], (long long)d->out[i], INT32_MAX);
    }
    if (status != SIMDPOOL_OK) return status;
    int64_t elements = 0;
    status = check_tensor_size("input", d->n, d->c, d->in, d->spatial_dims, &elements);
    if (status == SIMDPOOL_OK) status = check_tensor_size("output", d->n, d->c, d->out, d->spatial_dims, &elements);
    return status;
}

simdpool_status simdpool_pool_desc_set_auto_pad(simdpool_pool_desc *desc, simdpool_auto_pad mode) {
    SP_CHECK_NOT_NULL(desc);
    if (mode != SIMDPOOL_SAME_UPPER && mode != SIMDPOOL_SAME_LOWER)
        return sp_fail(SIMDPOOL_INVALID_ARGUMENT, "mode = %d is not a simdpool_auto_pad", (int)mode);
    simdpool_status status = check_spatial_dims(desc->spatial_dims);
    for (int i = 0; i < desc->spatial_dims && status == SIMDPOOL_OK; ++i) {
        status = check_positive("in", i, desc->in[i]);
        if (status == SIMDPOOL_OK) status = check_positive("kernel", i, desc->kernel[i]);
        if (status == SIMDPOOL_OK) status = check_positive("stride", i, desc->stride[i]);
        if (status == SIMDPOOL_OK) status = check_positive("dilation", i, desc->dilation[i]);
        int64_t extent = 0;
        if (status == SIMDPOOL_OK &&
            (!sp_mul_size(desc->dilation[i], desc->kernel[i] - 1, &extent) || extent > INT64_MAX / 4 ||
             desc->in[i] > INT64_MAX / 4))
            return sp_fail(SIMDPOOL_SIZE_OVERFLOW, "kernel[%d], dilation[%d] or in[%d] is too large", i, i, i);
    }
    if (status != SIMDPOOL_OK) return status;
    for (int i = 0; i < desc->spatial_dims; ++i) {
        /* ONNX: out = ceil(in / stride); the padding is whatever makes the last window end at the input's end. */
        int64_t out = (desc->in[i] + desc->stride[i] - 1) / desc->stride[i];
        int64_t total = (out - 1) * desc->stride[i] + sp_dilated_extent(desc->kernel[i], desc->dilation[i]) -
                        desc->in[i];
        if (total < 0) total = 0;
        int64_t half = total / 2;
        desc->pad_begin[i] = mode == SIMDPOOL_SAME_UPPER ? half : total - half;
        desc->pad_end[i] = total - desc->pad_begin[i];
    }
    desc->ceil_mode = 0;
    return SIMDPOOL_OK;
}
