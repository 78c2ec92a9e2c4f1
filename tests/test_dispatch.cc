// Dispatch: CPU detection, caps (simdpool_set_isa, options.max_isa, SIMDPOOL_ISA), fallback to lower ISAs, and
// proof that a real AVX2 kernel is selected and agrees with the naive reference bit for bit.
#include <cstdlib>
#include <string>

#include "naive_pool.h"
#include "test_util.h"

namespace {

using sptest::PlanPtr;

simdpool_isa simdpool_isa_from_test_name(const std::string &name) {
    for (simdpool_isa isa : sptest::all_isas())
        if (name == simdpool_isa_name(isa)) return isa;
    return SIMDPOOL_ISA_AUTO;
}

TEST(Dispatch, CpuIsaIsConsistentWithAvailability) {
    const simdpool_isa cpu = simdpool_cpu_isa();
    EXPECT_TRUE(simdpool_isa_available(cpu));
    EXPECT_TRUE(simdpool_isa_available(SIMDPOOL_ISA_SCALAR));
    EXPECT_TRUE(simdpool_isa_available(SIMDPOOL_ISA_NEON)) << "NEON runs natively or through simde everywhere";
#if defined(__x86_64__)
    if (cpu == SIMDPOOL_ISA_AVX512) {
        EXPECT_TRUE(simdpool_isa_available(SIMDPOOL_ISA_AVX2));
    }
    if (cpu == SIMDPOOL_ISA_SCALAR) {
        EXPECT_FALSE(simdpool_isa_available(SIMDPOOL_ISA_AVX2));
    }
    // The compiler's own view of this CPU must agree with cpuid + xgetbv.
    __builtin_cpu_init();
    EXPECT_EQ(simdpool_isa_available(SIMDPOOL_ISA_AVX2) != 0,
              __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"));
    EXPECT_EQ(simdpool_isa_available(SIMDPOOL_ISA_AVX512) != 0,
              __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                  __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512dq"));
#endif
}

TEST(Dispatch, SetIsaCapsNewPlansAndAutoRestores) {
    if (std::getenv("SIMDPOOL_ISA")) GTEST_SKIP() << "SIMDPOOL_ISA is set: this test checks the uncapped default";
    const simdpool_isa cpu = simdpool_cpu_isa();
    EXPECT_EQ(simdpool_get_isa(), cpu);
    SPTEST_ASSERT_OK(simdpool_set_isa(SIMDPOOL_ISA_SCALAR));
    EXPECT_EQ(simdpool_get_isa(), SIMDPOOL_ISA_SCALAR);
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2);
    d.n = 1, d.c = 8, d.in[0] = d.in[1] = 6, d.kernel[0] = d.kernel[1] = 2, d.stride[0] = d.stride[1] = 2;
    d.layout = SIMDPOOL_NHWC;
    simdpool_plan *p = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, nullptr, &p));
    PlanPtr owner(p);
    simdpool_isa isa;
    SPTEST_ASSERT_OK(simdpool_plan_isa(p, &isa));
    EXPECT_EQ(isa, SIMDPOOL_ISA_SCALAR);
    const char *name = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(p, 0, &name));
    EXPECT_STREQ(name, "scalar/maxpool_fwd_nhwc_f32");
    // A cap above the CPU is lowered to what it runs.
    SPTEST_ASSERT_OK(simdpool_set_isa(SIMDPOOL_ISA_AVX512));
    if (cpu != SIMDPOOL_ISA_NEON) {
        EXPECT_LE((int)simdpool_get_isa(), (int)cpu);
    }
    SPTEST_ASSERT_OK(simdpool_set_isa(SIMDPOOL_ISA_AUTO));
    EXPECT_EQ(simdpool_get_isa(), cpu);
}

// Run by ctest with SIMDPOOL_ISA set (tests/CMakeLists.txt), in a process of its own: the variable is read once.
TEST(Dispatch, EnvironmentVariableCapsTheDefault) {
    const char *requested = std::getenv("SIMDPOOL_ISA");
    if (!requested) GTEST_SKIP() << "SIMDPOOL_ISA is not set; ctest runs this test again with it set";
    const std::string want = requested;
    const std::string got = simdpool_isa_name(simdpool_get_isa());
    if (want == "scalar" || want == "neon") {
        EXPECT_EQ(got, want);
    } else if (simdpool_isa_available(simdpool_isa_from_test_name(want))) {
        EXPECT_EQ(got, want) << "the CPU runs " << want << ", so SIMDPOOL_ISA=" << want << " must select it";
    } else {
        EXPECT_NE(got, want) << "a cap above the CPU must be lowered";
    }
}

// The AVX2 NHWC max/min forward kernel: selected by dispatch and bit-identical to the naive loops, including
// NaN, ties and -inf in full vectors and in the channel tail.
class Avx2Kernel : public ::testing::TestWithParam<simdpool_algorithm> {};

TEST_P(Avx2Kernel, IsSelectedAndMatchesNaive) {
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX2);
    const simdpool_algorithm algorithm = GetParam();
    for (int64_t channels : {1, 7, 8, 9, 16, 19, 33}) {
        simdpool_pool_desc d;
        simdpool_pool_desc_init(&d, algorithm, 2);
        d.layout = SIMDPOOL_NHWC;
        d.n = 2, d.c = channels, d.in[0] = 9, d.in[1] = 11;
        d.kernel[0] = 3, d.kernel[1] = 2, d.stride[0] = 2, d.stride[1] = 1, d.dilation[1] = 2;
        d.pad_begin[0] = 1, d.pad_end[0] = 2, d.pad_begin[1] = 1, d.ceil_mode = 1;
        SCOPED_TRACE(sptest::describe(d));
        PlanPtr plan;
        SPTEST_ASSERT_OK(sptest::make_pool_plan(d, sptest::isa_options(SIMDPOOL_ISA_AVX2), &plan));
        const char *name = nullptr;
        SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 0, &name));
        EXPECT_STREQ(name, algorithm == SIMDPOOL_MAX ? "avx2/maxpool_fwd_nhwc_f32" : "avx2/minpool_fwd_nhwc_f32");

        const size_t in_n = naive_pool_input_elements(&d), out_n = naive_pool_output_elements(&d);
        std::vector<float> x = sptest::int_fill(in_n, 17 + channels, -3, 3);  // many ties
        sptest::sprinkle_nan(x, 99 + channels, 0.03);
        for (size_t i = 0; i < in_n; i += 13) x[i] = algorithm == SIMDPOOL_MAX ? -INFINITY : INFINITY;
        std::vector<float> y(out_n), y_ref(out_n), y_noidx(out_n);
        std::vector<int64_t> idx(out_n), idx_ref(out_n);
        SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()));
        SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y_noidx.data(), nullptr));
        naive_pool_forward(&d, x.data(), y_ref.data(), idx_ref.data());
        EXPECT_TRUE(sptest::arrays_identical(y, y_ref));
        EXPECT_TRUE(sptest::arrays_identical(y_noidx, y_ref));
        EXPECT_TRUE(sptest::arrays_identical(idx, idx_ref));
    }
}

INSTANTIATE_TEST_SUITE_P(MaxMin, Avx2Kernel, ::testing::Values(SIMDPOOL_MAX, SIMDPOOL_MIN),
                         [](const auto &info) { return std::string(info.param == SIMDPOOL_MAX ? "max" : "min"); });

TEST(Dispatch, MissingEntriesFallBackToTheNextLowerIsa) {
    // AVX-512 has no NHWC max kernel of its own yet: its plan must run the AVX2 one, and say so in the name.
    SPTEST_SKIP_IF_ISA_UNAVAILABLE(SIMDPOOL_ISA_AVX512);
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2);
    d.layout = SIMDPOOL_NHWC, d.n = 1, d.c = 16, d.in[0] = d.in[1] = 8;
    d.kernel[0] = d.kernel[1] = 2, d.stride[0] = d.stride[1] = 2;
    PlanPtr plan;
    SPTEST_ASSERT_OK(sptest::make_pool_plan(d, sptest::isa_options(SIMDPOOL_ISA_AVX512), &plan));
    const char *fwd = nullptr, *bwd = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 0, &fwd));
    SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 1, &bwd));
    const std::string f = fwd;
    EXPECT_TRUE(f == "avx512/maxpool_fwd_nhwc_f32" || f == "avx2/maxpool_fwd_nhwc_f32") << f;
    EXPECT_NE(std::string(bwd).find("maxpool_bwd_nhwc_f32"), std::string::npos) << bwd;
}

}  // namespace

namespace {

TEST(Dispatch, DescribeSaysWhichKernelRunsAndWhy) {
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, SIMDPOOL_AVG, 2);
    d.layout = SIMDPOOL_NHWC, d.n = 1, d.c = 16, d.in[0] = d.in[1] = 8;
    d.kernel[0] = d.kernel[1] = 3, d.stride[0] = d.stride[1] = 2;
    for (simdpool_isa isa : sptest::all_isas()) {
        if (!simdpool_isa_available(isa)) continue;
        SCOPED_TRACE(simdpool_isa_name(isa));
        sptest::PlanPtr plan;
        SPTEST_ASSERT_OK(sptest::make_pool_plan(d, sptest::isa_options(isa), &plan));
        char line[512];
        SPTEST_ASSERT_OK(simdpool_plan_describe(plan.get(), line, sizeof line));
        const std::string text = line;
        const char *fwd = nullptr, *bwd = nullptr;
        SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 0, &fwd));
        SPTEST_ASSERT_OK(simdpool_plan_kernel_name(plan.get(), 1, &bwd));
        EXPECT_NE(text.find(std::string("isa ") + simdpool_isa_name(isa) + " ("), std::string::npos) << text;
        EXPECT_NE(text.find(std::string("plan cap ") + simdpool_isa_name(isa)), std::string::npos) << text;
        EXPECT_NE(text.find(std::string("forward ") + fwd), std::string::npos) << text;
        EXPECT_NE(text.find(std::string("backward ") + bwd), std::string::npos) << text;
        EXPECT_NE(text.find("in=8x8 out=3x3 k=3x3 s=2x2"), std::string::npos) << text;
        // A fallback is named exactly when a kernel comes from another ISA's table.
        const std::string own = std::string(simdpool_isa_name(isa)) + "/";
        const bool fell_back = std::string(fwd).rfind(own, 0) != 0 || std::string(bwd).rfind(own, 0) != 0;
        EXPECT_EQ(text.find("fallback") != std::string::npos, fell_back) << text;
        char tiny[10];
        SPTEST_ASSERT_OK(simdpool_plan_describe(plan.get(), tiny, sizeof tiny));
        EXPECT_EQ(std::string(tiny), text.substr(0, 9));
        EXPECT_EQ(simdpool_plan_describe(plan.get(), tiny, 0), SIMDPOOL_INVALID_ARGUMENT);
        EXPECT_EQ(simdpool_plan_describe(plan.get(), nullptr, 4), SIMDPOOL_NULL_POINTER);
    }
}

}  // namespace
