// Results never depend on the number of threads: forward and backward of every algorithm, both layouts, on
// shapes large enough to cross the library's single-thread size threshold, with overlapping windows so that
// backward has to accumulate. And the task API (an engine's own thread pool), run in reverse task order,
// equals one simdpool_forward / simdpool_backward call bit for bit.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "simdpool/simdpool.h"
#include "test_util.h"

namespace {

using namespace sptest;

struct Shape {
    const char *name;
    int sd;
    int64_t n, c;
    int64_t in[3], k[3], s[3], pad[3];
};

const Shape kShapes[] = {
    // 2 x 40 x 40 x 41 floats = 525 KB in: well above the single-thread threshold (a few hundred KB of
    // traffic), small enough for sanitizer and emulator runs.
    {"2d_k3s1p1_overlap", 2, 2, 40, {40, 41, 0}, {3, 3, 0}, {1, 1, 0}, {1, 1, 0}},
    {"2d_k3s2p1", 2, 2, 24, {40, 39, 0}, {3, 3, 0}, {2, 2, 0}, {1, 1, 0}},
    // 2 x 17 x 12^3 floats = 235 KB in.
    {"3d_k3s2p1", 3, 2, 17, {12, 12, 12}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}},
};

simdpool_pool_desc make_desc(const Shape &s, simdpool_algorithm a, simdpool_layout layout) {
    simdpool_pool_desc d;
    EXPECT_EQ(simdpool_pool_desc_init(&d, a, s.sd), SIMDPOOL_OK);
    d.n = s.n;
    d.c = s.c;
    d.layout = layout;
    for (int i = 0; i < s.sd; i++) {
        d.in[i] = s.in[i];
        d.kernel[i] = s.k[i];
        d.stride[i] = s.s[i];
        d.pad_begin[i] = d.pad_end[i] = s.pad[i];
    }
    d.ceil_mode = 1;
    d.count_include_pad = 0;
    d.p = 3.0f;
    return d;
}

struct Outputs {
    std::vector<float> y, dx;
    std::vector<int64_t> idx;
};

class Threads : public ::testing::TestWithParam<simdpool_isa> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam()); }

    // Forward then backward (dy fixed; backward gets the reference run's idx/y so only threading differs).
    template <typename MakePlan>
    void check(MakePlan make_plan, bool routed, bool smooth) {
        PlanPtr p1;
        ASSERT_EQ(make_plan(1, &p1), SIMDPOOL_OK) << simdpool_last_error();
        size_t nin = 0, nout = 0;
        ASSERT_EQ(simdpool_plan_tensor_sizes(p1.get(), &nin, &nout), SIMDPOOL_OK);
        std::vector<float> x = smooth ? float_fill(nin, 7, -2.0f, 2.0f) : int_fill(nin, 7);
        if (!smooth) sprinkle_nan(x, 8, 0.001);
        std::vector<float> dy = smooth ? float_fill(nout, 9, -1.0f, 1.0f) : int_fill(nout, 9);

        Outputs ref;
        ref.y.assign(nout, -1.0f);
        ref.idx.assign(nout, -1);
        ref.dx.assign(nin, -1.0f);
        ASSERT_EQ(simdpool_forward(p1.get(), x.data(), ref.y.data(), routed ? ref.idx.data() : nullptr), SIMDPOOL_OK);
        ASSERT_EQ(simdpool_backward(p1.get(), dy.data(), routed ? ref.idx.data() : nullptr, x.data(), ref.y.data(),
                                    ref.dx.data()),
                  SIMDPOOL_OK);

        for (int threads : {2, 3}) {
            SCOPED_TRACE("num_threads=" + std::to_string(threads));
            PlanPtr pt;
            ASSERT_EQ(make_plan(threads, &pt), SIMDPOOL_OK) << simdpool_last_error();
            Outputs o;
            o.y.assign(nout, -1.0f);
            o.idx.assign(nout, -1);
            o.dx.assign(nin, -1.0f);
            ASSERT_EQ(simdpool_forward(pt.get(), x.data(), o.y.data(), routed ? o.idx.data() : nullptr), SIMDPOOL_OK);
            EXPECT_TRUE(arrays_identical(o.y, ref.y, "forward output"));
            if (routed) {
                EXPECT_TRUE(arrays_identical(o.idx, ref.idx, "forward index"));
            }
            ASSERT_EQ(simdpool_backward(pt.get(), dy.data(), routed ? ref.idx.data() : nullptr, x.data(),
                                        ref.y.data(), o.dx.data()),
                      SIMDPOOL_OK);
            EXPECT_TRUE(arrays_identical(o.dx, ref.dx, "backward dx"));
        }

        // Task API in reverse order, on a multi-threaded plan (the task count may depend on the plan's threads,
        // the results must not).
        {
            SCOPED_TRACE("task API, reverse order");
            PlanPtr pt;
            ASSERT_EQ(make_plan(3, &pt), SIMDPOOL_OK) << simdpool_last_error();
            size_t fcount = 0, bcount = 0;
            ASSERT_EQ(simdpool_plan_task_count(pt.get(), 0, &fcount), SIMDPOOL_OK);
            ASSERT_EQ(simdpool_plan_task_count(pt.get(), 1, &bcount), SIMDPOOL_OK);
            EXPECT_GT(fcount, 1u) << "a problem this size should split into several forward tasks";
            Outputs o;
            o.y.assign(nout, -1.0f);
            o.idx.assign(nout, -1);
            o.dx.assign(nin, std::nanf(""));
            for (size_t t = fcount; t-- > 0;)
                ASSERT_EQ(simdpool_forward_tasks(pt.get(), x.data(), o.y.data(), routed ? o.idx.data() : nullptr, t,
                                                 t + 1),
                          SIMDPOOL_OK)
                    << "task " << t << ": " << simdpool_last_error();
            EXPECT_TRUE(arrays_identical(o.y, ref.y, "task forward output"));
            if (routed) {
                EXPECT_TRUE(arrays_identical(o.idx, ref.idx, "task forward index"));
            }
            for (size_t t = bcount; t-- > 0;)
                ASSERT_EQ(simdpool_backward_tasks(pt.get(), dy.data(), routed ? ref.idx.data() : nullptr, x.data(),
                                                  ref.y.data(), o.dx.data(), t, t + 1),
                          SIMDPOOL_OK)
                    << "task " << t << ": " << simdpool_last_error();
            EXPECT_TRUE(arrays_identical(o.dx, ref.dx, "task backward dx"));

            // Uneven ranges: [0, 1), [1, count/2), [count/2, count), run last to first.
            std::vector<float> y2(nout, -1.0f);
            std::vector<int64_t> idx2(nout, -1);
            std::vector<size_t> cuts = {0, 1, fcount / 2, fcount};
            for (size_t r = cuts.size() - 1; r > 0; r--) {
                if (cuts[r - 1] >= cuts[r]) continue;
                ASSERT_EQ(simdpool_forward_tasks(pt.get(), x.data(), y2.data(), routed ? idx2.data() : nullptr,
                                                 cuts[r - 1], cuts[r]),
                          SIMDPOOL_OK);
            }
            EXPECT_TRUE(arrays_identical(y2, ref.y, "task-range forward output"));
            if (routed) {
                EXPECT_TRUE(arrays_identical(idx2, ref.idx, "task-range forward index"));
            }
        }
    }
};

TEST_P(Threads, Pool) {
    for (const Shape &s : kShapes) {
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG, SIMDPOOL_LP, SIMDPOOL_SOFT}) {
                simdpool_pool_desc d = make_desc(s, a, layout);
                SCOPED_TRACE(std::string(s.name) + ": " + describe(d));
                const simdpool_isa isa = GetParam();
                check([&](int threads, PlanPtr *p) { return make_pool_plan(d, isa_options(isa, threads), p); },
                      a == SIMDPOOL_MAX || a == SIMDPOOL_MIN, a == SIMDPOOL_LP || a == SIMDPOOL_SOFT);
                if (HasFatalFailure()) return;
            }
        }
    }
}

TEST_P(Threads, Adaptive) {
    struct A {
        int sd;
        int64_t n, c, in[3], out[3];
    } shapes[] = {
        {2, 2, 40, {40, 41, 0}, {7, 9, 0}},
        {2, 2, 24, {30, 31, 0}, {40, 40, 0}},  // outputs larger than inputs: overlapping windows
        {3, 2, 17, {12, 12, 12}, {5, 3, 4}},
    };
    for (const A &s : shapes) {
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
            for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
                simdpool_adaptive_desc d;
                ASSERT_EQ(simdpool_adaptive_desc_init(&d, a, s.sd), SIMDPOOL_OK);
                d.n = s.n;
                d.c = s.c;
                d.layout = layout;
                for (int i = 0; i < s.sd; i++) {
                    d.in[i] = s.in[i];
                    d.out[i] = s.out[i];
                }
                SCOPED_TRACE(describe(d));
                const simdpool_isa isa = GetParam();
                check([&](int threads, PlanPtr *p) { return make_adaptive_plan(d, isa_options(isa, threads), p); },
                      a == SIMDPOOL_MAX, false);
                if (HasFatalFailure()) return;
            }
        }
    }
}

// The thread split lives in the operator layer, the same for every ISA: test it with the ISA engines get by
// default (the best this machine runs).
INSTANTIATE_TEST_SUITE_P(Isa, Threads, ::testing::Values(SIMDPOOL_ISA_AUTO), IsaParamName());

// NHWC images with few output rows (1-D signals, global pooling) split each row into channel blocks: every
// ISA's kernels compute a channel slice of a pixel, so this runs on each ISA. One image, so the blocks are
// what the threads share; channel counts that no SIMD width divides, so blocks have tails and odd offsets.
class FewRowThreads : public Threads {};

const Shape kFewRowShapes[] = {
    // 1 x 100 x 1600 floats = 640 KB in: one output row of 400 windows.
    {"1d_k4s4", 1, 1, 100, {1600, 0, 0}, {4, 0, 0}, {4, 0, 0}, {0, 0, 0}},
    // Overlapping windows and padding along the one row.
    {"1d_k3s1p1", 1, 1, 70, {2000, 0, 0}, {3, 0, 0}, {1, 0, 0}, {1, 0, 0}},
    // 3 output rows of 2-D 3x3/2 windows.
    {"2d_3rows", 2, 1, 300, {7, 40, 0}, {3, 3, 0}, {2, 2, 0}, {0, 1, 0}},
};

TEST_P(FewRowThreads, Pool) {
    for (const Shape &s : kFewRowShapes) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG, SIMDPOOL_LP, SIMDPOOL_SOFT}) {
            simdpool_pool_desc d = make_desc(s, a, SIMDPOOL_NHWC);
            SCOPED_TRACE(std::string(s.name) + ": " + describe(d));
            const simdpool_isa isa = GetParam();
            check([&](int threads, PlanPtr *p) { return make_pool_plan(d, isa_options(isa, threads), p); },
                  a == SIMDPOOL_MAX || a == SIMDPOOL_MIN, a == SIMDPOOL_LP || a == SIMDPOOL_SOFT);
            if (HasFatalFailure()) return;
        }
    }
}

TEST_P(FewRowThreads, Global) {
    // 1 x 700 x 10 x 11 floats = 308 KB in, one output pixel; and 1-D global pooling of 1 x 333 x 400.
    struct G {
        int sd;
        int64_t c, in[2];
    } shapes[] = {{2, 700, {10, 11}}, {1, 333, {400, 0}}};
    for (const G &s : shapes) {
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
            simdpool_adaptive_desc d;
            ASSERT_EQ(simdpool_adaptive_desc_init(&d, a, s.sd), SIMDPOOL_OK);
            d.n = 1;
            d.c = s.c;
            d.layout = SIMDPOOL_NHWC;
            for (int i = 0; i < s.sd; i++) {
                d.in[i] = s.in[i];
                d.out[i] = 1;
            }
            SCOPED_TRACE(describe(d));
            const simdpool_isa isa = GetParam();
            check([&](int threads, PlanPtr *p) { return make_adaptive_plan(d, isa_options(isa, threads), p); },
                  a == SIMDPOOL_MAX, false);
            if (HasFatalFailure()) return;
        }
    }
}

// The fused clamp of a task touches its own channel slice only: tasks of one row run in reverse order, so a
// task that clamped its neighbours' channels would clamp values that are not final yet.
TEST_P(FewRowThreads, ClampStaysInSlice) {
    const simdpool_isa isa = GetParam();
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(isa);
    for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
        simdpool_pool_desc d = make_desc(kFewRowShapes[0], a, SIMDPOOL_NHWC);
        SCOPED_TRACE(describe(d));
        simdpool_options o1 = isa_options(isa, 1), o3 = isa_options(isa, 3);
        for (simdpool_options *o : {&o1, &o3}) {
            o->clamp_output = 1;
            o->clamp_min = 0.0f;
            o->clamp_max = 6.0f;
        }
        PlanPtr p1, p3;
        ASSERT_EQ(make_pool_plan(d, o1, &p1), SIMDPOOL_OK) << simdpool_last_error();
        ASSERT_EQ(make_pool_plan(d, o3, &p3), SIMDPOOL_OK) << simdpool_last_error();
        size_t nin = 0, nout = 0, tasks = 0;
        ASSERT_EQ(simdpool_plan_tensor_sizes(p1.get(), &nin, &nout), SIMDPOOL_OK);
        ASSERT_EQ(simdpool_plan_task_count(p3.get(), 0, &tasks), SIMDPOOL_OK);
        EXPECT_GE(tasks, 2u) << "one output row should split into channel blocks";
        const std::vector<float> x = int_fill(nin, 11);
        std::vector<float> ref(nout, -1.0f), y(nout, -1.0f);
        ASSERT_EQ(simdpool_forward(p1.get(), x.data(), ref.data(), nullptr), SIMDPOOL_OK);
        for (size_t t = tasks; t-- > 0;)
            ASSERT_EQ(simdpool_forward_tasks(p3.get(), x.data(), y.data(), nullptr, t, t + 1), SIMDPOOL_OK);
        EXPECT_TRUE(arrays_identical(y, ref, "clamped task output"));
    }
}

// NHWC backward tasks are row blocks of an image: one image gives each of 2 or 3 threads a task whatever its
// channel count (64 channels included, which channel blocks could not split); a single-threaded plan keeps
// whole images.
TEST(NhwcChannelBlocks, FollowThePlansThreads) {
    simdpool_pool_desc d;
    ASSERT_EQ(simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2), SIMDPOOL_OK);
    d.n = 1;
    d.in[0] = d.in[1] = 64;
    d.kernel[0] = d.kernel[1] = d.stride[0] = d.stride[1] = 2;
    d.layout = SIMDPOOL_NHWC;
    for (int64_t c : {64, 256}) {
        d.c = c;
        for (int threads : {1, 2, 3}) {
            PlanPtr p;
            ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_AUTO, threads), &p), SIMDPOOL_OK);
            size_t backward_tasks = 0;
            ASSERT_EQ(simdpool_plan_task_count(p.get(), 1, &backward_tasks), SIMDPOOL_OK);
            if (threads == 1) {
                EXPECT_EQ(backward_tasks, 1u) << "C=" << c << " num_threads=" << threads;
            } else {
                EXPECT_GE(backward_tasks, (size_t)threads) << "C=" << c << " num_threads=" << threads;
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(Isa, FewRowThreads, ::testing::ValuesIn(all_isas()), IsaParamName());

}  // namespace
