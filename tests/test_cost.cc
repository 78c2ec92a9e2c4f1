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

// ---- the rest of the op set ----

// Runs a create function, which receives &plan; the plan is read only after the call.
template <typename Create>
PlanPtr created(Create create) {
    simdpool_plan *plan = nullptr;
    EXPECT_EQ(create(&plan), SIMDPOOL_OK) << simdpool_last_error();
    return PlanPtr(plan);
}

PlanPtr fractional(int64_t c, int64_t in, int64_t kernel, int64_t out) {
    simdpool_fractional_desc d;
    simdpool_fractional_desc_init(&d, 2);
    d.n = 1, d.c = c;
    for (int i = 0; i < 2; ++i) d.in[i] = in, d.kernel[i] = kernel, d.out[i] = out;
    return created([&](simdpool_plan **p) { return simdpool_plan_create_fractional(&d, nullptr, p); });
}

TEST(Cost, FractionalWithoutGaps) {
    // 1x2x5x5 -> 4x4, kernel 2: alpha = (5 - 2) / 3 = 1 <= 2, so the windows cover all 25 positions per plane.
    // 2 planes x 16 outputs x 4 taps = 128 comparisons; 2 planes x 2 samples are read too.
    PlanPtr plan = fractional(2, 5, 2, 4);
    simdpool_cost f = cost_of(plan, 0, 0);
    EXPECT_EQ(f.bytes_read, 2u * 25 * 4 + 2u * 2 * 4);  // x, samples
    EXPECT_EQ(f.bytes_written, 2u * 16 * 4);
    EXPECT_EQ(f.arithmetic, 2u * 16 * 4);
    EXPECT_EQ(f.transcendental, 0u);
    EXPECT_EQ(cost_of(plan, 0, 1).bytes_written, 2u * 16 * (4 + 8));
    simdpool_cost b = cost_of(plan, 1, 0);
    EXPECT_EQ(b.bytes_read, 2u * 16 * (4 + 8));  // dy, indices
    EXPECT_EQ(b.bytes_written, 2u * 25 * 4);     // all of dx
    EXPECT_EQ(b.arithmetic, 2u * 16);
}

TEST(Cost, FractionalWithGaps) {
    // 1x1x10x10 -> 3x3, kernel 2: alpha = 8 / 2 = 4 > 2; with u = 0 the windows are {0,1}, {4,5}, {8,9} per axis:
    // 6 x 6 = 36 positions read, whatever the samples.
    PlanPtr plan = fractional(1, 10, 2, 3);
    simdpool_cost f = cost_of(plan, 0, 0);
    EXPECT_EQ(f.bytes_read, 36u * 4 + 2u * 4);
    EXPECT_EQ(f.arithmetic, 9u * 4);
}

TEST(Cost, UnpoolMovesDataOnly) {
    // 1x3x2x2 -> 1x3x4x4 (undoing max 2x2/2): forward reads 12 values and 12 indices, writes all 48 of y;
    // backward gathers 12 dy values through 12 indices into a 12-element dx.
    simdpool_unpool_desc d;
    simdpool_unpool_desc_init(&d, 2);
    d.n = 1, d.c = 3;
    for (int i = 0; i < 2; ++i) d.in[i] = 2, d.kernel[i] = 2, d.stride[i] = 2;
    PlanPtr plan = created([&](simdpool_plan **p) { return simdpool_plan_create_unpool(&d, nullptr, p); });
    simdpool_cost f = cost_of(plan, 0, 0);
    EXPECT_EQ(f.bytes_read, 12u * (4 + 8));
    EXPECT_EQ(f.bytes_written, 48u * 4);
    EXPECT_EQ(f.arithmetic, 0u);
    simdpool_cost b = cost_of(plan, 1, 0);
    EXPECT_EQ(b.bytes_read, 12u * (4 + 8));
    EXPECT_EQ(b.bytes_written, 12u * 4);
    EXPECT_EQ(b.arithmetic, 0u);
    simdpool_cost c;
    EXPECT_EQ(simdpool_plan_cost(plan.get(), 0, 1, &c), SIMDPOOL_INVALID_ARGUMENT);
    EXPECT_NE(std::string(simdpool_last_error()).find("unpool"), std::string::npos);
}

PlanPtr spp(simdpool_algorithm algorithm) {
    simdpool_spp_desc d;
    simdpool_spp_desc_init(&d, algorithm);
    d.n = 2, d.c = 3, d.in[0] = d.in[1] = 5;
    d.num_levels = 2, d.levels[0] = 1, d.levels[1] = 2;
    return created([&](simdpool_plan **p) { return simdpool_plan_create_spp(&d, nullptr, p); });
}

TEST(Cost, SpatialPyramid) {
    // 2x3x5x5, levels {1, 2}: F = 3 * (1 + 4) = 15 features per image, 30 outputs. Taps per plane: level 1
    // 5 x 5 = 25; level 2 bins [0, 3) and [2, 5) per axis, 6 x 6 = 36; 61 per plane, 6 planes: 366.
    // x is read once and dx written once, not once per level.
    PlanPtr max = spp(SIMDPOOL_MAX);
    simdpool_cost f = cost_of(max, 0, 0);
    EXPECT_EQ(f.bytes_read, 2u * 3 * 25 * 4);
    EXPECT_EQ(f.bytes_written, 30u * 4);
    EXPECT_EQ(f.arithmetic, 366u);
    EXPECT_EQ(cost_of(max, 0, 1).bytes_written, 30u * (4 + 8));
    simdpool_cost b = cost_of(max, 1, 0);
    EXPECT_EQ(b.bytes_read, 30u * (4 + 8));
    EXPECT_EQ(b.bytes_written, 2u * 3 * 25 * 4);
    EXPECT_EQ(b.arithmetic, 30u);
    PlanPtr avg = spp(SIMDPOOL_AVG);
    EXPECT_EQ(cost_of(avg, 0, 0).arithmetic, 366u + 30u);  // a division per output
    simdpool_cost ab = cost_of(avg, 1, 0);
    EXPECT_EQ(ab.bytes_read, 30u * 4);
    EXPECT_EQ(ab.arithmetic, 366u + 30u);
}

PlanPtr roi(simdpool_roi_mode mode, int64_t n, int64_t c, int64_t h, int64_t w, int64_t pooled, int sampling_ratio) {
    simdpool_roi_desc d;
    simdpool_roi_desc_init(&d, mode);
    d.n = n, d.c = c, d.in[0] = h, d.in[1] = w, d.pooled[0] = d.pooled[1] = pooled;
    d.sampling_ratio = sampling_ratio;
    return created([&](simdpool_plan **p) { return simdpool_plan_create_roi(&d, nullptr, p); });
}

TEST(Cost, RoiMaxPoolingOfOneBox) {
    // Map 2x3x6x8 = 288 floats; one box (5 floats) pooled to 2x2: a block of 3 x 4 = 12 outputs, one comparison
    // (forward) or addition (backward) each.
    PlanPtr plan = roi(SIMDPOOL_ROI_POOL, 2, 3, 6, 8, 2, -1);
    simdpool_cost f = cost_of(plan, 0, 0);
    EXPECT_EQ(f.bytes_read, 288u * 4 + 5u * 4);
    EXPECT_EQ(f.bytes_written, 12u * 4);
    EXPECT_EQ(f.arithmetic, 12u);
    EXPECT_EQ(cost_of(plan, 0, 1).bytes_written, 12u * (4 + 8));
    simdpool_cost b = cost_of(plan, 1, 0);
    EXPECT_EQ(b.bytes_read, 5u * 4 + 12u * (4 + 8));  // box, dy, argmax
    EXPECT_EQ(b.bytes_written, 288u * 4);             // all of dx
    EXPECT_EQ(b.arithmetic, 12u);
}

TEST(Cost, RoiAlignOfOneBox) {
    // Map 1x2x4x4 = 32 floats; one box pooled to 3x3: 18 outputs. sampling_ratio 2: 4 bilinear samples per bin,
    // 8 operations each, plus the division: 18 x 33 = 594. Adaptive grid: counted as 1 sample, 18 x 9 = 162.
    PlanPtr fixed = roi(SIMDPOOL_ROI_ALIGN, 1, 2, 4, 4, 3, 2);
    simdpool_cost f = cost_of(fixed, 0, 0);
    EXPECT_EQ(f.bytes_read, 32u * 4 + 5u * 4);
    EXPECT_EQ(f.bytes_written, 18u * 4);
    EXPECT_EQ(f.arithmetic, 594u);
    EXPECT_EQ(f.transcendental, 0u);
    simdpool_cost b = cost_of(fixed, 1, 0);
    EXPECT_EQ(b.bytes_read, 5u * 4 + 18u * 4);  // box, dy
    EXPECT_EQ(b.bytes_written, 32u * 4);
    EXPECT_EQ(b.arithmetic, 594u);
    PlanPtr adaptive = roi(SIMDPOOL_ROI_ALIGN, 1, 2, 4, 4, 3, -1);
    EXPECT_EQ(cost_of(adaptive, 0, 0).arithmetic, 162u);
    simdpool_cost c;
    EXPECT_EQ(simdpool_plan_cost(fixed.get(), 0, 1, &c), SIMDPOOL_INVALID_ARGUMENT);  // RoI align has no argmax
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
