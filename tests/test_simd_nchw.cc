// The x86 SIMD NCHW forward kernels (kernels/avx2|avx512/*_nchw.c) against the scalar kernels and the naive
// reference, aimed at their fast paths and tails:
//   - output widths 1..72 (below, at and above 8 and 16 lanes, so full-range tails and partial blocks run),
//     for each fast-path window (2x2/2, 3x3/2, 3x3/1) and general windows (strides 1-4 and 9, dilation 2),
//     with and without padding, ceil_mode;
//   - NaN (distinct payloads), ties, +-0, -inf, -FLT_MAX and +inf inputs, including in tails;
//   - global pooling (one output per plane) on 1x1 .. 56x56 planes and plane counts around the 8/16-plane
//     blocks, uniform and non-uniform adaptive pooling, 1-D and 3-D shapes, the fused clamp.
// MAX/MIN outputs (every bit, NaN payloads included) and indices must equal the scalar kernel's and the naive
// reference's. AVG: the general sliding-window and adaptive paths keep the reference's summation order and are
// bit-identical to the scalar kernel; the fast paths (separable stride-1 "same" windows, unpadded 2x2/2 and
// adaptive halving, kernels/x86/avgpool_nchw_fast.h) sum in another order and multiply by the divisor's
// reciprocal, within (taps + 1) * 2^-24 * sum|x| / divisor of the exact average, so every AVG result is checked
// against the scalar kernel's within twice that (avg_close), and AVX2 and AVX-512 must agree bit for bit.
// Global AVG sums each plane in vector lanes and a tree: it is checked
// against a double-precision sum with the bound |got - exact| <= (n/8 + 16) * 2^-23 * sum|x| / divisor, the
// documented tolerance of that path (the reference's own float sum is within n * 2^-24 * sum|x|).
#include <gtest/gtest.h>

#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "naive_pool.h"
#include "simdpool/simdpool.h"
#include "test_util.h"

namespace {

using namespace sptest;

const std::vector<simdpool_isa> &simd_isas() {
    static const std::vector<simdpool_isa> isas = {SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512};
    return isas;
}

// Every bit equal, NaN payloads included.
::testing::AssertionResult bits_identical(const std::vector<float> &got, const std::vector<float> &want,
                                          const char *what) {
    if (got.size() != want.size()) return ::testing::AssertionFailure() << what << " sizes differ";
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < got.size(); i++)
        if (float_bits(got[i]) != float_bits(want[i]) && bad++ == 0) first = i;
    if (bad == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << bad << " of " << got.size() << " " << what << "s differ; first at ["
                                         << first << "]: got 0x" << std::hex << float_bits(got[first]) << " ("
                                         << got[first] << "), want 0x" << float_bits(want[first]) << std::dec << " ("
                                         << want[first] << ")";
}

struct RunResult {
    std::vector<float> y;
    std::vector<int64_t> idx;
    std::string kernel;
};

template <typename Desc>
simdpool_status create(const Desc &d, const simdpool_options &o, simdpool_plan **p);
template <>
simdpool_status create(const simdpool_pool_desc &d, const simdpool_options &o, simdpool_plan **p) {
    return simdpool_plan_create_pool(&d, &o, p);
}
template <>
simdpool_status create(const simdpool_adaptive_desc &d, const simdpool_options &o, simdpool_plan **p) {
    return simdpool_plan_create_adaptive(&d, &o, p);
}

// Runs a plan capped at `isa`; the plan must really run `isa`.
template <typename Desc>
RunResult run(const Desc &d, simdpool_isa isa, const std::vector<float> &x, bool with_idx, int threads = 1,
        bool clamp = false) {
    simdpool_options o = isa_options(isa, threads);
    if (clamp) {
        o.clamp_output = 1;
        o.clamp_min = -1.5f;
        o.clamp_max = 2.5f;
    }
    simdpool_plan *p = nullptr;
    RunResult r;
    simdpool_status st = create(d, o, &p);
    EXPECT_EQ(st, SIMDPOOL_OK) << simdpool_last_error();
    if (st != SIMDPOOL_OK) return r;
    PlanPtr plan(p);
    simdpool_isa got = SIMDPOOL_ISA_AUTO;
    EXPECT_EQ(simdpool_plan_isa(p, &got), SIMDPOOL_OK);
    EXPECT_EQ(got, isa);
    size_t nin = 0, nout = 0;
    EXPECT_EQ(simdpool_plan_tensor_sizes(p, &nin, &nout), SIMDPOOL_OK);
    EXPECT_EQ(nin, x.size());
    r.y.assign(nout, -777.25f);
    if (with_idx) r.idx.assign(nout, -5);
    EXPECT_EQ(simdpool_forward(p, x.data(), r.y.data(), with_idx ? r.idx.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    const char *name = nullptr;
    EXPECT_EQ(simdpool_plan_kernel_name(p, 0, &name), SIMDPOOL_OK);
    r.kernel = name ? name : "";
    return r;
}

// Integer values in [lo, hi] (many ties), with NaNs of distinct payloads, +-0, infinities and -FLT_MAX
// sprinkled in when `specials`.
std::vector<float> special_fill(size_t n, uint64_t seed, bool specials, int lo = -3, int hi = 3) {
    Rng r(seed);
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) {
        v[i] = (float)r.uniform_int(lo, hi);
        if (!specials) continue;
        const uint64_t c = r.next() % 100;
        if (c < 4) {
            const uint32_t bits = 0x7fc00000u | (uint32_t)(1 + r.next() % 0x3fffff) | (r.chance(0.5) ? 0x80000000u : 0);
            std::memcpy(&v[i], &bits, sizeof bits);
        } else if (c < 8) {
            v[i] = r.chance(0.5) ? 0.0f : -0.0f;
        } else if (c < 10) {
            v[i] = -INFINITY;
        } else if (c < 11) {
            v[i] = INFINITY;
        } else if (c < 13) {
            v[i] = -FLT_MAX;
        }
    }
    return v;
}

const char *family(simdpool_algorithm a) {
    return a == SIMDPOOL_MAX ? "maxpool" : a == SIMDPOOL_MIN ? "minpool" : "avgpool";
}

// The most taps a window can have.
int64_t max_window_taps(const simdpool_pool_desc &d) {
    int64_t t = 1;
    for (int i = 0; i < d.spatial_dims; i++) t *= d.kernel[i];
    return t;
}
int64_t max_window_taps(const simdpool_adaptive_desc &d) {
    int64_t t = 1;
    for (int i = 0; i < d.spatial_dims; i++) t *= d.in[i] / d.out[i] + 2;
    return t;
}

// AVG within tolerance of the scalar kernel: both are within (taps + 1) * 2^-24 * sum|x| / divisor of the exact
// average (scalar: (taps - 1) for the sum plus 1 for the division), so they differ by at most (2 * taps + 2)
// units; sum|x| / divisor is the scalar kernel run on |x|. NaN must stay NaN and infinities must be equal.
template <typename Desc>
::testing::AssertionResult avg_close(const Desc &d, const std::vector<float> &x, const std::vector<float> &got,
                                     const std::vector<float> &want) {
    if (got.size() != want.size()) return ::testing::AssertionFailure() << "output sizes differ";
    std::vector<float> ax(x.size());
    for (size_t i = 0; i < x.size(); i++) ax[i] = std::fabs(x[i]);
    const std::vector<float> abs_avg = run(d, SIMDPOOL_ISA_SCALAR, ax, false).y;
    const double units = (2.0 * (double)max_window_taps(d) + 2.0) * std::ldexp(1.0, -24);
    for (size_t i = 0; i < got.size(); i++) {
        bool ok;
        if (std::isnan(want[i])) ok = std::isnan(got[i]);
        else if (std::isinf(want[i])) ok = got[i] == want[i];
        else ok = std::fabs((double)got[i] - (double)want[i]) <= units * (double)abs_avg[i] + FLT_TRUE_MIN;
        if (!ok)
            return ::testing::AssertionFailure() << "output [" << i << "]: got " << got[i] << ", want " << want[i]
                                                 << " within " << units * (double)abs_avg[i];
    }
    return ::testing::AssertionSuccess();
}

// MAX/MIN: values (every bit) and indices equal scalar's and naive's, with and without indices; AVG: values
// within avg_close of scalar's. Also checks the plan runs this ISA's own NCHW kernel.
void check_pool(const simdpool_pool_desc &d, simdpool_isa isa, const std::vector<float> &x, bool clamp = false) {
    SCOPED_TRACE(describe(d) + " isa=" + simdpool_isa_name(isa) + (clamp ? " clamp" : ""));
    const bool maxmin = d.algorithm != SIMDPOOL_AVG;
    const RunResult s = run(d, SIMDPOOL_ISA_SCALAR, x, maxmin, 1, clamp);
    const RunResult v = run(d, isa, x, maxmin, 1, clamp);
    if (::testing::Test::HasFailure()) return;
    EXPECT_EQ(v.kernel, std::string(simdpool_isa_name(isa)) + "/" + family(d.algorithm) + "_fwd_nchw_f32");
    if (!maxmin) {
        EXPECT_TRUE(avg_close(d, x, v.y, s.y));
        return;
    }
    EXPECT_TRUE(bits_identical(v.y, s.y, "output"));
    EXPECT_TRUE(arrays_identical(v.idx, s.idx, "index"));
    const RunResult v2 = run(d, isa, x, false, 1, clamp);
    EXPECT_TRUE(bits_identical(v2.y, s.y, "output without indices"));
    if (!clamp) {
        std::vector<float> yn(s.y.size());
        std::vector<int64_t> in(s.y.size());
        naive_pool_forward(&d, x.data(), yn.data(), in.data());
        EXPECT_TRUE(bits_identical(v.y, yn, "output vs naive"));
        EXPECT_TRUE(arrays_identical(v.idx, in, "index vs naive"));
    }
}

simdpool_pool_desc desc2d(simdpool_algorithm a, int64_t c, int64_t h, int64_t w, int64_t k, int64_t s, int64_t dil,
                          int64_t pb, int64_t pe, int ceil_mode) {
    simdpool_pool_desc d;
    EXPECT_EQ(simdpool_pool_desc_init(&d, a, 2), SIMDPOOL_OK);
    d.n = 1;
    d.c = c;
    d.in[0] = h;
    d.in[1] = w;
    d.kernel[0] = d.kernel[1] = k;
    d.stride[0] = d.stride[1] = s;
    d.dilation[0] = d.dilation[1] = dil;
    d.pad_begin[0] = d.pad_begin[1] = pb;
    d.pad_end[0] = d.pad_end[1] = pe;
    d.ceil_mode = ceil_mode;
    return d;
}

bool valid(const simdpool_pool_desc &d) {
    for (int i = 0; i < d.spatial_dims; i++) {
        const int64_t eff = d.dilation[i] * (d.kernel[i] - 1) + 1;
        if (d.pad_begin[i] >= eff || d.pad_end[i] >= eff) return false;
        if (eff > d.in[i] + d.pad_begin[i] + d.pad_end[i]) return false;
    }
    if (d.algorithm != SIMDPOOL_AVG && naive_pool_has_empty_window(&d)) return false;
    return true;
}

class SimdNchw : public ::testing::TestWithParam<simdpool_isa> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam()); }
};

struct Window {
    int64_t k, s, dil;
};

// Output widths 1..72 for every window, padding and ceil_mode; the fast paths at every input width, the
// general windows at a stride of input widths.
TEST_P(SimdNchw, WidthSweep) {
    const std::vector<Window> fast = {{2, 2, 1}, {3, 2, 1}, {3, 1, 1}};
    const std::vector<Window> general = {{1, 1, 1}, {2, 1, 1}, {5, 1, 1}, {4, 2, 1}, {3, 3, 1},
                                         {3, 4, 1}, {2, 3, 2}, {3, 1, 2}, {2, 9, 1}, {4, 4, 1}};
    uint64_t seed = 1;
    for (int fast_path = 1; fast_path >= 0; fast_path--) {
        for (const Window &wd : fast_path ? fast : general) {
            const int64_t eff = wd.dil * (wd.k - 1) + 1;
            for (int64_t pad : {(int64_t)0, eff / 2, eff - 1}) {
                for (int ceil_mode = 0; ceil_mode <= 1; ceil_mode++) {
                    for (int64_t w = 1; w <= 75 * wd.s; w += fast_path ? 1 : 5) {
                        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG}) {
                            simdpool_pool_desc d = desc2d(a, 2, 5, w, wd.k, wd.s, wd.dil, pad, pad, ceil_mode);
                            if (a == SIMDPOOL_AVG) d.count_include_pad = (int)(seed & 1);
                            if (!valid(d)) continue;
                            int64_t out[3];
                            naive_pool_output_dims(&d, out);
                            if (out[1] > 72) continue;
                            const size_t n = naive_pool_input_elements(&d);
                            check_pool(d, GetParam(), special_fill(n, seed++, a != SIMDPOOL_AVG));
                            if (::testing::Test::HasFailure()) return;
                        }
                    }
                }
            }
        }
    }
}

// Asymmetric padding, pad only at one end, and the plan's full range empty (windows wider than the row).
TEST_P(SimdNchw, AsymmetricPaddingAndNoFullRange) {
    uint64_t seed = 100;
    for (int64_t w : {1, 2, 3, 7, 15, 16, 17, 31, 33, 64}) {
        for (const Window &wd : std::vector<Window>{{3, 2, 1}, {3, 1, 1}, {2, 2, 1}, {5, 3, 1}, {3, 2, 2}}) {
            const int64_t eff = wd.dil * (wd.k - 1) + 1;
            for (int64_t pb = 0; pb < eff; pb++) {
                for (int64_t pe : {(int64_t)0, eff - 1}) {
                    for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
                        simdpool_pool_desc d = desc2d(a, 3, 4, w, wd.k, wd.s, wd.dil, pb, pe, (int)(seed % 2));
                        if (!valid(d)) continue;
                        check_pool(d, GetParam(), special_fill(naive_pool_input_elements(&d), seed++, true));
                        if (::testing::Test::HasFailure()) return;
                    }
                }
            }
        }
    }
}

// Windows as wide as the row with one output column, and a window covering the whole row with padding.
TEST_P(SimdNchw, WideWindows) {
    uint64_t seed = 200;
    for (int64_t w : {5, 16, 17, 40}) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG}) {
            simdpool_pool_desc d = desc2d(a, 3, 3, w, 1, 1, 1, 0, 0, 0);
            d.kernel[1] = w;
            d.kernel[0] = 2;
            d.pad_begin[1] = 1;
            d.pad_end[1] = 2;
            if (valid(d)) check_pool(d, GetParam(), special_fill(naive_pool_input_elements(&d), seed++, a != SIMDPOOL_AVG));
        }
    }
}

// NaN, ties, +-0 and infinities in every position of a tail: a row of 21 outputs (16 + 5, 8 + 8 + 5) whose
// inputs are mostly equal, so ties decide almost every window.
TEST_P(SimdNchw, SpecialValuesInTails) {
    for (uint64_t seed = 300; seed < 340; seed++) {
        for (const Window &wd : std::vector<Window>{{2, 2, 1}, {3, 2, 1}, {3, 1, 1}, {3, 3, 1}}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                simdpool_pool_desc d = desc2d(a, 2, 7, 21 * wd.s, wd.k, wd.s, wd.dil, 1, 1, 1);
                if (!valid(d)) continue;
                std::vector<float> x = special_fill(naive_pool_input_elements(&d), seed, true, 0, 1);
                check_pool(d, GetParam(), x);
                if (::testing::Test::HasFailure()) return;
            }
        }
    }
}

// All -inf, all -FLT_MAX, all NaN and +-0 planes: the first in-input tap decides the index.
TEST_P(SimdNchw, UniformPlanes) {
    const uint32_t nan_bits = 0x7fc01234u;
    float nan;
    std::memcpy(&nan, &nan_bits, sizeof nan);
    for (float v : {-INFINITY, INFINITY, -FLT_MAX, FLT_MAX, 0.0f, -0.0f, nan}) {
        for (const Window &wd : std::vector<Window>{{2, 2, 1}, {3, 2, 1}, {3, 1, 1}, {3, 3, 1}, {2, 1, 2}}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                simdpool_pool_desc d = desc2d(a, 2, 6, 37, wd.k, wd.s, wd.dil, 1, 1, 0);
                if (!valid(d)) continue;
                std::vector<float> x(naive_pool_input_elements(&d), v);
                for (size_t i = 0; i < x.size(); i += 3) x[i] = -x[i]; // +-0, +-inf, +-FLT_MAX mixed
                check_pool(d, GetParam(), x);
                if (::testing::Test::HasFailure()) return;
            }
        }
    }
}

// The fused clamp, NaN preserved.
TEST_P(SimdNchw, FusedClamp) {
    uint64_t seed = 400;
    for (const Window &wd : std::vector<Window>{{2, 2, 1}, {3, 2, 1}, {3, 1, 1}, {4, 3, 1}}) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG}) {
            simdpool_pool_desc d = desc2d(a, 3, 9, 41, wd.k, wd.s, wd.dil, 1, 1, 1);
            if (!valid(d)) continue;
            check_pool(d, GetParam(), special_fill(naive_pool_input_elements(&d), seed++, a != SIMDPOOL_AVG), true);
        }
    }
}

// AVG on general floats, within avg_close of the scalar kernel.
TEST_P(SimdNchw, AvgFloatInputs) {
    uint64_t seed = 500;
    for (const Window &wd : std::vector<Window>{{2, 2, 1}, {3, 2, 1}, {3, 1, 1}, {5, 1, 1}, {3, 3, 1}, {2, 5, 1}}) {
        for (int cip = 0; cip <= 1; cip++) {
            for (int64_t w : {7, 16, 28, 33, 56}) {
                simdpool_pool_desc d = desc2d(SIMDPOOL_AVG, 3, 11, w, wd.k, wd.s, wd.dil, 1, 1, 1);
                d.count_include_pad = cip;
                if (seed % 3 == 0) d.divisor_override = 7;
                if (!valid(d)) continue;
                check_pool(d, GetParam(), float_fill(naive_pool_input_elements(&d), seed++));
            }
        }
    }
}

// 1-D and 3-D shapes, N > 1, and several threads (planes split at odd boundaries).
TEST_P(SimdNchw, OneAndThreeDimensions) {
    uint64_t seed = 600;
    for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG}) {
        for (int64_t w : {5, 16, 37}) {
            simdpool_pool_desc d;
            ASSERT_EQ(simdpool_pool_desc_init(&d, a, 1), SIMDPOOL_OK);
            d.n = 2;
            d.c = 3;
            d.in[0] = w;
            d.kernel[0] = 3;
            d.stride[0] = 2;
            d.pad_begin[0] = d.pad_end[0] = 1;
            check_pool(d, GetParam(), special_fill(naive_pool_input_elements(&d), seed++, a != SIMDPOOL_AVG));
            ASSERT_EQ(simdpool_pool_desc_init(&d, a, 3), SIMDPOOL_OK);
            d.n = 1;
            d.c = 2;
            d.in[0] = 4;
            d.in[1] = 5;
            d.in[2] = w;
            for (int i = 0; i < 3; i++) {
                d.kernel[i] = i == 0 ? 2 : 3;
                d.stride[i] = i == 2 ? 1 : 2;
                d.pad_begin[i] = d.pad_end[i] = 1;
            }
            d.dilation[0] = 2;
            if (valid(d))
                check_pool(d, GetParam(), special_fill(naive_pool_input_elements(&d), seed++, a != SIMDPOOL_AVG));
        }
    }
    // Threads: the plane range of each call starts and ends anywhere.
    simdpool_pool_desc d = desc2d(SIMDPOOL_MAX, 37, 30, 30, 3, 2, 1, 1, 1, 0);
    std::vector<float> x = special_fill(naive_pool_input_elements(&d), 9, true);
    const RunResult one = run(d, GetParam(), x, true, 1), two = run(d, GetParam(), x, true, 2);
    EXPECT_TRUE(bits_identical(two.y, one.y, "2-thread output"));
    EXPECT_TRUE(arrays_identical(two.idx, one.idx, "2-thread index"));
}

// ---------------------------------------------------------------------------------------------------------
// Global and adaptive pooling

simdpool_adaptive_desc adaptive2d(simdpool_algorithm a, int64_t n, int64_t c, int64_t h, int64_t w, int64_t oh,
                                  int64_t ow) {
    simdpool_adaptive_desc d;
    EXPECT_EQ(simdpool_adaptive_desc_init(&d, a, 2), SIMDPOOL_OK);
    d.n = n;
    d.c = c;
    d.in[0] = h;
    d.in[1] = w;
    d.out[0] = oh;
    d.out[1] = ow;
    return d;
}

void check_adaptive_exact(const simdpool_adaptive_desc &d, simdpool_isa isa, const std::vector<float> &x,
                          int threads = 1) {
    SCOPED_TRACE(describe(d) + " isa=" + simdpool_isa_name(isa) + " threads=" + std::to_string(threads));
    const bool is_max = d.algorithm == SIMDPOOL_MAX;
    const RunResult s = run(d, SIMDPOOL_ISA_SCALAR, x, is_max);
    const RunResult v = run(d, isa, x, is_max, threads);
    EXPECT_EQ(v.kernel, std::string(simdpool_isa_name(isa)) + "/" + family(d.algorithm) + "_fwd_nchw_f32");
    if (!is_max) {
        EXPECT_TRUE(avg_close(d, x, v.y, s.y));
        return;
    }
    EXPECT_TRUE(bits_identical(v.y, s.y, "output"));
    EXPECT_TRUE(arrays_identical(v.idx, s.idx, "index"));
    std::vector<float> yn(s.y.size());
    std::vector<int64_t> in(s.y.size());
    naive_adaptive_forward(&d, x.data(), yn.data(), in.data());
    EXPECT_TRUE(bits_identical(v.y, yn, "output vs naive"));
    EXPECT_TRUE(arrays_identical(v.idx, in, "index vs naive"));
    const RunResult v2 = run(d, isa, x, false, threads);
    EXPECT_TRUE(bits_identical(v2.y, s.y, "output without indices"));
}

// Global max: exact (values, NaN payloads, indices) for plane counts around the 8/16-plane blocks.
TEST_P(SimdNchw, GlobalMaxExact) {
    uint64_t seed = 700;
    const std::vector<std::pair<int64_t, int64_t>> planes = {{1, 1}, {7, 7}, {13, 13}, {3, 5}, {1, 100}, {56, 56}, {4, 4}};
    for (const auto &hw : planes) {
        for (int64_t c : {1, 3, 7, 8, 9, 15, 16, 17, 31, 33}) {
            simdpool_adaptive_desc d = adaptive2d(SIMDPOOL_MAX, 1, c, hw.first, hw.second, 1, 1);
            check_adaptive_exact(d, GetParam(), special_fill(naive_adaptive_input_elements(&d), seed++, true, -1, 1));
            if (::testing::Test::HasFailure()) return;
        }
    }
    // Every value equal (ties everywhere) and planes of -inf: the first position wins.
    for (float v : {-INFINITY, 0.0f, 5.0f}) {
        simdpool_adaptive_desc d = adaptive2d(SIMDPOOL_MAX, 2, 19, 7, 7, 1, 1);
        std::vector<float> x(naive_adaptive_input_elements(&d), v);
        check_adaptive_exact(d, GetParam(), x);
        check_adaptive_exact(d, GetParam(), x, 2);
    }
}

// Global min and max through sliding-window plans whose single window is the whole plane.
TEST_P(SimdNchw, GlobalThroughSlidingPlans) {
    uint64_t seed = 800;
    for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
        for (int64_t c : {1, 5, 16, 21}) {
            simdpool_pool_desc d = desc2d(a, c, 7, 9, 1, 1, 1, 0, 0, 0);
            d.kernel[0] = 7;
            d.kernel[1] = 9;
            check_pool(d, GetParam(), special_fill(naive_pool_input_elements(&d), seed++, true));
        }
    }
}

// Global average: the documented tolerance against a double-precision sum.
TEST_P(SimdNchw, GlobalAvgWithinTolerance) {
    uint64_t seed = 900;
    const std::vector<std::pair<int64_t, int64_t>> planes = {{1, 1}, {7, 7}, {13, 13}, {3, 5}, {1, 100}, {56, 56}};
    for (const auto &hw : planes) {
        for (int64_t c : {1, 7, 8, 9, 16, 17, 33}) {
            simdpool_adaptive_desc d = adaptive2d(SIMDPOOL_AVG, 2, c, hw.first, hw.second, 1, 1);
            SCOPED_TRACE(describe(d) + " isa=" + simdpool_isa_name(GetParam()));
            std::vector<float> x = float_fill(naive_adaptive_input_elements(&d), seed++, -4.0f, 5.0f);
            const RunResult v = run(d, GetParam(), x, false);
            const RunResult v2 = run(d, GetParam(), x, false, 2);
            EXPECT_EQ(v.kernel, std::string(simdpool_isa_name(GetParam())) + "/avgpool_fwd_nchw_f32");
            EXPECT_TRUE(bits_identical(v2.y, v.y, "2-thread output")); // per-plane order never depends on threads
            const int64_t n = hw.first * hw.second;
            for (size_t p = 0; p < v.y.size(); p++) {
                double sum = 0, abs_sum = 0;
                for (int64_t e = 0; e < n; e++) {
                    sum += x[p * (size_t)n + (size_t)e];
                    abs_sum += std::fabs(x[p * (size_t)n + (size_t)e]);
                }
                const double tol = ((double)n / 8 + 16) * std::ldexp(1.0, -23) * abs_sum / (double)n;
                ASSERT_LE(std::fabs((double)v.y[p] - sum / (double)n), tol) << "plane " << p;
            }
            // Integer values: every partial sum is exact, so the result equals the scalar kernel's.
            std::vector<float> xi = int_fill(x.size(), seed++);
            EXPECT_TRUE(bits_identical(run(d, GetParam(), xi, false).y, run(d, SIMDPOOL_ISA_SCALAR, xi, false).y,
                                       "integer-valued output"));
        }
    }
}

// Adaptive pooling: uniform windows (out divides in) run as sliding windows, others from the tables; both
// exact for MAX, AVG within avg_close.
TEST_P(SimdNchw, AdaptiveExact) {
    uint64_t seed = 1000;
    const std::vector<std::vector<int64_t>> shapes = {
        {14, 14, 7, 7}, {28, 56, 7, 8}, {13, 17, 5, 6}, {7, 40, 3, 19}, {9, 33, 4, 33}, {6, 70, 2, 23}, {5, 5, 7, 9}};
    for (const auto &s : shapes) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
            simdpool_adaptive_desc d = adaptive2d(a, 1, 3, s[0], s[1], s[2], s[3]);
            std::vector<float> x = a == SIMDPOOL_MAX ? special_fill(naive_adaptive_input_elements(&d), seed++, true)
                                                     : float_fill(naive_adaptive_input_elements(&d), seed++);
            check_adaptive_exact(d, GetParam(), x);
            if (::testing::Test::HasFailure()) return;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// AVG fast paths (kernels/x86/avgpool_nchw_fast.h)

// special_fill without the -FLT_MAX values: where a partial sum overflows, the order decides between an
// infinity and NaN (inf + -FLT_MAX + -FLT_MAX), which the fast paths do not promise to match.
std::vector<float> avg_special_fill(size_t n, uint64_t seed) {
    std::vector<float> v = special_fill(n, seed, true);
    for (float &e : v)
        if (e == -FLT_MAX) e = 1.0f;
    return v;
}

// Stride-1 windows of "same" width (the separable path): the 3x3 p1 specialisation and general windows, widths
// below, at and above the vector width (blocks spanning rows), top/bottom padding that differs from the width
// padding, both count_include_pad modes, divisor_override, NaN/inf/-0 inputs and the clamp.
TEST_P(SimdNchw, AvgSeparableSameWidth) {
    struct SepCase {
        int64_t kh, kw, dil, ph_begin, ph_end, pw_begin;
    };
    const std::vector<SepCase> cases = {{3, 3, 1, 1, 1, 1}, {5, 5, 1, 2, 2, 2}, {3, 3, 2, 2, 2, 2},
                                        {3, 5, 1, 0, 0, 2}, {1, 3, 1, 0, 0, 1}, {3, 1, 1, 1, 1, 0},
                                        {3, 3, 1, 0, 2, 1}, {4, 4, 1, 1, 2, 2}, {2, 2, 1, 0, 1, 0}};
    uint64_t seed = 1100;
    for (const SepCase &c : cases) {
        for (int64_t w : {1, 2, 3, 5, 7, 8, 9, 15, 16, 17, 28, 33}) {
            for (int64_t h : {1, 3, 6, 28}) {
                simdpool_pool_desc d = desc2d(SIMDPOOL_AVG, 3, h, w, 1, 1, 1, 0, 0, 0);
                d.kernel[0] = c.kh;
                d.kernel[1] = c.kw;
                d.dilation[0] = d.dilation[1] = c.dil;
                d.pad_begin[0] = c.ph_begin;
                d.pad_end[0] = c.ph_end;
                d.pad_begin[1] = c.pw_begin;
                d.pad_end[1] = (c.kw - 1) * c.dil - c.pw_begin; // out_w == w
                d.count_include_pad = (int)(seed % 2);
                if (seed % 5 == 0) d.divisor_override = 7;
                seed++;
                if (!valid(d)) continue;
                const size_t n = naive_pool_input_elements(&d);
                check_pool(d, GetParam(), float_fill(n, seed));
                check_pool(d, GetParam(), avg_special_fill(n, seed), seed % 3 == 0);
                if (::testing::Test::HasFailure()) return;
            }
        }
    }
}

// Unpadded 2x2/2 windows and adaptive pooling to half size (the pairs path): rows narrower and wider than the
// vector, odd input sizes (floor mode drops the last column/row), ceil mode (a partial last window: the
// exact path), divisor_override and the clamp.
TEST_P(SimdNchw, AvgPairs) {
    uint64_t seed = 1200;
    for (int64_t w = 2; w <= 72; w += (w < 40 ? 1 : 7)) {
        for (int64_t h : {2, 3, 8}) {
            for (int ceil_mode = 0; ceil_mode <= 1; ceil_mode++) {
                simdpool_pool_desc d = desc2d(SIMDPOOL_AVG, 2, h, w, 2, 2, 1, 0, 0, ceil_mode);
                if (seed % 4 == 0) d.divisor_override = 3;
                seed++;
                const size_t n = naive_pool_input_elements(&d);
                check_pool(d, GetParam(), float_fill(n, seed));
                check_pool(d, GetParam(), avg_special_fill(n, seed), seed % 3 == 0);
                if (::testing::Test::HasFailure()) return;
            }
        }
        if (w % 2 == 0) {
            simdpool_adaptive_desc a = adaptive2d(SIMDPOOL_AVG, 2, 3, w, w, w / 2, w / 2);
            check_adaptive_exact(a, GetParam(), float_fill(naive_adaptive_input_elements(&a), seed++));
            check_adaptive_exact(a, GetParam(), avg_special_fill(naive_adaptive_input_elements(&a), seed++));
            if (::testing::Test::HasFailure()) return;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// MAX/MIN without indices, vertical first (kernels/x86/nchw_extremum_fast.h). The fast path is exact only for
// rows without a NaN tap or a zero output; other rows are recomputed by the exact kernel. The integer fills
// above put a zero or NaN in nearly every row, so these tests use distinct non-zero magnitudes (each row
// fast) with rare specials (a few rows recomputed, next to fast ones in the same plane and call).

// Magnitudes in [1, 2) with random signs; with probability `special_rate` per element a NaN (distinct
// payloads, either sign), +-0 or an infinity instead.
std::vector<float> sparse_special_fill(size_t n, uint64_t seed, double special_rate) {
    Rng r(seed);
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) {
        v[i] = r.chance(0.5) ? -r.uniform(1.0f, 2.0f) : r.uniform(1.0f, 2.0f);
        if (!r.chance(special_rate)) continue;
        const uint64_t c = r.next() % 4;
        if (c == 0) {
            const uint32_t bits = 0x7fc00000u | (uint32_t)(1 + r.next() % 0x3fffff) | (r.chance(0.5) ? 0x80000000u : 0);
            std::memcpy(&v[i], &bits, sizeof bits);
        } else if (c == 1) {
            v[i] = r.chance(0.5) ? 0.0f : -0.0f;
        } else {
            v[i] = c == 2 ? -INFINITY : INFINITY;
        }
    }
    return v;
}

class SimdNchwMaxFast : public ::testing::TestWithParam<simdpool_isa> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam()); }
};

// The 2-D windows the fast path takes (stride 1 and 2, any width and dilation, kernel 4 / stride 4) and one
// it declines (stride 3), output widths 1..70 (8- and 16-lane rows, overlapping tails), padding (masked
// columns at both ends), ceil_mode, the fused clamp, and rows with and without specials.
TEST_P(SimdNchwMaxFast, WindowsAndWidths) {
    const std::vector<Window> windows = {{2, 2, 1}, {3, 2, 1}, {3, 1, 1}, {5, 2, 1}, {3, 2, 2},
                                         {2, 1, 1}, {4, 4, 1}, {5, 1, 2}, {3, 3, 1}};
    uint64_t seed = 2000;
    for (const Window &wd : windows) {
        const int64_t eff = wd.dil * (wd.k - 1) + 1;
        for (int64_t pad : {(int64_t)0, eff / 2}) {
            for (int64_t w = 1; w <= 70 * wd.s + eff; w += wd.s == 1 ? 3 : 5) {
                for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                    simdpool_pool_desc d = desc2d(a, 2, 7, w, wd.k, wd.s, wd.dil, pad, pad, (int)(seed % 2));
                    if (!valid(d)) continue;
                    const size_t n = naive_pool_input_elements(&d);
                    const double rate = seed % 3 == 0 ? 0.0 : 0.004;
                    check_pool(d, GetParam(), sparse_special_fill(n, seed, rate), seed % 5 == 0);
                    seed++;
                    if (::testing::Test::HasFailure()) return;
                }
            }
        }
    }
}

// Rows longer than one row-buffer chunk (1-D, every fast stride), and 1-D kernel 4 / stride 4 with tails.
TEST_P(SimdNchwMaxFast, LongRowsInChunks) {
    uint64_t seed = 3000;
    for (const Window &wd : std::vector<Window>{{3, 1, 1}, {3, 2, 1}, {4, 4, 1}, {2, 2, 1}, {7, 2, 3}}) {
        for (int64_t w : {(int64_t)33, (int64_t)250, (int64_t)4099 * wd.s + 5, (int64_t)9001}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                simdpool_pool_desc d;
                ASSERT_EQ(simdpool_pool_desc_init(&d, a, 1), SIMDPOOL_OK);
                d.n = 2;
                d.c = 2;
                d.in[0] = w;
                d.kernel[0] = wd.k;
                d.stride[0] = wd.s;
                d.dilation[0] = wd.dil;
                d.pad_begin[0] = d.pad_end[0] = seed % 2;
                if (!valid(d)) continue;
                const double rate = seed % 2 ? 0.0 : 0.0002;
                check_pool(d, GetParam(), sparse_special_fill(naive_pool_input_elements(&d), seed++, rate));
                if (::testing::Test::HasFailure()) return;
            }
        }
    }
}

// 3-D windows: kernel depth 1 (I3D's 1x3x3 / 1x2x2 stride, padded), 2x2x2 (four tap rows) and 3x3x3 (nine),
// with D and H padding clipping the tap rows of border output rows.
TEST_P(SimdNchwMaxFast, ThreeDimensionalWindows) {
    uint64_t seed = 4000;
    const std::vector<std::vector<int64_t>> shapes = {// k_d, k_hw, s_d, s_hw, p_d, p_hw
                                                      {1, 3, 1, 2, 0, 1},
                                                      {2, 2, 2, 2, 0, 0},
                                                      {3, 3, 1, 1, 1, 1},
                                                      {3, 3, 2, 2, 1, 0}};
    for (const auto &sh : shapes) {
        for (int64_t w : {9, 28, 56}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                simdpool_pool_desc d;
                ASSERT_EQ(simdpool_pool_desc_init(&d, a, 3), SIMDPOOL_OK);
                d.n = 1;
                d.c = 3;
                d.in[0] = 5;
                d.in[1] = 6;
                d.in[2] = w;
                d.kernel[0] = sh[0];
                d.kernel[1] = d.kernel[2] = sh[1];
                d.stride[0] = sh[2];
                d.stride[1] = d.stride[2] = sh[3];
                d.pad_begin[0] = d.pad_end[0] = sh[4];
                d.pad_begin[1] = d.pad_end[1] = d.pad_begin[2] = d.pad_end[2] = sh[5];
                if (!valid(d)) continue;
                const double rate = seed % 2 ? 0.0 : 0.003;
                check_pool(d, GetParam(), sparse_special_fill(naive_pool_input_elements(&d), seed++, rate));
                if (::testing::Test::HasFailure()) return;
            }
        }
    }
}

// Uniform adaptive windows run as sliding ones, so they take the fast path too (kernel 4 / stride 4 and
// 2 / 2 here, and stride 1).
TEST_P(SimdNchwMaxFast, UniformAdaptive) {
    uint64_t seed = 5000;
    for (const auto &s : std::vector<std::vector<int64_t>>{{16, 64, 4, 16}, {16, 64, 8, 32}, {9, 40, 3, 40}}) {
        simdpool_adaptive_desc d = adaptive2d(SIMDPOOL_MAX, 1, 3, s[0], s[1], s[2], s[3]);
        check_adaptive_exact(d, GetParam(), sparse_special_fill(naive_adaptive_input_elements(&d), seed++, 0.0));
        check_adaptive_exact(d, GetParam(), sparse_special_fill(naive_adaptive_input_elements(&d), seed++, 0.01));
        if (::testing::Test::HasFailure()) return;
    }
}

// Planes of one value where the fast path's order would show: all +-0 mixed (ties of different bits), all
// NaN of distinct payloads, and NaN / zero in just the first or the last row and column.
TEST_P(SimdNchwMaxFast, OrderSensitiveValues) {
    uint64_t seed = 6000;
    for (const Window &wd : std::vector<Window>{{3, 2, 1}, {2, 2, 1}, {3, 1, 1}, {4, 4, 1}}) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
            simdpool_pool_desc d = desc2d(a, 2, 9, 37 * wd.s, wd.k, wd.s, wd.dil, wd.k / 2, wd.k / 2, 0);
            if (!valid(d)) continue;
            const size_t n = naive_pool_input_elements(&d);
            Rng r(seed++);
            std::vector<float> zeros(n), nans(n);
            for (size_t i = 0; i < n; i++) {
                zeros[i] = r.chance(0.5) ? 0.0f : -0.0f;
                const uint32_t bits = 0x7fc00000u | (uint32_t)(1 + i % 0x3fffff);
                std::memcpy(&nans[i], &bits, sizeof bits);
            }
            check_pool(d, GetParam(), zeros);
            check_pool(d, GetParam(), nans);
            for (size_t at : {(size_t)0, n / 2 - 1, n / 2, n - 1}) {
                std::vector<float> x = sparse_special_fill(n, seed++, 0.0);
                x[at] = std::nanf("");
                check_pool(d, GetParam(), x);
                x[at] = -0.0f;
                check_pool(d, GetParam(), x);
            }
            if (::testing::Test::HasFailure()) return;
        }
    }
}

// The streaming rows of 2x2/2 and 3x3/2 (no row buffer): every output width 1..80 (block runs of 8 and 16 lanes,
// overlapping and masked tails, the right-border blocks that take the last column from a shifted vector),
// padding on the left (1 or 2 columns shifted into the first block), the right or both, ceil_mode, the fused
// clamp, 1..3 tap rows (H padding), and rows with NaN / +-0 sprinkled (recomputed exactly) or none.
TEST_P(SimdNchwMaxFast, StreamingStride2) {
    uint64_t seed = 7000;
    for (int64_t k : {2, 3}) {
        for (const auto &pad : std::vector<std::pair<int64_t, int64_t>>{{0, 0}, {1, 0}, {0, 1}, {1, 1}, {2, 1}}) {
            for (int64_t out_w = 1; out_w <= 80; ++out_w) {
                for (int64_t extra : {0, 1}) {
                    const int64_t w = 2 * (out_w - 1) + k - pad.first - pad.second + extra;
                    const simdpool_algorithm a = seed % 2 ? SIMDPOOL_MIN : SIMDPOOL_MAX;
                    simdpool_pool_desc d = desc2d(a, 2, 6, w, k, 2, 1, pad.first, pad.second, (int)(seed % 3 == 0));
                    if (!valid(d)) continue;
                    const double rate = seed % 4 == 0 ? 0.0 : seed % 4 == 1 ? 0.02 : 0.003;
                    check_pool(d, GetParam(), sparse_special_fill(naive_pool_input_elements(&d), seed, rate),
                               seed % 7 == 0);
                    seed++;
                    if (::testing::Test::HasFailure()) return;
                }
            }
        }
    }
}

// 3x3/2 planes stream two output rows per pass where their tap rows overlap in one (stream_plane's row pairs):
// plane heights that leave a single row at either end (H padding clips its tap rows) or pair every row, and a
// NaN, -0 or +0 placed in each input row in turn (the pair's first, shared and last tap row, in the left-padded
// block, the interior and the right tail), so every pair is recomputed once from each of its rows; also 3-D
// planes of one D tap (I3D's 1x3x3 / 1x2x2), whose output depths stream the same way.
TEST_P(SimdNchwMaxFast, StreamingRowPairs) {
    uint64_t seed = 8000;
    for (int64_t h : {3, 5, 6, 7, 10}) {
        for (int64_t w : {7, 23, 55, 56}) {
            for (int64_t pad : {0, 1}) {
                const simdpool_algorithm a = seed % 2 ? SIMDPOOL_MIN : SIMDPOOL_MAX;
                simdpool_pool_desc d = desc2d(a, 2, h, w, 3, 2, 1, pad, pad, (int)(seed % 3 == 0));
                if (!valid(d)) continue;
                const size_t n = naive_pool_input_elements(&d);
                check_pool(d, GetParam(), sparse_special_fill(n, seed, 0.0), seed % 5 == 0);
                seed++;
                for (int64_t row = 0; row < h; ++row) {
                    const float specials[3] = {std::nanf(""), -0.0f, 0.0f};
                    std::vector<float> x = sparse_special_fill(n, seed++, 0.0);
                    const int64_t col = (int64_t)(seed % 3 == 0 ? 0 : seed % 3 == 1 ? w - 1 : seed % (uint64_t)w);
                    x[(size_t)(row * w + col)] = specials[seed % 3];
                    check_pool(d, GetParam(), x);
                    if (::testing::Test::HasFailure()) return;
                }
            }
        }
    }
    for (int64_t depth : {1, 4}) {
        for (int64_t w : {14, 56}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN}) {
                simdpool_pool_desc d;
                ASSERT_EQ(simdpool_pool_desc_init(&d, a, 3), SIMDPOOL_OK);
                d.n = 1;
                d.c = 3;
                d.in[0] = depth;
                d.in[1] = 9;
                d.in[2] = w;
                d.kernel[0] = 1;
                d.kernel[1] = d.kernel[2] = 3;
                d.stride[0] = 1;
                d.stride[1] = d.stride[2] = 2;
                d.pad_begin[1] = d.pad_end[1] = d.pad_begin[2] = d.pad_end[2] = 1;
                for (double rate : {0.0, 0.002, 0.02})
                    check_pool(d, GetParam(), sparse_special_fill(naive_pool_input_elements(&d), seed++, rate));
                if (::testing::Test::HasFailure()) return;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Isa, SimdNchwMaxFast, ::testing::ValuesIn(simd_isas()), IsaParamName());

INSTANTIATE_TEST_SUITE_P(Isa, SimdNchw, ::testing::ValuesIn(simd_isas()), IsaParamName());

// Every AVG path computes each output by the same formula whatever the vector width, so AVX2 and AVX-512 agree
// bit for bit (up to which NaN a sum of NaNs returns).
TEST(SimdNchwAvg, Avx2AndAvx512Agree) {
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX512);
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX2);
    uint64_t seed = 1300;
    const std::vector<Window> windows = {{3, 1, 1}, {5, 1, 1}, {2, 2, 1}, {3, 2, 1}, {3, 1, 2}, {4, 3, 1}};
    for (const Window &wd : windows) {
        for (int64_t w : {3, 7, 14, 16, 28, 41, 56}) {
            for (int64_t pad : {(int64_t)0, (wd.dil * (wd.k - 1)) / 2}) {
                simdpool_pool_desc d = desc2d(SIMDPOOL_AVG, 5, 9, w, wd.k, wd.s, wd.dil, pad, pad, 0);
                d.count_include_pad = (int)(seed % 2);
                if (!valid(d)) continue;
                SCOPED_TRACE(describe(d));
                const std::vector<float> x = float_fill(naive_pool_input_elements(&d), seed++);
                EXPECT_TRUE(arrays_identical(run(d, SIMDPOOL_ISA_AVX512, x, false).y,
                                             run(d, SIMDPOOL_ISA_AVX2, x, false).y, "output"));
            }
        }
    }
    for (int64_t s : {2, 4, 7, 14, 28}) {
        simdpool_adaptive_desc a = adaptive2d(SIMDPOOL_AVG, 1, 9, 2 * s, 2 * s, s, s);
        SCOPED_TRACE(describe(a));
        const std::vector<float> x = float_fill(naive_adaptive_input_elements(&a), seed++);
        EXPECT_TRUE(arrays_identical(run(a, SIMDPOOL_ISA_AVX512, x, false).y, run(a, SIMDPOOL_ISA_AVX2, x, false).y,
                                     "output"));
    }
}

}  // namespace
