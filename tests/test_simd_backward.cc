// The SIMD backward kernels (kernels/simd/pool_backward.h through kernels/avx2|avx512|neon/*_backward_*.c) against
// the scalar backward, bit for bit: MAX and MIN route dy through the forward's indices, AVG spreads dy / divisor,
// and both keep the scalar accumulation order (0, then each window's contribution in output scan order), so no
// tolerance applies. The shapes reach every path: disjoint windows with the two-column W path (2x2/2 and kernel
// 2 stride 2, vector blocks plus scalar edge columns from padding and ceil_mode), disjoint windows without it
// (3x3/3, gaps, dilation), overlapping and adaptive windows, 1-D to 3-D, NHWC channel counts below, at and above
// 4, 8 and 16 and far above, NaN in x, -0 and NaN in dy, N > 1, NHWC images split into row blocks, and indices the
// disjoint path cannot place (its fallback to the scalar scatter).
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "naive_pool.h"
#include "test_util.h"

namespace {

using namespace sptest;

// The ISAs with backward kernels; NEON runs through simde on x86.
const std::vector<simdpool_isa> &simd_isas() {
    static const std::vector<simdpool_isa> isas = {SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_NEON};
    return isas;
}

const char *family(simdpool_algorithm a) {
    return a == SIMDPOOL_MAX ? "maxpool" : a == SIMDPOOL_MIN ? "minpool" : "avgpool";
}

// Gradients over a wide range of magnitudes (sums round differently in any other order), with -0 (0 + -0 is
// +0: a kernel that stored dy directly would differ) and a little NaN.
std::vector<float> gradient_fill(size_t n, uint64_t seed) {
    Rng r(seed);
    std::vector<float> v(n);
    for (auto &e : v) {
        const uint64_t k = r.next() % 100;
        if (k < 10) e = -0.0f;
        else if (k < 11) e = std::nanf("");
        else e = r.uniform(-1.0f, 1.0f) * std::ldexp(1.0f, (int)r.uniform_int(-12, 12));
    }
    return v;
}

std::string own_backward_kernel(simdpool_isa isa, simdpool_algorithm a, simdpool_layout layout) {
    return std::string(simdpool_isa_name(isa)) + "/" + family(a) + "_bwd_" +
           (layout == SIMDPOOL_NHWC ? "nhwc" : "nchw") + "_f32";
}

// dx starts as NaN garbage: the kernels must overwrite every element.
std::vector<float> run_backward(const simdpool_plan *plan, const std::vector<float> &dy,
                                const std::vector<int64_t> &idx, size_t nin) {
    std::vector<float> dx(nin, std::nanf("0x1234"));
    EXPECT_EQ(simdpool_backward(plan, dy.data(), idx.empty() ? nullptr : idx.data(), nullptr, nullptr, dx.data()),
              SIMDPOOL_OK)
        << simdpool_last_error();
    return dx;
}

class SimdBackward : public ::testing::TestWithParam<simdpool_isa> {
  protected:
    void SetUp() override { SPTEST_SKIP_IF_ISA_UNAVAILABLE(GetParam()); }

    // The ISA's own backward kernel gives the scalar plan's dx. `foreign_indices`: instead of the forward's,
    // indices anywhere in the input plane (each output's index = a pseudo-random in-plane position).
    void check(const PlanPtr &plan, const PlanPtr &scalar, simdpool_algorithm a, simdpool_layout layout,
               size_t nin, size_t nout, int64_t in_plane, uint64_t seed,
               bool foreign_indices = false) {
        const char *name = nullptr;
        ASSERT_EQ(simdpool_plan_kernel_name(plan.get(), 1, &name), SIMDPOOL_OK);
        EXPECT_EQ(std::string(name), own_backward_kernel(GetParam(), a, layout));
        const bool routed = a != SIMDPOOL_AVG;
        const std::vector<float> x = extremum_fill(nin, seed, seed % 2 ? 0.1 : 0.0);
        std::vector<int64_t> idx;
        if (routed) {
            std::vector<float> y(nout);
            idx.assign(nout, -1);
            ASSERT_EQ(simdpool_forward(scalar.get(), x.data(), y.data(), idx.data()), SIMDPOOL_OK);
            if (foreign_indices) {
                Rng r(seed + 7);
                for (size_t i = 0; i < nout; ++i)
                    if (r.chance(0.5)) idx[i] = r.uniform_int(0, in_plane - 1);
            }
        }
        const std::vector<float> dy = gradient_fill(nout, seed + 1);
        const std::vector<float> want = run_backward(scalar.get(), dy, idx, nin);
        const std::vector<float> got = run_backward(plan.get(), dy, idx, nin);
        EXPECT_TRUE(arrays_identical(got, want, "dx"));
    }

    void check_pool(const simdpool_pool_desc &d, uint64_t seed, bool foreign_indices = false) {
        SCOPED_TRACE(describe(d) + " isa=" + simdpool_isa_name(GetParam()) +
                     (foreign_indices ? " foreign indices" : ""));
        PlanPtr plan, scalar;
        ASSERT_EQ(make_pool_plan(d, isa_options(GetParam()), &plan), SIMDPOOL_OK) << simdpool_last_error();
        ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK);
        int64_t in_plane = 1;
        for (int i = 0; i < d.spatial_dims; ++i) in_plane *= d.in[i];
        check(plan, scalar, d.algorithm, d.layout, naive_pool_input_elements(&d), naive_pool_output_elements(&d),
              in_plane, seed, foreign_indices);
    }
};

struct Geometry {
    int dims;
    int64_t in[3], k[3], s[3], pad[3], dil[3];
    int ceil_mode;
};

simdpool_pool_desc make_desc(simdpool_algorithm a, simdpool_layout layout, int64_t n, int64_t c, const Geometry &g) {
    simdpool_pool_desc d;
    simdpool_pool_desc_init(&d, a, g.dims);
    d.layout = layout;
    d.n = n;
    d.c = c;
    for (int i = 0; i < g.dims; ++i) {
        d.in[i] = g.in[i];
        d.kernel[i] = g.k[i];
        d.stride[i] = g.s[i];
        d.pad_begin[i] = d.pad_end[i] = g.pad[i];
        d.dilation[i] = g.dil[i];
    }
    d.ceil_mode = g.ceil_mode;
    return d;
}

// Geometries by path. W sizes give 2x2/2 rows below, at and above one and two vector blocks of windows (4, 8 and
// 16 windows: 8, 16 and 32 columns) plus odd tails.
const std::vector<Geometry> &geometries() {
    static const std::vector<Geometry> g = {
        // Disjoint, two-column W path.
        {2, {6, 7}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 0},
        {2, {5, 16}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 0},
        {2, {3, 11}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 0},
        {2, {4, 14}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 0},
        {2, {4, 33}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 0},
        {2, {7, 67}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 0},
        {2, {7, 70}, {2, 2}, {2, 2}, {1, 1}, {1, 1}, 0},
        {2, {9, 69}, {2, 2}, {2, 2}, {1, 1}, {1, 1}, 1},
        {2, {8, 45}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 1},
        {2, {9, 40}, {3, 2}, {3, 2}, {1, 0}, {1, 1}, 0}, // 3 rows x 2 columns
        {1, {75}, {2}, {2}, {1}, {1}, 1},
        {3, {5, 6, 37}, {2, 2, 2}, {2, 2, 2}, {0, 1, 0}, {1, 1, 1}, 1},
        // Disjoint, column by column: 3x3/3, gaps (stride > extent), dilation.
        {2, {10, 23}, {3, 3}, {3, 3}, {1, 1}, {1, 1}, 1},
        {2, {11, 29}, {2, 2}, {3, 4}, {0, 1}, {1, 1}, 0},
        {2, {9, 31}, {2, 2}, {3, 3}, {0, 1}, {2, 2}, 1},
        {3, {4, 7, 20}, {1, 3, 3}, {1, 3, 3}, {0, 1, 1}, {1, 1, 1}, 0},
        // A single window along an axis whose stride is below its extent.
        {2, {3, 36}, {3, 2}, {1, 2}, {0, 0}, {1, 1}, 0},
        // Overlapping.
        {2, {9, 37}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, 0},
        {2, {8, 41}, {3, 3}, {2, 2}, {1, 1}, {1, 1}, 1},
        {2, {7, 35}, {3, 3}, {1, 1}, {1, 1}, {1, 1}, 0},
        {2, {6, 34}, {2, 2}, {1, 1}, {0, 0}, {1, 1}, 0},
        {2, {9, 33}, {3, 3}, {1, 1}, {2, 2}, {2, 2}, 0},
        {2, {10, 300}, {2, 5}, {2, 1}, {0, 2}, {1, 1}, 0}, // full range longer than one share chunk
        {1, {50}, {4}, {3}, {1}, {1}, 1},
        {3, {5, 7, 19}, {3, 3, 3}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, 1},
    };
    return g;
}

TEST_P(SimdBackward, NchwEveryPath) {
    uint64_t seed = 1;
    for (const Geometry &g : geometries())
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG})
            for (int64_t n : {1, 2}) {
                check_pool(make_desc(a, SIMDPOOL_NCHW, n, 3, g), seed++);
                if (HasFatalFailure()) return;
            }
}

TEST_P(SimdBackward, NhwcEveryPathAndChannelTail) {
    uint64_t seed = 1000;
    for (const Geometry &g : geometries())
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG})
            for (int64_t c : {1, 3, 4, 7, 8, 9, 15, 16, 17, 33, 64, 65, 150}) {
                check_pool(make_desc(a, SIMDPOOL_NHWC, c % 2 ? 1 : 2, c, g), seed++);
                if (HasFatalFailure()) return;
            }
}

// Both AVG divisor modes and divisor overrides, power of two or not (the kernels multiply by an exact
// reciprocal only where that gives the quotient's bits), where padding and ceil_mode clip windows.
TEST_P(SimdBackward, AvgDivisorModes) {
    uint64_t seed = 5000;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
        for (const Geometry &g : geometries())
            for (int cip : {0, 1})
                for (int64_t divisor : {0, 3, 8, 1 << 24}) {
                    simdpool_pool_desc d = make_desc(SIMDPOOL_AVG, layout, 1, layout == SIMDPOOL_NHWC ? 19 : 2, g);
                    d.count_include_pad = cip;
                    d.divisor_override = divisor;
                    check_pool(d, seed++);
                    if (HasFatalFailure()) return;
                }
}

// Indices the disjoint path cannot place (outside their own window, though inside the plane): the kernels
// must notice and give what the scalar scatter gives.
TEST_P(SimdBackward, IndicesOutsideTheirWindow) {
    uint64_t seed = 9000;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
        for (const Geometry &g : geometries()) {
            check_pool(make_desc(SIMDPOOL_MAX, layout, 2, layout == SIMDPOOL_NHWC ? 21 : 3, g), seed++, true);
            if (HasFatalFailure()) return;
        }
}

// Adaptive plans share the backward kernels; their windows come from tables only.
TEST_P(SimdBackward, Adaptive) {
    uint64_t seed = 12000;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG})
            for (int64_t out_w : {1, 5, 13, 40}) {
                simdpool_adaptive_desc d;
                simdpool_adaptive_desc_init(&d, a, 2);
                d.layout = layout;
                d.n = 2;
                d.c = layout == SIMDPOOL_NHWC ? 20 : 3;
                d.in[0] = 9;
                d.in[1] = 26;
                d.out[0] = 4;
                d.out[1] = out_w;
                SCOPED_TRACE(describe(d));
                PlanPtr plan, scalar;
                ASSERT_EQ(make_adaptive_plan(d, isa_options(GetParam()), &plan), SIMDPOOL_OK) << simdpool_last_error();
                ASSERT_EQ(make_adaptive_plan(d, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK);
                check(plan, scalar, a, layout, naive_adaptive_input_elements(&d), naive_adaptive_output_elements(&d),
                      d.in[0] * d.in[1], seed++);
                if (HasFatalFailure()) return;
            }
}

// The benchmark's shape (VGG 2x2/2) with several threads: tasks split planes (NCHW) and row blocks (NHWC).
TEST_P(SimdBackward, VggShapeThreaded) {
    const Geometry g = {2, {32, 48}, {2, 2}, {2, 2}, {0, 0}, {1, 1}, 0};
    uint64_t seed = 15000;
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) {
            const simdpool_pool_desc d = make_desc(a, layout, 2, 136, g);
            SCOPED_TRACE(describe(d));
            PlanPtr plan, scalar;
            ASSERT_EQ(make_pool_plan(d, isa_options(GetParam(), 2), &plan), SIMDPOOL_OK) << simdpool_last_error();
            ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK);
            check(plan, scalar, a, layout, naive_pool_input_elements(&d), naive_pool_output_elements(&d), 32 * 48,
                  seed++);
        }
}

// NHWC backward split into row blocks of one image (a multi-threaded plan of N = 1), run one task at a time in
// reverse order: every path gives the whole-image scalar result, including blocks whose edge cuts a window
// (3 blocks of 7 rows under 2x2/2) and indices outside their window that land in another block's rows.
TEST_P(SimdBackward, NhwcRowBlocks) {
    uint64_t seed = 17000;
    int split = 0, cases = 0;
    for (const Geometry &g : geometries())
        for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG})
            for (bool foreign : {false, true}) {
                if (foreign && a == SIMDPOOL_AVG) continue;
                const simdpool_pool_desc d = make_desc(a, SIMDPOOL_NHWC, 1, 101, g);
                SCOPED_TRACE(describe(d) + (foreign ? " foreign indices" : ""));
                PlanPtr plan, scalar;
                ASSERT_EQ(make_pool_plan(d, isa_options(GetParam(), 3), &plan), SIMDPOOL_OK) << simdpool_last_error();
                ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK);
                const char *name = nullptr;
                ASSERT_EQ(simdpool_plan_kernel_name(plan.get(), 1, &name), SIMDPOOL_OK);
                EXPECT_EQ(std::string(name), own_backward_kernel(GetParam(), a, SIMDPOOL_NHWC));
                size_t nin = naive_pool_input_elements(&d), nout = naive_pool_output_elements(&d), tasks = 0;
                ASSERT_EQ(simdpool_plan_task_count(plan.get(), 1, &tasks), SIMDPOOL_OK);
                split += tasks > 1;
                ++cases;
                const std::vector<float> x = extremum_fill(nin, seed, 0.05);
                std::vector<float> y(nout);
                std::vector<int64_t> idx;
                if (a == SIMDPOOL_MAX) {
                    idx.assign(nout, -1);
                    ASSERT_EQ(simdpool_forward(scalar.get(), x.data(), y.data(), idx.data()), SIMDPOOL_OK);
                    Rng r(seed + 3);
                    int64_t in_plane = 1;
                    for (int i = 0; i < g.dims; ++i) in_plane *= g.in[i];
                    if (foreign)
                        for (auto &i : idx)
                            if (r.chance(0.05)) i = r.uniform_int(0, in_plane - 1);
                }
                const std::vector<float> dy = gradient_fill(nout, seed + 1);
                const std::vector<float> want = run_backward(scalar.get(), dy, idx, nin);
                std::vector<float> got(nin, std::nanf("0x99"));
                for (size_t t = tasks; t-- > 0;)
                    ASSERT_EQ(simdpool_backward_tasks(plan.get(), dy.data(), idx.empty() ? nullptr : idx.data(),
                                                      nullptr, nullptr, got.data(), t, t + 1),
                              SIMDPOOL_OK)
                        << simdpool_last_error();
                EXPECT_TRUE(arrays_identical(got, want, "dx"));
                ++seed;
                if (HasFatalFailure()) return;
            }
    // Plans below OpenMP's break-even size keep whole images; most shapes here are above it.
    EXPECT_GT(split, cases / 2) << split << " of " << cases << " plans split their image";
}

INSTANTIATE_TEST_SUITE_P(Isa, SimdBackward, ::testing::ValuesIn(simd_isas()), IsaParamName());

}  // namespace
