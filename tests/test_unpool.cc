// Max unpooling: the library against the naive reference (1-D, 2-D, 3-D, both layouts, derived and explicit
// output sizes, duplicate indices), round trip with max pooling, thread invariance, the task API, gradients,
// rejection of out-of-plane indices without any write outside the output, and every descriptor field.
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
    std::vector<int64_t> in, kernel, stride, pad, out;  // out empty: derived
};

simdpool_unpool_desc make_desc(const Shape &s, simdpool_layout layout) {
    simdpool_unpool_desc d;
    EXPECT_EQ(simdpool_unpool_desc_init(&d, s.dims), SIMDPOOL_OK);
    d.n = s.n;
    d.c = s.c;
    for (int i = 0; i < s.dims; ++i) {
        d.in[i] = s.in[size_t(i)];
        d.kernel[i] = s.kernel[size_t(i)];
        d.stride[i] = s.stride[size_t(i)];
        d.pad_begin[i] = d.pad_end[i] = s.pad[size_t(i)];
        d.out[i] = s.out.empty() ? 0 : s.out[size_t(i)];
    }
    d.layout = layout;
    return d;
}

PlanPtr make_plan(const simdpool_unpool_desc &d, int threads = 1) {
    simdpool_options o = sptest::isa_options(SIMDPOOL_ISA_AUTO, threads);
    simdpool_plan *p = nullptr;
    EXPECT_EQ(simdpool_plan_create_unpool(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    return PlanPtr(p);
}

// Random indices in [0, out_plane) for every input element (duplicates included), in the plan's layout.
std::vector<int64_t> random_indices(size_t count, int64_t out_plane, uint64_t seed) {
    sptest::Rng r(seed);
    std::vector<int64_t> idx(count);
    for (auto &v : idx) v = r.uniform_int(0, out_plane - 1);
    return idx;
}

const std::vector<Shape> &sweep() {
    static const std::vector<Shape> shapes = {
        {2, 2, 3, {4, 4}, {2, 2}, {2, 2}, {0, 0}, {}},
        {2, 1, 5, {5, 5}, {3, 3}, {2, 2}, {1, 1}, {}},
        {2, 1, 4, {3, 3}, {2, 2}, {2, 2}, {0, 0}, {7, 7}},  // explicit, larger than the default 6x6
        {2, 2, 70, {3, 4}, {2, 2}, {2, 2}, {0, 0}, {}},     // more channels than an NHWC block
        {1, 2, 3, {5}, {2}, {2}, {0}, {}},
        {1, 1, 2, {4}, {3}, {1}, {0}, {11}},
        {3, 1, 3, {2, 3, 2}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {}},
        {3, 2, 17, {2, 2, 3}, {2, 2, 2}, {2, 2, 2}, {0, 0, 0}, {5, 4, 7}},
    };
    return shapes;
}

std::string describe(const Shape &s) {
    std::string r = std::to_string(s.dims) + "-D n=" + std::to_string(s.n) + " c=" + std::to_string(s.c) + " in=";
    for (auto v : s.in) r += std::to_string(v) + ",";
    return r;
}

TEST(Unpool, MatchesNaiveForwardAndBackward) {
    for (const Shape &s : sweep())
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(describe(s) + " " + opstest::layout_name(layout));
            const simdpool_unpool_desc d = make_desc(s, layout);
            PlanPtr plan = make_plan(d);
            ASSERT_TRUE(plan);
            size_t nin = 0, nout = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
            ASSERT_EQ(nin, naive_unpool_input_elements(&d));
            ASSERT_EQ(nout, naive_unpool_output_elements(&d));
            const int64_t out_plane = int64_t(nout) / (s.n * s.c);
            const std::vector<float> x = sptest::float_fill(nin, 3);
            const std::vector<int64_t> idx = random_indices(nin, out_plane, 4);  // duplicates: the last wins
            std::vector<float> y(nout, -99.0f), want_y(nout);
            SPTEST_ASSERT_OK(simdpool_unpool_forward(plan.get(), x.data(), idx.data(), y.data()));
            naive_unpool_forward(&d, x.data(), idx.data(), want_y.data());
            EXPECT_TRUE(sptest::arrays_identical(y, want_y));
            const std::vector<float> dy = sptest::float_fill(nout, 5);
            std::vector<float> dx(nin, NAN), want_dx(nin);
            SPTEST_ASSERT_OK(simdpool_backward(plan.get(), dy.data(), idx.data(), nullptr, nullptr, dx.data()));
            naive_unpool_backward(&d, dy.data(), idx.data(), want_dx.data());
            EXPECT_TRUE(sptest::arrays_identical(dx, want_dx));
        }
}

TEST(Unpool, UndoesMaxPooling) {
    // unpool(maxpool(x), argmax) keeps each window's maximum in place and zeroes the rest.
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        simdpool_pool_desc pd;
        simdpool_pool_desc_init(&pd, SIMDPOOL_MAX, 2);
        pd.n = 2;
        pd.c = 3;
        pd.in[0] = 6;
        pd.in[1] = 8;
        pd.kernel[0] = pd.kernel[1] = pd.stride[0] = pd.stride[1] = 2;
        pd.layout = layout;
        simdpool_plan *pool = nullptr;
        SPTEST_ASSERT_OK(simdpool_plan_create_pool(&pd, nullptr, &pool));
        PlanPtr pool_owner(pool);
        const Shape s{2, 2, 3, {3, 4}, {2, 2}, {2, 2}, {0, 0}, {}};
        PlanPtr unpool = make_plan(make_desc(s, layout));
        const std::vector<float> x = sptest::distinct_fill(2 * 3 * 48, 1);
        std::vector<float> pooled(2 * 3 * 12), back(x.size());
        std::vector<int64_t> idx(pooled.size());
        SPTEST_ASSERT_OK(simdpool_forward(pool, x.data(), pooled.data(), idx.data()));
        SPTEST_ASSERT_OK(simdpool_unpool_forward(unpool.get(), pooled.data(), idx.data(), back.data()));
        size_t kept = 0;
        for (size_t i = 0; i < x.size(); ++i) {
            if (back[i] != 0.0f) {
                EXPECT_EQ(back[i], x[i]);
                ++kept;
            }
        }
        EXPECT_GE(kept, pooled.size() - 1);  // one maximum may be 0 itself
    }
}

TEST(Unpool, ResultsDoNotDependOnThreadsAndTasksMatch) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Shape s{2, 3, 80, {20, 24}, {2, 2}, {2, 2}, {0, 0}, {}};
        const simdpool_unpool_desc d = make_desc(s, layout);
        PlanPtr one = make_plan(d, 1), many = make_plan(d, 4);
        size_t nin = 0, nout = 0;
        SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(one.get(), &nin, &nout));
        const std::vector<float> x = sptest::float_fill(nin, 1), dy = sptest::float_fill(nout, 2);
        const std::vector<int64_t> idx = random_indices(nin, 40 * 48, 3);
        std::vector<float> y1(nout), y4(nout), dx1(nin), dx4(nin), dxt(nin, NAN);
        SPTEST_ASSERT_OK(simdpool_unpool_forward(one.get(), x.data(), idx.data(), y1.data()));
        SPTEST_ASSERT_OK(simdpool_unpool_forward(many.get(), x.data(), idx.data(), y4.data()));
        EXPECT_TRUE(sptest::arrays_identical(y1, y4));
        SPTEST_ASSERT_OK(simdpool_backward(one.get(), dy.data(), idx.data(), nullptr, nullptr, dx1.data()));
        SPTEST_ASSERT_OK(simdpool_backward(many.get(), dy.data(), idx.data(), nullptr, nullptr, dx4.data()));
        EXPECT_TRUE(sptest::arrays_identical(dx1, dx4));
        size_t tasks = 0;
        SPTEST_ASSERT_OK(simdpool_plan_task_count(one.get(), 1, &tasks));
        for (size_t t = tasks; t-- > 0;)
            SPTEST_ASSERT_OK(simdpool_backward_tasks(one.get(), dy.data(), idx.data(), nullptr, nullptr, dxt.data(),
                                                     t, t + 1));
        EXPECT_TRUE(sptest::arrays_identical(dxt, dx1));
    }
}

TEST(Unpool, GradientMatchesFiniteDifferences) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Shape s{2, 1, 3, {3, 3}, {2, 2}, {2, 2}, {0, 0}, {}};
        const simdpool_unpool_desc d = make_desc(s, layout);
        PlanPtr plan = make_plan(d);
        size_t nin = 0, nout = 0;
        SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
        // Distinct indices per plane (a scatter with duplicates is not differentiable in the overwritten inputs).
        std::vector<int64_t> idx(nin);
        for (size_t e = 0; e < nin; ++e) {
            const size_t pixel = layout == SIMDPOOL_NCHW ? e % 9 : (e / 3) % 9;
            idx[e] = int64_t(pixel * 4 + (e % 4)) % 36;
        }
        const std::vector<float> x = sptest::float_fill(nin, 2), w = sptest::float_fill(nout, 3, -1.0f, 1.0f);
        auto f = [&](const std::vector<float> &xv) {
            std::vector<float> y(nout);
            EXPECT_EQ(simdpool_unpool_forward(plan.get(), xv.data(), idx.data(), y.data()), SIMDPOOL_OK);
            return y;
        };
        std::vector<float> dx(nin);
        SPTEST_ASSERT_OK(simdpool_backward(plan.get(), w.data(), idx.data(), nullptr, nullptr, dx.data()));
        opstest::expect_gradient(f, x, w, dx);
    }
}

TEST(Unpool, BadIndicesAreRejectedWithoutWildWrites) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Shape s{2, 2, 3, {2, 3}, {2, 2}, {2, 2}, {0, 0}, {}};  // output 4x6 = 24 per plane
        PlanPtr plan = make_plan(make_desc(s, layout));
        const size_t nin = 2 * 3 * 6, nout = 2 * 3 * 24;
        // Guard zones around the output catch any write outside it.
        std::vector<float> guarded(nout + 64, 7.0f), x = sptest::float_fill(nin, 1);
        float *y = guarded.data() + 32;
        std::vector<int64_t> idx = random_indices(nin, 24, 2);
        const size_t bad = 20;
        for (int64_t v : {int64_t(24), int64_t(-1), int64_t(1) << 40, INT64_MIN}) {
            idx[bad] = v;
            idx[bad + 5] = 99;
            expect_error(simdpool_unpool_forward(plan.get(), x.data(), idx.data(), y), SIMDPOOL_INVALID_ARGUMENT,
                         {"indices[20] = " + std::to_string(v), "outside the output plane [0, 24)"});
            for (size_t i = 0; i < 32; ++i) {
                EXPECT_EQ(guarded[i], 7.0f);
                EXPECT_EQ(guarded[32 + nout + i], 7.0f);
            }
            std::vector<float> dx(nin);
            expect_error(simdpool_backward(plan.get(), y, idx.data(), nullptr, nullptr, dx.data()),
                         SIMDPOOL_INVALID_ARGUMENT, {"indices[20] = " + std::to_string(v)});
        }
        // The message names the element's coordinates: element 20 of the input (2x3 planes).
        idx[bad] = 24;
        simdpool_unpool_forward(plan.get(), x.data(), idx.data(), y);
        const std::string where = layout == SIMDPOOL_NCHW ? "n = 1, c = 0, h = 0, w = 2" : "n = 1, c = 2, h = 0, w = 0";
        EXPECT_NE(std::string(simdpool_last_error()).find(where), std::string::npos) << simdpool_last_error();
    }
}

// The NCHW routing kernels check four indices under one branch and fall back to one at a time for a group
// holding a bad one: the error must name the lowest bad position (here in the middle of a group, with another
// bad one later in the same group and one in a later plane), nothing outside y may be written, and the
// backward's gather must report the same element.
TEST(Unpool, BadIndexInsideAGroupOfFourIsTheOneReported) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Shape s{2, 1, 3, {6, 7}, {2, 2}, {2, 2}, {0, 0}, {}};  // 42 inputs and 12 x 14 = 168 outputs a plane
        PlanPtr plan = make_plan(make_desc(s, layout));
        const size_t nin = 3 * 42, nout = 3 * 168;
        std::vector<float> guarded(nout + 64, 7.0f), x = sptest::float_fill(nin, 51);
        float *y = guarded.data() + 32;
        std::vector<int64_t> idx = random_indices(nin, 168, 52);
        idx[49] = 168;  // plane 1, element 7: the second group's last
        idx[50] = -3;
        idx[100] = int64_t(1) << 50;
        expect_error(simdpool_unpool_forward(plan.get(), x.data(), idx.data(), y), SIMDPOOL_INVALID_ARGUMENT,
                     {"indices[49] = 168", "outside the output plane [0, 168)"});
        for (size_t i = 0; i < 32; ++i) {
            EXPECT_EQ(guarded[i], 7.0f);
            EXPECT_EQ(guarded[32 + nout + i], 7.0f);
        }
        std::vector<float> dx(nin);
        expect_error(simdpool_backward(plan.get(), y, idx.data(), nullptr, nullptr, dx.data()),
                     SIMDPOOL_INVALID_ARGUMENT, {"indices[49] = 168"});
    }
}

// ---- errors ----

TEST(UnpoolErrors, EveryDescriptorFieldIsValidated) {
    struct Case {
        const char *name;
        std::function<void(simdpool_unpool_desc &)> spoil;
        simdpool_status status;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"spatial_dims", [](auto &d) { d.spatial_dims = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims = 0"}},
        {"layout", [](auto &d) { d.layout = (simdpool_layout)2; }, SIMDPOOL_INVALID_ARGUMENT, {"layout = 2"}},
        {"dtype", [](auto &d) { d.dtype = (simdpool_dtype)1; }, SIMDPOOL_INVALID_ARGUMENT, {"dtype = 1"}},
        {"n", [](auto &d) { d.n = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"n = 0 must be >= 1"}},
        {"c", [](auto &d) { d.c = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"c = 0 must be >= 1"}},
        {"in", [](auto &d) { d.in[0] = -4; }, SIMDPOOL_INVALID_ARGUMENT, {"in[0] = -4"}},
        {"kernel negative", [](auto &d) { d.kernel[1] = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"kernel[1] = -1", ">= 0"}},
        {"stride negative", [](auto &d) { d.stride[0] = -2; }, SIMDPOOL_INVALID_ARGUMENT, {"stride[0] = -2"}},
        {"pad_begin negative", [](auto &d) { d.pad_begin[1] = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"pad_begin[1] = -1"}},
        {"pad_end negative", [](auto &d) { d.pad_end[0] = -3; }, SIMDPOOL_INVALID_ARGUMENT, {"pad_end[0] = -3"}},
        {"out negative", [](auto &d) { d.out[1] = -6; }, SIMDPOOL_INVALID_ARGUMENT, {"out[1] = -6"}},
        {"kernel unset for a derived size", [](auto &d) { d.kernel[0] = 0; }, SIMDPOOL_INVALID_ARGUMENT,
         {"kernel[0] = 0 must be >= 1", "out[0] = 0"}},
        {"stride unset for a derived size", [](auto &d) { d.stride[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT,
         {"stride[1] = 0 must be >= 1"}},
        {"derived size below 1", [](auto &d) { d.in[0] = 1; d.kernel[0] = 1; d.pad_begin[0] = 1; },
         SIMDPOOL_INVALID_ARGUMENT, {"derived output size", "(1 - 1) * 2 - 1 - 0 + 1 = 0 must be >= 1"}},
        {"derived size overflows", [](auto &d) { d.in[0] = 1LL << 40; d.stride[0] = 1LL << 40; },
         SIMDPOOL_SIZE_OVERFLOW, {"overflows"}},
        {"tensor too large", [](auto &d) { d.out[0] = 1LL << 40; d.out[1] = 1LL << 30; }, SIMDPOOL_SIZE_OVERFLOW,
         {"output"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        simdpool_unpool_desc d = make_desc(Shape{2, 1, 2, {3, 3}, {2, 2}, {2, 2}, {0, 0}, {}}, SIMDPOOL_NCHW);
        c.spoil(d);
        simdpool_plan *plan = reinterpret_cast<simdpool_plan *>(0x1);
        expect_error(simdpool_plan_create_unpool(&d, nullptr, &plan), c.status, c.fragments);
        EXPECT_EQ(plan, nullptr);
    }
}

TEST(UnpoolErrors, ExplicitSizeIgnoresUnsetKernel) {
    simdpool_unpool_desc d;
    SPTEST_ASSERT_OK(simdpool_unpool_desc_init(&d, 2));
    d.n = d.c = 1;
    d.in[0] = d.in[1] = 2;
    d.out[0] = d.out[1] = 5;  // kernel and stride left 0: not needed
    simdpool_plan *p = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_unpool(&d, nullptr, &p));
    PlanPtr owner(p);
    int64_t dims[SIMDPOOL_MAX_RANK];
    int rank;
    SPTEST_ASSERT_OK(simdpool_plan_output_shape(p, dims, &rank));
    EXPECT_EQ(std::vector<int64_t>(dims, dims + 4), (std::vector<int64_t>{1, 1, 5, 5}));
}

TEST(UnpoolErrors, InitCreateAndRunArguments) {
    simdpool_unpool_desc d;
    expect_error(simdpool_unpool_desc_init(nullptr, 2), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_unpool_desc_init(&d, 4), SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims = 4"});
    d = make_desc(Shape{2, 1, 2, {3, 3}, {2, 2}, {2, 2}, {0, 0}, {}}, SIMDPOOL_NCHW);
    simdpool_plan *raw = nullptr;
    expect_error(simdpool_plan_create_unpool(nullptr, nullptr, &raw), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_plan_create_unpool(&d, nullptr, nullptr), SIMDPOOL_NULL_POINTER, {"plan"});
    PlanPtr plan = make_plan(d);
    simdpool_plan *p = plan.get();
    std::vector<float> x(18), y(72), dx(18);
    std::vector<int64_t> idx(18, 0);
    expect_error(simdpool_unpool_forward(nullptr, x.data(), idx.data(), y.data()), SIMDPOOL_NULL_POINTER, {"plan"});
    expect_error(simdpool_unpool_forward(p, nullptr, idx.data(), y.data()), SIMDPOOL_NULL_POINTER, {"x"});
    expect_error(simdpool_unpool_forward(p, x.data(), nullptr, y.data()), SIMDPOOL_NULL_POINTER, {"indices"});
    expect_error(simdpool_unpool_forward(p, x.data(), idx.data(), nullptr), SIMDPOOL_NULL_POINTER, {"y"});
    expect_error(simdpool_forward(p, x.data(), y.data(), idx.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"simdpool_unpool_forward"});
    expect_error(simdpool_backward(p, y.data(), nullptr, nullptr, nullptr, dx.data()), SIMDPOOL_NULL_POINTER,
                 {"indices"});
    expect_error(simdpool_indices_to_onnx(p, idx.data(), idx.data()), SIMDPOOL_INVALID_ARGUMENT, {"MAX, MIN"});
    size_t count = 0;
    SPTEST_EXPECT_OK(simdpool_plan_task_count(p, 1, &count));
    expect_error(simdpool_backward_tasks(p, y.data(), idx.data(), nullptr, nullptr, dx.data(), 0, count + 1),
                 SIMDPOOL_INVALID_ARGUMENT, {"task range"});
    // The unpool entry point refuses other plans.
    simdpool_fractional_desc fd;
    simdpool_fractional_desc_init(&fd, 2);
    fd.n = fd.c = 1;
    fd.in[0] = fd.in[1] = 4;
    fd.kernel[0] = fd.kernel[1] = 2;
    fd.out[0] = fd.out[1] = 2;
    simdpool_plan *frac = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_fractional(&fd, nullptr, &frac));
    PlanPtr frac_owner(frac);
    expect_error(simdpool_unpool_forward(frac, x.data(), idx.data(), y.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"not an unpool plan"});
}

}  // namespace
