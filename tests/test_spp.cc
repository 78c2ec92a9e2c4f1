// Spatial pyramid pooling: the library against the naive reference (max and avg, both layouts, inputs smaller
// than a level, channel tails), equality with per-level adaptive pooling in the documented feature order,
// thread invariance, the task API, gradients, bad indices, and every descriptor field.
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
    simdpool_algorithm algorithm;
    int64_t n, c, h, w;
    std::vector<int64_t> levels;
};

simdpool_spp_desc make_desc(const Shape &s, simdpool_layout layout) {
    simdpool_spp_desc d;
    EXPECT_EQ(simdpool_spp_desc_init(&d, s.algorithm), SIMDPOOL_OK);
    d.n = s.n;
    d.c = s.c;
    d.in[0] = s.h;
    d.in[1] = s.w;
    d.num_levels = int(s.levels.size());
    for (size_t l = 0; l < s.levels.size(); ++l) d.levels[l] = s.levels[l];
    d.layout = layout;
    return d;
}

PlanPtr make_plan(const simdpool_spp_desc &d, int threads = 1, simdpool_isa isa = SIMDPOOL_ISA_AUTO) {
    simdpool_options o = sptest::isa_options(isa, threads);
    simdpool_plan *p = nullptr;
    EXPECT_EQ(simdpool_plan_create_spp(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    return PlanPtr(p);
}

std::string describe(const Shape &s) {
    std::string r = std::string(sptest::algorithm_name(s.algorithm)) + " n=" + std::to_string(s.n) +
                    " c=" + std::to_string(s.c) + " in=" + std::to_string(s.h) + "x" + std::to_string(s.w) + " levels=";
    for (auto l : s.levels) r += std::to_string(l) + ",";
    return r;
}

const std::vector<Shape> &sweep() {
    static const std::vector<Shape> shapes = {
        {SIMDPOOL_MAX, 2, 3, 9, 11, {1, 2, 4}},
        {SIMDPOOL_AVG, 2, 3, 9, 11, {1, 2, 4}},
        {SIMDPOOL_MAX, 1, 2, 3, 5, {1, 2, 4}},     // a level larger than the input: overlapping bins
        {SIMDPOOL_AVG, 1, 2, 5, 7, {1, 2, 3, 6}},
        {SIMDPOOL_MAX, 2, 70, 13, 13, {1, 3}},     // more channels than an NHWC block
        {SIMDPOOL_AVG, 1, 67, 8, 6, {2}},
        {SIMDPOOL_MAX, 3, 5, 1, 1, {1, 2}},        // a 1x1 input
        {SIMDPOOL_AVG, 1, 4, 32, 24, {1, 2, 3, 4, 5, 6, 7, 8}},
    };
    return shapes;
}

TEST(Spp, MatchesNaiveOnEveryIsa) {
    for (simdpool_isa isa : sptest::all_isas()) {
        if (!simdpool_isa_available(isa)) continue;
        for (const Shape &s : sweep())
            for (simdpool_layout layout : opstest::layouts()) {
                SCOPED_TRACE(describe(s) + " " + opstest::layout_name(layout) + " " + simdpool_isa_name(isa));
                const simdpool_spp_desc d = make_desc(s, layout);
                PlanPtr plan = make_plan(d, 1, isa);
                ASSERT_TRUE(plan);
                size_t nin = 0, nout = 0;
                SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
                ASSERT_EQ(nin, naive_spp_input_elements(&d));
                ASSERT_EQ(nout, size_t(s.n * naive_spp_features(&d)));
                int64_t dims[SIMDPOOL_MAX_RANK];
                int rank = 0;
                SPTEST_ASSERT_OK(simdpool_plan_output_shape(plan.get(), dims, &rank));
                ASSERT_EQ(rank, 2);
                EXPECT_EQ(dims[0], s.n);
                EXPECT_EQ(dims[1], naive_spp_features(&d));
                const bool is_max = s.algorithm == SIMDPOOL_MAX;
                // Max: integer values (ties: the first wins). Avg: dyadic values (exact sums in any order).
                std::vector<float> x = is_max ? sptest::int_fill(nin, 3, -5, 5) : sptest::int_fill(nin, 3, -64, 64);
                if (!is_max)
                    for (float &v : x) v /= 64.0f;
                std::vector<float> y(nout, -99.0f), want_y(nout);
                std::vector<int64_t> idx(nout, -7), want_idx(nout);
                SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y.data(), is_max ? idx.data() : nullptr));
                naive_spp_forward(&d, x.data(), want_y.data(), is_max ? want_idx.data() : nullptr);
                if (is_max) {
                    EXPECT_TRUE(sptest::arrays_identical(y, want_y));
                    EXPECT_TRUE(sptest::arrays_identical(idx, want_idx));
                } else {
                    EXPECT_TRUE(sptest::arrays_near(y, want_y, 1.2e-7, 0.0));  // the division may round differently
                }
                const std::vector<float> dy = sptest::float_fill(nout, 4);
                std::vector<float> dx(nin, NAN), want_dx(nin);
                SPTEST_ASSERT_OK(simdpool_backward(plan.get(), dy.data(), is_max ? idx.data() : nullptr, nullptr,
                                                   nullptr, dx.data()));
                naive_spp_backward(&d, dy.data(), is_max ? want_idx.data() : nullptr, want_dx.data());
                if (is_max) {
                    EXPECT_TRUE(sptest::arrays_identical(dx, want_dx));
                } else {
                    EXPECT_TRUE(sptest::arrays_near(dx, want_dx, 1e-6, 1e-7));
                }
            }
    }
}


// NCHW MAX has a kernel of its own with three paths: planes of up to 512 pixels transposed into tiles of 16
// channels (with a tile tail here), larger planes reduced down the columns and then across (positions merged
// with the scan-order rule), and bins wider than 256 columns scanned tap by tap. Values in {-1, -0, +0, 1} and
// NaN: ties (-0 against +0 too) must keep the first in scan order, a NaN must win and the last NaN stay.
TEST(Spp, NchwMaxKernelPathsMatchNaiveWithTiesAndNan) {
    const std::vector<Shape> shapes = {
        {SIMDPOOL_MAX, 2, 19, 13, 13, {1, 2, 4, 6}},  // tiles, tail of 3
        {SIMDPOOL_MAX, 1, 17, 16, 32, {1, 3, 5}},     // 512 pixels: still tiles
        {SIMDPOOL_MAX, 1, 3, 30, 40, {1, 2, 3, 5}},   // columns, then across
        {SIMDPOOL_MAX, 1, 2, 3, 300, {1, 2, 7}},      // level 1's bin is 300 columns wide: tap by tap
    };
    for (const Shape &s : shapes)
        for (double nan_fraction : {0.0, 0.05}) {
            SCOPED_TRACE(describe(s) + " nan " + std::to_string(nan_fraction));
            const simdpool_spp_desc d = make_desc(s, SIMDPOOL_NCHW);
            PlanPtr plan = make_plan(d);
            ASSERT_TRUE(plan);
            const char *name = nullptr;
            SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 0, &name));
            EXPECT_STREQ(name, "scalar/spp_maxpool_fwd_nchw_f32");
            size_t nin = 0, nout = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
            std::vector<float> x = sptest::int_fill(nin, 31, -1, 1);
            sptest::Rng r(32);
            for (float &v : x)
                if (v == 0.0f && r.chance(0.5)) v = -0.0f;
            sptest::sprinkle_nan(x, 33, nan_fraction);
            std::vector<float> y(nout, -99.0f), want_y(nout), y2(nout, -99.0f);
            std::vector<int64_t> idx(nout, -7), want_idx(nout);
            SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()));
            naive_spp_forward(&d, x.data(), want_y.data(), want_idx.data());
            EXPECT_TRUE(sptest::arrays_identical(y, want_y));
            EXPECT_TRUE(sptest::arrays_identical(idx, want_idx));
            SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y2.data(), nullptr));
            EXPECT_TRUE(sptest::arrays_identical(y2, want_y)) << "without indices";
        }
}
TEST(Spp, EqualsAdaptivePoolingPerLevelInTheDocumentedOrder) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Shape s{SIMDPOOL_MAX, 2, 3, 7, 9, {1, 2, 3}};
        PlanPtr plan = make_plan(make_desc(s, layout));
        const std::vector<float> x = sptest::float_fill(2 * 3 * 63, 1);
        const int64_t F = 3 * (1 + 4 + 9);
        std::vector<float> y(size_t(2 * F));
        SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y.data(), nullptr));
        int64_t offset = 0;
        for (int64_t l : s.levels) {
            simdpool_adaptive_desc ad;
            simdpool_adaptive_desc_init(&ad, SIMDPOOL_MAX, 2);
            ad.n = 2;
            ad.c = 3;
            ad.in[0] = 7;
            ad.in[1] = 9;
            ad.out[0] = ad.out[1] = l;
            ad.layout = layout;
            simdpool_plan *ap = nullptr;
            SPTEST_ASSERT_OK(simdpool_plan_create_adaptive(&ad, nullptr, &ap));
            PlanPtr owner(ap);
            std::vector<float> ya(size_t(2 * 3 * l * l));
            SPTEST_ASSERT_OK(simdpool_forward(ap, x.data(), ya.data(), nullptr));
            // Each image's level block is the adaptive output of that image, in the plan's layout.
            for (int64_t n = 0; n < 2; ++n)
                for (int64_t e = 0; e < 3 * l * l; ++e)
                    EXPECT_EQ(y[size_t(n * F + offset + e)], ya[size_t(n * 3 * l * l + e)]) << "level " << l;
            offset += 3 * l * l;
        }
    }
}

TEST(Spp, ResultsDoNotDependOnThreadsAndTasksMatch) {
    for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG})
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(std::string(sptest::algorithm_name(a)) + " " + opstest::layout_name(layout));
            const Shape s{a, 3, 130, 21, 17, {1, 2, 4, 6}};
            const simdpool_spp_desc d = make_desc(s, layout);
            PlanPtr one = make_plan(d, 1), many = make_plan(d, 4);
            size_t nin = 0, nout = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(one.get(), &nin, &nout));
            const bool is_max = a == SIMDPOOL_MAX;
            const std::vector<float> x = sptest::float_fill(nin, 1), dy = sptest::float_fill(nout, 2);
            std::vector<float> y1(nout), y4(nout), yt(nout, NAN), dx1(nin), dx4(nin), dxt(nin, NAN);
            std::vector<int64_t> i1(nout), i4(nout), it(nout);
            int64_t *p1 = is_max ? i1.data() : nullptr, *p4 = is_max ? i4.data() : nullptr;
            SPTEST_ASSERT_OK(simdpool_forward(one.get(), x.data(), y1.data(), p1));
            SPTEST_ASSERT_OK(simdpool_forward(many.get(), x.data(), y4.data(), p4));
            EXPECT_TRUE(sptest::arrays_identical(y1, y4));
            if (is_max) {
                EXPECT_TRUE(sptest::arrays_identical(i1, i4));
            }
            size_t tasks = 0;
            SPTEST_ASSERT_OK(simdpool_plan_task_count(one.get(), 0, &tasks));
            for (size_t t = 0; t < tasks; t += 3)
                SPTEST_ASSERT_OK(simdpool_forward_tasks(one.get(), x.data(), yt.data(), is_max ? it.data() : nullptr,
                                                        t, std::min(tasks, t + 3)));
            EXPECT_TRUE(sptest::arrays_identical(yt, y1)) << "forward tasks";
            SPTEST_ASSERT_OK(simdpool_backward(one.get(), dy.data(), p1, nullptr, nullptr, dx1.data()));
            SPTEST_ASSERT_OK(simdpool_backward(many.get(), dy.data(), p1, nullptr, nullptr, dx4.data()));
            EXPECT_TRUE(sptest::arrays_identical(dx1, dx4));
            SPTEST_ASSERT_OK(simdpool_plan_task_count(one.get(), 1, &tasks));
            for (size_t t = tasks; t-- > 0;)
                SPTEST_ASSERT_OK(simdpool_backward_tasks(one.get(), dy.data(), p1, nullptr, nullptr, dxt.data(), t,
                                                         t + 1));
            EXPECT_TRUE(sptest::arrays_identical(dxt, dx1)) << "backward tasks";
        }
}

TEST(Spp, GradientMatchesFiniteDifferences) {
    for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG})
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(std::string(sptest::algorithm_name(a)) + " " + opstest::layout_name(layout));
            const Shape s{a, 2, 2, 5, 6, {1, 2, 3}};
            PlanPtr plan = make_plan(make_desc(s, layout));
            size_t nin = 0, nout = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &nout));
            const std::vector<float> x = sptest::distinct_fill(nin, 3), w = sptest::float_fill(nout, 4, -1.0f, 1.0f);
            const bool is_max = a == SIMDPOOL_MAX;
            auto f = [&](const std::vector<float> &xv) {
                std::vector<float> y(nout);
                EXPECT_EQ(simdpool_forward(plan.get(), xv.data(), y.data(), nullptr), SIMDPOOL_OK);
                return y;
            };
            std::vector<float> y(nout), dx(nin);
            std::vector<int64_t> idx(nout);
            SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y.data(), is_max ? idx.data() : nullptr));
            SPTEST_ASSERT_OK(
                simdpool_backward(plan.get(), w.data(), is_max ? idx.data() : nullptr, nullptr, nullptr, dx.data()));
            opstest::expect_gradient(f, x, w, dx);
        }
}

TEST(Spp, BadIndicesAreRejected) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        PlanPtr plan = make_plan(make_desc(Shape{SIMDPOOL_MAX, 2, 3, 4, 4, {1, 2}}, layout));
        std::vector<float> dy(2 * 15, 1.0f), dx(2 * 3 * 16);
        std::vector<int64_t> idx(dy.size(), 0);
        idx[15 + 7] = 16;  // image 1, level 1 (offset 3), 5th feature of that level
        const std::string where = layout == SIMDPOOL_NCHW ? "n = 1, level 1 of 2 x 2 bins, c = 1, bin (0, 0)"
                                                          : "n = 1, level 1 of 2 x 2 bins, c = 1, bin (0, 1)";
        expect_error(simdpool_backward(plan.get(), dy.data(), idx.data(), nullptr, nullptr, dx.data()),
                     SIMDPOOL_INVALID_ARGUMENT, {"indices[22] = 16", where, "[0, 16)"});
    }
}

// ---- errors ----

TEST(SppErrors, EveryDescriptorFieldIsValidated) {
    struct Case {
        const char *name;
        std::function<void(simdpool_spp_desc &)> spoil;
        simdpool_status status;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"algorithm unknown", [](auto &d) { d.algorithm = (simdpool_algorithm)9; }, SIMDPOOL_INVALID_ARGUMENT,
         {"algorithm = 9"}},
        {"algorithm LP", [](auto &d) { d.algorithm = SIMDPOOL_LP; }, SIMDPOOL_INVALID_ARGUMENT,
         {"SIMDPOOL_LP", "spatial pyramid"}},
        {"layout", [](auto &d) { d.layout = (simdpool_layout)5; }, SIMDPOOL_INVALID_ARGUMENT, {"layout = 5"}},
        {"dtype", [](auto &d) { d.dtype = (simdpool_dtype)7; }, SIMDPOOL_INVALID_ARGUMENT, {"dtype = 7"}},
        {"n", [](auto &d) { d.n = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"n = 0"}},
        {"c", [](auto &d) { d.c = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"c = -1"}},
        {"in[0]", [](auto &d) { d.in[0] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"in[0] = 0 must be >= 1"}},
        {"in[1]", [](auto &d) { d.in[1] = -8; }, SIMDPOOL_INVALID_ARGUMENT, {"in[1] = -8"}},
        {"num_levels zero", [](auto &d) { d.num_levels = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"num_levels = 0", "[1, 8]"}},
        {"num_levels too many", [](auto &d) { d.num_levels = 9; }, SIMDPOOL_INVALID_ARGUMENT, {"num_levels = 9"}},
        {"level zero", [](auto &d) { d.levels[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"levels[1] = 0 must be >= 1"}},
        {"level negative", [](auto &d) { d.levels[2] = -4; }, SIMDPOOL_INVALID_ARGUMENT, {"levels[2] = -4"}},
        {"level overflows", [](auto &d) { d.levels[0] = 1LL << 40; }, SIMDPOOL_SIZE_OVERFLOW,
         {"levels[0] = 1099511627776"}},
        {"output too large", [](auto &d) { d.n = 1LL << 30; d.c = 1LL << 20; d.levels[2] = 1LL << 10; },
         SIMDPOOL_SIZE_OVERFLOW, {"output"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        simdpool_spp_desc d = make_desc(Shape{SIMDPOOL_MAX, 1, 2, 8, 8, {1, 2, 4}}, SIMDPOOL_NCHW);
        c.spoil(d);
        simdpool_plan *plan = reinterpret_cast<simdpool_plan *>(0x1);
        expect_error(simdpool_plan_create_spp(&d, nullptr, &plan), c.status, c.fragments);
        EXPECT_EQ(plan, nullptr);
    }
}

TEST(SppErrors, InitAndRunArguments) {
    simdpool_spp_desc d;
    expect_error(simdpool_spp_desc_init(nullptr, SIMDPOOL_MAX), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_spp_desc_init(&d, SIMDPOOL_SOFT), SIMDPOOL_INVALID_ARGUMENT, {"SIMDPOOL_SOFT"});
    SPTEST_ASSERT_OK(simdpool_spp_desc_init(&d, SIMDPOOL_AVG));
    EXPECT_EQ(d.num_levels, 3);
    EXPECT_EQ(d.levels[2], 4);
    simdpool_plan *raw = nullptr;
    expect_error(simdpool_plan_create_spp(nullptr, nullptr, &raw), SIMDPOOL_NULL_POINTER, {"desc"});
    PlanPtr avg = make_plan(make_desc(Shape{SIMDPOOL_AVG, 1, 2, 8, 8, {1, 2}}, SIMDPOOL_NCHW));
    PlanPtr max = make_plan(make_desc(Shape{SIMDPOOL_MAX, 1, 2, 8, 8, {1, 2}}, SIMDPOOL_NCHW));
    std::vector<float> x(128), y(10), dx(128);
    std::vector<int64_t> idx(10, 0);
    expect_error(simdpool_forward(avg.get(), nullptr, y.data(), nullptr), SIMDPOOL_NULL_POINTER, {"x"});
    expect_error(simdpool_forward(avg.get(), x.data(), nullptr, nullptr), SIMDPOOL_NULL_POINTER, {"y"});
    expect_error(simdpool_forward(avg.get(), x.data(), y.data(), idx.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"indices must be NULL", "MAX"});
    expect_error(simdpool_backward(max.get(), y.data(), nullptr, nullptr, nullptr, dx.data()), SIMDPOOL_NULL_POINTER,
                 {"indices"});
    expect_error(simdpool_backward(max.get(), nullptr, idx.data(), nullptr, nullptr, dx.data()), SIMDPOOL_NULL_POINTER,
                 {"dy"});
    expect_error(simdpool_indices_to_onnx(max.get(), idx.data(), idx.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"MAX, MIN"});
    const char *name = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(max.get(), 1, &name));
    EXPECT_STREQ(name, "scalar/spp_bwd_nchw_f32");
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(max.get(), 0, &name));
    EXPECT_NE(std::string(name).find("maxpool_fwd_nchw_f32"), std::string::npos) << name;
    char text[512];
    SPTEST_ASSERT_OK(simdpool_plan_describe(max.get(), text, sizeof text));
    EXPECT_NE(std::string(text).find("spp max 2-D NCHW n=1 c=2"), std::string::npos) << text;
    EXPECT_NE(std::string(text).find("scalar/spp_bwd_nchw_f32"), std::string::npos) << text;
}

}  // namespace
