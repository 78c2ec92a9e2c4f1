// RoI max pooling and RoI align: the library against the naive reference (torchvision's rules) over boxes
// inside, partly outside, wholly outside, empty and inverted; spatial_scale 0.25/0.5/1; sampling_ratio -1/0/2;
// aligned on and off; both layouts; channel tails. Also thread-count invariance (the backward is
// deterministic), zero boxes, finite-difference gradients, box validation, and every descriptor field.
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "naive_ops.h"
#include "ops_test_util.h"

namespace {

using opstest::expect_error;
using sptest::PlanPtr;

struct Config {
    simdpool_roi_mode mode;
    int64_t n, c, h, w, ph, pw;
    float scale;
    int sampling_ratio;
    int aligned;
};

simdpool_roi_desc make_desc(const Config &k, simdpool_layout layout) {
    simdpool_roi_desc d;
    EXPECT_EQ(simdpool_roi_desc_init(&d, k.mode), SIMDPOOL_OK);
    d.n = k.n;
    d.c = k.c;
    d.in[0] = k.h;
    d.in[1] = k.w;
    d.pooled[0] = k.ph;
    d.pooled[1] = k.pw;
    d.spatial_scale = k.scale;
    d.sampling_ratio = k.sampling_ratio;
    d.aligned = k.aligned;
    d.layout = layout;
    return d;
}

PlanPtr make_plan(const simdpool_roi_desc &d, int threads = 1) {
    simdpool_options o = sptest::isa_options(SIMDPOOL_ISA_AUTO, threads);
    simdpool_plan *p = nullptr;
    EXPECT_EQ(simdpool_plan_create_roi(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    return PlanPtr(p);
}

std::string describe(const Config &k) {
    return std::string(k.mode == SIMDPOOL_ROI_POOL ? "roi_pool" : "roi_align") + " n=" + std::to_string(k.n) +
           " c=" + std::to_string(k.c) + " " + std::to_string(k.h) + "x" + std::to_string(k.w) + " pooled " +
           std::to_string(k.ph) + "x" + std::to_string(k.pw) + " scale=" + std::to_string(k.scale) +
           " sr=" + std::to_string(k.sampling_ratio) + " aligned=" + std::to_string(k.aligned);
}

// Boxes in image coordinates (the map divided by `scale`): random ones inside, then the corner cases.
std::vector<float> make_boxes(int64_t n, int64_t h, int64_t w, float scale, uint64_t seed, int random = 6) {
    const float H = float(h) / scale, W = float(w) / scale;
    sptest::Rng r(seed);
    std::vector<float> b;
    for (int k = 0; k < random; ++k) {
        float x1 = r.uniform(0, W), x2 = r.uniform(0, W), y1 = r.uniform(0, H), y2 = r.uniform(0, H);
        b.insert(b.end(), {float(k % n), std::min(x1, x2), std::min(y1, y2), std::max(x1, x2), std::max(y1, y2)});
    }
    const float nb = float(n - 1);
    const std::vector<std::vector<float>> corner = {
        {0, -0.3f * W, -0.2f * H, 0.4f * W, 0.5f * H},        // partly outside, top-left
        {nb, 0.6f * W, 0.7f * H, 1.4f * W, 1.3f * H},         // partly outside, bottom-right
        {0, -0.5f * W, 0.1f * H, 1.5f * W, 0.9f * H},         // wider than the map
        {nb, 0.5f * W, 0.5f * H, 0.5f * W, 0.5f * H},         // empty (a point)
        {0, 0.3f * W, 0.6f * H, 0.3f * W, 0.8f * H},          // empty width
        {nb, 0.7f * W, 0.6f * H, 0.2f * W, 0.1f * H},         // inverted
        {0, 0.1f * W, 0.2f * H, 0.1f * W + 0.7f, 0.2f * H + 0.4f},  // tiny
        {nb, 1.2f * W, 1.1f * H, 1.6f * W, 1.5f * H},         // wholly outside
        {0, 0.0f, 0.0f, W, H},                                // the whole map
        {nb, -3.0f * W, -3.0f * H, -2.0f * W, -2.0f * H},     // far outside, negative
    };
    for (const auto &row : corner) b.insert(b.end(), row.begin(), row.end());
    return b;
}

std::vector<Config> sweep() {
    std::vector<Config> configs;
    for (float scale : {0.25f, 0.5f, 1.0f}) {
        configs.push_back({SIMDPOOL_ROI_POOL, 2, 3, 10, 12, 2, 3, scale, -1, 0});
        for (int sr : {-1, 0, 2})
            for (int aligned : {0, 1}) configs.push_back({SIMDPOOL_ROI_ALIGN, 2, 3, 10, 12, 3, 2, scale, sr, aligned});
    }
    configs.push_back({SIMDPOOL_ROI_POOL, 2, 70, 9, 11, 3, 3, 0.5f, 0, 0});   // more channels than a block
    configs.push_back({SIMDPOOL_ROI_ALIGN, 2, 70, 9, 11, 2, 2, 0.5f, 1, 1});
    configs.push_back({SIMDPOOL_ROI_ALIGN, 1, 2, 1, 1, 2, 2, 1.0f, -1, 0});   // a 1x1 map
    configs.push_back({SIMDPOOL_ROI_POOL, 1, 2, 1, 1, 2, 2, 1.0f, -1, 0});
    configs.push_back({SIMDPOOL_ROI_ALIGN, 2, 4, 13, 17, 7, 7, 0.0625f, 2, 0});  // 1/16, a ResNet C4 stride
    return configs;
}

TEST(Roi, MatchesNaiveForwardAndBackward) {
    for (const Config &k : sweep())
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(describe(k) + " " + opstest::layout_name(layout));
            const simdpool_roi_desc d = make_desc(k, layout);
            PlanPtr plan = make_plan(d);
            ASSERT_TRUE(plan);
            size_t nin = 0, per_box = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &per_box));
            ASSERT_EQ(nin, naive_roi_input_elements(&d));
            ASSERT_EQ(per_box, naive_roi_box_elements(&d));
            const std::vector<float> boxes = make_boxes(k.n, k.h, k.w, k.scale, 5);
            const size_t nb = boxes.size() / 5, nout = nb * per_box;
            const bool pool = k.mode == SIMDPOOL_ROI_POOL;
            const std::vector<float> x = sptest::float_fill(nin, 6);
            std::vector<float> y(nout, -99.0f), want_y(nout);
            std::vector<int64_t> am(nout, -7), want_am(nout);
            SPTEST_ASSERT_OK(simdpool_roi_forward(plan.get(), x.data(), boxes.data(), nb, y.data(),
                                                  pool ? am.data() : nullptr));
            naive_roi_forward(&d, x.data(), boxes.data(), nb, want_y.data(), pool ? want_am.data() : nullptr);
            // The kernels do torchvision's float operations in torchvision's order: identical results.
            EXPECT_TRUE(sptest::arrays_identical(y, want_y));
            if (pool) {
                EXPECT_TRUE(sptest::arrays_identical(am, want_am));
            }
            const std::vector<float> dy = sptest::float_fill(nout, 7);
            std::vector<float> dx(nin, NAN), want_dx(nin);
            SPTEST_ASSERT_OK(simdpool_roi_backward(plan.get(), dy.data(), boxes.data(), nb,
                                                   pool ? am.data() : nullptr, dx.data()));
            naive_roi_backward(&d, dy.data(), boxes.data(), nb, pool ? want_am.data() : nullptr, want_dx.data());
            EXPECT_TRUE(sptest::arrays_identical(dx, want_dx));
        }
}

// The NCHW RoI align kernels work from a per-box table of bilinear samples (512 of them), applied to tiles of 8
// channels: many channels (with a tile tail), boxes whose bins fill the table several times over (12 x 12 bins
// of 2 x 2 samples), and adaptive grids of more than 512 samples in one bin (chunked, the partial sum parked in
// y) must all give torchvision's float operations in its order. Both layouts, against the naive loops.
TEST(Roi, AlignSampleTablesAndChannelTilesMatchNaive) {
    const std::vector<Config> configs = {
        {SIMDPOOL_ROI_ALIGN, 2, 75, 50, 68, 7, 7, 0.0625f, 2, 1},   // the rcnn shape with a tile tail
        {SIMDPOOL_ROI_ALIGN, 1, 11, 20, 24, 12, 12, 0.5f, 2, 0},    // 576 samples per box: two tables
        {SIMDPOOL_ROI_ALIGN, 1, 9, 60, 70, 2, 1, 1.0f, -1, 1},      // adaptive grids up to 60 x 70 per bin
    };
    for (const Config &k : configs)
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(describe(k) + " " + opstest::layout_name(layout));
            const simdpool_roi_desc d = make_desc(k, layout);
            PlanPtr plan = make_plan(d, 2);
            ASSERT_TRUE(plan);
            size_t nin = 0, per_box = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &per_box));
            const std::vector<float> boxes = make_boxes(k.n, k.h, k.w, k.scale, 17, 24);
            const size_t nb = boxes.size() / 5, nout = nb * per_box;
            std::vector<float> x = sptest::float_fill(nin, 18);
            std::vector<float> y(nout, -99.0f), want_y(nout);
            SPTEST_ASSERT_OK(simdpool_roi_forward(plan.get(), x.data(), boxes.data(), nb, y.data(), nullptr));
            naive_roi_forward(&d, x.data(), boxes.data(), nb, want_y.data(), nullptr);
            EXPECT_TRUE(sptest::arrays_identical(y, want_y));
            const std::vector<float> dy = sptest::float_fill(nout, 19);
            std::vector<float> dx(nin, NAN), want_dx(nin);
            SPTEST_ASSERT_OK(simdpool_roi_backward(plan.get(), dy.data(), boxes.data(), nb, nullptr, dx.data()));
            naive_roi_backward(&d, dy.data(), boxes.data(), nb, nullptr, want_dx.data());
            EXPECT_TRUE(sptest::arrays_identical(dx, want_dx));
        }
}

TEST(Roi, RoiPoolFollowsTorchvisionsMaxRule) {
    // Seeded with -FLT_MAX and strict >: NaN never wins, a bin of -inf gives -FLT_MAX and argmax -1, an empty
    // bin gives 0 and -1.
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Config k{SIMDPOOL_ROI_POOL, 1, 1, 4, 4, 2, 2, 1.0f, -1, 0};
        PlanPtr plan = make_plan(make_desc(k, layout));
        std::vector<float> x(16, -INFINITY);
        x[5] = NAN;
        x[2] = 3.0f;
        const std::vector<float> boxes = {0, 0, 0, 3, 3, /* outside: */ 0, 10, 10, 12, 12};
        std::vector<float> y(8);
        std::vector<int64_t> am(8);
        SPTEST_ASSERT_OK(simdpool_roi_forward(plan.get(), x.data(), boxes.data(), 2, y.data(), am.data()));
        EXPECT_EQ(y[0], -FLT_MAX);
        EXPECT_EQ(am[0], -1) << "NaN and -inf never win";
        EXPECT_EQ(y[1], 3.0f);
        EXPECT_EQ(am[1], 2);
        for (int i = 4; i < 8; ++i) {
            EXPECT_EQ(y[size_t(i)], 0.0f);
            EXPECT_EQ(am[size_t(i)], -1);
        }
    }
}

TEST(Roi, ZeroBoxes) {
    const Config k{SIMDPOOL_ROI_ALIGN, 2, 3, 5, 5, 2, 2, 1.0f, 2, 1};
    PlanPtr plan = make_plan(make_desc(k, SIMDPOOL_NCHW));
    std::vector<float> x(150, 1.0f), dx(150, NAN);
    float y = -1.0f, dy = 1.0f, box = 0.0f;
    SPTEST_ASSERT_OK(simdpool_roi_forward(plan.get(), x.data(), &box, 0, &y, nullptr));
    EXPECT_EQ(y, -1.0f) << "no box: nothing written";
    SPTEST_ASSERT_OK(simdpool_roi_backward(plan.get(), &dy, &box, 0, nullptr, dx.data()));
    for (float v : dx) EXPECT_EQ(v, 0.0f);
}

TEST(Roi, ResultsDoNotDependOnThreads) {
    for (simdpool_roi_mode mode : {SIMDPOOL_ROI_POOL, SIMDPOOL_ROI_ALIGN})
        for (simdpool_layout layout : opstest::layouts()) {
            const Config k{mode, 2, 40, 20, 24, 7, 7, 0.5f, -1, 1 - int(mode == SIMDPOOL_ROI_POOL)};
            SCOPED_TRACE(describe(k) + " " + opstest::layout_name(layout));
            const simdpool_roi_desc d = make_desc(k, layout);
            PlanPtr one = make_plan(d, 1), many = make_plan(d, 4);
            size_t nin = 0, per_box = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(one.get(), &nin, &per_box));
            const std::vector<float> boxes = make_boxes(k.n, k.h, k.w, k.scale, 9, 40);
            const size_t nb = boxes.size() / 5, nout = nb * per_box;
            const bool pool = mode == SIMDPOOL_ROI_POOL;
            const std::vector<float> x = sptest::float_fill(nin, 1), dy = sptest::float_fill(nout, 2);
            std::vector<float> y1(nout), y4(nout), dx1(nin), dx4(nin);
            std::vector<int64_t> a1(nout), a4(nout);
            SPTEST_ASSERT_OK(simdpool_roi_forward(one.get(), x.data(), boxes.data(), nb, y1.data(),
                                                  pool ? a1.data() : nullptr));
            SPTEST_ASSERT_OK(simdpool_roi_forward(many.get(), x.data(), boxes.data(), nb, y4.data(),
                                                  pool ? a4.data() : nullptr));
            EXPECT_TRUE(sptest::arrays_identical(y1, y4));
            if (pool) {
                EXPECT_TRUE(sptest::arrays_identical(a1, a4));
            }
            SPTEST_ASSERT_OK(simdpool_roi_backward(one.get(), dy.data(), boxes.data(), nb, pool ? a1.data() : nullptr,
                                                   dx1.data()));
            SPTEST_ASSERT_OK(simdpool_roi_backward(many.get(), dy.data(), boxes.data(), nb,
                                                   pool ? a1.data() : nullptr, dx4.data()));
            EXPECT_TRUE(sptest::arrays_identical(dx1, dx4));
        }
}

TEST(Roi, GradientMatchesFiniteDifferences) {
    for (simdpool_roi_mode mode : {SIMDPOOL_ROI_POOL, SIMDPOOL_ROI_ALIGN})
        for (simdpool_layout layout : opstest::layouts()) {
            const Config k{mode, 2, 2, 6, 7, 2, 3, 0.5f, mode == SIMDPOOL_ROI_ALIGN ? 2 : -1,
                           mode == SIMDPOOL_ROI_ALIGN ? 1 : 0};
            SCOPED_TRACE(describe(k) + " " + opstest::layout_name(layout));
            PlanPtr plan = make_plan(make_desc(k, layout));
            size_t nin = 0, per_box = 0;
            SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &nin, &per_box));
            const std::vector<float> boxes = make_boxes(k.n, k.h, k.w, k.scale, 3, 3);
            const size_t nb = boxes.size() / 5, nout = nb * per_box;
            const bool pool = mode == SIMDPOOL_ROI_POOL;
            // RoI align is linear in x; RoI pool needs values spaced apart so no argmax flips.
            const std::vector<float> x = sptest::distinct_fill(nin, 4), w = sptest::float_fill(nout, 5, -1.0f, 1.0f);
            auto f = [&](const std::vector<float> &xv) {
                std::vector<float> y(nout);
                EXPECT_EQ(simdpool_roi_forward(plan.get(), xv.data(), boxes.data(), nb, y.data(), nullptr),
                          SIMDPOOL_OK);
                return y;
            };
            std::vector<float> y(nout), dx(nin);
            std::vector<int64_t> am(nout);
            SPTEST_ASSERT_OK(
                simdpool_roi_forward(plan.get(), x.data(), boxes.data(), nb, y.data(), pool ? am.data() : nullptr));
            SPTEST_ASSERT_OK(simdpool_roi_backward(plan.get(), w.data(), boxes.data(), nb, pool ? am.data() : nullptr,
                                                   dx.data()));
            opstest::expect_gradient(f, x, w, dx);
        }
}

TEST(Roi, BoxesAreValidatedBeforeAnythingIsWritten) {
    const Config k{SIMDPOOL_ROI_ALIGN, 2, 1, 4, 4, 2, 2, 0.5f, -1, 0};
    PlanPtr plan = make_plan(make_desc(k, SIMDPOOL_NCHW));
    std::vector<float> x(32, 1.0f), y(8, -5.0f), dx(32, -5.0f);
    struct Case {
        std::vector<float> box;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {{2, 0, 0, 1, 1}, {"boxes[1][0] = 2", "integer in [0, 2)"}},
        {{-1, 0, 0, 1, 1}, {"boxes[1][0] = -1"}},
        {{0.5f, 0, 0, 1, 1}, {"boxes[1][0] = 0.5"}},
        {{NAN, 0, 0, 1, 1}, {"boxes[1][0] = nan"}},
        {{1e30f, 0, 0, 1, 1}, {"boxes[1][0] = 1e+30"}},
        {{0, NAN, 0, 1, 1}, {"boxes[1][1] = nan (x1)", "finite"}},
        {{0, 0, INFINITY, 1, 1}, {"boxes[1][2] = inf (y1)"}},
        {{0, 0, 0, -INFINITY, 1}, {"boxes[1][3] = -inf (x2)"}},
        {{0, 0, 0, 1, 1e20f}, {"boxes[1][4] = 1e+20 (y2)", "2^24"}},
        {{0, 0, 0, 1, 4e7f}, {"boxes[1][4] = 4e+07 (y2) * spatial_scale 0.5 = 2e+07"}},
    };
    for (const Case &c : cases) {
        std::vector<float> boxes = {1, 0, 0, 2, 2};
        boxes.insert(boxes.end(), c.box.begin(), c.box.end());
        SCOPED_TRACE(c.fragments[0]);
        expect_error(simdpool_roi_forward(plan.get(), x.data(), boxes.data(), 2, y.data(), nullptr),
                     SIMDPOOL_INVALID_ARGUMENT, c.fragments);
        EXPECT_EQ(y[0], -5.0f);
        expect_error(simdpool_roi_backward(plan.get(), y.data(), boxes.data(), 2, nullptr, dx.data()),
                     SIMDPOOL_INVALID_ARGUMENT, c.fragments);
        EXPECT_EQ(dx[0], -5.0f);
    }
    // 2^24 itself is accepted (RoI pool: RoI align's adaptive grid would take 2^23 samples per bin side).
    const Config kp{SIMDPOOL_ROI_POOL, 2, 1, 4, 4, 2, 2, 0.5f, -1, 0};
    PlanPtr pool = make_plan(make_desc(kp, SIMDPOOL_NCHW));
    const std::vector<float> edge = {0, -16777216.0f * 2, 0, 0, 1};
    SPTEST_EXPECT_OK(simdpool_roi_forward(pool.get(), x.data(), edge.data(), 1, y.data(), nullptr));
}

TEST(Roi, BadArgmaxIsRejected) {
    for (simdpool_layout layout : opstest::layouts()) {
        SCOPED_TRACE(opstest::layout_name(layout));
        const Config k{SIMDPOOL_ROI_POOL, 2, 3, 4, 5, 2, 2, 1.0f, -1, 0};
        PlanPtr plan = make_plan(make_desc(k, layout));
        const std::vector<float> boxes = {0, 0, 0, 3, 3, 1, 1, 1, 4, 3};
        std::vector<float> dy(2 * 12, 1.0f), dx(2 * 3 * 20);
        std::vector<int64_t> am(dy.size(), -1);
        am[17] = 20;  // box 1: NCHW (c = 1, bin (0, 1)); NHWC (c = 2, bin (0, 1))
        const std::string where = layout == SIMDPOOL_NCHW ? "box 1, c = 1, bin (0, 1)" : "box 1, c = 2, bin (0, 1)";
        expect_error(simdpool_roi_backward(plan.get(), dy.data(), boxes.data(), 2, am.data(), dx.data()),
                     SIMDPOOL_INVALID_ARGUMENT, {"argmax[17] = 20", where, "-1 or inside the plane [0, 20)"});
        am[17] = -2;
        expect_error(simdpool_roi_backward(plan.get(), dy.data(), boxes.data(), 2, am.data(), dx.data()),
                     SIMDPOOL_INVALID_ARGUMENT, {"argmax[17] = -2"});
    }
}

// ---- errors ----

TEST(RoiErrors, EveryDescriptorFieldIsValidated) {
    struct Case {
        const char *name;
        std::function<void(simdpool_roi_desc &)> spoil;
        simdpool_status status;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"mode", [](auto &d) { d.mode = (simdpool_roi_mode)2; }, SIMDPOOL_INVALID_ARGUMENT, {"mode = 2"}},
        {"layout", [](auto &d) { d.layout = (simdpool_layout)9; }, SIMDPOOL_INVALID_ARGUMENT, {"layout = 9"}},
        {"dtype", [](auto &d) { d.dtype = (simdpool_dtype)4; }, SIMDPOOL_INVALID_ARGUMENT, {"dtype = 4"}},
        {"n", [](auto &d) { d.n = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"n = 0 must be >= 1"}},
        {"c", [](auto &d) { d.c = -5; }, SIMDPOOL_INVALID_ARGUMENT, {"c = -5"}},
        {"in[0]", [](auto &d) { d.in[0] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"in[0] = 0"}},
        {"in[1]", [](auto &d) { d.in[1] = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"in[1] = -1"}},
        {"pooled[0]", [](auto &d) { d.pooled[0] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"pooled[0] = 0 must be >= 1"}},
        {"pooled[1]", [](auto &d) { d.pooled[1] = -7; }, SIMDPOOL_INVALID_ARGUMENT, {"pooled[1] = -7"}},
        {"aligned", [](auto &d) { d.aligned = 2; }, SIMDPOOL_INVALID_ARGUMENT, {"aligned = 2 must be 0 or 1"}},
        {"spatial_scale zero", [](auto &d) { d.spatial_scale = 0.0f; }, SIMDPOOL_INVALID_ARGUMENT,
         {"spatial_scale = 0", "finite number > 0"}},
        {"spatial_scale negative", [](auto &d) { d.spatial_scale = -0.5f; }, SIMDPOOL_INVALID_ARGUMENT,
         {"spatial_scale = -0.5"}},
        {"spatial_scale NaN", [](auto &d) { d.spatial_scale = NAN; }, SIMDPOOL_INVALID_ARGUMENT,
         {"spatial_scale = nan"}},
        {"spatial_scale inf", [](auto &d) { d.spatial_scale = INFINITY; }, SIMDPOOL_INVALID_ARGUMENT,
         {"spatial_scale = inf"}},
        {"aligned on RoI pool", [](auto &d) { d.mode = SIMDPOOL_ROI_POOL; d.aligned = 1; }, SIMDPOOL_INVALID_ARGUMENT,
         {"aligned = 1", "SIMDPOOL_ROI_ALIGN only"}},
        {"sampling_ratio on RoI pool", [](auto &d) { d.mode = SIMDPOOL_ROI_POOL; d.sampling_ratio = 2; },
         SIMDPOOL_INVALID_ARGUMENT, {"sampling_ratio = 2", "SIMDPOOL_ROI_ALIGN only"}},
        {"input too large", [](auto &d) { d.n = 1LL << 40; d.c = 1LL << 30; }, SIMDPOOL_SIZE_OVERFLOW, {"input"}},
        {"output too large", [](auto &d) { d.pooled[0] = 1LL << 40; d.pooled[1] = 1LL << 30; },
         SIMDPOOL_SIZE_OVERFLOW, {"output (one box)"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        simdpool_roi_desc d = make_desc(Config{SIMDPOOL_ROI_ALIGN, 1, 2, 8, 8, 2, 2, 0.5f, -1, 0}, SIMDPOOL_NCHW);
        c.spoil(d);
        simdpool_plan *plan = reinterpret_cast<simdpool_plan *>(0x1);
        expect_error(simdpool_plan_create_roi(&d, nullptr, &plan), c.status, c.fragments);
        EXPECT_EQ(plan, nullptr);
    }
}

TEST(RoiErrors, InitAndRunArguments) {
    simdpool_roi_desc d;
    expect_error(simdpool_roi_desc_init(nullptr, SIMDPOOL_ROI_POOL), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_roi_desc_init(&d, (simdpool_roi_mode)5), SIMDPOOL_INVALID_ARGUMENT, {"mode = 5"});
    SPTEST_ASSERT_OK(simdpool_roi_desc_init(&d, SIMDPOOL_ROI_ALIGN));
    EXPECT_EQ(d.spatial_scale, 1.0f);
    EXPECT_EQ(d.sampling_ratio, -1);
    EXPECT_EQ(d.aligned, 0);
    simdpool_plan *raw = nullptr;
    expect_error(simdpool_plan_create_roi(nullptr, nullptr, &raw), SIMDPOOL_NULL_POINTER, {"desc"});
    PlanPtr align = make_plan(make_desc(Config{SIMDPOOL_ROI_ALIGN, 1, 2, 4, 4, 2, 2, 1.0f, -1, 0}, SIMDPOOL_NCHW));
    PlanPtr pool = make_plan(make_desc(Config{SIMDPOOL_ROI_POOL, 1, 2, 4, 4, 2, 2, 1.0f, -1, 0}, SIMDPOOL_NHWC));
    std::vector<float> x(32), y(8), dx(32), boxes = {0, 0, 0, 2, 2};
    std::vector<int64_t> am(8, -1);
    expect_error(simdpool_roi_forward(nullptr, x.data(), boxes.data(), 1, y.data(), nullptr), SIMDPOOL_NULL_POINTER,
                 {"plan"});
    expect_error(simdpool_roi_forward(align.get(), nullptr, boxes.data(), 1, y.data(), nullptr),
                 SIMDPOOL_NULL_POINTER, {"x"});
    expect_error(simdpool_roi_forward(align.get(), x.data(), nullptr, 1, y.data(), nullptr), SIMDPOOL_NULL_POINTER,
                 {"boxes"});
    expect_error(simdpool_roi_forward(align.get(), x.data(), boxes.data(), 1, nullptr, nullptr),
                 SIMDPOOL_NULL_POINTER, {"y"});
    expect_error(simdpool_roi_forward(align.get(), x.data(), boxes.data(), 1, y.data(), am.data()),
                 SIMDPOOL_INVALID_ARGUMENT, {"argmax must be NULL"});
    expect_error(simdpool_roi_backward(pool.get(), y.data(), boxes.data(), 1, nullptr, dx.data()),
                 SIMDPOOL_NULL_POINTER, {"argmax must not be NULL"});
    expect_error(simdpool_roi_backward(align.get(), nullptr, boxes.data(), 1, nullptr, dx.data()),
                 SIMDPOOL_NULL_POINTER, {"dy"});
    expect_error(simdpool_roi_backward(align.get(), y.data(), boxes.data(), 1, nullptr, nullptr),
                 SIMDPOOL_NULL_POINTER, {"dx"});
    expect_error(simdpool_roi_forward(align.get(), x.data(), boxes.data(), SIZE_MAX / 2, y.data(), nullptr),
                 SIMDPOOL_SIZE_OVERFLOW, {"num_boxes"});
    // The generic entry points point to the RoI ones.
    expect_error(simdpool_forward(align.get(), x.data(), y.data(), nullptr), SIMDPOOL_INVALID_ARGUMENT,
                 {"simdpool_roi_forward"});
    expect_error(simdpool_backward(align.get(), y.data(), nullptr, nullptr, nullptr, dx.data()),
                 SIMDPOOL_INVALID_ARGUMENT, {"simdpool_roi_backward"});
    size_t count = 0;
    expect_error(simdpool_plan_task_count(align.get(), 1, &count), SIMDPOOL_INVALID_ARGUMENT, {"box"});
    // Shape queries describe one box.
    int64_t dims[SIMDPOOL_MAX_RANK];
    int rank = 0;
    SPTEST_ASSERT_OK(simdpool_plan_output_shape(pool.get(), dims, &rank));
    EXPECT_EQ(std::vector<int64_t>(dims, dims + 4), (std::vector<int64_t>{1, 2, 2, 2}));
    SPTEST_ASSERT_OK(simdpool_plan_input_shape(pool.get(), dims, &rank));
    EXPECT_EQ(std::vector<int64_t>(dims, dims + 4), (std::vector<int64_t>{1, 4, 4, 2}));
    const char *name = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(pool.get(), 1, &name));
    EXPECT_STREQ(name, "scalar/roi_pool_bwd_nhwc_f32");
    // RoI entry points refuse other plans.
    simdpool_spp_desc sd;
    simdpool_spp_desc_init(&sd, SIMDPOOL_MAX);
    sd.n = sd.c = 1;
    sd.in[0] = sd.in[1] = 4;
    simdpool_plan *spp = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_spp(&sd, nullptr, &spp));
    PlanPtr spp_owner(spp);
    expect_error(simdpool_roi_forward(spp, x.data(), boxes.data(), 1, y.data(), nullptr), SIMDPOOL_INVALID_ARGUMENT,
                 {"not a RoI plan"});
}

}  // namespace
