// SoftPool at the edges of f32: a -inf tap has weight e^-inf = 0 and must contribute nothing to the output or
// the gradient (the plain product would make it 0 * -inf = NaN). Checked against a hand computation and the
// naive reference, in both layouts and on every ISA.
#include <cmath>

#include "naive_pool.h"
#include "test_util.h"

namespace {

class SoftPoolEdges : public ::testing::TestWithParam<simdpool_isa> {};

TEST_P(SoftPoolEdges, MinusInfinityTapsHaveNoWeight) {
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam());
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        simdpool_pool_desc d;
        simdpool_pool_desc_init(&d, SIMDPOOL_SOFT, 1);
        d.n = 1, d.c = 1, d.in[0] = 6, d.kernel[0] = 3, d.stride[0] = 3, d.layout = layout;
        sptest::PlanPtr plan;
        SPTEST_ASSERT_OK(sptest::make_pool_plan(d, sptest::isa_options(GetParam()), &plan));
        const float x[6] = {-INFINITY, 1.0f, 2.0f, 0.5f, -INFINITY, -INFINITY};
        float y[2], dx[6];
        const float dy[2] = {1.0f, 1.0f};
        SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x, y, nullptr));
        const double w1 = std::exp(1.0 - 2.0), want0 = (w1 * 1.0 + 2.0) / (w1 + 1.0);
        EXPECT_NEAR(y[0], want0, 1e-6);
        EXPECT_EQ(y[1], 0.5f) << "a window whose only finite tap is 0.5 averages to 0.5";
        SPTEST_ASSERT_OK(simdpool_backward(plan.get(), dy, nullptr, x, y, dx));
        EXPECT_EQ(dx[0], 0.0f);
        EXPECT_EQ(dx[4], 0.0f);
        EXPECT_EQ(dx[5], 0.0f);
        EXPECT_FALSE(std::isnan(dx[1]) || std::isnan(dx[2]) || std::isnan(dx[3]));
        float y_ref[2], dx_ref[6];
        naive_pool_forward(&d, x, y_ref, nullptr);
        naive_pool_backward(&d, dy, nullptr, x, y_ref, dx_ref);
        EXPECT_TRUE(sptest::arrays_near(y, y_ref, 2, 1e-6, 1e-7));
        EXPECT_TRUE(sptest::arrays_near(dx, dx_ref, 6, 1e-5, 1e-7));
    }
}

INSTANTIATE_TEST_SUITE_P(Isa, SoftPoolEdges, ::testing::ValuesIn(sptest::all_isas()), sptest::IsaParamName());

}  // namespace
