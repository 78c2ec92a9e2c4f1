// Golden tests of the rest of the op set against data recorded from PyTorch and torchvision
// (tests/golden/ops_golden.txt, written by tests/golden/gen_golden_ops.py, whose docstring describes the format
// and what each op's data pins). Every case runs in NCHW and NHWC (the data is NCHW; NHWC is made here) on every
// ISA the machine runs.
//
// Tolerances: exact (bit for bit, NaN matching NaN) for everything -- values, indices, argmax and gradients of
// fractional max pooling, unpooling, RoI max pooling and RoI align (the kernels do torchvision's float operations
// in torchvision's order) -- except spatial pyramid pooling's AVG output (relative 2.5e-7: torch divides the bin
// sum its own way) and both SPP gradients (relative 1e-5: torch's autograd adds the levels' contributions, and
// divides dy by kh then kw, in a different order).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "ops_test_util.h"

namespace {

using opstest::to_nchw;
using opstest::to_nhwc;

const char kGoldenFile[] = SIMDPOOL_GOLDEN_DIR "/ops_golden.txt";

struct OpsCase {
    std::string name, op;
    std::map<std::string, std::vector<int64_t>> ints;
    std::map<std::string, std::vector<float>> params, tensors;
    std::map<std::string, std::vector<int64_t>> itensors;

    int64_t i(const std::string &k, size_t at = 0) const { return ints.at(k).at(at); }
    const std::vector<int64_t> &iv(const std::string &k) const { return ints.at(k); }
    const std::vector<float> &t(const std::string &k) const { return tensors.at(k); }
    const std::vector<int64_t> &it(const std::string &k) const { return itensors.at(k); }
    bool has(const std::string &k) const { return tensors.count(k) || itensors.count(k); }
};

struct OpsGolden {
    std::vector<OpsCase> cases;
    std::string error;
};

OpsGolden Load() {
    OpsGolden data;
    std::ifstream file(kGoldenFile);
    if (!file) {
        data.error = std::string("cannot open ") + kGoldenFile + " (regenerate it with tests/golden/gen_golden_ops.py)";
        return data;
    }
    std::string line;
    int line_no = 0;
    OpsCase cur;
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
        if (key == "simdpool-golden-ops" || key == "torch") continue;
        if (key == "case") {
            if (in_case || !(ss >> cur.name)) return fail("unexpected 'case'");
            cur = OpsCase{cur.name, "", {}, {}, {}, {}};
            in_case = true;
            continue;
        }
        if (!in_case) return fail("record '" + key + "' outside a case");
        if (key == "end") {
            if (cur.op.empty() || !cur.tensors.count("x")) return fail("case " + cur.name + " lacks op or x");
            data.cases.push_back(cur);
            in_case = false;
            continue;
        }
        std::string name;
        if (key == "op") {
            if (!(ss >> cur.op)) return fail("bad op");
            continue;
        }
        if (!(ss >> name)) return fail("record '" + key + "' without a name");
        std::vector<std::string> toks;
        for (std::string tok; ss >> tok;) toks.push_back(tok);
        auto parse_float = [](const std::string &s, float *v) {
            char *end = nullptr;
            *v = std::strtof(s.c_str(), &end);
            return end != s.c_str() && *end == '\0';
        };
        auto parse_int = [](const std::string &s, int64_t *v) {
            char *end = nullptr;
            *v = std::strtoll(s.c_str(), &end, 10);
            return end != s.c_str() && *end == '\0';
        };
        bool ok = true;
        size_t first = 0;
        if (key == "tensor" || key == "itensor") {
            int64_t count = 0;
            ok = !toks.empty() && parse_int(toks[0], &count) && toks.size() == size_t(count) + 1;
            first = 1;
        }
        if (key == "int" || key == "itensor") {
            std::vector<int64_t> v(toks.size() - first);
            for (size_t k = first; ok && k < toks.size(); ++k) ok = parse_int(toks[k], &v[k - first]);
            (key == "int" ? cur.ints : cur.itensors)[name] = v;
        } else if (key == "float" || key == "tensor") {
            std::vector<float> v(toks.size() - first);
            for (size_t k = first; ok && k < toks.size(); ++k) ok = parse_float(toks[k], &v[k - first]);
            (key == "float" ? cur.params : cur.tensors)[name] = v;
        } else {
            ok = false;
        }
        if (!ok) return fail("bad record '" + key + " " + name + "' in case " + cur.name);
    }
    if (in_case) return fail("unterminated case " + cur.name);
    if (data.cases.empty()) data.error = std::string("no cases in ") + kGoldenFile;
    return data;
}

const OpsGolden &Golden() {
    static const OpsGolden data = Load();
    return data;
}

// ---- comparisons ----

::testing::AssertionResult Near(const std::vector<float> &got, const std::vector<float> &want, double rel, double abs,
                                const char *what) {
    return sptest::arrays_near(got, want, rel, abs, what);
}

::testing::AssertionResult Exact(const std::vector<float> &got, const std::vector<float> &want, const char *what) {
    return sptest::arrays_identical(got, want, what);
}

int64_t Product(const std::vector<int64_t> &v) {
    int64_t p = 1;
    for (int64_t e : v) p *= e;
    return p;
}

simdpool_options Options(simdpool_isa isa) {
    simdpool_options o;
    simdpool_options_init(&o);
    o.max_isa = isa;
    return o;
}


// ---- per op ----

void RunFractional(const OpsCase &gc, simdpool_layout layout, simdpool_isa isa) {
    const int dims = int(gc.i("dims"));
    simdpool_fractional_desc d;
    ASSERT_EQ(simdpool_fractional_desc_init(&d, dims), SIMDPOOL_OK);
    d.n = gc.i("n");
    d.c = gc.i("c");
    for (int a = 0; a < dims; ++a) {
        d.in[a] = gc.i("in", size_t(a));
        d.kernel[a] = gc.i("kernel", size_t(a));
        d.out[a] = gc.i("out", size_t(a));
        d.output_ratio[a] = gc.params.at("ratio").at(size_t(a));
    }
    d.layout = layout;
    const simdpool_options o = Options(isa);
    simdpool_plan *p = nullptr;
    ASSERT_EQ(simdpool_plan_create_fractional(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    sptest::PlanPtr owner(p);
    const bool nhwc = layout == SIMDPOOL_NHWC;
    const int64_t pin = Product(gc.iv("in")), pout = Product(gc.iv("out_size")), n = d.n, c = d.c;
    int64_t shape[SIMDPOOL_MAX_RANK];
    int rank = 0;
    ASSERT_EQ(simdpool_plan_output_shape(p, shape, &rank), SIMDPOOL_OK);
    for (int a = 0; a < dims; ++a) EXPECT_EQ(shape[(nhwc ? 1 : 2) + a], gc.i("out_size", size_t(a)));
    auto in_layout = [&](const std::vector<float> &v, int64_t plane) { return nhwc ? to_nhwc(v, n, c, plane) : v; };
    auto back = [&](const std::vector<float> &v, int64_t plane) { return nhwc ? to_nchw(v, n, c, plane) : v; };
    const std::vector<float> x = in_layout(gc.t("x"), pin);
    std::vector<float> y(gc.t("y").size(), -99.0f);
    std::vector<int64_t> idx(y.size(), -7);
    ASSERT_EQ(simdpool_fractional_forward(p, gc.t("samples").data(), x.data(), y.data(), idx.data()), SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(Exact(back(y, pout), gc.t("y"), "y"));
    EXPECT_TRUE(sptest::arrays_identical(nhwc ? to_nchw(idx, n, c, pout) : idx, gc.it("idx"), "idx"));
    if (!gc.has("dx")) return;
    const std::vector<float> dy = in_layout(gc.t("dy"), pout);
    const std::vector<int64_t> gidx = nhwc ? to_nhwc(gc.it("idx"), n, c, pout) : gc.it("idx");
    std::vector<float> dx(x.size(), NAN);
    ASSERT_EQ(simdpool_backward(p, dy.data(), gidx.data(), nullptr, nullptr, dx.data()), SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(Exact(back(dx, pin), gc.t("dx"), "dx"));
}

void RunUnpool(const OpsCase &gc, simdpool_layout layout, simdpool_isa isa) {
    const int dims = int(gc.i("dims"));
    simdpool_unpool_desc d;
    ASSERT_EQ(simdpool_unpool_desc_init(&d, dims), SIMDPOOL_OK);
    d.n = gc.i("n");
    d.c = gc.i("c");
    for (int a = 0; a < dims; ++a) {
        d.in[a] = gc.i("in", size_t(a));
        d.kernel[a] = gc.i("kernel", size_t(a));
        d.stride[a] = gc.i("stride", size_t(a));
        d.pad_begin[a] = d.pad_end[a] = gc.i("pad", size_t(a));
        d.out[a] = gc.i("out", size_t(a));
    }
    d.layout = layout;
    const simdpool_options o = Options(isa);
    simdpool_plan *p = nullptr;
    ASSERT_EQ(simdpool_plan_create_unpool(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    sptest::PlanPtr owner(p);
    const bool nhwc = layout == SIMDPOOL_NHWC;
    const int64_t pin = Product(gc.iv("in")), pout = Product(gc.iv("out_size")), n = d.n, c = d.c;
    size_t nin = 0, nout = 0;
    ASSERT_EQ(simdpool_plan_tensor_sizes(p, &nin, &nout), SIMDPOOL_OK);
    ASSERT_EQ(nout, gc.t("y").size()) << "derived output size differs from torch's";
    const std::vector<float> x = nhwc ? to_nhwc(gc.t("x"), n, c, pin) : gc.t("x");
    const std::vector<int64_t> idx = nhwc ? to_nhwc(gc.it("idx"), n, c, pin) : gc.it("idx");
    std::vector<float> y(nout, -99.0f);
    ASSERT_EQ(simdpool_unpool_forward(p, x.data(), idx.data(), y.data()), SIMDPOOL_OK) << simdpool_last_error();
    EXPECT_TRUE(Exact(nhwc ? to_nchw(y, n, c, pout) : y, gc.t("y"), "y"));
    const std::vector<float> dy = nhwc ? to_nhwc(gc.t("dy"), n, c, pout) : gc.t("dy");
    std::vector<float> dx(nin, NAN);
    ASSERT_EQ(simdpool_backward(p, dy.data(), idx.data(), nullptr, nullptr, dx.data()), SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(Exact(nhwc ? to_nchw(dx, n, c, pin) : dx, gc.t("dx"), "dx"));
}

// SPP rows: torch's order is per level (c, i, j); the NHWC plan's is per level (i, j, c).
std::vector<float> SppRowsToNchwOrder(const std::vector<float> &y, int64_t n, int64_t c,
                                      const std::vector<int64_t> &levels) {
    std::vector<float> out(y.size());
    int64_t F = 0;
    for (int64_t l : levels) F += c * l * l;
    for (int64_t b = 0; b < n; ++b) {
        int64_t off = b * F;
        for (int64_t l : levels) {
            for (int64_t ch = 0; ch < c; ++ch)
                for (int64_t s = 0; s < l * l; ++s) out[size_t(off + ch * l * l + s)] = y[size_t(off + s * c + ch)];
            off += c * l * l;
        }
    }
    return out;
}

template <typename T>
std::vector<T> SppRowsToNhwcOrder(const std::vector<T> &y, int64_t n, int64_t c, const std::vector<int64_t> &levels) {
    std::vector<T> out(y.size());
    int64_t F = 0;
    for (int64_t l : levels) F += c * l * l;
    for (int64_t b = 0; b < n; ++b) {
        int64_t off = b * F;
        for (int64_t l : levels) {
            for (int64_t ch = 0; ch < c; ++ch)
                for (int64_t s = 0; s < l * l; ++s) out[size_t(off + s * c + ch)] = y[size_t(off + ch * l * l + s)];
            off += c * l * l;
        }
    }
    return out;
}

void RunSpp(const OpsCase &gc, simdpool_layout layout, simdpool_isa isa) {
    const bool is_max = gc.i("max") != 0;
    simdpool_spp_desc d;
    ASSERT_EQ(simdpool_spp_desc_init(&d, is_max ? SIMDPOOL_MAX : SIMDPOOL_AVG), SIMDPOOL_OK);
    d.n = gc.i("n");
    d.c = gc.i("c");
    d.in[0] = gc.i("in", 0);
    d.in[1] = gc.i("in", 1);
    const std::vector<int64_t> &levels = gc.iv("levels");
    d.num_levels = int(levels.size());
    for (size_t l = 0; l < levels.size(); ++l) d.levels[l] = levels[l];
    d.layout = layout;
    const simdpool_options o = Options(isa);
    simdpool_plan *p = nullptr;
    ASSERT_EQ(simdpool_plan_create_spp(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    sptest::PlanPtr owner(p);
    const bool nhwc = layout == SIMDPOOL_NHWC;
    const int64_t pin = d.in[0] * d.in[1], n = d.n, c = d.c;
    const std::vector<float> x = nhwc ? to_nhwc(gc.t("x"), n, c, pin) : gc.t("x");
    std::vector<float> y(gc.t("y").size(), -99.0f);
    std::vector<int64_t> idx(y.size(), -7);
    ASSERT_EQ(simdpool_forward(p, x.data(), y.data(), is_max ? idx.data() : nullptr), SIMDPOOL_OK)
        << simdpool_last_error();
    const std::vector<float> y_torch_order = nhwc ? SppRowsToNchwOrder(y, n, c, levels) : y;
    if (is_max) {
        EXPECT_TRUE(Exact(y_torch_order, gc.t("y"), "y"));
        const std::vector<int64_t> want = nhwc ? SppRowsToNhwcOrder(gc.it("idx"), n, c, levels) : gc.it("idx");
        EXPECT_TRUE(sptest::arrays_identical(idx, want, "idx"));
    } else {
        EXPECT_TRUE(Near(y_torch_order, gc.t("y"), 2.5e-7, 1e-7, "y"));
    }
    const std::vector<float> dy = nhwc ? SppRowsToNhwcOrder(gc.t("dy"), n, c, levels) : gc.t("dy");
    const std::vector<int64_t> gidx = is_max ? (nhwc ? SppRowsToNhwcOrder(gc.it("idx"), n, c, levels) : gc.it("idx"))
                                             : std::vector<int64_t>();
    std::vector<float> dx(x.size(), NAN);
    ASSERT_EQ(simdpool_backward(p, dy.data(), is_max ? gidx.data() : nullptr, nullptr, nullptr, dx.data()),
              SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(Near(nhwc ? to_nchw(dx, n, c, pin) : dx, gc.t("dx"), 1e-5, 1e-6, "dx"));
}

void RunRoi(const OpsCase &gc, simdpool_layout layout, simdpool_isa isa) {
    const bool pool = gc.op == "roi_pool";
    simdpool_roi_desc d;
    ASSERT_EQ(simdpool_roi_desc_init(&d, pool ? SIMDPOOL_ROI_POOL : SIMDPOOL_ROI_ALIGN), SIMDPOOL_OK);
    d.n = gc.i("n");
    d.c = gc.i("c");
    d.in[0] = gc.i("in", 0);
    d.in[1] = gc.i("in", 1);
    d.pooled[0] = gc.i("pooled", 0);
    d.pooled[1] = gc.i("pooled", 1);
    d.spatial_scale = gc.params.at("spatial_scale").at(0);
    if (!pool) {
        d.sampling_ratio = int(gc.i("sampling_ratio"));
        d.aligned = int(gc.i("aligned"));
    }
    d.layout = layout;
    const simdpool_options o = Options(isa);
    simdpool_plan *p = nullptr;
    ASSERT_EQ(simdpool_plan_create_roi(&d, &o, &p), SIMDPOOL_OK) << simdpool_last_error();
    sptest::PlanPtr owner(p);
    const bool nhwc = layout == SIMDPOOL_NHWC;
    const int64_t pin = d.in[0] * d.in[1], pout = d.pooled[0] * d.pooled[1], n = d.n, c = d.c;
    const int64_t k = gc.i("num_boxes");
    ASSERT_EQ(gc.t("boxes").size(), size_t(5 * k));
    const std::vector<float> x = nhwc ? to_nhwc(gc.t("x"), n, c, pin) : gc.t("x");
    std::vector<float> y(gc.t("y").size(), -99.0f);
    std::vector<int64_t> am(y.size(), -7);
    ASSERT_EQ(simdpool_roi_forward(p, x.data(), gc.t("boxes").data(), size_t(k), y.data(), pool ? am.data() : nullptr),
              SIMDPOOL_OK)
        << simdpool_last_error();
    const std::vector<float> y_nchw = nhwc ? to_nchw(y, k, c, pout) : y;
    EXPECT_TRUE(Exact(y_nchw, gc.t("y"), "y"));
    if (pool) {
        EXPECT_TRUE(sptest::arrays_identical(nhwc ? to_nchw(am, k, c, pout) : am, gc.it("argmax"), "argmax"));
    }
    const std::vector<float> dy = nhwc ? to_nhwc(gc.t("dy"), k, c, pout) : gc.t("dy");
    const std::vector<int64_t> gam =
        pool ? (nhwc ? to_nhwc(gc.it("argmax"), k, c, pout) : gc.it("argmax")) : std::vector<int64_t>();
    std::vector<float> dx(x.size(), NAN);
    ASSERT_EQ(simdpool_roi_backward(p, dy.data(), gc.t("boxes").data(), size_t(k), pool ? gam.data() : nullptr,
                                    dx.data()),
              SIMDPOOL_OK)
        << simdpool_last_error();
    EXPECT_TRUE(Exact(nhwc ? to_nchw(dx, n, c, pin) : dx, gc.t("dx"), "dx"));
}

bool KnownOp(const std::string &op) {
    return op == "fractional" || op == "unpool" || op == "spp" || op == "roi_pool" || op == "roi_align";
}

std::vector<std::string> CaseNames() {
    std::vector<std::string> names;
    for (const OpsCase &c : Golden().cases) names.push_back(c.name);
    if (names.empty()) names.push_back("golden_file_missing");
    return names;
}

class GoldenOpsTest : public ::testing::TestWithParam<std::string> {};

TEST(GoldenOpsFile, Loads) {
    ASSERT_TRUE(Golden().error.empty()) << Golden().error;
    EXPECT_GE(Golden().cases.size(), 30u);
    std::map<std::string, int> per_op;
    for (const OpsCase &c : Golden().cases) {
        EXPECT_TRUE(KnownOp(c.op)) << c.name << ": unknown op " << c.op;
        ++per_op[c.op];
    }
    for (const char *op : {"fractional", "unpool", "spp", "roi_pool", "roi_align"})
        EXPECT_GE(per_op[op], 3) << "too few golden cases for " << op;
}

TEST_P(GoldenOpsTest, MatchesTorch) {
    const OpsCase *gc = nullptr;
    for (const OpsCase &c : Golden().cases)
        if (c.name == GetParam()) gc = &c;
    ASSERT_NE(gc, nullptr) << Golden().error;
    int ran = 0;
    for (simdpool_isa isa : sptest::all_isas()) {
        if (!simdpool_isa_available(isa)) continue;
        for (simdpool_layout layout : opstest::layouts()) {
            SCOPED_TRACE(std::string("isa ") + simdpool_isa_name(isa) + ", " + opstest::layout_name(layout));
            if (gc->op == "fractional") RunFractional(*gc, layout, isa);
            else if (gc->op == "unpool") RunUnpool(*gc, layout, isa);
            else if (gc->op == "spp") RunSpp(*gc, layout, isa);
            else if (gc->op == "roi_pool" || gc->op == "roi_align") RunRoi(*gc, layout, isa);
            else FAIL() << "unknown op " << gc->op;
            ++ran;
        }
    }
    EXPECT_GT(ran, 0);
}

INSTANTIATE_TEST_SUITE_P(Torch, GoldenOpsTest, ::testing::ValuesIn(CaseNames()),
                         [](const ::testing::TestParamInfo<std::string> &info) { return info.param; });

}  // namespace
