// Fractional max pooling: the library against the naive reference over a sweep (both layouts, 2-D and 3-D,
// channel tails, outputs at and near PyTorch's limit, outputs from a ratio), thread-count invariance, the task
// API, finite-difference gradients, the sample helper, index conversion, and every error path.
#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "naive_ops.h"
#include "ops_test_util.h"

namespace {

using opstest::expect_error;
using sptest::PlanPtr;

struct Shape {
    int dims;
    int64_t n, c;
    std::vector<int64_t> in, kernel, out;
    std::vector<double> ratio;  // used where out is 0
};

simdpool_fractional_desc make_desc(const Shape &s, simdpool_layout layout) {
    simdpool_fractional_desc d;
    EXPECT_EQ(simdpool_fractional_desc_init(&d, s.dims), SIMDPOOL_OK);
    d.n = s.n;
    d.c = s.c;
    for (int i = 0; i < s.dims; ++i) {
        d.in[i] = s.in[size_t(i)];
        d.kernel[i] = s.kernel[size_t(i)];
        d.out[i] = s.out.empty() ? 0 : s.out[size_t(i)];
        d.output_ratio[i] = s.out.empty() ? s.ratio[size_t(i)] : 0.0;
    }
    d.layout = layout;
    return d;
}

PlanPtr make_plan(const simdpool_fractional_desc &d, int threads = 1) {
    simdpool_options o = sptest::isa_options(SIMDPOOL_ISA_AUTO, threads);
    simdpool_plan *p = nullptr;
    EXPECT_EQ(simdpool_plan_create_fractional(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    return PlanPtr(p);
}

const std::vector<Shape> &sweep() {
    static const std::vector<Shape> shapes = {
        {2, 2, 3, {11, 13}, {2, 3}, {5, 6}, {}},
        {2, 1, 17, {8, 9}, {2, 3}, {7, 7}, {}},        // at the limit (alpha = 1), 17 channels
        {2, 1, 5, {25, 30}, {3, 2}, {22, 28}, {}},     // one below the limit
        {2, 2, 70, {9, 7}, {2, 2}, {4, 3}, {}},        // more channels than an NHWC block
        {2, 1, 2, {10, 12}, {3, 2}, {}, {0.5, 0.7}},   // from a ratio
        {2, 3, 1, {5, 6}, {2, 2}, {1, 1}, {}},         // one output
        {2, 1, 2, {4, 4}, {4, 4}, {1, 1}, {}},         // kernel = input
        {3, 1, 2, {6, 7, 8}, {2, 2, 3}, {3, 4, 4}, {}},
        {3, 2, 3, {5, 6, 7}, {2, 2, 2}, {4, 5, 6}, {}},  // 3-D at the limit (PyTorch's 3-D check is strict)
        {3, 1, 66, {4, 5, 6}, {1, 2, 2}, {2, 3, 3}, {}},
    };
    return shapes;
}

std::string describe(const Shape &s) {
    std::string r = std::to_string(s.dims) + "-D n=" + std::to_string(s.n) + " c=" + std::to_string(s.c) + " in=";
    for (auto v : s.in) r += std::to_string(v) + ",";
    r += " k=";
    for (auto v : s.kernel) r += std::to_string(v) + ",";
    return r;
}

TEST(Fractional, MatchesNaiveForwardAndBackward) {
    for (const Shape &s : sweep())
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(describe(s) + " " + opstest::layout_name(layout));
            const simdpool_fractional_desc d = make_desc(s, layout);
            PlanPtr plan = make_plan(d);
            ASSERT_TRUE(plan);
            size_t nin = 0, nout = 0, ns = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
            ASSERT_EQ(nin, naive_fractional_input_elements(&d));
            ASSERT_EQ(nout, naive_fractional_output_elements(&d));
            SPTEST_ASSERT_OK(simdpool_fractional_sample_count(plan.get(), &ns));
            ASSERT_EQ(ns, size_t(s.n * s.c * s.dims));
            std::vector<float> samples(ns);
            SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(7, samples.data(), ns));
            // Integer values: ties happen, and the first in scan order must win.
            const std::vector<float> x = sptest::int_fill(nin, 11, -4, 4);
            std::vector<float> y(nout, -99.0f), want_y(nout);
            std::vector<int64_t> idx(nout, -7), want_idx(nout);
            SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y.data(), idx.data()));
            naive_fractional_forward(&d, samples.data(), x.data(), want_y.data(), want_idx.data());
            EXPECT_TRUE(sptest::arrays_identical(y, want_y));
            EXPECT_TRUE(sptest::arrays_identical(idx, want_idx));
            std::vector<float> y2(nout, -99.0f);
            SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y2.data(), nullptr));
            EXPECT_TRUE(sptest::arrays_identical(y2, want_y)) << "forward without indices";

            const std::vector<float> dy = sptest::float_fill(nout, 13);
            std::vector<float> dx(nin, NAN), want_dx(nin);
            SPTEST_ASSERT_OK(simdpool_backward(plan.get(), dy.data(), idx.data(), nullptr, nullptr, dx.data()));
            naive_fractional_backward(&d, dy.data(), want_idx.data(), want_dx.data());
            EXPECT_TRUE(sptest::arrays_identical(dx, want_dx));
        }
}

TEST(Fractional, NanWinsAndAllNegativeInfinityKeepsTheFirstTap) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Shape s{2, 1, 3, {9, 10}, {2, 3}, {5, 6}, {}};
        const simdpool_fractional_desc d = make_desc(s, layout);
        PlanPtr plan = make_plan(d);
        size_t nin = 0, nout = 0;
        SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
        std::vector<float> samples(9);
        SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(3, samples.data(), samples.size()));
        std::vector<float> x = sptest::float_fill(nin, 5);
        sptest::sprinkle_nan(x, 6, 0.1);
        for (size_t i = 0; i < nin; i += 7) x[i] = -INFINITY;
        std::vector<float> y(nout), want_y(nout);
        std::vector<int64_t> idx(nout), want_idx(nout);
        SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y.data(), idx.data()));
        naive_fractional_forward(&d, samples.data(), x.data(), want_y.data(), want_idx.data());
        EXPECT_TRUE(sptest::arrays_identical(y, want_y));
        EXPECT_TRUE(sptest::arrays_identical(idx, want_idx));
        std::fill(x.begin(), x.end(), -INFINITY);
        SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y.data(), idx.data()));
        naive_fractional_forward(&d, samples.data(), x.data(), want_y.data(), want_idx.data());
        EXPECT_TRUE(sptest::arrays_identical(idx, want_idx)) << "all -inf: the window's first tap";
    }
}

// The forward kernels unroll 2x2 and 3x3 windows, compute column starts per chunk of columns (NCHW 256, NHWC 32
// per block of 64 channels) and scan with selects: wide outputs, channel tails, ties (-0 against +0 too) and NaN
// must give exactly the naive scan in every path, including the generic one (2x3, 3-D).
TEST(Fractional, UnrolledWindowsAndColumnChunksMatchNaiveWithTiesAndNan) {
    const std::vector<Shape> shapes = {
        {2, 1, 3, {40, 600}, {2, 2}, {20, 300}, {}},   // 2x2, NCHW: two column chunks
        {2, 1, 70, {9, 80}, {2, 2}, {5, 70}, {}},      // 2x2, NHWC: 3 column chunks, 64 + 6 channels
        {2, 2, 5, {20, 30}, {3, 3}, {9, 14}, {}},      // 3x3
        {2, 1, 66, {12, 50}, {2, 3}, {6, 40}, {}},     // generic
        {3, 1, 4, {5, 6, 40}, {2, 2, 2}, {3, 4, 35}, {}},
    };
    for (const Shape &s : shapes)
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(describe(s) + " " + opstest::layout_name(layout));
            const simdpool_fractional_desc d = make_desc(s, layout);
            PlanPtr plan = make_plan(d);
            size_t nin = 0, nout = 0, ns = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
            SPTEST_ASSERT_OK(simdpool_fractional_sample_count(plan.get(), &ns));
            std::vector<float> samples(ns);
            SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(41, samples.data(), ns));
            std::vector<float> x = sptest::int_fill(nin, 42, -1, 1);
            sptest::Rng r(43);
            for (float &v : x)
                if (v == 0.0f && r.chance(0.5)) v = -0.0f;
            sptest::sprinkle_nan(x, 44, 0.03);
            std::vector<float> y(nout, -99.0f), want_y(nout), y2(nout, -99.0f);
            std::vector<int64_t> idx(nout, -7), want_idx(nout);
            SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y.data(), idx.data()));
            naive_fractional_forward(&d, samples.data(), x.data(), want_y.data(), want_idx.data());
            EXPECT_TRUE(sptest::arrays_identical(y, want_y));
            EXPECT_TRUE(sptest::arrays_identical(idx, want_idx));
            SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y2.data(), nullptr));
            EXPECT_TRUE(sptest::arrays_identical(y2, want_y)) << "without indices";
        }
}

TEST(Fractional, IntervalRuleMatchesPyTorchsWorkedValues) {
    // alpha = (25 - 3) / (22 - 1) = 1.0476..., u = 0.5: starts computed by hand in float32 with PyTorch's rule.
    const float u = 0.5f;
    const float alpha = 22.0f / 21.0f;
    for (int64_t i = 0; i < 21; ++i) {
        const int64_t want = (int64_t)(int)(((float)i + u) * alpha) - (int64_t)(int)(u * alpha);
        EXPECT_EQ(naive_fractional_start(u, 25, 22, 3, i), want) << i;
    }
    EXPECT_EQ(naive_fractional_start(u, 25, 22, 3, 21), 22) << "the last window ends at the input's end";
    // alpha = 1: start[i] = i for most u; for u just below 1, (i + u) rounds up to i + 1 in float, so windows
    // move one step right (PyTorch does the same, see the golden case frac2d_extreme_samples) -- never past
    // the last start, in - k.
    for (float v : {0.0f, 0.3f})
        for (int64_t i = 0; i < 7; ++i) EXPECT_EQ(naive_fractional_start(v, 8, 7, 2, i), i);
    EXPECT_EQ(naive_fractional_start(0.99999994f, 8, 7, 2, 0), 0);
    for (int64_t i = 1; i < 7; ++i)
        EXPECT_EQ(naive_fractional_start(0.99999994f, 8, 7, 2, i), std::min<int64_t>(i + 1, 6));
}

TEST(Fractional, ResultsDoNotDependOnThreadsAndTasksMatch) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Shape s{2, 4, 40, {33, 31}, {3, 2}, {20, 19}, {}};
        const simdpool_fractional_desc d = make_desc(s, layout);
        PlanPtr one = make_plan(d, 1), many = make_plan(d, 4);
        size_t nin = 0, nout = 0;
        SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(one.get(), &nin, &nout));
        std::vector<float> samples(size_t(s.n * s.c * 2));
        SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(99, samples.data(), samples.size()));
        const std::vector<float> x = sptest::float_fill(nin, 21), dy = sptest::float_fill(nout, 22);
        std::vector<float> y1(nout), y4(nout), dx1(nin), dx4(nin), dxt(nin, NAN);
        std::vector<int64_t> i1(nout), i4(nout);
        SPTEST_ASSERT_OK(simdpool_fractional_forward(one.get(), samples.data(), x.data(), y1.data(), i1.data()));
        SPTEST_ASSERT_OK(simdpool_fractional_forward(many.get(), samples.data(), x.data(), y4.data(), i4.data()));
        EXPECT_TRUE(sptest::arrays_identical(y1, y4));
        EXPECT_TRUE(sptest::arrays_identical(i1, i4));
        SPTEST_ASSERT_OK(simdpool_backward(one.get(), dy.data(), i1.data(), nullptr, nullptr, dx1.data()));
        SPTEST_ASSERT_OK(simdpool_backward(many.get(), dy.data(), i1.data(), nullptr, nullptr, dx4.data()));
        EXPECT_TRUE(sptest::arrays_identical(dx1, dx4));
        // The backward's task API, run in two ranges in reverse order.
        size_t tasks = 0;
        SPTEST_ASSERT_OK(simdpool_plan_task_count(one.get(), 1, &tasks));
        ASSERT_GE(tasks, 2u);
        SPTEST_ASSERT_OK(simdpool_backward_tasks(one.get(), dy.data(), i1.data(), nullptr, nullptr, dxt.data(),
                                                 tasks / 2, tasks));
        SPTEST_ASSERT_OK(simdpool_backward_tasks(one.get(), dy.data(), i1.data(), nullptr, nullptr, dxt.data(), 0,
                                                 tasks / 2));
        EXPECT_TRUE(sptest::arrays_identical(dxt, dx1));
    }
}

TEST(Fractional, GradientMatchesFiniteDifferences) {
    for (const Shape &s :
         {Shape{2, 1, 2, {7, 8}, {2, 3}, {4, 5}, {}}, Shape{3, 1, 2, {4, 5, 4}, {2, 2, 2}, {2, 3, 3}, {}}})
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(describe(s) + " " + opstest::layout_name(layout));
            const simdpool_fractional_desc d = make_desc(s, layout);
            PlanPtr plan = make_plan(d);
            size_t nin = 0, nout = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
            std::vector<float> samples(size_t(s.n * s.c * s.dims));
            SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(5, samples.data(), samples.size()));
            const std::vector<float> x = sptest::distinct_fill(nin, 8);  // spaced by 1: eps cannot flip an argmax
            const std::vector<float> w = sptest::float_fill(nout, 9, -1.0f, 1.0f);
            auto f = [&](const std::vector<float> &xv) {
                std::vector<float> y(nout);
                EXPECT_EQ(simdpool_fractional_forward(plan.get(), samples.data(), xv.data(), y.data(), nullptr),
                          SIMDPOOL_OK);
                return y;
            };
            std::vector<float> y(nout), dx(nin);
            std::vector<int64_t> idx(nout);
            SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y.data(), idx.data()));
            SPTEST_ASSERT_OK(simdpool_backward(plan.get(), w.data(), idx.data(), nullptr, nullptr, dx.data()));
            opstest::expect_gradient(f, x, w, dx);
        }
}

TEST(Fractional, FillSamplesIsDeterministicAndInRange) {
    std::vector<float> a(1000), b(1000), c(1000);
    SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(42, a.data(), a.size()));
    SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(42, b.data(), b.size()));
    SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(43, c.data(), c.size()));
    EXPECT_TRUE(sptest::arrays_identical(a, b));
    EXPECT_NE(a, c);
    double mean = 0;
    for (float v : a) {
        EXPECT_GE(v, 0.0f);
        EXPECT_LT(v, 1.0f);
        mean += v;
    }
    EXPECT_NEAR(mean / 1000, 0.5, 0.05);
    SPTEST_EXPECT_OK(simdpool_fractional_fill_samples(1, nullptr, 0));
    expect_error(simdpool_fractional_fill_samples(1, nullptr, 3), SIMDPOOL_NULL_POINTER, {"samples"});
}

TEST(Fractional, IndicesConvertToOnnx) {
    const Shape s{2, 2, 3, {6, 7}, {2, 2}, {3, 4}, {}};
    const simdpool_fractional_desc d = make_desc(s, SIMDPOOL_NCHW);
    PlanPtr plan = make_plan(d);
    std::vector<float> samples(12), x = sptest::float_fill(2 * 3 * 42, 1), y(2 * 3 * 12);
    std::vector<int64_t> idx(y.size()), onnx(y.size());
    SPTEST_ASSERT_OK(simdpool_fractional_fill_samples(1, samples.data(), samples.size()));
    SPTEST_ASSERT_OK(simdpool_fractional_forward(plan.get(), samples.data(), x.data(), y.data(), idx.data()));
    SPTEST_ASSERT_OK(simdpool_indices_to_onnx(plan.get(), idx.data(), onnx.data()));
    for (size_t e = 0; e < y.size(); ++e) EXPECT_EQ(x[size_t(onnx[e])], y[e]);
}

// ---- errors ----

TEST(FractionalErrors, EveryDescriptorFieldIsValidated) {
    struct Case {
        const char *name;
        std::function<void(simdpool_fractional_desc &)> spoil;
        simdpool_status status;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"spatial_dims", [](auto &d) { d.spatial_dims = 1; }, SIMDPOOL_INVALID_ARGUMENT,
         {"spatial_dims = 1", "2 or 3"}},
        {"layout", [](auto &d) { d.layout = (simdpool_layout)4; }, SIMDPOOL_INVALID_ARGUMENT, {"layout = 4"}},
        {"dtype", [](auto &d) { d.dtype = (simdpool_dtype)3; }, SIMDPOOL_INVALID_ARGUMENT, {"dtype = 3"}},
        {"n", [](auto &d) { d.n = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"n = 0 must be >= 1"}},
        {"c", [](auto &d) { d.c = -2; }, SIMDPOOL_INVALID_ARGUMENT, {"c = -2"}},
        {"in", [](auto &d) { d.in[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"in[1] = 0 must be >= 1"}},
        {"kernel", [](auto &d) { d.kernel[0] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"kernel[0] = 0 must be >= 1"}},
        {"kernel > in", [](auto &d) { d.kernel[1] = 10; }, SIMDPOOL_INVALID_ARGUMENT, {"kernel[1] = 10", "in[1] = 9"}},
        {"out negative", [](auto &d) { d.out[0] = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"out[0] = -1"}},
        {"out beyond the limit", [](auto &d) { d.out[0] = 8; }, SIMDPOOL_INVALID_ARGUMENT,
         {"output size 8 of dim 0", "in[0] = 8", "kernel[0] = 2", "out <= 7"}},
        {"out and ratio both set", [](auto &d) { d.output_ratio[1] = 0.5; }, SIMDPOOL_INVALID_ARGUMENT,
         {"out[1] = 4", "output_ratio[1] = 0.5", "both set"}},
        {"ratio zero", [](auto &d) { d.out[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"output_ratio[1] = 0", "(0, 1)"}},
        {"ratio one", [](auto &d) { d.out[1] = 0; d.output_ratio[1] = 1.0; }, SIMDPOOL_INVALID_ARGUMENT,
         {"output_ratio[1] = 1"}},
        {"ratio NaN", [](auto &d) { d.out[1] = 0; d.output_ratio[1] = NAN; }, SIMDPOOL_INVALID_ARGUMENT,
         {"output_ratio[1] = nan"}},
        {"ratio gives 0", [](auto &d) { d.out[1] = 0; d.output_ratio[1] = 0.1; }, SIMDPOOL_INVALID_ARGUMENT,
         {"output_ratio[1] = 0.1", "output size of 0", "in[1] = 9"}},
        {"ratio beyond the limit", [](auto &d) { d.out[1] = 0; d.output_ratio[1] = 0.9; d.kernel[1] = 3; },
         SIMDPOOL_INVALID_ARGUMENT, {"output size 8 of dim 1", "out <= 7"}},
        {"tensor too large", [](auto &d) { d.n = 1LL << 40; d.c = 1LL << 20; }, SIMDPOOL_SIZE_OVERFLOW,
         {"input", "n = 1099511627776"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        simdpool_fractional_desc d = make_desc(Shape{2, 1, 2, {8, 9}, {2, 2}, {5, 4}, {}}, SIMDPOOL_NCHW);
        c.spoil(d);
        simdpool_plan *plan = reinterpret_cast<simdpool_plan *>(0x1);
        expect_error(simdpool_plan_create_fractional(&d, nullptr, &plan), c.status, c.fragments);
        EXPECT_EQ(plan, nullptr);
    }
}

TEST(FractionalErrors, InitCreateAndOptions) {
    simdpool_fractional_desc d;
    expect_error(simdpool_fractional_desc_init(nullptr, 2), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_fractional_desc_init(&d, 4), SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims = 4"});
    d = make_desc(Shape{2, 1, 2, {8, 9}, {2, 2}, {5, 4}, {}}, SIMDPOOL_NCHW);
    simdpool_plan *plan = nullptr;
    expect_error(simdpool_plan_create_fractional(nullptr, nullptr, &plan), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_plan_create_fractional(&d, nullptr, nullptr), SIMDPOOL_NULL_POINTER, {"plan"});
    simdpool_options o;
    simdpool_options_init(&o);
    o.num_threads = -3;
    expect_error(simdpool_plan_create_fractional(&d, &o, &plan), SIMDPOOL_INVALID_ARGUMENT, {"num_threads = -3"});
    simdpool_options_init(&o);
    o.clamp_output = 1;
    expect_error(simdpool_plan_create_fractional(&d, &o, &plan), SIMDPOOL_UNSUPPORTED, {"clamp_output"});
    EXPECT_EQ(plan, nullptr);
}

TEST(FractionalErrors, RunArguments) {
    const Shape s{2, 1, 2, {8, 9}, {2, 2}, {5, 4}, {}};
    const simdpool_fractional_desc d = make_desc(s, SIMDPOOL_NCHW);
    PlanPtr plan = make_plan(d);
    std::vector<float> samples(4, 0.5f), x(2 * 72, 1.0f), y(2 * 20, -5.0f), dx(x.size());  // n 1, c 2
    std::vector<int64_t> idx(y.size(), 0);
    simdpool_plan *p = plan.get();
    expect_error(simdpool_fractional_forward(nullptr, samples.data(), x.data(), y.data(), nullptr),
                 SIMDPOOL_NULL_POINTER, {"plan"});
    expect_error(simdpool_fractional_forward(p, nullptr, x.data(), y.data(), nullptr), SIMDPOOL_NULL_POINTER,
                 {"samples"});
    expect_error(simdpool_fractional_forward(p, samples.data(), nullptr, y.data(), nullptr), SIMDPOOL_NULL_POINTER,
                 {"x"});
    expect_error(simdpool_fractional_forward(p, samples.data(), x.data(), nullptr, nullptr), SIMDPOOL_NULL_POINTER,
                 {"y"});
    for (float bad : {1.0f, -0.25f, NAN, INFINITY}) {
        samples[3] = bad;
        expect_error(simdpool_fractional_forward(p, samples.data(), x.data(), y.data(), nullptr),
                     SIMDPOOL_INVALID_ARGUMENT, {"samples[3]", "n = 0, c = 1, sample 1 of 2", "[0, 1)"});
        EXPECT_EQ(y[0], -5.0f) << "a rejected run must not write";
    }
    samples[3] = 0.5f;
    // The generic forward needs samples it cannot take.
    expect_error(simdpool_forward(p, x.data(), y.data(), nullptr), SIMDPOOL_INVALID_ARGUMENT,
                 {"simdpool_fractional_forward"});
    size_t count = 0;
    expect_error(simdpool_plan_task_count(p, 0, &count), SIMDPOOL_INVALID_ARGUMENT, {"simdpool_fractional_forward"});
    expect_error(simdpool_forward_tasks(p, x.data(), y.data(), nullptr, 0, 1), SIMDPOOL_INVALID_ARGUMENT,
                 {"simdpool_fractional_forward"});
    // Backward: indices are required and checked; nothing outside dx is ever written.
    expect_error(simdpool_backward(p, y.data(), nullptr, nullptr, nullptr, dx.data()), SIMDPOOL_NULL_POINTER,
                 {"indices"});
    expect_error(simdpool_backward(p, nullptr, idx.data(), nullptr, nullptr, dx.data()), SIMDPOOL_NULL_POINTER,
                 {"dy"});
    expect_error(simdpool_backward(p, y.data(), idx.data(), nullptr, nullptr, nullptr), SIMDPOOL_NULL_POINTER,
                 {"dx"});
    idx[27] = 72;  // one past the 8x9 plane; element 27 = n 0, c 1, output (1, 3)
    expect_error(simdpool_backward(p, y.data(), idx.data(), nullptr, nullptr, dx.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"indices[27] = 72", "n = 0, c = 1, h = 1, w = 3", "[0, 72)"});
    idx[27] = -1;
    idx[30] = 1000;
    expect_error(simdpool_backward(p, y.data(), idx.data(), nullptr, nullptr, dx.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"indices[27] = -1"});
    expect_error(simdpool_fractional_sample_count(p, nullptr), SIMDPOOL_NULL_POINTER, {"count"});
    simdpool_cost cost;
    // The cost model covers fractional plans (values: tests/test_cost.cc); its own argument checks still apply.
    SPTEST_ASSERT_OK(simdpool_plan_cost(p, 0, 0, &cost));
    expect_error(simdpool_plan_cost(p, 0, 0, nullptr), SIMDPOOL_NULL_POINTER, {"cost"});
    // Fractional entry points refuse other plans.
    simdpool_pool_desc pd;
    simdpool_pool_desc_init(&pd, SIMDPOOL_MAX, 2);
    pd.n = pd.c = 1;
    pd.in[0] = pd.in[1] = pd.kernel[0] = pd.kernel[1] = pd.stride[0] = pd.stride[1] = 2;
    simdpool_plan *pool = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_pool(&pd, nullptr, &pool));
    PlanPtr pool_owner(pool);
    expect_error(simdpool_fractional_forward(pool, samples.data(), x.data(), y.data(), nullptr),
                 SIMDPOOL_INVALID_ARGUMENT, {"not a fractional"});
    expect_error(simdpool_fractional_sample_count(pool, &count), SIMDPOOL_INVALID_ARGUMENT, {"not a fractional"});
}

TEST(Fractional, PlanQueries) {
    const Shape s{3, 2, 5, {6, 7, 8}, {2, 2, 3}, {3, 4, 4}, {}};
    PlanPtr plan = make_plan(make_desc(s, SIMDPOOL_NHWC));
    int64_t dims[SIMDPOOL_MAX_RANK];
    int rank = 0;
    SPTEST_ASSERT_OK(simdpool_plan_output_shape(plan.get(), dims, &rank));
    ASSERT_EQ(rank, 5);
    EXPECT_EQ(std::vector<int64_t>(dims, dims + 5), (std::vector<int64_t>{2, 3, 4, 4, 5}));
    SPTEST_ASSERT_OK(simdpool_plan_input_shape(plan.get(), dims, &rank));
    EXPECT_EQ(std::vector<int64_t>(dims, dims + 5), (std::vector<int64_t>{2, 6, 7, 8, 5}));
    const char *name = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 0, &name));
    EXPECT_STREQ(name, "scalar/fractional_maxpool_fwd_nhwc_f32");
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 1, &name));
    EXPECT_STREQ(name, "scalar/fractional_maxpool_bwd_nhwc_f32");
}

}  // namespace
