// The cost model against hand-computed counts.
#include "test_util.h"

namespace {

using sptest::PlanPtr;

PlanPtr make(simdpool_algorithm algorithm, int dims, int64_t n, int64_t c, int64_t in, int64_t k, int64_t s,
             int64_t pad = 0, int64_t dilation = 1, float p = 2.0f) {
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, algorithm, dims);
    d.n = n, d.c = c, d.p = p;
    for (int i = 0; i < dims; ++i) {
        d.in[i] = in, d.kernel[i] = k, d.stride[i] = s, d.dilation[i] = dilation;
        d.pad_begin[i] = d.pad_end[i] = pad;
    }
    simdpool_plan *plan = nullptr;
    EXPECT_EQ(simdpool_plan_create_pool(&d, nullptr, &plan), SIMDPOOL_OK) << simdpool_last_error();
    return PlanPtr(plan);
}

simdpool_cost cost_of(const PlanPtr &plan, int backward, int with_indices) {
    simdpool_cost c{};
    EXPECT_EQ(simdpool_plan_cost(plan.get(), backward, with_indices, &c), SIMDPOOL_OK) << simdpool_last_error();
    return c;
}

TEST(Cost, VggMax2x2Stride2) {
    // 1x64x224x224 -> 1x64x112x112: every input is read once and is exactly one tap of one window.
    PlanPtr plan = make(SIMDPOOL_MAX, 2, 1, 64, 224, 2, 2);
    simdpool_cost f = cost_of(plan, 0, 0);
    EXPECT_EQ(f.bytes_read, 64ull * 224 * 224 * 4);
    EXPECT_EQ(f.bytes_written, 64ull * 112 * 112 * 4);
    EXPECT_EQ(f.arithmetic, 64ull * 224 * 224);
    EXPECT_EQ(f.transcendental, 0u);
    simdpool_cost fi = cost_of(plan, 0, 1);
    EXPECT_EQ(fi.bytes_written, 64ull * 112 * 112 * (4 + 8));
    simdpool_cost b = cost_of(plan, 1, 0);
    EXPECT_EQ(b.bytes_read, 64ull * 112 * 112 * (4 + 8));  // dy and indices
    EXPECT_EQ(b.bytes_written, 64ull * 224 * 224 * 4);      // all of dx
    EXPECT_EQ(b.arithmetic, 64ull * 112 * 112);
}

TEST(Cost, AvgWithPaddingCountsOnlyInputTaps) {
    // 5x5, 3x3/2 pad 1: per axis the windows hold 2, 3, 2 input taps (7), so 49 taps, 9 outputs.
    PlanPtr plan = make(SIMDPOOL_AVG, 2, 1, 1, 5, 3, 2, 1);
    simdpool_cost f = cost_of(plan, 0, 0);
    EXPECT_EQ(f.bytes_read, 25u * 4);
    EXPECT_EQ(f.bytes_written, 9u * 4);
    EXPECT_EQ(f.arithmetic, 49u + 9u);
    simdpool_cost b = cost_of(plan, 1, 0);
    EXPECT_EQ(b.bytes_read, 9u * 4);
    EXPECT_EQ(b.bytes_written, 25u * 4);
    EXPECT_EQ(b.arithmetic, 49u + 9u);
}

TEST(Cost, GapsBetweenWindowsAreNotRead) {
    // 1-D in 7, kernel 2, stride 3: windows {0,1} and {3,4}; positions 2, 5, 6 are never read.
    PlanPtr plan = make(SIMDPOOL_MAX, 1, 2, 3, 7, 2, 3);
    EXPECT_EQ(cost_of(plan, 0, 0).bytes_read, 2u * 3 * 4 * 4);
    // Dilated: in 9, kernel 2, dilation 3, stride 4: windows {0,3} and {4,7}.
    PlanPtr dilated = make(SIMDPOOL_MAX, 1, 1, 1, 9, 2, 4, 0, 3);
    simdpool_cost f = cost_of(dilated, 0, 0);
    EXPECT_EQ(f.bytes_read, 4u * 4);
    EXPECT_EQ(f.arithmetic, 4u);
}

TEST(Cost, TranscendentalsOfLpAndSoft) {
    // 1-D in 8, kernel 4, stride 4: 2 outputs of 4 taps.
    PlanPtr lp3 = make(SIMDPOOL_LP, 1, 1, 1, 8, 4, 4, 0, 1, 3.0f);
    simdpool_cost f = cost_of(lp3, 0, 0);
    EXPECT_EQ(f.arithmetic, 16u);
    EXPECT_EQ(f.transcendental, 8u + 2u);
    PlanPtr lp2 = make(SIMDPOOL_LP, 1, 1, 1, 8, 4, 4, 0, 1, 2.0f);
    EXPECT_EQ(cost_of(lp2, 0, 0).transcendental, 0u);
    simdpool_cost b = cost_of(lp3, 1, 0);
    EXPECT_EQ(b.bytes_read, 2u * 2 * 4 + 8u * 4);  // dy and y, then x
    EXPECT_EQ(b.arithmetic, 3u * 8 + 2u);
    PlanPtr soft = make(SIMDPOOL_SOFT, 1, 1, 1, 8, 4, 4);
    simdpool_cost s = cost_of(soft, 0, 0);
    EXPECT_EQ(s.arithmetic, 4u * 8 + 2u);
    EXPECT_EQ(s.transcendental, 8u);
}

TEST(Cost, AdaptiveGlobalAverage) {
    simdpool_adaptive_desc d;
    simdpool_global_desc_init(&d, SIMDPOOL_AVG, 2);
    d.n = 32, d.c = 2048, d.in[0] = d.in[1] = 7;
    simdpool_plan *p = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_adaptive(&d, nullptr, &p));
    PlanPtr plan(p);
    simdpool_cost f = cost_of(plan, 0, 0);
    EXPECT_EQ(f.bytes_read, 32ull * 2048 * 49 * 4);
    EXPECT_EQ(f.bytes_written, 32ull * 2048 * 4);
    EXPECT_EQ(f.arithmetic, 32ull * 2048 * 50);
}

TEST(Cost, RejectsBadArguments) {
    PlanPtr avg = make(SIMDPOOL_AVG, 2, 1, 1, 5, 3, 2, 1);
    simdpool_cost c;
    EXPECT_EQ(simdpool_plan_cost(nullptr, 0, 0, &c), SIMDPOOL_NULL_POINTER);
    EXPECT_EQ(simdpool_plan_cost(avg.get(), 0, 0, nullptr), SIMDPOOL_NULL_POINTER);
    EXPECT_EQ(simdpool_plan_cost(avg.get(), 2, 0, &c), SIMDPOOL_INVALID_ARGUMENT);
    EXPECT_STREQ(simdpool_last_error(), "backward = 2 must be 0 or 1");
    EXPECT_EQ(simdpool_plan_cost(avg.get(), 0, 1, &c), SIMDPOOL_INVALID_ARGUMENT);
    EXPECT_NE(std::string(simdpool_last_error()).find("MAX and MIN"), std::string::npos);
}

}  // namespace
