// Backward checked by finite differences: for loss L = sum(w * y) with random w, the backward's dx (given
// dy = w) must match the central difference (L(x + e) - L(x - e)) / 2e of the forward, element by element.
// Inputs are chosen so the forward is smooth around x: MAX/MIN get distinct values spaced by 1 (a 1e-2 step
// cannot flip the argmax), LP gets |x| away from 0. The same check also runs on the naive reference, which
// validates the oracle's backward formulas independently of the library.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "naive_pool.h"
#include "simdpool/simdpool.h"
#include "test_util.h"

namespace {

using namespace sptest;

// A pooling problem seen as functions on flat buffers.
struct Problem {
    size_t nin = 0, nout = 0;
    bool routed = false;  // MAX/MIN: backward uses the forward's indices
    std::function<void(const float *x, float *y, int64_t *idx)> forward;
    std::function<void(const float *dy, const int64_t *idx, const float *x, const float *y, float *dx)> backward;
};

double loss(const Problem &p, const std::vector<float> &x, const std::vector<float> &w) {
    std::vector<float> y(p.nout);
    std::vector<int64_t> idx(p.nout);
    p.forward(x.data(), y.data(), p.routed ? idx.data() : nullptr);
    double l = 0.0;
    for (size_t i = 0; i < p.nout; i++) l += (double)w[i] * (double)y[i];
    return l;
}

void gradcheck(const Problem &p, const std::vector<float> &x, uint64_t seed, float eps = 1e-2f) {
    ASSERT_EQ(x.size(), p.nin);
    std::vector<float> w = float_fill(p.nout, seed, -1.0f, 1.0f);
    std::vector<float> y(p.nout), dx(p.nin, -777.0f);
    std::vector<int64_t> idx(p.nout);
    p.forward(x.data(), y.data(), p.routed ? idx.data() : nullptr);
    p.backward(w.data(), p.routed ? idx.data() : nullptr, x.data(), y.data(), dx.data());
    if (::testing::Test::HasFatalFailure()) return;
    size_t bad = 0;
    std::vector<float> xp = x;
    for (size_t i = 0; i < p.nin; i++) {
        const float x0 = x[i];
        xp[i] = x0 + eps;
        const float hi = xp[i];
        const double lp = loss(p, xp, w);
        xp[i] = x0 - eps;
        const float lo = xp[i];
        const double lm = loss(p, xp, w);
        xp[i] = x0;
        const double fd = (lp - lm) / ((double)hi - (double)lo);  // the step actually taken, in float
        const double an = dx[i];
        const double tol = 1e-2 * std::max(std::fabs(fd), std::fabs(an)) + 1e-3;
        if (!(std::fabs(fd - an) <= tol)) {
            if (bad++ < 5)
                ADD_FAILURE() << "dx[" << i << "] = " << an << " but finite difference gives " << fd << " (x = " << x0
                              << ")";
        }
    }
    EXPECT_EQ(bad, 0u) << "elements whose gradient disagrees with finite differences";
}

// ---------------------------------------------------------------------------------------------------------
// Problems: the library (capped to an ISA) or the naive reference.

Problem library_pool(const simdpool_pool_desc &d, simdpool_isa isa, std::shared_ptr<PlanPtr> *keep) {
    Problem p;
    auto plan = std::make_shared<PlanPtr>();
    simdpool_status st = make_pool_plan(d, isa_options(isa), plan.get());
    EXPECT_EQ(st, SIMDPOOL_OK) << simdpool_last_error();
    *keep = plan;
    size_t in_el = 0, out_el = 0;
    if (st == SIMDPOOL_OK) simdpool_plan_tensor_sizes(plan->get(), &in_el, &out_el);
    p.nin = in_el;
    p.nout = out_el;
    p.routed = d.algorithm == SIMDPOOL_MAX || d.algorithm == SIMDPOOL_MIN;
    simdpool_plan *raw = plan->get();
    p.forward = [raw](const float *x, float *y, int64_t *idx) {
        ASSERT_EQ(simdpool_forward(raw, x, y, idx), SIMDPOOL_OK) << simdpool_last_error();
    };
    p.backward = [raw](const float *dy, const int64_t *idx, const float *x, const float *y, float *dx) {
        ASSERT_EQ(simdpool_backward(raw, dy, idx, x, y, dx), SIMDPOOL_OK) << simdpool_last_error();
    };
    return p;
}

Problem library_adaptive(const simdpool_adaptive_desc &d, simdpool_isa isa, std::shared_ptr<PlanPtr> *keep) {
    Problem p;
    auto plan = std::make_shared<PlanPtr>();
    simdpool_status st = make_adaptive_plan(d, isa_options(isa), plan.get());
    EXPECT_EQ(st, SIMDPOOL_OK) << simdpool_last_error();
    *keep = plan;
    size_t in_el = 0, out_el = 0;
    if (st == SIMDPOOL_OK) simdpool_plan_tensor_sizes(plan->get(), &in_el, &out_el);
    p.nin = in_el;
    p.nout = out_el;
    p.routed = d.algorithm == SIMDPOOL_MAX;
    simdpool_plan *raw = plan->get();
    p.forward = [raw](const float *x, float *y, int64_t *idx) {
        ASSERT_EQ(simdpool_forward(raw, x, y, idx), SIMDPOOL_OK) << simdpool_last_error();
    };
    p.backward = [raw](const float *dy, const int64_t *idx, const float *x, const float *y, float *dx) {
        ASSERT_EQ(simdpool_backward(raw, dy, idx, x, y, dx), SIMDPOOL_OK) << simdpool_last_error();
    };
    return p;
}

Problem naive_pool(const simdpool_pool_desc &d) {
    Problem p;
    p.nin = naive_pool_input_elements(&d);
    p.nout = naive_pool_output_elements(&d);
    p.routed = d.algorithm == SIMDPOOL_MAX || d.algorithm == SIMDPOOL_MIN;
    p.forward = [d](const float *x, float *y, int64_t *idx) { naive_pool_forward(&d, x, y, idx); };
    p.backward = [d](const float *dy, const int64_t *idx, const float *x, const float *y, float *dx) {
        naive_pool_backward(&d, dy, idx, x, y, dx);
    };
    return p;
}

Problem naive_adaptive(const simdpool_adaptive_desc &d) {
    Problem p;
    p.nin = naive_adaptive_input_elements(&d);
    p.nout = naive_adaptive_output_elements(&d);
    p.routed = d.algorithm == SIMDPOOL_MAX;
    p.forward = [d](const float *x, float *y, int64_t *idx) { naive_adaptive_forward(&d, x, y, idx); };
    p.backward = [d](const float *dy, const int64_t *idx, const float *, const float *, float *dx) {
        naive_adaptive_backward(&d, dy, idx, dx);
    };
    return p;
}

// ---------------------------------------------------------------------------------------------------------
// The cases

struct Variant {
    std::string name;
    simdpool_algorithm a;
    int count_include_pad;
    int64_t divisor_override;
    float p;
};

std::vector<Variant> variants() {
    return {
        {"max", SIMDPOOL_MAX, 1, 0, 2.0f},
        {"min", SIMDPOOL_MIN, 1, 0, 2.0f},
        {"avg_include_pad", SIMDPOOL_AVG, 1, 0, 2.0f},
        {"avg_exclude_pad", SIMDPOOL_AVG, 0, 0, 2.0f},
        {"avg_divisor_override", SIMDPOOL_AVG, 1, 5, 2.0f},
        {"lp1", SIMDPOOL_LP, 1, 0, 1.0f},
        {"lp2", SIMDPOOL_LP, 1, 0, 2.0f},
        {"lp3", SIMDPOOL_LP, 1, 0, 3.0f},
        {"soft", SIMDPOOL_SOFT, 1, 0, 2.0f},
    };
}

// Small shapes with padding, overlap (stride < kernel), a channel tail and ceil_mode.
std::vector<simdpool_pool_desc> shapes(const Variant &v, simdpool_layout layout) {
    std::vector<simdpool_pool_desc> out;
    auto base = [&](int sd) {
        simdpool_pool_desc d;
        EXPECT_EQ(simdpool_pool_desc_init(&d, v.a, sd), SIMDPOOL_OK);
        d.layout = layout;
        d.count_include_pad = v.count_include_pad;
        d.divisor_override = v.divisor_override;
        d.p = v.p;
        return d;
    };
    {
        simdpool_pool_desc d = base(1);
        d.n = 2;
        d.c = 3;
        d.in[0] = 11;
        d.kernel[0] = 3;
        d.stride[0] = 2;
        d.pad_begin[0] = 1;
        d.pad_end[0] = 1;
        d.ceil_mode = 1;
        out.push_back(d);
    }
    {
        simdpool_pool_desc d = base(2);
        d.n = 1;
        d.c = 3;
        d.in[0] = 6;
        d.in[1] = 7;
        d.kernel[0] = 3;
        d.kernel[1] = 2;
        d.stride[0] = 2;
        d.stride[1] = 1;
        d.dilation[1] = 2;
        d.pad_begin[0] = 1;
        d.pad_end[0] = 2;
        d.pad_begin[1] = 1;
        d.pad_end[1] = 0;
        out.push_back(d);
    }
    {
        simdpool_pool_desc d = base(3);
        d.n = 1;
        d.c = 2;
        d.in[0] = 3;
        d.in[1] = 4;
        d.in[2] = 5;
        d.kernel[0] = 2;
        d.kernel[1] = 3;
        d.kernel[2] = 2;
        d.stride[0] = 1;
        d.stride[1] = 2;
        d.stride[2] = 1;
        d.pad_begin[1] = 1;
        d.pad_end[1] = 1;
        d.pad_end[2] = 1;
        out.push_back(d);
    }
    return out;
}

std::vector<float> smooth_input(const simdpool_pool_desc &d, size_t n, uint64_t seed) {
    switch (d.algorithm) {
    case SIMDPOOL_MAX:
    case SIMDPOOL_MIN: return distinct_fill(n, seed, 1.0f);
    case SIMDPOOL_LP: return signed_fill_away_from_zero(n, seed, 0.5f, 2.0f);
    default: return float_fill(n, seed, -2.0f, 2.0f);
    }
}

std::vector<simdpool_adaptive_desc> adaptive_shapes(simdpool_algorithm a, simdpool_layout layout) {
    std::vector<simdpool_adaptive_desc> out;
    struct S {
        int sd;
        int64_t n, c;
        int64_t in[3], out[3];
    } list[] = {
        {1, 2, 3, {11, 0, 0}, {4, 0, 0}},
        {2, 1, 3, {5, 7, 0}, {3, 4, 0}},
        {2, 1, 2, {3, 4, 0}, {5, 6, 0}},  // outputs larger than inputs: overlapping windows
        {2, 1, 3, {4, 5, 0}, {1, 1, 0}},  // global
        {3, 1, 2, {3, 4, 5}, {2, 3, 2}},
    };
    for (const S &s : list) {
        simdpool_adaptive_desc d;
        EXPECT_EQ(simdpool_adaptive_desc_init(&d, a, s.sd), SIMDPOOL_OK);
        d.n = s.n;
        d.c = s.c;
        d.layout = layout;
        for (int i = 0; i < s.sd; i++) {
            d.in[i] = s.in[i];
            d.out[i] = s.out[i];
        }
        out.push_back(d);
    }
    return out;
}

// "reference" runs the naive oracle; the others run the library capped to that ISA.
class Gradcheck : public ::testing::TestWithParam<simdpool_isa> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam()); }
};

void run_pool(simdpool_isa isa, bool reference) {
    uint64_t seed = 1;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        for (const Variant &v : variants()) {
            for (const simdpool_pool_desc &d : shapes(v, layout)) {
                SCOPED_TRACE(v.name + ": " + describe(d));
                std::shared_ptr<PlanPtr> keep;
                Problem p = reference ? naive_pool(d) : library_pool(d, isa, &keep);
                if (::testing::Test::HasFailure() && p.nin == 0) return;
                gradcheck(p, smooth_input(d, p.nin, seed), seed + 100);
                seed++;
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

void run_adaptive(simdpool_isa isa, bool reference) {
    uint64_t seed = 1000;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        for (simdpool_algorithm a : {SIMDPOOL_AVG, SIMDPOOL_MAX}) {
            for (const simdpool_adaptive_desc &d : adaptive_shapes(a, layout)) {
                SCOPED_TRACE(describe(d));
                std::shared_ptr<PlanPtr> keep;
                Problem p = reference ? naive_adaptive(d) : library_adaptive(d, isa, &keep);
                if (::testing::Test::HasFailure() && p.nin == 0) return;
                std::vector<float> x = a == SIMDPOOL_MAX ? distinct_fill(p.nin, seed) : float_fill(p.nin, seed);
                gradcheck(p, x, seed + 100);
                seed++;
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

TEST_P(Gradcheck, Pool) { run_pool(GetParam(), false); }
TEST_P(Gradcheck, Adaptive) { run_adaptive(GetParam(), false); }

INSTANTIATE_TEST_SUITE_P(Isa, Gradcheck, ::testing::ValuesIn(all_isas()), IsaParamName());

TEST(GradcheckReference, Pool) { run_pool(SIMDPOOL_ISA_AUTO, true); }
TEST(GradcheckReference, Adaptive) { run_adaptive(SIMDPOOL_ISA_AUTO, true); }

// The checker itself must be able to fail: a backward with one element off by 0.05 is caught.
TEST(GradcheckReference, DetectsAWrongBackward) {
    simdpool_pool_desc d;
    ASSERT_EQ(simdpool_pool_desc_init(&d, SIMDPOOL_AVG, 1), SIMDPOOL_OK);
    d.n = 1;
    d.c = 2;
    d.in[0] = 7;
    d.kernel[0] = 3;
    d.stride[0] = 1;
    Problem p = naive_pool(d);
    auto right = p.backward;
    p.backward = [right](const float *dy, const int64_t *idx, const float *x, const float *y, float *dx) {
        right(dy, idx, x, y, dx);
        dx[3] += 0.05f;
    };
    ::testing::TestPartResultArray failures;
    {
        ::testing::ScopedFakeTestPartResultReporter reporter(
            ::testing::ScopedFakeTestPartResultReporter::INTERCEPT_ONLY_CURRENT_THREAD, &failures);
        gradcheck(p, float_fill(p.nin, 5), 6);
    }
    EXPECT_GT(failures.size(), 0) << "an error of 0.05 in one gradient element went unnoticed";
}

}  // namespace
