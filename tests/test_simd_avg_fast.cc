// The x86 NCHW average fast paths of kernels/x86/avgpool_nchw_fast.h that sum in their own order and multiply
// by the divisor's reciprocal, checked against a double-precision average rather than the scalar kernel: every
// finite output must lie within (taps + 1) * 2^-24 * sum|x| / divisor of the exact average (taps = 9 for 3x3,
// the bound the header states), NaN/infinite outputs must be where the scalar kernel has them, and AVX2 and
// AVX-512 must agree bit for bit.
//
// 2x2/2 without padding where two output rows share a vector (2 * out_w <= V: widths up to 8 for AVX2, 16 for
// AVX-512): even and odd output heights (a last row alone), floor mode dropping a column and a row, adaptive
// halving (14x14 -> 7x7), divisor_override, the clamp, NaN/inf/-0 inputs.
//
// 3x3/1 padding 1 with "same" output size (the single-pass path): one flat pass over each plane, V outputs a
// block, the neighbouring columns taken from the adjacent blocks by a one-lane shift and masked at row ends.
// The shapes cover widths 1..40 (rows shorter than, equal to and longer than 8 and 16 lanes, so blocks span
// rows and planes end in partial blocks), heights 1..5 and 28 (planes where every block touches the top or
// bottom padding, and ones with a middle part), several planes per call, count_include_pad both ways,
// divisor_override, the fused clamp, and NaN/inf/-0 inputs.
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "simdpool/simdpool.h"
#include "test_util.h"

namespace {

using namespace sptest;

struct Out {
    std::vector<float> y;
    std::string kernel;
};

Out forward(const simdpool_pool_desc &d, simdpool_isa isa, const std::vector<float> &x, bool clamp) {
    simdpool_options o = isa_options(isa, 1);
    if (clamp) {
        o.clamp_output = 1;
        o.clamp_min = -1.25f;
        o.clamp_max = 0.75f;
    }
    Out r;
    simdpool_plan *p = nullptr;
    EXPECT_EQ(simdpool_plan_create_pool(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    if (!p) return r;
    PlanPtr plan(p);
    size_t nin = 0, nout = 0;
    EXPECT_EQ(simdpool_plan_tensor_sizes(p, &nin, &nout), SIMDPOOL_OK);
    EXPECT_EQ(nin, x.size());
    r.y.assign(nout, -777.25f);
    EXPECT_EQ(simdpool_forward(p, x.data(), r.y.data(), nullptr), SIMDPOOL_OK) << simdpool_last_error();
    const char *name = nullptr;
    EXPECT_EQ(simdpool_plan_kernel_name(p, 0, &name), SIMDPOOL_OK);
    r.kernel = name ? name : "";
    return r;
}

simdpool_pool_desc same3(int64_t c, int64_t h, int64_t w) {
    simdpool_pool_desc d;
    EXPECT_EQ(simdpool_pool_desc_init(&d, SIMDPOOL_AVG, 2), SIMDPOOL_OK);
    d.n = 1;
    d.c = c;
    d.in[0] = h;
    d.in[1] = w;
    for (int a = 0; a < 2; a++) {
        d.kernel[a] = 3;
        d.stride[a] = 1;
        d.pad_begin[a] = d.pad_end[a] = 1;
    }
    return d;
}

// Values in [-2, 2]; with `specials`, a few NaN, +-inf and +-0 (no -FLT_MAX: where a partial sum overflows the
// order decides between an infinity and NaN, which the fast path does not promise to match).
std::vector<float> fill(size_t n, uint64_t seed, bool specials) {
    std::vector<float> v = float_fill(n, seed);
    if (!specials) return v;
    Rng r(seed * 7 + 1);
    for (float &e : v) {
        const uint64_t k = r.next() % 100;
        if (k < 3) e = NAN;
        else if (k < 5) e = r.chance(0.5) ? 0.0f : -0.0f;
        else if (k < 6) e = INFINITY;
        else if (k < 7) e = -INFINITY;
    }
    return v;
}

// Checks the vector kernel's output against the exact average of every window (taps inside the input; the
// divisor by the plan's rules) within the stated bound, and NaN/inf placement against the scalar kernel.
::testing::AssertionResult within_bound(const simdpool_pool_desc &d, const std::vector<float> &x,
                                        const std::vector<float> &got, const std::vector<float> &scalar, bool clamp) {
    const int64_t H = d.in[0], W = d.in[1], K = d.kernel[0], S = d.stride[0], P = d.pad_begin[0];
    const int64_t OH = (H + 2 * P - K) / S + 1, OW = (W + 2 * P - K) / S + 1; // floor mode, symmetric padding
    const double u = std::ldexp(1.0, -24), taps = (double)(K * K);
    if (got.size() != (size_t)(d.c * OH * OW)) return ::testing::AssertionFailure() << "output size";
    for (int64_t c = 0; c < d.c; c++) {
        for (int64_t oh = 0; oh < OH; oh++) {
            for (int64_t ow = 0; ow < OW; ow++) {
                const size_t o = (size_t)((c * OH + oh) * OW + ow);
                double sum = 0, abs_sum = 0;
                int64_t inside = 0;
                for (int64_t ih = oh * S - P; ih < oh * S - P + K; ih++)
                    for (int64_t iw = ow * S - P; iw < ow * S - P + K; iw++) {
                        if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                        const double v = x[(size_t)((c * H + ih) * W + iw)];
                        sum += v;
                        abs_sum += std::fabs(v);
                        inside++;
                    }
                const double div = d.divisor_override ? (double)d.divisor_override
                                                      : d.count_include_pad ? taps : (double)inside;
                const float want = scalar[o];
                const float y = got[o];
                bool ok;
                if (std::isnan(want)) ok = std::isnan(y);
                else if (std::isinf(want)) ok = y == want;
                else {
                    double exact = sum / div;
                    if (clamp) exact = exact < -1.25 ? -1.25 : exact > 0.75 ? 0.75 : exact;
                    ok = std::fabs((double)y - exact) <= (taps + 1) * u * abs_sum / div + FLT_TRUE_MIN;
                }
                if (!ok)
                    return ::testing::AssertionFailure()
                           << "plane " << c << " output (" << oh << ", " << ow << "): got " << y << ", scalar "
                           << want << ", exact " << sum / div;
            }
        }
    }
    return ::testing::AssertionSuccess();
}

TEST(SimdAvgFast, Same3x3WithinBoundAndIsasAgree) {
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX2);
    const bool avx512 = simdpool_isa_available(SIMDPOOL_ISA_AVX512) != 0;
    uint64_t seed = 4100;
    for (int64_t w = 1; w <= 40; w++) {
        for (int64_t h : {1, 2, 3, 5, 28}) {
            simdpool_pool_desc d = same3(3, h, w);
            d.count_include_pad = (int)(seed % 2);
            if (seed % 7 == 3) d.divisor_override = 5;
            const bool specials = seed % 3 == 0, clamp = seed % 4 == 1;
            seed++;
            SCOPED_TRACE(describe(d) + (specials ? " specials" : "") + (clamp ? " clamp" : ""));
            const std::vector<float> x = fill((size_t)(d.c * h * w), seed, specials);
            const Out s = forward(d, SIMDPOOL_ISA_SCALAR, x, clamp);
            const Out a = forward(d, SIMDPOOL_ISA_AVX2, x, clamp);
            EXPECT_EQ(a.kernel, "avx2/avgpool_fwd_nchw_f32");
            EXPECT_TRUE(within_bound(d, x, a.y, s.y, clamp));
            if (avx512) {
                const Out b = forward(d, SIMDPOOL_ISA_AVX512, x, clamp);
                EXPECT_EQ(b.kernel, "avx512/avgpool_fwd_nchw_f32");
                EXPECT_TRUE(arrays_identical(b.y, a.y, "AVX-512 vs AVX2 output"));
                EXPECT_TRUE(within_bound(d, x, b.y, s.y, clamp));
            }
            if (::testing::Test::HasFailure()) return;
        }
    }
}

TEST(SimdAvgFast, PairsTwoRowsPerVector) {
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX2);
    const bool avx512 = simdpool_isa_available(SIMDPOOL_ISA_AVX512) != 0;
    uint64_t seed = 4300;
    for (int64_t w = 2; w <= 35; w++) {
        for (int64_t h : {2, 3, 4, 6, 7, 14}) {
            simdpool_pool_desc d = same3(3, h, w);
            for (int a = 0; a < 2; a++) {
                d.kernel[a] = d.stride[a] = 2;
                d.pad_begin[a] = d.pad_end[a] = 0;
            }
            if (seed % 5 == 2) d.divisor_override = 3;
            const bool specials = seed % 3 == 0, clamp = seed % 4 == 1;
            seed++;
            SCOPED_TRACE(describe(d) + (specials ? " specials" : "") + (clamp ? " clamp" : ""));
            const std::vector<float> x = fill((size_t)(d.c * h * w), seed, specials);
            const Out s = forward(d, SIMDPOOL_ISA_SCALAR, x, clamp);
            const Out a = forward(d, SIMDPOOL_ISA_AVX2, x, clamp);
            EXPECT_TRUE(within_bound(d, x, a.y, s.y, clamp));
            if (avx512) {
                const Out b = forward(d, SIMDPOOL_ISA_AVX512, x, clamp);
                EXPECT_TRUE(arrays_identical(b.y, a.y, "AVX-512 vs AVX2 output"));
                EXPECT_TRUE(within_bound(d, x, b.y, s.y, clamp));
            }
            if (::testing::Test::HasFailure()) return;
        }
    }
}

// Adaptive pooling to half size takes the same path (14x14 -> 7x7: two rows of 7 in 16 lanes).
TEST(SimdAvgFast, AdaptiveHalvingTwoRowsPerVector) {
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX2);
    for (int64_t hw : {4, 6, 8, 14, 16}) {
        simdpool_adaptive_desc a;
        ASSERT_EQ(simdpool_adaptive_desc_init(&a, SIMDPOOL_AVG, 2), SIMDPOOL_OK);
        a.n = 1;
        a.c = 5;
        a.in[0] = a.in[1] = hw;
        a.out[0] = a.out[1] = hw / 2;
        SCOPED_TRACE(describe(a));
        const std::vector<float> x = fill((size_t)(a.c * hw * hw), 4400 + (uint64_t)hw, hw % 4 == 2);
        simdpool_pool_desc d = same3(5, hw, hw); // the same windows as 2x2/2, for the bound
        for (int i = 0; i < 2; i++) {
            d.kernel[i] = d.stride[i] = 2;
            d.pad_begin[i] = d.pad_end[i] = 0;
        }
        std::vector<std::vector<float>> ys;
        for (simdpool_isa isa : {SIMDPOOL_ISA_SCALAR, SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512}) {
            if (!simdpool_isa_available(isa)) continue;
            const simdpool_options o = isa_options(isa, 1);
            simdpool_plan *p = nullptr;
            ASSERT_EQ(simdpool_plan_create_adaptive(&a, &o, &p), SIMDPOOL_OK);
            PlanPtr plan(p);
            std::vector<float> y((size_t)(a.c * (hw / 2) * (hw / 2)));
            ASSERT_EQ(simdpool_forward(p, x.data(), y.data(), nullptr), SIMDPOOL_OK);
            ys.push_back(y);
        }
        for (size_t i = 1; i < ys.size(); i++) EXPECT_TRUE(within_bound(d, x, ys[i], ys[0], false));
        if (ys.size() == 3) {
            EXPECT_TRUE(arrays_identical(ys[2], ys[1], "AVX-512 vs AVX2 output"));
        }
    }
}

// Inception's shape (192 planes of 28x28, padding excluded from the divisor): the bound on large sums, and the
// two vector widths agree.
TEST(SimdAvgFast, Same3x3InceptionShape) {
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX2);
    simdpool_pool_desc d = same3(192, 28, 28);
    d.count_include_pad = 0;
    const std::vector<float> x = float_fill((size_t)(192 * 28 * 28), 4200, -300.0f, 1000.0f);
    const Out s = forward(d, SIMDPOOL_ISA_SCALAR, x, false);
    const Out a = forward(d, SIMDPOOL_ISA_AVX2, x, false);
    EXPECT_TRUE(within_bound(d, x, a.y, s.y, false));
    if (simdpool_isa_available(SIMDPOOL_ISA_AVX512)) {
        const Out b = forward(d, SIMDPOOL_ISA_AVX512, x, false);
        EXPECT_TRUE(arrays_identical(b.y, a.y, "AVX-512 vs AVX2 output"));
    }
}

}  // namespace
