// The SIMD LP-pooling and SoftPool forward kernels (kernels/{avx2,avx512,neon}/{lppool,softpool}_{nchw,nhwc}.c,
// shared code in kernels/simd/lp_soft_*.h) against the scalar kernels on the same plans (options.max_isa =
// SIMDPOOL_ISA_SCALAR), over windows that reach every load path (stride 1, stride 2 with odd and even last
// taps, gathers, edge tables), widths and channel counts below, at and above 4, 8 and 16, padding, dilation,
// ceil_mode, 1-3-D, orders p in {0.5, 1, 2, 3, 7.5} and inputs tiny, ordinary, large (+-80) and special
// (NaN, +-inf, +-0, subnormals). The tolerances are the ones kernels/simd/lp_soft_nchw.h states:
//   LP p = 1, p = 2   bit-identical to scalar (same terms, same order, sqrt correctly rounded);
//   LP other p        relative 1e-6 * max(1, 1/p) (e^x / |x|^p polynomials against libm's powf; the final
//                     (1/p)-th power scales the sum's error by 1/p);
//   SoftPool          1e-6 * max|x| + 1e-6 * |y| (weights within a few ulp, scaled by the window's spread).
// The shared code runs the same operations on every ISA, so AVX2, AVX-512 and NEON must agree bit for bit. NEON
// runs on x86 through simde's translation (its FMA, division and square root as correctly rounded scalar
// operations, kernels/neon/fvec_neon.h) and natively in the aarch64 build (scripts/test-aarch64.sh).
#include <algorithm>
#include <array>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "naive_pool.h"
#include "test_util.h"

namespace {

using namespace sptest;

struct Window {
    int64_t k, s, pb, pe, dil;
    int ceil_mode;
};

// Windows along W, each reaching a different NCHW path: fast S = 2 with K = 2 and K = 3 (constant), S = 1 with
// K = 3 (constant) and other K, S = 2 with an even last tap offset (dilated, K = 5: the masked second load),
// S >= 3 (gathers), K = 1, and padding / ceil_mode overhangs (edge tables).
const std::vector<Window> &w_windows() {
    static const std::vector<Window> w = {
        {2, 2, 0, 0, 1, 0}, {3, 2, 1, 1, 1, 0}, {3, 2, 1, 1, 1, 1}, {3, 1, 1, 1, 1, 0}, {2, 1, 0, 0, 1, 0},
        {4, 3, 1, 2, 1, 1}, {3, 1, 2, 2, 2, 0}, {2, 2, 1, 0, 2, 1}, {5, 2, 2, 2, 1, 0}, {1, 1, 0, 0, 1, 0},
        {3, 4, 0, 0, 1, 1}, {2, 2, 1, 1, 1, 1},
    };
    return w;
}

// Windows for the leading axes (D, H).
const std::vector<Window> &lead_windows() {
    static const std::vector<Window> w = {{2, 2, 0, 0, 1, 0}, {3, 1, 1, 1, 1, 0}, {3, 2, 1, 1, 1, 1}, {2, 1, 1, 1, 2, 0}};
    return w;
}

bool fits(int64_t in, const Window &w) { return w.dil * (w.k - 1) + 1 <= in + w.pb + w.pe; }

simdpool_pool_desc make_desc(simdpool_algorithm a, simdpool_layout layout, int64_t n, int64_t c,
                             const std::vector<int64_t> &in, const std::vector<Window> &win) {
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, a, (int)in.size());
    d.layout = layout;
    d.n = n;
    d.c = c;
    for (size_t i = 0; i < in.size(); ++i) {
        d.in[i] = in[i];
        d.kernel[i] = win[i].k;
        d.stride[i] = win[i].s;
        d.pad_begin[i] = win[i].pb;
        d.pad_end[i] = win[i].pe;
        d.dilation[i] = win[i].dil;
    }
    d.ceil_mode = win.back().ceil_mode;
    return d;
}

// Every shape of the sweep (without algorithm, layout or p, which the tests vary).
struct Shape {
    int64_t n, c;
    std::vector<int64_t> in;
    std::vector<Window> win;
};

std::vector<Shape> shapes(simdpool_layout layout) {
    std::vector<Shape> s;
    const std::vector<int64_t> widths = {1, 2, 5, 8, 9, 16, 17, 23, 33, 40};
    const std::vector<int64_t> channels = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 67};
    size_t rot = 0;
    for (const Window &ww : w_windows()) {
        for (int64_t w : widths) {
            if (!fits(w, ww)) continue;
            const Window &wh = lead_windows()[rot % lead_windows().size()];
            // NCHW: the width is what vectorises, so a few planes suffice; NHWC: rotate the channel counts.
            const int64_t c = layout == SIMDPOOL_NCHW ? 2 : channels[rot % channels.size()];
            ++rot;
            s.push_back({1, c, {4, w}, {wh, ww}});
        }
    }
    // Every channel count through a few windows (NHWC's vectors, blocks and tails; NCHW's plane loop).
    for (int64_t c : channels)
        for (const Window &ww : {w_windows()[0], w_windows()[2], w_windows()[5]}) s.push_back({2, c, {5, 11}, {ww, ww}});
    // 1-D and 3-D.
    for (int64_t w : {1, 7, 16, 17, 40})
        for (const Window &ww : w_windows())
            if (fits(w, ww)) s.push_back({1, 9, {w}, {ww}});
    s.push_back({1, 5, {4, 5, 17}, {lead_windows()[0], lead_windows()[1], w_windows()[1]}});
    s.push_back({2, 18, {5, 3, 9}, {lead_windows()[2], lead_windows()[3], w_windows()[5]}});
    s.push_back({1, 3, {3, 6, 33}, {lead_windows()[1], lead_windows()[2], w_windows()[0]}});
    return s;
}

// ---------------------------------------------------------------------------------------------------------
// Inputs

enum class Range { kOrdinary, kTiny, kLarge, kSpecial };

const char *range_name(Range r) {
    switch (r) {
    case Range::kOrdinary: return "ordinary";
    case Range::kTiny: return "tiny";
    case Range::kLarge: return "large";
    case Range::kSpecial: return "special";
    }
    return "?";
}

std::vector<float> make_input(size_t n, Range range, uint64_t seed) {
    Rng r(seed);
    std::vector<float> v(n);
    const float inf = std::numeric_limits<float>::infinity();
    for (auto &e : v) {
        switch (range) {
        case Range::kOrdinary: e = r.uniform(-3.0f, 3.0f); break;
        // Magnitudes whose 7.5th power is still a normal float (subnormal terms round differently in any two
        // implementations, and the root then magnifies that).
        case Range::kTiny: e = r.uniform(2e-5f, 1e-3f) * ((r.next() & 1) ? 1.0f : -1.0f); break;
        case Range::kLarge: e = r.uniform(-80.0f, 80.0f); break;
        case Range::kSpecial: {
            const uint64_t k = r.next() % 100;
            e = k < 4    ? std::nanf("")
                : k < 8  ? inf
                : k < 12 ? -inf
                : k < 18 ? -0.0f
                : k < 24 ? 0.0f
                : k < 28 ? r.uniform(1e-40f, 1e-38f) // subnormal
                         : r.uniform(-3.0f, 3.0f);
            break;
        }
        }
    }
    return v;
}

float max_finite_abs(const std::vector<float> &x) {
    float m = 0.0f;
    for (float v : x)
        if (std::isfinite(v)) m = std::max(m, std::fabs(v));
    return m;
}

// ---------------------------------------------------------------------------------------------------------
// Runs

std::string own_kernel(simdpool_isa isa, simdpool_algorithm a, simdpool_layout layout) {
    return std::string(simdpool_isa_name(isa)) + "/" + (a == SIMDPOOL_LP ? "lppool" : "softpool") + "_fwd_" +
           (layout == SIMDPOOL_NCHW ? "nchw" : "nhwc") + "_f32";
}

std::vector<float> run(const simdpool_pool_desc &d, simdpool_isa isa, const std::vector<float> &x, int clamp = 0) {
    simdpool_options o = isa_options(isa);
    if (clamp) {
        o.clamp_output = 1;
        o.clamp_min = -1.5f;
        o.clamp_max = 2.5f;
    }
    PlanPtr plan;
    std::vector<float> y(naive_pool_output_elements(&d), -12345.5f);
    EXPECT_EQ(make_pool_plan(d, o, &plan), SIMDPOOL_OK) << simdpool_last_error();
    if (!plan) return y;
    if (isa != SIMDPOOL_ISA_SCALAR) {
        const char *name = nullptr;
        EXPECT_EQ(simdpool_plan_kernel_name(plan.get(), 0, &name), SIMDPOOL_OK);
        EXPECT_EQ(std::string(name ? name : ""), own_kernel(isa, d.algorithm, d.layout));
    }
    EXPECT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), nullptr), SIMDPOOL_OK) << simdpool_last_error();
    return y;
}

// The SIMD ISAs with LP / SoftPool kernels; those this machine runs.
std::vector<simdpool_isa> simd_isas() {
    std::vector<simdpool_isa> isas;
    for (simdpool_isa isa : {SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_NEON})
        if (simdpool_isa_available(isa)) isas.push_back(isa);
    return isas;
}

// One descriptor and input on every available SIMD ISA: each against scalar within the stated tolerance, and
// the ISAs against each other bit for bit.
void check(const simdpool_pool_desc &d, const std::vector<float> &x, const std::string &what, int clamp = 0) {
    SCOPED_TRACE(describe(d) + " p=" + std::to_string(d.p) + " " + what + (clamp ? " clamped" : ""));
    const std::vector<float> want = run(d, SIMDPOOL_ISA_SCALAR, x, clamp);
    std::vector<std::vector<float>> got;
    const std::vector<simdpool_isa> isas = simd_isas();
    for (simdpool_isa isa : isas) {
        SCOPED_TRACE(simdpool_isa_name(isa));
        got.push_back(run(d, isa, x, clamp));
        const std::vector<float> &y = got.back();
        if (d.algorithm == SIMDPOOL_LP && (d.p == 1.0f || d.p == 2.0f)) {
            EXPECT_TRUE(arrays_identical(y, want, "output"));
        } else if (d.algorithm == SIMDPOOL_LP) {
            EXPECT_TRUE(arrays_near(y, want, 1e-6 * std::max(1.0, 1.0 / d.p), 0.0, "output"));
        } else {
            EXPECT_TRUE(arrays_near(y, want, 1e-6, 1e-6 * max_finite_abs(x), "output"));
        }
    }
    for (size_t i = 1; i < got.size(); ++i) {
        const std::string what = std::string(simdpool_isa_name(isas[i])) + " vs " + simdpool_isa_name(isas[0]);
        EXPECT_TRUE(arrays_identical(got[i], got[0], what.c_str()));
    }
}

class SimdLpSoft : public ::testing::TestWithParam<simdpool_layout> {
  protected:
    void SetUp() override {
        if (simd_isas().empty()) GTEST_SKIP() << "no SIMD ISA with LP / SoftPool kernels on this CPU";
    }
};

TEST_P(SimdLpSoft, LpAllShapesOrdersAndRanges) {
    uint64_t seed = 1;
    for (const Shape &s : shapes(GetParam())) {
        for (float p : {0.5f, 1.0f, 2.0f, 3.0f, 7.5f}) {
            for (Range range : {Range::kOrdinary, Range::kTiny, Range::kLarge, Range::kSpecial}) {
                simdpool_pool_desc d = make_desc(SIMDPOOL_LP, GetParam(), s.n, s.c, s.in, s.win);
                d.p = p;
                check(d, make_input(naive_pool_input_elements(&d), range, seed++), range_name(range));
                if (HasFatalFailure()) return;
            }
        }
    }
}

TEST_P(SimdLpSoft, SoftAllShapesAndRanges) {
    uint64_t seed = 5000;
    for (const Shape &s : shapes(GetParam())) {
        for (Range range : {Range::kOrdinary, Range::kTiny, Range::kLarge, Range::kSpecial}) {
            simdpool_pool_desc d = make_desc(SIMDPOOL_SOFT, GetParam(), s.n, s.c, s.in, s.win);
            check(d, make_input(naive_pool_input_elements(&d), range, seed++), range_name(range));
            if (HasFatalFailure()) return;
        }
    }
}

// The fused clamp applies to the finished value, empty-window zeros included, and lets NaN through.
TEST_P(SimdLpSoft, FusedClamp) {
    uint64_t seed = 9000;
    for (const Window &ww : w_windows()) {
        for (simdpool_algorithm a : {SIMDPOOL_LP, SIMDPOOL_SOFT}) {
            for (float p : {1.0f, 2.0f, 3.0f}) {
                if (a == SIMDPOOL_SOFT && p != 1.0f) continue;
                simdpool_pool_desc d = make_desc(a, GetParam(), 1, 19, {6, 21}, {lead_windows()[2], ww});
                if (a == SIMDPOOL_LP) d.p = p;
                check(d, make_input(naive_pool_input_elements(&d), Range::kSpecial, seed++), "special", 1);
                check(d, make_input(naive_pool_input_elements(&d), Range::kOrdinary, seed++), "ordinary", 1);
            }
        }
    }
}

// Hand-picked windows: SoftPool's all -inf window (NaN: -inf - -inf), a +inf tap (NaN), -inf taps next to
// finite ones (weight 0, not NaN), a single tap (weight exactly 1, so y = x), equal taps; LP's zero and -0
// windows, an inf tap, and values whose p-th power overflows. One window of 4 taps per output (1-D, 4/4), 20
// windows: the NCHW blocks are full, partial and gathered; NHWC runs them as 20 pixels of 1 channel.
TEST_P(SimdLpSoft, SpecialWindows) {
    const float inf = std::numeric_limits<float>::infinity(), nan = std::nanf("");
    const std::vector<std::array<float, 4>> windows = {
        {-inf, -inf, -inf, -inf}, {inf, 1.0f, 2.0f, 3.0f},   {-inf, 1.0f, -inf, 2.0f},  {0.0f, -0.0f, 0.0f, -0.0f},
        {-0.0f, -0.0f, -0.0f, -0.0f}, {5.0f, 5.0f, 5.0f, 5.0f}, {nan, 1.0f, 2.0f, 3.0f}, {1.0f, 2.0f, 3.0f, nan},
        {-80.0f, 80.0f, -80.0f, 79.0f}, {1e30f, -1e30f, 2.0f, 3.0f}, {1e38f, 1.0f, 0.0f, 0.0f},
        {-inf, inf, 0.0f, 0.0f}, {1e-45f, 1e-40f, 1e-38f, 0.0f}, {-104.0f, 0.0f, -88.0f, -87.0f},
        {3.0f, -inf, -inf, -inf}, {0.5f, 0.25f, 0.125f, 0.0625f}, {-7.0f, 7.0f, -7.0f, 7.0f},
        {1e-20f, -1e-20f, 1e-19f, 0.0f}, {-inf, -inf, -inf, 4.5f}, {2.0f, 2.0f, -inf, 2.0f},
    };
    std::vector<float> x;
    for (const auto &w : windows) x.insert(x.end(), w.begin(), w.end());
    for (simdpool_algorithm a : {SIMDPOOL_LP, SIMDPOOL_SOFT}) {
        for (float p : {0.5f, 1.0f, 2.0f, 3.0f, 7.5f}) {
            if (a == SIMDPOOL_SOFT && p != 1.0f) continue;
            simdpool_pool_desc d;
            simdpool_pool_desc_init(&d, a, 1);
            d.layout = GetParam();
            d.n = d.c = 1;
            d.in[0] = (int64_t)x.size();
            d.kernel[0] = d.stride[0] = 4;
            if (a == SIMDPOOL_LP) d.p = p;
            check(d, x, "special windows");
            if (a != SIMDPOOL_SOFT) continue;
            for (simdpool_isa isa : simd_isas()) {
                SCOPED_TRACE(simdpool_isa_name(isa));
                const std::vector<float> y = run(d, isa, x);
                EXPECT_TRUE(std::isnan(y[0])) << "all -inf";
                EXPECT_TRUE(std::isnan(y[1])) << "+inf tap";
                EXPECT_FALSE(std::isnan(y[2])) << "-inf taps weigh 0";
                EXPECT_EQ(y[5], 5.0f) << "equal taps";
                EXPECT_EQ(y[14], 3.0f) << "one finite tap";
            }
        }
    }
}

// An output of 1 MiB: NHWC streams it with non-temporal stores (kernels/simd/nhwc_access.h); NCHW runs long rows.
TEST_P(SimdLpSoft, LargeOutput) {
    uint64_t seed = 12000;
    for (simdpool_algorithm a : {SIMDPOOL_LP, SIMDPOOL_SOFT}) {
        for (float p : {2.0f, 3.0f}) {
            if (a == SIMDPOOL_SOFT && p != 2.0f) continue;
            simdpool_pool_desc d = make_desc(a, GetParam(), 1, 256, {64, 64}, {w_windows()[0], w_windows()[0]});
            if (a == SIMDPOOL_LP) d.p = p;
            ASSERT_GE(naive_pool_output_elements(&d) * sizeof(float), size_t{1} << 20);
            check(d, make_input(naive_pool_input_elements(&d), Range::kOrdinary, seed++), "ordinary");
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Layout, SimdLpSoft, ::testing::Values(SIMDPOOL_NCHW, SIMDPOOL_NHWC),
                         [](const ::testing::TestParamInfo<simdpool_layout> &info) {
                             return std::string(info.param == SIMDPOOL_NCHW ? "nchw" : "nhwc");
                         });

} // namespace
