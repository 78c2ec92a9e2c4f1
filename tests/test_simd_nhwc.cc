// The x86 SIMD NHWC forward kernels (kernels/avx2|avx512/*_nhwc.c), beyond the general sweeps: their fast
// paths (full 2x2 and 3x3 windows with carried columns, the global-pooling pass, int32 index lanes, the NaN
// detector and its exact rerun, masked channel tails) on channel counts below, at and above every vector and
// block width. MAX/MIN values and indices, and AVG values, must be bit-identical to the scalar kernel's plan
// (options.max_isa = SIMDPOOL_ISA_SCALAR) and to the naive reference: the SIMD kernels keep the scalar
// accumulation order (per channel, taps in scan order, then one division), so no tolerance is needed.
#include <sys/mman.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "naive_pool.h"
#include "test_util.h"

namespace {

using namespace sptest;

const std::vector<simdpool_isa> &x86_isas() {
    static const std::vector<simdpool_isa> isas = {SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512};
    return isas;
}

const char *family(simdpool_algorithm a) {
    return a == SIMDPOOL_MAX ? "maxpool" : a == SIMDPOOL_MIN ? "minpool" : "avgpool";
}

// "avx512/maxpool_fwd_nhwc_f32": the plan really runs this ISA's own NHWC kernel (no fallback to a lower ISA).
std::string own_kernel(simdpool_isa isa, simdpool_algorithm a) {
    return std::string(simdpool_isa_name(isa)) + "/" + family(a) + "_fwd_nhwc_f32";
}

// General floats with a wide range of magnitudes: sums round differently in any other order.
std::vector<float> sum_fill(size_t n, uint64_t seed) {
    Rng r(seed);
    std::vector<float> v(n);
    for (auto &e : v) e = r.uniform(-1.0f, 1.0f) * std::ldexp(1.0f, (int)r.uniform_int(-12, 12));
    return v;
}

struct Outputs {
    std::vector<float> y;
    std::vector<int64_t> idx;
};

Outputs run_plan(const simdpool_plan *plan, const std::vector<float> &x, size_t nout, bool with_idx) {
    Outputs o;
    o.y.assign(nout, -12345.5f);
    if (with_idx) o.idx.assign(nout, -7);
    EXPECT_EQ(simdpool_forward(plan, x.data(), o.y.data(), with_idx ? o.idx.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    return o;
}

// One descriptor on one ISA: the plan runs the ISA's own kernel; its outputs (and indices, with and without
// them requested) equal the scalar plan's and the naive reference's bit for bit.
void check_against_scalar(const simdpool_pool_desc &d, simdpool_isa isa, const simdpool_options &extra,
                          const std::vector<float> &x, bool compare_naive) {
    SCOPED_TRACE(describe(d) + " isa=" + simdpool_isa_name(isa));
    simdpool_options o = extra;
    o.max_isa = isa;
    o.num_threads = 1;
    PlanPtr plan;
    ASSERT_EQ(make_pool_plan(d, o, &plan), SIMDPOOL_OK) << simdpool_last_error();
    const char *name = nullptr;
    ASSERT_EQ(simdpool_plan_kernel_name(plan.get(), 0, &name), SIMDPOOL_OK);
    EXPECT_EQ(std::string(name), own_kernel(isa, d.algorithm));
    o.max_isa = SIMDPOOL_ISA_SCALAR;
    PlanPtr scalar;
    ASSERT_EQ(make_pool_plan(d, o, &scalar), SIMDPOOL_OK) << simdpool_last_error();

    const size_t nout = naive_pool_output_elements(&d);
    const bool maxmin = d.algorithm != SIMDPOOL_AVG;
    const Outputs want = run_plan(scalar.get(), x, nout, maxmin);
    const Outputs got = run_plan(plan.get(), x, nout, maxmin);
    EXPECT_TRUE(arrays_identical(got.y, want.y, "output"));
    if (maxmin) {
        EXPECT_TRUE(arrays_identical(got.idx, want.idx, "index"));
        const Outputs no_idx = run_plan(plan.get(), x, nout, false);
        EXPECT_TRUE(arrays_identical(no_idx.y, want.y, "output (no indices)"));
    }
    if (compare_naive) {
        std::vector<float> y_ref(nout);
        std::vector<int64_t> idx_ref(nout);
        naive_pool_forward(&d, x.data(), y_ref.data(), maxmin ? idx_ref.data() : nullptr);
        EXPECT_TRUE(arrays_identical(got.y, y_ref, "output vs naive"));
        if (maxmin) {
            EXPECT_TRUE(arrays_identical(got.idx, idx_ref, "index vs naive"));
        }
    }
}

simdpool_pool_desc window_desc(simdpool_algorithm a, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s, int64_t p,
                               int ceil_mode, int64_t dil = 1) {
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, a, 2);
    d.layout = SIMDPOOL_NHWC;
    d.n = 1;
    d.c = c;
    d.in[0] = h;
    d.in[1] = w;
    for (int i = 0; i < 2; ++i) {
        d.kernel[i] = k;
        d.stride[i] = s;
        d.pad_begin[i] = d.pad_end[i] = p;
        d.dilation[i] = dil;
    }
    d.ceil_mode = ceil_mode;
    return d;
}

struct Window {
    int64_t k, s, p;
    int ceil_mode;
    int64_t dil;
};

// The fast paths' windows (2x2/2, 3x3/2, 3x3/1, and the carried-column 2x2/1), with and without padding and
// ceil_mode, plus stride-3 and dilated 3x3 windows (full windows without carried columns).
const std::vector<Window> &fast_windows() {
    static const std::vector<Window> w = {
        {2, 2, 0, 0, 1}, {2, 2, 1, 1, 1}, {2, 2, 0, 1, 1}, {3, 2, 0, 0, 1}, {3, 2, 1, 0, 1}, {3, 2, 1, 1, 1},
        {3, 1, 0, 0, 1}, {3, 1, 1, 0, 1}, {3, 1, 2, 1, 1}, {2, 1, 0, 0, 1}, {2, 1, 1, 1, 1}, {3, 3, 1, 1, 1},
        {3, 1, 1, 0, 2}, {2, 2, 1, 0, 2},
    };
    return w;
}

class SimdNhwc : public ::testing::TestWithParam<simdpool_isa> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam()); }
};

// Every channel count 1..70 (below, at and above 8, 16, 32 and 64 lanes) through every fast-path window.
TEST_P(SimdNhwc, FastWindowsAllChannelCounts) {
    const simdpool_options none = isa_options(GetParam());
    uint64_t seed = 1;
    for (int64_t c = 1; c <= 70; ++c) {
        for (const Window &win : fast_windows()) {
            // 7 x 11: odd sizes, several full columns per row and edge columns on both sides.
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG}) {
                simdpool_pool_desc d = window_desc(a, c, 7, 11, win.k, win.s, win.p, win.ceil_mode, win.dil);
                const size_t nin = naive_pool_input_elements(&d);
                const std::vector<float> x =
                    a == SIMDPOOL_AVG ? sum_fill(nin, seed++) : extremum_fill(nin, seed++, c % 3 == 0 ? 0.05 : 0.0);
                check_against_scalar(d, GetParam(), none, x, true);
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// Longer rows (a run of full windows much longer than the carried state) and batches.
TEST_P(SimdNhwc, FastWindowsWideImagesAndBatches) {
    const simdpool_options none = isa_options(GetParam());
    uint64_t seed = 100;
    for (int64_t c : {3, 16, 24, 64, 67, 130}) {
        for (const Window &win : fast_windows()) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
                simdpool_pool_desc d = window_desc(a, c, 9, 40, win.k, win.s, win.p, win.ceil_mode, win.dil);
                d.n = 2;
                const size_t nin = naive_pool_input_elements(&d);
                const std::vector<float> x =
                    a == SIMDPOOL_AVG ? sum_fill(nin, seed++) : extremum_fill(nin, seed++, 0.0);
                check_against_scalar(d, GetParam(), none, x, false);
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// NaN at chosen taps, in full vectors and in the channel tail: the window's value is NaN and its index is the
// last NaN in scan order (several NaN per window, and NaN as the first tap, which seeds the best).
TEST_P(SimdNhwc, NanPlacementFullVectorsAndTails) {
    const simdpool_options none = isa_options(GetParam());
    for (int64_t c : {5, 16, 21, 64, 70}) {
        for (const Window &win : fast_windows()) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                simdpool_pool_desc d = window_desc(a, c, 6, 9, win.k, win.s, win.p, win.ceil_mode, win.dil);
                const size_t nin = naive_pool_input_elements(&d);
                std::vector<float> x = int_fill(nin, (uint64_t)(c * 7 + win.k), -4, 4);
                // Pixel (h, w) gets NaN in channel h + w (mod c) and in the last channel when (h + w) % 3 == 0.
                for (int64_t h = 0; h < d.in[0]; ++h)
                    for (int64_t w = 0; w < d.in[1]; ++w) {
                        float *px = x.data() + (h * d.in[1] + w) * c;
                        px[(h + w) % c] = std::nanf("");
                        if ((h + w) % 3 == 0) px[c - 1] = -std::nanf("");
                    }
                check_against_scalar(d, GetParam(), none, x, true);
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// Ties everywhere (a constant image, then +0/-0 alternating): the first tap of each window wins.
TEST_P(SimdNhwc, TiesKeepTheFirstTap) {
    const simdpool_options none = isa_options(GetParam());
    for (int64_t c : {7, 16, 40}) {
        for (const Window &win : fast_windows()) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                simdpool_pool_desc d = window_desc(a, c, 6, 8, win.k, win.s, win.p, win.ceil_mode, win.dil);
                const size_t nin = naive_pool_input_elements(&d);
                std::vector<float> x(nin, -FLT_MAX);
                check_against_scalar(d, GetParam(), none, x, true);
                for (size_t i = 0; i < nin; ++i) x[i] = (i / (size_t)c) % 2 ? -0.0f : 0.0f;
                check_against_scalar(d, GetParam(), none, x, true);
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// The fused clamp (ReLU6-like) on every path, NaN preserved; and count_include_pad / divisor_override for AVG
// (power-of-two and other divisors).
TEST_P(SimdNhwc, ClampAndDivisors) {
    simdpool_options clamp = isa_options(GetParam());
    clamp.clamp_output = 1;
    clamp.clamp_min = 0.0f;
    clamp.clamp_max = 6.0f;
    uint64_t seed = 500;
    for (int64_t c : {3, 17, 64, 69}) {
        for (const Window &win : fast_windows()) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG}) {
                simdpool_pool_desc d = window_desc(a, c, 7, 10, win.k, win.s, win.p, win.ceil_mode, win.dil);
                const size_t nin = naive_pool_input_elements(&d);
                std::vector<float> x = a == SIMDPOOL_AVG ? sum_fill(nin, seed) : extremum_fill(nin, seed, 0.03);
                for (auto &e : x) e *= 8.0f;
                ++seed;
                check_against_scalar(d, GetParam(), clamp, x, false);
                if (a == SIMDPOOL_AVG) {
                    for (int cip = 0; cip <= 1; ++cip)
                        for (int64_t div : {0, 4, 7}) {
                            d.count_include_pad = cip;
                            d.divisor_override = div;
                            check_against_scalar(d, GetParam(), isa_options(GetParam()), x, true);
                        }
                }
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// Global pooling (adaptive to 1x1 and a kernel covering the input): channel counts that are not multiples of
// the global pass's width; MAX with indices and NaN, MIN, AVG.
TEST_P(SimdNhwc, GlobalPooling) {
    uint64_t seed = 900;
    for (int64_t c : {1, 7, 16, 33, 63, 100, 129, 200, 257}) {
        for (int64_t hw : {1, 5, 7}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
                SCOPED_TRACE("global c=" + std::to_string(c) + " hw=" + std::to_string(hw) + " " + family(a) +
                             " isa=" + simdpool_isa_name(GetParam()));
                simdpool_adaptive_desc ad;
                ASSERT_EQ(simdpool_adaptive_desc_init(&ad, a, 2), SIMDPOOL_OK);
                ad.layout = SIMDPOOL_NHWC;
                ad.n = 2;
                ad.c = c;
                ad.in[0] = hw;
                ad.in[1] = hw + 2;
                ad.out[0] = ad.out[1] = 1;
                const size_t nin = naive_adaptive_input_elements(&ad), nout = naive_adaptive_output_elements(&ad);
                const std::vector<float> x =
                    a == SIMDPOOL_AVG ? sum_fill(nin, seed++) : extremum_fill(nin, seed++, c % 2 ? 0.02 : 0.0);
                PlanPtr plan, scalar;
                ASSERT_EQ(make_adaptive_plan(ad, isa_options(GetParam()), &plan), SIMDPOOL_OK) << simdpool_last_error();
                ASSERT_EQ(make_adaptive_plan(ad, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK);
                const char *name = nullptr;
                ASSERT_EQ(simdpool_plan_kernel_name(plan.get(), 0, &name), SIMDPOOL_OK);
                EXPECT_EQ(std::string(name), own_kernel(GetParam(), a));
                const bool with_idx = a == SIMDPOOL_MAX;
                const Outputs want = run_plan(scalar.get(), x, nout, with_idx);
                const Outputs got = run_plan(plan.get(), x, nout, with_idx);
                EXPECT_TRUE(arrays_identical(got.y, want.y, "output"));
                if (with_idx) {
                    EXPECT_TRUE(arrays_identical(got.idx, want.idx, "index"));
                }
                std::vector<float> y_ref(nout);
                std::vector<int64_t> idx_ref(nout);
                naive_adaptive_forward(&ad, x.data(), y_ref.data(), with_idx ? idx_ref.data() : nullptr);
                EXPECT_TRUE(arrays_identical(got.y, y_ref, "output vs naive"));
                if (with_idx) {
                    EXPECT_TRUE(arrays_identical(got.idx, idx_ref, "index vs naive"));
                }

                // The same through a sliding-window plan whose kernel is the whole input (and MIN).
                for (simdpool_algorithm b : {a, a == SIMDPOOL_MAX ? SIMDPOOL_MIN : SIMDPOOL_AVG}) {
                    simdpool_pool_desc d = window_desc(b, c, hw, hw + 2, 1, 1, 0, 0);
                    d.n = 2;
                    d.kernel[0] = hw;
                    d.kernel[1] = hw + 2;
                    check_against_scalar(d, GetParam(), isa_options(GetParam()), x, true);
                }
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// Adaptive windows (variable sizes, overlapping) and 3-D windows run the general table-driven path.
TEST_P(SimdNhwc, AdaptiveAnd3dGeneralPath) {
    uint64_t seed = 1300;
    for (int64_t c : {5, 16, 35, 70}) {
        simdpool_adaptive_desc ad;
        ASSERT_EQ(simdpool_adaptive_desc_init(&ad, SIMDPOOL_MAX, 2), SIMDPOOL_OK);
        ad.layout = SIMDPOOL_NHWC;
        ad.n = 1;
        ad.c = c;
        ad.in[0] = 13;
        ad.in[1] = 10;
        ad.out[0] = 5;
        ad.out[1] = 4;
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
            ad.algorithm = a;
            const size_t nin = naive_adaptive_input_elements(&ad), nout = naive_adaptive_output_elements(&ad);
            const std::vector<float> x = a == SIMDPOOL_AVG ? sum_fill(nin, seed++) : extremum_fill(nin, seed++, 0.03);
            PlanPtr plan, scalar;
            ASSERT_EQ(make_adaptive_plan(ad, isa_options(GetParam()), &plan), SIMDPOOL_OK);
            ASSERT_EQ(make_adaptive_plan(ad, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK);
            const bool with_idx = a == SIMDPOOL_MAX;
            const Outputs want = run_plan(scalar.get(), x, nout, with_idx);
            const Outputs got = run_plan(plan.get(), x, nout, with_idx);
            EXPECT_TRUE(arrays_identical(got.y, want.y, "adaptive output"));
            if (with_idx) {
                EXPECT_TRUE(arrays_identical(got.idx, want.idx, "adaptive index"));
            }
        }
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG}) {
            simdpool_pool_desc d;
            simdpool_pool_desc_init(&d, a, 3);
            d.layout = SIMDPOOL_NHWC;
            d.n = 1;
            d.c = c;
            const int64_t in[3] = {4, 6, 7}, k[3] = {2, 3, 3}, s[3] = {1, 2, 1}, p[3] = {1, 1, 0};
            for (int i = 0; i < 3; ++i) {
                d.in[i] = in[i];
                d.kernel[i] = k[i];
                d.stride[i] = s[i];
                d.pad_begin[i] = d.pad_end[i] = p[i];
            }
            const size_t nin = naive_pool_input_elements(&d);
            const std::vector<float> x = a == SIMDPOOL_AVG ? sum_fill(nin, seed++) : extremum_fill(nin, seed++, 0.03);
            check_against_scalar(d, GetParam(), isa_options(GetParam()), x, true);
        }
        if (::testing::Test::HasFatalFailure()) return;
    }
}

// Planes of 2^31 or more elements: positions no longer fit int32 lanes, and the kernels track int64 positions.
// A 1-D NHWC input of 2^31 + 8 pixels (one channel) lives in a lazily allocated mapping; only the windows'
// pages are touched.
TEST_P(SimdNhwc, IndicesBeyondInt32) {
    const int64_t W = (int64_t{1} << 31) + 8;
    const size_t bytes = (size_t)W * sizeof(float);
    void *mem = mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (mem == MAP_FAILED) GTEST_SKIP() << "cannot map " << bytes << " bytes of address space";
    float *x = static_cast<float *>(mem);
    for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
        simdpool_pool_desc d;
        simdpool_pool_desc_init(&d, a, 1);
        d.layout = SIMDPOOL_NHWC;
        d.n = 1;
        d.c = 1;
        d.in[0] = W;
        d.kernel[0] = 4;
        d.stride[0] = int64_t{1} << 30; // windows at 0, 2^30 and 2^31
        d.pad_begin[0] = d.pad_end[0] = 0;
        SCOPED_TRACE(describe(d) + " isa=" + simdpool_isa_name(GetParam()));
        const int64_t starts[3] = {0, int64_t{1} << 30, int64_t{1} << 31};
        for (int64_t s0 : starts) {
            x[s0] = 1.0f;
            x[s0 + 1] = a == SIMDPOOL_MAX ? 5.0f : -5.0f;
            x[s0 + 2] = std::nanf("");
            x[s0 + 3] = a == SIMDPOOL_MAX ? 5.0f : -5.0f;
        }
        x[starts[0] + 2] = 0.0f; // the first window has no NaN: its winner is the first 5 (tie kept)
        PlanPtr plan, scalar;
        ASSERT_EQ(make_pool_plan(d, isa_options(GetParam()), &plan), SIMDPOOL_OK) << simdpool_last_error();
        ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK);
        std::vector<float> y(3), y_ref(3);
        std::vector<int64_t> idx(3, -1), idx_ref(3, -1);
        ASSERT_EQ(simdpool_forward(plan.get(), x, y.data(), idx.data()), SIMDPOOL_OK);
        ASSERT_EQ(simdpool_forward(scalar.get(), x, y_ref.data(), idx_ref.data()), SIMDPOOL_OK);
        EXPECT_TRUE(arrays_identical(y, y_ref, "output"));
        EXPECT_TRUE(arrays_identical(idx, idx_ref, "index"));
        EXPECT_EQ(idx[0], starts[0] + 1);
        EXPECT_EQ(idx[1], starts[1] + 2);
        EXPECT_EQ(idx[2], starts[2] + 2);
    }
    munmap(mem, bytes);
}

// Outputs of 1 MiB and more go out with non-temporal stores where every full vector is aligned (a 64-byte
// aligned output, C a multiple of the vector width): the general path (1-D 4/4 windows, whose next windows are
// also prefetched), the carried-column fast paths (2x2/2, avg 3x3/1) with and without indices. The same plans
// on a misaligned output take cached stores. Both must equal the scalar plan bit for bit, NaN included.
TEST_P(SimdNhwc, LargeOutputsStreamPastTheCache) {
    const simdpool_isa isa = GetParam();
    struct Case {
        simdpool_pool_desc d;
        const char *what;
    };
    std::vector<Case> cases;
    {
        simdpool_pool_desc d;
        simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 1);
        d.layout = SIMDPOOL_NHWC;
        d.n = 1;
        d.c = 64;
        d.in[0] = 20003; // 5000 windows and 3 leftover input pixels
        d.kernel[0] = d.stride[0] = 4;
        cases.push_back({d, "1-D max 4/4"});
        d.algorithm = SIMDPOOL_AVG;
        cases.push_back({d, "1-D avg 4/4"});
    }
    cases.push_back({window_desc(SIMDPOOL_MAX, 48, 201, 180, 2, 2, 0, 1), "2x2/2 max, ceil_mode"});
    cases.push_back({window_desc(SIMDPOOL_AVG, 16, 130, 130, 3, 1, 1, 0), "3x3/1 avg"});
    for (const Case &c : cases) {
        SCOPED_TRACE(std::string(c.what) + ": " + describe(c.d));
        const size_t nin = naive_pool_input_elements(&c.d), nout = naive_pool_output_elements(&c.d);
        ASSERT_GE(nout * sizeof(float), size_t{1} << 20) << "the output must be large enough to stream";
        const bool maxmin = c.d.algorithm != SIMDPOOL_AVG;
        const std::vector<float> x = maxmin ? extremum_fill(nin, 5, 0.0001) : sum_fill(nin, 5);
        simdpool_options o = isa_options(SIMDPOOL_ISA_SCALAR);
        PlanPtr scalar, plan;
        ASSERT_EQ(make_pool_plan(c.d, o, &scalar), SIMDPOOL_OK) << simdpool_last_error();
        o.max_isa = isa;
        ASSERT_EQ(make_pool_plan(c.d, o, &plan), SIMDPOOL_OK) << simdpool_last_error();
        const Outputs want = run_plan(scalar.get(), x, nout, maxmin);
        // One extra vector, so that the output can start one float past a 64-byte boundary.
        std::unique_ptr<float, decltype(&std::free)> buffer(
            static_cast<float *>(std::aligned_alloc(64, (nout + 16) * sizeof(float))), &std::free);
        ASSERT_NE(buffer, nullptr);
        for (size_t misalign : {0, 1}) {
            SCOPED_TRACE(misalign ? "misaligned output" : "64-byte aligned output");
            float *y = buffer.get() + misalign;
            std::fill(y, y + nout, -12345.5f);
            std::vector<int64_t> idx(maxmin ? nout : 0, -7);
            ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y, maxmin ? idx.data() : nullptr), SIMDPOOL_OK);
            EXPECT_TRUE(arrays_identical(std::vector<float>(y, y + nout), want.y, "output"));
            if (maxmin) {
                EXPECT_TRUE(arrays_identical(idx, want.idx, "index"));
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Isa, SimdNhwc, ::testing::ValuesIn(x86_isas()), IsaParamName());

}  // namespace
