// The workload table (named CNN layers) and the problems built from it: inputs, byte counts from simdpool's
// cost model, and the naive loops' reference result that every row is checked against before it is timed.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <new>
#include <utility>

#include "bench.h"
#include "naive_pool.h"

namespace spbench {

// ---------------------------------------------------------------------------------------------------------
// The table. One line per workload; rows are made for both layouts, every implementation that supports the
// workload, and 1 and all threads.

const std::vector<Workload> &workloads(bool smoke) {
    static const std::vector<Workload> suite = {
        pool("vgg_max2x2s2", SIMDPOOL_MAX, 1, 64, {224, 224}, {2, 2}, {2, 2}, {0, 0}),
        pool("resnet_stem_max3x3s2p1", SIMDPOOL_MAX, 1, 64, {112, 112}, {3, 3}, {2, 2}, {1, 1}),
        exclude_pad(pool("inception_avg3x3s1p1", SIMDPOOL_AVG, 1, 192, {28, 28}, {3, 3}, {1, 1}, {1, 1})),
        pool("densenet_avg2x2s2", SIMDPOOL_AVG, 1, 256, {56, 56}, {2, 2}, {2, 2}, {0, 0}),
        global("resnet_gap", SIMDPOOL_AVG, 1, 2048, {7, 7}),
        global("resnet_gap_batch32", SIMDPOOL_AVG, 32, 2048, {7, 7}),
        pool("alexnet_max3x3s2", SIMDPOOL_MAX, 1, 96, {55, 55}, {3, 3}, {2, 2}, {0, 0}),
        backward(pool("vgg_max2x2s2_backward", SIMDPOOL_MAX, 1, 64, {224, 224}, {2, 2}, {2, 2}, {0, 0})),
        backward(pool("vgg_avg2x2s2_backward", SIMDPOOL_AVG, 1, 64, {224, 224}, {2, 2}, {2, 2}, {0, 0})),
        pool("large_max2x2s2", SIMDPOOL_MAX, 8, 128, {256, 256}, {2, 2}, {2, 2}, {0, 0}),
        pool("audio_max4s4_1d", SIMDPOOL_MAX, 1, 256, {16000}, {4}, {4}, {0}),
        pool("i3d_max1x3x3s1x2x2_3d", SIMDPOOL_MAX, 1, 64, {16, 56, 56}, {1, 3, 3}, {1, 2, 2}, {0, 1, 1}),
        adaptive("adaptive_avg14to7", SIMDPOOL_AVG, 1, 512, {14, 14}, {7, 7}),
        lp_norm(pool("lp2_pool2x2s2", SIMDPOOL_LP, 1, 256, {56, 56}, {2, 2}, {2, 2}, {0, 0}), 2.0f),
        pool("softpool2x2s2", SIMDPOOL_SOFT, 1, 256, {56, 56}, {2, 2}, {2, 2}, {0, 0}),
    };
    // The smoke test: tiny shapes with channel and width tails, run for one iteration each.
    static const std::vector<Workload> tiny = {
        pool("smoke_max3x3s2p1", SIMDPOOL_MAX, 1, 5, {9, 9}, {3, 3}, {2, 2}, {1, 1}),
        exclude_pad(pool("smoke_avg3x3s1p1", SIMDPOOL_AVG, 1, 5, {7, 7}, {3, 3}, {1, 1}, {1, 1})),
        backward(pool("smoke_max2x2s2_backward", SIMDPOOL_MAX, 2, 3, {8, 8}, {2, 2}, {2, 2}, {0, 0})),
        global("smoke_gap", SIMDPOOL_AVG, 2, 17, {3, 3}),
    };
    return smoke ? tiny : suite;
}

// ---------------------------------------------------------------------------------------------------------
// Builders

Workload pool(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, Dims kernel, Dims stride,
              Dims pad) {
    Workload w;
    w.name = name, w.kind = Kind::Pool, w.algorithm = a, w.n = n, w.c = c;
    w.in = in, w.kernel = kernel, w.stride = stride, w.pad = pad;
    return w;
}

Workload adaptive(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in, Dims out) {
    Workload w;
    w.name = name, w.kind = Kind::Adaptive, w.algorithm = a, w.n = n, w.c = c, w.in = in, w.kernel = out;
    return w;
}

Workload global(const char *name, simdpool_algorithm a, int64_t n, int64_t c, Dims in) {
    Dims out = in;
    for (int i = 0; i < out.count; ++i) out.v[i] = 1;
    return adaptive(name, a, n, c, in, out);
}

Workload backward(Workload w) {
    w.direction = Direction::Backward;
    return w;
}

Workload exclude_pad(Workload w) {
    w.count_include_pad = 0;
    return w;
}

Workload lp_norm(Workload w, float p) {
    w.p = p;
    return w;
}

namespace {

const char *algorithm_name(simdpool_algorithm a) {
    switch (a) {
    case SIMDPOOL_MAX: return "max";
    case SIMDPOOL_AVG: return "avg";
    case SIMDPOOL_MIN: return "min";
    case SIMDPOOL_LP: return "lp";
    case SIMDPOOL_SOFT: return "soft";
    }
    return "?";
}

std::string join(const Dims &d, const char *sep) {
    std::string s;
    for (int i = 0; i < d.count; ++i) s += (i ? sep : "") + std::to_string(d.v[i]);
    return s;
}

// One value when all are equal ("2" for 2x2), else all of them.
std::string compact(const Dims &d, const char *sep) {
    bool same = true;
    for (int i = 1; i < d.count; ++i) same = same && d.v[i] == d.v[0];
    return same && d.count ? std::to_string(d.v[0]) : join(d, sep);
}

}  // namespace

std::string Workload::shape() const {
    std::string s = std::to_string(n) + "x" + std::to_string(c) + "x" + join(in, "x") + " ";
    if (direction == Direction::Backward) s += "backward ";
    s += algorithm_name(algorithm);
    if (algorithm == SIMDPOOL_LP) {
        char buf[32];
        std::snprintf(buf, sizeof buf, "(p=%g)", (double)p);
        s += buf;
    }
    if (kind == Kind::Adaptive) {
        bool all_one = true;
        for (int i = 0; i < kernel.count; ++i) all_one = all_one && kernel.v[i] == 1;
        return s + (all_one ? " global" : " adaptive to " + join(kernel, "x"));
    }
    s += " " + join(kernel, "x") + "/" + compact(stride, "x");
    bool padded = false;
    for (int i = 0; i < pad.count; ++i) padded = padded || pad.v[i] != 0;
    if (padded) s += " pad " + compact(pad, ",");
    if (algorithm == SIMDPOOL_AVG && padded && !count_include_pad) s += " count_include_pad=false";
    return s;
}

// ---------------------------------------------------------------------------------------------------------
// Buffers

template <typename T>
Buffer<T> &Buffer<T>::operator=(Buffer &&o) noexcept {
    if (this != &o) {
        std::free(data_);
        data_ = o.data_, size_ = o.size_;
        o.data_ = nullptr, o.size_ = 0;
    }
    return *this;
}

template <typename T>
Buffer<T>::~Buffer() {
    std::free(data_);
}

template <typename T>
void Buffer<T>::resize(size_t count) {
    std::free(data_);
    data_ = nullptr, size_ = 0;
    const size_t bytes = ((count * sizeof(T) + 64) + 63) / 64 * 64;
    void *p = std::aligned_alloc(64, bytes);
    if (p == nullptr) throw std::bad_alloc();
    std::memset(p, 0, bytes);
    data_ = static_cast<T *>(p), size_ = count;
}

template class Buffer<float>;
template class Buffer<int64_t>;

// ---------------------------------------------------------------------------------------------------------
// Problems

bool WindowSpec::has_padding() const {
    for (int i = 0; i < dims; ++i)
        if (pad_begin[i] != 0 || pad_end[i] != 0) return true;
    return false;
}

bool has_fixed_window(const Workload &w) {
    if (w.algorithm != SIMDPOOL_MAX && w.algorithm != SIMDPOOL_AVG) return false;
    if (w.kind == Kind::Pool) return true;
    for (int i = 0; i < w.in.count; ++i)
        if (w.kernel.v[i] <= 0 || w.in.v[i] % w.kernel.v[i] != 0) return false;
    return true;
}

const char *layout_name(simdpool_layout layout) { return layout == SIMDPOOL_NHWC ? "nhwc" : "nchw"; }

namespace {

// Distinct magnitudes in [1, 2) with random signs: no two elements of a window tie (below 2^23 elements), so
// every library's argmax is the same position, and sums stay well conditioned.
void fill_input(Buffer<float> &x) {
    for (size_t i = 0; i < x.size(); ++i) {
        const uint32_t u = (uint32_t)(i * 2654435761u) & ((1u << 23) - 1);
        uint32_t h = (uint32_t)i * 0x85ebca6bu;
        h ^= h >> 13, h *= 0xc2b2ae35u, h ^= h >> 16;
        const float v = 1.0f + (float)u / (float)(1u << 23);
        x[i] = (h & 1) ? -v : v;
    }
}

void fill_gradient(Buffer<float> &dy) {
    uint32_t s = 0x2545f491u;
    for (size_t i = 0; i < dy.size(); ++i) {
        s = s * 1664525u + 1013904223u;
        dy[i] = (float)(s >> 8) / 8388608.0f - 1.0f;
    }
}

WindowSpec window_of(const Problem &p) {
    WindowSpec ws;
    const Workload &w = *p.w;
    ws.dims = w.spatial_dims();
    if (!p.is_adaptive) {
        const simdpool_pool_desc &d = p.pool;
        int64_t out[3];
        naive_pool_output_dims(&d, out);
        for (int i = 0; i < ws.dims; ++i) {
            ws.in[i] = d.in[i], ws.out[i] = out[i], ws.kernel[i] = d.kernel[i], ws.stride[i] = d.stride[i];
            ws.dilation[i] = d.dilation[i], ws.pad_begin[i] = d.pad_begin[i], ws.pad_end[i] = d.pad_end[i];
        }
        if (d.ceil_mode || d.divisor_override) {
            ws.why_not = "ceil_mode / divisor_override have no sliding-window equivalent here";
            return ws;
        }
        ws.ok = true;
        return ws;
    }
    ws.global = true;
    for (int i = 0; i < ws.dims; ++i) {
        const int64_t in = p.adaptive.in[i], out = p.adaptive.out[i];
        ws.global = ws.global && out == 1;
        if (in % out != 0) {
            ws.why_not = "adaptive windows of unequal size (in % out != 0)";
            return ws;
        }
        ws.in[i] = in, ws.out[i] = out, ws.kernel[i] = ws.stride[i] = in / out;
    }
    ws.ok = true;
    return ws;
}

std::unique_ptr<Problem> build(const Workload &w, simdpool_layout layout) {
    std::unique_ptr<Problem> p(new Problem);
    p->w = &w;
    p->layout = layout;
    p->is_adaptive = w.kind == Kind::Adaptive;
    const int sd = w.spatial_dims();
    simdpool_plan *plan = nullptr;
    simdpool_options o;
    simdpool_options_init(&o);
    o.num_threads = 1;
    o.max_isa = SIMDPOOL_ISA_SCALAR;
    simdpool_status st;
    if (p->is_adaptive) {
        simdpool_adaptive_desc &d = p->adaptive;
        simdpool_adaptive_desc_init(&d, w.algorithm, sd);
        d.n = w.n, d.c = w.c, d.layout = layout;
        for (int i = 0; i < sd; ++i) d.in[i] = w.in.v[i], d.out[i] = w.kernel.v[i];
        p->in_count = naive_adaptive_input_elements(&d);
        p->out_count = naive_adaptive_output_elements(&d);
        st = simdpool_plan_create_adaptive(&d, &o, &plan);
    } else {
        simdpool_pool_desc &d = p->pool;
        simdpool_pool_desc_init(&d, w.algorithm, sd);
        d.n = w.n, d.c = w.c, d.layout = layout, d.count_include_pad = w.count_include_pad, d.p = w.p;
        for (int i = 0; i < sd; ++i) {
            d.in[i] = w.in.v[i], d.kernel[i] = w.kernel.v[i], d.stride[i] = w.stride.v[i];
            d.pad_begin[i] = d.pad_end[i] = w.pad.v[i];
        }
        p->in_count = naive_pool_input_elements(&d);
        p->out_count = naive_pool_output_elements(&d);
        st = simdpool_plan_create_pool(&d, &o, &plan);
    }
    const bool bwd = w.direction == Direction::Backward;
    if (st != SIMDPOOL_OK) {
        p->error = std::string("simdpool refused the workload: ") + simdpool_last_error();
        return p;
    }
    st = simdpool_plan_cost(plan, bwd ? 1 : 0, 0, &p->cost);
    simdpool_plan_destroy(plan);
    if (st != SIMDPOOL_OK) {
        p->error = std::string("simdpool_plan_cost failed: ") + simdpool_last_error();
        return p;
    }
    p->window = window_of(*p);

    p->x.resize(p->in_count);
    fill_input(p->x);
    const bool routed = w.algorithm == SIMDPOOL_MAX || w.algorithm == SIMDPOOL_MIN;
    if (!bwd) {
        p->ref.resize(p->out_count);
        if (p->is_adaptive)
            naive_adaptive_forward(&p->adaptive, p->x.data(), p->ref.data(), nullptr);
        else
            naive_pool_forward(&p->pool, p->x.data(), p->ref.data(), nullptr);
        return p;
    }
    p->y.resize(p->out_count);
    p->dy.resize(p->out_count);
    p->ref.resize(p->in_count);
    if (routed) p->idx.resize(p->out_count);
    fill_gradient(p->dy);
    int64_t *idx = routed ? p->idx.data() : nullptr;
    if (p->is_adaptive) {
        naive_adaptive_forward(&p->adaptive, p->x.data(), p->y.data(), idx);
        naive_adaptive_backward(&p->adaptive, p->dy.data(), idx, p->ref.data());
    } else {
        naive_pool_forward(&p->pool, p->x.data(), p->y.data(), idx);
        naive_pool_backward(&p->pool, p->dy.data(), idx, p->x.data(), p->y.data(), p->ref.data());
    }
    return p;
}

}  // namespace

Problem &problem(const Workload &w, simdpool_layout layout) {
    static std::map<std::pair<const Workload *, int>, std::unique_ptr<Problem>> cache;
    static std::mutex mu;
    std::lock_guard<std::mutex> lock(mu);
    auto &slot = cache[{&w, (int)layout}];
    if (!slot) slot = build(w, layout);
    return *slot;
}

std::string Problem::describe_position(size_t i) const {
    // The result has the output shape (forward) or the input shape (backward), in this problem's layout.
    const bool bwd = w->direction == Direction::Backward;
    const int sd = w->spatial_dims();
    int64_t out[3], sp[3];
    if (is_adaptive)
        naive_adaptive_output_dims(&adaptive, out);
    else
        naive_pool_output_dims(&pool, out);
    for (int k = 0; k < sd; ++k) sp[k] = bwd ? w->in.v[k] : out[k];
    static const char *const names3[] = {"d", "h", "w"};
    const char *const *names = names3 + (3 - sd);
    int64_t coord[3] = {0, 0, 0}, n, c;
    size_t r = i;
    if (layout == SIMDPOOL_NHWC) {
        c = (int64_t)(r % (size_t)w->c), r /= (size_t)w->c;
        for (int k = sd - 1; k >= 0; --k) coord[k] = (int64_t)(r % (size_t)sp[k]), r /= (size_t)sp[k];
        n = (int64_t)r;
    } else {
        for (int k = sd - 1; k >= 0; --k) coord[k] = (int64_t)(r % (size_t)sp[k]), r /= (size_t)sp[k];
        c = (int64_t)(r % (size_t)w->c), r /= (size_t)w->c;
        n = (int64_t)r;
    }
    std::string s = "element " + std::to_string(i) + " (n=" + std::to_string(n) + " c=" + std::to_string(c);
    for (int k = 0; k < sd; ++k) s += std::string(" ") + names[k] + "=" + std::to_string(coord[k]);
    return s + ")";
}

}  // namespace spbench
