// Error paths: every descriptor field, option and argument that can be wrong gets a test expecting the
// status and a message that names the field and the value.
#include <cfloat>
#include <climits>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "test_util.h"

namespace {

using sptest::PlanPtr;

simdpool_pool_desc valid_pool(simdpool_algorithm algorithm = SIMDPOOL_MAX, int dims = 2) {
    simdpool_pool_desc d;
    EXPECT_EQ(simdpool_pool_desc_init(&d, algorithm, dims), SIMDPOOL_OK);
    d.n = 2;
    d.c = 3;
    for (int i = 0; i < dims; ++i) {
        d.in[i] = 8;
        d.kernel[i] = 3;
        d.stride[i] = 2;
        d.pad_begin[i] = d.pad_end[i] = 1;
    }
    return d;
}

simdpool_adaptive_desc valid_adaptive(simdpool_algorithm algorithm = SIMDPOOL_AVG, int dims = 2) {
    simdpool_adaptive_desc d;
    EXPECT_EQ(simdpool_adaptive_desc_init(&d, algorithm, dims), SIMDPOOL_OK);
    d.n = 1;
    d.c = 4;
    for (int i = 0; i < dims; ++i) {
        d.in[i] = 7;
        d.out[i] = 3;
    }
    return d;
}

// Expects `status` and a last-error message containing every one of `fragments`.
void expect_error(simdpool_status status, simdpool_status want, const std::vector<std::string> &fragments) {
    EXPECT_EQ(status, want) << "got " << simdpool_status_string(status) << ": " << simdpool_last_error();
    const std::string message = simdpool_last_error();
    for (const auto &f : fragments) EXPECT_NE(message.find(f), std::string::npos) << "message \"" << message
                                                                                   << "\" lacks \"" << f << "\"";
}

void expect_pool_rejected(const simdpool_pool_desc &d, simdpool_status want, const std::vector<std::string> &fragments) {
    simdpool_plan *plan = reinterpret_cast<simdpool_plan *>(0x1);
    expect_error(simdpool_plan_create_pool(&d, nullptr, &plan), want, fragments);
    EXPECT_EQ(plan, nullptr) << "a failed create must leave *plan NULL";
}

void expect_adaptive_rejected(const simdpool_adaptive_desc &d, simdpool_status want,
                              const std::vector<std::string> &fragments) {
    simdpool_plan *plan = reinterpret_cast<simdpool_plan *>(0x1);
    expect_error(simdpool_plan_create_adaptive(&d, nullptr, &plan), want, fragments);
    EXPECT_EQ(plan, nullptr);
}

TEST(Errors, ValidDescriptorsAreAccepted) {
    for (int dims = 1; dims <= 3; ++dims)
        for (auto a : {SIMDPOOL_MAX, SIMDPOOL_AVG, SIMDPOOL_MIN, SIMDPOOL_LP, SIMDPOOL_SOFT}) {
            simdpool_pool_desc d = valid_pool(a, dims);
            simdpool_plan *plan = nullptr;
            SPTEST_EXPECT_OK(simdpool_plan_create_pool(&d, nullptr, &plan));
            simdpool_plan_destroy(plan);
        }
}

TEST(Errors, DescInitRejectsBadArguments) {
    simdpool_pool_desc d;
    expect_error(simdpool_pool_desc_init(nullptr, SIMDPOOL_MAX, 2), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_pool_desc_init(&d, (simdpool_algorithm)9, 2), SIMDPOOL_INVALID_ARGUMENT, {"algorithm", "9"});
    expect_error(simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 0), SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims", "0"});
    expect_error(simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 4), SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims", "4"});
    simdpool_adaptive_desc a;
    expect_error(simdpool_adaptive_desc_init(nullptr, SIMDPOOL_AVG, 2), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_adaptive_desc_init(&a, (simdpool_algorithm)-1, 2), SIMDPOOL_INVALID_ARGUMENT,
                 {"algorithm", "-1"});
    expect_error(simdpool_global_desc_init(&a, SIMDPOOL_AVG, 5), SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims", "5"});
}

TEST(Errors, UninitialisedKernelAndStrideAreNamed) {
    simdpool_pool_desc d;
    ASSERT_EQ(simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2), SIMDPOOL_OK);
    d.n = d.c = 1;
    d.in[0] = d.in[1] = 4;
    expect_pool_rejected(d, SIMDPOOL_INVALID_ARGUMENT, {"kernel[0] = 0 must be >= 1"});
    d.kernel[0] = d.kernel[1] = 2;
    expect_pool_rejected(d, SIMDPOOL_INVALID_ARGUMENT, {"stride[0] = 0 must be >= 1"});
}

struct FieldCase {
    const char *name;
    std::function<void(simdpool_pool_desc &)> spoil;
    simdpool_status status;
    std::vector<std::string> fragments;
};

TEST(Errors, EveryPoolFieldIsValidated) {
    const std::vector<FieldCase> cases = {
        {"algorithm", [](auto &d) { d.algorithm = (simdpool_algorithm)7; }, SIMDPOOL_INVALID_ARGUMENT, {"algorithm = 7"}},
        {"spatial_dims", [](auto &d) { d.spatial_dims = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims = 0"}},
        {"layout", [](auto &d) { d.layout = (simdpool_layout)3; }, SIMDPOOL_INVALID_ARGUMENT, {"layout = 3"}},
        {"dtype", [](auto &d) { d.dtype = (simdpool_dtype)5; }, SIMDPOOL_INVALID_ARGUMENT, {"dtype = 5"}},
        {"n zero", [](auto &d) { d.n = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"n = 0 must be >= 1"}},
        {"n negative", [](auto &d) { d.n = -2; }, SIMDPOOL_INVALID_ARGUMENT, {"n = -2"}},
        {"c zero", [](auto &d) { d.c = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"c = 0 must be >= 1"}},
        {"c negative", [](auto &d) { d.c = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"c = -1"}},
        {"in zero", [](auto &d) { d.in[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"in[1] = 0 must be >= 1"}},
        {"in negative", [](auto &d) { d.in[0] = -5; }, SIMDPOOL_INVALID_ARGUMENT, {"in[0] = -5"}},
        {"kernel zero", [](auto &d) { d.kernel[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"kernel[1] = 0 must be >= 1"}},
        {"kernel negative", [](auto &d) { d.kernel[0] = -3; }, SIMDPOOL_INVALID_ARGUMENT, {"kernel[0] = -3"}},
        {"stride zero", [](auto &d) { d.stride[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"stride[1] = 0 must be >= 1"}},
        {"stride negative", [](auto &d) { d.stride[0] = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"stride[0] = -1"}},
        {"dilation zero", [](auto &d) { d.dilation[0] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"dilation[0] = 0 must be >= 1"}},
        {"pad_begin negative", [](auto &d) { d.pad_begin[1] = -1; }, SIMDPOOL_INVALID_ARGUMENT, {"pad_begin[1] = -1", ">= 0"}},
        {"pad_end negative", [](auto &d) { d.pad_end[0] = -2; }, SIMDPOOL_INVALID_ARGUMENT, {"pad_end[0] = -2"}},
        {"pad_begin beyond limit", [](auto &d) { d.pad_begin[0] = 3; }, SIMDPOOL_INVALID_ARGUMENT,
         {"pad_begin[0] = 3", "dilated kernel extent 3"}},
        {"pad_end beyond limit", [](auto &d) { d.pad_end[1] = 4; }, SIMDPOOL_INVALID_ARGUMENT, {"pad_end[1] = 4"}},
        {"kernel larger than padded input", [](auto &d) { d.kernel[1] = 11; d.pad_begin[1] = d.pad_end[1] = 1; },
         SIMDPOOL_INVALID_ARGUMENT, {"kernel[1] = 11", "padded input 10"}},
        {"dilated kernel larger than padded input", [](auto &d) { d.dilation[0] = 5; }, SIMDPOOL_INVALID_ARGUMENT,
         {"kernel[0] = 3", "dilated extent 11"}},
        {"ceil_mode", [](auto &d) { d.ceil_mode = 2; }, SIMDPOOL_INVALID_ARGUMENT, {"ceil_mode = 2"}},
        {"count_include_pad", [](auto &d) { d.count_include_pad = -1; }, SIMDPOOL_INVALID_ARGUMENT,
         {"count_include_pad = -1"}},
        {"divisor_override negative", [](auto &d) { d.algorithm = SIMDPOOL_AVG; d.divisor_override = -4; },
         SIMDPOOL_INVALID_ARGUMENT, {"divisor_override = -4"}},
        {"divisor_override on max", [](auto &d) { d.divisor_override = 4; }, SIMDPOOL_INVALID_ARGUMENT,
         {"divisor_override = 4", "SIMDPOOL_AVG only", "SIMDPOOL_MAX"}},
        {"divisor_override too large", [](auto &d) { d.algorithm = SIMDPOOL_AVG; d.divisor_override = 1LL << 40; },
         SIMDPOOL_INVALID_ARGUMENT, {"divisor_override = 1099511627776"}},
        {"p zero", [](auto &d) { d.algorithm = SIMDPOOL_LP; d.p = 0.0f; }, SIMDPOOL_INVALID_ARGUMENT, {"p = 0"}},
        {"p negative", [](auto &d) { d.algorithm = SIMDPOOL_LP; d.p = -1.5f; }, SIMDPOOL_INVALID_ARGUMENT, {"p = -1.5"}},
        {"p NaN", [](auto &d) { d.algorithm = SIMDPOOL_LP; d.p = NAN; }, SIMDPOOL_INVALID_ARGUMENT, {"p = nan"}},
        {"p infinite", [](auto &d) { d.algorithm = SIMDPOOL_LP; d.p = INFINITY; }, SIMDPOOL_INVALID_ARGUMENT, {"p = inf"}},
        {"kernel beyond int32", [](auto &d) { d.kernel[0] = 1LL << 33; }, SIMDPOOL_INVALID_ARGUMENT,
         {"kernel[0] = 8589934592", "largest window"}},
        {"dilation overflows", [](auto &d) { d.kernel[0] = 1 << 30; d.dilation[0] = 1LL << 40; },
         SIMDPOOL_SIZE_OVERFLOW, {"dilation[0]", "overflows"}},
        {"element count overflows", [](auto &d) { d.n = 1LL << 31; d.c = 1LL << 31; d.in[0] = 1LL << 20; },
         SIMDPOOL_SIZE_OVERFLOW, {"input", "n = 2147483648"}},
        {"byte count overflows", [](auto &d) { d.n = 1LL << 30; d.c = 1LL << 30; d.in[0] = 2; d.in[1] = 1; },
         SIMDPOOL_SIZE_OVERFLOW, {"input", "n = 1073741824"}},
        {"empty dilated max window",
         [](auto &d) { d.in[1] = 1; d.kernel[1] = 2; d.dilation[1] = 3; d.stride[1] = 1; d.pad_begin[1] = 2; d.pad_end[1] = 1; },
         SIMDPOOL_INVALID_ARGUMENT, {"covers no input element", "spatial dim 1", "MAX"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        simdpool_pool_desc d = valid_pool();
        c.spoil(d);
        expect_pool_rejected(d, c.status, c.fragments);
    }
}

TEST(Errors, EmptyAvgWindowIsAcceptedAndYieldsZero) {
    // The dilated geometry that MAX rejects is valid for AVG: taps at -2 and 1 both miss the 1-element input,
    // and the empty window averages to 0 in both divisor modes, never 0/0.
    for (int include_pad = 0; include_pad <= 1; ++include_pad) {
        simdpool_pool_desc d = valid_pool(SIMDPOOL_AVG, 1);
        d.n = d.c = 1;
        d.in[0] = 1;
        d.kernel[0] = 2;
        d.dilation[0] = 3;
        d.stride[0] = 1;
        d.pad_begin[0] = 2;
        d.pad_end[0] = 1;
        d.count_include_pad = include_pad;
        simdpool_plan *plan = nullptr;
        SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, nullptr, &plan));
        PlanPtr owner(plan);
        int64_t dims[SIMDPOOL_MAX_RANK];
        int rank = 0;
        SPTEST_ASSERT_OK(simdpool_plan_output_shape(plan, dims, &rank));
        ASSERT_EQ(rank, 3);
        ASSERT_EQ(dims[2], 1);
        float x = 5.0f, y = -1.0f, dy = 1.0f, dx = -1.0f;
        SPTEST_ASSERT_OK(simdpool_forward(plan, &x, &y, nullptr));
        EXPECT_EQ(y, 0.0f);
        SPTEST_ASSERT_OK(simdpool_backward(plan, &dy, nullptr, nullptr, nullptr, &dx));
        EXPECT_EQ(dx, 0.0f);
    }
}

TEST(Errors, EveryAdaptiveFieldIsValidated) {
    struct Case {
        const char *name;
        std::function<void(simdpool_adaptive_desc &)> spoil;
        simdpool_status status;
        std::vector<std::string> fragments;
    };
    const std::vector<Case> cases = {
        {"algorithm unknown", [](auto &d) { d.algorithm = (simdpool_algorithm)11; }, SIMDPOOL_INVALID_ARGUMENT,
         {"algorithm = 11"}},
        {"algorithm LP", [](auto &d) { d.algorithm = SIMDPOOL_LP; }, SIMDPOOL_INVALID_ARGUMENT,
         {"SIMDPOOL_LP", "adaptive"}},
        {"spatial_dims", [](auto &d) { d.spatial_dims = 7; }, SIMDPOOL_INVALID_ARGUMENT, {"spatial_dims = 7"}},
        {"layout", [](auto &d) { d.layout = (simdpool_layout)-1; }, SIMDPOOL_INVALID_ARGUMENT, {"layout = -1"}},
        {"dtype", [](auto &d) { d.dtype = (simdpool_dtype)2; }, SIMDPOOL_INVALID_ARGUMENT, {"dtype = 2"}},
        {"n", [](auto &d) { d.n = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"n = 0"}},
        {"c", [](auto &d) { d.c = -3; }, SIMDPOOL_INVALID_ARGUMENT, {"c = -3"}},
        {"in", [](auto &d) { d.in[1] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"in[1] = 0"}},
        {"out", [](auto &d) { d.out[0] = 0; }, SIMDPOOL_INVALID_ARGUMENT, {"out[0] = 0"}},
        {"out negative", [](auto &d) { d.out[1] = -7; }, SIMDPOOL_INVALID_ARGUMENT, {"out[1] = -7"}},
        {"in*out overflows", [](auto &d) { d.in[0] = 1LL << 40; d.out[0] = 1LL << 40; }, SIMDPOOL_SIZE_OVERFLOW,
         {"in[0] * out[0]", "overflows"}},
        {"output overflows", [](auto &d) { d.n = 1LL << 40; d.out[0] = 1LL << 12; d.out[1] = 1LL << 12; },
         SIMDPOOL_SIZE_OVERFLOW, {"tensor"}},
    };
    for (const auto &c : cases) {
        SCOPED_TRACE(c.name);
        simdpool_adaptive_desc d = valid_adaptive();
        c.spoil(d);
        expect_adaptive_rejected(d, c.status, c.fragments);
    }
}

TEST(Errors, OptionsAreValidated) {
    simdpool_pool_desc d = valid_pool();
    simdpool_options o;
    expect_error(simdpool_options_init(nullptr), SIMDPOOL_NULL_POINTER, {"options"});
    simdpool_plan *plan = nullptr;

    SPTEST_ASSERT_OK(simdpool_options_init(&o));
    o.num_threads = -1;
    expect_error(simdpool_plan_create_pool(&d, &o, &plan), SIMDPOOL_INVALID_ARGUMENT, {"num_threads = -1"});

    SPTEST_ASSERT_OK(simdpool_options_init(&o));
    o.max_isa = (simdpool_isa)42;
    expect_error(simdpool_plan_create_pool(&d, &o, &plan), SIMDPOOL_INVALID_ARGUMENT, {"max_isa = 42"});

    SPTEST_ASSERT_OK(simdpool_options_init(&o));
    o.clamp_output = 3;
    expect_error(simdpool_plan_create_pool(&d, &o, &plan), SIMDPOOL_INVALID_ARGUMENT, {"clamp_output = 3"});

    SPTEST_ASSERT_OK(simdpool_options_init(&o));
    o.clamp_output = 1;
    o.clamp_min = 6.0f;
    o.clamp_max = 0.0f;
    expect_error(simdpool_plan_create_pool(&d, &o, &plan), SIMDPOOL_INVALID_ARGUMENT, {"clamp_min = 6", "clamp_max = 0"});
    o.clamp_min = NAN;
    expect_error(simdpool_plan_create_pool(&d, &o, &plan), SIMDPOOL_INVALID_ARGUMENT, {"clamp_min = nan"});
    EXPECT_EQ(plan, nullptr);
}

TEST(Errors, CreateRejectsNullPointers) {
    simdpool_pool_desc d = valid_pool();
    simdpool_adaptive_desc a = valid_adaptive();
    simdpool_plan *plan = nullptr;
    expect_error(simdpool_plan_create_pool(nullptr, nullptr, &plan), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_plan_create_pool(&d, nullptr, nullptr), SIMDPOOL_NULL_POINTER, {"plan"});
    expect_error(simdpool_plan_create_adaptive(nullptr, nullptr, &plan), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_plan_create_adaptive(&a, nullptr, nullptr), SIMDPOOL_NULL_POINTER, {"plan"});
    simdpool_plan_destroy(nullptr);  // accepted, does nothing
}

class RunErrors : public ::testing::Test {
  protected:
    void SetUp() override {
        simdpool_pool_desc d = valid_pool(SIMDPOOL_MAX);
        simdpool_plan *p = nullptr;
        SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, nullptr, &p));
        max_plan.reset(p);
        d = valid_pool(SIMDPOOL_AVG);
        SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, nullptr, &p));
        avg_plan.reset(p);
        d = valid_pool(SIMDPOOL_LP);
        SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, nullptr, &p));
        lp_plan.reset(p);
        d = valid_pool(SIMDPOOL_SOFT);
        SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, nullptr, &p));
        soft_plan.reset(p);
        x.assign(2 * 3 * 8 * 8, 1.0f);
        y.assign(2 * 3 * 4 * 4, 0.0f);
        idx.assign(y.size(), 0);
    }
    PlanPtr max_plan, avg_plan, lp_plan, soft_plan;
    std::vector<float> x, y;
    std::vector<int64_t> idx;
};

TEST_F(RunErrors, ForwardArguments) {
    expect_error(simdpool_forward(nullptr, x.data(), y.data(), nullptr), SIMDPOOL_NULL_POINTER, {"plan"});
    expect_error(simdpool_forward(max_plan.get(), nullptr, y.data(), nullptr), SIMDPOOL_NULL_POINTER, {"x"});
    expect_error(simdpool_forward(max_plan.get(), x.data(), nullptr, nullptr), SIMDPOOL_NULL_POINTER, {"y"});
    expect_error(simdpool_forward(avg_plan.get(), x.data(), y.data(), idx.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"indices", "MAX and MIN"});
    SPTEST_EXPECT_OK(simdpool_forward(max_plan.get(), x.data(), y.data(), idx.data()));
}

TEST_F(RunErrors, BackwardArguments) {
    std::vector<float> dx(x.size());
    expect_error(simdpool_backward(nullptr, y.data(), idx.data(), nullptr, nullptr, dx.data()), SIMDPOOL_NULL_POINTER,
                 {"plan"});
    expect_error(simdpool_backward(max_plan.get(), nullptr, idx.data(), nullptr, nullptr, dx.data()),
                 SIMDPOOL_NULL_POINTER, {"dy"});
    expect_error(simdpool_backward(max_plan.get(), y.data(), idx.data(), nullptr, nullptr, nullptr),
                 SIMDPOOL_NULL_POINTER, {"dx"});
    expect_error(simdpool_backward(max_plan.get(), y.data(), nullptr, nullptr, nullptr, dx.data()),
                 SIMDPOOL_NULL_POINTER, {"indices", "MAX"});
    expect_error(simdpool_backward(lp_plan.get(), y.data(), nullptr, nullptr, y.data(), dx.data()),
                 SIMDPOOL_NULL_POINTER, {"x", "LP"});
    expect_error(simdpool_backward(soft_plan.get(), y.data(), nullptr, x.data(), nullptr, dx.data()),
                 SIMDPOOL_NULL_POINTER, {"y", "SOFT"});
    SPTEST_EXPECT_OK(simdpool_backward(avg_plan.get(), y.data(), nullptr, nullptr, nullptr, dx.data()));
}

// MAX/MIN backward writes dx at each caller index, so every index is checked against its plane first: a bad one
// is reported (lowest flat position, with its coordinates) and never written through, on every ISA, layout,
// thread count and through the task API. dx lies between guard zones that must stay untouched.
TEST(BackwardIndexErrors, IndexOutsideThePlaneIsReportedNeverWritten) {
    const size_t guard = 64;
    for (simdpool_isa isa : sptest::all_isas()) {
        if (!simdpool_isa_available(isa)) continue;
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
            for (int threads : {1, 2}) {
                SCOPED_TRACE(std::string(simdpool_isa_name(isa)) + (layout == SIMDPOOL_NHWC ? " nhwc" : " nchw") +
                             " threads=" + std::to_string(threads));
                simdpool_pool_desc d;
                simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2);
                d.n = 2, d.c = 3, d.layout = layout;
                d.in[0] = d.in[1] = 8;
                d.kernel[0] = d.kernel[1] = d.stride[0] = d.stride[1] = 2;
                PlanPtr plan;
                SPTEST_ASSERT_OK(make_pool_plan(d, sptest::isa_options(isa, threads), &plan));
                std::vector<float> x = sptest::float_fill(2 * 3 * 64, 7), y(2 * 3 * 16, 0.0f);
                std::vector<float> dy = sptest::float_fill(y.size(), 8);
                std::vector<int64_t> idx(y.size());
                SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()));
                std::vector<float> dx_guarded(x.size() + 2 * guard, 12345.0f);
                float *dx = dx_guarded.data() + guard;
                auto guards_intact = [&] {
                    for (size_t i = 0; i < guard; ++i)
                        if (dx_guarded[i] != 12345.0f || dx_guarded[guard + x.size() + i] != 12345.0f) return false;
                    return true;
                };
                // Flat position 27: plane 1, output 11 in NCHW; pixel 9, channel 0 in NHWC.
                std::vector<int64_t> bad = idx;
                bad[27] = 64;
                bad[40] = -1;
                const char *where27 = layout == SIMDPOOL_NCHW ? "n = 0, c = 1, h = 2, w = 3" : "n = 0, c = 0, h = 2, w = 1";
                expect_error(simdpool_backward(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx),
                             SIMDPOOL_INVALID_ARGUMENT, {"indices[27] = 64", where27, "[0, 64)"});
                EXPECT_TRUE(guards_intact());
                bad[27] = idx[27];
                expect_error(simdpool_backward(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx),
                             SIMDPOOL_INVALID_ARGUMENT, {"indices[40] = -1"});
                bad[40] = INT64_MIN;
                expect_error(simdpool_backward(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx),
                             SIMDPOOL_INVALID_ARGUMENT, {"indices[40] = "});
                bad[40] = INT64_MAX;
                size_t tasks = 0;
                SPTEST_ASSERT_OK(simdpool_plan_task_count(plan.get(), 1, &tasks));
                expect_error(simdpool_backward_tasks(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx, 0, tasks),
                             SIMDPOOL_INVALID_ARGUMENT, {"indices[40] = "});
                EXPECT_TRUE(guards_intact());
                // The same indices, repaired, run.
                SPTEST_EXPECT_OK(simdpool_backward(plan.get(), dy.data(), idx.data(), nullptr, nullptr, dx));
                EXPECT_TRUE(guards_intact());
            }
        }
    }
}

// The kernels check each index as they route through it, on every path: the two-column 2x2/2 path (which
// compares the low 32 bits only, so an index 2^32 past a valid one must still be caught), the column-by-column
// disjoint path and the overlapping scatter (NHWC: AVX-512 gather/scatter), with channel tails. Several bad
// indices in one plane and in different tasks: the lowest position is named, whatever the thread count, and
// nothing is written outside dx.
TEST(BackwardIndexErrors, EveryKernelPathChecksAndReportsTheLowest) {
    struct Shape {
        int64_t h, w, k, s, pad;
    };
    const Shape shapes[] = {{4, 70, 2, 2, 0}, {6, 30, 3, 3, 0}, {7, 40, 3, 2, 1}};
    const size_t guard = 64;
    for (simdpool_isa isa : sptest::all_isas()) {
        if (!simdpool_isa_available(isa)) continue;
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
            for (const Shape &shape : shapes)
                for (int threads : {1, 2}) {
                    SCOPED_TRACE(std::string(simdpool_isa_name(isa)) + (layout == SIMDPOOL_NHWC ? " nhwc" : " nchw") +
                                 " w=" + std::to_string(shape.w) + " threads=" + std::to_string(threads));
                    simdpool_pool_desc d;
                    simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 2);
                    d.n = 2, d.c = layout == SIMDPOOL_NHWC ? 20 : 2, d.layout = layout;
                    d.in[0] = shape.h, d.in[1] = shape.w;
                    d.kernel[0] = d.kernel[1] = shape.k;
                    d.stride[0] = d.stride[1] = shape.s;
                    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = shape.pad;
                    PlanPtr plan;
                    SPTEST_ASSERT_OK(make_pool_plan(d, sptest::isa_options(isa, threads), &plan));
                    size_t in_n = 0, out_n = 0;
                    SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(plan.get(), &in_n, &out_n));
                    std::vector<float> x = sptest::float_fill(in_n, 3), y(out_n), dy = sptest::float_fill(out_n, 4);
                    std::vector<int64_t> idx(out_n);
                    SPTEST_ASSERT_OK(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()));
                    std::vector<float> dx_guarded(in_n + 2 * guard, 12345.0f);
                    float *dx = dx_guarded.data() + guard;
                    auto guards_intact = [&] {
                        for (size_t i = 0; i < guard; ++i)
                            if (dx_guarded[i] != 12345.0f || dx_guarded[guard + in_n + i] != 12345.0f) return false;
                        return true;
                    };
                    const int64_t in_plane = shape.h * shape.w;
                    // In the second half of the tensor (the second task with 2 threads) two in one plane, and one
                    // in the first half, each set to every kind of bad value.
                    const size_t late_hi = out_n - 5, late_lo = out_n - 23, early = out_n / 2 - 9;
                    for (int64_t bad_value_kind = 0; bad_value_kind < 5; ++bad_value_kind) {
                        auto bad_value = [&](size_t at) -> int64_t {
                            switch (bad_value_kind) {
                            case 0: return idx[at] + (int64_t(1) << 32); // low 32 bits still name its tap
                            case 1: return -1;
                            case 2: return in_plane;
                            case 3: return INT64_MIN;
                            default: return INT64_MAX;
                            }
                        };
                        std::vector<int64_t> bad = idx;
                        bad[late_hi] = bad_value(late_hi);
                        const std::string hi = "indices[" + std::to_string(late_hi) + "] = " + std::to_string(bad[late_hi]);
                        expect_error(simdpool_backward(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx),
                                     SIMDPOOL_INVALID_ARGUMENT, {hi});
                        bad[late_lo] = bad_value(late_lo);
                        const std::string lo = "indices[" + std::to_string(late_lo) + "] = ";
                        expect_error(simdpool_backward(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx),
                                     SIMDPOOL_INVALID_ARGUMENT, {lo});
                        bad[early] = bad_value(early);
                        const std::string first = "indices[" + std::to_string(early) + "] = ";
                        expect_error(simdpool_backward(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx),
                                     SIMDPOOL_INVALID_ARGUMENT, {first});
                        size_t tasks = 0;
                        SPTEST_ASSERT_OK(simdpool_plan_task_count(plan.get(), 1, &tasks));
                        expect_error(simdpool_backward_tasks(plan.get(), dy.data(), bad.data(), nullptr, nullptr, dx,
                                                             0, tasks),
                                     SIMDPOOL_INVALID_ARGUMENT, {first});
                        EXPECT_TRUE(guards_intact());
                    }
                    SPTEST_EXPECT_OK(simdpool_backward(plan.get(), dy.data(), idx.data(), nullptr, nullptr, dx));
                    EXPECT_TRUE(guards_intact());
                }
    }
}

TEST_F(RunErrors, BackwardOfClampedPlanIsRefused) {
    simdpool_pool_desc d = valid_pool(SIMDPOOL_AVG);
    simdpool_options o;
    simdpool_options_init(&o);
    o.clamp_output = 1;
    o.clamp_min = 0.0f;
    o.clamp_max = 6.0f;
    simdpool_plan *p = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, &o, &p));
    PlanPtr owner(p);
    std::vector<float> dx(x.size());
    expect_error(simdpool_backward(p, y.data(), nullptr, nullptr, nullptr, dx.data()), SIMDPOOL_UNSUPPORTED,
                 {"clamp"});
}

TEST_F(RunErrors, QueriesAndTasks) {
    int64_t dims[SIMDPOOL_MAX_RANK];
    int rank;
    size_t a, b;
    const char *name;
    simdpool_isa isa;
    expect_error(simdpool_plan_output_shape(nullptr, dims, &rank), SIMDPOOL_NULL_POINTER, {"plan"});
    expect_error(simdpool_plan_output_shape(max_plan.get(), nullptr, &rank), SIMDPOOL_NULL_POINTER, {"dims"});
    expect_error(simdpool_plan_input_shape(max_plan.get(), dims, nullptr), SIMDPOOL_NULL_POINTER, {"rank"});
    expect_error(simdpool_plan_tensor_sizes(max_plan.get(), nullptr, &b), SIMDPOOL_NULL_POINTER, {"input_elements"});
    expect_error(simdpool_plan_isa(max_plan.get(), nullptr), SIMDPOOL_NULL_POINTER, {"isa"});
    expect_error(simdpool_plan_kernel_name(max_plan.get(), 2, &name), SIMDPOOL_INVALID_ARGUMENT, {"backward = 2"});
    expect_error(simdpool_plan_task_count(max_plan.get(), -1, &a), SIMDPOOL_INVALID_ARGUMENT, {"backward = -1"});
    SPTEST_ASSERT_OK(simdpool_plan_task_count(max_plan.get(), 0, &a));
    expect_error(simdpool_forward_tasks(max_plan.get(), x.data(), y.data(), nullptr, 0, a + 1),
                 SIMDPOOL_INVALID_ARGUMENT, {"task range", std::to_string(a + 1)});
    expect_error(simdpool_forward_tasks(max_plan.get(), x.data(), y.data(), nullptr, 3, 2), SIMDPOOL_INVALID_ARGUMENT,
                 {"task range [3, 2)"});
    std::vector<float> dx(x.size());
    expect_error(simdpool_backward_tasks(avg_plan.get(), y.data(), nullptr, nullptr, nullptr, dx.data(), 0, 1000),
                 SIMDPOOL_INVALID_ARGUMENT, {"task range"});
    SPTEST_EXPECT_OK(simdpool_plan_isa(max_plan.get(), &isa));
}

TEST(Errors, HelpersValidate) {
    expect_error(simdpool_set_isa((simdpool_isa)17), SIMDPOOL_INVALID_ARGUMENT, {"isa = 17"});
    EXPECT_STREQ(simdpool_isa_name((simdpool_isa)17), "unknown");
    EXPECT_STREQ(simdpool_status_string((simdpool_status)99), "unknown status");
    EXPECT_EQ(simdpool_isa_available((simdpool_isa)17), 0);

    simdpool_pool_desc d = valid_pool();
    expect_error(simdpool_pool_desc_set_auto_pad(nullptr, SIMDPOOL_SAME_UPPER), SIMDPOOL_NULL_POINTER, {"desc"});
    expect_error(simdpool_pool_desc_set_auto_pad(&d, (simdpool_auto_pad)5), SIMDPOOL_INVALID_ARGUMENT, {"mode = 5"});
    d.stride[1] = 0;
    expect_error(simdpool_pool_desc_set_auto_pad(&d, SIMDPOOL_SAME_LOWER), SIMDPOOL_INVALID_ARGUMENT,
                 {"stride[1] = 0"});

    simdpool_pool_desc m = valid_pool(SIMDPOOL_MAX);
    simdpool_plan *p = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_pool(&m, nullptr, &p));
    PlanPtr owner(p);
    size_t in_n, out_n;
    SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(p, &in_n, &out_n));
    std::vector<int64_t> src(out_n, 0), dst(out_n, -7);
    expect_error(simdpool_indices_to_onnx(p, nullptr, dst.data()), SIMDPOOL_NULL_POINTER, {"src"});
    expect_error(simdpool_indices_to_onnx(p, src.data(), nullptr), SIMDPOOL_NULL_POINTER, {"dst"});
    src[5] = 64;  // the plane is 8x8: 64 is one past the end
    expect_error(simdpool_indices_to_onnx(p, src.data(), dst.data()), SIMDPOOL_INVALID_ARGUMENT,
                 {"indices[5] = 64", "[0, 64)"});
    EXPECT_EQ(dst[0], -7) << "a rejected conversion must not write";
    src[5] = -1;
    expect_error(simdpool_indices_to_onnx(p, src.data(), dst.data()), SIMDPOOL_INVALID_ARGUMENT, {"indices[5] = -1"});

    simdpool_pool_desc avg = valid_pool(SIMDPOOL_AVG);
    SPTEST_ASSERT_OK(simdpool_plan_create_pool(&avg, nullptr, &p));
    PlanPtr avg_owner(p);
    src[5] = 0;
    expect_error(simdpool_indices_to_onnx(p, src.data(), dst.data()), SIMDPOOL_INVALID_ARGUMENT, {"MAX and MIN"});
}

TEST(Errors, LastErrorIsPerThreadAndStatusStringsNameTheStatus) {
    EXPECT_STREQ(simdpool_status_string(SIMDPOOL_OK), "SIMDPOOL_OK");
    EXPECT_STREQ(simdpool_status_string(SIMDPOOL_SIZE_OVERFLOW), "SIMDPOOL_SIZE_OVERFLOW");
    EXPECT_STREQ(simdpool_status_string(SIMDPOOL_OUT_OF_MEMORY), "SIMDPOOL_OUT_OF_MEMORY");
    simdpool_pool_desc d = valid_pool();
    d.kernel[1] = 0;
    simdpool_plan *p = nullptr;
    EXPECT_EQ(simdpool_plan_create_pool(&d, nullptr, &p), SIMDPOOL_INVALID_ARGUMENT);
    EXPECT_STREQ(simdpool_last_error(), "kernel[1] = 0 must be >= 1");
}

TEST(Errors, SizesPast32BitsAreAcceptedWithoutAllocation) {
    // A plan for a tensor of more than 2^32 elements only sizes tables by the output axes; it must be made and
    // report its sizes exactly (int64 throughout, no 32-bit truncation).
    simdpool_pool_desc d = valid_pool(SIMDPOOL_MAX, 2);
    d.n = 1024;
    d.c = 1024;
    d.in[0] = d.in[1] = 4096;
    d.kernel[0] = d.kernel[1] = 2;
    d.stride[0] = d.stride[1] = 2;
    d.pad_begin[0] = d.pad_begin[1] = d.pad_end[0] = d.pad_end[1] = 0;
    simdpool_plan *p = nullptr;
    SPTEST_ASSERT_OK(simdpool_plan_create_pool(&d, nullptr, &p));
    PlanPtr owner(p);
    size_t in_n, out_n;
    SPTEST_ASSERT_OK(simdpool_plan_tensor_sizes(p, &in_n, &out_n));
    EXPECT_EQ(in_n, (size_t)1024 * 1024 * 4096 * 4096);
    EXPECT_EQ(out_n, (size_t)1024 * 1024 * 2048 * 2048);
}

}  // namespace
