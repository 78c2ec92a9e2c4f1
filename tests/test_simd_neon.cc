// The NEON forward kernels (kernels/neon/) against the scalar reference kernels and the naive loops. On x86
// they run through simde's translation; in the aarch64 build (scripts/test-aarch64.sh, under qemu-user) they
// are the native NEON code. MAX/MIN outputs and indices, and AVG outputs (the NEON kernels keep the
// reference's summation order and divide), must be bit-identical to the scalar plan's: float inputs, NaN,
// ties, signed zeros and infinities in every channel and width tail.
//
// The sweeps cover each path of the kernels: NHWC channel blocks of 16 and 4 plus the overlapping and partial
// tails (channels 1..40), constant-count tap lists (2x2, 3x3), runtime lists and nested loops (big windows);
// NCHW rows vectorised along the output width (widths 1..40, strides 1, 2 with vld2q and its bounds check, 3,
// dilation, edges from the tables), and planes vectorised across (global, adaptive, short rows, 1..9 planes).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "kernels.h"
#include "naive_pool.h"
#include "simdpool/simdpool.h"
#include "test_util.h"

extern "C" {
SP_DECLARE_FAMILY(neon, maxpool)
SP_DECLARE_FAMILY(neon, avgpool)
}

namespace {

using namespace sptest;

const float kInf = INFINITY;

// Inputs that exercise the max/min rule: few distinct values (ties everywhere), signed zeros (a tie that
// vmaxq_f32 would break towards +0), infinities, and NaN. AVG gets general floats (order-sensitive sums).
std::vector<float> tricky_input(simdpool_algorithm a, size_t n, uint64_t seed) {
    if (a == SIMDPOOL_AVG) {
        std::vector<float> x = float_fill(n, seed, -4.0f, 4.0f);
        Rng r(seed ^ 0x77);
        for (auto &v : x)
            if (r.chance(0.03)) v = -0.0f;
        return x;
    }
    Rng r(seed);
    std::vector<float> x(n);
    for (auto &v : x) {
        const int64_t k = r.uniform_int(0, 15);
        if (k < 10)
            v = (float)r.uniform_int(-2, 2);
        else if (k < 12)
            v = (k == 10) ? 0.0f : -0.0f;
        else if (k == 12)
            v = a == SIMDPOOL_MAX ? -kInf : kInf;
        else if (k == 13)
            v = a == SIMDPOOL_MAX ? kInf : -kInf;
        else
            v = (float)r.uniform_int(-2, 2);
    }
    sprinkle_nan(x, seed ^ 0xbeef, 0.04);
    return x;
}

const char *family_of(simdpool_algorithm a) {
    return a == SIMDPOOL_MAX ? "maxpool" : a == SIMDPOOL_MIN ? "minpool" : "avgpool";
}

std::string expected_name(simdpool_algorithm a, simdpool_layout layout) {
    return std::string("neon/") + family_of(a) + "_fwd_" + (layout == SIMDPOOL_NCHW ? "nchw" : "nhwc") + "_f32";
}

bool uses_indices(simdpool_algorithm a) { return a == SIMDPOOL_MAX || a == SIMDPOOL_MIN; }

// Runs both plans (with indices, then without for MAX/MIN) and compares bit for bit; `naive` also checks
// the naive loops (pool descriptors only).
void compare_plans(const simdpool_plan *neon, const simdpool_plan *scalar, simdpool_algorithm a, size_t nin,
                   size_t nout, uint64_t seed, const simdpool_pool_desc *naive_desc) {
    const std::vector<float> x = tricky_input(a, nin, seed);
    const bool with_idx = uses_indices(a);
    std::vector<float> y(nout, -777.0f), y_ref(nout, -555.0f);
    std::vector<int64_t> idx(nout, -7), idx_ref(nout, -9);
    ASSERT_EQ(simdpool_forward(neon, x.data(), y.data(), with_idx ? idx.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    ASSERT_EQ(simdpool_forward(scalar, x.data(), y_ref.data(), with_idx ? idx_ref.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(arrays_identical(y, y_ref, "output"));
    if (with_idx) {
        EXPECT_TRUE(arrays_identical(idx, idx_ref, "index"));
        std::vector<float> y2(nout, -777.0f);
        ASSERT_EQ(simdpool_forward(neon, x.data(), y2.data(), nullptr), SIMDPOOL_OK);
        EXPECT_TRUE(arrays_identical(y2, y_ref, "output (no indices)"));
    }
    if (naive_desc != nullptr) {
        std::vector<float> y_naive(nout);
        std::vector<int64_t> idx_naive(nout);
        naive_pool_forward(naive_desc, x.data(), y_naive.data(), with_idx ? idx_naive.data() : nullptr);
        EXPECT_TRUE(arrays_identical(y, y_naive, "output vs naive"));
        if (with_idx) {
            EXPECT_TRUE(arrays_identical(idx, idx_naive, "index vs naive"));
        }
    }
}

// A pool descriptor checked on NEON vs scalar (and naive), with the NEON kernel's name.
void check_pool(const simdpool_pool_desc &d, uint64_t seed, const simdpool_options *base_opt = nullptr) {
    SCOPED_TRACE(describe(d));
    simdpool_options on = base_opt ? *base_opt : isa_options(SIMDPOOL_ISA_NEON);
    simdpool_options os = on;
    on.max_isa = SIMDPOOL_ISA_NEON;
    os.max_isa = SIMDPOOL_ISA_SCALAR;
    PlanPtr neon, scalar;
    ASSERT_EQ(make_pool_plan(d, on, &neon), SIMDPOOL_OK) << simdpool_last_error();
    ASSERT_EQ(make_pool_plan(d, os, &scalar), SIMDPOOL_OK) << simdpool_last_error();
    const char *name = nullptr;
    ASSERT_EQ(simdpool_plan_kernel_name(neon.get(), 0, &name), SIMDPOOL_OK);
    EXPECT_EQ(std::string(name), expected_name(d.algorithm, d.layout));
    size_t nin = 0, nout = 0;
    ASSERT_EQ(simdpool_plan_tensor_sizes(neon.get(), &nin, &nout), SIMDPOOL_OK);
    compare_plans(neon.get(), scalar.get(), d.algorithm, nin, nout, seed, on.clamp_output ? nullptr : &d);
}

void check_adaptive(const simdpool_adaptive_desc &d, uint64_t seed) {
    SCOPED_TRACE(describe(d));
    PlanPtr neon, scalar;
    ASSERT_EQ(make_adaptive_plan(d, isa_options(SIMDPOOL_ISA_NEON), &neon), SIMDPOOL_OK) << simdpool_last_error();
    ASSERT_EQ(make_adaptive_plan(d, isa_options(SIMDPOOL_ISA_SCALAR), &scalar), SIMDPOOL_OK)
        << simdpool_last_error();
    const char *name = nullptr;
    ASSERT_EQ(simdpool_plan_kernel_name(neon.get(), 0, &name), SIMDPOOL_OK);
    EXPECT_EQ(std::string(name), expected_name(d.algorithm, d.layout));
    size_t nin = 0, nout = 0;
    ASSERT_EQ(simdpool_plan_tensor_sizes(neon.get(), &nin, &nout), SIMDPOOL_OK);
    compare_plans(neon.get(), scalar.get(), d.algorithm, nin, nout, seed, nullptr);
}

// The common windows and a few general ones, 2-D, the same on both axes.
struct Window {
    const char *name;
    int64_t k, s, dil, pb, pe;
    int ceil_mode;
};

const std::vector<Window> &windows_2d() {
    static const std::vector<Window> w = {
        {"2x2s2", 2, 2, 1, 0, 0, 0},       {"2x2s2_ceil", 2, 2, 1, 0, 0, 1}, {"3x3s2", 3, 2, 1, 0, 0, 0},
        {"3x3s2p1", 3, 2, 1, 1, 1, 0},     {"3x3s1", 3, 1, 1, 0, 0, 0},      {"3x3s1p1", 3, 1, 1, 1, 1, 0},
        {"3x3s2d2p1", 3, 2, 2, 1, 2, 1},   {"2x2s1d3", 2, 1, 3, 0, 0, 0},    {"4x4s3p2", 4, 3, 1, 2, 1, 1},
        {"5x5s1p2", 5, 1, 1, 2, 2, 0},     {"1x1s1", 1, 1, 1, 0, 0, 0},      {"2x2s4", 2, 4, 1, 0, 0, 0},
    };
    return w;
}

simdpool_pool_desc desc_2d(simdpool_algorithm a, simdpool_layout layout, const Window &w, int64_t n, int64_t c,
                           int64_t in_h, int64_t in_w) {
    simdpool_pool_desc d;
    EXPECT_EQ(simdpool_pool_desc_init(&d, a, 2), SIMDPOOL_OK);
    d.layout = layout;
    d.n = n;
    d.c = c;
    d.in[0] = in_h;
    d.in[1] = in_w;
    set_all(d.kernel, 2, w.k);
    set_all(d.stride, 2, w.s);
    set_all(d.dilation, 2, w.dil);
    set_all(d.pad_begin, 2, w.pb);
    set_all(d.pad_end, 2, w.pe);
    d.ceil_mode = w.ceil_mode;
    return d;
}

// The smallest input width >= `want_out` windows can need, and then widths giving exactly want_out outputs.
int64_t input_for_outputs(const Window &w, int64_t want_out) {
    const int64_t eff = w.dil * (w.k - 1) + 1;
    for (int64_t in = 1; in < 4 * want_out + 4 * eff; ++in) {
        if (in + w.pb + w.pe < eff) continue;
        const int64_t span = in + w.pb + w.pe - eff;
        int64_t out = (w.ceil_mode ? (span + w.s - 1) / w.s : span / w.s) + 1;
        if (w.ceil_mode && (out - 1) * w.s >= in + w.pb) --out;
        if (out == want_out) return in;
    }
    return -1;
}

const simdpool_algorithm kAlgorithms[] = {SIMDPOOL_MAX, SIMDPOOL_MIN, SIMDPOOL_AVG};

// ---------------------------------------------------------------------------------------------------------
// NHWC: channels 1..40 (tails below, at and above 4, 8 and 16) for every window.

TEST(NeonKernels, NhwcChannelsAndWindows) {
    uint64_t seed = 1;
    for (const Window &w : windows_2d()) {
        SCOPED_TRACE(w.name);
        for (int64_t c = 1; c <= 40; ++c) {
            for (simdpool_algorithm a : kAlgorithms) {
                simdpool_pool_desc d = desc_2d(a, SIMDPOOL_NHWC, w, c % 3 == 0 ? 2 : 1, c, 7, 9);
                d.count_include_pad = (int)(c & 1);
                check_pool(d, seed++);
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// Big windows (more taps than the tap list holds): the nested loops, and 1-D / 3-D windows.
TEST(NeonKernels, NhwcLargeAnd3dWindows) {
    uint64_t seed = 5000;
    for (int64_t c : {1, 3, 4, 5, 16, 19, 33}) {
        for (simdpool_algorithm a : kAlgorithms) {
            simdpool_pool_desc d = desc_2d(a, SIMDPOOL_NHWC, {"7x7s1p3", 7, 1, 1, 3, 3, 0}, 1, c, 9, 8);
            check_pool(d, seed++);
            simdpool_pool_desc d3;
            ASSERT_EQ(simdpool_pool_desc_init(&d3, a, 3), SIMDPOOL_OK);
            d3.layout = SIMDPOOL_NHWC;
            d3.n = 1;
            d3.c = c;
            set_all(d3.in, 3, 5);
            set_all(d3.kernel, 3, 3);
            set_all(d3.stride, 3, 2);
            set_all(d3.pad_begin, 3, 1);
            set_all(d3.pad_end, 3, 1);
            d3.dilation[2] = 2;
            d3.ceil_mode = 1;
            check_pool(d3, seed++);
            simdpool_pool_desc d1;
            ASSERT_EQ(simdpool_pool_desc_init(&d1, a, 1), SIMDPOOL_OK);
            d1.layout = SIMDPOOL_NHWC;
            d1.n = 2;
            d1.c = c;
            d1.in[0] = 17;
            d1.kernel[0] = 4;
            d1.stride[0] = 1;
            d1.pad_begin[0] = 2;
            d1.pad_end[0] = 1;
            check_pool(d1, seed++);
            if (::testing::Test::HasFatalFailure()) return;
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// NCHW: output widths 1..40 for every window (rows along the width, and across planes where rows are short).

TEST(NeonKernels, NchwWidthsAndWindows) {
    uint64_t seed = 10000;
    for (const Window &w : windows_2d()) {
        SCOPED_TRACE(w.name);
        for (int64_t out_w = 1; out_w <= 40; ++out_w) {
            const int64_t in_w = input_for_outputs(w, out_w);
            if (in_w < 0) continue; // e.g. a ceil_mode width no input gives
            for (simdpool_algorithm a : kAlgorithms) {
                // 5 planes: across-plane groups have a spare lane; rows of 5 for clipped top/bottom windows.
                simdpool_pool_desc d = desc_2d(a, SIMDPOOL_NCHW, w, 1, 5, input_for_outputs(w, 3), in_w);
                ASSERT_GT(d.in[0], 0);
                d.count_include_pad = (int)(out_w & 1);
                check_pool(d, seed++);
                if (::testing::Test::HasFatalFailure()) return;
            }
        }
    }
}

// Stride 2 with even widths: the last vld2q of a row would read one element past the row (and, in the last
// row of the last plane, past the buffer, which AddressSanitizer would report): the kernel must not.
TEST(NeonKernels, NchwStride2RowEndsStayInBounds) {
    uint64_t seed = 20000;
    for (int64_t in_w : {8, 9, 10, 16, 17, 18, 24, 32, 34}) {
        for (const Window &w : {Window{"2x2s2", 2, 2, 1, 0, 0, 0}, Window{"3x3s2", 3, 2, 1, 0, 0, 1},
                                Window{"3x3s2d2", 3, 2, 2, 0, 0, 0}, Window{"2x2s2p1", 2, 2, 1, 1, 1, 0}}) {
            for (simdpool_algorithm a : kAlgorithms) {
                simdpool_pool_desc d = desc_2d(a, SIMDPOOL_NCHW, w, 1, 1, 6, in_w);
                check_pool(d, seed++);
            }
        }
    }
}

// 1-D and 3-D NCHW, and dilation along W with stride 3 (lane-by-lane loads).
TEST(NeonKernels, Nchw1dAnd3d) {
    uint64_t seed = 30000;
    for (simdpool_algorithm a : kAlgorithms) {
        for (int64_t in_w : {5, 12, 31, 64}) {
            simdpool_pool_desc d1;
            ASSERT_EQ(simdpool_pool_desc_init(&d1, a, 1), SIMDPOOL_OK);
            d1.n = 2;
            d1.c = 3;
            d1.in[0] = in_w;
            d1.kernel[0] = 3;
            d1.stride[0] = 3;
            d1.dilation[0] = 2;
            d1.pad_begin[0] = 2;
            d1.pad_end[0] = 1;
            d1.ceil_mode = 1;
            check_pool(d1, seed++);
        }
        simdpool_pool_desc d3;
        ASSERT_EQ(simdpool_pool_desc_init(&d3, a, 3), SIMDPOOL_OK);
        d3.n = 1;
        d3.c = 3;
        d3.in[0] = 4;
        d3.in[1] = 6;
        d3.in[2] = 21;
        set_all(d3.kernel, 3, 3);
        set_all(d3.stride, 3, 2);
        set_all(d3.pad_begin, 3, 1);
        set_all(d3.pad_end, 3, 1);
        d3.dilation[0] = 2;
        check_pool(d3, seed++);
    }
}

// ---------------------------------------------------------------------------------------------------------
// Global and adaptive pooling: across planes in NCHW (1..9 planes: groups of 8 and 4, spare lanes), over
// channels in NHWC.

TEST(NeonKernels, GlobalAndAdaptive) {
    uint64_t seed = 40000;
    struct Shape {
        int sd;
        int64_t in[3], out[3];
    };
    const Shape shapes[] = {
        {2, {7, 7, 0}, {1, 1, 0}},   {2, {5, 13, 0}, {1, 1, 0}},  {2, {10, 10, 0}, {3, 4, 0}},
        {2, {9, 14, 0}, {7, 7, 0}},  {2, {3, 3, 0}, {5, 6, 0}},   {1, {29, 0, 0}, {1, 0, 0}},
        {1, {17, 0, 0}, {6, 0, 0}},  {3, {3, 4, 5}, {1, 1, 1}},   {3, {4, 5, 6}, {2, 2, 3}},
        {2, {16, 16, 0}, {1, 1, 0}}, {2, {1, 9, 0}, {1, 4, 0}},
    };
    for (const Shape &s : shapes)
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
            for (int64_t c : {1, 2, 3, 4, 5, 7, 8, 9, 17})
                for (simdpool_algorithm a : {SIMDPOOL_MAX, SIMDPOOL_AVG}) { // adaptive has no MIN
                    simdpool_adaptive_desc d;
                    ASSERT_EQ(simdpool_adaptive_desc_init(&d, a, s.sd), SIMDPOOL_OK);
                    d.layout = layout;
                    d.n = 1;
                    d.c = c;
                    for (int i = 0; i < s.sd; ++i) {
                        d.in[i] = s.in[i];
                        d.out[i] = s.out[i];
                    }
                    check_adaptive(d, seed++);
                    if (::testing::Test::HasFatalFailure()) return;
                }
}

// ---------------------------------------------------------------------------------------------------------
// Fused clamp, NaN preserved, on both layouts and both NCHW strategies.

TEST(NeonKernels, FusedClamp) {
    uint64_t seed = 50000;
    const float ranges[][2] = {{0.0f, kInf}, {0.0f, 1.0f}, {-1.0f, 0.5f}};
    for (const auto &rg : ranges)
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC})
            for (int64_t in_w : {6, 23})
                for (simdpool_algorithm a : kAlgorithms) {
                    simdpool_options o = isa_options(SIMDPOOL_ISA_NEON);
                    o.clamp_output = 1;
                    o.clamp_min = rg[0];
                    o.clamp_max = rg[1];
                    simdpool_pool_desc d = desc_2d(a, layout, {"3x3s2p1", 3, 2, 1, 1, 1, 0}, 1, 6, 7, in_w);
                    check_pool(d, seed++, &o);
                }
}

// Several threads split the planes (NCHW) or rows (NHWC) differently: results must not change.
TEST(NeonKernels, ThreadSplitsAgree) {
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        simdpool_pool_desc d = desc_2d(SIMDPOOL_MAX, layout, {"3x3s2p1", 3, 2, 1, 1, 1, 0}, 2, 37, 33, 35);
        simdpool_options o = isa_options(SIMDPOOL_ISA_NEON, 3);
        check_pool(d, 60000 + (uint64_t)layout, &o);
    }
}

// The NaN rule written out: (v > best) || isnan(v) keeps the LAST NaN, ties keep the first, -0 before +0 wins
// a tie, in full vectors and in tails of both layouts.
TEST(NeonKernels, NanTiesAndSignedZerosByHand) {
    const float nan = std::nanf("");
    // One 1-D window of 6 taps per channel / plane; the expected max index and whether the max is -0.
    struct Row {
        float w[6];
        int64_t max_at;
    };
    const Row rows[] = {
        {{1, nan, 3, nan, 2, 0}, 3}, {{-0.0f, 0.0f, -0.0f, -1, -2, -3}, 0}, {{0.0f, -0.0f, -1, -1, -1, -1}, 0},
        {{-kInf, -kInf, -kInf, -kInf, -kInf, -kInf}, 0}, {{2, 7, 7, -1, 7, 1}, 1}, {{1, 2, 3, 4, 5, nan}, 5},
    };
    for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
        for (int64_t C : {1, 5, 6, 18}) {
            simdpool_pool_desc d;
            ASSERT_EQ(simdpool_pool_desc_init(&d, SIMDPOOL_MAX, 1), SIMDPOOL_OK);
            d.layout = layout;
            d.n = 1;
            d.c = C;
            d.in[0] = 6;
            d.kernel[0] = 6;
            d.stride[0] = 1;
            std::vector<float> x((size_t)(6 * C));
            for (int64_t c = 0; c < C; ++c)
                for (int64_t w = 0; w < 6; ++w)
                    x[(size_t)(layout == SIMDPOOL_NCHW ? c * 6 + w : w * C + c)] = rows[c % 6].w[w];
            PlanPtr plan;
            ASSERT_EQ(make_pool_plan(d, isa_options(SIMDPOOL_ISA_NEON), &plan), SIMDPOOL_OK) << simdpool_last_error();
            std::vector<float> y((size_t)C);
            std::vector<int64_t> idx((size_t)C);
            ASSERT_EQ(simdpool_forward(plan.get(), x.data(), y.data(), idx.data()), SIMDPOOL_OK);
            for (int64_t c = 0; c < C; ++c) {
                const Row &r = rows[c % 6];
                EXPECT_EQ(idx[(size_t)c], r.max_at) << "channel " << c;
                EXPECT_EQ(float_bits(y[(size_t)c]), float_bits(r.w[r.max_at])) << "channel " << c;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// Planes of more than 2^32 elements track 64-bit tap offsets (no descriptor that size fits in a test's
// memory, so the kernels get a hand-made geometry whose windows only touch the first row of a 2^17 x 2^16
// plane, and the scalar reference kernel the same).

struct HugePlane {
    int64_t first_d[1] = {0}, first_h[1] = {0}, first_w[40];
    int32_t taps_d[1] = {1}, taps_h[1] = {1}, taps_w[40];
    float divisor[40];
    sp_pool_geometry g{};

    HugePlane(int64_t out_w, int64_t kernel, int64_t stride, int64_t channels, bool full_range) {
        g.in[0] = 1;
        g.in[1] = int64_t{1} << 17;
        g.in[2] = int64_t{1} << 16;
        g.out[0] = g.out[1] = 1;
        g.out[2] = out_w;
        for (int a = 0; a < 3; ++a) g.dilation[a] = 1;
        for (int64_t o = 0; o < out_w; ++o) {
            first_w[o] = o * stride;
            taps_w[o] = (int32_t)kernel;
            divisor[o] = (float)kernel;
        }
        g.first[0] = first_d;
        g.first[1] = first_h;
        g.first[2] = first_w;
        g.taps[0] = taps_d;
        g.taps[1] = taps_h;
        g.taps[2] = taps_w;
        g.kernel[0] = g.kernel[1] = 1;
        g.kernel[2] = kernel;
        g.stride[0] = g.stride[1] = 1;
        g.stride[2] = stride;
        g.full_begin[2] = 0;
        g.full_end[2] = full_range ? out_w : 0;
        g.divisor = divisor;
        g.channels = channels;
    }
};

TEST(NeonKernels, PlanesPast32BitsUseWideIndices) {
    const HugePlane probe(4, 2, 2, 1, true);
    ASSERT_GT(sp_in_plane(&probe.g), int64_t{UINT32_MAX});
    for (bool full : {true, false}) {
        for (int64_t out_w : {4, 13, 40}) {
            SCOPED_TRACE(std::string(full ? "along W" : "across planes") + " out_w=" + std::to_string(out_w));
            HugePlane hp(out_w, 3, 2, 1, full);
            std::vector<float> row = tricky_input(SIMDPOOL_MAX, (size_t)(2 * out_w + 8), 7 + (uint64_t)out_w);
            std::vector<float> y((size_t)out_w), y_ref((size_t)out_w);
            std::vector<int64_t> idx((size_t)out_w, -1), idx_ref((size_t)out_w, -2);
            sp_neon_maxpool_fwd_nchw_f32(&hp.g, row.data(), y.data(), idx.data(), 1);
            sp_scalar_maxpool_fwd_nchw_f32(&hp.g, row.data(), y_ref.data(), idx_ref.data(), 1);
            EXPECT_TRUE(arrays_identical(y, y_ref, "output"));
            EXPECT_TRUE(arrays_identical(idx, idx_ref, "index"));
            sp_neon_avgpool_fwd_nchw_f32(&hp.g, row.data(), y.data(), nullptr, 1);
            sp_scalar_avgpool_fwd_nchw_f32(&hp.g, row.data(), y_ref.data(), nullptr, 1);
            EXPECT_TRUE(arrays_identical(y, y_ref, "avg output"));
        }
    }
    for (int64_t C : {1, 3, 4, 21}) {
        SCOPED_TRACE("NHWC C=" + std::to_string(C));
        HugePlane hp(9, 3, 2, C, true);
        std::vector<float> x = tricky_input(SIMDPOOL_MAX, (size_t)((2 * 9 + 2) * C), 99 + (uint64_t)C);
        std::vector<float> y((size_t)(9 * C)), y_ref((size_t)(9 * C));
        std::vector<int64_t> idx((size_t)(9 * C), -1), idx_ref((size_t)(9 * C), -2);
        sp_neon_maxpool_fwd_nhwc_f32(&hp.g, x.data(), y.data(), idx.data(), 0, 1);
        sp_scalar_maxpool_fwd_nhwc_f32(&hp.g, x.data(), y_ref.data(), idx_ref.data(), 0, 1);
        EXPECT_TRUE(arrays_identical(y, y_ref, "output"));
        EXPECT_TRUE(arrays_identical(idx, idx_ref, "index"));
    }
}

}  // namespace
