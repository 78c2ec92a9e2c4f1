// Shared helpers for simdpool's GoogleTest files: plan ownership, deterministic fills, element-wise
// comparisons that name the first mismatch, and per-ISA plan creation that skips (never silently passes)
// when the CPU cannot run an ISA.
#ifndef SIMDPOOL_TESTS_TEST_UTIL_H
#define SIMDPOOL_TESTS_TEST_UTIL_H

#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <limits>
#include <cstdint>
#include <cstring>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "simdpool/simdpool.h"

namespace sptest {

// ---------------------------------------------------------------------------------------------------------
// Plan ownership

struct PlanDeleter {
    void operator()(simdpool_plan *p) const { simdpool_plan_destroy(p); }
};
using PlanPtr = std::unique_ptr<simdpool_plan, PlanDeleter>;

// ---------------------------------------------------------------------------------------------------------
// Deterministic pseudo-random numbers (SplitMix64: same sequence on every platform and standard library,
// unlike std:: distributions).

class Rng {
  public:
    explicit Rng(uint64_t seed = 0x5eed) : state_(seed) {}
    uint64_t next() {
        uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        return z ^ (z >> 31);
    }
    // Uniform integer in [lo, hi] (inclusive).
    int64_t uniform_int(int64_t lo, int64_t hi) { return lo + (int64_t)(next() % (uint64_t)(hi - lo + 1)); }
    // Uniform float in [lo, hi).
    float uniform(float lo, float hi) { return lo + (hi - lo) * (float)((next() >> 40) * (1.0 / 16777216.0)); }
    bool chance(double p) { return (double)(next() >> 11) * (1.0 / 9007199254740992.0) < p; }
    template <typename T>
    const T &pick(const std::vector<T> &v) {
        return v[(size_t)(next() % v.size())];
    }

  private:
    uint64_t state_;
};

// Integer-valued floats in [lo, hi]: max/min are exact and small sums are exact in any order.
inline std::vector<float> int_fill(size_t n, uint64_t seed, int lo = -8, int hi = 8) {
    Rng r(seed);
    std::vector<float> v(n);
    for (auto &e : v) e = (float)r.uniform_int(lo, hi);
    return v;
}

// General floats, uniform in [lo, hi).
inline std::vector<float> float_fill(size_t n, uint64_t seed, float lo = -2.0f, float hi = 2.0f) {
    Rng r(seed);
    std::vector<float> v(n);
    for (auto &e : v) e = r.uniform(lo, hi);
    return v;
}

// Floats whose magnitude is in [min_abs, max_abs) with a random sign (keeps |x| away from 0, e.g. for LP).
inline std::vector<float> signed_fill_away_from_zero(size_t n, uint64_t seed, float min_abs = 0.25f,
                                                     float max_abs = 2.0f) {
    Rng r(seed);
    std::vector<float> v(n);
    for (auto &e : v) {
        float m = r.uniform(min_abs, max_abs);
        e = (r.next() & 1) ? m : -m;
    }
    return v;
}

// Distinct values spaced by `spacing`, in random order, centred on 0 (argmax cannot flip under small
// perturbations).
inline std::vector<float> distinct_fill(size_t n, uint64_t seed, float spacing = 1.0f) {
    Rng r(seed);
    std::vector<float> v(n);
    for (size_t i = 0; i < n; i++) v[i] = ((float)i - (float)(n / 2)) * spacing;
    for (size_t i = n; i > 1; i--) std::swap(v[i - 1], v[(size_t)(r.next() % i)]);
    return v;
}

// Replaces about `fraction` of the elements with NaN.
inline void sprinkle_nan(std::vector<float> &v, uint64_t seed, double fraction) {
    Rng r(seed);
    for (auto &e : v)
        if (r.chance(fraction)) e = std::nanf("");
}

// ---------------------------------------------------------------------------------------------------------
// Comparisons. Each returns an AssertionResult naming the first mismatch (and how many there are), so a
// failure inside a sweep says where to look.

inline uint32_t float_bits(float f) {
    uint32_t u;
    std::memcpy(&u, &f, sizeof u);
    return u;
}

// Bit-identical, except that any NaN equals any NaN.
inline ::testing::AssertionResult arrays_identical(const float *got, const float *want, size_t n,
                                                  const char *what = "value") {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++) {
        bool same = (std::isnan(got[i]) && std::isnan(want[i])) || float_bits(got[i]) == float_bits(want[i]);
        if (!same && bad++ == 0) first = i;
    }
    if (bad == 0) return ::testing::AssertionSuccess();
    std::ostringstream s;
    s.precision(9);
    s << bad << " of " << n << " " << what << "s differ; first at [" << first << "]: got " << got[first]
      << " (0x" << std::hex << float_bits(got[first]) << std::dec << "), want " << want[first] << " (0x" << std::hex
      << float_bits(want[first]) << std::dec << ")";
    return ::testing::AssertionFailure() << s.str();
}

inline ::testing::AssertionResult arrays_identical(const std::vector<float> &got, const std::vector<float> &want,
                                                  const char *what = "value") {
    if (got.size() != want.size())
        return ::testing::AssertionFailure() << what << " sizes differ: " << got.size() << " vs " << want.size();
    return arrays_identical(got.data(), want.data(), got.size(), what);
}

inline ::testing::AssertionResult arrays_identical(const int64_t *got, const int64_t *want, size_t n,
                                                  const char *what = "index") {
    size_t bad = 0, first = 0;
    for (size_t i = 0; i < n; i++)
        if (got[i] != want[i] && bad++ == 0) first = i;
    if (bad == 0) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << bad << " of " << n << " " << what << "es differ; first at [" << first
                                         << "]: got " << got[first] << ", want " << want[first];
}

inline ::testing::AssertionResult arrays_identical(const std::vector<int64_t> &got, const std::vector<int64_t> &want,
                                                  const char *what = "index") {
    if (got.size() != want.size())
        return ::testing::AssertionFailure() << what << " sizes differ: " << got.size() << " vs " << want.size();
    return arrays_identical(got.data(), want.data(), got.size(), what);
}

// |got - want| <= rel * |want| + abs for every element; NaN only matches NaN, inf only the same inf.
inline ::testing::AssertionResult arrays_near(const float *got, const float *want, size_t n, double rel, double abs,
                                             const char *what = "value") {
    size_t bad = 0, first = 0;
    double worst = 0.0;
    for (size_t i = 0; i < n; i++) {
        double g = got[i], w = want[i];
        bool ok;
        if (std::isnan(g) || std::isnan(w)) {
            ok = std::isnan(g) && std::isnan(w);
        } else if (std::isinf(g) || std::isinf(w)) {
            ok = g == w;
        } else {
            double err = std::fabs(g - w);
            ok = err <= rel * std::fabs(w) + abs;
            if (!ok) worst = std::max(worst, err);
        }
        if (!ok && bad++ == 0) first = i;
    }
    if (bad == 0) return ::testing::AssertionSuccess();
    std::ostringstream s;
    s.precision(9);
    s << bad << " of " << n << " " << what << "s outside rel " << rel << " / abs " << abs << "; first at [" << first
      << "]: got " << got[first] << ", want " << want[first] << " (largest error " << worst << ")";
    return ::testing::AssertionFailure() << s.str();
}

inline ::testing::AssertionResult arrays_near(const std::vector<float> &got, const std::vector<float> &want,
                                             double rel, double abs, const char *what = "value") {
    if (got.size() != want.size())
        return ::testing::AssertionFailure() << what << " sizes differ: " << got.size() << " vs " << want.size();
    return arrays_near(got.data(), want.data(), got.size(), rel, abs, what);
}

// ---------------------------------------------------------------------------------------------------------
// ISAs

inline const std::vector<simdpool_isa> &all_isas() {
    static const std::vector<simdpool_isa> isas = {SIMDPOOL_ISA_SCALAR, SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512,
                                                   SIMDPOOL_ISA_NEON};
    return isas;
}

// For INSTANTIATE_TEST_SUITE_P(..., ::testing::ValuesIn(sptest::all_isas()), sptest::IsaParamName()).
struct IsaParamName {
    template <typename ParamInfo>
    std::string operator()(const ParamInfo &info) const {
        return simdpool_isa_name(info.param);
    }
};

inline std::string isa_unavailable_message(simdpool_isa isa) {
    return std::string("ISA ") + simdpool_isa_name(isa) + " not available on this CPU";
}

// Skips the current test (from the test body) when `isa` cannot run here. AUTO is always available.
#define SPTEST_SKIP_IF_ISA_UNAVAILABLE(isa)                                                                   \
    do {                                                                                                      \
        if ((isa) != SIMDPOOL_ISA_AUTO && !simdpool_isa_available(isa))                                       \
            GTEST_SKIP() << ::sptest::isa_unavailable_message(isa);                                           \
    } while (0)

// Options capped to `isa` (AUTO: no cap), single-threaded unless told otherwise.
inline simdpool_options isa_options(simdpool_isa isa, int num_threads = 1) {
    simdpool_options o;
    simdpool_options_init(&o);
    o.max_isa = isa;
    o.num_threads = num_threads;
    return o;
}

// Makes a pool plan capped to `isa`; on success checks that the plan really runs `isa` (so a test meant for
// AVX-512 cannot quietly exercise AVX2). Returns the status; *out holds the plan on success.
inline simdpool_status make_pool_plan(const simdpool_pool_desc &d, const simdpool_options &opt, PlanPtr *out) {
    simdpool_plan *p = nullptr;
    simdpool_status st = simdpool_plan_create_pool(&d, &opt, &p);
    out->reset(p);
    if (st == SIMDPOOL_OK && opt.max_isa != SIMDPOOL_ISA_AUTO) {
        simdpool_isa got = SIMDPOOL_ISA_AUTO;
        EXPECT_EQ(simdpool_plan_isa(p, &got), SIMDPOOL_OK);
        EXPECT_EQ(got, opt.max_isa) << "plan capped to " << simdpool_isa_name(opt.max_isa) << " runs "
                                    << simdpool_isa_name(got);
    }
    return st;
}

inline simdpool_status make_adaptive_plan(const simdpool_adaptive_desc &d, const simdpool_options &opt,
                                          PlanPtr *out) {
    simdpool_plan *p = nullptr;
    simdpool_status st = simdpool_plan_create_adaptive(&d, &opt, &p);
    out->reset(p);
    if (st == SIMDPOOL_OK && opt.max_isa != SIMDPOOL_ISA_AUTO) {
        simdpool_isa got = SIMDPOOL_ISA_AUTO;
        EXPECT_EQ(simdpool_plan_isa(p, &got), SIMDPOOL_OK);
        EXPECT_EQ(got, opt.max_isa) << "plan capped to " << simdpool_isa_name(opt.max_isa) << " runs "
                                    << simdpool_isa_name(got);
    }
    return st;
}

// In a test body: skips the test if `isa` cannot run here, else makes a pool plan capped to it into
// `plan_ptr` (a PlanPtr) and fails the test (returning) if that is refused.
#define SPTEST_MAKE_POOL_PLAN_OR_SKIP(desc, isa, plan_ptr)                                                    \
    do {                                                                                                      \
        SPTEST_SKIP_IF_ISA_UNAVAILABLE(isa);                                                                  \
        simdpool_status sptest_st_ = ::sptest::make_pool_plan((desc), ::sptest::isa_options(isa), &(plan_ptr)); \
        ASSERT_EQ(sptest_st_, SIMDPOOL_OK) << simdpool_status_string(sptest_st_) << ": " << simdpool_last_error(); \
    } while (0)

// ASSERT-style status checks for use in test bodies: fail the test with the library's explanation.
#define SPTEST_ASSERT_OK(expr)                                                                                \
    do {                                                                                                      \
        simdpool_status sptest_st_ = (expr);                                                                  \
        ASSERT_EQ(sptest_st_, SIMDPOOL_OK) << #expr << ": " << simdpool_status_string(sptest_st_) << ": "     \
                                           << simdpool_last_error();                                          \
    } while (0)

#define SPTEST_EXPECT_OK(expr)                                                                                \
    do {                                                                                                      \
        simdpool_status sptest_st_ = (expr);                                                                  \
        EXPECT_EQ(sptest_st_, SIMDPOOL_OK) << #expr << ": " << simdpool_status_string(sptest_st_) << ": "     \
                                           << simdpool_last_error();                                          \
    } while (0)

// ---------------------------------------------------------------------------------------------------------
// Descriptions, for SCOPED_TRACE and failure messages.

inline const char *algorithm_name(simdpool_algorithm a) {
    switch (a) {
    case SIMDPOOL_MAX: return "max";
    case SIMDPOOL_AVG: return "avg";
    case SIMDPOOL_MIN: return "min";
    case SIMDPOOL_LP: return "lp";
    case SIMDPOOL_SOFT: return "soft";
    }
    return "?";
}

inline std::string describe(const simdpool_pool_desc &d) {
    std::ostringstream s;
    auto arr = [&](const char *name, const int64_t *v) {
        s << " " << name << "=";
        for (int i = 0; i < d.spatial_dims; i++) s << (i ? "x" : "") << v[i];
    };
    s << algorithm_name(d.algorithm) << " " << d.spatial_dims << "-D " << (d.layout == SIMDPOOL_NHWC ? "NHWC" : "NCHW")
      << " n=" << d.n << " c=" << d.c;
    arr("in", d.in);
    arr("k", d.kernel);
    arr("s", d.stride);
    arr("dil", d.dilation);
    arr("pb", d.pad_begin);
    arr("pe", d.pad_end);
    s << " ceil=" << d.ceil_mode;
    if (d.algorithm == SIMDPOOL_AVG) s << " cip=" << d.count_include_pad << " div=" << d.divisor_override;
    if (d.algorithm == SIMDPOOL_LP) s << " p=" << d.p;
    return s.str();
}

inline std::string describe(const simdpool_adaptive_desc &d) {
    std::ostringstream s;
    s << "adaptive " << algorithm_name(d.algorithm) << " " << d.spatial_dims << "-D "
      << (d.layout == SIMDPOOL_NHWC ? "NHWC" : "NCHW") << " n=" << d.n << " c=" << d.c << " in=";
    for (int i = 0; i < d.spatial_dims; i++) s << (i ? "x" : "") << d.in[i];
    s << " out=";
    for (int i = 0; i < d.spatial_dims; i++) s << (i ? "x" : "") << d.out[i];
    return s.str();
}

// Sets every spatial dim of a descriptor array to `v`.
inline void set_all(int64_t *arr, int dims, int64_t v) {
    for (int i = 0; i < dims; i++) arr[i] = v;
}

// Values that stress the max/min rule: many ties (small integers, +0 and -0), NaN, +-inf, +-FLT_MAX.
inline std::vector<float> extremum_fill(size_t n, uint64_t seed, double nan_fraction) {
    Rng r(seed);
    std::vector<float> v(n);
    const float inf = std::numeric_limits<float>::infinity();
    for (auto &e : v) {
        const uint64_t k = r.next() % 100;
        if (r.chance(nan_fraction)) e = std::nanf("");
        else if (k < 4) e = -inf;
        else if (k < 6) e = inf;
        else if (k < 10) e = -FLT_MAX;
        else if (k < 12) e = FLT_MAX;
        else if (k < 20) e = -0.0f;
        else if (k < 28) e = 0.0f;
        else e = (float)r.uniform_int(-3, 3);
    }
    return v;
}

}  // namespace sptest

#endif  // SIMDPOOL_TESTS_TEST_UTIL_H
