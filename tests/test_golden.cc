// Golden tests: simdpool against data recorded from PyTorch (tests/golden/pool_golden.txt, written by
// tests/golden/gen_golden.py; see tests/golden/README.md). Every case runs in both layouts (the data is NCHW;
// NHWC is made here by transposing x/dy in and y/idx/dx back) and on every ISA this machine can run.
//
// Tolerances:
//   MAX, MIN, adaptive MAX  values and indices exact (NaN matches NaN, +0 matches -0).
//   AVG, adaptive AVG       within 1 ulp. The inputs of these cases are dyadic (k/64), so window sums are
//                           exact in float32 in any order; only the final division rounds, and 1 ulp allows
//                           an implementation that multiplies by the divisor's reciprocal.
//   LP, SOFT forward        relative 1e-5 (the golden values are float64 results rounded to float32), with an
//                           absolute floor of 1e-6 * max(1, max|x|) for outputs that cancel towards 0.
//   dx (all ops)            relative 1e-5, absolute 1e-6 * max(1, max|x|) (the SOFT gradient has the term
//                           1 + x_i - y, whose rounding error scales with |x|).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "simdpool/simdpool.h"

namespace {

const char kGoldenFile[] = SIMDPOOL_GOLDEN_DIR "/pool_golden.txt";

struct GoldenCase {
    std::string name;
    std::string op;
    int dims = 0;
    int64_t n = 0, c = 0;
    int64_t in[3] = {1, 1, 1}, kernel[3] = {0, 0, 0}, stride[3] = {0, 0, 0}, dilation[3] = {1, 1, 1};
    int64_t pad_begin[3] = {0, 0, 0}, pad_end[3] = {0, 0, 0}, out[3] = {1, 1, 1};
    int ceil = 0, include_pad = 1;
    int64_t divisor = 0;
    float p = 2.0f;
    std::vector<float> x, y, dy, dx;
    std::vector<int64_t> idx;
    bool has_idx = false, has_grad = false;

    bool adaptive() const { return op == "adaptive_max" || op == "adaptive_avg"; }
    bool argmax() const { return op == "max" || op == "min" || op == "adaptive_max"; }
    int64_t in_plane() const { return in[0] * in[1] * in[2]; }
    int64_t out_plane() const { return out[0] * out[1] * out[2]; }
};

struct GoldenData {
    std::vector<GoldenCase> cases;
    std::string error;  // empty if the file loaded
};

bool ParseFloat(const std::string &tok, float *v) {
    char *end = nullptr;
    *v = std::strtof(tok.c_str(), &end);
    return end != tok.c_str() && *end == '\0';
}

bool ParseInt(const std::string &tok, int64_t *v) {
    char *end = nullptr;
    *v = std::strtoll(tok.c_str(), &end, 10);
    return end != tok.c_str() && *end == '\0';
}

GoldenData LoadGolden() {
    GoldenData data;
    std::ifstream file(kGoldenFile);
    if (!file) {
        data.error = std::string("cannot open golden file ") + kGoldenFile +
                     " (regenerate it with tests/golden/gen_golden.py)";
        return data;
    }
    std::string line;
    int line_no = 0;
    GoldenCase cur;
    bool in_case = false;
    auto fail = [&](const std::string &why) {
        data.cases.clear();
        data.error = std::string(kGoldenFile) + ":" + std::to_string(line_no) + ": " + why;
        return data;
    };
    while (std::getline(file, line)) {
        ++line_no;
        std::istringstream ss(line);
        std::string key;
        if (!(ss >> key)) continue;
        std::vector<std::string> toks;
        for (std::string t; ss >> t;) toks.push_back(t);
        auto ints = [&](int64_t *dst, size_t count) {
            if (toks.size() != count) return false;
            for (size_t i = 0; i < count; ++i)
                if (!ParseInt(toks[i], &dst[i])) return false;
            return true;
        };
        auto one_int = [&](int64_t *dst) { return ints(dst, 1); };
        auto floats = [&](std::vector<float> *dst) {
            int64_t count = 0;
            if (toks.empty() || !ParseInt(toks[0], &count) || count < 0 || toks.size() != size_t(count) + 1)
                return false;
            dst->resize(size_t(count));
            for (int64_t i = 0; i < count; ++i)
                if (!ParseFloat(toks[size_t(i) + 1], &(*dst)[size_t(i)])) return false;
            return true;
        };
        if (key == "simdpool-golden" || key == "torch") continue;
        if (key == "case") {
            if (in_case || toks.size() != 1) return fail("unexpected 'case'");
            cur = GoldenCase();
            cur.name = toks[0];
            in_case = true;
            continue;
        }
        if (!in_case) return fail("record '" + key + "' outside a case");
        bool ok = true;
        int64_t v = 0;
        const size_t sd = size_t(cur.dims);
        if (key == "op") {
            ok = toks.size() == 1;
            if (ok) cur.op = toks[0];
        } else if (key == "dims") {
            ok = one_int(&v) && v >= 1 && v <= 3;
            cur.dims = int(v);
        } else if (key == "n") {
            ok = one_int(&cur.n);
        } else if (key == "c") {
            ok = one_int(&cur.c);
        } else if (key == "in") {
            ok = sd > 0 && ints(cur.in, sd);
        } else if (key == "kernel") {
            ok = sd > 0 && ints(cur.kernel, sd);
        } else if (key == "stride") {
            ok = sd > 0 && ints(cur.stride, sd);
        } else if (key == "dilation") {
            ok = sd > 0 && ints(cur.dilation, sd);
        } else if (key == "pad_begin") {
            ok = sd > 0 && ints(cur.pad_begin, sd);
        } else if (key == "pad_end") {
            ok = sd > 0 && ints(cur.pad_end, sd);
        } else if (key == "out") {
            ok = sd > 0 && ints(cur.out, sd);
        } else if (key == "ceil") {
            ok = one_int(&v);
            cur.ceil = int(v);
        } else if (key == "include_pad") {
            ok = one_int(&v);
            cur.include_pad = int(v);
        } else if (key == "divisor") {
            ok = one_int(&cur.divisor);
        } else if (key == "p") {
            ok = toks.size() == 1 && ParseFloat(toks[0], &cur.p);
        } else if (key == "x") {
            ok = floats(&cur.x);
        } else if (key == "y") {
            ok = floats(&cur.y);
        } else if (key == "dy") {
            ok = floats(&cur.dy);
        } else if (key == "dx") {
            ok = floats(&cur.dx);
            cur.has_grad = ok;
        } else if (key == "idx") {
            int64_t count = 0;
            ok = !toks.empty() && ParseInt(toks[0], &count) && count >= 0 && toks.size() == size_t(count) + 1;
            if (ok) {
                cur.idx.resize(size_t(count));
                for (int64_t i = 0; ok && i < count; ++i) ok = ParseInt(toks[size_t(i) + 1], &cur.idx[size_t(i)]);
            }
            cur.has_idx = ok;
        } else if (key == "end") {
            const size_t xin = size_t(cur.n * cur.c * cur.in_plane());
            const size_t yout = size_t(cur.n * cur.c * cur.out_plane());
            if (cur.op.empty() || cur.dims == 0 || cur.x.size() != xin || cur.y.size() != yout)
                return fail("case " + cur.name + ": missing records or wrong sizes");
            if (cur.argmax() != cur.has_idx || (cur.has_idx && cur.idx.size() != yout))
                return fail("case " + cur.name + ": idx record missing, unexpected or of the wrong size");
            if (cur.has_grad != !cur.dy.empty() ||
                (cur.has_grad && (cur.dy.size() != yout || cur.dx.size() != xin)))
                return fail("case " + cur.name + ": dy/dx records inconsistent");
            data.cases.push_back(cur);
            in_case = false;
            continue;
        } else {
            ok = false;
        }
        if (!ok) return fail("bad record '" + key + "' in case " + cur.name);
    }
    if (in_case) return fail("unterminated case " + cur.name);
    if (data.cases.empty()) data.error = std::string("no cases in ") + kGoldenFile;
    return data;
}

const GoldenData &Golden() {
    static const GoldenData data = LoadGolden();
    return data;
}

const char kMissing[] = "golden_file_missing";

std::vector<std::string> GoldenCaseNames() {
    std::vector<std::string> names;
    for (const GoldenCase &c : Golden().cases) names.push_back(c.name);
    if (names.empty()) names.push_back(kMissing);  // its test fails with the load error
    return names;
}

const GoldenCase *FindCase(const std::string &name) {
    for (const GoldenCase &c : Golden().cases)
        if (c.name == name) return &c;
    return nullptr;
}

// ---- layout conversion (NCHW <-> NHWC, any number of spatial dims flattened to one) ----

template <typename T>
std::vector<T> ToNhwc(const std::vector<T> &src, int64_t n, int64_t c, int64_t plane) {
    std::vector<T> dst(src.size());
    for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t s = 0; s < plane; ++s) dst[size_t((b * plane + s) * c + ch)] = src[size_t((b * c + ch) * plane + s)];
    return dst;
}

template <typename T>
std::vector<T> ToNchw(const std::vector<T> &src, int64_t n, int64_t c, int64_t plane) {
    std::vector<T> dst(src.size());
    for (int64_t b = 0; b < n; ++b)
        for (int64_t ch = 0; ch < c; ++ch)
            for (int64_t s = 0; s < plane; ++s) dst[size_t((b * c + ch) * plane + s)] = src[size_t((b * plane + s) * c + ch)];
    return dst;
}

// ---- comparisons ----

enum class Tol { kExact, kUlp1, kRel };

int64_t OrderedBits(float f) {
    int32_t i;
    std::memcpy(&i, &f, sizeof i);
    return i < 0 ? int64_t(INT32_MIN) - int64_t(i) : int64_t(i);
}

bool Close(float got, float want, Tol tol, double abs_floor) {
    if (std::isnan(want) || std::isnan(got)) return std::isnan(want) && std::isnan(got);
    if (got == want) return true;  // also +0 == -0 and inf == inf
    if (std::isinf(want) || std::isinf(got)) return false;
    switch (tol) {
    case Tol::kExact:
        return false;
    case Tol::kUlp1:
        return std::llabs(OrderedBits(got) - OrderedBits(want)) <= 1;
    case Tol::kRel:
        return std::fabs(double(got) - double(want)) <= 1e-5 * std::fabs(double(want)) + abs_floor;
    }
    return false;
}

// "n=1 c=2 (h=3, w=4)" for flat NCHW position `i` of a tensor with spatial sizes `sizes`.
std::string Where(const GoldenCase &gc, const int64_t *sizes, size_t i) {
    int64_t plane = sizes[0] * sizes[1] * sizes[2];
    int64_t s = int64_t(i) % plane, nc = int64_t(i) / plane;
    std::ostringstream os;
    os << "n=" << nc / gc.c << " c=" << nc % gc.c << " (";
    int64_t coord[3];
    for (int a = gc.dims - 1; a >= 0; --a) {
        coord[a] = s % sizes[a];
        s /= sizes[a];
    }
    static const char *const names[3][3] = {{"w", "", ""}, {"h", "w", ""}, {"d", "h", "w"}};
    for (int a = 0; a < gc.dims; ++a) os << (a ? ", " : "") << names[gc.dims - 1][a] << "=" << coord[a];
    os << ")";
    return os.str();
}

void ExpectFloats(const char *what, const GoldenCase &gc, const int64_t *sizes, const std::vector<float> &got,
                  const std::vector<float> &want, Tol tol, double abs_floor) {
    ASSERT_EQ(got.size(), want.size()) << what;
    size_t bad = 0;
    std::ostringstream os;
    for (size_t i = 0; i < want.size(); ++i) {
        if (Close(got[i], want[i], tol, abs_floor)) continue;
        if (bad < 8) {
            os.precision(9);
            os << "\n  " << what << " at " << Where(gc, sizes, i) << ": got " << got[i] << ", torch " << want[i];
        }
        ++bad;
    }
    EXPECT_EQ(bad, 0u) << bad << " of " << want.size() << " " << what << " values differ:" << os.str();
}

void ExpectIndices(const GoldenCase &gc, const std::vector<int64_t> &got, const std::vector<int64_t> &want,
                   const std::vector<float> &got_y) {
    ASSERT_EQ(got.size(), want.size());
    size_t bad = 0;
    std::ostringstream os;
    for (size_t i = 0; i < want.size(); ++i) {
        if (got[i] == want[i]) continue;
        if (bad < 8) {
            os.precision(9);
            os << "\n  idx at " << Where(gc, gc.out, i) << ": got " << got[i] << ", torch " << want[i]
               << " (y got " << got_y[i] << ", torch " << gc.y[i] << ")";
        }
        ++bad;
    }
    EXPECT_EQ(bad, 0u) << bad << " of " << want.size() << " indices differ:" << os.str();
}

simdpool_algorithm Algorithm(const std::string &op) {
    if (op == "max" || op == "adaptive_max") return SIMDPOOL_MAX;
    if (op == "min") return SIMDPOOL_MIN;
    if (op == "avg" || op == "adaptive_avg") return SIMDPOOL_AVG;
    if (op == "lp") return SIMDPOOL_LP;
    return SIMDPOOL_SOFT;
}

bool KnownOp(const std::string &op) {
    return op == "max" || op == "min" || op == "avg" || op == "lp" || op == "soft" || op == "adaptive_max" ||
           op == "adaptive_avg";
}

// Runs one case in one layout on one ISA and compares with the golden data.
void RunCase(const GoldenCase &gc, simdpool_layout layout, simdpool_isa isa) {
    const bool nhwc = layout == SIMDPOOL_NHWC;
    simdpool_options opt;
    ASSERT_EQ(simdpool_options_init(&opt), SIMDPOOL_OK);
    opt.max_isa = isa;

    simdpool_plan *plan = nullptr;
    simdpool_status st;
    if (gc.adaptive()) {
        simdpool_adaptive_desc d;
        ASSERT_EQ(simdpool_adaptive_desc_init(&d, Algorithm(gc.op), gc.dims), SIMDPOOL_OK);
        d.n = gc.n;
        d.c = gc.c;
        for (int a = 0; a < gc.dims; ++a) {
            d.in[a] = gc.in[a];
            d.out[a] = gc.out[a];
        }
        d.layout = layout;
        st = simdpool_plan_create_adaptive(&d, &opt, &plan);
    } else {
        simdpool_pool_desc d;
        ASSERT_EQ(simdpool_pool_desc_init(&d, Algorithm(gc.op), gc.dims), SIMDPOOL_OK);
        d.n = gc.n;
        d.c = gc.c;
        for (int a = 0; a < gc.dims; ++a) {
            d.in[a] = gc.in[a];
            d.kernel[a] = gc.kernel[a];
            d.stride[a] = gc.stride[a];
            d.dilation[a] = gc.dilation[a];
            d.pad_begin[a] = gc.pad_begin[a];
            d.pad_end[a] = gc.pad_end[a];
        }
        d.ceil_mode = gc.ceil;
        d.count_include_pad = gc.include_pad;
        d.divisor_override = gc.divisor;
        d.p = gc.p;
        d.layout = layout;
        st = simdpool_plan_create_pool(&d, &opt, &plan);
    }
    ASSERT_EQ(st, SIMDPOOL_OK) << "plan creation failed: " << simdpool_last_error();
    ASSERT_NE(plan, nullptr);
    std::unique_ptr<simdpool_plan, void (*)(simdpool_plan *)> guard(plan, simdpool_plan_destroy);

    const char *fwd_name = "?";
    const char *bwd_name = "?";
    simdpool_plan_kernel_name(plan, 0, &fwd_name);
    simdpool_plan_kernel_name(plan, 1, &bwd_name);
    SCOPED_TRACE(std::string("kernels ") + (fwd_name ? fwd_name : "?") + " / " + (bwd_name ? bwd_name : "?"));

    // Output shape, in the plan's layout order.
    int64_t shape[SIMDPOOL_MAX_RANK] = {0};
    int rank = 0;
    ASSERT_EQ(simdpool_plan_output_shape(plan, shape, &rank), SIMDPOOL_OK) << simdpool_last_error();
    std::vector<int64_t> want_shape, got_shape(shape, shape + std::max(0, std::min(rank, SIMDPOOL_MAX_RANK)));
    want_shape.push_back(gc.n);
    if (!nhwc) want_shape.push_back(gc.c);
    for (int a = 0; a < gc.dims; ++a) want_shape.push_back(gc.out[a]);
    if (nhwc) want_shape.push_back(gc.c);
    ASSERT_EQ(got_shape, want_shape) << "output shape differs from torch's";
    size_t in_elems = 0, out_elems = 0;
    ASSERT_EQ(simdpool_plan_tensor_sizes(plan, &in_elems, &out_elems), SIMDPOOL_OK);
    ASSERT_EQ(in_elems, gc.x.size());
    ASSERT_EQ(out_elems, gc.y.size());

    const int64_t pin = gc.in_plane(), pout = gc.out_plane();
    auto to_layout = [&](const std::vector<float> &v, int64_t plane) {
        return nhwc ? ToNhwc(v, gc.n, gc.c, plane) : v;
    };
    auto from_layout = [&](const std::vector<float> &v, int64_t plane) {
        return nhwc ? ToNchw(v, gc.n, gc.c, plane) : v;
    };

    double xmax = 1.0;
    for (float v : gc.x)
        if (std::isfinite(v)) xmax = std::max(xmax, double(std::fabs(v)));

    const std::vector<float> x = to_layout(gc.x, pin);
    std::vector<float> y(gc.y.size(), 12345.0f);
    std::vector<int64_t> idx(gc.y.size(), -7);
    ASSERT_EQ(simdpool_forward(plan, x.data(), y.data(), gc.argmax() ? idx.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    const std::vector<float> y_nchw = from_layout(y, pout);

    Tol ytol = Tol::kExact;
    if (gc.op == "avg" || gc.op == "adaptive_avg") ytol = Tol::kUlp1;
    if (gc.op == "lp" || gc.op == "soft") ytol = Tol::kRel;
    ExpectFloats("y", gc, gc.out, y_nchw, gc.y, ytol, 1e-6 * xmax);
    if (gc.argmax()) {
        const std::vector<int64_t> idx_nchw = nhwc ? ToNchw(idx, gc.n, gc.c, pout) : idx;
        ExpectIndices(gc, idx_nchw, gc.idx, y_nchw);
        // Without indices the values must be the same.
        std::vector<float> y2(gc.y.size(), 12345.0f);
        ASSERT_EQ(simdpool_forward(plan, x.data(), y2.data(), nullptr), SIMDPOOL_OK) << simdpool_last_error();
        ExpectFloats("y (forward without indices)", gc, gc.out, from_layout(y2, pout), gc.y, Tol::kExact, 0.0);
    }

    if (!gc.has_grad) return;
    const std::vector<float> dy = to_layout(gc.dy, pout);
    // Max/min backward routes through torch's indices, so a forward index mismatch is reported once, above.
    const std::vector<int64_t> gidx = gc.argmax() ? (nhwc ? ToNhwc(gc.idx, gc.n, gc.c, pout) : gc.idx)
                                                  : std::vector<int64_t>();
    std::vector<float> dx(gc.x.size(), std::nanf(""));  // backward must overwrite every element
    const bool needs_xy = gc.op == "lp" || gc.op == "soft";
    st = simdpool_backward(plan, dy.data(), gc.argmax() ? gidx.data() : nullptr, needs_xy ? x.data() : nullptr,
                           needs_xy ? y.data() : nullptr, dx.data());
    ASSERT_EQ(st, SIMDPOOL_OK) << "backward failed: " << simdpool_last_error();
    ExpectFloats("dx", gc, gc.in, from_layout(dx, pin), gc.dx, Tol::kRel, 1e-6 * xmax);
}

class GoldenTest : public ::testing::TestWithParam<std::string> {};

TEST(GoldenFile, Loads) {
    const GoldenData &data = Golden();
    ASSERT_TRUE(data.error.empty()) << data.error;
    EXPECT_GE(data.cases.size(), 50u) << "golden file holds fewer cases than expected";
    for (const GoldenCase &c : data.cases) EXPECT_TRUE(KnownOp(c.op)) << c.name << ": unknown op " << c.op;
}

TEST_P(GoldenTest, MatchesTorch) {
    const GoldenCase *gc = FindCase(GetParam());
    ASSERT_NE(gc, nullptr) << Golden().error;
    ASSERT_TRUE(KnownOp(gc->op)) << "unknown op " << gc->op;
    const simdpool_isa isas[] = {SIMDPOOL_ISA_SCALAR, SIMDPOOL_ISA_AVX2, SIMDPOOL_ISA_AVX512, SIMDPOOL_ISA_NEON};
    int ran = 0;
    for (simdpool_isa isa : isas) {
        if (!simdpool_isa_available(isa)) continue;  // e.g. AVX-512 on a CPU without it
        for (simdpool_layout layout : {SIMDPOOL_NCHW, SIMDPOOL_NHWC}) {
            SCOPED_TRACE(std::string("isa ") + simdpool_isa_name(isa) +
                         (layout == SIMDPOOL_NHWC ? ", layout NHWC" : ", layout NCHW"));
            RunCase(*gc, layout, isa);
            ++ran;
        }
    }
    EXPECT_GT(ran, 0) << "no ISA available";
}

INSTANTIATE_TEST_SUITE_P(Torch, GoldenTest, ::testing::ValuesIn(GoldenCaseNames()),
                         [](const ::testing::TestParamInfo<std::string> &info) { return info.param; });

}  // namespace
