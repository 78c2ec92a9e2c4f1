// A worked example reproduced exactly: a 6x6 input, loss = mean(pool 2x2), and the gradients worked out by
// hand (max: each window's max position gets 1/#windows; average: each cell gets (#windows covering it) /
// 4 / #windows). Every expected number below is written out, not taken from the library or the reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "simdpool/simdpool.h"
#include "test_util.h"

namespace {

using namespace sptest;

const float kX[6][6] = {{1, 3, 4, 2, 5, 2},  {4, 2, 5, 6, 8, 3},  {5, 3, 7, 8, 9, 3},
                        {8, 4, 3, 6, 0, 2},  {7, 10, 3, 6, 3, 5}, {4, 7, 2, 4, 7, 8}};

// Max pool 2x2: forward outputs.
const float kMaxY_s2[3][3] = {{4, 6, 8}, {8, 8, 9}, {10, 6, 8}};
const float kMaxY_s1[5][5] = {
    {4, 5, 6, 8, 8}, {5, 7, 8, 9, 9}, {8, 7, 8, 9, 9}, {10, 10, 6, 6, 5}, {10, 10, 6, 7, 8}};
// Max pool 2x2: how many windows pick each cell as their max (gradient = count / #windows).
const int kMaxG_s2[6][6] = {{0, 0, 0, 0, 0, 0}, {1, 0, 0, 1, 1, 0}, {0, 0, 0, 1, 1, 0},
                            {1, 0, 0, 0, 0, 0}, {0, 1, 0, 1, 0, 0}, {0, 0, 0, 0, 0, 1}};
const int kMaxG_s1[6][6] = {{0, 0, 0, 0, 0, 0}, {1, 0, 1, 1, 2, 0}, {1, 0, 2, 2, 4, 0},
                            {1, 0, 0, 2, 0, 0}, {0, 4, 0, 1, 0, 1}, {0, 0, 0, 0, 1, 1}};
// Average pool 2x2 stride 1: windows covering each cell (1 at the border rows/cols, 2 inside, products).
const int kAvgCover_s1[6][6] = {{1, 2, 2, 2, 2, 1}, {2, 4, 4, 4, 4, 2}, {2, 4, 4, 4, 4, 2},
                                {2, 4, 4, 4, 4, 2}, {2, 4, 4, 4, 4, 2}, {1, 2, 2, 2, 2, 1}};

// a and b are at most `ulps` representable floats apart (same sign).
::testing::AssertionResult within_ulps(float a, float b, int ulps) {
    if (a == b) return ::testing::AssertionSuccess();
    int32_t ia, ib;
    std::memcpy(&ia, &a, 4);
    std::memcpy(&ib, &b, 4);
    if ((ia < 0) != (ib < 0) || std::isnan(a) || std::isnan(b))
        return ::testing::AssertionFailure() << a << " vs " << b;
    int64_t d = (int64_t)ia - (int64_t)ib;
    if (d < 0) d = -d;
    if (d <= ulps) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << a << " vs " << b << " differ by " << d << " ulps";
}

class WorkedExample : public ::testing::TestWithParam<std::tuple<simdpool_isa, simdpool_layout, int64_t>> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(isa()); }
    simdpool_isa isa() const { return std::get<0>(GetParam()); }
    simdpool_layout layout() const { return std::get<1>(GetParam()); }
    int64_t channels() const { return std::get<2>(GetParam()); }

    size_t at(int64_t c, int64_t h, int64_t w, int64_t H, int64_t W) const {
        const int64_t C = channels();
        return (size_t)(layout() == SIMDPOOL_NCHW ? (c * H + h) * W + w : (h * W + w) * C + c);
    }

    // Every channel holds the same 6x6 example.
    std::vector<float> input() const {
        std::vector<float> x((size_t)(channels() * 36));
        for (int64_t c = 0; c < channels(); c++)
            for (int h = 0; h < 6; h++)
                for (int w = 0; w < 6; w++) x[at(c, h, w, 6, 6)] = kX[h][w];
        return x;
    }

    PlanPtr plan(simdpool_algorithm a, int64_t stride) const {
        simdpool_pool_desc d;
        EXPECT_EQ(simdpool_pool_desc_init(&d, a, 2), SIMDPOOL_OK);
        d.n = 1;
        d.c = channels();
        d.in[0] = d.in[1] = 6;
        d.kernel[0] = d.kernel[1] = 2;
        d.stride[0] = d.stride[1] = stride;
        d.layout = layout();
        PlanPtr p;
        simdpool_status st = make_pool_plan(d, isa_options(isa()), &p);
        EXPECT_EQ(st, SIMDPOOL_OK) << simdpool_last_error();
        return p;
    }

    // loss = mean over each channel's outputs: dy = 1/#outputs everywhere.
    void run(simdpool_algorithm a, int64_t stride, const float *want_y, const int *want_count,
             float per_count) {
        const int64_t C = channels(), O = (6 - 2) / stride + 1;
        SCOPED_TRACE(std::string(algorithm_name(a)) + " 2x2 stride " + std::to_string(stride));
        PlanPtr p = plan(a, stride);
        ASSERT_TRUE(p);
        std::vector<float> x = input(), y((size_t)(C * O * O), -1.0f), dx(x.size(), -1.0f);
        std::vector<int64_t> idx(y.size(), -1);
        const bool is_max = a == SIMDPOOL_MAX;
        ASSERT_EQ(simdpool_forward(p.get(), x.data(), y.data(), is_max ? idx.data() : nullptr), SIMDPOOL_OK);
        if (want_y) {
            for (int64_t c = 0; c < C; c++)
                for (int64_t i = 0; i < O; i++)
                    for (int64_t j = 0; j < O; j++)
                        EXPECT_EQ(y[at(c, i, j, O, O)], want_y[i * O + j]) << "y c=" << c << " " << i << "," << j;
        }
        std::vector<float> dy(y.size(), 1.0f / (float)(O * O));
        ASSERT_EQ(simdpool_backward(p.get(), dy.data(), is_max ? idx.data() : nullptr, x.data(), y.data(), dx.data()),
                  SIMDPOOL_OK);
        for (int64_t c = 0; c < C; c++)
            for (int h = 0; h < 6; h++)
                for (int w = 0; w < 6; w++) {
                    float want = (float)want_count[h * 6 + w] * per_count;
                    EXPECT_TRUE(within_ulps(dx[at(c, h, w, 6, 6)], want, 1))
                        << "dx c=" << c << " h=" << h << " w=" << w;
                }
    }
};

TEST_P(WorkedExample, MaxPoolStride2) {
    run(SIMDPOOL_MAX, 2, &kMaxY_s2[0][0], &kMaxG_s2[0][0], 1.0f / 9.0f);
}

TEST_P(WorkedExample, MaxPoolStride1) {
    run(SIMDPOOL_MAX, 1, &kMaxY_s1[0][0], &kMaxG_s1[0][0], 1.0f / 25.0f);
}

TEST_P(WorkedExample, AvgPoolStride1) {
    // Each window passes (1/25)/4 = 1/100 to each of its cells.
    run(SIMDPOOL_AVG, 1, nullptr, &kAvgCover_s1[0][0], 1.0f / 100.0f);
}

TEST_P(WorkedExample, AvgPoolStride2) {
    // Windows tile the input: every cell gets (1/9)/4 = 1/36.
    int ones[36];
    for (int &v : ones) v = 1;
    const float want_y[9] = {2.5f, 4.25f, 4.5f, 5.0f, 6.0f, 3.5f, 7.0f, 3.75f, 5.75f};
    run(SIMDPOOL_AVG, 2, want_y, ones, 1.0f / 36.0f);
}

std::string param_name(const ::testing::TestParamInfo<std::tuple<simdpool_isa, simdpool_layout, int64_t>> &info) {
    return std::string(simdpool_isa_name(std::get<0>(info.param))) +
           (std::get<1>(info.param) == SIMDPOOL_NCHW ? "_nchw_c" : "_nhwc_c") + std::to_string(std::get<2>(info.param));
}

INSTANTIATE_TEST_SUITE_P(Isa, WorkedExample,
                         ::testing::Combine(::testing::ValuesIn(all_isas()),
                                            ::testing::Values(SIMDPOOL_NCHW, SIMDPOOL_NHWC),
                                            ::testing::Values<int64_t>(1, 19)),
                         param_name);

}  // namespace
