// XNNPACK rows (Debian's libxnnpack-dev, an inference library: NHWC forward only). Operators are created and
// set up once per row setup; only xnn_run_operator is timed. Threads: a pthreadpool of n threads (n = 1 runs
// on the caller's thread, no pool). Mappings, all exact:
//   global average  -> global_average_pooling_nwc_f32 over the N images of H*W pixels
//   1-D             -> 2-D with H = 1
//   3-D with a depth window of 1, stride 1, no depth padding -> 2-D over N*D images
//   adaptive with in % out == 0 -> pooling with window = stride = in / out
// XNNPACK's average pooling divides by the number of input pixels in the window (padding excluded), so AVG
// with padding runs only where count_include_pad = false.
#include <pthreadpool.h>
#include <xnnpack.h>

#include <limits>
#include <string>

#include "bench.h"

#ifndef SIMDPOOL_BENCH_XNNPACK_VERSION
#define SIMDPOOL_BENCH_XNNPACK_VERSION "unknown"
#endif

namespace spbench {

namespace {

xnn_status initialized() {
    static const xnn_status st = xnn_initialize(nullptr);
    return st;
}

std::string status_name(xnn_status st) {
    switch (st) {
    case xnn_status_success: return "success";
    case xnn_status_uninitialized: return "uninitialized";
    case xnn_status_invalid_parameter: return "invalid_parameter";
    case xnn_status_invalid_state: return "invalid_state";
    case xnn_status_unsupported_parameter: return "unsupported_parameter";
    case xnn_status_unsupported_hardware: return "unsupported_hardware";
    case xnn_status_out_of_memory: return "out_of_memory";
    }
    return "status " + std::to_string((int)st);
}

#define XNN_TRY(call)                                                                       \
    do {                                                                                    \
        const xnn_status st_ = (call);                                                      \
        if (st_ != xnn_status_success) return "XNNPACK: " #call " failed: " + status_name(st_); \
    } while (0)

// The 2-D view XNNPACK runs, or why there is none.
struct View2d {
    std::string why_not;
    size_t batch = 1, h = 1, w = 1;
    uint32_t kh = 1, kw = 1, sh = 1, sw = 1, dh = 1, dw = 1, pt = 0, pb = 0, pl = 0, pr = 0;
    std::string note;
};

View2d view_of(const Workload &wl) {
    View2d v;
    auto no = [&v](const char *why) {
        v.why_not = why;
        return v;
    };
    if (wl.direction != Direction::Forward) return no("no backward");
    if (wl.algorithm != SIMDPOOL_MAX && wl.algorithm != SIMDPOOL_AVG) return no("no such pooling");
    if (!has_fixed_window(wl)) return no("no sliding-window equivalent");
    const int sd = wl.spatial_dims();
    int64_t in[3] = {1, 1, 1}, k[3] = {1, 1, 1}, s[3] = {1, 1, 1}, pad[3] = {0, 0, 0};
    for (int i = 0; i < sd; ++i) {  // right-align into (D, H, W)
        const int a = 3 - sd + i;
        in[a] = wl.in.v[i];
        if (wl.kind == Kind::Adaptive) {
            k[a] = s[a] = wl.in.v[i] / wl.kernel.v[i];
        } else {
            k[a] = wl.kernel.v[i], s[a] = wl.stride.v[i], pad[a] = wl.pad.v[i];
        }
    }
    if (k[0] != 1 || s[0] != 1 || pad[0] != 0) return no("3-D window over depth");
    bool padded = pad[1] || pad[2];
    if (wl.algorithm == SIMDPOOL_AVG && padded && wl.count_include_pad)
        return no("average pooling counting padding");
    v.batch = (size_t)(wl.n * in[0]), v.h = (size_t)in[1], v.w = (size_t)in[2];
    v.kh = (uint32_t)k[1], v.kw = (uint32_t)k[2], v.sh = (uint32_t)s[1], v.sw = (uint32_t)s[2];
    v.pt = v.pb = (uint32_t)pad[1], v.pl = v.pr = (uint32_t)pad[2];
    if (sd == 3) v.note = " (3-D as 2-D over N*D)";
    if (sd == 1) v.note = " (1-D as 2-D, H=1)";
    return v;
}

bool is_global(const Workload &w) {
    if (w.kind != Kind::Adaptive) return false;
    for (int i = 0; i < w.kernel.count; ++i)
        if (w.kernel.v[i] != 1) return false;
    return w.algorithm == SIMDPOOL_AVG;
}

class XnnpackRunner : public Runner {
   public:
    ~XnnpackRunner() override {
        if (op_) xnn_delete_operator(op_);
        if (pool_) pthreadpool_destroy(pool_);
    }

    std::string prepare(Problem &p, int threads) override {
        XNN_TRY(initialized());
        if (threads > 1) {
            pool_ = pthreadpool_create((size_t)threads);
            if (!pool_) return "XNNPACK: pthreadpool_create failed";
        }
        const Workload &w = *p.w;
        const size_t c = (size_t)w.c;
        const float lo = -std::numeric_limits<float>::infinity(), hi = std::numeric_limits<float>::infinity();
        out_.resize(p.out_count);
        if (is_global(w)) {
            size_t pixels = 1;
            for (int i = 0; i < w.in.count; ++i) pixels *= (size_t)w.in.v[i];
            XNN_TRY(xnn_create_global_average_pooling_nwc_f32(c, c, c, lo, hi, 0, &op_));
            XNN_TRY(xnn_setup_global_average_pooling_nwc_f32(op_, (size_t)w.n, pixels, p.x.data(), out_.data(),
                                                             pool_));
            label_ = "xnnpack global_average_pooling_nwc_f32";
            return "";
        }
        const View2d v = view_of(w);
        if (!v.why_not.empty()) return "XNNPACK: " + v.why_not;
        if (w.algorithm == SIMDPOOL_MAX) {
            XNN_TRY(xnn_create_max_pooling2d_nhwc_f32(v.pt, v.pr, v.pb, v.pl, v.kh, v.kw, v.sh, v.sw, v.dh, v.dw, c, c,
                                                      c, lo, hi, 0, &op_));
            XNN_TRY(xnn_setup_max_pooling2d_nhwc_f32(op_, v.batch, v.h, v.w, p.x.data(), out_.data(), pool_));
            label_ = "xnnpack max_pooling2d_nhwc_f32" + v.note;
        } else {
            XNN_TRY(xnn_create_average_pooling2d_nhwc_f32(v.pt, v.pr, v.pb, v.pl, v.kh, v.kw, v.sh, v.sw, c, c, c, lo,
                                                          hi, 0, &op_));
            XNN_TRY(xnn_setup_average_pooling2d_nhwc_f32(op_, v.batch, v.h, v.w, p.x.data(), out_.data(), pool_));
            label_ = "xnnpack average_pooling2d_nhwc_f32" + v.note;
        }
        return "";
    }

    void run() override { status_ = xnn_run_operator(op_, pool_); }
    const float *result() override { return status_ == xnn_status_success ? out_.data() : nullptr; }
    std::string failure() const override {
        return status_ == xnn_status_success ? "" : "xnn_run_operator: " + status_name(status_);
    }
    std::string label() const override { return label_; }

   private:
    xnn_operator_t op_ = nullptr;
    pthreadpool_t pool_ = nullptr;
    xnn_status status_ = xnn_status_success;
    std::string label_;
    Buffer<float> out_;
};

bool xnnpack_supports(const Workload &w, simdpool_layout layout) {
    if (layout != SIMDPOOL_NHWC || w.direction != Direction::Forward) return false;
    return is_global(w) || view_of(w).why_not.empty();
}

}  // namespace

std::string add_xnnpack_impls(std::vector<Impl> &impls) {
    const xnn_status st = initialized();
    if (st != xnn_status_success)
        return "XNNPACK found but xnn_initialize failed (" + status_name(st) + "): xnnpack rows dropped";
    Impl x;
    x.name = "xnnpack";
    x.supports = xnnpack_supports;
    x.make = [] { return std::unique_ptr<Runner>(new XnnpackRunner); };
    impls.push_back(x);
    return "";
}

std::string xnnpack_version() { return SIMDPOOL_BENCH_XNNPACK_VERSION; }

}  // namespace spbench
