// The library against the naive reference (bench/naive): every algorithm x direction x layout x spatial
// dims x ISA, over a deterministic pseudo-random subset of the parameter cross product plus named corner
// cases. MAX/MIN values and indices must be bit-identical; sums within the tolerances documented below.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <sstream>
#include <string>
#include <vector>

#include "naive_pool.h"
#include "simdpool/simdpool.h"
#include "test_util.h"

namespace {

using namespace sptest;

// ---------------------------------------------------------------------------------------------------------
// Tolerances

struct Tol {
    bool exact;
    double rel;
    double abs;
};

// Upper bound on how many windows cover one input element (gradients summed into it).
int64_t pool_overlap(const simdpool_pool_desc &d) {
    int64_t o = 1;
    for (int i = 0; i < d.spatial_dims; i++) {
        int64_t eff = d.dilation[i] * (d.kernel[i] - 1) + 1;
        o *= (eff + d.stride[i] - 1) / d.stride[i];
    }
    return o;
}

int64_t adaptive_overlap(const simdpool_adaptive_desc &d) {
    int64_t o = 1;
    for (int i = 0; i < d.spatial_dims; i++) o *= (d.out[i] + d.in[i] - 1) / d.in[i] + 1;
    return o;
}

bool is_pow2(int64_t v) { return v > 0 && (v & (v - 1)) == 0; }

// True if every AVG window that has input elements divides by a power of two (dy/divisor then is exact).
bool avg_divisors_pow2(const simdpool_pool_desc &d) {
    int64_t out[3];
    naive_pool_output_dims(&d, out);
    int64_t o[3] = {0, 0, 0};
    for (o[0] = 0; o[0] < out[0]; o[0]++)
        for (o[1] = 0; o[1] < out[1]; o[1]++)
            for (o[2] = 0; o[2] < out[2]; o[2]++) {
                if (naive_pool_window_input_taps(&d, o) == 0) continue;
                if (!is_pow2(naive_pool_avg_divisor(&d, o))) return false;
            }
    return true;
}

Tol forward_tol(simdpool_algorithm a, simdpool_isa isa) {
    switch (a) {
    case SIMDPOOL_MAX:
    case SIMDPOOL_MIN: return {true, 0, 0};
    // Integer-valued input: the sum is exact in any order, so the scalar kernel (same order, one division)
    // must match bit for bit; SIMD variants may round the division differently (reciprocal), within 1e-5.
    case SIMDPOOL_AVG: return {isa == SIMDPOOL_ISA_SCALAR, 1e-5, 1e-6};
    case SIMDPOOL_LP: return {false, 1e-5, 1e-6};
    case SIMDPOOL_SOFT: return {false, 1e-5, 1e-6};
    }
    return {true, 0, 0};
}

// dy values are bounded by 8 (integer fill) for MAX/MIN/AVG and by 1 for LP/SOFT; the absolute part of a
// backward tolerance scales with how many contributions are summed (float rounding of each one).
Tol pool_backward_tol(const simdpool_pool_desc &d) {
    double overlap = (double)pool_overlap(d);
    switch (d.algorithm) {
    case SIMDPOOL_MAX:
    case SIMDPOOL_MIN: return {true, 0, 0};
    case SIMDPOOL_AVG:
        if (avg_divisors_pow2(d)) return {true, 0, 0};
        return {false, 1e-5, 2e-6 * overlap};
    case SIMDPOOL_LP: return {false, 1e-5, 1e-6 * overlap * (d.p >= 1.0f ? 1.0 : 100.0)};
    case SIMDPOOL_SOFT: return {false, 1e-5, 1e-6 * overlap * 8.0};
    }
    return {true, 0, 0};
}

::testing::AssertionResult compare(const std::vector<float> &got, const std::vector<float> &want, const Tol &t,
                                   const char *what) {
    if (t.exact) return arrays_identical(got, want, what);
    return arrays_near(got, want, t.rel, t.abs, what);
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

std::vector<float> make_input(simdpool_algorithm a, size_t n, uint64_t seed, bool with_nan) {
    std::vector<float> x;
    switch (a) {
    case SIMDPOOL_MAX:
    case SIMDPOOL_MIN:
    case SIMDPOOL_AVG: x = int_fill(n, seed); break;
    case SIMDPOOL_LP: x = signed_fill_away_from_zero(n, seed, 0.25f, 2.0f); break;
    case SIMDPOOL_SOFT: x = float_fill(n, seed, -3.0f, 3.0f); break;
    }
    if (with_nan) sprinkle_nan(x, seed ^ 0xa5a5, 0.08);
    return x;
}

std::vector<float> make_dy(simdpool_algorithm a, size_t n, uint64_t seed) {
    if (a == SIMDPOOL_LP || a == SIMDPOOL_SOFT) return float_fill(n, seed, -1.0f, 1.0f);
    return int_fill(n, seed);
}

const float kSentinel = -12345.5f;

// "kernels: <forward> / <backward>", for failure traces.
std::string kernel_names(const simdpool_plan *plan) {
    const char *f = nullptr, *b = nullptr;
    EXPECT_EQ(simdpool_plan_kernel_name(plan, 0, &f), SIMDPOOL_OK);
    EXPECT_EQ(simdpool_plan_kernel_name(plan, 1, &b), SIMDPOOL_OK);
    return std::string("kernels: ") + (f ? f : "?") + " / " + (b ? b : "?");
}

void expect_shape(const simdpool_plan *plan, int sd, simdpool_layout layout, int64_t n, int64_t c,
                  const int64_t *spatial_out, size_t want_in, size_t want_out) {
    int64_t dims[SIMDPOOL_MAX_RANK];
    int rank = 0;
    ASSERT_EQ(simdpool_plan_output_shape(plan, dims, &rank), SIMDPOOL_OK);
    ASSERT_EQ(rank, 2 + sd);
    std::vector<int64_t> want;
    want.push_back(n);
    if (layout == SIMDPOOL_NCHW) want.push_back(c);
    for (int i = 0; i < sd; i++) want.push_back(spatial_out[i]);
    if (layout == SIMDPOOL_NHWC) want.push_back(c);
    for (int i = 0; i < rank; i++) EXPECT_EQ(dims[i], want[(size_t)i]) << "output dim " << i;
    size_t in_el = 0, out_el = 0;
    ASSERT_EQ(simdpool_plan_tensor_sizes(plan, &in_el, &out_el), SIMDPOOL_OK);
    EXPECT_EQ(in_el, want_in);
    EXPECT_EQ(out_el, want_out);
}

// ---------------------------------------------------------------------------------------------------------
// One sliding-window configuration: forward (with and without indices for MAX/MIN) and backward.

void check_pool(const simdpool_pool_desc &d, simdpool_isa isa, uint64_t seed, bool with_nan = false) {
    SCOPED_TRACE(describe(d) + (with_nan ? " +NaN" : "") + " isa=" + simdpool_isa_name(isa));
    const bool maxmin = d.algorithm == SIMDPOOL_MAX || d.algorithm == SIMDPOOL_MIN;
    const int empty = naive_pool_has_empty_window(&d);

    PlanPtr plan;
    simdpool_status st = make_pool_plan(d, isa_options(isa), &plan);
    if (maxmin && empty) {
        // A dilated window that covers no input element has no max: the plan must be refused.
        EXPECT_EQ(st, SIMDPOOL_INVALID_ARGUMENT) << "MAX/MIN plan with an empty window was "
                                                 << simdpool_status_string(st);
        return;
    }
    ASSERT_EQ(st, SIMDPOOL_OK) << simdpool_status_string(st) << ": " << simdpool_last_error()
                               << (empty ? " (the naive reference sees an empty window)" : "");
    SCOPED_TRACE(kernel_names(plan.get()));

    int64_t out_dims[3];
    naive_pool_output_dims(&d, out_dims);
    const size_t nin = naive_pool_input_elements(&d), nout = naive_pool_output_elements(&d);
    expect_shape(plan.get(), d.spatial_dims, d.layout, d.n, d.c, out_dims, nin, nout);
    if (::testing::Test::HasFatalFailure()) return;

    // Forward.
    std::vector<float> x = make_input(d.algorithm, nin, seed, with_nan && maxmin);
    std::vector<float> y_ref(nout), y(nout, kSentinel);
    std::vector<int64_t> idx_ref(nout, -7), idx(nout, -7);
    naive_pool_forward(&d, x.data(), y_ref.data(), maxmin ? idx_ref.data() : nullptr);
    const Tol ft = forward_tol(d.algorithm, isa);
    ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), maxmin ? idx.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(compare(y, y_ref, ft, "forward output"));
    if (maxmin) {
        EXPECT_TRUE(arrays_identical(idx, idx_ref, "forward index"));
        std::vector<float> y2(nout, kSentinel);
        ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y2.data(), nullptr), SIMDPOOL_OK) << simdpool_last_error();
        EXPECT_TRUE(arrays_identical(y2, y_ref, "forward output (no indices)"));
    }
    if (d.algorithm == SIMDPOOL_AVG && isa == SIMDPOOL_ISA_SCALAR) {
        // General floats: the sum's rounding depends on its order, and the scalar kernel keeps the
        // reference's row-major order, so the result is still bit-identical.
        std::vector<float> xf = float_fill(nin, seed + 2), yf_ref(nout), yf(nout, kSentinel);
        naive_pool_forward(&d, xf.data(), yf_ref.data(), nullptr);
        ASSERT_EQ(simdpool_forward(plan.get(), xf.data(), yf.data(), nullptr), SIMDPOOL_OK);
        EXPECT_TRUE(arrays_identical(yf, yf_ref, "forward output (float input)"));
    }

    // Backward: both sides get the same inputs (the reference's indices and forward output).
    std::vector<float> dy = make_dy(d.algorithm, nout, seed + 1);
    std::vector<float> dx_ref(nin), dx(nin, kSentinel);
    naive_pool_backward(&d, dy.data(), maxmin ? idx_ref.data() : nullptr, x.data(), y_ref.data(), dx_ref.data());
    ASSERT_EQ(simdpool_backward(plan.get(), dy.data(), maxmin ? idx_ref.data() : nullptr, x.data(), y_ref.data(),
                                dx.data()),
              SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(compare(dx, dx_ref, pool_backward_tol(d), "backward dx"));
}

// ---------------------------------------------------------------------------------------------------------
// Random configurations

simdpool_pool_desc base_desc(simdpool_algorithm a, int sd) {
    simdpool_pool_desc d;
    EXPECT_EQ(simdpool_pool_desc_init(&d, a, sd), SIMDPOOL_OK);
    return d;
}

// A valid descriptor (pads < eff, eff <= padded input) drawn from the sweep's value lists. Sizes are capped
// so that a few hundred configurations stay fast under ASan.
simdpool_pool_desc random_desc(simdpool_algorithm a, uint64_t seed) {
    Rng r(seed);
    const int sd = (int)r.uniform_int(1, 3);
    simdpool_pool_desc d = base_desc(a, sd);
    d.layout = r.chance(0.5) ? SIMDPOOL_NHWC : SIMDPOOL_NCHW;
    d.n = r.chance(0.3) ? 2 : 1;
    static const std::vector<int64_t> sizes1 = {1, 5, 7, 13, 16, 17, 31, 64};
    static const std::vector<int64_t> sizes2 = {1, 5, 7, 13, 16, 17, 33, 40};
    static const std::vector<int64_t> sizes3 = {1, 3, 5, 7};
    int64_t plane = 1;
    for (int i = 0; i < sd; i++) {
        d.in[i] = r.pick(sd == 1 ? sizes1 : sd == 2 ? sizes2 : sizes3);
        plane *= d.in[i];
    }
    static const std::vector<int64_t> channels = {1, 3, 8, 17, 33};
    do {
        d.c = r.pick(channels);
    } while (d.n * d.c * plane > 9000 && d.c > 1);

    for (int i = 0; i < sd; i++) {
        for (int attempt = 0;; attempt++) {
            if (r.chance(0.1)) {
                d.kernel[i] = d.in[i];
                d.dilation[i] = 1;
            } else {
                d.kernel[i] = r.uniform_int(1, 5);
                d.dilation[i] = r.chance(0.25) ? 2 : 1;
            }
            int64_t eff = d.dilation[i] * (d.kernel[i] - 1) + 1;
            if (r.chance(0.4)) {
                d.pad_begin[i] = d.pad_end[i] = 0;
            } else {
                d.pad_begin[i] = r.uniform_int(0, eff - 1);
                d.pad_end[i] = r.uniform_int(0, eff - 1);
            }
            if (eff <= d.in[i] + d.pad_begin[i] + d.pad_end[i]) break;
            if (attempt > 20) {
                d.kernel[i] = 1;
                d.dilation[i] = 1;
                d.pad_begin[i] = d.pad_end[i] = 0;
                break;
            }
        }
        d.stride[i] = r.uniform_int(1, 3);
    }
    d.ceil_mode = r.chance(0.4) ? 1 : 0;
    d.count_include_pad = r.chance(0.5) ? 1 : 0;
    // divisor_override and p only mean something for AVG and LP (the library refuses a stray override).
    const bool override_div = r.chance(0.15);
    const int64_t div = r.uniform_int(1, 12);
    if (a == SIMDPOOL_AVG && override_div) d.divisor_override = div;
    static const std::vector<float> ps = {1.0f, 2.0f, 3.0f, 1.5f, 0.5f};
    const float p = r.pick(ps);
    if (a == SIMDPOOL_LP) d.p = p;
    return d;
}

constexpr int kRandomConfigs = 300;

class PoolSweep : public ::testing::TestWithParam<simdpool_isa> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam()); }

    void run_random(simdpool_algorithm a, uint64_t base_seed) {
        for (int i = 0; i < kRandomConfigs; i++) {
            uint64_t seed = base_seed * 1000003u + (uint64_t)i;
            simdpool_pool_desc d = random_desc(a, seed);
            bool nan = (a == SIMDPOOL_MAX || a == SIMDPOOL_MIN) && (i % 4 == 3);
            check_pool(d, GetParam(), seed, nan);
            if (::testing::Test::HasFatalFailure()) return;
        }
    }
};

TEST_P(PoolSweep, MaxRandom) { run_random(SIMDPOOL_MAX, 11); }
TEST_P(PoolSweep, MinRandom) { run_random(SIMDPOOL_MIN, 12); }
TEST_P(PoolSweep, AvgRandom) { run_random(SIMDPOOL_AVG, 13); }
TEST_P(PoolSweep, LpRandom) { run_random(SIMDPOOL_LP, 14); }
TEST_P(PoolSweep, SoftRandom) { run_random(SIMDPOOL_SOFT, 15); }

// ---------------------------------------------------------------------------------------------------------
// Named corner cases, each run for every algorithm (AVG in all divisor modes) and both layouts.

struct Corner {
    const char *name;
    int sd;
    int64_t n, c;
    std::vector<int64_t> in, k, s, dil, pb, pe;
    int ceil_mode;
};

std::vector<Corner> corner_cases() {
    return {
        // ceil_mode: floor((5+2-2)/2)+1 = 3, ceil gives 4 but window 3 would start at 6 >= in+pb = 6: dropped.
        {"ceil_last_window_in_right_padding", 2, 1, 3, {5, 5}, {2, 2}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1},
        {"ceil_last_window_in_right_padding_1d", 1, 2, 17, {5}, {2}, {2}, {1}, {1}, {1}, 1},
        // ceil_mode overhang: last window [5, 8) has input 5, right pad 6 and overhang 7 (not counted).
        {"ceil_overhang_counts_pad_not_overhang", 2, 1, 8, {6, 6}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 1},
        {"ceil_overhang_3d", 3, 1, 3, {4, 6, 5}, {3, 3, 2}, {2, 2, 2}, {1, 1, 1}, {1, 1, 0}, {1, 1, 0}, 1},
        {"kernel_equals_input", 2, 2, 17, {7, 13}, {7, 13}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 0},
        {"kernel_equals_input_1d", 1, 1, 33, {17}, {17}, {1}, {1}, {0}, {0}, 0},
        {"kernel_equals_input_3d", 3, 1, 5, {3, 4, 5}, {3, 4, 5}, {1, 1, 1}, {1, 1, 1}, {0, 0, 0}, {0, 0, 0}, 0},
        {"kernel_equals_input_padded", 2, 1, 3, {5, 5}, {5, 5}, {1, 2}, {1, 1}, {2, 4}, {4, 1}, 0},
        // Dilated window whose taps (-2, 1) miss the single input element: MAX/MIN refused, AVG gives 0.
        {"dilated_empty_window", 1, 1, 3, {1}, {2}, {1}, {3}, {2}, {2}, 0},
        {"dilated_empty_window_2d", 2, 1, 8, {5, 1}, {2, 2}, {1, 1}, {1, 3}, {0, 2}, {0, 2}, 0},
        {"pad_is_eff_minus_one", 2, 1, 17, {1, 1}, {5, 5}, {1, 1}, {1, 1}, {4, 4}, {4, 4}, 0},
        {"asymmetric_pad_end_only", 2, 2, 3, {7, 7}, {3, 3}, {2, 2}, {1, 1}, {0, 0}, {2, 2}, 0},
        {"asymmetric_pad_begin_only", 2, 1, 3, {7, 8}, {3, 3}, {2, 3}, {1, 1}, {2, 1}, {0, 0}, 1},
        {"3x3s2p1_channel_tail_17", 2, 1, 17, {13, 13}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 0},
        {"3x3s2p1_channel_tail_33", 2, 2, 33, {16, 17}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, {1, 1}, 0},
        {"3x3s1p1_width_tail", 2, 1, 3, {7, 17}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, {1, 1}, 0},
        {"2x2s2_odd_input", 2, 1, 17, {7, 7}, {2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, 0},
        {"2x2s2_even_input_c64", 2, 1, 64, {8, 16}, {2, 2}, {2, 2}, {1, 1}, {0, 0}, {0, 0}, 0},
        {"3x3s1_c16", 2, 2, 16, {9, 9}, {3, 3}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 0},
        {"stride_larger_than_kernel_dilated", 1, 1, 8, {17}, {2}, {3}, {2}, {1}, {0}, 1},
        {"dilation2_3d", 3, 1, 3, {5, 7, 7}, {2, 3, 2}, {1, 2, 1}, {2, 2, 2}, {1, 2, 0}, {0, 1, 1}, 1},
        {"w1_h1", 2, 2, 3, {1, 1}, {1, 1}, {1, 1}, {1, 1}, {0, 0}, {0, 0}, 0},
        {"one_d_w1", 1, 1, 17, {1}, {1}, {1}, {1}, {0}, {0}, 0},
        {"one_d_long", 1, 2, 3, {64}, {5}, {3}, {1}, {2}, {1}, 1},
        {"kernel1_stride3", 2, 1, 8, {13, 16}, {1, 1}, {3, 3}, {1, 1}, {0, 0}, {0, 0}, 1},
    };
}

simdpool_pool_desc corner_desc(const Corner &cc, simdpool_algorithm a, simdpool_layout layout) {
    simdpool_pool_desc d = base_desc(a, cc.sd);
    d.n = cc.n;
    d.c = cc.c;
    d.layout = layout;
    for (int i = 0; i < cc.sd; i++) {
        d.in[i] = cc.in[(size_t)i];
        d.kernel[i] = cc.k[(size_t)i];
        d.stride[i] = cc.s[(size_t)i];
        d.dilation[i] = cc.dil[(size_t)i];
        d.pad_begin[i] = cc.pb[(size_t)i];
        d.pad_end[i] = cc.pe[(size_t)i];
    }
    d.ceil_mode = cc.ceil_mode;
    return d;
}

TEST_P(PoolSweep, CornerCases) {
    uint64_t seed = 77;
    for (const Corner &cc : corner_cases()) {
        SCOPED_TRACE(cc.name);
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_LP, SIMDPOOL_SOFT}) {
                check_pool(corner_desc(cc, a, layout), GetParam(), seed++);
                if (a == SIMDPOOL_MAX) check_pool(corner_desc(cc, a, layout), GetParam(), seed++, true);
            }
            for (int cip = 0; cip <= 1; cip++) {
                for (int64_t div : {0, 3}) {
                    simdpool_pool_desc d = corner_desc(cc, SIMDPOOL_AVG, layout);
                    d.count_include_pad = cip;
                    d.divisor_override = div;
                    check_pool(d, GetParam(), seed++);
                }
            }
            if (::testing::Test::HasFatalFailure()) return;
        }
    }
}

// The corner cases' output sizes, by hand (pins the naive reference's shape rule too).
TEST(PoolShapeRule, CornerOutputSizesByHand) {
    struct {
        int64_t in, k, s, dil, pb, pe;
        int ceil_mode;
        int64_t want;
    } cases[] = {
        {5, 2, 2, 1, 1, 1, 1, 3},   // ceil would give 4; the 4th window starts at 6 = in + pb: dropped
        {5, 2, 2, 1, 1, 1, 0, 3},   //
        {6, 3, 2, 1, 1, 1, 1, 4},   // ceil keeps a window [5, 8) that overhangs the right padding
        {6, 3, 2, 1, 1, 1, 0, 3},   //
        {7, 2, 2, 1, 0, 0, 0, 3},   //
        {7, 2, 2, 1, 0, 0, 1, 4},   //
        {1, 2, 1, 3, 2, 2, 0, 2},   // eff = 4
        {1, 5, 1, 1, 4, 4, 0, 5},   //
        {17, 2, 3, 2, 1, 0, 1, 6},  // eff = 3: ceil(15/3)+1 = 6, 5*3 = 15 < 18
        {64, 5, 3, 1, 2, 1, 1, 22}, // ceil(62/3)+1 = 22, 21*3 = 63 < 66
    };
    for (const auto &c : cases) {
        simdpool_pool_desc d = base_desc(SIMDPOOL_AVG, 1);
        d.n = d.c = 1;
        d.in[0] = c.in;
        d.kernel[0] = c.k;
        d.stride[0] = c.s;
        d.dilation[0] = c.dil;
        d.pad_begin[0] = c.pb;
        d.pad_end[0] = c.pe;
        d.ceil_mode = c.ceil_mode;
        SCOPED_TRACE(describe(d));
        int64_t out[3];
        naive_pool_output_dims(&d, out);
        EXPECT_EQ(out[0], c.want) << "naive reference";
        PlanPtr plan;
        ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_AUTO), &plan), SIMDPOOL_OK) << simdpool_last_error();
        int64_t dims[SIMDPOOL_MAX_RANK];
        int rank = 0;
        ASSERT_EQ(simdpool_plan_output_shape(plan.get(), dims, &rank), SIMDPOOL_OK);
        ASSERT_EQ(rank, 3);
        EXPECT_EQ(dims[2], c.want) << "library";
    }
}

// The AVG divisor rules by hand on the overhang case (pins the naive reference's divisor rule too).
TEST(PoolShapeRule, AvgDivisorsByHand) {
    simdpool_pool_desc d = base_desc(SIMDPOOL_AVG, 1);
    d.n = d.c = 1;
    d.in[0] = 6;
    d.kernel[0] = 3;
    d.stride[0] = 2;
    d.pad_begin[0] = d.pad_end[0] = 1;
    d.ceil_mode = 1;
    // Windows start at -1, 1, 3, 5: taps {-1,0,1} {1,2,3} {3,4,5} {5,6,7}; 6 is right padding, 7 overhang.
    const int64_t include_pad[4] = {3, 3, 3, 2}, exclude_pad[4] = {2, 3, 3, 1};
    for (int64_t o = 0; o < 4; o++) {
        int64_t pos[3] = {o, 0, 0};
        d.count_include_pad = 1;
        EXPECT_EQ(naive_pool_avg_divisor(&d, pos), include_pad[o]) << "window " << o;
        d.count_include_pad = 0;
        EXPECT_EQ(naive_pool_avg_divisor(&d, pos), exclude_pad[o]) << "window " << o;
    }
    const float x[6] = {1, 2, 3, 4, 5, 6};
    const float want_include[4] = {3.0f / 3, 9.0f / 3, 15.0f / 3, 6.0f / 2};
    const float want_exclude[4] = {3.0f / 2, 9.0f / 3, 15.0f / 3, 6.0f / 1};
    for (simdpool_isa isa : all_isas()) {
        if (!simdpool_isa_available(isa)) continue;
        for (int cip = 0; cip <= 1; cip++) {
            d.count_include_pad = cip;
            SCOPED_TRACE(describe(d) + " isa=" + simdpool_isa_name(isa));
            PlanPtr plan;
            ASSERT_EQ(make_pool_plan(d, isa_options(isa), &plan), SIMDPOOL_OK) << simdpool_last_error();
            float y[4];
            ASSERT_EQ(simdpool_forward(plan.get(), x, y, nullptr), SIMDPOOL_OK);
            for (int o = 0; o < 4; o++) EXPECT_FLOAT_EQ(y[o], cip ? want_include[o] : want_exclude[o]) << o;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// NaN propagation by hand: PyTorch's (v > best) || isnan(v), so a NaN wins and the last NaN's index is kept.

TEST_P(PoolSweep, NanLiteral) {
    const float nan = std::nanf("");
    struct Row {
        std::vector<float> w;
        float want_max;
        int64_t want_max_idx;
        float want_min;
        int64_t want_min_idx;
    };
    const std::vector<Row> rows = {
        {{1, nan, 3, nan, 2}, nan, 3, nan, 3},
        {{nan, 5, 4, 5, 1}, nan, 0, nan, 0},
        {{1, 2, 3, 4, nan}, nan, 4, nan, 4},
        {{2, 7, 7, -1, -1}, 7, 1, -1, 3}, // ties keep the first
        {{5, 5, 5, 5, 5}, 5, 0, 5, 0},
    };
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
            // One row per channel (19 channels: 5 rows repeated; exercises channel tails in NHWC).
            const int64_t C = 19, W = 5;
            simdpool_pool_desc d = base_desc(a, 1);
            d.n = 1;
            d.c = C;
            d.in[0] = W;
            d.kernel[0] = W;
            d.stride[0] = 1;
            d.layout = layout;
            SCOPED_TRACE(describe(d));
            std::vector<float> x((size_t)(C * W));
            for (int64_t c = 0; c < C; c++)
                for (int64_t w = 0; w < W; w++) {
                    float v = rows[(size_t)c % rows.size()].w[(size_t)w];
                    x[(size_t)(layout == SIMDPOOL_NCHW ? c * W + w : w * C + c)] = v;
                }
            PlanPtr plan;
            ASSERT_EQ(make_pool_plan(d, isa_options(GetParam()), &plan), SIMDPOOL_OK) << simdpool_last_error();
            std::vector<float> y((size_t)C);
            std::vector<int64_t> idx((size_t)C);
            ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()), SIMDPOOL_OK);
            for (int64_t c = 0; c < C; c++) {
                const Row &r = rows[(size_t)c % rows.size()];
                float want = a == SIMDPOOL_MAX ? r.want_max : r.want_min;
                int64_t want_idx = a == SIMDPOOL_MAX ? r.want_max_idx : r.want_min_idx;
                if (std::isnan(want))
                    EXPECT_TRUE(std::isnan(y[(size_t)c])) << "channel " << c << " got " << y[(size_t)c];
                else
                    EXPECT_EQ(y[(size_t)c], want) << "channel " << c;
                EXPECT_EQ(idx[(size_t)c], want_idx) << "channel " << c;
            }
        }
    }
}

// Many NaNs, wide channel counts: MAX/MIN with NaN everywhere in the tails must agree with the reference.
TEST_P(PoolSweep, NanDense) {
    uint64_t seed = 500;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
            for (int sd = 1; sd <= 3; sd++) {
                for (int64_t c : {1, 7, 17, 33}) {
                    simdpool_pool_desc d = base_desc(a, sd);
                    d.n = 1;
                    d.c = c;
                    d.layout = layout;
                    set_all(d.in, sd, sd == 3 ? 5 : 9);
                    set_all(d.kernel, sd, 3);
                    set_all(d.stride, sd, sd == 1 ? 1 : 2);
                    set_all(d.pad_begin, sd, 1);
                    set_all(d.pad_end, sd, 1);
                    SCOPED_TRACE(describe(d));
                    const size_t nin = naive_pool_input_elements(&d), nout = naive_pool_output_elements(&d);
                    std::vector<float> x = int_fill(nin, seed++);
                    sprinkle_nan(x, seed++, 0.3);
                    std::vector<float> y_ref(nout), y(nout);
                    std::vector<int64_t> i_ref(nout), idx(nout);
                    naive_pool_forward(&d, x.data(), y_ref.data(), i_ref.data());
                    PlanPtr plan;
                    ASSERT_EQ(make_pool_plan(d, isa_options(GetParam()), &plan), SIMDPOOL_OK) << simdpool_last_error();
                    ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()), SIMDPOOL_OK);
                    EXPECT_TRUE(arrays_identical(y, y_ref, "output"));
                    EXPECT_TRUE(arrays_identical(idx, i_ref, "index"));
                    std::vector<float> y2(nout);
                    ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y2.data(), nullptr), SIMDPOOL_OK);
                    EXPECT_TRUE(arrays_identical(y2, y_ref, "output (no indices)"));
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Fused clamp: forward equals the reference clamped, NaN stays NaN, indices unchanged; backward refused.

float clamp_ref(float v, float lo, float hi) {
    if (std::isnan(v)) return v;
    return v < lo ? lo : (v > hi ? hi : v);
}

TEST_P(PoolSweep, FusedClamp) {
    const float inf = INFINITY;
    const float ranges[][2] = {{0.0f, inf}, {0.0f, 6.0f}, {-2.5f, 3.0f}, {-inf, 0.0f}};
    uint64_t seed = 900;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        for (int sd = 1; sd <= 3; sd++) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG, SIMDPOOL_LP, SIMDPOOL_SOFT}) {
                for (const auto &rg : ranges) {
                    const bool maxmin = a == SIMDPOOL_MAX || a == SIMDPOOL_MIN;
                    simdpool_pool_desc d = base_desc(a, sd);
                    d.n = 2;
                    d.c = 17;
                    d.layout = layout;
                    set_all(d.in, sd, sd == 3 ? 5 : 7);
                    set_all(d.kernel, sd, 3);
                    set_all(d.stride, sd, 2);
                    set_all(d.pad_begin, sd, 1);
                    set_all(d.pad_end, sd, 1);
                    d.ceil_mode = 1;
                    simdpool_options opt = isa_options(GetParam());
                    opt.clamp_output = 1;
                    opt.clamp_min = rg[0];
                    opt.clamp_max = rg[1];
                    SCOPED_TRACE(describe(d) + " clamp [" + std::to_string(rg[0]) + ", " + std::to_string(rg[1]) +
                                 "]");
                    const size_t nin = naive_pool_input_elements(&d), nout = naive_pool_output_elements(&d);
                    std::vector<float> x = make_input(a, nin, seed++, maxmin);
                    std::vector<float> y_ref(nout), y(nout, kSentinel);
                    std::vector<int64_t> i_ref(nout), idx(nout);
                    naive_pool_forward(&d, x.data(), y_ref.data(), maxmin ? i_ref.data() : nullptr);
                    for (float &v : y_ref) v = clamp_ref(v, rg[0], rg[1]);
                    PlanPtr plan;
                    ASSERT_EQ(make_pool_plan(d, opt, &plan), SIMDPOOL_OK) << simdpool_last_error();
                    ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), maxmin ? idx.data() : nullptr),
                              SIMDPOOL_OK)
                        << simdpool_last_error();
                    EXPECT_TRUE(compare(y, y_ref, forward_tol(a, GetParam()), "clamped output"));
                    if (maxmin) {
                        EXPECT_TRUE(arrays_identical(idx, i_ref, "index"));
                        size_t nans = 0;
                        for (float v : y_ref) nans += std::isnan(v);
                        EXPECT_GT(nans, 0u) << "the test meant to clamp NaN outputs";
                    }
                    std::vector<float> dy(nout, 1.0f), dx(nin);
                    EXPECT_NE(simdpool_backward(plan.get(), dy.data(), maxmin ? i_ref.data() : nullptr, x.data(),
                                                y_ref.data(), dx.data()),
                              SIMDPOOL_OK)
                        << "backward of a clamped plan must be refused";
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Adaptive and global pooling.

void check_adaptive(const simdpool_adaptive_desc &d, simdpool_isa isa, uint64_t seed, bool with_nan) {
    SCOPED_TRACE(describe(d) + (with_nan ? " +NaN" : "") + " isa=" + simdpool_isa_name(isa));
    const bool is_max = d.algorithm == SIMDPOOL_MAX;
    PlanPtr plan;
    simdpool_status st = make_adaptive_plan(d, isa_options(isa), &plan);
    ASSERT_EQ(st, SIMDPOOL_OK) << simdpool_status_string(st) << ": " << simdpool_last_error();
    SCOPED_TRACE(kernel_names(plan.get()));
    int64_t out_dims[3];
    naive_adaptive_output_dims(&d, out_dims);
    const size_t nin = naive_adaptive_input_elements(&d), nout = naive_adaptive_output_elements(&d);
    expect_shape(plan.get(), d.spatial_dims, d.layout, d.n, d.c, out_dims, nin, nout);
    if (::testing::Test::HasFatalFailure()) return;

    std::vector<float> x = int_fill(nin, seed);
    if (with_nan) sprinkle_nan(x, seed + 7, 0.1);
    std::vector<float> y_ref(nout), y(nout, kSentinel);
    std::vector<int64_t> i_ref(nout, -7), idx(nout, -7);
    naive_adaptive_forward(&d, x.data(), y_ref.data(), is_max ? i_ref.data() : nullptr);
    ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), is_max ? idx.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(compare(y, y_ref, forward_tol(d.algorithm, isa), "forward output"));
    if (is_max) {
        EXPECT_TRUE(arrays_identical(idx, i_ref, "forward index"));
        std::vector<float> y2(nout, kSentinel);
        ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y2.data(), nullptr), SIMDPOOL_OK);
        EXPECT_TRUE(arrays_identical(y2, y_ref, "forward output (no indices)"));
    } else if (isa == SIMDPOOL_ISA_SCALAR) {
        // General floats: the scalar kernel sums in the reference's order, so still bit-identical.
        std::vector<float> xf = float_fill(nin, seed + 2), yf_ref(nout), yf(nout, kSentinel);
        naive_adaptive_forward(&d, xf.data(), yf_ref.data(), nullptr);
        ASSERT_EQ(simdpool_forward(plan.get(), xf.data(), yf.data(), nullptr), SIMDPOOL_OK);
        EXPECT_TRUE(arrays_identical(yf, yf_ref, "forward output (float input)"));
    }

    std::vector<float> dy = int_fill(nout, seed + 1);
    std::vector<float> dx_ref(nin), dx(nin, kSentinel);
    naive_adaptive_backward(&d, dy.data(), is_max ? i_ref.data() : nullptr, dx_ref.data());
    ASSERT_EQ(simdpool_backward(plan.get(), dy.data(), is_max ? i_ref.data() : nullptr, x.data(), y_ref.data(),
                                dx.data()),
              SIMDPOOL_OK)
        << simdpool_last_error();
    Tol bt = {true, 0, 0};
    if (!is_max) {
        bool pow2 = true;  // every window size a power of two: dy/size is exact
        for (int i = 0; i < d.spatial_dims; i++)
            for (int64_t o = 0; o < d.out[i]; o++) {
                int64_t lo = o * d.in[i] / d.out[i], hi = ((o + 1) * d.in[i] + d.out[i] - 1) / d.out[i];
                pow2 = pow2 && is_pow2(hi - lo);
            }
        if (!pow2) bt = {false, 1e-5, 2e-6 * (double)adaptive_overlap(d)};
    }
    EXPECT_TRUE(compare(dx, dx_ref, bt, "backward dx"));
}

TEST_P(PoolSweep, AdaptiveRandom) {
    static const std::vector<int64_t> sizes = {1, 2, 5, 7, 13, 16, 17};
    static const std::vector<int64_t> channels = {1, 3, 8, 17, 33};
    for (int i = 0; i < 80; i++) {
        Rng r(4242 + (uint64_t)i);
        simdpool_adaptive_desc d;
        const int sd = (int)r.uniform_int(1, 3);
        const simdpool_algorithm a = r.chance(0.5) ? SIMDPOOL_MAX : SIMDPOOL_AVG;
        ASSERT_EQ(simdpool_adaptive_desc_init(&d, a, sd), SIMDPOOL_OK);
        d.n = r.chance(0.3) ? 2 : 1;
        d.layout = r.chance(0.5) ? SIMDPOOL_NHWC : SIMDPOOL_NCHW;
        int64_t plane = 1;
        for (int j = 0; j < sd; j++) {
            d.in[j] = sd == 3 ? r.uniform_int(1, 6) : r.pick(sizes);
            // Outputs that divide the input, that don't, equal to it, larger than it, and 1 (global).
            switch (r.uniform_int(0, 5)) {
            case 0: d.out[j] = 1; break;
            case 1: d.out[j] = d.in[j]; break;
            case 2: d.out[j] = (d.in[j] + 1) / 2; break;
            case 3: d.out[j] = d.in[j] + r.uniform_int(1, 4); break;
            case 4: d.out[j] = d.in[j] > 1 ? d.in[j] - 1 : 2; break;
            default: d.out[j] = r.uniform_int(1, 7); break;
            }
            plane *= std::max(d.in[j], d.out[j]);
        }
        do {
            d.c = r.pick(channels);
        } while (d.n * d.c * plane > 9000 && d.c > 1);
        check_adaptive(d, GetParam(), 10000 + (uint64_t)i, a == SIMDPOOL_MAX && i % 3 == 0);
        if (::testing::Test::HasFatalFailure()) return;
    }
}

TEST_P(PoolSweep, AdaptiveNamed) {
    struct Case {
        const char *name;
        int sd;
        std::vector<int64_t> in, out;
    };
    const std::vector<Case> cases = {
        {"divides", 2, {12, 8}, {4, 2}},
        {"does_not_divide", 2, {7, 10}, {3, 4}},
        {"larger_than_input", 2, {3, 5}, {7, 11}},
        {"resnet_head_7x7_to_1", 2, {7, 7}, {1, 1}},
        {"one_d_uneven", 1, {17}, {5}},
        {"three_d_mixed", 3, {5, 4, 7}, {2, 6, 3}},
    };
    uint64_t seed = 31337;
    for (const Case &cs : cases) {
        SCOPED_TRACE(cs.name);
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG})
                for (int64_t c : {3, 17}) {
                    simdpool_adaptive_desc d;
                    ASSERT_EQ(simdpool_adaptive_desc_init(&d, a, cs.sd), SIMDPOOL_OK);
                    d.n = 2;
                    d.c = c;
                    d.layout = layout;
                    for (int i = 0; i < cs.sd; i++) {
                        d.in[i] = cs.in[(size_t)i];
                        d.out[i] = cs.out[(size_t)i];
                    }
                    check_adaptive(d, GetParam(), seed++, false);
                    if (::testing::Test::HasFatalFailure()) return;
                }
    }
}

TEST_P(PoolSweep, Global) {
    uint64_t seed = 777;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG})
            for (int sd = 1; sd <= 3; sd++)
                for (int64_t c : {1, 8, 33}) {
                    simdpool_adaptive_desc d;
                    ASSERT_EQ(simdpool_global_desc_init(&d, a, sd), SIMDPOOL_OK);
                    for (int i = 0; i < sd; i++) EXPECT_EQ(d.out[i], 1) << "global output size";
                    d.n = 2;
                    d.c = c;
                    d.layout = layout;
                    const int64_t in3[3] = {3, 5, 7};
                    for (int i = 0; i < sd; i++) d.in[i] = sd == 1 ? 17 : sd == 2 ? in3[i + 1] : in3[i];
                    check_adaptive(d, GetParam(), seed++, a == SIMDPOOL_MAX && c == 33);
                    if (::testing::Test::HasFatalFailure()) return;
                }
}

INSTANTIATE_TEST_SUITE_P(Isa, PoolSweep, ::testing::ValuesIn(all_isas()), IsaParamName());

// ---------------------------------------------------------------------------------------------------------
// Helpers: ONNX index conversion and auto-padding.

TEST(Helpers, IndicesToOnnxByHand) {
    // 2 images x 2 channels of 2x2, one 2x2 window each: the ONNX index is (n*C + c) * 4 + position.
    simdpool_pool_desc d = base_desc(SIMDPOOL_MAX, 2);
    d.n = 2;
    d.c = 2;
    set_all(d.in, 2, 2);
    set_all(d.kernel, 2, 2);
    set_all(d.stride, 2, 2);
    PlanPtr plan;
    ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_AUTO), &plan), SIMDPOOL_OK) << simdpool_last_error();
    const int64_t src[4] = {3, 1, 0, 2};  // (n0,c0) (n0,c1) (n1,c0) (n1,c1)
    const int64_t want[4] = {3, 4 + 1, 8 + 0, 12 + 2};
    int64_t dst[4] = {-1, -1, -1, -1};
    ASSERT_EQ(simdpool_indices_to_onnx(plan.get(), src, dst), SIMDPOOL_OK) << simdpool_last_error();
    for (int i = 0; i < 4; i++) EXPECT_EQ(dst[i], want[i]) << i;

    // Out-of-plane index: refused.
    const int64_t bad[4] = {3, 4, 0, 0};
    EXPECT_NE(simdpool_indices_to_onnx(plan.get(), bad, dst), SIMDPOOL_OK);
}

TEST(Helpers, IndicesToOnnxLayouts) {
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        for (int sd = 1; sd <= 3; sd++) {
            simdpool_pool_desc d = base_desc(SIMDPOOL_MAX, sd);
            d.n = 2;
            d.c = 3;
            d.layout = layout;
            const int64_t in3[3] = {3, 4, 5};
            for (int i = 0; i < sd; i++) d.in[i] = in3[3 - sd + i];
            set_all(d.kernel, sd, 2);
            set_all(d.stride, sd, 1);
            SCOPED_TRACE(describe(d));
            PlanPtr plan;
            ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_AUTO), &plan), SIMDPOOL_OK) << simdpool_last_error();
            const size_t nin = naive_pool_input_elements(&d), nout = naive_pool_output_elements(&d);
            int64_t out[3];
            naive_pool_output_dims(&d, out);
            int64_t in_plane = 1, out_plane = 1;
            for (int i = 0; i < sd; i++) {
                in_plane *= d.in[i];
                out_plane *= out[i];
            }
            std::vector<float> x = distinct_fill(nin, 3);
            std::vector<float> y(nout);
            std::vector<int64_t> idx(nout), onnx(nout);
            ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()), SIMDPOOL_OK);
            ASSERT_EQ(simdpool_indices_to_onnx(plan.get(), idx.data(), onnx.data()), SIMDPOOL_OK)
                << simdpool_last_error();
            // By hand: element (n, c, q) of the output (in the plan's layout) maps to (n*C + c)*plane + idx.
            for (int64_t n = 0; n < d.n; n++)
                for (int64_t c = 0; c < d.c; c++)
                    for (int64_t q = 0; q < out_plane; q++) {
                        size_t o = (size_t)(layout == SIMDPOOL_NCHW ? (n * d.c + c) * out_plane + q
                                                                    : (n * out_plane + q) * d.c + c);
                        ASSERT_EQ(onnx[o], (n * d.c + c) * in_plane + idx[o]) << "n=" << n << " c=" << c << " q=" << q;
                        // The ONNX index addresses the max in the NCHW tensor: check the value it points at.
                        int64_t pos = onnx[o] % in_plane, nc = onnx[o] / in_plane;
                        size_t xi = (size_t)(layout == SIMDPOOL_NCHW ? onnx[o]
                                                                     : ((nc / d.c) * in_plane + pos) * d.c + nc % d.c);
                        EXPECT_EQ(x[xi], y[o]);
                    }
            // In place.
            std::vector<int64_t> inplace = idx;
            ASSERT_EQ(simdpool_indices_to_onnx(plan.get(), inplace.data(), inplace.data()), SIMDPOOL_OK);
            EXPECT_TRUE(arrays_identical(inplace, onnx, "in-place ONNX index"));
        }
    }
}

TEST(Helpers, AutoPadSame) {
    struct {
        int64_t in, k, s, dil;
        int64_t upper_pb, upper_pe;  // SAME_LOWER swaps them
    } cases[] = {
        {7, 3, 2, 1, 1, 1},   // out 4, total pad 6+3-7 = 2
        {6, 3, 2, 1, 0, 1},   // out 3, total 1: odd element at the end (upper) / beginning (lower)
        {10, 4, 3, 1, 1, 2},  // out 4, total 9+4-10 = 3
        {5, 3, 1, 2, 2, 2},   // eff 5, out 5, total 4
        {8, 2, 2, 1, 0, 0},   // exact fit
        {8, 1, 3, 1, 0, 0},   // total would be -1: no padding, out = floor(7/3)+1 = 3 = ceil(8/3)
        {1, 3, 1, 1, 1, 1},   //
        {13, 5, 1, 1, 2, 2},  //
        {13, 4, 1, 1, 1, 2},  //
    };
    for (const auto &c : cases) {
        for (simdpool_auto_pad mode : {SIMDPOOL_SAME_UPPER, SIMDPOOL_SAME_LOWER}) {
            simdpool_pool_desc d = base_desc(SIMDPOOL_MAX, 2);
            d.n = 1;
            d.c = 2;
            d.in[0] = 5;  // H: fixed, unpadded k=1
            d.kernel[0] = 1;
            d.stride[0] = 1;
            d.in[1] = c.in;
            d.kernel[1] = c.k;
            d.stride[1] = c.s;
            d.dilation[1] = c.dil;
            d.ceil_mode = 1;
            SCOPED_TRACE(describe(d) + (mode == SIMDPOOL_SAME_UPPER ? " SAME_UPPER" : " SAME_LOWER"));
            ASSERT_EQ(simdpool_pool_desc_set_auto_pad(&d, mode), SIMDPOOL_OK) << simdpool_last_error();
            EXPECT_EQ(d.ceil_mode, 0);
            EXPECT_EQ(d.pad_begin[0], 0);
            EXPECT_EQ(d.pad_end[0], 0);
            EXPECT_EQ(d.pad_begin[1], mode == SIMDPOOL_SAME_UPPER ? c.upper_pb : c.upper_pe);
            EXPECT_EQ(d.pad_end[1], mode == SIMDPOOL_SAME_UPPER ? c.upper_pe : c.upper_pb);
            int64_t out[3];
            naive_pool_output_dims(&d, out);
            EXPECT_EQ(out[1], (c.in + c.s - 1) / c.s) << "out == ceil(in / stride)";
            PlanPtr plan;
            ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_AUTO), &plan), SIMDPOOL_OK) << simdpool_last_error();
            int64_t dims[SIMDPOOL_MAX_RANK];
            int rank = 0;
            ASSERT_EQ(simdpool_plan_output_shape(plan.get(), dims, &rank), SIMDPOOL_OK);
            EXPECT_EQ(dims[3], (c.in + c.s - 1) / c.s);
        }
    }
}

}  // namespace
