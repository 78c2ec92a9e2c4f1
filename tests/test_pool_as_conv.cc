// Pooling as convolution (docs/pooling_as_convolution.md): on random inputs,
//   * average pooling equals a depthwise convolution whose k x k weights are all 1/(kh*kw) (with zero padding
//     when count_include_pad = 1);
//   * max pooling equals a cascade of kh*kw single-tap "selection" convolutions (one-hot depthwise kernels,
//     one output channel per window tap) folded with max(a, b) = ReLU(a - b) + b;
//   * min pooling equals -max(-x), indices included.
// The convolutions are written here, naively; the library provides the pooling. The last test recomputes the
// cost-model figures the document quotes, so that the document cannot drift from the library.
#include <cmath>
#include <string>
#include <vector>

#include "ops_test_util.h"

namespace {

using sptest::PlanPtr;

struct Geometry {
    int64_t n, c, h, w, kh, kw, sh, sw, ph, pw;  // symmetric padding ph, pw
    int64_t oh() const { return (h + 2 * ph - kh) / sh + 1; }
    int64_t ow() const { return (w + 2 * pw - kw) / sw + 1; }
};

// Depthwise 2-D convolution, NCHW: every channel convolved with its own kh x kw kernel (the same one here),
// stride, symmetric padding filled with `pad_value`. Accumulates in the window's row-major order.
std::vector<float> depthwise_conv(const Geometry &g, const std::vector<float> &x, const std::vector<float> &kernel,
                                  float pad_value) {
    std::vector<float> y(size_t(g.n * g.c * g.oh() * g.ow()));
    size_t o = 0;
    for (int64_t p = 0; p < g.n * g.c; ++p)
        for (int64_t oy = 0; oy < g.oh(); ++oy)
            for (int64_t ox = 0; ox < g.ow(); ++ox, ++o) {
                float acc = 0.0f;
                for (int64_t i = 0; i < g.kh; ++i)
                    for (int64_t j = 0; j < g.kw; ++j) {
                        const int64_t yy = oy * g.sh - g.ph + i, xx = ox * g.sw - g.pw + j;
                        const bool inside = yy >= 0 && yy < g.h && xx >= 0 && xx < g.w;
                        const float v = inside ? x[size_t((p * g.h + yy) * g.w + xx)] : pad_value;
                        acc += kernel[size_t(i * g.kw + j)] * v;
                    }
                y[o] = acc;
            }
    return y;
}

PlanPtr pool_plan(const Geometry &g, simdpool_algorithm a) {
    simdpool_pool_desc d;
    EXPECT_EQ(simdpool_pool_desc_init(&d, a, 2), SIMDPOOL_OK);
    d.n = g.n;
    d.c = g.c;
    d.in[0] = g.h;
    d.in[1] = g.w;
    d.kernel[0] = g.kh;
    d.kernel[1] = g.kw;
    d.stride[0] = g.sh;
    d.stride[1] = g.sw;
    d.pad_begin[0] = d.pad_end[0] = g.ph;
    d.pad_begin[1] = d.pad_end[1] = g.pw;
    d.count_include_pad = 1;
    simdpool_plan *p = nullptr;
    EXPECT_EQ(simdpool_plan_create_pool(&d, nullptr, &p), SIMDPOOL_OK) << simdpool_last_error();
    return PlanPtr(p);
}

const std::vector<Geometry> &geometries() {
    static const std::vector<Geometry> g = {
        {2, 3, 8, 8, 2, 2, 2, 2, 0, 0},    // 2x2/2, the common downsampling
        {1, 4, 9, 11, 3, 3, 1, 1, 0, 0},   // 3x3/1
        {2, 2, 12, 10, 3, 3, 2, 2, 1, 1},  // 3x3/2 pad 1 (ResNet's stem)
        {1, 3, 7, 9, 2, 3, 1, 2, 0, 1},    // rectangular
        {1, 2, 6, 6, 6, 6, 1, 1, 0, 0},    // global
    };
    return g;
}

std::string describe(const Geometry &g) {
    return std::to_string(g.h) + "x" + std::to_string(g.w) + " k" + std::to_string(g.kh) + "x" + std::to_string(g.kw) +
           " s" + std::to_string(g.sh) + "x" + std::to_string(g.sw) + " p" + std::to_string(g.ph) + "x" +
           std::to_string(g.pw);
}

TEST(PoolAsConv, AveragePoolingIsADepthwiseConvolutionWithUniformWeights) {
    for (const Geometry &g : geometries()) {
        SCOPED_TRACE(describe(g));
        PlanPtr plan = pool_plan(g, SIMDPOOL_AVG);
        const std::vector<float> x = sptest::float_fill(size_t(g.n * g.c * g.h * g.w), 1);
        std::vector<float> pooled(size_t(g.n * g.c * g.oh() * g.ow()));
        SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), pooled.data(), nullptr));
        // count_include_pad = 1: zero padding counts in the divisor, exactly as a convolution's zero padding.
        const std::vector<float> uniform(size_t(g.kh * g.kw), 1.0f / float(g.kh * g.kw));
        const std::vector<float> conv = depthwise_conv(g, x, uniform, 0.0f);
        // Same sum in the same order, but the conv scales each tap and the pool divides the sum once.
        EXPECT_TRUE(sptest::arrays_near(pooled, conv, 1e-5, 1e-6));
    }
}

// max(a, b) = ReLU(a - b) + b, applied element-wise.
void relu_max_into(std::vector<float> &acc, const std::vector<float> &s) {
    for (size_t i = 0; i < acc.size(); ++i) {
        const float d = s[i] - acc[i];
        acc[i] = (d > 0.0f ? d : 0.0f) + acc[i];
    }
}

// The cascade: selection convolution t (a one-hot kernel at tap t) gives the map of every window's t-th value;
// the maps are folded with the ReLU identity. Padding is filled with `pad_value` (below every input).
std::vector<float> max_by_selection_cascade(const Geometry &g, const std::vector<float> &x, float pad_value) {
    std::vector<float> acc;
    for (int64_t t = 0; t < g.kh * g.kw; ++t) {
        std::vector<float> one_hot(size_t(g.kh * g.kw), 0.0f);
        one_hot[size_t(t)] = 1.0f;
        // A one-hot kernel multiplies the selected tap by 1 and adds the others times 0: pad_value * 0 must be
        // 0, so the padding is a finite large negative value, not -inf.
        const std::vector<float> s = depthwise_conv(g, x, one_hot, pad_value);
        if (t == 0)
            acc = s;
        else
            relu_max_into(acc, s);
    }
    return acc;
}

TEST(PoolAsConv, MaxPoolingIsACascadeOfSelectionConvolutionsAndReLU) {
    for (const Geometry &g : geometries()) {
        SCOPED_TRACE(describe(g));
        PlanPtr plan = pool_plan(g, SIMDPOOL_MAX);
        const size_t nin = size_t(g.n * g.c * g.h * g.w), nout = size_t(g.n * g.c * g.oh() * g.ow());
        // Integer values: every a - b and (a - b) + b is exact, so the identity holds bit for bit.
        const std::vector<float> xi = sptest::int_fill(nin, 2, -50, 50);
        std::vector<float> pooled(nout);
        SPTEST_ASSERT_OK(simdpool_forward(plan.get(), xi.data(), pooled.data(), nullptr));
        EXPECT_TRUE(sptest::arrays_identical(pooled, max_by_selection_cascade(g, xi, -1e6f)));
        // General floats: (a - b) + b rounds to the precision of |a - b|, so the cascade is within an ulp of the
        // largest difference -- and the padding must be just below the inputs, not hugely negative (with -1e6
        // the fold would lose everything below 0.06).
        const std::vector<float> xf = sptest::float_fill(nin, 3, -4.0f, 4.0f);
        SPTEST_ASSERT_OK(simdpool_forward(plan.get(), xf.data(), pooled.data(), nullptr));
        EXPECT_TRUE(sptest::arrays_near(pooled, max_by_selection_cascade(g, xf, -8.0f), 0.0, 2e-6));
    }
}

TEST(PoolAsConv, MinPoolingIsMinusMaxOfMinus) {
    for (const Geometry &g : geometries()) {
        SCOPED_TRACE(describe(g));
        PlanPtr min_plan = pool_plan(g, SIMDPOOL_MIN), max_plan = pool_plan(g, SIMDPOOL_MAX);
        const size_t nin = size_t(g.n * g.c * g.h * g.w), nout = size_t(g.n * g.c * g.oh() * g.ow());
        std::vector<float> x = sptest::int_fill(nin, 4, -3, 3);  // ties: both must keep the first position
        sptest::sprinkle_nan(x, 5, 0.02);                         // NaN: both must pick the last NaN
        std::vector<float> neg(nin), y_min(nout), y_max(nout);
        for (size_t i = 0; i < nin; ++i) neg[i] = -x[i];
        std::vector<int64_t> i_min(nout), i_max(nout);
        SPTEST_ASSERT_OK(simdpool_forward(min_plan.get(), x.data(), y_min.data(), i_min.data()));
        SPTEST_ASSERT_OK(simdpool_forward(max_plan.get(), neg.data(), y_max.data(), i_max.data()));
        for (float &v : y_max) v = -v;
        EXPECT_TRUE(sptest::arrays_identical(y_min, y_max));
        EXPECT_TRUE(sptest::arrays_identical(i_min, i_max));
    }
}

// The figures docs/pooling_as_convolution.md quotes: ResNet-50's stem pooling, max 3x3/2 pad 1 on
// 1x64x112x112 (output 56x56), f32. If the cost model changes, update the document with these numbers.
TEST(PoolAsConv, CostFiguresQuotedInTheDocument) {
    const Geometry g{1, 64, 112, 112, 3, 3, 2, 2, 1, 1};
    PlanPtr max_plan = pool_plan(g, SIMDPOOL_MAX), avg_plan = pool_plan(g, SIMDPOOL_AVG);
    simdpool_cost cmax, cavg;
    SPTEST_ASSERT_OK(simdpool_plan_cost(max_plan.get(), 0, 0, &cmax));
    SPTEST_ASSERT_OK(simdpool_plan_cost(avg_plan.get(), 0, 0, &cavg));
    EXPECT_EQ(cmax.bytes_read, 3211264u);     // every input element once: 64 * 112 * 112 * 4
    EXPECT_EQ(cmax.bytes_written, 802816u);   // 64 * 56 * 56 * 4
    EXPECT_EQ(cmax.arithmetic, 1784896u);     // one comparison per in-bounds tap: 64 * (2 + 55 * 3)^2
    EXPECT_EQ(cavg.arithmetic, 1985600u);     // one addition per tap + one division per output
}

}  // namespace
